/* mm-confusion.c — class predictions and confusion counts, without a display. */
#include "config.h"
#include "mm-confusion.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

float
mm_scores_top_probability (const float *scores,
                           guint        n,
                           guint       *best)
{
  guint k = 0;
  double sum = 0;

  g_return_val_if_fail (scores != NULL && n > 0, NAN);

  for (guint c = 0; c < n; c++)
    {
      if (!isfinite (scores[c]))
        {
          if (best)
            *best = 0;
          return NAN;
        }
      if (scores[c] > scores[k])
        k = c;
    }
  for (guint c = 0; c < n; c++)
    sum += exp ((double) scores[c] - scores[k]);
  if (best)
    *best = k;
  return (float) (1.0 / sum);
}

gboolean
mm_scores_to_classes (const MmTensor  *scores,
                      gsize            batch,
                      guint            n_classes,
                      guint32         *classes,
                      float           *confidence,
                      GError         **error)
{
  g_return_val_if_fail (scores != NULL && classes != NULL, FALSE);

  if (scores->shape.ndim != 2 || scores->shape.dim[0] != batch || scores->shape.dim[1] != n_classes)
    {
      g_autofree char *have = mm_shape_to_string (&scores->shape);

      if (scores->shape.ndim == 2 && scores->shape.dim[0] == batch)
        g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                     _("The model gives %zu scores per sample, but the data have %u classes."),
                     scores->shape.dim[1], n_classes);
      else
        g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                     _("The model’s output has shape %s; one score per class, (%zu, %u), was expected."),
                     have, batch, n_classes);
      return FALSE;
    }
  for (gsize i = 0; i < batch; i++)
    {
      guint best;
      float p = mm_scores_top_probability (scores->data + i * n_classes, n_classes, &best);

      if (isnan (p))
        {
          g_set_error_literal (error, MM_ERROR, MM_ERROR_NUMERIC,
                               _("The model’s outputs are not finite numbers: the training has diverged."));
          return FALSE;
        }
      classes[i] = best;
      if (confidence)
        confidence[i] = p;
    }
  return TRUE;
}

MmTensor *
mm_batch_from_range (MmDataset  *dataset,
                        gsize       start,
                        gsize       count,
                        GError    **error)
{
  const MmShape *sample_shape;
  MmShape shape;
  gsize size;

  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (count > 0 && start + count <= mm_dataset_get_n_samples (dataset), NULL);

  sample_shape = mm_dataset_get_sample_shape (dataset);
  if (sample_shape->ndim + 1 > MM_MAX_DIMS)
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_SHAPE, _("The samples have too many axes."));
      return NULL;
    }
  shape.ndim = sample_shape->ndim + 1;
  shape.dim[0] = count;
  for (guint a = 0; a < sample_shape->ndim; a++)
    shape.dim[a + 1] = sample_shape->dim[a];
  size = mm_dataset_get_sample_size (dataset);
  return mm_tensor_new_from_data (&shape, mm_dataset_get_sample (dataset, start), count * size, error);
}

gboolean
mm_confusion_count (MmModule      *model,
                    MmParams      *params,
                    MmDataset     *dataset,
                    GCancellable  *cancellable,
                    guint64       *counts,
                    GError       **error)
{
  g_autofree guint32 *predicted = NULL;
  const guint32 *labels;
  gsize n_samples;
  guint n;

  g_return_val_if_fail (model != NULL && params != NULL && dataset != NULL, FALSE);
  g_return_val_if_fail (counts != NULL, FALSE);

  n = mm_dataset_get_n_classes (dataset);
  n_samples = mm_dataset_get_n_samples (dataset);
  labels = mm_dataset_get_labels (dataset);
  memset (counts, 0, sizeof (guint64) * n * n);
  predicted = g_new (guint32, MIN (n_samples, MM_CONFUSION_BATCH) + 1);

  for (gsize start = 0; start < n_samples; start += MM_CONFUSION_BATCH)
    {
      gsize count = MIN (MM_CONFUSION_BATCH, n_samples - start);
      g_autoptr(MmTensor) x = NULL;
      g_autoptr(MmTensor) scores = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      x = mm_batch_from_range (dataset, start, count, error);
      if (x == NULL)
        return FALSE;
      scores = mm_module_predict (model, params, x, error);
      if (scores == NULL || !mm_scores_to_classes (scores, count, n, predicted, NULL, error))
        return FALSE;
      for (gsize i = 0; i < count; i++)
        counts[(gsize) labels[start + i] * n + predicted[i]]++;
    }
  return TRUE;
}

double
mm_confusion_accuracy (guint          n,
                       const guint64 *counts)
{
  guint64 total = 0, right = 0;

  g_return_val_if_fail (n == 0 || counts != NULL, NAN);

  for (guint t = 0; t < n; t++)
    for (guint p = 0; p < n; p++)
      {
        total += counts[(gsize) t * n + p];
        if (t == p)
          right += counts[(gsize) t * n + p];
      }
  return total > 0 ? (double) right / (double) total : NAN;
}
