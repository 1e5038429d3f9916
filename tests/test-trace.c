/* test-trace.c — the NaN/Inf tracer: hand-made graphs where the first bad
 * number is known (log of 0, exp overflow, 0·∞, a finite forward pass with
 * an infinite gradient), tensor statistics, and a trainer that diverges with
 * a huge learning rate and keeps the step for the tracer. */
#include <myml.h>
#include <math.h>
#include <string.h>

static MmNode *
vector (const char *label,
        guint       n,
        const float *values)
{
  const gsize dims[] = { n };
  g_autoptr(MmTensor) t = mm_tensor_new_dims (1, dims, NULL);

  memcpy (t->data, values, n * sizeof (float));
  return mm_constant_new_labelled (t, label);
}

static MmNode *
unary (MmOpKind  kind,
       MmNode   *x)
{
  g_autoptr(GError) error = NULL;
  MmNode *n = mm_elementwise_new (mm_op_unary (kind), 1, &x, &error);

  g_assert_no_error (error);
  return n;
}

static MmNode *
binary (MmOpKind  kind,
        MmNode   *a,
        MmNode   *b)
{
  g_autoptr(GError) error = NULL;
  MmNode *n = mm_binary_new (kind, a, b, &error);

  g_assert_no_error (error);
  return n;
}

static void
trace (MmNode        *root,
       MmTraceResult *r)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (mm_trace_nonfinite (root, 0, NULL, r, &error));
  g_assert_no_error (error);
}

static void
test_stats (void)
{
  const float v[] = { 1.0f, -3.0f, NAN, INFINITY, 5.0f, -INFINITY, INFINITY, 0.0f };
  g_autoptr(MmNode) c = vector ("v", G_N_ELEMENTS (v), v);
  MmTensorStats s;

  mm_tensor_stats (mm_node_get_value (c), &s);
  g_assert_cmpuint (s.count, ==, 8);
  g_assert_cmpuint (s.n_nan, ==, 1);
  g_assert_cmpuint (s.n_pos_inf, ==, 2);
  g_assert_cmpuint (s.n_neg_inf, ==, 1);
  /* Over the finite numbers 1, −3, 5, 0. */
  g_assert_cmpfloat (s.min, ==, -3.0);
  g_assert_cmpfloat (s.max, ==, 5.0);
  g_assert_cmpfloat_with_epsilon (s.mean, 0.75, 1e-12);
  g_assert_false (mm_tensor_stats_is_finite (&s));

  {
    const float w[] = { NAN, NAN };
    g_autoptr(MmNode) d = vector ("w", 2, w);
    mm_tensor_stats (mm_node_get_value (d), &s);
    g_assert_cmpuint (s.n_nan, ==, 2);
    g_assert_true (isnan (s.min) && isnan (s.max) && isnan (s.mean));
  }
}

/* L = Σ log(x) with a 0 in x: the Log node gives −∞ (its input is finite),
 * and everything after it is non-finite too; the tracer names the Log. */
static void
test_log_of_zero (void)
{
  const float v[] = { 1.0f, 0.0f, 2.5f };
  g_autoptr(MmNode) x = vector ("x", 3, v);
  g_autoptr(MmNode) lg = unary (MM_OP_LOG, x);
  g_autoptr(MmNode) sq = unary (MM_OP_SQUARE, lg);
  g_autoptr(MmNode) root = mm_sum_all_new (sq);
  MmTraceResult r;

  trace (root, &r);
  g_assert_cmpint (r.kind, ==, MM_TRACE_VALUE);
  g_assert_true (r.node == lg);
  g_assert_cmpuint (r.position, ==, 1);
  g_assert_cmpuint (r.n_nodes, ==, 4);
  g_assert_cmpuint (r.stats.n_neg_inf, ==, 1);
  g_assert_cmpuint (r.stats.n_nan + r.stats.n_pos_inf, ==, 0);
  g_assert_cmpuint (r.n_inputs, ==, 1);
  g_assert_true (mm_tensor_stats_is_finite (&r.input_stats[0]));
  g_assert_cmpfloat (r.input_stats[0].min, ==, 0.0);
  g_assert_cmpfloat (r.input_stats[0].max, ==, 2.5);
  g_assert_null (r.source);
  mm_trace_result_clear (&r);
  g_assert_null (r.node);
}

