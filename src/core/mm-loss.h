/* mm-loss.h — loss functions: (network output node, targets) → a scalar node.
 *
 * Every loss is built from ordinary graph nodes, so the graph view and the
 * backward stepper show it like any other part of the network.
 *
 *   MSE:            L = (1/N) Σ (y − t)²            over all N numbers (PyTorch's mean reduction)
 *   Cross-entropy:  L = −(1/B) Σ_b Σ_c t_bc · log softmax(y_b)_c,  y = logits (B, C), t = (B, C)
 *                   with label smoothing ε: t ← (1 − ε) t + ε / C  (PyTorch's label_smoothing)
 *                   For sequences y = (B, T, C), t = (B, T, C): the mean over all B·T rows.
 *   One-hot wrap:   turns class indices (B,) into one-hot targets (B, C) for the wrapped loss
 *                   ((B, T) into (B, T, C) for sequences).
 */
#pragma once

#include <glib.h>
#include "mm-node.h"

G_BEGIN_DECLS

typedef struct _MmLoss MmLoss;

MmLoss     *mm_loss_ref                  (MmLoss          *loss);
void        mm_loss_unref                (MmLoss          *loss);
/* A scalar node; targets that do not fit the output give a GError. */
MmNode     *mm_loss_build                (MmLoss          *loss,
                                          MmNode          *output,
                                          const MmTensor  *targets,
                                          GError         **error);
char       *mm_loss_to_string            (MmLoss          *loss);
/* Class indices are expected as targets (the one-hot wrapper is outermost). */
gboolean    mm_loss_takes_class_indices  (MmLoss          *loss);
/* The number of classes of a one-hot wrapper, 0 otherwise. */
guint       mm_loss_get_n_classes        (MmLoss          *loss);

MmLoss     *mm_loss_mse_new              (void);
MmLoss     *mm_loss_cross_entropy_new    (double           label_smoothing,
                                          GError         **error);
MmLoss     *mm_loss_one_hot_new          (MmLoss          *inner,
                                          guint            n_classes,
                                          GError         **error);

/* Class indices (B,) → one-hot (B, C), or (B, T) → (B, T, C). Indices that
 * are not whole numbers in [0, C) give a GError naming the row (and step). */
MmTensor   *mm_one_hot                   (const MmTensor  *indices,
                                          guint            n_classes,
                                          GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmLoss, mm_loss_unref)

G_END_DECLS
