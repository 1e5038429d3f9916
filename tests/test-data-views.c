/* test-data-views.c — the decision boundary, the sample grid and the confusion
 * matrix under a virtual display: what they compute off the UI thread is
 * checked against mm_module_predict done here; bursts of new parameters end
 * with the newest; destroying a view while it computes is safe; PNGs of each
 * view land in G_TEST_BUILDDIR for a reviewer. */
#include <gtk/gtk.h>
#include <myml.h>
#include <math.h>
#include <string.h>
#include "mm-confusion.h"
#include "mm-confusion-view.h"
#include "mm-decision-view.h"
#include "mm-palette.h"
#include "mm-sample-grid.h"

#include "test-wait.h"
#define TIMEOUT_S (60 * test_timeout_scale ())

/* Iterates the main loop until @cond holds or the time is up. */
#define WAIT_FOR(cond)                                                        \
  G_STMT_START {                                                              \
    gint64 _end = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;       \
    while (!(cond) && g_get_monotonic_time () < _end)                         \
      {                                                                       \
        if (!g_main_context_iteration (NULL, FALSE))                          \
          g_usleep (500);                                                     \
      }                                                                       \
    if (!(cond))                                                              \
      g_error ("timed out waiting for %s", #cond);                            \
  } G_STMT_END

/* ---- Fixtures -------------------------------------------------------------- */

static void
spiral (gsize       n,
        guint       n_classes,
        MmDataset **train,
        MmDataset **test)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) all = mm_dataset_new_toy (MM_TOY_SPIRAL, n, 0.08, n_classes, 7, &error);

  g_assert_no_error (error);
  g_assert_true (mm_dataset_split (all, 0.25, 11, train, test, &error));
  g_assert_no_error (error);
}

/* Fresh parameters for @model, drawn with @seed. */
static MmParams *
random_params (MmModule *model,
               guint32   seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) specs = mm_module_get_params (model);
  MmParams *params = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, seed, &error);

  g_assert_no_error (error);
  return params;
}

static MmModule *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  MmModule *model = mm_module_parse (text, &error);

  g_assert_no_error (error);
  return model;
}

/* A few epochs of Adam with the trainer; returns the trained parameters. */
static MmParams *
train (MmModule  *model,
       MmDataset *data,
       guint      epochs,
       double     lr)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmLoss) ce = mm_loss_cross_entropy_new (0.0, &error);
  g_autoptr(MmLoss) loss = NULL;
  MmTrainerConfig config;
  MmTrainer *trainer;
  MmParams *params;

  g_assert_no_error (error);
  loss = mm_loss_one_hot_new (ce, mm_dataset_get_n_classes (data), &error);
  g_assert_no_error (error);
  mm_trainer_config_init (&config);
  mm_optimizer_config_init (&config.optimizer, MM_OPTIMIZER_ADAM);
  config.optimizer.lr = lr;
  config.model = model;
  config.loss = loss;
  config.train = data;
  config.batch_size = 32;
  config.epochs = epochs;
  config.seed = 3;
  trainer = mm_trainer_new (&config, &error);
  g_assert_no_error (error);
  mm_trainer_start (trainer);
  mm_trainer_wait (trainer);
  g_assert_cmpint (mm_trainer_get_state (trainer), ==, MM_TRAINER_FINISHED);
  params = mm_trainer_snapshot_params (trainer);
  mm_trainer_free (trainer);
  return params;
}

/* Small grey images of four shapes (a bar across, a bar down, a diagonal,
 * a ring) at random places, with noise: a linear model learns most of them. */
static MmDataset *
shapes (gsize  n,
        guint  side,
        guint  seed)
{
  static const char *const names[] = { "Bar across", "Bar down", "Diagonal", "Ring" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  float *features = g_new0 (float, n * side * side);
  guint32 *labels = g_new (guint32, n);
  MmShape shape = { 2, { side, side } };
  MmDataset *ds;

  for (gsize k = 0; k < n; k++)
    {
      float *img = features + k * side * side;
      guint cls = k % 4;
      int off = g_rand_int_range (rand, -2, 3);
      double c = (side - 1) / 2.0;

      labels[k] = cls;
      for (guint y = 0; y < side; y++)
        for (guint x = 0; x < side; x++)
          {
            double v = 0, r = hypot (x - c - off, y - c);

            switch (cls)
              {
              case 0: v = abs ((int) y - (int) (c + off)) <= 1; break;
              case 1: v = abs ((int) x - (int) (c + off)) <= 1; break;
              case 2: v = abs ((int) x - (int) y - off) <= 1; break;
              default: v = fabs (r - side * 0.3) <= 1.0; break;
              }
            v = v * 0.85 + g_rand_double (rand) * 0.35;
            img[y * side + x] = (float) CLAMP (v, 0.0, 1.0);
          }
    }
  ds = mm_dataset_new ("shapes", &shape, n, features, labels, 4, names, &error);
  g_assert_no_error (error);
  return ds;
}

static GtkWidget *
show_in_window (GtkWidget *view,
                int        width,
                int        height)
{
  GtkWidget *win = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (win), width, height);
  gtk_window_set_child (GTK_WINDOW (win), view);
  gtk_window_present (GTK_WINDOW (win));
  WAIT_FOR (gtk_widget_get_mapped (view) && gtk_widget_get_width (view) > 0);
  return win;
}

