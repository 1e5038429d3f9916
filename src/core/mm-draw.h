/* mm-draw.h — data sets drawn by hand: 2-D points added and removed one at a
 * time (the app's "Draw" mode on the decision boundary).
 *
 * Data sets never change (mm-dataset.h), so each edit returns a new one; the
 * trainer thread may keep training on the old one until it is handed the new
 * one (mm_trainer_set_data).
 */
#pragma once

#include <glib.h>
#include "mm-dataset.h"

G_BEGIN_DECLS

/* The most classes a drawing offers. */
#define MM_DRAWN_MAX_CLASSES 16

/* @ds (NULL: no point yet) with the point (@x, @y) of class @label added at
 * the end. A data set holds at least one sample, so the first point makes
 * one with @n_classes classes (2 to MM_DRAWN_MAX_CLASSES); after that @ds
 * must hold 2-D points and @n_classes is its number of classes. */
MmDataset *mm_drawn_data_add          (MmDataset       *ds,
                                       guint            n_classes,
                                       double           x,
                                       double           y,
                                       guint32          label,
                                       GError         **error);
/* @ds without sample @index, in *@out; *@out is NULL when that was the last
 * point (no data set is left, which is not an error). */
gboolean   mm_drawn_data_remove       (MmDataset       *ds,
                                       gsize            index,
                                       MmDataset      **out,
                                       GError         **error);
/* The sample nearest to (@x, @y) no farther than @max_distance, or -1. */
gssize     mm_drawn_data_find_nearest (MmDataset       *ds,
                                       double           x,
                                       double           y,
                                       double           max_distance);
/* How many classes have at least one point. */
guint      mm_drawn_data_count_used_classes (MmDataset *ds);

G_END_DECLS
