/* myml-train — the engine headless: train a network from the command line.
 *
 * The same MmTrainer as the app runs the epochs on its worker thread; this
 * program only reads its records and draws a progress bar (or plain lines
 * when the output is not a terminal, or JSON with --json).
 */
#include <myml.h>
#include <json-glib/json-glib.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEED_MLP "Flatten; Linear(784, 100); ReLU; Linear(100, 100); ReLU; Linear(100, 10)"

static volatile sig_atomic_t interrupted = 0;

static void
on_sigint (int sig)
{
  interrupted = 1;
}

typedef struct {
  char *model;
  char *data;
  char *data_dir;
  gint64 samples;
  double noise;
  gint classes;
  double test_fraction;
  char *loss;
  double label_smoothing;
  char *optimizer;
  double lr, momentum, dampening, alpha, eps, beta1, beta2, weight_decay;
  gboolean nesterov, centered, amsgrad;
  double l1, l2;
  gboolean penalize_biases;
  gint epochs;
  gint64 batch_size;
  gint64 seed;
  gint threads;
  char *init;
  char *schedule;
  char *save;
  char *load;
  char *import_pytorch;
  char *export_pytorch;
  char *log;
  gboolean json;
  gboolean quiet;
  char *project;
  gint64 seq_len;
  gint64 sample;
  char *prompt;
  double temperature;
} Options;

/* Settings left at NAN take the optimizer's default. */
static Options opts = {
  .samples = 1000, .noise = 0.1, .classes = 0, .test_fraction = 0.2,
  .label_smoothing = 0.0,
  .lr = NAN, .momentum = NAN, .dampening = NAN, .alpha = NAN, .eps = NAN,
  .beta1 = NAN, .beta2 = NAN, .weight_decay = NAN,
  .epochs = -1 /* unset: 10, or the project's */, .batch_size = 64, .seed = 42, .threads = 0,
  .seq_len = 0 /* unset: 64 for text, 16 for brackets */, .temperature = 0.8,
};

static const GOptionEntry model_entries[] = {
  { "model", 'm', 0, G_OPTION_ARG_STRING, &opts.model,
    "The network, e.g. \"Flatten; Linear(784, 100); ReLU; Linear(100, 10)\" (default: the seed's MLP "
    "for images, a small Tanh MLP for 2-D sets)", "TEXT" },
  { "project", 'p', 0, G_OPTION_ARG_FILENAME, &opts.project,
    "Train the network of a MyML Studio project (.myml) with its data, settings and weights; "
    "--epochs, --threads, --save and the output options still apply", "FILE" },
  { "init", 0, 0, G_OPTION_ARG_STRING, &opts.init, "Weight initialisation: xavier (default), he, he-uniform", "KIND" },
  { "load", 0, 0, G_OPTION_ARG_FILENAME, &opts.load, "Start from the weights in this .safetensors file", "FILE" },
  { "save", 0, 0, G_OPTION_ARG_FILENAME, &opts.save, "Save the trained weights to this .safetensors file", "FILE" },
  { "import-pytorch", 0, 0, G_OPTION_ARG_FILENAME, &opts.import_pytorch,
    "Start from a PyTorch state_dict in this .safetensors file (nn.Sequential with the same layers; "
    "Linear weights as PyTorch's (out, in))", "FILE" },
  { "export-pytorch", 0, 0, G_OPTION_ARG_FILENAME, &opts.export_pytorch,
    "Write a PyTorch script (FILE.py) that trains the same network the same way, with the starting weights "
    "(FILE.safetensors) and toy or CSV data (FILE-*.npy) beside it, and exit", "FILE" },
  { NULL }
};

static const GOptionEntry data_entries[] = {
  { "data", 'd', 0, G_OPTION_ARG_STRING, &opts.data,
    "fashion-mnist (default), a directory of MNIST-format IDX files, a .csv file (label in the last column), "
    "a toy set: spiral, circles, xor, gaussians, moons; or sequences: text (the shipped text, next-character "
    "prediction), text:FILE (a UTF-8 text of yours), brackets (are the brackets balanced?)", "SET" },
  { "seq-len", 0, 0, G_OPTION_ARG_INT64, &opts.seq_len,
    "Sequences: characters per sample (text, default 64) or brackets per string (brackets, default 16)", "N" },
  { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &opts.data_dir,
    "Where the Fashion-MNIST files are (default /usr/share/datasets/fashion-mnist)", "DIR" },
  { "samples", 0, 0, G_OPTION_ARG_INT64, &opts.samples, "Toy sets: number of points (default 1000)", "N" },
  { "noise", 0, 0, G_OPTION_ARG_DOUBLE, &opts.noise, "Toy sets: noise (default 0.1)", "X" },
  { "classes", 0, 0, G_OPTION_ARG_INT, &opts.classes, "Toy sets: number of classes (spiral, gaussians)", "K" },
  { "test-fraction", 0, 0, G_OPTION_ARG_DOUBLE, &opts.test_fraction,
    "Toy and CSV sets: share held out for testing (default 0.2)", "X" },
  { NULL }
};

