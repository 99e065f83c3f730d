// Per-channel requantization arrays shared by FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D.
// In the params blob at `offset`: int32 multiplier[count], then int32 shift[count].
#pragma once

#include <stdint.h>

#include "../kernel.h"
#include "../quant_math.h"

namespace tmf {

constexpr uint32_t kTmfNoPerChannel = 0xFFFFFFFF;

struct RequantArrays {
  const int32_t* multiplier;
  const int32_t* shift;
};

// Null arrays if offset is kTmfNoPerChannel. Only valid after requant_arrays_check().
inline RequantArrays requant_arrays(const OpContext& ctx, uint32_t offset, uint32_t count) {
  if (offset == kTmfNoPerChannel) return {nullptr, nullptr};
  const int32_t* m = ctx.params_array<int32_t>(offset, 2 * count);
  return {m, m + count};
}

// Checks that the arrays lie inside the params blob and hold valid multiplier/shift pairs.
inline Status requant_arrays_check(const OpContext& ctx, uint32_t offset, uint32_t count) {
  if (offset == kTmfNoPerChannel) return Status::kOk;
  const int32_t* m = ctx.params_array<int32_t>(offset, 2 * count);
  if (m == nullptr) return Status::kErrBadParams;
  for (uint32_t c = 0; c < count; ++c) {
    if (!quantized_multiplier_is_valid(m[c], m[count + c])) return Status::kErrBadParams;
  }
  return Status::kOk;
}

}  // namespace tmf
