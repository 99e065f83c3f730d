// Float import of whole models shaped like the public float ones (there are none in ../shared):
// an ad01-like dense autoencoder (MLPerf Tiny anomaly detection: 640-128-128-128-128-8-128-128-
// 128-128-640, RELU) and the other float paths (dilated depthwise, max pool, TANH, ADD, LOGISTIC),
// written as float32 .tflite files with the project's flatbuffer writer, quantized on calibration
// inputs, converted and run on the device runtime. Oracles written here, independent of
// host/quantize: dense_forward (float_tflite.h) and the layer by layer float paths; ROC-AUC by
// pair counting. The kws-like DS-CNN and the command line: float_import_kws_test.cc.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"
#include "host/quantize/float_graph.h"
#include "tests/host/test_files.h"
#include "tests/pipeline/float_tflite.h"
#include "tests/support/tmf_test.h"

namespace tmf::host {
namespace {

using namespace float_tflite;  // NOLINT: the float model writer's vocabulary

// ---- ad01-like: a linear autoencoder of a 4-dimensional signal subspace in 640 dimensions,
// spread over every unit of the ad01 layer sizes by dense random mixing, kept in RELU's linear
// region by bias offsets (a trained ad01 is not available; this one has its layer sizes, ops and
// fully used 128-wide layers, and a known ideal reconstruction).

// n x k matrix (row-major) with orthonormal columns (Gram-Schmidt of LCG values) times `gain`.
std::vector<double> orthonormal_columns(int n, int k, uint32_t seed, double gain) {
  const std::vector<float> r = lcg_values(static_cast<size_t>(n * k), seed, 1.0f);
  std::vector<double> q(static_cast<size_t>(n * k));
  for (int c = 0; c < k; ++c) {
    std::vector<double> v(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) v[i] = r[static_cast<size_t>(i * k + c)];
    for (int p = 0; p < c; ++p) {
      double dot = 0;
      for (int i = 0; i < n; ++i) dot += v[i] * q[static_cast<size_t>(i * k + p)];
      for (int i = 0; i < n; ++i) v[i] -= dot * q[static_cast<size_t>(i * k + p)];
    }
    double norm = 0;
    for (double x : v) norm += x * x;
    norm = std::sqrt(norm);
    for (int i = 0; i < n; ++i) q[static_cast<size_t>(i * k + c)] = v[i] / norm;
  }
  for (double& x : q) x *= gain;
  return q;
}

constexpr int kAdDim = 640, kAdLatent = 4;
constexpr double kAdNoise = 0.1;  // per-element sensor noise (uniform, this standard deviation)

struct AdData {
  std::vector<double> mean, basis;  // basis: 640 x 4, orthonormal columns
};

AdData ad_data_model() {
  AdData d;
  d.basis = orthonormal_columns(kAdDim, kAdLatent, 7, 1.0);
  d.mean.resize(kAdDim);
  // A smooth spectrum-like mean (ad01's inputs are log-mel frames): 5 frames of 128 bins.
  for (int i = 0; i < kAdDim; ++i) d.mean[i] = -1.0 + 0.8 * std::cos(6.2831853 * (i % 128) / 128.0);
  return d;
}

// x = mean + U z + noise, z with 1.5 standard deviation per axis; an anomaly adds a narrowband
// bump (8 adjacent bins in every frame) of norm f * (noise norm), f uniform in [0, 1].
std::vector<float> ad_sample(const AdData& d, uint32_t seed, bool anomalous) {
  const std::vector<float> z = lcg_values(kAdLatent, sample_seed(seed * 3 + 1), 1.5f * 1.7320508f);
  const std::vector<float> noise =
      lcg_values(kAdDim, sample_seed(seed * 3 + 2), static_cast<float>(kAdNoise * 1.7320508));
  std::vector<float> x(kAdDim);
  for (int i = 0; i < kAdDim; ++i) {
    double v = d.mean[i] + noise[i];
    for (int c = 0; c < kAdLatent; ++c) v += d.basis[static_cast<size_t>(i * kAdLatent + c)] * z[c];
    x[i] = static_cast<float>(v);
  }
  if (anomalous) {
    const std::vector<float> r = lcg_values(2, sample_seed(seed * 3 + 3), 1.0f);
    const double f = 0.5 * (r[0] + 1.0);
    const int bin = static_cast<int>(64.0 * (r[1] + 1.0)) % 120;
    const double amplitude = f * kAdNoise * std::sqrt(static_cast<double>(kAdDim)) / std::sqrt(40.0);
    for (int frame = 0; frame < 5; ++frame) {
      for (int b = 0; b < 8; ++b) x[static_cast<size_t>(frame * 128 + bin + b)] += static_cast<float>(amplitude);
    }
  }
  return x;
}

// The ad01-sized layers: h_l = P_l z + c_l (P_l with orthonormal columns times a gain, c_l an
// offset above the largest |P_l z| seen for |z_i| <= 4), so each layer is W_l = P_l P_{l-1}^T /
// gain^2 and b_l = c_l - W_l c_{l-1}; the last maps back to mean + U z.
std::vector<Dense> ad01_like_layers(const AdData& d) {
  const std::vector<int> widths = {128, 128, 128, 128, 8, 128, 128, 128, 128};
  std::vector<Dense> layers;
  std::vector<double> prev_p, prev_c;  // previous P (width x 4) and c
  int prev_width = 0;
  double prev_gain = 1.0;
  for (size_t l = 0; l <= widths.size(); ++l) {
    const bool last = l == widths.size();
    const int width = last ? kAdDim : widths[l];
    const double gain = last ? 1.0 : std::sqrt(width / static_cast<double>(kAdLatent));
    const std::vector<double> p = last ? d.basis : orthonormal_columns(width, kAdLatent, 100 + static_cast<uint32_t>(l), gain);
    std::vector<double> c(static_cast<size_t>(width));
    for (int i = 0; i < width; ++i) {
      double reach = 0;
      for (int k = 0; k < kAdLatent; ++k) reach += 4.0 * std::fabs(p[static_cast<size_t>(i * kAdLatent + k)]);
      c[i] = last ? d.mean[i] : reach;
    }
    Dense layer;
    layer.out = width;
    layer.relu = !last;
    if (l == 0) {
      // z = U^T (x - mean)
      layer.in = kAdDim;
      for (int o = 0; o < width; ++o) {
        double shift = 0;
        for (int i = 0; i < kAdDim; ++i) {
          double w = 0;
          for (int k = 0; k < kAdLatent; ++k) {
            w += p[static_cast<size_t>(o * kAdLatent + k)] * d.basis[static_cast<size_t>(i * kAdLatent + k)];
          }
          layer.w.push_back(static_cast<float>(w));
          shift += w * d.mean[i];
        }
        layer.b.push_back(static_cast<float>(c[o] - shift));
      }
    } else {
      // z = P_{l-1}^T (h - c_{l-1}) / gain_{l-1}^2
      layer.in = prev_width;
      for (int o = 0; o < width; ++o) {
        double shift = 0;
        for (int i = 0; i < prev_width; ++i) {
          double w = 0;
          for (int k = 0; k < kAdLatent; ++k) {
            w += p[static_cast<size_t>(o * kAdLatent + k)] * prev_p[static_cast<size_t>(i * kAdLatent + k)];
          }
          w /= prev_gain * prev_gain;
          layer.w.push_back(static_cast<float>(w));
          shift += w * prev_c[i];
        }
        layer.b.push_back(static_cast<float>(c[o] - shift));
      }
    }
    layers.push_back(std::move(layer));
    prev_p = p;
    prev_c = c;
    prev_width = width;
    prev_gain = gain;
  }
  return layers;
}

double reconstruction_score(const std::vector<float>& x, const std::vector<float>& y) {
  double s = 0;
  for (size_t i = 0; i < x.size(); ++i) s += (static_cast<double>(x[i]) - y[i]) * (static_cast<double>(x[i]) - y[i]);
  return s / static_cast<double>(x.size());
}

// P(score of an anomaly > score of a normal one), ties counting half.
double roc_auc(const std::vector<double>& normal, const std::vector<double>& anomalous) {
  double wins = 0;
  for (double a : anomalous) {
    for (double n : normal) wins += a > n ? 1.0 : (a == n ? 0.5 : 0.0);
  }
  return wins / (static_cast<double>(normal.size()) * static_cast<double>(anomalous.size()));
}

TMF_TEST(FloatImportModels, Ad01LikeDenseAutoencoder) {
  const AdData data = ad_data_model();
  const std::vector<Dense> layers = ad01_like_layers(data);
  // Calibration: 100 normal samples (a representative set, as TFLite's converter takes);
  // evaluation: 300 normal and 300 anomalous samples with other seeds.
  std::vector<std::vector<float>> calibration, normal, anomalous;
  for (uint32_t i = 0; i < 100; ++i) calibration.push_back(ad_sample(data, i, false));
  for (uint32_t i = 0; i < 300; ++i) normal.push_back(ad_sample(data, 1000 + i, false));
  for (uint32_t i = 0; i < 300; ++i) anomalous.push_back(ad_sample(data, 2000 + i, true));

  const Graph g = tflite_read(dense_model(layers), "ad01_like_float.tflite");
  TMF_ASSERT(quantize::float_graph_needs_calibration(g));
  const std::vector<uint8_t> file = convert_graph(quantize::float_graph_quantize(g, calibration), {}).file;
  RuntimeRunner runner(file);
  ErrorStats on_calibration, held_out;
  for (const auto& x : calibration) on_calibration.add(dense_forward(layers, x), runner.run(x));
  std::vector<double> s_float[2], s_int8[2];
  for (int a = 0; a < 2; ++a) {
    for (const auto& x : a == 0 ? normal : anomalous) {
      const std::vector<float> yf = dense_forward(layers, x), yq = runner.run(x);
      held_out.add(yf, yq);
      s_float[a].push_back(reconstruction_score(x, yf));
      s_int8[a].push_back(reconstruction_score(x, yq));
    }
  }
  const double auc_float = roc_auc(s_float[0], s_float[1]), auc_int8 = roc_auc(s_int8[0], s_int8[1]);
  const quantize::FloatImportError reported = quantize::float_graph_quantization_error(g, file, calibration);
  std::printf("  ad01-like float AE 640-...-8-...-640 (%zu bytes TMF): int8 vs float output: calibration "
              "(100) max %.4f rms %.4f; held out (600) max %.4f rms %.4f; ROC-AUC float %.5f int8 %.5f "
              "(difference %+.5f)\n",
              file.size(), on_calibration.max_abs, on_calibration.rms(), held_out.max_abs, held_out.rms(),
              auc_float, auc_int8, auc_int8 - auc_float);
  // The converter's own report is the same measurement on the calibration set.
  TMF_EXPECT_EQ(reported.sets, 100);
  TMF_EXPECT(std::fabs(reported.max_abs_error - on_calibration.max_abs) < 1e-6);
  // The float model reconstructs the signal subspace (score ~ noise variance 0.01 on normal data).
  double mean_normal = 0;
  for (double v : s_float[0]) mean_normal += v / static_cast<double>(s_float[0].size());
  TMF_EXPECT(mean_normal < 1.2 * kAdNoise * kAdNoise);
  // Quantization must not cost detection quality beyond sampling noise of 300 x 300 pairs
  // (AUC standard error ~0.015 here): a stated tolerance of 0.02, fixed before measuring.
  TMF_EXPECT(std::fabs(auc_int8 - auc_float) <= 0.02);
  TMF_EXPECT(on_calibration.max_abs > 0.0);
}

// The other float paths: DEPTHWISE_CONV_2D with VALID padding, dilation 2, depth multiplier 2 and
// RELU6, MAX_POOL_2D 2x2/2 SAME, TANH, ADD of two activations, LOGISTIC. Oracle written here.
TMF_TEST(FloatImportModels, DilatedDepthwiseMaxPoolTanhAddLogistic) {
  const std::vector<float> filter = lcg_values(3 * 3 * 4, 71, 0.6f), bias = lcg_values(4, 72, 0.2f);
  TinyModel m;
  m.tensors = {float_tensor("x", {1, 9, 9, 2}), float_tensor("w", {1, 3, 3, 4}), float_tensor("b", {4}),
               float_tensor("dw", {1, 5, 5, 4}), float_tensor("pool", {1, 3, 3, 4}), float_tensor("tanh", {1, 3, 3, 4}),
               float_tensor("sum", {1, 3, 3, 4}), float_tensor("y", {1, 3, 3, 4})};
  m.tensors[1].data = float_bytes(filter);
  m.tensors[2].data = float_bytes(bias);
  TinyOp dw;
  dw.builtin = fb::BuiltinOperator_DEPTHWISE_CONV_2D;
  dw.inputs = {0, 1, 2};
  dw.outputs = {3};
  dw.options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_DepthwiseConv2DOptions,
                          fb::CreateDepthwiseConv2DOptions(fbb, fb::Padding_VALID, 1, 1, 2, fb::ActivationFunctionType_RELU6, 2, 2)
                              .Union());
  };
  TinyOp pool;
  pool.builtin = fb::BuiltinOperator_MAX_POOL_2D;
  pool.inputs = {3};
  pool.outputs = {4};
  pool.options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_Pool2DOptions, fb::CreatePool2DOptions(fbb, fb::Padding_SAME, 2, 2, 2, 2).Union());
  };
  TinyOp tanh_op;
  tanh_op.builtin = fb::BuiltinOperator_TANH;
  tanh_op.inputs = {4};
  tanh_op.outputs = {5};
  TinyOp add;
  add.builtin = fb::BuiltinOperator_ADD;
  add.inputs = {5, 4};
  add.outputs = {6};
  TinyOp logistic;
  logistic.builtin = fb::BuiltinOperator_LOGISTIC;
  logistic.inputs = {6};
  logistic.outputs = {7};
  m.ops = {dw, pool, tanh_op, add, logistic};
  m.inputs = {0};
  m.outputs = {7};

  const auto oracle = [&](const std::vector<float>& x) {
    float d[5][5][4];
    for (int oy = 0; oy < 5; ++oy) {
      for (int ox = 0; ox < 5; ++ox) {
        for (int c = 0; c < 4; ++c) {
          double acc = bias[c];
          for (int ky = 0; ky < 3; ++ky) {
            for (int kx = 0; kx < 3; ++kx) {
              acc += static_cast<double>(filter[static_cast<size_t>((ky * 3 + kx) * 4 + c)]) *
                     x[static_cast<size_t>(((oy + 2 * ky) * 9 + ox + 2 * kx) * 2 + c / 2)];
            }
          }
          d[oy][ox][c] = static_cast<float>(std::clamp(acc, 0.0, 6.0));
        }
      }
    }
    // SAME 2x2/2 on 5: out 3, total padding 1, none before: windows [0,1], [2,3], [4].
    std::vector<float> y;
    for (int oy = 0; oy < 3; ++oy) {
      for (int ox = 0; ox < 3; ++ox) {
        for (int c = 0; c < 4; ++c) {
          float best = d[2 * oy][2 * ox][c];
          for (int ky = 0; ky < 2 && 2 * oy + ky < 5; ++ky) {
            for (int kx = 0; kx < 2 && 2 * ox + kx < 5; ++kx) best = std::max(best, d[2 * oy + ky][2 * ox + kx][c]);
          }
          y.push_back(static_cast<float>(1.0 / (1.0 + std::exp(-(std::tanh(static_cast<double>(best)) + best)))));
        }
      }
    }
    return y;
  };
  std::vector<std::vector<float>> calibration;
  for (uint32_t i = 0; i < 30; ++i) calibration.push_back(lcg_values(162, sample_seed(300 + i), 1.5f));
  const Graph g = tflite_read(tiny_tflite::build(m), "mixed_float.tflite");
  const Graph q = quantize::float_graph_quantize(g, calibration);
  for (const Op& op : q.ops) {
    const host::Quantization& out = q.tensors[op.outputs[0]].quant;
    if (op.opcode == kOpTanh) TMF_EXPECT(out.scales[0] == 1.0f / 128.0f && out.zero_points[0] == 0);
    if (op.opcode == kOpLogistic) TMF_EXPECT(out.scales[0] == 1.0f / 256.0f && out.zero_points[0] == -128);
    if (op.opcode == kOpMaxPool2D) TMF_EXPECT(out.scales == q.tensors[op.inputs[0]].quant.scales);
  }
  RuntimeRunner runner(convert_graph(q, {}).file);
  ErrorStats e;
  for (const auto& x : calibration) e.add(oracle(x), runner.run(x));
  std::printf("  dilated depthwise / max pool / tanh / add / logistic float model: int8 vs float max %.4f rms %.4f "
              "on its 30 calibration inputs\n",
              e.max_abs, e.rms());
  // Output steps are 1/256; the stated tolerance is 4 steps (rounding through four int8 tensors).
  TMF_EXPECT(e.max_abs <= 4.0 / 256.0);
  TMF_EXPECT(e.max_abs > 0.0);
}

}  // namespace
}  // namespace tmf::host
