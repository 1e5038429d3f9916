/* mm-plot-layer.c — one series as the plot draws it.
 *
 * The series comes decimated into pixel columns (first, last, lowest and
 * highest value of each). As a curve, a column is at most two segments: the
 * line comes in from the previous column's last point to this column's first
 * point, and a vertical stroke at the column's centre covers everything from
 * its lowest to its highest value; the next column continues from the last
 * point. So W columns are at most 2·W segments, and a single spike among a
 * thousand points per pixel still reaches its full height.
 *
 * Stroking a thousand tall vertical strokes is what makes cairo slow (each is
 * rasterised over its whole height), so where the columns are dense — three
 * or more neighbouring pixel columns — the same pixels are filled instead as
 * one band: the outline of the columns' tops, then of their bottoms, widened
 * by half the line width (mm_plot_layer_append_band_path()). Sparse data (per-epoch points, a short run) are
 * stroked as a polyline with round joins. Where the series has points the
 * axis cannot show (NaN, ±inf, y ≤ 0 on a log axis) the line is broken
 * instead of bridged.
 */
#include "mm-plot-layer.h"

#include <math.h>

/* Cairo keeps coordinates in 24.8 fixed point; a loss of 1e30 mapped to
 * pixels would wrap around. Clamp far outside any surface instead: the clip
 * hides the difference. */
#define PIXEL_LIMIT 1e5

/* Neighbouring columns that make a band (filled) rather than strokes. */
#define BAND_MIN_RUN 3

MmPlotLayer *
mm_plot_layer_new (const char    *label,
                   const GdkRGBA *color,
                   MmPlotStyle    style,
                   MmPlotYAxis    axis)
{
  MmPlotLayer *layer = g_new0 (MmPlotLayer, 1);

  layer->series = mm_plot_series_new ();
  layer->label = g_strdup (label ? label : "");
  layer->color = color ? *color : (GdkRGBA) { 0.11, 0.44, 0.85, 1.0 };
  layer->style = style;
  layer->axis = axis;
  layer->visible = TRUE;
  return layer;
}

void
mm_plot_layer_free (MmPlotLayer *layer)
{
  if (layer == NULL)
    return;
  mm_plot_series_free (layer->series);
  g_free (layer->label);
  g_free (layer->columns);
  g_free (layer);
}

static inline double
clamp_px (double p)
{
  return CLAMP (p, -PIXEL_LIMIT, PIXEL_LIMIT);
}

static inline double
px_x (const MmPlotScale *xs,
      double             x)
{
  return clamp_px (mm_plot_scale_to_pixel (xs, x));
}

static inline double
px_y (const MmPlotScale *ys,
      double             y)
{
  return clamp_px (mm_plot_scale_to_pixel (ys, y));
}

/* The x pixel of the centre of decimation column @c. */
static inline double
column_center (const MmPlotLayer *layer,
               const MmPlotScale *xs,
               guint              c)
{
  return xs->p0 + (c + 0.5) / layer->width * (xs->p1 - xs->p0);
}

/**
 * mm_plot_layer_update:
 * @width: how many pixel columns the x range covers (device pixels)
 *
 * Decimates the series over the x range of @xs, skipping the values @ys
 * cannot show. Returns the number of non-empty columns.
 */
guint
mm_plot_layer_update (MmPlotLayer       *layer,
                      const MmPlotScale *xs,
                      const MmPlotScale *ys,
                      guint              width)
{
  g_return_val_if_fail (layer != NULL, 0);
  g_return_val_if_fail (xs != NULL && ys != NULL, 0);

  if (width > layer->columns_cap)
    {
      layer->columns_cap = width;
      layer->columns = g_renew (MmPlotColumn, layer->columns, width);
    }
  layer->width = width;
  layer->n_columns = mm_plot_series_decimate (layer->series, xs->v0, xs->v1, width,
                                              ys->log ? MM_PLOT_SERIES_POSITIVE : MM_PLOT_SERIES_FINITE,
                                              layer->columns);
  return layer->n_columns;
}

