/* mm-layer-row.c — one layer of the network in the model builder's list. */
#include "config.h"
#include "mm-layer-row.h"

#include <glib/gi18n.h>

struct _MmLayerRow {
  GtkListBoxRow parent_instance;

  MmSession *session;
  guint index;
  MmLayerKind kind;
  gboolean updating;

  GtkWidget *handle;
  GtkWidget *index_label;
  GtkWidget *title_label;
  GtkWidget *units_spin;
  GtkWidget *slope_spin;
  GtkWidget *filters_spin;
  GtkWidget *rate_spin;
  GtkWidget *settings_box;
  GtkWidget *kernel_box;
  GtkWidget *kernel_spin;
  GtkWidget *stride_box;
  GtkWidget *stride_spin;
  GtkWidget *padding_box;
  GtkWidget *padding_spin;
  GtkWidget *dilation_box;
  GtkWidget *dilation_spin;
  GtkWidget *heads_box;
  GtkWidget *heads_spin;
  GtkWidget *layers_box;
  GtkWidget *layers_spin;
  GtkWidget *causal_box;
  GtkWidget *causal_check;
  GtkWidget *up_button;
  GtkWidget *down_button;
  GtkWidget *remove_button;
  GtkWidget *shape_label;
  GtkWidget *error_label;
};

G_DEFINE_FINAL_TYPE (MmLayerRow, mm_layer_row, GTK_TYPE_LIST_BOX_ROW)

static void
units_changed (MmLayerRow *self)
{
  if (!self->updating)
    mm_session_set_layer_units (self->session, self->index,
                                (guint) gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->units_spin)));
}

static void
slope_changed (MmLayerRow *self)
{
  if (!self->updating)
    mm_session_set_layer_param (self->session, self->index,
                                (float) gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->slope_spin)));
}

/* The settings of layers for images: each spin button says which setting it
 * edits (set up in init), and every change goes through the session. */
static void
setting_changed (GtkSpinButton *spin,
                 MmLayerRow    *self)
{
  MmLayerSetting setting = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (spin), "mm-setting"));

  if (!self->updating)
    mm_session_set_layer_setting (self->session, self->index, setting, gtk_spin_button_get_value (spin));
}

static void
causal_toggled (MmLayerRow *self)
{
  if (!self->updating)
    mm_session_set_layer_setting (self->session, self->index, MM_LAYER_SETTING_CAUSAL,
                                  gtk_check_button_get_active (GTK_CHECK_BUTTON (self->causal_check)));
}

/* Shows @value in @spin without reporting it back as a change. */
static void
show_value (GtkWidget *spin,
            double     value)
{
  if (gtk_spin_button_get_value (GTK_SPIN_BUTTON (spin)) != value)
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
}

/* A flow box wraps each child in a GtkFlowBoxChild, which is what must be
 * hidden for the others to close up. */
static void
show_setting (GtkWidget *box,
              gboolean   visible)
{
  gtk_widget_set_visible (gtk_widget_get_parent (box), visible);
}

/* The buttons go through the window's actions, like the keyboard and the
 * tests do, so there is one path that changes the network. */
static void
up_clicked (MmLayerRow *self)
{
  if (self->index > 0)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.move-layer", "(uu)", self->index, self->index - 1);
}

static void
down_clicked (MmLayerRow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.move-layer", "(uu)", self->index, self->index + 1);
}

static void
remove_clicked (MmLayerRow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.remove-layer", "u", self->index);
}

/* ---- Drag and drop: a row carries its index; dropping on a row moves it there. */

static GdkContentProvider *
drag_prepare (GtkDragSource *source,
              double         x,
              double         y,
              MmLayerRow    *self)
{
  return gdk_content_provider_new_typed (G_TYPE_UINT, self->index);
}

