// FULLY_CONNECTED lowering: requantization from the three scales, the input zero point folded
// into the bias (bias[u] - input_zp * sum_k w[u][k]) so the device loop is a plain dot product
// (int32 wrap-around makes the folded form give TFLM's exact bytes), and the weights packed in
// the blocked layout the Cortex-M DSP kernel reads with one pointer (fully_connected.h).
#include "device/runtime/kernels/fully_connected.h"

#include "device/runtime/kernels/requant.h"
#include "host/convert/lower.h"
#include "host/convert/quant_params.h"

namespace tmf::host {

LoweredOp lower_fully_connected(LoweringContext& ctx) {
  if (ctx.input_count() < 2 || ctx.input_count() > 3) ctx.fail("expects 2 or 3 inputs");
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_output(0);
  ctx.require_constant_input(1);
  const Tensor input = ctx.input(0);
  const Tensor weights = ctx.input(1);
  const Tensor output = ctx.output(0);
  if (weights.type != kTensorTypeInt8 || weights.quant.scales.empty()) {
    ctx.fail_input(1, "weights must be int8 and quantized");
  }
  if (weights.shape.size() != 2) ctx.fail_input(1, "weights must have rank 2");
  const int32_t units = weights.shape[0];
  const int32_t depth = weights.shape[1];
  if (input.element_count() % depth != 0) {
    ctx.fail_input(0, "element count is not a multiple of the weights' depth " +
                          std::to_string(depth));
  }
  for (int64_t zp : weights.quant.zero_points) {
    if (zp != 0) ctx.fail_input(1, "weights must be symmetric (zero point 0)");
  }
  if (weights.quant.per_channel() &&
      (weights.quant.axis != 0 || weights.quant.scales.size() != static_cast<size_t>(units))) {
    ctx.fail_input(1, "per-channel quantization must be along axis 0 with one scale per unit");
  }

  std::vector<int32_t> bias(units, 0);
  if (ctx.has_input(2)) {
    ctx.require_constant_input(2);
    const Tensor& b = ctx.input(2);
    if (b.type != kTensorTypeInt32 || b.element_count() != units) {
      ctx.fail_input(2, "bias must be int32 with one value per unit");
    }
    std::memcpy(bias.data(), b.data.data(), bias.size() * sizeof(int32_t));
  }
  const int64_t input_offset = -static_cast<int64_t>(input.quant.zero_points[0]);
  const auto* w = reinterpret_cast<const int8_t*>(weights.data.data());
  for (int32_t u = 0; u < units; ++u) {
    int64_t row_sum = 0;
    for (int32_t k = 0; k < depth; ++k) row_sum += w[static_cast<size_t>(u) * depth + k];
    const uint32_t folded = static_cast<uint32_t>(bias[u]) +
                            static_cast<uint32_t>(static_cast<int64_t>(input_offset * row_sum));
    bias[u] = static_cast<int32_t>(folded);
  }

  FullyConnectedParams p{};
  p.output_zero_point = static_cast<int32_t>(output.quant.zero_points[0]);
  const ActivationRange range = ctx.fused_activation_range();
  p.act_min = range.min;
  p.act_max = range.max;
  p.per_channel = kTmfNoPerChannel;
  const double input_scale = static_cast<double>(input.quant.scales[0]);
  const double output_scale = static_cast<double>(output.quant.scales[0]);
  if (weights.quant.per_channel()) {
    std::vector<int32_t> arrays(2 * static_cast<size_t>(units));
    for (int32_t u = 0; u < units; ++u) {
      const QuantizedMultiplier q = quantize_multiplier(
          input_scale * static_cast<double>(weights.quant.scales[u]) / output_scale);
      arrays[u] = q.multiplier;
      arrays[units + u] = q.shift;
    }
    p.per_channel = ctx.params().append(arrays.data(), arrays.size() * sizeof(int32_t));
  } else {
    const QuantizedMultiplier q = quantize_multiplier(
        input_scale * static_cast<double>(weights.quant.scales[0]) / output_scale);
    p.output_multiplier = q.multiplier;
    p.output_shift = q.shift;
  }

  p.weights_layout = kFullyConnectedWeightsRowMajor;
  Tensor packed = weights;
  if (depth % 4 == 0) {
    p.weights_layout = kFullyConnectedWeightsBlocked4;
    const int32_t grouped_units = units - units % 4;
    for (int32_t u = 0; u < grouped_units; ++u) {
      for (int32_t k = 0; k < depth; ++k) {
        const size_t to = static_cast<size_t>(u - u % 4) * depth + 16 * (k / 4) + 4 * (u % 4) + k % 4;
        packed.data[to] = weights.data[static_cast<size_t>(u) * depth + k];
      }
    }
  }

  Tensor folded;
  folded.name = weights.name + "/folded_bias";
  folded.type = kTensorTypeInt32;
  folded.shape = {units};
  folded.data.resize(bias.size() * sizeof(int32_t));
  std::memcpy(folded.data.data(), bias.data(), folded.data.size());

  LoweredOp l = ctx.lowered(kOpFullyConnected, p);
  l.inputs.resize(3);
  if (p.weights_layout != kFullyConnectedWeightsRowMajor) {
    packed.name = weights.name + "/blocked4";
    l.inputs[1] = ctx.add_constant(std::move(packed));
  }
  l.inputs[2] = ctx.add_constant(std::move(folded));
  return l;
}

}  // namespace tmf::host
