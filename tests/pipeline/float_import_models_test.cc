// Float import of whole models shaped like the public float ones (there are none in ../shared):
// an ad01-like dense autoencoder (MLPerf Tiny anomaly detection: 640-128-128-128-128-8-128-128-
// 128-128-640, RELU) and a kws-like DS-CNN (CONV_2D 10x4 stride 2, two depthwise-separable
// blocks, AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX), written as float32 .tflite files
// with the project's flatbuffer writer, quantized on calibration inputs, converted and run on the
// device runtime. Oracles written here, independent of host/quantize: dense_forward
// (float_tflite.h) and the plain NHWC convolution below; ROC-AUC by pair counting.
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

// A sample's seed, scrambled: the LCG's first outputs for consecutive seeds lie close together,
// which would make every sample's first draw (an anomaly's size) nearly the same.
uint32_t sample_seed(uint32_t i) {
  uint32_t h = i * 0x9E3779B9u + 0x7F4A7C15u;
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  return h ^ (h >> 16);
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

struct ErrorStats {
  double max_abs = 0, squares = 0;
  size_t count = 0;
  void add(const std::vector<float>& expected, const std::vector<float>& got) {
    for (size_t i = 0; i < expected.size(); ++i) {
      const double d = static_cast<double>(got[i]) - expected[i];
      max_abs = std::max(max_abs, std::fabs(d));
      squares += d * d;
      ++count;
    }
  }
  double rms() const { return std::sqrt(squares / static_cast<double>(count)); }
};

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

// ---- kws-like DS-CNN (the MLPerf Tiny kws layout at 16 channels instead of 64).

struct Conv {
  int32_t builtin;  // CONV_2D or DEPTHWISE_CONV_2D
  int kh, kw, stride, out_c;
  std::vector<float> w, b;  // CONV_2D [out_c][kh][kw][in_c]; depthwise [kh][kw][out_c]
};

struct Shape4 {
  int h, w, c;
};

// SAME padding, TFLite's geometry: out = ceil(in / stride), leading pad = total / 2.
int same_out(int in, int stride) { return (in + stride - 1) / stride; }
int same_pad(int in, int k, int stride) { return std::max(0, (same_out(in, stride) - 1) * stride + k - in) / 2; }

std::vector<float> conv_forward(const Conv& cv, const Shape4& s, const std::vector<float>& x, Shape4* out) {
  const int oh = same_out(s.h, cv.stride), ow = same_out(s.w, cv.stride);
  const int ph = same_pad(s.h, cv.kh, cv.stride), pw = same_pad(s.w, cv.kw, cv.stride);
  std::vector<float> y(static_cast<size_t>(oh * ow * cv.out_c));
  for (int oy = 0; oy < oh; ++oy) {
    for (int ox = 0; ox < ow; ++ox) {
      for (int o = 0; o < cv.out_c; ++o) {
        double acc = cv.b[o];
        for (int ky = 0; ky < cv.kh; ++ky) {
          for (int kx = 0; kx < cv.kw; ++kx) {
            const int iy = oy * cv.stride - ph + ky, ix = ox * cv.stride - pw + kx;
            if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) continue;
            if (cv.builtin == fb::BuiltinOperator_CONV_2D) {
              for (int c = 0; c < s.c; ++c) {
                acc += static_cast<double>(cv.w[static_cast<size_t>(((o * cv.kh + ky) * cv.kw + kx) * s.c + c)]) *
                       x[static_cast<size_t>((iy * s.w + ix) * s.c + c)];
              }
            } else {
              acc += static_cast<double>(cv.w[static_cast<size_t>((ky * cv.kw + kx) * cv.out_c + o)]) *
                     x[static_cast<size_t>((iy * s.w + ix) * s.c + o)];
            }
          }
        }
        y[static_cast<size_t>((oy * ow + ox) * cv.out_c + o)] = static_cast<float>(std::max(0.0, acc));
      }
    }
  }
  *out = {oh, ow, cv.out_c};
  return y;
}

struct Kws {
  std::vector<Conv> convs;
  Dense fc;
};

constexpr int kKwsChannels = 16, kKwsClasses = 12;

