/* mm-optimizer-adam.c — Adam and AdamW, as torch.optim.Adam / AdamW:
 *   AdamW: p ← p·(1 − lr·wd)            Adam with wd: g ← ∇ + wd·p
 *   m ← β₁·m + (1 − β₁)·g
 *   v ← β₂·v + (1 − β₂)·g²               (amsgrad: v̂ ← max(v̂, v), used below instead of v)
 *   p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 * The bias corrections *divide* by (1 − βᵗ): early steps would otherwise be
 * far too small, since m and v start at zero.
 */
#include "mm-optimizer-private.h"

#include <math.h>

gboolean
mm_adam_update (const MmOptimizerConfig *c,
                MmParamState            *st,
                float                   *p_,
                const float             *grad_)
{
  float *restrict p = p_;
  const float *restrict grad = grad_;
  guint32 bad = 0;
  const float b1 = (float) c->beta1, b2 = (float) c->beta2, eps = (float) c->eps;
  /* Coupled decay adds wd·p to the gradient; decoupled (AdamW) scales p first. */
  const float wd = c->decoupled_weight_decay ? 0.0f : (float) c->weight_decay;
  const float decay = c->decoupled_weight_decay ? (float) (1.0 - c->lr * c->weight_decay) : 1.0f;
  float *restrict m = mm_param_state_buffer (st, &st->buf1);
  float *restrict v = mm_param_state_buffer (st, &st->buf2);
  double t = (double) (st->step + 1);
  const float step_size = (float) (c->lr / (1.0 - pow (c->beta1, t)));
  const float bc2_sqrt = (float) sqrt (1.0 - pow (c->beta2, t));
  const gsize n = st->n;

  if (c->amsgrad)
    {
      float *restrict vmax = mm_param_state_buffer (st, &st->buf3);
      for (gsize i = 0; i < n; i++)
        {
          float pi = p[i] * decay;
          float g = grad[i] + wd * pi;
          m[i] = b1 * m[i] + (1.0f - b1) * g;
          v[i] = b2 * v[i] + (1.0f - b2) * g * g;
          vmax[i] = fmaxf (vmax[i], v[i]);
          p[i] = pi - step_size * m[i] / (sqrtf (vmax[i]) / bc2_sqrt + eps);
          bad |= mm_nonfinite_bit (p[i]);
        }
    }
  else
    for (gsize i = 0; i < n; i++)
      {
        float pi = p[i] * decay;
        float g = grad[i] + wd * pi;
        m[i] = b1 * m[i] + (1.0f - b1) * g;
        v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        p[i] = pi - step_size * m[i] / (sqrtf (v[i]) / bc2_sqrt + eps);
        bad |= mm_nonfinite_bit (p[i]);
      }
  st->step++;
  return bad == 0;
}
