/* mm-dataset.c — labelled samples for classification. */
#include "mm-dataset.h"
#include "mm-error.h"
#include "mm-rng-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct _MmDataset {
  gint ref_count;
  char *name;
  MmShape sample_shape;
  gsize sample_size;
  gsize n_samples;
  float *features;   /* n_samples × sample_size */
  guint32 *labels;   /* n_samples × label_size */
  MmShape label_shape; /* per sample: () for one class, (T,) for a sequence of them */
  gsize label_size;
  guint n_classes;
  char **class_names; /* NULL, or n_classes names + NULL */
};

/* Everything a dataset promises is checked here, once, so that its users (the
 * loader, the trainer, the views) can rely on it without checking again. */
static gboolean
dataset_validate (const MmShape  *sample_shape,
                  gsize           n_samples,
                  const float    *features,
                  gsize           label_size,
                  const guint32  *labels,
                  guint           n_classes,
                  GError        **error)
{
  gsize sample_size, total;

  if (n_samples == 0)
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                           "A dataset needs at least one sample");
      return FALSE;
    }
  /* A batch adds one axis in front of the sample's. */
  if (sample_shape->ndim + 1 > MM_MAX_DIMS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "A sample can have at most %d axes, not %u", MM_MAX_DIMS - 1, sample_shape->ndim);
      return FALSE;
    }
  if (!mm_shape_validate (sample_shape, error))
    return FALSE;
  sample_size = mm_shape_size (sample_shape);
  if (sample_size == 0)
    {
      g_autofree char *s = mm_shape_to_string (sample_shape);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "A sample of shape %s has no values", s);
      return FALSE;
    }
  if (!g_size_checked_mul (&total, sample_size, n_samples) || total > MM_MAX_ELEMENTS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                   "%" G_GSIZE_FORMAT " samples of %" G_GSIZE_FORMAT " values are too many "
                   "(the limit is %" G_GSIZE_FORMAT " values)",
                   n_samples, sample_size, (gsize) MM_MAX_ELEMENTS);
      return FALSE;
    }
  if (n_classes == 0 || n_classes > MM_DATASET_MAX_CLASSES)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "A dataset needs between 1 and %d classes, not %u",
                   MM_DATASET_MAX_CLASSES, n_classes);
      return FALSE;
    }
  for (gsize i = 0; i < n_samples * label_size; i++)
    if (labels[i] >= n_classes)
      {
        g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                     "Sample %" G_GSIZE_FORMAT " has label %u, but there are only %u classes (0 to %u)",
                     i / label_size, labels[i], n_classes, n_classes - 1);
        return FALSE;
      }
  /* One NaN in the inputs turns every weight into NaN after one step; better
   * to say so when the data is made than to let a student hunt for it. */
  for (gsize i = 0; i < total; i++)
    if (!isfinite (features[i]))
      {
        g_set_error (error, MM_ERROR, MM_ERROR_NUMERIC,
                     "Sample %" G_GSIZE_FORMAT " has a value that is not a finite number (%g)",
                     i / sample_size, (double) features[i]);
        return FALSE;
      }
  return TRUE;
}

MmDataset *
mm_dataset_new (const char          *name,
                const MmShape       *sample_shape,
                gsize                n_samples,
                float               *features,
                guint32             *labels,
                guint                n_classes,
                const char * const  *class_names,
                GError             **error)
{
  MmShape one;

  mm_shape_scalar (&one);
  return mm_dataset_new_sequences (name, sample_shape, n_samples, features, &one, labels, n_classes,
                                   class_names, error);
}

MmDataset *
mm_dataset_new_sequences (const char          *name,
                          const MmShape       *sample_shape,
                          gsize                n_samples,
                          float               *features,
                          const MmShape       *label_shape,
                          guint32             *labels,
                          guint                n_classes,
                          const char * const  *class_names,
                          GError             **error)
{
  MmDataset *ds;
  gsize label_size;

  g_return_val_if_fail (sample_shape != NULL && label_shape != NULL, NULL);
  g_return_val_if_fail (features != NULL || n_samples == 0, NULL);
  g_return_val_if_fail (labels != NULL || n_samples == 0, NULL);

  label_size = mm_shape_size (label_shape);
  if (label_shape->ndim > 1 || label_size == 0)
    {
      g_autofree char *s = mm_shape_to_string (label_shape);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "A sample's labels must be one class or a sequence of them, not shape %s", s);
      g_free (features);
      g_free (labels);
      return NULL;
    }
  if (!dataset_validate (sample_shape, n_samples, features, label_size, labels, n_classes, error))
    {
      /* The arrays were handed over; a failed constructor must not leak them. */
      g_free (features);
      g_free (labels);
      return NULL;
    }

  ds = g_new0 (MmDataset, 1);
  ds->ref_count = 1;
  ds->name = g_strdup (name != NULL ? name : "dataset");
  ds->sample_shape = *sample_shape;
  ds->sample_size = mm_shape_size (sample_shape);
  ds->n_samples = n_samples;
  ds->features = features;
  ds->labels = labels;
  ds->label_shape = *label_shape;
  ds->label_size = label_size;
  ds->n_classes = n_classes;
  if (class_names != NULL)
    {
      ds->class_names = g_new0 (char *, n_classes + 1);
      for (guint c = 0; c < n_classes; c++)
        ds->class_names[c] = g_strdup (class_names[c] != NULL ? class_names[c] : "");
    }
  return ds;
}

