/* test-race.c — the optimizer race: every lane starts from the same weights
 * on the same batch (same first loss), a lane's run equals a solo run of its
 * optimizer bit for bit, the lanes stay in lock-step, a diverging lane drops
 * out while the others finish, the recorded paths, refusals, stop at any
 * moment. Part of the 'trainer' suite, which CI runs under ThreadSanitizer.
 *
 * Every wait has a deadline, so a deadlock fails the test instead of hanging. */
#include <myml.h>
#include <math.h>
#include <string.h>

#define DEADLINE_S 60

static const char *model_text = "Linear(2, 12); Tanh; Linear(12, 3)";

static void
base_config (MmTrainerConfig *c,
             guint            epochs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, NULL);

  mm_trainer_config_init (c);
  c->model = mm_module_parse (model_text, &error);
  g_assert_no_error (error);
  c->loss = mm_loss_one_hot_new (ce, 3, NULL);
  c->train = mm_dataset_new_toy (MM_TOY_SPIRAL, 120, 0.05, 3, 7, &error);
  g_assert_no_error (error);
  c->batch_size = 10;
  c->epochs = epochs;
  c->seed = 42;
  c->threads = 1;
}

/* The four settings of the app's defaults. */
static void
four_lanes (MmRaceConfig *rc)
{
  rc->n_lanes = 4;
  mm_optimizer_config_init (&rc->lanes[0], MM_OPTIMIZER_SGD);
  rc->lanes[0].lr = 0.1;
  mm_optimizer_config_init (&rc->lanes[1], MM_OPTIMIZER_SGD);
  rc->lanes[1].lr = 0.05;
  rc->lanes[1].momentum = 0.9;
  mm_optimizer_config_init (&rc->lanes[2], MM_OPTIMIZER_RMSPROP);
  rc->lanes[2].lr = 0.01;
  mm_optimizer_config_init (&rc->lanes[3], MM_OPTIMIZER_ADAM);
  rc->lanes[3].lr = 0.01;
}

static MmRace *
make_race (guint    epochs,
           guint    max_parallel,
           gboolean record)
{
  g_autoptr(GError) error = NULL;
  MmRaceConfig rc;
  MmRace *race;

  memset (&rc, 0, sizeof rc);
  base_config (&rc.base, epochs);
  four_lanes (&rc);
  rc.max_parallel = max_parallel;
  rc.record_paths = record;
  race = mm_race_new (&rc, &error);
  g_assert_no_error (error);
  g_assert_nonnull (race);
  mm_trainer_config_clear (&rc.base);
  return race;
}

static void
wait_over (MmRace *race)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;

  while (mm_race_get_state (race) != MM_RACE_OVER)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the race did not end within %d s", DEADLINE_S);
      g_usleep (1000);
    }
  mm_race_wait (race);
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
      MmTensor *ta = mm_params_get_tensor (a, i), *tb = mm_params_get_tensor (b, i);
      g_assert_cmpstr (mm_params_get_name (a, i), ==, mm_params_get_name (b, i));
      g_assert_cmpuint (ta->size, ==, tb->size);
      g_assert_cmpmem (ta->data, ta->size * sizeof (float), tb->data, tb->size * sizeof (float));
    }
}

/* One round: every lane saw the same first batch from the same weights, so
 * the same loss — and that loss is the one an optimizer computes at θ₀ on
 * the loader's first batch. */
