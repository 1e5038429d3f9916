/* mm-file-watch.c — the project file changed or deleted under the app. */
#include "mm-file-watch.h"

struct _MmFileWatch {
  GObject parent_instance;

  char *path;
  char *checksum;           /* SHA-256 of what we last read or wrote; NULL: no file then */
  GFileMonitor *monitor;
  MmFileStatus last;        /* the status last announced */
};

G_DEFINE_FINAL_TYPE (MmFileWatch, mm_file_watch, G_TYPE_OBJECT)

enum { STATUS_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* NULL when the file cannot be read (deleted, or replaced by a folder). */
static char *
checksum_of (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

MmFileStatus
mm_file_watch_check (MmFileWatch *self)
{
  g_autofree char *now = NULL;

  g_return_val_if_fail (MM_IS_FILE_WATCH (self), MM_FILE_SAME);
  if (self->path == NULL)
    return MM_FILE_SAME;
  now = checksum_of (self->path);
  if (now == NULL)
    return self->checksum == NULL ? MM_FILE_SAME : MM_FILE_DELETED;
  return g_strcmp0 (now, self->checksum) == 0 ? MM_FILE_SAME : MM_FILE_MODIFIED;
}

static void
monitor_changed (GFileMonitor      *monitor,
                 GFile             *file,
                 GFile             *other,
                 GFileMonitorEvent  event,
                 MmFileWatch       *self)
{
  MmFileStatus status;

  /* A save is many events (written, renamed into place): look once it is done. */
  if (event != G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT && event != G_FILE_MONITOR_EVENT_DELETED &&
      event != G_FILE_MONITOR_EVENT_CREATED && event != G_FILE_MONITOR_EVENT_MOVED_IN &&
      event != G_FILE_MONITOR_EVENT_MOVED_OUT && event != G_FILE_MONITOR_EVENT_RENAMED)
    return;
  status = mm_file_watch_check (self);
  if (status == self->last)
    return;
  self->last = status;
  g_signal_emit (self, signals[STATUS_CHANGED], 0, (guint) status);
}

void
mm_file_watch_set_path (MmFileWatch *self,
                        const char  *path)
{
  g_return_if_fail (MM_IS_FILE_WATCH (self));

  if (self->monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      g_file_monitor_cancel (self->monitor);
      g_clear_object (&self->monitor);
    }
  g_clear_pointer (&self->checksum, g_free);
  if (path != self->path)
    {
      g_free (self->path);
      self->path = g_strdup (path);
    }
  self->last = MM_FILE_SAME;
  if (self->path == NULL)
    return;
  self->checksum = checksum_of (self->path);
  {
    g_autoptr(GFile) file = g_file_new_for_path (self->path);
    /* WATCH_MOVES: a save by rename (ours, most editors') is one event. */
    self->monitor = g_file_monitor_file (file, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
  }
  if (self->monitor != NULL)
    g_signal_connect (self->monitor, "changed", G_CALLBACK (monitor_changed), self);
}

const char *
mm_file_watch_get_path (MmFileWatch *self)
{
  g_return_val_if_fail (MM_IS_FILE_WATCH (self), NULL);
  return self->path;
}

static void
mm_file_watch_dispose (GObject *object)
{
  mm_file_watch_set_path (MM_FILE_WATCH (object), NULL);
  G_OBJECT_CLASS (mm_file_watch_parent_class)->dispose (object);
}

static void
mm_file_watch_class_init (MmFileWatchClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mm_file_watch_dispose;
  signals[STATUS_CHANGED] = g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
mm_file_watch_init (MmFileWatch *self)
{
}

MmFileWatch *
mm_file_watch_new (void)
{
  return g_object_new (MM_TYPE_FILE_WATCH, NULL);
}
