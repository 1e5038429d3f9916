/* test-plot.c — MmPlot and its parts: axis ticks and labels (pure), series
 * decimation and lookup, and the widget drawing a million points, log scales
 * with zeros and negatives, NaN, hover and export, under a virtual display. */
#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include "mm-plot.h"

#include "test-wait.h"
#define TIMEOUT_S (30 * test_timeout_scale ())
#define MILLION   1000000

#define WAIT_FOR(cond)                                                        \
  G_STMT_START {                                                              \
    gint64 _end = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;       \
    while (!(cond) && g_get_monotonic_time () < _end)                         \
      g_main_context_iteration (NULL, FALSE), g_usleep (1000);               \
    if (!(cond))                                                              \
      g_error ("timed out waiting for %s", #cond);                            \
  } G_STMT_END

static const GdkRGBA red = { 0.8f, 0.0f, 0.0f, 1.0f };
static const GdkRGBA green = { 0.0f, 0.6f, 0.0f, 1.0f };
static const GdkRGBA blue = { 0.0f, 0.0f, 0.9f, 1.0f };

static char *
build_path (const char *name)
{
  const char *dir = g_getenv ("G_TEST_BUILDDIR");

  return g_build_filename (dir ? dir : ".", name, NULL);
}

static MmPlot *
new_plot (void)
{
  return MM_PLOT (g_object_ref_sink (mm_plot_new ()));
}

/* ---- pixels ------------------------------------------------------------ */

typedef struct {
  double r, g, b;
} Rgb;

static Rgb
pixel (cairo_surface_t *surface,
       double           x,
       double           y)
{
  int ix = (int) floor (x), iy = (int) floor (y);
  const guchar *data;
  guint32 p;

  g_assert_cmpint (ix, >=, 0);
  g_assert_cmpint (iy, >=, 0);
  g_assert_cmpint (ix, <, cairo_image_surface_get_width (surface));
  g_assert_cmpint (iy, <, cairo_image_surface_get_height (surface));
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  p = *(const guint32 *) (data + iy * cairo_image_surface_get_stride (surface) + 4 * ix);
  return (Rgb) { ((p >> 16) & 0xff) / 255.0, ((p >> 8) & 0xff) / 255.0, (p & 0xff) / 255.0 };
}

static gboolean
near_color (Rgb            p,
            const GdkRGBA *c,
            double         tolerance)
{
  return fabs (p.r - c->red) <= tolerance && fabs (p.g - c->green) <= tolerance
         && fabs (p.b - c->blue) <= tolerance;
}

static gboolean
is_light (Rgb p)
{
  return p.r > 0.75 && p.g > 0.75 && p.b > 0.75;
}

#define assert_color(surface, x, y, color)                                    \
  G_STMT_START {                                                              \
    Rgb _p = pixel ((surface), (x), (y));                                     \
    if (!near_color (_p, (color), 0.2))                                       \
      g_error ("pixel (%.1f, %.1f) is (%.2f %.2f %.2f), expected %s",         \
               (double) (x), (double) (y), _p.r, _p.g, _p.b, #color);         \
  } G_STMT_END

#define assert_light(surface, x, y)                                           \
  G_STMT_START {                                                              \
    Rgb _p = pixel ((surface), (x), (y));                                     \
    if (!is_light (_p))                                                       \
      g_error ("pixel (%.1f, %.1f) is (%.2f %.2f %.2f), expected background", \
               (double) (x), (double) (y), _p.r, _p.g, _p.b);                 \
  } G_STMT_END

/* Exports @plot to @name in the build directory and reads it back. */
static cairo_surface_t *
export_and_load (MmPlot     *plot,
                 const char *name,
                 int         width,
                 int         height)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = build_path (name);
  cairo_surface_t *surface;
  GStatBuf st;

  g_assert_true (mm_plot_export_png (plot, path, width, height, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 0);
  surface = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (surface), ==, width);
  g_assert_cmpint (cairo_image_surface_get_height (surface), ==, height);
  return surface;
}

static void
to_pixel (MmPlot      *plot,
          MmPlotYAxis  axis,
          double       x,
          double       y,
          double      *px,
          double      *py)
{
  g_assert_true (mm_plot_value_to_pixel (plot, axis, x, y, px, py));
}

/* ---- axis (pure) ---------------------------------------------------------- */

static void
test_axis_nice_step (void)
{
  g_assert_cmpfloat_with_epsilon (mm_plot_axis_nice_step (10, 5), 2, 1e-12);
  g_assert_cmpfloat_with_epsilon (mm_plot_axis_nice_step (1, 5), 0.2, 1e-12);
  g_assert_cmpfloat_with_epsilon (mm_plot_axis_nice_step (7, 5), 2, 1e-12);
  g_assert_cmpfloat_with_epsilon (mm_plot_axis_nice_step (0.003, 5), 0.001, 1e-15);
  g_assert_cmpfloat_with_epsilon (mm_plot_axis_nice_step (1e6, 5), 2e5, 1e-6);
  g_assert_cmpfloat_with_epsilon (mm_plot_axis_nice_step (23, 5), 5, 1e-12);
  /* Nonsense spans still give a usable step. */
  g_assert_cmpfloat (mm_plot_axis_nice_step (0, 5), ==, 1);
  g_assert_cmpfloat (mm_plot_axis_nice_step (NAN, 5), ==, 1);
  g_assert_cmpfloat (mm_plot_axis_nice_step (-3, 5), ==, 1);
}

static void
test_axis_nice_range (void)
{
  double lo = 0.13, hi = 2.31, step;

  step = mm_plot_axis_nice_range (&lo, &hi, 5);
  g_assert_cmpfloat_with_epsilon (step, 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (lo, 0, 1e-12);
  g_assert_cmpfloat_with_epsilon (hi, 2.5, 1e-12);

  /* An empty range opens around its value. */
  lo = hi = 3;
  step = mm_plot_axis_nice_range (&lo, &hi, 5);
  g_assert_cmpfloat (lo, <, 3);
  g_assert_cmpfloat (hi, >, 3);
  g_assert_cmpfloat (step, >, 0);
  lo = hi = 0;
  mm_plot_axis_nice_range (&lo, &hi, 5);
  g_assert_cmpfloat (lo, <, 0);
  g_assert_cmpfloat (hi, >, 0);

  lo = NAN;
  hi = INFINITY;
  mm_plot_axis_nice_range (&lo, &hi, 5);
  g_assert_cmpfloat (lo, ==, 0);
  g_assert_cmpfloat (hi, ==, 1);

  /* Negative ranges never produce "−0". */
  lo = -0.3;
  hi = -0.01;
  mm_plot_axis_nice_range (&lo, &hi, 4);
  g_assert_false (signbit (hi) && hi == 0);

  lo = 0.1;
  hi = 0.1;
  mm_plot_axis_log_range (&lo, &hi);
  g_assert_cmpfloat_with_epsilon (lo, 0.01, 1e-15);
  g_assert_cmpfloat_with_epsilon (hi, 1, 1e-12);
  lo = 0.23;
  hi = 2.3;
  mm_plot_axis_log_range (&lo, &hi);
  g_assert_cmpfloat_with_epsilon (lo, 0.1, 1e-12);
  g_assert_cmpfloat_with_epsilon (hi, 10, 1e-12);
  lo = 0;
  hi = -1;
  mm_plot_axis_log_range (&lo, &hi);
  g_assert_cmpfloat_with_epsilon (lo, 0.1, 1e-12);
  g_assert_cmpfloat_with_epsilon (hi, 10, 1e-12);
}

static void
assert_labels (GArray             *ticks,
               const char * const *expected)
{
  guint n = 0;

  for (guint i = 0; i < ticks->len; i++)
    {
      const MmPlotTick *t = &g_array_index (ticks, MmPlotTick, i);

      if (!t->major)
        {
          g_assert_cmpstr (t->label, ==, "");
          continue;
        }
      g_assert_nonnull (expected[n]);
      g_assert_cmpstr (t->label, ==, expected[n]);
      n++;
    }
  g_assert_null (expected[n]);
}

/* A loss that stays at one value: the range from the data is one ulp wide
 * (found by the soak test: the ticks' loop never ended and filled the
 * memory). The range opens around the value, and ticks at a step below the
 * values' precision are refused instead of looping. */
static void
test_axis_below_precision (void)
{
  double lo = 0.98207104206085194, hi = 0.98207104206085205;
  double step = mm_plot_axis_nice_range (&lo, &hi, 6);
  g_autoptr(GArray) ticks = mm_plot_axis_ticks (lo, hi, step);
  g_autoptr(GArray) none = mm_plot_axis_ticks (0.98207104206085194, 0.98207104206085205, 2e-17);

  g_assert_cmpfloat (lo, <=, 0.9);
  g_assert_cmpfloat (hi, >=, 1.05);
  g_assert_cmpfloat (step, >=, 0.01);
  g_assert_cmpuint (ticks->len, >=, 2);
  g_assert_cmpuint (ticks->len, <=, 20);
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_axis_ticks (void)
{
  g_autoptr(GArray) a = mm_plot_axis_ticks (0, 1, 0.2);
  g_autoptr(GArray) b = mm_plot_axis_ticks (-1e6, 1.2e6, 2e5);
  g_autoptr(GArray) c = mm_plot_axis_ticks (0.0005, 0.0031, 0.0005);
  g_autoptr(GArray) d = mm_plot_axis_ticks (0.3, 0.35, 1);
  g_autoptr(GArray) e = mm_plot_axis_ticks (0, 1, 0);
  double prev = -INFINITY;

  assert_labels (a, (const char *[]) { "0", "0.2", "0.4", "0.6", "0.8", "1", NULL });
  assert_labels (b, (const char *[]) { "−1M", "−800k", "−600k", "−400k", "−200k", "0",
                                       "200k", "400k", "600k", "800k", "1M", "1.2M", NULL });
  assert_labels (c, (const char *[]) { "5e-4", "1e-3", "1.5e-3", "2e-3", "2.5e-3", "3e-3", NULL });
  g_assert_cmpuint (d->len, ==, 0);
  g_assert_cmpuint (e->len, ==, 0);
  for (guint i = 0; i < b->len; i++)
    {
      double v = g_array_index (b, MmPlotTick, i).value;

      g_assert_cmpfloat (v, >, prev);
      prev = v;
    }
}

static void
test_axis_log_ticks (void)
{
  g_autoptr(GArray) a = mm_plot_axis_log_ticks (0.01, 10, 8);
  g_autoptr(GArray) b = mm_plot_axis_log_ticks (1e-3, 1e12, 5);
  g_autoptr(GArray) c = mm_plot_axis_log_ticks (2, 8, 5);
  g_autoptr(GArray) d = mm_plot_axis_log_ticks (0, 10, 5);
  g_autoptr(GArray) e = mm_plot_axis_log_ticks (1e-5, 1e-2, 6);
  g_autoptr(GArray) f = mm_plot_axis_log_ticks (0.1, 1, 6);
  guint minor = 0;

  /* Decades labelled, 2…9 between them as minor ticks. */
  assert_labels (a, (const char *[]) { "0.01", "0.1", "1", "10", NULL });
  for (guint i = 0; i < a->len; i++)
    minor += !g_array_index (a, MmPlotTick, i).major;
  g_assert_cmpuint (minor, ==, 3 * 8);
  g_assert_cmpuint (a->len, ==, 4 + 3 * 8);

  /* 16 decades, at most 5 labels: every 4th decade. */
  assert_labels (b, (const char *[]) { "1", "10k", "100M", "1T", NULL });
  g_assert_cmpuint (b->len, ==, 16);

  /* No decade inside, or only one decade: 2 and 5 get labels too. */
  assert_labels (c, (const char *[]) { "2", "5", NULL });
  assert_labels (f, (const char *[]) { "0.1", "0.2", "0.5", "1", NULL });

  g_assert_cmpuint (d->len, ==, 0);
  assert_labels (e, (const char *[]) { "1e-5", "1e-4", "1e-3", "0.01", NULL });
}

static void
check_tick (double      value,
            double      step,
            const char *expected)
{
  g_autofree char *s = mm_plot_axis_format_tick (value, step);

  g_assert_cmpstr (s, ==, expected);
}

static void
check_value (double      value,
             guint       digits,
             const char *expected)
{
  g_autofree char *s = mm_plot_axis_format_value (value, digits);

  g_assert_cmpstr (s, ==, expected);
}

static void
test_axis_labels (void)
{
  check_tick (0.5, 0.5, "0.5");
  check_tick (1, 0.5, "1");
  check_tick (0.001, 0.001, "1e-3");
  check_tick (0.005, 0.005, "5e-3");
  check_tick (2.5e-4, 5e-5, "2.5e-4");
  check_tick (0.015, 0.005, "0.015");
  check_tick (0.25, 0.25, "0.25");
  check_tick (250, 50, "250");
  check_tick (1500, 500, "1500");
  check_tick (1000, 200, "1000");
  check_tick (2000, 1000, "2k");
  check_tick (12000, 2000, "12k");
  check_tick (10000, 2000, "10k");
  check_tick (1.2e6, 2e5, "1.2M");
  check_tick (1e6, 2e5, "1M");
  check_tick (3e9, 1e9, "3G");
  check_tick (2e12, 1e12, "2T");
  check_tick (1e15, 1e15, "1e15");
  check_tick (-0.5, 0.5, "−0.5");
  check_tick (0, 1, "0");
  check_tick (1e-17, 0.1, "0");
  check_tick (0.30000000000000004, 0.1, "0.3");
  check_tick (NAN, 1, "NaN");
  check_tick (999999, 1, "999.999k");

  check_value (0.234567, 4, "0.2346");
  check_value (12345, 4, "12345");
  check_value (93.75, 4, "93.75");
  check_value (2.5, 4, "2.5");
  check_value (1.23456e-5, 4, "1.235e-5");
  check_value (3.4e7, 3, "3.4e7");
  check_value (-2, 4, "−2");
  check_value (0, 4, "0");
  check_value (NAN, 4, "NaN");
  check_value (-INFINITY, 4, "−∞");
}

static void
test_axis_scale (void)
{
  MmPlotScale s;

  mm_plot_scale_init (&s, 0, 10, 100, 200, FALSE);
  g_assert_cmpfloat_with_epsilon (mm_plot_scale_to_pixel (&s, 5), 150, 1e-9);
  g_assert_cmpfloat_with_epsilon (mm_plot_scale_to_value (&s, 150), 5, 1e-9);
  g_assert_cmpfloat_with_epsilon (mm_plot_scale_to_pixel (&s, -10), 0, 1e-9);

  /* A y axis: pixels grow downwards. */
  mm_plot_scale_init (&s, 0, 1, 300, 0, FALSE);
  g_assert_cmpfloat_with_epsilon (mm_plot_scale_to_pixel (&s, 0.25), 225, 1e-9);
  g_assert_cmpfloat_with_epsilon (mm_plot_scale_to_value (&s, 75), 0.75, 1e-9);

  mm_plot_scale_init (&s, 0.1, 10, 0, 200, TRUE);
  g_assert_cmpfloat_with_epsilon (mm_plot_scale_to_pixel (&s, 1), 100, 1e-9);
  g_assert_cmpfloat_with_epsilon (mm_plot_scale_to_pixel (&s, 0.1), 0, 1e-9);
  g_assert_cmpfloat_with_epsilon (mm_plot_scale_to_value (&s, 100), 1, 1e-9);
  g_assert_true (isnan (mm_plot_scale_to_pixel (&s, 0)));
  g_assert_true (isnan (mm_plot_scale_to_pixel (&s, -1)));
  g_assert_true (isnan (mm_plot_scale_to_pixel (&s, NAN)));

  /* A degenerate range maps to the middle, not to infinity. */
  mm_plot_scale_init (&s, 1, 1, 0, 100, FALSE);
  g_assert_cmpfloat (mm_plot_scale_to_pixel (&s, 1), ==, 50);
  g_assert_cmpfloat (mm_plot_scale_to_pixel (&s, 7), ==, 50);
}

/* ---- series ----------------------------------------------------------------- */

static void
test_series_basics (void)
{
  g_autoptr(MmPlotSeries) s = mm_plot_series_new ();
  double lo, hi;
  gsize i;

  g_assert_false (mm_plot_series_get_x_range (s, &lo, &hi));
  g_assert_false (mm_plot_series_find_nearest_x (s, 1, &i));
  g_assert_true (mm_plot_series_append (s, 0, -1));
  g_assert_true (mm_plot_series_append (s, 1, 0));
  g_assert_false (mm_plot_series_append (s, NAN, 1));
  g_assert_false (mm_plot_series_append (s, INFINITY, 1));
  g_assert_true (mm_plot_series_append (s, 2, 2));
  g_assert_true (mm_plot_series_append (s, 3, NAN));
  g_assert_true (mm_plot_series_append (s, 3, 5)); /* equal x is fine */
  g_assert_true (mm_plot_series_append (s, 4, INFINITY));
  g_assert_cmpuint (mm_plot_series_get_length (s), ==, 6);

  g_assert_true (mm_plot_series_get_x_range (s, &lo, &hi));
  g_assert_cmpfloat (lo, ==, 0);
  g_assert_cmpfloat (hi, ==, 4);
  g_assert_true (mm_plot_series_get_y_range (s, 0, 6, MM_PLOT_SERIES_FINITE, &lo, &hi));
  g_assert_cmpfloat (lo, ==, -1);
  g_assert_cmpfloat (hi, ==, 5);
  g_assert_true (mm_plot_series_get_y_range (s, 0, 6, MM_PLOT_SERIES_POSITIVE, &lo, &hi));
  g_assert_cmpfloat (lo, ==, 2);
  g_assert_cmpfloat (hi, ==, 5);
  g_assert_false (mm_plot_series_get_y_range (s, 0, 2, MM_PLOT_SERIES_POSITIVE, &lo, &hi));
  g_assert_false (mm_plot_series_get_y_range (s, 5, 6, MM_PLOT_SERIES_FINITE, &lo, &hi));
  g_assert_true (mm_plot_series_is_valid (s, 1, MM_PLOT_SERIES_FINITE));
  g_assert_false (mm_plot_series_is_valid (s, 1, MM_PLOT_SERIES_POSITIVE));
  g_assert_false (mm_plot_series_is_valid (s, 3, MM_PLOT_SERIES_FINITE));
  g_assert_false (mm_plot_series_is_valid (s, 99, MM_PLOT_SERIES_FINITE));

  /* A decreasing x is a programming error. */
  g_test_expect_message ("myml-studio", G_LOG_LEVEL_CRITICAL, "*assertion*");
  g_assert_false (mm_plot_series_append (s, 1, 1));
  g_test_assert_expected_messages ();
  g_assert_cmpuint (mm_plot_series_get_length (s), ==, 6);

  mm_plot_series_clear (s);
  g_assert_cmpuint (mm_plot_series_get_length (s), ==, 0);
  g_assert_true (mm_plot_series_append (s, -5, 1));
}

static void
test_series_nearest_x (void)
{
  g_autoptr(MmPlotSeries) s = mm_plot_series_new ();
  gsize i;

  for (int k = 0; k < 1000; k++)
    mm_plot_series_append (s, 2 * k, k);

  g_assert_true (mm_plot_series_find_nearest_x (s, 3, &i));
  g_assert_cmpuint (i, ==, 1); /* a tie goes to the earlier point */
  g_assert_true (mm_plot_series_find_nearest_x (s, 3.1, &i));
  g_assert_cmpuint (i, ==, 2);
  g_assert_true (mm_plot_series_find_nearest_x (s, 1234.9, &i));
  g_assert_cmpuint (i, ==, 617);
  g_assert_true (mm_plot_series_find_nearest_x (s, -5, &i));
  g_assert_cmpuint (i, ==, 0);
  g_assert_true (mm_plot_series_find_nearest_x (s, 1e9, &i));
  g_assert_cmpuint (i, ==, 999);
  g_assert_false (mm_plot_series_find_nearest_x (s, NAN, &i));
  g_assert_cmpuint (mm_plot_series_lower_bound (s, 10), ==, 5);
  g_assert_cmpuint (mm_plot_series_upper_bound (s, 10), ==, 6);
  g_assert_cmpuint (mm_plot_series_lower_bound (s, 1e9), ==, 1000);

  /* Every query agrees with a linear scan. */
  for (int q = 0; q < 200; q++)
    {
      double x = g_test_rand_double_range (-10, 2010);
      gsize best = 0;

      for (gsize k = 1; k < 1000; k++)
        if (fabs (2.0 * k - x) < fabs (2.0 * best - x))
          best = k;
      g_assert_true (mm_plot_series_find_nearest_x (s, x, &i));
      g_assert_cmpuint (i, ==, best);
    }
}

/* A million points with noise, two spikes and a few holes. */
static MmPlotSeries *
million_series (void)
{
  MmPlotSeries *s = mm_plot_series_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (gsize i = 0; i < MILLION; i++)
    {
      double y = g_rand_double (rand);

      if (i == 123457)
        y = 50;
      else if (i == 654321)
        y = -40;
      else if (i % 99991 == 17)
        y = NAN;
      else if (i % 77773 == 5)
        y = INFINITY;
      mm_plot_series_append (s, (double) i, y);
    }
  return s;
}

static void
test_series_decimate (void)
{
  g_autoptr(MmPlotSeries) s = million_series ();
  g_autofree MmPlotColumn *cols = g_new (MmPlotColumn, 1000);
  double all_min = INFINITY, all_max = -INFINITY;
  guint n;

  /* x = 0 … 999999 over [0, 10^6] in 1000 columns: column c holds exactly
   * the points 1000c … 1000c + 999. Compare every column with a scan. */
  n = mm_plot_series_decimate (s, 0, MILLION, 1000, MM_PLOT_SERIES_FINITE, cols);
  g_assert_cmpuint (n, ==, 1000);
  for (guint c = 0; c < n; c++)
    {
      const MmPlotColumn *col = &cols[c];
      double mn = INFINITY, mx = -INFINITY;
      gsize first = G_MAXSIZE, last = 0;

      g_assert_cmpuint (col->column, ==, c);
      g_assert_cmpuint (col->n, ==, 1000);
      for (gsize i = 1000 * c; i < 1000 * (c + 1); i++)
        {
          double y = mm_plot_series_get_y (s, i);

          if (!isfinite (y))
            continue;
          mn = MIN (mn, y);
          mx = MAX (mx, y);
          first = MIN (first, i);
          last = i;
        }
      g_assert_cmpfloat (col->y_min, ==, mn);
      g_assert_cmpfloat (col->y_max, ==, mx);
      g_assert_cmpuint (col->i_first, ==, first);
      g_assert_cmpuint (col->i_last, ==, last);
      g_assert_cmpfloat (col->x_first, ==, (double) first);
      g_assert_cmpfloat (col->y_first, ==, mm_plot_series_get_y (s, first));
      g_assert_cmpfloat (col->y_last, ==, mm_plot_series_get_y (s, last));
      all_min = MIN (all_min, col->y_min);
      all_max = MAX (all_max, col->y_max);
    }
  /* The spikes survive. */
  g_assert_cmpfloat (all_max, ==, 50);
  g_assert_cmpfloat (all_min, ==, -40);

  /* Odd ranges and widths: columns increase, cover every point in range
   * once, and each summary matches its index range. */
  for (int q = 0; q < 20; q++)
    {
      double x0 = g_test_rand_double_range (-1000, 600000);
      double x1 = x0 + g_test_rand_double_range (1, 500000);
      guint width = g_test_rand_int_range (1, 1000);
      MmPlotSeriesFilter filter = q % 2 ? MM_PLOT_SERIES_POSITIVE : MM_PLOT_SERIES_FINITE;
      gsize total = 0, in_range;

      in_range = mm_plot_series_upper_bound (s, x1) - mm_plot_series_lower_bound (s, x0);
      n = mm_plot_series_decimate (s, x0, x1, width, filter, cols);
      g_assert_cmpuint (n, <=, width);
      for (guint c = 0; c < n; c++)
        {
          const MmPlotColumn *col = &cols[c];
          double mn = INFINITY, mx = -INFINITY;

          if (c > 0)
            {
              g_assert_cmpuint (col->column, >, cols[c - 1].column);
              /* Only skipped points lie between two columns. */
              for (gsize i = cols[c - 1].i_last + 1; i < col->i_first; i++)
                g_assert_false (mm_plot_series_is_valid (s, i, filter));
            }
          g_assert_cmpuint (col->column, <, width);
          g_assert_true (mm_plot_series_is_valid (s, col->i_first, filter));
          g_assert_true (mm_plot_series_is_valid (s, col->i_last, filter));
          g_assert_cmpfloat (col->x_first, >=, x0);
          g_assert_cmpfloat (col->x_last, <=, x1);
          for (gsize i = col->i_first; i <= col->i_last; i++)
            if (mm_plot_series_is_valid (s, i, filter))
              {
                mn = MIN (mn, mm_plot_series_get_y (s, i));
                mx = MAX (mx, mm_plot_series_get_y (s, i));
              }
          g_assert_cmpfloat (col->y_min, ==, mn);
          g_assert_cmpfloat (col->y_max, ==, mx);
          total += col->n;
        }
      /* Columns without a valid point are left out, so ≤. */
      g_assert_cmpuint (total, <=, in_range);
      g_assert_cmpuint (total + 200, >=, in_range);
    }

  /* Degenerate requests. */
  g_assert_cmpuint (mm_plot_series_decimate (s, 0, MILLION, 0, MM_PLOT_SERIES_FINITE, cols), ==, 0);
  g_assert_cmpuint (mm_plot_series_decimate (s, 10, 5, 10, MM_PLOT_SERIES_FINITE, cols), ==, 0);
  g_assert_cmpuint (mm_plot_series_decimate (s, NAN, 5, 10, MM_PLOT_SERIES_FINITE, cols), ==, 0);
  n = mm_plot_series_decimate (s, 6, 6, 10, MM_PLOT_SERIES_FINITE, cols);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (cols[0].i_first, ==, 6);
  /* (x = 5 holds an infinity.) */
  g_assert_cmpuint (mm_plot_series_decimate (s, 5, 5, 10, MM_PLOT_SERIES_FINITE, cols), ==, 0);
}

/* The drawn path of a decimated million points: ≤ 2·W segments. */
static void
test_series_segments (void)
{
  g_autoptr(MmPlotLayer) layer = mm_plot_layer_new ("loss", &red, MM_PLOT_STYLE_LINE, MM_PLOT_Y_AXIS_LEFT);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 10, 10);
  cairo_t *cr = cairo_create (surface);
  const guint widths[] = { 1, 7, 800, 1200, 3000 };
  MmPlotScale xs, ys;

  for (gsize i = 0; i < MILLION; i++)
    mm_plot_series_append (layer->series, i, sin (i * 0.001) + (i % 1000 == 0 ? 5 : 0));

  for (guint k = 0; k < G_N_ELEMENTS (widths); k++)
    {
      guint w = widths[k];
      cairo_path_t *path;
      guint line_to = 0, segments;

      mm_plot_scale_init (&xs, 0, MILLION - 1, 0, w, FALSE);
      mm_plot_scale_init (&ys, -1, 6, 400, 0, FALSE);
      g_assert_cmpuint (mm_plot_layer_update (layer, &xs, &ys, w), <=, w);
      cairo_new_path (cr);
      segments = mm_plot_layer_append_band_path (layer, cr, &xs, &ys, 2);
      segments += mm_plot_layer_append_line_path (layer, cr, &xs, &ys);
      path = cairo_copy_path (cr);
      for (int i = 0; i < path->num_data; i += path->data[i].header.length)
        line_to += path->data[i].header.type == CAIRO_PATH_LINE_TO;
      cairo_path_destroy (path);
      /* (cairo merges collinear segments, so it may hold fewer.) */
      g_assert_cmpuint (line_to, <=, segments);
      g_assert_cmpuint (line_to, <=, 2 * w);
      g_assert_cmpuint (segments, <=, 2 * w);
      g_assert_cmpuint (segments, >=, w);
    }

  /* Sparse data are drawn exactly: one vertex per point. */
  mm_plot_series_clear (layer->series);
  for (int i = 0; i < 10; i++)
    mm_plot_series_append (layer->series, i, i % 3);
  mm_plot_scale_init (&xs, 0, 9, 0, 800, FALSE);
  g_assert_cmpuint (mm_plot_layer_update (layer, &xs, &ys, 800), ==, 10);
  cairo_new_path (cr);
  g_assert_cmpuint (mm_plot_layer_append_band_path (layer, cr, &xs, &ys, 2), ==, 0);
  g_assert_cmpuint (mm_plot_layer_append_line_path (layer, cr, &xs, &ys), ==, 10);

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

/* ---- the widget -------------------------------------------------------------- */

static void
test_plot_empty (void)
{
  g_autoptr(MmPlot) plot = new_plot ();
  cairo_surface_t *surface;
  guint series;
  gsize index;
  gboolean dark = FALSE;

  g_assert_false (mm_plot_find_nearest (plot, 10, 10, &series, &index));
  surface = export_and_load (plot, "plot-empty.png", 400, 200);
  /* Corners are background; the placeholder is dim text in the middle. */
  assert_light (surface, 2, 2);
  assert_light (surface, 397, 197);
  for (int x = 100; x < 300 && !dark; x++)
    for (int y = 90; y < 110 && !dark; y++)
      dark = !is_light (pixel (surface, x, y)) || dark;
  g_assert_true (dark);
  cairo_surface_destroy (surface);
  g_assert_false (mm_plot_find_nearest (plot, 200, 100, &series, &index));

  /* Series without points still show the placeholder. */
  mm_plot_add_series (plot, "Loss", NULL, MM_PLOT_STYLE_LINE, MM_PLOT_Y_AXIS_LEFT);
  surface = export_and_load (plot, "plot-empty.png", 400, 200);
  assert_light (surface, 2, 2);
  cairo_surface_destroy (surface);
}

static void
test_plot_million (void)
{
  g_autoptr(MmPlot) plot = new_plot ();
  g_autofree double *xs = g_new (double, MILLION);
  g_autofree double *ys = g_new (double, MILLION);
  cairo_surface_t *surface;
  guint loss, acc;
  double px, py, px2, py2, top_x, top_y;
  gint64 t0;

  loss = mm_plot_add_series (plot, "Loss", &red, MM_PLOT_STYLE_LINE, MM_PLOT_Y_AXIS_LEFT);
  acc = mm_plot_add_series (plot, "Accuracy", &green, MM_PLOT_STYLE_POINTS, MM_PLOT_Y_AXIS_RIGHT);
  for (gsize i = 0; i < MILLION; i++)
    {
      xs[i] = i;
      ys[i] = 1 + 0.1 * sin (i * 0.01);
    }
  ys[MILLION / 2] = 3; /* one spike among a million */
  mm_plot_append_many (plot, loss, xs, ys, MILLION);
  for (int e = 1; e <= 10; e++)
    mm_plot_append (plot, acc, e * (MILLION / 10.0), 50 + 4 * e);
  g_assert_cmpuint (mm_plot_get_n_points (plot, loss), ==, MILLION);
  g_assert_cmpuint (mm_plot_get_n_points (plot, acc), ==, 10);
  mm_plot_set_x_scale (plot, 1.0 / (MILLION / 10), NULL);
  g_assert_cmpstr (mm_plot_get_x_label (plot), ==, "Epoch");

  t0 = g_get_monotonic_time ();
  surface = export_and_load (plot, "plot.png", 800, 400);
  g_test_message ("export of 10^6 points: %.1f ms", (g_get_monotonic_time () - t0) / 1000.0);

  /* The band of the loss curve a quarter of the way in. */
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, MILLION / 4, 1.0, &px, &py);
  g_assert_cmpfloat (px, >, 50);
  g_assert_cmpfloat (px, <, 400);
  assert_color (surface, px, py, &red);
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, MILLION / 4, 1.6, &px2, &py2);
  g_assert_cmpfloat (py - py2, >, 20);
  assert_light (surface, px2, py2);

  /* The single spike reaches its full height. */
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, MILLION / 2, 2.8, &top_x, &top_y);
  assert_color (surface, top_x, top_y, &red);
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, MILLION / 2, 3.0, &px, &py);
  g_assert_cmpfloat (py, >, 0);
  /* … and nothing else does. */
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, MILLION / 2 - 30000, 2.8, &px, &py);
  assert_light (surface, px, py);

  /* An accuracy marker on the right axis. */
  to_pixel (plot, MM_PLOT_Y_AXIS_RIGHT, 3 * (MILLION / 10.0), 62, &px, &py);
  assert_color (surface, px, py, &green);

  /* Hidden, the loss disappears. */
  cairo_surface_destroy (surface);
  mm_plot_set_series_visible (plot, loss, FALSE);
  g_assert_false (mm_plot_get_series_visible (plot, loss));
  surface = export_and_load (plot, "plot-hidden.png", 800, 400);
  to_pixel (plot, MM_PLOT_Y_AXIS_RIGHT, 3 * (MILLION / 10.0), 62, &px, &py);
  assert_color (surface, px, py, &green);
  cairo_surface_destroy (surface);
}

