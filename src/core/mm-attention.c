/* mm-attention.c — AttentionWeights and AttentionApply: multi-head scaled
 * dot-product self-attention.
 *
 * For one sample and one head, with Q, K, V the head's (T × d) slices of QKV:
 *   S = Q Kᵀ / √d             scores: how well query i matches key j
 *   P = softmax(S) per row    weights (causal: S[i, j] = −∞ for j > i)
 *   O = P V                   each position a weighted mean of the values
 * AttentionWeights computes P, AttentionApply computes O. The chain rule,
 * with G the gradient arriving at the node's output:
 *   AttentionApply:    ∂L/∂P = G Vᵀ,   ∂L/∂V = Pᵀ G
 *   AttentionWeights:  ∂L/∂S = P ⊙ (G − Σ_j G ⊙ P)  (softmax's rule, per row)
 *                      ∂L/∂Q = ∂L/∂S · K / √d,   ∂L/∂K = (∂L/∂S)ᵀ · Q / √d
 * A masked score has P = 0, so it passes no gradient back.
 *
 * Speed: the heads are never copied out. A head's Q, K and V are matrices
 * inside QKV with a row stride of 3·D, and its output a matrix inside O with
 * a row stride of D; CBLAS takes those strides as leading dimensions, so every
 * product is one sgemm straight on the packed data. Scaling, masking and the
 * softmax are one pass over each row of scores.
 */
#include "mm-attention.h"
#include "mm-node-private.h"
#include "mm-error.h"
#include "mm-lanes-private.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* C (M×N, ldc) = alpha · op(A) · op(B) on strided row-major matrices. */
static void
gemm_ld (gboolean     trans_a,
         gboolean     trans_b,
         gsize        M,
         gsize        N,
         gsize        K,
         float        alpha,
         const float *A,
         gsize        lda,
         const float *B,
         gsize        ldb,
         float       *C,
         gsize        ldc)
{
  if (M == 0 || N == 0)
    return;
  if (K == 0)
    {
      for (gsize i = 0; i < M; i++)
        memset (C + i * ldc, 0, N * sizeof (float));
      return;
    }
  cblas_sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
               (int) M, (int) N, (int) K, alpha, A, (int) lda, B, (int) ldb, 0.0f, C, (int) ldc);
}

/* Zero columns [col, col + width) of each of @rows rows of stride @ld. */
static void
zero_columns (float *x,
              gsize  rows,
              gsize  ld,
              gsize  col,
              gsize  width)
{
  for (gsize r = 0; r < rows; r++)
    memset (x + r * ld + col, 0, width * sizeof (float));
}

/* e^x for x ≤ 0 (a score minus its row's maximum), written so that a loop
 * of them vectorises (no branches, no calls): x = n·ln 2 + r with
 * |r| ≤ ln 2 / 2, e^r by its Taylor series to r⁷/7! (relative error below
 * 10⁻⁸, under float's rounding), and 2ⁿ put straight into the exponent bits.
 * Scores more than 87 below the maximum are treated as −87: their weights
 * come out below 10⁻³⁷ instead of underflowing, which changes no sum.
 * Against exp in double it is within 1e-7 relative over [−87, 0]. */
static inline float
exp_nonpositive (float x)
{
  const float shifter = 12582912.0f;   /* 1.5 · 2²³: adding it rounds to an integer */
  union { float f; guint32 u; gint32 i; } c, t, scale;
  float k, r, p;

  /* max(x, −87) on the bits: for x ≤ 0 a larger magnitude is a larger
   * unsigned number (a float comparison would keep the compiler from
   * vectorising, as it may trap). */
  c.f = x;
  c.u = c.u < 0xC2AE0000u ? c.u : 0xC2AE0000u;   /* the bits of −87.0f */
  x = c.f;
  t.f = x * 1.44269504f + shifter;
  k = t.f - shifter;
  r = x - k * 0.693145752f;            /* ln 2 in two parts (Cody and Waite) */
  r = r - k * 1.42860677e-06f;
  p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720
            + r * (1.0f / 5040)))))));
  /* t's low bits hold k + 2²² (as an integer): 2ᵏ has exponent bits k + 127. */
  scale.i = (t.i - 0x4B400000 + 127) << 23;
  return p * scale.f;
}

/* ---- AttentionWeights ---------------------------------------------------- */

typedef struct {
  MmNode parent;
  gsize B, T, D, H, d;
  gboolean causal;
  float scale;      /* 1 / √d */
} MmAttentionWeights;

