/* mm-landscape.c — a 2-D slice of the loss around θ₀ (see mm-landscape.h).
 *
 * The trained numbers of θ₀ and the two directions are kept as flat double
 * vectors (parameters in θ₀'s order, each row-major), so a projection is two
 * dot products and a point of the plane one pass over the vectors.
 */
#include "mm-landscape.h"
#include "mm-error.h"
#include "mm-rng-private.h"

#include <math.h>
#include <string.h>

/* Displacements used for PCA at most (evenly picked): the Gram matrix costs
 * m² · n_params. */
#define PCA_MAX_POINTS 256
#define PCA_ITERATIONS 300
/* The PCA window: the points' box grown by this fraction on each side. */
#define PCA_MARGIN 0.25

struct _MmLandscape {
  gatomicrefcount ref_count;
  MmModule *model;
  MmLoss *loss;
  MmParams *theta0;
  MmTensor *x, *y;
  guint n_entries;          /* entries of theta0 */
  gboolean *trained;        /* per entry */
  gsize *offset;            /* per entry: where its numbers start in the vectors */
  gsize n;                  /* trained numbers */
  double *t0, *d1, *d2;
  double window[4];
};

static MmLandscape *
landscape_new (MmModule *model,
               MmLoss   *loss,
               MmParams *theta0,
               MmTensor *x,
               MmTensor *y,
               GError  **error)
{
  g_autoptr(GArray) specs = mm_module_get_params (model);
  MmLandscape *ls;
  gsize n = 0;

  if (!mm_params_check (theta0, specs, error))
    return NULL;
  for (guint i = 0; i < specs->len; i++)
    {
      MmParamSpec *s = &g_array_index (specs, MmParamSpec, i);
      if (mm_param_role_is_trained (s->role))
        n += mm_shape_size (&s->shape);
    }
  if (n > MM_LANDSCAPE_MAX_PARAMS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                   "The loss landscape is drawn for networks of at most %d parameters; "
                   "this one has %" G_GSIZE_FORMAT, MM_LANDSCAPE_MAX_PARAMS, n);
      return NULL;
    }
  if (n == 0)
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                           "The network has no trained parameters: it has no loss landscape");
      return NULL;
    }

  ls = g_new0 (MmLandscape, 1);
  g_atomic_ref_count_init (&ls->ref_count);
  ls->model = mm_module_ref (model);
  ls->loss = mm_loss_ref (loss);
  ls->theta0 = mm_params_copy (theta0);
  ls->x = mm_tensor_ref (x);
  ls->y = mm_tensor_ref (y);
  ls->n_entries = mm_params_get_n (ls->theta0);
  ls->trained = g_new0 (gboolean, ls->n_entries);
  ls->offset = g_new0 (gsize, ls->n_entries);
  ls->n = n;
  ls->t0 = g_new0 (double, n);
  ls->d1 = g_new0 (double, n);
  ls->d2 = g_new0 (double, n);

  n = 0;
  for (guint e = 0; e < ls->n_entries; e++)
    {
      MmTensor *t = mm_params_get_tensor (ls->theta0, e);
      const char *name = mm_params_get_name (ls->theta0, e);

      ls->offset[e] = n;
      for (guint i = 0; i < specs->len; i++)
        {
          MmParamSpec *s = &g_array_index (specs, MmParamSpec, i);
          if (strcmp (s->name, name) == 0)
            ls->trained[e] = mm_param_role_is_trained (s->role);
        }
      if (!ls->trained[e])
        continue;
      for (gsize k = 0; k < t->size; k++)
        ls->t0[n + k] = t->data[k];
      n += t->size;
    }
  return ls;
}

MmLandscape *
mm_landscape_ref (MmLandscape *ls)
{
  g_return_val_if_fail (ls != NULL, NULL);
  g_atomic_ref_count_inc (&ls->ref_count);
  return ls;
}

void
mm_landscape_unref (MmLandscape *ls)
{
  if (ls == NULL || !g_atomic_ref_count_dec (&ls->ref_count))
    return;
  mm_module_unref (ls->model);
  mm_loss_unref (ls->loss);
  mm_params_unref (ls->theta0);
  mm_tensor_unref (ls->x);
  mm_tensor_unref (ls->y);
  g_free (ls->trained);
  g_free (ls->offset);
  g_free (ls->t0);
  g_free (ls->d1);
  g_free (ls->d2);
  g_free (ls);
}