static const GOptionEntry train_entries[] = {
  { "loss", 0, 0, G_OPTION_ARG_STRING, &opts.loss, "ce (cross-entropy, default) or mse", "KIND" },
  { "label-smoothing", 0, 0, G_OPTION_ARG_DOUBLE, &opts.label_smoothing, "Cross-entropy label smoothing (0–1)", "X" },
  { "optimizer", 'o', 0, G_OPTION_ARG_STRING, &opts.optimizer, "sgd (default), rmsprop, adam, adamw", "KIND" },
  { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &opts.lr, "Learning rate (default: sgd 0.1, rmsprop 0.01, adam 0.001)", "X" },
  { "momentum", 0, 0, G_OPTION_ARG_DOUBLE, &opts.momentum, "SGD/RMSProp momentum", "X" },
  { "dampening", 0, 0, G_OPTION_ARG_DOUBLE, &opts.dampening, "SGD dampening", "X" },
  { "nesterov", 0, 0, G_OPTION_ARG_NONE, &opts.nesterov, "SGD: Nesterov momentum", NULL },
  { "alpha", 0, 0, G_OPTION_ARG_DOUBLE, &opts.alpha, "RMSProp smoothing constant (default 0.99)", "X" },
  { "eps", 0, 0, G_OPTION_ARG_DOUBLE, &opts.eps, "RMSProp/Adam epsilon (default 1e-8)", "X" },
  { "centered", 0, 0, G_OPTION_ARG_NONE, &opts.centered, "RMSProp: centered", NULL },
  { "beta1", 0, 0, G_OPTION_ARG_DOUBLE, &opts.beta1, "Adam β₁ (default 0.9)", "X" },
  { "beta2", 0, 0, G_OPTION_ARG_DOUBLE, &opts.beta2, "Adam β₂ (default 0.999)", "X" },
  { "amsgrad", 0, 0, G_OPTION_ARG_NONE, &opts.amsgrad, "Adam: AMSGrad", NULL },
  { "weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &opts.weight_decay,
    "Weight decay (decoupled for adamw, added to the gradient otherwise)", "X" },
  { "l1", 0, 0, G_OPTION_ARG_DOUBLE, &opts.l1, "L1 penalty λ₁ Σ|w| on the weights", "X" },
  { "l2", 0, 0, G_OPTION_ARG_DOUBLE, &opts.l2, "L2 penalty λ₂ Σw² on the weights", "X" },
  { "penalize-biases", 0, 0, G_OPTION_ARG_NONE, &opts.penalize_biases, "Apply L1/L2 to the biases too", NULL },
  { "schedule", 0, 0, G_OPTION_ARG_STRING, &opts.schedule,
    "Learning-rate schedule per epoch: step:SIZE:GAMMA or cosine[:T_MAX]", "SPEC" },
  { "epochs", 'e', 0, G_OPTION_ARG_INT, &opts.epochs, "Epochs (default 10, or the project's)", "N" },
  { "batch-size", 'b', 0, G_OPTION_ARG_INT64, &opts.batch_size, "Batch size (default 64)", "N" },
  { "seed", 's', 0, G_OPTION_ARG_INT64, &opts.seed, "Seed of the weights and the batch order (default 42)", "N" },
  { "threads", 't', 0, G_OPTION_ARG_INT, &opts.threads, "BLAS threads (default: the library's choice)", "N" },
  { NULL }
};

static const GOptionEntry output_entries[] = {
  { "log", 0, 0, G_OPTION_ARG_FILENAME, &opts.log, "Write every step's loss to this CSV file", "FILE" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opts.json,
    "Print one JSON object per epoch on standard output (progress goes to standard error)", NULL },
  { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opts.quiet, "No progress bar", NULL },
  { "sample", 0, 0, G_OPTION_ARG_INT64, &opts.sample,
    "Text: after training, write N characters sampled from the model", "N" },
  { "prompt", 0, 0, G_OPTION_ARG_STRING, &opts.prompt,
    "Text: the characters the sample starts from (default: the text's first line)", "TEXT" },
  { "temperature", 0, 0, G_OPTION_ARG_DOUBLE, &opts.temperature,
    "Text: sampling temperature (default 0.8; 0 always takes the likeliest character)", "X" },
  { NULL }
};

static G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN void
usage_error (const char *format, ...)
{
  va_list ap;
  char *msg;

  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  fprintf (stderr, "myml-train: %s (see --help)\n", msg);
  /* Freed by hand: exit() skips g_autofree, and LeakSanitizer would report it. */
  g_free (msg);
  exit (2);
}

static G_GNUC_NORETURN void
fail (const GError *error)
{
  fprintf (stderr, "myml-train: %s\n", error->message);
  exit (1);
}

