/* mm-tensordot.c — TensorDot(A, B, d).
 *
 * View A as a matrix M×K (its free axes, then the d contracted ones) and B as
 * K×N (contracted axes, then its free ones): the value is the matrix product
 * A·B, reshaped to A's free axes followed by B's free axes. The chain rule is
 * then the matrix rule:
 *   ∂L/∂A = G · Bᵀ   (M×N · N×K)
 *   ∂L/∂B = Aᵀ · G   (K×M · M×N)
 */
#include "mm-tensordot.h"
#include "mm-node-private.h"
#include "mm-error.h"

typedef struct {
  MmNode parent;
  guint d;
  gsize M, K, N;
} MmTensorDot;

static MmTensor *
tensordot_forward (MmNode *node)
{
  MmTensorDot *self = (MmTensorDot *) node;
  MmTensor *out = mm_tensor_new_uninit (&node->shape);

  mm_kernel_gemm (FALSE, FALSE, self->M, self->N, self->K,
                  mm_node_input_data (node, 0), mm_node_input_data (node, 1), out->data);
  return out;
}

static void
tensordot_backward (MmNode          *node,
                    const MmTensor  *grad,
                    const gboolean  *need,
                    MmTensor       **grads)
{
  MmTensorDot *self = (MmTensorDot *) node;

  if (need[0])
    {
      grads[0] = mm_tensor_new_uninit (&node->inputs[0]->shape);
      mm_kernel_gemm (FALSE, TRUE, self->M, self->K, self->N,
                      grad->data, mm_node_input_data (node, 1), grads[0]->data);
    }
  if (need[1])
    {
      grads[1] = mm_tensor_new_uninit (&node->inputs[1]->shape);
      mm_kernel_gemm (TRUE, FALSE, self->K, self->N, self->M,
                      mm_node_input_data (node, 0), grad->data, grads[1]->data);
    }
}

static char *
tensordot_describe (MmNode *node)
{
  return g_strdup_printf ("TensorDot d=%u", ((MmTensorDot *) node)->d);
}

static char *
tensordot_rule (MmNode *node,
                guint   index)
{
  MmTensorDot *self = (MmTensorDot *) node;

  if (self->d == 0)
    return g_strdup (index == 0 ? "∂L/∂A = G contracted with B over all of B's axes"
                                : "∂L/∂B = Aᵀ contracted with G over all of A's axes");
  return g_strdup (index == 0 ? "∂L/∂A = G · Bᵀ (contract G with B over B's free axes)"
                              : "∂L/∂B = Aᵀ · G (contract A with G over A's free axes)");
}

/* Cost meter: a matrix product M×K · K×N is M·N·K multiplications and as
 * many additions, 2·M·K·N; backward does one such product per input that
 * needs its gradient (G · Bᵀ, Aᵀ · G). */
static guint64
tensordot_flops (MmNode         *node,
                 const gboolean *need)
{
  MmTensorDot *self = (MmTensorDot *) node;
  guint64 one = 2 * (guint64) self->M * self->K * self->N;

  if (need == NULL)
    return one;
  return (need[0] ? one : 0) + (need[1] ? one : 0);
}

static const MmNodeClass tensordot_class = {
  .type_name = "TensorDot",
  .instance_size = sizeof (MmTensorDot),
  .forward = tensordot_forward,
  .backward = tensordot_backward,
  .describe = tensordot_describe,
  .rule = tensordot_rule,
  .flops = tensordot_flops,
};

MmNode *
mm_tensordot_new (MmNode  *a,
                  MmNode  *b,
                  guint    d,
                  GError **error)
{
  const MmShape *sa, *sb;
  MmShape out;
  MmTensorDot *self;
  gsize M = 1, K = 1, N = 1;

  g_return_val_if_fail (a != NULL && b != NULL, NULL);
  sa = &a->shape;
  sb = &b->shape;

  if (d > sa->ndim || d > sb->ndim)
    {
      g_autofree char *s1 = mm_shape_to_string (sa);
      g_autofree char *s2 = mm_shape_to_string (sb);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "TensorDot cannot contract %u axes of tensors of shapes %s and %s: "
                   "one of them has fewer axes", d, s1, s2);
      return NULL;
    }
  for (guint i = 0; i < d; i++)
    {
      gsize da = sa->dim[sa->ndim - d + i];
      gsize db = sb->dim[i];
      if (da != db)
        {
          g_autofree char *s1 = mm_shape_to_string (sa);
          g_autofree char *s2 = mm_shape_to_string (sb);
          g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                       "TensorDot with d=%u needs the last %u axes of A to match the first %u axes of B, "
                       "but A has shape %s and B has shape %s (axis %u of A is %" G_GSIZE_FORMAT
                       ", axis %u of B is %" G_GSIZE_FORMAT ")",
                       d, d, d, s1, s2, sa->ndim - d + i, da, i, db);
          return NULL;
        }
      K *= da;
    }
  if (sa->ndim - d + sb->ndim - d > MM_MAX_DIMS)
    {
      g_autofree char *s1 = mm_shape_to_string (sa);
      g_autofree char *s2 = mm_shape_to_string (sb);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "TensorDot of shapes %s and %s with d=%u would have %u axes; at most %d are supported",
                   s1, s2, d, sa->ndim - d + sb->ndim - d, MM_MAX_DIMS);
      return NULL;
    }

  mm_shape_scalar (&out);
  for (guint i = 0; i < sa->ndim - d; i++)
    {
      out.dim[out.ndim++] = sa->dim[i];
      M *= sa->dim[i];
    }
  for (guint i = d; i < sb->ndim; i++)
    {
      out.dim[out.ndim++] = sb->dim[i];
      N *= sb->dim[i];
    }
  if (!mm_shape_validate (&out, error))
    return NULL;

  self = (MmTensorDot *) mm_node_alloc (&tensordot_class, &out, 2, (MmNode *[]) { a, b });
  self->d = d;
  self->M = M;
  self->K = K;
  self->N = N;
  return &self->parent;
}

guint
mm_tensordot_get_d (MmNode *node)
{
  g_return_val_if_fail (node != NULL && node->klass == &tensordot_class, 0);
  return ((MmTensorDot *) node)->d;
}
