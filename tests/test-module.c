/* test-module.c — the text form of networks, their parameter names and
 * shapes, output shapes, the graph they build (against a hand computation),
 * every refusal with its message, and parameter initialisation. */
#include <myml.h>
#include <math.h>
#include <string.h>

static MmShape
shape_of (guint        ndim,
          const gsize *dims)
{
  MmShape s;
  g_assert_true (mm_shape_init (&s, ndim, dims, NULL));
  return s;
}

#define SHAPE(...) shape_of (G_N_ELEMENTS (((gsize[]) { __VA_ARGS__ })), (gsize[]) { __VA_ARGS__ })

static void
assert_shape (const MmShape *s,
              const char    *want)
{
  g_autofree char *got = mm_shape_to_string (s);
  g_assert_cmpstr (got, ==, want);
}

/* ---- The text form ------------------------------------------------------- */

static void
test_parse_round_trip (void)
{
  /* text → canonical form */
  static const struct { const char *text, *canonical; } cases[] = {
    { "Flatten; Linear(784, 100); ReLU; Linear(100, 100); ReLU; Linear(100, 10)",
      "Flatten; Linear(784, 100); ReLU; Linear(100, 100); ReLU; Linear(100, 10)" },
    /* Names are case-insensitive, spaces are free. */
    { "flatten;LINEAR( 4 ,3 );relu;  linear(3,2)  ",
      "Flatten; Linear(4, 3); ReLU; Linear(3, 2)" },
    /* '|' and newlines separate layers as ';' does; empty items are ignored. */
    { "Linear(2, 8) | tanh | Linear(8, 3)", "Linear(2, 8); Tanh; Linear(8, 3)" },
    { "Linear(2, 8)\nSigmoid\n\nLinear(8, 3)\n", "Linear(2, 8); Sigmoid; Linear(8, 3)" },
    { ";;Linear(2, 8);; softplus ;", "Linear(2, 8); Softplus" },
    /* Comments run from '#' to the end of the line. */
    { "# a two-layer network\nLinear(2, 16)\n  # hidden\nReLU\nLinear(16, 2)",
      "Linear(2, 16); ReLU; Linear(16, 2)" },
    /* Settings of the elementwise layers. */
    { "LeakyReLU(0.1); leakyrelu; Scale(2.5); Pow(3); Abs; Neg",
      /* LeakyReLU without a slope takes PyTorch's default, 0.01. */
      "LeakyReLU(0.1); LeakyReLU(0.01); Scale(2.5); Pow(3); Abs; Neg" },
    { "ReLU()", "ReLU" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MmModule) m = mm_module_parse (cases[i].text, &error);
      g_autoptr(MmModule) again = NULL;
      g_autofree char *s = NULL, *s2 = NULL;

      g_assert_no_error (error);
      g_assert_cmpstr (mm_module_get_type_name (m), ==, "Sequential");
      s = mm_module_to_string (m);
      g_assert_cmpstr (s, ==, cases[i].canonical);
      /* The printed form parses back to the same network. */
      again = mm_module_parse (s, &error);
      g_assert_no_error (error);
      s2 = mm_module_to_string (again);
      g_assert_cmpstr (s2, ==, s);
      g_assert_cmpuint (mm_module_get_n_children (again), ==, mm_module_get_n_children (m));
      g_assert_cmpuint (mm_module_count_params (again), ==, mm_module_count_params (m));
    }
}

/* A comment is a comment to the end of its line, whatever separators it holds. */
static void
test_parse_comment_with_separators (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) m = mm_module_parse ("# layers: Linear; Tanh | Linear\n"
                                           "Linear(2, 4); Tanh  # squash; then classify\n"
                                           "Linear(4, 3)   # three classes | done", &error);
  g_autofree char *s = NULL;

  g_assert_no_error (error);
  s = mm_module_to_string (m);
  g_assert_cmpstr (s, ==, "Linear(2, 4); Tanh; Linear(4, 3)");
}

