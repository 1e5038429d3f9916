/* mm-graph-view.c — the graph on screen: input handling over MmGraphLayout.
 *
 * The layout is computed once per graph (and per orientation) and kept; a
 * frame only transforms and draws the part in view, so panning and zooming
 * never run dot again. Marks and notes are kept per node here and copied
 * into the boxes of the layouts before they are drawn: a box that stands for
 * a folded module shows what its nodes have together (the current step
 * inside it, complete gradients when all its nodes have theirs), so that
 * folding, unfolding and turning the graph never lose them.
 */
#include "config.h"
#include "mm-graph-view.h"

#include <glib/gi18n.h>
#include <math.h>

#define ZOOM_MAX 4.0
#define ZOOM_STEP 1.2
#define FIT_MAX 1.5
#define ANIM_US (220 * 1000)
#define CLICK_SLOP 4.0
/* Graphs up to this size are laid out both ways at once, so that the view
 * can show the direction that fits the window better. */
#define AUTO_DIRECTION_MAX 300
/* Stepping zooms in at least this far, so that the current box can be read. */
#define READABLE_ZOOM 0.9

typedef struct {
  guint marks;                   /* MmGraphMarks without SELECTED */
  char *notes[2];                /* the VALUE and GRADIENT lines */
} NodeState;

static void
node_state_free (gpointer data)
{
  NodeState *st = data;

  g_free (st->notes[0]);
  g_free (st->notes[1]);
  g_free (st);
}

struct _MmGraphView {
  GtkWidget parent_instance;

  GPtrArray *nodes;              /* what was asked for */
  GHashTable *titles;            /* scope → module, when modules fold (else NULL) */
  GHashTable *expanded;          /* the open scopes */
  GHashTable *state;             /* MmNode* → NodeState */
  gboolean state_dirty;          /* the boxes do not show the state yet */
  MmGraphLayout *layouts[2];     /* top to bottom, left to right (built when needed) */
  MmGraphLayout *layout;         /* the one shown */
  gboolean auto_direction;       /* show whichever direction fits better */
  char *message;
  char *placeholder;
  MmNode *selected;
  gboolean left_to_right;

  double zoom, offset_x, offset_y;
  gboolean auto_fit;

  /* pan */
  double drag_offset_x, drag_offset_y;
  gboolean dragging;
  /* pinch */
  double pinch_zoom;
  /* pointer, for zooming about it */
  double pointer_x, pointer_y;
  gboolean have_pointer;
  /* animated pan and zoom: the graph point in the middle of the view, and the zoom */
  guint anim_id;
  gint64 anim_start;
  double anim_from_cx, anim_from_cy, anim_from_zoom, anim_to_cx, anim_to_cy, anim_to_zoom;
};

G_DEFINE_FINAL_TYPE (MmGraphView, mm_graph_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ZOOM,
  PROP_LEFT_TO_RIGHT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  NODE_ACTIVATED,
  SELECTION_CHANGED,
  FOLDING_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- Geometry -------------------------------------------------------------------- */

/* The legend's strip at the bottom is kept free when fitting. */
#define LEGEND_HEIGHT 30.0

static double
fit_zoom_of (MmGraphView   *self,
             MmGraphLayout *layout)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self)) - LEGEND_HEIGHT;

  if (layout == NULL || w <= 0 || h <= 0)
    return 1.0;
  return MIN (FIT_MAX, MIN (w / mm_graph_layout_get_width (layout),
                            h / mm_graph_layout_get_height (layout)));
}

static double
fit_zoom (MmGraphView *self)
{
  return fit_zoom_of (self, self->layout);
}

static double
min_zoom (MmGraphView *self)
{
  return MIN (0.05, fit_zoom (self) * 0.5);
}

static void
stop_animation (MmGraphView *self)
{
  if (self->anim_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->anim_id);
  self->anim_id = 0;
}

/* Zoom to @zoom keeping the graph point under (cx, cy) where it is. */
static void
zoom_about (MmGraphView *self,
            double       zoom,
            double       cx,
            double       cy)
{
  double gx, gy;

  zoom = CLAMP (zoom, min_zoom (self), ZOOM_MAX);
  if (zoom == self->zoom)
    return;
  stop_animation (self);
  gx = (cx - self->offset_x) / self->zoom;
  gy = (cy - self->offset_y) / self->zoom;
  self->zoom = zoom;
  self->offset_x = cx - gx * zoom;
  self->offset_y = cy - gy * zoom;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* In automatic mode, the direction whose layout is bigger on screen. */
static void
choose_direction (MmGraphView *self)
{
  gboolean lr;

  if (!self->auto_direction || self->layouts[0] == NULL || self->layouts[1] == NULL ||
      gtk_widget_get_width (GTK_WIDGET (self)) <= 0)
    return;
  /* Top to bottom unless left to right is clearly better. */
  lr = fit_zoom_of (self, self->layouts[1]) > 1.1 * fit_zoom_of (self, self->layouts[0]);
  if (lr == self->left_to_right)
    return;
  self->left_to_right = lr;
  self->layout = self->layouts[lr];
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEFT_TO_RIGHT]);
}

