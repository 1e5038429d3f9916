/* test-attention.c — the sequence layers against PyTorch, by finite
 * differences, and their mistakes.
 *
 * tests/fixtures/attn.txt (made by tests/gen-attn-fixtures.py) holds for each
 * case float32 inputs (and parameters), an upstream gradient, and the value,
 * the attention weights and every gradient that PyTorch computed from them in
 * float64 with its own modules (nn.LayerNorm, nn.MultiheadAttention,
 * nn.TransformerEncoderLayer(norm_first=True)). The same graph is built with
 * the C API — nodes for op LayerNorm and op Attention, the parsed network for
 * op Module, with the parameters under PyTorch's names — and must agree to
 * |got − ref| ≤ RTOL·|ref| + ATOL·(1 + max|ref|).
 *
 * RTOL = 1e-5 and ATOL = 1e-6 are test-conv.c's tolerance, for nodes and
 * whole networks alike: even two transformer blocks in float32 stay within
 * a fifth of it.
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

/* Value, attention weights and the gradient of every input of the graph
 * @y built on @inputs (named @names), against the case's references. */
static void
compare_graph (const FxCase *fc,
               MmNode       *y,
               GPtrArray    *inputs,
               GPtrArray    *names,
               double        rtol,
               double        atol_scale)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) attn = mm_attention_collect_weights (y);
  g_autofree MmTensor **grads = g_new0 (MmTensor *, inputs->len);
  g_autofree char *failure = NULL;
  const FxTensor *up = fx_find_tensor (fc, "upstream", "y");
  const FxTensor *value = fx_find_tensor (fc, "value", "y");
  double worst = 0.0;
  guint n_weights = 0;

  g_assert_nonnull (up);
  g_assert_nonnull (value);
  fx_check_close ("value", mm_node_get_value (y), value->tensor, rtol, atol_scale, &worst, &failure);

  /* The attention maps, in the order of the network's layers. */
  for (guint i = 0; i < fc->tensors->len; i++)
    {
      const FxTensor *t = g_ptr_array_index (fc->tensors, i);
      g_autofree char *what = NULL;

      if (strcmp (t->role, "weights") != 0)
        continue;
      g_assert_cmpuint (n_weights, <, attn->len);
      what = g_strdup_printf ("attention weights of layer %u", n_weights);
      fx_check_close (what, mm_node_get_value (g_ptr_array_index (attn, n_weights)), t->tensor, rtol, atol_scale,
                   &worst, &failure);
      n_weights++;
    }
  g_assert_cmpuint (n_weights, ==, attn->len);

  g_assert_true (mm_node_get_gradients_against (y, inputs->len, (MmNode **) inputs->pdata, up->tensor, grads,
                                                &error));
  g_assert_no_error (error);
  for (guint i = 0; i < inputs->len; i++)
    {
      const FxTensor *ref = fx_find_tensor (fc, "grad", names->pdata[i]);
      g_autofree char *what = g_strdup_printf ("grad %s", (char *) names->pdata[i]);

      if (ref == NULL)
        g_error ("%s: no reference gradient for %s", fc->path, (char *) names->pdata[i]);
      fx_check_close (what, grads[i], ref->tensor, rtol, atol_scale, &worst, &failure);
      mm_tensor_unref (grads[i]);
    }

  if (failure != NULL)
    g_test_fail_printf ("%s: %s", fc->path, failure);
  else
    fx_record_worst (fc, worst);
}

/* ---- the node cases ------------------------------------------------------ */

static void
test_node_case (gconstpointer data)
{
  const FxCase *fc = data;
  g_autoptr(GPtrArray) in = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) y = NULL;

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
  if (strcmp (fc->op, "LayerNorm") == 0)
    {
      y = mm_layer_norm_new (in->pdata[0], in->pdata[1], in->pdata[2], g_ascii_strtod (fx_param (fc, "eps"), NULL),
                             &error);
      g_assert_no_error (error);
      g_assert_true (mm_node_is_layer_norm (y));
    }
  else if (strcmp (fc->op, "Attention") == 0)
    {
      guint heads = (guint) g_ascii_strtoull (fx_param (fc, "heads"), NULL, 10);
      gboolean causal = strcmp (fx_param (fc, "causal"), "1") == 0;
      g_autoptr(MmNode) w = mm_attention_weights_new (in->pdata[0], heads, causal, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (mm_attention_weights_get_heads (w), ==, heads);
      g_assert_true (mm_attention_weights_is_causal (w) == causal);
      y = mm_attention_apply_new (w, in->pdata[0], &error);
      g_assert_no_error (error);
      g_assert_true (mm_node_is_attention_apply (y));
    }
  else
    g_error ("case %s: unknown op %s", fc->path, fc->op);

  /* A rule for every input, and a description that names the type. */
  for (guint i = 0; i < mm_node_get_n_inputs (y); i++)
    {
      g_autofree char *rule = mm_node_get_rule (y, i);
      g_assert_true (g_str_has_prefix (rule, "∂L/∂"));
    }
  {
    g_autofree char *d = mm_node_describe (y);
    g_assert_nonnull (strstr (d, mm_node_get_type_name (y)));
  }
  compare_graph (fc, y, in, names, RTOL, ATOL_SCALE);
}

