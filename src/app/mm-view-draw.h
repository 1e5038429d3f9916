/* mm-view-draw.h — small drawing helpers shared by the data views. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The smallest and largest presentation scale a data view accepts. */
#define MM_VIEW_SCALE_MIN 0.5
#define MM_VIEW_SCALE_MAX 4.0

/* A layout of @text in the widget's font, its size multiplied by
 * @relative_size × @scale (the presentation scale), bold if asked. */
PangoLayout *mm_view_layout_new    (GtkWidget    *widget,
                                    double        scale,
                                    double        relative_size,
                                    gboolean      bold,
                                    const char   *text);
/* Pixel extents of a layout (the logical rectangle). */
void         mm_view_layout_size   (PangoLayout  *layout,
                                    double       *width,
                                    double       *height);

/* The widget's text colour (from the theme). */
void         mm_view_get_fg        (GtkWidget    *widget,
                                    GdkRGBA      *out);

/* Centred, wrapped, dimmed text: what a view shows when it has nothing to
 * draw or something to say. */
void         mm_view_draw_placeholder (GtkWidget *widget,
                                       cairo_t   *cr,
                                       double     width,
                                       double     height,
                                       double     scale,
                                       const char *text);

/* A short message in a rounded box at the top of the rectangle, for errors
 * drawn over a view that still shows something. Returns the height it took. */
double       mm_view_draw_banner   (GtkWidget    *widget,
                                    cairo_t      *cr,
                                    double        x,
                                    double        y,
                                    double        width,
                                    double        scale,
                                    const char   *text);

/* A "nice" tick step (1, 2 or 5 × 10^k) giving about @target ticks over @range. */
double       mm_view_nice_step     (double        range,
                                    guint         target);

G_END_DECLS
