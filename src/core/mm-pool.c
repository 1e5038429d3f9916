/* mm-pool.c — MaxPool2d(X) and AvgPool2d(X).
 *
 * Both slide a kh×kw window over each channel of each image, like Conv2d but
 * without weights and without mixing channels.
 *
 * MaxPool2d keeps the largest number of each window. Only that number
 * influences the output, so the whole gradient G of the output goes to it
 * and the other numbers of the window get 0; when two numbers tie, the first
 * in reading order is the maximum (PyTorch's rule), and a number that is the
 * maximum of several overlapping windows collects the sum of their G. The
 * forward pass remembers where each maximum was, so the backward pass only
 * routes.
 *
 * AvgPool2d takes the mean of each window, dividing by kh·kw even where the
 * window overlaps the padding (PyTorch's default). Each number of a window
 * contributed 1/(kh·kw) of the output, so it receives G/(kh·kw).
 */
#include "mm-pool.h"
#include "mm-node-private.h"
#include "mm-error.h"

#include <math.h>
#include <string.h>

/* Unsigned arithmetic below: y0 = oy·s − p wraps around when the window
 * starts in the padding, and adding the first valid tap's offset wraps it back
 * to the true (non-negative) index. */

/* The argmax of a window with no real number (cannot happen with the padding
 * limit, but the backward pass must never write outside the plane). */
#define NO_INDEX ((gsize) G_MAXUINT32)

typedef struct {
  MmNode parent;
  gboolean max;
  gsize N, C, H, W, OH, OW;
  gsize kh, kw, sh, sw, ph, pw, dh, dw;
  guint32 *argmax;           /* MaxPool2d: per output, the index in its H×W plane */
} MmPool2d;

static void
pool_finalize (MmNode *node)
{
  g_free (((MmPool2d *) node)->argmax);
}

/* The taps i of an axis whose input index o·s − p + i·d lies in [0, in). */
static inline void
tap_range (gsize  o,
           gsize  s,
           gsize  p,
           gsize  d,
           gsize  k,
           gsize  in,
           gsize *lo,
           gsize *hi)
{
  gssize start = (gssize) (o * s) - (gssize) p;
  gssize l = 0, h = (gssize) k;

  if (start < 0)
    l = (-start + (gssize) d - 1) / (gssize) d;
  /* start + i·d ≤ in − 1  ⇔  i ≤ (in − 1 − start) / d */
  h = MIN (h, ((gssize) in - 1 - start) / (gssize) d + 1);
  *lo = (gsize) MIN (l, (gssize) k);
  *hi = (gsize) MAX (h, (gssize) *lo);
}

/* Max of a 2×2 window with stride 2 and no padding, the common case (LeNet,
 * VGG …). The same comparisons as the general loop, but as selects instead
 * of branches: which number of a window wins is random, so branches would be
 * mispredicted half the time, and selects let the loop vectorise. */
static void
max_pool_2x2 (const MmPool2d *g,
              const float    *xp,
              float          *yp,
              guint32        *ap)
{
  const gsize OW = g->OW, W = g->W;

  for (gsize oy = 0; oy < g->OH; oy++)
    {
      const guint32 r0 = (guint32) (2 * oy * W), r1 = r0 + (guint32) W;
      const float *restrict x0 = xp + r0;
      const float *restrict x1 = xp + r1;
      float *restrict y = yp + oy * OW;
      guint32 *restrict a = ap + oy * OW;

      for (gsize ox = 0; ox < OW; ox++)
        {
          const float p = x0[2 * ox], q = x0[2 * ox + 1], r = x1[2 * ox], t = x1[2 * ox + 1];
          const guint32 c = (guint32) (2 * ox);
          float m = p;
          guint32 best = r0 + c;
          gboolean take;

          take = (q > m) | (q != q);
          m = take ? q : m;
          best = take ? r0 + c + 1 : best;
          take = (r > m) | (r != r);
          m = take ? r : m;
          best = take ? r1 + c : best;
          take = (t > m) | (t != t);
          m = take ? t : m;
          best = take ? r1 + c + 1 : best;
          y[ox] = m;
          a[ox] = best;
        }
    }
}

