/* test-trainer.c — the worker-thread trainer on small toy datasets: the
 * records and the history of a run, pause / resume / step once / stop,
 * learning-rate changes, divergence, a consumer that never drains, bit-for-bit
 * reproducible runs, configuration errors, a spiral learnt to 95 %, and a
 * thousand quick start/stop cycles.
 *
 * Every wait polls with a deadline, so a deadlock fails the test instead of
 * hanging it. */
#include <myml.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define DEADLINE_S 30

typedef struct {
  const char *model;
  MmToyKind kind;
  gsize n_samples;
  guint n_classes;
  double noise;
  double test_fraction;     /* 0: no test set */
  MmOptimizerKind optimizer;
  double lr;
  gsize batch_size;
  guint epochs;
  guint32 seed;
  guint32 data_seed;
  MmSchedule schedule;
} Setup;

static Setup
default_setup (void)
{
  Setup s = {
    .model = "Linear(2, 16); Tanh; Linear(16, 3)",
    .kind = MM_TOY_SPIRAL,
    .n_samples = 150,
    .n_classes = 3,
    .noise = 0.05,
    .test_fraction = 0.0,
    .optimizer = MM_OPTIMIZER_SGD,
    .lr = 0.1,
    .batch_size = 10,
    .epochs = 2,
    .seed = 42,
    .data_seed = 7,
  };
  return s;
}

static MmTrainer *
make_trainer_full (const Setup *s,
                   GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(MmDataset) all = mm_dataset_new_toy (s->kind, s->n_samples, s->noise, s->n_classes,
                                                 s->data_seed, &local);
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, NULL);
  MmTrainerConfig config;
  MmTrainer *t;

  g_assert_no_error (local);
  mm_trainer_config_init (&config);
  config.model = mm_module_parse (s->model, &local);
  g_assert_no_error (local);
  config.loss = mm_loss_one_hot_new (ce, s->n_classes, NULL);
  if (s->test_fraction > 0)
    {
      g_assert_true (mm_dataset_split (all, s->test_fraction, s->data_seed, &config.train, &config.test, &local));
      g_assert_no_error (local);
    }
  else
    config.train = mm_dataset_ref (all);
  mm_optimizer_config_init (&config.optimizer, s->optimizer);
  config.optimizer.lr = s->lr;
  config.batch_size = s->batch_size;
  config.epochs = s->epochs;
  config.seed = s->seed;
  config.schedule = s->schedule;
  config.threads = 1;
  t = mm_trainer_new (&config, error);
  mm_trainer_config_clear (&config);
  return t;
}

static MmTrainer *
make_trainer (const Setup *s)
{
  g_autoptr(GError) error = NULL;
  MmTrainer *t = make_trainer_full (s, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  return t;
}

static gboolean
is_over (MmTrainerState s)
{
  return s == MM_TRAINER_FINISHED || s == MM_TRAINER_STOPPED ||
         s == MM_TRAINER_DIVERGED || s == MM_TRAINER_FAILED;
}

/* Polls until the trainer has ended, or fails the test after DEADLINE_S. */
static MmTrainerState
wait_over (MmTrainer *t)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;
  MmTrainerState s;

  while (!is_over (s = mm_trainer_get_state (t)))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the trainer did not end within %d s (state %s)", DEADLINE_S, mm_trainer_state_name (s));
      g_usleep (1000);
    }
  mm_trainer_wait (t);
  return s;
}

/* Polls until at least @n steps are done. */
static guint64
wait_steps (MmTrainer *t,
            guint64    n)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;
  guint64 done;

  while ((done = mm_trainer_get_progress (t).step) < n)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("only %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " steps within %d s (state %s)",
                 done, n, DEADLINE_S, mm_trainer_state_name (mm_trainer_get_state (t)));
      g_usleep (500);
    }
  return done;
}

static GArray *
history (MmTrainer *t)
{
  GArray *h = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  mm_trainer_get_history (t, 0, h);
  return h;
}

static guint
history_len (MmTrainer *t)
{
  g_autoptr(GArray) h = history (t);
  return h->len;
}

/* Steps of a trainer that has been paused settle: nothing moves any more. */
static void
assert_still (MmTrainer *t,
              guint64    steps)
{
  g_usleep (30000);
  g_assert_cmpuint (history_len (t), ==, steps);
  g_assert_cmpuint (mm_trainer_get_progress (t).step, ==, steps);
}

/* Polls until the step count stops moving (a paused worker finishing the
 * batch it was in); returns it. */
static guint64
wait_settled (MmTrainer *t)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;
  guint64 a = mm_trainer_get_progress (t).step, b;

  for (;;)
    {
      g_usleep (20000);
      b = mm_trainer_get_progress (t).step;
      if (a == b)
        return b;
      if (g_get_monotonic_time () > deadline)
        g_error ("the trainer did not settle within %d s", DEADLINE_S);
      a = b;
    }
}

/* ---- A complete run ----------------------------------------------------------- */

