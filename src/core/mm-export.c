/* mm-export.c — a project as a PyTorch script; PyTorch's weights back.
 *
 * The script is assembled from fixed blocks of Python (the helpers every
 * script has) and blocks written from the project (settings, the network,
 * the loss, the optimizer). It must read as if a person wrote it: each block
 * opens with a comment naming the part of the app it stands for.
 */
#include "mm-export.h"
#include "mm-error.h"
#include "mm-safetensors.h"
#include "mm-data-loader.h"
#include "mm-seqdata.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void
mm_export_options_init (MmExportOptions *options)
{
  g_return_if_fail (options != NULL);
  memset (options, 0, sizeof *options);
}

/* ---- Python literals ----------------------------------------------------- */

/* A double as short as it can be written and still read back the same. */
static char *
py_double (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (int digits = 1; digits <= 17; digits++)
    {
      char format[8];
      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buf, sizeof buf, format, v);
      if (g_ascii_strtod (buf, NULL) == v)
        break;
    }
  /* "1" would be an int in Python; a float reads better as "1.0". */
  if (strpbrk (buf, ".eE") == NULL && strlen (buf) + 3 < sizeof buf)
    strcat (buf, ".0");
  return g_strdup (buf);
}

/* A float as short as it can be written and still round to the same float. */
static char *
py_float (float v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (int digits = 1; digits <= 9; digits++)
    {
      char format[8];
      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buf, sizeof buf, format, (double) v);
      if ((float) g_ascii_strtod (buf, NULL) == v)
        break;
    }
  if (strpbrk (buf, ".eE") == NULL && strlen (buf) + 3 < sizeof buf)
    strcat (buf, ".0");
  return g_strdup (buf);
}

/* A Python string literal: "…" with backslashes, quotes and control
 * characters escaped; other characters stay as they are (UTF-8 source). */
static char *
py_str (const char *s)
{
  GString *out = g_string_new ("\"");

  for (const guchar *p = (const guchar *) s; *p; p++)
    {
      if (*p == '\\' || *p == '"')
        g_string_append_printf (out, "\\%c", *p);
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p < 0x20 || *p == 0x7f)
        g_string_append_printf (out, "\\x%02x", *p);
      else
        g_string_append_c (out, (char) *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

/* Text for a "#" comment or a docstring: one line, no control characters, no
 * triple quotes or backslashes that would end or bend a docstring. */
static char *
py_comment_text (const char *s)
{
  GString *out = g_string_new (NULL);

  for (const guchar *p = (const guchar *) s; *p; p++)
    {
      if (*p < 0x20 || *p == 0x7f)
        g_string_append_c (out, ' ');
      else if (*p == '\\')
        g_string_append_c (out, '/');
      else if (*p == '"')
        g_string_append_c (out, '\'');
      else
        g_string_append_c (out, (char) *p);
    }
  return g_string_free (out, FALSE);
}

static G_GNUC_PRINTF (2, 3) void
line (GString    *s,
      const char *format,
      ...)
{
  va_list ap;

  va_start (ap, format);
  g_string_append_vprintf (s, format, ap);
  va_end (ap);
  g_string_append_c (s, '\n');
}

/* ---- The network --------------------------------------------------------- */

typedef struct {
  char *code;        /* "nn.Linear(784, 100)" */
  char *text;        /* our text form, for the comment */
} Layer;

static void
layer_clear (Layer *l)
{
  g_free (l->code);
  g_free (l->text);
}

typedef struct {
  GArray *layers;            /* Layer */
  gboolean needs_reshape;    /* the Reshape helper class */
  gboolean needs_lambda;     /* the Lambda helper class */
  gboolean has_dropout;
  gboolean has_linear;
  gboolean has_batch_norm;
  /* Sequence layers: the helper classes the script needs. */
  gboolean ids_input;        /* layer 0 is nn.Embedding: the data gives int64 ids */
  gboolean needs_rnn;
  gboolean needs_lstm;
  gboolean needs_last;
  gboolean needs_attention;
  gboolean needs_positional;
  gboolean needs_causal_block;
  gboolean needs_causal_mask;
} Network;

static void
network_clear (Network *n)
{
  g_clear_pointer (&n->layers, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Network, network_clear)

/* An elementwise operation as a torch.nn layer, or as Lambda(name, function)
 * when torch.nn has none. */
static char *
activation_code (const MmOp *op,
                 Network    *net)
{
  g_autofree char *c = py_float (op->param);
  const char *fn = NULL;

  switch (op->kind)
    {
    case MM_OP_RELU:
      return g_strdup ("nn.ReLU()");
    case MM_OP_LEAKY_RELU:
      return g_strdup_printf ("nn.LeakyReLU(%s)", c);
    case MM_OP_SIGMOID:
      return g_strdup ("nn.Sigmoid()");
    case MM_OP_TANH:
      return g_strdup ("nn.Tanh()");
    case MM_OP_SOFTPLUS:
      /* PyTorch returns x itself above x = 20, where log(1 + eˣ) and x are
       * the same float anyway. */
      return g_strdup ("nn.Softplus()");
    case MM_OP_POW:
      net->needs_lambda = TRUE;
      return g_strdup_printf ("Lambda(\"Pow(%s)\", lambda x: torch.pow(x, %s))", c, c);
    case MM_OP_SCALE:
      net->needs_lambda = TRUE;
      return g_strdup_printf ("Lambda(\"Scale(%s)\", lambda x: x * %s)", c, c);
    case MM_OP_NEG: fn = "torch.neg"; break;
    case MM_OP_SIN: fn = "torch.sin"; break;
    case MM_OP_COS: fn = "torch.cos"; break;
    case MM_OP_EXP: fn = "torch.exp"; break;
    case MM_OP_LOG: fn = "torch.log"; break;
    case MM_OP_SQRT: fn = "torch.sqrt"; break;
    case MM_OP_SQUARE: fn = "torch.square"; break;
    case MM_OP_ABS: fn = "torch.abs"; break;
    case MM_OP_ADD:
    case MM_OP_MUL:
    case MM_OP_SUB:
    case MM_OP_DIV:
    case MM_N_OPS:
    default:
      return NULL;
    }
  net->needs_lambda = TRUE;
  return g_strdup_printf ("Lambda(\"%s\", %s)", mm_op_kind_name (op->kind), fn);
}

/* Keyword arguments that differ from PyTorch's defaults: ", stride=2". */
static void
append_kw_size (GString    *s,
                const char *name,
                gsize       value,
                gsize       default_value)
{
  if (value != default_value)
    g_string_append_printf (s, ", %s=%" G_GSIZE_FORMAT, name, value);
}

static char *
layer_code (MmModule *layer,
            guint     index,
            Network  *net,
            GError  **error)
{
  const char *type = mm_module_get_type_name (layer);
  gsize a, b, k, stride, padding, dilation;
  gboolean max;
  double p, eps, momentum;
  guint dims;
  MmOp op;
  MmShape shape;

  if (g_str_equal (type, "Flatten"))
    return g_strdup ("nn.Flatten()");
  if (mm_module_get_linear_features (layer, &a, &b))
    {
      net->has_linear = TRUE;
      return g_strdup_printf ("nn.Linear(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")", a, b);
    }
  if (mm_module_get_activation_op (layer, &op))
    {
      char *code = activation_code (&op, net);
      if (code == NULL)
        g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                     "Layer %u (%s) has no PyTorch equivalent in the export", index, mm_op_kind_name (op.kind));
      return code;
    }
  if (g_str_equal (type, "Reshape") && mm_module_get_reshape (layer, &shape))
    {
      GString *s = g_string_new ("Reshape(");
      for (guint i = 0; i < shape.ndim; i++)
        g_string_append_printf (s, i ? ", %" G_GSIZE_FORMAT : "%" G_GSIZE_FORMAT, shape.dim[i]);
      g_string_append_c (s, ')');
      net->needs_reshape = TRUE;
      return g_string_free (s, FALSE);
    }
  if (mm_module_get_conv2d (layer, &a, &b, &k, &stride, &padding, &dilation))
    {
      GString *s = g_string_new (NULL);
      g_string_append_printf (s, "nn.Conv2d(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT, a, b, k);
      append_kw_size (s, "stride", stride, 1);
      append_kw_size (s, "padding", padding, 0);
      append_kw_size (s, "dilation", dilation, 1);
      g_string_append_c (s, ')');
      return g_string_free (s, FALSE);
    }
  if (mm_module_get_pool2d (layer, &max, &k, &stride, &padding))
    {
      GString *s = g_string_new (NULL);
      /* PyTorch's defaults are ours: stride = kernel size, no ceil mode, and
       * AvgPool2d counts the padding in the window's size. */
      g_string_append_printf (s, "nn.%s(%" G_GSIZE_FORMAT, max ? "MaxPool2d" : "AvgPool2d", k);
      append_kw_size (s, "stride", stride, k);
      append_kw_size (s, "padding", padding, 0);
      g_string_append_c (s, ')');
      return g_string_free (s, FALSE);
    }
  if (mm_module_get_dropout (layer, &p))
    {
      g_autofree char *ps = py_double (p);
      net->has_dropout = TRUE;
      return g_strdup_printf ("nn.Dropout(%s)", ps);
    }
  if (mm_module_get_batch_norm (layer, &dims, &a, &eps, &momentum))
    {
      GString *s = g_string_new (NULL);
      g_string_append_printf (s, "nn.BatchNorm%ud(%" G_GSIZE_FORMAT, dims, a);
      if (eps != 1e-5)
        {
          g_autofree char *e = py_double (eps);
          g_string_append_printf (s, ", eps=%s", e);
        }
      if (momentum != 0.1)
        {
          g_autofree char *m = py_double (momentum);
          g_string_append_printf (s, ", momentum=%s", m);
        }
      g_string_append_c (s, ')');
      net->has_batch_norm = TRUE;
      return g_string_free (s, FALSE);
    }
  if (mm_module_get_embedding (layer, &a, &b))
    {
      if (index != 0)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                       "Layer %u (Embedding) can only be exported as the first layer: nn.Embedding takes "
                       "the data's whole-number ids, not the outputs of layer %u", index, index - 1);
          return NULL;
        }
      net->ids_input = TRUE;
      return g_strdup_printf ("nn.Embedding(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")", a, b);
    }
  {
    gboolean lstm;
    gsize layers;

    if (mm_module_get_rnn (layer, &lstm, &a, &b, &layers))
      {
        GString *s = g_string_new (NULL);
        if (lstm)
          net->needs_lstm = TRUE;
        else
          net->needs_rnn = TRUE;
        g_string_append_printf (s, "%s(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT, lstm ? "LSTM" : "RNN", a, b);
        append_kw_size (s, "num_layers", layers, 1);
        g_string_append (s, ", batch_first=True)");
        return g_string_free (s, FALSE);
      }
  }
  if (mm_module_is_last (layer))
    {
      net->needs_last = TRUE;
      return g_strdup ("Last()");
    }
  if (mm_module_get_layer_norm (layer, &a))
    return g_strdup_printf ("nn.LayerNorm(%" G_GSIZE_FORMAT ")", a);
  {
    gboolean causal;
    gsize heads;

    if (mm_module_get_multihead_attention (layer, &a, &heads, &causal))
      {
        net->needs_attention = TRUE;
        net->needs_causal_mask |= causal;
        return g_strdup_printf ("SelfAttention(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "%s)", a, heads,
                                causal ? ", causal=True" : "");
      }
    if (mm_module_get_transformer_block (layer, &a, &heads, &b, &causal))
      {
        if (causal)
          net->needs_causal_block = net->needs_causal_mask = TRUE;
        return g_strdup_printf ("%s(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", dim_feedforward=%" G_GSIZE_FORMAT
                                ", dropout=0.0,\nactivation=\"relu\", batch_first=True, norm_first=True)",
                                causal ? "CausalEncoderLayer" : "nn.TransformerEncoderLayer", a, heads, b);
      }
  }
  if (mm_module_get_positional_encoding (layer, &a, &b))
    {
      net->needs_positional = TRUE;
      if (b != 5000)
        return g_strdup_printf ("PositionalEncoding(%" G_GSIZE_FORMAT ", max_len=%" G_GSIZE_FORMAT ")", a, b);
      return g_strdup_printf ("PositionalEncoding(%" G_GSIZE_FORMAT ")", a);
    }
  g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
               "Layer %u (%s) has no PyTorch equivalent in the export", index, type);
  return NULL;
}

