/* mm-module-attn.c — layers for sequences of vectors (batch, time, features):
 * LayerNorm, MultiheadAttention, PositionalEncoding and TransformerBlock,
 * with their text forms.
 *
 * Parameters are named and laid out as PyTorch's, so a state_dict of
 * nn.LayerNorm, nn.MultiheadAttention(batch_first=True) or
 * nn.TransformerEncoderLayer(norm_first=True, batch_first=True, dropout=0)
 * loads as it is: in_proj_weight is (3·D, D) and the weights of the block's
 * linear layers are (out, in) — unlike our own Linear, whose weight is
 * (in, out). Such a layer is one Affine node, Y = X · Wᵀ + b.
 *
 * MultiheadAttention is self-attention: queries, keys and values all come
 * from the input. It builds
 *   QKV = X · in_proj_weightᵀ + in_proj_bias          (batch, time, 3·D)
 *   P   = AttentionWeights(QKV)                        (batch, heads, time, time)
 *   O   = AttentionApply(P, QKV)                       (batch, time, D)
 *   Y   = O · out_proj.weightᵀ + out_proj.bias
 * and labels P "<layer>.attn_weights": the heat maps of the app read its value
 * (mm_attention_collect_weights finds every such node of a graph).
 *
 * PositionalEncoding is the fixed sinusoidal one of “Attention Is All You
 * Need” (no parameters): Y = X + PE[:time], with
 *   PE[t, 2i] = sin(t / 10000^(2i/D)),   PE[t, 2i+1] = cos(t / 10000^(2i/D)).
 *
 * TransformerBlock is pre-norm, with ReLU in its MLP and no dropout:
 *   X₁ = X + MultiheadAttention(LayerNorm₁(X))
 *   Y  = X₁ + linear2(ReLU(linear1(LayerNorm₂(X₁))))
 */
#include "mm-module-private.h"
#include "mm-error.h"
#include "mm-shape-ops.h"
#include "mm-layernorm.h"
#include "mm-attention.h"
#include "mm-affine.h"

#include <math.h>
#include <string.h>

/* Bounds that refuse absurd layers before anything is allocated. */
#define MAX_FEATURES ((gsize) 1 << 24)
#define MAX_HEADS ((gsize) 1 << 16)
#define MAX_LEN ((gsize) 1 << 24)
#define DEFAULT_MAX_LEN 5000
#define LAYER_NORM_EPS 1e-5

static void
add_param (GArray      *specs,
           const char  *prefix,
           const char  *name,
           MmShape     *shape,
           MmParamRole  role,
           gsize        fan_in,
           gsize        fan_out)
{
  g_autofree char *full = g_strconcat (prefix, name, NULL);
  mm_param_specs_add (specs, full, shape, role, fan_in, fan_out);
}

static void
add_constant (GArray      *specs,
              const char  *prefix,
              const char  *name,
              MmShape     *shape,
              MmParamRole  role,
              float        value)
{
  g_autofree char *full = g_strconcat (prefix, name, NULL);
  mm_param_specs_add_constant (specs, full, shape, role, value);
}

/* The input must be (batch, time, @dim). */
static gboolean
check_sequence (const MmShape *in,
                gsize          dim,
                GError       **error)
{
  g_autofree char *s = NULL;

  if (in->ndim == 3 && in->dim[2] == dim)
    return TRUE;
  s = mm_shape_to_string (in);
  if (in->ndim != 3)
    g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                 "needs a sequence of shape (batch, time, %" G_GSIZE_FORMAT "), but receives shape %s", dim, s);
  else
    g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                 "expects %" G_GSIZE_FORMAT " features (the last axis), but receives shape %s", dim, s);
  return FALSE;
}

/* Y = X · Wᵀ + b with W of shape (out, in), PyTorch's layout: one Affine node. */
static MmNode *
linear_out_in (MmNode      *x,
               GHashTable  *nodes,
               const char  *prefix,
               const char  *wname,
               const char  *bname,
               gsize        in,
               gsize        out,
               GError     **error)
{
  MmShape ws, bs;
  MmNode *w, *b;

  mm_module_shape_2d (&ws, out, in);
  mm_module_shape_1d (&bs, out);
  w = mm_module_lookup_param (nodes, prefix, wname, &ws, error);
  if (w == NULL)
    return NULL;
  b = mm_module_lookup_param (nodes, prefix, bname, &bs, error);
  if (b == NULL)
    return NULL;
  return mm_affine_new (x, w, b, error);
}

