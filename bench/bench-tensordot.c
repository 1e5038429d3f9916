/* bench-tensordot — TensorDot throughput against a raw cblas_sgemm of the
 * same shapes, in the same run, on one thread.
 *
 * For each of the seed MLP's products (forward and backward shapes) it times
 * building a TensorDot node on two constants and evaluating it (what a
 * training step does), and the bare sgemm into a preallocated buffer, and
 * prints GFLOP/s of both and their ratio. Best of several rounds, so a busy
 * machine disturbs it less.
 */
#include <myml.h>
#include <cblas.h>
#include <stdio.h>

typedef struct {
  const char *what;
  gsize M, K, N;
} Shape;

static const Shape shapes[] = {
  { "x·W1     (forward, layer 1)", 64, 784, 100 },
  { "h1·W2    (forward, layer 2)", 64, 100, 100 },
  { "h2·W3    (forward, layer 3)", 64, 100, 10 },
  { "x1ᵀ·G    (∂L/∂W1, as K×M·M×N)", 784, 64, 100 },
  { "G·W2ᵀ    (∂L/∂h1)", 64, 100, 100 },
};

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

int
main (int argc, char **argv)
{
  const int rounds = 7;
  double min_ratio = 1e9;

  mm_set_num_threads (1);
  printf ("%-32s %12s %12s %8s\n", "product (M×K · K×N)", "TensorDot", "sgemm", "ratio");
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      const Shape *sh = &shapes[s];
      g_autoptr(GRand) rand = g_rand_new_with_seed (1);
      g_autoptr(MmTensor) a = mm_tensor_new_dims (2, (gsize[]) { sh->M, sh->K }, NULL);
      g_autoptr(MmTensor) b = mm_tensor_new_dims (2, (gsize[]) { sh->K, sh->N }, NULL);
      g_autoptr(MmTensor) c = mm_tensor_new_dims (2, (gsize[]) { sh->M, sh->N }, NULL);
      g_autoptr(MmNode) A = NULL, B = NULL;
      double flops = 2.0 * sh->M * sh->K * sh->N;
      double best_node = 1e9, best_blas = 1e9;
      int reps;

      mm_tensor_fill_uniform (a, rand, -1, 1);
      mm_tensor_fill_uniform (b, rand, -1, 1);
      A = mm_constant_new (a);
      B = mm_constant_new (b);
      /* Enough repetitions for ≈ 0.1 s per round. */
      reps = (int) MAX (10, 0.1 * 90e9 / flops);

      for (int r = 0; r < rounds; r++)
        {
          double t0 = now ();
          for (int i = 0; i < reps; i++)
            {
              MmNode *ab = mm_tensordot_new (A, B, 1, NULL);
              mm_node_get_value (ab);
              mm_node_unref (ab);
            }
          best_node = MIN (best_node, (now () - t0) / reps);

          t0 = now ();
          for (int i = 0; i < reps; i++)
            cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) sh->M, (int) sh->N, (int) sh->K,
                         1.0f, a->data, (int) sh->K, b->data, (int) sh->N, 0.0f, c->data, (int) sh->N);
          best_blas = MIN (best_blas, (now () - t0) / reps);
        }
      printf ("%-32s %7.1f GF/s %7.1f GF/s %8.3f\n", sh->what,
              flops / best_node / 1e9, flops / best_blas / 1e9, best_blas / best_node);
      min_ratio = MIN (min_ratio, best_blas / best_node);
    }
  printf ("lowest ratio TensorDot/sgemm: %.3f (target ≥ 0.9)\n", min_ratio);
  return 0;
}