static void
test_children (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) m = mm_module_parse ("Flatten; Linear(6, 5); Tanh", &error);
  gsize in = 0, out = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (mm_module_get_n_children (m), ==, 3);
  g_assert_cmpstr (mm_module_get_type_name (mm_module_get_child (m, 0)), ==, "Flatten");
  g_assert_cmpstr (mm_module_get_type_name (mm_module_get_child (m, 1)), ==, "Linear");
  g_assert_cmpstr (mm_module_get_type_name (mm_module_get_child (m, 2)), ==, "Elementwise");
  g_assert_true (mm_module_get_linear_features (mm_module_get_child (m, 1), &in, &out));
  g_assert_cmpuint (in, ==, 6);
  g_assert_cmpuint (out, ==, 5);
  g_assert_false (mm_module_get_linear_features (mm_module_get_child (m, 0), &in, &out));
}

/* ---- Parameters ---------------------------------------------------------- */

static void
test_params_names_shapes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) m = mm_module_parse (
    "Flatten; Linear(784, 100); ReLU; Linear(100, 100); ReLU; Linear(100, 10)", &error);
  g_autoptr(GArray) specs = NULL;
  static const struct { const char *name, *shape; MmParamRole role; gsize fan_in, fan_out; } want[] = {
    { "1.weight", "(784, 100)", MM_PARAM_WEIGHT, 784, 100 },
    { "1.bias", "(100,)", MM_PARAM_BIAS, 784, 100 },
    { "3.weight", "(100, 100)", MM_PARAM_WEIGHT, 100, 100 },
    { "3.bias", "(100,)", MM_PARAM_BIAS, 100, 100 },
    { "5.weight", "(100, 10)", MM_PARAM_WEIGHT, 100, 10 },
    { "5.bias", "(10,)", MM_PARAM_BIAS, 100, 10 },
  };

  g_assert_no_error (error);
  specs = mm_module_get_params (m);
  g_assert_cmpuint (specs->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < specs->len; i++)
    {
      const MmParamSpec *s = &g_array_index (specs, MmParamSpec, i);
      g_assert_cmpstr (s->name, ==, want[i].name);
      assert_shape (&s->shape, want[i].shape);
      g_assert_cmpint (s->role, ==, want[i].role);
      g_assert_cmpuint (s->fan_in, ==, want[i].fan_in);
      g_assert_cmpuint (s->fan_out, ==, want[i].fan_out);
    }
  /* 784·100 + 100 + 100·100 + 100 + 100·10 + 10 */
  g_assert_cmpuint (mm_module_count_params (m), ==, 89610);
}

/* Sequential inside Sequential prefixes twice; Input passes names unchanged. */
static void
test_params_nested (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) inner = mm_module_parse ("ReLU; Linear(3, 2)", &error);
  g_autoptr(MmModule) first = mm_module_linear_new (4, 3, &error);
  MmModule *children[2] = { first, inner };
  g_autoptr(MmModule) seq = mm_module_sequential_new (2, children);
  g_autoptr(MmModule) input = mm_module_input_new (seq);
  g_autoptr(GArray) specs = mm_module_get_params (input);
  static const char *names[] = { "0.weight", "0.bias", "1.1.weight", "1.1.bias" };
  g_autofree char *text = mm_module_to_string (input);

  g_assert_no_error (error);
  g_assert_cmpstr (mm_module_get_type_name (input), ==, "Input");
  g_assert_cmpuint (specs->len, ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < specs->len; i++)
    g_assert_cmpstr (g_array_index (specs, MmParamSpec, i).name, ==, names[i]);
  assert_shape (&g_array_index (specs, MmParamSpec, 2).shape, "(3, 2)");
  g_assert_cmpstr (text, ==, "Linear(4, 3); ReLU; Linear(3, 2)");

  /* The nested names are the ones construct looks up. */
  {
    g_autoptr(MmParams) p = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 3, &error);
    g_autoptr(GHashTable) nodes = mm_module_make_param_nodes (p);
    g_autoptr(MmTensor) x = mm_tensor_new_dims (2, (gsize[]) { 5, 4 }, NULL);
    g_autoptr(MmNode) y = mm_module_construct_tensor (input, x, nodes, &error);
    g_assert_no_error (error);
    assert_shape (mm_node_get_shape (y), "(5, 2)");
  }
}

