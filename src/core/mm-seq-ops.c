/* mm-seq-ops.c — Select, Stack, Embedding and LSTMCell.
 *
 * Select and Stack only move numbers, so their gradients move G back:
 *   Select:  ∂L/∂X = G placed at the selected index, zeros elsewhere
 *   Stack:   ∂L/∂Xᵢ = G at index i of the new axis
 * Selecting a time step of a time-major sequence (axis 0) is a contiguous
 * part of it: the value is a view (no copy), and the full sweep adds G into
 * that part of ∂L/∂X directly (backward_add) instead of a whole tensor of
 * zeros per step.
 *
 * Embedding is a table lookup, out[p] = W[ids[p]]; each row of W gets the sum
 * of G over the positions that looked it up (a scatter-add).
 *
 * LSTMCell is one LSTM step (see mm-seq-ops.h). With i, f, g, o its gates,
 * c its new cell state and G_h, G_c the gradients arriving at h and c:
 *   δc  = G_c + G_h ⊙ o ⊙ (1 − tanh² c)
 *   ∂A_i = δc ⊙ g ⊙ i(1 − i)      ∂A_f = δc ⊙ C ⊙ f(1 − f)
 *   ∂A_g = δc ⊙ i ⊙ (1 − g²)      ∂A_o = G_h ⊙ tanh c ⊙ o(1 − o)
 *   ∂L/∂C = δc ⊙ f
 * The forward pass keeps the gates and tanh c for the backward pass.
 */
#include "mm-seq-ops.h"
#include "mm-node-private.h"
#include "mm-error.h"

#include <math.h>
#include <string.h>

/* ---- Select -------------------------------------------------------------- */

typedef struct {
  MmNode parent;
  guint axis;
  gsize index;
  gsize outer, extent, inner;   /* X seen as (outer, extent, inner) */
} MmSelect;

static MmTensor *
select_forward (MmNode *node)
{
  MmSelect *self = (MmSelect *) node;
  MmTensor *x = node->inputs[0]->value;
  MmTensor *out;

  if (self->outer == 1)
    return mm_tensor_new_view_at (x, self->index * self->inner, &node->shape, NULL);
  out = mm_tensor_new_uninit (&node->shape);
  for (gsize o = 0; o < self->outer; o++)
    memcpy (out->data + o * self->inner,
            x->data + (o * self->extent + self->index) * self->inner,
            self->inner * sizeof (float));
  return out;
}

static void
select_backward_add (MmNode         *node,
                     const MmTensor *grad,
                     guint           index,
                     MmTensor       *acc)
{
  MmSelect *self = (MmSelect *) node;

  for (gsize o = 0; o < self->outer; o++)
    {
      float *restrict d = acc->data + (o * self->extent + self->index) * self->inner;
      const float *restrict g = grad->data + o * self->inner;
      for (gsize k = 0; k < self->inner; k++)
        d[k] += g[k];
    }
}

static void
select_backward (MmNode          *node,
                 const MmTensor  *grad,
                 const gboolean  *need,
                 MmTensor       **grads)
{
  if (!need[0])
    return;
  grads[0] = mm_tensor_new_uninit (&node->inputs[0]->shape);
  mm_tensor_fill (grads[0], 0.0f);
  select_backward_add (node, grad, 0, grads[0]);
}

static char *
select_describe (MmNode *node)
{
  MmSelect *self = (MmSelect *) node;
  return g_strdup_printf ("Select index %" G_GSIZE_FORMAT " of axis %u", self->index, self->axis);
}

static char *
select_rule (MmNode *node,
             guint   index)
{
  MmSelect *self = (MmSelect *) node;
  return g_strdup_printf ("∂L/∂X = G at index %" G_GSIZE_FORMAT " of axis %u, zeros elsewhere",
                          self->index, self->axis);
}

static guint64
no_flops (MmNode         *node,
          const gboolean *need)
{
  return 0;
}

static const MmNodeClass select_class = {
  .type_name = "Select",
  .instance_size = sizeof (MmSelect),
  .forward = select_forward,
  .backward = select_backward,
  .backward_add = select_backward_add,
  .describe = select_describe,
  .rule = select_rule,
  .flops = no_flops,
};