/* ---- Vectors -------------------------------------------------------------------- */

static double
dot (const double *u,
     const double *v,
     gsize         n)
{
  double s = 0.0;
  for (gsize i = 0; i < n; i++)
    s += u[i] * v[i];
  return s;
}

static void
axpy (double        a,
      const double *x,
      double       *y,
      gsize         n)
{
  for (gsize i = 0; i < n; i++)
    y[i] += a * x[i];
}

/* Scales @v to length 1; FALSE when it is (numerically) zero. */
static gboolean
normalize (double *v,
           gsize   n,
           double  reference)
{
  double norm = sqrt (dot (v, v, n));

  if (!(norm > 1e-12 * MAX (reference, 1.0)) || !isfinite (norm))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    v[i] /= norm;
  return TRUE;
}

/* d₂ ← d₂ − (d₂·d₁)d₁, twice (classical Gram–Schmidt loses orthogonality
 * once; the second pass restores it). */
static gboolean
orthonormalize (double *d1,
                double *d2,
                gsize   n)
{
  double n2 = sqrt (dot (d2, d2, n));

  if (!normalize (d1, n, 0.0))
    return FALSE;
  for (int pass = 0; pass < 2; pass++)
    axpy (-dot (d2, d1, n), d1, d2, n);
  return normalize (d2, n, n2);
}

static double
gaussian (MmRng *rng)
{
  double u1 = mm_rng_uniform (rng), u2 = mm_rng_uniform (rng);
  return sqrt (-2.0 * log (1.0 - u1)) * cos (2.0 * G_PI * u2);
}

/* A Gaussian direction, filter-normalised to θ₀ (see the header). */
static void
random_direction (MmLandscape *ls,
                  MmRng       *rng,
                  double      *d)
{
  memset (d, 0, ls->n * sizeof *d);
  for (guint e = 0; e < ls->n_entries; e++)
    {
      MmTensor *t = mm_params_get_tensor (ls->theta0, e);
      const double *w = ls->t0 + ls->offset[e];
      double *v = d + ls->offset[e];
      gsize n_filters, stride, len;

      if (!ls->trained[e] || t->shape.ndim < 2)
        continue;
      for (gsize k = 0; k < t->size; k++)
        v[k] = gaussian (rng);
      /* A filter is one output unit's weights: Linear's weight is (in, out),
       * so a column; a convolution's (out, in, kh, kw), so a slice of the
       * first axis. Filter f's numbers are v[f·stride₀ + k·stride] for
       * k < len. */
      if (t->shape.ndim == 2)
        {
          n_filters = t->shape.dim[1];
          len = t->shape.dim[0];
          stride = t->shape.dim[1];
        }
      else
        {
          n_filters = t->shape.dim[0];
          len = t->size / n_filters;
          stride = 1;
        }
      for (gsize f = 0; f < n_filters; f++)
        {
          gsize base = t->shape.ndim == 2 ? f : f * len;
          double nv = 0.0, nw = 0.0;

          for (gsize k = 0; k < len; k++)
            {
              nv += v[base + k * stride] * v[base + k * stride];
              nw += w[base + k * stride] * w[base + k * stride];
            }
          nv = sqrt (nv);
          nw = sqrt (nw);
          for (gsize k = 0; k < len; k++)
            v[base + k * stride] = nv > 0.0 ? v[base + k * stride] * nw / nv : 0.0;
        }
    }
}

/* Random directions; the window is Li et al.'s [−1, 1] in units of the
 * filter-normalised d₁. */
static gboolean
set_random (MmLandscape *ls,
            guint32      seed,
            GError     **error)
{
  MmRng rng;
  double unit;

  mm_rng_init (&rng, seed, 0x1a4d5ca9e);
  random_direction (ls, &rng, ls->d1);
  random_direction (ls, &rng, ls->d2);
  unit = sqrt (dot (ls->d1, ls->d1, ls->n));
  if (!orthonormalize (ls->d1, ls->d2, ls->n))
    {
      /* All weights zero (or no weight with a filter): plain Gaussian
       * directions over every trained number. */
      for (gsize i = 0; i < ls->n; i++)
        {
          ls->d1[i] = gaussian (&rng);
          ls->d2[i] = gaussian (&rng);
        }
      unit = 1.0;
      if (!orthonormalize (ls->d1, ls->d2, ls->n))
        {
          g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                               "The network has too few parameters for a 2-D loss landscape");
          return FALSE;
        }
    }
  ls->window[0] = ls->window[2] = -unit;
  ls->window[1] = ls->window[3] = unit;
  return TRUE;
}

