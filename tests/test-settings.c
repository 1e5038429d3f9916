/* test-settings.c — mm_settings_new finds the schema without it being
 * installed, and the schema has the keys the app relies on. */
#include "mm-settings.h"

#include <glib/gstdio.h>

/* Every key the window and the plot read, with its type and default. */
static const struct {
  const char *key;
  const char *type;
  const char *value;
} keys[] = {
  { "window-width", "i", "1300" },
  { "window-height", "i", "740" },
  { "window-maximized", "b", "false" },
  { "last-project", "s", "''" },
  { "recent-projects", "as", "@as []" },
  { "classroom-mode", "b", "false" },
  { "plot-log-y", "b", "false" },
  { "plot-x-epochs", "b", "false" },
};

/* main() hid every installed schema, so the default source cannot have
 * ours: mm_settings_new must have taken the build tree's. */
static void
test_settings_build_tree (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) installed = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    installed = g_settings_schema_source_lookup (source, MM_SETTINGS_SCHEMA_ID, TRUE);
  g_assert_null (installed);

  settings = mm_settings_new ();
  g_assert_nonnull (settings);
  g_object_get (settings, "settings-schema", &schema, NULL);
  g_assert_cmpstr (g_settings_schema_get_id (schema), ==, MM_SETTINGS_SCHEMA_ID);
  g_assert_cmpstr (g_settings_schema_get_path (schema), ==, "/org/mymlstudio/Studio/");
}

static void
test_settings_keys (void)
{
  g_autoptr(GSettings) settings = mm_settings_new ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) names = NULL;

  g_assert_nonnull (settings);
  g_object_get (settings, "settings-schema", &schema, NULL);
  names = g_settings_schema_list_keys (schema);
  g_assert_cmpuint (g_strv_length (names), ==, G_N_ELEMENTS (keys));

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(GSettingsSchemaKey) key = NULL;
      g_autoptr(GVariant) value = NULL;
      g_autofree char *text = NULL;

      g_test_message ("key %s", keys[i].key);
      g_assert_true (g_settings_schema_has_key (schema, keys[i].key));
      key = g_settings_schema_get_key (schema, keys[i].key);
      g_assert_cmpstr (g_variant_type_peek_string (g_settings_schema_key_get_value_type (key)), ==, keys[i].type);
      value = g_settings_get_value (settings, keys[i].key);
      text = g_variant_print (value, TRUE);
      g_assert_cmpstr (text, ==, keys[i].value);
    }
}

/* Values written are read back (by a second object, as the next run of the
 * app would), and out-of-range window sizes are refused. */
static void
test_settings_round_trip (void)
{
  g_autoptr(GSettings) a = mm_settings_new ();
  g_autoptr(GSettings) b = mm_settings_new ();
  const char *recent[] = { "/tmp/b.myml", "/tmp/a.myml", NULL };
  g_auto(GStrv) got = NULL;
  g_autofree char *last = NULL;

  g_assert_true (g_settings_set_int (a, "window-width", 1024));
  g_assert_true (g_settings_set_boolean (a, "classroom-mode", TRUE));
  g_assert_true (g_settings_set_boolean (a, "plot-log-y", TRUE));
  g_assert_true (g_settings_set_string (a, "last-project", "/tmp/b.myml"));
  g_assert_true (g_settings_set_strv (a, "recent-projects", recent));

  g_assert_cmpint (g_settings_get_int (b, "window-width"), ==, 1024);
  g_assert_true (g_settings_get_boolean (b, "classroom-mode"));
  g_assert_true (g_settings_get_boolean (b, "plot-log-y"));
  g_assert_false (g_settings_get_boolean (b, "plot-x-epochs"));
  last = g_settings_get_string (b, "last-project");
  g_assert_cmpstr (last, ==, "/tmp/b.myml");
  got = g_settings_get_strv (b, "recent-projects");
  g_assert_cmpstrv (got, recent);

  {
    g_autoptr(GSettingsSchema) schema = NULL;
    g_autoptr(GSettingsSchemaKey) key = NULL;
    g_autoptr(GVariant) tiny = g_variant_ref_sink (g_variant_new_int32 (10));

    g_object_get (a, "settings-schema", &schema, NULL);
    key = g_settings_schema_get_key (schema, "window-width");
    g_assert_false (g_settings_schema_key_range_check (key, tiny));
  }
}

int
main (int argc, char **argv)
{
  g_autofree char *empty = g_dir_make_tmp ("myml-settings-XXXXXX", NULL);

  /* No installed schema may be found, and nothing may be written to the
   * user's dconf: the build tree's schemas and a memory backend only. */
  g_assert_nonnull (empty);
  g_unsetenv ("GSETTINGS_SCHEMA_DIR");
  g_setenv ("XDG_DATA_DIRS", empty, TRUE);
  g_setenv ("XDG_DATA_HOME", empty, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/settings/build-tree", test_settings_build_tree);
  g_test_add_func ("/settings/keys", test_settings_keys);
  g_test_add_func ("/settings/round-trip", test_settings_round_trip);

  {
    int status = g_test_run ();
    g_rmdir (empty);
    return status;
  }
}
