/* mm-text-samples.c — text written by a character model, live. */
#include "config.h"
#include "mm-text-samples.h"
#include "mm-view-job.h"

#include <glib/gi18n.h>
#include <string.h>

/* Characters written between two looks at the cancellable. */
#define CHUNK 20

typedef struct {
  char *prompt;
  char *text;
  char *label;
} Sample;

typedef struct {
  MmModule *model;
  MmParams *params;
  MmDataset *vocab;
  char *prompt;
  char *label;
  double temperature;
  guint32 seed;
  gsize context;
  guint serial;
} SampleInput;

struct _MmTextSamples {
  GtkWidget parent_instance;

  GtkWidget *prompt_entry, *temperature_scale, *generate_button;
  GtkWidget *text_view, *message_label;

  MmModule *model;
  MmDataset *vocab;
  gsize context;
  MmParams *params;           /* the newest weights */
  MmParams *pending_params;   /* what the next sample is written from */
  char *pending_label;
  guint serial;               /* counts models: a sample of an older one is dropped */
  guint32 n_written;          /* seeds each sample differently, reproducibly */

  MmViewJob *job;
  GPtrArray *samples;         /* Sample, newest first */
  char *message;
  guint64 generation;
};

G_DEFINE_FINAL_TYPE (MmTextSamples, mm_text_samples, GTK_TYPE_WIDGET)

static void
sample_free (gpointer data)
{
  Sample *s = data;

  if (s == NULL)
    return;
  g_free (s->prompt);
  g_free (s->text);
  g_free (s->label);
  g_free (s);
}

static void
sample_input_free (gpointer data)
{
  SampleInput *in = data;

  mm_module_unref (in->model);
  mm_params_unref (in->params);
  mm_dataset_unref (in->vocab);
  g_free (in->prompt);
  g_free (in->label);
  g_free (in);
}

typedef struct {
  Sample *sample;
  guint serial;
} SampleResult;

static void
sample_result_free (gpointer data)
{
  SampleResult *r = data;

  if (r == NULL)
    return;
  sample_free (r->sample);
  g_free (r);
}

/* ---- Worker thread ------------------------------------------------------------ */

static gpointer
sample_run (gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  SampleInput *in = data;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) so_far = g_string_new (in->prompt);
  SampleResult *r;

  /* In pieces, so that a newer model or a closed window need not wait for
   * the whole sample; each piece continues from everything written so far. */
  for (guint k = 0; k * CHUNK < MM_TEXT_SAMPLES_LENGTH; k++)
    {
      g_autofree char *piece = NULL;
      gsize n = MIN (CHUNK, MM_TEXT_SAMPLES_LENGTH - k * CHUNK);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      piece = mm_text_sample (in->model, in->params, in->vocab, so_far->str, n, in->temperature,
                              in->seed + k, in->context, error);
      if (piece == NULL)
        return NULL;
      g_string_append (text, piece);
      g_string_append (so_far, piece);
    }
  r = g_new0 (SampleResult, 1);
  r->serial = in->serial;
  r->sample = g_new0 (Sample, 1);
  r->sample->prompt = g_strdup (in->prompt);
  r->sample->text = g_string_free (g_steal_pointer (&text), FALSE);
  r->sample->label = g_strdup (in->label);
  return r;
}

/* ---- Main thread ------------------------------------------------------------------ */

/* The first character of @prompt that the text does not have, or NULL. */
static char *
unknown_character (MmDataset  *vocab,
                   const char *prompt)
{
  for (const char *c = prompt; *c; c = g_utf8_next_char (c))
    {
      gsize len = g_utf8_next_char (c) - c;
      gboolean found = FALSE;

      for (guint k = 0; k < mm_dataset_get_n_classes (vocab) && !found; k++)
        {
          const char *name = mm_dataset_get_class_name (vocab, k);
          found = name != NULL && strlen (name) == len && memcmp (name, c, len) == 0;
        }
      if (!found)
        return g_strndup (c, len);
    }
  return NULL;
}

static void
show_message (MmTextSamples *self,
              const char    *message)
{
  if (g_strcmp0 (message, self->message) == 0)
    return;
  g_free (self->message);
  self->message = g_strdup (message);
  gtk_label_set_label (GTK_LABEL (self->message_label), message ? message : "");
  gtk_widget_set_visible (self->message_label, message != NULL);
}

