/* mm-window.c — the main window. */
#include "config.h"
#include "mm-window.h"
#include "mm-session.h"
#include "mm-model-builder.h"
#include "mm-training-panel.h"
#include "mm-decision-view.h"
#include "mm-draw-bar.h"
#include "mm-cost-view.h"
#include "mm-sample-grid.h"
#include "mm-confusion-view.h"
#include "mm-filter-view.h"
#include "mm-text-samples.h"
#include "mm-attention-view.h"
#include "mm-plot.h"
#include "mm-loss-split.h"
#include "mm-run-log.h"
#include "mm-settings.h"
#include "mm-graph-view.h"
#include "mm-expression-lab.h"
#include "mm-graph-page.h"
#include "mm-file-watch.h"
#include "mm-race-page.h"

#include <glib/gi18n.h>
#include <math.h>

struct _MmWindow {
  GtkApplicationWindow parent_instance;

  MmSession *session;
  GtkWidget *builder;
  GtkWidget *panel;
  GtkWidget *decision_view;
  GtkWidget *draw_bar;      /* draw your own 2-D data (mm-draw-bar.c) */
  GtkWidget *cost_view;     /* the cost meter's page (mm-cost-view.c) */
  GtkWidget *sample_grid;
  GtkWidget *confusion_view;
  GtkWidget *filter_view;
  GtkWidget *text_samples;      /* a character model writes (text data) */
  GtkWidget *attention_view;    /* attention maps (networks with attention) */
  GtkWidget *plot;
  GtkWidget *epochs_toggle;
  GtkWidget *log_toggle;
  guint series_batch, series_smooth, series_penalty, series_train, series_test, series_acc;
  guint64 history_read;
  guint epochs_read;
  double ema, ema_weight;
  float last_lr;
  gboolean penalty_shown;
  MmLossSplit split;        /* the stacked data loss / L1 / L2 (mm-loss-split.c) */
  GtkWidget *split_toggle;
  guint changes_read;       /* settings changes marked on the plot */
  guint tick_id;
  GArray *records;          /* scratch for draining the trainer */
  gint64 last_view_update;  /* µs, frame time */
  gint64 last_status_update;
  char *last_problem_toast;

  GtkWidget *model_box;
  GtkWidget *training_box;
  GtkWidget *plot_box;
  GtkWidget *data_box;
  GtkWidget *view_stack;
  GtkWidget *graph_box;
  GtkWidget *graph_page;
  GtkWidget *status_state;
  GtkWidget *status_progress;
  GtkWidget *status_speed;
  GtkWidget *status_time;
  GtkWidget *toast_revealer;
  GtkWidget *toast_label;
  GtkWidget *restore_revealer;
  GMenu *primary_menu;
  GSettings *settings;          /* NULL when the schema is not installed */
  char *project_path;
  MmFileWatch *watch;         /* the project file changed or deleted by others */
  char *autosave_error;       /* the last autosave failure shown, or NULL */
  guint autosave_id;
  gboolean closing_confirmed;
  GtkAdjustment *speed_adjustment;
  guint toast_timeout;
};

G_DEFINE_FINAL_TYPE (MmWindow, mm_window, GTK_TYPE_APPLICATION_WINDOW)

/* ---- Toasts ------------------------------------------------------------------ */

static gboolean
hide_toast (gpointer data)
{
  MmWindow *self = data;

  gtk_revealer_set_reveal_child (GTK_REVEALER (self->toast_revealer), FALSE);
  self->toast_timeout = 0;
  return G_SOURCE_REMOVE;
}

/* A short message at the bottom of the window that goes away by itself. */
static void
show_toast (MmWindow   *self,
            const char *message)
{
  gtk_label_set_label (GTK_LABEL (self->toast_label), message);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->toast_revealer), TRUE);
  g_clear_handle_id (&self->toast_timeout, g_source_remove);
  self->toast_timeout = g_timeout_add_seconds (6, hide_toast, self);
}

static void
show_error (MmWindow     *self,
            const GError *error)
{
  show_toast (self, error->message);
}

/* A save that failed is not a passing remark: the user must read where and
 * why (a full disk, a read-only folder) and that the file on the disk is
 * unchanged, so it is a dialog, like a project that cannot be opened. */
static void
show_save_error (MmWindow     *self,
                 const GError *error)
{
  GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                              GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE,
                                              _("The project was not saved"));

  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", error->message);
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- Status and buttons ---------------------------------------------------------- */

static char *
format_duration (double seconds)
{
  guint s;

  if (!isfinite (seconds) || seconds < 0)
    return g_strdup ("–");
  s = (guint) (seconds + 0.5);
  if (s >= 3600)
    return g_strdup_printf ("%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%u:%02u", s / 60, s % 60);
}

static void
update_actions (MmWindow *self)
{
  MmTrainerState st = mm_session_get_state (self->session);
  gboolean running = st == MM_TRAINER_RUNNING;
  gboolean paused = st == MM_TRAINER_PAUSED;
  gboolean can = mm_session_can_train (self->session);
  GActionMap *map = G_ACTION_MAP (self);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "train")), can && !running);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "pause")), running);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "step")), can && !running);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "stop")), running || paused);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "reset")), can);
  mm_model_builder_set_editable (MM_MODEL_BUILDER (self->builder), !running && !paused);
}

static void
update_status (MmWindow *self)
{
  MmTrainer *trainer = mm_session_get_trainer (self->session);
  MmTrainerState st = mm_session_get_state (self->session);
  MmDataState ds = mm_session_get_data_state (self->session);
  g_autofree char *state_text = NULL;
  g_autofree char *progress = NULL;
  g_autofree char *speed = NULL;
  g_autofree char *time = NULL;

  if (ds == MM_DATA_STATE_LOADING)
    state_text = g_strdup (_("Loading the data…"));
  else if (ds == MM_DATA_STATE_FAILED)
    state_text = g_strdup (mm_session_get_data_message (self->session));
  else if (mm_session_get_problem (self->session) != NULL && trainer == NULL)
    state_text = g_strdup (mm_session_get_problem (self->session));

  if (trainer != NULL)
    {
      MmTrainerRecord r = mm_trainer_get_progress (trainer);
      g_autofree char *elapsed = format_duration (r.elapsed);
      g_autofree char *eta = format_duration (r.eta);
      guint64 step = r.step + mm_session_get_step_offset (self->session);

      progress = g_strdup_printf (_("Epoch %u · batch %zu/%zu · step %llu"),
                                  r.epoch + 1 + mm_session_get_epoch_offset (self->session),
                                  r.batch, r.n_batches, (unsigned long long) step);
      speed = g_strdup_printf (_("%.0f samples/s"), r.samples_per_second);
      time = st == MM_TRAINER_RUNNING
        ? g_strdup_printf (_("%s elapsed · %s left"), elapsed, eta)
        : g_strdup_printf (_("%s elapsed"), elapsed);
      if (state_text == NULL)
        switch (st)
          {
          case MM_TRAINER_RUNNING:
            state_text = g_strdup_printf (_("Training · loss %.4f"), r.smoothed_loss);
            break;
          case MM_TRAINER_PAUSED:
            state_text = g_strdup_printf (_("Paused · loss %.4f"), r.smoothed_loss);
            break;
          case MM_TRAINER_FINISHED:
            state_text = g_strdup (_("Finished. Train again to continue from these weights."));
            break;
          case MM_TRAINER_STOPPED:
            state_text = g_strdup (_("Stopped. Train continues from these weights."));
            break;
          case MM_TRAINER_DIVERGED:
            state_text = g_strdup (_("Diverged: the loss became NaN or infinite. Lower the learning rate and press New weights."));
            break;
          case MM_TRAINER_FAILED:
            state_text = g_strdup (_("Training failed."));
            break;
          case MM_TRAINER_READY:
          default:
            break;
          }
    }
  if (state_text == NULL)
    state_text = g_strdup (_("Ready. Press Train."));
  gtk_label_set_label (GTK_LABEL (self->status_state), state_text);
  gtk_label_set_label (GTK_LABEL (self->status_progress), progress ? progress : "");
  gtk_label_set_label (GTK_LABEL (self->status_speed), speed ? speed : "");
  gtk_label_set_label (GTK_LABEL (self->status_time), time ? time : "");
}

