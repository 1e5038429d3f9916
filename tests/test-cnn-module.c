/* test-cnn-module.c — the image layers as modules: text form, parameters and
 * buffers, output shapes, errors that name the layer, training and eval mode,
 * the optimizer's handling of buffers (BatchNorm's running statistics), and
 * reproducible Dropout masks through the optimizer and the trainer.
 *
 * The numbers of the nodes themselves are checked against PyTorch in
 * test-conv.c; this file checks how the layers are put together.
 */
#include <myml.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define LENET "Reshape(1, 28, 28); Conv2d(1, 6, 5); ReLU; MaxPool2d(2); Conv2d(6, 16, 5); ReLU; MaxPool2d(2); " \
              "Flatten; Linear(256, 120); ReLU; Linear(120, 84); ReLU; Linear(84, 10)"

static MmModule *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  MmModule *m = mm_module_parse (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

static void
assert_shape (const MmShape *s,
              const char    *want)
{
  g_autofree char *got = mm_shape_to_string (s);
  g_assert_cmpstr (got, ==, want);
}

static MmTensor *
random_tensor (GRand       *rand,
               guint        ndim,
               const gsize *dims,
               double       lo,
               double       hi)
{
  MmTensor *t = mm_tensor_new_dims (ndim, dims, NULL);

  for (gsize i = 0; i < t->size; i++)
    t->data[i] = (float) g_rand_double_range (rand, lo, hi);
  return t;
}

/* ---- the text form ------------------------------------------------------- */

static void
test_parse_print (void)
{
  static const struct {
    const char *text;
    const char *canonical;
  } cases[] = {
    { LENET, LENET },
    { "reshape(1,28,28); conv2d(1, 6, 5, 1, 0, 1)", "Reshape(1, 28, 28); Conv2d(1, 6, 5)" },
    { "Conv2d(3, 8, 3, 2)", "Conv2d(3, 8, 3, 2)" },
    { "Conv2d(3, 8, 3, 1, 1)", "Conv2d(3, 8, 3, 1, 1)" },
    { "Conv2d(3, 8, 3, 1, 2, 2)", "Conv2d(3, 8, 3, 1, 2, 2)" },
    { "MaxPool2d(2, 2); MaxPool2d(3, 2, 1); AvgPool2d(2, 1)", "MaxPool2d(2); MaxPool2d(3, 2, 1); AvgPool2d(2, 1)" },
    { "AvgPool2d(3, 3, 1)", "AvgPool2d(3, 3, 1)" },
    { "Dropout; Dropout(0.25); Dropout(0)", "Dropout(0.5); Dropout(0.25); Dropout(0)" },
    { "Dropout(0.1234567891)", "Dropout(0.1234567891)" },
    { "BatchNorm1d(10); BatchNorm2d(4, 1e-5, 0.1)", "BatchNorm1d(10); BatchNorm2d(4)" },
    { "BatchNorm2d(4, 0.001, 0.2)", "BatchNorm2d(4, 0.001, 0.2)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MmModule) m = parse_ok (cases[i].text);
      g_autofree char *s = mm_module_to_string (m);
      g_autoptr(MmModule) again = parse_ok (s);
      g_autofree char *s2 = mm_module_to_string (again);

      g_assert_cmpstr (s, ==, cases[i].canonical);
      g_assert_cmpstr (s2, ==, s);
    }
}

static void
test_getters (void)
{
  g_autoptr(MmModule) m = parse_ok ("Reshape(1, 8, 8); Conv2d(1, 4, 3, 2, 1, 1); MaxPool2d(2); AvgPool2d(3, 1, 1); "
                                    "Dropout(0.3); BatchNorm2d(4, 0.01, 0.2)");
  gsize in, out, k, st, pad, dil;
  gboolean max;
  double p, eps, mom;
  guint dims;
  MmShape s;

  g_assert_true (mm_module_get_reshape (mm_module_get_child (m, 0), &s));
  assert_shape (&s, "(1, 8, 8)");
  g_assert_true (mm_module_get_conv2d (mm_module_get_child (m, 1), &in, &out, &k, &st, &pad, &dil));
  g_assert_true (in == 1 && out == 4 && k == 3 && st == 2 && pad == 1 && dil == 1);
  g_assert_true (mm_module_get_pool2d (mm_module_get_child (m, 2), &max, &k, &st, &pad));
  g_assert_true (max && k == 2 && st == 2 && pad == 0);
  g_assert_true (mm_module_get_pool2d (mm_module_get_child (m, 3), &max, &k, &st, &pad));
  g_assert_true (!max && k == 3 && st == 1 && pad == 1);
  g_assert_true (mm_module_get_dropout (mm_module_get_child (m, 4), &p));
  g_assert_cmpfloat (p, ==, 0.3);
  g_assert_true (mm_module_get_batch_norm (mm_module_get_child (m, 5), &dims, &in, &eps, &mom));
  g_assert_true (dims == 2 && in == 4 && eps == 0.01 && mom == 0.2);
  g_assert_false (mm_module_get_conv2d (mm_module_get_child (m, 0), NULL, NULL, NULL, NULL, NULL, NULL));
  g_assert_false (mm_module_get_dropout (mm_module_get_child (m, 1), NULL));
  g_assert_cmpstr (mm_module_get_type_name (mm_module_get_child (m, 1)), ==, "Conv2d");
  g_assert_cmpstr (mm_module_get_type_name (mm_module_get_child (m, 5)), ==, "BatchNorm2d");
}

/* ---- parameters and shapes ----------------------------------------------- */

static void
test_params (void)
{
  static const struct {
    const char *name;
    const char *shape;
    MmParamRole role;
    gsize fan_in, fan_out;
  } want[] = {
    { "1.weight", "(6, 1, 5, 5)", MM_PARAM_WEIGHT, 25, 150 },
    { "1.bias", "(6,)", MM_PARAM_BIAS, 25, 150 },
    { "2.weight", "(6,)", MM_PARAM_WEIGHT, 0, 0 },
    { "2.bias", "(6,)", MM_PARAM_BIAS, 0, 0 },
    { "2.running_mean", "(6,)", MM_PARAM_BUFFER, 0, 0 },
    { "2.running_var", "(6,)", MM_PARAM_BUFFER, 0, 0 },
    { "5.weight", "(16, 6, 3, 3)", MM_PARAM_WEIGHT, 54, 144 },
    { "5.bias", "(16,)", MM_PARAM_BIAS, 54, 144 },
  };
  g_autoptr(MmModule) m = parse_ok ("Reshape(1, 28, 28); Conv2d(1, 6, 5); BatchNorm2d(6); ReLU; MaxPool2d(2); "
                                    "Conv2d(6, 16, 3, 1, 1); Dropout(0.5)");
  g_autoptr(GArray) specs = mm_module_get_params (m);
  g_autoptr(GError) error = NULL;
  g_autoptr(MmParams) p = NULL;

  g_assert_cmpuint (specs->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < specs->len; i++)
    {
      const MmParamSpec *s = &g_array_index (specs, MmParamSpec, i);
      g_assert_cmpstr (s->name, ==, want[i].name);
      assert_shape (&s->shape, want[i].shape);
      g_assert_cmpint (s->role, ==, want[i].role);
      if (want[i].fan_in)
        {
          g_assert_cmpuint (s->fan_in, ==, want[i].fan_in);
          g_assert_cmpuint (s->fan_out, ==, want[i].fan_out);
        }
      g_assert_true (mm_param_role_is_trained (s->role) == (s->role != MM_PARAM_BUFFER));
    }

  /* γ = 1, β = 0, running mean 0, running variance 1, whatever the initialiser. */
  p = mm_params_init (specs, MM_INIT_HE_NORMAL, 3, &error);
  g_assert_no_error (error);
  for (gsize c = 0; c < 6; c++)
    {
      g_assert_cmpfloat (mm_params_lookup (p, "2.weight")->data[c], ==, 1.0f);
      g_assert_cmpfloat (mm_params_lookup (p, "2.bias")->data[c], ==, 0.0f);
      g_assert_cmpfloat (mm_params_lookup (p, "2.running_mean")->data[c], ==, 0.0f);
      g_assert_cmpfloat (mm_params_lookup (p, "2.running_var")->data[c], ==, 1.0f);
    }
  g_assert_cmpfloat (mm_tensor_max_abs (mm_params_lookup (p, "1.weight")), >, 0.0f);

  /* A BatchNorm layer draws no random numbers: the other weights stay the same. */
  {
    g_autoptr(MmModule) a = parse_ok ("Linear(4, 3); Linear(3, 2)");
    g_autoptr(MmModule) b = parse_ok ("Linear(4, 3); BatchNorm1d(3); Linear(3, 2)");
    g_autoptr(GArray) sa = mm_module_get_params (a);
    g_autoptr(GArray) sb = mm_module_get_params (b);
    g_autoptr(MmParams) pa = mm_params_init (sa, MM_INIT_XAVIER_UNIFORM, 9, &error);
    g_autoptr(MmParams) pb = mm_params_init (sb, MM_INIT_XAVIER_UNIFORM, 9, &error);
    MmTensor *w1 = mm_params_lookup (pa, "1.weight"), *w2 = mm_params_lookup (pb, "2.weight");

    g_assert_cmpmem (w1->data, w1->size * sizeof (float), w2->data, w2->size * sizeof (float));
  }
}

static void
test_output_shapes (void)
{
  static const struct {
    const char *model;
    MmShape in;
    const char *out;
  } cases[] = {
    { LENET, { 3, { 64, 28, 28 } }, "(64, 10)" },
    { LENET, { 2, { 5, 784 } }, "(5, 10)" },
    { "Reshape(3, 10, 12); Conv2d(3, 4, 3, 2, 1)", { 2, { 2, 360 } }, "(2, 4, 5, 6)" },
    { "Reshape(1, 9, 9); Conv2d(1, 2, 3, 1, 2, 2)", { 2, { 2, 81 } }, "(2, 2, 9, 9)" },
    { "Reshape(2, 7, 8); MaxPool2d(3, 2, 1)", { 2, { 1, 112 } }, "(1, 2, 4, 4)" },
    { "Reshape(2, 7, 8); AvgPool2d(2)", { 2, { 1, 112 } }, "(1, 2, 3, 4)" },
    { "Reshape(2, 3, 4); BatchNorm2d(2); Dropout(0.5); Flatten; BatchNorm1d(24)", { 2, { 6, 24 } }, "(6, 24)" },
    { "Reshape(4, 6); BatchNorm1d(4)", { 2, { 6, 24 } }, "(6, 4, 6)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MmModule) m = parse_ok (cases[i].model);
      MmShape out;

      g_assert_true (mm_module_output_shape (m, &cases[i].in, &out, &error));
      g_assert_no_error (error);
      assert_shape (&out, cases[i].out);
    }
  {
    g_autoptr(MmModule) m = parse_ok (LENET);
    g_autoptr(MmModule) bn = parse_ok ("Linear(4, 3); BatchNorm1d(3)");
    g_assert_cmpuint (mm_module_count_params (m), ==, 44426);
    /* 15 + γ and β; the running statistics are not parameters. */
    g_assert_cmpuint (mm_module_count_params (bn), ==, 21);
  }
}

/* ---- errors name the layer ----------------------------------------------- */

static void
test_parse_errors (void)
{
  static const struct {
    const char *text;
    const char *fragment;
  } cases[] = {
    { "Linear(2, 2); Conv2d(1, 6, -1)", "Layer 1: Conv2d needs whole numbers ≥ 0" },
    { "Conv2d(1, 6, 3, 1, -1)", "Layer 0: Conv2d needs whole numbers ≥ 0" },
    { "Conv2d(1, 6)", "Layer 0: Conv2d needs whole numbers" },
    { "Conv2d(1, 6, 3, 1, 5)", "Layer 0: Conv2d: padding 5 is more than the 3×3 kernel reaches (2)" },
    { "Conv2d(1, 6, 3, 1, 1000000)", "Layer 0: Conv2d: padding 1000000 is more than" },
    { "Conv2d(1, 6, 0)", "Layer 0: Conv2d: the kernel size must be between 1" },
    { "Conv2d(0, 6, 3)", "Layer 0: Conv2d: the numbers of input and output channels" },
    { "Conv2d(1, 6, 3, 0)", "Layer 0: Conv2d: the stride and the dilation" },
    { "Conv2d(1, 6, 1.5)", "Layer 0: Conv2d needs whole numbers" },
    { "Dropout(1)", "Layer 0: Dropout(1): the probability" },
    { "Dropout(-0.1)", "Layer 0: Dropout(-0.1): the probability" },
    { "Dropout(1.5)", "Layer 0: Dropout(1.5): the probability" },
    { "Dropout(0.1, 0.2)", "Layer 0: Dropout takes one number" },
    { "MaxPool2d(2, 0)", "Layer 0: MaxPool2d: the stride must be at least 1" },
    { "MaxPool2d(3, 1, 2)", "Layer 0: MaxPool2d: padding 2 is more than half the kernel size 3" },
    { "AvgPool2d(-2)", "Layer 0: AvgPool2d needs whole numbers" },
    { "MaxPool2d", "Layer 0: MaxPool2d needs whole numbers" },
    { "BatchNorm2d(0)", "Layer 0: BatchNorm2d needs the number of channels" },
    { "BatchNorm1d(4, 0, 0.1)", "Layer 0: BatchNorm1d: eps must lie in (0, 1)" },
    { "BatchNorm1d(4, 1e-5, 1.5)", "Layer 0: BatchNorm1d: eps must lie in (0, 1) and the momentum in [0, 1]" },
    { "BatchNorm1d", "Layer 0: BatchNorm1d needs the number of features" },
    { "Reshape(0, 28)", "Layer 0: Reshape: every axis length must be at least 1" },
    { "Reshape", "Layer 0: Reshape needs the shape of one sample" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MmModule) m = mm_module_parse (cases[i].text, &error);

      g_assert_null (m);
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].fragment) == NULL)
        g_error ("'%s': message '%s' lacks '%s'", cases[i].text, error->message, cases[i].fragment);
    }
}

