/* mm-module.c — Input, Sequential, Flatten, Linear and activation modules. */
#include "mm-module-private.h"
#include "mm-error.h"
#include "mm-tensordot.h"
#include "mm-shape-ops.h"

#include <stdlib.h>
#include <string.h>

MmModule *
mm_module_alloc (const MmModuleClass *klass)
{
  MmModule *m = g_new0 (MmModule, 1);
  m->klass = klass;
  m->ref_count = 1;
  return m;
}

MmModule *
mm_module_ref (MmModule *module)
{
  g_return_val_if_fail (module != NULL, NULL);
  g_atomic_int_inc (&module->ref_count);
  return module;
}

void
mm_module_unref (MmModule *module)
{
  if (module == NULL || !g_atomic_int_dec_and_test (&module->ref_count))
    return;
  if (module->children)
    g_ptr_array_unref (module->children);
  g_free (module);
}

const char *
mm_module_get_type_name (MmModule *module)
{
  g_return_val_if_fail (module != NULL, NULL);
  return module->klass->type_name;
}

GArray *
mm_module_get_params (MmModule *module)
{
  GArray *specs = mm_param_specs_new ();

  g_return_val_if_fail (module != NULL, specs);
  if (module->klass->get_params)
    module->klass->get_params (module, "", specs);
  return specs;
}

gsize
mm_module_count_params (MmModule *module)
{
  g_autoptr(GArray) specs = mm_module_get_params (module);
  gsize n = 0;

  for (guint i = 0; i < specs->len; i++)
    if (mm_param_role_is_trained (g_array_index (specs, MmParamSpec, i).role))
      n += mm_shape_size (&g_array_index (specs, MmParamSpec, i).shape);
  return n;
}

/* Every node the module just made (those between its output and its input
 * that carry no scope yet) gets the module's scope. Children are built
 * through here too and tag theirs first, so a node keeps the innermost
 * module's scope, and each node is visited once over all levels: a walk stops
 * at nodes already tagged. Any module type gets this for free. */
static void
tag_scope (MmNode     *output,
           MmNode     *input,
           const char *prefix)
{
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();

  if (output == input || mm_node_get_scope (output) != NULL)
    return;
  mm_node_set_scope (output, prefix);
  g_ptr_array_add (stack, output);
  while (stack->len > 0)
    {
      MmNode *n = g_ptr_array_steal_index_fast (stack, stack->len - 1);

      for (guint i = 0; i < mm_node_get_n_inputs (n); i++)
        {
          MmNode *in = mm_node_get_input (n, i);

          if (in == input || mm_node_get_scope (in) != NULL)
            continue;
          mm_node_set_scope (in, prefix);
          g_ptr_array_add (stack, in);
        }
    }
}

static MmNode *
construct (MmModule            *module,
           MmNode              *input,
           GHashTable          *nodes,
           const char          *prefix,
           MmConstructContext  *ctx,
           GError             **error)
{
  MmNode *output = module->klass->construct (module, input, nodes, prefix, ctx, error);

  if (output != NULL)
    tag_scope (output, input, prefix);
  return output;
}

MmNode *
mm_module_construct (MmModule    *module,
                     MmNode      *input,
                     GHashTable  *param_nodes,
                     GError     **error)
{
  return mm_module_construct_full (module, input, param_nodes, NULL, error);
}

MmNode *
mm_module_construct_full (MmModule            *module,
                          MmNode              *input,
                          GHashTable          *param_nodes,
                          MmConstructContext  *ctx,
                          GError             **error)
{
  g_return_val_if_fail (module != NULL && input != NULL, NULL);
  return construct (module, input, param_nodes, "", ctx, error);
}

MmNode *
mm_module_construct_tensor (MmModule    *module,
                            MmTensor    *input,
                            GHashTable  *param_nodes,
                            GError     **error)
{
  return mm_module_construct_tensor_full (module, input, param_nodes, NULL, error);
}

MmNode *
mm_module_construct_tensor_full (MmModule            *module,
                                 MmTensor            *input,
                                 GHashTable          *param_nodes,
                                 MmConstructContext  *ctx,
                                 GError             **error)
{
  g_autoptr(MmNode) x = NULL;

  g_return_val_if_fail (module != NULL && input != NULL, NULL);
  x = mm_constant_new_labelled (input, "input");
  return construct (module, x, param_nodes, "", ctx, error);
}

