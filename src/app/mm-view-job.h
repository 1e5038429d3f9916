/* mm-view-job.h — the background computation behind a data view.
 *
 * A view (the decision boundary, the sample predictions, the confusion matrix)
 * recomputes something whenever it is handed new parameters, which during
 * training is every frame. A job runs at most one computation at a time on a
 * GTask worker thread and never makes the UI thread wait:
 *
 *   - mm_view_job_request(): the inputs changed (new parameters). If nothing
 *     runs, a computation starts at once; otherwise one more is remembered
 *     and starts when the running one has ended, with the inputs current at
 *     that moment — so a burst of requests ends with the newest inputs, and
 *     the ones in between are skipped. Finished results are applied even
 *     while newer requests wait: during training the view keeps moving.
 *   - mm_view_job_restart(): the inputs changed so that the running
 *     computation's result would be wrong (another data set or model): it is
 *     cancelled and its result dropped; a new one starts when it has ended.
 *   - mm_view_job_detach(): the view goes away. The running computation is
 *     cancelled; it keeps its own references to what it reads (the prepare
 *     function takes them), so it finishes safely and its result is freed.
 *
 * To leave the trainer its share of a small machine, a computation starts no
 * sooner than max(min interval, twice its predecessor's duration) after the
 * start of that predecessor — at most half a core — except after a restart.
 *
 * The prepare and apply callbacks run on the main thread; run runs on a worker
 * thread and must only read its input.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _MmViewJob MmViewJob;

/* Main thread: a new input from the owner's current state (taking references
 * to what the worker will read), or NULL when there is nothing to compute. */
typedef gpointer (*MmViewJobPrepareFunc) (GObject        *owner,
                                          GDestroyNotify *input_free);
/* Worker thread: the result, or NULL with @error set. Should check
 * @cancellable now and then and fail with G_IO_ERROR_CANCELLED. */
typedef gpointer (*MmViewJobRunFunc)     (gpointer        input,
                                          GCancellable   *cancellable,
                                          GError        **error);
/* Main thread: takes over @result (NULL when @error is set). Not called for
 * cancelled computations, nor after the owner is gone. */
typedef void     (*MmViewJobApplyFunc)   (GObject        *owner,
                                          gpointer        result,
                                          const GError   *error);

MmViewJob *mm_view_job_new              (GObject              *owner,
                                         MmViewJobPrepareFunc  prepare,
                                         MmViewJobRunFunc      run,
                                         MmViewJobApplyFunc    apply,
                                         GDestroyNotify        result_free);
void       mm_view_job_set_min_interval (MmViewJob            *job,
                                         guint                 milliseconds);
void       mm_view_job_request          (MmViewJob            *job);
void       mm_view_job_restart          (MmViewJob            *job);
/* Cancels what runs or waits, without starting anything new. */
void       mm_view_job_cancel           (MmViewJob            *job);
/* The inputs changed: when there is nothing to compute (not @ready), cancels
 * and returns FALSE (the owner drops its result); otherwise restarts when
 * @restart, else requests, and returns TRUE. */
gboolean   mm_view_job_update           (MmViewJob            *job,
                                         gboolean              ready,
                                         gboolean              restart);
/* TRUE while a computation runs or one is waiting to start. */
gboolean   mm_view_job_is_busy          (MmViewJob            *job);
/* Cancels, forgets the owner and drops the owner's reference. */
void       mm_view_job_detach           (MmViewJob            *job);

G_END_DECLS
