/* mm-seq-ops.h — nodes that recurrent layers are unrolled from: Select (one
 * time step of a sequence), Stack (time steps back into a sequence),
 * Embedding (a table lookup) and LSTMCell (the gates of one LSTM step). */
#pragma once

#include "mm-node.h"

G_BEGIN_DECLS

/* X with axis @axis fixed at @index (that axis removed), as x.select(axis,
 * index) in PyTorch: Select(X (T, B, F), 0, t) is time step t, (B, F). */
MmNode *mm_select_new     (MmNode          *x,
                           guint            axis,
                           gsize            index,
                           GError         **error);
guint   mm_select_get_axis  (MmNode        *node);
gsize   mm_select_get_index (MmNode        *node);

/* The n inputs (all of one shape) side by side along a new axis @axis, as
 * torch.stack: Stack(h₀, …, h_{T−1}; axis 1) of (B, H) each is (B, T, H). */
MmNode *mm_stack_new      (guint            n_inputs,
                           MmNode * const  *inputs,
                           guint            axis,
                           GError         **error);

/* Embedding(ids, W): out[…, :] = W[ids[…], :] for ids of any shape holding
 * whole numbers in [0, num) (stored as floats), W of shape (num, dim); the
 * output has shape ids.shape + (dim,). The ids are read when the node is made
 * (so their node is evaluated then): an id that is not a whole number in
 * range is a GError naming it and its position. No gradient flows to the ids. */
MmNode *mm_embedding_new  (MmNode          *ids,
                           MmNode          *weight,
                           GError         **error);

/* LSTMCell(A, C): one step of an LSTM from the gates' pre-activations A
 * (B, 4H), in PyTorch's order i, f, g, o, and the previous cell state C
 * (B, H):
 *   i = σ(A_i), f = σ(A_f), g = tanh(A_g), o = σ(A_o)
 *   c = f ⊙ C + i ⊙ g,   h = o ⊙ tanh(c)
 * The output (2, B, H) holds h (index 0) and c (index 1); Select takes them
 * apart. One node for the whole cell: the gates are the hot loop of an LSTM
 * and each of them as its own node would cost a tensor per gate per step. */
MmNode *mm_lstm_cell_new  (MmNode          *gates,
                           MmNode          *cell,
                           GError         **error);

G_END_DECLS