static void
test_run_to_the_end (void)
{
  Setup s = default_setup ();
  g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  g_autoptr(GArray) h = NULL;
  g_autoptr(GArray) epochs = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  MmTrainer *t;
  gint64 deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;
  guint64 last_step = 0, merged = 0, n_train;
  gsize n_batches;
  guint n_epoch_records = 0, n_steps = 0;
  gboolean finished = FALSE;

  s.n_samples = 300;
  s.test_fraction = 0.5;      /* 150 for training: 15 batches of 10 */
  s.batch_size = 11;          /* … or 13 of 11 and a last one of 7 */
  s.epochs = 3;
  t = make_trainer (&s);
  n_train = 150;
  n_batches = (n_train + s.batch_size - 1) / s.batch_size;
  g_assert_cmpuint (mm_trainer_get_n_batches (t), ==, n_batches);
  g_assert_cmpint (mm_trainer_get_state (t), ==, MM_TRAINER_READY);
  g_assert_cmpstr (mm_trainer_state_name (MM_TRAINER_READY), ==, "ready");

  mm_trainer_start (t);
  /* Drain as a frame clock would, until the final state record arrives. */
  while (!finished)
    {
      guint from = records->len;
      if (g_get_monotonic_time () > deadline)
        g_error ("no final record within %d s", DEADLINE_S);
      g_usleep (2000);
      mm_trainer_drain (t, records);
      for (guint i = from; i < records->len; i++)
        {
          const MmTrainerRecord *r = &g_array_index (records, MmTrainerRecord, i);
          if (r->kind == MM_RECORD_STATE && is_over (r->state))
            finished = TRUE;
        }
    }
  g_assert_cmpint (wait_over (t), ==, MM_TRAINER_FINISHED);

  /* The records: RUNNING first, FINISHED last, steps in order, epochs after
   * their last step. */
  {
    const MmTrainerRecord *first = &g_array_index (records, MmTrainerRecord, 0);
    const MmTrainerRecord *last = &g_array_index (records, MmTrainerRecord, records->len - 1);
    g_assert_cmpint (first->kind, ==, MM_RECORD_STATE);
    g_assert_cmpint (first->state, ==, MM_TRAINER_RUNNING);
    g_assert_cmpint (last->kind, ==, MM_RECORD_STATE);
    g_assert_cmpint (last->state, ==, MM_TRAINER_FINISHED);
    g_assert_cmpstr (last->message, ==, "Finished 3 epochs");
  }
  for (guint i = 0; i < records->len; i++)
    {
      const MmTrainerRecord *r = &g_array_index (records, MmTrainerRecord, i);
      if (r->kind == MM_RECORD_STEP)
        {
          g_assert_cmpuint (r->step, >, last_step);
          g_assert_cmpuint (r->n_merged, >=, 1);
          g_assert_cmpuint (r->n_batches, ==, n_batches);
          g_assert_cmpuint (r->epoch, ==, (r->step - 1) / n_batches);
          g_assert_cmpuint (r->batch, ==, (r->step - 1) % n_batches + 1);
          g_assert_true (isfinite (r->loss) && r->loss > 0);
          g_assert_cmpfloat (fabs (r->loss - r->data_loss - r->penalty), <=, 1e-6 * r->loss);
          g_assert_true (r->batch_accuracy >= 0 && r->batch_accuracy <= 1);
          g_assert_cmpfloat (r->lr, ==, s.lr);
          last_step = r->step;
          merged += r->n_merged;
          n_steps++;
        }
      else if (r->kind == MM_RECORD_EPOCH)
        {
          g_assert_cmpuint (r->epoch, ==, n_epoch_records);
          g_assert_cmpuint (last_step, ==, (guint64) (r->epoch + 1) * n_batches);
          g_assert_true (isfinite (r->train_loss) && isfinite (r->test_loss));
          g_assert_true (r->test_accuracy >= 0 && r->test_accuracy <= 1);
          g_assert_true (r->train_accuracy >= 0 && r->train_accuracy <= 1);
          g_assert_cmpfloat (r->epoch_seconds, >=, 0);
          n_epoch_records++;
        }
    }
  g_assert_cmpuint (n_epoch_records, ==, 3);
  g_assert_cmpuint (last_step, ==, 3 * n_batches);
  /* Nothing was dropped: the queue never filled, so every step is accounted for. */
  g_assert_cmpuint (merged, ==, 3 * n_batches);
  g_assert_cmpuint (n_steps, <=, 3 * n_batches);

  /* The history: one point per step, numbered 1…, epoch by epoch. */
  h = history (t);
  g_assert_cmpuint (h->len, ==, 3 * n_batches);
  for (guint i = 0; i < h->len; i++)
    {
      const MmStepPoint *p = &g_array_index (h, MmStepPoint, i);
      g_assert_cmpuint (p->step, ==, i + 1);
      g_assert_cmpuint (p->epoch, ==, i / n_batches);
      g_assert_true (isfinite (p->loss));
      g_assert_cmpfloat (p->lr, ==, (float) s.lr);
    }
  /* From an index on. */
  {
    g_autoptr(GArray) tail = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
    g_assert_cmpuint (mm_trainer_get_history (t, h->len - 5, tail), ==, 5);
    g_assert_cmpuint (g_array_index (tail, MmStepPoint, 0).step, ==, h->len - 4);
    g_assert_cmpuint (mm_trainer_get_history (t, h->len, tail), ==, 0);
  }

  /* The epoch's train loss is the mean of its batches' data losses, weighted
   * by the batch sizes (the last batch is smaller). */
  g_assert_cmpuint (mm_trainer_get_epochs (t, 0, epochs), ==, 3);
  for (guint e = 0; e < 3; e++)
    {
      double sum = 0;
      for (gsize b = 0; b < n_batches; b++)
        {
          gsize size = b + 1 < n_batches ? s.batch_size : n_train - (n_batches - 1) * s.batch_size;
          sum += g_array_index (h, MmStepPoint, e * n_batches + b).data_loss * (double) size;
        }
      g_assert_cmpfloat_with_epsilon (g_array_index (epochs, MmTrainerRecord, e).train_loss,
                                      sum / n_train, 1e-5);
    }
  g_assert_cmpuint (mm_trainer_get_epochs (t, 2, epochs), ==, 1);
  g_assert_cmpuint (mm_trainer_get_progress (t).step, ==, 3 * n_batches);
  g_assert_cmpint (mm_trainer_get_progress (t).state, ==, MM_TRAINER_FINISHED);

  /* Over is over: commands do nothing. */
  mm_trainer_start (t);
  mm_trainer_step_once (t);
  g_assert_cmpint (mm_trainer_get_state (t), ==, MM_TRAINER_FINISHED);
  mm_trainer_free (t);
}