static void
save_png (GtkWidget  *widget,
          const char *name)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  GtkSnapshot *snapshot;
  int w, h;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  const char *dir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *path = g_build_filename (dir ? dir : ".", name, NULL);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  /* Let a few frames be drawn: a widget paintable shows what was drawn. */
  for (int i = 0; i < 30; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
  w = gtk_widget_get_width (widget);
  h = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  /* On white, as in a window: the view itself leaves its background alone. */
  gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 1, 1, 1, 1 }, &GRAPHENE_RECT_INIT (0, 0, w, h));
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("wrote %s", path);
}

static void
destroy_window (GtkWidget *win)
{
  gtk_window_destroy (GTK_WINDOW (win));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The predicted classes of @x, by mm_module_predict here. */
static guint32 *
predict_classes (MmModule  *model,
                 MmParams  *params,
                 MmTensor  *x,
                 guint      n_classes,
                 MmTensor **scores_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmTensor) scores = mm_module_predict (model, params, x, &error);
  gsize batch = x->shape.dim[0];
  guint32 *classes = g_new (guint32, batch);

  g_assert_no_error (error);
  g_assert_cmpuint (scores->shape.ndim, ==, 2);
  g_assert_cmpuint (scores->shape.dim[1], ==, n_classes);
  for (gsize i = 0; i < batch; i++)
    {
      const float *row = scores->data + i * n_classes;
      guint best = 0;

      for (guint c = 1; c < n_classes; c++)
        if (row[c] > row[best])
          best = c;
      classes[i] = best;
    }
  if (scores_out)
    *scores_out = g_steal_pointer (&scores);
  return classes;
}

static MmTensor *
whole_set (MmDataset *ds)
{
  g_autoptr(GError) error = NULL;
  MmTensor *x = mm_batch_from_range (ds, 0, mm_dataset_get_n_samples (ds), &error);

  g_assert_no_error (error);
  return x;
}

/* ---- Palette --------------------------------------------------------------- */

static void
test_palette (void)
{
  GdkRGBA colors[40];

  for (guint i = 0; i < G_N_ELEMENTS (colors); i++)
    {
      mm_palette_class_color (i, &colors[i]);
      g_assert_cmpfloat (colors[i].alpha, ==, 1.0);
      for (guint j = 0; j < i; j++)
        {
          double d = fabs (colors[i].red - colors[j].red) + fabs (colors[i].green - colors[j].green)
                     + fabs (colors[i].blue - colors[j].blue);
          /* The first 12 are clearly apart; generated ones at least differ. */
          g_assert_cmpfloat (d, >, i < MM_PALETTE_N_FIXED ? 0.25 : 0.02);
        }
    }
  {
    GdkRGBA lo, hi;
    mm_palette_heat (0, &lo);
    mm_palette_heat (1, &hi);
    g_assert_cmpfloat (mm_palette_luminance (&lo), >, 0.9);
    g_assert_cmpfloat (mm_palette_luminance (&hi), <, 0.05);
  }
}

/* ---- Counting without a display ------------------------------------------- */

static void
test_confusion_count (void)
{
  g_autoptr(MmDataset) tr = NULL;
  g_autoptr(MmDataset) te = NULL;
  g_autoptr(MmModule) model = parse ("Linear(2, 16); Tanh; Linear(16, 3)");
  g_autoptr(MmParams) params = random_params (model, 5);
  g_autoptr(MmTensor) x = NULL;
  g_autofree guint32 *classes = NULL;
  g_autoptr(GError) error = NULL;
  guint64 counts[9], right = 0, sum = 0;
  gsize n;

  /* 2 600 test samples: three batches, the last one partial. */
  spiral (10400, 3, &tr, &te);
  n = mm_dataset_get_n_samples (te);
  g_assert_cmpuint (n, ==, 2600);
  g_assert_true (mm_confusion_count (model, params, te, NULL, counts, &error));
  g_assert_no_error (error);

  x = whole_set (te);
  classes = predict_classes (model, params, x, 3, NULL);
  for (gsize i = 0; i < n; i++)
    right += classes[i] == mm_dataset_get_label (te, i);
  for (guint k = 0; k < 9; k++)
    sum += counts[k];
  g_assert_cmpuint (sum, ==, n);
  g_assert_cmpuint (counts[0] + counts[4] + counts[8], ==, right);
  /* Each row holds the samples of its true class. */
  {
    g_autofree gsize *per_class = mm_dataset_count_classes (te);
    for (guint t = 0; t < 3; t++)
      g_assert_cmpuint (counts[t * 3] + counts[t * 3 + 1] + counts[t * 3 + 2], ==, per_class[t]);
  }
  g_assert_cmpfloat_with_epsilon (mm_confusion_accuracy (3, counts), (double) right / n, 1e-12);

  /* Four scores for three classes: refused, with a message. */
  {
    g_autoptr(MmModule) wide = parse ("Linear(2, 4)");
    g_autoptr(MmParams) wp = random_params (wide, 1);
    g_assert_false (mm_confusion_count (wide, wp, te, NULL, counts, &error));
    g_assert_error (error, MM_ERROR, MM_ERROR_SHAPE);
    g_clear_error (&error);
  }
  /* Cancelled before it starts. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_cancellable_cancel (cancellable);
    g_assert_false (mm_confusion_count (model, params, te, cancellable, counts, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
  }
  /* Diverged parameters: a message, not a matrix of class 0. */
  {
    g_autoptr(MmParams) bad = mm_params_copy (params);
    float *w = mm_params_make_writable (bad, 0);
    w[0] = NAN;
    g_assert_false (mm_confusion_count (model, bad, te, NULL, counts, &error));
    g_assert_error (error, MM_ERROR, MM_ERROR_NUMERIC);
    g_clear_error (&error);
  }
}

