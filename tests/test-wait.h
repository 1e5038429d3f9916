/* test-wait.h — how long the GUI tests wait for the app.
 *
 * Their WAIT_FOR loops give the app a deadline sized for a native run (and
 * for an ASan build). Under valgrind everything runs 20 to 50 times slower, so
 * tests/sanitizers/valgrind-tests sets MYML_TEST_TIMEOUT_SCALE to stretch the
 * deadlines by that factor; a deadline only bounds how long a broken test
 * hangs, so stretching it never makes a test pass that should fail.
 */
#pragma once

#include <glib.h>

static inline gint64
test_timeout_scale (void)
{
  const char *s = g_getenv ("MYML_TEST_TIMEOUT_SCALE");
  gint64 scale = s != NULL ? g_ascii_strtoll (s, NULL, 10) : 1;

  return CLAMP (scale, 1, 1000);
}
