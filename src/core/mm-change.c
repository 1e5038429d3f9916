/* mm-change.c — settings changed during a run, and the record of a run. */
#include "mm-change.h"
#include "mm-error.h"

#include <math.h>
#include <string.h>

/* Bounds as projects read them (mm-project.c). */
#define MAX_LR 1e6
#define MAX_PENALTY 1e6
#define MAX_CHANGES 1000000u

static const char *change_kind_names[] = {
  [MM_CHANGE_LR] = "lr",
  [MM_CHANGE_PENALTIES] = "penalties",
  [MM_CHANGE_OPTIMIZER] = "optimizer",
};

static void
change_init (MmChange     *change,
             MmChangeKind  kind)
{
  memset (change, 0, sizeof *change);
  change->kind = kind;
  change->lr = change->old_lr = NAN;
  change->l1 = change->l2 = change->old_l1 = change->old_l2 = NAN;
  mm_optimizer_config_init (&change->optimizer, MM_OPTIMIZER_SGD);
  mm_optimizer_config_init (&change->old_optimizer, MM_OPTIMIZER_SGD);
}

void
mm_change_init_lr (MmChange *change,
                   double    lr)
{
  g_return_if_fail (change != NULL);
  change_init (change, MM_CHANGE_LR);
  change->lr = lr;
}

void
mm_change_init_penalties (MmChange *change,
                          double    l1,
                          double    l2)
{
  g_return_if_fail (change != NULL);
  change_init (change, MM_CHANGE_PENALTIES);
  change->l1 = l1;
  change->l2 = l2;
}

void
mm_change_init_optimizer (MmChange                *change,
                          const MmOptimizerConfig *optimizer)
{
  g_return_if_fail (change != NULL && optimizer != NULL);
  change_init (change, MM_CHANGE_OPTIMIZER);
  change->optimizer = *optimizer;
  change->lr = optimizer->lr;
}

gboolean
mm_change_check (const MmChange  *change,
                 GError         **error)
{
  g_return_val_if_fail (change != NULL, FALSE);
  switch (change->kind)
    {
    case MM_CHANGE_LR:
      if (!(change->lr >= 0.0 && change->lr <= MAX_LR))
        {
          g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                       "The learning rate must be a number from 0 to %g, not %g", MAX_LR, change->lr);
          return FALSE;
        }
      return TRUE;
    case MM_CHANGE_PENALTIES:
      if (!(change->l1 >= 0.0 && change->l1 <= MAX_PENALTY) || !(change->l2 >= 0.0 && change->l2 <= MAX_PENALTY))
        {
          g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                       "L1 and L2 penalties must be numbers from 0 to %g, not %g and %g",
                       MAX_PENALTY, change->l1, change->l2);
          return FALSE;
        }
      return TRUE;
    case MM_CHANGE_OPTIMIZER:
      return mm_optimizer_config_check (&change->optimizer, error);
    default:
      g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, "Unknown kind of change (%d)", change->kind);
      return FALSE;
    }
}

