/* mm-tensor-view.c — numbers, image, heat map or statistics of one tensor.
 *
 * The choice follows the shape: up to 64 values are written out (the last
 * axis across, the other axes down, each row headed by the index of its first
 * value); a last axis of 784 or last two axes of 28 × 28 are images (one
 * sample at a time); other tensors of two or more axes are heat maps with the
 * last axis across; anything else gets its statistics, which every mode shows
 * too. Signed values use a diverging scale centred on zero, so that the sign
 * of a gradient is seen at a glance.
 */
#include "config.h"
#include "mm-tensor-view.h"

#include <glib/gi18n.h>
#include <math.h>

/* Bigger than this is only summarised. */
#define MAX_PICTURE_VALUES (1u << 22)
#define NUMBERS_PER_ROW 8
#define IMAGE_SIDE 28

struct _MmTensorView {
  GtkWidget parent_instance;

  MmTensor *tensor;
  MmTensorViewMode mode;
  char *placeholder;
  char *numbers_text;

  /* the picture: rows × cols of slice @slice */
  gsize rows, cols, n_slices;
  double lo, hi;
  gboolean diverging;

  GtkWidget *box, *stack, *empty_label, *grid, *area;
  GtkWidget *slice_row, *slice_label, *slice_spin, *slice_total, *stats_label;
  GtkAdjustment *slice_adjustment;
};

G_DEFINE_FINAL_TYPE (MmTensorView, mm_tensor_view, GTK_TYPE_WIDGET)

/* ---- Numbers ------------------------------------------------------------------------- */

char *
mm_tensor_format_number (float value)
{
  double a = fabs (value);

  if (isnan (value))
    return g_strdup ("NaN");
  if (isinf (value))
    return g_strdup (value > 0 ? "∞" : "−∞");
  if (value == 0)
    return g_strdup ("0");
  if (a >= 1e5 || a < 1e-3)
    return g_strdup_printf ("%.3e", value);
  return g_strdup_printf ("%.4g", value);
}

/* Three significant digits: short enough for a box in the graph. */
static char *
format_short (float value)
{
  if (isnan (value) || isinf (value) || value == 0)
    return mm_tensor_format_number (value);
  return g_strdup_printf ("%.3g", value);
}

char *
mm_tensor_format_range (const MmTensor *tensor)
{
  float lo = INFINITY, hi = -INFINITY;
  gsize nan = 0;
  g_autofree char *a = NULL, *b = NULL;

  g_return_val_if_fail (tensor != NULL, NULL);
  if (tensor->size == 0)
    return g_strdup (_("(empty)"));
  if (tensor->size == 1)
    return mm_tensor_format_number (tensor->data[0]);
  for (gsize i = 0; i < tensor->size; i++)
    {
      float v = tensor->data[i];
      if (isnan (v))
        nan++;
      else
        {
          lo = MIN (lo, v);
          hi = MAX (hi, v);
        }
    }
  if (nan == tensor->size)
    return g_strdup ("NaN");
  a = format_short (lo);
  b = format_short (hi);
  if (nan > 0)
    return g_strdup_printf ("[%s … %s] NaN", a, b);
  return g_strdup_printf ("[%s … %s]", a, b);
}

/* "[i, j, k]" for flat index @flat of @shape. */
static char *
index_string (const MmShape *shape,
              gsize          flat)
{
  gsize idx[MM_MAX_DIMS];
  GString *s = g_string_new ("[");

  for (gint d = (gint) shape->ndim - 1; d >= 0; d--)
    {
      idx[d] = shape->dim[d] ? flat % shape->dim[d] : 0;
      flat = shape->dim[d] ? flat / shape->dim[d] : 0;
    }
  for (guint d = 0; d < shape->ndim; d++)
    g_string_append_printf (s, d ? ", %" G_GSIZE_FORMAT : "%" G_GSIZE_FORMAT, idx[d]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static PangoAttrList *
mono_attrs (void)
{
  PangoAttrList *attrs = pango_attr_list_new ();
  pango_attr_list_insert (attrs, pango_attr_family_new ("Monospace"));
  return attrs;
}

static void
clear_grid (MmTensorView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->grid)) != NULL)
    gtk_grid_remove (GTK_GRID (self->grid), child);
}