static void
test_plot_nearest (void)
{
  g_autoptr(MmPlot) plot = new_plot ();
  cairo_surface_t *surface;
  guint a, b, series = 99;
  gsize index = 99;
  double px, py, qx, qy;

  a = mm_plot_add_series (plot, "a", &red, MM_PLOT_STYLE_LINE, MM_PLOT_Y_AXIS_LEFT);
  b = mm_plot_add_series (plot, "b", &blue, MM_PLOT_STYLE_POINTS, MM_PLOT_Y_AXIS_RIGHT);
  for (int i = 0; i <= 10; i++)
    {
      mm_plot_append (plot, a, i * 100, 10 - i);
      mm_plot_append (plot, b, i * 100, 20 + 3 * i);
    }
  /* Before any layout there is nothing to hit. */
  g_assert_false (mm_plot_find_nearest (plot, 100, 100, &series, &index));
  surface = export_and_load (plot, "plot-nearest.png", 600, 300);
  cairo_surface_destroy (surface);

  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 300, 7, &px, &py);
  g_assert_true (mm_plot_find_nearest (plot, px + 3, py - 2, &series, &index));
  g_assert_cmpuint (series, ==, a);
  g_assert_cmpuint (index, ==, 3);

  to_pixel (plot, MM_PLOT_Y_AXIS_RIGHT, 700, 41, &qx, &qy);
  g_assert_true (mm_plot_find_nearest (plot, qx - 2, qy + 3, &series, &index));
  g_assert_cmpuint (series, ==, b);
  g_assert_cmpuint (index, ==, 7);

  /* Nothing within reach. */
  g_assert_false (mm_plot_find_nearest (plot, px, py - 80, &series, &index));

  /* Hidden series are not hit. */
  mm_plot_set_series_visible (plot, a, FALSE);
  g_assert_false (mm_plot_find_nearest (plot, px + 3, py - 2, &series, &index));
  mm_plot_set_series_visible (plot, a, TRUE);

  /* The nearest in screen space, across series: two series at one x. */
  mm_plot_remove_all_series (plot);
  g_assert_cmpuint (mm_plot_get_n_series (plot), ==, 0);
  a = mm_plot_add_series (plot, "a", &red, MM_PLOT_STYLE_LINE, MM_PLOT_Y_AXIS_LEFT);
  b = mm_plot_add_series (plot, "b", &blue, MM_PLOT_STYLE_LINE, MM_PLOT_Y_AXIS_LEFT);
  for (int i = 0; i <= 100; i++)
    {
      mm_plot_append (plot, a, i, 1);
      mm_plot_append (plot, b, i, 2);
    }
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 50, 1.1, &px, &py);
  g_assert_true (mm_plot_find_nearest (plot, px, py, &series, &index));
  g_assert_cmpuint (series, ==, a);
  g_assert_cmpuint (index, ==, 50);
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 50.2, 1.9, &px, &py);
  g_assert_true (mm_plot_find_nearest (plot, px, py, &series, &index));
  g_assert_cmpuint (series, ==, b);
  g_assert_cmpuint (index, ==, 50);
}

