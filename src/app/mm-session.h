/* mm-session.h — what the window edits and runs: the network as a list of
 * layers, the training settings, the data, and the trainer.
 *
 * The session is the app's controller. Widgets change it through its
 * functions and redraw when it emits "model-changed", "settings-changed",
 * "data-changed" or "state-changed". It never touches a widget, and it talks
 * to the worker thread only through MmTrainer.
 */
#pragma once

#include <gtk/gtk.h>
#include <myml.h>

G_BEGIN_DECLS

typedef enum {
  MM_LAYER_LINEAR,
  MM_LAYER_ACTIVATION,
  MM_LAYER_FLATTEN,
  MM_LAYER_IMAGE,       /* (N, H, W) or (N, H·W) → (N, 1, H, W) */
  MM_LAYER_CONV2D,
  MM_LAYER_MAX_POOL,
  MM_LAYER_AVG_POOL,
  MM_LAYER_DROPOUT,
  MM_LAYER_BATCH_NORM,  /* BatchNorm2d on images, BatchNorm1d on rows */
  /* Layers for sequences, (batch, time, features): */
  MM_LAYER_EMBEDDING,   /* ids of symbols (batch, time) → vectors; the first layer */
  MM_LAYER_RNN,         /* tanh, unrolled over time */
  MM_LAYER_LSTM,
  MM_LAYER_LAST,        /* the last time step: (batch, time, F) → (batch, F) */
  MM_LAYER_LAYER_NORM,
  MM_LAYER_ATTENTION,   /* multi-head self-attention */
  MM_LAYER_POSITIONAL,  /* sinusoidal positional encoding */
  MM_LAYER_TRANSFORMER, /* pre-norm block: attention and MLP with residuals */
} MmLayerKind;

/* A layer as the user set it up. Sizes that follow from the data (Linear's
 * inputs, Conv2d's input channels, BatchNorm's features) are not stored:
 * they come from the shape flowing in. */
typedef struct {
  MmLayerKind kind;
  guint units;          /* Linear: output features; Conv2d: output channels;
                           Embedding: vector size; RNN, LSTM: hidden size;
                           Transformer block: the MLP's width */
  MmOpKind op;          /* activation */
  float param;          /* LeakyReLU slope */
  guint kernel;         /* Conv2d, pooling: the (square) window */
  guint stride;         /* Conv2d, pooling */
  guint padding;        /* Conv2d, pooling: zeros added on each side */
  guint dilation;       /* Conv2d */
  double rate;          /* Dropout: the probability of dropping a number */
  double eps, momentum; /* BatchNorm (kept from projects; PyTorch's defaults) */
  guint height, width;  /* Image: the size a project gave (0: from the data);
                           used when it fits the data */
  guint heads;          /* Attention, Transformer block */
  guint layers;         /* RNN, LSTM: stacked layers */
  gboolean causal;      /* Attention, Transformer block: position t sees ≤ t only */
} MmLayerSpec;

/* Stacked RNN/LSTM layers at most (each unrolls the whole sequence). */
#define MM_SESSION_MAX_RNN_LAYERS 8

/* The settings of a layer that the model builder edits in place. */
typedef enum {
  MM_LAYER_SETTING_UNITS,     /* Linear: outputs; Conv2d: filters (output channels) */
  MM_LAYER_SETTING_KERNEL,    /* Conv2d, pooling */
  MM_LAYER_SETTING_STRIDE,    /* Conv2d, pooling */
  MM_LAYER_SETTING_PADDING,   /* Conv2d, pooling */
  MM_LAYER_SETTING_DILATION,  /* Conv2d */
  MM_LAYER_SETTING_RATE,      /* Dropout: p, 0 ≤ p < 1 */
  MM_LAYER_SETTING_SLOPE,     /* LeakyReLU */
  MM_LAYER_SETTING_HEADS,     /* Attention, Transformer block */
  MM_LAYER_SETTING_LAYERS,    /* RNN, LSTM */
  MM_LAYER_SETTING_CAUSAL,    /* Attention, Transformer block: 0 or 1 */
} MmLayerSetting;

typedef enum {
  MM_DATA_FASHION_MNIST,
  MM_DATA_TOY,
  MM_DATA_CSV,
  MM_DATA_TEXT,         /* the shipped text, next character (mm-seqdata.h) */
  MM_DATA_BRACKETS,     /* are the brackets balanced? */
} MmDataKind;