/* ---- the module cases ---------------------------------------------------- */

static void
test_module_case (gconstpointer data)
{
  const FxCase *fc = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = mm_module_parse (fx_param (fc, "model"), &error);
  g_autoptr(MmParams) params = mm_params_new ();
  g_autoptr(GArray) specs = NULL;
  g_autoptr(GHashTable) nodes = NULL;
  g_autoptr(GPtrArray) in = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(MmNode) x = NULL;
  g_autoptr(MmNode) y = NULL;
  g_autofree char *text = NULL;
  MmShape out;

  g_test_message ("%s: %s (fixture line %u)", fc->path, fx_param (fc, "model"), fc->line);
  g_assert_no_error (error);
  text = mm_module_to_string (model);
  g_assert_cmpstr (text, ==, fx_param (fc, "model"));

  x = mm_constant_new_labelled (fx_find_tensor (fc, "input", "x")->tensor, "x");
  g_ptr_array_add (in, mm_node_ref (x));
  g_ptr_array_add (names, "x");
  for (guint i = 0; i < fc->tensors->len; i++)
    {
      const FxTensor *t = g_ptr_array_index (fc->tensors, i);
      if (strcmp (t->role, "input") == 0 && strcmp (t->name, "x") != 0)
        mm_params_set (params, t->name, t->tensor);
    }
  /* Exactly PyTorch's parameters, under its names and in its shapes. */
  specs = mm_module_get_params (model);
  g_assert_cmpuint (specs->len, ==, mm_params_get_n (params));
  g_assert_true (mm_params_check (params, specs, &error));
  g_assert_no_error (error);

  nodes = mm_module_make_param_nodes (params);
  for (guint i = 0; i < specs->len; i++)
    {
      const char *name = g_array_index (specs, MmParamSpec, i).name;
      g_ptr_array_add (in, mm_node_ref (g_hash_table_lookup (nodes, name)));
      g_ptr_array_add (names, (char *) name);
    }
  y = mm_module_construct (model, x, nodes, &error);
  g_assert_no_error (error);
  g_assert_true (mm_module_output_shape (model, mm_node_get_shape (x), &out, &error));
  g_assert_true (mm_shape_equal (&out, mm_node_get_shape (y)));
  compare_graph (fc, y, in, names, RTOL, ATOL_SCALE);
}

/* ---- the file as a whole ------------------------------------------------- */

static GPtrArray *fixture_cases;
static GError *load_error;

static void
test_load (void)
{
  static const char *const ops[] = { "LayerNorm", "Attention", "Module" };

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

static MmNode *
build_layer_norm (MmNode * const *x,
                  gconstpointer   data,
                  GError        **error)
{
  MmNode *y = mm_layer_norm_new (x[0], x[1], x[2], 1e-5, error);

  return y;
}

static void
test_gradcheck_layer_norm (void)
{
  static const gsize shapes[][3] = { { 3, 5, 0 }, { 2, 3, 4 }, { 4, 2, 0 } };
  g_autoptr(GRand) rand = g_rand_new_with_seed (21);

  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      guint ndim = shapes[s][2] ? 3 : 2;
      gsize D = shapes[s][ndim - 1];
      g_autofree char *what = g_strdup_printf ("LayerNorm over %" G_GSIZE_FORMAT " features, %u axes", D, ndim);
      MmTensor *x[3];

      x[0] = random_uniform_tensor (rand, ndim, shapes[s], -2, 2);
      x[1] = random_uniform_tensor (rand, 1, &D, 0.5, 1.5);
      x[2] = random_uniform_tensor (rand, 1, &D, -1, 1);
      gradcheck (what, 3, x, build_layer_norm, NULL, rand);
      for (guint j = 0; j < 3; j++)
        mm_tensor_unref (x[j]);
    }
}

typedef struct {
  guint heads;
  gboolean causal;
  gboolean weights_only;
} AttnSpec;

