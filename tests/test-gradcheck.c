/* test-gradcheck.c — gradients against central finite differences, and the
 * properties of the reverse sweep itself (shared nodes, unreached targets,
 * stepping and seeking, very deep graphs).
 *
 * The finite differences: for a graph y = f(x₁, …) and random weights W of
 * y's shape, the scalar L = Σ W ⊙ y is accumulated in double from the float32
 * values of y; its exact gradient against xᵢ is what the engine returns for
 * the upstream gradient W. Numerically, ∂L/∂x[k] ≈ (L(x[k] + h) − L(x[k] − h)) / 2h.
 *
 * Choice of h and tolerance for float32: the numerical derivative has two
 * errors. Truncation, h²/6 · |f'''|, wants h small; rounding wants h large:
 * each y that depends on x[k] carries a float32 rounding error of about
 * 1e-7 · |y| (the others are computed by the very same operations in both
 * evaluations and cancel exactly), and the difference quotient divides it by
 * 2h. With h = 3e-3 · max(1, |x|) the truncation term is ≈ 1.5e-6 · |f'''|
 * and the rounding term ≈ 2e-5 · |y|, so on the moderate domains used here (no
 * number closer than 0.2 to a kink or a pole) the numerical derivative is good
 * to ~1e-4 of the gradient's scale (h = 1e-2 lets truncation dominate in the
 * MLP graph, h = 1e-3 rounding; 3e-3 measured best). The tolerance,
 * 2e-3 · |∂L/∂x[k]| +
 * 1e-3 · (1 + max |∂L/∂x|), leaves a wide margin above that and is still far
 * below what a wrong rule produces (a sign or a factor of 2 is an error of
 * 100 % or more). The step is rounded so that x ± h are floats and the actual
 * distance between them is used as the denominator.
 */
#include <myml.h>
#include "gradcheck-util.h"
#include <math.h>
#include <pthread.h>
#include <string.h>

typedef enum {
  DOM_ANY,        /* uniform in [−2, 2] */
  DOM_POSITIVE,   /* uniform in [0.5, 3]: Log, Sqrt, non-integer powers */
  DOM_AWAY,       /* |x| in [0.2, 2], either sign: kinks and denominators */
} Domain;

static MmTensor *
random_tensor (GRand       *rand,
               guint        ndim,
               const gsize *dims,
               Domain       domain)
{
  g_autoptr(GError) error = NULL;
  MmTensor *t = mm_tensor_new_dims (ndim, dims, &error);

  g_assert_no_error (error);
  for (gsize i = 0; i < t->size; i++)
    {
      switch (domain)
        {
        case DOM_ANY:
          t->data[i] = (float) g_rand_double_range (rand, -2.0, 2.0);
          break;
        case DOM_POSITIVE:
          t->data[i] = (float) g_rand_double_range (rand, 0.5, 3.0);
          break;
        case DOM_AWAY:
          t->data[i] = (float) (g_rand_double_range (rand, 0.2, 2.0) * (g_rand_boolean (rand) ? 1 : -1));
          break;
        }
    }
  return t;
}

/* ---- elementwise ops ------------------------------------------------------ */

typedef struct {
  const char *name;
  MmOp op;
  Domain domain[3];
} EwSpec;

static const EwSpec ew_specs[] = {
  { "Add1", { MM_OP_ADD, 1, 0 }, { DOM_ANY } },
  { "Add2", { MM_OP_ADD, 2, 0 }, { DOM_ANY, DOM_ANY } },
  { "Add3", { MM_OP_ADD, 3, 0 }, { DOM_ANY, DOM_ANY, DOM_ANY } },
  { "Mul2", { MM_OP_MUL, 2, 0 }, { DOM_ANY, DOM_ANY } },
  { "Mul3", { MM_OP_MUL, 3, 0 }, { DOM_ANY, DOM_ANY, DOM_ANY } },
  { "Sub", { MM_OP_SUB, 2, 0 }, { DOM_ANY, DOM_ANY } },
  { "Div", { MM_OP_DIV, 2, 0 }, { DOM_ANY, DOM_AWAY } },
  { "Neg", { MM_OP_NEG, 1, 0 }, { DOM_ANY } },
  { "Sin", { MM_OP_SIN, 1, 0 }, { DOM_ANY } },
  { "Cos", { MM_OP_COS, 1, 0 }, { DOM_ANY } },
  { "Exp", { MM_OP_EXP, 1, 0 }, { DOM_ANY } },
  { "Log", { MM_OP_LOG, 1, 0 }, { DOM_POSITIVE } },
  { "Sqrt", { MM_OP_SQRT, 1, 0 }, { DOM_POSITIVE } },
  { "Square", { MM_OP_SQUARE, 1, 0 }, { DOM_ANY } },
  { "Abs", { MM_OP_ABS, 1, 0 }, { DOM_AWAY } },
  { "Pow0", { MM_OP_POW, 1, 0.0f }, { DOM_ANY } },
  { "Pow2", { MM_OP_POW, 1, 2.0f }, { DOM_ANY } },
  { "Pow3", { MM_OP_POW, 1, 3.0f }, { DOM_ANY } },
  { "Pow0.5", { MM_OP_POW, 1, 0.5f }, { DOM_POSITIVE } },
  { "Pow-1.5", { MM_OP_POW, 1, -1.5f }, { DOM_POSITIVE } },
  { "Pow2.5", { MM_OP_POW, 1, 2.5f }, { DOM_POSITIVE } },
  { "ReLU", { MM_OP_RELU, 1, 0 }, { DOM_AWAY } },
  { "LeakyReLU0.01", { MM_OP_LEAKY_RELU, 1, 0.01f }, { DOM_AWAY } },
  { "LeakyReLU0.3", { MM_OP_LEAKY_RELU, 1, 0.3f }, { DOM_AWAY } },
  { "Sigmoid", { MM_OP_SIGMOID, 1, 0 }, { DOM_ANY } },
  { "Tanh", { MM_OP_TANH, 1, 0 }, { DOM_ANY } },
  { "Softplus", { MM_OP_SOFTPLUS, 1, 0 }, { DOM_ANY } },
  { "Scale2.5", { MM_OP_SCALE, 1, 2.5f }, { DOM_ANY } },
  { "Scale-0.75", { MM_OP_SCALE, 1, -0.75f }, { DOM_ANY } },
};

