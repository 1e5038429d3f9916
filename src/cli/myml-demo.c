/* myml-demo — the seed framework's README example, in C.
 *
 * Builds A, B → AB = TensorDot(A, B, 1) → AB_sum = Sum(AB, 1),
 * A_sin = sin A, crazy_1 = Add(3)(A, B, AB_sum), crazy_2 = Mul(2)(A_sin, crazy_1),
 * crazy_sum = Sum(crazy_2, 3), prints the values and the gradients of
 * crazy_sum against A and B, and walks the backward pass one node at a time.
 */
#include <myml.h>
#include <stdio.h>
#include <stdlib.h>

static void
print_tensor (const char     *name,
              const MmTensor *t)
{
  g_autofree char *shape = mm_tensor_shape_string (t);
  gsize shown = MIN (t->size, 8);

  printf ("%-12s shape %-14s [", name, shape);
  for (gsize i = 0; i < shown; i++)
    printf ("%s%.5f", i ? ", " : "", t->data[i]);
  printf ("%s]\n", t->size > shown ? ", …" : "");
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (argc > 1 ? (guint32) atoi (argv[1]) : 42);
  const gsize dims[] = { 4, 4, 4 };
  g_autoptr(MmTensor) a_val = mm_tensor_new_dims (3, dims, &error);
  g_autoptr(MmTensor) b_val = mm_tensor_new_dims (3, dims, &error);

  mm_tensor_fill_uniform (a_val, rand, 0.0f, 1.0f);
  mm_tensor_fill_uniform (b_val, rand, 0.0f, 1.0f);

  g_autoptr(MmNode) A = mm_constant_new_labelled (a_val, "A");
  g_autoptr(MmNode) B = mm_constant_new_labelled (b_val, "B");
  g_autoptr(MmNode) AB = mm_tensordot_new (A, B, 1, &error);
  g_autoptr(MmNode) AB_sum = mm_sum_new (AB, 1, &error);
  g_autoptr(MmNode) A_sin = mm_unary_new (MM_OP_SIN, A, &error);
  g_autoptr(MmNode) crazy_1 = mm_elementwise_new (mm_op_add (3), 3, (MmNode *[]) { A, B, AB_sum }, &error);
  g_autoptr(MmNode) crazy_2 = mm_elementwise_new (mm_op_mul (2), 2, (MmNode *[]) { A_sin, crazy_1 }, &error);
  g_autoptr(MmNode) crazy_sum = mm_sum_new (crazy_2, 3, &error);
  MmTensor *grads[2] = { NULL, NULL };

  if (crazy_sum == NULL)
    {
      fprintf (stderr, "myml-demo: %s\n", error->message);
      return 1;
    }

  printf ("The seed's README example (random A, B with seed %s)\n\n", argc > 1 ? argv[1] : "42");
  print_tensor ("A", mm_node_get_value (A));
  print_tensor ("B", mm_node_get_value (B));
  print_tensor ("AB", mm_node_get_value (AB));
  print_tensor ("AB_sum", mm_node_get_value (AB_sum));
  print_tensor ("crazy_2", mm_node_get_value (crazy_2));
  print_tensor ("crazy_sum", mm_node_get_value (crazy_sum));

  if (!mm_node_get_gradients_against (crazy_sum, 2, (MmNode *[]) { A, B }, NULL, grads, &error))
    {
      fprintf (stderr, "myml-demo: %s\n", error->message);
      return 1;
    }
  printf ("\nGradients of crazy_sum:\n");
  print_tensor ("∂/∂A", grads[0]);
  print_tensor ("∂/∂B", grads[1]);
  mm_tensor_unref (grads[0]);
  mm_tensor_unref (grads[1]);

  printf ("\nThe backward pass, one node at a time:\n");
  g_autoptr(MmBackward) bw = mm_backward_new (crazy_sum, NULL, 2, (MmNode *[]) { A, B },
                                              MM_BACKWARD_KEEP_ALL, &error);
  while (mm_backward_step (bw))
    {
      const MmBackwardStep *step = mm_backward_get_step (bw);
      g_autofree char *what = mm_node_describe (step->node);

      printf ("  %2u. %s\n", step->position + 1, what);
      for (guint i = 0; i < step->n_inputs; i++)
        if (step->contributions[i] != NULL)
          {
            g_autofree char *rule = mm_node_get_rule (step->node, i);
            g_autofree char *to = mm_node_describe (mm_node_get_input (step->node, i));
            printf ("        → %-14s %s%s\n", to, rule,
                    step->accumulated[i] ? "   (added to what arrived before)" : "");
          }
    }
  return 0;
}
