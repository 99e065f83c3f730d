// RESHAPE kernel: the output holds the input's bytes (TFLM's reshape copies them), for arena and
// constant inputs; prepare() rejects differing types, element counts and byte counts.
#include "device/runtime/kernels/reshape.h"

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

TMF_TEST(Reshape, CopiesBytesIntoTheNewShape) {
  int8_t x[24];
  for (int i = 0; i < 24; ++i) x[i] = static_cast<int8_t>(i * 5 - 60);
  OpTest t;
  const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {1, 2, 3, 4}}, 0.5f, 1);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{2, {1, 24}}, 0.5f, 1);
  t.op(kOpReshape, ReshapeParams{24}, &in, 1, &out, 1);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, x, 24);
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), x, 24);
}

TMF_TEST(Reshape, CopiesAConstantAndWiderTypes) {
  const float values[6] = {1.5f, -2.0f, 3.25f, 0.0f, -0.5f, 1e9f};
  OpTest t;
  t.input(kTensorTypeInt8, Shape{1, {1}}, 0.5f, 0);  // a model needs a graph input
  const uint16_t c = t.constant(kTensorTypeFloat32, Shape{2, {2, 3}}, values);
  const uint16_t out = t.output(kTensorTypeFloat32, Shape{1, {6}});
  t.op(kOpReshape, ReshapeParams{24}, &c, 1, &out, 1);
  TMF_ASSERT(t.build() == Status::kOk);
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<float>(0), values, sizeof(values));
}

Status build_status(TensorType out_type, Shape out_shape, uint32_t bytes) {
  OpTest t;
  const uint16_t in = t.input(kTensorTypeInt8, Shape{2, {2, 3}}, 0.5f, 0);
  const uint16_t out = t.output(out_type, out_shape, 0.5f, 0);
  t.op(kOpReshape, ReshapeParams{bytes}, &in, 1, &out, 1);
  return t.build();
}

TMF_TEST(Reshape, RejectsMismatches) {
  TMF_EXPECT(build_status(kTensorTypeInt8, Shape{3, {3, 1, 2}}, 6) == Status::kOk);
  TMF_EXPECT(build_status(kTensorTypeUint8, Shape{1, {6}}, 6) == Status::kErrTypeMismatch);
  TMF_EXPECT(build_status(kTensorTypeInt8, Shape{1, {7}}, 7) == Status::kErrShapeMismatch);
  TMF_EXPECT(build_status(kTensorTypeInt8, Shape{1, {6}}, 5) == Status::kErrBadParams);
  TMF_EXPECT(build_status(kTensorTypeInt16, Shape{1, {3}}, 6) == Status::kErrTypeMismatch);
}

}  // namespace
}  // namespace tmf