static MmTensor *
weights_forward (MmNode *node)
{
  MmAttentionWeights *self = (MmAttentionWeights *) node;
  MmTensor *out = mm_tensor_new_uninit (&node->shape);
  const float *qkv = mm_node_input_data (node, 0);
  const gsize T = self->T, D = self->D, ld = 3 * D;

  for (gsize b = 0; b < self->B; b++)
    for (gsize h = 0; h < self->H; h++)
      {
        const float *q = qkv + b * T * ld + h * self->d;
        float *P = out->data + (b * self->H + h) * T * T;

        gemm_ld (FALSE, TRUE, T, T, self->d, self->scale, q, ld, q + D, ld, P, T);
        for (gsize i = 0; i < T; i++)
          {
            float *row = P + i * T;
            const gsize n = self->causal ? i + 1 : T;
            float m = max_lanes (row, n), inv;

            if (!isfinite (m))
              {
                /* A score of ±∞ or NaN: let the arithmetic give NaN honestly. */
                for (gsize j = 0; j < n; j++)
                  row[j] = NAN;
              }
            else
              for (gsize j = 0; j < n; j++)
                row[j] = exp_nonpositive (row[j] - m);
            inv = 1.0f / sum_lanes (row, n);
            for (gsize j = 0; j < n; j++)
              row[j] *= inv;
            for (gsize j = n; j < T; j++)
              row[j] = 0.0f;
          }
      }
  return out;
}

static void
weights_backward (MmNode          *node,
                  const MmTensor  *grad,
                  const gboolean  *need,
                  MmTensor       **grads)
{
  MmAttentionWeights *self = (MmAttentionWeights *) node;
  const float *qkv = mm_node_input_data (node, 0);
  const float *Pall = node->value->data;
  const gsize T = self->T, D = self->D, ld = 3 * D;
  g_autofree float *dS = NULL;
  float *dqkv;

  if (!need[0])
    return;
  grads[0] = mm_tensor_new_uninit (&node->inputs[0]->shape);
  dqkv = grads[0]->data;
  dS = g_new (float, MAX (T * T, 1));
  for (gsize b = 0; b < self->B; b++)
    {
      zero_columns (dqkv + b * T * ld, T, ld, 2 * D, D);
      for (gsize h = 0; h < self->H; h++)
        {
          const float *q = qkv + b * T * ld + h * self->d;
          const float *P = Pall + (b * self->H + h) * T * T;
          const float *G = grad->data + (b * self->H + h) * T * T;
          float *dq = dqkv + b * T * ld + h * self->d;

          for (gsize i = 0; i < T; i++)
            {
              const float *p = P + i * T, *g = G + i * T;
              float *ds = dS + i * T;
              const float s = dot_lanes (g, p, T);

              for (gsize j = 0; j < T; j++)
                ds[j] = p[j] * (g[j] - s);
            }
          /* ∂L/∂Q = dS · K / √d and ∂L/∂K = dSᵀ · Q / √d, into QKV's layout. */
          gemm_ld (FALSE, FALSE, T, self->d, T, self->scale, dS, T, q + D, ld, dq, ld);
          gemm_ld (TRUE, FALSE, T, self->d, T, self->scale, dS, T, q, ld, dq + D, ld);
        }
    }
}

static char *
weights_describe (MmNode *node)
{
  MmAttentionWeights *self = (MmAttentionWeights *) node;
  return g_strdup_printf ("AttentionWeights heads=%" G_GSIZE_FORMAT "%s", self->H,
                          self->causal ? " causal" : "");
}

static char *
weights_rule (MmNode *node,
              guint   index)
{
  return g_strdup ("∂L/∂Q = dS · K / √d, ∂L/∂K = dSᵀ · Q / √d, ∂L/∂V = 0, "
                   "where dS = P ⊙ (G − Σ G ⊙ P) (softmax's rule, sums along each row)");
}

/* Cost meter: per sample and head, Q Kᵀ is 2·T·T·d, then scaling, masking
 * and the softmax 4 per score (B·H·T·T scores). Backward: the softmax's rule
 * 4 per score, then ∂L/∂Q and ∂L/∂K, two products of 2·T·T·d each. */
static guint64
weights_flops (MmNode         *node,
               const gboolean *need)
{
  MmAttentionWeights *self = (MmAttentionWeights *) node;
  guint64 scores = (guint64) self->B * self->H * self->T * self->T;

  if (need == NULL)
    return scores * (2 * self->d + 4);
  return need[0] ? scores * (4 * self->d + 4) : 0;
}

