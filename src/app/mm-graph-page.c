/* mm-graph-page.c — the graph view with its stepper, inspector and lab.
 *
 * The network's graph is the graph of one training step on a few test
 * samples, built by the optimizer exactly as training builds it (network,
 * loss, penalties), with the session's current weights. It is rebuilt when
 * the network or the data change, or on request; not while training runs,
 * so that a student stepping through it is not interrupted.
 *
 * Each layer is folded into one box at first (the view's folding, with the
 * titles from the network's layers); the "Fold layers" button opens or folds
 * them all. When training diverges, the page shows the step that diverged
 * instead, with the stepper on the first node that is not finite
 * (mm_trace_nonfinite) and a banner that says what happened.
 */
#include "config.h"
#include "mm-graph-page.h"

#include <glib/gi18n.h>
#include <math.h>

struct _MmGraphPage {
  GtkWidget parent_instance;

  MmSession *session;
  MmGraphSource source;
  gboolean dirty;
  gboolean syncing;
  int side_set;             /* ≥ 0 once the divider was placed */
  gboolean paned_moved;     /* by the user: keep it where it is */
  guint rebuild_id;
  guint focus_id;           /* zooming in on the node where training diverged */
  char *network_message;
  MmNode *network_root;

  GtkWidget *box, *toolbar, *source_dropdown, *batch_box, *batch_spin, *refresh_button;
  GtkWidget *summary_label, *direction_button, *panel_button, *paned, *side_scroller, *side_box, *lab_box;
  GtkWidget *fold_button, *banner, *banner_label, *banner_close;
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

/* ---- Folding ------------------------------------------------------------------------------ */

static void
add_titles (GHashTable *titles,
            MmModule   *module,
            const char *prefix)
{
  const char *type = mm_module_get_type_name (module);

  if (g_str_equal (type, "Input"))
    add_titles (titles, mm_module_get_child (module, 0), prefix);
  else if (g_str_equal (type, "Sequential"))
    for (guint i = 0; i < mm_module_get_n_children (module); i++)
      {
        MmModule *child = mm_module_get_child (module, i);
        char *scope = g_strdup_printf ("%s%u.", prefix, i);

        g_hash_table_insert (titles, scope, mm_module_to_string (child));
        add_titles (titles, child, scope);
      }
}

/* The nodes below @top that no layer built and that are not given (the
 * targets stay data of their own), into @scope. */
static void
tag_part (MmNode     *top,
          const char *scope)
{
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();

  g_ptr_array_add (stack, top);
  while (stack->len > 0)
    {
      MmNode *n = g_ptr_array_steal_index_fast (stack, stack->len - 1);

      if (mm_node_is_constant (n) || mm_node_get_scope (n) != NULL)
        continue;
      mm_node_set_scope (n, scope);
      for (guint i = 0; i < mm_node_get_n_inputs (n); i++)
        g_ptr_array_add (stack, mm_node_get_input (n, i));
    }
}

void
mm_graph_fold_loss (MmNode     *root,
                    GHashTable *titles)
{
  static const struct { const char *label, *scope; } parts[] = {
    { "loss", "loss." },
    { "L1 penalty", "L1 penalty." },
    { "L2 penalty", "L2 penalty." },
  };
  g_autoptr(GPtrArray) order = NULL;

  g_return_if_fail (root != NULL);
  order = mm_node_collect (root);
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    for (guint k = 0; k < order->len; k++)
      {
        MmNode *n = g_ptr_array_index (order, k);

        if (g_strcmp0 (mm_node_get_label (n), parts[i].label) != 0)
          continue;
        tag_part (n, parts[i].scope);
        if (titles != NULL)
          g_hash_table_insert (titles, g_strdup (parts[i].scope),
                               g_strdup (i == 0 ? _("Loss") : i == 1 ? _("L1 penalty") : _("L2 penalty")));
        break;
      }
}

guint
mm_graph_fold_time_steps (MmNode     *root,
                          GHashTable *titles)
{
  g_autoptr(GPtrArray) order = NULL;
  g_autoptr(GHashTable) made = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_return_val_if_fail (root != NULL, 0);
  order = mm_node_collect (root);
  for (guint k = 0; k < order->len; k++)
    {
      MmNode *n = g_ptr_array_index (order, k);
      const char *scope = mm_node_get_scope (n), *label = mm_node_get_label (n);
      g_autofree char *step_scope = NULL;
      guint layer;
      gsize step;

      /* Only the steps' own nodes: labelled by the layer that built them
       * (and not twice: a folded node's scope no longer prefixes its label). */
      if (scope == NULL || label == NULL || !g_str_has_prefix (label, scope)
          || !mm_rnn_label_parse (label, NULL, &layer, &step))
        continue;
      step_scope = layer == 0 ? g_strdup_printf ("%st%zu.", scope, step)
                              : g_strdup_printf ("%sl%ut%zu.", scope, layer, step);
      if (titles != NULL && !g_hash_table_contains (titles, step_scope))
        g_hash_table_insert (titles, g_strdup (step_scope),
                             layer == 0 ? g_strdup_printf (_("time step %zu"), step)
                                        : g_strdup_printf (_("layer %u, time step %zu"), layer, step));
      g_hash_table_add (made, g_strdup (step_scope));
      mm_node_set_scope (n, step_scope);
    }
  return g_hash_table_size (made);
}

GHashTable *
mm_graph_scope_titles (MmModule *model)
{
  GHashTable *titles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_return_val_if_fail (model != NULL, titles);
  add_titles (titles, model, "");
  return titles;
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
           const char  *placeholder,
           GHashTable  *titles)
{
  gtk_widget_set_visible (self->banner, FALSE);
  mm_graph_view_set_placeholder (self->view, placeholder);
  mm_graph_view_set_graph (self->view, n_nodes, nodes, titles);
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
      set_graph (self, 0, NULL, NULL, error->message, NULL);
      return;
    }
  {
    g_autofree char *loss = g_strdup_printf ("%.4g", mm_tensor_item (mm_node_get_value (self->network_root)));
    g_autofree char *text = g_strdup_printf (_("Loss %s on %u test samples"), loss,
                                             (guint) gtk_adjustment_get_value (self->batch_adjustment));
    gtk_label_set_text (GTK_LABEL (self->summary_label), text);
  }
  {
    g_autoptr(MmModule) model = mm_session_dup_model (self->session);
    g_autoptr(GHashTable) titles = model ? mm_graph_scope_titles (model) : NULL;

    if (titles != NULL)
      {
        mm_graph_fold_loss (self->network_root, titles);
        mm_graph_fold_time_steps (self->network_root, titles);
      }
    set_graph (self, 1, &self->network_root, self->network_root, NULL, titles);
  }
}

