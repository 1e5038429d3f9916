/* mm-toy.h — small 2-D datasets for seeing a network learn.
 *
 * Each kind has a clean shape — arms of a spiral, concentric rings, the four
 * quadrants of XOR, blobs, two interleaved half moons — and @noise adds
 * Gaussian jitter of that standard deviation to both coordinates. Points lie
 * roughly in [-1.5, 1.5]², the range a small MLP with the default
 * initialisation learns quickly. Samples take the classes in turn
 * (0, 1, …, k-1, 0, 1, …), so the classes are balanced to within one sample.
 * The same arguments give the same bytes.
 */
#pragma once

#include <glib.h>
#include "mm-dataset.h"

G_BEGIN_DECLS

/* The clean shapes (before noise), with t uniform in [0, 1) per sample:
 * spiral     arm c: r = 0.05 + 1.2 t, angle = 2πc/k + 4t
 * circles    ring c: radius 1.2 (c + 1)/k, angle uniform
 * xor        |x|, |y| uniform in [0.05, 1.2]; class 0 where x·y > 0, class 1 where x·y < 0
 * gaussians  blob c: centre at radius 1, angle 2πc/k, standard deviation 0.2
 * moons      class 0: (cos πt, sin πt) − (0.5, 0.25);
 *            class 1: (1 − cos πt, 0.5 − sin πt) − (0.5, 0.25) */
typedef enum {
  MM_TOY_SPIRAL,
  MM_TOY_CIRCLES,
  MM_TOY_XOR,
  MM_TOY_GAUSSIANS,
  MM_TOY_MOONS,
} MmToyKind;

#define MM_TOY_N_KINDS (MM_TOY_MOONS + 1)

/* "spiral", "circles", "xor", "gaussians", "moons". */
const char *mm_toy_kind_to_name      (MmToyKind    kind);
gboolean    mm_toy_kind_from_name    (const char  *name,
                                      MmToyKind   *kind,
                                      GError     **error);
/* The number of classes a kind gets when asked for 0. */
guint       mm_toy_kind_default_classes (MmToyKind kind);

/* @n_classes = 0 picks the kind's default; XOR and moons have exactly 2, the
 * others at least 2. */
MmDataset  *mm_dataset_new_toy       (MmToyKind    kind,
                                      gsize        n_samples,
                                      double       noise,
                                      guint        n_classes,
                                      guint32      seed,
                                      GError     **error);

G_END_DECLS