gboolean
mm_module_output_shape (MmModule      *module,
                        const MmShape *in,
                        MmShape       *out,
                        GError       **error)
{
  g_return_val_if_fail (module != NULL && in != NULL && out != NULL, FALSE);
  return module->klass->output_shape (module, in, out, error);
}

char *
mm_module_to_string (MmModule *module)
{
  g_return_val_if_fail (module != NULL, NULL);
  return module->klass->to_string (module);
}

MmTensor *
mm_module_predict (MmModule  *module,
                   MmParams  *params,
                   MmTensor  *x,
                   GError   **error)
{
  g_autoptr(GHashTable) nodes = NULL;
  g_autoptr(MmNode) out = NULL;

  g_return_val_if_fail (module != NULL && params != NULL && x != NULL, NULL);
  nodes = mm_module_make_param_nodes (params);
  out = mm_module_construct_tensor (module, x, nodes, error);
  if (out == NULL)
    return NULL;
  return mm_tensor_ref ((MmTensor *) mm_node_get_value (out));
}

GHashTable *
mm_module_make_param_nodes (MmParams *params)
{
  GHashTable *nodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) mm_node_unref);
  for (guint i = 0; i < mm_params_get_n (params); i++)
    {
      const char *name = mm_params_get_name (params, i);
      g_hash_table_insert (nodes, g_strdup (name),
                           mm_constant_new_labelled (mm_params_get_tensor (params, i), name));
    }
  return nodes;
}

MmNode *
mm_module_lookup_param (GHashTable     *nodes,
                        const char     *prefix,
                        const char     *name,
                        const MmShape  *shape,
                        GError        **error)
{
  g_autofree char *full = g_strconcat (prefix, name, NULL);
  MmNode *node = nodes ? g_hash_table_lookup (nodes, full) : NULL;

  if (node == NULL)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "No value was given for the parameter %s", full);
      return NULL;
    }
  if (!mm_shape_equal (mm_node_get_shape (node), shape))
    {
      g_autofree char *want = mm_shape_to_string (shape);
      g_autofree char *have = mm_shape_to_string (mm_node_get_shape (node));
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "The parameter %s should have shape %s, but its value has shape %s", full, want, have);
      return NULL;
    }
  return node;
}

void
mm_module_shape_1d (MmShape *s,
                    gsize    n)
{
  mm_shape_scalar (s);
  s->ndim = 1;
  s->dim[0] = n;
}

void
mm_module_shape_2d (MmShape *s,
                    gsize    rows,
                    gsize    cols)
{
  mm_shape_scalar (s);
  s->ndim = 2;
  s->dim[0] = rows;
  s->dim[1] = cols;
}

gboolean
mm_module_is_kind (MmModule            *module,
                   const MmModuleClass *klass)
{
  g_return_val_if_fail (module != NULL, FALSE);
  return module->klass == klass;
}

/* ---- Sequential ---------------------------------------------------------- */

static void
sequential_get_params (MmModule   *self,
                       const char *prefix,
                       GArray     *specs)
{
  for (guint i = 0; i < self->children->len; i++)
    {
      MmModule *child = g_ptr_array_index (self->children, i);
      g_autofree char *p = g_strdup_printf ("%s%u.", prefix, i);
      if (child->klass->get_params)
        child->klass->get_params (child, p, specs);
    }
}

static void
prefix_layer_error (GError   **error,
                    MmModule  *child,
                    guint      index)
{
  g_autofree char *what = mm_module_to_string (child);
  g_prefix_error (error, "Layer %u (%s): ", index, what);
}

static MmNode *
sequential_construct (MmModule            *self,
                      MmNode              *input,
                      GHashTable          *nodes,
                      const char          *prefix,
                      MmConstructContext  *ctx,
                      GError             **error)
{
  MmNode *x = mm_node_ref (input);

  for (guint i = 0; i < self->children->len; i++)
    {
      MmModule *child = g_ptr_array_index (self->children, i);
      g_autofree char *p = g_strdup_printf ("%s%u.", prefix, i);
      MmNode *y = construct (child, x, nodes, p, ctx, error);

      mm_node_unref (x);
      if (y == NULL)
        {
          prefix_layer_error (error, child, i);
          return NULL;
        }
      x = y;
    }
  return x;
}

