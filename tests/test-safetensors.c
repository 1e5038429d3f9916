/* test-safetensors.c — weights to and from .safetensors: the round trip bit
 * for bit, atomic saving, every malformed file refused with MM_ERROR_FORMAT,
 * the other floating-point types, and numpy reading our files (and us
 * reading numpy's). */
#include <myml.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"

static MmTensor *
tensor (guint        ndim,
        const gsize *dims)
{
  g_autoptr(GError) error = NULL;
  MmTensor *t = mm_tensor_new_dims (ndim, dims, &error);
  g_assert_no_error (error);
  return t;
}

static float
float_from_bits (guint32 bits)
{
  float f;
  memcpy (&f, &bits, 4);
  return f;
}

static guint32
bits_of (float f)
{
  guint32 b;
  memcpy (&b, &f, 4);
  return b;
}

/* Parameters with awkward names, shapes and values: signed zero, the smallest
 * subnormal, the largest float, infinities and a NaN with a payload. */
static MmParams *
sample_params (void)
{
  MmParams *p = mm_params_new ();
  g_autoptr(GRand) r = g_rand_new_with_seed (17);
  g_autoptr(MmTensor) w = tensor (2, (gsize[]) { 3, 4 });
  g_autoptr(MmTensor) b = tensor (1, (gsize[]) { 4 });
  g_autoptr(MmTensor) s = mm_tensor_new_scalar (-0.0f);
  g_autoptr(MmTensor) deep = tensor (5, (gsize[]) { 2, 1, 3, 1, 2 });
  g_autoptr(MmTensor) special = tensor (1, (gsize[]) { 8 });

  for (gsize i = 0; i < w->size; i++)
    w->data[i] = (float) g_rand_double_range (r, -1, 1);
  for (gsize i = 0; i < b->size; i++)
    b->data[i] = (float) g_rand_double_range (r, -1e-3, 1e-3);
  for (gsize i = 0; i < deep->size; i++)
    deep->data[i] = (float) i - 5.5f;
  special->data[0] = -0.0f;
  special->data[1] = float_from_bits (1);            /* 1.4e-45 */
  special->data[2] = FLT_MAX;
  special->data[3] = -FLT_MIN;
  special->data[4] = INFINITY;
  special->data[5] = -INFINITY;
  special->data[6] = float_from_bits (0x7fc01234u);  /* NaN with a payload */
  special->data[7] = 1.0f / 3.0f;
  /* Deliberately not in alphabetical order. */
  mm_params_set (p, "1.weight", w);
  mm_params_set (p, "1.bias", b);
  mm_params_set (p, "scalar", s);
  mm_params_set (p, "a.deep", deep);
  mm_params_set (p, "special", special);
  return p;
}

/* Same names (in any order), same shapes, same bits. */
static void
assert_params_identical (MmParams *got,
                         MmParams *want)
{
  g_assert_cmpuint (mm_params_get_n (got), ==, mm_params_get_n (want));
  for (guint i = 0; i < mm_params_get_n (want); i++)
    {
      const char *name = mm_params_get_name (want, i);
      MmTensor *w = mm_params_get_tensor (want, i);
      MmTensor *g = mm_params_lookup (got, name);

      if (g == NULL)
        g_error ("%s is missing", name);
      g_assert_true (mm_shape_equal (&g->shape, &w->shape));
      g_assert_cmpmem (g->data, g->size * sizeof (float), w->data, w->size * sizeof (float));
    }
}

static GHashTable *
sample_metadata (void)
{
  GHashTable *meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (meta, "myml.model", "Linear(3, 4); ReLU");
  g_hash_table_insert (meta, "note", "quotes \" backslash \\ newline \n ünïcödé ✓");
  return meta;
}

