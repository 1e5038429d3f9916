/* test-landscape.c — the 2-D loss slice: the grid's middle is the loss at θ₀;
 * linear models with the MSE loss (a quadratic in the parameters) give the
 * closed form on the grid; θ₀ + a·d₁ + b·d₂ projects back to (a, b);
 * directions orthonormal and filter-normalised; PCA finds the plane of paths
 * that lie in one; refusals. */
#include <myml.h>
#include <math.h>
#include <string.h>

static MmModule *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  MmModule *m = mm_module_parse (text, &error);
  g_assert_no_error (error);
  return m;
}

static MmParams *
init_params (MmModule *m,
             guint32   seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) specs = mm_module_get_params (m);
  MmParams *p = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, seed, &error);
  g_assert_no_error (error);
  return p;
}

static MmTensor *
tensor_2d (gsize        rows,
           gsize        cols,
           const float *data)
{
  gsize dims[2] = { rows, cols };
  MmShape shape;
  MmTensor *t;

  g_assert_true (mm_shape_init (&shape, 2, dims, NULL));
  t = mm_tensor_new_from_data (&shape, data, rows * cols, NULL);
  g_assert_nonnull (t);
  return t;
}

/* A seeded regression problem: X (n, k) and targets T (n, m). */
static void
regression_data (gsize      n,
                 gsize      k,
                 gsize      m,
                 MmTensor **x,
                 MmTensor **t)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autofree float *xd = g_new (float, n * k);
  g_autofree float *td = g_new (float, n * m);

  for (gsize i = 0; i < n * k; i++)
    xd[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
  for (gsize i = 0; i < n * m; i++)
    td[i] = (float) g_rand_double_range (rand, -2.0, 2.0);
  *x = tensor_2d (n, k, xd);
  *t = tensor_2d (n, m, td);
}

/* The trained numbers of @p as one double vector (in @p's order). */
static double *
flatten (MmParams *p,
         gsize    *n)
{
  gsize total = mm_params_count_values (p), k = 0;
  double *v = g_new (double, total);

  for (guint e = 0; e < mm_params_get_n (p); e++)
    {
      MmTensor *t = mm_params_get_tensor (p, e);
      for (gsize i = 0; i < t->size; i++)
        v[k++] = t->data[i];
    }
  *n = total;
  return v;
}

static double
vdot (const double *a,
      const double *b,
      gsize         n)
{
  double s = 0;
  for (gsize i = 0; i < n; i++)
    s += a[i] * b[i];
  return s;
}

/* The closed form of a linear model with MSE: for W = W₀ + a·DW₁ + b·DW₂ and
 * c = c₀ + a·dc₁ + b·dc₂ the outputs are R(a, b) = R₀ + a·D₁ + b·D₂ with
 * R₀ = XW₀ + c₀ − T and Dᵢ = X·DWᵢ + dcᵢ, so the loss is the mean of
 * (R₀ + aD₁ + bD₂)², computed here in double from the parameters alone. */
static double
linear_mse (const MmTensor *x,
            const MmTensor *t,
            MmParams       *theta0,
            MmParams       *d1,
            MmParams       *d2,
            double          a,
            double          b)
{
  const gsize n = x->shape.dim[0], k = x->shape.dim[1], m = t->shape.dim[1];
  MmTensor *w0 = mm_params_lookup (theta0, "0.weight"), *c0 = mm_params_lookup (theta0, "0.bias");
  MmTensor *w1 = mm_params_lookup (d1, "0.weight"), *c1 = mm_params_lookup (d1, "0.bias");
  MmTensor *w2 = mm_params_lookup (d2, "0.weight"), *c2 = mm_params_lookup (d2, "0.bias");
  double sum = 0.0;

  g_assert_nonnull (w0);
  g_assert_cmpuint (w0->shape.dim[0], ==, k);
  for (gsize r = 0; r < n; r++)
    for (gsize j = 0; j < m; j++)
      {
        double r0 = c0->data[j] - t->data[r * m + j], e1 = c1->data[j], e2 = c2->data[j];
        double res;

        for (gsize i = 0; i < k; i++)
          {
            r0 += (double) x->data[r * k + i] * w0->data[i * m + j];
            e1 += (double) x->data[r * k + i] * w1->data[i * m + j];
            e2 += (double) x->data[r * k + i] * w2->data[i * m + j];
          }
        res = r0 + a * e1 + b * e2;
        sum += res * res;
      }
  return sum / (double) (n * m);
}

