/* mm-project.h — a project: the network, the data choice, every training
 * setting, the loss history and the weights.
 *
 * Saved as JSON (NAME.myml) with the weights beside it in a .safetensors file
 * (NAME.safetensors) that numpy and PyTorch read. The app and myml-train read
 * the same files, so a project trains identically in both. Loading checks
 * everything and reports what is wrong; it never trusts a number from the
 * file to size an allocation without a bound.
 */
#pragma once

#include <glib.h>
#include "mm-optimizer.h"
#include "mm-params.h"
#include "mm-trainer.h"
#include "mm-change.h"
#include "mm-toy.h"

G_BEGIN_DECLS

#define MM_PROJECT_VERSION 1

typedef enum {
  MM_PROJECT_DATA_FASHION_MNIST,
  MM_PROJECT_DATA_TOY,
  MM_PROJECT_DATA_CSV,
  MM_PROJECT_DATA_IDX_DIR,
  MM_PROJECT_DATA_TEXT,       /* next character: the shipped text, or data_path */
  MM_PROJECT_DATA_BRACKETS,   /* bracket matching: toy_samples strings */
} MmProjectDataKind;

typedef enum {
  MM_PROJECT_LOSS_CROSS_ENTROPY,
  MM_PROJECT_LOSS_MSE,
} MmProjectLossKind;

typedef struct {
  guint epoch;              /* 1-based */
  guint64 step;             /* steps done when the epoch ended */
  double train_loss, train_accuracy;
  double test_loss, test_accuracy;   /* NaN without a test set */
} MmProjectEpoch;

typedef struct {
  char *network;            /* the text form: "Flatten; Linear(784, 100); …" */

  MmProjectDataKind data;
  MmToyKind toy;
  guint toy_samples;
  double toy_noise;
  guint toy_classes;
  char *data_path;          /* CSV file, IDX directory, or a text (NULL: the shipped one) */
  guint seq_len;            /* text: characters per sample; brackets: per string */

  MmProjectLossKind loss;
  double label_smoothing;
  MmOptimizerConfig optimizer;
  double l1, l2;
  gboolean penalize_biases;
  guint batch_size;
  guint epochs;
  guint32 seed;
  MmInitKind init;

  GArray *steps;            /* MmStepPoint: the loss history */
  GArray *epoch_results;    /* MmProjectEpoch */
  MmParams *weights;        /* NULL when not trained */
  MmRunRecord *run;         /* how the run started and what changed when (a
                               replay); NULL when not recorded */
} MmProject;

MmProject *mm_project_new        (void);
void       mm_project_free       (MmProject       *project);

/* JSON text (without the weights). */
char      *mm_project_to_json    (const MmProject *project,
                                  const char      *weights_file);
MmProject *mm_project_from_json  (const char      *json,
                                  gssize           length,
                                  char           **weights_file,
                                  GError         **error);

/* Saves @path (JSON) and, when there are weights, PATH-without-extension
 * .safetensors, each atomically: after a failure the previous files are
 * still whole. */
gboolean   mm_project_save       (const MmProject *project,
                                  const char      *path,
                                  GError         **error);
MmProject *mm_project_load       (const char      *path,
                                  GError         **error);
/* The weights file that goes with @path. */
char      *mm_project_weights_path (const char    *path);

/* The data the project names; the toy, CSV, text and bracket sets are split
 * 80/20 by the seed. */
gboolean   mm_project_load_data  (const MmProject *project,
                                  MmDataset      **train,
                                  MmDataset      **test,
                                  GError         **error);
/* Model, loss and settings as a trainer configuration (the caller adds the
 * data); the weights, when present, are the initial parameters. */
gboolean   mm_project_make_trainer_config (const MmProject *project,
                                           guint            n_classes,
                                           MmTrainerConfig *config,
                                           GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmProject, mm_project_free)

G_END_DECLS
