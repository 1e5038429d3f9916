/* mm-landscape-view.c — a loss landscape as a filled contour map, with paths. */
#include "config.h"
#include "mm-landscape-view.h"
#include "mm-view-draw.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#define N_LEVELS 12

typedef struct {
  GArray *points;     /* double pairs (a, b) */
  gboolean has_current;
  double ca, cb;
  GdkRGBA color;
} Lane;

struct _MmLandscapeView {
  GtkWidget parent_instance;

  guint n;
  double window[4];
  float *values;
  double lo, hi;            /* the colour scale's ends */
  gboolean log_scale;
  cairo_surface_t *image;   /* the heat map, one pixel per grid point */

  char *a_label, *b_label;
  char *message, *note;
  guint n_lanes;
  Lane lanes[MM_LANDSCAPE_VIEW_MAX_LANES];
  double scale;
};

G_DEFINE_FINAL_TYPE (MmLandscapeView, mm_landscape_view, GTK_TYPE_WIDGET)

/* ---- Colours ---------------------------------------------------------------------- */

/* Low loss pale, high loss a deep slate: the lanes' saturated colours stand
 * out on every part of it. */
static const double ramp[][3] = {
  { 0.99, 0.98, 0.93 },
  { 0.93, 0.88, 0.74 },
  { 0.80, 0.72, 0.66 },
  { 0.60, 0.52, 0.62 },
  { 0.38, 0.33, 0.50 },
  { 0.20, 0.18, 0.32 },
};

static void
ramp_color (double  t,
            double *rgb)
{
  const int last = G_N_ELEMENTS (ramp) - 1;
  double x = CLAMP (t, 0.0, 1.0) * last;
  int k = MIN ((int) x, last - 1);
  double f = x - k;

  for (int c = 0; c < 3; c++)
    rgb[c] = ramp[k][c] * (1.0 - f) + ramp[k + 1][c] * f;
}

/* Where @v falls on the colour scale, 0 … 1 (beyond: clamped; NaN: 1). */
static double
scale_position (MmLandscapeView *self,
                double           v)
{
  if (!isfinite (v))
    return 1.0;
  if (self->hi <= self->lo)
    return 0.0;
  if (self->log_scale)
    return (log (MAX (v, self->lo)) - log (self->lo)) / (log (self->hi) - log (self->lo));
  return (v - self->lo) / (self->hi - self->lo);
}

static double
scale_value (MmLandscapeView *self,
             double           t)
{
  if (self->log_scale)
    return exp (log (self->lo) + t * (log (self->hi) - log (self->lo)));
  return self->lo + t * (self->hi - self->lo);
}

static int
compare_floats (gconstpointer a,
                gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

/* The scale runs from the lowest loss to the 95th percentile: the far rim
 * of a landscape can be orders of magnitude higher and would leave the
 * interesting basin one flat colour. */
static void
update_scale (MmLandscapeView *self)
{
  g_autofree float *sorted = g_new (float, (gsize) self->n * self->n);
  gsize m = 0;

  for (gsize k = 0; k < (gsize) self->n * self->n; k++)
    if (isfinite (self->values[k]))
      sorted[m++] = self->values[k];
  if (m == 0)
    {
      self->lo = 0.0;
      self->hi = 1.0;
      self->log_scale = FALSE;
      return;
    }
  qsort (sorted, m, sizeof *sorted, compare_floats);
  self->lo = sorted[0];
  self->hi = sorted[MIN (m - 1, (gsize) (0.95 * (double) (m - 1) + 0.5))];
  if (self->hi <= self->lo)
    self->hi = sorted[m - 1];
  self->log_scale = self->lo > 0.0;
}

static void
build_image (MmLandscapeView *self)
{
  guchar *data;
  int stride;

  g_clear_pointer (&self->image, cairo_surface_destroy);
  self->image = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) self->n, (int) self->n);
  cairo_surface_flush (self->image);
  data = cairo_image_surface_get_data (self->image);
  stride = cairo_image_surface_get_stride (self->image);
  for (guint j = 0; j < self->n; j++)
    {
      /* Image row 0 is the top: the largest b. */
      guint32 *row = (guint32 *) (void *) (data + (gsize) (self->n - 1 - j) * stride);
      for (guint i = 0; i < self->n; i++)
        {
          double rgb[3];
          ramp_color (scale_position (self, self->values[(gsize) j * self->n + i]), rgb);
          row[i] = ((guint32) (rgb[0] * 255.0 + 0.5) << 16) | ((guint32) (rgb[1] * 255.0 + 0.5) << 8) |
                   (guint32) (rgb[2] * 255.0 + 0.5);
        }
    }
  cairo_surface_mark_dirty (self->image);
}

