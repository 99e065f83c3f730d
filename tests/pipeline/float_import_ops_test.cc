// Float import of ADD, SUB and MUL with broadcasting and constant operands, CONCATENATION, MEAN
// and PAD (issue 15): small float32 .tflite files written here, quantized on their calibration
// inputs, converted and run on the device runtime. Two oracles, both written in the tests:
// - bit-exact: tests/pipeline/tflm_int8_oracle.h runs the quantized graph with TFLM's reference
//   integer arithmetic, from the graph's scales alone; the runtime's float output must be equal
//   to the last bit;
// - float: a plain float forward pass per model; single-op models must stay within a bound
//   derived from the quantization steps (stated at each test).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"
#include "host/quantize/float_graph.h"
#include "tests/host/test_files.h"
#include "tests/host/tiny_tflite.h"
#include "tests/pipeline/float_tflite.h"
#include "tests/pipeline/tflm_int8_oracle.h"
#include "tests/support/tmf_test.h"

namespace tmf::host {
namespace {

namespace fb = ::tmf::tflite;
using namespace tiny_tflite;   // NOLINT: the test model writer's vocabulary
using namespace float_tflite;  // NOLINT

using FloatFn = std::function<std::vector<float>(const std::vector<float>&)>;
using Dims = tflm_oracle::Dims;

// numpy broadcasting of two right-aligned shapes, for the float oracles.
std::vector<float> broadcast(const std::vector<float>& a, const std::vector<int32_t>& sa, const std::vector<float>& b,
                             const std::vector<int32_t>& sb, const std::function<float(float, float)>& f) {
  const Dims da = tflm_oracle::dims4(sa), db = tflm_oracle::dims4(sb);
  std::vector<float> y;
  for (int64_t i0 = 0; i0 < std::max(da[0], db[0]); ++i0)
    for (int64_t i1 = 0; i1 < std::max(da[1], db[1]); ++i1)
      for (int64_t i2 = 0; i2 < std::max(da[2], db[2]); ++i2)
        for (int64_t i3 = 0; i3 < std::max(da[3], db[3]); ++i3) {
          const auto at = [&](const Dims& d) {
            return static_cast<size_t>(((i0 % d[0] * d[1] + i1 % d[1]) * d[2] + i2 % d[2]) * d[3] + i3 % d[3]);
          };
          y.push_back(f(a[at(da)], b[at(db)]));
        }
  return y;
}

// Mean of an NHWC tensor over H and W, one value per (n, c).
std::vector<float> mean_hw(const std::vector<float>& x, int h, int w, int c) {
  std::vector<float> y(static_cast<size_t>(c), 0.0f);
  for (int c0 = 0; c0 < c; ++c0) {
    double s = 0;
    for (int i = 0; i < h * w; ++i) s += x[static_cast<size_t>(i * c + c0)];
    y[static_cast<size_t>(c0)] = static_cast<float>(s / (h * w));
  }
  return y;
}

// Zero padding of an [1, h, w, c] tensor by (top, bottom, left, right).
std::vector<float> pad_hw(const std::vector<float>& x, int h, int w, int c, int top, int bottom, int left, int right) {
  const int oh = h + top + bottom, ow = w + left + right;
  std::vector<float> y(static_cast<size_t>(oh * ow * c), 0.0f);
  for (int i = 0; i < h; ++i)
    for (int j = 0; j < w; ++j)
      for (int k = 0; k < c; ++k) y[static_cast<size_t>(((i + top) * ow + j + left) * c + k)] = x[static_cast<size_t>((i * w + j) * c + k)];
  return y;
}

TinyOp tiny_op(int32_t builtin, std::vector<int32_t> inputs, int32_t output, OptionsFn options = nullptr) {
  TinyOp op;
  op.builtin = builtin;
  op.inputs = std::move(inputs);
  op.outputs = {output};
  op.options = std::move(options);
  return op;
}

OptionsFn binary_options(int32_t builtin, fb::ActivationFunctionType act) {
  return [builtin, act](flatbuffers::FlatBufferBuilder& fbb) {
    switch (builtin) {
      case fb::BuiltinOperator_ADD: return std::make_pair(fb::BuiltinOptions_AddOptions, fb::CreateAddOptions(fbb, act).Union());
      case fb::BuiltinOperator_SUB: return std::make_pair(fb::BuiltinOptions_SubOptions, fb::CreateSubOptions(fbb, act).Union());
      default: return std::make_pair(fb::BuiltinOptions_MulOptions, fb::CreateMulOptions(fbb, act).Union());
    }
  };
}

OptionsFn mean_options(bool keep_dims) {
  return [keep_dims](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_ReducerOptions, fb::CreateReducerOptions(fbb, keep_dims).Union());
  };
}

OptionsFn concatenation_options(int32_t axis) {
  return [axis](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_ConcatenationOptions, fb::CreateConcatenationOptions(fbb, axis).Union());
  };
}

