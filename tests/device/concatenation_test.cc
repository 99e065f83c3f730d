// CONCATENATION kernel. Oracle: closed form (a concatenation is a byte rearrangement), along the
// last axis and an inner axis with three inputs, plus prepare() rejections, including inputs
// whose quantization differs from the output's (TFLM would copy them unconverted).
#include "device/runtime/kernels/concatenation.h"

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

TMF_TEST(Concatenation, LastAxis) {
  // [2, 1] ++ [2, 2] along axis 1 -> [2, 3].
  const int8_t a[2] = {1, 2};
  const int8_t b[4] = {3, 4, 5, 6};
  const int8_t expected[6] = {1, 3, 4, 2, 5, 6};
  OpTest t;
  const uint16_t in0 = t.input(kTensorTypeInt8, Shape{2, {2, 1}}, 0.5f, 1);
  const uint16_t in1 = t.input(kTensorTypeInt8, Shape{2, {2, 2}}, 0.5f, 1);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{2, {2, 3}}, 0.5f, 1);
  const uint16_t inputs[2] = {in0, in1};
  t.op(kOpConcatenation, ConcatenationParams{1}, inputs, 2, &out, 1);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, a, sizeof(a));
  t.set_input(1, b, sizeof(b));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, sizeof(expected));
}

TMF_TEST(Concatenation, InnerAxisThreeInputs) {
  // [2, 1, 1, 2], [2, 2, 1, 2], [2, 1, 1, 2] along axis 1 -> [2, 4, 1, 2]: for each batch, the
  // three inputs' slices follow each other.
  const int8_t a[4] = {1, 2, 3, 4};
  const int8_t b[8] = {10, 11, 12, 13, 14, 15, 16, 17};
  const int8_t c[4] = {-1, -2, -3, -4};
  const int8_t expected[16] = {1, 2, 10, 11, 12, 13, -1, -2, 3, 4, 14, 15, 16, 17, -3, -4};
  OpTest t;
  const uint16_t in0 = t.input(kTensorTypeInt8, Shape{4, {2, 1, 1, 2}}, 1.0f, 0);
  const uint16_t in1 = t.input(kTensorTypeInt8, Shape{4, {2, 2, 1, 2}}, 1.0f, 0);
  const uint16_t in2 = t.input(kTensorTypeInt8, Shape{4, {2, 1, 1, 2}}, 1.0f, 0);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{4, {2, 4, 1, 2}}, 1.0f, 0);
  const uint16_t inputs[3] = {in0, in1, in2};
  t.op(kOpConcatenation, ConcatenationParams{1}, inputs, 3, &out, 1);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, a, sizeof(a));
  t.set_input(1, b, sizeof(b));
  t.set_input(2, c, sizeof(c));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, sizeof(expected));
}

TMF_TEST(Concatenation, ConstantInput) {
  const int8_t a[2] = {1, 2};
  const int8_t k[2] = {7, 8};
  const int8_t expected[4] = {1, 2, 7, 8};
  OpTest t;
  const uint16_t in0 = t.input(kTensorTypeInt8, Shape{1, {2}}, 1.0f, 0);
  const uint16_t in1 = t.constant(kTensorTypeInt8, Shape{1, {2}}, k, 1.0f, 0);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{1, {4}}, 1.0f, 0);
  const uint16_t inputs[2] = {in0, in1};
  t.op(kOpConcatenation, ConcatenationParams{0}, inputs, 2, &out, 1);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, a, sizeof(a));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, sizeof(expected));
}

Status build_status(int32_t axis, Shape second, Shape out_shape, float second_scale = 0.5f) {
  OpTest t;
  const uint16_t in0 = t.input(kTensorTypeInt8, Shape{2, {2, 1}}, 0.5f, 1);
  const uint16_t in1 = t.input(kTensorTypeInt8, second, second_scale, 1);
  const uint16_t out = t.output(kTensorTypeInt8, out_shape, 0.5f, 1);
  const uint16_t inputs[2] = {in0, in1};
  t.op(kOpConcatenation, ConcatenationParams{axis}, inputs, 2, &out, 1);
  return t.build();
}

TMF_TEST(Concatenation, Rejections) {
  const Shape b = Shape{2, {2, 2}};
  const Shape out = Shape{2, {2, 3}};
  TMF_EXPECT(build_status(1, b, out) == Status::kOk);
  TMF_EXPECT(build_status(2, b, out) == Status::kErrBadParams);
  TMF_EXPECT(build_status(-1, b, out) == Status::kErrBadParams);
  TMF_EXPECT(build_status(0, b, out) == Status::kErrShapeMismatch);       // dims 1 differ
  TMF_EXPECT(build_status(1, b, Shape{2, {2, 4}}) == Status::kErrShapeMismatch);  // sum 3
  TMF_EXPECT(build_status(1, Shape{3, {2, 2, 1}}, out) == Status::kErrShapeMismatch);
  TMF_EXPECT(build_status(1, b, out, 0.25f) == Status::kErrBadQuantization);
}

}  // namespace
}  // namespace tmf
