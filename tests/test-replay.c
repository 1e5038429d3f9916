/* test-replay.c — the loss split, settings changed mid-run, and replay.
 *
 *  - the trainer records the data loss and each penalty term: they equal a
 *    forward pass of the network and λ₁·Σ|w|, λ₂·Σw² computed here from the
 *    parameters before each step, and they add up to the total;
 *  - a change made after step k takes effect at step k + 1 exactly: the
 *    trainer's losses equal, bit for bit, those of an optimizer stepped by
 *    hand that changes its settings after k steps (so the parameters carry
 *    on: nothing is reset);
 *  - a run with changes made while it ran replays from its record (through
 *    a project file too) with bit-identical losses and weights;
 *  - bad changes and bad records are refused with a clear message.
 *
 * Part of the 'trainer' suite, which also runs under ThreadSanitizer. */
#include <myml.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define DEADLINE_S 30

typedef struct {
  const char *model;
  gsize n_samples;
  gsize batch_size;
  guint epochs;
  guint32 seed;
  MmOptimizerConfig optimizer;
  double l1, l2;
} Setup;

static Setup
default_setup (void)
{
  Setup s = {
    .model = "Linear(2, 16); Tanh; Linear(16, 3)",
    .n_samples = 60,
    .batch_size = 10,
    .epochs = 3,
    .seed = 42,
  };
  mm_optimizer_config_init (&s.optimizer, MM_OPTIMIZER_SGD);
  s.optimizer.lr = 0.1;
  return s;
}

static MmDataset *
make_data (const Setup *s)
{
  g_autoptr(GError) error = NULL;
  MmDataset *d = mm_dataset_new_toy (MM_TOY_SPIRAL, s->n_samples, 0.05, 3, 7, &error);
  g_assert_no_error (error);
  return d;
}

static void
make_config (const Setup     *s,
             GArray          *changes,
             MmTrainerConfig *config)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, NULL);

  mm_trainer_config_init (config);
  config->model = mm_module_parse (s->model, &error);
  g_assert_no_error (error);
  config->loss = mm_loss_one_hot_new (ce, 3, NULL);
  config->train = make_data (s);
  config->optimizer = s->optimizer;
  config->l1 = s->l1;
  config->l2 = s->l2;
  config->batch_size = s->batch_size;
  config->epochs = s->epochs;
  config->seed = s->seed;
  config->threads = 1;
  config->changes = changes ? g_array_ref (changes) : NULL;
}

static MmTrainer *
make_trainer (const Setup *s,
              GArray      *changes)
{
  g_autoptr(GError) error = NULL;
  MmTrainerConfig config;
  MmTrainer *t;

  make_config (s, changes, &config);
  t = mm_trainer_new (&config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  mm_trainer_config_clear (&config);
  return t;
}

static MmTrainerState
wait_over (MmTrainer *t)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;
  MmTrainerState s;

  for (;;)
    {
      s = mm_trainer_get_state (t);
      if (s == MM_TRAINER_FINISHED || s == MM_TRAINER_STOPPED || s == MM_TRAINER_DIVERGED || s == MM_TRAINER_FAILED)
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("the trainer did not end within %d s", DEADLINE_S);
      g_usleep (1000);
    }
  mm_trainer_wait (t);
  return s;
}

static void
wait_steps (MmTrainer *t,
            guint64    n)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;

  while (mm_trainer_get_progress (t).step < n)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("step %" G_GUINT64_FORMAT " not reached within %d s", n, DEADLINE_S);
      g_usleep (200);
    }
}

/* Runs @n more steps one at a time (the trainer pauses after each). */
static void
step_n (MmTrainer *t,
        guint      n)
{
  guint64 at = mm_trainer_get_progress (t).step;

  for (guint i = 1; i <= n; i++)
    {
      mm_trainer_step_once (t);
      wait_steps (t, at + i);
    }
}

static GArray *
history (MmTrainer *t)
{
  GArray *h = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  mm_trainer_get_history (t, 0, h);
  return h;
}

