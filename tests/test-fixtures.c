/* test-fixtures.c — the core engine against PyTorch.
 *
 * tests/fixtures/core.txt holds, for every node type and elementwise op, some
 * float32 inputs, an upstream gradient, and the value and gradients PyTorch
 * computed from them in float64 (tests/gen-fixtures.py describes the format).
 * Each case of the file becomes one g_test case here: the same graph is built
 * with the C API and its value and gradients must agree with the reference to
 * |got − ref| ≤ 1e-5·|ref| + 1e-6·(1 + max|ref|).
 *
 * Why those tolerances: the engine computes in float32, whose rounding unit is
 * 6e-8; a few roundings per number (or a float32 dot product of a few dozen
 * terms) stay well below 1e-5 relative. The absolute term, scaled by the
 * largest reference number of the tensor, covers results that cancel to near
 * zero (1 − tanh² x in float32, a sum of terms of both signs), whose relative
 * error is meaningless. A wrong rule (a sign, a missing factor, a transposed
 * operand) is off by far more.
 *
 * A missing, truncated or malformed fixture file fails the /fixtures/load
 * case; it never skips.
 */
#include <myml.h>
#include "fixture-reader.h"
#include <math.h>
#include <string.h>

#define RTOL 1e-5
#define ATOL_SCALE 1e-6

/* The roles of core.txt's tensors. */
static const char *const fixture_roles[] = { "input", "value", "upstream", "grad", NULL };

/* ---- case access --------------------------------------------------------- */

static const char *
param_str (const FxCase *fc,
           const char   *key)
{
  GStrv v = g_hash_table_lookup (fc->params, key);
  return v != NULL && v[0] != NULL ? v[0] : NULL;
}

static guint
param_uint (const FxCase *fc,
            const char   *key)
{
  const char *s = param_str (fc, key);
  guint64 v = 0;

  g_assert_nonnull (s);
  g_assert_true (fx_parse_uint (s, G_MAXUINT32, &v));
  return (guint) v;
}

static float
param_float (const FxCase *fc,
             const char   *key)
{
  const char *s = param_str (fc, key);
  float v = 0.0f;

  g_assert_nonnull (s);
  g_assert_true (fx_parse_float (s, &v));
  return v;
}

/* A list of unsigned numbers (possibly empty). */
static guint
param_uints (const FxCase *fc,
             const char   *key,
             gsize        *out,
             guint         max)
{
  GStrv v = g_hash_table_lookup (fc->params, key);
  guint n;

  g_assert_nonnull (v);
  n = g_strv_length (v);
  g_assert_cmpuint (n, <=, max);
  for (guint i = 0; i < n; i++)
    {
      guint64 x;
      g_assert_true (fx_parse_uint (v[i], G_MAXUINT32, &x));
      out[i] = x;
    }
  return n;
}

/* ---- building the graph --------------------------------------------------- */

/* Adds @node (owned) to @nodes as @name and returns it, or fails the test. */
static MmNode *
put (GHashTable *nodes,
     const char *name,
     MmNode     *node,
     GError     *error)
{
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_false (g_hash_table_contains (nodes, name));
  g_hash_table_insert (nodes, g_strdup (name), node);
  return node;
}

#define NODE(name) ((MmNode *) g_hash_table_lookup (nodes, (name)))

static MmOp
fixture_op (const FxCase *fc)
{
  const char *kind_name = param_str (fc, "kind");
  guint arity = param_uint (fc, "arity");
  MmOpKind kind;

  g_assert_nonnull (kind_name);
  g_assert_true (mm_op_kind_from_name (kind_name, &kind));
  switch (kind)
    {
    case MM_OP_ADD:
      return mm_op_add (arity);
    case MM_OP_MUL:
      return mm_op_mul (arity);
    case MM_OP_SUB:
    case MM_OP_DIV:
      return mm_op_binary (kind);
    case MM_OP_POW:
      return mm_op_pow (param_float (fc, "c"));
    case MM_OP_LEAKY_RELU:
      return mm_op_leaky_relu (param_float (fc, "c"));
    case MM_OP_SCALE:
      return mm_op_scale (param_float (fc, "c"));
    default:
      return mm_op_unary (kind);
    }
}

