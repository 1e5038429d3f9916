/* test-errors.c — every refusal of the core engine, and what it says.
 *
 * Bad input is reported through a GError of MM_ERROR, never by abort, and the
 * message must tell a student what went wrong: which shapes, which axis,
 * which count. Each case feeds one bad input and checks the code and a
 * meaningful fragment of the message. Each constructor is also called with a
 * NULL GError** once, which must simply return NULL.
 */
#include <myml.h>
#include <stdarg.h>
#include <string.h>

/* Asserts @error is MM_ERROR/@code and its message contains every fragment. */
G_GNUC_NULL_TERMINATED static void
assert_message (const GError *error,
                gint          code,
                ...)
{
  va_list ap;
  const char *fragment;

  g_assert_error (error, MM_ERROR, code);
  va_start (ap, code);
  while ((fragment = va_arg (ap, const char *)) != NULL)
    if (strstr (error->message, fragment) == NULL)
      g_error ("the message “%s” does not mention “%s”", error->message, fragment);
  va_end (ap);
  g_test_message ("%s", error->message);
}

static MmNode *
zeros_node (guint        ndim,
            const gsize *dims)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmTensor) t = mm_tensor_new_dims (ndim, dims, &error);

  g_assert_no_error (error);
  return mm_constant_new (t);
}

/* A node of a huge shape that is never evaluated (so never allocated):
 * Broadcast of a single number over @lead. */
static MmNode *
lazy_node (guint        ndim,
           const gsize *lead)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) one = zeros_node (0, NULL);
  MmNode *node = mm_broadcast_new (one, ndim, lead, &error);

  g_assert_no_error (error);
  return node;
}

static void
test_tensordot_mismatch (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) a = zeros_node (2, (gsize[]) { 2, 3 });
  g_autoptr(MmNode) b = zeros_node (2, (gsize[]) { 4, 5 });
  g_autoptr(MmNode) c = zeros_node (3, (gsize[]) { 3, 4, 6 });
  g_autoptr(MmNode) a3 = zeros_node (3, (gsize[]) { 2, 3, 5 });

  g_assert_null (mm_tensordot_new (a, b, 1, &error));
  assert_message (error, MM_ERROR_SHAPE, "TensorDot", "(2, 3)", "(4, 5)",
                  "axis 1 of A is 3", "axis 0 of B is 4", NULL);
  g_clear_error (&error);

  /* The first contracted axis fits, the second does not. */
  g_assert_null (mm_tensordot_new (a3, c, 2, &error));
  assert_message (error, MM_ERROR_SHAPE, "d=2", "(2, 3, 5)", "(3, 4, 6)",
                  "axis 2 of A is 5", "axis 1 of B is 4", NULL);
  g_clear_error (&error);

  g_assert_null (mm_tensordot_new (a, b, 1, NULL));
}

static void
test_tensordot_d_too_large (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) v = zeros_node (1, (gsize[]) { 3 });
  g_autoptr(MmNode) m = zeros_node (2, (gsize[]) { 3, 3 });
  g_autoptr(MmNode) s = zeros_node (0, NULL);

  g_assert_null (mm_tensordot_new (v, m, 2, &error));
  assert_message (error, MM_ERROR_SHAPE, "2 axes", "(3,)", "(3, 3)", "fewer axes", NULL);
  g_clear_error (&error);

  g_assert_null (mm_tensordot_new (m, v, 2, &error));
  assert_message (error, MM_ERROR_SHAPE, "(3, 3)", "(3,)", NULL);
  g_clear_error (&error);

  g_assert_null (mm_tensordot_new (s, s, 1, &error));
  assert_message (error, MM_ERROR_SHAPE, "1 axes", "()", NULL);
  g_clear_error (&error);

  g_assert_null (mm_tensordot_new (v, m, 2, NULL));
}

static void
test_sum_d_too_large (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) x = zeros_node (2, (gsize[]) { 2, 3 });
  g_autoptr(MmNode) s = zeros_node (0, NULL);
  g_autoptr(MmNode) ok = NULL;

  g_assert_null (mm_sum_new (x, 3, &error));
  assert_message (error, MM_ERROR_SHAPE, "first 3 axes", "(2, 3)", "2 axes", NULL);
  g_clear_error (&error);

  g_assert_null (mm_sum_new (s, 1, &error));
  assert_message (error, MM_ERROR_SHAPE, "()", NULL);
  g_clear_error (&error);

  /* The boundary: all axes is fine. */
  ok = mm_sum_new (x, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_node_get_shape (ok)->ndim, ==, 0);

  g_assert_null (mm_sum_new (x, 3, NULL));
}

