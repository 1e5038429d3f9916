/* mm-decision-view.c — the decision boundary of a classifier on 2-D data. */
#include "config.h"
#include "mm-decision-view.h"
#include "mm-confusion.h"
#include "mm-palette.h"
#include "mm-view-draw.h"
#include "mm-view-job.h"
#include "mm-view-model.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

/* Grid points per mm_module_predict call: lets a cancellation take effect. */
#define FIELD_CHUNK 2500
/* How far the field's colour goes from white towards the class colour, for a
 * sure prediction (a coin toss gives FIELD_MIN_MIX). */
#define FIELD_MIN_MIX 0.06
#define FIELD_MAX_MIX 0.62
/* Legend rows at most (the rest becomes "…"). */
#define LEGEND_MAX_ROWS 16

typedef struct {
  MmViewModel model;
  guint serial;
  guint n_classes;
  guint width, height;
  double bounds[4];
  MmShape sample_shape;      /* the data's: the model gets (count, sample shape…) */
} FieldInput;

typedef struct {
  guint serial;
  guint width, height, n_classes;
  double bounds[4];
  float *scores;
  cairo_surface_t *surface;
} Field;

struct _MmDecisionView {
  GtkWidget parent_instance;

  MmDataset *train;
  MmDataset *test;
  MmViewModel model;
  double scale;

  gboolean has_bounds;
  double bounds[4];          /* x0, x1, y0, y1 */
  guint serial;              /* changes with the data (and so the box) */

  MmViewJob *job;
  Field *field;
  char *message;
  guint64 generation;

  /* Draw mode (mm_decision_view_set_drawing): the box stays put while points
   * come and go, and the field is drawn even before the first point. */
  guint draw_classes;        /* 0: not drawing */
  double frame[3];           /* the square as last drawn: x, y, side (0: not yet) */
};

static GParamSpec *properties[MM_VIEW_N_PROPS];

G_DEFINE_FINAL_TYPE (MmDecisionView, mm_decision_view, GTK_TYPE_WIDGET)

/* ---- The computation (worker thread) ------------------------------------ */

static void
field_input_free (gpointer data)
{
  FieldInput *in = data;

  mm_view_model_clear (&in->model);
  g_free (in);
}

static void
field_free (gpointer data)
{
  Field *f = data;

  if (f == NULL)
    return;
  g_free (f->scores);
  g_clear_pointer (&f->surface, cairo_surface_destroy);
  g_free (f);
}

/* Two features per sample: (2,), or (1, 2) and the like. */
static gboolean
is_2d (MmDataset *ds)
{
  return ds != NULL && mm_dataset_get_sample_size (ds) == 2;
}

