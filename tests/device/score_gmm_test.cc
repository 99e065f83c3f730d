// SCORE_GMM against a double-precision -log sum_k exp(a_k) (log-sum-exp in double with libm), and
// closed forms: one component scores -log_norm + 0.5 sum inv_var d^2; components with
// astronomically small likelihoods (a_k ~ -1e4) still score finitely (stable log-sum-exp).
#include "device/runtime/kernels/score_gmm.h"

#include <math.h>

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

constexpr float kScale = 0.0625f;
constexpr int32_t kZeroPoint = -10;

struct Gmm {
  int32_t k, f;
  const float* means;
  const float* inv_var;
  const float* log_norm;
};

Status build(OpTest& t, const Gmm& g, int32_t log_norm_count = -1, int32_t inv_var_cols = -1) {
  const uint16_t x = t.input(kTensorTypeInt8, Shape{2, {1, g.f}}, kScale, kZeroPoint);
  const uint16_t means = t.constant(kTensorTypeFloat32, Shape{2, {g.k, g.f}}, g.means);
  const uint16_t inv_var = t.constant(kTensorTypeFloat32,
                                      Shape{2, {g.k, inv_var_cols >= 0 ? inv_var_cols : g.f}}, g.inv_var);
  const uint16_t log_norm = t.constant(
      kTensorTypeFloat32, Shape{1, {log_norm_count >= 0 ? log_norm_count : g.k}}, g.log_norm);
  const uint16_t out = t.output(kTensorTypeFloat32, Shape{1, {1}});
  const ScoreGmmParams p{kScale, kZeroPoint};
  const uint16_t inputs[4] = {x, means, inv_var, log_norm};
  t.op(kOpScoreGmm, p, inputs, 4, &out, 1);
  return t.build();
}

double oracle(const Gmm& g, const int8_t* x) {
  double a[8];
  double m = -INFINITY;
  for (int32_t k = 0; k < g.k; ++k) {
    double q = 0.0;
    for (int32_t i = 0; i < g.f; ++i) {
      const double d = static_cast<double>(kScale) * (x[i] - kZeroPoint) - g.means[k * g.f + i];
      q += g.inv_var[k * g.f + i] * d * d;
    }
    a[k] = g.log_norm[k] - 0.5 * q;
    m = a[k] > m ? a[k] : m;
  }
  double s = 0.0;
  for (int32_t k = 0; k < g.k; ++k) s += exp(a[k] - m);
  return -(m + log(s));
}

float run(OpTest& t, const int8_t* x, uint32_t f) {
  t.set_input(0, x, f);
  return t.invoke() == Status::kOk ? t.output_as<float>(0)[0] : NAN;
}

TMF_TEST(ScoreGmm, MatchesDoubleOracle) {
  const int32_t k = 3, f = 8;
  static float means[k * f], inv_var[k * f];
  const float log_norm[k] = {-9.5f, -8.25f, -11.0f};
  uint32_t state = 77;
  for (int32_t i = 0; i < k * f; ++i) {
    state = state * 1664525u + 1013904223u;
    means[i] = static_cast<float>(static_cast<int32_t>(state >> 20) % 400) / 100.0f - 2.0f;
    state = state * 1664525u + 1013904223u;
    inv_var[i] = 0.5f + static_cast<float>((state >> 20) % 300) / 100.0f;
  }
  const Gmm g{k, f, means, inv_var, log_norm};
  OpTest t;
  TMF_ASSERT(build(t, g) == Status::kOk);
  for (int trial = 0; trial < 6; ++trial) {
    int8_t x[f];
    for (int8_t& v : x) {
      state = state * 1664525u + 1013904223u;
      v = static_cast<int8_t>(static_cast<int32_t>(state >> 24) / 3 + kZeroPoint);
    }
    const double expected = oracle(g, x);
    TMF_EXPECT(fabs(run(t, x, f) - expected) <= 1e-5 * (fabs(expected) > 1.0 ? fabs(expected) : 1.0));
  }
}

TMF_TEST(ScoreGmm, OneComponentClosedForm) {
  // x reads {0.5, -1, 2}; mean {0, 0, 2}; inv_var {4, 1, 3}: q = 4*0.25 + 1 + 0 = 2, so the score
  // is -(log_norm - 1) = 3.25 exactly.
  const int8_t x[3] = {static_cast<int8_t>(8 + kZeroPoint), static_cast<int8_t>(-16 + kZeroPoint),
                       static_cast<int8_t>(32 + kZeroPoint)};
  const float means[3] = {0.0f, 0.0f, 2.0f}, inv_var[3] = {4.0f, 1.0f, 3.0f}, log_norm[1] = {-2.25f};
  OpTest t;
  TMF_ASSERT(build(t, Gmm{1, 3, means, inv_var, log_norm}) == Status::kOk);
  TMF_EXPECT(run(t, x, 3) == 3.25f);
}

TMF_TEST(ScoreGmm, FarFromEveryComponentStaysFinite) {
  // Terms near -1e4: exp underflows for each, the log-sum-exp does not.
  const int8_t x[2] = {127, 127};
  const float means[4] = {-100.0f, -100.0f, -90.0f, -100.0f};
  const float inv_var[4] = {1.0f, 1.0f, 1.0f, 1.0f};
  const float log_norm[2] = {-1.0f, -1.5f};
  const Gmm g{2, 2, means, inv_var, log_norm};
  OpTest t;
  TMF_ASSERT(build(t, g) == Status::kOk);
  const float got = run(t, x, 2);
  const double expected = oracle(g, x);
  TMF_EXPECT(expected > 1e4);
  TMF_EXPECT(fabs(got - expected) <= 1e-6 * expected);
}

TMF_TEST(ScoreGmm, RejectsLogNormCountMismatch) {
  static const float z[8] = {};
  OpTest t;
  TMF_EXPECT(build(t, Gmm{2, 2, z, z, z}, 3) == Status::kErrShapeMismatch);
}

TMF_TEST(ScoreGmm, RejectsInvVarShapeMismatch) {
  static const float z[8] = {};
  OpTest t;
  TMF_EXPECT(build(t, Gmm{2, 2, z, z, z}, -1, 3) == Status::kErrShapeMismatch);
}

}  // namespace
}  // namespace tmf
