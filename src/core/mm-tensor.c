/* mm-tensor.c — N-dimensional float32 arrays. */
#include "mm-tensor.h"
#include "mm-error.h"
#include "mm-node-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MM_ALIGNMENT 64

/* ---- A small per-thread cache of freed buffers ----------------------------
 * Every training step builds a new graph whose tensors have the same sizes as
 * the step before. Handing freed buffers back by exact size avoids the
 * allocator returning memory to the system and faulting it in again each
 * step, which otherwise costs as much as the arithmetic of a small network. */

#define CACHE_SLOTS 64
#define CACHE_MAX_BYTES ((gsize) 64 << 20)
#define CACHE_MAX_BUFFER ((gsize) 16 << 20)

typedef struct {
  guint n;
  gsize total;
  gsize bytes[CACHE_SLOTS];
  void *ptr[CACHE_SLOTS];
} BufferCache;

static void
buffer_cache_free (gpointer data)
{
  BufferCache *c = data;
  for (guint i = 0; i < c->n; i++)
    free (c->ptr[i]);
  g_free (c);
}

static GPrivate buffer_cache_key = G_PRIVATE_INIT (buffer_cache_free);

/* A cache hides use-after-free from ASan and valgrind, so it is off in
 * sanitizer builds and when MYML_BUFFER_CACHE=0 (the valgrind runs set it). */
static gboolean
buffer_cache_enabled (void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return FALSE;
#else
  static gsize once = 0;
  static gboolean enabled;

  if (g_once_init_enter (&once))
    {
      const char *env = g_getenv ("MYML_BUFFER_CACHE");
      enabled = env == NULL || g_strcmp0 (env, "0") != 0;
      g_once_init_leave (&once, 1);
    }
  return enabled;
#endif
}

static void *
buffer_take (gsize bytes)
{
  BufferCache *c = buffer_cache_enabled () ? g_private_get (&buffer_cache_key) : NULL;

  if (c != NULL)
    for (guint i = c->n; i-- > 0;)
      if (c->bytes[i] == bytes)
        {
          void *p = c->ptr[i];
          c->total -= bytes;
          c->n--;
          c->ptr[i] = c->ptr[c->n];
          c->bytes[i] = c->bytes[c->n];
          return p;
        }
  return aligned_alloc (MM_ALIGNMENT, bytes);
}

static void
buffer_give_back (void  *p,
                  gsize  bytes)
{
  BufferCache *c = g_private_get (&buffer_cache_key);

  if (bytes > CACHE_MAX_BUFFER || !buffer_cache_enabled ())
    {
      free (p);
      return;
    }
  if (c == NULL)
    {
      c = g_new0 (BufferCache, 1);
      g_private_set (&buffer_cache_key, c);
    }
  /* Full: drop the oldest entries to make room. */
  while (c->n > 0 && (c->n == CACHE_SLOTS || c->total + bytes > CACHE_MAX_BYTES))
    {
      free (c->ptr[0]);
      c->total -= c->bytes[0];
      c->n--;
      memmove (c->ptr, c->ptr + 1, c->n * sizeof (void *));
      memmove (c->bytes, c->bytes + 1, c->n * sizeof (gsize));
    }
  c->ptr[c->n] = p;
  c->bytes[c->n] = bytes;
  c->n++;
  c->total += bytes;
}

static gsize
buffer_bytes (gsize n_floats)
{
  /* aligned_alloc wants a multiple of the alignment; round up (and never ask for 0). */
  gsize bytes = (n_floats * sizeof (float) + MM_ALIGNMENT - 1) / MM_ALIGNMENT * MM_ALIGNMENT;
  return bytes == 0 ? MM_ALIGNMENT : bytes;
}

void
mm_shape_scalar (MmShape *shape)
{
  memset (shape, 0, sizeof *shape);
}

