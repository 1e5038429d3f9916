/* test-pytorch-app.c — the app's File menu to and from PyTorch: export the
 * script with its weights and data, import a PyTorch state_dict as weights. */
#include <gtk/gtk.h>
#include <myml.h>
#include <glib/gstdio.h>
#include <string.h>
#include "mm-window.h"
#include "test-wait.h"

static MmApplication *app;

#define WAIT_FOR(cond)                                                        \
  G_STMT_START {                                                              \
    gint64 _end = g_get_monotonic_time () + 60 * test_timeout_scale () * G_USEC_PER_SEC; \
    while (!(cond) && g_get_monotonic_time () < _end)                         \
      g_main_context_iteration (NULL, FALSE), g_usleep (1000);               \
    if (!(cond))                                                              \
      g_error ("timed out waiting for %s", #cond);                            \
  } G_STMT_END

static MmWindow *
new_window (void)
{
  MmWindow *win = mm_window_new (app);
  gtk_window_present (GTK_WINDOW (win));
  WAIT_FOR (mm_session_get_data_state (mm_window_get_session (win)) == MM_DATA_STATE_READY);
  return win;
}

static void
test_export (void)
{
  MmWindow *win = new_window ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("myml-export-XXXXXX", NULL);
  g_autofree char *script = g_build_filename (dir, "train.py", NULL);
  g_autofree char *weights = g_build_filename (dir, "train.safetensors", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GDir) d = NULL;
  const char *name;
  guint npy = 0;

  g_assert_true (mm_window_export_pytorch (win, script, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (script, &text, NULL, NULL));
  /* The network of the window, in torch.nn, with the window's optimizer. */
  g_assert_nonnull (strstr (text, "import torch"));
  g_assert_nonnull (strstr (text, "nn.Linear(2, 16)"));
  g_assert_nonnull (strstr (text, "nn.Tanh()"));
  g_assert_nonnull (strstr (text, "torch.optim.Adam"));
  g_assert_true (g_file_test (weights, G_FILE_TEST_EXISTS));
  /* The spiral's points travel with the script. */
  d = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    npy += g_str_has_suffix (name, ".npy");
  g_assert_cmpuint (npy, >=, 2);

  /* And it is Python (when python3 is there to say so). */
  g_autofree char *python3 = g_find_program_in_path ("python3");
  if (python3 != NULL)
    {
      const char *argv[] = { "python3", "-m", "py_compile", script, NULL };
      int status;
      g_autofree char *err = NULL;
      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                                   NULL, NULL, NULL, &err, &status, NULL));
      if (!g_spawn_check_wait_status (status, NULL))
        g_error ("the exported script does not compile: %s", err);
    }

  gtk_window_destroy (GTK_WINDOW (win));
  {
    g_autoptr(GDir) dd = g_dir_open (dir, 0, NULL);
    while ((name = g_dir_read_name (dd)) != NULL)
      {
        g_autofree char *p = g_build_filename (dir, name, NULL);
        g_unlink (p);
      }
  }
  g_rmdir (dir);
}

/* What PyTorch's safetensors.torch.save_file writes: no metadata of ours. */
static void
write_torch_file (MmParams   *params,
                  const char *path)
{
  g_autoptr(GString) header = g_string_new ("{");
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize offset = 0;
  guint8 len[8];

  for (guint i = 0; i < mm_params_get_n (params); i++)
    {
      MmTensor *t = mm_params_get_tensor (params, i);
      g_string_append_printf (header, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[", i ? "," : "",
                              mm_params_get_name (params, i));
      for (guint d = 0; d < t->shape.ndim; d++)
        g_string_append_printf (header, "%s%zu", d ? "," : "", (size_t) t->shape.dim[d]);
      g_string_append_printf (header, "],\"data_offsets\":[%zu,%zu]}", (size_t) offset,
                              (size_t) (offset + t->size * 4));
      offset += t->size * 4;
    }
  g_string_append_c (header, '}');
  for (int i = 0; i < 8; i++)
    len[i] = (guint8) ((guint64) header->len >> (8 * i));
  g_byte_array_append (out, len, 8);
  g_byte_array_append (out, (guint8 *) header->str, header->len);
  for (guint i = 0; i < mm_params_get_n (params); i++)
    {
      MmTensor *t = mm_params_get_tensor (params, i);
      g_byte_array_append (out, (guint8 *) t->data, t->size * 4);   /* little-endian machine */
    }
  g_assert_true (g_file_set_contents (path, (char *) out->data, out->len, NULL));
}

static void
test_import (void)
{
  MmWindow *win = new_window ();
  MmSession *session = mm_window_get_session (win);
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = mm_session_dup_model (session);
  g_autoptr(GArray) specs = mm_module_get_params (model);
  g_autoptr(MmParams) mine = mm_params_init (specs, MM_INIT_HE_NORMAL, 1234, NULL);
  g_autoptr(MmParams) torch_layout = mm_params_to_pytorch (model, mine, &error);
  g_autoptr(MmParams) now = NULL;
  g_autoptr(MmParams) wrong = mm_params_new ();
  g_autofree char *dir = g_dir_make_tmp ("myml-import-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "state.safetensors", NULL);
  g_autofree char *bad = g_build_filename (dir, "wrong.safetensors", NULL);
  g_autoptr(MmTensor) t = mm_tensor_new_dims (2, (gsize[]) { 7, 7 }, NULL);

  g_assert_no_error (error);
  write_torch_file (torch_layout, path);
  g_assert_true (mm_window_import_pytorch (win, path, &error));
  g_assert_no_error (error);
  now = mm_session_dup_params (session);
  g_assert_nonnull (now);
  for (guint i = 0; i < mm_params_get_n (mine); i++)
    {
      MmTensor *a = mm_params_get_tensor (mine, i);
      MmTensor *b = mm_params_lookup (now, mm_params_get_name (mine, i));
      g_assert_nonnull (b);
      g_assert_cmpmem (a->data, a->size * 4, b->data, b->size * 4);
    }
  g_assert_true (mm_session_is_dirty (session));

  /* A state_dict of another network: refused, naming what does not fit, and
   * the weights stay as they were. */
  mm_params_set (wrong, "0.weight", t);
  write_torch_file (wrong, bad);
  g_assert_false (mm_window_import_pytorch (win, bad, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "0.weight"));
  {
    g_autoptr(MmParams) still = mm_session_dup_params (session);
    g_assert_cmpmem (mm_params_get_tensor (still, 0)->data, mm_params_get_tensor (still, 0)->size * 4,
                     mm_params_lookup (mine, mm_params_get_name (still, 0))->data,
                     mm_params_get_tensor (still, 0)->size * 4);
  }

  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (path);
  g_unlink (bad);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  int status;

  g_setenv ("MYML_DEMO_TOY", "1", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  app = MM_APPLICATION (mm_application_new ());
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_test_add_func ("/pytorch-app/export", test_export);
  g_test_add_func ("/pytorch-app/import", test_import);
  status = g_test_run ();
  g_object_unref (app);
  return status;
}