/* Whether @col continues @prev without skipped points between them. */
static inline gboolean
connected (const MmPlotColumn *prev,
           const MmPlotColumn *col)
{
  return col->i_first == prev->i_last + 1;
}

/* Whether @col continues @prev in the next pixel column. */
static inline gboolean
adjacent (const MmPlotColumn *prev,
          const MmPlotColumn *col)
{
  return col->column == prev->column + 1 && connected (prev, col);
}

/* The end of the band run starting at column @k, or @k when the columns
 * there are too sparse to form one. */
static guint
band_run_end (const MmPlotLayer *layer,
              guint              k)
{
  guint e = k + 1;

  while (e < layer->n_columns && adjacent (&layer->columns[e - 1], &layer->columns[e]))
    e++;
  return e - k >= BAND_MIN_RUN ? e : k;
}

/* The x pixel of the left edge of decimation column @c. */
static inline double
column_left (const MmPlotLayer *layer,
             const MmPlotScale *xs,
             guint              c)
{
  return xs->p0 + (double) c / layer->width * (xs->p1 - xs->p0);
}

/* The top and bottom pixel of the boundary between columns @k − 1 and @k:
 * everything either column covers. */
static void
boundary_extent (const MmPlotLayer *layer,
                 const MmPlotScale *ys,
                 guint              k,
                 double            *top,
                 double            *bottom)
{
  const MmPlotColumn *a = &layer->columns[k - 1], *b = &layer->columns[k];
  double p[4] = {
    px_y (ys, a->y_min), px_y (ys, a->y_max), px_y (ys, b->y_min), px_y (ys, b->y_max),
  };

  *top = MIN (MIN (p[0], p[1]), MIN (p[2], p[3]));
  *bottom = MAX (MAX (p[0], p[1]), MAX (p[2], p[3]));
}

/**
 * mm_plot_layer_append_band_path:
 * @line_width: the stroke width the band stands in for
 *
 * Adds the outline of every band run — at least BAND_MIN_RUN neighbouring
 * pixel columns with no skipped point between them — as one polygon. Its
 * vertices sit on the boundaries between the columns, each at the top (then,
 * going back, the bottom) of the two columns it separates, widened by half
 * the line width; the ends of the run come to a point at its first and last
 * value. So a one-column spike keeps its full height across its column, and
 * a run of k columns is 2·k vertices. Filled, it covers what stroking those
 * columns would, at a fraction of the cost.
 *
 * Returns the number of line segments added: 2·k − 1 for a run of k
 * columns, as the fill closes the outline by itself (with the connection
 * into the run, at most two per column in all).
 */
guint
mm_plot_layer_append_band_path (MmPlotLayer       *layer,
                                cairo_t           *cr,
                                const MmPlotScale *xs,
                                const MmPlotScale *ys,
                                double             line_width)
{
  double half = line_width / 2;
  guint segments = 0;

  g_return_val_if_fail (layer != NULL, 0);
  g_return_val_if_fail (cr != NULL, 0);

  for (guint s = 0; s < layer->n_columns;)
    {
      guint e = band_run_end (layer, s);
      const MmPlotColumn *first, *last;
      double top, bottom;

      if (e == s)
        {
          s++;
          continue;
        }
      first = &layer->columns[s];
      last = &layer->columns[e - 1];
      cairo_move_to (cr, column_left (layer, xs, first->column), px_y (ys, first->y_first));
      for (guint k = s + 1; k < e; k++)
        {
          boundary_extent (layer, ys, k, &top, &bottom);
          cairo_line_to (cr, column_left (layer, xs, layer->columns[k].column), top - half);
        }
      cairo_line_to (cr, column_left (layer, xs, last->column + 1), px_y (ys, last->y_last));
      for (guint k = e - 1; k > s; k--)
        {
          boundary_extent (layer, ys, k, &top, &bottom);
          cairo_line_to (cr, column_left (layer, xs, layer->columns[k].column), bottom + half);
        }
      /* Filling closes the outline; no segment back to the start. */
      segments += 2 * (e - s) - 1;
      s = e;
    }
  return segments;
}

