/* gui-harness.h — what the GUI tests share: the application, windows of it
 * under the virtual display, the main loop spun until a condition holds (or
 * a deadline passes), and PNGs of widgets for a reviewer.
 *
 * A test calls gui_harness_init() first in main() and returns
 * gui_harness_run().
 */
#pragma once

#include <gtk/gtk.h>
#include <myml.h>
#include "mm-window.h"
#include "test-wait.h"

typedef enum {
  GUI_HARNESS_DEMO_TOY = 1 << 0,  /* MYML_DEMO_TOY=1: the spiral demo whatever is installed */
  GUI_HARNESS_ENGLISH  = 1 << 1,  /* LANGUAGE=C: the messages compared are the English ones */
} GuiHarnessFlags;

/* The application every test window belongs to. */
extern MmApplication *app;
/* The test's deadline for one WAIT_FOR, in seconds (before test-wait.h's scale). */
extern guint gui_timeout_s;

#define TIMEOUT_S ((gint64) gui_timeout_s * test_timeout_scale ())

/* Iterates the main loop until @cond holds; aborts the test when the time is up. */
#define WAIT_FOR(cond)                                                        \
  G_STMT_START {                                                              \
    gint64 _end = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;       \
    while (!(cond) && g_get_monotonic_time () < _end)                         \
      g_main_context_iteration (NULL, FALSE), g_usleep (1000);               \
    if (!(cond))                                                              \
      g_error ("timed out waiting for %s", #cond);                            \
  } G_STMT_END

/* Sets the environment of @flags, initialises GTK and g_test, and registers
 * the application; @timeout_s is the test's WAIT_FOR deadline. */
void gui_harness_init (int             *argc,
                       char          ***argv,
                       GuiHarnessFlags  flags,
                       guint            timeout_s);
/* Runs the tests and releases the application; returns g_test_run's status. */
int gui_harness_run (void);

/* Iterates the main loop for @ms milliseconds. */
void gui_pump (guint ms);
/* Activates the window's action @action with @param (or NULL). */
void gui_activate (MmWindow   *win,
                   const char *action,
                   GVariant   *param);
/* A new window, shown (@width × @height unless 0), once its data is loaded. */
MmWindow *gui_new_window (int width,
                          int height);
/* Writes a PNG of @widget as drawn to G_TEST_BUILDDIR (or the current
 * directory) and, when set, to MYML_SHOTS_DIR. */
void gui_save_png (GtkWidget  *widget,
                   const char *name);
