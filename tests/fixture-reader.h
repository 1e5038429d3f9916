/* fixture-reader.h — the PyTorch fixture files of tests/fixtures/ (made by
 * tests/gen-*-fixtures.py) and the comparison against their references,
 * shared by test-fixtures.c, test-conv.c, test-attention.c and test-rnn.c
 * (with the check of an expected error message those tests make).
 *
 * The format, one item a line (words separated by spaces or tabs):
 *   format 1
 *   case PATH
 *   op NAME
 *   param KEY WORDS…
 *   tensor ROLE NAME NDIM D1 … DN : X1 … XM
 *   end
 * with blank lines and lines starting with '#' ignored.
 */
#pragma once

#include <myml.h>

typedef struct {
  char *role;
  char *name;
  MmTensor *tensor;
} FxTensor;

typedef struct {
  char *path;
  char *op;
  guint line;
  GHashTable *params;       /* key → GStrv, the words after the key */
  GHashTable *param_lines;  /* key → the rest of the line after the key */
  GPtrArray *tensors;       /* FxTensor*, in file order */
} FxCase;

void fx_case_free (FxCase *fc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FxCase, fx_case_free)

/* Parses a whole fixture text into its cases (at least one). @roles, when
 * not NULL, lists the only tensor roles the file may use. */
GPtrArray *fx_parse (const char         *text,
                     const char * const *roles,
                     GError            **error);
/* The same for a file; errors are prefixed with @path. */
GPtrArray *fx_load (const char         *path,
                    const char * const *roles,
                    GError            **error);

/* One number of a fixture: a finite float, an unsigned integer ≤ @max. */
gboolean fx_parse_float (const char *word,
                         float      *out);
gboolean fx_parse_uint (const char *word,
                        guint64     max,
                        guint64    *out);

/* The first tensor of @role (and @name, unless NULL), or NULL. */
const FxTensor *fx_find_tensor (const FxCase *fc,
                                const char   *role,
                                const char   *name);
/* A parameter's words, or its whole text; both assert it is there. */
GStrv fx_param_words (const FxCase *fc,
                      const char   *key);
const char *fx_param (const FxCase *fc,
                      const char   *key);

/* Compares @got with @ref to |got − ref| ≤ rtol·|ref| + atol_scale·(1 + max|ref|).
 * Returns FALSE, with *failure set, on the first number out of tolerance
 * (and at once when *failure is already set); raises *worst to the largest
 * difference as a fraction of its tolerance. */
gboolean fx_check_close (const char     *what,
                         const MmTensor *got,
                         const MmTensor *ref,
                         double          rtol,
                         double          atol_scale,
                         double         *worst,
                         char          **failure);

/* Notes a passing case's worst fraction of the tolerance (also as a test
 * message); fx_print_worst prints the worst over the run as a TAP comment
 * and forgets it. */
void fx_record_worst (const FxCase *fc,
                      double        worst);
void fx_print_worst (void);

/* For the mistakes: @result must be NULL and *@errorp a message containing
 * @fragment (printed with g_test_message); clears *@errorp. */
void fx_expect_error (gpointer     result,
                      GError     **errorp,
                      const char  *fragment);