static gboolean
sequential_output_shape (MmModule      *self,
                         const MmShape *in,
                         MmShape       *out,
                         GError       **error)
{
  MmShape cur = *in;

  for (guint i = 0; i < self->children->len; i++)
    {
      MmModule *child = g_ptr_array_index (self->children, i);
      MmShape next;

      if (!child->klass->output_shape (child, &cur, &next, error))
        {
          prefix_layer_error (error, child, i);
          return FALSE;
        }
      cur = next;
    }
  *out = cur;
  return TRUE;
}

static char *
sequential_to_string (MmModule *self)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < self->children->len; i++)
    {
      g_autofree char *c = mm_module_to_string (g_ptr_array_index (self->children, i));
      if (i > 0)
        g_string_append (s, "; ");
      g_string_append (s, c);
    }
  return g_string_free (s, FALSE);
}

static const MmModuleClass sequential_class = {
  .type_name = "Sequential",
  .get_params = sequential_get_params,
  .construct = sequential_construct,
  .output_shape = sequential_output_shape,
  .to_string = sequential_to_string,
};

MmModule *
mm_module_sequential_new (guint             n_children,
                          MmModule * const *children)
{
  MmModule *m = mm_module_alloc (&sequential_class);

  m->children = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_module_unref);
  for (guint i = 0; i < n_children; i++)
    g_ptr_array_add (m->children, mm_module_ref (children[i]));
  return m;
}

guint
mm_module_get_n_children (MmModule *module)
{
  g_return_val_if_fail (module != NULL, 0);
  return module->children ? module->children->len : 0;
}

MmModule *
mm_module_get_child (MmModule *module,
                     guint     index)
{
  g_return_val_if_fail (module != NULL && module->children != NULL, NULL);
  g_return_val_if_fail (index < module->children->len, NULL);
  return g_ptr_array_index (module->children, index);
}

/* ---- Input ---------------------------------------------------------------
 * Has no parameters of its own and one child, so it passes names unchanged. */

static void
input_get_params (MmModule   *self,
                  const char *prefix,
                  GArray     *specs)
{
  MmModule *child = g_ptr_array_index (self->children, 0);
  if (child->klass->get_params)
    child->klass->get_params (child, prefix, specs);
}

static MmNode *
input_construct (MmModule            *self,
                 MmNode              *input,
                 GHashTable          *nodes,
                 const char          *prefix,
                 MmConstructContext  *ctx,
                 GError             **error)
{
  return construct (g_ptr_array_index (self->children, 0), input, nodes, prefix, ctx, error);
}

static gboolean
input_output_shape (MmModule      *self,
                    const MmShape *in,
                    MmShape       *out,
                    GError       **error)
{
  MmModule *child = g_ptr_array_index (self->children, 0);
  return child->klass->output_shape (child, in, out, error);
}

static char *
input_to_string (MmModule *self)
{
  return mm_module_to_string (g_ptr_array_index (self->children, 0));
}

static const MmModuleClass input_class = {
  .type_name = "Input",
  .get_params = input_get_params,
  .construct = input_construct,
  .output_shape = input_output_shape,
  .to_string = input_to_string,
};

MmModule *
mm_module_input_new (MmModule *child)
{
  MmModule *m;

  g_return_val_if_fail (child != NULL, NULL);
  m = mm_module_alloc (&input_class);
  m->children = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_module_unref);
  g_ptr_array_add (m->children, mm_module_ref (child));
  return m;
}

/* ---- Flatten ------------------------------------------------------------- */

static MmNode *
flatten_construct (MmModule            *self,
                   MmNode              *input,
                   GHashTable          *nodes,
                   const char          *prefix,
                   MmConstructContext  *ctx,
                   GError             **error)
{
  return mm_flatten_new (input, error);
}

static gboolean
flatten_output_shape (MmModule      *self,
                      const MmShape *in,
                      MmShape       *out,
                      GError       **error)
{
  if (in->ndim < 1)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "Flatten needs a batch axis, but the input is a single number");
      return FALSE;
    }
  mm_shape_scalar (out);
  out->ndim = 2;
  out->dim[0] = in->dim[0];
  out->dim[1] = 1;
  for (guint i = 1; i < in->ndim; i++)
    out->dim[1] *= in->dim[i];
  return TRUE;
}

