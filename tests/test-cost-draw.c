/* test-cost-draw.c — the cost meter's page (its table from a measurement
 * worked out by hand, and live during training) and drawing your own 2-D
 * data on the decision view (clicks through the view's coordinates add and
 * remove points, the trainer keeps training on them), under a virtual
 * display; PNGs of both for a reviewer. */
#include <gtk/gtk.h>
#include <myml.h>
#include <math.h>
#include <string.h>
#include "mm-window.h"
#include "mm-cost-view.h"
#include "mm-draw-bar.h"
#include "mm-decision-view.h"

#include "gui-harness.h"

/* relu(A·B) with A (100, 200), B (200, 50): TensorDot 2·100·200·50 = 2 000 000
 * operations forward, ReLU 5000; 0.004 s of wall time for the step. */
static MmCostSummary *
hand_summary (double *wall_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmTensor) a = mm_tensor_new_dims (2, (gsize[]) { 100, 200 }, &error);
  g_autoptr(MmTensor) b = mm_tensor_new_dims (2, (gsize[]) { 200, 50 }, &error);
  g_autoptr(MmNode) A = NULL;
  g_autoptr(MmNode) B = NULL;
  g_autoptr(MmNode) AB = NULL;
  g_autoptr(MmNode) R = NULL;
  g_autoptr(MmCostMeter) meter = mm_cost_meter_new ();
  double t0, wall;

  mm_tensor_fill (a, 0.5f);
  mm_tensor_fill (b, 0.25f);
  A = mm_constant_new (a);
  B = mm_constant_new (b);
  AB = mm_tensordot_new (A, B, 1, &error);
  R = mm_unary_new (MM_OP_RELU, AB, &error);
  g_assert_no_error (error);
  mm_cost_meter_install (meter);
  t0 = mm_cost_clock ();
  mm_node_get_value (R);
  wall = mm_cost_clock () - t0;
  mm_cost_meter_install (NULL);
  /* A step is more than its nodes: leave room for the rest. */
  *wall_out = wall + 0.004;
  return mm_cost_meter_summarize (meter, 7, *wall_out);
}

