/* mm-trainer.c — training on a worker thread.
 *
 * Locking: one mutex guards everything the two sides share (state, commands,
 * the record queue, the history). The worker holds it only to read commands
 * and to append results, never while it computes; the consumer holds it only
 * to copy. The optimizer, the data loader and the graphs belong to the worker
 * alone; parameter snapshots go through the optimizer's own lock.
 */
#include "mm-trainer.h"
#include "mm-error.h"
#include "mm-data-loader.h"
#include "mm-trace.h"
#include "mm-cost.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#define QUEUE_CAPACITY 256
#define SMOOTHING 0.98

struct _MmTrainer {
  MmTrainerConfig config;
  MmOptimizer *opt;
  MmDataLoader *loader;
  guint n_classes;

  GThread *thread;
  GMutex lock;
  GCond cond;
  MmTrainerState state;
  gboolean stop_requested;
  guint step_budget;          /* batches to run while paused (step once) */
  gboolean idle;              /* the worker waits for a command (mm_trainer_wait_idle) */
  guint delay_ms;
  double pending_lr;          /* NaN: none */
  double lr;                  /* as last applied or requested */
  GArray *pending;            /* MmChange asked for, not applied yet */
  GArray *applied;            /* MmChange applied, with their steps */
  guint next_replayed;        /* the first of config.changes not applied yet */
  MmOptimizerConfig initial_optimizer;
  double initial_l1, initial_l2;

  MmTrainerRecord queue[QUEUE_CAPACITY];
  guint q_head, q_len;
  GArray *history;            /* MmStepPoint */
  GArray *epochs;             /* MmTrainerRecord */
  MmDivergence *divergence;   /* the step that diverged (mm-trace.h), or NULL */
  MmTrainerRecord progress;

  /* The cost meter (mm-cost.h): one step in every meter_every is metered
   * (0: none); the newest summary and its step. */
  guint meter_every;
  MmCostSummary *cost;
  guint64 cost_step;
  /* Data to train on from the next step (mm_trainer_set_data). */
  gboolean have_next_data;
  MmDataset *next_train, *next_test;
  gsize n_batches;            /* of the loader in use */
};

static const char *state_names[] = {
  [MM_TRAINER_READY] = "ready",
  [MM_TRAINER_RUNNING] = "running",
  [MM_TRAINER_PAUSED] = "paused",
  [MM_TRAINER_FINISHED] = "finished",
  [MM_TRAINER_STOPPED] = "stopped",
  [MM_TRAINER_DIVERGED] = "diverged",
  [MM_TRAINER_FAILED] = "failed",
};

const char *
mm_trainer_state_name (MmTrainerState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (state_names), NULL);
  return state_names[state];
}

void
mm_set_num_threads (guint n)
{
  if (n > 0)
    openblas_set_num_threads ((int) n);
}

void
mm_trainer_config_init (MmTrainerConfig *config)
{
  memset (config, 0, sizeof *config);
  mm_optimizer_config_init (&config->optimizer, MM_OPTIMIZER_SGD);
  config->batch_size = 64;
  config->epochs = 10;
  config->seed = 42;
  config->init = MM_INIT_XAVIER_UNIFORM;
}

void
mm_trainer_config_clear (MmTrainerConfig *config)
{
  g_clear_pointer (&config->model, mm_module_unref);
  g_clear_pointer (&config->loss, mm_loss_unref);
  g_clear_pointer (&config->train, mm_dataset_unref);
  g_clear_pointer (&config->test, mm_dataset_unref);
  g_clear_pointer (&config->initial_params, mm_params_unref);
  g_clear_pointer (&config->changes, g_array_unref);
}

static void
config_copy (MmTrainerConfig       *dst,
             const MmTrainerConfig *src)
{
  *dst = *src;
  dst->model = mm_module_ref (src->model);
  dst->loss = mm_loss_ref (src->loss);
  dst->train = mm_dataset_ref (src->train);
  dst->test = src->test ? mm_dataset_ref (src->test) : NULL;
  dst->initial_params = src->initial_params ? mm_params_ref (src->initial_params) : NULL;
  dst->changes = src->changes ? g_array_copy (src->changes) : g_array_new (FALSE, FALSE, sizeof (MmChange));
  if (dst->eval_batch_size == 0)
    dst->eval_batch_size = 1000;
}

/* The network must give one score per class for every sample. */
static gboolean
check_model (const MmTrainerConfig *c,
             guint                  n_classes,
             GError               **error)
{
  const MmShape *sample = mm_dataset_get_sample_shape (c->train);
  MmShape in, out;
  g_autofree char *got = NULL;

  mm_shape_scalar (&in);
  in.ndim = sample->ndim + 1;
  in.dim[0] = c->batch_size;
  for (guint i = 0; i < sample->ndim; i++)
    in.dim[i + 1] = sample->dim[i];
  if (!mm_module_output_shape (c->model, &in, &out, error))
    return FALSE;
  if (out.ndim == 2 && out.dim[0] == c->batch_size && out.dim[1] == n_classes)
    return TRUE;
  /* Samples labelled by a sequence (next-character prediction): one score
   * per class at every time step. */
  if (mm_dataset_get_label_shape (c->train)->ndim == 1)
    {
      gsize T = mm_dataset_get_label_shape (c->train)->dim[0];
      if (out.ndim == 3 && out.dim[0] == c->batch_size && out.dim[1] == T && out.dim[2] == n_classes)
        return TRUE;
      got = mm_shape_to_string (&out);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "The network gives outputs of shape %s, but the data has a class at each of %" G_GSIZE_FORMAT
                   " time steps: it must give (batch, %" G_GSIZE_FORMAT ", %u), one score per class and step "
                   "(end with a Linear layer with %u outputs)", got, T, T, n_classes, n_classes);
      return FALSE;
    }
  got = mm_shape_to_string (&out);
  if (out.ndim == 2)
    g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                 "The last layer gives %" G_GSIZE_FORMAT " outputs per sample, but the data has %u classes: "
                 "the network must end with one output per class", out.dim[1], n_classes);
  else
    g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                 "The network gives outputs of shape %s, but it must give (batch, %u): one score per class "
                 "(add Flatten and a Linear layer with %u outputs)", got, n_classes, n_classes);
  return FALSE;
}