/* The middle of a symmetric grid is θ₀ itself: its loss, bit for bit, as an
 * optimizer evaluates it there. */
static void
test_middle_is_theta0 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = parse ("Linear(2, 8); Tanh; Linear(8, 3)");
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, NULL);
  g_autoptr(MmLoss) loss = mm_loss_one_hot_new (ce, 3, NULL);
  g_autoptr(MmDataset) ds = mm_dataset_new_toy (MM_TOY_SPIRAL, 90, 0.1, 3, 5, &error);
  g_autoptr(MmParams) theta0 = init_params (model, 3);
  g_autoptr(MmTensor) x = NULL;
  g_autoptr(MmTensor) y = NULL;
  g_autoptr(MmLandscape) ls = NULL;
  g_autoptr(MmOptimizer) opt = NULL;
  g_autofree gsize *idx = g_new (gsize, 90);
  MmOptimizerConfig oc;
  double window[4], expected, at;
  float grid[41 * 41];

  g_assert_no_error (error);
  for (gsize i = 0; i < 90; i++)
    idx[i] = i;
  g_assert_true (mm_dataset_get_batch (ds, idx, 90, &x, &y, &error));
  ls = mm_landscape_new_random (model, loss, theta0, x, y, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_landscape_get_n_params (ls), ==, 2 * 8 + 8 + 8 * 3 + 3);
  mm_landscape_get_window (ls, window);
  g_assert_cmpfloat (window[0], ==, -window[1]);
  g_assert_true (mm_landscape_evaluate_grid (ls, 41, window, grid, NULL, NULL, &error));
  g_assert_no_error (error);

  mm_optimizer_config_init (&oc, MM_OPTIMIZER_SGD);
  opt = mm_optimizer_new (&oc, model, loss, theta0, &error);
  g_assert_no_error (error);
  g_assert_true (mm_optimizer_evaluate (opt, x, y, &expected, NULL, &error));
  g_assert_cmpfloat ((float) expected, ==, grid[20 * 41 + 20]);
  g_assert_true (mm_landscape_loss_at (ls, 0, 0, &at, &error));
  g_assert_cmpfloat (at, ==, expected);
  /* Away from θ₀ the loss differs, and the grid is finite. */
  g_assert_cmpfloat (grid[0], !=, grid[20 * 41 + 20]);
  for (guint i = 0; i < 41 * 41; i++)
    g_assert_true (isfinite (grid[i]));
}

/* Linear(1, 1) with MSE along its two parameters: L(a, b) is the mean of
 * ((w₀ + a)xᵢ + c₀ + b − tᵢ)², a paraboloid we know without the engine. */
static void
test_quadratic_by_hand (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = parse ("Linear(1, 1)");
  g_autoptr(MmLoss) loss = mm_loss_mse_new ();
  const float xs[4] = { -1.0f, 0.5f, 2.0f, 3.0f }, ts[4] = { 0.0f, 1.0f, -1.0f, 2.5f };
  g_autoptr(MmTensor) x = tensor_2d (4, 1, xs);
  g_autoptr(MmTensor) t = tensor_2d (4, 1, ts);
  g_autoptr(MmParams) theta0 = mm_params_new ();
  g_autoptr(MmParams) dw = mm_params_new ();
  g_autoptr(MmParams) dc = mm_params_new ();
  g_autoptr(MmLandscape) ls = NULL;
  const float w0 = 0.75f, c0 = -0.25f, one = 1.0f, zero = 0.0f;
  const double window[4] = { -2.0, 2.0, -1.0, 3.0 };
  float grid[9 * 9];

  {
    g_autoptr(MmTensor) w = tensor_2d (1, 1, &w0);
    g_autoptr(MmTensor) c = mm_tensor_new_filled (&(MmShape) { 1, { 1 } }, c0, NULL);
    g_autoptr(MmTensor) e = tensor_2d (1, 1, &one);
    g_autoptr(MmTensor) z = tensor_2d (1, 1, &zero);
    g_autoptr(MmTensor) e1 = mm_tensor_new_filled (&(MmShape) { 1, { 1 } }, 1.0f, NULL);
    g_autoptr(MmTensor) z1 = mm_tensor_new_filled (&(MmShape) { 1, { 1 } }, 0.0f, NULL);
    mm_params_set (theta0, "0.weight", w);
    mm_params_set (theta0, "0.bias", c);
    mm_params_set (dw, "0.weight", e);
    mm_params_set (dw, "0.bias", z1);
    mm_params_set (dc, "0.weight", z);
    mm_params_set (dc, "0.bias", e1);
  }
  ls = mm_landscape_new_with_directions (model, loss, theta0, x, t, dw, dc, &error);
  g_assert_no_error (error);
  g_assert_true (mm_landscape_evaluate_grid (ls, 9, window, grid, NULL, NULL, &error));
  for (guint j = 0; j < 9; j++)
    for (guint i = 0; i < 9; i++)
      {
        double a = -2.0 + 4.0 * i / 8.0, b = -1.0 + 4.0 * j / 8.0, sum = 0.0;
        for (int s = 0; s < 4; s++)
          {
            double r = (w0 + a) * xs[s] + c0 + b - ts[s];
            sum += r * r;
          }
        g_assert_cmpfloat_with_epsilon (grid[j * 9 + i], sum / 4.0, 1e-5 * MAX (1.0, sum / 4.0));
      }
}

