/* mm-change.h — a setting changed during a run, at a known step.
 *
 * A run is reproducible from its seed, its initial settings and the list of
 * changes made while it trained, each with the step it took effect at. The
 * trainer applies a change only between two steps — never "whenever the
 * click arrived" — and records the step, so applying the same list to a
 * fresh run (MmTrainerConfig.changes) gives the same losses bit for bit.
 *
 * Step numbering: a change with @step = k is applied after k steps, right
 * before step k + 1 runs; step k + 1 is the first one that uses it.
 *
 * What can change without resetting the network: the learning rate, the L1
 * and L2 penalties, and the optimizer (its kind and every setting). The
 * parameters are kept; when the rule changes (SGD → Adam, amsgrad or
 * centered switched) the new rule starts with fresh state (no momentum, zero
 * moments), as a new torch.optim optimizer over the same tensors would.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "mm-optimizer.h"

G_BEGIN_DECLS

typedef enum {
  MM_CHANGE_LR,          /* @lr */
  MM_CHANGE_PENALTIES,   /* @l1, @l2 */
  MM_CHANGE_OPTIMIZER,   /* @optimizer, its learning rate included */
} MmChangeKind;

typedef struct {
  guint64 step;                   /* steps done before it applies */
  MmChangeKind kind;
  double lr;
  double l1, l2;
  MmOptimizerConfig optimizer;
  /* Filled in by the trainer when it applies the change: the settings just
   * before it (so a marker can say "lr 0.1 → 0.01"). */
  double old_lr;
  double old_l1, old_l2;
  MmOptimizerConfig old_optimizer;
} MmChange;

void      mm_change_init_lr        (MmChange        *change,
                                    double           lr);
void      mm_change_init_penalties (MmChange        *change,
                                    double           l1,
                                    double           l2);
void      mm_change_init_optimizer (MmChange        *change,
                                    const MmOptimizerConfig *optimizer);
/* Whether the new values can be applied (lr ≥ 0, penalties ≥ 0, a valid
 * optimizer configuration); the error says what is wrong. */
gboolean  mm_change_check          (const MmChange  *change,
                                    GError         **error);
/* Checks a whole list: every change valid, steps in non-decreasing order. */
gboolean  mm_change_list_check     (const MmChange  *changes,
                                    guint            n,
                                    GError         **error);
/* A short English description of what changed, from the old and new
 * values: "lr 0.1 → 0.01", "L2 0 → 0.001", "sgd → adam". */
char     *mm_change_describe       (const MmChange  *change);

/* JSON (for projects): one object per change. */
void      mm_change_to_json        (const MmChange  *change,
                                    JsonBuilder     *builder);
gboolean  mm_change_from_json      (JsonNode        *node,
                                    MmChange        *change,
                                    GError         **error);

/* The record of a run: how it started and what changed when. A trainer
 * made from fresh weights with this seed, these settings and these changes
 * (MmTrainerConfig's seed, optimizer, l1, l2 and changes) replays it. */
typedef struct {
  guint32 seed;
  MmOptimizerConfig optimizer;    /* at the start */
  double l1, l2;                  /* at the start */
  GArray *changes;                /* MmChange, by step */
} MmRunRecord;

MmRunRecord *mm_run_record_new     (void);
MmRunRecord *mm_run_record_copy    (const MmRunRecord *record);
void         mm_run_record_free    (MmRunRecord     *record);
void         mm_run_record_to_json (const MmRunRecord *record,
                                    JsonBuilder     *builder);
MmRunRecord *mm_run_record_from_json (JsonNode      *node,
                                      GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmRunRecord, mm_run_record_free)

G_END_DECLS
