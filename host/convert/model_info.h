// Facts derived from a validated model, shared by `inspect`, benchmarks and (later) the
// cost model: multiply-accumulates per op and the arena lower bound from tensor lifetimes.
#pragma once

#include <cstdint>

#include "device/runtime/model.h"

namespace tmf::host {

// Multiply-accumulates of op `index` (FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D; 0 otherwise).
uint64_t op_macs(const Model& model, uint32_t index);
uint64_t model_macs(const Model& model);

// Largest sum of arena tensor bytes alive at one op: no plan of this graph can use less.
uint32_t arena_lower_bound(const Model& model);

}  // namespace tmf::host
