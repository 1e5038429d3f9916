/* mm-graph-layout.h — where the boxes and arrows of a computational graph go,
 * and how they are drawn.
 *
 * The positions come from graphviz's dot engine (libgvc); everything else is
 * ours: measuring the text of each box, placing the edge labels, culling what
 * is outside the view, and drawing with Cairo. It is a plain structure, not a
 * widget, so that the benchmark can lay out and draw graphs offscreen and
 * MmGraphView only adds input handling on top.
 *
 * Coordinates are "graph units": pixels at zoom 1, y pointing down, (0, 0)
 * the top-left corner of the bounding box.
 *
 * Folding: every node knows the module that built it (mm_node_get_scope:
 * "1." for the second layer, "1.0." nested deeper). A layout made with
 * mm_graph_layout_new_folded shows each module whose scope is not open as a
 * single box (a group box) standing for all its nodes, its parameters
 * included; an open module is a frame drawn around its nodes (a dot
 * cluster), whose title strip folds it again. Edges between a group box and
 * the rest stand for the real edges that cross the module's border, once
 * per pair of boxes.
 */
#pragma once

#include <gtk/gtk.h>
#include <myml.h>

G_BEGIN_DECLS

/* The colour language of ggml's graph dumps: what a node is for. */
typedef enum {
  MM_GRAPH_ROLE_COMPUTED,   /* an operation: neutral */
  MM_GRAPH_ROLE_PARAMETER,  /* a constant we differentiate against (weights, A, B) */
  MM_GRAPH_ROLE_INPUT,      /* data: the input batch, the targets */
  MM_GRAPH_ROLE_LOSS,       /* the number being minimised */
  MM_GRAPH_ROLE_GROUP,      /* a folded module: one box for all its nodes */
} MmGraphRole;

/* What the backward stepper (or anybody) wants a box to show. */
typedef enum {
  MM_GRAPH_MARK_NONE      = 0,
  MM_GRAPH_MARK_PENDING   = 1 << 0,  /* not computed yet in the walk: drawn faded */
  MM_GRAPH_MARK_CURRENT   = 1 << 1,  /* the node of the current step */
  MM_GRAPH_MARK_INPUT     = 1 << 2,  /* an input of the current node (receives from it) */
  MM_GRAPH_MARK_GRADIENT  = 1 << 3,  /* ∂L/∂node is complete */
  MM_GRAPH_MARK_PARTIAL   = 1 << 4,  /* some of ∂L/∂node has arrived */
  MM_GRAPH_MARK_SELECTED  = 1 << 5,  /* shown in the inspector */
  MM_GRAPH_MARK_BACKWARD  = 1 << 6,  /* the current step is a backward one (edges point back) */
} MmGraphMarks;

/* The text of a box: the title (the node's description, or a constant's
 * name), its label and shape, then two notes that somebody else fills in
 * (empty until then) whose room is reserved in every box so that the layout
 * does not change while stepping. SHAPE alone is the edge labels' text and is
 * not drawn in the box. */
enum {
  MM_GRAPH_LINE_TITLE,
  MM_GRAPH_LINE_LABEL,
  MM_GRAPH_LINE_VALUE,
  MM_GRAPH_LINE_GRADIENT,
  MM_GRAPH_LINE_SHAPE,
  MM_GRAPH_N_LINES
};

typedef struct {
  MmNode *node;                      /* a group box: the module's output (its last node) */
  MmGraphRole role;
  double x, y, width, height;        /* the box */
  PangoLayout *lines[MM_GRAPH_N_LINES];
  guint marks;                       /* MmGraphMarks */
  char *scope;                       /* a group box: the folded module's scope; else NULL */
  GPtrArray *members;                /* a group box: its nodes, in forward order; else NULL */
} MmGraphBox;

typedef struct {
  guint from;                        /* box of the input */
  guint to;                          /* box of the node that uses it */
  guint input_index;                 /* which input of @to */
  guint n_points;                    /* a cubic Bézier path: 1 + 3k points */
  graphene_point_t *points;
  gboolean has_arrow;
  graphene_point_t tip;              /* where the arrow head points */
  graphene_point_t label_center;     /* the shape label (the input's shape) */
  double label_width, label_height;
  graphene_rect_t bounds;            /* path, arrow and label */
  MmNode *source;                    /* the real edge: input @input_index of @target */
  MmNode *target;
  PangoLayout *label;                /* the shape text when @source is not @from's node, else NULL */
} MmGraphEdge;

