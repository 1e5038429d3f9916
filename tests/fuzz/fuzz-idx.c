/* fuzz-idx — the IDX loader (raw or gzip) on arbitrary image and label files.
 * The first byte says where the input is split into the two files. */
#include <myml.h>
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *images = NULL;
  g_autofree char *labels = NULL;
  g_autoptr(MmDataset) ds = NULL;
  size_t split;

  if (size < 1)
    return 0;
  split = 1 + (size_t) data[0] * (size - 1) / 255;
  images = fuzz_write_file ("images", data + 1, split - 1);
  labels = fuzz_write_file ("labels", data + split, size - split);
  if (images == NULL || labels == NULL)
    return 0;
  ds = mm_dataset_load_idx (images, labels, &error);
  /* Either a data set or an error with a message: never both, never neither. */
  g_assert ((ds == NULL) != (error == NULL));
  g_assert (error == NULL || error->message[0] != '\0');
  g_unlink (images);
  g_unlink (labels);
  return 0;
}