/* A wider linear model with random filter-normalised directions: every grid
 * value is the closed form of linear_mse. */
static void
test_quadratic_random_directions (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = parse ("Linear(3, 2)");
  g_autoptr(MmLoss) loss = mm_loss_mse_new ();
  g_autoptr(MmTensor) x = NULL;
  g_autoptr(MmTensor) t = NULL;
  g_autoptr(MmParams) theta0 = init_params (model, 8);
  g_autoptr(MmLandscape) ls = NULL;
  g_autoptr(MmParams) d1 = NULL;
  g_autoptr(MmParams) d2 = NULL;
  double window[4];
  float grid[15 * 15];

  regression_data (32, 3, 2, &x, &t);
  ls = mm_landscape_new_random (model, loss, theta0, x, t, 99, &error);
  g_assert_no_error (error);
  d1 = mm_landscape_dup_direction (ls, 0);
  d2 = mm_landscape_dup_direction (ls, 1);
  mm_landscape_get_window (ls, window);
  g_assert_true (mm_landscape_evaluate_grid (ls, 15, window, grid, NULL, NULL, &error));
  for (guint j = 0; j < 15; j++)
    for (guint i = 0; i < 15; i++)
      {
        double a = window[0] + (window[1] - window[0]) * i / 14.0;
        double b = window[2] + (window[3] - window[2]) * j / 14.0;
        double want = linear_mse (x, t, theta0, d1, d2, a, b);
        g_assert_cmpfloat_with_epsilon (grid[j * 15 + i], want, 1e-5 * MAX (1.0, want));
      }
}

/* d₁, d₂ orthonormal; filter-normalised before that: d₁'s column j has norm
 * proportional to θ₀'s column j (one factor for all columns of all layers),
 * and the biases are not moved. The window is ±the factor's inverse. */
