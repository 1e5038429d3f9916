/* mm-params.c — named parameters. */
#include "mm-params.h"
#include "mm-error.h"

#include <math.h>

struct _MmParams {
  gint ref_count;
  GPtrArray *names;    /* char* */
  GPtrArray *tensors;  /* MmTensor* */
};

void
mm_param_spec_clear (MmParamSpec *spec)
{
  g_clear_pointer (&spec->name, g_free);
}

GArray *
mm_param_specs_new (void)
{
  GArray *a = g_array_new (FALSE, TRUE, sizeof (MmParamSpec));
  g_array_set_clear_func (a, (GDestroyNotify) mm_param_spec_clear);
  return a;
}

void
mm_param_specs_add (GArray        *specs,
                    const char    *name,
                    const MmShape *shape,
                    MmParamRole    role,
                    gsize          fan_in,
                    gsize          fan_out)
{
  MmParamSpec spec = { g_strdup (name), *shape, role, fan_in, fan_out, FALSE, 0.0f, MM_PARAM_DRAW_DEFAULT, 0.0f };
  g_array_append_val (specs, spec);
}

void
mm_param_specs_add_constant (GArray        *specs,
                             const char    *name,
                             const MmShape *shape,
                             MmParamRole    role,
                             float          value)
{
  MmParamSpec spec = { g_strdup (name), *shape, role, 0, 0, TRUE, value, MM_PARAM_DRAW_DEFAULT, 0.0f };
  g_array_append_val (specs, spec);
}

void
mm_param_specs_add_drawn (GArray        *specs,
                          const char    *name,
                          const MmShape *shape,
                          MmParamRole    role,
                          MmParamDraw    draw,
                          float          scale)
{
  MmParamSpec spec = { g_strdup (name), *shape, role, 0, 0, FALSE, 0.0f, draw, scale };
  g_array_append_val (specs, spec);
}

gboolean
mm_param_role_is_trained (MmParamRole role)
{
  return role != MM_PARAM_BUFFER;
}

static const char *init_names[] = {
  [MM_INIT_XAVIER_UNIFORM] = "xavier",
  [MM_INIT_HE_NORMAL] = "he",
  [MM_INIT_HE_UNIFORM] = "he-uniform",
  [MM_INIT_ZEROS] = "zeros",
};

const char *
mm_init_kind_name (MmInitKind kind)
{
  g_return_val_if_fail (kind < G_N_ELEMENTS (init_names), NULL);
  return init_names[kind];
}

gboolean
mm_init_kind_from_name (const char *name,
                        MmInitKind *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (init_names); i++)
    if (g_ascii_strcasecmp (name, init_names[i]) == 0)
      {
        *kind = i;
        return TRUE;
      }
  return FALSE;
}

MmParams *
mm_params_new (void)
{
  MmParams *p = g_new0 (MmParams, 1);
  p->ref_count = 1;
  p->names = g_ptr_array_new_with_free_func (g_free);
  p->tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_tensor_unref);
  return p;
}

MmParams *
mm_params_ref (MmParams *params)
{
  g_return_val_if_fail (params != NULL, NULL);
  g_atomic_int_inc (&params->ref_count);
  return params;
}

void
mm_params_unref (MmParams *params)
{
  if (params == NULL || !g_atomic_int_dec_and_test (&params->ref_count))
    return;
  g_ptr_array_unref (params->names);
  g_ptr_array_unref (params->tensors);
  g_free (params);
}

guint
mm_params_get_n (MmParams *params)
{
  g_return_val_if_fail (params != NULL, 0);
  return params->names->len;
}

const char *
mm_params_get_name (MmParams *params,
                    guint     index)
{
  g_return_val_if_fail (params != NULL && index < params->names->len, NULL);
  return g_ptr_array_index (params->names, index);
}

MmTensor *
mm_params_get_tensor (MmParams *params,
                      guint     index)
{
  g_return_val_if_fail (params != NULL && index < params->tensors->len, NULL);
  return g_ptr_array_index (params->tensors, index);
}

