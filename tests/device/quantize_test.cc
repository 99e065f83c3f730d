// QUANTIZE kernel against closed-form arithmetic, worked out per case in the comments:
//   - float32 -> int8 / int16: round half away from zero of x / scale (a float division: one
//     input below rounds differently if multiplied by 1/scale instead), plus the zero point,
//     clamped; NaN and infinities as quantize.h defines them;
//   - integer requantization: the same arithmetic as TFLM's Requantize, for multipliers whose
//     effect is exact (powers of two), over all inputs.
// Params are TFLM's Prepare values (QuantizeMultiplier(s_in / s_out)). Plus prepare()
// rejections.
#include "device/runtime/kernels/quantize.h"

#include <math.h>
#include <string.h>

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

float float_from_bits(uint32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof(f));
  return f;
}

QuantizeParams from_float_params(float scale, int32_t zero_point) {
  QuantizeParams p{};
  p.output_scale = scale;
  p.output_zero_point = zero_point;
  return p;
}

QuantizeParams requantize_params(int32_t zp_in, int32_t zp_out, int32_t multiplier, int32_t shift) {
  QuantizeParams p{};
  p.input_zero_point = zp_in;
  p.output_zero_point = zp_out;
  p.multiplier = multiplier;
  p.shift = shift;
  return p;
}

void build_quantize(OpTest& t, const QuantizeParams& p, TensorType in_type, float in_scale,
                    TensorType out_type, float out_scale, uint32_t n) {
  const Shape shape = {1, {static_cast<int32_t>(n)}};
  const uint16_t in = t.input(in_type, shape, in_scale, p.input_zero_point);
  const uint16_t out = t.output(out_type, shape, out_scale, p.output_zero_point);
  t.op(kOpQuantize, p, &in, 1, &out, 1);
}

TMF_TEST(Quantize, FloatToInt8RoundsHalfAwayAndClamps) {
  // Scale 0.5, zero point -3: x / 0.5 = 2x.
  const float x[12] = {0.0f,   0.25f, -0.25f, 0.75f, 1.0f,     63.9f,
                       65.25f, 1e9f,  -1e9f,  NAN,   INFINITY, -INFINITY};
  // 0 -> -3; 0.5 -> 1 -> -2; -0.5 -> -1 -> -4; 1.5 -> 2 -> -1; 2 -> -1; 127.8 -> 128 -> 125;
  // 130.5 -> 131 -> 128 -> 127; huge values clamp; NaN -> 0 -> the zero point.
  const int8_t expected[12] = {-3, -2, -4, -1, -1, 125, 127, 127, -128, -3, 127, -128};
  OpTest t;
  build_quantize(t, from_float_params(0.5f, -3), kTensorTypeFloat32, 0.0f, kTensorTypeInt8, 0.5f,
                 12);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, x, sizeof(x));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 12);
}

TMF_TEST(Quantize, FloatDividesByTheScale) {
  // -12.15f (0xc1426666) / 0.1f = -121.49999 -> -121; multiplying by 1 / 0.1f = 10.0f instead
  // would give -121.5 -> -122. Scale 0.1, zero point 0, int8 and int16 outputs alike.
  const float x[2] = {float_from_bits(0xc1426666u), -float_from_bits(0xc1426666u)};
  {
    OpTest t;
    build_quantize(t, from_float_params(0.1f, 0), kTensorTypeFloat32, 0.0f, kTensorTypeInt8, 0.1f,
                   2);
    TMF_ASSERT(t.build() == Status::kOk);
    t.set_input(0, x, sizeof(x));
    TMF_ASSERT(t.invoke() == Status::kOk);
    TMF_EXPECT_EQ(t.output_as<int8_t>(0)[0], -121);
    TMF_EXPECT_EQ(t.output_as<int8_t>(0)[1], 121);
  }
  {
    OpTest t;
    build_quantize(t, from_float_params(0.1f, 0), kTensorTypeFloat32, 0.0f, kTensorTypeInt16, 0.1f,
                   2);
    TMF_ASSERT(t.build() == Status::kOk);
    t.set_input(0, x, sizeof(x));
    TMF_ASSERT(t.invoke() == Status::kOk);
    TMF_EXPECT_EQ(t.output_as<int16_t>(0)[0], -121);
    TMF_EXPECT_EQ(t.output_as<int16_t>(0)[1], 121);
  }
}

