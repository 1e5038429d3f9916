/* mm-layernorm.h — LayerNorm(X, γ, β): each row normalised over the last axis. */
#pragma once

#include "mm-node.h"

G_BEGIN_DECLS

/* X has shape (…, D); γ and β have shape (D,). For every row x (the last
 * axis), with m its mean and v its biased variance:
 *   Y = γ ⊙ (x − m) / √(v + eps) + β,
 * as PyTorch's nn.LayerNorm(D) (its default eps is 1e-5). The gradient flows
 * through m and v too: the statistics are the row's own, in training and
 * evaluation alike. */
MmNode  *mm_layer_norm_new      (MmNode   *x,
                                 MmNode   *gamma,
                                 MmNode   *beta,
                                 double    eps,
                                 GError  **error);
gboolean mm_node_is_layer_norm  (MmNode   *node);
double   mm_layer_norm_get_eps  (MmNode   *node);

G_END_DECLS
