/* mm-cost-view.c — the cost meter's page. */
#include "config.h"
#include "mm-cost-view.h"
#include "mm-view-draw.h"

#include <glib/gi18n.h>
#include <math.h>

/* The table is rebuilt at most this often (a fast run measures many steps a
 * second, and nobody reads numbers that change faster). */
#define REFRESH_USEC (G_USEC_PER_SEC / 3)

typedef struct {
  char *name;
  double seconds[MM_COST_N_PASSES];
  guint64 flops;
  gboolean rest;          /* the rest of the step: no node, no operations */
} ViewRow;

struct _MmCostView {
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkWidget *measure_check;
  GtkWidget *every_spin;
  GtkWidget *group_dropdown;
  GtkWidget *summary_label;
  GtkWidget *grid;
  GtkWidget *chart;

  MmCostSummary *summary;     /* shown */
  MmCostSummary *pending;     /* newer, waiting for the next refresh */
  MmCostGrouping grouping;
  GArray *rows;               /* ViewRow */
  guint64 cost_step;          /* of the newest measurement seen in the records */
  MmTrainer *trainer;         /* the one last configured (no reference: compared only) */
  gint64 last_refresh;
};

G_DEFINE_FINAL_TYPE (MmCostView, mm_cost_view, GTK_TYPE_WIDGET)

static void
view_row_clear (gpointer data)
{
  g_free (((ViewRow *) data)->name);
}

static char *
row_name (const MmCostRow *row,
          MmCostGrouping   grouping)
{
  if (grouping == MM_COST_BY_LAYER && row->key[0] == '\0')
    return g_strdup (_("Loss and penalties"));
  return g_strdup (row->label);
}

static void
build_rows (MmCostView *self)
{
  double nodes = 0.0, wall;

  g_array_set_size (self->rows, 0);
  if (self->summary == NULL)
    return;
  for (guint i = 0; i < mm_cost_summary_get_n_rows (self->summary, self->grouping); i++)
    {
      const MmCostRow *row = mm_cost_summary_get_row (self->summary, self->grouping, i);
      ViewRow v = { 0 };

      v.name = row_name (row, self->grouping);
      v.seconds[MM_COST_FORWARD] = row->seconds[MM_COST_FORWARD];
      v.seconds[MM_COST_BACKWARD] = row->seconds[MM_COST_BACKWARD];
      v.flops = mm_cost_row_flops (row);
      nodes += mm_cost_row_seconds (row);
      g_array_append_val (self->rows, v);
    }
  wall = mm_cost_summary_get_wall_seconds (self->summary);
  if (wall > nodes)
    {
      ViewRow v = { 0 };
      v.name = g_strdup (_("Rest of the step (building the graph, data, update)"));
      v.seconds[MM_COST_FORWARD] = wall - nodes;
      v.rest = TRUE;
      g_array_append_val (self->rows, v);
    }
}

guint
mm_cost_view_get_n_rows (MmCostView *self)
{
  g_return_val_if_fail (MM_IS_COST_VIEW (self), 0);
  return self->rows->len;
}

char *
mm_cost_view_dup_cell (MmCostView   *self,
                       guint         row,
                       MmCostColumn  column)
{
  const ViewRow *v;
  double seconds, wall;

  g_return_val_if_fail (MM_IS_COST_VIEW (self), NULL);
  g_return_val_if_fail (row < self->rows->len && column < MM_COST_N_COLUMNS, NULL);

  v = &g_array_index (self->rows, ViewRow, row);
  seconds = v->seconds[MM_COST_FORWARD] + v->seconds[MM_COST_BACKWARD];
  wall = mm_cost_summary_get_wall_seconds (self->summary);
  switch (column)
    {
    case MM_COST_COLUMN_NAME:
      return g_strdup (v->name);
    case MM_COST_COLUMN_MS:
      return g_strdup_printf ("%.3f", seconds * 1e3);
    case MM_COST_COLUMN_PERCENT:
      return wall > 0 ? g_strdup_printf ("%.1f %%", 100.0 * seconds / wall) : g_strdup ("—");
    case MM_COST_COLUMN_MFLOPS:
      return v->rest ? g_strdup ("—") : g_strdup_printf ("%.3f", (double) v->flops * 1e-6);
    case MM_COST_COLUMN_GFLOPS:
    default:
      if (v->rest || !(seconds > 0) || v->flops == 0)
        return g_strdup ("—");
      return g_strdup_printf ("%.2f", (double) v->flops / seconds * 1e-9);
    }
}

