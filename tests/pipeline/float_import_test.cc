// Float32 TFLite import with post-training quantization (host/quantize/float_graph.h): float
// models built here as .tflite files, quantized on calibration inputs, converted and run through
// the device runtime. The float oracle is a plain float forward pass written in this test (not
// the code under test); the bound on the int8-vs-float error is stated per test with its reason.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "host/convert/aligned_buffer.h"
#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"
#include "host/quantize/float_graph.h"
#include "tests/host/tiny_tflite.h"
#include "tests/support/tmf_test.h"

namespace tmf::host {
namespace {

namespace fb = ::tmf::tflite;
using namespace tiny_tflite;  // NOLINT: the test model writer's vocabulary

struct Dense {
  int in = 0, out = 0;
  std::vector<float> w, b;  // w [out][in]
  bool relu = false;
};

// Deterministic weights in [-scale, scale] (a 32-bit LCG).
std::vector<float> lcg_values(size_t n, uint32_t seed, float scale) {
  std::vector<float> v(n);
  for (float& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = scale * (static_cast<float>(seed >> 8) / 8388608.0f - 1.0f);
  }
  return v;
}

std::vector<uint8_t> float_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

TinyTensor float_tensor(const std::string& name, std::vector<int32_t> shape) {
  TinyTensor t;
  t.name = name;
  t.type = fb::TensorType_FLOAT32;
  t.shape = std::move(shape);
  return t;
}

// A chain of FULLY_CONNECTED layers as a float32 .tflite.
std::vector<uint8_t> float_model(const std::vector<Dense>& layers) {
  TinyModel m;
  m.tensors.push_back(float_tensor("x", {1, layers[0].in}));
  int x = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Dense& d = layers[i];
    TinyTensor w = float_tensor("w" + std::to_string(i), {d.out, d.in});
    w.data = float_bytes(d.w);
    TinyTensor b = float_tensor("b" + std::to_string(i), {d.out});
    b.data = float_bytes(d.b);
    m.tensors.push_back(w);
    m.tensors.push_back(b);
    m.tensors.push_back(float_tensor("y" + std::to_string(i), {1, d.out}));
    const int n = static_cast<int>(m.tensors.size());
    TinyOp op;
    op.builtin = fb::BuiltinOperator_FULLY_CONNECTED;
    op.inputs = {x, n - 3, n - 2};
    op.outputs = {n - 1};
    const bool relu = d.relu;
    op.options = [relu](flatbuffers::FlatBufferBuilder& fbb) {
      return std::make_pair(fb::BuiltinOptions_FullyConnectedOptions,
                            fb::CreateFullyConnectedOptions(fbb, relu ? fb::ActivationFunctionType_RELU
                                                                      : fb::ActivationFunctionType_NONE)
                                .Union());
    };
    m.ops.push_back(op);
    x = n - 1;
  }
  m.inputs = {0};
  m.outputs = {x};
  return build(m);
}

// The independent float oracle.
std::vector<float> forward(const std::vector<Dense>& layers, std::vector<float> x) {
  for (const Dense& d : layers) {
    std::vector<float> y(static_cast<size_t>(d.out));
    for (int o = 0; o < d.out; ++o) {
      float acc = d.b[static_cast<size_t>(o)];
      for (int i = 0; i < d.in; ++i) acc += d.w[static_cast<size_t>(o * d.in + i)] * x[static_cast<size_t>(i)];
      y[static_cast<size_t>(o)] = d.relu ? std::max(0.0f, acc) : acc;
    }
    x = std::move(y);
  }
  return x;
}

struct Measured {
  double max_abs = 0, rms = 0, lo = 1e30, hi = -1e30;
  int reported_sets = 0;  // the converter's own report, on the calibration set
};

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

// Quantizes on `calibration`, converts, runs every `eval` input on the device runtime and compares
// with the oracle.
Measured quantize_and_compare(const std::vector<Dense>& layers, const std::vector<std::vector<float>>& calibration,
                              const std::vector<std::vector<float>>& eval, Graph* quantized_out = nullptr) {
  const Graph g = tflite_read(float_model(layers), "float.tflite");
  require(quantize::float_graph_needs_calibration(g), "float model not recognized");
  Graph q = quantize::float_graph_quantize(g, calibration);
  if (quantized_out != nullptr) *quantized_out = q;
  const std::vector<uint8_t> file = convert_graph(std::move(q), {}).file;
  const AlignedBuffer copy(file);
  Model model{};
  require(model_validate(copy.data(), file.size(), &model, nullptr) == Status::kOk, "validation");
  AlignedBuffer arena(model.header->arena_bytes);
  Interpreter it;
  require(interpreter_init(&it, &model, arena.data(), model.header->arena_bytes) == Status::kOk, "init");
  Measured m;
  double squares = 0;
  size_t count = 0;
  for (const std::vector<float>& x : eval) {
    const TensorRecord* t = nullptr;
    uint8_t* in = nullptr;
    require(interpreter_input(it, 0, &t, &in) == Status::kOk, "input");
    require(t->type == kTensorTypeFloat32 && t->bytes == x.size() * 4, "input is float32");
    std::memcpy(in, x.data(), t->bytes);
    require(interpreter_invoke(&it) == Status::kOk, "invoke");
    const uint8_t* out = nullptr;
    interpreter_output(it, 0, &t, &out);
    const std::vector<float> expected = forward(layers, x);
    require(t->type == kTensorTypeFloat32 && t->bytes == expected.size() * 4, "output is float32");
    for (size_t i = 0; i < expected.size(); ++i) {
      float got;
      std::memcpy(&got, out + 4 * i, 4);
      const double d = static_cast<double>(got) - expected[i];
      m.max_abs = std::max(m.max_abs, std::fabs(d));
      squares += d * d;
      m.lo = std::min(m.lo, static_cast<double>(expected[i]));
      m.hi = std::max(m.hi, static_cast<double>(expected[i]));
      ++count;
    }
  }
  m.rms = std::sqrt(squares / static_cast<double>(count));
  m.reported_sets = quantize::float_graph_quantization_error(g, file, calibration).sets;
  return m;
}

// A worst-case bound on |int8 - float| at the output for inputs inside the calibrated ranges (no
// clipping), propagated layer by layer from the quantized graph's own scales: the input's rounding
// (half a step), then per FULLY_CONNECTED layer sum_k |w_uk| e_in (carried error; RELU is
// 1-Lipschitz), sum_k (max|x| + e_in) s_w / 2 (weight rounding), s_in s_w / 2 (bias rounding) and
// one output step (the requantization's rounding, up to one step with its double rounding).
double error_bound(const std::vector<Dense>& layers, const Graph& q) {
  const Tensor& x = q.tensors[q.ops[0].outputs[0]];
  double e = x.quant.scales[0] / 2.0;
  for (size_t l = 0; l < layers.size(); ++l) {
    const Op& fc = q.ops[l + 1];
    const Tensor& in = q.tensors[fc.inputs[0]];
    const double s_in = in.quant.scales[0];
    const double zp = static_cast<double>(in.quant.zero_points[0]);
    const double max_x = s_in * std::max(std::fabs(-128.0 - zp), std::fabs(127.0 - zp));
    const double s_w = q.tensors[fc.inputs[1]].quant.scales[0];
    const double s_out = q.tensors[fc.outputs[0]].quant.scales[0];
    const Dense& d = layers[l];
    double worst = 0;
    for (int u = 0; u < d.out; ++u) {
      double carried = 0;
      for (int k = 0; k < d.in; ++k) carried += std::fabs(d.w[static_cast<size_t>(u * d.in + k)]);
      worst = std::max(worst, carried * e);
    }
    e = worst + d.in * (max_x + e) * s_w / 2 + s_in * s_w / 2 + s_out;
  }
  return e;
}

TMF_TEST(FloatImport, HelloWorldLike1x16x16x1) {
  // y = FC(16, RELU) -> FC(16, RELU) -> FC(1) on x in [0, 2 pi], deterministic weights.
  std::vector<Dense> layers = {{1, 16, lcg_values(16, 1, 1.0f), lcg_values(16, 2, 0.5f), true},
                               {16, 16, lcg_values(256, 3, 0.4f), lcg_values(16, 4, 0.2f), true},
                               {16, 1, lcg_values(16, 5, 0.5f), lcg_values(1, 6, 0.1f), false}};
  std::vector<std::vector<float>> calibration, eval;
  for (int i = 0; i < 64; ++i) calibration.push_back({6.2831853f * static_cast<float>(i) / 63.0f});
  for (int i = 0; i < 1000; ++i) eval.push_back({6.2831853f * static_cast<float>(i) / 999.0f});
  Graph q;
  const Measured c = quantize_and_compare(layers, calibration, calibration, &q);
  const double bound = error_bound(layers, q);
  const Measured m = quantize_and_compare(layers, calibration, eval);
  std::printf("  float hello_world 1-16-16-1: int8 vs float: calibration set (64) max |error| %.5f "
              "(bound %.5f), rms %.5f; 1000 grid inputs max %.5f, rms %.5f; outputs in [%.4f, %.4f]\n",
              c.max_abs, bound, c.rms, m.max_abs, m.rms, m.lo, m.hi);
  TMF_EXPECT(c.max_abs <= bound);
  TMF_EXPECT(c.max_abs > 0.0);  // the int8 path ran, not a float copy
  TMF_EXPECT_EQ(m.reported_sets, 64);

  // TFLite's rules: per-tensor symmetric weights (max |w| / 127), bias at s_in * s_w.
  const Op& fc = q.ops[1];
  TMF_ASSERT(fc.opcode == kOpFullyConnected);
  const Tensor& w = q.tensors[fc.inputs[1]];
  float max_abs = 0;
  for (float v : layers[0].w) max_abs = std::max(max_abs, std::fabs(v));
  TMF_EXPECT(w.quant.scales.size() == 1 && w.quant.scales[0] == max_abs / 127.0f);
  TMF_EXPECT(w.quant.zero_points[0] == 0);
  const Tensor& b = q.tensors[fc.inputs[2]];
  const double s_in = q.tensors[fc.inputs[0]].quant.scales[0];
  TMF_EXPECT(b.type == kTensorTypeInt32 &&
             b.quant.scales[0] == static_cast<float>(s_in * static_cast<double>(w.quant.scales[0])));
}

TMF_TEST(FloatImport, Autoencoder16x8x4x8x16) {
  std::vector<Dense> layers = {{16, 8, lcg_values(128, 11, 0.4f), lcg_values(8, 12, 0.1f), true},
                               {8, 4, lcg_values(32, 13, 0.5f), lcg_values(4, 14, 0.1f), true},
                               {4, 8, lcg_values(32, 15, 0.5f), lcg_values(8, 16, 0.1f), true},
                               {8, 16, lcg_values(128, 17, 0.4f), lcg_values(16, 18, 0.1f), false}};
  std::vector<std::vector<float>> calibration, eval;
  for (int i = 0; i < 200; ++i) calibration.push_back(lcg_values(16, 100 + i, 1.0f));
  for (int i = 0; i < 200; ++i) eval.push_back(lcg_values(16, 5000 + i, 1.0f));  // held out
  Graph q;
  const Measured c = quantize_and_compare(layers, calibration, calibration, &q);
  const double bound = error_bound(layers, q);
  const Measured m = quantize_and_compare(layers, calibration, eval);
  std::printf("  float autoencoder 16-8-4-8-16: int8 vs float: calibration set (200) max |error| %.5f "
              "(bound %.5f), rms %.5f; 200 held-out inputs max %.5f (clipping outside the calibrated "
              "ranges), rms %.5f; outputs in [%.4f, %.4f]\n",
              c.max_abs, bound, c.rms, m.max_abs, m.rms, m.lo, m.hi);
  TMF_EXPECT(c.max_abs <= bound);
  TMF_EXPECT(c.max_abs > 0.0);
}

TMF_TEST(FloatImport, RefusesWhatItCannotQuantize) {
  std::vector<Dense> layers = {{2, 2, {1, 0, 0, 1}, {0, 0}, false}};
  const Graph g = tflite_read(float_model(layers), "float.tflite");
  TMF_EXPECT_THROWS(quantize::float_graph_quantize(g, {}), ConvertError,
                    "float.tflite: the calibration set is empty");
  TMF_EXPECT_THROWS(quantize::float_graph_quantize(g, {{1.0f}}), ConvertError,
                    "a calibration input has 1 values, the graph input needs 2");
  // An int8 model needs no calibration.
  TinyModel add = binary_model(fb::BuiltinOperator_ADD);
  TMF_EXPECT(!quantize::float_graph_needs_calibration(tflite_read(build(add), "a.tflite")));
}

}  // namespace
}  // namespace tmf::host
