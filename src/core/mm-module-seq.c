/* mm-module-seq.c — Embedding, RNN, LSTM and Last, with their text forms.
 *
 * RNN and LSTM are unrolled in the graph, one handful of nodes per time step,
 * so the backward stepper walks back through time like through any other
 * layer. For layer k, with X its input made time-major, (time, batch, in):
 *
 *   P   = X · W_ihᵀ + (b_ih + b_hh)          all steps at once: one sgemm
 *   for t = 0 … T−1:
 *     ih[t]    = Select(P, 0, t)             a view, no copy
 *     hh[t]    = h[t−1] · W_hhᵀ              (not at t = 0: h[−1] = 0)
 *     gates[t] = ih[t] + hh[t]
 *     RNN:  h[t] = tanh(gates[t])
 *     LSTM: cell[t] = LSTMCell(gates[t], c[t−1])   (c[−1] = 0)
 *           h[t] = Select(cell[t], 0, 0),  c[t] = Select(cell[t], 0, 1)
 *
 * The next layer reads Stack(h[0…T−1]) along axis 0; the last layer's h are
 * stacked along axis 1 into the output (batch, time, hidden). PyTorch keeps
 * two biases that are only ever added together; so do we (both are
 * parameters, as in a state_dict), and they are added once per layer.
 */
#include "mm-module-private.h"
#include "mm-error.h"
#include "mm-tensordot.h"
#include "mm-shape-ops.h"
#include "mm-seq-ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FEATURES ((gsize) 1 << 24)
#define MAX_LAYERS 64

/* ---- Embedding ----------------------------------------------------------- */

static void
embedding_get_params (MmModule   *self,
                      const char *prefix,
                      GArray     *specs)
{
  g_autofree char *w = g_strconcat (prefix, "weight", NULL);
  MmShape s;

  mm_module_shape_2d (&s, self->in_features, self->out_features);
  mm_param_specs_add_drawn (specs, w, &s, MM_PARAM_WEIGHT, MM_PARAM_DRAW_NORMAL, 1.0f);
}

static MmNode *
embedding_construct (MmModule            *self,
                     MmNode              *input,
                     GHashTable          *nodes,
                     const char          *prefix,
                     MmConstructContext  *ctx,
                     GError             **error)
{
  MmShape s;
  MmNode *w;

  mm_module_shape_2d (&s, self->in_features, self->out_features);
  w = mm_module_lookup_param (nodes, prefix, "weight", &s, error);
  if (w == NULL)
    return NULL;
  return mm_embedding_new (input, w, error);
}

static gboolean
embedding_output_shape (MmModule      *self,
                        const MmShape *in,
                        MmShape       *out,
                        GError       **error)
{
  if (in->ndim + 1 > MM_MAX_DIMS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE, "the ids have too many axes");
      return FALSE;
    }
  *out = *in;
  out->dim[out->ndim++] = self->out_features;
  return TRUE;
}

static char *
embedding_to_string (MmModule *self)
{
  return g_strdup_printf ("Embedding(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")",
                          self->in_features, self->out_features);
}

static const MmModuleClass embedding_class = {
  .type_name = "Embedding",
  .get_params = embedding_get_params,
  .construct = embedding_construct,
  .output_shape = embedding_output_shape,
  .to_string = embedding_to_string,
};

MmModule *
mm_module_embedding_new (gsize    num,
                         gsize    dim,
                         GError **error)
{
  MmModule *m;

  if (num == 0 || dim == 0 || num > MAX_FEATURES || dim > MAX_FEATURES || num * dim > MM_MAX_ELEMENTS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Embedding(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "): the number of ids and the width "
                   "must be between 1 and %" G_GSIZE_FORMAT " (and the table at most %" G_GSIZE_FORMAT
                   " numbers)", num, dim, MAX_FEATURES, (gsize) MM_MAX_ELEMENTS);
      return NULL;
    }
  m = mm_module_alloc (&embedding_class);
  m->in_features = num;
  m->out_features = dim;
  return m;
}