static void
fill_table (MmCostView *self)
{
  static const char *headers[MM_COST_N_COLUMNS] = {
    NULL, N_("ms per step"), N_("share of step"), N_("MFLOPs"), N_("GFLOP/s"),
  };
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->grid)) != NULL)
    gtk_grid_remove (GTK_GRID (self->grid), child);
  if (self->rows->len == 0)
    return;

  for (guint c = 0; c < MM_COST_N_COLUMNS; c++)
    {
      const char *text = c == MM_COST_COLUMN_NAME
                         ? (self->grouping == MM_COST_BY_LAYER ? _("Layer") : _("Node type"))
                         : _(headers[c]);
      GtkWidget *label = gtk_label_new (text);

      gtk_label_set_xalign (GTK_LABEL (label), c == MM_COST_COLUMN_NAME ? 0.0f : 1.0f);
      gtk_widget_add_css_class (label, "heading");
      gtk_grid_attach (GTK_GRID (self->grid), label, c, 0, 1, 1);
    }
  for (guint r = 0; r < self->rows->len; r++)
    for (guint c = 0; c < MM_COST_N_COLUMNS; c++)
      {
        g_autofree char *text = mm_cost_view_dup_cell (self, r, c);
        GtkWidget *label = gtk_label_new (text);

        gtk_label_set_xalign (GTK_LABEL (label), c == MM_COST_COLUMN_NAME ? 0.0f : 1.0f);
        if (c != MM_COST_COLUMN_NAME)
          gtk_widget_add_css_class (label, "numeric");
        if (g_array_index (self->rows, ViewRow, r).rest)
          gtk_widget_add_css_class (label, "dim-label");
        if (c == MM_COST_COLUMN_NAME)
          {
            gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
            gtk_widget_set_hexpand (label, TRUE);
          }
        gtk_grid_attach (GTK_GRID (self->grid), label, c, r + 1, 1, 1);
      }
}

static void
update_summary_label (MmCostView *self)
{
  g_autofree char *text = NULL;

  if (self->summary == NULL)
    {
      if (mm_cost_view_get_meter_every (self) == 0)
        text = g_strdup (_("Turn measuring on to see where the time of a training step goes."));
      else
        text = g_strdup (_("No measurement yet: train, and a step is measured every few steps."));
    }
  else
    {
      double wall = mm_cost_summary_get_wall_seconds (self->summary);
      double fwd = mm_cost_summary_get_total_seconds (self->summary, MM_COST_FORWARD);
      double bwd = mm_cost_summary_get_total_seconds (self->summary, MM_COST_BACKWARD);
      guint64 flops = mm_cost_summary_get_total_flops (self->summary, MM_COST_FORWARD) +
                      mm_cost_summary_get_total_flops (self->summary, MM_COST_BACKWARD);

      g_autofree char *step = g_strdup_printf ("%" G_GUINT64_FORMAT, mm_cost_summary_get_step (self->summary));

      text = g_strdup_printf (_("Step %s: %.3f ms in all, forward %.3f ms, backward %.3f ms, "
                                "%.3f MFLOPs (%.2f GFLOP/s in the nodes)"),
                              step, wall * 1e3, fwd * 1e3, bwd * 1e3,
                              (double) flops * 1e-6, fwd + bwd > 0 ? (double) flops / (fwd + bwd) * 1e-9 : 0.0);
    }
  gtk_label_set_text (GTK_LABEL (self->summary_label), text);
}

static void
refresh (MmCostView *self)
{
  build_rows (self);
  fill_table (self);
  update_summary_label (self);
  gtk_widget_set_size_request (self->chart, -1, (int) (28 + 22 * MAX (self->rows->len, 1)));
  gtk_widget_queue_draw (self->chart);
  self->last_refresh = g_get_monotonic_time ();
}

