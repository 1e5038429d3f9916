/* mm-context.h — how a network is built: for training or for evaluation.
 *
 * Some layers behave differently while a network learns: Dropout zeroes
 * random numbers (and is left out otherwise), BatchNorm normalises by the
 * batch's statistics and updates its running statistics (and otherwise uses
 * those). A construct context carries that mode into mm_module_construct_full,
 * with what the random layers need to be reproducible (the run's seed and the
 * step), and collects what the layers report: the new values of their
 * buffers, which the optimizer stores after a successful step.
 *
 * Building without a context (mm_module_construct) is eval mode.
 */
#pragma once

#include <glib.h>
#include "mm-node.h"
#include "mm-params.h"

G_BEGIN_DECLS

typedef struct _MmConstructContext MmConstructContext;

MmConstructContext *mm_construct_context_new         (gboolean            training,
                                                      guint32             seed,
                                                      guint64             step);
void                mm_construct_context_free        (MmConstructContext *ctx);
gboolean            mm_construct_context_is_training (MmConstructContext *ctx);
guint32             mm_construct_context_get_seed    (MmConstructContext *ctx);
guint64             mm_construct_context_get_step    (MmConstructContext *ctx);

/* The seed of the random numbers of the layer whose parameters are named
 * @prefix ("2."): it depends on the run's seed, the step and the layer, and
 * on nothing else, so the same run draws the same masks. */
guint64             mm_construct_context_layer_seed  (MmConstructContext *ctx,
                                                      const char         *prefix);

/* A BatchNorm node in training mode reports its buffers here: their names,
 * their nodes (holding the values before this step) and the momentum. */
void                mm_construct_context_add_running_stats (MmConstructContext *ctx,
                                                            MmNode             *batch_norm,
                                                            const char         *mean_name,
                                                            MmNode             *mean,
                                                            const char         *var_name,
                                                            MmNode             *var,
                                                            double              momentum);
guint               mm_construct_context_get_n_updates (MmConstructContext *ctx);
/* The buffers' new values, name → tensor (computing the nodes' values if
 * that has not happened yet); an empty table when nothing was reported. */
MmParams           *mm_construct_context_compute_updates (MmConstructContext *ctx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmConstructContext, mm_construct_context_free)

G_END_DECLS
