// Whole pipelines built with host/convert/pipeline_graph.h, converted, and run by the device
// runtime on the host: raw float samples in, features, autoencoder, score and decision out.
// Oracles: the features in double precision (direct DFT with exact cos/sin, band sums, ln, moments),
// the FULLY_CONNECTED output from its exact integer accumulator, and each score recomputed in double
// from the int8 tensors the model exposes as extra outputs. The features must also equal the host
// helper path (FeatureExtractor + features_normalize + quantize_feature) byte for byte: the
// trainer's features are the device's.
#include "host/convert/pipeline_graph.h"

#include <cmath>
#include <cstring>

#include "device/runtime/interpreter.h"
#include "device/runtime/kernels/scratch.h"
#include "device/runtime/model.h"
#include "host/convert/convert.h"
#include "tests/host/test_files.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr uint32_t kN = 256;
constexpr uint32_t kBands = 8;
constexpr float kFeatureScale = 1.0f / 16;
constexpr int32_t kFeatureZeroPoint = 0;
constexpr float kOutScale = 1.0f / 16;
constexpr int32_t kOutZeroPoint = 3;
constexpr float kWeightScale = 1.0f / 64;

// 10 Hz bins; 8 bands of 100 Hz from 100 Hz (band b: bins 10 + 10b .. 19 + 10b, the last also
// bin 90); every stat.
dsp::FeaturesConfig test_config() {
  return host::hann_features_config(kN, 10.0f * kN, 100.0f, 100.0f + 100.0f * kBands, kBands,
                                    dsp::kFeatureStatAll);
}

std::vector<float> make_window(uint32_t seed) {
  std::vector<float> x(kN);
  uint32_t state = seed;
  for (uint32_t t = 0; t < kN; ++t) {
    state = state * 1664525u + 1013904223u;
    const double noise = static_cast<double>(state >> 8) / 8388608.0 - 1.0;
    x[t] = static_cast<float>(0.1 + 0.4 * noise + 0.9 * std::sin(2 * kPi * 0.1413 * t + seed) +
                              0.3 * std::cos(2 * kPi * 0.2471 * t));
  }
  return x;
}

// Double-precision features (the definition in device/dsp/features.h).
std::vector<double> oracle_features(const dsp::FeaturesConfig& c, const std::vector<float>& window,
                                    const std::vector<float>& x) {
  std::vector<double> out;
  for (uint32_t b = 0; b < c.num_bands; ++b) {
    const uint32_t first = 10 + 10 * b, last = first + 9 + (b + 1 == c.num_bands ? 1 : 0);
    double energy = 0.0;
    for (uint32_t k = first; k <= last; ++k) {
      double re = 0.0, im = 0.0;
      for (uint32_t t = 0; t < kN; ++t) {
        const double a = 2 * kPi * static_cast<double>((k * t) % kN) / kN;
        const double v = static_cast<double>(x[t]) * window[t];
        re += v * std::cos(a);
        im -= v * std::sin(a);
      }
      energy += static_cast<double>(c.power_scale) * (re * re + im * im);
    }
    out.push_back(std::log(std::max(energy, static_cast<double>(c.log_floor))));
  }
  double mean = 0, sq = 0, peak = 0;
  for (float v : x) mean += v, sq += static_cast<double>(v) * v, peak = std::max(peak, std::fabs(static_cast<double>(v)));
  mean /= kN;
  double m2 = 0, m3 = 0, m4 = 0;
  for (float v : x) {
    const double d = v - mean;
    m2 += d * d, m3 += d * d * d, m4 += d * d * d * d;
  }
  m2 /= kN, m3 /= kN, m4 /= kN;
  const double rms = std::sqrt(sq / kN);
  out.insert(out.end(), {std::log(rms), std::log(peak), peak / rms, m4 / (m2 * m2), m3 / (m2 * std::sqrt(m2))});
  return out;
}

int8_t clamp8(double q) { return static_cast<int8_t>(q < -128 ? -128 : (q > 127 ? 127 : q)); }