static void
build_readme (const FxCase *fc,
              GHashTable   *nodes)
{
  GError *error = NULL;
  MmNode *A = NODE ("A"), *B = NODE ("B");
  MmNode *AB, *AB_sum, *A_sin, *crazy_1, *crazy_2;

  g_assert_nonnull (A);
  g_assert_nonnull (B);
  AB = put (nodes, "AB", mm_tensordot_new (A, B, 1, &error), error);
  AB_sum = put (nodes, "AB_sum", mm_sum_new (AB, 1, &error), error);
  A_sin = put (nodes, "A_sin", mm_unary_new (MM_OP_SIN, A, &error), error);
  crazy_1 = put (nodes, "crazy_1",
                 mm_elementwise_new (mm_op_add (3), 3, (MmNode *[]) { A, B, AB_sum }, &error), error);
  crazy_2 = put (nodes, "crazy_2",
                 mm_elementwise_new (mm_op_mul (2), 2, (MmNode *[]) { A_sin, crazy_1 }, &error), error);
  put (nodes, "crazy_sum", mm_sum_new (crazy_2, 3, &error), error);
}

static void
build_mlp (const FxCase *fc,
           GHashTable   *nodes)
{
  GError *error = NULL;
  MmNode *x = NODE ("x"), *W1 = NODE ("W1"), *b1 = NODE ("b1");
  MmNode *W2 = NODE ("W2"), *b2 = NODE ("b2"), *T = NODE ("T");
  MmNode *xw, *b1b, *pre, *h, *hw, *b2b, *z, *lsm, *picked, *total;
  gsize batch;

  g_assert_true (x && W1 && b1 && W2 && b2 && T);
  batch = mm_node_get_shape (x)->dim[0];
  xw = put (nodes, "xW1", mm_tensordot_new (x, W1, 1, &error), error);
  b1b = put (nodes, "b1b", mm_broadcast_new (b1, 1, &batch, &error), error);
  pre = put (nodes, "pre", mm_binary_new (MM_OP_ADD, xw, b1b, &error), error);
  h = put (nodes, "h", mm_unary_new (MM_OP_RELU, pre, &error), error);
  hw = put (nodes, "hW2", mm_tensordot_new (h, W2, 1, &error), error);
  b2b = put (nodes, "b2b", mm_broadcast_new (b2, 1, &batch, &error), error);
  z = put (nodes, "z", mm_binary_new (MM_OP_ADD, hw, b2b, &error), error);
  lsm = put (nodes, "lsm", mm_log_softmax_new (z, &error), error);
  picked = put (nodes, "picked", mm_binary_new (MM_OP_MUL, lsm, T, &error), error);
  total = put (nodes, "total", mm_sum_new (picked, 2, &error), error);
  put (nodes, "loss", mm_elementwise_new (mm_op_scale (param_float (fc, "scale")), 1, &total, &error),
       error);
}

/* Builds the case's graph into @nodes (name → node); returns the root. */
static MmNode *
build_graph (const FxCase *fc,
             GHashTable   *nodes)
{
  GError *error = NULL;
  g_autoptr(GPtrArray) in = g_ptr_array_new ();
  const char *op = fc->op;
  MmNode *y = NULL;

  for (guint i = 0; i < fc->tensors->len; i++)
    {
      const FxTensor *t = g_ptr_array_index (fc->tensors, i);
      if (strcmp (t->role, "input") == 0)
        g_ptr_array_add (in, put (nodes, t->name, mm_constant_new_labelled (t->tensor, t->name), NULL));
    }
  g_assert_cmpuint (in->len, >=, 1);

  if (strcmp (op, "Readme") == 0)
    {
      build_readme (fc, nodes);
      return NODE (param_str (fc, "root"));
    }
  if (strcmp (op, "MLP") == 0)
    {
      build_mlp (fc, nodes);
      return NODE ("loss");
    }

  if (strcmp (op, "Elementwise") == 0)
    y = mm_elementwise_new (fixture_op (fc), in->len, (MmNode **) in->pdata, &error);
  else if (strcmp (op, "TensorDot") == 0)
    {
      g_assert_cmpuint (in->len, ==, 2);
      y = mm_tensordot_new (in->pdata[0], in->pdata[1], param_uint (fc, "d"), &error);
    }
  else if (strcmp (op, "Sum") == 0)
    y = mm_sum_new (in->pdata[0], param_uint (fc, "d"), &error);
  else if (strcmp (op, "Reshape") == 0)
    {
      gsize dims[MM_MAX_DIMS];
      guint n = param_uints (fc, "shape", dims, MM_MAX_DIMS);
      MmShape shape;

      g_assert_true (mm_shape_init (&shape, n, dims, NULL));
      y = mm_reshape_new (in->pdata[0], &shape, &error);
    }
  else if (strcmp (op, "Permute") == 0)
    {
      gsize p[MM_MAX_DIMS];
      guint perm[MM_MAX_DIMS];
      guint n = param_uints (fc, "perm", p, MM_MAX_DIMS);

      for (guint i = 0; i < n; i++)
        perm[i] = (guint) p[i];
      y = mm_permute_new (in->pdata[0], n, perm, &error);
    }
  else if (strcmp (op, "Transpose") == 0)
    y = mm_transpose_new (in->pdata[0], &error);
  else if (strcmp (op, "Broadcast") == 0)
    {
      gsize lead[MM_MAX_DIMS];
      guint n = param_uints (fc, "lead", lead, MM_MAX_DIMS);
      y = mm_broadcast_new (in->pdata[0], n, lead, &error);
    }
  else if (strcmp (op, "Softmax") == 0)
    y = mm_softmax_new (in->pdata[0], &error);
  else if (strcmp (op, "LogSoftmax") == 0)
    y = mm_log_softmax_new (in->pdata[0], &error);
  else
    g_error ("case %s (line %u): unknown op “%s”", fc->path, fc->line, op);

  return put (nodes, "y", y, error);
}