/* ---- Pause, resume, step once --------------------------------------------------- */

static void
test_step_once (void)
{
  Setup s = default_setup ();
  MmTrainer *t;
  gsize n_batches;

  s.n_samples = 30;
  s.batch_size = 10;   /* 3 batches per epoch */
  s.epochs = 4;
  t = make_trainer (&s);
  n_batches = mm_trainer_get_n_batches (t);
  g_assert_cmpuint (n_batches, ==, 3);

  /* From READY: exactly one batch, then PAUSED. */
  mm_trainer_step_once (t);
  g_assert_cmpint (mm_trainer_get_state (t), ==, MM_TRAINER_PAUSED);
  wait_steps (t, 1);
  assert_still (t, 1);
  g_assert_cmpint (mm_trainer_get_state (t), ==, MM_TRAINER_PAUSED);

  /* Each further step adds exactly one point, across epoch boundaries too. */
  for (guint64 k = 2; k <= 8; k++)
    {
      mm_trainer_step_once (t);
      wait_steps (t, k);
      assert_still (t, k);
      g_assert_cmpint (mm_trainer_get_state (t), ==, MM_TRAINER_PAUSED);
    }
  {
    g_autoptr(GArray) h = history (t);
    g_autoptr(GArray) e = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
    g_assert_cmpuint (g_array_index (h, MmStepPoint, 7).epoch, ==, 2);
    /* Epochs 0 and 1 are complete. */
    g_assert_cmpuint (mm_trainer_get_epochs (t, 0, e), >=, 2);
  }

  /* Resume runs the rest. */
  mm_trainer_resume (t);
  g_assert_cmpint (wait_over (t), ==, MM_TRAINER_FINISHED);
  g_assert_cmpuint (history_len (t), ==, 4 * n_batches);
  mm_trainer_free (t);
}

static void
test_pause_resume (void)
{
  Setup s = default_setup ();
  MmTrainer *t;
  guint64 at_pause;
  g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  guint n_paused = 0, n_running = 0;

  s.n_samples = 600;
  s.batch_size = 2;    /* 300 batches per epoch */
  s.epochs = 20;
  t = make_trainer (&s);

  /* Paused before it starts: nothing runs until resume. */
  mm_trainer_pause (t);
  g_assert_cmpint (mm_trainer_get_state (t), ==, MM_TRAINER_PAUSED);
  assert_still (t, 0);

  mm_trainer_resume (t);
  g_assert_cmpint (mm_trainer_get_state (t), ==, MM_TRAINER_RUNNING);
  wait_steps (t, 20);
  mm_trainer_pause (t);
  g_assert_cmpint (mm_trainer_get_state (t), ==, MM_TRAINER_PAUSED);
  /* At most the batch in flight completes after pause returns. */
  at_pause = mm_trainer_get_progress (t).step;
  {
    guint64 settled = wait_settled (t);
    g_assert_cmpuint (settled, <=, at_pause + 1);
    at_pause = settled;
  }
  assert_still (t, at_pause);

  /* A step while paused is one step. */
  mm_trainer_step_once (t);
  wait_steps (t, at_pause + 1);
  assert_still (t, at_pause + 1);

  mm_trainer_resume (t);
  wait_steps (t, at_pause + 30);
  mm_trainer_stop (t);
  g_assert_cmpint (wait_over (t), ==, MM_TRAINER_STOPPED);

  mm_trainer_drain (t, records);
  for (guint i = 0; i < records->len; i++)
    {
      const MmTrainerRecord *r = &g_array_index (records, MmTrainerRecord, i);
      if (r->kind != MM_RECORD_STATE)
        continue;
      n_paused += r->state == MM_TRAINER_PAUSED;
      n_running += r->state == MM_TRAINER_RUNNING;
    }
  g_assert_cmpuint (n_paused, ==, 2);
  g_assert_cmpuint (n_running, ==, 2);
  mm_trainer_free (t);
}

