// Fixed-point math on raw int32 values, in the convention of gemmlowp's fixedpoint.h that TFLite
// Micro's integer SOFTMAX, LOGISTIC and TANH are built on. A value with I integer bits ("QI")
// is raw / 2^(31 - I) and lies in [-2^I, 2^I); Q0 values lie in [-1, 1).
//
// Every function returns gemmlowp's result bit for bit, for every input. gemmlowp adds, subtracts
// and negates with plain int32 operators (undefined on overflow, two's-complement wrap-around on
// every target in practice); here those steps wrap explicitly, so no input is undefined behaviour
// and the bits are the ones the hardware gives TFLM.
#pragma once

#include <stdint.h>

#include "quant_math.h"

namespace tmf {
namespace fixed_point {

inline int32_t wrapping_neg(int32_t a) { return wrapping_sub(0, a); }

// Raw value of 1.0 with `integer_bits` integer bits; Q0 cannot hold 1.0 and uses its maximum.
constexpr int32_t one(int integer_bits) {
  return integer_bits == 0 ? kInt32Max : static_cast<int32_t>(1) << (31 - integer_bits);
}

// Product of a QIa and a QIb value, as a Q(Ia + Ib) value, rounded to nearest.
inline int32_t mul(int32_t a, int32_t b) { return saturating_rounding_doubling_high_mul(a, b); }

// (a + b) / 2 rounded to nearest, ties away from zero, without overflow.
inline int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = static_cast<int64_t>(a) + b;
  return static_cast<int32_t>((sum + (sum >= 0 ? 1 : -1)) / 2);
}

// x * 2^exponent, exponent in [-31, 31]: saturating to the int32 range when exponent > 0,
// rounding to nearest (ties away from zero) when exponent < 0.
inline int32_t saturating_rounding_multiply_by_pot(int32_t x, int exponent) {
  if (exponent < 0) return rounding_divide_by_pot(x, -exponent);
  const int64_t shifted = static_cast<int64_t>(x) * (static_cast<int64_t>(1) << exponent);
  if (shifted > kInt32Max) return kInt32Max;
  if (shifted < kInt32Min) return kInt32Min;
  return static_cast<int32_t>(shifted);
}

// The same value with DstBits instead of SrcBits integer bits (saturating or rounding).
template <int DstBits, int SrcBits>
inline int32_t rescale(int32_t x) {
  return saturating_rounding_multiply_by_pot(x, SrcBits - DstBits);
}

// Number of leading zero bits of x; 32 for 0.
inline int count_leading_zeros(uint32_t x) { return x == 0 ? 32 : __builtin_clz(x); }

// exp(a) for a Q0 value a in [-1/4, 0), as Q0: a 4th-order Taylor expansion around -1/8.
inline int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  constexpr int32_t kExpMinusOneEighth = 1895147668;                 // exp(-1/8) in Q0
  constexpr int32_t kOneThird = 715827883;                           // 1/3 in Q0
  const int32_t x = wrapping_add(a, static_cast<int32_t>(1) << 28);  // a + 1/8
  const int32_t x2 = mul(x, x);
  const int32_t x3 = mul(x2, x);
  const int32_t x4 = mul(x2, x2);
  const int32_t x4_over_4 = rounding_divide_by_pot(x4, 2);
  // x^4/24 + x^3/6 + x^2/2 = ((x^4/4 + x^3) / 3 + x^2) / 2
  const int32_t higher_terms =
      rounding_divide_by_pot(wrapping_add(mul(wrapping_add(x4_over_4, x3), kOneThird), x2), 1);
  return wrapping_add(kExpMinusOneEighth, mul(kExpMinusOneEighth, wrapping_add(x, higher_terms)));
}

