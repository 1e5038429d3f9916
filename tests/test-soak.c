/* test-soak.c — a monkey test (issue #10): the real main window, driven for
 * MYML_SOAK_SECONDS by a seeded random loop of what a class does with it —
 * edit the network, switch data sets (the toy sets and Fashion-MNIST) and
 * optimizers, train, pause, step, stop, new weights, presets, the graph page
 * and the backprop stepper, save and reopen a project — while the window's
 * frame clock is watched and the process's memory is read.
 *
 * Passes when
 *  - no gap between two painted frames is longer than MYML_SOAK_MAX_GAP_MS
 *    (default MAX_GAP_MS, 500 ms:
 *    a student notices a freeze well before that; the window is kept
 *    painting every frame by a tick callback, so a gap means the main loop
 *    was blocked), and
 *  - memory does not grow without bound, measured in the same state after
 *    the warm-up and at the end (the spiral preset, stopped; the warm-up
 *    visits every data set, preset and view once so that caches are in
 *    place): the heap in use (what malloc handed out and did not get back,
 *    mallinfo2) grows by at most MAX_HEAP_GROWTH_MB (32 MB: a leak of 1 KB
 *    per action is 6.5 MB in ten minutes, one leaked graph or history per
 *    action far more), and the resident size by at most MAX_RSS_GROWTH_MB
 *    (192 MB, less than one retained Fashion-MNIST, 220 MB). RSS alone is
 *    not the leak test: glibc keeps freed memory in its per-thread arenas
 *    and the tensor buffer cache keeps up to 64 MB per thread, so it moves
 *    by ±100 MB with the state while the heap in use stays within MBs.
 *
 * MYML_SOAK_SECONDS defaults to 45 (meson test runs that, with a 2 s gap
 * limit that catches a hang without making a speed target of a shared
 * machine); the ten-minute run is MYML_SOAK_SECONDS=600 with the 500 ms
 * limit. MYML_SOAK_SEED picks the sequence (default 1).
 * Prints actions performed, frame interval median / p99 / max and RSS at the
 * start, after the warm-up and at the end. */
#include <gtk/gtk.h>
#include <myml.h>
#include <glib/gstdio.h>
#include <malloc.h>
#include <sys/resource.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include "mm-window.h"
#include "mm-graph-page.h"
#include "mm-backprop-stepper.h"

#define MAX_GAP_MS 500.0
#define MAX_HEAP_GROWTH_MB 32.0
#define MAX_RSS_GROWTH_MB 192.0
/* Far beyond any state of the app: stop at once, naming the last actions,
 * before the machine runs out of memory (an address-space limit backs it
 * up for a single huge allocation). */
#define MAX_RSS_MB 3000.0
#define MAX_ADDRESS_SPACE_GB 8
#define N_RECENT 8

typedef struct {
  MmWindow *win;
  MmSession *session;
  GRand *rand;
  char *dir;
  GArray *intervals;        /* double, ms between painted frames */
  gint64 last_paint;        /* µs, monotonic */
  gint64 blocked_until;     /* µs: gaps that end before this are a modal moment */
  double worst_gap;
  char *worst_after;        /* the action before the worst gap */
  const char *last_action;
  guint n_actions;
  guint n_by_kind[32];
  guint n_failed;           /* actions the app refused with a message (fine) */
  guint n_dialogs;
  guint n_saves, n_opens;
  gboolean fashion;
  const char *recent[N_RECENT];   /* the last actions, oldest first */
  gint64 next_report;
} Soak;

/* ---- Measuring ------------------------------------------------------------------ */

static double
rss_mb (void)
{
  g_autofree char *statm = NULL;
  unsigned long size = 0, resident = 0;

  /* Give freed memory back first, so the number is what is in use. */
  malloc_trim (0);
  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL) ||
      sscanf (statm, "%lu %lu", &size, &resident) != 2)
    g_error ("cannot read /proc/self/statm");
  return resident * (double) sysconf (_SC_PAGESIZE) / (1024.0 * 1024.0);
}

/* What malloc has handed out and not got back: unlike RSS, not moved by
 * fragmentation or by memory the allocator keeps for later. */
