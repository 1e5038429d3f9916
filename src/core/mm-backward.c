/* mm-backward.c — the reverse sweep of the chain rule. */
#include "mm-backward.h"
#include "mm-node-private.h"
#include "mm-cost.h"
#include "mm-error.h"

#include <string.h>

struct _MmBackward {
  MmNode *root;
  MmTensor *upstream;
  MmBackwardFlags flags;

  GPtrArray *order;       /* nodes to visit, root first (holds references) */
  GHashTable *index;      /* MmNode* → position in @order + 1 */
  MmTensor **grads;       /* per position: ∂L/∂node accumulated so far */
  gboolean *is_target;    /* per position */
  guint *n_consumers;     /* per position */
  guint position;         /* steps taken */

  MmBackwardStep step;
  gboolean have_step;
  MmTensor *step_grad;
};

static void
clear_step (MmBackward *bw)
{
  if (bw->have_step)
    {
      for (guint i = 0; i < bw->step.n_inputs; i++)
        mm_tensor_unref (bw->step.contributions[i]);
      g_free (bw->step.contributions);
      g_free (bw->step.accumulated);
      mm_tensor_unref (bw->step_grad);
      bw->step_grad = NULL;
      memset (&bw->step, 0, sizeof bw->step);
      bw->have_step = FALSE;
    }
}

static gint
position_of (MmBackward *bw,
             MmNode     *node)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (bw->index, node)) - 1;
}

static void
restart (MmBackward *bw)
{
  clear_step (bw);
  for (guint i = 0; i < bw->order->len; i++)
    g_clear_pointer (&bw->grads[i], mm_tensor_unref);
  bw->position = 0;
  if (bw->order->len > 0)
    bw->grads[0] = mm_tensor_ref (bw->upstream);
}

MmBackward *
mm_backward_new (MmNode          *root,
                 const MmTensor  *upstream,
                 guint            n_targets,
                 MmNode * const  *targets,
                 MmBackwardFlags  flags,
                 GError         **error)
{
  MmBackward *bw;
  g_autoptr(GPtrArray) topo = NULL;
  g_autoptr(GHashTable) wanted = NULL;
  g_autoptr(GHashTable) needed = NULL;

  g_return_val_if_fail (root != NULL, NULL);
  g_return_val_if_fail (n_targets == 0 || targets != NULL, NULL);

  if (upstream == NULL && mm_shape_size (&root->shape) != 1)
    {
      g_autofree char *s = mm_shape_to_string (&root->shape);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "The output of shape %s is not a single number: the gradient flowing into it "
                   "(an upstream gradient of shape %s) must be given", s, s);
      return NULL;
    }
  if (upstream != NULL && !mm_shape_equal (&upstream->shape, &root->shape))
    {
      g_autofree char *s = mm_shape_to_string (&root->shape);
      g_autofree char *u = mm_shape_to_string (&upstream->shape);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "The upstream gradient has shape %s, but the output it flows into has shape %s",
                   u, s);
      return NULL;
    }

  mm_node_get_value (root);

  bw = g_new0 (MmBackward, 1);
  bw->root = mm_node_ref (root);
  bw->flags = flags;
  if (upstream != NULL)
    bw->upstream = mm_tensor_copy (upstream);
  else
    {
      g_autoptr(GError) local = NULL;
      bw->upstream = mm_tensor_new_filled (&root->shape, 1.0f, &local);
      g_assert (bw->upstream != NULL);
    }

  /* A node needs a gradient when a target can be reached from it. */
  topo = mm_node_collect (root);
  needed = g_hash_table_new (NULL, NULL);
  if (n_targets > 0)
    {
      wanted = g_hash_table_new (NULL, NULL);
      for (guint i = 0; i < n_targets; i++)
        g_hash_table_add (wanted, targets[i]);
    }
  for (guint i = 0; i < topo->len; i++)
    {
      MmNode *n = g_ptr_array_index (topo, i);
      gboolean need = wanted == NULL || g_hash_table_contains (wanted, n);

      for (guint j = 0; j < n->n_inputs && !need; j++)
        need = g_hash_table_contains (needed, n->inputs[j]);
      if (need)
        g_hash_table_add (needed, n);
    }

  bw->order = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);
  bw->index = g_hash_table_new (NULL, NULL);
  for (guint i = topo->len; i-- > 0;)
    {
      MmNode *n = g_ptr_array_index (topo, i);
      if (g_hash_table_contains (needed, n))
        {
          g_ptr_array_add (bw->order, mm_node_ref (n));
          g_hash_table_insert (bw->index, n, GINT_TO_POINTER (bw->order->len));
        }
    }

  bw->grads = g_new0 (MmTensor *, bw->order->len);
  bw->is_target = g_new0 (gboolean, bw->order->len);
  bw->n_consumers = g_new0 (guint, bw->order->len);
  for (guint i = 0; i < bw->order->len; i++)
    {
      MmNode *n = g_ptr_array_index (bw->order, i);

      bw->is_target[i] = wanted == NULL || g_hash_table_contains (wanted, n);
      for (guint j = 0; j < n->n_inputs; j++)
        {
          gint p = position_of (bw, n->inputs[j]);
          if (p >= 0)
            bw->n_consumers[p]++;
        }
    }

  restart (bw);
  return bw;
}