// Distance of a real number of quantization steps from the nearest rounding tie.
double tie_distance(double steps) { return std::fabs(std::fabs(steps - std::floor(steps)) - 0.5); }

struct Pipeline {
  host::Graph graph;
  std::vector<float> offset, scale;
  std::vector<int8_t> weights;  // [F][F]
  int features = -1, reconstruction = -1, score = -1, decision = -1;
};

// samples -> DSP_FEATURES -> FULLY_CONNECTED -> SCORE_RECONSTRUCTION -> DECISION_THRESHOLD; graph
// outputs: features, reconstruction, score, decision.
Pipeline autoencoder_pipeline(float threshold) {
  Pipeline p;
  p.graph.source = "pipeline";
  const dsp::FeaturesConfig c = test_config();
  host::FeatureExtractor fx(c);
  const uint32_t f = fx.feature_count();
  // Normalization from "training" windows: per-feature mean and 1 / (2 std).
  std::vector<double> sum(f, 0.0), sum_sq(f, 0.0);
  for (uint32_t w = 0; w < 8; ++w) {
    const std::vector<float> feats = fx.compute(make_window(100 + w).data());
    for (uint32_t i = 0; i < f; ++i) sum[i] += feats[i], sum_sq[i] += static_cast<double>(feats[i]) * feats[i];
  }
  for (uint32_t i = 0; i < f; ++i) {
    const double mean = sum[i] / 8, var = std::max(sum_sq[i] / 8 - mean * mean, 1e-4);
    p.offset.push_back(static_cast<float>(mean));
    p.scale.push_back(static_cast<float>(1.0 / (2.0 * std::sqrt(var))));
  }
  host::Graph& g = p.graph;
  const int samples = host::add_samples_input(g, kN);
  p.features = host::add_dsp_features(g, samples, c, p.offset, p.scale, kFeatureScale, kFeatureZeroPoint);

  host::Tensor w;
  w.name = "ae/weights";
  w.type = kTensorTypeInt8;
  w.shape = {static_cast<int32_t>(f), static_cast<int32_t>(f)};
  w.quant = {{kWeightScale}, {0}, 0};
  uint32_t state = 5;
  for (uint32_t i = 0; i < f * f; ++i) {
    state = state * 1103515245u + 12345u;
    p.weights.push_back(static_cast<int8_t>(static_cast<int32_t>((state >> 16) % 9) - 4 + (i % (f + 1) == 0 ? 40 : 0)));
  }
  w.data.assign(reinterpret_cast<const uint8_t*>(p.weights.data()),
                reinterpret_cast<const uint8_t*>(p.weights.data()) + p.weights.size());
  g.tensors.push_back(w);
  const int weights = static_cast<int>(g.tensors.size()) - 1;
  host::Tensor y;
  y.name = "ae/output";
  y.type = kTensorTypeInt8;
  y.shape = {1, static_cast<int32_t>(f)};
  y.quant = {{kOutScale}, {kOutZeroPoint}, 0};
  g.tensors.push_back(y);
  p.reconstruction = static_cast<int>(g.tensors.size()) - 1;
  host::Op fc;
  fc.opcode = kOpFullyConnected;
  fc.source_name = "FULLY_CONNECTED";
  fc.inputs = {p.features, weights, -1};
  fc.outputs = {p.reconstruction};
  g.ops.push_back(fc);

  p.score = host::add_score_reconstruction(g, p.features, p.reconstruction);
  p.decision = host::add_decision_threshold(g, p.score, threshold);
  g.outputs = {p.features, p.reconstruction, p.score, p.decision};
  return p;
}

