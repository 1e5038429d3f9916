/* mm-csv.c — datasets from CSV files of numbers.
 *
 * Students bring their own data as spreadsheets, so the errors matter more
 * than the speed: every complaint names the line and column a spreadsheet
 * shows, and the offending text.
 */
#include "mm-dataset.h"
#include "mm-error.h"

#include <float.h>
#include <math.h>
#include <string.h>

typedef struct {
  const char *start; /* not NUL-terminated */
  gsize len;
} Field;

/* Trims spaces and one pair of surrounding double quotes (as spreadsheets
 * write them around headers and sometimes numbers). */
static Field
field_trim (const char *start,
            gsize       len)
{
  Field f = { start, len };

  while (f.len > 0 && g_ascii_isspace (f.start[0]))
    f.start++, f.len--;
  while (f.len > 0 && g_ascii_isspace (f.start[f.len - 1]))
    f.len--;
  if (f.len >= 2 && f.start[0] == '"' && f.start[f.len - 1] == '"')
    {
      f.start++;
      f.len -= 2;
      while (f.len > 0 && g_ascii_isspace (f.start[0]))
        f.start++, f.len--;
      while (f.len > 0 && g_ascii_isspace (f.start[f.len - 1]))
        f.len--;
    }
  return f;
}

/* Splits one line (without its newline) into @fields. */
static void
split_line (const char *line,
            gsize       len,
            char        sep,
            GArray     *fields)
{
  gsize begin = 0;

  g_array_set_size (fields, 0);
  for (gsize i = 0; i <= len; i++)
    if (i == len || line[i] == sep)
      {
        Field f = field_trim (line + begin, i - begin);
        g_array_append_val (fields, f);
        begin = i + 1;
      }
}

/* Parses the whole field as a number; FALSE if anything is left over. */
static gboolean
parse_number (Field   f,
              double *value)
{
  char buf[128];
  char *end = NULL;

  if (f.len == 0 || f.len >= sizeof buf)
    return FALSE;
  memcpy (buf, f.start, f.len);
  buf[f.len] = '\0';
  *value = g_ascii_strtod (buf, &end);
  return end == buf + f.len;
}

static gboolean
line_is_blank (const char *line,
               gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (line[i]))
      return FALSE;
  return TRUE;
}

/* Shows a field in an error message, shortened so a stray binary blob does
 * not flood the message. */
static char *
field_for_message (Field f)
{
  if (f.len > 40)
    return g_strdup_printf ("%.*s…", 37, f.start);
  return g_strndup (f.start, f.len);
}