static guint64
le64 (const guint8 *p)
{
  guint64 v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static void
test_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmParams) params = sample_params ();
  g_autoptr(GHashTable) meta = sample_metadata ();
  g_autofree char *dir = g_dir_make_tmp ("myml-st-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(GHashTable) meta_back = NULL;
  g_autoptr(MmParams) back = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0, n_header;

  g_assert_no_error (error);
  path = g_build_filename (dir, "weights.safetensors", NULL);
  g_assert_true (mm_params_save_safetensors (params, meta, path, &error));
  g_assert_no_error (error);

  back = mm_params_load_safetensors (path, &meta_back, &error);
  g_assert_no_error (error);
  assert_params_identical (back, params);
  g_assert_cmpstr (g_hash_table_lookup (meta_back, "myml.model"), ==, "Linear(3, 4); ReLU");
  g_assert_cmpstr (g_hash_table_lookup (meta_back, "note"), ==, g_hash_table_lookup (meta, "note"));
  g_assert_nonnull (strstr (g_hash_table_lookup (meta_back, "myml.layout"), "(in, out)"));
  g_assert_cmpuint (g_hash_table_size (meta_back), ==, 3);

  /* The layout of the file: 8-byte length, a JSON object, the data 8-byte
   * aligned and exactly as long as the tensors. */
  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  n_header = le64 ((const guint8 *) contents);
  g_assert_cmpuint ((8 + n_header) % 8, ==, 0);
  g_assert_cmpint (contents[8], ==, '{');
  g_assert_cmpuint (len - 8 - n_header, ==, mm_params_count_values (params) * sizeof (float));

  /* The same through memory. */
  {
    g_autoptr(GBytes) bytes = mm_params_to_safetensors (params, NULL, &error);
    g_autoptr(MmParams) again = NULL;
    gsize blen;
    const guint8 *bdata = g_bytes_get_data (bytes, &blen);

    g_assert_no_error (error);
    again = mm_params_from_safetensors (bdata, blen, NULL, &error);
    g_assert_no_error (error);
    assert_params_identical (again, params);
  }

  /* Saving again replaces the file whole. */
  {
    g_autoptr(MmParams) other = mm_params_new ();
    g_autoptr(MmTensor) t = mm_tensor_new_scalar (42.0f);
    g_autoptr(MmParams) back2 = NULL;

    mm_params_set (other, "only", t);
    g_assert_true (mm_params_save_safetensors (other, NULL, path, &error));
    back2 = mm_params_load_safetensors (path, NULL, &error);
    g_assert_no_error (error);
    assert_params_identical (back2, other);
  }

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* An empty table is a valid file too. */
static void
test_empty_params (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmParams) none = mm_params_new ();
  g_autoptr(GBytes) bytes = mm_params_to_safetensors (none, NULL, &error);
  g_autoptr(MmParams) back = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  g_assert_no_error (error);
  back = mm_params_from_safetensors (data, len, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_params_get_n (back), ==, 0);
}

/* ---- Atomic saving ---------------------------------------------------------------- */

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char **
list_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char *n;

  g_assert_nonnull (d);
  while ((n = g_dir_read_name (d)))
    g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

static void
assert_dir_holds (const char *dir,
                  const char *only)
{
  g_auto(GStrv) names = list_dir (dir);
  g_autofree char *joined = g_strjoinv (" ", names);

  if (g_strv_length (names) != 1 || !g_str_equal (names[0], only))
    g_error ("%s holds '%s', not only '%s'", dir, joined, only);
}

