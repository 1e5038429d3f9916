/* test-graph.c — the graph view, the expression lab, the inspector and the
 * backward stepper, under a virtual display.
 *
 * The stepper must give exactly (bit for bit) the core's gradients, also
 * after stepping back and forth; the layout must hold every node without
 * overlaps and join the right boxes; clicks must find the box under them;
 * a walk through a preset must leave the right numbers in the inspector;
 * the numerical check must agree with the backward pass. PNGs of the page
 * and the graph view are written for a reviewer to look at.
 */
#include <gtk/gtk.h>
#include <myml.h>
#include <pango/pangocairo.h>
#include <math.h>
#include <string.h>
#include "mm-application.h"
#include "mm-window.h"
#include "mm-graph-page.h"
#include "mm-graph-view.h"
#include "mm-graph-layout.h"
#include "mm-backprop-stepper.h"
#include "mm-expression-lab.h"
#include "mm-node-inspector.h"
#include "mm-tensor-view.h"

#include "test-wait.h"
#define TIMEOUT_S (60 * test_timeout_scale ())

#define WAIT_FOR(cond)                                                        \
  G_STMT_START {                                                              \
    gint64 _end = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;       \
    while (!(cond) && g_get_monotonic_time () < _end)                         \
      g_main_context_iteration (NULL, FALSE), g_usleep (1000);               \
    if (!(cond))                                                              \
      g_error ("timed out waiting for %s", #cond);                            \
  } G_STMT_END

static void
iterate (int n)
{
  for (int i = 0; i < n; i++)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
}

static GtkWidget *
show_in_window (GtkWidget *child,
                int        width,
                int        height)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  WAIT_FOR (gtk_widget_get_mapped (child) && gtk_widget_get_width (child) > 0);
  iterate (20);
  return window;
}

static void
save_png (GtkWidget  *widget,
          const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                                            name, NULL);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  /* Let a few frames be drawn first: a widget paintable shows what was drawn. */
  iterate (60);
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("wrote %s (%d × %d)", path, w, h);
}

/* The README example, as the lab builds it. */
static MmExpressionLab *
readme_lab (void)
{
  MmExpressionLab *lab = MM_EXPRESSION_LAB (g_object_ref_sink (mm_expression_lab_new ()));

  mm_expression_lab_load_preset (lab, MM_LAB_PRESET_README);
  g_assert_cmpuint (mm_expression_lab_get_nodes (lab)->len, ==, 8);
  g_assert_cmpstr (mm_node_get_label (mm_expression_lab_get_output (lab)), ==, "crazy_sum");
  return lab;
}

static void
reference_gradients (MmNode    *root,
                     guint      n,
                     MmNode   **targets,
                     MmTensor **out)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (mm_node_get_gradients_against (root, n, targets, NULL, out, &error));
  g_assert_no_error (error);
}

static void
assert_same_tensor (const MmTensor *a,
                    const MmTensor *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_true (mm_shape_equal (&a->shape, &b->shape));
  g_assert_cmpmem (a->data, a->size * sizeof (float), b->data, b->size * sizeof (float));
}

/* ---- The stepper --------------------------------------------------------------------- */

static void
test_stepper_exact (void)
{
  g_autoptr(MmExpressionLab) lab = readme_lab ();
  MmBackpropStepper *stepper = MM_BACKPROP_STEPPER (g_object_ref_sink (mm_backprop_stepper_new ()));
  MmNode *root = mm_expression_lab_get_output (lab);
  MmNode *targets[2] = { mm_expression_lab_find (lab, "A"), mm_expression_lab_find (lab, "B") };
  MmTensor *ref[2] = { NULL, NULL };
  guint steps = 0;
  gboolean saw_accumulation = FALSE;

  reference_gradients (root, 2, targets, ref);
  mm_backprop_stepper_set_root (stepper, root);
  g_assert_cmpuint (mm_backprop_stepper_get_n_forward (stepper), ==, 8);
  g_assert_cmpuint (mm_backprop_stepper_get_n_positions (stepper), ==, 16);
  g_assert_null (mm_backprop_stepper_get_value (stepper, root));

  while (mm_backprop_stepper_step (stepper))
    {
      steps++;
      if (steps == 8)
        {
          /* The forward pass is done: every value is there, no gradient yet. */
          g_assert_nonnull (mm_backprop_stepper_get_value (stepper, root));
          g_assert_null (mm_backprop_stepper_get_gradient (stepper, targets[0]));
          g_assert_false (mm_backprop_stepper_is_backward (stepper));
        }
      if (strstr (mm_backprop_stepper_get_explanation (stepper), "added to what came from") != NULL)
        saw_accumulation = TRUE;
    }
  g_assert_cmpuint (steps, ==, 16);
  g_assert_true (saw_accumulation);
  g_assert_true (mm_backprop_stepper_is_backward (stepper));
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *state = mm_backprop_stepper_describe_gradient (stepper, targets[i]);
      assert_same_tensor (mm_backprop_stepper_get_gradient (stepper, targets[i]), ref[i]);
      g_assert_nonnull (strstr (state, "Complete"));
      mm_tensor_unref (ref[i]);
    }
  /* A is used by TensorDot, Sin and Add(3): three contributions. */
  {
    g_autofree char *state = mm_backprop_stepper_describe_gradient (stepper, targets[0]);
    g_assert_nonnull (strstr (state, "3 contributions"));
  }
  g_object_unref (stepper);
}

typedef struct {
  MmNode *node;
  MmTensor *grad;
} Seen;

static void
test_stepper_back_and_again (void)
{
  g_autoptr(MmExpressionLab) lab = readme_lab ();
  MmBackpropStepper *stepper = MM_BACKPROP_STEPPER (g_object_ref_sink (mm_backprop_stepper_new ()));
  MmNode *root = mm_expression_lab_get_output (lab);
  GPtrArray *nodes = mm_expression_lab_get_nodes (lab);
  guint total, nf;
  g_autofree Seen *seen = NULL;
  g_autoptr(GPtrArray) finals = g_ptr_array_new_with_free_func ((GDestroyNotify) mm_tensor_unref);

  mm_backprop_stepper_set_root (stepper, root);
  total = mm_backprop_stepper_get_n_positions (stepper);
  nf = mm_backprop_stepper_get_n_forward (stepper);
  seen = g_new0 (Seen, total + 1);

  /* First pass: what each backward step shows. */
  while (mm_backprop_stepper_step (stepper))
    {
      guint p = mm_backprop_stepper_get_position (stepper);
      MmNode *current = mm_backprop_stepper_get_current (stepper);
      seen[p].node = current;
      if (p > nf)
        seen[p].grad = mm_tensor_copy (mm_backprop_stepper_get_gradient (stepper, current));
    }
  for (guint i = 0; i < nodes->len; i++)
    g_ptr_array_add (finals, mm_tensor_copy (mm_backprop_stepper_get_gradient (stepper, g_ptr_array_index (nodes, i))));

  /* All the way back, checking each position on the way. */
  while (mm_backprop_stepper_step_back (stepper))
    {
      guint p = mm_backprop_stepper_get_position (stepper);
      g_assert_true (mm_backprop_stepper_get_current (stepper) == seen[p].node);
      if (p > nf)
        assert_same_tensor (mm_backprop_stepper_get_gradient (stepper, seen[p].node), seen[p].grad);
    }
  g_assert_cmpuint (mm_backprop_stepper_get_position (stepper), ==, 0);
  g_assert_null (mm_backprop_stepper_get_current (stepper));

  /* Jumps in both directions, then forward again to the end. */
  mm_backprop_stepper_seek (stepper, total - 2);
  mm_backprop_stepper_seek (stepper, nf + 3);
  assert_same_tensor (mm_backprop_stepper_get_gradient (stepper, seen[nf + 3].node), seen[nf + 3].grad);
  mm_backprop_stepper_seek (stepper, nf + 1);
  while (mm_backprop_stepper_step (stepper))
    {
      guint p = mm_backprop_stepper_get_position (stepper);
      g_assert_true (mm_backprop_stepper_get_current (stepper) == seen[p].node);
      assert_same_tensor (mm_backprop_stepper_get_gradient (stepper, seen[p].node), seen[p].grad);
    }
  for (guint i = 0; i < nodes->len; i++)
    assert_same_tensor (mm_backprop_stepper_get_gradient (stepper, g_ptr_array_index (nodes, i)),
                        g_ptr_array_index (finals, i));

  for (guint p = 0; p <= total; p++)
    g_clear_pointer (&seen[p].grad, mm_tensor_unref);
  g_object_unref (stepper);
}

static void
test_stepper_play (void)
{
  g_autoptr(MmExpressionLab) lab = readme_lab ();
  MmBackpropStepper *stepper = MM_BACKPROP_STEPPER (g_object_ref_sink (mm_backprop_stepper_new ()));

  mm_backprop_stepper_set_root (stepper, mm_expression_lab_get_output (lab));
  mm_backprop_stepper_set_speed (stepper, 20);   /* the spin's top speed */
  gtk_widget_activate_action (GTK_WIDGET (stepper), "stepper.playing", NULL);
  g_assert_true (mm_backprop_stepper_get_playing (stepper));
  WAIT_FOR (!mm_backprop_stepper_get_playing (stepper));
  g_assert_cmpuint (mm_backprop_stepper_get_position (stepper), ==, mm_backprop_stepper_get_n_positions (stepper));
  /* Playing again starts from the beginning; a new graph stops it. */
  mm_backprop_stepper_set_playing (stepper, TRUE);
  g_assert_cmpuint (mm_backprop_stepper_get_position (stepper), ==, 0);
  mm_backprop_stepper_set_root (stepper, NULL);
  g_assert_false (mm_backprop_stepper_get_playing (stepper));
  g_object_unref (stepper);
}

/* The pictures of the inspector: an image for 28 × 28 slices, a heat map
 * with its colour scale for a matrix. */
