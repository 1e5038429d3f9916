/* mm-graph-layout.c — dot places the boxes, we measure, label and draw.
 *
 * dot is given one fixed-size box per node (our own Pango measurement, so the
 * boxes fit the text exactly) and one unlabelled edge per input. Edge labels
 * are placed by us afterwards: asking dot to place them makes it add a
 * virtual node per label, which made a 1,000-node graph take seconds instead
 * of a third of one. After gvLayout we copy the positions and splines and
 * free graphviz's structures at once, so nothing of graphviz outlives the
 * constructor.
 *
 * Folding: each node's box is looked up through its module's scope chain
 * (outermost first); the first scope that is not open is the box that stands
 * for it. Open scopes become dot clusters, nested as the scopes are, so that
 * a module's nodes stay together inside its frame.
 */
#include "config.h"
#include "mm-graph-layout.h"

#include <glib/gi18n.h>
#include <gvc.h>
#include <math.h>
#include <string.h>

/* Room around the drawing, and inside a box around its text. */
#define MARGIN 24.0
#define PAD_X 12.0
#define PAD_Y 7.0
#define LINE_GAP 2.0
/* A box is never narrower than this many monospace digits (the notes). */
#define NOTE_CHARS 20
/* Text smaller than this on screen is not drawn. */
#define MIN_TEXT_PX 4.5
#define MIN_LABEL_PX 6.0

struct _MmGraphLayout {
  GArray *boxes;          /* MmGraphBox */
  GArray *edges;          /* MmGraphEdge */
  GArray *frames;         /* MmGraphFrame, a parent before its children */
  GHashTable *index;      /* MmNode* → box index + 1 (members of a group: the group's box) */
  GHashTable *groups;     /* scope → box index + 1 of a folded module */
  GHashTable *frame_index;/* scope → frame index + 1 of an open module */
  GHashTable *box_frame;  /* box index + 1 → frame index + 1 of the innermost frame it lies in */
  double width, height;
  double dot_time;
  double text_px;         /* the height of a line of the smallest font */
  gboolean left_to_right;
  PangoContext *context;
};

/* ---- graphviz ---------------------------------------------------------------- */

/* One context for the process: creating it loads the plugin list. dot keeps
 * global state, so layouts run one at a time. */
static GVC_t *
get_gvc (void)
{
  static gsize once;
  static GVC_t *gvc;

  if (g_once_init_enter (&once))
    {
      gvc = gvContext ();
      g_once_init_leave (&once, 1);
    }
  return gvc;
}

static GMutex dot_lock;

static char *scope_parent (const char *scope);

/* ---- Text -------------------------------------------------------------------- */

static PangoLayout *
make_line (PangoContext *context,
           const char   *font,
           const char   *text)
{
  PangoLayout *layout = pango_layout_new (context);
  g_autoptr(PangoFontDescription) desc = pango_font_description_from_string (font);

  pango_layout_set_font_description (layout, desc);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_text (layout, text ? text : "", -1);
  return layout;
}

static void
line_size (PangoLayout *layout,
           double      *w,
           double      *h)
{
  int pw, ph;

  pango_layout_get_pixel_size (layout, &pw, &ph);
  *w = pw;
  *h = ph;
}

static const char *title_font = "Sans Bold 12";
static const char *label_font = "Sans 11";
static const char *mono_font = "Monospace 11";

static gboolean
contains_ci (const char *haystack,
             const char *needle)
{
  g_autofree char *h = NULL;

  if (haystack == NULL)
    return FALSE;
  h = g_utf8_strdown (haystack, -1);
  return strstr (h, needle) != NULL;
}

static MmGraphRole
guess_role (MmNode   *node,
            gboolean  is_sink)
{
  const char *label = mm_node_get_label (node);

  if (mm_node_is_constant (node))
    {
      if (contains_ci (label, "input") || contains_ci (label, "target"))
        return MM_GRAPH_ROLE_INPUT;
      return MM_GRAPH_ROLE_PARAMETER;
    }
  if (contains_ci (label, "loss") ||
      (is_sink && mm_shape_size (mm_node_get_shape (node)) == 1))
    return MM_GRAPH_ROLE_LOSS;
  return MM_GRAPH_ROLE_COMPUTED;
}

static void
measure_box (MmGraphLayout *self,
             MmGraphBox    *bx,
             double         note_width,
             const char    *group_title)
{
  MmNode *node = bx->node;
  const char *label = mm_node_get_label (node);
  gboolean has_label = label != NULL && *label != '\0';
  g_autofree char *title = NULL, *kind = NULL, *markup = NULL;
  g_autofree char *shape = mm_shape_to_string (mm_node_get_shape (node));
  g_autofree char *e_shape = g_markup_escape_text (shape, -1);
  double w = note_width, h = 0;

  /* A constant is known by its name; an operation by what it does, with its
   * label (if any) on the second line next to the shape; a folded module by
   * its place and what it is, with how many nodes it holds. */
  if (bx->scope != NULL)
    {
      g_autofree char *count = g_strdup_printf (ngettext ("%u node", "%u nodes",
                                                             bx->members->len), bx->members->len);
      g_autofree char *e_count = g_markup_escape_text (count, -1);

      title = g_strdup (group_title);
      markup = g_strdup_printf ("<i>%s</i>  <span font_family=\"monospace\">%s</span>", e_count, e_shape);
    }
  else if (mm_node_is_constant (node))
    {
      title = g_strdup (has_label ? label : _("Constant"));
      kind = g_markup_escape_text (bx->role == MM_GRAPH_ROLE_INPUT ? _("data") : _("constant"), -1);
      markup = g_strdup_printf ("<i>%s</i>  <span font_family=\"monospace\">%s</span>", kind, e_shape);
    }
  else
    {
      title = mm_node_describe (node);
      if (has_label)
        {
          g_autofree char *e_label = g_markup_escape_text (label, -1);
          markup = g_strdup_printf ("<i>%s</i>  <span font_family=\"monospace\">%s</span>", e_label, e_shape);
        }
      else
        markup = g_strdup_printf ("<span font_family=\"monospace\">%s</span>", e_shape);
    }

  bx->lines[MM_GRAPH_LINE_TITLE] = make_line (self->context, title_font, title);
  bx->lines[MM_GRAPH_LINE_LABEL] = make_line (self->context, label_font, NULL);
  pango_layout_set_markup (bx->lines[MM_GRAPH_LINE_LABEL], markup, -1);
  bx->lines[MM_GRAPH_LINE_VALUE] = make_line (self->context, mono_font, NULL);
  bx->lines[MM_GRAPH_LINE_GRADIENT] = make_line (self->context, mono_font, NULL);
  bx->lines[MM_GRAPH_LINE_SHAPE] = make_line (self->context, mono_font, shape);

  for (guint i = 0; i < MM_GRAPH_LINE_SHAPE; i++)
    {
      double lw, lh;

      line_size (bx->lines[i], &lw, &lh);
      if (i == MM_GRAPH_LINE_VALUE || i == MM_GRAPH_LINE_GRADIENT)
        lh = self->text_px;
      w = MAX (w, lw);
      h += lh + LINE_GAP;
    }
  bx->width = ceil (w + 2 * PAD_X);
  bx->height = ceil (h - LINE_GAP + 2 * PAD_Y);

  /* Notes longer than the box end in "…". */
  for (guint i = MM_GRAPH_LINE_VALUE; i <= MM_GRAPH_LINE_GRADIENT; i++)
    {
      pango_layout_set_width (bx->lines[i], (int) (w * PANGO_SCALE));
      pango_layout_set_ellipsize (bx->lines[i], PANGO_ELLIPSIZE_END);
    }
}

