/* test-seq-app.c — sequence models in the app, under a virtual display: the
 * text and brackets data sets, the palette's sequence layers and their
 * mistakes, the presets, a character LSTM that writes samples after each
 * epoch (checked against mm_text_sample run here), a transformer's attention
 * maps (rows of softmax weights, causal), and an unrolled LSTM's graph
 * folded into its time steps. PNGs land in G_TEST_BUILDDIR. */
#include <gtk/gtk.h>
#include <myml.h>
#include <string.h>
#include <math.h>
#include <glib/gstdio.h>
#include "mm-window.h"
#include "mm-model-builder.h"
#include "mm-text-samples.h"
#include "mm-attention-view.h"
#include "mm-graph-page.h"
#include "mm-graph-view.h"
#include "mm-graph-layout.h"
#include "mm-backprop-stepper.h"

#include "gui-harness.h"

/* Applies a preset and waits for its data. */
static void
preset (MmWindow   *win,
        const char *name)
{
  MmSession *session = mm_window_get_session (win);

  gui_activate (win, "preset", g_variant_new_string (name));
  WAIT_FOR (mm_session_get_data_state (session) != MM_DATA_STATE_LOADING);
  g_assert_cmpint (mm_session_get_data_state (session), ==, MM_DATA_STATE_READY);
}

/* The distinct characters of the shipped text, counted here. */
static guint
text_vocabulary (void)
{
  g_autofree char *path = mm_text_find (MM_TEXT_DEFAULT);
  g_autofree char *text = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);

  g_assert_nonnull (path);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  for (const char *c = text; *c; c = g_utf8_next_char (c))
    g_hash_table_add (seen, GUINT_TO_POINTER (g_utf8_get_char (c)));
  return g_hash_table_size (seen);
}

/* ---- Data sets and layers ------------------------------------------------------- */

