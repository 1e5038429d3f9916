/* mm-window.h — the main window: model builder, training settings, live views. */
#pragma once

#include <gtk/gtk.h>
#include "mm-application.h"
#include "mm-session.h"

G_BEGIN_DECLS

#define MM_TYPE_WINDOW (mm_window_get_type ())
G_DECLARE_FINAL_TYPE (MmWindow, mm_window, MM, WINDOW, GtkApplicationWindow)

MmWindow  *mm_window_new               (MmApplication *app);
MmSession *mm_window_get_session       (MmWindow      *self);
GtkWidget *mm_window_get_model_builder (MmWindow      *self);
GtkWidget *mm_window_get_plot          (MmWindow      *self);
GtkWidget *mm_window_get_decision_view (MmWindow      *self);
GtkWidget *mm_window_get_draw_bar      (MmWindow      *self);
GtkWidget *mm_window_get_cost_view     (MmWindow      *self);
GtkWidget *mm_window_get_text_samples  (MmWindow      *self);
GtkWidget *mm_window_get_attention_view (MmWindow     *self);
GtkWidget *mm_window_get_graph_page    (MmWindow      *self);
/* Save / open a project file as the menu does (errors while opening are
 * shown in a dialog and change nothing). */
gboolean   mm_window_save_project      (MmWindow      *self,
                                        const char    *path,
                                        GError       **error);
void       mm_window_open_project      (MmWindow      *self,
                                        const char    *path);
/* File → Export as PyTorch script: NAME.py with its weights and data beside it. */
gboolean   mm_window_export_pytorch    (MmWindow      *self,
                                        const char    *path,
                                        GError       **error);
/* Starting weights from a PyTorch state_dict (safetensors) for the network. */
gboolean   mm_window_import_pytorch    (MmWindow      *self,
                                        const char    *path,
                                        GError       **error);

/* The message shown at the bottom of the window now, or NULL. */
const char *mm_window_get_toast         (MmWindow      *self);

G_END_DECLS
