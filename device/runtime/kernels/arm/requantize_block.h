// The output stage of the DSP kernels, run over a block of accumulators at a time so the loop
// keeps its pointers and bounds in registers (inline after each dot product, GCC spilled them).
// Same arithmetic as multiply_by_quantized_multiplier() + zero point + clamp, given validated
// multipliers (>= 0: the saturating case of the high multiply cannot occur).
#pragma once

#include <stdint.h>

#include "../../quant_math.h"

namespace tmf {

constexpr int32_t kRequantizeBlock = 64;  // accumulators a kernel collects before requantizing

struct RequantizeOutput {
  int32_t zero_point;
  int32_t act_min;
  int32_t act_max;
};

// Branch-free: both shift directions are applied, one of them by 0 (rounding_divide_by_pot by 0
// is the identity: its mask is 0).
inline int8_t requantize_one(int32_t acc, int32_t multiplier, int32_t shift, const RequantizeOutput& o) {
  const int32_t left = shift & ~(shift >> 31);  // max(shift, 0)
  const int32_t right = left - shift;           // max(-shift, 0)
  const int64_t product = static_cast<int64_t>(wrapping_shift_left(acc, left)) * multiplier;
  int32_t x = rounding_divide_by_pot(static_cast<int32_t>((product + (int64_t{1} << 30)) >> 31), right);
  x = wrapping_add(x, o.zero_point);
  x = x < o.act_min ? o.act_min : x;
  return static_cast<int8_t>(x > o.act_max ? o.act_max : x);
}

// out[i] = requantized acc[i] with multiplier[i], shift[i] (per-channel arrays already offset
// to the block's first channel).
inline void requantize_block_per_channel(const int32_t* acc, int32_t n, const int32_t* multiplier,
                                         const int32_t* shift, const RequantizeOutput& o, int8_t* out) {
  for (int32_t i = 0; i < n; ++i) out[i] = requantize_one(acc[i], multiplier[i], shift[i], o);
}

inline void requantize_block_per_tensor(const int32_t* acc, int32_t n, int32_t multiplier,
                                        int32_t shift, const RequantizeOutput& o, int8_t* out) {
  for (int32_t i = 0; i < n; ++i) out[i] = requantize_one(acc[i], multiplier, shift, o);
}

}  // namespace tmf
