/* mm-module-cnn.c — layers for images: Reshape, Conv2d, MaxPool2d, AvgPool2d,
 * Dropout and BatchNorm1d/2d, with their text forms.
 *
 * Each builds one node of its own kind (mm-conv.c, mm-pool.c, mm-dropout.c,
 * mm-batchnorm.c), so the graph view shows a convolution as one step with its
 * teaching rule. Dropout and BatchNorm look at the construct context: only
 * in training mode does Dropout draw a mask (otherwise it passes its input
 * on, adding nothing to the graph) and BatchNorm use the batch's statistics.
 */
#include "mm-module-private.h"
#include "mm-error.h"
#include "mm-conv.h"
#include "mm-pool.h"
#include "mm-dropout.h"
#include "mm-batchnorm.h"
#include "mm-shape-ops.h"

#include <math.h>
#include <string.h>

/* Bounds that refuse absurd layers before anything is allocated. */
#define MAX_CHANNELS ((gsize) 1 << 20)
#define MAX_KERNEL ((gsize) 1 << 12)
#define MAX_STEP ((gsize) 1 << 12)

/* A number as short as it can be printed and still read back the same. */
static char *
format_number (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (int digits = 6; digits <= 17; digits++)
    {
      char format[8];
      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buf, sizeof buf, format, v);
      if (g_ascii_strtod (buf, NULL) == v)
        break;
    }
  return g_strdup (buf);
}

static void
shape_of (MmShape     *shape,
          guint        ndim,
          const gsize *dims)
{
  mm_shape_scalar (shape);
  shape->ndim = ndim;
  for (guint i = 0; i < ndim; i++)
    shape->dim[i] = dims[i];
}

/* ---- Reshape ------------------------------------------------------------- */

static gboolean
reshape_target (MmModule       *self,
                const MmShape  *in,
                MmShape        *out,
                GError        **error)
{
  gsize sample = 1, want = mm_shape_size (&self->shape);

  if (in->ndim < 1)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE, "Reshape needs a batch axis, but the input is a single number");
      return FALSE;
    }
  for (guint i = 1; i < in->ndim; i++)
    sample *= in->dim[i];
  if (sample != want)
    {
      g_autofree char *s_in = mm_shape_to_string (in);
      g_autofree char *s_want = mm_shape_to_string (&self->shape);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "turns each sample into shape %s (%" G_GSIZE_FORMAT " numbers), but the input of shape %s has %"
                   G_GSIZE_FORMAT " numbers per sample", s_want, want, s_in, sample);
      return FALSE;
    }
  mm_shape_scalar (out);
  out->ndim = self->shape.ndim + 1;
  out->dim[0] = in->dim[0];
  for (guint i = 0; i < self->shape.ndim; i++)
    out->dim[i + 1] = self->shape.dim[i];
  return TRUE;
}

static MmNode *
reshape_construct (MmModule            *self,
                   MmNode              *input,
                   GHashTable          *nodes,
                   const char          *prefix,
                   MmConstructContext  *ctx,
                   GError             **error)
{
  MmShape out;

  if (!reshape_target (self, mm_node_get_shape (input), &out, error))
    return NULL;
  return mm_reshape_new (input, &out, error);
}

static gboolean
reshape_output_shape (MmModule      *self,
                      const MmShape *in,
                      MmShape       *out,
                      GError       **error)
{
  return reshape_target (self, in, out, error);
}

static char *
reshape_to_string (MmModule *self)
{
  GString *s = g_string_new ("Reshape(");

  for (guint i = 0; i < self->shape.ndim; i++)
    g_string_append_printf (s, i ? ", %" G_GSIZE_FORMAT : "%" G_GSIZE_FORMAT, self->shape.dim[i]);
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

static const MmModuleClass reshape_class = {
  .type_name = "Reshape",
  .construct = reshape_construct,
  .output_shape = reshape_output_shape,
  .to_string = reshape_to_string,
};

MmModule *
mm_module_reshape_new (guint         ndim,
                       const gsize  *dims,
                       GError      **error)
{
  MmModule *m;
  MmShape shape;

  g_return_val_if_fail (dims != NULL || ndim == 0, NULL);
  if (ndim == 0 || ndim >= MM_MAX_DIMS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Reshape needs the shape of one sample: between 1 and %d axis lengths", MM_MAX_DIMS - 1);
      return NULL;
    }
  for (guint i = 0; i < ndim; i++)
    if (dims[i] == 0)
      {
        g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, "Reshape: every axis length must be at least 1");
        return NULL;
      }
  shape_of (&shape, ndim, dims);
  if (!mm_shape_validate (&shape, error))
    return NULL;
  m = mm_module_alloc (&reshape_class);
  m->shape = shape;
  return m;
}