static MmNode *
build_elementwise (MmNode * const *x,
                   gconstpointer   data,
                   GError        **error)
{
  const EwSpec *spec = data;
  return mm_elementwise_new (spec->op, spec->op.arity, x, error);
}

static void
test_elementwise (gconstpointer data)
{
  const EwSpec *spec = data;
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_str_hash (spec->name));
  static const gsize shapes[][2] = { { 2, 3 }, { 1, 4 } };
  MmTensor *x[3] = { NULL };

  /* Every op is tried on a matrix, a matrix with a size-1 axis and a 0-d scalar. */
  for (guint s = 0; s <= G_N_ELEMENTS (shapes); s++)
    {
      g_autofree char *what = NULL;
      g_autofree char *shape = NULL;

      for (guint i = 0; i < spec->op.arity; i++)
        x[i] = s < G_N_ELEMENTS (shapes) ? random_tensor (rand, 2, shapes[s], spec->domain[i])
                                         : random_tensor (rand, 0, NULL, spec->domain[i]);
      shape = mm_tensor_shape_string (x[0]);
      what = g_strdup_printf ("%s of shape %s", spec->name, shape);
      gradcheck (what, spec->op.arity, x, build_elementwise, spec, rand);
      for (guint i = 0; i < spec->op.arity; i++)
        g_clear_pointer (&x[i], mm_tensor_unref);
    }
}

/* ---- the other node types --------------------------------------------------- */

static MmNode *
build_tensordot (MmNode * const *x,
                 gconstpointer   data,
                 GError        **error)
{
  return mm_tensordot_new (x[0], x[1], GPOINTER_TO_UINT (data), error);
}

static void
test_tensordot (void)
{
  static const struct {
    guint d, na, nb;
    gsize a[4], b[4];
  } cases[] = {
    { 0, 0, 0, { 0 }, { 0 } },
    { 0, 1, 2, { 3 }, { 2, 2 } },
    { 1, 1, 1, { 4 }, { 4 } },
    { 1, 2, 2, { 2, 3 }, { 3, 4 } },
    { 1, 3, 2, { 2, 1, 3 }, { 3, 2 } },
    { 2, 3, 3, { 2, 3, 2 }, { 3, 2, 2 } },
    { 2, 2, 2, { 1, 4 }, { 1, 4 } },
    { 3, 3, 4, { 2, 1, 3 }, { 2, 1, 3, 2 } },
    { 3, 4, 3, { 2, 2, 1, 2 }, { 2, 1, 2 } },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (101);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      MmTensor *x[2] = {
        random_tensor (rand, cases[c].na, cases[c].a, DOM_ANY),
        random_tensor (rand, cases[c].nb, cases[c].b, DOM_ANY),
      };
      g_autofree char *sa = mm_tensor_shape_string (x[0]);
      g_autofree char *sb = mm_tensor_shape_string (x[1]);
      g_autofree char *what = g_strdup_printf ("TensorDot d=%u of %s and %s", cases[c].d, sa, sb);

      gradcheck (what, 2, x, build_tensordot, GUINT_TO_POINTER (cases[c].d), rand);
      mm_tensor_unref (x[0]);
      mm_tensor_unref (x[1]);
    }
}

static MmNode *
build_sum (MmNode * const *x,
           gconstpointer   data,
           GError        **error)
{
  return mm_sum_new (x[0], GPOINTER_TO_UINT (data), error);
}

static void
test_sum (void)
{
  static const gsize shapes[][3] = { { 2, 3, 2 }, { 1, 4, 1 }, { 3, 1, 2 } };
  g_autoptr(GRand) rand = g_rand_new_with_seed (102);

  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (guint d = 0; d <= 3; d++)
      {
        g_autoptr(MmTensor) x = random_tensor (rand, 3, shapes[s], DOM_ANY);
        g_autofree char *sx = mm_tensor_shape_string (x);
        g_autofree char *what = g_strdup_printf ("Sum d=%u of shape %s", d, sx);
        gradcheck (what, 1, &x, build_sum, GUINT_TO_POINTER (d), rand);
      }
  /* A 0-d tensor summed over nothing. */
  g_autoptr(MmTensor) x = random_tensor (rand, 0, NULL, DOM_ANY);
  gradcheck ("Sum d=0 of a scalar", 1, &x, build_sum, GUINT_TO_POINTER (0), rand);
}