static double
heap_mb (void)
{
  struct mallinfo2 mi = mallinfo2 ();
  /* Small blocks in the arenas, and the large ones malloc maps one by one. */
  return (mi.uordblks + mi.hblkhd) / (1024.0 * 1024.0);
}

static void
after_paint (GdkFrameClock *clock,
             Soak          *s)
{
  gint64 now = g_get_monotonic_time ();

  if (s->last_paint != 0)
    {
      double ms = (now - s->last_paint) / 1000.0;
      if (now > s->blocked_until)
        {
          g_array_append_val (s->intervals, ms);
          if (ms > s->worst_gap)
            {
              s->worst_gap = ms;
              g_free (s->worst_after);
              s->worst_after = g_strdup (s->last_action ? s->last_action : "(start)");
            }
        }
    }
  s->last_paint = now;
}

/* Keeps the frame clock painting every frame: a frame that is not drawn
 * then means the main loop was busy. */
static gboolean
keep_ticking (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       data)
{
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
percentile (GArray *sorted,
            double  p)
{
  gsize i;

  if (sorted->len == 0)
    return NAN;
  i = (gsize) ceil (p / 100.0 * sorted->len);
  return g_array_index (sorted, double, CLAMP (i, 1, sorted->len) - 1);
}

/* A warning or critical from GTK or the app fails the soak, but only at
 * the end: the monkey goes on, so one run shows every kind of problem, each
 * with the action that led to it. */
static const char *soak_last_action;
static GPtrArray *soak_problems;

static GLogWriterOutput
log_with_action (GLogLevelFlags   level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         data)
{
  if ((level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) && soak_problems != NULL)
    {
      const char *message = NULL, *domain = NULL;
      for (gsize i = 0; i < n_fields; i++)
        if (g_str_equal (fields[i].key, "MESSAGE"))
          message = fields[i].value;
        else if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
          domain = fields[i].value;
      g_autofree char *text = g_strdup_printf ("%s: %s (after the action “%s”)", domain ? domain : "?",
                                               message ? message : "?",
                                               soak_last_action ? soak_last_action : "(start)");
      /* The same problem again (addresses aside) is counted once. */
      g_autoptr(GRegex) address = g_regex_new ("0x[0-9a-f]+", 0, 0, NULL);
      g_autofree char *key = g_regex_replace_literal (address, text, -1, 0, "0x…", 0, NULL);
      if (!g_ptr_array_find_with_equal_func (soak_problems, key, g_str_equal, NULL))
        g_ptr_array_add (soak_problems, g_steal_pointer (&key));
    }
  return g_log_writer_default (level, fields, n_fields, data);
}

/* ---- Driving ------------------------------------------------------------------------ */

static void
pump (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (500);
}

static void
wait_data (Soak *s)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (mm_session_get_data_state (s->session) == MM_DATA_STATE_LOADING && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (500);
  if (mm_session_get_data_state (s->session) == MM_DATA_STATE_LOADING)
    g_error ("the data did not load within a minute");
}

/* Dialogs the app opened (a project that cannot be opened): counted, and
 * closed as a user would. */
static void
close_dialogs (Soak *s)
{
  GListModel *tops = gtk_window_get_toplevels ();   /* not ours to free */

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (tops, i);
      if (GTK_IS_DIALOG (w) && gtk_window_get_transient_for (w) == GTK_WINDOW (s->win))
        {
          if (GTK_IS_MESSAGE_DIALOG (w))
            {
              g_autofree char *text = NULL, *secondary = NULL;
              g_object_get (w, "text", &text, "secondary-text", &secondary, NULL);
              g_test_message ("dialog after “%s”: %s — %s", s->last_action ? s->last_action : "(start)", text,
                              secondary ? secondary : "");
            }
          s->n_dialogs++;
          gtk_window_destroy (w);
          break;
        }
    }
}

static void
act (Soak       *s,
     const char *action,
     GVariant   *param)
{
  if (g_action_group_get_action_enabled (G_ACTION_GROUP (s->win), action))
    g_action_group_activate_action (G_ACTION_GROUP (s->win), action, param);
  else
    {
      if (param)
        g_variant_unref (g_variant_ref_sink (param));
      s->n_failed++;
    }
}

