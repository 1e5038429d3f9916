/* test-conv.c — the image nodes (Conv2d, MaxPool2d, AvgPool2d, BatchNorm,
 * Dropout) against PyTorch, by finite differences, and a small CNN trained
 * in training mode against PyTorch's trajectory.
 *
 * tests/fixtures/conv.txt (made by tests/gen-conv-fixtures.py) holds for each
 * case float32 inputs, an upstream gradient, and the value and gradients that
 * PyTorch computed from them in float64; BatchNorm's training cases also hold
 * the running statistics before and after. The same graph is built with the C
 * API and must agree to |got − ref| ≤ 1e-5·|ref| + 1e-6·(1 + max|ref|), the
 * tolerance of test-fixtures.c and for the same reasons (float32 rounding of
 * a few operations or a float32 dot product; cancellation near zero).
 *
 * The training cases run a network with BatchNorm (training mode, running
 * statistics updated after each step) and Dropout(0) through the optimizer
 * for 10 steps; the loss of every step must agree within 1e-4 relative and
 * the final parameters and buffers within 1e-4 relative + 1e-5 of their
 * scale, as in test-optimizer.c's trajectories.
 *
 * The finite differences follow test-gradcheck.c: L = Σ W ⊙ y in double,
 * central differences with h = 3e-3·max(1, |x|), tolerance 2e-3·|∂| +
 * 1e-3·(1 + max|∂|). Max pooling gets inputs that are at least 0.05 apart,
 * so that ±h never changes which number of a window is the largest.
 */
#include <myml.h>
#include "fixture-reader.h"
#include "gradcheck-util.h"
#include <math.h>
#include <string.h>

#define RTOL 1e-5
#define ATOL_SCALE 1e-6

/* ---- the fixture file ---------------------------------------------------- */

static void
param_pair (const FxCase *fc,
            const char   *key,
            gsize        *out)
{
  GStrv v = fx_param_words (fc, key);

  g_assert_cmpuint (g_strv_length (v), ==, 2);
  for (guint i = 0; i < 2; i++)
    out[i] = (gsize) g_ascii_strtoull (v[i], NULL, 10);
}

static double
param_double (const FxCase *fc,
              const char   *key)
{
  return g_ascii_strtod (fx_param_words (fc, key)[0], NULL);
}

static void
settings_from (const FxCase     *fc,
               MmConv2dSettings *st)
{
  param_pair (fc, "stride", st->stride);
  param_pair (fc, "padding", st->padding);
  param_pair (fc, "dilation", st->dilation);
}

/* ---- the node cases ------------------------------------------------------ */

static MmNode *
build_node (const FxCase  *fc,
            GPtrArray     *in)
{
  g_autoptr(GError) error = NULL;
  MmConv2dSettings st;
  gsize k[2];
  MmNode *y = NULL;

  if (strcmp (fc->op, "Conv2d") == 0)
    {
      settings_from (fc, &st);
      y = mm_conv2d_new (in->pdata[0], in->pdata[1], in->len > 2 ? in->pdata[2] : NULL, &st, &error);
    }
  else if (strcmp (fc->op, "MaxPool2d") == 0 || strcmp (fc->op, "AvgPool2d") == 0)
    {
      settings_from (fc, &st);
      param_pair (fc, "kernel", k);
      if (fc->op[0] == 'M')
        y = mm_max_pool2d_new (in->pdata[0], k[0], k[1], &st, &error);
      else
        y = mm_avg_pool2d_new (in->pdata[0], k[0], k[1], &st, &error);
    }
  else if (strcmp (fc->op, "BatchNorm") == 0)
    {
      gboolean train = strcmp (fx_param_words (fc, "mode")[0], "train") == 0;
      y = mm_batch_norm_new (in->pdata[0], in->pdata[1], in->pdata[2], train ? NULL : in->pdata[3],
                             train ? NULL : in->pdata[4], param_double (fc, "eps"), &error);
      g_assert_true (mm_batch_norm_is_training (y) == train);
    }
  else if (strcmp (fc->op, "Dropout") == 0)
    y = mm_dropout_new (in->pdata[0], param_double (fc, "p"), 1234, &error);
  else
    g_error ("case %s: unknown op %s", fc->path, fc->op);
  g_assert_no_error (error);
  g_assert_nonnull (y);
  return y;
}

