/* test-faults.c — what goes wrong in a classroom, in the core and in
 * myml-train: a full disk or a read-only folder while saving (the earlier
 * project stays byte for byte), a network of 10⁹ parameters (refused before
 * anything is allocated), a batch larger than the data, a learning rate of
 * 10⁶ (divergence named at its step, the network left finite), CSV files
 * with one class, a header only or nothing at all. Each gives a clear
 * message, never a crash. */
#include <myml.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

static char *tmpdir;

/* ---- Helpers ------------------------------------------------------------------ */

static MmProject *
project_with_weights (const char *network,
                      guint32     seed)
{
  MmProject *p = mm_project_new ();
  g_autoptr(MmModule) net = NULL;
  g_autoptr(GArray) specs = NULL;
  g_autoptr(GError) error = NULL;

  g_free (p->network);
  p->network = g_strdup (network);
  p->data = MM_PROJECT_DATA_TOY;
  p->toy = MM_TOY_SPIRAL;
  p->toy_samples = 200;
  p->toy_classes = 3;
  net = mm_module_parse (p->network, &error);
  g_assert_no_error (error);
  specs = mm_module_get_params (net);
  p->weights = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, seed, &error);
  g_assert_no_error (error);
  return p;
}

static GBytes *
read_bytes (const char *path)
{
  char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

static void
assert_same_bytes (GBytes     *before,
                   const char *path)
{
  g_autoptr(GBytes) after = read_bytes (path);

  if (!g_bytes_equal (before, after))
    g_error ("%s changed (%zu bytes before, %zu after)", path,
             g_bytes_get_size (before), g_bytes_get_size (after));
}

/* The folder holds exactly @n files: no temporary file is left behind. */
static void
assert_n_files (const char *dir,
                guint       n)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint count = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_test_message ("%s: %s", dir, name);
      count++;
    }
  g_assert_cmpuint (count, ==, n);
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_remove (p);
    }
  g_rmdir (dir);
}

static void
assert_message (const GError *error,
                const char   *expected)
{
  g_assert_nonnull (error);
  g_test_message ("message: %s", error->message);
  g_assert_cmpstr (error->message, ==, expected);
}

/* A first project saved, then a second, different one saved over it while
 * @break_it makes the disk refuse; the first stays whole. Returns the error. */
typedef gboolean (*BreakFunc) (const char *dir, gboolean on);

static GError *
save_over_broken (const char *dir,
                  BreakFunc   break_it)
{
  g_autofree char *path = g_build_filename (dir, "class.myml", NULL);
  g_autofree char *weights = mm_project_weights_path (path);
  g_autoptr(MmProject) first = project_with_weights ("Linear(2, 8); Tanh; Linear(8, 3)", 1);
  g_autoptr(MmProject) second = project_with_weights ("Linear(2, 64); ReLU; Linear(64, 64); ReLU; Linear(64, 3)", 2);
  g_autoptr(GBytes) json_before = NULL;
  g_autoptr(GBytes) weights_before = NULL;
  GError *error = NULL;
  gboolean saved;

  g_assert_true (mm_project_save (first, path, &error));
  g_assert_no_error (error);
  json_before = read_bytes (path);
  weights_before = read_bytes (weights);

  if (!break_it (dir, TRUE))
    return NULL;
  saved = mm_project_save (second, path, &error);
  break_it (dir, FALSE);

  g_assert_false (saved);
  g_assert_error (error, MM_ERROR, MM_ERROR_IO);
  assert_same_bytes (json_before, path);
  assert_same_bytes (weights_before, weights);
  assert_n_files (dir, 2);
  {
    /* The earlier project still opens, with its own weights. */
    g_autoptr(GError) local = NULL;
    g_autoptr(MmProject) back = mm_project_load (path, &local);
    g_assert_no_error (local);
    g_assert_cmpstr (back->network, ==, first->network);
  }
  /* And once the disk is fine again, the save goes through. */
  {
    g_autoptr(GError) local = NULL;
    g_assert_true (mm_project_save (second, path, &local));
    g_assert_no_error (local);
    assert_n_files (dir, 2);
  }
  return error;
}

/* ---- A full disk ------------------------------------------------------------------ */