static void
test_inspector_pictures (void)
{
  const gsize image[] = { 2, 28, 28 }, matrix[] = { 784, 16 };
  g_autoptr(MmTensor) pixels = mm_tensor_new_dims (3, image, NULL);
  g_autoptr(MmTensor) signed_grad = mm_tensor_new_dims (3, image, NULL);
  g_autoptr(MmTensor) weights = mm_tensor_new_dims (2, matrix, NULL);
  g_autoptr(MmTensor) wgrad = mm_tensor_new_dims (2, matrix, NULL);
  g_autoptr(MmNode) input = NULL, weight = NULL;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 24);
  GtkWidget *a = mm_node_inspector_new (), *b = mm_node_inspector_new ();
  GtkWidget *window;

  /* A ring, and a gradient that is positive inside it and negative outside. */
  for (gsize n = 0; n < 2; n++)
    for (gsize y = 0; y < 28; y++)
      for (gsize x = 0; x < 28; x++)
        {
          double r = hypot (x - 13.5, y - 13.5);
          gsize i = (n * 28 + y) * 28 + x;
          pixels->data[i] = (float) CLAMP (1.0 - fabs (r - 8.0 - 2.0 * n) / 3.0, 0, 1);
          signed_grad->data[i] = (float) ((9.0 - r) * 0.01);
        }
  for (gsize i = 0; i < weights->size; i++)
    {
      weights->data[i] = (float) sin (i * 0.37) * 0.1f;
      wgrad->data[i] = (float) cos (i * 0.011) * 1e-3f;
    }
  input = mm_constant_new_labelled (pixels, "input");
  weight = mm_constant_new_labelled (weights, "0.weight");
  mm_node_inspector_set_node (MM_NODE_INSPECTOR (a), input, pixels, signed_grad, "Complete.");
  mm_node_inspector_set_node (MM_NODE_INSPECTOR (b), weight, weights, wgrad, "Complete.");
  g_assert_cmpint (mm_tensor_view_get_mode (mm_node_inspector_get_value_view (MM_NODE_INSPECTOR (a))), ==,
                   MM_TENSOR_VIEW_IMAGE);
  g_assert_cmpint (mm_tensor_view_get_mode (mm_node_inspector_get_gradient_view (MM_NODE_INSPECTOR (a))), ==,
                   MM_TENSOR_VIEW_IMAGE);
  g_assert_cmpint (mm_tensor_view_get_mode (mm_node_inspector_get_value_view (MM_NODE_INSPECTOR (b))), ==,
                   MM_TENSOR_VIEW_HEATMAP);
  gtk_widget_set_hexpand (a, TRUE);
  gtk_widget_set_hexpand (b, TRUE);
  gtk_box_append (GTK_BOX (box), a);
  gtk_box_append (GTK_BOX (box), b);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  window = show_in_window (box, 900, 720);
  save_png (box, "graph-inspector-pictures.png");
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_numerical_check (void)
{
  g_autoptr(MmExpressionLab) lab = readme_lab ();
  MmBackpropStepper *stepper = MM_BACKPROP_STEPPER (g_object_ref_sink (mm_backprop_stepper_new ()));
  const char *names[] = { "A", "B" };

  mm_backprop_stepper_set_root (stepper, mm_expression_lab_get_output (lab));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      double rel = 1, abs_err = 1;
      guint checked = 0;

      g_assert_true (mm_backprop_stepper_check_numerically (stepper, mm_expression_lab_find (lab, names[i]),
                                                            64, &rel, &abs_err, &checked, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (checked, ==, 64);
      g_test_message ("numerical check of %s: largest relative error %.3g, absolute %.3g", names[i], rel, abs_err);
      g_assert_cmpfloat (rel, <, 1e-2);
    }

  /* Through the button: the text says they agree. */
  mm_backprop_stepper_set_check_node (stepper, mm_expression_lab_find (lab, "B"));
  gtk_widget_activate_action (GTK_WIDGET (stepper), "stepper.check", NULL);
  g_assert_nonnull (strstr (mm_backprop_stepper_get_check_text (stepper), "∂L/∂B"));
  g_assert_nonnull (strstr (mm_backprop_stepper_get_check_text (stepper), "agree"));

  /* The other presets too (the MLP has a ReLU, away from its kink here). */
  for (MmLabPreset p = MM_LAB_PRESET_NEURON; p < MM_LAB_N_PRESETS; p++)
    {
      GPtrArray *nodes;

      mm_expression_lab_load_preset (lab, p);
      mm_backprop_stepper_set_root (stepper, mm_expression_lab_get_output (lab));
      nodes = mm_expression_lab_get_nodes (lab);
      for (guint i = 0; i < nodes->len; i++)
        {
          MmNode *node = g_ptr_array_index (nodes, i);
          g_autoptr(GError) error = NULL;
          double rel = 1;

          if (!mm_node_is_constant (node))
            continue;
          g_assert_true (mm_backprop_stepper_check_numerically (stepper, node, 64, &rel, NULL, NULL, &error));
          g_test_message ("preset %d, %s: relative error %.3g", p, mm_node_get_label (node), rel);
          g_assert_cmpfloat (rel, <, 2e-2);
        }
    }
  g_object_unref (stepper);
}

/* Rebuilding shares what does not depend on the constant and changes the rest. */
static void
test_rebuild (void)
{
  g_autoptr(MmExpressionLab) lab = readme_lab ();
  MmNode *root = mm_expression_lab_get_output (lab);
  MmNode *B = mm_expression_lab_find (lab, "B");
  g_autoptr(MmTensor) same = mm_tensor_copy (mm_node_get_value (B));
  g_autoptr(MmNode) copy = mm_graph_rebuild_with (root, B, same, NULL);
  g_autoptr(GPtrArray) order = mm_node_collect (copy);

  g_assert_nonnull (copy);
  g_assert_true (copy != root);
  g_assert_cmpfloat (mm_tensor_item (mm_node_get_value (copy)), ==, mm_tensor_item (mm_node_get_value (root)));
  /* A and A_sin do not depend on B: shared. */
  g_assert_true (g_ptr_array_find (order, mm_expression_lab_find (lab, "A"), NULL));
  g_assert_true (g_ptr_array_find (order, mm_expression_lab_find (lab, "A_sin"), NULL));
  g_assert_false (g_ptr_array_find (order, mm_expression_lab_find (lab, "AB"), NULL));
}

/* The newer node types rebuild too: Conv2d, pooling, Dropout, BatchNorm. */
static MmNode *
labelled_random (const char  *label,
                 guint        ndim,
                 const gsize *dims,
                 GRand       *rand)
{
  g_autoptr(MmTensor) t = mm_tensor_new_dims (ndim, dims, NULL);
  mm_tensor_fill_uniform (t, rand, -1, 1);
  return mm_constant_new_labelled (t, label);
}

/* input → Conv2d → [MaxPool2d 2×2 stride 1] → AvgPool2d 2×2 → Dropout →
 * BatchNorm (batch statistics) → Σ coef ⊙ (·). */
static MmNode *
small_cnn (gboolean  with_max,
           MmNode  **params)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  const gsize xd[] = { 2, 1, 6, 6 }, wd[] = { 2, 1, 3, 3 }, cd[] = { 2 };
  g_autoptr(MmNode) x = labelled_random ("input", 4, xd, rand);
  MmNode *w = labelled_random ("conv.weight", 4, wd, rand);
  MmNode *b = labelled_random ("conv.bias", 1, cd, rand);
  MmNode *gamma = labelled_random ("bn.weight", 1, cd, rand);
  MmNode *beta = labelled_random ("bn.bias", 1, cd, rand);
  g_autoptr(MmNode) conv = NULL, pool = NULL, avg = NULL, drop = NULL, bn = NULL, coef = NULL, prod = NULL;
  MmConv2dSettings settings, pooling;
  g_autoptr(GError) error = NULL;

  mm_conv2d_settings_init (&settings, 1, 1, 1);
  mm_conv2d_settings_init (&pooling, 1, 0, 1);
  conv = mm_conv2d_new (x, w, b, &settings, &error);
  g_assert_no_error (error);
  pool = with_max ? mm_max_pool2d_new (conv, 2, 2, &pooling, &error) : mm_node_ref (conv);
  g_assert_no_error (error);
  avg = mm_avg_pool2d_new (pool, 2, 2, NULL, &error);
  g_assert_no_error (error);
  drop = mm_dropout_new (avg, 0.25, 99, &error);
  g_assert_no_error (error);
  bn = mm_batch_norm_new (drop, gamma, beta, NULL, NULL, 1e-3, &error);
  g_assert_no_error (error);
  {
    g_autoptr(MmTensor) c = mm_tensor_new (mm_node_get_shape (bn), NULL);
    mm_tensor_fill_uniform (c, rand, -1, 1);
    coef = mm_constant_new_labelled (c, "coef");
  }
  prod = mm_binary_new (MM_OP_MUL, bn, coef, &error);
  g_assert_no_error (error);
  params[0] = w;
  params[1] = b;
  params[2] = gamma;
  params[3] = beta;
  return mm_sum_all_new (prod);
}

static void
test_rebuild_cnn (void)
{
  MmBackpropStepper *stepper = MM_BACKPROP_STEPPER (g_object_ref_sink (mm_backprop_stepper_new ()));
  g_autoptr(GError) error = NULL;

  for (int with_max = 1; with_max >= 0; with_max--)
    {
      MmNode *params[4];
      g_autoptr(MmNode) root = small_cnn (with_max, params);

      /* The same constant again: the same number comes out (the dropout
       * mask multiplies in another order, hence not bit for bit). */
      {
        g_autoptr(MmTensor) same = mm_tensor_copy (mm_node_get_value (params[0]));
        g_autoptr(MmNode) copy = mm_graph_rebuild_with (root, params[0], same, &error);
        float a = mm_tensor_item (mm_node_get_value (copy)), b = mm_tensor_item (mm_node_get_value (root));
        g_assert_no_error (error);
        g_assert_cmpfloat (fabsf (a - b), <=, 1e-5f * MAX (1.0f, fabsf (b)));
      }

      /* Finite differences agree (without the max pool, whose kinks a step
       * of 10⁻² can cross). */
      mm_backprop_stepper_set_root (stepper, root);
      for (guint i = 0; !with_max && i < G_N_ELEMENTS (params); i++)
        {
          double rel = 1;
          g_assert_true (mm_backprop_stepper_check_numerically (stepper, params[i], 64, &rel, NULL, NULL, &error));
          g_assert_no_error (error);
          g_test_message ("CNN, %s: relative error %.3g", mm_node_get_label (params[i]), rel);
          g_assert_cmpfloat (rel, <, 2e-2);
        }
      for (guint i = 0; i < G_N_ELEMENTS (params); i++)
        mm_node_unref (params[i]);
    }
  g_object_unref (stepper);
}

