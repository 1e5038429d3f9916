/* mm-rng-private.h — the small random number generator of the data code.
 *
 * Toy datasets, train/test splits and the data loader's shuffling must give
 * the same bytes for the same seed on every run and with every GLib version,
 * so they use this fixed, fully specified generator (SplitMix64) instead of
 * GRand, whose algorithm belongs to GLib. It is a value type: no global state,
 * and a generator is cheap to create for each epoch or dataset.
 */
#pragma once

#include <glib.h>
#include <math.h>

typedef struct {
  guint64 state;
} MmRng;

static inline guint64
mm_rng_mix (guint64 z)
{
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* @stream separates independent uses of one user seed (e.g. one stream per
 * epoch), so that epoch e's order depends only on (seed, e). */
static inline void
mm_rng_init (MmRng   *rng,
             guint32  seed,
             guint64  stream)
{
  rng->state = mm_rng_mix (((guint64) seed << 32) ^ mm_rng_mix (stream + G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)));
}

static inline guint64
mm_rng_next (MmRng *rng)
{
  rng->state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  return mm_rng_mix (rng->state);
}

/* Uniform in [0, 1), with 53 random bits. */
static inline double
mm_rng_uniform (MmRng *rng)
{
  return (double) (mm_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

static inline double
mm_rng_range (MmRng  *rng,
              double  low,
              double  high)
{
  return low + (high - low) * mm_rng_uniform (rng);
}

/* Uniform in [0, n) without modulo bias: draws below the largest multiple of
 * n are accepted, the few above it are redrawn. */
static inline guint64
mm_rng_below (MmRng   *rng,
              guint64  n)
{
  guint64 limit, x;

  g_assert (n > 0);
  limit = G_MAXUINT64 - G_MAXUINT64 % n;
  do
    x = mm_rng_next (rng);
  while (x >= limit);
  return x % n;
}

/* Standard normal by Box–Muller; one value per call keeps the number of draws
 * per call fixed, which keeps streams easy to reason about. */
static inline double
mm_rng_normal (MmRng *rng)
{
  double u1 = 1.0 - mm_rng_uniform (rng); /* (0, 1], so log () is finite */
  double u2 = mm_rng_uniform (rng);

  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

/* Fisher–Yates shuffle of @n indices. */
static inline void
mm_rng_shuffle (MmRng *rng,
                gsize *indices,
                gsize  n)
{
  for (gsize i = n; i > 1; i--)
    {
      gsize j = (gsize) mm_rng_below (rng, i);
      gsize tmp = indices[i - 1];
      indices[i - 1] = indices[j];
      indices[j] = tmp;
    }
}