static void
assert_params_identical (MmParams *a,
                         MmParams *b)
{
  g_assert_cmpuint (mm_params_get_n (a), ==, mm_params_get_n (b));
  for (guint i = 0; i < mm_params_get_n (a); i++)
    {
      MmTensor *x = mm_params_get_tensor (a, i), *y = mm_params_get_tensor (b, i);
      g_assert_cmpstr (mm_params_get_name (a, i), ==, mm_params_get_name (b, i));
      g_assert_cmpuint (x->size, ==, y->size);
      g_assert_cmpint (memcmp (x->data, y->data, x->size * sizeof (float)), ==, 0);
    }
}

/* ---- The loss split ----------------------------------------------------------- */

/* λ₁·Σ|w| and λ₂·Σw² over the weights (biases are not penalised by
 * default), in double. */
static void
penalties_of (MmModule *model,
              MmParams *params,
              double    l1,
              double    l2,
              double   *p1,
              double   *p2)
{
  g_autoptr(GArray) specs = mm_module_get_params (model);
  double a = 0, b = 0;

  for (guint i = 0; i < specs->len; i++)
    {
      const MmParamSpec *spec = &g_array_index (specs, MmParamSpec, i);
      MmTensor *w = mm_params_lookup (params, spec->name);
      if (spec->role != MM_PARAM_WEIGHT)
        continue;
      for (gsize j = 0; j < w->size; j++)
        {
          a += fabs ((double) w->data[j]);
          b += (double) w->data[j] * w->data[j];
        }
    }
  *p1 = l1 * a;
  *p2 = l2 * b;
}

static void
assert_close (double got,
              double want,
              double rel)
{
  if (!(fabs (got - want) <= rel * MAX (fabs (want), 1e-6)))
    g_error ("%.9g is not %.9g (relative tolerance %g)", got, want, rel);
}

static void
test_loss_split (void)
{
  Setup s = default_setup ();
  g_autoptr(MmDataset) data = make_data (&s);
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataLoader) loader = NULL;
  g_autoptr(GArray) h = NULL;
  g_autoptr(MmOptimizer) eval = NULL;
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, NULL);
  g_autoptr(MmLoss) loss = mm_loss_one_hot_new (ce, 3, NULL);
  MmTrainer *t;
  MmModule *model;
  const guint n_steps = 6;   /* one epoch */

  s.l1 = 2e-3;
  s.l2 = 5e-2;
  t = make_trainer (&s, NULL);
  model = mm_trainer_get_model (t);
  loader = mm_data_loader_new (data, s.batch_size, TRUE, s.seed, FALSE, &error);
  g_assert_no_error (error);
  mm_data_loader_start_epoch (loader, 0);

  for (guint k = 0; k < n_steps; k++)
    {
      g_autoptr(MmParams) before = mm_trainer_snapshot_params (t);
      g_autoptr(MmTensor) x = NULL;
      g_autoptr(MmTensor) y = NULL;
      g_autoptr(MmOptimizer) opt = NULL;
      MmStepPoint p;
      double want1, want2, data_loss;
      gsize correct;

      step_n (t, 1);
      g_clear_pointer (&h, g_array_unref);
      h = history (t);
      g_assert_cmpuint (h->len, ==, k + 1);
      p = g_array_index (h, MmStepPoint, k);

      /* The penalties from the weights the step started from. */
      penalties_of (model, before, s.l1, s.l2, &want1, &want2);
      g_assert_cmpfloat (want1, >, 0);
      g_assert_cmpfloat (want2, >, 0);
      assert_close (p.l1, want1, 1e-5);
      assert_close (p.l2, want2, 1e-5);

      /* The data loss: a plain forward pass of the same batch, no penalty. */
      g_assert_true (mm_data_loader_next (loader, &x, &y));
      opt = mm_optimizer_new (&s.optimizer, model, loss, before, &error);
      g_assert_no_error (error);
      g_assert_true (mm_optimizer_evaluate (opt, x, y, &data_loss, &correct, &error));
      g_assert_no_error (error);
      assert_close (p.data_loss, data_loss, 1e-6);

      /* The parts add up to the total (as float sums do). */
      g_assert_cmpfloat (p.penalty, ==, p.l1 + p.l2);
      assert_close (p.loss, (double) p.data_loss + p.l1 + p.l2, 1e-6);
    }

  /* Only L2: the L1 term is 0, not left out of the record. */
  mm_trainer_free (t);
  s.l1 = 0;
  t = make_trainer (&s, NULL);
  step_n (t, 2);
  g_clear_pointer (&h, g_array_unref);
  h = history (t);
  for (guint i = 0; i < h->len; i++)
    {
      const MmStepPoint *p = &g_array_index (h, MmStepPoint, i);
      g_assert_cmpfloat (p->l1, ==, 0);
      g_assert_cmpfloat (p->l2, >, 0);
      g_assert_cmpfloat (p->penalty, ==, p->l2);
    }
  {
    MmTrainerRecord r = mm_trainer_get_progress (t);
    g_assert_cmpfloat (r.l1_penalty, ==, 0);
    g_assert_cmpfloat ((float) r.l2_penalty, ==, g_array_index (h, MmStepPoint, 1).l2);
  }
  mm_trainer_free (t);
}

