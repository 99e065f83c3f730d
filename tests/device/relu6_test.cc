// RELU6 kernel: TFLM's int8 test vector (tflite-micro kernels/activations_test.cc,
// "SimpleRelu6TestInt8": zero point 127, so every output saturates at 127), then all 256
// inputs against the closed form clamp(x, zp, zp + round(6 / s)) at two quantizations. The
// bounds are TFLM's Prepare values (FloatToQuantizedType), worked out in the comments. Plus
// prepare() rejections.
#include "device/runtime/kernels/relu6.h"

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

void build_relu6(OpTest& t, const Relu6Params& p, Shape shape, float scale, int32_t zero_point) {
  const uint16_t in = t.input(kTensorTypeInt8, shape, scale, zero_point);
  const uint16_t out = t.output(kTensorTypeInt8, shape, scale, zero_point);
  t.op(kOpRelu6, p, &in, 1, &out, 1);
}

TMF_TEST(Relu6, TflmSimpleInt8) {
  // Scale 0.5, zp 127: {4, 5, 6, 7, 8} saturate to 127 on input, {-1..-5} are {125..117};
  // six = min(127, 127 + 12) = 127, so the clamp [127, 127] gives TFLM's golden: all 127.
  OpTest t;
  build_relu6(t, Relu6Params{127, 127}, Shape{2, {1, 10}}, 0.5f, 127);
  TMF_ASSERT(t.build() == Status::kOk);
  const int8_t x[10] = {127, 127, 127, 127, 127, 125, 123, 121, 119, 117};
  t.set_input(0, x, 10);
  TMF_ASSERT(t.invoke() == Status::kOk);
  for (int i = 0; i < 10; ++i) TMF_EXPECT_EQ(t.output_as<int8_t>(0)[i], 127);
}

TMF_TEST(Relu6, AllInputsClampToZeroAndSix) {
  int8_t x[256];
  for (int i = 0; i < 256; ++i) x[i] = static_cast<int8_t>(i - 128);
  struct Case {
    float scale;
    int32_t zero_point;
    int32_t six;  // zp + round(6 / scale)
  };
  const Case cases[2] = {{0.05f, -100, 20}, {0.1f, 0, 60}};
  for (const Case& c : cases) {
    OpTest t;
    build_relu6(t, Relu6Params{c.zero_point, c.six}, Shape{1, {256}}, c.scale, c.zero_point);
    TMF_ASSERT(t.build() == Status::kOk);
    t.set_input(0, x, 256);
    TMF_ASSERT(t.invoke() == Status::kOk);
    for (int i = 0; i < 256; ++i) {
      const int32_t want = x[i] < c.zero_point ? c.zero_point : (x[i] > c.six ? c.six : x[i]);
      TMF_EXPECT_EQ(t.output_as<int8_t>(0)[i], want);
    }
  }
}

Status build_status(const Relu6Params& p, TensorType out_type) {
  OpTest t;
  const uint16_t in = t.input(kTensorTypeInt8, Shape{1, {8}}, 0.1f, 0);
  const uint16_t out = t.output(out_type, Shape{1, {8}}, 0.1f, 0);
  t.op(kOpRelu6, p, &in, 1, &out, 1);
  return t.build();
}

TMF_TEST(Relu6, RejectsBadBounds) {
  TMF_EXPECT(build_status(Relu6Params{0, 60}, kTensorTypeInt8) == Status::kOk);
  TMF_EXPECT(build_status(Relu6Params{1, 60}, kTensorTypeInt8) ==
             Status::kErrBadParams);  // not the zp
  TMF_EXPECT(build_status(Relu6Params{0, 128}, kTensorTypeInt8) ==
             Status::kErrBadParams);  // above int8
  TMF_EXPECT(build_status(Relu6Params{0, -1}, kTensorTypeInt8) ==
             Status::kErrBadParams);  // below lower
  TMF_EXPECT(build_status(Relu6Params{0, 60}, kTensorTypeUint8) == Status::kErrTypeMismatch);
  OpTest t;
  const uint16_t in = t.input(kTensorTypeInt8, Shape{1, {8}}, 0.1f, 0);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{1, {8}}, 0.1f, 0);
  const Relu6Params p{0, 60};
  t.op_raw(kOpRelu6, &p, 4, &in, 1, &out, 1);
  TMF_EXPECT(t.build() == Status::kErrBadParams);
}

}  // namespace
}  // namespace tmf
