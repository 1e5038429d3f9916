/* mm-pool.h — MaxPool2d and AvgPool2d over images laid out channels first,
 * (N, C, H, W), as PyTorch does. */
#pragma once

#include "mm-node.h"
#include "mm-conv.h"

G_BEGIN_DECLS

/* Each output number is the largest of a kh×kw window of its channel
 * (padding counts as −∞, so it never wins). A stride of 0 means the kernel
 * size (PyTorch's default); padding may be at most half the kernel. */
MmNode   *mm_max_pool2d_new         (MmNode                 *x,
                                     gsize                   kernel_h,
                                     gsize                   kernel_w,
                                     const MmConv2dSettings *settings,
                                     GError                **error);
/* Each output number is the mean of a kh×kw window, the padding's zeros
 * included in the count (PyTorch's count_include_pad = True). No dilation. */
MmNode   *mm_avg_pool2d_new         (MmNode                 *x,
                                     gsize                   kernel_h,
                                     gsize                   kernel_w,
                                     const MmConv2dSettings *settings,
                                     GError                **error);
/* The checks of the two on shapes alone: the output shape and the settings
 * as used (@used may be NULL), or an error naming what does not fit. */
gboolean  mm_pool2d_infer_shape     (gboolean                max,
                                     const MmShape          *x,
                                     gsize                   kernel_h,
                                     gsize                   kernel_w,
                                     const MmConv2dSettings *settings,
                                     MmConv2dSettings       *used,
                                     MmShape                *out,
                                     GError                **error);
gboolean  mm_node_is_pool2d         (MmNode                 *node);

G_END_DECLS
