/* mm-backward.h — the reverse sweep of the chain rule.
 *
 * One implementation serves both training (run to the end) and teaching
 * (advance one node per call, look at what happened, step back by replaying).
 *
 * The sweep visits the nodes that lie between the root and the targets in
 * reverse topological order: when a node is visited, every node that uses it
 * has already passed its share of the gradient back, so the node's gradient
 * ∂L/∂node is complete. The node's class turns it into one contribution per
 * input; an input used by several nodes receives the sum of their
 * contributions.
 */
#pragma once

#include <glib.h>
#include "mm-node.h"

G_BEGIN_DECLS

typedef enum {
  MM_BACKWARD_DEFAULT = 0,
  /* Keep the gradient of every visited node until the sweep is freed (the
   * stepper shows them); by default only the targets' gradients are kept and
   * the others are dropped as soon as they have been passed on. */
  MM_BACKWARD_KEEP_ALL = 1 << 0,
} MmBackwardFlags;

typedef struct {
  MmNode          *node;           /* the node visited in this step */
  guint            position;       /* 0 for the first step (the root) */
  const MmTensor  *grad;           /* ∂L/∂node, complete */
  guint            n_inputs;
  /* What the node passes to each input (NULL where that input leads to no
   * target), and whether the input had already received a contribution from
   * another node, so that this one was added to it. */
  MmTensor       **contributions;
  gboolean        *accumulated;
} MmBackwardStep;

typedef struct _MmBackward MmBackward;

/* @targets: the nodes whose gradients are wanted; with n_targets = 0 every
 * node of the graph is a target (what the stepper wants). @upstream is
 * ∂L/∂root and may be NULL only for a root with one element (then it is 1). */
MmBackward           *mm_backward_new           (MmNode           *root,
                                                 const MmTensor   *upstream,
                                                 guint             n_targets,
                                                 MmNode * const   *targets,
                                                 MmBackwardFlags   flags,
                                                 GError          **error);
void                  mm_backward_free          (MmBackward       *bw);

/* Visit the next node. Returns FALSE (and does nothing) when the sweep is done. */
gboolean              mm_backward_step          (MmBackward       *bw);
void                  mm_backward_run           (MmBackward       *bw);
/* The step just taken, or NULL before the first. Valid until the next call
 * that moves the sweep. */
const MmBackwardStep *mm_backward_get_step      (MmBackward       *bw);

gboolean              mm_backward_is_done       (MmBackward       *bw);
guint                 mm_backward_get_n_steps   (MmBackward       *bw);
guint                 mm_backward_get_position  (MmBackward       *bw);
/* The node that step @position visits. */
MmNode               *mm_backward_get_node      (MmBackward       *bw,
                                                 guint             position);
/* Go to @position steps taken (0 = nothing done yet). Going back replays the
 * sweep from the start, so the numbers are exactly the same as before. */
void                  mm_backward_seek          (MmBackward       *bw,
                                                 guint             position);

/* ∂L/∂node accumulated so far; NULL when nothing has arrived yet (or when the
 * gradient was dropped because the node is not a target). */
const MmTensor       *mm_backward_get_gradient  (MmBackward       *bw,
                                                 MmNode           *node);
/* A new tensor with ∂L/∂node so far, zeros when nothing has arrived. */
MmTensor             *mm_backward_dup_gradient  (MmBackward       *bw,
                                                 MmNode           *node);
/* The gradient itself (a new reference, or NULL when nothing arrived):
 * no copy. It may be shared, so call mm_tensor_make_writable() before
 * changing it. */
MmTensor             *mm_backward_ref_gradient  (MmBackward       *bw,
                                                 MmNode           *node);
/* How many times visited nodes use @node as an input (Add(3)(x, x, x) counts
 * 3): the number of contributions its gradient is summed from. */
guint                 mm_backward_get_n_consumers (MmBackward     *bw,
                                                   MmNode         *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmBackward, mm_backward_free)

G_END_DECLS