static void
test_data_and_layers (void)
{
  MmWindow *win = gui_new_window (1366, 768);
  MmSession *session = mm_window_get_session (win);
  MmSessionSettings *s = mm_session_get_settings (session);
  guint V = text_vocabulary ();
  g_autofree char *input = NULL;
  g_autofree char *expect = NULL;
  MmLayerSpec lstm_only[] = { { .kind = MM_LAYER_LSTM, .units = 16 }, { .kind = MM_LAYER_LINEAR, .units = V } };
  MmLayerSpec net[] = {
    { .kind = MM_LAYER_EMBEDDING, .units = 8 },
    { .kind = MM_LAYER_LSTM, .units = 16, .layers = 2 },
    { .kind = MM_LAYER_LAST },
    { .kind = MM_LAYER_LINEAR, .units = V },
  };

  /* The text data set, chosen as the panel does; loaded off the UI thread. */
  s->data = MM_DATA_TEXT;
  s->seq_len = 64;
  mm_session_settings_changed (session);
  g_assert_cmpint (mm_session_get_data_state (session), ==, MM_DATA_STATE_LOADING);
  WAIT_FOR (mm_session_get_data_state (session) != MM_DATA_STATE_LOADING);
  g_assert_cmpint (mm_session_get_data_state (session), ==, MM_DATA_STATE_READY);
  g_assert_cmpuint (mm_session_get_n_symbols (session), ==, V);
  g_assert_true (mm_session_is_per_step (session));
  input = mm_session_describe_input (session);
  expect = g_strdup_printf ("64 characters per sample, %u symbols", V);
  g_assert_nonnull (strstr (input, expect));

  /* An LSTM straight on the ids: the row says to start with an Embedding. */
  mm_session_set_layers (session, lstm_only, G_N_ELEMENTS (lstm_only));
  g_assert_nonnull (mm_session_get_layer_check (session, 0)->error);
  g_assert_nonnull (strstr (mm_session_get_layer_check (session, 0)->error, "Embedding"));

  /* With an Embedding but a Last layer: one row per sample is not what
   * next-character prediction wants. */
  mm_session_set_layers (session, net, G_N_ELEMENTS (net));
  g_assert_null (mm_session_get_layer_check (session, 0)->error);
  g_assert_nonnull (mm_session_get_layer_check (session, 2)->error);
  g_assert_nonnull (strstr (mm_session_get_layer_check (session, 2)->error, "Remove the Last"));
  /* Shapes under each row: (batch, time, features). */
  g_assert_cmpstr (mm_session_get_layer_check (session, 0)->shape, ==, "(32, 64, 8)");
  g_assert_cmpstr (mm_session_get_layer_check (session, 1)->shape, ==, "(32, 64, 16)");
  /* Embedding V×8; two LSTM layers of 4·16 gates: (8 + 16 + 2)·64 + (16 + 16 + 2)·64. */
  g_assert_cmpuint (mm_session_get_layer_check (session, 0)->n_params, ==, (gsize) V * 8);
  g_assert_cmpuint (mm_session_get_layer_check (session, 1)->n_params, ==, (8 + 16 + 2) * 64 + (16 + 16 + 2) * 64);
  gui_activate (win, "remove-layer", g_variant_new_uint32 (2));
  g_assert_null (mm_session_get_problem (session));
  {
    g_autofree char *shape = g_strdup_printf ("(32, 64, %u)", V);
    g_assert_cmpstr (mm_session_get_layer_check (session, 2)->shape, ==, shape);
  }

  /* The palette's sequence layers, added through the window's action. */
  {
    const char *names[] = { "positional", "attention", "layernorm", "transformer" };
    MmLayerKind kinds[] = { MM_LAYER_POSITIONAL, MM_LAYER_ATTENTION, MM_LAYER_LAYER_NORM, MM_LAYER_TRANSFORMER };
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        gui_activate (win, "add-layer", g_variant_new_string (names[i]));
        g_assert_cmpint (mm_session_get_layer (session, mm_session_get_n_layers (session) - 1)->kind, ==, kinds[i]);
      }
  }
  /* They follow the Linear(V) layer: attention on V features with 2 heads
   * works only when V is even. Move them after the Embedding instead. */
  mm_session_set_layers (session, (MmLayerSpec[]) {
                           { .kind = MM_LAYER_EMBEDDING, .units = 8 },
                           { .kind = MM_LAYER_POSITIONAL },
                           { .kind = MM_LAYER_ATTENTION, .heads = 3, .causal = TRUE },
                           { .kind = MM_LAYER_LINEAR, .units = V } }, 4);
  g_assert_nonnull (mm_session_get_layer_check (session, 2)->error);
  g_assert_nonnull (strstr (mm_session_get_layer_check (session, 2)->error, "3 heads"));
  mm_session_set_layer_setting (session, 2, MM_LAYER_SETTING_HEADS, 4);
  g_assert_null (mm_session_get_problem (session));
  g_assert_cmpuint (mm_session_get_layer_check (session, 2)->n_params, ==, 3 * 8 * 8 + 3 * 8 + 8 * 8 + 8);

  /* Brackets: one class per sample, so an LSTM needs Last. */
  preset (win, "brackets-lstm");
  g_assert_cmpuint (mm_session_get_n_symbols (session), ==, 2);
  g_assert_false (mm_session_is_per_step (session));
  g_assert_null (mm_session_get_problem (session));
  g_assert_cmpstr (mm_session_get_symbol (session, 0), ==, "(");
  {
    g_autofree char *text = mm_session_describe_input (session);
    g_assert_nonnull (strstr (text, "16 per string, 2 symbols"));
  }
  gui_activate (win, "remove-layer", g_variant_new_uint32 (2));
  g_assert_nonnull (mm_session_get_problem (session));
  g_assert_nonnull (strstr (mm_session_get_layer_check (session, 1)->error, "Add a Last layer"));

  /* Embedding on numbers: said at the row. */
  preset (win, "spiral");
  mm_session_insert_layer (session, 0, &(MmLayerSpec) { .kind = MM_LAYER_EMBEDDING });
  g_assert_nonnull (strstr (mm_session_get_layer_check (session, 0)->error, "not symbols"));

  gtk_window_destroy (GTK_WINDOW (win));
}

