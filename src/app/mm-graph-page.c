/* mm-graph-page.c — the graph view with its stepper, inspector and lab.
 *
 * The network's graph is the graph of one training step on a few test
 * samples, built by the optimizer exactly as training builds it (network,
 * loss, penalties), with the session's current weights. It is rebuilt when
 * the network or the data change, or on request; not while training runs,
 * so that a student stepping through it is not interrupted.
 */
#include "config.h"
#include "mm-graph-page.h"

#include <glib/gi18n.h>

struct _MmGraphPage {
  GtkWidget parent_instance;

  MmSession *session;
  MmGraphSource source;
  gboolean dirty;
  gboolean syncing;
  int side_set;             /* ≥ 0 once the divider was placed */
  gboolean paned_moved;     /* by the user: keep it where it is */
  guint rebuild_id;
  char *network_message;
  MmNode *network_root;

  GtkWidget *box, *toolbar, *source_dropdown, *batch_box, *batch_spin, *refresh_button;
  GtkWidget *summary_label, *direction_button, *panel_button, *paned, *side_scroller, *side_box, *lab_box;
  GtkAdjustment *batch_adjustment;
  MmGraphView *view;
  MmBackpropStepper *stepper;
  MmNodeInspector *inspector;
  MmExpressionLab *lab;
};

G_DEFINE_FINAL_TYPE (MmGraphPage, mm_graph_page, GTK_TYPE_WIDGET)

/* ---- Building the network's graph -------------------------------------------------------- */

MmNode *
mm_graph_build_network_step (MmModule                *model,
                             MmParams                *params,
                             MmDataset               *data,
                             guint                    batch,
                             const MmSessionSettings *settings,
                             GError                 **error)
{
  g_autoptr(MmLoss) inner = NULL;
  g_autoptr(MmLoss) loss = NULL;
  g_autoptr(MmTensor) x = NULL;
  g_autoptr(MmTensor) y = NULL;
  g_autoptr(MmOptimizer) opt = NULL;
  g_autoptr(MmStepInfo) info = NULL;
  g_autofree gsize *indices = NULL;
  MmOptimizerConfig config;
  gsize n;

  g_return_val_if_fail (model != NULL && params != NULL && data != NULL && settings != NULL, NULL);

  n = MIN ((gsize) MAX (batch, 1), mm_dataset_get_n_samples (data));
  if (n == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The data has no samples"));
      return NULL;
    }
  indices = g_new (gsize, n);
  for (gsize i = 0; i < n; i++)
    indices[i] = i;
  if (!mm_dataset_get_batch (data, indices, n, &x, &y, error))
    return NULL;

  if (settings->loss == MM_LOSS_MSE)
    inner = mm_loss_mse_new ();
  else
    inner = mm_loss_cross_entropy_new (settings->label_smoothing, error);
  if (inner == NULL)
    return NULL;
  loss = mm_loss_one_hot_new (inner, mm_dataset_get_n_classes (data), error);
  if (loss == NULL)
    return NULL;

  /* Only the graph is wanted, so the optimizer's own settings do not matter;
   * the penalties do, they are part of the graph. */
  mm_optimizer_config_init (&config, MM_OPTIMIZER_SGD);
  opt = mm_optimizer_new (&config, model, loss, params, error);
  if (opt == NULL || !mm_optimizer_set_penalties (opt, settings->l1, settings->l2, FALSE, error))
    return NULL;
  info = mm_optimizer_prepare_step (opt, x, y, error);
  if (info == NULL)
    return NULL;
  return mm_node_ref (info->loss);
}