static char *
flatten_to_string (MmModule *self)
{
  return g_strdup ("Flatten");
}

static const MmModuleClass flatten_class = {
  .type_name = "Flatten",
  .construct = flatten_construct,
  .output_shape = flatten_output_shape,
  .to_string = flatten_to_string,
};

MmModule *
mm_module_flatten_new (void)
{
  return mm_module_alloc (&flatten_class);
}

/* ---- Linear --------------------------------------------------------------
 * y = TensorDot(x, W, 1) + Broadcast(b): the bias is broadcast over the batch
 * as a node of its own, so the graph shows it and its gradient is the sum of
 * the batch's rows. */

static void
linear_get_params (MmModule   *self,
                   const char *prefix,
                   GArray     *specs)
{
  g_autofree char *w = g_strconcat (prefix, "weight", NULL);
  g_autofree char *b = g_strconcat (prefix, "bias", NULL);
  MmShape ws, bs;

  mm_module_shape_2d (&ws, self->in_features, self->out_features);
  mm_module_shape_1d (&bs, self->out_features);
  mm_param_specs_add (specs, w, &ws, MM_PARAM_WEIGHT, self->in_features, self->out_features);
  mm_param_specs_add (specs, b, &bs, MM_PARAM_BIAS, self->in_features, self->out_features);
}

static gboolean
linear_check_input (MmModule      *self,
                    const MmShape *in,
                    GError       **error)
{
  if (in->ndim < 1 || in->dim[in->ndim - 1] != self->in_features)
    {
      g_autofree char *s = mm_shape_to_string (in);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "expects %" G_GSIZE_FORMAT " input features (the last axis), but receives shape %s",
                   self->in_features, s);
      return FALSE;
    }
  return TRUE;
}

static MmNode *
linear_construct (MmModule            *self,
                  MmNode              *input,
                  GHashTable          *nodes,
                  const char          *prefix,
                  MmConstructContext  *ctx,
                  GError             **error)
{
  g_autoptr(GArray) specs = mm_param_specs_new ();
  const MmShape *in = mm_node_get_shape (input);
  MmNode *w, *b;
  g_autoptr(MmNode) xw = NULL;
  g_autoptr(MmNode) bb = NULL;

  if (!linear_check_input (self, in, error))
    return NULL;
  linear_get_params (self, "", specs);
  w = mm_module_lookup_param (nodes, prefix, "weight", &g_array_index (specs, MmParamSpec, 0).shape, error);
  if (w == NULL)
    return NULL;
  b = mm_module_lookup_param (nodes, prefix, "bias", &g_array_index (specs, MmParamSpec, 1).shape, error);
  if (b == NULL)
    return NULL;

  xw = mm_tensordot_new (input, w, 1, error);
  if (xw == NULL)
    return NULL;
  bb = mm_broadcast_new (b, in->ndim - 1, in->dim, error);
  if (bb == NULL)
    return NULL;
  return mm_binary_new (MM_OP_ADD, xw, bb, error);
}

static gboolean
linear_output_shape (MmModule      *self,
                     const MmShape *in,
                     MmShape       *out,
                     GError       **error)
{
  if (!linear_check_input (self, in, error))
    return FALSE;
  *out = *in;
  out->dim[out->ndim - 1] = self->out_features;
  return TRUE;
}

static char *
linear_to_string (MmModule *self)
{
  return g_strdup_printf ("Linear(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")",
                          self->in_features, self->out_features);
}

static const MmModuleClass linear_class = {
  .type_name = "Linear",
  .get_params = linear_get_params,
  .construct = linear_construct,
  .output_shape = linear_output_shape,
  .to_string = linear_to_string,
};

/* A generous bound that still refuses absurd layers before anything is allocated. */
#define MAX_FEATURES ((gsize) 1 << 24)

MmModule *
mm_module_linear_new (gsize    in_features,
                      gsize    out_features,
                      GError **error)
{
  MmModule *m;

  if (in_features == 0 || out_features == 0 || in_features > MAX_FEATURES || out_features > MAX_FEATURES)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Linear(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "): the numbers of input and output "
                   "features must be between 1 and %" G_GSIZE_FORMAT,
                   in_features, out_features, MAX_FEATURES);
      return NULL;
    }
  if (in_features * out_features > MM_MAX_ELEMENTS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                   "Linear(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ") would have more than %"
                   G_GSIZE_FORMAT " weights", in_features, out_features, (gsize) MM_MAX_ELEMENTS);
      return NULL;
    }
  m = mm_module_alloc (&linear_class);
  m->in_features = in_features;
  m->out_features = out_features;
  return m;
}