/* ---- Views ------------------------------------------------------------------------ */

static void
plot_reset (MmWindow *self)
{
  mm_plot_clear (MM_PLOT (self->plot));
  mm_plot_clear_markers (MM_PLOT (self->plot));
  self->history_read = 0;
  self->epochs_read = 0;
  self->ema = self->ema_weight = 0;
  self->last_lr = 0;
  self->penalty_shown = FALSE;
  mm_plot_set_series_visible (MM_PLOT (self->plot), self->series_penalty, FALSE);
  self->changes_read = 0;
  mm_loss_split_reset (&self->split);
}

static void
update_x_scale (MmWindow *self)
{
  gsize n = mm_session_get_batches_per_epoch (self->session);

  if (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->epochs_toggle)) && n > 0)
    mm_plot_set_x_scale (MM_PLOT (self->plot), 1.0 / (double) n, _("epoch"));
  else
    mm_plot_set_x_scale (MM_PLOT (self->plot), 1.0, _("step"));
}

/* Whether a recorded change is marked at @step. */
static gboolean
marked_change_at (MmWindow *self,
                  guint64   step)
{
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (MmChange));

  mm_session_get_changes (self->session, 0, changes);
  for (guint i = 0; i < changes->len; i++)
    if (g_array_index (changes, MmChange, i).step + 1 == step)
      return TRUE;
  return FALSE;
}

/* Appends what was trained since the last frame: every step's loss (the
 * history is complete even when the trainer merged its records), and each
 * finished epoch's evaluation. */
static void
feed_plot (MmWindow *self)
{
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  g_autoptr(GArray) epochs = g_array_new (FALSE, FALSE, sizeof (MmProjectEpoch));
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (MmChange));
  MmPlot *plot = MM_PLOT (self->plot);

  /* Every setting changed mid-run is marked at the first step it applies to. */
  self->changes_read += mm_session_get_changes (self->session, self->changes_read, changes);
  for (guint i = 0; i < changes->len; i++)
    {
      const MmChange *c = &g_array_index (changes, MmChange, i);
      g_autofree char *label = mm_change_label (c);
      mm_plot_add_marker (plot, (double) (c->step + 1), label);
    }
  mm_session_get_history (self->session, self->history_read, points);
  if (points->len > 0)
    {
      g_autofree double *x = g_new (double, points->len);
      g_autofree double *y = g_new (double, points->len);
      g_autofree double *ys = g_new (double, points->len);
      g_autofree double *yp = g_new (double, points->len);
      gboolean any_penalty = FALSE;

      for (guint i = 0; i < points->len; i++)
        {
          const MmStepPoint *p = &g_array_index (points, MmStepPoint, i);
          x[i] = (double) p->step;
          y[i] = p->data_loss;
          if (isfinite (p->data_loss))
            {
              self->ema = 0.98 * self->ema + 0.02 * p->data_loss;
              self->ema_weight = 0.98 * self->ema_weight + 0.02;
            }
          ys[i] = self->ema_weight > 0 ? self->ema / self->ema_weight : NAN;
          yp[i] = p->penalty;
          any_penalty |= p->penalty > 0;
          /* A learning rate changed mid-run (by hand or by a schedule) is
           * marked where it happened, so its effect can be seen; changes
           * the session recorded have their own marker. */
          if (self->last_lr > 0 && p->lr != self->last_lr && !marked_change_at (self, p->step))
            {
              g_autofree char *label = g_strdup_printf (_("lr → %g"), p->lr);
              mm_plot_add_marker (plot, (double) p->step, label);
            }
          self->last_lr = p->lr;
        }
      mm_plot_append_many (plot, self->series_batch, x, y, points->len);
      mm_plot_append_many (plot, self->series_smooth, x, ys, points->len);
      mm_plot_append_many (plot, self->series_penalty, x, yp, points->len);
      mm_loss_split_append (&self->split, plot, (const MmStepPoint *) (void *) points->data, points->len);
      if (any_penalty && !self->penalty_shown)
        {
          self->penalty_shown = TRUE;
          mm_plot_set_series_visible (plot, self->series_penalty, !self->split.shown);
        }
      self->history_read += points->len;
    }

  mm_session_get_epochs (self->session, self->epochs_read, epochs);
  for (guint i = 0; i < epochs->len; i++)
    {
      const MmProjectEpoch *e = &g_array_index (epochs, MmProjectEpoch, i);
      double xe = (double) e->step;

      mm_plot_append (plot, self->series_train, xe, e->train_loss);
      if (isfinite (e->test_loss))
        {
          mm_plot_append (plot, self->series_test, xe, e->test_loss);
          mm_plot_append (plot, self->series_acc, xe, 100.0 * e->test_accuracy);
        }
    }
  self->epochs_read += epochs->len;
}

/* Split: the stacked bands and the total instead of the batch curves. */
static void
split_toggled (MmWindow *self)
{
  gboolean split = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->split_toggle));
  MmPlot *plot = MM_PLOT (self->plot);

  mm_loss_split_set_shown (&self->split, plot, split);
  mm_plot_set_series_visible (plot, self->series_batch, !split);
  mm_plot_set_series_visible (plot, self->series_smooth, !split);
  mm_plot_set_series_visible (plot, self->series_penalty, !split && self->penalty_shown);
}

static void
toggles_changed (MmWindow *self)
{
  mm_plot_set_log_y (MM_PLOT (self->plot), gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->log_toggle)));
  update_x_scale (self);
}

static void
export_response (GtkNativeDialog *dialog,
                 int              response,
                 MmWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      g_autoptr(GError) error = NULL;
      int w = MAX (gtk_widget_get_width (self->plot), 800), h = MAX (gtk_widget_get_height (self->plot), 450);
      gboolean ok = g_str_has_suffix (path, ".svg")
        ? mm_plot_export_svg (MM_PLOT (self->plot), path, w, h, &error)
        : mm_plot_export_png (MM_PLOT (self->plot), path, w, h, &error);

      if (ok)
        {
          g_autofree char *msg = g_strdup_printf (_("Saved the plot to %s"), path);
          show_toast (self, msg);
        }
      else
        show_error (self, error);
    }
  g_object_unref (dialog);
}