MmDataset *
mm_dataset_load_csv (const char  *path,
                     int          label_column,
                     GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *basename = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GArray) fields = g_array_new (FALSE, FALSE, sizeof (Field));
  g_autoptr(GArray) features = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GArray) labels = g_array_new (FALSE, FALSE, sizeof (guint32));
  gsize length = 0, pos = 0, n_columns = 0, label_index = 0, n_samples;
  guint line_no = 0, first_line = 0;
  guint32 max_label = 0;
  char sep = ',';
  MmShape shape;

  g_return_val_if_fail (path != NULL, NULL);

  if (label_column < -1)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The label column must be -1 (the last one) or a column index ≥ 0, not %d",
                   label_column);
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      /* GLib's message already names the file and the reason. */
      g_set_error_literal (error, MM_ERROR, MM_ERROR_IO, local_error->message);
      return NULL;
    }
  if (memchr (contents, '\0', length) != NULL)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                   "'%s' is not a text file (it contains NUL bytes)", path);
      return NULL;
    }
  /* Spreadsheets on Windows start UTF-8 files with a byte order mark. */
  if (length >= 3 && memcmp (contents, "\xef\xbb\xbf", 3) == 0)
    pos = 3;

  while (pos < length)
    {
      const char *line = contents + pos;
      const char *nl = memchr (line, '\n', length - pos);
      gsize len = nl != NULL ? (gsize) (nl - line) : length - pos;
      gboolean all_numbers = TRUE;

      pos += len + 1;
      line_no++;
      if (len > 0 && line[len - 1] == '\r')
        len--;
      if (line_is_blank (line, len))
        continue;

      if (first_line == 0)
        {
          /* The first row decides the separator and the number of columns. */
          first_line = line_no;
          if (memchr (line, ',', len) == NULL)
            {
              if (memchr (line, ';', len) != NULL)
                sep = ';';
              else if (memchr (line, '\t', len) != NULL)
                sep = '\t';
            }
          split_line (line, len, sep, fields);
          n_columns = fields->len;
          if (n_columns < 2)
            {
              g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                           "'%s', line %u: a dataset needs at least two columns (features and a label), "
                           "but this row has one", path, line_no);
              return NULL;
            }
          if (label_column >= 0 && (gsize) label_column >= n_columns)
            {
              g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                           "'%s' has %" G_GSIZE_FORMAT " columns, so there is no label column %d "
                           "(columns count from 0)", path, n_columns, label_column);
              return NULL;
            }
          label_index = label_column < 0 ? n_columns - 1 : (gsize) label_column;
          for (gsize c = 0; c < n_columns && all_numbers; c++)
            {
              double v;
              all_numbers = parse_number (g_array_index (fields, Field, c), &v);
            }
          if (!all_numbers)
            continue; /* a header row: names, not data */
        }
      else
        split_line (line, len, sep, fields);

      if (fields->len != n_columns)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                       "'%s', line %u: expected %" G_GSIZE_FORMAT " columns (like line %u), but found %u",
                       path, line_no, n_columns, first_line, fields->len);
          return NULL;
        }
      for (gsize c = 0; c < n_columns; c++)
        {
          Field f = g_array_index (fields, Field, c);
          g_autofree char *text = NULL;
          double v;

          if (f.len == 0)
            {
              g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                           "'%s', line %u, column %" G_GSIZE_FORMAT ": the value is missing",
                           path, line_no, c + 1);
              return NULL;
            }
          if (!parse_number (f, &v))
            {
              text = field_for_message (f);
              g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                           "'%s', line %u, column %" G_GSIZE_FORMAT ": '%s' is not a number%s",
                           path, line_no, c + 1, text,
                           c == label_index ? " (class labels must be integers 0, 1, 2, …)" : "");
              return NULL;
            }
          if (c == label_index)
            {
              guint32 label;

              if (isnan (v) || v != floor (v))
                {
                  text = field_for_message (f);
                  g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                               "'%s', line %u, column %" G_GSIZE_FORMAT ": label '%s' is not an integer",
                               path, line_no, c + 1, text);
                  return NULL;
                }
              if (v < 0)
                {
                  text = field_for_message (f);
                  g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                               "'%s', line %u, column %" G_GSIZE_FORMAT ": label '%s' is negative",
                               path, line_no, c + 1, text);
                  return NULL;
                }
              if (v >= MM_DATASET_MAX_CLASSES)
                {
                  text = field_for_message (f);
                  g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                               "'%s', line %u, column %" G_GSIZE_FORMAT ": label '%s' is too large "
                               "(at most %d classes)",
                               path, line_no, c + 1, text, MM_DATASET_MAX_CLASSES);
                  return NULL;
                }
              label = (guint32) v;
              max_label = MAX (max_label, label);
              g_array_append_val (labels, label);
            }
          else
            {
              float fv = (float) v;

              if (!isfinite (v) || fabs (v) > FLT_MAX)
                {
                  text = field_for_message (f);
                  g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                               "'%s', line %u, column %" G_GSIZE_FORMAT ": '%s' is not a finite number",
                               path, line_no, c + 1, text);
                  return NULL;
                }
              g_array_append_val (features, fv);
            }
        }
    }

  n_samples = labels->len;
  if (n_samples == 0)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                   first_line == 0 ? "'%s' is empty" : "'%s' has a header but no data rows", path);
      return NULL;
    }
  /* Labels name classes: with one class there is nothing to tell apart,
   * and a network trained on it learns nothing (its loss is 0 at once). */
  {
    guint32 first = g_array_index (labels, guint32, 0);
    gboolean several = FALSE;

    for (gsize i = 1; i < n_samples && !several; i++)
      several = g_array_index (labels, guint32, i) != first;
    if (!several)
      {
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                     "'%s' has only one class: every label is %u. A classifier needs "
                     "examples of at least two classes to tell apart", path, first);
        return NULL;
      }
  }
  if (!mm_shape_init (&shape, 1, (gsize[]) { n_columns - 1 }, error))
    return NULL;
  basename = g_path_get_basename (path);
  return mm_dataset_new (basename, &shape, n_samples,
                         (float *) g_array_free (g_steal_pointer (&features), FALSE),
                         (guint32 *) g_array_free (g_steal_pointer (&labels), FALSE),
                         max_label + 1, NULL, error);
}
