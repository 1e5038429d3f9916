/* test-window.c — the main window driven through its actions, under a
 * virtual display: editing the network, validation, training, pause, step,
 * stop, closing while training; a PNG of the window for a reviewer. */
#include <gtk/gtk.h>
#include <myml.h>
#include <string.h>
#include <math.h>
#include <glib/gstdio.h>
#include "mm-window.h"
#include "mm-model-builder.h"
#include "mm-plot.h"
#include "mm-decision-view.h"
#include "mm-graph-page.h"
#include "mm-expression-lab.h"
#include "mm-filter-view.h"

#include "gui-harness.h"

static gboolean
enabled (MmWindow   *win,
         const char *action)
{
  return g_action_group_get_action_enabled (G_ACTION_GROUP (win), action);
}

static guint64
history_len (MmSession *session)
{
  MmTrainer *t = mm_session_get_trainer (session);
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));

  if (t == NULL)
    return 0;
  return mm_trainer_get_history (t, 0, points);
}

static void
test_edit_network (void)
{
  MmWindow *win = gui_new_window (0, 0);
  MmSession *session = mm_window_get_session (win);
  MmModelBuilder *builder = MM_MODEL_BUILDER (mm_window_get_model_builder (win));
  guint n = mm_session_get_n_layers (session);

  /* The spiral demo: Linear(16) Tanh Linear(16) Tanh Linear(3). */
  g_assert_cmpuint (n, ==, 5);
  g_assert_null (mm_session_get_problem (session));
  g_assert_true (enabled (win, "train"));

  /* A Linear layer of 32 at the end: 32 outputs for 3 classes is wrong,
   * said at that layer and in the builder, and Train is disabled. */
  gui_activate (win, "add-layer", g_variant_new_string ("linear"));
  g_assert_cmpuint (mm_session_get_n_layers (session), ==, n + 1);
  g_assert_cmpint (mm_session_get_layer (session, n)->kind, ==, MM_LAYER_LINEAR);
  g_assert_nonnull (mm_session_get_problem (session));
  g_assert_nonnull (strstr (mm_model_builder_get_problem_text (builder), "32 outputs"));
  g_assert_nonnull (strstr (mm_model_builder_get_problem_text (builder), "3 classes"));
  g_assert_nonnull (mm_session_get_layer_check (session, n)->error);
  g_assert_null (mm_session_get_layer_check (session, 0)->error);
  g_assert_false (enabled (win, "train"));

  /* Its units set to 3 fixes it. */
  mm_session_set_layer_units (session, n, 3);
  g_assert_null (mm_session_get_problem (session));
  g_assert_true (enabled (win, "train"));
  g_assert_cmpstr (mm_session_get_layer_check (session, n)->shape, ==, "(32, 3)");

  /* Remove it again through the action. */
  gui_activate (win, "remove-layer", g_variant_new_uint32 (n));
  g_assert_cmpuint (mm_session_get_n_layers (session), ==, n);

  /* Reorder: Tanh to the front, then back. Shapes flow from the input. */
  gui_activate (win, "move-layer", g_variant_new ("(uu)", 1, 0));
  g_assert_cmpint (mm_session_get_layer (session, 0)->kind, ==, MM_LAYER_ACTIVATION);
  g_assert_cmpint (mm_session_get_layer (session, 1)->kind, ==, MM_LAYER_LINEAR);
  g_assert_cmpstr (mm_session_get_layer_check (session, 0)->shape, ==, "(32, 2)");
  g_assert_null (mm_session_get_problem (session));
  gui_activate (win, "move-layer", g_variant_new ("(uu)", 0, 1));
  g_assert_cmpint (mm_session_get_layer (session, 0)->kind, ==, MM_LAYER_LINEAR);
  g_assert_cmpuint (mm_session_get_layer_check (session, 0)->n_params, ==, 2 * 16 + 16);

  /* Rows follow: row 4 shows the last Linear. */
  g_assert_nonnull (mm_model_builder_get_row (builder, 4));
  g_assert_null (mm_model_builder_get_row (builder, 5));

  /* An unknown layer name is refused without a change. */
  gui_activate (win, "add-layer", g_variant_new_string ("conv9d"));
  g_assert_cmpuint (mm_session_get_n_layers (session), ==, n);

  /* Another data set with 2 classes: the output layer follows. */
  mm_session_get_settings (session)->toy = MM_TOY_XOR;
  mm_session_get_settings (session)->toy_classes = 2;
  mm_session_settings_changed (session);
  WAIT_FOR (mm_session_get_data_state (session) == MM_DATA_STATE_READY);
  g_assert_cmpuint (mm_session_get_layer (session, n - 1)->units, ==, 2);
  g_assert_null (mm_session_get_problem (session));

  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_train_pause_step_stop (void)
{
  MmWindow *win = gui_new_window (0, 0);
  MmSession *session = mm_window_get_session (win);
  guint64 before;

  /* Slow enough that pausing happens mid-run. */
  mm_session_get_settings (session)->epochs = 1000;
  mm_session_settings_changed (session);

  gui_activate (win, "train", NULL);
  WAIT_FOR (history_len (session) >= 20);
  g_assert_cmpint (mm_session_get_state (session), ==, MM_TRAINER_RUNNING);
  g_assert_false (enabled (win, "train"));
  g_assert_true (enabled (win, "pause"));

  gui_activate (win, "pause", NULL);
  WAIT_FOR (mm_trainer_get_state (mm_session_get_trainer (session)) == MM_TRAINER_PAUSED);
  /* The state says paused at once; the batch in flight still finishes (a
   * long one under valgrind). */
  mm_trainer_wait_idle (mm_session_get_trainer (session));
  before = history_len (session);
  g_usleep (100000);
  g_assert_cmpuint (history_len (session), ==, before);   /* paused means paused */

  /* One batch per Step. */
  gui_activate (win, "step", NULL);
  WAIT_FOR (history_len (session) == before + 1);
  gui_activate (win, "step", NULL);
  WAIT_FOR (history_len (session) == before + 2);
  g_usleep (50000);
  g_assert_cmpuint (history_len (session), ==, before + 2);

  /* Resume with another learning rate: it applies from the next batch, the
   * weights are not reset, and the plot marks the change. */
  mm_session_set_lr (session, 0.003);
  gui_activate (win, "train", NULL);
  WAIT_FOR (history_len (session) >= before + 20);
  {
    g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
    mm_trainer_get_history (mm_session_get_trainer (session), 0, points);
    g_assert_cmpuint (points->len, >=, before + 20);
    g_assert_cmpfloat (g_array_index (points, MmStepPoint, 0).lr, ==, 0.01f);
    g_assert_cmpfloat (g_array_index (points, MmStepPoint, points->len - 1).lr, ==, 0.003f);
  }
  gui_activate (win, "stop", NULL);
  WAIT_FOR (mm_session_get_state (session) == MM_TRAINER_STOPPED);
  g_assert_true (enabled (win, "train"));

  /* Train again continues from these weights: the step count goes on. */
  before = mm_trainer_get_progress (mm_session_get_trainer (session)).step;
  gui_activate (win, "train", NULL);
  WAIT_FOR (history_len (session) >= 5);
  g_assert_cmpuint (mm_session_get_step_offset (session), ==, before);
  gui_save_png (GTK_WIDGET (win), "window-training.png");

  /* Closing while training stops the worker cleanly. */
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_spiral_learns (void)
{
  MmWindow *win = gui_new_window (0, 0);
  MmSession *session = mm_window_get_session (win);
  MmPlot *plot = MM_PLOT (mm_window_get_plot (win));
  MmDecisionView *view = MM_DECISION_VIEW (mm_window_get_decision_view (win));
  g_autoptr(GArray) epochs = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  const MmTrainerRecord *last;
  g_autofree float *before = NULL;
  const float *field;
  double bounds[4];
  guint w = 0, h = 0, nc = 0;
  gsize field_size, differ = 0;
  guint64 generation;

  /* The untrained network's boundary is drawn before training starts. */
  WAIT_FOR (mm_decision_view_get_field (view, &w, &h, &nc, bounds) != NULL && !mm_decision_view_is_computing (view));
  field_size = (gsize) w * h * nc;
  g_assert_cmpuint (field_size, >, 0);
  before = g_memdup2 (mm_decision_view_get_field (view, NULL, NULL, NULL, bounds), field_size * sizeof (float));
  generation = mm_decision_view_get_generation (view);
  g_assert_cmpuint (mm_plot_get_n_points (plot, 0), ==, 0);

  mm_session_get_settings (session)->epochs = 60;
  mm_session_settings_changed (session);
  gui_activate (win, "train", NULL);
  WAIT_FOR (mm_session_get_state (session) == MM_TRAINER_FINISHED);
  mm_trainer_get_epochs (mm_session_get_trainer (session), 0, epochs);
  g_assert_cmpuint (epochs->len, ==, 60);
  last = &g_array_index (epochs, MmTrainerRecord, epochs->len - 1);
  g_test_message ("spiral after 60 epochs: test accuracy %.3f", last->test_accuracy);
  g_assert_cmpfloat (last->test_accuracy, >, 0.8);

  /* The plot has every step and every epoch. */
  WAIT_FOR (mm_plot_get_n_points (plot, 0) == history_len (session));
  g_assert_cmpuint (mm_plot_get_n_points (plot, 0), ==, 60 * mm_trainer_get_n_batches (mm_session_get_trainer (session)));
  WAIT_FOR (mm_plot_get_n_points (plot, 3) == 60);

  /* The boundary moved: the trained field differs from the untrained one. */
  WAIT_FOR (mm_decision_view_get_generation (view) > generation && !mm_decision_view_is_computing (view));
  field = mm_decision_view_get_field (view, NULL, NULL, NULL, bounds);
  g_assert_nonnull (field);
  for (gsize i = 0; i < field_size; i++)
    differ += fabsf (field[i] - before[i]) > 1e-3f;
  g_test_message ("decision field: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " values changed", differ, field_size);
  g_assert_cmpuint (differ, >, field_size / 10);
  gui_save_png (GTK_WIDGET (win), "window-spiral.png");
  gtk_window_destroy (GTK_WINDOW (win));
}

static GtkWidget *
find_dialog (MmWindow *win)
{
  GListModel *tops = gtk_window_get_toplevels ();   /* owned by GTK */

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (tops, i);
      if (GTK_IS_MESSAGE_DIALOG (w) && gtk_window_get_transient_for (w) == GTK_WINDOW (win))
        return GTK_WIDGET (w);
    }
  return NULL;
}

static void
assert_same_project (const MmProject *a,
                     const MmProject *b)
{
  g_assert_cmpstr (a->network, ==, b->network);
  g_assert_cmpint (a->data, ==, b->data);
  g_assert_cmpint (a->toy, ==, b->toy);
  g_assert_cmpuint (a->toy_samples, ==, b->toy_samples);
  g_assert_cmpfloat (a->toy_noise, ==, b->toy_noise);
  g_assert_cmpint (a->loss, ==, b->loss);
  g_assert_cmpmem (&a->optimizer, sizeof a->optimizer, &b->optimizer, sizeof b->optimizer);
  g_assert_cmpfloat (a->l1, ==, b->l1);
  g_assert_cmpfloat (a->l2, ==, b->l2);
  g_assert_cmpuint (a->batch_size, ==, b->batch_size);
  g_assert_cmpuint (a->epochs, ==, b->epochs);
  g_assert_cmpuint (a->seed, ==, b->seed);
  g_assert_cmpuint (a->steps->len, ==, b->steps->len);
  for (guint i = 0; i < a->steps->len; i++)
    {
      const MmStepPoint *pa = &g_array_index (a->steps, MmStepPoint, i);
      const MmStepPoint *pb = &g_array_index (b->steps, MmStepPoint, i);
      g_assert_cmpuint (pa->step, ==, pb->step);
      g_assert_cmpuint (pa->epoch, ==, pb->epoch);
      g_assert_cmpfloat (pa->loss, ==, pb->loss);
      g_assert_cmpfloat (pa->data_loss, ==, pb->data_loss);
      g_assert_cmpfloat (pa->penalty, ==, pb->penalty);
      g_assert_cmpfloat (pa->lr, ==, pb->lr);
    }
  g_assert_nonnull (a->weights);
  g_assert_nonnull (b->weights);
  g_assert_cmpuint (mm_params_get_n (a->weights), ==, mm_params_get_n (b->weights));
  for (guint i = 0; i < mm_params_get_n (a->weights); i++)
    {
      MmTensor *ta = mm_params_get_tensor (a->weights, i);
      MmTensor *tb = mm_params_lookup (b->weights, mm_params_get_name (a->weights, i));
      g_assert_nonnull (tb);
      g_assert_cmpmem (ta->data, ta->size * sizeof (float), tb->data, tb->size * sizeof (float));
    }
}

static void
test_project_round_trip (void)
{
  MmWindow *win = gui_new_window (0, 0);
  MmWindow *win2;
  MmSession *session = mm_window_get_session (win);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("myml-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "spiral.myml", NULL);
  g_autofree char *bad = g_build_filename (dir, "broken.myml", NULL);
  g_autofree char *weights = NULL;
  g_autoptr(MmProject) saved = NULL;
  g_autoptr(MmProject) reopened = NULL;
  guint n_layers;

  /* Some settings off their defaults, and a little training. */
  mm_session_get_settings (session)->l2 = 0.001;
  mm_session_get_settings (session)->seed = 7;
  mm_session_settings_changed (session);
  WAIT_FOR (mm_session_get_data_state (session) == MM_DATA_STATE_READY);
  gui_activate (win, "step", NULL);
  gui_activate (win, "step", NULL);
  gui_activate (win, "step", NULL);
  WAIT_FOR (history_len (session) == 3);
  gui_activate (win, "stop", NULL);
  WAIT_FOR (mm_session_get_state (session) == MM_TRAINER_STOPPED);
  g_assert_true (mm_session_is_dirty (session));

  g_assert_true (mm_window_save_project (win, path, &error));
  g_assert_no_error (error);
  g_assert_false (mm_session_is_dirty (session));
  weights = g_build_filename (dir, "spiral.safetensors", NULL);
  g_assert_true (g_file_test (weights, G_FILE_TEST_EXISTS));
  saved = mm_session_to_project (mm_window_get_session (win), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (saved->steps->len, ==, 3);

  /* A second window opens it: the same network, settings, weights, history. */
  win2 = gui_new_window (0, 0);
  mm_window_open_project (win2, path);
  if (find_dialog (win2) != NULL)
    g_error ("opening the saved project failed: %s",
             gtk_message_dialog_get_message_area (GTK_MESSAGE_DIALOG (find_dialog (win2))) ?
             gtk_label_get_label (GTK_LABEL (gtk_widget_get_last_child (gtk_message_dialog_get_message_area (GTK_MESSAGE_DIALOG (find_dialog (win2)))))) : "?");
  WAIT_FOR (mm_session_get_data_state (mm_window_get_session (win2)) == MM_DATA_STATE_READY);
  reopened = mm_session_to_project (mm_window_get_session (win2), &error);
  g_assert_no_error (error);
  assert_same_project (saved, reopened);
  g_assert_false (mm_session_is_dirty (mm_window_get_session (win2)));

  /* A broken file: a dialog says so, and nothing changes. */
  g_assert_true (g_file_set_contents (bad, "{\"format\": \"myml-studio-project\", \"version\": 99}", -1, NULL));
  n_layers = mm_session_get_n_layers (mm_window_get_session (win2));
  mm_window_open_project (win2, bad);
  g_assert_nonnull (find_dialog (win2));
  g_assert_cmpuint (mm_session_get_n_layers (mm_window_get_session (win2)), ==, n_layers);
  g_assert_false (mm_session_is_dirty (mm_window_get_session (win2)));
  gtk_window_destroy (GTK_WINDOW (find_dialog (win2)));

  gtk_window_destroy (GTK_WINDOW (win2));
  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (path);
  g_unlink (weights);
  g_unlink (bad);
  g_rmdir (dir);
}

/* A project saved by the app trains in myml-train exactly as in the app. */
static void
test_project_trains_identically_in_cli (void)
{
  MmWindow *win = gui_new_window (0, 0);
  MmSession *session = mm_window_get_session (win);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("myml-cli-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "same.myml", NULL);
  g_autofree char *log = g_build_filename (dir, "log.csv", NULL);
  g_autofree char *csv = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GArray) in_app = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  g_auto(GStrv) lines = NULL;
  const char *train = g_getenv ("MYML_TRAIN");
  int status = -1;
  guint n = 0;

  if (train == NULL)
    {
      g_test_skip ("MYML_TRAIN (the path of myml-train) is not set");
      gtk_window_destroy (GTK_WINDOW (win));
      return;
    }
  mm_session_get_settings (session)->epochs = 2;
  mm_session_settings_changed (session);
  g_assert_true (mm_window_save_project (win, path, &error));
  g_assert_no_error (error);

  gui_activate (win, "train", NULL);
  WAIT_FOR (mm_session_get_state (session) == MM_TRAINER_FINISHED);
  WAIT_FOR ((g_array_set_size (in_app, 0), mm_session_get_history (session, 0, in_app)) > 0 &&
            in_app->len == history_len (session));

  {
    const char *argv[] = { train, "--project", path, "--threads", "1", "--log", log, "--quiet", NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
    g_assert_no_error (error);
    if (!g_spawn_check_wait_status (status, NULL))
      g_error ("myml-train failed: %s", err);
  }
  g_assert_true (g_file_get_contents (log, &csv, NULL, NULL));
  lines = g_strsplit (csv, "\n", -1);
  for (guint i = 1; lines[i] && lines[i][0]; i++, n++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ",", -1);
      const MmStepPoint *p = &g_array_index (in_app, MmStepPoint, n);
      g_assert_cmpuint (n, <, in_app->len);
      g_assert_cmpuint (g_ascii_strtoull (f[0], NULL, 10), ==, p->step);
      /* %.9g round-trips a float exactly: the losses are bit for bit the same. */
      g_assert_cmpfloat ((float) g_ascii_strtod (f[2], NULL), ==, p->loss);
    }
  g_assert_cmpuint (n, ==, in_app->len);
  g_test_message ("%u steps identical in the app and in myml-train", n);

  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (log);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_presets (void)
{
  MmWindow *win = gui_new_window (0, 0);
  MmSession *session = mm_window_get_session (win);
  const char *names[] = { "xor", "overfitting", "bad-lr", "spiral" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gui_activate (win, "preset", g_variant_new_string (names[i]));
      WAIT_FOR (mm_session_get_data_state (session) != MM_DATA_STATE_LOADING);
      g_assert_cmpint (mm_session_get_data_state (session), ==, MM_DATA_STATE_READY);
      g_assert_null (mm_session_get_problem (session));
      g_assert_true (enabled (win, "train"));
    }
  g_assert_cmpuint (mm_dataset_get_n_classes (mm_session_get_train_data (session)), ==, 3);

  /* The seed's expression example opens on the graph page, in the lab. */
  gui_activate (win, "preset", g_variant_new_string ("seed-expression"));
  g_assert_nonnull (mm_expression_lab_find (mm_graph_page_get_lab (MM_GRAPH_PAGE (mm_window_get_graph_page (win))), "crazy_sum"));

  /* Classroom mode: bigger everything, and back. */
  g_action_group_change_action_state (G_ACTION_GROUP (win), "classroom", g_variant_new_boolean (TRUE));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (win), "classroom"));
  g_assert_cmpfloat (mm_plot_get_presentation_scale (MM_PLOT (mm_window_get_plot (win))), >, 1.0);
  gui_save_png (GTK_WIDGET (win), "window-classroom.png");
  g_action_group_change_action_state (G_ACTION_GROUP (win), "classroom", g_variant_new_boolean (FALSE));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (win), "classroom"));
  gtk_window_destroy (GTK_WINDOW (win));
}

/* ---- Layers for images ------------------------------------------------------ */

static gboolean
have_fashion_mnist (void)
{
  g_autofree char *probe = g_build_filename (mm_dataset_get_fashion_mnist_dir (), "train-images-idx3-ubyte.gz", NULL);
  return g_file_test (probe, G_FILE_TEST_EXISTS);
}

/* The first descendant of @widget of type @type, depth first. */
static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_descendant (c, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The spin button of @row whose tooltip is @tooltip (the tests run untranslated). */
static GtkSpinButton *
find_spin (GtkWidget  *widget,
           const char *tooltip)
{
  if (GTK_IS_SPIN_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0)
    return GTK_SPIN_BUTTON (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkSpinButton *found = find_spin (c, tooltip);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A window on Fashion-MNIST with no layers, or NULL (test skipped) when the
 * data set is not installed. */
static MmWindow *
new_fashion_window (void)
{
  MmWindow *win;
  MmSession *session;

  if (!have_fashion_mnist ())
    {
      g_test_skip ("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
      return NULL;
    }
  win = gui_new_window (0, 0);
  session = mm_window_get_session (win);
  gui_activate (win, "preset", g_variant_new_string ("fashion"));
  WAIT_FOR (mm_session_get_data_state (session) != MM_DATA_STATE_LOADING);
  g_assert_cmpint (mm_session_get_data_state (session), ==, MM_DATA_STATE_READY);
  while (mm_session_get_n_layers (session) > 0)
    gui_activate (win, "remove-layer", g_variant_new_uint32 (0));
  return win;
}

static void
count_signal (guint *count)
{
  (*count)++;
}

static const char *
layer_shape (MmSession *session,
             guint      index)
{
  return mm_session_get_layer_check (session, index)->shape;
}

static const char *
layer_error (MmSession *session,
             guint      index)
{
  return mm_session_get_layer_check (session, index)->error;
}

/* A CNN built through the actions: shapes, parameters and titles flow from
 * the data; settings edited in the rows go through the session, one
 * "model-changed" per change; the usual mistakes are named at their layer. */
static void
test_cnn_layers (void)
{
  MmWindow *win = new_fashion_window ();
  MmSession *session;
  MmModelBuilder *builder;
  GtkWidget *row;
  GtkSpinButton *kernel;
  guint changes = 0;
  const char *names[] = { "image", "conv2d", "batchnorm", "relu", "maxpool2d", "avgpool2d", "flatten",
                          "dropout", "linear" };

  if (win == NULL)
    return;
  session = mm_window_get_session (win);
  builder = MM_MODEL_BUILDER (mm_window_get_model_builder (win));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    gui_activate (win, "add-layer", g_variant_new_string (names[i]));
  g_assert_cmpuint (mm_session_get_n_layers (session), ==, G_N_ELEMENTS (names));
  g_assert_cmpint (mm_session_get_layer (session, 1)->kind, ==, MM_LAYER_CONV2D);
  g_assert_cmpint (mm_session_get_layer (session, 5)->kind, ==, MM_LAYER_AVG_POOL);

  /* (64, 28, 28) → images of one channel → six 5×5 filters → … */
  g_assert_cmpstr (layer_shape (session, 0), ==, "(64, 1, 28, 28)");
  g_assert_cmpstr (mm_session_get_layer_check (session, 0)->title, ==, "Image (1×28×28)");
  g_assert_cmpstr (layer_shape (session, 1), ==, "(64, 6, 24, 24)");
  g_assert_cmpuint (mm_session_get_layer_check (session, 1)->n_params, ==, 6 * 1 * 5 * 5 + 6);
  g_assert_cmpstr (layer_shape (session, 2), ==, "(64, 6, 24, 24)");
  g_assert_cmpstr (mm_session_get_layer_check (session, 2)->title, ==, "BatchNorm2d");
  g_assert_cmpuint (mm_session_get_layer_check (session, 2)->n_params, ==, 12);   /* γ, β; not the buffers */
  g_assert_cmpstr (layer_shape (session, 4), ==, "(64, 6, 12, 12)");
  g_assert_cmpstr (layer_shape (session, 5), ==, "(64, 6, 6, 6)");
  g_assert_cmpstr (layer_shape (session, 6), ==, "(64, 216)");
  g_assert_cmpstr (layer_shape (session, 7), ==, "(64, 216)");
  g_assert_cmpstr (layer_shape (session, 8), ==, "(64, 32)");
  /* 32 outputs for 10 classes: said at the Linear layer. */
  g_assert_nonnull (strstr (layer_error (session, 8), "10 classes"));
  mm_session_set_layer_units (session, 8, 10);
  g_assert_null (mm_session_get_problem (session));
  g_assert_true (enabled (win, "train"));
  g_assert_cmpuint (mm_session_get_n_params (session), ==, 156 + 12 + 2170);

  /* The Conv2d row edits its kernel in place: one change, one signal. */
  g_signal_connect_swapped (session, "model-changed", G_CALLBACK (count_signal), &changes);
  row = mm_model_builder_get_row (builder, 1);
  kernel = find_spin (row, "Size of the square window, in pixels");
  g_assert_nonnull (kernel);
  g_assert_true (gtk_widget_is_visible (GTK_WIDGET (kernel)));
  g_assert_cmpfloat (gtk_spin_button_get_value (kernel), ==, 5);
  g_assert_false (gtk_widget_is_visible (GTK_WIDGET (find_spin (mm_model_builder_get_row (builder, 4),
                                                                "Spacing between the pixels the kernel looks at (1: next to each other)"))));
  gtk_spin_button_set_value (kernel, 3);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_cmpuint (mm_session_get_layer (session, 1)->kernel, ==, 3);
  g_assert_cmpstr (layer_shape (session, 1), ==, "(64, 6, 26, 26)");
  mm_session_set_layer_setting (session, 1, MM_LAYER_SETTING_KERNEL, 3);     /* unchanged: no signal */
  g_assert_cmpuint (changes, ==, 1);
  mm_session_set_layer_setting (session, 1, MM_LAYER_SETTING_PADDING, 1);
  mm_session_set_layer_setting (session, 1, MM_LAYER_SETTING_STRIDE, 2);
  g_assert_cmpuint (changes, ==, 3);
  g_assert_cmpstr (layer_shape (session, 1), ==, "(64, 6, 14, 14)");
  mm_session_set_layer_setting (session, 1, MM_LAYER_SETTING_DILATION, 2);
  g_assert_cmpstr (layer_shape (session, 1), ==, "(64, 6, 13, 13)");
  mm_session_set_layer_setting (session, 7, MM_LAYER_SETTING_RATE, 0.1 + 0.2);   /* 0.30000000000000004 */
  g_assert_cmpfloat (mm_session_get_layer (session, 7)->rate, ==, 0.3);
  mm_session_set_layer_setting (session, 7, MM_LAYER_SETTING_RATE, 1.0);         /* refused */
  mm_session_set_layer_setting (session, 4, MM_LAYER_SETTING_DILATION, 2);        /* pooling has none */
  mm_session_set_layer_setting (session, 1, MM_LAYER_SETTING_UNITS, 0);           /* refused */
  g_assert_cmpuint (changes, ==, 5);
  g_assert_cmpfloat (mm_session_get_layer (session, 7)->rate, ==, 0.3);
  /* The row shows what the session holds. */
  g_assert_cmpfloat (gtk_spin_button_get_value (find_spin (mm_model_builder_get_row (builder, 1),
                                                           "How many pixels the window moves at each step")), ==, 2);
  mm_session_set_layer_setting (session, 1, MM_LAYER_SETTING_STRIDE, 1);
  mm_session_set_layer_setting (session, 1, MM_LAYER_SETTING_DILATION, 1);
  mm_session_set_layer_setting (session, 1, MM_LAYER_SETTING_PADDING, 0);
  g_assert_cmpstr (layer_shape (session, 1), ==, "(64, 6, 26, 26)");
  g_assert_null (mm_session_get_problem (session));

  /* Mistake 1: a kernel larger than the padded image. */
  mm_session_set_layer_setting (session, 1, MM_LAYER_SETTING_KERNEL, 30);
  g_assert_nonnull (layer_error (session, 1));
  g_test_message ("kernel too large: %s", layer_error (session, 1));
  g_assert_nonnull (strstr (layer_error (session, 1), "30×30 kernel does not fit the 28×28 image"));
  g_assert_nonnull (strstr (mm_model_builder_get_problem_text (builder), "Layer 1:"));
  g_assert_false (enabled (win, "train"));
  /* … and in a later layer: pooling twice the image away. */
  mm_session_set_layer_setting (session, 1, MM_LAYER_SETTING_KERNEL, 5);
  mm_session_set_layer_setting (session, 5, MM_LAYER_SETTING_KERNEL, 14);
  g_assert_nonnull (strstr (layer_error (session, 5), "14×14 window does not fit the 12×12 image"));
  g_assert_null (layer_error (session, 1));
  mm_session_set_layer_setting (session, 5, MM_LAYER_SETTING_KERNEL, 2);
  /* Padding beyond what the kernel reaches. */
  mm_session_set_layer_setting (session, 1, MM_LAYER_SETTING_PADDING, 5);
  g_assert_nonnull (strstr (layer_error (session, 1), "at most 4"));
  mm_session_set_layer_setting (session, 1, MM_LAYER_SETTING_PADDING, 0);
  g_assert_null (mm_session_get_problem (session));

  /* Mistake 2: a Linear layer on images, without Flatten. */
  gui_activate (win, "remove-layer", g_variant_new_uint32 (6));
  g_assert_cmpint (mm_session_get_layer (session, 7)->kind, ==, MM_LAYER_LINEAR);
  g_assert_nonnull (layer_error (session, 7));
  g_test_message ("Linear on images: %s", layer_error (session, 7));
  g_assert_nonnull (strstr (layer_error (session, 7), "receives images of shape (64, 6, 6, 6)"));
  g_assert_nonnull (strstr (layer_error (session, 7), "Add a Flatten layer before it"));
  g_assert_nonnull (strstr (mm_model_builder_get_problem_text (builder), "Layer 7:"));
  g_assert_false (enabled (win, "train"));
  mm_session_add_layer_by_name (session, "flatten", 6);
  g_assert_null (mm_session_get_problem (session));

  /* Mistake 3: a convolution on (N, 28, 28) and on (N, 784), without the Image layer. */
  gui_activate (win, "remove-layer", g_variant_new_uint32 (0));
  g_assert_cmpint (mm_session_get_layer (session, 0)->kind, ==, MM_LAYER_CONV2D);
  g_test_message ("Conv2d on 2-D images: %s", layer_error (session, 0));
  g_assert_nonnull (strstr (layer_error (session, 0), "receives shape (64, 28, 28)"));
  g_assert_nonnull (strstr (layer_error (session, 0), "Add an “Image (1×H×W)” layer before it"));
  g_assert_nonnull (strstr (mm_model_builder_get_problem_text (builder), "Layer 0:"));
  g_assert_false (enabled (win, "train"));
  mm_session_add_layer_by_name (session, "flatten", 0);
  g_assert_nonnull (strstr (layer_error (session, 1), "receives shape (64, 784)"));
  /* The Image layer makes a square image of 784 numbers too. */
  mm_session_add_layer_by_name (session, "image", 1);
  g_assert_cmpstr (layer_shape (session, 1), ==, "(64, 1, 28, 28)");
  g_assert_null (mm_session_get_problem (session));
  g_assert_true (enabled (win, "train"));

  /* A network that ends in images says how to finish it. */
  mm_session_set_layers (session, NULL, 0);
  mm_session_add_layer_by_name (session, "image", -1);
  mm_session_add_layer_by_name (session, "conv2d", -1);
  g_assert_nonnull (strstr (layer_error (session, 1), "End it with a Flatten layer and a Linear layer"));
  /* A network with a mistake is still saved, as one that opens again. */
  mm_session_set_layer_setting (session, 1, MM_LAYER_SETTING_PADDING, 9);
  g_assert_nonnull (strstr (layer_error (session, 1), "at most 4"));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(MmProject) p = mm_session_to_project (session, &error);
    g_autoptr(MmModule) m = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (p->network, ==, "Reshape(1, 28, 28); Conv2d(1, 6, 5, 1, 4, 1)");
    m = mm_module_parse (p->network, &error);
    g_assert_no_error (error);
  }

  /* A spec that leaves settings at 0 gets the defaults, not a broken layer. */
  mm_session_insert_layer (session, -1, &(MmLayerSpec) { .kind = MM_LAYER_MAX_POOL });
  g_assert_cmpuint (mm_session_get_layer (session, 2)->kernel, ==, 2);
  g_assert_cmpuint (mm_session_get_layer (session, 2)->stride, ==, 2);
  mm_session_set_layer_setting (session, 1, MM_LAYER_SETTING_KERNEL, 1e9);     /* refused */
  g_assert_cmpuint (mm_session_get_layer (session, 1)->kernel, ==, 5);

  g_signal_handlers_disconnect_by_data (session, &changes);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* The filter view's pictures are the weights of @params' @name (one input
 * channel: the mean over channels is the weight itself). */
static gboolean
filters_show (MmFilterView *view,
              MmParams     *params,
              const char   *name)
{
  MmTensor *w = mm_params_lookup (params, name);
  guint n, c, h, wd;
  const float *values = mm_filter_view_get_filters (view, &n, &c, &h, &wd);

  if (values == NULL || mm_filter_view_is_computing (view) || w == NULL)
    return FALSE;
  g_assert_cmpuint (n, ==, w->shape.dim[0]);
  g_assert_cmpuint (c, ==, 1);
  g_assert_cmpuint (h, ==, w->shape.dim[2]);
  g_assert_cmpuint (wd, ==, w->shape.dim[3]);
  return memcmp (values, w->data, w->size * sizeof (float)) == 0;
}

/* The LeNet preset: its layers and shapes, a few steps of training, and the
 * filter view following the first convolution's weights. */
static void
test_lenet_filters (void)
{
  MmWindow *win;
  MmSession *session;
  MmFilterView *view;
  const MmSessionSettings *s;
  g_autoptr(MmParams) before = NULL;
  g_autoptr(MmParams) after = NULL;
  g_autofree char *name = NULL;
  const char *shapes[] = { "(64, 1, 28, 28)", "(64, 6, 24, 24)", "(64, 6, 24, 24)", "(64, 6, 12, 12)",
                           "(64, 16, 8, 8)", "(64, 16, 8, 8)", "(64, 16, 4, 4)", "(64, 256)", "(64, 120)",
                           "(64, 120)", "(64, 84)", "(64, 84)", "(64, 10)" };

  if (!have_fashion_mnist ())
    {
      g_test_skip ("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
      return;
    }
  win = gui_new_window (0, 0);
  session = mm_window_get_session (win);
  view = MM_FILTER_VIEW (find_descendant (GTK_WIDGET (win), MM_TYPE_FILTER_VIEW));
  g_assert_nonnull (view);
  /* The spiral demo has no convolution: no filters. */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (view)));

  gui_activate (win, "preset", g_variant_new_string ("lenet"));
  WAIT_FOR (mm_session_get_data_state (session) != MM_DATA_STATE_LOADING);
  g_assert_cmpint (mm_session_get_data_state (session), ==, MM_DATA_STATE_READY);
  g_assert_null (mm_session_get_problem (session));
  g_assert_cmpuint (mm_session_get_n_layers (session), ==, G_N_ELEMENTS (shapes));
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    g_assert_cmpstr (layer_shape (session, i), ==, shapes[i]);
  g_assert_cmpuint (mm_session_get_n_params (session), ==, 44426);
  s = mm_session_get_settings (session);
  g_assert_cmpint (s->optimizer.kind, ==, MM_OPTIMIZER_ADAM);
  g_assert_cmpfloat (s->optimizer.lr, ==, 1e-3);
  g_assert_cmpuint (s->batch_size, ==, 64);
  g_assert_cmpuint (s->epochs, ==, 5);
  name = mm_session_dup_first_conv_weight (session);
  g_assert_cmpstr (name, ==, "1.weight");

  /* Before training: the random starting filters. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (view)));
  before = mm_session_dup_params (session);
  g_assert_nonnull (before);
  WAIT_FOR (filters_show (view, before, name));

  /* A few steps change them, and the view follows. */
  for (guint i = 1; i <= 3; i++)
    {
      gui_activate (win, "step", NULL);
      WAIT_FOR (history_len (session) == i);
    }
  /* Stopping hands the views the last weights at once (during training
   * they follow at a few frames a second). */
  gui_activate (win, "stop", NULL);
  WAIT_FOR (mm_session_get_state (session) == MM_TRAINER_STOPPED);
  after = mm_session_dup_params (session);
  g_assert_nonnull (after);
  g_assert_true (memcmp (mm_params_lookup (before, name)->data, mm_params_lookup (after, name)->data,
                         150 * sizeof (float)) != 0);
  WAIT_FOR (filters_show (view, after, name));
  gui_save_png (GTK_WIDGET (win), "window-cnn.png");
  gui_save_png (GTK_WIDGET (view), "filter-view.png");

  /* The graph page draws the CNN's training step too. */
  {
    g_autoptr(GError) error = NULL;
    MmGraphPage *page = MM_GRAPH_PAGE (mm_window_get_graph_page (win));
    mm_graph_page_set_source (page, MM_GRAPH_SOURCE_NETWORK);
    g_assert_true (mm_graph_page_rebuild (page, &error));
    g_assert_no_error (error);
  }

  /* Without a convolution the view goes away. */
  gui_activate (win, "preset", g_variant_new_string ("fashion"));
  WAIT_FOR (mm_session_get_data_state (session) == MM_DATA_STATE_READY);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (view)));
  g_assert_null (mm_filter_view_get_filters (view, NULL, NULL, NULL, NULL));
  gtk_window_destroy (GTK_WINDOW (win));
}

/* A CNN with every kind of image layer, trained a little, saved and opened
 * again: the same layers, settings, text, weights (buffers included) and history. */
static void
test_cnn_project_round_trip (void)
{
  MmWindow *win, *win2;
  MmSession *session, *session2;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *weights = NULL;
  g_autoptr(MmProject) saved = NULL;
  g_autoptr(MmProject) reopened = NULL;

  if (!have_fashion_mnist ())
    {
      g_test_skip ("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
      return;
    }
  win = gui_new_window (0, 0);
  session = mm_window_get_session (win);
  gui_activate (win, "preset", g_variant_new_string ("lenet"));
  WAIT_FOR (mm_session_get_data_state (session) == MM_DATA_STATE_READY);
  /* BatchNorm after the first convolution, average pooling with padding,
   * a dilated second convolution, Dropout before the last layer. */
  g_assert_true (mm_session_add_layer_by_name (session, "batchnorm", 2));
  mm_session_remove_layer (session, 4);
  g_assert_true (mm_session_add_layer_by_name (session, "avgpool2d", 4));
  mm_session_set_layer_setting (session, 4, MM_LAYER_SETTING_KERNEL, 3);
  mm_session_set_layer_setting (session, 4, MM_LAYER_SETTING_PADDING, 1);
  mm_session_set_layer_setting (session, 5, MM_LAYER_SETTING_DILATION, 2);
  mm_session_set_layer_setting (session, 5, MM_LAYER_SETTING_PADDING, 3);
  g_assert_true (mm_session_add_layer_by_name (session, "dropout", 13));
  mm_session_set_layer_setting (session, 13, MM_LAYER_SETTING_RATE, 0.25);
  g_assert_null (mm_session_get_problem (session));

  gui_activate (win, "step", NULL);
  gui_activate (win, "step", NULL);
  WAIT_FOR (history_len (session) == 2);
  gui_activate (win, "stop", NULL);
  WAIT_FOR (mm_session_get_state (session) == MM_TRAINER_STOPPED);
  saved = mm_session_to_project (session, &error);
  g_assert_no_error (error);
  g_test_message ("network: %s", saved->network);
  g_assert_cmpstr (saved->network, ==,
                   "Reshape(1, 28, 28); Conv2d(1, 6, 5); BatchNorm2d(6); ReLU; AvgPool2d(3, 2, 1); "
                   "Conv2d(6, 16, 5, 1, 3, 2); ReLU; MaxPool2d(2); Flatten; Linear(400, 120); ReLU; "
                   "Linear(120, 84); ReLU; Dropout(0.25); Linear(84, 10)");
  g_assert_nonnull (mm_params_lookup (saved->weights, "2.running_mean"));

  dir = g_dir_make_tmp ("myml-cnn-XXXXXX", NULL);
  path = g_build_filename (dir, "lenet.myml", NULL);
  weights = g_build_filename (dir, "lenet.safetensors", NULL);
  g_assert_true (mm_window_save_project (win, path, &error));
  g_assert_no_error (error);

  win2 = gui_new_window (0, 0);
  session2 = mm_window_get_session (win2);
  mm_window_open_project (win2, path);
  g_assert_null (find_dialog (win2));
  WAIT_FOR (mm_session_get_data_state (session2) == MM_DATA_STATE_READY);
  g_assert_cmpuint (mm_session_get_n_layers (session2), ==, mm_session_get_n_layers (session));
  for (guint i = 0; i < mm_session_get_n_layers (session); i++)
    {
      const MmLayerSpec *a = mm_session_get_layer (session, i), *b = mm_session_get_layer (session2, i);
      g_assert_cmpint (a->kind, ==, b->kind);
      g_assert_cmpuint (a->units, ==, b->units);
      g_assert_cmpuint (a->kernel, ==, b->kernel);
      g_assert_cmpuint (a->stride, ==, b->stride);
      g_assert_cmpuint (a->padding, ==, b->padding);
      g_assert_cmpuint (a->dilation, ==, b->dilation);
      g_assert_cmpfloat (a->rate, ==, b->rate);
      g_assert_cmpstr (layer_shape (session, i), ==, layer_shape (session2, i));
    }
  reopened = mm_session_to_project (session2, &error);
  g_assert_no_error (error);
  assert_same_project (saved, reopened);
  /* The reopened network continues from the saved weights. */
  gui_activate (win2, "step", NULL);
  WAIT_FOR (history_len (session2) == 1);
  g_assert_cmpuint (mm_session_get_step_offset (session2), ==, 2);

  gtk_window_destroy (GTK_WINDOW (win2));
  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (path);
  g_unlink (weights);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  gui_harness_init (&argc, &argv, GUI_HARNESS_DEMO_TOY, 60);

  g_test_add_func ("/window/edit-network", test_edit_network);
  g_test_add_func ("/window/train-pause-step-stop", test_train_pause_step_stop);
  g_test_add_func ("/window/spiral-learns", test_spiral_learns);
  g_test_add_func ("/window/project-round-trip", test_project_round_trip);
  g_test_add_func ("/window/project-trains-identically-in-cli", test_project_trains_identically_in_cli);
  g_test_add_func ("/window/presets-and-classroom", test_presets);
  g_test_add_func ("/window/cnn-layers", test_cnn_layers);
  g_test_add_func ("/window/lenet-filters", test_lenet_filters);
  g_test_add_func ("/window/cnn-project-round-trip", test_cnn_project_round_trip);
  return gui_harness_run ();
}
