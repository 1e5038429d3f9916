/* test-cli.c — myml-train as a user runs it: --help, one-line refusals of bad
 * options (exit status 2), JSON per epoch, the CSV log, --save then --load,
 * and the messages for missing data and divergence (exit status 1).
 *
 * The binary comes from the environment variable MYML_TRAIN (set by
 * tests/meson.build), or from the build tree when the test runs by itself. */
#include <myml.h>
#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <sys/wait.h>
#include <zlib.h>
#include <math.h>
#include <string.h>

typedef struct {
  int status;         /* exit status, or -1 when killed */
  char *out;
  char *err;
} Run;

static void
run_clear (Run *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* MYML_TRAIN, or the build tree's binary beside this test's directory. */
static const char *
binary (void)
{
  static char *path = NULL;

  if (path == NULL)
    path = g_getenv ("MYML_TRAIN") ? g_strdup (g_getenv ("MYML_TRAIN"))
                                   : g_test_build_filename (G_TEST_BUILT, "..", "src", "cli", "myml-train", NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("%s is not the myml-train binary: set MYML_TRAIN (meson test does)", path);
  return path;
}

/* Runs myml-train with the arguments (NULL-terminated). */
static Run
run_argv (const char * const *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = g_get_environ ();
  Run r = { 0 };
  int wait_status;

  g_ptr_array_add (argv, (gpointer) binary ());
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  envp = g_environ_setenv (envp, "OPENBLAS_NUM_THREADS", "1", TRUE);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                               &r.out, &r.err, &wait_status, &error));
  g_assert_no_error (error);
  r.status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  return r;
}

#define RUN(...) run_argv ((const char * const[]) { __VA_ARGS__, NULL })

/* Exactly one line on standard error, ending in a newline. */
static void
assert_one_line (const Run  *r,
                 const char *want)
{
  const char *nl = strchr (r->err, '\n');

  if (nl == NULL || nl[1] != '\0')
    g_error ("standard error is not one line: '%s'", r->err);
  g_assert_true (g_str_has_prefix (r->err, "myml-train: "));
  if (strstr (r->err, want) == NULL)
    g_error ("standard error '%s' lacks '%s'", r->err, want);
}

/* A short toy run: 300 spiral points, 240 for training (8 batches of 32). */
#define TOY "--data", "spiral", "--samples", "300", "--noise", "0.05", "--batch-size", "32", "--quiet"

/* ---- --help ---------------------------------------------------------------- */

static void
test_help (void)
{
  g_auto(Run) r = RUN ("--help");
  static const char *options[] = {
    "--model", "--init", "--load", "--save", "--data", "--data-dir", "--samples", "--noise",
    "--classes", "--test-fraction", "--loss", "--label-smoothing", "--optimizer", "--lr",
    "--momentum", "--nesterov", "--beta1", "--beta2", "--weight-decay", "--l1", "--l2",
    "--schedule", "--epochs", "--batch-size", "--seed", "--threads", "--log", "--json", "--quiet",
  };

  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_true (g_str_has_prefix (r.out, "Usage:\n  myml-train"));
  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    {
      g_autofree char *with_space = g_strconcat (options[i], " ", NULL);
      g_autofree char *with_eq = g_strconcat (options[i], "=", NULL);
      if (!strstr (r.out, with_space) && !strstr (r.out, with_eq))
        g_error ("--help does not list %s:\n%s", options[i], r.out);
    }
}

/* ---- Refusals ------------------------------------------------------------------ */

