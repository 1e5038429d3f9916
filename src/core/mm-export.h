/* mm-export.h — graduating to PyTorch: a project as a runnable PyTorch script,
 * and PyTorch's weights back into a project.
 *
 * The script rebuilds the network with torch.nn (an nn.Sequential whose
 * indices are the app's layer numbers, so the state_dict keys are ours:
 * "1.weight"), the loss, the optimizer with every setting, the L1/L2
 * penalties, the batch size, the seed, the data and the training loop. It is
 * plain Python for a student to read: each block says which part of the app
 * it stands for.
 *
 * Same numbers as the app: the script starts from the weights written beside
 * it, reads the same data (Fashion-MNIST from the same IDX files; toy and CSV
 * sets, with their 80/20 split, from .npy files written beside it), and by
 * default re-implements the app's small random number generator (SplitMix64)
 * for the order of the batches and the Dropout masks. Run with
 * `--random torch` it uses PyTorch's own random numbers instead.
 *
 * Files beside a script NAME.py (all optional but the script):
 *   NAME.safetensors                 weights, our layout (Linear (in, out))
 *   NAME-train-x.npy, NAME-train-y.npy, NAME-test-x.npy, NAME-test-y.npy
 *                                    float32 features, int64 classes
 *
 * Sequence models: Embedding, RNN, LSTM, Last, LayerNorm, MultiheadAttention,
 * PositionalEncoding and TransformerBlock become nn.Embedding, nn.RNN and
 * nn.LSTM (batch_first, over the whole sequence), a small Last module,
 * nn.LayerNorm, nn.MultiheadAttention (batch_first, with the causal mask), a
 * sinusoidal PositionalEncoding module and nn.TransformerEncoderLayer
 * (norm_first, batch_first, dropout 0, ReLU); the subclasses the script
 * defines only adapt forward() to nn.Sequential, so the state_dict keys are
 * ours ("2.weight_ih_l0", "3.self_attn.in_proj_weight") and the weights
 * load with load_state_dict(strict=True). The sequence data sets are not
 * shipped as arrays: the script reads the same text file and cuts the same
 * windows, or draws the same bracket strings with the app's generator, and
 * splits them as the app does (MmExportSequences). With a class at every
 * time step the loss is the cross-entropy of the (batch·time, classes) view.
 */
#pragma once

#include <glib.h>
#include "mm-project.h"
#include "mm-dataset.h"
#include "mm-module.h"
#include "mm-optimizer.h"
#include "mm-params.h"

G_BEGIN_DECLS

/* The sequence data sets of myml-train --data text|text:FILE|brackets,
 * which a project does not name (yet): what the script needs to make the
 * same samples. */
typedef enum {
  MM_EXPORT_SEQUENCES_NONE,
  MM_EXPORT_SEQUENCES_TEXT,       /* next character of a UTF-8 text */
  MM_EXPORT_SEQUENCES_BRACKETS,   /* are the brackets balanced? */
} MmExportSequenceKind;

typedef struct {
  MmExportSequenceKind kind;
  const char *text_path;      /* TEXT: the file (the script names it absolute) */
  gsize seq_len;              /* characters per window, brackets per string */
  gsize n_samples;            /* BRACKETS: strings drawn (mm_brackets_dataset_new) */
  guint32 seed;               /* BRACKETS: the generator's seed */
  double test_fraction;       /* the part split off for testing by the
                                 project's seed (mm_dataset_split); 0: none */
} MmExportSequences;

typedef struct {
  /* The weights file the script loads, a name beside the script; NULL: the
   * script draws its own with torch.nn.init (the project's initialisation,
   * PyTorch's random numbers). */
  const char *weights_file;
  /* Toy and CSV sets: the script reads PREFIX-train-x.npy … beside itself.
   * NULL: the weights file's name without its extension, or "data". */
  const char *data_prefix;
  /* Toy and CSV sets: only the training arrays exist (no test set). */
  gboolean no_test_set;
  /* A learning-rate schedule per epoch (myml-train --schedule); NULL or
   * MM_SCHEDULE_CONSTANT: none. */
  const MmSchedule *schedule;
  /* The first line of the script's description; NULL: "A MyML Studio project". */
  const char *title;
  /* The script's file name, for the examples in its description; NULL:
   * "script.py". */
  const char *script_name;
  /* A sequence data set instead of the project's data; NULL: the project's. */
  const MmExportSequences *sequences;
} MmExportOptions;

