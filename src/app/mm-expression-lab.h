/* mm-expression-lab.h — build a graph by clicking, with the seed's node
 * types: Constant, TensorDot(d), Sum(d) and Elementwise(op) with n inputs.
 *
 * Choose what the new node does, click its inputs in the graph view (each
 * click is checked at once: an input whose shape does not fit is refused
 * with the engine's reason), then add it. The newest node is the output the
 * stepper walks through, unless another one is chosen.
 */
#pragma once

#include <gtk/gtk.h>
#include <myml.h>
#include "mm-graph-view.h"

G_BEGIN_DECLS

typedef enum {
  MM_LAB_PRESET_README,    /* A, B → AB → AB_sum → A_sin → crazy_1 → crazy_2 → crazy_sum */
  MM_LAB_PRESET_NEURON,    /* σ(w·x + b) against a target, squared error */
  MM_LAB_PRESET_MLP,       /* two Linear layers with ReLU on one sample, squared error */
  MM_LAB_PRESET_SOFTMAX,   /* logits → LogSoftmax → cross-entropy with a one-hot target */
  MM_LAB_N_PRESETS
} MmLabPreset;

typedef enum {
  MM_LAB_CONSTANT,
  MM_LAB_TENSORDOT,
  MM_LAB_SUM,
  MM_LAB_ELEMENTWISE,
} MmLabKind;

typedef enum {
  MM_LAB_FILL_RANDOM,
  MM_LAB_FILL_ZEROS,
  MM_LAB_FILL_ONES,
  MM_LAB_FILL_VALUES,
} MmLabFill;

/* The seed of the README example's random A and B (as in myml-demo). */
#define MM_LAB_README_SEED 42

#define MM_TYPE_EXPRESSION_LAB (mm_expression_lab_get_type ())
G_DECLARE_FINAL_TYPE (MmExpressionLab, mm_expression_lab, MM, EXPRESSION_LAB, GtkWidget)

GtkWidget   *mm_expression_lab_new            (void);
/* The view the inputs are clicked in (its "node-activated" signal). */
void         mm_expression_lab_set_graph_view (MmExpressionLab *self,
                                               MmGraphView     *view);

void         mm_expression_lab_load_preset    (MmExpressionLab *self,
                                               MmLabPreset      preset);
void         mm_expression_lab_clear          (MmExpressionLab *self);
/* Every node of the lab, in the order they were made. */
GPtrArray   *mm_expression_lab_get_nodes      (MmExpressionLab *self);
MmNode      *mm_expression_lab_get_output     (MmExpressionLab *self);
void         mm_expression_lab_set_output     (MmExpressionLab *self,
                                               MmNode          *node);
MmNode      *mm_expression_lab_find           (MmExpressionLab *self,
                                               const char      *label);

/* What the controls do, for scripts and tests. */
void         mm_expression_lab_set_kind       (MmExpressionLab *self,
                                               MmLabKind        kind);
void         mm_expression_lab_set_d          (MmExpressionLab *self,
                                               guint            d);
void         mm_expression_lab_set_op         (MmExpressionLab *self,
                                               MmOpKind         op,
                                               guint            n_inputs,
                                               float            param);
void         mm_expression_lab_set_name       (MmExpressionLab *self,
                                               const char      *name);
/* Shape text such as "(2, 3)"; @values is used with MM_LAB_FILL_VALUES. */
gboolean     mm_expression_lab_add_constant   (MmExpressionLab *self,
                                               const char      *name,
                                               const char      *shape,
                                               MmLabFill        fill,
                                               const char      *values,
                                               GError         **error);
/* Adds @node as the next input of the node being made; refused (with the
 * reason shown and returned) when its shape does not fit. */
gboolean     mm_expression_lab_pick_input     (MmExpressionLab *self,
                                               MmNode          *node,
                                               GError         **error);
void         mm_expression_lab_clear_inputs   (MmExpressionLab *self);
/* Makes the node from the controls and the inputs picked. */
gboolean     mm_expression_lab_add_node       (MmExpressionLab *self,
                                               GError         **error);
/* The message shown (an error or a hint), or "". */
const char  *mm_expression_lab_get_message    (MmExpressionLab *self);

/* Parses "(4, 4)", "4, 4", "4x4" or "" (one number). */
gboolean     mm_lab_parse_shape               (const char      *text,
                                               MmShape         *shape,
                                               GError         **error);

G_END_DECLS