/* ---- Drawing ------------------------------------------------------------------------ */

typedef struct {
  double x, y, w, h;     /* the map's rectangle in pixels */
} Frame;

static double
to_px (const Frame *f, const double *win, double a)
{
  return f->x + (a - win[0]) / (win[1] - win[0]) * f->w;
}

static double
to_py (const Frame *f, const double *win, double b)
{
  return f->y + f->h - (b - win[2]) / (win[3] - win[2]) * f->h;
}

/* Contour lines by marching squares: in each cell, the level crosses the
 * edges whose ends lie on either side; the crossings are joined pairwise. */
static void
draw_contours (MmLandscapeView *self,
               cairo_t         *cr,
               const Frame     *f)
{
  const guint n = self->n;
  const double dx = f->w / (n - 1), dy = f->h / (n - 1);

  cairo_set_line_width (cr, 0.8 * self->scale);
  cairo_set_source_rgba (cr, 0.15, 0.12, 0.25, 0.45);
  for (int level = 1; level < N_LEVELS; level++)
    {
      double t = (double) level / N_LEVELS;
      for (guint j = 0; j + 1 < n; j++)
        for (guint i = 0; i + 1 < n; i++)
          {
            /* corners: 0 (i, j), 1 (i+1, j), 2 (i+1, j+1), 3 (i, j+1) */
            double v[4] = {
              scale_position (self, self->values[(gsize) j * n + i]) - t,
              scale_position (self, self->values[(gsize) j * n + i + 1]) - t,
              scale_position (self, self->values[(gsize) (j + 1) * n + i + 1]) - t,
              scale_position (self, self->values[(gsize) (j + 1) * n + i]) - t,
            };
            const double cx[4] = { 0, 1, 1, 0 }, cy[4] = { 0, 0, 1, 1 };
            double px[4], py[4];
            int m = 0;

            for (int e = 0; e < 4 && m < 4; e++)
              {
                int e2 = (e + 1) % 4;
                if ((v[e] < 0) != (v[e2] < 0))
                  {
                    double s = v[e] / (v[e] - v[e2]);
                    px[m] = cx[e] + s * (cx[e2] - cx[e]);
                    py[m] = cy[e] + s * (cy[e2] - cy[e]);
                    m++;
                  }
              }
            for (int k = 0; k + 1 < m; k += 2)
              {
                cairo_move_to (cr, f->x + (i + px[k]) * dx, f->y + f->h - (j + py[k]) * dy);
                cairo_line_to (cr, f->x + (i + px[k + 1]) * dx, f->y + f->h - (j + py[k + 1]) * dy);
              }
          }
      cairo_stroke (cr);
    }
}

static void
draw_text (GtkWidget  *widget,
           cairo_t    *cr,
           double      scale,
           const char *text,
           double      x,
           double      y,
           double      align_x,
           double      align_y)
{
  g_autoptr(PangoLayout) layout = mm_view_layout_new (widget, scale, 0.8, FALSE, text);
  double w, h;

  mm_view_layout_size (layout, &w, &h);
  cairo_move_to (cr, x - align_x * w, y - align_y * h);
  pango_cairo_show_layout (cr, layout);
}

static void
draw_axes (MmLandscapeView *self,
           GtkWidget       *widget,
           cairo_t         *cr,
           const Frame     *f)
{
  const double s = self->scale;
  GdkRGBA fg;

  mm_view_get_fg (widget, &fg);
  gdk_cairo_set_source_rgba (cr, &fg);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, f->x + 0.5, f->y + 0.5, f->w - 1, f->h - 1);
  cairo_stroke (cr);
  for (int axis = 0; axis < 2; axis++)
    {
      double lo = self->window[2 * axis], hi = self->window[2 * axis + 1];
      double step = mm_view_nice_step (hi - lo, 4);

      for (double v = ceil (lo / step) * step; v <= hi + 1e-9 * step; v += step)
        {
          char buf[32];
          g_snprintf (buf, sizeof buf, "%.3g", fabs (v) < 1e-9 * step ? 0.0 : v);
          if (axis == 0)
            {
              double x = to_px (f, self->window, v);
              cairo_move_to (cr, x, f->y + f->h);
              cairo_line_to (cr, x, f->y + f->h + 4 * s);
              cairo_stroke (cr);
              draw_text (widget, cr, s, buf, x, f->y + f->h + 5 * s, 0.5, 0.0);
            }
          else
            {
              double y = to_py (f, self->window, v);
              cairo_move_to (cr, f->x - 4 * s, y);
              cairo_line_to (cr, f->x, y);
              cairo_stroke (cr);
              draw_text (widget, cr, s, buf, f->x - 6 * s, y, 1.0, 0.5);
            }
        }
    }
  if (self->a_label)
    draw_text (widget, cr, s, self->a_label, f->x + f->w / 2, f->y + f->h + 20 * s, 0.5, 0.0);
  if (self->b_label)
    {
      cairo_save (cr);
      cairo_translate (cr, f->x - 44 * s, f->y + f->h / 2);
      cairo_rotate (cr, -G_PI / 2);
      draw_text (widget, cr, s, self->b_label, 0, 0, 0.5, 0.5);
      cairo_restore (cr);
    }
}