static gboolean
network_init (Network   *net,
              MmModule  *model,
              GError   **error)
{
  guint n;

  memset (net, 0, sizeof *net);
  net->layers = g_array_new (FALSE, TRUE, sizeof (Layer));
  g_array_set_clear_func (net->layers, (GDestroyNotify) layer_clear);
  if (!g_str_equal (mm_module_get_type_name (model), "Sequential"))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Only a sequence of layers can be exported, not a %s", mm_module_get_type_name (model));
      return FALSE;
    }
  n = mm_module_get_n_children (model);
  for (guint i = 0; i < n; i++)
    {
      MmModule *child = mm_module_get_child (model, i);
      Layer l = { NULL, NULL };

      l.code = layer_code (child, i, net, error);
      if (l.code == NULL)
        return FALSE;
      l.text = mm_module_to_string (child);
      g_array_append_val (net->layers, l);
    }
  return TRUE;
}

/* ---- The fixed blocks of Python ------------------------------------------ */

static const char py_reshape[] =
  "class Reshape(nn.Module):\n"
  "    \"\"\"Gives each sample of a batch a new shape, e.g. (784,) or (28, 28) → (1, 28, 28).\"\"\"\n"
  "\n"
  "    def __init__(self, *shape):\n"
  "        super().__init__()\n"
  "        self.shape = shape\n"
  "\n"
  "    def forward(self, x):\n"
  "        return x.reshape(x.shape[0], *self.shape)\n"
  "\n"
  "    def extra_repr(self):\n"
  "        return \", \".join(str(d) for d in self.shape)\n"
  "\n\n";

static const char py_lambda[] =
  "class Lambda(nn.Module):\n"
  "    \"\"\"An operation on each number that torch.nn has no layer for (Sin, Exp, Square, …).\"\"\"\n"
  "\n"
  "    def __init__(self, name, function):\n"
  "        super().__init__()\n"
  "        self.name = name\n"
  "        self.function = function\n"
  "\n"
  "    def forward(self, x):\n"
  "        return self.function(x)\n"
  "\n"
  "    def extra_repr(self):\n"
  "        return self.name\n"
  "\n\n";

/* The sequence layers. Each subclass keeps its torch.nn base's parameters
 * (and so their names) and only adapts forward() to nn.Sequential, which
 * passes one tensor from layer to layer. */
static const char py_rnn[] =
  "class RNN(nn.RNN):\n"
  "    \"\"\"nn.RNN (tanh) over a whole sequence (batch, time, features), giving its output\n"
  "    at every time step (batch, time, hidden). nn.RNN also returns its last hidden\n"
  "    state; in nn.Sequential only the outputs go on to the next layer.\"\"\"\n"
  "\n"
  "    def forward(self, x):\n"
  "        outputs, _last_hidden = super().forward(x)\n"
  "        return outputs\n"
  "\n\n";

static const char py_lstm[] =
  "class LSTM(nn.LSTM):\n"
  "    \"\"\"nn.LSTM over a whole sequence (batch, time, features), giving its output at\n"
  "    every time step (batch, time, hidden). nn.LSTM also returns its last hidden and\n"
  "    cell states; in nn.Sequential only the outputs go on to the next layer.\"\"\"\n"
  "\n"
  "    def forward(self, x):\n"
  "        outputs, _last_states = super().forward(x)\n"
  "        return outputs\n"
  "\n\n";

static const char py_last[] =
  "class Last(nn.Module):\n"
  "    \"\"\"The last time step of a sequence: (batch, time, features) → (batch, features),\n"
  "    e.g. to classify a whole sequence by what an RNN has seen at its end.\"\"\"\n"
  "\n"
  "    def forward(self, x):\n"
  "        return x[:, -1]\n"
  "\n\n";

static const char py_causal_mask[] =
  "def causal_mask(length):\n"
  "    \"\"\"The attention mask that lets position t look only at positions 0…t: −∞ (added\n"
  "    to the scores before the softmax) above the diagonal, 0 elsewhere.\"\"\"\n"
  "    return nn.Transformer.generate_square_subsequent_mask(length)\n"
  "\n\n";

static const char py_attention[] =
  "class SelfAttention(nn.MultiheadAttention):\n"
  "    \"\"\"nn.MultiheadAttention as self-attention on a sequence (batch, time, features):\n"
  "    queries, keys and values all come from the input. With causal=True each\n"
  "    position attends only to itself and the positions before it. Gives only the\n"
  "    outputs (nn.MultiheadAttention also returns the attention weights).\"\"\"\n"
  "\n"
  "    def __init__(self, embed_dim, num_heads, causal=False):\n"
  "        super().__init__(embed_dim, num_heads, batch_first=True)\n"
  "        self.causal = causal\n"
  "\n"
  "    def forward(self, x):\n"
  "        mask = causal_mask(x.shape[1]) if self.causal else None\n"
  "        outputs, _ = super().forward(x, x, x, attn_mask=mask, need_weights=False)\n"
  "        return outputs\n"
  "\n\n";

static const char py_causal_block[] =
  "class CausalEncoderLayer(nn.TransformerEncoderLayer):\n"
  "    \"\"\"nn.TransformerEncoderLayer whose self-attention is causal: each position\n"
  "    attends only to itself and the positions before it.\"\"\"\n"
  "\n"
  "    def forward(self, src, src_mask=None, src_key_padding_mask=None):\n"
  "        return super().forward(src, src_mask=causal_mask(src.shape[1]),\n"
  "                               src_key_padding_mask=src_key_padding_mask)\n"
  "\n\n";

static const char py_positional[] =
  "class PositionalEncoding(nn.Module):\n"
  "    \"\"\"Adds the fixed sinusoidal code of each position (\\\"Attention Is All You Need\\\")\n"
  "    to a sequence (batch, time, features); it has no parameters:\n"
  "        PE[t, 2i] = sin(t / 10000^(2i/D)),   PE[t, 2i+1] = cos(t / 10000^(2i/D)).\"\"\"\n"
  "\n"
  "    def __init__(self, dim, max_len=5000):\n"
  "        super().__init__()\n"
  "        self.dim = dim\n"
  "        self.max_len = max_len\n"
  "\n"
  "    def forward(self, x):\n"
  "        length = x.shape[1]\n"
  "        if length > self.max_len:\n"
  "            raise ValueError(f\"PositionalEncoding encodes at most {self.max_len} positions, not {length}\")\n"
  "        # Computed in float64 and rounded once, as the app does.\n"
  "        t = torch.arange(length, dtype=torch.float64)[:, None]\n"
  "        i = torch.arange(0, self.dim, 2, dtype=torch.float64)\n"
  "        angle = t * torch.exp(-i * math.log(10000.0) / self.dim)\n"
  "        pe = torch.zeros(length, self.dim, dtype=torch.float64)\n"
  "        pe[:, 0::2] = torch.sin(angle)\n"
  "        pe[:, 1::2] = torch.cos(angle[:, :self.dim // 2])\n"
  "        return x + pe.to(x.dtype)\n"
  "\n"
  "    def extra_repr(self):\n"
  "        return f\"{self.dim}, max_len={self.max_len}\"\n"
  "\n\n";

static const char py_idx[] =
  "def read_idx(path):\n"
  "    \"\"\"An IDX file (the MNIST format), gzip-compressed or not, as a numpy array.\"\"\"\n"
  "    data = Path(path).read_bytes()\n"
  "    if data[:2] == b\"\\x1f\\x8b\":\n"
  "        data = gzip.decompress(data)\n"
  "    ndim = data[3]\n"
  "    shape = struct.unpack(\">\" + \"I\" * ndim, data[4:4 + 4 * ndim])\n"
  "    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)\n"
  "\n"
  "\n"
  "def load_data():\n"
  "    \"\"\"Training images and classes, then test images and classes, as tensors.\"\"\"\n"
  "    def part(prefix):\n"
  "        images = read_idx(DATA_DIR / f\"{prefix}-images-idx3-ubyte.gz\")\n"
  "        labels = read_idx(DATA_DIR / f\"{prefix}-labels-idx1-ubyte.gz\")\n"
  "        # Pixels 0…255 become numbers in [0, 1], as in the app.\n"
  "        x = torch.from_numpy(images.astype(np.float32) / np.float32(255))\n"
  "        y = torch.from_numpy(labels.astype(np.int64))\n"
  "        return x, y\n"
  "\n"
  "    x_train, y_train = part(\"train\")\n"
  "    x_test, y_test = part(\"t10k\")\n"
  "    return x_train, y_train, x_test, y_test\n"
  "\n\n";

