/* mm-plot-axis.c — scales, "nice" ticks and compact tick labels. */
#include "mm-plot-axis.h"

#include <math.h>
#include <string.h>

#define MINUS "\xe2\x88\x92" /* U+2212 MINUS SIGN */

/* ---- scales ---------------------------------------------------------- */

static inline double
transform (gboolean log,
           double   v)
{
  if (log)
    return v > 0 ? log10 (v) : NAN;
  return v;
}

void
mm_plot_scale_init (MmPlotScale *scale,
                    double       v0,
                    double       v1,
                    double       p0,
                    double       p1,
                    gboolean     log)
{
  double t1;

  g_return_if_fail (scale != NULL);

  scale->v0 = v0;
  scale->v1 = v1;
  scale->p0 = p0;
  scale->p1 = p1;
  scale->log = log;
  scale->t0 = transform (log, v0);
  t1 = transform (log, v1);
  /* A degenerate range maps everything to the middle rather than to ±inf. */
  if (isfinite (scale->t0) && isfinite (t1) && t1 != scale->t0)
    scale->k = (p1 - p0) / (t1 - scale->t0);
  else
    scale->k = 0;
}

/* NaN for values the scale cannot show (v ≤ 0 on a log scale, NaN). */
double
mm_plot_scale_to_pixel (const MmPlotScale *scale,
                        double             value)
{
  double t;

  g_return_val_if_fail (scale != NULL, NAN);

  t = transform (scale->log, value);
  if (isnan (t))
    return NAN;
  if (scale->k == 0)
    return (scale->p0 + scale->p1) / 2;
  return scale->p0 + (t - scale->t0) * scale->k;
}

double
mm_plot_scale_to_value (const MmPlotScale *scale,
                        double             pixel)
{
  double t;

  g_return_val_if_fail (scale != NULL, NAN);

  if (scale->k == 0)
    return scale->v0;
  t = scale->t0 + (pixel - scale->p0) / scale->k;
  return scale->log ? pow (10, t) : t;
}

/* ---- ranges and ticks ------------------------------------------------- */

/* The step among 1, 2, 5 × 10^k that splits @span into at most @max_ticks
 * intervals (one more when rounding makes it unavoidable). */
double
mm_plot_axis_nice_step (double span,
                        guint  max_ticks)
{
  double raw, mag, f;

  if (!isfinite (span) || span <= 0)
    return 1;
  raw = span / MAX (max_ticks, 1);
  mag = pow (10, floor (log10 (raw)));
  f = raw / mag;
  if (f <= 1 + 1e-9)
    return mag;
  if (f <= 2 + 1e-9)
    return 2 * mag;
  if (f <= 5 + 1e-9)
    return 5 * mag;
  return 10 * mag;
}

/* Widens [lo, hi] outwards to multiples of a nice step and returns the step.
 * An empty range (lo = hi) is opened around its value first; a non-finite
 * one becomes [0, 1]. */
double
mm_plot_axis_nice_range (double *lo,
                         double *hi,
                         guint   max_ticks)
{
  double step, a, b;

  g_return_val_if_fail (lo != NULL && hi != NULL, 1);

  a = *lo;
  b = *hi;
  if (!isfinite (a) || !isfinite (b))
    {
      a = 0;
      b = 1;
    }
  if (b < a)
    {
      double t = a;

      a = b;
      b = t;
    }
  /* Empty, or narrower than doubles can tell apart near these values (a
   * loss that stays at 0.98207104206085194 gives hi − lo = 1e-16, whose
   * "nice step" 2e-17 does not change 0.98 when added): open it around its
   * value. */
  if (b - a <= 1e-9 * MAX (fabs (a), fabs (b)))
    {
      double m = (a + b) / 2;
      double d = m != 0 ? fabs (m) * 0.1 : 1;

      a = m - d;
      b = m + d;
    }
  step = mm_plot_axis_nice_step (b - a, max_ticks);
  a = floor (a / step + 1e-9) * step;
  b = ceil (b / step - 1e-9) * step;
  /* −0 would print as "−0". */
  *lo = a == 0 ? 0 : a;
  *hi = b == 0 ? 0 : b;
  return step;
}

/* Widens [lo, hi] (both > 0) outwards to whole decades; a range inside one
 * decade boundary (lo = hi = 10^k) gets a decade on each side. Invalid input
 * becomes [0.1, 10]. */