gboolean
mm_change_list_check (const MmChange  *changes,
                      guint            n,
                      GError         **error)
{
  g_return_val_if_fail (changes != NULL || n == 0, FALSE);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) local = NULL;

      if (!mm_change_check (&changes[i], &local))
        {
          g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT, "Change %u (at step %" G_GUINT64_FORMAT "): %s",
                       i + 1, changes[i].step, local->message);
          return FALSE;
        }
      if (i > 0 && changes[i].step < changes[i - 1].step)
        {
          g_set_error (error, MM_ERROR, MM_ERROR_INVALID_ARGUMENT,
                       "Change %u is at step %" G_GUINT64_FORMAT ", before the change ahead of it (step %"
                       G_GUINT64_FORMAT "): the changes must be in the order of their steps",
                       i + 1, changes[i].step, changes[i - 1].step);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- Descriptions ---------------------------------------------------------- */

static void
add_number (GString    *s,
            const char *name,
            double      before,
            double      after)
{
  if (before == after || (isnan (before) && isnan (after)))
    return;
  if (s->len > 0)
    g_string_append (s, ", ");
  if (isnan (before))
    g_string_append_printf (s, "%s → %g", name, after);
  else
    g_string_append_printf (s, "%s %g → %g", name, before, after);
}

static void
add_flag (GString    *s,
          const char *name,
          gboolean    before,
          gboolean    after)
{
  if (!before == !after)
    return;
  if (s->len > 0)
    g_string_append (s, ", ");
  g_string_append_printf (s, "%s %s", name, after ? "on" : "off");
}

char *
mm_change_describe (const MmChange *c)
{
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (c != NULL, NULL);
  switch (c->kind)
    {
    case MM_CHANGE_LR:
      add_number (s, "lr", c->old_lr, c->lr);
      break;
    case MM_CHANGE_PENALTIES:
      add_number (s, "L1", c->old_l1, c->l1);
      add_number (s, "L2", c->old_l2, c->l2);
      break;
    case MM_CHANGE_OPTIMIZER:
      {
        const MmOptimizerConfig *a = &c->old_optimizer, *b = &c->optimizer;

        if (a->kind != b->kind || a->decoupled_weight_decay != b->decoupled_weight_decay)
          g_string_append_printf (s, "%s → %s", mm_optimizer_config_title (a), mm_optimizer_config_title (b));
        add_number (s, "lr", a->lr, b->lr);
        add_number (s, "momentum", a->momentum, b->momentum);
        add_number (s, "dampening", a->dampening, b->dampening);
        add_flag (s, "Nesterov", a->nesterov, b->nesterov);
        add_number (s, "α", a->alpha, b->alpha);
        add_number (s, "ε", a->eps, b->eps);
        add_flag (s, "centered", a->centered, b->centered);
        add_number (s, "β1", a->beta1, b->beta1);
        add_number (s, "β2", a->beta2, b->beta2);
        add_flag (s, "AMSGrad", a->amsgrad, b->amsgrad);
        add_number (s, "weight decay", a->weight_decay, b->weight_decay);
      }
      break;
    default:
      break;
    }
  if (s->len == 0)
    g_string_append (s, "no change");
  return g_string_free (s, FALSE);
}

/* ---- JSON ------------------------------------------------------------------------ */

static void
add_double (JsonBuilder *b,
            const char  *key,
            double       v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_double_value (b, v);
}

static void
add_bool (JsonBuilder *b,
          const char  *key,
          gboolean     v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_boolean_value (b, v);
}

static void
optimizer_to_json (const MmOptimizerConfig *o,
                   JsonBuilder             *b)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, mm_optimizer_kind_name (o->kind));
  add_double (b, "lr", o->lr);
  add_double (b, "momentum", o->momentum);
  add_double (b, "dampening", o->dampening);
  add_bool (b, "nesterov", o->nesterov);
  add_double (b, "alpha", o->alpha);
  add_double (b, "eps", o->eps);
  add_bool (b, "centered", o->centered);
  add_double (b, "beta1", o->beta1);
  add_double (b, "beta2", o->beta2);
  add_bool (b, "amsgrad", o->amsgrad);
  add_double (b, "weight_decay", o->weight_decay);
  add_bool (b, "decoupled_weight_decay", o->decoupled_weight_decay);
  json_builder_end_object (b);
}

void
mm_change_to_json (const MmChange *c,
                   JsonBuilder    *b)
{
  g_return_if_fail (c != NULL && b != NULL);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "step");
  json_builder_add_int_value (b, (gint64) c->step);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, change_kind_names[c->kind]);
  switch (c->kind)
    {
    case MM_CHANGE_LR:
      add_double (b, "lr", c->lr);
      break;
    case MM_CHANGE_PENALTIES:
      add_double (b, "l1", c->l1);
      add_double (b, "l2", c->l2);
      break;
    case MM_CHANGE_OPTIMIZER:
      json_builder_set_member_name (b, "optimizer");
      optimizer_to_json (&c->optimizer, b);
      break;
    default:
      break;
    }
  json_builder_end_object (b);
}

/* Reading: each value checked, the error names where it is. */
static gboolean
get_number (JsonObject  *o,
            const char  *where,
            const char  *key,
            gboolean     required,
            double      *out,
            GError     **error)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL)
    {
      if (!required)
        return TRUE;
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "%s.%s: missing", where, key);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || (json_node_get_value_type (n) != G_TYPE_DOUBLE &&
                                     json_node_get_value_type (n) != G_TYPE_INT64))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "%s.%s: not a number", where, key);
      return FALSE;
    }
  *out = json_node_get_double (n);
  if (!isfinite (*out))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "%s.%s: not a finite number", where, key);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_bool (JsonObject  *o,
          const char  *where,
          const char  *key,
          gboolean    *out,
          GError     **error)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "%s.%s: not true or false", where, key);
      return FALSE;
    }
  *out = json_node_get_boolean (n);
  return TRUE;
}