static gboolean
check_dim (const char *layer,
           gsize       dim,
           GError    **error)
{
  if (dim == 0 || dim > MAX_FEATURES)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "%s: the number of features must be between 1 and %" G_GSIZE_FORMAT ", not %" G_GSIZE_FORMAT,
                   layer, MAX_FEATURES, dim);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_heads (const char *layer,
             gsize       dim,
             gsize       heads,
             GError    **error)
{
  if (heads == 0 || heads > MAX_HEADS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "%s: the number of heads must be between 1 and %" G_GSIZE_FORMAT ", not %" G_GSIZE_FORMAT,
                   layer, MAX_HEADS, heads);
      return FALSE;
    }
  if (dim % heads != 0)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "%s: %" G_GSIZE_FORMAT " features cannot be split into %" G_GSIZE_FORMAT
                   " heads of equal width (the number of features must be a multiple of the number of heads)",
                   layer, dim, heads);
      return FALSE;
    }
  if (3 * dim * dim > MM_MAX_ELEMENTS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                   "%s: %" G_GSIZE_FORMAT " features would need more than %" G_GSIZE_FORMAT " weights",
                   layer, dim, (gsize) MM_MAX_ELEMENTS);
      return FALSE;
    }
  return TRUE;
}

/* ---- LayerNorm ----------------------------------------------------------- */

static void
layer_norm_params (const char *prefix,
                   gsize       dim,
                   GArray     *specs)
{
  MmShape s;

  mm_module_shape_1d (&s, dim);
  add_constant (specs, prefix, "weight", &s, MM_PARAM_WEIGHT, 1.0f);
  add_constant (specs, prefix, "bias", &s, MM_PARAM_BIAS, 0.0f);
}

static MmNode *
layer_norm_build (MmNode      *x,
                  GHashTable  *nodes,
                  const char  *prefix,
                  gsize        dim,
                  GError     **error)
{
  MmShape s;
  MmNode *w, *b;

  mm_module_shape_1d (&s, dim);
  w = mm_module_lookup_param (nodes, prefix, "weight", &s, error);
  if (w == NULL)
    return NULL;
  b = mm_module_lookup_param (nodes, prefix, "bias", &s, error);
  if (b == NULL)
    return NULL;
  return mm_layer_norm_new (x, w, b, LAYER_NORM_EPS, error);
}

static void
layer_norm_get_params (MmModule   *self,
                       const char *prefix,
                       GArray     *specs)
{
  layer_norm_params (prefix, self->in_features, specs);
}

static gboolean
layer_norm_check_input (MmModule      *self,
                        const MmShape *in,
                        GError       **error)
{
  if (in->ndim >= 1 && in->dim[in->ndim - 1] == self->in_features)
    return TRUE;
  {
    g_autofree char *s = mm_shape_to_string (in);
    g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                 "normalises %" G_GSIZE_FORMAT " features (the last axis), but receives shape %s",
                 self->in_features, s);
  }
  return FALSE;
}

static MmNode *
layer_norm_construct (MmModule            *self,
                      MmNode              *input,
                      GHashTable          *nodes,
                      const char          *prefix,
                      MmConstructContext  *ctx,
                      GError             **error)
{
  if (!layer_norm_check_input (self, mm_node_get_shape (input), error))
    return NULL;
  return layer_norm_build (input, nodes, prefix, self->in_features, error);
}

static gboolean
layer_norm_output_shape (MmModule      *self,
                         const MmShape *in,
                         MmShape       *out,
                         GError       **error)
{
  if (!layer_norm_check_input (self, in, error))
    return FALSE;
  *out = *in;
  return TRUE;
}

static char *
layer_norm_to_string (MmModule *self)
{
  return g_strdup_printf ("LayerNorm(%" G_GSIZE_FORMAT ")", self->in_features);
}

static const MmModuleClass layer_norm_class = {
  .type_name = "LayerNorm",
  .get_params = layer_norm_get_params,
  .construct = layer_norm_construct,
  .output_shape = layer_norm_output_shape,
  .to_string = layer_norm_to_string,
};