static gpointer
sample_prepare (GObject        *owner,
                GDestroyNotify *input_free)
{
  MmTextSamples *self = MM_TEXT_SAMPLES (owner);
  const char *prompt = gtk_editable_get_text (GTK_EDITABLE (self->prompt_entry));
  g_autofree char *bad = NULL;
  SampleInput *in;

  if (self->model == NULL || self->vocab == NULL || self->pending_params == NULL)
    return NULL;
  /* Said here, in the user's language, rather than by the worker. */
  if (prompt[0] == '\0')
    {
      show_message (self, _("Type a few characters for the network to continue."));
      self->generation++;
      return NULL;
    }
  bad = unknown_character (self->vocab, prompt);
  if (bad != NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("The character “%s” does not occur in the text, so the network "
                                                "cannot read it. Change the prompt."), bad);
      show_message (self, msg);
      self->generation++;
      return NULL;
    }
  in = g_new0 (SampleInput, 1);
  in->model = mm_module_ref (self->model);
  in->params = g_steal_pointer (&self->pending_params);
  in->vocab = mm_dataset_ref (self->vocab);
  in->prompt = g_strdup (prompt);
  in->label = g_steal_pointer (&self->pending_label);
  in->temperature = gtk_range_get_value (GTK_RANGE (self->temperature_scale));
  in->seed = 1 + self->n_written++;
  in->context = self->context;
  in->serial = self->serial;
  *input_free = sample_input_free;
  return in;
}

static void
render (MmTextSamples *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->text_view));
  GtkTextIter end;

  gtk_text_buffer_set_text (buffer, "", -1);
  if (self->samples->len == 0)
    {
      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_insert_with_tags_by_name (buffer, &end,
                                                self->model ? _("Train the network, or press Generate: what it "
                                                                "writes appears here.")
                                                            : _("Samples of text appear here for a character model."),
                                                -1, "prompt", NULL);
      return;
    }
  for (guint i = 0; i < self->samples->len; i++)
    {
      const Sample *s = g_ptr_array_index (self->samples, i);

      gtk_text_buffer_get_end_iter (buffer, &end);
      if (i > 0)
        gtk_text_buffer_insert (buffer, &end, "\n\n", -1);
      gtk_text_buffer_insert_with_tags_by_name (buffer, &end, s->label, -1, "label", NULL);
      gtk_text_buffer_insert (buffer, &end, "\n", -1);
      gtk_text_buffer_insert_with_tags_by_name (buffer, &end, s->prompt, -1, "prompt", NULL);
      gtk_text_buffer_insert (buffer, &end, s->text, -1);
    }
}

static void
sample_apply (GObject      *owner,
              gpointer      result,
              const GError *error)
{
  MmTextSamples *self = MM_TEXT_SAMPLES (owner);
  SampleResult *r = result;

  if (r != NULL && r->serial != self->serial)
    {
      sample_result_free (r);
      return;
    }
  if (r != NULL)
    {
      g_ptr_array_insert (self->samples, 0, g_steal_pointer (&r->sample));
      if (self->samples->len > MM_TEXT_SAMPLES_KEEP)
        g_ptr_array_set_size (self->samples, MM_TEXT_SAMPLES_KEEP);
      show_message (self, NULL);
      sample_result_free (r);
      render (self);
    }
  else
    show_message (self, error ? error->message : _("No text could be written."));
  self->generation++;
}

static void
generate_clicked (MmTextSamples *self)
{
  mm_text_samples_generate (self, NULL, _("Generated"));
}

/* A prompt from the text itself: the first two words of its first sample
 * that begin after a space or a line break. */
static char *
default_prompt (MmDataset *vocab)
{
  const float *ids = mm_dataset_get_sample (vocab, 0);
  gsize n = mm_dataset_get_sample_size (vocab), start = 0, words = 0;
  g_autoptr(GString) prompt = g_string_new (NULL);

  for (gsize k = 0; k + 1 < n && start == 0; k++)
    {
      const char *c = mm_dataset_get_class_name (vocab, (guint) ids[k]);
      if (c != NULL && (g_str_equal (c, " ") || g_str_equal (c, "\n")))
        start = k + 1;
    }
  for (gsize k = start; k < n; k++)
    {
      const char *c = mm_dataset_get_class_name (vocab, (guint) ids[k]);
      if (c == NULL || g_str_equal (c, "\n"))
        break;
      g_string_append (prompt, c);
      if (g_str_equal (c, " ") && ++words == 2)
        break;
    }
  return g_string_free (g_steal_pointer (&prompt), FALSE);
}

/* ---- Public -------------------------------------------------------------------------- */

