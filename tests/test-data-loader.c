/* test-data-loader.c — batches, epochs and reproducible shuffling. */
#include <myml.h>
#include <string.h>

/* @n samples of shape (2, 3): sample i holds 10i + j at position j, and has
 * label i % 4 — so every batch row says which sample it came from. */
static MmDataset *
make_numbered (gsize n)
{
  g_autoptr(GError) error = NULL;
  float *features = g_new (float, 6 * n);
  guint32 *labels = g_new (guint32, n);
  MmShape shape;
  MmDataset *ds;

  for (gsize i = 0; i < n; i++)
    {
      for (guint j = 0; j < 6; j++)
        features[6 * i + j] = (float) (10 * i + j);
      labels[i] = (guint32) (i % 4);
    }
  mm_shape_init (&shape, 2, (gsize[]) { 2, 3 }, NULL);
  ds = mm_dataset_new ("numbered", &shape, n, features, labels, 4, NULL, &error);
  g_assert_no_error (error);
  return ds;
}

static MmDataLoader *
make_loader (MmDataset *ds,
             gsize      batch_size,
             gboolean   shuffle,
             guint32    seed,
             gboolean   drop_last)
{
  g_autoptr(GError) error = NULL;
  MmDataLoader *loader = mm_data_loader_new (ds, batch_size, shuffle, seed, drop_last, &error);

  g_assert_no_error (error);
  g_assert_nonnull (loader);
  return loader;
}

/* Runs the current epoch to its end and returns the sample order it gave (as
 * read back from the batch contents), checking every batch on the way:
 * shapes, rows equal to the dataset's rows, targets equal to the labels. */
static GArray *
run_epoch (MmDataLoader *loader,
           gsize        *n_batches_out,
           gsize        *last_size_out)
{
  GArray *order = g_array_new (FALSE, FALSE, sizeof (gsize));
  MmDataset *ds = mm_data_loader_get_dataset (loader);
  gsize n_batches = 0, last_size = 0;
  gsize first = mm_data_loader_get_position (loader);
  MmTensor *x, *y;

  while (mm_data_loader_next (loader, &x, &y))
    {
      gsize b = x->shape.dim[0], n_idx = 0;
      const gsize *idx = mm_data_loader_get_batch_indices (loader, &n_idx);

      g_assert_cmpuint (x->shape.ndim, ==, 3);
      g_assert_cmpuint (x->shape.dim[1], ==, 2);
      g_assert_cmpuint (x->shape.dim[2], ==, 3);
      g_assert_cmpuint (y->shape.ndim, ==, 1);
      g_assert_cmpuint (y->shape.dim[0], ==, b);
      g_assert_cmpuint (n_idx, ==, b);
      g_assert_cmpuint (b, <=, mm_data_loader_get_batch_size (loader));
      for (gsize r = 0; r < b; r++)
        {
          gsize sample = (gsize) (x->data[6 * r] / 10);

          g_assert_cmpuint (sample, ==, idx[r]);
          g_assert_cmpmem (x->data + 6 * r, 6 * sizeof (float),
                           mm_dataset_get_sample (ds, sample), 6 * sizeof (float));
          g_assert_cmpfloat (y->data[r], ==, (float) (sample % 4));
          g_array_append_val (order, sample);
        }
      n_batches++;
      last_size = b;
      g_assert_cmpuint (mm_data_loader_get_position (loader), ==, first + n_batches);
      mm_tensor_unref (x);
      mm_tensor_unref (y);
    }
  g_assert_null (x);
  g_assert_null (y);
  if (n_batches_out != NULL)
    *n_batches_out = n_batches;
  if (last_size_out != NULL)
    *last_size_out = last_size;
  return order;
}

static void
assert_each_once (GArray *order,
                  gsize   n)
{
  g_autofree guint *seen = g_new0 (guint, n);

  g_assert_cmpuint (order->len, ==, n);
  for (guint i = 0; i < order->len; i++)
    {
      gsize s = g_array_index (order, gsize, i);
      g_assert_cmpuint (s, <, n);
      seen[s]++;
    }
  for (gsize i = 0; i < n; i++)
    g_assert_cmpuint (seen[i], ==, 1);
}

static gboolean
same_order (GArray *a,
            GArray *b)
{
  return a->len == b->len && memcmp (a->data, b->data, a->len * sizeof (gsize)) == 0;
}