TMF_TEST(Quantize, FloatToInt16) {
  // Scale 1/1024, zero point 5: q = round(1024 x) + 5, clamped to int16.
  const float x[5] = {1.0f, -1.0f, 0.00048828125f, 40.0f, -40.0f};  // 2^-11 -> 0.5 -> 1
  const int16_t expected[5] = {1029, -1019, 6, 32767, -32768};
  OpTest t;
  build_quantize(t, from_float_params(1.0f / 1024, 5), kTensorTypeFloat32, 0.0f, kTensorTypeInt16,
                 1.0f / 1024, 5);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, x, sizeof(x));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int16_t>(0), expected, sizeof(expected));
}

TMF_TEST(Quantize, Int8RequantizationOverAllInputs) {
  int8_t x[256];
  for (int i = 0; i < 256; ++i) x[i] = static_cast<int8_t>(i - 128);
  {
    // 0.5 (zp 1) -> 1.0 (zp -1): multiplier 1/2 = 2^30 * 2^-31, shift 0. The doubling high
    // multiply rounds halves up: (x - 1) / 2 -> floor(x / 2); then - 1.
    OpTest t;
    build_quantize(t, requantize_params(1, -1, 1 << 30, 0), kTensorTypeInt8, 0.5f, kTensorTypeInt8,
                   1.0f, 256);
    TMF_ASSERT(t.build() == Status::kOk);
    t.set_input(0, x, 256);
    TMF_ASSERT(t.invoke() == Status::kOk);
    for (int i = 0; i < 256; ++i) {
      TMF_EXPECT_EQ(t.output_as<int8_t>(0)[i], static_cast<int32_t>(floor(x[i] / 2.0)) - 1);
    }
  }
  {
    // Same scale, zero points 0 -> 128 into uint8: x + 128 (TFLM's XOR 0x80 fast path).
    OpTest t;
    build_quantize(t, requantize_params(0, 128, 1 << 30, 1), kTensorTypeInt8, 0.25f,
                   kTensorTypeUint8, 0.25f, 256);
    TMF_ASSERT(t.build() == Status::kOk);
    t.set_input(0, x, 256);
    TMF_ASSERT(t.invoke() == Status::kOk);
    for (int i = 0; i < 256; ++i) TMF_EXPECT_EQ(t.output_as<uint8_t>(0)[i], x[i] + 128);
  }
  {
    // 0.5 (zp 3) -> 1/256 (zp 0) int16: ratio 128 = 2^30 * 2^-31 * 2^8: (x - 3) * 128.
    OpTest t;
    build_quantize(t, requantize_params(3, 0, 1 << 30, 8), kTensorTypeInt8, 0.5f, kTensorTypeInt16,
                   1.0f / 256, 256);
    TMF_ASSERT(t.build() == Status::kOk);
    t.set_input(0, x, 256);
    TMF_ASSERT(t.invoke() == Status::kOk);
    for (int i = 0; i < 256; ++i) TMF_EXPECT_EQ(t.output_as<int16_t>(0)[i], (x[i] - 3) * 128);
  }
}

