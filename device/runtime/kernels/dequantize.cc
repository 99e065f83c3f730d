// DEQUANTIZE reference kernel (contract in dequantize.h).
#include "dequantize.h"

#include "../kernel.h"

namespace tmf {
namespace {

Status dequantize_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(DequantizeParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<DequantizeParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if ((in.type != kTensorTypeInt8 && in.type != kTensorTypeInt16) ||
      out.type != kTensorTypeFloat32) {
    return Status::kErrTypeMismatch;
  }
  if (in.quant != kTensorQuantPerTensor) return Status::kErrBadQuantization;
  if (!tensor_same_shape(in, out)) return Status::kErrShapeMismatch;
  if (p.scale != in.scale || p.zero_point != in.zero_point) return Status::kErrBadParams;
  return Status::kOk;
}

template <typename InT>
void dequantize(const InT* x, float* y, uint32_t n, const DequantizeParams& p) {
  for (uint32_t i = 0; i < n; ++i) {
    y[i] = p.scale * static_cast<float>(static_cast<int32_t>(x[i]) - p.zero_point);
  }
}

Status dequantize_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<DequantizeParams>();
  const uint32_t n = tensor_element_count(ctx.input(0));
  if (ctx.input(0).type == kTensorTypeInt8) {
    dequantize(ctx.input_data<int8_t>(0), ctx.output_data<float>(0), n, p);
  } else {
    dequantize(ctx.input_data<int16_t>(0), ctx.output_data<float>(0), n, p);
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelDequantize = {kOpDequantize, dequantize_prepare,
                                                     dequantize_eval};

}  // namespace tmf
