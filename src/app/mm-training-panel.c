/* mm-training-panel.c — data set, loss, optimizer, regularization and run settings.
 *
 * Every control writes the session's settings. While a run is going on, the
 * learning rate, the optimizer and its settings, and the L1/L2 penalties can
 * change (from the next batch, marked on the loss plot, the network kept);
 * the other controls are insensitive with a hint, so nothing resets the
 * network behind the user's back.
 */
#include "config.h"
#include "mm-training-panel.h"

#include <glib/gi18n.h>
#include <math.h>

struct _MmTrainingPanel {
  GtkWidget parent_instance;

  MmSession *session;
  gboolean loading;
  GtkFileChooserNative *chooser;

  GtkWidget *scroller, *box, *hint_label;
  GtkWidget *data, *samples, *samples_row, *samples_label, *noise, *noise_row, *classes, *classes_row, *csv, *csv_row;
  GtkWidget *seq_len, *seq_len_row;
  GtkWidget *loss, *smoothing, *smoothing_row;
  GtkWidget *optimizer, *lr, *momentum, *momentum_row, *nesterov, *nesterov_row;
  GtkWidget *alpha, *alpha_row, *centered, *centered_row, *beta1, *beta1_row, *beta2, *beta2_row;
  GtkWidget *amsgrad, *amsgrad_row, *weight_decay;
  GtkWidget *l1, *l2, *batch, *epochs, *seed, *init;
};

G_DEFINE_FINAL_TYPE (MmTrainingPanel, mm_training_panel, GTK_TYPE_WIDGET)

static double
spin (GtkWidget *w)
{
  return gtk_spin_button_get_value (GTK_SPIN_BUTTON (w));
}

static void
set_spin (GtkWidget *w,
          double     v)
{
  if (spin (w) != v)
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (w), v);
}

static void
set_switch (GtkWidget *w,
            gboolean   v)
{
  if (gtk_switch_get_active (GTK_SWITCH (w)) != v)
    gtk_switch_set_active (GTK_SWITCH (w), v);
}

static void
set_dropdown (GtkWidget *w,
              guint      i)
{
  if (gtk_drop_down_get_selected (GTK_DROP_DOWN (w)) != i)
    gtk_drop_down_set_selected (GTK_DROP_DOWN (w), i);
}

static guint
optimizer_index (const MmSessionSettings *s)
{
  switch (s->optimizer.kind)
    {
    case MM_OPTIMIZER_SGD:
      return 0;
    case MM_OPTIMIZER_RMSPROP:
      return 1;
    case MM_OPTIMIZER_ADAM:
    default:
      return s->adamw ? 3 : 2;
    }
}

/* Shows the rows that matter for the chosen data set and optimizer. */
static void
update_visibility (MmTrainingPanel *self)
{
  const MmSessionSettings *s = mm_session_get_settings (self->session);
  MmOptimizerKind k = s->optimizer.kind;
  gboolean toy = s->data == MM_DATA_TOY;

  gboolean sequence = s->data == MM_DATA_TEXT || s->data == MM_DATA_BRACKETS;

  gtk_widget_set_visible (self->samples_row, toy || s->data == MM_DATA_BRACKETS);
  gtk_label_set_label (GTK_LABEL (self->samples_label), toy ? _("Points") : _("Strings"));
  gtk_widget_set_visible (self->seq_len_row, sequence);
  gtk_widget_set_visible (self->noise_row, toy);
  gtk_widget_set_visible (self->classes_row, toy && (s->toy == MM_TOY_SPIRAL || s->toy == MM_TOY_GAUSSIANS));
  gtk_widget_set_visible (self->csv_row, s->data == MM_DATA_CSV);
  gtk_widget_set_visible (self->smoothing_row, s->loss == MM_LOSS_CROSS_ENTROPY);
  gtk_widget_set_visible (self->momentum_row, k == MM_OPTIMIZER_SGD || k == MM_OPTIMIZER_RMSPROP);
  gtk_widget_set_visible (self->nesterov_row, k == MM_OPTIMIZER_SGD);
  gtk_widget_set_visible (self->alpha_row, k == MM_OPTIMIZER_RMSPROP);
  gtk_widget_set_visible (self->centered_row, k == MM_OPTIMIZER_RMSPROP);
  gtk_widget_set_visible (self->beta1_row, k == MM_OPTIMIZER_ADAM);
  gtk_widget_set_visible (self->beta2_row, k == MM_OPTIMIZER_ADAM);
  gtk_widget_set_visible (self->amsgrad_row, k == MM_OPTIMIZER_ADAM);
  if (s->csv_path)
    {
      g_autofree char *base = g_path_get_basename (s->csv_path);
      gtk_button_set_label (GTK_BUTTON (self->csv), base);
    }
}