static void
apply_fit (MmGraphView *self)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self));
  double zoom;

  choose_direction (self);
  if (self->layout == NULL)
    return;
  zoom = fit_zoom (self);
  stop_animation (self);
  self->offset_x = (w - mm_graph_layout_get_width (self->layout) * zoom) / 2;
  self->offset_y = (h - LEGEND_HEIGHT - mm_graph_layout_get_height (self->layout) * zoom) / 2;
  if (zoom != self->zoom)
    {
      self->zoom = zoom;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- Layout ---------------------------------------------------------------------- */

static MmGraphLayout *
build_layout (MmGraphView *self,
              gboolean     left_to_right)
{
  g_autoptr(GError) error = NULL;
  MmGraphLayout *layout;

  MmGraphFolding folding = { self->titles, self->expanded };

  layout = mm_graph_layout_new_folded (self->nodes->len, (MmNode **) self->nodes->pdata,
                                       gtk_widget_get_pango_context (GTK_WIDGET (self)),
                                       left_to_right, self->titles ? &folding : NULL, &error);
  if (layout == NULL)
    {
      g_free (self->message);
      self->message = g_strdup (error->message);
    }
  return layout;
}

/* The state of the nodes, onto the boxes of @layout. */
static void
sync_layout (MmGraphView   *self,
             MmGraphLayout *layout)
{
  gint selected_box = self->selected ? mm_graph_layout_find (layout, self->selected) : -1;

  for (guint i = 0; i < mm_graph_layout_get_n_boxes (layout); i++)
    {
      MmGraphBox *b = mm_graph_layout_get_box (layout, i);
      NodeState *st = g_hash_table_lookup (self->state, b->node);
      guint marks = st ? st->marks : 0;

      if (b->members != NULL)
        {
          guint any = 0, n_pending = 0, n_complete = 0, n_partial = 0;

          for (guint k = 0; k < b->members->len; k++)
            {
              NodeState *ms = g_hash_table_lookup (self->state, g_ptr_array_index (b->members, k));
              guint m = ms ? ms->marks : 0;

              any |= m;
              n_pending += (m & MM_GRAPH_MARK_PENDING) != 0;
              n_complete += (m & MM_GRAPH_MARK_GRADIENT) != 0;
              n_partial += (m & MM_GRAPH_MARK_PARTIAL) != 0;
            }
          marks = any & (MM_GRAPH_MARK_CURRENT | MM_GRAPH_MARK_INPUT | MM_GRAPH_MARK_BACKWARD);
          if (n_pending == b->members->len)
            marks |= MM_GRAPH_MARK_PENDING;
          if (n_complete == b->members->len)
            marks |= MM_GRAPH_MARK_GRADIENT;
          else if (n_complete + n_partial > 0)
            marks |= MM_GRAPH_MARK_PARTIAL;
        }
      if ((gint) i == selected_box)
        marks |= MM_GRAPH_MARK_SELECTED;
      mm_graph_layout_set_marks (layout, i, marks);
      /* A folded module shows the numbers of its output. */
      mm_graph_layout_set_note (layout, i, MM_GRAPH_LINE_VALUE, st ? st->notes[0] : NULL);
      mm_graph_layout_set_note (layout, i, MM_GRAPH_LINE_GRADIENT, st ? st->notes[1] : NULL);
    }
}

static void
sync_state (MmGraphView *self)
{
  if (!self->state_dirty)
    return;
  self->state_dirty = FALSE;
  for (int k = 0; k < 2; k++)
    if (self->layouts[k] != NULL)
      sync_layout (self, self->layouts[k]);
}

static void
state_changed (MmGraphView *self)
{
  self->state_dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static NodeState *
ensure_state (MmGraphView *self,
              MmNode      *node)
{
  NodeState *st = g_hash_table_lookup (self->state, node);

  if (st == NULL)
    {
      st = g_new0 (NodeState, 1);
      g_hash_table_insert (self->state, node, st);
    }
  return st;
}

/* Whether @node is in the graph shown (in a box of its own or folded). */
static gboolean
knows_node (MmGraphView *self,
            MmNode      *node)
{
  return node != NULL && self->layout != NULL && mm_graph_layout_find (self->layout, node) >= 0;
}

static void
build_layouts (MmGraphView *self)
{
  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->layouts[0], mm_graph_layout_free);
  g_clear_pointer (&self->layouts[1], mm_graph_layout_free);
  self->layout = NULL;
  if (self->nodes->len > 0)
    {
      gboolean lr = self->auto_direction ? FALSE : self->left_to_right;

      self->layouts[lr] = build_layout (self, lr);
      if (self->layouts[lr] != NULL && self->auto_direction &&
          mm_graph_layout_get_n_boxes (self->layouts[lr]) <= AUTO_DIRECTION_MAX)
        self->layouts[!lr] = build_layout (self, !lr);
      self->layout = self->layouts[lr];
      if (self->left_to_right != lr)
        {
          self->left_to_right = lr;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEFT_TO_RIGHT]);
        }
    }
  self->state_dirty = TRUE;
}

