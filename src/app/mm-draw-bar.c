/* mm-draw-bar.c — "Draw your own data" for the decision boundary. */
#include "config.h"
#include "mm-draw-bar.h"
#include "mm-palette.h"

#include <glib/gi18n.h>

struct _MmDrawBar {
  GtkWidget parent_instance;

  MmSession *session;
  MmDecisionView *view;
  GtkGesture *gesture;          /* on the view */

  GtkWidget *box;
  GtkWidget *draw_toggle;
  GtkWidget *classes_box;
  GtkWidget *clear_button;
  GPtrArray *class_buttons;     /* GtkToggleButton, one per class */

  gboolean drawing;
  guint n_classes;
  guint current;
};

G_DEFINE_FINAL_TYPE (MmDrawBar, mm_draw_bar, GTK_TYPE_WIDGET)

static MmDataset *
drawn_data (MmDrawBar *self)
{
  MmDataset *train = mm_session_get_train_data (self->session);
  return train != NULL && mm_dataset_get_sample_size (train) == 2 ? train : NULL;
}

static void
swatch_draw (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        data)
{
  GdkRGBA color;

  mm_palette_class_color (GPOINTER_TO_UINT (data), &color);
  cairo_arc (cr, width / 2.0, height / 2.0, MIN (width, height) / 2.0 - 1, 0, 2 * G_PI);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0.12, 0.12, 0.12, 0.9);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

static void
class_toggled (GtkToggleButton *button,
               MmDrawBar       *self)
{
  if (gtk_toggle_button_get_active (button))
    self->current = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "class"));
}

static void
build_class_buttons (MmDrawBar *self)
{
  GtkWidget *child;
  GtkToggleButton *group = NULL;

  while ((child = gtk_widget_get_first_child (self->classes_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->classes_box), child);
  g_ptr_array_set_size (self->class_buttons, 0);
  for (guint c = 0; c < self->n_classes; c++)
    {
      g_autofree char *name = g_strdup_printf (_("Class %u"), c);
      GtkWidget *button = gtk_toggle_button_new ();
      GtkWidget *inner = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
      GtkWidget *swatch = gtk_drawing_area_new ();

      gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (swatch), 14);
      gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (swatch), 14);
      gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (swatch), swatch_draw, GUINT_TO_POINTER (c), NULL);
      gtk_box_append (GTK_BOX (inner), swatch);
      gtk_box_append (GTK_BOX (inner), gtk_label_new (name));
      gtk_button_set_child (GTK_BUTTON (button), inner);
      gtk_widget_set_tooltip_text (button, name);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      g_object_set_data (G_OBJECT (button), "class", GUINT_TO_POINTER (c));
      if (group != NULL)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), group);
      else
        group = GTK_TOGGLE_BUTTON (button);
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), c == self->current);
      g_signal_connect (button, "toggled", G_CALLBACK (class_toggled), self);
      gtk_box_append (GTK_BOX (self->classes_box), button);
      g_ptr_array_add (self->class_buttons, button);
    }
}

/* The data changed by hand: the session trains on them from the next step;
 * a run that had finished its epochs goes on from its weights, so the
 * boundary keeps following the points. */
static void
hand_over (MmDrawBar *self,
           MmDataset *train)
{
  mm_session_set_drawn_data (self->session, train);
  mm_decision_view_set_dataset (self->view, train, NULL);
  if (train != NULL && mm_session_get_state (self->session) == MM_TRAINER_FINISHED)
    mm_session_train (self->session, NULL);
}

void
mm_draw_bar_set_drawing (MmDrawBar *self,
                         gboolean   drawing)
{
  g_return_if_fail (MM_IS_DRAW_BAR (self));

  drawing = !!drawing;
  if (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->draw_toggle)) != drawing)
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->draw_toggle), drawing);
  if (self->drawing == drawing)
    return;
  self->drawing = drawing;
  if (drawing)
    {
      MmDataset *train = drawn_data (self);
      guint n = train != NULL ? mm_dataset_get_n_classes (train)
                              : mm_session_get_settings (self->session)->toy_classes;

      self->n_classes = CLAMP (n, 2, MM_DRAWN_MAX_CLASSES);
      self->current = MIN (self->current, self->n_classes - 1);
      build_class_buttons (self);
      mm_decision_view_set_drawing (self->view, self->n_classes);
      /* The test points are not part of a drawing. */
      hand_over (self, train);
    }
  else
    mm_decision_view_set_drawing (self->view, 0);
  gtk_widget_set_visible (self->classes_box, drawing);
  gtk_widget_set_visible (self->clear_button, drawing);
}

gboolean
mm_draw_bar_get_drawing (MmDrawBar *self)
{
  g_return_val_if_fail (MM_IS_DRAW_BAR (self), FALSE);
  return self->drawing;
}

guint
mm_draw_bar_get_n_classes (MmDrawBar *self)
{
  g_return_val_if_fail (MM_IS_DRAW_BAR (self), 0);
  return self->drawing ? self->n_classes : 0;
}

void
mm_draw_bar_set_class (MmDrawBar *self,
                       guint      class_index)
{
  g_return_if_fail (MM_IS_DRAW_BAR (self));
  if (class_index >= self->class_buttons->len)
    return;
  gtk_toggle_button_set_active (g_ptr_array_index (self->class_buttons, class_index), TRUE);
}