static void
test_plot_log_nonpositive (void)
{
  g_autoptr(MmPlot) plot = new_plot ();
  cairo_surface_t *surface;
  guint s, series;
  gsize index;
  double px, py;

  s = mm_plot_add_series (plot, "loss", &red, MM_PLOT_STYLE_LINE, MM_PLOT_Y_AXIS_LEFT);
  mm_plot_set_log_y (plot, TRUE);

  /* Only zeros and negatives: nothing to draw, nothing to hit, no crash. */
  for (int i = 0; i < 100; i++)
    mm_plot_append (plot, s, i, i % 2 ? 0 : -i);
  surface = export_and_load (plot, "plot-log-empty.png", 400, 200);
  cairo_surface_destroy (surface);
  g_assert_false (mm_plot_value_to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 10, 0, &px, &py));
  g_assert_false (mm_plot_value_to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 10, -3, &px, &py));
  for (int x = 0; x < 400; x += 7)
    g_assert_false (mm_plot_find_nearest (plot, x, 100, &series, &index));

  /* Mixed: the positive values are drawn, the others break the line. */
  mm_plot_clear (plot);
  g_assert_cmpuint (mm_plot_get_n_series (plot), ==, 1);
  g_assert_cmpuint (mm_plot_get_n_points (plot, s), ==, 0);
  for (int i = 0; i < 1000; i++)
    mm_plot_append (plot, s, i, i >= 400 && i < 600 ? (i % 2 ? 0.0 : -1.0) : 0.5);
  surface = export_and_load (plot, "plot-log.png", 600, 300);
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 200, 0.5, &px, &py);
  assert_color (surface, px, py, &red);
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 500, 0.5, &px, &py);
  assert_light (surface, px, py);
  /* The gap is 200 steps ≈ 110 px wide: its middle is out of reach. */
  g_assert_false (mm_plot_find_nearest (plot, px, py, &series, &index));
  cairo_surface_destroy (surface);

  /* Back to linear: the zeros and negatives are drawn again. */
  mm_plot_set_log_y (plot, FALSE);
  surface = export_and_load (plot, "plot-log-off.png", 600, 300);
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 500, 0, &px, &py);
  g_assert_true (mm_plot_find_nearest (plot, px, py, &series, &index));
  g_assert_cmpuint (index, >=, 400);
  g_assert_cmpuint (index, <, 600);
  cairo_surface_destroy (surface);
}

