/* mm-sample-grid.c — test images with the model's predictions. */
#include "config.h"
#include "mm-sample-grid.h"
#include "mm-confusion.h"
#include "mm-palette.h"
#include "mm-view-draw.h"
#include "mm-view-job.h"
#include "mm-view-model.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#define N_CELLS (MM_SAMPLE_GRID_COLUMNS * MM_SAMPLE_GRID_ROWS)

typedef struct {
  MmViewModel model;
  MmDataset *dataset;
  gsize indices[N_CELLS];
  guint n;
  guint serial;
} PredictInput;

typedef struct {
  guint serial;
  guint n;
  guint32 classes[N_CELLS];
  float confidence[N_CELLS];
} Predictions;

struct _MmSampleGrid {
  GtkWidget parent_instance;

  MmDataset *test;
  MmViewModel model;
  double scale;

  gboolean is_image;
  guint img_h, img_w;
  guint n_shown;
  gsize indices[N_CELLS];
  cairo_surface_t *images[N_CELLS];
  guint serial;

  MmViewJob *job;
  Predictions *predictions;
  char *message;
  guint64 generation;
};

static GParamSpec *properties[MM_VIEW_N_PROPS];

G_DEFINE_FINAL_TYPE (MmSampleGrid, mm_sample_grid, GTK_TYPE_WIDGET)

/* ---- The computation (worker thread) ------------------------------------ */

static void
predict_input_free (gpointer data)
{
  PredictInput *in = data;

  mm_view_model_clear (&in->model);
  mm_dataset_unref (in->dataset);
  g_free (in);
}

static gpointer
predict_run (gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  PredictInput *in = data;
  g_autoptr(MmTensor) x = NULL;
  g_autoptr(MmTensor) y = NULL;
  g_autoptr(MmTensor) scores = NULL;
  g_autofree Predictions *p = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (!mm_dataset_get_batch (in->dataset, in->indices, in->n, &x, &y, error))
    return NULL;
  scores = mm_module_predict (in->model.module, in->model.params, x, error);
  if (scores == NULL)
    return NULL;
  p = g_new0 (Predictions, 1);
  p->serial = in->serial;
  p->n = in->n;
  if (!mm_scores_to_classes (scores, in->n, mm_dataset_get_n_classes (in->dataset),
                             p->classes, p->confidence, error))
    return NULL;
  return g_steal_pointer (&p);
}

/* ---- Main thread side of the job ------------------------------------------ */

static gpointer
predict_prepare (GObject        *owner,
                 GDestroyNotify *input_free)
{
  MmSampleGrid *self = MM_SAMPLE_GRID (owner);
  PredictInput *in;

  if (self->test == NULL || !self->is_image || self->n_shown == 0
      || !mm_view_model_ready (&self->model))
    return NULL;
  in = g_new0 (PredictInput, 1);
  mm_view_model_copy (&in->model, &self->model);
  in->dataset = mm_dataset_ref (self->test);
  memcpy (in->indices, self->indices, sizeof (gsize) * self->n_shown);
  in->n = self->n_shown;
  in->serial = self->serial;
  *input_free = predict_input_free;
  return in;
}

static void
predict_apply (GObject      *owner,
               gpointer      result,
               const GError *error)
{
  MmSampleGrid *self = MM_SAMPLE_GRID (owner);
  Predictions *p = result;

  if (p != NULL && p->serial != self->serial)
    {
      g_free (p);
      return;
    }
  g_clear_pointer (&self->predictions, g_free);
  g_clear_pointer (&self->message, g_free);
  if (p != NULL)
    self->predictions = p;
  else
    self->message = g_strdup (error ? error->message : _("The predictions could not be computed."));
  mm_view_count_result (GTK_WIDGET (self), &self->generation, properties[MM_VIEW_PROP_GENERATION]);
}

/* ---- Choosing and converting the samples ---------------------------------- */

