/* test-rnn.c — RNN, LSTM, Embedding and Last against PyTorch, by finite
 * differences, and their mistakes.
 *
 * tests/fixtures/seq.txt (made by tests/gen-seq-fixtures.py) holds for each
 * case float32 inputs and parameters, an upstream gradient (or class indices
 * for a cross-entropy), and the value and every gradient that PyTorch computed
 * from them in float64 with nn.RNN, nn.LSTM (batch_first=True), nn.Embedding,
 * nn.Linear and F.cross_entropy. The parsed network is built with the
 * parameters under PyTorch's names and must agree to
 * |got − ref| ≤ RTOL·|ref| + ATOL·(1 + max|ref|), test-conv.c's tolerance.
 *
 * The finite differences follow test-gradcheck.c: L = Σ W ⊙ y in double,
 * central differences with h = 3e-3·max(1, |x|), tolerance 2e-3·|∂| +
 * 1e-3·(1 + max|∂|).
 */
#include <myml.h>
#include "fixture-reader.h"
#include "gradcheck-util.h"
#include <math.h>
#include <string.h>

#define RTOL 1e-5
#define ATOL_SCALE 1e-6

/* ---- the fixture cases --------------------------------------------------- */

/* The parsed network on x with the case's parameters (exactly PyTorch's,
 * under its names and in its shapes); @in and @names get x (when its
 * gradient is known) and every parameter node. */
static MmNode *
build_case (const FxCase  *fc,
            GPtrArray     *in,
            GPtrArray     *names,
            MmModule     **model_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = mm_module_parse (fx_param (fc, "model"), &error);
  g_autoptr(MmParams) params = mm_params_new ();
  g_autoptr(GArray) specs = NULL;
  g_autoptr(GHashTable) nodes = NULL;
  g_autoptr(MmNode) x = NULL;
  g_autofree char *text = NULL;
  MmNode *y;
  MmShape out;

  g_assert_no_error (error);
  text = mm_module_to_string (model);
  g_assert_cmpstr (text, ==, fx_param (fc, "model"));

  x = mm_constant_new_labelled (fx_find_tensor (fc, "input", "x")->tensor, "x");
  if (fx_find_tensor (fc, "grad", "x") != NULL)
    {
      g_ptr_array_add (in, mm_node_ref (x));
      g_ptr_array_add (names, "x");
    }
  for (guint i = 0; i < fc->tensors->len; i++)
    {
      const FxTensor *t = g_ptr_array_index (fc->tensors, i);
      if (strcmp (t->role, "input") == 0 && strcmp (t->name, "x") != 0)
        mm_params_set (params, t->name, t->tensor);
    }
  specs = mm_module_get_params (model);
  g_assert_cmpuint (specs->len, ==, mm_params_get_n (params));
  g_assert_true (mm_params_check (params, specs, &error));
  g_assert_no_error (error);

  nodes = mm_module_make_param_nodes (params);
  for (guint i = 0; i < specs->len; i++)
    {
      const MmParamSpec *spec = &g_array_index (specs, MmParamSpec, i);
      const FxTensor *t = fx_find_tensor (fc, "input", spec->name);
      g_ptr_array_add (in, mm_node_ref (g_hash_table_lookup (nodes, spec->name)));
      g_ptr_array_add (names, t->name);   /* outlives the specs */
    }
  y = mm_module_construct (model, x, nodes, &error);
  g_assert_no_error (error);
  g_assert_true (mm_module_output_shape (model, mm_node_get_shape (x), &out, &error));
  g_assert_true (mm_shape_equal (&out, mm_node_get_shape (y)));
  if (model_out)
    *model_out = g_steal_pointer (&model);
  return y;
}