static MmNode *
build_reshape (MmNode * const *x,
               gconstpointer   data,
               GError        **error)
{
  return mm_reshape_new (x[0], data, error);
}

static MmNode *
build_flatten (MmNode * const *x,
               gconstpointer   data,
               GError        **error)
{
  return mm_flatten_new (x[0], error);
}

typedef struct {
  guint n;
  guint perm[MM_MAX_DIMS];
} Perm;

static MmNode *
build_permute (MmNode * const *x,
               gconstpointer   data,
               GError        **error)
{
  const Perm *p = data;
  return mm_permute_new (x[0], p->n, p->perm, error);
}

static MmNode *
build_transpose (MmNode * const *x,
                 gconstpointer   data,
                 GError        **error)
{
  return mm_transpose_new (x[0], error);
}

static MmNode *
build_broadcast (MmNode * const *x,
                 gconstpointer   data,
                 GError        **error)
{
  const MmShape *lead = data;
  return mm_broadcast_new (x[0], lead->ndim, lead->dim, error);
}

static void
test_shape_ops (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (103);
  g_autoptr(MmTensor) x = random_tensor (rand, 3, (gsize[]) { 2, 3, 2 }, DOM_ANY);
  g_autoptr(MmTensor) s = random_tensor (rand, 0, NULL, DOM_ANY);
  MmShape shape, lead;
  const Perm perm = { 3, { 2, 0, 1 } };
  const Perm perm2 = { 3, { 1, 0, 2 } };

  g_assert_true (mm_shape_init (&shape, 2, (gsize[]) { 4, 3 }, NULL));
  gradcheck ("Reshape", 1, &x, build_reshape, &shape, rand);
  gradcheck ("Flatten", 1, &x, build_flatten, NULL, rand);
  g_assert_true (mm_shape_init (&shape, 3, (gsize[]) { 1, 1, 1 }, NULL));
  gradcheck ("Reshape of a scalar", 1, &s, build_reshape, &shape, rand);
  gradcheck ("Permute (2, 0, 1)", 1, &x, build_permute, &perm, rand);
  gradcheck ("Permute (1, 0, 2)", 1, &x, build_permute, &perm2, rand);
  gradcheck ("Transpose", 1, &x, build_transpose, NULL, rand);
  g_assert_true (mm_shape_init (&lead, 2, (gsize[]) { 3, 1 }, NULL));
  gradcheck ("Broadcast", 1, &x, build_broadcast, &lead, rand);
  g_assert_true (mm_shape_init (&lead, 1, (gsize[]) { 4 }, NULL));
  gradcheck ("Broadcast of a scalar", 1, &s, build_broadcast, &lead, rand);
}

static MmNode *
build_softmax (MmNode * const *x,
               gconstpointer   data,
               GError        **error)
{
  return data ? mm_log_softmax_new (x[0], error) : mm_softmax_new (x[0], error);
}

static void
test_softmax (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (104);
  static const gsize shapes[][3] = { { 2, 3, 4 }, { 3, 1, 1 }, { 1, 1, 5 } };

  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      g_autoptr(MmTensor) x = random_tensor (rand, 3, shapes[s], DOM_ANY);
      gradcheck ("Softmax", 1, &x, build_softmax, NULL, rand);
      gradcheck ("LogSoftmax", 1, &x, build_softmax, GINT_TO_POINTER (1), rand);
    }
}

/* ---- whole graphs ----------------------------------------------------------- */

/* The seed's README example: crazy_sum (or crazy_2 when @data is set). */
static MmNode *
build_readme (MmNode * const *x,
              gconstpointer   data,
              GError        **error)
{
  MmNode *A = x[0], *B = x[1];
  g_autoptr(MmNode) AB = mm_tensordot_new (A, B, 1, error);
  g_autoptr(MmNode) AB_sum = mm_sum_new (AB, 1, error);
  g_autoptr(MmNode) A_sin = mm_unary_new (MM_OP_SIN, A, error);
  g_autoptr(MmNode) crazy_1 = mm_elementwise_new (mm_op_add (3), 3, (MmNode *[]) { A, B, AB_sum }, error);
  g_autoptr(MmNode) crazy_2 = mm_elementwise_new (mm_op_mul (2), 2, (MmNode *[]) { A_sin, crazy_1 }, error);

  if (data != NULL)
    return g_steal_pointer (&crazy_2);
  return mm_sum_new (crazy_2, 3, error);
}

/* A two-layer perceptron (tanh, so no kink), bias broadcast, mean NLL. */
static MmNode *
build_mlp (MmNode * const *x,
           gconstpointer   data,
           GError        **error)
{
  gsize batch = mm_node_get_shape (x[0])->dim[0];
  g_autoptr(MmNode) xw = mm_tensordot_new (x[0], x[1], 1, error);
  g_autoptr(MmNode) b1 = mm_broadcast_new (x[2], 1, &batch, error);
  g_autoptr(MmNode) pre = mm_binary_new (MM_OP_ADD, xw, b1, error);
  g_autoptr(MmNode) h = mm_unary_new (MM_OP_TANH, pre, error);
  g_autoptr(MmNode) hw = mm_tensordot_new (h, x[3], 1, error);
  g_autoptr(MmNode) b2 = mm_broadcast_new (x[4], 1, &batch, error);
  g_autoptr(MmNode) z = mm_binary_new (MM_OP_ADD, hw, b2, error);
  g_autoptr(MmNode) lsm = mm_log_softmax_new (z, error);
  g_autoptr(MmNode) picked = mm_binary_new (MM_OP_MUL, lsm, x[5], error);
  g_autoptr(MmNode) total = mm_sum_all_new (picked);

  return mm_elementwise_new (mm_op_scale (-1.0f / (float) batch), 1, &total, error);
}

