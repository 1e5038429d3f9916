/* mm-draw-bar.h — "Draw your own data" for the decision boundary.
 *
 * A bar above the decision view: a Draw switch, one coloured button per
 * class, and Clear. While drawing, a left click on the view adds a point of
 * the chosen class where it lands, a right click removes the nearest point
 * (within a few pixels); each edit hands a new data set to the session
 * (mm_session_set_drawn_data), so a running trainer keeps learning on the
 * new points with the weights it has, and the boundary follows.
 */
#pragma once

#include <gtk/gtk.h>
#include "mm-session.h"
#include "mm-decision-view.h"

G_BEGIN_DECLS

/* Pixels around a point that a right click still hits (× the view's scale). */
#define MM_DRAW_BAR_HIT_PIXELS 8.0

#define MM_TYPE_DRAW_BAR (mm_draw_bar_get_type ())
G_DECLARE_FINAL_TYPE (MmDrawBar, mm_draw_bar, MM, DRAW_BAR, GtkWidget)

GtkWidget *mm_draw_bar_new          (MmSession      *session,
                                     MmDecisionView *view);

/* Enter or leave draw mode. Entering keeps the points there are (the toy
 * set becomes the drawing to edit). */
void       mm_draw_bar_set_drawing  (MmDrawBar      *self,
                                     gboolean        drawing);
gboolean   mm_draw_bar_get_drawing  (MmDrawBar      *self);
guint      mm_draw_bar_get_n_classes (MmDrawBar     *self);
void       mm_draw_bar_set_class    (MmDrawBar      *self,
                                     guint           class_index);
guint      mm_draw_bar_get_class    (MmDrawBar      *self);
/* Remove every point: an empty canvas. */
void       mm_draw_bar_clear        (MmDrawBar      *self);
/* A click on the decision view at widget coordinates (@button 1 adds, 3
 * removes), as the view's gesture passes it on; TRUE when the data changed. */
gboolean   mm_draw_bar_click        (MmDrawBar      *self,
                                     guint           button,
                                     double          wx,
                                     double          wy);

G_END_DECLS
