/* mm-cost.c — the cost meter. */
#include "mm-cost.h"
#include "mm-node-private.h"
#include "mm-elementwise.h"
#include "mm-module-private.h"

#include <string.h>

/* One meter per thread at most: the graph of a step is computed on one
 * thread (mm-node.h), so a thread-local pointer is all the hooks need. */
static _Thread_local MmCostMeter *current_meter;

typedef struct {
  GHashTable *index;   /* key → row position + 1 */
  GArray *rows;        /* MmCostRow */
} Grouping;

struct _MmCostMeter {
  Grouping groups[MM_COST_N_GROUPINGS];
};

struct _MmCostSummary {
  gint ref_count;
  guint64 step;
  double wall_seconds;
  GArray *rows[MM_COST_N_GROUPINGS];
};

static void
row_clear (gpointer data)
{
  MmCostRow *row = data;
  g_free (row->key);
  g_free (row->label);
}

static void
grouping_init (Grouping *g)
{
  g->index = g_hash_table_new (g_str_hash, g_str_equal);
  g->rows = g_array_new (FALSE, TRUE, sizeof (MmCostRow));
  g_array_set_clear_func (g->rows, row_clear);
}

static MmCostRow *
grouping_row (Grouping   *g,
              const char *key,
              gsize       key_len)
{
  g_autofree char *k = g_strndup (key, key_len);
  guint pos = GPOINTER_TO_UINT (g_hash_table_lookup (g->index, k));
  MmCostRow row = { 0 };

  if (pos > 0)
    return &g_array_index (g->rows, MmCostRow, pos - 1);
  row.key = g_steal_pointer (&k);
  row.label = g_strdup (row.key);
  g_array_append_val (g->rows, row);
  /* The table's keys are the rows' own strings: they live as long as the rows. */
  g_hash_table_insert (g->index, g_array_index (g->rows, MmCostRow, g->rows->len - 1).key,
                       GUINT_TO_POINTER (g->rows->len));
  return &g_array_index (g->rows, MmCostRow, g->rows->len - 1);
}

MmCostMeter *
mm_cost_meter_new (void)
{
  MmCostMeter *meter = g_new0 (MmCostMeter, 1);

  for (guint i = 0; i < MM_COST_N_GROUPINGS; i++)
    grouping_init (&meter->groups[i]);
  return meter;
}

void
mm_cost_meter_free (MmCostMeter *meter)
{
  if (meter == NULL)
    return;
  if (current_meter == meter)
    current_meter = NULL;
  for (guint i = 0; i < MM_COST_N_GROUPINGS; i++)
    {
      g_hash_table_unref (meter->groups[i].index);
      g_array_unref (meter->groups[i].rows);
    }
  g_free (meter);
}

void
mm_cost_meter_reset (MmCostMeter *meter)
{
  g_return_if_fail (meter != NULL);
  for (guint i = 0; i < MM_COST_N_GROUPINGS; i++)
    {
      g_hash_table_remove_all (meter->groups[i].index);
      g_array_set_size (meter->groups[i].rows, 0);
    }
}

MmCostMeter *
mm_cost_meter_install (MmCostMeter *meter)
{
  MmCostMeter *previous = current_meter;
  current_meter = meter;
  return previous;
}

MmCostMeter *
mm_cost_meter_get_current (void)
{
  return current_meter;
}

/* The layer a node belongs to: the first component of its scope ("1." of
 * "1.0."), or "" when no module built it. */
static const char *
layer_key (MmNode *node,
           gsize  *len)
{
  const char *scope = mm_node_get_scope (node);
  const char *dot;

  if (scope == NULL)
    {
      *len = 0;
      return "";
    }
  dot = strchr (scope, '.');
  *len = dot != NULL ? (gsize) (dot - scope) + 1 : strlen (scope);
  return scope;
}