MmTrainer *
mm_trainer_new (const MmTrainerConfig *config,
                GError               **error)
{
  g_autoptr(MmParams) params = NULL;
  MmTrainer *t;
  guint n_classes;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (config->model != NULL && config->loss != NULL && config->train != NULL, NULL);

  if (!mm_loss_takes_class_indices (config->loss))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The trainer feeds class indices: wrap the loss in a one-hot encoding");
      return NULL;
    }
  n_classes = mm_loss_get_n_classes (config->loss);
  if (mm_dataset_get_n_classes (config->train) > n_classes ||
      (config->test && mm_dataset_get_n_classes (config->test) > n_classes))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The data has %u classes, but the loss expects %u",
                   mm_dataset_get_n_classes (config->train), n_classes);
      return NULL;
    }
  if (mm_dataset_get_n_samples (config->train) == 0)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, "The training data has no samples");
      return NULL;
    }
  if (config->batch_size == 0 || config->epochs == 0)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The batch size and the number of epochs must be at least 1");
      return NULL;
    }
  if (!check_model (config, n_classes, error))
    return NULL;
  if (config->changes != NULL &&
      (g_array_get_element_size (config->changes) != sizeof (MmChange) ||
       !mm_change_list_check ((const MmChange *) (void *) config->changes->data, config->changes->len, error)))
    {
      if (error && *error == NULL)
        g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, "The list of changes does not hold MmChange");
      return NULL;
    }

  if (config->initial_params != NULL)
    params = mm_params_ref (config->initial_params);
  else
    {
      g_autoptr(GArray) specs = mm_module_get_params (config->model);
      params = mm_params_init (specs, config->init, config->seed, error);
      if (params == NULL)
        return NULL;
    }

  t = g_new0 (MmTrainer, 1);
  config_copy (&t->config, config);
  t->n_classes = n_classes;
  g_mutex_init (&t->lock);
  g_cond_init (&t->cond);
  t->history = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  t->epochs = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  t->pending_lr = NAN;
  t->lr = config->optimizer.lr;
  t->pending = g_array_new (FALSE, FALSE, sizeof (MmChange));
  t->applied = g_array_new (FALSE, FALSE, sizeof (MmChange));
  t->initial_optimizer = config->optimizer;
  t->initial_l1 = config->l1;
  t->initial_l2 = config->l2;
  t->state = MM_TRAINER_READY;

  t->opt = mm_optimizer_new (&config->optimizer, config->model, config->loss, params, error);
  if (t->opt == NULL || !mm_optimizer_set_penalties (t->opt, config->l1, config->l2,
                                                     config->penalize_biases, error))
    goto fail;
  /* Dropout's masks come from the run's seed too: same seed, same run. */
  mm_optimizer_set_seed (t->opt, config->seed);
  t->loader = mm_data_loader_new (config->train, config->batch_size, TRUE, config->seed,
                                  config->drop_last, error);
  if (t->loader == NULL)
    goto fail;
  if (mm_data_loader_get_n_batches (t->loader) == 0)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The batch size %" G_GSIZE_FORMAT " is larger than the %" G_GSIZE_FORMAT
                   " training samples and the last partial batch is dropped: no batch is left",
                   config->batch_size, mm_dataset_get_n_samples (config->train));
      goto fail;
    }
  t->progress.kind = MM_RECORD_STEP;
  t->n_batches = mm_data_loader_get_n_batches (t->loader);
  t->progress.n_batches = mm_data_loader_get_n_batches (t->loader);
  t->progress.lr = t->lr;
  t->progress.eta = NAN;
  t->progress.batch_accuracy = NAN;
  return t;

fail:
  mm_trainer_free (t);
  return NULL;
}

void
mm_trainer_free (MmTrainer *t)
{
  if (t == NULL)
    return;
  mm_trainer_stop (t);
  mm_trainer_wait (t);
  mm_optimizer_free (t->opt);
  if (t->loader)
    mm_data_loader_unref (t->loader);
  mm_trainer_config_clear (&t->config);
  g_array_unref (t->history);
  g_array_unref (t->epochs);
  mm_divergence_free (t->divergence);
  g_clear_pointer (&t->cost, mm_cost_summary_unref);
  g_clear_pointer (&t->next_train, mm_dataset_unref);
  g_clear_pointer (&t->next_test, mm_dataset_unref);
  g_clear_pointer (&t->pending, g_array_unref);
  g_clear_pointer (&t->applied, g_array_unref);
  g_mutex_clear (&t->lock);
  g_cond_clear (&t->cond);
  g_free (t);
}

/* ---- The record queue (lock held) ---------------------------------------- */

#define QUEUED(t, i) ((t)->queue[((t)->q_head + (i)) % QUEUE_CAPACITY])

