/* mm-palette.h — colours shared by the data views.
 *
 * Class colours come from the Okabe–Ito palette, which people with the common
 * forms of colour blindness can still tell apart, followed by a few darker
 * extras (Paul Tol's "muted" tones). Past the table, hues are spread by the
 * golden angle so that any number of classes gets distinct colours.
 * Everything here is plain arithmetic: safe on any thread.
 */
#pragma once

#include <gdk/gdk.h>

G_BEGIN_DECLS

/* How many hand-picked colours there are before generated ones start. */
#define MM_PALETTE_N_FIXED 12

void   mm_palette_class_color (guint          index,
                               GdkRGBA       *out);

/* @a mixed with @b: t = 0 gives @a, t = 1 gives @b (alpha included). */
void   mm_palette_mix         (const GdkRGBA *a,
                               const GdkRGBA *b,
                               double         t,
                               GdkRGBA       *out);

/* Relative luminance (0 black … 1 white) of an opaque colour. */
double mm_palette_luminance   (const GdkRGBA *color);

/* A sequential colour map from almost white (t = 0) to a dark blue (t = 1),
 * for heat maps. */
void   mm_palette_heat        (double         t,
                               GdkRGBA       *out);

/* Colours that mean "right" and "wrong" (a bluish green and a vermillion,
 * which stay apart under red–green colour blindness). */
void   mm_palette_right       (GdkRGBA       *out);
void   mm_palette_wrong       (GdkRGBA       *out);

G_END_DECLS