static void
test_plot_nan (void)
{
  g_autoptr(MmPlot) plot = new_plot ();
  cairo_surface_t *surface;
  guint s, series;
  gsize index;
  double px, py;

  s = mm_plot_add_series (plot, "loss", &red, MM_PLOT_STYLE_LINE, MM_PLOT_Y_AXIS_LEFT);
  for (int i = 0; i < 1000; i++)
    {
      double y = 1;

      if (i >= 400 && i < 600)
        y = i % 3 == 0 ? NAN : i % 3 == 1 ? INFINITY : -INFINITY;
      mm_plot_append (plot, s, i, y);
    }
  mm_plot_append (plot, s, NAN, 1);      /* ignored */
  mm_plot_append (plot, s, INFINITY, 1); /* ignored */
  g_assert_cmpuint (mm_plot_get_n_points (plot, s), ==, 1000);
  surface = export_and_load (plot, "plot-nan.png", 600, 300);
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 200, 1, &px, &py);
  assert_color (surface, px, py, &red);
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 800, 1, &px, &py);
  assert_color (surface, px, py, &red);
  /* The line is broken over the non-finite values, not bridged. */
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 500, 1, &px, &py);
  assert_light (surface, px, py);
  g_assert_false (mm_plot_find_nearest (plot, px, py, &series, &index));
  cairo_surface_destroy (surface);

  /* Nothing but NaN: axes, no line, no crash. */
  mm_plot_clear (plot);
  for (int i = 0; i < 50; i++)
    mm_plot_append (plot, s, i, NAN);
  surface = export_and_load (plot, "plot-nan-only.png", 400, 200);
  cairo_surface_destroy (surface);
  g_assert_false (mm_plot_find_nearest (plot, 200, 100, &series, &index));
}

