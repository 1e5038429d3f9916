/* mm-affine.c — Affine(X, W, b) = X · Wᵀ + b, W of shape (out, in).
 *
 * With X viewed as M rows of `in` numbers (M = the product of its leading
 * axes) and G = ∂L/∂Y as M rows of `out`:
 *   ∂L/∂X = G · W        (M×out · out×in)
 *   ∂L/∂W = Gᵀ · X       (out×M · M×in): every row adds its outer product
 *   ∂L/∂b = Σ_rows G     b was added to every row
 * The bias is written into the output first and the product added on top,
 * so the forward pass is one sgemm and one copy per row.
 */
#include "mm-affine.h"
#include "mm-node-private.h"
#include "mm-error.h"

typedef struct {
  MmNode parent;
  gsize M, in, out;
} MmAffine;

static MmTensor *
affine_forward (MmNode *node)
{
  MmAffine *self = (MmAffine *) node;
  MmTensor *y = mm_tensor_new_uninit (&node->shape);
  gboolean bias = node->n_inputs > 2;

  if (bias)
    mm_kernel_repeat (mm_node_input_data (node, 2), self->M, self->out, y->data);
  mm_kernel_gemm_acc (FALSE, TRUE, self->M, self->out, self->in, mm_node_input_data (node, 0),
                      mm_node_input_data (node, 1), bias, y->data);
  return y;
}

static void
affine_backward (MmNode          *node,
                 const MmTensor  *grad,
                 const gboolean  *need,
                 MmTensor       **grads)
{
  MmAffine *self = (MmAffine *) node;

  if (need[0])
    {
      grads[0] = mm_tensor_new_uninit (&node->inputs[0]->shape);
      mm_kernel_gemm (FALSE, FALSE, self->M, self->in, self->out, grad->data, mm_node_input_data (node, 1),
                      grads[0]->data);
    }
  if (need[1])
    {
      grads[1] = mm_tensor_new_uninit (&node->inputs[1]->shape);
      mm_kernel_gemm (TRUE, FALSE, self->out, self->in, self->M, grad->data, mm_node_input_data (node, 0),
                      grads[1]->data);
    }
  if (node->n_inputs > 2 && need[2])
    {
      grads[2] = mm_tensor_new_uninit (&node->inputs[2]->shape);
      mm_kernel_sum_leading (grad->data, self->M, self->out, grads[2]->data);
    }
}

static char *
affine_describe (MmNode *node)
{
  MmAffine *self = (MmAffine *) node;
  return g_strdup_printf ("Affine %" G_GSIZE_FORMAT " → %" G_GSIZE_FORMAT "%s", self->in, self->out,
                          node->n_inputs > 2 ? "" : " (no bias)");
}

static char *
affine_rule (MmNode *node,
             guint   index)
{
  switch (index)
    {
    case 0:
      return g_strdup ("∂L/∂X = G · W");
    case 1:
      return g_strdup ("∂L/∂W = Gᵀ · X (every row adds its outer product)");
    default:
      return g_strdup ("∂L/∂b = Σ G (summed over all rows)");
    }
}

/* Cost meter: the product is 2·M·in·out, the bias M·out; backward one
 * product per input asked for, the bias's sum M·out. */
static guint64
affine_flops (MmNode         *node,
              const gboolean *need)
{
  MmAffine *self = (MmAffine *) node;
  guint64 prod = 2 * (guint64) self->M * self->in * self->out;
  guint64 bias = (guint64) self->M * self->out;
  gboolean has_bias = node->n_inputs > 2;

  if (need == NULL)
    return prod + (has_bias ? bias : 0);
  return (need[0] ? prod : 0) + (need[1] ? prod : 0) + (has_bias && need[2] ? bias : 0);
}

static const MmNodeClass affine_class = {
  .type_name = "Affine",
  .instance_size = sizeof (MmAffine),
  .forward = affine_forward,
  .backward = affine_backward,
  .describe = affine_describe,
  .rule = affine_rule,
  .flops = affine_flops,
};

MmNode *
mm_affine_new (MmNode  *x,
               MmNode  *w,
               MmNode  *b,
               GError **error)
{
  const MmShape *xs, *ws;
  MmShape out;
  MmAffine *self;

  g_return_val_if_fail (x != NULL && w != NULL, NULL);
  xs = &x->shape;
  ws = &w->shape;
  if (ws->ndim != 2)
    {
      g_autofree char *s = mm_shape_to_string (ws);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "Affine needs a weight matrix of shape (out, in), not shape %s", s);
      return NULL;
    }
  if (xs->ndim < 1 || xs->dim[xs->ndim - 1] != ws->dim[1])
    {
      g_autofree char *sx = mm_shape_to_string (xs);
      g_autofree char *sw = mm_shape_to_string (ws);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "Affine with a weight of shape %s expects %" G_GSIZE_FORMAT " input features (the last "
                   "axis), but the input has shape %s", sw, ws->dim[1], sx);
      return NULL;
    }
  if (b != NULL && (b->shape.ndim != 1 || b->shape.dim[0] != ws->dim[0]))
    {
      g_autofree char *sb = mm_shape_to_string (&b->shape);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "Affine's bias must have shape (%" G_GSIZE_FORMAT ",), one number per output, not shape %s",
                   ws->dim[0], sb);
      return NULL;
    }
  out = *xs;
  out.dim[out.ndim - 1] = ws->dim[0];
  if (!mm_shape_validate (&out, error))
    return NULL;
  self = (MmAffine *) mm_node_alloc (&affine_class, &out, b ? 3 : 2, (MmNode *[]) { x, w, b });
  self->in = ws->dim[1];
  self->out = ws->dim[0];
  self->M = 1;
  for (guint i = 0; i + 1 < xs->ndim; i++)
    self->M *= xs->dim[i];
  return &self->parent;
}

gboolean
mm_node_is_affine (MmNode *node)
{
  g_return_val_if_fail (node != NULL, FALSE);
  return node->klass == &affine_class;
}
