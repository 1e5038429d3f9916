/* mm-landscape-view.h — a loss landscape as a filled contour map, with paths.
 *
 * The view draws what it is given, from its own copies: an n × n grid of
 * losses over a window [a_min, a_max] × [b_min, b_max] (see mm-landscape.h)
 * as a heat map with contour lines and a colour legend (log scale when the
 * losses are positive), θ₀ at (0, 0), and for each lane a polyline in the
 * lane's colour with a dot at its current point. It computes nothing, so
 * feeding it every frame is cheap; the page computes the grid on a worker.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MM_LANDSCAPE_VIEW_MAX_LANES 4

#define MM_TYPE_LANDSCAPE_VIEW (mm_landscape_view_get_type ())
G_DECLARE_FINAL_TYPE (MmLandscapeView, mm_landscape_view, MM, LANDSCAPE_VIEW, GtkWidget)

GtkWidget *mm_landscape_view_new          (void);

/* Copies @values (values[j·n + i] at column i, row j; row 0 at b_min).
 * NULL @values: no map. */
void       mm_landscape_view_set_grid     (MmLandscapeView *self,
                                           guint            n,
                                           const double     window[4],
                                           const float     *values);
gboolean   mm_landscape_view_has_grid     (MmLandscapeView *self);
void       mm_landscape_view_set_axis_labels (MmLandscapeView *self,
                                              const char      *a_label,
                                              const char      *b_label);
/* Shown instead of the map (NULL: none). */
void       mm_landscape_view_set_message  (MmLandscapeView *self,
                                           const char      *message);
/* A small note over the map, e.g. while a new grid is computed (NULL: none). */
void       mm_landscape_view_set_note     (MmLandscapeView *self,
                                           const char      *note);

void       mm_landscape_view_set_n_lanes  (MmLandscapeView *self,
                                           guint            n_lanes);
void       mm_landscape_view_set_lane_color (MmLandscapeView *self,
                                             guint            lane,
                                             const GdkRGBA   *color);
void       mm_landscape_view_clear_paths  (MmLandscapeView *self);
void       mm_landscape_view_append_point (MmLandscapeView *self,
                                           guint            lane,
                                           double           a,
                                           double           b);
/* The lane's current point (drawn as a dot; the path leads up to it). */
void       mm_landscape_view_set_current  (MmLandscapeView *self,
                                           guint            lane,
                                           double           a,
                                           double           b);
guint      mm_landscape_view_get_path_length (MmLandscapeView *self,
                                              guint            lane);

void       mm_landscape_view_set_scale    (MmLandscapeView *self,
                                           double           scale);

G_END_DECLS