static void
export_clicked (MmWindow *self)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Export the plot"), GTK_WINDOW (self),
                                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "loss.png");
  g_signal_connect (chooser, "response", G_CALLBACK (export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
build_plot (MmWindow *self)
{
  static const GdkRGBA batch = { 0.55, 0.65, 0.85, 1 }, smooth = { 0.10, 0.30, 0.75, 1 };
  static const GdkRGBA penalty = { 0.60, 0.35, 0.70, 1 }, train = { 0.90, 0.55, 0.10, 1 };
  static const GdkRGBA test = { 0.80, 0.20, 0.20, 1 }, acc = { 0.15, 0.60, 0.30, 1 };
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *export = gtk_button_new_from_icon_name ("document-save-as-symbolic");
  MmPlot *plot;

  self->plot = mm_plot_new ();
  plot = MM_PLOT (self->plot);
  gtk_widget_set_vexpand (self->plot, TRUE);
  self->series_batch = mm_plot_add_series (plot, _("data loss per batch"), &batch, MM_PLOT_STYLE_THIN_LINE, MM_PLOT_Y_AXIS_LEFT);
  self->series_smooth = mm_plot_add_series (plot, _("data loss, smoothed"), &smooth, MM_PLOT_STYLE_LINE, MM_PLOT_Y_AXIS_LEFT);
  self->series_penalty = mm_plot_add_series (plot, _("penalty (L1 + L2)"), &penalty, MM_PLOT_STYLE_LINE, MM_PLOT_Y_AXIS_LEFT);
  self->series_train = mm_plot_add_series (plot, _("training loss per epoch"), &train, MM_PLOT_STYLE_POINTS, MM_PLOT_Y_AXIS_LEFT);
  self->series_test = mm_plot_add_series (plot, _("test loss per epoch"), &test, MM_PLOT_STYLE_POINTS, MM_PLOT_Y_AXIS_LEFT);
  self->series_acc = mm_plot_add_series (plot, _("test accuracy"), &acc, MM_PLOT_STYLE_POINTS, MM_PLOT_Y_AXIS_RIGHT);
  mm_plot_set_series_visible (plot, self->series_penalty, FALSE);
  mm_loss_split_add_series (&self->split, plot);
  mm_plot_set_y_label (plot, MM_PLOT_Y_AXIS_LEFT, _("loss"));
  mm_plot_set_y_label (plot, MM_PLOT_Y_AXIS_RIGHT, _("accuracy (%)"));
  mm_plot_set_placeholder_text (plot, _("Press Train: the loss appears here."));

  self->epochs_toggle = gtk_toggle_button_new_with_label (_("x in epochs"));
  self->log_toggle = gtk_toggle_button_new_with_label (_("log y"));
  self->split_toggle = gtk_toggle_button_new_with_label (_("split loss"));
  gtk_widget_set_tooltip_text (self->split_toggle, _("Stack the data loss, the L1 and the L2 penalty (smoothed) "
                                                     "under the total loss"));
  gtk_widget_add_css_class (self->split_toggle, "flat");
  gtk_box_append (GTK_BOX (bar), self->split_toggle);
  g_signal_connect_swapped (self->split_toggle, "toggled", G_CALLBACK (split_toggled), self);
  {
    GtkWidget *replay = gtk_button_new_from_icon_name ("media-seek-backward-symbolic");
    gtk_widget_set_tooltip_text (replay, _("Replay the run: from new weights with the same seed, each setting "
                                           "change at its step"));
    gtk_accessible_update_property (GTK_ACCESSIBLE (replay), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Replay run"), -1);
    gtk_actionable_set_action_name (GTK_ACTIONABLE (replay), "win.replay-run");
    gtk_widget_add_css_class (replay, "flat");
    gtk_box_append (GTK_BOX (bar), replay);
  }
  gtk_widget_set_tooltip_text (self->epochs_toggle, _("Show the x axis in epochs instead of steps"));
  gtk_widget_set_tooltip_text (self->log_toggle, _("Logarithmic loss axis"));
  gtk_widget_set_tooltip_text (export, _("Export the plot as PNG or SVG"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (export), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Export the plot"), -1);
  gtk_widget_add_css_class (self->epochs_toggle, "flat");
  gtk_widget_add_css_class (self->log_toggle, "flat");
  gtk_widget_add_css_class (export, "flat");
  gtk_widget_set_halign (bar, GTK_ALIGN_END);
  gtk_box_append (GTK_BOX (bar), self->epochs_toggle);
  gtk_box_append (GTK_BOX (bar), self->log_toggle);
  gtk_box_append (GTK_BOX (bar), export);
  g_signal_connect_swapped (self->epochs_toggle, "toggled", G_CALLBACK (toggles_changed), self);
  g_signal_connect_swapped (self->log_toggle, "toggled", G_CALLBACK (toggles_changed), self);
  g_signal_connect_swapped (export, "clicked", G_CALLBACK (export_clicked), self);
  gtk_box_append (GTK_BOX (self->plot_box), bar);
  gtk_box_append (GTK_BOX (self->plot_box), self->plot);
}

static gboolean
data_is_2d (MmWindow *self)
{
  MmDataset *train = mm_session_get_train_data (self->session);
  return train != NULL && mm_shape_size (mm_dataset_get_sample_shape (train)) == 2;
}

/* The network has a layer whose attention can be drawn. */
static gboolean
has_attention (MmWindow *self)
{
  for (guint i = 0; i < mm_session_get_n_layers (self->session); i++)
    {
      MmLayerKind kind = mm_session_get_layer (self->session, i)->kind;
      if (kind == MM_LAYER_ATTENTION || kind == MM_LAYER_TRANSFORMER)
        return TRUE;
    }
  return FALSE;
}

/* Views of sequence models: what a character model writes, and the
 * attention maps of a network that has attention layers. */
static void
update_sequence_views (MmWindow *self,
                       MmModule *model,
                       MmParams *params)
{
  MmDataset *train = mm_session_get_train_data (self->session);
  gboolean text = mm_session_get_n_symbols (self->session) > 0 && mm_session_is_per_step (self->session);
  gboolean attention = model != NULL && mm_session_get_n_symbols (self->session) > 0 && has_attention (self);

  gtk_widget_set_visible (self->text_samples, text);
  gtk_widget_set_visible (self->attention_view, attention);
  mm_text_samples_set_model (MM_TEXT_SAMPLES (self->text_samples), text ? model : NULL, text ? train : NULL,
                             text ? mm_dataset_get_sample_size (train) : 0);
  mm_text_samples_set_params (MM_TEXT_SAMPLES (self->text_samples), text ? params : NULL);
  mm_attention_view_set_model (MM_ATTENTION_VIEW (self->attention_view), attention ? model : NULL,
                               attention ? params : NULL);
}

/* The data views show the current network with its newest weights; each
 * computes in the background, so calling this often never blocks a frame. */
static void
update_data_views (MmWindow *self,
                   gboolean  with_confusion)
{
  g_autoptr(MmModule) model = mm_session_dup_model (self->session);
  g_autoptr(MmParams) params = model ? mm_session_dup_params (self->session) : NULL;

  update_sequence_views (self, model, params);
  if (data_is_2d (self))
    mm_decision_view_set_model (MM_DECISION_VIEW (self->decision_view), model, params);
  else if (mm_session_get_n_symbols (self->session) > 0)
    {
      /* Sequences: one class per sample (brackets) has a confusion matrix. */
      if (with_confusion && !mm_session_is_per_step (self->session))
        mm_confusion_view_set_model (MM_CONFUSION_VIEW (self->confusion_view), model, params,
                                     mm_session_get_test_data (self->session));
    }
  else
    {
      mm_sample_grid_set_model (MM_SAMPLE_GRID (self->sample_grid), model, params);
      if (with_confusion)
        mm_confusion_view_set_model (MM_CONFUSION_VIEW (self->confusion_view), model, params,
                                     mm_session_get_test_data (self->session));
    }
  /* The first convolution's filters, whenever the network has one. */
  {
    g_autofree char *filters = mm_session_dup_first_conv_weight (self->session);
    gtk_widget_set_visible (self->filter_view, filters != NULL);
    /* The filters need a narrow column only: let the sample images keep
     * the width they had (equal columns again without a convolution). */
    gtk_box_set_homogeneous (GTK_BOX (self->data_box), filters == NULL);
    mm_filter_view_set_weights (MM_FILTER_VIEW (self->filter_view), params, filters);
  }
}

static void
data_changed (MmWindow *self)
{
  MmDataset *train = mm_session_get_train_data (self->session);
  MmDataset *test = mm_session_get_test_data (self->session);
  gboolean two_d = data_is_2d (self);
  gboolean sequence = train != NULL && mm_session_get_n_symbols (self->session) > 0;

  gtk_widget_set_visible (self->decision_view, two_d || train == NULL);
  gtk_widget_set_visible (self->sample_grid, !two_d && train != NULL && !sequence);
  gtk_widget_set_visible (self->confusion_view,
                          !two_d && train != NULL && !(sequence && mm_session_is_per_step (self->session)));
  if (two_d)
    mm_decision_view_set_dataset (MM_DECISION_VIEW (self->decision_view), train, test);
  else if (train != NULL && !sequence)
    mm_sample_grid_set_dataset (MM_SAMPLE_GRID (self->sample_grid), test ? test : train);
  if (sequence)
    {
      /* The attention maps look at one fixed sample: the first test one. */
      MmDataset *ds = test ? test : train;
      guint n = mm_session_get_n_symbols (self->session);
      g_autofree const char **symbols = g_new0 (const char *, n + 1);

      for (guint k = 0; k < n; k++)
        symbols[k] = mm_session_get_symbol (self->session, k);
      mm_attention_view_set_sample (MM_ATTENTION_VIEW (self->attention_view), mm_dataset_get_sample (ds, 0),
                                    mm_dataset_get_sample_size (ds), symbols, n);
    }
  else
    mm_attention_view_set_sample (MM_ATTENTION_VIEW (self->attention_view), NULL, 0, NULL, 0);
  update_data_views (self, TRUE);
}

/* Training diverged: the graph page opens on the step that did, at the
 * first node that is not finite (mm-trace.h). */
static void
show_divergence (MmWindow *self)
{
  MmTrainer *trainer = mm_session_get_trainer (self->session);
  g_autoptr(MmDivergence) d = trainer ? mm_trainer_dup_divergence (trainer) : NULL;
  g_autoptr(GError) error = NULL;

  if (d == NULL)
    return;
  if (!mm_graph_page_show_divergence (MM_GRAPH_PAGE (self->graph_page), d,
                                      mm_session_get_step_offset (self->session), NULL, &error))
    {
      show_toast (self, error->message);
      return;
    }
  gtk_stack_set_visible_child_name (GTK_STACK (self->view_stack), "graph");
}

static void
handle_record (MmWindow              *self,
               const MmTrainerRecord *r)
{
  if (r->kind == MM_RECORD_STATE && (r->state == MM_TRAINER_DIVERGED || r->state == MM_TRAINER_FAILED))
    show_toast (self, r->message);
  if (r->kind == MM_RECORD_STATE && r->state == MM_TRAINER_DIVERGED)
    show_divergence (self);
  /* The confusion matrix counts the whole test set: after each epoch, and
   * when training pauses or ends. */
  if (r->kind == MM_RECORD_EPOCH || (r->kind == MM_RECORD_STATE && r->state != MM_TRAINER_RUNNING))
    update_data_views (self, TRUE);
  /* A character model writes a sample after every epoch. */
  if (r->kind == MM_RECORD_EPOCH && gtk_widget_get_visible (self->text_samples))
    {
      g_autofree char *label = g_strdup_printf (_("After epoch %u"),
                                                mm_session_get_epoch_offset (self->session) + r->epoch + 1);
      mm_text_samples_generate (MM_TEXT_SAMPLES (self->text_samples), NULL, label);
    }
}

/* Once per frame: drain the trainer and redraw what changed. */
static gboolean
tick (GtkWidget     *widget,
      GdkFrameClock *clock,
      gpointer       data)
{
  MmWindow *self = MM_WINDOW (widget);

  gint64 now = gdk_frame_clock_get_frame_time (clock);

  g_array_set_size (self->records, 0);
  mm_session_poll (self->session, self->records);
  feed_plot (self);
  mm_cost_view_update (MM_COST_VIEW (self->cost_view), mm_session_get_trainer (self->session), self->records);
  if (self->records->len > 0)
    {
      for (guint i = 0; i < self->records->len; i++)
        handle_record (self, &g_array_index (self->records, MmTrainerRecord, i));
      /* Text that changes every frame would relayout the window every frame
       * and flicker too fast to read: four times a second is plenty. */
      if (now - self->last_status_update > G_USEC_PER_SEC / 4)
        {
          update_status (self);
          self->last_status_update = now;
        }
      /* The decision boundary moves with the weights, five times a second. */
      if (now - self->last_view_update > G_USEC_PER_SEC / 5)
        {
          update_data_views (self, FALSE);
          self->last_view_update = now;
        }
    }
  return G_SOURCE_CONTINUE;
}

/* ---- Actions ----------------------------------------------------------------------- */

static void
train_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       data)
{
  MmWindow *self = data;
  g_autoptr(GError) error = NULL;

  if (!mm_session_train (self->session, &error))
    show_error (self, error);
}

static void
replay_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       data)
{
  MmWindow *self = data;
  g_autoptr(GError) error = NULL;

  if (!mm_session_replay (self->session, &error))
    show_error (self, error);
}

static void
pause_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       data)
{
  mm_session_pause (MM_WINDOW (data)->session);
}

static void
step_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  MmWindow *self = data;
  g_autoptr(GError) error = NULL;

  if (!mm_session_step (self->session, &error))
    show_error (self, error);
}

static void
stop_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  mm_session_stop (MM_WINDOW (data)->session);
}

