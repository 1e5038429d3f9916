/* mm-dropout.h — Dropout(X): random zeros while training. */
#pragma once

#include "mm-node.h"

G_BEGIN_DECLS

/* Y = X ⊙ M / (1 − p), with M a mask of 0s and 1s, each 0 with probability
 * @p (0 ≤ p < 1), drawn from @seed when the node is made: the mask is part of
 * the node, so its value and its gradient always agree, and the same seed
 * gives the same mask. The kept numbers are scaled up so that the expected
 * value of Y is X ("inverted" dropout, as PyTorch): in eval mode the layer is
 * then simply left out. */
MmNode         *mm_dropout_new      (MmNode  *x,
                                     double   p,
                                     guint64  seed,
                                     GError **error);
gboolean        mm_node_is_dropout  (MmNode  *node);
double          mm_dropout_get_p    (MmNode  *node);
/* The mask M (0 = dropped, 1 = kept), X's shape. */
const MmTensor *mm_dropout_get_mask (MmNode  *node);

G_END_DECLS