static void
test_bad_options (void)
{
  static const struct { const char *args[8]; const char *want; } cases[] = {
    { { "--optimizer", "adagrad" }, "unknown optimizer 'adagrad'" },
    { { "--epochs", "0" }, "--epochs must be at least 1" },
    { { "--epochs", "-3" }, "--epochs must be at least 1" },
    { { "--batch-size", "-1" }, "--batch-size must be at least 1" },
    { { "--batch-size", "0" }, "--batch-size must be at least 1" },
    { { "--data", "imagenet" }, "unknown data set 'imagenet'" },
    { { "--data", "spiral", "--model", "Linear(2, 3" }, "--model: Layer 0: 'Linear(2, 3' has an unclosed parenthesis" },
    { { "--data", "spiral", "--model", "Linear(2, 16); Conv3d(3); Linear(16, 3)" }, "--model: Layer 1: Unknown layer 'Conv3d'" },
    { { "--data", "spiral", "--model", "Linear(2)" }, "--model: Layer 0: Linear needs two whole numbers" },
    { { "--data", "spiral", "--model", "" }, "--model: The network description has no layers" },
    { { "--lr", "fast" }, "--lr" },
    { { "--lr", "-0.1" }, "learning rate" },
    { { "--no-such-option" }, "Unknown option --no-such-option" },
    { { "--data", "spiral", "extra" }, "unexpected argument 'extra'" },
    { { "--init", "glorot" }, "unknown --init 'glorot'" },
    { { "--data", "spiral", "--loss", "hinge" }, "unknown loss 'hinge'" },
    { { "--data", "spiral", "--label-smoothing", "1.5" }, "Label smoothing must be between 0 and 1" },
    { { "--schedule", "linear" }, "--schedule must be step:SIZE:GAMMA or cosine[:T_MAX]" },
    { { "--seed", "-1" }, "--seed must be between 0 and" },
    { { "--data", "spiral", "--samples", "0" }, "--samples must be at least 1" },
    { { "--data", "spiral", "--test-fraction", "1.5" }, "--test-fraction must be in [0, 1)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) r = run_argv (cases[i].args);
      g_autofree char *cmd = g_strjoinv (" ", (char **) cases[i].args);

      if (r.status != 2)
        g_error ("myml-train %s: exit status %d, not 2 (stderr '%s')", cmd, r.status, r.err);
      assert_one_line (&r, cases[i].want);
      g_assert_cmpstr (r.out, ==, "");
    }
}

/* ---- --json ----------------------------------------------------------------------- */

static JsonObject *
parse_object (const char *line)
{
  g_autoptr(JsonParser) p = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_data (p, line, -1, &error))
    g_error ("not JSON: '%s': %s", line, error->message);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)));
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

static double
number (JsonObject *o,
        const char *key)
{
  JsonNode *n = json_object_get_member (o, key);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) ||
      (json_node_get_value_type (n) != G_TYPE_DOUBLE && json_node_get_value_type (n) != G_TYPE_INT64))
    g_error ("key %s is missing or not a number", key);
  return json_node_get_double (n);
}

/* The lines of @out, which must end in a newline. */
static char **
lines_of (const char *out)
{
  g_assert_true (out[0] == '\0' || g_str_has_suffix (out, "\n"));
  {
    g_autofree char *trimmed = g_strndup (out, strlen (out) - (out[0] ? 1 : 0));
    return out[0] ? g_strsplit (trimmed, "\n", -1) : g_new0 (char *, 1);
  }
}

/* ---- Sequences -------------------------------------------------------------- */

/* A text with one rule ("abc" over and over): a small LSTM learns it and,
 * at temperature 0, writes it on from the prompt; V in --model is the
 * number of different characters (3). */
