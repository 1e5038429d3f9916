/* mm-optimizer.c — the common half of every optimizer: building the step's
 * graph with its penalties, the gradients, and the parameter table. */
#include "mm-optimizer-private.h"
#include "mm-error.h"
#include "mm-backward.h"
#include "mm-elementwise.h"
#include "mm-sum.h"

#include <math.h>
#include <string.h>

typedef struct {
  double l1, l2;
} Penalty;

struct _MmOptimizer {
  MmOptimizerConfig config;
  MmModule *model;
  MmLoss *loss;
  GArray *specs;              /* MmParamSpec, the model's parameters */
  MmParams *params;
  GMutex params_lock;         /* held while parameters change and while snapshotting */
  GHashTable *state;          /* name → MmParamState* */
  guint64 n_steps;

  Penalty penalty;            /* for every weight (and bias when include_biases) */
  gboolean penalize_biases;
  GHashTable *param_penalty;  /* name → Penalty*, overrides */
  const char *nonfinite;      /* first parameter the last step made NaN/∞ */
  guint32 seed;               /* of Dropout's masks */
};

static const char *kind_names[] = {
  [MM_OPTIMIZER_SGD] = "sgd",
  [MM_OPTIMIZER_RMSPROP] = "rmsprop",
  [MM_OPTIMIZER_ADAM] = "adam",
};

const char *
mm_optimizer_kind_name (MmOptimizerKind kind)
{
  g_return_val_if_fail (kind < G_N_ELEMENTS (kind_names), NULL);
  return kind_names[kind];
}

const char *
mm_optimizer_config_title (const MmOptimizerConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);
  switch (config->kind)
    {
    case MM_OPTIMIZER_SGD:
      return "SGD";
    case MM_OPTIMIZER_RMSPROP:
      return "RMSProp";
    case MM_OPTIMIZER_ADAM:
    default:
      return config->decoupled_weight_decay ? "AdamW" : "Adam";
    }
}

gboolean
mm_optimizer_kind_from_name (const char      *name,
                             MmOptimizerKind *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_ascii_strcasecmp (name, kind_names[i]) == 0)
      {
        *kind = i;
        return TRUE;
      }
  if (g_ascii_strcasecmp (name, "adamw") == 0)
    {
      *kind = MM_OPTIMIZER_ADAM;
      return TRUE;
    }
  return FALSE;
}

void
mm_optimizer_config_init (MmOptimizerConfig *c,
                          MmOptimizerKind    kind)
{
  memset (c, 0, sizeof *c);
  c->kind = kind;
  c->alpha = 0.99;
  c->eps = 1e-8;
  c->beta1 = 0.9;
  c->beta2 = 0.999;
  switch (kind)
    {
    case MM_OPTIMIZER_SGD:
      c->lr = 0.1;
      break;
    case MM_OPTIMIZER_RMSPROP:
      c->lr = 0.01;
      break;
    case MM_OPTIMIZER_ADAM:
    default:
      c->lr = 0.001;
      break;
    }
}

gboolean
mm_optimizer_config_check (const MmOptimizerConfig *c,
                           GError                 **error)
{
#define BAD(...) do { g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, __VA_ARGS__); return FALSE; } while (0)
  if ((guint) c->kind >= G_N_ELEMENTS (kind_names))
    BAD ("Unknown optimizer %d", (int) c->kind);
  if (!(c->lr >= 0.0) || !isfinite (c->lr))
    BAD ("The learning rate must be a number ≥ 0, not %g", c->lr);
  if (!(c->momentum >= 0.0 && c->momentum < 1.0))
    BAD ("Momentum must be in [0, 1), not %g", c->momentum);
  if (!(c->dampening >= 0.0 && c->dampening <= 1.0))
    BAD ("Dampening must be in [0, 1], not %g", c->dampening);
  if (c->kind == MM_OPTIMIZER_SGD && c->nesterov && (c->momentum <= 0.0 || c->dampening != 0.0))
    BAD ("Nesterov momentum needs a momentum > 0 and no dampening");
  if (!(c->alpha >= 0.0 && c->alpha <= 1.0))
    BAD ("RMSProp's alpha must be in [0, 1], not %g", c->alpha);
  if (!(c->eps >= 0.0) || !isfinite (c->eps))
    BAD ("Epsilon must be ≥ 0, not %g", c->eps);
  if (!(c->beta1 >= 0.0 && c->beta1 < 1.0) || !(c->beta2 >= 0.0 && c->beta2 < 1.0))
    BAD ("Adam's betas must be in [0, 1), not %g and %g", c->beta1, c->beta2);
  if (!(c->weight_decay >= 0.0) || !isfinite (c->weight_decay))
    BAD ("Weight decay must be ≥ 0, not %g", c->weight_decay);
#undef BAD
  return TRUE;
}