static void
reset_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       data)
{
  MmWindow *self = data;

  mm_session_reset_weights (self->session);
  show_toast (self, _("New random weights: the next Train starts from scratch."));
}

static void
add_layer_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       data)
{
  MmWindow *self = data;
  const char *name = g_variant_get_string (parameter, NULL);

  if (!mm_session_add_layer_by_name (self->session, name, -1))
    {
      g_autofree char *msg = g_strdup_printf (_("Unknown layer “%s”"), name);
      show_toast (self, msg);
    }
}

static void
remove_layer_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       data)
{
  mm_session_remove_layer (MM_WINDOW (data)->session, g_variant_get_uint32 (parameter));
}

static void
move_layer_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       data)
{
  guint from, to;

  g_variant_get (parameter, "(uu)", &from, &to);
  mm_session_move_layer (MM_WINDOW (data)->session, from, to);
}

/* ---- Projects ----------------------------------------------------------------------- */

static char *
autosave_path (void)
{
  const char *override = g_getenv ("MYML_AUTOSAVE");
  if (override != NULL)
    return g_strdup (override);
  return g_build_filename (g_get_user_state_dir (), "myml-studio", "autosave.myml", NULL);
}

static void
update_title (MmWindow *self)
{
  g_autofree char *name = self->project_path ? g_path_get_basename (self->project_path) : g_strdup (_("Untitled"));
  g_autofree char *title = g_strdup_printf ("%s%s — %s", mm_session_is_dirty (self->session) ? "• " : "",
                                            name, _("MyML Studio"));
  gtk_window_set_title (GTK_WINDOW (self), title);
}