gboolean
mm_shape_validate (const MmShape *shape,
                   GError       **error)
{
  gsize size = 1;

  if (shape->ndim > MM_MAX_DIMS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "A tensor can have at most %d axes, not %u", MM_MAX_DIMS, shape->ndim);
      return FALSE;
    }
  for (guint i = 0; i < shape->ndim; i++)
    {
      if (!g_size_checked_mul (&size, size, shape->dim[i]) || size > MM_MAX_ELEMENTS)
        {
          g_autofree char *s = mm_shape_to_string (shape);
          g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                       "A tensor of shape %s is too large (the limit is %" G_GSIZE_FORMAT " elements)",
                       s, (gsize) MM_MAX_ELEMENTS);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
mm_shape_init (MmShape      *shape,
               guint         ndim,
               const gsize  *dims,
               GError      **error)
{
  mm_shape_scalar (shape);
  if (ndim > MM_MAX_DIMS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "A tensor can have at most %d axes, not %u", MM_MAX_DIMS, ndim);
      return FALSE;
    }
  shape->ndim = ndim;
  if (ndim > 0)
    memcpy (shape->dim, dims, ndim * sizeof (gsize));
  return mm_shape_validate (shape, error);
}

gsize
mm_shape_size (const MmShape *shape)
{
  gsize size = 1;
  for (guint i = 0; i < shape->ndim; i++)
    size *= shape->dim[i];
  return size;
}

gboolean
mm_shape_equal (const MmShape *a,
                const MmShape *b)
{
  if (a->ndim != b->ndim)
    return FALSE;
  for (guint i = 0; i < a->ndim; i++)
    if (a->dim[i] != b->dim[i])
      return FALSE;
  return TRUE;
}

char *
mm_shape_to_string (const MmShape *shape)
{
  GString *s = g_string_new ("(");
  guint n = MIN (shape->ndim, MM_MAX_DIMS);

  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      g_string_append_printf (s, "%" G_GSIZE_FORMAT, shape->dim[i]);
    }
  if (n == 1)
    g_string_append_c (s, ',');
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

static MmTensor *
tensor_alloc (const MmShape *shape,
              gboolean       zero,
              GError       **error)
{
  MmTensor *t;
  gsize bytes;
  float *data;

  if (!mm_shape_validate (shape, error))
    return NULL;

  bytes = buffer_bytes (mm_shape_size (shape));
  data = buffer_take (bytes);
  if (data == NULL)
    {
      g_autofree char *s = mm_shape_to_string (shape);
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                   "Out of memory allocating a tensor of shape %s", s);
      return NULL;
    }
  if (zero)
    memset (data, 0, bytes);

  t = g_new0 (MmTensor, 1);
  t->ref_count = 1;
  t->shape = *shape;
  t->size = mm_shape_size (shape);
  t->data = data;
  return t;
}

/* For shapes that are already known to be valid (taken from an existing tensor
 * or node): failure here is a genuine out-of-memory, like g_malloc's. */
static MmTensor *
tensor_alloc_valid (const MmShape *shape,
                    gboolean       zero)
{
  g_autoptr(GError) error = NULL;
  MmTensor *t = tensor_alloc (shape, zero, &error);

  if (t == NULL)
    g_error ("%s", error->message);
  return t;
}

MmTensor *
mm_tensor_new (const MmShape *shape,
               GError       **error)
{
  g_return_val_if_fail (shape != NULL, NULL);
  return tensor_alloc (shape, TRUE, error);
}

MmTensor *
mm_tensor_new_dims (guint         ndim,
                    const gsize  *dims,
                    GError      **error)
{
  MmShape shape;

  if (!mm_shape_init (&shape, ndim, dims, error))
    return NULL;
  return tensor_alloc (&shape, TRUE, error);
}

MmTensor *
mm_tensor_new_from_data (const MmShape *shape,
                         const float   *data,
                         gsize          n_data,
                         GError       **error)
{
  MmTensor *t;

  g_return_val_if_fail (shape != NULL, NULL);
  g_return_val_if_fail (data != NULL || n_data == 0, NULL);

  if (!mm_shape_validate (shape, error))
    return NULL;
  if (n_data != mm_shape_size (shape))
    {
      g_autofree char *s = mm_shape_to_string (shape);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "A tensor of shape %s needs %" G_GSIZE_FORMAT " values, but %" G_GSIZE_FORMAT " were given",
                   s, mm_shape_size (shape), n_data);
      return NULL;
    }
  t = tensor_alloc (shape, FALSE, error);
  if (t != NULL && n_data > 0)
    memcpy (t->data, data, n_data * sizeof (float));
  return t;
}

