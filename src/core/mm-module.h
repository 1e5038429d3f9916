/* mm-module.h — networks built from modules, as in the seed.
 *
 * A network (a module) does two things: it declares its parameters (names →
 * shapes, get_params) and, given an input node and a node for every parameter,
 * builds the graph that computes its output (construct). It owns no parameter
 * values. Sequential prefixes its children's parameter names with the child's
 * index ("1.weight"), and strips the prefix again when it passes them down.
 */
#pragma once

#include <glib.h>
#include "mm-node.h"
#include "mm-params.h"
#include "mm-elementwise.h"
#include "mm-context.h"

G_BEGIN_DECLS

typedef struct _MmModule MmModule;

MmModule   *mm_module_ref           (MmModule        *module);
void        mm_module_unref         (MmModule        *module);
const char *mm_module_get_type_name (MmModule        *module);

/* The parameters, in a fixed order (an array of MmParamSpec), buffers
 * (MM_PARAM_BUFFER) included. */
GArray     *mm_module_get_params    (MmModule        *module);
/* The number of trained numbers (buffers not counted, as PyTorch's
 * parameters()). */
gsize       mm_module_count_params  (MmModule        *module);

/* Build the graph. @param_nodes maps every full parameter name to a node
 * (see mm_module_make_param_nodes). */
MmNode     *mm_module_construct     (MmModule        *module,
                                     MmNode          *input,
                                     GHashTable      *param_nodes,
                                     GError         **error);
/* The same in the mode @ctx says (NULL: eval mode, like mm_module_construct):
 * in training mode Dropout draws its masks and BatchNorm normalises by the
 * batch and reports its running statistics to @ctx. */
MmNode     *mm_module_construct_full (MmModule           *module,
                                      MmNode             *input,
                                      GHashTable         *param_nodes,
                                      MmConstructContext *ctx,
                                      GError            **error);
/* The shape that comes out for an input of shape @in, without building
 * anything; errors name the layer at fault and the shapes that conflict. */
gboolean    mm_module_output_shape  (MmModule        *module,
                                     const MmShape   *in,
                                     MmShape         *out,
                                     GError         **error);

/* The network's output for a batch @x with the given parameter values (no
 * gradients), in eval mode: a convenience for predictions and views. */
MmTensor   *mm_module_predict       (MmModule        *module,
                                     MmParams        *params,
                                     MmTensor        *x,
                                     GError         **error);

/* name → Constant node (labelled with the name) for every parameter. */
GHashTable *mm_module_make_param_nodes (MmParams     *params);

/* The text form: "Flatten; Linear(784, 100); ReLU; Linear(100, 10)". */
char       *mm_module_to_string     (MmModule        *module);
MmModule   *mm_module_parse         (const char      *text,
                                     GError         **error);

/* Input(child): the network's entry, which receives a raw tensor. */
MmModule   *mm_module_input_new     (MmModule        *child);
MmNode     *mm_module_construct_tensor (MmModule     *module,
                                        MmTensor     *input,
                                        GHashTable   *param_nodes,
                                        GError      **error);
MmNode     *mm_module_construct_tensor_full (MmModule           *module,
                                             MmTensor           *input,
                                             GHashTable         *param_nodes,
                                             MmConstructContext *ctx,
                                             GError            **error);

MmModule   *mm_module_sequential_new (guint           n_children,
                                      MmModule * const *children);
guint       mm_module_get_n_children (MmModule       *module);
MmModule   *mm_module_get_child      (MmModule       *module,
                                      guint           index);

MmModule   *mm_module_flatten_new   (void);
/* Linear(in, out): y = x · W + b with W of shape (in, out) and b of shape (out). */
MmModule   *mm_module_linear_new    (gsize            in_features,
                                     gsize            out_features,
                                     GError         **error);
gboolean    mm_module_get_linear_features (MmModule  *module,
                                           gsize     *in_features,
                                           gsize     *out_features);
/* An elementwise activation: ReLU, LeakyReLU(a), Sigmoid, Tanh, Softplus, … */
MmModule   *mm_module_activation_new (MmOp            op,
                                      GError         **error);
gboolean    mm_module_get_activation_op (MmModule    *module,
                                         MmOp        *op);

/* ---- Layers for images (mm-module-cnn.c) ----------------------------------
 * Images are laid out channels first, (N, C, H, W), as in PyTorch. */