/* Settings → controls. */
static void
load (MmTrainingPanel *self)
{
  const MmSessionSettings *s = mm_session_get_settings (self->session);

  self->loading = TRUE;
  set_dropdown (self->data, s->data == MM_DATA_FASHION_MNIST ? 0 : s->data == MM_DATA_CSV ? 6
                            : s->data == MM_DATA_TEXT ? 7 : s->data == MM_DATA_BRACKETS ? 8 : 1 + s->toy);
  set_spin (self->samples, s->toy_samples);
  set_spin (self->seq_len, s->seq_len);
  set_spin (self->noise, s->toy_noise);
  set_spin (self->classes, s->toy_classes);
  set_dropdown (self->loss, s->loss == MM_LOSS_MSE ? 1 : 0);
  set_spin (self->smoothing, s->label_smoothing);
  set_dropdown (self->optimizer, optimizer_index (s));
  set_spin (self->lr, s->optimizer.lr);
  set_spin (self->momentum, s->optimizer.momentum);
  set_switch (self->nesterov, s->optimizer.nesterov);
  set_spin (self->alpha, s->optimizer.alpha);
  set_switch (self->centered, s->optimizer.centered);
  set_spin (self->beta1, s->optimizer.beta1);
  set_spin (self->beta2, s->optimizer.beta2);
  set_switch (self->amsgrad, s->optimizer.amsgrad);
  set_spin (self->weight_decay, s->optimizer.weight_decay);
  set_spin (self->l1, s->l1);
  set_spin (self->l2, s->l2);
  set_spin (self->batch, s->batch_size);
  set_spin (self->epochs, s->epochs);
  set_spin (self->seed, s->seed);
  set_dropdown (self->init, s->init == MM_INIT_HE_NORMAL ? 1 : 0);
  update_visibility (self);
  self->loading = FALSE;
}

/* Controls → settings. */
static void
store (MmTrainingPanel *self)
{
  MmSessionSettings *s = mm_session_get_settings (self->session);
  guint data = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->data));
  guint opt = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->optimizer));
  MmOptimizerKind kind = opt == 0 ? MM_OPTIMIZER_SGD : opt == 1 ? MM_OPTIMIZER_RMSPROP : MM_OPTIMIZER_ADAM;

  if (self->loading)
    return;

  {
    MmDataKind before = s->data;

    s->data = data == 0 ? MM_DATA_FASHION_MNIST : data == 6 ? MM_DATA_CSV : data == 7 ? MM_DATA_TEXT
            : data == 8 ? MM_DATA_BRACKETS : MM_DATA_TOY;
    s->seq_len = (guint) spin (self->seq_len);
    /* Each sequence task starts at the length it is meant for: windows of
     * 64 characters, strings of 16 brackets. */
    if (s->data != before && s->data == MM_DATA_TEXT)
      s->seq_len = 64;
    else if (s->data != before && s->data == MM_DATA_BRACKETS)
      s->seq_len = 16;
    if (s->data == MM_DATA_BRACKETS && s->seq_len % 2 != 0)
      s->seq_len++;
  }
  if (s->data == MM_DATA_TOY)
    s->toy = (MmToyKind) (data - 1);
  s->toy_samples = (guint) spin (self->samples);
  s->toy_noise = spin (self->noise);
  s->toy_classes = (s->toy == MM_TOY_SPIRAL || s->toy == MM_TOY_GAUSSIANS) ? (guint) spin (self->classes) : 2;
  s->loss = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->loss)) == 1 ? MM_LOSS_MSE : MM_LOSS_CROSS_ENTROPY;
  s->label_smoothing = s->loss == MM_LOSS_CROSS_ENTROPY ? spin (self->smoothing) : 0.0;
  if (kind != s->optimizer.kind)
    {
      /* Each optimizer gets its own sensible learning rate: Adam at SGD's
       * 0.1 would diverge at once in front of the class. */
      MmOptimizerConfig fresh;
      mm_optimizer_config_init (&fresh, kind);
      fresh.momentum = kind == MM_OPTIMIZER_ADAM ? 0 : spin (self->momentum);
      fresh.weight_decay = spin (self->weight_decay);
      s->optimizer = fresh;
    }
  else
    {
      s->optimizer.lr = spin (self->lr);
      s->optimizer.momentum = spin (self->momentum);
      s->optimizer.nesterov = gtk_switch_get_active (GTK_SWITCH (self->nesterov)) && s->optimizer.momentum > 0;
      s->optimizer.alpha = spin (self->alpha);
      s->optimizer.centered = gtk_switch_get_active (GTK_SWITCH (self->centered));
      s->optimizer.beta1 = spin (self->beta1);
      s->optimizer.beta2 = spin (self->beta2);
      s->optimizer.amsgrad = gtk_switch_get_active (GTK_SWITCH (self->amsgrad));
      s->optimizer.weight_decay = spin (self->weight_decay);
    }
  s->adamw = opt == 3;
  s->l1 = spin (self->l1);
  s->l2 = spin (self->l2);
  s->batch_size = (guint) spin (self->batch);
  s->epochs = (guint) spin (self->epochs);
  s->seed = (guint32) spin (self->seed);
  s->init = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->init)) == 1 ? MM_INIT_HE_NORMAL : MM_INIT_XAVIER_UNIFORM;
  mm_session_settings_changed (self->session);
}

static void
lr_changed (MmTrainingPanel *self)
{
  if (!self->loading)
    mm_session_set_lr (self->session, spin (self->lr));
}