/**
 * mm_plot_layer_append_line_path:
 *
 * Adds the rest of the decimated curve, to be stroked: the columns outside
 * band runs, and the connections into and out of the bands. Each column
 * adds at most two segments: from the previous column's last point to its
 * first one, and a vertical stroke over its range when it holds several
 * points. Returns the number of line segments added.
 */
guint
mm_plot_layer_append_line_path (MmPlotLayer       *layer,
                                cairo_t           *cr,
                                const MmPlotScale *xs,
                                const MmPlotScale *ys)
{
  guint segments = 0;
  guint band_end = 0;

  g_return_val_if_fail (layer != NULL, 0);
  g_return_val_if_fail (cr != NULL, 0);

  for (guint k = 0; k < layer->n_columns; k++)
    {
      const MmPlotColumn *col = &layer->columns[k];
      const MmPlotColumn *prev = k > 0 ? &layer->columns[k - 1] : NULL;
      double xf = px_x (xs, col->x_first), yf = px_y (ys, col->y_first);

      if (k >= band_end)
        band_end = band_run_end (layer, k);
      if (k < band_end)
        {
          /* Inside a band: only the way in and the way out are lines. */
          if (k == 0 || !adjacent (prev, col))
            {
              if (prev != NULL && connected (prev, col))
                {
                  cairo_line_to (cr, xf, yf);
                  segments++;
                }
            }
          if (k + 1 == band_end)
            cairo_move_to (cr, px_x (xs, col->x_last), px_y (ys, col->y_last));
          continue;
        }

      if (prev != NULL && connected (prev, col))
        cairo_line_to (cr, xf, yf);
      else
        {
          /* A new piece of line. The zero-length segment makes a lone
           * point between two gaps show as a dot (round caps). */
          cairo_move_to (cr, xf, yf);
          cairo_line_to (cr, xf, yf);
        }
      segments++;

      if (col->i_last != col->i_first)
        {
          if (col->y_min < col->y_max)
            {
              double xc = column_center (layer, xs, col->column);

              cairo_move_to (cr, xc, px_y (ys, col->y_min));
              cairo_line_to (cr, xc, px_y (ys, col->y_max));
              cairo_move_to (cr, px_x (xs, col->x_last), px_y (ys, col->y_last));
            }
          else
            cairo_line_to (cr, px_x (xs, col->x_last), px_y (ys, col->y_last));
          segments++;
        }
    }
  return segments;
}

double
mm_plot_layer_get_line_width (MmPlotLayer *layer,
                              double       ui_scale)
{
  g_return_val_if_fail (layer != NULL, 1);

  switch (layer->style)
    {
    case MM_PLOT_STYLE_THIN_LINE:
      return 1.0 * ui_scale;
    case MM_PLOT_STYLE_POINTS:
      return 1.5 * ui_scale;
    case MM_PLOT_STYLE_LINE:
    default:
      return 2.0 * ui_scale;
    }
}

/* The colour strokes use: a thin line is a light version of the colour. */
void
mm_plot_layer_get_draw_color (MmPlotLayer *layer,
                              GdkRGBA     *color)
{
  g_return_if_fail (layer != NULL && color != NULL);

  *color = layer->color;
  if (layer->style == MM_PLOT_STYLE_THIN_LINE)
    color->alpha *= 0.4f;
}

static void
draw_marker (cairo_t *cr,
             double   x,
             double   y,
             double   radius)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x, y, radius, 0, 2 * G_PI);
}

/* An area: the curve through each column's last value, closed along the
 * bottom of the axis (0, or the axis' lowest value when 0 is not on it);
 * skipped points break it. */