/* The shape errors come with the layer's index and text form, both from
 * mm_module_output_shape and when the graph is built. */
static void
test_shape_errors (void)
{
  static const struct {
    const char *model;
    MmShape in;
    const char *fragment;
  } cases[] = {
    { "Reshape(1, 4, 4); Conv2d(1, 2, 5)", { 2, { 8, 16 } },
      "Layer 1 (Conv2d(1, 2, 5)): Conv2d: the kernel's height 5 is larger than the input's 4 with padding 0" },
    { "Reshape(1, 4, 4); Conv2d(1, 2, 3, 1, 1, 3)", { 2, { 8, 16 } },
      "Layer 1 (Conv2d(1, 2, 3, 1, 1, 3)): Conv2d: the kernel spans 7 numbers along the height" },
    { "Reshape(1, 28, 28); Conv2d(3, 6, 5)", { 2, { 8, 784 } },
      "Layer 1 (Conv2d(3, 6, 5)): Conv2d expects 3 input channels (axis 1), but receives shape (8, 1, 28, 28) with 1" },
    { "Flatten; Conv2d(1, 6, 5)", { 3, { 8, 28, 28 } },
      "Layer 1 (Conv2d(1, 6, 5)): Conv2d needs images of shape (batch, channels, height, width), but receives shape (8, 784)" },
    { "Reshape(1, 28, 28); Conv2d(1, 6, 5); BatchNorm2d(8)", { 2, { 8, 784 } },
      "Layer 2 (BatchNorm2d(8)): expects 8 channels (axis 1), but receives shape (8, 6, 24, 24) with 6" },
    { "Linear(4, 3); BatchNorm1d(4)", { 2, { 8, 4 } },
      "Layer 1 (BatchNorm1d(4)): expects 4 features (axis 1), but receives shape (8, 3) with 3" },
    { "Reshape(2, 2, 2); BatchNorm1d(2)", { 2, { 8, 8 } },
      "Layer 1 (BatchNorm1d(2)): needs input of shape (batch, features) or (batch, features, length)" },
    { "BatchNorm2d(2)", { 2, { 8, 2 } },
      "Layer 0 (BatchNorm2d(2)): needs input of shape (batch, channels, height, width)" },
    { "Reshape(1, 27, 28)", { 2, { 8, 784 } },
      "Layer 0 (Reshape(1, 27, 28)): turns each sample into shape (1, 27, 28) (756 numbers), but the input of "
      "shape (8, 784) has 784 numbers per sample" },
    { "Reshape(1, 2, 2); MaxPool2d(3)", { 2, { 8, 4 } },
      "Layer 1 (MaxPool2d(3)): MaxPool2d: the kernel's height 3 is larger than the input's 2" },
    { "Reshape(1, 2, 5); AvgPool2d(2, 1); AvgPool2d(2)", { 2, { 8, 10 } },
      "Layer 2 (AvgPool2d(2)): AvgPool2d: the kernel's height 2 is larger than the input's 1" },
    { "MaxPool2d(2)", { 2, { 8, 10 } },
      "Layer 0 (MaxPool2d(2)): MaxPool2d needs images" },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) error2 = NULL;
      g_autoptr(MmModule) m = parse_ok (cases[i].model);
      g_autoptr(GArray) specs = mm_module_get_params (m);
      g_autoptr(MmParams) p = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 1, NULL);
      g_autoptr(GHashTable) nodes = mm_module_make_param_nodes (p);
      g_autoptr(MmTensor) x = random_tensor (rand, cases[i].in.ndim, cases[i].in.dim, -1, 1);
      g_autoptr(MmNode) y = NULL;
      MmShape out;

      g_assert_false (mm_module_output_shape (m, &cases[i].in, &out, &error));
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].fragment) == NULL)
        g_error ("'%s': message '%s' lacks '%s'", cases[i].model, error->message, cases[i].fragment);
      y = mm_module_construct_tensor (m, x, nodes, &error2);
      g_assert_null (y);
      g_assert_cmpstr (error2->message, ==, error->message);
    }
}

