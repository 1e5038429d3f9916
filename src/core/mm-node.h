/* mm-node.h — immutable nodes of a computational graph.
 *
 * A node stands for an N-dimensional array computed from its inputs. Nodes are
 * immutable and reference counted; a node holds references to its inputs, so
 * dropping the root of a graph frees the whole graph. The value of a node is
 * computed lazily by mm_node_get_value() and cached.
 *
 * A graph is not thread-safe: build and evaluate it on one thread. Different
 * graphs may share constant tensors across threads (tensors are refcounted
 * atomically and never change once in a node).
 */
#pragma once

#include <glib.h>
#include "mm-tensor.h"

G_BEGIN_DECLS

typedef struct _MmNode MmNode;

MmNode         *mm_node_ref              (MmNode          *node);
void            mm_node_unref            (MmNode          *node);

const MmShape  *mm_node_get_shape        (MmNode          *node);
const MmTensor *mm_node_get_value        (MmNode          *node);
gboolean        mm_node_has_value        (MmNode          *node);

/* Short type name ("TensorDot", "Sin", …), a one-line description with the
 * node's settings ("TensorDot d=1"), and the chain rule it applies to pass the
 * gradient G of its output on to input @index ("∂L/∂A = G · Bᵀ"). */
const char     *mm_node_get_type_name    (MmNode          *node);
char           *mm_node_describe         (MmNode          *node);
char           *mm_node_get_rule         (MmNode          *node,
                                          guint            index);

guint           mm_node_get_n_inputs     (MmNode          *node);
MmNode         *mm_node_get_input        (MmNode          *node,
                                          guint            index);

/* A label is metadata for people (the graph view, messages): "A", "1.weight". */
const char     *mm_node_get_label        (MmNode          *node);
void            mm_node_set_label        (MmNode          *node,
                                          const char      *label);

/* The scope of the module that built the node: its parameters' name prefix
 * ("1." for the second layer of a Sequential, "1.0." nested deeper), set by
 * mm_module_construct; NULL for nodes no module built (inputs, the loss). */
const char     *mm_node_get_scope        (MmNode          *node);
void            mm_node_set_scope        (MmNode          *node,
                                          const char      *scope);

/* All nodes of the graph below @root, each once, inputs before the nodes that
 * use them (the order of a forward pass); @root is last. Iterative, so deep
 * graphs do not overflow the stack. The array holds references. */
GPtrArray      *mm_node_collect          (MmNode          *root);

/* Gradients of @root against @targets by reverse-mode differentiation.
 * @upstream is ∂L/∂root; it may be NULL only when @root has one element.
 * On success, out_grads[i] is a reference to a tensor of targets[i]'s shape
 * (zeros when @root does not depend on it); it may be shared, so call
 * mm_tensor_make_writable() before changing it. */
gboolean        mm_node_get_gradients_against (MmNode          *root,
                                               guint            n_targets,
                                               MmNode * const  *targets,
                                               const MmTensor  *upstream,
                                               MmTensor       **out_grads,
                                               GError         **error);

/* Constant: a leaf holding a tensor (a reference to it is taken). */
MmNode         *mm_constant_new          (MmTensor        *value);
MmNode         *mm_constant_new_labelled (MmTensor        *value,
                                          const char      *label);
gboolean        mm_node_is_constant      (MmNode          *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmNode, mm_node_unref)

G_END_DECLS