/* x used many times, on several paths: every use must add its share. */
static MmNode *
build_diamond (MmNode * const *x,
               gconstpointer   data,
               GError        **error)
{
  MmNode *X = x[0];
  g_autoptr(MmNode) s = mm_unary_new (MM_OP_SIN, X, error);
  g_autoptr(MmNode) xx = mm_binary_new (MM_OP_ADD, X, X, error);
  g_autoptr(MmNode) m = mm_elementwise_new (mm_op_mul (3), 3, (MmNode *[]) { X, s, xx }, error);
  g_autoptr(MmNode) t = mm_transpose_new (X, error);
  g_autoptr(MmNode) xt = mm_tensordot_new (X, t, 1, error);
  g_autoptr(MmNode) xx2 = mm_tensordot_new (X, X, 2, error);
  g_autoptr(MmNode) xx2b = mm_broadcast_new (xx2, 2, mm_node_get_shape (X)->dim, error);

  return mm_elementwise_new (mm_op_add (3), 3, (MmNode *[]) { m, xt, xx2b }, error);
}

/* Reshapes show their input's numbers without copying, and pass the gradient
 * back the same way: a chain of them, each result used more than once, must
 * still add up every contribution without writing into a shared buffer. */
static MmNode *
build_views (MmNode * const *x,
             gconstpointer   data,
             GError        **error)
{
  MmNode *X = x[0];
  MmShape s34, s12, s26;
  g_autoptr(MmNode) r1 = NULL, r2 = NULL, r3 = NULL, s = NULL, m = NULL;

  g_assert_true (mm_shape_init (&s34, 2, (gsize[]) { 3, 4 }, NULL));
  g_assert_true (mm_shape_init (&s12, 1, (gsize[]) { 12 }, NULL));
  s26 = *mm_node_get_shape (X);
  r1 = mm_reshape_new (X, &s34, error);
  r2 = mm_reshape_new (r1, &s12, error);
  r3 = mm_reshape_new (r2, &s26, error);
  s = mm_unary_new (MM_OP_SIN, r3, error);
  m = mm_elementwise_new (mm_op_mul (3), 3, (MmNode *[]) { X, r3, s }, error);
  return mm_elementwise_new (mm_op_add (3), 3, (MmNode *[]) { m, r3, X }, error);
}

static MmTensor *
one_hot_rows (gsize  rows,
              gsize  cols,
              GRand *rand)
{
  MmTensor *t = mm_tensor_new_dims (2, (gsize[]) { rows, cols }, NULL);
  for (gsize r = 0; r < rows; r++)
    t->data[r * cols + g_rand_int_range (rand, 0, (gint32) cols)] = 1.0f;
  return t;
}

static void
test_graphs (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (105);
  const gsize cube[] = { 3, 3, 3 };
  MmTensor *ab[2] = { random_tensor (rand, 3, cube, DOM_ANY), random_tensor (rand, 3, cube, DOM_ANY) };
  MmTensor *mlp[6] = {
    random_tensor (rand, 2, (gsize[]) { 4, 3 }, DOM_ANY),
    random_tensor (rand, 2, (gsize[]) { 3, 5 }, DOM_ANY),
    random_tensor (rand, 1, (gsize[]) { 5 }, DOM_ANY),
    random_tensor (rand, 2, (gsize[]) { 5, 3 }, DOM_ANY),
    random_tensor (rand, 1, (gsize[]) { 3 }, DOM_ANY),
    one_hot_rows (4, 3, rand),
  };
  g_autoptr(MmTensor) sq = random_tensor (rand, 2, (gsize[]) { 3, 3 }, DOM_ANY);

  gradcheck ("README crazy_sum", 2, ab, build_readme, NULL, rand);
  gradcheck ("README crazy_2", 2, ab, build_readme, GINT_TO_POINTER (1), rand);
  gradcheck ("MLP", 6, mlp, build_mlp, NULL, rand);
  gradcheck ("x used on many paths", 1, &sq, build_diamond, NULL, rand);
  g_autoptr(MmTensor) wide = random_tensor (rand, 2, (gsize[]) { 2, 6 }, DOM_ANY);
  gradcheck ("chained reshapes used many times", 1, &wide, build_views, NULL, rand);
  for (guint i = 0; i < G_N_ELEMENTS (ab); i++)
    mm_tensor_unref (ab[i]);
  for (guint i = 0; i < G_N_ELEMENTS (mlp); i++)
    mm_tensor_unref (mlp[i]);
}

/* ---- properties of the sweep ------------------------------------------------ */

static gboolean
bit_equal (const MmTensor *a,
           const MmTensor *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return mm_tensor_same_shape (a, b) && memcmp (a->data, b->data, a->size * sizeof (float)) == 0;
}

/* A node used several times gets the sum of what each use passes back, and the
 * step says which contributions were added to an earlier one. */