static gboolean
build_network (MmGraphPage  *self,
               GError      **error)
{
  g_autoptr(MmModule) model = NULL;
  g_autoptr(MmParams) params = NULL;
  MmDataset *data;
  MmNode *root;
  guint batch = (guint) gtk_adjustment_get_value (self->batch_adjustment);

  if (mm_session_get_data_state (self->session) == MM_DATA_STATE_LOADING)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PENDING, _("The data is still loading…"));
      return FALSE;
    }
  data = mm_session_get_test_data (self->session);
  if (data == NULL)
    data = mm_session_get_train_data (self->session);
  if (data == NULL)
    {
      const char *why = mm_session_get_data_message (self->session);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No data to run the network on%s%s"),
                   why ? ": " : "", why ? why : "");
      return FALSE;
    }
  model = mm_session_dup_model (self->session);
  if (model == NULL)
    {
      const char *why = mm_session_get_problem (self->session);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The network cannot be built: %s"),
                   why ? why : _("it has no layers"));
      return FALSE;
    }
  params = mm_session_dup_params (self->session);
  if (params == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("The network has no weights yet"));
      return FALSE;
    }
  root = mm_graph_build_network_step (model, params, data, batch, mm_session_get_settings (self->session), error);
  if (root == NULL)
    return FALSE;
  g_clear_pointer (&self->network_root, mm_node_unref);
  self->network_root = root;
  return TRUE;
}

/* ---- Showing a graph ------------------------------------------------------------------------ */

static void
show_node (MmGraphPage *self,
           MmNode      *node)
{
  const MmTensor *value = NULL;
  g_autofree char *note = NULL;

  if (node != NULL)
    {
      /* A constant's value is given, not computed: always shown. */
      value = mm_node_is_constant (node) ? mm_node_get_value (node)
                                         : mm_backprop_stepper_get_value (self->stepper, node);
      note = mm_backprop_stepper_describe_gradient (self->stepper, node);
      if (note == NULL)
        note = g_strdup (_("The backward pass has not reached this graph yet."));
    }
  mm_node_inspector_set_node (self->inspector, node, value,
                              node ? mm_backprop_stepper_get_gradient (self->stepper, node) : NULL, note);
}

static void
set_graph (MmGraphPage *self,
           guint        n_nodes,
           MmNode     **nodes,
           MmNode      *root,
           const char  *placeholder)
{
  mm_graph_view_set_placeholder (self->view, placeholder);
  mm_graph_view_set_nodes (self->view, n_nodes, nodes);
  mm_backprop_stepper_set_root (self->stepper, root);
  show_node (self, NULL);
}

static void
show_network (MmGraphPage *self)
{
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  self->dirty = FALSE;
  g_clear_pointer (&self->network_message, g_free);
  if (!build_network (self, &error))
    {
      self->network_message = g_strdup (error->message);
      g_clear_pointer (&self->network_root, mm_node_unref);
      gtk_label_set_text (GTK_LABEL (self->summary_label), "");
      set_graph (self, 0, NULL, NULL, error->message);
      return;
    }
  {
    g_autofree char *loss = g_strdup_printf ("%.4g", mm_tensor_item (mm_node_get_value (self->network_root)));
    g_autofree char *text = g_strdup_printf (_("Loss %s on %u test samples"), loss,
                                             (guint) gtk_adjustment_get_value (self->batch_adjustment));
    gtk_label_set_text (GTK_LABEL (self->summary_label), text);
  }
  set_graph (self, 1, &self->network_root, self->network_root, NULL);
}

static void
show_lab (MmGraphPage *self)
{
  GPtrArray *nodes = mm_expression_lab_get_nodes (self->lab);
  MmNode *output = mm_expression_lab_get_output (self->lab);

  gtk_label_set_text (GTK_LABEL (self->summary_label), "");
  set_graph (self, nodes->len, (MmNode **) nodes->pdata, output,
             _("The lab is empty: load a preset or add a constant on the right."));
}

static void
show_source (MmGraphPage *self)
{
  gboolean network = self->source == MM_GRAPH_SOURCE_NETWORK;

  gtk_widget_set_visible (self->batch_box, network);
  gtk_widget_set_visible (self->lab_box, !network);
  if (network)
    show_network (self);
  else
    show_lab (self);
}

static gboolean
rebuild_idle (gpointer data)
{
  MmGraphPage *self = data;

  self->rebuild_id = 0;
  if (self->source == MM_GRAPH_SOURCE_NETWORK)
    show_network (self);
  return G_SOURCE_REMOVE;
}

/* The network or the data changed: rebuild soon if the graph is on screen,
 * else when it is shown. */
