/* mm-elementwise.h — Elementwise(op, inputs): an operation applied number by
 * number to inputs that all have the same shape. */
#pragma once

#include "mm-node.h"

G_BEGIN_DECLS

typedef enum {
  /* n-ary */
  MM_OP_ADD,
  MM_OP_MUL,
  /* binary */
  MM_OP_SUB,
  MM_OP_DIV,
  /* unary */
  MM_OP_NEG,
  MM_OP_SIN,
  MM_OP_COS,
  MM_OP_EXP,
  MM_OP_LOG,
  MM_OP_SQRT,
  MM_OP_SQUARE,
  MM_OP_ABS,
  MM_OP_POW,        /* x^c */
  MM_OP_RELU,
  MM_OP_LEAKY_RELU, /* x if x > 0 else a·x */
  MM_OP_SIGMOID,
  MM_OP_TANH,
  MM_OP_SOFTPLUS,   /* log(1 + eˣ) */
  MM_OP_SCALE,      /* c·x */
  MM_N_OPS
} MmOpKind;

/* An operation with its setting: the arity of Add and Mul (as the seed's
 * ElementwiseAdd(n)), the exponent of Pow, the slope of LeakyReLU, the factor
 * of Scale. */
typedef struct {
  MmOpKind kind;
  guint arity;
  float param;
} MmOp;

MmOp        mm_op_add          (guint        n);
MmOp        mm_op_mul          (guint        n);
MmOp        mm_op_unary        (MmOpKind     kind);
MmOp        mm_op_pow          (float        c);
MmOp        mm_op_leaky_relu   (float        slope);
MmOp        mm_op_scale        (float        c);
MmOp        mm_op_binary       (MmOpKind     kind);

const char *mm_op_kind_name    (MmOpKind     kind);
/* Look up a kind by its name ("ReLU", "relu", "LeakyReLU", …); FALSE if unknown. */
gboolean    mm_op_kind_from_name (const char *name,
                                  MmOpKind   *kind);
/* The derivative of the op as a person writes it, e.g. "∂L/∂X = G ⊙ cos X". */
char       *mm_op_rule         (const MmOp  *op,
                                guint        index);

MmNode     *mm_elementwise_new (MmOp             op,
                                guint            n_inputs,
                                MmNode * const  *inputs,
                                GError         **error);
/* Shorthands for one and two inputs. */
MmNode     *mm_unary_new       (MmOpKind         kind,
                                MmNode          *x,
                                GError         **error);
MmNode     *mm_binary_new      (MmOpKind         kind,
                                MmNode          *a,
                                MmNode          *b,
                                GError         **error);
gboolean    mm_node_is_elementwise (MmNode      *node);
MmOp        mm_elementwise_get_op  (MmNode      *node);

G_END_DECLS
