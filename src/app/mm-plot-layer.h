/* mm-plot-layer.h — one series as the plot draws it.
 *
 * A layer owns a #MmPlotSeries and says how to show it: label, colour,
 * style and which y axis. It only draws: given the scales the plot chose, it
 * decimates its series into pixel columns once per layout
 * (mm_plot_layer_update()), strokes them, and answers hit tests for the
 * hover read-out and the legend placement.
 */
#pragma once

#include <cairo.h>
#include <gdk/gdk.h>

#include "mm-plot-axis.h"
#include "mm-plot-series.h"

G_BEGIN_DECLS

typedef enum {
  MM_PLOT_STYLE_LINE,      /* a solid line (smoothed loss, accuracy) */
  MM_PLOT_STYLE_THIN_LINE, /* a thin, light line (raw batch loss), drawn below the others */
  MM_PLOT_STYLE_POINTS,    /* markers joined by a line (per-epoch evaluations) */
  MM_PLOT_STYLE_AREA,      /* filled from the curve down to the axis, drawn below the lines in the
                            * order added: stacked bands are cumulative sums added top first */
} MmPlotStyle;

typedef enum {
  MM_PLOT_Y_AXIS_LEFT,     /* loss; may be logarithmic */
  MM_PLOT_Y_AXIS_RIGHT,    /* accuracy in %, 0–100 */
} MmPlotYAxis;

typedef struct {
  MmPlotSeries *series;
  char         *label;
  GdkRGBA       color;
  MmPlotStyle   style;
  MmPlotYAxis   axis;
  gboolean      visible;

  /*< private >*/
  MmPlotColumn *columns;    /* the decimated series of the last update */
  guint         n_columns;
  guint         columns_cap;
  guint         width;      /* the number of pixel columns of the last update */
} MmPlotLayer;

MmPlotLayer *mm_plot_layer_new            (const char        *label,
                                           const GdkRGBA     *color,
                                           MmPlotStyle        style,
                                           MmPlotYAxis        axis);
void         mm_plot_layer_free           (MmPlotLayer       *layer);

guint        mm_plot_layer_update         (MmPlotLayer       *layer,
                                           const MmPlotScale *xs,
                                           const MmPlotScale *ys,
                                           guint              width);
guint        mm_plot_layer_append_band_path (MmPlotLayer     *layer,
                                           cairo_t           *cr,
                                           const MmPlotScale *xs,
                                           const MmPlotScale *ys,
                                           double             line_width);
guint        mm_plot_layer_append_line_path (MmPlotLayer     *layer,
                                           cairo_t           *cr,
                                           const MmPlotScale *xs,
                                           const MmPlotScale *ys);
void         mm_plot_layer_draw           (MmPlotLayer       *layer,
                                           cairo_t           *cr,
                                           const MmPlotScale *xs,
                                           const MmPlotScale *ys,
                                           double             ui_scale);
void         mm_plot_layer_draw_swatch    (MmPlotLayer       *layer,
                                           cairo_t           *cr,
                                           double             x,
                                           double             y,
                                           double             width,
                                           double             ui_scale);
double       mm_plot_layer_get_line_width (MmPlotLayer       *layer,
                                           double             ui_scale);
void         mm_plot_layer_get_draw_color (MmPlotLayer       *layer,
                                           GdkRGBA           *color);
gboolean     mm_plot_layer_nearest        (MmPlotLayer       *layer,
                                           const MmPlotScale *xs,
                                           const MmPlotScale *ys,
                                           double             px,
                                           double             py,
                                           double             radius,
                                           gsize             *index,
                                           double            *distance);
guint        mm_plot_layer_count_in_rect  (MmPlotLayer       *layer,
                                           const MmPlotScale *xs,
                                           const MmPlotScale *ys,
                                           double             x,
                                           double             y,
                                           double             width,
                                           double             height);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmPlotLayer, mm_plot_layer_free)

G_END_DECLS
