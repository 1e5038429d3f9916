/* test-export.c — projects as PyTorch scripts, and PyTorch's weights back.
 *
 * Without Python: the script's text for several projects has the right
 * pieces (layers, loss, optimizer with every setting, penalties, data,
 * comments naming the app's parts); settings without a PyTorch equivalent are
 * refused with an error that names them; .npy files; the import of a
 * state_dict (transposed Linear weights, every key and shape checked).
 *
 * With /usr/bin/python3 and torch: for each project (MLPs on toy sets with
 * every optimizer and variant, penalties, label smoothing, MSE, every
 * elementwise operation, a CNN with BatchNorm and Dropout on IDX files, a CSV
 * set, Fashion-MNIST when installed) the exported script runs a few steps
 * from the exported weights on the same batches (the script re-implements
 * the app's batch order and Dropout masks) and its losses must match ours
 * within 1e-4 relative. Then weights saved by torch are imported and both
 * networks must give the same outputs. Without torch those tests are
 * skipped with the reason.
 *
 * Sequence models (Embedding, RNN, LSTM, Last, LayerNorm, MultiheadAttention,
 * PositionalEncoding, TransformerBlock, causal or not) on a text with a
 * non-ASCII character and "\r\n" and on the bracket task: the script's model
 * has our parameter names in our order, its outputs on the same test windows
 * are ours within 1e-5, its first steps' losses (over every time step, with
 * Dropout, L2 and label smoothing) are ours within 1e-4, a whole epoch runs
 * and its trained weights come back; myml-train --export-pytorch with --data
 * brackets and text:FILE agrees with myml-train's own run.
 */
#include <myml.h>
#include <glib/gstdio.h>
#include <sys/wait.h>
#include <zlib.h>
#include <math.h>
#include <string.h>

/* /usr/bin/python3, or MYML_TEST_PYTHON (e.g. to try the skipped path). */
#define PYTHON python ()

static const char *
python (void)
{
  const char *p = g_getenv ("MYML_TEST_PYTHON");
  return p && *p ? p : "/usr/bin/python3";
}

static char *tmpdir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* ---- Python ------------------------------------------------------------------ */

typedef struct {
  int status;
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

static Run
run_argv (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  Run r = { 0 };
  int wait_status;

  envp = g_environ_setenv (envp, "OPENBLAS_NUM_THREADS", "1", TRUE);
  envp = g_environ_setenv (envp, "OMP_NUM_THREADS", "1", TRUE);
  g_assert_true (g_spawn_sync (tmpdir, (char **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
                               &r.out, &r.err, &wait_status, &error));
  g_assert_no_error (error);
  r.status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  return r;
}

#define RUN(...) run_argv ((const char * const[]) { __VA_ARGS__, NULL })

/* NULL when python3 with torch and numpy works, else why not. */
static const char *
torch_missing (void)
{
  static gsize once = 0;
  static char *reason = NULL;

  if (g_once_init_enter (&once))
    {
      if (!g_file_test (PYTHON, G_FILE_TEST_IS_EXECUTABLE))
        reason = g_strdup_printf ("%s is not installed", PYTHON);
      else
        {
          g_auto(Run) r = RUN (PYTHON, "-c", "import torch, numpy");
          if (r.status != 0)
            reason = g_strdup_printf ("PyTorch is not installed for %s (import torch failed: %s)", PYTHON,
                                      g_strstrip (r.err));
        }
      g_once_init_leave (&once, 1);
    }
  return reason;
}

static gboolean
skip_without_torch (void)
{
  const char *why = torch_missing ();

  if (why != NULL)
    {
      g_autofree char *msg = g_strdup_printf ("%s: the scripts cannot run here", why);
      g_printerr ("# %s\n", msg);
      g_test_skip (msg);
      return TRUE;
    }
  return FALSE;
}

/* ---- Reading a float32 .npy file -------------------------------------------- */

static MmTensor *
read_npy_f32 (const char *path)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  gsize len, header_len, dims[MM_MAX_DIMS];
  guint ndim = 0;
  const char *shape;
  MmShape s;
  MmTensor *t;

  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (len, >, 10);
  g_assert_cmpmem (data, 6, "\x93NUMPY", 6);
  header_len = (guchar) data[8] | (gsize) (guchar) data[9] << 8;
  g_assert_cmpuint (10 + header_len, <=, len);
  g_assert_nonnull (g_strstr_len (data + 10, header_len, "'descr': '<f4'"));
  g_assert_nonnull (g_strstr_len (data + 10, header_len, "'fortran_order': False"));
  shape = g_strstr_len (data + 10, header_len, "'shape': (");
  g_assert_nonnull (shape);
  shape += strlen ("'shape': (");
  while (*shape != ')')
    {
      char *end;
      dims[ndim++] = g_ascii_strtoull (shape, &end, 10);
      g_assert_true (end != shape);
      shape = end;
      while (*shape == ',' || *shape == ' ')
        shape++;
    }
  g_assert_true (mm_shape_init (&s, ndim, dims, NULL));
  g_assert_cmpuint (len - 10 - header_len, ==, mm_shape_size (&s) * 4);
  t = mm_tensor_new_from_data (&s, (const float *) (data + 10 + header_len), mm_shape_size (&s), &error);
  g_assert_no_error (error);
  return t;
}

/* ---- Our side of a comparison ---------------------------------------------------
 * What the trainer does, step by step without its thread: the project's data,
 * model, loss, optimizer, penalties and seeded batches. */

static GArray *
our_losses_on (const MmProject *p,
               MmDataset       *train,
               guint            n_steps,
               MmParams       **final_params)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmParams) initial = NULL;
  g_autoptr(MmOptimizer) opt = NULL;
  g_autoptr(MmDataLoader) loader = NULL;
  g_autoptr(GArray) specs = NULL;
  GArray *losses = g_array_new (FALSE, FALSE, sizeof (float));
  MmTrainerConfig config;

  g_assert_true (mm_project_make_trainer_config (p, mm_dataset_get_n_classes (train), &config, &error));
  g_assert_no_error (error);
  specs = mm_module_get_params (config.model);
  initial = config.initial_params ? mm_params_ref (config.initial_params)
                                  : mm_params_init (specs, p->init, p->seed, &error);
  g_assert_no_error (error);
  opt = mm_optimizer_new (&config.optimizer, config.model, config.loss, initial, &error);
  g_assert_no_error (error);
  g_assert_true (mm_optimizer_set_penalties (opt, p->l1, p->l2, p->penalize_biases, &error));
  mm_optimizer_set_seed (opt, p->seed);
  loader = mm_data_loader_new (train, p->batch_size, TRUE, p->seed, FALSE, &error);
  g_assert_no_error (error);
  for (guint epoch = 0; losses->len < n_steps; epoch++)
    {
      MmTensor *x, *y;

      mm_data_loader_start_epoch (loader, epoch);
      while (losses->len < n_steps && mm_data_loader_next (loader, &x, &y))
        {
          g_autoptr(MmStepInfo) info = mm_optimizer_step (opt, x, y, &error);
          float loss;

          g_assert_no_error (error);
          loss = mm_step_info_get_loss (info);
          g_array_append_val (losses, loss);
          mm_tensor_unref (x);
          mm_tensor_unref (y);
        }
    }
  if (final_params)
    *final_params = mm_optimizer_snapshot_params (opt);
  mm_trainer_config_clear (&config);
  return losses;
}

static GArray *
our_losses (const MmProject *p,
            guint            n_steps,
            MmParams       **final_params)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) train = NULL;
  g_autoptr(MmDataset) test = NULL;

  g_assert_true (mm_project_load_data (p, &train, &test, &error));
  g_assert_no_error (error);
  return our_losses_on (p, train, n_steps, final_params);
}

/* The "loss" column of the script's --log-steps file. */
static GArray *
read_step_log (const char *path)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GArray *losses = g_array_new (FALSE, FALSE, sizeof (float));

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "step,epoch,loss,data_loss,penalty,lr");
  for (guint i = 1; lines[i] && lines[i][0]; i++)
    {
      g_auto(GStrv) cols = g_strsplit (lines[i], ",", -1);
      float v;
      g_assert_cmpuint (g_strv_length (cols), ==, 6);
      g_assert_cmpuint (g_ascii_strtoull (cols[0], NULL, 10), ==, i);
      v = (float) g_ascii_strtod (cols[2], NULL);
      g_array_append_val (losses, v);
    }
  return losses;
}

static void
assert_close (float       ours,
              float       theirs,
              double      rel,
              const char *what,
              guint       index)
{
  double scale = MAX (MAX (fabs (ours), fabs (theirs)), 1e-6);

  if (!(fabs ((double) ours - theirs) <= rel * scale))
    g_error ("%s %u: ours %.9g, PyTorch's %.9g (relative difference %.3g > %g)", what, index, ours, theirs,
             fabs ((double) ours - theirs) / scale, rel);
}

/* Exports @p as NAME.py, runs it for @n_steps and compares the losses. */
static void
compare_run (const MmProject *p,
             const char      *name,
             guint            n_steps)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_strconcat (name, ".py", NULL);
  g_autofree char *script = tmp_path (file);
  g_autofree char *log_name = g_strconcat (name, "-steps.csv", NULL);
  g_autofree char *log = tmp_path (log_name);
  g_autofree char *steps = g_strdup_printf ("%u", n_steps);
  g_autoptr(GArray) ours = NULL;
  g_autoptr(GArray) theirs = NULL;

  if (skip_without_torch ())
    return;
  g_assert_true (mm_project_export_pytorch (p, script, &error));
  g_assert_no_error (error);
  {
    g_auto(Run) r = RUN (PYTHON, script, "--steps", steps, "--log-steps", log);
    if (r.status != 0)
      g_error ("%s failed (%d): %s%s", script, r.status, r.out, r.err);
    g_assert_nonnull (strstr (r.out, "epoch 1/"));
  }
  ours = our_losses (p, n_steps, NULL);
  theirs = read_step_log (log);
  g_assert_cmpuint (theirs->len, ==, n_steps);
  for (guint i = 0; i < n_steps; i++)
    assert_close (g_array_index (ours, float, i), g_array_index (theirs, float, i), 1e-4, name, i + 1);
  if (g_test_verbose ())
    g_test_message ("%s: %u steps, last loss %.7g (ours) and %.7g (PyTorch)", name, n_steps,
                    g_array_index (ours, float, n_steps - 1), g_array_index (theirs, float, n_steps - 1));
}

/* ---- Projects ------------------------------------------------------------------ */

static MmProject *
toy_project (const char *network)
{
  MmProject *p = mm_project_new ();

  g_free (p->network);
  p->network = g_strdup (network);
  p->data = MM_PROJECT_DATA_TOY;
  p->toy = MM_TOY_SPIRAL;
  p->toy_samples = 100;   /* 80 for training: 5 batches of 16 per epoch */
  p->toy_noise = 0.1;
  p->toy_classes = 3;
  p->batch_size = 16;
  p->epochs = 2;
  p->seed = 7;
  return p;
}

#define TOY_MLP "Linear(2, 16); Tanh; Linear(16, 16); ReLU; Linear(16, 3)"

/* Small IDX files in the Fashion-MNIST layout: 8×8 images, 10 classes; the
 * training files raw (the names say .gz; readers look at the magic), the test
 * files gzip-compressed. */
static char *
make_idx_dir (void)
{
  char *dir = tmp_path ("idx");
  const guint n[2] = { 40, 10 };
  const char *parts[2] = { "train", "t10k" };
  GRand *rand = g_rand_new_with_seed (3);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  for (guint part = 0; part < 2; part++)
    {
      g_autoptr(GByteArray) images = g_byte_array_new ();
      g_autoptr(GByteArray) labels = g_byte_array_new ();
      guint8 ih[16] = { 0, 0, 8, 3, 0, 0, 0, (guint8) n[part], 0, 0, 0, 8, 0, 0, 0, 8 };
      guint8 lh[8] = { 0, 0, 8, 1, 0, 0, 0, (guint8) n[part] };
      g_autofree char *iname = g_strdup_printf ("%s-images-idx3-ubyte.gz", parts[part]);
      g_autofree char *lname = g_strdup_printf ("%s-labels-idx1-ubyte.gz", parts[part]);
      g_autofree char *ipath = g_build_filename (dir, iname, NULL);
      g_autofree char *lpath = g_build_filename (dir, lname, NULL);

      g_byte_array_append (images, ih, sizeof ih);
      g_byte_array_append (labels, lh, sizeof lh);
      for (guint i = 0; i < n[part]; i++)
        {
          guint8 label = (guint8) (i % 10);
          g_byte_array_append (labels, &label, 1);
          for (guint k = 0; k < 64; k++)
            {
              /* A bright stripe whose place depends on the class, and noise. */
              guint8 v = (guint8) MIN (255, g_rand_int_range (rand, 0, 120) + (k % 8 == label % 8 ? 130 : 0));
              g_byte_array_append (images, &v, 1);
            }
        }
      if (part == 0)
        {
          g_assert_true (g_file_set_contents (ipath, (const char *) images->data, images->len, NULL));
          g_assert_true (g_file_set_contents (lpath, (const char *) labels->data, labels->len, NULL));
        }
      else
        {
          const char *paths[2] = { ipath, lpath };
          GByteArray *arrays[2] = { images, labels };
          for (guint f = 0; f < 2; f++)
            {
              gzFile gz = gzopen (paths[f], "wb");
              g_assert_nonnull (gz);
              g_assert_cmpint (gzwrite (gz, arrays[f]->data, arrays[f]->len), ==, (int) arrays[f]->len);
              g_assert_cmpint (gzclose (gz), ==, Z_OK);
            }
        }
    }
  g_rand_free (rand);
  return dir;
}

