/* mm-plot.c — the live loss/accuracy plot.
 *
 * Every frame has two phases. The layout (ensure_geometry()) chooses the
 * ranges, ticks, margins and legend position and decimates each visible
 * series into pixel columns; it is cached until the data, an option, the
 * size or the font change, so a hover redraw costs only the drawing. The
 * drawing (draw()) then strokes grid, layers, markers, legend and the hover
 * read-out onto any cairo_t: the widget's snapshot, a PNG or an SVG.
 *
 * All lengths are multiples of the presentation scale (classroom mode) and
 * all text sizes are multiples of the widget's font, so one factor makes the
 * whole plot readable from the back of a room.
 */
#include "config.h"
#include "mm-plot.h"

#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <math.h>

#define HOVER_RADIUS      32.0  /* px × scale: how near the pointer a point must be */
#define ROBUST_SKIP       3     /* leading points robust-y may leave out … */
#define ROBUST_MIN_POINTS 30    /* … of a series at least this long … */
#define ROBUST_RATIO      10.0  /* … when they stretch the range this much */

/* Text sizes, relative to the widget's font. */
#define TEXT_TICK        0.9
#define TEXT_LABEL       1.0
#define TEXT_LEGEND      0.95
#define TEXT_MARKER      0.85
#define TEXT_PLACEHOLDER 1.25

typedef struct {
  double  x;
  char   *label;
} Marker;

typedef struct {
  GdkRGBA fg;
  GdkRGBA bg;
} Palette;

typedef struct {
  gboolean              valid;
  guint64               serial;
  int                   width, height;
  int                   device_scale;
  PangoFontDescription *font;         /* the widget's font × presentation scale */

  gboolean              empty;        /* no point at all: show the placeholder */
  double                left, top, right, bottom;  /* the plot area */
  MmPlotScale           xs;           /* data x (steps) → pixels */
  MmPlotScale           ys[2];        /* MmPlotYAxis → pixels */
  gboolean              has_axis[2];
  GArray               *xticks;       /* MmPlotTick, in display units (x × x_scale) */
  GArray               *yticks[2];
  gboolean              show_legend;
  double                legend_x, legend_y, legend_w, legend_h;
} Geometry;

struct _MmPlot {
  GtkWidget  parent_instance;

  GPtrArray *layers;        /* MmPlotLayer */
  GArray    *markers;       /* Marker */
  char      *x_label;
  char      *y_label[2];
  char      *placeholder_text;
  double     x_scale;
  double     presentation_scale;
  gboolean   log_y;
  gboolean   robust_y;

  guint64    serial;        /* bumped by every change that moves pixels */
  gboolean   redraw_queued;
  Geometry   geom;

  gboolean   hovering;
  double     hover_x, hover_y;
};