static gboolean
save_to (MmWindow    *self,
         const char  *path,
         gboolean     remember,
         GError     **error)
{
  g_autoptr(MmProject) project = mm_session_to_project (self->session, error);

  if (project == NULL || !mm_project_save (project, path, error))
    return FALSE;
  if (remember)
    {
      g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
      /* @path may be self->project_path itself (Save): copy before freeing. */
      char *kept = g_strdup (path);
      g_free (self->project_path);
      self->project_path = kept;
      mm_file_watch_set_path (self->watch, kept);
      mm_session_set_clean (self->session);
      if (uri)
        gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
      update_title (self);
    }
  return TRUE;
}

/* Keeps the current work where a crash or a closed window cannot lose it. */
static void
autosave (MmWindow *self)
{
  g_autofree char *path = autosave_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  if (mm_session_get_data_state (self->session) != MM_DATA_STATE_READY)
    return;
  g_mkdir_with_parents (dir, 0700);
  if (!save_to (self, path, FALSE, &error))
    {
      /* A full disk must not silently end the backups the app promises;
       * said once per different cause, not every minute. */
      if (g_strcmp0 (error->message, self->autosave_error) != 0)
        {
          g_autofree char *msg = g_strdup_printf (_("The automatic backup failed: %s"), error->message);
          show_toast (self, msg);
          g_free (self->autosave_error);
          self->autosave_error = g_strdup (error->message);
        }
    }
  else
    g_clear_pointer (&self->autosave_error, g_free);
}

static gboolean
autosave_tick (gpointer data)
{
  MmWindow *self = data;

  if (mm_session_is_dirty (self->session))
    autosave (self);
  return G_SOURCE_CONTINUE;
}

static void
open_path (MmWindow   *self,
           const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmProject) project = NULL;

  /* What is on screen now is kept in the autosave, whatever happens next. */
  if (mm_session_is_dirty (self->session))
    autosave (self);
  project = mm_project_load (path, &error);
  if (project == NULL || !mm_session_apply_project (self->session, project, &error))
    {
      /* Nothing changed: say why in a dialog the user must acknowledge. */
      GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                                  GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE,
                                                  _("Could not open the project"));
      gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", error->message);
      g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  {
    g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
    if (uri)
      gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
  }
  g_free (self->project_path);
  self->project_path = g_strdup (path);
  mm_file_watch_set_path (self->watch, path);
  update_title (self);
}

static void
open_response (GtkNativeDialog *dialog,
               int              response,
               MmWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      open_path (self, path);
    }
  g_object_unref (dialog);
}

static GtkFileFilter *
project_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("MyML Studio projects"));
  gtk_file_filter_add_pattern (filter, "*.myml");
  return filter;
}

static void
open_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  MmWindow *self = data;
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Open a project"), GTK_WINDOW (self),
                                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  g_autoptr(GtkFileFilter) filter = project_filter ();

  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_signal_connect (chooser, "response", G_CALLBACK (open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void save_as_activated (GSimpleAction *action, GVariant *parameter, gpointer data);

typedef struct {
  MmWindow *self;
  gboolean close_after;
} SaveRequest;

static void
save_as_response (GtkNativeDialog *dialog,
                  int              response,
                  SaveRequest     *req)
{
  MmWindow *self = req->self;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *chosen = g_file_get_path (file);
      g_autofree char *path = g_str_has_suffix (chosen, ".myml") ? g_strdup (chosen) : g_strconcat (chosen, ".myml", NULL);
      g_autoptr(GError) error = NULL;

      if (!save_to (self, path, TRUE, &error))
        show_save_error (self, error);
      else
        {
          g_autofree char *msg = g_strdup_printf (_("Saved to %s"), path);
          show_toast (self, msg);
          if (req->close_after)
            {
              self->closing_confirmed = TRUE;
              gtk_window_close (GTK_WINDOW (self));
            }
        }
    }
  g_object_unref (dialog);
  g_object_unref (req->self);
  g_free (req);
}

static void
save_as (MmWindow *self,
         gboolean  close_after)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Save the project"), GTK_WINDOW (self),
                                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  g_autoptr(GtkFileFilter) filter = project_filter ();
  SaveRequest *req = g_new0 (SaveRequest, 1);

  req->self = g_object_ref (self);
  req->close_after = close_after;
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), _("network.myml"));
  g_signal_connect (chooser, "response", G_CALLBACK (save_as_response), req);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
save_as_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       data)
{
  save_as (MM_WINDOW (data), FALSE);
}

static void
overwrite_response (GtkDialog *dialog,
                    int        response,
                    MmWindow  *self)
{
  gtk_window_destroy (GTK_WINDOW (dialog));
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GError) error = NULL;
      if (!save_to (self, self->project_path, TRUE, &error))
        show_save_error (self, error);
      else
        show_toast (self, _("Saved"));
    }
  else if (response == GTK_RESPONSE_APPLY)
    save_as (self, FALSE);
}

static void
ask_overwrite (MmWindow *self)
{
  g_autofree char *name = g_path_get_basename (self->project_path);
  GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                              GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE,
                                              _("“%s” was changed by another program"), name);

  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
                                            _("The file on the disk is no longer the one you opened or saved here. "
                                              "Overwrite it with your work, or save your work under another name "
                                              "and keep both?"));
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("Save _As…"), GTK_RESPONSE_APPLY, _("_Overwrite"), GTK_RESPONSE_ACCEPT, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_APPLY);
  g_signal_connect (dialog, "response", G_CALLBACK (overwrite_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Someone else changed or deleted the open project's file: say so at once
 * (nothing of the work on screen is lost, and nothing is saved over their
 * version without asking). */
static void
file_status_changed (MmWindow *self,
                     guint     status)
{
  g_autofree char *name = self->project_path ? g_path_get_basename (self->project_path) : NULL;
  g_autofree char *msg = NULL;

  if (name == NULL)
    return;
  if (status == MM_FILE_DELETED)
    msg = g_strdup_printf (_("“%s” was deleted from the disk. Your work is still here: "
                             "save (Ctrl+S) to write it again."), name);
  else if (status == MM_FILE_MODIFIED)
    msg = g_strdup_printf (_("“%s” was changed by another program. Saving will ask before "
                             "overwriting it."), name);
  if (msg != NULL)
    show_toast (self, msg);
}

static void
save_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  MmWindow *self = data;
  g_autoptr(GError) error = NULL;

  if (self->project_path == NULL)
    {
      save_as (self, FALSE);
      return;
    }
  /* Changed by someone else since we read or wrote it: ask before
   * overwriting their work. (Deleted: saving writes it again.) */
  if (mm_file_watch_check (self->watch) == MM_FILE_MODIFIED)
    {
      ask_overwrite (self);
      return;
    }
  if (!save_to (self, self->project_path, TRUE, &error))
    show_save_error (self, error);
  else
    show_toast (self, _("Saved"));
}

static void
restore_autosave_activated (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       data)
{
  MmWindow *self = data;
  g_autofree char *path = autosave_path ();

  gtk_revealer_set_reveal_child (GTK_REVEALER (self->restore_revealer), FALSE);
  open_path (self, path);
  /* The autosave is not the user's file: Save asks where to put it. */
  g_clear_pointer (&self->project_path, g_free);
  mm_file_watch_set_path (self->watch, NULL);
  update_title (self);
}

static void
dismiss_autosave_activated (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       data)
{
  MmWindow *self = data;
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->restore_revealer), FALSE);
}