static void
draw_legend (MmLandscapeView *self,
             GtkWidget       *widget,
             cairo_t         *cr,
             double           x,
             const Frame     *f)
{
  const double s = self->scale, bar_w = 14 * s;
  cairo_pattern_t *grad = cairo_pattern_create_linear (0, f->y + f->h, 0, f->y);
  GdkRGBA fg;

  for (int k = 0; k <= 20; k++)
    {
      double rgb[3];
      ramp_color (k / 20.0, rgb);
      cairo_pattern_add_color_stop_rgb (grad, k / 20.0, rgb[0], rgb[1], rgb[2]);
    }
  cairo_rectangle (cr, x, f->y, bar_w, f->h);
  cairo_set_source (cr, grad);
  cairo_fill (cr);
  cairo_pattern_destroy (grad);
  mm_view_get_fg (widget, &fg);
  gdk_cairo_set_source_rgba (cr, &fg);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, x + 0.5, f->y + 0.5, bar_w - 1, f->h - 1);
  cairo_stroke (cr);
  for (int k = 0; k <= 4; k++)
    {
      double t = k / 4.0, y = f->y + f->h - t * f->h;
      char buf[32];

      g_snprintf (buf, sizeof buf, k == 4 ? "≥ %.3g" : "%.3g", scale_value (self, t));
      cairo_move_to (cr, x + bar_w, y);
      cairo_line_to (cr, x + bar_w + 3 * s, y);
      cairo_stroke (cr);
      draw_text (widget, cr, s, buf, x + bar_w + 5 * s, y, 0.0, 0.5);
    }
  cairo_save (cr);
  cairo_translate (cr, x + bar_w / 2, f->y - 4 * s);
  draw_text (widget, cr, s, self->log_scale ? _("loss (log scale)") : _("loss"), 0, 0, 0.5, 1.0);
  cairo_restore (cr);
}

static void
draw_paths (MmLandscapeView *self,
            cairo_t         *cr,
            const Frame     *f)
{
  const double s = self->scale;

  cairo_save (cr);
  cairo_rectangle (cr, f->x, f->y, f->w, f->h);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (guint l = 0; l < self->n_lanes; l++)
    {
      Lane *lane = &self->lanes[l];
      const double *p = (const double *) (void *) lane->points->data;

      if (lane->points->len == 0 && !lane->has_current)
        continue;
      for (int pass = 0; pass < 2; pass++)
        {
          for (guint k = 0; k < lane->points->len / 2; k++)
            {
              double x = to_px (f, self->window, p[2 * k]), y = to_py (f, self->window, p[2 * k + 1]);
              if (k == 0)
                cairo_move_to (cr, x, y);
              else
                cairo_line_to (cr, x, y);
            }
          if (lane->has_current && lane->points->len > 0)
            cairo_line_to (cr, to_px (f, self->window, lane->ca), to_py (f, self->window, lane->cb));
          /* A white halo first, then the lane's colour. */
          if (pass == 0)
            {
              cairo_set_source_rgba (cr, 1, 1, 1, 0.8);
              cairo_set_line_width (cr, 4.5 * s);
            }
          else
            {
              gdk_cairo_set_source_rgba (cr, &lane->color);
              cairo_set_line_width (cr, 2.2 * s);
            }
          cairo_stroke (cr);
        }
      if (lane->has_current)
        {
          double x = to_px (f, self->window, lane->ca), y = to_py (f, self->window, lane->cb);
          cairo_arc (cr, x, y, 5.5 * s, 0, 2 * G_PI);
          cairo_set_source_rgb (cr, 1, 1, 1);
          cairo_fill_preserve (cr);
          gdk_cairo_set_source_rgba (cr, &lane->color);
          cairo_set_line_width (cr, 3 * s);
          cairo_stroke (cr);
        }
    }
  /* θ₀: where every lane starts. */
  {
    double x = to_px (f, self->window, 0), y = to_py (f, self->window, 0);
    cairo_arc (cr, x, y, 4 * s, 0, 2 * G_PI);
    cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
    cairo_fill_preserve (cr);
    cairo_set_source_rgb (cr, 1, 1, 1);
    cairo_set_line_width (cr, 1.5 * s);
    cairo_stroke (cr);
  }
  cairo_restore (cr);
}