MmLandscape *
mm_landscape_new_random (MmModule *model,
                         MmLoss   *loss,
                         MmParams *theta0,
                         MmTensor *x,
                         MmTensor *y,
                         guint32   seed,
                         GError  **error)
{
  g_autoptr(MmLandscape) ls = NULL;

  g_return_val_if_fail (model && loss && theta0 && x && y, NULL);
  ls = landscape_new (model, loss, theta0, x, y, error);
  if (ls == NULL || !set_random (ls, seed, error))
    return NULL;
  return g_steal_pointer (&ls);
}

/* θ's trained numbers minus θ₀'s into @out. */
static gboolean
displacement (MmLandscape *ls,
              MmParams    *theta,
              double      *out)
{
  for (guint e = 0; e < ls->n_entries; e++)
    {
      const char *name = mm_params_get_name (ls->theta0, e);
      MmTensor *ref = mm_params_get_tensor (ls->theta0, e);
      MmTensor *t;

      if (!ls->trained[e])
        continue;
      if (e < mm_params_get_n (theta) && strcmp (mm_params_get_name (theta, e), name) == 0)
        t = mm_params_get_tensor (theta, e);
      else
        t = mm_params_lookup (theta, name);
      if (t == NULL || !mm_shape_equal (&t->shape, &ref->shape))
        return FALSE;
      for (gsize k = 0; k < t->size; k++)
        out[ls->offset[e] + k] = (double) t->data[k] - ls->t0[ls->offset[e] + k];
    }
  return TRUE;
}

static gboolean
set_from_params (MmLandscape *ls,
                 MmParams    *p,
                 double      *d)
{
  for (guint e = 0; e < ls->n_entries; e++)
    {
      const char *name = mm_params_get_name (ls->theta0, e);
      MmTensor *ref = mm_params_get_tensor (ls->theta0, e);
      MmTensor *t;

      if (!ls->trained[e])
        continue;
      t = mm_params_lookup (p, name);
      if (t == NULL || !mm_shape_equal (&t->shape, &ref->shape))
        return FALSE;
      for (gsize k = 0; k < t->size; k++)
        d[ls->offset[e] + k] = t->data[k];
    }
  return TRUE;
}

MmLandscape *
mm_landscape_new_with_directions (MmModule *model,
                                  MmLoss   *loss,
                                  MmParams *theta0,
                                  MmTensor *x,
                                  MmTensor *y,
                                  MmParams *d1,
                                  MmParams *d2,
                                  GError  **error)
{
  g_autoptr(MmLandscape) ls = NULL;
  double unit;

  g_return_val_if_fail (model && loss && theta0 && x && y && d1 && d2, NULL);
  ls = landscape_new (model, loss, theta0, x, y, error);
  if (ls == NULL)
    return NULL;
  if (!set_from_params (ls, d1, ls->d1) || !set_from_params (ls, d2, ls->d2))
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_SHAPE,
                           "A direction must have every trained parameter of θ₀ with its shape");
      return NULL;
    }
  unit = sqrt (dot (ls->d1, ls->d1, ls->n));
  if (!orthonormalize (ls->d1, ls->d2, ls->n))
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                           "The two directions must be nonzero and not parallel");
      return NULL;
    }
  ls->window[0] = ls->window[2] = -unit;
  ls->window[1] = ls->window[3] = unit;
  return g_steal_pointer (&ls);
}

/* The top two eigenvectors of the symmetric m × m matrix @g (subspace
 * iteration, then the 2 × 2 Rayleigh–Ritz rotation to order them) into
 * @v (m × 2, column-major); their eigenvalues into @lambda. */
