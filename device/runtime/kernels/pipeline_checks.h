// Shared checks and arithmetic of the pipeline ops (DSP_FEATURES, SCORE_*, DECISION_THRESHOLD):
// float32 tensors, batch-1 vectors and the int8 dequantization every score uses.
#pragma once

#include <stdint.h>

#include "../kernel.h"

namespace tmf {

// float32 without quantization (the pipeline's float tensors).
inline bool tensor_is_plain_float(const TensorRecord& t) {
  return t.type == kTensorTypeFloat32 && t.quant == kTensorQuantNone;
}

inline bool tensor_is_float_constant(const TensorRecord& t) {
  return tensor_is_plain_float(t) && t.storage == kTensorStorageConstant;
}

// One row of n values: n elements with n in the last dimension ([n], [1, n], ...).
inline bool tensor_is_row(const TensorRecord& t, uint32_t n) {
  return t.rank >= 1 && static_cast<uint32_t>(t.dims[t.rank - 1]) == n &&
         tensor_element_count(t) == n;
}

// The last dimension (the feature count of a row); 0 for a scalar.
inline uint32_t tensor_last_dim(const TensorRecord& t) {
  return t.rank >= 1 ? static_cast<uint32_t>(t.dims[t.rank - 1]) : 0u;
}

// A single float32 value (a score).
inline bool tensor_is_float_scalar(const TensorRecord& t) {
  return tensor_is_plain_float(t) && tensor_element_count(t) == 1;
}

// The int8 input's dequantization (scale, zero point) as params state it: it must equal the
// tensor's own.
inline bool params_match_quantization(const TensorRecord& t, float scale, int32_t zero_point) {
  return tensor_is_int8_per_tensor(t) && t.scale == scale && t.zero_point == zero_point;
}

// scale * (q - zero_point) rounded once to float, as DEQUANTIZE.
inline float dequantize_int8(int8_t q, float scale, int32_t zero_point) {
  return scale * static_cast<float>(static_cast<int32_t>(q) - zero_point);
}

}  // namespace tmf
