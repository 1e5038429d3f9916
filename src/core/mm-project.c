/* mm-project.c — projects as JSON with the weights beside them. */
#include "mm-project.h"
#include "mm-error.h"
#include "mm-safetensors.h"
#include "mm-module.h"
#include "mm-loss.h"
#include "mm-seqdata.h"

#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <json-glib/json-glib.h>
#include <float.h>
#include <math.h>
#include <string.h>

#define FORMAT_NAME "myml-studio-project"
/* A million steps of history is 140 days of one step a second: anything
 * above it is not a file we wrote. */
#define MAX_HISTORY 10000000u
#define MAX_FILE_SIZE ((gsize) 512 << 20)

MmProject *
mm_project_new (void)
{
  MmProject *p = g_new0 (MmProject, 1);

  p->network = g_strdup ("Flatten; Linear(784, 100); ReLU; Linear(100, 100); ReLU; Linear(100, 10)");
  p->data = MM_PROJECT_DATA_FASHION_MNIST;
  p->toy = MM_TOY_SPIRAL;
  p->toy_samples = 1000;
  p->toy_noise = 0.1;
  p->toy_classes = 3;
  p->seq_len = 64;
  p->loss = MM_PROJECT_LOSS_CROSS_ENTROPY;
  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_SGD);
  p->batch_size = 64;
  p->epochs = 10;
  p->seed = 42;
  p->init = MM_INIT_XAVIER_UNIFORM;
  p->steps = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  p->epoch_results = g_array_new (FALSE, FALSE, sizeof (MmProjectEpoch));
  return p;
}

void
mm_project_free (MmProject *p)
{
  if (p == NULL)
    return;
  g_free (p->network);
  g_free (p->data_path);
  g_array_unref (p->steps);
  g_array_unref (p->epoch_results);
  mm_params_unref (p->weights);
  mm_run_record_free (p->run);
  g_free (p);
}

static const char *data_names[] = { "fashion-mnist", "toy", "csv", "idx", "text", "brackets" };
static const char *loss_names[] = { "cross-entropy", "mse" };

/* ---- Writing ----------------------------------------------------------- */

static void
add_double (JsonBuilder *b,
            const char  *key,
            double       v)
{
  json_builder_set_member_name (b, key);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b,
         const char  *key,
         gint64       v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, v);
}

static void
add_bool (JsonBuilder *b,
          const char  *key,
          gboolean     v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_boolean_value (b, v);
}

static void
add_string (JsonBuilder *b,
            const char  *key,
            const char  *v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, v);
}

/* json-glib 1.6 writes a double such as 1e-08 as "1e-08.0", which is not
 * JSON (it appends ".0" to any number without a dot). Outside strings, drop
 * a ".0" that directly follows an exponent. */
static void
fix_exponents (char *json)
{
  gboolean in_string = FALSE;
  char *w = json;

  for (const char *r = json; *r; r++)
    {
      if (in_string)
        {
          if (*r == '\\' && r[1] != '\0')
            {
              *w++ = *r++;
            }
          else if (*r == '"')
            in_string = FALSE;
        }
      else if (*r == '"')
        in_string = TRUE;
      else if ((*r == 'e' || *r == 'E') && r > json && g_ascii_isdigit (r[-1]))
        {
          /* copy the exponent, then skip a ".0" right after its digits */
          *w++ = *r++;
          if (*r == '+' || *r == '-')
            *w++ = *r++;
          while (g_ascii_isdigit (*r))
            *w++ = *r++;
          if (r[0] == '.' && r[1] == '0' && !g_ascii_isdigit (r[2]))
            r += 2;
          r--;
          continue;
        }
      *w++ = *r;
    }
  *w = '\0';
}

