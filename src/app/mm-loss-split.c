/* mm-loss-split.c — the loss plot's stacked split of the loss. */
#include "config.h"
#include "mm-loss-split.h"

#include <glib/gi18n.h>
#include <math.h>

#define SMOOTHING 0.98

void
mm_loss_split_add_series (MmLossSplit *split,
                          MmPlot      *plot)
{
  static const GdkRGBA total = { 0.10, 0.18, 0.45, 1 }, l2 = { 0.78, 0.62, 0.90, 1 };
  static const GdkRGBA l1 = { 0.98, 0.72, 0.42, 1 }, data = { 0.58, 0.73, 0.93, 1 };

  g_return_if_fail (split != NULL && MM_IS_PLOT (plot));
  /* Areas are drawn in the order added, each over the one before: the
   * highest cumulative sum first. The legend lists them top down. */
  split->total = mm_plot_add_series (plot, _("total loss (smoothed)"), &total, MM_PLOT_STYLE_LINE,
                                     MM_PLOT_Y_AXIS_LEFT);
  split->l2 = mm_plot_add_series (plot, _("L2 penalty"), &l2, MM_PLOT_STYLE_AREA, MM_PLOT_Y_AXIS_LEFT);
  split->l1 = mm_plot_add_series (plot, _("L1 penalty"), &l1, MM_PLOT_STYLE_AREA, MM_PLOT_Y_AXIS_LEFT);
  split->data = mm_plot_add_series (plot, _("data loss (smoothed)"), &data, MM_PLOT_STYLE_AREA, MM_PLOT_Y_AXIS_LEFT);
  split->shown = TRUE;
  mm_loss_split_set_shown (split, plot, FALSE);
  mm_loss_split_reset (split);
}

void
mm_loss_split_reset (MmLossSplit *split)
{
  g_return_if_fail (split != NULL);
  for (guint i = 0; i < G_N_ELEMENTS (split->ema); i++)
    split->ema[i] = 0;
  split->weight = 0;
}

void
mm_loss_split_append (MmLossSplit       *split,
                      MmPlot            *plot,
                      const MmStepPoint *points,
                      guint              n)
{
  g_autofree double *x = g_new (double, MAX (n, 1));
  g_autofree double *yd = g_new (double, MAX (n, 1));
  g_autofree double *y1 = g_new (double, MAX (n, 1));
  g_autofree double *y2 = g_new (double, MAX (n, 1));
  g_autofree double *yt = g_new (double, MAX (n, 1));

  g_return_if_fail (split != NULL && MM_IS_PLOT (plot));
  for (guint i = 0; i < n; i++)
    {
      const MmStepPoint *p = &points[i];
      gboolean known = isfinite (p->l1) && isfinite (p->l2);
      double v[4] = { p->data_loss, known ? p->l1 : 0, known ? p->l2 : 0, p->loss };

      x[i] = (double) p->step;
      if (isfinite (v[0]) && isfinite (v[3]))
        {
          for (guint k = 0; k < 4; k++)
            split->ema[k] = SMOOTHING * split->ema[k] + (1 - SMOOTHING) * v[k];
          split->weight = SMOOTHING * split->weight + (1 - SMOOTHING);
        }
      if (split->weight > 0)
        {
          yd[i] = split->ema[0] / split->weight;
          y1[i] = yd[i] + split->ema[1] / split->weight;
          y2[i] = y1[i] + split->ema[2] / split->weight;
          yt[i] = split->ema[3] / split->weight;
        }
      else
        yd[i] = y1[i] = y2[i] = yt[i] = NAN;
    }
  mm_plot_append_many (plot, split->data, x, yd, n);
  mm_plot_append_many (plot, split->l1, x, y1, n);
  mm_plot_append_many (plot, split->l2, x, y2, n);
  mm_plot_append_many (plot, split->total, x, yt, n);
}

void
mm_loss_split_set_shown (MmLossSplit *split,
                         MmPlot      *plot,
                         gboolean     shown)
{
  g_return_if_fail (split != NULL && MM_IS_PLOT (plot));
  split->shown = shown;
  mm_plot_set_series_visible (plot, split->total, shown);
  mm_plot_set_series_visible (plot, split->l2, shown);
  mm_plot_set_series_visible (plot, split->l1, shown);
  mm_plot_set_series_visible (plot, split->data, shown);
}