// Runs a converted model once on `input` bytes; returns every graph output's bytes.
std::vector<std::vector<uint8_t>> run_model(const std::vector<uint8_t>& file, const void* input, size_t bytes) {
  std::vector<uint8_t> storage(file.size() + 16);
  uint8_t* at = storage.data() + (16 - reinterpret_cast<uintptr_t>(storage.data()) % 16) % 16;
  std::memcpy(at, file.data(), file.size());
  Model m;
  if (model_validate(at, file.size(), &m, nullptr) != Status::kOk) return {};
  std::vector<uint8_t> arena_storage(m.header->arena_bytes + 16);
  uint8_t* arena = arena_storage.data() + (16 - reinterpret_cast<uintptr_t>(arena_storage.data()) % 16) % 16;
  Interpreter it{};
  if (interpreter_init(&it, &m, arena, m.header->arena_bytes) != Status::kOk) return {};
  const TensorRecord* t = nullptr;
  uint8_t* in = nullptr;
  interpreter_input(it, 0, &t, &in);
  if (t->bytes != bytes) return {};
  std::memcpy(in, input, bytes);
  if (interpreter_invoke(&it) != Status::kOk) return {};
  std::vector<std::vector<uint8_t>> outputs;
  for (uint32_t i = 0; i < m.header->output_count; ++i) {
    const uint8_t* data = nullptr;
    interpreter_output(it, i, &t, &data);
    outputs.emplace_back(data, data + t->bytes);
  }
  return outputs;
}

float as_float(const std::vector<uint8_t>& bytes) {
  float v = 0.0f;
  std::memcpy(&v, bytes.data(), sizeof(v));
  return v;
}

TMF_TEST(PipelineGraph, AutoencoderPipelineMatchesDoubleOracle) {
  const Pipeline p = autoencoder_pipeline(0.5f);
  const host::ConvertResult r = host::convert_graph(p.graph, {});
  const dsp::FeaturesConfig c = test_config();
  host::FeatureExtractor fx(c);
  const uint32_t f = fx.feature_count();
  TMF_ASSERT(f == kBands + 5);
  TMF_EXPECT(r.scratch_bytes >= dsp_features_scratch_bytes(kN, f));
  uint32_t exact_features = 0, checked_features = 0;
  for (uint32_t trial = 0; trial < 6; ++trial) {
    // Windows 0..2 like the training ones, 3..5 with a fault tone and a DC jump.
    std::vector<float> x = make_window(100 + trial);
    if (trial >= 3) {
      for (uint32_t t = 0; t < kN; ++t) x[t] += static_cast<float>(1.5 * std::sin(2 * kPi * 0.33 * t) + (t > kN / 2 ? 2.0 : 0.0));
    }
    const auto out = run_model(r.file, x.data(), x.size() * sizeof(float));
    TMF_ASSERT(out.size() == 4);
    TMF_ASSERT(out[0].size() == f && out[1].size() == f && out[2].size() == 4 && out[3].size() == 1);
    const auto* xq = reinterpret_cast<const int8_t*>(out[0].data());
    const auto* yq = reinterpret_cast<const int8_t*>(out[1].data());

    // Features: the host helper path byte for byte, and the double oracle outside ties.
    std::vector<float> z = fx.compute(x.data());
    std::vector<float> norm(p.offset);
    norm.insert(norm.end(), p.scale.begin(), p.scale.end());
    TMF_ASSERT(dsp::features_normalize(z.data(), norm.data(), f, z.data()) == dsp::DspStatus::kOk);
    const std::vector<double> exact = oracle_features(c, fx.window(), x);
    for (uint32_t i = 0; i < f; ++i) {
      TMF_EXPECT_EQ(xq[i], host::quantize_feature(z[i], kFeatureScale, kFeatureZeroPoint));
      const double steps = (exact[i] - p.offset[i]) * p.scale[i] / kFeatureScale;
      const int8_t want = clamp8((steps < 0 ? -std::floor(-steps + 0.5) : std::floor(steps + 0.5)) + kFeatureZeroPoint);
      ++checked_features;
      if (tie_distance(steps) < 1e-3) {
        TMF_EXPECT(std::abs(xq[i] - want) <= 1);
      } else {
        TMF_EXPECT_EQ(xq[i], want);
        ++exact_features;
      }
    }
    // FULLY_CONNECTED: acc * s_x * s_w / s_y = acc / 64 steps.
    for (uint32_t u = 0; u < f; ++u) {
      int64_t acc = 0;
      for (uint32_t k = 0; k < f; ++k) acc += static_cast<int64_t>(xq[k] - kFeatureZeroPoint) * p.weights[u * f + k];
      const double steps = static_cast<double>(acc) / 64.0;
      const int8_t want = clamp8(std::floor(steps + 0.5) + kOutZeroPoint);
      if (tie_distance(steps) < 1.0 / 32) {
        TMF_EXPECT(std::abs(yq[u] - want) <= 1);
      } else {
        TMF_EXPECT_EQ(yq[u], want);
      }
    }
    // Score from the int8 tensors, and the decision.
    double sum = 0.0;
    for (uint32_t i = 0; i < f; ++i) {
      const double d = static_cast<double>(kFeatureScale) * (xq[i] - kFeatureZeroPoint) -
                       static_cast<double>(kOutScale) * (yq[i] - kOutZeroPoint);
      sum += d * d;
    }
    const double score = sum / f;
    const float got = as_float(out[2]);
    TMF_EXPECT(std::fabs(got - score) <= 1e-6 * score);
    TMF_EXPECT_EQ(static_cast<int8_t>(out[3][0]), got > 0.5f ? 1 : 0);
  }
  TMF_EXPECT(exact_features + 2 >= checked_features);
}

