/* mm-sum.h — Sum(X, d): sum over the first d axes of X. */
#pragma once

#include "mm-node.h"

G_BEGIN_DECLS

MmNode *mm_sum_new     (MmNode  *x,
                        guint    d,
                        GError **error);
/* Sum over all axes: a single number. */
MmNode *mm_sum_all_new (MmNode  *x);
guint   mm_sum_get_d   (MmNode  *node);

G_END_DECLS