/* Makes room in the full queue for @incoming. The oldest step record goes
 * first — its numbers are all in the history — folded into the next step
 * record (or @incoming) so that the n_merged counts still add up. Epoch and
 * state records, which a consumer prints or acts on, are dropped only when
 * the queue holds nothing else: with many quick epochs a slow consumer
 * would otherwise lose them to the steps around them. */
static void
queue_make_room_locked (MmTrainer       *t,
                        MmTrainerRecord *incoming)
{
  guint victim, j;

  for (victim = 0; victim < t->q_len && QUEUED (t, victim).kind != MM_RECORD_STEP; victim++)
    ;
  if (victim == t->q_len)
    {
      t->q_head = (t->q_head + 1) % QUEUE_CAPACITY;
      t->q_len--;
      return;
    }
  for (j = victim + 1; j < t->q_len && QUEUED (t, j).kind != MM_RECORD_STEP; j++)
    ;
  if (j < t->q_len)
    QUEUED (t, j).n_merged += QUEUED (t, victim).n_merged;
  else if (incoming->kind == MM_RECORD_STEP)
    incoming->n_merged += QUEUED (t, victim).n_merged;
  for (j = victim; j + 1 < t->q_len; j++)
    QUEUED (t, j) = QUEUED (t, j + 1);
  t->q_len--;
}

static void
queue_push_locked (MmTrainer             *t,
                   const MmTrainerRecord *r)
{
  MmTrainerRecord rec = *r;

  if (t->q_len == QUEUE_CAPACITY)
    {
      MmTrainerRecord *last = &QUEUED (t, t->q_len - 1);

      /* The consumer is behind. A step record only updates the newest step
       * record (the history keeps every point). */
      if (rec.kind == MM_RECORD_STEP && last->kind == MM_RECORD_STEP)
        {
          guint merged = last->n_merged + rec.n_merged;
          *last = rec;
          last->n_merged = merged;
          return;
        }
      queue_make_room_locked (t, &rec);
    }
  QUEUED (t, t->q_len) = rec;
  t->q_len++;
}

static void
push_state_locked (MmTrainer      *t,
                   MmTrainerState  state,
                   const char     *message)
{
  MmTrainerRecord r = t->progress;

  t->state = state;
  r.kind = MM_RECORD_STATE;
  r.state = state;
  g_strlcpy (r.message, message ? message : "", sizeof r.message);
  queue_push_locked (t, &r);
  g_cond_broadcast (&t->cond);
}

guint
mm_trainer_drain (MmTrainer *t,
                  GArray    *records)
{
  guint n;

  g_return_val_if_fail (t != NULL && records != NULL, 0);
  g_mutex_lock (&t->lock);
  n = t->q_len;
  for (guint i = 0; i < n; i++)
    g_array_append_val (records, t->queue[(t->q_head + i) % QUEUE_CAPACITY]);
  t->q_head = 0;
  t->q_len = 0;
  g_mutex_unlock (&t->lock);
  return n;
}

guint
mm_trainer_get_history (MmTrainer *t,
                        guint64    from,
                        GArray    *points)
{
  guint n = 0;

  g_return_val_if_fail (t != NULL && points != NULL, 0);
  g_mutex_lock (&t->lock);
  if (from < t->history->len)
    {
      n = t->history->len - (guint) from;
      g_array_append_vals (points, &g_array_index (t->history, MmStepPoint, from), n);
    }
  g_mutex_unlock (&t->lock);
  return n;
}

guint
mm_trainer_get_epochs (MmTrainer *t,
                       guint      from,
                       GArray    *records)
{
  guint n = 0;

  g_return_val_if_fail (t != NULL && records != NULL, 0);
  g_mutex_lock (&t->lock);
  if (from < t->epochs->len)
    {
      n = t->epochs->len - from;
      g_array_append_vals (records, &g_array_index (t->epochs, MmTrainerRecord, from), n);
    }
  g_mutex_unlock (&t->lock);
  return n;
}

MmTrainerRecord
mm_trainer_get_progress (MmTrainer *t)
{
  MmTrainerRecord r;

  g_mutex_lock (&t->lock);
  r = t->progress;
  r.state = t->state;
  g_mutex_unlock (&t->lock);
  return r;
}

MmTrainerState
mm_trainer_get_state (MmTrainer *t)
{
  MmTrainerState s;

  g_return_val_if_fail (t != NULL, MM_TRAINER_FAILED);
  g_mutex_lock (&t->lock);
  s = t->state;
  g_mutex_unlock (&t->lock);
  return s;
}

MmParams *
mm_trainer_snapshot_params (MmTrainer *t)
{
  g_return_val_if_fail (t != NULL, NULL);
  return mm_optimizer_snapshot_params (t->opt);
}

MmModule *
mm_trainer_get_model (MmTrainer *t)
{
  g_return_val_if_fail (t != NULL, NULL);
  return t->config.model;
}

gsize
mm_trainer_get_n_batches (MmTrainer *t)
{
  gsize n;

  g_return_val_if_fail (t != NULL, 0);
  /* The worker may swap the loader (mm_trainer_set_data). */
  g_mutex_lock (&t->lock);
  n = t->n_batches;
  g_mutex_unlock (&t->lock);
  return n;
}

/* ---- The worker ----------------------------------------------------------- */

/* Applies @c after @step steps and records it with the values it replaced.
 * Lock held; the worker's thread only (the optimizer is the worker's). */
