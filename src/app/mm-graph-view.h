/* mm-graph-view.h — draws a computational graph: dot's layout, our Cairo.
 *
 * Pan by dragging, zoom with the scroll wheel, a pinch or the keys + − 0
 * (0 fits the graph to the view, 1 is 100 %). A click on a box selects its
 * node and emits "node-activated". Others mark nodes (MmGraphMarks) and write
 * the value and gradient notes in their boxes; the view only draws. A node
 * inside a folded module is marked on the module's box.
 */
#pragma once

#include <gtk/gtk.h>
#include <myml.h>
#include "mm-graph-layout.h"

G_BEGIN_DECLS

#define MM_TYPE_GRAPH_VIEW (mm_graph_view_get_type ())
G_DECLARE_FINAL_TYPE (MmGraphView, mm_graph_view, MM, GRAPH_VIEW, GtkWidget)

GtkWidget     *mm_graph_view_new               (void);

/* Shows @nodes and everything they are computed from (NULL or n = 0: an
 * empty view). Marks, notes and the selection are cleared. */
void           mm_graph_view_set_nodes         (MmGraphView    *self,
                                                guint           n_nodes,
                                                MmNode * const *nodes);
void           mm_graph_view_set_root          (MmGraphView    *self,
                                                MmNode         *root);
/* The same, folding modules: @scope_titles maps each module's scope ("1.")
 * to what it is ("Linear(784, 100)"); every module starts folded into one box
 * unless it was opened before (NULL: nothing folds, as set_nodes). */
void           mm_graph_view_set_graph         (MmGraphView    *self,
                                                guint           n_nodes,
                                                MmNode * const *nodes,
                                                GHashTable     *scope_titles);
GHashTable    *mm_graph_view_get_scope_titles  (MmGraphView    *self);
/* Open (unfold) or fold the module @scope; the open ones stay open when the
 * graph is set again. Clicking a folded box opens it, clicking the title of
 * an open one folds it. */
gboolean       mm_graph_view_get_expanded      (MmGraphView    *self,
                                                const char     *scope);
void           mm_graph_view_set_expanded      (MmGraphView    *self,
                                                const char     *scope,
                                                gboolean        expanded);
void           mm_graph_view_set_all_expanded  (MmGraphView    *self,
                                                gboolean        expanded);
/* Opens the modules around @node so that it has a box of its own; FALSE
 * when it is not in the graph. */
gboolean       mm_graph_view_reveal_node       (MmGraphView    *self,
                                                MmNode         *node);
/* What a click at (x, y) in widget coordinates does to modules: opens the
 * folded module there or folds the open one whose title is there. FALSE
 * when there is none (the click then selects). */
gboolean       mm_graph_view_click_group       (MmGraphView    *self,
                                                double          x,
                                                double          y);
/* The current layout (NULL when empty); valid until the graph or the
 * orientation changes. */
MmGraphLayout *mm_graph_view_get_layout        (MmGraphView    *self);
/* Why there is no layout, or NULL. */
const char    *mm_graph_view_get_message       (MmGraphView    *self);
/* Shown in the middle of an empty view. */
void           mm_graph_view_set_placeholder   (MmGraphView    *self,
                                                const char     *text);

/* The direction shown. Setting it turns the automatic choice off. */
gboolean       mm_graph_view_get_left_to_right (MmGraphView    *self);
void           mm_graph_view_set_left_to_right (MmGraphView    *self,
                                                gboolean        left_to_right);
/* On by default: graphs of up to 300 nodes are laid out both ways and the
 * direction that shows them bigger in the view is chosen when fitting. */
gboolean       mm_graph_view_get_auto_direction (MmGraphView   *self);
void           mm_graph_view_set_auto_direction (MmGraphView   *self,
                                                 gboolean       auto_direction);

double         mm_graph_view_get_zoom          (MmGraphView    *self);
/* Zooms about the middle of the view. */
void           mm_graph_view_set_zoom          (MmGraphView    *self,
                                                double          zoom);
void           mm_graph_view_zoom_in           (MmGraphView    *self);
void           mm_graph_view_zoom_out          (MmGraphView    *self);
/* The whole graph in view; it stays fitted when the view is resized until
 * the user pans or zooms. */
void           mm_graph_view_zoom_to_fit       (MmGraphView    *self);
/* Pans (smoothly when @animate) so that @node's box is in view. */
void           mm_graph_view_scroll_to_node    (MmGraphView    *self,
                                                MmNode         *node,
                                                gboolean        animate);
/* Pans and, if needed, zooms in to a readable size (animated) so that the
 * boxes of @nodes are in view, or at least the first one's if they do not
 * fit: what stepping does (the current node and its inputs). */
void           mm_graph_view_focus_nodes       (MmGraphView    *self,
                                                guint           n_nodes,
                                                MmNode * const *nodes);
/* Graph units → widget coordinates, for tests and tooltips. */
void           mm_graph_view_graph_to_widget   (MmGraphView    *self,
                                                double          gx,
                                                double          gy,
                                                double         *x,
                                                double         *y);
/* The node whose box is under a point in widget coordinates, or NULL. */
MmNode        *mm_graph_view_node_at           (MmGraphView    *self,
                                                double          x,
                                                double          y);

MmNode        *mm_graph_view_get_selected      (MmGraphView    *self);
void           mm_graph_view_set_selected      (MmGraphView    *self,
                                                MmNode         *node);

/* Marks (MmGraphMarks, without SELECTED, which follows the selection). */
void           mm_graph_view_set_marks         (MmGraphView    *self,
                                                MmNode         *node,
                                                guint           marks);
guint          mm_graph_view_get_marks         (MmGraphView    *self,
                                                MmNode         *node);
/* @line is MM_GRAPH_LINE_VALUE or MM_GRAPH_LINE_GRADIENT. */
void           mm_graph_view_set_note          (MmGraphView    *self,
                                                MmNode         *node,
                                                guint           line,
                                                const char     *text);
void           mm_graph_view_clear_marks       (MmGraphView    *self);

/* Draws the view as it is now into @cr (what the snapshot does). */
void           mm_graph_view_draw              (MmGraphView    *self,
                                                cairo_t        *cr,
                                                double          width,
                                                double          height);

G_END_DECLS