Kws kws_like(uint32_t seed) {
  Kws k;
  const auto he = [](int fan_in) { return static_cast<float>(std::sqrt(6.0 / fan_in)); };
  k.convs.push_back({fb::BuiltinOperator_CONV_2D, 10, 4, 2, kKwsChannels,
                     lcg_values(static_cast<size_t>(kKwsChannels * 40), seed, he(40)),
                     lcg_values(kKwsChannels, seed + 1, 0.1f)});
  for (int block = 0; block < 2; ++block) {
    const uint32_t s = seed + 10 * static_cast<uint32_t>(block + 1);
    k.convs.push_back({fb::BuiltinOperator_DEPTHWISE_CONV_2D, 3, 3, 1, kKwsChannels,
                       lcg_values(static_cast<size_t>(9 * kKwsChannels), s, he(9)), lcg_values(kKwsChannels, s + 1, 0.1f)});
    k.convs.push_back({fb::BuiltinOperator_CONV_2D, 1, 1, 1, kKwsChannels,
                       lcg_values(static_cast<size_t>(kKwsChannels * kKwsChannels), s + 2, he(kKwsChannels)),
                       lcg_values(kKwsChannels, s + 3, 0.1f)});
  }
  k.fc = {kKwsChannels, kKwsClasses, lcg_values(kKwsChannels * kKwsClasses, seed + 99, 2.0f * he(kKwsChannels)),
          lcg_values(kKwsClasses, seed + 98, 0.1f), false};
  return k;
}

// The independent float oracle: convolutions, the 25x5 average, the dense layer, softmax.
std::vector<float> kws_forward(const Kws& k, std::vector<float> x) {
  Shape4 s{49, 10, 1};
  for (const Conv& cv : k.convs) x = conv_forward(cv, s, x, &s);
  std::vector<float> pooled(static_cast<size_t>(s.c), 0.0f);
  for (int c = 0; c < s.c; ++c) {
    double sum = 0;
    for (int p = 0; p < s.h * s.w; ++p) sum += x[static_cast<size_t>(p * s.c + c)];
    pooled[c] = static_cast<float>(sum / (s.h * s.w));
  }
  std::vector<float> logits = dense_forward({k.fc}, pooled);
  const float max = *std::max_element(logits.begin(), logits.end());
  double total = 0;
  for (float v : logits) total += std::exp(static_cast<double>(v - max));
  for (float& v : logits) v = static_cast<float>(std::exp(static_cast<double>(v - max)) / total);
  return logits;
}

std::vector<uint8_t> kws_model(const Kws& k) {
  TinyModel m;
  m.tensors.push_back(float_tensor("input", {1, 49, 10, 1}));
  int x = 0;
  Shape4 s{49, 10, 1};
  const auto add = [&](TinyTensor t) {
    m.tensors.push_back(std::move(t));
    return static_cast<int>(m.tensors.size()) - 1;
  };
  for (size_t i = 0; i < k.convs.size(); ++i) {
    const Conv& cv = k.convs[i];
    const bool dw = cv.builtin == fb::BuiltinOperator_DEPTHWISE_CONV_2D;
    TinyTensor w = float_tensor("conv" + std::to_string(i) + "/filter",
                                dw ? std::vector<int32_t>{1, cv.kh, cv.kw, cv.out_c}
                                   : std::vector<int32_t>{cv.out_c, cv.kh, cv.kw, s.c});
    w.data = float_bytes(cv.w);
    TinyTensor b = float_tensor("conv" + std::to_string(i) + "/bias", {cv.out_c});
    b.data = float_bytes(cv.b);
    const int wi = add(w), bi = add(b);
    s = {same_out(s.h, cv.stride), same_out(s.w, cv.stride), cv.out_c};
    const int y = add(float_tensor("conv" + std::to_string(i), {1, s.h, s.w, s.c}));
    TinyOp op;
    op.builtin = cv.builtin;
    op.inputs = {x, wi, bi};
    op.outputs = {y};
    const int stride = cv.stride;
    op.options = [dw, stride](flatbuffers::FlatBufferBuilder& fbb) {
      if (dw) {
        return std::make_pair(fb::BuiltinOptions_DepthwiseConv2DOptions,
                              fb::CreateDepthwiseConv2DOptions(fbb, fb::Padding_SAME, stride, stride, 1,
                                                               fb::ActivationFunctionType_RELU)
                                  .Union());
      }
      return std::make_pair(fb::BuiltinOptions_Conv2DOptions,
                            fb::CreateConv2DOptions(fbb, fb::Padding_SAME, stride, stride,
                                                    fb::ActivationFunctionType_RELU)
                                .Union());
    };
    m.ops.push_back(op);
    x = y;
  }
  const int pooled = add(float_tensor("pool", {1, 1, 1, s.c}));
  TinyOp pool;
  pool.builtin = fb::BuiltinOperator_AVERAGE_POOL_2D;
  pool.inputs = {x};
  pool.outputs = {pooled};
  const int ph = s.h, pw = s.w;
  pool.options = [ph, pw](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_Pool2DOptions,
                          fb::CreatePool2DOptions(fbb, fb::Padding_VALID, 1, 1, pw, ph).Union());
  };
  m.ops.push_back(pool);
  const int flat = add(float_tensor("flat", {1, s.c}));
  TinyTensor shape;
  shape.name = "flat/shape";
  shape.type = fb::TensorType_INT32;
  shape.shape = {2};
  shape.data = tiny_tflite::int32_bytes({1, s.c});
  const int shape_index = add(shape);
  TinyOp reshape;
  reshape.builtin = fb::BuiltinOperator_RESHAPE;
  reshape.inputs = {pooled, shape_index};
  reshape.outputs = {flat};
  m.ops.push_back(reshape);
  TinyTensor w = float_tensor("fc/weights", {kKwsClasses, s.c});
  w.data = float_bytes(k.fc.w);
  TinyTensor b = float_tensor("fc/bias", {kKwsClasses});
  b.data = float_bytes(k.fc.b);
  const int wi = add(w), bi = add(b);
  const int logits = add(float_tensor("logits", {1, kKwsClasses}));
  TinyOp fc;
  fc.builtin = fb::BuiltinOperator_FULLY_CONNECTED;
  fc.inputs = {flat, wi, bi};
  fc.outputs = {logits};
  m.ops.push_back(fc);
  const int probs = add(float_tensor("probabilities", {1, kKwsClasses}));
  TinyOp softmax;
  softmax.builtin = fb::BuiltinOperator_SOFTMAX;
  softmax.inputs = {logits};
  softmax.outputs = {probs};
  softmax.options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_SoftmaxOptions, fb::CreateSoftmaxOptions(fbb, 1.0f).Union());
  };
  m.ops.push_back(softmax);
  m.inputs = {0};
  m.outputs = {probs};
  return tiny_tflite::build(m);
}