char *
mm_project_to_json (const MmProject *p,
                    const char      *weights_file)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  const MmOptimizerConfig *o = &p->optimizer;

  json_builder_begin_object (b);
  add_string (b, "format", FORMAT_NAME);
  add_int (b, "version", MM_PROJECT_VERSION);
  add_string (b, "network", p->network);

  json_builder_set_member_name (b, "data");
  json_builder_begin_object (b);
  add_string (b, "kind", data_names[p->data]);
  if (p->data == MM_PROJECT_DATA_TOY)
    {
      add_string (b, "name", mm_toy_kind_to_name (p->toy));
      add_int (b, "samples", p->toy_samples);
      add_double (b, "noise", p->toy_noise);
      add_int (b, "classes", p->toy_classes);
    }
  else if (p->data == MM_PROJECT_DATA_BRACKETS)
    add_int (b, "samples", p->toy_samples);
  if (p->data == MM_PROJECT_DATA_TEXT || p->data == MM_PROJECT_DATA_BRACKETS)
    add_int (b, "seq_len", p->seq_len);
  if (p->data != MM_PROJECT_DATA_TOY && p->data_path != NULL)
    add_string (b, "path", p->data_path);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "loss");
  json_builder_begin_object (b);
  add_string (b, "kind", loss_names[p->loss]);
  add_double (b, "label_smoothing", p->label_smoothing);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "optimizer");
  json_builder_begin_object (b);
  add_string (b, "kind", mm_optimizer_kind_name (o->kind));
  add_double (b, "lr", o->lr);
  add_double (b, "momentum", o->momentum);
  add_double (b, "dampening", o->dampening);
  add_bool (b, "nesterov", o->nesterov);
  add_double (b, "alpha", o->alpha);
  add_double (b, "eps", o->eps);
  add_bool (b, "centered", o->centered);
  add_double (b, "beta1", o->beta1);
  add_double (b, "beta2", o->beta2);
  add_bool (b, "amsgrad", o->amsgrad);
  add_double (b, "weight_decay", o->weight_decay);
  add_bool (b, "decoupled_weight_decay", o->decoupled_weight_decay);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "regularization");
  json_builder_begin_object (b);
  add_double (b, "l1", p->l1);
  add_double (b, "l2", p->l2);
  add_bool (b, "penalize_biases", p->penalize_biases);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "training");
  json_builder_begin_object (b);
  add_int (b, "batch_size", p->batch_size);
  add_int (b, "epochs", p->epochs);
  add_int (b, "seed", p->seed);
  add_string (b, "init", mm_init_kind_name (p->init));
  json_builder_end_object (b);

  json_builder_set_member_name (b, "history");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "columns");
  json_builder_begin_array (b);
  for (const char **c = (const char *[]) { "step", "epoch", "loss", "data_loss", "penalty", "lr", "l1", "l2", NULL };
       *c; c++)
    json_builder_add_string_value (b, *c);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "steps");
  json_builder_begin_array (b);
  for (guint i = 0; i < p->steps->len; i++)
    {
      const MmStepPoint *s = &g_array_index (p->steps, MmStepPoint, i);
      json_builder_begin_array (b);
      json_builder_add_int_value (b, (gint64) s->step);
      json_builder_add_int_value (b, s->epoch);
      /* %.9g-equivalent: a double holds a float exactly */
      json_builder_add_double_value (b, isfinite (s->loss) ? s->loss : 0);
      json_builder_add_double_value (b, isfinite (s->data_loss) ? s->data_loss : 0);
      json_builder_add_double_value (b, isfinite (s->penalty) ? s->penalty : 0);
      json_builder_add_double_value (b, isfinite (s->lr) ? s->lr : 0);
      /* The split of the penalty; null when not known (an older project). */
      if (isfinite (s->l1) && isfinite (s->l2))
        {
          json_builder_add_double_value (b, s->l1);
          json_builder_add_double_value (b, s->l2);
        }
      else
        {
          json_builder_add_null_value (b);
          json_builder_add_null_value (b);
        }
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "epochs");
  json_builder_begin_array (b);
  for (guint i = 0; i < p->epoch_results->len; i++)
    {
      const MmProjectEpoch *e = &g_array_index (p->epoch_results, MmProjectEpoch, i);
      json_builder_begin_object (b);
      add_int (b, "epoch", e->epoch);
      add_int (b, "step", (gint64) e->step);
      add_double (b, "train_loss", e->train_loss);
      add_double (b, "train_accuracy", e->train_accuracy);
      add_double (b, "test_loss", e->test_loss);
      add_double (b, "test_accuracy", e->test_accuracy);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  if (p->run != NULL)
    {
      json_builder_set_member_name (b, "run");
      mm_run_record_to_json (p->run, b);
    }

  if (weights_file != NULL)
    add_string (b, "weights", weights_file);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  {
    char *text = json_generator_to_data (gen, NULL);
    fix_exponents (text);
    return text;
  }
}