static MmNode *
build_attention (MmNode * const *x,
                 gconstpointer   data,
                 GError        **error)
{
  const AttnSpec *a = data;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(MmNode) w = mm_attention_weights_new (x[0], a->heads, a->causal, &local_error);
  MmNode *y;

  g_assert_no_error (local_error);
  if (a->weights_only)
    return g_steal_pointer (&w);
  y = mm_attention_apply_new (w, x[0], &local_error);
  g_assert_no_error (local_error);
  return y;
}

/* AttentionApply with weights that are an input of their own (any numbers,
 * not a softmax): both of its rules apart. */
static MmNode *
build_attention_apply (MmNode * const *x,
                       gconstpointer   data,
                       GError        **error)
{
  MmNode *y = mm_attention_apply_new (x[0], x[1], error);

  return y;
}

static void
test_gradcheck_attention (void)
{
  static const struct {
    gsize B, T, D;
    AttnSpec spec;
  } cases[] = {
    { 2, 3, 4, { 2, FALSE, FALSE } },
    { 2, 4, 4, { 1, TRUE, FALSE } },
    { 1, 5, 6, { 3, TRUE, FALSE } },
    { 2, 3, 4, { 2, TRUE, TRUE } },
    { 1, 1, 2, { 2, FALSE, FALSE } },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (22);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *what = g_strdup_printf ("Attention%s B=%" G_GSIZE_FORMAT " T=%" G_GSIZE_FORMAT
                                               " D=%" G_GSIZE_FORMAT " heads=%u%s",
                                               cases[i].spec.weights_only ? "Weights" : "", cases[i].B,
                                               cases[i].T, cases[i].D, cases[i].spec.heads,
                                               cases[i].spec.causal ? " causal" : "");
      MmTensor *x = random_uniform_tensor (rand, 3, (gsize[]) { cases[i].B, cases[i].T, 3 * cases[i].D }, -1.5, 1.5);

      gradcheck (what, 1, &x, build_attention, &cases[i].spec, rand);
      mm_tensor_unref (x);
    }
  {
    MmTensor *x[2];
    x[0] = random_uniform_tensor (rand, 4, (gsize[]) { 2, 2, 3, 3 }, -1, 1);
    x[1] = random_uniform_tensor (rand, 3, (gsize[]) { 2, 3, 12 }, -1, 1);
    gradcheck ("AttentionApply", 2, x, build_attention_apply, NULL, rand);
    mm_tensor_unref (x[0]);
    mm_tensor_unref (x[1]);
  }
}

static MmNode *
build_affine (MmNode * const *x,
              gconstpointer   data,
              GError        **error)
{
  MmNode *y = mm_affine_new (x[0], x[1], GPOINTER_TO_INT (data) ? x[2] : NULL, error);

  return y;
}

/* Affine (X · Wᵀ + b, the linear layers inside the attention and the block)
 * on a sequence and on a matrix, with and without its bias; and against
 * TensorDot(X, Transpose(W)) + Broadcast(b), the same thing in small steps. */