/* Horizontal bars, one per row: forward and backward stacked, in ms. */
static void
draw_chart (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        data)
{
  MmCostView *self = data;
  GtkWidget *widget = GTK_WIDGET (area);
  static const GdkRGBA colors[MM_COST_N_PASSES] = {
    { 0.00f, 0.45f, 0.70f, 1 },   /* forward: blue */
    { 0.90f, 0.62f, 0.00f, 1 },   /* backward: orange */
  };
  GdkRGBA fg, rest = { 0.6f, 0.6f, 0.6f, 1 };
  double max = 0, name_w = 0, bar_h = 16, gap = 6, legend_h = 22, x0, span;

  if (self->rows->len == 0)
    return;
  mm_view_get_fg (widget, &fg);
  for (guint r = 0; r < self->rows->len; r++)
    {
      const ViewRow *v = &g_array_index (self->rows, ViewRow, r);
      g_autoptr(PangoLayout) layout = mm_view_layout_new (widget, 1.0, 0.85, FALSE, v->name);
      double tw, th;

      max = MAX (max, v->seconds[MM_COST_FORWARD] + v->seconds[MM_COST_BACKWARD]);
      mm_view_layout_size (layout, &tw, &th);
      name_w = MAX (name_w, tw);
    }
  name_w = MIN (name_w, width * 0.4);
  x0 = name_w + 10;
  span = width - x0 - 70;
  if (!(max > 0) || span < 20)
    return;

  /* Legend. */
  for (guint p = 0; p < MM_COST_N_PASSES; p++)
    {
      g_autoptr(PangoLayout) layout = mm_view_layout_new (widget, 1.0, 0.85, FALSE,
                                                          p == MM_COST_FORWARD ? _("forward") : _("backward"));
      double lx = x0 + p * 110;

      gdk_cairo_set_source_rgba (cr, &colors[p]);
      cairo_rectangle (cr, lx, 4, 12, 12);
      cairo_fill (cr);
      gdk_cairo_set_source_rgba (cr, &fg);
      cairo_move_to (cr, lx + 18, 2);
      pango_cairo_show_layout (cr, layout);
    }

  for (guint r = 0; r < self->rows->len; r++)
    {
      const ViewRow *v = &g_array_index (self->rows, ViewRow, r);
      double y = legend_h + r * (bar_h + gap), x = x0, tw, th;
      g_autoptr(PangoLayout) name = mm_view_layout_new (widget, 1.0, 0.85, FALSE, v->name);
      g_autofree char *ms = g_strdup_printf ("%.3f ms", (v->seconds[0] + v->seconds[1]) * 1e3);
      g_autoptr(PangoLayout) value = mm_view_layout_new (widget, 1.0, 0.8, FALSE, ms);

      pango_layout_set_width (name, (int) (name_w * PANGO_SCALE));
      pango_layout_set_ellipsize (name, PANGO_ELLIPSIZE_END);
      mm_view_layout_size (name, &tw, &th);
      gdk_cairo_set_source_rgba (cr, &fg);
      cairo_move_to (cr, 0, y + (bar_h - th) / 2);
      pango_cairo_show_layout (cr, name);
      for (guint p = 0; p < MM_COST_N_PASSES; p++)
        {
          double w = v->seconds[p] / max * span;
          gdk_cairo_set_source_rgba (cr, v->rest ? &rest : &colors[p]);
          cairo_rectangle (cr, x, y, w, bar_h);
          cairo_fill (cr);
          x += w;
        }
      mm_view_layout_size (value, &tw, &th);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.75);
      cairo_move_to (cr, x + 4, y + (bar_h - th) / 2);
      pango_cairo_show_layout (cr, value);
    }
}

void
mm_cost_view_set_summary (MmCostView    *self,
                          MmCostSummary *summary)
{
  g_return_if_fail (MM_IS_COST_VIEW (self));

  if (summary != NULL)
    mm_cost_summary_ref (summary);
  g_clear_pointer (&self->summary, mm_cost_summary_unref);
  g_clear_pointer (&self->pending, mm_cost_summary_unref);
  self->summary = summary;
  refresh (self);
}

MmCostSummary *
mm_cost_view_get_summary (MmCostView *self)
{
  g_return_val_if_fail (MM_IS_COST_VIEW (self), NULL);
  return self->summary;
}

