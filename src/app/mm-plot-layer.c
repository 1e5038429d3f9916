/* mm-plot-layer.c — one series as the plot draws it.
 *
 * Drawing a decimated column: the line comes in from the previous column's
 * last point to this column's first point (one segment), then a vertical
 * stroke at the column's centre covers everything from its lowest to its
 * highest value (a second segment), and the next column continues from the
 * last point. So W columns are at most 2·W segments, and a single spike among
 * a thousand points per pixel still reaches its full height. Where the series
 * has points the axis cannot show (NaN, ±inf, y ≤ 0 on a log axis) the line
 * is broken instead of bridged.
 */
#include "mm-plot-layer.h"

#include <math.h>

/* Cairo keeps coordinates in 24.8 fixed point; a loss of 1e30 mapped to
 * pixels would wrap around. Clamp far outside any surface instead: the clip
 * hides the difference. */
#define PIXEL_LIMIT 1e5

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

/**
 * mm_plot_layer_append_path:
 *
 * Adds the decimated curve of the last update to the current path of @cr.
 * Returns the number of line segments added (at most twice the number of
 * columns).
 */
guint
mm_plot_layer_append_path (MmPlotLayer       *layer,
                           cairo_t           *cr,
                           const MmPlotScale *xs,
                           const MmPlotScale *ys)
{
  const MmPlotColumn *prev = NULL;
  guint segments = 0;

  g_return_val_if_fail (layer != NULL, 0);
  g_return_val_if_fail (cr != NULL, 0);

  for (guint k = 0; k < layer->n_columns; k++)
    {
      const MmPlotColumn *col = &layer->columns[k];
      double xf = px_x (xs, col->x_first), yf = px_y (ys, col->y_first);

      if (prev != NULL && col->i_first == prev->i_last + 1)
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
      prev = col;
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
  cairo_set_line_width (cr, mm_plot_layer_get_line_width (layer, ui_scale));
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_new_path (cr);
  mm_plot_layer_append_path (layer, cr, xs, ys);
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