MmModule *
mm_module_layer_norm_new (gsize    dim,
                          GError **error)
{
  MmModule *m;

  if (!check_dim ("LayerNorm", dim, error))
    return NULL;
  m = mm_module_alloc (&layer_norm_class);
  m->in_features = dim;
  return m;
}

gboolean
mm_module_get_layer_norm (MmModule *module,
                          gsize    *dim)
{
  if (!mm_module_is_kind (module, &layer_norm_class))
    return FALSE;
  if (dim)
    *dim = module->in_features;
  return TRUE;
}

/* ---- MultiheadAttention -------------------------------------------------- */

static void
attention_params (const char *prefix,
                  gsize       dim,
                  GArray     *specs)
{
  MmShape s;

  /* PyTorch draws in_proj_weight with Xavier over its (3·D, D) shape. */
  mm_module_shape_2d (&s, 3 * dim, dim);
  add_param (specs, prefix, "in_proj_weight", &s, MM_PARAM_WEIGHT, dim, 3 * dim);
  mm_module_shape_1d (&s, 3 * dim);
  add_param (specs, prefix, "in_proj_bias", &s, MM_PARAM_BIAS, dim, 3 * dim);
  mm_module_shape_2d (&s, dim, dim);
  add_param (specs, prefix, "out_proj.weight", &s, MM_PARAM_WEIGHT, dim, dim);
  mm_module_shape_1d (&s, dim);
  add_param (specs, prefix, "out_proj.bias", &s, MM_PARAM_BIAS, dim, dim);
}

static MmNode *
attention_build (MmNode      *x,
                 GHashTable  *nodes,
                 const char  *prefix,
                 gsize        dim,
                 gsize        heads,
                 gboolean     causal,
                 GError     **error)
{
  g_autoptr(MmNode) qkv = NULL;
  g_autoptr(MmNode) weights = NULL;
  g_autoptr(MmNode) o = NULL;
  g_autofree char *label = NULL;

  qkv = linear_out_in (x, nodes, prefix, "in_proj_weight", "in_proj_bias", dim, 3 * dim, error);
  if (qkv == NULL)
    return NULL;
  weights = mm_attention_weights_new (qkv, (guint) heads, causal, error);
  if (weights == NULL)
    return NULL;
  label = g_strconcat (prefix, "attn_weights", NULL);
  mm_node_set_label (weights, label);
  o = mm_attention_apply_new (weights, qkv, error);
  if (o == NULL)
    return NULL;
  return linear_out_in (o, nodes, prefix, "out_proj.weight", "out_proj.bias", dim, dim, error);
}

static void
attention_get_params (MmModule   *self,
                      const char *prefix,
                      GArray     *specs)
{
  attention_params (prefix, self->in_features, specs);
}

static MmNode *
attention_construct (MmModule            *self,
                     MmNode              *input,
                     GHashTable          *nodes,
                     const char          *prefix,
                     MmConstructContext  *ctx,
                     GError             **error)
{
  if (!check_sequence (mm_node_get_shape (input), self->in_features, error))
    return NULL;
  return attention_build (input, nodes, prefix, self->in_features, self->heads, self->causal, error);
}

static gboolean
same_shape_output (MmModule      *self,
                   const MmShape *in,
                   MmShape       *out,
                   GError       **error)
{
  if (!check_sequence (in, self->in_features, error))
    return FALSE;
  *out = *in;
  return TRUE;
}

static char *
attention_to_string (MmModule *self)
{
  if (self->causal)
    return g_strdup_printf ("MultiheadAttention(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", 1)",
                            self->in_features, self->heads);
  return g_strdup_printf ("MultiheadAttention(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")",
                          self->in_features, self->heads);
}

static const MmModuleClass attention_class = {
  .type_name = "MultiheadAttention",
  .get_params = attention_get_params,
  .construct = attention_construct,
  .output_shape = same_shape_output,
  .to_string = attention_to_string,
};

MmModule *
mm_module_multihead_attention_new (gsize     dim,
                                   gsize     heads,
                                   gboolean  causal,
                                   GError  **error)
{
  g_autofree char *what = g_strdup_printf ("MultiheadAttention(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")",
                                           dim, heads);
  MmModule *m;

  if (!check_dim (what, dim, error) || !check_heads (what, dim, heads, error))
    return NULL;
  m = mm_module_alloc (&attention_class);
  m->in_features = dim;
  m->heads = heads;
  m->causal = causal;
  return m;
}