static void
draw_area (MmPlotLayer       *layer,
           cairo_t           *cr,
           const MmPlotScale *xs,
           const MmPlotScale *ys)
{
  double base = px_y (ys, ys->log ? MIN (ys->v0, ys->v1) : CLAMP (0.0, MIN (ys->v0, ys->v1), MAX (ys->v0, ys->v1)));
  double x_start = 0, x_end = 0;
  gboolean open = FALSE;

  cairo_new_path (cr);
  for (guint k = 0; k < layer->n_columns; k++)
    {
      const MmPlotColumn *col = &layer->columns[k];
      double xf = px_x (xs, col->x_first), xl = px_x (xs, col->x_last);

      if (open && !connected (&layer->columns[k - 1], col))
        {
          cairo_line_to (cr, x_end, base);
          cairo_line_to (cr, x_start, base);
          cairo_close_path (cr);
          open = FALSE;
        }
      if (!open)
        {
          x_start = xf;
          cairo_move_to (cr, xf, px_y (ys, col->y_first));
          open = TRUE;
        }
      else
        cairo_line_to (cr, xf, px_y (ys, col->y_first));
      cairo_line_to (cr, xl, px_y (ys, col->y_last));
      x_end = xl;
    }
  if (open)
    {
      cairo_line_to (cr, x_end, base);
      cairo_line_to (cr, x_start, base);
      cairo_close_path (cr);
    }
  cairo_fill (cr);
}

void
mm_plot_layer_draw (MmPlotLayer       *layer,
                    cairo_t           *cr,
                    const MmPlotScale *xs,
                    const MmPlotScale *ys,
                    double             ui_scale)
{
  GdkRGBA color;

  g_return_if_fail (layer != NULL);
  g_return_if_fail (cr != NULL);

  if (layer->n_columns == 0)
    return;

  cairo_save (cr);
  mm_plot_layer_get_draw_color (layer, &color);
  gdk_cairo_set_source_rgba (cr, &color);
  if (layer->style == MM_PLOT_STYLE_AREA)
    {
      draw_area (layer, cr, xs, ys);
      cairo_restore (cr);
      return;
    }
  cairo_set_line_width (cr, mm_plot_layer_get_line_width (layer, ui_scale));
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_new_path (cr);
  mm_plot_layer_append_band_path (layer, cr, xs, ys, mm_plot_layer_get_line_width (layer, ui_scale));
  cairo_fill (cr);
  mm_plot_layer_append_line_path (layer, cr, xs, ys);
  cairo_stroke (cr);

  /* Markers only while they stay apart: per-epoch points, not a dense run. */
  if (layer->style == MM_PLOT_STYLE_POINTS
      && layer->n_columns * 8 * ui_scale <= fabs (xs->p1 - xs->p0))
    {
      for (guint k = 0; k < layer->n_columns; k++)
        {
          const MmPlotColumn *col = &layer->columns[k];

          draw_marker (cr, px_x (xs, col->x_first), px_y (ys, col->y_first), 3.5 * ui_scale);
          if (col->i_last != col->i_first)
            draw_marker (cr, px_x (xs, col->x_last), px_y (ys, col->y_last), 3.5 * ui_scale);
        }
      cairo_fill (cr);
    }
  cairo_restore (cr);
}

/* The legend's sample of the style: a short line (and a marker) centred
 * vertically on @y. */