#define CNN "Reshape(1, 8, 8); Conv2d(1, 4, 3, 1, 1); BatchNorm2d(4); ReLU; MaxPool2d(2); " \
            "Conv2d(4, 6, 3, 1, 2, 2); AvgPool2d(2, 1); Flatten; Dropout(0.25); Linear(54, 16); " \
            "BatchNorm1d(16, 0.001, 0.2); LeakyReLU(0.1); Linear(16, 10)"

static MmProject *
cnn_project (void)
{
  MmProject *p = mm_project_new ();

  g_free (p->network);
  p->network = g_strdup (CNN);
  p->data = MM_PROJECT_DATA_IDX_DIR;
  p->data_path = make_idx_dir ();
  p->batch_size = 8;
  p->epochs = 2;
  p->seed = 11;
  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_ADAM);
  p->optimizer.lr = 0.01;
  p->init = MM_INIT_HE_UNIFORM;
  p->l2 = 1e-3;
  return p;
}

static char *
make_csv (void)
{
  char *path = tmp_path ("points.csv");
  GString *s = g_string_new ("a,b,c,label\n");
  GRand *rand = g_rand_new_with_seed (5);

  for (guint i = 0; i < 90; i++)
    {
      guint label = i % 3;
      double a = g_rand_double_range (rand, -1, 1) + label;
      double b = g_rand_double_range (rand, -1, 1) - 0.5 * label;
      double c = g_rand_double_range (rand, -1, 1);
      g_string_append_printf (s, "%.6f,%.6f,%.6f,%u\n", a, b, c, label);
    }
  g_assert_true (g_file_set_contents (path, s->str, -1, NULL));
  g_string_free (s, TRUE);
  g_rand_free (rand);
  return path;
}

/* ---- The script's text (no Python needed) ---------------------------------------- */

static char *
script_of (const MmProject *p,
           const char      *weights_file)
{
  g_autoptr(GError) error = NULL;
  char *text = mm_project_to_pytorch_script (p, weights_file, &error);

  g_assert_no_error (error);
  g_assert_nonnull (text);
  return text;
}

static void
assert_has (const char *text,
            const char *piece)
{
  if (strstr (text, piece) == NULL)
    g_error ("The script lacks “%s”:\n%s", piece, text);
}

static void
assert_lacks (const char *text,
              const char *piece)
{
  if (strstr (text, piece) != NULL)
    g_error ("The script should not have “%s”", piece);
}

static void
test_script_mlp (void)
{
  g_autoptr(MmProject) p = toy_project (TOY_MLP);
  g_autofree char *s = NULL;

  p->toy = MM_TOY_MOONS;
  p->toy_classes = 2;
  s = script_of (p, "moons.safetensors");
  /* The app's parts, named. */
  for (const char **part = (const char *[]) { "Model tab", "Training tab → Data", "Training tab → Loss",
                                              "Training tab → Optimizer", "Training tab → Regularization",
                                              "Training tab → Run", "the Train button", NULL }; *part; part++)
    assert_has (s, *part);
  /* The network with the app's indices. */
  assert_has (s, "nn.Linear(2, 16),");
  assert_has (s, "# 0: Linear(2, 16)");
  assert_has (s, "nn.Tanh(),");
  assert_has (s, "# 1: Tanh");
  assert_has (s, "nn.ReLU(),");
  assert_has (s, "nn.Linear(16, 3),");
  assert_has (s, "# 4: Linear(16, 3)");
  assert_lacks (s, "class Lambda");
  assert_lacks (s, "class Reshape");
  /* Settings. */
  assert_has (s, "BATCH_SIZE = 16\n");
  assert_has (s, "EPOCHS = 2\n");
  assert_has (s, "SEED = 7 ");
  assert_has (s, "WEIGHTS_FILE = \"moons.safetensors\"");
  assert_has (s, "nn.CrossEntropyLoss()");
  assert_has (s, "torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.0, dampening=0.0,");
  assert_has (s, "weight_decay=0.0, nesterov=False)");
  assert_has (s, "L1 = 0.0\n");
  assert_has (s, "PENALIZED = [\"0.weight\", \"2.weight\", \"4.weight\"]");
  assert_has (s, "return torch.zeros(())  # no penalties");
  assert_has (s, "return None  # the learning rate stays");
  /* Data beside the script, named after the weights. */
  assert_has (s, "The toy set \"moons\": 100 points with noise 0.1 in 2 classes");
  assert_has (s, "np.load(HERE / \"moons-train-x.npy\")");
  assert_has (s, "np.load(HERE / \"moons-test-y.npy\")");
  /* The Linear weights transposed on load, the app's random numbers. */
  assert_has (s, "value = value.t()");
  assert_has (s, "def app_order(n, seed, epoch):");
  assert_has (s, "class AppDropout(nn.Module):");
  assert_has (s, "\"--random\", choices=[\"app\", \"torch\"]");
  assert_has (s, "def write_safetensors(path, tensors, metadata=None):");
  assert_lacks (s, "import safetensors");
  assert_has (s, "Xavier (uniform)");
  assert_has (s, "nn.init.xavier_uniform_(layer.weight)");
}

static void
test_script_no_weights (void)
{
  g_autoptr(MmProject) p = toy_project (TOY_MLP);
  g_autofree char *s = script_of (p, NULL);
  MmExportOptions o;
  g_autofree char *t = NULL;
  g_autoptr(GError) error = NULL;

  assert_has (s, "WEIGHTS_FILE = None");
  assert_has (s, "HERE / \"data-train-x.npy\"");
  assert_has (s, "\"\"\"A MyML Studio project, exported as a PyTorch script.");

  mm_export_options_init (&o);
  o.title = "My \"quoted\"\nproject";
  o.data_prefix = "pts";
  o.no_test_set = TRUE;
  o.script_name = "run.py";
  t = mm_project_to_pytorch_script_full (p, &o, &error);
  g_assert_no_error (error);
  assert_has (t, "\"\"\"My 'quoted' project: a MyML Studio project");
  assert_has (t, "python3 run.py --epochs 3");
  assert_has (t, "HERE / \"pts-train-y.npy\"");
  assert_has (t, "return x_train, y_train, None, None");
  assert_lacks (t, "pts-test-x.npy");
}

static void
test_script_optimizers (void)
{
  g_autoptr(MmProject) p = toy_project (TOY_MLP);
  struct {
    MmOptimizerKind kind;
    void (*tweak) (MmOptimizerConfig *c);
    const char *want[3];
  } cases[] = {
    { MM_OPTIMIZER_SGD, NULL, { "torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.0", NULL } },
    { MM_OPTIMIZER_RMSPROP, NULL,
      { "torch.optim.RMSprop(model.parameters(), lr=0.01, alpha=0.99, eps=1e-08,",
        "weight_decay=0.0, momentum=0.0, centered=False)", NULL } },
    { MM_OPTIMIZER_ADAM, NULL,
      { "torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-08,",
        "weight_decay=0.0, amsgrad=False)", NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *s = NULL;
      mm_optimizer_config_init (&p->optimizer, cases[i].kind);
      s = script_of (p, NULL);
      for (guint k = 0; cases[i].want[k]; k++)
        assert_has (s, cases[i].want[k]);
    }

  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_SGD);
  p->optimizer.lr = 0.05;
  p->optimizer.momentum = 0.9;
  p->optimizer.nesterov = TRUE;
  p->optimizer.weight_decay = 5e-4;
  {
    g_autofree char *s = script_of (p, NULL);
    assert_has (s, "torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, dampening=0.0,");
    assert_has (s, "weight_decay=0.0005, nesterov=True)");
  }
  p->optimizer.nesterov = FALSE;
  p->optimizer.dampening = 0.25;
  {
    g_autofree char *s = script_of (p, NULL);
    assert_has (s, "momentum=0.9, dampening=0.25,");
  }
  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_RMSPROP);
  p->optimizer.alpha = 0.9;
  p->optimizer.eps = 1e-6;
  p->optimizer.centered = TRUE;
  p->optimizer.momentum = 0.3;
  {
    g_autofree char *s = script_of (p, NULL);
    assert_has (s, "alpha=0.9, eps=1e-06,");
    assert_has (s, "momentum=0.3, centered=True)");
  }
  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_ADAM);
  p->optimizer.beta1 = 0.8;
  p->optimizer.beta2 = 0.99;
  p->optimizer.amsgrad = TRUE;
  p->optimizer.weight_decay = 0.01;
  {
    g_autofree char *s = script_of (p, NULL);
    assert_has (s, "torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.8, 0.99)");
    assert_has (s, "weight_decay=0.01, amsgrad=True)");
    assert_lacks (s, "AdamW(");
  }
  p->optimizer.decoupled_weight_decay = TRUE;
  {
    g_autofree char *s = script_of (p, NULL);
    assert_has (s, "torch.optim.AdamW(model.parameters(), lr=0.001, betas=(0.8, 0.99)");
    assert_has (s, "p ← p·(1 − lr·wd)");
  }
}

static void
test_script_loss_and_penalties (void)
{
  g_autoptr(MmProject) p = toy_project ("Linear(2, 8); BatchNorm1d(8); Tanh; Linear(8, 3)");

  p->label_smoothing = 0.15;
  p->l1 = 1e-4;
  p->l2 = 0.0025;
  {
    g_autofree char *s = script_of (p, NULL);
    assert_has (s, "nn.CrossEntropyLoss(label_smoothing=0.15)");
    assert_has (s, "L1 = 0.0001\n");
    assert_has (s, "L2 = 0.0025\n");
    /* BatchNorm's γ is a weight, as in the app; no biases, no buffers. */
    assert_has (s, "PENALIZED = [\"0.weight\", \"1.weight\", \"3.weight\"]\n");
    assert_has (s, "L1 * params[name].abs().sum()");
    assert_has (s, "L2 * params[name].square().sum()");
    assert_has (s, "over the weights (not the biases)");
    assert_has (s, "nn.BatchNorm1d(8),");
  }
  p->penalize_biases = TRUE;
  p->l1 = 0;
  {
    g_autofree char *s = script_of (p, NULL);
    assert_has (s, "PENALIZED = [\"0.weight\", \"0.bias\", \"1.weight\", \"1.bias\", \"3.weight\", \"3.bias\"]\n");
    assert_lacks (s, "abs().sum()");
    assert_has (s, "over the weights and the biases");
  }
  p->loss = MM_PROJECT_LOSS_MSE;
  {
    g_autofree char *s = script_of (p, NULL);
    assert_has (s, "F.mse_loss(output, F.one_hot(y, output.shape[1])");
    assert_has (s, "the app does not use it here");
    assert_lacks (s, "CrossEntropyLoss");
  }
}

static void
test_script_layers (void)
{
  g_autoptr(MmProject) p = toy_project ("Reshape(1, 2, 1); Conv2d(1, 4, 3, 2, 1, 1); BatchNorm2d(4, 1e-3, 0.2); "
                                        "MaxPool2d(1); AvgPool2d(3, 2, 1); Flatten; Dropout(0.3); Linear(4, 8); "
                                        "LeakyReLU(0.2); Sigmoid; Softplus; Neg; Sin; Cos; Exp; Log; Sqrt; Square; "
                                        "Abs; Pow(3); Scale(0.5); Linear(8, 3)");
  g_autofree char *s = script_of (p, NULL);

  assert_has (s, "class Reshape(nn.Module):");
  assert_has (s, "class Lambda(nn.Module):");
  assert_has (s, "Reshape(1, 2, 1),");
  assert_has (s, "nn.Conv2d(1, 4, 3, stride=2, padding=1),");
  assert_has (s, "nn.BatchNorm2d(4, eps=0.001, momentum=0.2),");
  assert_has (s, "nn.MaxPool2d(1),");
  assert_has (s, "nn.AvgPool2d(3, stride=2, padding=1),");
  assert_has (s, "nn.Flatten(),");
  assert_has (s, "nn.Dropout(0.3),");
  assert_has (s, "# 6: Dropout(0.3)");
  assert_has (s, "nn.LeakyReLU(0.2),");
  assert_has (s, "nn.Sigmoid(),");
  assert_has (s, "nn.Softplus(),");
  assert_has (s, "Lambda(\"Neg\", torch.neg),");
  assert_has (s, "Lambda(\"Sin\", torch.sin),");
  assert_has (s, "Lambda(\"Cos\", torch.cos),");
  assert_has (s, "Lambda(\"Exp\", torch.exp),");
  assert_has (s, "Lambda(\"Log\", torch.log),");
  assert_has (s, "Lambda(\"Sqrt\", torch.sqrt),");
  assert_has (s, "Lambda(\"Square\", torch.square),");
  assert_has (s, "Lambda(\"Abs\", torch.abs),");
  assert_has (s, "Lambda(\"Pow(3.0)\", lambda x: torch.pow(x, 3.0)),");
  assert_has (s, "Lambda(\"Scale(0.5)\", lambda x: x * 0.5),");
  assert_has (s, "# 21: Linear(8, 3)");
}