static void
top_two_eigenvectors (const double *g,
                      gsize         m,
                      double       *v,
                      double        lambda[2])
{
  g_autofree double *w = g_new (double, 2 * m);
  MmRng rng;
  double b11, b12, b22, tr, det, disc, l1, l2, c, s, norm;

  mm_rng_init (&rng, 1, 0x9ca);
  for (gsize i = 0; i < 2 * m; i++)
    v[i] = mm_rng_uniform (&rng) - 0.5;
  for (int it = 0; it < PCA_ITERATIONS; it++)
    {
      for (int k = 0; k < 2; k++)
        for (gsize i = 0; i < m; i++)
          w[k * m + i] = dot (g + i * m, v + k * m, m);
      memcpy (v, w, 2 * m * sizeof *v);
      if (!normalize (v, m, 0.0))
        break;
      for (int pass = 0; pass < 2; pass++)
        axpy (-dot (v + m, v, m), v, v + m, m);
      if (!normalize (v + m, m, 0.0))
        {
          /* Rank one: any vector orthogonal to the first. */
          for (gsize i = 0; i < m; i++)
            v[m + i] = mm_rng_uniform (&rng) - 0.5;
          axpy (-dot (v + m, v, m), v, v + m, m);
          normalize (v + m, m, 0.0);
        }
    }
  /* B = Vᵀ G V, then rotate V by B's eigenvectors. */
  for (int k = 0; k < 2; k++)
    for (gsize i = 0; i < m; i++)
      w[k * m + i] = dot (g + i * m, v + k * m, m);
  b11 = dot (v, w, m);
  b12 = dot (v, w + m, m);
  b22 = dot (v + m, w + m, m);
  tr = b11 + b22;
  det = b11 * b22 - b12 * b12;
  disc = sqrt (MAX (tr * tr / 4.0 - det, 0.0));
  l1 = tr / 2.0 + disc;
  l2 = tr / 2.0 - disc;
  /* The eigenvector of l1: (b12, l1 − b11) or (l1 − b22, b12). */
  c = b12;
  s = l1 - b11;
  if (fabs (c) + fabs (s) < 1e-300)
    {
      c = l1 - b22;
      s = b12;
    }
  norm = hypot (c, s);
  if (norm > 0.0)
    {
      c /= norm;
      s /= norm;
      for (gsize i = 0; i < m; i++)
        {
          double p = v[i], q = v[m + i];
          v[i] = c * p + s * q;
          v[m + i] = -s * p + c * q;
        }
    }
  lambda[0] = l1;
  lambda[1] = l2;
}