/* ---- Stop --------------------------------------------------------------------------- */

static void
test_stop (void)
{
  Setup s = default_setup ();
  g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  const MmTrainerRecord *last;
  MmTrainer *t;
  guint64 steps;
  char want[64];

  s.n_samples = 600;
  s.batch_size = 2;
  s.epochs = 1000;       /* far more than the test waits for */
  t = make_trainer (&s);
  mm_trainer_start (t);
  wait_steps (t, 10);
  mm_trainer_stop (t);
  g_assert_cmpint (wait_over (t), ==, MM_TRAINER_STOPPED);
  steps = history_len (t);
  g_assert_cmpuint (mm_trainer_get_progress (t).step, ==, steps);
  assert_still (t, steps);
  mm_trainer_drain (t, records);
  last = &g_array_index (records, MmTrainerRecord, records->len - 1);
  g_assert_cmpint (last->kind, ==, MM_RECORD_STATE);
  g_assert_cmpint (last->state, ==, MM_TRAINER_STOPPED);
  g_snprintf (want, sizeof want, "Stopped at step %" G_GUINT64_FORMAT, steps);
  g_assert_cmpstr (last->message, ==, want);
  /* A stopped trainer does not start again. */
  mm_trainer_start (t);
  g_assert_cmpint (mm_trainer_get_state (t), ==, MM_TRAINER_STOPPED);
  mm_trainer_free (t);

  /* Stop before start. */
  t = make_trainer (&s);
  mm_trainer_stop (t);
  g_assert_cmpint (mm_trainer_get_state (t), ==, MM_TRAINER_STOPPED);
  mm_trainer_start (t);
  mm_trainer_step_once (t);
  g_assert_cmpint (mm_trainer_get_state (t), ==, MM_TRAINER_STOPPED);
  assert_still (t, 0);
  mm_trainer_free (t);

  /* Stop while paused wakes the worker. */
  t = make_trainer (&s);
  mm_trainer_step_once (t);
  wait_steps (t, 1);
  mm_trainer_stop (t);
  g_assert_cmpint (wait_over (t), ==, MM_TRAINER_STOPPED);
  g_assert_cmpuint (history_len (t), ==, 1);
  mm_trainer_free (t);

  /* Stop during a long demonstration delay ends at once, not after the delay. */
  t = make_trainer (&s);
  mm_trainer_set_step_delay (t, 20000);
  mm_trainer_start (t);
  wait_steps (t, 1);
  {
    gint64 t0 = g_get_monotonic_time ();
    mm_trainer_stop (t);
    g_assert_cmpint (wait_over (t), ==, MM_TRAINER_STOPPED);
    g_assert_cmpint (g_get_monotonic_time () - t0, <, 5 * G_USEC_PER_SEC);
  }
  g_assert_cmpuint (history_len (t), ==, 1);
  mm_trainer_free (t);

  /* Freeing a running trainer stops it and waits for the worker. */
  t = make_trainer (&s);
  mm_trainer_start (t);
  wait_steps (t, 3);
  mm_trainer_free (t);
}

/* ---- Learning rate ----------------------------------------------------------------- */

static void
test_set_lr (void)
{
  Setup s = default_setup ();
  g_autoptr(GArray) h = NULL;
  MmTrainer *t;
  guint first_new = 0;

  s.n_samples = 60;
  s.batch_size = 10;
  s.epochs = 3;
  t = make_trainer (&s);

  /* Step by step: the change applies from the next batch. */
  for (guint64 k = 1; k <= 3; k++)
    {
      mm_trainer_step_once (t);
      wait_steps (t, k);
    }
  mm_trainer_set_lr (t, 0.025);
  g_assert_cmpfloat (mm_trainer_get_lr (t), ==, 0.025);
  for (guint64 k = 4; k <= 6; k++)
    {
      mm_trainer_step_once (t);
      wait_steps (t, k);
    }
  /* Nonsense is ignored. */
  mm_trainer_set_lr (t, -1);
  mm_trainer_set_lr (t, NAN);
  mm_trainer_set_lr (t, INFINITY);
  g_assert_cmpfloat (mm_trainer_get_lr (t), ==, 0.025);
  mm_trainer_stop (t);
  wait_over (t);
  h = history (t);
  g_assert_cmpuint (h->len, ==, 6);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpfloat (g_array_index (h, MmStepPoint, i).lr, ==, i < 3 ? (float) s.lr : 0.025f);
  mm_trainer_free (t);
  g_clear_pointer (&h, g_array_unref);

  /* While running: once the new rate shows up, it stays. */
  s.n_samples = 600;
  s.batch_size = 2;
  s.epochs = 1000;
  t = make_trainer (&s);
  mm_trainer_start (t);
  wait_steps (t, 10);
  mm_trainer_set_lr (t, 0.0125);
  {
    guint64 at = mm_trainer_get_progress (t).step;
    wait_steps (t, at + 10);
  }
  mm_trainer_stop (t);
  wait_over (t);
  h = history (t);
  for (guint i = 0; i < h->len; i++)
    {
      float lr = g_array_index (h, MmStepPoint, i).lr;
      if (first_new == 0 && lr == 0.0125f)
        first_new = i + 1;
      if (first_new)
        g_assert_cmpfloat (lr, ==, 0.0125f);
      else
        g_assert_cmpfloat (lr, ==, (float) s.lr);
    }
  g_assert_cmpuint (first_new, >, 10);
  mm_trainer_free (t);
}

