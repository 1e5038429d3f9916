/* mm-confusion-view.c — a confusion matrix as a heat map. */
#include "config.h"
#include "mm-confusion-view.h"
#include "mm-confusion.h"
#include "mm-palette.h"
#include "mm-view-draw.h"
#include "mm-view-job.h"
#include "mm-view-model.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

typedef struct {
  MmViewModel model;
  MmDataset *dataset;
  guint serial;
} CountInput;

typedef struct {
  guint serial;
  guint n;
  guint64 *counts;
} CountResult;

struct _MmConfusionView {
  GtkWidget parent_instance;

  MmViewModel model;
  MmDataset *test;
  double scale;

  guint n;                 /* classes of the matrix (and of @names) */
  char **names;            /* n labels, never NULL entries */
  guint64 *counts;         /* n × n, or NULL */
  char *message;
  guint serial;

  MmViewJob *job;
  guint64 generation;
};

static GParamSpec *properties[MM_VIEW_N_PROPS];

G_DEFINE_FINAL_TYPE (MmConfusionView, mm_confusion_view, GTK_TYPE_WIDGET)

/* ---- The computation (worker thread) ------------------------------------ */

static void
count_input_free (gpointer data)
{
  CountInput *in = data;

  mm_view_model_clear (&in->model);
  mm_dataset_unref (in->dataset);
  g_free (in);
}

static void
count_result_free (gpointer data)
{
  CountResult *r = data;

  if (r == NULL)
    return;
  g_free (r->counts);
  g_free (r);
}

static gpointer
count_run (gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  CountInput *in = data;
  guint n = mm_dataset_get_n_classes (in->dataset);
  g_autofree guint64 *counts = g_new0 (guint64, (gsize) n * n);
  CountResult *r;

  if (!mm_confusion_count (in->model.module, in->model.params, in->dataset, cancellable, counts, error))
    return NULL;
  r = g_new0 (CountResult, 1);
  r->serial = in->serial;
  r->n = n;
  r->counts = g_steal_pointer (&counts);
  return r;
}

/* ---- Main thread side of the job ------------------------------------------ */

static gpointer
count_prepare (GObject        *owner,
               GDestroyNotify *input_free)
{
  MmConfusionView *self = MM_CONFUSION_VIEW (owner);
  CountInput *in;

  if (!mm_view_model_ready (&self->model) || self->test == NULL
      || mm_dataset_get_n_classes (self->test) > MM_CONFUSION_VIEW_MAX_CLASSES)
    return NULL;
  in = g_new0 (CountInput, 1);
  mm_view_model_copy (&in->model, &self->model);
  in->dataset = mm_dataset_ref (self->test);
  in->serial = self->serial;
  *input_free = count_input_free;
  return in;
}

static void
count_apply (GObject      *owner,
             gpointer      result,
             const GError *error)
{
  MmConfusionView *self = MM_CONFUSION_VIEW (owner);
  CountResult *r = result;

  if (r != NULL && (r->serial != self->serial || r->n != self->n))
    {
      count_result_free (r);
      return;
    }
  g_clear_pointer (&self->counts, g_free);
  g_clear_pointer (&self->message, g_free);
  if (r != NULL)
    {
      self->counts = g_steal_pointer (&r->counts);
      count_result_free (r);
    }
  else
    self->message = g_strdup (error ? error->message : _("The confusion matrix could not be computed."));
  mm_view_count_result (GTK_WIDGET (self), &self->generation, properties[MM_VIEW_PROP_GENERATION]);
}

/* ---- Drawing ------------------------------------------------------------- */

static void
set_source_alpha (cairo_t       *cr,
                  const GdkRGBA *color,
                  double         alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * alpha);
}

/* The count in a cell: the largest of two sizes that fits, or nothing. */
static PangoLayout *
cell_layout (GtkWidget  *widget,
             double      scale,
             const char *text,
             double      cell)
{
  static const double sizes[] = { 0.85, 0.7, 0.58 };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      PangoLayout *layout = mm_view_layout_new (widget, scale, sizes[i], FALSE, text);
      double tw, th;

      mm_view_layout_size (layout, &tw, &th);
      if (tw <= cell - 3 && th <= cell)
        return layout;
      g_object_unref (layout);
    }
  return NULL;
}