/* ---- comparing ------------------------------------------------------------ */

typedef struct {
  double worst_ratio;      /* largest |got − ref| / tolerance */
  char *worst_where;
  double max_abs;          /* largest |got − ref| */
  char *max_abs_where;
  double max_rel;          /* largest |got − ref| / |ref| where |ref| > atol */
  char *max_rel_where;
} Worst;

static Worst overall;

static void
worst_clear (Worst *w)
{
  g_clear_pointer (&w->worst_where, g_free);
  g_clear_pointer (&w->max_abs_where, g_free);
  g_clear_pointer (&w->max_rel_where, g_free);
}

/* Keeps the worse of each figure, naming the case it came from. */
static void
worst_merge (Worst       *into,
             const Worst *w,
             const char  *path)
{
  if (w->worst_ratio > into->worst_ratio || into->worst_where == NULL)
    {
      into->worst_ratio = w->worst_ratio;
      g_free (into->worst_where);
      into->worst_where = g_strdup_printf ("%s, %s", path, w->worst_where);
    }
  if (w->max_rel > into->max_rel || into->max_rel_where == NULL)
    {
      into->max_rel = w->max_rel;
      g_free (into->max_rel_where);
      into->max_rel_where = g_strdup_printf ("%s, %s", path, w->max_rel_where);
    }
  if (w->max_abs > into->max_abs || into->max_abs_where == NULL)
    {
      into->max_abs = w->max_abs;
      g_free (into->max_abs_where);
      into->max_abs_where = g_strdup_printf ("%s, %s", path, w->max_abs_where);
    }
}

/* Compares @got with @ref; returns FALSE (and sets *failure) on the first
 * number out of tolerance. */
static gboolean
check_close (const char      *what,
             const MmTensor  *got,
             const MmTensor  *ref,
             Worst           *w,
             char           **failure)
{
  double atol = ATOL_SCALE * (1.0 + mm_tensor_max_abs (ref));

  if (!mm_tensor_same_shape (got, ref))
    {
      g_autofree char *sg = mm_tensor_shape_string (got);
      g_autofree char *sr = mm_tensor_shape_string (ref);
      *failure = g_strdup_printf ("%s: shape %s, PyTorch has %s", what, sg, sr);
      return FALSE;
    }
  for (gsize i = 0; i < ref->size; i++)
    {
      double r = ref->data[i], g = got->data[i];
      double diff = fabs (g - r);
      double tol = RTOL * fabs (r) + atol;

      if (!(diff <= tol))
        {
          *failure = g_strdup_printf ("%s[%" G_GSIZE_FORMAT "] = %.9g, PyTorch says %.9g "
                                      "(difference %.3g, tolerance %.3g)",
                                      what, i, g, r, diff, tol);
          return FALSE;
        }
      if (diff / tol > w->worst_ratio || w->worst_where == NULL)
        {
          w->worst_ratio = diff / tol;
          g_free (w->worst_where);
          w->worst_where = g_strdup_printf ("%s[%" G_GSIZE_FORMAT "]: %.9g vs %.9g",
                                            what, i, g, r);
        }
      if (diff > w->max_abs || w->max_abs_where == NULL)
        {
          w->max_abs = diff;
          g_free (w->max_abs_where);
          w->max_abs_where = g_strdup_printf ("%s[%" G_GSIZE_FORMAT "] = %.9g", what, i, r);
        }
      if (fabs (r) > atol && (diff / fabs (r) > w->max_rel || w->max_rel_where == NULL))
        {
          w->max_rel = diff / fabs (r);
          g_free (w->max_rel_where);
          w->max_rel_where = g_strdup_printf ("%s[%" G_GSIZE_FORMAT "] = %.9g", what, i, r);
        }
    }
  return TRUE;
}