void
mm_cost_meter_add (MmCostMeter *meter,
                   MmNode      *node,
                   MmCostPass   pass,
                   double       seconds,
                   guint64      flops)
{
  const char *key;
  gsize len;
  MmCostRow *rows[MM_COST_N_GROUPINGS];

  g_return_if_fail (meter != NULL && node != NULL && pass < MM_COST_N_PASSES);

  key = mm_node_get_cost_key (node);
  rows[MM_COST_BY_TYPE] = grouping_row (&meter->groups[MM_COST_BY_TYPE], key, strlen (key));
  key = layer_key (node, &len);
  rows[MM_COST_BY_LAYER] = grouping_row (&meter->groups[MM_COST_BY_LAYER], key, len);
  for (guint i = 0; i < MM_COST_N_GROUPINGS; i++)
    {
      rows[i]->seconds[pass] += seconds;
      rows[i]->flops[pass] += flops;
      rows[i]->n_nodes[pass]++;
    }
}

double
mm_cost_row_seconds (const MmCostRow *row)
{
  return row->seconds[MM_COST_FORWARD] + row->seconds[MM_COST_BACKWARD];
}

guint64
mm_cost_row_flops (const MmCostRow *row)
{
  return row->flops[MM_COST_FORWARD] + row->flops[MM_COST_BACKWARD];
}

static gint
compare_rows (gconstpointer a,
              gconstpointer b)
{
  double sa = mm_cost_row_seconds (a), sb = mm_cost_row_seconds (b);

  if (sa != sb)
    return sa > sb ? -1 : 1;
  return strcmp (((const MmCostRow *) a)->key, ((const MmCostRow *) b)->key);
}

MmCostSummary *
mm_cost_meter_summarize (MmCostMeter *meter,
                         guint64      step,
                         double       wall_seconds)
{
  MmCostSummary *s;

  g_return_val_if_fail (meter != NULL, NULL);

  s = g_new0 (MmCostSummary, 1);
  s->ref_count = 1;
  s->step = step;
  s->wall_seconds = wall_seconds;
  for (guint g = 0; g < MM_COST_N_GROUPINGS; g++)
    {
      GArray *src = meter->groups[g].rows;

      s->rows[g] = g_array_sized_new (FALSE, TRUE, sizeof (MmCostRow), src->len);
      g_array_set_clear_func (s->rows[g], row_clear);
      for (guint i = 0; i < src->len; i++)
        {
          MmCostRow row = g_array_index (src, MmCostRow, i);
          row.key = g_strdup (row.key);
          row.label = g_strdup (row.label);
          g_array_append_val (s->rows[g], row);
        }
      g_array_sort (s->rows[g], compare_rows);
    }
  for (guint i = 0; i < s->rows[MM_COST_BY_LAYER]->len; i++)
    {
      MmCostRow *row = &g_array_index (s->rows[MM_COST_BY_LAYER], MmCostRow, i);
      if (row->key[0] == '\0')
        {
          g_free (row->label);
          row->label = g_strdup ("loss and penalties");
        }
    }
  return s;
}

MmCostSummary *
mm_cost_summary_ref (MmCostSummary *summary)
{
  g_return_val_if_fail (summary != NULL, NULL);
  g_atomic_int_inc (&summary->ref_count);
  return summary;
}

void
mm_cost_summary_unref (MmCostSummary *summary)
{
  if (summary == NULL || !g_atomic_int_dec_and_test (&summary->ref_count))
    return;
  for (guint g = 0; g < MM_COST_N_GROUPINGS; g++)
    g_array_unref (summary->rows[g]);
  g_free (summary);
}

guint64
mm_cost_summary_get_step (MmCostSummary *summary)
{
  g_return_val_if_fail (summary != NULL, 0);
  return summary->step;
}

double
mm_cost_summary_get_wall_seconds (MmCostSummary *summary)
{
  g_return_val_if_fail (summary != NULL, 0.0);
  return summary->wall_seconds;
}

guint
mm_cost_summary_get_n_rows (MmCostSummary  *summary,
                            MmCostGrouping  grouping)
{
  g_return_val_if_fail (summary != NULL && grouping < MM_COST_N_GROUPINGS, 0);
  return summary->rows[grouping]->len;
}