MmLandscape *
mm_landscape_new_pca (MmModule  *model,
                      MmLoss    *loss,
                      MmParams  *theta0,
                      MmTensor  *x,
                      MmTensor  *y,
                      GPtrArray *points,
                      guint32    seed,
                      GError   **error)
{
  g_autoptr(MmLandscape) ls = NULL;
  g_autofree double *disp = NULL, *gram = NULL, *v = NULL;
  g_autofree double *spare1 = NULL, *spare2 = NULL;
  gsize m = 0, n;
  double lambda[2], scale = 0.0;
  double amin = 0, amax = 0, bmin = 0, bmax = 0;
  gboolean have1, have2;

  g_return_val_if_fail (model && loss && theta0 && x && y && points, NULL);
  ls = landscape_new (model, loss, theta0, x, y, error);
  if (ls == NULL)
    return NULL;
  n = ls->n;

  /* The displacements, at most PCA_MAX_POINTS evenly picked, zero ones left out. */
  disp = g_new (double, MIN (points->len, PCA_MAX_POINTS) * n);
  for (guint k = 0; k < MIN (points->len, PCA_MAX_POINTS); k++)
    {
      guint src = points->len <= PCA_MAX_POINTS ? k
                  : (guint) ((guint64) k * (points->len - 1) / (PCA_MAX_POINTS - 1));
      if (!displacement (ls, g_ptr_array_index (points, src), disp + m * n))
        {
          g_set_error_literal (error, MM_ERROR, MM_ERROR_SHAPE,
                               "A point of the path does not have θ₀'s parameters and shapes");
          return NULL;
        }
      if (dot (disp + m * n, disp + m * n, n) > 0.0)
        m++;
    }

  have1 = have2 = FALSE;
  if (m > 0)
    {
      gram = g_new (double, m * m);
      for (gsize i = 0; i < m; i++)
        for (gsize j = 0; j <= i; j++)
          gram[i * m + j] = gram[j * m + i] = dot (disp + i * n, disp + j * n, n);
      v = g_new (double, 2 * m);
      top_two_eigenvectors (gram, m, v, lambda);
      scale = sqrt (MAX (lambda[0], 0.0));
      /* d = Mᵀ v: the principal directions in parameter space. */
      for (gsize i = 0; i < m; i++)
        {
          axpy (v[i], disp + i * n, ls->d1, n);
          axpy (v[m + i], disp + i * n, ls->d2, n);
        }
      have1 = normalize (ls->d1, n, 0.0);
      /* A second direction only when the points really span two (not
       * rounding noise around a line). */
      if (have1 && lambda[1] > 1e-10 * lambda[0])
        {
          for (int pass = 0; pass < 2; pass++)
            axpy (-dot (ls->d2, ls->d1, n), ls->d1, ls->d2, n);
          have2 = normalize (ls->d2, n, 0.0);
        }
    }
  if (!have1 || !have2)
    {
      /* Complete with random directions orthogonal to what the points give. */
      g_autoptr(MmLandscape) rnd = landscape_new (model, loss, theta0, x, y, error);
      if (rnd == NULL || !set_random (rnd, seed, error))
        return NULL;
      if (!have1)
        memcpy (ls->d1, rnd->d1, n * sizeof (double));
      memcpy (ls->d2, rnd->d2, n * sizeof (double));
      if (!orthonormalize (ls->d1, ls->d2, n))
        {
          g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                               "The network has too few parameters for a 2-D loss landscape");
          return NULL;
        }
      if (m == 0)
        scale = rnd->window[1];
    }

  /* Signs: the points lie mostly on the positive side of each axis, so a
   * plane fitted again a little later keeps its orientation. */
  {
    double s1 = 0.0, s2 = 0.0;
    for (gsize i = 0; i < m; i++)
      {
        s1 += dot (disp + i * n, ls->d1, n);
        s2 += dot (disp + i * n, ls->d2, n);
      }
    if (s1 < 0.0)
      for (gsize k = 0; k < n; k++)
        ls->d1[k] = -ls->d1[k];
    if (s2 < 0.0)
      for (gsize k = 0; k < n; k++)
        ls->d2[k] = -ls->d2[k];
  }

  /* The window: the points (and θ₀) with a margin. */
  for (gsize i = 0; i < m; i++)
    {
      double a = dot (disp + i * n, ls->d1, n), b = dot (disp + i * n, ls->d2, n);
      amin = MIN (amin, a);
      amax = MAX (amax, a);
      bmin = MIN (bmin, b);
      bmax = MAX (bmax, b);
    }
  {
    /* Square in parameter units, so that the contours keep their shape. */
    double half = MAX (amax - amin, bmax - bmin) / 2.0 * (1.0 + 2.0 * PCA_MARGIN);
    double ca = (amin + amax) / 2.0, cb = (bmin + bmax) / 2.0;

    if (!(half > 0.0))
      half = scale > 0.0 ? scale : 1.0;
    ls->window[0] = ca - half;
    ls->window[1] = ca + half;
    ls->window[2] = cb - half;
    ls->window[3] = cb + half;
  }
  return g_steal_pointer (&ls);
}

/* ---- Queries ---------------------------------------------------------------------- */

gsize
mm_landscape_get_n_params (MmLandscape *ls)
{
  g_return_val_if_fail (ls != NULL, 0);
  return ls->n;
}

MmParams *
mm_landscape_dup_direction (MmLandscape *ls,
                            guint        which)
{
  MmParams *out;
  const double *d;

  g_return_val_if_fail (ls != NULL && which < 2, NULL);
  d = which == 0 ? ls->d1 : ls->d2;
  out = mm_params_new ();
  for (guint e = 0; e < ls->n_entries; e++)
    {
      MmTensor *ref = mm_params_get_tensor (ls->theta0, e);
      g_autoptr(MmTensor) t = mm_tensor_new_filled (&ref->shape, 0.0f, NULL);

      if (ls->trained[e])
        for (gsize k = 0; k < t->size; k++)
          t->data[k] = (float) d[ls->offset[e] + k];
      mm_params_set (out, mm_params_get_name (ls->theta0, e), t);
    }
  return out;
}

void
mm_landscape_get_window (MmLandscape *ls,
                         double       window[4])
{
  g_return_if_fail (ls != NULL);
  memcpy (window, ls->window, sizeof ls->window);
}

