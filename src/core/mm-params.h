/* mm-params.h — named parameters: what a network asks for, and the values an
 * optimizer keeps.
 *
 * A network does not own parameters (the seed's design): it declares them as
 * specs (name → shape, plus how to initialise them), and it is handed their
 * values each time it builds a graph. The optimizer owns the values.
 */
#pragma once

#include <glib.h>
#include "mm-tensor.h"

G_BEGIN_DECLS

typedef enum {
  MM_PARAM_WEIGHT,   /* multiplies inputs: random initialisation, penalised by L1/L2 */
  MM_PARAM_BIAS,     /* added: zeros, not penalised unless asked */
  /* Kept with the parameters and saved with them, but not trained: no
   * gradient, never changed by the optimizer's rule, never penalised. The
   * network itself reports their new values (BatchNorm's running mean and
   * variance, updated after each training step). */
  MM_PARAM_BUFFER,
} MmParamRole;

typedef enum {
  MM_PARAM_DRAW_DEFAULT,   /* by the weight initialiser (biases zero) */
  MM_PARAM_DRAW_UNIFORM,
  MM_PARAM_DRAW_NORMAL,
} MmParamDraw;

typedef struct {
  char *name;
  MmShape shape;
  MmParamRole role;
  gsize fan_in;      /* inputs feeding one output unit (for Xavier / He) */
  gsize fan_out;
  /* With fixed_init the value starts as init_value whatever the weight
   * initialiser (BatchNorm's scale γ = 1, its running variance = 1). */
  gboolean fixed_init;
  float init_value;
  /* Layers that PyTorch initialises its own way, whatever the weight
   * initialiser and biases included: U(−a, a) (RNN, LSTM: a = 1/√hidden) or
   * N(0, a²) (Embedding: a = 1), with a = draw_scale. */
  MmParamDraw draw;
  float draw_scale;
} MmParamSpec;

void     mm_param_spec_clear   (MmParamSpec *spec);
/* An array of MmParamSpec that clears its elements. */
GArray  *mm_param_specs_new    (void);
void     mm_param_specs_add    (GArray        *specs,
                                const char    *name,
                                const MmShape *shape,
                                MmParamRole    role,
                                gsize          fan_in,
                                gsize          fan_out);
/* A spec whose every number starts as @value. */
void     mm_param_specs_add_constant (GArray        *specs,
                                      const char    *name,
                                      const MmShape *shape,
                                      MmParamRole    role,
                                      float          value);
/* A spec drawn from its own distribution (see MmParamSpec.draw). */
void     mm_param_specs_add_drawn (GArray        *specs,
                                   const char    *name,
                                   const MmShape *shape,
                                   MmParamRole    role,
                                   MmParamDraw    draw,
                                   float          scale);
/* The trained parameters: TRUE for weights and biases, FALSE for buffers. */
gboolean mm_param_role_is_trained (MmParamRole  role);

typedef enum {
  MM_INIT_XAVIER_UNIFORM, /* U(−a, a), a = √(6 / (fan_in + fan_out)): the seed's choice */
  MM_INIT_HE_NORMAL,      /* N(0, 2 / fan_in): for ReLU networks */
  MM_INIT_HE_UNIFORM,     /* U(−a, a), a = √(6 / fan_in) */
  MM_INIT_ZEROS,
} MmInitKind;

const char *mm_init_kind_name      (MmInitKind  kind);
gboolean    mm_init_kind_from_name (const char *name,
                                    MmInitKind *kind);

/* An ordered name → tensor table, reference counted. */
typedef struct _MmParams MmParams;

MmParams   *mm_params_new        (void);
MmParams   *mm_params_ref        (MmParams       *params);
void        mm_params_unref      (MmParams       *params);
guint       mm_params_get_n      (MmParams       *params);
const char *mm_params_get_name   (MmParams       *params,
                                  guint           index);
MmTensor   *mm_params_get_tensor (MmParams       *params,
                                  guint           index);
MmTensor   *mm_params_lookup     (MmParams       *params,
                                  const char     *name);
gint        mm_params_find       (MmParams       *params,
                                  const char     *name);
/* Adds or replaces (takes a reference). */
void        mm_params_set        (MmParams       *params,
                                  const char     *name,
                                  MmTensor       *tensor);
/* The tensor of entry @index, copied first if anybody else holds it. */
float      *mm_params_make_writable (MmParams    *params,
                                     guint        index);
/* Same names, references to the same tensors: an O(1)-per-entry snapshot that
 * stays valid while the original is updated (updates copy on write). */
MmParams   *mm_params_snapshot   (MmParams       *params);
/* Same names, copied values. */
MmParams   *mm_params_copy       (MmParams       *params);
gsize       mm_params_count_values (MmParams     *params);
gboolean    mm_params_all_finite (MmParams       *params,
                                  const char    **first_bad_name);

/* The most numbers (parameters and buffers) a network may have. Training
 * keeps each one several times (value, gradient, optimizer state, the
 * snapshot the app draws): 10⁸ floats already need a few GB, and a typo such
 * as Linear(100000, 10000) (10⁹) must be refused before any allocation is
 * tried, never end in an abort or the system running out of memory. */
#define MM_MAX_PARAMS ((gsize) 100 * 1000 * 1000)

/* Fresh values for @specs: weights by @weight_init, biases zero, specs with a
 * fixed initial value that value (without drawing numbers); one GRand
 * seeded with @seed draws the values in spec order, so the same seed gives the
 * same numbers. More than MM_MAX_PARAMS numbers in all: MM_ERROR_TOO_LARGE,
 * nothing allocated. */
MmParams   *mm_params_init       (GArray         *specs,
                                  MmInitKind      weight_init,
                                  guint32         seed,
                                  GError        **error);
/* Checks that @params has every spec's name with its shape. */
gboolean    mm_params_check      (MmParams       *params,
                                  GArray         *specs,
                                  GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmParams, mm_params_unref)

G_END_DECLS
