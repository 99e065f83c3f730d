// Integer requantization arithmetic with TFLite Micro's reference semantics (gemmlowp rounding),
// so kernels built on it produce TFLM's bytes. Signed overflow that TFLM leaves to the hardware
// (wrap-around) is made explicit through uint32 arithmetic, so the results are the same and no
// input can trigger undefined behaviour.
#pragma once

#include <stdint.h>

namespace tmf {

constexpr int32_t kInt32Min = -2147483647 - 1;
constexpr int32_t kInt32Max = 2147483647;

inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

inline int32_t wrapping_sub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}

inline int32_t wrapping_mul(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
}

// Wrapping left shift; shift in [0, 31].
inline int32_t wrapping_shift_left(int32_t x, int shift) {
  return static_cast<int32_t>(static_cast<uint32_t>(x) << shift);
}

// round(a * b / 2^31), ties rounded up (toward +inf), saturating the single overflow case
// a == b == INT32_MIN. gemmlowp computes (ab + nudge) / 2^31 with a truncating division and
// nudge = 2^30 (ab >= 0) or 1 - 2^30 (ab < 0); both cases equal floor((ab + 2^30) / 2^31),
// which is one 64-bit add and shift (quant_math_test.cc checks the two forms agree).
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == kInt32Min && b == kInt32Min) return kInt32Max;
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  return static_cast<int32_t>((ab + (static_cast<int64_t>(1) << 30)) >> 31);
}

// x / 2^exponent rounded to nearest, ties away from zero; exponent in [0, 31].
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((static_cast<int64_t>(1) << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// x * multiplier * 2^shift with multiplier a Q31 value; shift in [-31, 30].
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  return rounding_divide_by_pot(
      saturating_rounding_doubling_high_mul(wrapping_shift_left(x, left_shift), multiplier),
      right_shift);
}

// multiply_by_quantized_multiplier() with the shift split in advance, for hot loops:
// left_shift = max(shift, 0), right_shift = max(-shift, 0). Same result for every input, given a
// validated multiplier (>= 0): then a == b == INT32_MIN cannot occur and the saturation test of
// saturating_rounding_doubling_high_mul() is not needed.
struct SplitMultiplier {
  int32_t multiplier;
  int32_t left_shift;
  int32_t right_shift;
};

inline SplitMultiplier split_multiplier(int32_t multiplier, int32_t shift) {
  return {multiplier, shift > 0 ? shift : 0, shift > 0 ? 0 : -shift};
}

inline int32_t multiply_by_split_multiplier(int32_t x, const SplitMultiplier& m) {
  const int64_t ab = static_cast<int64_t>(wrapping_shift_left(x, m.left_shift)) * m.multiplier;
  const int32_t high = static_cast<int32_t>((ab + (static_cast<int64_t>(1) << 30)) >> 31);
  return rounding_divide_by_pot(high, m.right_shift);
}

// The range a requantization pair may take after validation.
inline bool quantized_multiplier_is_valid(int32_t multiplier, int32_t shift) {
  return multiplier >= 0 && shift >= -31 && shift <= 30;
}

inline int32_t clamp_i32(int32_t x, int32_t lo, int32_t hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

}  // namespace tmf