static void
show_lab (MmGraphPage *self)
{
  GPtrArray *nodes = mm_expression_lab_get_nodes (self->lab);
  MmNode *output = mm_expression_lab_get_output (self->lab);

  gtk_label_set_text (GTK_LABEL (self->summary_label), "");
  set_graph (self, nodes->len, (MmNode **) nodes->pdata, output,
             _("The lab is empty: load a preset or add a constant on the right."), NULL);
}

static void
show_source (MmGraphPage *self)
{
  gboolean network = self->source == MM_GRAPH_SOURCE_NETWORK;

  gtk_widget_set_visible (self->batch_box, network);
  gtk_widget_set_visible (self->fold_button, network);
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
fold_toggled (MmGraphPage *self)
{
  if (self->syncing)
    return;
  mm_graph_view_set_all_expanded (self->view, !gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->fold_button)));
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

/* ---- A diverged step -------------------------------------------------------------------------- */

static gboolean
focus_tick (GtkWidget     *widget,
            GdkFrameClock *clock,
            gpointer       data)
{
  MmGraphPage *self = data;
  MmNode *node = mm_graph_view_get_selected (self->view);
  g_autoptr(GPtrArray) focus = g_ptr_array_new ();

  if (gtk_widget_get_width (widget) <= 0)
    return G_SOURCE_CONTINUE;
  self->focus_id = 0;
  if (node != NULL)
    {
      g_ptr_array_add (focus, node);
      for (guint i = 0; i < mm_node_get_n_inputs (node); i++)
        g_ptr_array_add (focus, mm_node_get_input (node, i));
      mm_graph_view_focus_nodes (self->view, focus->len, (MmNode **) focus->pdata);
    }
  return G_SOURCE_REMOVE;
}

