/* mm-filter-view.c — the filters of a convolution layer, live. */
#include "config.h"
#include "mm-filter-view.h"
#include "mm-view-draw.h"
#include "mm-view-job.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

typedef struct {
  MmParams *params;
  char *name;
  guint serial;
} FilterInput;

typedef struct {
  guint serial;
  guint layer;          /* the index of the layer in the network */
  guint n;              /* filters shown */
  guint n_total;        /* filters of the layer */
  guint channels, height, width;
  float max_abs;        /* the colour scale: ± this */
  float *values;        /* n × height × width, means over the channels */
  cairo_surface_t **images;
} Filters;

struct _MmFilterView {
  GtkWidget parent_instance;

  MmParams *params;
  char *name;
  double scale;
  guint serial;

  MmViewJob *job;
  Filters *filters;
  char *message;
  guint64 generation;
};

static GParamSpec *properties[MM_VIEW_N_PROPS];

G_DEFINE_FINAL_TYPE (MmFilterView, mm_filter_view, GTK_TYPE_WIDGET)

/* ---- Colours ---------------------------------------------------------------- */

/* t in [−1, 1] → blue (negative), white (zero), red (positive): ColorBrewer's
 * RdBu, which reads in print and under the common colour blindnesses. */
static guint32
diverging_rgb (double t)
{
  static const guint32 stops[] = { 0x2166AC, 0x92C5DE, 0xF7F7F7, 0xF4A582, 0xB2182B };
  double x;
  guint i;
  double f;
  guint32 rgb = 0;

  if (!isfinite (t))
    return 0xFF00FF;    /* NaN stands out: training has diverged */
  t = CLAMP (t, -1.0, 1.0);
  x = (t + 1.0) * 2.0;
  i = MIN ((guint) x, 3);
  f = x - i;
  for (guint shift = 0; shift < 24; shift += 8)
    {
      double a = (stops[i] >> shift) & 0xff, b = (stops[i + 1] >> shift) & 0xff;
      rgb |= (guint32) lround (a + (b - a) * f) << shift;
    }
  return rgb;
}

static void
set_source_diverging (cairo_t *cr,
                      double   t)
{
  guint32 rgb = diverging_rgb (t);

  cairo_set_source_rgb (cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

/* ---- The computation (worker thread) ------------------------------------------ */

/* The layer's index from a parameter name such as "1.weight". */
static guint
layer_index (const char *name)
{
  return (guint) g_ascii_strtoull (name, NULL, 10);
}

static void
filters_free (gpointer data)
{
  Filters *f = data;

  if (f == NULL)
    return;
  for (guint k = 0; f->images && k < f->n; k++)
    if (f->images[k])
      cairo_surface_destroy (f->images[k]);
  g_free (f->images);
  g_free (f->values);
  g_free (f);
}

static void
filter_input_free (gpointer data)
{
  FilterInput *in = data;

  mm_params_unref (in->params);
  g_free (in->name);
  g_free (in);
}

static gpointer
filters_run (gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  FilterInput *in = data;
  MmTensor *w = mm_params_lookup (in->params, in->name);
  Filters *f;
  gsize plane;
  double max_abs = 0.0;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (w == NULL || w->shape.ndim != 4 || w->size == 0)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   _("The weights %s are not those of a convolution."), in->name);
      return NULL;
    }

  f = g_new0 (Filters, 1);
  f->serial = in->serial;
  f->layer = layer_index (in->name);
  f->n_total = (guint) MIN (w->shape.dim[0], G_MAXUINT);
  f->n = MIN (f->n_total, MM_FILTER_VIEW_MAX_FILTERS);
  f->channels = (guint) w->shape.dim[1];
  f->height = (guint) w->shape.dim[2];
  f->width = (guint) w->shape.dim[3];
  plane = (gsize) f->height * f->width;
  f->values = g_new (float, f->n * plane);
  f->images = g_new0 (cairo_surface_t *, f->n);

  /* The mean over the input channels, summed in double. */
  for (guint k = 0; k < f->n; k++)
    for (gsize p = 0; p < plane; p++)
      {
        const float *x = w->data + (gsize) k * f->channels * plane + p;
        double sum = 0.0;
        for (guint c = 0; c < f->channels; c++)
          sum += x[(gsize) c * plane];
        f->values[k * plane + p] = (float) (sum / f->channels);
        if (isfinite (sum))
          max_abs = MAX (max_abs, fabs (sum / f->channels));
      }
  f->max_abs = (float) max_abs;

  for (guint k = 0; k < f->n; k++)
    {
      cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) f->width, (int) f->height);
      guchar *pixels;
      int stride;

      if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
        {
          cairo_surface_destroy (surface);
          filters_free (f);
          g_set_error_literal (error, MM_ERROR, MM_ERROR_TOO_LARGE, _("The filters are too large to show."));
          return NULL;
        }
      cairo_surface_flush (surface);
      pixels = cairo_image_surface_get_data (surface);
      stride = cairo_image_surface_get_stride (surface);
      for (guint r = 0; r < f->height; r++)
        {
          guint32 *row = (guint32 *) (pixels + (gsize) r * stride);
          for (guint c = 0; c < f->width; c++)
            {
              float v = f->values[k * plane + (gsize) r * f->width + c];
              row[c] = diverging_rgb (max_abs > 0 ? v / max_abs : 0.0);
            }
        }
      cairo_surface_mark_dirty (surface);
      f->images[k] = surface;
    }
  return f;
}

