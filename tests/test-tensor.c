/* test-tensor.c — shapes, allocation limits, copy on write. */
#include <myml.h>
#include <math.h>
#include <string.h>

static void
test_shape_string (void)
{
  MmShape s;
  g_autofree char *a = NULL, *b = NULL, *c = NULL;

  g_assert_true (mm_shape_init (&s, 3, (gsize[]) { 4, 1, 7 }, NULL));
  a = mm_shape_to_string (&s);
  g_assert_cmpstr (a, ==, "(4, 1, 7)");
  g_assert_cmpuint (mm_shape_size (&s), ==, 28);

  g_assert_true (mm_shape_init (&s, 1, (gsize[]) { 5 }, NULL));
  b = mm_shape_to_string (&s);
  g_assert_cmpstr (b, ==, "(5,)");

  mm_shape_scalar (&s);
  c = mm_shape_to_string (&s);
  g_assert_cmpstr (c, ==, "()");
  g_assert_cmpuint (mm_shape_size (&s), ==, 1);
}

static void
test_too_many_axes (void)
{
  g_autoptr(GError) error = NULL;
  gsize dims[MM_MAX_DIMS + 1];
  MmShape s;

  for (guint i = 0; i < G_N_ELEMENTS (dims); i++)
    dims[i] = 1;
  g_assert_false (mm_shape_init (&s, MM_MAX_DIMS + 1, dims, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "at most 16 axes"));

  /* Eight axes, as the issue asks for at the least. */
  g_clear_error (&error);
  g_autoptr(MmTensor) t = mm_tensor_new_dims (8, (gsize[]) { 2, 1, 2, 1, 2, 1, 2, 3 }, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (t->size, ==, 48);
}

static void
test_too_large (void)
{
  g_autoptr(GError) error = NULL;
  /* A bogus header asking for 2^64 elements must not wrap around into a small allocation. */
  MmTensor *t = mm_tensor_new_dims (2, (gsize[]) { G_MAXSIZE / 2, 4 }, &error);

  g_assert_null (t);
  g_assert_error (error, MM_ERROR, MM_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "too large"));
}

static void
test_from_data (void)
{
  g_autoptr(GError) error = NULL;
  const float values[] = { 1, 2, 3, 4, 5, 6 };
  MmShape s;

  g_assert_true (mm_shape_init (&s, 2, (gsize[]) { 2, 3 }, NULL));
  g_autoptr(MmTensor) t = mm_tensor_new_from_data (&s, values, 6, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (t->data[5], ==, 6.0f);
  g_assert_cmpfloat (mm_tensor_sum (t), ==, 21.0);

  MmTensor *bad = mm_tensor_new_from_data (&s, values, 5, &error);
  g_assert_null (bad);
  g_assert_error (error, MM_ERROR, MM_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "(2, 3) needs 6 values, but 5 were given"));
}

static void
test_copy_on_write (void)
{
  g_autoptr(MmTensor) t = mm_tensor_new_scalar (3.0f);
  MmTensor *shared = mm_tensor_ref (t);
  MmTensor *w = t;

  g_assert_false (mm_tensor_is_writable (t));
  mm_tensor_make_writable (&w);
  /* The writer got its own copy, the other holder still sees the old value. */
  g_assert_true (w != shared);
  w->data[0] = 5.0f;
  g_assert_cmpfloat (shared->data[0], ==, 3.0f);
  t = w;
  g_assert_true (mm_tensor_is_writable (t));
  mm_tensor_unref (shared);
}

static void
test_random_fill_seeded (void)
{
  g_autoptr(GRand) r1 = g_rand_new_with_seed (7);
  g_autoptr(GRand) r2 = g_rand_new_with_seed (7);
  g_autoptr(MmTensor) a = mm_tensor_new_dims (1, (gsize[]) { 1001 }, NULL);
  g_autoptr(MmTensor) b = mm_tensor_new_dims (1, (gsize[]) { 1001 }, NULL);
  double mean = 0, var = 0;

  mm_tensor_fill_normal (a, r1, 0.0f, 1.0f);
  mm_tensor_fill_normal (b, r2, 0.0f, 1.0f);
  g_assert_cmpmem (a->data, a->size * sizeof (float), b->data, b->size * sizeof (float));
  for (gsize i = 0; i < a->size; i++)
    mean += a->data[i];
  mean /= a->size;
  for (gsize i = 0; i < a->size; i++)
    var += (a->data[i] - mean) * (a->data[i] - mean);
  var /= a->size;
  g_assert_cmpfloat (fabs (mean), <, 0.15);
  g_assert_cmpfloat (fabs (var - 1.0), <, 0.15);
  g_assert_true (mm_tensor_all_finite (a));
  a->data[3] = NAN;
  g_assert_false (mm_tensor_all_finite (a));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tensor/shape-string", test_shape_string);
  g_test_add_func ("/tensor/too-many-axes", test_too_many_axes);
  g_test_add_func ("/tensor/too-large", test_too_large);
  g_test_add_func ("/tensor/from-data", test_from_data);
  g_test_add_func ("/tensor/copy-on-write", test_copy_on_write);
  g_test_add_func ("/tensor/random-fill-seeded", test_random_fill_seeded);
  return g_test_run ();
}
