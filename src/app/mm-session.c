/* mm-session.c — the app's controller: network, settings, data, trainer. */
#include "config.h"
#include "mm-session.h"
#include "mm-run-log.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

/* Refuse networks that would not fit a classroom laptop's memory before
 * anything is allocated. */
#define MAX_PARAMS ((gsize) 50 * 1000 * 1000)
/* The same for what one layer gives for one batch: a convolution with many
 * filters on large images fills memory long before its weights do. */
#define MAX_ACTIVATION ((gsize) 32 * 1024 * 1024)

typedef struct {
  MmDataKind kind;
  MmToyKind toy;
  guint samples, classes;
  double noise;
  guint32 seed;
  guint seq_len;
  char *csv_path;
} DataRequest;

static void
data_request_free (DataRequest *r)
{
  g_free (r->csv_path);
  g_free (r);
}

struct _MmSession {
  GObject parent_instance;

  GArray *layers;               /* MmLayerSpec */
  GArray *checks;               /* MmLayerCheck, one per layer */
  char *problem;
  gsize n_params;

  MmSessionSettings settings;
  guint step_delay;

  MmDataState data_state;
  char *data_message;
  MmDataset *train;
  MmDataset *test;
  GCancellable *data_cancellable;
  DataRequest *request;         /* what the data were (or are being) loaded for */
  guint loaded_classes;         /* classes of the data loaded last (0: none yet) */
  guint symbols;                /* symbols of a text or the brackets (0: numbers) */

  MmTrainer *trainer;
  MmTrainerState state;
  MmParams *params;             /* the weights when no trainer holds newer ones */
  char *params_model;           /* the model text @params belong to */
  guint64 step_offset;
  guint epoch_offset;

  GArray *history;              /* MmStepPoint, global step numbers */
  GArray *epochs;               /* MmProjectEpoch */
  MmTrainer *read_trainer;      /* whose history was last pulled (no reference) */
  guint64 trainer_steps_read;
  guint trainer_epochs_read;
  gboolean dirty;

  /* Changes made while training (mm-change.h) and the record of the run. */
  MmOptimizerConfig live_optimizer;  /* as the trainer has it (asked for) */
  double live_l1, live_l2;
  GArray *changes;              /* MmChange, global steps */
  guint trainer_changes_read;
  MmRunRecord *run_start;       /* how the run from fresh weights began; NULL: none */
  guint64 continued_at;         /* the first step a new trainer continued from (0: none) */
  GArray *replay;               /* MmChange for the next trainer (a replay), or NULL */
  gboolean replaying;           /* the trainer replays a record */
};

G_DEFINE_FINAL_TYPE (MmSession, mm_session, G_TYPE_OBJECT)

enum {
  MODEL_CHANGED,
  SETTINGS_CHANGED,
  DATA_CHANGED,
  STATE_CHANGED,
  HISTORY_RESET,
  NOTICE,
  DIRTY_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void recheck (MmSession *self);
static void load_data (MmSession *self);
static void push_live_changes (MmSession *self);

static void
set_dirty (MmSession *self,
           gboolean   dirty)
{
  if (self->dirty == dirty)
    return;
  self->dirty = dirty;
  g_signal_emit (self, signals[DIRTY_CHANGED], 0);
}

/* ---- Layers ---------------------------------------------------------------- */

static void
layer_check_clear (MmLayerCheck *c)
{
  g_clear_pointer (&c->shape, g_free);
  g_clear_pointer (&c->error, g_free);
  g_clear_pointer (&c->title, g_free);
}

/* A new layer of @kind with the settings a student would start from. */
static void
layer_spec_init (MmLayerSpec *spec,
                 MmLayerKind  kind)
{
  memset (spec, 0, sizeof *spec);
  spec->kind = kind;
  spec->stride = 1;
  spec->dilation = 1;
  spec->eps = 1e-5;
  spec->momentum = 0.1;
  switch (kind)
    {
    case MM_LAYER_LINEAR:
      spec->units = 32;
      break;
    case MM_LAYER_CONV2D:
      /* LeNet's first layer: six 5×5 filters. */
      spec->units = 6;
      spec->kernel = 5;
      break;
    case MM_LAYER_MAX_POOL:
    case MM_LAYER_AVG_POOL:
      /* The usual 2×2 window that halves the image. */
      spec->kernel = 2;
      spec->stride = 2;
      break;
    case MM_LAYER_DROPOUT:
      spec->rate = 0.5;
      break;
    case MM_LAYER_EMBEDDING:
      spec->units = 32;
      break;
    case MM_LAYER_RNN:
    case MM_LAYER_LSTM:
      spec->units = 64;
      spec->layers = 1;
      break;
    case MM_LAYER_ATTENTION:
      /* Causal: a model that predicts the next character must not read it. */
      spec->heads = 2;
      spec->causal = TRUE;
      break;
    case MM_LAYER_TRANSFORMER:
      spec->heads = 2;
      spec->units = 128;    /* four times the 32 of the default Embedding */
      spec->causal = TRUE;
      break;
    case MM_LAYER_LAST:
    case MM_LAYER_LAYER_NORM:
    case MM_LAYER_POSITIONAL:
    case MM_LAYER_ACTIVATION:
    case MM_LAYER_FLATTEN:
    case MM_LAYER_IMAGE:
    case MM_LAYER_BATCH_NORM:
    default:
      break;
    }
}

/* @spec as given, with the settings a caller left at 0 that cannot be 0
 * (a spec written as { .kind = MM_LAYER_CONV2D }) at their defaults. */
static void
layer_spec_complete (MmLayerSpec       *dest,
                     const MmLayerSpec *spec)
{
  MmLayerSpec defaults;

  layer_spec_init (&defaults, spec->kind);
  *dest = *spec;
  if (dest->kind == MM_LAYER_CONV2D || dest->kind == MM_LAYER_MAX_POOL || dest->kind == MM_LAYER_AVG_POOL)
    {
      if (dest->units == 0)
        dest->units = defaults.units;
      if (dest->kernel == 0)
        dest->kernel = defaults.kernel;
      if (dest->stride == 0)
        dest->stride = dest->kind == MM_LAYER_CONV2D ? 1 : dest->kernel;
      if (dest->dilation == 0)
        dest->dilation = 1;
    }
  if (dest->kind == MM_LAYER_BATCH_NORM && dest->eps == 0.0 && dest->momentum == 0.0)
    {
      dest->eps = defaults.eps;
      dest->momentum = defaults.momentum;
    }
  if (dest->units == 0)
    dest->units = defaults.units;
  if (dest->heads == 0)
    dest->heads = defaults.heads;
  if (dest->layers == 0)
    dest->layers = defaults.layers;
}

char *
mm_session_layer_title (const MmLayerSpec *spec)
{
  switch (spec->kind)
    {
    case MM_LAYER_LINEAR:
      return g_strdup_printf (_("Linear, %u outputs"), spec->units);
    case MM_LAYER_FLATTEN:
      return g_strdup (_("Flatten"));
    case MM_LAYER_IMAGE:
      return g_strdup (_("Image (1×H×W)"));
    case MM_LAYER_CONV2D:
      return g_strdup_printf (_("Conv2d, %u filters of %u×%u"), spec->units, spec->kernel, spec->kernel);
    case MM_LAYER_MAX_POOL:
      return g_strdup_printf (_("MaxPool2d, %u×%u windows"), spec->kernel, spec->kernel);
    case MM_LAYER_AVG_POOL:
      return g_strdup_printf (_("AvgPool2d, %u×%u windows"), spec->kernel, spec->kernel);
    case MM_LAYER_DROPOUT:
      return g_strdup_printf (_("Dropout, p = %g"), spec->rate);
    case MM_LAYER_BATCH_NORM:
      return g_strdup (_("BatchNorm"));
    case MM_LAYER_EMBEDDING:
      return g_strdup_printf (_("Embedding, vectors of %u"), spec->units);
    case MM_LAYER_RNN:
      return g_strdup_printf (ngettext ("RNN, %u hidden unit", "RNN, %u hidden units", spec->units), spec->units);
    case MM_LAYER_LSTM:
      return g_strdup_printf (ngettext ("LSTM, %u hidden unit", "LSTM, %u hidden units", spec->units), spec->units);
    case MM_LAYER_LAST:
      return g_strdup (_("Last time step"));
    case MM_LAYER_LAYER_NORM:
      return g_strdup ("LayerNorm");
    case MM_LAYER_ATTENTION:
      return g_strdup_printf (ngettext ("Attention, %u head", "Attention, %u heads", spec->heads), spec->heads);
    case MM_LAYER_POSITIONAL:
      return g_strdup (_("Positional encoding"));
    case MM_LAYER_TRANSFORMER:
      return g_strdup_printf (ngettext ("Transformer block, %u head", "Transformer block, %u heads", spec->heads),
                              spec->heads);
    case MM_LAYER_ACTIVATION:
    default:
      if (spec->op == MM_OP_LEAKY_RELU)
        return g_strdup_printf ("LeakyReLU (%g)", spec->param);
      return g_strdup (mm_op_kind_name (spec->op));
    }
}

static void
model_changed (MmSession *self)
{
  recheck (self);
  set_dirty (self, TRUE);
  g_signal_emit (self, signals[MODEL_CHANGED], 0);
}

guint
mm_session_get_n_layers (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), 0);
  return self->layers->len;
}

const MmLayerSpec *
mm_session_get_layer (MmSession *self,
                      guint      index)
{
  g_return_val_if_fail (MM_IS_SESSION (self), NULL);
  g_return_val_if_fail (index < self->layers->len, NULL);
  return &g_array_index (self->layers, MmLayerSpec, index);
}

void
mm_session_insert_layer (MmSession         *self,
                         gint               position,
                         const MmLayerSpec *spec)
{
  MmLayerSpec complete;

  g_return_if_fail (MM_IS_SESSION (self) && spec != NULL);
  if (position < 0 || (guint) position > self->layers->len)
    position = self->layers->len;
  layer_spec_complete (&complete, spec);
  g_array_insert_val (self->layers, position, complete);
  model_changed (self);
}

gboolean
mm_session_add_layer_by_name (MmSession  *self,
                              const char *name,
                              gint        position)
{
  static const struct {
    const char *name;
    MmLayerKind kind;
  } names[] = {
    { "linear", MM_LAYER_LINEAR },
    { "flatten", MM_LAYER_FLATTEN },
    { "image", MM_LAYER_IMAGE },
    { "conv2d", MM_LAYER_CONV2D },
    { "maxpool2d", MM_LAYER_MAX_POOL },
    { "avgpool2d", MM_LAYER_AVG_POOL },
    { "dropout", MM_LAYER_DROPOUT },
    { "batchnorm", MM_LAYER_BATCH_NORM },
    { "embedding", MM_LAYER_EMBEDDING },
    { "rnn", MM_LAYER_RNN },
    { "lstm", MM_LAYER_LSTM },
    { "last", MM_LAYER_LAST },
    { "layernorm", MM_LAYER_LAYER_NORM },
    { "attention", MM_LAYER_ATTENTION },
    { "positional", MM_LAYER_POSITIONAL },
    { "transformer", MM_LAYER_TRANSFORMER },
  };
  MmLayerSpec spec;
  MmOpKind op;

  g_return_val_if_fail (MM_IS_SESSION (self) && name != NULL, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (name, names[i].name) == 0)
      {
        layer_spec_init (&spec, names[i].kind);
        mm_session_insert_layer (self, position, &spec);
        return TRUE;
      }
  if (mm_op_kind_from_name (name, &op) &&
      (op == MM_OP_RELU || op == MM_OP_LEAKY_RELU || op == MM_OP_SIGMOID ||
       op == MM_OP_TANH || op == MM_OP_SOFTPLUS))
    {
      layer_spec_init (&spec, MM_LAYER_ACTIVATION);
      spec.op = op;
      spec.param = op == MM_OP_LEAKY_RELU ? 0.01f : 0.0f;
    }
  else
    return FALSE;
  mm_session_insert_layer (self, position, &spec);
  return TRUE;
}