static void
test_directions (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = parse ("Linear(4, 6); ReLU; Linear(6, 3)");
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, NULL);
  g_autoptr(MmLoss) loss = mm_loss_one_hot_new (ce, 3, NULL);
  g_autoptr(MmParams) theta0 = init_params (model, 4);
  const float xs[8] = { 1, 2, 3, 4, -1, 0, 1, 0 }, ys[2] = { 0, 2 };
  g_autoptr(MmTensor) x = tensor_2d (2, 4, xs);
  g_autoptr(MmTensor) y = mm_tensor_new_from_data (&(MmShape) { 1, { 2 } }, ys, 2, NULL);
  g_autoptr(MmLandscape) ls = mm_landscape_new_random (model, loss, theta0, x, y, 7, &error);
  g_autoptr(MmParams) p1 = NULL;
  g_autoptr(MmParams) p2 = NULL;
  g_autofree double *v1 = NULL, *v2 = NULL;
  gsize n1, n2;
  double factor = -1.0, window[4];

  g_assert_no_error (error);
  p1 = mm_landscape_dup_direction (ls, 0);
  p2 = mm_landscape_dup_direction (ls, 1);
  v1 = flatten (p1, &n1);
  v2 = flatten (p2, &n2);
  g_assert_cmpuint (n1, ==, 4 * 6 + 6 + 6 * 3 + 3);
  g_assert_cmpfloat_with_epsilon (vdot (v1, v1, n1), 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (vdot (v2, v2, n2), 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (vdot (v1, v2, n1), 0.0, 1e-6);

  for (guint e = 0; e < mm_params_get_n (p1); e++)
    {
      MmTensor *d = mm_params_get_tensor (p1, e);
      MmTensor *w = mm_params_get_tensor (theta0, e);

      if (d->shape.ndim == 1)
        {
          for (gsize i = 0; i < d->size; i++)
            g_assert_cmpfloat (d->data[i], ==, 0.0f);
          continue;
        }
      for (gsize col = 0; col < d->shape.dim[1]; col++)
        {
          double nd = 0, nw = 0, f;
          for (gsize row = 0; row < d->shape.dim[0]; row++)
            {
              nd += d->data[row * d->shape.dim[1] + col] * (double) d->data[row * d->shape.dim[1] + col];
              nw += w->data[row * w->shape.dim[1] + col] * (double) w->data[row * w->shape.dim[1] + col];
            }
          f = sqrt (nd / nw);
          if (factor < 0)
            factor = f;
          else
            g_assert_cmpfloat_with_epsilon (f, factor, 1e-5 * factor);
        }
    }
  mm_landscape_get_window (ls, window);
  g_assert_cmpfloat_with_epsilon (window[1], 1.0 / factor, 1e-4 / factor);
  g_assert_cmpfloat (window[2], ==, -window[3]);

  /* The same seed, the same directions; another seed, others. */
  {
    g_autoptr(MmLandscape) again = mm_landscape_new_random (model, loss, theta0, x, y, 7, NULL);
    g_autoptr(MmLandscape) other = mm_landscape_new_random (model, loss, theta0, x, y, 8, NULL);
    g_autoptr(MmParams) q = mm_landscape_dup_direction (again, 0);
    g_autoptr(MmParams) r = mm_landscape_dup_direction (other, 0);
    gsize n;
    g_autofree double *vq = flatten (q, &n);
    g_autofree double *vr = flatten (r, &n);
    g_assert_cmpmem (vq, n * sizeof (double), v1, n1 * sizeof (double));
    g_assert_cmpfloat (fabs (vdot (vr, v1, n)), <, 0.99);
  }
}

/* θ₀ + a·d₁ + b·d₂ projects to (a, b), whether the landscape or the test
 * builds it; a step orthogonal to the plane changes nothing. */
static void
test_projection (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = parse ("Linear(3, 5); Tanh; Linear(5, 2)");
  g_autoptr(MmLoss) loss = mm_loss_mse_new ();
  g_autoptr(MmTensor) x = NULL;
  g_autoptr(MmTensor) t = NULL;
  g_autoptr(MmParams) theta0 = init_params (model, 21);
  g_autoptr(MmLandscape) ls = NULL;
  g_autoptr(MmParams) d1 = NULL;
  g_autoptr(MmParams) d2 = NULL;
  const double pts[][2] = { { 0, 0 }, { 1.5, -0.25 }, { -3, 2 }, { 0.001, 0.002 }, { 10, 7 } };

  regression_data (6, 3, 2, &x, &t);
  ls = mm_landscape_new_random (model, loss, theta0, x, t, 5, &error);
  g_assert_no_error (error);
  d1 = mm_landscape_dup_direction (ls, 0);
  d2 = mm_landscape_dup_direction (ls, 1);
  for (guint k = 0; k < G_N_ELEMENTS (pts); k++)
    {
      double a = pts[k][0], b = pts[k][1], pa, pb;
      g_autoptr(MmParams) p = mm_landscape_point (ls, a, b);
      g_autoptr(MmParams) q = mm_params_copy (theta0);

      g_assert_true (mm_landscape_project (ls, p, &pa, &pb));
      g_assert_cmpfloat_with_epsilon (pa, a, 1e-5 * MAX (1.0, fabs (a)));
      g_assert_cmpfloat_with_epsilon (pb, b, 1e-5 * MAX (1.0, fabs (b)));

      /* Built here, plus a bias step: the random directions leave biases
       * alone, so the bias is orthogonal to the plane. */
      for (guint e = 0; e < mm_params_get_n (q); e++)
        {
          float *v = mm_params_make_writable (q, e);
          MmTensor *u1 = mm_params_get_tensor (d1, e), *u2 = mm_params_get_tensor (d2, e);
          for (gsize i = 0; i < u1->size; i++)
            v[i] = (float) (v[i] + a * u1->data[i] + b * u2->data[i]);
          if (u1->shape.ndim == 1)
            v[0] += 5.0f;
        }
      g_assert_true (mm_landscape_project (ls, q, &pa, &pb));
      g_assert_cmpfloat_with_epsilon (pa, a, 1e-5 * MAX (1.0, fabs (a)));
      g_assert_cmpfloat_with_epsilon (pb, b, 1e-5 * MAX (1.0, fabs (b)));
    }

  /* Another network's parameters are refused. */
  {
    g_autoptr(MmModule) other = parse ("Linear(3, 4)");
    g_autoptr(MmParams) p = init_params (other, 1);
    g_assert_false (mm_landscape_project (ls, p, NULL, NULL));
  }
}

/* Paths that lie in a plane through θ₀: PCA finds that plane (every point
 * is rebuilt from its projection); the window holds every point. Points on
 * one line give that line as d₁ and a random d₂ orthogonal to it. */
static void
test_pca (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = parse ("Linear(3, 5); Tanh; Linear(5, 2)");
  g_autoptr(MmLoss) loss = mm_loss_mse_new ();
  g_autoptr(MmTensor) x = NULL;
  g_autoptr(MmTensor) t = NULL;
  g_autoptr(MmParams) theta0 = init_params (model, 2);
  g_autoptr(MmParams) u = init_params (model, 30);
  g_autoptr(MmParams) v = init_params (model, 31);
  g_autoptr(GPtrArray) pts = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_params_unref);
  g_autoptr(MmLandscape) ls = NULL;
  g_autofree double *t0 = NULL;
  gsize n;
  double window[4];

  regression_data (6, 3, 2, &x, &t);
  t0 = flatten (theta0, &n);
  /* Two curved "paths": θ₀ + s·u + s²·v and θ₀ − s·u + 0.5·s·v. */
  for (int path = 0; path < 2; path++)
    for (int k = 0; k <= 40; k++)
      {
        double s = k / 40.0;
        double cu = path == 0 ? s : -s, cv = path == 0 ? s * s : 0.5 * s;
        MmParams *p = mm_params_copy (theta0);
        for (guint e = 0; e < mm_params_get_n (p); e++)
          {
            float *w = mm_params_make_writable (p, e);
            MmTensor *tu = mm_params_get_tensor (u, e), *tv = mm_params_get_tensor (v, e);
            for (gsize i = 0; i < tu->size; i++)
              w[i] = (float) (w[i] + cu * tu->data[i] + cv * tv->data[i]);
          }
        g_ptr_array_add (pts, p);
      }
  ls = mm_landscape_new_pca (model, loss, theta0, x, t, pts, 1, &error);
  g_assert_no_error (error);
  mm_landscape_get_window (ls, window);
  {
    g_autoptr(MmParams) d1 = mm_landscape_dup_direction (ls, 0);
    g_autoptr(MmParams) d2 = mm_landscape_dup_direction (ls, 1);
    g_autofree double *v1 = flatten (d1, &n);
    g_autofree double *v2 = flatten (d2, &n);
    g_autofree double *r = g_new (double, n);

    g_assert_cmpfloat_with_epsilon (vdot (v1, v1, n), 1.0, 1e-6);
    g_assert_cmpfloat_with_epsilon (vdot (v2, v2, n), 1.0, 1e-6);
    g_assert_cmpfloat_with_epsilon (vdot (v1, v2, n), 0.0, 1e-6);
    for (guint k = 0; k < pts->len; k++)
      {
        g_autofree double *p = flatten (g_ptr_array_index (pts, k), &n);
        double a, b, res = 0, len = 0;

        g_assert_true (mm_landscape_project (ls, g_ptr_array_index (pts, k), &a, &b));
        for (gsize i = 0; i < n; i++)
          {
            r[i] = p[i] - t0[i] - a * v1[i] - b * v2[i];
            res += r[i] * r[i];
            len += (p[i] - t0[i]) * (p[i] - t0[i]);
          }
        /* float rounding of the points only */
        g_assert_cmpfloat (sqrt (res), <=, 1e-5 * MAX (1.0, sqrt (len)));
        g_assert_cmpfloat (a, >=, window[0]);
        g_assert_cmpfloat (a, <=, window[1]);
        g_assert_cmpfloat (b, >=, window[2]);
        g_assert_cmpfloat (b, <=, window[3]);
      }
  }

  /* One line. */
  {
    g_autoptr(GPtrArray) line = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_params_unref);
    g_autoptr(MmLandscape) l2 = NULL;
    g_autoptr(MmParams) d1 = NULL;
    g_autofree double *vu = flatten (u, &n);
    g_autofree double *v1 = NULL;

    for (int k = 0; k <= 5; k++)
      {
        MmParams *p = mm_params_copy (theta0);
        for (guint e = 0; e < mm_params_get_n (p); e++)
          {
            float *w = mm_params_make_writable (p, e);
            MmTensor *tu = mm_params_get_tensor (u, e);
            for (gsize i = 0; i < tu->size; i++)
              w[i] = (float) (w[i] + 0.1 * k * tu->data[i]);
          }
        g_ptr_array_add (line, p);
      }
    l2 = mm_landscape_new_pca (model, loss, theta0, x, t, line, 1, &error);
    g_assert_no_error (error);
    d1 = mm_landscape_dup_direction (l2, 0);
    v1 = flatten (d1, &n);
    g_assert_cmpfloat_with_epsilon (vdot (v1, vu, n) / sqrt (vdot (vu, vu, n)), 1.0, 1e-5);
  }

  /* No movement at all (only θ₀): random directions, no failure. */
  {
    g_autoptr(GPtrArray) still = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_params_unref);
    g_autoptr(MmLandscape) l3 = NULL;
    g_ptr_array_add (still, mm_params_copy (theta0));
    l3 = mm_landscape_new_pca (model, loss, theta0, x, t, still, 1, &error);
    g_assert_no_error (error);
    mm_landscape_get_window (l3, window);
    g_assert_cmpfloat (window[1], >, 0.0);
  }
}

