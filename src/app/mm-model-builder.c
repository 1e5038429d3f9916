/* mm-model-builder.c — the palette of layers and the list of the network.
 *
 * The list shows the session's layers; it keeps its rows and updates them in
 * place when only settings or shapes change (so a spin button being edited
 * keeps its focus), and rebuilds them when layers are added, removed or moved.
 */
#include "config.h"
#include "mm-model-builder.h"
#include "mm-layer-row.h"

#include <glib/gi18n.h>

struct _MmModelBuilder {
  GtkWidget parent_instance;

  MmSession *session;
  GArray *kinds;           /* MmLayerKind per row, to tell a structural change */

  GtkWidget *box;
  GtkWidget *input_label;
  GtkWidget *palette;
  GtkWidget *list;
  GtkWidget *summary_label;
  GtkWidget *problem_label;
};

G_DEFINE_FINAL_TYPE (MmModelBuilder, mm_model_builder, GTK_TYPE_WIDGET)

static gboolean
same_structure (MmModelBuilder *self)
{
  guint n = mm_session_get_n_layers (self->session);

  if (n != self->kinds->len)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (mm_session_get_layer (self->session, i)->kind != g_array_index (self->kinds, MmLayerKind, i))
      return FALSE;
  return TRUE;
}

static void
refresh (MmModelBuilder *self)
{
  guint n = mm_session_get_n_layers (self->session);
  g_autofree char *input = mm_session_describe_input (self->session);
  g_autofree char *count = g_strdup_printf ("%'" G_GSIZE_FORMAT, mm_session_get_n_params (self->session));
  g_autofree char *summary = NULL;
  const char *problem = mm_session_get_problem (self->session);
  GtkListBoxRow *selected = gtk_list_box_get_selected_row (GTK_LIST_BOX (self->list));
  gint selected_index = selected ? (gint) mm_layer_row_get_index (MM_LAYER_ROW (selected)) : -1;

  gtk_label_set_label (GTK_LABEL (self->input_label), input);

  if (same_structure (self))
    {
      for (guint i = 0; i < n; i++)
        mm_layer_row_update (MM_LAYER_ROW (gtk_list_box_get_row_at_index (GTK_LIST_BOX (self->list), i)), i);
    }
  else
    {
      GtkWidget *child;
      while ((child = gtk_widget_get_first_child (self->list)) != NULL)
        gtk_list_box_remove (GTK_LIST_BOX (self->list), child);
      g_array_set_size (self->kinds, 0);
      for (guint i = 0; i < n; i++)
        {
          MmLayerKind kind = mm_session_get_layer (self->session, i)->kind;
          gtk_list_box_append (GTK_LIST_BOX (self->list), mm_layer_row_new (self->session, i));
          g_array_append_val (self->kinds, kind);
        }
      if (selected_index >= 0 && n > 0)
        gtk_list_box_select_row (GTK_LIST_BOX (self->list),
                                 gtk_list_box_get_row_at_index (GTK_LIST_BOX (self->list),
                                                                MIN ((guint) selected_index, n - 1)));
    }

  summary = g_strdup_printf (ngettext ("%u layer, %s parameters", "%u layers, %s parameters", n), n, count);
  gtk_label_set_label (GTK_LABEL (self->summary_label), summary);
  /* Problems at a layer are shown at that layer; the message here repeats
   * it so that it is seen even when that row is scrolled away. */
  gtk_label_set_label (GTK_LABEL (self->problem_label), problem ? problem : "");
  gtk_widget_set_visible (self->problem_label, problem != NULL);
}

/* Alt+Up / Alt+Down move the selected layer, Delete removes it. */
static gboolean
key_pressed (GtkEventControllerKey *controller,
             guint                  keyval,
             guint                  keycode,
             GdkModifierType        state,
             MmModelBuilder        *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (GTK_LIST_BOX (self->list));
  guint index;

  if (row == NULL)
    return FALSE;
  index = mm_layer_row_get_index (MM_LAYER_ROW (row));
  if ((state & GDK_ALT_MASK) && keyval == GDK_KEY_Up && index > 0)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "win.move-layer", "(uu)", index, index - 1);
      return TRUE;
    }
  if ((state & GDK_ALT_MASK) && keyval == GDK_KEY_Down)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "win.move-layer", "(uu)", index, index + 1);
      return TRUE;
    }
  if (keyval == GDK_KEY_Delete && !(state & GDK_ALT_MASK))
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "win.remove-layer", "u", index);
      return TRUE;
    }
  return FALSE;
}

static void
mm_model_builder_dispose (GObject *object)
{
  MmModelBuilder *self = MM_MODEL_BUILDER (object);

  if (self->session)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  g_clear_pointer (&self->kinds, g_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), MM_TYPE_MODEL_BUILDER);
  G_OBJECT_CLASS (mm_model_builder_parent_class)->dispose (object);
}

static void
mm_model_builder_class_init (MmModelBuilderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_model_builder_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/mymlstudio/Studio/mm-model-builder.ui");
  gtk_widget_class_bind_template_child (widget_class, MmModelBuilder, box);
  gtk_widget_class_bind_template_child (widget_class, MmModelBuilder, input_label);
  gtk_widget_class_bind_template_child (widget_class, MmModelBuilder, palette);
  gtk_widget_class_bind_template_child (widget_class, MmModelBuilder, list);
  gtk_widget_class_bind_template_child (widget_class, MmModelBuilder, summary_label);
  gtk_widget_class_bind_template_child (widget_class, MmModelBuilder, problem_label);
}

static void
mm_model_builder_init (MmModelBuilder *self)
{
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->kinds = g_array_new (FALSE, FALSE, sizeof (MmLayerKind));
  keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed), self);
  gtk_widget_add_controller (self->list, keys);
}

GtkWidget *
mm_model_builder_new (MmSession *session)
{
  MmModelBuilder *self = g_object_new (MM_TYPE_MODEL_BUILDER, NULL);

  self->session = g_object_ref (session);
  g_signal_connect_swapped (session, "model-changed", G_CALLBACK (refresh), self);
  refresh (self);
  return GTK_WIDGET (self);
}

GtkWidget *
mm_model_builder_get_row (MmModelBuilder *self,
                          guint           index)
{
  g_return_val_if_fail (MM_IS_MODEL_BUILDER (self), NULL);
  return GTK_WIDGET (gtk_list_box_get_row_at_index (GTK_LIST_BOX (self->list), index));
}

const char *
mm_model_builder_get_problem_text (MmModelBuilder *self)
{
  g_return_val_if_fail (MM_IS_MODEL_BUILDER (self), NULL);
  return gtk_label_get_label (GTK_LABEL (self->problem_label));
}

void
mm_model_builder_set_editable (MmModelBuilder *self,
                               gboolean        editable)
{
  g_return_if_fail (MM_IS_MODEL_BUILDER (self));
  gtk_widget_set_sensitive (self->palette, editable);
  gtk_widget_set_sensitive (self->list, editable);
}
