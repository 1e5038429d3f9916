/* test-replay-app.c — the loss split, live changes and replay in the app,
 * under a virtual display:
 *  - changing L2 and the optimizer in the training panel while training
 *    runs goes to the running trainer (no new weights, no new trainer) and
 *    leaves a labelled marker on the loss plot at the step it took effect;
 *  - "split loss" stacks the data loss and the L1 and L2 bands: their
 *    colours are in the rendered plot;
 *  - "Replay run" trains again from scratch with the recorded changes, and
 *    every step's losses are the same bit for bit.
 * Screenshots go to $G_TEST_BUILDDIR (and /tmp/shots when it exists). */
#include <gtk/gtk.h>
#include <myml.h>
#include <math.h>
#include <string.h>
#include "mm-window.h"
#include "mm-plot.h"

#include "gui-harness.h"

static guint
session_history_len (MmSession *session)
{
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  return mm_session_get_history (session, 0, points);
}

static guint
session_changes_len (MmSession *session)
{
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (MmChange));
  return mm_session_get_changes (session, 0, changes);
}

static gboolean
is_over (MmTrainerState s)
{
  return s == MM_TRAINER_FINISHED || s == MM_TRAINER_STOPPED || s == MM_TRAINER_DIVERGED || s == MM_TRAINER_FAILED;
}

