/* mm-loss-split.h — the loss plot's stacked split of the loss.
 *
 * Four series on an MmPlot, hidden until shown: the data loss at the
 * bottom, the L1 and the L2 penalty as bands above it, and the total on
 * top, all smoothed as the plot's smoothed loss is (an exponential moving
 * average, bias-corrected), so a student sees what regularization costs
 * without the batch-to-batch noise hiding the thin bands. Points whose
 * split is not known (older projects) add their penalty to the total only.
 */
#pragma once

#include <myml.h>
#include "mm-plot.h"

G_BEGIN_DECLS

typedef struct {
  guint total, l2, l1, data;  /* the series (top of each band) */
  double ema[4];              /* data, L1, L2, total */
  double weight;
  gboolean shown;
} MmLossSplit;

void mm_loss_split_add_series (MmLossSplit       *split,
                               MmPlot            *plot);
void mm_loss_split_reset      (MmLossSplit       *split);
void mm_loss_split_append     (MmLossSplit       *split,
                               MmPlot            *plot,
                               const MmStepPoint *points,
                               guint              n);
void mm_loss_split_set_shown  (MmLossSplit       *split,
                               MmPlot            *plot,
                               gboolean           shown);

G_END_DECLS
