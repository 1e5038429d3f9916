/* mm-graph-page.h — the "Graph and backprop" page: the graph of the network
 * on a small batch (or of the expression lab), the stepper and the
 * inspector. */
#pragma once

#include <gtk/gtk.h>
#include "mm-session.h"
#include "mm-graph-view.h"
#include "mm-backprop-stepper.h"
#include "mm-node-inspector.h"
#include "mm-expression-lab.h"

G_BEGIN_DECLS

typedef enum {
  MM_GRAPH_SOURCE_NETWORK,
  MM_GRAPH_SOURCE_LAB,
} MmGraphSource;

#define MM_TYPE_GRAPH_PAGE (mm_graph_page_get_type ())
G_DECLARE_FINAL_TYPE (MmGraphPage, mm_graph_page, MM, GRAPH_PAGE, GtkWidget)

GtkWidget         *mm_graph_page_new           (MmSession     *session);

void               mm_graph_page_set_source    (MmGraphPage   *self,
                                                MmGraphSource  source);
MmGraphSource      mm_graph_page_get_source    (MmGraphPage   *self);
/* 1–8 samples of the test data. */
void               mm_graph_page_set_batch_size (MmGraphPage  *self,
                                                 guint         n);
/* Builds the network's graph now (it is otherwise built when the page is
 * shown); FALSE with the reason when it cannot be built. */
gboolean           mm_graph_page_rebuild       (MmGraphPage   *self,
                                                GError       **error);

MmGraphView       *mm_graph_page_get_view      (MmGraphPage   *self);
MmBackpropStepper *mm_graph_page_get_stepper   (MmGraphPage   *self);
MmNodeInspector   *mm_graph_page_get_inspector (MmGraphPage   *self);
MmExpressionLab   *mm_graph_page_get_lab       (MmGraphPage   *self);

/* Builds the graph of one training step of @model (network, loss and
 * penalties, as the optimizer builds it) on the first @batch samples of
 * @data; returns its loss node. */
MmNode            *mm_graph_build_network_step (MmModule                *model,
                                                MmParams                *params,
                                                MmDataset               *data,
                                                guint                    batch,
                                                const MmSessionSettings *settings,
                                                GError                 **error);

/* scope ("1.") → what the layer is ("Linear(784, 100)") for every layer of
 * @model, nested ones too: the titles of the folded boxes. */
GHashTable        *mm_graph_scope_titles       (MmModule      *model);

/* The loss and each penalty of a training step's graph fold too: their
 * nodes get the scopes "loss.", "L1 penalty.", "L2 penalty." (found by the
 * labels the optimizer gives them), and @titles (if not NULL) their names. */
void               mm_graph_fold_loss          (MmNode        *root,
                                                GHashTable    *titles);

/* An unrolled RNN or LSTM folds by time step, inside its layer: the nodes of
 * step t (labelled "1.h_l0[3]", see mm_rnn_label_parse) get the scope
 * "<layer>t<t>." ("1.t3."; "1.l1t3." for the second stacked layer), so an
 * open layer shows one box per time step and a click opens one; @titles (if
 * not NULL) gets "time step 3". Returns the number of step scopes made. */
guint              mm_graph_fold_time_steps    (MmNode        *root,
                                                GHashTable    *titles);

/* Shows the step that diverged: its graph, the stepper at the first node
 * that is not finite (selected, its module opened) and a banner that says
 * what happened. @step_offset is added to the trainer's step numbers (the
 * session's). @result, if not NULL, receives the tracer's result (clear it). */
gboolean           mm_graph_page_show_divergence (MmGraphPage   *self,
                                                  MmDivergence  *divergence,
                                                  guint64        step_offset,
                                                  MmTraceResult *result,
                                                  GError       **error);
/* The banner's text, or NULL when it is hidden. */
const char        *mm_graph_page_get_banner    (MmGraphPage   *self);
/* "Training diverged at step 57: the first non-finite value appears in node
 * … (Exp), whose input reaches 812.3." */
char              *mm_graph_divergence_text    (const MmTraceResult *result,
                                                guint64        step);

G_END_DECLS