const MmCostRow *
mm_cost_summary_get_row (MmCostSummary  *summary,
                         MmCostGrouping  grouping,
                         guint           index)
{
  g_return_val_if_fail (summary != NULL && grouping < MM_COST_N_GROUPINGS, NULL);
  g_return_val_if_fail (index < summary->rows[grouping]->len, NULL);
  return &g_array_index (summary->rows[grouping], MmCostRow, index);
}

const MmCostRow *
mm_cost_summary_lookup (MmCostSummary  *summary,
                        MmCostGrouping  grouping,
                        const char     *key)
{
  g_return_val_if_fail (summary != NULL && grouping < MM_COST_N_GROUPINGS && key != NULL, NULL);
  for (guint i = 0; i < summary->rows[grouping]->len; i++)
    {
      const MmCostRow *row = &g_array_index (summary->rows[grouping], MmCostRow, i);
      if (strcmp (row->key, key) == 0)
        return row;
    }
  return NULL;
}

double
mm_cost_summary_get_total_seconds (MmCostSummary *summary,
                                   MmCostPass     pass)
{
  double total = 0.0;

  g_return_val_if_fail (summary != NULL && pass < MM_COST_N_PASSES, 0.0);
  for (guint i = 0; i < summary->rows[MM_COST_BY_TYPE]->len; i++)
    total += g_array_index (summary->rows[MM_COST_BY_TYPE], MmCostRow, i).seconds[pass];
  return total;
}

guint64
mm_cost_summary_get_total_flops (MmCostSummary *summary,
                                 MmCostPass     pass)
{
  guint64 total = 0;

  g_return_val_if_fail (summary != NULL && pass < MM_COST_N_PASSES, 0);
  for (guint i = 0; i < summary->rows[MM_COST_BY_TYPE]->len; i++)
    total += g_array_index (summary->rows[MM_COST_BY_TYPE], MmCostRow, i).flops[pass];
  return total;
}

/* The module of a Sequential (or Input around one) that scope "i." names. */
static MmModule *
scope_module (MmModule   *model,
              const char *key)
{
  guint64 index;
  char *end = NULL;

  while (mm_module_get_n_children (model) == 1 && strcmp (mm_module_get_type_name (model), "Input") == 0)
    model = mm_module_get_child (model, 0);
  if (strcmp (mm_module_get_type_name (model), "Sequential") != 0)
    return NULL;
  index = g_ascii_strtoull (key, &end, 10);
  if (end == key || *end != '.' || index >= mm_module_get_n_children (model))
    return NULL;
  return mm_module_get_child (model, (guint) index);
}

void
mm_cost_summary_label_layers (MmCostSummary *summary,
                              MmModule      *model)
{
  GArray *rows;

  g_return_if_fail (summary != NULL && model != NULL);
  rows = summary->rows[MM_COST_BY_LAYER];
  for (guint i = 0; i < rows->len; i++)
    {
      MmCostRow *row = &g_array_index (rows, MmCostRow, i);
      MmModule *m = row->key[0] != '\0' ? scope_module (model, row->key) : NULL;

      if (m != NULL)
        {
          g_autofree char *what = mm_module_to_string (m);
          g_free (row->label);
          row->label = g_strdup_printf ("%.*s · %s", (int) strlen (row->key) - 1, row->key, what);
        }
    }
}

/* ---- Operation counts ------------------------------------------------------ */

const char *
mm_node_get_cost_key (MmNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);
  if (mm_node_is_elementwise (node))
    return mm_op_kind_name (mm_elementwise_get_op (node).kind);
  return node->klass->type_name;
}

guint64
mm_node_count_flops (MmNode         *node,
                     const gboolean *need)
{
  g_return_val_if_fail (node != NULL, 0);
  if (mm_node_is_constant (node))
    return 0;
  if (node->klass->flops != NULL)
    return node->klass->flops (node, need);
  return need == NULL ? mm_shape_size (&node->shape) : 0;
}
