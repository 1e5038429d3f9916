/* mm-batchnorm.c — BatchNorm(X, γ, β[, μ, σ²]).
 *
 * Per channel c, with x̂ = (X − m) / σ and σ = √(v + ε):  Y = γ x̂ + β.
 *
 * In eval mode m and v are constants (the running statistics), so the rule
 * is that of a scale and a shift:
 *   ∂L/∂X = G γ / σ,   ∂L/∂γ = Σ G x̂,   ∂L/∂β = Σ G,
 *   ∂L/∂m = −Σ G γ / σ,   ∂L/∂v = −½ Σ G γ (X − m) / σ³.
 *
 * In training mode m and v are the batch's own mean and (biased) variance,
 * so every X of the channel also moves every output through them. Over the
 * n numbers of a channel the chain rule then gives
 *   ∂L/∂X = γ / σ · (G − mean(G) − x̂ · mean(G ⊙ x̂)),
 * with ∂L/∂γ and ∂L/∂β as above. The two subtracted terms are what the
 * statistics pass back: shifting all of a channel's inputs changes nothing
 * after subtracting their mean, scaling them changes nothing after dividing
 * by their spread.
 *
 * The statistics are computed in double, in two passes (mean, then the mean
 * of squared deviations), so large offsets cost no precision.
 */
#include "mm-batchnorm.h"
#include "mm-node-private.h"
#include "mm-error.h"

#include <math.h>
#include <string.h>

typedef struct {
  MmNode parent;
  gboolean training;
  double eps;
  gsize N, C, S;             /* X viewed as (N, C, S) */
  MmTensor *batch_mean;      /* training: (C,) */
  MmTensor *batch_var;
  double *mean;              /* m, v and 1/σ per channel, as used */
  double *var;
  double *inv_std;
} MmBatchNorm;

static void
batch_norm_finalize (MmNode *node)
{
  MmBatchNorm *self = (MmBatchNorm *) node;

  mm_tensor_unref (self->batch_mean);
  mm_tensor_unref (self->batch_var);
  g_free (self->mean);
  g_free (self->var);
  g_free (self->inv_std);
}

static MmTensor *
batch_norm_forward (MmNode *node)
{
  MmBatchNorm *self = (MmBatchNorm *) node;
  MmTensor *out = mm_tensor_new_uninit (&node->shape);
  const float *x = mm_node_input_data (node, 0);
  const float *gamma = mm_node_input_data (node, 1);
  const float *beta = mm_node_input_data (node, 2);
  const gsize N = self->N, C = self->C, S = self->S;

  if (self->mean == NULL)
    {
      self->mean = g_new (double, MAX (C, 1));
      self->var = g_new (double, MAX (C, 1));
      self->inv_std = g_new (double, MAX (C, 1));
    }
  if (self->training)
    {
      const double count = (double) (N * S);

      g_clear_pointer (&self->batch_mean, mm_tensor_unref);
      g_clear_pointer (&self->batch_var, mm_tensor_unref);
      self->batch_mean = mm_tensor_new_uninit (&node->inputs[1]->shape);
      self->batch_var = mm_tensor_new_uninit (&node->inputs[1]->shape);
      for (gsize c = 0; c < C; c++)
        {
          double sum = 0.0, sq = 0.0, m;

          for (gsize n = 0; n < N; n++)
            {
              const float *xs = x + (n * C + c) * S;
              for (gsize s = 0; s < S; s++)
                sum += xs[s];
            }
          m = sum / count;
          for (gsize n = 0; n < N; n++)
            {
              const float *xs = x + (n * C + c) * S;
              for (gsize s = 0; s < S; s++)
                {
                  double d = xs[s] - m;
                  sq += d * d;
                }
            }
          self->mean[c] = m;
          self->var[c] = sq / count;
          self->inv_std[c] = 1.0 / sqrt (sq / count + self->eps);
          self->batch_mean->data[c] = (float) m;
          self->batch_var->data[c] = (float) (sq / count);
        }
    }
  else
    {
      const float *rm = mm_node_input_data (node, 3);
      const float *rv = mm_node_input_data (node, 4);
      for (gsize c = 0; c < C; c++)
        {
          self->mean[c] = rm[c];
          self->var[c] = rv[c];
          self->inv_std[c] = 1.0 / sqrt ((double) rv[c] + self->eps);
        }
    }

  for (gsize n = 0; n < N; n++)
    for (gsize c = 0; c < C; c++)
      {
        const float *xs = x + (n * C + c) * S;
        float *ys = out->data + (n * C + c) * S;
        /* y = a·x + b with a = γ/σ and b = β − a·m, folded in double. */
        const double a = gamma[c] * self->inv_std[c];
        const float af = (float) a, bf = (float) (beta[c] - a * self->mean[c]);
        for (gsize s = 0; s < S; s++)
          ys[s] = af * xs[s] + bf;
      }
  return out;
}

