/* mm-sum.c — Sum(X, d).
 *
 * View X as P×Q (the d summed axes, then the rest): out[q] = Σ_p X[p, q].
 * Every X[p, q] contributes once to out[q], so the gradient is G copied along
 * the summed axes:  ∂L/∂X[p, q] = G[q].
 */
#include "mm-sum.h"
#include "mm-node-private.h"
#include "mm-error.h"

typedef struct {
  MmNode parent;
  guint d;
  gsize P, Q;
} MmSum;

static MmTensor *
sum_forward (MmNode *node)
{
  MmSum *self = (MmSum *) node;
  MmTensor *out = mm_tensor_new_uninit (&node->shape);

  mm_kernel_sum_leading (mm_node_input_data (node, 0), self->P, self->Q, out->data);
  return out;
}

static void
sum_backward (MmNode          *node,
              const MmTensor  *grad,
              const gboolean  *need,
              MmTensor       **grads)
{
  MmSum *self = (MmSum *) node;

  if (!need[0])
    return;
  if (self->d == 0)
    {
      grads[0] = mm_tensor_ref ((MmTensor *) grad);
      return;
    }
  grads[0] = mm_tensor_new_uninit (&node->inputs[0]->shape);
  mm_kernel_repeat (grad->data, self->P, self->Q, grads[0]->data);
}

static char *
sum_describe (MmNode *node)
{
  return g_strdup_printf ("Sum d=%u", ((MmSum *) node)->d);
}

static char *
sum_rule (MmNode *node,
          guint   index)
{
  guint d = ((MmSum *) node)->d;

  if (d == 0)
    return g_strdup ("∂L/∂X = G (nothing is summed)");
  return g_strdup_printf ("∂L/∂X = G copied along the %u summed %s", d, d == 1 ? "axis" : "axes");
}

/* Cost meter: one addition per summed number (P·Q) forward; backward only
 * copies G, no arithmetic. */
static guint64
sum_flops (MmNode         *node,
           const gboolean *need)
{
  MmSum *self = (MmSum *) node;

  return need == NULL && self->d > 0 ? (guint64) self->P * self->Q : 0;
}

static const MmNodeClass sum_class = {
  .type_name = "Sum",
  .instance_size = sizeof (MmSum),
  .forward = sum_forward,
  .backward = sum_backward,
  .describe = sum_describe,
  .rule = sum_rule,
  .flops = sum_flops,
};

MmNode *
mm_sum_new (MmNode  *x,
            guint    d,
            GError **error)
{
  const MmShape *sx;
  MmShape out;
  MmSum *self;
  gsize P = 1, Q = 1;

  g_return_val_if_fail (x != NULL, NULL);
  sx = &x->shape;
  if (d > sx->ndim)
    {
      g_autofree char *s = mm_shape_to_string (sx);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "Sum over the first %u axes is impossible for a tensor of shape %s with %u axes",
                   d, s, sx->ndim);
      return NULL;
    }
  mm_shape_scalar (&out);
  for (guint i = 0; i < sx->ndim; i++)
    {
      if (i < d)
        P *= sx->dim[i];
      else
        {
          out.dim[out.ndim++] = sx->dim[i];
          Q *= sx->dim[i];
        }
    }
  self = (MmSum *) mm_node_alloc (&sum_class, &out, 1, &x);
  self->d = d;
  self->P = P;
  self->Q = Q;
  return &self->parent;
}

MmNode *
mm_sum_all_new (MmNode *x)
{
  g_return_val_if_fail (x != NULL, NULL);
  return mm_sum_new (x, x->shape.ndim, NULL);
}

guint
mm_sum_get_d (MmNode *node)
{
  g_return_val_if_fail (node != NULL && node->klass == &sum_class, 0);
  return ((MmSum *) node)->d;
}
