/* mm-conv.c — Conv2d(X, W[, b]).
 *
 * A convolution is a matrix product in disguise. For one image X[n] (C×H×W),
 * lay every window the kernel visits out as a column: row (c, i, j) of the
 * column matrix, column (y, x), holds X[n, c, y·s − p + i·d, x·s − p + j·d]
 * (0 in the padding). This is im2col; with K = C·kh·kw rows and P = OH·OW
 * columns, the convolution is
 *   Y[n] (O×P) = W (O×K) · col(X[n]) (K×P)  (+ b down each row),
 * and the chain rule is the matrix rule once more:
 *   ∂L/∂W  = Σ_n G[n] · col(X[n])ᵀ          (O×P · P×K)
 *   ∂L/∂col = Wᵀ · G[n]                      (K×O · O×P)
 *   ∂L/∂X[n] = col2im(∂L/∂col): each entry of the column matrix goes back,
 *              added, to the input number it was copied from
 *   ∂L/∂b[o] = Σ_{n,y,x} G[n, o, y, x].
 *
 * Why one image at a time: the column matrix of one image (for LeNet's layers
 * 25×576 and 150×64 floats) stays in the CPU's cache between im2col and the
 * GEMM that reads it, and the product lands directly in Y's (N, O, OH, OW)
 * layout. Measured on this machine, 64 such products run at about 100
 * GFLOP/s where one product over the whole batch, with its column matrix in
 * main memory and a transpose to bring the result back to channels first,
 * reached 20–40. The forward pass keeps the columns of the whole batch for
 * the backward pass (∂L/∂W needs them again) when they take at most
 * KEEP_COLUMNS numbers, which saved a seventh of a LeNet step; larger
 * batches (evaluating a test set in one go) rebuild them instead.
 */
#include "mm-conv.h"
#include "mm-node-private.h"
#include "mm-error.h"

#include <string.h>

/* Strides, paddings and dilations beyond this are refused as absurd before
 * any arithmetic on them can overflow. */
#define MAX_SETTING ((gsize) 1 << 24)

/* 16 MiB of columns per node at most (LeNet's layers at batch 64: 3.7 and
 * 2.5 MB). */
#define KEEP_COLUMNS ((gsize) 4 << 20)

typedef struct {
  MmNode parent;
  gsize N, C, H, W;          /* input */
  gsize O, KH, KW;           /* weight */
  gsize OH, OW;              /* output */
  gsize sh, sw, ph, pw, dh, dw;
  MmTensor *columns;         /* (N, K, P) from the forward pass, or NULL */
} MmConv2d;

static void
conv2d_finalize (MmNode *node)
{
  mm_tensor_unref (((MmConv2d *) node)->columns);
}

void
mm_conv2d_settings_init (MmConv2dSettings *settings,
                         gsize             stride,
                         gsize             padding,
                         gsize             dilation)
{
  g_return_if_fail (settings != NULL);
  settings->stride[0] = settings->stride[1] = stride;
  settings->padding[0] = settings->padding[1] = padding;
  settings->dilation[0] = settings->dilation[1] = dilation;
}