static void
test_script_data (void)
{
  g_autoptr(MmProject) p = mm_project_new ();
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *abs_dir = g_build_filename (cwd, "some", "images", NULL);

  {
    g_autofree char *s = script_of (p, "fm.safetensors");
    g_autofree char *dir = g_strdup_printf ("DATA_DIR = Path(\"%s\")", mm_dataset_get_fashion_mnist_dir ());
    assert_has (s, "Fashion-MNIST: 60 000 training and 10 000 test images");
    assert_has (s, dir);
    assert_has (s, "def read_idx(path):");
    assert_has (s, "gzip.decompress(data)");
    assert_has (s, "images.astype(np.float32) / np.float32(255)");
    assert_has (s, "part(\"t10k\")");
    assert_has (s, "nn.Flatten(),");
    assert_has (s, "nn.Linear(784, 100),");
    assert_lacks (s, ".npy\")");
    g_assert_false (mm_project_export_needs_data (p));
  }
  p->data = MM_PROJECT_DATA_IDX_DIR;
  p->data_path = g_strdup ("some/images");
  {
    g_autofree char *s = script_of (p, NULL);
    g_autofree char *dir = g_strdup_printf ("DATA_DIR = Path(\"%s\")", abs_dir);
    assert_has (s, dir);
    assert_has (s, "MNIST format");
  }
  p->data = MM_PROJECT_DATA_CSV;
  g_free (p->data_path);
  p->data_path = g_strdup ("/data/points.csv");
  {
    g_autofree char *s = script_of (p, "pts.safetensors");
    assert_has (s, "The CSV file /data/points.csv");
    assert_has (s, "np.load(HERE / \"pts-train-x.npy\")");
    g_assert_true (mm_project_export_needs_data (p));
  }
}

static void
test_script_schedule (void)
{
  g_autoptr(MmProject) p = toy_project (TOY_MLP);
  g_autoptr(GError) error = NULL;
  MmSchedule sched = { MM_SCHEDULE_STEP, 3, 0.5, 0, 0 };
  MmExportOptions o;

  mm_export_options_init (&o);
  o.schedule = &sched;
  {
    g_autofree char *s = mm_project_to_pytorch_script_full (p, &o, &error);
    g_assert_no_error (error);
    assert_has (s, "torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)");
  }
  sched = (MmSchedule) { MM_SCHEDULE_COSINE, 0, 0, 20, 0.001 };
  {
    g_autofree char *s = mm_project_to_pytorch_script_full (p, &o, &error);
    g_assert_no_error (error);
    assert_has (s, "lr, eta_min, t_max = 0.1, 0.001, 20");
    assert_has (s, "torch.optim.lr_scheduler.LambdaLR(");
  }
}

/* Whatever has no PyTorch equivalent, or is broken, is named. */
static void
test_script_errors (void)
{
  g_autoptr(MmProject) p = toy_project (TOY_MLP);
  MmSchedule sched = { 42, 0, 0, 0, 0 };
  MmExportOptions o;
  char *s;

#define REFUSED(code, piece) G_STMT_START {                                         \
    g_autoptr(GError) error = NULL;                                                  \
    s = (code);                                                                      \
    g_assert_null (s);                                                               \
    g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);                     \
    if (strstr (error->message, piece) == NULL)                                      \
      g_error ("“%s” does not say “%s”", error->message, piece);                     \
  } G_STMT_END

  mm_export_options_init (&o);
  o.schedule = &sched;
  REFUSED (mm_project_to_pytorch_script_full (p, &o, &error), "learning-rate schedule 42 has no PyTorch equivalent");
  p->data = 17;
  REFUSED (mm_project_to_pytorch_script (p, NULL, &error), "data set kind 17 has no PyTorch equivalent");
  p->data = MM_PROJECT_DATA_TOY;
  p->loss = 9;
  REFUSED (mm_project_to_pytorch_script (p, NULL, &error), "loss 9 has no PyTorch equivalent");
  p->loss = MM_PROJECT_LOSS_CROSS_ENTROPY;
  p->init = 12;
  REFUSED (mm_project_to_pytorch_script (p, NULL, &error), "initialisation 12 has no PyTorch equivalent");
  p->init = MM_INIT_ZEROS;
  p->optimizer.momentum = 1.5;
  REFUSED (mm_project_to_pytorch_script (p, NULL, &error), "Momentum");
  p->optimizer.momentum = 0;
  p->l1 = -1;
  REFUSED (mm_project_to_pytorch_script (p, NULL, &error), "L1 and L2");
  p->l1 = 0;
  p->batch_size = 0;
  REFUSED (mm_project_to_pytorch_script (p, NULL, &error), "batch size");
  p->batch_size = 4;
#undef REFUSED
  {
    g_autoptr(GError) error = NULL;
    g_free (p->network);
    p->network = g_strdup ("Linear(2, 3); Frobnicate(4)");
    s = mm_project_to_pytorch_script (p, NULL, &error);
    g_assert_null (s);
    g_assert_error (error, MM_ERROR, MM_ERROR_FORMAT);
    g_assert_nonnull (strstr (error->message, "Frobnicate"));
  }
  /* Every layer the text form knows has its PyTorch equivalent. */
  {
    g_autoptr(GError) error = NULL;
    g_free (p->network);
    p->network = g_strdup ("Flatten; Linear(2, 3); ReLU; LeakyReLU; Sigmoid; Tanh; Softplus; Neg; Sin; Cos; Exp; "
                           "Log; Sqrt; Square; Abs; Pow(2); Scale(2); Reshape(3, 1, 1); Conv2d(3, 3, 1); "
                           "BatchNorm2d(3); MaxPool2d(1); AvgPool2d(1); Flatten; Dropout(0.1); BatchNorm1d(3)");
    s = mm_project_to_pytorch_script (p, NULL, &error);
    g_assert_no_error (error);
    g_free (s);
  }
}

/* ---- .npy -------------------------------------------------------------------- */

static void
test_npy (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("m.npy");
  g_autofree char *xp = tmp_path ("toy-x.npy");
  g_autofree char *yp = tmp_path ("toy-y.npy");
  g_autoptr(MmTensor) back = NULL;
  g_autoptr(MmDataset) toy = NULL;
  g_autofree char *ybytes = NULL;
  gsize ylen;
  const float m[6] = { 1, -2.5f, 3e-8f, 4, 5, 6 };
  MmShape shape;

  g_assert_true (mm_shape_init (&shape, 2, (gsize[]) { 2, 3 }, NULL));
  g_assert_true (mm_export_write_npy (path, &shape, m, &error));
  g_assert_no_error (error);
  back = read_npy_f32 (path);
  g_assert_true (mm_shape_equal (&back->shape, &shape));
  g_assert_cmpmem (back->data, sizeof m, m, sizeof m);

  toy = mm_dataset_new_toy (MM_TOY_XOR, 30, 0.1, 2, 1, &error);
  g_assert_no_error (error);
  g_assert_true (mm_export_write_dataset (toy, xp, yp, &error));
  g_assert_no_error (error);
  g_clear_pointer (&back, mm_tensor_unref);
  back = read_npy_f32 (xp);
  g_assert_cmpuint (back->shape.ndim, ==, 2);
  g_assert_cmpuint (back->shape.dim[0], ==, 30);
  g_assert_cmpuint (back->shape.dim[1], ==, 2);
  g_assert_cmpmem (back->data, 60 * sizeof (float), mm_dataset_get_features (toy), 60 * sizeof (float));
  g_assert_true (g_file_get_contents (yp, &ybytes, &ylen, NULL));
  g_assert_nonnull (g_strstr_len (ybytes + 10, ylen - 10, "'descr': '<i8', 'fortran_order': False, 'shape': (30,), }"));
  g_assert_cmpuint ((ylen - 30 * 8) % 64, ==, 0);   /* the header pads to 64 bytes */
  for (guint i = 0; i < 30; i++)
    {
      gint64 v;
      memcpy (&v, ybytes + ylen - 30 * 8 + i * 8, 8);
      g_assert_cmpint (v, ==, mm_dataset_get_label (toy, i));
    }

  if (torch_missing () == NULL)
    {
      g_auto(Run) r = RUN (PYTHON, "-c",
                           "import sys, numpy as np\n"
                           "a = np.load(sys.argv[1]); x = np.load(sys.argv[2]); y = np.load(sys.argv[3])\n"
                           "print(a.dtype, a.shape, a[0, 1], a[0, 2], x.dtype, x.shape, y.dtype, y.shape, y.sum())",
                           path, xp, yp);
      g_autofree char *want = NULL;
      gint64 sum = 0;
      for (guint i = 0; i < 30; i++)
        sum += mm_dataset_get_label (toy, i);
      want = g_strdup_printf ("float32 (2, 3) -2.5 3e-08 float32 (30, 2) int64 (30,) %" G_GINT64_FORMAT "\n", sum);
      g_assert_cmpint (r.status, ==, 0);
      g_assert_cmpstr (r.out, ==, want);
    }
}

/* ---- Import without Python ------------------------------------------------------- */

static MmTensor *
tensor_2d (gsize        rows,
           gsize        cols,
           const float *data)
{
  g_autoptr(GError) error = NULL;
  MmShape s;
  MmTensor *t;

  g_assert_true (mm_shape_init (&s, 2, (gsize[]) { rows, cols }, NULL));
  t = mm_tensor_new_from_data (&s, data, rows * cols, &error);
  g_assert_no_error (error);
  return t;
}

static MmTensor *
tensor_1d (gsize        n,
           const float *data)
{
  g_autoptr(GError) error = NULL;
  MmShape s;
  MmTensor *t;

  g_assert_true (mm_shape_init (&s, 1, (gsize[]) { n }, NULL));
  t = mm_tensor_new_from_data (&s, data, n, &error);
  g_assert_no_error (error);
  return t;
}