MmDataset *
mm_dataset_ref (MmDataset *ds)
{
  g_return_val_if_fail (ds != NULL, NULL);
  g_atomic_int_inc (&ds->ref_count);
  return ds;
}

void
mm_dataset_unref (MmDataset *ds)
{
  if (ds == NULL)
    return;
  if (g_atomic_int_dec_and_test (&ds->ref_count))
    {
      g_free (ds->name);
      g_free (ds->features);
      g_free (ds->labels);
      g_strfreev (ds->class_names);
      g_free (ds);
    }
}

const char *
mm_dataset_get_name (const MmDataset *ds)
{
  g_return_val_if_fail (ds != NULL, NULL);
  return ds->name;
}

gsize
mm_dataset_get_n_samples (const MmDataset *ds)
{
  g_return_val_if_fail (ds != NULL, 0);
  return ds->n_samples;
}

const MmShape *
mm_dataset_get_sample_shape (const MmDataset *ds)
{
  g_return_val_if_fail (ds != NULL, NULL);
  return &ds->sample_shape;
}

gsize
mm_dataset_get_sample_size (const MmDataset *ds)
{
  g_return_val_if_fail (ds != NULL, 0);
  return ds->sample_size;
}

guint
mm_dataset_get_n_classes (const MmDataset *ds)
{
  g_return_val_if_fail (ds != NULL, 0);
  return ds->n_classes;
}

const float *
mm_dataset_get_features (const MmDataset *ds)
{
  g_return_val_if_fail (ds != NULL, NULL);
  return ds->features;
}

const float *
mm_dataset_get_sample (const MmDataset *ds,
                       gsize            index)
{
  g_return_val_if_fail (ds != NULL, NULL);
  g_return_val_if_fail (index < ds->n_samples, NULL);
  return ds->features + index * ds->sample_size;
}

const guint32 *
mm_dataset_get_labels (const MmDataset *ds)
{
  g_return_val_if_fail (ds != NULL, NULL);
  return ds->labels;
}

guint32
mm_dataset_get_label (const MmDataset *ds,
                      gsize            index)
{
  g_return_val_if_fail (ds != NULL, 0);
  g_return_val_if_fail (index < ds->n_samples, 0);
  return ds->labels[index * ds->label_size];
}

const MmShape *
mm_dataset_get_label_shape (const MmDataset *ds)
{
  g_return_val_if_fail (ds != NULL, NULL);
  return &ds->label_shape;
}

gsize
mm_dataset_get_label_size (const MmDataset *ds)
{
  g_return_val_if_fail (ds != NULL, 1);
  return ds->label_size;
}

const char *
mm_dataset_get_class_name (const MmDataset *ds,
                           guint            class_index)
{
  g_return_val_if_fail (ds != NULL, NULL);
  if (ds->class_names == NULL || class_index >= ds->n_classes)
    return NULL;
  return ds->class_names[class_index];
}

gsize *
mm_dataset_count_classes (const MmDataset *ds)
{
  gsize *counts;

  g_return_val_if_fail (ds != NULL, NULL);
  counts = g_new0 (gsize, ds->n_classes);
  for (gsize i = 0; i < ds->n_samples * ds->label_size; i++)
    counts[ds->labels[i]]++;
  return counts;
}

static gboolean
check_indices (const MmDataset  *ds,
               const gsize      *indices,
               gsize             n,
               GError          **error)
{
  for (gsize i = 0; i < n; i++)
    if (indices[i] >= ds->n_samples)
      {
        g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                     "Sample index %" G_GSIZE_FORMAT " is out of range: '%s' has %" G_GSIZE_FORMAT " samples",
                     indices[i], ds->name, ds->n_samples);
        return FALSE;
      }
  return TRUE;
}

static MmDataset *
dataset_subset_named (MmDataset    *ds,
                      const char   *name,
                      const gsize  *indices,
                      gsize         n,
                      GError      **error)
{
  float *features;
  guint32 *labels;
  gsize total;

  if (n == 0)
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                           "A subset needs at least one sample");
      return NULL;
    }
  if (!check_indices (ds, indices, n, error))
    return NULL;

  /* With repeated indices a subset can be larger than its dataset. */
  if (!g_size_checked_mul (&total, n, ds->sample_size) || total > MM_MAX_ELEMENTS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                   "A subset of %" G_GSIZE_FORMAT " samples is too large", n);
      return NULL;
    }
  features = g_try_new (float, total);
  labels = g_try_new (guint32, n * ds->label_size);
  if (features == NULL || labels == NULL)
    {
      g_free (features);
      g_free (labels);
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                   "Out of memory making a subset of %" G_GSIZE_FORMAT " samples", n);
      return NULL;
    }
  for (gsize i = 0; i < n; i++)
    {
      memcpy (features + i * ds->sample_size, ds->features + indices[i] * ds->sample_size,
              ds->sample_size * sizeof (float));
      memcpy (labels + i * ds->label_size, ds->labels + indices[i] * ds->label_size,
              ds->label_size * sizeof (guint32));
    }
  return mm_dataset_new_sequences (name, &ds->sample_shape, n, features, &ds->label_shape, labels, ds->n_classes,
                                   (const char * const *) ds->class_names, error);
}

