/* mm-tensordot.h — TensorDot(A, B, d): contract the last d axes of A with the
 * first d axes of B. d = 0 is the outer product; for matrices and d = 1 it is
 * the matrix product. */
#pragma once

#include "mm-node.h"

G_BEGIN_DECLS

MmNode *mm_tensordot_new     (MmNode  *a,
                              MmNode  *b,
                              guint    d,
                              GError **error);
guint   mm_tensordot_get_d   (MmNode  *node);

G_END_DECLS