static void
test_elementwise_shapes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) a = zeros_node (2, (gsize[]) { 2, 3 });
  g_autoptr(MmNode) b = zeros_node (2, (gsize[]) { 3, 2 });
  g_autoptr(MmNode) c = zeros_node (1, (gsize[]) { 6 });

  g_assert_null (mm_binary_new (MM_OP_ADD, a, b, &error));
  assert_message (error, MM_ERROR_SHAPE, "Add", "same shape", "(2, 3)", "(3, 2)", NULL);
  g_clear_error (&error);

  /* Same number of elements is not enough, and the message names the odd input. */
  g_assert_null (mm_elementwise_new (mm_op_mul (3), 3, (MmNode *[]) { a, a, c }, &error));
  assert_message (error, MM_ERROR_SHAPE, "Mul", "input 3", "(6,)", "(2, 3)", NULL);
  g_clear_error (&error);

  g_assert_null (mm_binary_new (MM_OP_DIV, c, a, &error));
  assert_message (error, MM_ERROR_SHAPE, "Div", "(6,)", "(2, 3)", NULL);
  g_clear_error (&error);

  g_assert_null (mm_binary_new (MM_OP_SUB, a, b, NULL));
}

static void
test_elementwise_arity (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) a = zeros_node (1, (gsize[]) { 4 });

  g_assert_null (mm_elementwise_new (mm_op_add (3), 2, (MmNode *[]) { a, a }, &error));
  assert_message (error, MM_ERROR_INVALID_ARGUMENT, "Add expects 3 inputs, but 2 were given", NULL);
  g_clear_error (&error);

  g_assert_null (mm_elementwise_new (mm_op_unary (MM_OP_SIN), 2, (MmNode *[]) { a, a }, &error));
  assert_message (error, MM_ERROR_INVALID_ARGUMENT, "Sin expects 1 input, but 2 were given", NULL);
  g_clear_error (&error);

  g_assert_null (mm_elementwise_new (mm_op_binary (MM_OP_SUB), 1, &a, &error));
  assert_message (error, MM_ERROR_INVALID_ARGUMENT, "Sub expects 2 inputs, but 1 was given", NULL);
  g_clear_error (&error);

  g_assert_null (mm_elementwise_new (mm_op_mul (2), 3, (MmNode *[]) { a, a, a }, &error));
  assert_message (error, MM_ERROR_INVALID_ARGUMENT, "Mul expects 2 inputs, but 3 were given", NULL);
  g_clear_error (&error);

  g_assert_null (mm_elementwise_new (mm_op_add (0), 0, NULL, &error));
  assert_message (error, MM_ERROR_INVALID_ARGUMENT, "Add needs at least one input", NULL);
  g_clear_error (&error);

  g_assert_null (mm_elementwise_new ((MmOp) { MM_N_OPS, 1, 0.0f }, 1, &a, &error));
  assert_message (error, MM_ERROR_INVALID_ARGUMENT, "Unknown elementwise operation", NULL);
  g_clear_error (&error);

  g_assert_null (mm_elementwise_new (mm_op_add (3), 2, (MmNode *[]) { a, a }, NULL));

  /* Names are looked up without regard to case; unknown ones are refused. */
  MmOpKind kind = MM_N_OPS;
  g_assert_true (mm_op_kind_from_name ("leakyrelu", &kind));
  g_assert_cmpint (kind, ==, MM_OP_LEAKY_RELU);
  g_assert_false (mm_op_kind_from_name ("Tan", &kind));
}