static const char py_safetensors[] =
  "# ---- Weights: the .safetensors file (File → Save Project) -------------------\n"
  "# safetensors is a simple format: 8 bytes with the length of a JSON header,\n"
  "# the header (name → dtype, shape, where the numbers are), then the numbers.\n"
  "# These few lines read and write it without the `safetensors` package.\n"
  "\n"
  "SAFETENSORS_TYPES = {\"F32\": \"<f4\", \"F64\": \"<f8\", \"F16\": \"<f2\", \"I64\": \"<i8\", \"I32\": \"<i4\"}\n"
  "\n"
  "\n"
  "def read_safetensors(path):\n"
  "    \"\"\"{name: tensor} of a .safetensors file.\"\"\"\n"
  "    data = Path(path).read_bytes()\n"
  "    (length,) = struct.unpack(\"<Q\", data[:8])\n"
  "    header = json.loads(data[8:8 + length])\n"
  "    body = data[8 + length:]\n"
  "    tensors = {}\n"
  "    for name, info in header.items():\n"
  "        if name == \"__metadata__\":\n"
  "            continue\n"
  "        if info[\"dtype\"] not in SAFETENSORS_TYPES:\n"
  "            raise SystemExit(f\"{path}: {name} has the type {info['dtype']}, which this reader does not know\")\n"
  "        begin, end = info[\"data_offsets\"]\n"
  "        array = np.frombuffer(body[begin:end], dtype=SAFETENSORS_TYPES[info[\"dtype\"]])\n"
  "        tensors[name] = torch.from_numpy(array.reshape(info[\"shape\"]).copy())\n"
  "    return tensors\n"
  "\n"
  "\n"
  "def write_safetensors(path, tensors, metadata=None):\n"
  "    \"\"\"Writes {name: tensor} as float32, as safetensors.torch.save_file would.\"\"\"\n"
  "    header, blobs, offset = {}, [], 0\n"
  "    for name, tensor in tensors.items():\n"
  "        blob = tensor.detach().cpu().to(torch.float32).contiguous().numpy().astype(\"<f4\").tobytes()\n"
  "        header[name] = {\"dtype\": \"F32\", \"shape\": list(tensor.shape),\n"
  "                        \"data_offsets\": [offset, offset + len(blob)]}\n"
  "        blobs.append(blob)\n"
  "        offset += len(blob)\n"
  "    if metadata:\n"
  "        header[\"__metadata__\"] = metadata\n"
  "    text = json.dumps(header).encode()\n"
  "    text += b\" \" * (-len(text) % 8)\n"
  "    with open(path, \"wb\") as f:\n"
  "        f.write(struct.pack(\"<Q\", len(text)))\n"
  "        f.write(text)\n"
  "        for blob in blobs:\n"
  "            f.write(blob)\n"
  "\n"
  "\n"
  "def load_app_weights(model, path):\n"
  "    \"\"\"Loads weights saved by the app into the model.\n"
  "\n"
  "    The app keeps the weight of a Linear layer as (in, out) and computes x·W;\n"
  "    nn.Linear keeps it as (out, in) and computes x·Wᵀ. Those are transposed.\n"
  "    \"\"\"\n"
  "    weights = read_safetensors(path)\n"
  "    state = model.state_dict()\n"
  "    for name in state:\n"
  "        if name.endswith(\"num_batches_tracked\"):\n"
  "            continue  # PyTorch's own counter; the app has no use for it\n"
  "        if name not in weights:\n"
  "            raise SystemExit(f\"{path} has no tensor {name}\")\n"
  "        value = weights[name]\n"
  "        if isinstance(model[int(name.split(\".\")[0])], nn.Linear) and name.endswith(\".weight\"):\n"
  "            value = value.t()\n"
  "        if value.shape != state[name].shape:\n"
  "            raise SystemExit(f\"{path}: {name} has shape {tuple(value.shape)}, \"\n"
  "                             f\"the model needs {tuple(state[name].shape)}\")\n"
  "        state[name] = value\n"
  "    for name in weights:\n"
  "        if name not in state:\n"
  "            raise SystemExit(f\"{path} has a tensor {name}, which the model does not have\")\n"
  "    model.load_state_dict(state, strict=True)\n"
  "\n"
  "\n"
  "def save_weights(model, path):\n"
  "    \"\"\"Saves the model's state_dict in PyTorch's layout; `myml-train\n"
  "    --import-pytorch FILE` (or MyML Studio) reads it back.\"\"\"\n"
  "    tensors = {name: value for name, value in model.state_dict().items() if value.is_floating_point()}\n"
  "    write_safetensors(path, tensors, {\"format\": \"pt\"})\n"
  "\n\n";

static const char py_app_random[] =
  "# ---- The app's random numbers (you can skip this part) ---------------------\n"
  "# MyML Studio draws the order of the training samples and the Dropout masks\n"
  "# from its own small generator (SplitMix64), the same on every computer.\n"
  "# Doing the same here gives the very same batches and masks as the app, so\n"
  "# the losses agree number for number. Plain PyTorch code would write\n"
  "# torch.randperm(n) and nn.Dropout(p) instead: run with `--random torch`.\n"
  "\n"
  "MASK64 = (1 << 64) - 1\n"
  "GOLDEN = 0x9E3779B97F4A7C15\n"
  "\n"
  "\n"
  "def app_mix(z):\n"
  "    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64\n"
  "    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64\n"
  "    return z ^ (z >> 31)\n"
  "\n"
  "\n"
  "def app_permutation(n, seed, stream):\n"
  "    \"\"\"0 … n − 1 shuffled by the app's generator (Fisher–Yates), started from the\n"
  "    seed and a stream number (the app's split of a data set uses stream 0, the\n"
  "    order of epoch e stream e + 1).\"\"\"\n"
  "    state = app_mix(((seed << 32) ^ app_mix((stream + GOLDEN) & MASK64)) & MASK64)\n"
  "    order = list(range(n))\n"
  "    for i in range(n, 1, -1):  # Fisher–Yates\n"
  "        limit = MASK64 - MASK64 % i\n"
  "        while True:\n"
  "            state = (state + GOLDEN) & MASK64\n"
  "            r = app_mix(state)\n"
  "            if r < limit:\n"
  "                break\n"
  "        j = r % i\n"
  "        order[i - 1], order[j] = order[j], order[i - 1]\n"
  "    return torch.tensor(order, dtype=torch.int64)\n"
  "\n"
  "\n"
  "class AppRandom:\n"
  "    \"\"\"The app's generator as a stream of numbers in [0, 1), started from a seed\n"
  "    and a stream number.\"\"\"\n"
  "\n"
  "    def __init__(self, seed, stream):\n"
  "        self.state = app_mix(((seed << 32) ^ app_mix((stream + GOLDEN) & MASK64)) & MASK64)\n"
  "\n"
  "    def uniform(self):\n"
  "        self.state = (self.state + GOLDEN) & MASK64\n"
  "        return (app_mix(self.state) >> 11) / 9007199254740992.0\n"
  "\n"
  "\n"
  "def app_order(n, seed, epoch):\n"
  "    \"\"\"The order in which the app visits n training samples in an epoch.\"\"\"\n"
  "    return app_permutation(n, seed, epoch + 1)\n"
  "\n"
  "\n"
  "def app_uniforms(state, n):\n"
  "    \"\"\"n numbers in [0, 1) from the app's generator, starting from state.\"\"\"\n"
  "    z = np.uint64(state) + np.arange(1, n + 1, dtype=np.uint64) * np.uint64(GOLDEN)\n"
  "    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)\n"
  "    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)\n"
  "    z = z ^ (z >> np.uint64(31))\n"
  "    return (z >> np.uint64(11)).astype(np.float64) / 9007199254740992.0\n"
  "\n"
  "\n"
  "class AppDropout(nn.Module):\n"
  "    \"\"\"nn.Dropout that drops the same numbers as the app: its mask depends on\n"
  "    the seed, the step and the layer's name (\\\"3.\\\"), as in the app.\"\"\"\n"
  "\n"
  "    def __init__(self, p, name):\n"
  "        super().__init__()\n"
  "        self.p = p\n"
  "        self.name = name\n"
  "        self.step = 0\n"
  "\n"
  "    def forward(self, x):\n"
  "        if not self.training or self.p == 0:\n"
  "            return x\n"
  "        h = 14695981039346656037  # FNV-1a of the name\n"
  "        for byte in self.name.encode():\n"
  "            h = ((h ^ byte) * 1099511628211) & MASK64\n"
  "        state = app_mix(app_mix(((SEED << 32) ^ app_mix(self.step)) & MASK64) ^ h)\n"
  "        keep = app_uniforms(state, x.numel()) >= self.p\n"
  "        scale = np.float32(1.0 / (1.0 - self.p))\n"
  "        return x * torch.from_numpy(keep.astype(np.float32).reshape(tuple(x.shape)) * scale)\n"
  "\n"
  "    def extra_repr(self):\n"
  "        return f\"p={self.p}\"\n"
  "\n"
  "\n"
  "def use_app_dropout(model):\n"
  "    for i, layer in enumerate(model):\n"
  "        if isinstance(layer, nn.Dropout):\n"
  "            model[i] = AppDropout(layer.p, f\"{i}.\")\n"
  "\n"
  "\n"
  "def set_app_step(model, step):\n"
  "    for layer in model:\n"
  "        if isinstance(layer, AppDropout):\n"
  "            layer.step = step\n"
  "\n\n";

/* Text: sampling from the trained model, as myml-train --sample does. */
static const char py_sample[] =
  "# ---- Samples: text written by the model (myml-train --sample) --------------\n"
  "\n"
  "def first_line(window):\n"
  "    \"\"\"The characters of a window of ids up to its first line end: the prompt\n"
  "    when none is given.\"\"\"\n"
  "    _, vocab = read_text()\n"
  "    return \"\".join(vocab[int(i)] for i in window).split(\"\\n\")[0]\n"
  "\n"
  "\n"
  "def sample(model, prompt, n, temperature):\n"
  "    \"\"\"n characters from the model after the prompt. The model reads the last\n"
  "    SEQ_LEN characters, and the next one is drawn from softmax(scores / temperature)\n"
  "    of its last time step (temperature 0: the likeliest one) with the app's random\n"
  "    numbers from SEED, so that the app writes the same text from the same weights.\"\"\"\n"
  "    _, vocab = read_text()\n"
  "    index = {c: i for i, c in enumerate(vocab)}\n"
  "    if not prompt:\n"
  "        raise SystemExit(\"The prompt must be some text\")\n"
  "    for c in prompt:\n"
  "        if c not in index:\n"
  "            raise SystemExit(f\"The prompt's character {c!r} is not in the text's {len(vocab)} characters\")\n"
  "    ids = [index[c] for c in prompt]\n"
  "    rng = AppRandom(SEED, 0x5A3B1E)\n"
  "    model.eval()\n"
  "    written = []\n"
  "    with torch.no_grad():\n"
  "        for _ in range(n):\n"
  "            scores = model(torch.tensor([ids[-SEQ_LEN:]], dtype=IDS))[0, -1].tolist()\n"
  "            best = max(range(len(scores)), key=lambda c: scores[c])\n"
  "            if temperature > 0:\n"
  "                weights = [math.exp((s - scores[best]) / temperature) for s in scores]\n"
  "                total = 0.0\n"
  "                for w in weights:  # summed in order, as the app does\n"
  "                    total += w\n"
  "                u, cumulative = rng.uniform() * total, 0.0\n"
  "                for c, w in enumerate(weights):\n"
  "                    cumulative += w\n"
  "                    if u < cumulative:\n"
  "                        best = c\n"
  "                        break\n"
  "            ids.append(best)\n"
  "            written.append(vocab[best])\n"
  "    return \"\".join(written)\n"
  "\n\n";

static const char py_sample_arguments[] =
  "    parser.add_argument(\"--sample\", type=int, metavar=\"N\",\n"
  "                        help=\"after training, write N characters sampled from the model\")\n"
  "    parser.add_argument(\"--prompt\", help=\"the characters the sample starts from (default: the text's first line)\")\n"
  "    parser.add_argument(\"--temperature\", type=float, default=0.8,\n"
  "                        help=\"sampling temperature (default 0.8; 0 always takes the likeliest character)\")\n";

static const char py_sample_run[] =
  "    if args.sample:\n"
  "        prompt = args.prompt if args.prompt is not None else first_line(x_train[0])\n"
  "        text = sample(model, prompt, args.sample, args.temperature)\n"
  "        print(f\"sample (temperature {args.temperature:g}):\\n{prompt}{text}\")\n";