static void
batch_norm_backward (MmNode          *node,
                     const MmTensor  *grad,
                     const gboolean  *need,
                     MmTensor       **grads)
{
  MmBatchNorm *self = (MmBatchNorm *) node;
  const float *x = mm_node_input_data (node, 0);
  const float *gamma = mm_node_input_data (node, 1);
  const float *g = grad->data;
  const gsize N = self->N, C = self->C, S = self->S;
  const double count = (double) (N * S);
  MmTensor *dx = NULL, *dgamma = NULL, *dbeta = NULL, *dmean = NULL, *dvar = NULL;

  if (need[0])
    dx = grads[0] = mm_tensor_new_uninit (&node->inputs[0]->shape);
  if (need[1])
    dgamma = grads[1] = mm_tensor_new_uninit (&node->inputs[1]->shape);
  if (need[2])
    dbeta = grads[2] = mm_tensor_new_uninit (&node->inputs[2]->shape);
  if (!self->training && need[3])
    dmean = grads[3] = mm_tensor_new_uninit (&node->inputs[3]->shape);
  if (!self->training && need[4])
    dvar = grads[4] = mm_tensor_new_uninit (&node->inputs[4]->shape);

  for (gsize c = 0; c < C; c++)
    {
      const double m = self->mean[c], is = self->inv_std[c];
      double sum_g = 0.0, sum_gxhat = 0.0;

      /* Σ G and Σ G x̂ over the channel. */
      for (gsize n = 0; n < N; n++)
        {
          const float *xs = x + (n * C + c) * S;
          const float *gs = g + (n * C + c) * S;
          for (gsize s = 0; s < S; s++)
            {
              sum_g += gs[s];
              sum_gxhat += gs[s] * ((xs[s] - m) * is);
            }
        }
      if (dgamma)
        dgamma->data[c] = (float) sum_gxhat;
      if (dbeta)
        dbeta->data[c] = (float) sum_g;
      if (dmean)
        dmean->data[c] = (float) (-sum_g * gamma[c] * is);
      if (dvar)
        dvar->data[c] = (float) (-0.5 * sum_gxhat * gamma[c] * is * is);
      if (dx == NULL)
        continue;
      if (self->training)
        {
          /* γ/σ · (G − mean G − (X − m) · mean(G x̂)/σ); X − m first, so
           * that a large common offset of X costs no digits. */
          const float kf = (float) (gamma[c] * is);
          const float mg = (float) (sum_g / count);
          const float slope = (float) (sum_gxhat / count * is);
          const float mf = (float) m;
          for (gsize n = 0; n < N; n++)
            {
              const float *xs = x + (n * C + c) * S;
              const float *gs = g + (n * C + c) * S;
              float *ds = dx->data + (n * C + c) * S;
              for (gsize s = 0; s < S; s++)
                ds[s] = kf * (gs[s] - mg - (xs[s] - mf) * slope);
            }
        }
      else
        {
          const float k = (float) (gamma[c] * is);
          for (gsize n = 0; n < N; n++)
            {
              const float *gs = g + (n * C + c) * S;
              float *ds = dx->data + (n * C + c) * S;
              for (gsize s = 0; s < S; s++)
                ds[s] = k * gs[s];
            }
        }
    }
}