static void
draw_view (GtkWidget *widget,
           cairo_t   *cr,
           double     width,
           double     height)
{
  MmLandscapeView *self = MM_LANDSCAPE_VIEW (widget);
  const double s = self->scale;
  const double left = 58 * s, bottom = 40 * s, top = 22 * s, legend = 80 * s;
  double side;
  Frame f;

  if (self->message != NULL || self->values == NULL)
    {
      mm_view_draw_placeholder (widget, cr, width, height, s,
                                self->message ? self->message
                                : self->note ? self->note : _("The loss landscape appears when a race starts"));
      return;
    }
  side = MIN (width - left - legend - 8 * s, height - top - bottom);
  if (side < 40)
    return;
  f.x = left + MAX (0.0, (width - left - legend - 8 * s - side) / 2);
  f.y = top;
  f.w = f.h = side;

  /* The heat map: pixel centres on the grid points. */
  {
    cairo_pattern_t *pat = cairo_pattern_create_for_surface (self->image);
    cairo_matrix_t m;
    double cell = side / (self->n - 1);

    /* user (x, y) → image: i + ½ at x = f.x + i·cell */
    cairo_matrix_init_scale (&m, 1.0 / cell, 1.0 / cell);
    cairo_matrix_translate (&m, -f.x + cell / 2, -f.y + cell / 2);
    cairo_pattern_set_matrix (pat, &m);
    cairo_pattern_set_filter (pat, CAIRO_FILTER_BILINEAR);
    cairo_pattern_set_extend (pat, CAIRO_EXTEND_PAD);
    cairo_rectangle (cr, f.x, f.y, f.w, f.h);
    cairo_set_source (cr, pat);
    cairo_fill (cr);
    cairo_pattern_destroy (pat);
  }
  draw_contours (self, cr, &f);
  draw_paths (self, cr, &f);
  draw_axes (self, widget, cr, &f);
  draw_legend (self, widget, cr, f.x + f.w + 10 * s, &f);
  if (self->note != NULL)
    mm_view_draw_banner (widget, cr, f.x, f.y + 4 * s, f.w, s, self->note);
}

static void
mm_landscape_view_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  mm_view_snapshot (widget, snapshot, draw_view);
}

static void
mm_landscape_view_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  static const int sizes[4] = { 240, 480, 200, 420 };
  mm_view_measure (orientation, MM_LANDSCAPE_VIEW (widget)->scale, sizes, minimum, natural);
}

static void
mm_landscape_view_finalize (GObject *object)
{
  MmLandscapeView *self = MM_LANDSCAPE_VIEW (object);

  g_free (self->values);
  g_clear_pointer (&self->image, cairo_surface_destroy);
  g_free (self->a_label);
  g_free (self->b_label);
  g_free (self->message);
  g_free (self->note);
  for (guint l = 0; l < MM_LANDSCAPE_VIEW_MAX_LANES; l++)
    g_array_unref (self->lanes[l].points);
  G_OBJECT_CLASS (mm_landscape_view_parent_class)->finalize (object);
}