static void
relayout (MmGraphView *self)
{
  build_layouts (self);
  self->auto_fit = TRUE;
  apply_fit (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mm_graph_view_set_nodes (MmGraphView    *self,
                         guint           n_nodes,
                         MmNode * const *nodes)
{
  mm_graph_view_set_graph (self, n_nodes, nodes, NULL);
}

void
mm_graph_view_set_graph (MmGraphView    *self,
                         guint           n_nodes,
                         MmNode * const *nodes,
                         GHashTable     *scope_titles)
{
  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  g_return_if_fail (n_nodes == 0 || nodes != NULL);

  g_clear_pointer (&self->titles, g_hash_table_unref);
  if (scope_titles != NULL)
    self->titles = g_hash_table_ref (scope_titles);
  g_hash_table_remove_all (self->state);
  g_ptr_array_set_size (self->nodes, 0);
  for (guint i = 0; i < n_nodes; i++)
    if (nodes[i] != NULL)
      g_ptr_array_add (self->nodes, mm_node_ref (nodes[i]));
  if (self->selected != NULL)
    {
      g_clear_pointer (&self->selected, mm_node_unref);
      g_signal_emit (self, signals[SELECTION_CHANGED], 0);
    }
  relayout (self);
}

void
mm_graph_view_set_root (MmGraphView *self,
                        MmNode      *root)
{
  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  mm_graph_view_set_nodes (self, root ? 1 : 0, &root);
}

MmGraphLayout *
mm_graph_view_get_layout (MmGraphView *self)
{
  g_return_val_if_fail (MM_IS_GRAPH_VIEW (self), NULL);
  sync_state (self);
  return self->layout;
}

const char *
mm_graph_view_get_message (MmGraphView *self)
{
  g_return_val_if_fail (MM_IS_GRAPH_VIEW (self), NULL);
  return self->message;
}

void
mm_graph_view_set_placeholder (MmGraphView *self,
                               const char  *text)
{
  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  if (g_strcmp0 (self->placeholder, text) == 0)
    return;
  g_free (self->placeholder);
  self->placeholder = g_strdup (text);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
mm_graph_view_get_left_to_right (MmGraphView *self)
{
  g_return_val_if_fail (MM_IS_GRAPH_VIEW (self), FALSE);
  return self->left_to_right;
}

void
mm_graph_view_set_left_to_right (MmGraphView *self,
                                 gboolean     left_to_right)
{
  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  left_to_right = !!left_to_right;
  self->auto_direction = FALSE;
  if (self->left_to_right == left_to_right)
    return;
  self->left_to_right = left_to_right;
  if (self->nodes->len > 0 && self->layouts[left_to_right] == NULL)
    {
      self->layouts[left_to_right] = build_layout (self, left_to_right);
      self->state_dirty = TRUE;
    }
  self->layout = self->layouts[left_to_right];
  self->auto_fit = TRUE;
  apply_fit (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEFT_TO_RIGHT]);
}

gboolean
mm_graph_view_get_auto_direction (MmGraphView *self)
{
  g_return_val_if_fail (MM_IS_GRAPH_VIEW (self), FALSE);
  return self->auto_direction;
}

void
mm_graph_view_set_auto_direction (MmGraphView *self,
                                  gboolean     auto_direction)
{
  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  auto_direction = !!auto_direction;
  if (self->auto_direction == auto_direction)
    return;
  self->auto_direction = auto_direction;
  if (auto_direction && self->nodes->len > 0 && self->layouts[!self->left_to_right] == NULL &&
      self->layout != NULL && mm_graph_layout_get_n_boxes (self->layout) <= AUTO_DIRECTION_MAX)
    {
      gboolean other = !self->left_to_right;
      self->layouts[other] = build_layout (self, other);
      self->state_dirty = TRUE;
    }
  if (self->auto_fit)
    apply_fit (self);
}

/* ---- Zoom and pan ------------------------------------------------------------------ */

double
mm_graph_view_get_zoom (MmGraphView *self)
{
  g_return_val_if_fail (MM_IS_GRAPH_VIEW (self), 1.0);
  return self->zoom;
}

void
mm_graph_view_set_zoom (MmGraphView *self,
                        double       zoom)
{
  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  g_return_if_fail (zoom > 0);
  self->auto_fit = FALSE;
  zoom_about (self, zoom, gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
              gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

void
mm_graph_view_zoom_in (MmGraphView *self)
{
  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  mm_graph_view_set_zoom (self, self->zoom * ZOOM_STEP);
}

void
mm_graph_view_zoom_out (MmGraphView *self)
{
  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  mm_graph_view_set_zoom (self, self->zoom / ZOOM_STEP);
}

void
mm_graph_view_zoom_to_fit (MmGraphView *self)
{
  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  self->auto_fit = TRUE;
  apply_fit (self);
}

static gboolean
animate_tick (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       data)
{
  MmGraphView *self = MM_GRAPH_VIEW (widget);
  double t = (gdk_frame_clock_get_frame_time (clock) - self->anim_start) / (double) ANIM_US;
  double e, cx, cy, zoom;

  t = CLAMP (t, 0, 1);
  e = 1 - pow (1 - t, 3);  /* ease out */
  zoom = self->anim_from_zoom + (self->anim_to_zoom - self->anim_from_zoom) * e;
  cx = self->anim_from_cx + (self->anim_to_cx - self->anim_from_cx) * e;
  cy = self->anim_from_cy + (self->anim_to_cy - self->anim_from_cy) * e;
  self->offset_x = gtk_widget_get_width (widget) / 2.0 - cx * zoom;
  self->offset_y = gtk_widget_get_height (widget) / 2.0 - cy * zoom;
  if (zoom != self->zoom)
    {
      self->zoom = zoom;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
    }
  gtk_widget_queue_draw (widget);
  if (t >= 1)
    {
      self->anim_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* Moves (smoothly when @animate) so that graph point (cx, cy) is in the
 * middle of the view at @zoom. */
static void
move_to (MmGraphView *self,
         double       cx,
         double       cy,
         double       zoom,
         gboolean     animate)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self));

  self->auto_fit = FALSE;
  stop_animation (self);
  if (!animate || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->offset_x = w / 2 - cx * zoom;
      self->offset_y = h / 2 - cy * zoom;
      if (zoom != self->zoom)
        {
          self->zoom = zoom;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
        }
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }
  self->anim_from_zoom = self->zoom;
  self->anim_from_cx = (w / 2 - self->offset_x) / self->zoom;
  self->anim_from_cy = (h / 2 - self->offset_y) / self->zoom;
  self->anim_to_zoom = zoom;
  self->anim_to_cx = cx;
  self->anim_to_cy = cy;
  self->anim_start = gdk_frame_clock_get_frame_time (gtk_widget_get_frame_clock (GTK_WIDGET (self)));
  self->anim_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), animate_tick, NULL, NULL);
}

/* Moves so that @want (graph units) is in view at a zoom of at least
 * @min_zoom_wanted; if it is too big for that, @must (inside it) is. */
static void
show_rect (MmGraphView           *self,
           const graphene_rect_t *want,
           const graphene_rect_t *must,
           double                 min_zoom_wanted,
           gboolean               animate)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self)) - LEGEND_HEIGHT;
  const double margin = 24;
  gboolean moving = self->anim_id != 0;
  double zoom_now = moving ? self->anim_to_zoom : self->zoom;
  double zoom = MAX (zoom_now, min_zoom_wanted);
  double ox, oy, x0, y0, x1, y1;
  const graphene_rect_t *r = want;

  if (w <= 0 || h <= 0)
    return;
  if (want->size.width * zoom > w - 2 * margin || want->size.height * zoom > h - 2 * margin)
    r = must;
  /* Where it is now (an animation counts where it ends). */
  ox = moving ? w / 2 - self->anim_to_cx * zoom_now : self->offset_x;
  oy = moving ? (h + LEGEND_HEIGHT) / 2 - self->anim_to_cy * zoom_now : self->offset_y;
  x0 = r->origin.x * zoom_now + ox;
  y0 = r->origin.y * zoom_now + oy;
  x1 = x0 + r->size.width * zoom_now;
  y1 = y0 + r->size.height * zoom_now;
  if (zoom == zoom_now && x0 >= margin && y0 >= margin && x1 <= w - margin && y1 <= h - margin)
    return;
  move_to (self, r->origin.x + r->size.width / 2, r->origin.y + r->size.height / 2 + LEGEND_HEIGHT / 2 / zoom,
           zoom, animate);
}