static void
test_node_case (gconstpointer data)
{
  const FxCase *fc = data;
  g_autoptr(GPtrArray) in = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) y = NULL;
  g_autofree MmTensor **grads = NULL;
  g_autofree char *failure = NULL;
  const FxTensor *up = fx_find_tensor (fc, "upstream", "y");
  const FxTensor *value = fx_find_tensor (fc, "value", "y");
  double worst = 0.0;

  g_test_message ("%s (fixture line %u)", fc->path, fc->line);
  for (guint i = 0; i < fc->tensors->len; i++)
    {
      const FxTensor *t = g_ptr_array_index (fc->tensors, i);
      if (strcmp (t->role, "input") == 0)
        {
          g_ptr_array_add (in, mm_constant_new_labelled (t->tensor, t->name));
          g_ptr_array_add (names, t->name);
        }
    }
  g_assert_nonnull (up);
  g_assert_nonnull (value);
  y = build_node (fc, in);

  /* The rule is there for every input, and the description names the type. */
  for (guint i = 0; i < mm_node_get_n_inputs (y); i++)
    {
      g_autofree char *rule = mm_node_get_rule (y, i);
      g_assert_true (g_str_has_prefix (rule, "∂L/∂"));
    }
  {
    g_autofree char *d = mm_node_describe (y);
    g_assert_true (strstr (d, mm_node_get_type_name (y)) != NULL);
  }

  fx_check_close ("value", mm_node_get_value (y), value->tensor, RTOL, ATOL_SCALE, &worst, &failure);

  grads = g_new0 (MmTensor *, in->len);
  g_assert_true (mm_node_get_gradients_against (y, in->len, (MmNode **) in->pdata, up->tensor, grads, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < in->len; i++)
    {
      const FxTensor *ref = fx_find_tensor (fc, "grad", names->pdata[i]);
      g_autofree char *what = g_strdup_printf ("grad %s", (char *) names->pdata[i]);

      g_assert_nonnull (ref);
      if (failure == NULL)
        fx_check_close (what, grads[i], ref->tensor, RTOL, ATOL_SCALE, &worst, &failure);
      mm_tensor_unref (grads[i]);
    }

  /* BatchNorm in training mode: PyTorch's update of the running statistics. */
  if (failure == NULL && fx_find_tensor (fc, "state", "running_mean") != NULL)
    {
      g_autoptr(MmTensor) mean = NULL;
      g_autoptr(MmTensor) var = NULL;

      mm_batch_norm_running_update (y, fx_find_tensor (fc, "state", "running_mean")->tensor,
                                    fx_find_tensor (fc, "state", "running_var")->tensor,
                                    param_double (fc, "momentum"), &mean, &var);
      if (fx_check_close ("running mean", mean, fx_find_tensor (fc, "updated", "running_mean")->tensor,
                          RTOL, ATOL_SCALE, &worst, &failure))
        fx_check_close ("running var", var, fx_find_tensor (fc, "updated", "running_var")->tensor,
                        RTOL, ATOL_SCALE, &worst, &failure);
    }

  if (failure != NULL)
    g_test_fail_printf ("%s: %s", fc->path, failure);
  else
    {
      fx_record_worst (fc, worst);
    }
}

/* ---- the training cases -------------------------------------------------- */

static gboolean
close_enough (double got,
              double want,
              double rel,
              double abs_tol)
{
  return fabs (got - want) <= rel * fabs (want) + abs_tol;
}