/* ---- Output shapes ------------------------------------------------------- */

static void
test_output_shape (void)
{
  static const struct { const char *model, *out; } cases[] = {
    { "Flatten", "(64, 784)" },
    { "Flatten; Linear(784, 100)", "(64, 100)" },
    { "Flatten; Linear(784, 100); ReLU", "(64, 100)" },
    { "Flatten; Linear(784, 100); ReLU; Linear(100, 10); Sigmoid", "(64, 10)" },
    { "Tanh; Softplus", "(64, 28, 28)" },
    /* Linear acts on the last axis and keeps the others. */
    { "Linear(28, 5)", "(64, 28, 5)" },
    { "Linear(28, 5); Flatten; Linear(140, 3)", "(64, 3)" },
  };
  MmShape in = SHAPE (64, 28, 28);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MmModule) m = mm_module_parse (cases[i].model, &error);
      MmShape out;

      g_assert_no_error (error);
      g_assert_true (mm_module_output_shape (m, &in, &out, &error));
      g_assert_no_error (error);
      assert_shape (&out, cases[i].out);
    }
}

/* ---- construct against a hand computation ---------------------------------- */

static MmTensor *
random_tensor (GRand   *r,
               MmShape  s,
               double   scale)
{
  MmTensor *t = mm_tensor_new (&s, NULL);
  for (gsize i = 0; i < t->size; i++)
    t->data[i] = (float) (scale * g_rand_double_range (r, -1.0, 1.0));
  return t;
}

static void
test_construct_matches_hand (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) m = mm_module_parse ("Linear(4, 3); ReLU; Linear(3, 2); Tanh", &error);
  g_autoptr(GArray) specs = mm_module_get_params (m);
  g_autoptr(GRand) r = g_rand_new_with_seed (11);
  g_autoptr(MmParams) p = mm_params_new ();
  g_autoptr(GHashTable) nodes = NULL;
  g_autoptr(MmTensor) x = NULL;
  g_autoptr(MmNode) y = NULL;
  const MmTensor *v;
  const gsize B = 5;
  MmTensor *w0, *b0, *w2, *b2;

  g_assert_no_error (error);
  /* Random biases too (mm_params_init would make them zero, hiding a missing add). */
  for (guint i = 0; i < specs->len; i++)
    {
      const MmParamSpec *s = &g_array_index (specs, MmParamSpec, i);
      g_autoptr(MmTensor) t = random_tensor (r, s->shape, 1.0);
      mm_params_set (p, s->name, t);
    }
  x = random_tensor (r, SHAPE (B, 4), 2.0);
  nodes = mm_module_make_param_nodes (p);
  y = mm_module_construct_tensor (m, x, nodes, &error);
  g_assert_no_error (error);
  assert_shape (mm_node_get_shape (y), "(5, 2)");
  v = mm_node_get_value (y);

  w0 = mm_params_lookup (p, "0.weight");
  b0 = mm_params_lookup (p, "0.bias");
  w2 = mm_params_lookup (p, "2.weight");
  b2 = mm_params_lookup (p, "2.bias");
  g_assert_nonnull (w0);
  g_assert_nonnull (b2);
  for (gsize b = 0; b < B; b++)
    {
      double h[3];
      for (gsize j = 0; j < 3; j++)
        {
          double s = b0->data[j];
          for (gsize k = 0; k < 4; k++)
            s += (double) x->data[b * 4 + k] * w0->data[k * 3 + j];   /* W is (in, out) */
          h[j] = s > 0 ? s : 0;
        }
      for (gsize j = 0; j < 2; j++)
        {
          double s = b2->data[j];
          for (gsize k = 0; k < 3; k++)
            s += h[k] * w2->data[k * 2 + j];
          g_assert_cmpfloat_with_epsilon (v->data[b * 2 + j], tanh (s), 1e-5);
        }
    }
  /* The parameter nodes carry their names, for the graph view. */
  g_assert_cmpstr (mm_node_get_label (g_hash_table_lookup (nodes, "2.weight")), ==, "2.weight");
}