static const MmNodeClass weights_class = {
  .type_name = "AttentionWeights",
  .instance_size = sizeof (MmAttentionWeights),
  .forward = weights_forward,
  .backward = weights_backward,
  .describe = weights_describe,
  .rule = weights_rule,
  .flops = weights_flops,
};

/* QKV must be (batch, time, 3·D) with D a multiple of @heads. */
static gboolean
check_qkv (const char    *who,
           const MmShape *s,
           gsize          heads,
           GError       **error)
{
  g_autofree char *str = mm_shape_to_string (s);

  if (s->ndim != 3)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "%s needs queries, keys and values of shape (batch, time, 3·features), "
                   "but receives shape %s", who, str);
      return FALSE;
    }
  if (s->dim[2] == 0 || s->dim[2] % 3 != 0)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "%s needs the queries, keys and values side by side along the last axis, "
                   "so its length must be a positive multiple of 3, but the input has shape %s", who, str);
      return FALSE;
    }
  if (heads == 0 || (s->dim[2] / 3) % heads != 0)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "%s: %" G_GSIZE_FORMAT " features cannot be split into %" G_GSIZE_FORMAT
                   " heads of equal width (the input has shape %s)", who, s->dim[2] / 3, heads, str);
      return FALSE;
    }
  return TRUE;
}

MmNode *
mm_attention_weights_new (MmNode   *qkv,
                          guint     heads,
                          gboolean  causal,
                          GError  **error)
{
  const MmShape *s;
  MmShape out;
  MmAttentionWeights *self;

  g_return_val_if_fail (qkv != NULL, NULL);
  s = &qkv->shape;
  if (!check_qkv ("AttentionWeights", s, heads, error))
    return NULL;
  mm_shape_scalar (&out);
  out.ndim = 4;
  out.dim[0] = s->dim[0];
  out.dim[1] = heads;
  out.dim[2] = s->dim[1];
  out.dim[3] = s->dim[1];
  if (!mm_shape_validate (&out, error))
    return NULL;
  self = (MmAttentionWeights *) mm_node_alloc (&weights_class, &out, 1, &qkv);
  self->B = s->dim[0];
  self->T = s->dim[1];
  self->D = s->dim[2] / 3;
  self->H = heads;
  self->d = self->D / heads;
  self->causal = causal;
  self->scale = (float) (1.0 / sqrt ((double) self->d));
  return &self->parent;
}

gboolean
mm_node_is_attention_weights (MmNode *node)
{
  g_return_val_if_fail (node != NULL, FALSE);
  return node->klass == &weights_class;
}

guint
mm_attention_weights_get_heads (MmNode *node)
{
  g_return_val_if_fail (node != NULL && node->klass == &weights_class, 0);
  return (guint) ((MmAttentionWeights *) node)->H;
}

gboolean
mm_attention_weights_is_causal (MmNode *node)
{
  g_return_val_if_fail (node != NULL && node->klass == &weights_class, FALSE);
  return ((MmAttentionWeights *) node)->causal;
}

GPtrArray *
mm_attention_collect_weights (MmNode *root)
{
  g_autoptr(GPtrArray) all = NULL;
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);

  g_return_val_if_fail (root != NULL, found);
  all = mm_node_collect (root);
  for (guint i = 0; i < all->len; i++)
    if (mm_node_is_attention_weights (g_ptr_array_index (all, i)))
      g_ptr_array_add (found, mm_node_ref (g_ptr_array_index (all, i)));
  return found;
}

/* ---- AttentionApply ------------------------------------------------------ */

typedef struct {
  MmNode parent;
  gsize B, T, D, H, d;
} MmAttentionApply;

static MmTensor *
apply_forward (MmNode *node)
{
  MmAttentionApply *self = (MmAttentionApply *) node;
  MmTensor *out = mm_tensor_new_uninit (&node->shape);
  const float *Pall = mm_node_input_data (node, 0);
  const float *qkv = mm_node_input_data (node, 1);
  const gsize T = self->T, D = self->D, ld = 3 * D;

  for (gsize b = 0; b < self->B; b++)
    for (gsize h = 0; h < self->H; h++)
      gemm_ld (FALSE, FALSE, T, self->d, T, 1.0f, Pall + (b * self->H + h) * T * T, T,
               qkv + b * T * ld + 2 * D + h * self->d, ld, out->data + b * T * D + h * self->d, D);
  return out;
}

