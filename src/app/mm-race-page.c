/* mm-race-page.c — the optimizer race page (see mm-race-page.h).
 *
 * Data flow: the race's lanes run on their own threads; each frame the page
 * copies the new history points into the plot and projects the lanes' new
 * path points (and current weights) onto the landscape's plane. The grid
 * itself is computed in a GTask: first along random directions (before
 * anything moved), then every few seconds along the PCA directions of the
 * paths so far, so the plane follows the optimizers. A newer race or a
 * closed page makes an older grid's result stale (the generation counter),
 * and its computation stops at the next row.
 */
#include "config.h"
#include "mm-race-page.h"

#include <glib/gi18n.h>
#include <math.h>

#define GRID_N 41
#define EVAL_BATCH 256
#define REFIT_SECONDS 2.0
#define SMOOTHING 0.9

typedef struct {
  GtkWidget *check, *kind, *lr, *momentum;
} LaneRow;

struct _MmRacePage {
  GtkBox parent_instance;

  GtkWidget *lanes_grid;
  GtkWidget *start_button;
  GtkWidget *stop_button;
  GtkWidget *status_label;
  GtkWidget *plot_box;
  GtkWidget *landscape_box;

  MmSession *session;
  MmPlot *plot;
  MmLandscapeView *view;
  LaneRow rows[MM_RACE_MAX_LANES];

  MmRace *race;
  guint lane_row[MM_RACE_MAX_LANES];   /* race lane → row (colour) */
  guint series[MM_RACE_MAX_LANES];
  guint64 n_plotted[MM_RACE_MAX_LANES];
  double ema[MM_RACE_MAX_LANES], ema_weight[MM_RACE_MAX_LANES];
  guint n_projected[MM_RACE_MAX_LANES];
  guint path_serial;
  gboolean small;                      /* the landscape is drawn */
  MmTensor *eval_x, *eval_y;
  MmLandscape *landscape;              /* the plane the view shows */
  gint generation;                     /* atomic: the grid task's validity */
  gboolean computing;
  gboolean final_fit_done;
  gint64 last_fit;
  guint n_landscapes;
  gint delay_ms;                       /* −1: the default */
  guint tick_id;
};

G_DEFINE_FINAL_TYPE (MmRacePage, mm_race_page, GTK_TYPE_BOX)

static const char *lane_colors[MM_RACE_MAX_LANES] = { "#1c71d8", "#e66100", "#26a269", "#c061cb" };

/* ---- The grid on a worker ---------------------------------------------------------- */

typedef struct {
  MmRacePage *page;        /* only its generation is read on the worker */
  gint generation;
  MmModule *model;
  MmLoss *loss;
  MmParams *theta0;
  MmTensor *x, *y;
  GPtrArray *points;       /* NULL: random directions */
  MmLandscape *landscape;  /* results */
  double window[4];
  float *values;
} GridJob;

static void
grid_job_free (GridJob *job)
{
  mm_module_unref (job->model);
  mm_loss_unref (job->loss);
  mm_params_unref (job->theta0);
  mm_tensor_unref (job->x);
  mm_tensor_unref (job->y);
  g_clear_pointer (&job->points, g_ptr_array_unref);
  g_clear_pointer (&job->landscape, mm_landscape_unref);
  g_free (job->values);
  g_free (job);
}

static gboolean
grid_progress (guint    done,
               guint    n,
               gpointer data)
{
  GridJob *job = data;
  return g_atomic_int_get (&job->page->generation) == job->generation;
}

static void
grid_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  GridJob *job = data;
  GError *error = NULL;

  if (job->points != NULL)
    job->landscape = mm_landscape_new_pca (job->model, job->loss, job->theta0, job->x, job->y,
                                           job->points, 1, &error);
  else
    job->landscape = mm_landscape_new_random (job->model, job->loss, job->theta0, job->x, job->y, 1, &error);
  if (job->landscape != NULL)
    {
      mm_landscape_get_window (job->landscape, job->window);
      job->values = g_new (float, GRID_N * GRID_N);
      mm_landscape_evaluate_grid (job->landscape, GRID_N, job->window, job->values,
                                  grid_progress, job, &error);
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
reproject_all (MmRacePage *self)
{
  mm_landscape_view_clear_paths (self->view);
  for (guint i = 0; i < MM_RACE_MAX_LANES; i++)
    self->n_projected[i] = 0;
}

static void
grid_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  MmRacePage *self = MM_RACE_PAGE (source);
  GridJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (job->generation != g_atomic_int_get (&self->generation))
    return;   /* a newer race; the page may be closing */
  self->computing = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *msg = g_strdup_printf (_("The loss landscape could not be computed: %s"), error->message);
      mm_landscape_view_set_message (self->view, msg);
      return;
    }
  g_clear_pointer (&self->landscape, mm_landscape_unref);
  self->landscape = g_steal_pointer (&job->landscape);
  mm_landscape_view_set_grid (self->view, GRID_N, job->window, job->values);
  mm_landscape_view_set_note (self->view, NULL);
  if (job->points != NULL)
    mm_landscape_view_set_axis_labels (self->view, _("1st principal direction of the paths"),
                                       _("2nd principal direction"));
  else
    mm_landscape_view_set_axis_labels (self->view, _("random direction 1 (filter-normalised)"),
                                       _("random direction 2"));
  self->n_landscapes++;
  reproject_all (self);
}

