/* test-project.c — project files: round trip, and every kind of bad file
 * refused with a message that says what is wrong. */
#include <myml.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static char *tmpdir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static MmProject *
sample_project (void)
{
  MmProject *p = mm_project_new ();
  g_autoptr(MmModule) net = NULL;
  g_autoptr(GArray) specs = NULL;

  g_free (p->network);
  p->network = g_strdup ("Linear(2, 8); LeakyReLU(0.05); Linear(8, 3)");
  p->data = MM_PROJECT_DATA_TOY;
  p->toy = MM_TOY_MOONS;
  p->toy_samples = 321;
  p->toy_noise = 0.125;
  p->toy_classes = 2;
  p->loss = MM_PROJECT_LOSS_CROSS_ENTROPY;
  p->label_smoothing = 0.1;
  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_ADAM);
  p->optimizer.lr = 3e-4;
  p->optimizer.eps = 1e-8;          /* json-glib writes 1e-08 as "1e-08.0" unless we mend it */
  p->optimizer.weight_decay = 1e-2;
  p->optimizer.decoupled_weight_decay = TRUE;
  p->optimizer.amsgrad = TRUE;
  p->l1 = 1e-5;
  p->l2 = 0.0025;
  p->penalize_biases = TRUE;
  p->batch_size = 17;
  p->epochs = 33;
  p->seed = 4000000000u;
  p->init = MM_INIT_HE_NORMAL;
  for (guint i = 0; i < 50; i++)
    {
      MmStepPoint pt = { i + 1, i / 10, 1.0f / (i + 1), 0.9f / (i + 1), i == 3 ? 1e-30f : 0.1f / (i + 1), 3e-4f };
      g_array_append_val (p->steps, pt);
    }
  for (guint e = 0; e < 5; e++)
    {
      MmProjectEpoch ep = { e + 1, (e + 1) * 10, 0.5 / (e + 1), 0.5 + 0.1 * e, 0.6 / (e + 1), e == 2 ? NAN : 0.4 + 0.1 * e };
      g_array_append_val (p->epoch_results, ep);
    }
  net = mm_module_parse (p->network, NULL);
  specs = mm_module_get_params (net);
  p->weights = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 9, NULL);
  return p;
}

