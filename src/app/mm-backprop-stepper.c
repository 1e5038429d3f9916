/* mm-backprop-stepper.c — drives the core's MmBackward one node at a time.
 *
 * Everything the student sees about the backward pass comes from the core's
 * step API: the order (mm_backward_get_node), the gradient arriving
 * (MmBackwardStep.grad), what each input receives (contributions,
 * accumulated), how many consumers a node has (mm_backward_get_n_consumers)
 * and the formulas (mm_node_get_rule). This file only keeps the position,
 * writes the explanation and marks the graph.
 */
#include "config.h"
#include "mm-backprop-stepper.h"
#include "mm-node-inspector.h"
#include "mm-tensor-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

struct _MmBackpropStepper {
  GtkWidget parent_instance;

  MmGraphView *view;
  MmNode *root;
  GPtrArray *order;             /* forward order (mm_node_collect) */
  GHashTable *forward_index;    /* node → forward index + 1 */
  MmTensor *upstream;           /* NULL for a one-number output */
  MmBackward *bw;               /* made when the backward pass begins */
  GHashTable *backward_index;   /* node → backward position + 1 */
  char *bw_error;
  guint position;
  guint play_id;
  gboolean playing;
  char *explanation;
  char *check_text;
  GPtrArray *check_nodes;       /* the constants of the dropdown */

  GtkWidget *box, *start_button, *back_button, *step_button, *end_button, *play_button;
  GtkWidget *speed_spin, *progress, *phase_label, *explain_label;
  GtkWidget *check_row, *check_dropdown, *check_button, *check_label;
  GtkAdjustment *speed_adjustment;
};

G_DEFINE_FINAL_TYPE (MmBackpropStepper, mm_backprop_stepper, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_POSITION,
  PROP_PLAYING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update (MmBackpropStepper *self);

/* ---- Rebuilding a graph with one constant changed ------------------------------------ */

/* The permutation of a Permute node, read back from its description
 * "Permute (1, 0, 2)": the core has no getter for it, and this keeps the
 * numerical check working for every node type of the engine. */
static gboolean
parse_permutation (MmNode *node,
                   guint  *perm,
                   guint   n)
{
  g_autofree char *text = mm_node_describe (node);
  const char *p = strchr (text, '(');
  guint k = 0;

  while (p != NULL && *p != '\0' && k < n)
    {
      char *end;
      guint64 v;

      while (*p == '(' || *p == ',' || *p == ' ')
        p++;
      v = g_ascii_strtoull (p, &end, 10);
      if (end == p)
        break;
      perm[k++] = (guint) v;
      p = end;
    }
  return k == n;
}

/* "a×b" right after @key in @text (@key NULL: after the first space). */
static gboolean
read_pair (const char *text,
           const char *key,
           gsize      *a,
           gsize      *b)
{
  const char *p = key ? strstr (text, key) : strchr (text, ' ');
  char *end;

  if (p == NULL)
    return FALSE;
  p += key ? strlen (key) : 0;
  while (*p == ' ')
    p++;
  *a = (gsize) g_ascii_strtoull (p, &end, 10);
  if (end == p || !g_str_has_prefix (end, "×"))
    return FALSE;
  p = end + strlen ("×");
  *b = (gsize) g_ascii_strtoull (p, &end, 10);
  return end != p;
}

/* A pooling node's kernel and settings, from its description
 * "MaxPool2d 2×2 stride 1×1 padding 1×1" (stride, padding and dilation only
 * when not the defaults): the core has no getter for them. */
static MmNode *
clone_pool (MmNode  *node,
            MmNode  *x,
            GError **error)
{
  g_autofree char *text = mm_node_describe (node);
  MmConv2dSettings settings;
  gsize kh, kw;

  mm_conv2d_settings_init (&settings, 0, 0, 1);
  if (!read_pair (text, NULL, &kh, &kw))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("The numerical check cannot read the settings of “%s”"), text);
      return NULL;
    }
  read_pair (text, "stride", &settings.stride[0], &settings.stride[1]);
  read_pair (text, "padding", &settings.padding[0], &settings.padding[1]);
  read_pair (text, "dilation", &settings.dilation[0], &settings.dilation[1]);
  if (g_str_equal (mm_node_get_type_name (node), "MaxPool2d"))
    return mm_max_pool2d_new (x, kh, kw, &settings, error);
  return mm_avg_pool2d_new (x, kh, kw, &settings, error);
}

