/* mm-node-inspector.c — a node's description, its rules, value and gradient.
 *
 * The formulas come from the node classes (mm_node_get_rule): the teaching
 * text lives in the engine, the inspector only lays it out.
 */
#include "config.h"
#include "mm-node-inspector.h"

#include <glib/gi18n.h>

struct _MmNodeInspector {
  GtkWidget parent_instance;

  MmNode *node;

  GtkWidget *box, *title_label, *subtitle_label, *rules_label;
  GtkWidget *value_heading, *gradient_heading, *gradient_note, *inputs_label;
  MmTensorView *value_view, *gradient_view;
};

G_DEFINE_FINAL_TYPE (MmNodeInspector, mm_node_inspector, GTK_TYPE_WIDGET)

/* What the inputs held when the node was computed: where NaN and infinity
 * come from is usually read here ("its input reaches 812.3"). */
static char *
inputs_markup (MmNode *node)
{
  g_autofree char *heading = g_markup_escape_text (_("Inputs"), -1);
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "<b>%s</b>", heading);
  for (guint i = 0; i < mm_node_get_n_inputs (node); i++)
    {
      MmNode *input = mm_node_get_input (node, i);
      g_autofree char *name = mm_node_display_name (input);
      g_autofree char *e_name = g_markup_escape_text (name, -1);
      g_autofree char *lo = NULL, *hi = NULL, *mean = NULL, *line = NULL, *e_line = NULL;
      MmTensorStats st;
      gsize n_inf;

      if (!mm_node_has_value (input))
        {
          g_string_free (s, TRUE);
          return NULL;
        }
      mm_tensor_stats (mm_node_get_value (input), &st);
      n_inf = st.n_pos_inf + st.n_neg_inf;
      lo = g_strdup_printf ("%.4g", st.min);
      hi = g_strdup_printf ("%.4g", st.max);
      mean = g_strdup_printf ("%.4g", st.mean);
      line = g_strdup_printf (_("min %s · max %s · mean %s · NaN %zu · ∞ %zu"),
                              lo, hi, mean, (gsize) st.n_nan, n_inf);
      e_line = g_markup_escape_text (line, -1);
      if (mm_tensor_stats_is_finite (&st))
        g_string_append_printf (s, "\n<b>%u. %s</b>\n    %s", i + 1, e_name, e_line);
      else
        g_string_append_printf (s, "\n<b>%u. %s</b>\n    <span foreground=\"#c01c28\">%s</span>",
                                i + 1, e_name, e_line);
    }
  return g_string_free (s, FALSE);
}

char *
mm_node_display_name (MmNode *node)
{
  const char *label;

  g_return_val_if_fail (node != NULL, NULL);
  label = mm_node_get_label (node);
  if (label != NULL && *label != '\0')
    return g_strdup (label);
  return mm_node_describe (node);
}

void
mm_node_inspector_set_node (MmNodeInspector *self,
                            MmNode          *node,
                            const MmTensor  *value,
                            const MmTensor  *gradient,
                            const char      *gradient_note)
{
  g_autofree char *name = NULL, *title = NULL, *shape = NULL, *subtitle = NULL, *heading = NULL;
  GString *rules;

  g_return_if_fail (MM_IS_NODE_INSPECTOR (self));

  if (node != NULL)
    mm_node_ref (node);
  g_clear_pointer (&self->node, mm_node_unref);
  self->node = node;

  if (node == NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->title_label), _("No node selected"));
      gtk_label_set_text (GTK_LABEL (self->subtitle_label),
                          _("Click a box in the graph to see its value and its gradient."));
      gtk_widget_set_visible (self->rules_label, FALSE);
      gtk_widget_set_visible (self->inputs_label, FALSE);
      gtk_label_set_text (GTK_LABEL (self->inputs_label), "");
      gtk_widget_set_visible (self->value_heading, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->value_view), FALSE);
      gtk_widget_set_visible (self->gradient_heading, FALSE);
      gtk_widget_set_visible (self->gradient_note, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->gradient_view), FALSE);
      mm_tensor_view_set_tensor (self->value_view, NULL);
      mm_tensor_view_set_tensor (self->gradient_view, NULL);
      return;
    }

  name = mm_node_display_name (node);
  title = mm_node_is_constant (node) ? g_strdup_printf (_("Constant %s"), name) : mm_node_describe (node);
  shape = mm_shape_to_string (mm_node_get_shape (node));
  if (mm_node_is_constant (node))
    subtitle = g_strdup_printf (_("A leaf of the graph: a value given, not computed. Shape %s."), shape);
  else if (mm_node_get_label (node) != NULL)
    subtitle = g_strdup_printf (_("“%s”, computed by %s. Output shape %s."),
                                mm_node_get_label (node), mm_node_get_type_name (node), shape);
  else
    subtitle = g_strdup_printf (_("Computed by %s. Output shape %s."), mm_node_get_type_name (node), shape);
  gtk_label_set_text (GTK_LABEL (self->title_label), title);
  gtk_label_set_text (GTK_LABEL (self->subtitle_label), subtitle);

  /* The chain rule for each input, with the input named. */
  rules = g_string_new (NULL);
  if (mm_node_get_n_inputs (node) > 0)
    {
      g_autofree char *intro = g_strdup_printf (_("Backward: G = ∂L/∂%s arrives; each input gets"), name);
      g_autofree char *e_intro = g_markup_escape_text (intro, -1);
      g_string_append (rules, e_intro);
    }
  for (guint i = 0; i < mm_node_get_n_inputs (node); i++)
    {
      MmNode *input = mm_node_get_input (node, i);
      g_autofree char *in_name = mm_node_display_name (input);
      g_autofree char *in_shape = mm_shape_to_string (mm_node_get_shape (input));
      g_autofree char *rule = mm_node_get_rule (node, i);
      g_autofree char *e_name = g_markup_escape_text (in_name, -1);
      g_autofree char *e_rule = g_markup_escape_text (rule, -1);

      g_string_append_printf (rules, "\n<b>%u. %s</b> %s\n    <tt>%s</tt>", i + 1, e_name, in_shape, e_rule);
    }
  gtk_label_set_markup (GTK_LABEL (self->rules_label), rules->str);
  gtk_widget_set_visible (self->rules_label, rules->len > 0);
  g_string_free (rules, TRUE);

  gtk_widget_set_visible (self->value_heading, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->value_view), TRUE);
  mm_tensor_view_set_tensor (self->value_view, value);
  {
    /* Once the node is computed its inputs are too. */
    g_autofree char *inputs = value != NULL && mm_node_get_n_inputs (node) > 0 ? inputs_markup (node) : NULL;

    gtk_label_set_markup (GTK_LABEL (self->inputs_label), inputs ? inputs : "");
    gtk_widget_set_visible (self->inputs_label, inputs != NULL);
  }

  heading = g_strdup_printf (_("Gradient ∂L/∂%s"), name);
  gtk_label_set_text (GTK_LABEL (self->gradient_heading), heading);
  gtk_label_set_text (GTK_LABEL (self->gradient_note), gradient_note ? gradient_note : "");
  gtk_widget_set_visible (self->gradient_heading, TRUE);
  gtk_widget_set_visible (self->gradient_note, gradient_note != NULL && *gradient_note != '\0');
  gtk_widget_set_visible (GTK_WIDGET (self->gradient_view), TRUE);
  mm_tensor_view_set_tensor (self->gradient_view, gradient);
}