static void
network_changed (MmGraphPage *self)
{
  self->dirty = TRUE;
  if (self->source == MM_GRAPH_SOURCE_NETWORK && gtk_widget_get_mapped (GTK_WIDGET (self)) &&
      self->rebuild_id == 0)
    self->rebuild_id = g_idle_add (rebuild_idle, self);
}

static void
mm_graph_page_map (GtkWidget *widget)
{
  MmGraphPage *self = MM_GRAPH_PAGE (widget);

  GTK_WIDGET_CLASS (mm_graph_page_parent_class)->map (widget);
  if (self->dirty && self->source == MM_GRAPH_SOURCE_NETWORK)
    network_changed (self);
}

/* ---- Reactions ---------------------------------------------------------------------------- */

static void
selection_changed (MmGraphPage *self)
{
  show_node (self, mm_graph_view_get_selected (self->view));
}

static void
position_changed (MmGraphPage *self)
{
  MmNode *current = mm_backprop_stepper_get_current (self->stepper);

  if (current != NULL)
    mm_graph_view_set_selected (self->view, current);
  show_node (self, mm_graph_view_get_selected (self->view));
}

static void
lab_changed (MmGraphPage *self)
{
  if (self->source == MM_GRAPH_SOURCE_LAB)
    show_lab (self);
}

static void
source_changed (MmGraphPage *self)
{
  MmGraphSource source = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->source_dropdown)) == 1
                         ? MM_GRAPH_SOURCE_LAB : MM_GRAPH_SOURCE_NETWORK;

  if (source == self->source)
    return;
  self->source = source;
  /* An empty lab would be a blank page: start it with the README example. */
  if (source == MM_GRAPH_SOURCE_LAB && mm_expression_lab_get_nodes (self->lab)->len == 0)
    mm_expression_lab_load_preset (self->lab, MM_LAB_PRESET_README);
  show_source (self);
}

static void
batch_changed (MmGraphPage *self)
{
  if (self->source == MM_GRAPH_SOURCE_NETWORK)
    show_network (self);
  else
    self->dirty = TRUE;
}

static void
panel_toggled (MmGraphPage *self)
{
  gtk_widget_set_visible (self->side_scroller,
                          gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->panel_button)));
}

static void
direction_toggled (MmGraphPage *self)
{
  if (self->syncing)
    return;
  mm_graph_view_set_left_to_right (self->view,
                                   gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->direction_button)));
}

/* The view chose a direction by itself: show it on the button. */
static void
direction_changed (MmGraphPage *self)
{
  self->syncing = TRUE;
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->direction_button),
                                mm_graph_view_get_left_to_right (self->view));
  self->syncing = FALSE;
}

/* The side panel keeps its smallest width (its width request) and the graph
 * gets the rest, until the user drags the divider. */
static void
paned_max_changed (MmGraphPage *self)
{
  int max, now = gtk_paned_get_position (GTK_PANED (self->paned));

  g_object_get (self->paned, "max-position", &max, NULL);
  /* The paned keeps the side's width when it is resized (only the graph
   * grows), so a divider left of the maximum means it was dragged. */
  if (self->side_set >= 0 && max - now > 2)
    self->paned_moved = TRUE;
  if (self->paned_moved)
    return;
  gtk_paned_set_position (GTK_PANED (self->paned), max);
  self->side_set = 1;
}

/* ---- Public ------------------------------------------------------------------------------------ */

void
mm_graph_page_set_source (MmGraphPage   *self,
                          MmGraphSource  source)
{
  g_return_if_fail (MM_IS_GRAPH_PAGE (self));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->source_dropdown), source == MM_GRAPH_SOURCE_LAB ? 1 : 0);
}

MmGraphSource
mm_graph_page_get_source (MmGraphPage *self)
{
  g_return_val_if_fail (MM_IS_GRAPH_PAGE (self), MM_GRAPH_SOURCE_NETWORK);
  return self->source;
}

void
mm_graph_page_set_batch_size (MmGraphPage *self,
                              guint        n)
{
  g_return_if_fail (MM_IS_GRAPH_PAGE (self));
  gtk_adjustment_set_value (self->batch_adjustment, CLAMP (n, 1, 8));
}