void
mm_backward_free (MmBackward *bw)
{
  if (bw == NULL)
    return;
  clear_step (bw);
  for (guint i = 0; i < bw->order->len; i++)
    mm_tensor_unref (bw->grads[i]);
  g_free (bw->grads);
  g_free (bw->is_target);
  g_free (bw->n_consumers);
  g_hash_table_unref (bw->index);
  g_ptr_array_unref (bw->order);
  mm_tensor_unref (bw->upstream);
  mm_node_unref (bw->root);
  g_free (bw);
}

gboolean
mm_backward_step (MmBackward *bw)
{
  MmNode *node;
  MmTensor *grad;
  guint pos;
  g_autofree gboolean *need = NULL;

  g_return_val_if_fail (bw != NULL, FALSE);

  if (bw->position >= bw->order->len)
    return FALSE;

  clear_step (bw);
  pos = bw->position++;
  node = g_ptr_array_index (bw->order, pos);
  grad = bw->grads[pos];
  /* Every consumer of this node lies earlier in the sweep and has passed its
   * share back, so the gradient is complete. */
  g_assert (grad != NULL);

  bw->step.node = node;
  bw->step.position = pos;
  bw->step_grad = mm_tensor_ref (grad);
  bw->step.grad = bw->step_grad;
  bw->step.n_inputs = node->n_inputs;
  bw->step.contributions = g_new0 (MmTensor *, node->n_inputs);
  bw->step.accumulated = g_new0 (gboolean, node->n_inputs);
  bw->have_step = TRUE;

  if (node->n_inputs > 0)
    {
      /* Read once per node; the meter times the node's rule and the sums
       * into its inputs' gradients. */
      MmCostMeter *meter = mm_cost_meter_get_current ();
      double t0 = G_UNLIKELY (meter != NULL) ? mm_cost_clock () : 0.0;
      guint64 added = 0, flops = 0;

      need = g_new0 (gboolean, node->n_inputs);
      for (guint i = 0; i < node->n_inputs; i++)
        need[i] = position_of (bw, node->inputs[i]) >= 0;
      /* Counted before the sparse path below clears @need. */
      if (G_UNLIKELY (meter != NULL))
        flops = mm_node_count_flops (node, need);
      if (node->klass->backward_add != NULL && !(bw->flags & MM_BACKWARD_KEEP_ALL))
        {
          /* Sparse contributions go straight into the inputs' sums. */
          for (guint i = 0; i < node->n_inputs; i++)
            {
              gint p = position_of (bw, node->inputs[i]);

              if (p < 0)
                continue;
              if (bw->grads[p] == NULL)
                {
                  bw->grads[p] = mm_tensor_new_uninit (&node->inputs[i]->shape);
                  mm_tensor_fill (bw->grads[p], 0.0f);
                }
              else
                mm_tensor_make_writable (&bw->grads[p]);
              node->klass->backward_add (node, grad, i, bw->grads[p]);
            }
          memset (need, 0, node->n_inputs * sizeof (gboolean));
        }
      else
        node->klass->backward (node, grad, need, bw->step.contributions);

      for (guint i = 0; i < node->n_inputs; i++)
        {
          MmTensor *c = bw->step.contributions[i];
          gint p;

          if (!need[i])
            {
              g_assert (c == NULL);
              continue;
            }
          g_assert (c != NULL && mm_shape_equal (&c->shape, &node->inputs[i]->shape));
          p = position_of (bw, node->inputs[i]);
          if (bw->grads[p] == NULL)
            bw->grads[p] = mm_tensor_ref (c);
          else
            {
              mm_tensor_make_writable (&bw->grads[p]);
              mm_tensor_add_inplace (bw->grads[p], c);
              bw->step.accumulated[i] = TRUE;
              added += mm_shape_size (&c->shape);
            }
        }
      if (G_UNLIKELY (meter != NULL))
        mm_cost_meter_add (meter, node, MM_COST_BACKWARD, mm_cost_clock () - t0, flops + added);
    }

  if (!(bw->flags & MM_BACKWARD_KEEP_ALL) && !bw->is_target[pos])
    g_clear_pointer (&bw->grads[pos], mm_tensor_unref);

  return TRUE;
}

