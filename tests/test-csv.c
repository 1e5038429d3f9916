/* test-csv.c — datasets from CSV files, and the messages bad files get. */
#include <myml.h>
#include <string.h>
#include <glib/gstdio.h>

static char *tmp_dir;

/* Writes @text to a new file in the test directory and returns its path. */
static char *
write_csv (const char *name,
           const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (tmp_dir, name, NULL);

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
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

/* Loads @text and expects failure with @code and @fragment in the message. */
static void
expect_failure (const char *text,
                int         label_column,
                int         code,
                const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_csv ("bad.csv", text);
  MmDataset *ds = mm_dataset_load_csv (path, label_column, &error);

  g_assert_null (ds);
  assert_error_contains (error, code, fragment);
  /* Every message names the file, so a student with several knows which. */
  assert_error_contains (error, code, "bad.csv");
}

static void
test_with_header (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_csv ("header.csv",
                                     "x, y ,label\n"
                                     "0.5,1,0\n"
                                     "\n"
                                     "-2,3e-1,2\n"
                                     "   \n"
                                     "1.25, -4 ,1\n");
  g_autoptr(MmDataset) ds = mm_dataset_load_csv (path, -1, &error);
  const float expected[] = { 0.5f, 1.0f, -2.0f, 0.3f, 1.25f, -4.0f };
  const guint32 labels[] = { 0, 2, 1 };

  g_assert_no_error (error);
  g_assert_cmpstr (mm_dataset_get_name (ds), ==, "header.csv");
  g_assert_cmpuint (mm_dataset_get_n_samples (ds), ==, 3);
  g_assert_cmpuint (mm_dataset_get_sample_shape (ds)->ndim, ==, 1);
  g_assert_cmpuint (mm_dataset_get_sample_shape (ds)->dim[0], ==, 2);
  /* The largest label is 2, so three classes. */
  g_assert_cmpuint (mm_dataset_get_n_classes (ds), ==, 3);
  g_assert_cmpmem (mm_dataset_get_features (ds), sizeof expected, expected, sizeof expected);
  g_assert_cmpmem (mm_dataset_get_labels (ds), sizeof labels, labels, sizeof labels);
}

static void
test_without_header (void)
{
  g_autoptr(GError) error = NULL;
  /* The label in the first column, Windows line endings, a byte order mark
   * and no newline at the end. */
  g_autofree char *path = write_csv ("plain.csv",
                                     "\xef\xbb\xbf" "4,1,2,3\r\n"
                                     "\r\n"
                                     "0,-1,-2,-3\r\n"
                                     "4.0,7,8,9");
  g_autoptr(MmDataset) ds = mm_dataset_load_csv (path, 0, &error);
  const float expected[] = { 1, 2, 3, -1, -2, -3, 7, 8, 9 };
  const guint32 labels[] = { 4, 0, 4 };

  g_assert_no_error (error);
  g_assert_cmpuint (mm_dataset_get_n_samples (ds), ==, 3);
  g_assert_cmpuint (mm_dataset_get_sample_shape (ds)->dim[0], ==, 3);
  g_assert_cmpuint (mm_dataset_get_n_classes (ds), ==, 5);
  g_assert_cmpmem (mm_dataset_get_features (ds), sizeof expected, expected, sizeof expected);
  g_assert_cmpmem (mm_dataset_get_labels (ds), sizeof labels, labels, sizeof labels);
}

static void
test_other_separators (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *semi = write_csv ("semi.csv", "\"a\";\"b\";\"class\"\n1;2;1\n3;4;0\n");
  g_autofree char *tabs = write_csv ("tabs.csv", "1\t2\t1\n3\t4\t0\n");
  const float expected[] = { 1, 2, 3, 4 };
  const guint32 labels[] = { 1, 0 };

  g_autoptr(MmDataset) a = mm_dataset_load_csv (semi, -1, &error);
  g_assert_no_error (error);
  g_autoptr(MmDataset) b = mm_dataset_load_csv (tabs, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (mm_dataset_get_features (a), sizeof expected, expected, sizeof expected);
  g_assert_cmpmem (mm_dataset_get_features (b), sizeof expected, expected, sizeof expected);
  g_assert_cmpmem (mm_dataset_get_labels (a), sizeof labels, labels, sizeof labels);
  g_assert_cmpmem (mm_dataset_get_labels (b), sizeof labels, labels, sizeof labels);
}

static void
test_not_a_number (void)
{
  GString *text = g_string_new ("f1,f2,f3,label\n");

  /* Lines 2..16 are good (some blank); line 17 has 'abc' in column 3. */
  for (guint line = 2; line <= 16; line++)
    g_string_append (text, line % 5 == 0 ? "\n" : "1,2,3,0\n");
  g_string_append (text, "1,2,abc,1\n");
  g_string_append (text, "1,2,3,1\n");
  expect_failure (text->str, -1, MM_ERROR_FORMAT, "line 17, column 3: 'abc' is not a number");
  g_string_free (text, TRUE);

  /* Half a number is not a number either. */
  expect_failure ("1,2,0\n1,2x,0\n", -1, MM_ERROR_FORMAT, "line 2, column 2: '2x' is not a number");
  /* A class name where an index belongs gets a hint. */
  expect_failure ("a,b,species\n5.1,3.5,setosa\n", -1, MM_ERROR_FORMAT,
                  "line 2, column 3: 'setosa' is not a number (class labels must be integers");
  expect_failure ("1,2,0\n1,,0\n", -1, MM_ERROR_FORMAT, "line 2, column 2: the value is missing");
  expect_failure ("1,2,0\ninf,1,0\n", -1, MM_ERROR_FORMAT, "line 2, column 1: 'inf' is not a finite number");
  expect_failure ("1,2,0\n1e39,1,0\n", -1, MM_ERROR_FORMAT, "line 2, column 1: '1e39' is not a finite number");
}

static void
test_ragged (void)
{
  expect_failure ("x,y,label\n1,2,0\n\n1,2\n", -1, MM_ERROR_FORMAT,
                  "line 4: expected 3 columns (like line 1), but found 2");
  expect_failure ("\n1,2,0\n1,2,0,5\n", -1, MM_ERROR_FORMAT,
                  "line 3: expected 3 columns (like line 2), but found 4");
  expect_failure ("1\n2\n", -1, MM_ERROR_FORMAT, "line 1: a dataset needs at least two columns");
}

static void
test_empty (void)
{
  expect_failure ("", -1, MM_ERROR_FORMAT, "is empty");
  expect_failure ("\n  \n\r\n", -1, MM_ERROR_FORMAT, "is empty");
  expect_failure ("x,y,label\n\n", -1, MM_ERROR_FORMAT, "has a header but no data rows");
}

static void
test_bad_labels (void)
{
  expect_failure ("1,2,0\n3,4,-1\n", -1, MM_ERROR_FORMAT, "line 2, column 3: label '-1' is negative");
  expect_failure ("1,2,0\n3,4,1.5\n", -1, MM_ERROR_FORMAT, "line 2, column 3: label '1.5' is not an integer");
  expect_failure ("0.5,2,3\n", 0, MM_ERROR_FORMAT, "line 1, column 1: label '0.5' is not an integer");
  expect_failure ("1,2,100000\n", -1, MM_ERROR_FORMAT, "label '100000' is too large");
  /* No column 3 in a three-column file (columns count from 0). */
  expect_failure ("1,2,0\n", 3, MM_ERROR_INVALID_ARGUMENT, "has 3 columns, so there is no label column 3");
}

static void
test_io_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (tmp_dir, "missing.csv", NULL);
  g_autofree char *binary = g_build_filename (tmp_dir, "binary.csv", NULL);

  g_assert_null (mm_dataset_load_csv (missing, -1, &error));
  assert_error_contains (error, MM_ERROR_IO, "missing.csv");
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (binary, "1,2\0,3", 6, NULL));
  g_assert_null (mm_dataset_load_csv (binary, -1, &error));
  assert_error_contains (error, MM_ERROR_FORMAT, "not a text file");
  g_clear_error (&error);

  g_assert_null (mm_dataset_load_csv (binary, -2, &error));
  assert_error_contains (error, MM_ERROR_INVALID_ARGUMENT, "label column");
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("myml-test-csv-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/csv/with-header", test_with_header);
  g_test_add_func ("/csv/without-header", test_without_header);
  g_test_add_func ("/csv/other-separators", test_other_separators);
  g_test_add_func ("/csv/not-a-number", test_not_a_number);
  g_test_add_func ("/csv/ragged", test_ragged);
  g_test_add_func ("/csv/empty", test_empty);
  g_test_add_func ("/csv/bad-labels", test_bad_labels);
  g_test_add_func ("/csv/io-errors", test_io_errors);
  ret = g_test_run ();

  dir = g_dir_open (tmp_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *p = g_build_filename (tmp_dir, name, NULL);
      g_remove (p);
    }
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
