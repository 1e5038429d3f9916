/* bench-transformer — one epoch of next-character training of a small
 * transformer with libmyml, the counterpart of bench/pytorch-transformer.py
 * (run both with bench/bench-transformer.sh).
 *
 *   Embedding(V, 64) → PositionalEncoding(64) → 2 × TransformerBlock(64, 4,
 *   256, causal) → Linear(64, V)
 *
 * The text is cut into non-overlapping windows of --context characters (the
 * targets are the windows shifted by one), batches of --batch windows in a
 * seeded shuffled order, cross-entropy over every position, Adam lr 1e-3, one
 * thread. The training step is the library's own (mm_optimizer_step), as
 * myml-train and the app run it: ids (batch, time) in, logits (batch, time,
 * V) out, class-index targets (batch, time).
 *
 * Prints one JSON line per epoch as the PyTorch script does: {"epoch",
 * "epoch_seconds", "epoch_cpu_seconds", "steps", "final_loss", "mean_loss"};
 * the seconds count the training steps only (wall clock, and the process's
 * CPU time, which a busy machine disturbs less).
 */
#include <myml.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static char *text_path;
static gint n_synthetic = 200000;
static gint epochs = 1;
static gint context = 64;
static gint batch = 32;
static gint dim = 64;
static gint heads = 4;
static gint mlp = 256;
static gint blocks = 2;
static double lr = 1e-3;
static gint seed = 42;
static gint max_steps = 0;