static void
test_save_missing_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmParams) params = sample_params ();
  g_autofree char *dir = g_dir_make_tmp ("myml-st-XXXXXX", &error);
  g_autofree char *file = NULL, *under_file = NULL;
  const char *missing = "/nonexistent-myml-dir/sub/weights.safetensors";

  g_assert_no_error (error);
  g_assert_false (mm_params_save_safetensors (params, NULL, missing, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "Could not save the weights"));
  g_assert_nonnull (strstr (error->message, "/nonexistent-myml-dir/sub"));
  g_clear_error (&error);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));

  /* A "directory" that is a file. */
  file = g_build_filename (dir, "plain", NULL);
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  under_file = g_build_filename (file, "weights.safetensors", NULL);
  g_assert_false (mm_params_save_safetensors (params, NULL, under_file, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_IO);
  g_clear_error (&error);
  assert_dir_holds (dir, "plain");

  g_assert_cmpint (g_unlink (file), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* The new file replaces the old by a rename: a reader that opened the old file
 * keeps reading it whole, and no temporary file is left behind. A save that
 * cannot rename (the path is a directory) leaves nothing behind either. */
static void
test_save_replaces_atomically (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmParams) params = sample_params ();
  g_autoptr(MmParams) other = mm_params_new ();
  g_autoptr(MmTensor) t = mm_tensor_new_scalar (7.0f);
  g_autofree char *dir = g_dir_make_tmp ("myml-st-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "w.safetensors", NULL);
  g_autofree char *subdir = g_build_filename (dir, "w2.safetensors", NULL);
  g_autofree char *old = NULL;
  gsize old_len;
  GStatBuf st_old, st_new;
  int fd;

  g_assert_no_error (error);
  g_assert_true (mm_params_save_safetensors (params, NULL, path, &error));
  g_assert_true (g_file_get_contents (path, &old, &old_len, NULL));
  g_assert_cmpint (g_stat (path, &st_old), ==, 0);
  fd = g_open (path, O_RDONLY, 0);
  g_assert_cmpint (fd, >=, 0);

  mm_params_set (other, "seven", t);
  g_assert_true (mm_params_save_safetensors (other, NULL, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st_new), ==, 0);
  g_assert_true (st_new.st_ino != st_old.st_ino);
  {
    g_autofree char *buf = g_malloc (old_len + 1);
    gssize n = read (fd, buf, old_len + 1);
    g_assert_cmpint (n, ==, (gssize) old_len);
    g_assert_cmpmem (buf, old_len, old, old_len);
  }
  close (fd);
  assert_dir_holds (dir, "w.safetensors");

  /* Renaming onto a directory fails: an error, and no debris. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_mkdir (subdir, 0755), ==, 0);
  g_assert_false (mm_params_save_safetensors (other, NULL, subdir, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_IO);
  g_clear_error (&error);
  assert_dir_holds (dir, "w2.safetensors");
  g_assert_true (g_file_test (subdir, G_FILE_TEST_IS_DIR));

  g_assert_cmpint (g_rmdir (subdir), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* A directory without write permission: the save fails and the file that was
 * there stays as it was. Root may write anywhere, so the check runs in a
 * child process that gives up root first. Exit codes of the child: 0 checked,
 * 3 could not drop root, anything else a failure (reason on stderr). */
static int
readonly_child (const char *dir,
                const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmParams) params = sample_params ();
  g_autofree char *orig = NULL, *now = NULL;
  gsize orig_len, now_len;
  g_auto(GStrv) names = NULL;

  if (!g_file_get_contents (path, &orig, &orig_len, NULL))
    return 1;
  if (geteuid () == 0 && (setgid (65534) != 0 || setuid (65534) != 0))
    return 3;
  if (geteuid () == 0)
    return 3;
  if (mm_params_save_safetensors (params, NULL, path, &error))
    {
      g_printerr ("saving into a read-only directory succeeded\n");
      return 1;
    }
  if (!g_error_matches (error, MM_ERROR, MM_ERROR_IO) || !strstr (error->message, "Could not save the weights"))
    {
      g_printerr ("unexpected error: %s\n", error->message);
      return 1;
    }
  if (!g_file_get_contents (path, &now, &now_len, NULL) || now_len != orig_len || memcmp (now, orig, now_len) != 0)
    {
      g_printerr ("the existing file changed\n");
      return 1;
    }
  names = list_dir (dir);
  if (g_strv_length (names) != 1)
    {
      g_printerr ("debris left in the directory\n");
      return 1;
    }
  return 0;
}

static void
test_save_readonly_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *path = NULL;
  g_autofree char *before = NULL, *after = NULL;
  gsize before_len, after_len;
  int status = 0;
  pid_t pid;

  dir = g_dir_make_tmp ("myml-st-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "w.safetensors", NULL);
  {
    g_autoptr(MmParams) old = mm_params_new ();
    g_autoptr(MmTensor) t = mm_tensor_new_scalar (1.0f);
    mm_params_set (old, "old", t);
    g_assert_true (mm_params_save_safetensors (old, NULL, path, &error));
  }
  g_assert_true (g_file_get_contents (path, &before, &before_len, NULL));
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  g_assert_cmpint (g_chmod (dir, 0555), ==, 0);

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      int code = readonly_child (dir, path);
      /* _exit skips the autofree cleanups; free by hand so valgrind, which
       * follows the child, sees no leak. */
      g_clear_pointer (&dir, g_free);
      g_clear_pointer (&path, g_free);
      g_clear_pointer (&before, g_free);
      _exit (code);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);

  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
  g_assert_cmpmem (after, after_len, before, before_len);
  assert_dir_holds (dir, "w.safetensors");
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);

  g_assert_true (WIFEXITED (status));
  if (WEXITSTATUS (status) == 3)
    {
      g_printerr ("skipping: running as root and cannot drop privileges\n");
      g_test_skip ("running as root and cannot drop privileges to test a read-only directory");
      return;
    }
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

/* ---- Malformed files ------------------------------------------------------------- */

static GBytes *
make_file (const char   *header,
           gssize        header_len,
           const guint8 *data,
           gsize         data_len)
{
  GByteArray *a = g_byte_array_new ();
  guint8 len[8];
  gsize hl = header_len >= 0 ? (gsize) header_len : strlen (header);

  for (int i = 0; i < 8; i++)
    len[i] = (guint8) ((guint64) hl >> (8 * i));
  g_byte_array_append (a, len, 8);
  g_byte_array_append (a, (const guint8 *) header, hl);
  if (data_len)
    g_byte_array_append (a, data, data_len);
  return g_byte_array_free_to_bytes (a);
}

static void
assert_format_error (const guint8 *data,
                     gsize         len,
                     const char   *want,
                     const char   *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) meta = NULL;
  MmParams *p = mm_params_from_safetensors (data, len, &meta, &error);

  if (p != NULL)
    g_error ("%s: accepted", what);
  g_assert_null (meta);
  if (!g_error_matches (error, MM_ERROR, MM_ERROR_FORMAT))
    g_error ("%s: not a format error: %s", what, error ? error->message : "(none)");
  if (strstr (error->message, want) == NULL)
    g_error ("%s: message '%s' lacks '%s'", what, error->message, want);
}

