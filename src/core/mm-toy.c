/* mm-toy.c — small 2-D datasets for seeing a network learn. */
#include "mm-toy.h"
#include "mm-error.h"
#include "mm-rng-private.h"

#include <math.h>
#include <string.h>

/* Enough for any plot; beyond this a toy set is a typo. */
#define TOY_MAX_SAMPLES ((gsize) 10000000)
#define TOY_MAX_CLASSES 100

static const struct {
  const char *name;
  guint default_classes;
  guint fixed_classes; /* 0: any number ≥ 2 */
} toy_kinds[MM_TOY_N_KINDS] = {
  [MM_TOY_SPIRAL]    = { "spiral",    3, 0 },
  [MM_TOY_CIRCLES]   = { "circles",   2, 0 },
  [MM_TOY_XOR]       = { "xor",       2, 2 },
  [MM_TOY_GAUSSIANS] = { "gaussians", 3, 0 },
  [MM_TOY_MOONS]     = { "moons",     2, 2 },
};

const char *
mm_toy_kind_to_name (MmToyKind kind)
{
  g_return_val_if_fail ((guint) kind < MM_TOY_N_KINDS, NULL);
  return toy_kinds[kind].name;
}

gboolean
mm_toy_kind_from_name (const char  *name,
                       MmToyKind   *kind,
                       GError     **error)
{
  g_return_val_if_fail (kind != NULL, FALSE);

  for (guint k = 0; name != NULL && k < MM_TOY_N_KINDS; k++)
    if (g_ascii_strcasecmp (name, toy_kinds[k].name) == 0)
      {
        *kind = (MmToyKind) k;
        return TRUE;
      }
  g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
               "Unknown toy dataset '%s' (known: spiral, circles, xor, gaussians, moons)",
               name != NULL ? name : "(null)");
  return FALSE;
}

guint
mm_toy_kind_default_classes (MmToyKind kind)
{
  g_return_val_if_fail ((guint) kind < MM_TOY_N_KINDS, 0);
  return toy_kinds[kind].default_classes;
}

/* The clean point of sample with class @c of @k; the formulas are documented
 * in mm-toy.h, where the tests read them. */
static void
toy_point (MmToyKind  kind,
           guint      c,
           guint      k,
           MmRng     *rng,
           double    *x,
           double    *y)
{
  switch (kind)
    {
    case MM_TOY_SPIRAL:
      {
        double t = mm_rng_uniform (rng);
        double r = 0.05 + 1.2 * t;
        double a = 2.0 * G_PI * c / k + 4.0 * t;
        *x = r * cos (a);
        *y = r * sin (a);
      }
      break;

    case MM_TOY_CIRCLES:
      {
        double a = 2.0 * G_PI * mm_rng_uniform (rng);
        double r = 1.2 * (c + 1) / k;
        *x = r * cos (a);
        *y = r * sin (a);
      }
      break;

    case MM_TOY_XOR:
      {
        /* A small margin around the axes keeps the clean set separable. */
        double ax = mm_rng_range (rng, 0.05, 1.2);
        double ay = mm_rng_range (rng, 0.05, 1.2);
        double sx = mm_rng_uniform (rng) < 0.5 ? -1.0 : 1.0;
        double sy = c == 0 ? sx : -sx;
        *x = sx * ax;
        *y = sy * ay;
      }
      break;

    case MM_TOY_GAUSSIANS:
      {
        double a = 2.0 * G_PI * c / k;
        double dx = mm_rng_normal (rng);
        double dy = mm_rng_normal (rng);
        *x = cos (a) + 0.2 * dx;
        *y = sin (a) + 0.2 * dy;
      }
      break;

    case MM_TOY_MOONS:
      {
        double t = G_PI * mm_rng_uniform (rng);
        if (c == 0)
          {
            *x = cos (t);
            *y = sin (t);
          }
        else
          {
            *x = 1.0 - cos (t);
            *y = 0.5 - sin (t);
          }
        /* Centre the pair: the raw moons span [-1, 2] × [-0.5, 1]. */
        *x -= 0.5;
        *y -= 0.25;
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

MmDataset *
mm_dataset_new_toy (MmToyKind    kind,
                    gsize        n_samples,
                    double       noise,
                    guint        n_classes,
                    guint32      seed,
                    GError     **error)
{
  g_autofree float *features = NULL;
  g_autofree guint32 *labels = NULL;
  MmShape shape;
  MmRng rng;

  if ((guint) kind >= MM_TOY_N_KINDS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, "Unknown toy dataset kind %d", (int) kind);
      return NULL;
    }
  if (n_samples == 0 || n_samples > TOY_MAX_SAMPLES)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "A toy dataset needs between 1 and %" G_GSIZE_FORMAT " samples, not %" G_GSIZE_FORMAT,
                   TOY_MAX_SAMPLES, n_samples);
      return NULL;
    }
  if (!(noise >= 0.0 && isfinite (noise)))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The noise must be a finite number ≥ 0, not %g", noise);
      return NULL;
    }
  if (n_classes == 0)
    n_classes = toy_kinds[kind].default_classes;
  if (toy_kinds[kind].fixed_classes != 0 && n_classes != toy_kinds[kind].fixed_classes)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The %s dataset has exactly %u classes, not %u",
                   toy_kinds[kind].name, toy_kinds[kind].fixed_classes, n_classes);
      return NULL;
    }
  if (n_classes < 2 || n_classes > TOY_MAX_CLASSES)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The %s dataset needs between 2 and %d classes, not %u",
                   toy_kinds[kind].name, TOY_MAX_CLASSES, n_classes);
      return NULL;
    }
  if (n_samples < n_classes)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "%" G_GSIZE_FORMAT " samples are too few for %u classes", n_samples, n_classes);
      return NULL;
    }

  features = g_new (float, 2 * n_samples);
  labels = g_new (guint32, n_samples);
  /* One stream per kind, so that "spiral, seed 1" and "moons, seed 1" do not
   * share their random draws. */
  mm_rng_init (&rng, seed, 0x746f79 + (guint64) kind);
  for (gsize i = 0; i < n_samples; i++)
    {
      guint c = (guint) (i % n_classes);
      double x, y, nx, ny;

      toy_point (kind, c, n_classes, &rng, &x, &y);
      /* Always drawn, so that the clean shape under the noise is the same for
       * every noise level of one seed: a student who turns the noise up sees
       * the same points scatter, not a new set. */
      nx = mm_rng_normal (&rng);
      ny = mm_rng_normal (&rng);
      features[2 * i] = (float) (x + noise * nx);
      features[2 * i + 1] = (float) (y + noise * ny);
      labels[i] = c;
    }

  mm_shape_init (&shape, 1, (gsize[]) { 2 }, NULL);
  return mm_dataset_new (toy_kinds[kind].name, &shape, n_samples,
                         g_steal_pointer (&features), g_steal_pointer (&labels), n_classes, NULL, error);
}