typedef enum {
  MM_LOSS_CROSS_ENTROPY,
  MM_LOSS_MSE,
} MmLossKind;

typedef struct {
  MmDataKind data;
  MmToyKind toy;
  guint toy_samples;
  double toy_noise;
  guint toy_classes;
  char *csv_path;
  guint seq_len;        /* text: characters per sample; brackets: per string */
  MmLossKind loss;
  double label_smoothing;
  MmOptimizerConfig optimizer;
  gboolean adamw;
  double l1, l2;
  guint batch_size;
  guint epochs;
  guint32 seed;
  MmInitKind init;
} MmSessionSettings;

/* What the layer list looks like for the current data: per layer its output
 * shape, parameter count and, at the layer at fault, why the network cannot
 * train. */
typedef struct {
  char *shape;          /* "(64, 100)" */
  gsize n_params;
  char *error;          /* NULL when fine */
  char *title;          /* the layer as built for these data, when it could be:
                           "BatchNorm2d", "Image (1×28×28)"; otherwise NULL */
} MmLayerCheck;

typedef enum {
  MM_DATA_STATE_LOADING,
  MM_DATA_STATE_READY,
  MM_DATA_STATE_FAILED,
} MmDataState;

#define MM_TYPE_SESSION (mm_session_get_type ())
G_DECLARE_FINAL_TYPE (MmSession, mm_session, MM, SESSION, GObject)

MmSession               *mm_session_new             (void);

/* The network. */
guint                    mm_session_get_n_layers    (MmSession        *self);
const MmLayerSpec       *mm_session_get_layer       (MmSession        *self,
                                                     guint             index);
void                     mm_session_insert_layer    (MmSession        *self,
                                                     gint              position,
                                                     const MmLayerSpec *spec);
/* "linear", "flatten", an activation name ("relu", "leakyrelu", "tanh"…),
 * a layer for images: "image", "conv2d", "maxpool2d", "avgpool2d",
 * "dropout", "batchnorm", or for sequences: "embedding", "rnn", "lstm",
 * "last", "layernorm", "attention", "positional", "transformer". */
gboolean                 mm_session_add_layer_by_name (MmSession      *self,
                                                       const char     *name,
                                                       gint            position);
void                     mm_session_remove_layer    (MmSession        *self,
                                                     guint             index);
void                     mm_session_move_layer      (MmSession        *self,
                                                     guint             from,
                                                     guint             to);
void                     mm_session_set_layer_units (MmSession        *self,
                                                     guint             index,
                                                     guint             units);
void                     mm_session_set_layer_param (MmSession        *self,
                                                     guint             index,
                                                     float             param);
/* Changes one setting of layer @index (values out of range, or settings the
 * layer does not have, change nothing); emits "model-changed" once when the
 * value changed. */
void                     mm_session_set_layer_setting (MmSession      *self,
                                                       guint           index,
                                                       MmLayerSetting  setting,
                                                       double          value);
void                     mm_session_set_layers      (MmSession        *self,
                                                     const MmLayerSpec *layers,
                                                     guint             n);
char                    *mm_session_layer_title     (const MmLayerSpec *spec);

/* Checks of the current network against the current data. */
const MmLayerCheck      *mm_session_get_layer_check (MmSession        *self,
                                                     guint             index);
/* NULL when the network can train; otherwise the reason (also shown at the
 * layer at fault). */
const char              *mm_session_get_problem     (MmSession        *self);
gsize                    mm_session_get_n_params    (MmSession        *self);
char                    *mm_session_describe_input  (MmSession        *self);
/* The symbols an Embedding layer looks up for the loaded data: the text's
 * characters, the two brackets; 0 for data of numbers. */
guint                    mm_session_get_n_symbols   (MmSession        *self);
/* The name of symbol @id ("a", "\n", "("), or NULL. */
const char              *mm_session_get_symbol      (MmSession        *self,
                                                     guint             id);
/* TRUE when the data want scores at every time step (next character). */
gboolean                 mm_session_is_per_step     (MmSession        *self);
/* The parameter name of the first Conv2d layer's weight ("1.weight"), or
 * NULL when the network has no Conv2d layer. */
char                    *mm_session_dup_first_conv_weight (MmSession  *self);
/* The network as a module for the current data, or NULL (see get_problem). */
MmModule                *mm_session_dup_model       (MmSession        *self);
/* The loss of the settings for the loaded data (one-hot wrapped). */
MmLoss                  *mm_session_dup_loss        (MmSession        *self,
                                                     GError          **error);