G_DEFINE_FINAL_TYPE (MmPlot, mm_plot, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LOG_Y,
  PROP_ROBUST_Y,
  PROP_X_SCALE,
  PROP_X_LABEL,
  PROP_PLACEHOLDER_TEXT,
  PROP_PRESENTATION_SCALE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- helpers ---------------------------------------------------------- */

static void
geometry_clear (Geometry *g)
{
  g_clear_pointer (&g->font, pango_font_description_free);
  g_clear_pointer (&g->xticks, g_array_unref);
  g_clear_pointer (&g->yticks[0], g_array_unref);
  g_clear_pointer (&g->yticks[1], g_array_unref);
  g->valid = FALSE;
}

static void
marker_clear (gpointer data)
{
  Marker *m = data;

  g_free (m->label);
}

static inline MmPlotLayer *
get_layer (MmPlot *self,
           guint   i)
{
  return g_ptr_array_index (self->layers, i);
}

/* Data or options changed: lay out again, at most one redraw per frame. */
static void
invalidate (MmPlot *self)
{
  self->serial++;
  if (!self->redraw_queued)
    {
      self->redraw_queued = TRUE;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

/* g_set_str() needs GLib 2.76; Debian 12 has 2.74. */
static gboolean
set_str (char       **ptr,
         const char  *value)
{
  if (g_strcmp0 (*ptr, value) == 0)
    return FALSE;
  g_free (*ptr);
  *ptr = g_strdup (value);
  return TRUE;
}

static const char *
default_x_label (double factor)
{
  return factor == 1.0 ? _("Step") : _("Epoch");
}

static const char *
default_y_label (MmPlotYAxis axis)
{
  return axis == MM_PLOT_Y_AXIS_RIGHT ? _("Accuracy (%)") : _("Loss");
}

static GdkRGBA
with_alpha (const GdkRGBA *c,
            double         alpha)
{
  GdkRGBA r = *c;

  r.alpha = (float) (c->alpha * alpha);
  return r;
}

/* The widget's font, scaled by the presentation factor. */
static PangoFontDescription *
get_font (MmPlot *self)
{
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  const PangoFontDescription *base = pango_context_get_font_description (context);
  PangoFontDescription *font;
  int size;

  font = base ? pango_font_description_copy (base) : pango_font_description_from_string ("Sans 10");
  size = pango_font_description_get_size (font);
  if (size <= 0)
    {
      size = 10 * PANGO_SCALE;
      pango_font_description_set_size (font, size);
    }
  size = (int) round (size * self->presentation_scale);
  if (pango_font_description_get_size_is_absolute (font))
    pango_font_description_set_absolute_size (font, size);
  else
    pango_font_description_set_size (font, size);
  return font;
}

static PangoLayout *
make_layout (MmPlot     *self,
             const char *text,
             double      relative_size,
             gboolean    bold)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  PangoFontDescription *font = pango_font_description_copy (self->geom.font);
  int size = (int) round (pango_font_description_get_size (font) * relative_size);

  if (pango_font_description_get_size_is_absolute (font))
    pango_font_description_set_absolute_size (font, size);
  else
    pango_font_description_set_size (font, size);
  if (bold)
    pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  if (text != NULL)
    pango_layout_set_text (layout, text, -1);
  return layout;
}

static void
text_size (MmPlot     *self,
           const char *text,
           double      relative_size,
           int        *width,
           int        *height)
{
  g_autoptr(PangoLayout) layout = make_layout (self, text, relative_size, FALSE);

  pango_layout_get_pixel_size (layout, width, height);
}

/* Draws @layout with its point (align_x, align_y) — fractions of its size —
 * at (x, y). */
static void
show_layout (cairo_t       *cr,
             PangoLayout   *layout,
             double         x,
             double         y,
             double         align_x,
             double         align_y,
             const GdkRGBA *color)
{
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_move_to (cr, round (x - align_x * w), round (y - align_y * h));
  pango_cairo_show_layout (cr, layout);
}

static void
show_text (MmPlot        *self,
           cairo_t       *cr,
           const char    *text,
           double         relative_size,
           double         x,
           double         y,
           double         align_x,
           double         align_y,
           const GdkRGBA *color)
{
  g_autoptr(PangoLayout) layout = make_layout (self, text, relative_size, FALSE);

  show_layout (cr, layout, x, y, align_x, align_y, color);
}

static void
rounded_rect (cairo_t *cr,
              double   x,
              double   y,
              double   w,
              double   h,
              double   r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

/* A 1-pixel line on pixel centres, so that it stays sharp. */
static inline double
crisp (double p)
{
  return floor (p) + 0.5;
}

/* ---- layout ----------------------------------------------------------- */

/* The x range: from 0 (when the data start near it) to the last x. */
static void
compute_x_range (MmPlot *self,
                 double *lo,
                 double *hi)
{
  double x_min = INFINITY, x_max = -INFINITY;

  for (guint i = 0; i < self->layers->len; i++)
    {
      MmPlotLayer *layer = get_layer (self, i);
      double a, b;

      if (layer->visible && mm_plot_series_get_x_range (layer->series, &a, &b))
        {
          x_min = MIN (x_min, a);
          x_max = MAX (x_max, b);
        }
    }
  for (guint i = 0; i < self->markers->len; i++)
    {
      const Marker *m = &g_array_index (self->markers, Marker, i);

      x_min = MIN (x_min, m->x);
      x_max = MAX (x_max, m->x);
    }
  if (!(x_min <= x_max))
    {
      x_min = 0;
      x_max = 1;
    }
  if (x_min >= 0 && (x_min <= 0.2 * x_max || x_min == x_max))
    x_min = 0;
  if (!(x_max > x_min))
    x_max = x_min + 1;
  *lo = x_min;
  *hi = x_max;
}

/* The data range of one y axis over the visible series; %FALSE when none of
 * them has a value the axis can show. */
static gboolean
compute_y_data_range (MmPlot      *self,
                      MmPlotYAxis  axis,
                      gboolean     log,
                      double      *lo,
                      double      *hi)
{
  MmPlotSeriesFilter filter = log ? MM_PLOT_SERIES_POSITIVE : MM_PLOT_SERIES_FINITE;
  gboolean robust = axis == MM_PLOT_Y_AXIS_LEFT && !log && self->robust_y;
  double y_min = INFINITY, y_max = -INFINITY, rest_max = -INFINITY;

  for (guint i = 0; i < self->layers->len; i++)
    {
      MmPlotLayer *layer = get_layer (self, i);
      gsize n = mm_plot_series_get_length (layer->series);
      double a, b;

      if (!layer->visible || layer->axis != axis)
        continue;
      if (!mm_plot_series_get_y_range (layer->series, 0, n, filter, &a, &b))
        continue;
      y_min = MIN (y_min, a);
      y_max = MAX (y_max, b);
      if (!robust)
        continue;
      if (n < ROBUST_MIN_POINTS)
        rest_max = MAX (rest_max, b);
      else if (mm_plot_series_get_y_range (layer->series, ROBUST_SKIP, n, filter, &a, &b))
        rest_max = MAX (rest_max, b);
    }
  if (!(y_min <= y_max))
    return FALSE;
  /* A few early points far above everything else: leave them out. */
  if (robust && rest_max > y_min && y_max - y_min > ROBUST_RATIO * (rest_max - y_min))
    y_max = rest_max;
  *lo = y_min;
  *hi = y_max;
  return TRUE;
}

/* The final range and ticks of one y axis. */
static GArray *
compute_y_axis (MmPlot      *self,
                MmPlotYAxis  axis,
                guint        max_ticks,
                double      *lo_out,
                double      *hi_out)
{
  gboolean log = axis == MM_PLOT_Y_AXIS_LEFT && self->log_y;
  double lo, hi, step;

  if (!compute_y_data_range (self, axis, log, &lo, &hi))
    {
      if (log)
        {
          lo = 0.1;
          hi = 10;
        }
      else if (axis == MM_PLOT_Y_AXIS_RIGHT)
        {
          lo = 0;
          hi = 100;
        }
      else
        {
          lo = 0;
          hi = 1;
        }
    }

  if (log)
    {
      mm_plot_axis_log_range (&lo, &hi);
      *lo_out = lo;
      *hi_out = hi;
      return mm_plot_axis_log_ticks (lo, hi, max_ticks);
    }

  if (axis == MM_PLOT_Y_AXIS_RIGHT && lo >= 0 && hi <= 100)
    {
      /* Accuracy keeps its whole scale: 60 % should look like 60 %. */
      lo = 0;
      hi = 100;
    }
  else
    {
      gboolean lo_zero = FALSE, hi_zero = FALSE;
      double span;

      gboolean areas = FALSE;

      for (guint i = 0; i < self->layers->len; i++)
        areas |= get_layer (self, i)->visible && get_layer (self, i)->style == MM_PLOT_STYLE_AREA &&
                 get_layer (self, i)->axis == axis;
      /* Include 0 when the data come near it (a loss going down towards 0),
       * and under filled areas, whose height is their value. */
      if (lo >= 0 && (lo <= 0.25 * hi || areas))
        {
          lo_zero = TRUE;
          lo = 0;
        }
      else if (hi <= 0 && hi >= 0.25 * lo)
        {
          hi_zero = TRUE;
          hi = 0;
        }
      span = hi - lo;
      if (!hi_zero)
        hi += 0.04 * span;
      if (!lo_zero)
        lo -= 0.04 * span;
    }
  step = mm_plot_axis_nice_range (&lo, &hi, max_ticks);
  *lo_out = lo;
  *hi_out = hi;
  return mm_plot_axis_ticks (lo, hi, step);
}

static int
max_label_width (MmPlot *self,
                 GArray *ticks)
{
  int max_w = 0;

  for (guint i = 0; ticks && i < ticks->len; i++)
    {
      const MmPlotTick *t = &g_array_index (ticks, MmPlotTick, i);
      int w, h;

      if (!t->major)
        continue;
      text_size (self, t->label, TEXT_TICK, &w, &h);
      max_w = MAX (max_w, w);
    }
  return max_w;
}

static void
layout_legend (MmPlot *self)
{
  Geometry *g = &self->geom;
  double s = self->presentation_scale;
  double pad = 6 * s, swatch = 22 * s, gap = 6 * s, inset = 8 * s;
  double w = 0, h = 0;
  double best_x = 0, best_y = 0;
  guint best = G_MAXUINT;
  guint rows = 0;

  g->show_legend = FALSE;
  for (guint i = 0; i < self->layers->len; i++)
    {
      MmPlotLayer *layer = get_layer (self, i);
      int tw, th;

      if (!layer->visible || layer->label[0] == '\0')
        continue;
      text_size (self, layer->label, TEXT_LEGEND, &tw, &th);
      w = MAX (w, swatch + gap + tw);
      h += th;
      rows++;
    }
  if (rows == 0)
    return;
  w += 2 * pad;
  h += 2 * pad + (rows - 1) * 2 * s;
  /* In a plot too small for it, the legend would hide everything. */
  if (w > 0.8 * (g->right - g->left) || h > 0.8 * (g->bottom - g->top))
    return;

  /* Top right unless that covers more of the curves than another place:
   * the other corners first, then the middles of the edges and the centre. */
  for (guint place = 0; place < 9; place++)
    {
      static const double where[9][2] = {
        { 1, 0 }, { 0, 0 }, { 1, 1 }, { 0, 1 },
        { 0.5, 0 }, { 0.5, 1 }, { 1, 0.5 }, { 0, 0.5 }, { 0.5, 0.5 },
      };
      double x = g->left + inset + where[place][0] * (g->right - g->left - 2 * inset - w);
      double y = g->top + inset + where[place][1] * (g->bottom - g->top - 2 * inset - h);
      guint count = 0;

      for (guint i = 0; i < self->layers->len; i++)
        {
          MmPlotLayer *layer = get_layer (self, i);

          if (layer->visible)
            count += mm_plot_layer_count_in_rect (layer, &g->xs, &g->ys[layer->axis], x, y, w, h);
        }
      if (count < best)
        {
          best = count;
          best_x = x;
          best_y = y;
        }
      if (count == 0)
        break;
    }
  g->show_legend = TRUE;
  g->legend_x = best_x;
  g->legend_y = best_y;
  g->legend_w = w;
  g->legend_h = h;
}

static void
ensure_geometry (MmPlot *self,
                 int     width,
                 int     height,
                 int     device_scale)
{
  Geometry *g = &self->geom;
  PangoFontDescription *font = get_font (self);
  double s = self->presentation_scale;
  double pad = 8 * s, gap = 5 * s;
  double x_lo, x_hi, lo_d, hi_d, x_step, plot_w, plot_h, y_lo[2], y_hi[2];
  int tick_h, label_h, w, h, ylabel_w[2] = { 0, 0 };
  double left_margin, right_margin, bottom_margin, top_margin;
  guint max_y_ticks, max_x_ticks, n_points = 0;
  gboolean any_axis;

  if (g->valid && g->serial == self->serial && g->width == width && g->height == height
      && g->device_scale == device_scale && pango_font_description_equal (g->font, font))
    {
      pango_font_description_free (font);
      return;
    }

  geometry_clear (g);
  g->font = font;
  g->serial = self->serial;
  g->width = width;
  g->height = height;
  g->device_scale = MAX (device_scale, 1);
  g->valid = TRUE;

  for (guint i = 0; i < self->layers->len; i++)
    n_points += mm_plot_series_get_length (get_layer (self, i)->series) > 0;
  g->empty = n_points == 0;

  for (guint a = 0; a < 2; a++)
    {
      g->has_axis[a] = FALSE;
      for (guint i = 0; i < self->layers->len; i++)
        if (get_layer (self, i)->visible && get_layer (self, i)->axis == a)
          g->has_axis[a] = TRUE;
    }
  /* With nothing visible, keep an empty loss axis rather than none. */
  any_axis = g->has_axis[0] || g->has_axis[1];
  if (!any_axis)
    g->has_axis[MM_PLOT_Y_AXIS_LEFT] = TRUE;

  /* Vertical margins come from the font alone. */
  text_size (self, "0123456789", TEXT_TICK, &w, &tick_h);
  text_size (self, self->x_label, TEXT_LABEL, &w, &label_h);
  top_margin = pad + tick_h / 2.0;
  bottom_margin = gap + tick_h + gap + label_h + pad;
  plot_h = MAX (1.0, height - top_margin - bottom_margin);
  max_y_ticks = (guint) CLAMP (plot_h / (2.6 * tick_h), 1, 12);

  for (guint a = 0; a < 2; a++)
    {
      if (!g->has_axis[a])
        continue;
      g->yticks[a] = compute_y_axis (self, a, max_y_ticks, &y_lo[a], &y_hi[a]);
      ylabel_w[a] = max_label_width (self, g->yticks[a]);
    }

  /* Horizontal margins: tick labels plus the rotated axis title. */
  left_margin = pad;
  if (g->has_axis[MM_PLOT_Y_AXIS_LEFT])
    {
      text_size (self, self->y_label[MM_PLOT_Y_AXIS_LEFT], TEXT_LABEL, &w, &h);
      left_margin += h + gap + ylabel_w[MM_PLOT_Y_AXIS_LEFT] + gap;
    }
  right_margin = pad;
  if (g->has_axis[MM_PLOT_Y_AXIS_RIGHT])
    {
      text_size (self, self->y_label[MM_PLOT_Y_AXIS_RIGHT], TEXT_LABEL, &w, &h);
      right_margin += h + gap + ylabel_w[MM_PLOT_Y_AXIS_RIGHT] + gap;
    }

  /* x ticks, in display units (steps × x_scale). */
  compute_x_range (self, &x_lo, &x_hi);
  lo_d = x_lo * self->x_scale;
  hi_d = x_hi * self->x_scale;
  plot_w = MAX (1.0, width - left_margin - right_margin);
  {
    g_autofree char *widest = mm_plot_axis_format_tick (-MAX (fabs (lo_d), fabs (hi_d)),
                                                        mm_plot_axis_nice_step (hi_d - lo_d, 5) / 10);

    text_size (self, widest, TEXT_TICK, &w, &h);
  }
  max_x_ticks = (guint) CLAMP (plot_w / (w + 3.0 * tick_h), 2, 12);
  x_step = mm_plot_axis_nice_step (hi_d - lo_d, max_x_ticks);
  /* Steps are whole: never label step 2.5. */
  if (self->x_scale == 1.0 && x_step < 1)
    x_step = 1;
  g->xticks = mm_plot_axis_ticks (lo_d, hi_d, x_step);
  /* The last x label is centred on its tick: keep it inside the widget by
   * narrowing the plot until it fits. */
  if (g->xticks->len > 0)
    {
      const MmPlotTick *last = &g_array_index (g->xticks, MmPlotTick, g->xticks->len - 1);
      double frac = (last->value - lo_d) / (hi_d - lo_d);

      text_size (self, last->label, TEXT_TICK, &w, &h);
      if (frac > 0 && left_margin + plot_w * frac + w / 2.0 > width - pad / 2)
        {
          double fit = (width - pad / 2 - w / 2.0 - left_margin) / frac;

          right_margin = MAX (right_margin, width - left_margin - fit);
        }
    }

  g->left = left_margin;
  g->top = top_margin;
  g->right = MAX (g->left + 1, width - right_margin);
  g->bottom = MAX (g->top + 1, height - bottom_margin);
  mm_plot_scale_init (&g->xs, x_lo, x_hi, g->left, g->right, FALSE);
  for (guint a = 0; a < 2; a++)
    if (g->has_axis[a])
      mm_plot_scale_init (&g->ys[a], y_lo[a], y_hi[a], g->bottom, g->top,
                          a == MM_PLOT_Y_AXIS_LEFT && self->log_y);
    else
      mm_plot_scale_init (&g->ys[a], 0, 1, g->bottom, g->top, FALSE);

  /* Decimate once per layout, at the device resolution. */
  for (guint i = 0; i < self->layers->len; i++)
    {
      MmPlotLayer *layer = get_layer (self, i);
      guint columns = (guint) ceil ((g->right - g->left) * g->device_scale);

      if (layer->visible)
        mm_plot_layer_update (layer, &g->xs, &g->ys[layer->axis], MAX (columns, 1));
      else
        layer->n_columns = 0;
    }

  layout_legend (self);
}

/* Lays out for the widget's size, or for the last export when the widget
 * has none (not shown, as in a test). */
static gboolean
ensure_geometry_for_queries (MmPlot *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  int device_scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));

  if (width <= 0 || height <= 0)
    {
      if (self->geom.font == NULL)
        return FALSE;
      width = self->geom.width;
      height = self->geom.height;
      device_scale = self->geom.device_scale;
    }
  ensure_geometry (self, width, height, device_scale);
  return TRUE;
}

/* ---- drawing ---------------------------------------------------------- */

static void
draw_grid_and_axes (MmPlot        *self,
                    cairo_t       *cr,
                    const Palette *palette)
{
  Geometry *g = &self->geom;
  double s = self->presentation_scale;
  double gap = 5 * s;
  MmPlotYAxis grid_axis = g->has_axis[MM_PLOT_Y_AXIS_LEFT] ? MM_PLOT_Y_AXIS_LEFT : MM_PLOT_Y_AXIS_RIGHT;
  GdkRGBA major = with_alpha (&palette->fg, 0.13);
  GdkRGBA minor = with_alpha (&palette->fg, 0.05);
  GdkRGBA axis_color = with_alpha (&palette->fg, 0.45);
  GdkRGBA tick_color = with_alpha (&palette->fg, 0.75);
  GdkRGBA title_color = with_alpha (&palette->fg, 0.9);
  double line = MAX (1.0, round (s));

  cairo_save (cr);
  cairo_set_line_width (cr, line);

  /* Horizontal grid lines of one axis (two grids would only confuse). */
  for (guint i = 0; i < g->yticks[grid_axis]->len; i++)
    {
      const MmPlotTick *t = &g_array_index (g->yticks[grid_axis], MmPlotTick, i);
      double y = crisp (mm_plot_scale_to_pixel (&g->ys[grid_axis], t->value));

      gdk_cairo_set_source_rgba (cr, t->major ? &major : &minor);
      cairo_move_to (cr, g->left, y);
      cairo_line_to (cr, g->right, y);
      cairo_stroke (cr);
    }
  for (guint i = 0; i < g->xticks->len; i++)
    {
      const MmPlotTick *t = &g_array_index (g->xticks, MmPlotTick, i);
      double x = crisp (mm_plot_scale_to_pixel (&g->xs, t->value / self->x_scale));

      gdk_cairo_set_source_rgba (cr, &minor);
      cairo_move_to (cr, x, g->top);
      cairo_line_to (cr, x, g->bottom);
      cairo_stroke (cr);
    }

  /* Axis lines. */
  gdk_cairo_set_source_rgba (cr, &axis_color);
  cairo_move_to (cr, g->left, crisp (g->bottom));
  cairo_line_to (cr, g->right, crisp (g->bottom));
  if (g->has_axis[MM_PLOT_Y_AXIS_LEFT])
    {
      cairo_move_to (cr, crisp (g->left), g->top);
      cairo_line_to (cr, crisp (g->left), g->bottom);
    }
  if (g->has_axis[MM_PLOT_Y_AXIS_RIGHT])
    {
      cairo_move_to (cr, crisp (g->right), g->top);
      cairo_line_to (cr, crisp (g->right), g->bottom);
    }
  cairo_stroke (cr);

  /* Tick labels. */
  for (guint i = 0; i < g->xticks->len; i++)
    {
      const MmPlotTick *t = &g_array_index (g->xticks, MmPlotTick, i);
      double x = mm_plot_scale_to_pixel (&g->xs, t->value / self->x_scale);

      show_text (self, cr, t->label, TEXT_TICK, x, g->bottom + gap, 0.5, 0, &tick_color);
    }
  for (guint a = 0; a < 2; a++)
    {
      if (!g->has_axis[a])
        continue;
      for (guint i = 0; i < g->yticks[a]->len; i++)
        {
          const MmPlotTick *t = &g_array_index (g->yticks[a], MmPlotTick, i);
          double y = mm_plot_scale_to_pixel (&g->ys[a], t->value);

          if (!t->major)
            continue;
          if (a == MM_PLOT_Y_AXIS_LEFT)
            show_text (self, cr, t->label, TEXT_TICK, g->left - gap, y, 1, 0.5, &tick_color);
          else
            show_text (self, cr, t->label, TEXT_TICK, g->right + gap, y, 0, 0.5, &tick_color);
        }
    }

  /* Axis titles. */
  show_text (self, cr, self->x_label, TEXT_LABEL, (g->left + g->right) / 2,
             g->height - 8 * s, 0.5, 1, &title_color);
  for (guint a = 0; a < 2; a++)
    {
      g_autoptr(PangoLayout) layout = NULL;
      double x = a == MM_PLOT_Y_AXIS_LEFT ? 8 * s : g->width - 8 * s;

      if (!g->has_axis[a])
        continue;
      layout = make_layout (self, self->y_label[a], TEXT_LABEL, FALSE);
      cairo_save (cr);
      cairo_translate (cr, round (x), round ((g->top + g->bottom) / 2));
      cairo_rotate (cr, a == MM_PLOT_Y_AXIS_LEFT ? -G_PI / 2 : G_PI / 2);
      show_layout (cr, layout, 0, 0, 0.5, 0, &title_color);
      cairo_restore (cr);
    }
  cairo_restore (cr);
}

static void
draw_markers (MmPlot        *self,
              cairo_t       *cr,
              const Palette *palette)
{
  Geometry *g = &self->geom;
  double s = self->presentation_scale;
  GdkRGBA line_color = with_alpha (&palette->fg, 0.5);
  GdkRGBA text_color = with_alpha (&palette->fg, 0.85);
  GdkRGBA box_color = with_alpha (&palette->bg, 0.85);
  double dashes[] = { 4 * s, 3 * s };
  double row_end[4] = { -INFINITY, -INFINITY, -INFINITY, -INFINITY };

  cairo_save (cr);
  for (guint i = 0; i < self->markers->len; i++)
    {
      const Marker *m = &g_array_index (self->markers, Marker, i);
      double x = crisp (mm_plot_scale_to_pixel (&g->xs, m->x));
      g_autoptr(PangoLayout) layout = NULL;
      double tx, ty;
      guint row = 0;
      int w, h;

      gdk_cairo_set_source_rgba (cr, &line_color);
      cairo_set_line_width (cr, MAX (1.0, round (s)));
      cairo_set_dash (cr, dashes, 2, 0);
      cairo_move_to (cr, x, g->top);
      cairo_line_to (cr, x, g->bottom);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);

      if (m->label == NULL || m->label[0] == '\0')
        continue;
      layout = make_layout (self, m->label, TEXT_MARKER, FALSE);
      pango_layout_get_pixel_size (layout, &w, &h);
      tx = x + 3 * s;
      if (tx + w > g->right)
        tx = x - 3 * s - w;
      /* Labels of nearby markers stack instead of overprinting. */
      while (row < G_N_ELEMENTS (row_end) - 1 && tx < row_end[row])
        row++;
      row_end[row] = tx + w + 4 * s;
      ty = g->top + 3 * s + row * (h + 2 * s);
      gdk_cairo_set_source_rgba (cr, &box_color);
      rounded_rect (cr, tx - 2 * s, ty, w + 4 * s, h, 3 * s);
      cairo_fill (cr);
      show_layout (cr, layout, tx, ty, 0, 0, &text_color);
    }
  cairo_restore (cr);
}