/* Every lane's path so far (and where it is now), for PCA. */
static GPtrArray *
collect_points (MmRacePage *self)
{
  GPtrArray *points = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_params_unref);

  for (guint i = 0; i < mm_race_get_n_lanes (self->race); i++)
    {
      MmParams *now = mm_trainer_snapshot_params (mm_race_get_lane (self->race, i));
      mm_race_get_path (self->race, i, 0, points, NULL);
      if (mm_params_all_finite (now, NULL))
        g_ptr_array_add (points, now);
      else
        mm_params_unref (now);
    }
  return points;
}

static void
start_grid (MmRacePage *self,
            gboolean    pca)
{
  g_autoptr(GTask) task = NULL;
  GridJob *job = g_new0 (GridJob, 1);

  job->page = self;
  job->generation = g_atomic_int_get (&self->generation);
  job->model = mm_module_ref (mm_race_get_model (self->race));
  job->loss = mm_loss_ref (mm_race_get_loss (self->race));
  job->theta0 = mm_params_ref (mm_race_get_initial_params (self->race));
  job->x = mm_tensor_ref (self->eval_x);
  job->y = mm_tensor_ref (self->eval_y);
  job->points = pca ? collect_points (self) : NULL;
  self->computing = TRUE;
  self->last_fit = g_get_monotonic_time ();
  task = g_task_new (self, NULL, grid_done, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) grid_job_free);
  g_task_run_in_thread (task, grid_thread);
}

/* ---- Each frame ------------------------------------------------------------------- */

static void
update_plot (MmRacePage *self)
{
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));

  for (guint i = 0; i < mm_race_get_n_lanes (self->race); i++)
    {
      g_autofree double *xs = NULL, *ys = NULL;
      guint n;

      g_array_set_size (points, 0);
      n = mm_trainer_get_history (mm_race_get_lane (self->race, i), self->n_plotted[i], points);
      if (n == 0)
        continue;
      xs = g_new (double, n);
      ys = g_new (double, n);
      for (guint k = 0; k < n; k++)
        {
          const MmStepPoint *p = &g_array_index (points, MmStepPoint, k);
          self->ema[i] = SMOOTHING * self->ema[i] + (1.0 - SMOOTHING) * p->data_loss;
          self->ema_weight[i] = SMOOTHING * self->ema_weight[i] + (1.0 - SMOOTHING);
          xs[k] = (double) p->step;
          ys[k] = self->ema[i] / self->ema_weight[i];
        }
      mm_plot_append_many (self->plot, self->series[i], xs, ys, n);
      self->n_plotted[i] += n;
    }
}

static void
update_paths (MmRacePage *self)
{
  guint serial = mm_race_get_path_serial (self->race);

  if (serial != self->path_serial)
    {
      self->path_serial = serial;
      reproject_all (self);
    }
  for (guint i = 0; i < mm_race_get_n_lanes (self->race); i++)
    {
      g_autoptr(GPtrArray) pts = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_params_unref);
      g_autoptr(MmParams) now = mm_trainer_snapshot_params (mm_race_get_lane (self->race, i));
      double a, b;

      self->n_projected[i] += mm_race_get_path (self->race, i, self->n_projected[i], pts, NULL);
      for (guint k = 0; k < pts->len; k++)
        if (mm_landscape_project (self->landscape, g_ptr_array_index (pts, k), &a, &b))
          mm_landscape_view_append_point (self->view, i, a, b);
      if (mm_params_all_finite (now, NULL) && mm_landscape_project (self->landscape, now, &a, &b))
        mm_landscape_view_set_current (self->view, i, a, b);
    }
}