/* Settings: change the fields, then call settings_changed. */
MmSessionSettings       *mm_session_get_settings    (MmSession        *self);
void                     mm_session_settings_changed (MmSession       *self);

/* Data, loaded in a thread when the data settings change. */
MmDataState              mm_session_get_data_state  (MmSession        *self);
const char              *mm_session_get_data_message (MmSession       *self);
MmDataset               *mm_session_get_train_data  (MmSession        *self);
MmDataset               *mm_session_get_test_data   (MmSession        *self);
/* Points drawn by hand replace the training data (and drop the test data);
 * NULL: no point. A running trainer picks them up at its next step with the
 * weights it has. Loading data again (another data set in the settings)
 * replaces them. */
void                     mm_session_set_drawn_data  (MmSession        *self,
                                                     MmDataset        *train);

/* Training. */
gboolean                 mm_session_can_train       (MmSession        *self);
gboolean                 mm_session_train           (MmSession        *self,
                                                     GError          **error);
void                     mm_session_pause           (MmSession        *self);
gboolean                 mm_session_step            (MmSession        *self,
                                                     GError          **error);
void                     mm_session_stop            (MmSession        *self);
/* New random weights (the next Train starts from them); stops training. */
void                     mm_session_reset_weights   (MmSession        *self);
void                     mm_session_set_lr          (MmSession        *self,
                                                     double            lr);
void                     mm_session_set_step_delay  (MmSession        *self,
                                                     guint             ms);
MmTrainerState           mm_session_get_state       (MmSession        *self);
MmTrainer               *mm_session_get_trainer     (MmSession        *self);
/* Steps trained before the current trainer started (its step 1 is offset + 1). */
guint64                  mm_session_get_step_offset (MmSession        *self);
guint                    mm_session_get_epoch_offset (MmSession       *self);
/* The newest parameter values (a snapshot), or NULL before the first Train. */
MmParams                *mm_session_dup_params      (MmSession        *self);
/* The whole loss history across runs (step numbers go on when Train
 * continues after Stop), and the per-epoch results. */
guint                    mm_session_get_history     (MmSession        *self,
                                                     guint64           from,
                                                     GArray           *points);
guint                    mm_session_get_epochs      (MmSession        *self,
                                                     guint             from,
                                                     GArray           *epochs);
/* Settings changed during the run (MmChange, at global steps, with the
 * values before), from index @from on. */
guint                    mm_session_get_changes     (MmSession        *self,
                                                     guint             from,
                                                     GArray           *changes);
/* Replay: the run from new weights with its seed and first settings, each
 * recorded change applied at its step (mm-change.h): the same losses bit
 * for bit. The history starts again with the replay. */
gboolean                 mm_session_can_replay      (MmSession        *self);
gboolean                 mm_session_replay          (MmSession        *self,
                                                     GError          **error);
/* Steps per epoch of the current data and batch size (0 before the data). */
gsize                    mm_session_get_batches_per_epoch (MmSession  *self);

/* Projects. */
MmProject               *mm_session_to_project      (MmSession        *self,
                                                     GError          **error);
/* Replaces network, settings, weights and history; stops training first.
 * Nothing changes when the project cannot be used (a GError says why). */
gboolean                 mm_session_apply_project   (MmSession        *self,
                                                     const MmProject  *project,
                                                     GError          **error);
/* "xor", "spiral", "fashion", "lenet", "overfitting", "bad-lr", and for
 * sequences "text-lstm", "text-transformer", "brackets-lstm". */
gboolean                 mm_session_apply_preset    (MmSession        *self,
                                                     const char       *name,
                                                     GError          **error);
/* Weights from elsewhere (e.g. a PyTorch state_dict) for the current
 * network: checked name by name and shape by shape; the history starts again. */
gboolean                 mm_session_import_weights  (MmSession        *self,
                                                     MmParams         *params,
                                                     GError          **error);
gboolean                 mm_session_is_dirty        (MmSession        *self);
void                     mm_session_set_clean       (MmSession        *self);

/* Moves new trainer records into @records; emits "state-changed" when the
 * state changed. Call once per frame. */
guint                    mm_session_poll            (MmSession        *self,
                                                     GArray           *records);

G_END_DECLS
