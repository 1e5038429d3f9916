/* mm-cost.h — the cost meter: time and floating-point operations per node
 * type and per layer, for the forward values and the backward sweep.
 *
 * A meter is installed on the calling thread (mm_cost_meter_install); while
 * it is, mm_node_get_value and MmBackward time every node they compute and
 * add its operation count, which comes from the shapes by the rule each node
 * type documents next to its forward and backward code (mm_node_count_flops).
 * Without a meter the only cost is one thread-local read per node.
 *
 * The numbers are grouped twice: by node type (Elementwise nodes by their
 * operation: "ReLU", "Add", …) and by layer, the top-level module that built
 * the node (its scope, "1." for the second layer of a Sequential; nodes no
 * module built — the loss, the penalties — have the scope ""). Both groupings
 * hold the same measurements, so their totals agree.
 *
 * A summary (MmCostSummary) is an immutable, reference-counted snapshot that
 * may be handed to another thread.
 */
#pragma once

#include <glib.h>
#include "mm-node.h"

G_BEGIN_DECLS

typedef enum {
  MM_COST_FORWARD,
  MM_COST_BACKWARD,
  MM_COST_N_PASSES
} MmCostPass;

typedef enum {
  MM_COST_BY_TYPE,
  MM_COST_BY_LAYER,
  MM_COST_N_GROUPINGS
} MmCostGrouping;

typedef struct {
  char    *key;                        /* type name, or the layer's scope ("1.", "" for none) */
  char    *label;                      /* for people: "TensorDot", "1 · Linear(2, 16)", "loss and penalties" */
  double   seconds[MM_COST_N_PASSES];
  guint64  flops[MM_COST_N_PASSES];
  guint    n_nodes[MM_COST_N_PASSES];  /* nodes computed */
} MmCostRow;

typedef struct _MmCostMeter MmCostMeter;
typedef struct _MmCostSummary MmCostSummary;

MmCostMeter    *mm_cost_meter_new        (void);
void            mm_cost_meter_free       (MmCostMeter     *meter);
/* Forget everything measured so far. */
void            mm_cost_meter_reset      (MmCostMeter     *meter);
/* Meter the calling thread from now on (NULL: stop metering); returns the
 * meter that was installed before, so installs nest. */
MmCostMeter    *mm_cost_meter_install    (MmCostMeter     *meter);
MmCostMeter    *mm_cost_meter_get_current (void);

/* The meter's clock: monotonic seconds with nanosecond resolution
 * (g_get_monotonic_time's microseconds are too coarse for small nodes). */
double          mm_cost_clock            (void);

/* Add one node's measurement (what mm-node.c and mm-backward.c do). */
void            mm_cost_meter_add        (MmCostMeter     *meter,
                                          MmNode          *node,
                                          MmCostPass       pass,
                                          double           seconds,
                                          guint64          flops);

/* A snapshot of what was measured, rows sorted by total time (largest
 * first). @wall_seconds is the time of the whole step it belongs to (the
 * graph building, data and update included), @step its number. */
MmCostSummary  *mm_cost_meter_summarize  (MmCostMeter     *meter,
                                          guint64          step,
                                          double           wall_seconds);

MmCostSummary  *mm_cost_summary_ref      (MmCostSummary   *summary);
void            mm_cost_summary_unref    (MmCostSummary   *summary);
guint64         mm_cost_summary_get_step (MmCostSummary   *summary);
double          mm_cost_summary_get_wall_seconds (MmCostSummary *summary);
guint           mm_cost_summary_get_n_rows (MmCostSummary *summary,
                                            MmCostGrouping grouping);
const MmCostRow *mm_cost_summary_get_row (MmCostSummary   *summary,
                                          MmCostGrouping   grouping,
                                          guint            index);
/* The row with this key, or NULL. */
const MmCostRow *mm_cost_summary_lookup  (MmCostSummary   *summary,
                                          MmCostGrouping   grouping,
                                          const char      *key);
/* Sums over the rows of one grouping (the same for both groupings). */
double          mm_cost_summary_get_total_seconds (MmCostSummary *summary,
                                                   MmCostPass     pass);
guint64         mm_cost_summary_get_total_flops   (MmCostSummary *summary,
                                                   MmCostPass     pass);
/* Label the layer rows by the modules of @model ("1 · Linear(2, 16)"); the
 * summary must not have been shared yet. */
struct _MmModule;
void            mm_cost_summary_label_layers (MmCostSummary    *summary,
                                              struct _MmModule *model);

/* Row helpers. */
double          mm_cost_row_seconds      (const MmCostRow *row);
guint64         mm_cost_row_flops        (const MmCostRow *row);

/* The floating-point operations of computing @node's value (@need NULL), or
 * of its backward step passing gradients to the inputs marked in @need. The
 * rule per node type is written beside its code; Constants cost nothing, and
 * a type without a rule counts one operation per output number. */
guint64         mm_node_count_flops      (MmNode          *node,
                                          const gboolean  *need);
/* The group a node's type falls in: its type name, or for an Elementwise
 * node the operation's name ("ReLU", "Add"). A static string. */
const char     *mm_node_get_cost_key     (MmNode          *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmCostMeter, mm_cost_meter_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmCostSummary, mm_cost_summary_unref)

G_END_DECLS
