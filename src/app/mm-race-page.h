/* mm-race-page.h — the optimizer race: up to four optimizer settings train
 * the session's network from the same initial weights on the same batches
 * (MmRace), their losses on one plot, and for small networks the loss
 * landscape around the start with each lane's path on it (MmLandscape,
 * computed on a worker; the paths projected each frame). */
#pragma once

#include <gtk/gtk.h>
#include <myml.h>
#include "mm-session.h"
#include "mm-plot.h"
#include "mm-landscape-view.h"

G_BEGIN_DECLS

#define MM_TYPE_RACE_PAGE (mm_race_page_get_type ())
G_DECLARE_FINAL_TYPE (MmRacePage, mm_race_page, MM, RACE_PAGE, GtkBox)

GtkWidget       *mm_race_page_new            (MmSession   *session);

/* Lane @lane (0–3): whether it races, and its settings. */
void             mm_race_page_set_lane       (MmRacePage              *self,
                                              guint                    lane,
                                              gboolean                 enabled,
                                              const MmOptimizerConfig *config);
/* Starts a race with the checked lanes; FALSE (and the reason shown on the
 * page and in @error) when it cannot. */
gboolean         mm_race_page_start          (MmRacePage  *self,
                                              GError     **error);
void             mm_race_page_stop           (MmRacePage  *self);
/* Slow motion: this long after each round (default: a few ms for networks
 * small enough for the landscape, none otherwise). */
void             mm_race_page_set_round_delay (MmRacePage *self,
                                               guint       milliseconds);

MmRace          *mm_race_page_get_race       (MmRacePage  *self);
MmPlot          *mm_race_page_get_plot       (MmRacePage  *self);
MmLandscapeView *mm_race_page_get_landscape_view (MmRacePage *self);
/* Landscapes (grids) applied so far. */
guint            mm_race_page_get_n_landscapes (MmRacePage *self);

G_END_DECLS
