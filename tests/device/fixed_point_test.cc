// fixed_point.h against three oracles:
//   - closed forms evaluated in double (exp, 1/(1+x), (1-x)/(1+x), logistic, tanh) over sweeps
//     of the whole argument range, within the tolerances stated per test (gemmlowp's own
//     accuracy: the largest error seen, rounded up);
//   - values traced by hand through the algorithm (the steps are in the comments);
//   - values printed by gemmlowp's fixedpoint.h (Debian libgemmlowp-dev, the library TFLM's
//     kernels adapt), for inputs on both sides of every special case.
#include "device/runtime/fixed_point.h"

#include <math.h>

#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

namespace fp = fixed_point;

constexpr double kQ31 = 2147483648.0;  // 2^31: Q0 raw units per 1.0

double q0_to_double(int32_t raw) { return raw / kQ31; }

// Largest |got - want| over a sweep, for one failure line per function instead of thousands.
struct MaxError {
  double max = 0.0;
  void add(double got, double want) {
    const double e = fabs(got - want);
    if (e > max) max = e;
  }
};

TMF_TEST(FixedPoint, ExpOnNegativeValuesMatchesExpWithin5e7) {
  MaxError q5, q0;
  for (int64_t x = 0; x >= -(static_cast<int64_t>(32) << 26); x -= 4099) {  // Q5.26: [-32, 0]
    q5.add(q0_to_double(fp::exp_on_negative_values<5>(static_cast<int32_t>(x))),
           exp(x / 67108864.0));
  }
  for (int64_t x = 0; x >= kInt32Min; x -= 65537) {  // Q0.31: [-1, 0]
    q0.add(q0_to_double(fp::exp_on_negative_values<0>(static_cast<int32_t>(x))), exp(x / kQ31));
  }
  TMF_EXPECT(q5.max < 5e-7);
  TMF_EXPECT(q0.max < 5e-7);
}

TMF_TEST(FixedPoint, ReciprocalsMatchClosedFormWithin2e8) {
  MaxError inverse, ratio;
  for (int64_t x = 0; x <= kInt32Max; x += 65537) {  // Q0.31: [0, 1)
    const double a = x / kQ31;
    inverse.add(q0_to_double(fp::one_over_one_plus_x_for_x_in_0_1(static_cast<int32_t>(x))),
                1 / (1 + a));
    ratio.add(q0_to_double(fp::one_minus_x_over_one_plus_x_for_x_in_0_1(static_cast<int32_t>(x))),
              (1 - a) / (1 + a));
  }
  TMF_EXPECT(inverse.max < 2e-8);
  TMF_EXPECT(ratio.max < 2e-8);
}

TMF_TEST(FixedPoint, LogisticAndTanhMatchClosedFormWithin3e7) {
  MaxError logistic, tanh_error;
  for (int64_t x = kInt32Min; x <= kInt32Max; x += 65537) {  // Q4.27: [-16, 16)
    const double a = x / 134217728.0;
    logistic.add(q0_to_double(fp::logistic<4>(static_cast<int32_t>(x))), 1 / (1 + exp(-a)));
    tanh_error.add(q0_to_double(fp::tanh<4>(static_cast<int32_t>(x))), tanh(a));
  }
  TMF_EXPECT(logistic.max < 2e-7);
  TMF_EXPECT(tanh_error.max < 3e-7);
}

TMF_TEST(FixedPoint, ReciprocalNormalisesIntoOneToTwo) {
  // 1.0 and 3.0 in Q12.19: 1/1 = 1.0 * 2^-0 (Q0 saturates at 1.0); 1/3 = (2/3) * 2^-1.
  int n = -1;
  TMF_EXPECT_EQ(fp::reciprocal(1 << 19, 12, &n), kInt32Max);
  TMF_EXPECT_EQ(n, 0);
  TMF_EXPECT_EQ(fp::reciprocal(3 << 19, 12, &n), 1431655762);  // gemmlowp's 1/(1 + 1/2)
  TMF_EXPECT_EQ(n, 1);
  MaxError e;
  for (int32_t x = 1 << 19; x < (1 << 30); x += 7919 * 101) {
    const int32_t r = fp::reciprocal(x, 12, &n);
    e.add(q0_to_double(r) / ldexp(1.0, n), 524288.0 / x);
  }
  TMF_EXPECT(e.max < 2e-8);
}

TMF_TEST(FixedPoint, ExactValuesTracedByHand) {
  // Special cases: exp(0) is the Q0 maximum, logistic(0) = 1/2, tanh(0) = 0.
  TMF_EXPECT_EQ(fp::exp_on_negative_values<5>(0), kInt32Max);
  TMF_EXPECT_EQ(fp::logistic<4>(0), 1 << 30);
  TMF_EXPECT_EQ(fp::tanh<4>(0), 0);
  // exp(-1/8) in Q0: a = -2^28, a & (2^29 - 1) = 2^28, so a mod 1/4 - 1/4 = -2^28 = a and the
  // barrel remainder is 0; the Taylor argument x = a + 2^28 = 0 zeroes every power, leaving the
  // expansion's constant exp(-1/8) = 1895147668.
  TMF_EXPECT_EQ(fp::exp_on_interval_between_negative_one_quarter_and_0_excl(-(1 << 28)),
                1895147668);
  TMF_EXPECT_EQ(fp::exp_on_negative_values<0>(-(1 << 28)), 1895147668);
  // exp(-1/4): x = -2^29 + 2^28 = -2^28; x^2 = 2^25, x^3 = -2^22, x^4 = 2^19 (all exact);
  // (2^19/4 - 2^22) * 715827883 / 2^31 rounds to -1354411; plus x^2 = 2^25 gives 32200021,
  // halved (rounding) 16100011; x + that = -252335445; 1895147668 plus
  // round(1895147668 * -252335445 / 2^31) = -222685249 gives 1672462419.
  TMF_EXPECT_EQ(fp::exp_on_interval_between_negative_one_quarter_and_0_excl(-(1 << 29)),
                1672462419);
  // exp(-1/2): a = -2^30 has a mod 1/4 = 0, so the interval part is exp(-1/4) above and the
  // remainder 2^29 sets the barrel bit for exp(-1/4) = 1672461947:
  // round(1672462419 * 1672461947 / 2^31) = 1302515042.
  TMF_EXPECT_EQ(fp::exp_on_negative_values<0>(-(1 << 30)), 1302515042);
  // 1/(1 + 0): half denominator 2^30; x0 = 48/17 - 32/17 * 1/2 = 1010580540 (Q2); the three
  // Newton steps give 1070026456, 1073728968, 1073741824 = 2.0 in Q2, which halved and read
  // as Q1 saturates to the Q0 maximum.
  TMF_EXPECT_EQ(fp::one_over_one_plus_x_for_x_in_0_1(0), kInt32Max);
}