static void
test_text (void)
{
  g_autofree char *dir = g_dir_make_tmp ("myml-cli-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "abc.txt", NULL);
  g_autofree char *data = g_strconcat ("text:", path, NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  guint n;

  for (guint i = 0; i < 200; i++)
    g_string_append (text, "abc");
  g_assert_true (g_file_set_contents (path, text->str, -1, NULL));
  {
    g_auto(Run) r = RUN ("--data", data, "--seq-len", "8", "--model", "Embedding(V, 4); LSTM(4, 8); Linear(8, V)",
                         "--optimizer", "adam", "--lr", "0.05", "--epochs", "12", "--batch-size", "8",
                         "--sample", "12", "--prompt", "ab", "--temperature", "0", "--json", "--quiet");
    g_autoptr(JsonObject) last = NULL;

    g_assert_cmpstr (r.err, ==, "");
    g_assert_cmpint (r.status, ==, 0);
    lines = lines_of (r.out);
    n = g_strv_length (lines);
    g_assert_cmpuint (n, ==, 13);
    {
      g_autoptr(JsonObject) o = parse_object (lines[n - 2]);
      /* Every next character is certain, so accuracy over the steps reaches 1. */
      g_assert_cmpfloat (number (o, "test_accuracy"), >, 0.95);
    }
    last = parse_object (lines[n - 1]);
    g_assert_cmpstr (json_object_get_string_member (last, "prompt"), ==, "ab");
    g_assert_cmpstr (json_object_get_string_member (last, "sample"), ==, "cabcabcabcab");
  }
  {
    g_auto(Run) r = RUN ("--data", data, "--seq-len", "8", "--epochs", "1", "--quiet");
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.out, "model: Embedding(3, 32); LSTM(32, 64, 2); Linear(64, 3)"));
  }
  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_text_refusals (void)
{
  static const struct { const char *args[12]; const char *want; int status; } cases[] = {
    { { "--data", "text:/no/such/file.txt" }, "/no/such/file.txt", 1 },
    { { "--data", "text", "--seq-len", "-2" }, "--seq-len must be at least 1", 2 },
    { { "--data", "text", "--seq-len", "100000000" }, "The sequence length must be between 1 and 1048576, not 100000000", 1 },
    { { "--data", "text", "--seq-len", "1000000" }, "characters is too short for sequences of 1000000", 1 },
    { { "--data", "text", "--model", "Embedding(V, 8); LSTM(8, 8); Linear(8, 5)" },
      "it must give (batch, 64, ", 1 },
    { { "--data", "text", "--model", "Embedding(V, 8); LSTM(9, 8); Linear(8, V)" },
      "Layer 1 (LSTM(9, 8)): needs a sequence of shape (batch, time, 9), but receives shape (64, 64, 8)", 1 },
    { { "--data", "text", "--epochs", "1", "--batch-size", "256", "--sample", "5", "--prompt", "@", "--quiet" },
      "--sample: The prompt's character '@' is not in the text's 54 characters", 1 },
    { { "--data", "spiral", "--epochs", "1", "--sample", "5", "--quiet" },
      "--sample: only a model of a text (--data text) can write text", 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) r = run_argv (cases[i].args);
      g_assert_cmpint (r.status, ==, cases[i].status);
      assert_one_line (&r, cases[i].want);
    }
}

/* Bracket matching: an LSTM reads the string and its last step decides. */
static void
test_brackets (void)
{
  g_auto(Run) r = RUN ("--data", "brackets", "--samples", "200", "--seq-len", "6", "--epochs", "2",
                       "--optimizer", "adam", "--lr", "0.01", "--batch-size", "20", "--quiet");

  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_nonnull (strstr (r.out, "model: Embedding(2, 8); LSTM(8, 32); Last; Linear(32, 2)"));
  g_assert_nonnull (strstr (r.out, "data: brackets (train), 160 training samples"));
  g_assert_nonnull (strstr (r.out, "epoch 2/2: "));
}

static void
test_json (void)
{
  g_auto(Run) r = RUN (TOY, "--epochs", "3", "--optimizer", "adam", "--lr", "0.01", "--json");
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");
  lines = lines_of (r.out);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr(JsonObject) o = parse_object (lines[i]);
      g_assert_cmpfloat (number (o, "epoch"), ==, i + 1);
      g_assert_true (isfinite (number (o, "train_loss")) && number (o, "train_loss") > 0);
      g_assert_true (isfinite (number (o, "test_loss")) && number (o, "test_loss") > 0);
      g_assert_cmpfloat (number (o, "test_accuracy"), >=, 0);
      g_assert_cmpfloat (number (o, "test_accuracy"), <=, 1);
      g_assert_cmpfloat (number (o, "epoch_seconds"), >=, 0);
      g_assert_cmpfloat (number (o, "lr"), ==, 0.01);
    }
}

/* Epochs far quicker than the CLI polls: every one is printed, in order. */
static void
test_json_quick_epochs (void)
{
  g_auto(Run) r = RUN ("--data", "xor", "--samples", "50", "--test-fraction", "0.2", "--batch-size", "40",
                       "--epochs", "600", "--quiet", "--json");
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint (r.status, ==, 0);
  lines = lines_of (r.out);
  g_assert_cmpuint (g_strv_length (lines), ==, 600);
  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr(JsonObject) o = parse_object (lines[i]);
      g_assert_cmpfloat (number (o, "epoch"), ==, i + 1);
    }
}