static void
test_case (gconstpointer data)
{
  const FxCase *fc = data;
  g_autoptr(GHashTable) nodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) mm_node_unref);
  g_autoptr(GPtrArray) targets = g_ptr_array_new ();
  g_autoptr(GPtrArray) refs = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree MmTensor **grads = NULL;
  g_autofree char *failure = NULL;
  const FxTensor *up = fx_find_tensor (fc, "upstream", NULL);
  Worst w = { 0 };
  MmNode *root;

  g_test_message ("%s (fixture line %u)", fc->path, fc->line);
  root = build_graph (fc, nodes);
  g_assert_nonnull (root);

  /* The values: the root's and, for whole graphs, the intermediate ones. */
  for (guint i = 0; i < fc->tensors->len && failure == NULL; i++)
    {
      const FxTensor *t = g_ptr_array_index (fc->tensors, i);
      g_autofree char *what = NULL;
      MmNode *node;

      if (strcmp (t->role, "value") != 0)
        continue;
      node = NODE (t->name);
      g_assert_nonnull (node);
      what = g_strdup_printf ("value of %s", t->name);
      check_close (what, mm_node_get_value (node), t->tensor, &w, &failure);
    }

  /* The gradients of the root against the inputs listed. */
  for (guint i = 0; i < fc->tensors->len; i++)
    {
      const FxTensor *t = g_ptr_array_index (fc->tensors, i);
      if (strcmp (t->role, "grad") == 0)
        {
          g_assert_nonnull (NODE (t->name));
          g_assert_true (mm_node_is_constant (NODE (t->name)));
          g_ptr_array_add (targets, NODE (t->name));
          g_ptr_array_add (refs, (gpointer) t);
        }
    }
  g_assert_cmpuint (targets->len, >=, 1);
  grads = g_new0 (MmTensor *, targets->len);
  g_assert_true (mm_node_get_gradients_against (root, targets->len, (MmNode **) targets->pdata,
                                                up ? up->tensor : NULL, grads, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < targets->len; i++)
    {
      const FxTensor *t = g_ptr_array_index (refs, i);
      g_autofree char *what = g_strdup_printf ("grad %s", t->name);

      if (failure == NULL)
        check_close (what, grads[i], t->tensor, &w, &failure);
      mm_tensor_unref (grads[i]);
    }

  if (failure != NULL)
    g_test_fail_printf ("%s: %s", fc->path, failure);
  else
    g_test_message ("worst: %.3f of the tolerance at %s; max abs error %.3g; max rel error %.3g",
                    w.worst_ratio, w.worst_where ? w.worst_where : "-", w.max_abs, w.max_rel);
  if (failure == NULL)
    worst_merge (&overall, &w, fc->path);
  worst_clear (&w);
}

/* ---- the file as a whole --------------------------------------------------- */

static GPtrArray *fixture_cases;
static GError *load_error;

/* The file must be there, parse, and cover every node type and op. */
static void
test_load (void)
{
  static const char *const node_types[] = {
    "Elementwise", "TensorDot", "Sum", "Reshape", "Permute", "Transpose",
    "Broadcast", "Softmax", "LogSoftmax", "Readme", "MLP",
  };
  gboolean kind_seen[MM_N_OPS] = { FALSE };
  gboolean td_seen[4] = { FALSE }, sum_seen[4] = { FALSE };

  g_assert_no_error (load_error);
  g_assert_nonnull (fixture_cases);
  g_test_message ("%u fixture cases", fixture_cases->len);

  for (guint t = 0; t < G_N_ELEMENTS (node_types); t++)
    {
      gboolean found = FALSE;
      for (guint i = 0; i < fixture_cases->len && !found; i++)
        found = strcmp (((FxCase *) g_ptr_array_index (fixture_cases, i))->op, node_types[t]) == 0;
      if (!found)
        g_test_fail_printf ("no fixture case for %s", node_types[t]);
    }
  for (guint i = 0; i < fixture_cases->len; i++)
    {
      const FxCase *fc = g_ptr_array_index (fixture_cases, i);
      MmOpKind kind;

      if (strcmp (fc->op, "Elementwise") == 0 && mm_op_kind_from_name (param_str (fc, "kind"), &kind))
        kind_seen[kind] = TRUE;
      else if (strcmp (fc->op, "TensorDot") == 0 && param_uint (fc, "d") < 4)
        td_seen[param_uint (fc, "d")] = TRUE;
      else if (strcmp (fc->op, "Sum") == 0 && param_uint (fc, "d") < 4)
        sum_seen[param_uint (fc, "d")] = TRUE;
    }
  for (guint k = 0; k < MM_N_OPS; k++)
    if (!kind_seen[k])
      g_test_fail_printf ("no fixture case for the elementwise op %s", mm_op_kind_name (k));
  for (guint d = 0; d < 4; d++)
    {
      if (!td_seen[d])
        g_test_fail_printf ("no fixture case for TensorDot d=%u", d);
      if (!sum_seen[d])
        g_test_fail_printf ("no fixture case for Sum d=%u", d);
    }
}

