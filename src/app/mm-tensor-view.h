/* mm-tensor-view.h — one tensor, shown the way that suits its size:
 * numbers for small tensors (≤ 64 values), an image for 28×28 slices, a heat
 * map with a colour scale for matrices, and always min, max, mean, std and
 * the NaN count. */
#pragma once

#include <gtk/gtk.h>
#include <myml.h>

G_BEGIN_DECLS

typedef enum {
  MM_TENSOR_VIEW_EMPTY,
  MM_TENSOR_VIEW_NUMBERS,
  MM_TENSOR_VIEW_IMAGE,
  MM_TENSOR_VIEW_HEATMAP,
  MM_TENSOR_VIEW_STATS,
} MmTensorViewMode;

/* Up to this many values are written out as numbers. */
#define MM_TENSOR_VIEW_MAX_NUMBERS 64

#define MM_TYPE_TENSOR_VIEW (mm_tensor_view_get_type ())
G_DECLARE_FINAL_TYPE (MmTensorView, mm_tensor_view, MM, TENSOR_VIEW, GtkWidget)

GtkWidget        *mm_tensor_view_new             (void);
/* Shows @tensor (a reference is taken; NULL shows the placeholder). */
void              mm_tensor_view_set_tensor      (MmTensorView   *self,
                                                  const MmTensor *tensor);
void              mm_tensor_view_set_placeholder (MmTensorView   *self,
                                                  const char     *text);
MmTensorViewMode  mm_tensor_view_get_mode        (MmTensorView   *self);
/* What is shown as text: the numbers (one row per line) or the placeholder,
 * then the statistics line. */
char             *mm_tensor_view_get_text        (MmTensorView   *self);

/* How the app writes one number: 4 significant digits, an exponent for very
 * large or small ones. */
char             *mm_tensor_format_number        (float           value);
/* "[min … max]" with 3 significant digits, or the number itself for one
 * value: the short form shown in the graph's boxes. */
char             *mm_tensor_format_range         (const MmTensor *tensor);

G_END_DECLS
