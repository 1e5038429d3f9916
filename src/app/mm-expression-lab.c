/* mm-expression-lab.c — graphs built by hand, and the presets.
 *
 * Shapes are checked where the student connects an input, by asking the
 * engine to build the node: the message shown is the engine's own GError,
 * so the lab never has rules of its own that could disagree with it. For an
 * operation whose inputs are not all chosen yet, the inputs so far are
 * checked against each other (Elementwise) as far as that is possible.
 */
#include "config.h"
#include "mm-expression-lab.h"
#include "mm-node-inspector.h"

#include <glib/gi18n.h>
#include <string.h>

struct _MmExpressionLab {
  GtkWidget parent_instance;

  GPtrArray *nodes;
  GPtrArray *pending;       /* inputs picked for the next node */
  MmNode *output;
  MmGraphView *view;
  GRand *rand;
  guint counter;
  char *message;

  GtkWidget *box, *preset_dropdown, *kind_dropdown, *name_entry, *settings_stack;
  GtkWidget *shape_entry, *fill_dropdown, *values_entry;
  GtkWidget *d_label, *d_spin, *d_hint;
  GtkWidget *op_dropdown, *arity_label, *arity_spin, *param_label, *param_spin;
  GtkWidget *inputs_label, *clear_inputs_button, *message_label, *add_button, *output_label;
};

G_DEFINE_FINAL_TYPE (MmExpressionLab, mm_expression_lab, GTK_TYPE_WIDGET)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- Messages ----------------------------------------------------------------------- */

static void
show_message (MmExpressionLab *self,
              const char      *text,
              gboolean         is_error)
{
  g_free (self->message);
  self->message = g_strdup (text ? text : "");
  gtk_label_set_text (GTK_LABEL (self->message_label), self->message);
  gtk_widget_set_visible (self->message_label, *self->message != '\0');
  if (is_error)
    gtk_widget_add_css_class (self->message_label, "error");
  else
    gtk_widget_remove_css_class (self->message_label, "error");
}

const char *
mm_expression_lab_get_message (MmExpressionLab *self)
{
  g_return_val_if_fail (MM_IS_EXPRESSION_LAB (self), "");
  return self->message ? self->message : "";
}

/* ---- Parsing ------------------------------------------------------------------------- */

gboolean
mm_lab_parse_shape (const char *text,
                    MmShape    *shape,
                    GError    **error)
{
  g_auto(GStrv) parts = NULL;
  gsize dims[MM_MAX_DIMS];
  guint n = 0;
  g_autofree char *clean = g_strdup (text ? text : "");

  g_strdelimit (clean, "()[]xX×*,;", ' ');
  parts = g_strsplit_set (clean, " \t", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 v;
      char *end;

      if (*parts[i] == '\0')
        continue;
      v = g_ascii_strtoull (parts[i], &end, 10);
      if (*end != '\0' || end == parts[i] || v == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("“%s” is not a shape: write whole numbers of at least 1, such as (4, 4)"), text);
          return FALSE;
        }
      if (n == MM_MAX_DIMS)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("A shape has at most %d axes"), MM_MAX_DIMS);
          return FALSE;
        }
      dims[n++] = (gsize) v;
    }
  return mm_shape_init (shape, n, dims, error);
}

static gboolean
parse_values (const char    *text,
              const MmShape *shape,
              float        **out,
              GError       **error)
{
  g_autofree char *clean = g_strdup (text ? text : "");
  g_auto(GStrv) parts = NULL;
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (float));
  gsize want = mm_shape_size (shape);

  g_strdelimit (clean, "()[];,", ' ');
  parts = g_strsplit_set (clean, " \t\n", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *end;
      float v;

      if (*parts[i] == '\0')
        continue;
      v = (float) g_ascii_strtod (parts[i], &end);
      if (*end != '\0')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("“%s” is not a number"), parts[i]);
          return FALSE;
        }
      g_array_append_val (values, v);
    }
  if (values->len != want)
    {
      g_autofree char *s = mm_shape_to_string (shape);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%u numbers typed, but shape %s holds %zu"), values->len, s, want);
      return FALSE;
    }
  *out = (float *) g_array_free (g_steal_pointer (&values), FALSE);
  return TRUE;
}

/* ---- The graph ------------------------------------------------------------------------- */

static void
update_labels (MmExpressionLab *self);