static gboolean
is_identity (GArray *order)
{
  for (guint i = 0; i < order->len; i++)
    if (g_array_index (order, gsize, i) != i)
      return FALSE;
  return TRUE;
}

static void
test_every_sample_once (void)
{
  g_autoptr(MmDataset) ds = make_numbered (103);
  g_autoptr(MmDataLoader) loader = make_loader (ds, 10, TRUE, 5, FALSE);

  /* 103 samples in batches of 10: ten full batches and one of 3. */
  g_assert_cmpuint (mm_data_loader_get_n_batches (loader), ==, 11);
  for (guint e = 0; e < 3; e++)
    {
      gsize n_batches, last;
      g_autoptr(GArray) order = NULL;

      mm_data_loader_start_epoch (loader, e);
      g_assert_cmpuint (mm_data_loader_get_epoch (loader), ==, e);
      order = run_epoch (loader, &n_batches, &last);
      g_assert_cmpuint (n_batches, ==, 11);
      g_assert_cmpuint (last, ==, 3);
      assert_each_once (order, 103);
      g_assert_false (is_identity (order));
    }
}

static void
test_drop_last (void)
{
  g_autoptr(MmDataset) ds = make_numbered (103);
  g_autoptr(MmDataLoader) loader = make_loader (ds, 10, TRUE, 5, TRUE);
  g_autoptr(MmDataLoader) keep = make_loader (ds, 10, TRUE, 5, FALSE);
  g_autoptr(GArray) order = NULL, full = NULL;
  g_autofree guint *seen = g_new0 (guint, 103);
  gsize n_batches, last;

  g_assert_cmpuint (mm_data_loader_get_n_batches (loader), ==, 10);
  order = run_epoch (loader, &n_batches, &last);
  g_assert_cmpuint (n_batches, ==, 10);
  g_assert_cmpuint (last, ==, 10);
  g_assert_cmpuint (order->len, ==, 100);
  for (guint i = 0; i < order->len; i++)
    g_assert_cmpuint (++seen[g_array_index (order, gsize, i)], ==, 1);

  /* Dropping the last batch does not change the order of the others. */
  full = run_epoch (keep, NULL, NULL);
  g_assert_cmpmem (order->data, 100 * sizeof (gsize), full->data, 100 * sizeof (gsize));

  /* An exact multiple leaves nothing to drop. */
  {
    g_autoptr(MmDataset) ds100 = make_numbered (100);
    g_autoptr(MmDataLoader) l = make_loader (ds100, 20, TRUE, 1, TRUE);
    g_autoptr(GArray) o = run_epoch (l, &n_batches, &last);
    g_assert_cmpuint (n_batches, ==, 5);
    assert_each_once (o, 100);
  }
}

static void
test_batch_larger_than_dataset (void)
{
  g_autoptr(MmDataset) ds = make_numbered (7);
  g_autoptr(MmDataLoader) loader = make_loader (ds, 64, FALSE, 0, FALSE);
  g_autoptr(GArray) order = NULL;
  gsize n_batches, last;

  order = run_epoch (loader, &n_batches, &last);
  g_assert_cmpuint (n_batches, ==, 1);
  g_assert_cmpuint (last, ==, 7);
  g_assert_true (is_identity (order));
}

static void
test_reproducible_order (void)
{
  g_autoptr(MmDataset) ds = make_numbered (50);
  g_autoptr(MmDataLoader) a = make_loader (ds, 8, TRUE, 1234, FALSE);
  g_autoptr(MmDataLoader) b = make_loader (ds, 8, TRUE, 1234, FALSE);
  g_autoptr(MmDataLoader) other_seed = make_loader (ds, 8, TRUE, 1235, FALSE);
  g_autoptr(GArray) a0 = NULL, a1 = NULL, a2 = NULL, a0_again = NULL;
  g_autoptr(GArray) b2 = NULL, b0 = NULL, c0 = NULL;

  a0 = run_epoch (a, NULL, NULL);          /* a new loader is at epoch 0 */
  mm_data_loader_start_epoch (a, 1);
  a1 = run_epoch (a, NULL, NULL);
  mm_data_loader_start_epoch (a, 2);
  a2 = run_epoch (a, NULL, NULL);

  /* Same seed ⇒ same order; different epochs ⇒ different orders. */
  g_assert_false (same_order (a0, a1));
  g_assert_false (same_order (a1, a2));
  g_assert_false (same_order (a0, a2));

  /* Epoch 2 depends only on (seed, 2): a loader jumping straight to it, with
   * no epochs 0 and 1 before, sees the same order (resuming a run). */
  mm_data_loader_start_epoch (b, 2);
  b2 = run_epoch (b, NULL, NULL);
  g_assert_true (same_order (a2, b2));
  mm_data_loader_start_epoch (b, 0);
  b0 = run_epoch (b, NULL, NULL);
  g_assert_true (same_order (a0, b0));

  /* Replaying an epoch gives it again. */
  mm_data_loader_start_epoch (a, 0);
  a0_again = run_epoch (a, NULL, NULL);
  g_assert_true (same_order (a0, a0_again));

  c0 = run_epoch (other_seed, NULL, NULL);
  g_assert_false (same_order (a0, c0));
}