static void
draw_view (GtkWidget *widget,
           cairo_t   *cr,
           double     w,
           double     h)
{
  MmConfusionView *self = MM_CONFUSION_VIEW (widget);
  double s = self->scale, pad = 8 * s, gap = 6 * s;
  double label_h = 0, names_w = 0, title_h, caption_h, row_w, col_w, col_h;
  double avail_w, avail_h, cell, mx, my, group_left, group_w;
  const double diag = G_SQRT2 / 2;
  guint n = self->n;
  guint64 total = 0, right = 0;
  gboolean rotated = FALSE, show_labels;
  g_autoptr(PangoLayout) caption = NULL;
  g_autoptr(PangoLayout) true_title = NULL;
  g_autoptr(PangoLayout) pred_title = NULL;
  g_autofree char *caption_text = NULL;
  GdkRGBA fg;

  if (self->counts == NULL || n == 0)
    {
      const char *text = self->message;

      if (text == NULL && self->test != NULL && mm_dataset_get_n_classes (self->test) > MM_CONFUSION_VIEW_MAX_CLASSES)
        text = _("Too many classes to draw a confusion matrix.");
      if (text == NULL)
        text = mm_view_model_ready (&self->model) && self->test ? _("Counting the test set’s predictions…")
                                                         : _("No model or test set yet");
      mm_view_draw_placeholder (widget, cr, w, h, s, text);
      return;
    }

  mm_view_get_fg (widget, &fg);

  for (guint t = 0; t < n; t++)
    for (guint p = 0; p < n; p++)
      {
        total += self->counts[(gsize) t * n + p];
        if (t == p)
          right += self->counts[(gsize) t * n + p];
      }
  if (total > 0)
    caption_text = g_strdup_printf (_("Accuracy %.1f %% (%llu of %llu right)"),
                                    100.0 * right / total,
                                    (unsigned long long) right, (unsigned long long) total);
  else
    caption_text = g_strdup (_("No samples counted"));
  caption = mm_view_layout_new (widget, s, 0.95, TRUE, caption_text);
  mm_view_layout_size (caption, NULL, &caption_h);
  true_title = mm_view_layout_new (widget, s, 0.85, FALSE, _("True class"));
  pred_title = mm_view_layout_new (widget, s, 0.85, FALSE, _("Predicted class"));
  mm_view_layout_size (true_title, NULL, &title_h);

  for (guint c = 0; c < n; c++)
    {
      g_autoptr(PangoLayout) layout = mm_view_layout_new (widget, s, 0.8, FALSE, self->names[c]);
      double tw, th;

      mm_view_layout_size (layout, &tw, &th);
      names_w = MAX (names_w, tw);
      label_h = MAX (label_h, th);
    }
  /* Long names are cut short (with an ellipsis) at about 10 em. */
  row_w = MIN (names_w, MIN (w * 0.28, label_h * 6));
  col_w = MIN (names_w, label_h * 6);

  avail_w = w - 2 * pad - title_h - row_w - 2 * gap;
  avail_h = h - 2 * pad - label_h - gap - title_h - gap - caption_h - gap;
  cell = floor (MIN (avail_w / n, avail_h / n));
  col_h = label_h;
  if (names_w > cell - 2 * s)
    {
      rotated = TRUE;
      col_h = (col_w + label_h) * diag;
      cell = floor (MIN (avail_w / n, (avail_h - col_h + label_h) / n));
    }
  if (cell < 4)
    {
      mm_view_draw_placeholder (widget, cr, w, h, s, _("Too small to show the confusion matrix"));
      return;
    }
  show_labels = cell >= label_h * 0.8;

  group_left = title_h + gap + row_w + gap;
  if (rotated && show_labels)
    group_left = MAX (group_left, col_w * diag - cell / 2);
  group_w = group_left + n * cell;
  mx = floor (MAX (pad, (w - group_w) / 2) + group_left);
  my = pad;

  /* The cells: shade by the share of the row, count in a readable colour. */
  for (guint t = 0; t < n; t++)
    {
      guint64 row_total = 0;

      for (guint p = 0; p < n; p++)
        row_total += self->counts[(gsize) t * n + p];
      for (guint p = 0; p < n; p++)
        {
          guint64 count = self->counts[(gsize) t * n + p];
          double x = mx + p * cell, y = my + t * cell;
          GdkRGBA bg;

          mm_palette_heat (row_total > 0 ? (double) count / row_total : 0.0, &bg);
          gdk_cairo_set_source_rgba (cr, &bg);
          cairo_rectangle (cr, x, y, cell, cell);
          cairo_fill (cr);
          {
            g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, count);
            g_autoptr(PangoLayout) layout = cell_layout (widget, s, text, cell);
            double tw, th;

            if (layout == NULL)
              continue;
            mm_view_layout_size (layout, &tw, &th);
            if (mm_palette_luminance (&bg) < 0.35)
              cairo_set_source_rgb (cr, 1, 1, 1);
            else
              cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
            cairo_move_to (cr, x + (cell - tw) / 2, y + (cell - th) / 2);
            pango_cairo_show_layout (cr, layout);
          }
        }
    }
  /* Thin separators, and a frame. */
  if (cell >= 8)
    {
      cairo_set_source_rgba (cr, 1, 1, 1, 0.7);
      cairo_set_line_width (cr, 1);
      for (guint k = 1; k < n; k++)
        {
          cairo_move_to (cr, mx + k * cell + 0.5, my);
          cairo_line_to (cr, mx + k * cell + 0.5, my + n * cell);
          cairo_move_to (cr, mx, my + k * cell + 0.5);
          cairo_line_to (cr, mx + n * cell, my + k * cell + 0.5);
        }
      cairo_stroke (cr);
    }
  set_source_alpha (cr, &fg, 0.35);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, mx - 0.5, my - 0.5, n * cell + 1, n * cell + 1);
  cairo_stroke (cr);

  /* Class names: rows on the left, columns below (slanted when long). */
  if (show_labels)
    for (guint c = 0; c < n; c++)
      {
        g_autoptr(PangoLayout) row = mm_view_layout_new (widget, s, 0.8, FALSE, self->names[c]);
        g_autoptr(PangoLayout) col = mm_view_layout_new (widget, s, 0.8, FALSE, self->names[c]);
        double tw, th;

        pango_layout_set_width (row, (int) (row_w * PANGO_SCALE));
        pango_layout_set_ellipsize (row, PANGO_ELLIPSIZE_END);
        pango_layout_set_alignment (row, PANGO_ALIGN_RIGHT);
        mm_view_layout_size (row, NULL, &th);
        set_source_alpha (cr, &fg, 0.85);
        cairo_move_to (cr, mx - gap - row_w, my + c * cell + (cell - th) / 2);
        pango_cairo_show_layout (cr, row);

        if (!rotated)
          {
            pango_layout_set_width (col, (int) (cell * PANGO_SCALE));
            pango_layout_set_ellipsize (col, PANGO_ELLIPSIZE_END);
            pango_layout_set_alignment (col, PANGO_ALIGN_CENTER);
            cairo_move_to (cr, mx + c * cell, my + n * cell + gap);
            pango_cairo_show_layout (cr, col);
            continue;
          }
        pango_layout_set_width (col, (int) (col_w * PANGO_SCALE));
        pango_layout_set_ellipsize (col, PANGO_ELLIPSIZE_END);
        pango_layout_set_alignment (col, PANGO_ALIGN_RIGHT);
        mm_view_layout_size (col, &tw, &th);
        cairo_save (cr);
        cairo_translate (cr, mx + (c + 0.5) * cell, my + n * cell + gap * 0.5);
        cairo_rotate (cr, -G_PI / 4);
        cairo_move_to (cr, -col_w - th * diag, 0);
        pango_cairo_show_layout (cr, col);
        cairo_restore (cr);
      }

  /* Axis titles and the caption. */
  {
    double tw, th, y;

    set_source_alpha (cr, &fg, 0.7);
    mm_view_layout_size (pred_title, &tw, &th);
    y = my + n * cell + gap + (show_labels ? col_h : 0);
    cairo_move_to (cr, mx + (n * cell - tw) / 2, y);
    pango_cairo_show_layout (cr, pred_title);

    mm_view_layout_size (true_title, &tw, &th);
    cairo_save (cr);
    cairo_translate (cr, mx - gap - row_w - gap - th, my + (n * cell + tw) / 2);
    cairo_rotate (cr, -G_PI / 2);
    cairo_move_to (cr, 0, 0);
    pango_cairo_show_layout (cr, true_title);
    cairo_restore (cr);

    mm_view_layout_size (caption, &tw, NULL);
    gdk_cairo_set_source_rgba (cr, &fg);
    cairo_move_to (cr, MAX (pad, mx + (n * cell - tw) / 2), y + title_h + gap);
    pango_cairo_show_layout (cr, caption);
  }

  if (self->message != NULL)
    mm_view_draw_banner (widget, cr, 0, 0, w, s, self->message);
}