/* ---- Edge labels ------------------------------------------------------------------ */

static graphene_point_t
bezier_at (const graphene_point_t *p,
           double                  t)
{
  double u = 1 - t;
  double a = u * u * u, b = 3 * u * u * t, c = 3 * u * t * t, d = t * t * t;

  return GRAPHENE_POINT_INIT (a * p[0].x + b * p[1].x + c * p[2].x + d * p[3].x,
                              a * p[0].y + b * p[1].y + c * p[2].y + d * p[3].y);
}

/* Samples the path densely enough to walk along it by length. */
static GArray *
sample_path (const MmGraphEdge *e)
{
  GArray *pts = g_array_new (FALSE, FALSE, sizeof (graphene_point_t));

  if (e->n_points == 0)
    return pts;
  g_array_append_val (pts, e->points[0]);
  for (guint k = 0; k + 3 < e->n_points; k += 3)
    for (int s = 1; s <= 8; s++)
      {
        graphene_point_t q = bezier_at (&e->points[k], s / 8.0);
        g_array_append_val (pts, q);
      }
  return pts;
}

static graphene_point_t
point_at_fraction (GArray *pts,
                   double  fraction)
{
  double total = 0, goal, run = 0;
  graphene_point_t *p = (graphene_point_t *) pts->data;

  if (pts->len == 1)
    return p[0];
  for (guint i = 1; i < pts->len; i++)
    total += graphene_point_distance (&p[i - 1], &p[i], NULL, NULL);
  goal = total * fraction;
  for (guint i = 1; i < pts->len; i++)
    {
      double d = graphene_point_distance (&p[i - 1], &p[i], NULL, NULL);
      if (run + d >= goal && d > 0)
        {
          graphene_point_t q;
          graphene_point_interpolate (&p[i - 1], &p[i], (goal - run) / d, &q);
          return q;
        }
      run += d;
    }
  return p[pts->len - 1];
}

/* A coarse grid of the rectangles already taken, for the label placement. */
#define CELL 96.0

typedef struct {
  GHashTable *cells;   /* cell key → GArray of graphene_rect_t */
} Occupancy;

static gint64
cell_key (int cx,
          int cy)
{
  /* In unsigned arithmetic: shifting a negative cx (a cell left of the
   * origin) is undefined behaviour (UBSan). */
  return (gint64) (((guint64) (guint32) cx << 32) | (guint32) cy);
}

static void
occupy (Occupancy             *occ,
        const graphene_rect_t *r)
{
  int x0 = (int) floor (r->origin.x / CELL), x1 = (int) floor ((r->origin.x + r->size.width) / CELL);
  int y0 = (int) floor (r->origin.y / CELL), y1 = (int) floor ((r->origin.y + r->size.height) / CELL);

  for (int cx = x0; cx <= x1; cx++)
    for (int cy = y0; cy <= y1; cy++)
      {
        gint64 key = cell_key (cx, cy);
        GArray *list = g_hash_table_lookup (occ->cells, &key);
        if (list == NULL)
          {
            gint64 *k = g_new (gint64, 1);
            *k = key;
            list = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));
            g_hash_table_insert (occ->cells, k, list);
          }
        g_array_append_val (list, *r);
      }
}

static gboolean
is_free (Occupancy             *occ,
         const graphene_rect_t *r)
{
  int x0 = (int) floor (r->origin.x / CELL), x1 = (int) floor ((r->origin.x + r->size.width) / CELL);
  int y0 = (int) floor (r->origin.y / CELL), y1 = (int) floor ((r->origin.y + r->size.height) / CELL);

  for (int cx = x0; cx <= x1; cx++)
    for (int cy = y0; cy <= y1; cy++)
      {
        gint64 key = cell_key (cx, cy);
        GArray *list = g_hash_table_lookup (occ->cells, &key);
        for (guint i = 0; list && i < list->len; i++)
          if (graphene_rect_intersection (r, &g_array_index (list, graphene_rect_t, i), NULL))
            return FALSE;
      }
  return TRUE;
}

/* Each label sits on its edge, at the middle if that spot is free, else at
 * the first free spot further along or back; boxes and labels already placed
 * are avoided. */
static void
place_labels (MmGraphLayout *self)
{
  static const double tries[] = { 0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.15, 0.85 };
  Occupancy occ = { g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) g_array_unref) };

  for (guint i = 0; i < self->boxes->len; i++)
    {
      MmGraphBox *b = &g_array_index (self->boxes, MmGraphBox, i);
      graphene_rect_t r = GRAPHENE_RECT_INIT (b->x, b->y, b->width, b->height);
      occupy (&occ, &r);
    }
  for (guint i = 0; i < self->frames->len; i++)
    {
      MmGraphFrame *f = &g_array_index (self->frames, MmGraphFrame, i);
      graphene_rect_t r = GRAPHENE_RECT_INIT (f->x, f->y, f->width, f->title_height);
      occupy (&occ, &r);
    }
  for (guint i = 0; i < self->edges->len; i++)
    {
      MmGraphEdge *e = &g_array_index (self->edges, MmGraphEdge, i);
      MmGraphBox *from = &g_array_index (self->boxes, MmGraphBox, e->from);
      g_autoptr(GArray) pts = sample_path (e);
      double lw, lh;
      graphene_rect_t r;
      gboolean placed = FALSE;

      line_size (e->label ? e->label : from->lines[MM_GRAPH_LINE_SHAPE], &lw, &lh);
      e->label_width = lw + 10;
      e->label_height = lh + 2;
      for (guint t = 0; t < G_N_ELEMENTS (tries) && pts->len > 0; t++)
        {
          graphene_point_t c = point_at_fraction (pts, tries[t]);
          r = GRAPHENE_RECT_INIT (c.x - e->label_width / 2, c.y - e->label_height / 2,
                                  e->label_width, e->label_height);
          if (is_free (&occ, &r))
            {
              e->label_center = c;
              placed = TRUE;
              break;
            }
        }
      if (!placed)
        e->label_center = pts->len > 0 ? point_at_fraction (pts, 0.5) : e->tip;
      r = GRAPHENE_RECT_INIT (e->label_center.x - e->label_width / 2, e->label_center.y - e->label_height / 2,
                              e->label_width, e->label_height);
      occupy (&occ, &r);
      graphene_rect_union (&e->bounds, &r, &e->bounds);
    }
  g_hash_table_unref (occ.cells);
}