gboolean
mm_module_get_linear_features (MmModule *module,
                               gsize    *in_features,
                               gsize    *out_features)
{
  g_return_val_if_fail (module != NULL, FALSE);
  if (module->klass != &linear_class)
    return FALSE;
  if (in_features)
    *in_features = module->in_features;
  if (out_features)
    *out_features = module->out_features;
  return TRUE;
}

/* ---- Activation (Elementwise) -------------------------------------------- */

static MmNode *
activation_construct (MmModule            *self,
                      MmNode              *input,
                      GHashTable          *nodes,
                      const char          *prefix,
                      MmConstructContext  *ctx,
                      GError             **error)
{
  return mm_elementwise_new (self->op, 1, &input, error);
}

static gboolean
activation_output_shape (MmModule      *self,
                         const MmShape *in,
                         MmShape       *out,
                         GError       **error)
{
  *out = *in;
  return TRUE;
}

static char *
activation_to_string (MmModule *self)
{
  const char *name = mm_op_kind_name (self->op.kind);

  switch (self->op.kind)
    {
    case MM_OP_LEAKY_RELU:
    case MM_OP_POW:
    case MM_OP_SCALE:
      return g_strdup_printf ("%s(%g)", name, self->op.param);
    default:
      return g_strdup (name);
    }
}

static const MmModuleClass activation_class = {
  .type_name = "Elementwise",
  .construct = activation_construct,
  .output_shape = activation_output_shape,
  .to_string = activation_to_string,
};

MmModule *
mm_module_activation_new (MmOp     op,
                          GError **error)
{
  MmModule *m;

  if ((guint) op.kind >= MM_N_OPS || op.kind == MM_OP_ADD || op.kind == MM_OP_MUL ||
      op.kind == MM_OP_SUB || op.kind == MM_OP_DIV)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Only operations with one input can be used as a layer");
      return NULL;
    }
  m = mm_module_alloc (&activation_class);
  m->op = op;
  m->op.arity = 1;
  return m;
}

gboolean
mm_module_get_activation_op (MmModule *module,
                             MmOp     *op)
{
  g_return_val_if_fail (module != NULL, FALSE);
  if (module->klass != &activation_class)
    return FALSE;
  if (op)
    *op = module->op;
  return TRUE;
}

/* ---- The text form ------------------------------------------------------- */

/* Parses "Name" or "Name(a, b, …)" into the name and its numeric arguments. */
static gboolean
parse_item (const char  *item,
            char       **name_out,
            GArray      *args,
            GError     **error)
{
  const char *open = strchr (item, '(');
  g_autofree char *name = NULL;

  if (open == NULL)
    {
      name = g_strstrip (g_strdup (item));
    }
  else
    {
      const char *close = strrchr (item, ')');
      g_autofree char *inner = NULL;
      g_auto(GStrv) parts = NULL;

      if (close == NULL || close < open)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "'%s' has an unclosed parenthesis", item);
          return FALSE;
        }
      for (const char *p = close + 1; *p; p++)
        if (!g_ascii_isspace (*p))
          {
            g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "Unexpected text after ')' in '%s'", item);
            return FALSE;
          }
      name = g_strstrip (g_strndup (item, open - item));
      inner = g_strndup (open + 1, close - open - 1);
      parts = g_strsplit (inner, ",", -1);
      for (guint i = 0; parts[i]; i++)
        {
          char *end;
          double v;

          g_strstrip (parts[i]);
          if (parts[i][0] == '\0' && parts[i + 1] == NULL && i == 0)
            break; /* "Name()" */
          v = g_ascii_strtod (parts[i], &end);
          if (parts[i][0] == '\0' || *end != '\0')
            {
              g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                           "'%s' in '%s' is not a number", parts[i], item);
              return FALSE;
            }
          g_array_append_val (args, v);
        }
    }
  if (name[0] == '\0')
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "A layer has no name in '%s'", item);
      return FALSE;
    }
  *name_out = g_steal_pointer (&name);
  return TRUE;
}

