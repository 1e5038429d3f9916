/* mm-trainer.h — training on a worker thread.
 *
 * The trainer owns an optimizer and a data loader and runs epochs on its own
 * thread. A consumer (the app's frame clock, the CLI's progress bar) talks to
 * it only through commands (start, pause, resume, step one batch, stop, change
 * the learning rate) and reads back:
 *   - records from a bounded queue (steps, epochs, state changes, divergence);
 *     when the consumer is slow, consecutive step records are merged into the
 *     newest one, so the worker never waits for the consumer;
 *   - the complete history of step and epoch results, which is never dropped
 *     (the plot decimates it for drawing, not the trainer);
 *   - parameter snapshots, safe to take at any moment.
 */
#pragma once

#include <glib.h>
#include "mm-module.h"
#include "mm-loss.h"
#include "mm-optimizer.h"
#include "mm-dataset.h"
#include "mm-cost.h"
#include "mm-change.h"

G_BEGIN_DECLS

typedef struct {
  MmModule *model;
  MmLoss *loss;
  MmOptimizerConfig optimizer;
  double l1, l2;
  gboolean penalize_biases;
  MmSchedule schedule;
  MmDataset *train;
  MmDataset *test;            /* may be NULL */
  gsize batch_size;
  guint epochs;
  guint32 seed;               /* initial weights and the batches' order */
  MmInitKind init;
  MmParams *initial_params;   /* NULL: drawn by @init with @seed */
  gboolean drop_last;
  guint threads;              /* BLAS threads; 0 = leave as it is */
  gsize eval_batch_size;      /* 0 = 1000 */
  /* MmChange, in the order of their steps: each applied right after its
   * step (a replay of a recorded run, see mm-change.h); NULL: none. The
   * trainer copies the list. */
  GArray *changes;
} MmTrainerConfig;

void mm_trainer_config_init  (MmTrainerConfig *config);
void mm_trainer_config_clear (MmTrainerConfig *config);

typedef enum {
  MM_TRAINER_READY,      /* made, not started */
  MM_TRAINER_RUNNING,
  MM_TRAINER_PAUSED,
  MM_TRAINER_FINISHED,   /* all epochs done */
  MM_TRAINER_STOPPED,    /* stopped on request */
  MM_TRAINER_DIVERGED,   /* a loss or parameter became NaN or infinite */
  MM_TRAINER_FAILED,     /* an error (see the record's message) */
} MmTrainerState;

const char *mm_trainer_state_name (MmTrainerState state);

typedef enum {
  MM_RECORD_STEP,
  MM_RECORD_EPOCH,
  MM_RECORD_STATE,
} MmRecordKind;

typedef struct {
  MmRecordKind kind;
  MmTrainerState state;     /* the state when the record was made */
  guint64 step;             /* steps done so far (this one included) */
  guint epoch;              /* 0-based epoch of this step / the epoch that ended */
  gsize batch;              /* batches done in this epoch */
  gsize n_batches;          /* per epoch */
  guint n_merged;           /* step records merged into this one (≥ 1 for steps) */
  double loss;              /* total loss of this batch (data + penalties) */
  double data_loss;
  double penalty;           /* l1_penalty + l2_penalty */
  double l1_penalty, l2_penalty;
  double smoothed_loss;     /* exponential moving average of the loss, bias-corrected */
  double batch_accuracy;    /* NaN when the targets are not class indices */
  double lr;
  double elapsed;           /* seconds of training (pauses excluded) */
  double samples_per_second;
  double eta;               /* seconds left at the current speed; NaN when unknown */
  /* epoch records: */
  double train_loss, train_accuracy;   /* mean over the epoch's batches */
  double test_loss, test_accuracy;     /* NaN without a test set */
  double epoch_seconds;
  guint64 cost_step;        /* step records: the step of the newest cost
                             * measurement (mm_trainer_ref_cost), 0: none */
  char message[256];        /* state records: why (divergence, error) */
} MmTrainerRecord;

/* One point of the history per step. */
typedef struct {
  guint64 step;
  guint epoch;
  float loss;
  float data_loss;
  float penalty;            /* l1 + l2 */
  float lr;
  float l1, l2;             /* each penalty term; NaN when not known (old projects) */
} MmStepPoint;

typedef struct _MmTrainer MmTrainer;

