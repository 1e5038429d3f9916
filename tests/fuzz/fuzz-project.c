/* fuzz-project — the project-file parser on arbitrary JSON-ish text; whatever
 * it accepts must write out and read back the same. */
#include <myml.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *weights = NULL;
  g_autoptr(MmProject) p = mm_project_from_json ((const char *) data, (gssize) size, &weights, &error);
  g_autofree char *json = NULL;
  g_autoptr(MmProject) q = NULL;

  g_assert ((p == NULL) != (error == NULL));
  if (p == NULL)
    return 0;
  json = mm_project_to_json (p, weights);
  q = mm_project_from_json (json, -1, NULL, &error);
  if (q == NULL)
    g_error ("a project read from the input does not read back: %s\n%s", error->message, json);
  g_assert (strcmp (p->network, q->network) == 0);
  g_assert (p->steps->len == q->steps->len);
  return 0;
}