/* The loader must refuse what it cannot trust rather than test less. */
static void
test_parser_rejects (void)
{
  static const struct {
    const char *text;
    const char *fragment;
  } bad[] = {
    { "", "no cases" },
    { "case a\nop Sum\nend\n", "format 1" },
    { "format 1\n", "no cases" },
    { "format 1\ncase a\nop Sum\ntensor input x 1 2 : 1 2\n", "truncated" },
    { "format 1\ncase a\nop Sum\ntensor input x 1 3 : 1 2\nend\n", "needs 3 values" },
    { "format 1\ncase a\nop Sum\ntensor input x 1 2 : 1 zz\nend\n", "not a finite number" },
    { "format 1\ncase a\nop Sum\ntensor input x 1 2 : 1 nan\nend\n", "not a finite number" },
    { "format 1\ncase a\nop Sum\ntensor input x 1 2 : 1 1e39\nend\n", "not a finite number" },
    { "format 1\ncase a\nop Sum\ntensor bogus x 1 2 : 1 2\nend\n", "expected “tensor" },
    { "format 1\ncase a\nop Sum\ntensor input x 2 2 : 1 2\nend\n", "expected “tensor" },
    { "format 1\ncase a\nop Sum\nend\n", "no op or no tensors" },
    { "format 1\ncase a\ncase b\n", "missing “end”" },
    { "format 1\nop Sum\n", "outside a case" },
    { "format 1\ncase a\nop Sum\nfrobnicate\nend\n", "unexpected" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      GPtrArray *cases = fx_parse (bad[i].text, fixture_roles, &error);

      g_assert_null (cases);
      g_assert_error (error, MM_ERROR, MM_ERROR_FORMAT);
      if (strstr (error->message, bad[i].fragment) == NULL)
        g_error ("bad fixture %u: message “%s” lacks “%s”", i, error->message, bad[i].fragment);
    }

  /* …and a missing file is an error too, not an empty test run. */
  g_autoptr(GError) error = NULL;
  g_assert_null (fx_load ("/nonexistent/core.txt", fixture_roles, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

static void
test_summary (void)
{
  g_assert_nonnull (fixture_cases);
  g_test_message ("over all %u cases: worst %.3f of the tolerance at %s", fixture_cases->len,
                  overall.worst_ratio, overall.worst_where ? overall.worst_where : "-");
  g_test_message ("largest absolute error %.3g at %s", overall.max_abs,
                  overall.max_abs_where ? overall.max_abs_where : "-");
  g_test_message ("largest relative error %.3g (numbers above the absolute tolerance) at %s",
                  overall.max_rel, overall.max_rel_where ? overall.max_rel_where : "-");
}

int
main (int argc, char **argv)
{
  g_autofree char *path = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  path = g_test_build_filename (G_TEST_DIST, "fixtures", "core.txt", NULL);
  fixture_cases = fx_load (path, fixture_roles, &load_error);

  g_test_add_func ("/load", test_load);
  g_test_add_func ("/parser-rejects-malformed", test_parser_rejects);
  if (fixture_cases != NULL)
    for (guint i = 0; i < fixture_cases->len; i++)
      {
        const FxCase *fc = g_ptr_array_index (fixture_cases, i);
        g_autofree char *test_path = g_strconcat ("/fixtures/", fc->path, NULL);
        g_test_add_data_func (test_path, fc, test_case);
      }
  g_test_add_func ("/summary/worst-error", test_summary);

  ret = g_test_run ();

  g_clear_pointer (&fixture_cases, g_ptr_array_unref);
  g_clear_error (&load_error);
  worst_clear (&overall);
  return ret;
}