static gboolean
get_step (JsonObject  *o,
          const char  *where,
          guint64     *out,
          GError     **error)
{
  JsonNode *n = json_object_get_member (o, "step");

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64 ||
      json_node_get_int (n) < 0 || json_node_get_int (n) > (gint64) 1e15)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "%s.step: %s", where,
                   n == NULL ? "missing" : "not a step number (a whole number ≥ 0)");
      return FALSE;
    }
  *out = (guint64) json_node_get_int (n);
  return TRUE;
}

static gboolean
optimizer_from_json (JsonNode           *node,
                     const char         *where,
                     MmOptimizerConfig  *o,
                     GError            **error)
{
  JsonObject *obj;
  JsonNode *kind;
  g_autoptr(GError) local = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "%s: %s", where, node ? "not an object" : "missing");
      return FALSE;
    }
  obj = json_node_get_object (node);
  kind = json_object_get_member (obj, "kind");
  if (kind == NULL || !JSON_NODE_HOLDS_VALUE (kind) || json_node_get_value_type (kind) != G_TYPE_STRING)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "%s.kind: missing or not a string", where);
      return FALSE;
    }
  {
    MmOptimizerKind k;
    if (!mm_optimizer_kind_from_name (json_node_get_string (kind), &k))
      {
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "%s.kind: unknown optimizer “%s”", where,
                     json_node_get_string (kind));
        return FALSE;
      }
    mm_optimizer_config_init (o, k);
  }
  if (!get_number (obj, where, "lr", TRUE, &o->lr, error) ||
      !get_number (obj, where, "momentum", FALSE, &o->momentum, error) ||
      !get_number (obj, where, "dampening", FALSE, &o->dampening, error) ||
      !get_bool (obj, where, "nesterov", &o->nesterov, error) ||
      !get_number (obj, where, "alpha", FALSE, &o->alpha, error) ||
      !get_number (obj, where, "eps", FALSE, &o->eps, error) ||
      !get_bool (obj, where, "centered", &o->centered, error) ||
      !get_number (obj, where, "beta1", FALSE, &o->beta1, error) ||
      !get_number (obj, where, "beta2", FALSE, &o->beta2, error) ||
      !get_bool (obj, where, "amsgrad", &o->amsgrad, error) ||
      !get_number (obj, where, "weight_decay", FALSE, &o->weight_decay, error) ||
      !get_bool (obj, where, "decoupled_weight_decay", &o->decoupled_weight_decay, error))
    return FALSE;
  if (!(o->lr <= MAX_LR) || !mm_optimizer_config_check (o, &local))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "%s: %s", where,
                   local ? local->message : "the learning rate is too large");
      return FALSE;
    }
  return TRUE;
}

gboolean
mm_change_from_json (JsonNode  *node,
                     MmChange  *change,
                     GError   **error)
{
  JsonObject *obj;
  JsonNode *kind;
  const char *name;
  guint64 step;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (node != NULL && change != NULL, FALSE);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "change: not an object");
      return FALSE;
    }
  obj = json_node_get_object (node);
  if (!get_step (obj, "change", &step, error))
    return FALSE;
  kind = json_object_get_member (obj, "kind");
  name = kind && JSON_NODE_HOLDS_VALUE (kind) && json_node_get_value_type (kind) == G_TYPE_STRING
         ? json_node_get_string (kind) : NULL;
  if (g_strcmp0 (name, "lr") == 0)
    {
      mm_change_init_lr (change, NAN);
      if (!get_number (obj, "change", "lr", TRUE, &change->lr, error))
        return FALSE;
    }
  else if (g_strcmp0 (name, "penalties") == 0)
    {
      mm_change_init_penalties (change, 0, 0);
      if (!get_number (obj, "change", "l1", TRUE, &change->l1, error) ||
          !get_number (obj, "change", "l2", TRUE, &change->l2, error))
        return FALSE;
    }
  else if (g_strcmp0 (name, "optimizer") == 0)
    {
      MmOptimizerConfig o;
      if (!optimizer_from_json (json_object_get_member (obj, "optimizer"), "change.optimizer", &o, error))
        return FALSE;
      mm_change_init_optimizer (change, &o);
    }
  else
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT,
                   "change.kind: %s (lr, penalties or optimizer)", name ? "unknown kind of change" : "missing");
      return FALSE;
    }
  change->step = step;
  if (!mm_change_check (change, &local))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "change at step %" G_GUINT64_FORMAT ": %s",
                   step, local->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- The record of a run ------------------------------------------------------------ */