/* ---- Decision boundary ------------------------------------------------------ */

/* Checks the view's field against mm_module_predict on the same grid. */
static void
check_field (MmDecisionView *view,
             MmModule       *model,
             MmParams       *params,
             guint           n_classes)
{
  guint w, h, nc, mismatched = 0;
  double b[4], view_b[4];
  const float *field = mm_decision_view_get_field (view, &w, &h, &nc, b);
  g_autofree float *points = NULL;
  g_autoptr(MmTensor) x = NULL;
  g_autoptr(MmTensor) scores = NULL;
  g_autofree guint32 *classes = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (field);
  g_assert_null (mm_decision_view_get_message (view));
  g_assert_cmpuint (w, ==, MM_DECISION_VIEW_GRID);
  g_assert_cmpuint (h, ==, MM_DECISION_VIEW_GRID);
  g_assert_cmpuint (nc, ==, n_classes);
  g_assert_true (mm_decision_view_get_bounds (view, view_b));
  for (guint k = 0; k < 4; k++)
    g_assert_cmpfloat (b[k], ==, view_b[k]);

  points = g_new (float, (gsize) w * h * 2);
  for (guint j = 0; j < h; j++)
    for (guint i = 0; i < w; i++)
      {
        points[2 * ((gsize) j * w + i)] = (float) (b[0] + (i + 0.5) * (b[1] - b[0]) / w);
        points[2 * ((gsize) j * w + i) + 1] = (float) (b[3] - (j + 0.5) * (b[3] - b[2]) / h);
      }
  x = mm_tensor_new_from_data (&(MmShape) { 2, { (gsize) w * h, 2 } }, points, (gsize) w * h * 2, &error);
  g_assert_no_error (error);
  classes = predict_classes (model, params, x, n_classes, &scores);
  for (gsize k = 0; k < (gsize) w * h * n_classes; k++)
    g_assert_cmpfloat_with_epsilon (field[k], scores->data[k], 1e-4 * (1 + fabsf (scores->data[k])));
  for (gsize k = 0; k < (gsize) w * h; k++)
    {
      guint best;
      mm_scores_top_probability (field + k * n_classes, n_classes, &best);
      mismatched += best != classes[k];
    }
  /* Ties decided by the last bit of a sum may differ: allow a handful. */
  g_assert_cmpuint (mismatched, <=, 3);
}