guint
mm_draw_bar_get_class (MmDrawBar *self)
{
  g_return_val_if_fail (MM_IS_DRAW_BAR (self), 0);
  return self->current;
}

void
mm_draw_bar_clear (MmDrawBar *self)
{
  g_return_if_fail (MM_IS_DRAW_BAR (self));
  if (self->drawing)
    hand_over (self, NULL);
}

gboolean
mm_draw_bar_click (MmDrawBar *self,
                   guint      button,
                   double     wx,
                   double     wy)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MmDataset) next = NULL;
  MmDataset *train;
  double x, y;

  g_return_val_if_fail (MM_IS_DRAW_BAR (self), FALSE);

  if (!self->drawing || !mm_decision_view_widget_to_data (self->view, wx, wy, &x, &y))
    return FALSE;
  train = drawn_data (self);
  if (button == GDK_BUTTON_PRIMARY)
    next = mm_drawn_data_add (train, self->n_classes, x, y, self->current, &error);
  else if (button == GDK_BUTTON_SECONDARY)
    {
      double reach = mm_decision_view_pixels_to_data (self->view, MM_DRAW_BAR_HIT_PIXELS *
                                                      mm_decision_view_get_scale (self->view));
      gssize hit = train != NULL ? mm_drawn_data_find_nearest (train, x, y, reach) : -1;

      if (hit < 0 || !mm_drawn_data_remove (train, (gsize) hit, &next, &error))
        return FALSE;
    }
  else
    return FALSE;
  if (error != NULL)
    {
      g_warning ("%s", error->message);
      return FALSE;
    }
  hand_over (self, next);
  return TRUE;
}

static void
view_pressed (GtkGestureClick *gesture,
              int              n_press,
              double           x,
              double           y,
              MmDrawBar       *self)
{
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));

  if (self->drawing && mm_draw_bar_click (self, button, x, y))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
draw_toggled (MmDrawBar *self)
{
  mm_draw_bar_set_drawing (self, gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->draw_toggle)));
}

/* Other data (a new data set chosen, or data being loaded) ends the drawing
 * when it cannot be drawn on. */
static void
data_changed (MmDrawBar *self)
{
  MmDataset *train = mm_session_get_train_data (self->session);

  if (!self->drawing)
    return;
  if (mm_session_get_data_state (self->session) == MM_DATA_STATE_LOADING ||
      (train != NULL && (mm_dataset_get_sample_size (train) != 2 ||
                         mm_dataset_get_n_classes (train) != self->n_classes)))
    mm_draw_bar_set_drawing (self, FALSE);
}

static void
mm_draw_bar_dispose (GObject *object)
{
  MmDrawBar *self = MM_DRAW_BAR (object);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  if (self->view != NULL && self->gesture != NULL)
    gtk_widget_remove_controller (GTK_WIDGET (self->view), GTK_EVENT_CONTROLLER (self->gesture));
  self->gesture = NULL;
  g_clear_object (&self->view);
  g_clear_object (&self->session);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->class_buttons, g_ptr_array_unref);
  G_OBJECT_CLASS (mm_draw_bar_parent_class)->dispose (object);
}

static void
mm_draw_bar_class_init (MmDrawBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mm_draw_bar_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "drawbar");
}

static void
mm_draw_bar_init (MmDrawBar *self)
{
  self->class_buttons = g_ptr_array_new ();
  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->draw_toggle = gtk_toggle_button_new_with_mnemonic (_("_Draw"));
  gtk_widget_set_tooltip_text (self->draw_toggle,
                               _("Draw your own data: pick a class, click to add a point, right-click to remove one"));
  self->classes_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);
  gtk_widget_add_css_class (self->classes_box, "linked");
  self->clear_button = gtk_button_new_with_mnemonic (_("C_lear"));
  gtk_widget_set_tooltip_text (self->clear_button, _("Remove every point and start from an empty canvas"));
  gtk_box_append (GTK_BOX (self->box), self->draw_toggle);
  gtk_box_append (GTK_BOX (self->box), self->classes_box);
  gtk_box_append (GTK_BOX (self->box), self->clear_button);
  gtk_widget_set_visible (self->classes_box, FALSE);
  gtk_widget_set_visible (self->clear_button, FALSE);
  g_signal_connect_swapped (self->draw_toggle, "toggled", G_CALLBACK (draw_toggled), self);
  g_signal_connect_swapped (self->clear_button, "clicked", G_CALLBACK (mm_draw_bar_clear), self);
}

GtkWidget *
mm_draw_bar_new (MmSession      *session,
                 MmDecisionView *view)
{
  MmDrawBar *self;

  g_return_val_if_fail (MM_IS_SESSION (session) && MM_IS_DECISION_VIEW (view), NULL);

  self = g_object_new (MM_TYPE_DRAW_BAR, NULL);
  self->session = g_object_ref (session);
  self->view = g_object_ref (view);
  self->gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (self->gesture), 0);
  g_signal_connect (self->gesture, "pressed", G_CALLBACK (view_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (view), GTK_EVENT_CONTROLLER (self->gesture));
  g_signal_connect_swapped (session, "data-changed", G_CALLBACK (data_changed), self);
  /* The bar is there whenever the view is. */
  g_object_bind_property (view, "visible", self, "visible", G_BINDING_SYNC_CREATE);
  return GTK_WIDGET (self);
}