static void
test_round_trip (void)
{
  g_autoptr(MmProject) p = sample_project ();
  g_autoptr(MmProject) q = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("round.myml");
  g_autofree char *wpath = mm_project_weights_path (path);

  g_assert_true (mm_project_save (p, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (wpath, "/round.safetensors"));
  g_assert_true (g_file_test (wpath, G_FILE_TEST_EXISTS));
  q = mm_project_load (path, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (q->network, ==, p->network);
  g_assert_cmpint (q->data, ==, p->data);
  g_assert_cmpint (q->toy, ==, p->toy);
  g_assert_cmpuint (q->toy_samples, ==, p->toy_samples);
  g_assert_cmpfloat (q->toy_noise, ==, p->toy_noise);
  g_assert_cmpfloat (q->label_smoothing, ==, p->label_smoothing);
  g_assert_cmpmem (&q->optimizer, sizeof q->optimizer, &p->optimizer, sizeof p->optimizer);
  g_assert_cmpfloat (q->l1, ==, p->l1);
  g_assert_cmpfloat (q->l2, ==, p->l2);
  g_assert_true (q->penalize_biases);
  g_assert_cmpuint (q->batch_size, ==, 17);
  g_assert_cmpuint (q->epochs, ==, 33);
  g_assert_cmpuint (q->seed, ==, 4000000000u);
  g_assert_cmpint (q->init, ==, MM_INIT_HE_NORMAL);
  g_assert_cmpuint (q->steps->len, ==, p->steps->len);
  for (guint i = 0; i < p->steps->len; i++)
    {
      MmStepPoint *a = &g_array_index (p->steps, MmStepPoint, i), *b = &g_array_index (q->steps, MmStepPoint, i);
      g_assert_cmpuint (a->step, ==, b->step);
      g_assert_cmpuint (a->epoch, ==, b->epoch);
      g_assert_cmpfloat (a->loss, ==, b->loss);
      g_assert_cmpfloat (a->data_loss, ==, b->data_loss);
      g_assert_cmpfloat (a->penalty, ==, b->penalty);
      g_assert_cmpfloat (a->lr, ==, b->lr);
    }
  g_assert_cmpuint (q->epoch_results->len, ==, 5);
  g_assert_true (isnan (g_array_index (q->epoch_results, MmProjectEpoch, 2).test_accuracy));
  g_assert_cmpuint (g_array_index (q->epoch_results, MmProjectEpoch, 4).step, ==, 50);
  for (guint i = 0; i < mm_params_get_n (p->weights); i++)
    {
      MmTensor *a = mm_params_get_tensor (p->weights, i);
      MmTensor *b = mm_params_lookup (q->weights, mm_params_get_name (p->weights, i));
      g_assert_nonnull (b);
      g_assert_cmpmem (a->data, a->size * 4, b->data, b->size * 4);
    }
  g_unlink (path);
  g_unlink (wpath);
}

static void
test_untrained_has_no_weights_file (void)
{
  g_autoptr(MmProject) p = mm_project_new ();
  g_autoptr(MmProject) q = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("plain.myml");
  g_autofree char *wpath = mm_project_weights_path (path);

  g_assert_true (mm_project_save (p, path, &error));
  g_assert_false (g_file_test (wpath, G_FILE_TEST_EXISTS));
  q = mm_project_load (path, &error);
  g_assert_no_error (error);
  g_assert_null (q->weights);
  g_unlink (path);
}

/* Saving where it cannot be written fails and leaves the old file whole. */
static void
test_failed_save_keeps_old (void)
{
  g_autoptr(MmProject) p = sample_project ();
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (tmpdir, "no", "such", "dir", "x.myml", NULL);
  g_autofree char *path = tmp_path ("keep.myml");
  g_autofree char *before = NULL, *after = NULL;

  g_assert_false (mm_project_save (p, missing, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_IO);
  g_clear_error (&error);

  g_assert_true (mm_project_save (p, path, NULL));
  g_assert_true (g_file_get_contents (path, &before, NULL, NULL));
  /* A weights file that is a directory makes the second save fail half-way. */
  {
    g_autofree char *wpath = mm_project_weights_path (path);
    g_unlink (wpath);
    g_assert_cmpint (g_mkdir (wpath, 0755), ==, 0);
    g_assert_false (mm_project_save (p, path, &error));
    g_assert_nonnull (error);
    g_rmdir (wpath);
  }
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);
  g_unlink (path);
}

typedef struct {
  const char *name;
  const char *json;
  const char *fragment;   /* expected in the message */
} BadCase;

static const BadCase bad_cases[] = {
  { "not-json", "{ this is not json", "not valid JSON" },
  { "array", "[1, 2, 3]", "no JSON object" },
  { "no-format", "{\"version\": 1}", "format: missing" },
  { "wrong-format", "{\"format\": \"something-else\", \"version\": 1}", "not a MyML Studio project" },
  { "newer-version", "{\"format\": \"myml-studio-project\", \"version\": 7}", "newer version" },
  { "no-network", "{\"format\": \"myml-studio-project\", \"version\": 1, \"data\": {\"kind\": \"toy\"}}", "network: missing" },
  { "bad-network", "{\"format\": \"myml-studio-project\", \"version\": 1, \"network\": \"Linear(2)\", \"data\": {\"kind\": \"fashion-mnist\"}}", "network: Layer 0" },
  { "no-data", "{\"format\": \"myml-studio-project\", \"version\": 1, \"network\": \"Linear(2, 2)\"}", "data: missing" },
  { "bad-data-kind", "{\"format\": \"myml-studio-project\", \"version\": 1, \"network\": \"Linear(2, 2)\", \"data\": {\"kind\": \"imagenet\"}}", "unknown data set kind" },
  { "bad-toy", "{\"format\": \"myml-studio-project\", \"version\": 1, \"network\": \"Linear(2, 2)\", \"data\": {\"kind\": \"toy\", \"name\": \"donut\"}}", "unknown toy data set" },
  { "huge-samples", "{\"format\": \"myml-studio-project\", \"version\": 1, \"network\": \"Linear(2, 2)\", \"data\": {\"kind\": \"toy\", \"name\": \"xor\", \"samples\": 99999999999}}", "samples: 99999999999 is outside" },
  { "lr-string", "{\"format\": \"myml-studio-project\", \"version\": 1, \"network\": \"Linear(2, 2)\", \"data\": {\"kind\": \"fashion-mnist\"}, \"optimizer\": {\"lr\": \"fast\"}}", "optimizer.lr: not a number" },
  { "negative-lr", "{\"format\": \"myml-studio-project\", \"version\": 1, \"network\": \"Linear(2, 2)\", \"data\": {\"kind\": \"fashion-mnist\"}, \"optimizer\": {\"lr\": -1}}", "optimizer.lr: -1 is outside" },
  { "bad-optimizer", "{\"format\": \"myml-studio-project\", \"version\": 1, \"network\": \"Linear(2, 2)\", \"data\": {\"kind\": \"fashion-mnist\"}, \"optimizer\": {\"kind\": \"lbfgs\"}}", "unknown optimizer" },
  { "batch-zero", "{\"format\": \"myml-studio-project\", \"version\": 1, \"network\": \"Linear(2, 2)\", \"data\": {\"kind\": \"fashion-mnist\"}, \"training\": {\"batch_size\": 0}}", "training.batch_size: 0 is outside" },
  { "bad-history", "{\"format\": \"myml-studio-project\", \"version\": 1, \"network\": \"Linear(2, 2)\", \"data\": {\"kind\": \"fashion-mnist\"}, \"history\": {\"steps\": [[1, 2, 3]]}}", "entry 0 is not a list of 6 or 8 numbers" },
  /* found by fuzz-project: 1e300 became an infinite float that saved as “inf” */
  { "history-beyond-float", "{\"format\": \"myml-studio-project\", \"version\": 1, \"network\": \"Linear(2, 2)\", \"data\": {\"kind\": \"fashion-mnist\"}, \"history\": {\"steps\": [[1, 0, 1e300, 1, 0, 0.1]]}}", "entry 0 has a value too large for a float" },
  { "brackets-odd-length", "{\"format\": \"myml-studio-project\", \"version\": 1, \"network\": \"Linear(2, 2)\", \"data\": {\"kind\": \"brackets\", \"samples\": 100, \"seq_len\": 7}}", "even length" },
  { "text-seq-len-zero", "{\"format\": \"myml-studio-project\", \"version\": 1, \"network\": \"Linear(2, 2)\", \"data\": {\"kind\": \"text\", \"seq_len\": 0}}", "seq_len" },
  { "weights-elsewhere", "{\"format\": \"myml-studio-project\", \"version\": 1, \"network\": \"Linear(2, 2)\", \"data\": {\"kind\": \"fashion-mnist\"}, \"weights\": \"../../etc/passwd\"}", "not a file name beside the project" },
};

static void
test_bad_file (gconstpointer data)
{
  const BadCase *c = data;
  g_autofree char *path = tmp_path ("bad.myml");
  g_autoptr(GError) error = NULL;
  MmProject *p;

  g_assert_true (g_file_set_contents (path, c->json, -1, NULL));
  p = mm_project_load (path, &error);
  g_assert_null (p);
  g_assert_error (error, MM_ERROR, MM_ERROR_FORMAT);
  if (strstr (error->message, c->fragment) == NULL)
    g_error ("%s: message “%s” lacks “%s”", c->name, error->message, c->fragment);
  g_unlink (path);
}

static void
test_missing_and_mismatched_weights (void)
{
  g_autoptr(MmProject) p = sample_project ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("w.myml");
  g_autofree char *wpath = mm_project_weights_path (path);
  g_autoptr(MmParams) other = mm_params_new ();
  g_autoptr(MmTensor) t = mm_tensor_new_dims (2, (gsize[]) { 3, 3 }, NULL);
  MmProject *q;

  g_assert_true (mm_project_save (p, path, NULL));
  /* weights deleted under the project */
  g_unlink (wpath);
  q = mm_project_load (path, &error);
  g_assert_null (q);
  g_assert_error (error, MM_ERROR, MM_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "weights"));
  g_clear_error (&error);

  /* weights of another network */
  mm_params_set (other, "0.weight", t);
  g_assert_true (mm_params_save_safetensors (other, NULL, wpath, NULL));
  q = mm_project_load (path, &error);
  g_assert_null (q);
  g_assert_error (error, MM_ERROR, MM_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "do not fit the project's network"));
  g_unlink (path);
  g_unlink (wpath);
}