void
mm_text_samples_set_model (MmTextSamples *self,
                           MmModule      *model,
                           MmDataset     *vocab,
                           gsize          context)
{
  g_autofree char *old = NULL;
  g_autofree char *new = NULL;

  g_return_if_fail (MM_IS_TEXT_SAMPLES (self));
  if (self->job == NULL)      /* disposed */
    return;
  if (model == NULL || vocab == NULL)
    model = NULL, vocab = NULL;
  old = self->model ? mm_module_to_string (self->model) : NULL;
  new = model ? mm_module_to_string (model) : NULL;
  if (g_strcmp0 (old, new) == 0 && vocab == self->vocab && context == self->context)
    return;

  /* Another network (or text): its samples would be another's. */
  g_clear_pointer (&self->model, mm_module_unref);
  g_clear_pointer (&self->vocab, mm_dataset_unref);
  self->model = model ? mm_module_ref (model) : NULL;
  self->vocab = vocab ? mm_dataset_ref (vocab) : NULL;
  self->context = context;
  self->serial++;
  if (self->vocab != NULL && gtk_editable_get_text (GTK_EDITABLE (self->prompt_entry))[0] == '\0')
    {
      g_autofree char *prompt = default_prompt (self->vocab);
      gtk_editable_set_text (GTK_EDITABLE (self->prompt_entry), prompt);
    }
  mm_view_job_cancel (self->job);
  g_ptr_array_set_size (self->samples, 0);
  show_message (self, NULL);
  gtk_widget_set_sensitive (self->generate_button, self->model != NULL && self->params != NULL);
  render (self);
}

void
mm_text_samples_set_params (MmTextSamples *self,
                            MmParams      *params)
{
  g_return_if_fail (MM_IS_TEXT_SAMPLES (self));
  if (params == self->params)
    return;
  if (params != NULL)
    mm_params_ref (params);
  g_clear_pointer (&self->params, mm_params_unref);
  self->params = params;
  gtk_widget_set_sensitive (self->generate_button, self->model != NULL && self->params != NULL);
}

void
mm_text_samples_generate (MmTextSamples *self,
                          MmParams      *params,
                          const char    *label)
{
  g_return_if_fail (MM_IS_TEXT_SAMPLES (self));
  if (self->job == NULL)
    return;
  if (params == NULL)
    params = self->params;
  if (params == NULL || self->model == NULL)
    return;
  g_clear_pointer (&self->pending_params, mm_params_unref);
  self->pending_params = mm_params_ref (params);
  g_free (self->pending_label);
  self->pending_label = g_strdup (label ? label : "");
  mm_view_job_request (self->job);
}

void
mm_text_samples_set_prompt (MmTextSamples *self,
                            const char    *prompt)
{
  g_return_if_fail (MM_IS_TEXT_SAMPLES (self));
  gtk_editable_set_text (GTK_EDITABLE (self->prompt_entry), prompt ? prompt : "");
}

const char *
mm_text_samples_get_prompt (MmTextSamples *self)
{
  g_return_val_if_fail (MM_IS_TEXT_SAMPLES (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->prompt_entry));
}

void
mm_text_samples_set_temperature (MmTextSamples *self,
                                 double         temperature)
{
  g_return_if_fail (MM_IS_TEXT_SAMPLES (self));
  gtk_range_set_value (GTK_RANGE (self->temperature_scale), temperature);
}

double
mm_text_samples_get_temperature (MmTextSamples *self)
{
  g_return_val_if_fail (MM_IS_TEXT_SAMPLES (self), 0.0);
  return gtk_range_get_value (GTK_RANGE (self->temperature_scale));
}

guint
mm_text_samples_get_n_samples (MmTextSamples *self)
{
  g_return_val_if_fail (MM_IS_TEXT_SAMPLES (self), 0);
  return self->samples->len;
}

const char *
mm_text_samples_get_sample (MmTextSamples  *self,
                            guint           index,
                            const char    **prompt,
                            const char    **label)
{
  const Sample *s;

  g_return_val_if_fail (MM_IS_TEXT_SAMPLES (self), NULL);
  if (index >= self->samples->len)
    return NULL;
  s = g_ptr_array_index (self->samples, index);
  if (prompt)
    *prompt = s->prompt;
  if (label)
    *label = s->label;
  return s->text;
}

const char *
mm_text_samples_get_message (MmTextSamples *self)
{
  g_return_val_if_fail (MM_IS_TEXT_SAMPLES (self), NULL);
  return self->message;
}

guint64
mm_text_samples_get_generation (MmTextSamples *self)
{
  g_return_val_if_fail (MM_IS_TEXT_SAMPLES (self), 0);
  return self->generation;
}

GtkWidget *
mm_text_samples_get_generate_button (MmTextSamples *self)
{
  g_return_val_if_fail (MM_IS_TEXT_SAMPLES (self), NULL);
  return self->generate_button;
}

