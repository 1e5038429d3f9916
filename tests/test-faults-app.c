/* test-faults-app.c — the faults of issue #10 in the app, under a virtual
 * display: saving to a full disk or a read-only folder, the project file
 * changed or deleted by another program, a network of 10⁹ parameters, a
 * batch larger than the data, a learning rate of 10⁶, CSV files with one
 * class, a header only or nothing. Each shows a message in the window (a
 * toast, a dialog or the status line), nothing crashes, and the project
 * file on the disk is never damaged. */
#include <gtk/gtk.h>
#include <myml.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include "mm-window.h"

#include "gui-harness.h"

static char *tmpdir;

static GtkMessageDialog *
find_dialog (MmWindow *win)
{
  GListModel *tops = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (tops, i);
      if (GTK_IS_MESSAGE_DIALOG (w) && gtk_window_get_transient_for (w) == GTK_WINDOW (win))
        return GTK_MESSAGE_DIALOG (w);
    }
  return NULL;
}

static char *
dialog_text (GtkMessageDialog *dialog)
{
  char *primary = NULL, *secondary = NULL;
  char *text;

  g_object_get (dialog, "text", &primary, "secondary-text", &secondary, NULL);
  text = g_strdup_printf ("%s\n%s", primary, secondary ? secondary : "");
  g_free (primary);
  g_free (secondary);
  return text;
}

/* A label anywhere in @root showing exactly @text. */
static gboolean
shows_label (GtkWidget  *root,
             const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (root)), text) == 0 &&
      gtk_widget_is_drawable (root))
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    if (shows_label (c, text))
      return TRUE;
  return FALSE;
}

static void
assert_toast (MmWindow   *win,
              const char *expected)
{
  gint64 end = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;

  while (g_strcmp0 (mm_window_get_toast (win), expected) != 0 && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  g_test_message ("toast: %s", mm_window_get_toast (win));
  g_assert_cmpstr (mm_window_get_toast (win), ==, expected);
}

/* With MYML_SHOTS=DIR, a PNG of @widget as drawn now, for a reviewer. */
static void
shot (GtkWidget  *widget,
      const char *name)
{
  const char *dir = g_getenv ("MYML_SHOTS");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int w = 0, h = 0;   /* set in the loop; gcc -O2 with ASan cannot see it */

  if (dir == NULL)
    return;
  paintable = gtk_widget_paintable_new (widget);
  for (int attempt = 0; attempt < 30 && node == NULL; attempt++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      gui_pump (100);
      w = gtk_widget_get_width (widget);
      h = gtk_widget_get_height (widget);
      gdk_paintable_snapshot (paintable, snapshot, w, h);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("wrote %s", path);
}

/* A failed save is a dialog that says so and why; closed as a user would. */
static void
assert_save_dialog (MmWindow   *win,
                    const char *message,
                    const char *shot_name)
{
  GtkMessageDialog *dialog = find_dialog (win);
  g_autofree char *text = NULL;
  g_autofree char *expected = g_strdup_printf ("The project was not saved\n%s", message);

  g_assert_nonnull (dialog);
  text = dialog_text (dialog);
  g_test_message ("dialog: %s", text);
  g_assert_cmpstr (text, ==, expected);
  if (shot_name != NULL)
    shot (GTK_WIDGET (dialog), shot_name);
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CLOSE);
  g_assert_null (find_dialog (win));
}

static GBytes *
read_bytes (const char *path)
{
  char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (data, len);
}

static void
assert_same_bytes (GBytes     *before,
                   const char *path)
{
  g_autoptr(GBytes) after = read_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_remove (p);
    }
  g_rmdir (dir);
}

static guint64
trained_steps (MmSession *session)
{
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  return mm_session_get_history (session, 0, points);
}

/* A saved project, then some training, so that Save has something new to
 * write over it. */
static MmWindow *
window_with_saved_project (const char *path)
{
  MmWindow *win = gui_new_window (0, 0);
  MmSession *session = mm_window_get_session (win);
  g_autoptr(GError) error = NULL;

  gui_activate (win, "step", NULL);
  WAIT_FOR (trained_steps (session) == 1);
  gui_activate (win, "stop", NULL);
  WAIT_FOR (mm_session_get_state (session) == MM_TRAINER_STOPPED);
  g_assert_true (mm_window_save_project (win, path, &error));
  g_assert_no_error (error);
  gui_activate (win, "step", NULL);
  gui_activate (win, "step", NULL);
  WAIT_FOR (trained_steps (session) == 3);
  gui_activate (win, "stop", NULL);
  WAIT_FOR (mm_session_get_state (session) == MM_TRAINER_STOPPED);
  g_assert_true (mm_session_is_dirty (session));
  return win;
}