static void
test_affine (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (26);
  g_autoptr(GError) error = NULL;

  for (guint bias = 0; bias < 2; bias++)
    {
      MmTensor *x[3];
      g_autofree char *what = g_strdup_printf ("Affine%s", bias ? "" : " without bias");

      x[0] = random_uniform_tensor (rand, 3, (gsize[]) { 2, 3, 4 }, -1.5, 1.5);
      x[1] = random_uniform_tensor (rand, 2, (gsize[]) { 5, 4 }, -1, 1);
      x[2] = random_uniform_tensor (rand, 1, (gsize[]) { 5 }, -1, 1);
      gradcheck (what, bias ? 3 : 2, x, build_affine, GINT_TO_POINTER (bias), rand);
      for (guint j = 0; j < 3; j++)
        mm_tensor_unref (x[j]);
    }
  {
    g_autoptr(MmTensor) xt = random_uniform_tensor (rand, 3, (gsize[]) { 3, 4, 6 }, -1, 1);
    g_autoptr(MmTensor) wt = random_uniform_tensor (rand, 2, (gsize[]) { 7, 6 }, -1, 1);
    g_autoptr(MmTensor) bt = random_uniform_tensor (rand, 1, (gsize[]) { 7 }, -1, 1);
    g_autoptr(MmNode) x = mm_constant_new (xt);
    g_autoptr(MmNode) w = mm_constant_new (wt);
    g_autoptr(MmNode) b = mm_constant_new (bt);
    g_autoptr(MmNode) y = mm_affine_new (x, w, b, &error);
    g_autoptr(MmNode) w_t = mm_transpose_new (w, &error);
    g_autoptr(MmNode) xw = mm_tensordot_new (x, w_t, 1, &error);
    g_autoptr(MmNode) bb = mm_broadcast_new (b, 2, (gsize[]) { 3, 4 }, &error);
    g_autoptr(MmNode) ref = mm_binary_new (MM_OP_ADD, xw, bb, &error);
    const MmTensor *v = mm_node_get_value (y), *r = mm_node_get_value (ref);

    g_assert_no_error (error);
    g_assert_true (mm_node_is_affine (y));
    g_assert_true (mm_tensor_same_shape (v, r));
    for (gsize i = 0; i < v->size; i++)
      g_assert_cmpfloat (fabs (v->data[i] - r->data[i]), <=, 1e-5 * (1 + fabs (r->data[i])));
  }
  {
    g_autoptr(MmTensor) xt = mm_tensor_new_dims (3, (gsize[]) { 2, 3, 4 }, NULL);
    g_autoptr(MmTensor) wt = mm_tensor_new_dims (2, (gsize[]) { 5, 4 }, NULL);
    g_autoptr(MmTensor) w3 = mm_tensor_new_dims (2, (gsize[]) { 4, 5 }, NULL);
    g_autoptr(MmTensor) v4 = mm_tensor_new_dims (1, (gsize[]) { 4 }, NULL);
    g_autoptr(MmNode) x = mm_constant_new (xt);
    g_autoptr(MmNode) w = mm_constant_new (wt);
    g_autoptr(MmNode) wrong = mm_constant_new (w3);
    g_autoptr(MmNode) b4 = mm_constant_new (v4);
    GError *err = NULL;

    g_assert_null (mm_affine_new (x, wrong, NULL, &err));
    g_assert_nonnull (strstr (err->message, "expects 5 input features (the last axis), but the input has shape (2, 3, 4)"));
    g_clear_error (&err);
    g_assert_null (mm_affine_new (x, w, b4, &err));
    g_assert_nonnull (strstr (err->message, "bias must have shape (5,)"));
    g_clear_error (&err);
    g_assert_null (mm_affine_new (x, b4, NULL, &err));
    g_assert_nonnull (strstr (err->message, "weight matrix of shape (out, in)"));
    g_clear_error (&err);
  }
}

/* A whole network by finite differences: x and every parameter. */
static void
test_gradcheck_modules (void)
{
  static const char *const models[] = {
    "TransformerBlock(4, 2, 6, 1)",
    "PositionalEncoding(4); MultiheadAttention(4, 2); LayerNorm(4)",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (23);

  for (guint k = 0; k < G_N_ELEMENTS (models); k++)
    gradcheck_model (models[k], 3, (gsize[]) { 2, 3, 4 }, rand);
}

/* ---- the attention maps of a network ------------------------------------- */

/* Every block's map is found, labelled by its layer, of shape (batch, heads,
 * time, time), its rows sum to 1, and a causal map is 0 above the diagonal. */
static void
test_attention_maps (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = mm_module_parse ("PositionalEncoding(8); TransformerBlock(8, 2, 0, 1); "
                                               "TransformerBlock(8, 4); MultiheadAttention(8, 1, 1)", &error);
  g_autoptr(GArray) specs = NULL;
  g_autoptr(MmParams) params = NULL;
  g_autoptr(GHashTable) nodes = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (24);
  g_autoptr(MmTensor) xt = random_uniform_tensor (rand, 3, (gsize[]) { 3, 7, 8 }, -1, 1);
  g_autoptr(MmNode) y = NULL;
  g_autoptr(GPtrArray) maps = NULL;
  static const char *const labels[] = { "1.self_attn.attn_weights", "2.self_attn.attn_weights", "3.attn_weights" };
  static const guint heads[] = { 2, 4, 1 };
  static const gboolean causal[] = { TRUE, FALSE, TRUE };

  g_assert_no_error (error);
  specs = mm_module_get_params (model);
  params = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 5, &error);
  g_assert_no_error (error);
  nodes = mm_module_make_param_nodes (params);
  y = mm_module_construct_tensor (model, xt, nodes, &error);
  g_assert_no_error (error);
  maps = mm_attention_collect_weights (y);
  g_assert_cmpuint (maps->len, ==, 3);
  for (guint k = 0; k < maps->len; k++)
    {
      MmNode *m = g_ptr_array_index (maps, k);
      const MmTensor *p = mm_node_get_value (m);
      const MmShape *s = mm_node_get_shape (m);
      gsize above = 0;

      g_assert_cmpstr (mm_node_get_label (m), ==, labels[k]);
      g_assert_cmpuint (mm_attention_weights_get_heads (m), ==, heads[k]);
      g_assert_cmpuint (s->ndim, ==, 4);
      g_assert_cmpuint (s->dim[0], ==, 3);
      g_assert_cmpuint (s->dim[1], ==, heads[k]);
      g_assert_cmpuint (s->dim[2], ==, 7);
      g_assert_cmpuint (s->dim[3], ==, 7);
      for (gsize r = 0; r < p->size / 7; r++)
        {
          double sum = 0.0;
          gsize i = r % 7;
          for (gsize j = 0; j < 7; j++)
            {
              float v = p->data[r * 7 + j];
              g_assert_cmpfloat (v, >=, 0.0f);
              sum += v;
              if (j > i && v > 0.0f)
                above++;
            }
          g_assert_cmpfloat (fabs (sum - 1.0), <, 1e-5);
        }
      /* Without the mask, weights above the diagonal are positive. */
      if (causal[k])
        g_assert_cmpuint (above, ==, 0);
      else
        g_assert_cmpuint (above, ==, 3 * heads[k] * 21);
    }
  {
    /* The first position of a causal map sees only itself. */
    const MmTensor *p = mm_node_get_value (g_ptr_array_index (maps, 0));
    g_assert_cmpfloat (p->data[0], ==, 1.0f);
  }
}