void
mm_cost_view_set_grouping (MmCostView     *self,
                           MmCostGrouping  grouping)
{
  g_return_if_fail (MM_IS_COST_VIEW (self));
  g_return_if_fail (grouping < MM_COST_N_GROUPINGS);

  if (gtk_drop_down_get_selected (GTK_DROP_DOWN (self->group_dropdown)) != grouping)
    gtk_drop_down_set_selected (GTK_DROP_DOWN (self->group_dropdown), grouping);
  if (self->grouping == grouping)
    return;
  self->grouping = grouping;
  refresh (self);
}

guint
mm_cost_view_get_meter_every (MmCostView *self)
{
  g_return_val_if_fail (MM_IS_COST_VIEW (self), 0);
  if (!gtk_check_button_get_active (GTK_CHECK_BUTTON (self->measure_check)) ||
      !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return 0;
  return (guint) gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->every_spin));
}

void
mm_cost_view_update (MmCostView *self,
                     MmTrainer  *trainer,
                     GArray     *records)
{
  guint64 newest = 0;

  g_return_if_fail (MM_IS_COST_VIEW (self));

  if (trainer != self->trainer)
    {
      self->trainer = trainer;
      self->cost_step = 0;
    }
  if (trainer == NULL)
    return;
  /* A lock taken and let go: cheap enough once a frame, and a new trainer
   * (each Train makes one) is configured at once. */
  mm_trainer_set_cost_meter (trainer, mm_cost_view_get_meter_every (self));

  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      const MmTrainerRecord *r = &g_array_index (records, MmTrainerRecord, i);
      if (r->kind == MM_RECORD_STEP)
        newest = MAX (newest, r->cost_step);
    }
  if (newest > self->cost_step)
    {
      self->cost_step = newest;
      g_clear_pointer (&self->pending, mm_cost_summary_unref);
      self->pending = mm_trainer_ref_cost (trainer);
    }
  if (self->pending != NULL && g_get_monotonic_time () - self->last_refresh >= REFRESH_USEC)
    {
      g_clear_pointer (&self->summary, mm_cost_summary_unref);
      self->summary = g_steal_pointer (&self->pending);
      refresh (self);
    }
}

static void
group_changed (MmCostView *self)
{
  mm_cost_view_set_grouping (self, gtk_drop_down_get_selected (GTK_DROP_DOWN (self->group_dropdown)));
}

static void
measure_toggled (MmCostView *self)
{
  gtk_widget_set_sensitive (self->every_spin, gtk_check_button_get_active (GTK_CHECK_BUTTON (self->measure_check)));
  update_summary_label (self);
}

static void
mm_cost_view_dispose (GObject *object)
{
  MmCostView *self = MM_COST_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), MM_TYPE_COST_VIEW);
  g_clear_pointer (&self->summary, mm_cost_summary_unref);
  g_clear_pointer (&self->pending, mm_cost_summary_unref);
  G_OBJECT_CLASS (mm_cost_view_parent_class)->dispose (object);
}

static void
mm_cost_view_finalize (GObject *object)
{
  g_array_unref (MM_COST_VIEW (object)->rows);
  G_OBJECT_CLASS (mm_cost_view_parent_class)->finalize (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, MmCostView, name)

static void
mm_cost_view_class_init (MmCostViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_cost_view_dispose;
  object_class->finalize = mm_cost_view_finalize;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/mymlstudio/Studio/mm-cost-view.ui");
  BIND (box);
  BIND (measure_check);
  BIND (every_spin);
  BIND (group_dropdown);
  BIND (summary_label);
  BIND (grid);
  BIND (chart);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "costview");
}

static void
mm_cost_view_init (MmCostView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_array_new (FALSE, TRUE, sizeof (ViewRow));
  g_array_set_clear_func (self->rows, view_row_clear);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->chart), draw_chart, self, NULL);
  g_signal_connect_swapped (self->group_dropdown, "notify::selected", G_CALLBACK (group_changed), self);
  g_signal_connect_swapped (self->measure_check, "toggled", G_CALLBACK (measure_toggled), self);
  g_signal_connect_swapped (self, "map", G_CALLBACK (update_summary_label), self);
  update_summary_label (self);
}

GtkWidget *
mm_cost_view_new (void)
{
  return g_object_new (MM_TYPE_COST_VIEW, NULL);
}