/* A step schedule: lr · γ^⌊epoch / size⌋, epoch by epoch, in the history. */
static void
test_schedule (void)
{
  Setup s = default_setup ();
  g_autoptr(GArray) h = NULL;
  MmTrainer *t;

  s.n_samples = 40;
  s.batch_size = 10;
  s.epochs = 5;
  s.schedule.kind = MM_SCHEDULE_STEP;
  s.schedule.step_size = 2;
  s.schedule.gamma = 0.5;
  t = make_trainer (&s);
  mm_trainer_start (t);
  g_assert_cmpint (wait_over (t), ==, MM_TRAINER_FINISHED);
  h = history (t);
  g_assert_cmpuint (h->len, ==, 20);
  for (guint i = 0; i < h->len; i++)
    {
      const MmStepPoint *p = &g_array_index (h, MmStepPoint, i);
      double want = s.lr * pow (0.5, p->epoch / 2);
      g_assert_cmpfloat (p->lr, ==, (float) want);
    }
  mm_trainer_free (t);
}

/* ---- Divergence ---------------------------------------------------------------------- */

static void
check_divergence (double lr)
{
  Setup s = default_setup ();
  g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  g_autoptr(MmParams) snap = NULL;
  const MmTrainerRecord *last;
  const char *at;
  guint64 step = 0;
  MmTrainer *t;
  guint n;

  s.model = "Linear(2, 16); ReLU; Linear(16, 3)";
  s.lr = lr;
  s.epochs = 1000;
  t = make_trainer (&s);
  mm_trainer_start (t);
  g_assert_cmpint (wait_over (t), ==, MM_TRAINER_DIVERGED);
  mm_trainer_drain (t, records);
  last = &g_array_index (records, MmTrainerRecord, records->len - 1);
  g_assert_cmpint (last->kind, ==, MM_RECORD_STATE);
  g_assert_cmpint (last->state, ==, MM_TRAINER_DIVERGED);
  g_test_message ("lr %g: %s", lr, last->message);
  g_assert_true (g_str_has_prefix (last->message, "Training diverged at step "));
  g_assert_nonnull (strstr (last->message, "Try a smaller learning rate"));
  at = last->message + strlen ("Training diverged at step ");
  g_assert_cmpint (sscanf (at, "%" G_GUINT64_FORMAT, &step), ==, 1);
  n = history_len (t);
  snap = mm_trainer_snapshot_params (t);
  if (strstr (last->message, "the loss became") || strstr (last->message, "the gradient of"))
    {
      /* Stopped before the update: the step is not in the history and the
       * parameters are still finite. */
      g_assert_cmpuint (step, ==, n + 1);
      g_assert_true (mm_params_all_finite (snap, NULL));
    }
  else
    {
      const char *bad = NULL;
      g_assert_nonnull (strstr (last->message, "became NaN or infinite"));
      g_assert_cmpuint (step, ==, n);
      g_assert_false (mm_params_all_finite (snap, &bad));
      g_assert_nonnull (strstr (last->message, bad));
    }
  g_assert_cmpuint (step, <, 100);
  mm_trainer_free (t);
}

static void
test_diverge (void)
{
  check_divergence (1e6);
  check_divergence (1e30);
}

/* ---- A consumer that never drains ----------------------------------------------------- */

static void
test_slow_consumer (void)
{
  Setup s = default_setup ();
  g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  g_autoptr(GArray) h = NULL;
  g_autoptr(GArray) epochs = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  MmTrainer *t;
  guint64 last_step = 0, total, merged = 0;
  guint max_merged = 0, n_step_records = 0, n_epoch_records = 0;

  s.model = "Linear(2, 3)";
  s.n_samples = 1000;
  s.batch_size = 1;        /* 1000 steps per epoch */
  s.epochs = 3;
  s.lr = 0.01;
  t = make_trainer (&s);
  total = 3000;
  mm_trainer_start (t);
  g_assert_cmpint (wait_over (t), ==, MM_TRAINER_FINISHED);

  g_assert_cmpuint (mm_trainer_drain (t, records), ==, records->len);
  g_assert_cmpuint (records->len, <=, 256);
  for (guint i = 0; i < records->len; i++)
    {
      const MmTrainerRecord *r = &g_array_index (records, MmTrainerRecord, i);
      n_epoch_records += r->kind == MM_RECORD_EPOCH;
      if (r->kind != MM_RECORD_STEP)
        continue;
      g_assert_cmpuint (r->step, >, last_step);
      last_step = r->step;
      merged += r->n_merged;
      max_merged = MAX (max_merged, r->n_merged);
      n_step_records++;
    }
  g_assert_cmpuint (max_merged, >, 1);
  g_assert_cmpuint (merged, ==, total);
  g_assert_cmpuint (n_epoch_records, ==, 3);
  g_assert_cmpint (g_array_index (records, MmTrainerRecord, 0).state, ==, MM_TRAINER_RUNNING);
  g_assert_cmpuint (last_step, ==, total);
  g_assert_cmpuint (n_step_records, <, total);
  /* The newest record is the end. */
  g_assert_cmpint (g_array_index (records, MmTrainerRecord, records->len - 1).state, ==, MM_TRAINER_FINISHED);
  /* Drained means empty. */
  g_assert_cmpuint (mm_trainer_drain (t, records), ==, 0);

  /* The history and the epochs keep everything. */
  h = history (t);
  g_assert_cmpuint (h->len, ==, total);
  for (guint i = 0; i < h->len; i++)
    g_assert_cmpuint (g_array_index (h, MmStepPoint, i).step, ==, i + 1);
  g_assert_cmpuint (mm_trainer_get_epochs (t, 0, epochs), ==, 3);
  mm_trainer_free (t);
}