gboolean
mm_module_get_reshape (MmModule *module,
                       MmShape  *sample_shape)
{
  if (!mm_module_is_kind (module, &reshape_class))
    return FALSE;
  if (sample_shape)
    *sample_shape = module->shape;
  return TRUE;
}

/* ---- Conv2d -------------------------------------------------------------- */

static void
conv2d_shapes (MmModule *self,
               MmShape  *ws,
               MmShape  *bs)
{
  shape_of (ws, 4, (gsize[]) { self->out_features, self->in_features, self->kernel, self->kernel });
  shape_of (bs, 1, &self->out_features);
}

static void
conv2d_get_params (MmModule   *self,
                   const char *prefix,
                   GArray     *specs)
{
  g_autofree char *w = g_strconcat (prefix, "weight", NULL);
  g_autofree char *b = g_strconcat (prefix, "bias", NULL);
  const gsize k2 = self->kernel * self->kernel;
  MmShape ws, bs;

  conv2d_shapes (self, &ws, &bs);
  /* One output number sums C·k·k inputs; one input number reaches O·k·k
   * outputs (away from the border): what Xavier and He scale by. */
  mm_param_specs_add (specs, w, &ws, MM_PARAM_WEIGHT, self->in_features * k2, self->out_features * k2);
  mm_param_specs_add (specs, b, &bs, MM_PARAM_BIAS, self->in_features * k2, self->out_features * k2);
}

static void
conv2d_settings (MmModule         *self,
                 MmConv2dSettings *st)
{
  mm_conv2d_settings_init (st, self->stride, self->padding, self->dilation);
}

static MmNode *
conv2d_construct (MmModule            *self,
                  MmNode              *input,
                  GHashTable          *nodes,
                  const char          *prefix,
                  MmConstructContext  *ctx,
                  GError             **error)
{
  MmConv2dSettings st;
  MmShape ws, bs, out;
  MmNode *w, *b;

  conv2d_shapes (self, &ws, &bs);
  conv2d_settings (self, &st);
  /* Check the input before the parameters: a wrong shape is the likelier mistake. */
  if (!mm_conv2d_infer_shape (mm_node_get_shape (input), &ws, &bs, &st, &out, error))
    return NULL;
  w = mm_module_lookup_param (nodes, prefix, "weight", &ws, error);
  if (w == NULL)
    return NULL;
  b = mm_module_lookup_param (nodes, prefix, "bias", &bs, error);
  if (b == NULL)
    return NULL;
  return mm_conv2d_new (input, w, b, &st, error);
}

static gboolean
conv2d_output_shape (MmModule      *self,
                     const MmShape *in,
                     MmShape       *out,
                     GError       **error)
{
  MmConv2dSettings st;
  MmShape ws, bs;

  conv2d_shapes (self, &ws, &bs);
  conv2d_settings (self, &st);
  return mm_conv2d_infer_shape (in, &ws, &bs, &st, out, error);
}

static char *
conv2d_to_string (MmModule *self)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "Conv2d(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT,
                          self->in_features, self->out_features, self->kernel);
  /* The optional settings are positional: print up to the last one that
   * differs from its default. */
  if (self->stride != 1 || self->padding != 0 || self->dilation != 1)
    g_string_append_printf (s, ", %" G_GSIZE_FORMAT, self->stride);
  if (self->padding != 0 || self->dilation != 1)
    g_string_append_printf (s, ", %" G_GSIZE_FORMAT, self->padding);
  if (self->dilation != 1)
    g_string_append_printf (s, ", %" G_GSIZE_FORMAT, self->dilation);
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

static const MmModuleClass conv2d_class = {
  .type_name = "Conv2d",
  .get_params = conv2d_get_params,
  .construct = conv2d_construct,
  .output_shape = conv2d_output_shape,
  .to_string = conv2d_to_string,
};

