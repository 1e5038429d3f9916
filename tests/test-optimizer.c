/* test-optimizer.c — 20 training steps of every optimizer configuration, loss
 * and penalty against PyTorch's trajectory (tests/fixtures/train.txt, made by
 * tests/gen-train-fixtures.py), plus the optimizer's error paths. */
#include <myml.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STEPS 20

typedef struct {
  char *name;
  char *model;
  char *loss_kind;
  double smoothing;
  char *optimizer;            /* "sgd lr=0.1 momentum=0.9" */
  double l1, l2;
  gboolean biases;
  MmParams *init;
  MmParams *final;
  MmTensor *x[STEPS];
  MmTensor *y[STEPS];
  double losses[STEPS];
} Case;

static void
case_free (Case *c)
{
  g_free (c->name);
  g_free (c->model);
  g_free (c->loss_kind);
  g_free (c->optimizer);
  mm_params_unref (c->init);
  mm_params_unref (c->final);
  for (int i = 0; i < STEPS; i++)
    {
      mm_tensor_unref (c->x[i]);
      mm_tensor_unref (c->y[i]);
    }
  g_free (c);
}

/* "tensor ROLE NAME NDIM D… : V…" → role, name, tensor */
static MmTensor *
parse_tensor (const char  *line,
              char       **role,
              char       **name)
{
  g_auto(GStrv) halves = g_strsplit (line, " : ", 2);
  g_auto(GStrv) head = g_strsplit (halves[0], " ", -1);
  g_auto(GStrv) vals = NULL;
  g_autoptr(GArray) v = g_array_new (FALSE, FALSE, sizeof (float));
  gsize dims[MM_MAX_DIMS];
  guint ndim;
  MmShape shape;

  g_assert_nonnull (halves[1]);
  g_assert_cmpstr (head[0], ==, "tensor");
  ndim = atoi (head[3]);
  for (guint i = 0; i < ndim; i++)
    dims[i] = strtoul (head[4 + i], NULL, 10);
  g_assert_true (mm_shape_init (&shape, ndim, dims, NULL));
  vals = g_strsplit (halves[1], " ", -1);
  for (guint i = 0; vals[i]; i++)
    if (vals[i][0])
      {
        float f = strtof (vals[i], NULL);
        g_array_append_val (v, f);
      }
  *role = g_strdup (head[1]);
  *name = g_strdup (head[2]);
  return mm_tensor_new_from_data (&shape, (float *) v->data, v->len, NULL);
}

static GPtrArray *
load_cases (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "train.txt", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *cases = g_ptr_array_new_with_free_func ((GDestroyNotify) case_free);
  Case *c = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *l = lines[i];
      if (l[0] == '#' || l[0] == '\0' || g_str_has_prefix (l, "format"))
        continue;
      if (g_str_has_prefix (l, "case "))
        {
          c = g_new0 (Case, 1);
          c->name = g_strdup (l + 5);
          c->init = mm_params_new ();
          c->final = mm_params_new ();
        }
      else if (g_str_has_prefix (l, "model "))
        c->model = g_strdup (l + 6);
      else if (g_str_has_prefix (l, "loss "))
        {
          g_auto(GStrv) f = g_strsplit (l, " ", -1);
          c->loss_kind = g_strdup (f[1]);
          c->smoothing = g_ascii_strtod (f[2], NULL);
        }
      else if (g_str_has_prefix (l, "optimizer "))
        c->optimizer = g_strdup (l + 10);
      else if (g_str_has_prefix (l, "penalty "))
        {
          g_auto(GStrv) f = g_strsplit (l, " ", -1);
          c->l1 = g_ascii_strtod (f[1], NULL);
          c->l2 = g_ascii_strtod (f[2], NULL);
          c->biases = atoi (f[3]);
        }
      else if (g_str_has_prefix (l, "losses "))
        {
          g_auto(GStrv) f = g_strsplit (l + 7, " ", -1);
          g_assert_cmpuint (g_strv_length (f), ==, STEPS);
          for (int s = 0; s < STEPS; s++)
            c->losses[s] = g_ascii_strtod (f[s], NULL);
        }
      else if (g_str_has_prefix (l, "tensor "))
        {
          g_autofree char *role = NULL, *name = NULL;
          g_autoptr(MmTensor) t = parse_tensor (l, &role, &name);
          g_assert_nonnull (t);
          if (g_str_equal (role, "init"))
            mm_params_set (c->init, name, t);
          else if (g_str_equal (role, "final"))
            mm_params_set (c->final, name, t);
          else if (g_str_equal (role, "x"))
            c->x[atoi (name)] = mm_tensor_ref (t);
          else if (g_str_equal (role, "y"))
            c->y[atoi (name)] = mm_tensor_ref (t);
          else
            g_assert_not_reached ();
        }
      else if (g_str_equal (l, "end"))
        {
          g_ptr_array_add (cases, c);
          c = NULL;
        }
      else
        g_error ("train.txt line %u: cannot read '%.40s'", i + 1, l);
    }
  g_assert_null (c);
  return cases;
}