struct GemmlowpCase {
  int32_t input;
  int32_t expected;
};

TMF_TEST(FixedPoint, MatchesGemmlowpValues) {
  const GemmlowpCase exp5[] = {{0, 2147483647},
                               {-1, 2147483124},
                               {-(1 << 24), 1672462419},
                               {-(1 << 26), 790015308},
                               {-3 * (1 << 25), 479168506},
                               {-(5 << 26), 14469635},
                               {-(17 << 26) - 12345, 89},
                               {-(31 << 26), 0},
                               {kInt32Min, 0}};
  for (const GemmlowpCase& c : exp5)
    TMF_EXPECT_EQ(fp::exp_on_negative_values<5>(c.input), c.expected);
  const GemmlowpCase exp0[] = {{-(1 << 28), 1895147668},
                               {-(1 << 29), 1672462419},
                               {-(1 << 30), 1302515042},
                               {kInt32Min, 790015308},
                               {-123456789, 2027508506}};
  for (const GemmlowpCase& c : exp0)
    TMF_EXPECT_EQ(fp::exp_on_negative_values<0>(c.input), c.expected);
  const GemmlowpCase inverse[] = {{0, 2147483647},
                                  {1 << 30, 1431655762},
                                  {kInt32Max, 1073741820},
                                  {1 << 29, 1717986914},
                                  {987654321, 1470967488}};
  for (const GemmlowpCase& c : inverse) {
    TMF_EXPECT_EQ(fp::one_over_one_plus_x_for_x_in_0_1(c.input), c.expected);
  }
  const GemmlowpCase ratio[] = {{0, 2147483647},
                                {1 << 30, 715827876},
                                {kInt32Max, -8},
                                {1 << 29, 1288490180},
                                {987654321, 794451328}};
  for (const GemmlowpCase& c : ratio) {
    TMF_EXPECT_EQ(fp::one_minus_x_over_one_plus_x_for_x_in_0_1(c.input), c.expected);
  }
  const GemmlowpCase logistic[] = {{0, 1073741824},         {1 << 27, 1569936226},
                                   {-(1 << 27), 577547421}, {3 << 27, 2045637336},
                                   {-(5 << 26), 162904245}, {kInt32Max, 2147483406},
                                   {kInt32Min, 241},        {1, 1073741948}};
  for (const GemmlowpCase& c : logistic) TMF_EXPECT_EQ(fp::logistic<4>(c.input), c.expected);
  const GemmlowpCase tanh_cases[] = {{0, 0},
                                     {1 << 27, 1635510876},
                                     {-(1 << 27), -1635510876},
                                     {3 << 27, 2136863820},
                                     {-(5 << 26), -2118738064},
                                     {kInt32Max, 2147483647},
                                     {kInt32Min, -2147483647},
                                     {1, 260}};
  for (const GemmlowpCase& c : tanh_cases) TMF_EXPECT_EQ(fp::tanh<4>(c.input), c.expected);
}

TMF_TEST(FixedPoint, SaturatingRoundingMultiplyByPowerOfTwo) {
  TMF_EXPECT_EQ(fp::saturating_rounding_multiply_by_pot(3, 2), 12);
  TMF_EXPECT_EQ(fp::saturating_rounding_multiply_by_pot(1 << 29, 2), kInt32Max);     // saturates
  TMF_EXPECT_EQ(fp::saturating_rounding_multiply_by_pot(-(1 << 29), 2), kInt32Min);  // exactly
  TMF_EXPECT_EQ(fp::saturating_rounding_multiply_by_pot(-(1 << 29) - 1, 2), kInt32Min);
  TMF_EXPECT_EQ(fp::saturating_rounding_multiply_by_pot(6, -2), 2);    // 1.5 -> 2
  TMF_EXPECT_EQ(fp::saturating_rounding_multiply_by_pot(-6, -2), -2);  // -1.5 -> -2
  TMF_EXPECT_EQ(fp::saturating_rounding_multiply_by_pot(5, -1), 3);    // 2.5 -> 3
  TMF_EXPECT_EQ((fp::rescale<12, 0>(kInt32Max)), 1 << 19);             // 1.0 in Q12.19
  TMF_EXPECT_EQ(fp::rounding_half_sum(kInt32Max, kInt32Max), kInt32Max);
  TMF_EXPECT_EQ(fp::rounding_half_sum(-3, 0), -2);  // -1.5 -> -2
}

}  // namespace
}  // namespace tmf