/* An open module: a frame around its boxes, its title in a strip on top. */
typedef struct {
  char *scope;
  double x, y, width, height;
  double title_height;               /* the strip that folds the module when clicked */
  PangoLayout *title;
  guint depth;                       /* 0 for a top-level module */
} MmGraphFrame;

/* What to fold. */
typedef struct {
  GHashTable *titles;                /* scope → what the module is ("Linear(784, 100)"); may be NULL */
  GHashTable *expanded;              /* the set of open scopes; NULL: every module folded */
} MmGraphFolding;

/* How graph units map to the drawing: device = graph × zoom + offset. */
typedef struct {
  double zoom;
  double offset_x, offset_y;
  double width, height;              /* the area drawn, in device units */
  gboolean dark;                     /* a dark theme: lighter lines, darker fills */
} MmGraphViewport;

typedef struct _MmGraphLayout MmGraphLayout;

/* Lays out @nodes (and every input they reach that is not among them) with
 * dot, top to bottom or left to right. @context measures the text; its
 * resolution sets how big a point is. The layout holds references to the
 * nodes. */
MmGraphLayout  *mm_graph_layout_new        (guint              n_nodes,
                                            MmNode * const    *nodes,
                                            PangoContext      *context,
                                            gboolean           left_to_right,
                                            GError           **error);
/* The same with the modules folded as @folding says (NULL: nothing folded,
 * as mm_graph_layout_new). */
MmGraphLayout  *mm_graph_layout_new_folded (guint              n_nodes,
                                            MmNode * const    *nodes,
                                            PangoContext      *context,
                                            gboolean           left_to_right,
                                            const MmGraphFolding *folding,
                                            GError           **error);
void            mm_graph_layout_free       (MmGraphLayout     *layout);

double          mm_graph_layout_get_width  (MmGraphLayout     *layout);
double          mm_graph_layout_get_height (MmGraphLayout     *layout);
gboolean        mm_graph_layout_is_left_to_right (MmGraphLayout *layout);
/* How long dot took, in seconds (for the benchmark and the status line). */
double          mm_graph_layout_get_dot_time (MmGraphLayout   *layout);

guint           mm_graph_layout_get_n_boxes (MmGraphLayout    *layout);
MmGraphBox     *mm_graph_layout_get_box    (MmGraphLayout     *layout,
                                            guint              index);
/* The index of the box that shows @node (for a node inside a folded
 * module, the module's box), or -1. */
gint            mm_graph_layout_find       (MmGraphLayout     *layout,
                                            MmNode            *node);
guint           mm_graph_layout_get_n_edges (MmGraphLayout    *layout);
const MmGraphEdge *mm_graph_layout_get_edge (MmGraphLayout    *layout,
                                             guint             index);

/* The box of the folded module @scope, or -1. */
gint            mm_graph_layout_find_group (MmGraphLayout     *layout,
                                            const char        *scope);
guint           mm_graph_layout_get_n_frames (MmGraphLayout   *layout);
const MmGraphFrame *mm_graph_layout_get_frame (MmGraphLayout  *layout,
                                               guint           index);
/* The frame of the open module @scope, or -1. */
gint            mm_graph_layout_find_frame (MmGraphLayout     *layout,
                                            const char        *scope);
/* The frame whose title strip is under a point in graph units (the
 * innermost), or -1. */
gint            mm_graph_layout_hit_frame  (MmGraphLayout     *layout,
                                            double             x,
                                            double             y);

/* The scopes a node lies in, outermost first: "1.0." gives "1." and
 * "1.0.". Empty for a node that no module built. */
GPtrArray      *mm_graph_scope_chain       (MmNode            *node);

/* The box under a point in graph units, or -1. */
gint            mm_graph_layout_hit        (MmGraphLayout     *layout,
                                            double             x,
                                            double             y);

void            mm_graph_layout_set_marks  (MmGraphLayout     *layout,
                                            guint              index,
                                            guint              marks);
/* Sets the VALUE or GRADIENT line of a box (NULL clears it). */
void            mm_graph_layout_set_note   (MmGraphLayout     *layout,
                                            guint              index,
                                            guint              line,
                                            const char        *text);

/* Draws what lies inside the viewport; boxes and edges outside it are
 * skipped, and text too small to read is left out. */
void            mm_graph_layout_draw       (MmGraphLayout     *layout,
                                            cairo_t           *cr,
                                            const MmGraphViewport *viewport);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmGraphLayout, mm_graph_layout_free)

G_END_DECLS
