/* bench-plot — drawing MmPlot with a million points.
 *
 * Renders the plot at 1200×400 into an offscreen cairo image surface 50
 * times and prints the median and 99th percentile (target: median ≤ 17 ms,
 * one frame at 60 Hz). Before every render one point is appended, as during
 * training, so each render lays out again: ranges, ticks and the decimation
 * of every series, not just the cached strokes. Three cases:
 *
 *  - one series of 10^6 noisy batch losses (the target case);
 *  - a training run's plot: 10^6 batch losses, their smoothed curve
 *    (another 10^6), per-epoch losses and accuracy, two markers;
 *  - the same on a log axis.
 *
 * It also times the decimation alone and a redraw with an unchanged layout
 * (what a hover costs). Needs a display for GTK (xvfb-run -a).
 */
#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include "mm-plot.h"

#define WIDTH    1200
#define HEIGHT   400
#define RENDERS  50
#define N_POINTS 1000000

static int
cmp_double (gconstpointer a,
            gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
report (const char *what,
        double     *ms,
        guint       n)
{
  double median, p99;

  qsort (ms, n, sizeof (double), cmp_double);
  median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  p99 = ms[MIN (n - 1, (guint) ceil (0.99 * n) - 1)];
  printf ("%-44s median %6.2f ms   p99 %6.2f ms   min %6.2f ms%s\n",
          what, median, p99, ms[0], median <= 17.0 ? "" : "   (over the 17 ms target)");
}

/* Batch losses falling from 2.3 to 0.2 with ±40 % noise and a spike. */
static void
fill_losses (double *x,
             double *y,
             gsize   n)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);

  for (gsize i = 0; i < n; i++)
    {
      double base = 0.2 + 2.1 * exp (-(double) i / (n / 8.0));

      x[i] = i;
      y[i] = base * (1 + 0.4 * g_rand_double_range (rand, -1, 1));
    }
  y[n / 2] = 4;
}

static void
time_renders (const char *what,
              MmPlot     *plot,
              guint       grow_series,
              gboolean    relayout)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  double ms[RENDERS];
  double next_x = (double) mm_plot_get_n_points (plot, grow_series);

  for (int r = -3; r < RENDERS; r++)
    {
      cairo_t *cr = cairo_create (surface);
      gint64 t0;

      if (relayout)
        mm_plot_append (plot, grow_series, next_x++, 0.2);
      t0 = g_get_monotonic_time ();
      mm_plot_render (plot, cr, WIDTH, HEIGHT);
      cairo_surface_flush (surface);
      if (r >= 0)
        ms[r] = (g_get_monotonic_time () - t0) / 1000.0;
      cairo_destroy (cr);
    }
  cairo_surface_destroy (surface);
  report (what, ms, RENDERS);
}

static void
time_decimation (const double *x,
                 const double *y,
                 gsize         n)
{
  g_autoptr(MmPlotSeries) series = mm_plot_series_new ();
  g_autofree MmPlotColumn *columns = g_new (MmPlotColumn, WIDTH);
  double ms[RENDERS];

  mm_plot_series_append_many (series, x, y, n);
  for (int r = 0; r < RENDERS; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      guint k = mm_plot_series_decimate (series, 0, n - 1, WIDTH, MM_PLOT_SERIES_FINITE, columns);

      ms[r] = (g_get_monotonic_time () - t0) / 1000.0;
      g_assert (k == WIDTH);
    }
  report ("decimation alone, 10^6 → 1200 columns", ms, RENDERS);
}

int
main (int    argc,
      char **argv)
{
  g_autofree double *x = g_new (double, N_POINTS);
  g_autofree double *y = g_new (double, N_POINTS);
  g_autofree double *smooth = g_new (double, N_POINTS);
  g_autoptr(MmPlot) one = NULL;
  g_autoptr(MmPlot) run = NULL;
  guint batch, s;
  double ema = 2.3;

  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-plot: no display (run it under xvfb-run -a)\n");
      return 77;
    }

  fill_losses (x, y, N_POINTS);
  printf ("MmPlot at %d×%d, %d renders each into a cairo image surface\n", WIDTH, HEIGHT, RENDERS);

  time_decimation (x, y, N_POINTS);

  one = MM_PLOT (g_object_ref_sink (mm_plot_new ()));
  batch = mm_plot_add_series (one, "Batch loss", NULL, MM_PLOT_STYLE_THIN_LINE, MM_PLOT_Y_AXIS_LEFT);
  mm_plot_append_many (one, batch, x, y, N_POINTS);
  time_renders ("1 series × 10^6 points, new point per render", one, batch, TRUE);
  time_renders ("1 series × 10^6 points, layout unchanged", one, batch, FALSE);

  run = MM_PLOT (g_object_ref_sink (mm_plot_new ()));
  batch = mm_plot_add_series (run, "Batch loss", NULL, MM_PLOT_STYLE_THIN_LINE, MM_PLOT_Y_AXIS_LEFT);
  s = mm_plot_add_series (run, "Smoothed loss", NULL, MM_PLOT_STYLE_LINE, MM_PLOT_Y_AXIS_LEFT);
  for (gsize i = 0; i < N_POINTS; i++)
    smooth[i] = ema = 0.99 * ema + 0.01 * y[i];
  mm_plot_append_many (run, batch, x, y, N_POINTS);
  mm_plot_append_many (run, s, x, smooth, N_POINTS);
  s = mm_plot_add_series (run, "Test loss", NULL, MM_PLOT_STYLE_POINTS, MM_PLOT_Y_AXIS_LEFT);
  for (int e = 1; e <= 20; e++)
    mm_plot_append (run, s, e * (N_POINTS / 20.0), 0.2 + 2.1 * exp (-e * 0.4) + 0.05);
  s = mm_plot_add_series (run, "Test accuracy", NULL, MM_PLOT_STYLE_POINTS, MM_PLOT_Y_AXIS_RIGHT);
  for (int e = 1; e <= 20; e++)
    mm_plot_append (run, s, e * (N_POINTS / 20.0), 97 - 60 * exp (-e * 0.4));
  mm_plot_set_x_scale (run, 20.0 / N_POINTS, NULL);
  mm_plot_add_marker (run, N_POINTS * 0.3, "lr → 0.01");
  mm_plot_add_marker (run, N_POINTS * 0.6, "lr → 0.001");
  time_renders ("training run, 2 × 10^6 points + epochs", run, batch, TRUE);
  mm_plot_set_log_y (run, TRUE);
  time_renders ("training run, log y", run, batch, TRUE);

  return 0;
}