static const char py_train[] =
  "# ---- Live views: loss and accuracy on a whole set ---------------------------\n"
  "\n"
  "def evaluate(model, x, y):\n"
  "    \"\"\"Data loss and accuracy in eval mode (no Dropout; BatchNorm uses its running\n"
  "    statistics), 1000 samples at a time as in the app.\"\"\"\n"
  "    model.eval()\n"
  "    total, correct = 0.0, 0\n"
  "    with torch.no_grad():\n"
  "        for start in range(0, len(x), 1000):\n"
  "            output = model(x[start:start + 1000])\n"
  "            target = y[start:start + 1000]\n"
  "            total += data_loss(output, target).item() * len(target)\n"
  "            correct += (output.argmax(-1) == target).sum().item()  # at every time step for sequences\n"
  "    return total / len(x), correct / y.numel()\n"
  "\n"
  "\n"
  "# ---- Train (the Train button) ------------------------------------------------\n"
  "\n"
  "def main():\n"
  "    parser = argparse.ArgumentParser(description=__doc__.split(\"\\n\")[0])\n"
  "    parser.add_argument(\"--epochs\", type=int, default=EPOCHS, help=f\"epochs to train (default {EPOCHS})\")\n"
  "    parser.add_argument(\"--steps\", type=int, help=\"stop after this many steps (batches)\")\n"
  "    parser.add_argument(\"--random\", choices=[\"app\", \"torch\"], default=\"app\",\n"
  "                        help=\"batch order and Dropout masks: the app's (default) or PyTorch's\")\n"
  "    parser.add_argument(\"--save\", metavar=\"FILE\", help=\"save the trained weights (.safetensors)\")\n"
  "    parser.add_argument(\"--log-steps\", metavar=\"FILE\", help=\"write every step's losses to a CSV file\")\n"
  "    parser.add_argument(\"--predict\", metavar=\"FILE\",\n"
  "                        help=\"write the trained network's outputs for the test set to a .npy file\")\n"
  ;

static const char py_train_run[] =
  "    args = parser.parse_args()\n"
  "\n"
  "    torch.manual_seed(SEED)\n"
  "    x_train, y_train, x_test, y_test = load_data()\n"
  "    model = build_model()\n"
  "    if WEIGHTS_FILE is not None and (HERE / WEIGHTS_FILE).exists():\n"
  "        load_app_weights(model, HERE / WEIGHTS_FILE)\n"
  "    else:\n"
  "        init_weights(model)\n"
  "    if args.random == \"app\":\n"
  "        use_app_dropout(model)\n"
  "    optimizer = make_optimizer(model)\n"
  "    scheduler = make_scheduler(optimizer)\n"
  "    log = open(args.log_steps, \"w\") if args.log_steps else None\n"
  "    if log:\n"
  "        log.write(\"step,epoch,loss,data_loss,penalty,lr\\n\")\n"
  "\n"
  "    step = 0\n"
  "    for epoch in range(args.epochs):\n"
  "        if args.steps is not None and step >= args.steps:\n"
  "            break\n"
  "        model.train()\n"
  "        if args.random == \"app\":\n"
  "            order = app_order(len(x_train), SEED, epoch)\n"
  "        else:\n"
  "            order = torch.randperm(len(x_train))\n"
  "        seen, loss_sum, correct, labels = 0, 0.0, 0, 0\n"
  "        for start in range(0, len(order), BATCH_SIZE):\n"
  "            if args.steps is not None and step >= args.steps:\n"
  "                break\n"
  "            batch = order[start:start + BATCH_SIZE]\n"
  "            x, y = x_train[batch], y_train[batch]\n"
  "            set_app_step(model, step)  # the app's Dropout masks change with the step\n"
  "\n"
  "            output = model(x)  # the forward pass: the graph of the Graph and backprop tab\n"
  "            data = data_loss(output, y)\n"
  "            extra = penalty(model)\n"
  "            loss = data + extra  # the app plots the data loss and the penalties apart\n"
  "            if not torch.isfinite(loss):\n"
  "                raise SystemExit(f\"Training diverged at step {step + 1}: the loss became {loss.item()}. \"\n"
  "                                 \"Try a smaller learning rate.\")\n"
  "            optimizer.zero_grad()  # gradients add up in PyTorch: start each step from 0\n"
  "            loss.backward()  # the backward pass (the app's stepper, all at once)\n"
  "            optimizer.step()  # the optimizer's update of every parameter\n"
  "            step += 1\n"
  "\n"
  "            seen += len(y)\n"
  "            loss_sum += data.item() * len(y)\n"
  "            correct += (output.argmax(-1) == y).sum().item()  # at every time step for sequences\n"
  "            labels += y.numel()\n"
  "            if log:\n"
  "                lr = optimizer.param_groups[0][\"lr\"]\n"
  "                log.write(f\"{step},{epoch + 1},{loss.item():.9g},{data.item():.9g},{float(extra):.9g},{lr:.9g}\\n\")\n"
  "        if seen == 0:\n"
  "            break\n"
  "        if scheduler is not None:\n"
  "            scheduler.step()\n"
  "\n"
  "        report = f\"epoch {epoch + 1}/{args.epochs}\"\n"
  "        if seen < len(order):\n"
  "            report += f\" (the first {seen} of {len(order)} samples)\"\n"
  "        report += f\": train loss {loss_sum / seen:.4f}, accuracy {100 * correct / labels:.2f} %\"\n"
  "        if x_test is not None:\n"
  "            test_loss, test_accuracy = evaluate(model, x_test, y_test)\n"
  "            report += f\"; test loss {test_loss:.4f}, accuracy {100 * test_accuracy:.2f} %\"\n"
  "        print(report, flush=True)\n"
  "\n"
  "    if log:\n"
  "        log.close()\n"
  "    if args.save:\n"
  "        save_weights(model, args.save)\n"
  "        print(f\"saved the weights to {args.save}\")\n"
  "    if args.predict:\n"
  "        model.eval()\n"
  "        with torch.no_grad():\n"
  "            np.save(args.predict, model(x_test if x_test is not None else x_train).numpy())\n"
  ;

static const char py_train_end[] =
  "\n"
  "\n"
  "if __name__ == \"__main__\":\n"
  "    main()\n";

/* ---- Writing the script --------------------------------------------------- */

static const char *
init_description (MmInitKind kind)
{
  switch (kind)
    {
    case MM_INIT_HE_NORMAL:
      return "He (normal)";
    case MM_INIT_HE_UNIFORM:
      return "He (uniform)";
    case MM_INIT_ZEROS:
      return "Zeros";
    case MM_INIT_XAVIER_UNIFORM:
    default:
      return "Xavier (uniform)";
    }
}

static const char *
init_code (MmInitKind kind)
{
  switch (kind)
    {
    case MM_INIT_HE_NORMAL:
      return "nn.init.kaiming_normal_(layer.weight, nonlinearity=\"relu\")";
    case MM_INIT_HE_UNIFORM:
      return "nn.init.kaiming_uniform_(layer.weight, nonlinearity=\"relu\")";
    case MM_INIT_ZEROS:
      return "nn.init.zeros_(layer.weight)";
    case MM_INIT_XAVIER_UNIFORM:
    default:
      return "nn.init.xavier_uniform_(layer.weight)";
    }
}

gboolean
mm_project_export_needs_data (const MmProject *project)
{
  g_return_val_if_fail (project != NULL, FALSE);
  return project->data == MM_PROJECT_DATA_TOY || project->data == MM_PROJECT_DATA_CSV;
}

/* Whether the script reads .npy files: a sequence data set is made by the
 * script itself. */
static gboolean
needs_npy (const MmProject       *p,
           const MmExportOptions *o)
{
  return o->sequences == NULL && mm_project_export_needs_data (p);
}

/* "name.safetensors" → "name"; NULL → "data". */
static char *
default_prefix (const char *weights_file)
{
  const char *dot;

  if (weights_file == NULL)
    return g_strdup ("data");
  dot = strrchr (weights_file, '.');
  return dot && dot != weights_file ? g_strndup (weights_file, dot - weights_file) : g_strdup (weights_file);
}

static void
write_header (GString               *s,
              const MmProject       *p,
              const MmExportOptions *o,
              const char            *prefix)
{
  g_autofree char *title = o->title ? py_comment_text (o->title) : NULL;
  g_autofree char *name = py_comment_text (o->script_name ? o->script_name : "script.py");

  line (s, "#!/usr/bin/env python3");
  if (title != NULL)
    line (s, "\"\"\"%s: a MyML Studio project, exported as a PyTorch script.", title);
  else
    line (s, "\"\"\"A MyML Studio project, exported as a PyTorch script.");
  line (s, "%s", "");
  line (s, "It trains the same network as the app, with the same data, loss, optimizer,");
  line (s, "regularization, batch size and seed, written with PyTorch (torch.nn and");
  line (s, "torch.optim) so that you can carry on where the app stops. Each block below");
  line (s, "says which part of the app it comes from.");
  line (s, "%s", "");
  /* The explanations line up in one column after the longest command. */
  line (s, "    python3 %s%*s train for %u epochs, as in the app", name, 17, "", p->epochs);
  line (s, "    python3 %s --epochs 3%*s train for 3 epochs instead", name, 6, "");
  line (s, "    python3 %s --random torch%*s PyTorch's own shuffling and Dropout", name, 2, "");
  line (s, "    python3 %s --save trained.safetensors", name);
  line (s, "            %*s keep the trained weights in PyTorch's layout", (int) g_utf8_strlen (name, -1) + 17, "");
  line (s, "            %*s (myml-train --import-pytorch reads them)", (int) g_utf8_strlen (name, -1) + 17, "");
  if (o->sequences != NULL && o->sequences->kind == MM_EXPORT_SEQUENCES_TEXT)
    line (s, "    python3 %s --sample 200%*s then write 200 characters as the model would", name, 4, "");
  line (s, "%s", "");
  line (s, "Same numbers as the app: the script starts from the weights saved beside it,");
  line (s, "and unless it runs with --random torch it takes the batches in the app's order");
  line (s, "and drops the same numbers in Dropout (see \"The app's random numbers\" below).");
  line (s, "The losses then agree with the app's to about six digits. `--steps N` stops");
  line (s, "after N batches and `--log-steps FILE` writes each step's loss, to compare a");
  line (s, "few steps with the app's loss history.");
  line (s, "%s", "");
  line (s, "Needs Python 3 with numpy and torch (Debian: apt install python3-torch).");
  if (o->weights_file != NULL || needs_npy (p, o))
    {
      line (s, "Files beside this script:");
      if (o->weights_file != NULL)
        {
          g_autofree char *w = py_comment_text (o->weights_file);
          line (s, "    %-40s the weights", w);
        }
      if (needs_npy (p, o))
        {
          g_autofree char *pre = py_comment_text (prefix);
          g_autofree char *x = g_strdup_printf ("%s-train-x.npy, %s-train-y.npy", pre, pre);
          line (s, "    %-40s the training set", x);
          if (!o->no_test_set)
            {
              g_autofree char *t = g_strdup_printf ("%s-test-x.npy, %s-test-y.npy", pre, pre);
              line (s, "    %-40s the test set", t);
            }
        }
    }
  if (o->sequences != NULL && o->sequences->kind == MM_EXPORT_SEQUENCES_TEXT)
    {
      g_autofree char *abs = g_canonicalize_filename (o->sequences->text_path, NULL);
      g_autofree char *t = py_comment_text (abs);
      line (s, "It reads the text %s.", t);
    }
  line (s, "\"\"\"");
  line (s, "%s", "");
  line (s, "import argparse");
  line (s, "import gzip");
  line (s, "import json");
  line (s, "import math");
  line (s, "import struct");
  line (s, "from pathlib import Path");
  line (s, "%s", "");
  line (s, "import numpy as np");
  line (s, "import torch");
  line (s, "import torch.nn.functional as F");
  line (s, "from torch import nn");
  line (s, "%s", "");
  line (s, "HERE = Path(__file__).resolve().parent");
  line (s, "%s", "");
}

