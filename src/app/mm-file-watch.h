/* mm-file-watch.h — notices when the project file the window opened or
 * saved is changed or deleted by something else (another program, another
 * copy of the app, a colleague on a shared disk).
 *
 * It remembers the checksum of what the app last read or wrote, watches the
 * file with a GFileMonitor, and says "changed" only when the content on the
 * disk really differs (our own saves, and editors that rewrite the same
 * bytes, are not news). The window decides what to tell the user.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  MM_FILE_SAME,        /* what we last read or wrote (or nothing watched) */
  MM_FILE_MODIFIED,    /* other content */
  MM_FILE_DELETED,     /* gone */
} MmFileStatus;

#define MM_TYPE_FILE_WATCH (mm_file_watch_get_type ())
G_DECLARE_FINAL_TYPE (MmFileWatch, mm_file_watch, MM, FILE_WATCH, GObject)

MmFileWatch  *mm_file_watch_new       (void);
/* Watches @path (NULL: nothing) and takes its current content as ours. */
void          mm_file_watch_set_path  (MmFileWatch *self,
                                       const char  *path);
const char   *mm_file_watch_get_path  (MmFileWatch *self);
/* Compares the disk with what we last saw, now (no waiting for the monitor). */
MmFileStatus  mm_file_watch_check     (MmFileWatch *self);

/* "status-changed" (MmFileStatus as guint): emitted when the monitor sees
 * the file become different from ours, or deleted — once per change of
 * status. */

G_END_DECLS