static void
apply_backward (MmNode          *node,
                const MmTensor  *grad,
                const gboolean  *need,
                MmTensor       **grads)
{
  MmAttentionApply *self = (MmAttentionApply *) node;
  const float *Pall = mm_node_input_data (node, 0);
  const float *qkv = mm_node_input_data (node, 1);
  const gsize T = self->T, D = self->D, ld = 3 * D;

  if (need[0])
    grads[0] = mm_tensor_new_uninit (&node->inputs[0]->shape);
  if (need[1])
    grads[1] = mm_tensor_new_uninit (&node->inputs[1]->shape);
  for (gsize b = 0; b < self->B; b++)
    {
      if (need[1])
        zero_columns (grads[1]->data + b * T * ld, T, ld, 0, 2 * D);
      for (gsize h = 0; h < self->H; h++)
        {
          const float *G = grad->data + b * T * D + h * self->d;
          const float *v = qkv + b * T * ld + 2 * D + h * self->d;
          const gsize ph = (b * self->H + h) * T * T;

          if (need[0])   /* ∂L/∂P = G Vᵀ */
            gemm_ld (FALSE, TRUE, T, T, self->d, 1.0f, G, D, v, ld, grads[0]->data + ph, T);
          if (need[1])   /* ∂L/∂V = Pᵀ G */
            gemm_ld (TRUE, FALSE, T, self->d, T, 1.0f, Pall + ph, T, G, D,
                     grads[1]->data + b * T * ld + 2 * D + h * self->d, ld);
        }
    }
}

static char *
apply_describe (MmNode *node)
{
  return g_strdup_printf ("AttentionApply heads=%" G_GSIZE_FORMAT, ((MmAttentionApply *) node)->H);
}

static char *
apply_rule (MmNode *node,
            guint   index)
{
  if (index == 0)
    return g_strdup ("∂L/∂P = G · Vᵀ (per sample and head)");
  return g_strdup ("∂L/∂V = Pᵀ · G (per sample and head), ∂L/∂Q = ∂L/∂K = 0");
}

/* Cost meter: O = P V is 2·T·T·d per sample and head; backward G Vᵀ for
 * the weights and Pᵀ G for the values, 2·T·T·d each. */
static guint64
apply_flops (MmNode         *node,
             const gboolean *need)
{
  MmAttentionApply *self = (MmAttentionApply *) node;
  guint64 one = 2 * (guint64) self->B * self->H * self->T * self->T * self->d;

  if (need == NULL)
    return one;
  return (need[0] ? one : 0) + (need[1] ? one : 0);
}

static const MmNodeClass apply_class = {
  .type_name = "AttentionApply",
  .instance_size = sizeof (MmAttentionApply),
  .forward = apply_forward,
  .backward = apply_backward,
  .describe = apply_describe,
  .rule = apply_rule,
  .flops = apply_flops,
};

MmNode *
mm_attention_apply_new (MmNode  *weights,
                        MmNode  *qkv,
                        GError **error)
{
  const MmShape *p, *s;
  MmShape out;
  MmAttentionApply *self;

  g_return_val_if_fail (weights != NULL && qkv != NULL, NULL);
  p = &weights->shape;
  s = &qkv->shape;
  if (p->ndim != 4 || p->dim[2] != p->dim[3])
    {
      g_autofree char *sp = mm_shape_to_string (p);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "AttentionApply needs attention weights of shape (batch, heads, time, time), "
                   "but receives shape %s", sp);
      return NULL;
    }
  if (!check_qkv ("AttentionApply", s, p->dim[1], error))
    return NULL;
  if (s->dim[0] != p->dim[0] || s->dim[1] != p->dim[2])
    {
      g_autofree char *sp = mm_shape_to_string (p);
      g_autofree char *sq = mm_shape_to_string (s);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "AttentionApply: the weights of shape %s do not fit the values of shape %s "
                   "(batch and time must agree)", sp, sq);
      return NULL;
    }
  mm_shape_scalar (&out);
  out.ndim = 3;
  out.dim[0] = s->dim[0];
  out.dim[1] = s->dim[1];
  out.dim[2] = s->dim[2] / 3;
  self = (MmAttentionApply *) mm_node_alloc (&apply_class, &out, 2, (MmNode *[]) { weights, qkv });
  self->B = s->dim[0];
  self->T = s->dim[1];
  self->D = s->dim[2] / 3;
  self->H = p->dim[1];
  self->d = self->D / self->H;
  return &self->parent;
}

gboolean
mm_node_is_attention_apply (MmNode *node)
{
  g_return_val_if_fail (node != NULL, FALSE);
  return node->klass == &apply_class;
}
