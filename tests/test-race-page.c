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

#include "test-wait.h"
#define TIMEOUT_S (120 * test_timeout_scale ())

static MmApplication *app;

#define WAIT_FOR(cond)                                                        \
  G_STMT_START {                                                              \
    gint64 _end = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;       \
    while (!(cond) && g_get_monotonic_time () < _end)                         \
      g_main_context_iteration (NULL, FALSE), g_usleep (1000);               \
    if (!(cond))                                                              \
      g_error ("timed out waiting for %s", #cond);                            \
  } G_STMT_END

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
  MmWindow *win = mm_window_new (app);
  MmSession *session = mm_window_get_session (win);
  GtkWidget *page;

  gtk_window_set_default_size (GTK_WINDOW (win), 1366, 768);
  gtk_window_present (GTK_WINDOW (win));
  WAIT_FOR (mm_session_get_data_state (session) != MM_DATA_STATE_LOADING);
  g_assert_cmpint (mm_session_get_data_state (session), ==, MM_DATA_STATE_READY);
  page = find_race_page (GTK_WIDGET (win));
  g_assert_nonnull (page);
  /* It is a page of the views' stack, titled for the switcher. */
  g_assert_true (GTK_IS_STACK (gtk_widget_get_parent (page)));
  g_assert_cmpstr (gtk_stack_page_get_name (gtk_stack_get_page (GTK_STACK (gtk_widget_get_parent (page)), page)),
                   ==, "race");
  gtk_stack_set_visible_child (GTK_STACK (gtk_widget_get_parent (page)), page);
  *win_out = win;
  return MM_RACE_PAGE (page);
}

static void
save_png (GtkWidget  *widget,
          const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  const char *dirs[2] = { g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                          g_getenv ("MYML_SHOTS_DIR") };
  int w = 0, h = 0;

  for (int attempt = 0; attempt < 30 && node == NULL; attempt++)
    {
      GtkSnapshot *snapshot;
      for (int i = 0; i < 50; i++)
        g_main_context_iteration (NULL, FALSE), g_usleep (2000);
      w = gtk_widget_get_width (widget);
      h = gtk_widget_get_height (widget);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, w, h);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  for (int d = 0; d < 2; d++)
    if (dirs[d] != NULL)
      {
        g_autofree char *path = g_build_filename (dirs[d], name, NULL);
        g_assert_true (gdk_texture_save_to_png (texture, path));
        g_test_message ("wrote %s", path);
      }
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
  save_png (GTK_WIDGET (win), "h6-race-spiral.png");
  save_png (GTK_WIDGET (mm_race_page_get_landscape_view (page)), "h6-race-landscape.png");

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
  save_png (GTK_WIDGET (mm_race_page_get_landscape_view (page)), "h6-race-too-large.png");
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
  int status;

  g_setenv ("MYML_DEMO_TOY", "1", TRUE);
  /* The messages compared are the English ones. */
  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  app = MM_APPLICATION (mm_application_new ());
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_test_add_func ("/race-page/spiral", test_spiral_race);
  g_test_add_func ("/race-page/restart-and-close", test_restart_and_close);
  g_test_add_func ("/race-page/too-large", test_too_large);
  g_test_add_func ("/race-page/no-lanes", test_no_lanes);
  status = g_test_run ();
  g_object_unref (app);
  return status;
}
