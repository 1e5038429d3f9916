/* mm-shape-ops.c — Reshape, Permute and Broadcast.
 *
 * These nodes only move numbers, so their gradients move the gradient back the
 * same way: Reshape reshapes G back, Permute applies the inverse permutation,
 * and Broadcast sums G over the axes it added (each input number was used once
 * per copy; this is why a bias gets the *sum* of a batch's gradients).
 */
#include "mm-shape-ops.h"
#include "mm-node-private.h"
#include "mm-error.h"

#include <string.h>

/* ---- Reshape ------------------------------------------------------------ */

/* Values never change, so a reshape can show the input's numbers under the
 * new shape instead of copying them. */
static MmTensor *
reshape_forward (MmNode *node)
{
  return mm_tensor_new_view (node->inputs[0]->value, &node->shape, NULL);
}

static void
reshape_backward (MmNode          *node,
                  const MmTensor  *grad,
                  const gboolean  *need,
                  MmTensor       **grads)
{
  if (!need[0])
    return;
  grads[0] = mm_tensor_new_view ((MmTensor *) grad, &node->inputs[0]->shape, NULL);
}

static char *
reshape_describe (MmNode *node)
{
  g_autofree char *s = mm_shape_to_string (&node->shape);
  return g_strdup_printf ("Reshape → %s", s);
}

static char *
reshape_rule (MmNode *node,
              guint   index)
{
  g_autofree char *s = mm_shape_to_string (&node->inputs[0]->shape);
  return g_strdup_printf ("∂L/∂X = G reshaped back to %s", s);
}

/* Cost meter: Reshape and Permute only move numbers: no arithmetic either
 * way. */
static guint64
shape_move_flops (MmNode         *node,
                  const gboolean *need)
{
  return 0;
}

static const MmNodeClass reshape_class = {
  .type_name = "Reshape",
  .instance_size = sizeof (MmNode),
  .forward = reshape_forward,
  .backward = reshape_backward,
  .describe = reshape_describe,
  .rule = reshape_rule,
  .flops = shape_move_flops,
};

MmNode *
mm_reshape_new (MmNode         *x,
                const MmShape  *shape,
                GError        **error)
{
  g_return_val_if_fail (x != NULL && shape != NULL, NULL);

  if (!mm_shape_validate (shape, error))
    return NULL;
  if (mm_shape_size (shape) != mm_shape_size (&x->shape))
    {
      g_autofree char *s1 = mm_shape_to_string (&x->shape);
      g_autofree char *s2 = mm_shape_to_string (shape);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "Cannot reshape a tensor of shape %s (%" G_GSIZE_FORMAT " numbers) to shape %s (%"
                   G_GSIZE_FORMAT " numbers)", s1, mm_shape_size (&x->shape), s2, mm_shape_size (shape));
      return NULL;
    }
  return mm_node_alloc (&reshape_class, shape, 1, &x);
}

MmNode *
mm_flatten_new (MmNode  *x,
                GError **error)
{
  MmShape shape;

  g_return_val_if_fail (x != NULL, NULL);
  if (x->shape.ndim < 1)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "Flatten needs a tensor with a batch axis, not a single number");
      return NULL;
    }
  mm_shape_scalar (&shape);
  shape.ndim = 2;
  shape.dim[0] = x->shape.dim[0];
  shape.dim[1] = 1;
  for (guint i = 1; i < x->shape.ndim; i++)
    shape.dim[1] *= x->shape.dim[i];
  return mm_reshape_new (x, &shape, error);
}

/* ---- Permute ------------------------------------------------------------ */

typedef struct {
  MmNode parent;
  guint perm[MM_MAX_DIMS];
  guint inverse[MM_MAX_DIMS];
} MmPermute;