MmTensor *
mm_tensor_new_like (const MmTensor *like)
{
  g_return_val_if_fail (like != NULL, NULL);
  return tensor_alloc_valid (&like->shape, TRUE);
}

MmTensor *
mm_tensor_new_scalar (float value)
{
  MmShape shape;
  MmTensor *t;

  mm_shape_scalar (&shape);
  t = tensor_alloc_valid (&shape, FALSE);
  t->data[0] = value;
  return t;
}

MmTensor *
mm_tensor_new_filled (const MmShape *shape,
                      float          value,
                      GError       **error)
{
  MmTensor *t = tensor_alloc (shape, FALSE, error);

  if (t != NULL)
    mm_tensor_fill (t, value);
  return t;
}

MmTensor *
mm_tensor_new_uninit (const MmShape *shape)
{
  return tensor_alloc_valid (shape, FALSE);
}

MmTensor *
mm_tensor_copy (const MmTensor *tensor)
{
  MmTensor *t;

  g_return_val_if_fail (tensor != NULL, NULL);
  t = tensor_alloc_valid (&tensor->shape, FALSE);
  if (tensor->size > 0)
    memcpy (t->data, tensor->data, tensor->size * sizeof (float));
  return t;
}

MmTensor *
mm_tensor_ref (MmTensor *tensor)
{
  g_return_val_if_fail (tensor != NULL, NULL);
  g_atomic_int_inc (&tensor->ref_count);
  return tensor;
}

void
mm_tensor_unref (MmTensor *tensor)
{
  if (tensor == NULL)
    return;
  if (g_atomic_int_dec_and_test (&tensor->ref_count))
    {
      if (tensor->owner != NULL)
        mm_tensor_unref (tensor->owner);
      else
        buffer_give_back (tensor->data, buffer_bytes (tensor->size));
      g_free (tensor);
    }
}

gboolean
mm_tensor_is_writable (const MmTensor *tensor)
{
  g_return_val_if_fail (tensor != NULL, FALSE);
  return g_atomic_int_get (&tensor->ref_count) == 1 && tensor->owner == NULL;
}

MmTensor *
mm_tensor_new_view (MmTensor       *base,
                    const MmShape  *shape,
                    GError        **error)
{
  MmTensor *t;

  g_return_val_if_fail (base != NULL && shape != NULL, NULL);
  if (!mm_shape_validate (shape, error))
    return NULL;
  if (mm_shape_size (shape) != base->size)
    {
      g_autofree char *s1 = mm_shape_to_string (&base->shape);
      g_autofree char *s2 = mm_shape_to_string (shape);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "A view of shape %s cannot show the %" G_GSIZE_FORMAT " numbers of shape %s",
                   s2, base->size, s1);
      return NULL;
    }
  t = g_new0 (MmTensor, 1);
  t->ref_count = 1;
  t->owner = mm_tensor_ref (base->owner ? base->owner : base);
  t->shape = *shape;
  t->size = base->size;
  t->data = base->data;
  return t;
}

MmTensor *
mm_tensor_new_view_at (MmTensor       *base,
                       gsize           offset,
                       const MmShape  *shape,
                       GError        **error)
{
  MmTensor *t;
  gsize size;

  g_return_val_if_fail (base != NULL && shape != NULL, NULL);
  if (!mm_shape_validate (shape, error))
    return NULL;
  size = mm_shape_size (shape);
  if (offset > base->size || size > base->size - offset)
    {
      g_autofree char *s1 = mm_shape_to_string (&base->shape);
      g_autofree char *s2 = mm_shape_to_string (shape);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   "A view of shape %s from number %" G_GSIZE_FORMAT " runs past the end of shape %s",
                   s2, offset, s1);
      return NULL;
    }
  t = g_new0 (MmTensor, 1);
  t->ref_count = 1;
  t->owner = mm_tensor_ref (base->owner ? base->owner : base);
  t->shape = *shape;
  t->size = size;
  t->data = base->data + offset;
  return t;
}