static MmNode *
clone_op (MmNode         *node,
          MmNode * const *inputs,
          GError        **error)
{
  const char *type = mm_node_get_type_name (node);
  const MmShape *shape = mm_node_get_shape (node);
  guint n = mm_node_get_n_inputs (node);

  if (g_str_equal (type, "TensorDot"))
    return mm_tensordot_new (inputs[0], inputs[1], mm_tensordot_get_d (node), error);
  if (g_str_equal (type, "Sum"))
    return mm_sum_new (inputs[0], mm_sum_get_d (node), error);
  if (mm_node_is_elementwise (node))
    return mm_elementwise_new (mm_elementwise_get_op (node), n, inputs, error);
  if (g_str_equal (type, "Reshape"))
    return mm_reshape_new (inputs[0], shape, error);
  if (g_str_equal (type, "Broadcast"))
    {
      guint n_lead = shape->ndim - mm_node_get_shape (inputs[0])->ndim;
      return mm_broadcast_new (inputs[0], n_lead, shape->dim, error);
    }
  if (g_str_equal (type, "Softmax"))
    return mm_softmax_new (inputs[0], error);
  if (g_str_equal (type, "LogSoftmax"))
    return mm_log_softmax_new (inputs[0], error);
  if (mm_node_is_conv2d (node))
    {
      MmConv2dSettings settings;
      mm_conv2d_get_settings (node, &settings);
      return mm_conv2d_new (inputs[0], inputs[1], n > 2 ? inputs[2] : NULL, &settings, error);
    }
  if (mm_node_is_pool2d (node))
    return clone_pool (node, inputs[0], error);
  if (mm_node_is_dropout (node))
    {
      /* The same mask, as a constant: X ⊙ (M / (1 − p)). */
      g_autoptr(MmTensor) scale = mm_tensor_copy (mm_dropout_get_mask (node));
      g_autoptr(MmNode) mask = NULL;
      float keep = (float) (1.0 - mm_dropout_get_p (node));

      for (gsize i = 0; i < scale->size; i++)
        scale->data[i] /= keep;
      mask = mm_constant_new (scale);
      return mm_binary_new (MM_OP_MUL, inputs[0], mask, error);
    }
  if (mm_node_is_batch_norm (node))
    {
      /* eps is only in the description ("…, eps=1e-05"). */
      g_autofree char *text = mm_node_describe (node);
      const char *e = strstr (text, "eps=");
      double eps = e ? g_ascii_strtod (e + 4, NULL) : 1e-5;
      return mm_batch_norm_new (inputs[0], inputs[1], inputs[2], n > 3 ? inputs[3] : NULL,
                                n > 4 ? inputs[4] : NULL, eps, error);
    }
  if (g_str_equal (type, "Permute"))
    {
      guint perm[MM_MAX_DIMS];
      if (parse_permutation (node, perm, shape->ndim))
        return mm_permute_new (inputs[0], shape->ndim, perm, error);
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               _("The numerical check cannot rebuild a %s node"), type);
  return NULL;
}

MmNode *
mm_graph_rebuild_with (MmNode    *root,
                       MmNode    *target,
                       MmTensor  *value,
                       GError   **error)
{
  g_autoptr(GPtrArray) order = NULL;
  g_autoptr(GHashTable) map = NULL;

  g_return_val_if_fail (root != NULL && target != NULL && value != NULL, NULL);
  g_return_val_if_fail (mm_node_is_constant (target), NULL);

  order = mm_node_collect (root);
  map = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) mm_node_unref);
  for (guint i = 0; i < order->len; i++)
    {
      MmNode *node = g_ptr_array_index (order, i);
      guint n = mm_node_get_n_inputs (node);
      g_autofree MmNode **inputs = g_new0 (MmNode *, MAX (n, 1));
      gboolean changed = FALSE;
      MmNode *copy;

      if (node == target)
        {
          copy = mm_constant_new_labelled (value, mm_node_get_label (node));
          g_hash_table_insert (map, node, copy);
          continue;
        }
      for (guint k = 0; k < n; k++)
        {
          inputs[k] = g_hash_table_lookup (map, mm_node_get_input (node, k));
          changed |= inputs[k] != mm_node_get_input (node, k);
        }
      if (!changed)
        copy = mm_node_ref (node);  /* its cached value stays valid */
      else
        {
          copy = clone_op (node, inputs, error);
          if (copy == NULL)
            return NULL;
          if (mm_node_get_label (node))
            mm_node_set_label (copy, mm_node_get_label (node));
        }
      g_hash_table_insert (map, node, copy);
    }
  return mm_node_ref (g_hash_table_lookup (map, root));
}

/* L = Σ upstream ⊙ output (the output itself for one number), in double. */
static double
objective (MmNode         *root,
           const MmTensor *upstream)
{
  const MmTensor *v = mm_node_get_value (root);
  double sum = 0;

  if (upstream == NULL)
    return v->data[0];
  for (gsize i = 0; i < v->size; i++)
    sum += (double) upstream->data[i] * v->data[i];
  return sum;
}

/* ---- Positions -------------------------------------------------------------------------- */

static guint
n_forward (MmBackpropStepper *self)
{
  return self->order ? self->order->len : 0;
}

static guint
n_backward (MmBackpropStepper *self)
{
  if (self->bw != NULL)
    return mm_backward_get_n_steps (self->bw);
  if (self->bw_error != NULL)
    return 0;
  /* Every node is a target, so the sweep visits every node once. */
  return n_forward (self);
}

static gboolean
ensure_backward (MmBackpropStepper *self)
{
  g_autoptr(GError) error = NULL;

  if (self->bw != NULL)
    return TRUE;
  if (self->bw_error != NULL || self->root == NULL)
    return FALSE;
  self->bw = mm_backward_new (self->root, self->upstream, 0, NULL, MM_BACKWARD_KEEP_ALL, &error);
  if (self->bw == NULL)
    {
      self->bw_error = g_strdup (error->message);
      return FALSE;
    }
  self->backward_index = g_hash_table_new (NULL, NULL);
  for (guint p = 0; p < mm_backward_get_n_steps (self->bw); p++)
    g_hash_table_insert (self->backward_index, mm_backward_get_node (self->bw, p), GUINT_TO_POINTER (p + 1));
  return TRUE;
}

static gint
backward_position_of (MmBackpropStepper *self,
                      MmNode            *node)
{
  if (self->backward_index == NULL)
    return -1;
  return GPOINTER_TO_INT (g_hash_table_lookup (self->backward_index, node)) - 1;
}