/* ---- Main thread side of the job ------------------------------------------------ */

static gpointer
filters_prepare (GObject        *owner,
                 GDestroyNotify *input_free)
{
  MmFilterView *self = MM_FILTER_VIEW (owner);
  FilterInput *in;

  if (self->params == NULL || self->name == NULL)
    return NULL;
  in = g_new0 (FilterInput, 1);
  in->params = mm_params_ref (self->params);
  in->name = g_strdup (self->name);
  in->serial = self->serial;
  *input_free = filter_input_free;
  return in;
}

static void
filters_apply (GObject      *owner,
               gpointer      result,
               const GError *error)
{
  MmFilterView *self = MM_FILTER_VIEW (owner);
  Filters *f = result;

  if (f != NULL && f->serial != self->serial)
    {
      filters_free (f);
      return;
    }
  g_clear_pointer (&self->filters, filters_free);
  g_clear_pointer (&self->message, g_free);
  if (f != NULL)
    self->filters = f;
  else
    self->message = g_strdup (error ? error->message : _("The filters could not be shown."));
  mm_view_count_result (GTK_WIDGET (self), &self->generation, properties[MM_VIEW_PROP_GENERATION]);
}

/* ---- Drawing ---------------------------------------------------------------------- */

static char *
format_value (double v)
{
  return g_strdup_printf ("%.2g", v);
}

