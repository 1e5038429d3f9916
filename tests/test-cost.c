/* test-cost.c — the cost meter (operation counts of hand-made graphs against
 * counts worked out by hand from each node type's rule, times, the two
 * groupings, layers named by their modules, metering through the trainer),
 * and data drawn by hand (adding and removing points, the trainer taking
 * new data between steps without losing its weights). */
#include <myml.h>
#include <math.h>
#include <string.h>

#define DEADLINE_S 30

static MmNode *
constant (guint ndim, const gsize *dims, guint32 seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmTensor) t = mm_tensor_new_dims (ndim, dims, &error);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  g_assert_no_error (error);
  mm_tensor_fill_uniform (t, rand, -1, 1);
  return mm_constant_new (t);
}

static guint64
type_flops (MmCostSummary *s, const char *key, MmCostPass pass)
{
  const MmCostRow *row = mm_cost_summary_lookup (s, MM_COST_BY_TYPE, key);
  return row != NULL ? row->flops[pass] : 0;
}

/* Every grouping holds the same measurements; times are real durations. */
static void
check_consistent (MmCostSummary *s,
                  double         wall)
{
  for (MmCostPass pass = 0; pass < MM_COST_N_PASSES; pass++)
    {
      double sec[MM_COST_N_GROUPINGS] = { 0 };
      guint64 flops[MM_COST_N_GROUPINGS] = { 0 };
      guint nodes[MM_COST_N_GROUPINGS] = { 0 };

      for (MmCostGrouping g = 0; g < MM_COST_N_GROUPINGS; g++)
        for (guint i = 0; i < mm_cost_summary_get_n_rows (s, g); i++)
          {
            const MmCostRow *row = mm_cost_summary_get_row (s, g, i);
            g_assert_cmpfloat (row->seconds[pass], >=, 0.0);
            sec[g] += row->seconds[pass];
            flops[g] += row->flops[pass];
            nodes[g] += row->n_nodes[pass];
          }
      g_assert_cmpuint (flops[MM_COST_BY_TYPE], ==, flops[MM_COST_BY_LAYER]);
      g_assert_cmpuint (nodes[MM_COST_BY_TYPE], ==, nodes[MM_COST_BY_LAYER]);
      g_assert_cmpfloat (fabs (sec[MM_COST_BY_TYPE] - sec[MM_COST_BY_LAYER]), <=, 1e-9);
      g_assert_cmpfloat (sec[MM_COST_BY_TYPE], <=, wall);
    }
  g_assert_cmpfloat (mm_cost_summary_get_total_seconds (s, MM_COST_FORWARD) +
                     mm_cost_summary_get_total_seconds (s, MM_COST_BACKWARD), <=, wall);
}

/* relu(A·B) summed, A (3, 4), B (4, 5): by the rules, forward TensorDot
 * 2·3·4·5 = 120, ReLU 15, Sum 15; backward against A and B: Sum 0, ReLU 15,
 * TensorDot 2 × 120; against A alone TensorDot 120. */