/* ---- training and eval mode ---------------------------------------------- */

static MmNode *
build (MmModule           *m,
       MmParams           *p,
       MmTensor           *x,
       MmConstructContext *ctx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) nodes = mm_module_make_param_nodes (p);
  MmNode *y = mm_module_construct_tensor_full (m, x, nodes, ctx, &error);

  g_assert_no_error (error);
  g_assert_nonnull (y);
  return y;
}

static MmParams *
init_params (MmModule *m,
             guint32   seed)
{
  g_autoptr(GArray) specs = mm_module_get_params (m);
  g_autoptr(GError) error = NULL;
  MmParams *p = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, seed, &error);

  g_assert_no_error (error);
  return p;
}

static gsize
count_zeros (const MmTensor *t)
{
  gsize n = 0;
  for (gsize i = 0; i < t->size; i++)
    n += t->data[i] == 0.0f;
  return n;
}

static void
test_dropout_modes (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (2);
  g_autoptr(MmModule) m = parse_ok ("Dropout(0.5); Dropout(0.5)");
  g_autoptr(MmModule) one = parse_ok ("Dropout(0.5)");
  g_autoptr(MmParams) p = mm_params_new ();
  g_autoptr(MmTensor) x = random_tensor (rand, 2, (gsize[]) { 40, 50 }, 1, 2);
  g_autoptr(MmConstructContext) eval = mm_construct_context_new (FALSE, 5, 0);
  g_autoptr(MmConstructContext) t0 = mm_construct_context_new (TRUE, 5, 0);
  g_autoptr(MmConstructContext) t0b = mm_construct_context_new (TRUE, 5, 0);
  g_autoptr(MmConstructContext) t1 = mm_construct_context_new (TRUE, 5, 1);
  g_autoptr(MmConstructContext) s6 = mm_construct_context_new (TRUE, 6, 0);
  g_autoptr(MmNode) y_null = build (m, p, x, NULL);
  g_autoptr(MmNode) y_eval = build (m, p, x, eval);
  g_autoptr(MmNode) a = build (one, p, x, t0);
  g_autoptr(MmNode) b = build (one, p, x, t0b);
  g_autoptr(MmNode) c = build (one, p, x, t1);
  g_autoptr(MmNode) d = build (one, p, x, s6);
  g_autoptr(MmNode) two = build (m, p, x, t0);
  g_autoptr(MmTensor) pred = NULL;
  g_autoptr(GError) error = NULL;
  const MmTensor *va;
  gsize zeros;

  /* Eval mode (no context, or one that says so): the input, no node added. */
  g_assert_true (mm_node_get_value (y_null) == x);
  g_assert_true (mm_node_get_value (y_eval) == x);
  pred = mm_module_predict (m, p, x, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (pred->data, pred->size * sizeof (float), x->data, x->size * sizeof (float));

  /* Training mode: about half dropped, the rest doubled. */
  g_assert_true (mm_node_is_dropout (a));
  va = mm_node_get_value (a);
  zeros = count_zeros (va);
  g_assert_cmpuint (zeros, >, 800);
  g_assert_cmpuint (zeros, <, 1200);
  for (gsize i = 0; i < va->size; i++)
    g_assert_true (va->data[i] == 0.0f || va->data[i] == 2.0f * x->data[i]);
  /* Same seed, step and layer: the same mask; another step or seed: another. */
  g_assert_cmpmem (va->data, va->size * sizeof (float), mm_node_get_value (b)->data, va->size * sizeof (float));
  g_assert_true (memcmp (va->data, mm_node_get_value (c)->data, va->size * sizeof (float)) != 0);
  g_assert_true (memcmp (va->data, mm_node_get_value (d)->data, va->size * sizeof (float)) != 0);
  /* Two layers in one network draw different masks. */
  g_assert_true (mm_node_is_dropout (two) && mm_node_is_dropout (mm_node_get_input (two, 0)));
  g_assert_true (memcmp (mm_dropout_get_mask (two)->data, mm_dropout_get_mask (mm_node_get_input (two, 0))->data,
                         x->size * sizeof (float)) != 0);
  g_assert_cmpuint (mm_construct_context_get_n_updates (t0), ==, 0);
  g_assert_true (mm_construct_context_layer_seed (t0, "1.") != mm_construct_context_layer_seed (t0, "0."));
  g_assert_true (mm_construct_context_layer_seed (t0, "1.") == mm_construct_context_layer_seed (t0b, "1."));
}

static void
test_batch_norm_modes (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  g_autoptr(MmModule) m = parse_ok ("BatchNorm1d(3, 1e-5, 0.25)");
  g_autoptr(MmParams) p = init_params (m, 1);
  g_autoptr(MmTensor) x = random_tensor (rand, 2, (gsize[]) { 10, 3 }, -1, 3);
  g_autoptr(MmTensor) gamma = mm_tensor_new_dims (1, (gsize[]) { 3 }, NULL);
  g_autoptr(MmTensor) rm = mm_tensor_new_dims (1, (gsize[]) { 3 }, NULL);
  g_autoptr(MmTensor) rv = mm_tensor_new_dims (1, (gsize[]) { 3 }, NULL);
  g_autoptr(MmConstructContext) ctx = mm_construct_context_new (TRUE, 0, 0);
  g_autoptr(MmNode) ye = NULL, yt = NULL;
  g_autoptr(MmParams) updates = NULL;
  const MmTensor *v;

  for (gsize c = 0; c < 3; c++)
    {
      gamma->data[c] = 1.0f + (float) c;
      rm->data[c] = 0.5f * (float) c;
      rv->data[c] = 4.0f;
    }
  mm_params_set (p, "0.weight", gamma);
  mm_params_set (p, "0.running_mean", rm);
  mm_params_set (p, "0.running_var", rv);

  /* Eval: the running statistics. */
  ye = build (m, p, x, NULL);
  g_assert_false (mm_batch_norm_is_training (ye));
  g_assert_cmpuint (mm_node_get_n_inputs (ye), ==, 5);
  v = mm_node_get_value (ye);
  for (gsize i = 0; i < x->size; i++)
    {
      gsize c = i % 3;
      double want = gamma->data[c] * (x->data[i] - rm->data[c]) / sqrt (4.0 + 1e-5);
      g_assert_cmpfloat (fabs (v->data[i] - want), <=, 1e-5 * (1 + fabs (want)));
    }

  /* Training: the batch's statistics, and the update reported. */
  yt = build (m, p, x, ctx);
  g_assert_true (mm_batch_norm_is_training (yt));
  v = mm_node_get_value (yt);
  for (gsize c = 0; c < 3; c++)
    {
      double s = 0, s2 = 0, bm = 0, bv = 0;
      for (gsize n = 0; n < 10; n++)
        {
          s += v->data[n * 3 + c];
          s2 += v->data[n * 3 + c] * v->data[n * 3 + c];
          bm += x->data[n * 3 + c];
        }
      bm /= 10;
      for (gsize n = 0; n < 10; n++)
        bv += (x->data[n * 3 + c] - bm) * (x->data[n * 3 + c] - bm);
      bv /= 10;
      g_assert_cmpfloat (fabs (s / 10), <=, 1e-5);
      g_assert_cmpfloat (fabs (s2 / 10 - gamma->data[c] * gamma->data[c] * bv / (bv + 1e-5)), <=, 1e-4);
      g_assert_cmpfloat (fabs (mm_batch_norm_get_batch_mean (yt)->data[c] - bm), <=, 1e-6);
      g_assert_cmpfloat (fabs (mm_batch_norm_get_batch_var (yt)->data[c] - bv), <=, 1e-5);
      if (c == 0)
        {
          updates = mm_construct_context_compute_updates (ctx);
          g_assert_cmpuint (mm_params_get_n (updates), ==, 2);
        }
      g_assert_cmpfloat (fabs (mm_params_lookup (updates, "0.running_mean")->data[c]
                               - (0.75 * rm->data[c] + 0.25 * bm)), <=, 1e-6);
      g_assert_cmpfloat (fabs (mm_params_lookup (updates, "0.running_var")->data[c]
                               - (0.75 * 4.0 + 0.25 * bv * 10.0 / 9.0)), <=, 1e-5);
    }
  g_assert_cmpuint (mm_construct_context_get_n_updates (ctx), ==, 1);
}

/* ---- the optimizer and buffers -------------------------------------------- */

static MmOptimizer *
make_optimizer (const char      *model,
                MmOptimizerKind  kind,
                guint32          seed,
                MmParams       **init_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) m = parse_ok (model);
  g_autoptr(MmParams) p = init_params (m, 4);
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, NULL);
  g_autoptr(MmLoss) loss = mm_loss_one_hot_new (ce, 2, NULL);
  MmOptimizerConfig config;
  MmOptimizer *opt;

  mm_optimizer_config_init (&config, kind);
  opt = mm_optimizer_new (&config, m, loss, p, &error);
  g_assert_no_error (error);
  mm_optimizer_set_seed (opt, seed);
  g_assert_cmpuint (mm_optimizer_get_seed (opt), ==, seed);
  if (init_out)
    *init_out = mm_params_ref (p);
  return opt;
}