char *
mm_optimizer_config_to_string (const MmOptimizerConfig *c)
{
  GString *s = g_string_new (NULL);

  switch (c->kind)
    {
    case MM_OPTIMIZER_SGD:
      g_string_append_printf (s, "SGD(lr=%g", c->lr);
      if (c->momentum > 0)
        g_string_append_printf (s, ", momentum=%g", c->momentum);
      if (c->dampening > 0)
        g_string_append_printf (s, ", dampening=%g", c->dampening);
      if (c->nesterov)
        g_string_append (s, ", nesterov");
      break;
    case MM_OPTIMIZER_RMSPROP:
      g_string_append_printf (s, "RMSProp(lr=%g, alpha=%g, eps=%g", c->lr, c->alpha, c->eps);
      if (c->momentum > 0)
        g_string_append_printf (s, ", momentum=%g", c->momentum);
      if (c->centered)
        g_string_append (s, ", centered");
      break;
    case MM_OPTIMIZER_ADAM:
    default:
      g_string_append_printf (s, "%s(lr=%g, betas=(%g, %g), eps=%g",
                              c->decoupled_weight_decay && c->weight_decay > 0 ? "AdamW" : "Adam",
                              c->lr, c->beta1, c->beta2, c->eps);
      if (c->amsgrad)
        g_string_append (s, ", amsgrad");
      break;
    }
  if (c->weight_decay > 0)
    g_string_append_printf (s, ", weight_decay=%g", c->weight_decay);
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

double
mm_schedule_lr (const MmSchedule *schedule,
                double            base_lr,
                guint             epoch)
{
  if (schedule == NULL)
    return base_lr;
  switch (schedule->kind)
    {
    case MM_SCHEDULE_STEP:
      return base_lr * pow (schedule->gamma, (double) (epoch / MAX (schedule->step_size, 1)));
    case MM_SCHEDULE_COSINE:
      {
        double t = MIN ((double) epoch, (double) MAX (schedule->t_max, 1));
        return schedule->eta_min + (base_lr - schedule->eta_min) *
               (1.0 + cos (G_PI * t / MAX (schedule->t_max, 1))) / 2.0;
      }
    case MM_SCHEDULE_CONSTANT:
    default:
      return base_lr;
    }
}

/* ---- Step info -------------------------------------------------------- */

void
mm_step_info_free (MmStepInfo *info)
{
  if (info == NULL)
    return;
  mm_node_unref (info->output);
  mm_node_unref (info->data_loss);
  mm_node_unref (info->l1_penalty);
  mm_node_unref (info->l2_penalty);
  mm_node_unref (info->loss);
  mm_params_unref (info->gradients);
  mm_tensor_unref (info->targets);
  if (info->buffer_updates)
    mm_params_unref (info->buffer_updates);
  g_free (info);
}

float
mm_step_info_get_loss (MmStepInfo *info)
{
  return info->loss_value;
}

float
mm_step_info_get_data_loss (MmStepInfo *info)
{
  return info->data_loss_value;
}

float
mm_step_info_get_penalty (MmStepInfo *info)
{
  return info->penalty_value;
}

float
mm_step_info_get_l1_penalty (MmStepInfo *info)
{
  return info->l1_value;
}

float
mm_step_info_get_l2_penalty (MmStepInfo *info)
{
  return info->l2_value;
}

void
mm_step_info_release_graph (MmStepInfo *info)
{
  g_clear_pointer (&info->output, mm_node_unref);
  g_clear_pointer (&info->data_loss, mm_node_unref);
  g_clear_pointer (&info->l1_penalty, mm_node_unref);
  g_clear_pointer (&info->l2_penalty, mm_node_unref);
  g_clear_pointer (&info->loss, mm_node_unref);
}

gsize
mm_count_correct (const MmTensor *scores,
                  const MmTensor *targets)
{
  gsize rows, cols, correct = 0;

  /* (batch, classes) against (batch,), or per time step (batch, time,
   * classes) against (batch, time). */
  if (scores->shape.ndim != targets->shape.ndim + 1 || scores->shape.ndim < 2 || scores->shape.ndim > 3 ||
      targets->size * scores->shape.dim[scores->shape.ndim - 1] != scores->size)
    return 0;
  rows = targets->size;
  cols = scores->shape.dim[scores->shape.ndim - 1];
  for (gsize r = 0; r < rows; r++)
    {
      const float *row = scores->data + r * cols;
      gsize best = 0;
      for (gsize c = 1; c < cols; c++)
        if (row[c] > row[best])
          best = c;
      if ((float) best == targets->data[r])
        correct++;
    }
  return correct;
}

gsize
mm_step_info_count_correct (MmStepInfo *info)
{
  return info->n_correct;
}

/* ---- The optimizer ---------------------------------------------------- */

static void
param_state_free (MmParamState *st)
{
  g_free (st->buf1);
  g_free (st->buf2);
  g_free (st->buf3);
  g_free (st);
}

float *
mm_param_state_buffer (MmParamState  *st,
                       float        **buf)
{
  if (*buf == NULL)
    *buf = g_new0 (float, MAX (st->n, 1));
  return *buf;
}

MmOptimizer *
mm_optimizer_new (const MmOptimizerConfig *config,
                  MmModule                *model,
                  MmLoss                  *loss,
                  MmParams                *initial,
                  GError                 **error)
{
  MmOptimizer *opt;
  g_autoptr(GArray) specs = NULL;

  g_return_val_if_fail (config != NULL && model != NULL && loss != NULL && initial != NULL, NULL);

  if (!mm_optimizer_config_check (config, error))
    return NULL;
  specs = mm_module_get_params (model);
  if (!mm_params_check (initial, specs, error))
    return NULL;

  opt = g_new0 (MmOptimizer, 1);
  opt->config = *config;
  opt->model = mm_module_ref (model);
  opt->loss = mm_loss_ref (loss);
  opt->specs = g_steal_pointer (&specs);
  /* Keep only the model's parameters, in the model's order. */
  opt->params = mm_params_new ();
  for (guint i = 0; i < opt->specs->len; i++)
    {
      const char *name = g_array_index (opt->specs, MmParamSpec, i).name;
      mm_params_set (opt->params, name, mm_params_lookup (initial, name));
    }
  g_mutex_init (&opt->params_lock);
  opt->state = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) param_state_free);
  opt->param_penalty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return opt;
}

