/* mm-tensor.h — N-dimensional float32 arrays.
 *
 * A tensor is a contiguous row-major block of floats with a shape. Tensors are
 * reference counted. Once a graph node holds a tensor it must not change; code
 * that wants to update a tensor in place (an optimizer) calls
 * mm_tensor_make_writable(), which copies it first when anybody else holds a
 * reference (copy on write).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TensorDot of two 8-axis tensors with d = 0 has 16 axes. */
#define MM_MAX_DIMS 16

/* Upper bound on the number of elements of one tensor (2^31 − 1 floats, 8 GiB):
 * anything larger is refused with MM_ERROR_TOO_LARGE instead of being tried.
 * It is G_MAXINT, not 2^31, because CBLAS takes every dimension and leading
 * dimension as an int: a 2^31-element axis would reach sgemm as a negative
 * number. */
#define MM_MAX_ELEMENTS ((gsize) G_MAXINT)

typedef struct {
  guint ndim;
  gsize dim[MM_MAX_DIMS];
} MmShape;

gboolean  mm_shape_init       (MmShape       *shape,
                               guint          ndim,
                               const gsize   *dims,
                               GError       **error);
gboolean  mm_shape_validate   (const MmShape *shape,
                               GError       **error);
gsize     mm_shape_size       (const MmShape *shape);
gboolean  mm_shape_equal      (const MmShape *a,
                               const MmShape *b);
char     *mm_shape_to_string  (const MmShape *shape);
void      mm_shape_scalar     (MmShape       *shape);

typedef struct _MmTensor MmTensor;

struct _MmTensor {
  /*< private >*/
  gint ref_count;
  MmTensor *owner;   /* a view borrows @owner's numbers (NULL: owns them) */
  /*< public, read-only >*/
  MmShape shape;
  gsize size;
  float *data;
};

MmTensor *mm_tensor_new             (const MmShape  *shape,
                                     GError        **error);
MmTensor *mm_tensor_new_dims        (guint           ndim,
                                     const gsize    *dims,
                                     GError        **error);
MmTensor *mm_tensor_new_from_data   (const MmShape  *shape,
                                     const float    *data,
                                     gsize           n_data,
                                     GError        **error);
MmTensor *mm_tensor_new_like        (const MmTensor *like);
MmTensor *mm_tensor_new_scalar      (float           value);
MmTensor *mm_tensor_new_filled      (const MmShape  *shape,
                                     float           value,
                                     GError        **error);
MmTensor *mm_tensor_copy            (const MmTensor *tensor);
/* The same numbers under another shape of the same size, without copying.
 * A view is never writable in place (mm_tensor_make_writable copies it). */
MmTensor *mm_tensor_new_view        (MmTensor       *base,
                                     const MmShape  *shape,
                                     GError        **error);
/* A view of @shape's numbers starting at element @offset of @base (a
 * contiguous part, e.g. one time step of a time-major sequence). */
MmTensor *mm_tensor_new_view_at     (MmTensor       *base,
                                     gsize           offset,
                                     const MmShape  *shape,
                                     GError        **error);
MmTensor *mm_tensor_ref             (MmTensor       *tensor);
void      mm_tensor_unref           (MmTensor       *tensor);
gboolean  mm_tensor_is_writable     (const MmTensor *tensor);
float    *mm_tensor_make_writable   (MmTensor      **tensor);

gboolean  mm_tensor_same_shape      (const MmTensor *a,
                                     const MmTensor *b);
char     *mm_tensor_shape_string    (const MmTensor *tensor);
double    mm_tensor_sum             (const MmTensor *tensor);
float     mm_tensor_max_abs         (const MmTensor *tensor);
gboolean  mm_tensor_all_finite      (const MmTensor *tensor);
float     mm_tensor_item            (const MmTensor *tensor);

void      mm_tensor_fill            (MmTensor       *tensor,
                                     float           value);
void      mm_tensor_fill_uniform    (MmTensor       *tensor,
                                     GRand          *rand,
                                     float           low,
                                     float           high);
void      mm_tensor_fill_normal     (MmTensor       *tensor,
                                     GRand          *rand,
                                     float           mean,
                                     float           stddev);
void      mm_tensor_add_inplace     (MmTensor       *dest,
                                     const MmTensor *src);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmTensor, mm_tensor_unref)

G_END_DECLS