void
mm_session_remove_layer (MmSession *self,
                         guint      index)
{
  g_return_if_fail (MM_IS_SESSION (self));
  if (index >= self->layers->len)
    return;
  g_array_remove_index (self->layers, index);
  model_changed (self);
}

void
mm_session_move_layer (MmSession *self,
                       guint      from,
                       guint      to)
{
  MmLayerSpec spec;

  g_return_if_fail (MM_IS_SESSION (self));
  if (from >= self->layers->len || to >= self->layers->len || from == to)
    return;
  spec = g_array_index (self->layers, MmLayerSpec, from);
  g_array_remove_index (self->layers, from);
  g_array_insert_val (self->layers, to, spec);
  model_changed (self);
}

/* Where @setting lives in @spec, or NULL when a layer of its kind has no
 * such setting. */
static guint *
setting_field (MmLayerSpec    *spec,
               MmLayerSetting  setting)
{
  gboolean conv = spec->kind == MM_LAYER_CONV2D;
  gboolean pool = spec->kind == MM_LAYER_MAX_POOL || spec->kind == MM_LAYER_AVG_POOL;
  gboolean rnn = spec->kind == MM_LAYER_RNN || spec->kind == MM_LAYER_LSTM;
  gboolean attn = spec->kind == MM_LAYER_ATTENTION || spec->kind == MM_LAYER_TRANSFORMER;

  switch (setting)
    {
    case MM_LAYER_SETTING_UNITS:
      return spec->kind == MM_LAYER_LINEAR || conv || rnn || spec->kind == MM_LAYER_EMBEDDING
             || spec->kind == MM_LAYER_TRANSFORMER ? &spec->units : NULL;
    case MM_LAYER_SETTING_HEADS:
      return attn ? &spec->heads : NULL;
    case MM_LAYER_SETTING_LAYERS:
      return rnn ? &spec->layers : NULL;
    case MM_LAYER_SETTING_KERNEL:
      return conv || pool ? &spec->kernel : NULL;
    case MM_LAYER_SETTING_STRIDE:
      return conv || pool ? &spec->stride : NULL;
    case MM_LAYER_SETTING_PADDING:
      return conv || pool ? &spec->padding : NULL;
    case MM_LAYER_SETTING_DILATION:
      return conv ? &spec->dilation : NULL;
    case MM_LAYER_SETTING_RATE:
    case MM_LAYER_SETTING_SLOPE:
    case MM_LAYER_SETTING_CAUSAL:
    default:
      return NULL;
    }
}

void
mm_session_set_layer_setting (MmSession      *self,
                              guint           index,
                              MmLayerSetting  setting,
                              double          value)
{
  MmLayerSpec *spec;
  guint *field;

  g_return_if_fail (MM_IS_SESSION (self));
  if (index >= self->layers->len || !isfinite (value))
    return;
  spec = &g_array_index (self->layers, MmLayerSpec, index);

  if (setting == MM_LAYER_SETTING_RATE)
    {
      /* A spin button's steps add up to 0.30000000000000004: keep what the
       * user sees, so the project says Dropout(0.3). */
      double p = round (value * 1000.0) / 1000.0;
      if (spec->kind != MM_LAYER_DROPOUT || !(p >= 0.0 && p < 1.0) || p == spec->rate)
        return;
      spec->rate = p;
      model_changed (self);
      return;
    }
  if (setting == MM_LAYER_SETTING_CAUSAL)
    {
      gboolean causal = value != 0.0;
      if ((spec->kind != MM_LAYER_ATTENTION && spec->kind != MM_LAYER_TRANSFORMER) || spec->causal == causal)
        return;
      spec->causal = causal;
      model_changed (self);
      return;
    }
  if (setting == MM_LAYER_SETTING_SLOPE)
    {
      if (spec->kind != MM_LAYER_ACTIVATION || spec->op != MM_OP_LEAKY_RELU || spec->param == (float) value)
        return;
      spec->param = (float) value;
      model_changed (self);
      return;
    }

  field = setting_field (spec, setting);
  /* Padding may be 0; everything else counts something. The core refuses
   * kernels, strides and dilations over 4096 and more than 2²⁰ channels;
   * bounds here keep the arithmetic of the checks in range. Each stacked
   * recurrent layer unrolls the whole sequence in the graph: a handful is
   * what a lesson needs. */
  if (field == NULL || value < (setting == MM_LAYER_SETTING_PADDING ? 0.0 : 1.0)
      || value > (setting == MM_LAYER_SETTING_UNITS ? 16777216.0
                  : setting == MM_LAYER_SETTING_LAYERS ? (double) MM_SESSION_MAX_RNN_LAYERS : 4096.0))
    return;
  if (*field == (guint) value)
    return;
  *field = (guint) value;
  model_changed (self);
}

void
mm_session_set_layer_units (MmSession *self,
                            guint      index,
                            guint      units)
{
  g_return_if_fail (MM_IS_SESSION (self));
  mm_session_set_layer_setting (self, index, MM_LAYER_SETTING_UNITS, units);
}

void
mm_session_set_layer_param (MmSession *self,
                            guint      index,
                            float      param)
{
  MmLayerSpec *spec;

  g_return_if_fail (MM_IS_SESSION (self));
  if (index >= self->layers->len)
    return;
  spec = &g_array_index (self->layers, MmLayerSpec, index);
  if (spec->param == param)
    return;
  spec->param = param;
  model_changed (self);
}

void
mm_session_set_layers (MmSession         *self,
                       const MmLayerSpec *layers,
                       guint              n)
{
  g_return_if_fail (MM_IS_SESSION (self));
  g_array_set_size (self->layers, n);
  for (guint i = 0; i < n; i++)
    layer_spec_complete (&g_array_index (self->layers, MmLayerSpec, i), &layers[i]);
  model_changed (self);
}

/* ---- Checking the network against the data -------------------------------- */

/* "Fashion-MNIST (train)" → "Fashion-MNIST": the user chose the data set, not its split. */
static char *
data_name (MmSession *self)
{
  const char *name = self->train ? mm_dataset_get_name (self->train) : _("the data");
  const char *paren = strstr (name, " (");
  return paren ? g_strndup (name, paren - name) : g_strdup (name);
}

/* The numbers per sample of a batch of shape @in. */
static gsize
sample_size (const MmShape *in)
{
  gsize n = 1;

  for (guint d = 1; d < in->ndim; d++)
    n *= in->dim[d];
  return n;
}

/* The image an Image layer makes of samples of shape @in (batch axis
 * included): the size a project gave when it fits, otherwise what the data
 * say — (N, H, W) and (N, 1, H, W) are images already, (N, F) is one when F is
 * a square. */
static gboolean
image_size (const MmLayerSpec  *spec,
            const MmShape      *in,
            gsize              *height,
            gsize              *width,
            GError            **error)
{
  gsize n = sample_size (in), side;

  if (spec->height > 0 && spec->width > 0 && (gsize) spec->height * spec->width == n)
    {
      *height = spec->height;
      *width = spec->width;
      return TRUE;
    }
  if (in->ndim == 3)
    {
      *height = in->dim[1];
      *width = in->dim[2];
      return TRUE;
    }
  if (in->ndim == 4 && in->dim[1] == 1)
    {
      *height = in->dim[2];
      *width = in->dim[3];
      return TRUE;
    }
  if (in->ndim == 4)
    {
      g_autofree char *s = mm_shape_to_string (in);
      g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                   _("This layer receives images with %zu channels already (shape %s); it makes images "
                     "of one channel. Remove it."), in->dim[1], s);
      return FALSE;
    }
  side = (gsize) llround (sqrt ((double) n));
  if (in->ndim == 2 && side >= 2 && side * side == n)
    {
      *height = *width = side;
      return TRUE;
    }
  g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
               _("Each sample has %zu numbers, which do not make a square image, so this layer cannot "
                 "tell the height and width. It is meant for image data such as Fashion-MNIST."), n);
  return FALSE;
}

/* The module of layer @spec for input of shape @in, with its output shape
 * and, for layers whose form follows from the data, a title that says it.
 * The common mistakes get a sentence for the layer's row that says why and
 * what to do; the core's checks catch the rest. */
/* A layer for sequences of vectors receives @in: (batch, time, features). */
static gboolean
check_sequence (const MmLayerSpec  *spec,
                const MmShape      *in,
                guint               symbols,
                GError            **error)
{
  g_autofree char *s = mm_shape_to_string (in);

  if (in->ndim == 3)
    return TRUE;
  if (in->ndim == 2 && symbols > 0)
    g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                 _("This layer reads sequences of vectors (batch, time, features), but receives the symbols' "
                   "ids, shape %s. Start the network with an Embedding layer, which turns each symbol into a "
                   "vector."), s);
  else if (spec->kind == MM_LAYER_LAST)
    g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                 _("Last keeps the last time step of a sequence (batch, time, features), but this layer "
                   "receives shape %s. It goes after a recurrent or attention layer."), s);
  else
    g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                 _("This layer reads sequences of vectors (batch, time, features), but receives shape %s. "
                   "It is meant for the text and brackets data sets, after an Embedding layer."), s);
  return FALSE;
}

/* Attention splits the width into heads of equal size. */
static gboolean
check_heads (const MmLayerSpec  *spec,
             const MmShape      *in,
             GError            **error)
{
  gsize D = in->dim[2];

  if (spec->heads > 0 && D % spec->heads == 0)
    return TRUE;
  g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
               _("The %zu features do not split into %u heads of equal size. Use a number of heads that "
                 "divides %zu."), D, spec->heads, D);
  return FALSE;
}

