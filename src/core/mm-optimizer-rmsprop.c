/* mm-optimizer-rmsprop.c — RMSProp, as torch.optim.RMSprop:
 *   g ← ∇ + wd·p
 *   s ← α·s + (1 − α)·g²
 *   centered: a ← α·a + (1 − α)·g,  d ← √(s − a²) + ε;  otherwise d ← √s + ε
 *   with momentum μ:  b ← μ·b + g / d,  p ← p − lr·b
 *   otherwise         p ← p − lr·g / d
 */
#include "mm-optimizer-private.h"

#include <math.h>

gboolean
mm_rmsprop_update (const MmOptimizerConfig *c,
                   MmParamState            *st,
                   float                   *p_,
                   const float             *grad_)
{
  float *restrict p = p_;
  const float *restrict grad = grad_;
  guint32 bad = 0;
  const float lr = (float) c->lr, wd = (float) c->weight_decay, alpha = (float) c->alpha;
  const float eps = (float) c->eps, mu = (float) c->momentum;
  float *restrict sq = mm_param_state_buffer (st, &st->buf1);
  float *restrict avg = c->centered ? mm_param_state_buffer (st, &st->buf2) : NULL;
  float *restrict buf = mu > 0.0f ? mm_param_state_buffer (st, &st->buf3) : NULL;

  for (gsize i = 0; i < st->n; i++)
    {
      float g = grad[i];
      float d;

      if (wd != 0.0f)
        g += wd * p[i];
      sq[i] = alpha * sq[i] + (1.0f - alpha) * g * g;
      if (avg != NULL)
        {
          avg[i] = alpha * avg[i] + (1.0f - alpha) * g;
          d = sqrtf (sq[i] - avg[i] * avg[i]) + eps;
        }
      else
        d = sqrtf (sq[i]) + eps;
      if (buf != NULL)
        {
          buf[i] = mu * buf[i] + g / d;
          p[i] -= lr * buf[i];
        }
      else
        p[i] -= lr * g / d;
      bad |= mm_nonfinite_bit (p[i]);
    }
  st->step++;
  return bad == 0;
}