static void
test_shared_node_sums (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (106);
  g_autoptr(MmTensor) xv = random_tensor (rand, 2, (gsize[]) { 2, 3 }, DOM_ANY);
  g_autoptr(MmTensor) g = random_tensor (rand, 2, (gsize[]) { 2, 3 }, DOM_ANY);
  g_autoptr(MmNode) x = mm_constant_new (xv);
  g_autoptr(MmNode) add3 = mm_elementwise_new (mm_op_add (3), 3, (MmNode *[]) { x, x, x }, &error);
  g_autoptr(MmNode) sq = mm_binary_new (MM_OP_MUL, x, x, &error);
  g_autoptr(MmNode) s = mm_unary_new (MM_OP_SIN, x, &error);
  g_autoptr(MmNode) c = mm_unary_new (MM_OP_COS, x, &error);
  g_autoptr(MmNode) sc = mm_binary_new (MM_OP_ADD, s, c, &error);
  MmTensor *grad = NULL;

  g_assert_no_error (error);

  /* Add(3)(x, x, x): G + G + G, which in float is exactly fl(3G). */
  g_assert_true (mm_node_get_gradients_against (add3, 1, &x, g, &grad, &error));
  for (gsize i = 0; i < g->size; i++)
    g_assert_cmpfloat (grad->data[i], ==, 3.0f * g->data[i]);
  g_clear_pointer (&grad, mm_tensor_unref);

  /* Mul(2)(x, x): G·x from each use, summed: exactly 2·fl(G·x). */
  g_assert_true (mm_node_get_gradients_against (sq, 1, &x, g, &grad, &error));
  for (gsize i = 0; i < g->size; i++)
    g_assert_cmpfloat (grad->data[i], ==, 2.0f * (g->data[i] * xv->data[i]));
  g_clear_pointer (&grad, mm_tensor_unref);

  /* sin x + cos x: two nodes use x; the second contribution is added to the first. */
  g_assert_true (mm_node_get_gradients_against (sc, 1, &x, g, &grad, &error));
  for (gsize i = 0; i < g->size; i++)
    {
      double expected = g->data[i] * (cos (xv->data[i]) - sin (xv->data[i]));
      g_assert_cmpfloat_with_epsilon (grad->data[i], expected, 1e-5 * (1.0 + fabs (expected)));
    }
  g_clear_pointer (&grad, mm_tensor_unref);

  g_autoptr(MmBackward) bw = mm_backward_new (sc, g, 1, &x, MM_BACKWARD_KEEP_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_backward_get_n_consumers (bw, x), ==, 2);
  guint arrivals = 0, added = 0;
  while (mm_backward_step (bw))
    {
      const MmBackwardStep *step = mm_backward_get_step (bw);
      for (guint i = 0; i < step->n_inputs; i++)
        if (mm_node_get_input (step->node, i) == x)
          {
            g_assert_nonnull (step->contributions[i]);
            arrivals++;
            added += step->accumulated[i] ? 1 : 0;
          }
    }
  g_assert_cmpuint (arrivals, ==, 2);
  g_assert_cmpuint (added, ==, 1);

  /* Add(3)(x, x, x) in steps: the first use starts the sum, the other two add to it. */
  g_autoptr(MmBackward) bw3 = mm_backward_new (add3, g, 1, &x, MM_BACKWARD_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (mm_backward_step (bw3));
  const MmBackwardStep *step = mm_backward_get_step (bw3);
  g_assert_true (step->node == add3);
  g_assert_cmpuint (step->n_inputs, ==, 3);
  g_assert_false (step->accumulated[0]);
  g_assert_true (step->accumulated[1]);
  g_assert_true (step->accumulated[2]);
}

/* Targets the root does not depend on get zeros of their own shape. */
static void
test_unreached_constant (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (107);
  g_autoptr(MmTensor) av = random_tensor (rand, 1, (gsize[]) { 3 }, DOM_ANY);
  g_autoptr(MmTensor) cv = random_tensor (rand, 2, (gsize[]) { 2, 2 }, DOM_ANY);
  g_autoptr(MmTensor) dv = random_tensor (rand, 1, (gsize[]) { 3 }, DOM_ANY);
  g_autoptr(MmNode) a = mm_constant_new (av);
  g_autoptr(MmNode) c = mm_constant_new (cv);
  g_autoptr(MmNode) d = mm_constant_new (dv);
  g_autoptr(MmNode) y = mm_unary_new (MM_OP_SIN, a, &error);
  g_autoptr(MmNode) root = mm_sum_all_new (y);
  /* d feeds a node too, but one the root does not use. */
  g_autoptr(MmNode) other = mm_binary_new (MM_OP_MUL, a, d, &error);
  MmTensor *grads[3] = { NULL };

  g_assert_no_error (error);
  g_assert_true (mm_node_get_gradients_against (root, 3, (MmNode *[]) { c, a, d }, NULL, grads, &error));
  g_assert_no_error (error);
  g_assert_true (mm_tensor_same_shape (grads[0], cv));
  g_assert_true (mm_tensor_same_shape (grads[2], dv));
  for (gsize i = 0; i < grads[0]->size; i++)
    g_assert_cmpfloat (grads[0]->data[i], ==, 0.0f);
  for (gsize i = 0; i < grads[2]->size; i++)
    g_assert_cmpfloat (grads[2]->data[i], ==, 0.0f);
  for (gsize i = 0; i < grads[1]->size; i++)
    g_assert_cmpfloat_with_epsilon (grads[1]->data[i], cos (av->data[i]), 1e-6);
  for (guint i = 0; i < 3; i++)
    mm_tensor_unref (grads[i]);

  /* With only unreached targets there is nothing to visit. */
  g_autoptr(MmBackward) bw = mm_backward_new (root, NULL, 1, &c, MM_BACKWARD_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_backward_get_n_steps (bw), ==, 0);
  g_assert_true (mm_backward_is_done (bw));
  g_assert_false (mm_backward_step (bw));
  g_assert_null (mm_backward_get_step (bw));
  g_autoptr(MmTensor) z = mm_backward_dup_gradient (bw, c);
  g_assert_true (mm_tensor_same_shape (z, cv));
  g_assert_cmpfloat (mm_tensor_max_abs (z), ==, 0.0f);

  /* The root against itself is the upstream gradient, exactly. */
  g_autoptr(MmTensor) up = random_tensor (rand, 1, (gsize[]) { 3 }, DOM_ANY);
  MmTensor *gy = NULL;
  g_assert_true (mm_node_get_gradients_against (y, 1, &y, up, &gy, &error));
  g_assert_true (bit_equal (gy, up));
  mm_tensor_unref (gy);
}

typedef struct {
  MmNode *root;
  MmTensor *upstream;   /* NULL for a one-number root */
  guint n_targets;
  MmNode *targets[6];
  MmTensor *values[6];
} Graph;

static void
graph_clear (Graph *g)
{
  g_clear_pointer (&g->root, mm_node_unref);
  g_clear_pointer (&g->upstream, mm_tensor_unref);
  for (guint i = 0; i < g->n_targets; i++)
    {
      g_clear_pointer (&g->targets[i], mm_node_unref);
      g_clear_pointer (&g->values[i], mm_tensor_unref);
    }
}

/* The graphs the stepper is tried on: 0 = README crazy_sum, 1 = README
 * crazy_2 with an upstream gradient, 2 = the MLP, 3 = x on many paths,
 * 4 = chained reshapes. */
#define N_GRAPHS 5
static void
graph_init (Graph *g,
            guint  which,
            GRand *rand)
{
  g_autoptr(GError) error = NULL;
  const gsize cube[] = { 4, 4, 4 };

  memset (g, 0, sizeof *g);
  switch (which)
    {
    case 0:
    case 1:
      g->n_targets = 2;
      g->values[0] = random_tensor (rand, 3, cube, DOM_ANY);
      g->values[1] = random_tensor (rand, 3, cube, DOM_ANY);
      break;
    case 2:
      g->n_targets = 6;
      g->values[0] = random_tensor (rand, 2, (gsize[]) { 4, 3 }, DOM_ANY);
      g->values[1] = random_tensor (rand, 2, (gsize[]) { 3, 5 }, DOM_ANY);
      g->values[2] = random_tensor (rand, 1, (gsize[]) { 5 }, DOM_ANY);
      g->values[3] = random_tensor (rand, 2, (gsize[]) { 5, 3 }, DOM_ANY);
      g->values[4] = random_tensor (rand, 1, (gsize[]) { 3 }, DOM_ANY);
      g->values[5] = one_hot_rows (4, 3, rand);
      break;
    case 3:
      g->n_targets = 1;
      g->values[0] = random_tensor (rand, 2, (gsize[]) { 3, 3 }, DOM_ANY);
      break;
    default:
      g->n_targets = 1;
      g->values[0] = random_tensor (rand, 2, (gsize[]) { 2, 6 }, DOM_ANY);
      break;
    }
  for (guint i = 0; i < g->n_targets; i++)
    g->targets[i] = mm_constant_new (g->values[i]);
  g->root = which <= 1 ? build_readme (g->targets, which == 1 ? GINT_TO_POINTER (1) : NULL, &error)
          : which == 2 ? build_mlp (g->targets, NULL, &error)
          : which == 3 ? build_diamond (g->targets, NULL, &error)
          : build_views (g->targets, NULL, &error);
  g_assert_no_error (error);
  if (mm_shape_size (mm_node_get_shape (g->root)) != 1)
    {
      g->upstream = mm_tensor_new (mm_node_get_shape (g->root), NULL);
      mm_tensor_fill_normal (g->upstream, rand, 0.0f, 1.0f);
    }
}

/* Copies of the values of every node below @root, in mm_node_collect order. */
static GPtrArray *
snapshot_values (MmNode *root)
{
  g_autoptr(GPtrArray) nodes = mm_node_collect (root);
  GPtrArray *copies = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_tensor_unref);

  mm_node_get_value (root);
  for (guint i = 0; i < nodes->len; i++)
    g_ptr_array_add (copies, mm_tensor_copy (mm_node_get_value (g_ptr_array_index (nodes, i))));
  return copies;
}

