/* mm-layernorm.c — LayerNorm(X, γ, β) over the last axis.
 *
 * For one row x of D numbers, with m = mean(x), v = mean((x − m)²),
 * σ = √(v + ε) and x̂ = (x − m) / σ:   y = γ ⊙ x̂ + β.
 *
 * Every number of the row moves every output of the row through m and σ.
 * With g = γ ⊙ G (the gradient that reaches x̂), the chain rule gives
 *   ∂L/∂x = (g − mean(g) − x̂ · mean(g ⊙ x̂)) / σ,
 * the same shape of rule as BatchNorm's in training mode, but along a row
 * instead of down a channel: shifting a row changes nothing after the mean
 * is subtracted, scaling it changes nothing after dividing by its spread.
 * γ and β are shared by all rows, so their gradients sum over the rows:
 *   ∂L/∂γ = Σ_rows G ⊙ x̂,   ∂L/∂β = Σ_rows G.
 *
 * The statistics are computed in double, in two passes, so a row with a
 * large offset loses no precision.
 */
#include "mm-layernorm.h"
#include "mm-node-private.h"
#include "mm-error.h"
#include "mm-lanes-private.h"

#include <math.h>

typedef struct {
  MmNode parent;
  double eps;
  gsize rows, D;
  /* Per row, as used by the last forward: the mean as a float m plus a
   * small correction c (the mean of x − m), and 1 / σ. A row far from zero
   * (mean 50, spread 1) would otherwise lose x̂'s last digits to the float
   * mean's rounding, and the gradient's rule, which relies on x̂ having mean
   * 0, amplifies that. */
  float *mean;
  float *corr;
  float *rstd;
} MmLayerNorm;

static void
layer_norm_finalize (MmNode *node)
{
  MmLayerNorm *self = (MmLayerNorm *) node;

  g_free (self->mean);
  g_free (self->corr);
  g_free (self->rstd);
}

static MmTensor *
layer_norm_forward (MmNode *node)
{
  MmLayerNorm *self = (MmLayerNorm *) node;
  MmTensor *out = mm_tensor_new_uninit (&node->shape);
  const float *x = mm_node_input_data (node, 0);
  const float *gamma = mm_node_input_data (node, 1);
  const float *beta = mm_node_input_data (node, 2);
  const gsize D = self->D;
  const float inv_d = 1.0f / (float) D;

  if (self->mean == NULL)
    {
      self->mean = g_new (float, MAX (self->rows, 1));
      self->corr = g_new (float, MAX (self->rows, 1));
      self->rstd = g_new (float, MAX (self->rows, 1));
    }
  for (gsize r = 0; r < self->rows; r++)
    {
      const float *xr = x + r * D;
      float *yr = out->data + r * D;
      float m, c, s;

      /* The deviations x − m − c are built in the output row, then scaled. */
      m = sum_lanes (xr, D) * inv_d;
      for (gsize i = 0; i < D; i++)
        yr[i] = xr[i] - m;
      c = sum_lanes (yr, D) * inv_d;
      for (gsize i = 0; i < D; i++)
        yr[i] -= c;
      s = (float) (1.0 / sqrt ((double) dot_lanes (yr, yr, D) / (double) D + self->eps));
      self->mean[r] = m;
      self->corr[r] = c;
      self->rstd[r] = s;
      for (gsize i = 0; i < D; i++)
        yr[i] = yr[i] * s * gamma[i] + beta[i];
    }
  return out;
}

static void
layer_norm_backward (MmNode          *node,
                     const MmTensor  *grad,
                     const gboolean  *need,
                     MmTensor       **grads)
{
  MmLayerNorm *self = (MmLayerNorm *) node;
  const float *x = mm_node_input_data (node, 0);
  const float *gamma = mm_node_input_data (node, 1);
  const float *G = grad->data;
  const gsize D = self->D;
  const float inv_d = 1.0f / (float) D;
  g_autofree float *xhat = g_new (float, MAX (D, 1));
  g_autofree float *gg = g_new (float, MAX (D, 1));
  g_autofree double *dgamma = NULL;
  g_autofree double *dbeta = NULL;
  float *dx = NULL;

  if (need[0])
    {
      grads[0] = mm_tensor_new_uninit (&node->inputs[0]->shape);
      dx = grads[0]->data;
    }
  if (need[1])
    dgamma = g_new0 (double, MAX (D, 1));
  if (need[2])
    dbeta = g_new0 (double, MAX (D, 1));

  for (gsize r = 0; r < self->rows; r++)
    {
      const float *xr = x + r * D;
      const float *gr = G + r * D;
      const float m = self->mean[r], c = self->corr[r], s = self->rstd[r];

      /* x̂ exactly as the forward pass rounded it. */
      for (gsize i = 0; i < D; i++)
        xhat[i] = ((xr[i] - m) - c) * s;
      if (dgamma)
        for (gsize i = 0; i < D; i++)
          dgamma[i] += gr[i] * xhat[i];
      if (dbeta)
        for (gsize i = 0; i < D; i++)
          dbeta[i] += gr[i];
      if (dx)
        {
          float *dr = dx + r * D;
          float ma, mb;

          for (gsize i = 0; i < D; i++)
            gg[i] = gr[i] * gamma[i];
          ma = sum_lanes (gg, D) * inv_d;
          mb = dot_lanes (gg, xhat, D) * inv_d;
          for (gsize i = 0; i < D; i++)
            dr[i] = (gg[i] - ma - xhat[i] * mb) * s;
        }
    }
  if (need[1])
    {
      grads[1] = mm_tensor_new_uninit (&node->inputs[1]->shape);
      for (gsize i = 0; i < D; i++)
        grads[1]->data[i] = (float) dgamma[i];
    }
  if (need[2])
    {
      grads[2] = mm_tensor_new_uninit (&node->inputs[2]->shape);
      for (gsize i = 0; i < D; i++)
        grads[2]->data[i] = (float) dbeta[i];
    }
}