gboolean
mm_graph_page_rebuild (MmGraphPage  *self,
                       GError      **error)
{
  g_return_val_if_fail (MM_IS_GRAPH_PAGE (self), FALSE);

  if (self->source != MM_GRAPH_SOURCE_NETWORK)
    {
      show_lab (self);
      return TRUE;
    }
  show_network (self);
  if (self->network_root == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           self->network_message ? self->network_message
                                                 : _("The network's graph could not be built"));
      return FALSE;
    }
  return TRUE;
}

MmGraphView *
mm_graph_page_get_view (MmGraphPage *self)
{
  g_return_val_if_fail (MM_IS_GRAPH_PAGE (self), NULL);
  return self->view;
}

MmBackpropStepper *
mm_graph_page_get_stepper (MmGraphPage *self)
{
  g_return_val_if_fail (MM_IS_GRAPH_PAGE (self), NULL);
  return self->stepper;
}

MmNodeInspector *
mm_graph_page_get_inspector (MmGraphPage *self)
{
  g_return_val_if_fail (MM_IS_GRAPH_PAGE (self), NULL);
  return self->inspector;
}

MmExpressionLab *
mm_graph_page_get_lab (MmGraphPage *self)
{
  g_return_val_if_fail (MM_IS_GRAPH_PAGE (self), NULL);
  return self->lab;
}

/* ---- Actions ---------------------------------------------------------------------------------- */

static void
action_stepper (GtkWidget  *widget,
                const char *name,
                GVariant   *param)
{
  MmGraphPage *self = MM_GRAPH_PAGE (widget);

  if (g_str_equal (name, "graph.step"))
    mm_backprop_stepper_step (self->stepper);
  else if (g_str_equal (name, "graph.back"))
    mm_backprop_stepper_step_back (self->stepper);
  else if (g_str_equal (name, "graph.start"))
    mm_backprop_stepper_seek (self->stepper, 0);
  else if (g_str_equal (name, "graph.end"))
    mm_backprop_stepper_run_to_end (self->stepper);
  else if (g_str_equal (name, "graph.play"))
    mm_backprop_stepper_set_playing (self->stepper, !mm_backprop_stepper_get_playing (self->stepper));
}

static void
action_view (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  MmGraphPage *self = MM_GRAPH_PAGE (widget);

  if (g_str_equal (name, "graph.zoom-in"))
    mm_graph_view_zoom_in (self->view);
  else if (g_str_equal (name, "graph.zoom-out"))
    mm_graph_view_zoom_out (self->view);
  else if (g_str_equal (name, "graph.fit"))
    mm_graph_view_zoom_to_fit (self->view);
  else if (g_str_equal (name, "graph.refresh"))
    mm_graph_page_rebuild (self, NULL);
  else if (g_str_equal (name, "graph.panel"))
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->panel_button),
                                  !gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->panel_button)));
}

/* ---- GObject ------------------------------------------------------------------------------------ */

static void
mm_graph_page_dispose (GObject *object)
{
  MmGraphPage *self = MM_GRAPH_PAGE (object);

  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  if (self->session)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  if (self->lab)
    mm_expression_lab_set_graph_view (self->lab, NULL);
  if (self->stepper)
    mm_backprop_stepper_set_graph_view (self->stepper, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), MM_TYPE_GRAPH_PAGE);
  G_OBJECT_CLASS (mm_graph_page_parent_class)->dispose (object);
}

