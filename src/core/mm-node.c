/* mm-node.c — the node base and the Constant leaf. */
#include "mm-node-private.h"
#include "mm-backward.h"
#include "mm-cost.h"
#include "mm-error.h"

#include <string.h>
#include <time.h>

MmNode *
mm_node_alloc (const MmNodeClass *klass,
               const MmShape     *shape,
               guint              n_inputs,
               MmNode * const    *inputs)
{
  MmNode *node;

  g_assert (klass->instance_size >= sizeof (MmNode));
  node = g_malloc0 (klass->instance_size);
  node->klass = klass;
  node->ref_count = 1;
  node->shape = *shape;
  node->n_inputs = n_inputs;
  if (n_inputs > 0)
    {
      node->inputs = g_new (MmNode *, n_inputs);
      for (guint i = 0; i < n_inputs; i++)
        node->inputs[i] = mm_node_ref (inputs[i]);
    }
  return node;
}

MmNode *
mm_node_ref (MmNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);
  g_atomic_int_inc (&node->ref_count);
  return node;
}

/* Dropping the last reference to the root of a long chain would recurse once
 * per node; an explicit stack keeps deep graphs (unrolled RNNs) safe. */
void
mm_node_unref (MmNode *node)
{
  GPtrArray *stack;

  if (node == NULL || !g_atomic_int_dec_and_test (&node->ref_count))
    return;

  stack = g_ptr_array_new ();
  g_ptr_array_add (stack, node);
  while (stack->len > 0)
    {
      MmNode *n = g_ptr_array_steal_index_fast (stack, stack->len - 1);

      for (guint i = 0; i < n->n_inputs; i++)
        if (g_atomic_int_dec_and_test (&n->inputs[i]->ref_count))
          g_ptr_array_add (stack, n->inputs[i]);
      if (n->klass->finalize)
        n->klass->finalize (n);
      mm_tensor_unref (n->value);
      g_free (n->inputs);
      g_free (n->label);
      g_free (n->scope);
      g_free (n);
    }
  g_ptr_array_unref (stack);
}

const MmShape *
mm_node_get_shape (MmNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);
  return &node->shape;
}

gboolean
mm_node_has_value (MmNode *node)
{
  g_return_val_if_fail (node != NULL, FALSE);
  return node->value != NULL;
}

/* Post-order DFS without recursion. With @stop_at_values, nodes that already
 * have a value are neither descended into nor listed. */
static GPtrArray *
collect (MmNode   *root,
         gboolean  stop_at_values)
{
  typedef struct { MmNode *n; guint next; } Frame;
  GPtrArray *order = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (Frame));

  if (stop_at_values && root->value != NULL)
    return order;

  g_hash_table_add (seen, root);
  g_array_append_val (stack, ((Frame) { root, 0 }));
  while (stack->len > 0)
    {
      Frame *top = &g_array_index (stack, Frame, stack->len - 1);

      if (top->next < top->n->n_inputs)
        {
          MmNode *child = top->n->inputs[top->next++];

          if (g_hash_table_contains (seen, child) || (stop_at_values && child->value != NULL))
            continue;
          g_hash_table_add (seen, child);
          g_array_append_val (stack, ((Frame) { child, 0 }));
        }
      else
        {
          g_ptr_array_add (order, mm_node_ref (top->n));
          g_array_set_size (stack, stack->len - 1);
        }
    }
  return order;
}

GPtrArray *
mm_node_collect (MmNode *root)
{
  g_return_val_if_fail (root != NULL, NULL);
  return collect (root, FALSE);
}

double
mm_cost_clock (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

/* One forward computation. The meter pointer is read once per node; without
 * a meter nothing else happens. */
static inline void
compute_value (MmNode *n)
{
  MmCostMeter *meter = mm_cost_meter_get_current ();

  if (G_LIKELY (meter == NULL))
    n->value = n->klass->forward (n);
  else
    {
      double t0 = mm_cost_clock ();
      n->value = n->klass->forward (n);
      mm_cost_meter_add (meter, n, MM_COST_FORWARD, mm_cost_clock () - t0,
                         mm_node_count_flops (n, NULL));
    }
  g_assert (mm_shape_equal (&n->value->shape, &n->shape));
}

const MmTensor *
mm_node_get_value (MmNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);

  if (node->value == NULL)
    {
      g_autoptr(GPtrArray) order = NULL;
      gboolean inputs_ready = TRUE;

      /* Common case first: the inputs are already computed (constants, or a
       * graph evaluated node by node). No walk needed. */
      for (guint i = 0; i < node->n_inputs && inputs_ready; i++)
        inputs_ready = node->inputs[i]->value != NULL;
      if (inputs_ready)
        {
          compute_value (node);
          return node->value;
        }

      order = collect (node, TRUE);

      for (guint i = 0; i < order->len; i++)
        {
          compute_value (g_ptr_array_index (order, i));
        }
    }
  return node->value;
}