static void
test_flops_matmul (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) A = constant (2, (gsize[]) { 3, 4 }, 1);
  g_autoptr(MmNode) B = constant (2, (gsize[]) { 4, 5 }, 2);
  g_autoptr(MmNode) AB = mm_tensordot_new (A, B, 1, &error);
  g_autoptr(MmNode) R = mm_unary_new (MM_OP_RELU, AB, &error);
  g_autoptr(MmNode) S = mm_sum_all_new (R);
  g_autoptr(MmCostMeter) meter = mm_cost_meter_new ();
  g_autoptr(MmCostSummary) s = NULL;
  g_autoptr(MmCostSummary) s2 = NULL;
  MmTensor *grads[2];
  double t0, wall;

  g_assert_no_error (error);
  g_assert_cmpuint (mm_node_count_flops (AB, NULL), ==, 120);
  g_assert_cmpuint (mm_node_count_flops (A, NULL), ==, 0);

  g_assert_null (mm_cost_meter_install (meter));
  g_assert_true (mm_cost_meter_get_current () == meter);
  t0 = mm_cost_clock ();
  g_assert_true (mm_node_get_gradients_against (S, 2, (MmNode *[]) { A, B }, NULL, grads, &error));
  wall = mm_cost_clock () - t0;
  g_assert_true (mm_cost_meter_install (NULL) == meter);
  g_assert_no_error (error);
  mm_tensor_unref (grads[0]);
  mm_tensor_unref (grads[1]);

  s = mm_cost_meter_summarize (meter, 1, wall);
  g_assert_cmpuint (type_flops (s, "TensorDot", MM_COST_FORWARD), ==, 120);
  g_assert_cmpuint (type_flops (s, "ReLU", MM_COST_FORWARD), ==, 15);
  g_assert_cmpuint (type_flops (s, "Sum", MM_COST_FORWARD), ==, 15);
  g_assert_cmpuint (type_flops (s, "TensorDot", MM_COST_BACKWARD), ==, 240);
  g_assert_cmpuint (type_flops (s, "ReLU", MM_COST_BACKWARD), ==, 15);
  g_assert_cmpuint (type_flops (s, "Sum", MM_COST_BACKWARD), ==, 0);
  g_assert_cmpuint (mm_cost_summary_get_total_flops (s, MM_COST_FORWARD), ==, 150);
  g_assert_cmpuint (mm_cost_summary_get_total_flops (s, MM_COST_BACKWARD), ==, 255);
  /* Constants are never computed, so they are not counted. */
  g_assert_null (mm_cost_summary_lookup (s, MM_COST_BY_TYPE, "Constant"));
  g_assert_cmpuint (mm_cost_summary_lookup (s, MM_COST_BY_TYPE, "TensorDot")->n_nodes[MM_COST_FORWARD], ==, 1);
  /* No module built these nodes: one layer row, the rest of the graph. */
  g_assert_cmpuint (mm_cost_summary_get_n_rows (s, MM_COST_BY_LAYER), ==, 1);
  g_assert_cmpstr (mm_cost_summary_get_row (s, MM_COST_BY_LAYER, 0)->key, ==, "");
  check_consistent (s, wall);

  /* Values are cached: a second sweep against A alone only runs backward. */
  mm_cost_meter_reset (meter);
  mm_cost_meter_install (meter);
  t0 = mm_cost_clock ();
  g_assert_true (mm_node_get_gradients_against (S, 1, &A, NULL, grads, &error));
  wall = mm_cost_clock () - t0;
  mm_cost_meter_install (NULL);
  mm_tensor_unref (grads[0]);
  s2 = mm_cost_meter_summarize (meter, 2, wall);
  g_assert_cmpuint (mm_cost_summary_get_total_flops (s2, MM_COST_FORWARD), ==, 0);
  g_assert_cmpuint (type_flops (s2, "TensorDot", MM_COST_BACKWARD), ==, 120);
  check_consistent (s2, wall);
}

/* Without a meter nothing is recorded, and installs nest. */
static void
test_meter_off (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) A = constant (2, (gsize[]) { 2, 2 }, 3);
  g_autoptr(MmNode) E = mm_unary_new (MM_OP_EXP, A, &error);
  g_autoptr(MmCostMeter) outer = mm_cost_meter_new ();
  g_autoptr(MmCostMeter) inner = mm_cost_meter_new ();
  g_autoptr(MmCostSummary) s = NULL;
  g_autoptr(MmCostSummary) s_inner = NULL;

  g_assert_null (mm_cost_meter_get_current ());
  mm_node_get_value (E);
  mm_cost_meter_install (outer);
  g_assert_null (mm_cost_meter_install (inner) == outer ? NULL : outer);
  g_assert_true (mm_cost_meter_install (outer) == inner);
  mm_cost_meter_install (NULL);
  s = mm_cost_meter_summarize (outer, 0, 1.0);
  s_inner = mm_cost_meter_summarize (inner, 0, 1.0);
  g_assert_cmpuint (mm_cost_summary_get_n_rows (s, MM_COST_BY_TYPE), ==, 0);
  g_assert_cmpuint (mm_cost_summary_get_n_rows (s_inner, MM_COST_BY_TYPE), ==, 0);
}

/* Mul(2)(X, X), X (2, 3): forward 1 × 6; backward each input gets G·X, 1 × 6
 * twice, and the two contributions are added into X's gradient, 6 more. */