gboolean
mm_conv2d_output_size (const char  *what,
                       const char  *axis,
                       gsize        in,
                       gsize        kernel,
                       gsize        stride,
                       gsize        padding,
                       gsize        dilation,
                       gsize       *out,
                       GError     **error)
{
  gsize extent, padded;

  if (stride == 0 || dilation == 0 || kernel == 0)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "%s: the kernel size, stride and dilation must be at least 1", what);
      return FALSE;
    }
  if (stride > MAX_SETTING || padding > MAX_SETTING || dilation > MAX_SETTING
      || kernel > MAX_SETTING || in > MM_MAX_ELEMENTS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "%s: a stride of %" G_GSIZE_FORMAT ", padding of %" G_GSIZE_FORMAT
                   ", dilation of %" G_GSIZE_FORMAT " or kernel of %" G_GSIZE_FORMAT
                   " along the %s is absurdly large (at most %" G_GSIZE_FORMAT ")",
                   what, stride, padding, dilation, kernel, axis, MAX_SETTING);
      return FALSE;
    }
  extent = dilation * (kernel - 1) + 1;
  padded = in + 2 * padding;
  if (extent > padded)
    {
      if (dilation > 1)
        g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                     "%s: the kernel spans %" G_GSIZE_FORMAT " numbers along the %s (%" G_GSIZE_FORMAT
                     " taps, dilation %" G_GSIZE_FORMAT "), more than the input's %" G_GSIZE_FORMAT
                     " with padding %" G_GSIZE_FORMAT " on each side (%" G_GSIZE_FORMAT ")",
                     what, extent, axis, kernel, dilation, in, padding, padded);
      else
        g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                     "%s: the kernel's %s %" G_GSIZE_FORMAT " is larger than the input's %" G_GSIZE_FORMAT
                     " with padding %" G_GSIZE_FORMAT " on each side (%" G_GSIZE_FORMAT ")",
                     what, axis, kernel, in, padding, padded);
      return FALSE;
    }
  *out = (padded - extent) / stride + 1;
  return TRUE;
}

/* The range [lo, hi) of output positions o whose tap t·d − p + o·s falls
 * inside 0 … in − 1; the others read padding. */
static inline void
valid_range (gsize  in,
             gsize  out,
             gsize  s,
             gsize  p,
             gsize  tap,
             gsize *lo,
             gsize *hi)
{
  gssize off = (gssize) tap - (gssize) p;     /* input index at o = 0 */
  gssize l, h;

  /* o·s + off ≥ 0  ⇔  o ≥ ⌈−off / s⌉ */
  l = off >= 0 ? 0 : (gssize) ((-off + (gssize) s - 1) / (gssize) s);
  /* o·s + off ≤ in − 1  ⇔  o ≤ ⌊(in − 1 − off) / s⌋ */
  if ((gssize) in - 1 - off < 0)
    h = 0;
  else
    h = ((gssize) in - 1 - off) / (gssize) s + 1;
  l = MIN (l, (gssize) out);
  h = CLAMP (h, l, (gssize) out);
  *lo = (gsize) l;
  *hi = (gsize) h;
}

/* col[(c·KH + i)·KW + j][y·OW + x] = X[c, y·sh − ph + i·dh, x·sw − pw + j·dw]. */
static gboolean
is_dense (const MmConv2d *g)
{
  return g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0 && g->dh == 1 && g->dw == 1;
}

/* im2col for stride 1 without padding or dilation (LeNet's layers): every
 * window lies inside the image, so each row of the column matrix is OH
 * plain copies of OW numbers. The rows are short, so no calls per row. */
#if defined(__GNUC__) && !defined(__clang__)
/* GCC would turn each row's copy into a call to memcpy, which costs more
 * than the copy for rows this short. */
__attribute__ ((optimize ("no-tree-loop-distribute-patterns")))
#endif
static void
im2col_dense (const MmConv2d *g,
              const float    *restrict x,
              float          *restrict col)
{
  const gsize OH = g->OH, OW = g->OW, W = g->W, P = OH * OW;

  for (gsize c = 0; c < g->C; c++)
    for (gsize i = 0; i < g->KH; i++)
      for (gsize j = 0; j < g->KW; j++)
        {
          const float *restrict src = x + (c * g->H + i) * W + j;
          float *restrict dst = col + ((c * g->KH + i) * g->KW + j) * P;

          for (gsize y = 0; y < OH; y++)
            for (gsize k = 0; k < OW; k++)
              dst[y * OW + k] = src[y * W + k];
        }
}

