// UNIDIRECTIONAL_SEQUENCE_LSTM from .tflite files written by the project's own writer
// (tiny_tflite.h: 24 operands, the output and cell states variable tensors, as TFLite's converter
// writes an int8 LSTM) through import, lowering, the arena planner and the device runtime over
// two invokes, against tests/device/golden/lstm_golden.h (TFLM's integer LSTM in Python
// integers, see there): the lowering must find TFLM's multipliers from the float scales alone,
// and both states must survive between invokes. Time-major and batch-major cases.
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "device/runtime/interpreter.h"
#include "device/runtime/kernels/unidirectional_sequence_lstm.h"
#include "device/runtime/model.h"
#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"
#include "tests/device/golden/lstm_golden.h"
#include "tests/host/tiny_tflite.h"
#include "tests/support/tmf_test.h"

namespace tmf::host {
namespace {

namespace fb = ::tmf::tflite;
using namespace tiny_tflite;  // NOLINT: the test model writer's vocabulary

struct LstmCase {
  bool time_major;
  int32_t time, batch, input, cells, invokes;
  float in_scale, hidden_scale, cell_scale, cell_clip;
  const float* w_scale;
  const float* r_scale;
  int32_t in_zp, hidden_zp;
  const int32_t* gate_requant;
  const int32_t* mul_requant;
  int32_t cell_power, quantized_clip;
  const int8_t* weights;
  const int8_t* recurrent;
  const int32_t* bias;
  const int8_t* inputs;
  const int8_t* expected;
};

#define LSTM_CASE(p)                                                                           \
  LstmCase {                                                                                   \
    golden::p##TimeMajor, golden::p##Time, golden::p##Batch, golden::p##Input,                 \
        golden::p##Cells, golden::p##Invokes, golden::p##InScale, golden::p##HiddenScale,      \
        golden::p##CellScale, golden::p##CellClip, golden::p##WeightScale,                     \
        golden::p##RecurrentScale, golden::p##InZeroPoint, golden::p##HiddenZeroPoint,         \
        golden::p##GateRequant, golden::p##MulRequant, golden::p##CellPower,                   \
        golden::p##QuantizedClip, golden::p##Weights, golden::p##Recurrent, golden::p##Bias,   \
        golden::p##Inputs, golden::p##Expected                                                 \
  }

std::vector<int32_t> sequence_shape(const LstmCase& c, int32_t last) {
  return c.time_major ? std::vector<int32_t>{c.time, c.batch, last}
                      : std::vector<int32_t>{c.batch, c.time, last};
}

// Tensors: 0 x, 1-4 input weights (i, f, c, o), 5-8 recurrent weights, 9-12 biases, 13 output
// state, 14 cell state, 15 y; op inputs in TFLite's order with -1 for the absent optionals.
TinyModel lstm_model(const LstmCase& c, fb::TensorType act_type = fb::TensorType_INT8) {
  TinyModel m;
  m.tensors.push_back(quantized("x", act_type, sequence_shape(c, c.input), c.in_scale, c.in_zp));
  const char* gates[4] = {"input", "forget", "cell", "output"};
  for (int g = 0; g < 4; ++g) {
    TinyTensor w = quantized(std::string(gates[g]) + "_w", fb::TensorType_INT8, {c.cells, c.input},
                             c.w_scale[g], 0);
    w.data = raw(c.weights + g * c.cells * c.input, static_cast<size_t>(c.cells * c.input));
    m.tensors.push_back(w);
  }
  for (int g = 0; g < 4; ++g) {
    TinyTensor r = quantized(std::string(gates[g]) + "_r", fb::TensorType_INT8, {c.cells, c.cells},
                             c.r_scale[g], 0);
    r.data = raw(c.recurrent + g * c.cells * c.cells, static_cast<size_t>(c.cells * c.cells));
    m.tensors.push_back(r);
  }
  for (int g = 0; g < 4; ++g) {
    TinyTensor b = quantized(std::string(gates[g]) + "_bias", fb::TensorType_INT32, {c.cells},
                             c.in_scale * c.w_scale[g], 0);
    b.data = raw(c.bias + g * c.cells, static_cast<size_t>(c.cells));
    m.tensors.push_back(b);
  }
  TinyTensor hidden = quantized("output_state", act_type, {c.batch, c.cells}, c.hidden_scale,
                                c.hidden_zp);
  hidden.is_variable = true;
  TinyTensor cell = quantized("cell_state", fb::TensorType_INT16, {c.batch, c.cells},
                              c.cell_scale, 0);
  cell.is_variable = true;
  m.tensors.push_back(hidden);
  m.tensors.push_back(cell);
  m.tensors.push_back(quantized("y", act_type, sequence_shape(c, c.cells), c.hidden_scale,
                                c.hidden_zp));
  TinyOp op;
  op.builtin = fb::BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_LSTM;
  op.inputs = {0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1, 9, 10, 11, 12, -1, -1, 13, 14,
               -1, -1, -1, -1};
  op.outputs = {15};
  const float clip = c.cell_clip;
  const bool time_major = c.time_major;
  op.options = [clip, time_major](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_UnidirectionalSequenceLSTMOptions,
                          fb::CreateUnidirectionalSequenceLSTMOptions(
                              fbb, fb::ActivationFunctionType_TANH, clip, 0.0f, time_major)
                              .Union());
  };
  m.ops = {op};
  m.inputs = {0};
  m.outputs = {15};
  return m;
}

struct Loaded {
  std::vector<uint8_t> storage;
  Model model{};
};

bool load(const std::vector<uint8_t>& file, Loaded* l) {
  l->storage.assign(file.size() + 16, 0);
  uint8_t* base = l->storage.data() + (16 - reinterpret_cast<uintptr_t>(l->storage.data()) % 16) % 16;
  std::memcpy(base, file.data(), file.size());
  return model_validate(base, file.size(), &l->model, nullptr) == Status::kOk;
}

// Converts and runs every invoke of the case on one interpreter; returns the first invoke whose
// output differs from the golden (or fails), -1 if none.
int first_wrong_invoke(const LstmCase& c) {
  Loaded l;
  if (!load(convert_graph(tflite_read(build(lstm_model(c)), "l.tflite"), {}).file, &l)) return 0;
  std::vector<uint8_t> arena_storage(l.model.header->arena_bytes + 16, 0xA5);
  uint8_t* arena =
      arena_storage.data() + (16 - reinterpret_cast<uintptr_t>(arena_storage.data()) % 16) % 16;
  Interpreter it;
  if (interpreter_init(&it, &l.model, arena, l.model.header->arena_bytes) != Status::kOk) return 0;
  const size_t in_bytes = static_cast<size_t>(c.time * c.batch * c.input);
  const size_t out_bytes = static_cast<size_t>(c.time * c.batch * c.cells);
  for (int32_t s = 0; s < c.invokes; ++s) {
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

// The op's params in the converted file, for comparison with the oracle's TFLM Prepare values.
UnidirectionalSequenceLstmParams converted_params(const LstmCase& c) {
  Loaded l;
  UnidirectionalSequenceLstmParams p{};
  if (!load(convert_graph(tflite_read(build(lstm_model(c)), "l.tflite"), {}).file, &l)) return p;
  for (uint32_t i = 0; i < l.model.header->op_count; ++i) {
    const OpRecord& op = l.model.ops[i];
    if (op.opcode == kOpUnidirectionalSequenceLstm && op.params_bytes == sizeof(p)) {
      std::memcpy(&p, l.model.params + op.params_offset, sizeof(p));
    }
  }
  return p;
}

bool params_match_oracle(const LstmCase& c) {
  const UnidirectionalSequenceLstmParams p = converted_params(c);
  for (int g = 0; g < 8; ++g) {
    if (p.gate_multiplier[g] != c.gate_requant[2 * g] || p.gate_shift[g] != c.gate_requant[2 * g + 1]) {
      return false;
    }
  }
  const bool clip_ok = c.quantized_clip < 0 ? p.cell_clip_enabled == 0
                                            : p.cell_clip_enabled == 1 && p.cell_clip == c.quantized_clip;
  return p.forget_cell_multiplier == c.mul_requant[0] && p.forget_cell_shift == c.mul_requant[1] &&
         p.input_cell_multiplier == c.mul_requant[2] && p.input_cell_shift == c.mul_requant[3] &&
         p.hidden_multiplier == c.mul_requant[4] && p.hidden_shift == c.mul_requant[5] &&
         p.cell_scale_power == c.cell_power && p.hidden_zero_point == c.hidden_zp && clip_ok &&
         p.time_major == (c.time_major ? 1 : 0);
}

// With TMF_FUZZ_SEED_DIR set, the test's .tflite file and its conversion are written there
// (how tests/fuzz/corpus_tflite, corpus_model and the QEMU golden files got their LSTM seeds).
void write_fuzz_seeds(const std::string& name, const std::vector<uint8_t>& tflite) {
  const char* dir = std::getenv("TMF_FUZZ_SEED_DIR");
  if (dir == nullptr) return;
  const std::vector<uint8_t> tmf = convert_graph(tflite_read(tflite, name), {}).file;
  std::ofstream(std::string(dir) + "/" + name + ".tflite", std::ios::binary)
      .write(reinterpret_cast<const char*>(tflite.data()), static_cast<std::streamsize>(tflite.size()));
  std::ofstream(std::string(dir) + "/" + name + ".tmf", std::ios::binary)
      .write(reinterpret_cast<const char*>(tmf.data()), static_cast<std::streamsize>(tmf.size()));
}

TMF_TEST(LowerLstm, TimeMajorRunsBitExactOverTwoInvokes) {
  write_fuzz_seeds("lstm_time_major", build(lstm_model(LSTM_CASE(kLstmTimeMajor))));
  TMF_EXPECT_EQ(first_wrong_invoke(LSTM_CASE(kLstmTimeMajor)), -1);
}

TMF_TEST(LowerLstm, BatchMajorWithCellClipRunsBitExact) {
  write_fuzz_seeds("lstm_batch_major", build(lstm_model(LSTM_CASE(kLstmBatchMajor))));
  TMF_EXPECT_EQ(first_wrong_invoke(LSTM_CASE(kLstmBatchMajor)), -1);
}

TMF_TEST(LowerLstm, SaturatingGatesRunBitExact) {
  TMF_EXPECT_EQ(first_wrong_invoke(LSTM_CASE(kLstmSaturating)), -1);
}

TMF_TEST(LowerLstm, ParamsAreTflmPrepareValues) {
  TMF_EXPECT(params_match_oracle(LSTM_CASE(kLstmTimeMajor)));
  TMF_EXPECT(params_match_oracle(LSTM_CASE(kLstmBatchMajor)));
  TMF_EXPECT(params_match_oracle(LSTM_CASE(kLstmSaturating)));
}

TMF_TEST(LowerLstm, StatesAreStateTensors) {
  Loaded l;
  TMF_ASSERT(load(convert_graph(tflite_read(build(lstm_model(LSTM_CASE(kLstmTimeMajor))),
                                            "l.tflite"), {}).file, &l));
  int states = 0;
  for (uint32_t i = 0; i < l.model.header->tensor_count; ++i) {
    if (l.model.tensors[i].storage == kTensorStorageState) ++states;
  }
  TMF_EXPECT_EQ(states, 2);
}

TMF_TEST(LowerLstm, RefusesInt16ActivationsSayingSo) {
  TMF_EXPECT_THROWS(
      convert_graph(tflite_read(build(lstm_model(LSTM_CASE(kLstmTimeMajor), fb::TensorType_INT16)),
                                "l.tflite"), {}),
      ConvertError,
      "op 0 (UNIDIRECTIONAL_SEQUENCE_LSTM): tensor 0 'x': int16 activations (16x8 quantization) "
      "are not supported");
}

// A model with one more constant operand at `slot` (a peephole, projection or layer-norm
// weight TFLM's kernel has no support for).
TinyModel with_extra_operand(int slot, std::vector<int32_t> shape) {
  const LstmCase c = LSTM_CASE(kLstmTimeMajor);
  TinyModel m = lstm_model(c);
  TinyTensor extra = quantized("extra", fb::TensorType_INT16, shape, 0.001f, 0);
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  extra.data.assign(static_cast<size_t>(n) * 2, 1);
  m.tensors.push_back(extra);
  m.ops[0].inputs[static_cast<size_t>(slot)] = static_cast<int32_t>(m.tensors.size()) - 1;
  return m;
}

TMF_TEST(LowerLstm, RefusesPeepholeProjectionAndLayerNorm) {
  const auto convert = [](const TinyModel& m) {
    return convert_graph(tflite_read(build(m), "l.tflite"), {});
  };
  TMF_EXPECT_THROWS(convert(with_extra_operand(10, {4})), ConvertError,
                    "tensor 16 'extra': peephole (cell-to-gate) weights are not supported");
  TMF_EXPECT_THROWS(convert(with_extra_operand(16, {4, 4})), ConvertError,
                    "tensor 16 'extra': projection is not supported");
  TMF_EXPECT_THROWS(convert(with_extra_operand(21, {4})), ConvertError,
                    "tensor 16 'extra': layer normalization is not supported");
}

TMF_TEST(LowerLstm, RefusesCifgAndNonVariableStates) {
  TinyModel cifg = lstm_model(LSTM_CASE(kLstmTimeMajor));
  cifg.ops[0].inputs[1] = -1;
  TMF_EXPECT_THROWS(convert_graph(tflite_read(build(cifg), "l.tflite"), {}), ConvertError,
                    "input 1 is absent: CIFG (coupled input and forget gates) is not supported");
  TinyModel plain = lstm_model(LSTM_CASE(kLstmTimeMajor));
  plain.tensors[14].is_variable = false;
  TMF_EXPECT_THROWS(convert_graph(tflite_read(build(plain), "l.tflite"), {}), ConvertError,
                    "tensor 14 'cell_state': the cell state must be a variable int16 tensor");
}

TMF_TEST(LowerLstm, RefusesACellScaleThatIsNotAPowerOfTwo) {
  TinyModel m = lstm_model(LSTM_CASE(kLstmTimeMajor));
  m.tensors[14].scales = {0.0003f};
  TMF_EXPECT_THROWS(convert_graph(tflite_read(build(m), "l.tflite"), {}), ConvertError,
                    "tensor 14 'cell_state': scale 0.000300 is not a power of two");
}

}  // namespace
}  // namespace tmf::host