static gpointer
field_run (gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  FieldInput *in = data;
  gsize n_points = (gsize) in->width * in->height;
  g_autofree float *points = g_new (float, n_points * 2);
  g_autofree guint32 *classes = g_new (guint32, n_points);
  g_autofree float *confidence = g_new (float, n_points);
  g_autofree float *scores = g_new (float, n_points * in->n_classes);
  double dx = (in->bounds[1] - in->bounds[0]) / in->width;
  double dy = (in->bounds[3] - in->bounds[2]) / in->height;
  GdkRGBA white = { 1, 1, 1, 1 };
  cairo_surface_t *surface;
  guchar *pixels;
  int stride;
  Field *f;

  for (guint j = 0; j < in->height; j++)
    for (guint i = 0; i < in->width; i++)
      {
        gsize k = (gsize) j * in->width + i;
        points[2 * k] = (float) (in->bounds[0] + (i + 0.5) * dx);
        points[2 * k + 1] = (float) (in->bounds[3] - (j + 0.5) * dy);
      }

  for (gsize start = 0; start < n_points; start += FIELD_CHUNK)
    {
      gsize count = MIN (FIELD_CHUNK, n_points - start);
      MmShape shape = { in->sample_shape.ndim + 1, { count } };
      g_autoptr(MmTensor) x = NULL;
      g_autoptr(MmTensor) y = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      for (guint a = 0; a < in->sample_shape.ndim; a++)
        shape.dim[a + 1] = in->sample_shape.dim[a];
      x = mm_tensor_new_from_data (&shape, points + 2 * start, count * 2, error);
      if (x == NULL)
        return NULL;
      y = mm_module_predict (in->model.module, in->model.params, x, error);
      if (y == NULL)
        return NULL;
      if (!mm_scores_to_classes (y, count, in->n_classes, classes + start, confidence + start, error))
        return NULL;
      memcpy (scores + start * in->n_classes, y->data, sizeof (float) * count * in->n_classes);
    }

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) in->width, (int) in->height);
  cairo_surface_flush (surface);
  pixels = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (guint j = 0; j < in->height; j++)
    {
      guint32 *row = (guint32 *) (pixels + (gsize) j * stride);
      for (guint i = 0; i < in->width; i++)
        {
          gsize k = (gsize) j * in->width + i;
          double chance = 1.0 / in->n_classes;
          double t = in->n_classes > 1 ? (confidence[k] - chance) / (1.0 - chance) : 1.0;
          GdkRGBA color, mixed;

          mm_palette_class_color (classes[k], &color);
          mm_palette_mix (&white, &color, FIELD_MIN_MIX + (FIELD_MAX_MIX - FIELD_MIN_MIX) * CLAMP (t, 0.0, 1.0), &mixed);
          row[i] = ((guint32) lround (mixed.red * 255) << 16)
                 | ((guint32) lround (mixed.green * 255) << 8)
                 | (guint32) lround (mixed.blue * 255);
        }
    }
  cairo_surface_mark_dirty (surface);

  f = g_new0 (Field, 1);
  f->serial = in->serial;
  f->width = in->width;
  f->height = in->height;
  f->n_classes = in->n_classes;
  memcpy (f->bounds, in->bounds, sizeof f->bounds);
  f->scores = g_steal_pointer (&scores);
  f->surface = surface;
  return f;
}

/* ---- Main thread side of the job ------------------------------------------ */


static gpointer
field_prepare (GObject        *owner,
               GDestroyNotify *input_free)
{
  MmDecisionView *self = MM_DECISION_VIEW (owner);
  FieldInput *in;

  if ((self->draw_classes == 0 && (self->train == NULL || !is_2d (self->train))) || !self->has_bounds
      || !mm_view_model_ready (&self->model))
    return NULL;

  in = g_new0 (FieldInput, 1);
  mm_view_model_copy (&in->model, &self->model);
  in->serial = self->serial;
  in->width = MM_DECISION_VIEW_GRID;
  in->height = MM_DECISION_VIEW_GRID;
  if (self->train != NULL && is_2d (self->train))
    {
      in->n_classes = mm_dataset_get_n_classes (self->train);
      in->sample_shape = *mm_dataset_get_sample_shape (self->train);
    }
  else
    {
      gsize two = 2;
      in->n_classes = self->draw_classes;
      mm_shape_init (&in->sample_shape, 1, &two, NULL);
    }
  memcpy (in->bounds, self->bounds, sizeof in->bounds);
  *input_free = field_input_free;
  return in;
}

static void
field_apply (GObject      *owner,
             gpointer      result,
             const GError *error)
{
  MmDecisionView *self = MM_DECISION_VIEW (owner);
  Field *f = result;

  if (f != NULL && f->serial != self->serial)
    {
      field_free (f);
      return;
    }
  if (f != NULL)
    {
      g_clear_pointer (&self->field, field_free);
      self->field = f;
      g_clear_pointer (&self->message, g_free);
    }
  else
    {
      g_clear_pointer (&self->field, field_free);
      g_free (self->message);
      self->message = g_strdup (error ? error->message : _("The decision boundary could not be computed."));
    }
  mm_view_count_result (GTK_WIDGET (self), &self->generation, properties[MM_VIEW_PROP_GENERATION]);
}

/* ---- Drawing ------------------------------------------------------------- */

static char *
class_label (MmDataset *ds,
             guint      index)
{
  const char *name = ds ? mm_dataset_get_class_name (ds, index) : NULL;

  if (name != NULL && name[0] != '\0')
    return g_strdup (name);
  return g_strdup_printf (_("Class %u"), index);
}

static char *
tick_label (double v,
            double step)
{
  if (fabs (v) < step * 1e-6)
    v = 0.0;
  return g_strdup_printf ("%g", v);
}