static void
test_train_case (gconstpointer data)
{
  const FxCase *fc = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *model_text = g_strjoinv (" ", fx_param_words (fc, "model"));
  g_autoptr(MmModule) model = mm_module_parse (model_text, &error);
  g_autoptr(MmLoss) ce = NULL;
  g_autoptr(MmLoss) loss = NULL;
  g_autoptr(MmParams) init = mm_params_new ();
  g_autoptr(MmOptimizer) opt = NULL;
  GStrv optw = fx_param_words (fc, "optimizer");
  guint steps = (guint) g_ascii_strtoull (fx_param_words (fc, "steps")[0], NULL, 10);
  const MmTensor *losses = fx_find_tensor (fc, "losses", "loss")->tensor;
  MmOptimizerConfig config;
  MmOptimizerKind kind;
  double worst = 0.0;
  guint n_final = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < fc->tensors->len; i++)
    {
      const FxTensor *t = g_ptr_array_index (fc->tensors, i);
      if (strcmp (t->role, "init") == 0)
        mm_params_set (init, t->name, t->tensor);
    }
  ce = mm_loss_cross_entropy_new (0.0, &error);
  g_assert_no_error (error);
  loss = mm_loss_one_hot_new (ce, 3, &error);
  g_assert_no_error (error);
  g_assert_true (mm_optimizer_kind_from_name (optw[0], &kind));
  mm_optimizer_config_init (&config, kind);
  config.lr = g_ascii_strtod (optw[1], NULL);
  opt = mm_optimizer_new (&config, model, loss, init, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (losses->size, ==, steps);

  for (guint s = 0; s < steps; s++)
    {
      g_autofree char *step = g_strdup_printf ("%u", s);
      g_autoptr(MmStepInfo) info = mm_optimizer_step (opt, fx_find_tensor (fc, "x", step)->tensor,
                                                      fx_find_tensor (fc, "y", step)->tensor, &error);
      double got;

      g_assert_no_error (error);
      g_assert_nonnull (info->buffer_updates);
      got = mm_step_info_get_loss (info);
      worst = MAX (worst, fabs (got - losses->data[s]) / fabs (losses->data[s]));
      if (!close_enough (got, losses->data[s], 1e-4, 1e-6))
        {
          g_test_fail_printf ("%s: step %u loss %.9g, PyTorch %.9g", fc->path, s, got, losses->data[s]);
          return;
        }
    }

  for (guint i = 0; i < fc->tensors->len; i++)
    {
      const FxTensor *t = g_ptr_array_index (fc->tensors, i);
      MmTensor *got;
      float scale;

      if (strcmp (t->role, "final") != 0)
        continue;
      n_final++;
      got = mm_params_lookup (mm_optimizer_get_params (opt), t->name);
      g_assert_nonnull (got);
      g_assert_true (mm_tensor_same_shape (got, t->tensor));
      scale = mm_tensor_max_abs (t->tensor);
      for (gsize k = 0; k < got->size; k++)
        if (!close_enough (got->data[k], t->tensor->data[k], 1e-4, 1e-5 * (1 + scale)))
          {
            g_test_fail_printf ("%s: %s[%" G_GSIZE_FORMAT "] = %.9g after %u steps, PyTorch %.9g",
                                fc->path, t->name, k, got->data[k], steps, t->tensor->data[k]);
            return;
          }
    }
  g_assert_cmpuint (n_final, ==, mm_params_get_n (init));
  g_test_message ("%s: worst relative loss error %.2e", fc->path, worst);
}

/* ---- the file as a whole ------------------------------------------------- */

static GPtrArray *fixture_cases;
static GError *load_error;

static void
test_load (void)
{
  static const char *const ops[] = { "Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm", "Dropout", "Train" };

  g_assert_no_error (load_error);
  g_assert_nonnull (fixture_cases);
  g_test_message ("%u fixture cases", fixture_cases->len);
  for (guint k = 0; k < G_N_ELEMENTS (ops); k++)
    {
      gboolean found = FALSE;
      for (guint i = 0; i < fixture_cases->len && !found; i++)
        found = strcmp (((FxCase *) g_ptr_array_index (fixture_cases, i))->op, ops[k]) == 0;
      if (!found)
        g_test_fail_printf ("no fixture case for %s", ops[k]);
    }
}

/* ---- finite differences -------------------------------------------------- */

/* Distinct numbers at least 0.05 apart, shuffled: no window of a max pool
 * has two numbers within ±h of each other. */