/* ---- Construction ---------------------------------------------------------------- */

static void
clear_box (gpointer data)
{
  MmGraphBox *b = data;

  g_clear_pointer (&b->node, mm_node_unref);
  for (guint i = 0; i < MM_GRAPH_N_LINES; i++)
    g_clear_object (&b->lines[i]);
  g_clear_pointer (&b->scope, g_free);
  g_clear_pointer (&b->members, g_ptr_array_unref);
}

static void
clear_frame (gpointer data)
{
  MmGraphFrame *f = data;

  g_clear_pointer (&f->scope, g_free);
  g_clear_object (&f->title);
}

static void
clear_edge (gpointer data)
{
  MmGraphEdge *e = data;

  g_clear_pointer (&e->points, g_free);
  g_clear_object (&e->label);
}

static void
set_inches (Agnode_t *n,
            Agsym_t  *sym,
            double    px)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buf, sizeof buf, "%.4f", px / 72.0);
  agxset (n, sym, buf);
}

static graphene_point_t
from_dot (pointf p,
          boxf   bb)
{
  return GRAPHENE_POINT_INIT (p.x - bb.LL.x + MARGIN, bb.UR.y - p.y + MARGIN);
}

/* Runs dot and copies what it computed. */
static gboolean
run_dot (MmGraphLayout  *self,
         GError        **error)
{
  GVC_t *gvc = get_gvc ();
  Agraph_t *g;
  Agsym_t *w_sym, *h_sym;
  g_autofree Agnode_t **gnodes = g_new0 (Agnode_t *, MAX (self->boxes->len, 1));
  g_autoptr(GPtrArray) gedges = g_ptr_array_new ();
  g_autofree Agraph_t **subs = g_new0 (Agraph_t *, MAX (self->frames->len, 1));
  double max_label = 0;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  gint64 t0;
  boxf bb;

  if (gvc == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("graphviz could not be started"));
      return FALSE;
    }

  for (guint i = 0; i < self->boxes->len; i++)
    {
      double lw, lh;
      line_size (g_array_index (self->boxes, MmGraphBox, i).lines[MM_GRAPH_LINE_SHAPE], &lw, &lh);
      max_label = MAX (max_label, lw + 10);
    }

  g_mutex_lock (&dot_lock);
  g = agopen ((char *) "graph", Agdirected, NULL);
  agattr (g, AGRAPH, (char *) "rankdir", (char *) (self->left_to_right ? "LR" : "TB"));
  agattr (g, AGRAPH, (char *) "nodesep", (char *) "0.35");
  /* Between two ranks there must be room for an edge label: its height top
   * to bottom, its width left to right. */
  g_ascii_formatd (buf, sizeof buf, "%.3f",
                   self->left_to_right ? (max_label + 30) / 72.0 : (self->text_px * 1.6 + 12) / 72.0);
  agattr (g, AGRAPH, (char *) "ranksep", buf);
  agattr (g, AGNODE, (char *) "shape", (char *) "box");
  agattr (g, AGNODE, (char *) "fixedsize", (char *) "true");
  agattr (g, AGNODE, (char *) "label", (char *) "");
  w_sym = agattr (g, AGNODE, (char *) "width", (char *) "1");
  h_sym = agattr (g, AGNODE, (char *) "height", (char *) "1");

  /* Open modules are clusters, nested as their scopes; the label only
   * reserves room for the title we draw ourselves. */
  if (self->frames->len > 0)
    {
      agattr (g, AGRAPH, (char *) "label", (char *) "");
      agattr (g, AGRAPH, (char *) "labeljust", (char *) "l");
      agattr (g, AGRAPH, (char *) "fontsize", (char *) "15");
      agattr (g, AGRAPH, (char *) "margin", (char *) "12");
    }
  for (guint f = 0; f < self->frames->len; f++)
    {
      MmGraphFrame *fr = &g_array_index (self->frames, MmGraphFrame, f);
      g_autofree char *parent = scope_parent (fr->scope);
      guint pf = parent ? GPOINTER_TO_UINT (g_hash_table_lookup (self->frame_index, parent)) : 0;
      char name[32];

      g_snprintf (name, sizeof name, "cluster_%u", f);
      subs[f] = agsubg (pf > 0 ? subs[pf - 1] : g, name, TRUE);
      agset (subs[f], (char *) "label", (char *) pango_layout_get_text (fr->title));
    }

  for (guint i = 0; i < self->boxes->len; i++)
    {
      MmGraphBox *b = &g_array_index (self->boxes, MmGraphBox, i);
      char name[32];

      g_snprintf (name, sizeof name, "n%u", i);
      gnodes[i] = agnode (g, name, TRUE);
      set_inches (gnodes[i], w_sym, b->width);
      set_inches (gnodes[i], h_sym, b->height);
      {
        guint f = GPOINTER_TO_UINT (g_hash_table_lookup (self->box_frame, GUINT_TO_POINTER (i + 1)));
        if (f > 0)
          agsubnode (subs[f - 1], gnodes[i], TRUE);
      }
    }
  for (guint i = 0; i < self->edges->len; i++)
    {
      MmGraphEdge *e = &g_array_index (self->edges, MmGraphEdge, i);
      g_ptr_array_add (gedges, agedge (g, gnodes[e->from], gnodes[e->to], NULL, TRUE));
    }

  t0 = g_get_monotonic_time ();
  if (gvLayout (gvc, g, "dot") != 0)
    {
      agclose (g);
      g_mutex_unlock (&dot_lock);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("graphviz could not lay out the graph"));
      return FALSE;
    }
  self->dot_time = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;

  bb = GD_bb (g);
  self->width = bb.UR.x - bb.LL.x + 2 * MARGIN;
  self->height = bb.UR.y - bb.LL.y + 2 * MARGIN;
  for (guint i = 0; i < self->boxes->len; i++)
    {
      MmGraphBox *b = &g_array_index (self->boxes, MmGraphBox, i);
      graphene_point_t c = from_dot (ND_coord (gnodes[i]), bb);

      b->x = c.x - b->width / 2;
      b->y = c.y - b->height / 2;
    }
  for (guint f = 0; f < self->frames->len; f++)
    {
      MmGraphFrame *fr = &g_array_index (self->frames, MmGraphFrame, f);
      boxf fb = GD_bb (subs[f]);
      graphene_point_t top_left = from_dot ((pointf) { fb.LL.x, fb.UR.y }, bb);
      double tw, th;

      fr->x = top_left.x;
      fr->y = top_left.y;
      fr->width = fb.UR.x - fb.LL.x;
      fr->height = fb.UR.y - fb.LL.y;
      line_size (fr->title, &tw, &th);
      fr->title_height = MIN (th + 6, fr->height);
    }
  for (guint i = 0; i < self->edges->len; i++)
    {
      MmGraphEdge *e = &g_array_index (self->edges, MmGraphEdge, i);
      Agedge_t *ge = g_ptr_array_index (gedges, i);
      splines *spl = ED_spl (ge);
      MmGraphBox *from = &g_array_index (self->boxes, MmGraphBox, e->from);
      MmGraphBox *to = &g_array_index (self->boxes, MmGraphBox, e->to);

      if (spl != NULL && spl->size > 0 && spl->list[0].size >= 4)
        {
          bezier *bz = &spl->list[0];
          guint n = (guint) bz->size;

          n -= (n - 1) % 3;
          e->n_points = n;
          e->points = g_new (graphene_point_t, n);
          for (guint k = 0; k < n; k++)
            e->points[k] = from_dot (bz->list[k], bb);
          e->has_arrow = bz->eflag != 0;
          e->tip = e->has_arrow ? from_dot (bz->ep, bb) : e->points[n - 1];
        }
      else
        {
          /* No spline: a straight line from box to box. */
          graphene_point_t a = GRAPHENE_POINT_INIT (from->x + from->width / 2, from->y + from->height / 2);
          graphene_point_t z = GRAPHENE_POINT_INIT (to->x + to->width / 2, to->y + to->height / 2);
          e->n_points = 4;
          e->points = g_new (graphene_point_t, 4);
          e->points[0] = a;
          graphene_point_interpolate (&a, &z, 1 / 3.0, &e->points[1]);
          graphene_point_interpolate (&a, &z, 2 / 3.0, &e->points[2]);
          e->points[3] = z;
          e->has_arrow = FALSE;
          e->tip = z;
        }

      /* Bounds of the path (the control points enclose a Bézier curve). */
      {
        double x0 = e->tip.x, y0 = e->tip.y, x1 = e->tip.x, y1 = e->tip.y;
        for (guint k = 0; k < e->n_points; k++)
          {
            x0 = MIN (x0, e->points[k].x);
            y0 = MIN (y0, e->points[k].y);
            x1 = MAX (x1, e->points[k].x);
            y1 = MAX (y1, e->points[k].y);
          }
        graphene_rect_init (&e->bounds, x0 - 8, y0 - 8, x1 - x0 + 16, y1 - y0 + 16);
      }
    }
  gvFreeLayout (gvc, g);
  agclose (g);
  g_mutex_unlock (&dot_lock);
  return TRUE;
}

