/* mm-attention-view.h — where each attention head looks, live.
 *
 * For a network with attention layers (MultiheadAttention, TransformerBlock),
 * a grid of small heat maps, one row per attention layer and one column per
 * head: cell (i, j) of a map is how much position i takes from position j —
 * the AttentionWeights node's value (mm-attention.h) for the first sample of
 * a fixed batch (the first test sample). Each row of a map sums to 1; a
 * causal layer's maps are zero above the diagonal. The sample's symbols
 * label the axes when they fit. One colour scale (white 0 → dark blue, the
 * largest weight shown) serves every map, so heads can be compared.
 *
 * The maps are computed on a worker thread from a parameter snapshot, at most
 * four times a second (see mm-view-job.h).
 */
#pragma once

#include <gtk/gtk.h>
#include <myml.h>

G_BEGIN_DECLS

/* Longer samples show their first positions only. */
#define MM_ATTENTION_VIEW_MAX_TIME 64

#define MM_TYPE_ATTENTION_VIEW (mm_attention_view_get_type ())
G_DECLARE_FINAL_TYPE (MmAttentionView, mm_attention_view, MM, ATTENTION_VIEW, GtkWidget)

GtkWidget   *mm_attention_view_new            (void);

/* The sample to look at: (T,) ids, with @symbols[id] naming each (NULL: no
 * labels). NULL @ids: none. */
void         mm_attention_view_set_sample     (MmAttentionView    *self,
                                               const float        *ids,
                                               gsize               length,
                                               const char * const *symbols,
                                               guint               n_symbols);
/* Schedules new maps. NULL @model or @params: none. */
void         mm_attention_view_set_model      (MmAttentionView *self,
                                               MmModule        *model,
                                               MmParams        *params);

void         mm_attention_view_set_scale      (MmAttentionView *self,
                                               double           scale);
double       mm_attention_view_get_scale      (MmAttentionView *self);
guint64      mm_attention_view_get_generation (MmAttentionView *self);
gboolean     mm_attention_view_is_computing   (MmAttentionView *self);

/* The maps shown: @n_layers × @n_heads maps of @time × @time weights
 * (row-major, layer by layer, head by head), or NULL. */
const float *mm_attention_view_get_maps       (MmAttentionView *self,
                                               guint           *n_layers,
                                               guint           *n_heads,
                                               guint           *time);
/* The label of layer @layer ("Layer 2, head 1" is drawn from it), or NULL. */
const char  *mm_attention_view_get_layer_name (MmAttentionView *self,
                                               guint            layer);
const char  *mm_attention_view_get_message    (MmAttentionView *self);

G_END_DECLS