static void
draw_point (cairo_t       *cr,
            double         x,
            double         y,
            double         r,
            double         s,
            const GdkRGBA *color,
            gboolean       hollow)
{
  cairo_new_path (cr);
  cairo_arc (cr, x, y, r, 0, 2 * G_PI);
  if (!hollow)
    {
      gdk_cairo_set_source_rgba (cr, color);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, 0.12, 0.12, 0.12, 0.9);
      cairo_set_line_width (cr, 1.0 * s);
      cairo_stroke (cr);
      return;
    }
  cairo_set_source_rgba (cr, 1, 1, 1, 0.85);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0.12, 0.12, 0.12, 0.9);
  cairo_set_line_width (cr, 2.6 * s);
  cairo_stroke (cr);
  cairo_arc (cr, x, y, r, 0, 2 * G_PI);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, 1.4 * s);
  cairo_stroke (cr);
}

typedef struct {
  double px, py, side;
  const double *b;
} Frame;

static void
draw_points (cairo_t     *cr,
             const Frame *fr,
             MmDataset   *ds,
             double       r,
             double       s,
             gboolean     hollow)
{
  gsize n = mm_dataset_get_n_samples (ds);
  const float *xy = mm_dataset_get_features (ds);
  const guint32 *labels = mm_dataset_get_labels (ds);
  double sx = fr->side / (fr->b[1] - fr->b[0]);
  double sy = fr->side / (fr->b[3] - fr->b[2]);

  for (gsize i = 0; i < n; i++)
    {
      GdkRGBA color;
      double x = xy[2 * i], y = xy[2 * i + 1];

      if (!isfinite (x) || !isfinite (y))
        continue;
      mm_palette_class_color (labels[i], &color);
      draw_point (cr, fr->px + (x - fr->b[0]) * sx, fr->py + (fr->b[3] - y) * sy, r, s, &color, hollow);
    }
}

/* Width and height of the legend; draws it at (x, y) when @cr is not NULL. */
static void
legend (MmDecisionView *self,
        cairo_t        *cr,
        double          x,
        double          y,
        double         *width,
        double         *height)
{
  GtkWidget *widget = GTK_WIDGET (self);
  double s = self->scale, r = 5 * s, gap = 6 * s, row_gap = 4 * s;
  guint n = self->train != NULL ? mm_dataset_get_n_classes (self->train) : self->draw_classes;
  guint rows = MIN (n, LEGEND_MAX_ROWS);
  double w = 0, h = 0;
  GdkRGBA fg, grey = { 0.6f, 0.6f, 0.6f, 1 };

  mm_view_get_fg (widget, &fg);
  for (guint row = 0; row < rows + (n > rows) + (self->test ? 2 : 0); row++)
    {
      g_autofree char *text = NULL;
      g_autoptr(PangoLayout) layout = NULL;
      gboolean swatch = TRUE, hollow = FALSE;
      GdkRGBA color = grey;
      double tw, th;

      if (row < rows)
        {
          text = class_label (self->train, row);
          mm_palette_class_color (row, &color);
        }
      else if (row == rows && n > rows)
        {
          text = g_strdup_printf (_("… %u classes"), n);
          swatch = FALSE;
        }
      else if (row == rows + (n > rows))
        text = g_strdup (_("training"));
      else
        {
          text = g_strdup (_("test"));
          hollow = TRUE;
        }
      if (row == rows + (n > rows))
        h += gap;       /* a little space between classes and kinds */
      layout = mm_view_layout_new (widget, s, 0.9, FALSE, text);
      mm_view_layout_size (layout, &tw, &th);
      if (cr != NULL)
        {
          if (swatch)
            draw_point (cr, x + r, y + h + th / 2, r * 0.9, s, &color, hollow);
          gdk_cairo_set_source_rgba (cr, &fg);
          cairo_move_to (cr, x + 2 * r + gap, y + h);
          pango_cairo_show_layout (cr, layout);
        }
      w = MAX (w, 2 * r + gap + tw);
      h += th + row_gap;
    }
  *width = w;
  *height = h;
}