/* A project trains the same as the settings it holds (what myml-train --project does). */
static void
test_trainer_config (void)
{
  g_autoptr(MmProject) p = sample_project ();
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) train = NULL;
  g_autoptr(MmDataset) test = NULL;
  MmTrainerConfig config;

  g_assert_true (mm_project_load_data (p, &train, &test, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mm_dataset_get_n_samples (train) + mm_dataset_get_n_samples (test), ==, 321);
  g_assert_true (mm_project_make_trainer_config (p, 3, &config, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config.batch_size, ==, 17);
  g_assert_cmpuint (config.seed, ==, 4000000000u);
  g_assert_true (config.initial_params != NULL);
  g_assert_cmpfloat (config.optimizer.lr, ==, 3e-4);
  g_assert_cmpfloat (config.l2, ==, 0.0025);
  mm_trainer_config_clear (&config);
}

/* The sequence data sets: kind, length and (for a text of the user's) the
 * path survive the file, and the data load as the app and myml-train use
 * them. */
static void
test_sequence_data (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmProject) text = mm_project_new ();
  g_autoptr(MmProject) brackets = mm_project_new ();
  g_autoptr(MmProject) back = NULL;
  g_autoptr(MmDataset) train = NULL;
  g_autoptr(MmDataset) test = NULL;
  g_autofree char *json = NULL;
  g_autofree char *path = tmp_path ("mine.txt");
  g_autofree char *contents = NULL;
  gsize length;

  text->data = MM_PROJECT_DATA_TEXT;
  text->seq_len = 48;
  json = mm_project_to_json (text, NULL);
  back = mm_project_from_json (json, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->data, ==, MM_PROJECT_DATA_TEXT);
  g_assert_cmpuint (back->seq_len, ==, 48);
  g_assert_null (back->data_path);
  g_assert_true (mm_project_load_data (back, &train, &test, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mm_dataset_get_sample_size (train), ==, 48);
  g_assert_cmpuint (mm_dataset_get_label_shape (train)->ndim, ==, 1);
  /* ⌊(n − 1) / 48⌋ windows of the shipped text, a fifth kept for testing. */
  {
    g_autofree char *shipped = mm_text_find (MM_TEXT_DEFAULT);
    g_assert_true (g_file_get_contents (shipped, &contents, &length, NULL));
    g_assert_cmpuint (mm_dataset_get_n_samples (train) + mm_dataset_get_n_samples (test), ==,
                      (g_utf8_strlen (contents, (gssize) length) - 1) / 48);
  }
  g_clear_pointer (&train, mm_dataset_unref);
  g_clear_pointer (&test, mm_dataset_unref);
  g_clear_pointer (&back, mm_project_free);
  g_clear_pointer (&json, g_free);

  /* A text of one's own keeps its path. */
  g_assert_true (g_file_set_contents (path, "abcabcabcabcabcabcabcabc\n", -1, NULL));
  text->data_path = g_strdup (path);
  text->seq_len = 4;
  json = mm_project_to_json (text, NULL);
  back = mm_project_from_json (json, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->data_path, ==, path);
  g_assert_true (mm_project_load_data (back, &train, &test, &error));
  g_assert_cmpuint (mm_dataset_get_n_classes (train), ==, 4);     /* a b c \n */
  g_clear_pointer (&train, mm_dataset_unref);
  g_clear_pointer (&test, mm_dataset_unref);
  g_clear_pointer (&back, mm_project_free);
  g_clear_pointer (&json, g_free);
  g_unlink (path);

  brackets->data = MM_PROJECT_DATA_BRACKETS;
  brackets->toy_samples = 250;
  brackets->seq_len = 10;
  brackets->seed = 5;
  json = mm_project_to_json (brackets, NULL);
  back = mm_project_from_json (json, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->data, ==, MM_PROJECT_DATA_BRACKETS);
  g_assert_cmpuint (back->toy_samples, ==, 250);
  g_assert_cmpuint (back->seq_len, ==, 10);
  g_assert_true (mm_project_load_data (back, &train, &test, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mm_dataset_get_n_samples (train), ==, 200);
  g_assert_cmpuint (mm_dataset_get_n_samples (test), ==, 50);
  /* Each label says whether its string is balanced, counted here. */
  for (gsize i = 0; i < mm_dataset_get_n_samples (train); i++)
    {
      const float *ids = mm_dataset_get_sample (train, i);
      int depth = 0;
      gboolean ok = TRUE;
      for (guint k = 0; k < 10; k++)
        {
          depth += ids[k] == 0.0f ? 1 : -1;
          ok = ok && depth >= 0;
        }
      g_assert_cmpuint (mm_dataset_get_label (train, i), ==, (guint) (ok && depth == 0));
    }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("myml-project-XXXXXX", NULL);
  g_test_add_func ("/project/round-trip", test_round_trip);
  g_test_add_func ("/project/untrained", test_untrained_has_no_weights_file);
  g_test_add_func ("/project/failed-save-keeps-old", test_failed_save_keeps_old);
  g_test_add_func ("/project/weights-missing-or-mismatched", test_missing_and_mismatched_weights);
  g_test_add_func ("/project/trainer-config", test_trainer_config);
  g_test_add_func ("/project/sequence-data", test_sequence_data);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/project/bad/%s", bad_cases[i].name);
      g_test_add_data_func (name, &bad_cases[i], test_bad_file);
    }
  status = g_test_run ();
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return status;
}
