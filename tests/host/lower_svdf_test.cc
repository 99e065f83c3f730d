// SVDF from .tflite files written by the project's own writer (tiny_tflite.h: the state a
// variable tensor, as TFLite's converter writes it) through import, lowering, the arena planner
// and the device runtime over several invokes, against tests/device/golden/svdf_golden.h
// (TFLM's reference arithmetic in Python integers, see there): the lowering must find TFLM's
// requantization from the float scales alone and the state must survive between invokes.
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"
#include "tests/device/golden/svdf_golden.h"
#include "tests/host/tiny_tflite.h"
#include "tests/support/tmf_test.h"

namespace tmf::host {
namespace {

namespace fb = ::tmf::tflite;
using namespace tiny_tflite;  // NOLINT: the test model writer's vocabulary

struct GoldenCase {
  int32_t batches, input_size, filters, memory, rank, units, steps;
  float in_scale, feature_scale, time_scale, state_scale, out_scale;
  int32_t in_zp, out_zp;
  const int8_t* feature;
  const int16_t* time;
  bool has_bias;
  const int32_t* bias;
  const int8_t* inputs;
  const int8_t* expected;
};

#define GOLDEN_CASE(p)                                                                        \
  GoldenCase {                                                                                \
    golden::p##Batches, golden::p##InputSize, golden::p##Filters, golden::p##Memory,          \
        golden::p##Rank, golden::p##Units, golden::p##Steps, golden::p##InScale,              \
        golden::p##FeatureScale, golden::p##TimeScale, golden::p##StateScale,                 \
        golden::p##OutScale, golden::p##InZeroPoint, golden::p##OutZeroPoint,                 \
        golden::p##Feature, golden::p##Time, golden::p##HasBias, golden::p##Bias,             \
        golden::p##Inputs, golden::p##Expected                                                \
  }

// Tensors: 0 x, 1 weights_feature, 2 weights_time, 3 bias, 4 state, 5 y (bias -1 if absent).
TinyModel svdf_model(const GoldenCase& c, fb::TensorType act_type = fb::TensorType_INT8) {
  TinyModel m;
  TinyTensor x = quantized("x", act_type, {c.batches, c.input_size}, c.in_scale, c.in_zp);
  TinyTensor feature = quantized("weights_feature", fb::TensorType_INT8,
                                 {c.filters, c.input_size}, c.feature_scale, 0);
  feature.data = raw(c.feature, static_cast<size_t>(c.filters * c.input_size));
  TinyTensor time = quantized("weights_time", fb::TensorType_INT16, {c.filters, c.memory},
                              c.time_scale, 0);
  time.data = raw(c.time, static_cast<size_t>(c.filters * c.memory));
  TinyTensor bias = quantized("bias", fb::TensorType_INT32, {c.units},
                              c.state_scale * c.time_scale, 0);
  bias.data = raw(c.bias, static_cast<size_t>(c.units));
  TinyTensor state = quantized("state", fb::TensorType_INT16, {c.batches, c.filters * c.memory},
                               c.state_scale, 0);
  state.is_variable = true;
  TinyTensor y = quantized("y", act_type, {c.batches, c.units}, c.out_scale, c.out_zp);
  m.tensors = {x, feature, time, bias, state, y};
  TinyOp op;
  op.builtin = fb::BuiltinOperator_SVDF;
  op.inputs = {0, 1, 2, c.has_bias ? 3 : -1, 4};
  op.outputs = {5};
  const int32_t rank = c.rank;
  op.options = [rank](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_SVDFOptions,
                          fb::CreateSVDFOptions(fbb, rank, fb::ActivationFunctionType_RELU).Union());
  };
  m.ops = {op};
  m.inputs = {0};
  m.outputs = {5};
  return m;
}

// Converts and runs every invoke of the case on one interpreter; returns the first step whose
// output differs from the golden (or fails), -1 if none.
int first_wrong_step(const GoldenCase& c) {
  const std::vector<uint8_t> file = convert_graph(tflite_read(build(svdf_model(c)), "s.tflite"), {}).file;
  std::vector<uint8_t> storage(file.size() + 16);
  uint8_t* base = storage.data() + (16 - reinterpret_cast<uintptr_t>(storage.data()) % 16) % 16;
  std::memcpy(base, file.data(), file.size());
  Model model{};
  if (model_validate(base, file.size(), &model, nullptr) != Status::kOk) return 0;
  std::vector<uint8_t> arena_storage(model.header->arena_bytes + 16, 0xA5);
  uint8_t* arena =
      arena_storage.data() + (16 - reinterpret_cast<uintptr_t>(arena_storage.data()) % 16) % 16;
  Interpreter it;
  if (interpreter_init(&it, &model, arena, model.header->arena_bytes) != Status::kOk) return 0;
  const size_t in_bytes = static_cast<size_t>(c.batches * c.input_size);
  const size_t out_bytes = static_cast<size_t>(c.batches * c.units);
  for (int32_t s = 0; s < c.steps; ++s) {
    const TensorRecord* t = nullptr;
    uint8_t* in = nullptr;
    if (interpreter_input(it, 0, &t, &in) != Status::kOk || t->bytes != in_bytes) return s;
    std::memcpy(in, c.inputs + s * in_bytes, in_bytes);
    if (interpreter_invoke(&it) != Status::kOk) return s;
    const uint8_t* out = nullptr;
    interpreter_output(it, 0, &t, &out);
    if (t->bytes != out_bytes || std::memcmp(out, c.expected + s * out_bytes, out_bytes) != 0) {
      return s;
    }
  }
  return -1;
}

// With TMF_FUZZ_SEED_DIR set, the test's .tflite file and its conversion are written there
// (how tests/fuzz/corpus_tflite and corpus_model got their SVDF seeds).
void write_fuzz_seeds(const std::string& name, const std::vector<uint8_t>& tflite) {
  const char* dir = std::getenv("TMF_FUZZ_SEED_DIR");
  if (dir == nullptr) return;
  const std::vector<uint8_t> tmf = convert_graph(tflite_read(tflite, name), {}).file;
  std::ofstream(std::string(dir) + "/" + name + ".tflite", std::ios::binary)
      .write(reinterpret_cast<const char*>(tflite.data()), static_cast<std::streamsize>(tflite.size()));
  std::ofstream(std::string(dir) + "/" + name + ".tmf", std::ios::binary)
      .write(reinterpret_cast<const char*>(tmf.data()), static_cast<std::streamsize>(tmf.size()));
}

TMF_TEST(LowerSvdf, Rank2TwoBatchesRunsBitExactOverSixInvokes) {
  write_fuzz_seeds("crafted_svdf", build(svdf_model(GOLDEN_CASE(kSvdfRank2))));
  TMF_EXPECT_EQ(first_wrong_step(GOLDEN_CASE(kSvdfRank2)), -1);
}

TMF_TEST(LowerSvdf, Rank1NoBiasRunsBitExact) {
  TMF_EXPECT_EQ(first_wrong_step(GOLDEN_CASE(kSvdfRank1NoBias)), -1);
}

TMF_TEST(LowerSvdf, WrappingTimeSumsRunBitExact) {
  TMF_EXPECT_EQ(first_wrong_step(GOLDEN_CASE(kSvdfWrap)), -1);
}

TMF_TEST(LowerSvdf, StateIsAStateTensorOfItsOwn) {
  const GoldenCase c = GOLDEN_CASE(kSvdfRank2);
  const std::vector<uint8_t> file = convert_graph(tflite_read(build(svdf_model(c)), "s.tflite"), {}).file;
  std::vector<uint8_t> storage(file.size() + 16);
  uint8_t* base = storage.data() + (16 - reinterpret_cast<uintptr_t>(storage.data()) % 16) % 16;
  std::memcpy(base, file.data(), file.size());
  Model model{};
  TMF_ASSERT(model_validate(base, file.size(), &model, nullptr) == Status::kOk);
  int states = 0;
  for (uint32_t i = 0; i < model.header->tensor_count; ++i) {
    const TensorRecord& s = model.tensors[i];
    if (s.storage != kTensorStorageState) continue;
    ++states;
    for (uint32_t j = 0; j < model.header->tensor_count; ++j) {
      const TensorRecord& o = model.tensors[j];
      if (j == i || o.storage == kTensorStorageConstant) continue;
      TMF_EXPECT(o.offset + o.bytes <= s.offset || s.offset + s.bytes <= o.offset);
    }
  }
  TMF_EXPECT_EQ(states, 1);
}

TMF_TEST(LowerSvdf, RefusesInt16ActivationsSayingSo) {
  TMF_EXPECT_THROWS(
      convert_graph(tflite_read(build(svdf_model(GOLDEN_CASE(kSvdfRank2), fb::TensorType_INT16)),
                                "s.tflite"), {}),
      ConvertError, "op 0 (SVDF): tensor 0 'x': int16 activations (16x8 quantization) are not supported");
}

TMF_TEST(LowerSvdf, RefusesAStateThatIsNotVariable) {
  TinyModel m = svdf_model(GOLDEN_CASE(kSvdfRank2));
  m.tensors[4].is_variable = false;
  TMF_EXPECT_THROWS(convert_graph(tflite_read(build(m), "s.tflite"), {}), ConvertError,
                    "tensor 4 'state': state must be a variable int16 tensor");
}

TMF_TEST(LowerSvdf, RefusesVariableTensorsOutsideSvdfState) {
  TinyModel m = binary_model(fb::BuiltinOperator_ADD);
  m.tensors[1].is_variable = true;
  m.inputs = {0};
  TMF_EXPECT_THROWS(tflite_read(build(m), "a.tflite"), ConvertError,
                    "op 0 (ADD): tensor 1 'y': variable (stateful) tensors are supported only as "
                    "SVDF's state (input 4)");
}

}  // namespace
}  // namespace tmf::host