static void
im2col (const MmConv2d *g,
        const float    *x,
        float          *col)
{
  const gsize P = g->OH * g->OW;

  if (is_dense (g))
    {
      im2col_dense (g, x, col);
      return;
    }

  for (gsize c = 0; c < g->C; c++)
    for (gsize i = 0; i < g->KH; i++)
      {
        gsize ylo, yhi;

        valid_range (g->H, g->OH, g->sh, g->ph, i * g->dh, &ylo, &yhi);
        for (gsize j = 0; j < g->KW; j++)
          {
            float *row = col + ((c * g->KH + i) * g->KW + j) * P;
            gsize xlo, xhi;

            valid_range (g->W, g->OW, g->sw, g->pw, j * g->dw, &xlo, &xhi);
            if (ylo > 0)
              memset (row, 0, ylo * g->OW * sizeof (float));
            for (gsize y = ylo; y < yhi; y++)
              {
                /* X's row y·sh − ph + i·dh; output x reads its column x·sw − pw + j·dw,
                 * inside the row for x in [xlo, xhi). */
                const float *src = x + (c * g->H + (y * g->sh + i * g->dh - g->ph)) * g->W;
                const gssize off = (gssize) (j * g->dw) - (gssize) g->pw;
                float *dst = row + y * g->OW;

                for (gsize k = 0; k < xlo; k++)
                  dst[k] = 0.0f;
                if (g->sw == 1)
                  {
                    /* A loop, not memcpy: the rows are short (LeNet: 24 and
                     * 8 numbers), and a call per row cost more than the copy. */
                    const float *s1 = src + (gssize) xlo + off;
                    for (gsize k = 0; k < xhi - xlo; k++)
                      dst[xlo + k] = s1[k];
                  }
                else
                  for (gsize k = xlo; k < xhi; k++)
                    dst[k] = src[(gssize) (k * g->sw) + off];
                for (gsize k = xhi; k < g->OW; k++)
                  dst[k] = 0.0f;
              }
            if (yhi < g->OH)
              memset (row + yhi * g->OW, 0, (g->OH - yhi) * g->OW * sizeof (float));
          }
      }
}

/* The adjoint of im2col: dx[c, iy, ix] += dcol[row][y·OW + x] for every
 * entry that im2col copied from (c, iy, ix). @dx must start at zero. */
static void
col2im (const MmConv2d *g,
        const float    *dcol,
        float          *dx)
{
  const gsize P = g->OH * g->OW;

  if (is_dense (g))
    {
      const gsize OH = g->OH, OW = g->OW, W = g->W;
      for (gsize c = 0; c < g->C; c++)
        for (gsize i = 0; i < g->KH; i++)
          for (gsize j = 0; j < g->KW; j++)
            {
              const float *restrict src = dcol + ((c * g->KH + i) * g->KW + j) * P;
              float *restrict dst = dx + (c * g->H + i) * W + j;

              for (gsize y = 0; y < OH; y++)
                for (gsize k = 0; k < OW; k++)
                  dst[y * W + k] += src[y * OW + k];
            }
      return;
    }

  for (gsize c = 0; c < g->C; c++)
    for (gsize i = 0; i < g->KH; i++)
      {
        gsize ylo, yhi;

        valid_range (g->H, g->OH, g->sh, g->ph, i * g->dh, &ylo, &yhi);
        for (gsize j = 0; j < g->KW; j++)
          {
            const float *row = dcol + ((c * g->KH + i) * g->KW + j) * P;
            gsize xlo, xhi;

            valid_range (g->W, g->OW, g->sw, g->pw, j * g->dw, &xlo, &xhi);
            for (gsize y = ylo; y < yhi; y++)
              {
                float *dst = dx + (c * g->H + (y * g->sh + i * g->dh - g->ph)) * g->W;
                const gssize off = (gssize) (j * g->dw) - (gssize) g->pw;
                const float *src = row + y * g->OW;

                if (g->sw == 1)
                  {
                    float *d = dst + (gssize) xlo + off;
                    for (gsize k = xlo; k < xhi; k++)
                      d[k - xlo] += src[k];
                  }
                else
                  for (gsize k = xlo; k < xhi; k++)
                    dst[(gssize) (k * g->sw) + off] += src[k];
              }
          }
      }
}

