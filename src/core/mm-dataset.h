/* mm-dataset.h — labelled samples for classification.
 *
 * A dataset is a set of samples that all have the same shape (an image of
 * (28, 28), a point of (2,)), each with a class index. The features of all
 * samples sit in one contiguous float array, sample after sample, so a batch
 * is a handful of memcpy calls. A dataset is reference counted and never
 * changes once made: the trainer thread and the UI can share it without locks.
 *
 * Loaders (IDX, CSV) and the toy generators (mm-toy.h) all end in
 * mm_dataset_new(), which checks what every dataset promises.
 */
#pragma once

#include <glib.h>
#include "mm-tensor.h"

G_BEGIN_DECLS

/* More classes than this is almost certainly a mistake (a regression target or
 * an id column taken for the label) and would make per-class tables huge. */
#define MM_DATASET_MAX_CLASSES 65536

typedef struct _MmDataset MmDataset;

/* @features (n_samples × size of @sample_shape floats) and @labels
 * (n_samples class indices) must come from g_malloc(); the dataset takes them
 * over — also when it returns NULL, in which case they are freed. @class_names
 * is NULL or an array of @n_classes strings, which are copied. */
MmDataset          *mm_dataset_new                (const char          *name,
                                                   const MmShape       *sample_shape,
                                                   gsize                n_samples,
                                                   float               *features,
                                                   guint32             *labels,
                                                   guint                n_classes,
                                                   const char * const  *class_names,
                                                   GError             **error);
/* The same for samples labelled by a sequence of classes (@label_shape
 * (T,): @labels holds n_samples × T classes), e.g. next-character
 * prediction: batches then have y of shape (n, T). A @label_shape of () is
 * mm_dataset_new. */
MmDataset          *mm_dataset_new_sequences      (const char          *name,
                                                   const MmShape       *sample_shape,
                                                   gsize                n_samples,
                                                   float               *features,
                                                   const MmShape       *label_shape,
                                                   guint32             *labels,
                                                   guint                n_classes,
                                                   const char * const  *class_names,
                                                   GError             **error);
MmDataset          *mm_dataset_ref                (MmDataset           *ds);
void                mm_dataset_unref              (MmDataset           *ds);

const char         *mm_dataset_get_name           (const MmDataset     *ds);
gsize               mm_dataset_get_n_samples      (const MmDataset     *ds);
const MmShape      *mm_dataset_get_sample_shape   (const MmDataset     *ds);
/* Floats per sample (the product of the sample shape). */
gsize               mm_dataset_get_sample_size    (const MmDataset     *ds);
guint               mm_dataset_get_n_classes      (const MmDataset     *ds);
const float        *mm_dataset_get_features       (const MmDataset     *ds);
const float        *mm_dataset_get_sample         (const MmDataset     *ds,
                                                   gsize                index);
/* n_samples × label size classes. */
const guint32      *mm_dataset_get_labels         (const MmDataset     *ds);
/* The class of sample @index (the first of its sequence, if it has one). */
guint32             mm_dataset_get_label          (const MmDataset     *ds,
                                                   gsize                index);
/* () for one class per sample, (T,) for a sequence of T. */
const MmShape      *mm_dataset_get_label_shape    (const MmDataset     *ds);
gsize               mm_dataset_get_label_size     (const MmDataset     *ds);
/* The name of class @class_index, or NULL when the dataset has no names. */
const char         *mm_dataset_get_class_name     (const MmDataset     *ds,
                                                   guint                class_index);
/* A new array of n_classes counts: how many samples (labels, for sequences)
 * each class has. */
gsize              *mm_dataset_count_classes      (const MmDataset     *ds);

/* A new dataset with the samples @indices[0..n) in that order (repeats are
 * allowed). */
MmDataset          *mm_dataset_subset             (MmDataset           *ds,
                                                   const gsize         *indices,
                                                   gsize                n,
                                                   GError             **error);
/* Splits the samples at random (reproducibly for a @seed) into a train part and
 * a test part of round (test_fraction × n) samples; both parts must be
 * non-empty. Each part keeps the original order of its samples. */
gboolean            mm_dataset_split              (MmDataset           *ds,
                                                   double               test_fraction,
                                                   guint32              seed,
                                                   MmDataset          **train,
                                                   MmDataset          **test,
                                                   GError             **error);

/* Copies samples @indices[0..n) into a new @x of shape (n, sample shape…) and
 * their class indices, as floats, into a new @y of shape (n,) (or (n, T) for
 * sequences of labels). */
gboolean            mm_dataset_get_batch          (const MmDataset     *ds,
                                                   const gsize         *indices,
                                                   gsize                n,
                                                   MmTensor           **x,
                                                   MmTensor           **y,
                                                   GError             **error);

/* IDX files (the MNIST format), gzip-compressed or raw: unsigned-byte images of
 * n × rows × cols become features in [0, 1]; labels become the classes,
 * n_classes being the largest label + 1. */
MmDataset          *mm_dataset_load_idx           (const char          *images_path,
                                                   const char          *labels_path,
                                                   GError             **error);
/* The default directory of the Debian package dataset-fashion-mnist. */
const char         *mm_dataset_get_fashion_mnist_dir (void);
/* Fashion-MNIST from @dir (NULL: the default directory): 60 000 training and
 * 10 000 test images of (28, 28) in 10 named classes. */
gboolean            mm_dataset_load_fashion_mnist (const char          *dir,
                                                   MmDataset          **train,
                                                   MmDataset          **test,
                                                   GError             **error);

/* A CSV file of numbers, one sample per row: every column is a feature except
 * @label_column (-1: the last one), which holds integer class indices ≥ 0.
 * A first row that is not all numbers is taken as a header; blank lines are
 * skipped; the separator is ',' (or ';' or a tab when the first row has no
 * comma). */
MmDataset          *mm_dataset_load_csv           (const char          *path,
                                                   int                  label_column,
                                                   GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmDataset, mm_dataset_unref)

G_END_DECLS
