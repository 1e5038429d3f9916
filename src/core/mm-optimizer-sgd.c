/* mm-optimizer-sgd.c — stochastic gradient descent, as torch.optim.SGD:
 *   g ← ∇ + wd·p
 *   with momentum μ:  b ← g on the first step, else b ← μ·b + (1 − dampening)·g
 *                     g ← g + μ·b (Nesterov)  or  g ← b
 *   p ← p − lr·g
 */
#include "mm-optimizer-private.h"

void
mm_sgd_update (const MmOptimizerConfig *c,
               MmParamState            *st,
               float                   *p,
               const float             *grad)
{
  const float lr = (float) c->lr, wd = (float) c->weight_decay;
  const float mu = (float) c->momentum, damp = (float) c->dampening;
  const gboolean first = st->step == 0;
  float *buf = mu != 0.0f ? mm_param_state_buffer (st, &st->buf1) : NULL;

  for (gsize i = 0; i < st->n; i++)
    {
      float g = grad[i];
      if (wd != 0.0f)
        g += wd * p[i];
      if (buf != NULL)
        {
          buf[i] = first ? g : mu * buf[i] + (1.0f - damp) * g;
          g = c->nesterov ? g + mu * buf[i] : buf[i];
        }
      p[i] -= lr * g;
    }
  st->step++;
}