static void
test_import (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = mm_module_parse ("Linear(2, 3); ReLU; BatchNorm1d(3); Linear(3, 1)", NULL);
  g_autoptr(MmParams) state = mm_params_new ();
  g_autoptr(MmParams) ours = NULL;
  g_autoptr(MmParams) back = NULL;
  g_autoptr(GArray) specs = mm_module_get_params (model);
  const float w0[6] = { 1, 2, 3, 4, 5, 6 };    /* PyTorch's (out 3, in 2) */
  const float b0[3] = { 0.1f, 0.2f, 0.3f };
  const float ones[3] = { 1, 1, 1 };
  const float w3[3] = { 7, 8, 9 };             /* (out 1, in 3) */
  const float b3[1] = { -1 };
  MmTensor *t;

#define SET(name, tensor) G_STMT_START { g_autoptr(MmTensor) _t = (tensor); mm_params_set (state, name, _t); } G_STMT_END
  SET ("0.weight", tensor_2d (3, 2, w0));
  SET ("0.bias", tensor_1d (3, b0));
  SET ("2.weight", tensor_1d (3, ones));
  SET ("2.bias", tensor_1d (3, b0));
  SET ("2.running_mean", tensor_1d (3, b0));
  SET ("2.running_var", tensor_1d (3, ones));
  SET ("2.num_batches_tracked", tensor_1d (1, b3));
  SET ("3.weight", tensor_2d (1, 3, w3));
  SET ("3.bias", tensor_1d (1, b3));

  ours = mm_params_from_pytorch (model, state, &error);
  g_assert_no_error (error);
  g_assert_true (mm_params_check (ours, specs, &error));
  g_assert_cmpuint (mm_params_get_n (ours), ==, specs->len);   /* num_batches_tracked left out */
  t = mm_params_lookup (ours, "0.weight");
  g_assert_cmpuint (t->shape.dim[0], ==, 2);
  g_assert_cmpuint (t->shape.dim[1], ==, 3);
  /* Ours is (in, out): W[i][o] = PyTorch's W[o][i]. */
  for (guint i = 0; i < 2; i++)
    for (guint o = 0; o < 3; o++)
      g_assert_cmpfloat (t->data[i * 3 + o], ==, w0[o * 2 + i]);
  t = mm_params_lookup (ours, "3.weight");
  g_assert_cmpuint (t->shape.dim[0], ==, 3);
  g_assert_cmpfloat (t->data[2], ==, 9);
  g_assert_cmpmem (mm_params_lookup (ours, "2.running_mean")->data, 12, b0, 12);

  /* And back. */
  back = mm_params_to_pytorch (model, ours, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (mm_params_lookup (back, "0.weight")->data, sizeof w0, w0, sizeof w0);
  g_assert_cmpuint (mm_params_lookup (back, "0.weight")->shape.dim[0], ==, 3);

  /* A square Linear layer is transposed too (the shape cannot tell). */
  {
    g_autoptr(MmModule) sq = mm_module_parse ("Linear(2, 2)", NULL);
    g_autoptr(MmParams) st = mm_params_new ();
    g_autoptr(MmParams) o = NULL;
    const float w[4] = { 1, 2, 3, 4 };
    g_autoptr(MmTensor) tw = tensor_2d (2, 2, w);
    g_autoptr(MmTensor) tb = tensor_1d (2, w);
    mm_params_set (st, "0.weight", tw);
    mm_params_set (st, "0.bias", tb);
    o = mm_params_from_pytorch (sq, st, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat (mm_params_lookup (o, "0.weight")->data[1], ==, 3);
  }

  /* Errors name the key. */
  {
    g_autoptr(MmParams) bad = mm_params_copy (state);
    g_autoptr(MmParams) r = NULL;
    g_autoptr(MmTensor) wrong = tensor_2d (2, 3, w0);   /* our layout, not PyTorch's */
    mm_params_set (bad, "0.weight", wrong);
    r = mm_params_from_pytorch (model, bad, &error);
    g_assert_null (r);
    g_assert_error (error, MM_ERROR, MM_ERROR_SHAPE);
    g_assert_nonnull (strstr (error->message, "0.weight has shape (2, 3), but the network needs (3, 2)"));
    g_clear_error (&error);
  }
  {
    g_autoptr(MmModule) other = mm_module_parse ("Linear(2, 3); ReLU; BatchNorm1d(3); Linear(3, 1); Linear(1, 1)", NULL);
    g_autoptr(MmParams) r = mm_params_from_pytorch (other, state, &error);
    g_assert_null (r);
    g_assert_error (error, MM_ERROR, MM_ERROR_FORMAT);
    g_assert_nonnull (strstr (error->message, "no 4.weight"));
    g_clear_error (&error);
  }
  {
    g_autoptr(MmParams) extra = mm_params_copy (state);
    g_autoptr(MmParams) r = NULL;
    g_autoptr(MmTensor) x = tensor_1d (1, b3);
    mm_params_set (extra, "fc.weight", x);
    r = mm_params_from_pytorch (model, extra, &error);
    g_assert_null (r);
    g_assert_error (error, MM_ERROR, MM_ERROR_FORMAT);
    g_assert_nonnull (strstr (error->message, "fc.weight"));
    g_clear_error (&error);
  }
#undef SET
}

/* A hand-written safetensors file as PyTorch writes it: with an I64
 * num_batches_tracked, which the reader skips; our own files are refused. */
static void
test_load_pytorch_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("torch-like.safetensors");
  g_autofree char *ours_path = tmp_path ("ours.safetensors");
  const char header[] = "{\"0.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},"
                        "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
                        "\"__metadata__\":{\"format\":\"pt\"}}";
  g_autoptr(GByteArray) file = g_byte_array_new ();
  guint64 len = sizeof header - 1;
  guint8 len_bytes[8];
  const gint64 count = 12;
  const float w[2] = { 0.5f, -2 };
  g_autoptr(MmParams) p = NULL;

  for (int i = 0; i < 8; i++)
    len_bytes[i] = (guint8) (len >> (8 * i));
  g_byte_array_append (file, len_bytes, 8);
  g_byte_array_append (file, (const guint8 *) header, len);
  g_byte_array_append (file, (const guint8 *) &count, 8);
  g_byte_array_append (file, (const guint8 *) w, 8);
  g_assert_true (g_file_set_contents (path, (const char *) file->data, file->len, NULL));

  p = mm_params_load_pytorch (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_params_get_n (p), ==, 1);
  g_assert_cmpmem (mm_params_lookup (p, "0.weight")->data, 8, w, 8);

  /* The plain reader refuses the integer tensor; that is why this one exists. */
  {
    g_autoptr(MmParams) q = mm_params_load_safetensors (path, NULL, &error);
    g_assert_null (q);
    g_clear_error (&error);
  }
  g_assert_true (mm_params_save_safetensors (p, NULL, ours_path, &error));
  g_clear_pointer (&p, mm_params_unref);
  p = mm_params_load_pytorch (ours_path, &error);
  g_assert_null (p);
  g_assert_error (error, MM_ERROR, MM_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "MyML Studio's own weights"));
  g_clear_error (&error);
  p = mm_params_load_pytorch ("/nonexistent/w.safetensors", &error);
  g_assert_null (p);
  g_assert_error (error, MM_ERROR, MM_ERROR_IO);
}

/* ---- Against PyTorch --------------------------------------------------------------- */

/* Our step-by-step loop is the trainer's: the same losses, bit for bit. */
static void
test_ours_is_the_trainer (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmProject) p = toy_project ("Linear(2, 16); Tanh; Dropout(0.3); Linear(16, 3)");
  g_autoptr(GArray) ours = NULL;
  g_autoptr(GArray) history = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  g_autoptr(MmDataset) train = NULL;
  g_autoptr(MmDataset) test = NULL;
  MmTrainerConfig config;
  MmTrainer *trainer;

  p->l2 = 1e-3;
  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_ADAM);
  ours = our_losses (p, 10, NULL);
  g_assert_true (mm_project_load_data (p, &train, &test, &error));
  g_assert_true (mm_project_make_trainer_config (p, mm_dataset_get_n_classes (train), &config, &error));
  config.train = mm_dataset_ref (train);
  config.test = mm_dataset_ref (test);
  trainer = mm_trainer_new (&config, &error);
  g_assert_no_error (error);
  mm_trainer_config_clear (&config);
  mm_trainer_start (trainer);
  mm_trainer_wait (trainer);
  g_assert_cmpint (mm_trainer_get_state (trainer), ==, MM_TRAINER_FINISHED);
  mm_trainer_get_history (trainer, 0, history);
  g_assert_cmpuint (history->len, ==, 10);
  for (guint i = 0; i < 10; i++)
    g_assert_cmpfloat (g_array_index (history, MmStepPoint, i).loss, ==, g_array_index (ours, float, i));
  mm_trainer_free (trainer);
}

static void
test_torch_sgd (void)
{
  g_autoptr(MmProject) p = toy_project (TOY_MLP);
  compare_run (p, "sgd", 10);
}

static void
test_torch_sgd_momentum (void)
{
  g_autoptr(MmProject) p = toy_project (TOY_MLP);
  p->optimizer.lr = 0.05;
  p->optimizer.momentum = 0.9;
  p->optimizer.dampening = 0.1;
  p->optimizer.weight_decay = 1e-3;
  compare_run (p, "sgd-momentum", 10);
}

static void
test_torch_sgd_nesterov (void)
{
  g_autoptr(MmProject) p = toy_project (TOY_MLP);
  p->optimizer.lr = 0.05;
  p->optimizer.momentum = 0.8;
  p->optimizer.nesterov = TRUE;
  p->optimizer.weight_decay = 1e-3;
  compare_run (p, "sgd-nesterov", 10);
}

static void
test_torch_rmsprop (void)
{
  g_autoptr(MmProject) p = toy_project (TOY_MLP);
  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_RMSPROP);
  p->optimizer.alpha = 0.9;
  compare_run (p, "rmsprop", 10);
}

static void
test_torch_rmsprop_centered (void)
{
  g_autoptr(MmProject) p = toy_project (TOY_MLP);
  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_RMSPROP);
  p->optimizer.lr = 0.005;
  p->optimizer.centered = TRUE;
  p->optimizer.momentum = 0.5;
  p->optimizer.eps = 1e-6;
  p->optimizer.weight_decay = 1e-3;
  compare_run (p, "rmsprop-centered", 10);
}

static void
test_torch_adam (void)
{
  g_autoptr(MmProject) p = toy_project (TOY_MLP);
  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_ADAM);
  p->optimizer.lr = 0.01;
  compare_run (p, "adam", 10);
}

static void
test_torch_adam_amsgrad (void)
{
  g_autoptr(MmProject) p = toy_project (TOY_MLP);
  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_ADAM);
  p->optimizer.lr = 0.01;
  p->optimizer.beta1 = 0.8;
  p->optimizer.beta2 = 0.99;
  p->optimizer.amsgrad = TRUE;
  p->optimizer.weight_decay = 0.01;
  compare_run (p, "adam-amsgrad", 10);
}

static void
test_torch_adamw (void)
{
  g_autoptr(MmProject) p = toy_project (TOY_MLP);
  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_ADAM);
  p->optimizer.lr = 0.01;
  p->optimizer.weight_decay = 0.05;
  p->optimizer.decoupled_weight_decay = TRUE;
  compare_run (p, "adamw", 10);
}

static void
test_torch_penalties (void)
{
  g_autoptr(MmProject) p = toy_project ("Linear(2, 16); Tanh; Dropout(0.2); Linear(16, 3)");
  p->l1 = 1e-3;
  p->l2 = 1e-2;
  p->penalize_biases = TRUE;
  p->label_smoothing = 0.1;
  p->init = MM_INIT_HE_NORMAL;
  p->toy = MM_TOY_GAUSSIANS;
  p->toy_classes = 3;
  compare_run (p, "penalties", 10);
}

static void
test_torch_mse (void)
{
  g_autoptr(MmProject) p = toy_project ("Linear(2, 12); Sigmoid; Linear(12, 2)");
  p->loss = MM_PROJECT_LOSS_MSE;
  p->toy = MM_TOY_XOR;
  p->toy_classes = 2;
  p->optimizer.lr = 0.5;
  p->l2 = 1e-3;
  compare_run (p, "mse", 10);
}

static void
test_torch_elementwise (void)
{
  g_autoptr(MmProject) p = toy_project ("Linear(2, 8); Sin; Linear(8, 8); Softplus; Sqrt; Linear(8, 8); Sigmoid; "
                                        "Log; Linear(8, 8); Cos; Scale(0.5); Linear(8, 8); LeakyReLU(0.1); Pow(3); "
                                        "Neg; Linear(8, 8); Abs; Exp; Linear(8, 8); Square; Tanh; Linear(8, 3)");
  p->toy = MM_TOY_CIRCLES;
  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_ADAM);
  p->optimizer.lr = 0.01;
  compare_run (p, "elementwise", 10);
}

static void
test_torch_cnn (void)
{
  g_autoptr(MmProject) p = cnn_project ();
  compare_run (p, "cnn", 10);
}

static void
test_torch_csv (void)
{
  g_autoptr(MmProject) p = toy_project ("Linear(3, 10); ReLU; Dropout(0.5); Linear(10, 3)");
  p->data = MM_PROJECT_DATA_CSV;
  p->data_path = make_csv ();
  p->batch_size = 10;
  compare_run (p, "csv", 10);
}

static void
test_torch_fashion_mnist (void)
{
  g_autoptr(MmProject) p = mm_project_new ();
  g_autofree char *images = g_build_filename (mm_dataset_get_fashion_mnist_dir (), "train-images-idx3-ubyte.gz", NULL);

  if (!g_file_test (images, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("Fashion-MNIST is not installed (dataset-fashion-mnist)");
      return;
    }
  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_ADAM);
  p->optimizer.lr = 0.002;
  compare_run (p, "fashion-mnist", 5);
}

/* Weights saved by PyTorch (the script's writer) come back into our network,
 * which then gives PyTorch's outputs. */