static guint
backward_taken (MmBackpropStepper *self)
{
  return self->position > n_forward (self) ? self->position - n_forward (self) : 0;
}

void
mm_backprop_stepper_seek (MmBackpropStepper *self,
                          guint              position)
{
  guint nf;

  g_return_if_fail (MM_IS_BACKPROP_STEPPER (self));

  nf = n_forward (self);
  position = MIN (position, mm_backprop_stepper_get_n_positions (self));
  /* The forward pass, node by node: each value is computed when its step
   * comes (the inputs' values are ready, they come earlier in the order). */
  for (guint i = 0; i < MIN (position, nf); i++)
    mm_node_get_value (g_ptr_array_index (self->order, i));
  if (position > nf)
    {
      if (!ensure_backward (self))
        position = nf;
      else
        mm_backward_seek (self->bw, position - nf);
    }
  else if (self->bw != NULL)
    mm_backward_seek (self->bw, 0);

  if (position != self->position)
    {
      self->position = position;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
    }
  update (self);
}

gboolean
mm_backprop_stepper_step (MmBackpropStepper *self)
{
  g_return_val_if_fail (MM_IS_BACKPROP_STEPPER (self), FALSE);
  if (self->position >= mm_backprop_stepper_get_n_positions (self))
    return FALSE;
  if (self->position >= n_forward (self) && !ensure_backward (self))
    {
      update (self);
      return FALSE;
    }
  mm_backprop_stepper_seek (self, self->position + 1);
  return TRUE;
}

gboolean
mm_backprop_stepper_step_back (MmBackpropStepper *self)
{
  g_return_val_if_fail (MM_IS_BACKPROP_STEPPER (self), FALSE);
  if (self->position == 0)
    return FALSE;
  mm_backprop_stepper_seek (self, self->position - 1);
  return TRUE;
}

void
mm_backprop_stepper_run_to_end (MmBackpropStepper *self)
{
  g_return_if_fail (MM_IS_BACKPROP_STEPPER (self));
  if (self->root != NULL)
    ensure_backward (self);
  mm_backprop_stepper_seek (self, mm_backprop_stepper_get_n_positions (self));
}

guint
mm_backprop_stepper_get_position (MmBackpropStepper *self)
{
  g_return_val_if_fail (MM_IS_BACKPROP_STEPPER (self), 0);
  return self->position;
}

guint
mm_backprop_stepper_get_n_positions (MmBackpropStepper *self)
{
  g_return_val_if_fail (MM_IS_BACKPROP_STEPPER (self), 0);
  return n_forward (self) + n_backward (self);
}

guint
mm_backprop_stepper_get_n_forward (MmBackpropStepper *self)
{
  g_return_val_if_fail (MM_IS_BACKPROP_STEPPER (self), 0);
  return n_forward (self);
}

gboolean
mm_backprop_stepper_is_backward (MmBackpropStepper *self)
{
  g_return_val_if_fail (MM_IS_BACKPROP_STEPPER (self), FALSE);
  return self->position > n_forward (self);
}

MmNode *
mm_backprop_stepper_get_root (MmBackpropStepper *self)
{
  g_return_val_if_fail (MM_IS_BACKPROP_STEPPER (self), NULL);
  return self->root;
}

MmNode *
mm_backprop_stepper_get_current (MmBackpropStepper *self)
{
  const MmBackwardStep *step;

  g_return_val_if_fail (MM_IS_BACKPROP_STEPPER (self), NULL);
  if (self->position == 0)
    return NULL;
  if (self->position <= n_forward (self))
    return g_ptr_array_index (self->order, self->position - 1);
  step = mm_backward_get_step (self->bw);
  return step ? step->node : NULL;
}

const MmTensor *
mm_backprop_stepper_get_value (MmBackpropStepper *self,
                               MmNode            *node)
{
  gint k;

  g_return_val_if_fail (MM_IS_BACKPROP_STEPPER (self), NULL);
  if (self->forward_index == NULL || node == NULL)
    return NULL;
  k = GPOINTER_TO_INT (g_hash_table_lookup (self->forward_index, node)) - 1;
  if (k < 0 || (guint) k >= self->position)
    return NULL;
  return mm_node_get_value (node);
}

const MmTensor *
mm_backprop_stepper_get_gradient (MmBackpropStepper *self,
                                  MmNode            *node)
{
  g_return_val_if_fail (MM_IS_BACKPROP_STEPPER (self), NULL);
  if (self->bw == NULL || node == NULL || backward_taken (self) == 0)
    return NULL;
  return mm_backward_get_gradient (self->bw, node);
}

/* How many contributions @node has received after @taken steps. */
static guint
count_arrived (MmBackpropStepper *self,
               MmNode            *node,
               guint              taken)
{
  guint count = 0;

  for (guint p = 0; p < taken; p++)
    {
      MmNode *consumer = mm_backward_get_node (self->bw, p);
      for (guint i = 0; i < mm_node_get_n_inputs (consumer); i++)
        count += mm_node_get_input (consumer, i) == node;
    }
  return count;
}

