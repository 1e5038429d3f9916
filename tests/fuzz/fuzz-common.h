/* fuzz-common.h — helpers shared by the libFuzzer targets. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <unistd.h>

/* The loaders read files: give them the input as one, in memory-backed /dev/shm
 * when there is one. The path is the same for every run of a process. */
static inline char *
fuzz_write_file (const char    *tag,
                 const uint8_t *data,
                 size_t         size)
{
  const char *dir = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir ();
  char *path = g_strdup_printf ("%s/myml-fuzz-%d-%s", dir, (int) getpid (), tag);

  if (!g_file_set_contents (path, (const char *) data, (gssize) size, NULL))
    g_clear_pointer (&path, g_free);
  return path;
}
