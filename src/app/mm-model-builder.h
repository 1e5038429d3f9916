/* mm-model-builder.h — the palette of layers and the list of the network. */
#pragma once

#include <gtk/gtk.h>
#include "mm-session.h"

G_BEGIN_DECLS

#define MM_TYPE_MODEL_BUILDER (mm_model_builder_get_type ())
G_DECLARE_FINAL_TYPE (MmModelBuilder, mm_model_builder, MM, MODEL_BUILDER, GtkWidget)

GtkWidget *mm_model_builder_new          (MmSession      *session);
/* The row of layer @index (for tests and keyboard focus). */
GtkWidget *mm_model_builder_get_row      (MmModelBuilder *self,
                                          guint           index);
const char *mm_model_builder_get_problem_text (MmModelBuilder *self);
void       mm_model_builder_set_editable (MmModelBuilder *self,
                                          gboolean        editable);

G_END_DECLS