char *
mm_backprop_stepper_describe_gradient (MmBackpropStepper *self,
                                       MmNode            *node)
{
  guint taken, n, arrived;
  gint p;

  g_return_val_if_fail (MM_IS_BACKPROP_STEPPER (self), NULL);
  taken = backward_taken (self);
  if (self->bw == NULL || node == NULL || taken == 0)
    return NULL;
  p = backward_position_of (self, node);
  if (p < 0)
    return g_strdup (_("Not part of the backward pass."));
  if (node == self->root)
    return g_strdup (self->upstream ? _("Complete: the sweep starts with G = 1 for each number of the output.")
                                    : _("Complete: the sweep starts with ∂L/∂L = 1."));
  n = mm_backward_get_n_consumers (self->bw, node);
  arrived = count_arrived (self, node, taken);
  if ((guint) p < taken || arrived == n)
    return n == 1 ? g_strdup (_("Complete: its one consumer has passed its share back."))
                  : g_strdup_printf (_("Complete: the sum of the %u contributions of its consumers."), n);
  if (arrived == 0)
    return g_strdup_printf (ngettext ("Nothing yet: waiting for its %u consumer.",
                                      "Nothing yet: waiting for its %u consumers.", n), n);
  return g_strdup_printf (_("Partial: %u of %u contributions so far."), arrived, n);
}

const char *
mm_backprop_stepper_get_explanation (MmBackpropStepper *self)
{
  g_return_val_if_fail (MM_IS_BACKPROP_STEPPER (self), NULL);
  return self->explanation ? self->explanation : "";
}

/* ---- The explanation ---------------------------------------------------------------------- */

static char *
escaped_name (MmNode *node)
{
  g_autofree char *name = mm_node_display_name (node);
  return g_markup_escape_text (name, -1);
}

static char *
range_markup (const MmTensor *t)
{
  g_autofree char *r = mm_tensor_format_range (t);
  g_autofree char *shape = mm_shape_to_string (&t->shape);
  g_autofree char *e = g_markup_escape_text (r, -1);
  return t->size == 1 ? g_strdup_printf ("<tt>%s</tt>", e) : g_strdup_printf ("%s <tt>%s</tt>", shape, e);
}

static char *
explain_forward (MmBackpropStepper *self,
                 MmNode            *node)
{
  GString *s = g_string_new (NULL);
  g_autofree char *name = escaped_name (node);
  g_autofree char *value = range_markup (mm_node_get_value (node));

  if (mm_node_is_constant (node))
    {
      g_string_append_printf (s, _("<b>%s</b> is given (a constant): %s"), name, value);
      return g_string_free (s, FALSE);
    }
  {
    g_autofree char *what = mm_node_describe (node);
    g_autofree char *e_what = g_markup_escape_text (what, -1);
    GString *args = g_string_new (NULL);

    for (guint i = 0; i < mm_node_get_n_inputs (node); i++)
      {
        g_autofree char *in = escaped_name (mm_node_get_input (node, i));
        g_string_append_printf (args, i ? ", %s" : "%s", in);
      }
    g_string_append_printf (s, _("<b>%s</b> = %s of %s\n= %s"), name, e_what, args->str, value);
    g_string_free (args, TRUE);
  }
  return g_string_free (s, FALSE);
}

static char *
explain_backward (MmBackpropStepper    *self,
                  const MmBackwardStep *step)
{
  GString *s = g_string_new (NULL);
  MmNode *node = step->node;
  g_autofree char *name = escaped_name (node);
  g_autofree char *grad = range_markup (step->grad);
  g_autofree char *state = mm_backprop_stepper_describe_gradient (self, node);
  g_autofree char *e_state = g_markup_escape_text (state ? state : "", -1);

  if (node == self->root)
    g_string_append_printf (s, self->upstream ? _("The sweep starts at the output <b>%s</b> with G = 1 for each of its numbers (as if L were their sum).\n")
                                              : _("The sweep starts at the output <b>%s</b>: ∂L/∂L = 1.\n"),
                            name);
  g_string_append_printf (s, _("Arriving at <b>%s</b>: G = ∂L/∂%s = %s\n<i>%s</i>"), name, name, grad, e_state);

  if (step->n_inputs == 0)
    {
      g_string_append_printf (s, _("\n%s is a leaf: nothing to pass on. This is the gradient the optimizer would use."), name);
      return g_string_free (s, FALSE);
    }

  g_string_append (s, _("\nPasses on, by the chain rule:"));
  for (guint i = 0; i < step->n_inputs; i++)
    {
      MmNode *input = mm_node_get_input (node, i);
      g_autofree char *in = escaped_name (input);
      g_autofree char *rule = mm_node_get_rule (node, i);
      g_autofree char *e_rule = g_markup_escape_text (rule, -1);
      guint n, k;

      if (step->contributions[i] == NULL)
        {
          g_string_append_printf (s, _("\n→ %s: nothing (no gradient needed)"), in);
          continue;
        }
      {
        g_autofree char *c = range_markup (step->contributions[i]);
        g_string_append_printf (s, "\n→ <b>%s</b>: <tt>%s</tt>\n    = %s", in, e_rule, c);
      }
      n = mm_backward_get_n_consumers (self->bw, input);
      k = count_arrived (self, input, step->position + 1);
      if (step->accumulated[i])
        {
          /* Name the consumers whose contributions were already there. */
          GString *from = g_string_new (NULL);
          guint shown = 0;

          for (guint p = 0; p < step->position; p++)
            {
              MmNode *consumer = mm_backward_get_node (self->bw, p);
              for (guint j = 0; j < mm_node_get_n_inputs (consumer); j++)
                if (mm_node_get_input (consumer, j) == input)
                  {
                    g_autofree char *cn = escaped_name (consumer);
                    g_string_append_printf (from, shown++ ? ", %s" : "%s", cn);
                  }
            }
          /* An input used twice by this node: its earlier slot came first. */
          for (guint j = 0; j < i; j++)
            if (mm_node_get_input (node, j) == input)
              g_string_append_printf (from, shown++ ? _(", %s (its input %u)") : _("%s (its input %u)"), name, j + 1);
          g_string_append_printf (s, _("\n    <i>added to what came from %s: %u of %u</i>"), from->str, k, n);
          g_string_free (from, TRUE);
        }
      else if (n > 1)
        g_string_append_printf (s, _("\n    <i>the first of %u contributions (%u of %u)</i>"), n, k, n);
    }
  return g_string_free (s, FALSE);
}

