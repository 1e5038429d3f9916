/* mm-idx.c — the IDX file format of MNIST and Fashion-MNIST.
 *
 * An IDX file is a big-endian header — two zero bytes, a type byte (0x08 for
 * unsigned bytes), the number of axes — then one 32-bit size per axis, then
 * the values. Image files have three axes (n, rows, cols), label files one.
 * The files usually come gzip-compressed; zlib's gz* functions look at the
 * first bytes and decompress only when they find the gzip magic, so raw and
 * compressed files take the same path.
 *
 * The header is not trusted: the data is read in growing chunks and compared
 * with what the header claims before any floats are allocated, so a corrupt
 * header claiming 10^9 images costs a short read and a clear error, not a
 * 3 TB allocation.
 */
#include "mm-dataset.h"
#include "mm-error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <zlib.h>

#define IDX_MAGIC_LABELS 0x00000801u
#define IDX_MAGIC_IMAGES 0x00000803u

/* Each byte of data becomes one float, so this is also the tensor limit. */
#define IDX_MAX_BYTES ((guint64) MM_MAX_ELEMENTS)

#define IDX_CHUNK (1024 * 1024)

#ifndef MM_FASHION_MNIST_DIR
#define MM_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"
#endif

#define FASHION_MNIST_HINT \
  "Install the Debian package dataset-fashion-mnist (sudo apt-get install dataset-fashion-mnist) " \
  "or choose another directory."

static const char * const fashion_mnist_classes[] = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

typedef struct {
  const char *path;
  gzFile gz;
} IdxReader;

static void
idx_reader_close (IdxReader *r)
{
  if (r->gz != NULL)
    gzclose (r->gz);
  r->gz = NULL;
}

static gboolean
idx_reader_open (IdxReader   *r,
                 const char  *path,
                 GError     **error)
{
  GStatBuf st;
  int fd;

  r->path = path;
  r->gz = NULL;
  fd = g_open (path, O_RDONLY, 0);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, MM_ERROR, MM_ERROR_IO,
                   "Cannot open '%s': %s", path, g_strerror (saved));
      return FALSE;
    }
  /* open () succeeds on a directory; reading it would then fail obscurely. */
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_close (fd, NULL);
      g_set_error (error, MM_ERROR, MM_ERROR_IO, "'%s' is not a regular file", path);
      return FALSE;
    }
  r->gz = gzdopen (fd, "rb");
  if (r->gz == NULL)
    {
      g_close (fd, NULL);
      g_set_error (error, MM_ERROR, MM_ERROR_IO, "Cannot read '%s': out of memory", path);
      return FALSE;
    }
  /* A larger buffer than zlib's 8 KiB default roughly halves the time spent
   * in read () calls for the 26 MB training images. */
  gzbuffer (r->gz, 256 * 1024);
  return TRUE;
}

/* Reads up to @len bytes; returns how many were read (fewer only at the end of
 * the data), or -1 with @error set when the stream is corrupt or unreadable. */
static gssize
idx_reader_read (IdxReader  *r,
                 void       *buf,
                 gsize       len,
                 GError    **error)
{
  gsize done = 0;

  while (done < len)
    {
      unsigned int want = (unsigned int) MIN (len - done, (gsize) G_MAXINT / 2);
      int got = gzread (r->gz, (guint8 *) buf + done, want);
      int errnum = Z_OK;
      const char *msg;

      if (got > 0)
        {
          done += (gsize) got;
          continue;
        }
      msg = gzerror (r->gz, &errnum);
      if (got == 0 && (errnum == Z_OK || errnum == Z_STREAM_END))
        break;
      if (errnum == Z_ERRNO)
        g_set_error (error, MM_ERROR, MM_ERROR_IO,
                     "Cannot read '%s': %s", r->path, g_strerror (errno));
      else if (errnum == Z_BUF_ERROR)
        /* zlib's way of saying the compressed stream stops in the middle. */
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                     "'%s' is truncated: its gzip data ends early", r->path);
      else
        {
          /* zlib prefixes its messages with the name it was given, which for
           * gzdopen () is a meaningless "<fd:3>"; the path is ours to add. */
          if (msg != NULL && g_str_has_prefix (msg, "<fd:") && strstr (msg, ": ") != NULL)
            msg = strstr (msg, ": ") + 2;
          g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                       "'%s' is corrupt: %s", r->path, msg != NULL ? msg : "gzip error");
        }
      return -1;
    }
  return (gssize) done;
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static const char *
idx_kind_name (guint32 magic)
{
  switch (magic)
    {
    case IDX_MAGIC_IMAGES:
      return "an IDX image file";
    case IDX_MAGIC_LABELS:
      return "an IDX label file";
    default:
      return "an IDX file";
    }
}