/* ---- Folding -------------------------------------------------------------------- */

GPtrArray *
mm_graph_scope_chain (MmNode *node)
{
  GPtrArray *chain = g_ptr_array_new_with_free_func (g_free);
  const char *scope;

  g_return_val_if_fail (node != NULL, chain);
  scope = mm_node_get_scope (node);
  for (const char *p = scope; p != NULL && *p != '\0'; p++)
    if (*p == '.')
      g_ptr_array_add (chain, g_strndup (scope, p - scope + 1));
  return chain;
}

/* "1.0." → "1."; "1." → NULL. */
static char *
scope_parent (const char *scope)
{
  gsize n = strlen (scope);

  if (n > 0 && scope[n - 1] == '.')
    n--;
  while (n > 0 && scope[n - 1] != '.')
    n--;
  return n > 0 ? g_strndup (scope, n) : NULL;
}

/* "1 · Linear(784, 100)": where the module is and what it is. */
static char *
scope_title (const char *scope,
             GHashTable *titles)
{
  const char *what = titles ? g_hash_table_lookup (titles, scope) : NULL;
  gsize n = strlen (scope);
  g_autofree char *where = g_strndup (scope, n > 0 && scope[n - 1] == '.' ? n - 1 : n);

  if (what == NULL)
    return g_steal_pointer (&where);
  /* A layer is known by its place; the loss and the penalties by their name. */
  if (!g_ascii_isdigit (where[strlen (where) > 0 ? strlen (where) - 1 : 0]))
    return g_strdup (what);
  return g_strdup_printf ("%s · %s", where, what);
}

static gboolean
is_open (const MmGraphFolding *folding,
         const char           *scope)
{
  return folding->expanded != NULL && g_hash_table_contains (folding->expanded, scope);
}

/* The frame of the open module @scope (made, with its parents, when first
 * needed). */
static guint
ensure_frame (MmGraphLayout        *self,
              const char           *scope,
              const MmGraphFolding *folding)
{
  gpointer found = g_hash_table_lookup (self->frame_index, scope);
  g_autofree char *parent = NULL;
  g_autofree char *title = NULL;
  MmGraphFrame f = { 0 };

  if (found != NULL)
    return GPOINTER_TO_UINT (found) - 1;
  parent = scope_parent (scope);
  if (parent != NULL)
    f.depth = g_array_index (self->frames, MmGraphFrame, ensure_frame (self, parent, folding)).depth + 1;
  f.scope = g_strdup (scope);
  title = scope_title (scope, folding->titles);
  f.title = make_line (self->context, title_font, title);
  pango_layout_set_alignment (f.title, PANGO_ALIGN_LEFT);
  g_array_append_val (self->frames, f);
  g_hash_table_insert (self->frame_index, g_strdup (scope), GUINT_TO_POINTER (self->frames->len));
  return self->frames->len - 1;
}