static gboolean
is_toy (const char *name)
{
  MmToyKind kind;
  return mm_toy_kind_from_name (name, &kind, NULL);
}

/* Loads --data into train/test sets. */
static void
load_data (MmDataset **train,
           MmDataset **test)
{
  g_autoptr(GError) error = NULL;
  const char *data = opts.data ? opts.data : "fashion-mnist";
  g_autoptr(MmDataset) all = NULL;

  if (g_ascii_strcasecmp (data, "fashion-mnist") == 0)
    {
      if (!mm_dataset_load_fashion_mnist (opts.data_dir, train, test, &error))
        fail (error);
      return;
    }
  if (opts.seq_len < 0)
    usage_error ("--seq-len must be at least 1");
  if (g_ascii_strcasecmp (data, "text") == 0 || g_str_has_prefix (data, "text:"))
    {
      g_autofree char *path = data[4] == ':' ? g_strdup (data + 5) : mm_text_find (MM_TEXT_DEFAULT);
      if (path == NULL)
        usage_error ("the shipped text %s.txt is not installed", MM_TEXT_DEFAULT);
      all = mm_text_dataset_load (path, opts.seq_len > 0 ? (gsize) opts.seq_len : 64, &error);
    }
  else if (g_ascii_strcasecmp (data, "brackets") == 0)
    {
      if (opts.samples <= 0)
        usage_error ("--samples must be at least 1");
      all = mm_brackets_dataset_new ((gsize) opts.samples, opts.seq_len > 0 ? (gsize) opts.seq_len : 16,
                                     (guint32) opts.seed, &error);
    }
  else if (is_toy (data))
    {
      MmToyKind kind;
      mm_toy_kind_from_name (data, &kind, NULL);
      if (opts.samples <= 0)
        usage_error ("--samples must be at least 1");
      all = mm_dataset_new_toy (kind, (gsize) opts.samples, opts.noise,
                                opts.classes > 0 ? (guint) opts.classes : mm_toy_kind_default_classes (kind),
                                (guint32) opts.seed, &error);
    }
  else if (g_str_has_prefix (data, "csv:") || g_str_has_suffix (data, ".csv"))
    all = mm_dataset_load_csv (g_str_has_prefix (data, "csv:") ? data + 4 : data, -1, &error);
  else if (g_file_test (data, G_FILE_TEST_IS_DIR))
    {
      if (!mm_dataset_load_fashion_mnist (data, train, test, &error))
        fail (error);
      return;
    }
  else
    usage_error ("unknown data set '%s'", data);

  if (all == NULL)
    fail (error);
  if (!(opts.test_fraction >= 0.0 && opts.test_fraction < 1.0))
    usage_error ("--test-fraction must be in [0, 1)");
  if (opts.test_fraction == 0.0)
    {
      *train = g_steal_pointer (&all);
      *test = NULL;
      return;
    }
  if (!mm_dataset_split (all, opts.test_fraction, (guint32) opts.seed, train, test, &error))
    fail (error);
}

/* --sample: N characters from the trained model, after the prompt. */
static gboolean
print_sample (MmTrainer  *trainer,
              MmModule   *model,
              MmDataset  *train,
              GError    **error)
{
  g_autoptr(MmParams) params = mm_trainer_snapshot_params (trainer);
  g_autofree char *prompt = NULL;
  g_autofree char *text = NULL;

  if (mm_dataset_get_label_shape (train)->ndim != 1)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, "only a model of a text (--data text) can write text");
      return FALSE;
    }
  if (opts.prompt != NULL)
    prompt = g_strdup (opts.prompt);
  else
    {
      /* The first line of the training text (its first sample). */
      GString *p = g_string_new (NULL);
      const float *ids = mm_dataset_get_sample (train, 0);
      for (gsize k = 0; k < mm_dataset_get_sample_size (train); k++)
        {
          const char *c = mm_dataset_get_class_name (train, (guint) ids[k]);
          if (g_str_equal (c, "\n"))
            break;
          g_string_append (p, c);
        }
      prompt = g_string_free (p, FALSE);
    }
  text = mm_text_sample (model, params, train, prompt, (gsize) opts.sample, opts.temperature, (guint32) opts.seed,
                         mm_dataset_get_sample_size (train), error);
  if (text == NULL)
    return FALSE;
  if (opts.json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *line = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "prompt");
      json_builder_add_string_value (b, prompt);
      json_builder_set_member_name (b, "sample");
      json_builder_add_string_value (b, text);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      json_generator_set_root (gen, root);
      line = json_generator_to_data (gen, NULL);
      printf ("%s\n", line);
    }
  else
    printf ("sample (temperature %g):\n%s%s\n", opts.temperature, prompt, text);
  return TRUE;
}

