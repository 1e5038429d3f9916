/* gradcheck-util.h — gradients against central finite differences, shared by
 * test-gradcheck.c (which explains the choice of step and tolerance),
 * test-conv.c, test-attention.c and test-rnn.c.
 *
 * For a graph y = f(x₁, …) and random weights W of y's shape, L = Σ W ⊙ y is
 * accumulated in double; the engine's gradient of L against every xᵢ[k] must
 * agree with (L(x[k] + h) − L(x[k] − h)) / 2h, h = 3e-3·max(1, |x[k]|), to
 * 2e-3·|∂L/∂x[k]| + 1e-3·(1 + max|∂L/∂xᵢ|).
 */
#pragma once

#include <myml.h>

#define FD_STEP 3e-3
#define FD_RTOL 2e-3
#define FD_ATOL 1e-3

/* Builds f on the constants @x; a NULL result (with @error) fails the test. */
typedef MmNode *(*BuildFunc) (MmNode * const *x,
                              gconstpointer   data,
                              GError        **error);

/* Checks the engine's gradients of f against every one of the @n inputs @x;
 * a difference out of tolerance fails the test (once per input). */
void gradcheck (const char       *what,
                guint             n,
                MmTensor * const *x,
                BuildFunc         build,
                gconstpointer     data,
                GRand            *rand);

/* A tensor of numbers uniform in [@lo, @hi). */
MmTensor *random_uniform_tensor (GRand       *rand,
                                 guint        ndim,
                                 const gsize *dims,
                                 double       lo,
                                 double       hi);

/* Checks the gradients of the network whose text form is @text against its
 * input (@x_ndim axes @x_dims, uniform in [−1.5, 1.5]) and every one of its
 * parameters (uniform in [−0.8, 0.8]), drawn in that order from @rand. */
void gradcheck_model (const char  *text,
                      guint        x_ndim,
                      const gsize *x_dims,
                      GRand       *rand);
