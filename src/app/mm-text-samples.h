/* mm-text-samples.h — text written by a character model, live.
 *
 * For a text data set (next-character prediction), the panel shows what the
 * network writes when it is given a prompt and then its own output, one
 * character at a time (mm_text_sample): a prompt entry, a temperature slider
 * (0: always the most likely character; higher: more adventurous), a
 * Generate button, and the newest samples, each labelled with when it was
 * written ("Epoch 3"). The window asks for a sample after every epoch, so the
 * text turns from noise into words while the class watches.
 *
 * Samples are computed on a worker thread from a parameter snapshot (see
 * mm-view-job.h): the UI never waits for them.
 */
#pragma once

#include <gtk/gtk.h>
#include <myml.h>

G_BEGIN_DECLS

/* Characters written per sample, and how many samples are kept. */
#define MM_TEXT_SAMPLES_LENGTH 160
#define MM_TEXT_SAMPLES_KEEP 6

#define MM_TYPE_TEXT_SAMPLES (mm_text_samples_get_type ())
G_DECLARE_FINAL_TYPE (MmTextSamples, mm_text_samples, MM, TEXT_SAMPLES, GtkWidget)

GtkWidget   *mm_text_samples_new            (void);

/* The network and its vocabulary (a text data set, whose class names are its
 * characters); NULL @model: nothing to sample (the samples are dropped).
 * Another model drops the samples too. @context: the characters the network
 * sees at once (its training windows). */
void         mm_text_samples_set_model      (MmTextSamples *self,
                                             MmModule      *model,
                                             MmDataset     *vocab,
                                             gsize          context);
/* The newest weights, used by the Generate button. */
void         mm_text_samples_set_params     (MmTextSamples *self,
                                             MmParams      *params);
/* Writes a sample from @params (NULL: the newest set) with the prompt and
 * temperature shown, labelled @label. */
void         mm_text_samples_generate       (MmTextSamples *self,
                                             MmParams      *params,
                                             const char    *label);

void         mm_text_samples_set_prompt     (MmTextSamples *self,
                                             const char    *prompt);
const char  *mm_text_samples_get_prompt     (MmTextSamples *self);
void         mm_text_samples_set_temperature (MmTextSamples *self,
                                              double         temperature);
double       mm_text_samples_get_temperature (MmTextSamples *self);

/* The samples shown, newest first: the characters written after the prompt. */
guint        mm_text_samples_get_n_samples  (MmTextSamples *self);
const char  *mm_text_samples_get_sample     (MmTextSamples *self,
                                             guint          index,
                                             const char   **prompt,
                                             const char   **label);
/* Why the last sample could not be written (a prompt character the text
 * does not have…), or NULL. */
const char  *mm_text_samples_get_message    (MmTextSamples *self);
guint64      mm_text_samples_get_generation (MmTextSamples *self);
GtkWidget   *mm_text_samples_get_generate_button (MmTextSamples *self);
gboolean     mm_text_samples_is_computing   (MmTextSamples *self);

G_END_DECLS
