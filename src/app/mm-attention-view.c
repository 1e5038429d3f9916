/* mm-attention-view.c — where each attention head looks, live. */
#include "config.h"
#include "mm-attention-view.h"
#include "mm-palette.h"
#include "mm-view-draw.h"
#include "mm-view-job.h"
#include "mm-view-model.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

typedef struct {
  MmViewModel vm;
  MmTensor *x;                /* (1, T) */
  guint serial;
} MapsInput;

typedef struct {
  guint serial;
  guint n_layers, n_heads, time;
  guint *layer_heads;         /* heads of each layer (≤ n_heads) */
  char **layer_names;         /* "2.self_attn." */
  float *maps;                /* n_layers × n_heads × time × time */
  float max;                  /* the largest weight shown */
} Maps;

struct _MmAttentionView {
  GtkWidget parent_instance;

  MmViewModel vm;
  MmTensor *x;
  char **symbols;             /* the sample's T symbols, or NULL */
  double scale;
  guint serial;

  MmViewJob *job;
  Maps *maps;
  char *message;
  guint64 generation;
};

static GParamSpec *properties[MM_VIEW_N_PROPS];

G_DEFINE_FINAL_TYPE (MmAttentionView, mm_attention_view, GTK_TYPE_WIDGET)

static void
maps_free (gpointer data)
{
  Maps *m = data;

  if (m == NULL)
    return;
  g_free (m->layer_heads);
  g_strfreev (m->layer_names);
  g_free (m->maps);
  g_free (m);
}

static void
maps_input_free (gpointer data)
{
  MapsInput *in = data;

  mm_view_model_clear (&in->vm);
  mm_tensor_unref (in->x);
  g_free (in);
}

/* ---- Worker thread ------------------------------------------------------------ */

