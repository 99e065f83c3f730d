// The float reference forward pass and the detector scores of float_model.h. Float arithmetic
// throughout (no double accumulation), in the order the int8 device kernels accumulate.
#include "host/train/float_model.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "host/train/train_error.h"

namespace tmf::train {
namespace {

const char* layer_kind_name(LayerKind kind) {
  switch (kind) {
    case LayerKind::kDense: return "Dense";
    case LayerKind::kConv1D: return "Conv1D";
    case LayerKind::kMaxPool1D: return "MaxPool1D";
    case LayerKind::kGlobalAvgPool: return "GlobalAvgPool";
    case LayerKind::kSoftmax: return "Softmax";
  }
  return "unknown";
}

// Activation [length][channels] flowing between layers.
struct Shape {
  int length = 0;
  int channels = 0;
  int size() const { return length * channels; }
};

[[noreturn]] void layer_error(size_t index, const Layer& layer, const std::string& what) {
  throw TrainError("layer " + std::to_string(index) + " (" + layer_kind_name(layer.kind) +
                   "): " + what);
}

void expect_size(size_t index, const Layer& layer, const char* field, size_t actual,
                 size_t expected) {
  if (actual != expected) {
    layer_error(index, layer, std::string(field) + " has " + std::to_string(actual) +
                                  " values, expected " + std::to_string(expected));
  }
}

// Checks one layer against its input shape and returns its output shape.
Shape layer_output_shape(size_t index, const Layer& layer, Shape in) {
  const bool has_weights = layer.kind == LayerKind::kDense || layer.kind == LayerKind::kConv1D;
  if (!has_weights && layer.activation != LayerActivation::kNone) {
    layer_error(index, layer, "an activation is only allowed on Dense and Conv1D layers");
  }
  switch (layer.kind) {
    case LayerKind::kDense:
      if (layer.in_channels != in.size() || layer.out_channels <= 0) {
        layer_error(index, layer, "in_channels " + std::to_string(layer.in_channels) +
                                      " / out_channels " + std::to_string(layer.out_channels) +
                                      " do not fit an input of " + std::to_string(in.size()) +
                                      " values");
      }
      expect_size(index, layer, "weight", layer.weight.size(),
                  static_cast<size_t>(layer.out_channels) * layer.in_channels);
      expect_size(index, layer, "bias", layer.bias.size(), layer.out_channels);
      return {1, layer.out_channels};
    case LayerKind::kConv1D:
      if (layer.in_channels != in.channels || layer.out_channels <= 0) {
        layer_error(index, layer, "in_channels " + std::to_string(layer.in_channels) +
                                      " does not match the input's " +
                                      std::to_string(in.channels) + " channels");
      }
      if (layer.kernel < 1 || layer.kernel % 2 == 0) {
        layer_error(index, layer, "kernel " + std::to_string(layer.kernel) + " is not odd");
      }
      expect_size(index, layer, "weight", layer.weight.size(),
                  static_cast<size_t>(layer.out_channels) * layer.kernel * layer.in_channels);
      expect_size(index, layer, "bias", layer.bias.size(), layer.out_channels);
      return {in.length, layer.out_channels};
    case LayerKind::kMaxPool1D:
    case LayerKind::kGlobalAvgPool:
      if (layer.in_channels != in.channels || layer.out_channels != in.channels) {
        layer_error(index, layer, "in_channels/out_channels must equal the input's " +
                                      std::to_string(in.channels) + " channels");
      }
      if (layer.kind == LayerKind::kGlobalAvgPool) return {1, in.channels};
      if (layer.kernel < 1 || in.length / layer.kernel < 1) {
        layer_error(index, layer, "kernel " + std::to_string(layer.kernel) +
                                      " does not fit an input of length " +
                                      std::to_string(in.length));
      }
      return {in.length / layer.kernel, in.channels};
    case LayerKind::kSoftmax:
      return in;
  }
  layer_error(index, layer, "unknown layer kind");
}

Shape network_input_shape(const FloatNetwork& net) {
  if (net.input_length <= 0 || net.input_channels <= 0) {
    throw TrainError("network input " + std::to_string(net.input_length) + " x " +
                     std::to_string(net.input_channels) + " is empty");
  }
  return {net.input_length, net.input_channels};
}

float activate(LayerActivation activation, float v) {
  return activation == LayerActivation::kRelu ? std::max(v, 0.0f) : v;
}

void dense(const Layer& l, const std::vector<float>& x, std::vector<float>& y) {
  y.resize(l.out_channels);
  for (int o = 0; o < l.out_channels; ++o) {
    const float* w = l.weight.data() + static_cast<size_t>(o) * l.in_channels;
    float acc = 0.0f;
    for (int i = 0; i < l.in_channels; ++i) acc += w[i] * x[i];
    y[o] = activate(l.activation, acc + l.bias[o]);
  }
}

// 'same' zero padding: output t reads inputs t - pad .. t + pad.
void conv1d(const Layer& l, Shape in, const std::vector<float>& x, std::vector<float>& y) {
  const int pad = (l.kernel - 1) / 2;
  y.resize(static_cast<size_t>(in.length) * l.out_channels);
  for (int t = 0; t < in.length; ++t) {
    for (int o = 0; o < l.out_channels; ++o) {
      float acc = 0.0f;
      for (int k = 0; k < l.kernel; ++k) {
        const int src = t + k - pad;
        if (src < 0 || src >= in.length) continue;
        const float* w = l.weight.data() + (static_cast<size_t>(o) * l.kernel + k) * l.in_channels;
        const float* xs = x.data() + static_cast<size_t>(src) * in.channels;
        for (int i = 0; i < l.in_channels; ++i) acc += w[i] * xs[i];
      }
      y[static_cast<size_t>(t) * l.out_channels + o] = activate(l.activation, acc + l.bias[o]);
    }
  }
}

void max_pool1d(const Layer& l, Shape in, const std::vector<float>& x, std::vector<float>& y) {
  const int out_length = in.length / l.kernel;
  y.resize(static_cast<size_t>(out_length) * in.channels);
  for (int t = 0; t < out_length; ++t) {
    for (int c = 0; c < in.channels; ++c) {
      float m = x[static_cast<size_t>(t) * l.kernel * in.channels + c];
      for (int k = 1; k < l.kernel; ++k) {
        m = std::max(m, x[(static_cast<size_t>(t) * l.kernel + k) * in.channels + c]);
      }
      y[static_cast<size_t>(t) * in.channels + c] = m;
    }
  }
}

void global_avg_pool(Shape in, const std::vector<float>& x, std::vector<float>& y) {
  y.assign(in.channels, 0.0f);
  for (int t = 0; t < in.length; ++t) {
    for (int c = 0; c < in.channels; ++c) y[c] += x[static_cast<size_t>(t) * in.channels + c];
  }
  for (float& v : y) v /= static_cast<float>(in.length);
}

// Softmax of each row of [length][channels] over its channels, max subtracted for range.
void softmax(Shape in, const std::vector<float>& x, std::vector<float>& y) {
  y.resize(x.size());
  for (int t = 0; t < in.length; ++t) {
    const float* xr = x.data() + static_cast<size_t>(t) * in.channels;
    float* yr = y.data() + static_cast<size_t>(t) * in.channels;
    const float m = *std::max_element(xr, xr + in.channels);
    float sum = 0.0f;
    for (int c = 0; c < in.channels; ++c) sum += yr[c] = std::exp(xr[c] - m);
    for (int c = 0; c < in.channels; ++c) yr[c] /= sum;
  }
}

}  // namespace

std::vector<float> FloatNetwork::forward(const float* input) const {
  Shape shape = network_input_shape(*this);
  std::vector<float> x(input, input + shape.size());
  std::vector<float> y;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    const Shape out = layer_output_shape(i, l, shape);
    switch (l.kind) {
      case LayerKind::kDense: dense(l, x, y); break;
      case LayerKind::kConv1D: conv1d(l, shape, x, y); break;
      case LayerKind::kMaxPool1D: max_pool1d(l, shape, x, y); break;
      case LayerKind::kGlobalAvgPool: global_avg_pool(shape, x, y); break;
      case LayerKind::kSoftmax: softmax(shape, x, y); break;
    }
    x.swap(y);
    shape = out;
  }
  return x;
}