char *
mm_project_weights_path (const char *path)
{
  const char *base = strrchr (path, '/');
  const char *dot = strrchr (base ? base : path, '.');
  g_autofree char *stem = dot ? g_strndup (path, dot - path) : g_strdup (path);

  return g_strconcat (stem, ".safetensors", NULL);
}

/* The cause of a failed save in a teacher's words, for the errors a full or
 * read-only disk gives; NULL when GLib's own message says it best. */
static const char *
save_failure_reason (const GError *e)
{
  if (e->domain != G_FILE_ERROR)
    return NULL;
  switch (e->code)
    {
    case G_FILE_ERROR_NOSPC:
      return "the disk is full";
    case G_FILE_ERROR_ROFS:
      return "the disk is read-only";
    case G_FILE_ERROR_ACCES:
    case G_FILE_ERROR_PERM:
      return "there is no permission to write there";
    case G_FILE_ERROR_NOENT:
    case G_FILE_ERROR_NOTDIR:
      return "the folder does not exist";
    default:
      return NULL;
    }
}

/* @message with the temporary files' names (TMP and TMP.XXXXXX, which GLib
 * writes first) replaced by the file they stand for: a user looks for
 * the name they chose. */
static char *
name_final_files (const char *message,
                  const char *tmp,
                  const char *final)
{
  g_autofree char *quoted = NULL;
  g_autofree char *pattern = NULL;
  g_autoptr(GRegex) re = NULL;

  if (tmp == NULL)
    return g_strdup (message);
  quoted = g_regex_escape_string (tmp, -1);
  pattern = g_strconcat (quoted, "(\\.[A-Za-z0-9]{6})?", NULL);
  re = g_regex_new (pattern, 0, 0, NULL);
  return re ? g_regex_replace_literal (re, message, -1, 0, final, 0, NULL) : g_strdup (message);
}

static void
set_save_error (GError      **error,
                const char   *path,
                const GError *cause,
                const char   *json_tmp,
                const char   *weights_tmp,
                const char   *weights_path)
{
  const char *reason = save_failure_reason (cause);
  g_autofree char *named = name_final_files (cause->message, json_tmp, path);
  g_autofree char *message = name_final_files (named, weights_tmp, weights_path);

  /* GLib reports ENOSPC as its own code but EFBIG (a file larger than the
   * disk or a quota allows) only in words. */
  if (reason == NULL && (strstr (cause->message, g_strerror (ENOSPC)) != NULL ||
                         strstr (cause->message, g_strerror (EFBIG)) != NULL))
    reason = "the disk is full";
  if (reason != NULL)
    g_set_error (error, MM_ERROR, MM_ERROR_IO,
                 "Could not save the project “%s”: %s (%s). Any earlier version of the file is unchanged.",
                 path, reason, message);
  else
    g_set_error (error, MM_ERROR, MM_ERROR_IO,
                 "Could not save the project “%s”: %s. Any earlier version of the file is unchanged.",
                 path, message);
}

/* A new empty file beside @path (same directory, so a rename finishes the
 * save), hidden from file choosers. */
static char *
reserve_temp_beside (const char  *path,
                     GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *name = g_strdup_printf (".%s.XXXXXX", base);
  char *tmp = g_build_filename (dir, name, NULL);
  int fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0644);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Could not create a file in “%s”: %s", dir, g_strerror (saved));
      g_free (tmp);
      return NULL;
    }
  close (fd);
  return tmp;
}