/* ---- Marking the graph --------------------------------------------------------------------- */

static void
mark_graph (MmBackpropStepper *self)
{
  guint nf = n_forward (self), taken = backward_taken (self);
  MmNode *current = mm_backprop_stepper_get_current (self);
  const MmBackwardStep *step = taken > 0 ? mm_backward_get_step (self->bw) : NULL;

  g_autoptr(GHashTable) arrived = NULL;

  if (self->view == NULL || mm_graph_view_get_layout (self->view) == NULL)
    return;
  mm_graph_view_clear_marks (self->view);
  if (self->order == NULL || self->position == 0)
    return;

  /* How many contributions each node has received so far: its gradient is
   * complete once all its consumers have passed theirs, even before its own
   * step comes. */
  arrived = g_hash_table_new (NULL, NULL);
  for (guint p = 0; p < taken; p++)
    {
      MmNode *consumer = mm_backward_get_node (self->bw, p);
      for (guint i = 0; i < mm_node_get_n_inputs (consumer); i++)
        {
          MmNode *in = mm_node_get_input (consumer, i);
          g_hash_table_insert (arrived, in, GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (arrived, in)) + 1));
        }
    }

  for (guint k = 0; k < nf; k++)
    {
      MmNode *node = g_ptr_array_index (self->order, k);
      guint marks = 0;

      if (k >= self->position)
        marks |= MM_GRAPH_MARK_PENDING;
      else
        {
          g_autofree char *v = mm_tensor_format_range (mm_node_get_value (node));
          mm_graph_view_set_note (self->view, node, MM_GRAPH_LINE_VALUE, v);
        }
      if (taken > 0)
        {
          const MmTensor *g = mm_backward_get_gradient (self->bw, node);
          gint p = backward_position_of (self, node);

          if (g != NULL)
            {
              g_autofree char *r = mm_tensor_format_range (g);
              g_autofree char *note = g_strdup_printf ("∇ %s", r);
              mm_graph_view_set_note (self->view, node, MM_GRAPH_LINE_GRADIENT, note);
              gboolean complete = (p >= 0 && (guint) p < taken) ||
                                  GPOINTER_TO_UINT (g_hash_table_lookup (arrived, node)) ==
                                  mm_backward_get_n_consumers (self->bw, node);
              marks |= complete ? MM_GRAPH_MARK_GRADIENT : MM_GRAPH_MARK_PARTIAL;
            }
          marks |= MM_GRAPH_MARK_BACKWARD;
        }
      if (node == current)
        marks |= MM_GRAPH_MARK_CURRENT;
      mm_graph_view_set_marks (self->view, node, marks);
    }

  /* The inputs of the current node: in the forward pass they feed it, in
   * the backward pass they receive from it. */
  if (current != NULL)
    for (guint i = 0; i < mm_node_get_n_inputs (current); i++)
      {
        MmNode *input = mm_node_get_input (current, i);
        if (step == NULL || step->contributions[i] != NULL)
          mm_graph_view_set_marks (self->view, input,
                                   mm_graph_view_get_marks (self->view, input) | MM_GRAPH_MARK_INPUT);
      }
  if (current != NULL)
    {
      /* The current node and its inputs, if they fit on the screen. */
      g_autoptr(GPtrArray) focus = g_ptr_array_new ();
      g_ptr_array_add (focus, current);
      for (guint i = 0; i < mm_node_get_n_inputs (current); i++)
        g_ptr_array_add (focus, mm_node_get_input (current, i));
      mm_graph_view_focus_nodes (self->view, focus->len, (MmNode **) focus->pdata);
    }
}

/* ---- Updating the widgets --------------------------------------------------------------------- */

static void
fill_check_nodes (MmBackpropStepper *self)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  g_ptr_array_set_size (self->check_nodes, 0);
  for (guint k = 0; self->order && k < self->order->len; k++)
    {
      MmNode *node = g_ptr_array_index (self->order, k);
      if (mm_node_is_constant (node))
        {
          g_autofree char *name = mm_node_display_name (node);
          g_autofree char *shape = mm_shape_to_string (mm_node_get_shape (node));
          g_autofree char *item = g_strdup_printf ("%s %s", name, shape);
          g_ptr_array_add (self->check_nodes, mm_node_ref (node));
          gtk_string_list_append (names, item);
        }
    }
  gtk_drop_down_set_model (GTK_DROP_DOWN (self->check_dropdown), G_LIST_MODEL (names));
  /* Parameters first: they are what training needs the gradient of. */
  for (guint i = 0; i < self->check_nodes->len; i++)
    {
      const char *label = mm_node_get_label (g_ptr_array_index (self->check_nodes, i));
      if (label == NULL || (strstr (label, "input") == NULL && strstr (label, "target") == NULL))
        {
          gtk_drop_down_set_selected (GTK_DROP_DOWN (self->check_dropdown), i);
          break;
        }
    }
}

