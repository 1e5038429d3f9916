/* mm-plot.h — the live loss/accuracy plot.
 *
 * MmPlot draws curves against training steps with Cairo: the loss on the
 * left axis (linear or log10), the accuracy in % on the right one, a legend,
 * labelled vertical markers ("lr → 0.01"), and a read-out of the point under
 * the pointer. The caller always feeds x in steps; mm_plot_set_x_scale()
 * only changes how the x axis reads (1/n_batches: in epochs).
 *
 * It is split like Sysprof's charts: the numbers live in a series
 * (mm-plot-series.c, with the decimation that keeps 10^6 points fast), each
 * series is drawn by a layer (mm-plot-layer.c), scales and ticks come from
 * mm-plot-axis.c, and this widget lays them out.
 *
 * Autoscale: x runs from 0 (or the first x, when that is far from 0) to the
 * last x. The left axis fits the visible series with a little headroom and
 * includes 0 when the data come near it; on a log axis it snaps to decades.
 * With "robust-y" (the default) a linear left axis ignores the first three
 * points of a series when they are more than ten times further from the
 * bottom of the range than everything else — the huge first batch losses of
 * a bad initialisation. Those points are then drawn leaving the top of the
 * plot, so the cut shows. The right axis shows 0–100 % unless a value falls
 * outside.
 */
#pragma once

#include <gtk/gtk.h>

#include "mm-plot-layer.h"

G_BEGIN_DECLS

#define MM_TYPE_PLOT (mm_plot_get_type ())
G_DECLARE_FINAL_TYPE (MmPlot, mm_plot, MM, PLOT, GtkWidget)

GtkWidget  *mm_plot_new                     (void);

guint       mm_plot_add_series              (MmPlot        *self,
                                             const char    *label,
                                             const GdkRGBA *color,
                                             MmPlotStyle    style,
                                             MmPlotYAxis    axis);
guint       mm_plot_get_n_series            (MmPlot        *self);
gsize       mm_plot_get_n_points            (MmPlot        *self,
                                             guint          series);
void        mm_plot_append                  (MmPlot        *self,
                                             guint          series,
                                             double         x,
                                             double         y);
void        mm_plot_append_many             (MmPlot        *self,
                                             guint          series,
                                             const double  *x,
                                             const double  *y,
                                             gsize          n);
void        mm_plot_clear                   (MmPlot        *self);
void        mm_plot_remove_all_series       (MmPlot        *self);
void        mm_plot_set_series_visible      (MmPlot        *self,
                                             guint          series,
                                             gboolean       visible);
gboolean    mm_plot_get_series_visible      (MmPlot        *self,
                                             guint          series);

void        mm_plot_set_log_y               (MmPlot        *self,
                                             gboolean       log_y);
gboolean    mm_plot_get_log_y               (MmPlot        *self);
void        mm_plot_set_robust_y            (MmPlot        *self,
                                             gboolean       robust_y);
gboolean    mm_plot_get_robust_y            (MmPlot        *self);
void        mm_plot_set_x_scale             (MmPlot        *self,
                                             double         factor,
                                             const char    *x_label);
double      mm_plot_get_x_scale             (MmPlot        *self);
const char *mm_plot_get_x_label             (MmPlot        *self);
void        mm_plot_set_y_label             (MmPlot        *self,
                                             MmPlotYAxis    axis,
                                             const char    *label);
const char *mm_plot_get_y_label             (MmPlot        *self,
                                             MmPlotYAxis    axis);
void        mm_plot_set_placeholder_text    (MmPlot        *self,
                                             const char    *text);
const char *mm_plot_get_placeholder_text    (MmPlot        *self);
void        mm_plot_set_presentation_scale  (MmPlot        *self,
                                             double         scale);
double      mm_plot_get_presentation_scale  (MmPlot        *self);

void        mm_plot_add_marker              (MmPlot        *self,
                                             double         x,
                                             const char    *label);
void        mm_plot_clear_markers           (MmPlot        *self);
guint       mm_plot_get_n_markers           (MmPlot        *self);
/* The label of marker @index (in the order added), and its x in @x. */
const char *mm_plot_get_marker              (MmPlot        *self,
                                             guint          index,
                                             double        *x);

gboolean    mm_plot_find_nearest            (MmPlot        *self,
                                             double         x_px,
                                             double         y_px,
                                             guint         *series,
                                             gsize         *index);
gboolean    mm_plot_value_to_pixel          (MmPlot        *self,
                                             MmPlotYAxis    axis,
                                             double         x,
                                             double         y,
                                             double        *x_px,
                                             double        *y_px);
void        mm_plot_set_hover               (MmPlot        *self,
                                             double         x_px,
                                             double         y_px);
void        mm_plot_clear_hover             (MmPlot        *self);

void        mm_plot_render                  (MmPlot        *self,
                                             cairo_t       *cr,
                                             int            width,
                                             int            height);
gboolean    mm_plot_export_png              (MmPlot        *self,
                                             const char    *path,
                                             int            width,
                                             int            height,
                                             GError       **error);
gboolean    mm_plot_export_svg              (MmPlot        *self,
                                             const char    *path,
                                             int            width,
                                             int            height,
                                             GError       **error);

void        mm_plot_get_default_color       (guint          index,
                                             GdkRGBA       *color);

G_END_DECLS
