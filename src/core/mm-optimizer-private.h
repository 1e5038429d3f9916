/* mm-optimizer-private.h — the per-parameter update rules (one file each). */
#pragma once

#include "mm-optimizer.h"

#include <string.h>

/* State of one parameter, kept by name across steps. */
typedef struct {
  guint64 step;      /* updates done so far */
  float *buf1;       /* SGD momentum buffer / RMSProp square average / Adam first moment */
  float *buf2;       /* RMSProp grad average (centered) / Adam second moment */
  float *buf3;       /* RMSProp momentum buffer / Adam max second moment (amsgrad) */
  gsize n;
} MmParamState;

/* Each rule updates @p in place and returns FALSE when a new value is NaN or
 * infinite (checked in the same pass: a separate pass over the parameters
 * would cost as much as the update itself). */
gboolean mm_sgd_update     (const MmOptimizerConfig *c,
                            MmParamState            *st,
                            float                   *p,
                            const float             *g);
gboolean mm_rmsprop_update (const MmOptimizerConfig *c,
                            MmParamState            *st,
                            float                   *p,
                            const float             *g);
gboolean mm_adam_update    (const MmOptimizerConfig *c,
                            MmParamState            *st,
                            float                   *p,
                            const float             *g);

/* 1 when @x is NaN or infinite (its exponent bits are all ones), else 0;
 * integer arithmetic, so loops that OR it up still vectorise. */
static inline guint32
mm_nonfinite_bit (float x)
{
  guint32 bits;
  memcpy (&bits, &x, sizeof bits);
  return (~bits & 0x7f800000u) == 0;
}

/* A zeroed buffer for the state, allocated on first use. */
float *mm_param_state_buffer (MmParamState *st,
                              float       **buf);