static MmModule *
make_model (MmDataset *train)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const MmShape *s = mm_dataset_get_sample_shape (train);
  guint classes = mm_dataset_get_n_classes (train);
  MmModule *model;

  if (opts.model && mm_dataset_get_label_shape (train)->ndim == 1)
    {
      /* A character model's size depends on the text: "V" stands for the
       * number of different characters (Embedding(V, 32); …; Linear(64, V)). */
      GString *t = g_string_new (NULL);
      for (const char *p = opts.model; *p; p++)
        if (*p == 'V' && (p == opts.model || !g_ascii_isalnum (p[-1])) && !g_ascii_isalnum (p[1]))
          g_string_append_printf (t, "%u", classes);
        else
          g_string_append_c (t, *p);
      text = g_string_free (t, FALSE);
    }
  else if (opts.model)
    text = g_strdup (opts.model);
  else if (mm_dataset_get_label_shape (train)->ndim == 1)
    text = g_strdup_printf ("Embedding(%u, 32); LSTM(32, 64, 2); Linear(64, %u)", classes, classes);
  else if (g_str_equal (mm_dataset_get_name (train), "brackets (train)") ||
           g_str_equal (mm_dataset_get_name (train), "brackets"))
    text = g_strdup ("Embedding(2, 8); LSTM(8, 32); Last; Linear(32, 2)");
  else if (s->ndim == 2 && s->dim[0] == 28 && s->dim[1] == 28 && classes == 10)
    text = g_strdup (SEED_MLP);
  else
    {
      gsize features = mm_shape_size (s);
      text = g_strdup_printf ("%sLinear(%" G_GSIZE_FORMAT ", 16); Tanh; Linear(16, 16); Tanh; Linear(16, %u)",
                              s->ndim > 1 ? "Flatten; " : "", features, classes);
    }
  model = mm_module_parse (text, &error);
  if (model == NULL)
    {
      fprintf (stderr, "myml-train: --model: %s\n", error->message);
      exit (2);
    }
  return model;
}

static void
make_optimizer_config (MmOptimizerConfig *c)
{
  MmOptimizerKind kind = MM_OPTIMIZER_SGD;
  const char *name = opts.optimizer ? opts.optimizer : "sgd";

  if (!mm_optimizer_kind_from_name (name, &kind))
    usage_error ("unknown optimizer '%s' (sgd, rmsprop, adam, adamw)", name);
  mm_optimizer_config_init (c, kind);
  c->decoupled_weight_decay = g_ascii_strcasecmp (name, "adamw") == 0;
#define SET(field) if (!isnan (opts.field)) c->field = opts.field
  SET (lr);
  SET (momentum);
  SET (dampening);
  SET (alpha);
  SET (eps);
  SET (beta1);
  SET (beta2);
  SET (weight_decay);
#undef SET
  c->nesterov = opts.nesterov;
  c->centered = opts.centered;
  c->amsgrad = opts.amsgrad;
}

static void
parse_schedule (MmSchedule *s)
{
  g_auto(GStrv) parts = NULL;

  memset (s, 0, sizeof *s);
  if (opts.schedule == NULL)
    return;
  parts = g_strsplit (opts.schedule, ":", -1);
  if (g_str_equal (parts[0], "step") && g_strv_length (parts) == 3)
    {
      char *e1, *e2;
      long size = strtol (parts[1], &e1, 10);
      double gamma = g_ascii_strtod (parts[2], &e2);
      if (*e1 || *e2 || size < 1 || !(gamma > 0))
        usage_error ("--schedule step:SIZE:GAMMA needs SIZE ≥ 1 and GAMMA > 0");
      s->kind = MM_SCHEDULE_STEP;
      s->step_size = (guint) size;
      s->gamma = gamma;
    }
  else if (g_str_equal (parts[0], "cosine") && g_strv_length (parts) <= 2)
    {
      s->kind = MM_SCHEDULE_COSINE;
      s->t_max = parts[1] ? (guint) atoi (parts[1]) : (guint) opts.epochs;
      if (s->t_max < 1)
        usage_error ("--schedule cosine:T_MAX needs T_MAX ≥ 1");
    }
  else
    usage_error ("--schedule must be step:SIZE:GAMMA or cosine[:T_MAX]");
}

static char *
format_duration (double seconds)
{
  if (!isfinite (seconds) || seconds < 0)
    return g_strdup ("--:--");
  guint s = (guint) (seconds + 0.5);
  if (s >= 3600)
    return g_strdup_printf ("%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%u:%02u", s / 60, s % 60);
}