float *
mm_tensor_make_writable (MmTensor **tensor)
{
  g_return_val_if_fail (tensor != NULL && *tensor != NULL, NULL);

  if (!mm_tensor_is_writable (*tensor))
    {
      MmTensor *copy = mm_tensor_copy (*tensor);
      mm_tensor_unref (*tensor);
      *tensor = copy;
    }
  return (*tensor)->data;
}

gboolean
mm_tensor_same_shape (const MmTensor *a,
                      const MmTensor *b)
{
  return mm_shape_equal (&a->shape, &b->shape);
}

char *
mm_tensor_shape_string (const MmTensor *tensor)
{
  return mm_shape_to_string (&tensor->shape);
}

double
mm_tensor_sum (const MmTensor *tensor)
{
  double s = 0.0;
  for (gsize i = 0; i < tensor->size; i++)
    s += tensor->data[i];
  return s;
}

float
mm_tensor_max_abs (const MmTensor *tensor)
{
  float m = 0.0f;
  for (gsize i = 0; i < tensor->size; i++)
    {
      float a = fabsf (tensor->data[i]);
      if (a > m || isnan (a))
        m = a;
    }
  return m;
}

gboolean
mm_tensor_all_finite (const MmTensor *tensor)
{
  /* A float is NaN or infinite exactly when its exponent bits are all ones.
   * Testing the bits as integers lets the loop vectorise (a float reduction
   * would not, without -ffast-math). The project builds with
   * -fno-strict-aliasing, so reading the floats as integers is well defined. */
  const guint32 *restrict bits = (const guint32 *) tensor->data;
  const gsize block = 4096;

  for (gsize start = 0; start < tensor->size; start += block)
    {
      gsize end = MIN (start + block, tensor->size);
      guint32 bad = 0;
      for (gsize i = start; i < end; i++)
        bad |= (~bits[i] & 0x7f800000u) == 0;
      if (bad)
        return FALSE;
    }
  return TRUE;
}

float
mm_tensor_item (const MmTensor *tensor)
{
  g_return_val_if_fail (tensor != NULL && tensor->size >= 1, NAN);
  return tensor->data[0];
}

void
mm_tensor_fill (MmTensor *tensor,
                float     value)
{
  for (gsize i = 0; i < tensor->size; i++)
    tensor->data[i] = value;
}

void
mm_tensor_fill_uniform (MmTensor *tensor,
                        GRand    *rand,
                        float     low,
                        float     high)
{
  for (gsize i = 0; i < tensor->size; i++)
    tensor->data[i] = (float) g_rand_double_range (rand, low, high);
}

void
mm_tensor_fill_normal (MmTensor *tensor,
                       GRand    *rand,
                       float     mean,
                       float     stddev)
{
  /* Box–Muller; the second value of each pair is used too, so the stream of
   * GRand draws per element is fixed and runs are reproducible. */
  for (gsize i = 0; i < tensor->size; i += 2)
    {
      double u1 = 1.0 - g_rand_double (rand); /* (0, 1] so log() is finite */
      double u2 = g_rand_double (rand);
      double r = sqrt (-2.0 * log (u1));
      tensor->data[i] = (float) (mean + stddev * r * cos (2.0 * G_PI * u2));
      if (i + 1 < tensor->size)
        tensor->data[i + 1] = (float) (mean + stddev * r * sin (2.0 * G_PI * u2));
    }
}

void
mm_tensor_add_inplace (MmTensor       *dest,
                       const MmTensor *src)
{
  g_return_if_fail (dest->size == src->size);
  float *restrict d = dest->data;
  const float *restrict s = src->data;
  for (gsize i = 0; i < dest->size; i++)
    d[i] += s[i];
}