gboolean
mm_module_get_multihead_attention (MmModule *module,
                                   gsize    *dim,
                                   gsize    *heads,
                                   gboolean *causal)
{
  if (!mm_module_is_kind (module, &attention_class))
    return FALSE;
  if (dim)
    *dim = module->in_features;
  if (heads)
    *heads = module->heads;
  if (causal)
    *causal = module->causal;
  return TRUE;
}

/* ---- PositionalEncoding -------------------------------------------------- */

MmTensor *
mm_positional_encoding (gsize    time,
                        gsize    dim,
                        GError **error)
{
  MmTensor *pe = mm_tensor_new_dims (2, (gsize[]) { time, dim }, error);

  if (pe == NULL)
    return NULL;
  for (gsize i = 0; i < dim; i += 2)
    {
      /* 1 / 10000^(i/D) for the pair (i, i + 1). */
      double freq = exp (-(double) i * log (10000.0) / (double) dim);
      for (gsize t = 0; t < time; t++)
        {
          double a = (double) t * freq;
          pe->data[t * dim + i] = (float) sin (a);
          if (i + 1 < dim)
            pe->data[t * dim + i + 1] = (float) cos (a);
        }
    }
  return pe;
}

static gboolean
positional_check_input (MmModule      *self,
                        const MmShape *in,
                        GError       **error)
{
  if (!check_sequence (in, self->in_features, error))
    return FALSE;
  if (in->dim[1] > self->hidden)
    {
      g_autofree char *s = mm_shape_to_string (in);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "encodes at most %" G_GSIZE_FORMAT " positions, but receives a sequence of shape %s "
                   "(%" G_GSIZE_FORMAT " positions)", self->hidden, s, in->dim[1]);
      return FALSE;
    }
  return TRUE;
}

static MmNode *
positional_construct (MmModule            *self,
                      MmNode              *input,
                      GHashTable          *nodes,
                      const char          *prefix,
                      MmConstructContext  *ctx,
                      GError             **error)
{
  const MmShape *in = mm_node_get_shape (input);
  g_autoptr(MmTensor) pe = NULL;
  g_autoptr(MmNode) pe_node = NULL;
  g_autoptr(MmNode) pe_batch = NULL;
  g_autofree char *label = NULL;

  if (!positional_check_input (self, in, error))
    return NULL;
  pe = mm_positional_encoding (in->dim[1], in->dim[2], error);
  if (pe == NULL)
    return NULL;
  label = g_strconcat (prefix, "positional_encoding", NULL);
  pe_node = mm_constant_new_labelled (pe, label);
  pe_batch = mm_broadcast_new (pe_node, 1, in->dim, error);
  if (pe_batch == NULL)
    return NULL;
  return mm_binary_new (MM_OP_ADD, input, pe_batch, error);
}

static gboolean
positional_output_shape (MmModule      *self,
                         const MmShape *in,
                         MmShape       *out,
                         GError       **error)
{
  if (!positional_check_input (self, in, error))
    return FALSE;
  *out = *in;
  return TRUE;
}

static char *
positional_to_string (MmModule *self)
{
  if (self->hidden != DEFAULT_MAX_LEN)
    return g_strdup_printf ("PositionalEncoding(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")",
                            self->in_features, self->hidden);
  return g_strdup_printf ("PositionalEncoding(%" G_GSIZE_FORMAT ")", self->in_features);
}

static const MmModuleClass positional_class = {
  .type_name = "PositionalEncoding",
  .construct = positional_construct,
  .output_shape = positional_output_shape,
  .to_string = positional_to_string,
};

MmModule *
mm_module_positional_encoding_new (gsize    dim,
                                   gsize    max_len,
                                   GError **error)
{
  MmModule *m;

  if (!check_dim ("PositionalEncoding", dim, error))
    return NULL;
  if (max_len == 0)
    max_len = DEFAULT_MAX_LEN;
  if (max_len > MAX_LEN)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "PositionalEncoding: the longest sequence must be between 1 and %" G_GSIZE_FORMAT
                   " positions, not %" G_GSIZE_FORMAT, MAX_LEN, max_len);
      return NULL;
    }
  m = mm_module_alloc (&positional_class);
  m->in_features = dim;
  m->hidden = max_len;
  return m;
}