static void
draw_view (GtkWidget *widget,
           cairo_t   *cr,
           double     w,
           double     h)
{
  MmDecisionView *self = MM_DECISION_VIEW (widget);
  double s = self->scale, pad = 8 * s, tick = 4 * s, gap = 10 * s;
  double step, label_w = 0, label_h = 0, legend_w = 0, legend_h = 0;
  double left, bottom, right, avail_w, avail_h, side, r;
  gboolean show_legend = TRUE;
  gsize n_points;
  GdkRGBA fg;
  Frame fr;

  if (self->train == NULL && self->draw_classes == 0)
    {
      mm_view_draw_placeholder (widget, cr, w, h, s, _("No data set"));
      return;
    }
  if ((self->train != NULL && !is_2d (self->train)) || !self->has_bounds)
    {
      mm_view_draw_placeholder (widget, cr, w, h, s,
                                _("The decision boundary can be drawn only for data with two features."));
      return;
    }

  mm_view_get_fg (widget, &fg);
  fr.b = self->bounds;
  step = mm_view_nice_step (fr.b[1] - fr.b[0], 5);

  /* Measure the tick labels (the y labels set the left margin). */
  for (double v = ceil (fr.b[2] / step) * step; v <= fr.b[3] + step * 1e-9; v += step)
    {
      g_autofree char *text = tick_label (v, step);
      g_autoptr(PangoLayout) layout = mm_view_layout_new (widget, s, 0.8, FALSE, text);
      double tw, th;

      mm_view_layout_size (layout, &tw, &th);
      label_w = MAX (label_w, tw);
      label_h = MAX (label_h, th);
    }
  legend (self, NULL, 0, 0, &legend_w, &legend_h);

  left = pad + label_w + tick + 2 * s;
  bottom = pad + label_h + tick + 2 * s;
  right = pad + gap + legend_w;
  avail_w = w - left - right;
  avail_h = h - pad - bottom;
  if (MIN (avail_w, avail_h) < 60 * s || avail_h < legend_h * 0.5)
    {
      show_legend = FALSE;
      right = pad;
      avail_w = w - left - right;
    }
  side = floor (MIN (avail_w, avail_h));
  if (side < 16)
    return;
  fr.side = side;
  fr.px = floor (left + (avail_w - side) / 2);
  fr.py = floor (pad + (avail_h - side) / 2);
  self->frame[0] = fr.px;
  self->frame[1] = fr.py;
  self->frame[2] = side;

  /* Background and field. */
  cairo_rectangle (cr, fr.px, fr.py, side, side);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill (cr);
  if (self->field != NULL && self->field->surface != NULL)
    {
      cairo_pattern_t *pattern;

      cairo_save (cr);
      cairo_rectangle (cr, fr.px, fr.py, side, side);
      cairo_clip (cr);
      cairo_translate (cr, fr.px, fr.py);
      cairo_scale (cr, side / self->field->width, side / self->field->height);
      cairo_set_source_surface (cr, self->field->surface, 0, 0);
      pattern = cairo_get_source (cr);
      cairo_pattern_set_filter (pattern, CAIRO_FILTER_BILINEAR);
      cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);
      cairo_paint (cr);
      cairo_restore (cr);
    }

  /* Grid lines, ticks and their labels. */
  cairo_set_line_width (cr, 1);
  for (int axis = 0; axis < 2; axis++)
    {
      double lo = fr.b[axis * 2], hi = fr.b[axis * 2 + 1];

      for (double v = ceil (lo / step) * step; v <= hi + step * 1e-9; v += step)
        {
          g_autofree char *text = tick_label (v, step);
          g_autoptr(PangoLayout) layout = mm_view_layout_new (widget, s, 0.8, FALSE, text);
          double pos, tw, th;

          mm_view_layout_size (layout, &tw, &th);
          if (axis == 0)
            pos = floor (fr.px + (v - lo) / (hi - lo) * side) + 0.5;
          else
            pos = floor (fr.py + (hi - v) / (hi - lo) * side) + 0.5;

          cairo_set_source_rgba (cr, 0, 0, 0, 0.08);
          if (axis == 0)
            {
              cairo_move_to (cr, pos, fr.py);
              cairo_line_to (cr, pos, fr.py + side);
            }
          else
            {
              cairo_move_to (cr, fr.px, pos);
              cairo_line_to (cr, fr.px + side, pos);
            }
          cairo_stroke (cr);

          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.45);
          if (axis == 0)
            {
              cairo_move_to (cr, pos, fr.py + side);
              cairo_line_to (cr, pos, fr.py + side + tick);
            }
          else
            {
              cairo_move_to (cr, fr.px - tick, pos);
              cairo_line_to (cr, fr.px, pos);
            }
          cairo_stroke (cr);

          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.75);
          if (axis == 0)
            cairo_move_to (cr, pos - tw / 2, fr.py + side + tick + 2 * s);
          else
            cairo_move_to (cr, fr.px - tick - 2 * s - tw, pos - th / 2);
          pango_cairo_show_layout (cr, layout);
        }
    }
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.35);
  cairo_rectangle (cr, fr.px + 0.5, fr.py + 0.5, side - 1, side - 1);
  cairo_stroke (cr);

  /* The points, clipped to the plot. */
  n_points = (self->train ? mm_dataset_get_n_samples (self->train) : 0)
             + (self->test ? mm_dataset_get_n_samples (self->test) : 0);
  r = (n_points > 2000 ? 2.5 : n_points > 600 ? 3.2 : 4.0) * s;
  cairo_save (cr);
  cairo_rectangle (cr, fr.px, fr.py, side, side);
  cairo_clip (cr);
  if (self->train != NULL)
    draw_points (cr, &fr, self->train, r, s, FALSE);
  if (self->test != NULL)
    draw_points (cr, &fr, self->test, r, s, TRUE);
  cairo_restore (cr);

  if (show_legend)
    legend (self, cr, fr.px + side + gap, fr.py, &legend_w, &legend_h);

  if (self->message != NULL)
    mm_view_draw_banner (widget, cr, fr.px, fr.py, side, s, self->message);
  else if (self->draw_classes > 0 && self->train == NULL)
    mm_view_draw_banner (widget, cr, fr.px, fr.py, side, s,
                         _("No points yet: pick a class, click to add a point, right-click to remove one."));
  else if (self->draw_classes > 0 && mm_drawn_data_count_used_classes (self->train) < 2)
    mm_view_draw_banner (widget, cr, fr.px, fr.py, side, s,
                         _("Only one class so far: add points of another class to see a boundary."));
  else if (!mm_view_model_ready (&self->model))
    mm_view_draw_banner (widget, cr, fr.px, fr.py, side, s, _("No model yet: the data alone"));
}

