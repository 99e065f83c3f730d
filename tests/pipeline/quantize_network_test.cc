// Post-training quantization (host/quantize): TFLite's range and weight rules checked against
// their definitions, and quantized networks converted and run on the device runtime compared
// with the float reference forward pass (FloatNetwork::forward) on the calibration inputs.
#include <cmath>
#include <cstring>
#include <random>

#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "host/convert/convert.h"
#include "host/quantize/quantize_network.h"
#include "tests/support/tmf_test.h"

namespace {

using tmf::host::Graph;
using tmf::host::Tensor;
using tmf::train::FeatureMatrix;
using tmf::train::FloatNetwork;
using tmf::train::Layer;
using tmf::train::LayerActivation;
using tmf::train::LayerKind;

Layer random_layer(std::mt19937& rng, LayerKind kind, int in, int out, int kernel, bool relu) {
  std::normal_distribution<float> n(0.0f, 0.4f);
  Layer l;
  l.kind = kind;
  l.in_channels = in;
  l.out_channels = out;
  l.kernel = kernel;
  if (kind == LayerKind::kDense || kind == LayerKind::kConv1D) {
    l.weight.resize(static_cast<size_t>(out) * in * kernel);
    for (float& w : l.weight) w = n(rng);
    l.bias.resize(out);
    for (float& b : l.bias) b = 0.2f * n(rng);
  }
  l.activation = relu ? LayerActivation::kRelu : LayerActivation::kNone;
  return l;
}

FeatureMatrix random_rows(std::mt19937& rng, int rows, int cols) {
  std::normal_distribution<float> n(0.0f, 1.0f);
  FeatureMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.data.resize(static_cast<size_t>(rows) * cols);
  for (float& v : m.data) v = n(rng);
  return m;
}

// Converts input -> network into a model and runs every row; returns the largest error of the
// dequantized output against the float forward pass, in units of the output scale.
double worst_error_in_output_steps(const FloatNetwork& net, const FeatureMatrix& rows) {
  float lo = 0, hi = 0;
  for (float v : rows.data) lo = std::min(lo, v), hi = std::max(hi, v);
  Graph g;
  g.source = "quantize_test";
  Tensor in;
  in.name = "input";
  in.type = tmf::kTensorTypeInt8;
  in.shape = {1, rows.cols};
  in.quant = tmf::quantize::quantization_for_range(lo, hi);
  g.tensors.push_back(in);
  const int out = tmf::quantize::quantize_network_append(g, 0, net, rows, "net");
  g.inputs = {0};
  g.outputs = {out};
  const tmf::host::ConvertResult converted = tmf::host::convert_graph(g, {});
  std::vector<uint8_t> storage(converted.file.size() + 16), arena(converted.arena_bytes + 16);
  uint8_t* file = storage.data() + (16 - reinterpret_cast<uintptr_t>(storage.data()) % 16) % 16;
  uint8_t* arena_at = arena.data() + (16 - reinterpret_cast<uintptr_t>(arena.data()) % 16) % 16;
  std::memcpy(file, converted.file.data(), converted.file.size());
  tmf::Model model;
  if (tmf::model_validate(file, converted.file.size(), &model, nullptr) != tmf::Status::kOk) return 1e9;
  tmf::Interpreter interp;
  tmf::interpreter_init(&interp, &model, arena_at, converted.arena_bytes);
  const float in_scale = in.quant.scales[0];
  const int64_t in_zp = in.quant.zero_points[0];
  double worst = 0;
  for (int r = 0; r < rows.rows; ++r) {
    const tmf::TensorRecord* t;
    uint8_t* input;
    tmf::interpreter_input(interp, 0, &t, &input);
    std::vector<float> dequantized_input(rows.cols);
    for (int c = 0; c < rows.cols; ++c) {
      const long q = std::lround(rows.row(r)[c] / in_scale) + in_zp;
      const int8_t v = static_cast<int8_t>(std::max(-128L, std::min(127L, q)));
      input[c] = static_cast<uint8_t>(v);
      dequantized_input[c] = in_scale * static_cast<float>(v - in_zp);
    }
    if (tmf::interpreter_invoke(&interp) != tmf::Status::kOk) return 1e9;
    const uint8_t* output;
    tmf::interpreter_output(interp, 0, &t, &output);
    // The float oracle sees the same (input-quantized) values, so the error measured is the
    // network's own quantization error.
    const std::vector<float> expected = net.forward(dequantized_input.data());
    for (size_t k = 0; k < expected.size(); ++k) {
      const double got = t->scale * (static_cast<int8_t>(output[k]) - t->zero_point);
      worst = std::max(worst, std::fabs(got - expected[k]) / t->scale);
    }
  }
  return worst;
}

}  // namespace

