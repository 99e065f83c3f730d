// RESHAPE reference kernel (contract in reshape.h).
#include "reshape.h"

#include <string.h>

#include "../kernel.h"

namespace tmf {
namespace {

Status reshape_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(ReshapeParams)) return Status::kErrBadParams;
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if (in.type != out.type) return Status::kErrTypeMismatch;
  if (tensor_element_count(in) != tensor_element_count(out)) return Status::kErrShapeMismatch;
  if (ctx.params<ReshapeParams>().bytes != in.bytes || in.bytes != out.bytes) {
    return Status::kErrBadParams;
  }
  return Status::kOk;
}

Status reshape_eval(const EvalContext& ctx) {
  const uint8_t* src = ctx.tensor_data(ctx.input(0));
  uint8_t* dst = ctx.output_data<uint8_t>(0);
  if (src != dst) memmove(dst, src, ctx.params<ReshapeParams>().bytes);
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelReshape = {kOpReshape, reshape_prepare, reshape_eval};

}  // namespace tmf