static void
drag_begin (GtkDragSource *source,
            GdkDrag       *drag,
            MmLayerRow    *self)
{
  g_autoptr(GdkPaintable) icon = gtk_widget_paintable_new (GTK_WIDGET (self));
  gtk_drag_source_set_icon (source, icon, 0, 0);
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         MmLayerRow    *self)
{
  guint from;

  if (!G_VALUE_HOLDS_UINT (value))
    return FALSE;
  from = g_value_get_uint (value);
  if (from == self->index)
    return FALSE;
  gtk_widget_activate_action (GTK_WIDGET (self), "win.move-layer", "(uu)", from, self->index);
  return TRUE;
}

static void
mm_layer_row_dispose (GObject *object)
{
  MmLayerRow *self = MM_LAYER_ROW (object);

  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), MM_TYPE_LAYER_ROW);
  G_OBJECT_CLASS (mm_layer_row_parent_class)->dispose (object);
}

static void
mm_layer_row_class_init (MmLayerRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_layer_row_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/mymlstudio/Studio/mm-layer-row.ui");
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, handle);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, index_label);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, units_spin);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, slope_spin);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, filters_spin);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, rate_spin);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, settings_box);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, kernel_box);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, kernel_spin);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, stride_box);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, stride_spin);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, padding_box);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, padding_spin);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, dilation_box);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, dilation_spin);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, heads_box);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, heads_spin);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, layers_box);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, layers_spin);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, causal_box);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, causal_check);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, up_button);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, down_button);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, remove_button);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, shape_label);
  gtk_widget_class_bind_template_child (widget_class, MmLayerRow, error_label);
}

static void
mm_layer_row_init (MmLayerRow *self)
{
  GtkDragSource *source;
  GtkDropTarget *target;

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->units_spin, "value-changed", G_CALLBACK (units_changed), self);
  g_signal_connect_swapped (self->slope_spin, "value-changed", G_CALLBACK (slope_changed), self);
  {
    const struct {
      GtkWidget *spin;
      MmLayerSetting setting;
    } settings[] = {
      { self->filters_spin, MM_LAYER_SETTING_UNITS },
      { self->rate_spin, MM_LAYER_SETTING_RATE },
      { self->kernel_spin, MM_LAYER_SETTING_KERNEL },
      { self->stride_spin, MM_LAYER_SETTING_STRIDE },
      { self->padding_spin, MM_LAYER_SETTING_PADDING },
      { self->dilation_spin, MM_LAYER_SETTING_DILATION },
      { self->heads_spin, MM_LAYER_SETTING_HEADS },
      { self->layers_spin, MM_LAYER_SETTING_LAYERS },
    };
    for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
      {
        g_object_set_data (G_OBJECT (settings[i].spin), "mm-setting", GUINT_TO_POINTER (settings[i].setting));
        g_signal_connect (settings[i].spin, "value-changed", G_CALLBACK (setting_changed), self);
      }
  }
  /* The flow box only lays the settings out: Tab goes from spin button to
   * spin button, not through the boxes around them. */
  for (GtkWidget *child = gtk_widget_get_first_child (self->settings_box); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gtk_widget_set_focusable (child, FALSE);
  g_signal_connect_swapped (self->causal_check, "notify::active", G_CALLBACK (causal_toggled), self);
  gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (self->layers_spin)),
                            MM_SESSION_MAX_RNN_LAYERS);
  g_signal_connect_swapped (self->up_button, "clicked", G_CALLBACK (up_clicked), self);
  g_signal_connect_swapped (self->down_button, "clicked", G_CALLBACK (down_clicked), self);
  g_signal_connect_swapped (self->remove_button, "clicked", G_CALLBACK (remove_clicked), self);

  source = gtk_drag_source_new ();
  gtk_drag_source_set_actions (source, GDK_ACTION_MOVE);
  g_signal_connect (source, "prepare", G_CALLBACK (drag_prepare), self);
  g_signal_connect (source, "drag-begin", G_CALLBACK (drag_begin), self);
  gtk_widget_add_controller (self->handle, GTK_EVENT_CONTROLLER (source));

  target = gtk_drop_target_new (G_TYPE_UINT, GDK_ACTION_MOVE);
  g_signal_connect (target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}

