/* mm-module.h — networks built from modules, as in the seed.
 *
 * A network (a module) does two things: it declares its parameters (names →
 * shapes, get_params) and, given an input node and a node for every parameter,
 * builds the graph that computes its output (construct). It owns no parameter
 * values. Sequential prefixes its children's parameter names with the child's
 * index ("1.weight"), and strips the prefix again when it passes them down.
 */
#pragma once

#include <glib.h>
#include "mm-node.h"
#include "mm-params.h"
#include "mm-elementwise.h"

G_BEGIN_DECLS

typedef struct _MmModule MmModule;

MmModule   *mm_module_ref           (MmModule        *module);
void        mm_module_unref         (MmModule        *module);
const char *mm_module_get_type_name (MmModule        *module);

/* The parameters, in a fixed order (an array of MmParamSpec). */
GArray     *mm_module_get_params    (MmModule        *module);
gsize       mm_module_count_params  (MmModule        *module);

/* Build the graph. @param_nodes maps every full parameter name to a node
 * (see mm_module_make_param_nodes). */
MmNode     *mm_module_construct     (MmModule        *module,
                                     MmNode          *input,
                                     GHashTable      *param_nodes,
                                     GError         **error);
/* The shape that comes out for an input of shape @in, without building
 * anything; errors name the layer at fault and the shapes that conflict. */
gboolean    mm_module_output_shape  (MmModule        *module,
                                     const MmShape   *in,
                                     MmShape         *out,
                                     GError         **error);

/* The network's output for a batch @x with the given parameter values (no
 * gradients): a convenience for predictions and views. */
MmTensor   *mm_module_predict       (MmModule        *module,
                                     MmParams        *params,
                                     MmTensor        *x,
                                     GError         **error);

/* name → Constant node (labelled with the name) for every parameter. */
GHashTable *mm_module_make_param_nodes (MmParams     *params);

/* The text form: "Flatten; Linear(784, 100); ReLU; Linear(100, 10)". */
char       *mm_module_to_string     (MmModule        *module);
MmModule   *mm_module_parse         (const char      *text,
                                     GError         **error);

/* Input(child): the network's entry, which receives a raw tensor. */
MmModule   *mm_module_input_new     (MmModule        *child);
MmNode     *mm_module_construct_tensor (MmModule     *module,
                                        MmTensor     *input,
                                        GHashTable   *param_nodes,
                                        GError      **error);

MmModule   *mm_module_sequential_new (guint           n_children,
                                      MmModule * const *children);
guint       mm_module_get_n_children (MmModule       *module);
MmModule   *mm_module_get_child      (MmModule       *module,
                                      guint           index);

MmModule   *mm_module_flatten_new   (void);
/* Linear(in, out): y = x · W + b with W of shape (in, out) and b of shape (out). */
MmModule   *mm_module_linear_new    (gsize            in_features,
                                     gsize            out_features,
                                     GError         **error);
gboolean    mm_module_get_linear_features (MmModule  *module,
                                           gsize     *in_features,
                                           gsize     *out_features);
/* An elementwise activation: ReLU, LeakyReLU(a), Sigmoid, Tanh, Softplus, … */
MmModule   *mm_module_activation_new (MmOp            op,
                                      GError         **error);
gboolean    mm_module_get_activation_op (MmModule    *module,
                                         MmOp        *op);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmModule, mm_module_unref)

G_END_DECLS