static gpointer
maps_run (gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  MapsInput *in = data;
  g_autoptr(GHashTable) nodes = NULL;
  g_autoptr(MmNode) out = NULL;
  g_autoptr(GPtrArray) weights = NULL;
  g_autoptr(GPtrArray) names = NULL;
  Maps *m;
  guint T = (guint) in->x->shape.dim[1];
  gsize plane = (gsize) T * T;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  nodes = mm_module_make_param_nodes (in->vm.params);
  out = mm_module_construct_tensor (in->vm.module, in->x, nodes, error);
  if (out == NULL)
    return NULL;
  weights = mm_attention_collect_weights (out);
  if (weights->len == 0)
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                           _("The network has no attention layer: attention maps appear for networks with "
                             "Attention or Transformer layers."));
      return NULL;
    }

  m = g_new0 (Maps, 1);
  m->serial = in->serial;
  m->n_layers = weights->len;
  m->time = T;
  m->layer_heads = g_new0 (guint, m->n_layers);
  for (guint l = 0; l < m->n_layers; l++)
    {
      m->layer_heads[l] = mm_attention_weights_get_heads (g_ptr_array_index (weights, l));
      m->n_heads = MAX (m->n_heads, m->layer_heads[l]);
    }
  m->maps = g_new0 (float, (gsize) m->n_layers * m->n_heads * plane);
  names = g_ptr_array_new ();
  for (guint l = 0; l < m->n_layers; l++)
    {
      MmNode *w = g_ptr_array_index (weights, l);
      const MmTensor *v;
      const char *label = mm_node_get_label (w);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          g_ptr_array_add (names, NULL);
          m->layer_names = (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
          maps_free (m);
          return NULL;
        }
      /* The value is (1, heads, T, T): the first (only) sample's maps. */
      v = mm_node_get_value (w);
      if (v == NULL || v->shape.ndim != 4 || v->shape.dim[1] != m->layer_heads[l] || v->shape.dim[2] != T)
        {
          g_ptr_array_add (names, NULL);
          m->layer_names = (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
          maps_free (m);
          g_set_error_literal (error, MM_ERROR, MM_ERROR_SHAPE, _("The attention weights have an unexpected shape."));
          return NULL;
        }
      memcpy (m->maps + (gsize) l * m->n_heads * plane, v->data, m->layer_heads[l] * plane * sizeof (float));
      for (gsize k = 0; k < m->layer_heads[l] * plane; k++)
        if (isfinite (v->data[k]))
          m->max = MAX (m->max, v->data[k]);
      g_ptr_array_add (names, g_strdup (label ? label : ""));
    }
  g_ptr_array_add (names, NULL);
  m->layer_names = (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
  return m;
}

/* ---- Main thread ------------------------------------------------------------------- */

static gpointer
maps_prepare (GObject        *owner,
              GDestroyNotify *input_free)
{
  MmAttentionView *self = MM_ATTENTION_VIEW (owner);
  MapsInput *in;

  if (!mm_view_model_ready (&self->vm) || self->x == NULL)
    return NULL;
  in = g_new0 (MapsInput, 1);
  mm_view_model_copy (&in->vm, &self->vm);
  in->x = mm_tensor_ref (self->x);
  in->serial = self->serial;
  *input_free = maps_input_free;
  return in;
}

static void
maps_apply (GObject      *owner,
            gpointer      result,
            const GError *error)
{
  MmAttentionView *self = MM_ATTENTION_VIEW (owner);
  Maps *m = result;

  if (m != NULL && m->serial != self->serial)
    {
      maps_free (m);
      return;
    }
  g_clear_pointer (&self->maps, maps_free);
  g_clear_pointer (&self->message, g_free);
  if (m != NULL)
    self->maps = m;
  else
    self->message = g_strdup (error ? error->message : _("The attention maps could not be computed."));
  mm_view_count_result (GTK_WIDGET (self), &self->generation, properties[MM_VIEW_PROP_GENERATION]);
}

/* ---- Drawing --------------------------------------------------------------------------- */

/* "2.self_attn.attn_weights" → 2: the layer of the network it belongs to. */
static guint
layer_index (const char *label)
{
  return (guint) g_ascii_strtoull (label, NULL, 10);
}

/* A symbol as an axis label: the invisible ones get a visible stand-in. */
static const char *
visible_symbol (const char *s)
{
  if (s == NULL)
    return "?";
  if (g_str_equal (s, "\n"))
    return "↵";
  if (g_str_equal (s, " "))
    return "·";
  if (g_str_equal (s, "\t"))
    return "→";
  return s;
}

static void
draw_map (MmAttentionView *self,
          cairo_t         *cr,
          const float     *map,
          double           x,
          double           y,
          double           side)
{
  const Maps *m = self->maps;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) m->time, (int) m->time);
  guchar *pixels;
  int stride;

  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surface);
      return;
    }
  cairo_surface_flush (surface);
  pixels = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (guint i = 0; i < m->time; i++)
    {
      guint32 *row = (guint32 *) (pixels + (gsize) i * stride);
      for (guint j = 0; j < m->time; j++)
        {
          GdkRGBA c;
          float v = map[(gsize) i * m->time + j];
          mm_palette_heat (m->max > 0 ? v / m->max : 0.0, &c);
          if (!isfinite (v))
            c = (GdkRGBA) { 1, 0, 1, 1 };     /* diverged: stands out */
          row[j] = ((guint32) lround (c.red * 255) << 16) | ((guint32) lround (c.green * 255) << 8)
                   | (guint32) lround (c.blue * 255);
        }
    }
  cairo_surface_mark_dirty (surface);
  cairo_save (cr);
  cairo_rectangle (cr, x, y, side, side);
  cairo_clip (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, side / m->time, side / m->time);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (surface);
}