void
mm_backward_run (MmBackward *bw)
{
  g_return_if_fail (bw != NULL);
  while (mm_backward_step (bw))
    ;
}

const MmBackwardStep *
mm_backward_get_step (MmBackward *bw)
{
  g_return_val_if_fail (bw != NULL, NULL);
  return bw->have_step ? &bw->step : NULL;
}

gboolean
mm_backward_is_done (MmBackward *bw)
{
  g_return_val_if_fail (bw != NULL, TRUE);
  return bw->position >= bw->order->len;
}

guint
mm_backward_get_n_steps (MmBackward *bw)
{
  g_return_val_if_fail (bw != NULL, 0);
  return bw->order->len;
}

guint
mm_backward_get_position (MmBackward *bw)
{
  g_return_val_if_fail (bw != NULL, 0);
  return bw->position;
}

MmNode *
mm_backward_get_node (MmBackward *bw,
                      guint       position)
{
  g_return_val_if_fail (bw != NULL, NULL);
  g_return_val_if_fail (position < bw->order->len, NULL);
  return g_ptr_array_index (bw->order, position);
}

void
mm_backward_seek (MmBackward *bw,
                  guint       position)
{
  g_return_if_fail (bw != NULL);

  position = MIN (position, bw->order->len);
  if (position < bw->position)
    restart (bw);
  while (bw->position < position)
    mm_backward_step (bw);
}

const MmTensor *
mm_backward_get_gradient (MmBackward *bw,
                          MmNode     *node)
{
  gint p;

  g_return_val_if_fail (bw != NULL && node != NULL, NULL);
  p = position_of (bw, node);
  return p >= 0 ? bw->grads[p] : NULL;
}

MmTensor *
mm_backward_dup_gradient (MmBackward *bw,
                          MmNode     *node)
{
  const MmTensor *g = mm_backward_get_gradient (bw, node);

  if (g != NULL)
    return mm_tensor_copy (g);
  else
    {
      MmTensor *zeros = mm_tensor_new_uninit (&node->shape);
      mm_tensor_fill (zeros, 0.0f);
      return zeros;
    }
}

MmTensor *
mm_backward_ref_gradient (MmBackward *bw,
                          MmNode     *node)
{
  const MmTensor *g = mm_backward_get_gradient (bw, node);
  return g != NULL ? mm_tensor_ref ((MmTensor *) g) : NULL;
}

guint
mm_backward_get_n_consumers (MmBackward *bw,
                             MmNode     *node)
{
  gint p;

  g_return_val_if_fail (bw != NULL && node != NULL, 0);
  p = position_of (bw, node);
  return p >= 0 ? bw->n_consumers[p] : 0;
}
