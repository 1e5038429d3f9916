/* mm-softmax.h — Softmax and LogSoftmax over the last axis. */
#pragma once

#include "mm-node.h"

G_BEGIN_DECLS

MmNode *mm_softmax_new     (MmNode  *x,
                            GError **error);
/* log(softmax(x)), computed as x − max − log Σ exp(x − max): no overflow. */
MmNode *mm_log_softmax_new (MmNode  *x,
                            GError **error);

G_END_DECLS
