/* mm-race.c — an optimizer race: lanes of MmTrainer advanced in lock-step.
 *
 * Why lock-step on a coordinator rather than four free-running trainers: the
 * race is about comparing optimizers step for step. Free-running lanes drift
 * apart (Adam's step costs more than SGD's, and the scheduler favours no
 * one), so the loss plots would show different numbers of steps at any
 * moment and the paths on the landscape would have different lengths. The
 * coordinator grants each lane one batch ("step once") and waits for it
 * (mm_trainer_wait_idle) before the next round. Each lane still runs on its
 * own trainer's worker, so its numbers are exactly those of a solo run.
 *
 * Locking: the race's mutex guards its state, commands, round count and the
 * paths; the coordinator never holds it while a lane computes. The lanes
 * have their own locks, taken only inside MmTrainer's functions.
 */
#include "mm-race.h"
#include "mm-error.h"

#include <string.h>

struct _MmRace {
  MmRaceConfig config;
  MmParams *theta0;
  MmTrainer *lanes[MM_RACE_MAX_LANES];

  GThread *thread;
  GMutex lock;
  GCond cond;
  MmRaceState state;
  gboolean stop_requested;
  gboolean idle;
  guint round_budget;
  guint delay_ms;
  guint64 rounds;

  GPtrArray *paths[MM_RACE_MAX_LANES];   /* MmParams */
  GArray *path_steps[MM_RACE_MAX_LANES]; /* guint64 */
  guint path_every;                      /* rounds between recorded points */
  guint path_serial;
};

static gboolean
lane_is_over (MmTrainerState s)
{
  return s == MM_TRAINER_FINISHED || s == MM_TRAINER_STOPPED ||
         s == MM_TRAINER_DIVERGED || s == MM_TRAINER_FAILED;
}

MmRace *
mm_race_new (const MmRaceConfig *config,
             GError            **error)
{
  g_autoptr(MmParams) theta0 = NULL;
  MmRace *race;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (config->base.model != NULL && config->base.loss != NULL &&
                        config->base.train != NULL, NULL);

  if (config->n_lanes < 1 || config->n_lanes > MM_RACE_MAX_LANES)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                   "A race has 1 to %d lanes, not %u", MM_RACE_MAX_LANES, config->n_lanes);
      return NULL;
    }
  for (guint i = 0; i < config->n_lanes; i++)
    {
      g_autoptr(GError) local = NULL;

      if (!mm_optimizer_config_check (&config->lanes[i], &local))
        {
          g_set_error (error, MM_ERROR, local->code, "Lane %u: %s", i + 1, local->message);
          return NULL;
        }
    }

  if (config->base.initial_params != NULL)
    theta0 = mm_params_copy (config->base.initial_params);
  else
    {
      g_autoptr(GArray) specs = mm_module_get_params (config->base.model);
      theta0 = mm_params_init (specs, config->base.init, config->base.seed, error);
      if (theta0 == NULL)
        return NULL;
    }

  race = g_new0 (MmRace, 1);
  race->config = *config;
  /* The lanes hold their own references; the race keeps the base only to
   * hand out the model and loss. */
  race->config.base.model = mm_module_ref (config->base.model);
  race->config.base.loss = mm_loss_ref (config->base.loss);
  race->config.base.train = NULL;
  race->config.base.test = NULL;
  race->config.base.initial_params = NULL;
  if (race->config.max_parallel == 0)
    race->config.max_parallel = 1;
  race->theta0 = g_steal_pointer (&theta0);
  g_mutex_init (&race->lock);
  g_cond_init (&race->cond);
  race->state = MM_RACE_READY;
  race->path_every = 1;

  for (guint i = 0; i < config->n_lanes; i++)
    {
      g_autoptr(GError) local = NULL;
      MmTrainerConfig lane = config->base;

      lane.optimizer = config->lanes[i];
      lane.initial_params = race->theta0;
      race->lanes[i] = mm_trainer_new (&lane, &local);
      if (race->lanes[i] == NULL)
        {
          g_set_error (error, MM_ERROR, local->code, "Lane %u: %s", i + 1, local->message);
          mm_race_free (race);
          return NULL;
        }
      race->paths[i] = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_params_unref);
      race->path_steps[i] = g_array_new (FALSE, FALSE, sizeof (guint64));
      if (config->record_paths)
        {
          guint64 zero = 0;
          g_ptr_array_add (race->paths[i], mm_params_ref (race->theta0));
          g_array_append_val (race->path_steps[i], zero);
        }
    }
  return race;
}