/* Reads a whole IDX file of unsigned bytes with the given magic number.
 * Returns the values (g_free) and fills dims[ndim] from the header. */
static guint8 *
idx_read_file (const char  *path,
               guint32      magic,
               guint32     *dims,
               gsize       *n_values,
               GError     **error)
{
  IdxReader r;
  guint8 header[4 + 4 * 3];
  guint ndim = magic & 0xff;
  guint32 found;
  guint64 expected = 1;
  g_autofree guint8 *data = NULL;
  gsize capacity = 0, have = 0;
  gboolean store;
  gssize got;

  g_assert (ndim >= 1 && ndim <= 3);

  if (!idx_reader_open (&r, path, error))
    return NULL;

  got = idx_reader_read (&r, header, 4, error);
  if (got < 0)
    goto fail;
  if (got < 4)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                   "'%s' is too short to be %s (%" G_GSSIZE_FORMAT " bytes)",
                   path, idx_kind_name (magic), got);
      goto fail;
    }
  found = read_be32 (header);
  if (found != magic)
    {
      if (found == IDX_MAGIC_IMAGES || found == IDX_MAGIC_LABELS)
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                     "'%s' is %s, but %s was expected (wrong magic number 0x%08x)",
                     path, idx_kind_name (found), idx_kind_name (magic), found);
      else
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                     "'%s' is not %s: wrong magic number 0x%08x (expected 0x%08x)",
                     path, idx_kind_name (magic), found, magic);
      goto fail;
    }

  got = idx_reader_read (&r, header + 4, 4 * ndim, error);
  if (got < 0)
    goto fail;
  if ((gsize) got < 4 * ndim)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                   "'%s' is truncated: it ends inside its header", path);
      goto fail;
    }
  for (guint i = 0; i < ndim; i++)
    {
      dims[i] = read_be32 (header + 4 + 4 * i);
      if (dims[i] == 0)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                       "'%s' has an empty axis in its header (size %u of axis %u is 0)",
                       path, dims[i], i);
          goto fail;
        }
      /* Three factors below 2^32 each can overflow 64 bits; such a
       * size is just "more than we will ever read". */
      if (!g_uint64_checked_mul (&expected, expected, dims[i]))
        expected = G_MAXUINT64;
    }

  /* Read the data in growing chunks, so that memory follows the bytes that are
   * really there; when the header asks for more than we could ever hold, only
   * count the bytes, to say how far the file is from its header's claim. */
  store = expected <= IDX_MAX_BYTES;
  for (;;)
    {
      guint8 scratch[16384];
      guint8 *dest;
      gsize want;

      if (store)
        {
          if (have == capacity)
            {
              /* One byte beyond the expected size detects trailing data. */
              gsize target = (gsize) expected + 1;
              capacity = capacity == 0 ? MIN (target, (gsize) IDX_CHUNK) : MIN (target, capacity * 2);
              data = g_realloc (data, capacity);
            }
          dest = data + have;
          want = capacity - have;
        }
      else
        {
          if (have > IDX_MAX_BYTES)
            break;
          dest = scratch;
          want = sizeof scratch;
        }
      got = idx_reader_read (&r, dest, want, error);
      if (got < 0)
        goto fail;
      have += (gsize) got;
      if ((gsize) got < want || (store && have > expected))
        break;
    }
  idx_reader_close (&r);

  if (have < expected)
    {
      g_autofree char *claim = ndim == 3
        ? g_strdup_printf ("%u images of %u×%u pixels", dims[0], dims[1], dims[2])
        : g_strdup_printf ("%u labels", dims[0]);
      g_autofree char *bytes = expected == G_MAXUINT64
        ? g_strdup ("more than 2^64 bytes")
        : g_strdup_printf ("%" G_GUINT64_FORMAT " bytes", expected);
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                   "'%s' is truncated or its header is wrong: the header claims %s "
                   "(%s), but the file holds only %" G_GSIZE_FORMAT " bytes of data",
                   path, claim, bytes, have);
      return NULL;
    }
  if (!store)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                   "'%s' is too large: more than %" G_GUINT64_FORMAT " values", path, IDX_MAX_BYTES);
      return NULL;
    }
  if (have > expected)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                   "'%s' is corrupt: it is longer than its header says (%" G_GUINT64_FORMAT " bytes of data)",
                   path, expected);
      return NULL;
    }
  *n_values = (gsize) expected;
  return g_steal_pointer (&data);

fail:
  idx_reader_close (&r);
  return NULL;
}