/* Without --json: a summary, then one line per epoch. */
static void
test_plain (void)
{
  g_auto(Run) r = RUN (TOY, "--epochs", "2");

  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "model: Linear(2, 16); Tanh; Linear(16, 16); Tanh; Linear(16, 3)"));
  g_assert_nonnull (strstr (r.out, "240 training samples"));
  g_assert_nonnull (strstr (r.out, "epoch 1/2: train loss "));
  g_assert_nonnull (strstr (r.out, "epoch 2/2: train loss "));
  g_assert_null (strstr (r.out, "epoch 3/"));
}

/* ---- --log ---------------------------------------------------------------------------- */

static void
test_log (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("myml-cli-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "steps.csv", NULL);
  g_autofree char *csv = NULL;
  g_auto(GStrv) lines = NULL;
  const guint n_batches = 8, epochs = 3;   /* 240 / 32 → 8 batches */

  g_assert_no_error (error);
  {
    g_auto(Run) r = RUN (TOY, "--epochs", "3", "--l2", "0.001", "--log", path);
    g_assert_cmpint (r.status, ==, 0);
  }
  g_assert_true (g_file_get_contents (path, &csv, NULL, &error));
  lines = lines_of (csv);
  g_assert_cmpstr (lines[0], ==, "step,epoch,loss,data_loss,penalty,lr");
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + n_batches * epochs);
  for (guint i = 1; lines[i]; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ",", -1);
      double loss, data, penalty;

      g_assert_cmpuint (g_strv_length (f), ==, 6);
      g_assert_cmpuint (g_ascii_strtoull (f[0], NULL, 10), ==, i);
      g_assert_cmpuint (g_ascii_strtoull (f[1], NULL, 10), ==, (i - 1) / n_batches + 1);
      loss = g_ascii_strtod (f[2], NULL);
      data = g_ascii_strtod (f[3], NULL);
      penalty = g_ascii_strtod (f[4], NULL);
      g_assert_cmpfloat (penalty, >, 0);
      g_assert_cmpfloat (fabs (loss - data - penalty), <=, 1e-5 * loss);
      g_assert_cmpfloat ((float) g_ascii_strtod (f[5], NULL), ==, 0.1f);   /* SGD's default, kept as a float */
    }
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* ---- --save, --load -------------------------------------------------------------------- */

static char *
last_json_value (const char *out,
                 const char *key)
{
  g_auto(GStrv) lines = lines_of (out);
  guint n = g_strv_length (lines);
  g_autoptr(JsonObject) o = NULL;
  g_autofree char *want = g_strdup_printf ("\"%s\": ", key);
  const char *at;

  g_assert_cmpuint (n, >, 0);
  o = parse_object (lines[n - 1]);
  g_assert_true (isfinite (number (o, key)));
  /* The text as printed, to compare exactly. */
  at = strstr (lines[n - 1], want);
  g_assert_nonnull (at);
  at += strlen (want);
  return g_strndup (at, strcspn (at, ",}"));
}