/* exp(812.3) overflows float (e⁸⁸·⁷ is the largest): the first infinity is
 * Exp's, and the statistics show the input that caused it. */
static void
test_exp_overflow (void)
{
  const float v[] = { 0.5f, 812.3f, -2.0f };
  const float w[] = { 2.0f, 3.0f, 4.0f };
  g_autoptr(MmNode) x = vector ("logits", 3, v);
  g_autoptr(MmNode) k = vector ("k", 3, w);
  g_autoptr(MmNode) kx = binary (MM_OP_MUL, k, x);
  g_autoptr(MmNode) ex = unary (MM_OP_EXP, x);
  g_autoptr(MmNode) sum = binary (MM_OP_ADD, kx, ex);
  g_autoptr(MmNode) root = mm_sum_all_new (sum);
  MmTraceResult r;

  trace (root, &r);
  g_assert_cmpint (r.kind, ==, MM_TRACE_VALUE);
  g_assert_true (r.node == ex);
  g_assert_cmpint (mm_elementwise_get_op (r.node).kind, ==, MM_OP_EXP);
  g_assert_cmpuint (r.stats.n_pos_inf, ==, 1);
  g_assert_cmpfloat_with_epsilon (r.input_stats[0].max, 812.3, 1e-3);
  g_assert_cmpfloat (r.input_stats[0].min, ==, -2.0);
  mm_trace_result_clear (&r);
}

/* 0 · exp(100): the product is NaN, but the first non-finite number is the
 * infinity exp made; the NaN downstream is not reported as the cause. A
 * constant that holds ∞ is found as itself. */
static void
test_zero_times_infinity (void)
{
  const float zero[] = { 0.0f, 1.0f };
  const float big[] = { 100.0f, 1.0f };
  g_autoptr(MmNode) z = vector ("z", 2, zero);
  g_autoptr(MmNode) b = vector ("b", 2, big);
  g_autoptr(MmNode) e = unary (MM_OP_EXP, b);
  g_autoptr(MmNode) prod = binary (MM_OP_MUL, z, e);
  g_autoptr(MmNode) root = mm_sum_all_new (prod);
  MmTraceResult r;

  g_assert_true (isnan (mm_node_get_value (prod)->data[0]));
  trace (root, &r);
  g_assert_cmpint (r.kind, ==, MM_TRACE_VALUE);
  g_assert_true (r.node == e);
  mm_trace_result_clear (&r);

  {
    const float inf[] = { INFINITY, 2.0f };
    g_autoptr(MmNode) i = vector ("given", 2, inf);
    g_autoptr(MmNode) p = binary (MM_OP_MUL, z, i);
    g_autoptr(MmNode) s = mm_sum_all_new (p);

    trace (s, &r);
    g_assert_cmpint (r.kind, ==, MM_TRACE_VALUE);
    g_assert_true (r.node == i);
    g_assert_cmpuint (r.n_inputs, ==, 0);
    g_assert_cmpuint (r.stats.n_pos_inf, ==, 1);
    mm_trace_result_clear (&r);
  }
}

/* L = Σ √x with x = (0, 4): every value is finite (√0 = 0), but
 * ∂√x/∂x = 1 / (2√x) is infinite at 0. The first node of the backward sweep
 * with a non-finite gradient is x, and the node whose rule passed it the
 * infinity is the Sqrt. */