/* ---- Classroom mode and presets ----------------------------------------------------- */

static void
classroom_changed (GSimpleAction *action,
                   GVariant      *value,
                   gpointer       data)
{
  MmWindow *self = data;
  gboolean on = g_variant_get_boolean (value);
  double scale = on ? 1.6 : 1.0;

  g_simple_action_set_state (action, value);
  if (self->settings != NULL)
    g_settings_set_boolean (self->settings, "classroom-mode", on);
  if (on)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self), "classroom");
      gtk_window_fullscreen (GTK_WINDOW (self));
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self), "classroom");
      gtk_window_unfullscreen (GTK_WINDOW (self));
    }
  mm_plot_set_presentation_scale (MM_PLOT (self->plot), scale);
  mm_decision_view_set_scale (MM_DECISION_VIEW (self->decision_view), scale);
  mm_sample_grid_set_scale (MM_SAMPLE_GRID (self->sample_grid), scale);
  mm_confusion_view_set_scale (MM_CONFUSION_VIEW (self->confusion_view), scale);
  mm_attention_view_set_scale (MM_ATTENTION_VIEW (self->attention_view), scale);
  /* The graph is read from the back row too: zoom it with the rest. */
  {
    MmGraphView *view = mm_graph_page_get_view (MM_GRAPH_PAGE (self->graph_page));
    mm_graph_view_set_zoom (view, mm_graph_view_get_zoom (view) * (on ? 1.6 : 1.0 / 1.6));
  }
}

static void
preset_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       data)
{
  MmWindow *self = data;
  g_autoptr(GError) error = NULL;

  if (g_str_equal (g_variant_get_string (parameter, NULL), "seed-expression"))
    {
      /* The seed's README example lives in the expression lab. */
      MmGraphPage *page = MM_GRAPH_PAGE (self->graph_page);
      mm_graph_page_set_source (page, MM_GRAPH_SOURCE_LAB);
      mm_expression_lab_load_preset (mm_graph_page_get_lab (page), MM_LAB_PRESET_README);
      gtk_stack_set_visible_child_name (GTK_STACK (self->view_stack), "graph");
      return;
    }
  if (mm_session_is_dirty (self->session))
    autosave (self);
  if (!mm_session_apply_preset (self->session, g_variant_get_string (parameter, NULL), &error))
    show_error (self, error);
  else
    {
      g_clear_pointer (&self->project_path, g_free);
      mm_file_watch_set_path (self->watch, NULL);
      update_title (self);
    }
}

/* A picture of a widget as it is on screen (for slides). */
static gboolean
save_widget_png (GtkWidget   *widget,
                 const char  *path,
                 GError     **error)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL || w <= 0 || h <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The view is not on screen"));
      return FALSE;
    }
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write %s"), path);
      return FALSE;
    }
  return TRUE;
}

static void
export_view_response (GtkNativeDialog *dialog,
                      int              response,
                      MmWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      g_autoptr(GError) error = NULL;
      GtkWidget *visible = gtk_stack_get_visible_child (GTK_STACK (self->view_stack));
      /* The live page: the data views; the graph page: all of it. */
      GtkWidget *target = g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (self->view_stack)), "live") == 0
                          ? self->data_box : visible;

      if (save_widget_png (target, path, &error))
        {
          g_autofree char *msg = g_strdup_printf (_("Saved the picture to %s"), path);
          show_toast (self, msg);
        }
      else
        show_error (self, error);
    }
  g_object_unref (dialog);
}

static void
export_view_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       data)
{
  MmWindow *self = data;
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Save a picture of the view"), GTK_WINDOW (self),
                                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), _("view.png"));
  g_signal_connect (chooser, "response", G_CALLBACK (export_view_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
export_pytorch_response (GtkNativeDialog *dialog,
                         int              response,
                         MmWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *chosen = g_file_get_path (file);
      g_autofree char *path = g_str_has_suffix (chosen, ".py") ? g_strdup (chosen) : g_strconcat (chosen, ".py", NULL);
      g_autoptr(GError) error = NULL;

      if (mm_window_export_pytorch (self, path, &error))
        {
          g_autofree char *msg = g_strdup_printf (_("Wrote the PyTorch script %s"), path);
          show_toast (self, msg);
        }
      else
        show_error (self, error);
    }
  g_object_unref (dialog);
}

static void
export_pytorch_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       data)
{
  MmWindow *self = data;
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Export as a PyTorch script"), GTK_WINDOW (self),
                                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), _("train.py"));
  g_signal_connect (chooser, "response", G_CALLBACK (export_pytorch_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

gboolean
mm_window_import_pytorch (MmWindow    *self,
                          const char  *path,
                          GError     **error)
{
  g_autoptr(MmParams) torch_state = NULL;
  g_autoptr(MmParams) params = NULL;
  g_autoptr(MmModule) model = NULL;

  g_return_val_if_fail (MM_IS_WINDOW (self) && path != NULL, FALSE);
  model = mm_session_dup_model (self->session);
  if (model == NULL)
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                           mm_session_get_problem (self->session) ? mm_session_get_problem (self->session)
                                                                  : _("The network cannot be built yet"));
      return FALSE;
    }
  torch_state = mm_params_load_pytorch (path, error);
  if (torch_state == NULL)
    return FALSE;
  /* PyTorch's layout (Linear weights transposed) into ours, key by key. */
  params = mm_params_from_pytorch (model, torch_state, error);
  return params != NULL && mm_session_import_weights (self->session, params, error);
}

static void
import_pytorch_response (GtkNativeDialog *dialog,
                         int              response,
                         MmWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      g_autoptr(GError) error = NULL;

      if (mm_window_import_pytorch (self, path, &error))
        show_toast (self, _("Imported the weights: Train starts from them."));
      else
        show_error (self, error);
    }
  g_object_unref (dialog);
}