static void
write_run_settings (GString               *s,
                    const MmProject       *p,
                    const MmExportOptions *o)
{
  line (s, "# ---- Training tab → Run: batch size, epochs, seed, initial weights ----------");
  line (s, "BATCH_SIZE = %u", p->batch_size);
  line (s, "EPOCHS = %u", p->epochs);
  line (s, "SEED = %u              # torch.manual_seed(SEED); the app's shuffling and Dropout use it too",
        p->seed);
  if (o->weights_file != NULL)
    {
      g_autofree char *w = py_str (o->weights_file);
      line (s, "WEIGHTS_FILE = %s  # the starting weights, beside this script", w);
    }
  else
    line (s, "WEIGHTS_FILE = None  # no weights exported: init_weights() draws them");
  line (s, "%s", "");
  line (s, "%s", "");
}

static void
write_data (GString               *s,
            const MmProject       *p,
            const MmExportOptions *o,
            const char            *prefix,
            const Network         *net)
{
  line (s, "# ---- Training tab → Data ----------------------------------------------------");
  switch (p->data)
    {
    case MM_PROJECT_DATA_FASHION_MNIST:
    case MM_PROJECT_DATA_IDX_DIR:
      {
        const char *dir = p->data == MM_PROJECT_DATA_FASHION_MNIST || p->data_path == NULL
                          ? mm_dataset_get_fashion_mnist_dir () : p->data_path;
        g_autofree char *abs = g_canonicalize_filename (dir, NULL);
        g_autofree char *lit = py_str (abs);
        if (p->data == MM_PROJECT_DATA_FASHION_MNIST)
          {
            line (s, "# Fashion-MNIST: 60 000 training and 10 000 test images of 28×28 pixels in 10");
            line (s, "# classes, read from the same IDX files as the app (Debian package");
            line (s, "# dataset-fashion-mnist).");
          }
        else
          {
            line (s, "# Images and classes in the MNIST format (IDX files: train-images-idx3-ubyte.gz,");
            line (s, "# train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz).");
          }
        line (s, "DATA_DIR = Path(%s)", lit);
        line (s, "%s", "");
        line (s, "%s", "");
        g_string_append (s, py_idx);
      }
      break;
    case MM_PROJECT_DATA_TOY:
    case MM_PROJECT_DATA_CSV:
    default:
      {
        g_autofree char *x = g_strdup_printf ("%s-train-x.npy", prefix);
        g_autofree char *y = g_strdup_printf ("%s-train-y.npy", prefix);
        g_autofree char *tx = g_strdup_printf ("%s-test-x.npy", prefix);
        g_autofree char *ty = g_strdup_printf ("%s-test-y.npy", prefix);
        g_autofree char *lx = py_str (x), *ly = py_str (y), *ltx = py_str (tx), *lty = py_str (ty);

        if (p->data == MM_PROJECT_DATA_TOY)
          {
            g_autofree char *noise = py_double (p->toy_noise);
            guint classes = p->toy_classes ? p->toy_classes : mm_toy_kind_default_classes (p->toy);
            line (s, "# The toy set \"%s\": %u points with noise %s in %u classes, drawn by the app",
                  mm_toy_kind_to_name (p->toy), p->toy_samples, noise, classes);
            line (s, "# from the seed and split into training and test points (80/20) by the same");
            line (s, "# seed. The app has its own random numbers, so the points come in .npy files");
            line (s, "# beside this script.");
          }
        else
          {
            g_autofree char *path = py_comment_text (p->data_path ? p->data_path : "(a CSV file)");
            line (s, "# The CSV file %s (the class in the last column), split", path);
            line (s, "# into training and test rows (80/20) by the seed as in the app; the parts come");
            line (s, "# in .npy files beside this script.");
          }
        line (s, "def load_data():");
        line (s, "    \"\"\"Training features and classes, then test features and classes, as tensors.\"\"\"");
        line (s, "    x_train = torch.from_numpy(np.load(HERE / %s))%s", lx, net->ids_input ? ".long()" : "");
        line (s, "    y_train = torch.from_numpy(np.load(HERE / %s))", ly);
        if (o->no_test_set)
          {
            line (s, "    return x_train, y_train, None, None  # no test set");
          }
        else
          {
            line (s, "    x_test = torch.from_numpy(np.load(HERE / %s))%s", ltx, net->ids_input ? ".long()" : "");
            line (s, "    y_test = torch.from_numpy(np.load(HERE / %s))", lty);
            line (s, "    return x_train, y_train, x_test, y_test");
          }
        line (s, "%s", "");
        line (s, "%s", "");
      }
      break;
    }
}

static const char py_app_split[] =
  "def app_split(x, y):\n"
  "    \"\"\"The app's split into training and test samples: TEST_FRACTION of them, chosen\n"
  "    by the seed with the app's generator, for testing; each part keeps the samples\n"
  "    in their order. Returns x_train, y_train, x_test, y_test.\"\"\"\n"
  "    if TEST_FRACTION == 0:\n"
  "        return x, y, None, None  # no test set\n"
  "    n_test = math.floor(TEST_FRACTION * len(x) + 0.5)\n"
  "    order = app_permutation(len(x), SEED, 0)\n"
  "    test, train = order[:n_test].sort().values, order[n_test:].sort().values\n"
  "    return x[train], y[train], x[test], y[test]\n"
  "\n\n";

static const char py_text[] =
  "def read_text():\n"
  "    \"\"\"The text and its vocabulary: its distinct characters in code-point order.\"\"\"\n"
  "    # Decoded by hand: Path.read_text() would turn \"\\r\\n\" into \"\\n\".\n"
  "    text = TEXT_FILE.read_bytes().decode(\"utf-8\")\n"
  "    return text, sorted(set(text))\n"
  "\n"
  "\n"
  "def load_data():\n"
  "    \"\"\"Training windows and their labels, then test windows and labels, as tensors.\"\"\"\n"
  "    text, vocab = read_text()\n"
  "    index = {c: i for i, c in enumerate(vocab)}\n"
  "    ids = torch.tensor([index[c] for c in text], dtype=torch.int64)\n"
  "    n = (len(ids) - 1) // SEQ_LEN  # windows one after another; the labels need one more character\n"
  "    x = ids[:n * SEQ_LEN].reshape(n, SEQ_LEN)\n"
  "    y = ids[1:n * SEQ_LEN + 1].reshape(n, SEQ_LEN)  # each window's next characters\n"
  "    return app_split(x.to(IDS), y)\n"
  "\n\n";

static const char py_brackets[] =
  "def balanced(brackets):\n"
  "    \"\"\"Whether no prefix closes more brackets than it opened, and all are closed.\"\"\"\n"
  "    depth = 0\n"
  "    for b in brackets:\n"
  "        depth += 1 if b == 0 else -1\n"
  "        if depth < 0:\n"
  "            return False\n"
  "    return depth == 0\n"
  "\n"
  "\n"
  "def load_data():\n"
  "    \"\"\"Training strings and their classes, then test strings and classes, as tensors.\"\"\"\n"
  "    rng = AppRandom(BRACKETS_SEED, 0xB7AC)\n"
  "    strings, classes = [], []\n"
  "    for i in range(BRACKETS):\n"
  "        # A random balanced string: open at depth 0, close when the rest is just\n"
  "        # enough to close everything, otherwise toss a coin.\n"
  "        s, depth = [], 0\n"
  "        for k in range(LENGTH):\n"
  "            if depth == 0:\n"
  "                opening = True\n"
  "            elif depth == LENGTH - k:\n"
  "                opening = False\n"
  "            else:\n"
  "                opening = rng.uniform() < 0.5\n"
  "            s.append(0 if opening else 1)\n"
  "            depth += 1 if opening else -1\n"
  "        label = i % 2\n"
  "        if label == 0:  # spoil every other string\n"
  "            if rng.uniform() < 0.5:\n"
  "                k = int(rng.uniform() * LENGTH)  # one bracket flipped: the counts differ\n"
  "                s[k] = 1 - s[k]\n"
  "            else:\n"
  "                while True:  # two swapped until some prefix closes more than it opened\n"
  "                    a = int(rng.uniform() * LENGTH)\n"
  "                    b = int(rng.uniform() * LENGTH)\n"
  "                    s[a], s[b] = s[b], s[a]\n"
  "                    if not balanced(s):\n"
  "                        break\n"
  "        strings.append(s)\n"
  "        classes.append(label)\n"
  "    x = torch.tensor(strings, dtype=IDS)\n"
  "    y = torch.tensor(classes, dtype=torch.int64)\n"
  "    return app_split(x, y)\n"
  "\n\n";

/* The sequence data sets: the script makes the app's samples itself. */
static void
write_sequence_data (GString                 *s,
                     const MmExportSequences *q,
                     const Network           *net)
{
  g_autofree char *fraction = py_double (q->test_fraction);

  line (s, "# ---- Training tab → Data ----------------------------------------------------");
  if (q->kind == MM_EXPORT_SEQUENCES_TEXT)
    {
      g_autofree char *abs = g_canonicalize_filename (q->text_path, NULL);
      g_autofree char *lit = py_str (abs);
      line (s, "# Next-character prediction on a text: the vocabulary is its distinct");
      line (s, "# characters, a sample is a window of SEQ_LEN characters (the windows follow");
      line (s, "# one another) as their ids, and its labels are the same window one character");
      line (s, "# later, so the network learns to predict each next character.");
      line (s, "TEXT_FILE = Path(%s)", lit);
      line (s, "SEQ_LEN = %" G_GSIZE_FORMAT, q->seq_len);
    }
  else
    {
      line (s, "# Are the brackets balanced? BRACKETS strings of LENGTH brackets (\"(\" is 0,");
      line (s, "# \")\" is 1): every second one balanced (class 1), the others not (class 0: one");
      line (s, "# bracket flipped, or two swapped). They are drawn with the app's random");
      line (s, "# numbers from BRACKETS_SEED, so they are the app's strings.");
      line (s, "BRACKETS = %" G_GSIZE_FORMAT, q->n_samples);
      line (s, "LENGTH = %" G_GSIZE_FORMAT, q->seq_len);
      line (s, "BRACKETS_SEED = %u", q->seed);
    }
  line (s, "TEST_FRACTION = %s  # the part kept apart for testing, split by SEED as in the app", fraction);
  if (net->ids_input)
    line (s, "IDS = torch.int64  # the first layer, nn.Embedding, takes whole-number ids");
  else
    line (s, "IDS = torch.float32  # the ids go into the first layer as numbers, as in the app");
  line (s, "%s", "");
  line (s, "%s", "");
  g_string_append (s, q->kind == MM_EXPORT_SEQUENCES_TEXT ? py_text : py_brackets);
  g_string_append (s, py_app_split);
}