static MmModule *
layer_module (const MmLayerSpec  *spec,
              const MmShape      *in,
              guint               symbols,
              gboolean            first,
              MmShape            *out,
              char              **title,
              GError            **error)
{
  g_autoptr(MmModule) m = NULL;
  g_autofree char *s = mm_shape_to_string (in);

  *title = NULL;
  switch (spec->kind)
    {
    case MM_LAYER_EMBEDDING:
      if (symbols == 0)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                       _("An Embedding layer looks up a vector for each symbol (a character, a bracket), but "
                         "these data are numbers, not symbols. Use it with the text or brackets data sets."));
          return NULL;
        }
      if (!first)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                       _("An Embedding layer turns the symbols' ids into vectors, so it must be the first "
                         "layer."));
          return NULL;
        }
      m = mm_module_embedding_new (symbols, spec->units, error);
      *title = g_strdup_printf (_("Embedding (%u symbols)"), symbols);
      break;

    case MM_LAYER_RNN:
    case MM_LAYER_LSTM:
      if (!check_sequence (spec, in, symbols, error))
        return NULL;
      m = mm_module_rnn_new (spec->kind == MM_LAYER_LSTM, in->dim[2], spec->units, spec->layers, error);
      if (spec->layers > 1)
        *title = g_strdup_printf (spec->kind == MM_LAYER_LSTM ? _("LSTM, %u layers") : _("RNN, %u layers"),
                                  spec->layers);
      break;

    case MM_LAYER_LAST:
      if (!check_sequence (spec, in, symbols, error))
        return NULL;
      m = mm_module_last_new ();
      break;

    case MM_LAYER_LAYER_NORM:
      if (in->ndim < 2)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                       _("LayerNorm normalizes the features of each sample or time step, but this layer "
                         "receives shape %s."), s);
          return NULL;
        }
      m = mm_module_layer_norm_new (in->dim[in->ndim - 1], error);
      break;

    case MM_LAYER_ATTENTION:
      if (!check_sequence (spec, in, symbols, error) || !check_heads (spec, in, error))
        return NULL;
      m = mm_module_multihead_attention_new (in->dim[2], spec->heads, spec->causal, error);
      break;

    case MM_LAYER_POSITIONAL:
      if (!check_sequence (spec, in, symbols, error))
        return NULL;
      m = mm_module_positional_encoding_new (in->dim[2], 0, error);
      break;

    case MM_LAYER_TRANSFORMER:
      if (!check_sequence (spec, in, symbols, error) || !check_heads (spec, in, error))
        return NULL;
      m = mm_module_transformer_block_new (in->dim[2], spec->heads, spec->units, spec->causal, error);
      break;

    case MM_LAYER_LINEAR:
      if (in->ndim >= 4)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                       _("A Linear layer needs one row of numbers per sample, but this layer receives images "
                         "of shape %s. Add a Flatten layer before it."), s);
          return NULL;
        }
      m = mm_module_linear_new (in->ndim ? in->dim[in->ndim - 1] : 1, spec->units, error);
      break;

    case MM_LAYER_FLATTEN:
      m = mm_module_flatten_new ();
      break;

    case MM_LAYER_IMAGE:
      {
        gsize h, w;
        if (!image_size (spec, in, &h, &w, error))
          return NULL;
        m = mm_module_reshape_new (3, (gsize[]) { 1, h, w }, error);
        *title = g_strdup_printf (_("Image (1×%zu×%zu)"), h, w);
      }
      break;

    case MM_LAYER_CONV2D:
      {
        guint reach = spec->dilation * (spec->kernel - 1);
        if (in->ndim != 4)
          {
            g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                         _("A convolution slides its filters over images of shape (batch, channels, height, "
                           "width), but this layer receives shape %s. Add an “Image (1×H×W)” layer before it."), s);
            return NULL;
          }
        if (spec->padding > reach)
          {
            g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                         _("Padding %u is more than this kernel reaches (%u): some windows would see only "
                           "zeros. Use a padding of at most %u."), spec->padding, reach, reach);
            return NULL;
          }
        if (reach + 1 > in->dim[2] + 2 * spec->padding || reach + 1 > in->dim[3] + 2 * spec->padding)
          {
            if (spec->dilation == 1)
              g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                           _("The %u×%u kernel does not fit the %zu×%zu image (with padding %u on each side). "
                             "Use a smaller kernel or more padding, or pool less before this layer."),
                           spec->kernel, spec->kernel, in->dim[2], in->dim[3], spec->padding);
            else
              g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                           _("With dilation %u the kernel spans %u×%u pixels, more than the %zu×%zu image "
                             "(with padding %u on each side). Use a smaller kernel or dilation, or pool less "
                             "before this layer."),
                           spec->dilation, reach + 1, reach + 1, in->dim[2], in->dim[3], spec->padding);
            return NULL;
          }
        m = mm_module_conv2d_new (in->dim[1], spec->units, spec->kernel, spec->stride, spec->padding,
                                  spec->dilation, error);
      }
      break;

    case MM_LAYER_MAX_POOL:
    case MM_LAYER_AVG_POOL:
      if (in->ndim != 4)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                       _("Pooling shrinks images of shape (batch, channels, height, width), but this layer "
                         "receives shape %s. Add an “Image (1×H×W)” layer before it."), s);
          return NULL;
        }
      if (spec->padding > spec->kernel / 2)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                       _("Padding %u is more than half the %u×%u window. Use a padding of at most %u."),
                       spec->padding, spec->kernel, spec->kernel, spec->kernel / 2);
          return NULL;
        }
      if (spec->kernel > in->dim[2] + 2 * spec->padding || spec->kernel > in->dim[3] + 2 * spec->padding)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                       _("The %u×%u window does not fit the %zu×%zu image (with padding %u on each side). "
                         "Use a smaller window, or pool less before this layer."),
                       spec->kernel, spec->kernel, in->dim[2], in->dim[3], spec->padding);
          return NULL;
        }
      m = mm_module_pool2d_new (spec->kind == MM_LAYER_MAX_POOL, spec->kernel, spec->stride, spec->padding, error);
      break;

    case MM_LAYER_DROPOUT:
      m = mm_module_dropout_new (spec->rate, error);
      break;

    case MM_LAYER_BATCH_NORM:
      /* BatchNorm2d normalises each channel of images, BatchNorm1d each
       * feature of rows: which one follows from what flows in. */
      if (in->ndim == 4)
        m = mm_module_batch_norm_new (2, in->dim[1], spec->eps, spec->momentum, error);
      else if (in->ndim == 2 || in->ndim == 3)
        m = mm_module_batch_norm_new (1, in->dim[1], spec->eps, spec->momentum, error);
      else
        {
          g_set_error (error, MM_ERROR, MM_ERROR_SHAPE,
                       _("Batch normalization needs rows (batch, features) or images (batch, channels, height, "
                         "width), but this layer receives shape %s."), s);
          return NULL;
        }
      if (m != NULL)
        *title = g_strdup (mm_module_get_type_name (m));
      break;

    case MM_LAYER_ACTIVATION:
    default:
      {
        MmOp op = mm_op_unary (spec->op);
        if (spec->op == MM_OP_LEAKY_RELU)
          op.param = spec->param;
        m = mm_module_activation_new (op, error);
      }
      break;
    }
  if (m == NULL || !mm_module_output_shape (m, in, out, error))
    {
      g_clear_pointer (title, g_free);
      return NULL;
    }
  if (mm_shape_size (out) > MAX_ACTIVATION)
    {
      g_clear_pointer (title, g_free);
      g_set_error (error, MM_ERROR, MM_ERROR_TOO_LARGE,
                   _("For one batch this layer gives %zu numbers, more than a classroom computer should hold. "
                     "Use fewer filters or units, or a smaller batch."), mm_shape_size (out));
      return NULL;
    }
  return g_steal_pointer (&m);
}

/* Builds the network for the current data (NULL when impossible) and fills
 * the per-layer checks. */
static MmModule *
build_model (MmSession *self,
             gboolean   fill_checks)
{
  g_autoptr(GPtrArray) modules = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_module_unref);
  MmShape shape;
  guint n_classes, first_wide_linear = G_MAXUINT, last_linear = G_MAXUINT;
  guint last_sequence = G_MAXUINT, last_step = G_MAXUINT;
  gboolean per_step;
  gsize total = 0;
  g_autofree char *problem = NULL;
  gint problem_layer = -1;

  if (fill_checks)
    {
      g_array_set_size (self->checks, 0);
      g_array_set_size (self->checks, self->layers->len);
      g_clear_pointer (&self->problem, g_free);
      self->n_params = 0;
    }
  if (self->train == NULL)
    {
      if (fill_checks)
        self->problem = g_strdup (self->data_state == MM_DATA_STATE_FAILED ? self->data_message
                                  /* Ready without data: every drawn point was removed. */
                                  : self->data_state == MM_DATA_STATE_READY
                                  ? _("No data: draw points of two classes or more on the decision boundary")
                                  : _("Loading the data…"));
      return NULL;
    }

  {
    const MmShape *sample = mm_dataset_get_sample_shape (self->train);
    mm_shape_scalar (&shape);
    shape.ndim = sample->ndim + 1;
    /* A batch larger than the data is the whole data set (see ensure_trainer). */
    shape.dim[0] = MIN ((gsize) self->settings.batch_size, mm_dataset_get_n_samples (self->train));
    memcpy (shape.dim + 1, sample->dim, sample->ndim * sizeof (gsize));
  }
  n_classes = mm_dataset_get_n_classes (self->train);
  per_step = mm_dataset_get_label_shape (self->train)->ndim == 1;

  for (guint i = 0; i < self->layers->len; i++)
    {
      const MmLayerSpec *spec = &g_array_index (self->layers, MmLayerSpec, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(MmModule) m = NULL;
      g_autofree char *title = NULL;
      MmShape out;

      if (spec->kind == MM_LAYER_LINEAR)
        {
          /* A Linear layer on a sequence maps each time step: that is no mistake. */
          if (shape.ndim > 2 && self->symbols == 0 && first_wide_linear == G_MAXUINT)
            first_wide_linear = i;
          last_linear = i;
        }
      if (spec->kind == MM_LAYER_RNN || spec->kind == MM_LAYER_LSTM || spec->kind == MM_LAYER_ATTENTION ||
          spec->kind == MM_LAYER_TRANSFORMER)
        last_sequence = i;
      if (spec->kind == MM_LAYER_LAST)
        last_step = i;
      m = layer_module (spec, &shape, self->symbols, i == 0, &out, &title, &error);
      if (m == NULL)
        {
          /* e.g. a Linear layer too large to make, a kernel larger than the image */
          problem = g_strdup (error->message);
          problem_layer = i;
          break;
        }
      if (fill_checks)
        {
          MmLayerCheck *c = &g_array_index (self->checks, MmLayerCheck, i);
          c->shape = mm_shape_to_string (&out);
          c->n_params = mm_module_count_params (m);
          c->title = g_steal_pointer (&title);
          total += c->n_params;
        }
      shape = out;
      g_ptr_array_add (modules, g_steal_pointer (&m));
    }

  if (problem == NULL)
    {
      g_autofree char *s = mm_shape_to_string (&shape);
      if (self->layers->len == 0)
        problem = g_strdup (_("Add layers to the network: at least one Linear layer with one output per class."));
      else if (per_step && shape.ndim != 3)
        {
          /* Next-character prediction scores every time step. */
          problem_layer = last_step != G_MAXUINT ? (gint) last_step : (gint) self->layers->len - 1;
          if (last_step != G_MAXUINT)
            problem = g_strdup_printf (_("The network gives shape %s, one row per sample, but these data need "
                                         "scores at every time step (batch, time, classes). Remove the Last "
                                         "layer."), s);
          else
            problem = g_strdup_printf (_("The network gives shape %s, but these data need scores at every time "
                                         "step (batch, time, classes). Use an Embedding layer, a recurrent or "
                                         "attention layer, and a Linear layer with one output per class."), s);
        }
      else if (!per_step && shape.ndim == 3 && self->symbols > 0)
        {
          problem_layer = last_sequence != G_MAXUINT ? (gint) last_sequence : (gint) self->layers->len - 1;
          problem = g_strdup_printf (_("The network gives shape %s, scores at every time step, but it must give "
                                       "one row of scores per sample. Add a Last layer after this layer."), s);
        }
      else if (!per_step && shape.ndim != 2)
        {
          /* A Linear layer on (N, H, W) mixes only the last axis: the fix
           * goes before it. Otherwise the scores are missing at the end. */
          problem_layer = first_wide_linear != G_MAXUINT ? (gint) first_wide_linear : (gint) self->layers->len - 1;
          if (first_wide_linear != G_MAXUINT)
            problem = g_strdup_printf (_("The network gives shape %s, but it must give one row of scores per sample. "
                                         "Add a Flatten layer before this layer."), s);
          else
            problem = g_strdup_printf (_("The network gives shape %s, but it must give one row of scores per sample. "
                                         "End it with a Flatten layer and a Linear layer with one output per class."), s);
        }
      else if (shape.dim[shape.ndim - 1] != n_classes)
        {
          g_autofree char *name = data_name (self);
          problem_layer = last_linear != G_MAXUINT ? (gint) last_linear : (gint) self->layers->len - 1;
          problem = g_strdup_printf (_("This layer gives %zu outputs, but %s has %u classes: "
                                       "the last Linear layer needs one output per class."),
                                     shape.dim[shape.ndim - 1], name, n_classes);
        }
      else if (total > MAX_PARAMS)
        problem = g_strdup_printf (_("The network has %zu parameters; at most %zu "
                                     "fit a classroom computer. Use fewer units."), total, MAX_PARAMS);
    }

  if (fill_checks)
    {
      self->n_params = total;
      if (problem != NULL)
        {
          /* The row says it in its own words; elsewhere the layer is named. */
          if (problem_layer >= 0)
            {
              g_array_index (self->checks, MmLayerCheck, problem_layer).error = g_strdup (problem);
              self->problem = g_strdup_printf (_("Layer %d: %s"), problem_layer, problem);
            }
          else
            self->problem = g_steal_pointer (&problem);
        }
    }
  if (problem != NULL || self->problem != NULL)
    return NULL;
  return mm_module_sequential_new (modules->len, (MmModule **) modules->pdata);
}

static void
recheck (MmSession *self)
{
  g_autoptr(MmModule) m = build_model (self, TRUE);
}

const MmLayerCheck *
mm_session_get_layer_check (MmSession *self,
                            guint      index)
{
  g_return_val_if_fail (MM_IS_SESSION (self), NULL);
  if (index >= self->checks->len)
    return NULL;
  return &g_array_index (self->checks, MmLayerCheck, index);
}

