/* fuzz-safetensors — the weights loader on arbitrary bytes; whatever it
 * accepts must write out and read back bit for bit. */
#include <myml.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmParams) p = mm_params_from_safetensors (data, size, NULL, &error);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(MmParams) q = NULL;
  const guint8 *b;
  gsize n;

  g_assert ((p == NULL) != (error == NULL));
  if (p == NULL)
    return 0;
  bytes = mm_params_to_safetensors (p, NULL, &error);
  g_assert (bytes != NULL);
  b = g_bytes_get_data (bytes, &n);
  q = mm_params_from_safetensors (b, n, NULL, &error);
  g_assert (q != NULL);
  g_assert (mm_params_get_n (p) == mm_params_get_n (q));
  for (guint i = 0; i < mm_params_get_n (p); i++)
    {
      MmTensor *a = mm_params_get_tensor (p, i);
      MmTensor *c = mm_params_lookup (q, mm_params_get_name (p, i));
      g_assert (c != NULL && a->size == c->size);
      g_assert (a->size == 0 || memcmp (a->data, c->data, a->size * sizeof (float)) == 0);
    }
  return 0;
}