/* A node of an unrolled RNN or LSTM says which time step it is: the
 * forward pass goes forward in time, the backward pass back through it. */
static char *
with_time_step (char       *text,
                MmNode     *node,
                gboolean    backward)
{
  guint layer;
  gsize step;
  char *more;

  if (node == NULL || !mm_rnn_label_parse (mm_node_get_label (node), NULL, &layer, &step))
    return text;
  more = g_strdup_printf (backward ? _("%s\n<b>Back through time</b>: time step %zu of recurrent layer %u — the "
                                       "gradient reaches step t from the output at t and from step t + 1.")
                                   : _("%s\n<b>Forward in time</b>: time step %zu of recurrent layer %u."),
                          text, step, layer);
  g_free (text);
  return more;
}

static void
update (MmBackpropStepper *self)
{
  guint total = mm_backprop_stepper_get_n_positions (self);
  guint nf = n_forward (self), taken = backward_taken (self);
  g_autofree char *phase = NULL;
  char *text = NULL;

  if (self->root == NULL)
    {
      phase = g_strdup (_("No graph"));
      text = g_strdup (_("Choose a graph to step through."));
    }
  else if (self->position == 0)
    {
      phase = g_strdup_printf (_("Ready: %u nodes forward, then %u backward"), nf, n_backward (self));
      text = g_strdup (_("Press <b>Step</b> to compute the values node by node, in the order the graph needs them; "
                         "after the last one the backward pass carries ∂L/∂… back through the graph."));
    }
  else if (self->position <= nf)
    {
      phase = g_strdup_printf (_("Forward pass: node %u of %u"), self->position, nf);
      text = explain_forward (self, g_ptr_array_index (self->order, self->position - 1));
      text = with_time_step (text, g_ptr_array_index (self->order, self->position - 1), FALSE);
    }
  else
    {
      phase = g_strdup_printf (_("Backward pass: node %u of %u"), taken, n_backward (self));
      text = explain_backward (self, mm_backward_get_step (self->bw));
      text = with_time_step (text, mm_backward_get_step (self->bw) ? mm_backward_get_step (self->bw)->node : NULL,
                             TRUE);
    }
  if (self->bw_error != NULL && self->position == nf && self->root != NULL)
    {
      g_autofree char *e = g_markup_escape_text (self->bw_error, -1);
      char *more = g_strdup_printf ("%s\n<span foreground=\"red\">%s</span>", text, e);
      g_free (text);
      text = more;
    }

  g_free (self->explanation);
  self->explanation = text;
  gtk_label_set_text (GTK_LABEL (self->phase_label), phase);
  gtk_label_set_markup (GTK_LABEL (self->explain_label), text);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress), total ? (double) self->position / total : 0);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "stepper.start", self->position > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "stepper.back", self->position > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "stepper.step", self->position < total);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "stepper.end", self->position < total);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "stepper.check", self->check_nodes->len > 0);
  gtk_widget_set_sensitive (self->check_row, self->check_nodes->len > 0);

  mark_graph (self);
}

void
mm_backprop_stepper_set_root (MmBackpropStepper *self,
                              MmNode            *root)
{
  g_return_if_fail (MM_IS_BACKPROP_STEPPER (self));

  mm_backprop_stepper_set_playing (self, FALSE);
  if (root != NULL)
    mm_node_ref (root);
  g_clear_pointer (&self->root, mm_node_unref);
  self->root = root;
  g_clear_pointer (&self->order, g_ptr_array_unref);
  g_clear_pointer (&self->forward_index, g_hash_table_unref);
  g_clear_pointer (&self->backward_index, g_hash_table_unref);
  g_clear_pointer (&self->bw, mm_backward_free);
  g_clear_pointer (&self->upstream, mm_tensor_unref);
  g_clear_pointer (&self->bw_error, g_free);
  g_clear_pointer (&self->check_text, g_free);
  gtk_label_set_text (GTK_LABEL (self->check_label), "");

  if (root != NULL)
    {
      self->order = mm_node_collect (root);
      self->forward_index = g_hash_table_new (NULL, NULL);
      for (guint k = 0; k < self->order->len; k++)
        g_hash_table_insert (self->forward_index, g_ptr_array_index (self->order, k), GUINT_TO_POINTER (k + 1));
      if (mm_shape_size (mm_node_get_shape (root)) != 1)
        self->upstream = mm_tensor_new_filled (mm_node_get_shape (root), 1.0f, NULL);
    }
  fill_check_nodes (self);
  if (self->position != 0)
    {
      self->position = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
    }
  update (self);
}

void
mm_backprop_stepper_set_graph_view (MmBackpropStepper *self,
                                    MmGraphView       *view)
{
  g_return_if_fail (MM_IS_BACKPROP_STEPPER (self));
  g_return_if_fail (view == NULL || MM_IS_GRAPH_VIEW (view));

  if (view == self->view)
    return;
  g_clear_object (&self->view);
  if (view)
    self->view = g_object_ref (view);
  mark_graph (self);
}

/* ---- Auto-play ---------------------------------------------------------------------- */