/* A causal network's output at position t does not depend on later ones. */
static void
test_causal_ignores_future (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = mm_module_parse ("PositionalEncoding(8); TransformerBlock(8, 2, 16, 1); "
                                               "TransformerBlock(8, 4, 0, 1)", &error);
  g_autoptr(GArray) specs = mm_module_get_params (model);
  g_autoptr(MmParams) params = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 6, &error);
  g_autoptr(GRand) rand = g_rand_new_with_seed (25);
  g_autoptr(MmTensor) a = random_uniform_tensor (rand, 3, (gsize[]) { 2, 6, 8 }, -1, 1);
  g_autoptr(MmTensor) b = mm_tensor_copy (a);
  g_autoptr(MmTensor) ya = NULL;
  g_autoptr(MmTensor) yb = NULL;

  g_assert_no_error (error);
  /* Change the last two positions of every sample. */
  for (gsize n = 0; n < 2; n++)
    for (gsize t = 4; t < 6; t++)
      for (gsize f = 0; f < 8; f++)
        b->data[(n * 6 + t) * 8 + f] += 0.5f;
  ya = mm_module_predict (model, params, a, &error);
  g_assert_no_error (error);
  yb = mm_module_predict (model, params, b, &error);
  g_assert_no_error (error);
  for (gsize n = 0; n < 2; n++)
    for (gsize t = 0; t < 6; t++)
      for (gsize f = 0; f < 8; f++)
        {
          gsize i = (n * 6 + t) * 8 + f;
          if (t < 4)
            g_assert_cmpfloat (ya->data[i], ==, yb->data[i]);
          else
            g_assert_cmpfloat (ya->data[i], !=, yb->data[i]);
        }
}

/* ---- the text form ------------------------------------------------------- */

