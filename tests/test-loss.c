/* test-loss.c — MSE, cross-entropy (with label smoothing) and the one-hot
 * wrapper: values and gradients against formulas computed here in double
 * precision, stability for huge logits, and every refusal. */
#include <myml.h>
#include <math.h>
#include <string.h>

static MmTensor *
tensor (guint        ndim,
        const gsize *dims)
{
  g_autoptr(GError) error = NULL;
  MmTensor *t = mm_tensor_new_dims (ndim, dims, &error);
  g_assert_no_error (error);
  return t;
}

static MmTensor *
random_tensor (GRand       *r,
               guint        ndim,
               const gsize *dims,
               double       lo,
               double       hi)
{
  MmTensor *t = tensor (ndim, dims);
  for (gsize i = 0; i < t->size; i++)
    t->data[i] = (float) g_rand_double_range (r, lo, hi);
  return t;
}

/* Random class indices (as floats) in [0, C). */
static MmTensor *
random_classes (GRand *r,
                gsize  B,
                guint  C)
{
  MmTensor *t = tensor (1, (gsize[]) { B });
  for (gsize i = 0; i < B; i++)
    t->data[i] = (float) g_rand_int_range (r, 0, (gint32) C);
  return t;
}

/* Builds the loss of @output against @targets and returns its value and
 * ∂loss/∂output (a new tensor in *grad). */
static double
eval_loss (MmLoss         *loss,
           MmTensor       *output,
           const MmTensor *targets,
           MmTensor      **grad)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) y = mm_constant_new (output);
  g_autoptr(MmNode) l = mm_loss_build (loss, y, targets, &error);
  const MmTensor *v;

  g_assert_no_error (error);
  g_assert_nonnull (l);
  g_assert_cmpuint (mm_shape_size (mm_node_get_shape (l)), ==, 1);
  v = mm_node_get_value (l);
  g_assert_true (mm_node_get_gradients_against (l, 1, &y, NULL, grad, &error));
  g_assert_no_error (error);
  g_assert_true (mm_tensor_same_shape (*grad, output));
  return mm_tensor_item (v);
}

static void
assert_close (double      got,
              double      want,
              double      rel,
              double      abs_tol,
              const char *what)
{
  if (!(fabs (got - want) <= rel * fabs (want) + abs_tol))
    g_error ("%s: got %.9g, want %.9g", what, got, want);
}

/* ---- References, in double precision ------------------------------------------ */

/* MSE: L = (1/N) Σ (y − t)², ∂L/∂y = 2 (y − t) / N. */
static double
mse_ref (const MmTensor *y,
         const MmTensor *t,
         double         *grad)
{
  double sum = 0;
  gsize n = y->size;

  for (gsize i = 0; i < n; i++)
    {
      double d = (double) y->data[i] - t->data[i];
      sum += d * d;
      grad[i] = 2 * d / n;
    }
  return sum / n;
}

/* Cross-entropy of logits y (B, C) with target rows t, smoothed as
 * t' = (1 − ε) t + ε / C:
 *   L = −(1/B) Σ_b Σ_c t'_bc log p_bc,  p_b = softmax (y_b)
 *   ∂L/∂y_bc = (p_bc Σ_c' t'_bc' − t'_bc) / B
 * (the second form holds for target rows of any sum). log p is taken as
 * y − m − log Σ exp (y − m), m the row maximum. */
static double
ce_ref (const double *y,
        const double *t,
        gsize         B,
        gsize         C,
        double        eps,
        double       *grad)
{
  double total = 0;

  for (gsize b = 0; b < B; b++)
    {
      const double *yb = y + b * C;
      double m = yb[0], se = 0, tsum = 0, lse;

      for (gsize c = 1; c < C; c++)
        m = MAX (m, yb[c]);
      for (gsize c = 0; c < C; c++)
        se += exp (yb[c] - m);
      lse = m + log (se);
      for (gsize c = 0; c < C; c++)
        tsum += (1 - eps) * t[b * C + c] + eps / C;
      for (gsize c = 0; c < C; c++)
        {
          double ts = (1 - eps) * t[b * C + c] + eps / C;
          double p = exp (yb[c] - lse);
          total -= ts * (yb[c] - lse);
          grad[b * C + c] = (p * tsum - ts) / B;
        }
    }
  return total / B;
}