static void
make_batch (GRand     *rand,
            guint      rows,
            MmTensor **x,
            MmTensor **y)
{
  *x = random_tensor (rand, 2, (gsize[]) { rows, 4 }, -2, 2);
  *y = mm_tensor_new_dims (1, (gsize[]) { rows }, NULL);
  for (guint i = 0; i < rows; i++)
    (*y)->data[i] = (*x)->data[i * 4] > 0 ? 1.0f : 0.0f;
}

#define BN_NET "Linear(4, 6); BatchNorm1d(6); ReLU; Dropout(0.5); Linear(6, 2)"

static void
test_optimizer_buffers (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);
  g_autoptr(MmParams) init = NULL;
  g_autoptr(MmOptimizer) opt = make_optimizer (BN_NET, MM_OPTIMIZER_SGD, 1, &init);
  g_autoptr(MmTensor) x = NULL, y = NULL;
  g_autoptr(MmStepInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MmParams) before = NULL;
  MmParams *params = mm_optimizer_get_params (opt);
  const MmTensor *bm, *bv;
  MmNode *bn = NULL;

  make_batch (rand, 16, &x, &y);
  /* Buffers cannot be penalised by name. */
  g_assert_false (mm_optimizer_set_param_penalties (opt, "1.running_var", 0.1, 0.1, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "buffer"));
  g_clear_error (&error);
  /* A global L2 penalty takes the weights (γ included), never the buffers. */
  g_assert_true (mm_optimizer_set_penalties (opt, 0.0, 0.5, TRUE, &error));

  before = mm_optimizer_snapshot_params (opt);
  info = mm_optimizer_prepare_step (opt, x, y, &error);
  g_assert_no_error (error);
  /* Gradients for the trained parameters only, in order. */
  g_assert_cmpuint (mm_params_get_n (info->gradients), ==, 6);
  g_assert_cmpint (mm_params_find (info->gradients, "1.running_mean"), <, 0);
  g_assert_cmpint (mm_params_find (info->gradients, "1.running_var"), <, 0);
  g_assert_cmpstr (mm_params_get_name (info->gradients, 2), ==, "1.weight");
  g_assert_cmpstr (mm_params_get_name (info->gradients, 4), ==, "4.weight");
  {
    double l2 = 0.0;
    static const char *const trained[] = { "0.weight", "0.bias", "1.weight", "1.bias", "4.weight", "4.bias" };
    for (guint i = 0; i < G_N_ELEMENTS (trained); i++)
      {
        MmTensor *t = mm_params_lookup (params, trained[i]);
        for (gsize k = 0; k < t->size; k++)
          l2 += 0.5 * t->data[k] * t->data[k];
      }
    g_assert_cmpfloat (fabs (mm_step_info_get_penalty (info) - l2), <=, 1e-5 * l2);
  }

  /* The graph was built in training mode: BatchNorm on the batch, Dropout on. */
  {
    g_autoptr(GPtrArray) order = mm_node_collect (info->output);
    gboolean dropout = FALSE;
    for (guint i = 0; i < order->len; i++)
      {
        MmNode *n = g_ptr_array_index (order, i);
        if (mm_node_is_batch_norm (n))
          bn = n;
        dropout |= mm_node_is_dropout (n);
      }
    g_assert_nonnull (bn);
    g_assert_true (mm_batch_norm_is_training (bn));
    g_assert_true (dropout);
  }
  g_assert_nonnull (info->buffer_updates);
  bm = mm_batch_norm_get_batch_mean (bn);
  bv = mm_batch_norm_get_batch_var (bn);
  for (gsize c = 0; c < 6; c++)
    {
      g_assert_cmpfloat (fabs (mm_params_lookup (info->buffer_updates, "1.running_mean")->data[c]
                               - 0.1 * bm->data[c]), <=, 1e-6);
      g_assert_cmpfloat (fabs (mm_params_lookup (info->buffer_updates, "1.running_var")->data[c]
                               - (0.9 + 0.1 * bv->data[c] * 16.0 / 15.0)), <=, 1e-6);
    }
  /* Stored by perform_step, with the release of the graph first as the trainer does. */
  g_assert_cmpfloat (mm_params_lookup (params, "1.running_var")->data[0], ==, 1.0f);
  {
    g_autoptr(MmParams) updates = mm_params_ref (info->buffer_updates);
    mm_step_info_release_graph (info);
    g_assert_true (mm_optimizer_perform_step (opt, info, &error));
    g_assert_no_error (error);
    for (gsize c = 0; c < 6; c++)
      {
        g_assert_cmpfloat (mm_params_lookup (params, "1.running_mean")->data[c], ==,
                           mm_params_lookup (updates, "1.running_mean")->data[c]);
        g_assert_cmpfloat (mm_params_lookup (params, "1.running_var")->data[c], ==,
                           mm_params_lookup (updates, "1.running_var")->data[c]);
      }
  }
  /* The snapshot taken before still shows the old values; the caller's table too. */
  g_assert_cmpfloat (mm_params_lookup (before, "1.running_var")->data[0], ==, 1.0f);
  g_assert_cmpfloat (mm_params_lookup (init, "1.running_mean")->data[0], ==, 0.0f);
  g_assert_cmpfloat (mm_params_lookup (init, "1.running_var")->data[0], ==, 1.0f);
  /* The trained parameters moved (γ too), by the rule. */
  g_assert_true (mm_params_lookup (params, "1.weight")->data[0] != 1.0f);
}