/* ---- Projects ---------------------------------------------------------------------- */

static void
test_project_round_trip (void)
{
  MmWindow *win = gui_new_window (1366, 768);
  MmSession *session = mm_window_get_session (win);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("myml-seq-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "text.myml", NULL);
  g_autofree char *weights = NULL;
  g_autoptr(MmProject) loaded = NULL;
  guint V = text_vocabulary ();
  g_autofree char *expect = g_strdup_printf ("Embedding(%u, 32); PositionalEncoding(32); "
                                             "TransformerBlock(32, 2, 64, 1); LayerNorm(32); Linear(32, %u)", V, V);

  g_assert_no_error (error);
  preset (win, "text-transformer");
  g_assert_true (mm_window_save_project (win, path, &error));
  g_assert_no_error (error);
  loaded = mm_project_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->data, ==, MM_PROJECT_DATA_TEXT);
  g_assert_cmpuint (loaded->seq_len, ==, 32);
  g_assert_null (loaded->data_path);
  g_assert_cmpstr (loaded->network, ==, expect);

  /* Back into a session that was on something else. */
  preset (win, "xor");
  g_assert_true (mm_session_apply_project (session, loaded, &error));
  g_assert_no_error (error);
  WAIT_FOR (mm_session_get_data_state (session) != MM_DATA_STATE_LOADING);
  g_assert_cmpint (mm_session_get_settings (session)->data, ==, MM_DATA_TEXT);
  g_assert_cmpuint (mm_session_get_n_layers (session), ==, 5);
  g_assert_cmpint (mm_session_get_layer (session, 2)->kind, ==, MM_LAYER_TRANSFORMER);
  g_assert_cmpuint (mm_session_get_layer (session, 2)->heads, ==, 2);
  g_assert_cmpuint (mm_session_get_layer (session, 2)->units, ==, 64);
  g_assert_true (mm_session_get_layer (session, 2)->causal);
  g_assert_null (mm_session_get_problem (session));

  weights = mm_project_weights_path (path);
  g_remove (weights);
  g_remove (path);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* ---- A character LSTM writes ---------------------------------------------------------- */

static void
test_text_samples (void)
{
  MmWindow *win = gui_new_window (1366, 768);
  MmSession *session = mm_window_get_session (win);
  MmTextSamples *samples = MM_TEXT_SAMPLES (mm_window_get_text_samples (win));
  MmSessionSettings *s = mm_session_get_settings (session);
  g_autoptr(GError) error = NULL;
  g_autoptr(MmModule) model = NULL;
  g_autoptr(MmParams) params = NULL;
  g_autofree char *direct = NULL;
  const char *text, *prompt, *label;
  guint64 gen;

  preset (win, "text-lstm");
  g_assert_null (mm_session_get_problem (session));
  g_assert_cmpint (mm_session_get_layer (session, 1)->kind, ==, MM_LAYER_LSTM);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (samples)));
  g_assert_false (gtk_widget_get_visible (mm_window_get_attention_view (win)));

  /* Two epochs; each ends with a sample. */
  s->epochs = 2;
  mm_session_settings_changed (session);
  mm_text_samples_set_prompt (samples, "The ");
  gui_activate (win, "train", NULL);
  WAIT_FOR (mm_session_get_state (session) == MM_TRAINER_FINISHED);
  WAIT_FOR (mm_text_samples_get_n_samples (samples) >= 1 && !mm_text_samples_is_computing (samples));
  text = mm_text_samples_get_sample (samples, 0, &prompt, &label);
  g_assert_cmpstr (prompt, ==, "The ");
  g_assert_true (g_str_has_prefix (label, "After epoch"));
  g_assert_cmpuint (g_utf8_strlen (text, -1), ==, MM_TEXT_SAMPLES_LENGTH);
  gui_save_png (GTK_WIDGET (win), "seq-text-samples.png");

  /* Temperature 0 (always the likeliest character): the same text as
   * mm_text_sample gives here with the trained weights. */
  mm_text_samples_set_temperature (samples, 0.0);
  gen = mm_text_samples_get_generation (samples);
  gtk_widget_activate (mm_text_samples_get_generate_button (samples));
  WAIT_FOR (mm_text_samples_get_generation (samples) > gen && !mm_text_samples_is_computing (samples));
  text = mm_text_samples_get_sample (samples, 0, NULL, &label);
  g_assert_cmpstr (label, ==, "Generated");
  model = mm_session_dup_model (session);
  params = mm_session_dup_params (session);
  direct = mm_text_sample (model, params, mm_session_get_train_data (session), "The ", MM_TEXT_SAMPLES_LENGTH, 0.0,
                           99, 64, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, direct);

  /* A prompt character the text lacks is said, not sampled. */
  mm_text_samples_set_prompt (samples, "The € sign");
  gen = mm_text_samples_get_generation (samples);
  gtk_widget_activate (mm_text_samples_get_generate_button (samples));
  WAIT_FOR (mm_text_samples_get_generation (samples) > gen);
  g_assert_nonnull (mm_text_samples_get_message (samples));
  g_assert_nonnull (strstr (mm_text_samples_get_message (samples), "€"));

  gtk_window_destroy (GTK_WINDOW (win));
}

