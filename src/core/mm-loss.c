/* mm-loss.c — MSE, cross-entropy (with label smoothing) and the one-hot wrapper. */
#include "mm-loss.h"
#include "mm-error.h"
#include "mm-elementwise.h"
#include "mm-softmax.h"
#include "mm-sum.h"

#include <math.h>

typedef enum { LOSS_MSE, LOSS_CROSS_ENTROPY, LOSS_ONE_HOT } LossKind;

struct _MmLoss {
  gint ref_count;
  LossKind kind;
  double label_smoothing;   /* cross-entropy */
  guint n_classes;          /* one-hot */
  MmLoss *inner;            /* one-hot */
};

static MmLoss *
loss_alloc (LossKind kind)
{
  MmLoss *l = g_new0 (MmLoss, 1);
  l->ref_count = 1;
  l->kind = kind;
  return l;
}

MmLoss *
mm_loss_ref (MmLoss *loss)
{
  g_return_val_if_fail (loss != NULL, NULL);
  g_atomic_int_inc (&loss->ref_count);
  return loss;
}

void
mm_loss_unref (MmLoss *loss)
{
  if (loss == NULL || !g_atomic_int_dec_and_test (&loss->ref_count))
    return;
  mm_loss_unref (loss->inner);
  g_free (loss);
}

MmLoss *
mm_loss_mse_new (void)
{
  return loss_alloc (LOSS_MSE);
}

MmLoss *
mm_loss_cross_entropy_new (double   label_smoothing,
                           GError **error)
{
  MmLoss *l;

  if (!(label_smoothing >= 0.0 && label_smoothing <= 1.0))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Label smoothing must be between 0 and 1, not %g", label_smoothing);
      return NULL;
    }
  l = loss_alloc (LOSS_CROSS_ENTROPY);
  l->label_smoothing = label_smoothing;
  return l;
}

MmLoss *
mm_loss_one_hot_new (MmLoss  *inner,
                     guint    n_classes,
                     GError **error)
{
  MmLoss *l;

  g_return_val_if_fail (inner != NULL, NULL);
  if (n_classes < 1)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "One-hot encoding needs at least one class");
      return NULL;
    }
  l = loss_alloc (LOSS_ONE_HOT);
  l->inner = mm_loss_ref (inner);
  l->n_classes = n_classes;
  return l;
}

gboolean
mm_loss_takes_class_indices (MmLoss *loss)
{
  g_return_val_if_fail (loss != NULL, FALSE);
  return loss->kind == LOSS_ONE_HOT;
}

guint
mm_loss_get_n_classes (MmLoss *loss)
{
  g_return_val_if_fail (loss != NULL, 0);
  return loss->kind == LOSS_ONE_HOT ? loss->n_classes : 0;
}

char *
mm_loss_to_string (MmLoss *loss)
{
  g_return_val_if_fail (loss != NULL, NULL);
  switch (loss->kind)
    {
    case LOSS_MSE:
      return g_strdup ("MSE");
    case LOSS_CROSS_ENTROPY:
      if (loss->label_smoothing > 0)
        return g_strdup_printf ("CrossEntropy(label_smoothing=%g)", loss->label_smoothing);
      return g_strdup ("CrossEntropy");
    case LOSS_ONE_HOT:
    default:
      {
        g_autofree char *inner = mm_loss_to_string (loss->inner);
        return g_strdup_printf ("OneHot(%s, %u classes)", inner, loss->n_classes);
      }
    }
}

MmTensor *
mm_one_hot (const MmTensor  *indices,
            guint            n_classes,
            GError         **error)
{
  MmShape shape;
  MmTensor *out;

  if (indices->shape.ndim != 1 && indices->shape.ndim != 2)
    {
      g_autofree char *s = mm_tensor_shape_string (indices);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "Class indices must be a list of shape (batch,) or, for sequences, (batch, time), "
                   "not shape %s", s);
      return NULL;
    }
  shape = indices->shape;
  shape.dim[shape.ndim++] = n_classes;
  if (!mm_shape_validate (&shape, error))
    return NULL;
  out = mm_tensor_new (&shape, error);
  if (out == NULL)
    return NULL;
  for (gsize i = 0; i < indices->size; i++)
    {
      float v = indices->data[i];
      if (!(v >= 0.0f && v < (float) n_classes) || v != floorf (v))
        {
          if (indices->shape.ndim == 2)
            g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                         "Target %" G_GSIZE_FORMAT " at time step %" G_GSIZE_FORMAT " is class %g, "
                         "but the classes are 0 to %u", i / indices->shape.dim[1], i % indices->shape.dim[1],
                         v, n_classes - 1);
          else
            g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                         "Target %" G_GSIZE_FORMAT " is class %g, but the classes are 0 to %u",
                         i, v, n_classes - 1);
          mm_tensor_unref (out);
          return NULL;
        }
      out->data[i * n_classes + (gsize) v] = 1.0f;
    }
  return out;
}

