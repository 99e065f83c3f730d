// STRIDED_SLICE kernel. Expected bytes by hand from the definition (a data movement: every output
// is one input element), on (start, stop, stride) triples the converter resolves from TFLite's
// begin/end/strides and masks (tests/host/lower_shape_ops_test.cc checks that resolution).
#include "device/runtime/kernels/strided_slice.h"

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

Status run(const StridedSliceParams& p, Shape in_shape, Shape out_shape, const int8_t* x,
           uint32_t n, OpTest& t) {
  const uint16_t in = t.input(kTensorTypeInt8, in_shape, 0.5f, 0);
  const uint16_t out = t.output(kTensorTypeInt8, out_shape, 0.5f, 0);
  t.op(kOpStridedSlice, p, &in, 1, &out, 1);
  const Status s = t.build();
  if (s != Status::kOk) return s;
  t.set_input(0, x, n);
  return t.invoke();
}

TMF_TEST(StridedSlice, ForwardWithStride) {
  const int8_t x[8] = {10, 11, 12, 13, 14, 15, 16, 17};
  OpTest t;  // x[1:7:2]
  TMF_ASSERT(run({{1, 0, 0, 0}, {7, 1, 1, 1}, {2, 1, 1, 1}}, {1, {8}}, {1, {3}}, x, 8, t) ==
             Status::kOk);
  const int8_t expected[3] = {11, 13, 15};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 3);
}

TMF_TEST(StridedSlice, BackwardToTheStart) {
  const int8_t x[4] = {1, 2, 3, 4};
  OpTest t;  // x[::-1]: start 3, stop -1 (past the front), stride -1
  TMF_ASSERT(run({{3, 0, 0, 0}, {-1, 1, 1, 1}, {-1, 1, 1, 1}}, {1, {4}}, {1, {4}}, x, 4, t) ==
             Status::kOk);
  const int8_t expected[4] = {4, 3, 2, 1};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 4);
}

TMF_TEST(StridedSlice, TwoDRowsAndColumns) {
  // [3, 4]: rows 0..2 step 2, columns 3..0 step -2 -> [2, 2].
  const int8_t x[12] = {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23};
  OpTest t;
  TMF_ASSERT(run({{0, 3, 0, 0}, {3, -1, 1, 1}, {2, -2, 1, 1}}, {2, {3, 4}}, {2, {2, 2}}, x, 12, t) ==
             Status::kOk);
  const int8_t expected[4] = {3, 1, 23, 21};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 4);
}

TMF_TEST(StridedSlice, FourDShrunkAxis) {
  // [1, 2, 2, 3] -> channel 1 of every pixel, the channel axis shrunk: output [1, 2, 2].
  int8_t x[12];
  for (int i = 0; i < 12; ++i) x[i] = static_cast<int8_t>(i);
  OpTest t;
  TMF_ASSERT(run({{0, 0, 0, 1}, {1, 2, 2, 2}, {1, 1, 1, 1}}, {4, {1, 2, 2, 3}}, {3, {1, 2, 2}}, x,
                 12, t) == Status::kOk);
  const int8_t expected[4] = {1, 4, 7, 10};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 4);
}

TMF_TEST(StridedSlice, RejectsOutOfRangeWalksAndWrongSizes) {
  const int8_t x[8] = {0};
  {
    OpTest t;  // starts past the end
    TMF_EXPECT(run({{8, 0, 0, 0}, {9, 1, 1, 1}, {1, 1, 1, 1}}, {1, {8}}, {1, {1}}, x, 8, t) ==
               Status::kErrBadParams);
  }
  {
    OpTest t;  // stride 0
    TMF_EXPECT(run({{0, 0, 0, 0}, {8, 1, 1, 1}, {0, 1, 1, 1}}, {1, {8}}, {1, {8}}, x, 8, t) ==
               Status::kErrBadParams);
  }
  {
    OpTest t;  // stride larger than the axis
    TMF_EXPECT(run({{0, 0, 0, 0}, {8, 1, 1, 1}, {9, 1, 1, 1}}, {1, {8}}, {1, {1}}, x, 8, t) ==
               Status::kErrBadParams);
  }
  {
    OpTest t;  // 4 elements visited, output holds 3
    TMF_EXPECT(run({{0, 0, 0, 0}, {8, 1, 1, 1}, {2, 1, 1, 1}}, {1, {8}}, {1, {3}}, x, 8, t) ==
               Status::kErrShapeMismatch);
  }
  {
    OpTest t;  // a walk on an axis past the rank
    TMF_EXPECT(run({{0, 0, 0, 0}, {8, 2, 1, 1}, {1, 1, 1, 1}}, {1, {8}}, {1, {8}}, x, 8, t) ==
               Status::kErrBadParams);
  }
}

}  // namespace
}  // namespace tmf