static MmTensor *
separated_tensor (GRand       *rand,
                  guint        ndim,
                  const gsize *dims)
{
  MmTensor *t = mm_tensor_new_dims (ndim, dims, NULL);

  for (gsize i = 0; i < t->size; i++)
    t->data[i] = (float) (-2.0 + 0.05 * (double) i);
  for (gsize i = t->size; i > 1; i--)
    {
      gsize j = (gsize) g_rand_int_range (rand, 0, (gint32) i);
      float tmp = t->data[i - 1];
      t->data[i - 1] = t->data[j];
      t->data[j] = tmp;
    }
  return t;
}

typedef struct {
  gsize stride, padding, dilation;
  gsize kernel;
  gboolean bias;
} ConvSpec;

static MmNode *
build_conv (MmNode * const *x,
            gconstpointer   data,
            GError        **error)
{
  const ConvSpec *c = data;
  MmConv2dSettings st;
  MmNode *y;

  mm_conv2d_settings_init (&st, c->stride, c->padding, c->dilation);
  y = mm_conv2d_new (x[0], x[1], c->bias ? x[2] : NULL, &st, error);
  return y;
}

static void
test_gradcheck_conv (void)
{
  static const struct {
    const char *name;
    gsize shape[4];
    gsize out;
    ConvSpec spec;
  } cases[] = {
    { "Conv2d 3×3", { 2, 2, 5, 5 }, 3, { 1, 0, 1, 3, TRUE } },
    { "Conv2d stride 2 padding 1", { 1, 2, 6, 5 }, 2, { 2, 1, 1, 3, TRUE } },
    { "Conv2d dilation 2 padding 2", { 1, 1, 7, 6 }, 2, { 1, 2, 2, 3, FALSE } },
    { "Conv2d 1×1", { 2, 3, 3, 3 }, 2, { 1, 0, 1, 1, TRUE } },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const gsize *s = cases[i].shape;
      gsize k = cases[i].spec.kernel;
      MmTensor *x[3];

      x[0] = random_uniform_tensor (rand, 4, s, -2, 2);
      x[1] = random_uniform_tensor (rand, 4, (gsize[]) { cases[i].out, s[1], k, k }, -1, 1);
      x[2] = random_uniform_tensor (rand, 1, &cases[i].out, -1, 1);
      gradcheck (cases[i].name, cases[i].spec.bias ? 3 : 2, x, build_conv, &cases[i].spec, rand);
      for (guint j = 0; j < 3; j++)
        mm_tensor_unref (x[j]);
    }
}

typedef struct {
  gboolean max;
  gsize kernel, stride, padding, dilation;
} PoolSpec;

static MmNode *
build_pool (MmNode * const *x,
            gconstpointer   data,
            GError        **error)
{
  const PoolSpec *p = data;
  MmConv2dSettings st;

  mm_conv2d_settings_init (&st, p->stride, p->padding, p->dilation);
  return p->max ? mm_max_pool2d_new (x[0], p->kernel, p->kernel, &st, error)
                : mm_avg_pool2d_new (x[0], p->kernel, p->kernel, &st, error);
}

static void
test_gradcheck_pool (void)
{
  static const struct {
    const char *name;
    gsize shape[4];
    PoolSpec spec;
  } cases[] = {
    { "MaxPool2d 2", { 2, 2, 4, 4 }, { TRUE, 2, 2, 0, 1 } },
    { "MaxPool2d 3 stride 1 padding 1", { 1, 2, 4, 5 }, { TRUE, 3, 1, 1, 1 } },
    { "MaxPool2d 2 dilation 2", { 1, 1, 5, 5 }, { TRUE, 2, 1, 0, 2 } },
    { "AvgPool2d 2", { 2, 2, 4, 4 }, { FALSE, 2, 2, 0, 1 } },
    { "AvgPool2d 3 stride 2 padding 1", { 1, 2, 5, 6 }, { FALSE, 3, 2, 1, 1 } },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (12);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      MmTensor *x = cases[i].spec.max ? separated_tensor (rand, 4, cases[i].shape)
                                      : random_uniform_tensor (rand, 4, cases[i].shape, -2, 2);
      gradcheck (cases[i].name, 1, &x, build_pool, &cases[i].spec, rand);
      mm_tensor_unref (x);
    }
}