static void
draw_view (GtkWidget *widget,
           cairo_t   *cr,
           double     w,
           double     h)
{
  MmAttentionView *self = MM_ATTENTION_VIEW (widget);
  const Maps *m = self->maps;
  double s = self->scale, pad = 8 * s, gap = 10 * s;
  double title_h, head_h, label_w = 0, label_h, axis, cell, side, top, x0;
  gsize plane;
  GdkRGBA fg;
  g_autoptr(PangoLayout) title = NULL;
  gboolean labels;

  if (m == NULL)
    {
      mm_view_draw_placeholder (widget, cr, w, h, s,
                                self->message ? self->message
                                : self->vm.module == NULL || self->x == NULL
                                ? _("The attention of each head appears here for networks with attention layers.")
                                : _("The attention maps appear when the network has weights: press Train, or "
                                    "New Weights."));
      return;
    }
  mm_view_get_fg (widget, &fg);
  plane = (gsize) m->time * m->time;

  title = mm_view_layout_new (widget, s, 0.9, TRUE,
                              _("Attention on the first test sample: how much each position (row) takes from "
                                "each other one (column)"));
  pango_layout_set_width (title, (int) ((w - 2 * pad) * PANGO_SCALE));
  pango_layout_set_wrap (title, PANGO_WRAP_WORD_CHAR);
  mm_view_layout_size (title, NULL, &title_h);
  gdk_cairo_set_source_rgba (cr, &fg);
  cairo_move_to (cr, pad, pad);
  pango_cairo_show_layout (cr, title);
  top = pad + title_h + gap / 2;

  {
    g_autoptr(PangoLayout) l = mm_view_layout_new (widget, s, 0.75, FALSE, "Layer 10");
    mm_view_layout_size (l, &label_w, &label_h);
  }
  head_h = label_h + 2 * s;
  /* The largest square maps that fit: rows of layers, columns of heads,
   * a colour bar at the bottom. */
  cell = MIN ((w - 2 * pad - label_w - gap - (m->n_heads - 1) * gap) / m->n_heads,
              (h - top - pad - head_h - 3 * label_h - 12 * s - m->n_layers * gap) / m->n_layers);
  if (cell < 12)
    {
      mm_view_draw_placeholder (widget, cr, w, h, s, _("Too small to show the attention maps"));
      return;
    }
  /* Symbols along the axes when each gets room for a letter. */
  labels = self->symbols != NULL && cell / m->time >= label_h * 0.9 && cell > 2 * label_h;
  axis = labels ? label_h + 2 * s : 0;
  side = floor (cell - axis);
  x0 = pad + label_w + gap;

  for (guint hd = 0; hd < m->n_heads; hd++)
    {
      g_autofree char *text = g_strdup_printf (_("head %u"), hd);
      g_autoptr(PangoLayout) l = mm_view_layout_new (widget, s, 0.75, TRUE, text);
      double tw;
      mm_view_layout_size (l, &tw, NULL);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.75);
      cairo_move_to (cr, x0 + hd * (cell + gap) + axis + (side - tw) / 2, top);
      pango_cairo_show_layout (cr, l);
    }
  top += head_h;

  for (guint l = 0; l < m->n_layers; l++)
    {
      double y = top + l * (cell + gap);
      g_autofree char *text = g_strdup_printf (_("Layer %u"), layer_index (m->layer_names[l]));
      g_autoptr(PangoLayout) layout = mm_view_layout_new (widget, s, 0.75, TRUE, text);
      double th;

      mm_view_layout_size (layout, NULL, &th);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.75);
      cairo_move_to (cr, pad, y + axis + (side - th) / 2);
      pango_cairo_show_layout (cr, layout);

      for (guint hd = 0; hd < m->layer_heads[l]; hd++)
        {
          double x = x0 + hd * (cell + gap);
          const float *map = m->maps + ((gsize) l * m->n_heads + hd) * plane;

          draw_map (self, cr, map, x + axis, y + axis, side);
          cairo_set_line_width (cr, 1.0);
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.35);
          cairo_rectangle (cr, x + axis - 0.5, y + axis - 0.5, side + 1, side + 1);
          cairo_stroke (cr);
          if (!labels)
            continue;
          for (guint t = 0; t < m->time; t++)
            {
              g_autoptr(PangoLayout) sl = mm_view_layout_new (widget, s, 0.7, FALSE, visible_symbol (self->symbols[t]));
              double tw, tth, c = (t + 0.5) * side / m->time;
              mm_view_layout_size (sl, &tw, &tth);
              cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.7);
              cairo_move_to (cr, x + axis + c - tw / 2, y);           /* columns: above */
              pango_cairo_show_layout (cr, sl);
              cairo_move_to (cr, x + axis - tw - 1 * s, y + axis + c - tth / 2);   /* rows: left */
              pango_cairo_show_layout (cr, sl);
            }
        }
    }

  /* The colour scale, 0 … the largest weight. */
  {
    double bw = MIN (w - 2 * pad, 200 * s), bx = floor ((w - bw) / 2);
    double by = top + m->n_layers * (cell + gap), bh = 8 * s;
    g_autofree char *hi = g_strdup_printf ("%.2f", m->max);
    const char *texts[2] = { "0", hi };
    double xs[2] = { bx, bx + bw };

    for (int i = 0; i < (int) bw; i++)
      {
        GdkRGBA c;
        mm_palette_heat ((i + 0.5) / bw, &c);
        gdk_cairo_set_source_rgba (cr, &c);
        cairo_rectangle (cr, bx + i, by, 1.0, bh);
        cairo_fill (cr);
      }
    cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.35);
    cairo_rectangle (cr, bx - 0.5, by - 0.5, bw + 1, bh + 1);
    cairo_stroke (cr);
    for (int i = 0; i < 2; i++)
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
mm_attention_view_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  mm_view_snapshot (widget, snapshot, draw_view);
}

