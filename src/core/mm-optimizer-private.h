/* mm-optimizer-private.h — the per-parameter update rules (one file each). */
#pragma once

#include "mm-optimizer.h"

/* State of one parameter, kept by name across steps. */
typedef struct {
  guint64 step;      /* updates done so far */
  float *buf1;       /* SGD momentum buffer / RMSProp square average / Adam first moment */
  float *buf2;       /* RMSProp grad average (centered) / Adam second moment */
  float *buf3;       /* RMSProp momentum buffer / Adam max second moment (amsgrad) */
  gsize n;
} MmParamState;

void mm_sgd_update     (const MmOptimizerConfig *c,
                        MmParamState            *st,
                        float                   *p,
                        const float             *g);
void mm_rmsprop_update (const MmOptimizerConfig *c,
                        MmParamState            *st,
                        float                   *p,
                        const float             *g);
void mm_adam_update    (const MmOptimizerConfig *c,
                        MmParamState            *st,
                        float                   *p,
                        const float             *g);

/* A zeroed buffer for the state, allocated on first use. */
float *mm_param_state_buffer (MmParamState *st,
                              float       **buf);