static void
changed (MmExpressionLab *self)
{
  update_labels (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

GPtrArray *
mm_expression_lab_get_nodes (MmExpressionLab *self)
{
  g_return_val_if_fail (MM_IS_EXPRESSION_LAB (self), NULL);
  return self->nodes;
}

MmNode *
mm_expression_lab_get_output (MmExpressionLab *self)
{
  g_return_val_if_fail (MM_IS_EXPRESSION_LAB (self), NULL);
  return self->output;
}

void
mm_expression_lab_set_output (MmExpressionLab *self,
                              MmNode          *node)
{
  g_return_if_fail (MM_IS_EXPRESSION_LAB (self));
  if (node != NULL && !g_ptr_array_find (self->nodes, node, NULL))
    return;
  if (node == self->output)
    return;
  if (node)
    mm_node_ref (node);
  g_clear_pointer (&self->output, mm_node_unref);
  self->output = node;
  changed (self);
}

MmNode *
mm_expression_lab_find (MmExpressionLab *self,
                        const char      *label)
{
  g_return_val_if_fail (MM_IS_EXPRESSION_LAB (self), NULL);
  for (guint i = 0; i < self->nodes->len; i++)
    if (g_strcmp0 (mm_node_get_label (g_ptr_array_index (self->nodes, i)), label) == 0)
      return g_ptr_array_index (self->nodes, i);
  return NULL;
}

/* Takes @node (a new reference) into the lab; it becomes the output. */
static void
adopt (MmExpressionLab *self,
       MmNode          *node,
       const char      *label)
{
  if (label != NULL)
    mm_node_set_label (node, label);
  g_ptr_array_add (self->nodes, node);
  g_clear_pointer (&self->output, mm_node_unref);
  self->output = mm_node_ref (node);
}

static void
reset (MmExpressionLab *self)
{
  g_ptr_array_set_size (self->nodes, 0);
  g_ptr_array_set_size (self->pending, 0);
  g_clear_pointer (&self->output, mm_node_unref);
  self->counter = 0;
  g_rand_set_seed (self->rand, MM_LAB_README_SEED);
}

void
mm_expression_lab_clear (MmExpressionLab *self)
{
  g_return_if_fail (MM_IS_EXPRESSION_LAB (self));
  reset (self);
  show_message (self, NULL, FALSE);
  changed (self);
}

/* ---- Presets ----------------------------------------------------------------------------- */

static MmNode *
preset_constant (MmExpressionLab *self,
                 const char      *label,
                 guint            ndim,
                 const gsize     *dims,
                 const float     *values,
                 GRand           *rand,
                 float            low,
                 float            high)
{
  g_autoptr(MmTensor) t = mm_tensor_new_dims (ndim, dims, NULL);

  if (values != NULL)
    memcpy (t->data, values, t->size * sizeof (float));
  else
    mm_tensor_fill_uniform (t, rand, low, high);
  adopt (self, mm_constant_new (t), label);
  return g_ptr_array_index (self->nodes, self->nodes->len - 1);
}

/* Every operation of a preset fits by construction; a failure is a bug. */
static MmNode *
preset_op (MmExpressionLab *self,
           const char      *label,
           MmNode          *node,
           GError          *error)
{
  if (node == NULL)
    g_error ("expression lab preset: %s", error ? error->message : "?");
  adopt (self, node, label);
  return node;
}

static void
build_readme (MmExpressionLab *self)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (MM_LAB_README_SEED);
  const gsize dims[] = { 4, 4, 4 };
  GError *error = NULL;
  MmNode *A, *B, *AB, *AB_sum, *A_sin, *crazy_1, *crazy_2;

  /* As in the seed's README (and myml-demo): A first, then B, from one generator. */
  A = preset_constant (self, "A", 3, dims, NULL, rand, 0, 1);
  B = preset_constant (self, "B", 3, dims, NULL, rand, 0, 1);
  AB = preset_op (self, "AB", mm_tensordot_new (A, B, 1, &error), error);
  AB_sum = preset_op (self, "AB_sum", mm_sum_new (AB, 1, &error), error);
  A_sin = preset_op (self, "A_sin", mm_unary_new (MM_OP_SIN, A, &error), error);
  crazy_1 = preset_op (self, "crazy_1",
                       mm_elementwise_new (mm_op_add (3), 3, (MmNode *[]) { A, B, AB_sum }, &error), error);
  crazy_2 = preset_op (self, "crazy_2",
                       mm_elementwise_new (mm_op_mul (2), 2, (MmNode *[]) { A_sin, crazy_1 }, &error), error);
  preset_op (self, "crazy_sum", mm_sum_new (crazy_2, 3, &error), error);
}

static void
build_neuron (MmExpressionLab *self)
{
  const gsize three[] = { 3 };
  const float x_v[] = { 1.0f, 2.0f, -1.0f }, w_v[] = { 0.5f, -0.3f, 0.8f }, b_v[] = { 0.1f }, t_v[] = { 1.0f };
  GError *error = NULL;
  MmNode *x, *w, *b, *wx, *z, *y, *t, *err;

  x = preset_constant (self, "input x", 1, three, x_v, NULL, 0, 0);
  w = preset_constant (self, "w", 1, three, w_v, NULL, 0, 0);
  b = preset_constant (self, "b", 0, NULL, b_v, NULL, 0, 0);
  wx = preset_op (self, "w·x", mm_tensordot_new (x, w, 1, &error), error);
  z = preset_op (self, "z", mm_binary_new (MM_OP_ADD, wx, b, &error), error);
  y = preset_op (self, "y", mm_unary_new (MM_OP_SIGMOID, z, &error), error);
  t = preset_constant (self, "target t", 0, NULL, t_v, NULL, 0, 0);
  err = preset_op (self, "y − t", mm_binary_new (MM_OP_SUB, y, t, &error), error);
  preset_op (self, "loss", mm_unary_new (MM_OP_SQUARE, err, &error), error);
}

static void
build_mlp (MmExpressionLab *self)
{
  const gsize xd[] = { 1, 4 }, w1d[] = { 4, 3 }, b1d[] = { 1, 3 }, w2d[] = { 3, 2 }, b2d[] = { 1, 2 };
  const float x_v[] = { 0.5f, -1.0f, 2.0f, 0.1f }, t_v[] = { 1.0f, 0.0f };
  /* Chosen by hand: two hidden units are active and one is switched off by
   * the ReLU, well away from its kink (pre-activations 1.37, −0.22, 1.43). */
  const float w1_v[] = { 0.2f, -0.4f, 0.6f,
                         -0.3f, 0.5f, 0.1f,
                         0.4f, 0.3f, 0.5f,
                         0.7f, -0.2f, 0.3f };
  const float b1_v[] = { 0.1f, -0.1f, 0.2f };
  const float w2_v[] = { 0.5f, -0.6f,
                         0.3f, 0.8f,
                         -0.4f, 0.2f };
  const float b2_v[] = { 0.05f, -0.05f };
  GError *error = NULL;
  MmNode *x, *w1, *b1, *xw1, *pre, *h, *w2, *b2, *hw2, *y, *t, *err, *sq;

  x = preset_constant (self, "input x", 2, xd, x_v, NULL, 0, 0);
  w1 = preset_constant (self, "1.weight", 2, w1d, w1_v, NULL, 0, 0);
  b1 = preset_constant (self, "1.bias", 2, b1d, b1_v, NULL, 0, 0);
  xw1 = preset_op (self, "x·W₁", mm_tensordot_new (x, w1, 1, &error), error);
  pre = preset_op (self, "x·W₁ + b₁", mm_binary_new (MM_OP_ADD, xw1, b1, &error), error);
  h = preset_op (self, "h", mm_unary_new (MM_OP_RELU, pre, &error), error);
  w2 = preset_constant (self, "3.weight", 2, w2d, w2_v, NULL, 0, 0);
  b2 = preset_constant (self, "3.bias", 2, b2d, b2_v, NULL, 0, 0);
  hw2 = preset_op (self, "h·W₂", mm_tensordot_new (h, w2, 1, &error), error);
  y = preset_op (self, "output y", mm_binary_new (MM_OP_ADD, hw2, b2, &error), error);
  t = preset_constant (self, "target t", 2, b2d, t_v, NULL, 0, 0);
  err = preset_op (self, "y − t", mm_binary_new (MM_OP_SUB, y, t, &error), error);
  sq = preset_op (self, "(y − t)²", mm_unary_new (MM_OP_SQUARE, err, &error), error);
  preset_op (self, "loss", mm_sum_new (sq, 2, &error), error);
}

static void
build_softmax (MmExpressionLab *self)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  const gsize xd[] = { 1, 4 }, wd[] = { 4, 3 }, td[] = { 1, 3 };
  const float x_v[] = { 1.0f, -0.5f, 0.3f, 2.0f }, t_v[] = { 0.0f, 1.0f, 0.0f };
  GError *error = NULL;
  MmNode *x, *w, *z, *logp, *t, *tl, *s;

  x = preset_constant (self, "input x", 2, xd, x_v, NULL, 0, 0);
  w = preset_constant (self, "weight", 2, wd, NULL, rand, -1, 1);
  z = preset_op (self, "logits z", mm_tensordot_new (x, w, 1, &error), error);
  logp = preset_op (self, "log softmax(z)", mm_log_softmax_new (z, &error), error);
  t = preset_constant (self, "one-hot target", 2, td, t_v, NULL, 0, 0);
  tl = preset_op (self, "t ⊙ log p", mm_binary_new (MM_OP_MUL, logp, t, &error), error);
  s = preset_op (self, "Σ t log p", mm_sum_new (tl, 2, &error), error);
  preset_op (self, "loss", mm_elementwise_new (mm_op_scale (-1.0f), 1, &s, &error), error);
}