const char *
mm_session_get_problem (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), NULL);
  return self->problem;
}

gsize
mm_session_get_n_params (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), 0);
  return self->n_params;
}

char *
mm_session_describe_input (MmSession *self)
{
  const MmShape *s;

  g_return_val_if_fail (MM_IS_SESSION (self), NULL);
  if (self->train == NULL)
    return g_strdup (self->data_state == MM_DATA_STATE_LOADING ? _("Input: loading the data…") : _("Input: no data"));
  s = mm_dataset_get_sample_shape (self->train);
  if (self->symbols > 0 && self->request != NULL && self->request->kind == MM_DATA_TEXT)
    {
      g_autofree char *name = data_name (self);
      return g_strdup_printf (_("Input: text “%s”, %zu characters per sample, %u symbols"), name,
                              mm_shape_size (s), self->symbols);
    }
  if (self->symbols > 0)
    return g_strdup_printf (_("Input: brackets, %zu per string, %u symbols, %u classes"), mm_shape_size (s),
                            self->symbols, mm_dataset_get_n_classes (self->train));
  if (s->ndim == 2)
    return g_strdup_printf (_("Input: %s, images of %zu×%zu pixels, %u classes"),
                            mm_dataset_get_name (self->train), s->dim[0], s->dim[1],
                            mm_dataset_get_n_classes (self->train));
  return g_strdup_printf (_("Input: %s, %zu numbers per sample, %u classes"),
                          mm_dataset_get_name (self->train), mm_shape_size (s),
                          mm_dataset_get_n_classes (self->train));
}

guint
mm_session_get_n_symbols (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), 0);
  return self->train != NULL ? self->symbols : 0;
}

const char *
mm_session_get_symbol (MmSession *self,
                       guint      id)
{
  static const char *const brackets[] = { "(", ")" };

  g_return_val_if_fail (MM_IS_SESSION (self), NULL);
  if (self->train == NULL || id >= self->symbols)
    return NULL;
  if (self->request != NULL && self->request->kind == MM_DATA_BRACKETS)
    return brackets[id];
  return mm_dataset_get_class_name (self->train, id);
}

gboolean
mm_session_is_per_step (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), FALSE);
  return self->train != NULL && mm_dataset_get_label_shape (self->train)->ndim == 1;
}

char *
mm_session_dup_first_conv_weight (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), NULL);
  /* The network is a Sequential with one child per layer, and Sequential
   * names its children's parameters "index.name". */
  for (guint i = 0; i < self->layers->len; i++)
    if (g_array_index (self->layers, MmLayerSpec, i).kind == MM_LAYER_CONV2D)
      return g_strdup_printf ("%u.weight", i);
  return NULL;
}

MmModule *
mm_session_dup_model (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), NULL);
  return build_model (self, FALSE);
}

static MmLoss *make_loss (MmSession *self, GError **error);

/* The loss the settings ask for, for the data loaded (NULL without data). */
MmLoss *
mm_session_dup_loss (MmSession  *self,
                     GError    **error)
{
  g_return_val_if_fail (MM_IS_SESSION (self), NULL);
  if (self->train == NULL)
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, _("The data are not loaded yet"));
      return NULL;
    }
  return make_loss (self, error);
}

/* ---- Settings and data ------------------------------------------------------- */

MmSessionSettings *
mm_session_get_settings (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), NULL);
  return &self->settings;
}

static gboolean
same_data_request (const DataRequest       *r,
                   const MmSessionSettings *s)
{
  if (r->kind != s->data)
    return FALSE;
  if (r->kind == MM_DATA_TOY)
    return r->toy == s->toy && r->samples == s->toy_samples && r->noise == s->toy_noise &&
           r->classes == s->toy_classes && r->seed == s->seed;
  if (r->kind == MM_DATA_CSV)
    return g_strcmp0 (r->csv_path, s->csv_path) == 0 && r->seed == s->seed;
  if (r->kind == MM_DATA_TEXT)
    return r->seq_len == s->seq_len && r->seed == s->seed;
  if (r->kind == MM_DATA_BRACKETS)
    return r->seq_len == s->seq_len && r->samples == s->toy_samples && r->seed == s->seed;
  return TRUE;
}

void
mm_session_settings_changed (MmSession *self)
{
  g_return_if_fail (MM_IS_SESSION (self));
  if (self->request == NULL || !same_data_request (self->request, &self->settings))
    load_data (self);
  push_live_changes (self);
  recheck (self);
  set_dirty (self, TRUE);
  g_signal_emit (self, signals[SETTINGS_CHANGED], 0);
  g_signal_emit (self, signals[MODEL_CHANGED], 0);
}

static void
free_pair (gpointer data)
{
  MmDataset **pair = data;

  g_clear_pointer (&pair[0], mm_dataset_unref);
  g_clear_pointer (&pair[1], mm_dataset_unref);
  g_free (pair);
}

static void
load_data_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  DataRequest *r = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) all = NULL;
  MmDataset **pair = g_new0 (MmDataset *, 2);

  switch (r->kind)
    {
    case MM_DATA_FASHION_MNIST:
      if (!mm_dataset_load_fashion_mnist (NULL, &pair[0], &pair[1], &error))
        goto fail;
      break;
    case MM_DATA_TOY:
      all = mm_dataset_new_toy (r->toy, r->samples, r->noise, r->classes, r->seed, &error);
      if (all == NULL)
        goto fail;
      if (!mm_dataset_split (all, 0.2, r->seed, &pair[0], &pair[1], &error))
        goto fail;
      break;
    case MM_DATA_TEXT:
      {
        g_autofree char *path = mm_text_find (MM_TEXT_DEFAULT);
        if (path == NULL)
          {
            g_set_error (&error, MM_ERROR, MM_ERROR_IO, _("The shipped text %s.txt is not installed"),
                         MM_TEXT_DEFAULT);
            goto fail;
          }
        all = mm_text_dataset_load (path, r->seq_len, &error);
      }
      if (all == NULL || !mm_dataset_split (all, 0.2, r->seed, &pair[0], &pair[1], &error))
        goto fail;
      break;
    case MM_DATA_BRACKETS:
      all = mm_brackets_dataset_new (r->samples, r->seq_len, r->seed, &error);
      if (all == NULL || !mm_dataset_split (all, 0.2, r->seed, &pair[0], &pair[1], &error))
        goto fail;
      break;
    case MM_DATA_CSV:
    default:
      if (r->csv_path == NULL)
        {
          g_set_error (&error, MM_ERROR, MM_ERROR_IO, _("Choose a CSV file"));
          goto fail;
        }
      all = mm_dataset_load_csv (r->csv_path, -1, &error);
      if (all == NULL)
        goto fail;
      if (mm_dataset_get_n_samples (all) < 2)
        pair[0] = g_steal_pointer (&all);
      else if (!mm_dataset_split (all, 0.2, r->seed, &pair[0], &pair[1], &error))
        goto fail;
      break;
    }
  /* Freed by the task when nobody takes it: a load whose request was
   * replaced (another data set chosen meanwhile) is cancelled, and its
   * data sets (220 MB for Fashion-MNIST) must not stay behind. */
  g_task_return_pointer (task, pair, free_pair);
  return;

fail:
  g_clear_pointer (&pair[0], mm_dataset_unref);
  g_clear_pointer (&pair[1], mm_dataset_unref);
  g_free (pair);
  g_task_return_error (task, g_steal_pointer (&error));
}

/* A new data set with another number of classes: when the last Linear layer
 * had one output per old class, give it one per new class, and say so. */
static void
adapt_output_layer (MmSession *self,
                    guint      old_classes)
{
  guint n = self->loaded_classes;

  if (old_classes == 0 || n == old_classes)
    return;
  for (guint i = self->layers->len; i-- > 0;)
    {
      MmLayerSpec *spec = &g_array_index (self->layers, MmLayerSpec, i);
      if (spec->kind != MM_LAYER_LINEAR)
        continue;
      if (spec->units == old_classes)
        {
          g_autofree char *name = data_name (self);
          g_autofree char *msg = g_strdup_printf (_("The last layer now has %u outputs, one per class of %s."), n, name);
          spec->units = n;
          g_signal_emit (self, signals[NOTICE], 0, msg);
        }
      return;
    }
}

static void
load_data_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  MmSession *self = MM_SESSION (source);
  g_autoptr(GError) error = NULL;
  MmDataset **pair = g_task_propagate_pointer (G_TASK (result), &error);
  guint old_classes = self->loaded_classes;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_pointer (&self->train, mm_dataset_unref);
  g_clear_pointer (&self->test, mm_dataset_unref);
  g_clear_pointer (&self->data_message, g_free);
  if (pair == NULL)
    {
      self->data_state = MM_DATA_STATE_FAILED;
      self->data_message = g_strdup (error->message);
    }
  else
    {
      self->train = pair[0];
      self->test = pair[1];
      g_free (pair);
      self->data_state = MM_DATA_STATE_READY;
      self->loaded_classes = mm_dataset_get_n_classes (self->train);
      /* A text's symbols are its characters, which are also its classes. */
      self->symbols = self->request->kind == MM_DATA_TEXT ? self->loaded_classes
                    : self->request->kind == MM_DATA_BRACKETS ? 2 : 0;
      adapt_output_layer (self, old_classes);
    }
  recheck (self);
  g_signal_emit (self, signals[DATA_CHANGED], 0);
  g_signal_emit (self, signals[MODEL_CHANGED], 0);
}

static void
load_data (MmSession *self)
{
  g_autoptr(GTask) task = NULL;
  DataRequest *r = g_new0 (DataRequest, 1);
  const MmSessionSettings *s = &self->settings;

  if (self->data_cancellable)
    g_cancellable_cancel (self->data_cancellable);
  g_clear_object (&self->data_cancellable);
  self->data_cancellable = g_cancellable_new ();

  r->kind = s->data;
  r->toy = s->toy;
  r->samples = s->toy_samples;
  r->noise = s->toy_noise;
  r->classes = s->toy_classes;
  r->seed = s->seed;
  r->seq_len = s->seq_len;
  r->csv_path = g_strdup (s->csv_path);
  g_clear_pointer (&self->request, data_request_free);
  self->request = g_memdup2 (r, sizeof *r);
  self->request->csv_path = g_strdup (r->csv_path);

  g_clear_pointer (&self->train, mm_dataset_unref);
  g_clear_pointer (&self->test, mm_dataset_unref);
  self->symbols = 0;
  self->data_state = MM_DATA_STATE_LOADING;
  g_clear_pointer (&self->data_message, g_free);

  task = g_task_new (self, self->data_cancellable, load_data_done, NULL);
  g_task_set_task_data (task, r, (GDestroyNotify) data_request_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, load_data_thread);
  g_signal_emit (self, signals[DATA_CHANGED], 0);
}

MmDataState
mm_session_get_data_state (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), MM_DATA_STATE_FAILED);
  return self->data_state;
}

const char *
mm_session_get_data_message (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), NULL);
  return self->data_message;
}

MmDataset *
mm_session_get_train_data (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), NULL);
  return self->train;
}

MmDataset *
mm_session_get_test_data (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), NULL);
  return self->test;
}

static void set_state (MmSession *self, MmTrainerState state);
static gboolean is_over (MmTrainerState s);

void
mm_session_set_drawn_data (MmSession *self,
                           MmDataset *train)
{
  g_return_if_fail (MM_IS_SESSION (self));

  if (train != NULL)
    mm_dataset_ref (train);
  g_clear_pointer (&self->train, mm_dataset_unref);
  g_clear_pointer (&self->test, mm_dataset_unref);
  g_clear_pointer (&self->data_message, g_free);
  self->train = train;
  self->symbols = 0;
  self->data_state = MM_DATA_STATE_READY;
  /* A trainer at work takes the points between two steps and keeps its
   * weights (mm_trainer_set_data); with no point left it pauses. */
  if (self->trainer != NULL && !is_over (mm_trainer_get_state (self->trainer)))
    {
      if (train != NULL)
        mm_trainer_set_data (self->trainer, train, NULL, NULL);
      else if (mm_trainer_get_state (self->trainer) == MM_TRAINER_RUNNING)
        {
          mm_trainer_pause (self->trainer);
          set_state (self, mm_trainer_get_state (self->trainer));
        }
    }
  recheck (self);
  set_dirty (self, TRUE);
  g_signal_emit (self, signals[DATA_CHANGED], 0);
}