static void
update_status (MmRacePage *self)
{
  MmRaceState state = mm_race_get_state (self->race);
  g_autoptr(GString) s = g_string_new (NULL);
  guint64 rounds = mm_race_get_rounds (self->race);

  if (state == MM_RACE_OVER)
    g_string_append_printf (s, _("Race over after %zu steps."), (gsize) rounds);
  else
    g_string_append_printf (s, _("Step %zu."), (gsize) rounds);
  for (guint i = 0; i < mm_race_get_n_lanes (self->race); i++)
    {
      MmTrainerState ts = mm_trainer_get_state (mm_race_get_lane (self->race, i));
      if (ts == MM_TRAINER_DIVERGED)
        {
          g_string_append_c (s, ' ');
          g_string_append_printf (s, _("Lane %u diverged."), self->lane_row[i] + 1);
        }
      else if (ts == MM_TRAINER_FAILED)
        {
          g_string_append_c (s, ' ');
          g_string_append_printf (s, _("Lane %u failed."), self->lane_row[i] + 1);
        }
    }
  gtk_label_set_label (GTK_LABEL (self->status_label), s->str);
  gtk_widget_set_sensitive (self->stop_button, state != MM_RACE_OVER);
}

static gboolean
tick (GtkWidget     *widget,
      GdkFrameClock *clock,
      gpointer       data)
{
  MmRacePage *self = MM_RACE_PAGE (widget);
  gboolean over;

  if (self->race == NULL)
    return G_SOURCE_CONTINUE;
  update_plot (self);
  over = mm_race_get_state (self->race) == MM_RACE_OVER;
  if (self->small && self->landscape != NULL)
    update_paths (self);
  if (self->small && !self->computing && mm_race_get_rounds (self->race) > 0 && !self->final_fit_done &&
      (over || g_get_monotonic_time () - self->last_fit > REFIT_SECONDS * G_USEC_PER_SEC))
    {
      /* One last fit once the race is over, so the plane holds the whole paths. */
      self->final_fit_done = over;
      start_grid (self, TRUE);
      if (!mm_landscape_view_has_grid (self->view))
        mm_landscape_view_set_note (self->view, _("Computing the loss landscape…"));
    }
  update_status (self);
  return G_SOURCE_CONTINUE;
}

/* ---- Lanes ------------------------------------------------------------------------ */

static MmOptimizerKind
kind_of_row (LaneRow *row)
{
  switch (gtk_drop_down_get_selected (GTK_DROP_DOWN (row->kind)))
    {
    case 1: return MM_OPTIMIZER_RMSPROP;
    case 2: return MM_OPTIMIZER_ADAM;
    default: return MM_OPTIMIZER_SGD;
    }
}

static void
kind_changed (MmRacePage *self)
{
  /* Adam has no momentum setting (its β₁ plays that part). */
  for (guint i = 0; i < MM_RACE_MAX_LANES; i++)
    gtk_widget_set_sensitive (self->rows[i].momentum, kind_of_row (&self->rows[i]) != MM_OPTIMIZER_ADAM);
}

static char *
lane_label (guint                    lane,
            const MmOptimizerConfig *c)
{
  const char *kind = c->kind == MM_OPTIMIZER_ADAM ? "Adam" : c->kind == MM_OPTIMIZER_RMSPROP ? "RMSProp" : "SGD";

  if (c->momentum > 0 && c->kind != MM_OPTIMIZER_ADAM)
    /* Translators: lane number, optimizer, momentum, learning rate */
    return g_strdup_printf (_("%u: %s + momentum %g, lr %g"), lane + 1, kind, c->momentum, c->lr);
  /* Translators: lane number, optimizer, learning rate */
  return g_strdup_printf (_("%u: %s, lr %g"), lane + 1, kind, c->lr);
}

static void
draw_swatch (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        data)
{
  GdkRGBA c;

  gdk_rgba_parse (&c, data);
  gdk_cairo_set_source_rgba (cr, &c);
  cairo_arc (cr, width / 2.0, height / 2.0, MIN (width, height) / 2.0 - 1, 0, 2 * G_PI);
  cairo_fill (cr);
}

static GtkWidget *
spin (double lo,
      double hi,
      double step,
      guint  digits)
{
  GtkWidget *w = gtk_spin_button_new_with_range (lo, hi, step);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (w), digits);
  return w;
}