static void
draw_legend (MmPlot        *self,
             cairo_t       *cr,
             const Palette *palette)
{
  Geometry *g = &self->geom;
  double s = self->presentation_scale;
  double pad = 6 * s, swatch = 22 * s, gap = 6 * s;
  GdkRGBA box = with_alpha (&palette->bg, 0.88);
  GdkRGBA border = with_alpha (&palette->fg, 0.15);
  GdkRGBA text = with_alpha (&palette->fg, 0.9);
  double y;

  if (!g->show_legend)
    return;

  cairo_save (cr);
  rounded_rect (cr, g->legend_x + 0.5, g->legend_y + 0.5, g->legend_w - 1, g->legend_h - 1, 4 * s);
  gdk_cairo_set_source_rgba (cr, &box);
  cairo_fill_preserve (cr);
  gdk_cairo_set_source_rgba (cr, &border);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);

  y = g->legend_y + pad;
  for (guint i = 0; i < self->layers->len; i++)
    {
      MmPlotLayer *layer = get_layer (self, i);
      g_autoptr(PangoLayout) layout = NULL;
      int w, h;

      if (!layer->visible || layer->label[0] == '\0')
        continue;
      layout = make_layout (self, layer->label, TEXT_LEGEND, FALSE);
      pango_layout_get_pixel_size (layout, &w, &h);
      mm_plot_layer_draw_swatch (layer, cr, g->legend_x + pad, y + h / 2.0, swatch, s);
      show_layout (cr, layout, g->legend_x + pad + swatch + gap, y, 0, 0, &text);
      y += h + 2 * s;
    }
  cairo_restore (cr);
}