static void
test_plot_one_point (void)
{
  g_autoptr(MmPlot) plot = new_plot ();
  cairo_surface_t *surface;
  guint s, series;
  gsize index;
  double px, py;

  s = mm_plot_add_series (plot, "loss", &red, MM_PLOT_STYLE_POINTS, MM_PLOT_Y_AXIS_LEFT);
  mm_plot_append (plot, s, 0, 2.3);
  surface = export_and_load (plot, "plot-one.png", 400, 200);
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 0, 2.3, &px, &py);
  g_assert_cmpfloat (px, >, 0);
  g_assert_cmpfloat (py, >, 0);
  g_assert_cmpfloat (py, <, 200);
  assert_color (surface, px + 1, py, &red);
  g_assert_true (mm_plot_find_nearest (plot, px, py, &series, &index));
  g_assert_cmpuint (index, ==, 0);
  cairo_surface_destroy (surface);

  /* All y equal: a flat line inside the plot, not at an edge. */
  for (int i = 1; i < 100; i++)
    mm_plot_append (plot, s, i, 2.3);
  mm_plot_set_log_y (plot, TRUE);
  surface = export_and_load (plot, "plot-flat-log.png", 400, 200);
  cairo_surface_destroy (surface);
  mm_plot_set_log_y (plot, FALSE);
  surface = export_and_load (plot, "plot-flat.png", 400, 200);
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 50, 2.3, &px, &py);
  g_assert_cmpfloat (py, >, 20);
  g_assert_cmpfloat (py, <, 170);
  assert_color (surface, px, py, &red);
  cairo_surface_destroy (surface);
}

