/* mm-attention.h — scaled dot-product self-attention over several heads, as
 * two nodes: the attention weights, and their use on the values.
 *
 * Both read the queries, keys and values packed side by side along the last
 * axis of one tensor QKV of shape (batch, time, 3·D) — what PyTorch's
 * nn.MultiheadAttention computes with its in_proj_weight (3·D, D): Q is
 * QKV[…, 0:D], K is QKV[…, D:2D], V is QKV[…, 2D:3D]. Head h of H owns the
 * d = D / H columns h·d … (h+1)·d − 1 of each.
 */
#pragma once

#include "mm-node.h"

G_BEGIN_DECLS

/* AttentionWeights(QKV): P[b, h] = softmax(Q_bh · K_bhᵀ / √d) row by row, of
 * shape (batch, heads, time, time); P[b, h, i, j] is how much position i
 * looks at position j. With @causal, position i sees only j ≤ i (the scores
 * above the diagonal are −∞, so their weights are exactly 0). The value of
 * this node is what an attention heat map shows. */
MmNode  *mm_attention_weights_new   (MmNode   *qkv,
                                     guint     heads,
                                     gboolean  causal,
                                     GError  **error);
gboolean mm_node_is_attention_weights (MmNode *node);
guint    mm_attention_weights_get_heads  (MmNode *node);
gboolean mm_attention_weights_is_causal  (MmNode *node);

/* AttentionApply(P, QKV): O[b, :, h·d:(h+1)·d] = P[b, h] · V_bh, the heads'
 * outputs side by side, of shape (batch, time, D). P has shape
 * (batch, heads, time, time). */
MmNode  *mm_attention_apply_new     (MmNode   *weights,
                                     MmNode   *qkv,
                                     GError  **error);
gboolean mm_node_is_attention_apply (MmNode   *node);

/* Every AttentionWeights node of the graph below @root, in the order of a
 * forward pass (a new array holding references): a network's attention
 * maps, first layer first. */
GPtrArray *mm_attention_collect_weights (MmNode *root);

G_END_DECLS