/* evaluate and predict are in eval mode: no dropout, running statistics. */
static void
test_evaluate_eval_mode (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  g_autoptr(MmOptimizer) opt = make_optimizer (BN_NET, MM_OPTIMIZER_ADAM, 1, NULL);
  g_autoptr(MmTensor) x = NULL, y = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) out = NULL, loss = NULL;
  g_autoptr(MmTensor) pred = NULL;
  double l1 = 0, l2 = 0;
  gsize c1 = 0, c2 = 0;

  make_batch (rand, 16, &x, &y);
  for (int i = 0; i < 3; i++)
    {
      g_autoptr(MmStepInfo) info = mm_optimizer_step (opt, x, y, &error);
      g_assert_no_error (error);
    }
  g_assert_true (mm_optimizer_evaluate (opt, x, y, &l1, &c1, &error));
  g_assert_true (mm_optimizer_evaluate (opt, x, y, &l2, &c2, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (l1, ==, l2);
  g_assert_cmpuint (c1, ==, c2);

  out = build (mm_optimizer_get_model (opt), mm_optimizer_get_params (opt), x, NULL);
  loss = mm_loss_build (mm_optimizer_get_loss (opt), out, y, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (mm_tensor_item (mm_node_get_value (loss)), ==, l1);
  pred = mm_module_predict (mm_optimizer_get_model (opt), mm_optimizer_get_params (opt), x, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (pred->data, pred->size * sizeof (float), mm_node_get_value (out)->data,
                   pred->size * sizeof (float));
}

/* Same seed ⇒ the same run, bit for bit, Dropout included; another seed ⇒ another. */
static void
test_optimizer_reproducible (void)
{
  g_autoptr(MmOptimizer) a = make_optimizer (BN_NET, MM_OPTIMIZER_ADAM, 7, NULL);
  g_autoptr(MmOptimizer) b = make_optimizer (BN_NET, MM_OPTIMIZER_ADAM, 7, NULL);
  g_autoptr(MmOptimizer) c = make_optimizer (BN_NET, MM_OPTIMIZER_ADAM, 8, NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (6);
  gboolean differ = FALSE;

  for (int s = 0; s < 5; s++)
    {
      g_autoptr(MmTensor) x = NULL, y = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(MmStepInfo) ia = NULL, ib = NULL, ic = NULL;

      make_batch (rand, 16, &x, &y);
      ia = mm_optimizer_step (a, x, y, &error);
      ib = mm_optimizer_step (b, x, y, &error);
      ic = mm_optimizer_step (c, x, y, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat (mm_step_info_get_loss (ia), ==, mm_step_info_get_loss (ib));
      differ |= mm_step_info_get_loss (ia) != mm_step_info_get_loss (ic);
    }
  for (guint i = 0; i < mm_params_get_n (mm_optimizer_get_params (a)); i++)
    {
      MmTensor *ta = mm_params_get_tensor (mm_optimizer_get_params (a), i);
      MmTensor *tb = mm_params_get_tensor (mm_optimizer_get_params (b), i);
      g_assert_cmpmem (ta->data, ta->size * sizeof (float), tb->data, tb->size * sizeof (float));
    }
  g_assert_true (differ);
}

/* ---- the trainer ----------------------------------------------------------- */

static void
run_trainer (guint32   seed,
             GArray   *losses,
             MmParams **final)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) data = mm_dataset_new_toy (MM_TOY_SPIRAL, 120, 0.05, 3, 7, &error);
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, NULL);
  MmTrainerConfig config;
  MmTrainer *t;
  MmTrainerState state;

  g_assert_no_error (error);
  mm_trainer_config_init (&config);
  config.model = parse_ok ("Linear(2, 16); BatchNorm1d(16); Tanh; Dropout(0.3); Linear(16, 3)");
  config.loss = mm_loss_one_hot_new (ce, 3, NULL);
  config.train = mm_dataset_ref (data);
  mm_optimizer_config_init (&config.optimizer, MM_OPTIMIZER_ADAM);
  config.optimizer.lr = 0.01;
  config.batch_size = 16;
  config.epochs = 3;
  config.seed = seed;
  config.threads = 1;
  t = mm_trainer_new (&config, &error);
  g_assert_no_error (error);
  mm_trainer_config_clear (&config);
  mm_trainer_start (t);
  mm_trainer_wait (t);
  state = mm_trainer_get_state (t);
  g_assert_cmpint (state, ==, MM_TRAINER_FINISHED);
  mm_trainer_get_history (t, 0, losses);
  *final = mm_trainer_snapshot_params (t);
  mm_trainer_free (t);
}

static void
test_trainer_reproducible (void)
{
  g_autoptr(GArray) la = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  g_autoptr(GArray) lb = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  g_autoptr(GArray) lc = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  g_autoptr(MmParams) pa = NULL, pb = NULL, pc = NULL;
  gboolean differ = FALSE;

  run_trainer (42, la, &pa);
  run_trainer (42, lb, &pb);
  run_trainer (43, lc, &pc);
  g_assert_cmpuint (la->len, ==, 24);
  g_assert_cmpuint (lb->len, ==, la->len);
  for (guint i = 0; i < la->len; i++)
    {
      g_assert_cmpfloat (g_array_index (la, MmStepPoint, i).loss, ==, g_array_index (lb, MmStepPoint, i).loss);
      differ |= i < lc->len && g_array_index (la, MmStepPoint, i).loss != g_array_index (lc, MmStepPoint, i).loss;
    }
  g_assert_true (differ);
  for (guint i = 0; i < mm_params_get_n (pa); i++)
    {
      MmTensor *ta = mm_params_get_tensor (pa, i);
      MmTensor *tb = mm_params_lookup (pb, mm_params_get_name (pa, i));
      g_assert_cmpmem (ta->data, ta->size * sizeof (float), tb->data, tb->size * sizeof (float));
    }
  /* The running statistics moved away from their start. */
  g_assert_true (mm_params_lookup (pa, "1.running_var")->data[0] != 1.0f);
}

/* ---- saving ----------------------------------------------------------------- */

static void
test_buffers_saved (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (8);
  g_autoptr(MmOptimizer) opt = make_optimizer (BN_NET, MM_OPTIMIZER_SGD, 1, NULL);
  g_autoptr(MmTensor) x = NULL, y = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(MmParams) back = NULL;
  g_autoptr(GArray) specs = mm_module_get_params (mm_optimizer_get_model (opt));
  MmParams *params = mm_optimizer_get_params (opt);

  make_batch (rand, 16, &x, &y);
  {
    g_autoptr(MmStepInfo) info = mm_optimizer_step (opt, x, y, &error);
    g_assert_no_error (error);
  }
  bytes = mm_params_to_safetensors (params, NULL, &error);
  g_assert_no_error (error);
  back = mm_params_from_safetensors (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (mm_params_check (back, specs, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < mm_params_get_n (params); i++)
    {
      MmTensor *a = mm_params_get_tensor (params, i);
      MmTensor *b = mm_params_lookup (back, mm_params_get_name (params, i));
      g_assert_nonnull (b);
      g_assert_cmpmem (a->data, a->size * sizeof (float), b->data, b->size * sizeof (float));
    }
  g_assert_true (mm_params_lookup (back, "1.running_mean")->data[0] != 0.0f);
}

/* A project stores the network as its text form and the buffers with the
 * weights: both come back. */
static void
test_project_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("myml-cnn-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "cnn.myml", NULL);
  g_autofree char *wpath = NULL;
  g_autoptr(MmProject) p = mm_project_new ();
  g_autoptr(MmProject) back = NULL;
  g_autoptr(MmModule) m = parse_ok ("Reshape(1, 6, 6); Conv2d(1, 2, 3, 1, 1); BatchNorm2d(2); ReLU; "
                                    "AvgPool2d(2); Dropout(0.1); Flatten; Linear(18, 3)");
  g_autoptr(MmParams) w = init_params (m, 3);
  g_autoptr(MmTensor) rv = mm_tensor_new_filled (&mm_params_lookup (w, "2.running_var")->shape, 2.5f, NULL);

  g_assert_no_error (error);
  mm_params_set (w, "2.running_var", rv);
  g_free (p->network);
  p->network = mm_module_to_string (m);
  p->weights = mm_params_ref (w);
  g_assert_true (mm_project_save (p, path, &error));
  g_assert_no_error (error);
  back = mm_project_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->network, ==, p->network);
  g_assert_nonnull (back->weights);
  g_assert_cmpuint (mm_params_get_n (back->weights), ==, mm_params_get_n (w));
  g_assert_cmpfloat (mm_params_lookup (back->weights, "2.running_var")->data[1], ==, 2.5f);
  g_assert_cmpfloat (mm_params_lookup (back->weights, "2.running_mean")->data[1], ==, 0.0f);

  wpath = mm_project_weights_path (path);
  g_assert_cmpint (g_unlink (wpath), ==, 0);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cnn-module/parse-print", test_parse_print);
  g_test_add_func ("/cnn-module/getters", test_getters);
  g_test_add_func ("/cnn-module/params", test_params);
  g_test_add_func ("/cnn-module/output-shapes", test_output_shapes);
  g_test_add_func ("/cnn-module/errors/parse", test_parse_errors);
  g_test_add_func ("/cnn-module/errors/shapes", test_shape_errors);
  g_test_add_func ("/cnn-module/modes/dropout", test_dropout_modes);
  g_test_add_func ("/cnn-module/modes/batch-norm", test_batch_norm_modes);
  g_test_add_func ("/cnn-module/optimizer/buffers", test_optimizer_buffers);
  g_test_add_func ("/cnn-module/optimizer/evaluate-in-eval-mode", test_evaluate_eval_mode);
  g_test_add_func ("/cnn-module/optimizer/reproducible", test_optimizer_reproducible);
  g_test_add_func ("/cnn-module/trainer/reproducible", test_trainer_reproducible);
  g_test_add_func ("/cnn-module/buffers-saved", test_buffers_saved);
  g_test_add_func ("/cnn-module/project-round-trip", test_project_round_trip);

  return g_test_run ();
}
