/* mm-optimizer-sgd.c — stochastic gradient descent, as torch.optim.SGD:
 *   g ← ∇ + wd·p
 *   with momentum μ:  b ← g on the first step, else b ← μ·b + (1 − dampening)·g
 *                     g ← g + μ·b (Nesterov)  or  g ← b
 *   p ← p − lr·g
 */
#include "mm-optimizer-private.h"

gboolean
mm_sgd_update (const MmOptimizerConfig *c,
               MmParamState            *st,
               float                   *p_,
               const float             *grad_)
{
  float *restrict p = p_;
  const float *restrict grad = grad_;
  guint32 bad = 0;
  const float lr = (float) c->lr, wd = (float) c->weight_decay;
  const float mu = (float) c->momentum, damp = (float) c->dampening;
  const gsize n = st->n;

  if (mu == 0.0f)
    {
      if (wd == 0.0f)
        for (gsize i = 0; i < n; i++)
          {
            p[i] -= lr * grad[i];
            bad |= mm_nonfinite_bit (p[i]);
          }
      else
        for (gsize i = 0; i < n; i++)
          {
            p[i] -= lr * (grad[i] + wd * p[i]);
            bad |= mm_nonfinite_bit (p[i]);
          }
    }
  else
    {
      float *restrict buf = mm_param_state_buffer (st, &st->buf1);
      /* The buffer starts as the first gradient itself (torch's clone). */
      const float keep = st->step == 0 ? 0.0f : mu;
      const float take = st->step == 0 ? 1.0f : 1.0f - damp;

      for (gsize i = 0; i < n; i++)
        {
          float g = grad[i] + wd * p[i];
          buf[i] = keep * buf[i] + take * g;
          p[i] -= lr * (c->nesterov ? g + mu * buf[i] : buf[i]);
          bad |= mm_nonfinite_bit (p[i]);
        }
    }
  st->step++;
  return bad == 0;
}
