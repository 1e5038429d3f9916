/* mm-batchnorm.h — BatchNorm(X, γ, β[, μ, σ²]): each channel normalised. */
#pragma once

#include "mm-node.h"

G_BEGIN_DECLS

/* X has the channels on axis 1: (N, C), (N, C, L) or (N, C, H, W). For each
 * channel c, Y = γ[c] · (X − m[c]) / √(v[c] + eps) + β[c], where
 *   training (@running_mean and @running_var NULL): m and v are the mean and
 *     the biased variance of the batch's numbers of channel c (over N and the
 *     positions), and the gradient flows through them too;
 *   eval: m and v are the running statistics given, constants of shape (C,).
 * γ and β have shape (C,). */
MmNode         *mm_batch_norm_new            (MmNode          *x,
                                              MmNode          *gamma,
                                              MmNode          *beta,
                                              MmNode          *running_mean,
                                              MmNode          *running_var,
                                              double           eps,
                                              GError         **error);
gboolean        mm_node_is_batch_norm        (MmNode          *node);
gboolean        mm_batch_norm_is_training    (MmNode          *node);
/* In training mode, the batch's mean and biased variance per channel (the
 * node's value is computed first if needed). NULL in eval mode. */
const MmTensor *mm_batch_norm_get_batch_mean (MmNode          *node);
const MmTensor *mm_batch_norm_get_batch_var  (MmNode          *node);
/* PyTorch's update of the running statistics after a training batch:
 *   mean ← (1 − momentum) · mean + momentum · batch mean
 *   var  ← (1 − momentum) · var + momentum · batch variance · n / (n − 1)
 * (the unbiased variance, n numbers per channel). New tensors. */
void            mm_batch_norm_running_update (MmNode          *node,
                                              const MmTensor  *old_mean,
                                              const MmTensor  *old_var,
                                              double           momentum,
                                              MmTensor       **new_mean,
                                              MmTensor       **new_var);

G_END_DECLS