static void
hide_banner (MmGraphPage *self)
{
  gtk_widget_set_visible (self->banner, FALSE);
}

/* The finite number of largest magnitude among the inputs (what "reaches"
 * means in the banner); FALSE when no input has one. */
static gboolean
largest_input (const MmTraceResult *r,
               double              *value)
{
  gboolean any = FALSE;

  for (guint i = 0; i < r->n_inputs; i++)
    {
      const MmTensorStats *st = &r->input_stats[i];
      double v;

      if (isnan (st->min))
        continue;
      v = fabs (st->max) >= fabs (st->min) ? st->max : st->min;
      if (!any || fabs (v) > fabs (*value))
        *value = v;
      any = TRUE;
    }
  return any;
}

char *
mm_graph_divergence_text (const MmTraceResult *r,
                          guint64              step)
{
  g_autofree char *name = NULL, *kind = NULL, *number = NULL;
  double reach = 0;

  g_return_val_if_fail (r != NULL, NULL);
  if (r->kind == MM_TRACE_FINITE || r->node == NULL)
    return g_strdup_printf (_("Training diverged at step %llu, but every value and every gradient of that step "
                              "is finite: the update itself overflowed. Lower the learning rate."),
                            (unsigned long long) step);
  /* "h (Exp)" for a labelled node, "Exp" for another. */
  kind = mm_node_describe (r->node);
  if (mm_node_get_label (r->node) != NULL && !mm_node_is_constant (r->node))
    name = g_strdup_printf ("%s (%s)", mm_node_get_label (r->node), kind);
  else
    name = mm_node_display_name (r->node);
  if (r->kind == MM_TRACE_GRADIENT)
    {
      g_autofree char *source = r->source ? mm_node_display_name (r->source) : NULL;
      if (source != NULL)
        return g_strdup_printf (_("Training diverged at step %llu: every value is finite, but the gradient of "
                                  "node %s is not; it comes back from %s."),
                                (unsigned long long) step, name, source);
      return g_strdup_printf (_("Training diverged at step %llu: every value is finite, but the gradient of "
                                "node %s is not."), (unsigned long long) step, name);
    }
  if (mm_node_is_constant (r->node))
    return g_strdup_printf (_("Training diverged at step %llu: %s is not finite before anything is computed."),
                            (unsigned long long) step, name);
  if (!largest_input (r, &reach))
    return g_strdup_printf (_("Training diverged at step %llu: the first non-finite value appears in node %s."),
                            (unsigned long long) step, name);
  number = g_strdup_printf ("%.4g", reach);
  return g_strdup_printf (_("Training diverged at step %llu: the first non-finite value appears in node %s, "
                            "whose input reaches %s."), (unsigned long long) step, name, number);
}