static void
compare_grads (const FxCase *fc,
               MmNode       *root,
               GPtrArray    *in,
               GPtrArray    *names,
               const MmTensor *upstream,
               double       *worst,
               char        **failure)
{
  g_autoptr(GError) error = NULL;
  g_autofree MmTensor **grads = g_new0 (MmTensor *, in->len);

  g_assert_true (mm_node_get_gradients_against (root, in->len, (MmNode **) in->pdata, upstream, grads, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < in->len; i++)
    {
      const FxTensor *ref = fx_find_tensor (fc, "grad", names->pdata[i]);
      g_autofree char *what = g_strdup_printf ("grad %s", (char *) names->pdata[i]);

      if (ref == NULL)
        g_error ("%s: no reference gradient for %s", fc->path, (char *) names->pdata[i]);
      fx_check_close (what, grads[i], ref->tensor, RTOL, ATOL_SCALE, worst, failure);
      mm_tensor_unref (grads[i]);
    }
}

static void
test_module_case (gconstpointer data)
{
  const FxCase *fc = data;
  g_autoptr(GPtrArray) in = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(MmNode) y = NULL;
  g_autofree char *failure = NULL;
  const FxTensor *up = fx_find_tensor (fc, "upstream", "y");
  double worst = 0.0;

  g_test_message ("%s: %s (fixture line %u)", fc->path, fx_param (fc, "model"), fc->line);
  y = build_case (fc, in, names, NULL);
  g_assert_nonnull (up);
  fx_check_close ("value", mm_node_get_value (y), fx_find_tensor (fc, "value", "y")->tensor, RTOL, ATOL_SCALE,
               &worst, &failure);
  compare_grads (fc, y, in, names, up->tensor, &worst, &failure);
  if (failure != NULL)
    g_test_fail_printf ("%s: %s", fc->path, failure);
  else
    fx_record_worst (fc, worst);
}

/* Cross-entropy over (batch, time, classes) against (batch, time) class
 * indices, as the one-hot wrapper feeds it: the mean over batch × time. */
static void
test_loss_case (gconstpointer data)
{
  const FxCase *fc = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) in = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(MmNode) y = NULL;
  g_autoptr(MmNode) loss_node = NULL;
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, &error);
  g_autoptr(MmLoss) loss = NULL;
  g_autoptr(MmTensor) value = NULL;
  g_autofree char *failure = NULL;
  guint classes = (guint) g_ascii_strtoull (fx_param (fc, "classes"), NULL, 10);
  double worst = 0.0;

  g_test_message ("%s: %s (fixture line %u)", fc->path, fx_param (fc, "model"), fc->line);
  loss = mm_loss_one_hot_new (ce, classes, &error);
  g_assert_no_error (error);
  y = build_case (fc, in, names, NULL);
  loss_node = mm_loss_build (loss, y, fx_find_tensor (fc, "targets", "t")->tensor, &error);
  g_assert_no_error (error);
  value = mm_tensor_copy (mm_node_get_value (loss_node));
  value->shape.ndim = 0;
  fx_check_close ("loss", value, fx_find_tensor (fc, "value", "loss")->tensor, RTOL, ATOL_SCALE, &worst, &failure);
  compare_grads (fc, loss_node, in, names, NULL, &worst, &failure);
  if (failure != NULL)
    g_test_fail_printf ("%s: %s", fc->path, failure);
  else
    fx_record_worst (fc, worst);
}

static GPtrArray *fixture_cases;
static GError *load_error;

static void
test_load (void)
{
  static const char *const prefixes[] = { "rnn/", "lstm/", "embedding/", "head/", "char/" };

  g_assert_no_error (load_error);
  g_assert_nonnull (fixture_cases);
  g_test_message ("%u fixture cases", fixture_cases->len);
  for (guint k = 0; k < G_N_ELEMENTS (prefixes); k++)
    {
      gboolean found = FALSE;
      for (guint i = 0; i < fixture_cases->len && !found; i++)
        found = g_str_has_prefix (((FxCase *) g_ptr_array_index (fixture_cases, i))->path, prefixes[k]);
      if (!found)
        g_test_fail_printf ("no fixture case for %s", prefixes[k]);
    }
}

/* ---- the stepper walks back through time --------------------------------- */

/* The full sweep adds Select's part straight into the input's gradient;
 * the stepper (MM_BACKWARD_KEEP_ALL) gets every contribution as a tensor.
 * Both must give the same gradients, and the stepper visits every time step
 * of every layer, the last step first. */
static void
test_stepper_through_time (void)
{
  const FxCase *fc = NULL;
  g_autoptr(GPtrArray) in = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(MmNode) y = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MmBackward) bw = NULL;
  const FxTensor *up;
  gsize last_step_seen[2] = { G_MAXSIZE, G_MAXSIZE };
  guint h_nodes = 0;
  double worst = 0.0;
  g_autofree char *failure = NULL;

  for (guint i = 0; i < fixture_cases->len && fc == NULL; i++)
    if (strcmp (((FxCase *) g_ptr_array_index (fixture_cases, i))->path, "lstm/T7-B3-I3-H4-L2") == 0)
      fc = g_ptr_array_index (fixture_cases, i);
  g_assert_nonnull (fc);
  up = fx_find_tensor (fc, "upstream", "y");
  y = build_case (fc, in, names, NULL);

  bw = mm_backward_new (y, up->tensor, in->len, (MmNode **) in->pdata, MM_BACKWARD_KEEP_ALL, &error);
  g_assert_no_error (error);
  while (mm_backward_step (bw))
    {
      const MmBackwardStep *step = mm_backward_get_step (bw);
      g_autofree char *what = NULL;
      guint layer;
      gsize t;

      for (guint i = 0; i < step->n_inputs; i++)
        if (mm_backward_get_gradient (bw, mm_node_get_input (step->node, i)) != NULL)
          g_assert_nonnull (step->contributions[i]);
      if (!mm_rnn_label_parse (mm_node_get_label (step->node), &what, &layer, &t) || strcmp (what, "h") != 0)
        continue;
      /* Layer 1 is swept before layer 0, each from its last step down. */
      g_assert_cmpuint (layer, <, 2);
      g_assert_true (last_step_seen[layer] == G_MAXSIZE || t < last_step_seen[layer]);
      if (layer == 0)
        g_assert_cmpuint (last_step_seen[1], ==, 0);
      last_step_seen[layer] = t;
      h_nodes++;
    }
  g_assert_cmpuint (h_nodes, ==, 2 * 7);
  for (guint i = 0; i < in->len; i++)
    {
      const FxTensor *ref = fx_find_tensor (fc, "grad", names->pdata[i]);
      g_autoptr(MmTensor) g = mm_backward_dup_gradient (bw, in->pdata[i]);
      fx_check_close (names->pdata[i], g, ref->tensor, RTOL, ATOL_SCALE, &worst, &failure);
    }
  if (failure != NULL)
    g_test_fail_printf ("stepper: %s", failure);
}