/* ---- Layout and hit-testing ---------------------------------------------------------------- */

static void
test_layout_seed (void)
{
  g_autoptr(MmExpressionLab) lab = readme_lab ();
  g_autoptr(PangoFontMap) map = pango_cairo_font_map_new ();
  PangoContext *context = pango_font_map_create_context (map);
  g_autoptr(GError) error = NULL;
  MmNode *root = mm_expression_lab_get_output (lab);
  GPtrArray *nodes = mm_expression_lab_get_nodes (lab);
  g_autoptr(MmGraphLayout) layout = NULL;
  guint n_edges = 0;

  for (int lr = 0; lr < 2; lr++)
    {
      g_clear_pointer (&layout, mm_graph_layout_free);
      layout = mm_graph_layout_new (1, &root, context, lr, &error);
      g_assert_no_error (error);
      g_assert_nonnull (layout);

      /* Every node, once. */
      g_assert_cmpuint (mm_graph_layout_get_n_boxes (layout), ==, nodes->len);
      for (guint i = 0; i < nodes->len; i++)
        g_assert_cmpint (mm_graph_layout_find (layout, g_ptr_array_index (nodes, i)), >=, 0);

      /* Boxes inside the drawing, big enough for 11 pt text, never overlapping. */
      for (guint i = 0; i < mm_graph_layout_get_n_boxes (layout); i++)
        {
          MmGraphBox *a = mm_graph_layout_get_box (layout, i);
          int tw, th;

          g_assert_cmpfloat (a->x, >=, 0);
          g_assert_cmpfloat (a->y, >=, 0);
          g_assert_cmpfloat (a->x + a->width, <=, mm_graph_layout_get_width (layout));
          g_assert_cmpfloat (a->y + a->height, <=, mm_graph_layout_get_height (layout));
          pango_layout_get_pixel_size (a->lines[MM_GRAPH_LINE_SHAPE], &tw, &th);
          g_assert_cmpint (th, >=, 14);   /* 11 pt at 96 dpi is 14.7 px */
          g_assert_cmpfloat (a->width, >=, tw);
          for (guint j = i + 1; j < mm_graph_layout_get_n_boxes (layout); j++)
            {
              MmGraphBox *b = mm_graph_layout_get_box (layout, j);
              gboolean apart = a->x + a->width <= b->x || b->x + b->width <= a->x ||
                               a->y + a->height <= b->y || b->y + b->height <= a->y;
              g_assert_true (apart);
            }
        }

      /* One edge per input, from the input's box to its consumer's box. */
      n_edges = 0;
      for (guint i = 0; i < nodes->len; i++)
        n_edges += mm_node_get_n_inputs (g_ptr_array_index (nodes, i));
      g_assert_cmpuint (mm_graph_layout_get_n_edges (layout), ==, n_edges);
      g_assert_cmpuint (n_edges, ==, 10);
      for (guint e = 0; e < mm_graph_layout_get_n_edges (layout); e++)
        {
          const MmGraphEdge *edge = mm_graph_layout_get_edge (layout, e);
          MmGraphBox *from = mm_graph_layout_get_box (layout, edge->from);
          MmGraphBox *to = mm_graph_layout_get_box (layout, edge->to);
          const graphene_point_t *start = &edge->points[0];
          const double slack = 3;

          g_assert_true (mm_node_get_input (to->node, edge->input_index) == from->node);
          g_assert_cmpuint (edge->n_points, >=, 4);
          g_assert_cmpuint ((edge->n_points - 1) % 3, ==, 0);
          /* The path starts on the input's box and ends on the consumer's. */
          g_assert_cmpfloat (start->x, >=, from->x - slack);
          g_assert_cmpfloat (start->x, <=, from->x + from->width + slack);
          g_assert_cmpfloat (start->y, >=, from->y - slack);
          g_assert_cmpfloat (start->y, <=, from->y + from->height + slack);
          g_assert_cmpfloat (edge->tip.x, >=, to->x - slack);
          g_assert_cmpfloat (edge->tip.x, <=, to->x + to->width + slack);
          g_assert_cmpfloat (edge->tip.y, >=, to->y - slack);
          g_assert_cmpfloat (edge->tip.y, <=, to->y + to->height + slack);
          /* Top to bottom, data flows down; left to right, rightwards. */
          if (lr)
            g_assert_cmpfloat (to->x, >, from->x);
          else
            g_assert_cmpfloat (to->y, >, from->y);
        }

      /* Hit-testing in graph units. */
      for (guint i = 0; i < mm_graph_layout_get_n_boxes (layout); i++)
        {
          MmGraphBox *b = mm_graph_layout_get_box (layout, i);
          g_assert_cmpint (mm_graph_layout_hit (layout, b->x + b->width / 2, b->y + b->height / 2), ==, i);
          g_assert_cmpint (mm_graph_layout_hit (layout, b->x + 1, b->y + 1), ==, i);
        }
      g_assert_cmpint (mm_graph_layout_hit (layout, 1, 1), ==, -1);
    }

  /* The roles: A and B constants, crazy_sum the loss, the rest computed. */
  g_assert_cmpint (mm_graph_layout_get_box (layout, mm_graph_layout_find (layout, mm_expression_lab_find (lab, "A")))->role,
                   ==, MM_GRAPH_ROLE_PARAMETER);
  g_assert_cmpint (mm_graph_layout_get_box (layout, mm_graph_layout_find (layout, root))->role, ==, MM_GRAPH_ROLE_LOSS);
  g_assert_cmpint (mm_graph_layout_get_box (layout, mm_graph_layout_find (layout, mm_expression_lab_find (lab, "AB")))->role,
                   ==, MM_GRAPH_ROLE_COMPUTED);
  g_clear_pointer (&layout, mm_graph_layout_free);
  g_object_unref (context);
}

