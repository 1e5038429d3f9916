/* mm-shape-ops.h — nodes that move numbers around without arithmetic:
 * Reshape, Permute (transpose) and Broadcast. */
#pragma once

#include "mm-node.h"

G_BEGIN_DECLS

/* The same numbers in row-major order with another shape of the same size. */
MmNode *mm_reshape_new   (MmNode         *x,
                          const MmShape  *shape,
                          GError        **error);
/* Keep the first axis, flatten the others: (N, a, b, …) → (N, a·b·…). */
MmNode *mm_flatten_new   (MmNode         *x,
                          GError        **error);
/* Output axis i is input axis perm[i]; perm must list every axis once. */
MmNode *mm_permute_new   (MmNode         *x,
                          guint           n_perm,
                          const guint    *perm,
                          GError        **error);
/* Swap the last two axes (a matrix transpose). */
MmNode *mm_transpose_new (MmNode         *x,
                          GError        **error);
/* Repeat X along new leading axes: shape lead + X.shape, out[l…, i…] = X[i…]
 * (e.g. a bias of shape (k,) over a batch of n rows: lead = (n,)). */
MmNode *mm_broadcast_new (MmNode         *x,
                          guint           n_lead,
                          const gsize    *lead,
                          GError        **error);

G_END_DECLS