static gboolean
play_tick (gpointer data)
{
  MmBackpropStepper *self = data;

  if (!mm_backprop_stepper_step (self) ||
      self->position >= mm_backprop_stepper_get_n_positions (self))
    {
      self->play_id = 0;
      mm_backprop_stepper_set_playing (self, FALSE);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
restart_timer (MmBackpropStepper *self)
{
  double speed = gtk_adjustment_get_value (self->speed_adjustment);

  g_clear_handle_id (&self->play_id, g_source_remove);
  if (self->playing)
    self->play_id = g_timeout_add ((guint) (1000.0 / MAX (speed, 0.1)), play_tick, self);
}

void
mm_backprop_stepper_set_speed (MmBackpropStepper *self,
                               double             steps_per_second)
{
  g_return_if_fail (MM_IS_BACKPROP_STEPPER (self));
  g_return_if_fail (steps_per_second > 0);
  gtk_adjustment_set_value (self->speed_adjustment, steps_per_second);
}

gboolean
mm_backprop_stepper_get_playing (MmBackpropStepper *self)
{
  g_return_val_if_fail (MM_IS_BACKPROP_STEPPER (self), FALSE);
  return self->playing;
}

void
mm_backprop_stepper_set_playing (MmBackpropStepper *self,
                                 gboolean           playing)
{
  g_return_if_fail (MM_IS_BACKPROP_STEPPER (self));

  playing = !!playing && self->root != NULL;
  if (playing && self->position >= mm_backprop_stepper_get_n_positions (self))
    mm_backprop_stepper_seek (self, 0);  /* play again from the start */
  if (self->playing == playing)
    return;
  self->playing = playing;
  restart_timer (self);
  gtk_button_set_icon_name (GTK_BUTTON (self->play_button),
                            playing ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYING]);
}

/* ---- The numerical check ---------------------------------------------------------------- */

gboolean
mm_backprop_stepper_check_numerically (MmBackpropStepper *self,
                                       MmNode            *node,
                                       guint              max_entries,
                                       double            *max_rel_error,
                                       double            *max_abs_error,
                                       guint             *n_checked,
                                       GError           **error)
{
  g_autoptr(MmBackward) bw = NULL;
  g_autoptr(MmTensor) analytic = NULL;
  const MmTensor *value;
  double worst_rel = 0, worst_abs = 0;
  gsize n, count;

  g_return_val_if_fail (MM_IS_BACKPROP_STEPPER (self), FALSE);
  g_return_val_if_fail (node != NULL, FALSE);

  if (self->root == NULL || !mm_node_is_constant (node) ||
      g_hash_table_lookup (self->forward_index, node) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Choose a constant of this graph to check"));
      return FALSE;
    }

  /* The backward pass's answer: the same step API, run to the end. */
  bw = mm_backward_new (self->root, self->upstream, 1, &node, MM_BACKWARD_DEFAULT, error);
  if (bw == NULL)
    return FALSE;
  mm_backward_run (bw);
  analytic = mm_backward_dup_gradient (bw, node);

  value = mm_node_get_value (node);
  n = value->size;
  count = MIN (n, (gsize) MAX (max_entries, 1));
  for (gsize c = 0; c < count; c++)
    {
      gsize i = count == n ? c : (c * (n - 1)) / MAX (count - 1, 1);
      float x = value->data[i];
      float h = 1e-2f * MAX (1.0f, fabsf (x));
      float xs[2] = { x + h, x - h };
      double L[2], numerical, diff, rel;

      for (int s = 0; s < 2; s++)
        {
          g_autoptr(MmTensor) moved = mm_tensor_copy (value);
          g_autoptr(MmNode) rebuilt = NULL;

          moved->data[i] = xs[s];
          rebuilt = mm_graph_rebuild_with (self->root, node, moved, error);
          if (rebuilt == NULL)
            return FALSE;
          L[s] = objective (rebuilt, self->upstream);
        }
      /* Divide by the step actually taken in float. */
      numerical = (L[0] - L[1]) / ((double) xs[0] - (double) xs[1]);
      diff = fabs (numerical - analytic->data[i]);
      rel = diff / MAX (MAX (fabs (numerical), fabs (analytic->data[i])), 1e-3);
      worst_abs = MAX (worst_abs, diff);
      worst_rel = MAX (worst_rel, rel);
    }
  if (max_rel_error)
    *max_rel_error = worst_rel;
  if (max_abs_error)
    *max_abs_error = worst_abs;
  if (n_checked)
    *n_checked = (guint) count;
  return TRUE;
}

const char *
mm_backprop_stepper_get_check_text (MmBackpropStepper *self)
{
  g_return_val_if_fail (MM_IS_BACKPROP_STEPPER (self), NULL);
  return self->check_text ? self->check_text : "";
}

void
mm_backprop_stepper_set_check_node (MmBackpropStepper *self,
                                    MmNode            *node)
{
  g_return_if_fail (MM_IS_BACKPROP_STEPPER (self));
  for (guint i = 0; i < self->check_nodes->len; i++)
    if (g_ptr_array_index (self->check_nodes, i) == node)
      gtk_drop_down_set_selected (GTK_DROP_DOWN (self->check_dropdown), i);
}

static void
run_check (MmBackpropStepper *self)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->check_dropdown));
  g_autoptr(GError) error = NULL;
  double rel = 0, abs_err = 0;
  guint checked = 0;
  MmNode *node;
  g_autofree char *name = NULL;

  if (i >= self->check_nodes->len)
    return;
  node = g_ptr_array_index (self->check_nodes, i);
  name = mm_node_display_name (node);
  g_clear_pointer (&self->check_text, g_free);
  if (!mm_backprop_stepper_check_numerically (self, node, 48, &rel, &abs_err, &checked, &error))
    self->check_text = g_strdup_printf (_("The check failed: %s"), error->message);
  else
    {
      gsize n = mm_shape_size (mm_node_get_shape (node));
      g_autofree char *r = g_strdup_printf ("%.2e", rel);
      g_autofree char *a = g_strdup_printf ("%.2e", abs_err);

      self->check_text =
        g_strdup_printf (_("∂L/∂%s by central differences at %u of %zu entries: "
                           "largest relative error %s (absolute %s) against the backward pass. %s"),
                         name, checked, n, r, a,
                         rel < 1e-2 ? _("They agree.")
                                    : _("They differ more than float32 rounding explains (a kink such as ReLU at 0 can do this)."));
    }
  gtk_label_set_text (GTK_LABEL (self->check_label), self->check_text);
}