TinyTensor float_constant(const std::string& name, std::vector<int32_t> shape, const std::vector<float>& v) {
  TinyTensor t = float_tensor(name, std::move(shape));
  t.data = float_bytes(v);
  return t;
}

TinyTensor int32_constant(const std::string& name, std::vector<int32_t> shape, std::initializer_list<int32_t> v) {
  TinyTensor t;
  t.name = name;
  t.type = fb::TensorType_INT32;
  t.shape = std::move(shape);
  t.data = int32_bytes(v);
  return t;
}

struct Outcome {
  Graph q;
  double max_abs = 0;     // |runtime - float oracle| over the calibration set
  size_t mismatches = 0;  // runtime output values not bit-equal to the integer oracle's
  size_t values = 0;
};

// Quantizes `m` on `calibration`, converts, runs every calibration input on the runtime and
// compares with both oracles. With TMF_FLOAT_IMPORT_OUT set, writes `tag`.tmf, its first
// calibration input and the runtime's output there (run_float_import_qemu.sh runs them bare-metal).
Outcome run_model(const TinyModel& m, const std::vector<std::vector<float>>& calibration, const FloatFn& reference,
                  const std::string& tag) {
  const std::vector<uint8_t> tflite = build(m);
  const Graph g = tflite_read(tflite, tag + ".tflite");
  // With TMF_FUZZ_SEED_DIR set, the float model is written there (tests/fuzz/corpus_tflite's
  // float seeds, which take tflite_fuzz through float import).
  if (const char* seeds = std::getenv("TMF_FUZZ_SEED_DIR")) test::write_bytes(std::string(seeds) + "/float_" + tag + ".tflite", tflite);
  Outcome o;
  o.q = quantize::float_graph_quantize(g, calibration);
  const std::vector<uint8_t> file = convert_graph(o.q, {}).file;
  RuntimeRunner runner(file);
  if (const char* keep = std::getenv("TMF_FLOAT_IMPORT_OUT")) {
    const std::string base = std::string(keep) + "/" + tag;
    test::write_bytes(base + ".tmf", file);
    test::write_bytes(base + "_in.f32", float_bytes(calibration[0]));
    test::write_bytes(base + "_host_out.f32", float_bytes(runner.run(calibration[0])));
  }
  tflm_oracle::Oracle oracle(o.q);
  for (const std::vector<float>& x : calibration) {
    const std::vector<float> got = runner.run(x);
    const std::vector<float> exact = oracle.run(x);
    const std::vector<float> expected = reference(x);
    require(got.size() == exact.size() && got.size() == expected.size(), "output sizes");
    for (size_t i = 0; i < got.size(); ++i) {
      if (std::memcmp(&got[i], &exact[i], 4) != 0) ++o.mismatches;
      o.max_abs = std::max(o.max_abs, std::fabs(static_cast<double>(got[i]) - expected[i]));
      ++o.values;
    }
  }
  return o;
}

std::vector<std::vector<float>> calibration_set(size_t n, size_t size, uint32_t seed, float scale) {
  std::vector<std::vector<float>> c;
  for (size_t i = 0; i < n; ++i) c.push_back(lcg_values(size, seed + static_cast<uint32_t>(i) * 7919u, scale));
  return c;
}

// The quantization of the tensor op `opcode` reads (input slot) or writes (slot -1) in q.
const Quantization& quant_of(const Graph& q, OpCode opcode, int slot) {
  for (const Op& op : q.ops) {
    if (op.opcode == opcode) return q.tensors[static_cast<size_t>(slot < 0 ? op.outputs[0] : op.inputs[static_cast<size_t>(slot)])].quant;
  }
  throw std::runtime_error("op not found");
}