/* Σ x[0 … n) in sixteen independent float lanes, which vectorise (one
 * serial chain of additions would wait on each add's latency); each lane
 * sums n/16 numbers, fewer than a GEMM's float dot products do, and the
 * lanes and rows are then added in double. */
static double
sum_row (const float *x,
         gsize        n)
{
  float lane[16] = { 0 };
  double total = 0.0;
  gsize i = 0;

  for (; i + 16 <= n; i += 16)
    for (guint j = 0; j < 16; j++)
      lane[j] += x[i + j];
  for (; i < n; i++)
    total += x[i];
  for (guint j = 0; j < 16; j++)
    total += lane[j];
  return total;
}

/* A 1×1 kernel with stride 1 and no padding reads the image as it is: its
 * column matrix is the image itself. */
static gboolean
is_pointwise (const MmConv2d *g)
{
  return g->KH == 1 && g->KW == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0;
}

static MmTensor *
conv2d_forward (MmNode *node)
{
  MmConv2d *g = (MmConv2d *) node;
  MmTensor *out = mm_tensor_new_uninit (&node->shape);
  const float *x = mm_node_input_data (node, 0);
  const float *w = mm_node_input_data (node, 1);
  const float *b = node->n_inputs > 2 ? mm_node_input_data (node, 2) : NULL;
  const gsize K = g->C * g->KH * g->KW, P = g->OH * g->OW;
  const gboolean pointwise = is_pointwise (g);
  float *col = NULL;

  g_clear_pointer (&g->columns, mm_tensor_unref);
  if (!pointwise && g->N * K * P <= KEEP_COLUMNS)
    {
      MmShape cs;
      mm_shape_init (&cs, 3, (gsize[]) { g->N, K, P }, NULL);
      g->columns = mm_tensor_new_uninit (&cs);
    }
  else if (!pointwise)
    col = g_new (float, MAX (K * P, 1));

  for (gsize n = 0; n < g->N; n++)
    {
      const float *xn = x + n * g->C * g->H * g->W;
      float *yn = out->data + n * g->O * P;

      if (g->columns != NULL)
        col = g->columns->data + n * K * P;
      if (!pointwise)
        im2col (g, xn, col);
      mm_kernel_gemm (FALSE, FALSE, g->O, P, K, w, pointwise ? xn : col, yn);
      if (b != NULL)
        for (gsize o = 0; o < g->O; o++)
          {
            float *row = yn + o * P;
            const float bo = b[o];
            for (gsize q = 0; q < P; q++)
              row[q] += bo;
          }
    }
  if (g->columns == NULL)
    g_free (col);
  return out;
}

