// Host-side quantization arithmetic that must match TFLite Micro's Prepare() bit for bit:
// multiplier/shift from a real scale, and fused-activation ranges.
#pragma once

#include <cstdint>

#include "host/convert/graph.h"

namespace tmf::host {

struct QuantizedMultiplier {
  int32_t multiplier = 0;  // Q31, in [2^30, 2^31) or 0
  int32_t shift = 0;       // power of two exponent, in [-31, 30]
};

// TFLite's QuantizeMultiplier(): real = multiplier * 2^(shift - 31).
QuantizedMultiplier quantize_multiplier(double real);

struct ActivationRange {
  int32_t min = -128;
  int32_t max = 127;
};

// TFLite's CalculateActivationRangeQuantized() for an output of `type` with `scale`, `zero_point`.
// Throws ConvertError for activations other than NONE, RELU, RELU6, RELU_N1_TO_1.
ActivationRange activation_range(Activation activation, TensorType type, float scale,
                                 int32_t zero_point);

}  // namespace tmf::host
