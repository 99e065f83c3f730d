// Small models for the selector tests, made through the real converter.
#pragma once

#include <cstdint>
#include <vector>

#include "device/runtime/model.h"

namespace tmf::test {

// A converted model held 16-byte aligned and validated.
struct TestModel {
  std::vector<uint8_t> storage;
  Model model{};
};

// One FULLY_CONNECTED op: [batches, depth] -> [batches, units].
void make_fc_model(int batches, int depth, int units, TestModel* out);
// Two FULLY_CONNECTED ops: depth -> hidden -> units.
void make_two_fc_model(int depth, int hidden, int units, TestModel* out);
// One CONV_2D op, SAME or VALID padding, ReLU.
void make_conv_model(int h, int w, int cin, int cout, int kh, int kw, int stride, bool same, TestModel* out);
// One op of format 1.2: SUB [1,12]-[1,12]; LEAKY_RELU, HARD_SWISH [1,12]; TRANSPOSE [1,4,3,5] by
// {0,3,1,2} -> [1,5,4,3]; STRIDED_SLICE [1,4,3,6] with strides {1,2,1,2} -> [1,2,3,3].
void make_format_1_2_model(OpCode code, TestModel* out);
// One op of format 1.3: TRANSPOSE_CONV [1,2,2,1] through a 3x3 filter, stride 2 VALID ->
// [1,5,5,1]; SVDF [1,4], 2 filters, memory 3, rank 1 -> [1,2].
void make_format_1_3_model(OpCode code, TestModel* out);
// Loads a model file from bytes (16-byte aligned copy) and validates it.
void load_model(const std::vector<uint8_t>& bytes, TestModel* out);

}  // namespace tmf::test