static void
test_text_form (void)
{
  static const struct {
    const char *in, *out;
  } cases[] = {
    { "LayerNorm(64)", "LayerNorm(64)" },
    { "layernorm(3)", "LayerNorm(3)" },
    { "MultiheadAttention(64, 4)", "MultiheadAttention(64, 4)" },
    { "MultiheadAttention(64, 4, 0)", "MultiheadAttention(64, 4)" },
    { "MultiheadAttention(64, 4, 1)", "MultiheadAttention(64, 4, 1)" },
    { "PositionalEncoding(64)", "PositionalEncoding(64)" },
    { "PositionalEncoding(64, 0)", "PositionalEncoding(64)" },
    { "PositionalEncoding(64, 512)", "PositionalEncoding(64, 512)" },
    { "TransformerBlock(64, 4)", "TransformerBlock(64, 4)" },
    { "TransformerBlock(64, 4, 256)", "TransformerBlock(64, 4)" },
    { "TransformerBlock(64, 4, 0, 1)", "TransformerBlock(64, 4, 256, 1)" },
    { "TransformerBlock(64, 4, 100)", "TransformerBlock(64, 4, 100)" },
    { "TransformerBlock(64, 8, 128, 0)", "TransformerBlock(64, 8, 128)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MmModule) m = mm_module_parse (cases[i].in, &error);
      g_autofree char *s = NULL;
      g_autoptr(MmModule) again = NULL;
      g_autofree char *s2 = NULL;

      g_assert_no_error (error);
      s = mm_module_to_string (m);
      g_assert_cmpstr (s, ==, cases[i].out);
      again = mm_module_parse (s, &error);
      g_assert_no_error (error);
      s2 = mm_module_to_string (again);
      g_assert_cmpstr (s2, ==, s);
    }

  /* The settings read back through the getters. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(MmModule) block = mm_module_transformer_block_new (32, 4, 0, TRUE, &error);
    g_autoptr(MmModule) mha = mm_module_multihead_attention_new (12, 3, FALSE, &error);
    g_autoptr(MmModule) pe = mm_module_positional_encoding_new (6, 0, &error);
    g_autoptr(MmModule) ln = mm_module_layer_norm_new (5, &error);
    gsize d = 0, h = 0, f = 0;
    gboolean c = FALSE;

    g_assert_no_error (error);
    g_assert_true (mm_module_get_transformer_block (block, &d, &h, &f, &c));
    g_assert_true (d == 32 && h == 4 && f == 128 && c);
    g_assert_false (mm_module_get_transformer_block (mha, NULL, NULL, NULL, NULL));
    g_assert_true (mm_module_get_multihead_attention (mha, &d, &h, &c));
    g_assert_true (d == 12 && h == 3 && !c);
    g_assert_true (mm_module_get_positional_encoding (pe, &d, &f));
    g_assert_true (d == 6 && f == 5000);
    g_assert_true (mm_module_get_layer_norm (ln, &d));
    g_assert_cmpuint (d, ==, 5);
    g_assert_false (mm_module_get_layer_norm (pe, NULL));
    /* PyTorch's parameter count: 4·D² + 4·D (attention) + 2·D·F + F + D (MLP) + 4·D (norms). */
    g_assert_cmpuint (mm_module_count_params (block), ==, 4 * 32 * 32 + 4 * 32 + 2 * 32 * 128 + 128 + 32 + 4 * 32);
    g_assert_cmpuint (mm_module_count_params (pe), ==, 0);
  }
}

/* LayerNorm starts as the identity normalisation (γ = 1, β = 0); attention's
 * biases start at 0, its weights random (Xavier over (3·D, D) for in_proj). */
static void
test_init (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = mm_module_parse ("TransformerBlock(16, 4)", &error);
  g_autoptr(GArray) specs = mm_module_get_params (model);
  g_autoptr(MmParams) p = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 7, &error);
  MmTensor *t;
  double bound = sqrt (6.0 / (16 + 48));

  g_assert_no_error (error);
  t = mm_params_lookup (p, "0.norm1.weight");
  for (gsize i = 0; i < t->size; i++)
    g_assert_cmpfloat (t->data[i], ==, 1.0f);
  t = mm_params_lookup (p, "0.norm2.bias");
  for (gsize i = 0; i < t->size; i++)
    g_assert_cmpfloat (t->data[i], ==, 0.0f);
  t = mm_params_lookup (p, "0.self_attn.in_proj_bias");
  for (gsize i = 0; i < t->size; i++)
    g_assert_cmpfloat (t->data[i], ==, 0.0f);
  t = mm_params_lookup (p, "0.self_attn.in_proj_weight");
  g_assert_cmpfloat (mm_tensor_max_abs (t), <=, bound);
  g_assert_cmpfloat (mm_tensor_max_abs (t), >, 0.5 * bound);
}

/* ---- mistakes ------------------------------------------------------------ */

