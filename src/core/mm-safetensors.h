/* mm-safetensors.h — parameters to and from .safetensors files.
 *
 * safetensors is a plain format that numpy (via a few lines of Python),
 * PyTorch and many other tools read: 8 bytes little-endian header length N,
 * N bytes of JSON {"name": {"dtype": "F32", "shape": [...], "data_offsets":
 * [begin, end]}, "__metadata__": {...}}, then the raw little-endian data.
 *
 * Our Linear weights are stored as we hold them, (in, out); PyTorch's
 * nn.Linear holds (out, in). The metadata key "myml.layout" says so.
 */
#pragma once

#include <glib.h>
#include "mm-params.h"

G_BEGIN_DECLS

/* Writes atomically (a temporary file renamed over @path), so an existing
 * file is either replaced whole or left as it was. @metadata (string →
 * string) may be NULL. */
gboolean  mm_params_save_safetensors (MmParams     *params,
                                      GHashTable   *metadata,
                                      const char   *path,
                                      GError      **error);
/* In memory, for tests and for embedding. */
GBytes   *mm_params_to_safetensors   (MmParams     *params,
                                      GHashTable   *metadata,
                                      GError      **error);

/* Reads F32 tensors (F64 and F16/BF16 are converted); anything malformed gives
 * MM_ERROR_FORMAT with what is wrong. @metadata_out (optional) receives the
 * metadata as a string → string table. */
MmParams *mm_params_load_safetensors (const char   *path,
                                      GHashTable  **metadata_out,
                                      GError      **error);
MmParams *mm_params_from_safetensors (const guint8 *data,
                                      gsize         length,
                                      GHashTable  **metadata_out,
                                      GError      **error);

G_END_DECLS