static void
apply_change_locked (MmTrainer *t,
                     MmChange   c,
                     guint64    step)
{
  c.step = step;
  c.old_lr = mm_optimizer_get_lr (t->opt);
  c.old_l1 = t->config.l1;
  c.old_l2 = t->config.l2;
  c.old_optimizer = *mm_optimizer_get_config (t->opt);
  switch (c.kind)
    {
    case MM_CHANGE_LR:
      mm_optimizer_set_lr (t->opt, c.lr);
      /* A new base for the schedule too, so the next epoch does not undo it. */
      t->config.optimizer.lr = c.lr;
      break;
    case MM_CHANGE_PENALTIES:
      /* Checked when it was asked for (or when the trainer was made). */
      if (!mm_optimizer_set_penalties (t->opt, c.l1, c.l2, t->config.penalize_biases, NULL))
        return;
      t->config.l1 = c.l1;
      t->config.l2 = c.l2;
      break;
    case MM_CHANGE_OPTIMIZER:
      /* Keeps the parameters; another rule starts with fresh state. */
      if (!mm_optimizer_set_config (t->opt, &c.optimizer, NULL))
        return;
      t->config.optimizer = c.optimizer;
      break;
    default:
      return;
    }
  g_array_append_val (t->applied, c);
}

/* Right before step @step + 1: the replayed changes due by now, then the
 * ones asked for since the last step. Lock held. */
static void
apply_due_changes_locked (MmTrainer *t,
                          guint64    step)
{
  GArray *replay = t->config.changes;

  while (t->next_replayed < replay->len && g_array_index (replay, MmChange, t->next_replayed).step <= step)
    apply_change_locked (t, g_array_index (replay, MmChange, t->next_replayed++), step);
  for (guint i = 0; i < t->pending->len; i++)
    apply_change_locked (t, g_array_index (t->pending, MmChange, i), step);
  if (t->pending->len > 0)
    {
      g_array_set_size (t->pending, 0);
      t->lr = mm_optimizer_get_lr (t->opt);
    }
}

/* Waits while paused. Returns FALSE when the worker should end. Lock held. */
static gboolean
wait_for_go_locked (MmTrainer *t)
{
  for (;;)
    {
      if (t->stop_requested)
        return FALSE;
      if (t->state == MM_TRAINER_RUNNING)
        return TRUE;
      if (t->state == MM_TRAINER_PAUSED && t->step_budget > 0)
        {
          t->step_budget--;
          return TRUE;
        }
      /* Nothing to do: tell mm_trainer_wait_idle. */
      t->idle = TRUE;
      g_cond_broadcast (&t->cond);
      g_cond_wait (&t->cond, &t->lock);
      t->idle = FALSE;
    }
}

static gboolean
evaluate (MmTrainer *t,
          MmDataset *ds,
          double    *loss,
          double    *accuracy,
          GError   **error)
{
  gsize n = mm_dataset_get_n_samples (ds);
  gsize bs = t->config.eval_batch_size;
  g_autofree gsize *idx = g_new (gsize, MAX (MIN (bs, n), 1));
  double loss_sum = 0.0;
  gsize correct = 0;

  for (gsize start = 0; start < n; start += bs)
    {
      gsize m = MIN (bs, n - start);
      g_autoptr(MmTensor) x = NULL;
      g_autoptr(MmTensor) y = NULL;
      double l;
      gsize c;
      gboolean stop;

      /* A stop does not wait for the whole test set (10,000 images through
       * a CNN take a second): the UI thread may be waiting in
       * mm_trainer_wait. The epoch then has no test metrics. */
      g_mutex_lock (&t->lock);
      stop = t->stop_requested;
      g_mutex_unlock (&t->lock);
      if (stop)
        {
          *loss = *accuracy = NAN;
          return TRUE;
        }
      for (gsize i = 0; i < m; i++)
        idx[i] = start + i;
      if (!mm_dataset_get_batch (ds, idx, m, &x, &y, error) ||
          !mm_optimizer_evaluate (t->opt, x, y, &l, &c, error))
        return FALSE;
      loss_sum += l * (double) m;
      correct += c;
    }
  *loss = n > 0 ? loss_sum / (double) n : NAN;
  *accuracy = n > 0 ? (double) correct / (double) (n * mm_dataset_get_label_size (ds)) : NAN;
  return TRUE;
}

/* Trains on the data handed over by mm_trainer_set_data from the next step
 * on: a new loader, shuffled for the epoch under way, on the same weights
 * and optimizer state. Lock held; the worker's thread only (the loader and
 * the config's data sets are the worker's). */
static gboolean
swap_data_locked (MmTrainer *t,
                  guint      epoch,
                  gsize     *n_batches,
                  GError   **error)
{
  MmDataLoader *loader;

  t->have_next_data = FALSE;
  loader = mm_data_loader_new (t->next_train, t->config.batch_size, TRUE, t->config.seed,
                               t->config.drop_last, error);
  if (loader == NULL)
    return FALSE;
  mm_data_loader_start_epoch (loader, epoch);
  mm_data_loader_unref (t->loader);
  t->loader = loader;
  g_clear_pointer (&t->config.train, mm_dataset_unref);
  g_clear_pointer (&t->config.test, mm_dataset_unref);
  t->config.train = g_steal_pointer (&t->next_train);
  t->config.test = g_steal_pointer (&t->next_test);
  *n_batches = t->n_batches = mm_data_loader_get_n_batches (loader);
  return TRUE;
}

/* Keeps the step that diverged for the tracer (mm-trace.h): its batch, the
 * parameters and its graph. When the update itself went wrong the step's
 * graph is gone, and it is built again on the parameters as they now are. */