gint
mm_params_find (MmParams   *params,
                const char *name)
{
  g_return_val_if_fail (params != NULL && name != NULL, -1);
  for (guint i = 0; i < params->names->len; i++)
    if (g_str_equal (g_ptr_array_index (params->names, i), name))
      return (gint) i;
  return -1;
}

MmTensor *
mm_params_lookup (MmParams   *params,
                  const char *name)
{
  gint i = mm_params_find (params, name);
  return i >= 0 ? g_ptr_array_index (params->tensors, i) : NULL;
}

void
mm_params_set (MmParams   *params,
               const char *name,
               MmTensor   *tensor)
{
  gint i;

  g_return_if_fail (params != NULL && name != NULL && tensor != NULL);
  i = mm_params_find (params, name);
  mm_tensor_ref (tensor);
  if (i >= 0)
    {
      mm_tensor_unref (g_ptr_array_index (params->tensors, i));
      g_ptr_array_index (params->tensors, i) = tensor;
    }
  else
    {
      g_ptr_array_add (params->names, g_strdup (name));
      g_ptr_array_add (params->tensors, tensor);
    }
}

float *
mm_params_make_writable (MmParams *params,
                         guint     index)
{
  g_return_val_if_fail (params != NULL && index < params->tensors->len, NULL);
  return mm_tensor_make_writable ((MmTensor **) &g_ptr_array_index (params->tensors, index));
}

MmParams *
mm_params_snapshot (MmParams *params)
{
  MmParams *s = mm_params_new ();
  for (guint i = 0; i < params->names->len; i++)
    mm_params_set (s, g_ptr_array_index (params->names, i), g_ptr_array_index (params->tensors, i));
  return s;
}

MmParams *
mm_params_copy (MmParams *params)
{
  MmParams *s = mm_params_new ();
  for (guint i = 0; i < params->names->len; i++)
    {
      g_autoptr(MmTensor) t = mm_tensor_copy (g_ptr_array_index (params->tensors, i));
      mm_params_set (s, g_ptr_array_index (params->names, i), t);
    }
  return s;
}

gsize
mm_params_count_values (MmParams *params)
{
  gsize n = 0;
  for (guint i = 0; i < params->tensors->len; i++)
    n += ((MmTensor *) g_ptr_array_index (params->tensors, i))->size;
  return n;
}

gboolean
mm_params_all_finite (MmParams    *params,
                      const char **first_bad_name)
{
  for (guint i = 0; i < params->tensors->len; i++)
    if (!mm_tensor_all_finite (g_ptr_array_index (params->tensors, i)))
      {
        if (first_bad_name)
          *first_bad_name = g_ptr_array_index (params->names, i);
        return FALSE;
      }
  return TRUE;
}