static MmTensor *
pool_forward (MmNode *node)
{
  MmPool2d *g = (MmPool2d *) node;
  MmTensor *out = mm_tensor_new_uninit (&node->shape);
  const float *x = mm_node_input_data (node, 0);
  const gsize plane = g->H * g->W, oplane = g->OH * g->OW;
  const float inv = 1.0f / (float) (g->kh * g->kw);
  const gboolean two_by_two = g->kh == 2 && g->kw == 2 && g->sh == 2 && g->sw == 2
                              && g->ph == 0 && g->pw == 0 && g->dh == 1 && g->dw == 1;
  /* The valid taps of each window row and column, worked out once. */
  g_autofree gsize *yr = g_new (gsize, 2 * MAX (g->OH, 1));
  g_autofree gsize *xr = g_new (gsize, 2 * MAX (g->OW, 1));

  if (g->max && g->argmax == NULL)
    g->argmax = g_new (guint32, MAX (out->size, 1));
  for (gsize oy = 0; oy < g->OH; oy++)
    tap_range (oy, g->sh, g->ph, g->dh, g->kh, g->H, &yr[2 * oy], &yr[2 * oy + 1]);
  for (gsize ox = 0; ox < g->OW; ox++)
    tap_range (ox, g->sw, g->pw, g->dw, g->kw, g->W, &xr[2 * ox], &xr[2 * ox + 1]);

  for (gsize nc = 0; nc < g->N * g->C; nc++)
    {
      const float *xp = x + nc * plane;
      float *yp = out->data + nc * oplane;
      guint32 *ap = g->max ? g->argmax + nc * oplane : NULL;

      if (g->max && two_by_two)
        {
          max_pool_2x2 (g, xp, yp, ap);
          continue;
        }
      for (gsize oy = 0; oy < g->OH; oy++)
        {
          const gsize ilo = yr[2 * oy], ihi = yr[2 * oy + 1];
          const gsize y0 = oy * g->sh - g->ph; /* wraps in the padding; the tap offset undoes it */

          for (gsize ox = 0; ox < g->OW; ox++)
            {
              const gsize jlo = xr[2 * ox], jhi = xr[2 * ox + 1];
              const gsize x0 = ox * g->sw - g->pw;

              if (g->max)
                {
                  /* As PyTorch: start from −∞ at the window's first real
                   * number, replace only on a strictly larger value (the
                   * first maximum wins a tie) or a NaN (it propagates). */
                  float m = -INFINITY;
                  gsize best = NO_INDEX;

                  for (gsize i = ilo; i < ihi; i++)
                    {
                      const gsize row = (y0 + i * g->dh) * g->W + x0;
                      for (gsize j = jlo; j < jhi; j++)
                        {
                          const gsize at = row + j * g->dw;
                          const float v = xp[at];
                          if (v > m || isnan (v))
                            {
                              m = v;
                              best = at;
                            }
                        }
                    }
                  if (best == NO_INDEX && ilo < ihi && jlo < jhi)
                    best = (y0 + ilo * g->dh) * g->W + x0 + jlo * g->dw; /* all −∞ */
                  yp[oy * g->OW + ox] = m;
                  ap[oy * g->OW + ox] = (guint32) best;
                }
              else
                {
                  float sum = 0.0f;
                  for (gsize i = ilo; i < ihi; i++)
                    {
                      const gsize row = (y0 + i * g->dh) * g->W + x0;
                      for (gsize j = jlo; j < jhi; j++)
                        sum += xp[row + j];
                    }
                  yp[oy * g->OW + ox] = sum * inv;
                }
            }
        }
    }
  return out;
}