static gboolean
box_rect (MmGraphView     *self,
          MmNode          *node,
          graphene_rect_t *rect)
{
  gint i;
  MmGraphBox *b;

  if (self->layout == NULL || node == NULL)
    return FALSE;
  i = mm_graph_layout_find (self->layout, node);
  if (i < 0)
    return FALSE;
  b = mm_graph_layout_get_box (self->layout, i);
  graphene_rect_init (rect, b->x, b->y, b->width, b->height);
  return TRUE;
}

void
mm_graph_view_scroll_to_node (MmGraphView *self,
                              MmNode      *node,
                              gboolean     animate)
{
  graphene_rect_t r;

  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  if (box_rect (self, node, &r))
    show_rect (self, &r, &r, 0, animate);
}

void
mm_graph_view_focus_nodes (MmGraphView    *self,
                           guint           n_nodes,
                           MmNode * const *nodes)
{
  graphene_rect_t first, all, r;

  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  if (n_nodes == 0 || !box_rect (self, nodes[0], &first))
    return;
  all = first;
  for (guint i = 1; i < n_nodes; i++)
    if (box_rect (self, nodes[i], &r))
      graphene_rect_union (&all, &r, &all);
  show_rect (self, &all, &first, MIN (READABLE_ZOOM, ZOOM_MAX), TRUE);
}

void
mm_graph_view_graph_to_widget (MmGraphView *self,
                               double       gx,
                               double       gy,
                               double      *x,
                               double      *y)
{
  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  if (x)
    *x = gx * self->zoom + self->offset_x;
  if (y)
    *y = gy * self->zoom + self->offset_y;
}

