/* bench-graph — how fast the graph view lays out and draws a big graph.
 *
 * Builds a generated graph of 1,000 nodes (a deep network with skip
 * connections: the kind of graph dot finds hard), lays it out with dot
 * through MmGraphLayout, and draws it offscreen into a 1280×720 Cairo image
 * surface the way MmGraphView does in its snapshot, at the zoom levels and
 * positions a user pans and zooms through. Prints the layout time and the
 * median and 99th percentile of the frame times.
 *
 * Targets (issue 5): layout < 1 s, median frame ≤ 17 ms.
 *
 * Each layer's nodes carry a scope ("7.", as modules tag them), so the same
 * graph is also laid out folded (one box per layer, issue 11) and with every
 * layer open (a dot cluster per layer): the layout times of both are printed.
 */
#include "mm-graph-layout.h"

#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>

#define WIDTH 1280
#define HEIGHT 720

static MmNode *
constant (const gsize *dims,
          guint        ndim,
          const char  *label)
{
  g_autoptr(MmTensor) t = mm_tensor_new_dims (ndim, dims, NULL);
  mm_tensor_fill (t, 0.5f);
  return mm_constant_new_labelled (t, label);
}

/* A chain of Linear + Tanh layers over a batch of 4, with a skip connection
 * every third layer, until @n_nodes nodes; the last node is a Sum. */
static MmNode *
generate (guint n_nodes)
{
  const gsize xd[] = { 4, 8 }, wd[] = { 8, 8 }, bd[] = { 8 }, lead[] = { 4 };
  g_autoptr(MmNode) h = constant (xd, 2, "input");
  g_autoptr(MmNode) skip = mm_node_ref (h);
  guint count = 1, layer = 0;

  /* A layer adds 6 nodes, a skip 1, the final Sum 1. */
  while (count + 6 + 1 + 1 <= n_nodes)
    {
      char name[32];
      g_autoptr(MmNode) w = NULL, b = NULL, xw = NULL, bb = NULL, sum = NULL;

      g_snprintf (name, sizeof name, "%u.weight", layer);
      w = constant (wd, 2, name);
      g_snprintf (name, sizeof name, "%u.bias", layer);
      b = constant (bd, 1, name);
      xw = mm_tensordot_new (h, w, 1, NULL);
      bb = mm_broadcast_new (b, 1, lead, NULL);
      sum = mm_binary_new (MM_OP_ADD, xw, bb, NULL);
      g_clear_pointer (&h, mm_node_unref);
      h = mm_unary_new (MM_OP_TANH, sum, NULL);
      g_snprintf (name, sizeof name, "%u.", layer);
      mm_node_set_scope (w, name);
      mm_node_set_scope (b, name);
      mm_node_set_scope (xw, name);
      mm_node_set_scope (bb, name);
      mm_node_set_scope (sum, name);
      mm_node_set_scope (h, name);
      count += 6;
      if (++layer % 3 == 0)
        {
          MmNode *res = mm_binary_new (MM_OP_ADD, h, skip, NULL);
          g_clear_pointer (&h, mm_node_unref);
          h = res;
          g_clear_pointer (&skip, mm_node_unref);
          skip = mm_node_ref (h);
          count++;
        }
    }
  while (count + 1 < n_nodes)
    {
      MmNode *next = mm_unary_new (MM_OP_RELU, h, NULL);
      g_clear_pointer (&h, mm_node_unref);
      h = next;
      count++;
    }
  return mm_sum_all_new (h);
}