static void
check_import_from_torch (MmProject  *p,
                         const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_strconcat (name, ".py", NULL);
  g_autofree char *script = tmp_path (file);
  g_autofree char *wname = g_strconcat (name, "-trained.safetensors", NULL);
  g_autofree char *weights = tmp_path (wname);
  g_autofree char *oname = g_strconcat (name, "-outputs.npy", NULL);
  g_autofree char *outputs = tmp_path (oname);
  g_autoptr(MmParams) torch_state = NULL;
  g_autoptr(MmParams) imported = NULL;
  g_autoptr(MmParams) trained = NULL;
  g_autoptr(MmModule) model = NULL;
  g_autoptr(MmTensor) theirs = NULL;
  g_autoptr(MmTensor) ours = NULL;
  g_autoptr(MmDataset) train = NULL;
  g_autoptr(MmDataset) test = NULL;
  g_autoptr(MmTensor) x = NULL;
  g_autoptr(MmTensor) y = NULL;
  g_autoptr(GArray) losses = NULL;
  g_autofree gsize *idx = NULL;
  gsize n;

  if (skip_without_torch ())
    return;
  g_assert_true (mm_project_export_pytorch (p, script, &error));
  g_assert_no_error (error);
  {
    g_auto(Run) r = RUN (PYTHON, script, "--steps", "6", "--save", weights, "--predict", outputs);
    if (r.status != 0)
      g_error ("%s failed (%d): %s%s", script, r.status, r.out, r.err);
  }
  torch_state = mm_params_load_pytorch (weights, &error);
  g_assert_no_error (error);
  model = mm_module_parse (p->network, NULL);
  imported = mm_params_from_pytorch (model, torch_state, &error);
  g_assert_no_error (error);

  /* The outputs on the test set. */
  g_assert_true (mm_project_load_data (p, &train, &test, &error));
  n = mm_dataset_get_n_samples (test);
  idx = g_new (gsize, n);
  for (gsize i = 0; i < n; i++)
    idx[i] = i;
  g_assert_true (mm_dataset_get_batch (test, idx, n, &x, &y, &error));
  ours = mm_module_predict (model, imported, x, &error);
  g_assert_no_error (error);
  theirs = read_npy_f32 (outputs);
  g_assert_true (mm_shape_equal (&ours->shape, &theirs->shape));
  /* Relative to each number, but an output near 0 (a sum that cancels)
   * is held to the outputs' size instead. */
  {
    float scale = MAX (mm_tensor_max_abs (theirs), 1e-6f);
    for (gsize i = 0; i < ours->size; i++)
      if (!(fabsf (ours->data[i] - theirs->data[i]) <= 1e-4f * MAX (fabsf (theirs->data[i]), 0.01f * scale)))
        g_error ("output %" G_GSIZE_FORMAT ": ours %.9g, PyTorch's %.9g (largest output %.9g)", i, ours->data[i],
                 theirs->data[i], scale);
  }

  /* And the imported weights are ours after the same 6 steps. */
  losses = our_losses (p, 6, &trained);
  for (guint i = 0; i < mm_params_get_n (trained); i++)
    {
      const char *pname = mm_params_get_name (trained, i);
      MmTensor *a = mm_params_get_tensor (trained, i);
      MmTensor *b = mm_params_lookup (imported, pname);
      g_assert_nonnull (b);
      g_assert_true (mm_shape_equal (&a->shape, &b->shape));
      for (gsize k = 0; k < a->size; k++)
        if (fabsf (a->data[k] - b->data[k]) > 1e-4f * MAX (1.0f, fabsf (a->data[k])))
          g_error ("%s[%" G_GSIZE_FORMAT "]: ours %.9g, PyTorch's %.9g", pname, k, a->data[k], b->data[k]);
    }
}

static void
test_torch_import_mlp (void)
{
  g_autoptr(MmProject) p = toy_project (TOY_MLP);
  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_ADAM);
  p->optimizer.lr = 0.01;
  check_import_from_torch (p, "import-mlp");
}

static void
test_torch_import_cnn (void)
{
  g_autoptr(MmProject) p = cnn_project ();

  /* SGD: a bias right before BatchNorm has (up to rounding) no gradient, and
   * Adam would blow the rounding noise up into steps of size lr, different
   * in PyTorch and here; SGD keeps it at the noise's size. */
  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_SGD);
  p->optimizer.lr = 0.05;
  p->optimizer.momentum = 0.9;
  check_import_from_torch (p, "import-cnn");
}

/* ---- Sequence models --------------------------------------------------------------
 * The sequence layers and data sets against PyTorch: the exported model's
 * parameter names and order are ours, its forward pass on the same windows
 * gives our outputs within 1e-5, a few training steps give our losses, and
 * PyTorch's trained weights come back. */

/* A small text with a non-ASCII character and Windows line ends, which the
 * script must read byte for byte as we do; the path. */
static char *
make_text (void)
{
  char *path = tmp_path ("story.txt");
  GString *s = g_string_new (NULL);
  static const char *const words[] = { "the", "harbour", "boat", "café", "rope", "gull", "sails", "at", "dawn" };
  GRand *rand = g_rand_new_with_seed (8);

  for (guint i = 0; i < 160; i++)
    {
      g_string_append (s, words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))]);
      g_string_append (s, i % 9 == 8 ? ".\r\n" : " ");
    }
  g_assert_true (g_file_set_contents (path, s->str, -1, NULL));
  g_string_free (s, TRUE);
  g_rand_free (rand);
  return path;
}

/* Our side of the data of @q, split by @seed as the app splits it. */
static void
sequence_data (const MmExportSequences *q,
               guint32                  seed,
               MmDataset              **train,
               MmDataset              **test)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) all = q->kind == MM_EXPORT_SEQUENCES_TEXT
                             ? mm_text_dataset_load (q->text_path, q->seq_len, &error)
                             : mm_brackets_dataset_new (q->n_samples, q->seq_len, q->seed, &error);

  g_assert_no_error (error);
  if (q->test_fraction == 0)
    {
      *train = g_steal_pointer (&all);
      *test = NULL;
      return;
    }
  g_assert_true (mm_dataset_split (all, q->test_fraction, seed, train, test, &error));
  g_assert_no_error (error);
}

typedef struct {
  MmProject *project;
  MmExportSequences seq;
  char *text_path;
  char *name;
  char *script;          /* DIR/NAME.py */
  char *weights;         /* DIR/NAME.safetensors: the starting weights */
} SeqCase;

static void
seq_case_clear (SeqCase *c)
{
  g_clear_pointer (&c->project, mm_project_free);
  g_clear_pointer (&c->text_path, g_free);
  g_clear_pointer (&c->name, g_free);
  g_clear_pointer (&c->script, g_free);
  g_clear_pointer (&c->weights, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SeqCase, seq_case_clear)

/* @network with each "V" (a whole setting) replaced by @v, as myml-train's
 * --model reads it. */
static char *
with_vocabulary (const char *network,
                 guint       v)
{
  GString *s = g_string_new (NULL);

  for (const char *p = network; *p; p++)
    if (*p == 'V' && p > network && (p[-1] == '(' || p[-1] == ' ') && (p[1] == ',' || p[1] == ')'))
      g_string_append_printf (s, "%u", v);
    else
      g_string_append_c (s, *p);
  return g_string_free (s, FALSE);
}

/* A character model of make_text(); "V" in @network is the vocabulary size. */
static void
text_case (SeqCase    *c,
           const char *name,
           const char *network,
           gsize       seq_len)
{
  g_autoptr(MmDataset) all = NULL;
  g_autoptr(GError) error = NULL;
  guint V;

  memset (c, 0, sizeof *c);
  c->text_path = make_text ();
  all = mm_text_dataset_load (c->text_path, seq_len, &error);
  g_assert_no_error (error);
  V = mm_dataset_get_n_classes (all);
  g_assert_cmpuint (V, ==, 23);   /* 19 letters (é among them), space, ".", "\r" and "\n" */
  c->project = mm_project_new ();
  g_free (c->project->network);
  c->project->network = with_vocabulary (network, V);
  c->project->batch_size = 8;
  c->project->epochs = 3;
  c->project->seed = 13;
  mm_optimizer_config_init (&c->project->optimizer, MM_OPTIMIZER_ADAM);
  c->project->optimizer.lr = 0.01;
  c->seq.kind = MM_EXPORT_SEQUENCES_TEXT;
  c->seq.text_path = c->text_path;
  c->seq.seq_len = seq_len;
  c->seq.test_fraction = 0.2;
  c->name = g_strdup (name);
}

static void
brackets_case (SeqCase    *c,
               const char *name,
               const char *network)
{
  memset (c, 0, sizeof *c);
  c->project = mm_project_new ();
  g_free (c->project->network);
  c->project->network = g_strdup (network);
  c->project->batch_size = 16;
  c->project->epochs = 2;
  c->project->seed = 21;
  mm_optimizer_config_init (&c->project->optimizer, MM_OPTIMIZER_SGD);
  c->project->optimizer.lr = 0.2;
  c->project->optimizer.momentum = 0.9;
  c->seq.kind = MM_EXPORT_SEQUENCES_BRACKETS;
  c->seq.seq_len = 10;
  c->seq.n_samples = 120;
  c->seq.seed = 4;
  c->seq.test_fraction = 0.25;
  c->name = g_strdup (name);
}

static void
seq_export (SeqCase *c)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = tmp_path (c->name);
  g_autofree char *file = g_strconcat (c->name, ".py", NULL);
  g_autofree char *wfile = g_strconcat (c->name, ".safetensors", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  c->script = g_build_filename (dir, file, NULL);
  c->weights = g_build_filename (dir, wfile, NULL);
  g_assert_true (mm_export_pytorch_sequence_files (c->project, &c->seq, NULL, NULL, c->script, &error));
  g_assert_no_error (error);
}

/* Every number of @ours within @tol·max(1, |theirs|) of @theirs. */
static void
assert_outputs_close (const MmTensor *ours,
                      const MmTensor *theirs,
                      float           tol,
                      const char     *what)
{
  float worst = 0;

  g_assert_true (mm_shape_equal (&ours->shape, &theirs->shape));
  for (gsize i = 0; i < ours->size; i++)
    {
      float d = fabsf (ours->data[i] - theirs->data[i]) / MAX (1.0f, fabsf (theirs->data[i]));
      if (!(d <= tol))
        g_error ("%s: output %" G_GSIZE_FORMAT ": ours %.9g, PyTorch's %.9g", what, i, ours->data[i],
                 theirs->data[i]);
      worst = MAX (worst, d);
    }
  if (g_test_verbose ())
    g_test_message ("%s: %" G_GSIZE_FORMAT " outputs, largest difference %.3g", what, ours->size, worst);
}

/* Our outputs for the whole of @ds with @params. */
static MmTensor *
predict_all (MmModule  *model,
             MmParams  *params,
             MmDataset *ds)
{
  g_autoptr(GError) error = NULL;
  gsize n = mm_dataset_get_n_samples (ds);
  g_autofree gsize *idx = g_new (gsize, n);
  g_autoptr(MmTensor) x = NULL;
  g_autoptr(MmTensor) y = NULL;
  MmTensor *out;

  for (gsize i = 0; i < n; i++)
    idx[i] = i;
  g_assert_true (mm_dataset_get_batch (ds, idx, n, &x, &y, &error));
  out = mm_module_predict (model, params, x, &error);
  g_assert_no_error (error);
  return out;
}

#define TEXT_NET "Embedding(V, 16); PositionalEncoding(16, 40); TransformerBlock(16, 2, 24, 1); " \
                 "MultiheadAttention(16, 4, 1); LayerNorm(16); TransformerBlock(16, 4); LSTM(16, 12, 2); " \
                 "Dropout(0.2); RNN(12, 10); Linear(10, V)"

/* The script's text for sequence models, without Python. */
static void
test_script_sequences (void)
{
  g_auto(SeqCase) c = { 0 };
  g_autoptr(GError) error = NULL;
  MmExportOptions o;
  g_autofree char *s = NULL;
  g_autofree char *abs = NULL;
  g_autofree char *want = NULL;

  text_case (&c, "seq-script", TEXT_NET, 12);
  mm_export_options_init (&o);
  o.sequences = &c.seq;
  s = mm_project_to_pytorch_script_full (c.project, &o, &error);
  g_assert_no_error (error);
  assert_has (s, "nn.Embedding(23, 16),");
  assert_has (s, "PositionalEncoding(16, max_len=40),");
  assert_has (s, "        # 2: TransformerBlock(16, 2, 24, 1)\n"
                 "        CausalEncoderLayer(16, 2, dim_feedforward=24, dropout=0.0,\n"
                 "                           activation=\"relu\", batch_first=True, norm_first=True),\n");
  assert_has (s, "SelfAttention(16, 4, causal=True),");
  assert_has (s, "nn.LayerNorm(16),");
  assert_has (s, "        # 5: TransformerBlock(16, 4)\n"
                 "        nn.TransformerEncoderLayer(16, 4, dim_feedforward=64, dropout=0.0,\n"
                 "                                   activation=\"relu\", batch_first=True, norm_first=True),\n"
                 "        LSTM(16, 12, num_layers=2, batch_first=True),  ");
  assert_has (s, "LSTM(16, 12, num_layers=2, batch_first=True),");
  assert_has (s, "RNN(12, 10, batch_first=True),");
  assert_has (s, "# 7: Dropout(0.2)");
  assert_has (s, "class LSTM(nn.LSTM):");
  assert_has (s, "class RNN(nn.RNN):");
  assert_has (s, "class SelfAttention(nn.MultiheadAttention):");
  assert_has (s, "super().__init__(embed_dim, num_heads, batch_first=True)");
  assert_has (s, "class CausalEncoderLayer(nn.TransformerEncoderLayer):");
  assert_has (s, "nn.Transformer.generate_square_subsequent_mask(length)");
  assert_has (s, "class PositionalEncoding(nn.Module):");
  assert_lacks (s, "class Last(");
  /* The data: the same file, windows and split; ids for nn.Embedding. */
  abs = g_canonicalize_filename (c.text_path, NULL);
  want = g_strdup_printf ("TEXT_FILE = Path(\"%s\")", abs);
  assert_has (s, want);
  assert_has (s, "SEQ_LEN = 12\n");
  assert_has (s, "TEST_FRACTION = 0.2 ");
  assert_has (s, "IDS = torch.int64");
  assert_has (s, "read_bytes().decode(\"utf-8\")");
  assert_has (s, "order = app_permutation(len(x), SEED, 0)");
  assert_lacks (s, ".npy\")");
  /* The loss over every time step. */
  assert_has (s, "loss_function(output.reshape(-1, output.shape[-1]), y.reshape(-1))");
  assert_has (s, "(output.argmax(-1) == y).sum().item()");
  assert_has (s, "python3 script.py --sample 200     then write 200 characters");
  g_clear_pointer (&s, g_free);

  /* Brackets, a model that takes the ids as numbers, and MSE. */
  {
    g_auto(SeqCase) b = { 0 };
    brackets_case (&b, "brackets-script", "Reshape(10, 1); RNN(1, 8); Last; Linear(8, 2)");
    b.project->loss = MM_PROJECT_LOSS_MSE;
    o.sequences = &b.seq;
    s = mm_project_to_pytorch_script_full (b.project, &o, &error);
    g_assert_no_error (error);
    assert_has (s, "BRACKETS = 120\n");
    assert_has (s, "LENGTH = 10\n");
    assert_has (s, "BRACKETS_SEED = 4\n");
    assert_has (s, "TEST_FRACTION = 0.25 ");
    assert_has (s, "IDS = torch.float32");
    assert_has (s, "rng = AppRandom(BRACKETS_SEED, 0xB7AC)");
    assert_has (s, "class Last(nn.Module):");
    assert_has (s, "Last(),");
    assert_has (s, "F.mse_loss(output, F.one_hot(y, output.shape[1])");   /* one class per string */
    assert_lacks (s, "TEXT_FILE");
    assert_lacks (s, "class SelfAttention");
    assert_lacks (s, "def causal_mask");
    g_clear_pointer (&s, g_free);
  }

  /* Refusals name the reason. */
  {
    g_autoptr(MmProject) p = mm_project_new ();
    MmExportSequences bad = c.seq;

    g_free (p->network);
    p->network = g_strdup ("Reshape(12, 1); Linear(1, 4); Embedding(4, 8)");
    s = mm_project_to_pytorch_script_full (p, &o, &error);
    g_assert_null (s);
    g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==, "Layer 2 (Embedding) can only be exported as the first layer: "
                                         "nn.Embedding takes the data's whole-number ids, not the outputs of layer 1");
    g_clear_error (&error);

    o.sequences = &bad;
    bad.test_fraction = 1.0;
    s = mm_project_to_pytorch_script_full (c.project, &o, &error);
    g_assert_null (s);
    g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "test fraction must be at least 0 and less than 1, not 1"));
    g_clear_error (&error);
    bad = c.seq;
    bad.text_path = NULL;
    s = mm_project_to_pytorch_script_full (c.project, &o, &error);
    g_assert_null (s);
    g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "needs the path of its text"));
    g_clear_error (&error);
    bad = c.seq;
    bad.kind = 7;
    s = mm_project_to_pytorch_script_full (c.project, &o, &error);
    g_assert_null (s);
    g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "sequence data set kind 7 has no PyTorch equivalent"));
    g_clear_error (&error);
  }
}