/* ---- Saving to a disk that refuses ------------------------------------------- */

static void
test_save_full_disk (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "full", NULL);
  g_autofree char *path = g_build_filename (dir, "class.myml", NULL);
  g_autofree char *weights = g_build_filename (dir, "class.safetensors", NULL);
  g_autofree char *expected = NULL;
  g_autoptr(GBytes) json = NULL, w = NULL;
  struct rlimit saved, small;
  MmWindow *win;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  win = window_with_saved_project (path);
  json = read_bytes (path);
  w = read_bytes (weights);

  /* Writes past 256 bytes fail (EFBIG), as on a disk that is full. */
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  small = saved;
  small.rlim_cur = 256;
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
  gui_activate (win, "save", NULL);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);

  expected = g_strdup_printf ("Could not save the project “%s”: the disk is full (Could not save the weights: "
                              "Failed to write file “%s”: write() failed: File too large). "
                              "Any earlier version of the file is unchanged.", path, weights);
  assert_save_dialog (win, expected, "faults-save-full-disk-dialog.png");
  assert_same_bytes (json, path);
  assert_same_bytes (w, weights);
  /* Not saved: the work is still marked as unsaved. */
  g_assert_true (mm_session_is_dirty (mm_window_get_session (win)));

  gtk_window_destroy (GTK_WINDOW (win));
  remove_tree (dir);
}

static gboolean
set_immutable (const char *dir,
               gboolean    on)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int flags = 0;
  gboolean ok = FALSE;

  if (fd < 0)
    return FALSE;
  if (ioctl (fd, FS_IOC_GETFLAGS, &flags) == 0)
    {
      flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
      ok = ioctl (fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
  close (fd);
  return ok;
}

static void
test_save_read_only (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "ro", NULL);
  g_autofree char *path = g_build_filename (dir, "class.myml", NULL);
  g_autofree char *weights = g_build_filename (dir, "class.safetensors", NULL);
  g_autofree char *probe = g_build_filename (dir, "probe", NULL);
  g_autofree char *expected = NULL;
  g_autoptr(GBytes) json = NULL, w = NULL;
  gboolean immutable;
  int pfd;
  MmWindow *win;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  win = window_with_saved_project (path);
  json = read_bytes (path);
  w = read_bytes (weights);

  /* No write permission (root ignores it; CI is root) and immutable (binds root). */
  g_assert_cmpint (g_chmod (dir, 0555), ==, 0);
  immutable = set_immutable (dir, TRUE);
  pfd = open (probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (pfd >= 0)
    {
      close (pfd);
      g_unlink (probe);
      g_chmod (dir, 0755);
      g_test_skip ("No way to make a folder read-only here");
      gtk_window_destroy (GTK_WINDOW (win));
      remove_tree (dir);
      return;
    }
  gui_activate (win, "save", NULL);
  if (immutable)
    set_immutable (dir, FALSE);
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);

  expected = g_strdup_printf ("Could not save the project “%s”: there is no permission to write there "
                              "(Could not create a file in “%s”: %s). Any earlier version of the file is unchanged.",
                              path, dir, immutable ? "Operation not permitted" : "Permission denied");
  assert_save_dialog (win, expected, NULL);
  assert_same_bytes (json, path);
  assert_same_bytes (w, weights);
  g_assert_true (mm_session_is_dirty (mm_window_get_session (win)));

  gtk_window_destroy (GTK_WINDOW (win));
  remove_tree (dir);
}

/* The automatic backup cannot be written (a read-only folder): said once,
 * not silently skipped. */
static void
test_autosave_fails (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "backup", NULL);
  g_autofree char *path = g_build_filename (dir, "autosave.myml", NULL);
  g_autofree char *old_autosave = g_strdup (g_getenv ("MYML_AUTOSAVE"));
  g_autofree char *expected = NULL;
  MmWindow *win = gui_new_window (0, 0);
  MmSession *session = mm_window_get_session (win);
  gboolean immutable;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (dir, 0555), ==, 0);
  immutable = set_immutable (dir, TRUE);
  if (geteuid () == 0 && !immutable)
    {
      g_chmod (dir, 0755);
      g_test_skip ("No way to make a folder read-only here");
      gtk_window_destroy (GTK_WINDOW (win));
      remove_tree (dir);
      return;
    }
  g_setenv ("MYML_AUTOSAVE", path, TRUE);
  mm_session_get_settings (session)->seed = 5;
  mm_session_settings_changed (session);
  WAIT_FOR (mm_session_get_data_state (session) == MM_DATA_STATE_READY);
  g_assert_true (mm_session_is_dirty (session));
  /* A preset keeps the work on screen in the backup first. */
  g_action_group_activate_action (G_ACTION_GROUP (win), "preset", g_variant_new_string ("xor"));
  expected = g_strdup_printf ("The automatic backup failed: Could not save the project “%s”: there is no permission "
                              "to write there (Could not create a file in “%s”: %s). Any earlier version of the "
                              "file is unchanged.", path, dir, immutable ? "Operation not permitted" : "Permission denied");
  g_assert_cmpstr (mm_window_get_toast (win), ==, expected);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  if (immutable)
    set_immutable (dir, FALSE);
  g_chmod (dir, 0755);
  if (old_autosave)
    g_setenv ("MYML_AUTOSAVE", old_autosave, TRUE);
  else
    g_unsetenv ("MYML_AUTOSAVE");
  gtk_window_destroy (GTK_WINDOW (win));
  remove_tree (dir);
}