static void
mm_confusion_view_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  mm_view_snapshot (widget, snapshot, draw_view);
}

static void
mm_confusion_view_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  static const int sizes[4] = { 160, 460, 140, 460 };

  mm_view_measure (orientation, MM_CONFUSION_VIEW (widget)->scale, sizes, minimum, natural);
}

/* ---- Setters ------------------------------------------------------------- */

static void
set_names (MmConfusionView    *self,
           guint               n,
           MmDataset          *ds,
           const char * const *names)
{
  g_clear_pointer (&self->names, g_strfreev);
  self->n = n;
  self->names = g_new0 (char *, n + 1);
  for (guint c = 0; c < n; c++)
    {
      const char *name = names ? names[c] : ds ? mm_dataset_get_class_name (ds, c) : NULL;

      if (name != NULL && name[0] != '\0')
        self->names[c] = g_strdup (name);
      else
        self->names[c] = g_strdup_printf ("%u", c);
    }
}

void
mm_confusion_view_set_model (MmConfusionView *self,
                             MmModule        *model,
                             MmParams        *params,
                             MmDataset       *test)
{
  gboolean new_model, new_test;

  g_return_if_fail (MM_IS_CONFUSION_VIEW (self));

  if (self->job == NULL)      /* disposed */
    return;
  new_test = test != self->test;
  if (!mm_view_model_set (&self->model, model, params, &new_model) && !new_test)
    return;

  if (new_test || test == NULL)
    {
      /* Another test set: another matrix. */
      if (test != NULL)
        mm_dataset_ref (test);
      g_clear_pointer (&self->test, mm_dataset_unref);
      self->test = test;
      g_clear_pointer (&self->counts, g_free);
      g_clear_pointer (&self->message, g_free);
      g_clear_pointer (&self->names, g_strfreev);
      self->n = 0;
      self->serial++;
      if (test != NULL && mm_dataset_get_n_classes (test) <= MM_CONFUSION_VIEW_MAX_CLASSES)
        set_names (self, mm_dataset_get_n_classes (test), test, NULL);
    }

  if (!mm_view_job_update (self->job, mm_view_model_ready (&self->model) && test != NULL,
                           new_model || new_test))
    {
      g_clear_pointer (&self->counts, g_free);
      g_clear_pointer (&self->message, g_free);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mm_confusion_view_set_counts (MmConfusionView    *self,
                              guint               n,
                              const guint64      *counts,
                              const char * const *names)
{
  g_return_if_fail (MM_IS_CONFUSION_VIEW (self));
  g_return_if_fail (n == 0 || counts != NULL);

  if (self->job == NULL)      /* disposed */
    return;

  mm_view_job_cancel (self->job);
  mm_view_model_clear (&self->model);
  g_clear_pointer (&self->test, mm_dataset_unref);
  g_clear_pointer (&self->counts, g_free);
  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->names, g_strfreev);
  self->n = 0;
  self->serial++;
  if (n > MM_CONFUSION_VIEW_MAX_CLASSES)
    self->message = g_strdup (_("Too many classes to draw a confusion matrix."));
  else if (n > 0)
    {
      set_names (self, n, NULL, names);
      self->counts = g_memdup2 (counts, sizeof (guint64) * n * n);
    }
  mm_view_count_result (GTK_WIDGET (self), &self->generation, properties[MM_VIEW_PROP_GENERATION]);
}

void
mm_confusion_view_set_scale (MmConfusionView *self,
                             double           scale)
{
  g_return_if_fail (MM_IS_CONFUSION_VIEW (self));

  mm_view_set_scale (GTK_WIDGET (self), &self->scale, scale, properties[MM_VIEW_PROP_SCALE]);
}

double
mm_confusion_view_get_scale (MmConfusionView *self)
{
  g_return_val_if_fail (MM_IS_CONFUSION_VIEW (self), 1.0);
  return self->scale;
}

guint64
mm_confusion_view_get_generation (MmConfusionView *self)
{
  g_return_val_if_fail (MM_IS_CONFUSION_VIEW (self), 0);
  return self->generation;
}

gboolean
mm_confusion_view_is_computing (MmConfusionView *self)
{
  g_return_val_if_fail (MM_IS_CONFUSION_VIEW (self), FALSE);
  return mm_view_job_is_busy (self->job);
}

const guint64 *
mm_confusion_view_get_counts (MmConfusionView *self,
                              guint           *n)
{
  g_return_val_if_fail (MM_IS_CONFUSION_VIEW (self), NULL);

  if (n)
    *n = self->counts ? self->n : 0;
  return self->counts;
}

const char *
mm_confusion_view_get_message (MmConfusionView *self)
{
  g_return_val_if_fail (MM_IS_CONFUSION_VIEW (self), NULL);
  return self->message;
}

/* ---- GObject ------------------------------------------------------------- */

static void
mm_confusion_view_dispose (GObject *object)
{
  MmConfusionView *self = MM_CONFUSION_VIEW (object);

  g_clear_pointer (&self->job, mm_view_job_detach);
  mm_view_model_clear (&self->model);
  g_clear_pointer (&self->test, mm_dataset_unref);
  g_clear_pointer (&self->counts, g_free);
  g_clear_pointer (&self->names, g_strfreev);
  g_clear_pointer (&self->message, g_free);
  G_OBJECT_CLASS (mm_confusion_view_parent_class)->dispose (object);
}

static void
mm_confusion_view_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  MmConfusionView *self = MM_CONFUSION_VIEW (object);

  mm_view_get_property (object, prop_id, value, pspec, self->scale, self->generation);
}

static void
mm_confusion_view_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  if (prop_id == MM_VIEW_PROP_SCALE)
    mm_confusion_view_set_scale (MM_CONFUSION_VIEW (object), g_value_get_double (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
mm_confusion_view_class_init (MmConfusionViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_confusion_view_dispose;
  object_class->get_property = mm_confusion_view_get_property;
  object_class->set_property = mm_confusion_view_set_property;
  widget_class->snapshot = mm_confusion_view_snapshot;
  widget_class->measure = mm_confusion_view_measure;

  mm_view_install_properties (object_class, properties);

  gtk_widget_class_set_css_name (widget_class, "confusionview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
mm_confusion_view_init (MmConfusionView *self)
{
  self->scale = 1.0;
  self->job = mm_view_job_new (G_OBJECT (self), count_prepare, count_run, count_apply, count_result_free);
  /* A test set of 10 000 images takes ~20 ms: a few matrices a second. */
  mm_view_job_set_min_interval (self->job, 250);
}

GtkWidget *
mm_confusion_view_new (void)
{
  return g_object_new (MM_TYPE_CONFUSION_VIEW, NULL);
}
