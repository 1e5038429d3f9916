/* mm-optimizer.h — optimizers own the parameters and update them (the seed's design).
 *
 *   info = prepare_step (X, y):  build the graph (network + loss + penalties),
 *                                evaluate it, compute ∂loss/∂parameter for each parameter;
 *   perform_step (info):         update the parameters by the optimizer's rule;
 *   step (X, y):                 both, returning the info.
 *
 * The update rules follow torch.optim (SGD, RMSprop, Adam/AdamW) to the letter,
 * so runs can be compared with PyTorch step by step.
 */
#pragma once

#include <glib.h>
#include "mm-node.h"
#include "mm-params.h"
#include "mm-module.h"
#include "mm-loss.h"

G_BEGIN_DECLS

typedef enum {
  MM_OPTIMIZER_SGD,
  MM_OPTIMIZER_RMSPROP,
  MM_OPTIMIZER_ADAM,
} MmOptimizerKind;

typedef struct {
  MmOptimizerKind kind;
  double lr;
  double momentum;            /* SGD, RMSProp; 0 = none */
  double dampening;           /* SGD */
  gboolean nesterov;          /* SGD (needs momentum > 0 and dampening 0) */
  double alpha;               /* RMSProp smoothing constant */
  double eps;                 /* RMSProp, Adam */
  gboolean centered;          /* RMSProp */
  double beta1, beta2;        /* Adam */
  gboolean amsgrad;           /* Adam */
  /* SGD and RMSProp: added to the gradient (g + wd·p), as torch.optim does.
   * Adam: the same, unless decoupled — then p ← p − lr·wd·p before the
   * update (AdamW). */
  double weight_decay;
  gboolean decoupled_weight_decay;
} MmOptimizerConfig;

/* torch.optim's defaults for @kind (lr: SGD 0.1, RMSProp 0.01, Adam 0.001). */
void        mm_optimizer_config_init    (MmOptimizerConfig       *config,
                                         MmOptimizerKind          kind);
gboolean    mm_optimizer_config_check   (const MmOptimizerConfig *config,
                                         GError                 **error);
const char *mm_optimizer_kind_name      (MmOptimizerKind          kind);
gboolean    mm_optimizer_kind_from_name (const char              *name,
                                         MmOptimizerKind         *kind);
char       *mm_optimizer_config_to_string (const MmOptimizerConfig *config);
/* The optimizer's name as PyTorch spells its class: "SGD", "RMSProp",
 * "Adam", or "AdamW" for Adam with decoupled weight decay. */
const char *mm_optimizer_config_title   (const MmOptimizerConfig *config);

/* Learning-rate schedules, applied per epoch. */
typedef enum {
  MM_SCHEDULE_CONSTANT,
  MM_SCHEDULE_STEP,     /* lr · gamma^⌊epoch / step_size⌋ (torch StepLR) */
  MM_SCHEDULE_COSINE,   /* η_min + (lr − η_min)(1 + cos(π·epoch / t_max)) / 2 (torch CosineAnnealingLR) */
} MmScheduleKind;

typedef struct {
  MmScheduleKind kind;
  guint step_size;
  double gamma;
  guint t_max;
  double eta_min;
} MmSchedule;

double      mm_schedule_lr              (const MmSchedule        *schedule,
                                         double                   base_lr,
                                         guint                    epoch);

/* What one step computed. The nodes are the graph of this step: the network's
 * output, the data loss, the penalties (NULL when off) and their sum. */
typedef struct {
  MmNode   *output;
  MmNode   *data_loss;
  MmNode   *l1_penalty;
  MmNode   *l2_penalty;
  MmNode   *loss;
  MmParams *gradients;       /* ∂loss/∂parameter, same names and order as the trained
                              * parameters (buffers, MM_PARAM_BUFFER, have none) */
  MmTensor *targets;         /* as given to prepare_step */
  /* The numbers, kept when the graph is released: */
  float loss_value;
  float data_loss_value;
  float penalty_value;       /* l1_value + l2_value */
  float l1_value, l2_value;  /* each penalty term, 0 when off */
  gsize n_correct;           /* rows whose largest output is the target class */
  /* The buffers' values after this step (BatchNorm's running statistics),
   * stored by perform_step; NULL when the network has none. */
  MmParams *buffer_updates;
} MmStepInfo;