/* ---- Changes take effect at the next step ----------------------------------------------- */

/* What the trainer should do: an optimizer stepped by hand over the same
 * batches, changing its settings after the steps in @changes. Returns the
 * history; @params gets the final weights. */
static GArray *
reference_run (const Setup *s,
               GArray      *changes,
               MmParams   **params)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) data = make_data (s);
  g_autoptr(MmModule) model = mm_module_parse (s->model, &error);
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, NULL);
  g_autoptr(MmLoss) loss = mm_loss_one_hot_new (ce, 3, NULL);
  g_autoptr(GArray) specs = mm_module_get_params (model);
  g_autoptr(MmParams) init = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, s->seed, &error);
  g_autoptr(MmOptimizer) opt = mm_optimizer_new (&s->optimizer, model, loss, init, &error);
  g_autoptr(MmDataLoader) loader = mm_data_loader_new (data, s->batch_size, TRUE, s->seed, FALSE, &error);
  GArray *h = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  guint64 step = 0;
  guint next = 0;

  g_assert_no_error (error);
  g_assert_true (mm_optimizer_set_penalties (opt, s->l1, s->l2, FALSE, &error));
  mm_optimizer_set_seed (opt, s->seed);
  for (guint epoch = 0; epoch < s->epochs; epoch++)
    {
      g_autoptr(MmTensor) x = NULL;
      g_autoptr(MmTensor) y = NULL;

      mm_data_loader_start_epoch (loader, epoch);
      while (mm_data_loader_next (loader, &x, &y))
        {
          g_autoptr(MmStepInfo) info = NULL;
          MmStepPoint p;

          for (; next < changes->len && g_array_index (changes, MmChange, next).step == step; next++)
            {
              const MmChange *c = &g_array_index (changes, MmChange, next);
              if (c->kind == MM_CHANGE_LR)
                mm_optimizer_set_lr (opt, c->lr);
              else if (c->kind == MM_CHANGE_PENALTIES)
                g_assert_true (mm_optimizer_set_penalties (opt, c->l1, c->l2, FALSE, &error));
              else
                g_assert_true (mm_optimizer_set_config (opt, &c->optimizer, &error));
            }
          info = mm_optimizer_step (opt, x, y, &error);
          g_assert_no_error (error);
          step++;
          p = (MmStepPoint) { step, epoch, info->loss_value, info->data_loss_value, info->penalty_value,
                              (float) mm_optimizer_get_lr (opt), info->l1_value, info->l2_value };
          g_array_append_val (h, p);
          g_clear_pointer (&x, mm_tensor_unref);
          g_clear_pointer (&y, mm_tensor_unref);
        }
    }
  *params = mm_optimizer_snapshot_params (opt);
  return h;
}

static void
assert_histories_identical (GArray *a,
                            GArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      const MmStepPoint *p = &g_array_index (a, MmStepPoint, i), *q = &g_array_index (b, MmStepPoint, i);
      float pa[] = { p->loss, p->data_loss, p->penalty, p->lr, p->l1, p->l2 };
      float qa[] = { q->loss, q->data_loss, q->penalty, q->lr, q->l1, q->l2 };

      g_assert_cmpuint (p->step, ==, q->step);
      if (memcmp (pa, qa, sizeof pa) != 0)
        g_error ("step %" G_GUINT64_FORMAT ": loss %.9g / %.9g, data %.9g / %.9g, L1 %.9g / %.9g, "
                 "L2 %.9g / %.9g, lr %g / %g", p->step, p->loss, q->loss, p->data_loss, q->data_loss,
                 p->l1, q->l1, p->l2, q->l2, p->lr, q->lr);
    }
}

