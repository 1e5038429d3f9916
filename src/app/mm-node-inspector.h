/* mm-node-inspector.h — one node of the graph in detail: what it is, the
 * chain rule it applies for each input, its value and its gradient. */
#pragma once

#include <gtk/gtk.h>
#include <myml.h>
#include "mm-tensor-view.h"

G_BEGIN_DECLS

#define MM_TYPE_NODE_INSPECTOR (mm_node_inspector_get_type ())
G_DECLARE_FINAL_TYPE (MmNodeInspector, mm_node_inspector, MM, NODE_INSPECTOR, GtkWidget)

GtkWidget    *mm_node_inspector_new               (void);
/* Shows @node (NULL: nothing selected). @value and @gradient may be NULL
 * (not computed yet); @gradient_note says how complete the gradient is. */
void          mm_node_inspector_set_node          (MmNodeInspector *self,
                                                   MmNode          *node,
                                                   const MmTensor  *value,
                                                   const MmTensor  *gradient,
                                                   const char      *gradient_note);
MmNode       *mm_node_inspector_get_node          (MmNodeInspector *self);
MmTensorView *mm_node_inspector_get_value_view    (MmNodeInspector *self);
MmTensorView *mm_node_inspector_get_gradient_view (MmNodeInspector *self);
/* Everything the inspector shows as text, for tests and screen readers. */
char         *mm_node_inspector_get_text          (MmNodeInspector *self);

/* "A" or, for a node without a label, its description: how the app names a
 * node in sentences. */
char         *mm_node_display_name                (MmNode          *node);

G_END_DECLS
