/* mm-data-loader.h — batches of a dataset, epoch after epoch.
 *
 * The order of epoch e is a permutation that depends only on the seed and e,
 * never on what happened before: a run can be replayed, or resumed in the
 * middle, bit for bit, by starting the same epoch (and seeking to the same
 * batch). A new loader stands at the start of epoch 0.
 */
#pragma once

#include <glib.h>
#include "mm-dataset.h"
#include "mm-tensor.h"

G_BEGIN_DECLS

typedef struct _MmDataLoader MmDataLoader;

/* @shuffle = FALSE keeps the dataset's order in every epoch. @drop_last drops
 * the last batch of an epoch when it would be smaller than @batch_size. */
MmDataLoader *mm_data_loader_new              (MmDataset      *dataset,
                                               gsize           batch_size,
                                               gboolean        shuffle,
                                               guint32         seed,
                                               gboolean        drop_last,
                                               GError        **error);
MmDataLoader *mm_data_loader_ref              (MmDataLoader   *loader);
void          mm_data_loader_unref            (MmDataLoader   *loader);

MmDataset    *mm_data_loader_get_dataset      (MmDataLoader   *loader);
gsize         mm_data_loader_get_batch_size   (MmDataLoader   *loader);
/* Batches per epoch. */
gsize         mm_data_loader_get_n_batches    (MmDataLoader   *loader);
guint         mm_data_loader_get_epoch        (MmDataLoader   *loader);
/* The index (within the epoch) of the batch the next call to next () returns. */
gsize         mm_data_loader_get_position     (MmDataLoader   *loader);

void          mm_data_loader_start_epoch      (MmDataLoader   *loader,
                                               guint           epoch);
/* Makes @batch_index the next batch of the current epoch (for resuming). */
void          mm_data_loader_seek             (MmDataLoader   *loader,
                                               gsize           batch_index);
/* The next batch: @x of shape (B, sample shape…) and @y of shape (B,) with the
 * class indices as floats. Returns FALSE, setting both to NULL, at the end of
 * the epoch. */
gboolean      mm_data_loader_next             (MmDataLoader   *loader,
                                               MmTensor      **x,
                                               MmTensor      **y);
/* The dataset indices of the batch last returned by next () (@n_out: its
 * size), e.g. to show which images the network just saw; NULL before one. */
const gsize  *mm_data_loader_get_batch_indices (MmDataLoader  *loader,
                                                gsize         *n_out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmDataLoader, mm_data_loader_unref)

G_END_DECLS
