/* mm-node-private.h — what a node type implements; internal to libmyml. */
#pragma once

#include "mm-node.h"
#include "mm-tensor.h"

G_BEGIN_DECLS

typedef struct _MmNodeClass MmNodeClass;

struct _MmNodeClass {
  const char *type_name;
  gsize instance_size;

  /* Compute the value from the inputs' values (all already computed). The
   * shape was checked at construction, so this cannot fail. */
  MmTensor *(*forward)  (MmNode          *self);

  /* Given G = ∂L/∂self, set grads[i] = ∂L/∂input_i for every i with need[i].
   * The values of self and its inputs are available. A returned tensor may be
   * a new reference to G itself (it is copied before it is ever changed). */
  void      (*backward) (MmNode          *self,
                         const MmTensor  *grad,
                         const gboolean  *need,
                         MmTensor       **grads);

  char     *(*describe) (MmNode          *self);
  char     *(*rule)     (MmNode          *self,
                         guint            index);
  void      (*finalize) (MmNode          *self);

  /* Floating-point operations of forward (@need NULL) or of backward for the
   * inputs marked in @need, from the shapes (the cost meter, mm-cost.h).
   * NULL: one per output number forward, none backward. */
  guint64   (*flops)    (MmNode          *self,
                         const gboolean  *need);

  /* Optional, for nodes whose input @index receives gradient in a small part
   * only (a slice of a sequence): add that part of ∂L/∂input into @acc (of
   * the input's shape, writable) instead of returning a dense tensor that is
   * mostly zeros. Without it, a time step sliced from a (time, …) tensor
   * would cost a whole tensor per step. The full sweep uses it; the stepper
   * (MM_BACKWARD_KEEP_ALL) shows dense contributions, so backward must still
   * give them. */
  void      (*backward_add) (MmNode          *self,
                             const MmTensor  *grad,
                             guint            index,
                             MmTensor        *acc);
};

struct _MmNode {
  const MmNodeClass *klass;
  gint ref_count;
  guint n_inputs;
  MmNode **inputs;
  MmShape shape;
  MmTensor *value;
  char *label;
  char *scope;        /* the module that built it ("1."), or NULL */
};

/* Allocates klass->instance_size bytes, takes references to the inputs. */
MmNode   *mm_node_alloc         (const MmNodeClass *klass,
                                 const MmShape     *shape,
                                 guint              n_inputs,
                                 MmNode * const    *inputs);

static inline const float *
mm_node_input_data (MmNode *self, guint i)
{
  return self->inputs[i]->value->data;
}

MmTensor *mm_tensor_new_uninit  (const MmShape *shape);

/* Kernels shared by several node types (mm-kernels.c). */

/* out[q] = Σ_p x[p·Q + q] for q < Q, accumulated in double. */
void      mm_kernel_sum_leading (const float *x,
                                 gsize        P,
                                 gsize        Q,
                                 float       *out);
/* out[p·Q + q] = x[q] for p < P. */
void      mm_kernel_repeat      (const float *x,
                                 gsize        P,
                                 gsize        Q,
                                 float       *out);
/* Row-major C (M×N) = op(A) · op(B) with op = transpose when the flag is set;
 * copes with empty dimensions (C is zero when K = 0). */
void      mm_kernel_gemm        (gboolean     trans_a,
                                 gboolean     trans_b,
                                 gsize        M,
                                 gsize        N,
                                 gsize        K,
                                 const float *A,
                                 const float *B,
                                 float       *C);
/* The same with C += op(A) · op(B) when @accumulate (C = … otherwise). */
void      mm_kernel_gemm_acc    (gboolean     trans_a,
                                 gboolean     trans_b,
                                 gsize        M,
                                 gsize        N,
                                 gsize        K,
                                 const float *A,
                                 const float *B,
                                 gboolean     accumulate,
                                 float       *C);

G_END_DECLS
