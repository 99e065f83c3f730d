// DEQUANTIZE kernel against TFLM's own expression, (float)((double)scale * (x - zero_point))
// (tflite-micro reference/dequantize.h), evaluated here in double, bit for bit: all 256 int8
// inputs at two quantizations and int16 inputs across their range. Plus prepare() rejections.
#include "device/runtime/kernels/dequantize.h"

#include <string.h>

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

float tflm_dequantize(float scale, int32_t zero_point, int32_t x) {
  return static_cast<float>(static_cast<double>(scale) * (x - zero_point));
}

template <typename T>
void check_dequantize(TmfTestState* tmf_test_state_, TensorType type, const T* x, uint32_t n,
                      float scale, int32_t zero_point) {
  OpTest t;
  const Shape shape = {1, {static_cast<int32_t>(n)}};
  const uint16_t in = t.input(type, shape, scale, zero_point);
  const uint16_t out = t.output(kTensorTypeFloat32, shape);
  t.op(kOpDequantize, DequantizeParams{scale, zero_point}, &in, 1, &out, 1);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, x, n * sizeof(T));
  TMF_ASSERT(t.invoke() == Status::kOk);
  for (uint32_t i = 0; i < n; ++i) {
    const float want = tflm_dequantize(scale, zero_point, x[i]);
    TMF_EXPECT(memcmp(&t.output_as<float>(0)[i], &want, sizeof(float)) == 0);
  }
}

TMF_TEST(Dequantize, Int8MatchesTflmExpressionBitForBit) {
  int8_t x[256];
  for (int i = 0; i < 256; ++i) x[i] = static_cast<int8_t>(i - 128);
  check_dequantize(tmf_test_state_, kTensorTypeInt8, x, 256, 0.1f, 3);
  check_dequantize(tmf_test_state_, kTensorTypeInt8, x, 256, 0.0078125f * 1.37f, -128);
}

TMF_TEST(Dequantize, Int16MatchesTflmExpressionBitForBit) {
  int16_t x[512];
  for (int i = 0; i < 512; ++i) x[i] = static_cast<int16_t>(i * 127 - 32768);
  x[511] = 32767;
  check_dequantize(tmf_test_state_, kTensorTypeInt16, x, 512, 3.0517578e-5f * 0.9f, -7);
}

Status build_status(TensorType in_type, float in_scale, TensorType out_type,
                    const DequantizeParams& p) {
  OpTest t;
  const uint16_t in = t.input(in_type, Shape{1, {4}}, in_scale, 0);
  const uint16_t out = t.output(out_type, Shape{1, {4}});
  t.op(kOpDequantize, p, &in, 1, &out, 1);
  return t.build();
}

TMF_TEST(Dequantize, RejectsBadTypesAndParams) {
  const DequantizeParams p{0.5f, 0};
  TMF_EXPECT(build_status(kTensorTypeInt8, 0.5f, kTensorTypeFloat32, p) == Status::kOk);
  TMF_EXPECT(build_status(kTensorTypeUint8, 0.5f, kTensorTypeFloat32, p) ==
             Status::kErrTypeMismatch);
  TMF_EXPECT(build_status(kTensorTypeInt8, 0.5f, kTensorTypeInt32, p) == Status::kErrTypeMismatch);
  TMF_EXPECT(build_status(kTensorTypeInt8, 0.0f, kTensorTypeFloat32, p) ==
             Status::kErrBadQuantization);
  TMF_EXPECT(build_status(kTensorTypeInt8, 0.25f, kTensorTypeFloat32, p) == Status::kErrBadParams);
  TMF_EXPECT(build_status(kTensorTypeInt8, 0.5f, kTensorTypeFloat32, DequantizeParams{0.5f, 1}) ==
             Status::kErrBadParams);
}

}  // namespace
}  // namespace tmf
