/* mm-view-draw.c — small drawing helpers shared by the data views, and the
 * plumbing of their common properties. */
#include "mm-view-draw.h"

#include <math.h>

PangoLayout *
mm_view_layout_new (GtkWidget  *widget,
                    double      scale,
                    double      relative_size,
                    gboolean    bold,
                    const char *text)
{
  PangoLayout *layout;
  PangoFontDescription *desc;
  const PangoFontDescription *base;
  int size;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);

  layout = gtk_widget_create_pango_layout (widget, text);
  base = pango_context_get_font_description (pango_layout_get_context (layout));
  desc = base ? pango_font_description_copy (base) : pango_font_description_from_string ("Sans 10");
  size = pango_font_description_get_size (desc);
  if (size <= 0)
    size = 10 * PANGO_SCALE;
  size = (int) lround (size * relative_size * scale);
  size = MAX (size, PANGO_SCALE);
  if (pango_font_description_get_size_is_absolute (desc))
    pango_font_description_set_absolute_size (desc, size);
  else
    pango_font_description_set_size (desc, size);
  if (bold)
    pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  return layout;
}

void
mm_view_layout_size (PangoLayout *layout,
                     double      *width,
                     double      *height)
{
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  if (width)
    *width = (double) logical.width / PANGO_SCALE;
  if (height)
    *height = (double) logical.height / PANGO_SCALE;
}

void
mm_view_get_fg (GtkWidget *widget,
                GdkRGBA   *out)
{
  g_return_if_fail (GTK_IS_WIDGET (widget) && out != NULL);

  /* gtk_widget_get_color() is 4.10; the style context is the 4.8 way. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), out);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

void
mm_view_draw_placeholder (GtkWidget  *widget,
                          cairo_t    *cr,
                          double      width,
                          double      height,
                          double      scale,
                          const char *text)
{
  g_autoptr(PangoLayout) layout = NULL;
  GdkRGBA fg;
  double tw, th, margin = 12 * scale;

  if (text == NULL || width <= 2 * margin || height <= 0)
    return;
  layout = mm_view_layout_new (widget, scale, 1.0, FALSE, text);
  pango_layout_set_width (layout, (int) ((width - 2 * margin) * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  mm_view_layout_size (layout, &tw, &th);
  mm_view_get_fg (widget, &fg);
  fg.alpha *= 0.6f;
  gdk_cairo_set_source_rgba (cr, &fg);
  cairo_move_to (cr, margin, MAX (0, (height - th) / 2));
  pango_cairo_show_layout (cr, layout);
}

static void
rounded_rect (cairo_t *cr,
              double   x,
              double   y,
              double   w,
              double   h,
              double   r)
{
  r = MIN (r, MIN (w, h) / 2);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

double
mm_view_draw_banner (GtkWidget  *widget,
                     cairo_t    *cr,
                     double      x,
                     double      y,
                     double      width,
                     double      scale,
                     const char *text)
{
  g_autoptr(PangoLayout) layout = NULL;
  double pad = 6 * scale, tw, th;

  if (text == NULL || width <= 4 * pad)
    return 0;
  layout = mm_view_layout_new (widget, scale, 0.9, FALSE, text);
  pango_layout_set_width (layout, (int) ((width - 4 * pad) * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  mm_view_layout_size (layout, &tw, &th);

  cairo_save (cr);
  rounded_rect (cr, x + pad, y + pad, width - 2 * pad, th + 2 * pad, 4 * scale);
  cairo_set_source_rgba (cr, 0.15, 0.15, 0.15, 0.85);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (cr, x + 2 * pad, y + 2 * pad);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
  return th + 3 * pad;
}

double
mm_view_nice_step (double range,
                   guint  target)
{
  double raw, mag, norm;

  if (!(range > 0) || !isfinite (range) || target == 0)
    return 1.0;
  raw = range / target;
  mag = pow (10.0, floor (log10 (raw)));
  norm = raw / mag;
  if (norm < 1.5)
    return mag;
  if (norm < 3.5)
    return 2 * mag;
  if (norm < 7.5)
    return 5 * mag;
  return 10 * mag;
}

/* ---- What every data view has -------------------------------------------- */

void
mm_view_install_properties (GObjectClass *klass,
                            GParamSpec   *properties[MM_VIEW_N_PROPS])
{
  properties[MM_VIEW_PROP_SCALE] =
    g_param_spec_double ("scale", NULL, NULL,
                         MM_VIEW_SCALE_MIN, MM_VIEW_SCALE_MAX, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[MM_VIEW_PROP_GENERATION] =
    g_param_spec_uint64 ("generation", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (klass, MM_VIEW_N_PROPS, properties);
}

void
mm_view_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec,
                      double      scale,
                      guint64     generation)
{
  switch (prop_id)
    {
    case MM_VIEW_PROP_SCALE:
      g_value_set_double (value, scale);
      break;
    case MM_VIEW_PROP_GENERATION:
      g_value_set_uint64 (value, generation);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

void
mm_view_set_scale (GtkWidget  *widget,
                   double     *scale,
                   double      value,
                   GParamSpec *pspec)
{
  value = CLAMP (value, MM_VIEW_SCALE_MIN, MM_VIEW_SCALE_MAX);
  if (value == *scale)
    return;
  *scale = value;
  gtk_widget_queue_resize (widget);
  g_object_notify_by_pspec (G_OBJECT (widget), pspec);
}

void
mm_view_count_result (GtkWidget  *widget,
                      guint64    *generation,
                      GParamSpec *pspec)
{
  (*generation)++;
  g_object_notify_by_pspec (G_OBJECT (widget), pspec);
  gtk_widget_queue_draw (widget);
}

void
mm_view_snapshot (GtkWidget      *widget,
                  GtkSnapshot    *snapshot,
                  MmViewDrawFunc  draw)
{
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (w <= 0 || h <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  draw (widget, cr, w, h);
  cairo_destroy (cr);
}

void
mm_view_measure (GtkOrientation  orientation,
                 double          scale,
                 const int       sizes[4],
                 int            *minimum,
                 int            *natural)
{
  const int *s = orientation == GTK_ORIENTATION_HORIZONTAL ? sizes : sizes + 2;

  *minimum = (int) (s[0] * scale);
  *natural = (int) (s[1] * scale);
}
