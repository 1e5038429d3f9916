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

G_END_DECLS
