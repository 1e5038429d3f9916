/* mm-settings.h — the app's GSettings, when its schema can be found.
 *
 * g_settings_new() aborts the process when the schema is not installed, and
 * MyML Studio must also run straight from a build tree (build-aux/run-app,
 * the GUI tests) or from a copy whose schema was never compiled. So the app
 * asks here and treats NULL as "no stored preferences": use the defaults
 * and remember nothing.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The schema's id: data/org.mymlstudio.Studio.gschema.xml. */
#define MM_SETTINGS_SCHEMA_ID "org.mymlstudio.Studio"

/* How many paths the window should keep in "recent-projects". */
#define MM_SETTINGS_MAX_RECENT 10

/* Looks the schema up in the default schema source (the installed schemas,
 * or GSETTINGS_SCHEMA_DIR), then in the build tree's compiled schemas
 * (<builddir>/data). Returns a new GSettings, or NULL when neither has the
 * schema; never aborts. */
GSettings *mm_settings_new (void);

G_END_DECLS