static gboolean
find_nearest (MmPlot *self,
              double  x_px,
              double  y_px,
              guint  *series,
              gsize  *index)
{
  Geometry *g = &self->geom;
  double best = INFINITY;
  gboolean found = FALSE;

  if (g->empty)
    return FALSE;
  for (guint i = 0; i < self->layers->len; i++)
    {
      MmPlotLayer *layer = get_layer (self, i);
      gsize k;
      double d;

      if (!layer->visible)
        continue;
      if (mm_plot_layer_nearest (layer, &g->xs, &g->ys[layer->axis], x_px, y_px,
                                 HOVER_RADIUS * self->presentation_scale, &k, &d)
          && d < best)
        {
          best = d;
          found = TRUE;
          if (series)
            *series = i;
          if (index)
            *index = k;
        }
    }
  return found;
}

static char *
format_step (double x)
{
  if (x == floor (x) && fabs (x) < 1e15)
    return g_strdup_printf ("%.0f", x);
  return mm_plot_axis_format_value (x, 6);
}

static void
draw_hover (MmPlot        *self,
            cairo_t       *cr,
            const Palette *palette)
{
  Geometry *g = &self->geom;
  double s = self->presentation_scale;
  MmPlotLayer *layer;
  g_autoptr(PangoLayout) layout = NULL;
  g_autofree char *step = NULL;
  g_autofree char *x_line = NULL;
  g_autofree char *value = NULL;
  g_autofree char *y_line = NULL;
  g_autofree char *markup = NULL;
  GdkRGBA color, guide = with_alpha (&palette->fg, 0.25);
  GdkRGBA box = with_alpha (&palette->bg, 0.94);
  GdkRGBA border = with_alpha (&palette->fg, 0.2);
  double x, y, px, py, bx, by, pad = 6 * s;
  guint series;
  gsize index;
  int w, h;

  if (!self->hovering || !find_nearest (self, self->hover_x, self->hover_y, &series, &index))
    return;

  layer = get_layer (self, series);
  x = mm_plot_series_get_x (layer->series, index);
  y = mm_plot_series_get_y (layer->series, index);
  px = mm_plot_scale_to_pixel (&g->xs, x);
  py = mm_plot_scale_to_pixel (&g->ys[layer->axis], y);
  color = layer->color;
  color.alpha = 1;

  cairo_save (cr);
  /* A guide line and a dot on the point. */
  gdk_cairo_set_source_rgba (cr, &guide);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, crisp (px), g->top);
  cairo_line_to (cr, crisp (px), g->bottom);
  cairo_stroke (cr);
  cairo_arc (cr, px, py, 4.5 * s, 0, 2 * G_PI);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_fill_preserve (cr);
  gdk_cairo_set_source_rgba (cr, &palette->bg);
  cairo_set_line_width (cr, 1.5 * s);
  cairo_stroke (cr);

  /* The read-out: series, x (as the axis reads and as a step), y. */
  step = format_step (x);
  if (self->x_scale != 1.0)
    {
      g_autofree char *shown = mm_plot_axis_format_value (x * self->x_scale, 4);

      /* Translators: e.g. "Epoch 2.47 · step 1234" */
      x_line = g_strdup_printf (_("%s %s · step %s"), self->x_label, shown, step);
    }
  else
    x_line = g_strdup_printf ("%s %s", self->x_label, step);
  value = mm_plot_axis_format_value (y, 4);
  if (layer->axis == MM_PLOT_Y_AXIS_RIGHT)
    /* Translators: a percentage, e.g. "93.75 %" */
    y_line = g_strdup_printf (_("%s %%"), value);
  else
    y_line = g_strdup (value);
  markup = g_markup_printf_escaped ("<b>%s</b>\n%s\n%s", layer->label, x_line, y_line);
  layout = make_layout (self, NULL, TEXT_LEGEND, FALSE);
  pango_layout_set_markup (layout, markup, -1);
  pango_layout_get_pixel_size (layout, &w, &h);

  bx = px + 12 * s;
  if (bx + w + 2 * pad + 3 * s > g->width)
    bx = px - 12 * s - w - 2 * pad - 3 * s;
  by = py - 12 * s - h - 2 * pad;
  if (by < 0)
    by = py + 12 * s;
  by = CLAMP (by, 0, MAX (0, g->height - h - 2 * pad));
  bx = MAX (bx, 0);

  rounded_rect (cr, bx + 0.5, by + 0.5, w + 2 * pad + 3 * s, h + 2 * pad, 4 * s);
  gdk_cairo_set_source_rgba (cr, &box);
  cairo_fill_preserve (cr);
  gdk_cairo_set_source_rgba (cr, &border);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  /* A stripe of the series' colour: a pale colour would not read as text. */
  cairo_rectangle (cr, bx + pad / 2, by + pad, 3 * s, h);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_fill (cr);
  show_layout (cr, layout, bx + pad + 3 * s + pad / 2, by + pad, 0, 0, &palette->fg);
  cairo_restore (cr);
}