TMF_TEST(Quantize, RangeContainsZeroExactly) {
  for (auto [lo, hi] : {std::pair{-3.0f, 5.0f}, {0.5f, 4.0f}, {-6.0f, -1.0f}, {0.0f, 0.0f}}) {
    const tmf::host::Quantization q = tmf::quantize::quantization_for_range(lo, hi);
    const double scale = q.scales[0];
    const int64_t zp = q.zero_points[0];
    TMF_EXPECT(scale > 0);
    TMF_EXPECT(zp >= -128 && zp <= 127);
    // Both ends of the widened range are representable within half a step.
    TMF_EXPECT(std::fabs(scale * (-128 - zp) - std::min(0.0f, lo)) <= scale * 0.5 + 1e-6);
    TMF_EXPECT(std::fabs(scale * (127 - zp) - std::max(0.0f, hi)) <= scale * 0.5 + 1e-6 || hi == lo);
  }
}

TMF_TEST(Quantize, WeightsPerChannelSymmetricWithinHalfStep) {
  std::mt19937 rng(3);
  std::normal_distribution<float> n(0.0f, 1.0f);
  std::vector<float> w(6 * 10);
  for (float& v : w) v = n(rng);
  for (int i = 0; i < 10; ++i) w[20 + i] = 0.0f;  // an all-zero channel
  std::vector<uint8_t> q;
  const tmf::host::Quantization quant = tmf::quantize::quantize_weights_per_channel(w, 6, &q);
  TMF_ASSERT(quant.scales.size() == 6);
  for (int c = 0; c < 6; ++c) {
    TMF_EXPECT_EQ(quant.zero_points[c], 0);
    int max_abs = 0;
    for (int i = 0; i < 10; ++i) {
      const int8_t v = static_cast<int8_t>(q[c * 10 + i]);
      max_abs = std::max(max_abs, std::abs(static_cast<int>(v)));
      TMF_EXPECT(std::fabs(quant.scales[c] * v - w[c * 10 + i]) <= quant.scales[c] * 0.5f + 1e-7f);
    }
    TMF_EXPECT(c == 2 ? max_abs == 0 : max_abs == 127);  // the largest weight maps to 127
  }
}

TMF_TEST(Quantize, DenseAutoencoderMatchesFloatWithinFewSteps) {
  std::mt19937 rng(11);
  FloatNetwork net;
  net.input_length = 32;
  net.input_channels = 1;
  net.layers = {random_layer(rng, LayerKind::kDense, 32, 16, 1, true),
                random_layer(rng, LayerKind::kDense, 16, 8, 1, true),
                random_layer(rng, LayerKind::kDense, 8, 16, 1, true),
                random_layer(rng, LayerKind::kDense, 16, 32, 1, false)};
  const double worst = worst_error_in_output_steps(net, random_rows(rng, 200, 32));
  // Each of 4 layers adds at most about one step of rounding, amplified by the weights after it.
  TMF_EXPECT(worst < 6.0);
}

TMF_TEST(Quantize, Conv1DClassifierMatchesFloat) {
  std::mt19937 rng(5);
  FloatNetwork net;
  net.input_length = 32;
  net.input_channels = 1;
  net.layers = {random_layer(rng, LayerKind::kConv1D, 1, 8, 3, true),
                random_layer(rng, LayerKind::kMaxPool1D, 8, 8, 2, false),
                random_layer(rng, LayerKind::kConv1D, 8, 8, 3, true),
                random_layer(rng, LayerKind::kGlobalAvgPool, 8, 8, 1, false),
                random_layer(rng, LayerKind::kDense, 8, 4, 1, false),
                random_layer(rng, LayerKind::kSoftmax, 4, 4, 1, false)};
  const double worst = worst_error_in_output_steps(net, random_rows(rng, 100, 32));
  // Probabilities in steps of 1/256.
  TMF_EXPECT(worst < 8.0);
}
