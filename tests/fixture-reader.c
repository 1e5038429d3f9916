/* fixture-reader.c — see fixture-reader.h. */
#include "fixture-reader.h"

#include <math.h>
#include <string.h>

static void
fx_tensor_free (FxTensor *t)
{
  g_free (t->role);
  g_free (t->name);
  mm_tensor_unref (t->tensor);
  g_free (t);
}

void
fx_case_free (FxCase *fc)
{
  g_free (fc->path);
  g_free (fc->op);
  g_hash_table_unref (fc->params);
  g_hash_table_unref (fc->param_lines);
  g_ptr_array_unref (fc->tensors);
  g_free (fc);
}

/* ---- parsing ------------------------------------------------------------- */

/* Words of a line, empty ones dropped (several spaces count as one). */
static GStrv
split_words (const char *line)
{
  g_auto(GStrv) raw = g_strsplit_set (line, " \t", -1);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  for (guint i = 0; raw[i] != NULL; i++)
    if (raw[i][0] != '\0')
      g_strv_builder_add (b, raw[i]);
  return g_strv_builder_end (b);
}

/* What follows the first @n words of @line and the blanks after them. */
static const char *
after_words (const char *line,
             guint       n)
{
  const char *p = line;

  for (guint i = 0; i < n; i++)
    {
      while (*p == ' ' || *p == '\t')
        p++;
      while (*p != '\0' && *p != ' ' && *p != '\t')
        p++;
    }
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

gboolean
fx_parse_float (const char *word,
                float      *out)
{
  char *end = NULL;
  double v = g_ascii_strtod (word, &end);

  if (end == word || *end != '\0' || !isfinite (v))
    return FALSE;
  *out = (float) v;
  return isfinite (*out);
}

gboolean
fx_parse_uint (const char *word,
               guint64     max,
               guint64    *out)
{
  return g_ascii_string_to_unsigned (word, 10, 0, max, out, NULL);
}

/* tensor ROLE NAME NDIM D1 .. DN : X1 .. XM */
static FxTensor *
parse_tensor (GStrv               words,
              const char * const *roles,
              guint               lineno,
              GError            **error)
{
  guint n = g_strv_length (words);
  guint64 ndim;
  gsize dims[MM_MAX_DIMS];
  MmShape shape;
  g_autoptr(MmTensor) t = NULL;
  FxTensor *fx;

  if (n < 5 || (roles != NULL && !g_strv_contains (roles, words[1]))
      || !fx_parse_uint (words[3], MM_MAX_DIMS, &ndim)
      || n < 5 + ndim || strcmp (words[4 + ndim], ":") != 0)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                   "line %u: expected “tensor ROLE NAME NDIM DIMS… : VALUES…”", lineno);
      return NULL;
    }
  for (guint i = 0; i < ndim; i++)
    {
      guint64 d;
      if (!fx_parse_uint (words[4 + i], G_MAXUINT32, &d))
        {
          g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                       "line %u: “%s” is not an axis length", lineno, words[4 + i]);
          return NULL;
        }
      dims[i] = d;
    }
  if (!mm_shape_init (&shape, ndim, dims, error))
    {
      g_prefix_error (error, "line %u: ", lineno);
      return NULL;
    }
  if (n - 5 - ndim != mm_shape_size (&shape))
    {
      g_autofree char *s = mm_shape_to_string (&shape);
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                   "line %u: a tensor of shape %s needs %" G_GSIZE_FORMAT " values, the line has %u",
                   lineno, s, mm_shape_size (&shape), (guint) (n - 5 - ndim));
      return NULL;
    }
  t = mm_tensor_new (&shape, error);
  if (t == NULL)
    return NULL;
  for (gsize i = 0; i < t->size; i++)
    if (!fx_parse_float (words[5 + ndim + i], &t->data[i]))
      {
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                     "line %u: “%s” is not a finite number", lineno, words[5 + ndim + i]);
        return NULL;
      }

  fx = g_new0 (FxTensor, 1);
  fx->role = g_strdup (words[1]);
  fx->name = g_strdup (words[2]);
  fx->tensor = g_steal_pointer (&t);
  return fx;
}