/* ---- Training ------------------------------------------------------------------ */

static MmLoss *
make_loss (MmSession  *self,
           GError    **error)
{
  g_autoptr(MmLoss) inner = NULL;

  if (self->settings.loss == MM_LOSS_MSE)
    inner = mm_loss_mse_new ();
  else
    inner = mm_loss_cross_entropy_new (self->settings.label_smoothing, error);
  if (inner == NULL)
    return NULL;
  return mm_loss_one_hot_new (inner, mm_dataset_get_n_classes (self->train), error);
}

static void
set_state (MmSession      *self,
           MmTrainerState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_signal_emit (self, signals[STATE_CHANGED], 0);
}

static gboolean
is_over (MmTrainerState s)
{
  return s == MM_TRAINER_FINISHED || s == MM_TRAINER_STOPPED || s == MM_TRAINER_DIVERGED ||
         s == MM_TRAINER_FAILED;
}

/* The changes the trainer applied since the last pull, at global steps. A
 * replay's changes move the settings too, so the panel follows the run. */
static void
pull_changes (MmSession *self)
{
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (MmChange));
  g_autoptr(GArray) diff = g_array_new (FALSE, FALSE, sizeof (MmChange));
  gboolean moved = FALSE;

  self->trainer_changes_read += mm_trainer_get_changes (self->trainer, self->trainer_changes_read, changes);
  for (guint i = 0; i < changes->len; i++)
    {
      MmChange *c = &g_array_index (changes, MmChange, i);
      MmOptimizerConfig o = self->live_optimizer;
      double l1 = self->live_l1, l2 = self->live_l2;

      c->step += self->step_offset;
      g_array_append_val (self->changes, *c);
      if (c->kind == MM_CHANGE_LR)
        o.lr = c->lr;
      else if (c->kind == MM_CHANGE_OPTIMIZER)
        o = c->optimizer;
      else
        {
          l1 = c->l1;
          l2 = c->l2;
        }
      /* Field by field (mm_live_diff): memcmp would also compare the
       * struct's padding, which nobody initialised (valgrind). */
      g_array_set_size (diff, 0);
      mm_live_diff (&self->live_optimizer, self->live_l1, self->live_l2, &o, l1, l2, diff);
      if (self->replaying && diff->len > 0)
        {
          self->live_optimizer = self->settings.optimizer = o;
          self->settings.adamw = o.kind == MM_OPTIMIZER_ADAM && o.decoupled_weight_decay;
          self->live_l1 = self->settings.l1 = l1;
          self->live_l2 = self->settings.l2 = l2;
          moved = TRUE;
        }
    }
  if (moved)
    g_signal_emit (self, signals[SETTINGS_CHANGED], 0);
}

/* The optimizer as the settings describe it (AdamW: decoupled decay). */
static MmOptimizerConfig
settings_optimizer (MmSession *self)
{
  MmOptimizerConfig o = self->settings.optimizer;

  o.decoupled_weight_decay = self->settings.adamw;
  return o;
}

/* Sends what changed in the settings since the trainer got them; a
 * trainer that is not running or paused gets nothing (the next one starts
 * with the settings). */
static void
push_live_changes (MmSession *self)
{
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (MmChange));
  MmOptimizerConfig o = settings_optimizer (self);

  if (self->trainer == NULL || is_over (mm_trainer_get_state (self->trainer)))
    return;
  mm_live_diff (&self->live_optimizer, self->live_l1, self->live_l2, &o, self->settings.l1, self->settings.l2, changes);
  for (guint i = 0; i < changes->len; i++)
    {
      g_autoptr(GError) error = NULL;
      if (!mm_trainer_change (self->trainer, &g_array_index (changes, MmChange, i), &error))
        g_signal_emit (self, signals[NOTICE], 0, error->message);
    }
  self->live_optimizer = o;
  self->live_l1 = self->settings.l1;
  self->live_l2 = self->settings.l2;
}

/* Copies what the trainer did since the last pull into the session's history. */
static void
pull_history (MmSession *self)
{
  g_autoptr(GArray) points = NULL;
  g_autoptr(GArray) epochs = NULL;

  if (self->trainer == NULL)
    return;
  if (self->trainer != self->read_trainer)
    {
      self->read_trainer = self->trainer;
      self->trainer_steps_read = 0;
      self->trainer_epochs_read = 0;
      self->trainer_changes_read = 0;
    }
  points = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  mm_trainer_get_history (self->trainer, self->trainer_steps_read, points);
  for (guint i = 0; i < points->len; i++)
    {
      MmStepPoint *p = &g_array_index (points, MmStepPoint, i);
      p->step += self->step_offset;
      p->epoch += self->epoch_offset;
    }
  g_array_append_vals (self->history, points->data, points->len);
  self->trainer_steps_read += points->len;
  /* After the steps: a step that used a change comes with it. */
  pull_changes (self);

  epochs = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  mm_trainer_get_epochs (self->trainer, self->trainer_epochs_read, epochs);
  for (guint i = 0; i < epochs->len; i++)
    {
      const MmTrainerRecord *r = &g_array_index (epochs, MmTrainerRecord, i);
      MmProjectEpoch e = { self->epoch_offset + r->epoch + 1, self->step_offset + r->step,
                           r->train_loss, r->train_accuracy, r->test_loss, r->test_accuracy };
      g_array_append_val (self->epochs, e);
    }
  self->trainer_epochs_read += epochs->len;
  if (points->len > 0)
    set_dirty (self, TRUE);
}

/* Keeps the trainer's final weights and frees it. */
static void
retire_trainer (MmSession *self)
{
  g_autoptr(GArray) epochs = g_array_new (FALSE, FALSE, sizeof (MmTrainerRecord));
  MmTrainerRecord progress;

  if (self->trainer == NULL)
    return;
  mm_trainer_stop (self->trainer);
  mm_trainer_wait (self->trainer);
  pull_history (self);
  progress = mm_trainer_get_progress (self->trainer);
  self->step_offset += progress.step;
  self->epoch_offset += mm_trainer_get_epochs (self->trainer, 0, epochs);
  g_clear_pointer (&self->params, mm_params_unref);
  self->params = mm_trainer_snapshot_params (self->trainer);
  g_clear_pointer (&self->trainer, mm_trainer_free);
  self->read_trainer = NULL;
  self->replaying = FALSE;
}

/* Fresh random weights for @model (history starts again). */
static void
fresh_params (MmSession *self,
              MmModule  *model)
{
  g_autoptr(GArray) specs = mm_module_get_params (model);
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->params, mm_params_unref);
  g_clear_pointer (&self->params_model, g_free);
  self->params = mm_params_init (specs, self->settings.init, self->settings.seed, &error);
  if (self->params != NULL)
    self->params_model = mm_module_to_string (model);
  self->step_offset = 0;
  self->epoch_offset = 0;
  g_array_set_size (self->history, 0);
  g_array_set_size (self->epochs, 0);
  g_array_set_size (self->changes, 0);
  g_clear_pointer (&self->run_start, mm_run_record_free);
  self->continued_at = 0;
  g_signal_emit (self, signals[HISTORY_RESET], 0);
}

gboolean
mm_session_can_train (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), FALSE);
  return self->problem == NULL && self->train != NULL;
}

/* A trainer from fresh weights starts the record of a run; one that
 * continues after Stop records what changed in the settings meanwhile, at
 * the step it continues from. */
static void
start_run_record (MmSession *self)
{
  MmOptimizerConfig o = settings_optimizer (self);

  if (self->step_offset == 0 && self->history->len == 0)
    {
      g_array_set_size (self->changes, 0);
      g_clear_pointer (&self->run_start, mm_run_record_free);
      self->run_start = mm_run_record_new ();
      self->run_start->seed = self->settings.seed;
      self->run_start->optimizer = o;
      self->run_start->l1 = self->settings.l1;
      self->run_start->l2 = self->settings.l2;
      self->continued_at = 0;
    }
  else if (self->run_start != NULL)
    {
      g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (MmChange));
      MmRunRecord *r;

      if (self->continued_at == 0)
        self->continued_at = self->step_offset;
      mm_live_diff (&self->live_optimizer, self->live_l1, self->live_l2, &o, self->settings.l1, self->settings.l2,
                    changes);
      r = mm_run_record_new ();
      r->optimizer = self->live_optimizer;
      r->l1 = self->live_l1;
      r->l2 = self->live_l2;
      for (guint i = 0; i < changes->len; i++)
        g_array_index (changes, MmChange, i).step = self->step_offset;
      g_array_append_vals (r->changes, changes->data, changes->len);
      mm_run_record_fill_old (r);
      g_array_append_vals (self->changes, r->changes->data, r->changes->len);
      mm_run_record_free (r);
    }
  self->live_optimizer = o;
  self->live_l1 = self->settings.l1;
  self->live_l2 = self->settings.l2;
  self->trainer_changes_read = 0;
}

static gboolean
ensure_trainer (MmSession  *self,
                GError    **error)
{
  g_autoptr(MmModule) model = NULL;
  g_autoptr(MmLoss) loss = NULL;
  g_autofree char *text = NULL;
  MmTrainerConfig config;

  if (self->trainer != NULL && !is_over (mm_trainer_get_state (self->trainer)))
    return TRUE;
  retire_trainer (self);

  model = build_model (self, FALSE);
  if (model == NULL)
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                           self->problem ? self->problem : _("The network cannot be trained yet"));
      return FALSE;
    }
  loss = make_loss (self, error);
  if (loss == NULL)
    return FALSE;

  /* Continue from the current weights when they belong to this network;
   * a changed network starts afresh, and says so. */
  text = mm_module_to_string (model);
  if (self->params == NULL || g_strcmp0 (text, self->params_model) != 0)
    {
      gboolean had = self->params != NULL;
      fresh_params (self, model);
      if (had)
        g_signal_emit (self, signals[NOTICE], 0, _("The network changed, so training starts from new random weights."));
    }
  if (self->params == NULL)
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_TOO_LARGE, _("Not enough memory for the network's weights"));
      return FALSE;
    }

  mm_trainer_config_init (&config);
  config.model = model;
  config.loss = loss;
  config.optimizer = self->settings.optimizer;
  config.optimizer.decoupled_weight_decay = self->settings.adamw;
  config.l1 = self->settings.l1;
  config.l2 = self->settings.l2;
  config.train = self->train;
  config.test = self->test;
  config.batch_size = self->settings.batch_size;
  /* A batch larger than the data is the whole data set (the steps are the
   * same); say so, rather than show a batch size no step uses. */
  if (config.batch_size > mm_dataset_get_n_samples (self->train))
    {
      g_autofree char *msg = g_strdup_printf (_("The batch size %zu is larger than the %zu training samples: "
                                                "each step uses all %zu (one step per epoch)."),
                                              config.batch_size, mm_dataset_get_n_samples (self->train),
                                              mm_dataset_get_n_samples (self->train));
      config.batch_size = mm_dataset_get_n_samples (self->train);
      g_signal_emit (self, signals[NOTICE], 0, msg);
    }
  config.epochs = self->settings.epochs;
  /* Each continuation shuffles differently, but reproducibly. */
  config.seed = self->settings.seed + self->epoch_offset;
  config.initial_params = self->params;
  config.threads = 1;
  self->replaying = self->replay != NULL;
  config.changes = g_steal_pointer (&self->replay);
  self->trainer = mm_trainer_new (&config, error);
  g_clear_pointer (&config.changes, g_array_unref);
  if (self->trainer == NULL)
    return FALSE;
  start_run_record (self);
  mm_trainer_set_step_delay (self->trainer, self->step_delay);
  return TRUE;
}