static void
test_decision_view (void)
{
  g_autoptr(MmDataset) tr = NULL;
  g_autoptr(MmDataset) te = NULL;
  g_autoptr(MmModule) model = parse ("Linear(2, 16); Tanh; Linear(16, 16); Tanh; Linear(16, 3)");
  g_autoptr(MmParams) params = NULL;
  MmDecisionView *view = MM_DECISION_VIEW (mm_decision_view_new ());
  GtkWidget *win = show_in_window (GTK_WIDGET (view), 620, 460);
  guint64 gen;

  spiral (600, 3, &tr, &te);
  params = train (model, tr, 150, 0.01);

  /* Nothing yet, then data alone: placeholders, no field. */
  save_png (GTK_WIDGET (view), "decision-view-empty.png");
  mm_decision_view_set_dataset (view, tr, te);
  g_assert_null (mm_decision_view_get_field (view, NULL, NULL, NULL, NULL));
  save_png (GTK_WIDGET (view), "decision-view-data.png");
  g_assert_cmpuint (mm_decision_view_get_generation (view), ==, 0);

  /* A model: a field, equal to a direct prediction on the grid. */
  gen = mm_decision_view_get_generation (view);
  mm_decision_view_set_model (view, model, params);
  WAIT_FOR (mm_decision_view_get_generation (view) > gen && !mm_decision_view_is_computing (view));
  check_field (view, model, params, 3);
  save_png (GTK_WIDGET (view), "decision-view.png");

  /* The box covers all the points, train and test, as a square. */
  {
    double b[4];
    g_assert_true (mm_decision_view_get_bounds (view, b));
    g_assert_cmpfloat_with_epsilon (b[1] - b[0], b[3] - b[2], 1e-9);
    for (guint s = 0; s < 2; s++)
      {
        MmDataset *ds = s ? te : tr;
        const float *xy = mm_dataset_get_features (ds);
        for (gsize i = 0; i < mm_dataset_get_n_samples (ds); i++)
          {
            g_assert_cmpfloat (xy[2 * i], >, b[0]);
            g_assert_cmpfloat (xy[2 * i], <, b[1]);
            g_assert_cmpfloat (xy[2 * i + 1], >, b[2]);
            g_assert_cmpfloat (xy[2 * i + 1], <, b[3]);
          }
      }
  }

  /* The presentation scale: a property, fonts and points twice as big. */
  mm_decision_view_set_scale (view, 2.0);
  g_assert_cmpfloat (mm_decision_view_get_scale (view), ==, 2.0);
  {
    double s;
    g_object_get (view, "scale", &s, NULL);
    g_assert_cmpfloat (s, ==, 2.0);
  }
  gtk_window_set_default_size (GTK_WINDOW (win), 1000, 800);
  save_png (GTK_WIDGET (view), "decision-view-scale2.png");
  mm_decision_view_set_scale (view, 1.0);
  gtk_window_set_default_size (GTK_WINDOW (win), 620, 460);

  /* A model whose output does not match the classes: a message, no field. */
  {
    g_autoptr(MmModule) wide = parse ("Linear(2, 8); ReLU; Linear(8, 5)");
    g_autoptr(MmParams) wp = random_params (wide, 2);

    gen = mm_decision_view_get_generation (view);
    mm_decision_view_set_model (view, wide, wp);
    WAIT_FOR (mm_decision_view_get_generation (view) > gen && !mm_decision_view_is_computing (view));
    g_assert_null (mm_decision_view_get_field (view, NULL, NULL, NULL, NULL));
    g_assert_nonnull (mm_decision_view_get_message (view));
    g_test_message ("message: %s", mm_decision_view_get_message (view));
    save_png (GTK_WIDGET (view), "decision-view-mismatch.png");
  }
  /* One that wants other inputs: a message too. */
  {
    g_autoptr(MmModule) other = parse ("Linear(3, 3)");
    g_autoptr(MmParams) op = random_params (other, 2);

    gen = mm_decision_view_get_generation (view);
    mm_decision_view_set_model (view, other, op);
    WAIT_FOR (mm_decision_view_get_generation (view) > gen && !mm_decision_view_is_computing (view));
    g_assert_nonnull (mm_decision_view_get_message (view));
  }
  /* NULL model or params: no field, no message, no crash. */
  mm_decision_view_set_model (view, model, NULL);
  g_assert_null (mm_decision_view_get_field (view, NULL, NULL, NULL, NULL));
  mm_decision_view_set_model (view, NULL, NULL);
  g_assert_false (mm_decision_view_is_computing (view));
  g_assert_null (mm_decision_view_get_message (view));

  /* Data that are not 2-D: a placeholder, nothing computed. */
  {
    g_autoptr(MmDataset) images = shapes (40, 8, 1);
    mm_decision_view_set_dataset (view, images, NULL);
    mm_decision_view_set_model (view, model, params);
    g_assert_false (mm_decision_view_is_computing (view));
    save_png (GTK_WIDGET (view), "decision-view-not-2d.png");
  }

  /* Back to the spiral without test points. */
  mm_decision_view_set_dataset (view, tr, NULL);
  gen = mm_decision_view_get_generation (view);
  mm_decision_view_set_model (view, model, params);
  WAIT_FOR (mm_decision_view_get_generation (view) > gen && !mm_decision_view_is_computing (view));
  check_field (view, model, params, 3);

  destroy_window (win);
}

/* Two features in another shape, (1, 2): the field feeds the model that shape. */
static void
test_decision_view_shape (void)
{
  g_autoptr(MmDataset) tr = NULL;
  g_autoptr(MmDataset) te = NULL;
  g_autoptr(MmDataset) flat = NULL;
  g_autoptr(MmModule) model = parse ("Flatten; Linear(2, 8); Tanh; Linear(8, 3)");
  g_autoptr(MmParams) params = random_params (model, 4);
  g_autoptr(GError) error = NULL;
  MmDecisionView *view = MM_DECISION_VIEW (mm_decision_view_new ());
  GtkWidget *win = show_in_window (GTK_WIDGET (view), 400, 300);
  MmShape shape = { 2, { 1, 2 } };
  gsize n;

  spiral (200, 3, &tr, &te);
  n = mm_dataset_get_n_samples (tr);
  flat = mm_dataset_new ("1x2", &shape, n, g_memdup2 (mm_dataset_get_features (tr), n * 2 * sizeof (float)),
                         g_memdup2 (mm_dataset_get_labels (tr), n * sizeof (guint32)), 3, NULL, &error);
  g_assert_no_error (error);
  mm_decision_view_set_dataset (view, flat, NULL);
  mm_decision_view_set_model (view, model, params);
  WAIT_FOR (mm_decision_view_get_generation (view) > 0 && !mm_decision_view_is_computing (view));
  check_field (view, model, params, 3);
  destroy_window (win);
}