static void
draw_bar (const MmTrainerRecord *r,
          guint                  epochs)
{
  const int width = 24;
  int filled = r->n_batches ? (int) (width * r->batch / r->n_batches) : 0;
  char bar[64];
  g_autofree char *eta = format_duration (r->eta);

  for (int i = 0; i < width; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[width] = '\0';
  fprintf (stderr, "\rEpoch %u/%u [%s] %" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT " loss %.4f  %.0f samples/s  ETA %s  ",
           r->epoch + 1, epochs, bar, r->batch, r->n_batches, r->smoothed_loss, r->samples_per_second, eta);
  fflush (stderr);
}

static void
json_number (GString    *s,
             const char *key,
             double      v)
{
  g_string_append_printf (s, ", \"%s\": ", key);
  if (isfinite (v))
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.6g", v));
    }
  else
    g_string_append (s, "null");
}

static void
print_epoch (const MmTrainerRecord *r,
             guint                  epochs,
             gboolean               bar_shown)
{
  if (bar_shown)
    fprintf (stderr, "\r%*s\r", 110, "");
  if (opts.json)
    {
      g_autoptr(GString) s = g_string_new (NULL);
      g_string_append_printf (s, "{\"epoch\": %u", r->epoch + 1);
      json_number (s, "train_loss", r->train_loss);
      json_number (s, "train_accuracy", r->train_accuracy);
      json_number (s, "test_loss", r->test_loss);
      json_number (s, "test_accuracy", r->test_accuracy);
      json_number (s, "epoch_seconds", r->epoch_seconds);
      json_number (s, "samples_per_second", r->samples_per_second);
      json_number (s, "lr", r->lr);
      g_string_append (s, "}");
      printf ("%s\n", s->str);
    }
  else
    {
      printf ("epoch %u/%u: train loss %.4f, accuracy %.2f %%", r->epoch + 1, epochs,
              r->train_loss, 100 * r->train_accuracy);
      if (isfinite (r->test_loss))
        printf ("; test loss %.4f, accuracy %.2f %%", r->test_loss, 100 * r->test_accuracy);
      printf ("; %.2f s\n", r->epoch_seconds);
    }
  fflush (stdout);
}

static gboolean
write_log (MmTrainer *trainer,
           FILE      *log,
           guint64   *logged,
           GError   **error)
{
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));

  mm_trainer_get_history (trainer, *logged, points);
  for (guint i = 0; i < points->len; i++)
    {
      const MmStepPoint *p = &g_array_index (points, MmStepPoint, i);
      fprintf (log, "%" G_GUINT64_FORMAT ",%u,%.9g,%.9g,%.9g,%.9g\n",
               p->step, p->epoch + 1, p->loss, p->data_loss, p->penalty, p->lr);
    }
  *logged += points->len;
  if (ferror (log))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_IO, "Could not write the log: %s", g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* The project the options describe (what --project gives directly). */
static MmProject *
project_from_options (MmModule              *model,
                      const MmTrainerConfig *config)
{
  MmProject *p = mm_project_new ();
  const char *data = opts.data ? opts.data : "fashion-mnist";

  g_free (p->network);
  p->network = mm_module_to_string (model);
  if (g_ascii_strcasecmp (data, "fashion-mnist") == 0)
    {
      p->data = opts.data_dir ? MM_PROJECT_DATA_IDX_DIR : MM_PROJECT_DATA_FASHION_MNIST;
      p->data_path = g_strdup (opts.data_dir);
    }
  else if (is_toy (data))
    {
      p->data = MM_PROJECT_DATA_TOY;
      mm_toy_kind_from_name (data, &p->toy, NULL);
      p->toy_samples = (guint) opts.samples;
      p->toy_noise = opts.noise;
      p->toy_classes = opts.classes > 0 ? (guint) opts.classes : mm_toy_kind_default_classes (p->toy);
    }
  else if (g_ascii_strcasecmp (data, "text") == 0 || g_str_has_prefix (data, "text:"))
    {
      p->data = MM_PROJECT_DATA_TEXT;
      p->data_path = data[4] == ':' ? g_strdup (data + 5) : NULL;
      p->seq_len = opts.seq_len > 0 ? (guint) opts.seq_len : 64;
    }
  else if (g_ascii_strcasecmp (data, "brackets") == 0)
    {
      p->data = MM_PROJECT_DATA_BRACKETS;
      p->toy_samples = (guint) opts.samples;
      p->seq_len = opts.seq_len > 0 ? (guint) opts.seq_len : 16;
    }
  else if (g_str_has_prefix (data, "csv:") || g_str_has_suffix (data, ".csv"))
    {
      p->data = MM_PROJECT_DATA_CSV;
      p->data_path = g_strdup (g_str_has_prefix (data, "csv:") ? data + 4 : data);
    }
  else
    {
      p->data = MM_PROJECT_DATA_IDX_DIR;
      p->data_path = g_strdup (data);
    }
  p->loss = opts.loss && g_ascii_strcasecmp (opts.loss, "mse") == 0 ? MM_PROJECT_LOSS_MSE
                                                                      : MM_PROJECT_LOSS_CROSS_ENTROPY;
  p->label_smoothing = opts.label_smoothing;
  p->optimizer = config->optimizer;
  p->l1 = config->l1;
  p->l2 = config->l2;
  p->penalize_biases = config->penalize_biases;
  p->batch_size = (guint) config->batch_size;
  p->epochs = config->epochs;
  p->seed = config->seed;
  p->init = config->init;
  return p;
}