static void
test_view_hit (void)
{
  g_autoptr(MmExpressionLab) lab = readme_lab ();
  GtkWidget *view = mm_graph_view_new ();
  GtkWidget *window;
  GPtrArray *nodes = mm_expression_lab_get_nodes (lab);

  mm_graph_view_set_nodes (MM_GRAPH_VIEW (view), nodes->len, (MmNode **) nodes->pdata);
  window = show_in_window (view, 900, 700);

  for (int round = 0; round < 2; round++)
    {
      for (guint i = 0; i < nodes->len; i++)
        {
          MmNode *node = g_ptr_array_index (nodes, i);
          MmGraphLayout *layout = mm_graph_view_get_layout (MM_GRAPH_VIEW (view));
          MmGraphBox *b = mm_graph_layout_get_box (layout, mm_graph_layout_find (layout, node));
          double x, y;

          mm_graph_view_graph_to_widget (MM_GRAPH_VIEW (view), b->x + b->width / 2, b->y + b->height / 2, &x, &y);
          g_assert_true (mm_graph_view_node_at (MM_GRAPH_VIEW (view), x, y) == node);
          mm_graph_view_graph_to_widget (MM_GRAPH_VIEW (view), b->x + b->width - 2, b->y + 2, &x, &y);
          g_assert_true (mm_graph_view_node_at (MM_GRAPH_VIEW (view), x, y) == node);
        }
      g_assert_null (mm_graph_view_node_at (MM_GRAPH_VIEW (view), 2, 2));
      /* Again zoomed in, around the middle, and left to right. */
      mm_graph_view_set_zoom (MM_GRAPH_VIEW (view), mm_graph_view_get_zoom (MM_GRAPH_VIEW (view)) * 1.7);
      mm_graph_view_set_left_to_right (MM_GRAPH_VIEW (view), TRUE);
      iterate (5);
    }

  /* Selecting a node marks it; the keyboard zooms. */
  mm_graph_view_set_selected (MM_GRAPH_VIEW (view), g_ptr_array_index (nodes, 0));
  g_assert_true (mm_graph_view_get_marks (MM_GRAPH_VIEW (view), g_ptr_array_index (nodes, 0)) & MM_GRAPH_MARK_SELECTED);
  mm_graph_view_zoom_to_fit (MM_GRAPH_VIEW (view));
  {
    double fit = mm_graph_view_get_zoom (MM_GRAPH_VIEW (view));
    mm_graph_view_zoom_in (MM_GRAPH_VIEW (view));
    g_assert_cmpfloat (mm_graph_view_get_zoom (MM_GRAPH_VIEW (view)), >, fit);
  }
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- The tensor view and the lab ------------------------------------------------------------ */

static MmTensor *
tensor_of (guint        ndim,
           const gsize *dims)
{
  MmTensor *t = mm_tensor_new_dims (ndim, dims, NULL);
  for (gsize i = 0; i < t->size; i++)
    t->data[i] = (float) i / t->size - 0.25f;
  return t;
}

static void
test_tensor_view (void)
{
  MmTensorView *view = MM_TENSOR_VIEW (g_object_ref_sink (mm_tensor_view_new ()));
  const gsize small[] = { 2, 3 }, image[] = { 2, 784 }, matrix[] = { 10, 20 }, big[] = { 1000 };
  g_autoptr(MmTensor) a = tensor_of (2, small);
  g_autoptr(MmTensor) b = tensor_of (2, image);
  g_autoptr(MmTensor) c = tensor_of (2, matrix);
  g_autoptr(MmTensor) d = tensor_of (1, big);
  g_autofree char *text = NULL, *stats = NULL;

  g_assert_cmpint (mm_tensor_view_get_mode (view), ==, MM_TENSOR_VIEW_EMPTY);
  mm_tensor_view_set_tensor (view, a);
  g_assert_cmpint (mm_tensor_view_get_mode (view), ==, MM_TENSOR_VIEW_NUMBERS);
  text = mm_tensor_view_get_text (view);
  g_assert_nonnull (strstr (text, "-0.25 -0.08333 0.08333"));
  g_assert_nonnull (strstr (text, "NaN 0"));
  mm_tensor_view_set_tensor (view, b);
  g_assert_cmpint (mm_tensor_view_get_mode (view), ==, MM_TENSOR_VIEW_IMAGE);
  mm_tensor_view_set_tensor (view, c);
  g_assert_cmpint (mm_tensor_view_get_mode (view), ==, MM_TENSOR_VIEW_HEATMAP);
  d->data[7] = NAN;
  mm_tensor_view_set_tensor (view, d);
  g_assert_cmpint (mm_tensor_view_get_mode (view), ==, MM_TENSOR_VIEW_STATS);
  stats = mm_tensor_view_get_text (view);
  g_assert_nonnull (strstr (stats, "NaN 1"));
  g_assert_nonnull (strstr (stats, "1000 values"));

  {
    g_autofree char *half = mm_tensor_format_number (0.5f);
    g_assert_cmpstr (half, ==, "0.5");
  }
  g_object_unref (view);
}

static void
test_lab_refusals (void)
{
  g_autoptr(MmExpressionLab) lab = readme_lab ();
  g_autoptr(GError) error = NULL;
  guint n = mm_expression_lab_get_nodes (lab)->len;

  /* Shapes and values that make no sense. */
  g_assert_false (mm_expression_lab_add_constant (lab, "C", "(4, a)", MM_LAB_FILL_ONES, NULL, &error));
  g_assert_nonnull (strstr (error->message, "not a shape"));
  g_assert_cmpstr (mm_expression_lab_get_message (lab), ==, error->message);
  g_clear_error (&error);
  g_assert_false (mm_expression_lab_add_constant (lab, "C", "(2, 3)", MM_LAB_FILL_VALUES, "1 2 3", &error));
  g_assert_nonnull (strstr (error->message, "holds 6"));
  g_clear_error (&error);
  g_assert_false (mm_expression_lab_add_constant (lab, "A", "(2)", MM_LAB_FILL_ZEROS, NULL, &error));
  g_assert_nonnull (strstr (error->message, "already"));
  g_clear_error (&error);
  g_assert_cmpuint (mm_expression_lab_get_nodes (lab)->len, ==, n);

  /* A good one: typed values. */
  g_assert_true (mm_expression_lab_add_constant (lab, "C", "(4, 4)", MM_LAB_FILL_VALUES,
                                                 "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16", &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (mm_node_get_value (mm_expression_lab_find (lab, "C"))->data[15], ==, 16);

  /* TensorDot(A, crazy_sum, 1): a number has no axis to contract. Refused
   * at the second click, with the engine's reason. */
  mm_expression_lab_set_kind (lab, MM_LAB_TENSORDOT);
  mm_expression_lab_set_d (lab, 1);
  g_assert_true (mm_expression_lab_pick_input (lab, mm_expression_lab_find (lab, "A"), &error));
  g_assert_false (mm_expression_lab_pick_input (lab, mm_expression_lab_find (lab, "crazy_sum"), &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (mm_expression_lab_get_message (lab), error->message));
  g_test_message ("refused: %s", mm_expression_lab_get_message (lab));
  g_clear_error (&error);
  /* Adding now is refused too: one input is missing. */
  g_assert_false (mm_expression_lab_add_node (lab, &error));
  g_clear_error (&error);

  /* TensorDot(A, C, 1): (4, 4, 4) · (4, 4) fits. */
  g_assert_true (mm_expression_lab_pick_input (lab, mm_expression_lab_find (lab, "C"), &error));
  mm_expression_lab_set_name (lab, "AC");
  g_assert_true (mm_expression_lab_add_node (lab, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (mm_node_get_label (mm_expression_lab_get_output (lab)), ==, "AC");

  /* Elementwise Add(2)(A, C): different shapes, refused at the click. */
  mm_expression_lab_set_kind (lab, MM_LAB_ELEMENTWISE);
  mm_expression_lab_set_op (lab, MM_OP_ADD, 2, 0);
  g_assert_true (mm_expression_lab_pick_input (lab, mm_expression_lab_find (lab, "A"), NULL));
  g_assert_false (mm_expression_lab_pick_input (lab, mm_expression_lab_find (lab, "C"), &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  /* Sin(C) then. */
  mm_expression_lab_clear_inputs (lab);
  mm_expression_lab_set_op (lab, MM_OP_SIN, 1, 0);
  g_assert_true (mm_expression_lab_pick_input (lab, mm_expression_lab_find (lab, "C"), NULL));
  g_assert_true (mm_expression_lab_add_node (lab, NULL));
  g_assert_cmpstr (mm_node_get_type_name (mm_expression_lab_get_output (lab)), ==, "Elementwise");

  /* Sum with d = 3 over a (4, 4) input: refused. */
  mm_expression_lab_set_kind (lab, MM_LAB_SUM);
  mm_expression_lab_set_d (lab, 3);
  g_assert_false (mm_expression_lab_pick_input (lab, mm_expression_lab_find (lab, "C"), &error));
  g_clear_error (&error);
}

/* ---- Folding ---------------------------------------------------------------------------- */

/* One training step's graph of @model on 4 two-feature samples, with an L2
 * penalty (its nodes read the weights inside the layers). */
static MmNode *
step_graph (MmModule *model)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) specs = mm_module_get_params (model);
  g_autoptr(MmParams) params = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, 1, &error);
  const gsize xd[] = { 4, 2 }, yd[] = { 4 };
  g_autoptr(MmTensor) x = mm_tensor_new_dims (2, xd, NULL);
  g_autoptr(MmTensor) y = mm_tensor_new_dims (1, yd, NULL);
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, NULL);
  g_autoptr(MmLoss) loss = mm_loss_one_hot_new (ce, 3, NULL);
  g_autoptr(MmOptimizer) opt = NULL;
  g_autoptr(MmStepInfo) info = NULL;
  MmOptimizerConfig config;

  g_assert_no_error (error);
  for (guint i = 0; i < 8; i++)
    x->data[i] = 0.25f * i - 1.0f;
  for (guint i = 0; i < 4; i++)
    y->data[i] = (float) (i % 3);
  mm_optimizer_config_init (&config, MM_OPTIMIZER_SGD);
  opt = mm_optimizer_new (&config, model, loss, params, &error);
  g_assert_no_error (error);
  g_assert_true (mm_optimizer_set_penalties (opt, 0, 1e-3, FALSE, &error));
  info = mm_optimizer_prepare_step (opt, x, y, &error);
  g_assert_no_error (error);
  return mm_node_ref (info->loss);
}

/* Every real edge that crosses from one box to another is drawn, once per
 * pair of boxes when a folded layer is at one end; every drawn edge is a real
 * one between the boxes that show its ends. Boxes never overlap; the boxes of
 * an open layer lie inside its frame, under its title. */
static void
check_folded_layout (MmGraphLayout *layout,
                     MmNode        *root)
{
  g_autoptr(GPtrArray) all = mm_node_collect (root);
  g_autoptr(GHashTable) pairs = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  for (guint e = 0; e < mm_graph_layout_get_n_edges (layout); e++)
    {
      const MmGraphEdge *edge = mm_graph_layout_get_edge (layout, e);
      MmGraphBox *from = mm_graph_layout_get_box (layout, edge->from);
      MmGraphBox *to = mm_graph_layout_get_box (layout, edge->to);
      gint64 *key = g_new (gint64, 1);

      g_assert_cmpuint (edge->from, !=, edge->to);
      g_assert_true (mm_node_get_input (edge->target, edge->input_index) == edge->source);
      g_assert_cmpint (mm_graph_layout_find (layout, edge->source), ==, edge->from);
      g_assert_cmpint (mm_graph_layout_find (layout, edge->target), ==, edge->to);
      /* A label of its own when what flows is not the box's own output. */
      g_assert_true ((edge->label != NULL) == (from->node != edge->source));
      *key = ((gint64) edge->from << 32) | edge->to;
      if (from->scope != NULL || to->scope != NULL)
        g_assert_false (g_hash_table_contains (pairs, key));
      g_hash_table_add (pairs, key);
    }
  for (guint i = 0; i < all->len; i++)
    {
      MmNode *n = g_ptr_array_index (all, i);
      gint to = mm_graph_layout_find (layout, n);

      g_assert_cmpint (to, >=, 0);
      for (guint k = 0; k < mm_node_get_n_inputs (n); k++)
        {
          gint from = mm_graph_layout_find (layout, mm_node_get_input (n, k));
          gint64 key = ((gint64) from << 32) | (guint) to;

          if (from != to)
            g_assert_true (g_hash_table_contains (pairs, &key));
        }
    }
  for (guint i = 0; i < mm_graph_layout_get_n_boxes (layout); i++)
    {
      MmGraphBox *a = mm_graph_layout_get_box (layout, i);
      g_autoptr(GPtrArray) chain = mm_graph_scope_chain (a->node);

      for (guint j = i + 1; j < mm_graph_layout_get_n_boxes (layout); j++)
        {
          MmGraphBox *b = mm_graph_layout_get_box (layout, j);
          g_assert_true (a->x + a->width <= b->x || b->x + b->width <= a->x ||
                         a->y + a->height <= b->y || b->y + b->height <= a->y);
        }
      /* Inside the frame of every open layer around it. */
      for (guint c = 0; c < chain->len; c++)
        {
          gint f = mm_graph_layout_find_frame (layout, g_ptr_array_index (chain, c));
          const MmGraphFrame *fr;

          if (f < 0)
            continue;
          fr = mm_graph_layout_get_frame (layout, f);
          g_assert_cmpfloat (a->x, >=, fr->x);
          g_assert_cmpfloat (a->x + a->width, <=, fr->x + fr->width + 0.5);
          g_assert_cmpfloat (a->y, >=, fr->y + fr->title_height - 0.5);
          g_assert_cmpfloat (a->y + a->height, <=, fr->y + fr->height + 0.5);
        }
    }
}

static void
test_layout_fold (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PangoFontMap) map = pango_cairo_font_map_new ();
  PangoContext *context = pango_font_map_create_context (map);
  g_autoptr(MmModule) model = mm_module_parse ("Linear(2, 16); ReLU; Linear(16, 3)", &error);
  g_autoptr(MmNode) root = step_graph (model);
  g_autoptr(GHashTable) titles = mm_graph_scope_titles (model);
  g_autoptr(GHashTable) open = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) all = mm_node_collect (root);
  MmGraphFolding folding = { titles, NULL };
  g_autoptr(MmGraphLayout) flat = mm_graph_layout_new (1, &root, context, FALSE, &error);
  g_autoptr(MmGraphLayout) folded = NULL;
  g_autoptr(MmGraphLayout) opened = NULL;
  g_autoptr(MmGraphLayout) again = NULL;
  MmNode *input = NULL, *w0 = NULL, *xw = NULL;
  guint n_scoped = 0;

  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (titles, "0."), ==, "Linear(2, 16)");
  g_assert_cmpstr (g_hash_table_lookup (titles, "1."), ==, "ReLU");
  g_assert_cmpstr (g_hash_table_lookup (titles, "2."), ==, "Linear(16, 3)");
  for (guint i = 0; i < all->len; i++)
    {
      MmNode *n = g_ptr_array_index (all, i);
      const char *label = mm_node_get_label (n);

      n_scoped += mm_node_get_scope (n) != NULL;
      if (g_strcmp0 (label, "input") == 0)
        input = n;
      else if (g_strcmp0 (label, "0.weight") == 0)
        w0 = n;
      else if (g_str_equal (mm_node_get_type_name (n), "TensorDot") && xw == NULL)
        xw = n;
    }
  g_assert_nonnull (input);
  g_assert_nonnull (w0);
  g_assert_nonnull (xw);
  g_assert_null (mm_node_get_scope (input));
  g_assert_cmpstr (mm_node_get_scope (w0), ==, "0.");
  g_assert_cmpstr (mm_node_get_scope (xw), ==, "0.");
  /* Linear: weight, bias, TensorDot, Broadcast, Add; ReLU: one node. */
  g_assert_cmpuint (n_scoped, ==, 11);

  /* Nothing folded: one box per node, as before. */
  g_assert_cmpuint (mm_graph_layout_get_n_boxes (flat), ==, all->len);
  g_assert_cmpint (mm_graph_layout_find_group (flat, "0."), ==, -1);

  /* Folded: one box per layer; its members all map to it. */
  folded = mm_graph_layout_new_folded (1, &root, context, FALSE, &folding, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_graph_layout_get_n_boxes (folded), ==, all->len - n_scoped + 3);
  g_assert_cmpuint (mm_graph_layout_get_n_frames (folded), ==, 0);
  {
    gint g0 = mm_graph_layout_find_group (folded, "0."), g1 = mm_graph_layout_find_group (folded, "1.");
    gint g2 = mm_graph_layout_find_group (folded, "2.");
    MmGraphBox *b0;
    gboolean input_to_g0 = FALSE, g0_to_g1 = FALSE, g1_to_g2 = FALSE, w0_out = FALSE;

    g_assert_cmpint (g0, >=, 0);
    g_assert_cmpint (g1, >=, 0);
    g_assert_cmpint (g2, >=, 0);
    b0 = mm_graph_layout_get_box (folded, g0);
    g_assert_cmpint (b0->role, ==, MM_GRAPH_ROLE_GROUP);
    g_assert_cmpstr (b0->scope, ==, "0.");
    g_assert_cmpuint (b0->members->len, ==, 5);
    g_assert_cmpstr (pango_layout_get_text (b0->lines[MM_GRAPH_LINE_TITLE]), ==, "0 · Linear(2, 16)");
    g_assert_cmpint (mm_graph_layout_find (folded, w0), ==, g0);
    g_assert_cmpint (mm_graph_layout_find (folded, xw), ==, g0);
    /* Its box stands for the layer's output (the last of its nodes). */
    g_assert_true (b0->node == g_ptr_array_index (b0->members, 4));
    g_assert_true (mm_node_get_input (mm_graph_layout_get_box (folded, g1)->node, 0) == b0->node);
    for (guint e = 0; e < mm_graph_layout_get_n_edges (folded); e++)
      {
        const MmGraphEdge *edge = mm_graph_layout_get_edge (folded, e);
        input_to_g0 |= edge->source == input && edge->to == (guint) g0;
        g0_to_g1 |= edge->from == (guint) g0 && edge->to == (guint) g1;
        g1_to_g2 |= edge->from == (guint) g1 && edge->to == (guint) g2;
        /* The L2 penalty reads the weight inside the folded layer. */
        if (edge->from == (guint) g0 && edge->source == w0)
          {
            w0_out = TRUE;
            g_assert_cmpstr (pango_layout_get_text (edge->label), ==, "(2, 16)");
          }
      }
    g_assert_true (input_to_g0 && g0_to_g1 && g1_to_g2 && w0_out);
  }
  check_folded_layout (folded, root);

  /* Open the first Linear: a frame around its five nodes, the others still
   * folded; the title strip is where a click folds it again. */
  g_hash_table_add (open, g_strdup ("0."));
  folding.expanded = open;
  opened = mm_graph_layout_new_folded (1, &root, context, TRUE, &folding, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_graph_layout_get_n_boxes (opened), ==, all->len - n_scoped + 3 - 1 + 5);
  g_assert_cmpint (mm_graph_layout_find_group (opened, "0."), ==, -1);
  g_assert_cmpint (mm_graph_layout_find_group (opened, "2."), >=, 0);
  g_assert_cmpuint (mm_graph_layout_get_n_frames (opened), ==, 1);
  {
    const MmGraphFrame *f = mm_graph_layout_get_frame (opened, 0);
    MmGraphBox *b = mm_graph_layout_get_box (opened, mm_graph_layout_find (opened, xw));

    g_assert_cmpstr (f->scope, ==, "0.");
    g_assert_cmpstr (pango_layout_get_text (f->title), ==, "0 · Linear(2, 16)");
    g_assert_null (b->scope);
    g_assert_true (b->node == xw);
    g_assert_cmpfloat (f->title_height, >, 10);
    g_assert_cmpint (mm_graph_layout_hit_frame (opened, f->x + f->width / 2, f->y + f->title_height / 2), ==, 0);
    g_assert_cmpint (mm_graph_layout_hit_frame (opened, b->x + 1, b->y + 1), ==, -1);
  }
  check_folded_layout (opened, root);

  /* And folded again: the same boxes and edges as at first. */
  g_hash_table_remove_all (open);
  again = mm_graph_layout_new_folded (1, &root, context, FALSE, &folding, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mm_graph_layout_get_n_boxes (again), ==, mm_graph_layout_get_n_boxes (folded));
  g_assert_cmpuint (mm_graph_layout_get_n_edges (again), ==, mm_graph_layout_get_n_edges (folded));
  for (guint i = 0; i < mm_graph_layout_get_n_boxes (folded); i++)
    {
      MmGraphBox *a = mm_graph_layout_get_box (folded, i), *b = mm_graph_layout_get_box (again, i);
      g_assert_true (a->node == b->node);
      g_assert_cmpstr (a->scope, ==, b->scope);
      g_assert_cmpfloat (a->x, ==, b->x);
      g_assert_cmpfloat (a->y, ==, b->y);
    }

  /* Nested layers: Sequential(Sequential(Linear, Tanh), Linear). */
  {
    g_autoptr(MmModule) lin = mm_module_linear_new (2, 4, NULL);
    g_autoptr(MmModule) tanh = mm_module_activation_new (mm_op_unary (MM_OP_TANH), NULL);
    g_autoptr(MmModule) out = mm_module_linear_new (4, 3, NULL);
    g_autoptr(MmModule) inner = mm_module_sequential_new (2, (MmModule *[]) { lin, tanh });
    g_autoptr(MmModule) nested = mm_module_sequential_new (2, (MmModule *[]) { inner, out });
    g_autoptr(MmNode) nroot = step_graph (nested);
    g_autoptr(GHashTable) ntitles = mm_graph_scope_titles (nested);
    g_autoptr(MmGraphLayout) l = NULL;
    MmGraphFolding nf = { ntitles, open };

    g_assert_cmpstr (g_hash_table_lookup (ntitles, "0.1."), ==, "Tanh");
    g_assert_cmpstr (g_hash_table_lookup (ntitles, "0."), ==, "Linear(2, 4); Tanh");
    /* The outer layer folded: one box for all six of its nodes. */
    g_hash_table_add (open, g_strdup ("0.0."));   /* open, but inside a folded one */
    l = mm_graph_layout_new_folded (1, &nroot, context, FALSE, &nf, &error);
    g_assert_no_error (error);
    g_assert_cmpint (mm_graph_layout_find_group (l, "0."), >=, 0);
    g_assert_cmpuint (mm_graph_layout_get_box (l, mm_graph_layout_find_group (l, "0."))->members->len, ==, 6);
    g_assert_cmpuint (mm_graph_layout_get_n_frames (l), ==, 0);
    check_folded_layout (l, nroot);
    g_clear_pointer (&l, mm_graph_layout_free);
    /* Outer open, the inner Linear open inside it, Tanh folded. */
    g_hash_table_add (open, g_strdup ("0."));
    l = mm_graph_layout_new_folded (1, &nroot, context, FALSE, &nf, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (mm_graph_layout_get_n_frames (l), ==, 2);
    g_assert_cmpuint (mm_graph_layout_get_frame (l, mm_graph_layout_find_frame (l, "0.0."))->depth, ==, 1);
    g_assert_cmpint (mm_graph_layout_find_group (l, "0.1."), >=, 0);
    g_assert_cmpint (mm_graph_layout_find_group (l, "1."), >=, 0);
    check_folded_layout (l, nroot);
  }
  g_object_unref (context);
}

/* The view: a click opens a folded layer and the title of an open one folds
 * it; marks of a node inside a folded layer show on the layer's box. */
static void
test_view_fold (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = mm_module_parse ("Linear(2, 16); ReLU; Linear(16, 3)", &error);
  g_autoptr(MmNode) root = step_graph (model);
  g_autoptr(GHashTable) titles = mm_graph_scope_titles (model);
  GtkWidget *view = mm_graph_view_new ();
  GtkWidget *window;
  MmGraphView *v = MM_GRAPH_VIEW (view);
  MmGraphLayout *layout;
  MmGraphBox *b;
  MmNode *output;
  guint folded_boxes, changes = 0;
  double x, y;

  mm_graph_view_set_graph (v, 1, &root, titles);
  window = show_in_window (view, 900, 700);
  g_signal_connect_swapped (view, "folding-changed", G_CALLBACK (g_atomic_int_inc), &changes);
  layout = mm_graph_view_get_layout (v);
  folded_boxes = mm_graph_layout_get_n_boxes (layout);
  b = mm_graph_layout_get_box (layout, mm_graph_layout_find_group (layout, "2."));
  output = b->node;

  /* Marks on the nodes inside: the box shows them together. */
  mm_graph_view_set_marks (v, output, MM_GRAPH_MARK_GRADIENT);
  g_assert_cmpint (b->marks & (MM_GRAPH_MARK_GRADIENT | MM_GRAPH_MARK_PARTIAL), ==, 0);  /* not drawn yet */
  layout = mm_graph_view_get_layout (v);
  b = mm_graph_layout_get_box (layout, mm_graph_layout_find_group (layout, "2."));
  g_assert_cmpint (b->marks & MM_GRAPH_MARK_PARTIAL, !=, 0);   /* one of five */
  for (guint i = 0; i < b->members->len; i++)
    mm_graph_view_set_marks (v, g_ptr_array_index (b->members, i), MM_GRAPH_MARK_GRADIENT);
  mm_graph_view_set_marks (v, g_ptr_array_index (b->members, 0), MM_GRAPH_MARK_GRADIENT | MM_GRAPH_MARK_CURRENT);
  mm_graph_view_set_note (v, output, MM_GRAPH_LINE_VALUE, "[1 … 2]");
  layout = mm_graph_view_get_layout (v);
  g_assert_cmpint (b->marks & MM_GRAPH_MARK_GRADIENT, !=, 0);
  g_assert_cmpint (b->marks & MM_GRAPH_MARK_CURRENT, !=, 0);
  g_assert_cmpstr (pango_layout_get_text (b->lines[MM_GRAPH_LINE_VALUE]), ==, "[1 … 2]");
  /* Selecting a node inside selects the box; the node keeps its own marks. */
  mm_graph_view_set_selected (v, g_ptr_array_index (b->members, 1));
  g_assert_true (mm_graph_view_get_selected (v) == g_ptr_array_index (b->members, 1));
  layout = mm_graph_view_get_layout (v);
  g_assert_cmpint (b->marks & MM_GRAPH_MARK_SELECTED, !=, 0);
  g_assert_cmpint (mm_graph_view_get_marks (v, output), ==, MM_GRAPH_MARK_GRADIENT);

  /* Click the folded box: it opens, and the marks are still there. */
  mm_graph_view_graph_to_widget (v, b->x + b->width / 2, b->y + b->height / 2, &x, &y);
  g_assert_true (mm_graph_view_click_group (v, x, y));
  g_assert_true (mm_graph_view_get_expanded (v, "2."));
  g_assert_cmpuint (changes, ==, 1);
  layout = mm_graph_view_get_layout (v);
  g_assert_cmpuint (mm_graph_layout_get_n_boxes (layout), ==, folded_boxes - 1 + 5);
  g_assert_cmpint (mm_graph_layout_find_group (layout, "2."), ==, -1);
  b = mm_graph_layout_get_box (layout, mm_graph_layout_find (layout, output));
  g_assert_true (b->node == output && b->scope == NULL);
  g_assert_cmpint (b->marks, ==, MM_GRAPH_MARK_GRADIENT);
  g_assert_cmpstr (pango_layout_get_text (b->lines[MM_GRAPH_LINE_VALUE]), ==, "[1 … 2]");
  save_png (view, "graph-view-one-open.png");

  /* A click on a node's own box is no folding click. */
  mm_graph_view_graph_to_widget (v, b->x + b->width / 2, b->y + b->height / 2, &x, &y);
  g_assert_false (mm_graph_view_click_group (v, x, y));

  /* Click the open layer's title: folded again. */
  {
    const MmGraphFrame *f = mm_graph_layout_get_frame (layout, mm_graph_layout_find_frame (layout, "2."));
    mm_graph_view_graph_to_widget (v, f->x + f->width / 2, f->y + f->title_height / 2, &x, &y);
  }
  g_assert_true (mm_graph_view_click_group (v, x, y));
  g_assert_false (mm_graph_view_get_expanded (v, "2."));
  g_assert_cmpuint (mm_graph_layout_get_n_boxes (mm_graph_view_get_layout (v)), ==, folded_boxes);

  /* Revealing a node opens the layers around it. */
  g_assert_true (mm_graph_view_reveal_node (v, output));
  layout = mm_graph_view_get_layout (v);
  g_assert_true (mm_graph_layout_get_box (layout, mm_graph_layout_find (layout, output))->node == output);
  g_assert_null (mm_graph_layout_get_box (layout, mm_graph_layout_find (layout, output))->scope);

  /* All open, all folded; set_nodes (no titles) folds nothing. */
  mm_graph_view_set_all_expanded (v, TRUE);
  g_assert_cmpuint (mm_graph_layout_get_n_frames (mm_graph_view_get_layout (v)), ==, 3);
  mm_graph_view_set_all_expanded (v, FALSE);
  g_assert_cmpuint (mm_graph_layout_get_n_boxes (mm_graph_view_get_layout (v)), ==, folded_boxes);
  mm_graph_view_set_nodes (v, 1, &root);
  g_assert_null (mm_graph_view_get_scope_titles (v));
  {
    g_autoptr(GPtrArray) all = mm_node_collect (root);
    g_assert_cmpuint (mm_graph_layout_get_n_boxes (mm_graph_view_get_layout (v)), ==, all->len);
  }
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- The page ----------------------------------------------------------------------------- */

static GtkWidget *
new_page (MmSession **session_out,
          GtkWidget **window_out)
{
  MmSession *session = mm_session_new ();
  GtkWidget *page = mm_graph_page_new (session);

  *window_out = show_in_window (page, 1280, 720);
  WAIT_FOR (mm_session_get_data_state (session) != MM_DATA_STATE_LOADING);
  g_assert_cmpint (mm_session_get_data_state (session), ==, MM_DATA_STATE_READY);
  *session_out = session;
  return page;
}

static void
test_page_walk (void)
{
  MmSession *session;
  GtkWidget *window;
  MmGraphPage *page = MM_GRAPH_PAGE (new_page (&session, &window));
  MmBackpropStepper *stepper = mm_graph_page_get_stepper (page);
  MmNodeInspector *inspector = mm_graph_page_get_inspector (page);
  MmExpressionLab *lab = mm_graph_page_get_lab (page);
  MmGraphView *view = mm_graph_page_get_view (page);
  MmNode *A, *B, *root;
  MmTensor *ref[2] = { NULL, NULL };
  g_autofree char *first = NULL, *text = NULL;
  guint presses = 0;

  /* The lab starts with the README example. */
  mm_graph_page_set_source (page, MM_GRAPH_SOURCE_LAB);
  g_assert_cmpint (mm_graph_page_get_source (page), ==, MM_GRAPH_SOURCE_LAB);
  root = mm_expression_lab_get_output (lab);
  A = mm_expression_lab_find (lab, "A");
  B = mm_expression_lab_find (lab, "B");
  g_assert_nonnull (A);
  g_assert_true (mm_backprop_stepper_get_root (stepper) == root);
  g_assert_cmpuint (mm_graph_layout_get_n_boxes (mm_graph_view_get_layout (view)), ==, 8);
  reference_gradients (root, 2, (MmNode *[]) { A, B }, ref);

  /* Walk it to the end with the page's Step action, as the keyboard does. */
  while (mm_backprop_stepper_get_position (stepper) < mm_backprop_stepper_get_n_positions (stepper))
    {
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "graph.step", NULL));
      presses++;
      iterate (1);
      /* The inspector follows the current node. */
      g_assert_true (mm_node_inspector_get_node (inspector) == mm_backprop_stepper_get_current (stepper));
      if (presses == 9)
        {
          /* The first backward step: the root, with ∂L/∂L = 1. */
          g_autofree char *t = mm_node_inspector_get_text (inspector);
          g_assert_true (mm_backprop_stepper_get_current (stepper) == root);
          g_assert_nonnull (strstr (t, "Gradient ∂L/∂crazy_sum"));
          g_assert_cmpint (mm_graph_view_get_marks (view, root) & MM_GRAPH_MARK_CURRENT, !=, 0);
          /* crazy_2 has one consumer, which has passed its share: complete
           * before its own step; A has received nothing yet. */
          g_assert_cmpint (mm_graph_view_get_marks (view, mm_expression_lab_find (lab, "crazy_2")) &
                           MM_GRAPH_MARK_GRADIENT, !=, 0);
          g_assert_cmpint (mm_graph_view_get_marks (view, A) & (MM_GRAPH_MARK_GRADIENT | MM_GRAPH_MARK_PARTIAL), ==, 0);
        }
      if (presses == 11)
        {
          /* crazy_1 has passed its share to A, the first of three. */
          g_assert_true (mm_node_get_label (mm_backprop_stepper_get_current (stepper)) != NULL);
          if (g_str_equal (mm_node_get_label (mm_backprop_stepper_get_current (stepper)), "crazy_1"))
            g_assert_cmpint (mm_graph_view_get_marks (view, A) & MM_GRAPH_MARK_PARTIAL, !=, 0);
        }
    }
  g_assert_cmpuint (presses, ==, 16);
  assert_same_tensor (mm_backprop_stepper_get_gradient (stepper, A), ref[0]);
  assert_same_tensor (mm_backprop_stepper_get_gradient (stepper, B), ref[1]);
  g_assert_cmpint (mm_graph_view_get_marks (view, A) & MM_GRAPH_MARK_GRADIENT, !=, 0);

  /* Click A (its box, through the view's hit test): the inspector shows its
   * value and its gradient as numbers. */
  {
    MmGraphLayout *layout = mm_graph_view_get_layout (view);
    MmGraphBox *b = mm_graph_layout_get_box (layout, mm_graph_layout_find (layout, A));
    double x, y;

    mm_graph_view_scroll_to_node (view, A, FALSE);
    mm_graph_view_graph_to_widget (view, b->x + b->width / 2, b->y + b->height / 2, &x, &y);
    mm_graph_view_set_selected (view, mm_graph_view_node_at (view, x, y));
  }
  g_assert_true (mm_node_inspector_get_node (inspector) == A);
  g_assert_cmpint (mm_tensor_view_get_mode (mm_node_inspector_get_gradient_view (inspector)), ==, MM_TENSOR_VIEW_NUMBERS);
  text = mm_node_inspector_get_text (inspector);
  first = mm_tensor_format_number (ref[0]->data[0]);
  g_test_message ("inspector of A:\n%s", text);
  g_assert_nonnull (strstr (text, "Constant A"));
  g_assert_nonnull (strstr (text, "Gradient ∂L/∂A"));
  g_assert_nonnull (strstr (text, "sum of the 3 contributions"));
  {
    /* The gradient's numbers, row [0, 0, 0] first. */
    g_autofree char *grad_text = mm_tensor_view_get_text (mm_node_inspector_get_gradient_view (inspector));
    g_autofree char *row = g_strdup_printf ("%s ", first);
    g_assert_true (g_str_has_prefix (grad_text, row));
    for (int k = 0; k < 4; k++)
      {
        g_autofree char *v = mm_tensor_format_number (ref[0]->data[k]);
        g_assert_nonnull (strstr (grad_text, v));
      }
  }

  mm_graph_view_zoom_to_fit (view);
  save_png (GTK_WIDGET (page), "graph-page-readme.png");
  save_png (GTK_WIDGET (view), "graph-view-readme.png");

  /* Back one step with the action: the last backward step is undone. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "graph.back", NULL));
  g_assert_cmpuint (mm_backprop_stepper_get_position (stepper), ==, 15);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "graph.end", NULL));
  assert_same_tensor (mm_backprop_stepper_get_gradient (stepper, A), ref[0]);

  /* The MLP preset, fully back-propagated. */
  mm_expression_lab_load_preset (lab, MM_LAB_PRESET_MLP);
  g_assert_cmpuint (mm_graph_layout_get_n_boxes (mm_graph_view_get_layout (view)), ==, 14);
  mm_backprop_stepper_run_to_end (stepper);
  mm_graph_view_zoom_to_fit (view);
  save_png (GTK_WIDGET (view), "graph-view-mlp-preset.png");
  /* At 100 % around the ReLU: what the class reads on the projector. */
  mm_graph_view_set_zoom (view, 1.0);
  mm_graph_view_scroll_to_node (view, mm_expression_lab_find (lab, "h"), FALSE);
  save_png (GTK_WIDGET (view), "graph-view-mlp-preset-100.png");

  mm_tensor_unref (ref[0]);
  mm_tensor_unref (ref[1]);
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (session);
}

static void
test_page_network (void)
{
  MmSession *session;
  GtkWidget *window;
  MmGraphPage *page = MM_GRAPH_PAGE (new_page (&session, &window));
  MmBackpropStepper *stepper = mm_graph_page_get_stepper (page);
  MmGraphView *view = mm_graph_page_get_view (page);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) params = g_ptr_array_new ();
  g_autoptr(GPtrArray) order = NULL;
  g_autofree MmTensor **ref = NULL;
  MmNode *root;
  MmGraphLayout *layout;

  /* The default network (the spiral MLP) on 2 test samples: network, loss
   * and, with an L2 penalty set, the penalty nodes. */
  mm_session_get_settings (session)->l2 = 1e-3;
  mm_session_settings_changed (session);
  mm_graph_page_set_batch_size (page, 2);
  g_assert_true (mm_graph_page_rebuild (page, &error));
  g_assert_no_error (error);
  root = mm_backprop_stepper_get_root (stepper);
  g_assert_nonnull (root);
  g_assert_cmpstr (mm_node_get_label (root), ==, "loss + penalties");
  layout = mm_graph_view_get_layout (view);
  g_assert_nonnull (layout);

  /* Folded (as the page starts): one box per layer, titled by it, and the
   * whole graph fits the view at a zoom where its text can be read. */
  {
    g_autoptr(MmModule) model = mm_session_dup_model (session);
    g_autoptr(GHashTable) titles = mm_graph_scope_titles (model);
    GHashTableIter it;
    gpointer key, value;
    guint n_nodes = 0, n_unscoped = 0;
    g_autoptr(GPtrArray) all = mm_node_collect (root);

    g_assert_cmpuint (g_hash_table_size (titles), >=, 3);
    g_hash_table_iter_init (&it, titles);
    while (g_hash_table_iter_next (&it, &key, &value))
      {
        gint g = mm_graph_layout_find_group (layout, key);
        g_autofree char *where = g_strndup (key, strlen (key) - 1);
        g_autofree char *want = g_strdup_printf ("%s · %s", where, (const char *) value);
        g_assert_cmpint (g, >=, 0);
        g_assert_cmpstr (pango_layout_get_text (mm_graph_layout_get_box (layout, g)->lines[MM_GRAPH_LINE_TITLE]),
                         ==, want);
      }
    for (guint i = 0; i < all->len; i++)
      {
        MmNode *n = g_ptr_array_index (all, i);
        n_nodes++;
        if (mm_node_get_scope (n) == NULL || *mm_node_get_scope (n) == '\0')
          n_unscoped++;
        else
          {
            g_autoptr(GPtrArray) chain = mm_graph_scope_chain (n);
            g_assert_cmpint (mm_graph_layout_find (layout, n), ==,
                             mm_graph_layout_find_group (layout, g_ptr_array_index (chain, 0)));
          }
      }
    /* The loss and the L2 penalty fold too. */
    {
      GHashTable *shown = mm_graph_view_get_scope_titles (view);
      g_assert_cmpuint (g_hash_table_size (shown), ==, g_hash_table_size (titles) + 2);
      g_assert_cmpint (mm_graph_layout_find_group (layout, "loss."), >=, 0);
      g_assert_cmpint (mm_graph_layout_find_group (layout, "L2 penalty."), >=, 0);
      g_assert_cmpstr (pango_layout_get_text (mm_graph_layout_get_box (layout, mm_graph_layout_find_group (layout, "loss."))
                                              ->lines[MM_GRAPH_LINE_TITLE]), ==, "Loss");
      g_assert_cmpuint (mm_graph_layout_get_n_boxes (layout), ==, n_unscoped + g_hash_table_size (shown));
    }
    g_assert_cmpuint (mm_graph_layout_get_n_boxes (layout), <, n_nodes);
    g_assert_cmpuint (mm_graph_layout_get_n_frames (layout), ==, 0);
    mm_graph_view_zoom_to_fit (view);
    g_test_message ("folded: %u boxes for %u nodes, fitted at %.0f %%", mm_graph_layout_get_n_boxes (layout),
                    n_nodes, 100 * mm_graph_view_get_zoom (view));
    save_png (GTK_WIDGET (page), "graph-page-folded.png");
    g_assert_cmpfloat (mm_graph_view_get_zoom (view), >=, 0.5);

    /* The stepper inside a folded layer: the layer's box has the halo. */
    for (guint p = 1; p <= mm_backprop_stepper_get_n_forward (stepper); p++)
      {
        MmNode *current;
        g_autoptr(GPtrArray) chain = NULL;

        mm_backprop_stepper_seek (stepper, p);
        current = mm_backprop_stepper_get_current (stepper);
        chain = mm_graph_scope_chain (current);
        if (chain->len > 0 && !mm_node_is_constant (current))
          {
            MmGraphLayout *l = mm_graph_view_get_layout (view);
            MmGraphBox *b = mm_graph_layout_get_box (l, mm_graph_layout_find (l, current));
            g_assert_nonnull (b->scope);
            g_assert_cmpint (b->marks & MM_GRAPH_MARK_CURRENT, !=, 0);
            g_assert_cmpint (mm_graph_view_get_marks (view, current) & MM_GRAPH_MARK_CURRENT, !=, 0);
            /* Selected through the page, still folded. */
            g_assert_true (mm_graph_view_get_selected (view) == current);
            g_assert_cmpint (b->marks & MM_GRAPH_MARK_SELECTED, !=, 0);
            break;
          }
      }
    mm_backprop_stepper_seek (stepper, 0);

    /* One layer opened by a click on its box. */
    {
      MmGraphBox *b = mm_graph_layout_get_box (mm_graph_view_get_layout (view),
                                               mm_graph_layout_find_group (mm_graph_view_get_layout (view), "2."));
      double x, y;

      mm_graph_view_graph_to_widget (view, b->x + b->width / 2, b->y + b->height / 2, &x, &y);
      g_assert_true (mm_graph_view_click_group (view, x, y));
      g_assert_cmpint (mm_graph_layout_find_frame (mm_graph_view_get_layout (view), "2."), >=, 0);
      mm_graph_view_zoom_to_fit (view);
      save_png (GTK_WIDGET (page), "graph-page-one-open.png");
    }

    /* Open everything: the layers become frames around their nodes. */
    mm_graph_view_set_all_expanded (view, TRUE);
    layout = mm_graph_view_get_layout (view);
    g_assert_cmpuint (mm_graph_layout_get_n_boxes (layout), ==, n_nodes);
    g_assert_cmpuint (mm_graph_layout_get_n_frames (layout), ==, g_hash_table_size (titles) + 2);
  }
  g_assert_cmpuint (mm_graph_layout_get_n_boxes (layout), >, 20);

  /* Its parameters: the stepper gives the core's gradients, bit for bit. */
  order = mm_node_collect (root);
  for (guint i = 0; i < order->len; i++)
    {
      MmNode *n = g_ptr_array_index (order, i);
      const char *label = mm_node_get_label (n);
      if (mm_node_is_constant (n) && label && (g_str_has_suffix (label, "weight") || g_str_has_suffix (label, "bias")))
        {
          g_ptr_array_add (params, n);
          g_assert_cmpint (mm_graph_layout_get_box (layout, mm_graph_layout_find (layout, n))->role,
                           ==, MM_GRAPH_ROLE_PARAMETER);
        }
      if (g_strcmp0 (label, "input") == 0)
        g_assert_cmpint (mm_graph_layout_get_box (layout, mm_graph_layout_find (layout, n))->role,
                         ==, MM_GRAPH_ROLE_INPUT);
    }
  g_assert_cmpuint (params->len, ==, 6);
  ref = g_new0 (MmTensor *, params->len);
  reference_gradients (root, params->len, (MmNode **) params->pdata, ref);
  mm_backprop_stepper_run_to_end (stepper);
  for (guint i = 0; i < params->len; i++)
    {
      assert_same_tensor (mm_backprop_stepper_get_gradient (stepper, g_ptr_array_index (params, i)), ref[i]);
      mm_tensor_unref (ref[i]);
    }
  mm_graph_view_zoom_to_fit (view);
  save_png (GTK_WIDGET (view), "graph-view-network.png");
  /* At 100 %, around the network's output: what a projector shows. */
  {
    MmNode *output = NULL;
    for (guint i = 0; i < order->len; i++)
      if (g_strcmp0 (mm_node_get_label (g_ptr_array_index (order, i)), "output") == 0)
        output = g_ptr_array_index (order, i);
    g_assert_nonnull (output);
    mm_graph_view_set_zoom (view, 1.0);
    mm_graph_view_scroll_to_node (view, output, FALSE);
    save_png (GTK_WIDGET (view), "graph-view-network-100.png");
  }

  /* A broken network: the view says why, nothing crashes. */
  mm_session_remove_layer (session, mm_session_get_n_layers (session) - 1);
  g_assert_false (mm_graph_page_rebuild (page, &error));
  g_assert_nonnull (error);
  g_test_message ("broken network: %s", error->message);
  g_assert_nonnull (mm_graph_view_get_message (view) ? mm_graph_view_get_message (view) : error->message);
  g_assert_null (mm_backprop_stepper_get_root (stepper));
  g_assert_false (mm_backprop_stepper_step (stepper));

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (session);
}