void       mm_export_options_init            (MmExportOptions       *options);

/* The script's text (UTF-8). Fails with a GError naming the layer or setting
 * that has no PyTorch equivalent, or what is wrong with the project. */
char      *mm_project_to_pytorch_script      (const MmProject       *project,
                                              const char            *weights_file,
                                              GError               **error);
char      *mm_project_to_pytorch_script_full (const MmProject       *project,
                                              const MmExportOptions *options,
                                              GError               **error);

/* TRUE when the script reads its data from .npy files (toy and CSV sets,
 * whose split and generation use the app's own random numbers). */
gboolean   mm_project_export_needs_data      (const MmProject       *project);

/* A float32 .npy file (numpy's format, version 1.0: magic, a header that is
 * a Python dict, then the little-endian numbers). */
gboolean   mm_export_write_npy               (const char            *path,
                                              const MmShape         *shape,
                                              const float           *data,
                                              GError               **error);
/* The features (float32, shape (n, sample shape…)) and the classes (int64,
 * shape (n,)) of @dataset as two .npy files. */
gboolean   mm_export_write_dataset           (MmDataset             *dataset,
                                              const char            *x_path,
                                              const char            *y_path,
                                              GError               **error);
/* DIR/PREFIX-train-x.npy, -train-y.npy and, when @test is not NULL,
 * -test-x.npy and -test-y.npy. */
gboolean   mm_export_write_data              (MmDataset             *train,
                                              MmDataset             *test,
                                              const char            *dir,
                                              const char            *prefix,
                                              GError               **error);

/* Everything at once, for File → Export → PyTorch script and myml-train
 * --export-pytorch: @script_path (NAME.py), NAME.safetensors beside it and,
 * for toy and CSV sets, the data arrays. @train and @test are the data the
 * project trains on (only needed for toy and CSV sets; NULL: loaded with
 * mm_project_load_data). @weights NULL: the project's weights, or when it has
 * none the initial weights the app would draw (its initialisation and seed),
 * so that the script's run is the app's run. @schedule may be NULL. */
gboolean   mm_export_pytorch_files           (const MmProject       *project,
                                              MmDataset             *train,
                                              MmDataset             *test,
                                              MmParams              *weights,
                                              const MmSchedule      *schedule,
                                              const char            *script_path,
                                              GError               **error);
/* The same for a sequence data set (@sequences) instead of the project's
 * data; NULL @sequences: mm_export_pytorch_files. */
gboolean   mm_export_pytorch_sequence_files  (const MmProject         *project,
                                              const MmExportSequences *sequences,
                                              MmParams                *weights,
                                              const MmSchedule        *schedule,
                                              const char              *script_path,
                                              GError                 **error);
/* The same with the project's own data and weights: what the app's menu item
 * calls. It may take a second for large data sets (run it off the UI thread
 * for CSV files). */
gboolean   mm_project_export_pytorch         (const MmProject       *project,
                                              const char            *script_path,
                                              GError               **error);

/* ---- PyTorch's weights ----------------------------------------------------
 * A PyTorch state_dict of the same architecture (the script's nn.Sequential,
 * or any model whose keys are "INDEX.weight", …) → our parameters: Linear
 * weights are transposed from (out, in) to (in, out), every other tensor is
 * taken as it is. Every key the model needs must be there with the right
 * shape; the error names the key. Keys the model does not have are refused
 * too, except BatchNorm's num_batches_tracked. */
MmParams  *mm_params_from_pytorch            (MmModule              *model,
                                              MmParams              *torch_state,
                                              GError               **error);
/* The other way: our parameters in PyTorch's layout. */
MmParams  *mm_params_to_pytorch              (MmModule              *model,
                                              MmParams              *params,
                                              GError               **error);
/* A .safetensors file written by PyTorch (safetensors.torch.save_file, or the
 * script's own writer): integer tensors (num_batches_tracked) are skipped. A
 * file in our own layout (it says so in its metadata) is refused, since its
 * Linear weights would be transposed twice. */
MmParams  *mm_params_load_pytorch            (const char            *path,
                                              GError               **error);

G_END_DECLS
