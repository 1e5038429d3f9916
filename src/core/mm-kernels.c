/* mm-kernels.c — loops shared by several node types.
 *
 * Plain loops over contiguous arrays so that the compiler vectorises them;
 * GEMM-shaped work goes to CBLAS (OpenBLAS).
 */
#include "mm-node-private.h"

#include <cblas.h>
#include <string.h>

void
mm_kernel_sum_leading (const float *x,
                       gsize        P,
                       gsize        Q,
                       float       *out)
{
  /* Accumulate in double: summing thousands of floats in float loses digits. */
  double *acc = g_new0 (double, MAX (Q, 1));

  for (gsize p = 0; p < P; p++)
    {
      const float *row = x + p * Q;
      for (gsize q = 0; q < Q; q++)
        acc[q] += row[q];
    }
  for (gsize q = 0; q < Q; q++)
    out[q] = (float) acc[q];
  g_free (acc);
}

void
mm_kernel_repeat (const float *x,
                  gsize        P,
                  gsize        Q,
                  float       *out)
{
  for (gsize p = 0; p < P; p++)
    memcpy (out + p * Q, x, Q * sizeof (float));
}

void
mm_kernel_gemm (gboolean     trans_a,
                gboolean     trans_b,
                gsize        M,
                gsize        N,
                gsize        K,
                const float *A,
                const float *B,
                float       *C)
{
  mm_kernel_gemm_acc (trans_a, trans_b, M, N, K, A, B, FALSE, C);
}

void
mm_kernel_gemm_acc (gboolean     trans_a,
                    gboolean     trans_b,
                    gsize        M,
                    gsize        N,
                    gsize        K,
                    const float *A,
                    const float *B,
                    gboolean     accumulate,
                    float       *C)
{
  if (M == 0 || N == 0)
    return;
  if (K == 0)
    {
      if (!accumulate)
        memset (C, 0, M * N * sizeof (float));
      return;
    }
  /* Row-major leading dimensions: A is stored M×K (or K×M when transposed),
   * B is K×N (or N×K). MM_MAX_ELEMENTS keeps every size within int range. */
  cblas_sgemm (CblasRowMajor,
               trans_a ? CblasTrans : CblasNoTrans,
               trans_b ? CblasTrans : CblasNoTrans,
               (int) M, (int) N, (int) K,
               1.0f,
               A, (int) (trans_a ? M : K),
               B, (int) (trans_b ? K : N),
               accumulate ? 1.0f : 0.0f,
               C, (int) N);
}
