// TRANSPOSE int8 reference kernel (contract in transpose.h).
#include "transpose.h"

#include "../kernel.h"

namespace tmf {
namespace {

Status transpose_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(TransposeParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<TransposeParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if (in.type != kTensorTypeInt8 || out.type != kTensorTypeInt8) return Status::kErrTypeMismatch;
  if (in.rank < 1 || out.rank != in.rank) return Status::kErrShapeMismatch;
  uint32_t seen = 0;
  for (int32_t k = 0; k < 4; ++k) {
    const int32_t axis = p.perm[k];
    if (axis < 0 || axis >= 4 || (seen & (1u << axis)) != 0) return Status::kErrBadParams;
    if (k >= in.rank && axis != k) return Status::kErrBadParams;
    seen |= 1u << axis;
    if (out.dims[k] != in.dims[axis]) return Status::kErrShapeMismatch;
  }
  return Status::kOk;
}

Status transpose_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<TransposeParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  const int8_t* x = ctx.input_data<int8_t>(0);
  int8_t* y = ctx.output_data<int8_t>(0);
  // Row-major strides of the input, then the stride each output axis walks.
  const uint32_t in_stride[4] = {static_cast<uint32_t>(in.dims[1] * in.dims[2] * in.dims[3]),
                                 static_cast<uint32_t>(in.dims[2] * in.dims[3]),
                                 static_cast<uint32_t>(in.dims[3]), 1};
  uint32_t step[4];
  for (int k = 0; k < 4; ++k) step[k] = in_stride[p.perm[k]];
  uint32_t o = 0;
  for (int32_t i0 = 0; i0 < out.dims[0]; ++i0) {
    for (int32_t i1 = 0; i1 < out.dims[1]; ++i1) {
      for (int32_t i2 = 0; i2 < out.dims[2]; ++i2) {
        uint32_t j = i0 * step[0] + i1 * step[1] + i2 * step[2];
        for (int32_t i3 = 0; i3 < out.dims[3]; ++i3, j += step[3]) y[o++] = x[j];
      }
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelTranspose = {kOpTranspose, transpose_prepare, transpose_eval};

}  // namespace tmf