MmModule *
mm_module_conv2d_new (gsize    in_channels,
                      gsize    out_channels,
                      gsize    kernel,
                      gsize    stride,
                      gsize    padding,
                      gsize    dilation,
                      GError **error)
{
  MmModule *m;

  if (in_channels == 0 || out_channels == 0 || in_channels > MAX_CHANNELS || out_channels > MAX_CHANNELS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Conv2d: the numbers of input and output channels must be between 1 and %" G_GSIZE_FORMAT
                   ", not %" G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT, MAX_CHANNELS, in_channels, out_channels);
      return NULL;
    }
  if (kernel == 0 || kernel > MAX_KERNEL)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Conv2d: the kernel size must be between 1 and %" G_GSIZE_FORMAT ", not %" G_GSIZE_FORMAT,
                   MAX_KERNEL, kernel);
      return NULL;
    }
  if (stride == 0 || stride > MAX_STEP || dilation == 0 || dilation > MAX_STEP)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Conv2d: the stride and the dilation must be between 1 and %" G_GSIZE_FORMAT
                   ", not %" G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT, MAX_STEP, stride, dilation);
      return NULL;
    }
  if (padding > dilation * (kernel - 1))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Conv2d: padding %" G_GSIZE_FORMAT " is more than the %" G_GSIZE_FORMAT "×%" G_GSIZE_FORMAT
                   " kernel reaches (%" G_GSIZE_FORMAT "): some windows would see only padding",
                   padding, kernel, kernel, dilation * (kernel - 1));
      return NULL;
    }
  if (in_channels * kernel * kernel > MM_MAX_ELEMENTS / out_channels)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                   "Conv2d would have more than %" G_GSIZE_FORMAT " weights", (gsize) MM_MAX_ELEMENTS);
      return NULL;
    }
  m = mm_module_alloc (&conv2d_class);
  m->in_features = in_channels;
  m->out_features = out_channels;
  m->kernel = kernel;
  m->stride = stride;
  m->padding = padding;
  m->dilation = dilation;
  return m;
}

gboolean
mm_module_get_conv2d (MmModule *module,
                      gsize    *in_channels,
                      gsize    *out_channels,
                      gsize    *kernel,
                      gsize    *stride,
                      gsize    *padding,
                      gsize    *dilation)
{
  if (!mm_module_is_kind (module, &conv2d_class))
    return FALSE;
  if (in_channels)
    *in_channels = module->in_features;
  if (out_channels)
    *out_channels = module->out_features;
  if (kernel)
    *kernel = module->kernel;
  if (stride)
    *stride = module->stride;
  if (padding)
    *padding = module->padding;
  if (dilation)
    *dilation = module->dilation;
  return TRUE;
}

/* ---- MaxPool2d, AvgPool2d ------------------------------------------------ */

static const MmModuleClass max_pool_class;

static gboolean
pool_is_max (MmModule *self)
{
  return self->klass == &max_pool_class;
}

static MmNode *
pool_construct (MmModule            *self,
                MmNode              *input,
                GHashTable          *nodes,
                const char          *prefix,
                MmConstructContext  *ctx,
                GError             **error)
{
  MmConv2dSettings st;

  mm_conv2d_settings_init (&st, self->stride, self->padding, 1);
  if (pool_is_max (self))
    return mm_max_pool2d_new (input, self->kernel, self->kernel, &st, error);
  return mm_avg_pool2d_new (input, self->kernel, self->kernel, &st, error);
}

static gboolean
pool_output_shape (MmModule      *self,
                   const MmShape *in,
                   MmShape       *out,
                   GError       **error)
{
  MmConv2dSettings st;

  mm_conv2d_settings_init (&st, self->stride, self->padding, 1);
  return mm_pool2d_infer_shape (pool_is_max (self), in, self->kernel, self->kernel, &st, NULL, out, error);
}

static char *
pool_to_string (MmModule *self)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%s(%" G_GSIZE_FORMAT, self->klass->type_name, self->kernel);
  if (self->stride != self->kernel || self->padding != 0)
    g_string_append_printf (s, ", %" G_GSIZE_FORMAT, self->stride);
  if (self->padding != 0)
    g_string_append_printf (s, ", %" G_GSIZE_FORMAT, self->padding);
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

static const MmModuleClass max_pool_class = {
  .type_name = "MaxPool2d",
  .construct = pool_construct,
  .output_shape = pool_output_shape,
  .to_string = pool_to_string,
};

static const MmModuleClass avg_pool_class = {
  .type_name = "AvgPool2d",
  .construct = pool_construct,
  .output_shape = pool_output_shape,
  .to_string = pool_to_string,
};

MmModule *
mm_module_pool2d_new (gboolean  max,
                      gsize     kernel,
                      gsize     stride,
                      gsize     padding,
                      GError  **error)
{
  const char *what = max ? "MaxPool2d" : "AvgPool2d";
  MmModule *m;

  if (stride == 0)
    stride = kernel;
  if (kernel == 0 || kernel > MAX_KERNEL || stride > MAX_STEP)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "%s: the kernel size must be between 1 and %" G_GSIZE_FORMAT " and the stride at most %"
                   G_GSIZE_FORMAT, what, MAX_KERNEL, MAX_STEP);
      return NULL;
    }
  if (padding > kernel / 2)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "%s: padding %" G_GSIZE_FORMAT " is more than half the kernel size %" G_GSIZE_FORMAT,
                   what, padding, kernel);
      return NULL;
    }
  m = mm_module_alloc (max ? &max_pool_class : &avg_pool_class);
  m->kernel = kernel;
  m->stride = stride;
  m->padding = padding;
  return m;
}