// exp(a) for a QIntegerBits value a <= 0, as Q0 (exp(0) gives the Q0 maximum). The fractional
// part modulo 1/4 goes through the Taylor expansion; each set bit of the rest multiplies the
// result by exp(-2^k).
template <int IntegerBits>
inline int32_t exp_on_negative_values(int32_t a) {
  static_assert(IntegerBits >= 0 && IntegerBits <= 29, "unsupported fixed-point format");
  constexpr int kFractionalBits = 31 - IntegerBits;
  constexpr int32_t kOneQuarter = static_cast<int32_t>(1) << (kFractionalBits - 2);
  // exp(-2^k) in Q0 for k = -2 .. 4.
  static constexpr int32_t kExpMinusPowerOfTwo[7] = {1672461947, 1302514674, 790015084, 290630308,
                                                     39332535,   720401,     242};
  const int32_t a_mod_quarter_minus_one_quarter = (a & (kOneQuarter - 1)) - kOneQuarter;
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      rescale<0, IntegerBits>(a_mod_quarter_minus_one_quarter));
  const int32_t remainder = wrapping_sub(a_mod_quarter_minus_one_quarter, a);
  for (int k = -2; k <= 4; ++k) {
    if (IntegerBits > k && (remainder & (static_cast<int32_t>(1) << (kFractionalBits + k)))) {
      result = mul(result, kExpMinusPowerOfTwo[k + 2]);
    }
  }
  if (IntegerBits > 5) {
    // Below -32 the barrel above has no bits left: the result is 0.
    constexpr int32_t kMinusThirtyTwo =
        -(static_cast<int32_t>(1) << (IntegerBits > 5 ? 36 - IntegerBits : 0));
    if (a < kMinusThirtyTwo) result = 0;
  }
  return a == 0 ? one(0) : result;
}

namespace detail {

// Newton-Raphson iterations for 1 / (2 * half_denominator), a Q2 result; half_denominator is a
// Q0 value in [1/2, 1).
inline int32_t reciprocal_of_double(int32_t half_denominator) {
  constexpr int32_t k48Over17 = 1515870810;        // Q2
  constexpr int32_t kMinus32Over17 = -1010580540;  // Q2
  int32_t x = wrapping_add(k48Over17, mul(half_denominator, kMinus32Over17));
  for (int i = 0; i < 3; ++i) {
    const int32_t one_minus_half_denominator_times_x =
        wrapping_sub(one(2), mul(half_denominator, x));
    x = wrapping_add(x, rescale<2, 4>(mul(x, one_minus_half_denominator_times_x)));
  }
  return x;
}

}  // namespace detail

// 1 / (1 + a) for a Q0 value a in [0, 1), as Q0.
inline int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int32_t x = detail::reciprocal_of_double(rounding_half_sum(a, one(0)));
  return rescale<0, 1>(x);  // x / 2, read as Q1
}

// (1 - a) / (1 + a) for a Q0 value a in [0, 1), as Q0.
inline int32_t one_minus_x_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int32_t x = detail::reciprocal_of_double(rounding_half_sum(a, one(0)));
  return rescale<0, 2>(wrapping_sub(x, one(2)));  // 2 / (1 + a) - 1
}

// 1 / (1 + exp(-a)) for any QIntegerBits value a, as Q0 (1/2 exactly at a = 0).
template <int IntegerBits>
inline int32_t logistic(int32_t a) {
  const int32_t abs_a = a > 0 ? a : wrapping_neg(a);
  const int32_t if_positive =
      one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values<IntegerBits>(wrapping_neg(abs_a)));
  if (a == 0) return static_cast<int32_t>(1) << 30;
  return a > 0 ? if_positive : wrapping_sub(one(0), if_positive);
}

// tanh(a) for any QIntegerBits value a, as Q0: (1 - exp(-2|a|)) / (1 + exp(-2|a|)) with the sign
// of a; doubling |a| is free by reading it with one more integer bit.
template <int IntegerBits>
inline int32_t tanh(int32_t a) {
  const int32_t minus_abs_a = a < 0 ? a : wrapping_neg(a);
  const int32_t tanh_abs = one_minus_x_over_one_plus_x_for_x_in_0_1(
      exp_on_negative_values<IntegerBits + 1>(minus_abs_a));
  if (a == 0) return 0;
  return a < 0 ? wrapping_neg(tanh_abs) : tanh_abs;
}

// TFLite's GetReciprocal(): for x > 0 with `integer_bits` integer bits, a Q0 value r and
// *num_bits_over_unit n with 1/x = r * 2^-n (x is first normalised into [1, 2)).
inline int32_t reciprocal(int32_t x, int integer_bits, int* num_bits_over_unit) {
  const int headroom_plus_one = count_leading_zeros(static_cast<uint32_t>(x));
  *num_bits_over_unit = integer_bits - headroom_plus_one;
  const uint32_t normalised =
      headroom_plus_one < 32 ? static_cast<uint32_t>(x) << headroom_plus_one : 0u;
  const int32_t shifted_minus_one =
      static_cast<int32_t>(normalised - (static_cast<uint32_t>(1) << 31));
  return one_over_one_plus_x_for_x_in_0_1(shifted_minus_one);
}

}  // namespace fixed_point
}  // namespace tmf