void
mm_plot_axis_log_range (double *lo,
                        double *hi)
{
  double k0, k1;

  g_return_if_fail (lo != NULL && hi != NULL);

  if (!isfinite (*lo) || !isfinite (*hi) || *lo <= 0 || *hi <= 0)
    {
      *lo = 0.1;
      *hi = 10;
      return;
    }
  k0 = floor (log10 (MIN (*lo, *hi)) + 1e-9);
  k1 = ceil (log10 (MAX (*lo, *hi)) - 1e-9);
  if (k1 <= k0)
    {
      k0 -= 1;
      k1 += 1;
    }
  *lo = pow (10, k0);
  *hi = pow (10, k1);
}

static void
add_tick (GArray   *ticks,
          double    value,
          gboolean  major,
          double    step)
{
  MmPlotTick t = { .value = value, .major = major };

  if (major)
    {
      g_autofree char *label = mm_plot_axis_format_tick (value, step);

      g_strlcpy (t.label, label, sizeof t.label);
    }
  g_array_append_val (ticks, t);
}

/**
 * mm_plot_axis_ticks:
 * @step: the distance between ticks, usually from mm_plot_axis_nice_step()
 *   or mm_plot_axis_nice_range()
 *
 * Labelled ticks at the multiples of @step that lie in [lo, hi].
 * Returns: (transfer full): an array of #MmPlotTick, ascending.
 */
GArray *
mm_plot_axis_ticks (double lo,
                    double hi,
                    double step)
{
  GArray *ticks = g_array_new (FALSE, FALSE, sizeof (MmPlotTick));
  double k0, k1;
  gint64 n;

  if (!isfinite (lo) || !isfinite (hi) || hi < lo || !isfinite (step) || step <= 0)
    return ticks;
  k0 = ceil (lo / step - 1e-9);
  k1 = floor (hi / step + 1e-9);
  /* A careless step would ask for millions of labels; and beyond 2⁵² a
   * double cannot count in ones (k++ would not move, and the loop would
   * fill the memory: a step far below the values' precision did). */
  if (!(k1 - k0 <= 1000) || fabs (k0) > 4503599627370496.0 || fabs (k1) > 4503599627370496.0)
    return ticks;
  n = (gint64) (k1 - k0);
  for (gint64 i = 0; i <= n; i++)
    {
      double v = (k0 + (double) i) * step;

      add_tick (ticks, fabs (v) < step * 1e-9 ? 0 : v, TRUE, step);
    }
  return ticks;
}

/**
 * mm_plot_axis_log_ticks:
 *
 * Ticks for a log10 axis over [lo, hi] (lo > 0): every decade, labelled,
 * with 2…9 × 10^k between them as unlabelled minor ticks. When there are
 * more than @max_ticks decades only every n-th is labelled and the others
 * become minor ticks. When the range spans at most one decade, 2 and
 * 5 × 10^k are labelled too.
 * Returns: (transfer full): an array of #MmPlotTick, ascending.
 */
GArray *
mm_plot_axis_log_ticks (double lo,
                        double hi,
                        guint  max_ticks)
{
  GArray *ticks = g_array_new (FALSE, FALSE, sizeof (MmPlotTick));
  double lo_tol, hi_tol;
  int k0, k1, n_dec = 0, every;
  gboolean few;

  if (!isfinite (lo) || !isfinite (hi) || lo <= 0 || hi < lo)
    return ticks;
  if (log10 (hi) - log10 (lo) > 600)
    return ticks;
  lo_tol = lo * (1 - 1e-9);
  hi_tol = hi * (1 + 1e-9);
  k0 = (int) floor (log10 (lo)) - 1;
  k1 = (int) ceil (log10 (hi)) + 1;
  for (int k = k0; k <= k1; k++)
    {
      double d = pow (10, k);

      if (d >= lo_tol && d <= hi_tol)
        n_dec++;
    }
  every = MAX (1, (n_dec + (int) MAX (max_ticks, 1) - 1) / (int) MAX (max_ticks, 1));
  few = n_dec <= 2;

  for (int k = k0; k <= k1; k++)
    {
      double d = pow (10, k);
      int rem = ((k % every) + every) % every;

      if (d >= lo_tol && d <= hi_tol)
        add_tick (ticks, d, rem == 0, d);
      if (every > 1)
        continue;
      for (int m = 2; m <= 9; m++)
        {
          double v = m * d;

          if (v >= lo_tol && v <= hi_tol)
            add_tick (ticks, v, few && (m == 2 || m == 5), d);
        }
    }
  return ticks;
}

/* ---- labels ----------------------------------------------------------- */

/* The fewest decimals that write multiples of @step exactly (at most 6). */
static int
decimals_for (double step)
{
  step = fabs (step);
  if (!isfinite (step) || step == 0)
    return 0;
  for (int d = 0; d < 6; d++)
    {
      double s = step * pow (10, d);

      if (fabs (s - round (s)) <= 1e-6 * s)
        return d;
    }
  return 6;
}

