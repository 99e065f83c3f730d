// TFLM's int8 ADD Prepare, shared by SUB (its PrepareGeneralSubOp computes the same values).
#pragma once

#include "device/runtime/kernels/add.h"
#include "host/convert/lower.h"

namespace tmf::host {

// Checks two int8 per-tensor inputs broadcasting to an int8 per-tensor output and returns the
// rescaling params of add.h; fails naming the tensor whose scale TFLM cannot represent.
AddParams lower_add_params(LoweringContext& ctx);

}  // namespace tmf::host