static void
draw_view (GtkWidget *widget,
           cairo_t   *cr,
           double     w,
           double     h)
{
  MmFilterView *self = MM_FILTER_VIEW (widget);
  const Filters *f = self->filters;
  double s = self->scale, pad = 8 * s, gap = 6 * s;
  double title_h, bar_h, label_h, top, grid_h, best = 0, cell, img_scale, img_w, img_h;
  guint best_cols = 1, rows;
  g_autofree char *title = NULL;
  g_autoptr(PangoLayout) title_layout = NULL;
  GdkRGBA fg;

  if (f == NULL)
    {
      mm_view_draw_placeholder (widget, cr, w, h, s,
                                self->message ? self->message
                                              : _("The filters of the first convolution appear here."));
      return;
    }

  mm_view_get_fg (widget, &fg);
  if (f->n < f->n_total)
    title = g_strdup_printf (_("Layer %u, Conv2d: the first %u of %u filters of %u×%u"),
                             f->layer, f->n, f->n_total, f->height, f->width);
  else
    title = g_strdup_printf (ngettext ("Layer %u, Conv2d: %u filter of %u×%u",
                                       "Layer %u, Conv2d: %u filters of %u×%u", f->n),
                             f->layer, f->n, f->height, f->width);
  if (f->channels > 1)
    {
      g_autofree char *more = g_strdup_printf (_("%s, mean over %u input channels"), title, f->channels);
      g_free (title);
      title = g_steal_pointer (&more);
    }
  title_layout = mm_view_layout_new (widget, s, 0.9, TRUE, title);
  pango_layout_set_width (title_layout, (int) ((w - 2 * pad) * PANGO_SCALE));
  pango_layout_set_wrap (title_layout, PANGO_WRAP_WORD_CHAR);
  mm_view_layout_size (title_layout, NULL, &title_h);
  gdk_cairo_set_source_rgba (cr, &fg);
  cairo_move_to (cr, pad, pad);
  pango_cairo_show_layout (cr, title_layout);
  top = pad + title_h + gap;

  {
    g_autoptr(PangoLayout) l = mm_view_layout_new (widget, s, 0.75, FALSE, "0");
    mm_view_layout_size (l, NULL, &label_h);
  }
  bar_h = 10 * s + label_h + gap;
  grid_h = h - top - bar_h - pad;

  /* The number of columns that gives the largest cells. */
  for (guint cols = 1; cols <= f->n; cols++)
    {
      guint r = (f->n + cols - 1) / cols;
      double cw = (w - 2 * pad - (cols - 1) * gap) / cols;
      double ch = (grid_h - (r - 1) * gap) / r - label_h;
      double side = MIN (cw / f->width, ch / f->height);
      if (side > best)
        {
          best = side;
          best_cols = cols;
        }
    }
  if (best * MAX (f->width, f->height) < 6)
    {
      mm_view_draw_placeholder (widget, cr, w, h, s, _("Too small to show the filters"));
      return;
    }
  /* Whole multiples of the kernel size keep the squares crisp. */
  img_scale = best >= 2 ? floor (best) : best;
  img_w = f->width * img_scale;
  img_h = f->height * img_scale;
  rows = (f->n + best_cols - 1) / best_cols;
  cell = img_w + gap;
  {
    double used_w = best_cols * img_w + (best_cols - 1) * gap;
    double used_h = rows * (img_h + label_h) + (rows - 1) * gap;
    double x0 = floor ((w - used_w) / 2);
    double y0 = floor (top + MAX (0, (grid_h - used_h) / 2));

    for (guint k = 0; k < f->n; k++)
      {
        guint col = k % best_cols, row = k / best_cols;
        double ix = x0 + col * cell, iy = y0 + row * (img_h + label_h + gap);
        g_autofree char *num = g_strdup_printf ("%u", k);
        g_autoptr(PangoLayout) l = mm_view_layout_new (widget, s, 0.75, FALSE, num);
        double tw;

        cairo_save (cr);
        cairo_rectangle (cr, ix, iy, img_w, img_h);
        cairo_clip (cr);
        cairo_translate (cr, ix, iy);
        cairo_scale (cr, img_scale, img_scale);
        cairo_set_source_surface (cr, f->images[k], 0, 0);
        cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
        cairo_paint (cr);
        cairo_restore (cr);

        /* A frame, so that a filter of near-zero (white) weights still shows. */
        cairo_set_line_width (cr, 1.0);
        cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.35);
        cairo_rectangle (cr, ix - 0.5, iy - 0.5, img_w + 1, img_h + 1);
        cairo_stroke (cr);

        mm_view_layout_size (l, &tw, NULL);
        cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.65);
        cairo_move_to (cr, ix + (img_w - tw) / 2, iy + img_h + 1 * s);
        pango_cairo_show_layout (cr, l);
      }
  }

  /* The colour scale: −max … 0 … +max. */
  {
    double bw = MIN (w - 2 * pad, 240 * s), bx = floor ((w - bw) / 2), by = h - pad - bar_h + gap;
    double bh = 10 * s;
    g_autofree char *lo = format_value (-f->max_abs);
    g_autofree char *hi = format_value (f->max_abs);
    const char *texts[3] = { lo, "0", hi };
    double xs[3] = { bx, bx + bw / 2, bx + bw };

    for (int i = 0; i < (int) bw; i++)
      {
        set_source_diverging (cr, 2.0 * (i + 0.5) / bw - 1.0);
        cairo_rectangle (cr, bx + i, by, 1.0, bh);
        cairo_fill (cr);
      }
    cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.35);
    cairo_rectangle (cr, bx - 0.5, by - 0.5, bw + 1, bh + 1);
    cairo_stroke (cr);
    for (int i = 0; i < 3; i++)
      {
        g_autoptr(PangoLayout) l = mm_view_layout_new (widget, s, 0.75, FALSE, texts[i]);
        double tw;
        mm_view_layout_size (l, &tw, NULL);
        cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.75);
        cairo_move_to (cr, CLAMP (xs[i] - tw / 2, 0, w - tw), by + bh + 1 * s);
        pango_cairo_show_layout (cr, l);
      }
  }
}

static void
mm_filter_view_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  mm_view_snapshot (widget, snapshot, draw_view);
}

static void
mm_filter_view_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  /* A narrow column beside the sample images: a handful of small kernels
   * need little width, and the samples' labels need all they can get. */
  static const int sizes[4] = { 150, 190, 140, 300 };

  mm_view_measure (orientation, MM_FILTER_VIEW (widget)->scale, sizes, minimum, natural);
}