static void
mm_attention_view_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  static const int sizes[4] = { 200, 320, 160, 320 };

  mm_view_measure (orientation, MM_ATTENTION_VIEW (widget)->scale, sizes, minimum, natural);
}

/* ---- Setters ------------------------------------------------------------------------ */

void
mm_attention_view_set_sample (MmAttentionView    *self,
                              const float        *ids,
                              gsize               length,
                              const char * const *symbols,
                              guint               n_symbols)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (MM_IS_ATTENTION_VIEW (self));
  if (self->job == NULL)
    return;
  length = MIN (length, MM_ATTENTION_VIEW_MAX_TIME);
  if (ids != NULL && length > 0 && self->x != NULL && self->x->shape.dim[1] == length
      && memcmp (self->x->data, ids, length * sizeof (float)) == 0)
    return;
  g_clear_pointer (&self->x, mm_tensor_unref);
  g_clear_pointer (&self->symbols, g_strfreev);
  if (ids != NULL && length > 0)
    {
      self->x = mm_tensor_new_from_data (&(MmShape) { 2, { 1, length } }, ids, length, &error);
      if (symbols != NULL)
        {
          self->symbols = g_new0 (char *, length + 1);
          for (gsize t = 0; t < length; t++)
            {
              guint id = ids[t] >= 0 && ids[t] < n_symbols ? (guint) ids[t] : 0;
              self->symbols[t] = g_strdup (n_symbols > 0 ? symbols[id] : "?");
            }
        }
    }
  self->serial++;
  if (!mm_view_job_update (self->job, mm_view_model_ready (&self->vm) && self->x != NULL, TRUE))
    {
      g_clear_pointer (&self->maps, maps_free);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

void
mm_attention_view_set_model (MmAttentionView *self,
                             MmModule        *model,
                             MmParams        *params)
{
  gboolean new_module = FALSE;

  g_return_if_fail (MM_IS_ATTENTION_VIEW (self));
  if (self->job == NULL)
    return;
  if (!mm_view_model_set (&self->vm, model, params, &new_module))
    return;
  if (new_module)
    self->serial++;
  if (!mm_view_job_update (self->job, mm_view_model_ready (&self->vm) && self->x != NULL, new_module))
    {
      g_clear_pointer (&self->maps, maps_free);
      g_clear_pointer (&self->message, g_free);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

void
mm_attention_view_set_scale (MmAttentionView *self,
                             double           scale)
{
  g_return_if_fail (MM_IS_ATTENTION_VIEW (self));
  mm_view_set_scale (GTK_WIDGET (self), &self->scale, scale, properties[MM_VIEW_PROP_SCALE]);
}

double
mm_attention_view_get_scale (MmAttentionView *self)
{
  g_return_val_if_fail (MM_IS_ATTENTION_VIEW (self), 1.0);
  return self->scale;
}

guint64
mm_attention_view_get_generation (MmAttentionView *self)
{
  g_return_val_if_fail (MM_IS_ATTENTION_VIEW (self), 0);
  return self->generation;
}

gboolean
mm_attention_view_is_computing (MmAttentionView *self)
{
  g_return_val_if_fail (MM_IS_ATTENTION_VIEW (self), FALSE);
  return self->job != NULL && mm_view_job_is_busy (self->job);
}

const float *
mm_attention_view_get_maps (MmAttentionView *self,
                            guint           *n_layers,
                            guint           *n_heads,
                            guint           *time)
{
  const Maps *m;

  g_return_val_if_fail (MM_IS_ATTENTION_VIEW (self), NULL);
  m = self->maps;
  if (n_layers)
    *n_layers = m ? m->n_layers : 0;
  if (n_heads)
    *n_heads = m ? m->n_heads : 0;
  if (time)
    *time = m ? m->time : 0;
  return m ? m->maps : NULL;
}

const char *
mm_attention_view_get_layer_name (MmAttentionView *self,
                                  guint            layer)
{
  g_return_val_if_fail (MM_IS_ATTENTION_VIEW (self), NULL);
  if (self->maps == NULL || layer >= self->maps->n_layers)
    return NULL;
  return self->maps->layer_names[layer];
}

const char *
mm_attention_view_get_message (MmAttentionView *self)
{
  g_return_val_if_fail (MM_IS_ATTENTION_VIEW (self), NULL);
  return self->message;
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
mm_attention_view_dispose (GObject *object)
{
  MmAttentionView *self = MM_ATTENTION_VIEW (object);

  g_clear_pointer (&self->job, mm_view_job_detach);
  mm_view_model_clear (&self->vm);
  g_clear_pointer (&self->x, mm_tensor_unref);
  g_clear_pointer (&self->symbols, g_strfreev);
  g_clear_pointer (&self->maps, maps_free);
  g_clear_pointer (&self->message, g_free);
  G_OBJECT_CLASS (mm_attention_view_parent_class)->dispose (object);
}

static void
mm_attention_view_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  MmAttentionView *self = MM_ATTENTION_VIEW (object);

  mm_view_get_property (object, prop_id, value, pspec, self->scale, self->generation);
}

static void
mm_attention_view_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  if (prop_id == MM_VIEW_PROP_SCALE)
    mm_attention_view_set_scale (MM_ATTENTION_VIEW (object), g_value_get_double (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
mm_attention_view_class_init (MmAttentionViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_attention_view_dispose;
  object_class->get_property = mm_attention_view_get_property;
  object_class->set_property = mm_attention_view_set_property;
  widget_class->snapshot = mm_attention_view_snapshot;
  widget_class->measure = mm_attention_view_measure;

  mm_view_install_properties (object_class, properties);

  gtk_widget_class_set_css_name (widget_class, "attentionview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
mm_attention_view_init (MmAttentionView *self)
{
  self->scale = 1.0;
  self->job = mm_view_job_new (G_OBJECT (self), maps_prepare, maps_run, maps_apply, maps_free);
  /* At most four pictures a second: the trainer keeps the machine. */
  mm_view_job_set_min_interval (self->job, 250);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Attention weights of each layer and head"), -1);
}

GtkWidget *
mm_attention_view_new (void)
{
  return g_object_new (MM_TYPE_ATTENTION_VIEW, NULL);
}
