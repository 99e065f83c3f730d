// QUANTIZE lowering (TFLM's quantize_common.cc): from float32 the output scale and zero point;
// between integer types the requantization multiplier s_in / s_out and both zero points.
#include "device/runtime/kernels/quantize.h"

#include "host/convert/lower.h"
#include "host/convert/quant_params.h"

namespace tmf::host {
namespace {

const char* type_text(TensorType type) {
  switch (type) {
    case kTensorTypeInt8:
      return "int8";
    case kTensorTypeUint8:
      return "uint8";
    case kTensorTypeInt16:
      return "int16";
    case kTensorTypeInt32:
      return "int32";
    case kTensorTypeFloat32:
      return "float32";
  }
  return "unknown";
}

// The conversions TFLM's reference QUANTIZE implements that this runtime supports.
bool conversion_supported(TensorType in, TensorType out) {
  switch (in) {
    case kTensorTypeFloat32:
      return out == kTensorTypeInt8 || out == kTensorTypeInt16;
    case kTensorTypeInt8:
      return out == kTensorTypeInt8 || out == kTensorTypeUint8 || out == kTensorTypeInt16;
    case kTensorTypeUint8:
      return out == kTensorTypeInt8;
    case kTensorTypeInt16:
      return out == kTensorTypeInt8 || out == kTensorTypeInt16;
    default:
      return false;
  }
}

}  // namespace

LoweredOp lower_quantize(LoweringContext& ctx) {
  if (ctx.input_count() != 1) ctx.fail("expects 1 input, has " + std::to_string(ctx.input_count()));
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  if (!conversion_supported(in.type, out.type)) {
    ctx.fail(std::string("quantizing ") + type_text(in.type) + " to " + type_text(out.type) +
             " is not supported");
  }
  if (!out.quant.per_tensor()) ctx.fail_output(0, "must have per-tensor quantization");
  if (in.shape != out.shape) ctx.fail_output(0, "shape differs from the input's");

  QuantizeParams p{};
  p.output_zero_point = static_cast<int32_t>(out.quant.zero_points[0]);
  if (in.type == kTensorTypeFloat32) {
    p.output_scale = out.quant.scales[0];
    return ctx.lowered(kOpQuantize, p);
  }
  if (!in.quant.per_tensor()) ctx.fail_input(0, "must have per-tensor quantization");
  const double real_multiplier =
      static_cast<double>(in.quant.scales[0]) / static_cast<double>(out.quant.scales[0]);
  // TFLM would shift left by more than 30 bits (undefined) long before this bound.
  if (real_multiplier >= 0x1p29) {
    ctx.fail_output(0, "scale " + std::to_string(out.quant.scales[0]) +
                           " is too small for the input scale (s_in / s_out >= 2^29)");
  }
  const QuantizedMultiplier q = quantize_multiplier(real_multiplier);
  p.input_zero_point = static_cast<int32_t>(in.quant.zero_points[0]);
  p.multiplier = q.multiplier;
  p.shift = q.shift;
  return ctx.lowered(kOpQuantize, p);
}

}  // namespace tmf::host