gboolean
mm_landscape_project (MmLandscape *ls,
                      MmParams    *theta,
                      double      *a,
                      double      *b)
{
  g_autofree double *disp = NULL;

  g_return_val_if_fail (ls != NULL && theta != NULL, FALSE);
  disp = g_new (double, ls->n);
  if (!displacement (ls, theta, disp))
    return FALSE;
  if (a)
    *a = dot (disp, ls->d1, ls->n);
  if (b)
    *b = dot (disp, ls->d2, ls->n);
  return TRUE;
}

/* Writes θ₀ + a·d₁ + b·d₂ into @p, which has θ₀'s entries. */
static void
fill_point (MmLandscape *ls,
            MmParams    *p,
            double       a,
            double       b)
{
  for (guint e = 0; e < ls->n_entries; e++)
    {
      gsize off = ls->offset[e], size;
      float *dst;

      if (!ls->trained[e])
        continue;
      size = mm_params_get_tensor (p, e)->size;
      dst = mm_params_make_writable (p, e);
      for (gsize k = 0; k < size; k++)
        dst[k] = (float) (ls->t0[off + k] + a * ls->d1[off + k] + b * ls->d2[off + k]);
    }
}

MmParams *
mm_landscape_point (MmLandscape *ls,
                    double       a,
                    double       b)
{
  MmParams *p;

  g_return_val_if_fail (ls != NULL, NULL);
  p = mm_params_copy (ls->theta0);
  fill_point (ls, p, a, b);
  return p;
}

static gboolean
loss_of (MmLandscape *ls,
         MmParams    *p,
         double      *loss,
         GError     **error)
{
  g_autoptr(GHashTable) nodes = mm_module_make_param_nodes (p);
  g_autoptr(MmNode) out = mm_module_construct_tensor (ls->model, ls->x, nodes, error);
  g_autoptr(MmNode) l = NULL;

  if (out == NULL)
    return FALSE;
  l = mm_loss_build (ls->loss, out, ls->y, error);
  if (l == NULL)
    return FALSE;
  *loss = mm_tensor_item (mm_node_get_value (l));
  return TRUE;
}

gboolean
mm_landscape_loss_at (MmLandscape *ls,
                      double       a,
                      double       b,
                      double      *loss,
                      GError     **error)
{
  g_autoptr(MmParams) p = NULL;

  g_return_val_if_fail (ls != NULL && loss != NULL, FALSE);
  p = mm_landscape_point (ls, a, b);
  return loss_of (ls, p, loss, error);
}

gboolean
mm_landscape_evaluate_grid (MmLandscape        *ls,
                            guint               n,
                            const double        window[4],
                            float              *values,
                            MmLandscapeProgress progress,
                            gpointer            user_data,
                            GError            **error)
{
  g_autoptr(MmParams) p = NULL;

  g_return_val_if_fail (ls != NULL && window != NULL && values != NULL, FALSE);
  if (n < 2 || n > 1024)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The landscape's grid has 2 to 1024 points a side, not %u", n);
      return FALSE;
    }
  if (!(window[1] > window[0]) || !(window[3] > window[2]) ||
      !isfinite (window[0] + window[1] + window[2] + window[3]))
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                           "The landscape's window must have a finite, positive width and height");
      return FALSE;
    }
  /* One table for the whole grid: once a point's graph is gone its tensors
   * are ours alone again, so fill_point writes them in place. */
  p = mm_params_copy (ls->theta0);
  for (guint j = 0; j < n; j++)
    {
      double b = ((double) (n - 1 - j) * window[2] + (double) j * window[3]) / (double) (n - 1);

      for (guint i = 0; i < n; i++)
        {
          double a = ((double) (n - 1 - i) * window[0] + (double) i * window[1]) / (double) (n - 1);
          double loss;

          fill_point (ls, p, a, b);
          if (!loss_of (ls, p, &loss, error))
            return FALSE;
          values[(gsize) j * n + i] = (float) loss;
        }
      if (progress != NULL && !progress (j + 1, n, user_data))
        {
          g_set_error_literal (error, MM_ERROR, MM_ERROR_CANCELLED, "The landscape was cancelled");
          return FALSE;
        }
    }
  return TRUE;
}