/* ---- The file changed or deleted under the app ---------------------------------- */

static void
test_changed_under_app (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "changed", NULL);
  g_autofree char *path = g_build_filename (dir, "class.myml", NULL);
  g_autoptr(GBytes) theirs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  MmWindow *win;
  MmSession *session;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  win = window_with_saved_project (path);
  session = mm_window_get_session (win);

  /* A colleague saves another network to the same file. */
  {
    g_autoptr(MmProject) other = mm_project_new ();
    g_free (other->network);
    other->network = g_strdup ("Linear(2, 3)");
    other->data = MM_PROJECT_DATA_TOY;
    g_assert_true (mm_project_save (other, path, &error));
    g_assert_no_error (error);
  }
  theirs = read_bytes (path);
  assert_toast (win, "“class.myml” was changed by another program. Saving will ask before overwriting it.");
  shot (GTK_WIDGET (win), "faults-changed-under-app-toast.png");

  /* Save asks; Cancel keeps their file. */
  gui_activate (win, "save", NULL);
  g_assert_nonnull (find_dialog (win));
  shot (GTK_WIDGET (find_dialog (win)), "faults-changed-under-app-dialog.png");
  text = dialog_text (find_dialog (win));
  g_test_message ("dialog: %s", text);
  g_assert_cmpstr (text, ==, "“class.myml” was changed by another program\n"
                             "The file on the disk is no longer the one you opened or saved here. Overwrite it "
                             "with your work, or save your work under another name and keep both?");
  gtk_dialog_response (GTK_DIALOG (find_dialog (win)), GTK_RESPONSE_CANCEL);
  g_assert_null (find_dialog (win));
  assert_same_bytes (theirs, path);
  g_assert_true (mm_session_is_dirty (session));

  /* Save again, Overwrite: the file is ours. */
  gui_activate (win, "save", NULL);
  g_assert_nonnull (find_dialog (win));
  gtk_dialog_response (GTK_DIALOG (find_dialog (win)), GTK_RESPONSE_ACCEPT);
  g_assert_false (mm_session_is_dirty (session));
  assert_toast (win, "Saved");
  {
    g_autoptr(MmProject) back = mm_project_load (path, &error);
    g_autoptr(MmProject) ours = mm_session_to_project (session, NULL);
    g_assert_no_error (error);
    g_assert_cmpstr (back->network, ==, ours->network);
    g_assert_cmpuint (back->steps->len, ==, 3);
  }
  /* Our own save is not news: a later Save does not ask. */
  gui_pump (300);
  gui_activate (win, "save", NULL);
  g_assert_null (find_dialog (win));

  gtk_window_destroy (GTK_WINDOW (win));
  remove_tree (dir);
}

static void
test_deleted_under_app (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "deleted", NULL);
  g_autofree char *path = g_build_filename (dir, "class.myml", NULL);
  g_autofree char *weights = g_build_filename (dir, "class.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  MmWindow *win = gui_new_window (0, 0);
  MmSession *session = mm_window_get_session (win);

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_assert_true (mm_window_save_project (win, path, &error));
  g_assert_false (mm_session_is_dirty (session));
  g_assert_cmpint (g_unlink (path), ==, 0);
  assert_toast (win, "“class.myml” was deleted from the disk. Your work is still here: save (Ctrl+S) to write it again.");

  /* Closing asks, although nothing changed in the window. */
  gtk_window_close (GTK_WINDOW (win));
  g_assert_nonnull (find_dialog (win));
  gtk_dialog_response (GTK_DIALOG (find_dialog (win)), GTK_RESPONSE_CANCEL);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (win)));

  /* Save writes it again, without asking. */
  gui_activate (win, "save", NULL);
  g_assert_null (find_dialog (win));
  assert_toast (win, "Saved");
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  {
    g_autoptr(MmProject) back = mm_project_load (path, &error);
    g_assert_no_error (error);
  }
  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (weights);
  remove_tree (dir);
}