/* Quick epochs and a consumer that drains late: the queue gives up step
 * records (kept in the history) before epoch and state records, and the
 * merged counts still add up. */
static void
test_slow_consumer_epochs (void)
{
  Setup s = default_setup ();
  g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  MmTrainer *t;
  guint64 merged = 0;
  guint n_epochs = 0;

  s.model = "Linear(2, 3)";
  s.n_samples = 30;
  s.batch_size = 30;       /* one step per epoch */
  s.epochs = 200;          /* 200 steps + 200 epochs + 2 states > 256 */
  t = make_trainer (&s);
  mm_trainer_start (t);
  g_assert_cmpint (wait_over (t), ==, MM_TRAINER_FINISHED);
  mm_trainer_drain (t, records);
  g_assert_cmpuint (records->len, ==, 256);
  g_assert_cmpint (g_array_index (records, MmTrainerRecord, 0).state, ==, MM_TRAINER_RUNNING);
  g_assert_cmpint (g_array_index (records, MmTrainerRecord, 0).kind, ==, MM_RECORD_STATE);
  g_assert_cmpint (g_array_index (records, MmTrainerRecord, 255).state, ==, MM_TRAINER_FINISHED);
  for (guint i = 0; i < records->len; i++)
    {
      const MmTrainerRecord *r = &g_array_index (records, MmTrainerRecord, i);
      if (r->kind == MM_RECORD_EPOCH)
        g_assert_cmpuint (r->epoch, ==, n_epochs++);
      else if (r->kind == MM_RECORD_STEP)
        merged += r->n_merged;
    }
  g_assert_cmpuint (n_epochs, ==, 200);
  g_assert_cmpuint (merged, ==, 200);
  mm_trainer_free (t);
}

/* ---- Reproducibility -------------------------------------------------------------------- */

static void
run_to_end (const Setup *s,
            GArray     **h,
            MmParams   **params)
{
  MmTrainer *t = make_trainer (s);
  mm_trainer_start (t);
  g_assert_cmpint (wait_over (t), ==, MM_TRAINER_FINISHED);
  *h = history (t);
  *params = mm_trainer_snapshot_params (t);
  mm_trainer_free (t);
}

static gboolean
same_params (MmParams *a,
             MmParams *b)
{
  for (guint i = 0; i < mm_params_get_n (a); i++)
    {
      MmTensor *x = mm_params_get_tensor (a, i), *y = mm_params_get_tensor (b, i);
      if (x->size != y->size || memcmp (x->data, y->data, x->size * sizeof (float)) != 0)
        return FALSE;
    }
  return mm_params_get_n (a) == mm_params_get_n (b);
}