void
mm_expression_lab_load_preset (MmExpressionLab *self,
                               MmLabPreset      preset)
{
  g_return_if_fail (MM_IS_EXPRESSION_LAB (self));
  g_return_if_fail (preset < MM_LAB_N_PRESETS);

  reset (self);
  switch (preset)
    {
    case MM_LAB_PRESET_README:
      build_readme (self);
      break;
    case MM_LAB_PRESET_NEURON:
      build_neuron (self);
      break;
    case MM_LAB_PRESET_MLP:
      build_mlp (self);
      break;
    case MM_LAB_PRESET_SOFTMAX:
    default:
      build_softmax (self);
      break;
    }
  if (gtk_drop_down_get_selected (GTK_DROP_DOWN (self->preset_dropdown)) != preset)
    gtk_drop_down_set_selected (GTK_DROP_DOWN (self->preset_dropdown), preset);
  show_message (self, NULL, FALSE);
  changed (self);
}

/* ---- Making nodes by hand ------------------------------------------------------------------ */

static MmLabKind
current_kind (MmExpressionLab *self)
{
  return (MmLabKind) gtk_drop_down_get_selected (GTK_DROP_DOWN (self->kind_dropdown));
}

static MmOp
current_op (MmExpressionLab *self)
{
  MmOpKind kind = (MmOpKind) gtk_drop_down_get_selected (GTK_DROP_DOWN (self->op_dropdown));
  guint n = (guint) gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->arity_spin));
  float param = (float) gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->param_spin));

  switch (kind)
    {
    case MM_OP_ADD:
      return mm_op_add (n);
    case MM_OP_MUL:
      return mm_op_mul (n);
    case MM_OP_SUB:
    case MM_OP_DIV:
      return mm_op_binary (kind);
    case MM_OP_POW:
      return mm_op_pow (param);
    case MM_OP_LEAKY_RELU:
      return mm_op_leaky_relu (param);
    case MM_OP_SCALE:
      return mm_op_scale (param);
    default:
      return mm_op_unary (kind);
    }
}