/* The changes the next test makes, in order, after steps 4, 7, 7 and 10. */
static GArray *
planned_changes (void)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (MmChange));
  MmOptimizerConfig adam;
  MmChange c;

  mm_optimizer_config_init (&adam, MM_OPTIMIZER_ADAM);
  adam.lr = 0.01;
  mm_change_init_optimizer (&c, &adam);
  c.step = 4;
  g_array_append_val (a, c);
  mm_change_init_penalties (&c, 1e-3, 1e-2);
  c.step = 7;
  g_array_append_val (a, c);
  adam.beta1 = 0.5;
  mm_change_init_optimizer (&c, &adam);
  c.step = 7;
  g_array_append_val (a, c);
  mm_change_init_lr (&c, 0.003);
  c.step = 10;
  g_array_append_val (a, c);
  return a;
}

static void
test_change_next_step (void)
{
  Setup s = default_setup ();
  g_autoptr(GArray) plan = planned_changes ();
  g_autoptr(GArray) want = NULL;
  g_autoptr(GArray) got = NULL;
  g_autoptr(GArray) applied = g_array_new (FALSE, FALSE, sizeof (MmChange));
  g_autoptr(MmParams) want_params = NULL;
  g_autoptr(MmParams) got_params = NULL;
  g_autoptr(GError) error = NULL;
  MmTrainer *t;
  guint64 done = 0;

  s.optimizer.momentum = 0.9;
  want = reference_run (&s, plan, &want_params);
  g_assert_cmpuint (want->len, ==, 18);

  /* Live: step by step, each change made while the trainer is paused after
   * its step; the parameters are not touched until the next step. */
  t = make_trainer (&s, NULL);
  for (guint i = 0; i < plan->len; i++)
    {
      const MmChange *c = &g_array_index (plan, MmChange, i);
      g_autoptr(MmParams) before = NULL;
      g_autoptr(MmParams) after = NULL;

      step_n (t, (guint) (c->step - done));
      done = c->step;
      before = mm_trainer_snapshot_params (t);
      g_assert_true (mm_trainer_change (t, c, &error));
      g_assert_no_error (error);
      after = mm_trainer_snapshot_params (t);
      assert_params_identical (before, after);
    }
  mm_trainer_start (t);
  g_assert_cmpint (wait_over (t), ==, MM_TRAINER_FINISHED);
  got = history (t);
  got_params = mm_trainer_snapshot_params (t);
  assert_histories_identical (got, want);
  assert_params_identical (got_params, want_params);

  /* The learning rate in the history moves at step k + 1, not before. */
  g_assert_cmpfloat (g_array_index (got, MmStepPoint, 3).lr, ==, 0.1f);
  g_assert_cmpfloat (g_array_index (got, MmStepPoint, 4).lr, ==, 0.01f);
  g_assert_cmpfloat (g_array_index (got, MmStepPoint, 9).lr, ==, 0.01f);
  g_assert_cmpfloat (g_array_index (got, MmStepPoint, 10).lr, ==, 0.003f);
  g_assert_cmpfloat (g_array_index (got, MmStepPoint, 6).l2, ==, 0);
  g_assert_cmpfloat (g_array_index (got, MmStepPoint, 7).l2, >, 0);

  /* The trainer's record of what it applied, with the values before. */
  g_assert_cmpuint (mm_trainer_get_changes (t, 0, applied), ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (g_array_index (applied, MmChange, i).step, ==, g_array_index (plan, MmChange, i).step);
  {
    const MmChange *c = &g_array_index (applied, MmChange, 0);
    g_autofree char *d0 = mm_change_describe (c);
    g_autofree char *d1 = mm_change_describe (&g_array_index (applied, MmChange, 1));
    g_autofree char *d2 = mm_change_describe (&g_array_index (applied, MmChange, 2));
    g_autofree char *d3 = mm_change_describe (&g_array_index (applied, MmChange, 3));

    g_assert_cmpint (c->old_optimizer.kind, ==, MM_OPTIMIZER_SGD);
    g_assert_cmpfloat (c->old_optimizer.momentum, ==, 0.9);
    g_assert_cmpstr (d0, ==, "SGD → Adam, lr 0.1 → 0.01, momentum 0.9 → 0");
    g_assert_cmpstr (d1, ==, "L1 0 → 0.001, L2 0 → 0.01");
    g_assert_cmpstr (d2, ==, "β1 0.9 → 0.5");
    g_assert_cmpstr (d3, ==, "lr 0.01 → 0.003");
  }
  mm_trainer_free (t);

  /* The same changes given up front (a replay) do the same. */
  t = make_trainer (&s, plan);
  mm_trainer_start (t);
  g_assert_cmpint (wait_over (t), ==, MM_TRAINER_FINISHED);
  g_clear_pointer (&got, g_array_unref);
  got = history (t);
  assert_histories_identical (got, want);
  mm_trainer_free (t);
}

/* ---- Replay ---------------------------------------------------------------------------- */

static void
test_replay_bit_identical (void)
{
  Setup s = default_setup ();
  g_autoptr(GArray) first = NULL;
  g_autoptr(GArray) again = NULL;
  g_autoptr(GArray) from_file = NULL;
  g_autoptr(MmParams) first_params = NULL;
  g_autoptr(MmRunRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MmProject) project = mm_project_new ();
  g_autoptr(MmProject) loaded = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-replay-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "run.myml", NULL);
  MmOptimizerConfig rms;
  MmTrainer *t;
  MmChange c;

  /* A run with dropout (its masks follow the step), changed while it runs:
   * where each change lands depends on thread timing, but it is recorded. */
  s.model = "Linear(2, 32); ReLU; Dropout(0.2); Linear(32, 3)";
  s.n_samples = 300;
  s.batch_size = 5;
  s.epochs = 4;
  s.l2 = 1e-4;
  t = make_trainer (&s, NULL);
  mm_trainer_set_step_delay (t, 1);
  mm_trainer_start (t);
  wait_steps (t, 20);
  mm_change_init_lr (&c, 0.05);
  g_assert_true (mm_trainer_change (t, &c, &error));
  wait_steps (t, mm_trainer_get_progress (t).step + 15);
  mm_optimizer_config_init (&rms, MM_OPTIMIZER_RMSPROP);
  rms.momentum = 0.5;
  mm_change_init_optimizer (&c, &rms);
  g_assert_true (mm_trainer_change (t, &c, &error));
  mm_change_init_penalties (&c, 1e-4, 0);
  g_assert_true (mm_trainer_change (t, &c, &error));
  wait_steps (t, mm_trainer_get_progress (t).step + 30);
  mm_trainer_pause (t);
  mm_trainer_set_lr (t, 0.002);
  mm_trainer_set_step_delay (t, 0);
  mm_trainer_start (t);
  g_assert_cmpint (wait_over (t), ==, MM_TRAINER_FINISHED);
  first = history (t);
  first_params = mm_trainer_snapshot_params (t);
  record = mm_trainer_dup_run_record (t);
  mm_trainer_free (t);
  g_assert_cmpuint (first->len, ==, 4 * 60);
  g_assert_cmpuint (record->changes->len, ==, 4);
  g_assert_cmpuint (record->seed, ==, s.seed);
  g_assert_cmpfloat (record->optimizer.lr, ==, 0.1);
  g_assert_cmpfloat (record->l2, ==, 1e-4);

  /* From the record: the same losses, bit for bit, and the same weights. */
  {
    Setup r = s;
    g_autoptr(MmParams) params = NULL;

    r.seed = record->seed;
    r.optimizer = record->optimizer;
    r.l1 = record->l1;
    r.l2 = record->l2;
    t = make_trainer (&r, record->changes);
    mm_trainer_start (t);
    g_assert_cmpint (wait_over (t), ==, MM_TRAINER_FINISHED);
    again = history (t);
    params = mm_trainer_snapshot_params (t);
    assert_histories_identical (again, first);
    assert_params_identical (params, first_params);
    mm_trainer_free (t);
  }

  /* Through a project file. */
  project->run = mm_run_record_copy (record);
  g_assert_true (mm_project_save (project, path, &error));
  g_assert_no_error (error);
  loaded = mm_project_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded->run);
  g_assert_cmpuint (loaded->run->changes->len, ==, record->changes->len);
  for (guint i = 0; i < record->changes->len; i++)
    {
      const MmChange *a = &g_array_index (record->changes, MmChange, i);
      const MmChange *b = &g_array_index (loaded->run->changes, MmChange, i);
      g_assert_cmpuint (a->step, ==, b->step);
      g_assert_cmpint (a->kind, ==, b->kind);
      g_assert_cmpint (memcmp (&a->optimizer, &b->optimizer, sizeof a->optimizer), ==, 0);
      if (a->kind != MM_CHANGE_PENALTIES)
        g_assert_cmpfloat (a->lr, ==, b->lr);
      else
        {
          g_assert_cmpfloat (a->l1, ==, b->l1);
          g_assert_cmpfloat (a->l2, ==, b->l2);
        }
    }
  {
    Setup r = s;
    r.seed = loaded->run->seed;
    r.optimizer = loaded->run->optimizer;
    r.l1 = loaded->run->l1;
    r.l2 = loaded->run->l2;
    t = make_trainer (&r, loaded->run->changes);
    mm_trainer_start (t);
    g_assert_cmpint (wait_over (t), ==, MM_TRAINER_FINISHED);
    from_file = history (t);
    assert_histories_identical (from_file, first);
    mm_trainer_free (t);
  }
  g_unlink (path);
  g_rmdir (dir);
}

