/* mm-data-loader.c — batches of a dataset, epoch after epoch. */
#include "mm-data-loader.h"
#include "mm-error.h"
#include "mm-rng-private.h"

struct _MmDataLoader {
  gint ref_count;
  MmDataset *dataset;
  gsize batch_size;
  gboolean shuffle;
  guint32 seed;
  gboolean drop_last;
  gsize n_samples;
  gsize n_batches;

  guint epoch;
  gsize position;   /* the next batch of the epoch */
  gsize *order;     /* this epoch's permutation of the sample indices */
  gsize last_start; /* where in order the last returned batch began … */
  gsize last_size;  /* … and its size; 0 before the first */
};

MmDataLoader *
mm_data_loader_new (MmDataset  *dataset,
                    gsize       batch_size,
                    gboolean    shuffle,
                    guint32     seed,
                    gboolean    drop_last,
                    GError    **error)
{
  MmDataLoader *loader;
  gsize n_samples, n_batches, total;

  g_return_val_if_fail (dataset != NULL, NULL);

  n_samples = mm_dataset_get_n_samples (dataset);
  if (batch_size == 0)
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                           "The batch size must be at least 1");
      return NULL;
    }
  /* Checked here once, so that next () cannot fail on a too-large tensor. */
  if (!g_size_checked_mul (&total, MIN (batch_size, n_samples), mm_dataset_get_sample_size (dataset))
      || total > MM_MAX_ELEMENTS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                   "A batch of %" G_GSIZE_FORMAT " samples is too large", batch_size);
      return NULL;
    }
  n_batches = drop_last ? n_samples / batch_size : (n_samples + batch_size - 1) / batch_size;
  /* An epoch without batches would make a training loop spin without ever
   * taking a step; better to say why now. */
  if (n_batches == 0)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "A batch size of %" G_GSIZE_FORMAT " with drop-last leaves no batch of the %"
                   G_GSIZE_FORMAT " samples of '%s'",
                   batch_size, n_samples, mm_dataset_get_name (dataset));
      return NULL;
    }

  loader = g_new0 (MmDataLoader, 1);
  loader->ref_count = 1;
  loader->dataset = mm_dataset_ref (dataset);
  loader->batch_size = batch_size;
  loader->shuffle = shuffle;
  loader->seed = seed;
  loader->drop_last = drop_last;
  loader->n_samples = n_samples;
  loader->n_batches = n_batches;
  loader->order = g_new (gsize, n_samples);
  mm_data_loader_start_epoch (loader, 0);
  return loader;
}

MmDataLoader *
mm_data_loader_ref (MmDataLoader *loader)
{
  g_return_val_if_fail (loader != NULL, NULL);
  g_atomic_int_inc (&loader->ref_count);
  return loader;
}

void
mm_data_loader_unref (MmDataLoader *loader)
{
  if (loader == NULL)
    return;
  if (g_atomic_int_dec_and_test (&loader->ref_count))
    {
      mm_dataset_unref (loader->dataset);
      g_free (loader->order);
      g_free (loader);
    }
}

MmDataset *
mm_data_loader_get_dataset (MmDataLoader *loader)
{
  g_return_val_if_fail (loader != NULL, NULL);
  return loader->dataset;
}

gsize
mm_data_loader_get_batch_size (MmDataLoader *loader)
{
  g_return_val_if_fail (loader != NULL, 0);
  return loader->batch_size;
}

gsize
mm_data_loader_get_n_batches (MmDataLoader *loader)
{
  g_return_val_if_fail (loader != NULL, 0);
  return loader->n_batches;
}

guint
mm_data_loader_get_epoch (MmDataLoader *loader)
{
  g_return_val_if_fail (loader != NULL, 0);
  return loader->epoch;
}

gsize
mm_data_loader_get_position (MmDataLoader *loader)
{
  g_return_val_if_fail (loader != NULL, 0);
  return loader->position;
}

void
mm_data_loader_start_epoch (MmDataLoader *loader,
                            guint         epoch)
{
  g_return_if_fail (loader != NULL);

  loader->epoch = epoch;
  loader->position = 0;
  loader->last_size = 0;
  for (gsize i = 0; i < loader->n_samples; i++)
    loader->order[i] = i;
  if (loader->shuffle)
    {
      MmRng rng;

      /* A fresh generator per epoch, seeded by (seed, epoch) alone: epoch 7's
       * order does not depend on epochs 0–6 having been drawn. */
      mm_rng_init (&rng, loader->seed, (guint64) epoch + 1);
      mm_rng_shuffle (&rng, loader->order, loader->n_samples);
    }
}

void
mm_data_loader_seek (MmDataLoader *loader,
                     gsize         batch_index)
{
  g_return_if_fail (loader != NULL);
  g_return_if_fail (batch_index <= loader->n_batches);

  loader->position = batch_index;
  loader->last_size = 0;
}

gboolean
mm_data_loader_next (MmDataLoader  *loader,
                     MmTensor     **x,
                     MmTensor     **y)
{
  g_autoptr(GError) error = NULL;
  gsize start, size;

  g_return_val_if_fail (loader != NULL, FALSE);
  g_return_val_if_fail (x != NULL && y != NULL, FALSE);

  *x = NULL;
  *y = NULL;
  if (loader->position >= loader->n_batches)
    return FALSE;

  start = loader->position * loader->batch_size;
  size = MIN (loader->batch_size, loader->n_samples - start);
  /* The indices are a permutation of valid samples and the size was checked
   * in new (), so a failure here can only be out of memory, as with g_malloc. */
  if (!mm_dataset_get_batch (loader->dataset, loader->order + start, size, x, y, &error))
    g_error ("%s", error->message);

  loader->position++;
  loader->last_start = start;
  loader->last_size = size;
  return TRUE;
}

const gsize *
mm_data_loader_get_batch_indices (MmDataLoader *loader,
                                  gsize        *n_out)
{
  g_return_val_if_fail (loader != NULL, NULL);

  if (n_out != NULL)
    *n_out = loader->last_size;
  if (loader->last_size == 0)
    return NULL;
  return loader->order + loader->last_start;
}