static void
show_numbers (MmTensorView *self)
{
  const MmTensor *t = self->tensor;
  g_autoptr(PangoAttrList) attrs = mono_attrs ();
  GString *text = g_string_new (NULL);
  gsize per_row;

  clear_grid (self);
  if (t->shape.ndim == 0)
    {
      g_autofree char *v = mm_tensor_format_number (t->data[0]);
      GtkWidget *label = gtk_label_new (v);
      g_autoptr(PangoAttrList) big = mono_attrs ();

      pango_attr_list_insert (big, pango_attr_scale_new (1.4));
      gtk_label_set_attributes (GTK_LABEL (label), big);
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      gtk_widget_set_halign (label, GTK_ALIGN_START);
      gtk_grid_attach (GTK_GRID (self->grid), label, 0, 0, 1, 1);
      g_string_append (text, v);
    }
  else
    {
      per_row = t->shape.dim[t->shape.ndim - 1];
      if (per_row == 0 || per_row > NUMBERS_PER_ROW)
        per_row = NUMBERS_PER_ROW;
      for (gsize start = 0, row = 0; start < t->size; start += per_row, row++)
        {
          g_autofree char *head = index_string (&t->shape, start);
          GtkWidget *label = gtk_label_new (head);

          gtk_label_set_attributes (GTK_LABEL (label), attrs);
          gtk_widget_add_css_class (label, "dim-label");
          gtk_label_set_xalign (GTK_LABEL (label), 0);
          gtk_grid_attach (GTK_GRID (self->grid), label, 0, (int) row, 1, 1);
          for (gsize k = 0; k < per_row && start + k < t->size; k++)
            {
              g_autofree char *v = mm_tensor_format_number (t->data[start + k]);
              GtkWidget *cell = gtk_label_new (v);

              gtk_label_set_attributes (GTK_LABEL (cell), attrs);
              gtk_label_set_xalign (GTK_LABEL (cell), 1);
              gtk_grid_attach (GTK_GRID (self->grid), cell, (int) k + 1, (int) row, 1, 1);
              g_string_append_printf (text, k ? " %s" : "%s", v);
            }
          g_string_append_c (text, '\n');
        }
    }
  g_free (self->numbers_text);
  self->numbers_text = g_string_free (text, FALSE);
}

/* ---- Statistics ---------------------------------------------------------------------- */

static void
show_stats (MmTensorView *self)
{
  const MmTensor *t = self->tensor;
  double sum = 0, sum2 = 0, lo = INFINITY, hi = -INFINITY, mean, var;
  gsize nan = 0, inf = 0, n = 0;
  g_autofree char *shape = mm_shape_to_string (&t->shape);
  g_autofree char *s_lo = NULL, *s_hi = NULL, *s_mean = NULL, *s_std = NULL;
  g_autofree char *text = NULL;

  for (gsize i = 0; i < t->size; i++)
    {
      double v = t->data[i];
      if (isnan (v))
        {
          nan++;
          continue;
        }
      if (isinf (v))
        inf++;
      lo = MIN (lo, v);
      hi = MAX (hi, v);
      sum += v;
      n++;
    }
  mean = n ? sum / n : NAN;
  for (gsize i = 0; i < t->size; i++)
    if (!isnan (t->data[i]))
      sum2 += (t->data[i] - mean) * (t->data[i] - mean);
  var = n ? sum2 / n : NAN;
  s_lo = mm_tensor_format_number (n ? lo : NAN);
  s_hi = mm_tensor_format_number (n ? hi : NAN);
  s_mean = mm_tensor_format_number (mean);
  s_std = mm_tensor_format_number (sqrt (var));
  /* Translators: statistics of a tensor: its shape, number of values, min, max, mean, standard deviation, NaN count */
  text = g_strdup_printf (_("%s, %zu values · min %s · max %s · mean %s · std %s · NaN %zu%s"),
                          shape, t->size, s_lo, s_hi, s_mean, s_std, nan,
                          inf ? _(" · some infinite") : "");
  gtk_label_set_text (GTK_LABEL (self->stats_label), text);
}

