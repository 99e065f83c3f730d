// SVDF lowering (TFLM's svdf_common PrepareSvdf for an int8 input): the two requantizations
// from float products of the scales, as TFLM computes them (float multiply and divide, then
// double), and the checks of its int8 path: int16 weights_time and state, int8 weights_feature.
#include "device/runtime/kernels/svdf.h"

#include "host/convert/lower.h"
#include "host/convert/lower/spatial_params.h"

namespace tmf::host {

LoweredOp lower_svdf(LoweringContext& ctx) {
  require_operands(ctx, 3, 5);  // input, weights_feature, weights_time; bias may be absent
  if (ctx.input_count() != 5 || !ctx.has_input(4)) ctx.fail("the state (input 4) is required");
  const char* int16 = "int16 activations (16x8 quantization) are not supported: SVDF runs int8 "
                      "activations only";
  if (ctx.input(0).type == kTensorTypeInt16) ctx.fail_input(0, int16);
  if (ctx.output(0).type == kTensorTypeInt16) ctx.fail_output(0, int16);
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_output(0);
  require_input_rank(ctx, 0, 2);
  require_input_rank(ctx, 1, 2);
  require_input_rank(ctx, 2, 2);
  require_output_rank(ctx, 0, 2);
  ctx.require_constant_input(1);
  ctx.require_constant_input(2);
  const Tensor& in = ctx.input(0);
  const Tensor& feature = ctx.input(1);
  const Tensor& time = ctx.input(2);
  const Tensor& state = ctx.input(4);
  const Tensor& out = ctx.output(0);
  if (feature.type != kTensorTypeInt8 || !feature.quant.per_tensor() ||
      feature.quant.zero_points[0] != 0) {
    ctx.fail_input(1, "weights_feature must be int8, per-tensor, zero point 0");
  }
  if (time.type != kTensorTypeInt16 || !time.quant.per_tensor()) {
    ctx.fail_input(2, "weights_time must be int16 with per-tensor quantization (int8 "
                      "weights_time and state are not supported)");
  }
  if (!state.is_state || state.type != kTensorTypeInt16 || !state.quant.per_tensor()) {
    ctx.fail_input(4, "state must be a variable int16 tensor with per-tensor quantization");
  }
  const int32_t batches = in.shape[0], input_size = in.shape[1];
  const int32_t filters = feature.shape[0], memory = time.shape[1];
  const int32_t rank = ctx.op().options.svdf_rank;
  if (feature.shape[1] != input_size) {
    ctx.fail_input(1, "weights_feature " + shape_string(feature.shape) +
                          " does not match input size " + std::to_string(input_size));
  }
  if (input_size > 65535) ctx.fail_input(0, "input size above 65535 (int32 accumulator bound)");
  if (time.shape[0] != filters) {
    ctx.fail_input(2, "weights_time " + shape_string(time.shape) + " does not have " +
                          std::to_string(filters) + " filters");
  }
  if (filters % rank != 0) {
    ctx.fail("rank " + std::to_string(rank) + " does not divide " + std::to_string(filters) +
             " filters");
  }
  const int32_t units = filters / rank;
  if (out.shape != std::vector<int32_t>{batches, units}) {
    ctx.fail_output(0, "shape " + shape_string(out.shape) + " is not [" +
                           std::to_string(batches) + ", " + std::to_string(units) + "]");
  }
  if (state.element_count() != static_cast<int64_t>(batches) * filters * memory) {
    ctx.fail_input(4, "state " + shape_string(state.shape) + " does not hold batches x filters x "
                      "memory = " + std::to_string(static_cast<int64_t>(batches) * filters * memory) +
                      " values");
  }
  if (ctx.has_input(3)) {
    ctx.require_constant_input(3);
    const Tensor& bias = ctx.input(3);
    if (bias.type != kTensorTypeInt32 || bias.element_count() != units) {
      ctx.fail_input(3, "bias must be int32 with one value per unit (" + std::to_string(units) + ")");
    }
  }
  // TFLM: static_cast<double>(float * float / float).
  const float s_in = in.quant.scales[0], s_feature = feature.quant.scales[0];
  const float s_time = time.quant.scales[0], s_state = state.quant.scales[0];
  const float s_out = out.quant.scales[0];
  const QuantizedMultiplier q1 = quantize_multiplier(static_cast<double>(s_in * s_feature / s_state));
  const QuantizedMultiplier q2 = quantize_multiplier(static_cast<double>(s_state * s_time / s_out));
  SvdfParams p{};
  p.rank = rank;
  p.input_zero_point = static_cast<int32_t>(in.quant.zero_points[0]);
  p.output_zero_point = static_cast<int32_t>(out.quant.zero_points[0]);
  p.multiplier_1 = q1.multiplier;
  p.shift_1 = q1.shift;
  p.multiplier_2 = q2.multiplier;
  p.shift_2 = q2.shift;
  return ctx.lowered(kOpSvdf, p);
}

}  // namespace tmf::host
