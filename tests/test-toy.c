/* test-toy.c — the seeded 2-D toy datasets.
 *
 * The geometric checks use the clean shapes documented in mm-toy.h: with
 * noise 0 every point must lie exactly on its class's curve or region.
 */
#include <myml.h>
#include <math.h>
#include <string.h>

#define N 999 /* divisible by 3, odd: balance "within one" is exercised for k = 2 */

static MmDataset *
make (MmToyKind kind,
      gsize     n,
      double    noise,
      guint     k,
      guint32   seed)
{
  g_autoptr(GError) error = NULL;
  MmDataset *ds = mm_dataset_new_toy (kind, n, noise, k, seed, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ds);
  return ds;
}

static gboolean
same_bytes (MmDataset *a,
            MmDataset *b)
{
  gsize n = mm_dataset_get_n_samples (a);

  return n == mm_dataset_get_n_samples (b)
    && memcmp (mm_dataset_get_features (a), mm_dataset_get_features (b), 2 * n * sizeof (float)) == 0
    && memcmp (mm_dataset_get_labels (a), mm_dataset_get_labels (b), n * sizeof (guint32)) == 0;
}

static void
test_names (void)
{
  g_autoptr(GError) error = NULL;
  const char *names[] = { "spiral", "circles", "xor", "gaussians", "moons" };
  MmToyKind kind;

  for (guint k = 0; k < MM_TOY_N_KINDS; k++)
    {
      g_assert_cmpstr (mm_toy_kind_to_name ((MmToyKind) k), ==, names[k]);
      g_assert_true (mm_toy_kind_from_name (names[k], &kind, &error));
      g_assert_no_error (error);
      g_assert_cmpint (kind, ==, k);
    }
  g_assert_true (mm_toy_kind_from_name ("XOR", &kind, NULL));
  g_assert_cmpint (kind, ==, MM_TOY_XOR);
  g_assert_false (mm_toy_kind_from_name ("swiss-roll", &kind, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "Unknown toy dataset 'swiss-roll'"));
}

static void
test_determinism (gconstpointer data)
{
  MmToyKind kind = GPOINTER_TO_INT (data);
  g_autoptr(MmDataset) a = make (kind, N, 0.1, 0, 7);
  g_autoptr(MmDataset) b = make (kind, N, 0.1, 0, 7);
  g_autoptr(MmDataset) c = make (kind, N, 0.1, 0, 8);

  g_assert_true (same_bytes (a, b));
  g_assert_false (same_bytes (a, c));
  g_assert_cmpstr (mm_dataset_get_name (a), ==, mm_toy_kind_to_name (kind));
}

static void
test_size_and_balance (gconstpointer data)
{
  MmToyKind kind = GPOINTER_TO_INT (data);
  guint k = mm_toy_kind_default_classes (kind);
  g_autoptr(MmDataset) ds = make (kind, N, 0.1, 0, 1);
  g_autoptr(MmDataset) small = make (kind, 7, 0.1, 0, 1);
  g_autofree gsize *counts = mm_dataset_count_classes (ds);
  g_autofree gsize *small_counts = mm_dataset_count_classes (small);
  const MmShape *shape = mm_dataset_get_sample_shape (ds);

  g_assert_cmpuint (mm_dataset_get_n_samples (ds), ==, N);
  g_assert_cmpuint (mm_dataset_get_n_samples (small), ==, 7);
  g_assert_cmpuint (shape->ndim, ==, 1);
  g_assert_cmpuint (shape->dim[0], ==, 2);
  g_assert_cmpuint (mm_dataset_get_n_classes (ds), ==, k);
  for (guint c = 0; c < k; c++)
    {
      /* Classes in turn: class c gets ⌈(n - c) / k⌉ samples. */
      g_assert_cmpuint (counts[c], ==, (N - c + k - 1) / k);
      g_assert_cmpuint (small_counts[c], ==, (7 - c + k - 1) / k);
    }
}

/* The noise is added on top of one clean shape: same seed, other noise ⇒ the
 * difference of the points is pure jitter with the asked standard deviation. */