GPtrArray *
fx_parse (const char         *text,
          const char * const *roles,
          GError            **error)
{
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func ((GDestroyNotify) fx_case_free);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(FxCase) cur = NULL;
  gboolean have_format = FALSE;
  guint lineno = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) w = NULL;
      const char *kw;

      lineno = i + 1;
      g_strchomp (lines[i]);
      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      w = split_words (lines[i]);
      kw = w[0];

      if (!have_format)
        {
          if (strcmp (kw, "format") != 0 || g_strv_length (w) != 2 || strcmp (w[1], "1") != 0)
            {
              g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                           "line %u: the file must start with “format 1”", lineno);
              return NULL;
            }
          have_format = TRUE;
        }
      else if (strcmp (kw, "case") == 0)
        {
          if (cur != NULL)
            {
              g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                           "line %u: “case” inside a case (missing “end”)", lineno);
              return NULL;
            }
          if (g_strv_length (w) != 2)
            {
              g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                           "line %u: expected “case PATH”", lineno);
              return NULL;
            }
          cur = g_new0 (FxCase, 1);
          cur->path = g_strdup (w[1]);
          cur->line = lineno;
          cur->params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
          cur->param_lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          cur->tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) fx_tensor_free);
        }
      else if (cur == NULL)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                       "line %u: “%s” outside a case", lineno, kw);
          return NULL;
        }
      else if (strcmp (kw, "op") == 0 && g_strv_length (w) == 2 && cur->op == NULL)
        cur->op = g_strdup (w[1]);
      else if (strcmp (kw, "param") == 0 && g_strv_length (w) >= 2
               && !g_hash_table_contains (cur->params, w[1]))
        {
          g_hash_table_insert (cur->params, g_strdup (w[1]), g_strdupv (w + 2));
          g_hash_table_insert (cur->param_lines, g_strdup (w[1]), g_strdup (after_words (lines[i], 2)));
        }
      else if (strcmp (kw, "tensor") == 0)
        {
          FxTensor *t = parse_tensor (w, roles, lineno, error);
          if (t == NULL)
            return NULL;
          g_ptr_array_add (cur->tensors, t);
        }
      else if (strcmp (kw, "end") == 0 && g_strv_length (w) == 1)
        {
          if (cur->op == NULL || cur->tensors->len == 0)
            {
              g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                           "line %u: case “%s” has no op or no tensors", lineno, cur->path);
              return NULL;
            }
          g_ptr_array_add (cases, g_steal_pointer (&cur));
        }
      else
        {
          g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                       "line %u: unexpected “%s”", lineno, lines[i]);
          return NULL;
        }
    }
  if (cur != NULL)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                   "case “%s” (line %u) is not closed by “end”: the file is truncated",
                   cur->path, cur->line);
      return NULL;
    }
  if (cases->len == 0)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "the fixture file has no cases");
      return NULL;
    }
  return g_steal_pointer (&cases);
}

GPtrArray *
fx_load (const char         *path,
         const char * const *roles,
         GError            **error)
{
  g_autofree char *text = NULL;
  GPtrArray *cases;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  cases = fx_parse (text, roles, error);
  if (cases == NULL)
    g_prefix_error (error, "%s: ", path);
  return cases;
}

/* ---- case access --------------------------------------------------------- */

const FxTensor *
fx_find_tensor (const FxCase *fc,
                const char   *role,
                const char   *name)
{
  for (guint i = 0; i < fc->tensors->len; i++)
    {
      const FxTensor *t = g_ptr_array_index (fc->tensors, i);
      if (strcmp (t->role, role) == 0 && (name == NULL || strcmp (t->name, name) == 0))
        return t;
    }
  return NULL;
}

GStrv
fx_param_words (const FxCase *fc,
                const char   *key)
{
  GStrv v = g_hash_table_lookup (fc->params, key);

  g_assert_nonnull (v);
  return v;
}

const char *
fx_param (const FxCase *fc,
          const char   *key)
{
  const char *v = g_hash_table_lookup (fc->param_lines, key);

  g_assert_nonnull (v);
  return v;
}

/* ---- comparing ----------------------------------------------------------- */

gboolean
fx_check_close (const char     *what,
                const MmTensor *got,
                const MmTensor *ref,
                double          rtol,
                double          atol_scale,
                double         *worst,
                char          **failure)
{
  double atol = atol_scale * (1.0 + mm_tensor_max_abs (ref));

  if (*failure != NULL)
    return FALSE;
  if (!mm_tensor_same_shape (got, ref))
    {
      g_autofree char *sg = mm_tensor_shape_string (got);
      g_autofree char *sr = mm_tensor_shape_string (ref);
      *failure = g_strdup_printf ("%s: shape %s, PyTorch has %s", what, sg, sr);
      return FALSE;
    }
  for (gsize i = 0; i < ref->size; i++)
    {
      double r = ref->data[i], g = got->data[i];
      double diff = fabs (g - r), tol = rtol * fabs (r) + atol;

      if (!(diff <= tol))
        {
          *failure = g_strdup_printf ("%s[%" G_GSIZE_FORMAT "] = %.9g, PyTorch says %.9g (difference %.3g, "
                                      "tolerance %.3g)", what, i, g, r, diff, tol);
          return FALSE;
        }
      *worst = MAX (*worst, diff / tol);
    }
  return TRUE;
}

static double overall_worst;
static char *overall_where;

void
fx_record_worst (const FxCase *fc,
                 double        worst)
{
  g_test_message ("worst: %.3f of the tolerance", worst);
  if (worst > overall_worst || overall_where == NULL)
    {
      overall_worst = worst;
      g_free (overall_where);
      overall_where = g_strdup (fc->path);
    }
}

void
fx_print_worst (void)
{
  if (overall_where != NULL)
    g_print ("# worst fixture: %.3f of the tolerance at %s\n", overall_worst, overall_where);
  g_clear_pointer (&overall_where, g_free);
  overall_worst = 0.0;
}

void
fx_expect_error (gpointer     result,
                 GError     **errorp,
                 const char  *fragment)
{
  GError *error = *errorp;

  g_assert_null (result);
  g_assert_nonnull (error);
  if (strstr (error->message, fragment) == NULL)
    g_error ("message “%s” lacks “%s”", error->message, fragment);
  g_test_message ("%s", error->message);
  g_clear_error (errorp);
}