static void
test_node_errors (void)
{
  g_autoptr(MmTensor) x3 = mm_tensor_new_dims (3, (gsize[]) { 2, 4, 8 }, NULL);
  g_autoptr(MmTensor) qkv_t = mm_tensor_new_dims (3, (gsize[]) { 2, 4, 24 }, NULL);
  g_autoptr(MmTensor) not3 = mm_tensor_new_dims (3, (gsize[]) { 2, 4, 10 }, NULL);
  g_autoptr(MmTensor) flat = mm_tensor_new_dims (2, (gsize[]) { 2, 24 }, NULL);
  g_autoptr(MmTensor) v8 = mm_tensor_new_dims (1, (gsize[]) { 8 }, NULL);
  g_autoptr(MmTensor) v7 = mm_tensor_new_dims (1, (gsize[]) { 7 }, NULL);
  g_autoptr(MmTensor) p_t = mm_tensor_new_dims (4, (gsize[]) { 2, 2, 4, 4 }, NULL);
  g_autoptr(MmTensor) p_long = mm_tensor_new_dims (4, (gsize[]) { 2, 2, 5, 5 }, NULL);
  g_autoptr(MmTensor) p_rect = mm_tensor_new_dims (4, (gsize[]) { 2, 2, 4, 3 }, NULL);
  g_autoptr(MmTensor) p_3heads = mm_tensor_new_dims (4, (gsize[]) { 2, 3, 4, 4 }, NULL);
  g_autoptr(MmNode) x = mm_constant_new (x3);
  g_autoptr(MmNode) qkv = mm_constant_new (qkv_t);
  g_autoptr(MmNode) bad_qkv = mm_constant_new (not3);
  g_autoptr(MmNode) xf = mm_constant_new (flat);
  g_autoptr(MmNode) g8 = mm_constant_new (v8);
  g_autoptr(MmNode) g7 = mm_constant_new (v7);
  g_autoptr(MmNode) p = mm_constant_new (p_t);
  g_autoptr(MmNode) pl = mm_constant_new (p_long);
  g_autoptr(MmNode) pr = mm_constant_new (p_rect);
  g_autoptr(MmNode) p3 = mm_constant_new (p_3heads);
  GError *error = NULL;

  fx_expect_error (mm_layer_norm_new (x, g7, g8, 1e-5, &error), &error, "scale γ (weight) must have shape (8,)");
  fx_expect_error (mm_layer_norm_new (x, g8, g7, 1e-5, &error), &error, "shift β (bias) must have shape (8,)");
  fx_expect_error (mm_layer_norm_new (x, g8, g8, 0.0, &error), &error, "eps must be a positive number");
  fx_expect_error (mm_layer_norm_new (x, g8, g8, NAN, &error), &error, "eps");

  fx_expect_error (mm_attention_weights_new (xf, 2, FALSE, &error), &error, "shape (batch, time, 3·features)");
  fx_expect_error (mm_attention_weights_new (bad_qkv, 1, FALSE, &error), &error, "positive multiple of 3");
  fx_expect_error (mm_attention_weights_new (qkv, 3, FALSE, &error), &error,
                "8 features cannot be split into 3 heads");
  fx_expect_error (mm_attention_weights_new (qkv, 0, FALSE, &error), &error, "into 0 heads");
  fx_expect_error (mm_attention_apply_new (x, qkv, &error), &error, "(batch, heads, time, time)");
  fx_expect_error (mm_attention_apply_new (pr, qkv, &error), &error, "(batch, heads, time, time)");
  fx_expect_error (mm_attention_apply_new (pl, qkv, &error), &error, "batch and time must agree");
  fx_expect_error (mm_attention_apply_new (p3, qkv, &error), &error, "8 features cannot be split into 3 heads");
  fx_expect_error (mm_attention_apply_new (p, bad_qkv, &error), &error, "positive multiple of 3");
  {
    g_autoptr(MmNode) ok = mm_attention_apply_new (p, qkv, &error);
    g_assert_no_error (error);
    g_assert_nonnull (ok);
  }
}

