/* mm-seqdata.h — data for sequence models: a character-level text for
 * next-character prediction (with sampling from a trained model), and a
 * seeded bracket-matching task.
 *
 * A text data set cuts the text into windows of @seq_len characters; a
 * sample is the ids of a window, its labels the ids of the same window one
 * character later, so a network ending in (batch, time, classes) learns to
 * predict each next character. The vocabulary is the distinct characters
 * (Unicode code points) of the text in code-point order; the data set's class
 * names are the characters themselves (UTF-8), which is how sampling maps ids
 * back to text.
 */
#pragma once

#include <glib.h>
#include "mm-dataset.h"
#include "mm-module.h"
#include "mm-params.h"

G_BEGIN_DECLS

/* The name of the shipped text (data/text/NAME.txt). */
#define MM_TEXT_DEFAULT "harbour"

/* The path of a shipped text: installed, or in the source tree when running
 * from the build tree; NULL if neither exists. */
char       *mm_text_find            (const char    *name);

/* Windows start every @seq_len characters (they do not overlap); a text of n
 * characters gives ⌊(n − 1) / seq_len⌋ samples. Not UTF-8, or too short for
 * one window, is a GError. */
MmDataset  *mm_text_dataset_new     (const char    *name,
                                     const char    *text,
                                     gssize         length,
                                     gsize          seq_len,
                                     GError       **error);
MmDataset  *mm_text_dataset_load    (const char    *path,
                                     gsize          seq_len,
                                     GError       **error);

/* @n characters from a character model trained on @vocab (a text data set,
 * or any data set whose class names are its characters): the network is run
 * on the prompt's ids and then on its own output, each time on the last
 * @context characters (0: all), and the next character is drawn from
 * softmax(scores / @temperature) of the last time step (@temperature 0: the
 * most likely one), with a generator seeded by @seed. Returns the new
 * characters (without the prompt). A prompt character outside the
 * vocabulary, an empty prompt, or a network that does not give
 * (1, time, classes) is a GError. */
char       *mm_text_sample          (MmModule      *model,
                                     MmParams      *params,
                                     MmDataset     *vocab,
                                     const char    *prompt,
                                     gsize          n,
                                     double         temperature,
                                     guint32        seed,
                                     gsize          context,
                                     GError       **error);

/* Bracket matching: @n_samples strings of @length brackets (ids 0 '(' and
 * 1 ')', sample shape (length,)), half balanced (class 1), half not
 * (class 0: one bracket flipped, or two swapped so that a prefix closes
 * more than it opened); the classes alternate. @length must be even, 2 or
 * more. The same arguments give the same bytes. */
MmDataset  *mm_brackets_dataset_new (gsize          n_samples,
                                     gsize          length,
                                     guint32        seed,
                                     GError       **error);
gboolean    mm_brackets_balanced    (const float   *ids,
                                     gsize          length);

G_END_DECLS