/* Values never change once computed: no gradient may be written into a
 * buffer a value shares (reshapes are views, buffers are recycled). */
static void
assert_values_unchanged (MmNode    *root,
                         GPtrArray *copies)
{
  g_autoptr(GPtrArray) nodes = mm_node_collect (root);

  g_assert_cmpuint (nodes->len, ==, copies->len);
  for (guint i = 0; i < nodes->len; i++)
    g_assert_true (bit_equal (mm_node_get_value (g_ptr_array_index (nodes, i)),
                              g_ptr_array_index (copies, i)));
}

/* Walking the sweep node by node gives exactly what one call gives, and every
 * node's gradient is complete when it is visited. */
static void
test_stepper_matches_run (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (108);

  for (guint which = 0; which < N_GRAPHS; which++)
    for (guint keep = 0; keep < 2; keep++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(GHashTable) seen = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) mm_tensor_unref);
        MmTensor *ref[6] = { NULL };
        Graph g;
        guint pos = 0;

        graph_init (&g, which, rand);
        g_autoptr(GPtrArray) values = snapshot_values (g.root);
        g_autoptr(MmTensor) upstream = g.upstream ? mm_tensor_copy (g.upstream) : NULL;
        g_assert_true (mm_node_get_gradients_against (g.root, g.n_targets, g.targets, g.upstream, ref, &error));
        g_assert_no_error (error);

        g_autoptr(MmBackward) bw = mm_backward_new (g.root, g.upstream, g.n_targets, g.targets,
                                                    keep ? MM_BACKWARD_KEEP_ALL : MM_BACKWARD_DEFAULT, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (mm_backward_get_n_steps (bw), >=, 2);
        g_assert_true (mm_backward_get_node (bw, 0) == g.root);
        g_assert_null (mm_backward_get_step (bw));
        g_assert_false (mm_backward_is_done (bw));

        while (mm_backward_step (bw))
          {
            const MmBackwardStep *step = mm_backward_get_step (bw);

            g_assert_nonnull (step);
            g_assert_cmpuint (step->position, ==, pos);
            g_assert_true (step->node == mm_backward_get_node (bw, pos));
            g_assert_cmpuint (mm_backward_get_position (bw), ==, pos + 1);
            g_assert_true (mm_shape_equal (&step->grad->shape, mm_node_get_shape (step->node)));
            g_assert_cmpuint (step->n_inputs, ==, mm_node_get_n_inputs (step->node));
            for (guint i = 0; i < step->n_inputs; i++)
              if (step->contributions[i] != NULL)
                g_assert_true (mm_shape_equal (&step->contributions[i]->shape,
                                               mm_node_get_shape (mm_node_get_input (step->node, i))));
            g_assert_false (g_hash_table_contains (seen, step->node));
            g_hash_table_insert (seen, step->node, mm_tensor_copy (step->grad));
            pos++;
          }
        g_assert_cmpuint (pos, ==, mm_backward_get_n_steps (bw));
        g_assert_true (mm_backward_is_done (bw));
        g_assert_false (mm_backward_step (bw));

        for (guint i = 0; i < g.n_targets; i++)
          {
            g_autoptr(MmTensor) got = mm_backward_dup_gradient (bw, g.targets[i]);
            g_assert_true (bit_equal (got, ref[i]));
            /* Nothing reached a node after its visit. */
            g_assert_true (bit_equal (g_hash_table_lookup (seen, g.targets[i]), ref[i]));
            mm_tensor_unref (ref[i]);
          }
        if (keep)
          {
            GHashTableIter iter;
            gpointer node, grad;

            g_hash_table_iter_init (&iter, seen);
            while (g_hash_table_iter_next (&iter, &node, &grad))
              g_assert_true (bit_equal (mm_backward_get_gradient (bw, node), grad));
          }
        assert_values_unchanged (g.root, values);
        g_assert_true (bit_equal (g.upstream, upstream));
        graph_clear (&g);
      }
}

