/* mm-decision-view.h — the decision boundary of a classifier on 2-D data.
 *
 * A coloured field over the plane, each class in its hue and deeper where the
 * model is surer (the softmax probability of the predicted class), with the
 * data points on top: training points filled, test points hollow. The field is
 * computed on a grid of MM_DECISION_VIEW_GRID² points over a square around the
 * data, on a worker thread (see mm-view-job.h): setting a model every frame
 * during training is fine.
 *
 * Pass parameter snapshots (mm_trainer_snapshot_params): the view reads them
 * on another thread.
 */
#pragma once

#include <gtk/gtk.h>
#include <myml.h>

G_BEGIN_DECLS

#define MM_DECISION_VIEW_GRID 100

#define MM_TYPE_DECISION_VIEW (mm_decision_view_get_type ())
G_DECLARE_FINAL_TYPE (MmDecisionView, mm_decision_view, MM, DECISION_VIEW, GtkWidget)

GtkWidget    *mm_decision_view_new            (void);

/* @train: the points to show and whose box the field covers (NULL: none);
 * @test: more points, drawn hollow (may be NULL). */
void          mm_decision_view_set_dataset    (MmDecisionView *self,
                                               MmDataset      *train,
                                               MmDataset      *test);
/* Schedules a new field. NULL @model or @params: no field. */
void          mm_decision_view_set_model      (MmDecisionView *self,
                                               MmModule       *model,
                                               MmParams       *params);

/* The presentation scale of fonts, points and lines (1 = normal). */
void          mm_decision_view_set_scale      (MmDecisionView *self,
                                               double          scale);
double        mm_decision_view_get_scale      (MmDecisionView *self);

/* How many results (fields or errors) have been applied; the "generation"
 * property notifies each time. */
guint64       mm_decision_view_get_generation (MmDecisionView *self);
/* TRUE while a field is being computed or waits to be. */
gboolean      mm_decision_view_is_computing   (MmDecisionView *self);

/* The newest field: the model's raw scores, row-major (height × width ×
 * n_classes), or NULL when there is none. Row j, column i is the point
 * x = x0 + (i + ½)(x1 − x0)/width, y = y1 − (j + ½)(y1 − y0)/height (row 0 at
 * the top). @bounds gets x0, x1, y0, y1. */
const float  *mm_decision_view_get_field      (MmDecisionView *self,
                                               guint          *width,
                                               guint          *height,
                                               guint          *n_classes,
                                               double          bounds[4]);
/* The box the view shows (and the next field covers); FALSE without data. */
gboolean      mm_decision_view_get_bounds     (MmDecisionView *self,
                                               double          bounds[4]);
/* Draw mode (the app's "Draw your own data"): with @n_classes > 0 the box
 * stays where it is while points are added and removed (a square around
 * the origin when there is no data yet), the field is drawn for
 * @n_classes classes even without points, and a banner says what to do when
 * there are no points or only one class. 0 leaves draw mode. */
void          mm_decision_view_set_drawing    (MmDecisionView *self,
                                               guint           n_classes);
guint         mm_decision_view_get_drawing    (MmDecisionView *self);
/* Between the widget's coordinates and the data's, by the square as last
 * drawn: FALSE before the first drawing, or (to data) outside the square. */
gboolean      mm_decision_view_widget_to_data (MmDecisionView *self,
                                               double          wx,
                                               double          wy,
                                               double         *x,
                                               double         *y);
gboolean      mm_decision_view_data_to_widget (MmDecisionView *self,
                                               double          x,
                                               double          y,
                                               double         *wx,
                                               double         *wy);
/* A distance of @pixels on screen in the data's units (0 before drawing). */
double        mm_decision_view_pixels_to_data (MmDecisionView *self,
                                               double          pixels);

/* The message shown instead of a field (the model does not fit the data, the
 * training diverged), or NULL. */
const char   *mm_decision_view_get_message    (MmDecisionView *self);

G_END_DECLS