static void
draw (MmPlot        *self,
      cairo_t       *cr,
      const Palette *palette,
      gboolean       with_hover)
{
  Geometry *g = &self->geom;
  double s = self->presentation_scale;

  if (g->empty)
    {
      GdkRGBA dim = with_alpha (&palette->fg, 0.45);
      g_autoptr(PangoLayout) layout = make_layout (self, self->placeholder_text, TEXT_PLACEHOLDER, FALSE);

      /* A long hint wraps rather than being cut off in a narrow pane. */
      pango_layout_set_width (layout, (int) (MAX (1, g->width - 32 * s) * PANGO_SCALE));
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
      show_layout (cr, layout, 16 * s, g->height / 2.0, 0, 0.5, &dim);
      return;
    }

  draw_grid_and_axes (self, cr, palette);

  cairo_save (cr);
  /* A little slack so that a line along an edge or a marker on the first
   * step is not cut in half; the ranges keep the data inside anyway. */
  cairo_rectangle (cr, g->left - 4 * s, g->top - 4 * s,
                   g->right - g->left + 8 * s, g->bottom - g->top + 8 * s);
  cairo_clip (cr);
  /* Raw batch losses and filled areas go below the curves. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < self->layers->len; i++)
      {
        MmPlotLayer *layer = get_layer (self, i);
        gboolean below = layer->style == MM_PLOT_STYLE_THIN_LINE || layer->style == MM_PLOT_STYLE_AREA;

        if (layer->visible && below == (pass == 0))
          mm_plot_layer_draw (layer, cr, &g->xs, &g->ys[layer->axis], s);
      }
  draw_markers (self, cr, palette);
  cairo_restore (cr);

  draw_legend (self, cr, palette);
  if (with_hover)
    draw_hover (self, cr, palette);
}

static void
widget_palette (MmPlot  *self,
                Palette *palette)
{
  double luminance;

#if GTK_CHECK_VERSION (4, 10, 0)
  gtk_widget_get_color (GTK_WIDGET (self), &palette->fg);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &palette->fg);
#endif
  /* Only the text colour is known; guess the background from it. */
  luminance = 0.2126 * palette->fg.red + 0.7152 * palette->fg.green + 0.0722 * palette->fg.blue;
  if (luminance > 0.5)
    palette->bg = (GdkRGBA) { 0.17f, 0.17f, 0.17f, 1.0f };
  else
    palette->bg = (GdkRGBA) { 1.0f, 1.0f, 1.0f, 1.0f };
}