MmDataset *
mm_dataset_subset (MmDataset    *ds,
                   const gsize  *indices,
                   gsize         n,
                   GError      **error)
{
  g_return_val_if_fail (ds != NULL, NULL);
  g_return_val_if_fail (indices != NULL || n == 0, NULL);
  return dataset_subset_named (ds, ds->name, indices, n, error);
}

static int
compare_gsize (const void *a,
               const void *b)
{
  gsize x = *(const gsize *) a, y = *(const gsize *) b;
  return (x > y) - (x < y);
}

gboolean
mm_dataset_split (MmDataset    *ds,
                  double        test_fraction,
                  guint32       seed,
                  MmDataset   **train,
                  MmDataset   **test,
                  GError      **error)
{
  g_autofree gsize *perm = NULL;
  g_autofree char *train_name = NULL, *test_name = NULL;
  g_autoptr(MmDataset) train_ds = NULL;
  g_autoptr(MmDataset) test_ds = NULL;
  gsize n_test;
  MmRng rng;

  g_return_val_if_fail (ds != NULL, FALSE);
  g_return_val_if_fail (train != NULL && test != NULL, FALSE);

  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The test fraction must be between 0 and 1 (exclusive), not %g", test_fraction);
      return FALSE;
    }
  n_test = (gsize) llround (test_fraction * (double) ds->n_samples);
  if (n_test == 0 || n_test >= ds->n_samples)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "A test fraction of %g of %" G_GSIZE_FORMAT " samples leaves one part empty",
                   test_fraction, ds->n_samples);
      return FALSE;
    }

  perm = g_new (gsize, ds->n_samples);
  for (gsize i = 0; i < ds->n_samples; i++)
    perm[i] = i;
  mm_rng_init (&rng, seed, 0);
  mm_rng_shuffle (&rng, perm, ds->n_samples);
  /* Sorting each part keeps the samples in their original order, so a split
   * of a file reads like the file, only thinner. */
  qsort (perm, n_test, sizeof (gsize), compare_gsize);
  qsort (perm + n_test, ds->n_samples - n_test, sizeof (gsize), compare_gsize);

  test_name = g_strdup_printf ("%s (test)", ds->name);
  train_name = g_strdup_printf ("%s (train)", ds->name);
  test_ds = dataset_subset_named (ds, test_name, perm, n_test, error);
  if (test_ds == NULL)
    return FALSE;
  train_ds = dataset_subset_named (ds, train_name, perm + n_test, ds->n_samples - n_test, error);
  if (train_ds == NULL)
    return FALSE;

  *train = g_steal_pointer (&train_ds);
  *test = g_steal_pointer (&test_ds);
  return TRUE;
}

gboolean
mm_dataset_get_batch (const MmDataset  *ds,
                      const gsize      *indices,
                      gsize             n,
                      MmTensor        **x,
                      MmTensor        **y,
                      GError          **error)
{
  g_autoptr(MmTensor) xt = NULL;
  g_autoptr(MmTensor) yt = NULL;
  MmShape xs;

  g_return_val_if_fail (ds != NULL, FALSE);
  g_return_val_if_fail (indices != NULL || n == 0, FALSE);
  g_return_val_if_fail (x != NULL && y != NULL, FALSE);

  if (n == 0)
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                           "A batch needs at least one sample");
      return FALSE;
    }
  if (!check_indices (ds, indices, n, error))
    return FALSE;

  xs.ndim = ds->sample_shape.ndim + 1;
  xs.dim[0] = n;
  for (guint i = 0; i < ds->sample_shape.ndim; i++)
    xs.dim[i + 1] = ds->sample_shape.dim[i];
  xt = mm_tensor_new (&xs, error);
  if (xt == NULL)
    return FALSE;
  yt = mm_tensor_new_dims (1 + ds->label_shape.ndim, (gsize[]) { n, ds->label_shape.dim[0] }, error);
  if (yt == NULL)
    return FALSE;

  for (gsize i = 0; i < n; i++)
    {
      memcpy (xt->data + i * ds->sample_size, ds->features + indices[i] * ds->sample_size,
              ds->sample_size * sizeof (float));
      /* Exact: class indices are below MM_DATASET_MAX_CLASSES < 2^24. */
      for (gsize k = 0; k < ds->label_size; k++)
        yt->data[i * ds->label_size + k] = (float) ds->labels[indices[i] * ds->label_size + k];
    }

  *x = g_steal_pointer (&xt);
  *y = g_steal_pointer (&yt);
  return TRUE;
}
