/* mm-plot-series.c — the numbers of one plotted curve, with fast decimation.
 *
 * Beside the x and y arrays the series keeps, for every block of 64 points,
 * the lowest and highest finite y and the lowest positive y. A min/max query
 * over an index range then reads whole blocks from that summary and scans
 * only the ragged ends, so decimating a million points into 1200 columns
 * touches about a tenth of them. The summary is updated as points arrive;
 * nothing is ever recomputed.
 */
#include "mm-plot-series.h"

#include <math.h>

#define BLOCK_SHIFT 6
#define BLOCK_SIZE  ((gsize) 1 << BLOCK_SHIFT)
#define BLOCK_MASK  (BLOCK_SIZE - 1)

typedef struct {
  double min;      /* lowest finite y, +inf when none */
  double max;      /* highest finite y, −inf when none */
  double pos_min;  /* lowest finite y > 0, +inf when none */
} Block;

struct _MmPlotSeries {
  double *x;
  double *y;
  Block  *blocks;
  gsize   len;
  gsize   cap;     /* a multiple of BLOCK_SIZE */
};

MmPlotSeries *
mm_plot_series_new (void)
{
  return g_new0 (MmPlotSeries, 1);
}

void
mm_plot_series_free (MmPlotSeries *self)
{
  if (self == NULL)
    return;
  g_free (self->x);
  g_free (self->y);
  g_free (self->blocks);
  g_free (self);
}

static inline gboolean
y_valid (double             y,
         MmPlotSeriesFilter filter)
{
  if (filter == MM_PLOT_SERIES_POSITIVE)
    return isfinite (y) && y > 0;
  return isfinite (y);
}

static void
reserve (MmPlotSeries *self,
         gsize         extra)
{
  gsize want = self->len + extra;
  gsize cap;

  if (want <= self->cap)
    return;
  cap = MAX (self->cap, 1024);
  while (cap < want)
    cap *= 2;
  self->x = g_renew (double, self->x, cap);
  self->y = g_renew (double, self->y, cap);
  self->blocks = g_renew (Block, self->blocks, cap / BLOCK_SIZE);
  self->cap = cap;
}

/* Stores one point; the caller has reserved room and checked x. */
static inline void
push (MmPlotSeries *self,
      double        x,
      double        y)
{
  gsize i = self->len++;
  Block *b = &self->blocks[i >> BLOCK_SHIFT];

  if ((i & BLOCK_MASK) == 0)
    {
      b->min = INFINITY;
      b->max = -INFINITY;
      b->pos_min = INFINITY;
    }
  self->x[i] = x;
  self->y[i] = y;
  if (isfinite (y))
    {
      if (y < b->min)
        b->min = y;
      if (y > b->max)
        b->max = y;
      if (y > 0 && y < b->pos_min)
        b->pos_min = y;
    }
}

static inline gboolean
x_acceptable (const MmPlotSeries *self,
              double              x)
{
  if (!isfinite (x))
    return FALSE;
  g_return_val_if_fail (self->len == 0 || x >= self->x[self->len - 1], FALSE);
  return TRUE;
}

/**
 * mm_plot_series_append:
 * Appends (x, y). x must be finite and not smaller than the last x; a
 * non-finite x is ignored (returns %FALSE), a decreasing one is a programming
 * error. Any y is stored, NaN and ±inf included.
 */
gboolean
mm_plot_series_append (MmPlotSeries *self,
                       double        x,
                       double        y)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!x_acceptable (self, x))
    return FALSE;
  reserve (self, 1);
  push (self, x, y);
  return TRUE;
}

/* Returns how many of the @n points were stored. */
gsize
mm_plot_series_append_many (MmPlotSeries *self,
                            const double *x,
                            const double *y,
                            gsize         n)
{
  gsize stored = 0;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (n == 0 || (x != NULL && y != NULL), 0);

  reserve (self, n);
  for (gsize i = 0; i < n; i++)
    {
      if (!x_acceptable (self, x[i]))
        continue;
      push (self, x[i], y[i]);
      stored++;
    }
  return stored;
}

/* Forgets the points but keeps the memory: a restarted run refills it. */
void
mm_plot_series_clear (MmPlotSeries *self)
{
  g_return_if_fail (self != NULL);
  self->len = 0;
}

gsize
mm_plot_series_get_length (const MmPlotSeries *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->len;
}

double
mm_plot_series_get_x (const MmPlotSeries *self,
                      gsize               i)
{
  g_return_val_if_fail (self != NULL && i < self->len, NAN);
  return self->x[i];
}

double
mm_plot_series_get_y (const MmPlotSeries *self,
                      gsize               i)
{
  g_return_val_if_fail (self != NULL && i < self->len, NAN);
  return self->y[i];
}

gboolean
mm_plot_series_is_valid (const MmPlotSeries *self,
                         gsize               i,
                         MmPlotSeriesFilter  filter)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return i < self->len && y_valid (self->y[i], filter);
}

