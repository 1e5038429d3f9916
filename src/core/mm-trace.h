/* mm-trace.h — where a graph first produced NaN or infinity.
 *
 * When training diverges, the number that overflowed usually appears long
 * before the loss: exp of a large logit, log of 0, 0 · ∞. The tracer walks
 * the graph as the engine evaluates it — the forward pass in its order (each
 * input before the nodes that use it), then, if every value is finite, the
 * backward sweep in its order — and stops at the first node whose value (or
 * gradient ∂L/∂node) holds a number that is not finite. With it come the
 * statistics of that node's inputs, which usually say why ("its input
 * reaches 812.3": exp of that is infinite in float).
 */
#pragma once

#include <glib.h>
#include "mm-node.h"
#include "mm-params.h"
#include "mm-trainer.h"

G_BEGIN_DECLS

/* Summary of a tensor's numbers. min, max and mean are over the finite
 * numbers only (NaN when there are none). */
typedef struct {
  gsize count;
  gsize n_nan;
  gsize n_pos_inf;
  gsize n_neg_inf;
  double min, max, mean;
} MmTensorStats;

void        mm_tensor_stats           (const MmTensor  *tensor,
                                       MmTensorStats   *stats);
gboolean    mm_tensor_stats_is_finite (const MmTensorStats *stats);

typedef enum {
  MM_TRACE_FINITE,     /* every value and every gradient is finite */
  MM_TRACE_VALUE,      /* a node's value is not finite */
  MM_TRACE_GRADIENT,   /* every value is finite; a node's gradient is not */
} MmTraceKind;

typedef struct {
  MmTraceKind kind;
  MmNode *node;               /* the first node found (a reference), NULL when FINITE */
  guint position;             /* its place in the forward order / the backward sweep */
  guint n_nodes;              /* nodes in the graph */
  MmTensorStats stats;        /* of the node's value (VALUE) or its gradient (GRADIENT) */
  /* GRADIENT: the node that passed the first non-finite contribution to
   * @node (its backward rule produced it), and which input @node is of it. */
  MmNode *source;
  guint source_input;
  /* Each input of @node (its value), in input order. */
  guint n_inputs;
  MmTensorStats *input_stats;
} MmTraceResult;

void        mm_trace_result_clear     (MmTraceResult   *result);

/* Evaluates @root's graph (values already computed are reused) and, when
 * every value is finite, runs the backward sweep from @root towards
 * @targets (n_targets = 0: every node; @root must then hold one number, or
 * the sweep starts from ones, as the stepper does), stopping at the first
 * node that is not finite. Returns FALSE only on an error (the sweep cannot
 * be set up); a graph with nothing wrong gives TRUE and MM_TRACE_FINITE. */
gboolean    mm_trace_nonfinite        (MmNode          *root,
                                       guint            n_targets,
                                       MmNode * const  *targets,
                                       MmTraceResult   *result,
                                       GError         **error);

/* ---- A diverged training step, kept for inspection ------------------------
 *
 * When a trainer stops because a loss, a gradient or a parameter became NaN
 * or infinite, it keeps the step: its batch, the parameters it started from
 * and its graph (values computed), so that the tracer can be run on it. */

typedef struct {
  guint64 step;               /* the step that diverged, counted from 1 */
  guint epoch;                /* 0-based */
  gsize batch;                /* counted from 1 within the epoch */
  MmTensor *x, *y;            /* the batch */
  /* The parameters the step started from; after the update when
   * @after_update (the gradients were finite, the update overflowed). */
  MmParams *params;
  gboolean after_update;
  MmNode *loss;               /* the step's graph (network, loss, penalties); may be NULL */
  char *parameter;            /* the parameter whose gradient or value went bad, or NULL */
  char *message;
} MmDivergence;

void          mm_divergence_free        (MmDivergence *divergence);
MmDivergence *mm_divergence_copy        (const MmDivergence *divergence);
/* What the trainer kept of the step that diverged (a copy to free), or NULL
 * when it has not diverged. Safe from any thread. */
MmDivergence *mm_trainer_dup_divergence (MmTrainer    *trainer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmDivergence, mm_divergence_free)

G_END_DECLS