double step(const Quantization& q) { return q.scales[0]; }

// Float arithmetic of the oracle and the DEQUANTIZE differ from exact reals by far less.
constexpr double kFloatSlack = 1e-5;

// ADD, SUB, MUL with a constant broadcast operand, each alone: x [2, 3, 4] op c. Bound: the input
// QUANTIZE and the constant's rounding are at most half a step each (calibration inputs lie in
// the calibrated range), TFLM's requantization adds at most one output step; for MUL the
// operand errors are scaled by the other operand's largest magnitude:
//   ADD/SUB: s_x/2 + s_c/2 + s_out;  MUL: max|c| s_x/2 + max|x| s_c/2 + s_x s_c/4 + s_out.
TMF_TEST(FloatImportOps, BinaryWithConstantBroadcastOperand) {
  const std::vector<float> c = lcg_values(4, 901, 1.5f);
  const std::vector<std::vector<float>> calibration = calibration_set(24, 24, 77, 2.0f);
  for (const int32_t builtin : {fb::BuiltinOperator_ADD, fb::BuiltinOperator_SUB, fb::BuiltinOperator_MUL}) {
    for (const bool constant_first : {false, true}) {
      TinyModel m;
      m.tensors = {float_tensor("x", {2, 3, 4}), float_constant("c", {4}, c), float_tensor("y", {2, 3, 4})};
      m.ops = {tiny_op(builtin, constant_first ? std::vector<int32_t>{1, 0} : std::vector<int32_t>{0, 1}, 2,
                       binary_options(builtin, fb::ActivationFunctionType_NONE))};
      m.inputs = {0};
      m.outputs = {2};
      const auto f = [&](float a, float b) {
        return builtin == fb::BuiltinOperator_ADD ? a + b : builtin == fb::BuiltinOperator_SUB ? a - b : a * b;
      };
      const FloatFn reference = [&](const std::vector<float>& x) {
        return constant_first ? broadcast(c, {4}, x, {2, 3, 4}, f) : broadcast(x, {2, 3, 4}, c, {4}, f);
      };
      const std::string name = builtin == fb::BuiltinOperator_ADD ? "add" : builtin == fb::BuiltinOperator_SUB ? "sub" : "mul";
      const Outcome o = run_model(m, calibration, reference, name + (constant_first ? "_constant_first" : "_constant_second"));
      const OpCode opcode = builtin == fb::BuiltinOperator_ADD ? kOpAdd : builtin == fb::BuiltinOperator_SUB ? kOpSub : kOpMul;
      const double s_x = step(quant_of(o.q, opcode, constant_first ? 1 : 0));
      const double s_c = step(quant_of(o.q, opcode, constant_first ? 0 : 1));
      const double s_out = step(quant_of(o.q, opcode, -1));
      double bound = s_x / 2 + s_c / 2 + s_out;
      if (opcode == kOpMul) bound = 1.5 * s_x / 2 + 2.0 * s_c / 2 + s_x * s_c / 4 + s_out;
      std::printf("  float %s (constant %s): int8 vs float max %.5f (bound %.5f), %zu/%zu values bit-equal to TFLM's "
                  "integer arithmetic\n",
                  opcode == kOpAdd ? "ADD" : opcode == kOpSub ? "SUB" : "MUL", constant_first ? "first" : "second",
                  o.max_abs, bound, o.values - o.mismatches, o.values);
      TMF_EXPECT_EQ(o.mismatches, size_t{0});
      TMF_EXPECT(o.max_abs <= bound + kFloatSlack);
      TMF_EXPECT(o.max_abs > 0.0);
      // The constant was quantized per tensor, asymmetric, from its own range.
      const Quantization& qc = quant_of(o.q, opcode, constant_first ? 0 : 1);
      TMF_EXPECT(qc.scales.size() == 1);
    }
  }
}