gboolean
mm_module_get_positional_encoding (MmModule *module,
                                   gsize    *dim,
                                   gsize    *max_len)
{
  if (!mm_module_is_kind (module, &positional_class))
    return FALSE;
  if (dim)
    *dim = module->in_features;
  if (max_len)
    *max_len = module->hidden;
  return TRUE;
}

/* ---- TransformerBlock ---------------------------------------------------- */

static void
block_get_params (MmModule   *self,
                  const char *prefix,
                  GArray     *specs)
{
  const gsize D = self->in_features, F = self->hidden;
  g_autofree char *attn = g_strconcat (prefix, "self_attn.", NULL);
  g_autofree char *norm1 = g_strconcat (prefix, "norm1.", NULL);
  g_autofree char *norm2 = g_strconcat (prefix, "norm2.", NULL);
  MmShape s;

  /* The order of PyTorch's state_dict. */
  attention_params (attn, D, specs);
  mm_module_shape_2d (&s, F, D);
  add_param (specs, prefix, "linear1.weight", &s, MM_PARAM_WEIGHT, D, F);
  mm_module_shape_1d (&s, F);
  add_param (specs, prefix, "linear1.bias", &s, MM_PARAM_BIAS, D, F);
  mm_module_shape_2d (&s, D, F);
  add_param (specs, prefix, "linear2.weight", &s, MM_PARAM_WEIGHT, F, D);
  mm_module_shape_1d (&s, D);
  add_param (specs, prefix, "linear2.bias", &s, MM_PARAM_BIAS, F, D);
  layer_norm_params (norm1, D, specs);
  layer_norm_params (norm2, D, specs);
}

static MmNode *
block_construct (MmModule            *self,
                 MmNode              *input,
                 GHashTable          *nodes,
                 const char          *prefix,
                 MmConstructContext  *ctx,
                 GError             **error)
{
  const gsize D = self->in_features, F = self->hidden;
  g_autofree char *attn = g_strconcat (prefix, "self_attn.", NULL);
  g_autofree char *norm1 = g_strconcat (prefix, "norm1.", NULL);
  g_autofree char *norm2 = g_strconcat (prefix, "norm2.", NULL);
  g_autoptr(MmNode) n1 = NULL;
  g_autoptr(MmNode) a = NULL;
  g_autoptr(MmNode) x1 = NULL;
  g_autoptr(MmNode) n2 = NULL;
  g_autoptr(MmNode) h = NULL;
  g_autoptr(MmNode) r = NULL;
  g_autoptr(MmNode) m = NULL;

  if (!check_sequence (mm_node_get_shape (input), D, error))
    return NULL;
  if (!(n1 = layer_norm_build (input, nodes, norm1, D, error)) ||
      !(a = attention_build (n1, nodes, attn, D, self->heads, self->causal, error)) ||
      !(x1 = mm_binary_new (MM_OP_ADD, input, a, error)) ||
      !(n2 = layer_norm_build (x1, nodes, norm2, D, error)) ||
      !(h = linear_out_in (n2, nodes, prefix, "linear1.weight", "linear1.bias", D, F, error)) ||
      !(r = mm_unary_new (MM_OP_RELU, h, error)) ||
      !(m = linear_out_in (r, nodes, prefix, "linear2.weight", "linear2.bias", F, D, error)))
    return NULL;
  return mm_binary_new (MM_OP_ADD, x1, m, error);
}

static char *
block_to_string (MmModule *self)
{
  const gsize D = self->in_features, H = self->heads, F = self->hidden;

  if (self->causal)
    return g_strdup_printf ("TransformerBlock(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", 1)",
                            D, H, F);
  if (F != 4 * D)
    return g_strdup_printf ("TransformerBlock(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")",
                            D, H, F);
  return g_strdup_printf ("TransformerBlock(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")", D, H);
}

static const MmModuleClass block_class = {
  .type_name = "TransformerBlock",
  .get_params = block_get_params,
  .construct = block_construct,
  .output_shape = same_shape_output,
  .to_string = block_to_string,
};