gboolean
mm_session_train (MmSession  *self,
                  GError    **error)
{
  g_return_val_if_fail (MM_IS_SESSION (self), FALSE);
  if (!ensure_trainer (self, error))
    return FALSE;
  mm_trainer_start (self->trainer);
  set_state (self, MM_TRAINER_RUNNING);
  return TRUE;
}

void
mm_session_pause (MmSession *self)
{
  g_return_if_fail (MM_IS_SESSION (self));
  if (self->trainer == NULL)
    return;
  mm_trainer_pause (self->trainer);
  set_state (self, mm_trainer_get_state (self->trainer));
}

gboolean
mm_session_step (MmSession  *self,
                 GError    **error)
{
  g_return_val_if_fail (MM_IS_SESSION (self), FALSE);
  if (!ensure_trainer (self, error))
    return FALSE;
  mm_trainer_step_once (self->trainer);
  set_state (self, MM_TRAINER_PAUSED);
  return TRUE;
}

void
mm_session_stop (MmSession *self)
{
  g_return_if_fail (MM_IS_SESSION (self));
  if (self->trainer != NULL)
    mm_trainer_stop (self->trainer);
}

void
mm_session_reset_weights (MmSession *self)
{
  g_autoptr(MmModule) model = NULL;

  g_return_if_fail (MM_IS_SESSION (self));
  retire_trainer (self);
  model = build_model (self, FALSE);
  if (model != NULL)
    fresh_params (self, model);
  else
    {
      g_clear_pointer (&self->params, mm_params_unref);
      self->step_offset = 0;
      self->epoch_offset = 0;
      g_array_set_size (self->history, 0);
      g_array_set_size (self->epochs, 0);
      g_signal_emit (self, signals[HISTORY_RESET], 0);
    }
  set_state (self, MM_TRAINER_READY);
}

void
mm_session_set_lr (MmSession *self,
                   double     lr)
{
  g_return_if_fail (MM_IS_SESSION (self));
  if (!(lr > 0.0) || !isfinite (lr))
    return;
  if (self->settings.optimizer.lr == lr)
    return;
  self->settings.optimizer.lr = lr;
  push_live_changes (self);
  /* The panel shows it even when the change came from elsewhere. */
  g_signal_emit (self, signals[SETTINGS_CHANGED], 0);
}

void
mm_session_set_step_delay (MmSession *self,
                           guint      ms)
{
  g_return_if_fail (MM_IS_SESSION (self));
  self->step_delay = ms;
  if (self->trainer != NULL)
    mm_trainer_set_step_delay (self->trainer, ms);
}

MmTrainerState
mm_session_get_state (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), MM_TRAINER_FAILED);
  return self->state;
}

MmTrainer *
mm_session_get_trainer (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), NULL);
  return self->trainer;
}

guint64
mm_session_get_step_offset (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), 0);
  return self->step_offset;
}

guint
mm_session_get_epoch_offset (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), 0);
  return self->epoch_offset;
}

MmParams *
mm_session_dup_params (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), NULL);
  if (self->trainer != NULL)
    {
      /* A stopped trainer outlives edits of the layers until the next
       * Train: its weights belong to the network it trained, and a project
       * saved with them could not be opened again. */
      g_autoptr(MmModule) model = build_model (self, FALSE);
      g_autofree char *text = model ? mm_module_to_string (model) : NULL;
      g_autofree char *trained = mm_module_to_string (mm_trainer_get_model (self->trainer));
      if (g_strcmp0 (text, trained) != 0)
        return NULL;
      return mm_trainer_snapshot_params (self->trainer);
    }
  if (self->params == NULL)
    {
      /* Before the first Train: the untrained network's random weights, so
       * the views show where training starts from. */
      g_autoptr(MmModule) model = build_model (self, FALSE);
      if (model != NULL)
        {
          g_autoptr(GArray) specs = mm_module_get_params (model);
          self->params = mm_params_init (specs, self->settings.init, self->settings.seed, NULL);
          self->params_model = mm_module_to_string (model);
        }
    }
  else
    {
      /* Weights of another network (the layers changed) show nothing. */
      g_autoptr(MmModule) model = build_model (self, FALSE);
      g_autofree char *text = model ? mm_module_to_string (model) : NULL;
      if (g_strcmp0 (text, self->params_model) != 0)
        return NULL;
    }
  return self->params ? mm_params_ref (self->params) : NULL;
}

guint
mm_session_poll (MmSession *self,
                 GArray    *records)
{
  guint n;

  g_return_val_if_fail (MM_IS_SESSION (self), 0);
  if (self->trainer == NULL)
    return 0;
  pull_history (self);
  n = mm_trainer_drain (self->trainer, records);
  for (guint i = 0; i < n; i++)
    {
      const MmTrainerRecord *r = &g_array_index (records, MmTrainerRecord, records->len - n + i);
      if (r->kind == MM_RECORD_STATE)
        set_state (self, r->state);
    }
  return n;
}

/* ---- History and projects ---------------------------------------------------- */

guint
mm_session_get_history (MmSession *self,
                        guint64    from,
                        GArray    *points)
{
  g_return_val_if_fail (MM_IS_SESSION (self), 0);
  if (from >= self->history->len)
    return 0;
  g_array_append_vals (points, &g_array_index (self->history, MmStepPoint, from), self->history->len - from);
  return self->history->len - (guint) from;
}

guint
mm_session_get_changes (MmSession *self,
                        guint      from,
                        GArray    *changes)
{
  g_return_val_if_fail (MM_IS_SESSION (self), 0);
  if (from >= self->changes->len)
    return 0;
  g_array_append_vals (changes, &g_array_index (self->changes, MmChange, from), self->changes->len - from);
  return self->changes->len - from;
}

gboolean
mm_session_can_replay (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), FALSE);
  return self->run_start != NULL && self->history->len > 0;
}

gboolean
mm_session_replay (MmSession  *self,
                   GError    **error)
{
  g_autoptr(MmModule) model = NULL;
  g_autoptr(MmRunRecord) run = NULL;
  guint64 continued_at = self->continued_at;

  g_return_val_if_fail (MM_IS_SESSION (self), FALSE);
  if (!mm_session_can_replay (self))
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                           _("There is no run to replay: train from new weights first"));
      return FALSE;
    }
  model = build_model (self, FALSE);
  if (model == NULL || self->train == NULL)
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                           self->problem ? self->problem : _("The network cannot be trained yet"));
      return FALSE;
    }
  retire_trainer (self);
  run = mm_run_record_copy (self->run_start);
  g_array_append_vals (run->changes, self->changes->data, self->changes->len);

  /* From scratch: the run's seed and first settings, new weights from
   * that seed; the trainer applies each change at its step. */
  self->settings.seed = run->seed;
  self->settings.optimizer = run->optimizer;
  self->settings.adamw = run->optimizer.kind == MM_OPTIMIZER_ADAM && run->optimizer.decoupled_weight_decay;
  self->settings.l1 = run->l1;
  self->settings.l2 = run->l2;
  fresh_params (self, model);
  g_clear_pointer (&self->replay, g_array_unref);
  self->replay = g_array_ref (run->changes);
  g_signal_emit (self, signals[SETTINGS_CHANGED], 0);
  if (!mm_session_train (self, error))
    return FALSE;
  if (continued_at > 0)
    {
      g_autofree char *msg = g_strdup_printf (_("The run was stopped and continued at step %zu, with new "
                                                "shuffling: the replay is the same only up to there."),
                                              (gsize) continued_at);
      g_signal_emit (self, signals[NOTICE], 0, msg);
    }
  return TRUE;
}

guint
mm_session_get_epochs (MmSession *self,
                       guint      from,
                       GArray    *epochs)
{
  g_return_val_if_fail (MM_IS_SESSION (self), 0);
  if (from >= self->epochs->len)
    return 0;
  g_array_append_vals (epochs, &g_array_index (self->epochs, MmProjectEpoch, from), self->epochs->len - from);
  return self->epochs->len - from;
}

gsize
mm_session_get_batches_per_epoch (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), 0);
  if (self->train == NULL || self->settings.batch_size == 0)
    return 0;
  return (mm_dataset_get_n_samples (self->train) + self->settings.batch_size - 1) / self->settings.batch_size;
}

gboolean
mm_session_is_dirty (MmSession *self)
{
  g_return_val_if_fail (MM_IS_SESSION (self), FALSE);
  return self->dirty;
}

void
mm_session_set_clean (MmSession *self)
{
  g_return_if_fail (MM_IS_SESSION (self));
  set_dirty (self, FALSE);
}

/* A layer that does not fit the shape flowing in (the network has a
 * problem) is still saved, with its input size guessed and settings the core
 * refuses brought into range, so that the project opens again and shows the
 * same layers. */
static char *
layer_fallback_text (const MmLayerSpec *spec,
                     const MmShape     *in,
                     guint              symbols)
{
  gsize channels = in->ndim >= 2 ? in->dim[1] : 1;
  gsize features = in->ndim >= 2 ? MAX (in->dim[in->ndim - 1], 1) : 1;
  /* Attention's width must split into the heads. */
  gsize width = features % MAX (spec->heads, 1) == 0 ? features : MAX (spec->heads, 1);

  switch (spec->kind)
    {
    case MM_LAYER_EMBEDDING:
      return g_strdup_printf ("Embedding(%u, %u)", MAX (symbols, 1), spec->units);
    case MM_LAYER_RNN:
    case MM_LAYER_LSTM:
      return g_strdup_printf ("%s(%" G_GSIZE_FORMAT ", %u, %u)", spec->kind == MM_LAYER_LSTM ? "LSTM" : "RNN",
                              features, spec->units, spec->layers);
    case MM_LAYER_LAST:
      return g_strdup ("Last");
    case MM_LAYER_LAYER_NORM:
      return g_strdup_printf ("LayerNorm(%" G_GSIZE_FORMAT ")", features);
    case MM_LAYER_POSITIONAL:
      return g_strdup_printf ("PositionalEncoding(%" G_GSIZE_FORMAT ")", features);
    case MM_LAYER_ATTENTION:
      return g_strdup_printf ("MultiheadAttention(%" G_GSIZE_FORMAT ", %u%s)", width, spec->heads,
                              spec->causal ? ", 1" : "");
    case MM_LAYER_TRANSFORMER:
      return g_strdup_printf ("TransformerBlock(%" G_GSIZE_FORMAT ", %u, %u%s)", width, spec->heads, spec->units,
                              spec->causal ? ", 1" : "");
    case MM_LAYER_LINEAR:
      return g_strdup_printf ("Linear(%" G_GSIZE_FORMAT ", %u)", in->ndim ? in->dim[in->ndim - 1] : 1, spec->units);
    case MM_LAYER_FLATTEN:
      return g_strdup ("Flatten");
    case MM_LAYER_IMAGE:
      {
        gsize n = sample_size (in);
        if (spec->height > 0 && spec->width > 0)
          return g_strdup_printf ("Reshape(1, %u, %u)", spec->height, spec->width);
        return g_strdup_printf ("Reshape(1, 1, %" G_GSIZE_FORMAT ")", MAX (n, 1));
      }
    case MM_LAYER_CONV2D:
      return g_strdup_printf ("Conv2d(%" G_GSIZE_FORMAT ", %u, %u, %u, %u, %u)", channels, spec->units,
                              spec->kernel, spec->stride,
                              MIN (spec->padding, spec->dilation * (spec->kernel - 1)), spec->dilation);
    case MM_LAYER_MAX_POOL:
    case MM_LAYER_AVG_POOL:
      return g_strdup_printf ("%s(%u, %u, %u)", spec->kind == MM_LAYER_MAX_POOL ? "MaxPool2d" : "AvgPool2d",
                              spec->kernel, spec->stride, MIN (spec->padding, spec->kernel / 2));
    case MM_LAYER_DROPOUT:
    case MM_LAYER_BATCH_NORM:
      {
        g_autoptr(MmModule) m = spec->kind == MM_LAYER_DROPOUT
          ? mm_module_dropout_new (spec->rate, NULL)
          : mm_module_batch_norm_new (in->ndim == 4 ? 2 : 1, channels, spec->eps, spec->momentum, NULL);
        return m ? mm_module_to_string (m) : g_strdup ("Dropout(0)");
      }
    case MM_LAYER_ACTIVATION:
    default:
      if (spec->op == MM_OP_LEAKY_RELU)
        return g_strdup_printf ("LeakyReLU(%g)", spec->param);
      return g_strdup (mm_op_kind_name (spec->op));
    }
}