// Two activations with broadcasting and fused activations: x [1, 4, 4, 3];
// mu = MEAN(x, {1, 2}, keep_dims) [1, 1, 1, 3]; d = SUB(x, mu, RELU) ; p = MUL(d, x, RELU6);
// y = ADD(p, mu). The bound is not derived op by op here (errors compound through four int8
// tensors); the float check is a sanity bound of 4 output steps, and the integer oracle is exact.
TMF_TEST(FloatImportOps, BroadcastingActivationsWithFusedActivations) {
  TinyModel m;
  m.tensors = {float_tensor("x", {1, 4, 4, 3}), int32_constant("axes", {2}, {1, 2}), float_tensor("mu", {1, 1, 1, 3}),
               float_tensor("d", {1, 4, 4, 3}), float_tensor("p", {1, 4, 4, 3}), float_tensor("y", {1, 4, 4, 3})};
  m.ops = {tiny_op(fb::BuiltinOperator_MEAN, {0, 1}, 2, mean_options(true)),
           tiny_op(fb::BuiltinOperator_SUB, {0, 2}, 3, binary_options(fb::BuiltinOperator_SUB, fb::ActivationFunctionType_RELU)),
           tiny_op(fb::BuiltinOperator_MUL, {3, 0}, 4, binary_options(fb::BuiltinOperator_MUL, fb::ActivationFunctionType_RELU6)),
           tiny_op(fb::BuiltinOperator_ADD, {4, 2}, 5, binary_options(fb::BuiltinOperator_ADD, fb::ActivationFunctionType_NONE))};
  m.inputs = {0};
  m.outputs = {5};
  const FloatFn reference = [](const std::vector<float>& x) {
    const std::vector<float> mu = mean_hw(x, 4, 4, 3);
    const std::vector<float> d = broadcast(x, {1, 4, 4, 3}, mu, {1, 1, 1, 3}, [](float a, float b) { return std::max(0.0f, a - b); });
    const std::vector<float> p = broadcast(d, {1, 4, 4, 3}, x, {1, 4, 4, 3}, [](float a, float b) { return std::clamp(a * b, 0.0f, 6.0f); });
    return broadcast(p, {1, 4, 4, 3}, mu, {1, 1, 1, 3}, [](float a, float b) { return a + b; });
  };
  const std::vector<std::vector<float>> calibration = calibration_set(30, 48, 301, 3.0f);
  const Outcome o = run_model(m, calibration, reference, "ops_broadcasting");
  const double s_out = step(quant_of(o.q, kOpAdd, -1));
  std::printf("  float MEAN/SUB RELU/MUL RELU6/ADD broadcasting: int8 vs float max %.5f (%.2f output steps), "
              "%zu/%zu values bit-equal to TFLM's integer arithmetic\n",
              o.max_abs, o.max_abs / s_out, o.values - o.mismatches, o.values);
  TMF_EXPECT_EQ(o.mismatches, size_t{0});
  TMF_EXPECT(o.max_abs <= 4 * s_out);
  TMF_EXPECT(o.max_abs > 0.0);
}

// MEAN alone (keep_dims false, over H and W): the input's half step averages to at most half a
// step, the requantization adds one output step: bound s_x/2 + s_out.
TMF_TEST(FloatImportOps, MeanOverHeightAndWidth) {
  TinyModel m;
  m.tensors = {float_tensor("x", {1, 5, 3, 4}), int32_constant("axes", {2}, {-3, 2}), float_tensor("y", {1, 4})};
  m.ops = {tiny_op(fb::BuiltinOperator_MEAN, {0, 1}, 2, mean_options(false))};
  m.inputs = {0};
  m.outputs = {2};
  const std::vector<std::vector<float>> calibration = calibration_set(20, 60, 501, 2.0f);
  const Outcome o = run_model(m, calibration, [](const std::vector<float>& x) { return mean_hw(x, 5, 3, 4); }, "ops_mean");
  const double bound = step(quant_of(o.q, kOpMean, 0)) / 2 + step(quant_of(o.q, kOpMean, -1));
  std::printf("  float MEAN: int8 vs float max %.5f (bound %.5f), %zu/%zu values bit-equal to TFLM's integer arithmetic\n",
              o.max_abs, bound, o.values - o.mismatches, o.values);
  TMF_EXPECT_EQ(o.mismatches, size_t{0});
  TMF_EXPECT(o.max_abs <= bound + kFloatSlack);
}