/* Our weights in PyTorch's layout and back: only the Linear layer's weight
 * is transposed; every sequence layer's tensors keep their names and shapes. */
static void
test_import_sequences (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = mm_module_parse ("Embedding(5, 8); PositionalEncoding(8); TransformerBlock(8, 2, 12, 1); "
                                               "MultiheadAttention(8, 2); LayerNorm(8); LSTM(8, 6, 2); RNN(6, 4); "
                                               "Last; Linear(4, 3)", &error);
  g_autoptr(GArray) specs = mm_module_get_params (model);
  g_autoptr(MmParams) ours = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 3, &error);
  g_autoptr(MmParams) torch_state = NULL;
  g_autoptr(MmParams) back = NULL;

  g_assert_no_error (error);
  torch_state = mm_params_to_pytorch (model, ours, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_params_get_n (torch_state), ==, specs->len);
  for (guint i = 0; i < specs->len; i++)
    {
      const char *name = g_array_index (specs, MmParamSpec, i).name;
      MmTensor *a = mm_params_lookup (ours, name);
      MmTensor *t = mm_params_lookup (torch_state, name);
      g_assert_nonnull (t);
      if (g_str_equal (name, "8.weight"))
        {
          g_assert_cmpuint (t->shape.dim[0], ==, 3);   /* nn.Linear's (out, in) */
          g_assert_cmpuint (t->shape.dim[1], ==, 4);
          g_assert_cmpfloat (t->data[1 * 4 + 2], ==, a->data[2 * 3 + 1]);
        }
      else
        {
          g_assert_true (mm_shape_equal (&a->shape, &t->shape));
          g_assert_cmpmem (a->data, a->size * 4, t->data, t->size * 4);
        }
    }
  g_assert_nonnull (mm_params_lookup (torch_state, "2.self_attn.in_proj_weight"));
  g_assert_nonnull (mm_params_lookup (torch_state, "5.weight_hh_l1"));
  back = mm_params_from_pytorch (model, torch_state, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < specs->len; i++)
    {
      const char *name = g_array_index (specs, MmParamSpec, i).name;
      MmTensor *a = mm_params_lookup (ours, name);
      MmTensor *b = mm_params_lookup (back, name);
      g_assert_cmpmem (a->data, a->size * 4, b->data, b->size * 4);
    }
  /* A state_dict of an LSTM with other sizes is refused by name. */
  {
    g_autoptr(MmParams) bad = mm_params_copy (torch_state);
    g_autoptr(MmTensor) wrong = mm_tensor_new_dims (2, (gsize[]) { 24, 7 }, NULL);
    g_autoptr(MmParams) r = NULL;
    mm_params_set (bad, "5.weight_ih_l0", wrong);
    r = mm_params_from_pytorch (model, bad, &error);
    g_assert_null (r);
    g_assert_error (error, MM_ERROR, MM_ERROR_SHAPE);
    g_assert_nonnull (strstr (error->message, "5.weight_ih_l0 has shape (24, 7), but the network needs (24, 8)"));
  }
}

/* The script's model has our parameters, by name and in order. */
static void
assert_same_keys (SeqCase *c)
{
  const char *code = "import importlib.util, sys\n"
                     "spec = importlib.util.spec_from_file_location('exported', sys.argv[1])\n"
                     "s = importlib.util.module_from_spec(spec)\n"
                     "spec.loader.exec_module(s)\n"
                     "for k, v in s.build_model().state_dict().items():\n"
                     "    print(k, tuple(v.shape))\n";
  g_autoptr(MmModule) model = mm_module_parse (c->project->network, NULL);
  g_autoptr(GArray) specs = mm_module_get_params (model);
  g_auto(Run) r = RUN (PYTHON, "-c", code, c->script);
  g_auto(GStrv) lines = NULL;

  if (r.status != 0)
    g_error ("building the model of %s failed: %s", c->script, r.err);
  lines = g_strsplit (g_strstrip (r.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, specs->len);
  for (guint i = 0; i < specs->len; i++)
    {
      const MmParamSpec *spec = &g_array_index (specs, MmParamSpec, i);
      g_autofree char *shape = NULL;
      g_autofree char *want = NULL;
      gboolean linear = g_str_has_suffix (spec->name, ".weight") && strchr (spec->name, '.') ==
                        strrchr (spec->name, '.') && mm_module_get_linear_features (
                          mm_module_get_child (model, (guint) g_ascii_strtoull (spec->name, NULL, 10)), NULL, NULL);
      /* nn.Linear's weight is (out, in), ours (in, out); the rest is the same. */
      if (spec->shape.ndim == 1)
        shape = g_strdup_printf ("(%" G_GSIZE_FORMAT ",)", spec->shape.dim[0]);
      else
        shape = g_strdup_printf ("(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")",
                                 spec->shape.dim[linear ? 1 : 0], spec->shape.dim[linear ? 0 : 1]);
      want = g_strdup_printf ("%s %s", spec->name, shape);
      g_assert_cmpstr (lines[i], ==, want);
    }
}

/* The exported model on the exported weights, on the test windows: our outputs
 * within 1e-5; the parameter names are ours. */
static void
check_sequence_forward (SeqCase *c)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *oname = g_strconcat (c->name, "-outputs.npy", NULL);
  g_autofree char *outputs = tmp_path (oname);
  g_autoptr(MmModule) model = NULL;
  g_autoptr(MmParams) weights = NULL;
  g_autoptr(MmDataset) train = NULL;
  g_autoptr(MmDataset) test = NULL;
  g_autoptr(MmTensor) ours = NULL;
  g_autoptr(MmTensor) theirs = NULL;

  seq_export (c);
  assert_same_keys (c);
  {
    /* No step: the starting weights' outputs. */
    g_auto(Run) r = RUN (PYTHON, c->script, "--steps", "0", "--predict", outputs);
    if (r.status != 0)
      g_error ("%s failed (%d): %s%s", c->script, r.status, r.out, r.err);
  }
  model = mm_module_parse (c->project->network, &error);
  g_assert_no_error (error);
  weights = mm_params_load_safetensors (c->weights, NULL, &error);
  g_assert_no_error (error);
  sequence_data (&c->seq, c->project->seed, &train, &test);
  ours = predict_all (model, weights, test);
  theirs = read_npy_f32 (outputs);
  assert_outputs_close (ours, theirs, 1e-5f, c->name);
}

static void
test_torch_sequence_forward (void)
{
  if (skip_without_torch ())
    return;
  {
    g_auto(SeqCase) c = { 0 };
    text_case (&c, "text-forward", TEXT_NET, 12);
    check_sequence_forward (&c);
  }
  {
    g_auto(SeqCase) c = { 0 };
    brackets_case (&c, "brackets-forward", "Embedding(2, 8); LSTM(8, 12); LayerNorm(12); Last; Linear(12, 2)");
    check_sequence_forward (&c);
  }
  {
    g_auto(SeqCase) c = { 0 };
    brackets_case (&c, "brackets-float", "Reshape(10, 1); RNN(1, 6, 3); Last; Linear(6, 2)");
    check_sequence_forward (&c);
  }
}

/* A few training steps in the script are ours: the same windows or strings,
 * split and visited in the same order, the same loss over every time step,
 * the same Dropout masks. */
static void
check_sequence_steps (SeqCase *c,
                      guint    n_steps)
{
  g_autofree char *log_name = g_strconcat (c->name, "-steps.csv", NULL);
  g_autofree char *log = tmp_path (log_name);
  g_autofree char *steps = g_strdup_printf ("%u", n_steps);
  g_autoptr(MmDataset) train = NULL;
  g_autoptr(MmDataset) test = NULL;
  g_autoptr(GArray) ours = NULL;
  g_autoptr(GArray) theirs = NULL;

  seq_export (c);
  {
    g_auto(Run) r = RUN (PYTHON, c->script, "--steps", steps, "--log-steps", log);
    if (r.status != 0)
      g_error ("%s failed (%d): %s%s", c->script, r.status, r.out, r.err);
  }
  sequence_data (&c->seq, c->project->seed, &train, &test);
  ours = our_losses_on (c->project, train, n_steps, NULL);
  theirs = read_step_log (log);
  g_assert_cmpuint (theirs->len, ==, n_steps);
  for (guint i = 0; i < n_steps; i++)
    assert_close (g_array_index (ours, float, i), g_array_index (theirs, float, i), 1e-4, c->name, i + 1);
}