static void
test_flops_accumulate (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) X = constant (2, (gsize[]) { 2, 3 }, 4);
  g_autoptr(MmNode) P = mm_elementwise_new (mm_op_mul (2), 2, (MmNode *[]) { X, X }, &error);
  g_autoptr(MmNode) S = mm_sum_all_new (P);
  g_autoptr(MmCostMeter) meter = mm_cost_meter_new ();
  g_autoptr(MmCostSummary) s = NULL;
  MmTensor *grad;

  g_assert_no_error (error);
  mm_cost_meter_install (meter);
  g_assert_true (mm_node_get_gradients_against (S, 1, &X, NULL, &grad, &error));
  mm_cost_meter_install (NULL);
  mm_tensor_unref (grad);
  s = mm_cost_meter_summarize (meter, 0, INFINITY);
  g_assert_cmpuint (type_flops (s, "Mul", MM_COST_FORWARD), ==, 6);
  g_assert_cmpuint (type_flops (s, "Mul", MM_COST_BACKWARD), ==, 18);
  g_assert_cmpuint (type_flops (s, "Sum", MM_COST_FORWARD), ==, 6);
}

/* Conv2d: X (2, 3, 5, 5), W (4, 3, 3, 3), b (4): output (2, 4, 3, 3), 72
 * numbers, each 2·3·3·3 = 54 operations plus the bias: 72 · 55 = 3960.
 * Backward against X, W and b: 2 · 72 · 54 + 72 = 7848. MaxPool2d(2) on a
 * (1, 1, 4, 4) image: 4 outputs · 4 taps = 16 forward, 4 backward. */
static void
test_flops_conv_pool (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) X = constant (4, (gsize[]) { 2, 3, 5, 5 }, 5);
  g_autoptr(MmNode) W = constant (4, (gsize[]) { 4, 3, 3, 3 }, 6);
  g_autoptr(MmNode) b = constant (1, (gsize[]) { 4 }, 7);
  g_autoptr(MmNode) C = NULL;
  g_autoptr(MmNode) I = constant (4, (gsize[]) { 1, 1, 4, 4 }, 8);
  g_autoptr(MmNode) P = NULL;
  MmConv2dSettings cs, ps;

  mm_conv2d_settings_init (&cs, 1, 0, 1);
  C = mm_conv2d_new (X, W, b, &cs, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_node_count_flops (C, NULL), ==, 3960);
  g_assert_cmpuint (mm_node_count_flops (C, (gboolean[]) { TRUE, TRUE, TRUE }), ==, 7848);
  g_assert_cmpuint (mm_node_count_flops (C, (gboolean[]) { FALSE, TRUE, FALSE }), ==, 3888);

  mm_conv2d_settings_init (&ps, 0, 0, 1);
  P = mm_max_pool2d_new (I, 2, 2, &ps, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_node_count_flops (P, NULL), ==, 16);
  g_assert_cmpuint (mm_node_count_flops (P, (gboolean[]) { TRUE }), ==, 4);
}

/* A network: Linear(2, 3); Tanh; Linear(3, 2) on a batch of 4 with cross
 * entropy. Layer 0: TensorDot 2·4·2·3 = 48 plus the bias Add 12 (Broadcast
 * 0) forward = 60; layer 1: Tanh 12; layer 2: 2·4·3·2 = 48 + 8 = 56. The
 * layers are named by their modules, and nodes carry their module's scope. */
