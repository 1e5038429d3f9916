/* mm-layer-row.h — one layer of the network in the model builder's list. */
#pragma once

#include <gtk/gtk.h>
#include "mm-session.h"

G_BEGIN_DECLS

#define MM_TYPE_LAYER_ROW (mm_layer_row_get_type ())
G_DECLARE_FINAL_TYPE (MmLayerRow, mm_layer_row, MM, LAYER_ROW, GtkListBoxRow)

GtkWidget *mm_layer_row_new    (MmSession  *session,
                                guint       index);
guint      mm_layer_row_get_index (MmLayerRow *self);
/* Shows the session's layer @index as it is now (settings, shape, errors). */
void       mm_layer_row_update (MmLayerRow *self,
                                guint       index);
MmLayerKind mm_layer_row_get_kind (MmLayerRow *self);

G_END_DECLS
