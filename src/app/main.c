/* main.c — MyML Studio. */
#include "config.h"
#include "mm-application.h"

#include <glib/gi18n.h>
#include <locale.h>

/* Installed catalogs first; run from the build tree (nothing installed),
 * the catalogs meson compiled there. */
static const char *
locale_dir (void)
{
  g_autofree char *installed = g_build_filename (LOCALEDIR, "cs", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  g_autofree char *built = g_build_filename (MM_BUILD_LOCALEDIR, "cs", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);

  if (!g_file_test (installed, G_FILE_TEST_EXISTS) && g_file_test (built, G_FILE_TEST_EXISTS))
    return MM_BUILD_LOCALEDIR;
  return LOCALEDIR;
}

int
main (int argc, char **argv)
{
  g_autoptr(MmApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = mm_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