// PAD then CONCATENATION with a computed input: x [1, 3, 3, 2]; px = PAD(x, top 1, bottom 0,
// left 2, right 1) [1, 4, 6, 2]; e = ADD(px, c); y = CONCATENATION(px, e, axis 3). PAD keeps
// its input's quantization and pads with its zero point (0.0 exactly); px is read twice, so it
// reaches CONCATENATION through an inserted requantizing QUANTIZE, while e (read only there)
// takes the output's quantization directly. Bound per output: px's half input step plus one
// requantization step; e's as ADD above with the output's step: s_x/2 + s_c/2 + s_out.
TMF_TEST(FloatImportOps, PadAndConcatenation) {
  const std::vector<float> c = {0.75f, -1.25f};
  TinyModel m;
  m.tensors = {float_tensor("x", {1, 3, 3, 2}), int32_constant("paddings", {4, 2}, {0, 0, 1, 0, 2, 1, 0, 0}),
               float_tensor("px", {1, 4, 6, 2}), float_constant("c", {2}, c), float_tensor("e", {1, 4, 6, 2}),
               float_tensor("y", {1, 4, 6, 4})};
  m.ops = {tiny_op(fb::BuiltinOperator_PAD, {0, 1}, 2),
           tiny_op(fb::BuiltinOperator_ADD, {2, 3}, 4, binary_options(fb::BuiltinOperator_ADD, fb::ActivationFunctionType_NONE)),
           tiny_op(fb::BuiltinOperator_CONCATENATION, {2, 4}, 5, concatenation_options(-1))};
  m.inputs = {0};
  m.outputs = {5};
  const FloatFn reference = [&](const std::vector<float>& x) {
    const std::vector<float> px = pad_hw(x, 3, 3, 2, 1, 0, 2, 1);
    const std::vector<float> e = broadcast(px, {1, 4, 6, 2}, c, {2}, [](float a, float b) { return a + b; });
    std::vector<float> y;
    for (size_t i = 0; i < px.size(); i += 2) y.insert(y.end(), {px[i], px[i + 1], e[i], e[i + 1]});
    return y;
  };
  const std::vector<std::vector<float>> calibration = calibration_set(20, 18, 701, 2.5f);
  const Outcome o = run_model(m, calibration, reference, "ops_pad_concatenation");
  size_t requantizes = 0;
  for (const Op& op : o.q.ops) {
    if (op.opcode == kOpQuantize && o.q.tensors[static_cast<size_t>(op.inputs[0])].type == kTensorTypeInt8) ++requantizes;
  }
  const Quantization& out = quant_of(o.q, kOpConcatenation, -1);
  const Quantization& pad_in = quant_of(o.q, kOpPad, 0);
  TMF_EXPECT(quant_of(o.q, kOpPad, -1).scales == pad_in.scales);
  TMF_EXPECT(quant_of(o.q, kOpPad, -1).zero_points == pad_in.zero_points);
  TMF_EXPECT(quant_of(o.q, kOpAdd, -1).scales == out.scales);  // e took the output's quantization
  TMF_EXPECT_EQ(requantizes, size_t{1});                        // px was requantized
  const double bound = std::max(step(pad_in) / 2 + step(out), step(pad_in) / 2 + step(quant_of(o.q, kOpAdd, 1)) / 2 + step(out));
  std::printf("  float PAD + CONCATENATION: int8 vs float max %.5f (bound %.5f), %zu/%zu values bit-equal to TFLM's "
              "integer arithmetic\n",
              o.max_abs, bound, o.values - o.mismatches, o.values);
  TMF_EXPECT_EQ(o.mismatches, size_t{0});
  TMF_EXPECT(o.max_abs <= bound + kFloatSlack);
}

