/* mm-sample-grid.h — test images with the model's predictions.
 *
 * A grid of MM_SAMPLE_GRID_COLUMNS × MM_SAMPLE_GRID_ROWS images from an image
 * data set (samples of shape (H, W), (1, H, W), (H, W, 1), or (N,) with N a
 * square), drawn in grey levels and scaled up without smoothing. Under each
 * image: the predicted class (✓ green when right, ✗ red when wrong) and the
 * true one. The images are a fixed, seeded choice that takes the classes in
 * turn, so every class is shown when there are enough cells. Predictions are
 * computed on a worker thread (see mm-view-job.h).
 */
#pragma once

#include <gtk/gtk.h>
#include <myml.h>

G_BEGIN_DECLS

#define MM_SAMPLE_GRID_COLUMNS 6
#define MM_SAMPLE_GRID_ROWS 4
/* The seed of the choice of samples. */
#define MM_SAMPLE_GRID_SEED 20240611u

#define MM_TYPE_SAMPLE_GRID (mm_sample_grid_get_type ())
G_DECLARE_FINAL_TYPE (MmSampleGrid, mm_sample_grid, MM, SAMPLE_GRID, GtkWidget)

GtkWidget     *mm_sample_grid_new             (void);

void           mm_sample_grid_set_dataset     (MmSampleGrid *self,
                                               MmDataset    *test);
/* Schedules new predictions. NULL @model or @params: none. */
void           mm_sample_grid_set_model       (MmSampleGrid *self,
                                               MmModule     *model,
                                               MmParams     *params);

void           mm_sample_grid_set_scale       (MmSampleGrid *self,
                                               double        scale);
double         mm_sample_grid_get_scale       (MmSampleGrid *self);

guint64        mm_sample_grid_get_generation  (MmSampleGrid *self);
gboolean       mm_sample_grid_is_computing    (MmSampleGrid *self);

/* The indices (into the data set) of the samples shown, in reading order. */
const gsize   *mm_sample_grid_get_indices     (MmSampleGrid *self,
                                               guint        *n);
/* The predicted class of each sample shown, or NULL when there are no
 * predictions (no model yet, or it does not fit: see get_message). */
const guint32 *mm_sample_grid_get_predictions (MmSampleGrid *self,
                                               guint        *n);
const char    *mm_sample_grid_get_message     (MmSampleGrid *self);

G_END_DECLS