/* The layer list as the core's text form: Linear's input size (and Conv2d's
 * input channels, BatchNorm's features) follow from the shape flowing in, as
 * in build_model, so it needs the data's sample shape. */
static char *
network_text (MmSession  *self,
              GError    **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  MmShape shape;

  if (self->train == NULL)
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                           _("The data are not loaded yet; try again in a moment."));
      return NULL;
    }
  mm_shape_scalar (&shape);
  {
    const MmShape *sample = mm_dataset_get_sample_shape (self->train);
    shape.ndim = sample->ndim + 1;
    shape.dim[0] = 1;
    memcpy (shape.dim + 1, sample->dim, sample->ndim * sizeof (gsize));
  }
  for (guint i = 0; i < self->layers->len; i++)
    {
      const MmLayerSpec *spec = &g_array_index (self->layers, MmLayerSpec, i);
      g_autoptr(MmModule) m = NULL;
      g_autofree char *title = NULL;
      g_autofree char *layer = NULL;
      MmShape out;

      if (i > 0)
        g_string_append (text, "; ");
      m = layer_module (spec, &shape, self->symbols, i == 0, &out, &title, NULL);
      if (m != NULL)
        {
          layer = mm_module_to_string (m);
          shape = out;
        }
      else
        layer = layer_fallback_text (spec, &shape, self->symbols);
      g_string_append (text, layer);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

MmProject *
mm_session_to_project (MmSession  *self,
                       GError    **error)
{
  g_autoptr(MmProject) p = mm_project_new ();
  const MmSessionSettings *s = &self->settings;
  g_autofree char *text = NULL;

  g_return_val_if_fail (MM_IS_SESSION (self), NULL);
  text = network_text (self, error);
  if (text == NULL)
    return NULL;
  if (self->trainer != NULL)
    pull_history (self);
  g_free (p->network);
  p->network = g_steal_pointer (&text);
  p->data = s->data == MM_DATA_FASHION_MNIST ? MM_PROJECT_DATA_FASHION_MNIST
          : s->data == MM_DATA_TOY ? MM_PROJECT_DATA_TOY
          : s->data == MM_DATA_TEXT ? MM_PROJECT_DATA_TEXT
          : s->data == MM_DATA_BRACKETS ? MM_PROJECT_DATA_BRACKETS : MM_PROJECT_DATA_CSV;
  p->seq_len = s->seq_len;
  p->toy = s->toy;
  p->toy_samples = s->toy_samples;
  p->toy_noise = s->toy_noise;
  p->toy_classes = s->toy_classes;
  /* The app trains on the shipped text only: no path. */
  p->data_path = s->data == MM_DATA_TEXT || s->data == MM_DATA_BRACKETS ? NULL : g_strdup (s->csv_path);
  p->loss = s->loss == MM_LOSS_MSE ? MM_PROJECT_LOSS_MSE : MM_PROJECT_LOSS_CROSS_ENTROPY;
  p->label_smoothing = s->label_smoothing;
  p->optimizer = s->optimizer;
  p->optimizer.decoupled_weight_decay = s->adamw;
  p->l1 = s->l1;
  p->l2 = s->l2;
  p->batch_size = s->batch_size;
  p->epochs = s->epochs;
  p->seed = s->seed;
  p->init = s->init;
  g_array_append_vals (p->steps, self->history->data, self->history->len);
  g_array_append_vals (p->epoch_results, self->epochs->data, self->epochs->len);
  if (self->run_start != NULL)
    {
      p->run = mm_run_record_copy (self->run_start);
      g_array_append_vals (p->run->changes, self->changes->data, self->changes->len);
    }
  /* Trained weights are saved; untrained ones are drawn again from the seed. */
  if (self->history->len > 0)
    {
      g_autoptr(MmParams) params = mm_session_dup_params (self);
      if (params != NULL)
        p->weights = mm_params_copy (params);
    }
  return g_steal_pointer (&p);
}

gboolean
mm_session_apply_project (MmSession        *self,
                          const MmProject  *p,
                          GError          **error)
{
  g_autoptr(MmModule) net = NULL;
  g_autoptr(GArray) layers = g_array_new (FALSE, FALSE, sizeof (MmLayerSpec));
  MmSessionSettings *s = &self->settings;

  g_return_val_if_fail (MM_IS_SESSION (self) && p != NULL, FALSE);

  if (p->data == MM_PROJECT_DATA_IDX_DIR)
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                           _("This project trains on a directory of IDX files, which only myml-train reads."));
      return FALSE;
    }
  if (p->data == MM_PROJECT_DATA_TEXT && p->data_path != NULL)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   _("This project trains on the text %s, which only myml-train reads; the app trains on "
                     "its shipped text."), p->data_path);
      return FALSE;
    }
  net = mm_module_parse (p->network, error);
  if (net == NULL)
    return FALSE;
  for (guint i = 0; i < mm_module_get_n_children (net); i++)
    {
      MmModule *m = mm_module_get_child (net, i);
      MmLayerSpec spec;
      gsize out, kernel, stride, padding, dilation;
      gboolean max;
      MmShape sample;
      MmOp op;
      gsize dim, heads, hidden, n_layers;
      gboolean lstm, causal;

      /* Sizes that follow from the data (in features, in channels) are not
       * kept: the app works them out again from the shape flowing in. */
      if (mm_module_get_linear_features (m, NULL, &out))
        {
          layer_spec_init (&spec, MM_LAYER_LINEAR);
          spec.units = (guint) out;
        }
      else if (mm_module_get_activation_op (m, &op))
        {
          layer_spec_init (&spec, MM_LAYER_ACTIVATION);
          spec.op = op.kind;
          spec.param = op.param;
        }
      else if (g_str_equal (mm_module_get_type_name (m), "Flatten"))
        layer_spec_init (&spec, MM_LAYER_FLATTEN);
      else if (mm_module_get_conv2d (m, NULL, &out, &kernel, &stride, &padding, &dilation))
        {
          layer_spec_init (&spec, MM_LAYER_CONV2D);
          spec.units = (guint) out;
          spec.kernel = (guint) kernel;
          spec.stride = (guint) stride;
          spec.padding = (guint) padding;
          spec.dilation = (guint) dilation;
        }
      else if (mm_module_get_pool2d (m, &max, &kernel, &stride, &padding))
        {
          layer_spec_init (&spec, max ? MM_LAYER_MAX_POOL : MM_LAYER_AVG_POOL);
          spec.kernel = (guint) kernel;
          spec.stride = (guint) stride;
          spec.padding = (guint) padding;
        }
      else if (mm_module_get_dropout (m, &spec.rate))
        {
          double rate = spec.rate;
          layer_spec_init (&spec, MM_LAYER_DROPOUT);
          spec.rate = rate;
        }
      else if (mm_module_get_batch_norm (m, NULL, NULL, &spec.eps, &spec.momentum))
        {
          double eps = spec.eps, momentum = spec.momentum;
          layer_spec_init (&spec, MM_LAYER_BATCH_NORM);
          spec.eps = eps;
          spec.momentum = momentum;
        }
      else if (mm_module_get_embedding (m, NULL, &dim) && dim <= G_MAXUINT)
        {
          /* The number of symbols follows from the data. */
          layer_spec_init (&spec, MM_LAYER_EMBEDDING);
          spec.units = (guint) dim;
        }
      else if (mm_module_get_rnn (m, &lstm, NULL, &hidden, &n_layers) && hidden <= G_MAXUINT
               && n_layers <= MM_SESSION_MAX_RNN_LAYERS)
        {
          layer_spec_init (&spec, lstm ? MM_LAYER_LSTM : MM_LAYER_RNN);
          spec.units = (guint) hidden;
          spec.layers = (guint) n_layers;
        }
      else if (mm_module_is_last (m))
        layer_spec_init (&spec, MM_LAYER_LAST);
      else if (mm_module_get_layer_norm (m, NULL))
        layer_spec_init (&spec, MM_LAYER_LAYER_NORM);
      else if (mm_module_get_positional_encoding (m, NULL, NULL))
        layer_spec_init (&spec, MM_LAYER_POSITIONAL);
      else if (mm_module_get_multihead_attention (m, NULL, &heads, &causal) && heads <= 4096)
        {
          layer_spec_init (&spec, MM_LAYER_ATTENTION);
          spec.heads = (guint) heads;
          spec.causal = causal;
        }
      else if (mm_module_get_transformer_block (m, NULL, &heads, &hidden, &causal) && heads <= 4096
               && hidden <= G_MAXUINT)
        {
          layer_spec_init (&spec, MM_LAYER_TRANSFORMER);
          spec.heads = (guint) heads;
          spec.units = (guint) hidden;
          spec.causal = causal;
        }
      else if (mm_module_get_reshape (m, &sample) && sample.ndim == 3 && sample.dim[0] == 1
               && sample.dim[1] <= G_MAXUINT && sample.dim[2] <= G_MAXUINT)
        {
          layer_spec_init (&spec, MM_LAYER_IMAGE);
          spec.height = (guint) sample.dim[1];
          spec.width = (guint) sample.dim[2];
        }
      else
        {
          g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                       _("Layer %u (%s) cannot be shown in the app"), i, mm_module_get_type_name (m));
          return FALSE;
        }
      g_array_append_val (layers, spec);
    }

  /* Everything checked: now change. */
  retire_trainer (self);
  g_array_set_size (self->layers, 0);
  g_array_append_vals (self->layers, layers->data, layers->len);
  s->data = p->data == MM_PROJECT_DATA_FASHION_MNIST ? MM_DATA_FASHION_MNIST
          : p->data == MM_PROJECT_DATA_TOY ? MM_DATA_TOY
          : p->data == MM_PROJECT_DATA_TEXT ? MM_DATA_TEXT
          : p->data == MM_PROJECT_DATA_BRACKETS ? MM_DATA_BRACKETS : MM_DATA_CSV;
  s->seq_len = p->seq_len;
  s->toy = p->toy;
  s->toy_samples = p->toy_samples;
  s->toy_noise = p->toy_noise;
  s->toy_classes = p->toy_classes;
  g_free (s->csv_path);
  s->csv_path = g_strdup (p->data_path);
  s->loss = p->loss == MM_PROJECT_LOSS_MSE ? MM_LOSS_MSE : MM_LOSS_CROSS_ENTROPY;
  s->label_smoothing = p->label_smoothing;
  s->optimizer = p->optimizer;
  s->adamw = p->optimizer.kind == MM_OPTIMIZER_ADAM && p->optimizer.decoupled_weight_decay;
  s->l1 = p->l1;
  s->l2 = p->l2;
  s->batch_size = p->batch_size;
  s->epochs = p->epochs;
  s->seed = p->seed;
  s->init = p->init;

  g_clear_pointer (&self->params, mm_params_unref);
  g_clear_pointer (&self->params_model, g_free);
  if (p->weights != NULL)
    {
      self->params = mm_params_copy (p->weights);
      self->params_model = mm_module_to_string (net);
    }
  g_array_set_size (self->history, 0);
  g_array_set_size (self->epochs, 0);
  g_array_append_vals (self->history, p->steps->data, p->steps->len);
  g_array_append_vals (self->epochs, p->epoch_results->data, p->epoch_results->len);
  self->step_offset = self->history->len > 0 ? g_array_index (self->history, MmStepPoint, self->history->len - 1).step : 0;
  self->epoch_offset = self->epochs->len > 0 ? g_array_index (self->epochs, MmProjectEpoch, self->epochs->len - 1).epoch : 0;
  g_array_set_size (self->changes, 0);
  g_clear_pointer (&self->run_start, mm_run_record_free);
  self->continued_at = 0;
  if (p->run != NULL)
    {
      self->run_start = mm_run_record_copy (p->run);
      mm_run_record_fill_old (self->run_start);
      g_array_append_vals (self->changes, self->run_start->changes->data, self->run_start->changes->len);
      g_array_set_size (self->run_start->changes, 0);
    }

  set_state (self, MM_TRAINER_READY);
  g_signal_emit (self, signals[HISTORY_RESET], 0);
  mm_session_settings_changed (self);
  set_dirty (self, FALSE);
  return TRUE;
}