static void
test_plot_robust (void)
{
  g_autoptr(MmPlot) plot = new_plot ();
  cairo_surface_t *surface;
  guint s;
  double px, py, top_py, bottom_py;

  s = mm_plot_add_series (plot, "batch loss", &red, MM_PLOT_STYLE_THIN_LINE, MM_PLOT_Y_AXIS_LEFT);
  for (int i = 0; i < 200; i++)
    mm_plot_append (plot, s, i, i < 3 ? 1000 : 2 - i / 200.0);
  g_assert_true (mm_plot_get_robust_y (plot));
  surface = export_and_load (plot, "plot-robust.png", 600, 300);
  cairo_surface_destroy (surface);
  /* The first three losses leave the plot; the rest fill it. */
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 0, 1000, &px, &top_py);
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 0, 0, &px, &bottom_py);
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 10, 2, &px, &py);
  g_assert_cmpfloat (top_py, <, 0);
  g_assert_cmpfloat (bottom_py - py, >, 0.5 * bottom_py);

  mm_plot_set_robust_y (plot, FALSE);
  surface = export_and_load (plot, "plot-not-robust.png", 600, 300);
  cairo_surface_destroy (surface);
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 0, 1000, &px, &top_py);
  g_assert_cmpfloat (top_py, >, 0);
}