MmRunRecord *
mm_run_record_new (void)
{
  MmRunRecord *r = g_new0 (MmRunRecord, 1);

  r->seed = 42;
  mm_optimizer_config_init (&r->optimizer, MM_OPTIMIZER_SGD);
  r->changes = g_array_new (FALSE, FALSE, sizeof (MmChange));
  return r;
}

MmRunRecord *
mm_run_record_copy (const MmRunRecord *record)
{
  MmRunRecord *r;

  g_return_val_if_fail (record != NULL, NULL);
  r = g_new0 (MmRunRecord, 1);
  *r = *record;
  r->changes = g_array_copy (record->changes);
  return r;
}

void
mm_run_record_free (MmRunRecord *record)
{
  if (record == NULL)
    return;
  g_array_unref (record->changes);
  g_free (record);
}

void
mm_run_record_to_json (const MmRunRecord *r,
                       JsonBuilder       *b)
{
  g_return_if_fail (r != NULL && b != NULL);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, r->seed);
  json_builder_set_member_name (b, "optimizer");
  optimizer_to_json (&r->optimizer, b);
  add_double (b, "l1", r->l1);
  add_double (b, "l2", r->l2);
  json_builder_set_member_name (b, "changes");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->changes->len; i++)
    mm_change_to_json (&g_array_index (r->changes, MmChange, i), b);
  json_builder_end_array (b);
  json_builder_end_object (b);
}

MmRunRecord *
mm_run_record_from_json (JsonNode  *node,
                         GError   **error)
{
  g_autoptr(MmRunRecord) r = mm_run_record_new ();
  JsonObject *obj;
  JsonNode *n;
  JsonArray *a;

  g_return_val_if_fail (node != NULL, NULL);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "run: not an object");
      return NULL;
    }
  obj = json_node_get_object (node);
  n = json_object_get_member (obj, "seed");
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64 ||
      json_node_get_int (n) < 0 || json_node_get_int (n) > G_MAXUINT32)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "run.seed: %s",
                   n ? "not a whole number from 0 to 4294967295" : "missing");
      return NULL;
    }
  r->seed = (guint32) json_node_get_int (n);
  if (!optimizer_from_json (json_object_get_member (obj, "optimizer"), "run.optimizer", &r->optimizer, error) ||
      !get_number (obj, "run", "l1", FALSE, &r->l1, error) ||
      !get_number (obj, "run", "l2", FALSE, &r->l2, error))
    return NULL;
  if (!(r->l1 >= 0 && r->l1 <= MAX_PENALTY && r->l2 >= 0 && r->l2 <= MAX_PENALTY))
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "run: L1 and L2 must be from 0 to %g", MAX_PENALTY);
      return NULL;
    }
  n = json_object_get_member (obj, "changes");
  if (n == NULL)
    return g_steal_pointer (&r);
  if (!JSON_NODE_HOLDS_ARRAY (n) || json_array_get_length (a = json_node_get_array (n)) > MAX_CHANGES)
    {
      g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "run.changes: not a list of changes");
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      MmChange c;
      g_autoptr(GError) local = NULL;

      if (!mm_change_from_json (json_array_get_element (a, i), &c, &local))
        {
          g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "run.changes[%u]: %s", i, local->message);
          return NULL;
        }
      g_array_append_val (r->changes, c);
    }
  {
    g_autoptr(GError) local = NULL;
    if (!mm_change_list_check ((const MmChange *) (void *) r->changes->data, r->changes->len, &local))
      {
        g_set_error (error, MM_ERROR, MM_ERROR_FORMAT, "run.changes: %s", local->message);
        return NULL;
      }
  }
  return g_steal_pointer (&r);
}