static guint
n_required (MmExpressionLab *self)
{
  switch (current_kind (self))
    {
    case MM_LAB_CONSTANT:
      return 0;
    case MM_LAB_TENSORDOT:
      return 2;
    case MM_LAB_SUM:
      return 1;
    case MM_LAB_ELEMENTWISE:
    default:
      return current_op (self).arity;
    }
}

static MmNode *
make_op (MmExpressionLab *self,
         guint            n,
         MmNode * const  *inputs,
         GError         **error)
{
  guint d = (guint) gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->d_spin));

  switch (current_kind (self))
    {
    case MM_LAB_TENSORDOT:
      return mm_tensordot_new (inputs[0], inputs[1], d, error);
    case MM_LAB_SUM:
      return mm_sum_new (inputs[0], d, error);
    case MM_LAB_ELEMENTWISE:
    default:
      return mm_elementwise_new (current_op (self), n, inputs, error);
    }
}

static char *
next_name (MmExpressionLab *self,
           const char      *prefix)
{
  char *name = NULL;

  do
    {
      g_free (name);
      name = g_strdup_printf ("%s%u", prefix, ++self->counter);
    }
  while (mm_expression_lab_find (self, name) != NULL);
  return name;
}

/* The label typed, or a fresh one; refused if another node has it. */
static char *
take_name (MmExpressionLab  *self,
           const char       *typed,
           const char       *prefix,
           GError          **error)
{
  g_autofree char *name = g_strstrip (g_strdup (typed ? typed : ""));

  if (*name == '\0')
    return next_name (self, prefix);
  if (mm_expression_lab_find (self, name) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("There is already a node called “%s”"), name);
      return NULL;
    }
  return g_steal_pointer (&name);
}

