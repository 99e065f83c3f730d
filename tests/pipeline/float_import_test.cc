// Float32 TFLite import with post-training quantization (host/quantize/float_graph.h): float
// models built here as .tflite files, quantized on calibration inputs, converted and run through
// the device runtime. The float oracle is a plain float forward pass written in this test (not
// the code under test); the bound on the int8-vs-float error is stated per test with its reason.
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <stdexcept>
#include <vector>

#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "host/convert/aligned_buffer.h"
#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"
#include "host/quantize/float_graph.h"
#include "tests/host/tiny_tflite.h"
#include "tests/pipeline/float_tflite.h"
#include "tests/support/tmf_test.h"

namespace tmf::host {
namespace {

namespace fb = ::tmf::tflite;
using namespace tiny_tflite;  // NOLINT: the test model writer's vocabulary
using namespace float_tflite;  // NOLINT

struct Measured {
  double max_abs = 0, rms = 0, lo = 1e30, hi = -1e30;
  int reported_sets = 0;  // the converter's own report, on the calibration set
};

// Quantizes on `calibration`, converts, runs every `eval` input on the device runtime and compares
// with the oracle.
Measured quantize_and_compare(const std::vector<Dense>& layers, const std::vector<std::vector<float>>& calibration,
                              const std::vector<std::vector<float>>& eval, Graph* quantized_out = nullptr) {
  const Graph g = tflite_read(dense_model(layers), "float.tflite");
  // With TMF_FUZZ_SEED_DIR set, the float model is written there (a float seed of tflite_fuzz).
  if (const char* seeds = std::getenv("TMF_FUZZ_SEED_DIR")) {
    const std::vector<uint8_t> bytes = dense_model(layers);
    std::ofstream(std::string(seeds) + "/float_dense_" + std::to_string(layers.size()) + "_layers.tflite", std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
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
    const std::vector<float> expected = dense_forward(layers, x);
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

// A worst-case bound on |int8 - float| at the output over the calibration inputs (they lie
// inside the calibrated ranges, so nothing clips), propagated element by element from the
// quantized graph's own values. The input's QUANTIZE rounds to half a step. A FULLY_CONNECTED
// layer's int8 path accumulates exactly in int32, so for unit u its real-valued error is
//   sum_k |wq_uk s_w| e_k          (the input errors carried through the quantized weights)
// + sum_k |wq_uk s_w - w_uk| X_k   (the actual weight rounding, X_k = max |x_k| on the set)
// + |bq_u s_b - b_u|               (the actual bias rounding)
// + one output step s_out          (the requantization: rounding-doubling high multiply, then
//                                   a rounding shift; at most one step together)
// and RELU is 1-Lipschitz. DEQUANTIZE is one float product. This replaces the first version's
// bound (same terms, but the largest input error for every element, s_w/2 for every weight's
// rounding and the int8 range's end for every |x|), which was 100-150x the measured error.
double error_bound(const std::vector<Dense>& layers, const Graph& q, const std::vector<std::vector<float>>& calibration) {
  const Tensor& x = q.tensors[q.ops[0].outputs[0]];
  std::vector<double> e(static_cast<size_t>(layers[0].in), x.quant.scales[0] / 2.0);
  std::vector<std::vector<float>> inputs = calibration;  // each layer's float input, per set
  for (size_t l = 0; l < layers.size(); ++l) {
    const Dense& d = layers[l];
    const Op& fc = q.ops[l + 1];
    const Tensor& w = q.tensors[fc.inputs[1]];
    const Tensor& b = q.tensors[fc.inputs[2]];
    const double s_w = w.quant.scales[0], s_b = b.quant.scales[0];
    const double s_out = q.tensors[fc.outputs[0]].quant.scales[0];
    std::vector<double> max_x(static_cast<size_t>(d.in), 0.0);
    for (std::vector<float>& in : inputs) {
      for (int k = 0; k < d.in; ++k) max_x[k] = std::max(max_x[k], std::fabs(static_cast<double>(in[k])));
      in = dense_forward({d}, in);
    }
    std::vector<double> next(static_cast<size_t>(d.out));
    for (int u = 0; u < d.out; ++u) {
      double bound = s_out;
      for (int k = 0; k < d.in; ++k) {
        const size_t i = static_cast<size_t>(u * d.in + k);
        const double wq = static_cast<int8_t>(w.data[i]) * s_w;
        bound += std::fabs(wq) * e[k] + std::fabs(wq - d.w[i]) * max_x[k];
      }
      int32_t bq = 0;
      std::memcpy(&bq, b.data.data() + 4 * u, 4);
      bound += std::fabs(bq * s_b - d.b[static_cast<size_t>(u)]);
      next[u] = bound;
    }
    e = std::move(next);
  }
  return *std::max_element(e.begin(), e.end());
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
  const double bound = error_bound(layers, q, calibration);
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
  const double bound = error_bound(layers, q, calibration);
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
  const Graph g = tflite_read(dense_model(layers), "float.tflite");
  TMF_EXPECT_THROWS(quantize::float_graph_quantize(g, {}), ConvertError,
                    "float.tflite: the calibration set is empty");
  TMF_EXPECT_THROWS(quantize::float_graph_quantize(g, {{1.0f}}), ConvertError,
                    "a calibration input has 1 values, the graph input needs 2");
  // A float op outside the supported set is refused naming it (MUL and a broadcasting ADD, refused
  // here before, are quantized now: float_import_ops_test.cc).
  {
    TinyModel m;
    m.tensors = {float_tensor("x", {1, 4}), float_tensor("y", {1, 4})};
    TinyOp op;
    op.builtin = fb::BuiltinOperator_LEAKY_RELU;
    op.inputs = {0};
    op.outputs = {1};
    m.ops = {op};
    m.inputs = {0};
    m.outputs = {1};
    const Graph f = tflite_read(build(m), "f.tflite");
    TMF_EXPECT_THROWS(quantize::float_graph_quantize(f, {{1, 2, 3, 4}}), ConvertError,
                      "f.tflite: op 0 (LEAKY_RELU): float import supports");
  }
  // An activation no op computes (not the graph input) is refused before anything reads it.
  {
    TinyModel m;
    m.tensors = {float_tensor("x", {1, 2}), float_tensor("dangling", {1, 2}), float_tensor("y", {1, 2})};
    m.tensors.push_back(float_tensor("w", {2, 2}));
    m.tensors.back().data = float_bytes({1, 0, 0, 1});
    TinyOp op;
    op.builtin = fb::BuiltinOperator_FULLY_CONNECTED;
    op.inputs = {1, 3, -1};
    op.outputs = {2};
    m.ops = {op};
    m.inputs = {0};
    m.outputs = {2};
    const Graph f = tflite_read(build(m), "d.tflite");
    TMF_EXPECT_THROWS(quantize::float_graph_quantize(f, {{1, 2}}), ConvertError,
                      "d.tflite: op 0 (FULLY_CONNECTED): tensor 1 'dangling': no op computes it before");
  }
  // An int8 model needs no calibration.
  TinyModel add = tiny_tflite::binary_model(fb::BuiltinOperator_ADD);
  TMF_EXPECT(!quantize::float_graph_needs_calibration(tflite_read(build(add), "a.tflite")));
}

}  // namespace
}  // namespace tmf::host
