/* fuzz-csv — the CSV loader on arbitrary text. */
#include <myml.h>
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = fuzz_write_file ("csv", data, size);
  g_autoptr(MmDataset) ds = NULL;

  if (path == NULL)
    return 0;
  ds = mm_dataset_load_csv (path, -1, &error);
  g_assert ((ds == NULL) != (error == NULL));
  if (ds != NULL)
    g_assert (mm_dataset_get_n_samples (ds) > 0);
  g_unlink (path);
  return 0;
}