static void
conv2d_backward (MmNode          *node,
                 const MmTensor  *grad,
                 const gboolean  *need,
                 MmTensor       **grads)
{
  MmConv2d *g = (MmConv2d *) node;
  const float *x = mm_node_input_data (node, 0);
  const float *w = mm_node_input_data (node, 1);
  const gsize K = g->C * g->KH * g->KW, P = g->OH * g->OW, in_size = g->C * g->H * g->W;
  const gboolean pointwise = is_pointwise (g);
  float *col = NULL, *dcol = NULL;
  float *dx = NULL, *dw = NULL, *dwt = NULL;

  if (need[0])
    {
      grads[0] = mm_tensor_new_uninit (&node->inputs[0]->shape);
      dx = grads[0]->data;
      if (!pointwise)
        {
          memset (dx, 0, grads[0]->size * sizeof (float));
          dcol = g_new (float, MAX (K * P, 1));
        }
    }
  if (need[1])
    {
      grads[1] = mm_tensor_new_uninit (&node->inputs[1]->shape);
      dw = grads[1]->data;
      dwt = g_new0 (float, MAX (K * g->O, 1));
      if (!pointwise && g->columns == NULL)
        col = g_new (float, MAX (K * P, 1));
    }

  for (gsize n = 0; n < g->N; n++)
    {
      const float *xn = x + n * in_size;
      const float *gn = grad->data + n * g->O * P;

      if (dw != NULL)
        {
          const float *cn = pointwise ? xn : g->columns ? g->columns->data + n * K * P : col;
          if (!pointwise && g->columns == NULL)
            im2col (g, xn, col);
          /* ∂L/∂W += G[n] · col(X[n])ᵀ, computed as its transpose
           * col(X[n]) · G[n]ᵀ (K×O): OpenBLAS runs the product with the
           * longer side first about a quarter faster (LeNet's second layer). */
          mm_kernel_gemm_acc (FALSE, TRUE, K, g->O, P, cn, gn, n > 0, dwt);
        }
      if (dx != NULL)
        {
          /* ∂L/∂col = Wᵀ · G[n], then back to the image. */
          if (pointwise)
            mm_kernel_gemm (TRUE, FALSE, K, P, g->O, w, gn, dx + n * in_size);
          else
            {
              mm_kernel_gemm (TRUE, FALSE, K, P, g->O, w, gn, dcol);
              col2im (g, dcol, dx + n * in_size);
            }
        }
    }

  if (dw != NULL)
    for (gsize o = 0; o < g->O; o++)
      for (gsize k = 0; k < K; k++)
        dw[o * K + k] = dwt[k * g->O + o];
  g_free (dwt);

  if (node->n_inputs > 2 && need[2])
    {
      MmTensor *db = mm_tensor_new_uninit (&node->inputs[2]->shape);

      /* Summed in double: a bias collects N·OH·OW terms. */
      for (gsize o = 0; o < g->O; o++)
        {
          double acc = 0.0;
          for (gsize n = 0; n < g->N; n++)
            acc += sum_row (grad->data + (n * g->O + o) * P, P);
          db->data[o] = (float) acc;
        }
      grads[2] = db;
    }
  g_free (col);
  g_free (dcol);
}

static char *
conv2d_describe (MmNode *node)
{
  MmConv2d *g = (MmConv2d *) node;
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "Conv2d %" G_GSIZE_FORMAT "→%" G_GSIZE_FORMAT " channels, %"
                          G_GSIZE_FORMAT "×%" G_GSIZE_FORMAT, g->C, g->O, g->KH, g->KW);
  if (g->sh != 1 || g->sw != 1)
    g_string_append_printf (s, g->sh == g->sw ? " stride %" G_GSIZE_FORMAT : " stride %" G_GSIZE_FORMAT
                            "×%" G_GSIZE_FORMAT, g->sh, g->sw);
  if (g->ph != 0 || g->pw != 0)
    g_string_append_printf (s, g->ph == g->pw ? " padding %" G_GSIZE_FORMAT : " padding %" G_GSIZE_FORMAT
                            "×%" G_GSIZE_FORMAT, g->ph, g->pw);
  if (g->dh != 1 || g->dw != 1)
    g_string_append_printf (s, g->dh == g->dw ? " dilation %" G_GSIZE_FORMAT : " dilation %" G_GSIZE_FORMAT
                            "×%" G_GSIZE_FORMAT, g->dh, g->dw);
  return g_string_free (s, FALSE);
}

static char *
conv2d_rule (MmNode *node,
             guint   index)
{
  switch (index)
    {
    case 0:
      return g_strdup ("∂L/∂X = col2im(Wᵀ · G): every output number sends G·W back to the input "
                       "numbers of the window it was computed from (their sum where windows overlap)");
    case 1:
      return g_strdup ("∂L/∂W[o,c,i,j] = Σ_{n,y,x} G[n,o,y,x] · X[n, c, y·s−p+i·d, x·s−p+j·d]  "
                       "(G · im2col(X)ᵀ, summed over the batch)");
    default:
      return g_strdup ("∂L/∂b[o] = Σ_{n,y,x} G[n,o,y,x]  (G summed over the batch and every position)");
    }
}