MmNode *
mm_select_new (MmNode  *x,
               guint    axis,
               gsize    index,
               GError **error)
{
  const MmShape *xs;
  MmShape shape;
  MmSelect *self;

  g_return_val_if_fail (x != NULL, NULL);
  xs = mm_node_get_shape (x);
  if (axis >= xs->ndim || index >= xs->dim[axis])
    {
      g_autofree char *s = mm_shape_to_string (xs);
      if (axis >= xs->ndim)
        g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                     "Select: a tensor of shape %s has no axis %u", s, axis);
      else
        g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                     "Select: index %" G_GSIZE_FORMAT " is beyond axis %u of shape %s",
                     index, axis, s);
      return NULL;
    }
  mm_shape_scalar (&shape);
  shape.ndim = xs->ndim - 1;
  for (guint i = 0, j = 0; i < xs->ndim; i++)
    if (i != axis)
      shape.dim[j++] = xs->dim[i];
  self = (MmSelect *) mm_node_alloc (&select_class, &shape, 1, &x);
  self->axis = axis;
  self->index = index;
  self->outer = 1;
  self->inner = 1;
  for (guint i = 0; i < axis; i++)
    self->outer *= xs->dim[i];
  for (guint i = axis + 1; i < xs->ndim; i++)
    self->inner *= xs->dim[i];
  self->extent = xs->dim[axis];
  return (MmNode *) self;
}

guint
mm_select_get_axis (MmNode *node)
{
  g_return_val_if_fail (node != NULL && node->klass == &select_class, 0);
  return ((MmSelect *) node)->axis;
}

gsize
mm_select_get_index (MmNode *node)
{
  g_return_val_if_fail (node != NULL && node->klass == &select_class, 0);
  return ((MmSelect *) node)->index;
}

/* ---- Stack --------------------------------------------------------------- */

typedef struct {
  MmNode parent;
  guint axis;
  gsize outer, inner;   /* each input seen as (outer, inner) */
} MmStack;

static MmTensor *
stack_forward (MmNode *node)
{
  MmStack *self = (MmStack *) node;
  MmTensor *out = mm_tensor_new_uninit (&node->shape);
  gsize n = node->n_inputs;

  for (gsize i = 0; i < n; i++)
    {
      const float *x = mm_node_input_data (node, (guint) i);
      for (gsize o = 0; o < self->outer; o++)
        memcpy (out->data + (o * n + i) * self->inner, x + o * self->inner, self->inner * sizeof (float));
    }
  return out;
}

static void
stack_backward (MmNode          *node,
                const MmTensor  *grad,
                const gboolean  *need,
                MmTensor       **grads)
{
  MmStack *self = (MmStack *) node;
  gsize n = node->n_inputs;

  for (gsize i = 0; i < n; i++)
    {
      if (!need[i])
        continue;
      if (self->outer == 1)
        {
          grads[i] = mm_tensor_new_view_at ((MmTensor *) grad, i * self->inner, &node->inputs[i]->shape, NULL);
          continue;
        }
      grads[i] = mm_tensor_new_uninit (&node->inputs[i]->shape);
      for (gsize o = 0; o < self->outer; o++)
        memcpy (grads[i]->data + o * self->inner, grad->data + (o * n + i) * self->inner,
                self->inner * sizeof (float));
    }
}

static char *
stack_describe (MmNode *node)
{
  MmStack *self = (MmStack *) node;
  return g_strdup_printf ("Stack %u along axis %u", node->n_inputs, self->axis);
}

static char *
stack_rule (MmNode *node,
            guint   index)
{
  MmStack *self = (MmStack *) node;
  return g_strdup_printf ("∂L/∂X%u = G at index %u of axis %u", index, index, self->axis);
}

static const MmNodeClass stack_class = {
  .type_name = "Stack",
  .instance_size = sizeof (MmStack),
  .forward = stack_forward,
  .backward = stack_backward,
  .describe = stack_describe,
  .rule = stack_rule,
  .flops = no_flops,
};