/* @n_classes = 0: the largest label + 1. */
static MmDataset *
load_idx (const char          *images_path,
          const char          *labels_path,
          const char          *name,
          guint                n_classes,
          const char * const  *class_names,
          GError             **error)
{
  guint32 image_dims[3], label_dims[1];
  gsize n_pixels, n_labels, n_images;
  g_autofree guint8 *pixels = NULL;
  g_autofree guint8 *label_bytes = NULL;
  g_autofree char *basename = NULL;
  float *features;
  guint32 *labels;
  guint max_label = 0;
  float lut[256];
  MmShape shape;

  pixels = idx_read_file (images_path, IDX_MAGIC_IMAGES, image_dims, &n_pixels, error);
  if (pixels == NULL)
    return NULL;
  label_bytes = idx_read_file (labels_path, IDX_MAGIC_LABELS, label_dims, &n_labels, error);
  if (label_bytes == NULL)
    return NULL;

  n_images = image_dims[0];
  if (n_images != n_labels)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                   "'%s' has %" G_GSIZE_FORMAT " images, but '%s' has %" G_GSIZE_FORMAT " labels",
                   images_path, n_images, labels_path, n_labels);
      return NULL;
    }
  for (gsize i = 0; i < n_labels; i++)
    max_label = MAX (max_label, label_bytes[i]);
  if (n_classes != 0 && max_label >= n_classes)
    {
      gsize at = 0;
      while (label_bytes[at] < n_classes)
        at++;
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                   "'%s' has label %u at position %" G_GSIZE_FORMAT ", but this dataset has only %u classes",
                   labels_path, label_bytes[at], at, n_classes);
      return NULL;
    }
  if (n_classes == 0)
    n_classes = max_label + 1;

  if (!mm_shape_init (&shape, 2, (gsize[]) { image_dims[1], image_dims[2] }, error))
    return NULL;

  /* Pixel bytes 0..255 map to [0, 1]; a table turns the division into a load. */
  for (guint v = 0; v < 256; v++)
    lut[v] = (float) v / 255.0f;
  features = g_try_new (float, n_pixels);
  if (features == NULL)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                   "Out of memory loading %" G_GSIZE_FORMAT " images from '%s'", n_images, images_path);
      return NULL;
    }
  for (gsize i = 0; i < n_pixels; i++)
    features[i] = lut[pixels[i]];
  labels = g_new (guint32, n_labels);
  for (gsize i = 0; i < n_labels; i++)
    labels[i] = label_bytes[i];

  if (name == NULL)
    name = basename = g_path_get_basename (images_path);
  return mm_dataset_new (name, &shape, n_images, features, labels, n_classes, class_names, error);
}

MmDataset *
mm_dataset_load_idx (const char  *images_path,
                     const char  *labels_path,
                     GError     **error)
{
  g_return_val_if_fail (images_path != NULL, NULL);
  g_return_val_if_fail (labels_path != NULL, NULL);
  return load_idx (images_path, labels_path, NULL, 0, NULL, error);
}

const char *
mm_dataset_get_fashion_mnist_dir (void)
{
  return MM_FASHION_MNIST_DIR;
}

static MmDataset *
load_fashion_mnist_part (const char  *dir,
                         const char  *prefix,
                         const char  *name,
                         GError     **error)
{
  g_autofree char *images_name = g_strdup_printf ("%s-images-idx3-ubyte.gz", prefix);
  g_autofree char *labels_name = g_strdup_printf ("%s-labels-idx1-ubyte.gz", prefix);
  g_autofree char *images_path = g_build_filename (dir, images_name, NULL);
  g_autofree char *labels_path = g_build_filename (dir, labels_name, NULL);
  const char *paths[] = { images_path, labels_path };

  /* The usual reason for a missing file is a missing package; say which. */
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    if (!g_file_test (paths[i], G_FILE_TEST_EXISTS))
      {
        g_set_error (error, MM_ERROR, MM_ERROR_IO,
                     "The Fashion-MNIST file '%s' does not exist. " FASHION_MNIST_HINT, paths[i]);
        return NULL;
      }
  return load_idx (images_path, labels_path, name,
                   G_N_ELEMENTS (fashion_mnist_classes), fashion_mnist_classes, error);
}

gboolean
mm_dataset_load_fashion_mnist (const char  *dir,
                               MmDataset  **train,
                               MmDataset  **test,
                               GError     **error)
{
  g_autoptr(MmDataset) train_ds = NULL;
  g_autoptr(MmDataset) test_ds = NULL;

  g_return_val_if_fail (train != NULL && test != NULL, FALSE);

  if (dir == NULL)
    dir = mm_dataset_get_fashion_mnist_dir ();
  train_ds = load_fashion_mnist_part (dir, "train", "Fashion-MNIST (train)", error);
  if (train_ds == NULL)
    return FALSE;
  test_ds = load_fashion_mnist_part (dir, "t10k", "Fashion-MNIST (test)", error);
  if (test_ds == NULL)
    return FALSE;
  *train = g_steal_pointer (&train_ds);
  *test = g_steal_pointer (&test_ds);
  return TRUE;
}