/* RLIMIT_FSIZE makes every write past 1 KB fail with EFBIG, as a disk with
 * 1 KB left would: files may be opened and created, but not filled. The
 * first project's files are already there; the limit applies to the new
 * ones only. */
static gboolean
limit_file_size (const char *dir,
                 gboolean    on)
{
  static struct rlimit saved;

  if (on)
    {
      struct rlimit small;
      g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
      small = saved;
      small.rlim_cur = 1024;
      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
    }
  else
    g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  return TRUE;
}

static void
test_save_full_disk (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "full", NULL);
  g_autofree char *path = g_build_filename (dir, "class.myml", NULL);
  g_autofree char *weights = mm_project_weights_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected_start = NULL;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  error = save_over_broken (dir, limit_file_size);
  g_assert_nonnull (error);
  g_test_message ("message: %s", error->message);
  /* The weights come first and are the larger file: they hit the limit. */
  expected_start = g_strdup_printf ("Could not save the project “%s”: the disk is full (Could not save the weights: "
                                    "Failed to write file “%s”: write() failed: File too large). "
                                    "Any earlier version of the file is unchanged.", path, weights);
  assert_message (error, expected_start);
  remove_tree (dir);
}

/* ---- A read-only folder ------------------------------------------------------------ */

/* Without write permission on the folder — which root ignores, and CI runs
 * as root — so for root the folder is also made immutable (chattr +i, which
 * binds root too). When neither holds on this file system the test skips. */
