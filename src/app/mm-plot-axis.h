/* mm-plot-axis.h — scales, "nice" ticks and compact tick labels.
 *
 * Pure functions, no widget and no display: the plot asks them where a value
 * lands on screen and which values deserve a grid line and a label.
 *
 *  - A scale maps a value range [v0, v1] onto a pixel range [p0, p1]
 *    (p1 < p0 for a y axis, whose pixels grow downwards), linearly or by
 *    log10.
 *  - Linear ticks sit at multiples of 1, 2 or 5 × 10^k; logarithmic ones at
 *    decades (labelled) with 2…9 × 10^k between them (grid only).
 *  - Labels are short: 0, 0.5, 1e-3, 250, 10k, 1.2M. They always use "." as
 *    the decimal point and "−" (U+2212) for negative numbers, whatever the
 *    locale, so that a screenshot reads the same in every language.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double   v0, v1;  /* the value range */
  double   p0, p1;  /* where v0 and v1 land, in pixels */
  gboolean log;     /* map log10(v); v0 and v1 are > 0 */
  /*< private >*/
  double   t0, k;   /* transformed v0, and pixels per transformed unit */
} MmPlotScale;

typedef struct {
  double   value;
  gboolean major;     /* labelled and drawn as a full grid line */
  char     label[32]; /* empty for minor ticks */
} MmPlotTick;

void     mm_plot_scale_init          (MmPlotScale       *scale,
                                      double             v0,
                                      double             v1,
                                      double             p0,
                                      double             p1,
                                      gboolean           log);
double   mm_plot_scale_to_pixel      (const MmPlotScale *scale,
                                      double             value);
double   mm_plot_scale_to_value      (const MmPlotScale *scale,
                                      double             pixel);

double   mm_plot_axis_nice_step      (double             span,
                                      guint              max_ticks);
double   mm_plot_axis_nice_range     (double            *lo,
                                      double            *hi,
                                      guint              max_ticks);
void     mm_plot_axis_log_range      (double            *lo,
                                      double            *hi);

GArray  *mm_plot_axis_ticks          (double             lo,
                                      double             hi,
                                      double             step);
GArray  *mm_plot_axis_log_ticks      (double             lo,
                                      double             hi,
                                      guint              max_ticks);

char    *mm_plot_axis_format_tick    (double             value,
                                      double             step);
char    *mm_plot_axis_format_value   (double             value,
                                      guint              significant);

G_END_DECLS
