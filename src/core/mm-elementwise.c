/* mm-elementwise.c — Elementwise(op, inputs).
 *
 * Each op is listed once below with its forward loop, its derivative and the
 * rule a student reads; output number k depends only on input number k, so the
 * chain rule is a product number by number: ∂L/∂X = G ⊙ f'(X).
 */
#include "mm-elementwise.h"
#include "mm-node-private.h"
#include "mm-error.h"

#include <math.h>
#include <string.h>

typedef struct {
  MmNode parent;
  MmOp op;
} MmElementwise;

static const struct {
  const char *name;
  guint arity;          /* 0 = any number ≥ 1 (Add, Mul) */
} op_info[MM_N_OPS] = {
  [MM_OP_ADD] = { "Add", 0 },
  [MM_OP_MUL] = { "Mul", 0 },
  [MM_OP_SUB] = { "Sub", 2 },
  [MM_OP_DIV] = { "Div", 2 },
  [MM_OP_NEG] = { "Neg", 1 },
  [MM_OP_SIN] = { "Sin", 1 },
  [MM_OP_COS] = { "Cos", 1 },
  [MM_OP_EXP] = { "Exp", 1 },
  [MM_OP_LOG] = { "Log", 1 },
  [MM_OP_SQRT] = { "Sqrt", 1 },
  [MM_OP_SQUARE] = { "Square", 1 },
  [MM_OP_ABS] = { "Abs", 1 },
  [MM_OP_POW] = { "Pow", 1 },
  [MM_OP_RELU] = { "ReLU", 1 },
  [MM_OP_LEAKY_RELU] = { "LeakyReLU", 1 },
  [MM_OP_SIGMOID] = { "Sigmoid", 1 },
  [MM_OP_TANH] = { "Tanh", 1 },
  [MM_OP_SOFTPLUS] = { "Softplus", 1 },
  [MM_OP_SCALE] = { "Scale", 1 },
};

MmOp
mm_op_add (guint n)
{
  return (MmOp) { MM_OP_ADD, n, 0.0f };
}

MmOp
mm_op_mul (guint n)
{
  return (MmOp) { MM_OP_MUL, n, 0.0f };
}

MmOp
mm_op_unary (MmOpKind kind)
{
  float param = kind == MM_OP_LEAKY_RELU ? 0.01f : kind == MM_OP_POW ? 2.0f : kind == MM_OP_SCALE ? 1.0f : 0.0f;
  return (MmOp) { kind, 1, param };
}

MmOp
mm_op_binary (MmOpKind kind)
{
  return (MmOp) { kind, 2, 0.0f };
}

MmOp
mm_op_pow (float c)
{
  return (MmOp) { MM_OP_POW, 1, c };
}

MmOp
mm_op_leaky_relu (float slope)
{
  return (MmOp) { MM_OP_LEAKY_RELU, 1, slope };
}

MmOp
mm_op_scale (float c)
{
  return (MmOp) { MM_OP_SCALE, 1, c };
}

const char *
mm_op_kind_name (MmOpKind kind)
{
  g_return_val_if_fail (kind < MM_N_OPS, NULL);
  return op_info[kind].name;
}

gboolean
mm_op_kind_from_name (const char *name,
                      MmOpKind   *kind)
{
  g_return_val_if_fail (name != NULL, FALSE);
  for (guint k = 0; k < MM_N_OPS; k++)
    if (g_ascii_strcasecmp (name, op_info[k].name) == 0)
      {
        if (kind)
          *kind = k;
        return TRUE;
      }
  return FALSE;
}

static inline float
sigmoidf (float x)
{
  /* Never exponentiate a large positive number: exp(-x) for x ≥ 0, exp(x) otherwise. */
  if (x >= 0.0f)
    return 1.0f / (1.0f + expf (-x));
  float e = expf (x);
  return e / (1.0f + e);
}

static inline float
softplusf (float x)
{
  /* log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|): no overflow for large x. */
  return fmaxf (x, 0.0f) + log1pf (expf (-fabsf (x)));
}