static gboolean
cancel_after_three (guint    done,
                    guint    n,
                    gpointer data)
{
  guint *calls = data;
  (*calls)++;
  g_assert_cmpuint (done, ==, *calls);
  g_assert_cmpuint (n, ==, 11);
  return done < 3;
}

static void
test_refusals (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) big = parse ("Linear(784, 100); ReLU; Linear(100, 10)");
  g_autoptr(MmModule) small = parse ("Linear(3, 2)");
  g_autoptr(MmLoss) loss = mm_loss_mse_new ();
  g_autoptr(MmTensor) x = NULL;
  g_autoptr(MmTensor) t = NULL;
  g_autoptr(MmParams) pbig = init_params (big, 1);
  g_autoptr(MmParams) psmall = init_params (small, 1);
  g_autoptr(MmLandscape) ls = NULL;
  double window[4] = { -1, 1, -1, 1 };
  float grid[11 * 11];
  guint calls = 0;

  regression_data (4, 3, 2, &x, &t);
  g_assert_null (mm_landscape_new_random (big, loss, pbig, x, t, 1, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_TOO_LARGE);
  g_assert_cmpstr (error->message, ==,
                   "The loss landscape is drawn for networks of at most 20000 parameters; this one has 79510");
  g_clear_error (&error);

  /* θ₀ of another network. */
  g_assert_null (mm_landscape_new_random (small, loss, pbig, x, t, 1, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* Parallel directions. */
  g_assert_null (mm_landscape_new_with_directions (small, loss, psmall, x, t, psmall, psmall, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "The two directions must be nonzero and not parallel");
  g_clear_error (&error);

  ls = mm_landscape_new_random (small, loss, psmall, x, t, 1, &error);
  g_assert_no_error (error);
  g_assert_false (mm_landscape_evaluate_grid (ls, 1, window, grid, NULL, NULL, &error));
  g_assert_cmpstr (error->message, ==, "The landscape's grid has 2 to 1024 points a side, not 1");
  g_clear_error (&error);
  window[1] = -1;
  g_assert_false (mm_landscape_evaluate_grid (ls, 11, window, grid, NULL, NULL, &error));
  g_assert_cmpstr (error->message, ==, "The landscape's window must have a finite, positive width and height");
  g_clear_error (&error);
  window[1] = 1;
  g_assert_false (mm_landscape_evaluate_grid (ls, 11, window, grid, cancel_after_three, &calls, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_CANCELLED);
  g_assert_cmpuint (calls, ==, 3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/landscape/middle-is-theta0", test_middle_is_theta0);
  g_test_add_func ("/landscape/quadratic-by-hand", test_quadratic_by_hand);
  g_test_add_func ("/landscape/quadratic-random-directions", test_quadratic_random_directions);
  g_test_add_func ("/landscape/directions", test_directions);
  g_test_add_func ("/landscape/projection", test_projection);
  g_test_add_func ("/landscape/pca", test_pca);
  g_test_add_func ("/landscape/refusals", test_refusals);
  return g_test_run ();
}