/* ---- In the window -------------------------------------------------------------------- */

static MmGraphPage *
find_page (GtkWidget *widget)
{
  if (MM_IS_GRAPH_PAGE (widget))
    return MM_GRAPH_PAGE (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      MmGraphPage *page = find_page (c);
      if (page)
        return page;
    }
  return NULL;
}

/* One application for the window tests: it can be registered only once. */
static MmApplication *
shared_app (void)
{
  static MmApplication *app;

  if (app == NULL)
    {
      app = mm_application_new ();
      g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
    }
  return app;
}

/* The page where the window puts it, at the projector's 1280 × 720. */
static void
test_window (void)
{
  MmApplication *app = shared_app ();
  MmWindow *win;
  MmGraphPage *page;
  MmBackpropStepper *stepper;
  GtkWidget *stack;

  win = mm_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (win), 1280, 720);
  gtk_window_present (GTK_WINDOW (win));
  WAIT_FOR (mm_session_get_data_state (mm_window_get_session (win)) != MM_DATA_STATE_LOADING);
  page = find_page (GTK_WIDGET (win));
  g_assert_nonnull (page);
  stack = gtk_widget_get_ancestor (GTK_WIDGET (page), GTK_TYPE_STACK);
  g_assert_nonnull (stack);
  gtk_stack_set_visible_child (GTK_STACK (stack), gtk_widget_get_parent (GTK_WIDGET (page)));
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (page)));
  stepper = mm_graph_page_get_stepper (page);

  /* The network's graph is built when the page is shown. */
  WAIT_FOR (mm_backprop_stepper_get_root (stepper) != NULL);
  for (guint i = 0; i < mm_backprop_stepper_get_n_forward (stepper) + 5; i++)
    gtk_widget_activate_action (GTK_WIDGET (page), "graph.step", NULL);
  iterate (200);  /* the view glides to the current node (0.22 s) */
  save_png (GTK_WIDGET (win), "graph-window-network.png");

  mm_graph_page_set_source (page, MM_GRAPH_SOURCE_LAB);
  mm_backprop_stepper_run_to_end (stepper);
  mm_graph_view_zoom_to_fit (mm_graph_page_get_view (page));
  save_png (GTK_WIDGET (win), "graph-window-readme.png");

  /* Back to the last step where a contribution is added to what came
   * before (A or B receiving from its third consumer), at 100 %. */
  {
    guint p = mm_backprop_stepper_get_n_positions (stepper);

    while (p > 0 && strstr (mm_backprop_stepper_get_explanation (stepper), "added to what came from") == NULL)
      mm_backprop_stepper_seek (stepper, --p);
    g_assert_cmpuint (p, >, mm_backprop_stepper_get_n_forward (stepper));
    g_test_message ("step %u: %s", p, mm_backprop_stepper_get_explanation (stepper));
    mm_graph_view_set_zoom (mm_graph_page_get_view (page), 1.0);
    {
      MmNode *current = mm_backprop_stepper_get_current (stepper);
      MmNode *both[2] = { current, mm_node_get_input (current, 0) };
      mm_graph_view_focus_nodes (mm_graph_page_get_view (page), 2, both);
      iterate (200);  /* the view glides there */
    }
    save_png (GTK_WIDGET (win), "graph-window-readme-step.png");
  }

  gtk_window_destroy (GTK_WINDOW (win));
}