/* Whether samples of @shape are grey-level images, and their size. */
static gboolean
image_size (const MmShape *shape,
            guint         *height,
            guint         *width)
{
  gsize h = 0, w = 0;

  if (shape->ndim == 2)
    {
      h = shape->dim[0];
      w = shape->dim[1];
    }
  else if (shape->ndim == 3 && shape->dim[0] == 1)
    {
      h = shape->dim[1];
      w = shape->dim[2];
    }
  else if (shape->ndim == 3 && shape->dim[2] == 1)
    {
      h = shape->dim[0];
      w = shape->dim[1];
    }
  else if (shape->ndim == 1 && shape->dim[0] >= 16)
    {
      gsize side = (gsize) llround (sqrt ((double) shape->dim[0]));
      if (side * side == shape->dim[0])
        h = w = side;
    }
  if (h < 2 || w < 2 || h > 4096 || w > 4096)
    return FALSE;
  *height = (guint) h;
  *width = (guint) w;
  return TRUE;
}

/* A seeded spread: the samples of each class shuffled, then the classes taken
 * in turn until the cells are full. */
static guint
choose_samples (MmDataset *ds,
                gsize     *chosen)
{
  gsize n = mm_dataset_get_n_samples (ds);
  guint n_classes = mm_dataset_get_n_classes (ds);
  const guint32 *labels = mm_dataset_get_labels (ds);
  g_autofree gsize *counts = mm_dataset_count_classes (ds);
  g_autofree gsize *offsets = g_new0 (gsize, n_classes + 1);
  g_autofree gsize *fill = g_new0 (gsize, n_classes);
  g_autofree gsize *order = g_new (gsize, MAX (n, 1));
  g_autoptr(GRand) rand = g_rand_new_with_seed (MM_SAMPLE_GRID_SEED);
  guint picked = 0;

  for (guint c = 0; c < n_classes; c++)
    offsets[c + 1] = offsets[c] + counts[c];
  for (gsize i = 0; i < n; i++)
    order[offsets[labels[i]] + fill[labels[i]]++] = i;
  for (guint c = 0; c < n_classes; c++)
    for (gsize k = counts[c]; k > 1; k--)
      {
        gsize j = (gsize) g_rand_double_range (rand, 0, (double) k);
        gsize tmp = order[offsets[c] + k - 1];

        j = MIN (j, k - 1);
        order[offsets[c] + k - 1] = order[offsets[c] + j];
        order[offsets[c] + j] = tmp;
      }
  for (gsize round = 0; picked < N_CELLS; round++)
    {
      gboolean any = FALSE;

      for (guint c = 0; c < n_classes && picked < N_CELLS; c++)
        if (round < counts[c])
          {
            chosen[picked++] = order[offsets[c] + round];
            any = TRUE;
          }
      if (!any)
        break;
    }
  return picked;
}

static void
make_images (MmSampleGrid *self)
{
  gsize size = (gsize) self->img_h * self->img_w;
  float lo = INFINITY, hi = -INFINITY;

  for (guint k = 0; k < self->n_shown; k++)
    {
      const float *px = mm_dataset_get_sample (self->test, self->indices[k]);
      for (gsize i = 0; i < size; i++)
        if (isfinite (px[i]))
          {
            lo = MIN (lo, px[i]);
            hi = MAX (hi, px[i]);
          }
    }
  /* Features in [0, 1] are shown as they are; others are stretched. */
  if (!(lo >= 0.0f && hi <= 1.0f))
    {
      if (!isfinite (lo) || !(hi > lo))
        {
          lo = 0.0f;
          hi = 1.0f;
        }
    }
  else
    {
      lo = 0.0f;
      hi = 1.0f;
    }

  for (guint k = 0; k < self->n_shown; k++)
    {
      const float *px = mm_dataset_get_sample (self->test, self->indices[k]);
      cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) self->img_w, (int) self->img_h);
      guchar *data;
      int stride;

      cairo_surface_flush (surface);
      data = cairo_image_surface_get_data (surface);
      stride = cairo_image_surface_get_stride (surface);
      for (guint r = 0; r < self->img_h; r++)
        {
          guint32 *row = (guint32 *) (data + (gsize) r * stride);
          for (guint c = 0; c < self->img_w; c++)
            {
              float v = px[(gsize) r * self->img_w + c];
              guint32 g = isfinite (v) ? (guint32) lroundf (CLAMP ((v - lo) / (hi - lo), 0.0f, 1.0f) * 255) : 0;
              row[c] = (g << 16) | (g << 8) | g;
            }
        }
      cairo_surface_mark_dirty (surface);
      self->images[k] = surface;
    }
}