static void
test_missing_upstream (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) x = zeros_node (2, (gsize[]) { 2, 3 });
  g_autoptr(MmNode) y = mm_unary_new (MM_OP_EXP, x, &error);
  MmTensor *grad = NULL;

  g_assert_no_error (error);
  g_assert_false (mm_node_get_gradients_against (y, 1, &x, NULL, &grad, &error));
  assert_message (error, MM_ERROR_SHAPE, "(2, 3)", "not a single number", "upstream", NULL);
  g_assert_null (grad);
  g_clear_error (&error);

  g_assert_null (mm_backward_new (y, NULL, 1, &x, MM_BACKWARD_DEFAULT, &error));
  assert_message (error, MM_ERROR_SHAPE, "(2, 3)", "must be given", NULL);
  g_clear_error (&error);

  g_assert_null (mm_backward_new (y, NULL, 0, NULL, MM_BACKWARD_KEEP_ALL, NULL));

  /* One element in any number of axes is a single number: 1 is implied. */
  g_autoptr(MmNode) one = zeros_node (3, (gsize[]) { 1, 1, 1 });
  g_autoptr(MmNode) e = mm_unary_new (MM_OP_EXP, one, &error);
  g_assert_true (mm_node_get_gradients_against (e, 1, &one, NULL, &grad, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (grad->data[0], ==, 1.0f); /* exp'(0) · 1 */
  mm_tensor_unref (grad);
}

static void
test_upstream_wrong_shape (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) x = zeros_node (2, (gsize[]) { 2, 3 });
  g_autoptr(MmNode) y = mm_unary_new (MM_OP_SIN, x, &error);
  g_autoptr(MmNode) s = mm_sum_all_new (y);
  g_autoptr(MmTensor) t32 = mm_tensor_new_dims (2, (gsize[]) { 3, 2 }, NULL);
  g_autoptr(MmTensor) t6 = mm_tensor_new_dims (1, (gsize[]) { 6 }, NULL);
  g_autoptr(MmTensor) t1 = mm_tensor_new_dims (1, (gsize[]) { 1 }, NULL);
  MmTensor *grad = NULL;

  g_assert_no_error (error);
  g_assert_false (mm_node_get_gradients_against (y, 1, &x, t32, &grad, &error));
  assert_message (error, MM_ERROR_SHAPE, "upstream gradient has shape (3, 2)",
                  "output it flows into has shape (2, 3)", NULL);
  g_assert_null (grad);
  g_clear_error (&error);

  /* The same number of elements in another shape is still the wrong shape. */
  g_assert_null (mm_backward_new (y, t6, 1, &x, MM_BACKWARD_DEFAULT, &error));
  assert_message (error, MM_ERROR_SHAPE, "(6,)", "(2, 3)", NULL);
  g_clear_error (&error);

  /* A 0-d root wants a 0-d upstream gradient, not a (1,) one. */
  g_assert_false (mm_node_get_gradients_against (s, 1, &x, t1, &grad, &error));
  assert_message (error, MM_ERROR_SHAPE, "(1,)", "()", NULL);
  g_assert_null (grad);
  g_clear_error (&error);

  g_assert_false (mm_node_get_gradients_against (y, 1, &x, t32, &grad, NULL));
  g_assert_null (grad);
}

static void
test_reshape_mismatch (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) x = zeros_node (2, (gsize[]) { 2, 3 });
  g_autoptr(MmNode) s = zeros_node (0, NULL);
  MmShape shape;

  g_assert_true (mm_shape_init (&shape, 2, (gsize[]) { 4, 2 }, NULL));
  g_assert_null (mm_reshape_new (x, &shape, &error));
  assert_message (error, MM_ERROR_SHAPE, "(2, 3)", "6 numbers", "(4, 2)", "8 numbers", NULL);
  g_clear_error (&error);

  g_assert_true (mm_shape_init (&shape, 1, (gsize[]) { 0 }, NULL));
  g_assert_null (mm_reshape_new (x, &shape, &error));
  assert_message (error, MM_ERROR_SHAPE, "(0,)", "0 numbers", NULL);
  g_clear_error (&error);

  g_assert_null (mm_flatten_new (s, &error));
  assert_message (error, MM_ERROR_SHAPE, "Flatten", "single number", NULL);
  g_clear_error (&error);

  g_assert_true (mm_shape_init (&shape, 2, (gsize[]) { 4, 2 }, NULL));
  g_assert_null (mm_reshape_new (x, &shape, NULL));
}