MmModule *
mm_module_transformer_block_new (gsize     dim,
                                 gsize     heads,
                                 gsize     mlp_dim,
                                 gboolean  causal,
                                 GError  **error)
{
  g_autofree char *what = g_strdup_printf ("TransformerBlock(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")",
                                           dim, heads);
  MmModule *m;

  if (!check_dim (what, dim, error) || !check_heads (what, dim, heads, error))
    return NULL;
  if (mlp_dim == 0)
    mlp_dim = 4 * dim;
  if (mlp_dim > MAX_FEATURES || mlp_dim * dim > MM_MAX_ELEMENTS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "%s: the width of the MLP must be between 1 and %" G_GSIZE_FORMAT
                   " and its weights fewer than %" G_GSIZE_FORMAT ", not %" G_GSIZE_FORMAT,
                   what, MAX_FEATURES, (gsize) MM_MAX_ELEMENTS, mlp_dim);
      return NULL;
    }
  m = mm_module_alloc (&block_class);
  m->in_features = dim;
  m->heads = heads;
  m->hidden = mlp_dim;
  m->causal = causal;
  return m;
}

gboolean
mm_module_get_transformer_block (MmModule *module,
                                 gsize    *dim,
                                 gsize    *heads,
                                 gsize    *mlp_dim,
                                 gboolean *causal)
{
  if (!mm_module_is_kind (module, &block_class))
    return FALSE;
  if (dim)
    *dim = module->in_features;
  if (heads)
    *heads = module->heads;
  if (mlp_dim)
    *mlp_dim = module->hidden;
  if (causal)
    *causal = module->causal;
  return TRUE;
}

/* ---- The text form ------------------------------------------------------- */

/* Whole numbers ≥ 0 that fit a gsize comfortably. */
static gboolean
whole_args (GArray *args,
            gsize  *out,
            guint   max_n)
{
  if (args->len > max_n)
    return FALSE;
  for (guint i = 0; i < args->len; i++)
    {
      double v = g_array_index (args, double, i);
      if (!(v >= 0 && v <= 1e15) || v != floor (v))
        return FALSE;
      out[i] = (gsize) v;
    }
  return TRUE;
}

static gboolean
flag_arg (GArray   *args,
          guint     index,
          gboolean *out)
{
  double v;

  if (args->len <= index)
    {
      *out = FALSE;
      return TRUE;
    }
  v = g_array_index (args, double, index);
  if (v != 0.0 && v != 1.0)
    return FALSE;
  *out = v == 1.0;
  return TRUE;
}

gboolean
mm_module_parse_attn_layer (const char  *name,
                            GArray      *args,
                            MmModule   **module,
                            GError     **error)
{
  gsize a[4] = { 0 };
  gboolean causal = FALSE;

  *module = NULL;
  if (g_ascii_strcasecmp (name, "LayerNorm") == 0)
    {
      if (args->len != 1 || !whole_args (args, a, 1))
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                     "LayerNorm needs one whole number, the number of features: LayerNorm(64)");
      else
        *module = mm_module_layer_norm_new (a[0], error);
      return TRUE;
    }
  if (g_ascii_strcasecmp (name, "MultiheadAttention") == 0)
    {
      if (args->len < 2 || !whole_args (args, a, 3) || !flag_arg (args, 2, &causal))
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                     "MultiheadAttention needs whole numbers: the number of features and of heads, and "
                     "optionally 1 for a causal mask: MultiheadAttention(64, 4) or MultiheadAttention(64, 4, 1)");
      else
        *module = mm_module_multihead_attention_new (a[0], a[1], causal, error);
      return TRUE;
    }
  if (g_ascii_strcasecmp (name, "PositionalEncoding") == 0)
    {
      if (args->len < 1 || !whole_args (args, a, 2))
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                     "PositionalEncoding needs whole numbers: the number of features, and optionally the "
                     "longest sequence: PositionalEncoding(64) or PositionalEncoding(64, 512)");
      else
        *module = mm_module_positional_encoding_new (a[0], a[1], error);
      return TRUE;
    }
  if (g_ascii_strcasecmp (name, "TransformerBlock") == 0)
    {
      if (args->len < 2 || !whole_args (args, a, 4) || !flag_arg (args, 3, &causal))
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                     "TransformerBlock needs whole numbers: the number of features and of heads, and "
                     "optionally the width of its MLP (0: four times the features) and 1 for a causal mask: "
                     "TransformerBlock(64, 4) or TransformerBlock(64, 4, 256, 1)");
      else
        *module = mm_module_transformer_block_new (a[0], a[1], a[2], causal, error);
      return TRUE;
    }
  return FALSE;
}
