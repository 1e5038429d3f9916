/* mm-view-draw.h — small drawing helpers shared by the data views, and the
 * plumbing of their common properties. */
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

/* ---- What every data view has ---------------------------------------------
 *
 * The properties "scale" (read-write: the presentation scale) and "generation"
 * (read-only: how many results have been applied), with these ids. */
enum {
  MM_VIEW_PROP_SCALE = 1,
  MM_VIEW_PROP_GENERATION,
  MM_VIEW_N_PROPS
};

/* Creates and installs both properties into @properties. */
void         mm_view_install_properties (GObjectClass *klass,
                                         GParamSpec   *properties[MM_VIEW_N_PROPS]);
/* get_property for both properties, given their values. */
void         mm_view_get_property  (GObject      *object,
                                    guint         prop_id,
                                    GValue       *value,
                                    GParamSpec   *pspec,
                                    double        scale,
                                    guint64       generation);
/* Clamps @value to the scale range; when that is not *@scale already, stores
 * it, queues a resize and notifies @pspec. */
void         mm_view_set_scale     (GtkWidget    *widget,
                                    double       *scale,
                                    double        value,
                                    GParamSpec   *pspec);
/* A result (or a message in its place) was applied: counts it in
 * *@generation, notifies @pspec and queues a redraw. */
void         mm_view_count_result  (GtkWidget    *widget,
                                    guint64      *generation,
                                    GParamSpec   *pspec);

typedef void (*MmViewDrawFunc)     (GtkWidget    *widget,
                                    cairo_t      *cr,
                                    double        width,
                                    double        height);
/* A snapshot function's body: @draw on Cairo over the whole widget. */
void         mm_view_snapshot      (GtkWidget    *widget,
                                    GtkSnapshot  *snapshot,
                                    MmViewDrawFunc draw);
/* A measure function's body: the minimum and natural sizes are @sizes (min
 * width, natural width, min height, natural height) × @scale. */
void         mm_view_measure       (GtkOrientation orientation,
                                    double        scale,
                                    const int     sizes[4],
                                    int          *minimum,
                                    int          *natural);

G_END_DECLS