/* dst (shape: src_shape permuted by perm) = src with its axes permuted. */
static void
permute_copy (const float   *src,
              const MmShape *src_shape,
              const guint   *perm,
              float         *dst)
{
  gsize src_stride[MM_MAX_DIMS];
  gsize stride[MM_MAX_DIMS];   /* src stride of each dst axis */
  gsize extent[MM_MAX_DIMS];
  gsize idx[MM_MAX_DIMS] = { 0 };
  guint n = src_shape->ndim;
  gsize total = mm_shape_size (src_shape);
  gsize offset = 0;

  if (total == 0)
    return;
  if (n == 0)
    {
      dst[0] = src[0];
      return;
    }
  src_stride[n - 1] = 1;
  for (guint i = n - 1; i > 0; i--)
    src_stride[i - 1] = src_stride[i] * src_shape->dim[i];
  for (guint i = 0; i < n; i++)
    {
      stride[i] = src_stride[perm[i]];
      extent[i] = src_shape->dim[perm[i]];
    }

  for (gsize out = 0; out < total;)
    {
      /* Innermost axis as a strided loop; an odometer for the rest. */
      gsize s = stride[n - 1];
      for (gsize k = 0; k < extent[n - 1]; k++)
        dst[out++] = src[offset + k * s];
      for (guint i = n - 1; i-- > 0;)
        {
          idx[i]++;
          offset += stride[i];
          if (idx[i] < extent[i])
            break;
          offset -= idx[i] * stride[i];
          idx[i] = 0;
        }
    }
}

static MmTensor *
permute_forward (MmNode *node)
{
  MmPermute *self = (MmPermute *) node;
  MmTensor *out = mm_tensor_new_uninit (&node->shape);

  permute_copy (mm_node_input_data (node, 0), &node->inputs[0]->shape, self->perm, out->data);
  return out;
}

static void
permute_backward (MmNode          *node,
                  const MmTensor  *grad,
                  const gboolean  *need,
                  MmTensor       **grads)
{
  MmPermute *self = (MmPermute *) node;

  if (!need[0])
    return;
  grads[0] = mm_tensor_new_uninit (&node->inputs[0]->shape);
  permute_copy (grad->data, &node->shape, self->inverse, grads[0]->data);
}

static char *
perm_string (const guint *perm,
             guint        n)
{
  GString *s = g_string_new ("(");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, i ? ", %u" : "%u", perm[i]);
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

static char *
permute_describe (MmNode *node)
{
  g_autofree char *p = perm_string (((MmPermute *) node)->perm, node->shape.ndim);
  return g_strdup_printf ("Permute %s", p);
}

static char *
permute_rule (MmNode *node,
              guint   index)
{
  g_autofree char *p = perm_string (((MmPermute *) node)->inverse, node->shape.ndim);
  return g_strdup_printf ("∂L/∂X = G with its axes permuted back by %s", p);
}

static const MmNodeClass permute_class = {
  .type_name = "Permute",
  .instance_size = sizeof (MmPermute),
  .forward = permute_forward,
  .backward = permute_backward,
  .describe = permute_describe,
  .rule = permute_rule,
  .flops = shape_move_flops,
};

MmNode *
mm_permute_new (MmNode       *x,
                guint         n_perm,
                const guint  *perm,
                GError      **error)
{
  MmPermute *self;
  MmShape out;
  gboolean seen[MM_MAX_DIMS] = { FALSE };

  g_return_val_if_fail (x != NULL && (perm != NULL || n_perm == 0), NULL);

  if (n_perm != x->shape.ndim)
    {
      g_autofree char *s = mm_shape_to_string (&x->shape);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "A permutation of a tensor of shape %s must list its %u axes, not %u",
                   s, x->shape.ndim, n_perm);
      return NULL;
    }
  for (guint i = 0; i < n_perm; i++)
    {
      if (perm[i] >= n_perm || seen[perm[i]])
        {
          g_autofree char *p = perm_string (perm, n_perm);
          g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                       "%s is not a permutation of the axes 0…%u: each axis must appear exactly once",
                       p, n_perm - 1);
          return NULL;
        }
      seen[perm[i]] = TRUE;
    }

  mm_shape_scalar (&out);
  out.ndim = n_perm;
  for (guint i = 0; i < n_perm; i++)
    out.dim[i] = x->shape.dim[perm[i]];
  self = (MmPermute *) mm_node_alloc (&permute_class, &out, 1, &x);
  for (guint i = 0; i < n_perm; i++)
    {
      self->perm[i] = perm[i];
      self->inverse[perm[i]] = i;
    }
  return &self->parent;
}