static void
test_torch_sequence_steps (void)
{
  if (skip_without_torch ())
    return;
  {
    g_auto(SeqCase) c = { 0 };
    text_case (&c, "text-steps", TEXT_NET, 12);
    c.project->l2 = 1e-3;
    check_sequence_steps (&c, 8);
  }
  {
    g_auto(SeqCase) c = { 0 };
    text_case (&c, "text-smoothing", "Embedding(V, 12); LSTM(12, 16); Linear(16, V)", 7);
    c.project->label_smoothing = 0.1;
    check_sequence_steps (&c, 6);
  }
  {
    g_auto(SeqCase) c = { 0 };
    brackets_case (&c, "brackets-steps", "Embedding(2, 8); PositionalEncoding(8); TransformerBlock(8, 2, 16); "
                                         "Last; Linear(8, 2)");
    check_sequence_steps (&c, 10);
  }
}

/* The whole script runs (one epoch of a tiny setting, with its test set),
 * PyTorch's trained weights come back into our network, which then gives
 * PyTorch's outputs, and they are the weights our own steps give. */
static void
test_torch_sequence_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(SeqCase) c = { 0 };
  g_autofree char *trained_path = tmp_path ("seq-trained.safetensors");
  g_autofree char *outputs = tmp_path ("seq-trained-outputs.npy");
  g_autoptr(MmParams) torch_state = NULL;
  g_autoptr(MmParams) imported = NULL;
  g_autoptr(MmParams) trained = NULL;
  g_autoptr(MmModule) model = NULL;
  g_autoptr(MmDataset) train = NULL;
  g_autoptr(MmDataset) test = NULL;
  g_autoptr(MmTensor) ours = NULL;
  g_autoptr(MmTensor) theirs = NULL;
  g_autoptr(GArray) losses = NULL;
  guint n_steps;

  if (skip_without_torch ())
    return;
  text_case (&c, "text-round-trip", "Embedding(V, 12); PositionalEncoding(12); MultiheadAttention(12, 3, 1); "
                                    "LayerNorm(12); LSTM(12, 10); Linear(10, V)", 10);
  c.project->epochs = 1;
  /* SGD: the keys' part of in_proj_bias has (up to rounding) no gradient
   * (softmax ignores what is added to all scores of a row alike), and Adam
   * would blow the rounding noise up into steps of size lr, different in
   * PyTorch and here; SGD keeps it at the noise's size. */
  mm_optimizer_config_init (&c.project->optimizer, MM_OPTIMIZER_SGD);
  c.project->optimizer.lr = 0.1;
  c.project->optimizer.momentum = 0.9;
  seq_export (&c);
  {
    g_auto(Run) r = RUN (PYTHON, c.script, "--save", trained_path, "--predict", outputs);
    if (r.status != 0)
      g_error ("%s failed (%d): %s%s", c.script, r.status, r.out, r.err);
    g_assert_nonnull (strstr (r.out, "epoch 1/1: train loss "));
    g_assert_nonnull (strstr (r.out, "; test loss "));
    g_assert_nonnull (strstr (r.out, "saved the weights to"));
  }
  torch_state = mm_params_load_pytorch (trained_path, &error);
  g_assert_no_error (error);
  model = mm_module_parse (c.project->network, NULL);
  imported = mm_params_from_pytorch (model, torch_state, &error);
  g_assert_no_error (error);
  sequence_data (&c.seq, c.project->seed, &train, &test);
  ours = predict_all (model, imported, test);
  theirs = read_npy_f32 (outputs);
  assert_outputs_close (ours, theirs, 1e-5f, "imported weights");

  /* The whole epoch: 1 step per batch of 8. */
  n_steps = (guint) ((mm_dataset_get_n_samples (train) + 7) / 8);
  losses = our_losses_on (c.project, train, n_steps, &trained);
  for (guint i = 0; i < mm_params_get_n (trained); i++)
    {
      const char *pname = mm_params_get_name (trained, i);
      MmTensor *a = mm_params_get_tensor (trained, i);
      MmTensor *b = mm_params_lookup (imported, pname);
      g_assert_nonnull (b);
      for (gsize k = 0; k < a->size; k++)
        if (fabsf (a->data[k] - b->data[k]) > 1e-4f * MAX (1.0f, fabsf (a->data[k])))
          g_error ("%s[%" G_GSIZE_FORMAT "]: ours %.9g, PyTorch's %.9g", pname, k, a->data[k], b->data[k]);
    }
}

/* The script writes the text the app writes from the same weights: the same
 * prompt, the same draws from the app's generator. */
static void
test_torch_sequence_sample (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(SeqCase) c = { 0 };
  g_autoptr(MmModule) model = NULL;
  g_autoptr(MmParams) weights = NULL;
  g_autoptr(MmDataset) train = NULL;
  g_autoptr(MmDataset) test = NULL;
  struct {
    const char *prompt;       /* NULL: the first line of the first training window */
    const char *temperature;
  } cases[] = { { NULL, "0.8" }, { "the café ", "0" }, { "gull", "1.5" } };

  if (skip_without_torch ())
    return;
  text_case (&c, "text-sample", "Embedding(V, 12); PositionalEncoding(12); TransformerBlock(12, 3, 16, 1); "
                                "Linear(12, V)", 16);
  seq_export (&c);
  model = mm_module_parse (c.project->network, &error);
  weights = mm_params_load_safetensors (c.weights, NULL, &error);
  g_assert_no_error (error);
  sequence_data (&c.seq, c.project->seed, &train, &test);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *prompt = NULL;
      g_autofree char *ours = NULL;
      g_autofree char *want = NULL;
      double t = g_ascii_strtod (cases[i].temperature, NULL);
      g_auto(Run) r = { 0 };

      if (cases[i].prompt != NULL)
        {
          prompt = g_strdup (cases[i].prompt);
          r = RUN (PYTHON, c.script, "--steps", "0", "--sample", "50", "--temperature", cases[i].temperature,
                   "--prompt", prompt);
        }
      else
        {
          /* What myml-train takes: the first training window up to its line end. */
          GString *p = g_string_new (NULL);
          const float *ids = mm_dataset_get_sample (train, 0);
          for (gsize k = 0; k < 16; k++)
            {
              const char *ch = mm_dataset_get_class_name (train, (guint) ids[k]);
              if (g_str_equal (ch, "\n"))
                break;
              g_string_append (p, ch);
            }
          prompt = g_string_free (p, FALSE);
          r = RUN (PYTHON, c.script, "--steps", "0", "--sample", "50", "--temperature", cases[i].temperature);
        }
      if (r.status != 0)
        g_error ("%s --sample failed (%d): %s", c.script, r.status, r.err);
      ours = mm_text_sample (model, weights, train, prompt, 50, t, c.project->seed, 16, &error);
      g_assert_no_error (error);
      want = g_strdup_printf ("sample (temperature %s):\n%s%s\n", cases[i].temperature, prompt, ours);
      g_assert_true (g_str_has_suffix (r.out, want));
    }
  /* A character the text does not have is named. */
  {
    g_auto(Run) r = RUN (PYTHON, c.script, "--steps", "0", "--sample", "5", "--prompt", "Q");
    g_assert_cmpint (r.status, ==, 1);
    g_assert_nonnull (strstr (r.err, "The prompt's character 'Q' is not in the text's 23 characters"));
  }
}

/* A project whose data is a text or the bracket task (as the app saves it)
 * exports the same way: the script makes the project's samples, split 80/20
 * by the seed, and its steps are ours. */
static void
test_torch_sequence_project (void)
{
  g_autoptr(MmProject) text = mm_project_new ();
  g_autoptr(MmProject) brackets = mm_project_new ();

  text->data = MM_PROJECT_DATA_TEXT;
  text->data_path = make_text ();
  text->seq_len = 12;
  g_free (text->network);
  text->network = g_strdup ("Embedding(23, 10); TransformerBlock(10, 2, 12, 1); LSTM(10, 8); Linear(8, 23)");
  text->batch_size = 8;
  text->epochs = 2;
  text->seed = 17;
  mm_optimizer_config_init (&text->optimizer, MM_OPTIMIZER_RMSPROP);
  {
    g_autofree char *s = script_of (text, NULL);
    g_autofree char *abs = g_canonicalize_filename (text->data_path, NULL);
    g_autofree char *want = g_strdup_printf ("TEXT_FILE = Path(\"%s\")", abs);
    assert_has (s, want);
    assert_has (s, "SEQ_LEN = 12\n");
    assert_has (s, "TEST_FRACTION = 0.2 ");
  }
  compare_run (text, "text-project", 6);

  brackets->data = MM_PROJECT_DATA_BRACKETS;
  brackets->toy_samples = 80;
  brackets->seq_len = 8;
  g_free (brackets->network);
  brackets->network = g_strdup ("Embedding(2, 4); RNN(4, 8, 2); Last; Linear(8, 2)");
  brackets->batch_size = 16;
  brackets->epochs = 2;
  brackets->seed = 23;
  {
    g_autofree char *s = script_of (brackets, NULL);
    assert_has (s, "BRACKETS = 80\n");
    assert_has (s, "LENGTH = 8\n");
    assert_has (s, "BRACKETS_SEED = 23\n");
  }
  compare_run (brackets, "brackets-project", 6);

  /* The shipped text, when the project names none. */
  g_clear_pointer (&text->data_path, g_free);
  {
    g_autofree char *shipped = mm_text_find (MM_TEXT_DEFAULT);
    if (shipped != NULL)
      {
        g_autofree char *s = script_of (text, NULL);
        g_autofree char *abs = g_canonicalize_filename (shipped, NULL);
        g_autofree char *want = g_strdup_printf ("TEXT_FILE = Path(\"%s\")", abs);
        assert_has (s, want);
      }
  }
}

/* ---- myml-train --export-pytorch / --import-pytorch ------------------------------ */

static const char *
myml_train (void)
{
  static char *path = NULL;

  if (path == NULL)
    path = g_getenv ("MYML_TRAIN") ? g_strdup (g_getenv ("MYML_TRAIN"))
                                   : g_test_build_filename (G_TEST_BUILT, "..", "src", "cli", "myml-train", NULL);
  return path;
}

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

#define MOONS "--data", "moons", "--samples", "120", "--model", "Linear(2, 8); Tanh; Linear(8, 2)", \
              "--optimizer", "adamw", "--lr", "0.02", "--weight-decay", "0.01", "--l2", "0.001", \
              "--batch-size", "24", "--epochs", "2", "--seed", "5", "--schedule", "step:1:0.5"

/* myml-train --export-pytorch DIR/NAME.py with the MOONS options; the path
 * of the script. */
static char *
cli_export (const char *dir_name)
{
  g_autofree char *dir = tmp_path (dir_name);
  char *script = g_build_filename (dir, "moons.py", NULL);
  g_auto(Run) r = { 0 };

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  r = RUN (myml_train (), MOONS, "--export-pytorch", script);
  if (r.status != 0)
    g_error ("myml-train --export-pytorch failed: %s", r.err);
  g_assert_nonnull (strstr (r.out, "wrote"));
  return script;
}