/* ---- Attention maps ------------------------------------------------------------------ */

static void
test_attention_maps (void)
{
  MmWindow *win = gui_new_window (1366, 768);
  MmSession *session = mm_window_get_session (win);
  MmAttentionView *view = MM_ATTENTION_VIEW (mm_window_get_attention_view (win));
  g_autoptr(GError) error = NULL;
  const float *maps;
  guint L, H, T;
  g_autofree float *before = NULL;
  guint64 gen;
  double change = 0.0;

  preset (win, "text-transformer");
  /* Two transformer blocks, the preset's (2 heads, causal) and one of 4
   * heads that sees the whole sequence: rows of maps by layer. */
  mm_session_insert_layer (session, 3, &(MmLayerSpec) { .kind = MM_LAYER_TRANSFORMER, .heads = 4, .units = 32 });
  g_assert_null (mm_session_get_problem (session));
  /* Weights for the new network (Ctrl+R): the maps of the untrained one. */
  gui_activate (win, "reset", NULL);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (view)));
  WAIT_FOR ((mm_attention_view_get_maps (view, NULL, NULL, NULL) != NULL || mm_attention_view_get_message (view))
            && !mm_attention_view_is_computing (view));
  g_assert_null (mm_attention_view_get_message (view));
  maps = mm_attention_view_get_maps (view, &L, &H, &T);
  g_assert_cmpuint (L, ==, 2);
  g_assert_cmpuint (H, ==, 4);
  g_assert_cmpuint (T, ==, 32);
  g_assert_true (g_str_has_prefix (mm_attention_view_get_layer_name (view, 0), "2."));
  g_assert_true (g_str_has_prefix (mm_attention_view_get_layer_name (view, 1), "3."));
  for (guint l = 0; l < L; l++)
    for (guint h = 0; h < (l == 0 ? 2u : 4u); h++)
      for (guint i = 0; i < T; i++)
        {
          const float *row = maps + (((gsize) l * H + h) * T + i) * T;
          double sum = 0.0, future = 0.0;
          for (guint j = 0; j < T; j++)
            {
              g_assert_cmpfloat (row[j], >=, 0.0f);
              if (j > i)
                future += row[j];
              sum += row[j];
            }
          g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
          if (l == 0)
            {
              /* Causal: nothing from the future; the first position sees
               * only itself. */
              g_assert_cmpfloat (future, ==, 0.0);
              if (i == 0)
                g_assert_cmpfloat_with_epsilon (row[0], 1.0, 1e-6);
            }
          else if (i + 1 < T)
            g_assert_cmpfloat (future, >, 0.0);
        }
  before = g_memdup2 (maps, (gsize) L * H * T * T * sizeof (float));

  /* Training moves the maps: a few steps, then a newer picture. */
  gen = mm_attention_view_get_generation (view);
  for (int k = 0; k < 5; k++)
    {
      g_assert_true (mm_session_step (session, &error));
      g_assert_no_error (error);
      WAIT_FOR (mm_session_get_state (session) == MM_TRAINER_PAUSED);
    }
  gui_activate (win, "train", NULL);
  WAIT_FOR (mm_attention_view_get_generation (view) > gen + 1);
  mm_session_stop (session);
  WAIT_FOR (mm_session_get_state (session) == MM_TRAINER_STOPPED && !mm_attention_view_is_computing (view));
  maps = mm_attention_view_get_maps (view, NULL, NULL, NULL);
  for (gsize k = 0; k < (gsize) L * H * T * T; k++)
    change = MAX (change, fabs (maps[k] - before[k]));
  g_assert_cmpfloat (change, >, 1e-4);
  gui_save_png (GTK_WIDGET (view), "seq-attention.png");
  gui_save_png (GTK_WIDGET (win), "seq-attention-window.png");

  gtk_window_destroy (GTK_WINDOW (win));
}