static void
test_same_first_loss (void)
{
  g_autoptr(MmRace) race = make_race (1, 1, FALSE);
  g_autoptr(GError) error = NULL;
  MmTrainerConfig c;
  g_autoptr(MmDataLoader) loader = NULL;
  g_autoptr(MmOptimizer) opt = NULL;
  g_autoptr(MmTensor) x = NULL;
  g_autoptr(MmTensor) y = NULL;
  g_autoptr(MmStepInfo) info = NULL;
  float first[MM_RACE_MAX_LANES];

  mm_race_step_once (race);
  mm_race_wait_idle (race);
  g_assert_cmpuint (mm_race_get_rounds (race), ==, 1);
  g_assert_cmpint (mm_race_get_state (race), ==, MM_RACE_PAUSED);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(GArray) h = history (mm_race_get_lane (race, i));
      g_assert_cmpuint (h->len, ==, 1);
      first[i] = g_array_index (h, MmStepPoint, 0).loss;
      g_assert_true (isfinite (first[i]));
    }
  for (guint i = 1; i < 4; i++)
    g_assert_cmpmem (&first[0], sizeof (float), &first[i], sizeof (float));

  /* Independently: θ₀ drawn from the seed, the first shuffled batch. */
  base_config (&c, 1);
  {
    g_autoptr(GArray) specs = mm_module_get_params (c.model);
    g_autoptr(MmParams) theta0 = mm_params_init (specs, c.init, c.seed, &error);
    MmOptimizerConfig oc;

    g_assert_no_error (error);
    assert_params_identical (theta0, mm_race_get_initial_params (race));
    mm_optimizer_config_init (&oc, MM_OPTIMIZER_ADAM);
    opt = mm_optimizer_new (&oc, c.model, c.loss, theta0, &error);
    g_assert_no_error (error);
  }
  loader = mm_data_loader_new (c.train, c.batch_size, TRUE, c.seed, FALSE, &error);
  g_assert_no_error (error);
  mm_data_loader_start_epoch (loader, 0);
  g_assert_true (mm_data_loader_next (loader, &x, &y));
  info = mm_optimizer_prepare_step (opt, x, y, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (mm_step_info_get_loss (info), ==, first[0]);
  mm_trainer_config_clear (&c);
}

/* The SGD lane (and the Adam lane) of a finished race equal solo runs of
 * the same settings: same losses, same final weights, bit for bit. */
static void
test_lane_equals_solo (void)
{
  g_autoptr(MmRace) race = make_race (2, 1, FALSE);

  mm_race_start (race);
  wait_over (race);

  for (guint lane = 0; lane < 4; lane += 3)
    {
      g_autoptr(GError) error = NULL;
      MmTrainerConfig c;
      MmTrainer *solo;
      g_autoptr(GArray) hr = history (mm_race_get_lane (race, lane));
      g_autoptr(GArray) hs = NULL;
      g_autoptr(MmParams) pr = mm_trainer_snapshot_params (mm_race_get_lane (race, lane));
      g_autoptr(MmParams) ps = NULL;

      g_assert_cmpint (mm_trainer_get_state (mm_race_get_lane (race, lane)), ==, MM_TRAINER_FINISHED);
      base_config (&c, 2);
      c.optimizer = *mm_race_get_lane_config (race, lane);
      solo = mm_trainer_new (&c, &error);
      g_assert_no_error (error);
      mm_trainer_config_clear (&c);
      mm_trainer_start (solo);
      mm_trainer_wait (solo);
      g_assert_cmpint (mm_trainer_get_state (solo), ==, MM_TRAINER_FINISHED);
      hs = history (solo);
      g_assert_cmpuint (hr->len, ==, 24);
      g_assert_cmpuint (hs->len, ==, hr->len);
      for (guint k = 0; k < hr->len; k++)
        {
          g_assert_cmpfloat (g_array_index (hr, MmStepPoint, k).loss, ==, g_array_index (hs, MmStepPoint, k).loss);
          g_assert_cmpuint (g_array_index (hr, MmStepPoint, k).step, ==, k + 1);
        }
      ps = mm_trainer_snapshot_params (solo);
      assert_params_identical (pr, ps);
      mm_trainer_free (solo);
    }
  g_assert_cmpuint (mm_race_get_rounds (race), ==, 24);
}

/* Lanes computing at the same time give the same numbers as one by one. */
static void
test_parallel_same_as_serial (void)
{
  g_autoptr(MmRace) serial = make_race (1, 1, FALSE);
  g_autoptr(MmRace) parallel = make_race (1, 4, FALSE);

  mm_race_start (serial);
  mm_race_start (parallel);
  wait_over (serial);
  wait_over (parallel);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(GArray) a = history (mm_race_get_lane (serial, i));
      g_autoptr(GArray) b = history (mm_race_get_lane (parallel, i));
      g_autoptr(MmParams) pa = mm_trainer_snapshot_params (mm_race_get_lane (serial, i));
      g_autoptr(MmParams) pb = mm_trainer_snapshot_params (mm_race_get_lane (parallel, i));

      g_assert_cmpuint (a->len, ==, b->len);
      for (guint k = 0; k < a->len; k++)
        g_assert_cmpfloat (g_array_index (a, MmStepPoint, k).loss, ==, g_array_index (b, MmStepPoint, k).loss);
      assert_params_identical (pa, pb);
    }
}

