/* mm-safetensors.c — parameters to and from .safetensors files. */
#include "mm-safetensors.h"
#include "mm-error.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

/* No header of ours comes near this; a bigger one is hostile or broken. */
#define MAX_HEADER (16u << 20)

static void
put_le64 (guint8  *p,
          guint64  v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static guint64
get_le64 (const guint8 *p)
{
  guint64 v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

GBytes *
mm_params_to_safetensors (MmParams    *params,
                          GHashTable  *metadata,
                          GError     **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *header = NULL;
  GByteArray *out;
  gsize header_len, padded, offset = 0;
  guint8 len_bytes[8];

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "__metadata__");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "myml.layout");
  json_builder_add_string_value (b, "Linear weight is (in, out); PyTorch's nn.Linear is (out, in)");
  if (metadata != NULL)
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, metadata);
      while (g_hash_table_iter_next (&it, &k, &v))
        {
          json_builder_set_member_name (b, k);
          json_builder_add_string_value (b, v);
        }
    }
  json_builder_end_object (b);
  for (guint i = 0; i < mm_params_get_n (params); i++)
    {
      MmTensor *t = mm_params_get_tensor (params, i);
      json_builder_set_member_name (b, mm_params_get_name (params, i));
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "dtype");
      json_builder_add_string_value (b, "F32");
      json_builder_set_member_name (b, "shape");
      json_builder_begin_array (b);
      for (guint d = 0; d < t->shape.ndim; d++)
        json_builder_add_int_value (b, (gint64) t->shape.dim[d]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "data_offsets");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, (gint64) offset);
      offset += t->size * sizeof (float);
      json_builder_add_int_value (b, (gint64) offset);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  header = json_generator_to_data (gen, &header_len);
  /* Pad the header with spaces so the data starts 8-byte aligned. */
  padded = (header_len + 7) / 8 * 8;
  if (padded > MAX_HEADER)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE, "Too many parameters for one file");
      return NULL;
    }

  out = g_byte_array_sized_new (8 + padded + offset);
  put_le64 (len_bytes, padded);
  g_byte_array_append (out, len_bytes, 8);
  g_byte_array_append (out, (const guint8 *) header, header_len);
  for (gsize i = header_len; i < padded; i++)
    g_byte_array_append (out, (const guint8 *) " ", 1);
  for (guint i = 0; i < mm_params_get_n (params); i++)
    {
      MmTensor *t = mm_params_get_tensor (params, i);
      if (G_BYTE_ORDER == G_LITTLE_ENDIAN)
        g_byte_array_append (out, (const guint8 *) t->data, t->size * sizeof (float));
      else
        for (gsize k = 0; k < t->size; k++)
          {
            guint32 bits;
            memcpy (&bits, &t->data[k], 4);
            bits = GUINT32_TO_LE (bits);
            g_byte_array_append (out, (const guint8 *) &bits, 4);
          }
    }
  return g_byte_array_free_to_bytes (out);
}

gboolean
mm_params_save_safetensors (MmParams    *params,
                            GHashTable  *metadata,
                            const char  *path,
                            GError     **error)
{
  g_autoptr(GBytes) bytes = mm_params_to_safetensors (params, metadata, error);
  gsize len;
  const char *data;

  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &len);
  /* g_file_set_contents writes a temporary file and renames it. */
  if (!g_file_set_contents_full (path, data, (gssize) len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0644, error))
    {
      if (error && *error && (*error)->domain != MM_ERROR)
        {
          GError *e = *error;
          *error = g_error_new (MM_ERROR, MM_ERROR_IO, "Could not save the weights: %s", e->message);
          g_error_free (e);
        }
      return FALSE;
    }
  return TRUE;
}

static float
half_to_float (guint16 h)
{
  guint32 sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;

  if (exp == 0)
    v = ldexpf ((float) mant, -24);
  else if (exp == 31)
    v = mant ? NAN : INFINITY;
  else
    v = ldexpf ((float) (mant | 0x400), (int) exp - 25);
  return sign ? -v : v;
}

#define BAD(...) do { g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, __VA_ARGS__); return NULL; } while (0)