/* The box that shows @node, made when first needed. */
static guint
box_for (MmGraphLayout        *self,
         MmNode               *node,
         const MmGraphFolding *folding)
{
  g_autoptr(GPtrArray) chain = folding ? mm_graph_scope_chain (node) : NULL;
  const char *folded = NULL;
  gint frame = -1;
  MmGraphBox *b;
  guint index;

  /* The outermost module that is not open stands for the node; the open ones
   * around it are frames. */
  for (guint i = 0; chain != NULL && i < chain->len; i++)
    {
      const char *scope = g_ptr_array_index (chain, i);

      if (!is_open (folding, scope))
        {
          folded = scope;
          break;
        }
      frame = (gint) ensure_frame (self, scope, folding);
    }

  if (folded != NULL)
    {
      gpointer found = g_hash_table_lookup (self->groups, folded);

      if (found != NULL)
        index = GPOINTER_TO_UINT (found) - 1;
      else
        {
          MmGraphBox nb = { 0 };

          nb.scope = g_strdup (folded);
          nb.members = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);
          nb.role = MM_GRAPH_ROLE_GROUP;
          g_array_append_val (self->boxes, nb);
          index = self->boxes->len - 1;
          g_hash_table_insert (self->groups, g_strdup (folded), GUINT_TO_POINTER (index + 1));
        }
      b = &g_array_index (self->boxes, MmGraphBox, index);
      /* Nodes come in forward order: the last one is the module's output. */
      g_clear_pointer (&b->node, mm_node_unref);
      b->node = mm_node_ref (node);
      g_ptr_array_add (b->members, mm_node_ref (node));
    }
  else
    {
      MmGraphBox nb = { 0 };

      nb.node = mm_node_ref (node);
      g_array_append_val (self->boxes, nb);
      index = self->boxes->len - 1;
    }
  if (frame >= 0)
    g_hash_table_insert (self->box_frame, GUINT_TO_POINTER (index + 1), GUINT_TO_POINTER (frame + 1));
  g_hash_table_insert (self->index, node, GUINT_TO_POINTER (index + 1));
  return index;
}

MmGraphLayout *
mm_graph_layout_new (guint            n_nodes,
                     MmNode * const  *nodes,
                     PangoContext    *context,
                     gboolean         left_to_right,
                     GError         **error)
{
  return mm_graph_layout_new_folded (n_nodes, nodes, context, left_to_right, NULL, error);
}

MmGraphLayout *
mm_graph_layout_new_folded (guint                 n_nodes,
                            MmNode * const       *nodes,
                            PangoContext         *context,
                            gboolean              left_to_right,
                            const MmGraphFolding *folding,
                            GError              **error)
{
  g_autoptr(MmGraphLayout) self = NULL;
  g_autoptr(GHashTable) used = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) pairs = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_node_unref);
  g_autoptr(PangoLayout) probe = NULL;
  double note_w, dummy;

  g_return_val_if_fail (n_nodes == 0 || nodes != NULL, NULL);
  g_return_val_if_fail (PANGO_IS_CONTEXT (context), NULL);

  self = g_new0 (MmGraphLayout, 1);
  self->context = g_object_ref (context);
  self->left_to_right = left_to_right;
  self->boxes = g_array_new (FALSE, TRUE, sizeof (MmGraphBox));
  g_array_set_clear_func (self->boxes, clear_box);
  self->edges = g_array_new (FALSE, TRUE, sizeof (MmGraphEdge));
  g_array_set_clear_func (self->edges, clear_edge);
  self->frames = g_array_new (FALSE, TRUE, sizeof (MmGraphFrame));
  g_array_set_clear_func (self->frames, clear_frame);
  self->index = g_hash_table_new (NULL, NULL);
  self->groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->frame_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->box_frame = g_hash_table_new (NULL, NULL);

  /* Every node, inputs first, each once. */
  for (guint i = 0; i < n_nodes; i++)
    {
      g_autoptr(GPtrArray) order = NULL;

      if (nodes[i] == NULL || g_hash_table_contains (self->index, nodes[i]))
        continue;
      order = mm_node_collect (nodes[i]);
      for (guint k = 0; k < order->len; k++)
        {
          MmNode *n = g_ptr_array_index (order, k);

          if (g_hash_table_contains (self->index, n))
            continue;
          box_for (self, n, folding);
          g_ptr_array_add (all, mm_node_ref (n));
        }
    }

  /* One edge per input; edges into or out of a folded module once per pair
   * of boxes, and none inside it. */
  for (guint i = 0; i < all->len; i++)
    {
      MmNode *n = g_ptr_array_index (all, i);
      guint to = GPOINTER_TO_UINT (g_hash_table_lookup (self->index, n)) - 1;

      for (guint k = 0; k < mm_node_get_n_inputs (n); k++)
        {
          MmNode *in = mm_node_get_input (n, k);
          guint from = GPOINTER_TO_UINT (g_hash_table_lookup (self->index, in)) - 1;
          MmGraphBox *fb = &g_array_index (self->boxes, MmGraphBox, from);
          MmGraphBox *tb = &g_array_index (self->boxes, MmGraphBox, to);
          MmGraphEdge e = { 0 };

          g_hash_table_add (used, in);
          if (from == to)
            continue;
          if (fb->scope != NULL || tb->scope != NULL)
            {
              gint64 key = ((gint64) from << 32) | to;
              gint64 *k64;

              if (g_hash_table_contains (pairs, &key))
                continue;
              k64 = g_new (gint64, 1);
              *k64 = key;
              g_hash_table_add (pairs, k64);
            }
          e.from = from;
          e.to = to;
          e.input_index = k;
          e.source = in;
          e.target = n;
          g_array_append_val (self->edges, e);
        }
    }

  probe = make_line (context, mono_font, "0");
  line_size (probe, &dummy, &self->text_px);
  {
    g_autofree char *digits = g_strnfill (NOTE_CHARS, '0');
    pango_layout_set_text (probe, digits, -1);
  }
  line_size (probe, &note_w, &dummy);
  for (guint i = 0; i < self->boxes->len; i++)
    {
      MmGraphBox *b = &g_array_index (self->boxes, MmGraphBox, i);
      g_autofree char *title = b->scope ? scope_title (b->scope, folding->titles) : NULL;

      if (b->scope == NULL)
        b->role = guess_role (b->node, !g_hash_table_contains (used, b->node));
      measure_box (self, b, note_w, title);
    }
  /* An edge that leaves a module from another node than its output says the
   * shape of what really flows. */
  for (guint i = 0; i < self->edges->len; i++)
    {
      MmGraphEdge *e = &g_array_index (self->edges, MmGraphEdge, i);

      if (g_array_index (self->boxes, MmGraphBox, e->from).node != e->source)
        {
          g_autofree char *shape = mm_shape_to_string (mm_node_get_shape (e->source));
          e->label = make_line (context, mono_font, shape);
        }
    }

  if (self->boxes->len > 0)
    {
      if (!run_dot (self, error))
        return NULL;
      place_labels (self);
    }
  else
    {
      self->width = 2 * MARGIN;
      self->height = 2 * MARGIN;
    }
  return g_steal_pointer (&self);
}

void
mm_graph_layout_free (MmGraphLayout *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->boxes);
  g_array_unref (self->edges);
  g_array_unref (self->frames);
  g_hash_table_unref (self->index);
  g_hash_table_unref (self->groups);
  g_hash_table_unref (self->frame_index);
  g_hash_table_unref (self->box_frame);
  g_clear_object (&self->context);
  g_free (self);
}