static gboolean
skip_without_myml_train (void)
{
  if (!g_file_test (myml_train (), G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("myml-train is not built (set MYML_TRAIN)");
      return TRUE;
    }
  return FALSE;
}

static void
test_cli (void)
{
  g_autofree char *script = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *weights = NULL;
  g_autofree char *train_x = NULL;
  g_autofree char *script_text = NULL;
  const char *bin = myml_train ();

  if (skip_without_myml_train ())
    return;
  {
    g_auto(Run) r = RUN (bin, "--help");
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.out, "--export-pytorch=FILE"));
    g_assert_nonnull (strstr (r.out, "--import-pytorch=FILE"));
  }
  script = cli_export ("cli");
  dir = g_path_get_dirname (script);
  weights = g_build_filename (dir, "moons.safetensors", NULL);
  train_x = g_build_filename (dir, "moons-train-x.npy", NULL);
  g_assert_true (g_file_test (weights, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (train_x, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (script, &script_text, NULL, NULL));
  assert_has (script_text, "\"\"\"moons: a MyML Studio project");
  assert_has (script_text, "torch.optim.AdamW(model.parameters(), lr=0.02");
  assert_has (script_text, "StepLR(optimizer, step_size=1, gamma=0.5)");
  assert_has (script_text, "The toy set \"moons\": 120 points");
  assert_has (script_text, "L2 = 0.001\n");
  assert_has (script_text, "SEED = 5 ");

  /* Bad input: one line, exit 2 for options, 1 for files. */
  {
    g_auto(Run) r = RUN (bin, MOONS, "--load", weights, "--import-pytorch", weights);
    g_assert_cmpint (r.status, ==, 2);
    assert_one_line (&r, "--load and --import-pytorch");
  }
  {
    g_auto(Run) r = RUN (bin, MOONS, "--import-pytorch", weights);
    g_assert_cmpint (r.status, ==, 1);
    assert_one_line (&r, "MyML Studio's own weights");
  }
  {
    g_auto(Run) r = RUN (bin, MOONS, "--import-pytorch", "/nonexistent/x.safetensors");
    g_assert_cmpint (r.status, ==, 1);
    assert_one_line (&r, "Could not open the PyTorch weights");
  }
  {
    g_autofree char *bad = g_build_filename (dir, "missing", "x.py", NULL);
    g_auto(Run) r = RUN (bin, MOONS, "--export-pytorch", bad);
    g_assert_cmpint (r.status, ==, 1);
    assert_one_line (&r, "Could not write");
  }
}

/* --project with weights: the script starts from the project's weights. */
static void
test_cli_project (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmProject) p = cnn_project ();
  g_autoptr(MmModule) model = mm_module_parse (p->network, NULL);
  g_autoptr(GArray) specs = mm_module_get_params (model);
  g_autofree char *dir = tmp_path ("cli-project");
  g_autofree char *project = g_build_filename (dir, "cnn.myml", NULL);
  g_autofree char *script = g_build_filename (dir, "exported.py", NULL);
  g_autofree char *weights = g_build_filename (dir, "exported.safetensors", NULL);
  g_autofree char *text = NULL;
  g_autoptr(MmParams) written = NULL;

  if (skip_without_myml_train ())
    return;
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  p->weights = mm_params_init (specs, MM_INIT_HE_NORMAL, 99, &error);
  p->epochs = 7;
  g_assert_true (mm_project_save (p, project, &error));
  g_assert_no_error (error);
  {
    g_auto(Run) r = RUN (myml_train (), "--project", project, "--epochs", "3", "--export-pytorch", script);
    if (r.status != 0)
      g_error ("myml-train --project --export-pytorch failed: %s", r.err);
  }
  g_assert_true (g_file_get_contents (script, &text, NULL, NULL));
  assert_has (text, "EPOCHS = 3\n");
  assert_has (text, "nn.Conv2d(4, 6, 3, padding=2, dilation=2),");
  assert_has (text, "nn.BatchNorm1d(16, eps=0.001, momentum=0.2),");
  assert_has (text, "MNIST format");
  written = mm_params_load_safetensors (weights, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < specs->len; i++)
    {
      const char *name = g_array_index (specs, MmParamSpec, i).name;
      MmTensor *a = mm_params_lookup (p->weights, name);
      MmTensor *b = mm_params_lookup (written, name);
      g_assert_nonnull (b);
      g_assert_cmpmem (a->data, a->size * 4, b->data, b->size * 4);
    }
}

/* The script's run is myml-train's run, schedule included; PyTorch's trained
 * weights start another run. */
static void
test_cli_torch (void)
{
  g_autofree char *script = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *ours_log = NULL;
  g_autofree char *theirs_log = NULL;
  g_autofree char *torch_weights = NULL;
  const char *bin = myml_train ();

  if (skip_without_myml_train () || skip_without_torch ())
    return;
  script = cli_export ("cli-torch");
  dir = g_path_get_dirname (script);
  ours_log = g_build_filename (dir, "ours.csv", NULL);
  theirs_log = g_build_filename (dir, "theirs.csv", NULL);
  torch_weights = g_build_filename (dir, "torch.safetensors", NULL);
  {
    g_auto(Run) r = RUN (bin, MOONS, "--quiet", "--log", ours_log);
    g_assert_cmpint (r.status, ==, 0);
  }
  {
    g_auto(Run) r = RUN (PYTHON, script, "--log-steps", theirs_log, "--save", torch_weights);
    if (r.status != 0)
      g_error ("%s failed: %s", script, r.err);
  }
  {
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GArray) theirs = read_step_log (theirs_log);

    g_assert_true (g_file_get_contents (ours_log, &text, NULL, NULL));
    lines = g_strsplit (text, "\n", -1);
    g_assert_cmpuint (theirs->len, ==, 8);   /* 96 training points, batches of 24, 2 epochs */
    g_assert_cmpuint (g_strv_length (lines), ==, 10);   /* a header, 8 steps, an empty end */
    for (guint i = 0; i < theirs->len; i++)
      {
        g_auto(GStrv) cols = g_strsplit (lines[i + 1], ",", -1);
        assert_close ((float) g_ascii_strtod (cols[2], NULL), g_array_index (theirs, float, i), 1e-4, "cli step",
                      i + 1);
      }
  }
  {
    g_auto(Run) r = RUN (bin, MOONS, "--quiet", "--epochs", "1", "--import-pytorch", torch_weights);
    if (r.status != 0)
      g_error ("myml-train --import-pytorch failed: %s", r.err);
  }
  {
    g_auto(Run) r = RUN (bin, "--data", "moons", "--model", "Linear(2, 9); Tanh; Linear(9, 2)",
                         "--import-pytorch", torch_weights);
    g_assert_cmpint (r.status, ==, 1);
    assert_one_line (&r, "0.weight has shape (8, 2), but the network needs (9, 2)");
  }
}

#undef MOONS

/* myml-train --export-pytorch with the sequence data sets: the script's
 * steps are myml-train's (the same strings or windows, split by
 * --test-fraction and the seed), and its trained weights start another run. */
static void
cli_sequence_run (const char          *name,
                  const char * const  *options,
                  guint                want_steps)
{
  g_autofree char *dir = tmp_path (name);
  g_autofree char *file = g_strconcat (name, ".py", NULL);
  g_autofree char *script = g_build_filename (dir, file, NULL);
  g_autofree char *ours_log = g_build_filename (dir, "ours.csv", NULL);
  g_autofree char *theirs_log = g_build_filename (dir, "theirs.csv", NULL);
  g_autofree char *torch_weights = g_build_filename (dir, "torch.safetensors", NULL);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GArray) theirs = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint base;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_ptr_array_add (args, (gpointer) myml_train ());
  for (guint i = 0; options[i]; i++)
    g_ptr_array_add (args, (gpointer) options[i]);
  base = args->len;
#define RUN_WITH(...) G_STMT_START {                                               \
    const char *extra[] = { __VA_ARGS__, NULL };                                    \
    g_ptr_array_set_size (args, base);                                              \
    for (guint _i = 0; extra[_i]; _i++)                                             \
      g_ptr_array_add (args, (gpointer) extra[_i]);                                 \
    g_ptr_array_add (args, NULL);                                                   \
  } G_STMT_END
  RUN_WITH ("--export-pytorch", script);
  {
    g_auto(Run) r = run_argv ((const char * const *) args->pdata);
    if (r.status != 0)
      g_error ("myml-train --export-pytorch failed: %s", r.err);
    g_assert_nonnull (strstr (r.out, "wrote"));
    g_assert_null (strstr (r.out, ".npy"));
  }
  RUN_WITH ("--quiet", "--log", ours_log);
  {
    g_auto(Run) r = run_argv ((const char * const *) args->pdata);
    if (r.status != 0)
      g_error ("myml-train failed: %s", r.err);
  }
  {
    g_auto(Run) r = RUN (PYTHON, script, "--log-steps", theirs_log, "--save", torch_weights);
    if (r.status != 0)
      g_error ("%s failed: %s", script, r.err);
  }
  theirs = read_step_log (theirs_log);
  g_assert_true (g_file_get_contents (ours_log, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (theirs->len, ==, want_steps);
  g_assert_cmpuint (g_strv_length (lines), ==, want_steps + 2);   /* a header, the steps, an empty end */
  for (guint i = 0; i < theirs->len; i++)
    {
      g_auto(GStrv) cols = g_strsplit (lines[i + 1], ",", -1);
      assert_close ((float) g_ascii_strtod (cols[2], NULL), g_array_index (theirs, float, i), 1e-4, name, i + 1);
    }
  RUN_WITH ("--quiet", "--epochs", "1", "--import-pytorch", torch_weights);
  {
    g_auto(Run) r = run_argv ((const char * const *) args->pdata);
    if (r.status != 0)
      g_error ("myml-train --import-pytorch failed: %s", r.err);
  }
#undef RUN_WITH
}

static void
test_cli_sequences (void)
{
  g_autofree char *text = NULL;
  g_autofree char *data = NULL;

  if (skip_without_myml_train () || skip_without_torch ())
    return;
  /* 96 strings, 72 for training: 5 batches of 16 (the last of 8) per epoch. */
  cli_sequence_run ("cli-brackets", (const char *[]) {
                      "--data", "brackets", "--samples", "96", "--seq-len", "8", "--model",
                      "Embedding(2, 6); LSTM(6, 10); Last; Linear(10, 2)", "--optimizer", "adam", "--lr", "0.01",
                      "--batch-size", "16", "--epochs", "2", "--seed", "3", "--test-fraction", "0.25", NULL }, 10);
  text = make_text ();
  data = g_strconcat ("text:", text, NULL);
  /* 90 windows of 10 characters, 72 for training: 5 batches of 16 (the last
   * of 8). */
  cli_sequence_run ("cli-text", (const char *[]) {
                      "--data", data, "--seq-len", "10", "--model",
                      "Embedding(V, 8); PositionalEncoding(8); TransformerBlock(8, 2, 16, 1); Linear(8, V)",
                      "--optimizer", "sgd", "--lr", "0.3", "--momentum", "0.9", "--batch-size", "16",
                      "--epochs", "1", "--seed", "6", NULL }, 5);
  /* A network of other sizes is refused, naming the tensor. */
  {
    g_autofree char *weights = tmp_path ("cli-brackets/torch.safetensors");
    g_auto(Run) r = RUN (myml_train (), "--data", "brackets", "--model", "Embedding(2, 6); LSTM(6, 12); Last; "
                         "Linear(12, 2)", "--import-pytorch", weights);
    g_assert_cmpint (r.status, ==, 1);
    assert_one_line (&r, "1.weight_ih_l0 has shape (40, 6), but the network needs (48, 6)");
  }
}


/* ---- main ---------------------------------------------------------------------- */

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
    }
  g_remove (path);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("test-export-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);

  g_test_add_func ("/export/script/mlp", test_script_mlp);
  g_test_add_func ("/export/script/no-weights", test_script_no_weights);
  g_test_add_func ("/export/script/optimizers", test_script_optimizers);
  g_test_add_func ("/export/script/loss-and-penalties", test_script_loss_and_penalties);
  g_test_add_func ("/export/script/layers", test_script_layers);
  g_test_add_func ("/export/script/data", test_script_data);
  g_test_add_func ("/export/script/schedule", test_script_schedule);
  g_test_add_func ("/export/script/errors", test_script_errors);
  g_test_add_func ("/export/npy", test_npy);
  g_test_add_func ("/export/import/state-dict", test_import);
  g_test_add_func ("/export/import/file", test_load_pytorch_file);
  g_test_add_func ("/export/ours-is-the-trainer", test_ours_is_the_trainer);
  g_test_add_func ("/export/torch/sgd", test_torch_sgd);
  g_test_add_func ("/export/torch/sgd-momentum", test_torch_sgd_momentum);
  g_test_add_func ("/export/torch/sgd-nesterov", test_torch_sgd_nesterov);
  g_test_add_func ("/export/torch/rmsprop", test_torch_rmsprop);
  g_test_add_func ("/export/torch/rmsprop-centered", test_torch_rmsprop_centered);
  g_test_add_func ("/export/torch/adam", test_torch_adam);
  g_test_add_func ("/export/torch/adam-amsgrad", test_torch_adam_amsgrad);
  g_test_add_func ("/export/torch/adamw", test_torch_adamw);
  g_test_add_func ("/export/torch/penalties-smoothing-dropout", test_torch_penalties);
  g_test_add_func ("/export/torch/mse", test_torch_mse);
  g_test_add_func ("/export/torch/elementwise", test_torch_elementwise);
  g_test_add_func ("/export/torch/cnn-idx", test_torch_cnn);
  g_test_add_func ("/export/torch/csv", test_torch_csv);
  g_test_add_func ("/export/torch/fashion-mnist", test_torch_fashion_mnist);
  g_test_add_func ("/export/torch/import-mlp", test_torch_import_mlp);
  g_test_add_func ("/export/torch/import-cnn", test_torch_import_cnn);
  g_test_add_func ("/export/script/sequences", test_script_sequences);
  g_test_add_func ("/export/import/sequences", test_import_sequences);
  g_test_add_func ("/export/torch/sequence-forward", test_torch_sequence_forward);
  g_test_add_func ("/export/torch/sequence-steps", test_torch_sequence_steps);
  g_test_add_func ("/export/torch/sequence-round-trip", test_torch_sequence_round_trip);
  g_test_add_func ("/export/torch/sequence-sample", test_torch_sequence_sample);
  g_test_add_func ("/export/torch/sequence-project", test_torch_sequence_project);
  g_test_add_func ("/export/cli/options", test_cli);
  g_test_add_func ("/export/cli/project", test_cli_project);
  g_test_add_func ("/export/cli/torch", test_cli_torch);
  g_test_add_func ("/export/cli/sequences", test_cli_sequences);

  status = g_test_run ();
  remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