const char *
mm_node_get_type_name (MmNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);
  return node->klass->type_name;
}

char *
mm_node_describe (MmNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);
  if (node->klass->describe)
    return node->klass->describe (node);
  return g_strdup (node->klass->type_name);
}

char *
mm_node_get_rule (MmNode *node,
                  guint   index)
{
  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (index < node->n_inputs, NULL);
  return node->klass->rule (node, index);
}

guint
mm_node_get_n_inputs (MmNode *node)
{
  g_return_val_if_fail (node != NULL, 0);
  return node->n_inputs;
}

MmNode *
mm_node_get_input (MmNode *node,
                   guint   index)
{
  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (index < node->n_inputs, NULL);
  return node->inputs[index];
}

const char *
mm_node_get_label (MmNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);
  return node->label;
}

void
mm_node_set_label (MmNode     *node,
                   const char *label)
{
  g_return_if_fail (node != NULL);
  g_free (node->label);
  node->label = g_strdup (label);
}

const char *
mm_node_get_scope (MmNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);
  return node->scope;
}

void
mm_node_set_scope (MmNode     *node,
                   const char *scope)
{
  g_return_if_fail (node != NULL);
  g_free (node->scope);
  node->scope = g_strdup (scope);
}

gboolean
mm_node_get_gradients_against (MmNode          *root,
                               guint            n_targets,
                               MmNode * const  *targets,
                               const MmTensor  *upstream,
                               MmTensor       **out_grads,
                               GError         **error)
{
  g_autoptr(MmBackward) bw = NULL;

  g_return_val_if_fail (root != NULL, FALSE);
  g_return_val_if_fail (n_targets == 0 || (targets != NULL && out_grads != NULL), FALSE);

  if (n_targets == 0)
    return TRUE;

  bw = mm_backward_new (root, upstream, n_targets, targets, MM_BACKWARD_DEFAULT, error);
  if (bw == NULL)
    return FALSE;
  mm_backward_run (bw);
  for (guint i = 0; i < n_targets; i++)
    {
      out_grads[i] = mm_backward_ref_gradient (bw, targets[i]);
      if (out_grads[i] == NULL)
        out_grads[i] = mm_backward_dup_gradient (bw, targets[i]);
    }
  return TRUE;
}

/* ---- Constant ----------------------------------------------------------
 * A constant's value is its tensor, set at construction: there is nothing to
 * compute, and since values never change the tensor stays as it was. */

static MmTensor *
constant_forward (MmNode *self)
{
  g_assert_not_reached ();
  return NULL;
}

static char *
constant_describe (MmNode *self)
{
  if (self->label != NULL)
    return g_strdup_printf ("Constant %s", self->label);
  return g_strdup ("Constant");
}

static char *
constant_rule (MmNode *self,
               guint   index)
{
  return g_strdup ("");
}

static const MmNodeClass constant_class = {
  .type_name = "Constant",
  .instance_size = sizeof (MmNode),
  .forward = constant_forward,
  .backward = NULL,
  .describe = constant_describe,
  .rule = constant_rule,
};

MmNode *
mm_constant_new (MmTensor *value)
{
  MmNode *self;

  g_return_val_if_fail (value != NULL, NULL);
  self = mm_node_alloc (&constant_class, &value->shape, 0, NULL);
  self->value = mm_tensor_ref (value);
  return self;
}

MmNode *
mm_constant_new_labelled (MmTensor   *value,
                          const char *label)
{
  MmNode *node = mm_constant_new (value);
  if (node != NULL)
    mm_node_set_label (node, label);
  return node;
}

gboolean
mm_node_is_constant (MmNode *node)
{
  g_return_val_if_fail (node != NULL, FALSE);
  return node->klass == &constant_class;
}
