/* mm-softmax.c — Softmax and LogSoftmax over the last axis.
 *
 * For each row x (the last axis) with s = softmax(x):
 *   LogSoftmax:  y = x − log Σ eˣ,   ∂L/∂x = G − s · Σ G
 *   Softmax:     y = s,              ∂L/∂x = s ⊙ (G − Σ G ⊙ s)
 * Subtracting the row's maximum first keeps every exponent ≤ 0.
 */
#include "mm-softmax.h"
#include "mm-node-private.h"
#include "mm-error.h"

#include <math.h>

typedef struct {
  MmNode parent;
  gboolean log;
  gsize rows, cols;
} MmSoftmax;

static MmTensor *
softmax_forward (MmNode *node)
{
  MmSoftmax *self = (MmSoftmax *) node;
  MmTensor *out = mm_tensor_new_uninit (&node->shape);
  const float *x = mm_node_input_data (node, 0);

  for (gsize r = 0; r < self->rows; r++)
    {
      const float *xr = x + r * self->cols;
      float *yr = out->data + r * self->cols;
      float m = -INFINITY;
      double z = 0.0;

      for (gsize c = 0; c < self->cols; c++)
        m = fmaxf (m, xr[c]);
      if (!isfinite (m))
        m = 0.0f; /* all −∞ (or NaN): let the arithmetic below give NaN/−∞ honestly */
      for (gsize c = 0; c < self->cols; c++)
        z += exp ((double) xr[c] - m);
      if (self->log)
        {
          double lz = log (z) + m;
          for (gsize c = 0; c < self->cols; c++)
            yr[c] = (float) (xr[c] - lz);
        }
      else
        for (gsize c = 0; c < self->cols; c++)
          yr[c] = (float) (exp ((double) xr[c] - m) / z);
    }
  return out;
}

static void
softmax_backward (MmNode          *node,
                  const MmTensor  *grad,
                  const gboolean  *need,
                  MmTensor       **grads)
{
  MmSoftmax *self = (MmSoftmax *) node;
  const float *y = node->value->data;
  MmTensor *out;

  if (!need[0])
    return;
  out = mm_tensor_new_uninit (&node->inputs[0]->shape);
  for (gsize r = 0; r < self->rows; r++)
    {
      const float *gr = grad->data + r * self->cols;
      const float *yr = y + r * self->cols;
      float *dr = out->data + r * self->cols;
      double s = 0.0;

      if (self->log)
        {
          for (gsize c = 0; c < self->cols; c++)
            s += gr[c];
          for (gsize c = 0; c < self->cols; c++)
            dr[c] = (float) (gr[c] - exp ((double) yr[c]) * s);
        }
      else
        {
          for (gsize c = 0; c < self->cols; c++)
            s += (double) gr[c] * yr[c];
          for (gsize c = 0; c < self->cols; c++)
            dr[c] = (float) (yr[c] * (gr[c] - s));
        }
    }
  grads[0] = out;
}

static char *
softmax_rule (MmNode *node,
              guint   index)
{
  if (((MmSoftmax *) node)->log)
    return g_strdup ("∂L/∂X = G − softmax(X) · ΣG (sums along the last axis)");
  return g_strdup ("∂L/∂X = Y ⊙ (G − Σ G ⊙ Y) (sums along the last axis)");
}

/* Cost meter, per number of the rows × cols: forward 4 (subtract the row's
 * maximum, exp, the row's sum, divide — or log and subtract for
 * LogSoftmax); backward 4 (the row's Σ G·Y, then a subtraction and a
 * multiplication, or exp for LogSoftmax). */
static guint64
softmax_flops (MmNode         *node,
               const gboolean *need)
{
  MmSoftmax *self = (MmSoftmax *) node;
  guint64 n = 4 * (guint64) self->rows * self->cols;

  return need == NULL || need[0] ? n : 0;
}

static const MmNodeClass softmax_class = {
  .type_name = "Softmax",
  .instance_size = sizeof (MmSoftmax),
  .forward = softmax_forward,
  .backward = softmax_backward,
  .rule = softmax_rule,
  .flops = softmax_flops,
};

static const MmNodeClass log_softmax_class = {
  .type_name = "LogSoftmax",
  .instance_size = sizeof (MmSoftmax),
  .forward = softmax_forward,
  .backward = softmax_backward,
  .rule = softmax_rule,
  .flops = softmax_flops,
};

static MmNode *
softmax_new (MmNode   *x,
             gboolean  log,
             GError  **error)
{
  MmSoftmax *self;
  const MmShape *s;

  g_return_val_if_fail (x != NULL, NULL);
  s = &x->shape;
  if (s->ndim < 1 || s->dim[s->ndim - 1] == 0)
    {
      g_autofree char *str = mm_shape_to_string (s);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "%s works along the last axis, which a tensor of shape %s does not have (or it is empty)",
                   log ? "LogSoftmax" : "Softmax", str);
      return NULL;
    }
  self = (MmSoftmax *) mm_node_alloc (log ? &log_softmax_class : &softmax_class, s, 1, &x);
  self->log = log;
  self->cols = s->dim[s->ndim - 1];
  self->rows = mm_shape_size (s) / self->cols;
  return &self->parent;
}

MmNode *
mm_softmax_new (MmNode  *x,
                GError **error)
{
  return softmax_new (x, FALSE, error);
}

MmNode *
mm_log_softmax_new (MmNode  *x,
                    GError **error)
{
  return softmax_new (x, TRUE, error);
}