gboolean
mm_graph_page_show_divergence (MmGraphPage   *self,
                               MmDivergence  *divergence,
                               guint64        step_offset,
                               MmTraceResult *result,
                               GError       **error)
{
  g_autoptr(MmModule) model = NULL;
  g_autoptr(GHashTable) titles = NULL;
  g_autofree char *text = NULL, *summary = NULL;
  MmTraceResult r;

  g_return_val_if_fail (MM_IS_GRAPH_PAGE (self), FALSE);
  g_return_val_if_fail (divergence != NULL, FALSE);

  if (divergence->loss == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("The graph of the step that diverged could not be built again"));
      return FALSE;
    }
  if (!mm_trace_nonfinite (divergence->loss, 0, NULL, &r, error))
    return FALSE;

  /* The network's page, showing this step rather than a fresh graph. */
  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  self->dirty = FALSE;
  if (self->source != MM_GRAPH_SOURCE_NETWORK)
    {
      self->source = MM_GRAPH_SOURCE_NETWORK;
      gtk_drop_down_set_selected (GTK_DROP_DOWN (self->source_dropdown), 0);
      gtk_widget_set_visible (self->batch_box, TRUE);
      gtk_widget_set_visible (self->fold_button, TRUE);
      gtk_widget_set_visible (self->lab_box, FALSE);
    }
  g_clear_pointer (&self->network_root, mm_node_unref);
  self->network_root = mm_node_ref (divergence->loss);
  g_clear_pointer (&self->network_message, g_free);
  summary = g_strdup_printf (_("The step that diverged, on its batch of %zu samples"),
                             divergence->x ? (gsize) divergence->x->shape.dim[0] : (gsize) 0);
  gtk_label_set_text (GTK_LABEL (self->summary_label), summary);
  model = mm_session_dup_model (self->session);
  titles = model ? mm_graph_scope_titles (model) : NULL;
  if (titles != NULL)
    {
      mm_graph_fold_loss (self->network_root, titles);
      mm_graph_fold_time_steps (self->network_root, titles);
    }
  set_graph (self, 1, &self->network_root, self->network_root, NULL, titles);

  /* The stepper goes to the node: its value computed, or (for a gradient)
   * the backward pass at its step; the page then selects it. */
  if (r.node != NULL)
    {
      guint position = r.kind == MM_TRACE_VALUE ? r.position + 1
                                                : mm_backprop_stepper_get_n_forward (self->stepper) + r.position + 1;
      mm_graph_view_reveal_node (self->view, r.node);
      mm_backprop_stepper_seek (self->stepper, position);
      mm_graph_view_set_selected (self->view, r.node);
      show_node (self, r.node);
      /* Zoomed in on it once the view has its size (the page may be shown
       * only now). */
      if (self->focus_id != 0)
        gtk_widget_remove_tick_callback (GTK_WIDGET (self->view), self->focus_id);
      self->focus_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->view), focus_tick, self, NULL);
    }
  /* Every number finite: the trainer stopped for another reason (the loss
   * exploded and stayed finite), which its own message says best. */
  if (r.kind == MM_TRACE_FINITE && !divergence->after_update && divergence->message != NULL)
    text = g_strdup (divergence->message);
  else
    text = mm_graph_divergence_text (&r, divergence->step + step_offset);
  gtk_label_set_text (GTK_LABEL (self->banner_label), text);
  gtk_widget_set_visible (self->banner, TRUE);
  if (result != NULL)
    *result = r;
  else
    mm_trace_result_clear (&r);
  return TRUE;
}

const char *
mm_graph_page_get_banner (MmGraphPage *self)
{
  g_return_val_if_fail (MM_IS_GRAPH_PAGE (self), NULL);
  return gtk_widget_get_visible (self->banner) ? gtk_label_get_text (GTK_LABEL (self->banner_label)) : NULL;
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
  if (self->focus_id != 0 && self->view != NULL)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->view), self->focus_id);
  self->focus_id = 0;
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
  BIND (fold_button);
  BIND (banner);
  BIND (banner_label);
  BIND (banner_close);
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
  g_signal_connect_swapped (self->fold_button, "toggled", G_CALLBACK (fold_toggled), self);
  g_signal_connect_swapped (self->banner_close, "clicked", G_CALLBACK (hide_banner), self);
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