static gboolean
make_constant (MmExpressionLab *self,
               const char      *name,
               const char      *shape_text,
               MmLabFill        fill,
               const char      *values,
               GError         **error)
{
  g_autoptr(MmTensor) t = NULL;
  g_autofree float *typed = NULL;
  g_autofree char *label = NULL;
  MmShape shape;

  if (!mm_lab_parse_shape (shape_text, &shape, error))
    return FALSE;
  if (fill == MM_LAB_FILL_VALUES && !parse_values (values, &shape, &typed, error))
    return FALSE;
  label = take_name (self, name, "C", error);
  if (label == NULL)
    return FALSE;
  t = mm_tensor_new (&shape, error);
  if (t == NULL)
    return FALSE;
  switch (fill)
    {
    case MM_LAB_FILL_RANDOM:
      mm_tensor_fill_uniform (t, self->rand, 0, 1);
      break;
    case MM_LAB_FILL_ZEROS:
      mm_tensor_fill (t, 0);
      break;
    case MM_LAB_FILL_ONES:
      mm_tensor_fill (t, 1);
      break;
    case MM_LAB_FILL_VALUES:
    default:
      memcpy (t->data, typed, t->size * sizeof (float));
      break;
    }
  adopt (self, mm_constant_new (t), label);
  show_message (self, NULL, FALSE);
  changed (self);
  return TRUE;
}