void        mm_step_info_free           (MmStepInfo              *info);
float       mm_step_info_get_loss       (MmStepInfo              *info);
float       mm_step_info_get_data_loss  (MmStepInfo              *info);
float       mm_step_info_get_penalty    (MmStepInfo              *info);
/* Each penalty term apart: λ₁ Σ |w| and λ₂ Σ w² (0 when off). */
float       mm_step_info_get_l1_penalty (MmStepInfo              *info);
float       mm_step_info_get_l2_penalty (MmStepInfo              *info);
/* For class-index targets: how many rows' largest output is the target class. */
gsize       mm_step_info_count_correct  (MmStepInfo              *info);
/* Drops the graph (keeping the gradients and the numbers above). The graph
 * holds the parameter tensors, so releasing it first lets perform_step update
 * them in place instead of copying them (copy on write). */
void        mm_step_info_release_graph  (MmStepInfo              *info);

gsize       mm_count_correct            (const MmTensor          *scores,
                                         const MmTensor          *targets);

typedef struct _MmOptimizer MmOptimizer;

/* Takes references to @model, @loss and a snapshot of @initial (the caller's
 * tensors are never changed: updates copy on write). */
MmOptimizer *mm_optimizer_new           (const MmOptimizerConfig *config,
                                         MmModule                *model,
                                         MmLoss                  *loss,
                                         MmParams                *initial,
                                         GError                 **error);
void         mm_optimizer_free          (MmOptimizer             *opt);

/* L1/L2 penalties added to the loss as graph nodes:
 *   L1 = λ₁ Σ |w|,   L2 = λ₂ Σ w²
 * summed over every weight (biases too when @include_biases). Note that
 * torch's weight_decay wd corresponds to λ₂ = wd / 2. */
gboolean     mm_optimizer_set_penalties (MmOptimizer             *opt,
                                         double                   l1,
                                         double                   l2,
                                         gboolean                 include_biases,
                                         GError                 **error);
/* Per-parameter penalties override the global ones for that name. */
gboolean     mm_optimizer_set_param_penalties (MmOptimizer       *opt,
                                               const char        *name,
                                               double             l1,
                                               double             l2,
                                               GError           **error);

/* The step's graph is built in training mode (mm_module_construct_full):
 * Dropout draws its masks from the optimizer's seed, the step number and the
 * layer, BatchNorm uses the batch's statistics; perform_step then also
 * stores the new running statistics. evaluate builds in eval mode. */
MmStepInfo  *mm_optimizer_prepare_step  (MmOptimizer             *opt,
                                         MmTensor                *x,
                                         MmTensor                *y,
                                         GError                 **error);
gboolean     mm_optimizer_perform_step  (MmOptimizer             *opt,
                                         MmStepInfo              *info,
                                         GError                 **error);
MmStepInfo  *mm_optimizer_step          (MmOptimizer             *opt,
                                         MmTensor                *x,
                                         MmTensor                *y,
                                         GError                 **error);
/* Forward only (no gradients): the data loss and the number of correct rows. */
gboolean     mm_optimizer_evaluate      (MmOptimizer             *opt,
                                         MmTensor                *x,
                                         MmTensor                *y,
                                         double                  *loss,
                                         gsize                   *n_correct,
                                         GError                 **error);

/* The seed of the random layers (Dropout); 0 until set. The same seed and
 * the same batches give the same run. */
void         mm_optimizer_set_seed      (MmOptimizer             *opt,
                                         guint32                  seed);
guint32      mm_optimizer_get_seed      (MmOptimizer             *opt);

/* Changing the learning rate or other settings keeps the parameters and,
 * when the kind stays the same, the optimizer's state. */
void         mm_optimizer_set_lr        (MmOptimizer             *opt,
                                         double                   lr);
double       mm_optimizer_get_lr        (MmOptimizer             *opt);
gboolean     mm_optimizer_set_config    (MmOptimizer             *opt,
                                         const MmOptimizerConfig *config,
                                         GError                 **error);
const MmOptimizerConfig *mm_optimizer_get_config (MmOptimizer    *opt);
guint64      mm_optimizer_get_n_steps   (MmOptimizer             *opt);

/* The live table (only for the thread that steps) and a snapshot that any
 * thread may take at any time. */
MmParams    *mm_optimizer_get_params    (MmOptimizer             *opt);
MmParams    *mm_optimizer_snapshot_params (MmOptimizer           *opt);
/* Replace all parameter values (e.g. "reset weights"); the state is cleared. */
gboolean     mm_optimizer_reset_params  (MmOptimizer             *opt,
                                         MmParams                *params,
                                         GError                 **error);
/* The first parameter that the last perform_step made NaN or infinite, or NULL. */
const char  *mm_optimizer_get_nonfinite_param (MmOptimizer       *opt);
MmModule    *mm_optimizer_get_model     (MmOptimizer             *opt);
MmLoss      *mm_optimizer_get_loss      (MmOptimizer             *opt);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmOptimizer, mm_optimizer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmStepInfo, mm_step_info_free)

G_END_DECLS