// An MFCC-like input: 49 frames x 10 coefficients, the first coefficient large and negative (log
// energy), the rest smaller, varying smoothly over time.
std::vector<float> kws_input(uint32_t seed) {
  const std::vector<float> r = lcg_values(490 + 20, sample_seed(seed), 1.0f);
  std::vector<float> x(490);
  for (int t = 0; t < 49; ++t) {
    for (int c = 0; c < 10; ++c) {
      const double scale = c == 0 ? 8.0 : 4.0 / (1 + c);
      x[static_cast<size_t>(t * 10 + c)] =
          static_cast<float>((c == 0 ? -5.0 : 0.0) + scale * (0.7 * r[static_cast<size_t>(490 + c)] *
                                                                   std::sin(0.2 * t * (1 + r[static_cast<size_t>(500 + c)])) +
                                                               0.3 * r[static_cast<size_t>(t * 10 + c)]));
    }
  }
  return x;
}

TMF_TEST(FloatImportModels, KwsLikeDsCnn) {
  const Kws k = kws_like(31);
  std::vector<std::vector<float>> calibration, eval;
  for (uint32_t i = 0; i < 40; ++i) calibration.push_back(kws_input(10 + i));
  for (uint32_t i = 0; i < 100; ++i) eval.push_back(kws_input(5000 + i));
  const Graph g = tflite_read(kws_model(k), "kws_like_float.tflite");
  // With TMF_FUZZ_SEED_DIR set, the float model is written there (a float seed of tflite_fuzz).
  if (const char* seeds = std::getenv("TMF_FUZZ_SEED_DIR")) test::write_bytes(std::string(seeds) + "/float_kws_like.tflite", kws_model(k));
  TMF_ASSERT(quantize::float_graph_needs_calibration(g));
  const Graph q = quantize::float_graph_quantize(g, calibration);
  // TFLite's rules: per-channel filters on the output-channel axis, fixed softmax output.
  bool saw_depthwise = false;
  for (const Op& op : q.ops) {
    if (op.opcode == kOpConv2D || op.opcode == kOpDepthwiseConv2D) {
      const Tensor& f = q.tensors[op.inputs[1]];
      TMF_EXPECT_EQ(f.quant.scales.size(), static_cast<size_t>(kKwsChannels));
      TMF_EXPECT_EQ(f.quant.axis, op.opcode == kOpConv2D ? 0 : 3);
      saw_depthwise = saw_depthwise || op.opcode == kOpDepthwiseConv2D;
    }
    if (op.opcode == kOpSoftmax) {
      TMF_EXPECT(q.tensors[op.outputs[0]].quant.scales[0] == 1.0f / 256.0f);
      TMF_EXPECT_EQ(q.tensors[op.outputs[0]].quant.zero_points[0], -128);
    }
    if (op.opcode == kOpAveragePool2D) {
      TMF_EXPECT(q.tensors[op.outputs[0]].quant.scales == q.tensors[op.inputs[0]].quant.scales);
    }
  }
  TMF_EXPECT(saw_depthwise);
  const std::vector<uint8_t> file = convert_graph(q, {}).file;
  RuntimeRunner runner(file);
  ErrorStats on_calibration, held_out;
  int agree = 0;
  for (const auto& x : calibration) on_calibration.add(kws_forward(k, x), runner.run(x));
  for (const auto& x : eval) {
    const std::vector<float> yf = kws_forward(k, x), yq = runner.run(x);
    held_out.add(yf, yq);
    agree += std::max_element(yf.begin(), yf.end()) - yf.begin() == std::max_element(yq.begin(), yq.end()) - yq.begin();
  }
  const quantize::FloatImportError reported = quantize::float_graph_quantization_error(g, file, calibration);
  std::printf("  kws-like float DS-CNN (16 channels, %zu bytes TMF): int8 vs float probabilities: "
              "calibration (40) max %.4f rms %.4f; held out (100) max %.4f rms %.4f; top-1 agrees on %d/100\n",
              file.size(), on_calibration.max_abs, on_calibration.rms(), held_out.max_abs, held_out.rms(), agree);
  TMF_EXPECT(std::fabs(reported.max_abs_error - on_calibration.max_abs) < 1e-6);
  // The output is quantized in steps of 1/256; the stated tolerance is 8 steps on the
  // calibration set (rounding through six int8 layers and a softmax, fixed before measuring).
  TMF_EXPECT(on_calibration.max_abs <= 8.0 / 256.0);
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

// The command line: convert --calibrate records the error, inspect shows it, run takes float32.
TMF_TEST(FloatImportModels, ConvertCalibrateAndInspectOnTheCommandLine) {
  const Kws k = kws_like(31);
  const std::string tflite = test::temp_path("kws_like_float.tflite");
  const std::string calibration = test::temp_path("kws_like_calibration.f32");
  const std::string tmf = test::temp_path("kws_like.tmf");
  test::write_bytes(tflite, kws_model(k));
  std::vector<uint8_t> raw;
  for (uint32_t i = 0; i < 40; ++i) {
    const std::vector<uint8_t> b = float_bytes(kws_input(10 + i));
    raw.insert(raw.end(), b.begin(), b.end());
  }
  test::write_bytes(calibration, raw);
  const test::CommandResult refused = test::run_cli("convert " + tflite + " -o " + tmf);
  TMF_EXPECT(refused.exit_code != 0);
  TMF_EXPECT(refused.err.find("give --calibrate FILE") != std::string::npos);
  const test::CommandResult c = test::run_cli("convert " + tflite + " --calibrate " + calibration + " -o " + tmf + " --json");
  TMF_ASSERT(c.exit_code == 0);
  const nlohmann::json cj = nlohmann::json::parse(c.out);
  TMF_EXPECT_EQ(cj["quantization"]["calibration_sets"].get<int>(), 40);
  const test::CommandResult i = test::run_cli("inspect " + tmf + " --json");
  TMF_ASSERT(i.exit_code == 0);
  const nlohmann::json ij = nlohmann::json::parse(i.out);
  TMF_EXPECT(ij["quantization"] == cj["quantization"]);
  TMF_EXPECT(ij["quantization"]["max_abs_error"].get<double>() > 0.0);
  const test::CommandResult text = test::run_cli("inspect " + tmf);
  TMF_EXPECT(text.out.find("quantized from float32 on 40 calibration inputs") != std::string::npos);
  // run: one float32 input in, twelve float32 probabilities out, as the runtime computes them.
  const std::string in = test::temp_path("kws_like_in.f32"), out = test::temp_path("kws_like_out.f32");
  const std::vector<float> x = kws_input(777);
  test::write_bytes(in, float_bytes(x));
  TMF_ASSERT(test::run_cli("run " + tmf + " --input " + in + " --output " + out).exit_code == 0);
  RuntimeRunner runner(test::read_bytes(tmf));
  TMF_EXPECT(test::read_bytes(out) == float_bytes(runner.run(x)));
  // run_float_import_qemu.sh runs the same file and input bare-metal and compares with this output.
  if (const char* keep = std::getenv("TMF_FLOAT_IMPORT_OUT")) {
    test::write_bytes(std::string(keep) + "/kws_like.tmf", test::read_bytes(tmf));
    test::write_bytes(std::string(keep) + "/kws_like_in.f32", test::read_bytes(in));
    test::write_bytes(std::string(keep) + "/kws_like_host_out.f32", test::read_bytes(out));
  }
}

}  // namespace
}  // namespace tmf::host