gboolean
mm_expression_lab_add_constant (MmExpressionLab *self,
                                const char      *name,
                                const char      *shape_text,
                                MmLabFill        fill,
                                const char      *values,
                                GError         **error)
{
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (MM_IS_EXPRESSION_LAB (self), FALSE);

  if (!make_constant (self, name, shape_text, fill, values, &local))
    {
      show_message (self, local->message, TRUE);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

gboolean
mm_expression_lab_pick_input (MmExpressionLab *self,
                              MmNode          *node,
                              GError         **error)
{
  guint need;
  g_autoptr(GError) local = NULL;
  g_autoptr(GPtrArray) trial = NULL;

  g_return_val_if_fail (MM_IS_EXPRESSION_LAB (self), FALSE);
  g_return_val_if_fail (node != NULL, FALSE);

  need = n_required (self);
  if (need == 0)
    {
      g_set_error_literal (&local, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("A constant has no inputs: choose an operation first"));
      goto refused;
    }
  if (self->pending->len >= need)
    {
      g_set_error (&local, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   ngettext ("This node takes %u input; choose again with the undo button",
                             "This node takes %u inputs; choose again with the undo button", need), need);
      goto refused;
    }

  /* Ask the engine whether the inputs so far fit. */
  /* (Not g_ptr_array_copy: the copy would unref the nodes it holds.) */
  trial = g_ptr_array_new ();
  for (guint i = 0; i < self->pending->len; i++)
    g_ptr_array_add (trial, g_ptr_array_index (self->pending, i));
  g_ptr_array_add (trial, node);
  if (trial->len == need)
    {
      g_autoptr(MmNode) made = make_op (self, trial->len, (MmNode **) trial->pdata, &local);
      if (made == NULL)
        goto refused;
    }
  else if (current_kind (self) == MM_LAB_ELEMENTWISE && trial->len >= 2)
    {
      g_autoptr(MmNode) made = mm_elementwise_new (mm_op_add (trial->len), trial->len,
                                                   (MmNode **) trial->pdata, &local);
      if (made == NULL)
        goto refused;
    }

  g_ptr_array_add (self->pending, mm_node_ref (node));
  show_message (self, NULL, FALSE);
  update_labels (self);
  return TRUE;

refused:
  {
    g_autofree char *name = mm_node_display_name (node);
    g_autofree char *text = g_strdup_printf (_("%s cannot be connected here: %s"), name, local->message);
    show_message (self, text, TRUE);
  }
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

void
mm_expression_lab_clear_inputs (MmExpressionLab *self)
{
  g_return_if_fail (MM_IS_EXPRESSION_LAB (self));
  g_ptr_array_set_size (self->pending, 0);
  show_message (self, NULL, FALSE);
  update_labels (self);
}

gboolean
mm_expression_lab_add_node (MmExpressionLab *self,
                            GError         **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *label = NULL;
  guint need;
  MmNode *made;

  g_return_val_if_fail (MM_IS_EXPRESSION_LAB (self), FALSE);

  if (current_kind (self) == MM_LAB_CONSTANT)
    {
      if (!make_constant (self, gtk_editable_get_text (GTK_EDITABLE (self->name_entry)),
                                           gtk_editable_get_text (GTK_EDITABLE (self->shape_entry)),
                                           (MmLabFill) gtk_drop_down_get_selected (GTK_DROP_DOWN (self->fill_dropdown)),
                                           gtk_editable_get_text (GTK_EDITABLE (self->values_entry)),
                                           &local))
        goto failed;
      gtk_editable_set_text (GTK_EDITABLE (self->name_entry), "");
      return TRUE;
    }

  need = n_required (self);
  if (self->pending->len < need)
    {
      g_set_error (&local, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Click %u more input(s) in the graph first"), need - self->pending->len);
      goto failed;
    }
  label = take_name (self, gtk_editable_get_text (GTK_EDITABLE (self->name_entry)), "v", &local);
  if (label == NULL)
    goto failed;
  made = make_op (self, self->pending->len, (MmNode **) self->pending->pdata, &local);
  if (made == NULL)
    goto failed;
  adopt (self, made, label);
  g_ptr_array_set_size (self->pending, 0);
  gtk_editable_set_text (GTK_EDITABLE (self->name_entry), "");
  show_message (self, NULL, FALSE);
  changed (self);
  return TRUE;

failed:
  show_message (self, local->message, TRUE);
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/* ---- Controls ---------------------------------------------------------------------------- */

static void
update_labels (MmExpressionLab *self)
{
  guint need = n_required (self);
  g_autofree char *out = NULL;
  GString *s = g_string_new (NULL);

  if (need == 0)
    g_string_append (s, _("A constant is a leaf: it has no inputs."));
  else
    {
      g_string_append_printf (s, ngettext ("Input: click %u box in the graph",
                                           "Inputs: click %u boxes in the graph, in order", need), need);
      for (guint i = 0; i < self->pending->len; i++)
        {
          g_autofree char *name = mm_node_display_name (g_ptr_array_index (self->pending, i));
          g_string_append_printf (s, i ? ", %s" : " — %s", name);
        }
      g_string_append_printf (s, " (%u/%u)", self->pending->len, need);
    }
  gtk_label_set_text (GTK_LABEL (self->inputs_label), s->str);
  g_string_free (s, TRUE);
  gtk_widget_set_sensitive (self->clear_inputs_button, self->pending->len > 0);

  if (self->output)
    {
      g_autofree char *name = mm_node_display_name (self->output);
      out = g_strdup_printf (_("Output for the stepper: %s (%u nodes in the lab)"), name, self->nodes->len);
    }
  else
    out = g_strdup (_("The lab is empty: load a preset or add a constant."));
  gtk_label_set_text (GTK_LABEL (self->output_label), out);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "lab.undo", self->nodes->len > 0);
}

static void
kind_changed (MmExpressionLab *self)
{
  MmLabKind kind = current_kind (self);

  g_ptr_array_set_size (self->pending, 0);
  gtk_stack_set_visible_child_name (GTK_STACK (self->settings_stack),
                                    kind == MM_LAB_CONSTANT ? "constant" :
                                    kind == MM_LAB_ELEMENTWISE ? "elementwise" : "d");
  gtk_label_set_text (GTK_LABEL (self->d_hint),
                      kind == MM_LAB_TENSORDOT ? _("contract the last d axes of A with the first d of B")
                                               : _("sum over the first d axes"));
  show_message (self, NULL, FALSE);
  update_labels (self);
}

static void
op_changed (MmExpressionLab *self)
{
  MmOpKind kind = (MmOpKind) gtk_drop_down_get_selected (GTK_DROP_DOWN (self->op_dropdown));
  gboolean nary = kind == MM_OP_ADD || kind == MM_OP_MUL;
  const char *param = kind == MM_OP_POW ? _("Exponent c") :
                      kind == MM_OP_LEAKY_RELU ? _("Slope a") :
                      kind == MM_OP_SCALE ? _("Factor c") : NULL;

  gtk_widget_set_visible (self->arity_label, nary);
  gtk_widget_set_visible (self->arity_spin, nary);
  gtk_widget_set_visible (self->param_label, param != NULL);
  gtk_widget_set_visible (self->param_spin, param != NULL);
  if (param)
    gtk_label_set_text (GTK_LABEL (self->param_label), param);
  g_ptr_array_set_size (self->pending, 0);
  update_labels (self);
}

static void
fill_changed (MmExpressionLab *self)
{
  gtk_widget_set_visible (self->values_entry,
                          gtk_drop_down_get_selected (GTK_DROP_DOWN (self->fill_dropdown)) == MM_LAB_FILL_VALUES);
}

void
mm_expression_lab_set_kind (MmExpressionLab *self,
                            MmLabKind        kind)
{
  g_return_if_fail (MM_IS_EXPRESSION_LAB (self));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->kind_dropdown), kind);
}

void
mm_expression_lab_set_d (MmExpressionLab *self,
                         guint            d)
{
  g_return_if_fail (MM_IS_EXPRESSION_LAB (self));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->d_spin), d);
}