MmNode *
mm_graph_view_node_at (MmGraphView *self,
                       double       x,
                       double       y)
{
  gint i;

  g_return_val_if_fail (MM_IS_GRAPH_VIEW (self), NULL);
  if (self->layout == NULL)
    return NULL;
  i = mm_graph_layout_hit (self->layout, (x - self->offset_x) / self->zoom,
                           (y - self->offset_y) / self->zoom);
  return i < 0 ? NULL : mm_graph_layout_get_box (self->layout, i)->node;
}

/* ---- Selection and marks ------------------------------------------------------------ */

MmNode *
mm_graph_view_get_selected (MmGraphView *self)
{
  g_return_val_if_fail (MM_IS_GRAPH_VIEW (self), NULL);
  return self->selected;
}

void
mm_graph_view_set_selected (MmGraphView *self,
                            MmNode      *node)
{
  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  if (!knows_node (self, node))
    node = NULL;
  if (node == self->selected)
    return;
  g_clear_pointer (&self->selected, mm_node_unref);
  if (node)
    self->selected = mm_node_ref (node);
  state_changed (self);
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

void
mm_graph_view_set_marks (MmGraphView *self,
                         MmNode      *node,
                         guint        marks)
{
  NodeState *st;

  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  if (!knows_node (self, node))
    return;
  marks &= ~MM_GRAPH_MARK_SELECTED;
  st = g_hash_table_lookup (self->state, node);
  if ((st ? st->marks : 0) == marks)
    return;
  ensure_state (self, node)->marks = marks;
  state_changed (self);
}

guint
mm_graph_view_get_marks (MmGraphView *self,
                         MmNode      *node)
{
  NodeState *st;

  g_return_val_if_fail (MM_IS_GRAPH_VIEW (self), 0);
  if (!knows_node (self, node))
    return 0;
  st = g_hash_table_lookup (self->state, node);
  return (st ? st->marks : 0) | (node == self->selected ? MM_GRAPH_MARK_SELECTED : 0);
}

void
mm_graph_view_set_note (MmGraphView *self,
                        MmNode      *node,
                        guint        line,
                        const char  *text)
{
  NodeState *st;
  guint k;

  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  g_return_if_fail (line == MM_GRAPH_LINE_VALUE || line == MM_GRAPH_LINE_GRADIENT);
  if (!knows_node (self, node))
    return;
  k = line == MM_GRAPH_LINE_VALUE ? 0 : 1;
  st = g_hash_table_lookup (self->state, node);
  if (g_strcmp0 (st ? st->notes[k] : NULL, text) == 0)
    return;
  st = ensure_state (self, node);
  g_free (st->notes[k]);
  st->notes[k] = g_strdup (text);
  state_changed (self);
}

void
mm_graph_view_clear_marks (MmGraphView *self)
{
  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  g_hash_table_remove_all (self->state);
  state_changed (self);
}

/* ---- Folding -------------------------------------------------------------------------- */

GHashTable *
mm_graph_view_get_scope_titles (MmGraphView *self)
{
  g_return_val_if_fail (MM_IS_GRAPH_VIEW (self), NULL);
  return self->titles;
}

/* The layouts again with the modules folded as they are now; the zoom stays
 * unless the graph was fitted, and @scope (just opened or closed) is shown. */
static void
refold (MmGraphView *self,
        const char  *scope)
{
  gboolean fitted = self->auto_fit;

  if (self->nodes->len == 0)
    return;
  build_layouts (self);
  g_signal_emit (self, signals[FOLDING_CHANGED], 0);
  if (fitted || self->layout == NULL)
    {
      self->auto_fit = TRUE;
      apply_fit (self);
    }
  else if (scope != NULL)
    {
      gint i = mm_graph_layout_find_frame (self->layout, scope);
      graphene_rect_t r;

      if (i >= 0)
        {
          const MmGraphFrame *f = mm_graph_layout_get_frame (self->layout, i);
          graphene_rect_init (&r, f->x, f->y, f->width, f->height);
          show_rect (self, &r, &GRAPHENE_RECT_INIT (f->x, f->y, f->width, f->title_height), 0, FALSE);
        }
      else if ((i = mm_graph_layout_find_group (self->layout, scope)) >= 0)
        {
          MmGraphBox *b = mm_graph_layout_get_box (self->layout, i);
          graphene_rect_init (&r, b->x, b->y, b->width, b->height);
          show_rect (self, &r, &r, 0, FALSE);
        }
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
mm_graph_view_get_expanded (MmGraphView *self,
                            const char  *scope)
{
  g_return_val_if_fail (MM_IS_GRAPH_VIEW (self), FALSE);
  return scope != NULL && g_hash_table_contains (self->expanded, scope);
}

void
mm_graph_view_set_expanded (MmGraphView *self,
                            const char  *scope,
                            gboolean     expanded)
{
  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  g_return_if_fail (scope != NULL);

  if (!!expanded == mm_graph_view_get_expanded (self, scope))
    return;
  if (expanded)
    g_hash_table_add (self->expanded, g_strdup (scope));
  else
    g_hash_table_remove (self->expanded, scope);
  if (self->titles != NULL)
    refold (self, scope);
}

void
mm_graph_view_set_all_expanded (MmGraphView *self,
                                gboolean     expanded)
{
  gboolean changed = FALSE;

  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  if (!expanded)
    {
      changed = g_hash_table_size (self->expanded) > 0;
      g_hash_table_remove_all (self->expanded);
    }
  else
    for (guint i = 0; i < self->nodes->len; i++)
      {
        g_autoptr(GPtrArray) order = mm_node_collect (g_ptr_array_index (self->nodes, i));

        for (guint k = 0; k < order->len; k++)
          {
            g_autoptr(GPtrArray) chain = mm_graph_scope_chain (g_ptr_array_index (order, k));

            for (guint c = 0; c < chain->len; c++)
              if (!g_hash_table_contains (self->expanded, g_ptr_array_index (chain, c)))
                {
                  g_hash_table_add (self->expanded, g_strdup (g_ptr_array_index (chain, c)));
                  changed = TRUE;
                }
          }
      }
  if (changed && self->titles != NULL)
    {
      self->auto_fit = TRUE;
      refold (self, NULL);
    }
}

gboolean
mm_graph_view_reveal_node (MmGraphView *self,
                           MmNode      *node)
{
  g_autoptr(GPtrArray) chain = NULL;
  const char *last = NULL;

  g_return_val_if_fail (MM_IS_GRAPH_VIEW (self), FALSE);
  if (!knows_node (self, node))
    return FALSE;
  chain = mm_graph_scope_chain (node);
  for (guint c = 0; c < chain->len; c++)
    if (!g_hash_table_contains (self->expanded, g_ptr_array_index (chain, c)))
      {
        last = g_ptr_array_index (chain, c);
        g_hash_table_add (self->expanded, g_strdup (last));
      }
  if (last != NULL && self->titles != NULL)
    refold (self, last);
  return TRUE;
}

/* ---- Drawing ------------------------------------------------------------------------- */

static gboolean
is_dark (MmGraphView *self)
{
  GdkRGBA fg;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  return 0.299 * fg.red + 0.587 * fg.green + 0.114 * fg.blue > 0.5;
}

static gboolean
has_groups (MmGraphLayout *layout)
{
  for (guint i = 0; i < mm_graph_layout_get_n_boxes (layout); i++)
    if (mm_graph_layout_get_box (layout, i)->scope != NULL)
      return TRUE;
  return FALSE;
}

static void
draw_legend (MmGraphView *self,
             cairo_t     *cr,
             double       height,
             gboolean     dark)
{
  static const struct { const char *fill, *border, *dfill, *dborder; } swatch[] = {
    { "#fbe6a2", "#b57a00", "#5c4410", "#f6d32d" },
    { "#cde3f9", "#1c71d8", "#173a61", "#99c1f1" },
    { "#f6f5f4", "#5e5c64", "#3d3846", "#c0bfbc" },
    { "#f9cfcf", "#c01c28", "#5f1a1f", "#f66151" },
    { "#e8dff5", "#613583", "#3b2e4f", "#c061cb" },
  };
  const char *names[] = { _("constant / parameter"), _("data"), _("operation"), _("loss"),
                          _("layer (click to open or fold)") };
  /* The last one only when the graph has layers to fold. */
  guint n_swatches = self->titles != NULL && self->layout != NULL &&
                     (mm_graph_layout_get_n_frames (self->layout) > 0 || has_groups (self->layout))
                     ? G_N_ELEMENTS (swatch) : G_N_ELEMENTS (swatch) - 1;
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  double x = 10, y = height - 10;
  int tw, th;

  pango_layout_set_text (layout, names[0], -1);
  pango_layout_get_pixel_size (layout, &tw, &th);
  y -= th + 4;

  /* A backing so that the legend reads over the graph. */
  {
    double total = 0;
    for (guint i = 0; i < n_swatches; i++)
      {
        pango_layout_set_text (layout, names[i], -1);
        pango_layout_get_pixel_size (layout, &tw, &th);
        total += th + tw + 16;
      }
    cairo_rectangle (cr, x - 6, y - 3, total, th + 6);
    if (dark)
      cairo_set_source_rgba (cr, 0.14, 0.14, 0.14, 0.88);
    else
      cairo_set_source_rgba (cr, 1, 1, 1, 0.88);
    cairo_fill (cr);
  }
  for (guint i = 0; i < n_swatches; i++)
    {
      GdkRGBA f, b;

      gdk_rgba_parse (&f, dark ? swatch[i].dfill : swatch[i].fill);
      gdk_rgba_parse (&b, dark ? swatch[i].dborder : swatch[i].border);
      cairo_rectangle (cr, x + 0.5, y + 2.5, th - 5, th - 5);
      gdk_cairo_set_source_rgba (cr, &f);
      cairo_fill_preserve (cr);
      gdk_cairo_set_source_rgba (cr, &b);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
      pango_layout_set_text (layout, names[i], -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_move_to (cr, x + th, y);
      cairo_set_source_rgba (cr, dark ? 1 : 0, dark ? 1 : 0, dark ? 1 : 0, 0.7);
      pango_cairo_show_layout (cr, layout);
      x += th + tw + 16;
    }
  g_object_unref (layout);
}

void
mm_graph_view_draw (MmGraphView *self,
                    cairo_t     *cr,
                    double       width,
                    double       height)
{
  gboolean dark;

  g_return_if_fail (MM_IS_GRAPH_VIEW (self));
  dark = is_dark (self);
  if (dark)
    cairo_set_source_rgb (cr, 0.14, 0.14, 0.14);
  else
    cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);

  if (self->layout == NULL)
    {
      const char *text = self->message ? self->message : self->placeholder;
      PangoLayout *layout;
      int tw, th;

      if (text == NULL)
        return;
      layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
      pango_layout_set_width (layout, (int) (MAX (100, width - 40) * PANGO_SCALE));
      pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_move_to (cr, 20, (height - th) / 2);
      cairo_set_source_rgba (cr, dark ? 1 : 0, dark ? 1 : 0, dark ? 1 : 0, 0.6);
      pango_cairo_show_layout (cr, layout);
      g_object_unref (layout);
      return;
    }

  sync_state (self);
  mm_graph_layout_draw (self->layout, cr, &(MmGraphViewport) {
                          .zoom = self->zoom,
                          .offset_x = self->offset_x,
                          .offset_y = self->offset_y,
                          .width = width,
                          .height = height,
                          .dark = dark,
                        });
  draw_legend (self, cr, height, dark);
}

static void
mm_graph_view_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  MmGraphView *self = MM_GRAPH_VIEW (widget);
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (w <= 0 || h <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  mm_graph_view_draw (self, cr, w, h);
  cairo_destroy (cr);
}

static void
mm_graph_view_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  MmGraphView *self = MM_GRAPH_VIEW (widget);

  if (self->auto_fit)
    apply_fit (self);
}

static void
mm_graph_view_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  *minimum = 160;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 640 : 480;
}

/* ---- Input --------------------------------------------------------------------------- */

static void
drag_begin (GtkGestureDrag *gesture,
            double          x,
            double          y,
            MmGraphView    *self)
{
  stop_animation (self);
  self->drag_offset_x = self->offset_x;
  self->drag_offset_y = self->offset_y;
  self->dragging = FALSE;
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
drag_update (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             MmGraphView    *self)
{
  if (!self->dragging && hypot (dx, dy) < CLICK_SLOP)
    return;
  if (!self->dragging)
    gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
  self->dragging = TRUE;
  self->auto_fit = FALSE;
  self->offset_x = self->drag_offset_x + dx;
  self->offset_y = self->drag_offset_y + dy;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
drag_end (GtkGestureDrag *gesture,
          double          dx,
          double          dy,
          MmGraphView    *self)
{
  double x, y;
  MmNode *node;

  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
  if (self->dragging)
    {
      self->dragging = FALSE;
      return;
    }
  /* Not moved: a click. A folded module opens, the title of an open one
   * folds it, a node is selected. */
  gtk_gesture_drag_get_start_point (gesture, &x, &y);
  if (mm_graph_view_click_group (self, x, y))
    return;
  node = mm_graph_view_node_at (self, x, y);
  mm_graph_view_set_selected (self, node);
  if (node != NULL)
    g_signal_emit (self, signals[NODE_ACTIVATED], 0, node);
}

gboolean
mm_graph_view_click_group (MmGraphView *self,
                           double       x,
                           double       y)
{
  double gx, gy;
  gint i;

  g_return_val_if_fail (MM_IS_GRAPH_VIEW (self), FALSE);
  if (self->layout == NULL || self->titles == NULL)
    return FALSE;
  gx = (x - self->offset_x) / self->zoom;
  gy = (y - self->offset_y) / self->zoom;
  i = mm_graph_layout_hit (self->layout, gx, gy);
  if (i >= 0)
    {
      MmGraphBox *b = mm_graph_layout_get_box (self->layout, i);
      g_autofree char *scope = g_strdup (b->scope);

      if (scope == NULL)
        return FALSE;
      mm_graph_view_set_expanded (self, scope, TRUE);
      return TRUE;
    }
  i = mm_graph_layout_hit_frame (self->layout, gx, gy);
  if (i >= 0)
    {
      g_autofree char *scope = g_strdup (mm_graph_layout_get_frame (self->layout, i)->scope);
      mm_graph_view_set_expanded (self, scope, FALSE);
      return TRUE;
    }
  return FALSE;
}

static gboolean
scrolled (GtkEventControllerScroll *controller,
          double                    dx,
          double                    dy,
          MmGraphView              *self)
{
  double cx = self->have_pointer ? self->pointer_x : gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
  double cy = self->have_pointer ? self->pointer_y : gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;

  if (self->layout == NULL || dy == 0)
    return FALSE;
  self->auto_fit = FALSE;
  zoom_about (self, self->zoom * pow (ZOOM_STEP, -dy), cx, cy);
  return TRUE;
}

static void
motion (GtkEventControllerMotion *controller,
        double                    x,
        double                    y,
        MmGraphView              *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
  self->have_pointer = TRUE;
  if (!self->dragging)
    gtk_widget_set_cursor_from_name (GTK_WIDGET (self),
                                     mm_graph_view_node_at (self, x, y) ||
                                     (self->layout != NULL &&
                                      mm_graph_layout_hit_frame (self->layout, (x - self->offset_x) / self->zoom,
                                                                 (y - self->offset_y) / self->zoom) >= 0)
                                     ? "pointer" : NULL);
}

static void
leave (GtkEventControllerMotion *controller,
       MmGraphView              *self)
{
  self->have_pointer = FALSE;
}

static void
pinch_begin (GtkGesture       *gesture,
             GdkEventSequence *sequence,
             MmGraphView      *self)
{
  self->pinch_zoom = self->zoom;
}

static void
pinch_changed (GtkGestureZoom *gesture,
               double          scale,
               MmGraphView    *self)
{
  double cx, cy;

  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &cx, &cy))
    {
      cx = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
      cy = gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;
    }
  self->auto_fit = FALSE;
  zoom_about (self, self->pinch_zoom * scale, cx, cy);
}

static gboolean
key_pressed (GtkEventControllerKey *controller,
             guint                  keyval,
             guint                  keycode,
             GdkModifierType        state,
             MmGraphView           *self)
{
  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_plus:
    case GDK_KEY_equal:
    case GDK_KEY_KP_Add:
      mm_graph_view_zoom_in (self);
      return TRUE;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
      mm_graph_view_zoom_out (self);
      return TRUE;
    case GDK_KEY_0:
    case GDK_KEY_KP_0:
      mm_graph_view_zoom_to_fit (self);
      return TRUE;
    case GDK_KEY_1:
    case GDK_KEY_KP_1:
      mm_graph_view_set_zoom (self, 1.0);
      return TRUE;
    default:
      return FALSE;
    }
}