static void
import_pytorch_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       data)
{
  MmWindow *self = data;
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Import weights saved by PyTorch"), GTK_WINDOW (self),
                                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("safetensors files"));
  gtk_file_filter_add_pattern (filter, "*.safetensors");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  g_signal_connect (chooser, "response", G_CALLBACK (import_pytorch_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_recent_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       data)
{
  open_path (MM_WINDOW (data), g_variant_get_string (parameter, NULL));
}

static gint
compare_recent (gconstpointer a,
                gconstpointer b)
{
  /* newest first */
  return g_date_time_compare (gtk_recent_info_get_modified ((GtkRecentInfo *) b),
                              gtk_recent_info_get_modified ((GtkRecentInfo *) a));
}

/* The primary menu's "Recent Projects": the newest project files the
 * recent-files list knows, that still exist. */
static void
update_recent_menu (MmWindow *self)
{
  GtkRecentManager *manager = gtk_recent_manager_get_default ();
  GList *items = gtk_recent_manager_get_items (manager);
  GMenu *section = g_object_get_data (G_OBJECT (self), "recent-section");
  guint shown = 0;

  if (section == NULL)
    return;
  g_menu_remove_all (section);
  items = g_list_sort (items, compare_recent);
  for (GList *l = items; l && shown < 6; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      const char *uri = gtk_recent_info_get_uri (info);
      g_autofree char *path = g_filename_from_uri (uri, NULL, NULL);
      g_autofree char *name = NULL;
      g_autoptr(GMenuItem) item = NULL;

      if (path == NULL || !g_str_has_suffix (path, ".myml") || !g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      name = g_path_get_basename (path);
      item = g_menu_item_new (name, NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-recent", g_variant_new_string (path));
      g_menu_append_item (section, item);
      shown++;
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

static const GActionEntry win_actions[] = {
  { "open", open_activated, NULL, NULL, NULL },
  { "open-recent", open_recent_activated, "s", NULL, NULL },
  { "export-view", export_view_activated, NULL, NULL, NULL },
  { "export-pytorch", export_pytorch_activated, NULL, NULL, NULL },
  { "import-pytorch", import_pytorch_activated, NULL, NULL, NULL },
  { "save", save_activated, NULL, NULL, NULL },
  { "save-as", save_as_activated, NULL, NULL, NULL },
  { "restore-autosave", restore_autosave_activated, NULL, NULL, NULL },
  { "dismiss-autosave", dismiss_autosave_activated, NULL, NULL, NULL },
  { "classroom", NULL, NULL, "false", classroom_changed },
  { "preset", preset_activated, "s", NULL, NULL },
  { "train", train_activated, NULL, NULL, NULL },
  { "replay-run", replay_activated, NULL, NULL, NULL },
  { "pause", pause_activated, NULL, NULL, NULL },
  { "step", step_activated, NULL, NULL, NULL },
  { "stop", stop_activated, NULL, NULL, NULL },
  { "reset", reset_activated, NULL, NULL, NULL },
  { "add-layer", add_layer_activated, "s", NULL, NULL },
  { "remove-layer", remove_layer_activated, "u", NULL, NULL },
  { "move-layer", move_layer_activated, "(uu)", NULL, NULL },
};

static void
speed_changed (MmWindow *self)
{
  /* 100 = full speed; lower values wait up to half a second after each batch. */
  double v = gtk_adjustment_get_value (self->speed_adjustment);
  guint delay = (guint) (500.0 * pow ((100.0 - v) / 100.0, 2.0));

  mm_session_set_step_delay (self->session, delay);
}

static void
session_changed (MmWindow *self)
{
  update_actions (self);
  update_status (self);
}

static void
model_changed (MmWindow *self)
{
  session_changed (self);
  update_data_views (self, TRUE);
}

static void
history_reset (MmWindow *self)
{
  plot_reset (self);
  model_changed (self);
}

static void
session_notice (MmWindow   *self,
                const char *message)
{
  show_toast (self, message);
}

static void
close_response (GtkDialog *dialog,
                int        response,
                MmWindow  *self)
{
  gtk_window_destroy (GTK_WINDOW (dialog));
  if (response == GTK_RESPONSE_ACCEPT)
    {
      if (self->project_path != NULL)
        {
          g_autoptr(GError) error = NULL;
          if (!save_to (self, self->project_path, TRUE, &error))
            {
              show_save_error (self, error);
              return;
            }
          self->closing_confirmed = TRUE;
          gtk_window_close (GTK_WINDOW (self));
        }
      else
        save_as (self, TRUE);
    }
  else if (response == GTK_RESPONSE_REJECT)
    {
      self->closing_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
    }
}

static gboolean
close_request (GtkWindow *window)
{
  MmWindow *self = MM_WINDOW (window);
  guint64 trained = 0;

  {
    g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
    g_array_set_size (self->records, 0);
    mm_session_poll (self->session, self->records);
    trained = mm_session_get_history (self->session, 0, points);
  }
  /* Trained work that is not saved, or a project whose file was deleted
   * meanwhile: ask (the autosave keeps it either way). */
  if (!self->closing_confirmed &&
      ((mm_session_is_dirty (self->session) && trained > 0) ||
       (self->project_path != NULL && mm_file_watch_check (self->watch) == MM_FILE_DELETED)))
    {
      GtkWidget *dialog = gtk_message_dialog_new (window, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                                  GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                                  _("Save the trained network before closing?"));
      gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
                                                _("If you close without saving, the work is kept only in the automatic backup."));
      gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("Close _Without Saving"), GTK_RESPONSE_REJECT,
                              _("_Cancel"), GTK_RESPONSE_CANCEL, _("_Save"), GTK_RESPONSE_ACCEPT, NULL);
      gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
      g_signal_connect (dialog, "response", G_CALLBACK (close_response), self);
      gtk_window_present (GTK_WINDOW (dialog));
      return TRUE;
    }

  /* Stop the worker before the widgets go (it finishes its batch and ends),
   * and keep everything in the autosave. */
  mm_session_stop (self->session);
  if (self->settings != NULL)
    {
      int w, h;
      gtk_window_get_default_size (window, &w, &h);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
      if (!gtk_window_is_maximized (window) && !gtk_window_is_fullscreen (window) && w > 0 && h > 0)
        {
          g_settings_set_int (self->settings, "window-width", w);
          g_settings_set_int (self->settings, "window-height", h);
        }
      g_settings_set_string (self->settings, "last-project", self->project_path ? self->project_path : "");
    }
  if (mm_session_is_dirty (self->session))
    autosave (self);
  return FALSE;
}

static void
mm_window_dispose (GObject *object)
{
  MmWindow *self = MM_WINDOW (object);

  if (self->tick_id)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
  self->tick_id = 0;
  if (self->session)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  g_clear_pointer (&self->records, g_array_unref);
  g_clear_pointer (&self->last_problem_toast, g_free);
  g_clear_pointer (&self->project_path, g_free);
  if (self->watch)
    g_signal_handlers_disconnect_by_data (self->watch, self);
  g_clear_object (&self->watch);
  g_clear_pointer (&self->autosave_error, g_free);
  g_clear_handle_id (&self->autosave_id, g_source_remove);
  g_clear_object (&self->settings);
  g_clear_handle_id (&self->toast_timeout, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), MM_TYPE_WINDOW);
  G_OBJECT_CLASS (mm_window_parent_class)->dispose (object);
}

static void
mm_window_class_init (MmWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_window_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = close_request;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/mymlstudio/Studio/mm-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MmWindow, model_box);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, training_box);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, plot_box);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, data_box);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, graph_box);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, status_state);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, status_progress);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, status_speed);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, status_time);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, toast_revealer);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, toast_label);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, restore_revealer);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, primary_menu);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, speed_adjustment);
}