void
mm_expression_lab_set_op (MmExpressionLab *self,
                          MmOpKind         op,
                          guint            n_inputs,
                          float            param)
{
  g_return_if_fail (MM_IS_EXPRESSION_LAB (self));
  g_return_if_fail (op < MM_N_OPS);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->op_dropdown), op);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->arity_spin), n_inputs);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->param_spin), param);
  update_labels (self);
}

void
mm_expression_lab_set_name (MmExpressionLab *self,
                            const char      *name)
{
  g_return_if_fail (MM_IS_EXPRESSION_LAB (self));
  gtk_editable_set_text (GTK_EDITABLE (self->name_entry), name ? name : "");
}

static void
node_activated (MmExpressionLab *self,
                MmNode          *node)
{
  /* Clicks pick inputs only while an operation is being made. */
  if (n_required (self) > 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    mm_expression_lab_pick_input (self, node, NULL);
}

void
mm_expression_lab_set_graph_view (MmExpressionLab *self,
                                  MmGraphView     *view)
{
  g_return_if_fail (MM_IS_EXPRESSION_LAB (self));
  g_return_if_fail (view == NULL || MM_IS_GRAPH_VIEW (view));

  if (self->view)
    g_signal_handlers_disconnect_by_data (self->view, self);
  g_clear_object (&self->view);
  if (view)
    {
      self->view = g_object_ref (view);
      g_signal_connect_swapped (view, "node-activated", G_CALLBACK (node_activated), self);
    }
}

static void
action_load_preset (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  MmExpressionLab *self = MM_EXPRESSION_LAB (widget);
  mm_expression_lab_load_preset (self, gtk_drop_down_get_selected (GTK_DROP_DOWN (self->preset_dropdown)));
}

static void
action_clear (GtkWidget  *widget,
              const char *name,
              GVariant   *param)
{
  mm_expression_lab_clear (MM_EXPRESSION_LAB (widget));
}

static void
action_clear_inputs (GtkWidget  *widget,
                     const char *name,
                     GVariant   *param)
{
  mm_expression_lab_clear_inputs (MM_EXPRESSION_LAB (widget));
}

static void
action_add_node (GtkWidget  *widget,
                 const char *name,
                 GVariant   *param)
{
  mm_expression_lab_add_node (MM_EXPRESSION_LAB (widget), NULL);
}

static void
action_undo (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  MmExpressionLab *self = MM_EXPRESSION_LAB (widget);
  MmNode *last;

  if (self->nodes->len == 0)
    return;
  /* Later nodes only use earlier ones, so the last node is nobody's input. */
  last = g_ptr_array_index (self->nodes, self->nodes->len - 1);
  g_ptr_array_remove (self->pending, last);
  if (self->output == last)
    {
      g_clear_pointer (&self->output, mm_node_unref);
      if (self->nodes->len > 1)
        self->output = mm_node_ref (g_ptr_array_index (self->nodes, self->nodes->len - 2));
    }
  g_ptr_array_remove_index (self->nodes, self->nodes->len - 1);
  show_message (self, NULL, FALSE);
  changed (self);
}

static void
action_use_selected (GtkWidget  *widget,
                     const char *name,
                     GVariant   *param)
{
  MmExpressionLab *self = MM_EXPRESSION_LAB (widget);
  MmNode *node = self->view ? mm_graph_view_get_selected (self->view) : NULL;

  if (node == NULL || !g_ptr_array_find (self->nodes, node, NULL))
    {
      show_message (self, _("Select a box of the graph first"), TRUE);
      return;
    }
  mm_expression_lab_set_output (self, node);
}

static void
mm_expression_lab_dispose (GObject *object)
{
  MmExpressionLab *self = MM_EXPRESSION_LAB (object);

  mm_expression_lab_set_graph_view (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), MM_TYPE_EXPRESSION_LAB);
  G_OBJECT_CLASS (mm_expression_lab_parent_class)->dispose (object);
}