void
mm_race_free (MmRace *race)
{
  if (race == NULL)
    return;
  mm_race_stop (race);
  mm_race_wait (race);
  for (guint i = 0; i < MM_RACE_MAX_LANES; i++)
    {
      g_clear_pointer (&race->lanes[i], mm_trainer_free);
      g_clear_pointer (&race->paths[i], g_ptr_array_unref);
      g_clear_pointer (&race->path_steps[i], g_array_unref);
    }
  g_clear_pointer (&race->theta0, mm_params_unref);
  g_clear_pointer (&race->config.base.model, mm_module_unref);
  g_clear_pointer (&race->config.base.loss, mm_loss_unref);
  g_mutex_clear (&race->lock);
  g_cond_clear (&race->cond);
  g_free (race);
}

/* ---- Paths (lock held) -------------------------------------------------------- */

/* Every other point goes (θ₀ stays), in every lane at once, so the lanes'
 * points keep standing for the same rounds. */
static void
thin_paths_locked (MmRace *race)
{
  for (guint i = 0; i < race->config.n_lanes; i++)
    {
      GPtrArray *p = race->paths[i];
      GArray *s = race->path_steps[i];
      guint k = 0;

      for (guint j = 0; j < p->len; j += 2, k++)
        {
          if (j != k)
            {
              gpointer tmp = p->pdata[k];
              p->pdata[k] = p->pdata[j];
              p->pdata[j] = tmp;
              g_array_index (s, guint64, k) = g_array_index (s, guint64, j);
            }
        }
      g_ptr_array_set_size (p, k);
      g_array_set_size (s, k);
    }
  race->path_every *= 2;
  race->path_serial++;
}

static void
record_paths (MmRace   *race,
              gboolean *moved)
{
  MmParams *snap[MM_RACE_MAX_LANES] = { NULL };
  guint64 steps[MM_RACE_MAX_LANES] = { 0 };

  /* Snapshots are taken without the race's lock (they take the lanes'). */
  for (guint i = 0; i < race->config.n_lanes; i++)
    if (moved[i])
      {
        snap[i] = mm_trainer_snapshot_params (race->lanes[i]);
        steps[i] = mm_trainer_get_progress (race->lanes[i]).step;
        /* A lane whose weights became NaN ends its path where they were finite. */
        if (!mm_params_all_finite (snap[i], NULL))
          g_clear_pointer (&snap[i], mm_params_unref);
      }

  g_mutex_lock (&race->lock);
  for (guint i = 0; i < race->config.n_lanes; i++)
    if (snap[i] != NULL)
      {
        g_ptr_array_add (race->paths[i], snap[i]);
        g_array_append_val (race->path_steps[i], steps[i]);
      }
  for (guint i = 0; i < race->config.n_lanes; i++)
    if (race->paths[i]->len >= MM_RACE_MAX_PATH)
      {
        thin_paths_locked (race);
        break;
      }
  g_mutex_unlock (&race->lock);
}

/* ---- The coordinator -------------------------------------------------------- */

/* Waits for a go. FALSE: stop. Lock held. */
static gboolean
wait_for_go_locked (MmRace *race)
{
  for (;;)
    {
      if (race->stop_requested)
        return FALSE;
      if (race->state == MM_RACE_RUNNING)
        return TRUE;
      if (race->state == MM_RACE_PAUSED && race->round_budget > 0)
        {
          race->round_budget--;
          return TRUE;
        }
      race->idle = TRUE;
      g_cond_broadcast (&race->cond);
      g_cond_wait (&race->cond, &race->lock);
      race->idle = FALSE;
    }
}

