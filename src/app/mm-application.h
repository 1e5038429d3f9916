/* mm-application.h — the GtkApplication: actions, accelerators, windows. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MM_TYPE_APPLICATION (mm_application_get_type ())
G_DECLARE_FINAL_TYPE (MmApplication, mm_application, MM, APPLICATION, GtkApplication)

MmApplication *mm_application_new (void);

G_END_DECLS