static int
cmp_double (const void *a,
            const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void
bench_orientation (MmNode       *root,
                   PangoContext *context,
                   gboolean      left_to_right,
                   guint         n_frames)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmGraphLayout) layout = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  g_autofree double *times = g_new (double, n_frames);
  g_autofree double *per_zoom = g_new (double, n_frames);
  static const double zooms[] = { 0, 0.25, 0.5, 0.75, 1.0, 1.5 };
  gint64 t0 = g_get_monotonic_time ();
  double layout_s, fit, w, h, total = 0;
  guint n_boxes;

  layout = mm_graph_layout_new (1, &root, context, left_to_right, &error);
  if (layout == NULL)
    {
      fprintf (stderr, "bench-graph: %s\n", error->message);
      exit (1);
    }
  layout_s = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  n_boxes = mm_graph_layout_get_n_boxes (layout);
  w = mm_graph_layout_get_width (layout);
  h = mm_graph_layout_get_height (layout);
  fit = MIN (WIDTH / w, HEIGHT / h);

  /* What the stepper does: notes on every box, a current node. */
  for (guint i = 0; i < n_boxes; i++)
    {
      mm_graph_layout_set_note (layout, i, MM_GRAPH_LINE_VALUE, "[−0.5234 … 0.9871]");
      mm_graph_layout_set_note (layout, i, MM_GRAPH_LINE_GRADIENT, "∇ [−0.0012 … 0.0034]");
      mm_graph_layout_set_marks (layout, i, i % 7 == 0 ? MM_GRAPH_MARK_GRADIENT : MM_GRAPH_MARK_NONE);
    }
  mm_graph_layout_set_marks (layout, n_boxes / 2, MM_GRAPH_MARK_CURRENT | MM_GRAPH_MARK_BACKWARD);

  for (guint f = 0; f < n_frames; f++)
    {
      MmGraphViewport vp = { 0 };
      cairo_t *cr = cairo_create (surface);
      double zoom = zooms[f % G_N_ELEMENTS (zooms)];
      gint64 start;

      vp.width = WIDTH;
      vp.height = HEIGHT;
      if (zoom == 0)
        {
          /* Fit to the window: everything visible at once. */
          vp.zoom = fit;
          vp.offset_x = (WIDTH - w * fit) / 2;
          vp.offset_y = (HEIGHT - h * fit) / 2;
        }
      else
        {
          /* Centred on some node, as panning along the graph would be. */
          MmGraphBox *b = mm_graph_layout_get_box (layout, g_rand_int_range (rand, 0, (gint32) n_boxes));
          vp.zoom = zoom;
          vp.offset_x = WIDTH / 2.0 - (b->x + b->width / 2) * zoom;
          vp.offset_y = HEIGHT / 2.0 - (b->y + b->height / 2) * zoom;
        }

      start = g_get_monotonic_time ();
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_paint (cr);
      mm_graph_layout_draw (layout, cr, &vp);
      cairo_surface_flush (surface);
      times[f] = (g_get_monotonic_time () - start) / 1000.0;
      total += times[f];
      cairo_destroy (cr);
    }
  /* Each zoom level on its own: fitted, everything is on screen. */
  printf ("%s: per zoom level (median of %u frames each):", left_to_right ? "left to right" : "top to bottom",
          n_frames / (guint) G_N_ELEMENTS (zooms));
  for (guint z = 0; z < G_N_ELEMENTS (zooms); z++)
    {
      guint k = 0;
      for (guint f = z; f < n_frames; f += G_N_ELEMENTS (zooms))
        per_zoom[k++] = times[f];
      qsort (per_zoom, k, sizeof (double), cmp_double);
      if (zooms[z] == 0)
        printf (" fit (%.3f) %.2f ms", fit, per_zoom[k / 2]);
      else
        printf (", %.2f %.2f ms", zooms[z], per_zoom[k / 2]);
    }
  printf ("\n");
  qsort (times, n_frames, sizeof (double), cmp_double);

  printf ("%s: %u nodes, %u edges, %.0f × %.0f units\n",
          left_to_right ? "left to right" : "top to bottom",
          n_boxes, mm_graph_layout_get_n_edges (layout), w, h);
  printf ("  layout      %7.1f ms (dot %.1f ms)          target < 1000 ms  %s\n",
          layout_s * 1000, mm_graph_layout_get_dot_time (layout) * 1000,
          layout_s < 1.0 ? "ok" : "TOO SLOW");
  printf ("  frame       median %5.2f ms, p99 %5.2f ms, max %5.2f ms, mean %5.2f ms over %u frames"
          "  target median ≤ 17 ms  %s\n",
          times[n_frames / 2], times[(guint) (n_frames * 0.99)], times[n_frames - 1],
          total / n_frames, n_frames, times[n_frames / 2] <= 17.0 ? "ok" : "TOO SLOW");
  cairo_surface_destroy (surface);
}

/* Folded and opened layouts: how long each takes. */
static void
bench_folding (MmNode       *root,
               PangoContext *context,
               gboolean      left_to_right)
{
  g_autoptr(GHashTable) titles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) open = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) all = mm_node_collect (root);
  MmGraphFolding folding = { titles, NULL };

  for (guint i = 0; i < all->len; i++)
    {
      const char *scope = mm_node_get_scope (g_ptr_array_index (all, i));
      if (scope != NULL && !g_hash_table_contains (titles, scope))
        {
          g_hash_table_insert (titles, g_strdup (scope), g_strdup ("Linear(8, 8) + Tanh"));
          g_hash_table_add (open, g_strdup (scope));
        }
    }
  for (int pass = 0; pass < 2; pass++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MmGraphLayout) layout = NULL;
      gint64 t0 = g_get_monotonic_time ();
      double s;

      folding.expanded = pass == 0 ? NULL : open;
      layout = mm_graph_layout_new_folded (1, &root, context, left_to_right, &folding, &error);
      if (layout == NULL)
        {
          fprintf (stderr, "bench-graph: %s\n", error->message);
          exit (1);
        }
      s = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
      printf ("%s, %s: %u boxes, %u frames, %u edges\n"
              "  layout      %7.1f ms (dot %.1f ms)          target < 1000 ms  %s\n",
              left_to_right ? "left to right" : "top to bottom",
              pass == 0 ? "every layer folded" : "every layer open",
              mm_graph_layout_get_n_boxes (layout), mm_graph_layout_get_n_frames (layout),
              mm_graph_layout_get_n_edges (layout), s * 1000, mm_graph_layout_get_dot_time (layout) * 1000,
              s < 1.0 ? "ok" : "TOO SLOW");
    }
}

int
main (int    argc,
      char **argv)
{
  guint n_nodes = argc > 1 ? (guint) atoi (argv[1]) : 1000;
  g_autoptr(MmNode) root = generate (n_nodes);
  g_autoptr(GObject) context = G_OBJECT (pango_font_map_create_context (pango_cairo_font_map_get_default ()));

  pango_cairo_context_set_resolution (PANGO_CONTEXT (context), 96);
  bench_orientation (root, PANGO_CONTEXT (context), FALSE, 300);
  bench_orientation (root, PANGO_CONTEXT (context), TRUE, 300);
  bench_folding (root, PANGO_CONTEXT (context), FALSE);
  bench_folding (root, PANGO_CONTEXT (context), TRUE);
  return 0;
}
