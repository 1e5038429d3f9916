/* test-dataset.c — MmDataset and the IDX (MNIST format) loader. */
#include <myml.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <zlib.h>

/* ---- helpers ------------------------------------------------------------ */

/* A temporary directory that removes itself (and its files) on cleanup. */
typedef struct {
  char *path;
} TmpDir;

static void
tmp_dir_init (TmpDir *d)
{
  g_autoptr(GError) error = NULL;
  d->path = g_dir_make_tmp ("myml-test-dataset-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
tmp_dir_clear (TmpDir *d)
{
  g_autoptr(GDir) dir = g_dir_open (d->path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *p = g_build_filename (d->path, name, NULL);
      g_assert_cmpint (g_remove (p), ==, 0);
    }
  g_assert_cmpint (g_rmdir (d->path), ==, 0);
  g_clear_pointer (&d->path, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TmpDir, tmp_dir_clear)

static void
put_be32 (GByteArray *b,
          guint32     v)
{
  guint8 bytes[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };
  g_byte_array_append (b, bytes, 4);
}

/* The bytes of an IDX file: magic, the sizes, then @data. */
static GByteArray *
idx_bytes (guint32        magic,
           guint          ndim,
           const guint32 *dims,
           const guint8  *data,
           gsize          len)
{
  GByteArray *b = g_byte_array_new ();

  put_be32 (b, magic);
  for (guint i = 0; i < ndim; i++)
    put_be32 (b, dims[i]);
  if (len > 0)
    g_byte_array_append (b, data, (guint) len);
  return b;
}

/* Writes @bytes to @dir/@name, gzip-compressed when the name ends in .gz. */
static char *
write_file (const char   *dir,
            const char   *name,
            const guint8 *bytes,
            gsize         len)
{
  char *path = g_build_filename (dir, name, NULL);

  if (g_str_has_suffix (name, ".gz"))
    {
      gzFile gz = gzopen (path, "wb");
      g_assert_nonnull (gz);
      if (len > 0)
        g_assert_cmpint (gzwrite (gz, bytes, (unsigned) len), ==, (int) len);
      g_assert_cmpint (gzclose (gz), ==, Z_OK);
    }
  else
    {
      g_autoptr(GError) error = NULL;
      g_file_set_contents (path, (const char *) bytes, (gssize) len, &error);
      g_assert_no_error (error);
    }
  return path;
}

static char *
write_idx (const char    *dir,
           const char    *name,
           guint32        magic,
           guint          ndim,
           const guint32 *dims,
           const guint8  *data,
           gsize          len)
{
  g_autoptr(GByteArray) b = idx_bytes (magic, ndim, dims, data, len);
  return write_file (dir, name, b->data, b->len);
}

/* Five 3×4 images whose pixel (k, r, c) is 60k + 5(4r + c) + 3, clamped to 255 —
 * so 0..255 are covered at both ends by the first and last image. */
#define N_IMG 5
#define ROWS 3
#define COLS 4

static guint8 test_pixels[N_IMG * ROWS * COLS];
static const guint8 test_labels[N_IMG] = { 0, 2, 1, 2, 0 };

static void
init_pixels (void)
{
  for (guint k = 0; k < N_IMG; k++)
    for (guint p = 0; p < ROWS * COLS; p++)
      test_pixels[k * ROWS * COLS + p] = (guint8) MIN (60 * k + 5 * p + 3, 255u);
  test_pixels[0] = 0; /* one pure black pixel */
}

static void
write_test_pair (const char  *dir,
                 const char  *images_name,
                 const char  *labels_name,
                 char       **images_path,
                 char       **labels_path)
{
  *images_path = write_idx (dir, images_name, 0x803, 3, (guint32[]) { N_IMG, ROWS, COLS },
                            test_pixels, sizeof test_pixels);
  *labels_path = write_idx (dir, labels_name, 0x801, 1, (guint32[]) { N_IMG },
                            test_labels, sizeof test_labels);
}

static void
assert_error_contains (const GError *error,
                       int           code,
                       const char   *fragment)
{
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_error (error, MM_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("'%s' does not contain '%s'", error->message, fragment);
}

/* A dataset of @n samples of shape (2,): sample i is (i, -i), label i % 3. */
static MmDataset *
make_numbered (gsize n)
{
  g_autoptr(GError) error = NULL;
  float *features = g_new (float, 2 * n);
  guint32 *labels = g_new (guint32, n);
  MmShape shape;
  MmDataset *ds;

  for (gsize i = 0; i < n; i++)
    {
      features[2 * i] = (float) i;
      features[2 * i + 1] = -(float) i;
      labels[i] = (guint32) (i % 3);
    }
  mm_shape_init (&shape, 1, (gsize[]) { 2 }, NULL);
  ds = mm_dataset_new ("numbered", &shape, n, features, labels, 3, NULL, &error);
  g_assert_no_error (error);
  return ds;
}

/* ---- MmDataset ---------------------------------------------------------- */

static void
test_new_and_getters (void)
{
  g_autoptr(GError) error = NULL;
  const char *names[] = { "cat", "dog" };
  float *features = g_new (float, 3 * 2 * 2);
  guint32 *labels = g_new (guint32, 3);
  g_autofree gsize *counts = NULL;
  MmShape shape;

  for (guint i = 0; i < 12; i++)
    features[i] = (float) i / 2;
  labels[0] = 1, labels[1] = 0, labels[2] = 1;
  mm_shape_init (&shape, 2, (gsize[]) { 2, 2 }, NULL);
  g_autoptr(MmDataset) ds = mm_dataset_new ("pets", &shape, 3, features, labels, 2, names, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (mm_dataset_get_name (ds), ==, "pets");
  g_assert_cmpuint (mm_dataset_get_n_samples (ds), ==, 3);
  g_assert_true (mm_shape_equal (mm_dataset_get_sample_shape (ds), &shape));
  g_assert_cmpuint (mm_dataset_get_sample_size (ds), ==, 4);
  g_assert_cmpuint (mm_dataset_get_n_classes (ds), ==, 2);
  g_assert_true (mm_dataset_get_features (ds) == features);
  g_assert_true (mm_dataset_get_labels (ds) == labels);
  g_assert_cmpfloat (mm_dataset_get_sample (ds, 2)[1], ==, 4.5f);
  g_assert_cmpuint (mm_dataset_get_label (ds, 1), ==, 0);
  g_assert_cmpstr (mm_dataset_get_class_name (ds, 1), ==, "dog");
  g_assert_true (mm_dataset_get_class_name (ds, 1) != names[1]); /* copied */
  g_assert_null (mm_dataset_get_class_name (ds, 2));
  counts = mm_dataset_count_classes (ds);
  g_assert_cmpuint (counts[0], ==, 1);
  g_assert_cmpuint (counts[1], ==, 2);

  /* Reference counting: one more ref, one more unref, still alive. */
  mm_dataset_unref (mm_dataset_ref (ds));
  g_assert_cmpuint (mm_dataset_get_n_samples (ds), ==, 3);
}

static void
test_new_errors (void)
{
  g_autoptr(GError) error = NULL;
  MmShape shape;
  float *features;
  guint32 *labels;

  mm_shape_init (&shape, 1, (gsize[]) { 2 }, NULL);

  /* A label ≥ n_classes; the arrays are taken over even on failure (valgrind
   * shows a leak otherwise). */
  features = g_new0 (float, 4);
  labels = g_new (guint32, 2);
  labels[0] = 1, labels[1] = 3;
  g_assert_null (mm_dataset_new ("x", &shape, 2, features, labels, 3, NULL, &error));
  assert_error_contains (error, MM_ERROR_INVALID_ARGUMENT, "Sample 1 has label 3, but there are only 3 classes");
  g_clear_error (&error);

  features = g_new0 (float, 4);
  labels = g_new0 (guint32, 2);
  features[3] = NAN;
  g_assert_null (mm_dataset_new ("x", &shape, 2, features, labels, 1, NULL, &error));
  assert_error_contains (error, MM_ERROR_NUMERIC, "Sample 1 has a value that is not a finite number");
  g_clear_error (&error);

  g_assert_null (mm_dataset_new ("x", &shape, 0, NULL, NULL, 1, NULL, &error));
  assert_error_contains (error, MM_ERROR_INVALID_ARGUMENT, "at least one sample");
  g_clear_error (&error);

  features = g_new0 (float, 4);
  labels = g_new0 (guint32, 2);
  g_assert_null (mm_dataset_new ("x", &shape, 2, features, labels, 0, NULL, &error));
  assert_error_contains (error, MM_ERROR_INVALID_ARGUMENT, "between 1 and 65536 classes");
}

static void
test_subset (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) ds = make_numbered (10);
  const gsize idx[] = { 7, 0, 7, 3 };
  g_autoptr(MmDataset) sub = mm_dataset_subset (ds, idx, G_N_ELEMENTS (idx), &error);

  g_assert_no_error (error);
  g_assert_cmpuint (mm_dataset_get_n_samples (sub), ==, 4);
  g_assert_cmpuint (mm_dataset_get_n_classes (sub), ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (idx); i++)
    {
      g_assert_cmpfloat (mm_dataset_get_sample (sub, i)[0], ==, (float) idx[i]);
      g_assert_cmpfloat (mm_dataset_get_sample (sub, i)[1], ==, -(float) idx[i]);
      g_assert_cmpuint (mm_dataset_get_label (sub, i), ==, idx[i] % 3);
    }

  g_assert_null (mm_dataset_subset (ds, (gsize[]) { 2, 10 }, 2, &error));
  assert_error_contains (error, MM_ERROR_INVALID_ARGUMENT, "Sample index 10 is out of range");
  g_clear_error (&error);
  g_assert_null (mm_dataset_subset (ds, idx, 0, &error));
  assert_error_contains (error, MM_ERROR_INVALID_ARGUMENT, "at least one sample");
}

/* Which samples of make_numbered () a part holds, by their first feature. */
static void
collect_ids (MmDataset *part,
             guint     *seen,
             gsize      n_total)
{
  float prev = -1.0f;

  for (gsize i = 0; i < mm_dataset_get_n_samples (part); i++)
    {
      float id = mm_dataset_get_sample (part, i)[0];
      g_assert_cmpfloat (id, >=, 0.0f);
      g_assert_cmpfloat (id, <, (float) n_total);
      g_assert_cmpfloat (id, >, prev); /* the original order is kept */
      g_assert_cmpuint (mm_dataset_get_label (part, i), ==, (guint) id % 3);
      seen[(gsize) id]++;
      prev = id;
    }
}

static void
test_split (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) ds = make_numbered (100);
  g_autoptr(MmDataset) train = NULL, test = NULL, train2 = NULL, test2 = NULL, train3 = NULL, test3 = NULL;
  MmDataset *none_train = NULL, *none_test = NULL;
  guint seen[100] = { 0 };

  g_assert_true (mm_dataset_split (ds, 0.25, 42, &train, &test, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mm_dataset_get_n_samples (test), ==, 25);
  g_assert_cmpuint (mm_dataset_get_n_samples (train), ==, 75);
  g_assert_cmpstr (mm_dataset_get_name (test), ==, "numbered (test)");
  collect_ids (train, seen, 100);
  collect_ids (test, seen, 100);
  for (guint i = 0; i < 100; i++)
    g_assert_cmpuint (seen[i], ==, 1); /* disjoint, and together all */

  /* The test part is a random choice, not simply the tail. */
  g_assert_cmpfloat (mm_dataset_get_sample (test, 0)[0], <, 75.0f);

  /* Same seed: the same split; another seed: another one. */
  g_assert_true (mm_dataset_split (ds, 0.25, 42, &train2, &test2, &error));
  g_assert_cmpmem (mm_dataset_get_features (test), 25 * 2 * sizeof (float),
                   mm_dataset_get_features (test2), 25 * 2 * sizeof (float));
  g_assert_true (mm_dataset_split (ds, 0.25, 43, &train3, &test3, &error));
  g_assert_true (memcmp (mm_dataset_get_features (test), mm_dataset_get_features (test3),
                         25 * 2 * sizeof (float)) != 0);

  const double bad[] = { 0.0, 1.0, -0.5, NAN, 0.001 };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (mm_dataset_split (ds, bad[i], 1, &none_train, &none_test, &error));
      g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
      g_assert_null (none_train);
      g_assert_null (none_test);
      g_clear_error (&error);
    }
}

static void
test_batch (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmTensor) x = NULL, y = NULL;
  float *features = g_new (float, 4 * 6);
  guint32 *labels = g_new (guint32, 4);
  const gsize idx[] = { 3, 1, 3 };
  MmShape shape;

  for (guint i = 0; i < 24; i++)
    features[i] = 100.0f * (i / 6) + (float) (i % 6);
  for (guint i = 0; i < 4; i++)
    labels[i] = 4 - i;
  mm_shape_init (&shape, 2, (gsize[]) { 2, 3 }, NULL);
  g_autoptr(MmDataset) ds = mm_dataset_new ("b", &shape, 4, features, labels, 5, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (mm_dataset_get_batch (ds, idx, 3, &x, &y, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (x->shape.ndim, ==, 3);
  g_assert_cmpuint (x->shape.dim[0], ==, 3);
  g_assert_cmpuint (x->shape.dim[1], ==, 2);
  g_assert_cmpuint (x->shape.dim[2], ==, 3);
  g_assert_cmpuint (y->shape.ndim, ==, 1);
  g_assert_cmpuint (y->shape.dim[0], ==, 3);
  for (guint b = 0; b < 3; b++)
    {
      for (guint j = 0; j < 6; j++)
        g_assert_cmpfloat (x->data[b * 6 + j], ==, 100.0f * idx[b] + j);
      g_assert_cmpfloat (y->data[b], ==, (float) (4 - idx[b]));
    }

  MmTensor *bx = NULL, *by = NULL;
  g_assert_false (mm_dataset_get_batch (ds, (gsize[]) { 4 }, 1, &bx, &by, &error));
  assert_error_contains (error, MM_ERROR_INVALID_ARGUMENT, "Sample index 4 is out of range");
  g_assert_null (bx);
  g_assert_null (by);
}

/* ---- IDX ---------------------------------------------------------------- */

static void
check_test_images (MmDataset *ds)
{
  g_autofree gsize *counts = NULL;

  g_assert_cmpuint (mm_dataset_get_n_samples (ds), ==, N_IMG);
  g_assert_cmpuint (mm_dataset_get_sample_shape (ds)->ndim, ==, 2);
  g_assert_cmpuint (mm_dataset_get_sample_shape (ds)->dim[0], ==, ROWS);
  g_assert_cmpuint (mm_dataset_get_sample_shape (ds)->dim[1], ==, COLS);
  /* Labels 0..2 were written, so 3 classes. */
  g_assert_cmpuint (mm_dataset_get_n_classes (ds), ==, 3);
  for (guint i = 0; i < N_IMG * ROWS * COLS; i++)
    g_assert_cmpfloat_with_epsilon (mm_dataset_get_features (ds)[i], test_pixels[i] / 255.0, 1e-7);
  g_assert_cmpfloat (mm_dataset_get_features (ds)[0], ==, 0.0f);
  g_assert_cmpfloat (mm_dataset_get_features (ds)[N_IMG * ROWS * COLS - 1], ==, 1.0f);
  for (guint i = 0; i < N_IMG; i++)
    g_assert_cmpuint (mm_dataset_get_label (ds, i), ==, test_labels[i]);
  counts = mm_dataset_count_classes (ds);
  g_assert_cmpuint (counts[0], ==, 2);
  g_assert_cmpuint (counts[1], ==, 1);
  g_assert_cmpuint (counts[2], ==, 2);
}

static void
test_idx_raw_and_gzip (void)
{
  g_auto(TmpDir) tmp = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *img = NULL, *lab = NULL, *img_gz = NULL, *lab_gz = NULL;
  g_autofree char *img_gz_bytes = NULL;
  gsize len = 0;

  tmp_dir_init (&tmp);
  write_test_pair (tmp.path, "img", "lab", &img, &lab);
  write_test_pair (tmp.path, "img.gz", "lab.gz", &img_gz, &lab_gz);

  /* The .gz file really is compressed (gzip magic 1f 8b). */
  g_assert_true (g_file_get_contents (img_gz, &img_gz_bytes, &len, NULL));
  g_assert_cmpuint (len, >=, 2);
  g_assert_cmpuint ((guint8) img_gz_bytes[0], ==, 0x1f);
  g_assert_cmpuint ((guint8) img_gz_bytes[1], ==, 0x8b);

  g_autoptr(MmDataset) raw = mm_dataset_load_idx (img, lab, &error);
  g_assert_no_error (error);
  check_test_images (raw);
  g_assert_cmpstr (mm_dataset_get_name (raw), ==, "img");
  g_assert_null (mm_dataset_get_class_name (raw, 0));

  g_autoptr(MmDataset) gz = mm_dataset_load_idx (img_gz, lab_gz, &error);
  g_assert_no_error (error);
  check_test_images (gz);

  /* Compressed images with raw labels mix fine. */
  g_autoptr(MmDataset) mixed = mm_dataset_load_idx (img_gz, lab, &error);
  g_assert_no_error (error);
  check_test_images (mixed);
}

static void
test_idx_missing (void)
{
  g_auto(TmpDir) tmp = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *img = NULL, *lab = NULL, *nothing = NULL;
  MmDataset *train = NULL, *test = NULL;

  tmp_dir_init (&tmp);
  write_test_pair (tmp.path, "img", "lab", &img, &lab);
  nothing = g_build_filename (tmp.path, "no-such-file", NULL);

  g_assert_null (mm_dataset_load_idx (nothing, lab, &error));
  assert_error_contains (error, MM_ERROR_IO, nothing);
  g_clear_error (&error);
  g_assert_null (mm_dataset_load_idx (img, nothing, &error));
  assert_error_contains (error, MM_ERROR_IO, "no-such-file");
  g_clear_error (&error);
  /* A directory is not a file. */
  g_assert_null (mm_dataset_load_idx (tmp.path, lab, &error));
  assert_error_contains (error, MM_ERROR_IO, "is not a regular file");
  g_clear_error (&error);

  /* Fashion-MNIST from an empty directory: the message names the first file
   * and tells how to get the data. */
  g_assert_false (mm_dataset_load_fashion_mnist (nothing, &train, &test, &error));
  g_assert_null (train);
  g_assert_null (test);
  assert_error_contains (error, MM_ERROR_IO, "train-images-idx3-ubyte.gz");
  assert_error_contains (error, MM_ERROR_IO, nothing);
  assert_error_contains (error, MM_ERROR_IO, "sudo apt-get install dataset-fashion-mnist");
  assert_error_contains (error, MM_ERROR_IO, "choose another directory");
}

static void
test_idx_truncated (void)
{
  g_auto(TmpDir) tmp = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *img = NULL, *lab = NULL;
  g_autoptr(GByteArray) full = idx_bytes (0x803, 3, (guint32[]) { N_IMG, ROWS, COLS },
                                          test_pixels, sizeof test_pixels);

  tmp_dir_init (&tmp);
  write_test_pair (tmp.path, "img", "lab", &img, &lab);

  /* The data cut short by one image and a bit, raw and compressed. */
  const char *names[] = { "cut", "cut.gz" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *p = write_file (tmp.path, names[i], full->data, full->len - ROWS * COLS - 5);
      g_assert_null (mm_dataset_load_idx (p, lab, &error));
      assert_error_contains (error, MM_ERROR_FORMAT, "is truncated");
      assert_error_contains (error, MM_ERROR_FORMAT, "the header claims 5 images of 3×4 pixels (60 bytes)");
      assert_error_contains (error, MM_ERROR_FORMAT, "only 43 bytes");
      g_clear_error (&error);
    }

  /* A gzip stream cut in the middle: zlib notices the stream does not end. */
  {
    g_autofree char *gz_path = NULL, *gz_bytes = NULL, *cut = NULL;
    gsize len = 0;

    gz_path = write_file (tmp.path, "whole.gz", full->data, full->len);
    g_assert_true (g_file_get_contents (gz_path, &gz_bytes, &len, NULL));
    cut = write_file (tmp.path, "halfgz", (const guint8 *) gz_bytes, len / 2);
    g_assert_null (mm_dataset_load_idx (cut, lab, &error));
    assert_error_contains (error, MM_ERROR_FORMAT, "truncated");
    g_clear_error (&error);
  }

  /* Cut inside the header, and before the magic number is complete. */
  {
    g_autofree char *p = write_file (tmp.path, "head", full->data, 10);
    g_autofree char *q = write_file (tmp.path, "tiny", full->data, 2);
    g_autofree char *e = write_file (tmp.path, "empty", full->data, 0);

    g_assert_null (mm_dataset_load_idx (p, lab, &error));
    assert_error_contains (error, MM_ERROR_FORMAT, "ends inside its header");
    g_clear_error (&error);
    g_assert_null (mm_dataset_load_idx (q, lab, &error));
    assert_error_contains (error, MM_ERROR_FORMAT, "too short to be an IDX image file (2 bytes)");
    g_clear_error (&error);
    g_assert_null (mm_dataset_load_idx (img, e, &error));
    assert_error_contains (error, MM_ERROR_FORMAT, "too short to be an IDX label file (0 bytes)");
    g_clear_error (&error);
  }
}

static void
test_idx_wrong_magic (void)
{
  g_auto(TmpDir) tmp = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *img = NULL, *lab = NULL, *junk = NULL, *floats = NULL;

  tmp_dir_init (&tmp);
  write_test_pair (tmp.path, "img", "lab.gz", &img, &lab);

  /* Swapped arguments: each file is recognised for what it is. */
  g_assert_null (mm_dataset_load_idx (lab, img, &error));
  assert_error_contains (error, MM_ERROR_FORMAT, "is an IDX label file, but an IDX image file was expected");
  g_clear_error (&error);

  {
    static const char zip[] = "PK\x03\x04 not an idx file";
    junk = write_file (tmp.path, "junk.gz", (const guint8 *) zip, sizeof zip - 1);
  }
  g_assert_null (mm_dataset_load_idx (junk, lab, &error));
  assert_error_contains (error, MM_ERROR_FORMAT, "wrong magic number 0x504b0304 (expected 0x00000803)");
  g_clear_error (&error);

  /* An IDX file of another value type (0x0d: float32) is not ours either. */
  floats = write_idx (tmp.path, "floats", 0x0d03, 3, (guint32[]) { 1, 1, 1 }, (const guint8 *) "abcd", 4);
  g_assert_null (mm_dataset_load_idx (floats, lab, &error));
  assert_error_contains (error, MM_ERROR_FORMAT, "wrong magic number 0x00000d03");
}

static void
test_idx_huge_header (void)
{
  g_auto(TmpDir) tmp = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *img = NULL, *lab = NULL;
  const char *names[] = { "huge", "huge.gz" };

  tmp_dir_init (&tmp);
  write_test_pair (tmp.path, "img", "lab", &img, &lab);

  /* 10^9 images of 28×28 claimed by a file with 60 bytes of data. Without the
   * check this would try to allocate 3 TB of floats. */
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *p = write_idx (tmp.path, names[i], 0x803, 3, (guint32[]) { 1000000000, 28, 28 },
                                      test_pixels, sizeof test_pixels);
      g_assert_null (mm_dataset_load_idx (p, lab, &error));
      assert_error_contains (error, MM_ERROR_FORMAT, "the header claims 1000000000 images of 28×28 pixels "
                             "(784000000000 bytes)");
      assert_error_contains (error, MM_ERROR_FORMAT, "only 60 bytes");
      g_clear_error (&error);
    }

  /* A label file claiming 2^32 - 1 labels. */
  {
    g_autofree char *p = write_idx (tmp.path, "hugelab", 0x801, 1, (guint32[]) { G_MAXUINT32 },
                                    test_labels, sizeof test_labels);
    g_assert_null (mm_dataset_load_idx (img, p, &error));
    assert_error_contains (error, MM_ERROR_FORMAT, "the header claims 4294967295 labels");
    g_clear_error (&error);
  }

  /* An empty axis is nonsense too. */
  {
    g_autofree char *p = write_idx (tmp.path, "zero", 0x803, 3, (guint32[]) { 5, 0, 4 }, NULL, 0);
    g_assert_null (mm_dataset_load_idx (p, lab, &error));
    assert_error_contains (error, MM_ERROR_FORMAT, "empty axis");
  }
}

static void
test_idx_count_mismatch (void)
{
  g_auto(TmpDir) tmp = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *img = NULL, *lab = NULL, *short_lab = NULL, *longer = NULL;
  g_autoptr(GByteArray) extra = idx_bytes (0x803, 3, (guint32[]) { N_IMG, ROWS, COLS },
                                           test_pixels, sizeof test_pixels);

  tmp_dir_init (&tmp);
  write_test_pair (tmp.path, "img", "lab", &img, &lab);
  short_lab = write_idx (tmp.path, "lab4.gz", 0x801, 1, (guint32[]) { 4 }, test_labels, 4);

  g_assert_null (mm_dataset_load_idx (img, short_lab, &error));
  assert_error_contains (error, MM_ERROR_FORMAT, "has 5 images, but");
  assert_error_contains (error, MM_ERROR_FORMAT, "has 4 labels");
  g_clear_error (&error);

  /* Bytes beyond what the header describes mean the header is wrong. */
  g_byte_array_append (extra, (const guint8 *) "xyz", 3);
  longer = write_file (tmp.path, "longer.gz", extra->data, extra->len);
  g_assert_null (mm_dataset_load_idx (longer, lab, &error));
  assert_error_contains (error, MM_ERROR_FORMAT, "longer than its header says");
}

static void
test_idx_corrupt_gzip (void)
{
  g_auto(TmpDir) tmp = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *img = NULL, *lab = NULL, *gz_path = NULL, *bytes = NULL, *bad = NULL;
  gsize len = 0;

  tmp_dir_init (&tmp);
  write_test_pair (tmp.path, "img.gz", "lab", &img, &lab);
  g_assert_true (g_file_get_contents (img, &bytes, &len, NULL));
  /* Flip bits in the middle of the deflate data; the CRC or the decoder
   * must catch it. */
  for (gsize i = 12; i < len - 8; i++)
    bytes[i] ^= 0x5a;
  bad = g_build_filename (tmp.path, "bad.gz", NULL);
  g_assert_true (g_file_set_contents (bad, bytes, (gssize) len, NULL));
  g_assert_null (mm_dataset_load_idx (bad, lab, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_FORMAT);
  g_test_message ("corrupt gzip: %s", error->message);
  g_assert_nonnull (strstr (error->message, "bad.gz"));
}

static void
write_fashion_like (const char   *dir,
                    const guint8 *labels)
{
  g_free (write_idx (dir, "train-images-idx3-ubyte.gz", 0x803, 3, (guint32[]) { N_IMG, ROWS, COLS },
                     test_pixels, sizeof test_pixels));
  g_free (write_idx (dir, "train-labels-idx1-ubyte.gz", 0x801, 1, (guint32[]) { N_IMG }, labels, N_IMG));
  g_free (write_idx (dir, "t10k-images-idx3-ubyte.gz", 0x803, 3, (guint32[]) { 2, ROWS, COLS },
                     test_pixels, 2 * ROWS * COLS));
  g_free (write_idx (dir, "t10k-labels-idx1-ubyte.gz", 0x801, 1, (guint32[]) { 2 }, labels, 2));
}

static void
test_fashion_mnist_other_dir (void)
{
  g_auto(TmpDir) tmp = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) train = NULL;
  g_autoptr(MmDataset) test = NULL;
  const guint8 bad_labels[N_IMG] = { 0, 9, 10, 1, 1 };
  MmDataset *t1 = NULL, *t2 = NULL;

  tmp_dir_init (&tmp);
  write_fashion_like (tmp.path, test_labels);
  g_assert_true (mm_dataset_load_fashion_mnist (tmp.path, &train, &test, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mm_dataset_get_n_samples (train), ==, N_IMG);
  g_assert_cmpuint (mm_dataset_get_n_samples (test), ==, 2);
  /* Fashion-MNIST has 10 classes even when a file uses only three. */
  g_assert_cmpuint (mm_dataset_get_n_classes (train), ==, 10);
  g_assert_cmpstr (mm_dataset_get_class_name (train, 0), ==, "T-shirt/top");
  g_assert_cmpstr (mm_dataset_get_class_name (test, 9), ==, "Ankle boot");
  g_assert_cmpstr (mm_dataset_get_name (train), ==, "Fashion-MNIST (train)");

  /* A label outside 0..9 in a Fashion-MNIST file. */
  write_fashion_like (tmp.path, bad_labels);
  g_assert_false (mm_dataset_load_fashion_mnist (tmp.path, &t1, &t2, &error));
  assert_error_contains (error, MM_ERROR_FORMAT, "has label 10 at position 2, but this dataset has only 10 classes");
  g_assert_null (t1);
  g_assert_null (t2);
}

static void
test_fashion_mnist_real (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) train = NULL;
  g_autoptr(MmDataset) test = NULL;
  g_autofree char *probe = g_build_filename (mm_dataset_get_fashion_mnist_dir (),
                                             "train-images-idx3-ubyte.gz", NULL);
  MmDataset *parts[2];
  const gsize expected[2] = { 60000, 10000 };
  gint64 t0, t1;

  if (!g_file_test (probe, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
      return;
    }

  t0 = g_get_monotonic_time ();
  g_assert_true (mm_dataset_load_fashion_mnist (NULL, &train, &test, &error));
  t1 = g_get_monotonic_time ();
  g_assert_no_error (error);
  g_test_message ("Fashion-MNIST (70 000 images) loaded in %.3f s", (t1 - t0) / 1e6);

  parts[0] = train;
  parts[1] = test;
  for (guint p = 0; p < 2; p++)
    {
      MmDataset *ds = parts[p];
      const MmShape *shape = mm_dataset_get_sample_shape (ds);
      const float *f = mm_dataset_get_features (ds);
      gsize n = mm_dataset_get_n_samples (ds);
      g_autofree gsize *counts = NULL;
      float lo = 1.0f, hi = 0.0f;

      g_assert_cmpuint (n, ==, expected[p]);
      g_assert_cmpuint (shape->ndim, ==, 2);
      g_assert_cmpuint (shape->dim[0], ==, 28);
      g_assert_cmpuint (shape->dim[1], ==, 28);
      g_assert_cmpuint (mm_dataset_get_n_classes (ds), ==, 10);
      for (gsize i = 0; i < n * 784; i++)
        {
          lo = MIN (lo, f[i]);
          hi = MAX (hi, f[i]);
        }
      /* Pixels span the whole byte range: black background, some white. */
      g_assert_cmpfloat (lo, ==, 0.0f);
      g_assert_cmpfloat (hi, ==, 1.0f);
      /* Fashion-MNIST is balanced: 6000 (train) or 1000 (test) per class. */
      counts = mm_dataset_count_classes (ds);
      for (guint c = 0; c < 10; c++)
        g_assert_cmpuint (counts[c], ==, expected[p] / 10);
    }
  g_assert_cmpstr (mm_dataset_get_class_name (train, 7), ==, "Sneaker");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  init_pixels ();

  g_test_add_func ("/dataset/new", test_new_and_getters);
  g_test_add_func ("/dataset/new-errors", test_new_errors);
  g_test_add_func ("/dataset/subset", test_subset);
  g_test_add_func ("/dataset/split", test_split);
  g_test_add_func ("/dataset/batch", test_batch);
  g_test_add_func ("/idx/raw-and-gzip", test_idx_raw_and_gzip);
  g_test_add_func ("/idx/missing", test_idx_missing);
  g_test_add_func ("/idx/truncated", test_idx_truncated);
  g_test_add_func ("/idx/wrong-magic", test_idx_wrong_magic);
  g_test_add_func ("/idx/huge-header", test_idx_huge_header);
  g_test_add_func ("/idx/count-mismatch", test_idx_count_mismatch);
  g_test_add_func ("/idx/corrupt-gzip", test_idx_corrupt_gzip);
  g_test_add_func ("/idx/fashion-mnist-other-dir", test_fashion_mnist_other_dir);
  g_test_add_func ("/idx/fashion-mnist", test_fashion_mnist_real);

  return g_test_run ();
}