static void
parse_optimizer (const char        *text,
                 MmOptimizerConfig *config)
{
  g_auto(GStrv) f = g_strsplit (text, " ", -1);
  MmOptimizerKind kind;

  g_assert_true (mm_optimizer_kind_from_name (f[0], &kind));
  mm_optimizer_config_init (config, kind);
  config->decoupled_weight_decay = g_str_equal (f[0], "adamw");
  /* torch's AdamW default weight decay is 0.01; ours is 0 unless given. */
  for (guint i = 1; f[i]; i++)
    {
      g_auto(GStrv) kv = g_strsplit (f[i], "=", 2);
      double v = g_ascii_strtod (kv[1], NULL);
      if (g_str_equal (kv[0], "lr"))
        config->lr = v;
      else if (g_str_equal (kv[0], "momentum"))
        config->momentum = v;
      else if (g_str_equal (kv[0], "dampening"))
        config->dampening = v;
      else if (g_str_equal (kv[0], "nesterov"))
        config->nesterov = v != 0;
      else if (g_str_equal (kv[0], "alpha"))
        config->alpha = v;
      else if (g_str_equal (kv[0], "eps"))
        config->eps = v;
      else if (g_str_equal (kv[0], "centered"))
        config->centered = v != 0;
      else if (g_str_equal (kv[0], "weight_decay"))
        config->weight_decay = v;
      else if (g_str_equal (kv[0], "amsgrad"))
        config->amsgrad = v != 0;
      else if (g_str_equal (kv[0], "betas"))
        {
          g_auto(GStrv) b = g_strsplit (kv[1], ",", 2);
          config->beta1 = g_ascii_strtod (b[0], NULL);
          config->beta2 = g_ascii_strtod (b[1], NULL);
        }
      else
        g_error ("unknown optimizer setting %s", kv[0]);
    }
}

static gboolean
close_enough (double got,
              double want,
              double rel,
              double abs_tol)
{
  return fabs (got - want) <= rel * fabs (want) + abs_tol;
}