void
mm_optimizer_free (MmOptimizer *opt)
{
  if (opt == NULL)
    return;
  g_hash_table_unref (opt->state);
  g_hash_table_unref (opt->param_penalty);
  mm_params_unref (opt->params);
  g_array_unref (opt->specs);
  mm_loss_unref (opt->loss);
  mm_module_unref (opt->model);
  g_mutex_clear (&opt->params_lock);
  g_free (opt);
}

static gboolean
check_penalty (double   l1,
               double   l2,
               GError **error)
{
  if (!(l1 >= 0.0) || !(l2 >= 0.0) || !isfinite (l1) || !isfinite (l2))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "L1 and L2 penalties must be numbers ≥ 0, not %g and %g", l1, l2);
      return FALSE;
    }
  return TRUE;
}

gboolean
mm_optimizer_set_penalties (MmOptimizer *opt,
                            double       l1,
                            double       l2,
                            gboolean     include_biases,
                            GError     **error)
{
  g_return_val_if_fail (opt != NULL, FALSE);
  if (!check_penalty (l1, l2, error))
    return FALSE;
  opt->penalty.l1 = l1;
  opt->penalty.l2 = l2;
  opt->penalize_biases = include_biases;
  return TRUE;
}

gboolean
mm_optimizer_set_param_penalties (MmOptimizer *opt,
                                  const char  *name,
                                  double       l1,
                                  double       l2,
                                  GError     **error)
{
  Penalty *p;
  gint i;

  g_return_val_if_fail (opt != NULL && name != NULL, FALSE);
  if (!check_penalty (l1, l2, error))
    return FALSE;
  i = mm_params_find (opt->params, name);
  if (i < 0)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The network has no parameter called %s", name);
      return FALSE;
    }
  if (!mm_param_role_is_trained (g_array_index (opt->specs, MmParamSpec, i).role))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "%s is a buffer that the network updates itself, not a trained parameter: "
                   "it cannot be penalised", name);
      return FALSE;
    }
  p = g_new (Penalty, 1);
  p->l1 = l1;
  p->l2 = l2;
  g_hash_table_replace (opt->param_penalty, g_strdup (name), p);
  return TRUE;
}