static void
write_model (GString         *s,
             const MmProject *p,
             Network         *net)
{
  gsize width = 0;

  line (s, "# ---- Model tab: the network --------------------------------------------------");
  line (s, "# Layer i of the app is model[i], so the parameters have the app's names:");
  line (s, "# \"1.weight\" is the weight of layer 1.");
  line (s, "%s", "");
  if (net->needs_reshape)
    g_string_append (s, py_reshape);
  if (net->needs_lambda)
    g_string_append (s, py_lambda);
  if (net->needs_rnn)
    g_string_append (s, py_rnn);
  if (net->needs_lstm)
    g_string_append (s, py_lstm);
  if (net->needs_last)
    g_string_append (s, py_last);
  if (net->needs_positional)
    g_string_append (s, py_positional);
  if (net->needs_causal_mask)
    g_string_append (s, py_causal_mask);
  if (net->needs_attention)
    g_string_append (s, py_attention);
  if (net->needs_causal_block)
    g_string_append (s, py_causal_block);

  /* The comments line up after the layers; a layer written over several
   * lines (a transformer block's many settings) has its comment above it. */
  for (guint i = 0; i < net->layers->len; i++)
    if (strchr (g_array_index (net->layers, Layer, i).code, '\n') == NULL)
      width = MAX (width, strlen (g_array_index (net->layers, Layer, i).code));
  line (s, "def build_model():");
  line (s, "    return nn.Sequential(");
  for (guint i = 0; i < net->layers->len; i++)
    {
      const Layer *l = &g_array_index (net->layers, Layer, i);
      g_autofree char *text = py_comment_text (l->text);
      g_autofree char *code = g_strconcat (l->code, ",", NULL);
      if (strchr (code, '\n') != NULL)
        {
          /* Continuation lines start under the first argument. */
          int indent = 8 + (int) (strchr (code, '(') - code) + 1;
          g_auto(GStrv) parts = g_strsplit (code, "\n", -1);
          line (s, "        # %u: %s", i, text);
          line (s, "        %s", parts[0]);
          for (guint k = 1; parts[k]; k++)
            line (s, "%*s%s", indent, "", parts[k]);
        }
      else
        line (s, "        %-*s  # %u: %s", (int) width + 1, code, i, text);
    }
  line (s, "    )");
  line (s, "%s", "");
  line (s, "%s", "");
  line (s, "def init_weights(model):");
  line (s, "    \"\"\"Training tab → Run → Initial weights: %s, biases 0 (used when", init_description (p->init));
  line (s, "    there is no weights file; PyTorch's random numbers differ from the app's).\"\"\"");
  line (s, "    for layer in model:");
  line (s, "        if isinstance(layer, (nn.Linear, nn.Conv2d)):");
  line (s, "            %s", init_code (p->init));
  line (s, "            nn.init.zeros_(layer.bias)");
  line (s, "%s", "");
  line (s, "%s", "");
}

static void
write_loss (GString         *s,
            const MmProject *p,
            gboolean         per_step)
{
  line (s, "# ---- Training tab → Loss ----------------------------------------------------");
  if (p->loss == MM_PROJECT_LOSS_MSE)
    {
      line (s, "# Mean squared error between the outputs and the one-hot targets (1 for the");
      line (s, "# right class, 0 for the others), averaged over all numbers as in the app.");
      if (p->label_smoothing > 0)
        line (s, "# (Label smoothing belongs to cross-entropy: the app does not use it here.)");
      line (s, "def data_loss(output, y):");
      if (per_step)
        line (s, "    return F.mse_loss(output, F.one_hot(y, output.shape[-1]).to(output.dtype))  # every step");
      else
        line (s, "    return F.mse_loss(output, F.one_hot(y, output.shape[1]).to(output.dtype))");
    }
  else
    {
      line (s, "# Cross-entropy of the softmax of the outputs against the class.");
      if (p->label_smoothing > 0)
        {
          g_autofree char *ls = py_double (p->label_smoothing);
          line (s, "# Label smoothing spreads %s of each target over all classes.", ls);
          line (s, "loss_function = nn.CrossEntropyLoss(label_smoothing=%s)", ls);
        }
      else
        line (s, "loss_function = nn.CrossEntropyLoss()");
      line (s, "%s", "");
      line (s, "%s", "");
      line (s, "def data_loss(output, y):");
      if (per_step)
        {
          line (s, "    # A class at every time step: the scores (batch, time, classes) and the");
          line (s, "    # labels (batch, time) as batch·time rows, so the mean runs over all steps.");
          line (s, "    return loss_function(output.reshape(-1, output.shape[-1]), y.reshape(-1))");
        }
      else
        line (s, "    return loss_function(output, y)");
    }
  line (s, "%s", "");
  line (s, "%s", "");
}

static void
write_penalty (GString         *s,
               const MmProject *p,
               MmModule        *model)
{
  g_autoptr(GArray) specs = mm_module_get_params (model);
  g_autofree char *l1 = py_double (p->l1);
  g_autofree char *l2 = py_double (p->l2);
  GString *names = g_string_new (NULL);

  for (guint i = 0; i < specs->len; i++)
    {
      const MmParamSpec *spec = &g_array_index (specs, MmParamSpec, i);
      if (spec->role == MM_PARAM_WEIGHT || (spec->role == MM_PARAM_BIAS && p->penalize_biases))
        {
          g_autofree char *lit = py_str (spec->name);
          g_string_append_printf (names, "%s%s", names->len ? ", " : "", lit);
        }
    }

  line (s, "# ---- Training tab → Regularization ------------------------------------------");
  line (s, "# The app adds penalties to the loss: L1 = λ₁·Σ|w| and L2 = λ₂·Σw², summed");
  line (s, "# over the weights%s. (torch.optim's weight_decay wd is the", p->penalize_biases ? " and the biases" : " (not the biases)");
  line (s, "# gradient of an L2 penalty with λ₂ = wd / 2; it is set in make_optimizer.)");
  line (s, "L1 = %s", l1);
  line (s, "L2 = %s", l2);
  line (s, "PENALIZED = [%s]", names->str);
  line (s, "%s", "");
  line (s, "%s", "");
  line (s, "def penalty(model):");
  if (p->l1 <= 0 && p->l2 <= 0)
    {
      line (s, "    return torch.zeros(())  # no penalties in this project");
    }
  else
    {
      line (s, "    params = dict(model.named_parameters())");
      line (s, "    total = torch.zeros(())");
      if (p->l1 > 0)
        line (s, "    total = total + sum(L1 * params[name].abs().sum() for name in PENALIZED)");
      if (p->l2 > 0)
        line (s, "    total = total + sum(L2 * params[name].square().sum() for name in PENALIZED)");
      line (s, "    return total");
    }
  line (s, "%s", "");
  line (s, "%s", "");
  g_string_free (names, TRUE);
}

static gboolean
write_optimizer (GString                *s,
                 const MmOptimizerConfig *c,
                 const MmSchedule        *schedule,
                 GError                 **error)
{
  g_autofree char *lr = py_double (c->lr);
  g_autofree char *wd = py_double (c->weight_decay);
  g_autofree char *eps = py_double (c->eps);

  if (!mm_optimizer_config_check (c, error))
    return FALSE;
  line (s, "# ---- Training tab → Optimizer ------------------------------------------------");
  line (s, "def make_optimizer(model):");
  switch (c->kind)
    {
    case MM_OPTIMIZER_SGD:
      {
        g_autofree char *mu = py_double (c->momentum);
        g_autofree char *damp = py_double (c->dampening);
        line (s, "    # SGD: p ← p − lr·g, with momentum b ← μ·b + (1 − dampening)·g (Nesterov:");
        line (s, "    # g + μ·b); weight decay adds wd·p to the gradient g.");
        line (s, "    return torch.optim.SGD(model.parameters(), lr=%s, momentum=%s, dampening=%s,", lr, mu, damp);
        line (s, "                           weight_decay=%s, nesterov=%s)", wd, c->nesterov ? "True" : "False");
      }
      break;
    case MM_OPTIMIZER_RMSPROP:
      {
        g_autofree char *alpha = py_double (c->alpha);
        g_autofree char *mu = py_double (c->momentum);
        line (s, "    # RMSProp: divides the gradient by a running root mean square of it.");
        line (s, "    return torch.optim.RMSprop(model.parameters(), lr=%s, alpha=%s, eps=%s,", lr, alpha, eps);
        line (s, "                               weight_decay=%s, momentum=%s, centered=%s)", wd, mu,
              c->centered ? "True" : "False");
      }
      break;
    case MM_OPTIMIZER_ADAM:
    default:
      {
        g_autofree char *b1 = py_double (c->beta1);
        g_autofree char *b2 = py_double (c->beta2);
        if (c->decoupled_weight_decay)
          {
            line (s, "    # AdamW: Adam, and before each step p ← p·(1 − lr·wd) (decoupled weight decay).");
            line (s, "    return torch.optim.AdamW(model.parameters(), lr=%s, betas=(%s, %s), eps=%s,", lr, b1, b2, eps);
            line (s, "                             weight_decay=%s, amsgrad=%s)", wd, c->amsgrad ? "True" : "False");
          }
        else
          {
            line (s, "    # Adam: running means of the gradient and of its square, bias-corrected;");
            line (s, "    # weight decay adds wd·p to the gradient.");
            line (s, "    return torch.optim.Adam(model.parameters(), lr=%s, betas=(%s, %s), eps=%s,", lr, b1, b2, eps);
            line (s, "                            weight_decay=%s, amsgrad=%s)", wd, c->amsgrad ? "True" : "False");
          }
      }
      break;
    }
  line (s, "%s", "");
  line (s, "%s", "");
  line (s, "def make_scheduler(optimizer):");
  if (schedule == NULL || schedule->kind == MM_SCHEDULE_CONSTANT)
    line (s, "    return None  # the learning rate stays the same in every epoch");
  else if (schedule->kind == MM_SCHEDULE_STEP)
    {
      g_autofree char *gamma = py_double (schedule->gamma);
      line (s, "    # myml-train --schedule step: lr·gamma^⌊epoch / step_size⌋");
      line (s, "    return torch.optim.lr_scheduler.StepLR(optimizer, step_size=%u, gamma=%s)",
            MAX (schedule->step_size, 1), gamma);
    }
  else if (schedule->kind == MM_SCHEDULE_COSINE)
    {
      g_autofree char *eta = py_double (schedule->eta_min);
      guint t_max = MAX (schedule->t_max, 1);
      line (s, "    # myml-train --schedule cosine: η_min + (lr − η_min)·(1 + cos(π·epoch / T_max)) / 2,");
      line (s, "    # then η_min after T_max epochs. (CosineAnnealingLR gives the same for the first");
      line (s, "    # T_max epochs, but its rate climbs again afterwards.)");
      line (s, "    lr, eta_min, t_max = %s, %s, %u", lr, eta, t_max);
      line (s, "    return torch.optim.lr_scheduler.LambdaLR(");
      line (s, "        optimizer, lambda epoch: (eta_min + (lr - eta_min)");
      line (s, "                                  * (1 + math.cos(math.pi * min(epoch, t_max) / t_max)) / 2) / lr)");
    }
  else
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The learning-rate schedule %d has no PyTorch equivalent in the export", (int) schedule->kind);
      return FALSE;
    }
  line (s, "%s", "");
  line (s, "%s", "");
  return TRUE;
}

