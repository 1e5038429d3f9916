/* mm-application.c — the GtkApplication: actions, accelerators, windows. */
#include "config.h"
#include "mm-application.h"
#include "mm-window.h"

#include <glib/gi18n.h>

struct _MmApplication {
  GtkApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (MmApplication, mm_application, GTK_TYPE_APPLICATION)

static void
mm_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (mm_window_new (MM_APPLICATION (app)));
  gtk_window_present (window);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GApplication *app = user_data;
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));

  /* Close the windows (which stop their training cleanly) rather than
   * pulling the process down under a running worker thread. */
  for (GList *l = windows; l; l = l->next)
    gtk_window_close (l->data);
  g_list_free (windows);
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = user_data;
  const char *authors[] = { "The MyML Studio developers", NULL };

  gtk_show_about_dialog (gtk_application_get_active_window (app),
                         "program-name", _("MyML Studio"),
                         "logo-icon-name", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Watch neural networks learn, one number at a time"),
                         "authors", authors,
                         "license-type", GTK_LICENSE_MIT_X11,
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL },
  { "about", about_activated, NULL, NULL, NULL },
};

static void
mm_application_startup (GApplication *app)
{
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "win.train", { "<Control>Return", "F5", NULL } },
    { "win.pause", { "<Control>p", "F6", NULL } },
    { "win.step", { "<Control>period", "F7", NULL } },
    { "win.stop", { "<Control>Escape", "F8", NULL } },
    { "win.reset", { "<Control>r", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.save", { "<Control>s", NULL } },
    { "win.save-as", { "<Control><Shift>s", NULL } },
    { "win.classroom", { "F11", NULL } },
    { "win.show-help-overlay", { "<Control>question", NULL } },
  };

  G_APPLICATION_CLASS (mm_application_parent_class)->startup (app);
  gtk_window_set_default_icon_name (APP_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);
}

static void
mm_application_class_init (MmApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = mm_application_activate;
  app_class->startup = mm_application_startup;
}

static void
mm_application_init (MmApplication *self)
{
}

MmApplication *
mm_application_new (void)
{
  return g_object_new (MM_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/org/mymlstudio/Studio",
                       NULL);
}