static MmNode *
build_batch_norm (MmNode * const *x,
                  gconstpointer   data,
                  GError        **error)
{
  gboolean train = GPOINTER_TO_INT (data);
  MmNode *y = mm_batch_norm_new (x[0], x[1], x[2], train ? NULL : x[3], train ? NULL : x[4], 1e-5, error);

  return y;
}

static void
test_gradcheck_batch_norm (void)
{
  static const gsize shapes[][4] = { { 6, 3, 0, 0 }, { 3, 2, 2, 3 } };
  g_autoptr(GRand) rand = g_rand_new_with_seed (13);

  for (guint train = 0; train < 2; train++)
    for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
      {
        guint ndim = shapes[s][2] ? 4 : 2;
        gsize C = shapes[s][1];
        g_autofree char *what = g_strdup_printf ("BatchNorm %s, %u axes", train ? "training" : "eval", ndim);
        MmTensor *x[5];

        x[0] = random_uniform_tensor (rand, ndim, shapes[s], -2, 2);
        x[1] = random_uniform_tensor (rand, 1, &C, 0.5, 1.5);
        x[2] = random_uniform_tensor (rand, 1, &C, -1, 1);
        x[3] = random_uniform_tensor (rand, 1, &C, -0.5, 0.5);
        x[4] = random_uniform_tensor (rand, 1, &C, 0.5, 2);
        gradcheck (what, train ? 3 : 5, x, build_batch_norm, GINT_TO_POINTER (train), rand);
        for (guint j = 0; j < 5; j++)
          mm_tensor_unref (x[j]);
      }
}

static MmNode *
build_dropout (MmNode * const *x,
               gconstpointer   data,
               GError        **error)
{
  /* The same seed for every evaluation: the same mask. */
  MmNode *y = mm_dropout_new (x[0], 0.4, 77, error);

  return y;
}

static void
test_gradcheck_dropout (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (14);
  MmTensor *x = random_uniform_tensor (rand, 2, (gsize[]) { 4, 6 }, -2, 2);

  gradcheck ("Dropout p=0.4", 1, &x, build_dropout, NULL, rand);
  mm_tensor_unref (x);
}

/* ---- Dropout's mask ------------------------------------------------------ */

/* Value x·M/(1 − p) and gradient G·M/(1 − p) with the node's own mask; the
 * mask's zeros are a fraction p of it (within 5 standard deviations); the
 * same seed gives the same mask, another seed another. */
static void
test_dropout_mask (void)
{
  static const double ps[] = { 0.1, 0.5, 0.8 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (15);
  const gsize dims[] = { 50, 200 };

  for (guint k = 0; k < G_N_ELEMENTS (ps); k++)
    {
      double p = ps[k];
      g_autoptr(GError) error = NULL;
      g_autoptr(MmTensor) xt = random_uniform_tensor (rand, 2, dims, -2, 2);
      g_autoptr(MmTensor) gt = random_uniform_tensor (rand, 2, dims, -1, 1);
      g_autoptr(MmNode) x = mm_constant_new (xt);
      g_autoptr(MmNode) y = mm_dropout_new (x, p, 1000 + k, &error);
      g_autoptr(MmNode) same = mm_dropout_new (x, p, 1000 + k, &error);
      g_autoptr(MmNode) other = mm_dropout_new (x, p, 2000 + k, &error);
      g_autoptr(MmTensor) dx = NULL;
      const MmTensor *mask, *v;
      const float scale = (float) (1.0 / (1.0 - p));
      gsize zeros = 0, differ = 0;
      double n = (double) xt->size, sd = sqrt (n * p * (1 - p));

      g_assert_no_error (error);
      g_assert_true (mm_node_is_dropout (y));
      g_assert_cmpfloat (mm_dropout_get_p (y), ==, p);
      mask = mm_dropout_get_mask (y);
      v = mm_node_get_value (y);
      g_assert_true (mm_node_get_gradients_against (y, 1, &x, gt, &dx, &error));
      g_assert_no_error (error);
      for (gsize i = 0; i < xt->size; i++)
        {
          float m = mask->data[i];
          g_assert_true (m == 0.0f || m == 1.0f);
          zeros += m == 0.0f;
          g_assert_cmpfloat (v->data[i], ==, xt->data[i] * (m * scale));
          g_assert_cmpfloat (dx->data[i], ==, gt->data[i] * (m * scale));
          g_assert_cmpfloat (mm_dropout_get_mask (same)->data[i], ==, m);
          differ += mm_dropout_get_mask (other)->data[i] != m;
        }
      g_test_message ("p = %g: %" G_GSIZE_FORMAT " of %g dropped (expected %g ± %.1f)", p, zeros, n, n * p, sd);
      g_assert_cmpfloat (fabs ((double) zeros - n * p), <=, 5 * sd);
      g_assert_cmpuint (differ, >, 0);
      /* The mean is kept: E[Y] = X, checked on ones. */
      {
        g_autoptr(MmTensor) ones = mm_tensor_new_filled (&xt->shape, 1.0f, NULL);
        g_autoptr(MmNode) o = mm_constant_new (ones);
        g_autoptr(MmNode) yo = mm_dropout_new (o, p, 3000 + k, &error);
        double mean = mm_tensor_sum (mm_node_get_value (yo)) / n;
        g_assert_cmpfloat (fabs (mean - 1.0), <=, 5 * sqrt (p / (1 - p) / n));
      }
    }
}

static void
test_dropout_refuses (void)
{
  static const double bad[] = { -0.1, 1.0, 1.5, NAN };
  g_autoptr(MmTensor) t = mm_tensor_new_dims (1, (gsize[]) { 3 }, NULL);
  g_autoptr(MmNode) x = mm_constant_new (t);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_null (mm_dropout_new (x, bad[i], 1, &error));
      g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "Dropout"));
    }
}

