/* mm-palette.c — colours shared by the data views. */
#include "mm-palette.h"

#include <math.h>

static const guint32 fixed_colors[MM_PALETTE_N_FIXED] = {
  0x0072B2, /* blue (Okabe–Ito) */
  0xE69F00, /* orange */
  0x009E73, /* bluish green */
  0xCC79A7, /* reddish purple */
  0x56B4E9, /* sky blue */
  0xD55E00, /* vermillion */
  0xF0E442, /* yellow */
  0x882255, /* wine (Tol) */
  0x332288, /* indigo */
  0x999933, /* olive */
  0x6B6B6B, /* grey */
  0x44AA99, /* teal */
};

static void
rgb_from_hex (guint32  hex,
              GdkRGBA *out)
{
  out->red = ((hex >> 16) & 0xff) / 255.0f;
  out->green = ((hex >> 8) & 0xff) / 255.0f;
  out->blue = (hex & 0xff) / 255.0f;
  out->alpha = 1.0f;
}

/* HSV with s, v in [0, 1] and h in [0, 1). */
static void
rgb_from_hsv (double   h,
              double   s,
              double   v,
              GdkRGBA *out)
{
  double hh = h * 6.0;
  int sector = (int) floor (hh);
  double f = hh - sector;
  double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  double r, g, b;

  switch (((sector % 6) + 6) % 6)
    {
    case 0: r = v; g = t; b = p; break;
    case 1: r = q; g = v; b = p; break;
    case 2: r = p; g = v; b = t; break;
    case 3: r = p; g = q; b = v; break;
    case 4: r = t; g = p; b = v; break;
    default: r = v; g = p; b = q; break;
    }
  out->red = (float) r;
  out->green = (float) g;
  out->blue = (float) b;
  out->alpha = 1.0f;
}

void
mm_palette_class_color (guint    index,
                        GdkRGBA *out)
{
  g_return_if_fail (out != NULL);

  if (index < MM_PALETTE_N_FIXED)
    {
      rgb_from_hex (fixed_colors[index], out);
      return;
    }
  /* The golden angle spreads any run of consecutive indices over the circle;
   * three levels of value and saturation separate the near misses. */
  {
    guint k = index - MM_PALETTE_N_FIXED;
    double h = fmod (0.11 + k * 0.381966011250105, 1.0);
    double v = (k % 3 == 0) ? 0.85 : (k % 3 == 1) ? 0.65 : 0.5;
    double s = (k % 2 == 0) ? 0.75 : 0.55;
    rgb_from_hsv (h, s, v, out);
  }
}

void
mm_palette_mix (const GdkRGBA *a,
                const GdkRGBA *b,
                double         t,
                GdkRGBA       *out)
{
  g_return_if_fail (a != NULL && b != NULL && out != NULL);

  t = CLAMP (t, 0.0, 1.0);
  out->red = (float) (a->red + (b->red - a->red) * t);
  out->green = (float) (a->green + (b->green - a->green) * t);
  out->blue = (float) (a->blue + (b->blue - a->blue) * t);
  out->alpha = (float) (a->alpha + (b->alpha - a->alpha) * t);
}

static double
linear_channel (double c)
{
  return c <= 0.04045 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
}

double
mm_palette_luminance (const GdkRGBA *color)
{
  g_return_val_if_fail (color != NULL, 0.0);

  return 0.2126 * linear_channel (color->red)
       + 0.7152 * linear_channel (color->green)
       + 0.0722 * linear_channel (color->blue);
}

void
mm_palette_heat (double   t,
                 GdkRGBA *out)
{
  /* Stops of a white → blue ramp (like ColorBrewer's "Blues"). */
  static const guint32 stops[] = { 0xF7FBFF, 0xC6DBEF, 0x6BAED6, 0x2171B5, 0x08306B };
  const guint n = G_N_ELEMENTS (stops);
  GdkRGBA lo, hi;
  double x;
  guint i;

  g_return_if_fail (out != NULL);

  if (!isfinite (t))
    t = 0.0;
  t = CLAMP (t, 0.0, 1.0);
  x = t * (n - 1);
  i = MIN ((guint) floor (x), n - 2);
  rgb_from_hex (stops[i], &lo);
  rgb_from_hex (stops[i + 1], &hi);
  mm_palette_mix (&lo, &hi, x - i, out);
}

void
mm_palette_right (GdkRGBA *out)
{
  g_return_if_fail (out != NULL);
  rgb_from_hex (0x007A5A, out);
}

void
mm_palette_wrong (GdkRGBA *out)
{
  g_return_if_fail (out != NULL);
  rgb_from_hex (0xC84B00, out);
}