static void
test_layers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = mm_module_parse ("Linear(2, 3); Tanh; Linear(3, 2)", &error);
  g_autoptr(GArray) specs = NULL;
  g_autoptr(MmParams) params = NULL;
  g_autoptr(GHashTable) nodes = NULL;
  g_autoptr(MmTensor) x = mm_tensor_new_dims (2, (gsize[]) { 4, 2 }, &error);
  g_autoptr(MmNode) out = NULL;
  g_autoptr(MmCostMeter) meter = mm_cost_meter_new ();
  g_autoptr(MmCostSummary) s = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (9);
  const MmCostRow *row;
  double t0, wall;

  g_assert_no_error (error);
  specs = mm_module_get_params (model);
  params = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 1, &error);
  g_assert_no_error (error);
  nodes = mm_module_make_param_nodes (params);
  mm_tensor_fill_uniform (x, rand, -1, 1);
  out = mm_module_construct_tensor (model, x, nodes, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (mm_node_get_scope (out), ==, "2.");
  g_assert_cmpstr (mm_node_get_scope (g_hash_table_lookup (nodes, "0.weight")), ==, "0.");
  g_assert_cmpstr (mm_node_get_scope (mm_node_get_input (out, 0)), ==, "2.");

  mm_cost_meter_install (meter);
  t0 = mm_cost_clock ();
  mm_node_get_value (out);
  wall = mm_cost_clock () - t0;
  mm_cost_meter_install (NULL);
  s = mm_cost_meter_summarize (meter, 1, wall);
  mm_cost_summary_label_layers (s, model);
  g_assert_cmpuint (mm_cost_summary_get_n_rows (s, MM_COST_BY_LAYER), ==, 3);
  row = mm_cost_summary_lookup (s, MM_COST_BY_LAYER, "0.");
  g_assert_nonnull (row);
  g_assert_cmpuint (row->flops[MM_COST_FORWARD], ==, 60);
  g_assert_cmpstr (row->label, ==, "0 · Linear(2, 3)");
  row = mm_cost_summary_lookup (s, MM_COST_BY_LAYER, "1.");
  g_assert_cmpuint (row->flops[MM_COST_FORWARD], ==, 12);
  g_assert_cmpstr (row->label, ==, "1 · Tanh");
  row = mm_cost_summary_lookup (s, MM_COST_BY_LAYER, "2.");
  g_assert_cmpuint (row->flops[MM_COST_FORWARD], ==, 56);
  g_assert_cmpuint (type_flops (s, "TensorDot", MM_COST_FORWARD), ==, 96);
  g_assert_cmpuint (type_flops (s, "Broadcast", MM_COST_FORWARD), ==, 0);
  check_consistent (s, wall);
}

static MmTrainer *
spiral_trainer (MmDataset **train_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) train = mm_dataset_new_toy (MM_TOY_SPIRAL, 120, 0.05, 3, 7, &error);
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, NULL);
  MmTrainerConfig config;
  MmTrainer *t;

  g_assert_no_error (error);
  mm_trainer_config_init (&config);
  config.model = mm_module_parse ("Linear(2, 16); ReLU; Linear(16, 3)", &error);
  g_assert_no_error (error);
  config.loss = mm_loss_one_hot_new (ce, 3, &error);
  config.train = mm_dataset_ref (train);
  config.batch_size = 10;
  config.epochs = 1000;
  config.optimizer.lr = 0.05;
  t = mm_trainer_new (&config, &error);
  g_assert_no_error (error);
  mm_trainer_config_clear (&config);
  if (train_out)
    *train_out = g_steal_pointer (&train);
  return t;
}

static MmTrainerRecord
wait_for_step (MmTrainer *t,
               guint64    step)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;
  MmTrainerRecord r;

  do
    {
      r = mm_trainer_get_progress (t);
      if (r.step >= step)
        return r;
      g_usleep (1000);
    }
  while (g_get_monotonic_time () < deadline);
  g_error ("step %" G_GUINT64_FORMAT " not reached", step);
  return r;
}

/* The trainer meters every 5th step; the records say which, the summary has
 * both passes, all three layers and the loss, and fits in the step's time. */