static void
keep_divergence (MmTrainer  *t,
                 MmStepInfo *info,
                 MmTensor   *x,
                 MmTensor   *y,
                 guint64     step,
                 guint       epoch,
                 gsize       batch,
                 const char *parameter,
                 gboolean    after_update,
                 const char *message)
{
  MmDivergence *d = g_new0 (MmDivergence, 1);

  d->step = step;
  d->epoch = epoch;
  d->batch = batch;
  d->x = mm_tensor_ref (x);
  d->y = mm_tensor_ref (y);
  d->params = mm_optimizer_snapshot_params (t->opt);
  d->after_update = after_update;
  if (info != NULL && info->loss != NULL)
    d->loss = mm_node_ref (info->loss);
  else
    {
      g_autoptr(MmOptimizer) opt = mm_optimizer_new (mm_optimizer_get_config (t->opt), t->config.model,
                                                     t->config.loss, d->params, NULL);
      g_autoptr(MmStepInfo) again = NULL;

      if (opt != NULL && mm_optimizer_set_penalties (opt, t->config.l1, t->config.l2,
                                                     t->config.penalize_biases, NULL))
        again = mm_optimizer_prepare_step (opt, x, y, NULL);
      if (again != NULL)
        d->loss = mm_node_ref (again->loss);
    }
  d->parameter = g_strdup (parameter);
  d->message = g_strdup (message);
  g_mutex_lock (&t->lock);
  mm_divergence_free (t->divergence);
  t->divergence = d;
  g_mutex_unlock (&t->lock);
}

MmDivergence *
mm_trainer_dup_divergence (MmTrainer *t)
{
  MmDivergence *d;

  g_return_val_if_fail (t != NULL, NULL);
  g_mutex_lock (&t->lock);
  d = t->divergence ? mm_divergence_copy (t->divergence) : NULL;
  g_mutex_unlock (&t->lock);
  return d;
}

/* Steps in a row with an exploded loss that count as divergence. */
#define EXPLODED_STEPS 50u

