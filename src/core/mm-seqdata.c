/* mm-seqdata.c — a character-level text, sampling from a character model,
 * and bracket matching. */
#include "mm-seqdata.h"
#include "mm-error.h"
#include "mm-rng-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEQ_LEN ((gsize) 1 << 20)
#define MAX_SAMPLE ((gsize) 1 << 20)

char *
mm_text_find (const char *name)
{
  const char *dirs[] = { MM_TEXT_DIR, MM_TEXT_SOURCE_DIR };
  g_autofree char *file = g_strconcat (name, ".txt", NULL);

  g_return_val_if_fail (name != NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      char *path = g_build_filename (dirs[i], file, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return path;
      g_free (path);
    }
  return NULL;
}

static int
compare_unichar (const void *a,
                 const void *b)
{
  gunichar x = *(const gunichar *) a, y = *(const gunichar *) b;
  return (x > y) - (x < y);
}

MmDataset *
mm_text_dataset_new (const char  *name,
                     const char  *text,
                     gssize       length,
                     gsize        seq_len,
                     GError     **error)
{
  g_autofree gunichar *chars = NULL;
  g_autofree gunichar *vocab = NULL;
  g_autofree guint32 *ids = NULL;
  g_autoptr(GPtrArray) names = NULL;
  glong n_chars = 0;
  gsize n_vocab = 0, n_samples;
  float *features;
  guint32 *labels;
  MmShape sample, label;
  const char *end;

  g_return_val_if_fail (text != NULL, NULL);
  if (length < 0)
    length = (gssize) strlen (text);
  if (!g_utf8_validate_len (text, (gsize) length, &end))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                   "The text is not UTF-8 (at byte %" G_GSIZE_FORMAT ")", (gsize) (end - text));
      return NULL;
    }
  if (seq_len == 0 || seq_len > MAX_SEQ_LEN)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The sequence length must be between 1 and %" G_GSIZE_FORMAT ", not %" G_GSIZE_FORMAT,
                   MAX_SEQ_LEN, seq_len);
      return NULL;
    }
  chars = g_utf8_to_ucs4_fast (text, length, &n_chars);
  if (n_chars > (glong) MM_MAX_ELEMENTS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE, "The text has too many characters (%ld)", n_chars);
      return NULL;
    }
  if (n_chars <= 0 || (gsize) n_chars < seq_len + 1)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "A text of %ld characters is too short for sequences of %" G_GSIZE_FORMAT
                   " (it needs at least %" G_GSIZE_FORMAT ")", n_chars, seq_len, seq_len + 1);
      return NULL;
    }

  /* The vocabulary: the distinct characters, sorted. */
  vocab = g_memdup2 (chars, n_chars * sizeof (gunichar));
  qsort (vocab, n_chars, sizeof (gunichar), compare_unichar);
  for (glong i = 0; i < n_chars; i++)
    if (n_vocab == 0 || vocab[n_vocab - 1] != vocab[i])
      vocab[n_vocab++] = vocab[i];
  if (n_vocab > MM_DATASET_MAX_CLASSES)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                   "The text has %" G_GSIZE_FORMAT " different characters, more than %d",
                   n_vocab, MM_DATASET_MAX_CLASSES);
      return NULL;
    }
  ids = g_new (guint32, (guint) n_chars);
  for (glong i = 0; i < n_chars; i++)
    {
      gunichar *hit = bsearch (&chars[i], vocab, n_vocab, sizeof (gunichar), compare_unichar);
      ids[i] = (guint32) (hit - vocab);
    }
  names = g_ptr_array_new_with_free_func (g_free);
  for (gsize c = 0; c < n_vocab; c++)
    {
      char buf[8] = { 0 };
      g_unichar_to_utf8 (vocab[c], buf);
      g_ptr_array_add (names, g_strdup (buf));
    }

  n_samples = ((gsize) n_chars - 1) / seq_len;
  features = g_new (float, n_samples * seq_len);
  labels = g_new (guint32, n_samples * seq_len);
  for (gsize s = 0; s < n_samples; s++)
    for (gsize k = 0; k < seq_len; k++)
      {
        features[s * seq_len + k] = (float) ids[s * seq_len + k];
        labels[s * seq_len + k] = ids[s * seq_len + k + 1];
      }
  mm_shape_scalar (&sample);
  sample.ndim = 1;
  sample.dim[0] = seq_len;
  label = sample;
  return mm_dataset_new_sequences (name != NULL ? name : "text", &sample, n_samples, features, &label, labels,
                                   (guint) n_vocab, (const char * const *) names->pdata, error);
}

