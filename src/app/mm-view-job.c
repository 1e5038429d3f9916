/* mm-view-job.c — the background computation behind a data view. */
#include "mm-view-job.h"

struct _MmViewJob {
  int ref_count;                 /* main thread only */
  GWeakRef owner;
  MmViewJobPrepareFunc prepare;
  MmViewJobRunFunc run;
  MmViewJobApplyFunc apply;
  GDestroyNotify result_free;

  GCancellable *cancellable;     /* of the running computation; NULL when idle */
  gboolean pending;              /* one more computation is wanted */
  gboolean urgent;               /* ... and may skip the rate limit */
  guint timeout_id;              /* a rate-limited start waits */
  guint min_interval_ms;
  gint64 last_start;             /* monotonic µs */
  gint64 last_duration;
  gboolean detached;
};

typedef struct {
  MmViewJob *job;                /* touched on the main thread only */
  MmViewJobRunFunc run;
  GDestroyNotify result_free;
  gpointer input;
  GDestroyNotify input_free;
  gint64 start;
} TaskData;

static void maybe_start (MmViewJob *job);

static MmViewJob *
job_ref (MmViewJob *job)
{
  job->ref_count++;
  return job;
}

static void
job_unref (MmViewJob *job)
{
  if (--job->ref_count > 0)
    return;
  g_weak_ref_clear (&job->owner);
  g_clear_object (&job->cancellable);
  g_free (job);
}

static void
task_data_free (gpointer data)
{
  TaskData *td = data;

  if (td->input_free != NULL && td->input != NULL)
    td->input_free (td->input);
  g_free (td);
}

MmViewJob *
mm_view_job_new (GObject              *owner,
                 MmViewJobPrepareFunc  prepare,
                 MmViewJobRunFunc      run,
                 MmViewJobApplyFunc    apply,
                 GDestroyNotify        result_free)
{
  MmViewJob *job;

  g_return_val_if_fail (G_IS_OBJECT (owner), NULL);
  g_return_val_if_fail (prepare != NULL && run != NULL && apply != NULL, NULL);

  job = g_new0 (MmViewJob, 1);
  job->ref_count = 1;
  g_weak_ref_init (&job->owner, owner);
  job->prepare = prepare;
  job->run = run;
  job->apply = apply;
  job->result_free = result_free;
  return job;
}

void
mm_view_job_set_min_interval (MmViewJob *job,
                              guint      milliseconds)
{
  g_return_if_fail (job != NULL);
  job->min_interval_ms = milliseconds;
}

static void
run_in_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  TaskData *td = task_data;
  GError *error = NULL;
  gpointer result;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  result = td->run (td->input, cancellable, &error);
  if (result == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "The computation gave no result");
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, result, td->result_free);
}

static void
task_done (GObject      *source_object,
           GAsyncResult *res,
           gpointer      user_data)
{
  GTask *task = G_TASK (res);
  TaskData *td = g_task_get_task_data (task);
  MmViewJob *job = td->job;
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) owner = NULL;
  gpointer result;
  gboolean cancelled;

  cancelled = g_cancellable_is_cancelled (g_task_get_cancellable (task));
  result = g_task_propagate_pointer (task, &error);
  if (result == NULL && error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    cancelled = TRUE;

  if (job->cancellable == g_task_get_cancellable (task))
    g_clear_object (&job->cancellable);
  job->last_duration = g_get_monotonic_time () - td->start;

  owner = job->detached ? NULL : g_weak_ref_get (&job->owner);
  if (owner != NULL && !cancelled)
    {
      job->apply (owner, result, error);
      result = NULL;
    }
  if (result != NULL && job->result_free != NULL)
    job->result_free (result);

  if (owner != NULL)
    maybe_start (job);
  job_unref (job);
}

static void
start_now (MmViewJob *job)
{
  g_autoptr(GObject) owner = g_weak_ref_get (&job->owner);
  g_autoptr(GTask) task = NULL;
  GDestroyNotify input_free = NULL;
  gpointer input;
  TaskData *td;

  job->pending = FALSE;
  job->urgent = FALSE;
  if (owner == NULL || job->detached)
    return;
  input = job->prepare (owner, &input_free);
  if (input == NULL)
    return;

  td = g_new0 (TaskData, 1);
  td->job = job_ref (job);
  td->run = job->run;
  td->result_free = job->result_free;
  td->input = input;
  td->input_free = input_free;
  td->start = g_get_monotonic_time ();

  job->cancellable = g_cancellable_new ();
  job->last_start = td->start;
  task = g_task_new (NULL, job->cancellable, task_done, NULL);
  g_task_set_source_tag (task, start_now);
  g_task_set_task_data (task, td, task_data_free);
  g_task_run_in_thread (task, run_in_thread);
}

static gboolean
timeout_cb (gpointer user_data)
{
  MmViewJob *job = user_data;

  job->timeout_id = 0;
  if (job->cancellable == NULL && job->pending)
    start_now (job);
  return G_SOURCE_REMOVE;
}

static void
maybe_start (MmViewJob *job)
{
  gint64 now, ready;

  if (job->detached || !job->pending || job->cancellable != NULL)
    return;
  if (job->urgent)
    g_clear_handle_id (&job->timeout_id, g_source_remove);
  if (job->timeout_id != 0)
    return;

  now = g_get_monotonic_time ();
  ready = job->last_start + MAX ((gint64) job->min_interval_ms * 1000, 2 * job->last_duration);
  if (job->urgent || job->last_start == 0 || now >= ready)
    {
      start_now (job);
      return;
    }
  job->timeout_id = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) ((ready - now + 999) / 1000),
                                        timeout_cb, job_ref (job), (GDestroyNotify) job_unref);
}

void
mm_view_job_request (MmViewJob *job)
{
  g_return_if_fail (job != NULL);

  if (job->detached)
    return;
  job->pending = TRUE;
  maybe_start (job);
}

void
mm_view_job_restart (MmViewJob *job)
{
  g_return_if_fail (job != NULL);

  if (job->detached)
    return;
  if (job->cancellable != NULL)
    g_cancellable_cancel (job->cancellable);
  job->pending = TRUE;
  job->urgent = TRUE;
  maybe_start (job);
}

void
mm_view_job_cancel (MmViewJob *job)
{
  g_return_if_fail (job != NULL);

  if (job->cancellable != NULL)
    g_cancellable_cancel (job->cancellable);
  g_clear_handle_id (&job->timeout_id, g_source_remove);
  job->pending = FALSE;
  job->urgent = FALSE;
}

gboolean
mm_view_job_update (MmViewJob *job,
                    gboolean   ready,
                    gboolean   restart)
{
  g_return_val_if_fail (job != NULL, FALSE);

  if (!ready)
    {
      mm_view_job_cancel (job);
      return FALSE;
    }
  if (restart)
    mm_view_job_restart (job);
  else
    mm_view_job_request (job);
  return TRUE;
}

gboolean
mm_view_job_is_busy (MmViewJob *job)
{
  g_return_val_if_fail (job != NULL, FALSE);
  return job->cancellable != NULL || job->pending;
}

void
mm_view_job_detach (MmViewJob *job)
{
  if (job == NULL)
    return;
  mm_view_job_cancel (job);
  job->detached = TRUE;
  g_weak_ref_set (&job->owner, NULL);
  job_unref (job);
}