static gpointer
worker (gpointer data)
{
  MmTrainer *t = data;
  gsize n_batches = mm_data_loader_get_n_batches (t->loader);
  guint64 total_steps = (guint64) n_batches * t->config.epochs;
  g_autoptr(MmCostMeter) meter = mm_cost_meter_new ();
  double elapsed = 0.0, ema = 0.0, ema_weight = 0.0;
  gsize samples = 0;
  guint64 step = 0;
  MmTrainerState end_state = MM_TRAINER_FINISHED;
  char message[256] = "";
  double first_loss = NAN;    /* of this run's first step: the scale of "exploded" */
  guint exploded_steps = 0;   /* in a row */

  mm_set_num_threads (t->config.threads);

  for (guint epoch = 0; epoch < t->config.epochs && end_state == MM_TRAINER_FINISHED; epoch++)
    {
      double epoch_loss = 0.0, epoch_start = elapsed;
      gsize epoch_correct = 0, epoch_samples = 0, batch = 0;
      double lr;

      mm_data_loader_start_epoch (t->loader, epoch);
      g_mutex_lock (&t->lock);
      if (t->config.schedule.kind != MM_SCHEDULE_CONSTANT)
        t->pending_lr = mm_schedule_lr (&t->config.schedule, t->config.optimizer.lr, epoch);
      g_mutex_unlock (&t->lock);

      for (;;)
        {
          g_autoptr(MmTensor) x = NULL;
          g_autoptr(MmTensor) y = NULL;
          g_autoptr(MmStepInfo) info = NULL;
          g_autoptr(GError) error = NULL;
          const char *bad = NULL;
          gint64 t0;
          double loss, dt;
          gsize correct, bs;
          MmTrainerRecord r;
          MmStepPoint point;
          gboolean go, metered;
          double wall0 = 0.0;
          g_autoptr(MmCostSummary) cost = NULL;

          /* The epoch ends right after its last batch, before waiting for
           * the go: a "step once" granted at the boundary must run the next
           * epoch's first batch, not be spent on noticing the end. */
          if (mm_data_loader_get_position (t->loader) >= n_batches)
            break;

          g_mutex_lock (&t->lock);
          go = wait_for_go_locked (t);
          if (go && !isnan (t->pending_lr))
            {
              mm_optimizer_set_lr (t->opt, t->pending_lr);
              t->pending_lr = NAN;
            }
          if (go)
            apply_due_changes_locked (t, step);
          if (go && t->have_next_data && !swap_data_locked (t, epoch, &n_batches, &error))
            {
              g_mutex_unlock (&t->lock);
              end_state = MM_TRAINER_FAILED;
              g_snprintf (message, sizeof message, "%s", error->message);
              break;
            }
          total_steps = MAX (total_steps, step + (guint64) n_batches * (t->config.epochs - epoch));
          metered = go && t->meter_every > 0 && step % t->meter_every == 0;
          g_mutex_unlock (&t->lock);
          if (!go)
            {
              end_state = MM_TRAINER_STOPPED;
              break;
            }

          t0 = g_get_monotonic_time ();
          if (metered)
            {
              mm_cost_meter_reset (meter);
              mm_cost_meter_install (meter);
              wall0 = mm_cost_clock ();
            }
          if (!mm_data_loader_next (t->loader, &x, &y))
            break; /* end of the epoch */
          lr = mm_optimizer_get_lr (t->opt);
          info = mm_optimizer_prepare_step (t->opt, x, y, &error);
          if (info == NULL)
            {
              end_state = MM_TRAINER_FAILED;
              g_snprintf (message, sizeof message, "%s", error->message);
              break;
            }
          loss = mm_step_info_get_loss (info);
          /* A NaN or infinite loss stops before the update, so the
           * parameters stay as they were (finite) for inspection. */
          if (!isfinite (loss))
            {
              end_state = MM_TRAINER_DIVERGED;
              g_snprintf (message, sizeof message,
                          "Training diverged at step %" G_GUINT64_FORMAT " (epoch %u, batch %" G_GSIZE_FORMAT "): "
                          "the loss became %s. Try a smaller learning rate.", step + 1, epoch + 1, batch + 1,
                          isnan (loss) ? "NaN" : "infinite");
              keep_divergence (t, info, x, y, step + 1, epoch, batch + 1, NULL, FALSE, message);
              break;
            }
          /* A finite loss can still have a gradient that is not: stop before
           * the update too, keeping the parameters finite. */
          if (!mm_params_all_finite (info->gradients, &bad))
            {
              end_state = MM_TRAINER_DIVERGED;
              g_snprintf (message, sizeof message,
                          "Training diverged at step %" G_GUINT64_FORMAT " (epoch %u, batch %" G_GSIZE_FORMAT "): "
                          "the gradient of %s became NaN or infinite. Try a smaller learning rate.",
                          step + 1, epoch + 1, batch + 1, bad);
              keep_divergence (t, info, x, y, step + 1, epoch, batch + 1, bad, FALSE, message);
              break;
            }
          /* A loss can also explode and stay finite: with tanh or a
           * stable cross-entropy, lr 10⁶ gives losses of 10⁶ for ever and
           * nothing is learnt. Ten thousand times the first step's loss
           * (and at least 1000) is far beyond what a too-large but usable
           * rate does (the bad-lr preset peaks near 300 times); held for
           * EXPLODED_STEPS steps in a row, it is not a passing spike (and a
           * run on its way to NaN gets there first, for the tracer). Stop
           * and say so, before this step's update. */
          if (isnan (first_loss))
            first_loss = loss;
          exploded_steps = loss > MAX (1e4 * first_loss, 1e3) ? exploded_steps + 1 : 0;
          if (exploded_steps >= EXPLODED_STEPS)
            {
              end_state = MM_TRAINER_DIVERGED;
              g_snprintf (message, sizeof message,
                          "Training diverged at step %" G_GUINT64_FORMAT " (epoch %u, batch %" G_GSIZE_FORMAT "): "
                          "the loss exploded from %.3g to %.3g and stayed there for %u steps. "
                          "Try a smaller learning rate.",
                          step + 1, epoch + 1, batch + 1, first_loss, loss, EXPLODED_STEPS);
              keep_divergence (t, info, x, y, step + 1, epoch, batch + 1, NULL, FALSE, message);
              break;
            }
          mm_step_info_release_graph (info);
          if (!mm_optimizer_perform_step (t->opt, info, &error))
            {
              end_state = MM_TRAINER_FAILED;
              g_snprintf (message, sizeof message, "%s", error->message);
              break;
            }
          if (metered)
            {
              mm_cost_meter_install (NULL);
              cost = mm_cost_meter_summarize (meter, step + 1, mm_cost_clock () - wall0);
              mm_cost_summary_label_layers (cost, t->config.model);
            }
          step++;
          batch++;
          bs = x->shape.dim[0];
          correct = mm_step_info_count_correct (info);
          dt = (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
          elapsed += dt;
          samples += bs;
          epoch_samples += bs;
          epoch_loss += mm_step_info_get_data_loss (info) * (double) bs;
          epoch_correct += correct;
          ema = SMOOTHING * ema + (1.0 - SMOOTHING) * loss;
          ema_weight = SMOOTHING * ema_weight + (1.0 - SMOOTHING);

          memset (&r, 0, sizeof r);
          r.kind = MM_RECORD_STEP;
          r.step = step;
          r.epoch = epoch;
          r.batch = batch;
          r.n_batches = n_batches;
          r.n_merged = 1;
          r.loss = loss;
          r.data_loss = mm_step_info_get_data_loss (info);
          r.penalty = mm_step_info_get_penalty (info);
          r.l1_penalty = mm_step_info_get_l1_penalty (info);
          r.l2_penalty = mm_step_info_get_l2_penalty (info);
          r.smoothed_loss = ema / ema_weight;
          r.batch_accuracy = (double) correct / (double) (bs * mm_dataset_get_label_size (t->config.train));
          r.lr = lr;
          r.elapsed = elapsed;
          r.samples_per_second = elapsed > 0 ? samples / elapsed : 0.0;
          r.eta = r.samples_per_second > 0
                  ? (double) (total_steps - step) * ((double) samples / step) / r.samples_per_second : NAN;
          r.train_loss = r.train_accuracy = r.test_loss = r.test_accuracy = NAN;
          point = (MmStepPoint) { step, epoch, (float) loss, (float) r.data_loss, (float) r.penalty, (float) lr,
                                  (float) r.l1_penalty, (float) r.l2_penalty };

          g_mutex_lock (&t->lock);
          r.state = t->state;
          if (cost != NULL)
            {
              g_clear_pointer (&t->cost, mm_cost_summary_unref);
              t->cost = g_steal_pointer (&cost);
              t->cost_step = step;
            }
          r.cost_step = t->cost_step;
          g_array_append_val (t->history, point);
          t->progress = r;
          queue_push_locked (t, &r);
          if (t->delay_ms > 0)
            {
              gint64 until = g_get_monotonic_time () + (gint64) t->delay_ms * 1000;
              while (!t->stop_requested && t->state == MM_TRAINER_RUNNING &&
                     g_cond_wait_until (&t->cond, &t->lock, until))
                ;
            }
          g_mutex_unlock (&t->lock);

          bad = mm_optimizer_get_nonfinite_param (t->opt);
          if (bad != NULL)
            {
              end_state = MM_TRAINER_DIVERGED;
              g_snprintf (message, sizeof message,
                          "Training diverged at step %" G_GUINT64_FORMAT " (epoch %u, batch %" G_GSIZE_FORMAT "): "
                          "the parameter %s became NaN or infinite. Try a smaller learning rate.",
                          step, epoch + 1, batch, bad);
              keep_divergence (t, NULL, x, y, step, epoch, batch, bad, TRUE, message);
              break;
            }
        }

      if (end_state != MM_TRAINER_FINISHED)
        break;

      /* The epoch is complete: its metrics. */
      {
        MmTrainerRecord r = t->progress;
        g_autoptr(GError) error = NULL;

        r.kind = MM_RECORD_EPOCH;
        r.epoch = epoch;
        r.train_loss = epoch_samples > 0 ? epoch_loss / (double) epoch_samples : NAN;
        r.train_accuracy = epoch_samples > 0
                           ? (double) epoch_correct / (double) (epoch_samples * mm_dataset_get_label_size (t->config.train))
                           : NAN;
        r.test_loss = r.test_accuracy = NAN;
        r.epoch_seconds = elapsed - epoch_start;
        if (t->config.test != NULL && !evaluate (t, t->config.test, &r.test_loss, &r.test_accuracy, &error))
          {
            end_state = MM_TRAINER_FAILED;
            g_snprintf (message, sizeof message, "%s", error->message);
            break;
          }
        g_mutex_lock (&t->lock);
        r.state = t->state;
        g_array_append_val (t->epochs, r);
        queue_push_locked (t, &r);
        g_mutex_unlock (&t->lock);
      }
    }

  g_mutex_lock (&t->lock);
  if (end_state == MM_TRAINER_FINISHED)
    g_snprintf (message, sizeof message, "Finished %u epochs", t->config.epochs);
  else if (end_state == MM_TRAINER_STOPPED)
    g_snprintf (message, sizeof message, "Stopped at step %" G_GUINT64_FORMAT, step);
  push_state_locked (t, end_state, message);
  g_mutex_unlock (&t->lock);
  /* A step that ended early may have left the meter installed. */
  mm_cost_meter_install (NULL);
  return NULL;
}

static void
ensure_thread_locked (MmTrainer *t)
{
  if (t->thread == NULL)
    t->thread = g_thread_new ("myml-trainer", worker, t);
}

static gboolean
is_over (MmTrainerState s)
{
  return s == MM_TRAINER_FINISHED || s == MM_TRAINER_STOPPED ||
         s == MM_TRAINER_DIVERGED || s == MM_TRAINER_FAILED;
}

void
mm_trainer_start (MmTrainer *t)
{
  g_return_if_fail (t != NULL);
  g_mutex_lock (&t->lock);
  if (!is_over (t->state) && !t->stop_requested && t->state != MM_TRAINER_RUNNING)
    {
      push_state_locked (t, MM_TRAINER_RUNNING, NULL);
      ensure_thread_locked (t);
    }
  g_mutex_unlock (&t->lock);
}

void
mm_trainer_resume (MmTrainer *t)
{
  mm_trainer_start (t);
}

void
mm_trainer_pause (MmTrainer *t)
{
  g_return_if_fail (t != NULL);
  g_mutex_lock (&t->lock);
  if (t->state == MM_TRAINER_RUNNING || t->state == MM_TRAINER_READY)
    push_state_locked (t, MM_TRAINER_PAUSED, NULL);
  g_mutex_unlock (&t->lock);
}

void
mm_trainer_step_once (MmTrainer *t)
{
  g_return_if_fail (t != NULL);
  g_mutex_lock (&t->lock);
  if (!is_over (t->state) && !t->stop_requested)
    {
      if (t->state != MM_TRAINER_PAUSED)
        push_state_locked (t, MM_TRAINER_PAUSED, NULL);
      t->step_budget++;
      ensure_thread_locked (t);
      g_cond_broadcast (&t->cond);
    }
  g_mutex_unlock (&t->lock);
}

void
mm_trainer_stop (MmTrainer *t)
{
  g_return_if_fail (t != NULL);
  g_mutex_lock (&t->lock);
  t->stop_requested = TRUE;
  if (t->thread == NULL && !is_over (t->state))
    push_state_locked (t, MM_TRAINER_STOPPED, "Stopped before it started");
  g_cond_broadcast (&t->cond);
  g_mutex_unlock (&t->lock);
}

void
mm_trainer_wait (MmTrainer *t)
{
  GThread *thread;

  g_return_if_fail (t != NULL);
  g_mutex_lock (&t->lock);
  thread = g_steal_pointer (&t->thread);
  g_mutex_unlock (&t->lock);
  if (thread != NULL)
    g_thread_join (thread);
}

void
mm_trainer_wait_idle (MmTrainer *t)
{
  g_return_if_fail (t != NULL);
  g_mutex_lock (&t->lock);
  while (t->thread != NULL && !is_over (t->state) &&
         !(t->idle && t->step_budget == 0 && t->state != MM_TRAINER_RUNNING))
    g_cond_wait (&t->cond, &t->lock);
  g_mutex_unlock (&t->lock);
}

void
mm_trainer_set_lr (MmTrainer *t,
                   double     lr)
{
  MmChange c;

  g_return_if_fail (t != NULL);
  mm_change_init_lr (&c, lr);
  mm_trainer_change (t, &c, NULL);
}

gboolean
mm_trainer_change (MmTrainer       *t,
                   const MmChange  *change,
                   GError         **error)
{
  g_return_val_if_fail (t != NULL && change != NULL, FALSE);
  if (!mm_change_check (change, error))
    return FALSE;
  g_mutex_lock (&t->lock);
  if (!is_over (t->state) && !t->stop_requested)
    {
      g_array_append_val (t->pending, *change);
      if (change->kind == MM_CHANGE_LR || change->kind == MM_CHANGE_OPTIMIZER)
        t->lr = change->lr;
    }
  g_mutex_unlock (&t->lock);
  return TRUE;
}

guint
mm_trainer_get_changes (MmTrainer *t,
                        guint      from,
                        GArray    *changes)
{
  guint n = 0;

  g_return_val_if_fail (t != NULL && changes != NULL, 0);
  g_mutex_lock (&t->lock);
  if (from < t->applied->len)
    {
      n = t->applied->len - from;
      g_array_append_vals (changes, &g_array_index (t->applied, MmChange, from), n);
    }
  g_mutex_unlock (&t->lock);
  return n;
}

MmRunRecord *
mm_trainer_dup_run_record (MmTrainer *t)
{
  MmRunRecord *r;

  g_return_val_if_fail (t != NULL, NULL);
  r = mm_run_record_new ();
  g_mutex_lock (&t->lock);
  r->seed = t->config.seed;
  r->optimizer = t->initial_optimizer;
  r->l1 = t->initial_l1;
  r->l2 = t->initial_l2;
  g_array_append_vals (r->changes, t->applied->data, t->applied->len);
  g_mutex_unlock (&t->lock);
  return r;
}

double
mm_trainer_get_lr (MmTrainer *t)
{
  double lr;

  g_return_val_if_fail (t != NULL, NAN);
  g_mutex_lock (&t->lock);
  lr = t->lr;
  g_mutex_unlock (&t->lock);
  return lr;
}

void
mm_trainer_set_step_delay (MmTrainer *t,
                           guint      milliseconds)
{
  g_return_if_fail (t != NULL);
  g_mutex_lock (&t->lock);
  t->delay_ms = milliseconds;
  g_cond_broadcast (&t->cond);
  g_mutex_unlock (&t->lock);
}

void
mm_trainer_set_cost_meter (MmTrainer *t,
                           guint      every)
{
  g_return_if_fail (t != NULL);
  g_mutex_lock (&t->lock);
  t->meter_every = every;
  g_mutex_unlock (&t->lock);
}

MmCostSummary *
mm_trainer_ref_cost (MmTrainer *t)
{
  MmCostSummary *s;

  g_return_val_if_fail (t != NULL, NULL);
  g_mutex_lock (&t->lock);
  s = t->cost != NULL ? mm_cost_summary_ref (t->cost) : NULL;
  g_mutex_unlock (&t->lock);
  return s;
}

static gboolean
check_data (MmTrainer  *t,
            MmDataset  *ds,
            const char *what,
            GError    **error)
{
  const MmShape *want = mm_dataset_get_sample_shape (t->config.train);

  if (!mm_shape_equal (mm_dataset_get_sample_shape (ds), want))
    {
      g_autofree char *a = mm_shape_to_string (mm_dataset_get_sample_shape (ds));
      g_autofree char *b = mm_shape_to_string (want);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "The new %s data have samples of shape %s, but the network takes %s", what, a, b);
      return FALSE;
    }
  if (mm_dataset_get_n_classes (ds) > t->n_classes)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The new %s data have %u classes, but the loss expects %u", what,
                   mm_dataset_get_n_classes (ds), t->n_classes);
      return FALSE;
    }
  return TRUE;
}