static gpointer
coordinator (gpointer data)
{
  MmRace *race = data;
  const guint n = race->config.n_lanes;

  for (;;)
    {
      gboolean go, moved[MM_RACE_MAX_LANES] = { FALSE };
      guint active[MM_RACE_MAX_LANES], n_active = 0;
      guint64 rounds;
      gboolean record;

      for (guint i = 0; i < n; i++)
        if (!lane_is_over (mm_trainer_get_state (race->lanes[i])))
          active[n_active++] = i;
      if (n_active == 0)
        break;

      g_mutex_lock (&race->lock);
      go = wait_for_go_locked (race);
      g_mutex_unlock (&race->lock);
      if (!go)
        break;

      /* One batch per lane, max_parallel lanes at a time. */
      for (guint first = 0; first < n_active; first += race->config.max_parallel)
        {
          guint last = MIN (n_active, first + race->config.max_parallel);

          for (guint j = first; j < last; j++)
            mm_trainer_step_once (race->lanes[active[j]]);
          for (guint j = first; j < last; j++)
            mm_trainer_wait_idle (race->lanes[active[j]]);
        }
      for (guint j = 0; j < n_active; j++)
        moved[active[j]] = TRUE;

      g_mutex_lock (&race->lock);
      rounds = ++race->rounds;
      record = race->config.record_paths && rounds % race->path_every == 0;
      g_mutex_unlock (&race->lock);
      if (record)
        record_paths (race, moved);

      g_mutex_lock (&race->lock);
      g_cond_broadcast (&race->cond);
      if (race->delay_ms > 0)
        {
          gint64 until = g_get_monotonic_time () + (gint64) race->delay_ms * 1000;
          while (!race->stop_requested && race->state == MM_RACE_RUNNING &&
                 g_cond_wait_until (&race->cond, &race->lock, until))
            ;
        }
      g_mutex_unlock (&race->lock);
    }

  /* The lanes' workers end with the race. */
  for (guint i = 0; i < n; i++)
    mm_trainer_stop (race->lanes[i]);
  for (guint i = 0; i < n; i++)
    mm_trainer_wait (race->lanes[i]);

  g_mutex_lock (&race->lock);
  race->state = MM_RACE_OVER;
  g_cond_broadcast (&race->cond);
  g_mutex_unlock (&race->lock);
  return NULL;
}

static void
ensure_thread_locked (MmRace *race)
{
  if (race->thread == NULL)
    race->thread = g_thread_new ("myml-race", coordinator, race);
}

void
mm_race_start (MmRace *race)
{
  g_return_if_fail (race != NULL);
  g_mutex_lock (&race->lock);
  if (race->state != MM_RACE_OVER && !race->stop_requested)
    {
      race->state = MM_RACE_RUNNING;
      ensure_thread_locked (race);
      g_cond_broadcast (&race->cond);
    }
  g_mutex_unlock (&race->lock);
}

void
mm_race_pause (MmRace *race)
{
  g_return_if_fail (race != NULL);
  g_mutex_lock (&race->lock);
  if (race->state == MM_RACE_RUNNING || race->state == MM_RACE_READY)
    {
      race->state = MM_RACE_PAUSED;
      g_cond_broadcast (&race->cond);
    }
  g_mutex_unlock (&race->lock);
}

void
mm_race_step_once (MmRace *race)
{
  g_return_if_fail (race != NULL);
  g_mutex_lock (&race->lock);
  if (race->state != MM_RACE_OVER && !race->stop_requested)
    {
      race->state = MM_RACE_PAUSED;
      race->round_budget++;
      ensure_thread_locked (race);
      g_cond_broadcast (&race->cond);
    }
  g_mutex_unlock (&race->lock);
}

