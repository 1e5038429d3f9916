/* mm-error.h — the error domain of libmyml.
 *
 * Every fallible call of the core reports through a GError of this domain; the
 * core never aborts on bad input.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MM_ERROR (mm_error_quark ())

typedef enum {
  MM_ERROR_SHAPE,            /* shapes that do not fit together */
  MM_ERROR_INVALID_ARGUMENT, /* a parameter outside its range */
  MM_ERROR_TOO_LARGE,        /* a tensor too large to allocate */
  MM_ERROR_IO,               /* a file that cannot be read or written */
  MM_ERROR_FORMAT,           /* a file or text whose content is malformed */
  MM_ERROR_NUMERIC,          /* NaN or infinity where a finite number is required */
  MM_ERROR_CANCELLED,        /* an operation stopped on request */
} MmError;

GQuark mm_error_quark (void);

G_END_DECLS