static gboolean
idle_state (Soak *s)
{
  MmTrainerState st = mm_session_get_state (s->session);
  return st != MM_TRAINER_RUNNING && st != MM_TRAINER_PAUSED;
}

static GtkStack *
view_stack (Soak *s)
{
  return GTK_STACK (gtk_widget_get_ancestor (mm_window_get_graph_page (s->win), GTK_TYPE_STACK));
}

static const char *const layers[] = { "linear", "relu", "tanh", "sigmoid", "leakyrelu", "dropout", "batchnorm" };
static const char *const presets[] = { "xor", "spiral", "fashion", "lenet", "overfitting", "bad-lr" };

enum {
  A_ADD, A_REMOVE, A_MOVE, A_UNITS, A_DATA, A_OPTIMIZER, A_TRAIN, A_PAUSE, A_STEP, A_STOP, A_RESET,
  A_LR, A_PRESET, A_GRAPH, A_STEPPER, A_PLOT_PAGE, A_SAVE_OPEN, A_BATCH, N_ACTIONS
};

static const char *const action_names[N_ACTIONS] = {
  "add-layer", "remove-layer", "move-layer", "units", "data set", "optimizer", "train", "pause", "step",
  "stop", "new weights", "learning rate", "preset", "graph page", "stepper", "plots page", "save + reopen",
  "batch size",
};

/* Relative weights: training controls often, saving now and then. */
static const guint action_weights[N_ACTIONS] = {
  6, 5, 4, 4, 3, 3, 8, 5, 8, 5, 2, 3, 2, 3, 6, 3, 2, 2,
};

static void
set_data (Soak *s,
          gint  which)      /* 0..4 toy kinds, 5 Fashion-MNIST */
{
  MmSessionSettings *st = mm_session_get_settings (s->session);

  if (!idle_state (s))
    mm_session_stop (s->session);
  if (which == MM_TOY_N_KINDS && s->fashion)
    st->data = MM_DATA_FASHION_MNIST;
  else
    {
      st->data = MM_DATA_TOY;
      st->toy = (MmToyKind) (which % MM_TOY_N_KINDS);
      st->toy_samples = 400 + 100 * g_rand_int_range (s->rand, 0, 6);
      st->toy_classes = mm_toy_kind_default_classes (st->toy);
    }
  mm_session_settings_changed (s->session);
}

static void
save_and_reopen (Soak *s)
{
  g_autofree char *path = g_build_filename (s->dir, s->n_saves % 2 ? "b.myml" : "a.myml", NULL);
  g_autoptr(GError) error = NULL;

  if (mm_window_save_project (s->win, path, &error))
    {
      s->n_saves++;
      mm_window_open_project (s->win, path);
      s->n_opens++;
    }
  else
    {
      /* Only a network that cannot be saved yet (no data) may refuse. */
      g_test_message ("save refused: %s", error->message);
      s->n_failed++;
    }
}