/* First index in [lo, hi) whose x is ≥ @x (hi when none). */
static gsize
lower_bound_in (const MmPlotSeries *self,
                gsize               lo,
                gsize               hi,
                double              x)
{
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (self->x[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

gsize
mm_plot_series_lower_bound (const MmPlotSeries *self,
                            double              x)
{
  g_return_val_if_fail (self != NULL, 0);
  return lower_bound_in (self, 0, self->len, x);
}

/* First index whose x is > @x (the length when none). */
gsize
mm_plot_series_upper_bound (const MmPlotSeries *self,
                            double              x)
{
  gsize lo = 0, hi;

  g_return_val_if_fail (self != NULL, 0);
  hi = self->len;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (self->x[mid] <= x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* The index of the point whose x is closest to @x (the earlier one on a tie),
 * whatever its y. %FALSE for an empty series or a NaN @x. */
gboolean
mm_plot_series_find_nearest_x (const MmPlotSeries *self,
                               double              x,
                               gsize              *index)
{
  gsize i;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (index != NULL, FALSE);

  if (self->len == 0 || isnan (x))
    return FALSE;
  i = lower_bound_in (self, 0, self->len, x);
  if (i == self->len)
    i = self->len - 1;
  else if (i > 0 && x - self->x[i - 1] <= self->x[i] - x)
    i = i - 1;
  *index = i;
  return TRUE;
}

gboolean
mm_plot_series_get_x_range (const MmPlotSeries *self,
                            double             *x_min,
                            double             *x_max)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->len == 0)
    return FALSE;
  if (x_min)
    *x_min = self->x[0];
  if (x_max)
    *x_max = self->x[self->len - 1];
  return TRUE;
}

static inline void
scan_minmax (const MmPlotSeries *self,
             gsize               begin,
             gsize               end,
             MmPlotSeriesFilter  filter,
             double             *mn,
             double             *mx)
{
  for (gsize i = begin; i < end; i++)
    {
      double y = self->y[i];

      if (!y_valid (y, filter))
        continue;
      if (y < *mn)
        *mn = y;
      if (y > *mx)
        *mx = y;
    }
}

static void
range_minmax (const MmPlotSeries *self,
              gsize               begin,
              gsize               end,
              MmPlotSeriesFilter  filter,
              double             *y_min,
              double             *y_max)
{
  double mn = INFINITY, mx = -INFINITY;
  gsize head_end = MIN (end, (begin + BLOCK_MASK) & ~BLOCK_MASK);
  gsize i;

  scan_minmax (self, begin, head_end, filter, &mn, &mx);
  for (i = head_end; i + BLOCK_SIZE <= end; i += BLOCK_SIZE)
    {
      const Block *b = &self->blocks[i >> BLOCK_SHIFT];

      if (filter == MM_PLOT_SERIES_POSITIVE)
        {
          if (b->pos_min < mn)
            mn = b->pos_min;
          if (b->max > 0 && b->max > mx)
            mx = b->max;
        }
      else
        {
          if (b->min < mn)
            mn = b->min;
          if (b->max > mx)
            mx = b->max;
        }
    }
  scan_minmax (self, i, end, filter, &mn, &mx);
  *y_min = mn;
  *y_max = mx;
}

/**
 * mm_plot_series_get_y_range:
 * The lowest and highest valid y among the points [@begin, @end).
 * Returns %FALSE (and leaves the outputs alone) when there is none.
 */
gboolean
mm_plot_series_get_y_range (const MmPlotSeries *self,
                            gsize               begin,
                            gsize               end,
                            MmPlotSeriesFilter  filter,
                            double             *y_min,
                            double             *y_max)
{
  double mn, mx;

  g_return_val_if_fail (self != NULL, FALSE);

  end = MIN (end, self->len);
  if (begin >= end)
    return FALSE;
  range_minmax (self, begin, end, filter, &mn, &mx);
  if (!(mn <= mx))
    return FALSE;
  if (y_min)
    *y_min = mn;
  if (y_max)
    *y_max = mx;
  return TRUE;
}

/**
 * mm_plot_series_decimate:
 * @x0, @x1: the x range, split into @width equal columns ([x0, x0 + dx),
 *   …, [x1 − dx, x1]); points outside it are left out
 * @columns: room for @width entries
 *
 * Summarises the valid points of each column. Columns without a valid point
 * are left out, so the result is packed: entry k describes column
 * columns[k].column, in increasing order. Returns the number of entries.
 *
 * Cost: one binary search per non-empty column plus, per column, the block
 * summaries and at most two partial blocks — not the number of points.
 */
guint
mm_plot_series_decimate (const MmPlotSeries *self,
                         double              x0,
                         double              x1,
                         guint               width,
                         MmPlotSeriesFilter  filter,
                         MmPlotColumn       *columns)
{
  gsize i, end;
  double dx;
  guint n_out = 0;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (width == 0 || columns != NULL, 0);

  if (width == 0 || self->len == 0 || !isfinite (x0) || !isfinite (x1) || x1 < x0)
    return 0;

  i = lower_bound_in (self, 0, self->len, x0);
  end = mm_plot_series_upper_bound (self, x1);
  dx = (x1 - x0) / width;

  while (i < end)
    {
      MmPlotColumn *col;
      gsize e, first, last;
      guint c;

      /* The column of x[i], made consistent with the boundaries used
       * below so that every column is visited once. */
      if (dx > 0)
        {
          double f = floor ((self->x[i] - x0) / dx);

          c = f <= 0 ? 0 : f >= width - 1 ? width - 1 : (guint) f;
          while (c + 1 < width && self->x[i] >= x0 + (c + 1) * dx)
            c++;
          while (c > 0 && self->x[i] < x0 + c * dx)
            c--;
        }
      else
        c = 0;

      if (c + 1 >= width || dx <= 0)
        e = end;
      else
        e = lower_bound_in (self, i + 1, end, x0 + (c + 1) * dx);

      first = i;
      while (first < e && !y_valid (self->y[first], filter))
        first++;
      if (first < e)
        {
          last = e - 1;
          while (!y_valid (self->y[last], filter))
            last--;

          col = &columns[n_out++];
          col->column = c;
          col->n = (guint) MIN (e - i, (gsize) G_MAXUINT);
          col->i_first = first;
          col->i_last = last;
          col->x_first = self->x[first];
          col->y_first = self->y[first];
          col->x_last = self->x[last];
          col->y_last = self->y[last];
          range_minmax (self, first, last + 1, filter, &col->y_min, &col->y_max);
        }
      i = e;
    }
  return n_out;
}