static void
test_invalid_permutation (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) x = zeros_node (3, (gsize[]) { 2, 3, 4 });

  g_assert_null (mm_permute_new (x, 3, (guint[]) { 0, 0, 1 }, &error));
  assert_message (error, MM_ERROR_INVALID_ARGUMENT, "(0, 0, 1)", "not a permutation", "0…2", NULL);
  g_clear_error (&error);

  g_assert_null (mm_permute_new (x, 3, (guint[]) { 0, 1, 3 }, &error));
  assert_message (error, MM_ERROR_INVALID_ARGUMENT, "(0, 1, 3)", "not a permutation", NULL);
  g_clear_error (&error);

  g_assert_null (mm_permute_new (x, 2, (guint[]) { 1, 0 }, &error));
  assert_message (error, MM_ERROR_SHAPE, "(2, 3, 4)", "its 3 axes, not 2", NULL);
  g_clear_error (&error);

  g_assert_null (mm_permute_new (x, 4, (guint[]) { 0, 1, 2, 3 }, &error));
  assert_message (error, MM_ERROR_SHAPE, "its 3 axes, not 4", NULL);
  g_clear_error (&error);

  g_assert_null (mm_permute_new (x, 3, (guint[]) { 2, 2, 2 }, NULL));
}

static void
test_transpose_1d (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) v = zeros_node (1, (gsize[]) { 5 });
  g_autoptr(MmNode) s = zeros_node (0, NULL);

  g_assert_null (mm_transpose_new (v, &error));
  assert_message (error, MM_ERROR_SHAPE, "Transpose", "(5,)", "fewer than two", NULL);
  g_clear_error (&error);

  g_assert_null (mm_transpose_new (s, &error));
  assert_message (error, MM_ERROR_SHAPE, "()", NULL);
  g_clear_error (&error);

  g_assert_null (mm_transpose_new (v, NULL));
}

static void
test_softmax_scalar (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmNode) s = zeros_node (0, NULL);
  g_autoptr(MmNode) empty = zeros_node (2, (gsize[]) { 3, 0 });

  g_assert_null (mm_softmax_new (s, &error));
  assert_message (error, MM_ERROR_SHAPE, "Softmax", "last axis", "()", NULL);
  g_clear_error (&error);

  g_assert_null (mm_log_softmax_new (s, &error));
  assert_message (error, MM_ERROR_SHAPE, "LogSoftmax", "()", NULL);
  g_clear_error (&error);

  /* An empty last axis has no probabilities to share out. */
  g_assert_null (mm_softmax_new (empty, &error));
  assert_message (error, MM_ERROR_SHAPE, "(3, 0)", "empty", NULL);
  g_clear_error (&error);

  g_assert_null (mm_softmax_new (s, NULL));
}

static void
test_too_many_axes (void)
{
  g_autoptr(GError) error = NULL;
  gsize ones[MM_MAX_DIMS + 1];
  MmShape shape;

  for (guint i = 0; i < G_N_ELEMENTS (ones); i++)
    ones[i] = 1;

  g_assert_false (mm_shape_init (&shape, MM_MAX_DIMS + 1, ones, &error));
  assert_message (error, MM_ERROR_SHAPE, "at most 16 axes", "17", NULL);
  g_clear_error (&error);

  g_assert_null (mm_tensor_new_dims (MM_MAX_DIMS + 1, ones, &error));
  assert_message (error, MM_ERROR_SHAPE, "at most 16 axes", NULL);
  g_clear_error (&error);

  /* TensorDot with d = 0 adds the axes of both inputs. */
  g_autoptr(MmNode) a9 = zeros_node (9, ones);
  g_autoptr(MmNode) a8 = zeros_node (8, ones);
  g_autoptr(MmNode) ok = mm_tensordot_new (a8, a8, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_node_get_shape (ok)->ndim, ==, 16);
  g_assert_null (mm_tensordot_new (a9, a8, 0, &error));
  assert_message (error, MM_ERROR_SHAPE, "would have 17 axes", "at most 16", NULL);
  g_clear_error (&error);

  g_assert_null (mm_broadcast_new (a9, 8, ones, &error));
  assert_message (error, MM_ERROR_SHAPE, "8 more axes", "more than 16 axes", NULL);
  g_clear_error (&error);

  /* A shape struct claiming 17 axes is refused, not read past its end. */
  mm_shape_scalar (&shape);
  shape.ndim = MM_MAX_DIMS + 1;
  g_assert_null (mm_reshape_new (a8, &shape, &error));
  assert_message (error, MM_ERROR_SHAPE, "at most 16 axes", NULL);
  g_clear_error (&error);
  g_assert_null (mm_tensor_new (&shape, &error));
  assert_message (error, MM_ERROR_SHAPE, "at most 16 axes", NULL);
  g_clear_error (&error);

  g_assert_null (mm_tensordot_new (a9, a8, 0, NULL));
}