static double *
to_double (const MmTensor *t)
{
  double *d = g_new (double, t->size);
  for (gsize i = 0; i < t->size; i++)
    d[i] = t->data[i];
  return d;
}

/* One-hot rows of class indices, in double. */
static double *
one_hot_ref (const MmTensor *idx,
             gsize           C)
{
  double *d = g_new0 (double, idx->size * C);
  for (gsize b = 0; b < idx->size; b++)
    d[b * C + (gsize) idx->data[b]] = 1.0;
  return d;
}

static void
assert_grad (const MmTensor *got,
             const double   *want,
             const char     *what)
{
  double scale = 0;

  for (gsize i = 0; i < got->size; i++)
    scale = MAX (scale, fabs (want[i]));
  for (gsize i = 0; i < got->size; i++)
    if (!(fabs (got->data[i] - want[i]) <= 1e-5 * fabs (want[i]) + 1e-6 * MAX (scale, 1e-3)))
      g_error ("%s: gradient[%" G_GSIZE_FORMAT "] = %.9g, want %.9g", what, i, got->data[i], want[i]);
}

/* ---- Values and gradients ------------------------------------------------------ */

static void
test_mse (void)
{
  g_autoptr(GRand) r = g_rand_new_with_seed (1);
  g_autoptr(MmLoss) loss = mm_loss_mse_new ();
  /* { ndim, dims… } */
  static const gsize shapes[][4] = { { 2, 3, 4 }, { 2, 1, 7 }, { 1, 5 }, { 3, 2, 2, 3 } };

  g_assert_false (mm_loss_takes_class_indices (loss));
  g_assert_cmpuint (mm_loss_get_n_classes (loss), ==, 0);
  for (guint k = 0; k < G_N_ELEMENTS (shapes); k++)
    {
      guint ndim = (guint) shapes[k][0];
      g_autoptr(MmTensor) y = random_tensor (r, ndim, &shapes[k][1], -3, 3);
      g_autoptr(MmTensor) t = random_tensor (r, ndim, &shapes[k][1], -3, 3);
      g_autoptr(MmTensor) g = NULL;
      g_autofree double *want_g = g_new (double, y->size);
      double want = mse_ref (y, t, want_g);
      double got = eval_loss (loss, y, t, &g);

      assert_close (got, want, 1e-5, 1e-7, "MSE");
      assert_grad (g, want_g, "MSE");
    }
}

static void
test_cross_entropy (void)
{
  g_autoptr(GRand) r = g_rand_new_with_seed (2);
  static const double smoothing[] = { 0.0, 0.1, 0.5, 1.0 };
  const gsize B = 6, C = 5;

  for (guint s = 0; s < G_N_ELEMENTS (smoothing); s++)
    for (int soft = 0; soft < 3; soft++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(MmLoss) loss = mm_loss_cross_entropy_new (smoothing[s], &error);
        g_autoptr(MmTensor) y = random_tensor (r, 2, (gsize[]) { B, C }, -4, 4);
        g_autoptr(MmTensor) t = tensor (2, (gsize[]) { B, C });
        g_autoptr(MmTensor) g = NULL;
        g_autofree double *yd = to_double (y), *td = NULL;
        g_autofree double *want_g = g_new (double, B * C);
        g_autofree char *what = g_strdup_printf ("cross-entropy eps=%g targets %s", smoothing[s],
                                                 soft == 0 ? "one-hot" : soft == 1 ? "soft" : "unnormalised");
        double want, got;

        g_assert_no_error (error);
        for (gsize b = 0; b < B; b++)
          {
            double sum = 0;
            if (soft == 0)
              {
                t->data[b * C + g_rand_int_range (r, 0, C)] = 1.0f;
                continue;
              }
            for (gsize c = 0; c < C; c++)
              sum += t->data[b * C + c] = (float) g_rand_double_range (r, 0.0, 1.0);
            if (soft == 1)
              for (gsize c = 0; c < C; c++)
                t->data[b * C + c] /= (float) sum;
          }
        td = to_double (t);
        want = ce_ref (yd, td, B, C, smoothing[s], want_g);
        got = eval_loss (loss, y, t, &g);
        assert_close (got, want, 2e-6, 1e-6, what);
        assert_grad (g, want_g, what);
      }
}