/* --export-pytorch: the script, the starting weights and the data beside it. */
static void
export_pytorch (MmProject            **project,
                MmModule              *model,
                const MmTrainerConfig *config,
                MmDataset             *train,
                MmDataset             *test)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *base = NULL, *stem = NULL;
  const char *data = opts.data ? opts.data : "fashion-mnist";
  g_autofree char *text_path = NULL;
  MmExportSequences seq = { MM_EXPORT_SEQUENCES_NONE, NULL, 0, 0, 0, 0.0 };

  if (*project == NULL)
    *project = project_from_options (model, config);
  (*project)->epochs = config->epochs;
  /* The sequence data sets are no project data: the script makes them. */
  if (opts.project == NULL &&
      (g_ascii_strcasecmp (data, "text") == 0 || g_str_has_prefix (data, "text:")))
    {
      text_path = data[4] == ':' ? g_strdup (data + 5) : mm_text_find (MM_TEXT_DEFAULT);
      seq.kind = MM_EXPORT_SEQUENCES_TEXT;
      seq.text_path = text_path;
      seq.seq_len = opts.seq_len > 0 ? (gsize) opts.seq_len : 64;
    }
  else if (opts.project == NULL && g_ascii_strcasecmp (data, "brackets") == 0)
    {
      seq.kind = MM_EXPORT_SEQUENCES_BRACKETS;
      seq.seq_len = opts.seq_len > 0 ? (gsize) opts.seq_len : 16;
      seq.n_samples = (gsize) opts.samples;
      seq.seed = (guint32) opts.seed;
    }
  seq.test_fraction = opts.test_fraction;
  if (seq.kind != MM_EXPORT_SEQUENCES_NONE
      ? !mm_export_pytorch_sequence_files (*project, &seq, config->initial_params, &config->schedule,
                                           opts.export_pytorch, &error)
      : !mm_export_pytorch_files (*project, train, test, config->initial_params, &config->schedule,
                                  opts.export_pytorch, &error))
    fail (error);
  dir = g_path_get_dirname (opts.export_pytorch);
  base = g_path_get_basename (opts.export_pytorch);
  stem = g_str_has_suffix (base, ".py") && strlen (base) > 3 ? g_strndup (base, strlen (base) - 3) : g_strdup (base);
  printf ("wrote %s, the starting weights %s/%s.safetensors", opts.export_pytorch, dir, stem);
  if (seq.kind == MM_EXPORT_SEQUENCES_NONE && mm_project_export_needs_data (*project))
    printf (" and the data %s/%s-*.npy", dir, stem);
  printf ("\n");
  printf ("run it with: python3 %s\n", opts.export_pytorch);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("— train a neural network with libmyml");
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) train = NULL;
  g_autoptr(MmDataset) test = NULL;
  g_autoptr(MmModule) model = NULL;
  g_autoptr(MmLoss) inner = NULL;
  g_autoptr(MmLoss) loss = NULL;
  MmTrainerConfig config;
  MmTrainer *trainer;
  MmInitKind init = MM_INIT_XAVIER_UNIFORM;
  gboolean tty, bar_shown = FALSE;
  FILE *log = NULL;
  guint64 logged = 0;
  guint printed_epochs = 0;
  MmTrainerState final_state = MM_TRAINER_FAILED;
  char final_message[256] = "";
  GOptionGroup *g;
  g_autoptr(MmProject) project = NULL;

  g_option_context_set_summary (ctx,
    "Trains the seed's network (Flatten, Linear(784,100), ReLU, Linear(100,100), ReLU, Linear(100,10);\n"
    "one-hot cross-entropy; SGD; batch 64) on Fashion-MNIST unless told otherwise.");
  g_option_context_add_main_entries (ctx, model_entries, NULL);
  g = g_option_group_new ("data", "Data:", "Show the data options", NULL, NULL);
  g_option_group_add_entries (g, data_entries);
  g_option_context_add_group (ctx, g);
  g = g_option_group_new ("training", "Training:", "Show the training options", NULL, NULL);
  g_option_group_add_entries (g, train_entries);
  g_option_context_add_group (ctx, g);
  g = g_option_group_new ("output", "Output:", "Show the output options", NULL, NULL);
  g_option_group_add_entries (g, output_entries);
  g_option_context_add_group (ctx, g);
  g_option_context_set_description (ctx,
    "Examples:\n"
    "  myml-train --optimizer adam --lr 1e-3 --epochs 10\n"
    "  myml-train --data spiral --classes 3 --optimizer adam --lr 0.01 --epochs 200\n"
    "  myml-train --json --save weights.safetensors\n"
    "  myml-train --data spiral --optimizer adam --lr 0.01 --export-pytorch spiral.py\n");

  /* GOption's --help shows only the main group and hides --epochs, --lr, …
   * behind --help-training; a short list of groups is not worth that detour,
   * so --help shows them all (as --help-all does). */
  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "-?") == 0)
      {
        g_autofree char *help = NULL;
        g_set_prgname ("myml-train");   /* g_option_context_parse would have */
        help = g_option_context_get_help (ctx, FALSE, NULL);
        fputs (help, stdout);
        return 0;
      }
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    usage_error ("%s", error->message);
  if (argc > 1)
    usage_error ("unexpected argument '%s'", argv[1]);
  if (opts.epochs != -1 && opts.epochs < 1)
    usage_error ("--epochs must be at least 1");
  if (opts.batch_size < 1)
    usage_error ("--batch-size must be at least 1");
  if (opts.seed < 0 || opts.seed > G_MAXUINT32)
    usage_error ("--seed must be between 0 and %u", G_MAXUINT32);
  if (opts.threads < 0)
    usage_error ("--threads must be at least 0");
  if (opts.init && !mm_init_kind_from_name (opts.init, &init))
    usage_error ("unknown --init '%s' (xavier, he, he-uniform)", opts.init);
  if (opts.load && opts.import_pytorch)
    usage_error ("--load and --import-pytorch both give the starting weights: choose one");

  if (opts.project != NULL)
    {
      project = mm_project_load (opts.project, &error);
      if (project == NULL)
        fail (error);
      if (!mm_project_load_data (project, &train, &test, &error) ||
          !mm_project_make_trainer_config (project, mm_dataset_get_n_classes (train), &config, &error))
        fail (error);
      model = mm_module_ref (config.model);
      loss = mm_loss_ref (config.loss);
      goto configured;
    }

  mm_trainer_config_init (&config);
  make_optimizer_config (&config.optimizer);
  if (!mm_optimizer_config_check (&config.optimizer, &error))
    usage_error ("%s", error->message);
  parse_schedule (&config.schedule);

  load_data (&train, &test);
  model = make_model (train);

  if (opts.loss == NULL || g_ascii_strcasecmp (opts.loss, "ce") == 0 ||
      g_ascii_strcasecmp (opts.loss, "cross-entropy") == 0)
    {
      inner = mm_loss_cross_entropy_new (opts.label_smoothing, &error);
      if (inner == NULL)
        usage_error ("%s", error->message);
    }
  else if (g_ascii_strcasecmp (opts.loss, "mse") == 0)
    {
      if (opts.label_smoothing != 0)
        usage_error ("--label-smoothing goes with the cross-entropy loss");
      inner = mm_loss_mse_new ();
    }
  else
    usage_error ("unknown loss '%s' (ce, mse)", opts.loss);
  loss = mm_loss_one_hot_new (inner, mm_dataset_get_n_classes (train), &error);
  if (loss == NULL)
    fail (error);

  config.model = mm_module_ref (model);
  config.loss = mm_loss_ref (loss);
  config.l1 = opts.l1;
  config.l2 = opts.l2;
  config.penalize_biases = opts.penalize_biases;
  config.batch_size = (gsize) opts.batch_size;
  config.epochs = opts.epochs > 0 ? (guint) opts.epochs : 10;
  config.seed = (guint32) opts.seed;
  config.init = init;