/* ---- node-level errors --------------------------------------------------- */

/* @error is read after @node was made (a GError* argument could be read
 * before the call that sets it). */
static void
expect_error (MmNode      *node,
              GError     **errorp,
              const char  *fragment)
{
  GError *error = *errorp;

  g_assert_null (node);
  g_assert_nonnull (error);
  if (strstr (error->message, fragment) == NULL)
    g_error ("message “%s” lacks “%s”", error->message, fragment);
  g_test_message ("%s", error->message);
}

static void
test_node_errors (void)
{
  g_autoptr(MmTensor) xt = mm_tensor_new_dims (4, (gsize[]) { 2, 3, 4, 4 }, NULL);
  g_autoptr(MmTensor) flat = mm_tensor_new_dims (2, (gsize[]) { 2, 48 }, NULL);
  g_autoptr(MmTensor) w5 = mm_tensor_new_dims (4, (gsize[]) { 2, 3, 5, 5 }, NULL);
  g_autoptr(MmTensor) w2c = mm_tensor_new_dims (4, (gsize[]) { 2, 2, 3, 3 }, NULL);
  g_autoptr(MmTensor) w3 = mm_tensor_new_dims (4, (gsize[]) { 2, 3, 3, 3 }, NULL);
  g_autoptr(MmTensor) b3 = mm_tensor_new_dims (1, (gsize[]) { 3 }, NULL);
  g_autoptr(MmTensor) v4 = mm_tensor_new_dims (1, (gsize[]) { 4 }, NULL);
  g_autoptr(MmTensor) one = mm_tensor_new_dims (2, (gsize[]) { 1, 3 }, NULL);
  g_autoptr(MmNode) x = mm_constant_new (xt);
  g_autoptr(MmNode) xf = mm_constant_new (flat);
  g_autoptr(MmNode) k5 = mm_constant_new (w5);
  g_autoptr(MmNode) kc = mm_constant_new (w2c);
  g_autoptr(MmNode) k3 = mm_constant_new (w3);
  g_autoptr(MmNode) bias3 = mm_constant_new (b3);
  g_autoptr(MmNode) vec4 = mm_constant_new (v4);
  g_autoptr(MmNode) single = mm_constant_new (one);
  MmConv2dSettings st;
  GError *error = NULL;

  mm_conv2d_settings_init (&st, 1, 0, 1);
  expect_error (mm_conv2d_new (x, k5, NULL, &st, &error), &error, "larger than the input's 4");
  g_clear_error (&error);
  expect_error (mm_conv2d_new (x, kc, NULL, &st, &error), &error, "expects 2 input channels");
  g_clear_error (&error);
  expect_error (mm_conv2d_new (xf, k3, NULL, &st, &error), &error, "(batch, channels, height, width)");
  g_clear_error (&error);
  expect_error (mm_conv2d_new (x, k3, bias3, &st, &error), &error, "one number per output channel");
  g_clear_error (&error);
  mm_conv2d_settings_init (&st, 1, 3, 1);
  expect_error (mm_conv2d_new (x, k3, NULL, &st, &error), &error, "more than the kernel reaches");
  g_clear_error (&error);
  mm_conv2d_settings_init (&st, 1, 1, 3);
  expect_error (mm_conv2d_new (x, k3, NULL, &st, &error), &error, "spans 7 numbers");
  g_clear_error (&error);
  mm_conv2d_settings_init (&st, (gsize) 1 << 40, 0, 1);
  expect_error (mm_conv2d_new (x, k3, NULL, &st, &error), &error, "absurdly large");
  g_clear_error (&error);

  mm_conv2d_settings_init (&st, 0, 0, 1);
  expect_error (mm_max_pool2d_new (x, 5, 5, &st, &error), &error, "MaxPool2d: the kernel's height 5");
  g_clear_error (&error);
  mm_conv2d_settings_init (&st, 0, 2, 1);
  expect_error (mm_avg_pool2d_new (x, 3, 3, &st, &error), &error, "more than half the kernel size");
  g_clear_error (&error);
  mm_conv2d_settings_init (&st, 0, 0, 2);
  expect_error (mm_avg_pool2d_new (x, 2, 2, &st, &error), &error, "no dilation");
  g_clear_error (&error);
  expect_error (mm_max_pool2d_new (xf, 2, 2, NULL, &error), &error, "MaxPool2d needs images");
  g_clear_error (&error);

  expect_error (mm_batch_norm_new (x, vec4, vec4, NULL, NULL, 1e-5, &error), &error, "shape (3,)");
  g_clear_error (&error);
  expect_error (mm_batch_norm_new (single, bias3, bias3, NULL, NULL, 1e-5, &error), &error,
                "more than one number per channel");
  g_clear_error (&error);
  expect_error (mm_batch_norm_new (x, bias3, bias3, NULL, NULL, 0.0, &error), &error, "eps");
  g_clear_error (&error);
  /* Eval mode takes a batch of one. */
  {
    g_autoptr(MmNode) ok = mm_batch_norm_new (single, bias3, bias3, bias3, bias3, 1e-5, &error);
    g_assert_no_error (error);
    g_assert_nonnull (ok);
  }
}