// PADV2 with a non-zero pad value inside the input's range: x [1, 3, 4, 2]; y = PADV2(x, top 2,
// bottom 1, left 0, right 3; value v) [1, 6, 7, 2], then ADD(y, c) so the padded values pass
// through a requantizing op. The pad value must be quantized into the input's quantization
// (TFLM requires constant_values to share the output's, which PAD ties to the input's): checked
// here against the test's own round(v / s) + zp. Bound: PAD's values err by half an input step
// (the pad value too: its own rounding), then ADD as above: s_x/2 + s_c/2 + s_out. Run for a
// negative and a positive value (the input range is about [-2, 2]).
TMF_TEST(FloatImportOps, Padv2WithNonZeroValue) {
  const std::vector<float> c = {0.5f, -0.75f};
  for (const float v : {-1.3f, 0.77f}) {
    TinyModel m;
    m.tensors = {float_tensor("x", {1, 3, 4, 2}), int32_constant("paddings", {4, 2}, {0, 0, 2, 1, 0, 3, 0, 0}),
                 float_constant("v", {1}, {v}), float_tensor("p", {1, 6, 7, 2}), float_constant("c", {2}, c),
                 float_tensor("y", {1, 6, 7, 2})};
    m.ops = {tiny_op(fb::BuiltinOperator_PADV2, {0, 1, 2}, 3),
             tiny_op(fb::BuiltinOperator_ADD, {3, 4}, 5, binary_options(fb::BuiltinOperator_ADD, fb::ActivationFunctionType_NONE))};
    m.inputs = {0};
    m.outputs = {5};
    const FloatFn reference = [&](const std::vector<float>& x) {
      std::vector<float> p = pad_hw(x, 3, 4, 2, 2, 1, 0, 3);
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 7; ++j)
          if (i < 2 || i >= 5 || j >= 4) p[static_cast<size_t>((i * 7 + j) * 2)] = p[static_cast<size_t>((i * 7 + j) * 2 + 1)] = v;
      return broadcast(p, {1, 6, 7, 2}, c, {2}, [](float a, float b) { return a + b; });
    };
    const std::vector<std::vector<float>> calibration = calibration_set(16, 24, 811, 2.0f);
    const Outcome o = run_model(m, calibration, reference, v < 0 ? "ops_padv2_negative" : "ops_padv2_positive");
    const Quantization& in = quant_of(o.q, kOpPad, 0);
    const Quantization& value = quant_of(o.q, kOpPad, 2);
    TMF_EXPECT(value.scales == in.scales && value.zero_points == in.zero_points);
    int8_t stored = 0;
    for (const Op& op : o.q.ops) {
      if (op.opcode == kOpPad) stored = static_cast<int8_t>(o.q.tensors[static_cast<size_t>(op.inputs[2])].data.at(0));
    }
    const double expected_q = std::round(static_cast<double>(v) / in.scales[0]) + static_cast<double>(in.zero_points[0]);
    TMF_EXPECT_EQ(static_cast<int>(stored), static_cast<int>(expected_q));
    const double bound = step(in) / 2 + step(quant_of(o.q, kOpAdd, 1)) / 2 + step(quant_of(o.q, kOpAdd, -1));
    std::printf("  float PADV2 (value %.2f, stored %d): int8 vs float max %.5f (bound %.5f), %zu/%zu values bit-equal "
                "to TFLM's integer arithmetic\n",
                static_cast<double>(v), stored, o.max_abs, bound, o.values - o.mismatches, o.values);
    TMF_EXPECT_EQ(o.mismatches, size_t{0});
    TMF_EXPECT(o.max_abs <= bound + kFloatSlack);
  }
}

