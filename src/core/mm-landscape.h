/* mm-landscape.h — a 2-D slice of the loss around a point θ₀ of a small
 * network's parameter space, and where other points fall on it.
 *
 * The slice is the plane θ(a, b) = θ₀ + a·d₁ + b·d₂ with d₁, d₂ orthonormal
 * (over the trained numbers; buffers such as BatchNorm's running statistics
 * stay at θ₀). The loss drawn is the data loss on one fixed evaluation batch,
 * in eval mode (no Dropout), without the L1/L2 penalties. Any θ is shown at
 * its projection a = (θ − θ₀)·d₁, b = (θ − θ₀)·d₂; a point off the plane
 * shows where its shadow falls, not its own loss.
 *
 * Directions:
 *   - random: Gaussian, then filter-normalised as in Li et al. 2018,
 *     "Visualizing the Loss Landscape of Neural Nets": each filter (one
 *     output unit's weights: a column of Linear's (in, out) weight, a slice
 *     of a convolution's first axis) scaled to the norm of the same filter
 *     in θ₀; 1-D parameters (biases, normalisation scales) get 0. Then made
 *     orthonormal; the default window ±‖d₁‖ before normalising is Li et
 *     al.'s [−1, 1].
 *   - PCA: the two directions that capture most of the displacements
 *     θₖ − θ₀ of given points (the optimizers' paths) — a plane through θ₀
 *     on which the paths themselves lie as nearly as any plane can.
 *
 * A landscape never changes after it is made, so any thread may use it.
 */
#pragma once

#include <glib.h>
#include "mm-module.h"
#include "mm-loss.h"
#include "mm-params.h"

G_BEGIN_DECLS

/* Larger networks are refused: the grid costs n² forward passes. */
#define MM_LANDSCAPE_MAX_PARAMS 20000

typedef struct _MmLandscape MmLandscape;

/* The loss is evaluated on the batch (@x, @y) as @loss takes it. */
MmLandscape *mm_landscape_new_random  (MmModule     *model,
                                       MmLoss       *loss,
                                       MmParams     *theta0,
                                       MmTensor     *x,
                                       MmTensor     *y,
                                       guint32       seed,
                                       GError      **error);
/* From @points (MmParams with θ₀'s names); fewer than two independent
 * displacements are completed with random directions. */
MmLandscape *mm_landscape_new_pca     (MmModule     *model,
                                       MmLoss       *loss,
                                       MmParams     *theta0,
                                       MmTensor     *x,
                                       MmTensor     *y,
                                       GPtrArray    *points,
                                       guint32       seed,
                                       GError      **error);
/* Given directions (θ₀'s names and shapes), made orthonormal (d₂'s part
 * along d₁ removed). */
MmLandscape *mm_landscape_new_with_directions (MmModule *model,
                                               MmLoss   *loss,
                                               MmParams *theta0,
                                               MmTensor *x,
                                               MmTensor *y,
                                               MmParams *d1,
                                               MmParams *d2,
                                               GError  **error);
MmLandscape *mm_landscape_ref         (MmLandscape  *landscape);
void         mm_landscape_unref       (MmLandscape  *landscape);

/* The number of trained numbers (the space's dimension). */
gsize        mm_landscape_get_n_params (MmLandscape *landscape);
/* d₁ (@which 0) or d₂ (1) as a parameter table (buffers 0). */
MmParams    *mm_landscape_dup_direction (MmLandscape *landscape,
                                         guint        which);
/* A window [a_min, a_max] × [b_min, b_max] that suits the directions:
 * random ±(Li et al.'s unit); PCA the points with a margin. */
void         mm_landscape_get_window  (MmLandscape  *landscape,
                                       double        window[4]);
/* ((θ − θ₀)·d₁, (θ − θ₀)·d₂). FALSE when @theta lacks a parameter of θ₀ or
 * has another shape. */
gboolean     mm_landscape_project     (MmLandscape  *landscape,
                                       MmParams     *theta,
                                       double       *a,
                                       double       *b);
/* θ₀ + a·d₁ + b·d₂. */
MmParams    *mm_landscape_point       (MmLandscape  *landscape,
                                       double        a,
                                       double        b);
gboolean     mm_landscape_loss_at     (MmLandscape  *landscape,
                                       double        a,
                                       double        b,
                                       double       *loss,
                                       GError      **error);

/* Called after each row; return FALSE to cancel (the call then fails with
 * MM_ERROR_CANCELLED). */
typedef gboolean (*MmLandscapeProgress) (guint    rows_done,
                                         guint    n_rows,
                                         gpointer user_data);

/* The loss on an n × n grid over @window: values[j·n + i] at
 * a = a_min + (a_max − a_min)·i/(n − 1), b = b_min + (b_max − b_min)·j/(n − 1)
 * (computed so that a symmetric window's middle is exactly 0). Losses that
 * overflow are stored as they come (NaN or ∞). */
gboolean     mm_landscape_evaluate_grid (MmLandscape       *landscape,
                                         guint              n,
                                         const double       window[4],
                                         float             *values,
                                         MmLandscapeProgress progress,
                                         gpointer           user_data,
                                         GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmLandscape, mm_landscape_unref)

G_END_DECLS
