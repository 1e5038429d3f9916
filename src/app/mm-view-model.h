/* mm-view-model.h — the model and parameters a data view computes with.
 *
 * The decision boundary, the sample predictions and the confusion matrix take
 * a model and a parameter snapshot by the same rules:
 *
 *   - the pair held already changes nothing (its result is, or will be, shown);
 *   - new parameters of the same model are a request to the view's job (rate
 *     limited: during training they come every frame);
 *   - another model restarts the job: the running result would be wrong;
 *   - no model or no parameters cancel the job, and the view drops its result.
 *
 * mm_view_model_set() holds the pair; mm_view_job_update() (mm-view-job.h)
 * then tells the job, once the view has updated its other inputs.
 */
#pragma once

#include <glib.h>
#include <myml.h>

G_BEGIN_DECLS

typedef struct {
  MmModule *module;              /* or NULL */
  MmParams *params;              /* or NULL */
} MmViewModel;

/* Holds @module and @params (each may be NULL, references are taken) in place
 * of the pair held. FALSE, changing nothing, when they are that pair already;
 * otherwise TRUE, and @new_module says whether the module is another one. */
gboolean mm_view_model_set   (MmViewModel       *vm,
                              MmModule          *module,
                              MmParams          *params,
                              gboolean          *new_module);
/* TRUE when both a module and parameters are held. */
gboolean mm_view_model_ready (const MmViewModel *vm);
/* @dest holds what @src holds, with references of its own (for a job's
 * input: the worker reads them). @dest must hold nothing. */
void     mm_view_model_copy  (MmViewModel       *dest,
                              const MmViewModel *src);
/* Drops the references held. */
void     mm_view_model_clear (MmViewModel       *vm);

G_END_DECLS
