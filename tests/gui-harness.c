/* gui-harness.c — see gui-harness.h. */
#include "gui-harness.h"

MmApplication *app;
guint gui_timeout_s = 60;

void
gui_harness_init (int             *argc,
                  char          ***argv,
                  GuiHarnessFlags  flags,
                  guint            timeout_s)
{
  if (flags & GUI_HARNESS_DEMO_TOY)
    g_setenv ("MYML_DEMO_TOY", "1", TRUE);
  if (flags & GUI_HARNESS_ENGLISH)
    g_setenv ("LANGUAGE", "C", TRUE);
  gui_timeout_s = timeout_s;
  gtk_test_init (argc, argv, NULL);
  app = MM_APPLICATION (mm_application_new ());
  g_application_register (G_APPLICATION (app), NULL, NULL);
}

int
gui_harness_run (void)
{
  int status = g_test_run ();

  g_clear_object (&app);
  return status;
}

void
gui_pump (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}

void
gui_activate (MmWindow   *win,
              const char *action,
              GVariant   *param)
{
  g_action_group_activate_action (G_ACTION_GROUP (win), action, param);
}

MmWindow *
gui_new_window (int width,
                int height)
{
  MmWindow *win = mm_window_new (app);
  MmSession *session = mm_window_get_session (win);

  if (width > 0 && height > 0)
    gtk_window_set_default_size (GTK_WINDOW (win), width, height);
  gtk_window_present (GTK_WINDOW (win));
  WAIT_FOR (mm_session_get_data_state (session) != MM_DATA_STATE_LOADING);
  g_assert_cmpint (mm_session_get_data_state (session), ==, MM_DATA_STATE_READY);
  return win;
}

void
gui_save_png (GtkWidget  *widget,
              const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  const char *dirs[2] = { g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                          g_getenv ("MYML_SHOTS_DIR") };
  int w = 0, h = 0;

  /* A widget paintable shows what was last drawn: let frames be drawn first
   * (after a resize, such as going fullscreen, that takes a moment). */
  for (int attempt = 0; attempt < 30 && node == NULL; attempt++)
    {
      GtkSnapshot *snapshot;

      gui_pump (100);
      w = gtk_widget_get_width (widget);
      h = gtk_widget_get_height (widget);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, w, h);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  for (int d = 0; d < 2; d++)
    if (dirs[d] != NULL)
      {
        g_autofree char *path = g_build_filename (dirs[d], name, NULL);
        g_assert_true (gdk_texture_save_to_png (texture, path));
        g_test_message ("wrote %s", path);
      }
}