int
main (int argc, char **argv)
{
  g_autofree char *path = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  path = g_test_build_filename (G_TEST_DIST, "fixtures", "conv.txt", NULL);
  fixture_cases = fx_load (path, NULL, &load_error);

  g_test_add_func ("/conv/load", test_load);
  if (fixture_cases != NULL)
    for (guint i = 0; i < fixture_cases->len; i++)
      {
        const FxCase *fc = g_ptr_array_index (fixture_cases, i);
        g_autofree char *test_path = g_strconcat ("/conv/fixtures/", fc->path, NULL);
        g_test_add_data_func (test_path, fc, strcmp (fc->op, "Train") == 0 ? test_train_case : test_node_case);
      }
  g_test_add_func ("/conv/gradcheck/conv2d", test_gradcheck_conv);
  g_test_add_func ("/conv/gradcheck/pool", test_gradcheck_pool);
  g_test_add_func ("/conv/gradcheck/batch-norm", test_gradcheck_batch_norm);
  g_test_add_func ("/conv/gradcheck/dropout", test_gradcheck_dropout);
  g_test_add_func ("/conv/dropout/mask", test_dropout_mask);
  g_test_add_func ("/conv/dropout/refuses", test_dropout_refuses);
  g_test_add_func ("/conv/errors", test_node_errors);

  ret = g_test_run ();
  fx_print_worst ();
  g_clear_pointer (&fixture_cases, g_ptr_array_unref);
  g_clear_error (&load_error);
  return ret;
}
