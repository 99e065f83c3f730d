// Checks shared by the kernels' prepare() functions.
#include "../kernel.h"

namespace tmf {

bool tensor_is_int8_per_tensor(const TensorRecord& t) {
  return t.type == kTensorTypeInt8 && t.quant == kTensorQuantPerTensor;
}

bool tensor_same_shape(const TensorRecord& a, const TensorRecord& b) {
  if (a.rank != b.rank) return false;
  for (uint32_t i = 0; i < kTmfMaxRank; ++i) {
    if (a.dims[i] != b.dims[i]) return false;
  }
  return true;
}

Status check_operand_counts(const OpContext& ctx, uint32_t min_inputs, uint32_t max_inputs,
                            uint32_t outputs) {
  if (ctx.op->input_count < min_inputs || ctx.op->input_count > max_inputs ||
      ctx.op->output_count != outputs) {
    return Status::kErrBadOperandCount;
  }
  for (uint32_t i = 0; i < min_inputs; ++i) {
    if (!ctx.has_input(i)) return Status::kErrBadOperandCount;
  }
  return Status::kOk;
}

Status check_activation_range(int32_t act_min, int32_t act_max, uint8_t type) {
  int32_t lo = 0, hi = 0;
  switch (type) {
    case kTensorTypeInt8: lo = -128; hi = 127; break;
    case kTensorTypeUint8: lo = 0; hi = 255; break;
    case kTensorTypeInt16: lo = -32768; hi = 32767; break;
    default: return Status::kErrTypeMismatch;
  }
  if (act_min < lo || act_max > hi || act_min > act_max) return Status::kErrBadParams;
  return Status::kOk;
}

}  // namespace tmf
