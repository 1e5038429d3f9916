/* fuzz-network — the network description parser: whatever it accepts must
 * print and parse back to the same text, and its shape check must not crash. */
#include <myml.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) net = mm_module_parse (text, &error);
  g_autofree char *printed = NULL;
  g_autoptr(MmModule) again = NULL;
  g_autofree char *printed_again = NULL;
  MmShape in, out;

  g_assert ((net == NULL) != (error == NULL));
  if (net == NULL)
    return 0;
  printed = mm_module_to_string (net);
  again = mm_module_parse (printed, NULL);
  g_assert (again != NULL);
  printed_again = mm_module_to_string (again);
  g_assert (strcmp (printed, printed_again) == 0);

  /* A batch of 2 samples of a few plausible shapes. */
  g_assert (mm_shape_init (&in, 2, (gsize[]) { 2, 8 }, NULL));
  (void) mm_module_output_shape (net, &in, &out, NULL);
  g_assert (mm_shape_init (&in, 3, (gsize[]) { 2, 28, 28 }, NULL));
  (void) mm_module_output_shape (net, &in, &out, NULL);
  g_assert (mm_shape_init (&in, 4, (gsize[]) { 2, 1, 12, 12 }, NULL));
  (void) mm_module_output_shape (net, &in, &out, NULL);
  return 0;
}
