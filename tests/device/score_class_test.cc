// SCORE_CLASS: 1 - dq(p[normal_index]) in closed form for a softmax output (scale 1/256, zero
// point -128): every value is exact in float.
#include "device/runtime/kernels/score_class.h"

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

Status build(OpTest& t, int32_t classes, int32_t normal_index, float params_scale = 1.0f / 256) {
  const uint16_t p = t.input(kTensorTypeInt8, Shape{2, {1, classes}}, 1.0f / 256, -128);
  const uint16_t out = t.output(kTensorTypeFloat32, Shape{1, {1}});
  const ScoreClassParams params{params_scale, -128, normal_index};
  t.op(kOpScoreClass, params, &p, 1, &out, 1);
  return t.build();
}

TMF_TEST(ScoreClass, OneMinusTheNormalProbability) {
  const int8_t probs[4] = {-128, 64, -64, 127};
  for (int32_t index = 0; index < 4; ++index) {
    OpTest t;
    TMF_ASSERT(build(t, 4, index) == Status::kOk);
    t.set_input(0, probs, 4);
    TMF_ASSERT(t.invoke() == Status::kOk);
    const float expected = 1.0f - static_cast<float>(probs[index] + 128) / 256.0f;
    TMF_EXPECT(t.output_as<float>(0)[0] == expected);
  }
}

TMF_TEST(ScoreClass, RejectsNormalIndexOutOfRange) {
  OpTest a;
  TMF_EXPECT(build(a, 4, 4) == Status::kErrBadParams);
  OpTest b;
  TMF_EXPECT(build(b, 4, -1) == Status::kErrBadParams);
}

TMF_TEST(ScoreClass, RejectsParamsQuantizationMismatch) {
  OpTest t;
  TMF_EXPECT(build(t, 4, 0, 1.0f / 128) == Status::kErrBadParams);
}

}  // namespace
}  // namespace tmf