static const Palette export_palette = {
  .fg = { 0.14f, 0.12f, 0.19f, 1.0f },
  .bg = { 1.0f, 1.0f, 1.0f, 1.0f },
};

/* ---- GtkWidget -------------------------------------------------------- */

static void
mm_plot_snapshot (GtkWidget   *widget,
                  GtkSnapshot *snapshot)
{
  MmPlot *self = MM_PLOT (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  Palette palette;
  cairo_t *cr;

  self->redraw_queued = FALSE;
  if (width <= 0 || height <= 0)
    return;

  ensure_geometry (self, width, height, gtk_widget_get_scale_factor (widget));
  widget_palette (self, &palette);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw (self, cr, &palette, TRUE);
  cairo_destroy (cr);
}

static void
mm_plot_measure (GtkWidget      *widget,
                 GtkOrientation  orientation,
                 int             for_size,
                 int            *minimum,
                 int            *natural,
                 int            *minimum_baseline,
                 int            *natural_baseline)
{
  MmPlot *self = MM_PLOT (widget);
  double s = self->presentation_scale;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = (int) (240 * s);
      *natural = (int) (640 * s);
    }
  else
    {
      *minimum = (int) (160 * s);
      *natural = (int) (320 * s);
    }
}

static void
mm_plot_map (GtkWidget *widget)
{
  MM_PLOT (widget)->redraw_queued = FALSE;
  GTK_WIDGET_CLASS (mm_plot_parent_class)->map (widget);
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           MmPlot                   *self)
{
  mm_plot_set_hover (self, x, y);
}

static void
on_leave (GtkEventControllerMotion *controller,
          MmPlot                   *self)
{
  mm_plot_clear_hover (self);
}

/* ---- GObject ---------------------------------------------------------- */

static void
mm_plot_finalize (GObject *object)
{
  MmPlot *self = MM_PLOT (object);

  g_clear_pointer (&self->layers, g_ptr_array_unref);
  g_clear_pointer (&self->markers, g_array_unref);
  g_free (self->x_label);
  g_free (self->y_label[0]);
  g_free (self->y_label[1]);
  g_free (self->placeholder_text);
  geometry_clear (&self->geom);
  G_OBJECT_CLASS (mm_plot_parent_class)->finalize (object);
}

