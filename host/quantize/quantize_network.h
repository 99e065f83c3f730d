// Post-training int8 quantization of a trained float network into converter graph ops, with
// TensorFlow Lite's semantics: symmetric per-channel int8 weights (zero point 0, scale =
// max|w| / 127 per output channel), int32 biases at scale input_scale * weight_scale, and
// per-tensor asymmetric int8 activations whose range comes from calibration data (docs/quantize.md).
#pragma once

#include <string>
#include <vector>

#include "host/convert/graph.h"
#include "host/train/float_model.h"

namespace tmf::quantize {

// The per-tensor int8 quantization TFLite derives from an observed range: [lo, hi] is first
// widened to contain 0 (so that 0 is exact), then scale = (hi - lo) / 255 and the zero point
// maps lo to -128 (rounded, clamped). A degenerate range gets a tiny positive one.
host::Quantization quantization_for_range(float lo, float hi);

// Symmetric per-channel quantization of a [channels][rest] float array; writes int8 values.
host::Quantization quantize_weights_per_channel(const std::vector<float>& weights, int channels,
                                                std::vector<uint8_t>* quantized);

// Observed [min, max] of every layer's output over the calibration rows (network inputs, as
// the first layer sees them). ranges[i] belongs to layers[i].
struct LayerRange {
  float min = 0.0f;
  float max = 0.0f;
};
std::vector<LayerRange> calibrate_layer_ranges(const train::FloatNetwork& network,
                                               const train::FeatureMatrix& calibration);

// Appends the quantized network to `graph`, fed by graph tensor `input` (int8, per-tensor, with
// input_length * input_channels elements). Tensor names start with `prefix`. Returns the index of
// the network's output tensor (int8; for a kSoftmax ending, scale 1/256 and zero point -128 as
// TFLite fixes them). Throws host::ConvertError naming the layer it cannot quantize.
int quantize_network_append(host::Graph& graph, int input, const train::FloatNetwork& network,
                            const train::FeatureMatrix& calibration, const std::string& prefix);

}  // namespace tmf::quantize
