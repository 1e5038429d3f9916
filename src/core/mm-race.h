/* mm-race.h — an optimizer race: the same network, the same initial weights
 * and the same batches, trained with up to four optimizer settings side by
 * side.
 *
 * Each lane is an ordinary MmTrainer (so a lane's losses are exactly those of
 * a solo run with its settings); a coordinator thread advances the lanes in
 * lock-step, one batch per lane per round, so at any moment every lane has
 * done the same number of steps: the plots compare like with like, and the
 * paths drawn on the loss landscape have the same length. A lane that
 * diverges or fails drops out; the others race on.
 *
 * By default the lanes of one round run one after the other (max_parallel =
 * 1): the machines this is taught on have few cores, which the UI and the
 * landscape's grid need too. max_parallel > 1 lets that many lanes compute a
 * round at the same time.
 *
 * For the landscape, the race keeps each lane's path: the parameters before
 * the first step and after every k-th round, thinned (every other point
 * dropped, k doubled) when a lane holds MM_RACE_MAX_PATH points.
 */
#pragma once

#include <glib.h>
#include "mm-trainer.h"

G_BEGIN_DECLS

#define MM_RACE_MAX_LANES 4
#define MM_RACE_MAX_PATH 256

typedef struct {
  MmTrainerConfig base;                           /* everything but the optimizer */
  guint n_lanes;                                  /* 1 … MM_RACE_MAX_LANES */
  MmOptimizerConfig lanes[MM_RACE_MAX_LANES];
  guint max_parallel;                             /* lanes computing at once; 0 = 1 */
  gboolean record_paths;                          /* keep the lanes' parameters for the landscape */
} MmRaceConfig;

typedef enum {
  MM_RACE_READY,
  MM_RACE_RUNNING,
  MM_RACE_PAUSED,
  MM_RACE_OVER,      /* every lane has ended (finished, diverged, failed) or the race was stopped */
} MmRaceState;

typedef struct _MmRace MmRace;

/* Checks every lane's settings; the initial weights are drawn once (or taken
 * from base.initial_params) and given to every lane. Errors name the lane. */
MmRace         *mm_race_new            (const MmRaceConfig *config,
                                        GError            **error);
/* Stops the race and waits for its threads. */
void            mm_race_free           (MmRace             *race);

void            mm_race_start          (MmRace             *race);
void            mm_race_pause          (MmRace             *race);
/* One round (one batch per lane), then paused. */
void            mm_race_step_once      (MmRace             *race);
void            mm_race_stop           (MmRace             *race);
/* Waits until the race is over: all lanes ended, or stopped (a paused race
 * must be stopped first, as with mm_trainer_wait). */
void            mm_race_wait           (MmRace             *race);
/* Waits until the race has nothing to do: paused with no round pending, or over. */
void            mm_race_wait_idle      (MmRace             *race);
/* Slow motion: wait this long after each round. */
void            mm_race_set_round_delay (MmRace            *race,
                                         guint              milliseconds);

MmRaceState     mm_race_get_state      (MmRace             *race);
guint64         mm_race_get_rounds     (MmRace             *race);
guint           mm_race_get_n_lanes    (MmRace             *race);
/* The lane's trainer: its history, records, state and snapshots. Do not
 * start, pause or stop it directly; the race does. */
MmTrainer      *mm_race_get_lane       (MmRace             *race,
                                        guint               lane);
const MmOptimizerConfig *mm_race_get_lane_config (MmRace   *race,
                                                  guint     lane);
/* θ₀, the weights every lane starts from. */
MmParams       *mm_race_get_initial_params (MmRace         *race);
MmModule       *mm_race_get_model      (MmRace             *race);
MmLoss         *mm_race_get_loss       (MmRace             *race);

/* The lane's recorded path from point @from on: references to parameter
 * snapshots (MmParams) appended to @points, and for each the lane's step
 * count appended to @steps (guint64; may be NULL). Returns how many. The
 * first point is θ₀ (step 0). Thinning renumbers the points: compare
 * mm_race_get_path_serial before and after to know whether to start over. */
guint           mm_race_get_path       (MmRace             *race,
                                        guint               lane,
                                        guint               from,
                                        GPtrArray          *points,
                                        GArray             *steps);
/* Changes whenever a path was thinned. */
guint           mm_race_get_path_serial (MmRace            *race);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmRace, mm_race_free)

G_END_DECLS
