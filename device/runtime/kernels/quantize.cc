// QUANTIZE reference kernel (contract in quantize.h).
#include "quantize.h"

#include <math.h>

#include "../kernel.h"
#include "../quant_math.h"

namespace tmf {
namespace {

bool quantize_types_supported(uint8_t in, uint8_t out) {
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

Status quantize_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(QuantizeParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<QuantizeParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if (!quantize_types_supported(in.type, out.type)) return Status::kErrTypeMismatch;
  if (out.quant != kTensorQuantPerTensor) return Status::kErrBadQuantization;
  if (!tensor_same_shape(in, out)) return Status::kErrShapeMismatch;
  if (p.output_zero_point != out.zero_point) return Status::kErrBadParams;
  if (in.type == kTensorTypeFloat32) {
    return p.output_scale == out.scale ? Status::kOk : Status::kErrBadParams;
  }
  if (in.quant != kTensorQuantPerTensor) return Status::kErrBadQuantization;
  if (p.input_zero_point != in.zero_point ||
      !quantized_multiplier_is_valid(p.multiplier, p.shift)) {
    return Status::kErrBadParams;
  }
  return Status::kOk;
}

// The int32 TFLM's conversion gives wherever it is defined; saturated elsewhere, NaN -> 0.
int32_t float_to_int32_saturating(float rounded) {
  if (!(rounded == rounded)) return 0;
  if (rounded >= 2147483648.0f) return kInt32Max;
  if (rounded < -2147483648.0f) return kInt32Min;
  return static_cast<int32_t>(rounded);
}

template <typename OutT>
void quantize_from_float(const float* x, OutT* y, uint32_t n, const QuantizeParams& p, int32_t lo,
                         int32_t hi) {
  for (uint32_t i = 0; i < n; ++i) {
    const int64_t q =
        static_cast<int64_t>(float_to_int32_saturating(roundf(x[i] / p.output_scale))) +
        p.output_zero_point;
    y[i] = static_cast<OutT>(q < lo ? lo : (q > hi ? hi : q));
  }
}

template <typename InT, typename OutT>
void requantize(const InT* x, OutT* y, uint32_t n, const QuantizeParams& p, int32_t lo,
                int32_t hi) {
  const SplitMultiplier m = split_multiplier(p.multiplier, p.shift);
  for (uint32_t i = 0; i < n; ++i) {
    const int32_t q = wrapping_add(multiply_by_split_multiplier(x[i] - p.input_zero_point, m),
                                   p.output_zero_point);
    y[i] = static_cast<OutT>(clamp_i32(q, lo, hi));
  }
}

template <typename InT>
void requantize_to(const EvalContext& ctx, const InT* x, uint32_t n, const QuantizeParams& p) {
  switch (ctx.output(0).type) {
    case kTensorTypeInt8:
      requantize(x, ctx.output_data<int8_t>(0), n, p, -128, 127);
      break;
    case kTensorTypeUint8:
      requantize(x, ctx.output_data<uint8_t>(0), n, p, 0, 255);
      break;
    default:
      requantize(x, ctx.output_data<int16_t>(0), n, p, -32768, 32767);
      break;
  }
}

Status quantize_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<QuantizeParams>();
  const uint32_t n = tensor_element_count(ctx.input(0));
  switch (ctx.input(0).type) {
    case kTensorTypeFloat32:
      if (ctx.output(0).type == kTensorTypeInt8) {
        quantize_from_float(ctx.input_data<float>(0), ctx.output_data<int8_t>(0), n, p, -128, 127);
      } else {
        quantize_from_float(ctx.input_data<float>(0), ctx.output_data<int16_t>(0), n, p, -32768,
                            32767);
      }
      break;
    case kTensorTypeInt8:
      requantize_to(ctx, ctx.input_data<int8_t>(0), n, p);
      break;
    case kTensorTypeUint8:
      requantize_to(ctx, ctx.input_data<uint8_t>(0), n, p);
      break;
    default:
      requantize_to(ctx, ctx.input_data<int16_t>(0), n, p);
      break;
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelQuantize = {kOpQuantize, quantize_prepare, quantize_eval};

}  // namespace tmf