static void
clear_images (MmSampleGrid *self)
{
  for (guint k = 0; k < N_CELLS; k++)
    g_clear_pointer (&self->images[k], cairo_surface_destroy);
  self->n_shown = 0;
}

/* ---- Drawing ------------------------------------------------------------- */

static char *
class_label (MmDataset *ds,
             guint      index)
{
  const char *name = mm_dataset_get_class_name (ds, index);

  if (name != NULL && name[0] != '\0')
    return g_strdup (name);
  return g_strdup_printf ("%u", index);
}

static void
draw_view (GtkWidget *widget,
           cairo_t   *cr,
           double     w,
           double     h)
{
  MmSampleGrid *self = MM_SAMPLE_GRID (widget);
  double s = self->scale, pad = 8 * s, gap_x = 10 * s, gap_y = 10 * s;
  double line1_h, line2_h, text_h, cell_w, cell_h, box, img_scale, img_w, img_h, top;
  guint cols = MM_SAMPLE_GRID_COLUMNS, rows;
  GdkRGBA fg, right, wrong;

  if (self->test == NULL)
    {
      mm_view_draw_placeholder (widget, cr, w, h, s, _("No test set"));
      return;
    }
  if (!self->is_image || self->n_shown == 0)
    {
      mm_view_draw_placeholder (widget, cr, w, h, s, _("Sample images are shown for image data sets."));
      return;
    }

  mm_view_get_fg (widget, &fg);
  mm_palette_right (&right);
  mm_palette_wrong (&wrong);
  {
    g_autoptr(PangoLayout) l1 = mm_view_layout_new (widget, s, 0.85, TRUE, "Ag");
    g_autoptr(PangoLayout) l2 = mm_view_layout_new (widget, s, 0.8, FALSE, "Ag");
    mm_view_layout_size (l1, NULL, &line1_h);
    mm_view_layout_size (l2, NULL, &line2_h);
  }
  text_h = line1_h + line2_h + 4 * s;
  rows = (self->n_shown + cols - 1) / cols;
  top = pad;
  /* A message goes above the images, not over them. */
  if (self->message != NULL)
    top = MAX (top, mm_view_draw_banner (widget, cr, 0, 0, w, s, self->message));
  cell_w = (w - 2 * pad - (cols - 1) * gap_x) / cols;
  cell_h = (h - top - pad - (MM_SAMPLE_GRID_ROWS - 1) * gap_y) / MM_SAMPLE_GRID_ROWS;
  box = MIN (cell_w, cell_h - text_h);
  if (box < 8)
    {
      mm_view_draw_placeholder (widget, cr, w, h, s, _("Too small to show the images"));
      return;
    }
  /* Whole multiples of the image size keep the pixels crisp. */
  img_scale = box / MAX (self->img_w, self->img_h);
  if (img_scale >= 1.0)
    img_scale = floor (img_scale);
  img_w = self->img_w * img_scale;
  img_h = self->img_h * img_scale;
  cell_h = img_h + text_h;
  {
    /* Centre the grid vertically when there is room to spare. */
    double used = rows * cell_h + (rows - 1) * gap_y;
    double spare = h - top - pad - used;
    if (spare > 0)
      top += spare / 2;
  }

  for (guint k = 0; k < self->n_shown; k++)
    {
      guint col = k % cols, row = k / cols;
      double cx = pad + col * (cell_w + gap_x), cy = top + row * (cell_h + gap_y);
      double ix = floor (cx + (cell_w - img_w) / 2), iy = floor (cy);
      guint32 truth = mm_dataset_get_label (self->test, self->indices[k]);
      g_autofree char *truth_name = class_label (self->test, truth);
      g_autofree char *text1 = NULL;
      g_autofree char *text2 = NULL;
      g_autoptr(PangoLayout) l1 = NULL;
      g_autoptr(PangoLayout) l2 = NULL;
      const GdkRGBA *mark = NULL;

      /* The image, scaled with the nearest pixel. */
      cairo_save (cr);
      cairo_rectangle (cr, ix, iy, img_w, img_h);
      cairo_clip (cr);
      cairo_translate (cr, ix, iy);
      cairo_scale (cr, img_scale, img_scale);
      cairo_set_source_surface (cr, self->images[k], 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      cairo_paint (cr);
      cairo_restore (cr);

      if (self->predictions != NULL && k < self->predictions->n)
        {
          guint32 guess = self->predictions->classes[k];
          g_autofree char *guess_name = class_label (self->test, guess);

          /* ✓ and ✗ say it without colour too. */
          mark = guess == truth ? &right : &wrong;
          text1 = g_strdup_printf ("%s %s", guess == truth ? "✓" : "✗", guess_name);
          text2 = g_strdup_printf (_("true: %s"), truth_name);
        }
      else
        text1 = g_strdup (truth_name);

      /* A frame in the verdict's colour. */
      cairo_set_line_width (cr, (mark ? 2.0 : 1.0) * s);
      if (mark)
        gdk_cairo_set_source_rgba (cr, mark);
      else
        cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.3);
      cairo_rectangle (cr, ix - s, iy - s, img_w + 2 * s, img_h + 2 * s);
      cairo_stroke (cr);

      l1 = mm_view_layout_new (widget, s, 0.85, mark != NULL, text1);
      pango_layout_set_width (l1, (int) (cell_w * PANGO_SCALE));
      pango_layout_set_ellipsize (l1, PANGO_ELLIPSIZE_END);
      pango_layout_set_alignment (l1, PANGO_ALIGN_CENTER);
      gdk_cairo_set_source_rgba (cr, mark ? mark : &fg);
      cairo_move_to (cr, cx, iy + img_h + 3 * s);
      pango_cairo_show_layout (cr, l1);

      if (text2 != NULL)
        {
          l2 = mm_view_layout_new (widget, s, 0.8, FALSE, text2);
          pango_layout_set_width (l2, (int) (cell_w * PANGO_SCALE));
          pango_layout_set_ellipsize (l2, PANGO_ELLIPSIZE_END);
          pango_layout_set_alignment (l2, PANGO_ALIGN_CENTER);
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.65);
          cairo_move_to (cr, cx, iy + img_h + 3 * s + line1_h);
          pango_cairo_show_layout (cr, l2);
        }
    }

}