GtkWidget *
mm_layer_row_new (MmSession *session,
                  guint      index)
{
  MmLayerRow *self = g_object_new (MM_TYPE_LAYER_ROW, NULL);

  self->session = g_object_ref (session);
  mm_layer_row_update (self, index);
  return GTK_WIDGET (self);
}

guint
mm_layer_row_get_index (MmLayerRow *self)
{
  g_return_val_if_fail (MM_IS_LAYER_ROW (self), 0);
  return self->index;
}

MmLayerKind
mm_layer_row_get_kind (MmLayerRow *self)
{
  g_return_val_if_fail (MM_IS_LAYER_ROW (self), MM_LAYER_LINEAR);
  return self->kind;
}

static char *
format_count (gsize n)
{
  /* 78500 → "78,500": digits grouped the locale's way. */
  return g_strdup_printf ("%'" G_GSIZE_FORMAT, n);
}

void
mm_layer_row_update (MmLayerRow *self,
                     guint       index)
{
  const MmLayerSpec *spec = mm_session_get_layer (self->session, index);
  const MmLayerCheck *check = mm_session_get_layer_check (self->session, index);
  guint n = mm_session_get_n_layers (self->session);
  g_autofree char *title = NULL;
  g_autofree char *num = g_strdup_printf ("%u", index);
  g_autofree char *accessible = NULL;

  self->updating = TRUE;
  self->index = index;
  self->kind = spec->kind;
  gtk_label_set_label (GTK_LABEL (self->index_label), num);
  switch (spec->kind)
    {
    case MM_LAYER_LINEAR:
      title = g_strdup (_("Linear"));
      break;
    case MM_LAYER_FLATTEN:
      title = g_strdup (_("Flatten"));
      break;
    case MM_LAYER_IMAGE:
      title = g_strdup (_("Image (1×H×W)"));
      break;
    case MM_LAYER_CONV2D:
      title = g_strdup ("Conv2d");
      break;
    case MM_LAYER_MAX_POOL:
      title = g_strdup ("MaxPool2d");
      break;
    case MM_LAYER_AVG_POOL:
      title = g_strdup ("AvgPool2d");
      break;
    case MM_LAYER_DROPOUT:
      title = g_strdup ("Dropout");
      break;
    case MM_LAYER_BATCH_NORM:
      title = g_strdup ("BatchNorm");
      break;
    case MM_LAYER_EMBEDDING:
      title = g_strdup ("Embedding");
      break;
    case MM_LAYER_RNN:
      title = g_strdup ("RNN");
      break;
    case MM_LAYER_LSTM:
      title = g_strdup ("LSTM");
      break;
    case MM_LAYER_LAST:
      title = g_strdup (_("Last time step"));
      break;
    case MM_LAYER_LAYER_NORM:
      title = g_strdup ("LayerNorm");
      break;
    case MM_LAYER_ATTENTION:
      title = g_strdup (_("Attention"));
      break;
    case MM_LAYER_POSITIONAL:
      title = g_strdup (_("Positional encoding"));
      break;
    case MM_LAYER_TRANSFORMER:
      title = g_strdup (_("Transformer block"));
      break;
    case MM_LAYER_ACTIVATION:
    default:
      title = g_strdup (mm_op_kind_name (spec->op));
      break;
    }
  /* What the data make of it: "Image (1×28×28)", "BatchNorm2d". */
  if (check != NULL && check->title != NULL)
    {
      g_free (title);
      title = g_strdup (check->title);
    }
  gtk_label_set_label (GTK_LABEL (self->title_label), title);
  gtk_widget_set_tooltip_text (self->title_label, title);
  {
    /* One spin button for the size each kind has: Linear's outputs, the
     * vectors of an Embedding, a recurrent layer's hidden state, the MLP
     * inside a transformer block. */
    gboolean sized = spec->kind == MM_LAYER_LINEAR || spec->kind == MM_LAYER_EMBEDDING || spec->kind == MM_LAYER_RNN
                     || spec->kind == MM_LAYER_LSTM || spec->kind == MM_LAYER_TRANSFORMER;
    const char *tip = spec->kind == MM_LAYER_EMBEDDING ? _("Size of the vector each symbol becomes")
                    : spec->kind == MM_LAYER_RNN || spec->kind == MM_LAYER_LSTM
                    ? _("Hidden size: the numbers the layer carries from one time step to the next")
                    : spec->kind == MM_LAYER_TRANSFORMER ? _("Width of the MLP inside the block")
                    : _("Number of outputs (units) of this layer");

    gtk_widget_set_visible (self->units_spin, sized);
    gtk_widget_set_tooltip_text (self->units_spin, tip);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->units_spin), GTK_ACCESSIBLE_PROPERTY_LABEL, tip, -1);
    if (sized && gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->units_spin)) != (int) spec->units)
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->units_spin), spec->units);
  }
  gtk_widget_set_visible (self->slope_spin, spec->kind == MM_LAYER_ACTIVATION && spec->op == MM_OP_LEAKY_RELU);
  if (spec->op == MM_OP_LEAKY_RELU && gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->slope_spin)) != spec->param)
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->slope_spin), spec->param);
  {
    gboolean conv = spec->kind == MM_LAYER_CONV2D;
    gboolean pool = spec->kind == MM_LAYER_MAX_POOL || spec->kind == MM_LAYER_AVG_POOL;
    gboolean rnn = spec->kind == MM_LAYER_RNN || spec->kind == MM_LAYER_LSTM;
    gboolean attn = spec->kind == MM_LAYER_ATTENTION || spec->kind == MM_LAYER_TRANSFORMER;

    gtk_widget_set_visible (self->filters_spin, conv);
    gtk_widget_set_visible (self->rate_spin, spec->kind == MM_LAYER_DROPOUT);
    gtk_widget_set_visible (self->settings_box, conv || pool || rnn || attn);
    show_setting (self->kernel_box, conv || pool);
    show_setting (self->stride_box, conv || pool);
    show_setting (self->padding_box, conv || pool);
    show_setting (self->dilation_box, conv);
    show_setting (self->heads_box, attn);
    show_setting (self->layers_box, rnn);
    show_setting (self->causal_box, attn);
    if (attn)
      {
        show_value (self->heads_spin, spec->heads);
        if (gtk_check_button_get_active (GTK_CHECK_BUTTON (self->causal_check)) != spec->causal)
          gtk_check_button_set_active (GTK_CHECK_BUTTON (self->causal_check), spec->causal);
      }
    if (rnn)
      show_value (self->layers_spin, spec->layers);
    if (conv)
      {
        show_value (self->filters_spin, spec->units);
        show_value (self->dilation_spin, spec->dilation);
      }
    if (conv || pool)
      {
        show_value (self->kernel_spin, spec->kernel);
        show_value (self->stride_spin, spec->stride);
        show_value (self->padding_spin, spec->padding);
      }
    if (spec->kind == MM_LAYER_DROPOUT)
      show_value (self->rate_spin, spec->rate);
  }
  gtk_widget_set_sensitive (self->up_button, index > 0);
  gtk_widget_set_sensitive (self->down_button, index + 1 < n);

  if (check != NULL && check->shape != NULL)
    {
      g_autofree char *count = format_count (check->n_params);
      g_autofree char *text = check->n_params > 0
        ? g_strdup_printf (_("→ %s · %s parameters"), check->shape, count)
        : g_strdup_printf (_("→ %s"), check->shape);
      gtk_label_set_label (GTK_LABEL (self->shape_label), text);
    }
  else
    gtk_label_set_label (GTK_LABEL (self->shape_label), "");
  gtk_widget_set_visible (self->error_label, check != NULL && check->error != NULL);
  gtk_label_set_label (GTK_LABEL (self->error_label), check && check->error ? check->error : "");
  if (check != NULL && check->error != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "error");

  accessible = g_strdup_printf (_("Layer %u: %s"), index, title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  self->updating = FALSE;
}
