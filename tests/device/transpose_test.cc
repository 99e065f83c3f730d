// TRANSPOSE kernel. Expected bytes by hand from the definition out[i...] = in[perm-indexed] (a pure
// data movement: no arithmetic to round), including TFLM transpose_test.cc's 3-D case
// ("TestRefOps3D": [2, 3, 4] with perm {2, 0, 1}) whose input is 0..23.
#include "device/runtime/kernels/transpose.h"

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

Status run(const TransposeParams& p, Shape in_shape, Shape out_shape, const int8_t* x, uint32_t n,
           OpTest& t) {
  const uint16_t in = t.input(kTensorTypeInt8, in_shape, 0.5f, 0);
  const uint16_t out = t.output(kTensorTypeInt8, out_shape, 0.5f, 0);
  t.op(kOpTranspose, p, &in, 1, &out, 1);
  const Status s = t.build();
  if (s != Status::kOk) return s;
  t.set_input(0, x, n);
  return t.invoke();
}

TMF_TEST(Transpose, Matrix2D) {
  const int8_t x[6] = {1, 2, 3, 4, 5, 6};  // [[1, 2, 3], [4, 5, 6]]
  OpTest t;
  TMF_ASSERT(run({{1, 0, 2, 3}}, {2, {2, 3}}, {2, {3, 2}}, x, 6, t) == Status::kOk);
  const int8_t expected[6] = {1, 4, 2, 5, 3, 6};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 6);
}

TMF_TEST(Transpose, ThreeDPerm201) {
  int8_t x[24];
  for (int i = 0; i < 24; ++i) x[i] = static_cast<int8_t>(i);
  OpTest t;
  TMF_ASSERT(run({{2, 0, 1, 3}}, {3, {2, 3, 4}}, {3, {4, 2, 3}}, x, 24, t) == Status::kOk);
  // out[c][a][b] = in[a][b][c] = 12a + 4b + c.
  const int8_t expected[24] = {0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21,
                               2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 24);
}

TMF_TEST(Transpose, FourDNhwcToNchw) {
  int8_t x[24];
  for (int i = 0; i < 24; ++i) x[i] = static_cast<int8_t>(i - 12);
  OpTest t;  // [1, 2, 3, 4] (n, h, w, c) -> [1, 4, 2, 3]: out[0][c][h][w] = in[0][h][w][c]
  TMF_ASSERT(run({{0, 3, 1, 2}}, {4, {1, 2, 3, 4}}, {4, {1, 4, 2, 3}}, x, 24, t) == Status::kOk);
  int8_t expected[24];
  int o = 0;
  for (int c = 0; c < 4; ++c) {
    for (int h = 0; h < 2; ++h) {
      for (int w = 0; w < 3; ++w) expected[o++] = static_cast<int8_t>(12 * h + 4 * w + c - 12);
    }
  }
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 24);
}

TMF_TEST(Transpose, RejectsBadPermutationsAndShapes) {
  const int8_t x[6] = {0};
  {
    OpTest t;  // axis 0 twice
    TMF_EXPECT(run({{0, 0, 2, 3}}, {2, {2, 3}}, {2, {2, 2}}, x, 6, t) == Status::kErrBadParams);
  }
  {
    OpTest t;  // moves an axis past the rank
    TMF_EXPECT(run({{2, 1, 0, 3}}, {2, {2, 3}}, {2, {1, 3}}, x, 6, t) == Status::kErrBadParams);
  }
  {
    OpTest t;  // output shape is not the permuted one
    TMF_EXPECT(run({{1, 0, 2, 3}}, {2, {2, 3}}, {2, {2, 3}}, x, 6, t) == Status::kErrShapeMismatch);
  }
}

}  // namespace
}  // namespace tmf