/* A Linear layer with a 3-D input: x · W over the last axis, b added to every row. */
static void
test_construct_3d (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) m = mm_module_parse ("Linear(3, 2)", &error);
  g_autoptr(GArray) specs = mm_module_get_params (m);
  g_autoptr(GRand) r = g_rand_new_with_seed (5);
  g_autoptr(MmParams) p = mm_params_new ();
  g_autoptr(MmTensor) x = random_tensor (r, SHAPE (2, 4, 3), 1.0);
  g_autoptr(MmTensor) w = random_tensor (r, SHAPE (3, 2), 1.0);
  g_autoptr(MmTensor) bias = random_tensor (r, SHAPE (2), 1.0);
  g_autoptr(GHashTable) nodes = NULL;
  g_autoptr(MmNode) y = NULL;
  const MmTensor *v;

  mm_params_set (p, "0.weight", w);
  mm_params_set (p, "0.bias", bias);
  nodes = mm_module_make_param_nodes (p);
  y = mm_module_construct_tensor (m, x, nodes, &error);
  g_assert_no_error (error);
  assert_shape (mm_node_get_shape (y), "(2, 4, 2)");
  v = mm_node_get_value (y);
  for (gsize row = 0; row < 8; row++)
    for (gsize j = 0; j < 2; j++)
      {
        double s = bias->data[j];
        for (gsize k = 0; k < 3; k++)
          s += (double) x->data[row * 3 + k] * w->data[k * 2 + j];
        g_assert_cmpfloat_with_epsilon (v->data[row * 2 + j], s, 1e-5);
      }
}

/* ---- Refusals -------------------------------------------------------------- */