static void
test_noise (gconstpointer data)
{
  MmToyKind kind = GPOINTER_TO_INT (data);
  g_autoptr(MmDataset) clean = make (kind, N, 0.0, 0, 3);
  g_autoptr(MmDataset) noisy = make (kind, N, 0.1, 0, 3);
  const float *a = mm_dataset_get_features (clean);
  const float *b = mm_dataset_get_features (noisy);
  double sum = 0, sum2 = 0, sd, mean;

  g_assert_false (same_bytes (clean, noisy));
  g_assert_cmpmem (mm_dataset_get_labels (clean), N * sizeof (guint32),
                   mm_dataset_get_labels (noisy), N * sizeof (guint32));
  for (gsize i = 0; i < 2 * N; i++)
    {
      double d = (double) b[i] - a[i];
      sum += d;
      sum2 += d * d;
    }
  mean = sum / (2 * N);
  sd = sqrt (sum2 / (2 * N) - mean * mean);
  /* 1998 normal draws: the sample sd is within a few % of 0.1, the mean
   * within 4 standard errors (0.1 / √1998 ≈ 0.0022) of 0. */
  g_assert_cmpfloat (fabs (sd - 0.1), <, 0.01);
  g_assert_cmpfloat (fabs (mean), <, 0.009);
}

/* With noise 0 the points sit on the shapes described in mm-toy.h. */
static void
test_spiral_shape (void)
{
  for (guint k = 2; k <= 5; k++)
    {
      g_autoptr(MmDataset) ds = make (MM_TOY_SPIRAL, 500, 0.0, k, 11);

      for (gsize i = 0; i < 500; i++)
        {
          const float *p = mm_dataset_get_sample (ds, i);
          guint c = mm_dataset_get_label (ds, i);
          double r = hypot (p[0], p[1]);
          double t = (r - 0.05) / 1.2;
          double want = 2 * G_PI * c / k + 4 * t;
          double diff = remainder (atan2 (p[1], p[0]) - want, 2 * G_PI);

          g_assert_cmpfloat (t, >=, -1e-6);
          g_assert_cmpfloat (t, <, 1 + 1e-6);
          g_assert_cmpfloat (fabs (diff), <, 1e-4);
        }
    }
}

static void
test_circles_shape (void)
{
  for (guint k = 2; k <= 4; k++)
    {
      g_autoptr(MmDataset) ds = make (MM_TOY_CIRCLES, 400, 0.0, k, 5);
      double min_angle = G_PI, max_angle = -G_PI;

      for (gsize i = 0; i < 400; i++)
        {
          const float *p = mm_dataset_get_sample (ds, i);
          guint c = mm_dataset_get_label (ds, i);
          double a = atan2 (p[1], p[0]);

          g_assert_cmpfloat_with_epsilon (hypot (p[0], p[1]), 1.2 * (c + 1) / k, 1e-5);
          min_angle = MIN (min_angle, a);
          max_angle = MAX (max_angle, a);
        }
      /* The angles go all the way round. */
      g_assert_cmpfloat (min_angle, <, -3.0);
      g_assert_cmpfloat (max_angle, >, 3.0);
    }
}

static void
test_xor_shape (void)
{
  g_autoptr(MmDataset) ds = make (MM_TOY_XOR, 1000, 0.0, 2, 9);
  guint quadrant[4] = { 0 };

  for (gsize i = 0; i < 1000; i++)
    {
      const float *p = mm_dataset_get_sample (ds, i);
      guint c = mm_dataset_get_label (ds, i);

      g_assert_cmpuint (c, ==, p[0] * p[1] > 0 ? 0 : 1);
      for (guint j = 0; j < 2; j++)
        {
          g_assert_cmpfloat (fabsf (p[j]), >=, 0.05f - 1e-6f);
          g_assert_cmpfloat (fabsf (p[j]), <=, 1.2f + 1e-6f);
        }
      quadrant[(p[0] > 0) * 2 + (p[1] > 0)]++;
    }
  /* All four quadrants are used, about equally (250 expected each). */
  for (guint q = 0; q < 4; q++)
    g_assert_cmpuint (quadrant[q], >, 180);
}

static void
test_gaussians_shape (void)
{
  const guint k = 4;
  g_autoptr(MmDataset) ds = make (MM_TOY_GAUSSIANS, 4000, 0.0, k, 2);
  double sx[4] = { 0 }, sy[4] = { 0 }, s2[4] = { 0 };
  g_autofree gsize *counts = mm_dataset_count_classes (ds);

  for (gsize i = 0; i < 4000; i++)
    {
      const float *p = mm_dataset_get_sample (ds, i);
      guint c = mm_dataset_get_label (ds, i);
      double cx = cos (2 * G_PI * c / k), cy = sin (2 * G_PI * c / k);

      sx[c] += p[0];
      sy[c] += p[1];
      s2[c] += (p[0] - cx) * (p[0] - cx) + (p[1] - cy) * (p[1] - cy);
    }
  for (guint c = 0; c < k; c++)
    {
      double n = (double) counts[c];
      /* Blob means within 5 standard errors (0.2 / √1000) of their centres;
       * the spread per coordinate close to 0.2. */
      g_assert_cmpfloat (fabs (sx[c] / n - cos (2 * G_PI * c / k)), <, 0.032);
      g_assert_cmpfloat (fabs (sy[c] / n - sin (2 * G_PI * c / k)), <, 0.032);
      g_assert_cmpfloat (fabs (sqrt (s2[c] / (2 * n)) - 0.2), <, 0.02);
    }
}