/* Class indices through the one-hot wrapper give the same numbers as one-hot
 * rows given directly, for both inner losses. */
static void
test_one_hot_wrapper (void)
{
  g_autoptr(GRand) r = g_rand_new_with_seed (3);
  const gsize B = 7;
  const guint C = 4;
  static const double smoothing[] = { 0.0, 0.2 };

  for (guint s = 0; s < G_N_ELEMENTS (smoothing); s++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (smoothing[s], &error);
      g_autoptr(MmLoss) loss = mm_loss_one_hot_new (ce, C, &error);
      g_autoptr(MmTensor) y = random_tensor (r, 2, (gsize[]) { B, C }, -2, 2);
      g_autoptr(MmTensor) idx = random_classes (r, B, C);
      g_autoptr(MmTensor) g = NULL;
      g_autofree double *yd = to_double (y);
      g_autofree double *td = one_hot_ref (idx, C);
      g_autofree double *want_g = g_new (double, B * C);
      double want, got;

      g_assert_no_error (error);
      g_assert_true (mm_loss_takes_class_indices (loss));
      g_assert_cmpuint (mm_loss_get_n_classes (loss), ==, C);
      want = ce_ref (yd, td, B, C, smoothing[s], want_g);
      got = eval_loss (loss, y, idx, &g);
      assert_close (got, want, 2e-6, 1e-6, "one-hot cross-entropy");
      assert_grad (g, want_g, "one-hot cross-entropy");
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(MmLoss) mse = mm_loss_mse_new ();
    g_autoptr(MmLoss) loss = mm_loss_one_hot_new (mse, C, &error);
    g_autoptr(MmTensor) y = random_tensor (r, 2, (gsize[]) { B, C }, -2, 2);
    g_autoptr(MmTensor) idx = random_classes (r, B, C);
    g_autoptr(MmTensor) hot = tensor (2, (gsize[]) { B, C });
    g_autoptr(MmTensor) g = NULL;
    g_autofree double *want_g = g_new (double, B * C);
    double want, got;

    g_assert_no_error (error);
    for (gsize b = 0; b < B; b++)
      hot->data[b * C + (gsize) idx->data[b]] = 1.0f;
    want = mse_ref (y, hot, want_g);
    got = eval_loss (loss, y, idx, &g);
    assert_close (got, want, 1e-5, 1e-7, "one-hot MSE");
    assert_grad (g, want_g, "one-hot MSE");
  }
}

static void
test_one_hot_tensor (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmTensor) idx = tensor (1, (gsize[]) { 4 });
  g_autoptr(MmTensor) hot = NULL;
  static const float want[] = {
    0, 0, 1,
    1, 0, 0,
    0, 0, 1,
    0, 1, 0,
  };

  idx->data[0] = 2;
  idx->data[1] = 0;
  idx->data[2] = 2;
  idx->data[3] = 1;
  hot = mm_one_hot (idx, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hot->shape.ndim, ==, 2);
  g_assert_cmpuint (hot->shape.dim[0], ==, 4);
  g_assert_cmpuint (hot->shape.dim[1], ==, 3);
  g_assert_cmpmem (hot->data, sizeof want, want, sizeof want);
}