/* Reshape(d1, …): keep the batch axis, give each sample the shape (d1, …):
 * Reshape(1, 28, 28) turns (N, 784) or (N, 28, 28) into (N, 1, 28, 28). */
MmModule   *mm_module_reshape_new   (guint            ndim,
                                     const gsize     *dims,
                                     GError         **error);
gboolean    mm_module_get_reshape   (MmModule        *module,
                                     MmShape         *sample_shape);
/* Conv2d(in, out, k[, stride, padding, dilation]): weight (out, in, k, k),
 * bias (out,), as PyTorch names and lays them out. */
MmModule   *mm_module_conv2d_new    (gsize            in_channels,
                                     gsize            out_channels,
                                     gsize            kernel,
                                     gsize            stride,
                                     gsize            padding,
                                     gsize            dilation,
                                     GError         **error);
gboolean    mm_module_get_conv2d    (MmModule        *module,
                                     gsize           *in_channels,
                                     gsize           *out_channels,
                                     gsize           *kernel,
                                     gsize           *stride,
                                     gsize           *padding,
                                     gsize           *dilation);
/* MaxPool2d(k[, stride, padding]) and AvgPool2d(k[, stride, padding]); a
 * stride of 0 means k (PyTorch's default). */
MmModule   *mm_module_pool2d_new    (gboolean         max,
                                     gsize            kernel,
                                     gsize            stride,
                                     gsize            padding,
                                     GError         **error);
gboolean    mm_module_get_pool2d    (MmModule        *module,
                                     gboolean        *max,
                                     gsize           *kernel,
                                     gsize           *stride,
                                     gsize           *padding);
/* Dropout(p), 0 ≤ p < 1: only in training mode; eval mode passes X on. */
MmModule   *mm_module_dropout_new   (double           p,
                                     GError         **error);
gboolean    mm_module_get_dropout   (MmModule        *module,
                                     double          *p);
/* BatchNorm1d(F) over (N, F) or (N, F, L), BatchNorm2d(C) over (N, C, H, W):
 * parameters weight (γ, starts at 1) and bias (β, starts at 0), buffers
 * running_mean (starts at 0) and running_var (starts at 1). PyTorch's
 * defaults: eps 1e-5, momentum 0.1. */
MmModule   *mm_module_batch_norm_new (guint           spatial_dims,
                                      gsize           features,
                                      double          eps,
                                      double          momentum,
                                      GError        **error);
gboolean    mm_module_get_batch_norm (MmModule       *module,
                                      guint          *spatial_dims,
                                      gsize          *features,
                                      double         *eps,
                                      double         *momentum);

/* ---- Layers for sequences (mm-module-attn.c) -------------------------------
 * Sequences of vectors are (batch, time, features). Parameters are named and
 * laid out as PyTorch's (weights of linear maps inside them are (out, in)). */

/* LayerNorm(D) over the last axis, eps 1e-5: weight (D,) starts at 1, bias
 * (D,) at 0, as nn.LayerNorm. */
MmModule   *mm_module_layer_norm_new (gsize           dim,
                                      GError        **error);
gboolean    mm_module_get_layer_norm (MmModule       *module,
                                      gsize          *dim);
/* MultiheadAttention(D, heads[, causal]): self-attention on (batch, time, D)
 * as nn.MultiheadAttention(D, heads, batch_first=True) called with the input
 * as query, key and value: in_proj_weight (3·D, D), in_proj_bias (3·D,),
 * out_proj.weight (D, D), out_proj.bias (D,). With @causal, position t sees
 * positions ≤ t only. The attention weights (batch, heads, time, time) are
 * the value of the graph's AttentionWeights node, labelled
 * "<prefix>attn_weights" (see mm_attention_collect_weights). */
MmModule   *mm_module_multihead_attention_new (gsize     dim,
                                               gsize     heads,
                                               gboolean  causal,
                                               GError  **error);
gboolean    mm_module_get_multihead_attention (MmModule *module,
                                               gsize    *dim,
                                               gsize    *heads,
                                               gboolean *causal);
/* PositionalEncoding(D[, max_len]): adds the fixed sinusoidal encoding
 * (no parameters) to (batch, time, D), time ≤ max_len (0: 5000). */
