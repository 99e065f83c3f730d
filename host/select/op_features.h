// Loop-count features of one op of a validated model, as the kernel that runs it on a given
// kernel family would iterate: the cost model's per-op input (docs/select.md).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "device/runtime/model.h"

namespace tmf::select {

// Which kernels a core runs (docs/performance.md): reference kernels (Cortex-M0/M0+/M3), or the
// optimized twins for FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, pools and ADD (M4/M7/M33).
enum class KernelFamily { kReference, kDsp };

const char* kernel_family_name(KernelFamily family);
// "reference" or "dsp"; false for anything else.
bool parse_kernel_family(const std::string& name, KernelFamily* family);
// The kernels a QEMU core runs: cortex-m0/m3 reference, cortex-m4/m7/m33 dsp; false otherwise.
bool core_kernel_family(const std::string& core, KernelFamily* family);

struct OpFeatures {
  // Cost-table entry: the op name ("CONV_2D"), with ".reference" when a DSP core falls back to
  // the reference kernel for this op's shape (e.g. "DEPTHWISE_CONV_2D.reference").
  std::string key;
  // Named counts; "fixed" (= 1) comes first. Predicted instructions = sum of coefficient x count.
  std::vector<std::pair<std::string, double>> values;
};

// Features of op `index`. Ops the cost model does not describe yet get only "fixed" and their
// name as key; the cost table then has no entry for them and the prediction fails by name.
OpFeatures op_features(const Model& model, uint32_t index, KernelFamily family);

}  // namespace tmf::select