static void
test_module_errors (void)
{
  static const struct {
    const char *text, *fragment;
  } bad_text[] = {
    { "MultiheadAttention(10, 3)", "Layer 0: MultiheadAttention(10, 3): 10 features cannot be split into 3 heads" },
    { "TransformerBlock(6, 4)", "6 features cannot be split into 4 heads" },
    { "MultiheadAttention(8, 0)", "the number of heads must be between 1" },
    { "MultiheadAttention(0, 1)", "the number of features must be between 1" },
    { "MultiheadAttention(8)", "MultiheadAttention needs whole numbers" },
    { "MultiheadAttention(8, 2, 2)", "optionally 1 for a causal mask" },
    { "MultiheadAttention(8, 2.5)", "MultiheadAttention needs whole numbers" },
    { "MultiheadAttention(8, 2, 1, 1)", "MultiheadAttention needs whole numbers" },
    { "LayerNorm", "LayerNorm needs one whole number" },
    { "LayerNorm(4, 5)", "LayerNorm needs one whole number" },
    { "LayerNorm(0)", "LayerNorm: the number of features must be between 1" },
    { "LayerNorm(-3)", "LayerNorm needs one whole number" },
    { "PositionalEncoding()", "PositionalEncoding needs whole numbers" },
    { "PositionalEncoding(8, 99999999999)", "longest sequence must be between 1" },
    { "TransformerBlock(8)", "TransformerBlock needs whole numbers" },
    { "TransformerBlock(8, 2, 16, 3)", "1 for a causal mask" },
    { "TransformerBlock(8, 2, 99999999999)", "the width of the MLP must be between 1" },
  };
  static const struct {
    const char *model;
    gsize shape[3];
    guint ndim;
    const char *fragment;
  } bad_input[] = {
    { "MultiheadAttention(8, 2)", { 2, 4, 7 }, 3,
      "Layer 0 (MultiheadAttention(8, 2)): expects 8 features (the last axis), but receives shape (2, 4, 7)" },
    { "MultiheadAttention(8, 2)", { 2, 8 }, 2, "needs a sequence of shape (batch, time, 8), but receives shape (2, 8)" },
    { "TransformerBlock(8, 2)", { 2, 4, 6 }, 3, "Layer 0 (TransformerBlock(8, 2)): expects 8 features" },
    { "LayerNorm(8); TransformerBlock(6, 2)", { 2, 4, 8 }, 3, "Layer 1 (TransformerBlock(6, 2)): expects 6 features" },
    { "LayerNorm(5)", { 2, 4, 8 }, 3, "Layer 0 (LayerNorm(5)): normalises 5 features (the last axis), but receives shape (2, 4, 8)" },
    { "PositionalEncoding(8, 3)", { 2, 4, 8 }, 3, "encodes at most 3 positions, but receives a sequence of shape (2, 4, 8)" },
    { "PositionalEncoding(8)", { 2, 4, 6 }, 3, "expects 8 features" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad_text); i++)
    {
      GError *error = NULL;
      fx_expect_error (mm_module_parse (bad_text[i].text, &error), &error, bad_text[i].fragment);
    }
  {
    GError *error = NULL;
    fx_expect_error (mm_module_multihead_attention_new (12, 5, FALSE, &error), &error,
                  "12 features cannot be split into 5 heads");
    fx_expect_error (mm_module_transformer_block_new (12, 5, 0, FALSE, &error), &error,
                  "TransformerBlock(12, 5): 12 features cannot be split into 5 heads");
    fx_expect_error (mm_module_layer_norm_new (0, &error), &error, "LayerNorm");
    fx_expect_error (mm_module_positional_encoding_new (0, 10, &error), &error, "PositionalEncoding");
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

  /* A parameter of the wrong shape (say, our Linear's (in, out) layout
   * where PyTorch's (out, in) is expected) is named. */
  {
    GError *error = NULL;
    g_autoptr(MmModule) model = mm_module_parse ("TransformerBlock(8, 2, 16)", &error);
    g_autoptr(GArray) specs = mm_module_get_params (model);
    g_autoptr(MmParams) params = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 1, &error);
    g_autoptr(MmTensor) wrong = mm_tensor_new_dims (2, (gsize[]) { 8, 16 }, NULL);
    g_autoptr(MmTensor) xt = mm_tensor_new_dims (3, (gsize[]) { 1, 3, 8 }, NULL);
    g_autoptr(GHashTable) nodes = NULL;

    g_assert_no_error (error);
    mm_params_set (params, "0.linear1.weight", wrong);
    nodes = mm_module_make_param_nodes (params);
    fx_expect_error (mm_module_construct_tensor (model, xt, nodes, &error), &error,
                  "The parameter 0.linear1.weight should have shape (16, 8), but its value has shape (8, 16)");
    g_hash_table_remove (nodes, "0.self_attn.out_proj.bias");
    fx_expect_error (mm_module_construct_tensor (model, xt, nodes, &error), &error,
                  "No value was given for the parameter");
  }
}

int
main (int argc, char **argv)
{
  g_autofree char *path = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  path = g_test_build_filename (G_TEST_DIST, "fixtures", "attn.txt", NULL);
  fixture_cases = fx_load (path, NULL, &load_error);

  g_test_add_func ("/attention/load", test_load);
  if (fixture_cases != NULL)
    for (guint i = 0; i < fixture_cases->len; i++)
      {
        const FxCase *fc = g_ptr_array_index (fixture_cases, i);
        g_autofree char *test_path = g_strconcat ("/attention/fixtures/", fc->path, NULL);
        g_test_add_data_func (test_path, fc, strcmp (fc->op, "Module") == 0 ? test_module_case : test_node_case);
      }
  g_test_add_func ("/attention/gradcheck/layer-norm", test_gradcheck_layer_norm);
  g_test_add_func ("/attention/gradcheck/attention", test_gradcheck_attention);
  g_test_add_func ("/attention/gradcheck/modules", test_gradcheck_modules);
  g_test_add_func ("/attention/affine", test_affine);
  g_test_add_func ("/attention/maps", test_attention_maps);
  g_test_add_func ("/attention/causal-ignores-future", test_causal_ignores_future);
  g_test_add_func ("/attention/text-form", test_text_form);
  g_test_add_func ("/attention/init", test_init);
  g_test_add_func ("/attention/errors/nodes", test_node_errors);
  g_test_add_func ("/attention/errors/modules", test_module_errors);

  ret = g_test_run ();
  fx_print_worst ();
  g_clear_pointer (&fixture_cases, g_ptr_array_unref);
  g_clear_error (&load_error);
  return ret;
}