gboolean
mm_module_get_embedding (MmModule *module,
                         gsize    *num,
                         gsize    *dim)
{
  if (!mm_module_is_kind (module, &embedding_class))
    return FALSE;
  if (num)
    *num = module->in_features;
  if (dim)
    *dim = module->out_features;
  return TRUE;
}

/* ---- RNN and LSTM -------------------------------------------------------- */

static const MmModuleClass rnn_class;
static const MmModuleClass lstm_class;

static gsize
n_gates (MmModule *self)
{
  return self->klass == &lstm_class ? 4 : 1;
}

static void
rnn_get_params (MmModule   *self,
                const char *prefix,
                GArray     *specs)
{
  gsize G = n_gates (self), H = self->hidden;
  float bound = (float) (1.0 / sqrt ((double) H));

  for (gsize k = 0; k < self->n_layers; k++)
    {
      gsize in = k == 0 ? self->in_features : H;
      g_autofree char *wih = g_strdup_printf ("%sweight_ih_l%" G_GSIZE_FORMAT, prefix, k);
      g_autofree char *whh = g_strdup_printf ("%sweight_hh_l%" G_GSIZE_FORMAT, prefix, k);
      g_autofree char *bih = g_strdup_printf ("%sbias_ih_l%" G_GSIZE_FORMAT, prefix, k);
      g_autofree char *bhh = g_strdup_printf ("%sbias_hh_l%" G_GSIZE_FORMAT, prefix, k);
      MmShape s;

      mm_module_shape_2d (&s, G * H, in);
      mm_param_specs_add_drawn (specs, wih, &s, MM_PARAM_WEIGHT, MM_PARAM_DRAW_UNIFORM, bound);
      mm_module_shape_2d (&s, G * H, H);
      mm_param_specs_add_drawn (specs, whh, &s, MM_PARAM_WEIGHT, MM_PARAM_DRAW_UNIFORM, bound);
      mm_module_shape_1d (&s, G * H);
      mm_param_specs_add_drawn (specs, bih, &s, MM_PARAM_BIAS, MM_PARAM_DRAW_UNIFORM, bound);
      mm_param_specs_add_drawn (specs, bhh, &s, MM_PARAM_BIAS, MM_PARAM_DRAW_UNIFORM, bound);
    }
}

static gboolean
rnn_check_input (MmModule      *self,
                 const MmShape *in,
                 GError       **error)
{
  g_autofree char *s = NULL;

  if (in->ndim == 3 && in->dim[2] == self->in_features && in->dim[1] > 0)
    return TRUE;
  s = mm_shape_to_string (in);
  if (in->ndim == 3 && in->dim[2] == self->in_features)
    g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                 "needs at least one time step, but receives shape %s", s);
  else
    g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                 "needs a sequence of shape (batch, time, %" G_GSIZE_FORMAT "), but receives shape %s",
                 self->in_features, s);
  return FALSE;
}

static MmNode *
param (GHashTable *nodes,
       const char *prefix,
       const char *what,
       gsize       layer,
       gsize       rows,
       gsize       cols,
       GError    **error)
{
  g_autofree char *name = g_strdup_printf ("%s_l%" G_GSIZE_FORMAT, what, layer);
  MmShape s;

  if (cols == 0)
    mm_module_shape_1d (&s, rows);
  else
    mm_module_shape_2d (&s, rows, cols);
  return mm_module_lookup_param (nodes, prefix, name, &s, error);
}

static void
label_step (MmNode     *node,
            const char *prefix,
            const char *what,
            gsize       layer,
            gsize       t)
{
  g_autofree char *label = g_strdup_printf ("%s%s_l%" G_GSIZE_FORMAT "[%" G_GSIZE_FORMAT "]",
                                            prefix, what, layer, t);
  mm_node_set_label (node, label);
}

/* One layer over the time-major input @x (T, B, in); the T outputs h[t]
 * (B, H) go into @hs (which holds references). */