static void
test_infinite_gradient (void)
{
  const float v[] = { 0.0f, 4.0f };
  g_autoptr(MmNode) x = vector ("x", 2, v);
  g_autoptr(MmNode) sq = unary (MM_OP_SQRT, x);
  g_autoptr(MmNode) root = mm_sum_all_new (sq);
  MmTraceResult r;

  trace (root, &r);
  g_assert_cmpint (r.kind, ==, MM_TRACE_GRADIENT);
  g_assert_true (r.node == x);
  g_assert_cmpuint (r.position, ==, 2);      /* the sweep: root, Sqrt, x */
  g_assert_cmpuint (r.stats.n_pos_inf, ==, 1);
  g_assert_cmpfloat (r.stats.max, ==, 0.25);  /* the other entry: 1 / (2·2) */
  g_assert_true (r.source == sq);
  g_assert_cmpuint (r.source_input, ==, 0);
  mm_trace_result_clear (&r);

  /* With x as the only target the answer is the same; a finite graph gives
   * FINITE. */
  {
    g_autoptr(GError) error = NULL;
    const float ok[] = { 1.0f, 4.0f };
    g_autoptr(MmNode) y = vector ("y", 2, ok);
    g_autoptr(MmNode) sy = unary (MM_OP_SQRT, y);
    g_autoptr(MmNode) fine = mm_sum_all_new (sy);

    g_assert_true (mm_trace_nonfinite (root, 1, &x, &r, &error));
    g_assert_no_error (error);
    g_assert_cmpint (r.kind, ==, MM_TRACE_GRADIENT);
    g_assert_true (r.node == x);
    mm_trace_result_clear (&r);

    trace (fine, &r);
    g_assert_cmpint (r.kind, ==, MM_TRACE_FINITE);
    g_assert_null (r.node);
    g_assert_cmpuint (r.n_nodes, ==, 3);
    mm_trace_result_clear (&r);
  }
}

/* A root with several numbers is swept from ones, as the stepper does. */
static void
test_vector_root (void)
{
  const float v[] = { 0.0f, 9.0f };
  g_autoptr(MmNode) x = vector ("x", 2, v);
  g_autoptr(MmNode) sq = unary (MM_OP_SQRT, x);
  MmTraceResult r;

  trace (sq, &r);
  g_assert_cmpint (r.kind, ==, MM_TRACE_GRADIENT);
  g_assert_true (r.node == x);
  mm_trace_result_clear (&r);
}

/* A trainer with lr 10⁶ diverges within a few steps; it keeps the step (its
 * batch, the parameters before it, its graph), and the tracer finds a node
 * whose own computation produced the first bad number: its inputs are all
 * finite. */
