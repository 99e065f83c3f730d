// Graph-building helpers for whole pipelines (format 1.1): raw samples in, anomaly score and
// decision out. The quantizer appends the pipeline ops with their constant tensors (twiddles,
// window, normalization, centroids, ...) to a Graph and converts it; FeatureExtractor computes
// the float features of a window on the host with the device's own code (device/dsp), so
// training features are exactly what DSP_FEATURES computes on the device.
// Every function throws ConvertError naming the op and the bad argument.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "device/dsp/features.h"
#include "host/convert/graph.h"

namespace tmf::host {

// A FeaturesConfig with power_scale = 4 / (sum of the periodic Hann window)^2 (a sine of
// amplitude A centred on a bin reads A^2 there) and log_floor 1e-10.
dsp::FeaturesConfig hann_features_config(uint32_t n_fft, float sample_rate, float f_lo, float f_hi,
                                         uint32_t num_bands, uint32_t stats_mask);

// The float features of windows, computed by dsp::features_compute with the tables DSP_FEATURES
// carries (the FFT twiddles of dsp::fft_plan_init and the periodic Hann window). With C channels
// (a multi-axis sensor, format 1.3) a window is C rows of n_fft samples, channel-major, and its
// features are each channel's in turn (channel c's at [c*F1, (c+1)*F1), F1 = one channel's count).
class FeatureExtractor {
 public:
  // Throws on a bad config or a channel count outside 1..kDspFeaturesMaxChannels (8).
  explicit FeatureExtractor(const dsp::FeaturesConfig& config, uint32_t channels = 1);

  const dsp::FeaturesConfig& config() const { return config_; }
  uint32_t channels() const { return channels_; }
  uint32_t feature_count() const { return count_; }  // all channels
  uint32_t channel_feature_count() const { return count_ / channels_; }
  const std::vector<float>& twiddle() const { return twiddle_; }
  const std::vector<float>& window() const { return window_; }

  // features[0, feature_count()) of one window of channels() * config().n_fft samples.
  void compute(const float* samples, float* features);
  std::vector<float> compute(const float* samples);

 private:
  dsp::FeaturesConfig config_;
  uint32_t channels_ = 1;
  uint32_t count_ = 0;
  std::vector<float> twiddle_, window_, work_;
};

// DSP_FEATURES' output quantization of a normalized feature z: round(z / scale) + zero_point,
// half away from zero, clamped to int8, NaN -> zero_point (the kernel's rule).
int8_t quantize_feature(float z, float scale, int32_t zero_point);

// Appends a float32 [channels, n_fft] activation ([1, n_fft] for one channel) and makes it a graph
// input; returns its index.
int add_samples_input(Graph& g, uint32_t n_fft, const std::string& name = "samples",
                      uint32_t channels = 1);

// Appends DSP_FEATURES on `samples` (a float32 [C, n_fft] activation) with its constants; the
// normalization is z = (feature - offset) * scale (offset and scale: feature_count values each);
// returns the int8 [1, F] output quantized with (output_scale, output_zero_point).
int add_dsp_features(Graph& g, int samples, const dsp::FeaturesConfig& config,
                     const std::vector<float>& offset, const std::vector<float>& scale,
                     float output_scale, int32_t output_zero_point,
                     const std::string& name = "features");

// DSP_FEATURES with the device-side extensions (docs/format.md "Pipeline ops", docs/detect.md).
struct DspFeaturesOptions {
  // The constant normalization z = (feature - offset) * scale (feature_count values each);
  // unused (may be empty) when normalization_as_input is set.
  std::vector<float> offset, scale;
  float output_scale = 1.0f;
  int32_t output_zero_point = 0;
  // Input 3 becomes a float32 [2, F] activation appended to g.inputs: the device writes its own
  // baseline there (offsets, then scales) before every invoke.
  bool normalization_as_input = false;
  // Output 1: the float32 [1, F] features before normalization. The caller must list it in
  // g.outputs (or an op must read it), else its bytes are reused after the op.
  bool raw_output = false;
};
struct DspFeaturesTensors {
  int features = -1;             // int8 [1, F] output (tensor index)
  int raw = -1;                  // float32 [1, F] output 1, or -1
  int normalization = -1;        // the normalization tensor (constant or graph input)
  int normalization_input = -1;  // its position in g.inputs (the file's graph input index), or -1
};
DspFeaturesTensors add_dsp_features(Graph& g, int samples, const dsp::FeaturesConfig& config,
                                    const DspFeaturesOptions& options,
                                    const std::string& name = "features");

// Scores: each returns its float32 [1] output. x, y and probabilities are int8 [1, F] tensors.
int add_score_reconstruction(Graph& g, int x, int y, const std::string& name = "score");
// centroids: k rows of F values, row-major.
int add_score_kmeans(Graph& g, int x, int k, const std::vector<float>& centroids,
                     const std::string& name = "score");
// means, inv_var: k rows of F; log_norm: k values (train::GaussianMixtureModel's fields).
int add_score_gmm(Graph& g, int x, int k, const std::vector<float>& means,
                  const std::vector<float>& inv_var, const std::vector<float>& log_norm,
                  const std::string& name = "score");
// mean: F values; whitening: F x F, row-major.
int add_score_mahalanobis(Graph& g, int x, const std::vector<float>& mean,
                          const std::vector<float>& whitening, const std::string& name = "score");
int add_score_class(Graph& g, int probabilities, int normal_index, const std::string& name = "score");

// Appends DECISION_THRESHOLD: int8 [1] output, 1 if score > threshold else 0.
int add_decision_threshold(Graph& g, int score, float threshold,
                           const std::string& name = "decision");

}  // namespace tmf::host