TMF_TEST(PipelineGraph, DetectorScoresMatchDoubleOracle) {
  // features -> k-means, GMM, Mahalanobis; features -> FC -> SOFTMAX -> SCORE_CLASS.
  const dsp::FeaturesConfig c = test_config();
  host::FeatureExtractor fx(c);
  const int32_t f = static_cast<int32_t>(fx.feature_count());
  host::Graph g;
  g.source = "detectors";
  const int samples = host::add_samples_input(g, kN);
  const int x = host::add_dsp_features(g, samples, c, std::vector<float>(f, -2.0f), std::vector<float>(f, 0.25f),
                                       kFeatureScale, kFeatureZeroPoint);
  std::vector<float> centroids(3 * f), means(2 * f), inv_var(2 * f), mean(f), whitening(f * f);
  for (int32_t i = 0; i < 3 * f; ++i) centroids[i] = 0.1f * static_cast<float>(i % 11) - 0.4f;
  for (int32_t i = 0; i < 2 * f; ++i) means[i] = 0.2f * static_cast<float>(i % 7) - 0.5f, inv_var[i] = 0.5f + 0.1f * (i % 5);
  const std::vector<float> log_norm = {-12.0f, -13.5f};
  for (int32_t i = 0; i < f; ++i) mean[i] = 0.05f * i;
  for (int32_t i = 0; i < f * f; ++i) whitening[i] = (i % (f + 1) == 0 ? 1.0f : 0.0f) + 0.01f * static_cast<float>(i % 13) - 0.06f;
  const int kmeans = host::add_score_kmeans(g, x, 3, centroids, "kmeans");
  const int gmm = host::add_score_gmm(g, x, 2, means, inv_var, log_norm, "gmm");
  const int maha = host::add_score_mahalanobis(g, x, mean, whitening, "mahalanobis");
  host::Tensor w;
  w.name = "clf/weights";
  w.type = kTensorTypeInt8;
  w.shape = {3, f};
  w.quant = {{1.0f / 32}, {0}, 0};
  for (int32_t i = 0; i < 3 * f; ++i) w.data.push_back(static_cast<uint8_t>(static_cast<int8_t>((i * 7) % 9 - 4)));
  g.tensors.push_back(w);
  const int wi = static_cast<int>(g.tensors.size()) - 1;
  host::Tensor logits;
  logits.name = "clf/logits";
  logits.type = kTensorTypeInt8;
  logits.shape = {1, 3};
  logits.quant = {{0.125f}, {0}, 0};
  g.tensors.push_back(logits);
  const int li = static_cast<int>(g.tensors.size()) - 1;
  host::Tensor probs = logits;
  probs.name = "clf/probs";
  probs.quant = {{1.0f / 256}, {-128}, 0};
  g.tensors.push_back(probs);
  const int pi = static_cast<int>(g.tensors.size()) - 1;
  host::Op fc;
  fc.opcode = kOpFullyConnected;
  fc.source_name = "FULLY_CONNECTED";
  fc.inputs = {x, wi, -1};
  fc.outputs = {li};
  host::Op sm;
  sm.opcode = kOpSoftmax;
  sm.source_name = "SOFTMAX";
  sm.inputs = {li};
  sm.outputs = {pi};
  g.ops.push_back(fc);
  g.ops.push_back(sm);
  const int cls = host::add_score_class(g, pi, 1, "class");
  g.outputs = {x, kmeans, gmm, maha, pi, cls};
  const host::ConvertResult r = host::convert_graph(g, {});

  const std::vector<float> samples_in = make_window(7);
  const auto out = run_model(r.file, samples_in.data(), samples_in.size() * sizeof(float));
  TMF_ASSERT(out.size() == 6);
  const auto* xq = reinterpret_cast<const int8_t*>(out[0].data());
  std::vector<double> v(f);
  for (int32_t i = 0; i < f; ++i) v[i] = static_cast<double>(kFeatureScale) * (xq[i] - kFeatureZeroPoint);

  double best = INFINITY;
  for (int32_t k = 0; k < 3; ++k) {
    double d2 = 0;
    for (int32_t i = 0; i < f; ++i) d2 += (v[i] - centroids[k * f + i]) * (v[i] - centroids[k * f + i]);
    best = std::min(best, d2);
  }
  TMF_EXPECT(std::fabs(as_float(out[1]) - best) <= 1e-5 * best);

  double a[2], m = -INFINITY;
  for (int32_t k = 0; k < 2; ++k) {
    double q = 0;
    for (int32_t i = 0; i < f; ++i) q += inv_var[k * f + i] * (v[i] - means[k * f + i]) * (v[i] - means[k * f + i]);
    a[k] = log_norm[k] - 0.5 * q;
    m = std::max(m, a[k]);
  }
  const double nll = -(m + std::log(std::exp(a[0] - m) + std::exp(a[1] - m)));
  TMF_EXPECT(std::fabs(as_float(out[2]) - nll) <= 1e-5 * std::max(1.0, std::fabs(nll)));

  double maha_sq = 0;
  for (int32_t i = 0; i < f; ++i) {
    double row = 0;
    for (int32_t j = 0; j < f; ++j) row += whitening[i * f + j] * (v[j] - mean[j]);
    maha_sq += row * row;
  }
  TMF_EXPECT(std::fabs(as_float(out[3]) - maha_sq) <= 1e-5 * maha_sq);

  const auto* probs_q = reinterpret_cast<const int8_t*>(out[4].data());
  TMF_EXPECT(as_float(out[5]) == static_cast<float>(1.0 - (probs_q[1] + 128) / 256.0));
}