static void
mm_graph_page_finalize (GObject *object)
{
  MmGraphPage *self = MM_GRAPH_PAGE (object);

  g_clear_pointer (&self->network_root, mm_node_unref);
  g_clear_pointer (&self->network_message, g_free);
  G_OBJECT_CLASS (mm_graph_page_parent_class)->finalize (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, MmGraphPage, name)

static void
mm_graph_page_class_init (MmGraphPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_graph_page_dispose;
  object_class->finalize = mm_graph_page_finalize;
  widget_class->map = mm_graph_page_map;

  g_type_ensure (MM_TYPE_GRAPH_VIEW);
  g_type_ensure (MM_TYPE_BACKPROP_STEPPER);
  g_type_ensure (MM_TYPE_NODE_INSPECTOR);
  g_type_ensure (MM_TYPE_EXPRESSION_LAB);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/mymlstudio/Studio/mm-graph-page.ui");
  BIND (box);
  BIND (toolbar);
  BIND (source_dropdown);
  BIND (batch_box);
  BIND (batch_spin);
  BIND (batch_adjustment);
  BIND (refresh_button);
  BIND (summary_label);
  BIND (direction_button);
  BIND (panel_button);
  BIND (paned);
  BIND (side_scroller);
  BIND (side_box);
  BIND (lab_box);
  BIND (view);
  BIND (stepper);
  BIND (inspector);
  BIND (lab);

  gtk_widget_class_install_action (widget_class, "graph.step", NULL, action_stepper);
  gtk_widget_class_install_action (widget_class, "graph.back", NULL, action_stepper);
  gtk_widget_class_install_action (widget_class, "graph.start", NULL, action_stepper);
  gtk_widget_class_install_action (widget_class, "graph.end", NULL, action_stepper);
  gtk_widget_class_install_action (widget_class, "graph.play", NULL, action_stepper);
  gtk_widget_class_install_action (widget_class, "graph.zoom-in", NULL, action_view);
  gtk_widget_class_install_action (widget_class, "graph.zoom-out", NULL, action_view);
  gtk_widget_class_install_action (widget_class, "graph.fit", NULL, action_view);
  gtk_widget_class_install_action (widget_class, "graph.refresh", NULL, action_view);
  gtk_widget_class_install_action (widget_class, "graph.panel", NULL, action_view);

  /* A presenter's clicker sends Page Down / Page Up. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "graph.step", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, 0, "graph.step", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "graph.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, 0, "graph.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "graph.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_End, 0, "graph.end", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, 0, "graph.play", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "graph.panel", NULL);
}

static void
mm_graph_page_init (MmGraphPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  self->dirty = TRUE;
  self->side_set = -1;
  mm_backprop_stepper_set_graph_view (self->stepper, self->view);
  mm_expression_lab_set_graph_view (self->lab, self->view);
  gtk_widget_set_visible (self->lab_box, FALSE);

  g_signal_connect_swapped (self->view, "selection-changed", G_CALLBACK (selection_changed), self);
  g_signal_connect_swapped (self->stepper, "notify::position", G_CALLBACK (position_changed), self);
  g_signal_connect_swapped (self->lab, "changed", G_CALLBACK (lab_changed), self);
  g_signal_connect_swapped (self->source_dropdown, "notify::selected", G_CALLBACK (source_changed), self);
  g_signal_connect_swapped (self->batch_adjustment, "value-changed", G_CALLBACK (batch_changed), self);
  g_signal_connect_swapped (self->direction_button, "toggled", G_CALLBACK (direction_toggled), self);
  g_signal_connect_swapped (self->panel_button, "toggled", G_CALLBACK (panel_toggled), self);
  g_signal_connect_swapped (self->view, "notify::left-to-right", G_CALLBACK (direction_changed), self);
  g_signal_connect_swapped (self->paned, "notify::max-position", G_CALLBACK (paned_max_changed), self);
  mm_graph_view_set_placeholder (self->view, _("The graph appears when the data is loaded."));
  show_node (self, NULL);
}

GtkWidget *
mm_graph_page_new (MmSession *session)
{
  MmGraphPage *self;

  g_return_val_if_fail (MM_IS_SESSION (session), NULL);

  self = g_object_new (MM_TYPE_GRAPH_PAGE, NULL);
  self->session = g_object_ref (session);
  g_signal_connect_swapped (session, "model-changed", G_CALLBACK (network_changed), self);
  g_signal_connect_swapped (session, "data-changed", G_CALLBACK (network_changed), self);
  g_signal_connect_swapped (session, "settings-changed", G_CALLBACK (network_changed), self);
  return GTK_WIDGET (self);
}