static void
test_too_large (void)
{
  g_autoptr(GError) error = NULL;
  const gsize big = (gsize) 1 << 20;
  MmShape shape;

  /* Overflowing gsize must not wrap around into a small allocation. */
  g_assert_null (mm_tensor_new_dims (3, (gsize[]) { G_MAXSIZE / 2, 2, 3 }, &error));
  assert_message (error, MM_ERROR_TOO_LARGE, "too large", NULL);
  g_clear_error (&error);

  g_assert_true (mm_shape_init (&shape, 2, (gsize[]) { big, big }, NULL) == FALSE);
  g_assert_null (mm_tensor_new_dims (2, (gsize[]) { big, big }, &error));
  assert_message (error, MM_ERROR_TOO_LARGE, "(1048576, 1048576)", "too large", NULL);
  g_clear_error (&error);

  mm_shape_scalar (&shape);
  shape.ndim = 2;
  shape.dim[0] = big;
  shape.dim[1] = big;
  g_assert_null (mm_tensor_new_filled (&shape, 1.0f, &error));
  assert_message (error, MM_ERROR_TOO_LARGE, "too large", NULL);
  g_clear_error (&error);

  /* Nodes are lazy, so a huge shape is refused at construction, before any
   * allocation is tried. */
  g_autoptr(MmNode) n = lazy_node (1, &big);
  g_assert_null (mm_broadcast_new (n, 1, (gsize[]) { big * 4 }, &error));
  assert_message (error, MM_ERROR_TOO_LARGE, "too large", NULL);
  g_clear_error (&error);

  g_assert_null (mm_tensordot_new (n, n, 0, &error));
  assert_message (error, MM_ERROR_TOO_LARGE, "(1048576, 1048576)", "too large", NULL);
  g_clear_error (&error);

  g_assert_null (mm_reshape_new (n, &shape, &error));
  assert_message (error, MM_ERROR_TOO_LARGE, "too large", NULL);
  g_clear_error (&error);

  g_assert_null (mm_tensordot_new (n, n, 0, NULL));
}

/* Every size handed to CBLAS is an int, so a tensor may have at most
 * G_MAXINT elements: one more would turn into a negative dimension there. */
static void
test_element_limit (void)
{
  g_autoptr(GError) error = NULL;
  const gsize limit = MM_MAX_ELEMENTS;

  g_assert_cmpuint (limit, <=, G_MAXINT);
  g_autoptr(MmNode) at_limit = lazy_node (1, &limit);
  g_assert_cmpuint (mm_shape_size (mm_node_get_shape (at_limit)), ==, limit);

  g_assert_null (mm_broadcast_new (at_limit, 1, (gsize[]) { 2 }, &error));
  assert_message (error, MM_ERROR_TOO_LARGE, "too large", NULL);
  g_clear_error (&error);

  const gsize over = limit + 1;
  g_autoptr(MmNode) one = zeros_node (0, NULL);
  g_assert_null (mm_broadcast_new (one, 1, &over, &error));
  assert_message (error, MM_ERROR_TOO_LARGE, "too large", NULL);
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/errors/tensordot-shape-mismatch", test_tensordot_mismatch);
  g_test_add_func ("/errors/tensordot-d-too-large", test_tensordot_d_too_large);
  g_test_add_func ("/errors/sum-d-too-large", test_sum_d_too_large);
  g_test_add_func ("/errors/elementwise-shapes", test_elementwise_shapes);
  g_test_add_func ("/errors/elementwise-arity", test_elementwise_arity);
  g_test_add_func ("/errors/missing-upstream", test_missing_upstream);
  g_test_add_func ("/errors/upstream-wrong-shape", test_upstream_wrong_shape);
  g_test_add_func ("/errors/reshape-size-mismatch", test_reshape_mismatch);
  g_test_add_func ("/errors/invalid-permutation", test_invalid_permutation);
  g_test_add_func ("/errors/transpose-1d", test_transpose_1d);
  g_test_add_func ("/errors/softmax-0d", test_softmax_scalar);
  g_test_add_func ("/errors/too-many-axes", test_too_many_axes);
  g_test_add_func ("/errors/too-large", test_too_large);
  g_test_add_func ("/errors/element-limit", test_element_limit);

  return g_test_run ();
}