TMF_TEST(PipelineGraph, ConverterRejectsForeignTwiddles) {
  Pipeline p = autoencoder_pipeline(0.5f);
  // Input 1 of the DSP_FEATURES op: flip one bit of one twiddle.
  host::Tensor& tw = p.graph.tensors[p.graph.ops[0].inputs[1]];
  tw.data[4 * 7] ^= 1;
  TMF_EXPECT_THROWS(host::convert_graph(p.graph, {}), host::ConvertError, "differ from dsp::fft_plan_init(256)");
}

TMF_TEST(PipelineGraph, ConverterRejectsBadBandRange) {
  Pipeline p = autoencoder_pipeline(0.5f);
  p.graph.ops[0].options.pipeline.f_hi = 2000.0f;  // above Nyquist (1280 Hz)
  TMF_EXPECT_THROWS(host::convert_graph(p.graph, {}), host::ConvertError, "f_hi <= sample_rate / 2");
}

TMF_TEST(PipelineGraph, ConverterRejectsNonFiniteThreshold) {
  Pipeline p = autoencoder_pipeline(NAN);
  TMF_EXPECT_THROWS(host::convert_graph(p.graph, {}), host::ConvertError, "DECISION_THRESHOLD");
}

TMF_TEST(PipelineGraph, HelpersRejectWrongSizes) {
  host::Graph g;
  g.source = "sizes";
  const int samples = host::add_samples_input(g, kN);
  TMF_EXPECT_THROWS(host::add_dsp_features(g, samples, test_config(), {0.0f}, {1.0f}, 0.1f, 0),
                    host::ConvertError, "normalization offset has 1 values, expected 13");
  dsp::FeaturesConfig wrong = test_config();
  wrong.n_fft = 512;
  TMF_EXPECT_THROWS(host::add_dsp_features(g, samples, wrong, {}, {}, 0.1f, 0), host::ConvertError,
                    "does not hold n_fft = 512");
  TMF_EXPECT_THROWS(host::FeatureExtractor(host::hann_features_config(100, 1000.0f, 0.0f, 500.0f, 4, 0)),
                    host::ConvertError, "window length 100");
}

