/* test-race-page.c — the optimizer race page in the window, on the spiral:
 * after some steps all four lanes have loss points (the same first loss),
 * the landscape has a grid and four paths that start at θ₀ and are refitted
 * to the paths' plane; a network too large for the landscape races without
 * it and says why; a race without lanes is refused. PNGs land in
 * G_TEST_BUILDDIR (and in $MYML_SHOTS_DIR when set). */
#include <gtk/gtk.h>
#include <myml.h>
#include <math.h>
#include "mm-application.h"
#include "mm-window.h"
#include "mm-session.h"
#include "mm-race-page.h"

#include "gui-harness.h"

static GtkWidget *
find_race_page (GtkWidget *w)
{
  if (MM_IS_RACE_PAGE (w))
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_race_page (c);
      if (found)
        return found;
    }
  return NULL;
}

static MmRacePage *
open_race_page (MmWindow **win_out)
{
  MmWindow *win = gui_new_window (1366, 768);
  GtkWidget *page = find_race_page (GTK_WIDGET (win));

  g_assert_nonnull (page);
  /* It is a page of the views' stack, titled for the switcher. */
  g_assert_true (GTK_IS_STACK (gtk_widget_get_parent (page)));
  g_assert_cmpstr (gtk_stack_page_get_name (gtk_stack_get_page (GTK_STACK (gtk_widget_get_parent (page)), page)),
                   ==, "race");
  gtk_stack_set_visible_child (GTK_STACK (gtk_widget_get_parent (page)), page);
  *win_out = win;
  return MM_RACE_PAGE (page);
}

static gboolean
all_lanes_have (MmRacePage *page,
                gsize       plot_points,
                guint       path_points)
{
  MmPlot *plot = mm_race_page_get_plot (page);
  MmLandscapeView *view = mm_race_page_get_landscape_view (page);

  if (mm_plot_get_n_series (plot) != 4)
    return FALSE;
  for (guint i = 0; i < 4; i++)
    if (mm_plot_get_n_points (plot, i) < plot_points || mm_landscape_view_get_path_length (view, i) < path_points)
      return FALSE;
  return TRUE;
}

static void
test_spiral_race (void)
{
  MmWindow *win;
  MmRacePage *page = open_race_page (&win);
  g_autoptr(GError) error = NULL;
  MmRace *race;
  float first = NAN;

  mm_race_page_set_round_delay (page, 2);
  g_assert_true (mm_race_page_start (page, &error));
  g_assert_no_error (error);
  race = mm_race_page_get_race (page);
  g_assert_nonnull (race);
  g_assert_cmpuint (mm_race_get_n_lanes (race), ==, 4);

  /* All four series get points; the landscape gets its grid, then the
   * paths' plane (a second grid), with four paths on it. */
  WAIT_FOR (all_lanes_have (page, 100, 20) && mm_race_page_get_n_landscapes (page) >= 2);
  g_assert_true (mm_landscape_view_has_grid (mm_race_page_get_landscape_view (page)));

  /* Same weights, same first batch: the same first loss in every lane. */
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(GArray) h = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
      mm_trainer_get_history (mm_race_get_lane (race, i), 0, h);
      g_assert_cmpuint (h->len, >, 0);
      if (i == 0)
        first = g_array_index (h, MmStepPoint, 0).loss;
      else
        g_assert_cmpfloat (g_array_index (h, MmStepPoint, 0).loss, ==, first);
    }
  gui_save_png (GTK_WIDGET (win), "h6-race-spiral.png");
  gui_save_png (GTK_WIDGET (mm_race_page_get_landscape_view (page)), "h6-race-landscape.png");

  mm_race_page_stop (page);
  WAIT_FOR (mm_race_get_state (race) == MM_RACE_OVER);
  /* Over: one last fit of the plane to the whole paths. */
  {
    guint n = mm_race_page_get_n_landscapes (page);
    WAIT_FOR (mm_race_page_get_n_landscapes (page) > n);
  }
  gtk_window_destroy (GTK_WINDOW (win));
}

/* A second race replaces the first; closing the window mid-race is safe. */
static void
test_restart_and_close (void)
{
  MmWindow *win;
  MmRacePage *page = open_race_page (&win);

  for (int k = 0; k < 3; k++)
    {
      g_assert_true (mm_race_page_start (page, NULL));
      WAIT_FOR (mm_race_get_rounds (mm_race_page_get_race (page)) > 5);
    }
  gtk_window_destroy (GTK_WINDOW (win));
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
}

/* Wider than MM_LANDSCAPE_MAX_PARAMS: the race runs, the landscape says why
 * it is not drawn. */
static void
test_too_large (void)
{
  MmWindow *win;
  MmRacePage *page = open_race_page (&win);
  MmSession *session = mm_window_get_session (win);
  MmRace *race;

  mm_session_set_layer_units (session, 0, 160);
  mm_session_set_layer_units (session, 2, 160);
  g_assert_cmpuint (mm_session_get_n_params (session), >, MM_LANDSCAPE_MAX_PARAMS);
  g_assert_true (mm_race_page_start (page, NULL));
  race = mm_race_page_get_race (page);
  WAIT_FOR (all_lanes_have (page, 5, 0));
  g_assert_false (mm_landscape_view_has_grid (mm_race_page_get_landscape_view (page)));
  g_assert_cmpuint (mm_race_page_get_n_landscapes (page), ==, 0);
  {
    g_autoptr(GPtrArray) pts = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_params_unref);
    g_assert_cmpuint (mm_race_get_path (race, 0, 0, pts, NULL), ==, 0);
  }
  gui_save_png (GTK_WIDGET (mm_race_page_get_landscape_view (page)), "h6-race-too-large.png");
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_no_lanes (void)
{
  MmWindow *win;
  MmRacePage *page = open_race_page (&win);
  g_autoptr(GError) error = NULL;
  MmOptimizerConfig c;

  mm_optimizer_config_init (&c, MM_OPTIMIZER_SGD);
  for (guint i = 0; i < 4; i++)
    mm_race_page_set_lane (page, i, FALSE, &c);
  g_assert_false (mm_race_page_start (page, &error));
  g_assert_cmpstr (error->message, ==, "Check at least one lane to race.");
  g_assert_null (mm_race_page_get_race (page));
  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int argc, char **argv)
{
  gui_harness_init (&argc, &argv, GUI_HARNESS_DEMO_TOY | GUI_HARNESS_ENGLISH, 120);
  g_test_add_func ("/race-page/spiral", test_spiral_race);
  g_test_add_func ("/race-page/restart-and-close", test_restart_and_close);
  g_test_add_func ("/race-page/too-large", test_too_large);
  g_test_add_func ("/race-page/no-lanes", test_no_lanes);
  return gui_harness_run ();
}