static Penalty
penalty_for (MmOptimizer       *opt,
             const MmParamSpec *spec)
{
  Penalty *p = g_hash_table_lookup (opt->param_penalty, spec->name);

  if (!mm_param_role_is_trained (spec->role))
    return (Penalty) { 0, 0 };
  if (p != NULL)
    return *p;
  if (spec->role == MM_PARAM_BIAS && !opt->penalize_biases)
    return (Penalty) { 0, 0 };
  return opt->penalty;
}

/* λ · Σ_params Σ f(w), as nodes: Scale(λ)(Sum(f(w))) per parameter, then Add. */
static MmNode *
build_penalty (MmOptimizer *opt,
               GHashTable  *nodes,
               gboolean     l1,
               GError     **error)
{
  g_autoptr(GPtrArray) terms = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);
  MmNode *result;

  for (guint i = 0; i < opt->specs->len; i++)
    {
      const MmParamSpec *spec = &g_array_index (opt->specs, MmParamSpec, i);
      Penalty p = penalty_for (opt, spec);
      double lambda = l1 ? p.l1 : p.l2;
      g_autoptr(MmNode) f = NULL, sum = NULL;

      if (lambda <= 0.0)
        continue;
      f = mm_unary_new (l1 ? MM_OP_ABS : MM_OP_SQUARE, g_hash_table_lookup (nodes, spec->name), error);
      sum = mm_sum_all_new (f);
      g_ptr_array_add (terms, mm_elementwise_new (mm_op_scale ((float) lambda), 1, &sum, error));
    }
  if (terms->len == 0)
    return NULL;
  if (terms->len == 1)
    result = mm_node_ref (g_ptr_array_index (terms, 0));
  else
    result = mm_elementwise_new (mm_op_add (terms->len), terms->len, (MmNode **) terms->pdata, error);
  mm_node_set_label (result, l1 ? "L1 penalty" : "L2 penalty");
  return result;
}

MmStepInfo *
mm_optimizer_prepare_step (MmOptimizer  *opt,
                           MmTensor     *x,
                           MmTensor     *y,
                           GError      **error)
{
  g_autoptr(MmStepInfo) info = g_new0 (MmStepInfo, 1);
  g_autoptr(GHashTable) nodes = NULL;
  g_autoptr(GPtrArray) targets = NULL;
  g_autoptr(GPtrArray) target_names = NULL;
  g_autoptr(MmConstructContext) ctx = NULL;
  g_autofree MmTensor **grads = NULL;
  guint n;

  g_return_val_if_fail (opt != NULL && x != NULL && y != NULL, NULL);

  nodes = mm_module_make_param_nodes (opt->params);
  info->targets = mm_tensor_ref (y);
  ctx = mm_construct_context_new (TRUE, opt->seed, opt->n_steps);
  info->output = mm_module_construct_tensor_full (opt->model, x, nodes, ctx, error);
  if (info->output == NULL)
    return NULL;
  mm_node_set_label (info->output, "output");
  info->data_loss = mm_loss_build (opt->loss, info->output, y, error);
  if (info->data_loss == NULL)
    return NULL;
  info->l1_penalty = build_penalty (opt, nodes, TRUE, error);
  info->l2_penalty = build_penalty (opt, nodes, FALSE, error);
  if (info->l1_penalty == NULL && info->l2_penalty == NULL)
    info->loss = mm_node_ref (info->data_loss);
  else
    {
      MmNode *terms[3];
      guint k = 0;
      terms[k++] = info->data_loss;
      if (info->l1_penalty)
        terms[k++] = info->l1_penalty;
      if (info->l2_penalty)
        terms[k++] = info->l2_penalty;
      info->loss = mm_elementwise_new (mm_op_add (k), k, terms, error);
      if (info->loss == NULL)
        return NULL;
      mm_node_set_label (info->loss, "loss + penalties");
    }

  /* Gradients for the trained parameters only: buffers are not learned. */
  targets = g_ptr_array_new ();
  target_names = g_ptr_array_new ();
  for (guint i = 0; i < mm_params_get_n (opt->params); i++)
    if (mm_param_role_is_trained (g_array_index (opt->specs, MmParamSpec, i).role))
      {
        const char *name = mm_params_get_name (opt->params, i);
        g_ptr_array_add (targets, g_hash_table_lookup (nodes, name));
        g_ptr_array_add (target_names, (gpointer) name);
      }
  n = targets->len;
  grads = g_new0 (MmTensor *, MAX (n, 1));
  if (!mm_node_get_gradients_against (info->loss, n, (MmNode **) targets->pdata, NULL, grads, error))
    return NULL;
  info->gradients = mm_params_new ();
  for (guint i = 0; i < n; i++)
    {
      mm_params_set (info->gradients, g_ptr_array_index (target_names, i), grads[i]);
      mm_tensor_unref (grads[i]);
    }
  if (mm_construct_context_get_n_updates (ctx) > 0)
    info->buffer_updates = mm_construct_context_compute_updates (ctx);
  info->loss_value = mm_tensor_item (mm_node_get_value (info->loss));
  info->data_loss_value = mm_tensor_item (mm_node_get_value (info->data_loss));
  if (info->l1_penalty)
    info->l1_value = mm_tensor_item (mm_node_get_value (info->l1_penalty));
  if (info->l2_penalty)
    info->l2_value = mm_tensor_item (mm_node_get_value (info->l2_penalty));
  info->penalty_value = info->l1_value + info->l2_value;
  info->n_correct = mm_count_correct (mm_node_get_value (info->output), y);
  return g_steal_pointer (&info);
}