gboolean
mm_module_get_pool2d (MmModule *module,
                      gboolean *max,
                      gsize    *kernel,
                      gsize    *stride,
                      gsize    *padding)
{
  g_return_val_if_fail (module != NULL, FALSE);
  if (module->klass != &max_pool_class && module->klass != &avg_pool_class)
    return FALSE;
  if (max)
    *max = pool_is_max (module);
  if (kernel)
    *kernel = module->kernel;
  if (stride)
    *stride = module->stride;
  if (padding)
    *padding = module->padding;
  return TRUE;
}

/* ---- Dropout ------------------------------------------------------------- */

static MmNode *
dropout_construct (MmModule            *self,
                   MmNode              *input,
                   GHashTable          *nodes,
                   const char          *prefix,
                   MmConstructContext  *ctx,
                   GError             **error)
{
  /* Eval mode, or nothing to drop: the identity, so no node at all. */
  if (!mm_construct_context_is_training (ctx) || self->rate == 0.0)
    return mm_node_ref (input);
  return mm_dropout_new (input, self->rate, mm_construct_context_layer_seed (ctx, prefix), error);
}

static gboolean
identity_output_shape (MmModule      *self,
                       const MmShape *in,
                       MmShape       *out,
                       GError       **error)
{
  *out = *in;
  return TRUE;
}

static char *
dropout_to_string (MmModule *self)
{
  g_autofree char *p = format_number (self->rate);
  return g_strdup_printf ("Dropout(%s)", p);
}

static const MmModuleClass dropout_class = {
  .type_name = "Dropout",
  .construct = dropout_construct,
  .output_shape = identity_output_shape,
  .to_string = dropout_to_string,
};

MmModule *
mm_module_dropout_new (double   p,
                       GError **error)
{
  MmModule *m;

  if (!(p >= 0.0 && p < 1.0))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Dropout(%g): the probability of dropping a number must be at least 0 and below 1", p);
      return NULL;
    }
  m = mm_module_alloc (&dropout_class);
  m->rate = p;
  return m;
}

gboolean
mm_module_get_dropout (MmModule *module,
                       double   *p)
{
  if (!mm_module_is_kind (module, &dropout_class))
    return FALSE;
  if (p)
    *p = module->rate;
  return TRUE;
}

/* ---- BatchNorm1d, BatchNorm2d -------------------------------------------- */

static const MmModuleClass batch_norm1d_class;

static guint
batch_norm_dims (MmModule *self)
{
  return self->klass == &batch_norm1d_class ? 1 : 2;
}

static void
batch_norm_get_params (MmModule   *self,
                       const char *prefix,
                       GArray     *specs)
{
  static const struct {
    const char *name;
    MmParamRole role;
    float value;
  } list[] = {
    { "weight", MM_PARAM_WEIGHT, 1.0f },
    { "bias", MM_PARAM_BIAS, 0.0f },
    { "running_mean", MM_PARAM_BUFFER, 0.0f },
    { "running_var", MM_PARAM_BUFFER, 1.0f },
  };
  MmShape shape;

  shape_of (&shape, 1, &self->in_features);
  for (guint i = 0; i < G_N_ELEMENTS (list); i++)
    {
      g_autofree char *name = g_strconcat (prefix, list[i].name, NULL);
      mm_param_specs_add_constant (specs, name, &shape, list[i].role, list[i].value);
    }
}