/* ---- The graph of an unrolled LSTM, folded by time step ------------------------------ */

static void
test_graph_time_steps (void)
{
  MmWindow *win = gui_new_window (1366, 768);
  MmSession *session = mm_window_get_session (win);
  MmSessionSettings *s = mm_session_get_settings (session);
  MmGraphPage *page = MM_GRAPH_PAGE (mm_window_get_graph_page (win));
  MmGraphView *view = mm_graph_page_get_view (page);
  MmBackpropStepper *stepper = mm_graph_page_get_stepper (page);
  g_autoptr(GError) error = NULL;
  const guint T = 8;
  MmGraphLayout *layout;
  gint group;
  guint steps_seen = 0;
  gsize last_step = G_MAXSIZE;
  gboolean backwards_in_time = TRUE;

  preset (win, "text-lstm");
  s->seq_len = T;
  mm_session_settings_changed (session);
  WAIT_FOR (mm_session_get_data_state (session) != MM_DATA_STATE_LOADING);
  g_assert_null (mm_session_get_problem (session));
  mm_graph_page_set_source (page, MM_GRAPH_SOURCE_NETWORK);
  mm_graph_page_set_batch_size (page, 2);
  g_assert_true (mm_graph_page_rebuild (page, &error));
  g_assert_no_error (error);

  /* Folded: the LSTM layer is one box. */
  layout = mm_graph_view_get_layout (view);
  g_assert_cmpint (mm_graph_layout_find_group (layout, "1."), >=, 0);
  g_assert_cmpint (mm_graph_layout_find_group (layout, "1.t0."), <, 0);

  /* Opened: one box per time step, T of them, and no step's node alone. */
  mm_graph_view_set_expanded (view, "1.", TRUE);
  layout = mm_graph_view_get_layout (view);
  g_assert_cmpint (mm_graph_layout_find_frame (layout, "1."), >=, 0);
  for (guint i = 0; i < mm_graph_layout_get_n_boxes (layout); i++)
    {
      MmGraphBox *b = mm_graph_layout_get_box (layout, i);
      guint layer;
      gsize step;
      if (b->scope != NULL && g_str_has_prefix (b->scope, "1.t"))
        {
          steps_seen++;
          /* Its nodes are all of that step: h, c, the gates, the cell… */
          for (guint k = 0; k < b->members->len; k++)
            {
              g_autofree char *want = NULL;
              g_assert_true (mm_rnn_label_parse (mm_node_get_label (g_ptr_array_index (b->members, k)), NULL,
                                                 &layer, &step));
              want = g_strdup_printf ("1.t%zu.", step);
              g_assert_cmpstr (b->scope, ==, want);
            }
          g_assert_cmpuint (b->members->len, >=, 4);
        }
      else if (b->scope == NULL)
        g_assert_false (mm_rnn_label_parse (mm_node_get_label (b->node), NULL, &layer, &step)
                        && step < T);
    }
  g_assert_cmpuint (steps_seen, ==, T);
  g_assert_cmpstr (g_hash_table_lookup (mm_graph_view_get_scope_titles (view), "1.t3."), ==, "time step 3");
  mm_graph_view_zoom_to_fit (view);
  gtk_stack_set_visible_child_name (GTK_STACK (gtk_widget_get_ancestor (GTK_WIDGET (page), GTK_TYPE_STACK)), "graph");
  gui_save_png (GTK_WIDGET (page), "seq-graph-folded-steps.png");

  /* A click on step 3's box opens it: a frame inside the layer's. */
  group = mm_graph_layout_find_group (layout, "1.t3.");
  g_assert_cmpint (group, >=, 0);
  {
    MmGraphBox *b = mm_graph_layout_get_box (layout, group);
    double x, y;
    mm_graph_view_graph_to_widget (view, b->x + b->width / 2, b->y + b->height / 2, &x, &y);
    g_assert_true (mm_graph_view_click_group (view, x, y));
  }
  layout = mm_graph_view_get_layout (view);
  g_assert_cmpint (mm_graph_layout_find_frame (layout, "1.t3."), >=, 0);
  g_assert_cmpint (mm_graph_layout_find_group (layout, "1.t3."), <, 0);
  g_assert_cmpint (mm_graph_layout_find_group (layout, "1.t2."), >=, 0);
  gui_save_png (GTK_WIDGET (page), "seq-graph-step-open.png");

  /* The stepper's backward pass walks back through time: the LSTM's step
   * nodes come latest step first. */
  mm_backprop_stepper_seek (stepper, mm_backprop_stepper_get_n_forward (stepper));
  while (mm_backprop_stepper_step (stepper))
    {
      MmNode *current = mm_backprop_stepper_get_current (stepper);
      guint layer;
      gsize step;
      if (current != NULL && mm_rnn_label_parse (mm_node_get_label (current), NULL, &layer, &step)
          && g_str_has_prefix (mm_node_get_label (current), "1.h_"))
        {
          if (last_step != G_MAXSIZE && step >= last_step)
            backwards_in_time = FALSE;
          last_step = step;
          /* The step's box is the current one while the layer is open. */
          {
            MmGraphLayout *l = mm_graph_view_get_layout (view);
            MmGraphBox *b = mm_graph_layout_get_box (l, mm_graph_layout_find (l, current));
            g_assert_cmpint (b->marks & MM_GRAPH_MARK_CURRENT, !=, 0);
          }
        }
    }
  g_assert_true (backwards_in_time);
  g_assert_cmpuint (last_step, ==, 0);

  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int argc, char **argv)
{
  gui_harness_init (&argc, &argv, GUI_HARNESS_DEMO_TOY, 120);
  g_test_add_func ("/seq-app/data-and-layers", test_data_and_layers);
  g_test_add_func ("/seq-app/project-round-trip", test_project_round_trip);
  g_test_add_func ("/seq-app/text-samples", test_text_samples);
  g_test_add_func ("/seq-app/attention-maps", test_attention_maps);
  g_test_add_func ("/seq-app/graph-time-steps", test_graph_time_steps);
  return gui_harness_run ();
}