static void
build_lanes (MmRacePage *self)
{
  GtkGrid *grid = GTK_GRID (self->lanes_grid);
  const char *heads[] = { N_("Lane"), N_("Optimizer"), N_("Learning rate"), N_("Momentum") };

  for (guint c = 0; c < G_N_ELEMENTS (heads); c++)
    {
      GtkWidget *l = gtk_label_new (_(heads[c]));
      gtk_label_set_xalign (GTK_LABEL (l), 0);
      gtk_widget_add_css_class (l, "dim-label");
      gtk_grid_attach (grid, l, (int) c, 0, 1, 1);
    }
  for (guint i = 0; i < MM_RACE_MAX_LANES; i++)
    {
      LaneRow *row = &self->rows[i];
      const char *kinds[] = { "SGD", "RMSProp", "Adam", NULL };
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
      GtkWidget *swatch = gtk_drawing_area_new ();
      g_autofree char *name = g_strdup_printf (_("Lane %u"), i + 1);

      gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (swatch), 14);
      gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (swatch), 14);
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (swatch), draw_swatch, (gpointer) lane_colors[i], NULL);
      row->check = gtk_check_button_new_with_label (name);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (row->check), TRUE);
      gtk_box_append (GTK_BOX (box), swatch);
      gtk_box_append (GTK_BOX (box), row->check);
      row->kind = gtk_drop_down_new_from_strings (kinds);
      row->lr = spin (1e-5, 10.0, 0.001, 5);
      row->momentum = spin (0.0, 0.99, 0.05, 2);
      gtk_widget_set_tooltip_text (row->lr, _("Learning rate of this lane"));
      gtk_grid_attach (grid, box, 0, (int) i + 1, 1, 1);
      gtk_grid_attach (grid, row->kind, 1, (int) i + 1, 1, 1);
      gtk_grid_attach (grid, row->lr, 2, (int) i + 1, 1, 1);
      gtk_grid_attach (grid, row->momentum, 3, (int) i + 1, 1, 1);
      g_signal_connect_swapped (row->kind, "notify::selected", G_CALLBACK (kind_changed), self);
    }

  /* The classic four: plain SGD, SGD with momentum, RMSProp, Adam. */
  {
    MmOptimizerConfig c;

    mm_optimizer_config_init (&c, MM_OPTIMIZER_SGD);
    c.lr = 0.1;
    mm_race_page_set_lane (self, 0, TRUE, &c);
    c.lr = 0.05;
    c.momentum = 0.9;
    mm_race_page_set_lane (self, 1, TRUE, &c);
    mm_optimizer_config_init (&c, MM_OPTIMIZER_RMSPROP);
    c.lr = 0.01;
    mm_race_page_set_lane (self, 2, TRUE, &c);
    mm_optimizer_config_init (&c, MM_OPTIMIZER_ADAM);
    c.lr = 0.01;
    mm_race_page_set_lane (self, 3, TRUE, &c);
  }
}

void
mm_race_page_set_lane (MmRacePage              *self,
                       guint                    lane,
                       gboolean                 enabled,
                       const MmOptimizerConfig *config)
{
  LaneRow *row;

  g_return_if_fail (MM_IS_RACE_PAGE (self) && lane < MM_RACE_MAX_LANES && config != NULL);
  row = &self->rows[lane];
  gtk_check_button_set_active (GTK_CHECK_BUTTON (row->check), enabled);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (row->kind),
                              config->kind == MM_OPTIMIZER_RMSPROP ? 1 : config->kind == MM_OPTIMIZER_ADAM ? 2 : 0);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (row->lr), config->lr);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (row->momentum), config->momentum);
  kind_changed (self);
}

/* ---- Start and stop --------------------------------------------------------------- */

static void
clear_race (MmRacePage *self)
{
  g_atomic_int_inc (&self->generation);
  g_clear_pointer (&self->race, mm_race_free);
  g_clear_pointer (&self->landscape, mm_landscape_unref);
  g_clear_pointer (&self->eval_x, mm_tensor_unref);
  g_clear_pointer (&self->eval_y, mm_tensor_unref);
  self->computing = FALSE;
}

static void
show_problem (MmRacePage *self,
              GError    **error,
              const char *text)
{
  gtk_label_set_label (GTK_LABEL (self->status_label), text);
  g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, text);
}

