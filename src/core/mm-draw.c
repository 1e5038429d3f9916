/* mm-draw.c — data sets drawn by hand. */
#include "mm-draw.h"
#include "mm-error.h"

#include <math.h>
#include <string.h>

static gboolean
check_points (MmDataset  *ds,
              GError    **error)
{
  if (mm_dataset_get_sample_size (ds) != 2)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Points can be drawn only for data with two features, not %" G_GSIZE_FORMAT,
                   mm_dataset_get_sample_size (ds));
      return FALSE;
    }
  return TRUE;
}

static MmDataset *
make (MmDataset *like,
      gsize      n,
      float     *features,
      guint32   *labels,
      GError   **error)
{
  MmShape shape;
  guint n_classes = mm_dataset_get_n_classes (like);
  g_autofree const char **names = g_new0 (const char *, n_classes + 1);
  gboolean named = FALSE;

  for (guint c = 0; c < n_classes; c++)
    {
      names[c] = mm_dataset_get_class_name (like, c);
      named = named || names[c] != NULL;
    }
  shape = *mm_dataset_get_sample_shape (like);
  return mm_dataset_new (mm_dataset_get_name (like), &shape, n, features, labels, n_classes,
                         named ? names : NULL, error);
}

static gboolean
check_classes (guint    n_classes,
               guint32  label,
               GError **error)
{
  if (n_classes < 2 || n_classes > MM_DRAWN_MAX_CLASSES)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Drawn data have 2 to %u classes, not %u", MM_DRAWN_MAX_CLASSES, n_classes);
      return FALSE;
    }
  if (label >= n_classes)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "There is no class %u: the data have %u classes", label, n_classes);
      return FALSE;
    }
  return TRUE;
}

MmDataset *
mm_drawn_data_add (MmDataset *ds,
                   guint      n_classes,
                   double     x,
                   double     y,
                   guint32    label,
                   GError   **error)
{
  gsize n = 0;
  float *features;
  guint32 *labels;

  if (ds != NULL)
    {
      if (!check_points (ds, error))
        return NULL;
      n_classes = mm_dataset_get_n_classes (ds);
      n = mm_dataset_get_n_samples (ds);
    }
  if (!check_classes (n_classes, label, error))
    return NULL;
  if (!isfinite (x) || !isfinite (y) || fabs (x) > 1e30 || fabs (y) > 1e30)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, "A point needs two finite coordinates");
      return NULL;
    }
  features = g_new (float, 2 * (n + 1));
  labels = g_new (guint32, n + 1);
  if (n > 0)
    {
      memcpy (features, mm_dataset_get_features (ds), 2 * n * sizeof (float));
      memcpy (labels, mm_dataset_get_labels (ds), n * sizeof (guint32));
    }
  features[2 * n] = (float) x;
  features[2 * n + 1] = (float) y;
  labels[n] = label;
  if (ds == NULL)
    {
      MmShape shape;
      gsize two = 2;

      if (!mm_shape_init (&shape, 1, &two, error))
        {
          g_free (features);
          g_free (labels);
          return NULL;
        }
      return mm_dataset_new ("drawn", &shape, 1, features, labels, n_classes, NULL, error);
    }
  return make (ds, n + 1, features, labels, error);
}

gboolean
mm_drawn_data_remove (MmDataset  *ds,
                      gsize       index,
                      MmDataset **out,
                      GError    **error)
{
  gsize n;
  float *features;
  guint32 *labels;

  g_return_val_if_fail (ds != NULL && out != NULL, FALSE);
  *out = NULL;
  if (!check_points (ds, error))
    return FALSE;
  n = mm_dataset_get_n_samples (ds);
  if (index >= n)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "There is no point %" G_GSIZE_FORMAT ": the data have %" G_GSIZE_FORMAT, index, n);
      return FALSE;
    }
  if (n == 1)
    return TRUE;
  features = g_new (float, 2 * (n - 1));
  labels = g_new (guint32, n - 1);
  memcpy (features, mm_dataset_get_features (ds), 2 * index * sizeof (float));
  memcpy (features + 2 * index, mm_dataset_get_features (ds) + 2 * (index + 1),
          2 * (n - index - 1) * sizeof (float));
  memcpy (labels, mm_dataset_get_labels (ds), index * sizeof (guint32));
  memcpy (labels + index, mm_dataset_get_labels (ds) + index + 1, (n - index - 1) * sizeof (guint32));
  *out = make (ds, n - 1, features, labels, error);
  return *out != NULL;
}

gssize
mm_drawn_data_find_nearest (MmDataset *ds,
                            double     x,
                            double     y,
                            double     max_distance)
{
  const float *xy;
  gssize best = -1;
  double best_d2;

  g_return_val_if_fail (ds != NULL, -1);
  if (mm_dataset_get_sample_size (ds) != 2 || !(max_distance >= 0))
    return -1;
  xy = mm_dataset_get_features (ds);
  best_d2 = max_distance * max_distance;
  for (gsize i = 0; i < mm_dataset_get_n_samples (ds); i++)
    {
      double dx = xy[2 * i] - x, dy = xy[2 * i + 1] - y, d2 = dx * dx + dy * dy;
      if (d2 <= best_d2)
        {
          best_d2 = d2;
          best = (gssize) i;
        }
    }
  return best;
}

guint
mm_drawn_data_count_used_classes (MmDataset *ds)
{
  g_autofree gsize *counts = NULL;
  guint used = 0;

  g_return_val_if_fail (ds != NULL, 0);
  counts = mm_dataset_count_classes (ds);
  for (guint c = 0; c < mm_dataset_get_n_classes (ds); c++)
    used += counts[c] > 0;
  return used;
}