static gboolean
rename_into_place (const char  *from,
                   const char  *to,
                   GError     **error)
{
  if (g_rename (from, to) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Could not replace “%s”: %s", to, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

gboolean
mm_project_save (const MmProject *p,
                 const char      *path,
                 GError         **error)
{
  g_autofree char *weights_path = mm_project_weights_path (path);
  g_autofree char *weights_file = g_path_get_basename (weights_path);
  g_autofree char *weights_tmp = NULL;
  g_autofree char *json_tmp = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (p != NULL && path != NULL, FALSE);

  /* Both files are written in full beside their final names first, then
   * renamed into place, weights first: whatever fails (a full disk, a
   * read-only folder), the project and weights already there stay as they
   * were, and a project file never names weights of another network. */
  if (p->weights != NULL)
    {
      g_autoptr(GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);

      g_hash_table_insert (meta, "myml.model", p->network);
      weights_tmp = reserve_temp_beside (weights_path, &local);
      if (weights_tmp == NULL)
        goto failed;
      if (!mm_params_save_safetensors (p->weights, meta, weights_tmp, &local))
        goto failed;
    }
  json = mm_project_to_json (p, p->weights ? weights_file : NULL);
  json_tmp = reserve_temp_beside (path, &local);
  if (json_tmp == NULL)
    goto failed;
  if (!g_file_set_contents_full (json_tmp, json, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0644, &local))
    goto failed;
  if (weights_tmp != NULL && !rename_into_place (weights_tmp, weights_path, &local))
    goto failed;
  g_clear_pointer (&weights_tmp, g_free);
  if (!rename_into_place (json_tmp, path, &local))
    goto failed;
  return TRUE;

failed:
  if (weights_tmp != NULL)
    g_unlink (weights_tmp);
  if (json_tmp != NULL)
    g_unlink (json_tmp);
  set_save_error (error, path, local, json_tmp, weights_tmp, weights_path);
  return FALSE;
}

/* ---- Reading ------------------------------------------------------------ */

typedef struct {
  JsonObject *obj;
  const char *where;
  GError **error;
} Reader;

static gboolean
fail (Reader     *r,
      const char *key,
      const char *what)
{
  if (r->error && *r->error == NULL)
    g_set_error (r->error, MM_ERROR, MM_ERROR_FORMAT, "%s%s%s: %s", r->where, *r->where ? "." : "", key, what);
  return FALSE;
}

static JsonNode *
member (Reader     *r,
        const char *key,
        gboolean    required)
{
  JsonNode *n = r->obj ? json_object_get_member (r->obj, key) : NULL;
  if (n == NULL && required)
    fail (r, key, "missing");
  return n;
}

static gboolean
read_double (Reader     *r,
             const char *key,
             double      lo,
             double      hi,
             double     *out)
{
  JsonNode *n = member (r, key, FALSE);
  double v;

  if (n == NULL)
    return TRUE;   /* optional: keep the default */
  if (JSON_NODE_HOLDS_NULL (n))
    {
      *out = NAN;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || (json_node_get_value_type (n) != G_TYPE_DOUBLE &&
                                     json_node_get_value_type (n) != G_TYPE_INT64))
    return fail (r, key, "not a number");
  v = json_node_get_double (n);
  if (!(v >= lo && v <= hi))
    {
      g_autofree char *msg = g_strdup_printf ("%g is outside [%g, %g]", v, lo, hi);
      return fail (r, key, msg);
    }
  *out = v;
  return TRUE;
}

static gboolean
read_uint (Reader     *r,
           const char *key,
           guint64     lo,
           guint64     hi,
           guint64    *out)
{
  JsonNode *n = member (r, key, FALSE);
  gint64 v;

  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return fail (r, key, "not a whole number");
  v = json_node_get_int (n);
  if (v < 0 || (guint64) v < lo || (guint64) v > hi)
    {
      g_autofree char *msg = g_strdup_printf ("%" G_GINT64_FORMAT " is outside [%" G_GUINT64_FORMAT ", %"
                                              G_GUINT64_FORMAT "]", v, lo, hi);
      return fail (r, key, msg);
    }
  *out = (guint64) v;
  return TRUE;
}

static gboolean
read_bool (Reader     *r,
           const char *key,
           gboolean   *out)
{
  JsonNode *n = member (r, key, FALSE);

  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return fail (r, key, "not true or false");
  *out = json_node_get_boolean (n);
  return TRUE;
}

static const char *
read_string (Reader     *r,
             const char *key,
             gboolean    required)
{
  JsonNode *n = member (r, key, required);

  if (n == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    {
      fail (r, key, "not a string");
      return NULL;
    }
  return json_node_get_string (n);
}

static gboolean
sub (Reader     *r,
     const char *key,
     Reader     *out,
     gboolean    required)
{
  JsonNode *n = member (r, key, required);

  *out = (Reader) { NULL, key, r->error };
  if (n == NULL)
    return !required;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return fail (r, key, "not an object");
  out->obj = json_node_get_object (n);
  return TRUE;
}

static gint
lookup_name (const char  *name,
             const char **names,
             guint        n)
{
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (name, names[i]) == 0)
      return (gint) i;
  return -1;
}

MmProject *
mm_project_from_json (const char  *json,
                      gssize       length,
                      char       **weights_file,
                      GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(MmProject) p = mm_project_new ();
  g_autoptr(GError) local = NULL;
  g_autoptr(MmModule) net = NULL;
  Reader root, r;
  const char *s;
  guint64 u;
  gint k;

  if (!json_parser_load_from_data (parser, json, length, &local))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "This is not a project file (not valid JSON: %s)", local->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "This is not a project file (no JSON object)");
      return NULL;
    }
  root = (Reader) { json_node_get_object (json_parser_get_root (parser)), "", error };

  s = read_string (&root, "format", TRUE);
  if (s == NULL)
    return NULL;
  if (!g_str_equal (s, FORMAT_NAME))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "This is not a MyML Studio project (format is “%s”)", s);
      return NULL;
    }
  u = 0;
  if (!read_uint (&root, "version", 0, G_MAXINT32, &u))
    return NULL;
  if (u != MM_PROJECT_VERSION)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                   "The project was written by a %s version of MyML Studio (file version %" G_GUINT64_FORMAT
                   ", this one reads version %d)", u > MM_PROJECT_VERSION ? "newer" : "different", u,
                   MM_PROJECT_VERSION);
      return NULL;
    }

  s = read_string (&root, "network", TRUE);
  if (s == NULL)
    return NULL;
  net = mm_module_parse (s, &local);
  if (net == NULL)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "network: %s", local->message);
      return NULL;
    }
  g_free (p->network);
  p->network = g_strdup (s);

  if (!sub (&root, "data", &r, TRUE))
    return NULL;
  s = read_string (&r, "kind", TRUE);
  if (s == NULL)
    return NULL;
  k = lookup_name (s, data_names, G_N_ELEMENTS (data_names));
  if (k < 0)
    {
      fail (&r, "kind", "unknown data set kind");
      return NULL;
    }
  p->data = k;
  if (p->data == MM_PROJECT_DATA_TOY)
    {
      s = read_string (&r, "name", TRUE);
      if (s == NULL || !mm_toy_kind_from_name (s, &p->toy, NULL))
        {
          fail (&r, "name", "unknown toy data set");
          return NULL;
        }
      u = p->toy_samples;
      if (!read_uint (&r, "samples", 1, 10000000, &u))
        return NULL;
      p->toy_samples = u;
      if (!read_double (&r, "noise", 0, 100, &p->toy_noise))
        return NULL;
      u = p->toy_classes;
      if (!read_uint (&r, "classes", 0, 1000, &u))
        return NULL;
      p->toy_classes = u;
    }
  else if (p->data == MM_PROJECT_DATA_TEXT || p->data == MM_PROJECT_DATA_BRACKETS)
    {
      /* The shipped text has no path; a text of the user's has one. */
      if (p->data == MM_PROJECT_DATA_BRACKETS)
        {
          u = p->toy_samples;
          if (!read_uint (&r, "samples", 2, 1000000, &u))
            return NULL;
          p->toy_samples = u;
        }
      u = p->data == MM_PROJECT_DATA_BRACKETS ? 16 : 64;
      if (!read_uint (&r, "seq_len", p->data == MM_PROJECT_DATA_BRACKETS ? 2 : 1, 4096, &u))
        return NULL;
      if (p->data == MM_PROJECT_DATA_BRACKETS && u % 2 != 0)
        {
          fail (&r, "seq_len", "a bracket string has an even length");
          return NULL;
        }
      p->seq_len = u;
      if (p->data == MM_PROJECT_DATA_TEXT && (s = read_string (&r, "path", FALSE)) != NULL)
        p->data_path = g_strdup (s);
    }
  else if (p->data != MM_PROJECT_DATA_FASHION_MNIST)
    {
      s = read_string (&r, "path", TRUE);
      if (s == NULL)
        return NULL;
      p->data_path = g_strdup (s);
    }

  if (!sub (&root, "loss", &r, FALSE))
    return NULL;
  if (r.obj && (s = read_string (&r, "kind", FALSE)) != NULL)
    {
      k = lookup_name (s, loss_names, G_N_ELEMENTS (loss_names));
      if (k < 0)
        {
          fail (&r, "kind", "unknown loss");
          return NULL;
        }
      p->loss = k;
    }
  if (!read_double (&r, "label_smoothing", 0, 1, &p->label_smoothing))
    return NULL;

  if (!sub (&root, "optimizer", &r, FALSE))
    return NULL;
  if (r.obj)
    {
      MmOptimizerConfig *o = &p->optimizer;
      s = read_string (&r, "kind", FALSE);
      if (s != NULL)
        {
          if (!mm_optimizer_kind_from_name (s, &o->kind))
            {
              fail (&r, "kind", "unknown optimizer");
              return NULL;
            }
        }
      if (!read_double (&r, "lr", 0, 1e6, &o->lr) || !read_double (&r, "momentum", 0, 1, &o->momentum) ||
          !read_double (&r, "dampening", 0, 1, &o->dampening) || !read_bool (&r, "nesterov", &o->nesterov) ||
          !read_double (&r, "alpha", 0, 1, &o->alpha) || !read_double (&r, "eps", 0, 1, &o->eps) ||
          !read_bool (&r, "centered", &o->centered) || !read_double (&r, "beta1", 0, 1, &o->beta1) ||
          !read_double (&r, "beta2", 0, 1, &o->beta2) || !read_bool (&r, "amsgrad", &o->amsgrad) ||
          !read_double (&r, "weight_decay", 0, 1e6, &o->weight_decay) ||
          !read_bool (&r, "decoupled_weight_decay", &o->decoupled_weight_decay))
        return NULL;
      if (!mm_optimizer_config_check (o, &local))
        {
          g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "optimizer: %s", local->message);
          return NULL;
        }
    }

  if (!sub (&root, "regularization", &r, FALSE))
    return NULL;
  if (!read_double (&r, "l1", 0, 1e6, &p->l1) || !read_double (&r, "l2", 0, 1e6, &p->l2) ||
      !read_bool (&r, "penalize_biases", &p->penalize_biases))
    return NULL;

  if (!sub (&root, "training", &r, FALSE))
    return NULL;
  u = p->batch_size;
  if (!read_uint (&r, "batch_size", 1, 1000000, &u))
    return NULL;
  p->batch_size = u;
  u = p->epochs;
  if (!read_uint (&r, "epochs", 1, 1000000, &u))
    return NULL;
  p->epochs = u;
  u = p->seed;
  if (!read_uint (&r, "seed", 0, G_MAXUINT32, &u))
    return NULL;
  p->seed = u;
  if (r.obj && (s = read_string (&r, "init", FALSE)) != NULL && !mm_init_kind_from_name (s, &p->init))
    {
      fail (&r, "init", "unknown initialisation");
      return NULL;
    }
  if (error && *error)
    return NULL;

  if (!sub (&root, "history", &r, FALSE))
    return NULL;
  if (r.obj)
    {
      JsonNode *steps = json_object_get_member (r.obj, "steps");
      JsonNode *epochs = json_object_get_member (r.obj, "epochs");

      if (steps != NULL)
        {
          JsonArray *a;
          if (!JSON_NODE_HOLDS_ARRAY (steps))
            {
              fail (&r, "steps", "not a list");
              return NULL;
            }
          a = json_node_get_array (steps);
          if (json_array_get_length (a) > MAX_HISTORY)
            {
              fail (&r, "steps", "too many entries");
              return NULL;
            }
          for (guint i = 0; i < json_array_get_length (a); i++)
            {
              JsonNode *e = json_array_get_element (a, i);
              JsonArray *row;
              double v[8] = { 0, 0, 0, 0, 0, 0, NAN, NAN };
              guint n_cols;
              MmStepPoint pt;

              /* 6 numbers (older projects), or 8 with the penalty split
               * (L1, L2; null when not known). */
              if (!JSON_NODE_HOLDS_ARRAY (e) ||
                  ((n_cols = json_array_get_length (row = json_node_get_array (e))) != 6 && n_cols != 8))
                {
                  g_autofree char *msg = g_strdup_printf ("entry %u is not a list of 6 or 8 numbers", i);
                  fail (&r, "steps", msg);
                  return NULL;
                }
              for (guint j = 0; j < n_cols; j++)
                {
                  JsonNode *x = json_array_get_element (row, j);
                  if (j >= 6 && JSON_NODE_HOLDS_NULL (x))
                    continue;
                  if (!JSON_NODE_HOLDS_VALUE (x) || (json_node_get_value_type (x) != G_TYPE_DOUBLE &&
                                                     json_node_get_value_type (x) != G_TYPE_INT64))
                    {
                      g_autofree char *msg = g_strdup_printf ("entry %u is not a list of 6 or 8 numbers", i);
                      fail (&r, "steps", msg);
                      return NULL;
                    }
                  v[j] = json_node_get_double (x);
                }
              if (!(v[0] >= 0 && v[0] < 1e15 && v[1] >= 0 && v[1] < 1e9))
                {
                  g_autofree char *msg = g_strdup_printf ("entry %u has an impossible step or epoch", i);
                  fail (&r, "steps", msg);
                  return NULL;
                }
              /* The values are stored as float: a number beyond float's range
               * would become infinite here and could not be written back. */
              for (guint j = 2; j < 8; j++)
                if (!(fabs (v[j]) <= FLT_MAX) && !(j >= 6 && isnan (v[j])))
                  {
                    g_autofree char *msg = g_strdup_printf ("entry %u has a value too large for a float", i);
                    fail (&r, "steps", msg);
                    return NULL;
                  }
              pt = (MmStepPoint) { (guint64) v[0], (guint) v[1], (float) v[2], (float) v[3], (float) v[4], (float) v[5],
                                   (float) v[6], (float) v[7] };
              g_array_append_val (p->steps, pt);
            }
        }
      if (epochs != NULL)
        {
          JsonArray *a;
          if (!JSON_NODE_HOLDS_ARRAY (epochs) ||
              json_array_get_length (a = json_node_get_array (epochs)) > MAX_HISTORY)
            {
              fail (&r, "epochs", "not a list of epoch results");
              return NULL;
            }
          for (guint i = 0; i < json_array_get_length (a); i++)
            {
              JsonNode *e = json_array_get_element (a, i);
              MmProjectEpoch ep = { 0, 0, NAN, NAN, NAN, NAN };
              Reader er;
              guint64 n = 0;
              g_autofree char *where = g_strdup_printf ("history.epochs[%u]", i);

              er = (Reader) { JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL, where, error };
              if (er.obj == NULL)
                {
                  fail (&r, "epochs", "an entry is not an object");
                  return NULL;
                }
              guint64 st = 0;
              if (!read_uint (&er, "step", 0, G_MAXINT64, &st) ||
                  !read_uint (&er, "epoch", 0, 1000000000, &n) ||
                  !read_double (&er, "train_loss", -1e30, 1e30, &ep.train_loss) ||
                  !read_double (&er, "train_accuracy", 0, 1, &ep.train_accuracy) ||
                  !read_double (&er, "test_loss", -1e30, 1e30, &ep.test_loss) ||
                  !read_double (&er, "test_accuracy", 0, 1, &ep.test_accuracy))
                return NULL;
              ep.epoch = (guint) n;
              ep.step = st;
              g_array_append_val (p->epoch_results, ep);
            }
        }
    }

  {
    JsonNode *run = json_object_get_member (root.obj, "run");
    if (run != NULL && !JSON_NODE_HOLDS_NULL (run) && (p->run = mm_run_record_from_json (run, error)) == NULL)
      return NULL;
  }

  s = read_string (&root, "weights", FALSE);
  if (error && *error)
    return NULL;
  if (s != NULL && (strchr (s, '/') != NULL || g_str_equal (s, "..") || s[0] == '\0'))
    {
      /* The weights live beside the project: a path elsewhere is refused. */
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "weights: “%s” is not a file name beside the project", s);
      return NULL;
    }
  if (weights_file)
    *weights_file = g_strdup (s);
  return g_steal_pointer (&p);
}