gboolean
mm_race_page_start (MmRacePage  *self,
                    GError     **error)
{
  g_autoptr(MmModule) model = NULL;
  g_autoptr(MmLoss) loss = NULL;
  g_autoptr(GError) local = NULL;
  MmSessionSettings *settings;
  MmDataset *train;
  MmRaceConfig rc;
  gsize n_params;

  g_return_val_if_fail (MM_IS_RACE_PAGE (self), FALSE);
  clear_race (self);

  train = mm_session_get_train_data (self->session);
  if (train == NULL)
    {
      show_problem (self, error, _("The data are not loaded yet."));
      return FALSE;
    }
  model = mm_session_dup_model (self->session);
  if (model == NULL)
    {
      const char *problem = mm_session_get_problem (self->session);
      show_problem (self, error, problem ? problem : _("The network cannot be trained yet."));
      return FALSE;
    }
  loss = mm_session_dup_loss (self->session, &local);
  if (loss == NULL)
    {
      show_problem (self, error, local->message);
      return FALSE;
    }

  settings = mm_session_get_settings (self->session);
  memset (&rc, 0, sizeof rc);
  mm_trainer_config_init (&rc.base);
  rc.base.model = model;
  rc.base.loss = loss;
  rc.base.train = train;
  rc.base.l1 = settings->l1;
  rc.base.l2 = settings->l2;
  rc.base.batch_size = settings->batch_size;
  rc.base.epochs = settings->epochs;
  rc.base.seed = settings->seed;
  rc.base.init = settings->init;
  rc.base.threads = 1;
  for (guint i = 0; i < MM_RACE_MAX_LANES; i++)
    {
      LaneRow *row = &self->rows[i];
      MmOptimizerConfig *c = &rc.lanes[rc.n_lanes];

      if (!gtk_check_button_get_active (GTK_CHECK_BUTTON (row->check)))
        continue;
      mm_optimizer_config_init (c, kind_of_row (row));
      c->lr = gtk_spin_button_get_value (GTK_SPIN_BUTTON (row->lr));
      if (c->kind != MM_OPTIMIZER_ADAM)
        c->momentum = gtk_spin_button_get_value (GTK_SPIN_BUTTON (row->momentum));
      self->lane_row[rc.n_lanes] = i;
      rc.n_lanes++;
    }
  if (rc.n_lanes == 0)
    {
      show_problem (self, error, _("Check at least one lane to race."));
      return FALSE;
    }
  n_params = mm_module_count_params (model);
  self->small = n_params <= MM_LANDSCAPE_MAX_PARAMS;
  rc.record_paths = self->small;
  self->race = mm_race_new (&rc, &local);
  if (self->race == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("The race cannot start: %s"), local->message);
      show_problem (self, error, msg);
      return FALSE;
    }
  mm_race_set_round_delay (self->race, self->delay_ms >= 0 ? (guint) self->delay_ms : self->small ? 4 : 0);

  /* The plot: one smoothed loss per lane, in the lane's colour. */
  mm_plot_remove_all_series (self->plot);
  mm_plot_clear_markers (self->plot);
  for (guint i = 0; i < rc.n_lanes; i++)
    {
      g_autofree char *label = lane_label (self->lane_row[i], &rc.lanes[i]);
      GdkRGBA color;

      gdk_rgba_parse (&color, lane_colors[self->lane_row[i]]);
      self->series[i] = mm_plot_add_series (self->plot, label, &color, MM_PLOT_STYLE_LINE, MM_PLOT_Y_AXIS_LEFT);
      self->n_plotted[i] = 0;
      self->ema[i] = self->ema_weight[i] = 0.0;
      mm_landscape_view_set_lane_color (self->view, i, &color);
    }

  /* The landscape: on a fixed batch, the first samples of the data. */
  mm_landscape_view_clear_paths (self->view);
  mm_landscape_view_set_grid (self->view, 0, NULL, NULL);
  mm_landscape_view_set_n_lanes (self->view, rc.n_lanes);
  self->path_serial = 0;
  self->final_fit_done = FALSE;
  for (guint i = 0; i < MM_RACE_MAX_LANES; i++)
    self->n_projected[i] = 0;
  if (self->small)
    {
      gsize n = MIN (mm_dataset_get_n_samples (train), EVAL_BATCH);
      g_autofree gsize *idx = g_new (gsize, n);

      for (gsize k = 0; k < n; k++)
        idx[k] = k;
      if (mm_dataset_get_batch (train, idx, n, &self->eval_x, &self->eval_y, &local))
        {
          mm_landscape_view_set_message (self->view, NULL);
          mm_landscape_view_set_note (self->view, _("Computing the loss landscape…"));
          start_grid (self, FALSE);
        }
      else
        {
          self->small = FALSE;
          mm_landscape_view_set_message (self->view, local->message);
        }
    }
  else
    {
      g_autofree char *msg =
        g_strdup_printf (_("The loss landscape is drawn for networks of up to %u parameters; this one has %zu."),
                         (guint) MM_LANDSCAPE_MAX_PARAMS, n_params);
      mm_landscape_view_set_message (self->view, msg);
    }

  mm_race_start (self->race);
  gtk_widget_set_sensitive (self->stop_button, TRUE);
  update_status (self);
  return TRUE;
}

