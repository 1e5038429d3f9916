/* myml.h — libmyml, the engine of MyML Studio. Include this one header. */
#pragma once

#include "mm-error.h"
#include "mm-tensor.h"
#include "mm-node.h"
#include "mm-tensordot.h"
#include "mm-sum.h"
#include "mm-elementwise.h"
#include "mm-shape-ops.h"
#include "mm-softmax.h"
#include "mm-backward.h"
#include "mm-params.h"
#include "mm-module.h"
#include "mm-loss.h"
#include "mm-optimizer.h"
#include "mm-dataset.h"
#include "mm-toy.h"
#include "mm-data-loader.h"