/* Logits of ±1000 would overflow exp() in a naive softmax. */
static void
test_stable (void)
{
  g_autoptr(GError) error = NULL;
  static const double smoothing[] = { 0.0, 0.1 };
  const gsize B = 4, C = 3;
  static const float logits[] = {
    1000, -1000, 0,       /* target 0: the right class by far → loss ≈ 0 */
    1000, -1000, 0,       /* target 1: wrong by 2000 → 2000 */
    -1000, -1000, 1000,   /* target 2 → ≈ 0 */
    1000, 1000, -1000,    /* target 0 of a tie → log 2 */
  };
  static const float targets[] = { 0, 1, 2, 0 };

  for (guint s = 0; s < G_N_ELEMENTS (smoothing); s++)
    {
      g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (smoothing[s], &error);
      g_autoptr(MmLoss) loss = mm_loss_one_hot_new (ce, C, &error);
      g_autoptr(MmTensor) y = tensor (2, (gsize[]) { B, C });
      g_autoptr(MmTensor) idx = tensor (1, (gsize[]) { B });
      g_autoptr(MmTensor) g = NULL;
      g_autofree double *yd = NULL, *td = NULL;
      g_autofree double *want_g = g_new (double, B * C);
      double want, got;

      g_assert_no_error (error);
      memcpy (y->data, logits, sizeof logits);
      memcpy (idx->data, targets, sizeof targets);
      yd = to_double (y);
      td = one_hot_ref (idx, C);
      want = ce_ref (yd, td, B, C, smoothing[s], want_g);
      if (smoothing[s] == 0)
        assert_close (want, (0 + 2000 + 0 + log (2)) / 4, 1e-12, 0, "the reference itself");
      got = eval_loss (loss, y, idx, &g);
      g_assert_true (isfinite (got));
      g_assert_true (mm_tensor_all_finite (g));
      assert_close (got, want, 1e-6, 1e-6, "cross-entropy at ±1000");
      assert_grad (g, want_g, "cross-entropy at ±1000");
    }
}

/* ---- Refusals ------------------------------------------------------------------- */

static void
assert_build_fails (MmLoss         *loss,
                    MmTensor       *output,
                    const MmTensor *targets,
                    gint            code,
                    const char     *want)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) y = mm_constant_new (output);
  MmNode *l = mm_loss_build (loss, y, targets, &error);

  g_assert_null (l);
  g_assert_error (error, MM_ERROR, code);
  if (strstr (error->message, want) == NULL)
    g_error ("message '%s' lacks '%s'", error->message, want);
}

