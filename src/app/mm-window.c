/* mm-window.c — the main window. */
#include "config.h"
#include "mm-window.h"

#include <glib/gi18n.h>

struct _MmWindow {
  GtkApplicationWindow parent_instance;

  GtkWidget *model_box;
  GtkWidget *training_box;
  GtkWidget *plot_box;
  GtkWidget *data_box;
  GtkWidget *status_state;
  GtkWidget *status_progress;
  GtkWidget *status_speed;
  GtkWidget *status_time;
  GtkWidget *toast_revealer;
  GtkWidget *toast_label;
  GtkAdjustment *speed_adjustment;
  guint toast_timeout;
};

G_DEFINE_FINAL_TYPE (MmWindow, mm_window, GTK_TYPE_APPLICATION_WINDOW)

static void
mm_window_dispose (GObject *object)
{
  MmWindow *self = MM_WINDOW (object);

  g_clear_handle_id (&self->toast_timeout, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), MM_TYPE_WINDOW);
  G_OBJECT_CLASS (mm_window_parent_class)->dispose (object);
}

static void
mm_window_class_init (MmWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/mymlstudio/Studio/mm-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MmWindow, model_box);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, training_box);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, plot_box);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, data_box);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, status_state);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, status_progress);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, status_speed);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, status_time);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, toast_revealer);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, toast_label);
  gtk_widget_class_bind_template_child (widget_class, MmWindow, speed_adjustment);
}

static void
mm_window_init (MmWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

MmWindow *
mm_window_new (MmApplication *app)
{
  return g_object_new (MM_TYPE_WINDOW, "application", app, NULL);
}