static void
mm_sample_grid_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  mm_view_snapshot (widget, snapshot, draw_view);
}

static void
mm_sample_grid_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  static const int sizes[4] = { 200, 600, 160, 480 };

  mm_view_measure (orientation, MM_SAMPLE_GRID (widget)->scale, sizes, minimum, natural);
}

/* ---- Setters ------------------------------------------------------------- */

void
mm_sample_grid_set_dataset (MmSampleGrid *self,
                            MmDataset    *test)
{
  g_return_if_fail (MM_IS_SAMPLE_GRID (self));

  if (self->job == NULL)      /* disposed */
    return;

  if (test != NULL)
    mm_dataset_ref (test);
  g_clear_pointer (&self->test, mm_dataset_unref);
  self->test = test;

  self->serial++;
  clear_images (self);
  g_clear_pointer (&self->predictions, g_free);
  g_clear_pointer (&self->message, g_free);
  self->is_image = test != NULL
                   && image_size (mm_dataset_get_sample_shape (test), &self->img_h, &self->img_w);
  if (self->is_image)
    {
      self->n_shown = choose_samples (test, self->indices);
      make_images (self);
    }
  mm_view_job_restart (self->job);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mm_sample_grid_set_model (MmSampleGrid *self,
                          MmModule     *model,
                          MmParams     *params)
{
  gboolean new_model;

  g_return_if_fail (MM_IS_SAMPLE_GRID (self));

  if (self->job == NULL)      /* disposed */
    return;
  if (!mm_view_model_set (&self->model, model, params, &new_model))
    return;
  if (!mm_view_job_update (self->job, mm_view_model_ready (&self->model), new_model))
    {
      g_clear_pointer (&self->predictions, g_free);
      g_clear_pointer (&self->message, g_free);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

void
mm_sample_grid_set_scale (MmSampleGrid *self,
                          double        scale)
{
  g_return_if_fail (MM_IS_SAMPLE_GRID (self));

  mm_view_set_scale (GTK_WIDGET (self), &self->scale, scale, properties[MM_VIEW_PROP_SCALE]);
}

double
mm_sample_grid_get_scale (MmSampleGrid *self)
{
  g_return_val_if_fail (MM_IS_SAMPLE_GRID (self), 1.0);
  return self->scale;
}

guint64
mm_sample_grid_get_generation (MmSampleGrid *self)
{
  g_return_val_if_fail (MM_IS_SAMPLE_GRID (self), 0);
  return self->generation;
}

gboolean
mm_sample_grid_is_computing (MmSampleGrid *self)
{
  g_return_val_if_fail (MM_IS_SAMPLE_GRID (self), FALSE);
  return mm_view_job_is_busy (self->job);
}

const gsize *
mm_sample_grid_get_indices (MmSampleGrid *self,
                            guint        *n)
{
  g_return_val_if_fail (MM_IS_SAMPLE_GRID (self), NULL);

  if (n)
    *n = self->n_shown;
  return self->n_shown > 0 ? self->indices : NULL;
}

const guint32 *
mm_sample_grid_get_predictions (MmSampleGrid *self,
                                guint        *n)
{
  g_return_val_if_fail (MM_IS_SAMPLE_GRID (self), NULL);

  if (n)
    *n = self->predictions ? self->predictions->n : 0;
  return self->predictions ? self->predictions->classes : NULL;
}

const char *
mm_sample_grid_get_message (MmSampleGrid *self)
{
  g_return_val_if_fail (MM_IS_SAMPLE_GRID (self), NULL);
  return self->message;
}

/* ---- GObject ------------------------------------------------------------- */

static void
mm_sample_grid_dispose (GObject *object)
{
  MmSampleGrid *self = MM_SAMPLE_GRID (object);

  g_clear_pointer (&self->job, mm_view_job_detach);
  g_clear_pointer (&self->test, mm_dataset_unref);
  mm_view_model_clear (&self->model);
  g_clear_pointer (&self->predictions, g_free);
  g_clear_pointer (&self->message, g_free);
  clear_images (self);
  G_OBJECT_CLASS (mm_sample_grid_parent_class)->dispose (object);
}

static void
mm_sample_grid_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  MmSampleGrid *self = MM_SAMPLE_GRID (object);

  mm_view_get_property (object, prop_id, value, pspec, self->scale, self->generation);
}

static void
mm_sample_grid_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  if (prop_id == MM_VIEW_PROP_SCALE)
    mm_sample_grid_set_scale (MM_SAMPLE_GRID (object), g_value_get_double (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
mm_sample_grid_class_init (MmSampleGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_sample_grid_dispose;
  object_class->get_property = mm_sample_grid_get_property;
  object_class->set_property = mm_sample_grid_set_property;
  widget_class->snapshot = mm_sample_grid_snapshot;
  widget_class->measure = mm_sample_grid_measure;

  mm_view_install_properties (object_class, properties);

  gtk_widget_class_set_css_name (widget_class, "samplegrid");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
mm_sample_grid_init (MmSampleGrid *self)
{
  self->scale = 1.0;
  self->job = mm_view_job_new (G_OBJECT (self), predict_prepare, predict_run, predict_apply, g_free);
  mm_view_job_set_min_interval (self->job, 100);
}

GtkWidget *
mm_sample_grid_new (void)
{
  return g_object_new (MM_TYPE_SAMPLE_GRID, NULL);
}
