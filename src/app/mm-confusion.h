/* mm-confusion.h — class predictions and confusion counts, without a display.
 *
 * Plain functions over libmyml that the data views run on worker threads and
 * the tests call directly.
 */
#pragma once

#include <gio/gio.h>
#include <myml.h>

G_BEGIN_DECLS

/* Samples per mm_module_predict call when counting over a whole set. */
#define MM_CONFUSION_BATCH 1000

/* Checks that @scores (the model's output for @batch samples) has the shape
 * (batch, n_classes) and finite values; writes each row's predicted class
 * (the largest score; the first of equal ones) to @classes and, if
 * @confidence is not NULL, its softmax probability. */
gboolean  mm_scores_to_classes (const MmTensor  *scores,
                                gsize            batch,
                                guint            n_classes,
                                guint32         *classes,
                                float           *confidence,
                                GError         **error);

/* Softmax probability of the largest of @n scores (1/n … 1); @best gets its
 * index. NaN when a score is not finite. */
float     mm_scores_top_probability (const float *scores,
                                     guint        n,
                                     guint       *best);

/* The confusion matrix of @model with @params over all of @dataset, in
 * batches of MM_CONFUSION_BATCH: @counts (n_classes × n_classes, row-major,
 * zeroed first) gets counts[true × n_classes + predicted]. Fails when the
 * model does not fit the data, or with G_IO_ERROR_CANCELLED. */
gboolean  mm_confusion_count   (MmModule        *model,
                                MmParams        *params,
                                MmDataset       *dataset,
                                GCancellable    *cancellable,
                                guint64         *counts,
                                GError         **error);

/* Σ counts[i × n + i] / Σ counts; NaN when all counts are 0. */
double    mm_confusion_accuracy (guint           n,
                                 const guint64  *counts);

/* A batch tensor (count, sample shape…) of samples [start, start + count). */
MmTensor *mm_batch_from_range (MmDataset     *dataset,
                                  gsize          start,
                                  gsize          count,
                                  GError       **error);

G_END_DECLS