MmParams *
mm_params_init (GArray     *specs,
                MmInitKind  weight_init,
                guint32     seed,
                GError    **error)
{
  g_autoptr(MmParams) params = NULL;
  g_autoptr(GRand) rand = NULL;
  gsize total = 0;

  /* The whole network's size first: no tensor is made for a network that
   * cannot be trained. */
  for (guint i = 0; i < specs->len; i++)
    {
      const MmParamSpec *spec = &g_array_index (specs, MmParamSpec, i);
      gsize n = 1;
      gboolean overflow = FALSE;

      for (guint d = 0; d < spec->shape.ndim; d++)
        overflow |= !g_size_checked_mul (&n, n, spec->shape.dim[d]);
      if (overflow || !g_size_checked_add (&total, total, n) || total > MM_MAX_PARAMS)
        {
          if (overflow || total < n)
            g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                         "The network has far more than %" G_GSIZE_FORMAT " parameters, the most that can be "
                         "trained here (parameter %s alone is too large). Use fewer or smaller layers.",
                         MM_MAX_PARAMS, spec->name);
          else
            {
              for (guint j = i + 1; j < specs->len && total != G_MAXSIZE; j++)
                {
                  const MmParamSpec *rest = &g_array_index (specs, MmParamSpec, j);
                  gsize m = 1;
                  for (guint d = 0; d < rest->shape.ndim; d++)
                    if (!g_size_checked_mul (&m, m, rest->shape.dim[d]))
                      m = G_MAXSIZE;
                  if (!g_size_checked_add (&total, total, m))
                    total = G_MAXSIZE;
                }
              g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                           "The network has %" G_GSIZE_FORMAT " parameters, more than the %" G_GSIZE_FORMAT
                           " that can be trained here (training keeps several copies of each). "
                           "Use fewer or smaller layers.", total, MM_MAX_PARAMS);
            }
          return NULL;
        }
    }

  params = mm_params_new ();
  rand = g_rand_new_with_seed (seed);
  for (guint i = 0; i < specs->len; i++)
    {
      const MmParamSpec *spec = &g_array_index (specs, MmParamSpec, i);
      g_autoptr(MmTensor) t = mm_tensor_new (&spec->shape, error);
      MmInitKind kind = spec->role == MM_PARAM_BIAS ? MM_INIT_ZEROS : weight_init;
      double fan_in = MAX (spec->fan_in, 1), fan_out = MAX (spec->fan_out, 1);

      if (t == NULL)
        {
          g_prefix_error (error, "Parameter %s: ", spec->name);
          return NULL;
        }
      /* No draws for these, so adding a layer with such specs leaves the
       * random numbers of every other parameter as they were. */
      if (spec->fixed_init || spec->role == MM_PARAM_BUFFER)
        {
          mm_tensor_fill (t, spec->fixed_init ? spec->init_value : 0.0f);
          mm_params_set (params, spec->name, t);
          continue;
        }
      if (spec->draw == MM_PARAM_DRAW_UNIFORM)
        {
          mm_tensor_fill_uniform (t, rand, -spec->draw_scale, spec->draw_scale);
          mm_params_set (params, spec->name, t);
          continue;
        }
      if (spec->draw == MM_PARAM_DRAW_NORMAL)
        {
          mm_tensor_fill_normal (t, rand, 0.0f, spec->draw_scale);
          mm_params_set (params, spec->name, t);
          continue;
        }
      switch (kind)
        {
        case MM_INIT_XAVIER_UNIFORM:
          {
            float a = (float) sqrt (6.0 / (fan_in + fan_out));
            mm_tensor_fill_uniform (t, rand, -a, a);
          }
          break;
        case MM_INIT_HE_NORMAL:
          mm_tensor_fill_normal (t, rand, 0.0f, (float) sqrt (2.0 / fan_in));
          break;
        case MM_INIT_HE_UNIFORM:
          {
            float a = (float) sqrt (6.0 / fan_in);
            mm_tensor_fill_uniform (t, rand, -a, a);
          }
          break;
        case MM_INIT_ZEROS:
        default:
          break;
        }
      mm_params_set (params, spec->name, t);
    }
  return g_steal_pointer (&params);
}

gboolean
mm_params_check (MmParams *params,
                 GArray   *specs,
                 GError  **error)
{
  for (guint i = 0; i < specs->len; i++)
    {
      const MmParamSpec *spec = &g_array_index (specs, MmParamSpec, i);
      MmTensor *t = mm_params_lookup (params, spec->name);

      if (t == NULL)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                       "The parameter %s is missing", spec->name);
          return FALSE;
        }
      if (!mm_shape_equal (&t->shape, &spec->shape))
        {
          g_autofree char *want = mm_shape_to_string (&spec->shape);
          g_autofree char *have = mm_shape_to_string (&t->shape);
          g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                       "The parameter %s should have shape %s, but has shape %s",
                       spec->name, want, have);
          return FALSE;
        }
    }
  return TRUE;
}