gboolean
mm_text_samples_is_computing (MmTextSamples *self)
{
  g_return_val_if_fail (MM_IS_TEXT_SAMPLES (self), FALSE);
  return self->job != NULL && mm_view_job_is_busy (self->job);
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
mm_text_samples_dispose (GObject *object)
{
  MmTextSamples *self = MM_TEXT_SAMPLES (object);
  GtkWidget *child;

  g_clear_pointer (&self->job, mm_view_job_detach);
  g_clear_pointer (&self->model, mm_module_unref);
  g_clear_pointer (&self->vocab, mm_dataset_unref);
  g_clear_pointer (&self->params, mm_params_unref);
  g_clear_pointer (&self->pending_params, mm_params_unref);
  g_clear_pointer (&self->pending_label, g_free);
  g_clear_pointer (&self->samples, g_ptr_array_unref);
  g_clear_pointer (&self->message, g_free);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (mm_text_samples_parent_class)->dispose (object);
}

static void
mm_text_samples_class_init (MmTextSamplesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_text_samples_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "textsamples");
}

static void
mm_text_samples_init (MmTextSamples *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  GtkWidget *title, *row, *label, *scroller;
  GtkTextBuffer *buffer;

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 6);
  self->samples = g_ptr_array_new_with_free_func (sample_free);

  title = gtk_label_new (_("Samples: the network writes"));
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "heading");
  gtk_widget_set_parent (title, GTK_WIDGET (self));

  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->prompt_entry = gtk_entry_new ();
  gtk_widget_set_hexpand (self->prompt_entry, TRUE);
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->prompt_entry), _("Prompt"));
  gtk_widget_set_tooltip_text (self->prompt_entry, _("The characters the network starts from and continues"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->prompt_entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Prompt"), -1);
  gtk_box_append (GTK_BOX (row), self->prompt_entry);
  label = gtk_label_new (_("Temperature"));
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (row), label);
  self->temperature_scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0.0, 2.0, 0.1);
  gtk_range_set_value (GTK_RANGE (self->temperature_scale), 0.8);
  gtk_scale_set_digits (GTK_SCALE (self->temperature_scale), 1);
  gtk_scale_set_draw_value (GTK_SCALE (self->temperature_scale), TRUE);
  gtk_scale_set_value_pos (GTK_SCALE (self->temperature_scale), GTK_POS_RIGHT);
  gtk_widget_set_size_request (self->temperature_scale, 110, -1);
  gtk_widget_set_tooltip_text (self->temperature_scale,
                               _("0: always the most likely character; higher: more surprising choices"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->temperature_scale), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Temperature"), -1);
  gtk_box_append (GTK_BOX (row), self->temperature_scale);
  self->generate_button = gtk_button_new_with_mnemonic (_("_Generate"));
  gtk_widget_set_tooltip_text (self->generate_button, _("Write a sample with the current weights"));
  gtk_widget_set_sensitive (self->generate_button, FALSE);
  g_signal_connect_swapped (self->generate_button, "clicked", G_CALLBACK (generate_clicked), self);
  g_signal_connect_swapped (self->prompt_entry, "activate", G_CALLBACK (generate_clicked), self);
  gtk_box_append (GTK_BOX (row), self->generate_button);
  gtk_widget_set_parent (row, GTK_WIDGET (self));

  self->message_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->message_label), 0);
  gtk_label_set_wrap (GTK_LABEL (self->message_label), TRUE);
  gtk_widget_add_css_class (self->message_label, "validation");
  gtk_widget_set_visible (self->message_label, FALSE);
  gtk_widget_set_parent (self->message_label, GTK_WIDGET (self));

  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_widget_set_size_request (scroller, 240, 120);
  self->text_view = gtk_text_view_new ();
  gtk_text_view_set_editable (GTK_TEXT_VIEW (self->text_view), FALSE);
  gtk_text_view_set_cursor_visible (GTK_TEXT_VIEW (self->text_view), FALSE);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (self->text_view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (self->text_view), TRUE);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (self->text_view), 6);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (self->text_view), 6);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->text_view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Text written by the network"), -1);
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->text_view));
  gtk_text_buffer_create_tag (buffer, "label", "weight", PANGO_WEIGHT_BOLD, "family", "sans", NULL);
  gtk_text_buffer_create_tag (buffer, "prompt", "foreground", "#777777", NULL);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), self->text_view);
  gtk_widget_set_parent (scroller, GTK_WIDGET (self));

  self->job = mm_view_job_new (G_OBJECT (self), sample_prepare, sample_run, sample_apply, sample_result_free);
  mm_view_job_set_min_interval (self->job, 200);
  render (self);
}

GtkWidget *
mm_text_samples_new (void)
{
  return g_object_new (MM_TYPE_TEXT_SAMPLES, NULL);
}