/* The widget right after the label reading @text (a row of the panel). */
static GtkWidget *
find_after_label (GtkWidget  *widget,
                  const char *text,
                  GType       type)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (widget);
      if (next != NULL && G_TYPE_CHECK_INSTANCE_TYPE (next, type))
        return next;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_after_label (c, text, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_toggle (GtkWidget  *widget,
             const char *label)
{
  if (GTK_IS_TOGGLE_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_toggle (c, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static MmWindow *
spiral_window (void)
{
  MmWindow *win = mm_window_new (app);
  MmSession *session = mm_window_get_session (win);

  gtk_window_present (GTK_WINDOW (win));
  gui_activate (win, "preset", g_variant_new_string ("spiral"));
  WAIT_FOR (mm_session_get_data_state (session) != MM_DATA_STATE_LOADING);
  g_assert_cmpint (mm_session_get_data_state (session), ==, MM_DATA_STATE_READY);
  return win;
}

/* The label of the marker at @x, or NULL. */
static const char *
marker_at (MmPlot *plot,
           double  x)
{
  for (guint i = 0; i < mm_plot_get_n_markers (plot); i++)
    {
      double mx;
      const char *label = mm_plot_get_marker (plot, i, &mx);
      if (mx == x)
        return label;
    }
  return NULL;
}

/* Pixels of @plot drawn at w×h within 4 of colour (r, g, b). */
static guint
count_colour (MmPlot *plot,
              int     w,
              int     h,
              double  r,
              double  g,
              double  b)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  cairo_t *cr = cairo_create (surface);
  int want[3] = { (int) lround (r * 255), (int) lround (g * 255), (int) lround (b * 255) };
  guint count = 0;

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  mm_plot_render (plot, cr, w, h);
  cairo_surface_flush (surface);
  for (int y = 0; y < h; y++)
    {
      const guint32 *row = (const guint32 *) (void *) (cairo_image_surface_get_data (surface) +
                                                       y * cairo_image_surface_get_stride (surface));
      for (int x = 0; x < w; x++)
        {
          int px[3] = { (row[x] >> 16) & 0xff, (row[x] >> 8) & 0xff, row[x] & 0xff };
          if (abs (px[0] - want[0]) <= 4 && abs (px[1] - want[1]) <= 4 && abs (px[2] - want[2]) <= 4)
            count++;
        }
    }
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return count;
}

static void
save_plot (MmPlot     *plot,
           const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                                            name, NULL);

  g_assert_true (mm_plot_export_png (plot, path, 900, 480, &error));
  g_assert_no_error (error);
  g_test_message ("wrote %s", path);
  if (g_file_test ("/tmp/shots", G_FILE_TEST_IS_DIR))
    {
      g_autofree char *shot = g_build_filename ("/tmp/shots", name, NULL);
      g_assert_true (mm_plot_export_png (plot, shot, 900, 480, &error));
    }
}

static void
test_live_changes_marked (void)
{
  MmWindow *win = spiral_window ();
  MmSession *session = mm_window_get_session (win);
  MmPlot *plot = MM_PLOT (mm_window_get_plot (win));
  GtkWidget *l2 = find_after_label (GTK_WIDGET (win), "L2 penalty λ₂", GTK_TYPE_SPIN_BUTTON);
  GtkWidget *optimizer = find_after_label (GTK_WIDGET (win), "Optimizer", GTK_TYPE_DROP_DOWN);
  GtkWidget *split = find_toggle (GTK_WIDGET (win), "split loss");
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (MmChange));
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  MmTrainer *trainer;
  guint n;

  g_assert_nonnull (l2);
  g_assert_nonnull (optimizer);
  g_assert_nonnull (split);
  mm_optimizer_config_init (&mm_session_get_settings (session)->optimizer, MM_OPTIMIZER_SGD);
  mm_session_get_settings (session)->optimizer.lr = 0.03;
  mm_session_get_settings (session)->l1 = 0.002;
  mm_session_get_settings (session)->l2 = 0;
  mm_session_get_settings (session)->epochs = 1000;
  mm_session_settings_changed (session);
  mm_session_set_step_delay (session, 2);

  gui_activate (win, "train", NULL);
  WAIT_FOR (session_history_len (session) >= 40);
  trainer = mm_session_get_trainer (session);
  /* The panel's live rows stay sensitive while training. */
  g_assert_true (gtk_widget_is_sensitive (l2));
  g_assert_true (gtk_widget_is_sensitive (optimizer));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (l2), 0.01);
  WAIT_FOR (session_changes_len (session) >= 1);
  n = session_history_len (session);
  WAIT_FOR (session_history_len (session) >= n + 40);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (optimizer), 2);   /* Adam */
  WAIT_FOR (session_changes_len (session) >= 2);
  n = session_history_len (session);
  WAIT_FOR (session_history_len (session) >= n + 40);

  /* The same trainer all along: nothing was reset. */
  g_assert_true (mm_session_get_trainer (session) == trainer);
  g_assert_cmpuint (mm_session_get_step_offset (session), ==, 0);

  /* Each change is marked at the first step it applies to, with its label. */
  mm_session_get_changes (session, 0, changes);
  g_assert_cmpuint (changes->len, ==, 2);
  mm_session_get_history (session, 0, points);
  {
    const MmChange *pen = &g_array_index (changes, MmChange, 0);
    const MmChange *opt = &g_array_index (changes, MmChange, 1);
    const char *label;

    g_assert_cmpint (pen->kind, ==, MM_CHANGE_PENALTIES);
    g_assert_cmpint (opt->kind, ==, MM_CHANGE_OPTIMIZER);
    label = marker_at (plot, (double) (pen->step + 1));
    g_assert_cmpstr (label, ==, "L2 0 → 0.01");
    label = marker_at (plot, (double) (opt->step + 1));
    g_assert_cmpstr (label, ==, "SGD → Adam, lr 0.03 → 0.001");
    /* It took effect exactly there: no L2 term before, one after. */
    g_assert_cmpfloat (g_array_index (points, MmStepPoint, pen->step - 1).l2, ==, 0);
    g_assert_cmpfloat (g_array_index (points, MmStepPoint, pen->step).l2, >, 0);
    g_assert_cmpfloat (g_array_index (points, MmStepPoint, opt->step - 1).lr, ==, 0.03f);
    g_assert_cmpfloat (g_array_index (points, MmStepPoint, opt->step).lr, ==, 0.001f);
  }

  /* The split: data loss, L1 and L2 bands, stacked and coloured. */
  g_assert_cmpuint (count_colour (plot, 900, 480, 0.98, 0.72, 0.42), ==, 0);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (split), TRUE);
  g_assert_cmpuint (count_colour (plot, 900, 480, 0.58, 0.73, 0.93), >, 2000);   /* data loss */
  g_assert_cmpuint (count_colour (plot, 900, 480, 0.98, 0.72, 0.42), >, 100);    /* L1 */
  g_assert_cmpuint (count_colour (plot, 900, 480, 0.78, 0.62, 0.90), >, 100);    /* L2 */
  save_plot (plot, "h4-split-markers.png");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (split), FALSE);
  save_plot (plot, "h4-markers.png");
  g_assert_cmpuint (count_colour (plot, 900, 480, 0.98, 0.72, 0.42), ==, 0);

  gui_activate (win, "stop", NULL);
  WAIT_FOR (mm_session_get_state (session) == MM_TRAINER_STOPPED);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_replay (void)
{
  MmWindow *win = spiral_window ();
  MmSession *session = mm_window_get_session (win);
  MmPlot *plot = MM_PLOT (mm_window_get_plot (win));
  GtkWidget *l2 = find_after_label (GTK_WIDGET (win), "L2 penalty λ₂", GTK_TYPE_SPIN_BUTTON);
  g_autoptr(GArray) first = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  g_autoptr(GArray) again = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  guint n_markers;

  g_assert_false (mm_session_can_replay (session));
  mm_session_get_settings (session)->epochs = 4;
  mm_session_get_settings (session)->l2 = 0;
  mm_session_settings_changed (session);
  /* Slow enough that both changes land before the 52 steps are over, even
   * when the window sees the steps late (under valgrind the worker runs
   * many steps between two frames). */
  mm_session_set_step_delay (session, 20);
  gui_activate (win, "train", NULL);
  WAIT_FOR (session_history_len (session) >= 15);
  mm_session_set_lr (session, 0.05);
  WAIT_FOR (session_changes_len (session) >= 1);
  WAIT_FOR (session_history_len (session) >= 40);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (l2), 0.005);
  WAIT_FOR (session_changes_len (session) >= 2);
  mm_session_set_step_delay (session, 0);
  WAIT_FOR (is_over (mm_session_get_state (session)));
  g_assert_cmpint (mm_session_get_state (session), ==, MM_TRAINER_FINISHED);
  mm_session_get_history (session, 0, first);
  g_assert_cmpuint (first->len, >, 60);
  n_markers = mm_plot_get_n_markers (plot);
  for (guint i = 0; i < n_markers; i++)
    {
      double x;
      const char *label = mm_plot_get_marker (plot, i, &x);
      g_test_message ("marker at %g: %s", x, label);
    }
  g_assert_cmpuint (n_markers, ==, 2);
  g_assert_true (mm_session_can_replay (session));

  /* Replay: the panel goes back to the first settings, then follows. */
  gui_activate (win, "replay-run", NULL);
  g_assert_cmpfloat (mm_session_get_settings (session)->l2, ==, 0);
  WAIT_FOR (is_over (mm_session_get_state (session)));
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
  g_assert_cmpint (mm_session_get_state (session), ==, MM_TRAINER_FINISHED);
  mm_session_get_history (session, 0, again);
  g_assert_cmpuint (again->len, ==, first->len);
  for (guint i = 0; i < first->len; i++)
    {
      const MmStepPoint *p = &g_array_index (first, MmStepPoint, i), *q = &g_array_index (again, MmStepPoint, i);
      float a[] = { p->loss, p->data_loss, p->l1, p->l2, p->lr }, b[] = { q->loss, q->data_loss, q->l1, q->l2, q->lr };
      g_assert_cmpuint (p->step, ==, q->step);
      if (memcmp (a, b, sizeof a) != 0)
        g_error ("step %u: loss %.9g, replayed %.9g", i + 1, p->loss, q->loss);
    }
  /* The settings end where the run ended, and the plot shows the replay
   * with the same markers. */
  g_assert_cmpfloat (mm_session_get_settings (session)->l2, ==, 0.005);
  g_assert_cmpfloat (mm_session_get_settings (session)->optimizer.lr, ==, 0.05);
  g_assert_cmpuint (mm_plot_get_n_markers (plot), ==, n_markers);
  g_assert_cmpuint (mm_plot_get_n_points (plot, 0), ==, first->len);
  save_plot (plot, "h4-replay.png");
  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int   argc,
      char *argv[])
{
  gui_harness_init (&argc, &argv, GUI_HARNESS_ENGLISH, 60);
  g_test_add_func ("/replay-app/live-changes-marked", test_live_changes_marked);
  g_test_add_func ("/replay-app/replay", test_replay);
  return gui_harness_run ();
}