gboolean
mm_trainer_set_data (MmTrainer  *t,
                     MmDataset  *train,
                     MmDataset  *test,
                     GError    **error)
{
  gsize n;

  g_return_val_if_fail (t != NULL && train != NULL, FALSE);

  /* t->config.train may be swapped by the worker, but its sample shape never
   * changes: every swap passed this check. */
  g_mutex_lock (&t->lock);
  if (!check_data (t, train, "training", error) || (test != NULL && !check_data (t, test, "test", error)))
    {
      g_mutex_unlock (&t->lock);
      return FALSE;
    }
  n = mm_dataset_get_n_samples (train);
  if (n == 0 || (t->config.drop_last && n < t->config.batch_size))
    {
      g_mutex_unlock (&t->lock);
      if (n == 0)
        g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, "The training data has no samples");
      else
        g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                     "The batch size %" G_GSIZE_FORMAT " is larger than the %" G_GSIZE_FORMAT
                     " training samples and the last partial batch is dropped: no batch is left",
                     t->config.batch_size, n);
      return FALSE;
    }
  g_clear_pointer (&t->next_train, mm_dataset_unref);
  g_clear_pointer (&t->next_test, mm_dataset_unref);
  t->next_train = mm_dataset_ref (train);
  t->next_test = test != NULL ? mm_dataset_ref (test) : NULL;
  t->have_next_data = TRUE;
  g_mutex_unlock (&t->lock);
  return TRUE;
}