MmParams *
mm_params_from_safetensors (const guint8  *data,
                            gsize          length,
                            GHashTable   **metadata_out,
                            GError       **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(MmParams) params = mm_params_new ();
  g_autoptr(GError) local = NULL;
  g_autoptr(GHashTable) metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GList) members = NULL;
  JsonObject *obj;
  guint64 header_len;
  const guint8 *body;
  gsize body_len;

  if (length < 8)
    BAD ("The file is too short to be a safetensors file (%" G_GSIZE_FORMAT " bytes)", length);
  header_len = get_le64 (data);
  if (header_len > MAX_HEADER || header_len > length - 8)
    BAD ("The header length %" G_GUINT64_FORMAT " does not fit a file of %" G_GSIZE_FORMAT " bytes",
         header_len, length);
  if (!json_parser_load_from_data (parser, (const char *) data + 8, (gssize) header_len, &local))
    BAD ("The header is not valid JSON: %s", local->message);
  /* An empty or all-blank header parses without error to no root at all. */
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    BAD ("The header is not a JSON object");
  obj = json_node_get_object (json_parser_get_root (parser));
  body = data + 8 + header_len;
  body_len = length - 8 - header_len;

  members = json_object_get_members (obj);
  members = g_list_sort (members, (GCompareFunc) g_strcmp0);
  for (GList *l = members; l; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (obj, name);
      JsonObject *entry;
      JsonArray *shape_a, *offs;
      const char *dtype;
      gsize dims[MM_MAX_DIMS], elem;
      gint64 begin, end;
      MmShape shape;
      g_autoptr(MmTensor) t = NULL;

      if (g_str_equal (name, "__metadata__"))
        {
          if (!JSON_NODE_HOLDS_OBJECT (node))
            BAD ("__metadata__ is not an object");
          g_autoptr(GList) keys = json_object_get_members (json_node_get_object (node));
          for (GList *k = keys; k; k = k->next)
            {
              JsonNode *v = json_object_get_member (json_node_get_object (node), k->data);
              if (JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING)
                g_hash_table_insert (metadata, g_strdup (k->data), g_strdup (json_node_get_string (v)));
            }
          continue;
        }
      if (!JSON_NODE_HOLDS_OBJECT (node))
        BAD ("The entry %s is not an object", name);
      entry = json_node_get_object (node);
      if (!json_object_has_member (entry, "dtype") || !json_object_has_member (entry, "shape") ||
          !json_object_has_member (entry, "data_offsets"))
        BAD ("The entry %s lacks dtype, shape or data_offsets", name);
      if (json_node_get_value_type (json_object_get_member (entry, "dtype")) != G_TYPE_STRING ||
          !JSON_NODE_HOLDS_ARRAY (json_object_get_member (entry, "shape")) ||
          !JSON_NODE_HOLDS_ARRAY (json_object_get_member (entry, "data_offsets")))
        BAD ("The entry %s has a malformed dtype, shape or data_offsets", name);
      dtype = json_object_get_string_member (entry, "dtype");
      if (g_str_equal (dtype, "F32"))
        elem = 4;
      else if (g_str_equal (dtype, "F64"))
        elem = 8;
      else if (g_str_equal (dtype, "F16") || g_str_equal (dtype, "BF16"))
        elem = 2;
      else
        BAD ("The tensor %s has type %s; only floating-point tensors can be parameters", name, dtype);

      shape_a = json_object_get_array_member (entry, "shape");
      if (json_array_get_length (shape_a) > MM_MAX_DIMS)
        BAD ("The tensor %s has %u axes; at most %d are supported", name,
             json_array_get_length (shape_a), MM_MAX_DIMS);
      for (guint d = 0; d < json_array_get_length (shape_a); d++)
        {
          JsonNode *dn = json_array_get_element (shape_a, d);
          gint64 v;
          if (!JSON_NODE_HOLDS_VALUE (dn) || json_node_get_value_type (dn) != G_TYPE_INT64 ||
              (v = json_node_get_int (dn)) < 0)
            BAD ("The shape of %s is not a list of whole numbers ≥ 0", name);
          dims[d] = (gsize) v;
        }
      if (!mm_shape_init (&shape, json_array_get_length (shape_a), dims, &local))
        BAD ("The tensor %s: %s", name, local->message);

      offs = json_object_get_array_member (entry, "data_offsets");
      if (json_array_get_length (offs) != 2 ||
          json_node_get_value_type (json_array_get_element (offs, 0)) != G_TYPE_INT64 ||
          json_node_get_value_type (json_array_get_element (offs, 1)) != G_TYPE_INT64)
        BAD ("The data_offsets of %s are not two whole numbers", name);
      begin = json_array_get_int_element (offs, 0);
      end = json_array_get_int_element (offs, 1);
      if (begin < 0 || end < begin || (guint64) end > body_len)
        BAD ("The data of %s (bytes %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ") lies outside the file's "
             "%" G_GSIZE_FORMAT " bytes of data: the file is truncated or corrupt", name, begin, end, body_len);
      if ((guint64) (end - begin) != mm_shape_size (&shape) * elem)
        {
          g_autofree char *s = mm_shape_to_string (&shape);
          BAD ("The tensor %s of shape %s and type %s needs %" G_GSIZE_FORMAT " bytes, but has %"
               G_GINT64_FORMAT, name, s, dtype, mm_shape_size (&shape) * elem, end - begin);
        }

      t = mm_tensor_new (&shape, &local);
      if (t == NULL)
        BAD ("The tensor %s: %s", name, local->message);
      for (gsize k = 0; k < t->size; k++)
        {
          const guint8 *p = body + begin + k * elem;
          if (elem == 4)
            {
              guint32 bits = (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
              memcpy (&t->data[k], &bits, 4);
            }
          else if (elem == 8)
            {
              guint64 bits = get_le64 (p);
              double v;
              memcpy (&v, &bits, 8);
              t->data[k] = (float) v;
            }
          else if (dtype[0] == 'F')
            t->data[k] = half_to_float ((guint16) (p[0] | p[1] << 8));
          else
            {
              guint32 bits = ((guint32) p[0] | (guint32) p[1] << 8) << 16;
              memcpy (&t->data[k], &bits, 4);
            }
        }
      mm_params_set (params, name, t);
    }

  if (metadata_out)
    *metadata_out = g_steal_pointer (&metadata);
  return g_steal_pointer (&params);
}

#undef BAD

MmParams *
mm_params_load_safetensors (const char  *path,
                            GHashTable **metadata_out,
                            GError     **error)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) local = NULL;
  MmParams *params;

  file = g_mapped_file_new (path, FALSE, &local);
  if (file == NULL)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_IO, "Could not open the weights file: %s", local->message);
      return NULL;
    }
  params = mm_params_from_safetensors ((const guint8 *) g_mapped_file_get_contents (file),
                                       g_mapped_file_get_length (file), metadata_out, error);
  if (params == NULL)
    g_prefix_error (error, "%s: ", path);
  return params;
}