static void
mm_expression_lab_finalize (GObject *object)
{
  MmExpressionLab *self = MM_EXPRESSION_LAB (object);

  g_clear_pointer (&self->nodes, g_ptr_array_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->output, mm_node_unref);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_pointer (&self->message, g_free);
  G_OBJECT_CLASS (mm_expression_lab_parent_class)->finalize (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, MmExpressionLab, name)

static void
mm_expression_lab_class_init (MmExpressionLabClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_expression_lab_dispose;
  object_class->finalize = mm_expression_lab_finalize;

  /* The graph changed: nodes were added or removed or the output moved. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/mymlstudio/Studio/mm-expression-lab.ui");
  BIND (box);
  BIND (preset_dropdown);
  BIND (kind_dropdown);
  BIND (name_entry);
  BIND (settings_stack);
  BIND (shape_entry);
  BIND (fill_dropdown);
  BIND (values_entry);
  BIND (d_label);
  BIND (d_spin);
  BIND (d_hint);
  BIND (op_dropdown);
  BIND (arity_label);
  BIND (arity_spin);
  BIND (param_label);
  BIND (param_spin);
  BIND (inputs_label);
  BIND (clear_inputs_button);
  BIND (message_label);
  BIND (add_button);
  BIND (output_label);

  gtk_widget_class_install_action (widget_class, "lab.load-preset", NULL, action_load_preset);
  gtk_widget_class_install_action (widget_class, "lab.clear", NULL, action_clear);
  gtk_widget_class_install_action (widget_class, "lab.clear-inputs", NULL, action_clear_inputs);
  gtk_widget_class_install_action (widget_class, "lab.add-node", NULL, action_add_node);
  gtk_widget_class_install_action (widget_class, "lab.undo", NULL, action_undo);
  gtk_widget_class_install_action (widget_class, "lab.use-selected", NULL, action_use_selected);
}

static void
mm_expression_lab_init (MmExpressionLab *self)
{
  g_autoptr(GtkStringList) ops = gtk_string_list_new (NULL);

  self->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);
  self->rand = g_rand_new_with_seed (MM_LAB_README_SEED);
  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint k = 0; k < MM_N_OPS; k++)
    gtk_string_list_append (ops, mm_op_kind_name ((MmOpKind) k));
  gtk_drop_down_set_model (GTK_DROP_DOWN (self->op_dropdown), G_LIST_MODEL (ops));

  g_signal_connect_swapped (self->kind_dropdown, "notify::selected", G_CALLBACK (kind_changed), self);
  g_signal_connect_swapped (self->op_dropdown, "notify::selected", G_CALLBACK (op_changed), self);
  g_signal_connect_swapped (self->arity_spin, "value-changed", G_CALLBACK (op_changed), self);
  g_signal_connect_swapped (self->d_spin, "value-changed", G_CALLBACK (mm_expression_lab_clear_inputs), self);
  g_signal_connect_swapped (self->fill_dropdown, "notify::selected", G_CALLBACK (fill_changed), self);
  kind_changed (self);
  op_changed (self);
}

GtkWidget *
mm_expression_lab_new (void)
{
  return g_object_new (MM_TYPE_EXPRESSION_LAB, NULL);
}