void
mm_race_stop (MmRace *race)
{
  g_return_if_fail (race != NULL);
  g_mutex_lock (&race->lock);
  race->stop_requested = TRUE;
  if (race->thread == NULL)
    race->state = MM_RACE_OVER;
  g_cond_broadcast (&race->cond);
  g_mutex_unlock (&race->lock);
}

void
mm_race_wait (MmRace *race)
{
  GThread *thread;

  g_return_if_fail (race != NULL);
  g_mutex_lock (&race->lock);
  thread = g_steal_pointer (&race->thread);
  g_mutex_unlock (&race->lock);
  if (thread != NULL)
    g_thread_join (thread);
}

void
mm_race_wait_idle (MmRace *race)
{
  g_return_if_fail (race != NULL);
  g_mutex_lock (&race->lock);
  while (race->thread != NULL && race->state != MM_RACE_OVER &&
         !(race->idle && race->round_budget == 0 && race->state != MM_RACE_RUNNING))
    g_cond_wait (&race->cond, &race->lock);
  g_mutex_unlock (&race->lock);
}

void
mm_race_set_round_delay (MmRace *race,
                         guint   milliseconds)
{
  g_return_if_fail (race != NULL);
  g_mutex_lock (&race->lock);
  race->delay_ms = milliseconds;
  g_cond_broadcast (&race->cond);
  g_mutex_unlock (&race->lock);
}

MmRaceState
mm_race_get_state (MmRace *race)
{
  MmRaceState s;

  g_return_val_if_fail (race != NULL, MM_RACE_OVER);
  g_mutex_lock (&race->lock);
  s = race->state;
  g_mutex_unlock (&race->lock);
  return s;
}

guint64
mm_race_get_rounds (MmRace *race)
{
  guint64 r;

  g_return_val_if_fail (race != NULL, 0);
  g_mutex_lock (&race->lock);
  r = race->rounds;
  g_mutex_unlock (&race->lock);
  return r;
}

guint
mm_race_get_n_lanes (MmRace *race)
{
  g_return_val_if_fail (race != NULL, 0);
  return race->config.n_lanes;
}

MmTrainer *
mm_race_get_lane (MmRace *race,
                  guint   lane)
{
  g_return_val_if_fail (race != NULL && lane < race->config.n_lanes, NULL);
  return race->lanes[lane];
}

const MmOptimizerConfig *
mm_race_get_lane_config (MmRace *race,
                         guint   lane)
{
  g_return_val_if_fail (race != NULL && lane < race->config.n_lanes, NULL);
  return &race->config.lanes[lane];
}

MmParams *
mm_race_get_initial_params (MmRace *race)
{
  g_return_val_if_fail (race != NULL, NULL);
  return race->theta0;
}

MmModule *
mm_race_get_model (MmRace *race)
{
  g_return_val_if_fail (race != NULL, NULL);
  return race->config.base.model;
}

MmLoss *
mm_race_get_loss (MmRace *race)
{
  g_return_val_if_fail (race != NULL, NULL);
  return race->config.base.loss;
}

guint
mm_race_get_path (MmRace    *race,
                  guint      lane,
                  guint      from,
                  GPtrArray *points,
                  GArray    *steps)
{
  guint n = 0;

  g_return_val_if_fail (race != NULL && lane < race->config.n_lanes && points != NULL, 0);
  g_mutex_lock (&race->lock);
  for (guint j = from; j < race->paths[lane]->len; j++, n++)
    {
      g_ptr_array_add (points, mm_params_ref (g_ptr_array_index (race->paths[lane], j)));
      if (steps != NULL)
        g_array_append_val (steps, g_array_index (race->path_steps[lane], guint64, j));
    }
  g_mutex_unlock (&race->lock);
  return n;
}

guint
mm_race_get_path_serial (MmRace *race)
{
  guint s;

  g_return_val_if_fail (race != NULL, 0);
  g_mutex_lock (&race->lock);
  s = race->path_serial;
  g_mutex_unlock (&race->lock);
  return s;
}