static void
test_trajectory (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = mm_module_parse (c->model, &error);
  g_autoptr(MmLoss) inner = NULL;
  g_autoptr(MmLoss) loss = NULL;
  g_autoptr(MmOptimizer) opt = NULL;
  MmOptimizerConfig config;
  double worst = 0.0;

  g_assert_no_error (error);
  if (g_str_equal (c->loss_kind, "ce"))
    inner = mm_loss_cross_entropy_new (c->smoothing, &error);
  else
    inner = mm_loss_mse_new ();
  g_assert_no_error (error);
  loss = mm_loss_one_hot_new (inner, 3, &error);
  g_assert_no_error (error);
  parse_optimizer (c->optimizer, &config);
  opt = mm_optimizer_new (&config, model, loss, c->init, &error);
  g_assert_no_error (error);
  g_assert_true (mm_optimizer_set_penalties (opt, c->l1, c->l2, c->biases, &error));

  for (int s = 0; s < STEPS; s++)
    {
      g_autoptr(MmStepInfo) info = mm_optimizer_step (opt, c->x[s], c->y[s], &error);
      double got;

      g_assert_no_error (error);
      got = mm_step_info_get_loss (info);
      worst = MAX (worst, fabs (got - c->losses[s]) / fabs (c->losses[s]));
      if (!close_enough (got, c->losses[s], 1e-4, 1e-6))
        {
          g_test_fail_printf ("%s: step %d loss %.9g, PyTorch %.9g", c->name, s, got, c->losses[s]);
          return;
        }
      /* The data loss and the penalties are reported apart and add up. */
      g_assert_cmpfloat (fabs (mm_step_info_get_data_loss (info) + mm_step_info_get_penalty (info) - got),
                         <=, 1e-5 * fabs (got));
      g_assert_true ((c->l1 > 0 || c->l2 > 0) == (info->l1_penalty != NULL || info->l2_penalty != NULL));
    }

  for (guint i = 0; i < mm_params_get_n (c->final); i++)
    {
      const char *name = mm_params_get_name (c->final, i);
      MmTensor *want = mm_params_get_tensor (c->final, i);
      MmTensor *got = mm_params_lookup (mm_optimizer_get_params (opt), name);
      float scale = mm_tensor_max_abs (want);

      g_assert_nonnull (got);
      for (gsize k = 0; k < want->size; k++)
        {
          if (!close_enough (got->data[k], want->data[k], 1e-4, 1e-5 * (1 + scale)))
            {
              g_test_fail_printf ("%s: %s[%" G_GSIZE_FORMAT "] = %.9g after %d steps, PyTorch %.9g",
                                  c->name, name, k, got->data[k], STEPS, want->data[k]);
              return;
            }
          if (want->data[k] != 0)
            worst = MAX (worst, fabs (got->data[k] - want->data[k]) / fabs (want->data[k]) * 1e-2);
        }
    }
  g_test_message ("%s: worst relative loss error %.2e", c->name, worst);
}

/* The caller's initial tensors are never changed: updates copy on write. */
static void
test_initial_untouched (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = mm_module_parse ("Linear(3, 2)", &error);
  g_autoptr(GArray) specs = mm_module_get_params (model);
  g_autoptr(MmParams) init = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 5, &error);
  g_autoptr(MmParams) before = mm_params_copy (init);
  g_autoptr(MmLoss) loss = mm_loss_mse_new ();
  g_autoptr(MmOptimizer) opt = NULL;
  g_autoptr(MmTensor) x = mm_tensor_new_dims (2, (gsize[]) { 4, 3 }, NULL);
  g_autoptr(MmTensor) y = mm_tensor_new_dims (2, (gsize[]) { 4, 2 }, NULL);
  g_autoptr(MmParams) snap = NULL;
  MmOptimizerConfig config;

  mm_optimizer_config_init (&config, MM_OPTIMIZER_SGD);
  opt = mm_optimizer_new (&config, model, loss, init, &error);
  g_assert_no_error (error);
  mm_tensor_fill (x, 1.0f);
  mm_tensor_fill (y, 3.0f);
  snap = mm_optimizer_snapshot_params (opt);
  for (int i = 0; i < 3; i++)
    {
      g_autoptr(MmStepInfo) info = mm_optimizer_step (opt, x, y, &error);
      g_assert_no_error (error);
    }
  g_assert_cmpuint (mm_optimizer_get_n_steps (opt), ==, 3);
  for (guint i = 0; i < mm_params_get_n (init); i++)
    {
      MmTensor *a = mm_params_get_tensor (init, i), *b = mm_params_get_tensor (before, i);
      MmTensor *s = mm_params_get_tensor (snap, i);
      MmTensor *now = mm_params_get_tensor (mm_optimizer_get_params (opt), i);
      g_assert_cmpmem (a->data, a->size * 4, b->data, b->size * 4);
      g_assert_cmpmem (s->data, s->size * 4, b->data, b->size * 4);
      g_assert_true (memcmp (now->data, b->data, b->size * 4) != 0);
    }
}