static char *
layer_norm_describe (MmNode *node)
{
  return g_strdup_printf ("LayerNorm eps=%g", ((MmLayerNorm *) node)->eps);
}

static char *
layer_norm_rule (MmNode *node,
                 guint   index)
{
  switch (index)
    {
    case 0:
      return g_strdup ("∂L/∂X = (g − mean(g) − X̂ · mean(g ⊙ X̂)) / σ with g = γ ⊙ G "
                       "(means along the last axis, each row its own σ)");
    case 1:
      return g_strdup ("∂L/∂γ = Σ G ⊙ X̂ (summed over all rows)");
    default:
      return g_strdup ("∂L/∂β = Σ G (summed over all rows)");
    }
}

/* Cost meter, per number of X: forward 7 (mean 1, variance 2, normalise 2,
 * γ·x̂ + β 2); backward 8 for ∂L/∂X, 2 for ∂L/∂γ, 1 for ∂L/∂β. */
static guint64
layer_norm_flops (MmNode         *node,
                  const gboolean *need)
{
  MmLayerNorm *self = (MmLayerNorm *) node;
  guint64 X = (guint64) self->rows * self->D;

  if (need == NULL)
    return 7 * X;
  return ((need[0] ? 8 : 0) + (need[1] ? 2 : 0) + (need[2] ? 1 : 0)) * X;
}

static const MmNodeClass layer_norm_class = {
  .type_name = "LayerNorm",
  .instance_size = sizeof (MmLayerNorm),
  .forward = layer_norm_forward,
  .backward = layer_norm_backward,
  .describe = layer_norm_describe,
  .rule = layer_norm_rule,
  .finalize = layer_norm_finalize,
  .flops = layer_norm_flops,
};

MmNode *
mm_layer_norm_new (MmNode  *x,
                   MmNode  *gamma,
                   MmNode  *beta,
                   double   eps,
                   GError **error)
{
  const MmShape *s;
  MmLayerNorm *self;
  gsize D;

  g_return_val_if_fail (x != NULL && gamma != NULL && beta != NULL, NULL);
  s = &x->shape;
  if (s->ndim < 1 || s->dim[s->ndim - 1] == 0)
    {
      g_autofree char *str = mm_shape_to_string (s);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "LayerNorm normalises along the last axis, which a tensor of shape %s does not have "
                   "(or it is empty)", str);
      return NULL;
    }
  D = s->dim[s->ndim - 1];
  for (guint i = 0; i < 2; i++)
    {
      const MmShape *p = i == 0 ? &gamma->shape : &beta->shape;
      if (p->ndim != 1 || p->dim[0] != D)
        {
          g_autofree char *sp = mm_shape_to_string (p);
          g_autofree char *sx = mm_shape_to_string (s);
          g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                       "LayerNorm's %s must have shape (%" G_GSIZE_FORMAT ",), one number per feature of the "
                       "last axis of the input of shape %s, but it has shape %s",
                       i == 0 ? "scale γ (weight)" : "shift β (bias)", D, sx, sp);
          return NULL;
        }
    }
  if (!(eps > 0.0) || !isfinite (eps))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "LayerNorm's eps must be a positive number, not %g", eps);
      return NULL;
    }
  self = (MmLayerNorm *) mm_node_alloc (&layer_norm_class, s, 3, (MmNode *[]) { x, gamma, beta });
  self->eps = eps;
  self->D = D;
  self->rows = mm_shape_size (s) / D;
  return &self->parent;
}

gboolean
mm_node_is_layer_norm (MmNode *node)
{
  g_return_val_if_fail (node != NULL, FALSE);
  return node->klass == &layer_norm_class;
}

double
mm_layer_norm_get_eps (MmNode *node)
{
  g_return_val_if_fail (node != NULL && node->klass == &layer_norm_class, 0.0);
  return ((MmLayerNorm *) node)->eps;
}