static void
test_trainer_meter (void)
{
  MmTrainer *t = spiral_trainer (NULL);
  g_autoptr(MmCostSummary) s = NULL;
  g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  guint64 seen = 0;

  g_assert_null (mm_trainer_ref_cost (t));
  mm_trainer_set_cost_meter (t, 5);
  for (guint i = 0; i < 12; i++)
    mm_trainer_step_once (t);
  wait_for_step (t, 12);
  mm_trainer_drain (t, records);
  for (guint i = 0; i < records->len; i++)
    {
      MmTrainerRecord *r = &g_array_index (records, MmTrainerRecord, i);
      if (r->kind == MM_RECORD_STEP)
        {
          g_assert_cmpuint (r->cost_step, >=, seen);
          g_assert_cmpuint (r->cost_step % 5, ==, 1);
          seen = r->cost_step;
        }
    }
  g_assert_cmpuint (seen, ==, 11);
  s = mm_trainer_ref_cost (t);
  g_assert_nonnull (s);
  g_assert_cmpuint (mm_cost_summary_get_step (s), ==, 11);
  g_assert_cmpfloat (mm_cost_summary_get_wall_seconds (s), >, 0.0);
  check_consistent (s, mm_cost_summary_get_wall_seconds (s));
  /* Linear(2, 16) on a batch of 10: 2·10·2·16 = 640 forward; backward only
   * against W (the input is data): 640. */
  g_assert_cmpuint (mm_cost_summary_lookup (s, MM_COST_BY_LAYER, "0.")->flops[MM_COST_FORWARD], ==, 640 + 160);
  g_assert_cmpuint (type_flops (s, "TensorDot", MM_COST_FORWARD), ==, 640 + 2 * 10 * 16 * 3);
  g_assert_cmpuint (type_flops (s, "TensorDot", MM_COST_BACKWARD), ==, 640 + 2 * 2 * 10 * 16 * 3);
  g_assert_cmpstr (mm_cost_summary_lookup (s, MM_COST_BY_LAYER, "2.")->label, ==, "2 · Linear(16, 3)");
  g_assert_nonnull (mm_cost_summary_lookup (s, MM_COST_BY_LAYER, ""));
  mm_trainer_free (t);
}