/* Paused at any moment, every lane has done exactly the rounds so far. */
static void
test_lock_step (void)
{
  g_autoptr(MmRace) race = make_race (50, 2, FALSE);

  mm_race_start (race);
  for (int k = 0; k < 20; k++)
    {
      guint64 rounds;

      g_usleep (2000);
      mm_race_pause (race);
      mm_race_wait_idle (race);
      rounds = mm_race_get_rounds (race);
      for (guint i = 0; i < 4; i++)
        g_assert_cmpuint (mm_trainer_get_progress (mm_race_get_lane (race, i)).step, ==, rounds);
      mm_race_start (race);
    }
  mm_race_stop (race);
  wait_over (race);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (mm_trainer_get_state (mm_race_get_lane (race, i)), ==, MM_TRAINER_STOPPED);
}

/* A lane with a huge learning rate diverges and drops out; the others
 * finish all their steps. */
static void
test_diverging_lane (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmRace) race = NULL;
  MmRaceConfig rc;
  g_autoptr(GArray) h0 = NULL;

  memset (&rc, 0, sizeof rc);
  base_config (&rc.base, 2);
  four_lanes (&rc);
  rc.lanes[1].lr = 1e38;
  rc.lanes[1].momentum = 0.0;
  race = mm_race_new (&rc, &error);
  g_assert_no_error (error);
  mm_trainer_config_clear (&rc.base);
  mm_race_start (race);
  wait_over (race);
  g_assert_cmpint (mm_trainer_get_state (mm_race_get_lane (race, 1)), ==, MM_TRAINER_DIVERGED);
  for (guint i = 0; i < 4; i += (i == 0 ? 2 : 1))
    g_assert_cmpint (mm_trainer_get_state (mm_race_get_lane (race, i)), ==, MM_TRAINER_FINISHED);
  h0 = history (mm_race_get_lane (race, 0));
  g_assert_cmpuint (h0->len, ==, 24);
  g_assert_cmpuint (mm_race_get_rounds (race), ==, 24);
}

/* Paths: θ₀ first, then each lane's parameters at the same steps; thinned
 * to fewer than MM_RACE_MAX_PATH points on a long run; the points are the
 * lane's parameters at those steps (a solo run stopped there agrees). */
static void
test_paths (void)
{
  g_autoptr(MmRace) race = make_race (30, 1, TRUE);   /* 360 rounds */
  guint64 last_step = 0;

  mm_race_start (race);
  wait_over (race);
  g_assert_cmpuint (mm_race_get_rounds (race), ==, 360);
  g_assert_cmpuint (mm_race_get_path_serial (race), >, 0);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(GPtrArray) pts = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_params_unref);
      g_autoptr(GArray) steps = g_array_new (FALSE, FALSE, sizeof (guint64));
      guint n = mm_race_get_path (race, i, 0, pts, steps);

      g_assert_cmpuint (n, ==, pts->len);
      g_assert_cmpuint (n, <, MM_RACE_MAX_PATH);
      g_assert_cmpuint (n, >, MM_RACE_MAX_PATH / 4);
      g_assert_cmpuint (g_array_index (steps, guint64, 0), ==, 0);
      assert_params_identical (g_ptr_array_index (pts, 0), mm_race_get_initial_params (race));
      for (guint k = 1; k < n; k++)
        g_assert_cmpuint (g_array_index (steps, guint64, k), >, g_array_index (steps, guint64, k - 1));
      if (i == 0)
        last_step = g_array_index (steps, guint64, n - 1);
      else
        g_assert_cmpuint (g_array_index (steps, guint64, n - 1), ==, last_step);
      /* "from" skips points. */
      g_ptr_array_set_size (pts, 0);
      g_assert_cmpuint (mm_race_get_path (race, i, n - 1, pts, NULL), ==, 1);
    }

  /* The SGD lane's point at step s equals a solo run of s steps. */
  {
    g_autoptr(GPtrArray) pts = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_params_unref);
    g_autoptr(GArray) steps = g_array_new (FALSE, FALSE, sizeof (guint64));
    g_autoptr(GError) error = NULL;
    MmTrainerConfig c;
    MmTrainer *solo;
    guint k;
    guint64 s;

    mm_race_get_path (race, 0, 0, pts, steps);
    k = pts->len / 2;
    s = g_array_index (steps, guint64, k);
    base_config (&c, 30);
    c.optimizer = *mm_race_get_lane_config (race, 0);
    solo = mm_trainer_new (&c, &error);
    g_assert_no_error (error);
    mm_trainer_config_clear (&c);
    for (guint64 j = 0; j < s; j++)
      {
        mm_trainer_step_once (solo);
        mm_trainer_wait_idle (solo);
      }
    g_assert_cmpuint (mm_trainer_get_progress (solo).step, ==, s);
    {
      g_autoptr(MmParams) p = mm_trainer_snapshot_params (solo);
      assert_params_identical (p, g_ptr_array_index (pts, k));
    }
    mm_trainer_free (solo);
  }
}