static gboolean
rnn_layer (MmModule    *self,
           MmNode      *x,
           GHashTable  *nodes,
           const char  *prefix,
           gsize        k,
           GPtrArray   *hs,
           GError     **error)
{
  gboolean lstm = self->klass == &lstm_class;
  gsize G = n_gates (self), H = self->hidden;
  const MmShape *xs = mm_node_get_shape (x);
  gsize T = xs->dim[0], B = xs->dim[1];
  MmNode *wih, *whh, *bih, *bhh;
  g_autoptr(MmNode) wih_t = NULL, whh_t = NULL, bias = NULL, bias_b = NULL, xw = NULL, p = NULL;
  g_autoptr(MmNode) c = NULL;

  wih = param (nodes, prefix, "weight_ih", k, G * H, xs->dim[2], error);
  if (wih == NULL)
    return FALSE;
  whh = param (nodes, prefix, "weight_hh", k, G * H, H, error);
  if (whh == NULL)
    return FALSE;
  bih = param (nodes, prefix, "bias_ih", k, G * H, 0, error);
  if (bih == NULL)
    return FALSE;
  bhh = param (nodes, prefix, "bias_hh", k, G * H, 0, error);
  if (bhh == NULL)
    return FALSE;

  if ((wih_t = mm_transpose_new (wih, error)) == NULL ||
      (whh_t = mm_transpose_new (whh, error)) == NULL ||
      (bias = mm_binary_new (MM_OP_ADD, bih, bhh, error)) == NULL ||
      (bias_b = mm_broadcast_new (bias, 2, xs->dim, error)) == NULL ||
      (xw = mm_tensordot_new (x, wih_t, 1, error)) == NULL ||
      (p = mm_binary_new (MM_OP_ADD, xw, bias_b, error)) == NULL)
    return FALSE;

  if (lstm)
    {
      g_autoptr(MmTensor) zeros = mm_tensor_new_dims (2, (gsize[]) { B, H }, error);
      g_autofree char *label = NULL;

      if (zeros == NULL)
        return FALSE;
      label = g_strdup_printf ("%sc_l%" G_GSIZE_FORMAT "[-1]", prefix, k);
      c = mm_constant_new_labelled (zeros, label);
    }

  for (gsize t = 0; t < T; t++)
    {
      g_autoptr(MmNode) ih = NULL, hh = NULL, gates = NULL, h = NULL;

      if ((ih = mm_select_new (p, 0, t, error)) == NULL)
        return FALSE;
      label_step (ih, prefix, "ih", k, t);
      if (t == 0)
        gates = mm_node_ref (ih);
      else
        {
          if ((hh = mm_tensordot_new (g_ptr_array_index (hs, hs->len - 1), whh_t, 1, error)) == NULL)
            return FALSE;
          label_step (hh, prefix, "hh", k, t);
          if ((gates = mm_binary_new (MM_OP_ADD, ih, hh, error)) == NULL)
            return FALSE;
          label_step (gates, prefix, "gates", k, t);
        }
      if (lstm)
        {
          g_autoptr(MmNode) cell = mm_lstm_cell_new (gates, c, error);
          MmNode *next_c;

          if (cell == NULL)
            return FALSE;
          label_step (cell, prefix, "cell", k, t);
          if ((h = mm_select_new (cell, 0, 0, error)) == NULL ||
              (next_c = mm_select_new (cell, 0, 1, error)) == NULL)
            return FALSE;
          label_step (next_c, prefix, "c", k, t);
          mm_node_unref (c);
          c = next_c;
        }
      else if ((h = mm_unary_new (MM_OP_TANH, gates, error)) == NULL)
        return FALSE;
      label_step (h, prefix, "h", k, t);
      g_ptr_array_add (hs, g_steal_pointer (&h));
    }
  return TRUE;
}

static MmNode *
rnn_construct (MmModule            *self,
               MmNode              *input,
               GHashTable          *nodes,
               const char          *prefix,
               MmConstructContext  *ctx,
               GError             **error)
{
  g_autoptr(MmNode) x = NULL;

  if (!rnn_check_input (self, mm_node_get_shape (input), error))
    return NULL;
  /* Time-major, so that each step is a contiguous part. */
  x = mm_permute_new (input, 3, (guint[]) { 1, 0, 2 }, error);
  if (x == NULL)
    return NULL;
  for (gsize k = 0; k < self->n_layers; k++)
    {
      g_autoptr(GPtrArray) hs = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);

      if (!rnn_layer (self, x, nodes, prefix, k, hs, error))
        return NULL;
      g_clear_pointer (&x, mm_node_unref);
      if (k + 1 == self->n_layers)
        return mm_stack_new (hs->len, (MmNode **) hs->pdata, 1, error);
      x = mm_stack_new (hs->len, (MmNode **) hs->pdata, 0, error);
      if (x == NULL)
        return NULL;
    }
  g_assert_not_reached ();
  return NULL;
}