static void
pool_backward (MmNode          *node,
               const MmTensor  *grad,
               const gboolean  *need,
               MmTensor       **grads)
{
  MmPool2d *g = (MmPool2d *) node;
  const gsize plane = g->H * g->W, oplane = g->OH * g->OW;
  const float inv = 1.0f / (float) (g->kh * g->kw);
  MmTensor *dx;

  if (!need[0])
    return;
  dx = mm_tensor_new_uninit (&node->inputs[0]->shape);
  memset (dx->data, 0, dx->size * sizeof (float));
  for (gsize nc = 0; nc < g->N * g->C; nc++)
    {
      float *dp = dx->data + nc * plane;
      const float *gp = grad->data + nc * oplane;

      if (g->max)
        {
          const guint32 *ap = g->argmax + nc * oplane;
          for (gsize q = 0; q < oplane; q++)
            if (ap[q] != NO_INDEX)
              dp[ap[q]] += gp[q];
          continue;
        }
      for (gsize oy = 0; oy < g->OH; oy++)
        {
          gsize ilo, ihi;

          tap_range (oy, g->sh, g->ph, g->dh, g->kh, g->H, &ilo, &ihi);
          for (gsize ox = 0; ox < g->OW; ox++)
            {
              gsize jlo, jhi;
              const gsize y0 = oy * g->sh - g->ph, x0 = ox * g->sw - g->pw;
              const float share = gp[oy * g->OW + ox] * inv;

              tap_range (ox, g->sw, g->pw, g->dw, g->kw, g->W, &jlo, &jhi);
              for (gsize i = ilo; i < ihi; i++)
                {
                  const gsize row = (y0 + i * g->dh) * g->W + x0;
                  for (gsize j = jlo; j < jhi; j++)
                    dp[row + j] += share;
                }
            }
        }
    }
  grads[0] = dx;
}

static char *
pool_describe (MmNode *node)
{
  MmPool2d *g = (MmPool2d *) node;
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%s %" G_GSIZE_FORMAT "×%" G_GSIZE_FORMAT, g->max ? "MaxPool2d" : "AvgPool2d",
                          g->kh, g->kw);
  if (g->sh != g->kh || g->sw != g->kw)
    g_string_append_printf (s, " stride %" G_GSIZE_FORMAT "×%" G_GSIZE_FORMAT, g->sh, g->sw);
  if (g->ph != 0 || g->pw != 0)
    g_string_append_printf (s, " padding %" G_GSIZE_FORMAT "×%" G_GSIZE_FORMAT, g->ph, g->pw);
  if (g->dh != 1 || g->dw != 1)
    g_string_append_printf (s, " dilation %" G_GSIZE_FORMAT "×%" G_GSIZE_FORMAT, g->dh, g->dw);
  return g_string_free (s, FALSE);
}

static char *
pool_rule (MmNode *node,
           guint   index)
{
  MmPool2d *g = (MmPool2d *) node;

  if (g->max)
    return g_strdup ("∂L/∂X = G routed to the maximum of each window (the first one on a tie), "
                     "0 for the other numbers; overlapping windows add up");
  return g_strdup_printf ("∂L/∂X = G / %" G_GSIZE_FORMAT " to every number of each %" G_GSIZE_FORMAT "×%"
                          G_GSIZE_FORMAT " window (padding included in the count); overlapping windows add up",
                          g->kh * g->kw, g->kh, g->kw);
}

/* Cost meter: forward one comparison or addition per window tap,
 * N·C·OH·OW·kh·kw (AvgPool's division is folded into its last addition).
 * Backward: MaxPool routes G to one input per window, N·C·OH·OW additions;
 * AvgPool spreads G/k² over the window, N·C·OH·OW·kh·kw. */
static guint64
pool_flops (MmNode         *node,
            const gboolean *need)
{
  MmPool2d *self = (MmPool2d *) node;
  guint64 outs = (guint64) self->N * self->C * self->OH * self->OW;

  if (need == NULL)
    return outs * self->kh * self->kw;
  if (!need[0])
    return 0;
  return self->max ? outs : outs * self->kh * self->kw;
}

static const MmNodeClass max_pool_class = {
  .type_name = "MaxPool2d",
  .instance_size = sizeof (MmPool2d),
  .forward = pool_forward,
  .backward = pool_backward,
  .describe = pool_describe,
  .rule = pool_rule,
  .finalize = pool_finalize,
  .flops = pool_flops,
};

static const MmNodeClass avg_pool_class = {
  .type_name = "AvgPool2d",
  .instance_size = sizeof (MmPool2d),
  .forward = pool_forward,
  .backward = pool_backward,
  .describe = pool_describe,
  .rule = pool_rule,
  .finalize = pool_finalize,
  .flops = pool_flops,
};