static void
one_action (Soak *s,
            guint kind)
{
  guint n = mm_session_get_n_layers (s->session);

  s->last_action = soak_last_action = action_names[kind];
  memmove (s->recent, s->recent + 1, (N_RECENT - 1) * sizeof s->recent[0]);
  s->recent[N_RECENT - 1] = action_names[kind];
  s->n_by_kind[kind]++;
  s->n_actions++;
  switch (kind)
    {
    case A_ADD:
      if (n < 12)
        act (s, "add-layer", g_variant_new_string (layers[g_rand_int_range (s->rand, 0, G_N_ELEMENTS (layers))]));
      break;
    case A_REMOVE:
      if (n > 1)
        act (s, "remove-layer", g_variant_new_uint32 (g_rand_int_range (s->rand, 0, n)));
      break;
    case A_MOVE:
      if (n > 1)
        act (s, "move-layer", g_variant_new ("(uu)", g_rand_int_range (s->rand, 0, n), g_rand_int_range (s->rand, 0, n)));
      break;
    case A_UNITS:
      if (n > 0 && idle_state (s))
        mm_session_set_layer_units (s->session, g_rand_int_range (s->rand, 0, n), g_rand_int_range (s->rand, 1, 65));
      break;
    case A_DATA:
      set_data (s, g_rand_int_range (s->rand, 0, MM_TOY_N_KINDS + 1));
      break;
    case A_OPTIMIZER:
      if (idle_state (s))
        {
          MmSessionSettings *st = mm_session_get_settings (s->session);
          MmOptimizerKind k = (MmOptimizerKind) g_rand_int_range (s->rand, 0, 3);
          mm_optimizer_config_init (&st->optimizer, k);
          st->optimizer.lr = k == MM_OPTIMIZER_SGD ? 0.1 : 0.01;
          mm_session_settings_changed (s->session);
        }
      break;
    case A_TRAIN:
      act (s, "train", NULL);
      break;
    case A_PAUSE:
      act (s, "pause", NULL);
      break;
    case A_STEP:
      act (s, "step", NULL);
      break;
    case A_STOP:
      act (s, "stop", NULL);
      break;
    case A_RESET:
      act (s, "reset", NULL);
      break;
    case A_LR:
      mm_session_set_lr (s->session, pow (10.0, g_rand_double_range (s->rand, -4, 0)));
      break;
    case A_PRESET:
      act (s, "preset", g_variant_new_string (presets[g_rand_int_range (s->rand, 0, G_N_ELEMENTS (presets))]));
      break;
    case A_GRAPH:
      gtk_stack_set_visible_child_name (view_stack (s), "graph");
      break;
    case A_STEPPER:
      {
        MmBackpropStepper *st = mm_graph_page_get_stepper (MM_GRAPH_PAGE (mm_window_get_graph_page (s->win)));
        gtk_stack_set_visible_child_name (view_stack (s), "graph");
        switch (g_rand_int_range (s->rand, 0, 4))
          {
          case 0:
            mm_backprop_stepper_run_to_end (st);
            break;
          case 1:
            mm_backprop_stepper_step_back (st);
            break;
          default:
            for (guint i = g_rand_int_range (s->rand, 1, 6); i > 0; i--)
              mm_backprop_stepper_step (st);
          }
      }
      break;
    case A_PLOT_PAGE:
      {
        /* Any page but the graph: the plots and data views. */
        GtkWidget *graph = gtk_stack_get_child_by_name (view_stack (s), "graph");
        for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (view_stack (s))); c; c = gtk_widget_get_next_sibling (c))
          {
            GtkStackPage *page = gtk_stack_get_page (view_stack (s), c);
            if (page != NULL && gtk_stack_page_get_child (page) != graph)
              {
                gtk_stack_set_visible_child (view_stack (s), gtk_stack_page_get_child (page));
                break;
              }
          }
      }
      break;
    case A_SAVE_OPEN:
      if (mm_session_get_data_state (s->session) == MM_DATA_STATE_READY)
        save_and_reopen (s);
      break;
    case A_BATCH:
      if (idle_state (s))
        {
          mm_session_get_settings (s->session)->batch_size = 1u << g_rand_int_range (s->rand, 2, 9);
          mm_session_settings_changed (s->session);
        }
      break;
    default:
      g_assert_not_reached ();
    }
  close_dialogs (s);
}

static guint
pick_action (Soak *s)
{
  guint total = 0, r;

  for (guint i = 0; i < N_ACTIONS; i++)
    total += action_weights[i];
  r = g_rand_int_range (s->rand, 0, total);
  for (guint i = 0; i < N_ACTIONS; i++)
    {
      if (r < action_weights[i])
        return i;
      r -= action_weights[i];
    }
  return A_STEP;
}

/* The same state before both memory readings: the spiral preset, stopped,
 * its data loaded, the plots shown, everything drawn. */
static double
settle_and_measure (Soak *s)
{
  mm_session_stop (s->session);
  act (s, "preset", g_variant_new_string ("spiral"));
  close_dialogs (s);
  wait_data (s);
  one_action (s, A_PLOT_PAGE);
  pump (1000);
  return rss_mb ();
}