/* Trained, stopped, then the layers changed: the stopped trainer's weights
 * belong to the old network. Saving them made a project that could not be
 * opened again ("The weights do not fit the project's network"); it is
 * saved without weights now, and opens. (Found by the soak test.) */
static void
test_save_after_edit (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "edited", NULL);
  g_autofree char *path = g_build_filename (dir, "class.myml", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MmProject) back = NULL;
  MmWindow *win = gui_new_window (0, 0);
  MmSession *session = mm_window_get_session (win);
  MmWindow *win2;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  gui_activate (win, "step", NULL);
  WAIT_FOR (trained_steps (session) == 1);
  gui_activate (win, "stop", NULL);
  WAIT_FOR (mm_session_get_state (session) == MM_TRAINER_STOPPED);
  g_assert_nonnull (mm_session_get_trainer (session));
  mm_session_set_layer_units (session, 0, 24);
  g_assert_null (mm_session_dup_params (session));
  g_assert_true (mm_window_save_project (win, path, &error));
  g_assert_no_error (error);
  back = mm_project_load (path, &error);
  g_assert_no_error (error);
  g_assert_null (back->weights);

  win2 = gui_new_window (0, 0);
  mm_window_open_project (win2, path);
  g_assert_null (find_dialog (win2));
  WAIT_FOR (mm_session_get_data_state (mm_window_get_session (win2)) == MM_DATA_STATE_READY);
  g_assert_cmpuint (mm_session_get_layer (mm_window_get_session (win2), 0)->units, ==, 24);
  gtk_window_destroy (GTK_WINDOW (win2));
  gtk_window_destroy (GTK_WINDOW (win));
  remove_tree (dir);
}

/* ---- Absurd sizes ------------------------------------------------------------------ */

static void
test_huge_model (void)
{
  MmWindow *win = gui_new_window (0, 0);
  MmSession *session = mm_window_get_session (win);
  guint n = mm_session_get_n_layers (session);

  /* Linear(2, 100000), Linear(100000, 10000) before the last layer: 10⁹. */
  g_assert_true (mm_session_add_layer_by_name (session, "linear", 0));
  mm_session_set_layer_units (session, 0, 100000);
  g_assert_true (mm_session_add_layer_by_name (session, "linear", 1));
  mm_session_set_layer_units (session, 1, 10000);
  g_assert_cmpuint (mm_session_get_n_layers (session), ==, n + 2);
  g_assert_cmpuint (mm_session_get_layer (session, 0)->units, ==, 100000);
  g_assert_cmpuint (mm_session_get_layer (session, 1)->units, ==, 10000);
  g_test_message ("problem: %s", mm_session_get_problem (session));
  g_assert_nonnull (mm_session_get_problem (session));
  g_assert_true (g_str_has_suffix (mm_session_get_problem (session),
                                   "parameters; at most 50000000 fit a classroom computer. Use fewer units."));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "train"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "step"));
  /* Train anyway (a shortcut, a script): a message, no training, no 4 GB. */
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (mm_session_train (session, &error));
    g_assert_nonnull (error);
    g_assert_cmpstr (error->message, ==, mm_session_get_problem (session));
    g_assert_null (mm_session_get_trainer (session));
  }
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_huge_batch (void)
{
  MmWindow *win = gui_new_window (0, 0);
  MmSession *session = mm_window_get_session (win);
  gsize n_train = mm_dataset_get_n_samples (mm_session_get_train_data (session));
  g_autofree char *expected = NULL;

  mm_session_get_settings (session)->batch_size = 10000000;
  mm_session_get_settings (session)->epochs = 2;
  mm_session_settings_changed (session);
  g_test_message ("problem: %s", mm_session_get_problem (session));
  g_assert_null (mm_session_get_problem (session));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "train"));
  gui_activate (win, "train", NULL);
  expected = g_strdup_printf ("The batch size 10000000 is larger than the %zu training samples: each step uses "
                              "all %zu (one step per epoch).", n_train, n_train);
  assert_toast (win, expected);
  WAIT_FOR (mm_session_get_state (session) == MM_TRAINER_FINISHED);
  g_assert_cmpuint (trained_steps (session), ==, 2);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_divergence (void)
{
  MmWindow *win = gui_new_window (0, 0);
  MmSession *session = mm_window_get_session (win);
  const MmLayerSpec relu_net[] = {
    { .kind = MM_LAYER_LINEAR, .units = 100 },
    { .kind = MM_LAYER_ACTIVATION, .op = MM_OP_RELU },
    { .kind = MM_LAYER_LINEAR, .units = 100 },
    { .kind = MM_LAYER_ACTIVATION, .op = MM_OP_RELU },
    { .kind = MM_LAYER_LINEAR, .units = 3 },
  };
  g_autoptr(MmParams) params = NULL;
  const char *toast;

  mm_session_set_layers (session, relu_net, G_N_ELEMENTS (relu_net));
  mm_session_get_settings (session)->optimizer.lr = 1e6;
  mm_session_get_settings (session)->epochs = 100;
  mm_session_settings_changed (session);
  g_assert_null (mm_session_get_problem (session));
  gui_activate (win, "train", NULL);
  WAIT_FOR (mm_session_get_state (session) != MM_TRAINER_RUNNING);
  g_test_message ("state %d, lr %g", mm_session_get_state (session), mm_session_get_settings (session)->optimizer.lr);
  g_assert_cmpint (mm_session_get_state (session), ==, MM_TRAINER_DIVERGED);
  WAIT_FOR (mm_window_get_toast (win) != NULL && g_str_has_prefix (mm_window_get_toast (win), "Training diverged"));
  toast = mm_window_get_toast (win);
  g_test_message ("toast: %s", toast);
  g_assert_true (g_regex_match_simple ("^Training diverged at step [0-9]+ \\(epoch [0-9]+, batch [0-9]+\\): .*"
                                       "Try a smaller learning rate\\.$", toast, 0, 0));
  /* The network is not silently corrupted: the step that went wrong was not applied. */
  params = mm_session_dup_params (session);
  g_assert_nonnull (params);
  if (strstr (toast, "the loss became") != NULL)
    g_assert_true (mm_params_all_finite (params, NULL));
  g_assert_null (find_dialog (win));
  gtk_window_destroy (GTK_WINDOW (win));
}