MmProject *
mm_project_load (const char  *path,
                 GError     **error)
{
  g_autofree char *text = NULL;
  g_autofree char *weights_file = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(MmProject) p = NULL;
  gsize len = 0;
  GStatBuf st;

  g_return_val_if_fail (path != NULL, NULL);
  if (g_stat (path, &st) == 0 && (gsize) st.st_size > MAX_FILE_SIZE)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "%s is too large to be a project file", path);
      return NULL;
    }
  if (!g_file_get_contents (path, &text, &len, &local))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_IO, "Could not open the project: %s", local->message);
      return NULL;
    }
  p = mm_project_from_json (text, (gssize) len, &weights_file, &local);
  if (p == NULL)
    {
      g_set_error (error, MM_ERROR, local->code, "%s: %s", path, local->message);
      return NULL;
    }
  if (weights_file != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (path);
      g_autofree char *wpath = g_build_filename (dir, weights_file, NULL);
      g_autoptr(MmModule) net = mm_module_parse (p->network, NULL);
      g_autoptr(GArray) specs = mm_module_get_params (net);

      p->weights = mm_params_load_safetensors (wpath, NULL, &local);
      if (p->weights == NULL)
        {
          g_set_error (error, MM_ERROR, local->code, "The project's weights: %s", local->message);
          return NULL;
        }
      if (!mm_params_check (p->weights, specs, &local))
        {
          g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "The weights do not fit the project's network: %s",
                       local->message);
          return NULL;
        }
    }
  return g_steal_pointer (&p);
}

