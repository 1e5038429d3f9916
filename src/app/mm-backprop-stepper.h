/* mm-backprop-stepper.h — the forward and backward pass, one node per press.
 *
 * Positions run from 0 (nothing done) through the forward pass (one node of
 * mm_node_collect's order per step) and then the backward pass, which is the
 * core's MmBackward advanced one mm_backward_step at a time; stepping back
 * uses mm_backward_seek, which replays, so the numbers are always the same.
 * There is no other implementation of backpropagation here.
 *
 * When the output has more than one number, the sweep starts from G = 1 for
 * each of them (as if L were their sum), and the numerical check uses the
 * same L.
 */
#pragma once

#include <gtk/gtk.h>
#include <myml.h>
#include "mm-graph-view.h"

G_BEGIN_DECLS

#define MM_TYPE_BACKPROP_STEPPER (mm_backprop_stepper_get_type ())
G_DECLARE_FINAL_TYPE (MmBackpropStepper, mm_backprop_stepper, MM, BACKPROP_STEPPER, GtkWidget)

GtkWidget      *mm_backprop_stepper_new             (void);

/* The view whose boxes the stepper marks (it may be NULL). */
void            mm_backprop_stepper_set_graph_view  (MmBackpropStepper *self,
                                                     MmGraphView       *view);
/* Starts again at position 0 with the graph below @root (NULL: none). */
void            mm_backprop_stepper_set_root        (MmBackpropStepper *self,
                                                     MmNode            *root);
MmNode         *mm_backprop_stepper_get_root        (MmBackpropStepper *self);

guint           mm_backprop_stepper_get_position    (MmBackpropStepper *self);
/* Forward steps plus backward steps. */
guint           mm_backprop_stepper_get_n_positions (MmBackpropStepper *self);
guint           mm_backprop_stepper_get_n_forward   (MmBackpropStepper *self);
void            mm_backprop_stepper_seek            (MmBackpropStepper *self,
                                                     guint              position);
/* FALSE (and nothing happens) at the end / at the start. */
gboolean        mm_backprop_stepper_step            (MmBackpropStepper *self);
gboolean        mm_backprop_stepper_step_back       (MmBackpropStepper *self);
void            mm_backprop_stepper_run_to_end      (MmBackpropStepper *self);
gboolean        mm_backprop_stepper_is_backward     (MmBackpropStepper *self);

/* Auto-play: one step every 1/@steps_per_second seconds until the end. */
void            mm_backprop_stepper_set_speed       (MmBackpropStepper *self,
                                                     double             steps_per_second);
gboolean        mm_backprop_stepper_get_playing     (MmBackpropStepper *self);
void            mm_backprop_stepper_set_playing     (MmBackpropStepper *self,
                                                     gboolean           playing);

/* The node of the current step, or NULL at position 0. */
MmNode         *mm_backprop_stepper_get_current     (MmBackpropStepper *self);
/* The value of @node if the forward pass has reached it, else NULL. */
const MmTensor *mm_backprop_stepper_get_value       (MmBackpropStepper *self,
                                                     MmNode            *node);
/* ∂L/∂node as far as it has arrived (NULL when nothing has). */
const MmTensor *mm_backprop_stepper_get_gradient    (MmBackpropStepper *self,
                                                     MmNode            *node);
/* "complete", "2 of 3 contributions so far", …; NULL before the backward pass. */
char           *mm_backprop_stepper_describe_gradient (MmBackpropStepper *self,
                                                       MmNode          *node);
/* The text that explains the current step. */
const char     *mm_backprop_stepper_get_explanation (MmBackpropStepper *self);

/* Central finite differences for the constant @node: each checked entry is
 * moved by ±h, the graph rebuilt with the new constant (nodes are immutable)
 * and evaluated, and (L₊ − L₋) / 2h compared with the backward pass's
 * ∂L/∂node. At most @max_entries entries are checked (spread evenly).
 * Relative error: |numerical − backward| / max(|numerical|, |backward|, 10⁻³). */
gboolean        mm_backprop_stepper_check_numerically (MmBackpropStepper *self,
                                                       MmNode          *node,
                                                       guint            max_entries,
                                                       double          *max_rel_error,
                                                       double          *max_abs_error,
                                                       guint           *n_checked,
                                                       GError         **error);
/* What the last check said. */
const char     *mm_backprop_stepper_get_check_text  (MmBackpropStepper *self);
/* Chooses the constant the "Check numerically" button checks. */
void            mm_backprop_stepper_set_check_node  (MmBackpropStepper *self,
                                                     MmNode            *node);

/* The graph below @root with @target's value replaced by @value; nodes that
 * do not depend on @target are shared with the original. */
MmNode         *mm_graph_rebuild_with               (MmNode            *root,
                                                     MmNode            *target,
                                                     MmTensor          *value,
                                                     GError           **error);

G_END_DECLS