static gboolean
check_sequences (const MmExportSequences *q,
                 GError                 **error)
{
  if (q->kind != MM_EXPORT_SEQUENCES_TEXT && q->kind != MM_EXPORT_SEQUENCES_BRACKETS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The sequence data set kind %d has no PyTorch equivalent in the export", (int) q->kind);
      return FALSE;
    }
  if (q->kind == MM_EXPORT_SEQUENCES_TEXT && (q->text_path == NULL || q->text_path[0] == '\0'))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, "The text data set needs the path of its text");
      return FALSE;
    }
  if (q->seq_len < 1 || (q->kind == MM_EXPORT_SEQUENCES_BRACKETS && q->n_samples < 2))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "A sequence data set needs sequences of at least 1 step (and the brackets at least 2 "
                   "strings), not %" G_GSIZE_FORMAT " steps and %" G_GSIZE_FORMAT " strings",
                   q->seq_len, q->n_samples);
      return FALSE;
    }
  if (!(q->test_fraction >= 0.0 && q->test_fraction < 1.0))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The test fraction must be at least 0 and less than 1, not %g", q->test_fraction);
      return FALSE;
    }
  return TRUE;
}

/* A project's own sequence data set (text or brackets, split 80/20 by the
 * seed as mm_project_load_data does) as @q; FALSE with @q untouched for any
 * other data, or with @error when the shipped text is missing. @text_path
 * keeps the text's path. */
static gboolean
project_sequences (const MmProject    *p,
                   MmExportSequences  *q,
                   char              **text_path,
                   GError            **error)
{
  if (p->data != MM_PROJECT_DATA_TEXT && p->data != MM_PROJECT_DATA_BRACKETS)
    return FALSE;
  memset (q, 0, sizeof *q);
  q->seq_len = p->seq_len;
  q->test_fraction = 0.2;
  if (p->data == MM_PROJECT_DATA_BRACKETS)
    {
      q->kind = MM_EXPORT_SEQUENCES_BRACKETS;
      q->n_samples = p->toy_samples;
      q->seed = p->seed;
      return TRUE;
    }
  q->kind = MM_EXPORT_SEQUENCES_TEXT;
  *text_path = p->data_path ? g_strdup (p->data_path) : mm_text_find (MM_TEXT_DEFAULT);
  if (*text_path == NULL)
    g_set_error (error, MM_ERROR, MM_ERROR_IO, "The shipped text %s.txt is not installed", MM_TEXT_DEFAULT);
  q->text_path = *text_path;
  return TRUE;
}

char *
mm_project_to_pytorch_script_full (const MmProject       *project,
                                   const MmExportOptions *options,
                                   GError               **error)
{
  MmExportOptions defaults, with_data;
  MmExportSequences own;
  g_autofree char *text_path = NULL;
  gboolean text;
  g_autoptr(MmModule) model = NULL;
  g_autoptr(GError) local = NULL;
  g_auto(Network) net = { NULL };
  g_autofree char *prefix = NULL;
  GString *s;

  g_return_val_if_fail (project != NULL, NULL);
  if (options == NULL)
    {
      mm_export_options_init (&defaults);
      options = &defaults;
    }
  model = mm_module_parse (project->network, &local);
  if (model == NULL)
    {
      g_set_error (error, MM_ERROR, local->code, "The network: %s", local->message);
      return NULL;
    }
  if (!network_init (&net, model, error))
    return NULL;
  if (project->batch_size < 1 || project->epochs < 1)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The batch size and the number of epochs must be at least 1");
      return NULL;
    }
  if (options->sequences == NULL && project_sequences (project, &own, &text_path, error))
    {
      if (own.kind == MM_EXPORT_SEQUENCES_TEXT && text_path == NULL)
        return NULL;
      with_data = *options;
      with_data.sequences = &own;
      options = &with_data;
    }
  if (options->sequences != NULL && !check_sequences (options->sequences, error))
    return NULL;
  text = options->sequences != NULL && options->sequences->kind == MM_EXPORT_SEQUENCES_TEXT;
  if (options->sequences == NULL && (guint) project->data > MM_PROJECT_DATA_IDX_DIR)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The data set kind %d has no PyTorch equivalent in the export", (int) project->data);
      return NULL;
    }
  if ((guint) project->loss > MM_PROJECT_LOSS_MSE)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The loss %d has no PyTorch equivalent in the export", (int) project->loss);
      return NULL;
    }
  if (project->loss == MM_PROJECT_LOSS_CROSS_ENTROPY &&
      !(project->label_smoothing >= 0.0 && project->label_smoothing <= 1.0))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "Label smoothing must be between 0 and 1, not %g", project->label_smoothing);
      return NULL;
    }
  if (!(project->l1 >= 0.0 && isfinite (project->l1)) || !(project->l2 >= 0.0 && isfinite (project->l2)))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "L1 and L2 penalties must be numbers ≥ 0, not %g and %g", project->l1, project->l2);
      return NULL;
    }
  if ((guint) project->init > MM_INIT_ZEROS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "The initialisation %d has no PyTorch equivalent in the export", (int) project->init);
      return NULL;
    }
  prefix = options->data_prefix ? g_strdup (options->data_prefix) : default_prefix (options->weights_file);

  s = g_string_new (NULL);
  write_header (s, project, options, prefix);
  write_run_settings (s, project, options);
  if (options->sequences != NULL)
    write_sequence_data (s, options->sequences, &net);
  else
    write_data (s, project, options, prefix, &net);
  write_model (s, project, &net);
  g_string_append (s, py_safetensors);
  write_loss (s, project, text);
  write_penalty (s, project, model);
  if (!write_optimizer (s, &project->optimizer, options->schedule, error))
    {
      g_string_free (s, TRUE);
      return NULL;
    }
  g_string_append (s, py_app_random);
  if (text)
    g_string_append (s, py_sample);
  g_string_append (s, py_train);
  if (text)
    g_string_append (s, py_sample_arguments);
  g_string_append (s, py_train_run);
  if (text)
    g_string_append (s, py_sample_run);
  g_string_append (s, py_train_end);
  return g_string_free (s, FALSE);
}

char *
mm_project_to_pytorch_script (const MmProject  *project,
                              const char       *weights_file,
                              GError          **error)
{
  MmExportOptions o;

  mm_export_options_init (&o);
  o.weights_file = weights_file;
  return mm_project_to_pytorch_script_full (project, &o, error);
}

/* ---- .npy files ------------------------------------------------------------ */

static gboolean
write_npy (const char    *path,
           const char    *descr,
           const MmShape *shape,
           const void    *data,
           gsize          n_bytes,
           GError       **error)
{
  GString *dict = g_string_new (NULL);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) local = NULL;
  static const guint8 magic[] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0 };
  guint8 len[2];
  gsize total;
  gboolean ok;

  g_string_append_printf (dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (guint i = 0; i < shape->ndim; i++)
    g_string_append_printf (dict, "%" G_GSIZE_FORMAT "%s", shape->dim[i],
                            shape->ndim == 1 ? "," : i + 1 < shape->ndim ? ", " : "");
  g_string_append (dict, "), }");
  /* The header (with its newline) pads the 10 bytes before it to a multiple
   * of 64, as numpy writes it. */
  total = 10 + dict->len + 1;
  while (total % 64 != 0)
    {
      g_string_append_c (dict, ' ');
      total++;
    }
  g_string_append_c (dict, '\n');
  len[0] = (guint8) (dict->len & 0xff);
  len[1] = (guint8) (dict->len >> 8);
  g_byte_array_append (out, magic, sizeof magic);
  g_byte_array_append (out, len, 2);
  g_byte_array_append (out, (const guint8 *) dict->str, dict->len);
  g_string_free (dict, TRUE);
  /* Little-endian data: on a big-endian machine this would need swapping,
   * which the build does not support anyway (safetensors neither). */
  G_STATIC_ASSERT (G_BYTE_ORDER == G_LITTLE_ENDIAN);
  g_byte_array_append (out, data, n_bytes);

  ok = g_file_set_contents_full (path, (const char *) out->data, out->len, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0644, &local);
  if (!ok)
    g_set_error (error, MM_ERROR, MM_ERROR_IO, "Could not write %s: %s", path, local->message);
  return ok;
}

gboolean
mm_export_write_npy (const char    *path,
                     const MmShape *shape,
                     const float   *data,
                     GError       **error)
{
  g_return_val_if_fail (path != NULL && shape != NULL && (data != NULL || mm_shape_size (shape) == 0), FALSE);
  return write_npy (path, "<f4", shape, data, mm_shape_size (shape) * sizeof (float), error);
}

gboolean
mm_export_write_dataset (MmDataset  *dataset,
                         const char *x_path,
                         const char *y_path,
                         GError    **error)
{
  gsize n;
  const MmShape *sample;
  MmShape shape;
  g_autofree gint64 *labels = NULL;

  g_return_val_if_fail (dataset != NULL && x_path != NULL && y_path != NULL, FALSE);
  n = mm_dataset_get_n_samples (dataset);
  sample = mm_dataset_get_sample_shape (dataset);
  if (sample->ndim + 1 > MM_MAX_DIMS)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE, "The samples of %s have too many axes",
                   mm_dataset_get_name (dataset));
      return FALSE;
    }
  mm_shape_scalar (&shape);
  shape.ndim = sample->ndim + 1;
  shape.dim[0] = n;
  for (guint i = 0; i < sample->ndim; i++)
    shape.dim[i + 1] = sample->dim[i];
  if (!mm_export_write_npy (x_path, &shape, mm_dataset_get_features (dataset), error))
    return FALSE;

  labels = g_new (gint64, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    labels[i] = mm_dataset_get_label (dataset, i);
  mm_shape_scalar (&shape);
  shape.ndim = 1;
  shape.dim[0] = n;
  return write_npy (y_path, "<i8", &shape, labels, n * sizeof (gint64), error);
}

