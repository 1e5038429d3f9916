/* mm-filter-view.h — the filters of a convolution layer, live.
 *
 * A grid of the filters of one Conv2d layer (the window shows the first one),
 * one picture per output channel. A filter's weight has shape (C, kh, kw); the
 * view shows its mean over the C input channels. For one-channel images such
 * as Fashion-MNIST that is the filter itself; for more channels it is the
 * pattern the filter answers to on a grey image, one picture per filter
 * however many channels come in.
 *
 * Colours: a diverging map centred on zero — blue for negative weights, white
 * for zero, red for positive — on one scale for all filters (± the largest
 * |value| shown), so that filters can be compared with each other; the scale
 * is drawn under the grid. Each weight is one square, scaled up without
 * smoothing.
 *
 * The pictures are made from a parameter snapshot on a worker thread (see
 * mm-view-job.h): handing the view a new snapshot every frame never blocks.
 */
#pragma once

#include <gtk/gtk.h>
#include <myml.h>

G_BEGIN_DECLS

/* A layer with more filters shows the first ones and says so. */
#define MM_FILTER_VIEW_MAX_FILTERS 64

#define MM_TYPE_FILTER_VIEW (mm_filter_view_get_type ())
G_DECLARE_FINAL_TYPE (MmFilterView, mm_filter_view, MM, FILTER_VIEW, GtkWidget)

GtkWidget   *mm_filter_view_new            (void);

/* Schedules new pictures of the weight @name ("1.weight", shape (O, C, kh,
 * kw)) in @params. NULL @params or @name: nothing to show. */
void         mm_filter_view_set_weights    (MmFilterView *self,
                                            MmParams     *params,
                                            const char   *name);

void         mm_filter_view_set_scale      (MmFilterView *self,
                                            double        scale);
double       mm_filter_view_get_scale      (MmFilterView *self);

guint64      mm_filter_view_get_generation (MmFilterView *self);
gboolean     mm_filter_view_is_computing   (MmFilterView *self);

/* The filters shown: @n pictures of @height × @width values (row-major, each
 * the mean over @channels input channels), or NULL when nothing is shown. */
const float *mm_filter_view_get_filters    (MmFilterView *self,
                                            guint        *n,
                                            guint        *channels,
                                            guint        *height,
                                            guint        *width);
/* Why nothing is shown (a weight that is missing or not a Conv2d's), or NULL. */
const char  *mm_filter_view_get_message    (MmFilterView *self);

G_END_DECLS