/* ---- Bad data ---------------------------------------------------------------------------- */

static void
check_csv (MmWindow   *win,
           const char *name,
           const char *content,
           const char *after_path)
{
  MmSession *session = mm_window_get_session (win);
  MmSessionSettings *s = mm_session_get_settings (session);
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autofree char *expected = g_strdup_printf ("'%s'%s", path, after_path);

  g_assert_true (g_file_set_contents (path, content, -1, NULL));
  s->data = MM_DATA_CSV;
  g_free (s->csv_path);
  s->csv_path = g_strdup (path);
  mm_session_settings_changed (session);
  WAIT_FOR (mm_session_get_data_state (session) != MM_DATA_STATE_LOADING);
  g_assert_cmpint (mm_session_get_data_state (session), ==, MM_DATA_STATE_FAILED);
  g_assert_cmpstr (mm_session_get_data_message (session), ==, expected);
  /* The window says it (the status line), and nothing can be trained. */
  WAIT_FOR (shows_label (GTK_WIDGET (win), expected));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "train"));
  g_assert_null (find_dialog (win));
  g_unlink (path);
}

static void
test_bad_csv (void)
{
  MmWindow *win = gui_new_window (0, 0);

  check_csv (win, "one-class.csv", "x,y,label\n1,2,0\n3,4,0\n5,6,0\n",
             " has only one class: every label is 0. A classifier needs examples of at least two classes to tell apart");
  check_csv (win, "header-only.csv", "x,y,label\n", " has a header but no data rows");
  check_csv (win, "zero-rows.csv", "", " is empty");
  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int argc, char **argv)
{
  int status;

  gui_harness_init (&argc, &argv, GUI_HARNESS_DEMO_TOY, 60);
  tmpdir = g_dir_make_tmp ("myml-faults-app-XXXXXX", NULL);

  g_test_add_func ("/faults-app/save/full-disk", test_save_full_disk);
  g_test_add_func ("/faults-app/save/read-only-folder", test_save_read_only);
  g_test_add_func ("/faults-app/save/autosave-fails", test_autosave_fails);
  g_test_add_func ("/faults-app/file/changed-under-app", test_changed_under_app);
  g_test_add_func ("/faults-app/file/deleted-under-app", test_deleted_under_app);
  g_test_add_func ("/faults-app/file/save-after-edit", test_save_after_edit);
  g_test_add_func ("/faults-app/size/huge-model", test_huge_model);
  g_test_add_func ("/faults-app/size/huge-batch", test_huge_batch);
  g_test_add_func ("/faults-app/divergence", test_divergence);
  g_test_add_func ("/faults-app/data/bad-csv", test_bad_csv);
  status = gui_harness_run ();
  remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
