/* mm-context.c — the construct context: mode, seeds and buffer updates. */
#include "mm-context.h"
#include "mm-batchnorm.h"
#include "mm-rng-private.h"

typedef struct {
  MmNode *node;
  char *mean_name;
  char *var_name;
  MmNode *mean;
  MmNode *var;
  double momentum;
} RunningStats;

struct _MmConstructContext {
  gboolean training;
  guint32 seed;
  guint64 step;
  GArray *running;           /* RunningStats */
};

static void
running_stats_clear (RunningStats *r)
{
  mm_node_unref (r->node);
  mm_node_unref (r->mean);
  mm_node_unref (r->var);
  g_free (r->mean_name);
  g_free (r->var_name);
}

MmConstructContext *
mm_construct_context_new (gboolean training,
                          guint32  seed,
                          guint64  step)
{
  MmConstructContext *ctx = g_new0 (MmConstructContext, 1);

  ctx->training = training;
  ctx->seed = seed;
  ctx->step = step;
  ctx->running = g_array_new (FALSE, TRUE, sizeof (RunningStats));
  g_array_set_clear_func (ctx->running, (GDestroyNotify) running_stats_clear);
  return ctx;
}

void
mm_construct_context_free (MmConstructContext *ctx)
{
  if (ctx == NULL)
    return;
  g_array_unref (ctx->running);
  g_free (ctx);
}

gboolean
mm_construct_context_is_training (MmConstructContext *ctx)
{
  return ctx != NULL && ctx->training;
}

guint32
mm_construct_context_get_seed (MmConstructContext *ctx)
{
  g_return_val_if_fail (ctx != NULL, 0);
  return ctx->seed;
}

guint64
mm_construct_context_get_step (MmConstructContext *ctx)
{
  g_return_val_if_fail (ctx != NULL, 0);
  return ctx->step;
}

guint64
mm_construct_context_layer_seed (MmConstructContext *ctx,
                                 const char         *prefix)
{
  guint64 h = G_GUINT64_CONSTANT (14695981039346656037);

  g_return_val_if_fail (ctx != NULL && prefix != NULL, 0);
  /* FNV-1a of the name (GLib's string hash may change between versions;
   * this must not), then mixed with the seed and the step. */
  for (const char *p = prefix; *p; p++)
    h = (h ^ (guchar) *p) * G_GUINT64_CONSTANT (1099511628211);
  return mm_rng_mix (mm_rng_mix (((guint64) ctx->seed << 32) ^ mm_rng_mix (ctx->step)) ^ h);
}

void
mm_construct_context_add_running_stats (MmConstructContext *ctx,
                                        MmNode             *batch_norm,
                                        const char         *mean_name,
                                        MmNode             *mean,
                                        const char         *var_name,
                                        MmNode             *var,
                                        double              momentum)
{
  RunningStats r;

  g_return_if_fail (ctx != NULL && batch_norm != NULL && mean != NULL && var != NULL);
  g_return_if_fail (mean_name != NULL && var_name != NULL);
  r.node = mm_node_ref (batch_norm);
  r.mean = mm_node_ref (mean);
  r.var = mm_node_ref (var);
  r.mean_name = g_strdup (mean_name);
  r.var_name = g_strdup (var_name);
  r.momentum = momentum;
  g_array_append_val (ctx->running, r);
}

guint
mm_construct_context_get_n_updates (MmConstructContext *ctx)
{
  g_return_val_if_fail (ctx != NULL, 0);
  return ctx->running->len;
}

MmParams *
mm_construct_context_compute_updates (MmConstructContext *ctx)
{
  MmParams *updates;

  g_return_val_if_fail (ctx != NULL, NULL);
  updates = mm_params_new ();
  for (guint i = 0; i < ctx->running->len; i++)
    {
      RunningStats *r = &g_array_index (ctx->running, RunningStats, i);
      g_autoptr(MmTensor) mean = NULL;
      g_autoptr(MmTensor) var = NULL;

      mm_batch_norm_running_update (r->node, mm_node_get_value (r->mean), mm_node_get_value (r->var),
                                    r->momentum, &mean, &var);
      mm_params_set (updates, r->mean_name, mean);
      mm_params_set (updates, r->var_name, var);
    }
  return updates;
}