double
mm_graph_layout_get_width (MmGraphLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->width;
}

double
mm_graph_layout_get_height (MmGraphLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->height;
}

gboolean
mm_graph_layout_is_left_to_right (MmGraphLayout *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->left_to_right;
}

double
mm_graph_layout_get_dot_time (MmGraphLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->dot_time;
}

guint
mm_graph_layout_get_n_boxes (MmGraphLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->boxes->len;
}

MmGraphBox *
mm_graph_layout_get_box (MmGraphLayout *self,
                         guint          index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->boxes->len, NULL);
  return &g_array_index (self->boxes, MmGraphBox, index);
}

gint
mm_graph_layout_find (MmGraphLayout *self,
                      MmNode        *node)
{
  g_return_val_if_fail (self != NULL, -1);
  return GPOINTER_TO_INT (g_hash_table_lookup (self->index, node)) - 1;
}

guint
mm_graph_layout_get_n_edges (MmGraphLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->edges->len;
}

const MmGraphEdge *
mm_graph_layout_get_edge (MmGraphLayout *self,
                          guint          index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->edges->len, NULL);
  return &g_array_index (self->edges, MmGraphEdge, index);
}

gint
mm_graph_layout_find_group (MmGraphLayout *self,
                            const char    *scope)
{
  g_return_val_if_fail (self != NULL, -1);
  if (scope == NULL)
    return -1;
  return GPOINTER_TO_INT (g_hash_table_lookup (self->groups, scope)) - 1;
}

guint
mm_graph_layout_get_n_frames (MmGraphLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->frames->len;
}

const MmGraphFrame *
mm_graph_layout_get_frame (MmGraphLayout *self,
                           guint          index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->frames->len, NULL);
  return &g_array_index (self->frames, MmGraphFrame, index);
}

gint
mm_graph_layout_find_frame (MmGraphLayout *self,
                            const char    *scope)
{
  g_return_val_if_fail (self != NULL, -1);
  if (scope == NULL)
    return -1;
  return GPOINTER_TO_INT (g_hash_table_lookup (self->frame_index, scope)) - 1;
}

gint
mm_graph_layout_hit_frame (MmGraphLayout *self,
                           double         x,
                           double         y)
{
  g_return_val_if_fail (self != NULL, -1);

  /* Children come after their parents: the last hit is the innermost. */
  for (guint i = self->frames->len; i-- > 0;)
    {
      const MmGraphFrame *f = &g_array_index (self->frames, MmGraphFrame, i);
      if (x >= f->x && x < f->x + f->width && y >= f->y && y < f->y + f->title_height)
        return (gint) i;
    }
  return -1;
}

gint
mm_graph_layout_hit (MmGraphLayout *self,
                     double         x,
                     double         y)
{
  g_return_val_if_fail (self != NULL, -1);

  for (guint i = 0; i < self->boxes->len; i++)
    {
      const MmGraphBox *b = &g_array_index (self->boxes, MmGraphBox, i);
      if (x >= b->x && x < b->x + b->width && y >= b->y && y < b->y + b->height)
        return (gint) i;
    }
  return -1;
}

void
mm_graph_layout_set_marks (MmGraphLayout *self,
                           guint          index,
                           guint          marks)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->boxes->len);
  g_array_index (self->boxes, MmGraphBox, index).marks = marks;
}

void
mm_graph_layout_set_note (MmGraphLayout *self,
                          guint          index,
                          guint          line,
                          const char    *text)
{
  MmGraphBox *b;

  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->boxes->len);
  g_return_if_fail (line == MM_GRAPH_LINE_VALUE || line == MM_GRAPH_LINE_GRADIENT);

  b = &g_array_index (self->boxes, MmGraphBox, index);
  if (g_strcmp0 (pango_layout_get_text (b->lines[line]), text ? text : "") != 0)
    pango_layout_set_text (b->lines[line], text ? text : "", -1);
}

/* ---- Drawing ----------------------------------------------------------------------- */

typedef struct {
  GdkRGBA fill, border, text;
} Palette;

static void
role_palette (MmGraphRole  role,
              gboolean     dark,
              Palette     *p)
{
  /* Light fills with strong borders; in a dark theme the reverse. */
  static const char *light[][2] = {
    [MM_GRAPH_ROLE_COMPUTED]  = { "#f6f5f4", "#5e5c64" },
    [MM_GRAPH_ROLE_PARAMETER] = { "#fbe6a2", "#b57a00" },
    [MM_GRAPH_ROLE_INPUT]     = { "#cde3f9", "#1c71d8" },
    [MM_GRAPH_ROLE_LOSS]      = { "#f9cfcf", "#c01c28" },
    [MM_GRAPH_ROLE_GROUP]     = { "#e8dff5", "#613583" },
  };
  static const char *darkp[][2] = {
    [MM_GRAPH_ROLE_COMPUTED]  = { "#3d3846", "#c0bfbc" },
    [MM_GRAPH_ROLE_PARAMETER] = { "#5c4410", "#f6d32d" },
    [MM_GRAPH_ROLE_INPUT]     = { "#173a61", "#99c1f1" },
    [MM_GRAPH_ROLE_LOSS]      = { "#5f1a1f", "#f66151" },
    [MM_GRAPH_ROLE_GROUP]     = { "#3b2e4f", "#c061cb" },
  };

  gdk_rgba_parse (&p->fill, dark ? darkp[role][0] : light[role][0]);
  gdk_rgba_parse (&p->border, dark ? darkp[role][1] : light[role][1]);
  gdk_rgba_parse (&p->text, dark ? "#f6f5f4" : "#1e1e1e");
}

static void
set_rgba (cairo_t       *cr,
          const GdkRGBA *c,
          double         alpha)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha * alpha);
}