/* The rows that can change while training runs (mm-change.h). */
static gboolean
is_live_row (MmTrainingPanel *self,
             GtkWidget       *row)
{
  GtkWidget *w = gtk_widget_get_last_child (row);

  return w == self->lr || w == self->optimizer || w == self->momentum || w == self->nesterov ||
         w == self->alpha || w == self->centered || w == self->beta1 || w == self->beta2 ||
         w == self->amsgrad || w == self->weight_decay || w == self->l1 || w == self->l2;
}

static void
state_changed (MmTrainingPanel *self)
{
  MmTrainerState st = mm_session_get_state (self->session);
  gboolean busy = st == MM_TRAINER_RUNNING || st == MM_TRAINER_PAUSED;
  GtkWidget *child;

  for (child = gtk_widget_get_first_child (self->box); child; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_BOX (child) && gtk_widget_get_first_child (child) != NULL && !is_live_row (self, child))
      gtk_widget_set_sensitive (child, !busy);
  gtk_label_set_label (GTK_LABEL (self->hint_label),
                       busy ? _("While training runs, the learning rate, the optimizer and the penalties can change: "
                                "from the next batch, marked on the loss plot. Stop to change the other settings; "
                                "Train then continues from the current weights.")
                            : "");
}

static void
csv_response (GtkNativeDialog *dialog,
              int              response,
              MmTrainingPanel *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      MmSessionSettings *s = mm_session_get_settings (self->session);
      g_free (s->csv_path);
      s->csv_path = g_file_get_path (file);
      mm_session_settings_changed (self->session);
    }
  g_clear_object (&self->chooser);
}

static void
csv_clicked (MmTrainingPanel *self)
{
  GtkFileFilter *filter = gtk_file_filter_new ();
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  self->chooser = gtk_file_chooser_native_new (_("Open a CSV file"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("CSV files"));
  gtk_file_filter_add_pattern (filter, "*.csv");
  gtk_file_filter_add_mime_type (filter, "text/csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_object_unref (filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (csv_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
mm_training_panel_dispose (GObject *object)
{
  MmTrainingPanel *self = MM_TRAINING_PANEL (object);

  if (self->session)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), MM_TYPE_TRAINING_PANEL);
  G_OBJECT_CLASS (mm_training_panel_parent_class)->dispose (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, MmTrainingPanel, name)

static void
mm_training_panel_class_init (MmTrainingPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_training_panel_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/mymlstudio/Studio/mm-training-panel.ui");
  BIND (scroller); BIND (box); BIND (hint_label);
  BIND (data); BIND (samples); BIND (samples_row); BIND (samples_label); BIND (noise); BIND (noise_row);
  BIND (seq_len); BIND (seq_len_row);
  BIND (classes); BIND (classes_row); BIND (csv); BIND (csv_row);
  BIND (loss); BIND (smoothing); BIND (smoothing_row);
  BIND (optimizer); BIND (lr); BIND (momentum); BIND (momentum_row); BIND (nesterov); BIND (nesterov_row);
  BIND (alpha); BIND (alpha_row); BIND (centered); BIND (centered_row); BIND (beta1); BIND (beta1_row);
  BIND (beta2); BIND (beta2_row); BIND (amsgrad); BIND (amsgrad_row); BIND (weight_decay);
  BIND (l1); BIND (l2); BIND (batch); BIND (epochs); BIND (seed); BIND (init);
}

static void
mm_training_panel_init (MmTrainingPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  {
  GtkWidget *spins[] = { self->samples, self->seq_len, self->noise, self->classes, self->smoothing, self->momentum, self->alpha,
                         self->beta1, self->beta2, self->weight_decay, self->l1, self->l2, self->batch,
                         self->epochs, self->seed };
  GtkWidget *dropdowns[] = { self->data, self->loss, self->optimizer, self->init };
  GtkWidget *switches[] = { self->nesterov, self->centered, self->amsgrad };

  for (guint i = 0; i < G_N_ELEMENTS (spins); i++)
    g_signal_connect_swapped (spins[i], "value-changed", G_CALLBACK (store), self);
  for (guint i = 0; i < G_N_ELEMENTS (dropdowns); i++)
    g_signal_connect_swapped (dropdowns[i], "notify::selected", G_CALLBACK (store), self);
  for (guint i = 0; i < G_N_ELEMENTS (switches); i++)
    g_signal_connect_swapped (switches[i], "notify::active", G_CALLBACK (store), self);
  g_signal_connect_swapped (self->lr, "value-changed", G_CALLBACK (lr_changed), self);
  g_signal_connect_swapped (self->csv, "clicked", G_CALLBACK (csv_clicked), self);
  }
}

GtkWidget *
mm_training_panel_new (MmSession *session)
{
  MmTrainingPanel *self = g_object_new (MM_TYPE_TRAINING_PANEL, NULL);

  self->session = g_object_ref (session);
  g_signal_connect_swapped (session, "settings-changed", G_CALLBACK (load), self);
  g_signal_connect_swapped (session, "state-changed", G_CALLBACK (state_changed), self);
  load (self);
  state_changed (self);
  return GTK_WIDGET (self);
}