static void
test_cost_table (void)
{
  GtkWidget *window = gtk_window_new ();
  MmCostView *view = MM_COST_VIEW (mm_cost_view_new ());
  double wall, percent = 0;
  g_autoptr(MmCostSummary) s = hand_summary (&wall);
  const MmCostRow *td = mm_cost_summary_lookup (s, MM_COST_BY_TYPE, "TensorDot");
  g_autofree char *expect_ms = NULL;

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (window));
  g_assert_cmpuint (mm_cost_view_get_n_rows (view), ==, 0);

  mm_cost_view_set_summary (view, s);
  /* TensorDot, ReLU (the larger first) and the rest of the step. */
  g_assert_cmpuint (mm_cost_view_get_n_rows (view), ==, 3);
  for (guint r = 0; r < 3; r++)
    {
      g_autofree char *name = mm_cost_view_dup_cell (view, r, MM_COST_COLUMN_NAME);
      g_autofree char *mflops = mm_cost_view_dup_cell (view, r, MM_COST_COLUMN_MFLOPS);
      g_autofree char *share = mm_cost_view_dup_cell (view, r, MM_COST_COLUMN_PERCENT);

      percent += g_ascii_strtod (share, NULL);
      if (strcmp (name, "TensorDot") == 0)
        g_assert_cmpstr (mflops, ==, "2.000");
      else if (strcmp (name, "ReLU") == 0)
        g_assert_cmpstr (mflops, ==, "0.005");
      else
        {
          g_assert_cmpuint (r, ==, 2);
          g_assert_cmpstr (mflops, ==, "—");
        }
    }
  /* The shares of the step add up to the whole step (rounded to 0.1 %). */
  g_assert_cmpfloat (fabs (percent - 100.0), <, 0.2);
  {
    g_autofree char *rest = mm_cost_view_dup_cell (view, 2, MM_COST_COLUMN_MS);
    g_assert_cmpfloat (g_ascii_strtod (rest, NULL), >=, 3.999);
  }
  /* TensorDot's speed is its operations over its time. */
  {
    g_autofree char *first = mm_cost_view_dup_cell (view, 0, MM_COST_COLUMN_NAME);
    guint r = strcmp (first, "TensorDot") == 0 ? 0 : 1;
    g_autofree char *ms = mm_cost_view_dup_cell (view, r, MM_COST_COLUMN_MS);
    g_autofree char *gflops = mm_cost_view_dup_cell (view, r, MM_COST_COLUMN_GFLOPS);
    g_autofree char *want = g_strdup_printf ("%.2f", 2e6 / mm_cost_row_seconds (td) * 1e-9);
    expect_ms = g_strdup_printf ("%.3f", mm_cost_row_seconds (td) * 1e3);
    g_assert_cmpstr (ms, ==, expect_ms);
    g_assert_cmpstr (gflops, ==, want);
  }

  /* By layer: no module built these nodes, so one row and the rest. */
  mm_cost_view_set_grouping (view, MM_COST_BY_LAYER);
  g_assert_cmpuint (mm_cost_view_get_n_rows (view), ==, 2);
  {
    g_autofree char *name = mm_cost_view_dup_cell (view, 0, MM_COST_COLUMN_NAME);
    g_autofree char *mflops = mm_cost_view_dup_cell (view, 0, MM_COST_COLUMN_MFLOPS);
    g_assert_cmpstr (name, ==, "Loss and penalties");
    g_assert_cmpstr (mflops, ==, "2.005");
  }
  mm_cost_view_set_summary (view, NULL);
  g_assert_cmpuint (mm_cost_view_get_n_rows (view), ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Live: with the page shown, a training run is metered every N steps and the
 * table fills by layer with the network's layers named; with another page
 * shown the trainer is not metered. */
static void
test_cost_live (void)
{
  MmWindow *win = gui_new_window (0, 0);
  MmSession *session = mm_window_get_session (win);
  MmCostView *view = MM_COST_VIEW (mm_window_get_cost_view (win));
  GtkStack *stack = GTK_STACK (gtk_widget_get_parent (GTK_WIDGET (view)));
  gboolean found_linear = FALSE;

  g_assert_cmpuint (mm_cost_view_get_meter_every (view), ==, 0);
  gtk_stack_set_visible_child (stack, GTK_WIDGET (view));
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (view)));
  g_assert_cmpuint (mm_cost_view_get_meter_every (view), ==, 20);

  mm_session_get_settings (session)->epochs = 40;
  mm_session_settings_changed (session);
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  WAIT_FOR (mm_cost_view_get_summary (view) != NULL);
  g_assert_cmpuint (mm_cost_summary_get_step (mm_cost_view_get_summary (view)) % 20, ==, 1);
  mm_cost_view_set_grouping (view, MM_COST_BY_LAYER);
  g_assert_cmpuint (mm_cost_view_get_n_rows (view), >=, 3);
  for (guint r = 0; r < mm_cost_view_get_n_rows (view); r++)
    {
      g_autofree char *name = mm_cost_view_dup_cell (view, r, MM_COST_COLUMN_NAME);
      found_linear |= g_str_has_prefix (name, "0 · Linear(2, ");
    }
  g_assert_true (found_linear);
  gui_save_png (GTK_WIDGET (win), "h8-cost-view.png");
  mm_cost_view_set_grouping (view, MM_COST_BY_TYPE);
  gui_save_png (GTK_WIDGET (win), "h8-cost-view-types.png");

  gtk_stack_set_visible_child_name (stack, "live");
  WAIT_FOR (!gtk_widget_get_mapped (GTK_WIDGET (view)));
  g_assert_cmpuint (mm_cost_view_get_meter_every (view), ==, 0);
  g_action_group_activate_action (G_ACTION_GROUP (win), "stop", NULL);
  WAIT_FOR (mm_session_get_state (session) != MM_TRAINER_RUNNING);
  gtk_window_destroy (GTK_WINDOW (win));
}