static void
mm_landscape_view_class_init (MmLandscapeViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = mm_landscape_view_finalize;
  widget_class->snapshot = mm_landscape_view_snapshot;
  widget_class->measure = mm_landscape_view_measure;
  gtk_widget_class_set_css_name (widget_class, "landscape-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
mm_landscape_view_init (MmLandscapeView *self)
{
  self->scale = 1.0;
  for (guint l = 0; l < MM_LANDSCAPE_VIEW_MAX_LANES; l++)
    {
      self->lanes[l].points = g_array_new (FALSE, FALSE, sizeof (double));
      gdk_rgba_parse (&self->lanes[l].color, "black");
    }
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
}

/* ---- API -------------------------------------------------------------------------- */

GtkWidget *
mm_landscape_view_new (void)
{
  return g_object_new (MM_TYPE_LANDSCAPE_VIEW, NULL);
}

void
mm_landscape_view_set_grid (MmLandscapeView *self,
                            guint            n,
                            const double     window[4],
                            const float     *values)
{
  g_return_if_fail (MM_IS_LANDSCAPE_VIEW (self));
  g_clear_pointer (&self->values, g_free);
  g_clear_pointer (&self->image, cairo_surface_destroy);
  if (values != NULL && n >= 2 && window != NULL)
    {
      self->n = n;
      memcpy (self->window, window, sizeof self->window);
      self->values = g_memdup2 (values, (gsize) n * n * sizeof (float));
      update_scale (self);
      build_image (self);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
mm_landscape_view_has_grid (MmLandscapeView *self)
{
  g_return_val_if_fail (MM_IS_LANDSCAPE_VIEW (self), FALSE);
  return self->values != NULL;
}

void
mm_landscape_view_set_axis_labels (MmLandscapeView *self,
                                   const char      *a_label,
                                   const char      *b_label)
{
  g_return_if_fail (MM_IS_LANDSCAPE_VIEW (self));
  g_free (self->a_label);
  g_free (self->b_label);
  self->a_label = g_strdup (a_label);
  self->b_label = g_strdup (b_label);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mm_landscape_view_set_message (MmLandscapeView *self,
                               const char      *message)
{
  g_return_if_fail (MM_IS_LANDSCAPE_VIEW (self));
  if (g_strcmp0 (self->message, message) == 0)
    return;
  g_free (self->message);
  self->message = g_strdup (message);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mm_landscape_view_set_note (MmLandscapeView *self,
                            const char      *note)
{
  g_return_if_fail (MM_IS_LANDSCAPE_VIEW (self));
  if (g_strcmp0 (self->note, note) == 0)
    return;
  g_free (self->note);
  self->note = g_strdup (note);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mm_landscape_view_set_n_lanes (MmLandscapeView *self,
                               guint            n_lanes)
{
  g_return_if_fail (MM_IS_LANDSCAPE_VIEW (self));
  self->n_lanes = MIN (n_lanes, MM_LANDSCAPE_VIEW_MAX_LANES);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mm_landscape_view_set_lane_color (MmLandscapeView *self,
                                  guint            lane,
                                  const GdkRGBA   *color)
{
  g_return_if_fail (MM_IS_LANDSCAPE_VIEW (self) && lane < MM_LANDSCAPE_VIEW_MAX_LANES);
  self->lanes[lane].color = *color;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mm_landscape_view_clear_paths (MmLandscapeView *self)
{
  g_return_if_fail (MM_IS_LANDSCAPE_VIEW (self));
  for (guint l = 0; l < MM_LANDSCAPE_VIEW_MAX_LANES; l++)
    {
      g_array_set_size (self->lanes[l].points, 0);
      self->lanes[l].has_current = FALSE;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mm_landscape_view_append_point (MmLandscapeView *self,
                                guint            lane,
                                double           a,
                                double           b)
{
  double p[2] = { a, b };

  g_return_if_fail (MM_IS_LANDSCAPE_VIEW (self) && lane < MM_LANDSCAPE_VIEW_MAX_LANES);
  g_array_append_vals (self->lanes[lane].points, p, 2);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mm_landscape_view_set_current (MmLandscapeView *self,
                               guint            lane,
                               double           a,
                               double           b)
{
  g_return_if_fail (MM_IS_LANDSCAPE_VIEW (self) && lane < MM_LANDSCAPE_VIEW_MAX_LANES);
  self->lanes[lane].has_current = TRUE;
  self->lanes[lane].ca = a;
  self->lanes[lane].cb = b;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
mm_landscape_view_get_path_length (MmLandscapeView *self,
                                   guint            lane)
{
  g_return_val_if_fail (MM_IS_LANDSCAPE_VIEW (self) && lane < MM_LANDSCAPE_VIEW_MAX_LANES, 0);
  return self->lanes[lane].points->len / 2;
}

void
mm_landscape_view_set_scale (MmLandscapeView *self,
                             double           scale)
{
  g_return_if_fail (MM_IS_LANDSCAPE_VIEW (self));
  scale = CLAMP (scale, MM_VIEW_SCALE_MIN, MM_VIEW_SCALE_MAX);
  if (scale == self->scale)
    return;
  self->scale = scale;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}
