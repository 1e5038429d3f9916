/* mm-run-log.h — settings changed during a run, as the app shows them.
 *
 * The core (mm-change.h) applies a change between two steps and records the
 * step; these helpers turn the panel's edits into changes, label them for
 * the loss plot's markers ("lr 0.1 → 0.01", "SGD → Adam") in the user's
 * language, and fill in the values a loaded record does not store.
 */
#pragma once

#include <myml.h>

G_BEGIN_DECLS

/* The label of a marker: what changed, from what to what. */
char *mm_change_label     (const MmChange          *change);

/* Appends to @changes (MmChange) what takes a run from the old settings to
 * the new ones: a learning-rate change when only the rate moved, an
 * optimizer change when anything else about the optimizer did, a penalty
 * change when L1 or L2 did. Steps are left at 0. */
void  mm_live_diff        (const MmOptimizerConfig *old_optimizer,
                           double                   old_l1,
                           double                   old_l2,
                           const MmOptimizerConfig *new_optimizer,
                           double                   new_l1,
                           double                   new_l2,
                           GArray                  *changes);

/* The old values of each change of a loaded record, from its start. */
void  mm_run_record_fill_old (MmRunRecord          *record);

G_END_DECLS