static gboolean
make_read_only (const char *dir,
                gboolean    on)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int flags = 0;
  gboolean immutable_ok = FALSE;

  g_assert_cmpint (fd, >=, 0);
  /* An immutable folder refuses chmod too: permissions first going in,
   * last coming out. */
  if (on)
    g_assert_cmpint (g_chmod (dir, 0555), ==, 0);
  if (ioctl (fd, FS_IOC_GETFLAGS, &flags) == 0)
    {
      flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
      immutable_ok = ioctl (fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
  close (fd);
  if (!on)
    g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  if (on)
    {
      /* Does it hold? */
      g_autofree char *probe = g_build_filename (dir, "probe", NULL);
      int pfd = open (probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (pfd >= 0)
        {
          close (pfd);
          g_unlink (probe);
          make_read_only (dir, FALSE);
          g_test_skip ("No way to make a folder read-only here (root, and no chattr +i on this file system)");
          return FALSE;
        }
      g_test_message ("read-only folder by %s", immutable_ok ? "chattr +i" : "permissions");
    }
  return TRUE;
}

static void
test_save_read_only (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "ro", NULL);
  g_autofree char *path = g_build_filename (dir, "class.myml", NULL);
  g_autofree char *weights = mm_project_weights_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  error = save_over_broken (dir, make_read_only);
  if (error == NULL)
    {
      remove_tree (dir);
      return;
    }
  /* EACCES (permissions) and EPERM (immutable) read the same. */
  expected = g_strdup_printf ("Could not save the project “%s”: there is no permission to write there "
                              "(Could not create a file in “%s”: %s). "
                              "Any earlier version of the file is unchanged.",
                              path, dir, strstr (error->message, "Permission denied") ? "Permission denied"
                                                                                      : "Operation not permitted");
  assert_message (error, expected);
  remove_tree (dir);
}

/* A folder that does not exist, and a file system that takes no files (/proc). */
static void
test_save_nowhere (void)
{
  g_autoptr(MmProject) p = project_with_weights ("Linear(2, 3)", 1);
  g_autofree char *missing = g_build_filename (tmpdir, "gone", "class.myml", NULL);
  g_autofree char *missing_dir = g_build_filename (tmpdir, "gone", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;

  g_assert_false (mm_project_save (p, missing, &error));
  expected = g_strdup_printf ("Could not save the project “%s”: the folder does not exist "
                              "(Could not create a file in “%s”: No such file or directory). "
                              "Any earlier version of the file is unchanged.", missing, missing_dir);
  assert_message (error, expected);
  g_clear_error (&error);

  g_assert_false (mm_project_save (p, "/proc/class.myml", &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_IO);
  g_test_message ("message: %s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Could not save the project “/proc/class.myml”: "));
}

/* The project file deleted by someone else: the next save writes it again. */
static void
test_save_after_delete (void)
{
  g_autoptr(MmProject) p = project_with_weights ("Linear(2, 3)", 1);
  g_autofree char *dir = g_build_filename (tmpdir, "deleted", NULL);
  g_autofree char *path = g_build_filename (dir, "class.myml", NULL);
  g_autofree char *weights = mm_project_weights_path (path);
  g_autoptr(GBytes) json = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_assert_true (mm_project_save (p, path, &error));
  json = read_bytes (path);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_unlink (weights), ==, 0);
  g_assert_true (mm_project_save (p, path, &error));
  g_assert_no_error (error);
  assert_same_bytes (json, path);
  assert_n_files (dir, 2);
  remove_tree (dir);
}

/* ---- Absurd sizes ---------------------------------------------------------------------- */

static gsize
rss_bytes (void)
{
  g_autofree char *statm = NULL;
  unsigned long size = 0, resident = 0;

  g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  g_assert_cmpint (sscanf (statm, "%lu %lu", &size, &resident), ==, 2);
  return resident * (gsize) sysconf (_SC_PAGESIZE);
}

static void
test_huge_model (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) net = mm_module_parse ("Linear(100000, 10000)", &error);
  g_autoptr(GArray) specs = NULL;
  g_autoptr(MmParams) params = NULL;
  g_autoptr(MmDataset) data = NULL;
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, NULL);
  gsize rss_before = rss_bytes ();
  MmTrainerConfig config;
  MmTrainer *t;

  /* 100000 · 10000 weights + 10000 biases. */
  g_assert_no_error (error);
  specs = mm_module_get_params (net);
  params = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 1, &error);
  g_assert_null (params);
  g_assert_error (error, MM_ERROR, MM_ERROR_TOO_LARGE);
  assert_message (error, "The network has 1000010000 parameters, more than the 100000000 that can be trained "
                         "here (training keeps several copies of each). Use fewer or smaller layers.");
  g_clear_error (&error);

  /* Through the trainer, as the app and myml-train make it. */
  data = mm_dataset_new_toy (MM_TOY_SPIRAL, 100, 0.1, 3, 1, &error);
  g_assert_no_error (error);
  mm_trainer_config_init (&config);
  config.model = mm_module_parse ("Linear(2, 100000); ReLU; Linear(100000, 10000); ReLU; Linear(10000, 3)", &error);
  g_assert_no_error (error);
  config.loss = mm_loss_one_hot_new (ce, 3, NULL);
  config.train = mm_dataset_ref (data);
  mm_optimizer_config_init (&config.optimizer, MM_OPTIMIZER_SGD);
  config.threads = 1;
  t = mm_trainer_new (&config, &error);
  mm_trainer_config_clear (&config);
  g_assert_null (t);
  assert_message (error, "The network has 1000340003 parameters, more than the 100000000 that can be trained "
                         "here (training keeps several copies of each). Use fewer or smaller layers.");
  /* Nothing of the 4 GB was allocated (what a budget is for). */
  g_test_message ("RSS before %zu MB, after %zu MB", rss_before >> 20, rss_bytes () >> 20);
  g_assert_cmpuint (rss_bytes (), <, rss_before + ((gsize) 100 << 20));
}

/* One number over the budget is refused, and the count is the total over
 * all parameters (here two that are each under it). A network of a million
 * numbers is fine. */
static void
test_budget_edge (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) ok = mm_module_parse ("Linear(999999, 1)", &error);
  g_autoptr(GArray) ok_specs = NULL;
  g_autoptr(MmParams) ok_params = NULL;
  g_autoptr(GArray) specs = mm_param_specs_new ();
  g_autoptr(MmParams) params = NULL;
  MmShape shape;

  g_assert_no_error (error);
  ok_specs = mm_module_get_params (ok);
  ok_params = mm_params_init (ok_specs, MM_INIT_ZEROS, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_params_count_values (ok_params), ==, 1000000);

  g_assert_true (mm_shape_init (&shape, 2, (gsize[]) { MM_MAX_PARAMS / 2, 1 }, NULL));
  mm_param_specs_add (specs, "a", &shape, MM_PARAM_WEIGHT, 1, 1);
  g_assert_true (mm_shape_init (&shape, 1, (gsize[]) { MM_MAX_PARAMS / 2 + 1 }, NULL));
  mm_param_specs_add (specs, "b", &shape, MM_PARAM_BIAS, 1, 1);
  params = mm_params_init (specs, MM_INIT_ZEROS, 1, &error);
  g_assert_null (params);
  assert_message (error, "The network has 100000001 parameters, more than the 100000000 that can be trained "
                         "here (training keeps several copies of each). Use fewer or smaller layers.");
}

