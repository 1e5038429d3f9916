/* mm-conv.h — Conv2d(X, W[, b]): a 2-D convolution over images laid out
 * channels first, (N, C, H, W), as PyTorch does. */
#pragma once

#include "mm-node.h"

G_BEGIN_DECLS

/* How a window moves over an image, per axis (rows, columns): the step
 * between windows, the zeros (or, for max pooling, −∞) added on each side,
 * and the spacing of the window's taps. A stride or dilation of 0 means 1. */
typedef struct {
  gsize stride[2];
  gsize padding[2];
  gsize dilation[2];
} MmConv2dSettings;

/* The same stride, padding and dilation on both axes. */
void      mm_conv2d_settings_init  (MmConv2dSettings       *settings,
                                    gsize                   stride,
                                    gsize                   padding,
                                    gsize                   dilation);

/* Checks a window of @kernel taps on an axis of @in numbers and gives the
 * number of windows, ⌊(in + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1.
 * @what ("Conv2d", "MaxPool2d") and @axis ("height", "width") name the
 * culprit in the error. */
gboolean  mm_conv2d_output_size    (const char             *what,
                                    const char             *axis,
                                    gsize                   in,
                                    gsize                   kernel,
                                    gsize                   stride,
                                    gsize                   padding,
                                    gsize                   dilation,
                                    gsize                  *out,
                                    GError                **error);

/* Y[n, o, y, x] = b[o] + Σ_{c,i,j} W[o, c, i, j] · X[n, c, y·s − p + i·d, x·s − p + j·d]
 * (zeros outside X). X: (N, C, H, W); W: (O, C, kh, kw); b: (O,) or NULL;
 * Y: (N, O, OH, OW). */
MmNode   *mm_conv2d_new            (MmNode                 *x,
                                    MmNode                 *weight,
                                    MmNode                 *bias,
                                    const MmConv2dSettings *settings,
                                    GError                **error);
/* The checks of mm_conv2d_new on shapes alone (@bias may be NULL): the
 * output shape, or an error naming what does not fit. */
gboolean  mm_conv2d_infer_shape    (const MmShape          *x,
                                    const MmShape          *weight,
                                    const MmShape          *bias,
                                    const MmConv2dSettings *settings,
                                    MmShape                *out,
                                    GError                **error);
gboolean  mm_node_is_conv2d        (MmNode                 *node);
/* The settings of a Conv2d node (stride, padding and dilation ≥ 1 filled in). */
gboolean  mm_conv2d_get_settings   (MmNode                 *node,
                                    MmConv2dSettings       *settings);

G_END_DECLS
