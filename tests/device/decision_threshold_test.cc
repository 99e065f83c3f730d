// DECISION_THRESHOLD: 1 exactly when score > threshold (strict), 0 at equality, below and for NaN.
#include "device/runtime/kernels/decision_threshold.h"

#include <math.h>

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

Status build(OpTest& t, float threshold, TensorType out_type = kTensorTypeInt8, float out_scale = 0.0f) {
  const uint16_t score = t.input(kTensorTypeFloat32, Shape{1, {1}});
  const uint16_t out = t.output(out_type, Shape{1, {1}}, out_scale, 0);
  const DecisionThresholdParams p{threshold};
  t.op(kOpDecisionThreshold, p, &score, 1, &out, 1);
  return t.build();
}

int8_t decide(OpTest& t, float score) {
  t.set_input(0, &score, sizeof(score));
  return t.invoke() == Status::kOk ? t.output_as<int8_t>(0)[0] : -1;
}

TMF_TEST(DecisionThreshold, StrictlyAboveIsAnomalous) {
  OpTest t;
  TMF_ASSERT(build(t, 0.75f) == Status::kOk);
  TMF_EXPECT_EQ(decide(t, 0.7500001f), 1);
  TMF_EXPECT_EQ(decide(t, 0.75f), 0);
  TMF_EXPECT_EQ(decide(t, 0.7499999f), 0);
  TMF_EXPECT_EQ(decide(t, INFINITY), 1);
  TMF_EXPECT_EQ(decide(t, -INFINITY), 0);
  TMF_EXPECT_EQ(decide(t, NAN), 0);
}

TMF_TEST(DecisionThreshold, AcceptsUnitQuantizedOutput) {
  OpTest t;
  TMF_ASSERT(build(t, -2.0f, kTensorTypeInt8, 1.0f) == Status::kOk);
  TMF_EXPECT_EQ(decide(t, -1.0f), 1);
}

TMF_TEST(DecisionThreshold, RejectsNonFiniteThreshold) {
  OpTest a;
  TMF_EXPECT(build(a, INFINITY) == Status::kErrBadParams);
  OpTest b;
  TMF_EXPECT(build(b, NAN) == Status::kErrBadParams);
}

TMF_TEST(DecisionThreshold, RejectsScaledOutput) {
  OpTest t;
  TMF_EXPECT(build(t, 1.0f, kTensorTypeInt8, 0.5f) == Status::kErrBadQuantization);
}

TMF_TEST(DecisionThreshold, RejectsFloatOutput) {
  OpTest t;
  TMF_EXPECT(build(t, 1.0f, kTensorTypeFloat32) == Status::kErrTypeMismatch);
}

}  // namespace
}  // namespace tmf