static MmTrainer *
spiral_trainer (const char *model,
                double      lr,
                gsize       batch_size,
                guint       epochs,
                GError    **error)
{
  g_autoptr(MmDataset) data = mm_dataset_new_toy (MM_TOY_SPIRAL, 150, 0.05, 3, 7, NULL);
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, NULL);
  MmTrainerConfig config;
  MmTrainer *t;

  mm_trainer_config_init (&config);
  config.model = mm_module_parse (model, NULL);
  config.loss = mm_loss_one_hot_new (ce, 3, NULL);
  config.train = mm_dataset_ref (data);
  mm_optimizer_config_init (&config.optimizer, MM_OPTIMIZER_SGD);
  config.optimizer.lr = lr;
  config.batch_size = batch_size;
  config.epochs = epochs;
  config.seed = 42;
  config.threads = 1;
  t = mm_trainer_new (&config, error);
  mm_trainer_config_clear (&config);
  return t;
}

static MmTrainerState
run_to_end (MmTrainer *t)
{
  mm_trainer_start (t);
  mm_trainer_wait (t);
  return mm_trainer_get_state (t);
}

/* A batch of 10⁷ on 150 samples: every step is the whole set. */
static void
test_huge_batch (void)
{
  g_autoptr(GError) error = NULL;
  MmTrainer *t = spiral_trainer ("Linear(2, 3)", 0.1, 10000000, 3, &error);
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));

  g_assert_no_error (error);
  g_assert_cmpuint (mm_trainer_get_n_batches (t), ==, 1);
  g_assert_cmpint (run_to_end (t), ==, MM_TRAINER_FINISHED);
  g_assert_cmpuint (mm_trainer_get_history (t, 0, points), ==, 3);
  mm_trainer_free (t);
}

/* lr 10⁶ with tanh: the loss explodes to about 10⁶ and stays finite, so
 * no NaN ever stops it. The trainer stops after 50 such steps in a row,
 * names the step, and does not apply it. The bad-lr preset's rate (20, a
 * hundred times too large but a lesson, not a failure) is not stopped. */
static void
test_exploding_loss (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  const MmTrainerRecord *last;
  guint64 step = 0;
  MmTrainer *t = spiral_trainer ("Linear(2, 16); Tanh; Linear(16, 16); Tanh; Linear(16, 3)", 1e6, 10, 100, &error);

  g_assert_no_error (error);
  g_assert_cmpint (run_to_end (t), ==, MM_TRAINER_DIVERGED);
  mm_trainer_drain (t, records);
  last = &g_array_index (records, MmTrainerRecord, records->len - 1);
  g_test_message ("%s", last->message);
  g_assert_true (g_regex_match_simple ("^Training diverged at step [0-9]+ \\(epoch [0-9]+, batch [0-9]+\\): the loss "
                                       "exploded from [0-9.]+ to [0-9.e+]+ and stayed there for 50 steps\\. "
                                       "Try a smaller learning rate\\.$", last->message, 0, 0));
  g_assert_cmpint (sscanf (last->message, "Training diverged at step %" G_GUINT64_FORMAT, &step), ==, 1);
  /* The step that said so was not applied: the history ends just before it. */
  g_assert_cmpuint (mm_trainer_get_history (t, 0, points), ==, step - 1);
  g_assert_cmpfloat (g_array_index (points, MmStepPoint, points->len - 1).loss, >, 1e3);
  {
    g_autoptr(MmParams) snap = mm_trainer_snapshot_params (t);
    g_assert_true (mm_params_all_finite (snap, NULL));
  }
  mm_trainer_free (t);

  t = spiral_trainer ("Linear(2, 16); Tanh; Linear(16, 16); Tanh; Linear(16, 3)", 20.0, 10, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run_to_end (t), ==, MM_TRAINER_FINISHED);
  mm_trainer_free (t);
}