MmNode *
mm_transpose_new (MmNode  *x,
                  GError **error)
{
  guint perm[MM_MAX_DIMS];
  guint n;

  g_return_val_if_fail (x != NULL, NULL);
  n = x->shape.ndim;
  if (n < 2)
    {
      g_autofree char *s = mm_shape_to_string (&x->shape);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "Transpose swaps the last two axes, but shape %s has fewer than two", s);
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    perm[i] = i;
  perm[n - 2] = n - 1;
  perm[n - 1] = n - 2;
  return mm_permute_new (x, n, perm, error);
}

/* ---- Broadcast ---------------------------------------------------------- */

typedef struct {
  MmNode parent;
  guint n_lead;
  gsize P, Q;
} MmBroadcast;

static MmTensor *
broadcast_forward (MmNode *node)
{
  MmBroadcast *self = (MmBroadcast *) node;
  MmTensor *out = mm_tensor_new_uninit (&node->shape);

  mm_kernel_repeat (mm_node_input_data (node, 0), self->P, self->Q, out->data);
  return out;
}

static void
broadcast_backward (MmNode          *node,
                    const MmTensor  *grad,
                    const gboolean  *need,
                    MmTensor       **grads)
{
  MmBroadcast *self = (MmBroadcast *) node;

  if (!need[0])
    return;
  grads[0] = mm_tensor_new_uninit (&node->inputs[0]->shape);
  mm_kernel_sum_leading (grad->data, self->P, self->Q, grads[0]->data);
}

static char *
broadcast_describe (MmNode *node)
{
  MmBroadcast *self = (MmBroadcast *) node;
  MmShape lead;

  mm_shape_scalar (&lead);
  lead.ndim = self->n_lead;
  for (guint i = 0; i < self->n_lead; i++)
    lead.dim[i] = node->shape.dim[i];
  g_autofree char *s = mm_shape_to_string (&lead);
  return g_strdup_printf ("Broadcast over %s", s);
}

static char *
broadcast_rule (MmNode *node,
                guint   index)
{
  guint n = ((MmBroadcast *) node)->n_lead;
  return g_strdup_printf ("∂L/∂X = G summed over the %u added %s (one term per copy)",
                          n, n == 1 ? "axis" : "axes");
}

/* Cost meter: the forward copies (no arithmetic); backward sums G over the
 * repeated axes, one addition per output number (P·Q). */
static guint64
broadcast_flops (MmNode         *node,
                 const gboolean *need)
{
  MmBroadcast *self = (MmBroadcast *) node;

  return need != NULL && need[0] ? (guint64) self->P * self->Q : 0;
}

static const MmNodeClass broadcast_class = {
  .type_name = "Broadcast",
  .instance_size = sizeof (MmBroadcast),
  .forward = broadcast_forward,
  .backward = broadcast_backward,
  .describe = broadcast_describe,
  .rule = broadcast_rule,
  .flops = broadcast_flops,
};

MmNode *
mm_broadcast_new (MmNode       *x,
                  guint         n_lead,
                  const gsize  *lead,
                  GError      **error)
{
  MmBroadcast *self;
  MmShape out;
  gsize P = 1;

  g_return_val_if_fail (x != NULL && (lead != NULL || n_lead == 0), NULL);

  if (n_lead + x->shape.ndim > MM_MAX_DIMS)
    {
      g_autofree char *s = mm_shape_to_string (&x->shape);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "Broadcasting shape %s over %u more axes gives more than %d axes",
                   s, n_lead, MM_MAX_DIMS);
      return NULL;
    }
  mm_shape_scalar (&out);
  out.ndim = n_lead + x->shape.ndim;
  for (guint i = 0; i < n_lead; i++)
    {
      out.dim[i] = lead[i];
      P *= lead[i];
    }
  for (guint i = 0; i < x->shape.ndim; i++)
    out.dim[n_lead + i] = x->shape.dim[i];
  if (!mm_shape_validate (&out, error))
    return NULL;

  self = (MmBroadcast *) mm_node_alloc (&broadcast_class, &out, 1, &x);
  self->n_lead = n_lead;
  self->P = P;
  self->Q = mm_shape_size (&x->shape);
  return &self->parent;
}