static gboolean
click_data (MmDrawBar      *bar,
            MmDecisionView *view,
            guint           button,
            double          x,
            double          y,
            double          dx_pixels)
{
  double wx, wy;

  g_assert_true (mm_decision_view_data_to_widget (view, x, y, &wx, &wy));
  return mm_draw_bar_click (bar, button, wx + dx_pixels, wy);
}

static void
test_draw (void)
{
  MmWindow *win = gui_new_window (0, 0);
  MmSession *session = mm_window_get_session (win);
  MmDrawBar *bar = MM_DRAW_BAR (mm_window_get_draw_bar (win));
  MmDecisionView *view = MM_DECISION_VIEW (mm_window_get_decision_view (win));
  MmDataset *train;
  MmTrainer *trainer;
  double wx, wy, bounds[4];
  gsize spiral_n = mm_dataset_get_n_samples (mm_session_get_train_data (session));

  WAIT_FOR (mm_decision_view_data_to_widget (view, 0, 0, &wx, &wy));
  /* Not drawing: clicks do nothing. */
  g_assert_false (mm_draw_bar_click (bar, 1, wx, wy));

  /* Draw mode starts from the points there are: the spiral's training set. */
  mm_draw_bar_set_drawing (bar, TRUE);
  g_assert_true (mm_draw_bar_get_drawing (bar));
  g_assert_cmpuint (mm_draw_bar_get_n_classes (bar), ==, 3);
  g_assert_cmpuint (mm_dataset_get_n_samples (mm_session_get_train_data (session)), ==, spiral_n);
  g_assert_null (mm_session_get_test_data (session));
  g_assert_true (mm_decision_view_get_bounds (view, bounds));

  /* Clear: an empty canvas, a message, nothing to train. */
  mm_draw_bar_clear (bar);
  g_assert_null (mm_session_get_train_data (session));
  g_assert_false (mm_session_can_train (session));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "train"));
  gui_save_png (GTK_WIDGET (win), "h8-draw-empty.png");

  /* A left click adds a point of the chosen class where it lands. */
  mm_draw_bar_set_class (bar, 1);
  g_assert_cmpuint (mm_draw_bar_get_class (bar), ==, 1);
  g_assert_true (click_data (bar, view, 1, 0.5, 0.5, 0));
  train = mm_session_get_train_data (session);
  g_assert_nonnull (train);
  g_assert_cmpuint (mm_dataset_get_n_samples (train), ==, 1);
  g_assert_cmpuint (mm_dataset_get_label (train, 0), ==, 1);
  g_assert_cmpfloat (fabs (mm_dataset_get_sample (train, 0)[0] - 0.5), <, 0.02);
  g_assert_cmpfloat (fabs (mm_dataset_get_sample (train, 0)[1] - 0.5), <, 0.02);
  /* One class only: the view says so, training is possible. */
  g_assert_true (mm_session_can_train (session));

  mm_draw_bar_set_class (bar, 0);
  g_assert_true (click_data (bar, view, 1, -0.5, -0.5, 0));
  g_assert_cmpuint (mm_dataset_get_n_samples (mm_session_get_train_data (session)), ==, 2);
  /* Outside the square: nothing. */
  g_assert_false (mm_draw_bar_click (bar, 1, 1, 1));
  /* A right click a few pixels off removes the nearest point; far off, nothing. */
  g_assert_true (click_data (bar, view, 3, 0.5, 0.5, 3));
  train = mm_session_get_train_data (session);
  g_assert_cmpuint (mm_dataset_get_n_samples (train), ==, 1);
  g_assert_cmpuint (mm_dataset_get_label (train, 0), ==, 0);
  g_assert_false (click_data (bar, view, 3, 0.5, 0.5, 0));
  g_assert_cmpuint (mm_dataset_get_n_samples (mm_session_get_train_data (session)), ==, 1);
  /* The last point removed: no data again. */
  g_assert_true (click_data (bar, view, 3, -0.5, -0.5, 0));
  g_assert_null (mm_session_get_train_data (session));

  /* Two clusters and a third, then train: the boundary learns them. */
  for (guint i = 0; i < 24; i++)
    {
      double a = i * 0.7;
      guint c = i % 3;
      mm_draw_bar_set_class (bar, c);
      g_assert_true (click_data (bar, view, 1, (c == 0 ? -0.8 : c == 1 ? 0.8 : 0.0) + 0.1 * cos (a),
                                 (c == 2 ? 0.8 : -0.5) + 0.1 * sin (a), 0));
    }
  g_assert_cmpuint (mm_dataset_get_n_samples (mm_session_get_train_data (session)), ==, 24);
  mm_session_get_settings (session)->epochs = 100000;
  mm_session_get_settings (session)->batch_size = 8;
  mm_session_settings_changed (session);
  /* The settings above are no data settings: the drawing stays. */
  g_assert_cmpuint (mm_dataset_get_n_samples (mm_session_get_train_data (session)), ==, 24);
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  trainer = mm_session_get_trainer (session);
  g_assert_nonnull (trainer);
  WAIT_FOR (mm_trainer_get_progress (trainer).step >= 200);

  /* A point added while training: the same trainer takes it, with its steps
   * and weights, at its next step. */
  {
    guint64 step = mm_trainer_get_progress (trainer).step;
    gsize batches = mm_trainer_get_n_batches (trainer);

    mm_draw_bar_set_class (bar, 2);
    for (guint i = 0; i < 40; i++)
      g_assert_true (click_data (bar, view, 1, 0.05 * i - 1.0, 1.2, 0));
    g_assert_cmpuint (batches, ==, 3);
    WAIT_FOR (mm_trainer_get_n_batches (trainer) == 8);
    g_assert_true (mm_session_get_trainer (session) == trainer);
    g_assert_cmpuint (mm_trainer_get_progress (trainer).step, >, step);
  }
  WAIT_FOR (mm_trainer_get_progress (trainer).step >= 1500);
  {
    /* The boundary classifies the drawn points. */
    g_autoptr(MmParams) params = mm_trainer_snapshot_params (trainer);
    MmDataset *ds = mm_session_get_train_data (session);
    gsize n = mm_dataset_get_n_samples (ds), correct = 0;
    g_autofree gsize *idx = g_new (gsize, n);
    g_autoptr(MmTensor) x = NULL;
    g_autoptr(MmTensor) y = NULL;
    g_autoptr(MmTensor) out = NULL;
    g_autoptr(GError) error = NULL;

    for (gsize i = 0; i < n; i++)
      idx[i] = i;
    g_assert_true (mm_dataset_get_batch (ds, idx, n, &x, &y, &error));
    out = mm_module_predict (mm_trainer_get_model (trainer), params, x, &error);
    g_assert_no_error (error);
    correct = mm_count_correct (out, y);
    g_test_message ("drawn points classified: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT, correct, n);
    g_assert_cmpuint (correct, >=, n * 9 / 10);
  }
  gui_pump (500);
  gui_save_png (GTK_WIDGET (win), "h8-draw.png");

  /* Every point removed while training: training pauses, no crash. */
  mm_draw_bar_clear (bar);
  g_assert_cmpint (mm_session_get_state (session), ==, MM_TRAINER_PAUSED);
  gui_pump (200);
  mm_draw_bar_set_drawing (bar, FALSE);
  g_assert_cmpuint (mm_decision_view_get_drawing (view), ==, 0);
  g_action_group_activate_action (G_ACTION_GROUP (win), "stop", NULL);
  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int argc, char **argv)
{
  gui_harness_init (&argc, &argv, GUI_HARNESS_DEMO_TOY, 60);

  g_test_add_func ("/cost-view/table", test_cost_table);
  g_test_add_func ("/cost-view/live", test_cost_live);
  g_test_add_func ("/draw/clicks-and-training", test_draw);
  return gui_harness_run ();
}