/* ---- Data sets ------------------------------------------------------------------------------- */

static void
expect_csv_error (const char *name,
                  const char *text,
                  const char *expected_after_path)
{
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autofree char *expected = g_strdup_printf ("'%s'%s", path, expected_after_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) ds = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  ds = mm_dataset_load_csv (path, -1, &error);
  g_assert_null (ds);
  g_assert_error (error, MM_ERROR, MM_ERROR_FORMAT);
  assert_message (error, expected);
  g_unlink (path);
}

static void
test_csv_faults (void)
{
  expect_csv_error ("one-class.csv", "x,y,label\n1,2,1\n3,4,1\n5,6,1\n",
                    " has only one class: every label is 1. A classifier needs examples of at least "
                    "two classes to tell apart");
  expect_csv_error ("header-only.csv", "x,y,label\n", " has a header but no data rows");
  expect_csv_error ("zero-rows.csv", "", " is empty");
}

/* ---- myml-train ---------------------------------------------------------------------------- */

typedef struct {
  int status;
  char *out, *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static gboolean
run_cli (Run         *r,
         const char *const *args)
{
  const char *train = g_getenv ("MYML_TRAIN");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  if (train == NULL)
    {
      g_test_skip ("MYML_TRAIN (the path of myml-train) is not set");
      return FALSE;
    }
  g_ptr_array_add (argv, (gpointer) train);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &r->out, &r->err, &r->status, &error));
  g_assert_no_error (error);
  g_test_message ("stderr: %s", r->err);
  return TRUE;
}

static void
assert_failed_with (Run        *r,
                    const char *line)
{
  g_autofree char *want = g_strconcat ("myml-train: ", line, "\n", NULL);

  g_assert_false (g_spawn_check_wait_status (r->status, NULL));
  /* A message, not a crash: exit status 1, not a signal. */
  g_assert_true (WIFEXITED (r->status));
  g_assert_cmpint (WEXITSTATUS (r->status), ==, 1);
  g_assert_nonnull (strstr (r->err, want));
}