static void
mm_window_init (MmWindow *self)
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_css_provider_load_from_resource (css, "/org/mymlstudio/Studio/style.css");
  gtk_style_context_add_provider_for_display (gtk_widget_get_display (GTK_WIDGET (self)),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  self->records = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  self->session = mm_session_new ();
  self->watch = mm_file_watch_new ();
  g_signal_connect_swapped (self->watch, "status-changed", G_CALLBACK (file_status_changed), self);
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions), self);

  self->builder = mm_model_builder_new (self->session);
  gtk_widget_set_vexpand (self->builder, TRUE);
  gtk_box_append (GTK_BOX (self->model_box), self->builder);
  self->panel = mm_training_panel_new (self->session);
  gtk_widget_set_vexpand (self->panel, TRUE);
  gtk_box_append (GTK_BOX (self->training_box), self->panel);

  build_plot (self);
  self->decision_view = mm_decision_view_new ();
  self->sample_grid = mm_sample_grid_new ();
  self->confusion_view = mm_confusion_view_new ();
  {
    GtkWidget *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);

    self->draw_bar = mm_draw_bar_new (self->session, MM_DECISION_VIEW (self->decision_view));
    gtk_box_append (GTK_BOX (column), self->draw_bar);
    gtk_box_append (GTK_BOX (column), self->decision_view);
    g_object_bind_property (self->decision_view, "visible", column, "visible", G_BINDING_SYNC_CREATE);
    gtk_box_append (GTK_BOX (self->data_box), column);
  }
  gtk_box_append (GTK_BOX (self->data_box), self->sample_grid);
  gtk_box_append (GTK_BOX (self->data_box), self->confusion_view);
  self->filter_view = mm_filter_view_new ();
  /* Classroom mode scales the data views: the filters follow the samples. */
  g_object_bind_property (self->sample_grid, "scale", self->filter_view, "scale", G_BINDING_SYNC_CREATE);
  gtk_box_append (GTK_BOX (self->data_box), self->filter_view);
  self->text_samples = mm_text_samples_new ();
  gtk_widget_set_visible (self->text_samples, FALSE);
  gtk_box_append (GTK_BOX (self->data_box), self->text_samples);
  self->attention_view = mm_attention_view_new ();
  gtk_widget_set_visible (self->attention_view, FALSE);
  gtk_box_append (GTK_BOX (self->data_box), self->attention_view);
  data_changed (self);

  g_signal_connect_swapped (self->session, "model-changed", G_CALLBACK (model_changed), self);
  g_signal_connect_swapped (self->session, "data-changed", G_CALLBACK (session_changed), self);
  g_signal_connect_swapped (self->session, "data-changed", G_CALLBACK (data_changed), self);
  g_signal_connect_swapped (self->session, "history-reset", G_CALLBACK (history_reset), self);
  g_signal_connect_swapped (self->session, "state-changed", G_CALLBACK (session_changed), self);
  g_signal_connect_swapped (self->session, "notice", G_CALLBACK (session_notice), self);
  g_signal_connect_swapped (self->session, "dirty-changed", G_CALLBACK (update_title), self);
  self->autosave_id = g_timeout_add_seconds (60, autosave_tick, self);

  /* Remembered between runs when the settings schema is installed (or
   * compiled in the build tree); the app works the same without it. */
  self->settings = mm_settings_new ();
  if (self->settings != NULL)
    {
      int w = g_settings_get_int (self->settings, "window-width");
      int h = g_settings_get_int (self->settings, "window-height");
      if (w > 0 && h > 0)
        gtk_window_set_default_size (GTK_WINDOW (self), w, h);
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
      g_settings_bind (self->settings, "plot-log-y", self->log_toggle, "active", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "plot-x-epochs", self->epochs_toggle, "active", G_SETTINGS_BIND_DEFAULT);
      if (g_settings_get_boolean (self->settings, "classroom-mode"))
        g_action_group_change_action_state (G_ACTION_GROUP (self), "classroom", g_variant_new_boolean (TRUE));
    }
  {
    GMenu *recent = g_menu_new ();
    g_object_set_data_full (G_OBJECT (self), "recent-section", recent, g_object_unref);
    g_menu_insert_submenu (self->primary_menu, 1, _("_Recent Projects"), G_MENU_MODEL (recent));
    g_signal_connect_object (gtk_recent_manager_get_default (), "changed",
                             G_CALLBACK (update_recent_menu), self, G_CONNECT_SWAPPED);
    update_recent_menu (self);
  }
  {
    g_autofree char *path = autosave_path ();
    gtk_revealer_set_reveal_child (GTK_REVEALER (self->restore_revealer),
                                   g_file_test (path, G_FILE_TEST_EXISTS) && g_getenv ("MYML_NO_RESTORE") == NULL);
  }
  update_title (self);
  g_signal_connect_swapped (self->speed_adjustment, "value-changed", G_CALLBACK (speed_changed), self);
  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick, NULL, NULL);
  update_actions (self);
  update_status (self);
  self->graph_page = mm_graph_page_new (self->session);
  gtk_box_append (GTK_BOX (self->graph_box), self->graph_page);
  gtk_stack_add_titled (GTK_STACK (self->view_stack), mm_race_page_new (self->session), "race",
                        _("Optimizer race"));
  self->cost_view = mm_cost_view_new ();
  gtk_stack_add_titled (GTK_STACK (self->view_stack), self->cost_view, "cost", _("Cost"));
}

MmSession *
mm_window_get_session (MmWindow *self)
{
  g_return_val_if_fail (MM_IS_WINDOW (self), NULL);
  return self->session;
}

GtkWidget *
mm_window_get_model_builder (MmWindow *self)
{
  g_return_val_if_fail (MM_IS_WINDOW (self), NULL);
  return self->builder;
}

MmWindow *
mm_window_new (MmApplication *app)
{
  return g_object_new (MM_TYPE_WINDOW, "application", app, NULL);
}

GtkWidget *
mm_window_get_plot (MmWindow *self)
{
  g_return_val_if_fail (MM_IS_WINDOW (self), NULL);
  return self->plot;
}

GtkWidget *
mm_window_get_decision_view (MmWindow *self)
{
  g_return_val_if_fail (MM_IS_WINDOW (self), NULL);
  return self->decision_view;
}

gboolean
mm_window_save_project (MmWindow    *self,
                        const char  *path,
                        GError     **error)
{
  g_return_val_if_fail (MM_IS_WINDOW (self) && path != NULL, FALSE);
  return save_to (self, path, TRUE, error);
}

void
mm_window_open_project (MmWindow   *self,
                        const char *path)
{
  g_return_if_fail (MM_IS_WINDOW (self) && path != NULL);
  open_path (self, path);
}

GtkWidget *
mm_window_get_graph_page (MmWindow *self)
{
  g_return_val_if_fail (MM_IS_WINDOW (self), NULL);
  return self->graph_page;
}

gboolean
mm_window_export_pytorch (MmWindow    *self,
                          const char  *path,
                          GError     **error)
{
  g_autoptr(MmProject) project = NULL;

  g_return_val_if_fail (MM_IS_WINDOW (self) && path != NULL, FALSE);
  project = mm_session_to_project (self->session, error);
  /* The script, the weights beside it and, for toy and CSV sets, the very
   * data the app trains on, so the script's run is the app's. */
  return project != NULL &&
         mm_export_pytorch_files (project, mm_session_get_train_data (self->session),
                                  mm_session_get_test_data (self->session), NULL, NULL, path, error);
}

GtkWidget *
mm_window_get_draw_bar (MmWindow *self)
{
  g_return_val_if_fail (MM_IS_WINDOW (self), NULL);
  return self->draw_bar;
}

GtkWidget *
mm_window_get_text_samples (MmWindow *self)
{
  g_return_val_if_fail (MM_IS_WINDOW (self), NULL);
  return self->text_samples;
}

GtkWidget *
mm_window_get_attention_view (MmWindow *self)
{
  g_return_val_if_fail (MM_IS_WINDOW (self), NULL);
  return self->attention_view;
}

GtkWidget *
mm_window_get_cost_view (MmWindow *self)
{
  g_return_val_if_fail (MM_IS_WINDOW (self), NULL);
  return self->cost_view;
}

const char *
mm_window_get_toast (MmWindow *self)
{
  g_return_val_if_fail (MM_IS_WINDOW (self), NULL);
  if (!gtk_revealer_get_reveal_child (GTK_REVEALER (self->toast_revealer)))
    return NULL;
  return gtk_label_get_label (GTK_LABEL (self->toast_label));
}