/* Seeking to any position, backwards or forwards, shows exactly the numbers
 * that stepping there showed the first time. */
static void
test_seek_replays (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (109);

  for (guint which = 0; which < N_GRAPHS; which++)
    {
      g_autoptr(GError) error = NULL;
      Graph g;
      guint n;

      graph_init (&g, which, rand);
      g_autoptr(GPtrArray) values = snapshot_values (g.root);
      g_autoptr(MmBackward) bw = mm_backward_new (g.root, g.upstream, 0, NULL, MM_BACKWARD_KEEP_ALL, &error);
      g_assert_no_error (error);
      n = mm_backward_get_n_steps (bw);

      /* snap[p * n + j]: the gradient of node j after p steps (NULL: none yet). */
      g_autoptr(GPtrArray) snap = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_tensor_unref);
      for (guint p = 0; p <= n; p++)
        {
          if (p > 0)
            g_assert_true (mm_backward_step (bw));
          for (guint j = 0; j < n; j++)
            {
              const MmTensor *t = mm_backward_get_gradient (bw, mm_backward_get_node (bw, j));
              g_ptr_array_add (snap, t ? mm_tensor_copy (t) : NULL);
            }
        }

      /* Every node is a target here, so the end state must match one call. */
      for (guint i = 0; i < g.n_targets; i++)
        {
          MmTensor *ref = NULL;
          g_assert_true (mm_node_get_gradients_against (g.root, 1, &g.targets[i], g.upstream, &ref, &error));
          g_autoptr(MmTensor) got = mm_backward_dup_gradient (bw, g.targets[i]);
          g_assert_true (bit_equal (got, ref));
          mm_tensor_unref (ref);
        }

      guint fixed[] = { 0, n, 1, n - 1, 2, 2, n / 2, 0, n, 3 };
      for (guint s = 0; s < G_N_ELEMENTS (fixed) + 40; s++)
        {
          guint p = s < G_N_ELEMENTS (fixed) ? MIN (fixed[s], n) : (guint) g_rand_int_range (rand, 0, (gint32) n + 1);
          const MmBackwardStep *step;

          mm_backward_seek (bw, p);
          g_assert_cmpuint (mm_backward_get_position (bw), ==, p);
          g_assert_true (mm_backward_is_done (bw) == (p == n));
          step = mm_backward_get_step (bw);
          if (p == 0)
            g_assert_null (step);
          else
            {
              g_assert_nonnull (step);
              g_assert_cmpuint (step->position, ==, p - 1);
              g_assert_true (step->node == mm_backward_get_node (bw, p - 1));
              /* The step's gradient is the node's complete one, as first seen. */
              g_assert_true (bit_equal (step->grad, g_ptr_array_index (snap, (gsize) n * n + (p - 1))));
            }
          for (guint j = 0; j < n; j++)
            g_assert_true (bit_equal (mm_backward_get_gradient (bw, mm_backward_get_node (bw, j)),
                                      g_ptr_array_index (snap, (gsize) p * n + j)));
        }
      /* Seeking past the end stops at the end. */
      mm_backward_seek (bw, n + 5);
      g_assert_cmpuint (mm_backward_get_position (bw), ==, n);
      assert_values_unchanged (g.root, values);
      graph_clear (&g);
    }
}