/* ---- Picture ------------------------------------------------------------------------- */

/* A perceptual sequential scale (after viridis) and a blue–white–red one. */
static void
sequential (double  t,
            double *r,
            double *g,
            double *b)
{
  static const double stops[][3] = {
    { 0.267, 0.005, 0.329 }, { 0.229, 0.322, 0.546 }, { 0.128, 0.567, 0.551 },
    { 0.369, 0.789, 0.383 }, { 0.993, 0.906, 0.144 },
  };
  double x = CLAMP (t, 0, 1) * 4;
  int i = MIN ((int) x, 3);
  double f = x - i;

  *r = stops[i][0] + (stops[i + 1][0] - stops[i][0]) * f;
  *g = stops[i][1] + (stops[i + 1][1] - stops[i][1]) * f;
  *b = stops[i][2] + (stops[i + 1][2] - stops[i][2]) * f;
}

static void
diverging (double  t,
           double *r,
           double *g,
           double *b)
{
  /* t in [−1, 1]: blue, white, red. */
  t = CLAMP (t, -1, 1);
  if (t < 0)
    {
      *r = 1 + t * (1 - 0.13);
      *g = 1 + t * (1 - 0.40);
      *b = 1 + t * (1 - 0.75);
    }
  else
    {
      *r = 1 - t * (1 - 0.75);
      *g = 1 - t * (1 - 0.11);
      *b = 1 - t * (1 - 0.16);
    }
}

static void
value_color (MmTensorView *self,
             float         v,
             double       *r,
             double       *g,
             double       *b)
{
  if (isnan (v))
    {
      *r = 1;
      *g = 0;
      *b = 1;
    }
  else if (self->diverging)
    diverging (self->hi > 0 ? v / self->hi : 0, r, g, b);
  else if (self->mode == MM_TENSOR_VIEW_IMAGE)
    {
      double t = self->hi > self->lo ? (v - self->lo) / (self->hi - self->lo) : 0.5;
      *r = *g = *b = CLAMP (t, 0, 1);
    }
  else
    sequential (self->hi > self->lo ? (v - self->lo) / (self->hi - self->lo) : 0.5, r, g, b);
}

static const float *
slice_data (MmTensorView *self)
{
  gsize slice = (gsize) gtk_adjustment_get_value (self->slice_adjustment);
  return self->tensor->data + MIN (slice, self->n_slices - 1) * self->rows * self->cols;
}

/* Where the picture goes inside the area, leaving room for the scale. */
static void
picture_rect (MmTensorView *self,
              int           width,
              int           height,
              double       *x,
              double       *y,
              double       *w,
              double       *h)
{
  double avail_w = MAX (1, width - 90), avail_h = MAX (1, height);
  double cw = avail_w / self->cols, ch = avail_h / self->rows;

  /* Square cells for images and small matrices; big ones fill the room. */
  if (self->mode == MM_TENSOR_VIEW_IMAGE || (self->rows <= 64 && self->cols <= 64))
    cw = ch = MIN (cw, ch);
  *w = cw * self->cols;
  *h = ch * self->rows;
  *x = 0;
  *y = (avail_h - *h) / 2;
}

