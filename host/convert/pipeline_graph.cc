// Pipeline graph helpers (see pipeline_graph.h). The converter's lowerings repeat every check, so
// these only catch what would otherwise fail later with a less specific message.
#include "host/convert/pipeline_graph.h"

#include <cmath>
#include <cstring>

#include "device/dsp/fft.h"
#include "device/dsp/window.h"
#include "device/runtime/kernels/dsp_features.h"

namespace tmf::host {
namespace {

int32_t dim(size_t n) { return static_cast<int32_t>(n); }

Tensor float_constant(const std::string& name, std::vector<int32_t> shape, const std::vector<float>& values) {
  Tensor t;
  t.name = name;
  t.type = kTensorTypeFloat32;
  t.shape = std::move(shape);
  t.data.resize(values.size() * sizeof(float));
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

Tensor activation(const std::string& name, TensorType type, std::vector<int32_t> shape) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  return t;
}

int push_tensor(Graph& g, Tensor t) {
  g.tensors.push_back(std::move(t));
  return static_cast<int>(g.tensors.size()) - 1;
}

void push_op(Graph& g, OpCode code, const char* name, std::vector<int> inputs, int output,
             const PipelineOptions& options = {}) {
  Op op;
  op.opcode = code;
  op.source_name = name;
  op.inputs = std::move(inputs);
  op.outputs = {output};
  op.options.pipeline = options;
  g.ops.push_back(std::move(op));
}

[[noreturn]] void fail(const Graph& g, const char* op, const std::string& what) {
  throw ConvertError(g.source + ": " + op + ": " + what);
}

const Tensor& tensor_at(const Graph& g, int index, const char* op) {
  if (index < 0 || static_cast<size_t>(index) >= g.tensors.size()) {
    fail(g, op, "tensor index " + std::to_string(index) + " is not in the graph");
  }
  return g.tensors[index];
}

// The feature count of an int8 row tensor (its last dimension).
int32_t row_length(const Graph& g, int index, const char* op) {
  const Tensor& t = tensor_at(g, index, op);
  if (t.shape.empty()) fail(g, op, g.tensor_context(index) + " is a scalar, expected [1, F]");
  return t.shape.back();
}

int add_score_output(Graph& g, const std::string& name) {
  return push_tensor(g, activation(name, kTensorTypeFloat32, {1}));
}

void require_size(const Graph& g, const char* op, const char* what, size_t got, size_t want) {
  if (got != want) {
    fail(g, op, std::string(what) + " has " + std::to_string(got) + " values, expected " +
                    std::to_string(want));
  }
}

}  // namespace

dsp::FeaturesConfig hann_features_config(uint32_t n_fft, float sample_rate, float f_lo, float f_hi,
                                         uint32_t num_bands, uint32_t stats_mask) {
  dsp::FeaturesConfig c{};
  c.n_fft = n_fft;
  c.sample_rate = sample_rate;
  c.f_lo = f_lo;
  c.f_hi = f_hi;
  c.num_bands = num_bands;
  c.log_floor = 1e-10f;
  c.stats_mask = stats_mask;
  c.power_scale = 1.0f;
  if (n_fft >= 2 && n_fft <= dsp::kFeaturesMaxLength) {
    std::vector<float> w(n_fft);
    dsp::window_hann_periodic(w.data(), n_fft);
    const float sum = dsp::window_sum(w.data(), n_fft);
    c.power_scale = 4.0f / (sum * sum);
  }
  return c;
}

FeatureExtractor::FeatureExtractor(const dsp::FeaturesConfig& config, uint32_t channels)
    : config_(config), channels_(channels) {
  if (channels < 1 || channels > kDspFeaturesMaxChannels) {
    throw ConvertError("DSP features: " + std::to_string(channels) + " channels: must be 1.." +
                       std::to_string(kDspFeaturesMaxChannels));
  }
  if (dsp::features_check(config) != dsp::DspStatus::kOk) {
    throw ConvertError("DSP features: config rejected (window length " + std::to_string(config.n_fft) +
                       ", " + std::to_string(config.num_bands) + " bands over [" +
                       std::to_string(config.f_lo) + ", " + std::to_string(config.f_hi) + "] Hz at " +
                       std::to_string(config.sample_rate) + " Hz, stats mask " +
                       std::to_string(config.stats_mask) + "): see device/dsp/features.h");
  }
  const uint32_t n = config.n_fft;
  count_ = channels * dsp::features_count(config);
  twiddle_.resize(n);
  window_.resize(n);
  work_.resize(dsp::features_work_floats(n));
  dsp::FftPlan plan{};
  dsp::fft_plan_init(&plan, n, twiddle_.data(), n * sizeof(float));
  dsp::window_hann_periodic(window_.data(), n);
}

void FeatureExtractor::compute(const float* samples, float* features) {
  if (samples == nullptr || features == nullptr) {
    throw ConvertError("DSP features: features_compute failed (null samples or features)");
  }
  const uint32_t per_channel = count_ / channels_;
  for (uint32_t c = 0; c < channels_; ++c) {
    if (dsp::features_compute(config_, twiddle_.data(), window_.data(), samples + c * config_.n_fft,
                              work_.data(), features + c * per_channel) != dsp::DspStatus::kOk) {
      throw ConvertError("DSP features: features_compute failed (null samples or features)");
    }
  }
}

std::vector<float> FeatureExtractor::compute(const float* samples) {
  std::vector<float> features(count_);
  compute(samples, features.data());
  return features;
}

int8_t quantize_feature(float z, float scale, int32_t zero_point) {
  const float rounded = std::round(z / scale);
  int64_t q = zero_point;
  if (rounded >= 2147483648.0f) {
    q += 2147483647;
  } else if (rounded < -2147483648.0f) {
    q -= 2147483648LL;
  } else if (rounded == rounded) {
    q += static_cast<int32_t>(rounded);
  }
  return static_cast<int8_t>(q < -128 ? -128 : (q > 127 ? 127 : q));
}

int add_samples_input(Graph& g, uint32_t n_fft, const std::string& name, uint32_t channels) {
  const int t = push_tensor(g, activation(name, kTensorTypeFloat32,
                                          {static_cast<int32_t>(channels), static_cast<int32_t>(n_fft)}));
  g.inputs.push_back(t);
  return t;
}

int add_dsp_features(Graph& g, int samples, const dsp::FeaturesConfig& config,
                     const std::vector<float>& offset, const std::vector<float>& scale,
                     float output_scale, int32_t output_zero_point, const std::string& name) {
  DspFeaturesOptions options;
  options.offset = offset;
  options.scale = scale;
  options.output_scale = output_scale;
  options.output_zero_point = output_zero_point;
  return add_dsp_features(g, samples, config, options, name).features;
}

DspFeaturesTensors add_dsp_features(Graph& g, int samples, const dsp::FeaturesConfig& config,
                                    const DspFeaturesOptions& options, const std::string& name) {
  const char* op = "DSP_FEATURES";
  if (row_length(g, samples, op) != static_cast<int32_t>(config.n_fft)) {
    fail(g, op, g.tensor_context(samples) + " does not hold n_fft = " + std::to_string(config.n_fft) +
                    " samples");
  }
  const int64_t channels = g.tensors[samples].element_count() / config.n_fft;
  if (channels < 1 || channels > kDspFeaturesMaxChannels) {
    fail(g, op, g.tensor_context(samples) + ": " + std::to_string(channels) + " channels, must be 1.." +
                    std::to_string(kDspFeaturesMaxChannels));
  }
  // Checks the config, builds twiddles and window; counts every channel's features.
  const FeatureExtractor tables(config, static_cast<uint32_t>(channels));
  const uint32_t count = tables.feature_count();
  DspFeaturesTensors result;
  const int twiddle = push_tensor(g, float_constant(name + "/twiddle", {dim(config.n_fft / 2), 2}, tables.twiddle()));
  const int window = push_tensor(g, float_constant(name + "/window", {dim(config.n_fft)}, tables.window()));
  if (options.normalization_as_input) {
    result.normalization = push_tensor(g, activation(name + "/normalization", kTensorTypeFloat32, {2, dim(count)}));
    result.normalization_input = static_cast<int>(g.inputs.size());
    g.inputs.push_back(result.normalization);
  } else {
    require_size(g, op, "normalization offset", options.offset.size(), count);
    require_size(g, op, "normalization scale", options.scale.size(), count);
    std::vector<float> norm(options.offset);
    norm.insert(norm.end(), options.scale.begin(), options.scale.end());
    result.normalization = push_tensor(g, float_constant(name + "/normalization", {2, dim(count)}, norm));
  }
  Tensor out = activation(name, kTensorTypeInt8, {1, dim(count)});
  out.quant = {{options.output_scale}, {options.output_zero_point}, 0};
  result.features = push_tensor(g, std::move(out));
  PipelineOptions o;
  o.sample_rate = config.sample_rate;
  o.f_lo = config.f_lo;
  o.f_hi = config.f_hi;
  o.num_bands = config.num_bands;
  o.power_scale = config.power_scale;
  o.log_floor = config.log_floor;
  o.stats_mask = config.stats_mask;
  push_op(g, kOpDspFeatures, op, {samples, twiddle, window, result.normalization}, result.features, o);
  if (options.raw_output) {
    result.raw = push_tensor(g, activation(name + "/raw", kTensorTypeFloat32, {1, dim(count)}));
    g.ops.back().outputs.push_back(result.raw);
  }
  return result;
}

int add_score_reconstruction(Graph& g, int x, int y, const std::string& name) {
  row_length(g, x, "SCORE_RECONSTRUCTION");
  row_length(g, y, "SCORE_RECONSTRUCTION");
  const int output = add_score_output(g, name);
  push_op(g, kOpScoreReconstruction, "SCORE_RECONSTRUCTION", {x, y}, output);
  return output;
}

int add_score_kmeans(Graph& g, int x, int k, const std::vector<float>& centroids, const std::string& name) {
  const char* op = "SCORE_KMEANS";
  const int32_t f = row_length(g, x, op);
  if (k < 1) fail(g, op, "needs at least one centroid");
  require_size(g, op, "centroids", centroids.size(), static_cast<size_t>(k) * f);
  const int c = push_tensor(g, float_constant(name + "/centroids", {k, f}, centroids));
  const int output = add_score_output(g, name);
  push_op(g, kOpScoreKMeans, op, {x, c}, output);
  return output;
}

int add_score_gmm(Graph& g, int x, int k, const std::vector<float>& means,
                  const std::vector<float>& inv_var, const std::vector<float>& log_norm,
                  const std::string& name) {
  const char* op = "SCORE_GMM";
  const int32_t f = row_length(g, x, op);
  if (k < 1) fail(g, op, "needs at least one component");
  require_size(g, op, "means", means.size(), static_cast<size_t>(k) * f);
  require_size(g, op, "inv_var", inv_var.size(), static_cast<size_t>(k) * f);
  require_size(g, op, "log_norm", log_norm.size(), static_cast<size_t>(k));
  const int m = push_tensor(g, float_constant(name + "/means", {k, f}, means));
  const int v = push_tensor(g, float_constant(name + "/inv_var", {k, f}, inv_var));
  const int n = push_tensor(g, float_constant(name + "/log_norm", {k}, log_norm));
  const int output = add_score_output(g, name);
  push_op(g, kOpScoreGmm, op, {x, m, v, n}, output);
  return output;
}

int add_score_mahalanobis(Graph& g, int x, const std::vector<float>& mean,
                          const std::vector<float>& whitening, const std::string& name) {
  const char* op = "SCORE_MAHALANOBIS";
  const int32_t f = row_length(g, x, op);
  require_size(g, op, "mean", mean.size(), static_cast<size_t>(f));
  require_size(g, op, "whitening", whitening.size(), static_cast<size_t>(f) * f);
  const int m = push_tensor(g, float_constant(name + "/mean", {f}, mean));
  const int w = push_tensor(g, float_constant(name + "/whitening", {f, f}, whitening));
  const int output = add_score_output(g, name);
  push_op(g, kOpScoreMahalanobis, op, {x, m, w}, output);
  return output;
}

int add_score_class(Graph& g, int probabilities, int normal_index, const std::string& name) {
  row_length(g, probabilities, "SCORE_CLASS");
  PipelineOptions o;
  o.normal_index = normal_index;
  const int output = add_score_output(g, name);
  push_op(g, kOpScoreClass, "SCORE_CLASS", {probabilities}, output, o);
  return output;
}

int add_decision_threshold(Graph& g, int score, float threshold, const std::string& name) {
  tensor_at(g, score, "DECISION_THRESHOLD");
  PipelineOptions o;
  o.threshold = threshold;
  const int output = push_tensor(g, activation(name, kTensorTypeInt8, {1}));
  push_op(g, kOpDecisionThreshold, "DECISION_THRESHOLD", {score}, output, o);
  return output;
}

}  // namespace tmf::host