static void
test_parse_errors (void)
{
  static const struct { const char *text, *want1, *want2; } cases[] = {
    { "Flatten; Conv3d(3, 8)", "Layer 1: ", "Unknown layer 'Conv3d'" },
    { "Linear(784)", "Layer 0: ", "Linear needs two whole numbers" },
    { "ReLU; Linear(1, 2, 3)", "Layer 1: ", "Linear needs two whole numbers" },
    { "Linear(2.5, 3)", "Layer 0: ", "Linear needs two whole numbers" },
    { "Linear(-4, 3)", "Layer 0: ", "Linear needs two whole numbers" },
    { "Linear(nan, 3)", "Layer 0: ", "Linear needs two whole numbers" },
    { "Linear(1e30, 3)", "Layer 0: ", "Linear needs two whole numbers" },
    { "Linear(a, 3)", "Layer 0: ", "'a' in 'Linear(a, 3)' is not a number" },
    { "Linear(4,, 3)", "Layer 0: ", "'' in 'Linear(4,, 3)' is not a number" },
    { "Linear(0, 3)", "Layer 0: ", "between 1 and" },
    { "Tanh; Linear(3, 0)", "Layer 1: ", "Linear(3, 0): the numbers of input and output features must be between 1" },
    { "Linear(16777216, 16777216)", "Layer 0: ", "more than" },
    { "Flatten; Linear(784, 100", "Layer 1: ", "'Linear(784, 100' has an unclosed parenthesis" },
    { "Linear)2, 3(", "Layer 0: ", "unclosed parenthesis" },
    { "Linear(2, 3) x", "Layer 0: ", "Unexpected text after ')'" },
    { "(2, 3)", "Layer 0: ", "A layer has no name" },
    { "ReLU(3)", "Layer 0: ", "ReLU takes no settings" },
    { "LeakyReLU(0.1, 2)", "Layer 0: ", "LeakyReLU takes at most one number" },
    { "Flatten(2)", "Layer 0: ", "Flatten takes no settings" },
    { "ReLU; Add", "Layer 1: ", "Only operations with one input" },
    /* Comments do not count as layers in the index. */
    { "# first\nLinear(2, 3)\n# second\nSoftmaxx", "Layer 1: ", "Unknown layer 'Softmaxx'" },
    { "", "no layers", NULL },
    { " ; | \n ;; ", "no layers", NULL },
    { "# nothing but a comment", "no layers", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      MmModule *m = mm_module_parse (cases[i].text, &error);

      if (m != NULL || error == NULL)
        g_error ("'%s' was accepted", cases[i].text);
      g_assert_true (error->domain == MM_ERROR);
      if (strstr (error->message, cases[i].want1) == NULL ||
          (cases[i].want2 && strstr (error->message, cases[i].want2) == NULL))
        g_error ("'%s': message '%s' lacks '%s' / '%s'", cases[i].text, error->message,
                 cases[i].want1, cases[i].want2 ? cases[i].want2 : "");
      /* The index comes first: "Layer 1: …". */
      if (g_str_has_prefix (cases[i].want1, "Layer"))
        g_assert_true (g_str_has_prefix (error->message, cases[i].want1));
    }
}

static void
test_shape_conflicts (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) m = mm_module_parse ("Flatten; Linear(784, 100); ReLU; Linear(50, 10)", &error);
  g_autoptr(GArray) specs = mm_module_get_params (m);
  g_autoptr(MmParams) p = NULL;
  g_autoptr(GHashTable) nodes = NULL;
  g_autoptr(MmTensor) x = NULL;
  MmShape in = SHAPE (64, 28, 28), out;
  MmNode *y;
  const char *want = "Layer 3 (Linear(50, 10)): expects 50 input features (the last axis), "
                     "but receives shape (64, 100)";

  g_assert_no_error (error);
  g_assert_false (mm_module_output_shape (m, &in, &out, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_SHAPE);
  g_assert_cmpstr (error->message, ==, want);
  g_clear_error (&error);

  /* construct on a real batch says the same. */
  p = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 1, &error);
  g_assert_no_error (error);
  nodes = mm_module_make_param_nodes (p);
  x = mm_tensor_new_dims (3, (gsize[]) { 64, 28, 28 }, NULL);
  y = mm_module_construct_tensor (m, x, nodes, &error);
  g_assert_null (y);
  g_assert_error (error, MM_ERROR, MM_ERROR_SHAPE);
  g_assert_cmpstr (error->message, ==, want);
  g_clear_error (&error);

  /* The first layer: images that are not 28×28. */
  {
    MmShape small = SHAPE (8, 10, 10);
    g_assert_false (mm_module_output_shape (m, &small, &out, &error));
    g_assert_cmpstr (error->message, ==, "Layer 1 (Linear(784, 100)): expects 784 input features "
                                         "(the last axis), but receives shape (8, 100)");
    g_clear_error (&error);
  }

  /* Flatten of a single number. */
  {
    g_autoptr(MmModule) f = mm_module_parse ("Flatten; Linear(1, 1)", NULL);
    MmShape scalar;
    mm_shape_scalar (&scalar);
    g_assert_false (mm_module_output_shape (f, &scalar, &out, &error));
    g_assert_error (error, MM_ERROR, MM_ERROR_SHAPE);
    g_assert_true (g_str_has_prefix (error->message, "Layer 0 (Flatten): "));
    g_assert_nonnull (strstr (error->message, "batch axis"));
    g_clear_error (&error);
  }
}

/* Parameter values that are missing or of the wrong shape name the parameter and the layer. */
static void
test_construct_bad_params (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) m = mm_module_parse ("Linear(4, 3); ReLU; Linear(3, 2)", &error);
  g_autoptr(GArray) specs = mm_module_get_params (m);
  g_autoptr(MmParams) p = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 1, &error);
  g_autoptr(MmTensor) x = mm_tensor_new_dims (2, (gsize[]) { 5, 4 }, NULL);
  g_autoptr(MmTensor) wrong = mm_tensor_new_dims (2, (gsize[]) { 2, 3 }, NULL);
  MmNode *y;

  g_assert_no_error (error);
  {
    g_autoptr(GHashTable) nodes = mm_module_make_param_nodes (p);
    g_hash_table_remove (nodes, "2.bias");
    y = mm_module_construct_tensor (m, x, nodes, &error);
    g_assert_null (y);
    g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==, "Layer 2 (Linear(3, 2)): No value was given for the parameter 2.bias");
    g_clear_error (&error);
  }
  {
    g_autoptr(GHashTable) nodes = NULL;
    mm_params_set (p, "2.weight", wrong);
    nodes = mm_module_make_param_nodes (p);
    y = mm_module_construct_tensor (m, x, nodes, &error);
    g_assert_null (y);
    g_assert_error (error, MM_ERROR, MM_ERROR_SHAPE);
    g_assert_cmpstr (error->message, ==, "Layer 2 (Linear(3, 2)): The parameter 2.weight should have "
                                         "shape (3, 2), but its value has shape (2, 3)");
    g_clear_error (&error);

    g_assert_false (mm_params_check (p, specs, &error));
    g_assert_error (error, MM_ERROR, MM_ERROR_SHAPE);
    g_assert_nonnull (strstr (error->message, "2.weight should have shape (3, 2), but has shape (2, 3)"));
    g_clear_error (&error);
  }
  /* No table at all. */
  y = mm_module_construct_tensor (m, x, NULL, &error);
  g_assert_null (y);
  g_assert_nonnull (strstr (error->message, "0.weight"));
}