static void
test_save_load (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("myml-cli-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "w.safetensors", NULL);
  g_autofree char *saved_loss = NULL, *loaded_loss = NULL, *fresh_loss = NULL;
  g_autoptr(GHashTable) meta = NULL;
  g_autoptr(MmParams) params = NULL;

  g_assert_no_error (error);
  {
    g_auto(Run) r = RUN (TOY, "--epochs", "4", "--optimizer", "adam", "--lr", "0.01", "--seed", "5",
                         "--json", "--save", path);
    g_assert_cmpint (r.status, ==, 0);
    saved_loss = last_json_value (r.out, "test_loss");
  }
  params = mm_params_load_safetensors (path, &meta, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (meta, "myml.model"), ==,
                   "Linear(2, 16); Tanh; Linear(16, 16); Tanh; Linear(16, 3)");
  g_assert_cmpuint (mm_params_get_n (params), ==, 6);

  /* One epoch at learning rate 0 changes nothing: the same test loss. */
  {
    g_auto(Run) r = RUN (TOY, "--epochs", "1", "--lr", "0", "--seed", "5", "--json", "--load", path);
    g_assert_cmpint (r.status, ==, 0);
    loaded_loss = last_json_value (r.out, "test_loss");
  }
  g_assert_cmpstr (loaded_loss, ==, saved_loss);
  /* Without --load the same command starts from fresh weights. */
  {
    g_auto(Run) r = RUN (TOY, "--epochs", "1", "--lr", "0", "--seed", "5", "--json");
    g_assert_cmpint (r.status, ==, 0);
    fresh_loss = last_json_value (r.out, "test_loss");
  }
  g_assert_cmpstr (fresh_loss, !=, saved_loss);

  /* Weights of another network. */
  {
    g_auto(Run) r = RUN (TOY, "--epochs", "1", "--model", "Linear(2, 8); Tanh; Linear(8, 3)", "--load", path);
    g_assert_cmpint (r.status, ==, 1);
    assert_one_line (&r, "0.weight should have shape (2, 8), but has shape (2, 16)");
  }
  /* A file that is not there. */
  {
    g_autofree char *missing = g_build_filename (dir, "missing.safetensors", NULL);
    g_auto(Run) r = RUN (TOY, "--epochs", "1", "--load", missing);
    g_assert_cmpint (r.status, ==, 1);
    assert_one_line (&r, "Could not open the weights file");
  }
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* ---- Failures at run time (exit status 1) ------------------------------------------------ */

static void
test_missing_fashion_mnist (void)
{
  g_auto(Run) r = RUN ("--data-dir", "/nonexistent", "--epochs", "1");

  g_assert_cmpint (r.status, ==, 1);
  assert_one_line (&r, "dataset-fashion-mnist");
  g_assert_nonnull (strstr (r.err, "/nonexistent"));
}

static void
test_model_mismatch (void)
{
  g_auto(Run) r = RUN (TOY, "--epochs", "1", "--model", "Linear(2, 8); Tanh; Linear(8, 4)");

  g_assert_cmpint (r.status, ==, 1);
  assert_one_line (&r, "The last layer gives 4 outputs per sample, but the data has 3 classes");
}

static void
test_diverge (void)
{
  g_auto(Run) r = RUN (TOY, "--epochs", "50", "--model", "Linear(2, 16); ReLU; Linear(16, 3)", "--lr", "1e30");

  g_assert_cmpint (r.status, ==, 1);
  assert_one_line (&r, "Training diverged at step ");
}

/* ---- A CNN on images --------------------------------------------------------------------- */

/* An IDX file as Fashion-MNIST ships it (gzip, big-endian lengths). */
static void
write_idx (const char   *path,
           guint         ndim,
           const guint  *dims,
           const guint8 *data,
           gsize         size)
{
  gzFile f = gzopen (path, "wb");
  guint8 head[4] = { 0, 0, 0x08, (guint8) ndim };

  g_assert_nonnull (f);
  g_assert_cmpint (gzwrite (f, head, 4), ==, 4);
  for (guint i = 0; i < ndim; i++)
    {
      guint32 be = GUINT32_TO_BE (dims[i]);
      g_assert_cmpint (gzwrite (f, &be, 4), ==, 4);
    }
  g_assert_cmpint (gzwrite (f, data, (unsigned) size), ==, (int) size);
  g_assert_cmpint (gzclose (f), ==, Z_OK);
}

/* @n images of 28×28 in files named like Fashion-MNIST's: class c is a bright
 * 8×8 square at a place of its own, on faint noise. */
static void
write_image_set (const char *dir,
                 const char *prefix,
                 guint       n,
                 guint32     seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree guint8 *images = g_new0 (guint8, n * 784);
  g_autofree guint8 *labels = g_new0 (guint8, n);
  g_autofree char *ipath = g_strdup_printf ("%s/%s-images-idx3-ubyte.gz", dir, prefix);
  g_autofree char *lpath = g_strdup_printf ("%s/%s-labels-idx1-ubyte.gz", dir, prefix);

  for (guint k = 0; k < n; k++)
    {
      guint c = k % 10, top = 2 + 6 * (c / 4), left = 2 + 6 * (c % 4);
      guint8 *img = images + k * 784;

      labels[k] = (guint8) c;
      for (guint i = 0; i < 784; i++)
        img[i] = (guint8) g_rand_int_range (rand, 0, 40);
      for (guint y = top; y < top + 8; y++)
        for (guint x = left; x < left + 8; x++)
          img[y * 28 + x] = (guint8) g_rand_int_range (rand, 180, 256);
    }
  write_idx (ipath, 3, (guint[]) { n, 28, 28 }, images, n * 784);
  write_idx (lpath, 1, (guint[]) { n }, labels, n);
}

/* The layers for images come through --model; a network with BatchNorm saves
 * its running statistics with the weights. */
static void
test_cnn (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("myml-cli-cnn-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "cnn.safetensors", NULL);
  const char *lenet = "Reshape(1, 28, 28); Conv2d(1, 6, 5); ReLU; MaxPool2d(2); Conv2d(6, 16, 5); ReLU; "
                      "MaxPool2d(2); Flatten; Linear(256, 120); ReLU; Linear(120, 84); ReLU; Linear(84, 10)";
  const char *bn = "Reshape(1, 28, 28); Conv2d(1, 4, 5, 2); BatchNorm2d(4); ReLU; MaxPool2d(2); Dropout(0.2); "
                   "Flatten; Linear(144, 10)";

  g_assert_no_error (error);
  write_image_set (dir, "train", 300, 1);
  write_image_set (dir, "t10k", 100, 2);
  {
    g_auto(Run) r = RUN ("--data", dir, "--model", lenet, "--optimizer", "adam", "--lr", "3e-3",
                         "--batch-size", "10", "--epochs", "4", "--init", "he", "--json", "-q");
    g_auto(GStrv) lines = NULL;
    g_autoptr(JsonObject) o = NULL;

    if (r.status != 0)
      g_error ("myml-train failed: %s", r.err);
    lines = lines_of (r.out);
    g_assert_cmpuint (g_strv_length (lines), ==, 4);
    o = parse_object (lines[3]);
    g_test_message ("LeNet on squares: test accuracy %g", number (o, "test_accuracy"));
    g_assert_cmpfloat (number (o, "test_accuracy"), >=, 0.9);
  }
  {
    g_auto(Run) r = RUN ("--data", dir, "--model", bn, "--optimizer", "adam", "--lr", "3e-3",
                         "--batch-size", "10", "--epochs", "2", "--save", path, "--json", "-q");
    g_autoptr(MmParams) saved = NULL;
    MmTensor *var;

    if (r.status != 0)
      g_error ("myml-train failed: %s", r.err);
    saved = mm_params_load_safetensors (path, NULL, &error);
    g_assert_no_error (error);
    var = mm_params_lookup (saved, "2.running_var");
    g_assert_nonnull (var);
    g_assert_nonnull (mm_params_lookup (saved, "2.running_mean"));
    g_assert_cmpfloat (var->data[0], !=, 1.0f);
  }
  /* …and loading them back evaluates in eval mode with those statistics. */
  {
    g_auto(Run) r = RUN ("--data", dir, "--model", bn, "--load", path, "--lr", "0", "--epochs", "1", "--json", "-q");
    if (r.status != 0)
      g_error ("myml-train failed: %s", r.err);
  }
  /* A bad layer names itself. */
  {
    g_auto(Run) r = RUN ("--data", dir, "--model", "Reshape(1, 28, 28); Conv2d(1, 6, 29)", "--epochs", "1");
    g_assert_cmpint (r.status, ==, 1);
    assert_one_line (&r, "Layer 1 (Conv2d(1, 6, 29)): Conv2d: the kernel's height 29 is larger than the input's 28");
  }
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *f = g_build_filename (dir, name, NULL);
        g_assert_cmpint (g_unlink (f), ==, 0);
      }
  }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/bad-options", test_bad_options);
  g_test_add_func ("/cli/json", test_json);
  g_test_add_func ("/cli/json-quick-epochs", test_json_quick_epochs);
  g_test_add_func ("/cli/plain", test_plain);
  g_test_add_func ("/cli/log", test_log);
  g_test_add_func ("/cli/save-load", test_save_load);
  g_test_add_func ("/cli/missing-fashion-mnist", test_missing_fashion_mnist);
  g_test_add_func ("/cli/model-mismatch", test_model_mismatch);
  g_test_add_func ("/cli/cnn", test_cnn);
  g_test_add_func ("/cli/diverge", test_diverge);
  g_test_add_func ("/cli/text", test_text);
  g_test_add_func ("/cli/text-refusals", test_text_refusals);
  g_test_add_func ("/cli/brackets", test_brackets);
  return g_test_run ();
}