configured:
  config.train = mm_dataset_ref (train);
  config.test = test ? mm_dataset_ref (test) : NULL;
  config.threads = (guint) opts.threads;
  if (opts.epochs > 0)
    config.epochs = (guint) opts.epochs;
  /* A batch larger than the data set is the whole set: say so rather than
   * print a batch size that no step uses (the steps are the same). */
  if (config.batch_size > mm_dataset_get_n_samples (train))
    {
      fprintf (stderr, "myml-train: note: the batch size %" G_GSIZE_FORMAT " is larger than the %" G_GSIZE_FORMAT
               " training samples; each step uses all %" G_GSIZE_FORMAT " (one step per epoch)\n",
               config.batch_size, mm_dataset_get_n_samples (train), mm_dataset_get_n_samples (train));
      config.batch_size = mm_dataset_get_n_samples (train);
    }
  if (opts.load)
    {
      g_clear_pointer (&config.initial_params, mm_params_unref);
      config.initial_params = mm_params_load_safetensors (opts.load, NULL, &error);
      if (config.initial_params == NULL)
        fail (error);
    }
  if (opts.import_pytorch)
    {
      g_autoptr(MmParams) torch_state = mm_params_load_pytorch (opts.import_pytorch, &error);
      g_clear_pointer (&config.initial_params, mm_params_unref);
      if (torch_state == NULL || (config.initial_params = mm_params_from_pytorch (model, torch_state, &error)) == NULL)
        fail (error);
    }
  if (opts.export_pytorch)
    {
      export_pytorch (&project, model, &config, train, test);
      mm_trainer_config_clear (&config);
      return 0;
    }

  trainer = mm_trainer_new (&config, &error);
  mm_trainer_config_clear (&config);
  if (trainer == NULL)
    fail (error);

  if (opts.log)
    {
      log = fopen (opts.log, "w");
      if (log == NULL)
        {
          fprintf (stderr, "myml-train: cannot write %s: %s\n", opts.log, g_strerror (errno));
          mm_trainer_free (trainer);
          return 1;
        }
      fprintf (log, "step,epoch,loss,data_loss,penalty,lr\n");
    }

  tty = !opts.quiet && isatty (STDERR_FILENO);
  if (!opts.json)
    {
      g_autofree char *m = mm_module_to_string (model);
      g_autofree char *o = mm_optimizer_config_to_string (&config.optimizer);
      g_autofree char *l = mm_loss_to_string (loss);
      printf ("model: %s (%" G_GSIZE_FORMAT " parameters)\nloss: %s\noptimizer: %s\n"
              "data: %s, %" G_GSIZE_FORMAT " training samples%s, batch %" G_GSIZE_FORMAT ", %u epochs, seed %u\n",
              m, mm_module_count_params (model), l, o, mm_dataset_get_name (train),
              mm_dataset_get_n_samples (train), test ? "" : " (no test set)",
              config.batch_size, config.epochs, config.seed);
      fflush (stdout);
    }

  signal (SIGINT, on_sigint);
  mm_trainer_start (trainer);
  for (gboolean over = FALSE; !over;)
    {
      g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
      const MmTrainerRecord *last_step = NULL;

      g_usleep (tty ? 100000 : 50000);
      if (interrupted)
        {
          mm_trainer_stop (trainer);
          interrupted = 0;
        }
      mm_trainer_drain (trainer, records);
      for (guint i = 0; i < records->len; i++)
        {
          const MmTrainerRecord *r = &g_array_index (records, MmTrainerRecord, i);
          switch (r->kind)
            {
            case MM_RECORD_STEP:
              last_step = r;
              break;
            case MM_RECORD_EPOCH:
              last_step = NULL;   /* printed below */
              break;
            case MM_RECORD_STATE:
              if (r->state == MM_TRAINER_FINISHED || r->state == MM_TRAINER_STOPPED ||
                  r->state == MM_TRAINER_DIVERGED || r->state == MM_TRAINER_FAILED)
                {
                  over = TRUE;
                  final_state = r->state;
                  g_strlcpy (final_message, r->message, sizeof final_message);
                }
              break;
            default:
              break;
            }
        }
      /* Epochs come from the trainer's complete list, not from the records:
       * when epochs are quicker than our polling, the bounded record queue
       * drops the oldest of them. */
      {
        g_autoptr(GArray) epochs = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
        mm_trainer_get_epochs (trainer, printed_epochs, epochs);
        for (guint i = 0; i < epochs->len; i++)
          {
            print_epoch (&g_array_index (epochs, MmTrainerRecord, i), config.epochs, bar_shown);
            bar_shown = FALSE;
          }
        printed_epochs += epochs->len;
      }
      if (log && !write_log (trainer, log, &logged, &error))
        {
          fprintf (stderr, "myml-train: %s\n", error->message);
          g_clear_error (&error);
          fclose (log);
          log = NULL;
        }
      if (tty && last_step && !over)
        {
          draw_bar (last_step, config.epochs);
          bar_shown = TRUE;
        }
    }
  mm_trainer_wait (trainer);
  if (bar_shown)
    fprintf (stderr, "\r%*s\r", 110, "");
  if (log)
    fclose (log);

  if (final_state != MM_TRAINER_FINISHED)
    fprintf (stderr, "myml-train: %s\n", final_message);

  if (opts.save && final_state != MM_TRAINER_FAILED)
    {
      g_autoptr(MmParams) params = mm_trainer_snapshot_params (trainer);
      g_autoptr(GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
      g_autofree char *m = mm_module_to_string (model);

      g_hash_table_insert (meta, "myml.model", m);
      if (!mm_params_save_safetensors (params, meta, opts.save, &error))
        {
          fprintf (stderr, "myml-train: %s\n", error->message);
          mm_trainer_free (trainer);
          return 1;
        }
      if (!opts.json)
        printf ("saved the weights to %s\n", opts.save);
    }
  if (opts.sample > 0 && final_state != MM_TRAINER_FAILED && !print_sample (trainer, model, train, &error))
    {
      fprintf (stderr, "myml-train: --sample: %s\n", error->message);
      mm_trainer_free (trainer);
      return 1;
    }
  mm_trainer_free (trainer);
  return final_state == MM_TRAINER_FINISHED || final_state == MM_TRAINER_STOPPED ? 0 : 1;
}