static void
mm_plot_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  MmPlot *self = MM_PLOT (object);

  switch (prop_id)
    {
    case PROP_LOG_Y:
      g_value_set_boolean (value, self->log_y);
      break;
    case PROP_ROBUST_Y:
      g_value_set_boolean (value, self->robust_y);
      break;
    case PROP_X_SCALE:
      g_value_set_double (value, self->x_scale);
      break;
    case PROP_X_LABEL:
      g_value_set_string (value, self->x_label);
      break;
    case PROP_PLACEHOLDER_TEXT:
      g_value_set_string (value, self->placeholder_text);
      break;
    case PROP_PRESENTATION_SCALE:
      g_value_set_double (value, self->presentation_scale);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mm_plot_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  MmPlot *self = MM_PLOT (object);

  switch (prop_id)
    {
    case PROP_LOG_Y:
      mm_plot_set_log_y (self, g_value_get_boolean (value));
      break;
    case PROP_ROBUST_Y:
      mm_plot_set_robust_y (self, g_value_get_boolean (value));
      break;
    case PROP_X_SCALE:
      mm_plot_set_x_scale (self, g_value_get_double (value), self->x_label);
      break;
    case PROP_X_LABEL:
      mm_plot_set_x_scale (self, self->x_scale, g_value_get_string (value));
      break;
    case PROP_PLACEHOLDER_TEXT:
      mm_plot_set_placeholder_text (self, g_value_get_string (value));
      break;
    case PROP_PRESENTATION_SCALE:
      mm_plot_set_presentation_scale (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mm_plot_class_init (MmPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = mm_plot_finalize;
  object_class->get_property = mm_plot_get_property;
  object_class->set_property = mm_plot_set_property;

  widget_class->snapshot = mm_plot_snapshot;
  widget_class->measure = mm_plot_measure;
  widget_class->map = mm_plot_map;

  properties[PROP_LOG_Y] =
    g_param_spec_boolean ("log-y", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROBUST_Y] =
    g_param_spec_boolean ("robust-y", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_X_SCALE] =
    g_param_spec_double ("x-scale", NULL, NULL, 1e-12, 1e12, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_X_LABEL] =
    g_param_spec_string ("x-label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PLACEHOLDER_TEXT] =
    g_param_spec_string ("placeholder-text", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRESENTATION_SCALE] =
    g_param_spec_double ("presentation-scale", NULL, NULL, 0.25, 8.0, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "plot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
mm_plot_init (MmPlot *self)
{
  GtkEventController *motion;

  self->layers = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_plot_layer_free);
  self->markers = g_array_new (FALSE, FALSE, sizeof (Marker));
  g_array_set_clear_func (self->markers, marker_clear);
  self->x_scale = 1.0;
  self->x_label = g_strdup (default_x_label (1.0));
  self->y_label[MM_PLOT_Y_AXIS_LEFT] = g_strdup (default_y_label (MM_PLOT_Y_AXIS_LEFT));
  self->y_label[MM_PLOT_Y_AXIS_RIGHT] = g_strdup (default_y_label (MM_PLOT_Y_AXIS_RIGHT));
  self->placeholder_text = g_strdup (_("Press Train to start"));
  self->presentation_scale = 1.0;
  self->robust_y = TRUE;

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "enter", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Training plot"),
                                  -1);
}

/* ---- public API -------------------------------------------------------- */

GtkWidget *
mm_plot_new (void)
{
  return g_object_new (MM_TYPE_PLOT, NULL);
}

/**
 * mm_plot_add_series:
 * @label: the legend's name for it
 * @color: (nullable): its colour; %NULL picks the next default colour
 * @style: how to draw it
 * @axis: the y axis it belongs to
 *
 * Returns: the series' index for mm_plot_append(), counting from 0.
 */
guint
mm_plot_add_series (MmPlot        *self,
                    const char    *label,
                    const GdkRGBA *color,
                    MmPlotStyle    style,
                    MmPlotYAxis    axis)
{
  GdkRGBA fallback;

  g_return_val_if_fail (MM_IS_PLOT (self), 0);
  g_return_val_if_fail (style <= MM_PLOT_STYLE_AREA, 0);
  g_return_val_if_fail (axis <= MM_PLOT_Y_AXIS_RIGHT, 0);

  if (color == NULL)
    {
      mm_plot_get_default_color (self->layers->len, &fallback);
      color = &fallback;
    }
  g_ptr_array_add (self->layers, mm_plot_layer_new (label, color, style, axis));
  invalidate (self);
  return self->layers->len - 1;
}

guint
mm_plot_get_n_series (MmPlot *self)
{
  g_return_val_if_fail (MM_IS_PLOT (self), 0);
  return self->layers->len;
}

gsize
mm_plot_get_n_points (MmPlot *self,
                      guint   series)
{
  g_return_val_if_fail (MM_IS_PLOT (self), 0);
  g_return_val_if_fail (series < self->layers->len, 0);
  return mm_plot_series_get_length (get_layer (self, series)->series);
}

/**
 * mm_plot_append:
 * @x: the step; not smaller than the series' last x. A non-finite x is
 *   ignored.
 * @y: the value; NaN, ±inf (and y ≤ 0 on a log axis) are kept but not drawn
 *
 * Adds a point. The plot redraws at most once per frame however many
 * points arrive.
 */
void
mm_plot_append (MmPlot *self,
                guint   series,
                double  x,
                double  y)
{
  g_return_if_fail (MM_IS_PLOT (self));
  g_return_if_fail (series < self->layers->len);

  if (mm_plot_series_append (get_layer (self, series)->series, x, y))
    invalidate (self);
}

void
mm_plot_append_many (MmPlot       *self,
                     guint         series,
                     const double *x,
                     const double *y,
                     gsize         n)
{
  g_return_if_fail (MM_IS_PLOT (self));
  g_return_if_fail (series < self->layers->len);
  g_return_if_fail (n == 0 || (x != NULL && y != NULL));

  if (mm_plot_series_append_many (get_layer (self, series)->series, x, y, n) > 0)
    invalidate (self);
}

/* Forgets every point but keeps the series, their styles and the markers
 * (mm_plot_clear_markers() removes those). */
void
mm_plot_clear (MmPlot *self)
{
  g_return_if_fail (MM_IS_PLOT (self));

  for (guint i = 0; i < self->layers->len; i++)
    mm_plot_series_clear (get_layer (self, i)->series);
  invalidate (self);
}

void
mm_plot_remove_all_series (MmPlot *self)
{
  g_return_if_fail (MM_IS_PLOT (self));

  if (self->layers->len == 0)
    return;
  g_ptr_array_set_size (self->layers, 0);
  invalidate (self);
}

void
mm_plot_set_series_visible (MmPlot   *self,
                            guint     series,
                            gboolean  visible)
{
  MmPlotLayer *layer;

  g_return_if_fail (MM_IS_PLOT (self));
  g_return_if_fail (series < self->layers->len);

  layer = get_layer (self, series);
  visible = !!visible;
  if (layer->visible == visible)
    return;
  layer->visible = visible;
  invalidate (self);
}

gboolean
mm_plot_get_series_visible (MmPlot *self,
                            guint   series)
{
  g_return_val_if_fail (MM_IS_PLOT (self), FALSE);
  g_return_val_if_fail (series < self->layers->len, FALSE);
  return get_layer (self, series)->visible;
}

/* A logarithmic loss axis; values ≤ 0 are then left out. */
void
mm_plot_set_log_y (MmPlot   *self,
                   gboolean  log_y)
{
  g_return_if_fail (MM_IS_PLOT (self));

  log_y = !!log_y;
  if (self->log_y == log_y)
    return;
  self->log_y = log_y;
  invalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_Y]);
}

gboolean
mm_plot_get_log_y (MmPlot *self)
{
  g_return_val_if_fail (MM_IS_PLOT (self), FALSE);
  return self->log_y;
}

/* See the header: whether a few huge leading losses may be cut off. */
void
mm_plot_set_robust_y (MmPlot   *self,
                      gboolean  robust_y)
{
  g_return_if_fail (MM_IS_PLOT (self));

  robust_y = !!robust_y;
  if (self->robust_y == robust_y)
    return;
  self->robust_y = robust_y;
  invalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROBUST_Y]);
}

gboolean
mm_plot_get_robust_y (MmPlot *self)
{
  g_return_val_if_fail (MM_IS_PLOT (self), FALSE);
  return self->robust_y;
}

/**
 * mm_plot_set_x_scale:
 * @factor: how the axis reads a step: 1 shows steps, 1/n_batches epochs
 * @x_label: (nullable): the axis title; %NULL: "Step" for a factor of 1,
 *   "Epoch" otherwise
 *
 * The data stay in steps; only the ticks, the title and the read-out change.
 */
void
mm_plot_set_x_scale (MmPlot     *self,
                     double      factor,
                     const char *x_label)
{
  gboolean changed = FALSE;

  g_return_if_fail (MM_IS_PLOT (self));
  g_return_if_fail (isfinite (factor) && factor > 0);

  if (x_label == NULL)
    x_label = default_x_label (factor);
  g_object_freeze_notify (G_OBJECT (self));
  if (self->x_scale != factor)
    {
      self->x_scale = factor;
      changed = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_X_SCALE]);
    }
  if (set_str (&self->x_label, x_label))
    {
      changed = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_X_LABEL]);
    }
  if (changed)
    invalidate (self);
  g_object_thaw_notify (G_OBJECT (self));
}

double
mm_plot_get_x_scale (MmPlot *self)
{
  g_return_val_if_fail (MM_IS_PLOT (self), 1.0);
  return self->x_scale;
}

const char *
mm_plot_get_x_label (MmPlot *self)
{
  g_return_val_if_fail (MM_IS_PLOT (self), NULL);
  return self->x_label;
}

/* @label: (nullable): %NULL restores "Loss" / "Accuracy (%)". */
void
mm_plot_set_y_label (MmPlot      *self,
                     MmPlotYAxis  axis,
                     const char  *label)
{
  g_return_if_fail (MM_IS_PLOT (self));
  g_return_if_fail (axis <= MM_PLOT_Y_AXIS_RIGHT);

  if (label == NULL)
    label = default_y_label (axis);
  if (set_str (&self->y_label[axis], label))
    invalidate (self);
}

const char *
mm_plot_get_y_label (MmPlot      *self,
                     MmPlotYAxis  axis)
{
  g_return_val_if_fail (MM_IS_PLOT (self), NULL);
  g_return_val_if_fail (axis <= MM_PLOT_Y_AXIS_RIGHT, NULL);
  return self->y_label[axis];
}

/* What an empty plot says; %NULL restores "Press Train to start". */
void
mm_plot_set_placeholder_text (MmPlot     *self,
                              const char *text)
{
  g_return_if_fail (MM_IS_PLOT (self));

  if (text == NULL)
    text = _("Press Train to start");
  if (!set_str (&self->placeholder_text, text))
    return;
  invalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLACEHOLDER_TEXT]);
}

const char *
mm_plot_get_placeholder_text (MmPlot *self)
{
  g_return_val_if_fail (MM_IS_PLOT (self), NULL);
  return self->placeholder_text;
}