MmNode *
mm_node_inspector_get_node (MmNodeInspector *self)
{
  g_return_val_if_fail (MM_IS_NODE_INSPECTOR (self), NULL);
  return self->node;
}

MmTensorView *
mm_node_inspector_get_value_view (MmNodeInspector *self)
{
  g_return_val_if_fail (MM_IS_NODE_INSPECTOR (self), NULL);
  return self->value_view;
}

MmTensorView *
mm_node_inspector_get_gradient_view (MmNodeInspector *self)
{
  g_return_val_if_fail (MM_IS_NODE_INSPECTOR (self), NULL);
  return self->gradient_view;
}

char *
mm_node_inspector_get_text (MmNodeInspector *self)
{
  g_autofree char *value = NULL, *gradient = NULL;

  g_return_val_if_fail (MM_IS_NODE_INSPECTOR (self), NULL);
  value = mm_tensor_view_get_text (self->value_view);
  gradient = mm_tensor_view_get_text (self->gradient_view);
  return g_strjoin ("\n",
                    gtk_label_get_text (GTK_LABEL (self->title_label)),
                    gtk_label_get_text (GTK_LABEL (self->subtitle_label)),
                    gtk_label_get_text (GTK_LABEL (self->rules_label)),
                    gtk_label_get_text (GTK_LABEL (self->value_heading)),
                    value,
                    gtk_label_get_text (GTK_LABEL (self->inputs_label)),
                    gtk_label_get_text (GTK_LABEL (self->gradient_heading)),
                    gtk_label_get_text (GTK_LABEL (self->gradient_note)),
                    gradient,
                    NULL);
}

static void
mm_node_inspector_dispose (GObject *object)
{
  MmNodeInspector *self = MM_NODE_INSPECTOR (object);

  g_clear_pointer (&self->node, mm_node_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), MM_TYPE_NODE_INSPECTOR);
  G_OBJECT_CLASS (mm_node_inspector_parent_class)->dispose (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, MmNodeInspector, name)

static void
mm_node_inspector_class_init (MmNodeInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_node_inspector_dispose;
  g_type_ensure (MM_TYPE_TENSOR_VIEW);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/mymlstudio/Studio/mm-node-inspector.ui");
  BIND (box);
  BIND (title_label);
  BIND (subtitle_label);
  BIND (rules_label);
  BIND (value_heading);
  BIND (value_view);
  BIND (inputs_label);
  BIND (gradient_heading);
  BIND (gradient_note);
  BIND (gradient_view);
}

static void
mm_node_inspector_init (MmNodeInspector *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  mm_tensor_view_set_placeholder (self->gradient_view,
                                  _("Nothing has arrived yet: step the backward pass to this node."));
  mm_tensor_view_set_placeholder (self->value_view,
                                  _("Not computed yet: step the forward pass to this node."));
  mm_node_inspector_set_node (self, NULL, NULL, NULL, NULL);
}

GtkWidget *
mm_node_inspector_new (void)
{
  return g_object_new (MM_TYPE_NODE_INSPECTOR, NULL);
}