gboolean
mm_export_write_data (MmDataset  *train,
                      MmDataset  *test,
                      const char *dir,
                      const char *prefix,
                      GError    **error)
{
  static const char *const parts[] = { "train", "test" };
  MmDataset *sets[] = { train, test };

  g_return_val_if_fail (train != NULL && dir != NULL && prefix != NULL, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      g_autofree char *xn = NULL, *yn = NULL, *xp = NULL, *yp = NULL;

      if (sets[i] == NULL)
        continue;
      xn = g_strdup_printf ("%s-%s-x.npy", prefix, parts[i]);
      yn = g_strdup_printf ("%s-%s-y.npy", prefix, parts[i]);
      xp = g_build_filename (dir, xn, NULL);
      yp = g_build_filename (dir, yn, NULL);
      if (!mm_export_write_dataset (sets[i], xp, yp, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- All files at once ---------------------------------------------------- */

static gboolean
export_files (const MmProject         *project,
              const MmExportSequences *sequences,
              MmDataset               *train,
              MmDataset               *test,
              MmParams                *weights,
              const MmSchedule        *schedule,
              const char              *script_path,
              GError                 **error)
{
  g_autofree char *dir = NULL, *base = NULL, *stem = NULL, *weights_file = NULL, *weights_path = NULL;
  g_autofree char *script = NULL, *title = NULL;
  g_autoptr(MmModule) model = NULL;
  g_autoptr(GArray) specs = NULL;
  g_autoptr(MmParams) initial = NULL;
  g_autoptr(MmDataset) own_train = NULL;
  g_autoptr(MmDataset) own_test = NULL;
  g_autoptr(GHashTable) meta = NULL;
  g_autoptr(GError) local = NULL;
  MmExportOptions o;

  g_return_val_if_fail (project != NULL && script_path != NULL, FALSE);

  dir = g_path_get_dirname (script_path);
  base = g_path_get_basename (script_path);
  stem = g_str_has_suffix (base, ".py") && strlen (base) > 3 ? g_strndup (base, strlen (base) - 3) : g_strdup (base);
  weights_file = g_strconcat (stem, ".safetensors", NULL);
  weights_path = g_build_filename (dir, weights_file, NULL);
  title = g_strdup (stem);

  model = mm_module_parse (project->network, &local);
  if (model == NULL)
    {
      g_set_error (error, MM_ERROR, local->code, "The network: %s", local->message);
      return FALSE;
    }
  specs = mm_module_get_params (model);

  mm_export_options_init (&o);
  o.weights_file = weights_file;
  o.data_prefix = stem;
  o.schedule = schedule;
  o.title = title;
  o.script_name = base;
  o.sequences = sequences;

  /* The data first: it is the likeliest to fail (a CSV file gone). */
  if (needs_npy (project, &o))
    {
      if (train == NULL)
        {
          if (!mm_project_load_data (project, &own_train, &own_test, error))
            return FALSE;
          train = own_train;
          test = own_test;
        }
      o.no_test_set = test == NULL;
    }
  script = mm_project_to_pytorch_script_full (project, &o, error);
  if (script == NULL)
    return FALSE;
  if (needs_npy (project, &o) && !mm_export_write_data (train, test, dir, stem, error))
    return FALSE;

  if (weights == NULL)
    weights = project->weights;
  if (weights == NULL)
    {
      /* What the trainer would draw: the run in the script is the app's run. */
      initial = mm_params_init (specs, project->init, project->seed, error);
      if (initial == NULL)
        return FALSE;
      weights = initial;
    }
  else if (!mm_params_check (weights, specs, &local))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, "The weights do not fit the network: %s",
                   local->message);
      return FALSE;
    }
  {
    /* Only the network's own parameters, in its order. */
    g_autoptr(MmParams) ordered = mm_params_new ();
    for (guint i = 0; i < specs->len; i++)
      {
        const char *name = g_array_index (specs, MmParamSpec, i).name;
        mm_params_set (ordered, name, mm_params_lookup (weights, name));
      }
    meta = g_hash_table_new (g_str_hash, g_str_equal);
    g_hash_table_insert (meta, "myml.model", project->network);
    if (!mm_params_save_safetensors (ordered, meta, weights_path, error))
      return FALSE;
  }

  if (!g_file_set_contents_full (script_path, script, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0755, &local))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_IO, "Could not write the script %s: %s", script_path, local->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
mm_export_pytorch_files (const MmProject  *project,
                         MmDataset        *train,
                         MmDataset        *test,
                         MmParams         *weights,
                         const MmSchedule *schedule,
                         const char       *script_path,
                         GError          **error)
{
  g_return_val_if_fail (project != NULL && script_path != NULL, FALSE);
  return export_files (project, NULL, train, test, weights, schedule, script_path, error);
}

gboolean
mm_export_pytorch_sequence_files (const MmProject         *project,
                                  const MmExportSequences *sequences,
                                  MmParams                *weights,
                                  const MmSchedule        *schedule,
                                  const char              *script_path,
                                  GError                 **error)
{
  g_return_val_if_fail (project != NULL && script_path != NULL, FALSE);
  return export_files (project, sequences, NULL, NULL, weights, schedule, script_path, error);
}

gboolean
mm_project_export_pytorch (const MmProject  *project,
                           const char       *script_path,
                           GError          **error)
{
  return mm_export_pytorch_files (project, NULL, NULL, NULL, NULL, script_path, error);
}

/* ---- PyTorch's weights ------------------------------------------------------ */

/* Whether @name ("3.weight") is the weight of a Linear layer of @model. */
static gboolean
is_linear_weight (MmModule   *model,
                  const char *name)
{
  const char *dot = strchr (name, '.');
  guint64 index;
  char *end;

  if (dot == NULL || !g_str_equal (dot, ".weight") || !g_str_equal (mm_module_get_type_name (model), "Sequential"))
    return FALSE;
  index = g_ascii_strtoull (name, &end, 10);
  if (end != dot || end == name || index >= mm_module_get_n_children (model))
    return FALSE;
  return mm_module_get_linear_features (mm_module_get_child (model, (guint) index), NULL, NULL);
}

static MmTensor *
transpose_2d (const MmTensor *t)
{
  MmShape shape;
  MmTensor *out;
  gsize rows = t->shape.dim[0], cols = t->shape.dim[1];

  mm_shape_scalar (&shape);
  shape.ndim = 2;
  shape.dim[0] = cols;
  shape.dim[1] = rows;
  out = mm_tensor_new (&shape, NULL);
  for (gsize r = 0; r < rows; r++)
    for (gsize c = 0; c < cols; c++)
      out->data[c * rows + r] = t->data[r * cols + c];
  return out;
}

static gboolean
is_ignored_torch_key (const char *name)
{
  return g_str_has_suffix (name, "num_batches_tracked");
}

MmParams *
mm_params_from_pytorch (MmModule  *model,
                        MmParams  *torch_state,
                        GError   **error)
{
  g_autoptr(GArray) specs = NULL;
  g_autoptr(MmParams) out = mm_params_new ();

  g_return_val_if_fail (model != NULL && torch_state != NULL, NULL);
  specs = mm_module_get_params (model);
  for (guint i = 0; i < specs->len; i++)
    {
      const MmParamSpec *spec = &g_array_index (specs, MmParamSpec, i);
      MmTensor *t = mm_params_lookup (torch_state, spec->name);
      gboolean linear = is_linear_weight (model, spec->name);
      MmShape want = spec->shape;

      if (t == NULL)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                       "The PyTorch weights have no %s, which the network needs", spec->name);
          return NULL;
        }
      if (linear)
        {
          /* PyTorch's nn.Linear holds (out, in). */
          want.dim[0] = spec->shape.dim[1];
          want.dim[1] = spec->shape.dim[0];
        }
      if (!mm_shape_equal (&t->shape, &want))
        {
          g_autofree char *got = mm_shape_to_string (&t->shape);
          g_autofree char *need = mm_shape_to_string (&want);
          g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                       "The PyTorch weight %s has shape %s, but the network needs %s%s", spec->name, got, need,
                       linear ? " (nn.Linear's (out, in))" : "");
          return NULL;
        }
      if (linear)
        {
          g_autoptr(MmTensor) tt = transpose_2d (t);
          mm_params_set (out, spec->name, tt);
        }
      else
        {
          g_autoptr(MmTensor) copy = mm_tensor_copy (t);
          mm_params_set (out, spec->name, copy);
        }
    }
  for (guint i = 0; i < mm_params_get_n (torch_state); i++)
    {
      const char *name = mm_params_get_name (torch_state, i);
      if (mm_params_find (out, name) < 0 && !is_ignored_torch_key (name))
        {
          g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                       "The PyTorch weights have %s, which the network does not have: is it the same "
                       "architecture, an nn.Sequential with the same layers?", name);
          return NULL;
        }
    }
  return g_steal_pointer (&out);
}

MmParams *
mm_params_to_pytorch (MmModule  *model,
                      MmParams  *params,
                      GError   **error)
{
  g_autoptr(GArray) specs = NULL;
  g_autoptr(MmParams) out = mm_params_new ();

  g_return_val_if_fail (model != NULL && params != NULL, NULL);
  specs = mm_module_get_params (model);
  if (!mm_params_check (params, specs, error))
    return NULL;
  for (guint i = 0; i < specs->len; i++)
    {
      const char *name = g_array_index (specs, MmParamSpec, i).name;
      MmTensor *t = mm_params_lookup (params, name);
      g_autoptr(MmTensor) v = is_linear_weight (model, name) ? transpose_2d (t) : mm_tensor_ref (t);
      mm_params_set (out, name, v);
    }
  return g_steal_pointer (&out);
}

/* The safetensors header without its integer tensors: PyTorch saves
 * BatchNorm's num_batches_tracked as I64, which is no parameter of ours.
 * Their bytes stay in the body; nothing points at them any more. */
static GBytes *
drop_integer_tensors (const guint8  *data,
                      gsize          length,
                      gboolean      *ours,
                      GError       **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(GList) members = NULL;
  g_autofree char *header = NULL;
  g_autoptr(GByteArray) out = NULL;
  JsonObject *obj;
  JsonNode *meta;
  guint64 header_len = 0;
  gsize new_len;
  guint8 len_bytes[8];

  *ours = FALSE;
  if (length < 8)
    return g_bytes_new (data, length);   /* the reader says what is wrong */
  for (int i = 7; i >= 0; i--)
    header_len = header_len << 8 | data[i];
  if (header_len > length - 8 ||
      !json_parser_load_from_data (parser, (const char *) data + 8, (gssize) header_len, NULL) ||
      json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return g_bytes_new (data, length);
  obj = json_node_get_object (json_parser_get_root (parser));
  meta = json_object_get_member (obj, "__metadata__");
  if (meta != NULL && JSON_NODE_HOLDS_OBJECT (meta) &&
      json_object_has_member (json_node_get_object (meta), "myml.layout"))
    *ours = TRUE;

  members = json_object_get_members (obj);
  for (GList *l = members; l; l = l->next)
    {
      g_autofree char *name = g_strdup (l->data);   /* the object owns l->data */
      JsonNode *n = json_object_get_member (obj, name);
      const char *dtype;
      if (!JSON_NODE_HOLDS_OBJECT (n) || g_str_equal (name, "__metadata__"))
        continue;
      dtype = json_object_get_string_member_with_default (json_node_get_object (n), "dtype", "");
      if (dtype[0] == 'I' || dtype[0] == 'U' || g_str_equal (dtype, "BOOL"))
        json_object_remove_member (obj, name);
    }
  json_generator_set_root (gen, json_parser_get_root (parser));
  header = json_generator_to_data (gen, &new_len);
  if (new_len > G_MAXSIZE - length)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "The safetensors header is too large");
      return NULL;
    }
  out = g_byte_array_sized_new (8 + new_len + (length - 8 - header_len));
  for (int i = 0; i < 8; i++)
    len_bytes[i] = (guint8) ((guint64) new_len >> (8 * i));
  g_byte_array_append (out, len_bytes, 8);
  g_byte_array_append (out, (const guint8 *) header, new_len);
  g_byte_array_append (out, data + 8 + header_len, length - 8 - header_len);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

MmParams *
mm_params_load_pytorch (const char  *path,
                        GError     **error)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(GBytes) bytes = NULL;
  MmParams *params;
  gboolean ours = FALSE;

  g_return_val_if_fail (path != NULL, NULL);
  file = g_mapped_file_new (path, FALSE, &local);
  if (file == NULL)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_IO, "Could not open the PyTorch weights: %s", local->message);
      return NULL;
    }
  bytes = drop_integer_tensors ((const guint8 *) g_mapped_file_get_contents (file),
                                g_mapped_file_get_length (file), &ours, error);
  if (bytes == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  if (ours)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                   "%s holds MyML Studio's own weights (Linear weights as (in, out)), not PyTorch's: "
                   "load it as MyML weights instead (myml-train --load)", path);
      return NULL;
    }
  params = mm_params_from_safetensors (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL, error);
  if (params == NULL)
    g_prefix_error (error, "%s: ", path);
  return params;
}