static void
mm_decision_view_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  mm_view_snapshot (widget, snapshot, draw_view);
}

static void
mm_decision_view_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  static const int sizes[4] = { 160, 440, 120, 360 };

  mm_view_measure (orientation, MM_DECISION_VIEW (widget)->scale, sizes, minimum, natural);
}

/* ---- Setters ------------------------------------------------------------- */

static void
compute_bounds (MmDecisionView *self)
{
  double lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };
  MmDataset *sets[2] = { self->train, self->test };
  double cx, cy, half;

  self->has_bounds = FALSE;
  for (guint k = 0; k < 2; k++)
    {
      const float *xy;
      gsize n;

      if (sets[k] == NULL)
        continue;
      xy = mm_dataset_get_features (sets[k]);
      n = mm_dataset_get_n_samples (sets[k]);
      for (gsize i = 0; i < 2 * n; i++)
        if (isfinite (xy[i]))
          {
            lo[i % 2] = MIN (lo[i % 2], xy[i]);
            hi[i % 2] = MAX (hi[i % 2], xy[i]);
          }
    }
  if (!isfinite (lo[0]) || !isfinite (lo[1]))
    return;
  /* A square box (equal scales on both axes) with a margin of 10 %. */
  cx = (lo[0] + hi[0]) / 2;
  cy = (lo[1] + hi[1]) / 2;
  half = MAX (hi[0] - lo[0], hi[1] - lo[1]) / 2 * 1.1;
  if (!(half > 1e-6))
    half = 1.0;
  self->bounds[0] = cx - half;
  self->bounds[1] = cx + half;
  self->bounds[2] = cy - half;
  self->bounds[3] = cy + half;
  self->has_bounds = TRUE;
}