/* ---- The loss split in projects ------------------------------------------------------ */

static void
test_project_split (void)
{
  g_autoptr(MmProject) p = mm_project_new ();
  g_autoptr(MmProject) q = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  MmStepPoint a = { 1, 0, 1.5f, 1.25f, 0.25f, 0.1f, 0.125f, 0.125f };
  MmStepPoint b = { 2, 0, 1.0f, 1.0f, 0.0f, 0.1f, NAN, NAN };
  const char *old =
    "{\"format\": \"myml-studio-project\", \"version\": 1, \"network\": \"Linear(2, 3)\","
    " \"data\": {\"kind\": \"toy\", \"name\": \"spiral\"},"
    " \"history\": {\"steps\": [[1, 0, 1.5, 1.25, 0.25, 0.1]]}}";

  g_array_append_val (p->steps, a);
  g_array_append_val (p->steps, b);
  json = mm_project_to_json (p, NULL);
  q = mm_project_from_json (json, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (q->steps->len, ==, 2);
  g_assert_cmpfloat (g_array_index (q->steps, MmStepPoint, 0).l1, ==, 0.125f);
  g_assert_cmpfloat (g_array_index (q->steps, MmStepPoint, 0).l2, ==, 0.125f);
  g_assert_true (isnan (g_array_index (q->steps, MmStepPoint, 1).l1));
  g_assert_null (q->run);
  g_clear_pointer (&q, mm_project_free);

  /* An older project (six numbers a step): the split is not known. */
  q = mm_project_from_json (old, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (q->steps->len, ==, 1);
  g_assert_cmpfloat (g_array_index (q->steps, MmStepPoint, 0).penalty, ==, 0.25f);
  g_assert_true (isnan (g_array_index (q->steps, MmStepPoint, 0).l1));
  g_assert_true (isnan (g_array_index (q->steps, MmStepPoint, 0).l2));
}

/* ---- Refusals ------------------------------------------------------------------------------ */

static void
expect_bad_run (const char *run,
                const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_strdup_printf (
    "{\"format\": \"myml-studio-project\", \"version\": 1, \"network\": \"Linear(2, 3)\","
    " \"data\": {\"kind\": \"toy\", \"name\": \"spiral\"}, \"run\": %s}", run);
  g_autoptr(MmProject) p = mm_project_from_json (json, -1, NULL, &error);

  g_assert_null (p);
  g_assert_error (error, MM_ERROR, MM_ERROR_FORMAT);
  if (strstr (error->message, message) == NULL)
    g_error ("“%s” does not say “%s”", error->message, message);
}

static void
test_refusals (void)
{
  Setup s = default_setup ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) unsorted = g_array_new (FALSE, FALSE, sizeof (MmChange));
  MmTrainerConfig config;
  MmTrainer *t;
  MmChange c;

  t = make_trainer (&s, NULL);
  mm_change_init_lr (&c, -1);
  g_assert_false (mm_trainer_change (t, &c, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "The learning rate must be a number from 0 to 1e+06, not -1");
  g_clear_error (&error);
  mm_change_init_penalties (&c, 0, NAN);
  g_assert_false (mm_trainer_change (t, &c, &error));
  g_assert_cmpstr (error->message, ==, "L1 and L2 penalties must be numbers from 0 to 1e+06, not 0 and nan");
  g_clear_error (&error);
  {
    MmOptimizerConfig o;
    mm_optimizer_config_init (&o, MM_OPTIMIZER_ADAM);
    o.beta1 = 1.5;
    mm_change_init_optimizer (&c, &o);
    g_assert_false (mm_trainer_change (t, &c, &error));
    g_assert_cmpstr (error->message, ==, "Adam's betas must be in [0, 1), not 1.5 and 0.999");
    g_clear_error (&error);
  }
  /* Nothing bad reached the run. */
  step_n (t, 2);
  {
    g_autoptr(GArray) applied = g_array_new (FALSE, FALSE, sizeof (MmChange));
    g_assert_cmpuint (mm_trainer_get_changes (t, 0, applied), ==, 0);
  }
  mm_trainer_free (t);

  /* A replay list out of order. */
  mm_change_init_lr (&c, 0.1);
  c.step = 5;
  g_array_append_val (unsorted, c);
  c.step = 3;
  g_array_append_val (unsorted, c);
  make_config (&s, unsorted, &config);
  t = mm_trainer_new (&config, &error);
  mm_trainer_config_clear (&config);
  g_assert_null (t);
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "Change 2 is at step 3, before the change ahead of it (step 5): "
                                       "the changes must be in the order of their steps");

  /* Bad records in a project file. */
  expect_bad_run ("[]", "run: not an object");
  expect_bad_run ("{\"optimizer\": {\"kind\": \"sgd\", \"lr\": 0.1}}", "run.seed: missing");
  expect_bad_run ("{\"seed\": 1, \"optimizer\": {\"kind\": \"nadam\", \"lr\": 0.1}}",
                  "run.optimizer.kind: unknown optimizer “nadam”");
  expect_bad_run ("{\"seed\": 1, \"optimizer\": {\"kind\": \"sgd\", \"lr\": 0.1}, \"changes\": "
                  "[{\"step\": 3, \"kind\": \"warp\"}]}", "run.changes[0]: change.kind: unknown kind of change");
  expect_bad_run ("{\"seed\": 1, \"optimizer\": {\"kind\": \"sgd\", \"lr\": 0.1}, \"changes\": "
                  "[{\"step\": -3, \"kind\": \"lr\", \"lr\": 1}]}", "change.step: not a step number");
  expect_bad_run ("{\"seed\": 1, \"optimizer\": {\"kind\": \"sgd\", \"lr\": 0.1}, \"changes\": "
                  "[{\"step\": 3, \"kind\": \"penalties\", \"l1\": -1, \"l2\": 0}]}",
                  "L1 and L2 penalties must be numbers from 0 to 1e+06, not -1 and 0");
  expect_bad_run ("{\"seed\": 1, \"optimizer\": {\"kind\": \"sgd\", \"lr\": 0.1}, \"changes\": "
                  "[{\"step\": 5, \"kind\": \"lr\", \"lr\": 1}, {\"step\": 4, \"kind\": \"lr\", \"lr\": 1}]}",
                  "the changes must be in the order of their steps");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/replay/loss-split", test_loss_split);
  g_test_add_func ("/replay/change-next-step", test_change_next_step);
  g_test_add_func ("/replay/bit-identical", test_replay_bit_identical);
  g_test_add_func ("/replay/project-split", test_project_split);
  g_test_add_func ("/replay/refusals", test_refusals);
  return g_test_run ();
}