static void
draw_picture (GtkDrawingArea *area,
              cairo_t        *cr,
              int             width,
              int             height,
              gpointer        data)
{
  MmTensorView *self = data;
  cairo_surface_t *surface;
  const float *src;
  guint32 *pixels;
  int stride;
  double x, y, w, h, bar_x;
  GdkRGBA fg;
  PangoLayout *layout;

  if (self->tensor == NULL || (self->mode != MM_TENSOR_VIEW_HEATMAP && self->mode != MM_TENSOR_VIEW_IMAGE))
    return;

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) self->cols, (int) self->rows);
  pixels = (guint32 *) cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface) / 4;
  src = slice_data (self);
  for (gsize r = 0; r < self->rows; r++)
    for (gsize c = 0; c < self->cols; c++)
      {
        double cr_, cg, cb;
        value_color (self, src[r * self->cols + c], &cr_, &cg, &cb);
        pixels[r * stride + c] = ((guint32) (cr_ * 255 + 0.5) << 16) |
                                 ((guint32) (cg * 255 + 0.5) << 8) | (guint32) (cb * 255 + 0.5);
      }
  cairo_surface_mark_dirty (surface);

  picture_rect (self, width, height, &x, &y, &w, &h);
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, w / self->cols, h / self->rows);
  cairo_set_source_surface (cr, surface, 0, 0);
  /* Sharp cells when enlarged; averaged when there are more cells than
   * pixels (nearest would alias into stripes). */
  cairo_pattern_set_filter (cairo_get_source (cr),
                            w >= self->cols && h >= self->rows ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_rectangle (cr, 0, 0, self->cols, self->rows);
  cairo_clip (cr);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (surface);

  /* The colour scale with its ends (and zero in the middle of a diverging one). */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  bar_x = x + w + 10;
  for (int i = 0; i < (int) h; i++)
    {
      double t = 1 - i / MAX (1.0, h - 1), r, g, b;
      if (self->diverging)
        diverging (2 * t - 1, &r, &g, &b);
      else if (self->mode == MM_TENSOR_VIEW_IMAGE)
        r = g = b = t;
      else
        sequential (t, &r, &g, &b);
      cairo_set_source_rgb (cr, r, g, b);
      cairo_rectangle (cr, bar_x, y + i, 14, 1);
      cairo_fill (cr);
    }
  gdk_cairo_set_source_rgba (cr, &fg);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, bar_x + 0.5, y + 0.5, 14, h - 1);
  cairo_stroke (cr);

  layout = gtk_widget_create_pango_layout (GTK_WIDGET (area), NULL);
  for (int k = 0; k < 3; k++)
    {
      double v = k == 0 ? self->hi : k == 2 ? self->lo : (self->diverging ? 0 : NAN);
      double ty = y + (k == 0 ? 0 : k == 2 ? h : h / 2);
      g_autofree char *s = NULL;
      int tw, th;

      if (isnan (v))
        continue;
      s = mm_tensor_format_number ((float) v);
      pango_layout_set_text (layout, s, -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_move_to (cr, bar_x + 20, CLAMP (ty - th / 2.0, 0, height - th));
      pango_cairo_show_layout (cr, layout);
    }
  g_object_unref (layout);
}

static gboolean
query_tooltip (GtkWidget    *widget,
               int           px,
               int           py,
               gboolean      keyboard,
               GtkTooltip   *tooltip,
               MmTensorView *self)
{
  double x, y, w, h;
  gsize r, c, slice;
  g_autofree char *v = NULL, *idx = NULL;

  if (self->tensor == NULL || (self->mode != MM_TENSOR_VIEW_HEATMAP && self->mode != MM_TENSOR_VIEW_IMAGE))
    return FALSE;
  picture_rect (self, gtk_widget_get_width (widget), gtk_widget_get_height (widget), &x, &y, &w, &h);
  if (px < x || py < y || px >= x + w || py >= y + h)
    return FALSE;
  r = (gsize) ((py - y) / h * self->rows);
  c = (gsize) ((px - x) / w * self->cols);
  r = MIN (r, self->rows - 1);
  c = MIN (c, self->cols - 1);
  slice = (gsize) gtk_adjustment_get_value (self->slice_adjustment);
  v = mm_tensor_format_number (slice_data (self)[r * self->cols + c]);
  idx = index_string (&self->tensor->shape, (slice * self->rows + r) * self->cols + c);
  {
    g_autofree char *text = g_strdup_printf ("%s = %s", idx, v);
    gtk_tooltip_set_text (tooltip, text);
  }
  return TRUE;
}