void
mm_decision_view_set_dataset (MmDecisionView *self,
                              MmDataset      *train,
                              MmDataset      *test)
{
  g_return_if_fail (MM_IS_DECISION_VIEW (self));

  if (self->job == NULL)      /* disposed */
    return;

  if (train != NULL)
    mm_dataset_ref (train);
  if (test != NULL)
    mm_dataset_ref (test);
  g_clear_pointer (&self->train, mm_dataset_unref);
  g_clear_pointer (&self->test, mm_dataset_unref);
  self->train = train;
  self->test = test;
  /* Test points need the training set's shape and classes to be drawn. */
  if (self->test != NULL
      && (self->train == NULL || !is_2d (self->test)
          || mm_dataset_get_n_classes (self->test) > mm_dataset_get_n_classes (self->train)))
    g_clear_pointer (&self->test, mm_dataset_unref);

  /* Drawing keeps the box, and so the field: only the points changed. */
  if (self->draw_classes > 0 && self->has_bounds)
    {
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }
  self->serial++;
  self->has_bounds = FALSE;
  if (self->train != NULL && is_2d (self->train))
    compute_bounds (self);
  g_clear_pointer (&self->field, field_free);
  g_clear_pointer (&self->message, g_free);
  mm_view_job_restart (self->job);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mm_decision_view_set_drawing (MmDecisionView *self,
                              guint           n_classes)
{
  g_return_if_fail (MM_IS_DECISION_VIEW (self));

  if (self->draw_classes == n_classes || self->job == NULL)
    return;
  self->draw_classes = n_classes;
  if (n_classes > 0 && !self->has_bounds)
    {
      /* Nothing to frame: a square around the origin, as the toy sets. */
      self->bounds[0] = self->bounds[2] = -1.5;
      self->bounds[1] = self->bounds[3] = 1.5;
      self->has_bounds = TRUE;
      self->serial++;
      g_clear_pointer (&self->field, field_free);
      mm_view_job_restart (self->job);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
mm_decision_view_get_drawing (MmDecisionView *self)
{
  g_return_val_if_fail (MM_IS_DECISION_VIEW (self), 0);
  return self->draw_classes;
}

gboolean
mm_decision_view_widget_to_data (MmDecisionView *self,
                                 double          wx,
                                 double          wy,
                                 double         *x,
                                 double         *y)
{
  const double *b = self->bounds, *f = self->frame;

  g_return_val_if_fail (MM_IS_DECISION_VIEW (self), FALSE);
  if (!self->has_bounds || !(f[2] > 0) || wx < f[0] || wy < f[1] || wx > f[0] + f[2] || wy > f[1] + f[2])
    return FALSE;
  *x = b[0] + (wx - f[0]) / f[2] * (b[1] - b[0]);
  *y = b[3] - (wy - f[1]) / f[2] * (b[3] - b[2]);
  return TRUE;
}

gboolean
mm_decision_view_data_to_widget (MmDecisionView *self,
                                 double          x,
                                 double          y,
                                 double         *wx,
                                 double         *wy)
{
  const double *b = self->bounds, *f = self->frame;

  g_return_val_if_fail (MM_IS_DECISION_VIEW (self), FALSE);
  if (!self->has_bounds || !(f[2] > 0))
    return FALSE;
  *wx = f[0] + (x - b[0]) / (b[1] - b[0]) * f[2];
  *wy = f[1] + (b[3] - y) / (b[3] - b[2]) * f[2];
  return TRUE;
}

double
mm_decision_view_pixels_to_data (MmDecisionView *self,
                                 double          pixels)
{
  g_return_val_if_fail (MM_IS_DECISION_VIEW (self), 0.0);
  if (!self->has_bounds || !(self->frame[2] > 0))
    return 0.0;
  return pixels / self->frame[2] * (self->bounds[1] - self->bounds[0]);
}

void
mm_decision_view_set_model (MmDecisionView *self,
                            MmModule       *model,
                            MmParams       *params)
{
  gboolean new_model;

  g_return_if_fail (MM_IS_DECISION_VIEW (self));

  if (self->job == NULL)      /* disposed */
    return;
  if (!mm_view_model_set (&self->model, model, params, &new_model))
    return;
  if (!mm_view_job_update (self->job, mm_view_model_ready (&self->model), new_model))
    {
      g_clear_pointer (&self->field, field_free);
      g_clear_pointer (&self->message, g_free);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

void
mm_decision_view_set_scale (MmDecisionView *self,
                            double          scale)
{
  g_return_if_fail (MM_IS_DECISION_VIEW (self));

  mm_view_set_scale (GTK_WIDGET (self), &self->scale, scale, properties[MM_VIEW_PROP_SCALE]);
}

double
mm_decision_view_get_scale (MmDecisionView *self)
{
  g_return_val_if_fail (MM_IS_DECISION_VIEW (self), 1.0);
  return self->scale;
}

guint64
mm_decision_view_get_generation (MmDecisionView *self)
{
  g_return_val_if_fail (MM_IS_DECISION_VIEW (self), 0);
  return self->generation;
}

gboolean
mm_decision_view_is_computing (MmDecisionView *self)
{
  g_return_val_if_fail (MM_IS_DECISION_VIEW (self), FALSE);
  return mm_view_job_is_busy (self->job);
}

const float *
mm_decision_view_get_field (MmDecisionView *self,
                            guint          *width,
                            guint          *height,
                            guint          *n_classes,
                            double          bounds[4])
{
  g_return_val_if_fail (MM_IS_DECISION_VIEW (self), NULL);

  if (self->field == NULL)
    return NULL;
  if (width)
    *width = self->field->width;
  if (height)
    *height = self->field->height;
  if (n_classes)
    *n_classes = self->field->n_classes;
  if (bounds)
    memcpy (bounds, self->field->bounds, sizeof self->field->bounds);
  return self->field->scores;
}

gboolean
mm_decision_view_get_bounds (MmDecisionView *self,
                             double          bounds[4])
{
  g_return_val_if_fail (MM_IS_DECISION_VIEW (self), FALSE);

  if (self->has_bounds && bounds != NULL)
    memcpy (bounds, self->bounds, sizeof self->bounds);
  return self->has_bounds;
}

const char *
mm_decision_view_get_message (MmDecisionView *self)
{
  g_return_val_if_fail (MM_IS_DECISION_VIEW (self), NULL);
  return self->message;
}

/* ---- GObject ------------------------------------------------------------- */

static void
mm_decision_view_dispose (GObject *object)
{
  MmDecisionView *self = MM_DECISION_VIEW (object);

  g_clear_pointer (&self->job, mm_view_job_detach);
  g_clear_pointer (&self->train, mm_dataset_unref);
  g_clear_pointer (&self->test, mm_dataset_unref);
  mm_view_model_clear (&self->model);
  g_clear_pointer (&self->field, field_free);
  g_clear_pointer (&self->message, g_free);
  G_OBJECT_CLASS (mm_decision_view_parent_class)->dispose (object);
}

static void
mm_decision_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  MmDecisionView *self = MM_DECISION_VIEW (object);

  mm_view_get_property (object, prop_id, value, pspec, self->scale, self->generation);
}

static void
mm_decision_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  if (prop_id == MM_VIEW_PROP_SCALE)
    mm_decision_view_set_scale (MM_DECISION_VIEW (object), g_value_get_double (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
mm_decision_view_class_init (MmDecisionViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_decision_view_dispose;
  object_class->get_property = mm_decision_view_get_property;
  object_class->set_property = mm_decision_view_set_property;
  widget_class->snapshot = mm_decision_view_snapshot;
  widget_class->measure = mm_decision_view_measure;

  mm_view_install_properties (object_class, properties);

  gtk_widget_class_set_css_name (widget_class, "decisionview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
mm_decision_view_init (MmDecisionView *self)
{
  self->scale = 1.0;
  self->job = mm_view_job_new (G_OBJECT (self), field_prepare, field_run, field_apply, field_free);
  /* 25 fields a second at most, and never more than half a core. */
  mm_view_job_set_min_interval (self->job, 40);
}

GtkWidget *
mm_decision_view_new (void)
{
  return g_object_new (MM_TYPE_DECISION_VIEW, NULL);
}
