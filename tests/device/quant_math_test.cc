// quant_math.h against gemmlowp's arithmetic written out literally (the oracle below follows
// gemmlowp's SaturatingRoundingDoublingHighMul and RoundingDivideByPOT definitions), on edge
// values and a seeded pseudo-random sweep; and closed-form cases of the requantization.
#include "device/runtime/quant_math.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

int32_t oracle_srdhm(int32_t a, int32_t b) {
  if (a == b && a == kInt32Min) return kInt32Max;
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return static_cast<int32_t>((ab + nudge) / (static_cast<int64_t>(1) << 31));
}

uint32_t next(uint32_t* state) {  // xorshift32: reproducible on every platform
  *state ^= *state << 13;
  *state ^= *state >> 17;
  *state ^= *state << 5;
  return *state;
}

TMF_TEST(QuantMath, HighMulMatchesGemmlowpOnEdges) {
  const int32_t edges[] = {kInt32Min, kInt32Min + 1, -(1 << 30) - 1, -(1 << 30), -3, -2, -1, 0,
                           1, 2, 3, 1 << 30, (1 << 30) + 1, kInt32Max - 1, kInt32Max};
  for (int32_t a : edges) {
    for (int32_t b : edges) TMF_EXPECT_EQ(saturating_rounding_doubling_high_mul(a, b), oracle_srdhm(a, b));
  }
}

TMF_TEST(QuantMath, HighMulMatchesGemmlowpOnRandomPairs) {
  uint32_t state = 0x12345678u;
  int mismatches = 0;
  for (int i = 0; i < 200000; ++i) {
    const int32_t a = static_cast<int32_t>(next(&state));
    // Multipliers are usually in [2^30, 2^31); also try small and negative ones, and ties.
    int32_t b = static_cast<int32_t>(next(&state));
    if (i % 3 == 0) b = static_cast<int32_t>((next(&state) >> 1) | (1u << 30));
    if (i % 7 == 0) b = 1 << (next(&state) % 31);
    if (saturating_rounding_doubling_high_mul(a, b) != oracle_srdhm(a, b)) ++mismatches;
  }
  TMF_EXPECT_EQ(mismatches, 0);
}

TMF_TEST(QuantMath, RoundingDivideByPotRoundsHalfAwayFromZero) {
  TMF_EXPECT_EQ(rounding_divide_by_pot(5, 1), 3);    // 2.5 -> 3
  TMF_EXPECT_EQ(rounding_divide_by_pot(-5, 1), -3);  // -2.5 -> -3
  TMF_EXPECT_EQ(rounding_divide_by_pot(7, 2), 2);    // 1.75 -> 2
  TMF_EXPECT_EQ(rounding_divide_by_pot(-7, 2), -2);
  TMF_EXPECT_EQ(rounding_divide_by_pot(6, 2), 2);    // 1.5 -> 2
  TMF_EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);
  TMF_EXPECT_EQ(rounding_divide_by_pot(kInt32Max, 31), 1);
  TMF_EXPECT_EQ(rounding_divide_by_pot(kInt32Min, 31), -1);
}

TMF_TEST(QuantMath, MultiplyByQuantizedMultiplierClosedForms) {
  // multiplier 2^30 is 0.5 in Q31: x * 0.5 * 2^shift.
  TMF_EXPECT_EQ(multiply_by_quantized_multiplier(100, 1 << 30, 1), 100);
  TMF_EXPECT_EQ(multiply_by_quantized_multiplier(100, 1 << 30, 0), 50);
  TMF_EXPECT_EQ(multiply_by_quantized_multiplier(101, 1 << 30, 0), 51);    // 50.5 -> 51
  TMF_EXPECT_EQ(multiply_by_quantized_multiplier(-101, 1 << 30, 0), -50);  // gemmlowp: ties up
  TMF_EXPECT_EQ(multiply_by_quantized_multiplier(1000, 1 << 30, -3), 63);  // 62.5 -> 63
  TMF_EXPECT_EQ(multiply_by_quantized_multiplier(3, 1 << 30, 3), 12);
}

}  // namespace
}  // namespace tmf
