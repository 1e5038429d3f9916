/* mm-trace.c — the first NaN or infinity of a graph, forward then backward.
 *
 * Forward: the nodes in mm_node_collect's order, which is the order the
 * engine computes them in; a node is checked right after its value exists,
 * so the first node found is the one whose own computation overflowed (its
 * inputs were all finite), unless it is a constant that was given so.
 *
 * Backward: the one sweep of mm-backward.c, a node per step. A node's
 * gradient is complete when the sweep visits it, so the first visited node
 * whose gradient is not finite is the answer; the contributions passed on
 * at each step tell which node's rule produced the first bad number.
 */
#include "mm-trace.h"
#include "mm-backward.h"
#include "mm-error.h"

#include <math.h>
#include <string.h>

void
mm_tensor_stats (const MmTensor *tensor,
                 MmTensorStats  *stats)
{
  double lo = INFINITY, hi = -INFINITY, sum = 0.0;
  gsize finite = 0;

  g_return_if_fail (stats != NULL);
  memset (stats, 0, sizeof *stats);
  stats->min = stats->max = stats->mean = NAN;
  if (tensor == NULL)
    return;
  stats->count = tensor->size;
  for (gsize i = 0; i < tensor->size; i++)
    {
      float v = tensor->data[i];

      if (isnan (v))
        stats->n_nan++;
      else if (isinf (v))
        {
          if (v > 0)
            stats->n_pos_inf++;
          else
            stats->n_neg_inf++;
        }
      else
        {
          lo = MIN (lo, v);
          hi = MAX (hi, v);
          sum += v;
          finite++;
        }
    }
  if (finite > 0)
    {
      stats->min = lo;
      stats->max = hi;
      stats->mean = sum / (double) finite;
    }
}

gboolean
mm_tensor_stats_is_finite (const MmTensorStats *stats)
{
  g_return_val_if_fail (stats != NULL, FALSE);
  return stats->n_nan == 0 && stats->n_pos_inf == 0 && stats->n_neg_inf == 0;
}

void
mm_trace_result_clear (MmTraceResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->node, mm_node_unref);
  g_clear_pointer (&result->source, mm_node_unref);
  g_clear_pointer (&result->input_stats, g_free);
  memset (result, 0, sizeof *result);
}

static void
found (MmTraceResult  *result,
       MmTraceKind     kind,
       MmNode         *node,
       guint           position,
       const MmTensor *tensor)
{
  result->kind = kind;
  result->node = mm_node_ref (node);
  result->position = position;
  mm_tensor_stats (tensor, &result->stats);
  result->n_inputs = mm_node_get_n_inputs (node);
  result->input_stats = g_new0 (MmTensorStats, MAX (result->n_inputs, 1));
  for (guint i = 0; i < result->n_inputs; i++)
    mm_tensor_stats (mm_node_get_value (mm_node_get_input (node, i)), &result->input_stats[i]);
}

gboolean
mm_trace_nonfinite (MmNode          *root,
                    guint            n_targets,
                    MmNode * const  *targets,
                    MmTraceResult   *result,
                    GError         **error)
{
  g_autoptr(GPtrArray) order = NULL;
  g_autoptr(MmBackward) bw = NULL;
  g_autoptr(MmTensor) ones = NULL;
  g_autoptr(GHashTable) sources = NULL;   /* node → the step that first passed it a bad number */

  g_return_val_if_fail (root != NULL, FALSE);
  g_return_val_if_fail (n_targets == 0 || targets != NULL, FALSE);
  g_return_val_if_fail (result != NULL, FALSE);

  memset (result, 0, sizeof *result);
  order = mm_node_collect (root);
  result->n_nodes = order->len;

  for (guint k = 0; k < order->len; k++)
    {
      MmNode *node = g_ptr_array_index (order, k);
      const MmTensor *value = mm_node_get_value (node);

      if (!mm_tensor_all_finite (value))
        {
          found (result, MM_TRACE_VALUE, node, k, value);
          return TRUE;
        }
    }

  /* Every value is finite: the backward sweep. */
  if (mm_shape_size (mm_node_get_shape (root)) != 1)
    {
      ones = mm_tensor_new (mm_node_get_shape (root), error);
      if (ones == NULL)
        return FALSE;
      mm_tensor_fill (ones, 1.0f);
    }
  bw = mm_backward_new (root, ones, n_targets, targets, MM_BACKWARD_DEFAULT, error);
  if (bw == NULL)
    return FALSE;
  sources = g_hash_table_new (NULL, NULL);
  while (mm_backward_step (bw))
    {
      const MmBackwardStep *step = mm_backward_get_step (bw);

      if (!mm_tensor_all_finite (step->grad))
        {
          gpointer src = g_hash_table_lookup (sources, step->node);

          found (result, MM_TRACE_GRADIENT, step->node, step->position, step->grad);
          if (src != NULL)
            {
              MmNode *consumer = mm_backward_get_node (bw, GPOINTER_TO_UINT (src) - 1);

              result->source = mm_node_ref (consumer);
              for (guint i = 0; i < mm_node_get_n_inputs (consumer); i++)
                if (mm_node_get_input (consumer, i) == step->node)
                  {
                    result->source_input = i;
                    break;
                  }
            }
          return TRUE;
        }
      for (guint i = 0; i < step->n_inputs; i++)
        {
          MmNode *input = mm_node_get_input (step->node, i);

          if (step->contributions[i] != NULL && !g_hash_table_contains (sources, input) &&
              !mm_tensor_all_finite (step->contributions[i]))
            g_hash_table_insert (sources, input, GUINT_TO_POINTER (step->position + 1));
        }
    }
  result->kind = MM_TRACE_FINITE;
  return TRUE;
}

/* ---- MmDivergence ------------------------------------------------------------ */

void
mm_divergence_free (MmDivergence *d)
{
  if (d == NULL)
    return;
  g_clear_pointer (&d->x, mm_tensor_unref);
  g_clear_pointer (&d->y, mm_tensor_unref);
  g_clear_pointer (&d->params, mm_params_unref);
  g_clear_pointer (&d->loss, mm_node_unref);
  g_free (d->parameter);
  g_free (d->message);
  g_free (d);
}

MmDivergence *
mm_divergence_copy (const MmDivergence *d)
{
  MmDivergence *c;

  g_return_val_if_fail (d != NULL, NULL);
  c = g_memdup2 (d, sizeof *d);
  c->x = d->x ? mm_tensor_ref (d->x) : NULL;
  c->y = d->y ? mm_tensor_ref (d->y) : NULL;
  c->params = d->params ? mm_params_ref (d->params) : NULL;
  c->loss = d->loss ? mm_node_ref (d->loss) : NULL;
  c->parameter = g_strdup (d->parameter);
  c->message = g_strdup (d->message);
  return c;
}