static double
cpu_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const GOptionEntry entries[] = {
  { "text", 0, 0, G_OPTION_ARG_FILENAME, &text_path, "Train on this text file", "FILE" },
  { "synthetic", 0, 0, G_OPTION_ARG_INT, &n_synthetic, "Without --text: this many synthetic symbols", "N" },
  { "epochs", 0, 0, G_OPTION_ARG_INT, &epochs, "Epochs (1)", "N" },
  { "context", 0, 0, G_OPTION_ARG_INT, &context, "Characters per window (64)", "T" },
  { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Windows per batch (32)", "B" },
  { "dim", 0, 0, G_OPTION_ARG_INT, &dim, "Width (64)", "D" },
  { "heads", 0, 0, G_OPTION_ARG_INT, &heads, "Heads (4)", "H" },
  { "mlp", 0, 0, G_OPTION_ARG_INT, &mlp, "MLP width (256)", "F" },
  { "blocks", 0, 0, G_OPTION_ARG_INT, &blocks, "Transformer blocks (2)", "N" },
  { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Adam's learning rate (1e-3)", "LR" },
  { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Seed (42)", "S" },
  { "steps", 0, 0, G_OPTION_ARG_INT, &max_steps, "Stop an epoch after this many steps (0: all)", "N" },
  { NULL }
};

/* The characters of the text as symbols 0 … V − 1 (sorted byte values), or
 * the synthetic sequence of pytorch-transformer.py. */
static guint8 *
load_tokens (gsize   *n,
             guint   *vocab,
             GError **error)
{
  guint8 *out;

  if (text_path != NULL)
    {
      g_autofree char *data = NULL;
      gsize len;
      int lookup[256];
      guint v = 0;

      if (!g_file_get_contents (text_path, &data, &len, error))
        return NULL;
      for (guint i = 0; i < 256; i++)
        lookup[i] = -1;
      for (gsize i = 0; i < len; i++)
        lookup[(guint8) data[i]] = 1;
      for (guint i = 0; i < 256; i++)
        if (lookup[i] >= 0)
          lookup[i] = (int) v++;
      out = g_new (guint8, MAX (len, 1));
      for (gsize i = 0; i < len; i++)
        out[i] = (guint8) lookup[(guint8) data[i]];
      *n = len;
      *vocab = v;
      return out;
    }
  {
    guint64 state = 12345;
    out = g_new (guint8, MAX (n_synthetic, 1));
    for (gint i = 0; i < n_synthetic; i++)
      {
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF;
        out[i] = (guint8) ((state >> 16) % 64);
      }
    *n = n_synthetic;
    *vocab = 64;
    return out;
  }
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) octx = g_option_context_new ("— one epoch of a small transformer");
  g_autofree guint8 *tokens = NULL;
  g_autofree char *model_text = NULL;
  g_autoptr(MmModule) model = NULL;
  g_autoptr(GArray) specs = NULL;
  g_autoptr(MmParams) init = NULL;
  g_autoptr(MmLoss) ce = NULL;
  g_autoptr(MmLoss) loss = NULL;
  g_autoptr(GRand) rand = NULL;
  MmOptimizerConfig config;
  MmOptimizer *opt;
  g_autofree guint *order = NULL;
  gsize n_tokens, n_windows;
  guint V;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  mm_set_num_threads (1);
  tokens = load_tokens (&n_tokens, &V, &error);
  if (tokens == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  n_windows = n_tokens > 1 ? (n_tokens - 1) / context : 0;
  if (n_windows == 0)
    {
      g_printerr ("The text is shorter than one window of %d characters\n", context);
      return 1;
    }

  {
    GString *s = g_string_new (NULL);
    g_string_append_printf (s, "Embedding(%u, %d); PositionalEncoding(%d)", V, dim, dim);
    for (gint b = 0; b < blocks; b++)
      g_string_append_printf (s, "; TransformerBlock(%d, %d, %d, 1)", dim, heads, mlp);
    g_string_append_printf (s, "; Linear(%d, %u)", dim, V);
    model_text = g_string_free (s, FALSE);
  }
  model = mm_module_parse (model_text, &error);
  if (model == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  specs = mm_module_get_params (model);
  init = mm_params_init (specs, MM_INIT_XAVIER_UNIFORM, (guint32) seed, &error);
  ce = mm_loss_cross_entropy_new (0.0, &error);
  loss = mm_loss_one_hot_new (ce, V, &error);
  g_assert_no_error (error);
  mm_optimizer_config_init (&config, MM_OPTIMIZER_ADAM);
  config.lr = lr;
  opt = mm_optimizer_new (&config, model, loss, init, &error);
  g_assert_no_error (error);
  g_printerr ("# %s: %" G_GSIZE_FORMAT " parameters, %" G_GSIZE_FORMAT " symbols (%u kinds), %"
              G_GSIZE_FORMAT " windows of %d\n", model_text, mm_module_count_params (model), n_tokens, V,
              n_windows, context);

  rand = g_rand_new_with_seed ((guint32) seed);
  order = g_new (guint, n_windows);
  for (gsize i = 0; i < n_windows; i++)
    order[i] = (guint) i;

  for (gint epoch = 0; epoch < epochs; epoch++)
    {
      double t0, c0, seconds, cpu, sum = 0.0, last = 0.0;
      guint steps = 0;

      for (gsize i = n_windows; i > 1; i--)
        {
          gsize j = (gsize) g_rand_int_range (rand, 0, (gint32) i);
          guint tmp = order[i - 1];
          order[i - 1] = order[j];
          order[j] = tmp;
        }
      t0 = g_get_monotonic_time () / 1e6;
      c0 = cpu_seconds ();
      for (gsize start = 0; start < n_windows; start += batch)
        {
          gsize B = MIN ((gsize) batch, n_windows - start);
          g_autoptr(MmTensor) x = mm_tensor_new_dims (2, (gsize[]) { B, context }, &error);
          g_autoptr(MmTensor) y = mm_tensor_new_dims (2, (gsize[]) { B, context }, &error);
          g_autoptr(MmStepInfo) info = NULL;

          /* The characters in, the next characters as targets. */
          for (gsize b = 0; b < B; b++)
            {
              const guint8 *w = tokens + (gsize) order[start + b] * context;
              for (gint t = 0; t < context; t++)
                {
                  x->data[b * context + t] = w[t];
                  y->data[b * context + t] = w[t + 1];
                }
            }
          info = mm_optimizer_step (opt, x, y, &error);
          if (info == NULL)
            g_error ("%s", error->message);
          last = mm_step_info_get_loss (info);
          sum += last;
          steps++;
          if (max_steps > 0 && steps >= (guint) max_steps)
            break;
        }
      seconds = g_get_monotonic_time () / 1e6 - t0;
      cpu = cpu_seconds () - c0;
      printf ("{\"epoch\": %d, \"epoch_seconds\": %.4f, \"epoch_cpu_seconds\": %.4f, \"steps\": %u, "
              "\"vocab\": %u, \"windows\": %" G_GSIZE_FORMAT ", \"final_loss\": %.6f, \"mean_loss\": %.6f}\n",
              epoch + 1, seconds, cpu, steps, V, n_windows, last, sum / steps);
      fflush (stdout);
    }
  mm_optimizer_free (opt);
  g_free (text_path);
  return 0;
}