void
mm_plot_layer_draw_swatch (MmPlotLayer *layer,
                           cairo_t     *cr,
                           double       x,
                           double       y,
                           double       width,
                           double       ui_scale)
{
  GdkRGBA color;

  g_return_if_fail (layer != NULL);
  g_return_if_fail (cr != NULL);

  cairo_save (cr);
  mm_plot_layer_get_draw_color (layer, &color);
  /* A light thin line would vanish in a legend: show it a bit stronger. */
  if (layer->style == MM_PLOT_STYLE_THIN_LINE)
    color.alpha = MIN (1.0f, color.alpha * 1.5f);
  gdk_cairo_set_source_rgba (cr, &color);
  if (layer->style == MM_PLOT_STYLE_AREA)
    {
      cairo_rectangle (cr, x, y - 5 * ui_scale, width, 10 * ui_scale);
      cairo_fill (cr);
      cairo_restore (cr);
      return;
    }
  cairo_set_line_width (cr, MAX (mm_plot_layer_get_line_width (layer, ui_scale), 1.5 * ui_scale));
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_move_to (cr, x, y);
  cairo_line_to (cr, x + width, y);
  cairo_stroke (cr);
  if (layer->style == MM_PLOT_STYLE_POINTS)
    {
      draw_marker (cr, x + width / 2, y, 3.5 * ui_scale);
      cairo_fill (cr);
    }
  cairo_restore (cr);
}

/**
 * mm_plot_layer_nearest:
 * @px, @py: a position in pixels
 * @radius: how far (in pixels) a point may be to count
 * @index: (out): the nearest point
 * @distance: (out): its distance in pixels
 *
 * The valid point closest to (@px, @py) on screen, within @radius.
 * Only the points whose x lies within @radius pixels are looked at.
 */
gboolean
mm_plot_layer_nearest (MmPlotLayer       *layer,
                       const MmPlotScale *xs,
                       const MmPlotScale *ys,
                       double             px,
                       double             py,
                       double             radius,
                       gsize             *index,
                       double            *distance)
{
  MmPlotSeriesFilter filter;
  double xa, xb, best = radius * radius;
  gsize begin, end, best_i = 0;
  gboolean found = FALSE;

  g_return_val_if_fail (layer != NULL, FALSE);
  g_return_val_if_fail (xs != NULL && ys != NULL, FALSE);

  if (!isfinite (px) || !isfinite (py) || !(radius > 0))
    return FALSE;
  filter = ys->log ? MM_PLOT_SERIES_POSITIVE : MM_PLOT_SERIES_FINITE;
  xa = mm_plot_scale_to_value (xs, px - radius);
  xb = mm_plot_scale_to_value (xs, px + radius);
  begin = mm_plot_series_lower_bound (layer->series, MIN (xa, xb));
  end = mm_plot_series_upper_bound (layer->series, MAX (xa, xb));

  for (gsize i = begin; i < end; i++)
    {
      double dx, dy, d2;

      if (!mm_plot_series_is_valid (layer->series, i, filter))
        continue;
      dx = mm_plot_scale_to_pixel (xs, mm_plot_series_get_x (layer->series, i)) - px;
      dy = mm_plot_scale_to_pixel (ys, mm_plot_series_get_y (layer->series, i)) - py;
      d2 = dx * dx + dy * dy;
      if (d2 <= best)
        {
          /* On a tie the later point wins: it is the newer value. */
          best = d2;
          best_i = i;
          found = TRUE;
        }
    }
  if (found)
    {
      if (index)
        *index = best_i;
      if (distance)
        *distance = sqrt (best);
    }
  return found;
}

/* How many decimated columns of the last update pass through the rectangle:
 * the plot puts the legend where this is smallest. */
guint
mm_plot_layer_count_in_rect (MmPlotLayer       *layer,
                             const MmPlotScale *xs,
                             const MmPlotScale *ys,
                             double             x,
                             double             y,
                             double             width,
                             double             height)
{
  guint count = 0;

  g_return_val_if_fail (layer != NULL, 0);

  for (guint k = 0; k < layer->n_columns; k++)
    {
      const MmPlotColumn *col = &layer->columns[k];
      double xc = column_center (layer, xs, col->column);
      double a, b;

      if (xc < x || xc > x + width)
        continue;
      a = px_y (ys, col->y_min);
      b = px_y (ys, col->y_max);
      if (MAX (a, b) >= y && MIN (a, b) <= y + height)
        count++;
    }
  return count;
}
