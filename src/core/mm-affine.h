/* mm-affine.h — Affine(X, W, b): a linear layer with PyTorch's weight layout. */
#pragma once

#include "mm-node.h"

G_BEGIN_DECLS

/* Y = X · Wᵀ + b over the last axis of X: X has shape (…, in), W (out, in)
 * — nn.Linear's layout — and b (out,) or NULL; Y has shape (…, out). One
 * node for what would otherwise be Transpose, TensorDot, Broadcast and Add:
 * the layers inside a transformer block use it. */
MmNode  *mm_affine_new     (MmNode   *x,
                            MmNode   *w,
                            MmNode   *b,
                            GError  **error);
gboolean mm_node_is_affine (MmNode   *node);

G_END_DECLS