#define W(rest) "{\"w\": {" rest "}}"

static void
test_corrupt (void)
{
  static const guint8 zeros[64];
  static const struct { const char *header; gsize data_len; const char *want; } cases[] = {
    { "not json at all", 0, "The header is not valid JSON" },
    { "{\"w\": {\"dtype\": \"F32\"", 0, "The header is not valid JSON" },
    { "[1, 2, 3]", 0, "The header is not a JSON object" },
    { "\"a string\"", 0, "The header is not a JSON object" },
    { "null", 0, "The header is not a JSON object" },
    { "", 0, "The header is not a JSON object" },
    { "        ", 0, "The header is not a JSON object" },
    { "{\"w\": 5}", 0, "The entry w is not an object" },
    { "{\"w\": [1]}", 0, "The entry w is not an object" },
    { W ("\"shape\": [1], \"data_offsets\": [0, 4]"), 4, "The entry w lacks dtype, shape or data_offsets" },
    { W ("\"dtype\": \"F32\", \"data_offsets\": [0, 4]"), 4, "The entry w lacks dtype, shape or data_offsets" },
    { W ("\"dtype\": \"F32\", \"shape\": [1]"), 4, "The entry w lacks dtype, shape or data_offsets" },
    { W ("\"dtype\": 32, \"shape\": [1], \"data_offsets\": [0, 4]"), 4, "The entry w has a malformed dtype" },
    { W ("\"dtype\": null, \"shape\": [1], \"data_offsets\": [0, 4]"), 4, "The entry w has a malformed dtype" },
    { W ("\"dtype\": [\"F32\"], \"shape\": [1], \"data_offsets\": [0, 4]"), 4, "The entry w has a malformed dtype" },
    { W ("\"dtype\": \"F32\", \"shape\": 1, \"data_offsets\": [0, 4]"), 4, "The entry w has a malformed" },
    { W ("\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": {}"), 4, "The entry w has a malformed" },
    { W ("\"dtype\": \"I32\", \"shape\": [1], \"data_offsets\": [0, 4]"), 4,
      "The tensor w has type I32; only floating-point tensors can be parameters" },
    { W ("\"dtype\": \"f32\", \"shape\": [1], \"data_offsets\": [0, 4]"), 4, "type f32" },
    { W ("\"dtype\": \"BOOL\", \"shape\": [1], \"data_offsets\": [0, 1]"), 4, "type BOOL" },
    /* Offsets outside the data. */
    { W ("\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]"), 4,
      "The data of w (bytes 0 to 8) lies outside the file's 4 bytes of data" },
    { W ("\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]"), 4, "lies outside" },
    { W ("\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]"), 4, "lies outside" },
    { W ("\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 12]"), 4, "lies outside" },
    { W ("\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 9223372036854775807]"), 4, "lies outside" },
    { W ("\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]"), 4, "The data_offsets of w are not two whole numbers" },
    { W ("\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4, 8]"), 8, "are not two whole numbers" },
    { W ("\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4.0]"), 4, "are not two whole numbers" },
    { W ("\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [\"0\", \"4\"]"), 4, "are not two whole numbers" },
    { W ("\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [[0], 4]"), 4, "are not two whole numbers" },
    /* Offsets that do not match the shape. */
    { W ("\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]"), 8,
      "The tensor w of shape (2,) and type F32 needs 8 bytes, but has 4" },
    { W ("\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [0, 8]"), 8, "needs 4 bytes, but has 8" },
    { W ("\"dtype\": \"F16\", \"shape\": [3], \"data_offsets\": [0, 4]"), 8, "type F16 needs 6 bytes, but has 4" },
    { W ("\"dtype\": \"F64\", \"shape\": [2, 2], \"data_offsets\": [0, 16]"), 32, "type F64 needs 32 bytes, but has 16" },
    /* Bad shapes. */
    { W ("\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]"), 4,
      "The shape of w is not a list of whole numbers" },
    { W ("\"dtype\": \"F32\", \"shape\": [2, -2], \"data_offsets\": [0, 16]"), 16, "The shape of w is not a list" },
    { W ("\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]"), 4, "The shape of w is not a list" },
    { W ("\"dtype\": \"F32\", \"shape\": [[1]], \"data_offsets\": [0, 4]"), 4, "The shape of w is not a list" },
    { W ("\"dtype\": \"F32\", \"shape\": [\"1\"], \"data_offsets\": [0, 4]"), 4, "The shape of w is not a list" },
    { W ("\"dtype\": \"F32\", \"shape\": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1], \"data_offsets\": [0, 4]"), 4,
      "The tensor w has 17 axes; at most 16 are supported" },
    { W ("\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 4]"), 4,
      "The tensor w: A tensor of shape (4294967296, 4294967296) is too large" },
    { W ("\"dtype\": \"F32\", \"shape\": [9223372036854775807, 2], \"data_offsets\": [0, 4]"), 4, "is too large" },
    { W ("\"dtype\": \"F32\", \"shape\": [2147483648], \"data_offsets\": [0, 4]"), 4, "is too large" },
    { W ("\"dtype\": \"F32\", \"shape\": [100000000000000000000], \"data_offsets\": [0, 4]"), 4, "The shape of w is not a list" },
    /* Metadata that is not an object; a bad entry after a good one. */
    { "{\"__metadata__\": \"x\"}", 0, "__metadata__ is not an object" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, "
      "\"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 12]}}", 8,
      "The data of b (bytes 4 to 12) lies outside" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) f = make_file (cases[i].header, -1, zeros, cases[i].data_len);
      gsize len;
      const guint8 *data = g_bytes_get_data (f, &len);
      assert_format_error (data, len, cases[i].want, cases[i].header);
    }

  /* The length field. */
  assert_format_error ((const guint8 *) "", 0, "too short to be a safetensors file (0 bytes)", "empty");
  assert_format_error ((const guint8 *) "\x02\0\0\0\0\0\0", 7, "too short", "7 bytes");
  {
    const guint8 big[18] = { 0xe8, 0x03, 0, 0, 0, 0, 0, 0, '{', '}' };   /* 1000 */
    const guint8 huge[10] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', '}' };
    const guint8 one_over[10] = { 3, 0, 0, 0, 0, 0, 0, 0, '{', '}' };
    assert_format_error (big, sizeof big, "The header length 1000 does not fit a file of 18 bytes", "1000");
    assert_format_error (huge, sizeof huge, "does not fit a file of 10 bytes", "2^64 - 1");
    assert_format_error (one_over, sizeof one_over, "The header length 3 does not fit", "one byte over");
  }
  /* A NUL inside the header, and bytes that are not UTF-8. */
  {
    g_autoptr(GBytes) nul = make_file ("{\"w\"\0: 1}", 9, NULL, 0);
    g_autoptr(GBytes) latin = make_file ("{\"\xff\xfe\": {}}", -1, NULL, 0);
    gsize len;
    const guint8 *d = g_bytes_get_data (nul, &len);
    assert_format_error (d, len, "The header is not valid JSON", "NUL in the header");
    d = g_bytes_get_data (latin, &len);
    assert_format_error (d, len, "The header is not valid JSON", "not UTF-8");
  }
}

/* Loading from disk: the path in the message, I/O errors apart from format errors. */
static void
test_load_file_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("myml-st-XXXXXX", &error);
  g_autofree char *missing = g_build_filename (dir, "missing.safetensors", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty.safetensors", NULL);
  MmParams *p;

  g_assert_no_error (error);
  p = mm_params_load_safetensors (missing, NULL, &error);
  g_assert_null (p);
  g_assert_error (error, MM_ERROR, MM_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "Could not open the weights file"));
  g_clear_error (&error);

  p = mm_params_load_safetensors (dir, NULL, &error);
  g_assert_null (p);
  g_assert_error (error, MM_ERROR, MM_ERROR_IO);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  p = mm_params_load_safetensors (empty, NULL, &error);
  g_assert_null (p);
  g_assert_error (error, MM_ERROR, MM_ERROR_FORMAT);
  g_assert_true (g_str_has_prefix (error->message, empty));
  g_assert_nonnull (strstr (error->message, "too short"));
  g_clear_error (&error);

  g_assert_cmpint (g_unlink (empty), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* Every truncation of a valid file is refused, and no single-byte corruption
 * makes the reader crash, read out of bounds (valgrind, ASan) or fail with
 * anything but a format error. */
static void
test_truncated_and_flipped (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmParams) params = mm_params_new ();
  g_autoptr(MmTensor) a = tensor (2, (gsize[]) { 2, 3 });
  g_autoptr(MmTensor) b = tensor (1, (gsize[]) { 3 });
  g_autoptr(GBytes) bytes = NULL;
  const guint8 *data;
  gsize len;
  static const guint8 flips[] = { 0x00, 0xff, '"', '[', ']', '{', '}', ',', '-', '9', ' ' };
  guint accepted = 0;

  for (gsize i = 0; i < a->size; i++)
    a->data[i] = (float) i;
  mm_params_set (params, "a", a);
  mm_params_set (params, "b", b);
  bytes = mm_params_to_safetensors (params, NULL, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (bytes, &len);

  for (gsize n = 0; n < len; n++)
    {
      /* A copy of exactly n bytes, so reading past it is caught. */
      g_autofree guint8 *copy = g_memdup2 (data, n);
      g_autoptr(MmParams) p = mm_params_from_safetensors (copy, n, NULL, &error);
      g_assert_null (p);
      g_assert_error (error, MM_ERROR, MM_ERROR_FORMAT);
      g_clear_error (&error);
    }

  for (gsize i = 0; i < len; i++)
    for (guint f = 0; f < G_N_ELEMENTS (flips); f++)
      {
        g_autofree guint8 *copy = g_memdup2 (data, len);
        g_autoptr(MmParams) p = NULL;

        copy[i] = flips[f];
        p = mm_params_from_safetensors (copy, len, NULL, &error);
        if (p == NULL)
          {
            if (!g_error_matches (error, MM_ERROR, MM_ERROR_FORMAT))
              g_error ("byte %" G_GSIZE_FORMAT " = 0x%02x: %s", i, flips[f], error->message);
            g_clear_error (&error);
          }
        else
          accepted++;
      }
  /* Changing a data byte (or a space of padding) keeps the file valid. */
  g_assert_cmpuint (accepted, >, 0);
}

/* ---- Other floating-point types ---------------------------------------------------------- */

static void
put16 (guint8 *p, guint16 v) { p[0] = v & 0xff; p[1] = v >> 8; }

static void
test_dtypes (void)
{
  g_autoptr(GError) error = NULL;
  /* Offsets deliberately unaligned, and the entries not in data order. */
  const char *header =
    "{\"f64\": {\"dtype\": \"F64\", \"shape\": [3], \"data_offsets\": [29, 53]},"
    " \"f16\": {\"dtype\": \"F16\", \"shape\": [2, 5], \"data_offsets\": [0, 20]},"
    " \"bf16\": {\"dtype\": \"BF16\", \"shape\": [4], \"data_offsets\": [20, 28]},"
    " \"f32\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [53, 57]},"
    " \"__metadata__\": {\"format\": \"pt\", \"n\": 3}}";
  guint8 d[57] = { 0 };
  static const guint16 f16_bits[10] = {
    0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000,     /* 1, −2, 65504, 2⁻²⁴, −0 */
    0x7c00, 0x3555, 0x03ff, 0xfc00, 0x3800,     /* ∞, 0.333251953125, 1023·2⁻²⁴, −∞, 0.5 */
  };
  const float f16_want[10] = {
    1.0f, -2.0f, 65504.0f, ldexpf (1, -24), -0.0f,
    INFINITY, 0.333251953125f, ldexpf (1023, -24), -INFINITY, 0.5f,
  };
  static const guint16 bf16_bits[4] = { 0x3f80, 0xc040, 0x4049, 0x0001 };
  const float bf16_want[4] = { 1.0f, -3.0f, 3.140625f, ldexpf (1, -133) };
  static const double f64[3] = { 0.1, -2.5, 123456789.0 };
  g_autoptr(GBytes) file = NULL;
  g_autoptr(MmParams) p = NULL;
  g_autoptr(GHashTable) meta = NULL;
  const guint8 *fd;
  gsize flen;
  MmTensor *t;

  for (int i = 0; i < 10; i++)
    put16 (d + 2 * i, f16_bits[i]);
  for (int i = 0; i < 4; i++)
    put16 (d + 20 + 2 * i, bf16_bits[i]);
  for (int i = 0; i < 3; i++)
    {
      guint64 bits;
      memcpy (&bits, &f64[i], 8);
      for (int k = 0; k < 8; k++)
        d[29 + 8 * i + k] = (guint8) (bits >> (8 * k));
    }
  {
    guint32 bits = bits_of (-7.25f);
    for (int k = 0; k < 4; k++)
      d[53 + k] = (guint8) (bits >> (8 * k));
  }
  file = make_file (header, -1, d, sizeof d);
  fd = g_bytes_get_data (file, &flen);
  p = mm_params_from_safetensors (fd, flen, &meta, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_params_get_n (p), ==, 4);

  t = mm_params_lookup (p, "f16");
  g_assert_cmpuint (t->shape.ndim, ==, 2);
  g_assert_cmpuint (t->shape.dim[1], ==, 5);
  for (int i = 0; i < 10; i++)
    if (bits_of (t->data[i]) != bits_of (f16_want[i]))
      g_error ("F16 0x%04x → %.9g, want %.9g", f16_bits[i], t->data[i], f16_want[i]);
  t = mm_params_lookup (p, "bf16");
  for (int i = 0; i < 4; i++)
    if (bits_of (t->data[i]) != bits_of (bf16_want[i]))
      g_error ("BF16 0x%04x → %.9g, want %.9g", bf16_bits[i], t->data[i], bf16_want[i]);
  t = mm_params_lookup (p, "f64");
  for (int i = 0; i < 3; i++)
    g_assert_cmpuint (bits_of (t->data[i]), ==, bits_of ((float) f64[i]));
  t = mm_params_lookup (p, "f32");
  g_assert_cmpuint (t->shape.ndim, ==, 0);
  g_assert_cmpfloat (t->data[0], ==, -7.25f);

  /* Metadata: strings kept, other values skipped. */
  g_assert_cmpstr (g_hash_table_lookup (meta, "format"), ==, "pt");
  g_assert_false (g_hash_table_contains (meta, "n"));

  /* A NaN in F16 stays a NaN. */
  {
    guint8 one[2];
    g_autoptr(GBytes) f2 = NULL;
    g_autoptr(MmParams) p2 = NULL;
    put16 (one, 0x7e00);
    f2 = make_file ("{\"n\": {\"dtype\": \"F16\", \"shape\": [1], \"data_offsets\": [0, 2]}}", -1, one, 2);
    fd = g_bytes_get_data (f2, &flen);
    p2 = mm_params_from_safetensors (fd, flen, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (isnan (mm_params_lookup (p2, "n")->data[0]));
  }
}

/* ---- numpy --------------------------------------------------------------------------- */

static gboolean
have_numpy (void)
{
  const char *argv[] = { PYTHON, "-c", "import numpy", NULL };
  int status = -1;

  if (!g_file_test (PYTHON, G_FILE_TEST_IS_EXECUTABLE))
    return FALSE;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}

static char *
run_python (const char *script,
            const char *path)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { PYTHON, "-c", script, path, NULL };
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("python3 failed: %s\n%s", error->message, err);
  return out;
}

/* numpy reads what we wrote, from the bytes alone. */
static const char read_script[] =
  "import json, struct, sys\n"
  "import numpy as np\n"
  "raw = open(sys.argv[1], 'rb').read()\n"
  "n = struct.unpack('<Q', raw[:8])[0]\n"
  "header = json.loads(raw[8:8 + n].decode('utf-8'))\n"
  "data = raw[8 + n:]\n"
  "meta = header.pop('__metadata__')\n"
  "for k in sorted(meta):\n"
  "    print('meta', k, json.dumps(meta[k], ensure_ascii=True))\n"
  "for name in sorted(header):\n"
  "    e = header[name]\n"
  "    assert e['dtype'] == 'F32', e\n"
  "    b, end = e['data_offsets']\n"
  "    a = np.frombuffer(data[b:end], dtype='<f4').reshape(e['shape'])\n"
  "    print('tensor', name, 'x'.join(str(d) for d in a.shape) or '-',\n"
  "          ' '.join('%08x' % v for v in a.reshape(-1).view('<u4')))\n";

static void
test_numpy_reads_ours (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmParams) params = NULL;
  g_autoptr(GHashTable) meta = NULL;
  g_autofree char *dir = NULL, *path = NULL, *out = NULL;
  g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *want_text = NULL;

  if (!have_numpy ())
    {
      g_printerr ("skipping: %s -c 'import numpy' fails (install python3-numpy)\n", PYTHON);
      g_test_skip (PYTHON " with numpy is not available (install python3-numpy)");
      return;
    }
  params = sample_params ();
  meta = sample_metadata ();
  dir = g_dir_make_tmp ("myml-st-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "w.safetensors", NULL);
  g_assert_true (mm_params_save_safetensors (params, meta, path, &error));
  out = run_python (read_script, path);

  /* What numpy should print, made from our tensors. */
  g_ptr_array_add (want, g_strdup ("meta myml.layout \"Linear weight is (in, out); PyTorch's nn.Linear is (out, in)\""));
  g_ptr_array_add (want, g_strdup ("meta myml.model \"Linear(3, 4); ReLU\""));
  g_ptr_array_add (want, g_strdup ("meta note \"quotes \\\" backslash \\\\ newline \\n \\u00fcn\\u00efc\\u00f6d\\u00e9 \\u2713\""));
  {
    g_autoptr(GPtrArray) names = g_ptr_array_new ();
    for (guint i = 0; i < mm_params_get_n (params); i++)
      g_ptr_array_add (names, (gpointer) mm_params_get_name (params, i));
    g_ptr_array_sort (names, compare_names);
    for (guint i = 0; i < names->len; i++)
      {
        MmTensor *t = mm_params_lookup (params, g_ptr_array_index (names, i));
        GString *s = g_string_new (NULL);
        g_string_append_printf (s, "tensor %s ", (char *) g_ptr_array_index (names, i));
        if (t->shape.ndim == 0)
          g_string_append (s, "-");
        for (guint d = 0; d < t->shape.ndim; d++)
          g_string_append_printf (s, "%s%" G_GSIZE_FORMAT, d ? "x" : "", t->shape.dim[d]);
        g_string_append_c (s, ' ');
        for (gsize k = 0; k < t->size; k++)
          g_string_append_printf (s, "%s%08x", k ? " " : "", bits_of (t->data[k]));
        g_ptr_array_add (want, g_string_free (s, FALSE));
      }
  }
  g_ptr_array_add (want, g_strdup (""));
  g_ptr_array_add (want, NULL);
  want_text = g_strjoinv ("\n", (char **) want->pdata);
  g_assert_cmpstr (out, ==, want_text);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* We read what numpy wrote: a compact header (no padding), F64/F32/F16
 * tensors, data in another order than the header's. */
static const char write_script[] =
  "import json, struct, sys\n"
  "import numpy as np\n"
  "t = {\n"
  "  'z.f64': np.arange(6, dtype='<f8').reshape(2, 3) / 7,\n"
  "  'a.f32': (np.arange(4) - 1.5).astype('<f4'),\n"
  "  'm.f16': np.array([1, -2, 0.5, 65504, 2.0 ** -24], dtype='<f2'),\n"
  "}\n"
  "kinds = {'<f8': 'F64', '<f4': 'F32', '<f2': 'F16'}\n"
  "header, blobs, off = {'__metadata__': {'format': 'np'}}, [], 0\n"
  "for name in ['m.f16', 'z.f64', 'a.f32']:\n"
  "    b = t[name].tobytes()\n"
  "    header[name] = {'dtype': kinds[t[name].dtype.str], 'shape': list(t[name].shape),\n"
  "                    'data_offsets': [off, off + len(b)]}\n"
  "    blobs.append(b)\n"
  "    off += len(b)\n"
  "h = json.dumps(header).encode()\n"
  "open(sys.argv[1], 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))\n";

static void
test_numpy_writes_ours_reads (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *path = NULL, *out = NULL;
  g_autoptr(MmParams) p = NULL;
  g_autoptr(GHashTable) meta = NULL;
  MmTensor *t;

  if (!have_numpy ())
    {
      g_printerr ("skipping: %s -c 'import numpy' fails (install python3-numpy)\n", PYTHON);
      g_test_skip (PYTHON " with numpy is not available (install python3-numpy)");
      return;
    }
  dir = g_dir_make_tmp ("myml-st-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "np.safetensors", NULL);
  out = run_python (write_script, path);
  p = mm_params_load_safetensors (path, &meta, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_params_get_n (p), ==, 3);
  g_assert_cmpstr (g_hash_table_lookup (meta, "format"), ==, "np");

  t = mm_params_lookup (p, "z.f64");
  g_assert_cmpuint (t->shape.ndim, ==, 2);
  g_assert_cmpuint (t->shape.dim[0], ==, 2);
  g_assert_cmpuint (t->shape.dim[1], ==, 3);
  for (int i = 0; i < 6; i++)
    g_assert_cmpuint (bits_of (t->data[i]), ==, bits_of ((float) (i / 7.0)));
  t = mm_params_lookup (p, "a.f32");
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat (t->data[i], ==, i - 1.5f);
  t = mm_params_lookup (p, "m.f16");
  g_assert_cmpfloat (t->data[0], ==, 1.0f);
  g_assert_cmpfloat (t->data[1], ==, -2.0f);
  g_assert_cmpfloat (t->data[2], ==, 0.5f);
  g_assert_cmpfloat (t->data[3], ==, 65504.0f);
  g_assert_cmpfloat (t->data[4], ==, ldexpf (1, -24));

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/safetensors/round-trip", test_round_trip);
  g_test_add_func ("/safetensors/empty-params", test_empty_params);
  g_test_add_func ("/safetensors/save/missing-dir", test_save_missing_dir);
  g_test_add_func ("/safetensors/save/replaces-atomically", test_save_replaces_atomically);
  g_test_add_func ("/safetensors/save/readonly-dir", test_save_readonly_dir);
  g_test_add_func ("/safetensors/corrupt", test_corrupt);
  g_test_add_func ("/safetensors/load-file-errors", test_load_file_errors);
  g_test_add_func ("/safetensors/truncated-and-flipped", test_truncated_and_flipped);
  g_test_add_func ("/safetensors/dtypes", test_dtypes);
  g_test_add_func ("/safetensors/numpy/reads-ours", test_numpy_reads_ours);
  g_test_add_func ("/safetensors/numpy/writes-we-read", test_numpy_writes_ours_reads);
  return g_test_run ();
}