static char *
batch_norm_describe (MmNode *node)
{
  MmBatchNorm *self = (MmBatchNorm *) node;
  return g_strdup_printf ("BatchNorm %" G_GSIZE_FORMAT " channels, %s, eps=%g", self->C,
                          self->training ? "batch statistics (training)" : "running statistics (eval)",
                          self->eps);
}

static char *
batch_norm_rule (MmNode *node,
                 guint   index)
{
  MmBatchNorm *self = (MmBatchNorm *) node;

  switch (index)
    {
    case 0:
      if (self->training)
        return g_strdup ("∂L/∂X = γ/σ · (G − mean(G) − x̂ · mean(G ⊙ x̂)) per channel, x̂ = (X − μ)/σ, "
                         "σ = √(var + ε): the batch's mean and variance depend on X too");
      return g_strdup ("∂L/∂X = G · γ/σ per channel, σ = √(running var + ε) (the statistics are constants)");
    case 1:
      return g_strdup ("∂L/∂γ = Σ G ⊙ x̂ per channel (over the batch and the positions)");
    case 2:
      return g_strdup ("∂L/∂β = Σ G per channel (over the batch and the positions)");
    case 3:
      return g_strdup ("∂L/∂μ = −Σ G · γ/σ per channel");
    default:
      return g_strdup ("∂L/∂var = −½ Σ G ⊙ (X − μ) · γ/σ³ per channel");
    }
}

/* Cost meter, per number of X: forward in training 7 (mean 1, variance 2,
 * normalise 2, γ·x̂ + β 2), in eval mode 4 (normalise 2, affine 2).
 * Backward: 8 for ∂L/∂X (the two sums over the channel and the rule's
 * combination), 2 for ∂L/∂γ (Σ G·x̂), 1 for ∂L/∂β (Σ G). */
static guint64
batch_norm_flops (MmNode         *node,
                  const gboolean *need)
{
  MmBatchNorm *self = (MmBatchNorm *) node;
  guint64 X = (guint64) self->N * self->C * self->S;

  if (need == NULL)
    return (self->training ? 7 : 4) * X;
  return ((need[0] ? 8 : 0) + (need[1] ? 2 : 0) + (need[2] ? 1 : 0)) * X;
}

static const MmNodeClass batch_norm_class = {
  .type_name = "BatchNorm",
  .instance_size = sizeof (MmBatchNorm),
  .forward = batch_norm_forward,
  .backward = batch_norm_backward,
  .describe = batch_norm_describe,
  .rule = batch_norm_rule,
  .finalize = batch_norm_finalize,
  .flops = batch_norm_flops,
};

static gboolean
check_channel_vector (const char  *what,
                      MmNode      *v,
                      gsize        C,
                      const MmShape *sx,
                      GError     **error)
{
  if (v->shape.ndim == 1 && v->shape.dim[0] == C)
    return TRUE;
  g_autofree char *s1 = mm_shape_to_string (&v->shape);
  g_autofree char *s2 = mm_shape_to_string (sx);
  g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
               "BatchNorm: the %s must have one number per channel, shape (%" G_GSIZE_FORMAT ",), "
               "but has shape %s (the input has shape %s)", what, C, s1, s2);
  return FALSE;
}

