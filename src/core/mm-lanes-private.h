/* mm-lanes-private.h — reductions of a float row with eight independent
 * partial results, which the compiler turns into vector operations (a single
 * running one would have to stay scalar); internal to libmyml, shared by the
 * attention and LayerNorm nodes. */
#pragma once

#include <glib.h>
#include <math.h>

static inline float
max_lanes (const float *x,
           gsize        n)
{
  float acc[8], m = -INFINITY;
  gsize i = 0;

  for (guint k = 0; k < 8; k++)
    acc[k] = -INFINITY;
  for (; i + 8 <= n; i += 8)
    for (guint k = 0; k < 8; k++)
      acc[k] = acc[k] > x[i + k] ? acc[k] : x[i + k];
  for (; i < n; i++)
    m = m > x[i] ? m : x[i];
  for (guint k = 0; k < 8; k++)
    m = m > acc[k] ? m : acc[k];
  return m;
}

static inline float
dot_lanes (const float *x,
           const float *y,
           gsize        n)
{
  float acc[8] = { 0 }, s = 0.0f;
  gsize i = 0;

  for (; i + 8 <= n; i += 8)
    for (guint k = 0; k < 8; k++)
      acc[k] += x[i + k] * y[i + k];
  for (; i < n; i++)
    s += x[i] * y[i];
  for (guint k = 0; k < 8; k++)
    s += acc[k];
  return s;
}

static inline float
sum_lanes (const float *x,
           gsize        n)
{
  float acc[8] = { 0 }, s = 0.0f;
  gsize i = 0;

  for (; i + 8 <= n; i += 8)
    for (guint k = 0; k < 8; k++)
      acc[k] += x[i + k];
  for (; i < n; i++)
    s += x[i];
  for (guint k = 0; k < 8; k++)
    s += acc[k];
  return s;
}