/* Training at lr 10⁶ diverges: the window opens the graph page on the step
 * that did, the first non-finite node selected (its layer opened), the
 * stepper on it, its inputs' statistics in the inspector and a banner. */
static void
test_window_diverged (void)
{
  MmApplication *app = shared_app ();
  g_autoptr(GError) error = NULL;
  MmWindow *win;
  MmSession *session;
  MmGraphPage *page;
  MmGraphView *view;
  MmBackpropStepper *stepper;
  MmNode *selected;
  MmTraceResult r;
  const char *banner;
  GtkWidget *stack;
  g_autofree char *text = NULL;

  win = mm_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (win), 1280, 720);
  gtk_window_present (GTK_WINDOW (win));
  session = mm_window_get_session (win);
  WAIT_FOR (mm_session_get_data_state (session) != MM_DATA_STATE_LOADING);
  page = find_page (GTK_WIDGET (win));
  view = mm_graph_page_get_view (page);
  stepper = mm_graph_page_get_stepper (page);
  stack = gtk_widget_get_ancestor (GTK_WIDGET (page), GTK_TYPE_STACK);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (stack)), !=, "graph");
  g_assert_null (mm_graph_page_get_banner (page));

  /* Plain SGD with the squared error: the last layer's steps grow with the
   * error they make, and at lr 10⁶ the outputs overflow within a few steps
   * (Adam's steps are bounded by lr, and the cross-entropy, computed
   * stably, can take such steps for a long time). */
  mm_session_get_settings (session)->loss = MM_LOSS_MSE;
  mm_optimizer_config_init (&mm_session_get_settings (session)->optimizer, MM_OPTIMIZER_SGD);
  mm_session_get_settings (session)->epochs = 1000;
  mm_session_settings_changed (session);
  /* Beyond what the panel offers (it stops at 10), as a script could. */
  mm_session_get_settings (session)->optimizer.lr = 1e6;
  g_action_group_activate_action (G_ACTION_GROUP (win), "train", NULL);
  WAIT_FOR (mm_session_get_state (session) == MM_TRAINER_DIVERGED);
  WAIT_FOR (mm_graph_page_get_banner (page) != NULL);

  banner = mm_graph_page_get_banner (page);
  g_test_message ("banner: %s", banner);
  g_assert_true (g_str_has_prefix (banner, "Training diverged at step "));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (stack)), ==, "graph");

  /* The node the tracer finds on the page's graph is the one selected, the
   * stepper's current node, in a box of its own. */
  g_assert_nonnull (mm_backprop_stepper_get_root (stepper));
  g_assert_true (mm_trace_nonfinite (mm_backprop_stepper_get_root (stepper), 0, NULL, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpint (r.kind, !=, MM_TRACE_FINITE);
  selected = mm_graph_view_get_selected (view);
  g_assert_true (selected == r.node);
  g_assert_true (mm_backprop_stepper_get_current (stepper) == r.node);
  g_assert_true (mm_node_inspector_get_node (mm_graph_page_get_inspector (page)) == r.node);
  {
    MmGraphLayout *layout = mm_graph_view_get_layout (view);
    MmGraphBox *b = mm_graph_layout_get_box (layout, mm_graph_layout_find (layout, selected));
    g_assert_true (b->node == selected);
    g_assert_null (b->scope);
    g_assert_cmpint (b->marks & MM_GRAPH_MARK_SELECTED, !=, 0);
    g_assert_cmpint (b->marks & MM_GRAPH_MARK_CURRENT, !=, 0);
  }
  {
    g_autofree char *name = mm_node_display_name (r.node);
    g_assert_nonnull (strstr (banner, name));
  }
  text = mm_node_inspector_get_text (mm_graph_page_get_inspector (page));
  g_test_message ("inspector:\n%s", text);
  if (r.kind == MM_TRACE_VALUE)
    {
      /* Computed from finite inputs, whose statistics are shown. */
      g_assert_false (mm_tensor_all_finite (mm_node_get_value (selected)));
      g_assert_nonnull (strstr (banner, "the first non-finite value appears in node"));
      g_assert_nonnull (strstr (text, "Inputs"));
      g_assert_nonnull (strstr (text, "NaN 0 · ∞ 0"));
    }
  mm_trace_result_clear (&r);
  iterate (200);
  save_png (GTK_WIDGET (win), "graph-window-diverged.png");
  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int    argc,
      char **argv)
{
  /* The spiral demo whatever is installed: fast and the same everywhere. */
  g_setenv ("MYML_DEMO_TOY", "1", TRUE);
  g_setenv ("MYML_NO_RESTORE", "1", FALSE);
  gtk_test_init (&argc, &argv, NULL);
  {
    g_autofree char *autosave = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                                                  "test-graph-autosave.myml", NULL);
    g_setenv ("MYML_AUTOSAVE", autosave, FALSE);
  }

  g_test_add_func ("/graph/stepper/exact", test_stepper_exact);
  g_test_add_func ("/graph/stepper/back-and-again", test_stepper_back_and_again);
  g_test_add_func ("/graph/stepper/play", test_stepper_play);
  g_test_add_func ("/graph/stepper/numerical-check", test_numerical_check);
  g_test_add_func ("/graph/inspector/pictures", test_inspector_pictures);
  g_test_add_func ("/graph/stepper/rebuild", test_rebuild);
  g_test_add_func ("/graph/stepper/rebuild-cnn", test_rebuild_cnn);
  g_test_add_func ("/graph/layout/seed", test_layout_seed);
  g_test_add_func ("/graph/view/hit-test", test_view_hit);
  g_test_add_func ("/graph/layout/fold", test_layout_fold);
  g_test_add_func ("/graph/view/fold", test_view_fold);
  g_test_add_func ("/graph/tensor-view", test_tensor_view);
  g_test_add_func ("/graph/lab/refusals", test_lab_refusals);
  g_test_add_func ("/graph/page/walk", test_page_walk);
  g_test_add_func ("/graph/page/network", test_page_network);
  g_test_add_func ("/graph/window", test_window);
  g_test_add_func ("/graph/window/diverged", test_window_diverged);
  return g_test_run ();
}