/* ---- Initialisation -------------------------------------------------------- */

static MmParams *
init_params (const char *model,
             MmInitKind  kind,
             guint32     seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) m = mm_module_parse (model, &error);
  g_autoptr(GArray) specs = NULL;
  MmParams *p;

  g_assert_no_error (error);
  specs = mm_module_get_params (m);
  p = mm_params_init (specs, kind, seed, &error);
  g_assert_no_error (error);
  g_assert_true (mm_params_check (p, specs, &error));
  g_assert_no_error (error);
  return p;
}

static gboolean
params_equal (MmParams *a,
              MmParams *b)
{
  if (mm_params_get_n (a) != mm_params_get_n (b))
    return FALSE;
  for (guint i = 0; i < mm_params_get_n (a); i++)
    {
      MmTensor *ta = mm_params_get_tensor (a, i), *tb = mm_params_get_tensor (b, i);
      if (!g_str_equal (mm_params_get_name (a, i), mm_params_get_name (b, i)) ||
          ta->size != tb->size || memcmp (ta->data, tb->data, ta->size * sizeof (float)) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
test_init_deterministic (void)
{
  const char *model = "Linear(20, 30); Tanh; Linear(30, 5)";
  static const MmInitKind kinds[] = { MM_INIT_XAVIER_UNIFORM, MM_INIT_HE_NORMAL, MM_INIT_HE_UNIFORM };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autoptr(MmParams) a = init_params (model, kinds[k], 1234);
      g_autoptr(MmParams) b = init_params (model, kinds[k], 1234);
      g_autoptr(MmParams) c = init_params (model, kinds[k], 1235);

      g_assert_true (params_equal (a, b));
      g_assert_false (params_equal (a, c));
      g_assert_cmpuint (mm_params_count_values (a), ==, 20 * 30 + 30 + 30 * 5 + 5);
    }
}

static void
test_init_xavier (void)
{
  g_autoptr(MmParams) p = init_params ("Linear(300, 100); ReLU; Linear(100, 10)", MM_INIT_XAVIER_UNIFORM, 7);
  static const struct { const char *name; double fan_in, fan_out; } weights[] = {
    { "0.weight", 300, 100 }, { "2.weight", 100, 10 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (weights); i++)
    {
      MmTensor *w = mm_params_lookup (p, weights[i].name);
      double bound = sqrt (6.0 / (weights[i].fan_in + weights[i].fan_out));
      double max = 0, sum = 0, sq = 0;

      for (gsize k = 0; k < w->size; k++)
        {
          double v = w->data[k];
          max = MAX (max, fabs (v));
          sum += v;
          sq += v * v;
        }
      g_assert_cmpfloat (max, <=, bound);
      /* Uniform: the extremes come close to the bound, the variance is bound²/3. */
      g_assert_cmpfloat (max, >, 0.95 * bound);
      g_assert_cmpfloat (fabs (sum / w->size), <, 0.1 * bound);
      g_assert_cmpfloat (fabs (sq / w->size / (bound * bound / 3) - 1), <, 0.1);
    }
  for (const char *b = "0.bias"; b; b = g_str_equal (b, "0.bias") ? "2.bias" : NULL)
    {
      MmTensor *t = mm_params_lookup (p, b);
      g_assert_nonnull (t);
      for (gsize k = 0; k < t->size; k++)
        g_assert_cmpfloat (t->data[k], ==, 0.0f);
    }
}

static void
test_init_he (void)
{
  g_autoptr(MmParams) p = init_params ("Linear(1000, 400)", MM_INIT_HE_NORMAL, 99);
  g_autoptr(MmParams) u = init_params ("Linear(1000, 400)", MM_INIT_HE_UNIFORM, 99);
  g_autoptr(MmParams) z = init_params ("Linear(10, 4)", MM_INIT_ZEROS, 99);
  MmTensor *w = mm_params_lookup (p, "0.weight");
  MmTensor *wu = mm_params_lookup (u, "0.weight");
  double sum = 0, sq = 0, want_var = 2.0 / 1000, bound = sqrt (6.0 / 1000), max = 0;
  gsize beyond_2sd = 0;

  for (gsize k = 0; k < w->size; k++)
    {
      double v = w->data[k];
      sum += v;
      sq += v * v;
      if (fabs (v) > 2 * sqrt (want_var))
        beyond_2sd++;
    }
  /* 400 000 draws: the variance is within 1 % of 2 / fan_in, the mean near 0,
   * and about 4.55 % lie beyond two standard deviations, as for a normal. */
  g_assert_cmpfloat (fabs (sq / w->size / want_var - 1), <, 0.01);
  g_assert_cmpfloat (fabs (sum / w->size), <, 0.01 * sqrt (want_var));
  g_assert_cmpfloat (fabs ((double) beyond_2sd / w->size - 0.0455), <, 0.003);

  for (gsize k = 0; k < wu->size; k++)
    max = MAX (max, fabs (wu->data[k]));
  g_assert_cmpfloat (max, <=, bound);
  g_assert_cmpfloat (max, >, 0.99 * bound);

  g_assert_cmpfloat (mm_tensor_max_abs (mm_params_lookup (z, "0.weight")), ==, 0.0f);
  g_assert_cmpfloat (mm_tensor_max_abs (mm_params_lookup (p, "0.bias")), ==, 0.0f);
}

static void
test_init_names (void)
{
  MmInitKind k = MM_INIT_ZEROS;

  g_assert_true (mm_init_kind_from_name ("XAVIER", &k));
  g_assert_cmpint (k, ==, MM_INIT_XAVIER_UNIFORM);
  g_assert_true (mm_init_kind_from_name ("he", &k));
  g_assert_cmpint (k, ==, MM_INIT_HE_NORMAL);
  g_assert_true (mm_init_kind_from_name ("He-Uniform", &k));
  g_assert_cmpint (k, ==, MM_INIT_HE_UNIFORM);
  g_assert_false (mm_init_kind_from_name ("glorot", &k));
  for (MmInitKind i = MM_INIT_XAVIER_UNIFORM; i <= MM_INIT_ZEROS; i++)
    {
      g_assert_true (mm_init_kind_from_name (mm_init_kind_name (i), &k));
      g_assert_cmpint (k, ==, i);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/module/parse/round-trip", test_parse_round_trip);
  g_test_add_func ("/module/parse/comment-with-separators", test_parse_comment_with_separators);
  g_test_add_func ("/module/parse/errors", test_parse_errors);
  g_test_add_func ("/module/children", test_children);
  g_test_add_func ("/module/params/names-shapes", test_params_names_shapes);
  g_test_add_func ("/module/params/nested", test_params_nested);
  g_test_add_func ("/module/output-shape", test_output_shape);
  g_test_add_func ("/module/shape-conflicts", test_shape_conflicts);
  g_test_add_func ("/module/construct/hand", test_construct_matches_hand);
  g_test_add_func ("/module/construct/3d", test_construct_3d);
  g_test_add_func ("/module/construct/bad-params", test_construct_bad_params);
  g_test_add_func ("/module/init/deterministic", test_init_deterministic);
  g_test_add_func ("/module/init/xavier", test_init_xavier);
  g_test_add_func ("/module/init/he", test_init_he);
  g_test_add_func ("/module/init/names", test_init_names);
  return g_test_run ();
}