static void
test_no_shuffle (void)
{
  g_autoptr(MmDataset) ds = make_numbered (25);
  g_autoptr(MmDataLoader) loader = make_loader (ds, 4, FALSE, 99, FALSE);

  for (guint e = 0; e < 2; e++)
    {
      g_autoptr(GArray) order = NULL;
      mm_data_loader_start_epoch (loader, e);
      order = run_epoch (loader, NULL, NULL);
      g_assert_cmpuint (order->len, ==, 25);
      g_assert_true (is_identity (order));
    }
}

static void
test_seek_and_end (void)
{
  g_autoptr(MmDataset) ds = make_numbered (30);
  g_autoptr(MmDataLoader) loader = make_loader (ds, 4, TRUE, 3, FALSE);
  g_autoptr(GArray) full = NULL, tail = NULL;
  MmTensor *x = (MmTensor *) 0x1, *y = (MmTensor *) 0x1;
  gsize n = 99;

  g_assert_null (mm_data_loader_get_batch_indices (loader, &n));
  g_assert_cmpuint (n, ==, 0);

  mm_data_loader_start_epoch (loader, 4);
  full = run_epoch (loader, NULL, NULL);
  /* At the end, next () keeps saying no. */
  g_assert_false (mm_data_loader_next (loader, &x, &y));
  g_assert_null (x);
  g_assert_null (y);

  /* Resume epoch 4 at batch 3: the rest is the tail of the full epoch. */
  mm_data_loader_start_epoch (loader, 4);
  mm_data_loader_seek (loader, 3);
  g_assert_cmpuint (mm_data_loader_get_position (loader), ==, 3);
  tail = run_epoch (loader, NULL, NULL);
  g_assert_cmpuint (tail->len, ==, 30 - 12);
  g_assert_cmpmem (tail->data, tail->len * sizeof (gsize),
                   &g_array_index (full, gsize, 12), tail->len * sizeof (gsize));
}

static void
test_errors (void)
{
  g_autoptr(MmDataset) ds = make_numbered (10);
  g_autoptr(GError) error = NULL;

  g_assert_null (mm_data_loader_new (ds, 0, TRUE, 1, FALSE, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "batch size must be at least 1"));
  g_clear_error (&error);

  /* drop_last with a batch larger than the dataset would give no batch at all. */
  g_assert_null (mm_data_loader_new (ds, 11, TRUE, 1, TRUE, &error));
  g_assert_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "leaves no batch of the 10 samples"));
}

static void
test_loader_keeps_dataset (void)
{
  MmDataset *ds = make_numbered (5);
  g_autoptr(MmDataLoader) loader = make_loader (ds, 2, TRUE, 1, FALSE);
  g_autoptr(GArray) order = NULL;

  /* The loader holds its own reference. */
  mm_dataset_unref (ds);
  order = run_epoch (loader, NULL, NULL);
  assert_each_once (order, 5);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/data-loader/every-sample-once", test_every_sample_once);
  g_test_add_func ("/data-loader/drop-last", test_drop_last);
  g_test_add_func ("/data-loader/batch-larger-than-dataset", test_batch_larger_than_dataset);
  g_test_add_func ("/data-loader/reproducible-order", test_reproducible_order);
  g_test_add_func ("/data-loader/no-shuffle", test_no_shuffle);
  g_test_add_func ("/data-loader/seek-and-end", test_seek_and_end);
  g_test_add_func ("/data-loader/errors", test_errors);
  g_test_add_func ("/data-loader/keeps-dataset", test_loader_keeps_dataset);

  return g_test_run ();
}