static gboolean
check_same_shape (const char     *what,
                  MmNode         *output,
                  const MmTensor *targets,
                  GError        **error)
{
  if (!mm_shape_equal (mm_node_get_shape (output), &targets->shape))
    {
      g_autofree char *so = mm_shape_to_string (mm_node_get_shape (output));
      g_autofree char *st = mm_tensor_shape_string (targets);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "%s compares the network's output of shape %s with targets of shape %s: "
                   "they must have the same shape", what, so, st);
      return FALSE;
    }
  return TRUE;
}

static MmNode *
build_mse (MmNode          *output,
           const MmTensor  *targets,
           GError         **error)
{
  g_autoptr(MmNode) t = NULL, diff = NULL, sq = NULL, sum = NULL;
  gsize n = mm_shape_size (mm_node_get_shape (output));

  if (!check_same_shape ("MSE", output, targets, error))
    return NULL;
  t = mm_constant_new_labelled ((MmTensor *) targets, "targets");
  diff = mm_binary_new (MM_OP_SUB, output, t, error);
  sq = mm_unary_new (MM_OP_SQUARE, diff, error);
  sum = mm_sum_all_new (sq);
  return mm_elementwise_new (mm_op_scale (1.0f / (float) MAX (n, 1)), 1, &sum, error);
}

static MmNode *
build_cross_entropy (MmLoss          *loss,
                     MmNode          *output,
                     const MmTensor  *targets,
                     GError         **error)
{
  const MmShape *s = mm_node_get_shape (output);
  g_autoptr(MmTensor) smoothed = NULL;
  g_autoptr(MmNode) t = NULL, logp = NULL, prod = NULL, sum = NULL;
  gsize rows;

  if (s->ndim != 2 && s->ndim != 3)
    {
      g_autofree char *so = mm_shape_to_string (s);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "Cross-entropy needs scores of shape (batch, classes) or (batch, time, classes), "
                   "but the network gives shape %s", so);
      return NULL;
    }
  if (!check_same_shape ("Cross-entropy", output, targets, error))
    return NULL;
  /* Scores over time are rows too: the mean runs over batch × time, as
   * PyTorch's cross_entropy on the (batch·time, classes) view. */
  rows = s->ndim == 3 ? s->dim[0] * s->dim[1] : s->dim[0];

  if (loss->label_smoothing > 0)
    {
      float eps = (float) loss->label_smoothing;
      float spread = eps / (float) s->dim[s->ndim - 1];   /* over the classes, the last axis */
      smoothed = mm_tensor_copy (targets);
      for (gsize i = 0; i < smoothed->size; i++)
        smoothed->data[i] = (1.0f - eps) * smoothed->data[i] + spread;
      t = mm_constant_new_labelled (smoothed, "smoothed targets");
    }
  else
    t = mm_constant_new_labelled ((MmTensor *) targets, "targets");

  logp = mm_log_softmax_new (output, error);
  if (logp == NULL)
    return NULL;
  prod = mm_binary_new (MM_OP_MUL, t, logp, error);
  sum = mm_sum_all_new (prod);
  return mm_elementwise_new (mm_op_scale (-1.0f / (float) MAX (rows, 1)), 1, &sum, error);
}

MmNode *
mm_loss_build (MmLoss          *loss,
               MmNode          *output,
               const MmTensor  *targets,
               GError         **error)
{
  MmNode *node = NULL;

  g_return_val_if_fail (loss != NULL && output != NULL && targets != NULL, NULL);

  switch (loss->kind)
    {
    case LOSS_MSE:
      node = build_mse (output, targets, error);
      break;
    case LOSS_CROSS_ENTROPY:
      node = build_cross_entropy (loss, output, targets, error);
      break;
    case LOSS_ONE_HOT:
    default:
      {
        g_autoptr(MmTensor) hot = mm_one_hot (targets, loss->n_classes, error);
        if (hot == NULL)
          return NULL;
        node = mm_loss_build (loss->inner, output, hot, error);
      }
      break;
    }
  if (node != NULL)
    mm_node_set_label (node, "loss");
  return node;
}