/* Cost meter: every output number (N·O·OH·OW of them) is a dot product of
 * C·KH·KW weights with as many inputs, 2·C·KH·KW operations, plus one for the
 * bias. Backward: the same 2·N·O·OH·OW·C·KH·KW for ∂L/∂X and again for ∂L/∂W
 * (each a matrix product of that size), and N·O·OH·OW additions for ∂L/∂b. */
static guint64
conv2d_flops (MmNode         *node,
              const gboolean *need)
{
  MmConv2d *self = (MmConv2d *) node;
  guint64 outs = (guint64) self->N * self->O * self->OH * self->OW;
  guint64 macs = 2 * outs * self->C * self->KH * self->KW;
  gboolean bias = node->n_inputs > 2;

  if (need == NULL)
    return macs + (bias ? outs : 0);
  return (need[0] ? macs : 0) + (need[1] ? macs : 0) + (bias && need[2] ? outs : 0);
}

static const MmNodeClass conv2d_class = {
  .type_name = "Conv2d",
  .instance_size = sizeof (MmConv2d),
  .forward = conv2d_forward,
  .backward = conv2d_backward,
  .describe = conv2d_describe,
  .rule = conv2d_rule,
  .finalize = conv2d_finalize,
  .flops = conv2d_flops,
};

/* Settings with stride and dilation 0 read as 1. */
static MmConv2dSettings
normalise_settings (const MmConv2dSettings *settings)
{
  MmConv2dSettings st = { { 1, 1 }, { 0, 0 }, { 1, 1 } };

  if (settings != NULL)
    st = *settings;
  for (guint a = 0; a < 2; a++)
    {
      st.stride[a] = MAX (st.stride[a], 1);
      st.dilation[a] = MAX (st.dilation[a], 1);
    }
  return st;
}