gboolean
mm_session_import_weights (MmSession  *self,
                           MmParams   *params,
                           GError    **error)
{
  g_autoptr(MmModule) model = NULL;
  g_autoptr(GArray) specs = NULL;

  g_return_val_if_fail (MM_IS_SESSION (self) && params != NULL, FALSE);
  model = build_model (self, FALSE);
  if (model == NULL)
    {
      g_set_error_literal (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                           self->problem ? self->problem : _("The network cannot be built yet"));
      return FALSE;
    }
  specs = mm_module_get_params (model);
  if (!mm_params_check (params, specs, error))
    return FALSE;

  retire_trainer (self);
  g_clear_pointer (&self->params, mm_params_unref);
  g_clear_pointer (&self->params_model, g_free);
  self->params = mm_params_copy (params);
  self->params_model = mm_module_to_string (model);
  self->step_offset = 0;
  self->epoch_offset = 0;
  g_array_set_size (self->history, 0);
  g_array_set_size (self->epochs, 0);
  set_state (self, MM_TRAINER_READY);
  g_signal_emit (self, signals[HISTORY_RESET], 0);
  set_dirty (self, TRUE);
  return TRUE;
}

/* The characters of the shipped text: a character model's first and last
 * layers are sized by them, before the data are loaded. The text is small
 * (a few ten thousand characters), so this is quick. */
static guint
shipped_text_symbols (GError **error)
{
  g_autofree char *path = mm_text_find (MM_TEXT_DEFAULT);
  g_autoptr(MmDataset) text = NULL;

  if (path == NULL)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_IO, _("The shipped text %s.txt is not installed"), MM_TEXT_DEFAULT);
      return 0;
    }
  text = mm_text_dataset_load (path, 64, error);
  return text != NULL ? mm_dataset_get_n_classes (text) : 0;
}

gboolean
mm_session_apply_preset (MmSession   *self,
                         const char  *name,
                         GError     **error)
{
  g_autoptr(MmProject) p = mm_project_new ();

  g_return_val_if_fail (MM_IS_SESSION (self) && name != NULL, FALSE);
  g_free (p->network);
  p->network = NULL;
  p->data = MM_PROJECT_DATA_TOY;
  p->toy = MM_TOY_SPIRAL;
  p->toy_samples = 1000;
  p->toy_noise = 0.1;
  p->toy_classes = 3;
  mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_ADAM);
  p->optimizer.lr = 0.01;
  p->batch_size = 32;
  p->epochs = 200;

  if (g_str_equal (name, "xor"))
    {
      p->network = g_strdup ("Linear(2, 8); Tanh; Linear(8, 2)");
      p->toy = MM_TOY_XOR;
      p->toy_samples = 400;
      p->toy_classes = 2;
      p->optimizer.lr = 0.03;
      p->batch_size = 16;
      p->epochs = 100;
    }
  else if (g_str_equal (name, "spiral"))
    p->network = g_strdup ("Linear(2, 16); Tanh; Linear(16, 16); Tanh; Linear(16, 3)");
  else if (g_str_equal (name, "fashion"))
    {
      p->network = g_strdup ("Flatten; Linear(784, 100); ReLU; Linear(100, 100); ReLU; Linear(100, 10)");
      p->data = MM_PROJECT_DATA_FASHION_MNIST;
      mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_SGD);
      p->batch_size = 64;
      p->epochs = 10;
    }
  else if (g_str_equal (name, "lenet"))
    {
      /* LeCun's LeNet-5 in PyTorch's words, on Fashion-MNIST: two convolutions
       * with pooling, then three Linear layers. */
      p->network = g_strdup ("Reshape(1, 28, 28); Conv2d(1, 6, 5); ReLU; MaxPool2d(2); Conv2d(6, 16, 5); ReLU; "
                             "MaxPool2d(2); Flatten; Linear(256, 120); ReLU; Linear(120, 84); ReLU; Linear(84, 10)");
      p->data = MM_PROJECT_DATA_FASHION_MNIST;
      p->optimizer.lr = 1e-3;
      p->batch_size = 64;
      p->epochs = 5;
    }
  else if (g_str_equal (name, "overfitting"))
    {
      /* Few noisy points and far too many weights: the training loss goes to
       * zero while the test loss turns back up. */
      p->network = g_strdup ("Linear(2, 128); ReLU; Linear(128, 128); ReLU; Linear(128, 3)");
      p->toy_samples = 60;
      p->toy_noise = 0.3;
      p->batch_size = 16;
      p->epochs = 1500;
    }
  else if (g_str_equal (name, "bad-lr"))
    {
      /* SGD with a learning rate a hundred times too large. */
      p->network = g_strdup ("Linear(2, 16); Tanh; Linear(16, 16); Tanh; Linear(16, 3)");
      mm_optimizer_config_init (&p->optimizer, MM_OPTIMIZER_SGD);
      p->optimizer.lr = 20.0;
      p->epochs = 100;
    }
  else if (g_str_equal (name, "text-lstm") || g_str_equal (name, "text-transformer"))
    {
      /* A character model of the shipped text: each character's vector,
       * then a sequence layer, then scores for the next character. */
      guint V = shipped_text_symbols (error);
      if (V == 0)
        return FALSE;
      if (g_str_equal (name, "text-lstm"))
        p->network = g_strdup_printf ("Embedding(%u, 32); LSTM(32, 64); Linear(64, %u)", V, V);
      else
        p->network = g_strdup_printf ("Embedding(%u, 32); PositionalEncoding(32); TransformerBlock(32, 2, 64, 1); "
                                      "LayerNorm(32); Linear(32, %u)", V, V);
      p->data = MM_PROJECT_DATA_TEXT;
      p->seq_len = g_str_equal (name, "text-lstm") ? 64 : 32;
      p->optimizer.lr = 3e-3;
      p->batch_size = 32;
      p->epochs = 40;
    }
  else if (g_str_equal (name, "brackets-lstm"))
    {
      /* Balanced or not: the LSTM reads the string, Last keeps what it
       * concluded at the end. */
      p->network = g_strdup ("Embedding(2, 8); LSTM(8, 32); Last; Linear(32, 2)");
      p->data = MM_PROJECT_DATA_BRACKETS;
      p->toy_samples = 2000;
      p->seq_len = 16;
      p->optimizer.lr = 3e-3;
      p->batch_size = 32;
      p->epochs = 30;
    }
  else
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, _("Unknown preset “%s”"), name);
      return FALSE;
    }
  return mm_session_apply_project (self, p, error);
}

/* ---- Object ------------------------------------------------------------------- */

static void
mm_session_dispose (GObject *object)
{
  MmSession *self = MM_SESSION (object);

  if (self->data_cancellable)
    g_cancellable_cancel (self->data_cancellable);
  g_clear_object (&self->data_cancellable);
  /* Closing the window mid-training: stop after the current batch and wait. */
  g_clear_pointer (&self->trainer, mm_trainer_free);
  G_OBJECT_CLASS (mm_session_parent_class)->dispose (object);
}

static void
mm_session_finalize (GObject *object)
{
  MmSession *self = MM_SESSION (object);

  g_array_unref (self->layers);
  g_array_unref (self->checks);
  g_free (self->problem);
  g_free (self->settings.csv_path);
  g_free (self->data_message);
  g_clear_pointer (&self->request, data_request_free);
  g_clear_pointer (&self->train, mm_dataset_unref);
  g_clear_pointer (&self->test, mm_dataset_unref);
  g_clear_pointer (&self->params, mm_params_unref);
  g_free (self->params_model);
  g_array_unref (self->history);
  g_array_unref (self->changes);
  g_clear_pointer (&self->run_start, mm_run_record_free);
  g_clear_pointer (&self->replay, g_array_unref);
  g_array_unref (self->epochs);
  G_OBJECT_CLASS (mm_session_parent_class)->finalize (object);
}

static void
mm_session_class_init (MmSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mm_session_dispose;
  object_class->finalize = mm_session_finalize;

  signals[MODEL_CHANGED] = g_signal_new ("model-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SETTINGS_CHANGED] = g_signal_new ("settings-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[DATA_CHANGED] = g_signal_new ("data-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[STATE_CHANGED] = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[HISTORY_RESET] = g_signal_new ("history-reset", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[DIRTY_CHANGED] = g_signal_new ("dirty-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[NOTICE] = g_signal_new ("notice", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static const MmLayerSpec seed_mlp[] = {
  { .kind = MM_LAYER_FLATTEN },
  { .kind = MM_LAYER_LINEAR, .units = 100 },
  { .kind = MM_LAYER_ACTIVATION, .op = MM_OP_RELU },
  { .kind = MM_LAYER_LINEAR, .units = 100 },
  { .kind = MM_LAYER_ACTIVATION, .op = MM_OP_RELU },
  { .kind = MM_LAYER_LINEAR, .units = 10 },
};

static const MmLayerSpec spiral_mlp[] = {
  { .kind = MM_LAYER_LINEAR, .units = 16 },
  { .kind = MM_LAYER_ACTIVATION, .op = MM_OP_TANH },
  { .kind = MM_LAYER_LINEAR, .units = 16 },
  { .kind = MM_LAYER_ACTIVATION, .op = MM_OP_TANH },
  { .kind = MM_LAYER_LINEAR, .units = 3 },
};

static gboolean
fashion_mnist_installed (void)
{
  g_autofree char *path = g_build_filename (mm_dataset_get_fashion_mnist_dir (),
                                            "train-images-idx3-ubyte.gz", NULL);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
mm_session_init (MmSession *self)
{
  MmSessionSettings *s = &self->settings;

  self->layers = g_array_new (FALSE, FALSE, sizeof (MmLayerSpec));
  self->checks = g_array_new (FALSE, TRUE, sizeof (MmLayerCheck));
  g_array_set_clear_func (self->checks, (GDestroyNotify) layer_check_clear);
  self->state = MM_TRAINER_READY;
  self->history = g_array_new (FALSE, FALSE, sizeof (MmStepPoint));
  self->changes = g_array_new (FALSE, FALSE, sizeof (MmChange));
  self->epochs = g_array_new (FALSE, FALSE, sizeof (MmProjectEpoch));

  /* A ready demo: the seed's MLP on Fashion-MNIST when it is installed,
   * otherwise a spiral that a small network untangles in seconds. */
  s->toy = MM_TOY_SPIRAL;
  s->toy_samples = 1000;
  s->toy_noise = 0.1;
  s->toy_classes = 3;
  s->seq_len = 64;
  s->loss = MM_LOSS_CROSS_ENTROPY;
  s->seed = 42;
  s->init = MM_INIT_XAVIER_UNIFORM;
  if (fashion_mnist_installed () && g_getenv ("MYML_DEMO_TOY") == NULL)
    {
      s->data = MM_DATA_FASHION_MNIST;
      mm_optimizer_config_init (&s->optimizer, MM_OPTIMIZER_SGD);
      s->batch_size = 64;
      s->epochs = 10;
      g_array_append_vals (self->layers, seed_mlp, G_N_ELEMENTS (seed_mlp));
    }
  else
    {
      s->data = MM_DATA_TOY;
      mm_optimizer_config_init (&s->optimizer, MM_OPTIMIZER_ADAM);
      s->optimizer.lr = 0.01;
      s->batch_size = 32;
      s->epochs = 200;
      g_array_append_vals (self->layers, spiral_mlp, G_N_ELEMENTS (spiral_mlp));
    }
  load_data (self);
  recheck (self);
  self->dirty = FALSE;
}

MmSession *
mm_session_new (void)
{
  return g_object_new (MM_TYPE_SESSION, NULL);
}