TMF_TEST(PipelineGraph, ConverterRejectsClassIndexOutOfRange) {
  host::Graph g;
  g.source = "class";
  host::Tensor probs;
  probs.name = "probs";
  probs.type = kTensorTypeInt8;
  probs.shape = {1, 3};
  probs.quant = {{1.0f / 256}, {-128}, 0};
  g.tensors.push_back(probs);
  g.inputs = {0};
  g.outputs = {host::add_score_class(g, 0, 3)};
  TMF_EXPECT_THROWS(host::convert_graph(g, {}), host::ConvertError, "normal class index 3 is outside [0, 3)");
}

TMF_TEST(PipelineGraph, InspectAndRunThroughTheCli) {
  const Pipeline p = autoencoder_pipeline(0.5f);
  const host::ConvertResult r = host::convert_graph(p.graph, {});
  const std::string model = test::temp_path("pipeline.tmf");
  test::write_bytes(model, r.file);
  const test::CommandResult inspect = test::run_cli("inspect " + model);
  TMF_ASSERT(inspect.exit_code == 0);
  for (const char* name : {"DSP_FEATURES", "FULLY_CONNECTED", "SCORE_RECONSTRUCTION", "DECISION_THRESHOLD"}) {
    TMF_EXPECT(inspect.out.find(name) != std::string::npos);
  }
  // Two windows of float32 samples back to back; the outputs of each come back to back.
  std::vector<float> two = make_window(100);
  const std::vector<float> second = make_window(101);
  two.insert(two.end(), second.begin(), second.end());
  std::vector<uint8_t> in(two.size() * sizeof(float));
  std::memcpy(in.data(), two.data(), in.size());
  const std::string in_path = test::temp_path("pipeline_in.bin");
  const std::string out_path = test::temp_path("pipeline_out.bin");
  test::write_bytes(in_path, in);
  TMF_ASSERT(test::run_cli("run " + model + " --input " + in_path + " --output " + out_path).exit_code == 0);
  const std::vector<uint8_t> out = test::read_bytes(out_path);
  const size_t set = 13 + 13 + 4 + 1;
  TMF_ASSERT(out.size() == 2 * set);
  for (int s = 0; s < 2; ++s) {
    const auto direct = run_model(r.file, two.data() + s * kN, kN * sizeof(float));
    TMF_ASSERT(direct.size() == 4);
    std::vector<uint8_t> joined;
    for (const auto& o : direct) joined.insert(joined.end(), o.begin(), o.end());
    TMF_EXPECT_BYTES_EQ(out.data() + s * set, joined.data(), static_cast<uint32_t>(set));
  }
}

}  // namespace
}  // namespace tmf