// A CONCATENATION feeding another: x [1, 2, 3]; a = ADD(x, c); y1 = CONCATENATION(x, a, axis 1)
// [1, 4, 3]; m = MUL(x, k); y = CONCATENATION(y1, m, axis -2) [1, 6, 3]. Visited last to first:
// y1 (read only by the outer one) takes y's quantization, then a takes it too, and the graph
// input x reaches both through requantizing QUANTIZEs. Bound as for PadAndConcatenation, with
// MUL's operand terms: max|k| s_x/2 + max|x| s_k/2 + s_x s_k/4 + the output step, and ADD's
// s_x/2 + s_c/2 + the output step (x in [-2, 2], |k| <= 1.5 by construction).
TMF_TEST(FloatImportOps, NestedConcatenations) {
  const std::vector<float> c = {0.5f, -1.0f, 1.5f}, k = {1.5f, -0.25f, 0.75f};
  TinyModel m;
  m.tensors = {float_tensor("x", {1, 2, 3}), float_constant("c", {3}, c), float_tensor("a", {1, 2, 3}),
               float_tensor("y1", {1, 4, 3}), float_constant("k", {3}, k), float_tensor("m", {1, 2, 3}),
               float_tensor("y", {1, 6, 3})};
  m.ops = {tiny_op(fb::BuiltinOperator_ADD, {0, 1}, 2, binary_options(fb::BuiltinOperator_ADD, fb::ActivationFunctionType_NONE)),
           tiny_op(fb::BuiltinOperator_CONCATENATION, {0, 2}, 3, concatenation_options(1)),
           tiny_op(fb::BuiltinOperator_MUL, {0, 4}, 5, binary_options(fb::BuiltinOperator_MUL, fb::ActivationFunctionType_NONE)),
           tiny_op(fb::BuiltinOperator_CONCATENATION, {3, 5}, 6, concatenation_options(-2))};
  m.inputs = {0};
  m.outputs = {6};
  const FloatFn reference = [&](const std::vector<float>& x) {
    std::vector<float> y = x;
    const std::vector<float> a = broadcast(x, {1, 2, 3}, c, {3}, [](float p, float q) { return p + q; });
    const std::vector<float> mm = broadcast(x, {1, 2, 3}, k, {3}, [](float p, float q) { return p * q; });
    y.insert(y.end(), a.begin(), a.end());
    y.insert(y.end(), mm.begin(), mm.end());
    return y;
  };
  const std::vector<std::vector<float>> calibration = calibration_set(20, 6, 1301, 2.0f);
  const Outcome o = run_model(m, calibration, reference, "ops_nested_concatenation");
  const Quantization& y = quant_of(o.q, kOpDequantize, 0);
  size_t requantizes = 0, concatenations = 0;
  for (const Op& op : o.q.ops) {
    if (op.opcode == kOpQuantize && o.q.tensors[static_cast<size_t>(op.inputs[0])].type == kTensorTypeInt8) ++requantizes;
    if (op.opcode == kOpConcatenation) {
      ++concatenations;
      for (int t : op.inputs) TMF_EXPECT(o.q.tensors[static_cast<size_t>(t)].quant.scales == y.scales);
      TMF_EXPECT(o.q.tensors[static_cast<size_t>(op.outputs[0])].quant.scales == y.scales);
    }
  }
  TMF_EXPECT_EQ(concatenations, size_t{2});
  TMF_EXPECT_EQ(requantizes, size_t{1});  // x into the inner CONCATENATION
  const double s_x = step(quant_of(o.q, kOpAdd, 0)), s_y = step(y);
  const double bound = std::max({s_x / 2 + s_y, s_x / 2 + step(quant_of(o.q, kOpAdd, 1)) / 2 + s_y,
                                 1.5 * s_x / 2 + 2.0 * step(quant_of(o.q, kOpMul, 1)) / 2 +
                                     s_x * step(quant_of(o.q, kOpMul, 1)) / 4 + s_y});
  std::printf("  float nested CONCATENATION: int8 vs float max %.5f (bound %.5f), %zu/%zu values bit-equal to TFLM's "
              "integer arithmetic\n",
              o.max_abs, bound, o.values - o.mismatches, o.values);
  TMF_EXPECT_EQ(o.mismatches, size_t{0});
  TMF_EXPECT(o.max_abs <= bound + kFloatSlack);
}