static void
test_label_parse (void)
{
  static const struct {
    const char *label, *what;
    guint layer;
    gsize step;
  } good[] = {
    { "h_l0[3]", "h", 0, 3 },
    { "1.c_l12[0]", "c", 12, 0 },
    { "2.3.gates_l1[41]", "gates", 1, 41 },
  };
  static const char *const bad[] = { "h_l0[-1]", "x", "h_l[3]", "hl0[3]", "h_l0[3]x", "_l0[3]", "1._l0[2]", "h_l0[]" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *what = NULL;
      guint layer = 99;
      gsize step = 99;

      g_assert_true (mm_rnn_label_parse (good[i].label, &what, &layer, &step));
      g_assert_cmpstr (what, ==, good[i].what);
      g_assert_cmpuint (layer, ==, good[i].layer);
      g_assert_cmpuint (step, ==, good[i].step);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (mm_rnn_label_parse (bad[i], NULL, NULL, NULL));
}

/* ---- finite differences of the nodes and of whole layers ------------------ */

static MmNode *
build_lstm_cell (MmNode * const *x,
                 gconstpointer   data,
                 GError        **error)
{
  MmNode *y = mm_lstm_cell_new (x[0], x[1], error);

  return y;
}

typedef struct {
  guint axis;
  gsize index;
} SelectSpec;

static MmNode *
build_select (MmNode * const *x,
              gconstpointer   data,
              GError        **error)
{
  const SelectSpec *s = data;
  MmNode *y = mm_select_new (x[0], s->axis, s->index, error);

  return y;
}

/* Select used twice and summed, so both of its gradient paths meet. */
static MmNode *
build_select_twice (MmNode * const *x,
                    gconstpointer   data,
                    GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(MmNode) a = mm_select_new (x[0], 0, 1, &local_error);
  g_autoptr(MmNode) b = mm_select_new (x[0], 0, 2, &local_error);
  g_autoptr(MmNode) c = mm_select_new (x[0], 0, 1, &local_error);
  g_autoptr(MmNode) ab = mm_binary_new (MM_OP_MUL, a, b, &local_error);
  MmNode *y = mm_binary_new (MM_OP_ADD, ab, c, &local_error);

  g_assert_no_error (local_error);
  return y;
}

static MmNode *
build_stack (MmNode * const *x,
             gconstpointer   data,
             GError        **error)
{
  const guint *axis = data;
  MmNode *y = mm_stack_new (3, x, *axis, error);

  return y;
}

static MmNode *
build_embedding (MmNode * const *x,
                 gconstpointer   data,
                 GError        **error)
{
  const MmTensor *ids = data;
  g_autoptr(MmNode) idn = mm_constant_new ((MmTensor *) ids);
  MmNode *y = mm_embedding_new (idn, x[0], error);

  return y;
}

static void
test_gradcheck_nodes (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (31);

  /* LSTMCell: gates around 0 and saturated ones; c from both signs. */
  for (guint k = 0; k < 2; k++)
    {
      MmTensor *x[2];
      double span = k == 0 ? 1.5 : 4.0;
      x[0] = random_uniform_tensor (rand, 2, (gsize[]) { 3, 4 * 3 }, -span, span);
      x[1] = random_uniform_tensor (rand, 2, (gsize[]) { 3, 3 }, -2, 2);
      gradcheck (k == 0 ? "LSTMCell" : "LSTMCell saturated", 2, x, build_lstm_cell, NULL, rand);
      mm_tensor_unref (x[0]);
      mm_tensor_unref (x[1]);
    }
  {
    static const SelectSpec specs[] = { { 0, 2 }, { 1, 0 }, { 2, 3 }, { 1, 2 } };
    for (guint k = 0; k < G_N_ELEMENTS (specs); k++)
      {
        g_autofree char *what = g_strdup_printf ("Select axis %u index %" G_GSIZE_FORMAT,
                                                 specs[k].axis, specs[k].index);
        MmTensor *x = random_uniform_tensor (rand, 3, (gsize[]) { 3, 4, 5 }, -1, 1);
        gradcheck (what, 1, &x, build_select, &specs[k], rand);
        mm_tensor_unref (x);
      }
  }
  {
    MmTensor *x = random_uniform_tensor (rand, 2, (gsize[]) { 4, 3 }, -1, 1);
    gradcheck ("Select twice", 1, &x, build_select_twice, NULL, rand);
    mm_tensor_unref (x);
  }
  for (guint axis = 0; axis <= 2; axis++)
    {
      g_autofree char *what = g_strdup_printf ("Stack axis %u", axis);
      MmTensor *x[3];
      for (guint i = 0; i < 3; i++)
        x[i] = random_uniform_tensor (rand, 2, (gsize[]) { 2, 3 }, -1, 1);
      gradcheck (what, 3, x, build_stack, &axis, rand);
      for (guint i = 0; i < 3; i++)
        mm_tensor_unref (x[i]);
    }
  {
    g_autoptr(MmTensor) ids = mm_tensor_new_from_data (&(MmShape) { 2, { 2, 3 } },
                                                       (float[]) { 0, 2, 2, 4, 0, 2 }, 6, NULL);
    MmTensor *w = random_uniform_tensor (rand, 2, (gsize[]) { 5, 3 }, -1, 1);
    g_assert_nonnull (ids);
    gradcheck ("Embedding", 1, &w, build_embedding, ids, rand);
    mm_tensor_unref (w);
  }
}

/* A whole network by finite differences: x and every parameter. */
static void
test_gradcheck_modules (void)
{
  static const char *const models[] = {
    "LSTM(3, 4, 2)",
    "RNN(3, 3, 2); Last",
    "LSTM(2, 3); Linear(3, 2)",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (32);

  for (guint k = 0; k < G_N_ELEMENTS (models); k++)
    gradcheck_model (models[k], 3, (gsize[]) { 2, 4, k == 2 ? 2 : 3 }, rand);
}

/* ---- text form, parameters, initialisation -------------------------------- */

static void
test_text_form (void)
{
  static const struct {
    const char *in, *out;
  } cases[] = {
    { "Embedding(65, 32); LSTM(32, 64, 2); Linear(64, 65)", "Embedding(65, 32); LSTM(32, 64, 2); Linear(64, 65)" },
    { "embedding(3,8) ; lstm(8, 16, 1); last; Linear(16, 2)", "Embedding(3, 8); LSTM(8, 16); Last; Linear(16, 2)" },
    { "RNN(4, 5)", "RNN(4, 5)" },
    { "rnn(4, 5, 3)", "RNN(4, 5, 3)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MmModule) m = mm_module_parse (cases[i].in, &error);
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      text = mm_module_to_string (m);
      g_assert_cmpstr (text, ==, cases[i].out);
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(MmModule) lstm = mm_module_rnn_new (TRUE, 5, 7, 2, &error);
    g_autoptr(MmModule) emb = mm_module_embedding_new (10, 4, &error);
    gboolean is_lstm = FALSE;
    gsize a = 0, b = 0, c = 0;

    g_assert_no_error (error);
    g_assert_true (mm_module_get_rnn (lstm, &is_lstm, &a, &b, &c));
    g_assert_true (is_lstm);
    g_assert_cmpuint (a, ==, 5);
    g_assert_cmpuint (b, ==, 7);
    g_assert_cmpuint (c, ==, 2);
    g_assert_false (mm_module_get_rnn (emb, NULL, NULL, NULL, NULL));
    g_assert_true (mm_module_get_embedding (emb, &a, &b));
    g_assert_cmpuint (a, ==, 10);
    g_assert_cmpuint (b, ==, 4);
    g_assert_false (mm_module_get_embedding (lstm, NULL, NULL));
  }
}

/* PyTorch's names and shapes, and its initialisation: every weight and bias
 * of a recurrent layer from U(−1/√H, 1/√H), whatever the weight initialiser;
 * an embedding from N(0, 1). */
static void
test_params_and_init (void)
{
  static const struct {
    const char *name;
    gsize rows, cols;
  } expected[] = {
    { "0.weight", 50, 8, },
    { "1.weight_ih_l0", 64, 8 }, { "1.weight_hh_l0", 64, 16 }, { "1.bias_ih_l0", 64, 0 }, { "1.bias_hh_l0", 64, 0 },
    { "1.weight_ih_l1", 64, 16 }, { "1.weight_hh_l1", 64, 16 }, { "1.bias_ih_l1", 64, 0 }, { "1.bias_hh_l1", 64, 0 },
    { "2.weight_ih_l0", 16, 16 }, { "2.weight_hh_l0", 16, 16 }, { "2.bias_ih_l0", 16, 0 }, { "2.bias_hh_l0", 16, 0 },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = mm_module_parse ("Embedding(50, 8); LSTM(8, 16, 2); RNN(16, 16)", &error);
  g_autoptr(GArray) specs = NULL;

  g_assert_no_error (error);
  specs = mm_module_get_params (model);
  g_assert_cmpuint (specs->len, ==, G_N_ELEMENTS (expected));
  g_assert_cmpuint (mm_module_count_params (model), ==,
                    50 * 8 + (64 * 8 + 64 * 16 + 2 * 64) + (64 * 16 * 2 + 2 * 64) + (16 * 16 * 2 + 2 * 16));
  for (MmInitKind kind = MM_INIT_XAVIER_UNIFORM; kind <= MM_INIT_ZEROS; kind++)
    {
      g_autoptr(MmParams) params = mm_params_init (specs, kind, 7, &error);

      g_assert_no_error (error);
      for (guint i = 0; i < specs->len; i++)
        {
          const MmParamSpec *s = &g_array_index (specs, MmParamSpec, i);
          MmTensor *t = mm_params_lookup (params, expected[i].name);
          double sum = 0, sq = 0;

          g_assert_cmpstr (s->name, ==, expected[i].name);
          g_assert_cmpuint (s->shape.ndim, ==, expected[i].cols ? 2 : 1);
          g_assert_cmpuint (s->shape.dim[0], ==, expected[i].rows);
          if (expected[i].cols)
            g_assert_cmpuint (s->shape.dim[1], ==, expected[i].cols);
          g_assert_nonnull (t);
          for (gsize k = 0; k < t->size; k++)
            {
              sum += t->data[k];
              sq += (double) t->data[k] * t->data[k];
            }
          if (i == 0)
            {
              /* N(0, 1): 400 draws. */
              g_assert_cmpfloat (fabs (sum / t->size), <, 0.2);
              g_assert_cmpfloat (fabs (sqrt (sq / t->size) - 1.0), <, 0.15);
            }
          else
            {
              double bound = 1.0 / sqrt (16.0);
              g_assert_cmpfloat (mm_tensor_max_abs (t), <=, bound);
              /* U(−a, a) has standard deviation a/√3; biases are not zero. */
              g_assert_cmpfloat (fabs (sqrt (sq / t->size) - bound / sqrt (3.0)), <, 0.3 * bound);
            }
        }
    }
}

/* ---- mistakes ------------------------------------------------------------ */

static void
test_errors (void)
{
  static const struct {
    const char *text, *fragment;
  } bad_text[] = {
    { "LSTM(4)", "LSTM needs whole numbers" },
    { "LSTM(4, 8, 2, 1)", "LSTM needs whole numbers" },
    { "RNN(4, 8.5)", "RNN needs whole numbers" },
    { "LSTM(0, 8)", "LSTM(0, 8): the numbers of input features and hidden units must be between 1" },
    { "RNN(4, 8, 0)", "RNN: the number of layers must be between 1" },
    { "Embedding(10)", "Embedding needs two whole numbers" },
    { "Embedding(0, 4)", "Embedding(0, 4): the number of ids and the width must be between 1" },
    { "Last(1)", "Last takes no settings" },
  };
  static const struct {
    const char *model;
    gsize shape[3];
    guint ndim;
    const char *fragment;
  } bad_input[] = {
    { "LSTM(4, 8)", { 2, 5, 3 }, 3,
      "Layer 0 (LSTM(4, 8)): needs a sequence of shape (batch, time, 4), but receives shape (2, 5, 3)" },
    { "RNN(4, 8, 2)", { 2, 4 }, 2,
      "Layer 0 (RNN(4, 8, 2)): needs a sequence of shape (batch, time, 4), but receives shape (2, 4)" },
    { "LSTM(4, 8)", { 2, 0, 4 }, 3, "needs at least one time step, but receives shape (2, 0, 4)" },
    { "LSTM(4, 8); LSTM(6, 8)", { 2, 5, 4 }, 3,
      "Layer 1 (LSTM(6, 8)): needs a sequence of shape (batch, time, 6), but receives shape (2, 5, 8)" },
    { "LSTM(4, 8); Last; Last", { 2, 5, 4 }, 3,
      "Layer 2 (Last): needs a sequence of shape (batch, time, features) with at least one time step, "
      "but receives shape (2, 8)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad_text); i++)
    {
      GError *error = NULL;
      fx_expect_error (mm_module_parse (bad_text[i].text, &error), &error, bad_text[i].fragment);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_input); i++)
    {
      GError *error = NULL;
      g_autoptr(MmModule) model = mm_module_parse (bad_input[i].model, &error);
      g_autoptr(GArray) specs = NULL;
      g_autoptr(MmParams) params = NULL;
      g_autoptr(GHashTable) nodes = NULL;
      g_autoptr(MmTensor) xt = mm_tensor_new_dims (bad_input[i].ndim, bad_input[i].shape, NULL);
      MmShape in, out;

      g_assert_no_error (error);
      specs = mm_module_get_params (model);
      params = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 1, &error);
      g_assert_no_error (error);
      nodes = mm_module_make_param_nodes (params);
      fx_expect_error (mm_module_construct_tensor (model, xt, nodes, &error), &error, bad_input[i].fragment);
      mm_shape_init (&in, bad_input[i].ndim, bad_input[i].shape, NULL);
      g_assert_false (mm_module_output_shape (model, &in, &out, &error));
      g_assert_nonnull (strstr (error->message, bad_input[i].fragment));
      g_clear_error (&error);
    }

  /* Ids out of range, negative or not whole, named with their position. */
  {
    static const struct {
      float id;
      const char *fragment;
    } bad_ids[] = {
      { 10, "Layer 0 (Embedding(10, 4)): Embedding: id 10 (number 3 of the ids of shape (2, 3)) is not a whole "
            "number from 0 to 9" },
      { -1, "id -1 (number 3" },
      { 2.5f, "id 2.5 (number 3" },
      { NAN, "id nan (number 3" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (bad_ids); i++)
      {
        GError *error = NULL;
        g_autoptr(MmModule) model = mm_module_parse ("Embedding(10, 4); LSTM(4, 3)", &error);
        g_autoptr(GArray) specs = mm_module_get_params (model);
        g_autoptr(MmParams) params = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 1, &error);
        g_autoptr(GHashTable) nodes = mm_module_make_param_nodes (params);
        g_autoptr(MmTensor) ids = mm_tensor_new_from_data (&(MmShape) { 2, { 2, 3 } },
                                                           (float[]) { 0, 1, 9, bad_ids[i].id, 3, 4 }, 6, &error);

        g_assert_no_error (error);
        fx_expect_error (mm_module_construct_tensor (model, ids, nodes, &error), &error, bad_ids[i].fragment);
      }
  }

  /* The nodes themselves. */
  {
    g_autoptr(MmTensor) a_t = mm_tensor_new_dims (2, (gsize[]) { 3, 12 }, NULL);
    g_autoptr(MmTensor) c_t = mm_tensor_new_dims (2, (gsize[]) { 3, 4 }, NULL);
    g_autoptr(MmTensor) d_t = mm_tensor_new_dims (2, (gsize[]) { 2, 3 }, NULL);
    g_autoptr(MmTensor) w1_t = mm_tensor_new_dims (1, (gsize[]) { 5 }, NULL);
    g_autoptr(MmNode) a = mm_constant_new (a_t);
    g_autoptr(MmNode) c = mm_constant_new (c_t);
    g_autoptr(MmNode) d = mm_constant_new (d_t);
    g_autoptr(MmNode) w1 = mm_constant_new (w1_t);
    GError *error = NULL;

    fx_expect_error (mm_lstm_cell_new (a, d, &error), &error,
                  "LSTMCell needs gates of shape (batch, 4·hidden) and a cell state of shape (batch, hidden), "
                  "but receives (3, 12) and (2, 3)");
    fx_expect_error (mm_lstm_cell_new (c, c, &error), &error, "but receives (3, 4) and (3, 4)");
    fx_expect_error (mm_select_new (a, 2, 0, &error), &error, "Select: a tensor of shape (3, 12) has no axis 2");
    fx_expect_error (mm_select_new (a, 0, 3, &error), &error, "Select: index 3 is beyond axis 0 of shape (3, 12)");
    fx_expect_error (mm_stack_new (2, (MmNode *[]) { c, d }, 0, &error), &error,
                  "Stack needs inputs of one shape, but input 0 has shape (3, 4) and input 1 shape (2, 3)");
    fx_expect_error (mm_stack_new (1, (MmNode *[]) { c }, 3, &error), &error, "cannot be stacked along axis 3");
    fx_expect_error (mm_stack_new (0, NULL, 0, &error), &error, "at least one input");
    fx_expect_error (mm_embedding_new (d, w1, &error), &error, "Embedding needs a table of shape (num, dim), not (5,)");
  }

  /* Cross-entropy's targets over time. */
  {
    GError *error = NULL;
    g_autoptr(MmTensor) bad = mm_tensor_new_from_data (&(MmShape) { 2, { 1, 3 } }, (float[]) { 0, 4, 1 }, 3, NULL);
    g_autoptr(MmTensor) cube = mm_tensor_new_dims (3, (gsize[]) { 1, 1, 1 }, NULL);

    fx_expect_error (mm_one_hot (bad, 3, &error), &error, "Target 0 at time step 1 is class 4, but the classes are 0 to 2");
    fx_expect_error (mm_one_hot (cube, 3, &error), &error, "(batch,) or, for sequences, (batch, time)");
  }
}

/* ---- data ----------------------------------------------------------------- */

/* Windows of seq_len ids; labels the same window one character later; the
 * vocabulary sorted by code point, its characters as class names. */
static void
test_text_dataset (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) ds = mm_text_dataset_new ("t", "bacab\xc3\xa9" "ba", -1, 3, &error);
  g_autoptr(MmTensor) x = NULL, y = NULL;
  static const char *const vocab[] = { "a", "b", "c", "\xc3\xa9" };
  /* b a c a b é b a: ids 1 0 2 0 1 3 1 0 */
  static const float want_x[] = { 1, 0, 2, 0, 1, 3 }, want_y[] = { 0, 2, 0, 1, 3, 1 };

  g_assert_no_error (error);
  g_assert_cmpuint (mm_dataset_get_n_classes (ds), ==, 4);
  for (guint c = 0; c < 4; c++)
    g_assert_cmpstr (mm_dataset_get_class_name (ds, c), ==, vocab[c]);
  g_assert_cmpuint (mm_dataset_get_n_samples (ds), ==, 2);
  g_assert_cmpuint (mm_dataset_get_label_size (ds), ==, 3);
  g_assert_true (mm_dataset_get_batch (ds, (gsize[]) { 0, 1 }, 2, &x, &y, &error));
  g_assert_cmpuint (y->shape.ndim, ==, 2);
  g_assert_cmpuint (y->shape.dim[1], ==, 3);
  for (guint i = 0; i < 6; i++)
    {
      g_assert_cmpfloat (x->data[i], ==, want_x[i]);
      g_assert_cmpfloat (y->data[i], ==, want_y[i]);
    }
  /* A split keeps each sample's whole label sequence. */
  {
    g_autoptr(MmDataset) big = mm_text_dataset_new ("t", "the cat sat on the mat and the rat sat on the hat", -1, 4, &error);
    g_autoptr(MmDataset) train = NULL, test = NULL;
    g_autoptr(MmTensor) bx = NULL, by = NULL;

    g_assert_no_error (error);
    g_assert_true (mm_dataset_split (big, 0.25, 3, &train, &test, &error));
    g_assert_cmpuint (mm_dataset_get_n_samples (train) + mm_dataset_get_n_samples (test), ==, 12);
    g_assert_true (mm_dataset_get_batch (test, (gsize[]) { 0 }, 1, &bx, &by, &error));
    for (guint k = 0; k + 1 < 4; k++)
      g_assert_cmpfloat (by->data[k], ==, bx->data[k + 1]);
  }
  g_assert_null (mm_text_dataset_new ("t", "ab\xff", -1, 1, &error));
  g_assert_nonnull (strstr (error->message, "not UTF-8 (at byte 2)"));
  g_clear_error (&error);
  g_assert_null (mm_text_dataset_new ("t", "abc", -1, 3, &error));
  g_assert_nonnull (strstr (error->message, "A text of 3 characters is too short for sequences of 3"));
  g_clear_error (&error);
  g_assert_null (mm_text_dataset_new ("t", "abc", -1, 0, &error));
  g_assert_nonnull (strstr (error->message, "sequence length must be between 1"));
  g_clear_error (&error);
  /* The shipped text is found and makes a data set. */
  {
    g_autofree char *path = mm_text_find (MM_TEXT_DEFAULT);
    g_autoptr(MmDataset) shipped = NULL;

    g_assert_nonnull (path);
    shipped = mm_text_dataset_load (path, 64, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (mm_dataset_get_n_samples (shipped), >, 300);
  }
}

static void
test_brackets_dataset (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) a = mm_brackets_dataset_new (400, 10, 5, &error);
  g_autoptr(MmDataset) b = mm_brackets_dataset_new (400, 10, 5, &error);
  gsize balanced = 0;

  g_assert_no_error (error);
  g_assert_cmpmem (mm_dataset_get_features (a), 400 * 10 * sizeof (float),
                   mm_dataset_get_features (b), 400 * 10 * sizeof (float));
  for (gsize i = 0; i < 400; i++)
    {
      const float *s = mm_dataset_get_sample (a, i);
      for (guint k = 0; k < 10; k++)
        g_assert_true (s[k] == 0.0f || s[k] == 1.0f);
      /* The label is the truth, checked independently. */
      {
        int depth = 0, ok = 1;
        for (guint k = 0; k < 10; k++)
          {
            depth += s[k] == 0.0f ? 1 : -1;
            ok &= depth >= 0;
          }
        ok &= depth == 0;
        g_assert_cmpuint (mm_dataset_get_label (a, i), ==, (guint) ok);
        balanced += ok;
      }
    }
  g_assert_cmpuint (balanced, ==, 200);
  g_assert_null (mm_brackets_dataset_new (10, 7, 1, &error));
  g_assert_nonnull (strstr (error->message, "even length from 2 to 4096, not 7"));
  g_clear_error (&error);
}

/* Sampling from an untrained model still follows the rules: the prompt's
 * characters must be known, temperature 0 is deterministic, the same seed
 * gives the same text, and only the new characters are returned. */
static void
test_sampling (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) ds = mm_text_dataset_new ("t", "hello world, hello moon", -1, 4, &error);
  g_autoptr(MmModule) model = NULL;
  g_autoptr(GArray) specs = NULL;
  g_autoptr(MmParams) params = NULL;
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
  guint V = mm_dataset_get_n_classes (ds);
  g_autofree char *text = g_strdup_printf ("Embedding(%u, 4); LSTM(4, 6); Linear(6, %u)", V, V);

  model = mm_module_parse (text, &error);
  g_assert_no_error (error);
  specs = mm_module_get_params (model);
  params = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 3, &error);
  a = mm_text_sample (model, params, ds, "hel", 20, 1.0, 9, 8, &error);
  g_assert_no_error (error);
  b = mm_text_sample (model, params, ds, "hel", 20, 1.0, 9, 8, &error);
  c = mm_text_sample (model, params, ds, "hel", 20, 0.0, 1, 8, &error);
  d = mm_text_sample (model, params, ds, "hel", 20, 0.0, 2, 8, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_utf8_strlen (a, -1), ==, 20);
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (c, ==, d);
  for (const char *p = a; *p; p++)
    g_assert_nonnull (strchr ("helo wrd,mn", *p));

  g_assert_null (mm_text_sample (model, params, ds, "hex", 5, 1.0, 1, 0, &error));
  g_assert_nonnull (strstr (error->message, "The prompt's character 'x' is not in the text's"));
  g_clear_error (&error);
  g_assert_null (mm_text_sample (model, params, ds, "", 5, 1.0, 1, 0, &error));
  g_clear_error (&error);
  g_assert_null (mm_text_sample (model, params, ds, "he", 5, -1.0, 1, 0, &error));
  g_assert_nonnull (strstr (error->message, "temperature"));
  g_clear_error (&error);
  {
    g_autoptr(MmModule) last = mm_module_parse ("Embedding(11, 4); LSTM(4, 6); Last; Linear(6, 11)", &error);
    g_autoptr(GArray) ls = mm_module_get_params (last);
    g_autoptr(MmParams) lp = mm_params_init (ls, MM_INIT_XAVIER_UNIFORM, 3, &error);
    g_assert_null (mm_text_sample (last, lp, ds, "he", 5, 1.0, 1, 0, &error));
    g_assert_nonnull (strstr (error->message, "To sample text the network must give (1, 2, 11)"));
    g_clear_error (&error);
  }
}

int
main (int argc, char **argv)
{
  g_autofree char *path = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  path = g_test_build_filename (G_TEST_DIST, "fixtures", "seq.txt", NULL);
  fixture_cases = fx_load (path, NULL, &load_error);

  g_test_add_func ("/rnn/load", test_load);
  if (fixture_cases != NULL)
    {
      for (guint i = 0; i < fixture_cases->len; i++)
        {
          const FxCase *fc = g_ptr_array_index (fixture_cases, i);
          g_autofree char *test_path = g_strconcat ("/rnn/fixtures/", fc->path, NULL);
          g_test_add_data_func (test_path, fc, strcmp (fc->op, "Loss") == 0 ? test_loss_case : test_module_case);
        }
      g_test_add_func ("/rnn/stepper-through-time", test_stepper_through_time);
    }
  g_test_add_func ("/rnn/label-parse", test_label_parse);
  g_test_add_func ("/rnn/gradcheck/nodes", test_gradcheck_nodes);
  g_test_add_func ("/rnn/gradcheck/modules", test_gradcheck_modules);
  g_test_add_func ("/rnn/text-form", test_text_form);
  g_test_add_func ("/rnn/params-and-init", test_params_and_init);
  g_test_add_func ("/rnn/errors", test_errors);
  g_test_add_func ("/rnn/data/text", test_text_dataset);
  g_test_add_func ("/rnn/data/brackets", test_brackets_dataset);
  g_test_add_func ("/rnn/data/sampling", test_sampling);

  ret = g_test_run ();
  fx_print_worst ();
  g_clear_pointer (&fixture_cases, g_ptr_array_unref);
  g_clear_error (&load_error);
  return ret;
}