static void
show_picture (MmTensorView *self,
              gboolean      image)
{
  const MmTensor *t = self->tensor;
  double lo = INFINITY, hi = -INFINITY;

  if (image)
    {
      self->rows = IMAGE_SIDE;
      self->cols = IMAGE_SIDE;
    }
  else if (t->shape.ndim >= 2)
    {
      self->cols = t->shape.dim[t->shape.ndim - 1];
      self->rows = t->size / self->cols;
    }
  else
    {
      self->cols = t->size;
      self->rows = 1;
    }
  self->n_slices = t->size / (self->rows * self->cols);

  for (gsize i = 0; i < t->size; i++)
    if (isfinite (t->data[i]))
      {
        lo = MIN (lo, t->data[i]);
        hi = MAX (hi, t->data[i]);
      }
  if (lo > hi)
    lo = hi = 0;
  self->diverging = lo < 0 && hi > 0;
  if (self->diverging)
    {
      self->hi = MAX (-lo, hi);
      self->lo = -self->hi;
    }
  else if (image && lo >= 0 && hi <= 1)
    {
      /* Pixel values: keep their own scale, black 0 to white 1. */
      self->lo = 0;
      self->hi = 1;
    }
  else
    {
      self->lo = lo;
      self->hi = hi;
    }

  gtk_widget_set_size_request (self->area, -1, image ? 196 : (self->rows == 1 ? 60 : 200));
  gtk_adjustment_configure (self->slice_adjustment,
                            MIN (gtk_adjustment_get_value (self->slice_adjustment), (double) self->n_slices - 1),
                            0, (double) self->n_slices - 1, 1, 1, 0);
  gtk_widget_set_visible (self->slice_row, self->n_slices > 1);
  {
    g_autofree char *total = g_strdup_printf (_("of %zu (from 0)"), self->n_slices);
    gtk_label_set_text (GTK_LABEL (self->slice_total), total);
  }
  gtk_widget_queue_draw (self->area);
}

/* ---- Public -------------------------------------------------------------------------- */

static gboolean
is_image (const MmTensor *t)
{
  const MmShape *s = &t->shape;

  if (s->ndim >= 1 && s->dim[s->ndim - 1] == IMAGE_SIDE * IMAGE_SIDE)
    return TRUE;
  return s->ndim >= 2 && s->dim[s->ndim - 1] == IMAGE_SIDE && s->dim[s->ndim - 2] == IMAGE_SIDE;
}

void
mm_tensor_view_set_tensor (MmTensorView   *self,
                           const MmTensor *tensor)
{
  g_return_if_fail (MM_IS_TENSOR_VIEW (self));

  if (tensor != NULL)
    mm_tensor_ref ((MmTensor *) tensor);
  g_clear_pointer (&self->tensor, mm_tensor_unref);
  self->tensor = (MmTensor *) tensor;
  g_clear_pointer (&self->numbers_text, g_free);
  gtk_widget_set_visible (self->slice_row, FALSE);

  if (tensor == NULL)
    {
      self->mode = MM_TENSOR_VIEW_EMPTY;
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
      gtk_widget_set_visible (self->stats_label, FALSE);
      gtk_widget_set_visible (self->stack, TRUE);
      return;
    }

  if (tensor->size > 0 && tensor->size <= MM_TENSOR_VIEW_MAX_NUMBERS)
    {
      self->mode = MM_TENSOR_VIEW_NUMBERS;
      show_numbers (self);
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "numbers");
    }
  else if (tensor->size > 0 && tensor->size <= MAX_PICTURE_VALUES && is_image (tensor))
    {
      self->mode = MM_TENSOR_VIEW_IMAGE;
      show_picture (self, TRUE);
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "picture");
    }
  else if (tensor->size > 0 && tensor->size <= MAX_PICTURE_VALUES && tensor->shape.ndim >= 2)
    {
      self->mode = MM_TENSOR_VIEW_HEATMAP;
      show_picture (self, FALSE);
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "picture");
    }
  else
    self->mode = MM_TENSOR_VIEW_STATS;

  gtk_widget_set_visible (self->stack, self->mode != MM_TENSOR_VIEW_STATS);
  gtk_widget_set_visible (self->stats_label, TRUE);
  show_stats (self);
}