static gboolean
batch_norm_check_input (MmModule      *self,
                        const MmShape *in,
                        GError       **error)
{
  gboolean rank_ok = batch_norm_dims (self) == 1 ? in->ndim == 2 || in->ndim == 3 : in->ndim == 4;
  g_autofree char *s = NULL;

  if (rank_ok && in->dim[1] == self->in_features)
    return TRUE;
  s = mm_shape_to_string (in);
  if (!rank_ok)
    g_set_error (error, MM_ERROR, MM_ERROR_SHAPE, "needs input of shape %s, but receives shape %s",
                 batch_norm_dims (self) == 1 ? "(batch, features) or (batch, features, length)"
                                             : "(batch, channels, height, width)", s);
  else
    g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                 "expects %" G_GSIZE_FORMAT " %s (axis 1), but receives shape %s with %" G_GSIZE_FORMAT,
                 self->in_features, batch_norm_dims (self) == 1 ? "features" : "channels", s, in->dim[1]);
  return FALSE;
}

static MmNode *
batch_norm_construct (MmModule            *self,
                      MmNode              *input,
                      GHashTable          *nodes,
                      const char          *prefix,
                      MmConstructContext  *ctx,
                      GError             **error)
{
  static const char *const names[] = { "weight", "bias", "running_mean", "running_var" };
  MmNode *p[G_N_ELEMENTS (names)];
  MmNode *node;
  MmShape shape;

  if (!batch_norm_check_input (self, mm_node_get_shape (input), error))
    return NULL;
  shape_of (&shape, 1, &self->in_features);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      p[i] = mm_module_lookup_param (nodes, prefix, names[i], &shape, error);
      if (p[i] == NULL)
        return NULL;
    }
  if (!mm_construct_context_is_training (ctx))
    return mm_batch_norm_new (input, p[0], p[1], p[2], p[3], self->eps, error);

  node = mm_batch_norm_new (input, p[0], p[1], NULL, NULL, self->eps, error);
  if (node != NULL)
    {
      g_autofree char *mean = g_strconcat (prefix, names[2], NULL);
      g_autofree char *var = g_strconcat (prefix, names[3], NULL);
      mm_construct_context_add_running_stats (ctx, node, mean, p[2], var, p[3], self->momentum);
    }
  return node;
}

static gboolean
batch_norm_output_shape (MmModule      *self,
                         const MmShape *in,
                         MmShape       *out,
                         GError       **error)
{
  if (!batch_norm_check_input (self, in, error))
    return FALSE;
  *out = *in;
  return TRUE;
}

static char *
batch_norm_to_string (MmModule *self)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%s(%" G_GSIZE_FORMAT, self->klass->type_name, self->in_features);
  if (self->eps != 1e-5 || self->momentum != 0.1)
    {
      g_autofree char *e = format_number (self->eps);
      g_autofree char *m = format_number (self->momentum);
      g_string_append_printf (s, ", %s, %s", e, m);
    }
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

static const MmModuleClass batch_norm1d_class = {
  .type_name = "BatchNorm1d",
  .get_params = batch_norm_get_params,
  .construct = batch_norm_construct,
  .output_shape = batch_norm_output_shape,
  .to_string = batch_norm_to_string,
};

static const MmModuleClass batch_norm2d_class = {
  .type_name = "BatchNorm2d",
  .get_params = batch_norm_get_params,
  .construct = batch_norm_construct,
  .output_shape = batch_norm_output_shape,
  .to_string = batch_norm_to_string,
};

MmModule *
mm_module_batch_norm_new (guint    spatial_dims,
                          gsize    features,
                          double   eps,
                          double   momentum,
                          GError **error)
{
  MmModule *m;

  g_return_val_if_fail (spatial_dims == 1 || spatial_dims == 2, NULL);
  if (features == 0 || features > MAX_CHANNELS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "BatchNorm%ud: the number of %s must be between 1 and %" G_GSIZE_FORMAT ", not %" G_GSIZE_FORMAT,
                   spatial_dims, spatial_dims == 1 ? "features" : "channels", MAX_CHANNELS, features);
      return NULL;
    }
  if (!(eps > 0.0 && eps < 1.0) || !(momentum >= 0.0 && momentum <= 1.0))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "BatchNorm%ud: eps must lie in (0, 1) and the momentum in [0, 1], not %g and %g",
                   spatial_dims, eps, momentum);
      return NULL;
    }
  m = mm_module_alloc (spatial_dims == 1 ? &batch_norm1d_class : &batch_norm2d_class);
  m->in_features = features;
  m->eps = eps;
  m->momentum = momentum;
  return m;
}