static gboolean
rnn_output_shape (MmModule      *self,
                  const MmShape *in,
                  MmShape       *out,
                  GError       **error)
{
  if (!rnn_check_input (self, in, error))
    return FALSE;
  *out = *in;
  out->dim[2] = self->hidden;
  return TRUE;
}

static char *
rnn_to_string (MmModule *self)
{
  const char *name = self->klass == &lstm_class ? "LSTM" : "RNN";

  if (self->n_layers == 1)
    return g_strdup_printf ("%s(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")", name, self->in_features, self->hidden);
  return g_strdup_printf ("%s(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")",
                          name, self->in_features, self->hidden, self->n_layers);
}

static const MmModuleClass rnn_class = {
  .type_name = "RNN",
  .get_params = rnn_get_params,
  .construct = rnn_construct,
  .output_shape = rnn_output_shape,
  .to_string = rnn_to_string,
};

static const MmModuleClass lstm_class = {
  .type_name = "LSTM",
  .get_params = rnn_get_params,
  .construct = rnn_construct,
  .output_shape = rnn_output_shape,
  .to_string = rnn_to_string,
};

MmModule *
mm_module_rnn_new (gboolean  lstm,
                   gsize     input,
                   gsize     hidden,
                   gsize     layers,
                   GError  **error)
{
  const char *name = lstm ? "LSTM" : "RNN";
  gsize G = lstm ? 4 : 1;
  MmModule *m;

  if (input == 0 || hidden == 0 || input > MAX_FEATURES || hidden > MAX_FEATURES)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "%s(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "): the numbers of input features and hidden "
                   "units must be between 1 and %" G_GSIZE_FORMAT, name, input, hidden, MAX_FEATURES);
      return NULL;
    }
  if (layers == 0 || layers > MAX_LAYERS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "%s: the number of layers must be between 1 and %d, not %" G_GSIZE_FORMAT,
                   name, MAX_LAYERS, layers);
      return NULL;
    }
  if (G * hidden * MAX (input, hidden) > MM_MAX_ELEMENTS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                   "%s(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ") would have more than %" G_GSIZE_FORMAT
                   " weights in one matrix", name, input, hidden, (gsize) MM_MAX_ELEMENTS);
      return NULL;
    }
  m = mm_module_alloc (lstm ? &lstm_class : &rnn_class);
  m->in_features = input;
  m->hidden = hidden;
  m->n_layers = layers;
  return m;
}

gboolean
mm_module_get_rnn (MmModule *module,
                   gboolean *lstm,
                   gsize    *input,
                   gsize    *hidden,
                   gsize    *layers)
{
  g_return_val_if_fail (module != NULL, FALSE);
  if (module->klass != &rnn_class && module->klass != &lstm_class)
    return FALSE;
  if (lstm)
    *lstm = module->klass == &lstm_class;
  if (input)
    *input = module->in_features;
  if (hidden)
    *hidden = module->hidden;
  if (layers)
    *layers = module->n_layers;
  return TRUE;
}

gboolean
mm_rnn_label_parse (const char  *label,
                    char       **what,
                    guint       *layer,
                    gsize       *step)
{
  const char *open, *under, *start, *p;
  char *end;
  guint64 l, t;

  if (label == NULL)
    return FALSE;
  open = strrchr (label, '[');
  if (open == NULL || open[1] == '-' || !g_ascii_isdigit (open[1]))
    return FALSE;
  t = g_ascii_strtoull (open + 1, &end, 10);
  if (*end != ']' || end[1] != '\0')
    return FALSE;
  /* "_l<k>" right before '['. */
  for (p = open; p > label && g_ascii_isdigit (p[-1]); p--)
    ;
  if (p == open || p - label < 2 || p[-1] != 'l' || p[-2] != '_')
    return FALSE;
  l = g_ascii_strtoull (p, NULL, 10);
  under = p - 2;
  start = under;
  while (start > label && start[-1] != '.')
    start--;
  if (start == under)
    return FALSE;
  if (what)
    *what = g_strndup (start, under - start);
  if (layer)
    *layer = (guint) l;
  if (step)
    *step = (gsize) t;
  return TRUE;
}

