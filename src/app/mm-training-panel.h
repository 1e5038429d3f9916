/* mm-training-panel.h — data set, loss, optimizer, regularization and run settings. */
#pragma once

#include <gtk/gtk.h>
#include "mm-session.h"

G_BEGIN_DECLS

#define MM_TYPE_TRAINING_PANEL (mm_training_panel_get_type ())
G_DECLARE_FINAL_TYPE (MmTrainingPanel, mm_training_panel, MM, TRAINING_PANEL, GtkWidget)

GtkWidget *mm_training_panel_new (MmSession *session);

G_END_DECLS