static void
test_moons_shape (void)
{
  g_autoptr(MmDataset) ds = make (MM_TOY_MOONS, 600, 0.0, 0, 4);

  for (gsize i = 0; i < 600; i++)
    {
      const float *p = mm_dataset_get_sample (ds, i);
      guint c = mm_dataset_get_label (ds, i);
      /* The two half circles of radius 1 are centred at (0, 0) and (1, 0.5)
       * before the shift by (-0.5, -0.25). */
      double cx = c == 0 ? -0.5 : 0.5, cy = c == 0 ? -0.25 : 0.25;

      g_assert_cmpfloat_with_epsilon (hypot (p[0] - cx, p[1] - cy), 1.0, 1e-5);
      if (c == 0)
        g_assert_cmpfloat (p[1], >=, -0.25f - 1e-6f); /* the upper half */
      else
        g_assert_cmpfloat (p[1], <=, 0.25f + 1e-6f);  /* the lower half */
    }
}

/* Clean points stay in the range a small MLP learns easily. */
static void
test_range (gconstpointer data)
{
  MmToyKind kind = GPOINTER_TO_INT (data);
  g_autoptr(MmDataset) ds = make (kind, N, 0.0, 0, 12);
  /* Gaussian blobs have unbounded tails: 1 + 5σ. */
  float limit = kind == MM_TOY_GAUSSIANS ? 2.0f : 1.5f;

  for (gsize i = 0; i < 2 * N; i++)
    g_assert_cmpfloat (fabsf (mm_dataset_get_features (ds)[i]), <=, limit);
}

static void
test_bad_params (void)
{
  struct {
    MmToyKind kind;
    gsize n;
    double noise;
    guint k;
    const char *fragment;
  } cases[] = {
    { MM_TOY_SPIRAL, 0, 0.1, 3, "between 1 and" },
    { MM_TOY_CIRCLES, 100, -0.1, 2, "The noise must be a finite number ≥ 0, not -0.1" },
    { MM_TOY_MOONS, 100, NAN, 2, "The noise must be a finite number" },
    { MM_TOY_SPIRAL, 100, 0.1, 1, "The spiral dataset needs between 2 and 100 classes, not 1" },
    { MM_TOY_GAUSSIANS, 100, 0.1, 101, "needs between 2 and 100 classes" },
    { MM_TOY_XOR, 100, 0.1, 3, "The xor dataset has exactly 2 classes, not 3" },
    { MM_TOY_MOONS, 100, 0.1, 4, "The moons dataset has exactly 2 classes" },
    { MM_TOY_SPIRAL, 4, 0.1, 5, "4 samples are too few for 5 classes" },
    { (MmToyKind) 17, 100, 0.1, 2, "Unknown toy dataset kind 17" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      MmDataset *ds = mm_dataset_new_toy (cases[i].kind, cases[i].n, cases[i].noise, cases[i].k, 1, &error);

      g_assert_null (ds);
      g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
      if (strstr (error->message, cases[i].fragment) == NULL)
        g_error ("case %u: '%s' does not contain '%s'", i, error->message, cases[i].fragment);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/toy/names", test_names);
  for (guint k = 0; k < MM_TOY_N_KINDS; k++)
    {
      const char *name = mm_toy_kind_to_name ((MmToyKind) k);
      g_autofree char *det = g_strdup_printf ("/toy/%s/determinism", name);
      g_autofree char *bal = g_strdup_printf ("/toy/%s/size-and-balance", name);
      g_autofree char *noi = g_strdup_printf ("/toy/%s/noise", name);
      g_autofree char *rng = g_strdup_printf ("/toy/%s/range", name);

      g_test_add_data_func (det, GINT_TO_POINTER (k), test_determinism);
      g_test_add_data_func (bal, GINT_TO_POINTER (k), test_size_and_balance);
      g_test_add_data_func (noi, GINT_TO_POINTER (k), test_noise);
      g_test_add_data_func (rng, GINT_TO_POINTER (k), test_range);
    }
  g_test_add_func ("/toy/spiral/shape", test_spiral_shape);
  g_test_add_func ("/toy/circles/shape", test_circles_shape);
  g_test_add_func ("/toy/xor/shape", test_xor_shape);
  g_test_add_func ("/toy/gaussians/shape", test_gaussians_shape);
  g_test_add_func ("/toy/moons/shape", test_moons_shape);
  g_test_add_func ("/toy/bad-params", test_bad_params);

  return g_test_run ();
}