// What float import still refuses names the op, the tensor and the reason.
TMF_TEST(FloatImportOps, RefusesUnsupportedVariants) {
  const auto refused = [&](TinyModel m, const std::string& message) {
    m.inputs = {0};
    m.outputs = {static_cast<int32_t>(m.tensors.size()) - 1};
    const Graph g = tflite_read(build(m), "v.tflite");
    TMF_EXPECT_THROWS(quantize::float_graph_quantize(g, {std::vector<float>(static_cast<size_t>(g.tensors[0].element_count()), 0.5f)}),
                      ConvertError, message);
  };
  {  // PADV2's constant_values outside the input's calibrated range [0, 0.5]
    TinyModel m;
    m.tensors = {float_tensor("x", {1, 2}), int32_constant("p", {2, 2}, {0, 0, 1, 1}), float_constant("v", {1}, {3.0f}),
                 float_tensor("y", {1, 4})};
    m.ops = {tiny_op(fb::BuiltinOperator_PADV2, {0, 1, 2}, 3)};
    refused(m, "v.tflite: op 0 (PADV2): tensor 2 'v': PADV2 constant_values 3.000000 is outside the range [");
  }
  {  // PADV2's constant_values that is not a scalar
    TinyModel m;
    m.tensors = {float_tensor("x", {1, 2}), int32_constant("p", {2, 2}, {0, 0, 1, 1}), float_constant("v", {2}, {0.1f, 0.2f}),
                 float_tensor("y", {1, 4})};
    m.ops = {tiny_op(fb::BuiltinOperator_PADV2, {0, 1, 2}, 3)};
    refused(m, "v.tflite: op 0 (PADV2): tensor 2 'v': PADV2 constant_values must be a constant float32 scalar");
  }
  {  // regression (tflite_fuzz, regress_float_nan_weight.tflite): a NaN weight made the int8 cast
     // of its quantized value undefined; non-finite constants are refused, naming the element
    TinyModel m;
    m.tensors = {float_tensor("x", {1, 2}), float_constant("c", {2}, {0.5f, std::nanf("")}), float_tensor("y", {1, 2})};
    m.ops = {tiny_op(fb::BuiltinOperator_ADD, {0, 1}, 2)};
    refused(m, "v.tflite: op 0 (ADD): tensor 1 'c': element 1 is not finite");
  }
  {  // shapes that do not broadcast
    TinyModel m;
    m.tensors = {float_tensor("x", {1, 3}), float_constant("c", {2}, {1, 2}), float_tensor("y", {1, 3})};
    m.ops = {tiny_op(fb::BuiltinOperator_MUL, {0, 1}, 2)};
    refused(m, "v.tflite: op 0 (MUL): tensor 1 'c': shape [2] does not broadcast with [1, 3]");
  }
  {  // a fused activation on CONCATENATION
    TinyModel m;
    m.tensors = {float_tensor("x", {1, 2}), float_tensor("y", {1, 4})};
    m.ops = {tiny_op(fb::BuiltinOperator_CONCATENATION, {0, 0}, 1, [](flatbuffers::FlatBufferBuilder& fbb) {
      return std::make_pair(fb::BuiltinOptions_ConcatenationOptions,
                            fb::CreateConcatenationOptions(fbb, 1, fb::ActivationFunctionType_RELU).Union());
    })};
    refused(m, "v.tflite: op 0 (CONCATENATION): fused activations are not supported");
  }
  {  // MEAN over an axis outside the rank
    TinyModel m;
    m.tensors = {float_tensor("x", {2, 3}), int32_constant("a", {1}, {2}), float_tensor("y", {2})};
    m.ops = {tiny_op(fb::BuiltinOperator_MEAN, {0, 1}, 2)};
    refused(m, "v.tflite: op 0 (MEAN): tensor 1 'a': axis 2 is outside rank 2");
  }
  {  // MEAN of a constant
    TinyModel m;
    m.tensors = {float_tensor("x", {1, 2}), float_constant("c", {2, 3}, {1, 2, 3, 4, 5, 6}), int32_constant("a", {1}, {1}),
                 float_tensor("y", {2})};
    m.ops = {tiny_op(fb::BuiltinOperator_MEAN, {1, 2}, 3)};
    refused(m, "v.tflite: op 0 (MEAN): tensor 1 'c': a constant input is not supported by float import");
  }
  {  // negative padding
    TinyModel m;
    m.tensors = {float_tensor("x", {1, 4}), int32_constant("p", {2, 2}, {0, 0, -1, 0}), float_tensor("y", {1, 3})};
    m.ops = {tiny_op(fb::BuiltinOperator_PAD, {0, 1}, 2)};
    refused(m, "v.tflite: op 0 (PAD): tensor 1 'p': negative padding on dimension 1 is not supported");
  }
  {  // an op outside the float set
    TinyModel m;
    m.tensors = {float_tensor("x", {1, 4}), float_tensor("y", {1, 4})};
    m.ops = {tiny_op(fb::BuiltinOperator_HARD_SWISH, {0}, 1)};
    refused(m, "v.tflite: op 0 (HARD_SWISH): float import supports FULLY_CONNECTED");
  }
}

}  // namespace
}  // namespace tmf::host