/* ---- Last ---------------------------------------------------------------- */

static gboolean
last_check_input (const MmShape *in,
                  GError       **error)
{
  if (in->ndim == 3 && in->dim[1] > 0)
    return TRUE;
  {
    g_autofree char *s = mm_shape_to_string (in);
    g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                 "needs a sequence of shape (batch, time, features) with at least one time step, "
                 "but receives shape %s", s);
  }
  return FALSE;
}

static MmNode *
last_construct (MmModule            *self,
                MmNode              *input,
                GHashTable          *nodes,
                const char          *prefix,
                MmConstructContext  *ctx,
                GError             **error)
{
  const MmShape *in = mm_node_get_shape (input);

  if (!last_check_input (in, error))
    return NULL;
  return mm_select_new (input, 1, in->dim[1] - 1, error);
}

static gboolean
last_output_shape (MmModule      *self,
                   const MmShape *in,
                   MmShape       *out,
                   GError       **error)
{
  if (!last_check_input (in, error))
    return FALSE;
  mm_shape_scalar (out);
  out->ndim = 2;
  out->dim[0] = in->dim[0];
  out->dim[1] = in->dim[2];
  return TRUE;
}

static char *
last_to_string (MmModule *self)
{
  return g_strdup ("Last");
}

static const MmModuleClass last_class = {
  .type_name = "Last",
  .construct = last_construct,
  .output_shape = last_output_shape,
  .to_string = last_to_string,
};

MmModule *
mm_module_last_new (void)
{
  return mm_module_alloc (&last_class);
}

gboolean
mm_module_is_last (MmModule *module)
{
  return mm_module_is_kind (module, &last_class);
}

/* ---- The text form ------------------------------------------------------- */

static gboolean
whole_args (GArray *args,
            gsize  *out,
            guint   max_n)
{
  if (args->len > max_n)
    return FALSE;
  for (guint i = 0; i < args->len; i++)
    {
      double v = g_array_index (args, double, i);
      if (!(v >= 0 && v <= 1e15) || v != floor (v))
        return FALSE;
      out[i] = (gsize) v;
    }
  return TRUE;
}

gboolean
mm_module_parse_seq_layer (const char  *name,
                           GArray      *args,
                           MmModule   **module,
                           GError     **error)
{
  gsize a[3] = { 0, 0, 1 };

  *module = NULL;
  if (g_ascii_strcasecmp (name, "Embedding") == 0)
    {
      if (args->len != 2 || !whole_args (args, a, 2))
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                     "Embedding needs two whole numbers, the number of ids and the width: Embedding(65, 32)");
      else
        *module = mm_module_embedding_new (a[0], a[1], error);
      return TRUE;
    }
  if (g_ascii_strcasecmp (name, "RNN") == 0 || g_ascii_strcasecmp (name, "LSTM") == 0)
    {
      gboolean lstm = g_ascii_strcasecmp (name, "LSTM") == 0;
      if (args->len < 2 || !whole_args (args, a, 3))
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                     "%s needs whole numbers: the input features, the hidden units and optionally the "
                     "number of layers: %s(32, 64) or %s(32, 64, 2)", lstm ? "LSTM" : "RNN",
                     lstm ? "LSTM" : "RNN", lstm ? "LSTM" : "RNN");
      else
        *module = mm_module_rnn_new (lstm, a[0], a[1], a[2], error);
      return TRUE;
    }
  if (g_ascii_strcasecmp (name, "Last") == 0)
    {
      if (args->len != 0)
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "Last takes no settings");
      else
        *module = mm_module_last_new ();
      return TRUE;
    }
  return FALSE;
}