static MmTensor *
elementwise_forward (MmNode *node)
{
  const MmOp *op = &((MmElementwise *) node)->op;
  MmTensor *out = mm_tensor_new_uninit (&node->shape);
  float *restrict y = out->data;
  const float *restrict x = mm_node_input_data (node, 0);
  const gsize n = out->size;
  const float c = op->param;

  switch (op->kind)
    {
    case MM_OP_ADD:
      memcpy (y, x, n * sizeof (float));
      for (guint j = 1; j < node->n_inputs; j++)
        {
          const float *restrict xj = mm_node_input_data (node, j);
          for (gsize i = 0; i < n; i++)
            y[i] += xj[i];
        }
      break;
    case MM_OP_MUL:
      memcpy (y, x, n * sizeof (float));
      for (guint j = 1; j < node->n_inputs; j++)
        {
          const float *restrict xj = mm_node_input_data (node, j);
          for (gsize i = 0; i < n; i++)
            y[i] *= xj[i];
        }
      break;
    case MM_OP_SUB:
      {
        const float *restrict b = mm_node_input_data (node, 1);
        for (gsize i = 0; i < n; i++)
          y[i] = x[i] - b[i];
      }
      break;
    case MM_OP_DIV:
      {
        const float *restrict b = mm_node_input_data (node, 1);
        for (gsize i = 0; i < n; i++)
          y[i] = x[i] / b[i];
      }
      break;
    case MM_OP_NEG:
      for (gsize i = 0; i < n; i++)
        y[i] = -x[i];
      break;
    case MM_OP_SIN:
      for (gsize i = 0; i < n; i++)
        y[i] = sinf (x[i]);
      break;
    case MM_OP_COS:
      for (gsize i = 0; i < n; i++)
        y[i] = cosf (x[i]);
      break;
    case MM_OP_EXP:
      for (gsize i = 0; i < n; i++)
        y[i] = expf (x[i]);
      break;
    case MM_OP_LOG:
      for (gsize i = 0; i < n; i++)
        y[i] = logf (x[i]);
      break;
    case MM_OP_SQRT:
      for (gsize i = 0; i < n; i++)
        y[i] = sqrtf (x[i]);
      break;
    case MM_OP_SQUARE:
      for (gsize i = 0; i < n; i++)
        y[i] = x[i] * x[i];
      break;
    case MM_OP_ABS:
      for (gsize i = 0; i < n; i++)
        y[i] = fabsf (x[i]);
      break;
    case MM_OP_POW:
      for (gsize i = 0; i < n; i++)
        y[i] = powf (x[i], c);
      break;
    case MM_OP_RELU:
      for (gsize i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
    case MM_OP_LEAKY_RELU:
      for (gsize i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : c * x[i];
      break;
    case MM_OP_SIGMOID:
      for (gsize i = 0; i < n; i++)
        y[i] = sigmoidf (x[i]);
      break;
    case MM_OP_TANH:
      for (gsize i = 0; i < n; i++)
        y[i] = tanhf (x[i]);
      break;
    case MM_OP_SOFTPLUS:
      for (gsize i = 0; i < n; i++)
        y[i] = softplusf (x[i]);
      break;
    case MM_OP_SCALE:
      for (gsize i = 0; i < n; i++)
        y[i] = c * x[i];
      break;
    case MM_N_OPS:
    default:
      g_assert_not_reached ();
    }
  return out;
}

/* ∂L/∂input_j for one input. */
static MmTensor *
elementwise_input_grad (MmNode         *node,
                        guint           j,
                        const MmTensor *grad)
{
  const MmOp *op = &((MmElementwise *) node)->op;
  const float *restrict g = grad->data;
  const float *restrict x = mm_node_input_data (node, j);
  const float *restrict y = node->value->data;
  const gsize n = grad->size;
  const float c = op->param;
  MmTensor *out;
  float *restrict d;

  if (op->kind == MM_OP_ADD)
    return mm_tensor_ref ((MmTensor *) grad);

  out = mm_tensor_new_uninit (&grad->shape);
  d = out->data;

  switch (op->kind)
    {
    case MM_OP_MUL:
      /* The product of all the other inputs (no division: inputs may be 0). */
      memcpy (d, g, n * sizeof (float));
      for (guint k = 0; k < node->n_inputs; k++)
        if (k != j)
          {
            const float *restrict xk = mm_node_input_data (node, k);
            for (gsize i = 0; i < n; i++)
              d[i] *= xk[i];
          }
      break;
    case MM_OP_SUB:
      for (gsize i = 0; i < n; i++)
        d[i] = j == 0 ? g[i] : -g[i];
      break;
    case MM_OP_DIV:
      {
        const float *restrict a = mm_node_input_data (node, 0);
        const float *restrict b = mm_node_input_data (node, 1);
        if (j == 0)
          for (gsize i = 0; i < n; i++)
            d[i] = g[i] / b[i];
        else
          for (gsize i = 0; i < n; i++)
            d[i] = -g[i] * a[i] / (b[i] * b[i]);
      }
      break;
    case MM_OP_NEG:
      for (gsize i = 0; i < n; i++)
        d[i] = -g[i];
      break;
    case MM_OP_SIN:
      for (gsize i = 0; i < n; i++)
        d[i] = g[i] * cosf (x[i]);
      break;
    case MM_OP_COS:
      for (gsize i = 0; i < n; i++)
        d[i] = -g[i] * sinf (x[i]);
      break;
    case MM_OP_EXP:
      for (gsize i = 0; i < n; i++)
        d[i] = g[i] * y[i];
      break;
    case MM_OP_LOG:
      for (gsize i = 0; i < n; i++)
        d[i] = g[i] / x[i];
      break;
    case MM_OP_SQRT:
      for (gsize i = 0; i < n; i++)
        d[i] = g[i] / (2.0f * y[i]);
      break;
    case MM_OP_SQUARE:
      for (gsize i = 0; i < n; i++)
        d[i] = 2.0f * g[i] * x[i];
      break;
    /* The gradient is loaded before the comparison so that the compiler
     * can turn the choice into a blend: with a branch, inputs of random sign
     * mispredict half the time. */
    case MM_OP_ABS:
      for (gsize i = 0; i < n; i++)
        {
          float gi = g[i];
          d[i] = x[i] > 0.0f ? gi : x[i] < 0.0f ? -gi : 0.0f;
        }
      break;
    case MM_OP_POW:
      /* x⁰ is flat everywhere, also at 0, where c·x^(c−1) would be 0·∞ = NaN. */
      for (gsize i = 0; i < n; i++)
        d[i] = c == 0.0f ? 0.0f : g[i] * c * powf (x[i], c - 1.0f);
      break;
    case MM_OP_RELU:
      for (gsize i = 0; i < n; i++)
        {
          float gi = g[i];
          d[i] = x[i] > 0.0f ? gi : 0.0f;
        }
      break;
    case MM_OP_LEAKY_RELU:
      for (gsize i = 0; i < n; i++)
        {
          float gi = g[i];
          d[i] = x[i] > 0.0f ? gi : c * gi;
        }
      break;
    case MM_OP_SIGMOID:
      for (gsize i = 0; i < n; i++)
        d[i] = g[i] * y[i] * (1.0f - y[i]);
      break;
    case MM_OP_TANH:
      for (gsize i = 0; i < n; i++)
        d[i] = g[i] * (1.0f - y[i] * y[i]);
      break;
    case MM_OP_SOFTPLUS:
      for (gsize i = 0; i < n; i++)
        d[i] = g[i] * sigmoidf (x[i]);
      break;
    case MM_OP_SCALE:
      for (gsize i = 0; i < n; i++)
        d[i] = c * g[i];
      break;
    case MM_OP_ADD:
    case MM_N_OPS:
    default:
      g_assert_not_reached ();
    }
  return out;
}

static void
elementwise_backward (MmNode          *node,
                      const MmTensor  *grad,
                      const gboolean  *need,
                      MmTensor       **grads)
{
  for (guint j = 0; j < node->n_inputs; j++)
    if (need[j])
      grads[j] = elementwise_input_grad (node, j, grad);
}

static char *
elementwise_describe (MmNode *node)
{
  const MmOp *op = &((MmElementwise *) node)->op;
  const char *name = op_info[op->kind].name;

  switch (op->kind)
    {
    case MM_OP_ADD:
    case MM_OP_MUL:
      return g_strdup_printf ("%s (%u inputs)", name, op->arity);
    case MM_OP_POW:
      return g_strdup_printf ("Pow c=%g", op->param);
    case MM_OP_LEAKY_RELU:
      return g_strdup_printf ("LeakyReLU a=%g", op->param);
    case MM_OP_SCALE:
      return g_strdup_printf ("Scale c=%g", op->param);
    default:
      return g_strdup (name);
    }
}

char *
mm_op_rule (const MmOp *op,
            guint       index)
{
  g_return_val_if_fail (op != NULL && op->kind < MM_N_OPS, NULL);

  switch (op->kind)
    {
    case MM_OP_ADD:
      return g_strdup_printf ("∂L/∂X%u = G", index + 1);
    case MM_OP_MUL:
      if (op->arity == 2)
        return g_strdup_printf ("∂L/∂X%u = G ⊙ X%u", index + 1, 2 - index);
      return g_strdup_printf ("∂L/∂X%u = G ⊙ (product of the other inputs)", index + 1);
    case MM_OP_SUB:
      return g_strdup (index == 0 ? "∂L/∂A = G" : "∂L/∂B = −G");
    case MM_OP_DIV:
      return g_strdup (index == 0 ? "∂L/∂A = G ⊘ B" : "∂L/∂B = −G ⊙ A ⊘ B²");
    case MM_OP_NEG:
      return g_strdup ("∂L/∂X = −G");
    case MM_OP_SIN:
      return g_strdup ("∂L/∂X = G ⊙ cos X");
    case MM_OP_COS:
      return g_strdup ("∂L/∂X = −G ⊙ sin X");
    case MM_OP_EXP:
      return g_strdup ("∂L/∂X = G ⊙ exp X");
    case MM_OP_LOG:
      return g_strdup ("∂L/∂X = G ⊘ X");
    case MM_OP_SQRT:
      return g_strdup ("∂L/∂X = G ⊘ (2 √X)");
    case MM_OP_SQUARE:
      return g_strdup ("∂L/∂X = 2 G ⊙ X");
    case MM_OP_ABS:
      return g_strdup ("∂L/∂X = G ⊙ sign X");
    case MM_OP_POW:
      return g_strdup_printf ("∂L/∂X = %g G ⊙ X^%g", op->param, op->param - 1.0f);
    case MM_OP_RELU:
      return g_strdup ("∂L/∂X = G ⊙ [X > 0]");
    case MM_OP_LEAKY_RELU:
      return g_strdup_printf ("∂L/∂X = G ⊙ (1 where X > 0, else %g)", op->param);
    case MM_OP_SIGMOID:
      return g_strdup ("∂L/∂X = G ⊙ σ(X) ⊙ (1 − σ(X))");
    case MM_OP_TANH:
      return g_strdup ("∂L/∂X = G ⊙ (1 − tanh² X)");
    case MM_OP_SOFTPLUS:
      return g_strdup ("∂L/∂X = G ⊙ σ(X)");
    case MM_OP_SCALE:
      return g_strdup_printf ("∂L/∂X = %g G", op->param);
    case MM_N_OPS:
    default:
      g_return_val_if_reached (NULL);
    }
}

static char *
elementwise_rule (MmNode *node,
                  guint   index)
{
  return mm_op_rule (&((MmElementwise *) node)->op, index);
}

/* Cost meter, per output number (S of them), every function (exp, sin, …)
 * counted as one operation:
 *   forward:  Add(n), Mul(n): n − 1; any other op: 1.
 *   backward, per input that needs its gradient: Add: 0 (G passes on);
 *     Mul(n): n − 1 (G times the other inputs); Sub: 0 for A, 1 for B (−G);
 *     Div: 1 for A (G / B), 3 for B (−G · A / B²); Neg, Scale, ReLU,
 *     LeakyReLU, Abs: 1 (G times a sign or constant); the others: 2 (the
 *     derivative, then times G). */
static guint64
elementwise_flops (MmNode         *node,
                   const gboolean *need)
{
  MmOp op = ((MmElementwise *) node)->op;
  guint64 S = mm_shape_size (&node->shape), per = 0;

  if (need == NULL)
    {
      if (op.kind == MM_OP_ADD || op.kind == MM_OP_MUL)
        return (guint64) (node->n_inputs - 1) * S;
      return S;
    }
  for (guint i = 0; i < node->n_inputs; i++)
    {
      if (!need[i])
        continue;
      switch (op.kind)
        {
        case MM_OP_ADD:
          break;
        case MM_OP_MUL:
          per += node->n_inputs - 1;
          break;
        case MM_OP_SUB:
          per += i == 0 ? 0 : 1;
          break;
        case MM_OP_DIV:
          per += i == 0 ? 1 : 3;
          break;
        case MM_OP_NEG:
        case MM_OP_SCALE:
        case MM_OP_RELU:
        case MM_OP_LEAKY_RELU:
        case MM_OP_ABS:
          per += 1;
          break;
        default:
          per += 2;
          break;
        }
    }
  return per * S;
}

static const MmNodeClass elementwise_class = {
  .type_name = "Elementwise",
  .instance_size = sizeof (MmElementwise),
  .forward = elementwise_forward,
  .backward = elementwise_backward,
  .describe = elementwise_describe,
  .rule = elementwise_rule,
  .flops = elementwise_flops,
};

MmNode *
mm_elementwise_new (MmOp             op,
                    guint            n_inputs,
                    MmNode * const  *inputs,
                    GError         **error)
{
  MmElementwise *self;
  guint expected;

  g_return_val_if_fail (n_inputs == 0 || inputs != NULL, NULL);

  if ((guint) op.kind >= MM_N_OPS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Unknown elementwise operation %d", (int) op.kind);
      return NULL;
    }
  expected = op_info[op.kind].arity != 0 ? op_info[op.kind].arity : op.arity;
  if (expected == 0)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "%s needs at least one input", op_info[op.kind].name);
      return NULL;
    }
  if (n_inputs != expected)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "%s expects %u input%s, but %u %s given",
                   op_info[op.kind].name, expected, expected == 1 ? "" : "s",
                   n_inputs, n_inputs == 1 ? "was" : "were");
      return NULL;
    }
  for (guint i = 0; i < n_inputs; i++)
    g_return_val_if_fail (inputs[i] != NULL, NULL);
  for (guint i = 1; i < n_inputs; i++)
    if (!mm_shape_equal (&inputs[0]->shape, &inputs[i]->shape))
      {
        g_autofree char *s0 = mm_shape_to_string (&inputs[0]->shape);
        g_autofree char *si = mm_shape_to_string (&inputs[i]->shape);
        g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                     "%s needs inputs of the same shape, but input 1 has shape %s and input %u has shape %s",
                     op_info[op.kind].name, s0, i + 1, si);
        return NULL;
      }

  op.arity = expected;
  self = (MmElementwise *) mm_node_alloc (&elementwise_class, &inputs[0]->shape, n_inputs, inputs);
  self->op = op;
  return &self->parent;
}

MmNode *
mm_unary_new (MmOpKind  kind,
              MmNode   *x,
              GError  **error)
{
  return mm_elementwise_new (mm_op_unary (kind), 1, &x, error);
}

MmNode *
mm_binary_new (MmOpKind  kind,
               MmNode   *a,
               MmNode   *b,
               GError  **error)
{
  MmOp op = kind == MM_OP_ADD ? mm_op_add (2) : kind == MM_OP_MUL ? mm_op_mul (2) : mm_op_binary (kind);
  return mm_elementwise_new (op, 2, (MmNode *[]) { a, b }, error);
}

gboolean
mm_node_is_elementwise (MmNode *node)
{
  g_return_val_if_fail (node != NULL, FALSE);
  return node->klass == &elementwise_class;
}

MmOp
mm_elementwise_get_op (MmNode *node)
{
  g_return_val_if_fail (mm_node_is_elementwise (node), mm_op_add (0));
  return ((MmElementwise *) node)->op;
}