MmNode *
mm_stack_new (guint           n_inputs,
              MmNode * const *inputs,
              guint           axis,
              GError        **error)
{
  const MmShape *s0;
  MmShape shape;
  MmStack *self;

  g_return_val_if_fail (n_inputs == 0 || inputs != NULL, NULL);
  if (n_inputs == 0)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE, "Stack needs at least one input");
      return NULL;
    }
  s0 = mm_node_get_shape (inputs[0]);
  if (axis > s0->ndim || s0->ndim + 1 > MM_MAX_DIMS)
    {
      g_autofree char *s = mm_shape_to_string (s0);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "Stack: tensors of shape %s cannot be stacked along axis %u", s, axis);
      return NULL;
    }
  for (guint i = 1; i < n_inputs; i++)
    if (!mm_shape_equal (mm_node_get_shape (inputs[i]), s0))
      {
        g_autofree char *a = mm_shape_to_string (s0);
        g_autofree char *b = mm_shape_to_string (mm_node_get_shape (inputs[i]));
        g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                     "Stack needs inputs of one shape, but input 0 has shape %s and input %u shape %s",
                     a, i, b);
        return NULL;
      }
  mm_shape_scalar (&shape);
  shape.ndim = s0->ndim + 1;
  for (guint i = 0, j = 0; i < shape.ndim; i++)
    shape.dim[i] = i == axis ? n_inputs : s0->dim[j++];
  if (!mm_shape_validate (&shape, error))
    return NULL;
  self = (MmStack *) mm_node_alloc (&stack_class, &shape, n_inputs, inputs);
  self->axis = axis;
  self->outer = 1;
  self->inner = 1;
  for (guint i = 0; i < axis; i++)
    self->outer *= s0->dim[i];
  for (guint i = axis; i < s0->ndim; i++)
    self->inner *= s0->dim[i];
  return (MmNode *) self;
}

/* ---- Embedding ----------------------------------------------------------- */

typedef struct {
  MmNode parent;
  gsize num, dim, n_ids;
} MmEmbedding;

static MmTensor *
embedding_forward (MmNode *node)
{
  MmEmbedding *self = (MmEmbedding *) node;
  MmTensor *out = mm_tensor_new_uninit (&node->shape);
  const float *ids = mm_node_input_data (node, 0);
  const float *w = mm_node_input_data (node, 1);

  for (gsize p = 0; p < self->n_ids; p++)
    memcpy (out->data + p * self->dim, w + (gsize) ids[p] * self->dim, self->dim * sizeof (float));
  return out;
}

static void
embedding_backward (MmNode          *node,
                    const MmTensor  *grad,
                    const gboolean  *need,
                    MmTensor       **grads)
{
  MmEmbedding *self = (MmEmbedding *) node;
  const float *ids = mm_node_input_data (node, 0);

  if (need[0])
    {
      /* The ids are whole numbers: nothing to differentiate. */
      grads[0] = mm_tensor_new_uninit (&node->inputs[0]->shape);
      mm_tensor_fill (grads[0], 0.0f);
    }
  if (need[1])
    {
      grads[1] = mm_tensor_new_uninit (&node->inputs[1]->shape);
      mm_tensor_fill (grads[1], 0.0f);
      for (gsize p = 0; p < self->n_ids; p++)
        {
          float *restrict d = grads[1]->data + (gsize) ids[p] * self->dim;
          const float *restrict g = grad->data + p * self->dim;
          for (gsize k = 0; k < self->dim; k++)
            d[k] += g[k];
        }
    }
}

