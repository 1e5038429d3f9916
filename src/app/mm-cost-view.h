/* mm-cost-view.h — the cost meter's page: where the time of a training step
 * goes, per node type or per layer.
 *
 * A table (name, milliseconds per step, share of the step, MFLOPs, GFLOP/s)
 * and a horizontal bar chart of the same rows (forward and backward stacked),
 * from the trainer's newest measurement (mm-cost.h). The view asks the
 * trainer to meter one step in every N while it is shown; it reads the
 * numbers only when a step record says a new measurement exists, and never
 * waits for the trainer.
 */
#pragma once

#include <gtk/gtk.h>
#include <myml.h>

G_BEGIN_DECLS

#define MM_TYPE_COST_VIEW (mm_cost_view_get_type ())
G_DECLARE_FINAL_TYPE (MmCostView, mm_cost_view, MM, COST_VIEW, GtkWidget)

typedef enum {
  MM_COST_COLUMN_NAME,
  MM_COST_COLUMN_MS,
  MM_COST_COLUMN_PERCENT,
  MM_COST_COLUMN_MFLOPS,
  MM_COST_COLUMN_GFLOPS,
  MM_COST_N_COLUMNS
} MmCostColumn;

GtkWidget     *mm_cost_view_new            (void);

/* Once per frame with the records just drained (may be empty) and the
 * current trainer (may be NULL): sets the trainer's metering and shows a new
 * measurement when one is there. */
void           mm_cost_view_update         (MmCostView     *self,
                                            MmTrainer      *trainer,
                                            GArray         *records);
/* Show this measurement (NULL: none). */
void           mm_cost_view_set_summary    (MmCostView     *self,
                                            MmCostSummary  *summary);
MmCostSummary *mm_cost_view_get_summary    (MmCostView     *self);
void           mm_cost_view_set_grouping   (MmCostView     *self,
                                            MmCostGrouping  grouping);
/* 0 when metering is off or the view is not shown, else N. */
guint          mm_cost_view_get_meter_every (MmCostView    *self);

/* The table as shown: its rows (the last one is the rest of the step,
 * outside the nodes, when the measurement has any) and the text of a cell. */
guint          mm_cost_view_get_n_rows     (MmCostView     *self);
char          *mm_cost_view_dup_cell       (MmCostView     *self,
                                            guint           row,
                                            MmCostColumn    column);

G_END_DECLS