MmDataset *
mm_text_dataset_load (const char  *path,
                      gsize        seq_len,
                      GError     **error)
{
  g_autofree char *text = NULL;
  g_autofree char *base = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);
  if (!g_file_get_contents (path, &text, &length, error))
    return NULL;
  base = g_path_get_basename (path);
  {
    char *dot = strrchr (base, '.');
    if (dot != NULL && dot != base)
      *dot = '\0';
  }
  return mm_text_dataset_new (base, text, (gssize) length, seq_len, error);
}

/* ---- Sampling ------------------------------------------------------------ */

static gint
vocab_lookup (MmDataset  *vocab,
              const char *ch,
              gsize       len)
{
  for (guint c = 0; c < mm_dataset_get_n_classes (vocab); c++)
    {
      const char *name = mm_dataset_get_class_name (vocab, c);
      if (name != NULL && strlen (name) == len && memcmp (name, ch, len) == 0)
        return (gint) c;
    }
  return -1;
}

char *
mm_text_sample (MmModule    *model,
                MmParams    *params,
                MmDataset   *vocab,
                const char  *prompt,
                gsize        n,
                double       temperature,
                guint32      seed,
                gsize        context,
                GError     **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree double *p = NULL;
  guint V;
  MmRng rng;

  g_return_val_if_fail (model != NULL && params != NULL && vocab != NULL && prompt != NULL, NULL);
  V = mm_dataset_get_n_classes (vocab);
  if (mm_dataset_get_class_name (vocab, 0) == NULL)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The data set '%s' has no characters to sample: it is not a text", mm_dataset_get_name (vocab));
      return NULL;
    }
  if (!g_utf8_validate (prompt, -1, NULL) || prompt[0] == '\0')
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, "The prompt must be some UTF-8 text");
      return NULL;
    }
  if (!(temperature >= 0.0 && temperature <= 100.0))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The temperature must be between 0 and 100, not %g", temperature);
      return NULL;
    }
  if (n > MAX_SAMPLE)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "At most %" G_GSIZE_FORMAT " characters can be sampled at once", MAX_SAMPLE);
      return NULL;
    }
  for (const char *c = prompt; *c; c = g_utf8_next_char (c))
    {
      gsize len = g_utf8_next_char (c) - c;
      gint id = vocab_lookup (vocab, c, len);
      float f;

      if (id < 0)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                       "The prompt's character '%.*s' is not in the text's %u characters", (int) len, c, V);
          return NULL;
        }
      f = (float) id;
      g_array_append_val (ids, f);
    }

  mm_rng_init (&rng, seed, 0x5a3b1e);
  p = g_new (double, V);
  for (gsize k = 0; k < n; k++)
    {
      gsize L = context > 0 ? MIN (context, ids->len) : ids->len;
      g_autoptr(MmTensor) x = mm_tensor_new_from_data (&(MmShape) { 2, { 1, L } },
                                                       (float *) ids->data + ids->len - L, L, error);
      g_autoptr(MmTensor) y = NULL;
      const float *row;
      gsize best = 0;
      float next;

      if (x == NULL || (y = mm_module_predict (model, params, x, error)) == NULL)
        return NULL;
      if (y->shape.ndim != 3 || y->shape.dim[0] != 1 || y->shape.dim[1] != L || y->shape.dim[2] != V)
        {
          g_autofree char *s = mm_tensor_shape_string (y);
          g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                       "To sample text the network must give (1, %" G_GSIZE_FORMAT ", %u), one score per "
                       "character at each step, but it gives %s", L, V, s);
          return NULL;
        }
      row = y->data + (L - 1) * V;
      for (guint c = 1; c < V; c++)
        if (row[c] > row[best])
          best = c;
      if (temperature > 0.0)
        {
          /* softmax(row / T), drawn by its cumulative sum. */
          double z = 0.0, u, acc = 0.0;

          for (guint c = 0; c < V; c++)
            {
              p[c] = exp (((double) row[c] - (double) row[best]) / temperature);
              z += p[c];
            }
          u = mm_rng_uniform (&rng) * z;
          for (guint c = 0; c < V; c++)
            {
              acc += p[c];
              if (u < acc)
                {
                  best = c;
                  break;
                }
            }
        }
      next = (float) best;
      g_array_append_val (ids, next);
      g_string_append (out, mm_dataset_get_class_name (vocab, (guint) best));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- Bracket matching ---------------------------------------------------- */