MmTrainer      *mm_trainer_new          (const MmTrainerConfig *config,
                                         GError               **error);
/* Stops the worker (if any) and waits for it. */
void            mm_trainer_free         (MmTrainer             *trainer);

void            mm_trainer_start        (MmTrainer             *trainer);
void            mm_trainer_pause        (MmTrainer             *trainer);
void            mm_trainer_resume       (MmTrainer             *trainer);
/* Runs exactly one batch, then pauses (starts the worker when needed). */
void            mm_trainer_step_once    (MmTrainer             *trainer);
/* Stops after the current batch; returns at once (see mm_trainer_wait). */
void            mm_trainer_stop         (MmTrainer             *trainer);
/* Waits until the worker has ended (finished, stopped, diverged, failed). */
void            mm_trainer_wait         (MmTrainer             *trainer);
/* Waits until the worker has nothing left to do: paused with no "step once"
 * pending, ended, or never started. With step_once it runs batches in
 * lock-step with other trainers (MmRace). */
void            mm_trainer_wait_idle    (MmTrainer             *trainer);
void            mm_trainer_set_lr       (MmTrainer             *trainer,
                                         double                 lr);
double          mm_trainer_get_lr       (MmTrainer             *trainer);
/* Changes a setting while training runs or is paused, without resetting
 * the network (see mm-change.h): the worker applies it between two steps,
 * before the next one, and records at which step (mm_trainer_get_changes).
 * @change->step is ignored. FALSE with an error when the new values are
 * not valid; a trainer that has ended ignores it. */
gboolean        mm_trainer_change       (MmTrainer             *trainer,
                                         const MmChange        *change,
                                         GError               **error);
/* The changes applied so far (MmChange with their steps and the values
 * before them), replayed ones included, from index @from on. */
guint           mm_trainer_get_changes  (MmTrainer             *trainer,
                                         guint                  from,
                                         GArray                *changes);
/* The record that replays this run so far: the seed, the settings it
 * started with and every change applied. */
MmRunRecord    *mm_trainer_dup_run_record (MmTrainer           *trainer);
/* Slow motion for demonstrations: wait this long after each batch. */
void            mm_trainer_set_step_delay (MmTrainer           *trainer,
                                           guint                milliseconds);

MmTrainerState  mm_trainer_get_state    (MmTrainer             *trainer);
/* Moves queued records into @records (an array of MmTrainerRecord); returns
 * how many. Never blocks on the worker for longer than a copy. */
guint           mm_trainer_drain        (MmTrainer             *trainer,
                                         GArray                *records);
/* History of steps from index @from on, appended to @points (MmStepPoint). */
guint           mm_trainer_get_history  (MmTrainer             *trainer,
                                         guint64                from,
                                         GArray                *points);
/* Epoch records so far (MmTrainerRecord), appended to @records. */
guint           mm_trainer_get_epochs   (MmTrainer             *trainer,
                                         guint                  from,
                                         GArray                *records);
/* The newest step record (a copy), whatever the queue did with it. */
MmTrainerRecord mm_trainer_get_progress (MmTrainer             *trainer);
MmParams       *mm_trainer_snapshot_params (MmTrainer          *trainer);
MmModule       *mm_trainer_get_model    (MmTrainer             *trainer);
gsize           mm_trainer_get_n_batches (MmTrainer            *trainer);

/* The cost meter (mm-cost.h): meter one step in every @every (0: none, the
 * default; metering costs nothing when off). Step records then carry the
 * step of the newest measurement, which mm_trainer_ref_cost returns (NULL
 * before the first). */
void            mm_trainer_set_cost_meter (MmTrainer           *trainer,
                                           guint                every);
MmCostSummary  *mm_trainer_ref_cost     (MmTrainer             *trainer);
/* Train on @train (and evaluate on @test, NULL: no test set) from the next
 * step on, with the weights and the optimizer's state as they are: the
 * epoch under way continues on the new data, freshly shuffled. The data
 * must have the samples' shape of the old and no more classes; an empty
 * set is refused. Safe to call at any time from the consumer's thread. */
gboolean        mm_trainer_set_data     (MmTrainer             *trainer,
                                         MmDataset             *train,
                                         MmDataset             *test,
                                         GError               **error);

/* Sets the BLAS library's thread count for the whole process. */
void            mm_set_num_threads      (guint                  n);

G_END_DECLS