/* ---- Setters ------------------------------------------------------------------------ */

void
mm_filter_view_set_weights (MmFilterView *self,
                            MmParams     *params,
                            const char   *name)
{
  gboolean new_name;

  g_return_if_fail (MM_IS_FILTER_VIEW (self));

  if (self->job == NULL)      /* disposed */
    return;
  if (params == NULL || name == NULL)
    params = NULL, name = NULL;
  new_name = g_strcmp0 (name, self->name) != 0;
  if (params == self->params && !new_name)
    return;

  if (params != NULL)
    mm_params_ref (params);
  g_clear_pointer (&self->params, mm_params_unref);
  self->params = params;
  if (new_name)
    {
      /* Another layer's filters: what is running would show the wrong ones. */
      g_free (self->name);
      self->name = g_strdup (name);
      self->serial++;
    }
  if (!mm_view_job_update (self->job, self->params != NULL, new_name))
    {
      g_clear_pointer (&self->filters, filters_free);
      g_clear_pointer (&self->message, g_free);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

void
mm_filter_view_set_scale (MmFilterView *self,
                          double        scale)
{
  g_return_if_fail (MM_IS_FILTER_VIEW (self));

  mm_view_set_scale (GTK_WIDGET (self), &self->scale, scale, properties[MM_VIEW_PROP_SCALE]);
}

double
mm_filter_view_get_scale (MmFilterView *self)
{
  g_return_val_if_fail (MM_IS_FILTER_VIEW (self), 1.0);
  return self->scale;
}

guint64
mm_filter_view_get_generation (MmFilterView *self)
{
  g_return_val_if_fail (MM_IS_FILTER_VIEW (self), 0);
  return self->generation;
}

gboolean
mm_filter_view_is_computing (MmFilterView *self)
{
  g_return_val_if_fail (MM_IS_FILTER_VIEW (self), FALSE);
  return self->job != NULL && mm_view_job_is_busy (self->job);
}

const float *
mm_filter_view_get_filters (MmFilterView *self,
                            guint        *n,
                            guint        *channels,
                            guint        *height,
                            guint        *width)
{
  const Filters *f;

  g_return_val_if_fail (MM_IS_FILTER_VIEW (self), NULL);
  f = self->filters;
  if (n)
    *n = f ? f->n : 0;
  if (channels)
    *channels = f ? f->channels : 0;
  if (height)
    *height = f ? f->height : 0;
  if (width)
    *width = f ? f->width : 0;
  return f ? f->values : NULL;
}

const char *
mm_filter_view_get_message (MmFilterView *self)
{
  g_return_val_if_fail (MM_IS_FILTER_VIEW (self), NULL);
  return self->message;
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
mm_filter_view_dispose (GObject *object)
{
  MmFilterView *self = MM_FILTER_VIEW (object);

  g_clear_pointer (&self->job, mm_view_job_detach);
  g_clear_pointer (&self->params, mm_params_unref);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->filters, filters_free);
  g_clear_pointer (&self->message, g_free);
  G_OBJECT_CLASS (mm_filter_view_parent_class)->dispose (object);
}

static void
mm_filter_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  MmFilterView *self = MM_FILTER_VIEW (object);

  mm_view_get_property (object, prop_id, value, pspec, self->scale, self->generation);
}

static void
mm_filter_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  if (prop_id == MM_VIEW_PROP_SCALE)
    mm_filter_view_set_scale (MM_FILTER_VIEW (object), g_value_get_double (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
mm_filter_view_class_init (MmFilterViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_filter_view_dispose;
  object_class->get_property = mm_filter_view_get_property;
  object_class->set_property = mm_filter_view_set_property;
  widget_class->snapshot = mm_filter_view_snapshot;
  widget_class->measure = mm_filter_view_measure;

  mm_view_install_properties (object_class, properties);

  gtk_widget_class_set_css_name (widget_class, "filterview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
mm_filter_view_init (MmFilterView *self)
{
  self->scale = 1.0;
  self->job = mm_view_job_new (G_OBJECT (self), filters_prepare, filters_run, filters_apply, filters_free);
  /* Filters change slowly and are cheap: a few pictures a second are plenty. */
  mm_view_job_set_min_interval (self->job, 150);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Filters of the first convolution layer"), -1);
}

GtkWidget *
mm_filter_view_new (void)
{
  return g_object_new (MM_TYPE_FILTER_VIEW, NULL);
}