static void
test_trainer_diverges (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) data = mm_dataset_new_toy (MM_TOY_SPIRAL, 150, 0.05, 3, 7, &error);
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, NULL);
  g_autoptr(MmDivergence) d = NULL;
  g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  const MmTrainerRecord *last;
  MmTrainerConfig config;
  MmTraceResult r;
  MmTrainer *t;

  g_assert_no_error (error);
  mm_trainer_config_init (&config);
  config.model = mm_module_parse ("Linear(2, 16); ReLU; Linear(16, 3)", &error);
  g_assert_no_error (error);
  config.loss = mm_loss_one_hot_new (ce, 3, NULL);
  config.train = mm_dataset_ref (data);
  config.optimizer.lr = 1e6;
  config.batch_size = 10;
  config.epochs = 1000;
  t = mm_trainer_new (&config, &error);
  g_assert_no_error (error);
  mm_trainer_config_clear (&config);
  g_assert_null (mm_trainer_dup_divergence (t));
  mm_trainer_start (t);
  mm_trainer_wait (t);
  g_assert_cmpint (mm_trainer_get_state (t), ==, MM_TRAINER_DIVERGED);
  mm_trainer_drain (t, records);
  last = &g_array_index (records, MmTrainerRecord, records->len - 1);

  d = mm_trainer_dup_divergence (t);
  g_assert_nonnull (d);
  g_test_message ("%s", d->message);
  g_assert_cmpstr (d->message, ==, last->message);
  g_assert_cmpuint (d->step, >=, 2);
  g_assert_cmpuint (d->step, <, 100);
  g_assert_cmpuint (d->batch, >=, 1);
  g_assert_cmpuint (d->x->shape.dim[0], ==, 10);
  g_assert_cmpuint (d->y->shape.dim[0], ==, 10);
  g_assert_nonnull (d->loss);
  g_assert_false (d->after_update);
  /* The parameters the step started from are finite: it stopped before its
   * update, and they are what the graph was built on. */
  g_assert_true (mm_params_all_finite (d->params, NULL));

  g_assert_true (mm_trace_nonfinite (d->loss, 0, NULL, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpint (r.kind, !=, MM_TRACE_FINITE);
  g_assert_nonnull (r.node);
  g_test_message ("first non-finite: %s (%s) at %u of %u", mm_node_get_type_name (r.node),
                  r.kind == MM_TRACE_VALUE ? "value" : "gradient", r.position, r.n_nodes);
  if (r.kind == MM_TRACE_VALUE)
    {
      g_assert_false (mm_node_is_constant (r.node));
      for (guint i = 0; i < r.n_inputs; i++)
        g_assert_true (mm_tensor_stats_is_finite (&r.input_stats[i]));
      g_assert_false (mm_tensor_stats_is_finite (&r.stats));
      g_assert_nonnull (strstr (d->message, "the loss became"));
    }
  else
    g_assert_nonnull (strstr (d->message, "the gradient of"));
  mm_trace_result_clear (&r);

  /* The copy is independent of the trainer. */
  mm_trainer_free (t);
  g_assert_true (mm_tensor_all_finite (d->x));
}

/* Tanh and a stable cross-entropy at lr 10⁶: the loss explodes and stays
 * finite, and the trainer calls it divergence all the same. The step is
 * kept, and the tracer finds every number of it finite. */
static void
test_trainer_exploded (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) data = mm_dataset_new_toy (MM_TOY_SPIRAL, 150, 0.05, 3, 7, &error);
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, NULL);
  g_autoptr(MmDivergence) d = NULL;
  MmTrainerConfig config;
  MmTraceResult r;
  MmTrainer *t;

  g_assert_no_error (error);
  mm_trainer_config_init (&config);
  config.model = mm_module_parse ("Linear(2, 16); Tanh; Linear(16, 3)", &error);
  g_assert_no_error (error);
  config.loss = mm_loss_one_hot_new (ce, 3, NULL);
  config.train = mm_dataset_ref (data);
  config.optimizer.lr = 1e6;
  config.batch_size = 10;
  config.epochs = 1000;
  t = mm_trainer_new (&config, &error);
  g_assert_no_error (error);
  mm_trainer_config_clear (&config);
  mm_trainer_start (t);
  mm_trainer_wait (t);
  g_assert_cmpint (mm_trainer_get_state (t), ==, MM_TRAINER_DIVERGED);
  d = mm_trainer_dup_divergence (t);
  mm_trainer_free (t);
  g_assert_nonnull (d);
  g_test_message ("%s", d->message);
  if (strstr (d->message, "exploded") == NULL)
    {
      g_test_skip ("this run reached NaN first");
      return;
    }
  g_assert_nonnull (d->loss);
  g_assert_true (mm_params_all_finite (d->params, NULL));
  g_assert_true (mm_trace_nonfinite (d->loss, 0, NULL, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpint (r.kind, ==, MM_TRACE_FINITE);
  g_assert_cmpuint (r.n_nodes, >, 10);
  mm_trace_result_clear (&r);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/trace/stats", test_stats);
  g_test_add_func ("/trace/log-of-zero", test_log_of_zero);
  g_test_add_func ("/trace/exp-overflow", test_exp_overflow);
  g_test_add_func ("/trace/zero-times-infinity", test_zero_times_infinity);
  g_test_add_func ("/trace/infinite-gradient", test_infinite_gradient);
  g_test_add_func ("/trace/vector-root", test_vector_root);
  g_test_add_func ("/trace/trainer-diverges", test_trainer_diverges);
  g_test_add_func ("/trace/trainer-exploded", test_trainer_exploded);
  return g_test_run ();
}
