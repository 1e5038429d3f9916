/* mm-module-private.h — what a module type implements; internal to libmyml.
 *
 * The layers of mm-module.c (Input, Sequential, Flatten, Linear, activations)
 * and of mm-module-cnn.c (Reshape, Conv2d, pooling, Dropout, BatchNorm) share
 * this struct and class.
 */
#pragma once

#include "mm-module.h"
#include "mm-context.h"

G_BEGIN_DECLS

typedef struct {
  const char *type_name;
  /* Append this module's specs, names prefixed with @prefix. */
  void      (*get_params)   (MmModule            *self,
                             const char          *prefix,
                             GArray              *specs);
  /* @ctx is NULL for eval mode. */
  MmNode   *(*construct)    (MmModule            *self,
                             MmNode              *input,
                             GHashTable          *nodes,
                             const char          *prefix,
                             MmConstructContext  *ctx,
                             GError             **error);
  gboolean  (*output_shape) (MmModule            *self,
                             const MmShape       *in,
                             MmShape             *out,
                             GError             **error);
  char     *(*to_string)    (MmModule            *self);
  void      (*finalize)     (MmModule            *self);
} MmModuleClass;

struct _MmModule {
  const MmModuleClass *klass;
  gint ref_count;
  /* Per type: */
  GPtrArray *children;      /* Sequential, Input */
  gsize in_features;        /* Linear; in channels of Conv2d; features of BatchNorm */
  gsize out_features;       /* Linear; out channels of Conv2d */
  MmOp op;                  /* activation */
  gsize kernel;             /* Conv2d, pooling */
  gsize stride;
  gsize padding;
  gsize dilation;
  double rate;              /* Dropout's p */
  double eps;               /* BatchNorm */
  double momentum;
  MmShape shape;            /* Reshape: the sample shape */
  /* mm-module-attn.c (in_features is the width D there): */
  gsize heads;              /* MultiheadAttention, TransformerBlock */
  gsize hidden;             /* TransformerBlock's MLP width; PositionalEncoding's longest sequence */
  gboolean causal;          /* MultiheadAttention, TransformerBlock */
  /* mm-module-seq.c: RNN and LSTM use in_features and hidden; Embedding
   * in_features (the table's rows) and out_features (its width). */
  gsize n_layers;           /* RNN, LSTM: stacked layers */
};

MmModule *mm_module_alloc          (const MmModuleClass *klass);
/* The node of parameter prefix+name, checked against the expected shape. */
MmNode   *mm_module_lookup_param   (GHashTable          *nodes,
                                    const char          *prefix,
                                    const char          *name,
                                    const MmShape       *shape,
                                    GError             **error);

/* @s becomes the shape (@n), or (@rows, @cols). */
void      mm_module_shape_1d       (MmShape             *s,
                                    gsize                n);
void      mm_module_shape_2d       (MmShape             *s,
                                    gsize                rows,
                                    gsize                cols);
/* Whether @module is of the type @klass. */
gboolean  mm_module_is_kind        (MmModule            *module,
                                    const MmModuleClass *klass);

/* mm-module-cnn.c: the layers it knows by name. Returns FALSE when @name is
 * none of them; otherwise sets *module (NULL with @error set on bad settings). */
gboolean  mm_module_parse_cnn_layer (const char         *name,
                                     GArray             *args,
                                     MmModule          **module,
                                     GError            **error);

/* mm-module-attn.c: the same for LayerNorm, MultiheadAttention,
 * PositionalEncoding and TransformerBlock. */
gboolean  mm_module_parse_attn_layer (const char        *name,
                                      GArray            *args,
                                      MmModule         **module,
                                      GError           **error);

/* mm-module-seq.c: the same for Embedding, RNN, LSTM and Last. */
gboolean  mm_module_parse_seq_layer (const char         *name,
                                     GArray             *args,
                                     MmModule          **module,
                                     GError            **error);

G_END_DECLS