static void
test_refusals (void)
{
  MmRaceConfig rc;
  g_autoptr(GError) error = NULL;
  MmRace *race;

  memset (&rc, 0, sizeof rc);
  base_config (&rc.base, 1);
  four_lanes (&rc);

  rc.n_lanes = 0;
  race = mm_race_new (&rc, &error);
  g_assert_null (race);
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "A race has 1 to 4 lanes, not 0");
  g_clear_error (&error);

  rc.n_lanes = 5;
  g_assert_null (mm_race_new (&rc, &error));
  g_assert_cmpstr (error->message, ==, "A race has 1 to 4 lanes, not 5");
  g_clear_error (&error);

  /* The lane at fault is named, with the optimizer's own reason. */
  rc.n_lanes = 4;
  rc.lanes[2].lr = -1.0;
  g_assert_null (mm_race_new (&rc, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_assert_true (g_str_has_prefix (error->message, "Lane 3: "));
  g_assert_nonnull (strstr (error->message, "learning rate"));
  g_clear_error (&error);
  rc.lanes[2].lr = 0.01;

  /* The trainer's refusal, named too: a batch larger than the data. */
  rc.base.batch_size = 1000;
  rc.base.drop_last = TRUE;
  g_assert_null (mm_race_new (&rc, &error));
  g_assert_cmpstr (error->message, ==, "Lane 1: A batch size of 1000 with drop-last leaves no batch of the 120 samples of 'spiral'");
  g_clear_error (&error);
  mm_trainer_config_clear (&rc.base);
}

/* Start/stop/free at any moment: never a hang, never a crash. */
static void
test_stop_anytime (void)
{
  for (int k = 0; k < 30; k++)
    {
      g_autoptr(MmRace) race = make_race (100, k % 3 == 0 ? 2 : 1, k % 2 == 0);

      switch (k % 4)
        {
        case 0:
          break;                            /* never started */
        case 1:
          mm_race_start (race);
          break;                            /* freed while running */
        case 2:
          mm_race_step_once (race);
          mm_race_step_once (race);
          mm_race_stop (race);
          wait_over (race);
          g_assert_cmpuint (mm_race_get_rounds (race), <=, 2);
          break;
        default:
          mm_race_start (race);
          g_usleep (500);
          mm_race_pause (race);
          mm_race_wait_idle (race);
          mm_race_stop (race);
          wait_over (race);
          break;
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/race/same-first-loss", test_same_first_loss);
  g_test_add_func ("/race/lane-equals-solo", test_lane_equals_solo);
  g_test_add_func ("/race/parallel-same-as-serial", test_parallel_same_as_serial);
  g_test_add_func ("/race/lock-step", test_lock_step);
  g_test_add_func ("/race/diverging-lane", test_diverging_lane);
  g_test_add_func ("/race/paths", test_paths);
  g_test_add_func ("/race/refusals", test_refusals);
  g_test_add_func ("/race/stop-anytime", test_stop_anytime);
  return g_test_run ();
}