static char *
embedding_describe (MmNode *node)
{
  MmEmbedding *self = (MmEmbedding *) node;
  return g_strdup_printf ("Embedding %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT, self->num, self->dim);
}

static char *
embedding_rule (MmNode *node,
                guint   index)
{
  if (index == 0)
    return g_strdup ("∂L/∂ids = 0 (ids are whole numbers)");
  return g_strdup ("∂L/∂W[k] = Σ of G[p] over the positions p with ids[p] = k");
}

static guint64
embedding_flops (MmNode         *node,
                 const gboolean *need)
{
  MmEmbedding *self = (MmEmbedding *) node;
  return need != NULL && need[1] ? (guint64) self->n_ids * self->dim : 0;
}

static const MmNodeClass embedding_class = {
  .type_name = "Embedding",
  .instance_size = sizeof (MmEmbedding),
  .forward = embedding_forward,
  .backward = embedding_backward,
  .describe = embedding_describe,
  .rule = embedding_rule,
  .flops = embedding_flops,
};

MmNode *
mm_embedding_new (MmNode  *ids,
                  MmNode  *weight,
                  GError **error)
{
  const MmShape *is, *ws;
  const MmTensor *idv;
  MmShape shape;
  MmEmbedding *self;

  g_return_val_if_fail (ids != NULL && weight != NULL, NULL);
  is = mm_node_get_shape (ids);
  ws = mm_node_get_shape (weight);
  if (ws->ndim != 2 || ws->dim[0] == 0 || ws->dim[1] == 0)
    {
      g_autofree char *s = mm_shape_to_string (ws);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "Embedding needs a table of shape (num, dim), not %s", s);
      return NULL;
    }
  if (is->ndim + 1 > MM_MAX_DIMS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE, "Embedding: the ids have too many axes");
      return NULL;
    }
  idv = mm_node_get_value (ids);
  for (gsize p = 0; p < idv->size; p++)
    {
      float v = idv->data[p];
      if (!(v >= 0.0f && v < (float) ws->dim[0]) || v != floorf (v))
        {
          g_autofree char *s = mm_shape_to_string (is);
          g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                       "Embedding: id %g (number %" G_GSIZE_FORMAT " of the ids of shape %s) is not "
                       "a whole number from 0 to %" G_GSIZE_FORMAT,
                       (double) v, p, s, ws->dim[0] - 1);
          return NULL;
        }
    }
  shape = *is;
  shape.dim[shape.ndim++] = ws->dim[1];
  if (!mm_shape_validate (&shape, error))
    return NULL;
  self = (MmEmbedding *) mm_node_alloc (&embedding_class, &shape, 2, (MmNode *[]) { ids, weight });
  self->num = ws->dim[0];
  self->dim = ws->dim[1];
  self->n_ids = idv->size;
  return (MmNode *) self;
}

/* ---- LSTMCell ------------------------------------------------------------ */

typedef struct {
  MmNode parent;
  gsize batch, hidden;
  /* From the forward pass: i, f, g, o (batch, 4H) and tanh c (batch, H). */
  float *saved;
} MmLstmCell;