gboolean
mm_brackets_balanced (const float *ids,
                      gsize        length)
{
  glong depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      depth += ids[i] == 0.0f ? 1 : -1;
      if (depth < 0)
        return FALSE;
    }
  return depth == 0;
}

/* A random balanced string: open while closing is not forced, close when
 * the rest is just enough to close everything, otherwise a coin. */
static void
random_balanced (MmRng *rng,
                 float *s,
                 gsize  length)
{
  gsize depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      gsize left = length - i;
      gboolean open;

      if (depth == 0)
        open = TRUE;
      else if (depth == left)
        open = FALSE;
      else
        open = mm_rng_uniform (rng) < 0.5;
      s[i] = open ? 0.0f : 1.0f;
      depth = open ? depth + 1 : depth - 1;
    }
}

MmDataset *
mm_brackets_dataset_new (gsize     n_samples,
                         gsize     length,
                         guint32   seed,
                         GError  **error)
{
  static const char *const names[] = { "unbalanced", "balanced" };
  float *features;
  guint32 *labels;
  MmShape sample;
  MmRng rng;

  if (length < 2 || length % 2 != 0 || length > 4096)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Bracket strings must have an even length from 2 to 4096, not %" G_GSIZE_FORMAT, length);
      return NULL;
    }
  if (n_samples < 2 || n_samples > 1000000)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The bracket task needs 2 to 1000000 samples, not %" G_GSIZE_FORMAT, n_samples);
      return NULL;
    }
  mm_rng_init (&rng, seed, 0xb7ac);
  features = g_new (float, n_samples * length);
  labels = g_new (guint32, n_samples);
  for (gsize i = 0; i < n_samples; i++)
    {
      float *s = features + i * length;

      labels[i] = (guint32) (i % 2 == 1);
      random_balanced (&rng, s, length);
      if (labels[i] == 1)
        continue;
      if (mm_rng_uniform (&rng) < 0.5)
        {
          /* One bracket flipped: the counts no longer match. */
          gsize k = (gsize) (mm_rng_uniform (&rng) * (double) length);
          s[k] = 1.0f - s[k];
        }
      else
        {
          /* A ')' moved before a '(' (same counts): redraw until some prefix
           * closes more than it opened. */
          do
            {
              gsize a = (gsize) (mm_rng_uniform (&rng) * (double) length);
              gsize b = (gsize) (mm_rng_uniform (&rng) * (double) length);
              float tmp = s[a];
              s[a] = s[b];
              s[b] = tmp;
            }
          while (mm_brackets_balanced (s, length));
        }
    }
  mm_shape_scalar (&sample);
  sample.ndim = 1;
  sample.dim[0] = length;
  return mm_dataset_new ("brackets", &sample, n_samples, features, labels, 2, names, error);
}