/* Field by field: the struct has padding, which nobody initialises. */
static gboolean
same_history (GArray *a,
              GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      const MmStepPoint *p = &g_array_index (a, MmStepPoint, i), *q = &g_array_index (b, MmStepPoint, i);
      if (p->step != q->step || p->epoch != q->epoch ||
          memcmp (&p->loss, &q->loss, sizeof (float)) != 0 ||
          memcmp (&p->data_loss, &q->data_loss, sizeof (float)) != 0 ||
          memcmp (&p->penalty, &q->penalty, sizeof (float)) != 0 ||
          memcmp (&p->lr, &q->lr, sizeof (float)) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
test_reproducible (void)
{
  Setup s = default_setup ();
  g_autoptr(GArray) h1 = NULL, h2 = NULL, h3 = NULL;
  g_autoptr(MmParams) p1 = NULL, p2 = NULL, p3 = NULL;

  s.optimizer = MM_OPTIMIZER_ADAM;
  s.lr = 0.01;
  s.epochs = 3;
  run_to_end (&s, &h1, &p1);
  run_to_end (&s, &h2, &p2);
  g_assert_cmpuint (h1->len, ==, 3 * 15);
  g_assert_true (same_history (h1, h2));
  g_assert_true (same_params (p1, p2));

  /* Another seed: other weights and another order, so another history. */
  s.seed = 43;
  run_to_end (&s, &h3, &p3);
  g_assert_cmpuint (h3->len, ==, h1->len);
  g_assert_false (same_history (h1, h3));
  g_assert_false (same_params (p1, p3));
}

/* ---- Configuration errors -------------------------------------------------------------------- */

static void
assert_new_fails (const Setup *s,
                  gint         code,
                  const char  *want)
{
  g_autoptr(GError) error = NULL;
  MmTrainer *t = make_trainer_full (s, &error);

  g_assert_null (t);
  g_assert_error (error, MM_ERROR, code);
  if (strstr (error->message, want) == NULL)
    g_error ("message '%s' lacks '%s'", error->message, want);
}

static void
assert_error_has (GError     *error,
                  gint        code,
                  const char *want)
{
  g_assert_error (error, MM_ERROR, code);
  if (strstr (error->message, want) == NULL)
    g_error ("message '%s' lacks '%s'", error->message, want);
}

static void
test_config_errors (void)
{
  Setup s = default_setup ();

  s.model = "Linear(2, 16); Tanh; Linear(16, 4)";
  assert_new_fails (&s, MM_ERROR_SHAPE, "The last layer gives 4 outputs per sample, but the data has 3 classes");
  s.model = "Linear(2, 2)";
  assert_new_fails (&s, MM_ERROR_SHAPE, "gives 2 outputs per sample, but the data has 3 classes");
  s.model = "Linear(3, 16); Tanh; Linear(16, 3)";
  assert_new_fails (&s, MM_ERROR_SHAPE, "Layer 0 (Linear(3, 16)): expects 3 input features");

  s = default_setup ();
  s.batch_size = 0;
  assert_new_fails (&s, MM_ERROR_INVALID_ARGUMENT, "at least 1");
  s = default_setup ();
  s.epochs = 0;
  assert_new_fails (&s, MM_ERROR_INVALID_ARGUMENT, "at least 1");
  s = default_setup ();
  s.lr = -0.5;
  assert_new_fails (&s, MM_ERROR_INVALID_ARGUMENT, "learning rate");

  /* A loss that does not take class indices, or fewer classes than the data. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(MmDataset) ds = mm_dataset_new_toy (MM_TOY_SPIRAL, 30, 0.0, 3, 1, NULL);
    MmTrainerConfig config;

    mm_trainer_config_init (&config);
    config.model = mm_module_parse ("Linear(2, 3)", NULL);
    config.loss = mm_loss_mse_new ();
    config.train = mm_dataset_ref (ds);
    g_assert_null (mm_trainer_new (&config, &error));
    assert_error_has (error, MM_ERROR_INVALID_ARGUMENT, "one-hot");
    g_clear_error (&error);

    g_clear_pointer (&config.loss, mm_loss_unref);
    {
      g_autoptr(MmLoss) mse = mm_loss_mse_new ();
      config.loss = mm_loss_one_hot_new (mse, 2, NULL);
    }
    g_assert_null (mm_trainer_new (&config, &error));
    assert_error_has (error, MM_ERROR_INVALID_ARGUMENT, "The data has 3 classes, but the loss expects 2");
    g_clear_error (&error);

    /* drop_last with a batch larger than the data leaves no batch. */
    g_clear_pointer (&config.loss, mm_loss_unref);
    {
      g_autoptr(MmLoss) mse = mm_loss_mse_new ();
      config.loss = mm_loss_one_hot_new (mse, 3, NULL);
    }
    config.batch_size = 64;
    config.drop_last = TRUE;
    g_assert_null (mm_trainer_new (&config, &error));
    assert_error_has (error, MM_ERROR_INVALID_ARGUMENT, "with drop-last leaves no batch");
    g_clear_error (&error);

    /* Initial parameters that do not fit the model. */
    config.drop_last = FALSE;
    config.initial_params = mm_params_new ();
    g_assert_null (mm_trainer_new (&config, &error));
    assert_error_has (error, MM_ERROR_INVALID_ARGUMENT, "0.weight is missing");
    g_clear_error (&error);
    mm_trainer_config_clear (&config);
  }
}

/* ---- End to end: a spiral ------------------------------------------------------------------ */

static void
test_spiral (void)
{
  Setup s = default_setup ();
  g_autoptr(GArray) epochs = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  MmTrainer *t;
  const MmTrainerRecord *last;
  gint64 t0 = g_get_monotonic_time ();

  s.model = "Linear(2, 32); Tanh; Linear(32, 32); Tanh; Linear(32, 3)";
  s.n_samples = 1500;
  s.noise = 0.05;
  s.test_fraction = 0.2;
  s.optimizer = MM_OPTIMIZER_ADAM;
  s.lr = 0.01;
  s.batch_size = 32;
  s.epochs = 60;
  t = make_trainer (&s);
  mm_trainer_start (t);
  g_assert_cmpint (wait_over (t), ==, MM_TRAINER_FINISHED);
  g_assert_cmpuint (mm_trainer_get_epochs (t, 0, epochs), ==, s.epochs);
  last = &g_array_index (epochs, MmTrainerRecord, epochs->len - 1);
  g_test_message ("spiral: test accuracy %.4f, test loss %.4f after %u epochs in %.2f s",
                  last->test_accuracy, last->test_loss, s.epochs,
                  (g_get_monotonic_time () - t0) / 1e6);
  g_assert_cmpfloat (last->test_accuracy, >=, 0.95);
  /* Learning happened: the loss fell well below chance (log 3 ≈ 1.1). */
  g_assert_cmpfloat (last->test_loss, <, 0.3);
  g_assert_cmpfloat (g_array_index (epochs, MmTrainerRecord, 0).train_loss, >, last->train_loss);
  mm_trainer_free (t);
}

/* ---- Many short lives --------------------------------------------------------------------- */

static void
test_cycles (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) ds = mm_dataset_new_toy (MM_TOY_XOR, 8, 0.0, 2, 3, &error);
  g_autoptr(MmModule) model = mm_module_parse ("Linear(2, 4); Tanh; Linear(4, 2)", &error);
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, &error);
  g_autoptr(MmLoss) loss = mm_loss_one_hot_new (ce, 2, &error);
  g_autoptr(GRand) r = g_rand_new_with_seed (2024);
  const guint n = 1000;
  gint64 t0 = g_get_monotonic_time ();

  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      MmTrainerConfig config;
      MmTrainer *t;
      g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
      guint order = g_rand_int_range (r, 0, 5);

      mm_trainer_config_init (&config);
      config.model = model;
      config.loss = loss;
      config.train = ds;
      config.batch_size = 4;
      config.epochs = 1000;
      config.seed = i;
      t = mm_trainer_new (&config, &error);
      g_assert_no_error (error);

      /* Commands in quick succession, in one of a few orders, with the
       * consumer draining in between. */
      switch (order)
        {
        case 0:
          mm_trainer_start (t);
          mm_trainer_pause (t);
          mm_trainer_drain (t, records);
          mm_trainer_resume (t);
          mm_trainer_stop (t);
          break;
        case 1:
          mm_trainer_step_once (t);
          mm_trainer_step_once (t);
          mm_trainer_resume (t);
          mm_trainer_drain (t, records);
          mm_trainer_pause (t);
          mm_trainer_stop (t);
          break;
        case 2:
          mm_trainer_start (t);
          mm_trainer_set_lr (t, 0.05);
          mm_trainer_drain (t, records);
          /* freed while running */
          break;
        case 3:
          mm_trainer_pause (t);
          mm_trainer_stop (t);
          mm_trainer_start (t);
          break;
        default:
          /* Long enough to be inside a batch or between two. */
          mm_trainer_start (t);
          wait_steps (t, 1);
          mm_trainer_pause (t);
          mm_trainer_resume (t);
          wait_steps (t, 2);
          mm_trainer_stop (t);
          break;
        }
      mm_trainer_drain (t, records);
      mm_trainer_free (t);
    }
  g_test_message ("%u cycles in %.2f s", n, (g_get_monotonic_time () - t0) / 1e6);
}

