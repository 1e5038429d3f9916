/* mm-run-log.c — settings changed during a run, as the app shows them. */
#include "config.h"
#include "mm-run-log.h"

#include <glib/gi18n.h>
#include <math.h>

static void
sep (GString *s)
{
  if (s->len > 0)
    g_string_append (s, ", ");
}

/* "name old → new", or "name → new" when the old value is not known. */
static void
number (GString    *s,
        const char *name,
        double      before,
        double      after)
{
  if (before == after)
    return;
  sep (s);
  if (isnan (before))
    g_string_append_printf (s, "%s → %g", name, after);
  else
    g_string_append_printf (s, "%s %g → %g", name, before, after);
}

static void
flag (GString    *s,
      const char *on,
      const char *off,
      gboolean    before,
      gboolean    after)
{
  if (!before == !after)
    return;
  sep (s);
  g_string_append (s, after ? on : off);
}

char *
mm_change_label (const MmChange *c)
{
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (c != NULL, NULL);
  switch (c->kind)
    {
    case MM_CHANGE_LR:
      number (s, _("lr"), c->old_lr, c->lr);
      break;
    case MM_CHANGE_PENALTIES:
      number (s, "L1", c->old_l1, c->l1);
      number (s, "L2", c->old_l2, c->l2);
      break;
    case MM_CHANGE_OPTIMIZER:
      {
        const MmOptimizerConfig *a = &c->old_optimizer, *b = &c->optimizer;

        if (a->kind != b->kind || a->decoupled_weight_decay != b->decoupled_weight_decay)
          g_string_append_printf (s, "%s → %s", mm_optimizer_config_title (a), mm_optimizer_config_title (b));
        number (s, _("lr"), a->lr, b->lr);
        number (s, _("momentum"), a->momentum, b->momentum);
        flag (s, _("Nesterov on"), _("Nesterov off"), a->nesterov, b->nesterov);
        number (s, "α", a->alpha, b->alpha);
        flag (s, _("centered on"), _("centered off"), a->centered, b->centered);
        number (s, "β1", a->beta1, b->beta1);
        number (s, "β2", a->beta2, b->beta2);
        flag (s, _("AMSGrad on"), _("AMSGrad off"), a->amsgrad, b->amsgrad);
        number (s, _("weight decay"), a->weight_decay, b->weight_decay);
      }
      break;
    default:
      break;
    }
  if (s->len == 0)
    g_string_append (s, mm_optimizer_config_title (&c->optimizer));
  return g_string_free (s, FALSE);
}

static gboolean
same_except_lr (const MmOptimizerConfig *a,
                const MmOptimizerConfig *b)
{
  MmOptimizerConfig x = *a;

  x.lr = b->lr;
  return x.kind == b->kind && x.momentum == b->momentum && x.dampening == b->dampening &&
         !x.nesterov == !b->nesterov && x.alpha == b->alpha && x.eps == b->eps && !x.centered == !b->centered &&
         x.beta1 == b->beta1 && x.beta2 == b->beta2 && !x.amsgrad == !b->amsgrad &&
         x.weight_decay == b->weight_decay && !x.decoupled_weight_decay == !b->decoupled_weight_decay;
}

void
mm_live_diff (const MmOptimizerConfig *old_optimizer,
              double                   old_l1,
              double                   old_l2,
              const MmOptimizerConfig *new_optimizer,
              double                   new_l1,
              double                   new_l2,
              GArray                  *changes)
{
  MmChange c;

  g_return_if_fail (old_optimizer != NULL && new_optimizer != NULL && changes != NULL);
  if (!same_except_lr (old_optimizer, new_optimizer))
    {
      mm_change_init_optimizer (&c, new_optimizer);
      g_array_append_val (changes, c);
    }
  else if (old_optimizer->lr != new_optimizer->lr)
    {
      mm_change_init_lr (&c, new_optimizer->lr);
      g_array_append_val (changes, c);
    }
  if (old_l1 != new_l1 || old_l2 != new_l2)
    {
      mm_change_init_penalties (&c, new_l1, new_l2);
      g_array_append_val (changes, c);
    }
}

void
mm_run_record_fill_old (MmRunRecord *r)
{
  MmOptimizerConfig o;
  double l1, l2;

  g_return_if_fail (r != NULL);
  o = r->optimizer;
  l1 = r->l1;
  l2 = r->l2;
  for (guint i = 0; i < r->changes->len; i++)
    {
      MmChange *c = &g_array_index (r->changes, MmChange, i);

      c->old_lr = o.lr;
      c->old_optimizer = o;
      c->old_l1 = l1;
      c->old_l2 = l2;
      if (c->kind == MM_CHANGE_LR)
        o.lr = c->lr;
      else if (c->kind == MM_CHANGE_OPTIMIZER)
        o = c->optimizer;
      else
        {
          l1 = c->l1;
          l2 = c->l2;
        }
    }
}