TMF_TEST(Quantize, Uint8AndInt16Inputs) {
  {
    // uint8 zp 128 -> int8 zp 0, same scale: x - 128.
    uint8_t x[256];
    for (int i = 0; i < 256; ++i) x[i] = static_cast<uint8_t>(i);
    OpTest t;
    build_quantize(t, requantize_params(128, 0, 1 << 30, 1), kTensorTypeUint8, 0.25f,
                   kTensorTypeInt8, 0.25f, 256);
    TMF_ASSERT(t.build() == Status::kOk);
    t.set_input(0, x, 256);
    TMF_ASSERT(t.invoke() == Status::kOk);
    for (int i = 0; i < 256; ++i) TMF_EXPECT_EQ(t.output_as<int8_t>(0)[i], i - 128);
  }
  {
    // int16 1/256 (zp 0) -> int8 0.5 (zp -3): ratio 1/128 = 2^30 * 2^-31 * 2^-6. Multiples of
    // 128 are exact; 128k + 64 halves exactly in the high multiply, then k + 1/2 rounds away
    // from zero; values past +-127 steps clamp.
    const int16_t x[6] = {256, -384, 192, -192, 32767, -32768};
    const int8_t expected[6] = {2 - 3, -3 - 3, 2 - 3, -2 - 3, 127, -128};
    OpTest t;
    build_quantize(t, requantize_params(0, -3, 1 << 30, -6), kTensorTypeInt16, 1.0f / 256,
                   kTensorTypeInt8, 0.5f, 6);
    TMF_ASSERT(t.build() == Status::kOk);
    t.set_input(0, x, sizeof(x));
    TMF_ASSERT(t.invoke() == Status::kOk);
    TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 6);
  }
}

Status build_status(const QuantizeParams& p, TensorType in_type, TensorType out_type,
                    float out_scale, Shape out_shape) {
  OpTest t;
  const uint16_t in = t.input(in_type, Shape{1, {4}}, in_type == kTensorTypeFloat32 ? 0.0f : 0.5f,
                              p.input_zero_point);
  const uint16_t out = t.output(out_type, out_shape, out_scale, p.output_zero_point);
  t.op(kOpQuantize, p, &in, 1, &out, 1);
  return t.build();
}

TMF_TEST(Quantize, RejectsUnsupportedTypesAndBadParams) {
  const Shape shape = {1, {4}};
  const QuantizeParams from_float = from_float_params(0.5f, 0);
  const QuantizeParams requant = requantize_params(0, 0, 1 << 30, 0);
  TMF_EXPECT(build_status(from_float, kTensorTypeFloat32, kTensorTypeInt8, 0.5f, shape) ==
             Status::kOk);
  TMF_EXPECT(build_status(from_float, kTensorTypeFloat32, kTensorTypeUint8, 0.5f, shape) ==
             Status::kErrTypeMismatch);
  TMF_EXPECT(build_status(requant, kTensorTypeInt32, kTensorTypeInt8, 0.5f, shape) ==
             Status::kErrTypeMismatch);
  TMF_EXPECT(build_status(requant, kTensorTypeUint8, kTensorTypeInt16, 0.5f, shape) ==
             Status::kErrTypeMismatch);
  TMF_EXPECT(build_status(from_float, kTensorTypeFloat32, kTensorTypeInt8, 0.0f, shape) ==
             Status::kErrBadQuantization);  // unquantized output
  TMF_EXPECT(build_status(from_float, kTensorTypeFloat32, kTensorTypeInt8, 0.25f, shape) ==
             Status::kErrBadParams);  // output_scale is not the tensor's
  TMF_EXPECT(build_status(from_float, kTensorTypeFloat32, kTensorTypeInt8, 0.5f, Shape{1, {5}}) ==
             Status::kErrShapeMismatch);
  TMF_EXPECT(build_status(requant, kTensorTypeInt8, kTensorTypeInt8, 0.5f, shape) == Status::kOk);
  QuantizeParams p = requant;
  p.shift = 31;
  TMF_EXPECT(build_status(p, kTensorTypeInt8, kTensorTypeInt8, 0.5f, shape) ==
             Status::kErrBadParams);
  {
    OpTest t;  // input zero point in the params differs from the tensor's
    const uint16_t in = t.input(kTensorTypeInt8, shape, 0.5f, 7);
    const uint16_t out = t.output(kTensorTypeInt8, shape, 0.5f, 0);
    t.op(kOpQuantize, requant, &in, 1, &out, 1);
    TMF_EXPECT(t.build() == Status::kErrBadParams);
  }
}

}  // namespace
}  // namespace tmf
