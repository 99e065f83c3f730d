// TRANSPOSE and STRIDED_SLICE from crafted .tflite files through import, lowering and the device
// runtime. Expected bytes by hand from TFLite's documented slice semantics (Python slicing with
// begin/end masks meaning "from the start"/"to the end" and shrink_axis_mask dropping the axis)
// and from the definition of a transpose; no arithmetic is involved.
#include <cstring>
#include <string>
#include <vector>

#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"
#include "tests/host/tiny_tflite.h"
#include "tests/support/tmf_test.h"

namespace tmf::host {
namespace {

namespace fb = ::tmf::tflite;
using namespace tiny_tflite;  // NOLINT: the test model writer's vocabulary

// Converts the file and runs it once on `input`; returns output 0's bytes.
std::vector<uint8_t> convert_and_run(const TinyModel& m, const std::vector<uint8_t>& input) {
  const std::vector<uint8_t> file = convert_graph(tflite_read(build(m), "s.tflite"), {}).file;
  std::vector<uint8_t> storage(file.size() + 16);
  uint8_t* base = storage.data() + (16 - reinterpret_cast<uintptr_t>(storage.data()) % 16) % 16;
  std::memcpy(base, file.data(), file.size());
  Model model{};
  if (model_validate(base, file.size(), &model, nullptr) != Status::kOk) return {};
  std::vector<uint8_t> arena_storage(model.header->arena_bytes + 16);
  uint8_t* arena =
      arena_storage.data() + (16 - reinterpret_cast<uintptr_t>(arena_storage.data()) % 16) % 16;
  Interpreter it;
  if (interpreter_init(&it, &model, arena, model.header->arena_bytes) != Status::kOk) return {};
  const TensorRecord* t = nullptr;
  uint8_t* in = nullptr;
  if (interpreter_input(it, 0, &t, &in) != Status::kOk || t->bytes != input.size()) return {};
  std::memcpy(in, input.data(), input.size());
  if (interpreter_invoke(&it) != Status::kOk) return {};
  const uint8_t* out = nullptr;
  interpreter_output(it, 0, &t, &out);
  return std::vector<uint8_t>(out, out + t->bytes);
}

std::vector<uint8_t> iota(int n) {
  std::vector<uint8_t> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
  return v;
}

TinyTensor int32_const(const std::string& name, std::initializer_list<int32_t> values) {
  TinyTensor t;
  t.name = name;
  t.type = fb::TensorType_INT32;
  t.shape = {static_cast<int32_t>(values.size())};
  t.data = int32_bytes(values);
  return t;
}

struct Masks {
  int32_t begin = 0, end = 0, ellipsis = 0, new_axis = 0, shrink = 0;
};

TinyModel slice_model(std::vector<int32_t> in_shape, std::vector<int32_t> out_shape,
                      std::initializer_list<int32_t> begin, std::initializer_list<int32_t> end,
                      std::initializer_list<int32_t> strides, Masks masks) {
  TinyModel m;
  m.tensors = {int8_tensor("x", std::move(in_shape)), int32_const("begin", begin),
               int32_const("end", end), int32_const("strides", strides),
               int8_tensor("y", std::move(out_shape))};
  TinyOp op;
  op.builtin = fb::BuiltinOperator_STRIDED_SLICE;
  op.inputs = {0, 1, 2, 3};
  op.outputs = {4};
  op.options = [masks](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_StridedSliceOptions,
                          fb::CreateStridedSliceOptions(fbb, masks.begin, masks.end, masks.ellipsis,
                                                        masks.new_axis, masks.shrink)
                              .Union());
  };
  m.ops = {op};
  m.inputs = {0};
  m.outputs = {4};
  return m;
}

TMF_TEST(LowerShapeOps, StridedSliceNegativeIndicesAndMasks) {
  // x = 0..7: x[-6:-1:2] = {2, 4, 6}
  TMF_EXPECT(convert_and_run(slice_model({8}, {3}, {-6}, {-1}, {2}, {}), iota(8)) ==
             (std::vector<uint8_t>{2, 4, 6}));
  // x[::-3] with both masks: {7, 4, 1}
  Masks both;
  both.begin = 1;
  both.end = 1;
  TMF_EXPECT(convert_and_run(slice_model({8}, {3}, {0}, {0}, {-3}, both), iota(8)) ==
             (std::vector<uint8_t>{7, 4, 1}));
  // An end far past the axis is clamped: x[5:100] = {5, 6, 7}
  TMF_EXPECT(convert_and_run(slice_model({8}, {3}, {5}, {100}, {1}, {}), iota(8)) ==
             (std::vector<uint8_t>{5, 6, 7}));
}

TMF_TEST(LowerShapeOps, StridedSliceShrinksAnAxis) {
  // x [2, 3, 4] = 0..23: x[1, :, -1] (shrink axes 0 and 2, end mask on axis 1) = {15, 19, 23}
  Masks m;
  m.end = 2;
  m.shrink = 5;
  TMF_EXPECT(convert_and_run(slice_model({2, 3, 4}, {3}, {1, 0, -1}, {2, 0, 0}, {1, 1, 1}, m),
                             iota(24)) == (std::vector<uint8_t>{15, 19, 23}));
}

TMF_TEST(LowerShapeOps, StridedSliceRefusals) {
  Masks ellipsis;
  ellipsis.ellipsis = 1;
  TMF_EXPECT_THROWS(convert_graph(tflite_read(build(slice_model({8}, {8}, {0}, {8}, {1}, ellipsis)),
                                              "s.tflite"),
                                  {}),
                    ConvertError, "s.tflite: op 0 (STRIDED_SLICE): ellipsis_mask and new_axis_mask");
  TMF_EXPECT_THROWS(
      convert_graph(tflite_read(build(slice_model({8}, {4}, {0}, {8}, {1}, {})), "s.tflite"), {}),
      ConvertError, "tensor 4 'y': shape [4] is not the slice's [8]");
  TMF_EXPECT_THROWS(
      convert_graph(tflite_read(build(slice_model({8}, {8}, {0}, {8}, {0}, {})), "s.tflite"), {}),
      ConvertError, "tensor 3 'strides': stride 0 is 0");
}

TinyModel transpose_model(std::vector<int32_t> in_shape, std::vector<int32_t> out_shape,
                          std::initializer_list<int32_t> perm) {
  TinyModel m;
  m.tensors = {int8_tensor("x", std::move(in_shape)), int32_const("perm", perm),
               int8_tensor("y", std::move(out_shape))};
  TinyOp op;
  op.builtin = fb::BuiltinOperator_TRANSPOSE;
  op.inputs = {0, 1};
  op.outputs = {2};
  m.ops = {op};
  m.inputs = {0};
  m.outputs = {2};
  return m;
}

TMF_TEST(LowerShapeOps, TransposeFromTflite) {
  // [2, 3] -> [3, 2]
  TMF_EXPECT(convert_and_run(transpose_model({2, 3}, {3, 2}, {1, 0}), iota(6)) ==
             (std::vector<uint8_t>{0, 3, 1, 4, 2, 5}));
  TMF_EXPECT_THROWS(
      convert_graph(tflite_read(build(transpose_model({2, 3}, {3, 2}, {1, 1})), "t.tflite"), {}),
      ConvertError, "t.tflite: op 0 (TRANSPOSE): tensor 1 'perm': is not a permutation of 0..1");
  TMF_EXPECT_THROWS(
      convert_graph(tflite_read(build(transpose_model({2, 3}, {2, 3}, {1, 0})), "t.tflite"), {}),
      ConvertError, "tensor 2 'y': shape [2, 3] is not the permuted input shape [3, 2]");
}

}  // namespace
}  // namespace tmf::host