gboolean
mm_optimizer_perform_step (MmOptimizer *opt,
                           MmStepInfo  *info,
                           GError     **error)
{
  guint n, n_trained = 0, j = 0;

  g_return_val_if_fail (opt != NULL && info != NULL, FALSE);

  n = mm_params_get_n (opt->params);
  for (guint i = 0; i < n; i++)
    n_trained += mm_param_role_is_trained (g_array_index (opt->specs, MmParamSpec, i).role);
  if (info->gradients == NULL || mm_params_get_n (info->gradients) != n_trained)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The step information does not belong to this optimizer's network");
      return FALSE;
    }

  g_mutex_lock (&opt->params_lock);
  opt->nonfinite = NULL;
  for (guint i = 0; i < n; i++)
    {
      const char *name = mm_params_get_name (opt->params, i);
      gboolean finite;
      MmTensor *g;
      MmParamState *st;
      float *p;

      if (!mm_param_role_is_trained (g_array_index (opt->specs, MmParamSpec, i).role))
        continue;
      g = mm_params_get_tensor (info->gradients, j++);
      st = g_hash_table_lookup (opt->state, name);

      if (st == NULL)
        {
          st = g_new0 (MmParamState, 1);
          st->n = mm_params_get_tensor (opt->params, i)->size;
          g_hash_table_insert (opt->state, g_strdup (name), st);
        }
      /* The graph of @info (and any snapshot) still holds the old tensor:
       * this copies it first, so what they show stays as it was. */
      p = mm_params_make_writable (opt->params, i);
      switch (opt->config.kind)
        {
        case MM_OPTIMIZER_SGD:
          finite = mm_sgd_update (&opt->config, st, p, g->data);
          break;
        case MM_OPTIMIZER_RMSPROP:
          finite = mm_rmsprop_update (&opt->config, st, p, g->data);
          break;
        case MM_OPTIMIZER_ADAM:
        default:
          finite = mm_adam_update (&opt->config, st, p, g->data);
          break;
        }
      if (!finite && opt->nonfinite == NULL)
        opt->nonfinite = name;
    }
  /* The running statistics of this batch, as the layers reported them;
   * stored as new tensors, so that snapshots keep the old ones. */
  if (info->buffer_updates != NULL)
    for (guint i = 0; i < mm_params_get_n (info->buffer_updates); i++)
      {
        const char *name = mm_params_get_name (info->buffer_updates, i);
        MmTensor *t = mm_params_get_tensor (info->buffer_updates, i);

        if (mm_params_find (opt->params, name) >= 0)
          {
            mm_params_set (opt->params, name, t);
            if (!mm_tensor_all_finite (t) && opt->nonfinite == NULL)
              opt->nonfinite = mm_params_get_name (opt->params, mm_params_find (opt->params, name));
          }
      }
  opt->n_steps++;
  g_mutex_unlock (&opt->params_lock);
  return TRUE;
}