static char *
recent_actions (Soak *s)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < N_RECENT; i++)
    if (s->recent[i] != NULL)
      g_string_append_printf (text, "%s%s", text->len ? ", " : "", s->recent[i]);
  return g_string_free (text, FALSE);
}

/* Progress every ten seconds (on stderr, so a run that goes wrong shows how
 * far it got), and the memory guard. */
static void
watch_progress (Soak   *s,
                gint64  start)
{
  gint64 now = g_get_monotonic_time ();
  double rss;

  if (now < s->next_report)
    return;
  s->next_report = now + 10 * G_USEC_PER_SEC;
  rss = rss_mb ();
  {
    g_autofree char *recent = recent_actions (s);
    g_printerr ("soak: %.0f s, %u actions, RSS %.0f MB, heap %.0f MB, trainer %s; last: %s\n", (now - start) / 1e6,
                s->n_actions, rss, heap_mb (), mm_trainer_state_name (mm_session_get_state (s->session)), recent);
    if (rss > MAX_RSS_MB)
      g_error ("RSS %.0f MB is beyond %.0f MB; the last actions: %s", rss, MAX_RSS_MB, recent);
  }
}

/* ---- The test ----------------------------------------------------------------------------- */

static void
test_soak (void)
{
  const char *seconds_env = g_getenv ("MYML_SOAK_SECONDS");
  double seconds = seconds_env ? g_ascii_strtod (seconds_env, NULL) : 45;
  const char *gap_env = g_getenv ("MYML_SOAK_MAX_GAP_MS");
  double max_gap = gap_env ? g_ascii_strtod (gap_env, NULL) : MAX_GAP_MS;
  guint32 seed = g_getenv ("MYML_SOAK_SEED") ? (guint32) g_ascii_strtoull (g_getenv ("MYML_SOAK_SEED"), NULL, 10) : 1;
  MmApplication *app;
  Soak s = { 0 };
  double rss_start, rss_warm, rss_end, warm_seconds, heap_warm, heap_end;
  gint64 start, end;
  g_autoptr(GArray) sorted = NULL;
  gulong paint_id;
  GdkFrameClock *clock;

  if (!(seconds > 0) || !(max_gap > 0))
    g_error ("MYML_SOAK_SECONDS and MYML_SOAK_MAX_GAP_MS must be positive numbers");
  {
    struct rlimit as = { (rlim_t) MAX_ADDRESS_SPACE_GB << 30, (rlim_t) MAX_ADDRESS_SPACE_GB << 30 };
    setrlimit (RLIMIT_AS, &as);
  }
  app = MM_APPLICATION (mm_application_new ());
  g_application_register (G_APPLICATION (app), NULL, NULL);
  s.rand = g_rand_new_with_seed (seed);
  s.dir = g_dir_make_tmp ("myml-soak-XXXXXX", NULL);
  s.intervals = g_array_new (FALSE, FALSE, sizeof (double));
  s.fashion = g_file_test ("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", G_FILE_TEST_EXISTS);
  if (!s.fashion)
    g_test_message ("Fashion-MNIST is not installed: toy data sets only");

  s.win = mm_window_new (app);
  s.session = mm_window_get_session (s.win);
  gtk_window_set_default_size (GTK_WINDOW (s.win), 1366, 768);
  gtk_window_present (GTK_WINDOW (s.win));
  wait_data (&s);
  pump (500);
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (s.win));
  g_assert_nonnull (clock);
  paint_id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint), &s);
  gtk_widget_add_tick_callback (GTK_WIDGET (s.win), keep_ticking, NULL, NULL);
  rss_start = rss_mb ();

  /* Warm-up: every data set, every preset, the graph and stepper, a save
   * and reopen, a little training of each. */
  start = g_get_monotonic_time ();
  for (gint d = 0; d <= MM_TOY_N_KINDS; d++)
    {
      set_data (&s, d);
      wait_data (&s);
      one_action (&s, A_STEP);
      one_action (&s, A_STEPPER);
      pump (100);
    }
  for (guint p = 0; p < G_N_ELEMENTS (presets); p++)
    {
      act (&s, "preset", g_variant_new_string (presets[p]));
      wait_data (&s);
      one_action (&s, A_TRAIN);
      pump (300);
      one_action (&s, A_STOP);
      one_action (&s, A_GRAPH);
      one_action (&s, A_STEPPER);
      one_action (&s, A_SAVE_OPEN);
      wait_data (&s);
      pump (100);
    }
  rss_warm = settle_and_measure (&s);
  heap_warm = heap_mb ();
  warm_seconds = (g_get_monotonic_time () - start) / 1e6;

  /* The monkey. */
  end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  while (g_get_monotonic_time () < end)
    {
      one_action (&s, pick_action (&s));
      pump (g_rand_int_range (s.rand, 10, 150));
      watch_progress (&s, start);
    }
  rss_end = settle_and_measure (&s);
  heap_end = heap_mb ();

  g_signal_handler_disconnect (clock, paint_id);
  sorted = g_array_copy (s.intervals);
  g_array_sort (sorted, compare_double);

  g_test_message ("seed %u, %.0f s of monkey after %.1f s of warm-up", seed, seconds, warm_seconds);
  g_test_message ("actions: %u (%u refused or not possible then, %u dialogs closed, %u saves, %u reopens)",
                  s.n_actions, s.n_failed, s.n_dialogs, s.n_saves, s.n_opens);
  for (guint i = 0; i < N_ACTIONS; i++)
    g_test_message ("  %-14s %u", action_names[i], s.n_by_kind[i]);
  g_test_message ("frames: %u, interval median %.1f ms, p99 %.1f ms, max %.1f ms (after %s)",
                  sorted->len, percentile (sorted, 50), percentile (sorted, 99), s.worst_gap,
                  s.worst_after ? s.worst_after : "-");
  g_test_message ("RSS: start %.1f MB, after warm-up %.1f MB, end %.1f MB (end − warm-up %+.1f MB)",
                  rss_start, rss_warm, rss_end, rss_end - rss_warm);
  g_test_message ("heap in use: after warm-up %.1f MB, end %.1f MB (%+.1f MB)", heap_warm, heap_end,
                  heap_end - heap_warm);

  g_test_message ("different warnings and criticals: %u", soak_problems->len);
  for (guint i = 0; i < soak_problems->len && i < 20; i++)
    g_test_message ("  %s", (const char *) g_ptr_array_index (soak_problems, i));

  g_assert_cmpuint (sorted->len, >, 10 * (guint) seconds);
  if (s.worst_gap > max_gap)
    g_error ("the window froze for %.0f ms (after %s); the limit is %.0f ms", s.worst_gap, s.worst_after, max_gap);
  if (soak_problems->len > 0)
    g_error ("%u warnings or criticals, the first: %s", soak_problems->len,
             (const char *) g_ptr_array_index (soak_problems, 0));
  if (heap_end - heap_warm > MAX_HEAP_GROWTH_MB)
    g_error ("the heap in use grew by %.1f MB after the warm-up; the limit is %.0f MB", heap_end - heap_warm,
             MAX_HEAP_GROWTH_MB);
  if (rss_end - rss_warm > MAX_RSS_GROWTH_MB)
    g_error ("the resident size grew by %.1f MB after the warm-up; the limit is %.0f MB", rss_end - rss_warm,
             MAX_RSS_GROWTH_MB);

  gtk_window_destroy (GTK_WINDOW (s.win));
  pump (200);
  {
    g_autoptr(GDir) d = g_dir_open (s.dir, 0, NULL);
    const char *name;
    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *p = g_build_filename (s.dir, name, NULL);
        g_remove (p);
      }
    g_rmdir (s.dir);
  }
  g_free (s.dir);
  g_free (s.worst_after);
  g_array_unref (s.intervals);
  g_rand_free (s.rand);
  g_object_unref (app);
}

int
main (int argc, char **argv)
{
  g_log_set_writer_func (log_with_action, NULL, NULL);
  gtk_test_init (&argc, &argv, NULL);
  /* Warnings and criticals are counted and fail the test at the end
   * (log_with_action), instead of stopping the monkey at the first. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  soak_problems = g_ptr_array_new_with_free_func (g_free);
  g_test_add_func ("/soak/monkey", test_soak);
  return g_test_run ();
}