gboolean
mm_project_load_data (const MmProject *p,
                      MmDataset      **train,
                      MmDataset      **test,
                      GError         **error)
{
  g_autoptr(MmDataset) all = NULL;

  *train = *test = NULL;
  switch (p->data)
    {
    case MM_PROJECT_DATA_FASHION_MNIST:
      return mm_dataset_load_fashion_mnist (NULL, train, test, error);
    case MM_PROJECT_DATA_IDX_DIR:
      return mm_dataset_load_fashion_mnist (p->data_path, train, test, error);
    case MM_PROJECT_DATA_TOY:
      all = mm_dataset_new_toy (p->toy, p->toy_samples, p->toy_noise, p->toy_classes, p->seed, error);
      break;
    case MM_PROJECT_DATA_TEXT:
      {
        g_autofree char *path = p->data_path ? g_strdup (p->data_path) : mm_text_find (MM_TEXT_DEFAULT);
        if (path == NULL)
          {
            g_set_error (error, MM_ERROR, MM_ERROR_IO, "The shipped text %s.txt is not installed", MM_TEXT_DEFAULT);
            return FALSE;
          }
        all = mm_text_dataset_load (path, p->seq_len, error);
      }
      break;
    case MM_PROJECT_DATA_BRACKETS:
      all = mm_brackets_dataset_new (p->toy_samples, p->seq_len, p->seed, error);
      break;
    case MM_PROJECT_DATA_CSV:
    default:
      all = mm_dataset_load_csv (p->data_path, -1, error);
      break;
    }
  if (all == NULL)
    return FALSE;
  return mm_dataset_split (all, 0.2, p->seed, train, test, error);
}

gboolean
mm_project_make_trainer_config (const MmProject *p,
                                guint            n_classes,
                                MmTrainerConfig *config,
                                GError         **error)
{
  g_autoptr(MmModule) model = mm_module_parse (p->network, error);
  g_autoptr(MmLoss) inner = NULL;

  if (model == NULL)
    return FALSE;
  inner = p->loss == MM_PROJECT_LOSS_MSE ? mm_loss_mse_new () : mm_loss_cross_entropy_new (p->label_smoothing, error);
  if (inner == NULL)
    return FALSE;
  mm_trainer_config_init (config);
  config->loss = mm_loss_one_hot_new (inner, n_classes, error);
  if (config->loss == NULL)
    return FALSE;
  config->model = g_steal_pointer (&model);
  config->optimizer = p->optimizer;
  config->l1 = p->l1;
  config->l2 = p->l2;
  config->penalize_biases = p->penalize_biases;
  config->batch_size = p->batch_size;
  config->epochs = p->epochs;
  config->seed = p->seed;
  config->init = p->init;
  config->initial_params = p->weights ? mm_params_ref (p->weights) : NULL;
  return TRUE;
}