static gboolean
arg_to_size (double   v,
             gsize   *out)
{
  if (!(v >= 0 && v <= (double) G_MAXUINT32 * 4096.0) || v != (double) (gsize) v)
    return FALSE;
  *out = (gsize) v;
  return TRUE;
}

static MmModule *
parse_layer (const char  *item,
             GError     **error)
{
  g_autofree char *name = NULL;
  g_autoptr(GArray) args = g_array_new (FALSE, FALSE, sizeof (double));
  MmOpKind kind;

  if (!parse_item (item, &name, args, error))
    return NULL;

  if (g_ascii_strcasecmp (name, "Flatten") == 0)
    {
      if (args->len != 0)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "Flatten takes no settings");
          return NULL;
        }
      return mm_module_flatten_new ();
    }
  if (g_ascii_strcasecmp (name, "Linear") == 0)
    {
      gsize in, out;
      if (args->len != 2 || !arg_to_size (g_array_index (args, double, 0), &in) ||
          !arg_to_size (g_array_index (args, double, 1), &out))
        {
          g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                       "Linear needs two whole numbers, its input and output features: Linear(784, 100)");
          return NULL;
        }
      return mm_module_linear_new (in, out, error);
    }
  {
    MmModule *layer = NULL;
    if (mm_module_parse_cnn_layer (name, args, &layer, error))
      return layer;
  }
  {
    MmModule *layer = NULL;
    if (mm_module_parse_attn_layer (name, args, &layer, error))
      return layer;
  }
  {
    MmModule *layer = NULL;
    if (mm_module_parse_seq_layer (name, args, &layer, error))
      return layer;
  }
  if (mm_op_kind_from_name (name, &kind))
    {
      MmOp op = mm_op_unary (kind);
      if (args->len > 1 || (args->len == 1 && kind != MM_OP_LEAKY_RELU && kind != MM_OP_POW && kind != MM_OP_SCALE))
        {
          g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "%s takes %s", mm_op_kind_name (kind),
                       kind == MM_OP_LEAKY_RELU || kind == MM_OP_POW || kind == MM_OP_SCALE
                       ? "at most one number" : "no settings");
          return NULL;
        }
      if (args->len == 1)
        op.param = (float) g_array_index (args, double, 0);
      return mm_module_activation_new (op, error);
    }
  g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
               "Unknown layer '%s' (known: Flatten, Linear(in, out), Reshape(c, h, w), "
               "Conv2d(in, out, k[, stride, padding, dilation]), MaxPool2d(k[, stride, padding]), "
               "AvgPool2d(k[, stride, padding]), Dropout(p), BatchNorm1d(features), BatchNorm2d(channels), "
               "LayerNorm(features), MultiheadAttention(features, heads[, causal]), "
               "PositionalEncoding(features[, max_len]), TransformerBlock(features, heads[, mlp, causal]), "
               "Embedding(num, dim), RNN(input, hidden[, layers]), LSTM(input, hidden[, layers]), Last, "
               "ReLU, LeakyReLU(a), Sigmoid, Tanh, Softplus, and the other elementwise operations)", name);
  return NULL;
}

MmModule *
mm_module_parse (const char  *text,
                 GError     **error)
{
  g_auto(GStrv) items = NULL;
  g_autoptr(GPtrArray) layers = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_module_unref);
  g_autoptr(GString) code = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  /* A comment runs from '#' to the end of its line: drop it before splitting,
   * or a ';' or '|' inside it would start a layer. */
  code = g_string_sized_new (strlen (text));
  for (const char *p = text; *p; p++)
    {
      if (*p == '#')
        {
          while (p[1] && p[1] != '\n')
            p++;
          continue;
        }
      g_string_append_c (code, *p);
    }

  items = g_strsplit_set (code->str, ";\n|", -1);
  for (guint i = 0; items[i]; i++)
    {
      MmModule *layer;
      g_strstrip (items[i]);
      if (items[i][0] == '\0')
        continue;
      layer = parse_layer (items[i], error);
      if (layer == NULL)
        {
          g_prefix_error (error, "Layer %u: ", layers->len);
          return NULL;
        }
      g_ptr_array_add (layers, layer);
    }
  if (layers->len == 0)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "The network description has no layers");
      return NULL;
    }
  return mm_module_sequential_new (layers->len, (MmModule **) layers->pdata);
}