static void
test_cli_faults (void)
{
  g_autofree char *one = g_build_filename (tmpdir, "one.csv", NULL);
  g_autofree char *header = g_build_filename (tmpdir, "header.csv", NULL);
  g_autofree char *empty = g_build_filename (tmpdir, "empty.csv", NULL);
  g_autofree char *msg = NULL;

  {
    g_auto(Run) r = { 0 };
    if (!run_cli (&r, (const char *[]) { "--data", "spiral", "--quiet", "--epochs", "1", "--model",
                                         "Linear(2, 100000); ReLU; Linear(100000, 10000); ReLU; Linear(10000, 3)",
                                         NULL }))
      return;
    assert_failed_with (&r, "The network has 1000340003 parameters, more than the 100000000 that can be trained "
                            "here (training keeps several copies of each). Use fewer or smaller layers.");
  }
  {
    g_auto(Run) r = { 0 };
    g_assert_true (run_cli (&r, (const char *[]) { "--data", "spiral", "--quiet", "--epochs", "2", "--model",
                                                   "Linear(2, 3)", "--batch-size", "10000000", NULL }));
    g_assert_true (g_spawn_check_wait_status (r.status, NULL));
    g_assert_nonnull (strstr (r.err, "myml-train: note: the batch size 10000000 is larger than the 800 training "
                                     "samples; each step uses all 800 (one step per epoch)\n"));
    g_assert_nonnull (strstr (r.out, "batch 800, 2 epochs"));
  }
  {
    /* The seed's kind of network (ReLU) at lr 10⁶: NaN within a few steps. */
    g_auto(Run) r = { 0 };
    g_assert_true (run_cli (&r, (const char *[]) { "--data", "spiral", "--quiet", "--epochs", "50", "--model",
                                                   "Linear(2, 100); ReLU; Linear(100, 100); ReLU; Linear(100, 3)",
                                                   "--lr", "1e6", NULL }));
    g_assert_false (g_spawn_check_wait_status (r.status, NULL));
    g_assert_true (WIFEXITED (r.status));
    g_assert_nonnull (strstr (r.err, "myml-train: Training diverged at step "));
    g_assert_true (g_regex_match_simple ("Training diverged at step [0-9]+ \\(epoch [0-9]+, batch [0-9]+\\): "
                                         "the (loss became (NaN|infinite)|gradient of .*|parameter .* became NaN "
                                         "or infinite)\\. Try a smaller learning rate\\.\n", r.err, 0, 0));
  }
  {
    /* With tanh the loss stays finite, at about 10⁶. */
    g_auto(Run) r = { 0 };
    g_assert_true (run_cli (&r, (const char *[]) { "--data", "spiral", "--quiet", "--epochs", "50", "--model",
                                                   "Linear(2, 16); Tanh; Linear(16, 16); Tanh; Linear(16, 3)",
                                                   "--lr", "1e6", NULL }));
    g_assert_true (WIFEXITED (r.status));
    g_assert_cmpint (WEXITSTATUS (r.status), ==, 1);
    g_assert_true (g_regex_match_simple ("myml-train: Training diverged at step [0-9]+ \\(epoch [0-9]+, batch [0-9]+\\): "
                                         "the loss exploded from .* and stayed there for 50 steps\\. "
                                         "Try a smaller learning rate\\.\n", r.err, 0, 0));
  }
  {
    /* With tanh the loss stays finite, at about 10⁶. */
    g_auto(Run) r = { 0 };
    g_assert_true (run_cli (&r, (const char *[]) { "--data", "spiral", "--quiet", "--epochs", "50", "--model",
                                                   "Linear(2, 16); Tanh; Linear(16, 16); Tanh; Linear(16, 3)",
                                                   "--lr", "1e6", NULL }));
    g_assert_true (WIFEXITED (r.status));
    g_assert_cmpint (WEXITSTATUS (r.status), ==, 1);
    g_assert_true (g_regex_match_simple ("myml-train: Training diverged at step [0-9]+ \\(epoch [0-9]+, batch [0-9]+\\): "
                                         "the loss exploded from .* and stayed there for 50 steps\\. "
                                         "Try a smaller learning rate\\.\n", r.err, 0, 0));
  }
  g_assert_true (g_file_set_contents (one, "x,y,label\n1,2,0\n3,4,0\n5,6,0\n", -1, NULL));
  g_assert_true (g_file_set_contents (header, "x,y,label\n", -1, NULL));
  g_assert_true (g_file_set_contents (empty, "", -1, NULL));
  {
    g_auto(Run) r = { 0 };
    g_assert_true (run_cli (&r, (const char *[]) { "--data", one, "--quiet", "--model", "Linear(2, 2)", NULL }));
    msg = g_strdup_printf ("'%s' has only one class: every label is 0. A classifier needs examples of at "
                           "least two classes to tell apart", one);
    assert_failed_with (&r, msg);
    g_clear_pointer (&msg, g_free);
  }
  {
    g_auto(Run) r = { 0 };
    g_assert_true (run_cli (&r, (const char *[]) { "--data", header, "--quiet", NULL }));
    msg = g_strdup_printf ("'%s' has a header but no data rows", header);
    assert_failed_with (&r, msg);
    g_clear_pointer (&msg, g_free);
  }
  {
    g_auto(Run) r = { 0 };
    g_assert_true (run_cli (&r, (const char *[]) { "--data", empty, "--quiet", NULL }));
    msg = g_strdup_printf ("'%s' is empty", empty);
    assert_failed_with (&r, msg);
  }
  g_unlink (one);
  g_unlink (header);
  g_unlink (empty);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("myml-faults-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);

  g_test_add_func ("/faults/save/full-disk", test_save_full_disk);
  g_test_add_func ("/faults/save/read-only-folder", test_save_read_only);
  g_test_add_func ("/faults/save/nowhere", test_save_nowhere);
  g_test_add_func ("/faults/save/after-delete", test_save_after_delete);
  g_test_add_func ("/faults/size/huge-model", test_huge_model);
  g_test_add_func ("/faults/size/budget-edge", test_budget_edge);
  g_test_add_func ("/faults/size/huge-batch", test_huge_batch);
  g_test_add_func ("/faults/exploding-loss", test_exploding_loss);
  g_test_add_func ("/faults/data/csv", test_csv_faults);
  g_test_add_func ("/faults/cli", test_cli_faults);
  status = g_test_run ();
  remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
