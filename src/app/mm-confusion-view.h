/* mm-confusion-view.h — a confusion matrix as a heat map.
 *
 * Rows are the true classes, columns the predicted ones; each cell shows its
 * count, and its shade is the count's share of its row (so the diagonal reads
 * as each class's recall). A caption gives the overall accuracy. Counting over
 * a test set runs on a worker thread in batches (see mm-view-job.h and
 * mm_confusion_count).
 */
#pragma once

#include <gtk/gtk.h>
#include <myml.h>

G_BEGIN_DECLS

/* More classes than this are not drawn (a message says so). */
#define MM_CONFUSION_VIEW_MAX_CLASSES 64

#define MM_TYPE_CONFUSION_VIEW (mm_confusion_view_get_type ())
G_DECLARE_FINAL_TYPE (MmConfusionView, mm_confusion_view, MM, CONFUSION_VIEW, GtkWidget)

GtkWidget     *mm_confusion_view_new            (void);

/* Schedules counting the predictions of @model with @params over @test. Any
 * of them NULL: no matrix (a placeholder). */
void           mm_confusion_view_set_model      (MmConfusionView     *self,
                                                 MmModule            *model,
                                                 MmParams            *params,
                                                 MmDataset           *test);
/* Shows @counts (n × n, row-major: [true × n + predicted]) directly; @names
 * is NULL or n class names. Forgets any model and cancels its counting. */
void           mm_confusion_view_set_counts     (MmConfusionView     *self,
                                                 guint                n,
                                                 const guint64       *counts,
                                                 const char * const  *names);

void           mm_confusion_view_set_scale      (MmConfusionView     *self,
                                                 double               scale);
double         mm_confusion_view_get_scale      (MmConfusionView     *self);

guint64        mm_confusion_view_get_generation (MmConfusionView     *self);
gboolean       mm_confusion_view_is_computing   (MmConfusionView     *self);

/* The matrix shown (n × n), or NULL. */
const guint64 *mm_confusion_view_get_counts     (MmConfusionView     *self,
                                                 guint               *n);
const char    *mm_confusion_view_get_message    (MmConfusionView     *self);

G_END_DECLS
