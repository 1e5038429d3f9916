/* mm-view-model.c — the model and parameters a data view computes with. */
#include "mm-view-model.h"

gboolean
mm_view_model_set (MmViewModel *vm,
                   MmModule    *module,
                   MmParams    *params,
                   gboolean    *new_module)
{
  g_return_val_if_fail (vm != NULL, FALSE);

  *new_module = FALSE;
  if (module == vm->module && params == vm->params)
    return FALSE;

  *new_module = module != vm->module;
  if (module != NULL)
    mm_module_ref (module);
  if (params != NULL)
    mm_params_ref (params);
  mm_view_model_clear (vm);
  vm->module = module;
  vm->params = params;
  return TRUE;
}

gboolean
mm_view_model_ready (const MmViewModel *vm)
{
  return vm->module != NULL && vm->params != NULL;
}

void
mm_view_model_copy (MmViewModel       *dest,
                    const MmViewModel *src)
{
  g_return_if_fail (dest->module == NULL && dest->params == NULL);

  dest->module = src->module ? mm_module_ref (src->module) : NULL;
  dest->params = src->params ? mm_params_ref (src->params) : NULL;
}

void
mm_view_model_clear (MmViewModel *vm)
{
  g_clear_pointer (&vm->module, mm_module_unref);
  g_clear_pointer (&vm->params, mm_params_unref);
}