void
mm_tensor_view_set_placeholder (MmTensorView *self,
                                const char   *text)
{
  g_return_if_fail (MM_IS_TENSOR_VIEW (self));
  g_free (self->placeholder);
  self->placeholder = g_strdup (text);
  gtk_label_set_text (GTK_LABEL (self->empty_label), text ? text : "");
}

MmTensorViewMode
mm_tensor_view_get_mode (MmTensorView *self)
{
  g_return_val_if_fail (MM_IS_TENSOR_VIEW (self), MM_TENSOR_VIEW_EMPTY);
  return self->mode;
}

char *
mm_tensor_view_get_text (MmTensorView *self)
{
  g_return_val_if_fail (MM_IS_TENSOR_VIEW (self), NULL);

  if (self->tensor == NULL)
    return g_strdup (self->placeholder ? self->placeholder : "");
  return g_strconcat (self->numbers_text ? self->numbers_text : "",
                      gtk_label_get_text (GTK_LABEL (self->stats_label)), NULL);
}

static void
slice_changed (MmTensorView *self)
{
  gtk_widget_queue_draw (self->area);
}

static void
mm_tensor_view_dispose (GObject *object)
{
  MmTensorView *self = MM_TENSOR_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), MM_TYPE_TENSOR_VIEW);
  G_OBJECT_CLASS (mm_tensor_view_parent_class)->dispose (object);
}

static void
mm_tensor_view_finalize (GObject *object)
{
  MmTensorView *self = MM_TENSOR_VIEW (object);

  g_clear_pointer (&self->tensor, mm_tensor_unref);
  g_clear_pointer (&self->placeholder, g_free);
  g_clear_pointer (&self->numbers_text, g_free);
  G_OBJECT_CLASS (mm_tensor_view_parent_class)->finalize (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, MmTensorView, name)

static void
mm_tensor_view_class_init (MmTensorViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_tensor_view_dispose;
  object_class->finalize = mm_tensor_view_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/mymlstudio/Studio/mm-tensor-view.ui");
  BIND (box);
  BIND (stack);
  BIND (empty_label);
  BIND (grid);
  BIND (area);
  BIND (slice_row);
  BIND (slice_label);
  BIND (slice_spin);
  BIND (slice_total);
  BIND (slice_adjustment);
  BIND (stats_label);
}

static void
mm_tensor_view_init (MmTensorView *self)
{
  g_autoptr(PangoAttrList) attrs = mono_attrs ();

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_label_set_attributes (GTK_LABEL (self->stats_label), attrs);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->area), draw_picture, self, NULL);
  g_signal_connect (self->area, "query-tooltip", G_CALLBACK (query_tooltip), self);
  g_signal_connect_swapped (self->slice_adjustment, "value-changed", G_CALLBACK (slice_changed), self);
  mm_tensor_view_set_placeholder (self, _("Not computed yet"));
  mm_tensor_view_set_tensor (self, NULL);
}

GtkWidget *
mm_tensor_view_new (void)
{
  return g_object_new (MM_TYPE_TENSOR_VIEW, NULL);
}