static void
test_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = mm_module_parse ("Flatten; Linear(4, 3)", &error);
  g_autoptr(GArray) specs = mm_module_get_params (model);
  g_autoptr(MmParams) init = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 1, &error);
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, &error);
  g_autoptr(MmLoss) loss = mm_loss_one_hot_new (ce, 3, &error);
  g_autoptr(MmOptimizer) opt = NULL;
  g_autoptr(MmParams) partial = mm_params_new ();
  g_autoptr(MmTensor) x = mm_tensor_new_dims (3, (gsize[]) { 2, 2, 2 }, NULL);
  g_autoptr(MmTensor) y = mm_tensor_new_dims (1, (gsize[]) { 2 }, NULL);
  g_autoptr(MmTensor) bad_x = mm_tensor_new_dims (2, (gsize[]) { 2, 5 }, NULL);
  MmStepInfo *info;
  MmOptimizerConfig config;

  mm_optimizer_config_init (&config, MM_OPTIMIZER_SGD);
  config.lr = -1;
  g_assert_null (mm_optimizer_new (&config, model, loss, init, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "learning rate"));
  g_clear_error (&error);

  mm_optimizer_config_init (&config, MM_OPTIMIZER_SGD);
  config.nesterov = TRUE;
  g_assert_null (mm_optimizer_new (&config, model, loss, init, &error));
  g_assert_nonnull (strstr (error->message, "Nesterov"));
  g_clear_error (&error);

  mm_optimizer_config_init (&config, MM_OPTIMIZER_ADAM);
  config.beta1 = 1.0;
  g_assert_null (mm_optimizer_new (&config, model, loss, init, &error));
  g_assert_nonnull (strstr (error->message, "betas"));
  g_clear_error (&error);

  mm_optimizer_config_init (&config, MM_OPTIMIZER_SGD);
  mm_params_set (partial, "1.weight", mm_params_lookup (init, "1.weight"));
  g_assert_null (mm_optimizer_new (&config, model, loss, partial, &error));
  g_assert_nonnull (strstr (error->message, "1.bias is missing"));
  g_clear_error (&error);

  opt = mm_optimizer_new (&config, model, loss, init, &error);
  g_assert_no_error (error);
  g_assert_false (mm_optimizer_set_penalties (opt, -1, 0, FALSE, &error));
  g_assert_nonnull (strstr (error->message, "≥ 0"));
  g_clear_error (&error);
  g_assert_false (mm_optimizer_set_param_penalties (opt, "7.weight", 0.1, 0, &error));
  g_assert_nonnull (strstr (error->message, "7.weight"));
  g_clear_error (&error);

  /* A target class outside 0…2. */
  y->data[1] = 3.0f;
  info = mm_optimizer_step (opt, x, y, &error);
  g_assert_null (info);
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "Target 1 is class 3, but the classes are 0 to 2"));
  g_clear_error (&error);

  /* An input that does not fit the first Linear layer names the layer. */
  y->data[1] = 1.0f;
  info = mm_optimizer_step (opt, bad_x, y, &error);
  g_assert_null (info);
  g_assert_error (error, MM_ERROR, MM_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "Layer 1 (Linear(4, 3))"));
  g_assert_nonnull (strstr (error->message, "(2, 5)"));
  g_clear_error (&error);
  g_assert_cmpuint (mm_optimizer_get_n_steps (opt), ==, 0);
}

int
main (int argc, char **argv)
{
  g_autoptr(GPtrArray) cases = NULL;

  g_test_init (&argc, &argv, NULL);
  cases = load_cases ();
  g_assert_cmpuint (cases->len, >=, 15);
  for (guint i = 0; i < cases->len; i++)
    {
      Case *c = g_ptr_array_index (cases, i);
      g_autofree char *path = g_strdup_printf ("/optimizer/pytorch/%s", c->name);
      g_test_add_data_func (path, c, test_trajectory);
    }
  g_test_add_func ("/optimizer/initial-untouched", test_initial_untouched);
  g_test_add_func ("/optimizer/errors", test_errors);
  return g_test_run ();
}
