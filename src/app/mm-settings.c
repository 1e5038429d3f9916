/* mm-settings.c — the app's GSettings, when its schema can be found. */
#include "config.h"
#include "mm-settings.h"

/* The build tree's compiled schemas as a source of their own, layered over
 * the default one; NULL when that directory has no compiled schemas (e.g. an
 * installed copy whose build tree is gone). */
static GSettingsSchemaSource *
build_tree_source (GSettingsSchemaSource *parent)
{
#ifdef MM_BUILD_SCHEMA_DIR
  g_autoptr(GError) error = NULL;
  g_autofree char *compiled = g_build_filename (MM_BUILD_SCHEMA_DIR, "gschemas.compiled", NULL);
  GSettingsSchemaSource *source;

  if (!g_file_test (compiled, G_FILE_TEST_IS_REGULAR))
    return NULL;
  source = g_settings_schema_source_new_from_directory (MM_BUILD_SCHEMA_DIR, parent, FALSE, &error);
  if (source == NULL)
    g_debug ("Schemas in %s not usable: %s", MM_BUILD_SCHEMA_DIR, error->message);
  return source;
#else
  return NULL;
#endif
}

GSettings *
mm_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();  /* may be NULL */
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, MM_SETTINGS_SCHEMA_ID, TRUE);

  if (schema == NULL)
    {
      g_autoptr(GSettingsSchemaSource) build = build_tree_source (source);

      /* The schema holds a reference to its source. */
      if (build != NULL)
        schema = g_settings_schema_source_lookup (build, MM_SETTINGS_SCHEMA_ID, FALSE);
    }

  if (schema == NULL)
    {
      g_debug ("Schema %s not found; preferences will not be kept", MM_SETTINGS_SCHEMA_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, NULL);
}