MmStepInfo *
mm_optimizer_step (MmOptimizer  *opt,
                   MmTensor     *x,
                   MmTensor     *y,
                   GError      **error)
{
  g_autoptr(MmStepInfo) info = mm_optimizer_prepare_step (opt, x, y, error);

  if (info == NULL || !mm_optimizer_perform_step (opt, info, error))
    return NULL;
  return g_steal_pointer (&info);
}

gboolean
mm_optimizer_evaluate (MmOptimizer *opt,
                       MmTensor    *x,
                       MmTensor    *y,
                       double      *loss,
                       gsize       *n_correct,
                       GError     **error)
{
  g_autoptr(GHashTable) nodes = mm_module_make_param_nodes (opt->params);
  g_autoptr(MmNode) out = mm_module_construct_tensor (opt->model, x, nodes, error);
  g_autoptr(MmNode) l = NULL;

  if (out == NULL)
    return FALSE;
  l = mm_loss_build (opt->loss, out, y, error);
  if (l == NULL)
    return FALSE;
  if (loss)
    *loss = mm_tensor_item (mm_node_get_value (l));
  if (n_correct)
    *n_correct = mm_count_correct (mm_node_get_value (out), y);
  return TRUE;
}

void
mm_optimizer_set_seed (MmOptimizer *opt,
                       guint32      seed)
{
  g_return_if_fail (opt != NULL);
  opt->seed = seed;
}

guint32
mm_optimizer_get_seed (MmOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, 0);
  return opt->seed;
}

void
mm_optimizer_set_lr (MmOptimizer *opt,
                     double       lr)
{
  g_return_if_fail (opt != NULL);
  if (lr >= 0.0 && isfinite (lr))
    opt->config.lr = lr;
}

double
mm_optimizer_get_lr (MmOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, 0.0);
  return opt->config.lr;
}

gboolean
mm_optimizer_set_config (MmOptimizer             *opt,
                         const MmOptimizerConfig *config,
                         GError                 **error)
{
  g_return_val_if_fail (opt != NULL && config != NULL, FALSE);
  if (!mm_optimizer_config_check (config, error))
    return FALSE;
  /* Another rule's moments mean nothing to this one: start its state afresh,
   * but keep the parameters (the network is not reset). */
  if (config->kind != opt->config.kind || config->amsgrad != opt->config.amsgrad ||
      config->centered != opt->config.centered)
    g_hash_table_remove_all (opt->state);
  opt->config = *config;
  return TRUE;
}

const MmOptimizerConfig *
mm_optimizer_get_config (MmOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, NULL);
  return &opt->config;
}

guint64
mm_optimizer_get_n_steps (MmOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, 0);
  return opt->n_steps;
}

MmParams *
mm_optimizer_get_params (MmOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, NULL);
  return opt->params;
}

MmParams *
mm_optimizer_snapshot_params (MmOptimizer *opt)
{
  MmParams *s;

  g_return_val_if_fail (opt != NULL, NULL);
  g_mutex_lock (&opt->params_lock);
  s = mm_params_snapshot (opt->params);
  g_mutex_unlock (&opt->params_lock);
  return s;
}

gboolean
mm_optimizer_reset_params (MmOptimizer *opt,
                           MmParams    *params,
                           GError     **error)
{
  g_return_val_if_fail (opt != NULL && params != NULL, FALSE);
  if (!mm_params_check (params, opt->specs, error))
    return FALSE;
  g_mutex_lock (&opt->params_lock);
  for (guint i = 0; i < opt->specs->len; i++)
    {
      const char *name = g_array_index (opt->specs, MmParamSpec, i).name;
      mm_params_set (opt->params, name, mm_params_lookup (params, name));
    }
  g_hash_table_remove_all (opt->state);
  opt->n_steps = 0;
  g_mutex_unlock (&opt->params_lock);
  return TRUE;
}

const char *
mm_optimizer_get_nonfinite_param (MmOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, NULL);
  return opt->nonfinite;
}

MmModule *
mm_optimizer_get_model (MmOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, NULL);
  return opt->model;
}

MmLoss *
mm_optimizer_get_loss (MmOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, NULL);
  return opt->loss;
}