static void
test_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmLoss) mse = mm_loss_mse_new ();
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, &error);
  g_autoptr(MmLoss) hot_ce = mm_loss_one_hot_new (ce, 4, &error);
  g_autoptr(MmTensor) y = tensor (2, (gsize[]) { 3, 4 });
  g_autoptr(MmTensor) y3 = tensor (3, (gsize[]) { 3, 4, 2 });
  g_autoptr(MmTensor) t43 = tensor (2, (gsize[]) { 4, 3 });
  g_autoptr(MmTensor) t3 = tensor (1, (gsize[]) { 3 });
  g_autoptr(MmTensor) t5 = tensor (1, (gsize[]) { 5 });
  g_autoptr(MmTensor) t31 = tensor (2, (gsize[]) { 3, 1 });
  g_autoptr(MmTensor) y4 = tensor (4, (gsize[]) { 3, 4, 2, 1 });
  g_autoptr(MmTensor) t312 = tensor (3, (gsize[]) { 3, 1, 2 });

  g_assert_no_error (error);

  /* Targets of the wrong shape. */
  assert_build_fails (mse, y, t43, MM_ERROR_SHAPE,
                      "MSE compares the network's output of shape (3, 4) with targets of shape (4, 3)");
  assert_build_fails (ce, y, t43, MM_ERROR_SHAPE,
                      "Cross-entropy compares the network's output of shape (3, 4) with targets of shape (4, 3)");
  assert_build_fails (ce, y4, y4, MM_ERROR_SHAPE,
                      "(batch, classes) or (batch, time, classes), but the network gives shape (3, 4, 2, 1)");
  /* (batch, time) indices are for sequences: (3, 1) gives targets (3, 1, 4). */
  assert_build_fails (hot_ce, y, t31, MM_ERROR_SHAPE, "output of shape (3, 4) with targets of shape (3, 1, 4)");
  assert_build_fails (hot_ce, y, t312, MM_ERROR_SHAPE, "shape (batch,) or, for sequences, (batch, time), "
                      "not shape (3, 1, 2)");
  /* Five class indices for three rows of scores. */
  assert_build_fails (hot_ce, y, t5, MM_ERROR_SHAPE, "output of shape (3, 4) with targets of shape (5, 4)");

  /* Class indices that are out of range or not whole numbers name the row. */
  t3->data[0] = 1;
  t3->data[1] = 2;
  t3->data[2] = 4;
  assert_build_fails (hot_ce, y, t3, MM_ERROR_INVALID_ARGUMENT, "Target 2 is class 4, but the classes are 0 to 3");
  t3->data[2] = -1;
  assert_build_fails (hot_ce, y, t3, MM_ERROR_INVALID_ARGUMENT, "Target 2 is class -1");
  t3->data[2] = 0;
  t3->data[1] = 1.5f;
  assert_build_fails (hot_ce, y, t3, MM_ERROR_INVALID_ARGUMENT, "Target 1 is class 1.5");
  t3->data[1] = NAN;
  assert_build_fails (hot_ce, y, t3, MM_ERROR_INVALID_ARGUMENT, "Target 1 is class nan");
  t3->data[1] = INFINITY;
  assert_build_fails (hot_ce, y, t3, MM_ERROR_INVALID_ARGUMENT, "Target 1 is class inf");
  {
    g_autoptr(MmTensor) hot = mm_one_hot (t3, 4, &error);
    g_assert_null (hot);
    g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "Target 1"));
    g_clear_error (&error);
  }

  /* Label smoothing outside [0, 1]. */
  {
    static const double bad[] = { -0.1, 1.0001, 2, NAN, INFINITY, -INFINITY };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        MmLoss *l = mm_loss_cross_entropy_new (bad[i], &error);
        g_assert_null (l);
        g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
        g_assert_nonnull (strstr (error->message, "Label smoothing must be between 0 and 1"));
        g_clear_error (&error);
      }
  }

  /* A one-hot encoding of no classes. */
  g_assert_null (mm_loss_one_hot_new (mse, 0, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
}

static void
test_names (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmLoss) mse = mm_loss_mse_new ();
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, &error);
  g_autoptr(MmLoss) ls = mm_loss_cross_entropy_new (0.1, &error);
  g_autoptr(MmLoss) hot = mm_loss_one_hot_new (ls, 10, &error);
  g_autofree char *a = mm_loss_to_string (mse);
  g_autofree char *b = mm_loss_to_string (ce);
  g_autofree char *c = mm_loss_to_string (hot);

  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, "MSE");
  g_assert_cmpstr (b, ==, "CrossEntropy");
  g_assert_cmpstr (c, ==, "OneHot(CrossEntropy(label_smoothing=0.1), 10 classes)");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/loss/mse", test_mse);
  g_test_add_func ("/loss/cross-entropy", test_cross_entropy);
  g_test_add_func ("/loss/one-hot-wrapper", test_one_hot_wrapper);
  g_test_add_func ("/loss/one-hot-tensor", test_one_hot_tensor);
  g_test_add_func ("/loss/stable", test_stable);
  g_test_add_func ("/loss/errors", test_errors);
  g_test_add_func ("/loss/names", test_names);
  return g_test_run ();
}
