// Float models as the trainers produce them and the quantizer consumes them (host/train ->
// host/quantize). Plain data plus a reference float forward pass, so parity checks compare the
// int8 file against exactly what was trained. Host-only (C++20).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tmf::train {

// A feature matrix: `rows` windows of `cols` features each, row-major.
struct FeatureMatrix {
  int rows = 0;
  int cols = 0;
  std::vector<float> data;  // rows * cols
  const float* row(int r) const { return data.data() + static_cast<size_t>(r) * cols; }
};

enum class LayerKind {
  kDense,          // y[o] = act(bias[o] + sum_i weight[o][i] * x[i]); x flattened
  kConv1D,         // over a [length][channels] input, stride 1, 'same' zero padding
  kMaxPool1D,      // window = stride = `kernel`, over [length][channels], floor(length / kernel)
  kGlobalAvgPool,  // [length][channels] -> [channels]
  kSoftmax,        // over the last dimension
};
enum class LayerActivation { kNone, kRelu };

struct Layer {
  LayerKind kind = LayerKind::kDense;
  int in_channels = 0;   // dense: input features; conv1d/pools: channels in
  int out_channels = 0;  // dense: output features; conv1d: filters; pools: = in_channels
  int kernel = 1;        // conv1d: taps (odd); maxpool1d: window and stride
  // dense: [out][in]; conv1d: [out][kernel][in] (the TMF CONV_2D filter [out_c, 1, kw, in_c]).
  std::vector<float> weight;
  std::vector<float> bias;  // [out]
  LayerActivation activation = LayerActivation::kNone;
};

// A feed-forward network over a [input_length][input_channels] input (channels-last; a plain
// feature vector is input_length = F, input_channels = 1 for conv nets, or F x 1 for dense nets).
struct FloatNetwork {
  int input_length = 0;
  int input_channels = 1;
  std::vector<Layer> layers;
  // The reference forward pass in float (double accumulation is not used: float, like the device).
  std::vector<float> forward(const float* input) const;
  int output_size() const;
};

// Anomaly detectors over a feature vector (already normalized as the pipeline normalizes).
// score(x) grows with abnormality; each mirrors the device op that scores it (docs/pipeline.md).
struct KMeansModel {        // score = min_k ||x - c_k||^2
  int k = 0, dim = 0;
  std::vector<float> centroids;  // [k][dim]
  float score(const float* x) const;
};
struct GaussianMixtureModel {  // diagonal covariances; score = -log p(x)
  int k = 0, dim = 0;
  std::vector<float> means;     // [k][dim]
  std::vector<float> inv_var;   // [k][dim], 1 / variance
  std::vector<float> log_norm;  // [k]: log(weight_k) - 0.5 * sum_d log(2*pi*var_kd)
  float score(const float* x) const;
};
struct MahalanobisModel {   // score = ||W (x - mean)||^2, W^T W = inverse covariance
  int dim = 0;
  std::vector<float> mean;       // [dim]
  std::vector<float> whitening;  // [dim][dim], row-major
  float score(const float* x) const;
};

}  // namespace tmf::train
