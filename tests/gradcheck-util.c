/* gradcheck-util.c — see gradcheck-util.h. */
#include "gradcheck-util.h"

#include <math.h>
#include <string.h>

/* Builds f on constants holding @x and returns its node. */
static MmNode *
build_on (guint             n,
          MmTensor * const *x,
          BuildFunc         build,
          gconstpointer     data,
          MmNode          **consts)
{
  g_autoptr(GError) error = NULL;
  MmNode *y;

  for (guint i = 0; i < n; i++)
    consts[i] = mm_constant_new (x[i]);
  y = build (consts, data, &error);
  g_assert_no_error (error);
  g_assert_nonnull (y);
  return y;
}

/* L = Σ W ⊙ f(x), in double. */
static double
weighted_value (guint             n,
                MmTensor * const *x,
                BuildFunc         build,
                gconstpointer     data,
                const MmTensor   *w)
{
  g_autofree MmNode **consts = g_new0 (MmNode *, n);
  MmNode *y = build_on (n, x, build, data, consts);
  const MmTensor *v = mm_node_get_value (y);
  double L = 0.0;

  g_assert_true (mm_tensor_same_shape (v, w));
  for (gsize i = 0; i < v->size; i++)
    L += (double) w->data[i] * (double) v->data[i];
  mm_node_unref (y);
  for (guint i = 0; i < n; i++)
    mm_node_unref (consts[i]);
  return L;
}

void
gradcheck (const char       *what,
           guint             n,
           MmTensor * const *x,
           BuildFunc         build,
           gconstpointer     data,
           GRand            *rand)
{
  g_autoptr(GError) error = NULL;
  g_autofree MmNode **consts = g_new0 (MmNode *, n);
  g_autofree MmTensor **grads = g_new0 (MmTensor *, n);
  g_autofree MmTensor **probe = g_new0 (MmTensor *, n);
  g_autoptr(MmTensor) w = NULL;
  MmNode *y;
  double worst = 0.0;
  gsize checked = 0;

  y = build_on (n, x, build, data, consts);
  w = mm_tensor_new_like (mm_node_get_value (y));
  mm_tensor_fill_normal (w, rand, 0.0f, 1.0f);
  g_assert_true (mm_node_get_gradients_against (y, n, consts, w, grads, &error));
  g_assert_no_error (error);
  mm_node_unref (y);
  for (guint i = 0; i < n; i++)
    mm_node_unref (consts[i]);

  for (guint i = 0; i < n; i++)
    {
      double scale = mm_tensor_max_abs (grads[i]);

      g_assert_true (mm_tensor_same_shape (grads[i], x[i]));
      memcpy (probe, x, n * sizeof (MmTensor *));
      for (gsize k = 0; k < x[i]->size; k++)
        {
          g_autoptr(MmTensor) plus = mm_tensor_copy (x[i]);
          g_autoptr(MmTensor) minus = mm_tensor_copy (x[i]);
          float x0 = x[i]->data[k];
          double h = FD_STEP * MAX (1.0, fabs (x0));
          double num, ana, err, tol;

          plus->data[k] = (float) (x0 + h);
          minus->data[k] = (float) (x0 - h);
          probe[i] = plus;
          num = weighted_value (n, probe, build, data, w);
          probe[i] = minus;
          num -= weighted_value (n, probe, build, data, w);
          num /= (double) plus->data[k] - (double) minus->data[k];
          probe[i] = x[i];

          ana = grads[i]->data[k];
          err = fabs (num - ana);
          tol = FD_RTOL * fabs (ana) + FD_ATOL * (1.0 + scale);
          worst = MAX (worst, err / tol);
          checked++;
          if (!(err <= tol))
            {
              g_test_fail_printf ("%s: dL/dx%u[%" G_GSIZE_FORMAT "] is %.7g, finite differences "
                                  "give %.7g (x = %.7g)", what, i, k, ana, num, x0);
              break;
            }
        }
      mm_tensor_unref (grads[i]);
    }
  g_test_message ("%s: %" G_GSIZE_FORMAT " derivatives, worst difference %.3f of the tolerance",
                  what, checked, worst);
}

MmTensor *
random_uniform_tensor (GRand       *rand,
                       guint        ndim,
                       const gsize *dims,
                       double       lo,
                       double       hi)
{
  MmTensor *t = mm_tensor_new_dims (ndim, dims, NULL);

  g_assert_nonnull (t);
  for (gsize i = 0; i < t->size; i++)
    t->data[i] = (float) g_rand_double_range (rand, lo, hi);
  return t;
}

typedef struct {
  MmModule *model;
  GArray *specs;
} ModelSpec;

/* x[0] is the input, x[1…] the parameters in the order of the specs. */
static MmNode *
build_model (MmNode * const *x,
             gconstpointer   data,
             GError        **error)
{
  const ModelSpec *m = data;
  g_autoptr(GHashTable) nodes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                       (GDestroyNotify) mm_node_unref);

  for (guint i = 0; i < m->specs->len; i++)
    g_hash_table_insert (nodes, g_array_index (m->specs, MmParamSpec, i).name, mm_node_ref (x[i + 1]));
  return mm_module_construct (m->model, x[0], nodes, error);
}

void
gradcheck_model (const char  *text,
                 guint        x_ndim,
                 const gsize *x_dims,
                 GRand       *rand)
{
  g_autoptr(GError) error = NULL;
  ModelSpec m = { mm_module_parse (text, &error), NULL };
  g_autoptr(GPtrArray) x = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_tensor_unref);

  g_assert_no_error (error);
  m.specs = mm_module_get_params (m.model);
  g_ptr_array_add (x, random_uniform_tensor (rand, x_ndim, x_dims, -1.5, 1.5));
  for (guint i = 0; i < m.specs->len; i++)
    {
      const MmShape *s = &g_array_index (m.specs, MmParamSpec, i).shape;
      g_ptr_array_add (x, random_uniform_tensor (rand, s->ndim, s->dim, -0.8, 0.8));
    }
  gradcheck (text, x->len, (MmTensor **) x->pdata, build_model, &m, rand);
  g_array_unref (m.specs);
  mm_module_unref (m.model);
}
