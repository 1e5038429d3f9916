/* bench-app — the app's frame times while it trains Fashion-MNIST with every
 * live view on screen, and the trainer's throughput against the same trainer
 * without a UI (what myml-train runs), in one run.
 *
 * Run under a display (xvfb-run). Prints the median and 99th percentile of
 * the window's frame intervals (targets ≤ 17 ms and ≤ 33 ms) and the ratio of
 * samples per second (target ≥ 0.9).
 */
#include <gtk/gtk.h>
#include <myml.h>
#include <stdio.h>
#include "mm-window.h"

#define SECONDS 8

static GArray *intervals;
static gint64 last_frame;

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  gint64 now = gdk_frame_clock_get_frame_time (clock);

  if (last_frame > 0)
    {
      double ms = (now - last_frame) / 1000.0;
      g_array_append_val (intervals, ms);
    }
  last_frame = now;
  return G_SOURCE_CONTINUE;
}

static int
cmp_double (gconstpointer a,
            gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
headless_samples_per_second (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) train = NULL;
  g_autoptr(MmDataset) test = NULL;
  g_autoptr(MmModule) model = mm_module_parse ("Flatten; Linear(784, 100); ReLU; Linear(100, 100); ReLU; Linear(100, 10)", &error);
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0, &error);
  g_autoptr(MmLoss) loss = mm_loss_one_hot_new (ce, 10, &error);
  MmTrainerConfig config;
  MmTrainer *trainer;
  MmTrainerRecord r;

  if (!mm_dataset_load_fashion_mnist (NULL, &train, &test, &error))
    g_error ("%s", error->message);
  mm_trainer_config_init (&config);
  config.model = model;
  config.loss = loss;
  config.train = train;
  config.test = test;
  config.threads = 1;
  config.epochs = 100;
  trainer = mm_trainer_new (&config, &error);
  mm_trainer_start (trainer);
  g_usleep (SECONDS * G_USEC_PER_SEC);
  r = mm_trainer_get_progress (trainer);
  mm_trainer_free (trainer);
  return r.samples_per_second;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  MmApplication *app;
  MmWindow *win;
  MmSession *session;
  MmTrainerRecord r;
  double app_sps, cli_sps, median, p99;
  gint64 end;

  gtk_init ();
  intervals = g_array_new (FALSE, FALSE, sizeof (double));
  app = mm_application_new ();
  g_application_register (G_APPLICATION (app), NULL, NULL);
  win = mm_window_new (app);
  session = mm_window_get_session (win);
  gtk_window_present (GTK_WINDOW (win));
  while (mm_session_get_data_state (session) == MM_DATA_STATE_LOADING)
    g_main_context_iteration (NULL, TRUE);
  if (mm_session_get_data_state (session) != MM_DATA_STATE_READY)
    {
      fprintf (stderr, "bench-app: %s\n", mm_session_get_data_message (session));
      return 1;
    }
  mm_session_get_settings (session)->epochs = 100;
  mm_session_settings_changed (session);
  if (!mm_session_train (session, &error))
    g_error ("%s", error->message);

  gtk_widget_add_tick_callback (GTK_WIDGET (win), on_tick, NULL, NULL);
  end = g_get_monotonic_time () + SECONDS * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  r = mm_trainer_get_progress (mm_session_get_trainer (session));
  app_sps = r.samples_per_second;
  gtk_window_destroy (GTK_WINDOW (win));
  while (g_main_context_iteration (NULL, FALSE))
    ;

  cli_sps = headless_samples_per_second ();

  g_array_sort (intervals, cmp_double);
  if (intervals->len == 0)
    g_error ("no frames were drawn");
  median = g_array_index (intervals, double, intervals->len / 2);
  p99 = g_array_index (intervals, double, MIN (intervals->len - 1, (guint) (intervals->len * 0.99)));
  printf ("frames: %u in %d s; frame interval median %.1f ms (target ≤ 17), p99 %.1f ms (target ≤ 33)\n",
          intervals->len, SECONDS, median, p99);
  printf ("training: app %.0f samples/s, headless %.0f samples/s, ratio %.2f (target ≥ 0.9)\n",
          app_sps, cli_sps, app_sps / cli_sps);
  g_object_unref (app);
  return 0;
}