/* Parameters every "frame": at most one field at a time, and the last field
 * is that of the newest parameters. */
static void
test_decision_view_burst (void)
{
  g_autoptr(MmDataset) tr = NULL;
  g_autoptr(MmDataset) te = NULL;
  g_autoptr(MmModule) model = parse ("Linear(2, 32); Tanh; Linear(32, 2)");
  g_autoptr(MmParams) base = random_params (model, 9);
  g_autoptr(MmParams) last = NULL;
  MmDecisionView *view = MM_DECISION_VIEW (mm_decision_view_new ());
  GtkWidget *win = show_in_window (GTK_WIDGET (view), 400, 300);
  guint64 gen0;
  const guint n_updates = 120;

  spiral (400, 2, &tr, &te);
  mm_decision_view_set_dataset (view, tr, te);
  gen0 = mm_decision_view_get_generation (view);
  for (guint k = 0; k < n_updates; k++)
    {
      g_autoptr(MmParams) p = mm_params_copy (base);
      float *w = mm_params_make_writable (p, 0);

      w[0] += 0.05f * k;
      mm_decision_view_set_model (view, model, p);
      g_clear_pointer (&last, mm_params_unref);
      last = mm_params_ref (p);
      /* About a frame at 500 Hz: far faster than fields can be made. */
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  WAIT_FOR (!mm_decision_view_is_computing (view));
  g_test_message ("%u updates gave %" G_GUINT64_FORMAT " fields",
                  n_updates, mm_decision_view_get_generation (view) - gen0);
  g_assert_cmpuint (mm_decision_view_get_generation (view) - gen0, >=, 1);
  g_assert_cmpuint (mm_decision_view_get_generation (view) - gen0, <, n_updates / 2);
  check_field (view, model, last, 2);
  destroy_window (win);
}

/* ---- Sample grid ------------------------------------------------------------ */

static void
check_predictions (MmSampleGrid *grid,
                   MmDataset    *ds,
                   MmModule     *model,
                   MmParams     *params)
{
  guint n, np;
  const gsize *idx = mm_sample_grid_get_indices (grid, &n);
  const guint32 *pred = mm_sample_grid_get_predictions (grid, &np);
  g_autoptr(MmTensor) x = NULL;
  g_autoptr(MmTensor) y = NULL;
  g_autofree guint32 *classes = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (pred);
  g_assert_cmpuint (np, ==, n);
  g_assert_true (mm_dataset_get_batch (ds, idx, n, &x, &y, &error));
  g_assert_no_error (error);
  classes = predict_classes (model, params, x, mm_dataset_get_n_classes (ds), NULL);
  for (guint k = 0; k < n; k++)
    g_assert_cmpuint (pred[k], ==, classes[k]);
}

static void
test_sample_grid (void)
{
  g_autoptr(MmDataset) tr = shapes (800, 12, 1);
  g_autoptr(MmDataset) te = shapes (200, 12, 2);
  g_autoptr(MmModule) model = parse ("Flatten; Linear(144, 4)");
  g_autoptr(MmParams) params = NULL;
  MmSampleGrid *grid = MM_SAMPLE_GRID (mm_sample_grid_new ());
  GtkWidget *win = show_in_window (GTK_WIDGET (grid), 720, 560);
  g_autofree gsize *first = NULL;
  gboolean seen[4] = { FALSE };
  guint n;
  guint64 gen;

  params = train (model, tr, 2, 0.003);

  save_png (GTK_WIDGET (grid), "sample-grid-empty.png");
  mm_sample_grid_set_dataset (grid, te);
  {
    const gsize *shown = mm_sample_grid_get_indices (grid, &n);
    first = g_memdup2 (shown, sizeof (gsize) * n);
  }
  g_assert_cmpuint (n, ==, MM_SAMPLE_GRID_COLUMNS * MM_SAMPLE_GRID_ROWS);
  for (guint k = 0; k < n; k++)
    {
      g_assert_cmpuint (first[k], <, mm_dataset_get_n_samples (te));
      seen[mm_dataset_get_label (te, first[k])] = TRUE;
      for (guint j = 0; j < k; j++)
        g_assert_cmpuint (first[j], !=, first[k]);
    }
  for (guint c = 0; c < 4; c++)
    g_assert_true (seen[c]);
  g_assert_null (mm_sample_grid_get_predictions (grid, NULL));
  save_png (GTK_WIDGET (grid), "sample-grid-data.png");

  gen = mm_sample_grid_get_generation (grid);
  mm_sample_grid_set_model (grid, model, params);
  WAIT_FOR (mm_sample_grid_get_generation (grid) > gen && !mm_sample_grid_is_computing (grid));
  g_assert_null (mm_sample_grid_get_message (grid));
  check_predictions (grid, te, model, params);
  save_png (GTK_WIDGET (grid), "sample-grid.png");

  /* The same data set: the same samples (a seeded choice). */
  mm_sample_grid_set_dataset (grid, te);
  {
    guint n2;
    const gsize *again = mm_sample_grid_get_indices (grid, &n2);
    g_assert_cmpuint (n2, ==, n);
    g_assert_cmpmem (again, n2 * sizeof (gsize), first, n * sizeof (gsize));
  }
  WAIT_FOR (mm_sample_grid_get_predictions (grid, NULL) != NULL && !mm_sample_grid_is_computing (grid));
  check_predictions (grid, te, model, params);

  mm_sample_grid_set_scale (grid, 1.5);
  gtk_window_set_default_size (GTK_WINDOW (win), 1000, 800);
  save_png (GTK_WIDGET (grid), "sample-grid-scale15.png");
  gtk_window_set_default_size (GTK_WINDOW (win), 720, 560);
  mm_sample_grid_set_scale (grid, 1.0);

  /* Wrong number of scores: a message. */
  {
    g_autoptr(MmModule) wide = parse ("Flatten; Linear(144, 10)");
    g_autoptr(MmParams) wp = random_params (wide, 4);

    gen = mm_sample_grid_get_generation (grid);
    mm_sample_grid_set_model (grid, wide, wp);
    WAIT_FOR (mm_sample_grid_get_generation (grid) > gen && !mm_sample_grid_is_computing (grid));
    g_assert_null (mm_sample_grid_get_predictions (grid, NULL));
    g_assert_nonnull (mm_sample_grid_get_message (grid));
    save_png (GTK_WIDGET (grid), "sample-grid-mismatch.png");
  }
  /* 2-D points are not images: a placeholder. */
  {
    g_autoptr(MmDataset) sp = NULL;
    g_autoptr(MmDataset) st = NULL;
    spiral (100, 2, &sp, &st);
    mm_sample_grid_set_dataset (grid, st);
    g_assert_null (mm_sample_grid_get_indices (grid, NULL));
    g_assert_false (mm_sample_grid_is_computing (grid));
  }
  mm_sample_grid_set_model (grid, NULL, NULL);
  mm_sample_grid_set_dataset (grid, NULL);
  save_png (GTK_WIDGET (grid), "sample-grid-none.png");
  destroy_window (win);
}

/* ---- Confusion matrix ------------------------------------------------------- */

static void
check_counts (MmConfusionView *view,
              MmModule        *model,
              MmParams        *params,
              MmDataset       *te)
{
  guint n, nc = mm_dataset_get_n_classes (te);
  const guint64 *counts = mm_confusion_view_get_counts (view, &n);
  g_autofree guint64 *direct = g_new (guint64, (gsize) nc * nc);
  g_autoptr(MmTensor) x = whole_set (te);
  g_autofree guint32 *classes = predict_classes (model, params, x, nc, NULL);
  g_autoptr(GError) error = NULL;
  guint64 sum = 0, diag = 0, right = 0;

  g_assert_nonnull (counts);
  g_assert_cmpuint (n, ==, nc);
  for (guint k = 0; k < n * n; k++)
    sum += counts[k];
  for (guint k = 0; k < n; k++)
    diag += counts[k * n + k];
  for (gsize i = 0; i < mm_dataset_get_n_samples (te); i++)
    right += classes[i] == mm_dataset_get_label (te, i);
  g_assert_cmpuint (sum, ==, mm_dataset_get_n_samples (te));
  g_assert_cmpuint (diag, ==, right);
  g_assert_true (mm_confusion_count (model, params, te, NULL, direct, &error));
  g_assert_cmpmem (counts, sizeof (guint64) * n * n, direct, sizeof (guint64) * nc * nc);
}

static void
test_confusion_view (void)
{
  g_autoptr(MmDataset) tr = NULL;
  g_autoptr(MmDataset) te = NULL;
  g_autoptr(MmModule) model = parse ("Linear(2, 16); Tanh; Linear(16, 3)");
  g_autoptr(MmParams) params = NULL;
  MmConfusionView *view = MM_CONFUSION_VIEW (mm_confusion_view_new ());
  GtkWidget *win = show_in_window (GTK_WIDGET (view), 480, 460);
  guint64 gen;

  spiral (3000, 3, &tr, &te);
  params = train (model, tr, 3, 0.01);

  save_png (GTK_WIDGET (view), "confusion-view-empty.png");
  gen = mm_confusion_view_get_generation (view);
  mm_confusion_view_set_model (view, model, params, te);
  WAIT_FOR (mm_confusion_view_get_generation (view) > gen && !mm_confusion_view_is_computing (view));
  g_assert_null (mm_confusion_view_get_message (view));
  check_counts (view, model, params, te);
  save_png (GTK_WIDGET (view), "confusion-view.png");

  /* New parameters for the same model: new counts. */
  {
    g_autoptr(MmParams) p2 = random_params (model, 77);
    gen = mm_confusion_view_get_generation (view);
    mm_confusion_view_set_model (view, model, p2, te);
    WAIT_FOR (mm_confusion_view_get_generation (view) > gen && !mm_confusion_view_is_computing (view));
    check_counts (view, model, p2, te);
  }

  /* Counts given directly, with the long names of Fashion-MNIST. */
  {
    static const char *const names[] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };
    guint64 counts[100];
    g_autoptr(GRand) rand = g_rand_new_with_seed (1);
    guint n;

    for (guint t = 0; t < 10; t++)
      for (guint p = 0; p < 10; p++)
        counts[t * 10 + p] = t == p ? (guint64) (700 + g_rand_int_range (rand, 0, 250))
                                    : (guint64) (g_rand_int_range (rand, 0, 30) * (g_rand_int_range (rand, 0, 4) == 0 ? 3 : 0.3));
    gen = mm_confusion_view_get_generation (view);
    mm_confusion_view_set_counts (view, 10, counts, names);
    g_assert_cmpuint (mm_confusion_view_get_generation (view), >, gen);
    g_assert_false (mm_confusion_view_is_computing (view));
    g_assert_cmpmem (mm_confusion_view_get_counts (view, &n), sizeof counts, counts, sizeof counts);
    g_assert_cmpuint (n, ==, 10);
    gtk_window_set_default_size (GTK_WINDOW (win), 560, 560);
    save_png (GTK_WIDGET (view), "confusion-view-fashion-names.png");
    mm_confusion_view_set_scale (view, 2.0);
    gtk_window_set_default_size (GTK_WINDOW (win), 1000, 1000);
    save_png (GTK_WIDGET (view), "confusion-view-scale2.png");
    mm_confusion_view_set_scale (view, 1.0);
    gtk_window_set_default_size (GTK_WINDOW (win), 480, 460);
    /* Names NULL: numbers. */
    mm_confusion_view_set_counts (view, 10, counts, NULL);
    save_png (GTK_WIDGET (view), "confusion-view-numbers.png");
  }

  /* A model with the wrong number of outputs: a message, no matrix. */
  {
    g_autoptr(MmModule) wide = parse ("Linear(2, 4)");
    g_autoptr(MmParams) wp = random_params (wide, 3);

    gen = mm_confusion_view_get_generation (view);
    mm_confusion_view_set_model (view, wide, wp, te);
    WAIT_FOR (mm_confusion_view_get_generation (view) > gen && !mm_confusion_view_is_computing (view));
    g_assert_null (mm_confusion_view_get_counts (view, NULL));
    g_assert_nonnull (mm_confusion_view_get_message (view));
    save_png (GTK_WIDGET (view), "confusion-view-mismatch.png");
  }
  /* NULLs: a placeholder. */
  mm_confusion_view_set_model (view, model, NULL, te);
  g_assert_null (mm_confusion_view_get_counts (view, NULL));
  mm_confusion_view_set_model (view, NULL, NULL, NULL);
  mm_confusion_view_set_counts (view, 0, NULL, NULL);
  g_assert_false (mm_confusion_view_is_computing (view));
  destroy_window (win);
}