gboolean
mm_module_get_batch_norm (MmModule *module,
                          guint    *spatial_dims,
                          gsize    *features,
                          double   *eps,
                          double   *momentum)
{
  g_return_val_if_fail (module != NULL, FALSE);
  if (module->klass != &batch_norm1d_class && module->klass != &batch_norm2d_class)
    return FALSE;
  if (spatial_dims)
    *spatial_dims = batch_norm_dims (module);
  if (features)
    *features = module->in_features;
  if (eps)
    *eps = module->eps;
  if (momentum)
    *momentum = module->momentum;
  return TRUE;
}

/* ---- The text form ------------------------------------------------------- */

/* The arguments as whole numbers ≥ 0; FALSE if any is not one. */
static gboolean
whole_args (GArray *args,
            gsize  *out)
{
  for (guint i = 0; i < args->len; i++)
    {
      double v = g_array_index (args, double, i);
      if (!(v >= 0.0 && v <= 1e15) || v != floor (v))
        return FALSE;
      out[i] = (gsize) v;
    }
  return TRUE;
}

gboolean
mm_module_parse_cnn_layer (const char  *name,
                           GArray      *args,
                           MmModule   **module,
                           GError     **error)
{
  gsize a[MM_MAX_DIMS];
  gboolean whole = args->len <= G_N_ELEMENTS (a) && whole_args (args, a);

  *module = NULL;
  if (g_ascii_strcasecmp (name, "Reshape") == 0)
    {
      if (args->len == 0 || !whole)
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                     "Reshape needs the shape of one sample as whole numbers: Reshape(1, 28, 28)");
      else
        *module = mm_module_reshape_new (args->len, a, error);
      return TRUE;
    }
  if (g_ascii_strcasecmp (name, "Conv2d") == 0)
    {
      if (args->len < 3 || args->len > 6 || !whole)
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                     "Conv2d needs whole numbers ≥ 0: in channels, out channels, kernel size, and optionally "
                     "stride, padding and dilation: Conv2d(1, 6, 5) or Conv2d(6, 16, 3, 1, 1)");
      else
        *module = mm_module_conv2d_new (a[0], a[1], a[2], args->len > 3 ? a[3] : 1, args->len > 4 ? a[4] : 0,
                                        args->len > 5 ? a[5] : 1, error);
      return TRUE;
    }
  if (g_ascii_strcasecmp (name, "MaxPool2d") == 0 || g_ascii_strcasecmp (name, "AvgPool2d") == 0)
    {
      gboolean max = g_ascii_strcasecmp (name, "MaxPool2d") == 0;
      if (args->len < 1 || args->len > 3 || !whole)
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                     "%s needs whole numbers ≥ 0: the kernel size, and optionally stride and padding: %s(2)",
                     max ? "MaxPool2d" : "AvgPool2d", max ? "MaxPool2d" : "AvgPool2d");
      else if (args->len > 1 && a[1] == 0)
        g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, "%s: the stride must be at least 1",
                     max ? "MaxPool2d" : "AvgPool2d");
      else
        *module = mm_module_pool2d_new (max, a[0], args->len > 1 ? a[1] : a[0], args->len > 2 ? a[2] : 0, error);
      return TRUE;
    }
  if (g_ascii_strcasecmp (name, "Dropout") == 0)
    {
      if (args->len > 1)
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "Dropout takes one number, the probability p: Dropout(0.5)");
      else
        *module = mm_module_dropout_new (args->len == 1 ? g_array_index (args, double, 0) : 0.5, error);
      return TRUE;
    }
  if (g_ascii_strcasecmp (name, "BatchNorm1d") == 0 || g_ascii_strcasecmp (name, "BatchNorm2d") == 0)
    {
      guint dims = g_ascii_strcasecmp (name, "BatchNorm1d") == 0 ? 1 : 2;
      gsize f;
      if ((args->len != 1 && args->len != 3) || !(g_array_index (args, double, 0) >= 1.0)
          || g_array_index (args, double, 0) != floor (g_array_index (args, double, 0))
          || g_array_index (args, double, 0) > 1e15)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                       "BatchNorm%ud needs the number of %s, and optionally eps and momentum: BatchNorm%ud(16) "
                       "or BatchNorm%ud(16, 1e-5, 0.1)", dims, dims == 1 ? "features" : "channels", dims, dims);
          return TRUE;
        }
      f = (gsize) g_array_index (args, double, 0);
      *module = mm_module_batch_norm_new (dims, f, args->len == 3 ? g_array_index (args, double, 1) : 1e-5,
                                          args->len == 3 ? g_array_index (args, double, 2) : 0.1, error);
      return TRUE;
    }
  return FALSE;
}
