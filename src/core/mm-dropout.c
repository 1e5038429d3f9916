/* mm-dropout.c — Dropout(X).
 *
 * Y = X ⊙ M · s with s = 1/(1 − p) and a fixed mask M of 0s and 1s. For the
 * chain rule the mask is a constant, so ∂L/∂X = G ⊙ M · s: the gradient flows
 * back only through the numbers that were kept, scaled as they were.
 *
 * The mask is drawn when the node is made, from a generator seeded by the
 * caller (a layer seeds it from the run's seed, the step and its own name),
 * and never again: evaluating or differentiating the node any number of
 * times sees the same mask.
 */
#include "mm-dropout.h"
#include "mm-node-private.h"
#include "mm-rng-private.h"
#include "mm-error.h"

typedef struct {
  MmNode parent;
  double p;
  float scale;
  MmTensor *mask;
} MmDropout;

static void
dropout_finalize (MmNode *node)
{
  mm_tensor_unref (((MmDropout *) node)->mask);
}

static MmTensor *
dropout_forward (MmNode *node)
{
  MmDropout *self = (MmDropout *) node;
  MmTensor *out = mm_tensor_new_uninit (&node->shape);
  const float *restrict x = mm_node_input_data (node, 0);
  const float *restrict m = self->mask->data;
  const float s = self->scale;

  for (gsize i = 0; i < out->size; i++)
    out->data[i] = x[i] * (m[i] * s);
  return out;
}

static void
dropout_backward (MmNode          *node,
                  const MmTensor  *grad,
                  const gboolean  *need,
                  MmTensor       **grads)
{
  MmDropout *self = (MmDropout *) node;
  const float *restrict m = self->mask->data;
  const float s = self->scale;
  MmTensor *dx;

  if (!need[0])
    return;
  dx = mm_tensor_new_uninit (&grad->shape);
  for (gsize i = 0; i < dx->size; i++)
    dx->data[i] = grad->data[i] * (m[i] * s);
  grads[0] = dx;
}

static char *
dropout_describe (MmNode *node)
{
  return g_strdup_printf ("Dropout p=%g", ((MmDropout *) node)->p);
}

static char *
dropout_rule (MmNode *node,
              guint   index)
{
  return g_strdup_printf ("∂L/∂X = G ⊙ M / (1 − p) with p = %g: the gradient passes only where the number "
                          "was kept (M = 1), scaled like the value", ((MmDropout *) node)->p);
}

/* Cost meter: one multiplication by the scaled mask per number, forward and
 * backward. */
static guint64
dropout_flops (MmNode         *node,
               const gboolean *need)
{
  guint64 S = mm_shape_size (&node->shape);

  return need == NULL || need[0] ? S : 0;
}

static const MmNodeClass dropout_class = {
  .type_name = "Dropout",
  .instance_size = sizeof (MmDropout),
  .forward = dropout_forward,
  .backward = dropout_backward,
  .describe = dropout_describe,
  .rule = dropout_rule,
  .finalize = dropout_finalize,
  .flops = dropout_flops,
};

MmNode *
mm_dropout_new (MmNode  *x,
                double   p,
                guint64  seed,
                GError **error)
{
  MmDropout *self;
  MmRng rng;
  float *m;

  g_return_val_if_fail (x != NULL, NULL);
  if (!(p >= 0.0 && p < 1.0))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Dropout: the probability p = %g of dropping a number must be at least 0 and below 1", p);
      return NULL;
    }
  self = (MmDropout *) mm_node_alloc (&dropout_class, &x->shape, 1, &x);
  self->p = p;
  /* As PyTorch: the factor is rounded to float once, then multiplies. */
  self->scale = (float) (1.0 / (1.0 - p));
  self->mask = mm_tensor_new_uninit (&x->shape);
  m = self->mask->data;
  rng.state = seed;
  for (gsize i = 0; i < self->mask->size; i++)
    m[i] = mm_rng_uniform (&rng) < p ? 0.0f : 1.0f;
  return &self->parent;
}

gboolean
mm_node_is_dropout (MmNode *node)
{
  g_return_val_if_fail (node != NULL, FALSE);
  return node->klass == &dropout_class;
}

double
mm_dropout_get_p (MmNode *node)
{
  g_return_val_if_fail (node != NULL && node->klass == &dropout_class, 0.0);
  return ((MmDropout *) node)->p;
}

const MmTensor *
mm_dropout_get_mask (MmNode *node)
{
  g_return_val_if_fail (node != NULL && node->klass == &dropout_class, NULL);
  return ((MmDropout *) node)->mask;
}