/* ---- Fashion-MNIST (when the Debian package is there) ----------------------- */

static void
test_fashion_mnist (void)
{
  g_autoptr(MmDataset) train_all = NULL;
  g_autoptr(MmDataset) test_all = NULL;
  g_autoptr(MmDataset) tr = NULL;
  g_autoptr(MmModule) model = parse ("Flatten; Linear(784, 32); ReLU; Linear(32, 10)");
  g_autoptr(MmParams) params = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gsize *idx = NULL;
  g_autofree char *probe = g_build_filename (mm_dataset_get_fashion_mnist_dir (), "t10k-labels-idx1-ubyte.gz", NULL);
  MmSampleGrid *grid;
  MmConfusionView *conf;
  GtkWidget *win1, *win2;
  guint64 g1, g2;
  gint64 t0, t_set, t_done;

  if (!g_file_test (probe, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
      return;
    }
  g_assert_true (mm_dataset_load_fashion_mnist (NULL, &train_all, &test_all, &error));
  g_assert_no_error (error);
  idx = g_new (gsize, 3000);
  for (gsize i = 0; i < 3000; i++)
    idx[i] = i;
  tr = mm_dataset_subset (train_all, idx, 3000, &error);
  g_assert_no_error (error);
  params = train (model, tr, 3, 0.003);

  grid = MM_SAMPLE_GRID (mm_sample_grid_new ());
  conf = MM_CONFUSION_VIEW (mm_confusion_view_new ());
  win1 = show_in_window (GTK_WIDGET (grid), 760, 620);
  win2 = show_in_window (GTK_WIDGET (conf), 600, 580);
  g1 = mm_sample_grid_get_generation (grid);
  g2 = mm_confusion_view_get_generation (conf);
  t0 = g_get_monotonic_time ();
  mm_sample_grid_set_dataset (grid, test_all);
  mm_sample_grid_set_model (grid, model, params);
  mm_confusion_view_set_model (conf, model, params, test_all);
  t_set = g_get_monotonic_time () - t0;
  WAIT_FOR (mm_sample_grid_get_generation (grid) > g1 && !mm_sample_grid_is_computing (grid));
  WAIT_FOR (mm_confusion_view_get_generation (conf) > g2 && !mm_confusion_view_is_computing (conf));
  t_done = g_get_monotonic_time () - t0;
  /* Off the UI thread: the setters return long before the counting ends. */
  g_test_message ("setters took %.1f ms, results came after %.1f ms", t_set / 1e3, t_done / 1e3);
  g_assert_cmpint (t_set, <, t_done);
  check_predictions (grid, test_all, model, params);
  check_counts (conf, model, params, test_all);
  save_png (GTK_WIDGET (grid), "sample-grid-fashion.png");
  save_png (GTK_WIDGET (conf), "confusion-view-fashion.png");
  destroy_window (win1);
  destroy_window (win2);
}

/* ---- Lifetime ---------------------------------------------------------------- */

/* Each view destroyed while its computation runs (and right after asking):
 * the worker keeps what it reads, the result is dropped, nothing crashes. */
static void
test_destroy_while_computing (void)
{
  g_autoptr(MmDataset) tr = NULL;
  g_autoptr(MmDataset) te = NULL;
  g_autoptr(MmModule) model = parse ("Linear(2, 64); Tanh; Linear(64, 64); Tanh; Linear(64, 3)");
  g_autoptr(MmParams) params = random_params (model, 1);
  g_autoptr(MmParams) newer = random_params (model, 2);
  g_autoptr(MmDataset) images = shapes (64, 12, 5);
  g_autoptr(MmModule) img_model = parse ("Flatten; Linear(144, 4)");
  g_autoptr(MmParams) img_params = random_params (img_model, 1);

  spiral (80000, 3, &tr, &te);
  for (guint round = 0; round < 3; round++)
    {
      MmDecisionView *dv = MM_DECISION_VIEW (mm_decision_view_new ());
      MmSampleGrid *sg = MM_SAMPLE_GRID (mm_sample_grid_new ());
      MmConfusionView *cv = MM_CONFUSION_VIEW (mm_confusion_view_new ());
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
      GtkWidget *win;

      gtk_box_append (GTK_BOX (box), GTK_WIDGET (dv));
      gtk_box_append (GTK_BOX (box), GTK_WIDGET (sg));
      gtk_box_append (GTK_BOX (box), GTK_WIDGET (cv));
      win = show_in_window (box, 900, 300);

      mm_decision_view_set_dataset (dv, tr, te);
      mm_decision_view_set_model (dv, model, params);
      mm_sample_grid_set_dataset (sg, images);
      mm_sample_grid_set_model (sg, img_model, img_params);
      mm_confusion_view_set_model (cv, model, params, te);
      /* Round 0: destroyed at once; later rounds: once the threads run. */
      if (round > 0)
        g_usleep (round * 3000);
      g_assert_true (mm_confusion_view_is_computing (cv));
      /* A newer request while busy, then the window goes. */
      mm_decision_view_set_model (dv, model, newer);
      gtk_window_destroy (GTK_WINDOW (win));
    }
  /* Let the workers finish and their results be dropped. */
  for (int i = 0; i < 400; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2500);
    }

  /* A view kept alive by a reference only (not in a window), disposed by
   * hand while busy, then released. */
  {
    GtkWidget *cv = g_object_ref_sink (mm_confusion_view_new ());
    mm_confusion_view_set_model (MM_CONFUSION_VIEW (cv), model, params, te);
    g_object_run_dispose (G_OBJECT (cv));
    /* After dispose the setters do nothing harmful. */
    mm_confusion_view_set_model (MM_CONFUSION_VIEW (cv), model, params, te);
    g_object_unref (cv);
  }
  for (int i = 0; i < 200; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2500);
    }
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/data-views/palette", test_palette);
  g_test_add_func ("/data-views/confusion-count", test_confusion_count);
  g_test_add_func ("/data-views/decision-view", test_decision_view);
  g_test_add_func ("/data-views/decision-view-shape", test_decision_view_shape);
  g_test_add_func ("/data-views/decision-view-burst", test_decision_view_burst);
  g_test_add_func ("/data-views/sample-grid", test_sample_grid);
  g_test_add_func ("/data-views/confusion-view", test_confusion_view);
  g_test_add_func ("/data-views/fashion-mnist", test_fashion_mnist);
  g_test_add_func ("/data-views/destroy-while-computing", test_destroy_while_computing);
  return g_test_run ();
}