void
mm_race_page_stop (MmRacePage *self)
{
  g_return_if_fail (MM_IS_RACE_PAGE (self));
  if (self->race != NULL)
    mm_race_stop (self->race);
}

void
mm_race_page_set_round_delay (MmRacePage *self,
                              guint       milliseconds)
{
  g_return_if_fail (MM_IS_RACE_PAGE (self));
  self->delay_ms = (gint) MIN (milliseconds, 10000u);
  if (self->race != NULL)
    mm_race_set_round_delay (self->race, milliseconds);
}

static void
start_clicked (MmRacePage *self)
{
  mm_race_page_start (self, NULL);
}

static void
stop_clicked (MmRacePage *self)
{
  mm_race_page_stop (self);
}

MmRace *
mm_race_page_get_race (MmRacePage *self)
{
  g_return_val_if_fail (MM_IS_RACE_PAGE (self), NULL);
  return self->race;
}

MmPlot *
mm_race_page_get_plot (MmRacePage *self)
{
  g_return_val_if_fail (MM_IS_RACE_PAGE (self), NULL);
  return self->plot;
}

MmLandscapeView *
mm_race_page_get_landscape_view (MmRacePage *self)
{
  g_return_val_if_fail (MM_IS_RACE_PAGE (self), NULL);
  return self->view;
}

guint
mm_race_page_get_n_landscapes (MmRacePage *self)
{
  g_return_val_if_fail (MM_IS_RACE_PAGE (self), 0);
  return self->n_landscapes;
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
mm_race_page_dispose (GObject *object)
{
  MmRacePage *self = MM_RACE_PAGE (object);

  clear_race (self);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), MM_TYPE_RACE_PAGE);
  G_OBJECT_CLASS (mm_race_page_parent_class)->dispose (object);
}

static void
mm_race_page_class_init (MmRacePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_race_page_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/mymlstudio/Studio/mm-race-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MmRacePage, lanes_grid);
  gtk_widget_class_bind_template_child (widget_class, MmRacePage, start_button);
  gtk_widget_class_bind_template_child (widget_class, MmRacePage, stop_button);
  gtk_widget_class_bind_template_child (widget_class, MmRacePage, status_label);
  gtk_widget_class_bind_template_child (widget_class, MmRacePage, plot_box);
  gtk_widget_class_bind_template_child (widget_class, MmRacePage, landscape_box);
  gtk_widget_class_bind_template_callback (widget_class, start_clicked);
  gtk_widget_class_bind_template_callback (widget_class, stop_clicked);
}

static void
mm_race_page_init (MmRacePage *self)
{
  GtkWidget *plot;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->delay_ms = -1;
  plot = mm_plot_new ();
  self->plot = MM_PLOT (plot);
  gtk_widget_set_vexpand (plot, TRUE);
  gtk_widget_set_hexpand (plot, TRUE);
  mm_plot_set_y_label (self->plot, MM_PLOT_Y_AXIS_LEFT, _("training data loss (smoothed)"));
  mm_plot_set_placeholder_text (self->plot, _("Press Start race: each lane's loss appears here"));
  gtk_box_append (GTK_BOX (self->plot_box), plot);
  self->view = MM_LANDSCAPE_VIEW (mm_landscape_view_new ());
  gtk_box_append (GTK_BOX (self->landscape_box), GTK_WIDGET (self->view));
  build_lanes (self);
  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick, NULL, NULL);
}

GtkWidget *
mm_race_page_new (MmSession *session)
{
  MmRacePage *self;

  g_return_val_if_fail (MM_IS_SESSION (session), NULL);
  self = g_object_new (MM_TYPE_RACE_PAGE, NULL);
  self->session = g_object_ref (session);
  return GTK_WIDGET (self);
}