MmNode *
mm_batch_norm_new (MmNode  *x,
                   MmNode  *gamma,
                   MmNode  *beta,
                   MmNode  *running_mean,
                   MmNode  *running_var,
                   double   eps,
                   GError **error)
{
  const MmShape *sx;
  MmBatchNorm *self;
  gboolean training;
  gsize C, S = 1;

  g_return_val_if_fail (x != NULL && gamma != NULL && beta != NULL, NULL);
  g_return_val_if_fail ((running_mean == NULL) == (running_var == NULL), NULL);
  sx = &x->shape;
  training = running_mean == NULL;

  if (sx->ndim < 2)
    {
      g_autofree char *s = mm_shape_to_string (sx);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "BatchNorm needs a batch axis and a channel axis, (N, C, …), but receives shape %s", s);
      return NULL;
    }
  if (!(eps > 0.0) || !isfinite (eps))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "BatchNorm: eps must be a positive number, not %g", eps);
      return NULL;
    }
  C = sx->dim[1];
  for (guint i = 2; i < sx->ndim; i++)
    S *= sx->dim[i];
  if (!check_channel_vector ("scale γ", gamma, C, sx, error)
      || !check_channel_vector ("shift β", beta, C, sx, error)
      || (!training && !check_channel_vector ("running mean", running_mean, C, sx, error))
      || (!training && !check_channel_vector ("running variance", running_var, C, sx, error)))
    return NULL;
  if (training && sx->dim[0] * S < 2)
    {
      g_autofree char *s = mm_shape_to_string (sx);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "BatchNorm in training mode needs more than one number per channel to take a variance, "
                   "but the input has shape %s", s);
      return NULL;
    }

  if (training)
    self = (MmBatchNorm *) mm_node_alloc (&batch_norm_class, sx, 3, (MmNode *[]) { x, gamma, beta });
  else
    self = (MmBatchNorm *) mm_node_alloc (&batch_norm_class, sx, 5,
                                          (MmNode *[]) { x, gamma, beta, running_mean, running_var });
  self->training = training;
  self->eps = eps;
  self->N = sx->dim[0];
  self->C = C;
  self->S = S;
  return &self->parent;
}

gboolean
mm_node_is_batch_norm (MmNode *node)
{
  g_return_val_if_fail (node != NULL, FALSE);
  return node->klass == &batch_norm_class;
}

gboolean
mm_batch_norm_is_training (MmNode *node)
{
  g_return_val_if_fail (node != NULL && node->klass == &batch_norm_class, FALSE);
  return ((MmBatchNorm *) node)->training;
}

const MmTensor *
mm_batch_norm_get_batch_mean (MmNode *node)
{
  g_return_val_if_fail (node != NULL && node->klass == &batch_norm_class, NULL);
  if (!((MmBatchNorm *) node)->training)
    return NULL;
  mm_node_get_value (node);
  return ((MmBatchNorm *) node)->batch_mean;
}

const MmTensor *
mm_batch_norm_get_batch_var (MmNode *node)
{
  g_return_val_if_fail (node != NULL && node->klass == &batch_norm_class, NULL);
  if (!((MmBatchNorm *) node)->training)
    return NULL;
  mm_node_get_value (node);
  return ((MmBatchNorm *) node)->batch_var;
}

void
mm_batch_norm_running_update (MmNode          *node,
                              const MmTensor  *old_mean,
                              const MmTensor  *old_var,
                              double           momentum,
                              MmTensor       **new_mean,
                              MmTensor       **new_var)
{
  MmBatchNorm *self = (MmBatchNorm *) node;
  double n, unbias;

  g_return_if_fail (node != NULL && node->klass == &batch_norm_class && self->training);
  g_return_if_fail (old_mean != NULL && old_var != NULL && old_mean->size == self->C && old_var->size == self->C);

  mm_node_get_value (node);
  n = (double) (self->N * self->S);
  unbias = n / (n - 1.0);
  *new_mean = mm_tensor_new_like (old_mean);
  *new_var = mm_tensor_new_like (old_var);
  for (gsize c = 0; c < self->C; c++)
    {
      (*new_mean)->data[c] = (float) ((1.0 - momentum) * old_mean->data[c] + momentum * self->mean[c]);
      (*new_var)->data[c] = (float) ((1.0 - momentum) * old_var->data[c] + momentum * self->var[c] * unbias);
    }
}