/* ---- a very deep graph ------------------------------------------------------ */

#define CHAIN_ADDS 50000
#define CHAIN_NEGS 50000

/* y = −(−(…(((x + 1) + 1) + 1)…)): 50 000 Adds of the constant `one`, then
 * 50 000 negations (an even number). So y = x + 50 000 exactly for small
 * integers x, ∂L/∂x = G, and `one`, used by every Add, gets 50 000 · G. */
static gpointer
deep_chain (gpointer data)
{
  g_autoptr(GError) error = NULL;
  const float xs[] = { 1, 2, -3 };
  const float gs[] = { 1, -0.5f, 2 };
  MmShape shape;
  g_autoptr(MmTensor) xv = NULL, onev = NULL, up = NULL;
  g_autoptr(MmNode) x = NULL, one = NULL;
  MmNode *y;
  MmTensor *grads[2] = { NULL };

  g_assert_true (mm_shape_init (&shape, 1, (gsize[]) { 3 }, NULL));
  xv = mm_tensor_new_from_data (&shape, xs, 3, NULL);
  up = mm_tensor_new_from_data (&shape, gs, 3, NULL);
  onev = mm_tensor_new_filled (&shape, 1.0f, NULL);
  x = mm_constant_new (xv);
  one = mm_constant_new (onev);

  y = mm_node_ref (x);
  for (guint i = 0; i < CHAIN_ADDS + CHAIN_NEGS; i++)
    {
      MmNode *next = i < CHAIN_ADDS ? mm_binary_new (MM_OP_ADD, y, one, &error)
                                    : mm_unary_new (MM_OP_NEG, y, &error);
      g_assert_no_error (error);
      mm_node_unref (y);
      y = next;
    }

  g_autoptr(GPtrArray) all = mm_node_collect (y);
  g_assert_cmpuint (all->len, ==, CHAIN_ADDS + CHAIN_NEGS + 2);
  g_clear_pointer (&all, g_ptr_array_unref);

  const MmTensor *v = mm_node_get_value (y);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat (v->data[i], ==, xs[i] + (float) CHAIN_ADDS);

  g_assert_true (mm_node_get_gradients_against (y, 2, (MmNode *[]) { x, one }, up, grads, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpfloat (grads[0]->data[i], ==, gs[i]);
      g_assert_cmpfloat (grads[1]->data[i], ==, gs[i] * (float) CHAIN_ADDS);
    }
  mm_tensor_unref (grads[0]);
  mm_tensor_unref (grads[1]);

  /* Dropping the root frees the whole chain, without recursion either. */
  mm_node_unref (y);
  return NULL;
}

static void
test_deep_chain (void)
{
  pthread_attr_t attr;
  pthread_t thread;

  /* A thread with a 1 MiB stack: a recursion over 100 000 nodes needs more
   * than 10 bytes per level, so any recursive walk of the graph (collecting,
   * evaluating, sweeping, freeing) would crash here rather than pass by luck
   * of a large main-thread stack. */
  g_assert_cmpint (pthread_attr_init (&attr), ==, 0);
  g_assert_cmpint (pthread_attr_setstacksize (&attr, 1 << 20), ==, 0);
  g_assert_cmpint (pthread_create (&thread, &attr, deep_chain, NULL), ==, 0);
  g_assert_cmpint (pthread_join (thread, NULL), ==, 0);
  pthread_attr_destroy (&attr);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (ew_specs); i++)
    {
      g_autofree char *path = g_strdup_printf ("/gradcheck/elementwise/%s", ew_specs[i].name);
      g_test_add_data_func (path, &ew_specs[i], test_elementwise);
    }
  g_test_add_func ("/gradcheck/tensordot", test_tensordot);
  g_test_add_func ("/gradcheck/sum", test_sum);
  g_test_add_func ("/gradcheck/shape-ops", test_shape_ops);
  g_test_add_func ("/gradcheck/softmax", test_softmax);
  g_test_add_func ("/gradcheck/graphs", test_graphs);
  g_test_add_func ("/backward/shared-node-sums", test_shared_node_sums);
  g_test_add_func ("/backward/unreached-constant-zeros", test_unreached_constant);
  g_test_add_func ("/backward/stepper-matches-run", test_stepper_matches_run);
  g_test_add_func ("/backward/seek-replays-bitwise", test_seek_replays);
  g_test_add_func ("/backward/deep-chain", test_deep_chain);

  return g_test_run ();
}