gboolean
mm_pool2d_infer_shape (gboolean                max,
                       const MmShape          *sx,
                       gsize                   kh,
                       gsize                   kw,
                       const MmConv2dSettings *settings,
                       MmConv2dSettings       *used,
                       MmShape                *out,
                       GError                **error)
{
  const char *what = max ? "MaxPool2d" : "AvgPool2d";
  MmConv2dSettings st = { { 0, 0 }, { 0, 0 }, { 1, 1 } };
  gsize k[2] = { kh, kw }, o[2];

  g_return_val_if_fail (sx != NULL && out != NULL, FALSE);
  if (settings != NULL)
    st = *settings;
  if (sx->ndim != 4)
    {
      g_autofree char *s = mm_shape_to_string (sx);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "%s needs images of shape (batch, channels, height, width), but receives shape %s", what, s);
      return FALSE;
    }
  for (guint a = 0; a < 2; a++)
    {
      const char *axis = a == 0 ? "height" : "width";

      if (k[a] == 0)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, "%s: the kernel size must be at least 1", what);
          return FALSE;
        }
      if (st.stride[a] == 0)
        st.stride[a] = k[a];
      st.dilation[a] = MAX (st.dilation[a], 1);
      if (!max && st.dilation[a] != 1)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, "AvgPool2d has no dilation");
          return FALSE;
        }
      /* PyTorch's limit: a window must always hold at least one real number. */
      if (st.padding[a] > k[a] / 2)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                       "%s: padding %" G_GSIZE_FORMAT " along the %s is more than half the kernel size %"
                       G_GSIZE_FORMAT, what, st.padding[a], axis, k[a]);
          return FALSE;
        }
      if (!mm_conv2d_output_size (what, axis, sx->dim[2 + a], k[a], st.stride[a], st.padding[a],
                                  st.dilation[a], &o[a], error))
        return FALSE;
    }
  if (sx->dim[2] * sx->dim[3] >= G_MAXUINT32)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE, "%s: images of more than 2³² pixels", what);
      return FALSE;
    }
  *out = *sx;
  out->dim[2] = o[0];
  out->dim[3] = o[1];
  if (used != NULL)
    *used = st;
  return TRUE;
}

static MmNode *
pool_new (gboolean                max,
          MmNode                 *x,
          gsize                   kh,
          gsize                   kw,
          const MmConv2dSettings *settings,
          GError                **error)
{
  const MmShape *sx = &x->shape;
  MmConv2dSettings st;
  MmPool2d *self;
  MmShape out;

  if (!mm_pool2d_infer_shape (max, sx, kh, kw, settings, &st, &out, error))
    return NULL;

  self = (MmPool2d *) mm_node_alloc (max ? &max_pool_class : &avg_pool_class, &out, 1, &x);
  self->max = max;
  self->N = sx->dim[0];
  self->C = sx->dim[1];
  self->H = sx->dim[2];
  self->W = sx->dim[3];
  self->OH = out.dim[2];
  self->OW = out.dim[3];
  self->kh = kh;
  self->kw = kw;
  self->sh = st.stride[0];
  self->sw = st.stride[1];
  self->ph = st.padding[0];
  self->pw = st.padding[1];
  self->dh = st.dilation[0];
  self->dw = st.dilation[1];
  return &self->parent;
}

MmNode *
mm_max_pool2d_new (MmNode                 *x,
                   gsize                   kernel_h,
                   gsize                   kernel_w,
                   const MmConv2dSettings *settings,
                   GError                **error)
{
  g_return_val_if_fail (x != NULL, NULL);
  return pool_new (TRUE, x, kernel_h, kernel_w, settings, error);
}

MmNode *
mm_avg_pool2d_new (MmNode                 *x,
                   gsize                   kernel_h,
                   gsize                   kernel_w,
                   const MmConv2dSettings *settings,
                   GError                **error)
{
  g_return_val_if_fail (x != NULL, NULL);
  return pool_new (FALSE, x, kernel_h, kernel_w, settings, error);
}

gboolean
mm_node_is_pool2d (MmNode *node)
{
  g_return_val_if_fail (node != NULL, FALSE);
  return node->klass == &max_pool_class || node->klass == &avg_pool_class;
}