int FloatNetwork::output_size() const {
  Shape shape = network_input_shape(*this);
  for (size_t i = 0; i < layers.size(); ++i) shape = layer_output_shape(i, layers[i], shape);
  return shape.size();
}

float KMeansModel::score(const float* x) const {
  float best = INFINITY;
  for (int c = 0; c < k; ++c) {
    const float* centroid = centroids.data() + static_cast<size_t>(c) * dim;
    float d2 = 0.0f;
    for (int d = 0; d < dim; ++d) {
      const float diff = x[d] - centroid[d];
      d2 += diff * diff;
    }
    best = std::min(best, d2);
  }
  return best;
}

// -log sum_k exp(log_norm_k - 0.5 * sum_d (x_d - mu_kd)^2 / var_kd), via the largest term.
float GaussianMixtureModel::score(const float* x) const {
  std::vector<float> log_terms(k);
  for (int c = 0; c < k; ++c) {
    const float* mu = means.data() + static_cast<size_t>(c) * dim;
    const float* iv = inv_var.data() + static_cast<size_t>(c) * dim;
    float q = 0.0f;
    for (int d = 0; d < dim; ++d) {
      const float diff = x[d] - mu[d];
      q += diff * diff * iv[d];
    }
    log_terms[c] = log_norm[c] - 0.5f * q;
  }
  const float m = *std::max_element(log_terms.begin(), log_terms.end());
  float sum = 0.0f;
  for (float t : log_terms) sum += std::exp(t - m);
  return -(m + std::log(sum));
}

float MahalanobisModel::score(const float* x) const {
  std::vector<float> centred(dim);
  for (int d = 0; d < dim; ++d) centred[d] = x[d] - mean[d];
  float s = 0.0f;
  for (int r = 0; r < dim; ++r) {
    const float* w = whitening.data() + static_cast<size_t>(r) * dim;
    float z = 0.0f;
    for (int d = 0; d < dim; ++d) z += w[d] * centred[d];
    s += z * z;
  }
  return s;
}

}  // namespace tmf::train