MmModule   *mm_module_positional_encoding_new (gsize     dim,
                                               gsize     max_len,
                                               GError  **error);
gboolean    mm_module_get_positional_encoding (MmModule *module,
                                               gsize    *dim,
                                               gsize    *max_len);
/* The (time, D) table it adds: PE[t, 2i] = sin(t / 10000^(2i/D)),
 * PE[t, 2i+1] = cos(t / 10000^(2i/D)). */
MmTensor   *mm_positional_encoding   (gsize           time,
                                      gsize           dim,
                                      GError        **error);
/* TransformerBlock(D, heads[, mlp_dim][, causal]): pre-norm,
 *   X₁ = X + MultiheadAttention(LayerNorm(X)),  Y = X₁ + MLP(LayerNorm(X₁))
 * with MLP = Linear(D, mlp_dim) → ReLU → Linear(mlp_dim, D) (mlp_dim 0:
 * 4·D). Parameters as nn.TransformerEncoderLayer(norm_first=True,
 * batch_first=True, dropout=0): self_attn.in_proj_weight, …,
 * linear1.weight (mlp_dim, D), linear1.bias, linear2.weight (D, mlp_dim),
 * linear2.bias, norm1.weight, norm1.bias, norm2.weight, norm2.bias. */
MmModule   *mm_module_transformer_block_new (gsize     dim,
                                             gsize     heads,
                                             gsize     mlp_dim,
                                             gboolean  causal,
                                             GError  **error);
gboolean    mm_module_get_transformer_block (MmModule *module,
                                             gsize    *dim,
                                             gsize    *heads,
                                             gsize    *mlp_dim,
                                             gboolean *causal);

/* ---- Recurrent layers and embeddings (mm-module-seq.c) --------------------
 * batch_first, as nn.RNN(…, batch_first=True): sequences are (batch, time,
 * features); the initial states are zero. */

/* Embedding(num, dim): ids (any shape, whole numbers 0 … num−1 stored as
 * floats, e.g. (batch, time)) → ids.shape + (dim,); weight (num, dim) drawn
 * from N(0, 1) as nn.Embedding. An id out of range is a GError naming it. */
MmModule   *mm_module_embedding_new  (gsize           num,
                                      gsize           dim,
                                      GError        **error);
gboolean    mm_module_get_embedding  (MmModule       *module,
                                      gsize          *num,
                                      gsize          *dim);
/* RNN(input, hidden[, layers]) with tanh, h_t = tanh(x_t W_ihᵀ + b_ih +
 * h_{t−1} W_hhᵀ + b_hh), and LSTM(input, hidden[, layers]) (gates i, f, g, o):
 * (batch, time, input) → (batch, time, hidden), every time step's h of the
 * last layer. Parameters as PyTorch's: weight_ih_l{k} (G·hidden, in_k),
 * weight_hh_l{k} (G·hidden, hidden), bias_ih_l{k}, bias_hh_l{k} (G·hidden,),
 * G = 1 (RNN) or 4 (LSTM), all drawn from U(−1/√hidden, 1/√hidden).
 * Unrolled in the graph: each step's nodes are labelled
 * "<prefix><what>_l<k>[<t>]" (ih, hh, gates, cell, h, c; see
 * mm_rnn_label_parse), so the stepper walks back through time. */
MmModule   *mm_module_rnn_new        (gboolean        lstm,
                                      gsize           input,
                                      gsize           hidden,
                                      gsize           layers,
                                      GError        **error);
gboolean    mm_module_get_rnn        (MmModule       *module,
                                      gboolean       *lstm,
                                      gsize          *input,
                                      gsize          *hidden,
                                      gsize          *layers);
/* Reads a label of an unrolled step ("1.h_l0[3]"): its layer and time step
 * (and the part before '_', "h", in @what when not NULL, to free). */
gboolean    mm_rnn_label_parse       (const char     *label,
                                      char          **what,
                                      guint          *layer,
                                      gsize          *step);
/* Last: the last time step, (batch, time, F) → (batch, F), so a sequence
 * model can end in a classifier (… ; LSTM(8, 32); Last; Linear(32, 2)). */
MmModule   *mm_module_last_new       (void);
gboolean    mm_module_is_last        (MmModule       *module);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmModule, mm_module_unref)

G_END_DECLS