static void
test_drawn_data (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) one = NULL;
  g_autoptr(MmDataset) two = NULL;
  g_autoptr(MmDataset) three = NULL;
  g_autoptr(MmDataset) removed = NULL;
  g_autoptr(MmDataset) last = NULL;
  MmDataset *none = NULL;

  /* The first point makes the data set, with the classes asked for. */
  one = mm_drawn_data_add (NULL, 3, 0.5, -0.25, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_dataset_get_n_classes (one), ==, 3);
  g_assert_cmpuint (mm_dataset_get_sample_size (one), ==, 2);
  two = mm_drawn_data_add (one, 0, -1.0, 1.0, 0, &error);
  three = mm_drawn_data_add (two, 0, -0.9, 1.1, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_dataset_get_n_samples (three), ==, 3);
  g_assert_cmpuint (mm_dataset_get_n_classes (three), ==, 3);
  g_assert_cmpfloat (mm_dataset_get_sample (three, 0)[0], ==, 0.5f);
  g_assert_cmpfloat (mm_dataset_get_sample (three, 0)[1], ==, -0.25f);
  g_assert_cmpfloat (mm_dataset_get_sample (three, 2)[0], ==, -0.9f);
  g_assert_cmpuint (mm_dataset_get_label (three, 0), ==, 2);
  g_assert_cmpuint (mm_dataset_get_label (three, 2), ==, 0);
  g_assert_cmpuint (mm_drawn_data_count_used_classes (three), ==, 2);
  /* The older sets are unchanged: the trainer may still be reading them. */
  g_assert_cmpuint (mm_dataset_get_n_samples (one), ==, 1);

  g_assert_cmpint (mm_drawn_data_find_nearest (three, -0.92, 1.08, 0.1), ==, 2);
  g_assert_cmpint (mm_drawn_data_find_nearest (three, 0.45, -0.25, 0.1), ==, 0);
  g_assert_cmpint (mm_drawn_data_find_nearest (three, 3, 3, 0.5), ==, -1);
  g_assert_true (mm_drawn_data_remove (three, 0, &removed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mm_dataset_get_n_samples (removed), ==, 2);
  g_assert_cmpfloat (mm_dataset_get_sample (removed, 0)[0], ==, -1.0f);
  g_assert_cmpfloat (mm_dataset_get_sample (removed, 1)[1], ==, 1.1f);
  g_assert_cmpuint (mm_drawn_data_count_used_classes (removed), ==, 1);
  /* Removing the last point leaves no data set, and that is no error. */
  g_assert_true (mm_drawn_data_remove (one, 0, &none, &error));
  g_assert_no_error (error);
  g_assert_null (none);

  g_assert_null (mm_drawn_data_add (three, 0, 0, 0, 3, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "There is no class 3: the data have 3 classes");
  g_clear_error (&error);
  g_assert_null (mm_drawn_data_add (three, 0, NAN, 0, 0, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "A point needs two finite coordinates");
  g_clear_error (&error);
  g_assert_false (mm_drawn_data_remove (three, 3, &last, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (mm_drawn_data_add (NULL, 1, 0, 0, 0, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "Drawn data have 2 to 16 classes, not 1");
}

static double
mean_loss (MmTrainer *t, MmDataset *ds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmParams) params = mm_trainer_snapshot_params (t);
  g_autoptr(MmTensor) x = NULL;
  g_autoptr(MmTensor) y = NULL;
  g_autoptr(MmTensor) out = NULL;
  gsize n = mm_dataset_get_n_samples (ds);
  g_autofree gsize *idx = g_new (gsize, n);
  double loss = 0;

  for (gsize i = 0; i < n; i++)
    idx[i] = i;
  g_assert_true (mm_dataset_get_batch (ds, idx, n, &x, &y, &error));
  out = mm_module_predict (mm_trainer_get_model (t), params, x, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    {
      const float *row = out->data + 3 * i;
      double m = MAX (row[0], MAX (row[1], row[2])), z = 0;
      for (guint c = 0; c < 3; c++)
        z += exp (row[c] - m);
      loss += -(row[(guint) y->data[i]] - m - log (z));
    }
  return loss / n;
}

/* New data between steps: the trainer keeps its weights (the step count and
 * the parameters go on from where they were) and learns the new points. */
static void
test_trainer_set_data (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) spiral = NULL;
  MmTrainer *t = spiral_trainer (&spiral);
  g_autoptr(MmDataset) drawn = NULL;
  g_autoptr(MmParams) before = NULL;
  g_autoptr(MmParams) after = NULL;
  g_autoptr(MmDataset) wrong = mm_dataset_new_toy (MM_TOY_SPIRAL, 30, 0.05, 5, 7, &error);
  double loss_before, loss_after;

  g_assert_no_error (error);
  /* Three far apart clusters, one per class, that the spiral net has not seen. */
  for (guint i = 0; i < 30; i++)
    {
      MmDataset *next = mm_drawn_data_add (drawn, 3, 4.0 * (i % 3) + 0.01 * i, -3.0 + 0.02 * i, i % 3, &error);
      g_assert_no_error (error);
      g_clear_pointer (&drawn, mm_dataset_unref);
      drawn = next;
    }

  for (guint i = 0; i < 20; i++)
    mm_trainer_step_once (t);
  wait_for_step (t, 20);
  before = mm_trainer_snapshot_params (t);
  loss_before = mean_loss (t, drawn);

  /* Refusals, at once and clearly. */
  g_assert_false (mm_trainer_set_data (t, wrong, NULL, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "The new training data have 5 classes, but the loss expects 3");
  g_clear_error (&error);

  g_assert_true (mm_trainer_set_data (t, drawn, NULL, &error));
  g_assert_no_error (error);
  /* One step on the new data moves the weights from where they were: a
   * restart from new random weights would give other numbers. */
  mm_trainer_step_once (t);
  wait_for_step (t, 21);
  after = mm_trainer_snapshot_params (t);
  g_assert_cmpuint (mm_trainer_get_n_batches (t), ==, 3);
  {
    const MmTensor *w0 = mm_params_lookup (before, "0.weight");
    const MmTensor *w1 = mm_params_lookup (after, "0.weight");
    double diff = 0;
    for (gsize i = 0; i < w0->size; i++)
      diff = MAX (diff, fabs (w0->data[i] - w1->data[i]));
    g_assert_cmpfloat (diff, >, 0.0);
    g_assert_cmpfloat (diff, <, 0.2);
  }
  for (guint i = 0; i < 300; i++)
    mm_trainer_step_once (t);
  wait_for_step (t, 321);
  loss_after = mean_loss (t, drawn);
  g_assert_cmpfloat (loss_after, <, loss_before * 0.5);
  mm_trainer_free (t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cost/flops-matmul", test_flops_matmul);
  g_test_add_func ("/cost/meter-off", test_meter_off);
  g_test_add_func ("/cost/flops-accumulate", test_flops_accumulate);
  g_test_add_func ("/cost/flops-conv-pool", test_flops_conv_pool);
  g_test_add_func ("/cost/layers", test_layers);
  g_test_add_func ("/cost/trainer-meter", test_trainer_meter);
  g_test_add_func ("/draw/data", test_drawn_data);
  g_test_add_func ("/draw/trainer-set-data", test_trainer_set_data);
  return g_test_run ();
}