static void
test_plot_markers_svg (void)
{
  g_autoptr(MmPlot) plot = new_plot ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = build_path ("plot.svg");
  g_autofree char *contents = NULL;
  g_autofree char *bad = build_path ("no-such-dir/plot.png");
  cairo_surface_t *surface;
  guint s;
  double px, py;
  gsize len;

  s = mm_plot_add_series (plot, "Loss", &red, MM_PLOT_STYLE_LINE, MM_PLOT_Y_AXIS_LEFT);
  for (int i = 0; i < 5000; i++)
    mm_plot_append (plot, s, i, 2.0 / (1 + i / 500.0));
  mm_plot_add_marker (plot, 2500, "lr → 0.01");
  mm_plot_add_marker (plot, 2600, "lr → 0.001");
  mm_plot_add_marker (plot, NAN, "ignored");
  surface = export_and_load (plot, "plot-markers.png", 600, 300);
  /* The dashed line sits at its x, somewhere between top and bottom. */
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 2500, 1.0, &px, &py);
  {
    gboolean seen = FALSE;

    for (int y = 40; y < 250 && !seen; y++)
      seen = !is_light (pixel (surface, px, y));
    g_assert_true (seen);
  }
  cairo_surface_destroy (surface);

  g_assert_true (mm_plot_export_svg (plot, path, 600, 300, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 0);
  g_assert_nonnull (strstr (contents, "<svg"));

  g_assert_false (mm_plot_export_png (plot, bad, 100, 100, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (mm_plot_export_svg (plot, bad, 100, 100, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);

  mm_plot_clear_markers (plot);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_plot_properties (void)
{
  g_autoptr(MmPlot) plot = new_plot ();
  guint n_log = 0, n_scale = 0, n_label = 0, n_pres = 0;
  cairo_surface_t *surface;
  guint s;

  g_signal_connect (plot, "notify::log-y", G_CALLBACK (count_notify), &n_log);
  g_signal_connect (plot, "notify::x-scale", G_CALLBACK (count_notify), &n_scale);
  g_signal_connect (plot, "notify::x-label", G_CALLBACK (count_notify), &n_label);
  g_signal_connect (plot, "notify::presentation-scale", G_CALLBACK (count_notify), &n_pres);

  mm_plot_set_log_y (plot, TRUE);
  mm_plot_set_log_y (plot, TRUE);
  g_assert_cmpuint (n_log, ==, 1);
  g_assert_true (mm_plot_get_log_y (plot));
  g_object_set (plot, "log-y", FALSE, NULL);
  g_assert_cmpuint (n_log, ==, 2);

  g_assert_cmpstr (mm_plot_get_x_label (plot), ==, "Step");
  mm_plot_set_x_scale (plot, 0.01, "Epoch");
  mm_plot_set_x_scale (plot, 0.01, "Epoch");
  g_assert_cmpuint (n_scale, ==, 1);
  g_assert_cmpuint (n_label, ==, 1);
  mm_plot_set_x_scale (plot, 1, NULL);
  g_assert_cmpstr (mm_plot_get_x_label (plot), ==, "Step");
  g_assert_cmpfloat (mm_plot_get_x_scale (plot), ==, 1);

  mm_plot_set_presentation_scale (plot, 2);
  mm_plot_set_presentation_scale (plot, 2);
  g_assert_cmpuint (n_pres, ==, 1);

  mm_plot_set_y_label (plot, MM_PLOT_Y_AXIS_LEFT, "Cross-entropy");
  g_assert_cmpstr (mm_plot_get_y_label (plot, MM_PLOT_Y_AXIS_LEFT), ==, "Cross-entropy");
  mm_plot_set_y_label (plot, MM_PLOT_Y_AXIS_LEFT, NULL);
  g_assert_cmpstr (mm_plot_get_y_label (plot, MM_PLOT_Y_AXIS_LEFT), ==, "Loss");
  g_assert_cmpstr (mm_plot_get_y_label (plot, MM_PLOT_Y_AXIS_RIGHT), ==, "Accuracy (%)");
  g_assert_cmpstr (mm_plot_get_placeholder_text (plot), ==, "Press Train to start");

  /* Presentation scale 2 still lays out a small plot. */
  s = mm_plot_add_series (plot, "Loss", NULL, MM_PLOT_STYLE_LINE, MM_PLOT_Y_AXIS_LEFT);
  for (int i = 0; i < 100; i++)
    mm_plot_append (plot, s, i, 1.0 / (i + 1));
  surface = export_and_load (plot, "plot-classroom.png", 300, 150);
  cairo_surface_destroy (surface);

  /* A decreasing x is refused with a critical. */
  g_test_expect_message ("myml-studio", G_LOG_LEVEL_CRITICAL, "*assertion*");
  mm_plot_append (plot, s, 3, 1);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (mm_plot_get_n_points (plot, s), ==, 100);
}

/* The widget on screen: size, hover read-out, leaving. */
static void
test_plot_window (void)
{
  GtkWidget *window = gtk_window_new ();
  MmPlot *plot = MM_PLOT (mm_plot_new ());
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  cairo_surface_t *surface;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  guint s, series;
  gsize index;
  double px, py;
  int w, h;

  s = mm_plot_add_series (plot, "Loss", &blue, MM_PLOT_STYLE_LINE, MM_PLOT_Y_AXIS_LEFT);
  for (int i = 0; i <= 1000; i++)
    mm_plot_append (plot, s, i, 2.0 - i / 1000.0);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (plot));
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 360);
  gtk_window_present (GTK_WINDOW (window));
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (plot)) && gtk_widget_get_width (GTK_WIDGET (plot)) > 100);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
  w = gtk_widget_get_width (GTK_WIDGET (plot));
  h = gtk_widget_get_height (GTK_WIDGET (plot));

  /* Queries use the widget's own size now. */
  to_pixel (plot, MM_PLOT_Y_AXIS_LEFT, 500, 1.5, &px, &py);
  g_assert_cmpfloat (px, <, w);
  g_assert_cmpfloat (py, <, h);
  g_assert_true (mm_plot_find_nearest (plot, px, py, &series, &index));
  g_assert_cmpuint (index, ==, 500);
  /* Below a falling line, the nearest point lies a little to the right. */
  g_assert_true (mm_plot_find_nearest (plot, px, py + 3, &series, &index));
  g_assert_cmpuint (index, >=, 500);
  g_assert_cmpuint (index, <=, 510);

  /* Hover: a dot of the series' colour on the point. */
  mm_plot_set_hover (plot, px + 2, py + 2);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
  paintable = gtk_widget_paintable_new (GTK_WIDGET (plot));
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (gtk_widget_get_native (GTK_WIDGET (plot)));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cairo_surface_flush (surface);
  gdk_texture_download (texture, cairo_image_surface_get_data (surface),
                        cairo_image_surface_get_stride (surface));
  cairo_surface_mark_dirty (surface);
  assert_color (surface, px, py, &blue);
  {
    g_autofree char *path = build_path ("plot-window.png");

    g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  }
  cairo_surface_destroy (surface);
  mm_plot_clear_hover (plot);

  /* Many appends between two frames are fine (one redraw per frame). */
  for (int i = 1001; i < 200000; i++)
    mm_plot_append (plot, s, i, 1.0);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
  g_assert_cmpuint (mm_plot_get_n_points (plot, s), ==, 200000);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/axis/nice-step", test_axis_nice_step);
  g_test_add_func ("/plot/axis/nice-range", test_axis_nice_range);
  g_test_add_func ("/plot/axis/ticks", test_axis_ticks);
  g_test_add_func ("/plot/axis/below-precision", test_axis_below_precision);
  g_test_add_func ("/plot/axis/log-ticks", test_axis_log_ticks);
  g_test_add_func ("/plot/axis/labels", test_axis_labels);
  g_test_add_func ("/plot/axis/scale", test_axis_scale);
  g_test_add_func ("/plot/series/basics", test_series_basics);
  g_test_add_func ("/plot/series/nearest-x", test_series_nearest_x);
  g_test_add_func ("/plot/series/decimate", test_series_decimate);
  g_test_add_func ("/plot/series/segments", test_series_segments);
  g_test_add_func ("/plot/widget/empty", test_plot_empty);
  g_test_add_func ("/plot/widget/million", test_plot_million);
  g_test_add_func ("/plot/widget/nearest", test_plot_nearest);
  g_test_add_func ("/plot/widget/log-nonpositive", test_plot_log_nonpositive);
  g_test_add_func ("/plot/widget/nan", test_plot_nan);
  g_test_add_func ("/plot/widget/one-point", test_plot_one_point);
  g_test_add_func ("/plot/widget/robust", test_plot_robust);
  g_test_add_func ("/plot/widget/markers-svg", test_plot_markers_svg);
  g_test_add_func ("/plot/widget/properties", test_plot_properties);
  g_test_add_func ("/plot/widget/window", test_plot_window);

  return g_test_run ();
}