/* printf("%.*f") in the C locale, without trailing zeros after the point. */
static void
format_fixed (char   *buf,
              gsize   len,
              double  value,
              int     decimals)
{
  char fmt[16];
  char *dot;

  g_snprintf (fmt, sizeof fmt, "%%.%df", CLAMP (decimals, 0, 12));
  g_ascii_formatd (buf, len, fmt, value);
  dot = strchr (buf, '.');
  if (dot != NULL)
    {
      char *end = buf + strlen (buf);

      while (end > dot + 1 && end[-1] == '0')
        *--end = '\0';
      if (end == dot + 1)
        *dot = '\0';
    }
}

/* m·10^e with @digits decimals of the mantissa, as "2.5e-4". */
static char *
format_scientific (double a,
                   double step)
{
  char mant[48];
  int e, digits;
  double m;

  e = (int) floor (log10 (a));
  m = a / pow (10, e);
  if (m >= 10 - 1e-9)
    {
      m /= 10;
      e++;
    }
  else if (m < 1 - 1e-9)
    {
      m *= 10;
      e--;
    }
  digits = decimals_for (step / pow (10, e));
  format_fixed (mant, sizeof mant, m, digits);
  if (strcmp (mant, "10") == 0)
    {
      g_strlcpy (mant, "1", sizeof mant);
      e++;
    }
  return g_strdup_printf ("%se%d", mant, e);
}

/**
 * mm_plot_axis_format_tick:
 * @step: the distance between ticks; it decides how many digits to show
 *
 * A compact label: "0", "0.5", "250", "1500", "10k", "1.2M", "5e-3".
 * Values from 10^4 on get a k/M/G/T suffix (from 1000 on when @step is at
 * least 1000; from 10^15 on, an exponent); values below 0.01 an exponent;
 * the rest plain decimals, as many as @step needs.
 */
char *
mm_plot_axis_format_tick (double value,
                          double step)
{
  static const struct { double unit; const char *suffix; } units[] = {
    { 1e12, "T" }, { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" },
  };
  const char *sign = value < 0 ? MINUS : "";
  double a = fabs (value);
  char buf[64];

  if (isnan (value))
    return g_strdup ("NaN");
  if (isinf (value))
    return g_strdup_printf ("%s∞", sign);
  if (!(step > 0) || !isfinite (step))
    step = a > 0 ? a : 1;
  if (a < step * 1e-9 || a == 0)
    return g_strdup ("0");

  if (a >= 1e15 || a < 0.01)
    {
      g_autofree char *s = format_scientific (a, MIN (step, a));

      return g_strconcat (sign, s, NULL);
    }
  for (guint u = 0; u < G_N_ELEMENTS (units); u++)
    if (a >= units[u].unit
        /* 800, 1000, 1200 reads better than 800, 1k, 1.2k. */
        && (a >= 10000 || step >= 1000))
      {
        format_fixed (buf, sizeof buf, a / units[u].unit, decimals_for (step / units[u].unit));
        /* 999.96k printed with one decimal is "1000k": say 1M instead. */
        if (u > 0 && g_ascii_strtod (buf, NULL) >= 1000)
          {
            format_fixed (buf, sizeof buf, a / units[u - 1].unit,
                          decimals_for (step / units[u - 1].unit));
            return g_strconcat (sign, buf, units[u - 1].suffix, NULL);
          }
        return g_strconcat (sign, buf, units[u].suffix, NULL);
      }
  format_fixed (buf, sizeof buf, a, decimals_for (step));
  return g_strconcat (sign, buf, NULL);
}

/**
 * mm_plot_axis_format_value:
 *
 * A number for a read-out with @significant digits (trailing zeros
 * dropped): "0.2346", "12345", "93.75", "1.235e-5". Plain decimals from
 * 0.001 to 10^6, an exponent outside.
 */
char *
mm_plot_axis_format_value (double value,
                           guint  significant)
{
  const char *sign = value < 0 ? MINUS : "";
  double a = fabs (value);
  char buf[64];
  int e;

  if (isnan (value))
    return g_strdup ("NaN");
  if (isinf (value))
    return g_strdup_printf ("%s∞", sign);
  if (a == 0)
    return g_strdup ("0");
  significant = CLAMP (significant, 1, 15);
  e = (int) floor (log10 (a));
  if (a >= 1e-3 && a < 1e6)
    {
      format_fixed (buf, sizeof buf, a, MAX (0, (int) significant - 1 - e));
      return g_strconcat (sign, buf, NULL);
    }
  else
    {
      g_autofree char *s = format_scientific (a, pow (10, e - (int) significant + 1));

      return g_strconcat (sign, s, NULL);
    }
}