static void
rounded_rect (cairo_t *cr,
              double   x,
              double   y,
              double   w,
              double   h,
              double   r)
{
  r = MIN (r, MIN (w, h) / 2);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
arrow_head (cairo_t                *cr,
            const graphene_point_t *from,
            const graphene_point_t *tip,
            double                  size)
{
  double dx = tip->x - from->x, dy = tip->y - from->y;
  double len = sqrt (dx * dx + dy * dy);

  if (len < 1e-6)
    return;
  dx /= len;
  dy /= len;
  cairo_move_to (cr, tip->x, tip->y);
  cairo_line_to (cr, tip->x - size * dx - size * 0.5 * dy, tip->y - size * dy + size * 0.5 * dx);
  cairo_line_to (cr, tip->x - size * dx + size * 0.5 * dy, tip->y - size * dy - size * 0.5 * dx);
  cairo_close_path (cr);
  cairo_fill (cr);
}

static void
draw_edge (MmGraphLayout         *self,
           cairo_t               *cr,
           const MmGraphEdge     *e,
           const MmGraphViewport *vp,
           const GdkRGBA         *line,
           const GdkRGBA         *flow,
           const GdkRGBA         *back,
           const GdkRGBA         *canvas,
           const GdkRGBA         *text,
           gboolean               draw_label)
{
  const MmGraphBox *from = &g_array_index (self->boxes, MmGraphBox, e->from);
  const MmGraphBox *to = &g_array_index (self->boxes, MmGraphBox, e->to);
  gboolean active = (to->marks & MM_GRAPH_MARK_CURRENT) && (from->marks & MM_GRAPH_MARK_INPUT);
  gboolean backward = active && (to->marks & MM_GRAPH_MARK_BACKWARD);
  gboolean faded = (to->marks & MM_GRAPH_MARK_PENDING) != 0;
  const GdkRGBA *color = active ? (backward ? back : flow) : line;
  double alpha = faded ? 0.35 : 1.0;
  double width = active ? 3.5 : 1.6;
  double px = 1.0 / vp->zoom;

  cairo_set_line_width (cr, MAX (width, px));
  set_rgba (cr, color, alpha);
  cairo_move_to (cr, e->points[0].x, e->points[0].y);
  for (guint k = 1; k + 2 < e->n_points; k += 3)
    cairo_curve_to (cr, e->points[k].x, e->points[k].y, e->points[k + 1].x, e->points[k + 1].y,
                    e->points[k + 2].x, e->points[k + 2].y);
  if (e->has_arrow)
    cairo_line_to (cr, e->tip.x, e->tip.y);
  cairo_stroke (cr);

  if (backward)
    {
      /* The gradient goes the other way: an arrow at the input's end too. */
      graphene_point_t a = e->points[0], b = e->points[1];
      if (graphene_point_equal (&a, &b) && e->n_points > 2)
        b = e->points[2];
      arrow_head (cr, &b, &a, MAX (14.0, 6 * px));
    }
  else if (e->has_arrow)
    arrow_head (cr, &e->points[e->n_points - 1], &e->tip, MAX (active ? 13.0 : 10.0, 5 * px));

  if (draw_label)
    {
      PangoLayout *layout = e->label ? e->label : from->lines[MM_GRAPH_LINE_SHAPE];
      double x = e->label_center.x - e->label_width / 2, y = e->label_center.y - e->label_height / 2;
      int lw, lh;

      rounded_rect (cr, x, y, e->label_width, e->label_height, e->label_height / 2);
      set_rgba (cr, canvas, 0.92 * alpha);
      cairo_fill_preserve (cr);
      set_rgba (cr, color, 0.5 * alpha);
      cairo_set_line_width (cr, MAX (1.0, px));
      cairo_stroke (cr);
      pango_layout_get_pixel_size (layout, &lw, &lh);
      set_rgba (cr, active ? color : text, alpha);
      cairo_move_to (cr, e->label_center.x - lw / 2.0, e->label_center.y - lh / 2.0);
      pango_cairo_show_layout (cr, layout);
    }
}

static void
draw_box (MmGraphLayout         *self,
          cairo_t               *cr,
          const MmGraphBox      *b,
          const MmGraphViewport *vp,
          gboolean               draw_text)
{
  Palette p;
  GdkRGBA current, selected, good, partial;
  double alpha = (b->marks & MM_GRAPH_MARK_PENDING) ? 0.38 : 1.0;
  double px = 1.0 / vp->zoom;
  double border = b->role == MM_GRAPH_ROLE_LOSS ? 3.0 : 1.8;
  double y;

  role_palette (b->role, vp->dark, &p);
  gdk_rgba_parse (&current, vp->dark ? "#dc8add" : "#813d9c");
  gdk_rgba_parse (&selected, vp->dark ? "#62a0ea" : "#1a5fb4");
  gdk_rgba_parse (&good, vp->dark ? "#57e389" : "#26a269");
  gdk_rgba_parse (&partial, vp->dark ? "#ffa348" : "#e66100");

  if (b->marks & MM_GRAPH_MARK_CURRENT)
    {
      /* A halo around the node of the current step. */
      rounded_rect (cr, b->x - 7, b->y - 7, b->width + 14, b->height + 14, 14);
      set_rgba (cr, &current, 0.28);
      cairo_fill (cr);
    }
  if (b->scope != NULL)
    {
      /* A folded module: a stack of cards, the nodes it holds behind it. */
      for (int k = 2; k >= 1; k--)
        {
          rounded_rect (cr, b->x + 4 * k, b->y + 4 * k, b->width, b->height, 8);
          set_rgba (cr, &p.fill, alpha);
          cairo_fill_preserve (cr);
          set_rgba (cr, &p.border, 0.6 * alpha);
          cairo_set_line_width (cr, MAX (1.2, px));
          cairo_stroke (cr);
        }
    }
  rounded_rect (cr, b->x, b->y, b->width, b->height, 8);
  set_rgba (cr, &p.fill, alpha);
  cairo_fill_preserve (cr);
  if (b->marks & MM_GRAPH_MARK_CURRENT)
    {
      set_rgba (cr, &current, 1);
      cairo_set_line_width (cr, MAX (4.0, 2 * px));
    }
  else if (b->marks & MM_GRAPH_MARK_INPUT)
    {
      set_rgba (cr, &current, 0.8);
      cairo_set_line_width (cr, MAX (2.5, 1.5 * px));
    }
  else
    {
      set_rgba (cr, &p.border, alpha);
      cairo_set_line_width (cr, MAX (border, px));
    }
  cairo_stroke (cr);

  if (b->marks & MM_GRAPH_MARK_SELECTED)
    {
      static const double dash[] = { 6, 4 };
      rounded_rect (cr, b->x - 3.5, b->y - 3.5, b->width + 7, b->height + 7, 10);
      set_rgba (cr, &selected, 1);
      cairo_set_line_width (cr, MAX (2.0, px));
      cairo_set_dash (cr, dash, 2, 0);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }

  /* A dot in the corner: green when ∂L/∂node is complete, orange while
   * contributions are still arriving. */
  if (b->marks & (MM_GRAPH_MARK_GRADIENT | MM_GRAPH_MARK_PARTIAL))
    {
      cairo_arc (cr, b->x + b->width - 9, b->y + 9, 5, 0, 2 * G_PI);
      set_rgba (cr, (b->marks & MM_GRAPH_MARK_GRADIENT) ? &good : &partial, 1);
      cairo_fill (cr);
    }

  if (!draw_text)
    return;

  y = b->y + PAD_Y;
  for (guint i = 0; i < MM_GRAPH_LINE_SHAPE; i++)
    {
      PangoLayout *layout = b->lines[i];
      const char *text = pango_layout_get_text (layout);
      int lw, lh;

      pango_layout_get_pixel_size (layout, &lw, &lh);
      if (i >= MM_GRAPH_LINE_VALUE)
        lh = (int) self->text_px;
      if (*text != '\0')
        {
          const GdkRGBA *c = &p.text;
          double a = alpha;

          if (i == MM_GRAPH_LINE_LABEL)
            a *= 0.8;
          else if (i == MM_GRAPH_LINE_GRADIENT)
            c = (b->marks & MM_GRAPH_MARK_GRADIENT) ? &good : &partial;
          set_rgba (cr, c, a);
          if (i >= MM_GRAPH_LINE_VALUE)
            cairo_move_to (cr, b->x + PAD_X, y);  /* the layout has the box's width */
          else
            cairo_move_to (cr, b->x + (b->width - lw) / 2.0, y);
          pango_cairo_show_layout (cr, layout);
        }
      y += lh + LINE_GAP;
    }
}

/* An open module: a tinted frame with a dashed border… */
static void
draw_frame (MmGraphLayout         *self,
            cairo_t               *cr,
            const MmGraphFrame    *f,
            const MmGraphViewport *vp)
{
  Palette p;
  double px = 1.0 / vp->zoom;
  static const double dash[] = { 7, 4 };

  role_palette (MM_GRAPH_ROLE_GROUP, vp->dark, &p);
  rounded_rect (cr, f->x, f->y, f->width, f->height, 12);
  set_rgba (cr, &p.fill, vp->dark ? 0.35 : 0.45);
  cairo_fill_preserve (cr);
  set_rgba (cr, &p.border, 0.8);
  cairo_set_line_width (cr, MAX (1.5, px));
  cairo_set_dash (cr, dash, 2, 0);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
}

/* … and its title on top ("▾": open), the place to click to fold it. It is
 * drawn over the edges that pass under it. */
static void
draw_frame_title (MmGraphLayout         *self,
                  cairo_t               *cr,
                  const MmGraphFrame    *f,
                  const MmGraphViewport *vp,
                  gboolean               draw_text)
{
  Palette p;

  role_palette (MM_GRAPH_ROLE_GROUP, vp->dark, &p);
  cairo_save (cr);
  rounded_rect (cr, f->x, f->y, f->width, f->height, 12);
  cairo_clip (cr);
  cairo_rectangle (cr, f->x, f->y, f->width, f->title_height);
  set_rgba (cr, &p.fill, vp->dark ? 0.8 : 0.9);
  cairo_fill (cr);
  if (draw_text)
    {
      int tw, th;

      pango_layout_get_pixel_size (f->title, &tw, &th);
      set_rgba (cr, &p.border, 1);
      cairo_move_to (cr, f->x + 8, f->y + (f->title_height - 7) / 2);
      cairo_rel_line_to (cr, 10, 0);
      cairo_rel_line_to (cr, -5, 7);
      cairo_close_path (cr);
      cairo_fill (cr);
      set_rgba (cr, &p.text, 1);
      cairo_move_to (cr, f->x + 24, f->y + (f->title_height - th) / 2);
      pango_cairo_show_layout (cr, f->title);
    }
  cairo_restore (cr);
}

void
mm_graph_layout_draw (MmGraphLayout         *self,
                      cairo_t               *cr,
                      const MmGraphViewport *vp)
{
  graphene_rect_t visible;
  GdkRGBA line, flow, back, canvas, text;
  gboolean draw_text, draw_labels;

  g_return_if_fail (self != NULL);
  g_return_if_fail (cr != NULL && vp != NULL && vp->zoom > 0);

  graphene_rect_init (&visible, -vp->offset_x / vp->zoom, -vp->offset_y / vp->zoom,
                      vp->width / vp->zoom, vp->height / vp->zoom);
  draw_text = self->text_px * vp->zoom >= MIN_TEXT_PX;
  draw_labels = self->text_px * vp->zoom >= MIN_LABEL_PX;
  gdk_rgba_parse (&line, vp->dark ? "#9a9996" : "#77767b");
  gdk_rgba_parse (&flow, vp->dark ? "#62a0ea" : "#1c71d8");
  gdk_rgba_parse (&back, vp->dark ? "#dc8add" : "#813d9c");
  gdk_rgba_parse (&canvas, vp->dark ? "#242424" : "#ffffff");
  gdk_rgba_parse (&text, vp->dark ? "#deddda" : "#3d3846");

  cairo_save (cr);
  cairo_translate (cr, vp->offset_x, vp->offset_y);
  cairo_scale (cr, vp->zoom, vp->zoom);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  /* Open modules under everything else. */
  for (guint i = 0; i < self->frames->len; i++)
    {
      const MmGraphFrame *f = &g_array_index (self->frames, MmGraphFrame, i);
      graphene_rect_t r = GRAPHENE_RECT_INIT (f->x, f->y, f->width, f->height);
      if (graphene_rect_intersection (&r, &visible, NULL))
        draw_frame (self, cr, f, vp);
    }

  /* The edges of the current step go over the others. */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < self->edges->len; i++)
      {
        const MmGraphEdge *e = &g_array_index (self->edges, MmGraphEdge, i);
        const MmGraphBox *from = &g_array_index (self->boxes, MmGraphBox, e->from);
        const MmGraphBox *to = &g_array_index (self->boxes, MmGraphBox, e->to);
        gboolean active = (to->marks & MM_GRAPH_MARK_CURRENT) && (from->marks & MM_GRAPH_MARK_INPUT);

        if (active == (pass == 1) && graphene_rect_intersection (&e->bounds, &visible, NULL))
          draw_edge (self, cr, e, vp, &line, &flow, &back, &canvas, &text, draw_labels);
      }
  for (guint i = 0; i < self->frames->len; i++)
    {
      const MmGraphFrame *f = &g_array_index (self->frames, MmGraphFrame, i);
      graphene_rect_t r = GRAPHENE_RECT_INIT (f->x, f->y, f->width, f->title_height);
      if (graphene_rect_intersection (&r, &visible, NULL))
        draw_frame_title (self, cr, f, vp, draw_text);
    }
  for (guint i = 0; i < self->boxes->len; i++)
    {
      const MmGraphBox *b = &g_array_index (self->boxes, MmGraphBox, i);
      graphene_rect_t r = GRAPHENE_RECT_INIT (b->x - 8, b->y - 8, b->width + 16, b->height + 16);
      if (graphene_rect_intersection (&r, &visible, NULL))
        draw_box (self, cr, b, vp, draw_text);
    }
  cairo_restore (cr);
}
