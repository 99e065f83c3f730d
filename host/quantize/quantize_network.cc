// Float network -> int8 converter ops (see quantize_network.h). Dense layers become
// FULLY_CONNECTED; 1-D layers run as their 2-D counterparts over a [1, 1, length, channels]
// tensor: CONV_2D (1 x k filter, SAME), MAX_POOL_2D (1 x k window, stride k), MEAN over the
// length; SOFTMAX stays SOFTMAX.
#include "host/quantize/quantize_network.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace tmf::quantize {
namespace {

using host::ConvertError;
using host::Graph;
using host::Op;
using host::Quantization;
using host::Tensor;
using train::FloatNetwork;
using train::Layer;
using train::LayerKind;

const char* layer_kind_name(LayerKind kind) {
  switch (kind) {
    case LayerKind::kDense: return "dense";
    case LayerKind::kConv1D: return "conv1d";
    case LayerKind::kMaxPool1D: return "maxpool1d";
    case LayerKind::kGlobalAvgPool: return "global_avg_pool";
    case LayerKind::kSoftmax: return "softmax";
  }
  return "unknown";
}

int add_tensor(Graph& graph, Tensor tensor) {
  graph.tensors.push_back(std::move(tensor));
  return static_cast<int>(graph.tensors.size()) - 1;
}

Tensor activation_tensor(const std::string& name, std::vector<int32_t> shape, Quantization quant) {
  Tensor t;
  t.name = name;
  t.type = kTensorTypeInt8;
  t.shape = std::move(shape);
  t.quant = std::move(quant);
  return t;
}

Tensor int32_tensor(const std::string& name, const std::vector<int32_t>& values) {
  Tensor t;
  t.name = name;
  t.type = kTensorTypeInt32;
  t.shape = {static_cast<int32_t>(values.size())};
  t.data.resize(values.size() * sizeof(int32_t));
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

// int32 biases at scale input_scale * weight_scale[c] (TFLite), saturated to int32.
std::vector<int32_t> quantize_bias(const std::vector<float>& bias, float input_scale,
                                   const Quantization& weights) {
  std::vector<int32_t> q(bias.size());
  for (size_t c = 0; c < bias.size(); ++c) {
    const double scale = static_cast<double>(input_scale) * weights.scales[c];
    const double v = std::round(static_cast<double>(bias[c]) / scale);
    q[c] = static_cast<int32_t>(std::clamp(v, -2147483647.0, 2147483647.0));
  }
  return q;
}

// A RESHAPE op from `from` to a new int8 tensor of `shape` with the same quantization; the graph
// input of a layer keeps its own shape (another op may read it as it is).
int append_reshape(Graph& graph, int from, std::vector<int32_t> shape, const std::string& name) {
  const int to = add_tensor(graph, activation_tensor(name, shape, graph.tensors[from].quant));
  Op op;
  op.opcode = kOpReshape;
  op.source_name = "reshape";
  op.options.new_shape = std::move(shape);
  op.inputs = {from};
  op.outputs = {to};
  graph.ops.push_back(std::move(op));
  return to;
}

// The layer's shape as [1, 1, length, channels] for 1-D layers, [1, features] for dense ones.
struct Shape1D {
  int length;
  int channels;
};

}  // namespace

Quantization quantization_for_range(float lo, float hi) {
  double min = std::min(0.0, static_cast<double>(lo));
  double max = std::max(0.0, static_cast<double>(hi));
  if (!(max - min > 1e-8)) max = min + 1e-8;
  const double scale = (max - min) / 255.0;
  const double zp = std::clamp(std::round(-128.0 - min / scale), -128.0, 127.0);
  Quantization q;
  q.scales = {static_cast<float>(scale)};
  q.zero_points = {static_cast<int64_t>(zp)};
  return q;
}

Quantization quantize_weights_per_channel(const std::vector<float>& weights, int channels,
                                          std::vector<uint8_t>* quantized) {
  const size_t per_channel = weights.size() / static_cast<size_t>(channels);
  Quantization q;
  q.axis = 0;
  quantized->resize(weights.size());
  for (int c = 0; c < channels; ++c) {
    const float* w = weights.data() + c * per_channel;
    float max_abs = 0.0f;
    for (size_t i = 0; i < per_channel; ++i) max_abs = std::max(max_abs, std::fabs(w[i]));
    // An all-zero channel still needs a positive scale; its values quantize to 0 either way.
    const float scale = max_abs > 0.0f ? max_abs / 127.0f : 1e-8f;
    q.scales.push_back(scale);
    q.zero_points.push_back(0);
    for (size_t i = 0; i < per_channel; ++i) {
      const float v = std::clamp(std::round(w[i] / scale), -127.0f, 127.0f);
      (*quantized)[c * per_channel + i] = static_cast<uint8_t>(static_cast<int8_t>(v));
    }
  }
  return q;
}

std::vector<LayerRange> calibrate_layer_ranges(const FloatNetwork& network,
                                               const train::FeatureMatrix& calibration) {
  if (calibration.rows == 0) throw ConvertError("quantize: no calibration rows");
  std::vector<LayerRange> ranges(network.layers.size(),
                                 {std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest()});
  // Each prefix of the network gives one layer's output; the networks are tiny, so running
  // prefixes costs little and keeps FloatNetwork::forward the single reference forward pass.
  for (size_t l = 0; l < network.layers.size(); ++l) {
    FloatNetwork prefix = network;
    prefix.layers.resize(l + 1);
    for (int r = 0; r < calibration.rows; ++r) {
      for (float v : prefix.forward(calibration.row(r))) {
        ranges[l].min = std::min(ranges[l].min, v);
        ranges[l].max = std::max(ranges[l].max, v);
      }
    }
  }
  return ranges;
}

int quantize_network_append(Graph& graph, int input, const FloatNetwork& network,
                            const train::FeatureMatrix& calibration, const std::string& prefix) {
  const std::vector<LayerRange> ranges = calibrate_layer_ranges(network, calibration);
  Shape1D shape{network.input_length, network.input_channels};
  bool flat = true;  // the current tensor is [1, features] rather than [1, 1, length, channels]
  int current = input;
  for (size_t l = 0; l < network.layers.size(); ++l) {
    const Layer& layer = network.layers[l];
    const std::string name = prefix + "/" + std::to_string(l) + "_" + layer_kind_name(layer.kind);
    const auto fail = [&](const std::string& what) {
      throw ConvertError("quantize: layer " + std::to_string(l) + " (" + layer_kind_name(layer.kind) +
                         "): " + what);
    };
    const Quantization& in_q = graph.tensors[current].quant;
    if (!in_q.per_tensor()) fail("input is not per-tensor quantized");
    const float in_scale = in_q.scales[0];
    Op op;
    op.source_name = layer_kind_name(layer.kind);
    op.options.activation = layer.activation == train::LayerActivation::kRelu
                                ? host::Activation::kRelu : host::Activation::kNone;
    int output = -1;
    switch (layer.kind) {
      case LayerKind::kDense: {
        const int depth = shape.length * shape.channels;
        if (layer.in_channels != depth) {
          fail("expects " + std::to_string(layer.in_channels) + " inputs, gets " + std::to_string(depth));
        }
        if (layer.weight.size() != static_cast<size_t>(layer.out_channels) * depth ||
            layer.bias.size() != static_cast<size_t>(layer.out_channels)) {
          fail("weight or bias size does not match " + std::to_string(layer.out_channels) + "x" +
               std::to_string(depth));
        }
        Tensor w;
        w.name = name + "/weights";
        w.type = kTensorTypeInt8;
        w.shape = {layer.out_channels, depth};
        w.quant = quantize_weights_per_channel(layer.weight, layer.out_channels, &w.data);
        const int bias = add_tensor(graph, int32_tensor(name + "/bias", quantize_bias(layer.bias, in_scale, w.quant)));
        const int weights = add_tensor(graph, std::move(w));
        output = add_tensor(graph, activation_tensor(name, {1, layer.out_channels},
                                                     quantization_for_range(ranges[l].min, ranges[l].max)));
        op.opcode = kOpFullyConnected;
        op.inputs = {current, weights, bias};
        shape = {layer.out_channels, 1};
        flat = true;
        break;
      }
      case LayerKind::kConv1D: {
        if (layer.in_channels != shape.channels || layer.kernel < 1 || layer.kernel % 2 == 0) {
          fail("expects " + std::to_string(shape.channels) + " input channels and an odd kernel");
        }
        if (layer.weight.size() != static_cast<size_t>(layer.out_channels) * layer.kernel * layer.in_channels ||
            layer.bias.size() != static_cast<size_t>(layer.out_channels)) {
          fail("weight or bias size does not match the filter shape");
        }
        Tensor w;
        w.name = name + "/filter";
        w.type = kTensorTypeInt8;
        w.shape = {layer.out_channels, 1, layer.kernel, layer.in_channels};
        w.quant = quantize_weights_per_channel(layer.weight, layer.out_channels, &w.data);
        const int bias = add_tensor(graph, int32_tensor(name + "/bias", quantize_bias(layer.bias, in_scale, w.quant)));
        const int filter = add_tensor(graph, std::move(w));
        if (flat) current = append_reshape(graph, current, {1, 1, shape.length, shape.channels}, name + "/as_2d");
        output = add_tensor(graph, activation_tensor(name, {1, 1, shape.length, layer.out_channels},
                                                     quantization_for_range(ranges[l].min, ranges[l].max)));
        op.opcode = kOpConv2D;
        op.options.padding = host::Padding::kSame;
        op.inputs = {current, filter, bias};
        shape.channels = layer.out_channels;
        flat = false;
        break;
      }
      case LayerKind::kMaxPool1D: {
        if (layer.kernel < 1 || shape.length / layer.kernel < 1) fail("window longer than the input");
        if (flat) current = append_reshape(graph, current, {1, 1, shape.length, shape.channels}, name + "/as_2d");
        const int length = shape.length / layer.kernel;
        // Pools keep their input's quantization, as TFLite requires.
        output = add_tensor(graph, activation_tensor(name, {1, 1, length, shape.channels}, in_q));
        op.opcode = kOpMaxPool2D;
        op.options.padding = host::Padding::kValid;
        op.options.filter_h = 1;
        op.options.filter_w = layer.kernel;
        op.options.stride_h = 1;
        op.options.stride_w = layer.kernel;
        op.inputs = {current};
        shape.length = length;
        flat = false;
        break;
      }
      case LayerKind::kGlobalAvgPool: {
        if (flat) current = append_reshape(graph, current, {1, 1, shape.length, shape.channels}, name + "/as_2d");
        const int axes = add_tensor(graph, int32_tensor(name + "/axes", {1, 2}));
        output = add_tensor(graph, activation_tensor(name, {1, shape.channels}, in_q));
        op.opcode = kOpMean;
        op.options.keep_dims = false;
        op.inputs = {current, axes};
        shape = {shape.channels, 1};
        flat = true;
        break;
      }
      case LayerKind::kSoftmax: {
        const int features = shape.length * shape.channels;
        if (!flat) current = append_reshape(graph, current, {1, features}, name + "/as_row");
        Quantization q;
        q.scales = {1.0f / 256.0f};
        q.zero_points = {-128};
        output = add_tensor(graph, activation_tensor(name, graph.tensors[current].shape, q));
        op.opcode = kOpSoftmax;
        op.options.beta = 1.0f;
        op.inputs = {current};
        break;
      }
    }
    op.outputs = {output};
    graph.ops.push_back(std::move(op));
    current = output;
  }
  return current;
}

}  // namespace tmf::quantize