/* ---- Actions and GObject ------------------------------------------------------------------- */

static void
action_start (GtkWidget  *widget,
              const char *name,
              GVariant   *param)
{
  mm_backprop_stepper_seek (MM_BACKPROP_STEPPER (widget), 0);
}

static void
action_back (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  mm_backprop_stepper_step_back (MM_BACKPROP_STEPPER (widget));
}

static void
action_step (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  mm_backprop_stepper_step (MM_BACKPROP_STEPPER (widget));
}

static void
action_end (GtkWidget  *widget,
            const char *name,
            GVariant   *param)
{
  mm_backprop_stepper_run_to_end (MM_BACKPROP_STEPPER (widget));
}

static void
action_check (GtkWidget  *widget,
              const char *name,
              GVariant   *param)
{
  run_check (MM_BACKPROP_STEPPER (widget));
}

static void
mm_backprop_stepper_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  MmBackpropStepper *self = MM_BACKPROP_STEPPER (object);

  switch (prop_id)
    {
    case PROP_POSITION:
      g_value_set_uint (value, self->position);
      break;
    case PROP_PLAYING:
      g_value_set_boolean (value, self->playing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mm_backprop_stepper_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  MmBackpropStepper *self = MM_BACKPROP_STEPPER (object);

  switch (prop_id)
    {
    case PROP_POSITION:
      mm_backprop_stepper_seek (self, g_value_get_uint (value));
      break;
    case PROP_PLAYING:
      mm_backprop_stepper_set_playing (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mm_backprop_stepper_dispose (GObject *object)
{
  MmBackpropStepper *self = MM_BACKPROP_STEPPER (object);

  g_clear_handle_id (&self->play_id, g_source_remove);
  g_clear_object (&self->view);
  gtk_widget_dispose_template (GTK_WIDGET (self), MM_TYPE_BACKPROP_STEPPER);
  G_OBJECT_CLASS (mm_backprop_stepper_parent_class)->dispose (object);
}

static void
mm_backprop_stepper_finalize (GObject *object)
{
  MmBackpropStepper *self = MM_BACKPROP_STEPPER (object);

  g_clear_pointer (&self->bw, mm_backward_free);
  g_clear_pointer (&self->root, mm_node_unref);
  g_clear_pointer (&self->order, g_ptr_array_unref);
  g_clear_pointer (&self->forward_index, g_hash_table_unref);
  g_clear_pointer (&self->backward_index, g_hash_table_unref);
  g_clear_pointer (&self->upstream, mm_tensor_unref);
  g_clear_pointer (&self->bw_error, g_free);
  g_clear_pointer (&self->explanation, g_free);
  g_clear_pointer (&self->check_text, g_free);
  g_clear_pointer (&self->check_nodes, g_ptr_array_unref);
  G_OBJECT_CLASS (mm_backprop_stepper_parent_class)->finalize (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, MmBackpropStepper, name)

static void
mm_backprop_stepper_class_init (MmBackpropStepperClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_backprop_stepper_dispose;
  object_class->finalize = mm_backprop_stepper_finalize;
  object_class->get_property = mm_backprop_stepper_get_property;
  object_class->set_property = mm_backprop_stepper_set_property;

  properties[PROP_POSITION] =
    g_param_spec_uint ("position", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PLAYING] =
    g_param_spec_boolean ("playing", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/mymlstudio/Studio/mm-backprop-stepper.ui");
  BIND (box);
  BIND (start_button);
  BIND (back_button);
  BIND (step_button);
  BIND (end_button);
  BIND (play_button);
  BIND (speed_spin);
  BIND (speed_adjustment);
  BIND (progress);
  BIND (phase_label);
  BIND (explain_label);
  BIND (check_row);
  BIND (check_dropdown);
  BIND (check_button);
  BIND (check_label);

  gtk_widget_class_install_action (widget_class, "stepper.start", NULL, action_start);
  gtk_widget_class_install_action (widget_class, "stepper.back", NULL, action_back);
  gtk_widget_class_install_action (widget_class, "stepper.step", NULL, action_step);
  gtk_widget_class_install_action (widget_class, "stepper.end", NULL, action_end);
  gtk_widget_class_install_action (widget_class, "stepper.check", NULL, action_check);
  gtk_widget_class_install_property_action (widget_class, "stepper.playing", "playing");
}

static void
mm_backprop_stepper_init (MmBackpropStepper *self)
{
  self->check_nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->speed_adjustment, "value-changed", G_CALLBACK (restart_timer), self);
  update (self);
}

GtkWidget *
mm_backprop_stepper_new (void)
{
  return g_object_new (MM_TYPE_BACKPROP_STEPPER, NULL);
}
