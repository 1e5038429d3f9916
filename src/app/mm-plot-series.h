/* mm-plot-series.h — the numbers of one plotted curve.
 *
 * A series is a growing list of (x, y) doubles, appended in non-decreasing x
 * and never dropped: a long run has millions of batch losses. It knows
 * nothing about colours or pixels; it answers the two questions drawing needs
 * quickly:
 *
 *  - decimation: for W pixel columns over an x range, the first, last, lowest
 *    and highest value in each column. A curve drawn from that is at most
 *    2·W line segments and still shows every spike, however many points fall
 *    into one column (mm_plot_series_decimate());
 *  - lookup by x (binary search), for the hover read-out.
 *
 * Points whose x is not finite are refused; points whose y is NaN or ±inf are
 * kept (their indices stay aligned with the caller's steps) but every query
 * skips them, and with MM_PLOT_SERIES_POSITIVE also skips y ≤ 0 (a log axis).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MmPlotSeries MmPlotSeries;

/* Which y values a query sees. */
typedef enum {
  MM_PLOT_SERIES_FINITE,   /* every finite y */
  MM_PLOT_SERIES_POSITIVE, /* finite y > 0 (a logarithmic axis) */
} MmPlotSeriesFilter;

/* One pixel column of a decimated series: the valid points with x in the
 * column, summarised. @i_first and @i_last are indices into the series, so a
 * caller can tell that invalid points were skipped between two columns
 * (next.i_first > prev.i_last + 1) and break the line there. */
typedef struct {
  guint  column;   /* 0 … width − 1 */
  guint  n;        /* points with x in the column, skipped ones included */
  gsize  i_first;
  gsize  i_last;
  double x_first, y_first;
  double x_last, y_last;
  double y_min, y_max;
} MmPlotColumn;

MmPlotSeries *mm_plot_series_new          (void);
void          mm_plot_series_free         (MmPlotSeries       *self);

gboolean      mm_plot_series_append       (MmPlotSeries       *self,
                                           double              x,
                                           double              y);
gsize         mm_plot_series_append_many  (MmPlotSeries       *self,
                                           const double       *x,
                                           const double       *y,
                                           gsize               n);
void          mm_plot_series_clear        (MmPlotSeries       *self);

gsize         mm_plot_series_get_length   (const MmPlotSeries *self);
double        mm_plot_series_get_x        (const MmPlotSeries *self,
                                           gsize               i);
double        mm_plot_series_get_y        (const MmPlotSeries *self,
                                           gsize               i);
gboolean      mm_plot_series_is_valid     (const MmPlotSeries *self,
                                           gsize               i,
                                           MmPlotSeriesFilter  filter);

gsize         mm_plot_series_lower_bound  (const MmPlotSeries *self,
                                           double              x);
gsize         mm_plot_series_upper_bound  (const MmPlotSeries *self,
                                           double              x);
gboolean      mm_plot_series_find_nearest_x (const MmPlotSeries *self,
                                           double              x,
                                           gsize              *index);

gboolean      mm_plot_series_get_x_range  (const MmPlotSeries *self,
                                           double             *x_min,
                                           double             *x_max);
gboolean      mm_plot_series_get_y_range  (const MmPlotSeries *self,
                                           gsize               begin,
                                           gsize               end,
                                           MmPlotSeriesFilter  filter,
                                           double             *y_min,
                                           double             *y_max);

guint         mm_plot_series_decimate     (const MmPlotSeries *self,
                                           double              x0,
                                           double              x1,
                                           guint               width,
                                           MmPlotSeriesFilter  filter,
                                           MmPlotColumn       *columns);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmPlotSeries, mm_plot_series_free)

G_END_DECLS
