// TRANSPOSE_CONV from .tflite files written by the project's own writer (tiny_tflite.h) through
// import, lowering and the device runtime, against the golden outputs of
// tests/device/golden/transpose_conv_golden.h (TFLM's reference arithmetic in Python integers,
// see there): the lowering must find TFLM's padding and requantization from the float scales
// alone, and the operands in TFLite's order (output_shape, filter, input[, bias]).
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"
#include "tests/device/golden/transpose_conv_golden.h"
#include "tests/host/tiny_tflite.h"
#include "tests/support/tmf_test.h"

namespace tmf::host {
namespace {

namespace fb = ::tmf::tflite;
using namespace tiny_tflite;  // NOLINT: the test model writer's vocabulary

struct GoldenCase {
  const int32_t* in_shape;
  const int32_t* filter_shape;
  const int32_t* out_shape;
  const int32_t* stride;
  bool same;
  int activation;
  float in_scale;
  int32_t in_zp;
  float out_scale;
  int32_t out_zp;
  int filter_scale_count;
  const float* filter_scales;
  bool has_bias;
  const int32_t* bias;
  const int8_t* input;
  const int8_t* filter;
  const int8_t* expected;
};

#define GOLDEN_CASE(p)                                                                         \
  GoldenCase {                                                                                 \
    golden::p##InShape, golden::p##FilterShape, golden::p##OutShape, golden::p##Stride,        \
        golden::p##Same, golden::p##Activation, golden::p##InScale, golden::p##InZeroPoint,    \
        golden::p##OutScale, golden::p##OutZeroPoint, golden::p##FilterScaleCount,             \
        golden::p##FilterScales, golden::p##HasBias, golden::p##Bias, golden::p##Input,        \
        golden::p##Filter, golden::p##Expected                                                 \
  }

std::vector<int32_t> dims(const int32_t* d) { return {d[0], d[1], d[2], d[3]}; }
size_t count(const int32_t* d) { return static_cast<size_t>(d[0] * d[1] * d[2] * d[3]); }

TinyModel transpose_conv_model(const GoldenCase& c, fb::TensorType act_type = fb::TensorType_INT8) {
  TinyModel m;
  TinyTensor shape;
  shape.name = "output_shape";
  shape.type = fb::TensorType_INT32;
  shape.shape = {4};
  shape.data = int32_bytes({c.out_shape[0], c.out_shape[1], c.out_shape[2], c.out_shape[3]});
  TinyTensor filter;
  filter.name = "filter";
  filter.shape = dims(c.filter_shape);
  filter.data.assign(reinterpret_cast<const uint8_t*>(c.filter),
                     reinterpret_cast<const uint8_t*>(c.filter) + count(c.filter_shape));
  filter.scales.assign(c.filter_scales, c.filter_scales + c.filter_scale_count);
  filter.zero_points.assign(static_cast<size_t>(c.filter_scale_count), 0);
  TinyTensor x;
  x.name = "x";
  x.type = act_type;
  x.shape = dims(c.in_shape);
  x.scales = {c.in_scale};
  x.zero_points = {c.in_zp};
  TinyTensor y = x;
  y.name = "y";
  y.shape = dims(c.out_shape);
  y.scales = {c.out_scale};
  y.zero_points = {c.out_zp};
  m.tensors = {shape, filter, x, y};
  TinyOp op;
  op.builtin = fb::BuiltinOperator_TRANSPOSE_CONV;
  op.inputs = {0, 1, 2};
  if (c.has_bias) {
    TinyTensor bias;
    bias.name = "bias";
    bias.type = fb::TensorType_INT32;
    const int32_t out_c = c.filter_shape[0];
    bias.shape = {out_c};
    for (int32_t i = 0; i < out_c; ++i) {
      const std::vector<uint8_t> b = int32_bytes({c.bias[i]});
      bias.data.insert(bias.data.end(), b.begin(), b.end());
    }
    m.tensors.push_back(bias);
    op.inputs.push_back(4);
  }
  op.outputs = {3};
  op.version = 4;
  const fb::Padding padding = c.same ? fb::Padding_SAME : fb::Padding_VALID;
  const int32_t sh = c.stride[0], sw = c.stride[1];
  const auto activation = static_cast<fb::ActivationFunctionType>(c.activation);
  op.options = [=](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_TransposeConvOptions,
                          fb::CreateTransposeConvOptions(fbb, padding, sw, sh, activation).Union());
  };
  m.ops = {op};
  m.inputs = {2};
  m.outputs = {3};
  return m;
}

// Converts the file and runs it once on `input`; returns output 0's bytes (empty on failure).
std::vector<uint8_t> convert_and_run(const TinyModel& m, const int8_t* input, size_t bytes) {
  const std::vector<uint8_t> file = convert_graph(tflite_read(build(m), "t.tflite"), {}).file;
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
  if (interpreter_input(it, 0, &t, &in) != Status::kOk || t->bytes != bytes) return {};
  std::memcpy(in, input, bytes);
  if (interpreter_invoke(&it) != Status::kOk) return {};
  const uint8_t* out = nullptr;
  interpreter_output(it, 0, &t, &out);
  return std::vector<uint8_t>(out, out + t->bytes);
}

std::vector<uint8_t> expected_bytes(const GoldenCase& c) {
  const auto* e = reinterpret_cast<const uint8_t*>(c.expected);
  return std::vector<uint8_t>(e, e + count(c.out_shape));
}

// With TMF_FUZZ_SEED_DIR set, the test's .tflite file and its conversion are written there
// (how tests/fuzz/corpus_tflite and corpus_model got their TRANSPOSE_CONV seeds).
void write_fuzz_seeds(const std::string& name, const std::vector<uint8_t>& tflite) {
  const char* dir = std::getenv("TMF_FUZZ_SEED_DIR");
  if (dir == nullptr) return;
  const std::vector<uint8_t> tmf = convert_graph(tflite_read(tflite, name), {}).file;
  std::ofstream(std::string(dir) + "/" + name + ".tflite", std::ios::binary)
      .write(reinterpret_cast<const char*>(tflite.data()), static_cast<std::streamsize>(tflite.size()));
  std::ofstream(std::string(dir) + "/" + name + ".tmf", std::ios::binary)
      .write(reinterpret_cast<const char*>(tmf.data()), static_cast<std::streamsize>(tmf.size()));
}

#define LOWER_TRANSPOSE_CONV_GOLDEN_TEST(name, prefix)                                    \
  TMF_TEST(LowerTransposeConv, name) {                                                   \
    const GoldenCase c = GOLDEN_CASE(prefix);                                            \
    write_fuzz_seeds("crafted_transpose_conv_" #name, build(transpose_conv_model(c)));   \
    const std::vector<uint8_t> out =                                                     \
        convert_and_run(transpose_conv_model(c), c.input, count(c.in_shape));            \
    TMF_ASSERT(out.size() == count(c.out_shape));                                        \
    TMF_EXPECT_BYTES_EQ(out.data(), expected_bytes(c).data(), out.size());               \
  }

LOWER_TRANSPOSE_CONV_GOLDEN_TEST(TfliteVectorRunsBitExact, kTflite)
LOWER_TRANSPOSE_CONV_GOLDEN_TEST(Stride2ValidPerChannelRelu, kStride2Valid)
LOWER_TRANSPOSE_CONV_GOLDEN_TEST(Stride2SameEvenFilterNoBias, kStride2SameEven)
LOWER_TRANSPOSE_CONV_GOLDEN_TEST(Strides2And3CroppedRelu6, kStrides23Cropped)

TMF_TEST(LowerTransposeConv, RefusesInt16ActivationsSayingSo) {
  const GoldenCase c = GOLDEN_CASE(kTflite);
  TinyModel m = transpose_conv_model(c, fb::TensorType_INT16);
  TMF_EXPECT_THROWS(convert_graph(tflite_read(build(m), "t.tflite"), {}), ConvertError,
                    "op 0 (TRANSPOSE_CONV): tensor 2 'x': int16 activations (16x8 quantization) "
                    "are not supported");
}

TMF_TEST(LowerTransposeConv, RefusesFilterDepthOtherThanInputDepth) {
  const GoldenCase c = GOLDEN_CASE(kTflite);
  TinyModel m = transpose_conv_model(c);
  m.tensors[2].shape = {1, 4, 8, 1};  // same byte count, depth 1 against the filter's 2
  TMF_EXPECT_THROWS(convert_graph(tflite_read(build(m), "t.tflite"), {}), ConvertError,
                    "filter depth 2 is not the input depth 1");
}

}  // namespace
}  // namespace tmf::host