gboolean
mm_conv2d_infer_shape (const MmShape          *sx,
                       const MmShape          *sw,
                       const MmShape          *sb,
                       const MmConv2dSettings *settings,
                       MmShape                *out,
                       GError                **error)
{
  MmConv2dSettings st = normalise_settings (settings);
  gsize oh, ow;

  g_return_val_if_fail (sx != NULL && sw != NULL && out != NULL, FALSE);

  if (sx->ndim != 4)
    {
      g_autofree char *s = mm_shape_to_string (sx);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "Conv2d needs images of shape (batch, channels, height, width), but receives shape %s%s",
                   s, sx->ndim < 4 ? " (a Reshape layer can add the channel axis: Reshape(1, 28, 28))" : "");
      return FALSE;
    }
  if (sw->ndim != 4 || sw->dim[1] != sx->dim[1])
    {
      g_autofree char *s1 = mm_shape_to_string (sx);
      g_autofree char *s2 = mm_shape_to_string (sw);
      if (sw->ndim != 4)
        g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                     "Conv2d needs a weight of shape (out channels, in channels, kernel height, kernel width), "
                     "not %s", s2);
      else
        g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                     "Conv2d expects %" G_GSIZE_FORMAT " input channels (axis 1), but receives shape %s "
                     "with %" G_GSIZE_FORMAT, sw->dim[1], s1, sx->dim[1]);
      return FALSE;
    }
  if (sb != NULL && (sb->ndim != 1 || sb->dim[0] != sw->dim[0]))
    {
      g_autofree char *s1 = mm_shape_to_string (sb);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "Conv2d: the bias must have one number per output channel, shape (%" G_GSIZE_FORMAT
                   ",), not %s", sw->dim[0], s1);
      return FALSE;
    }
  for (guint a = 0; a < 2; a++)
    {
      gsize k = sw->dim[2 + a];
      /* Padding beyond the kernel's reach would give windows that see
       * nothing but zeros: refuse it rather than compute a border of biases. */
      if (k > 0 && st.dilation[a] <= MAX_SETTING && st.padding[a] > st.dilation[a] * (k - 1))
        {
          g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                       "Conv2d: padding %" G_GSIZE_FORMAT " along the %s is more than the kernel reaches "
                       "(%" G_GSIZE_FORMAT "): some windows would see only padding",
                       st.padding[a], a == 0 ? "height" : "width", st.dilation[a] * (k - 1));
          return FALSE;
        }
    }
  if (!mm_conv2d_output_size ("Conv2d", "height", sx->dim[2], sw->dim[2], st.stride[0], st.padding[0],
                              st.dilation[0], &oh, error)
      || !mm_conv2d_output_size ("Conv2d", "width", sx->dim[3], sw->dim[3], st.stride[1], st.padding[1],
                                 st.dilation[1], &ow, error))
    return FALSE;

  mm_shape_scalar (out);
  out->ndim = 4;
  out->dim[0] = sx->dim[0];
  out->dim[1] = sw->dim[0];
  out->dim[2] = oh;
  out->dim[3] = ow;
  if (!mm_shape_validate (out, error))
    return FALSE;
  /* One image's column matrix must also fit (and index with an int in BLAS). */
  if (oh * ow > MM_MAX_ELEMENTS / MAX (sw->dim[1] * sw->dim[2] * sw->dim[3], 1))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                   "Conv2d: the unfolded windows of one image would have more than %" G_GSIZE_FORMAT " numbers",
                   (gsize) MM_MAX_ELEMENTS);
      return FALSE;
    }
  return TRUE;
}

MmNode *
mm_conv2d_new (MmNode                 *x,
               MmNode                 *weight,
               MmNode                 *bias,
               const MmConv2dSettings *settings,
               GError                **error)
{
  const MmShape *sx, *sw;
  MmConv2dSettings st = normalise_settings (settings);
  MmConv2d *self;
  MmShape out;

  g_return_val_if_fail (x != NULL && weight != NULL, NULL);
  sx = &x->shape;
  sw = &weight->shape;
  if (!mm_conv2d_infer_shape (sx, sw, bias ? &bias->shape : NULL, &st, &out, error))
    return NULL;

  self = (MmConv2d *) mm_node_alloc (&conv2d_class, &out, bias ? 3 : 2,
                                     (MmNode *[]) { x, weight, bias });
  self->N = sx->dim[0];
  self->C = sx->dim[1];
  self->H = sx->dim[2];
  self->W = sx->dim[3];
  self->O = sw->dim[0];
  self->KH = sw->dim[2];
  self->KW = sw->dim[3];
  self->OH = out.dim[2];
  self->OW = out.dim[3];
  self->sh = st.stride[0];
  self->sw = st.stride[1];
  self->ph = st.padding[0];
  self->pw = st.padding[1];
  self->dh = st.dilation[0];
  self->dw = st.dilation[1];
  return &self->parent;
}

gboolean
mm_node_is_conv2d (MmNode *node)
{
  g_return_val_if_fail (node != NULL, FALSE);
  return node->klass == &conv2d_class;
}

gboolean
mm_conv2d_get_settings (MmNode           *node,
                        MmConv2dSettings *settings)
{
  MmConv2d *g = (MmConv2d *) node;

  g_return_val_if_fail (node != NULL && settings != NULL, FALSE);
  if (node->klass != &conv2d_class)
    return FALSE;
  settings->stride[0] = g->sh;
  settings->stride[1] = g->sw;
  settings->padding[0] = g->ph;
  settings->padding[1] = g->pw;
  settings->dilation[0] = g->dh;
  settings->dilation[1] = g->dw;
  return TRUE;
}