static inline float
sigmoidf (float x)
{
  /* Stable for large |x|: e^{−|x|} never overflows. */
  float e = expf (-fabsf (x));
  return x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

/* tanh through expf: glibc's tanhf goes through expm1f and was a third of
 * an LSTM's training time. (1 − e^{−2|x|}) / (1 + e^{−2|x|}) is exact to a
 * few units in the last place, and within 1e-7 absolutely near 0. */
static inline float
tanh_fast (float x)
{
  float e = expf (-2.0f * fabsf (x));
  float t = (1.0f - e) / (1.0f + e);
  return x < 0 ? -t : t;
}

static MmTensor *
lstm_cell_forward (MmNode *node)
{
  MmLstmCell *self = (MmLstmCell *) node;
  MmTensor *out = mm_tensor_new_uninit (&node->shape);
  const float *a = mm_node_input_data (node, 0);
  const float *cp = mm_node_input_data (node, 1);
  gsize B = self->batch, H = self->hidden;
  float *hs = out->data, *cs = out->data + B * H;

  if (self->saved == NULL)
    self->saved = g_new (float, B * 5 * H);
  for (gsize b = 0; b < B; b++)
    {
      const float *ab = a + b * 4 * H;
      float *gates = self->saved + b * 4 * H;
      float *tc = self->saved + B * 4 * H + b * H;

      for (gsize k = 0; k < H; k++)
        {
          float i = sigmoidf (ab[k]);
          float f = sigmoidf (ab[H + k]);
          float g = tanh_fast (ab[2 * H + k]);
          float o = sigmoidf (ab[3 * H + k]);
          float c = f * cp[b * H + k] + i * g;
          float t = tanh_fast (c);

          gates[k] = i;
          gates[H + k] = f;
          gates[2 * H + k] = g;
          gates[3 * H + k] = o;
          tc[k] = t;
          cs[b * H + k] = c;
          hs[b * H + k] = o * t;
        }
    }
  return out;
}

static void
lstm_cell_backward (MmNode          *node,
                    const MmTensor  *grad,
                    const gboolean  *need,
                    MmTensor       **grads)
{
  MmLstmCell *self = (MmLstmCell *) node;
  const float *cp = mm_node_input_data (node, 1);
  gsize B = self->batch, H = self->hidden;
  const float *gh = grad->data, *gc = grad->data + B * H;
  float *da = NULL, *dcp = NULL;

  g_assert (self->saved != NULL);
  if (need[0])
    {
      grads[0] = mm_tensor_new_uninit (&node->inputs[0]->shape);
      da = grads[0]->data;
    }
  if (need[1])
    {
      grads[1] = mm_tensor_new_uninit (&node->inputs[1]->shape);
      dcp = grads[1]->data;
    }
  for (gsize b = 0; b < B; b++)
    {
      const float *gates = self->saved + b * 4 * H;
      const float *tc = self->saved + B * 4 * H + b * H;

      for (gsize k = 0; k < H; k++)
        {
          gsize j = b * H + k;
          float i = gates[k], f = gates[H + k], g = gates[2 * H + k], o = gates[3 * H + k];
          float t = tc[k];
          float dc = gc[j] + gh[j] * o * (1.0f - t * t);

          if (da != NULL)
            {
              float *d = da + b * 4 * H;
              d[k] = dc * g * i * (1.0f - i);
              d[H + k] = dc * cp[j] * f * (1.0f - f);
              d[2 * H + k] = dc * i * (1.0f - g * g);
              d[3 * H + k] = gh[j] * t * o * (1.0f - o);
            }
          if (dcp != NULL)
            dcp[j] = dc * f;
        }
    }
}

static char *
lstm_cell_describe (MmNode *node)
{
  MmLstmCell *self = (MmLstmCell *) node;
  return g_strdup_printf ("LSTMCell hidden %" G_GSIZE_FORMAT " → (h, c)", self->hidden);
}

static char *
lstm_cell_rule (MmNode *node,
                guint   index)
{
  if (index == 0)
    return g_strdup ("δc = G_c + G_h ⊙ o ⊙ (1 − tanh² c); ∂L/∂A = [δc ⊙ g ⊙ i(1−i), δc ⊙ C ⊙ f(1−f), "
                     "δc ⊙ i ⊙ (1−g²), G_h ⊙ tanh c ⊙ o(1−o)]");
  return g_strdup ("∂L/∂C = (G_c + G_h ⊙ o ⊙ (1 − tanh² c)) ⊙ f");
}

static guint64
lstm_cell_flops (MmNode         *node,
                 const gboolean *need)
{
  MmLstmCell *self = (MmLstmCell *) node;
  guint64 n = (guint64) self->batch * self->hidden;

  if (need == NULL)
    return 20 * n;   /* five activations (about 3 each) and the products */
  return (need[0] ? 16 * n : 0) + (need[1] ? 1 * n : 0) + 5 * n;
}

static void
lstm_cell_finalize (MmNode *node)
{
  g_free (((MmLstmCell *) node)->saved);
}

static const MmNodeClass lstm_cell_class = {
  .type_name = "LSTMCell",
  .instance_size = sizeof (MmLstmCell),
  .forward = lstm_cell_forward,
  .backward = lstm_cell_backward,
  .describe = lstm_cell_describe,
  .rule = lstm_cell_rule,
  .finalize = lstm_cell_finalize,
  .flops = lstm_cell_flops,
};

MmNode *
mm_lstm_cell_new (MmNode  *gates,
                  MmNode  *cell,
                  GError **error)
{
  const MmShape *as, *cs;
  MmShape shape;
  MmLstmCell *self;

  g_return_val_if_fail (gates != NULL && cell != NULL, NULL);
  as = mm_node_get_shape (gates);
  cs = mm_node_get_shape (cell);
  if (cs->ndim != 2 || as->ndim != 2 || as->dim[0] != cs->dim[0] || as->dim[1] != 4 * cs->dim[1])
    {
      g_autofree char *a = mm_shape_to_string (as);
      g_autofree char *c = mm_shape_to_string (cs);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "LSTMCell needs gates of shape (batch, 4·hidden) and a cell state of shape "
                   "(batch, hidden), but receives %s and %s", a, c);
      return NULL;
    }
  mm_shape_scalar (&shape);
  shape.ndim = 3;
  shape.dim[0] = 2;
  shape.dim[1] = cs->dim[0];
  shape.dim[2] = cs->dim[1];
  self = (MmLstmCell *) mm_node_alloc (&lstm_cell_class, &shape, 2, (MmNode *[]) { gates, cell });
  self->batch = cs->dim[0];
  self->hidden = cs->dim[1];
  return (MmNode *) self;
}