/**
 * mm_plot_set_presentation_scale:
 * @scale: 1 normally; 1.5–2 for a classroom projector
 *
 * Multiplies every font size, line width, marker and margin.
 */
void
mm_plot_set_presentation_scale (MmPlot *self,
                                double  scale)
{
  g_return_if_fail (MM_IS_PLOT (self));
  g_return_if_fail (isfinite (scale) && scale > 0);

  scale = CLAMP (scale, 0.25, 8.0);
  if (self->presentation_scale == scale)
    return;
  self->presentation_scale = scale;
  invalidate (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENTATION_SCALE]);
}

double
mm_plot_get_presentation_scale (MmPlot *self)
{
  g_return_val_if_fail (MM_IS_PLOT (self), 1.0);
  return self->presentation_scale;
}

/**
 * mm_plot_add_marker:
 * @x: the step where something changed
 * @label: (nullable): e.g. "lr → 0.01"
 *
 * Adds a labelled vertical line.
 */
void
mm_plot_add_marker (MmPlot     *self,
                    double      x,
                    const char *label)
{
  Marker m;

  g_return_if_fail (MM_IS_PLOT (self));

  if (!isfinite (x))
    return;
  m.x = x;
  m.label = g_strdup (label);
  g_array_append_val (self->markers, m);
  invalidate (self);
}

void
mm_plot_clear_markers (MmPlot *self)
{
  g_return_if_fail (MM_IS_PLOT (self));

  if (self->markers->len == 0)
    return;
  g_array_set_size (self->markers, 0);
  invalidate (self);
}

guint
mm_plot_get_n_markers (MmPlot *self)
{
  g_return_val_if_fail (MM_IS_PLOT (self), 0);
  return self->markers->len;
}

const char *
mm_plot_get_marker (MmPlot *self,
                    guint   index,
                    double *x)
{
  const Marker *m;

  g_return_val_if_fail (MM_IS_PLOT (self), NULL);
  g_return_val_if_fail (index < self->markers->len, NULL);
  m = &g_array_index (self->markers, Marker, index);
  if (x)
    *x = m->x;
  return m->label ? m->label : "";
}

/**
 * mm_plot_find_nearest:
 * @x_px, @y_px: a position in the widget, in pixels
 * @series: (out) (optional): the series of the nearest point
 * @index: (out) (optional): the point's index in it
 *
 * The visible point nearest to (@x_px, @y_px) on screen, if one lies within
 * 32 pixels (times the presentation scale). This is what the hover read-out
 * shows. Works on the widget's current size, or — for a widget that was
 * never shown — on the size of the last export or mm_plot_render().
 */
gboolean
mm_plot_find_nearest (MmPlot *self,
                      double  x_px,
                      double  y_px,
                      guint  *series,
                      gsize  *index)
{
  g_return_val_if_fail (MM_IS_PLOT (self), FALSE);

  if (!ensure_geometry_for_queries (self))
    return FALSE;
  return find_nearest (self, x_px, y_px, series, index);
}

/**
 * mm_plot_value_to_pixel:
 *
 * Where the value (@x steps, @y on @axis) is drawn, with the same size rule
 * as mm_plot_find_nearest(). %FALSE when the plot has no layout yet or the
 * axis cannot show @y (y ≤ 0 on a log axis).
 */
gboolean
mm_plot_value_to_pixel (MmPlot      *self,
                        MmPlotYAxis  axis,
                        double       x,
                        double       y,
                        double      *x_px,
                        double      *y_px)
{
  double px, py;

  g_return_val_if_fail (MM_IS_PLOT (self), FALSE);
  g_return_val_if_fail (axis <= MM_PLOT_Y_AXIS_RIGHT, FALSE);

  if (!ensure_geometry_for_queries (self))
    return FALSE;
  px = mm_plot_scale_to_pixel (&self->geom.xs, x);
  py = mm_plot_scale_to_pixel (&self->geom.ys[axis], y);
  if (x_px)
    *x_px = px;
  if (y_px)
    *y_px = py;
  return isfinite (px) && isfinite (py);
}

/* The pointer is at (@x_px, @y_px): show the read-out of the nearest point. */
void
mm_plot_set_hover (MmPlot *self,
                   double  x_px,
                   double  y_px)
{
  g_return_if_fail (MM_IS_PLOT (self));

  if (self->hovering && self->hover_x == x_px && self->hover_y == y_px)
    return;
  self->hovering = TRUE;
  self->hover_x = x_px;
  self->hover_y = y_px;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mm_plot_clear_hover (MmPlot *self)
{
  g_return_if_fail (MM_IS_PLOT (self));

  if (!self->hovering)
    return;
  self->hovering = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * mm_plot_render:
 *
 * Draws the plot as it is exported, into @cr at @width × @height: a white
 * background, dark text, no hover read-out.
 */
void
mm_plot_render (MmPlot  *self,
                cairo_t *cr,
                int      width,
                int      height)
{
  g_return_if_fail (MM_IS_PLOT (self));
  g_return_if_fail (cr != NULL);
  g_return_if_fail (width > 0 && height > 0);

  ensure_geometry (self, width, height, 1);
  cairo_save (cr);
  gdk_cairo_set_source_rgba (cr, &export_palette.bg);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
  draw (self, cr, &export_palette, FALSE);
  cairo_restore (cr);
}

static gboolean
check_cairo (cairo_status_t   status,
             const char      *path,
             GError         **error)
{
  g_autofree char *name = NULL;

  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  name = g_filename_display_name (path);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               _("Could not save the plot as “%s”: %s"), name, cairo_status_to_string (status));
  return FALSE;
}

gboolean
mm_plot_export_png (MmPlot      *self,
                    const char  *path,
                    int          width,
                    int          height,
                    GError     **error)
{
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;

  g_return_val_if_fail (MM_IS_PLOT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  status = cairo_surface_status (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    {
      cr = cairo_create (surface);
      mm_plot_render (self, cr, width, height);
      cairo_destroy (cr);
      status = cairo_surface_write_to_png (surface, path);
    }
  cairo_surface_destroy (surface);
  return check_cairo (status, path, error);
}

gboolean
mm_plot_export_svg (MmPlot      *self,
                    const char  *path,
                    int          width,
                    int          height,
                    GError     **error)
{
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;

  g_return_val_if_fail (MM_IS_PLOT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  surface = cairo_svg_surface_create (path, width, height);
  status = cairo_surface_status (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    {
      cr = cairo_create (surface);
      mm_plot_render (self, cr, width, height);
      status = cairo_status (cr);
      cairo_destroy (cr);
      cairo_surface_finish (surface);
      if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status (surface);
    }
  cairo_surface_destroy (surface);
  return check_cairo (status, path, error);
}

/**
 * mm_plot_get_default_color:
 *
 * A colour for series @index that reads well on a light background
 * (GNOME's palette, darker shades): blue, orange, green, purple, red, brown.
 */
void
mm_plot_get_default_color (guint    index,
                           GdkRGBA *color)
{
  static const char *const colors[] = {
    "#1c71d8", "#e66100", "#26a269", "#813d9c", "#c01c28", "#865e3c",
  };

  g_return_if_fail (color != NULL);
  gdk_rgba_parse (color, colors[index % G_N_ELEMENTS (colors)]);
}