/* ---- GObject ---------------------------------------------------------------------- */

static void
mm_graph_view_dispose (GObject *object)
{
  MmGraphView *self = MM_GRAPH_VIEW (object);

  stop_animation (self);
  G_OBJECT_CLASS (mm_graph_view_parent_class)->dispose (object);
}

static void
mm_graph_view_finalize (GObject *object)
{
  MmGraphView *self = MM_GRAPH_VIEW (object);

  g_clear_pointer (&self->layouts[0], mm_graph_layout_free);
  g_clear_pointer (&self->layouts[1], mm_graph_layout_free);
  self->layout = NULL;
  g_clear_pointer (&self->nodes, g_ptr_array_unref);
  g_clear_pointer (&self->titles, g_hash_table_unref);
  g_clear_pointer (&self->expanded, g_hash_table_unref);
  g_clear_pointer (&self->state, g_hash_table_unref);
  g_clear_pointer (&self->selected, mm_node_unref);
  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->placeholder, g_free);
  G_OBJECT_CLASS (mm_graph_view_parent_class)->finalize (object);
}

static void
mm_graph_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  MmGraphView *self = MM_GRAPH_VIEW (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    case PROP_LEFT_TO_RIGHT:
      g_value_set_boolean (value, self->left_to_right);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mm_graph_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  MmGraphView *self = MM_GRAPH_VIEW (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      mm_graph_view_set_zoom (self, g_value_get_double (value));
      break;
    case PROP_LEFT_TO_RIGHT:
      mm_graph_view_set_left_to_right (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mm_graph_view_class_init (MmGraphViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_graph_view_dispose;
  object_class->finalize = mm_graph_view_finalize;
  object_class->get_property = mm_graph_view_get_property;
  object_class->set_property = mm_graph_view_set_property;
  widget_class->snapshot = mm_graph_view_snapshot;
  widget_class->size_allocate = mm_graph_view_size_allocate;
  widget_class->measure = mm_graph_view_measure;

  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, 0.001, ZOOM_MAX, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LEFT_TO_RIGHT] =
    g_param_spec_boolean ("left-to-right", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A box was clicked; the argument is the MmNode. */
  signals[NODE_ACTIVATED] =
    g_signal_new ("node-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SELECTION_CHANGED] =
    g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A module was opened or folded (the layout changed). */
  signals[FOLDING_CHANGED] =
    g_signal_new ("folding-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "graphview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
mm_graph_view_init (MmGraphView *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *pinch = gtk_gesture_zoom_new ();
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  GtkEventController *move = gtk_event_controller_motion_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  self->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);
  self->expanded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->state = g_hash_table_new_full (NULL, NULL, NULL, node_state_free);
  self->zoom = 1.0;
  self->auto_fit = TRUE;
  self->auto_direction = TRUE;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  g_signal_connect (pinch, "begin", G_CALLBACK (pinch_begin), self);
  g_signal_connect (pinch, "scale-changed", G_CALLBACK (pinch_changed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (pinch));

  g_signal_connect (scroll, "scroll", G_CALLBACK (scrolled), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  g_signal_connect (move, "motion", G_CALLBACK (motion), self);
  g_signal_connect (move, "leave", G_CALLBACK (leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), move);

  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Computational graph"), -1);
}

GtkWidget *
mm_graph_view_new (void)
{
  return g_object_new (MM_TYPE_GRAPH_VIEW, NULL);
}