/* ---- Concurrent readers ---------------------------------------------------------------------- */

/* While the worker trains, the consumer snapshots parameters, reads the
 * progress, the history and the epochs, and drains — what the app does every
 * frame. Values must always be whole and finite (ThreadSanitizer checks the
 * locking in its run). */
static void
test_concurrent_readers (void)
{
  Setup s = default_setup ();
  g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  MmTrainer *t;
  guint64 prev = 0;
  guint n_reads = 0;

  s.n_samples = 600;
  s.batch_size = 4;
  s.epochs = 20;
  s.test_fraction = 0.25;
  t = make_trainer (&s);
  mm_trainer_start (t);
  while (!is_over (mm_trainer_get_state (t)))
    {
      g_autoptr(MmParams) snap = mm_trainer_snapshot_params (t);
      g_autoptr(GArray) h = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
      MmTrainerRecord p = mm_trainer_get_progress (t);

      g_assert_cmpuint (mm_params_get_n (snap), ==, 4);
      g_assert_true (mm_params_all_finite (snap, NULL));
      g_assert_cmpuint (mm_params_lookup (snap, "0.weight")->size, ==, 32);
      g_assert_cmpuint (p.step, >=, prev);
      prev = p.step;
      mm_trainer_get_history (t, 0, h);
      g_assert_cmpuint (h->len, >=, p.step);
      mm_trainer_drain (t, records);
      if (n_reads++ % 7 == 0)
        mm_trainer_set_lr (t, n_reads % 2 ? 0.1 : 0.05);
      g_usleep (200);
    }
  g_assert_cmpint (wait_over (t), ==, MM_TRAINER_FINISHED);
  g_assert_cmpuint (history_len (t), ==, 20 * mm_trainer_get_n_batches (t));
  g_test_message ("%u reads while training", n_reads);
  mm_trainer_free (t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/trainer/run-to-the-end", test_run_to_the_end);
  g_test_add_func ("/trainer/step-once", test_step_once);
  g_test_add_func ("/trainer/pause-resume", test_pause_resume);
  g_test_add_func ("/trainer/stop", test_stop);
  g_test_add_func ("/trainer/set-lr", test_set_lr);
  g_test_add_func ("/trainer/schedule", test_schedule);
  g_test_add_func ("/trainer/diverge", test_diverge);
  g_test_add_func ("/trainer/slow-consumer", test_slow_consumer);
  g_test_add_func ("/trainer/slow-consumer-epochs", test_slow_consumer_epochs);
  g_test_add_func ("/trainer/reproducible", test_reproducible);
  g_test_add_func ("/trainer/config-errors", test_config_errors);
  g_test_add_func ("/trainer/concurrent-readers", test_concurrent_readers);
  g_test_add_func ("/trainer/spiral", test_spiral);
  g_test_add_func ("/trainer/cycles", test_cycles);
  return g_test_run ();
}
