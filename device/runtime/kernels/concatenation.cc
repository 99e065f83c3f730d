// CONCATENATION int8 reference kernel (semantics: concatenation.h).
#include "concatenation.h"

#include <string.h>

#include "../kernel.h"

namespace tmf {
namespace {

Status concatenation_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, kConcatenationMaxInputs, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(ConcatenationParams)) return Status::kErrBadParams;
  const int32_t axis = ctx.params<ConcatenationParams>().axis;
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(out)) return Status::kErrTypeMismatch;
  if (out.rank < 1 || axis < 0 || axis >= out.rank) return Status::kErrBadParams;
  int64_t axis_total = 0;
  for (uint32_t i = 0; i < ctx.op->input_count; ++i) {
    if (!ctx.has_input(i)) return Status::kErrBadOperandCount;
    const TensorRecord& in = ctx.input(i);
    if (!tensor_is_int8_per_tensor(in)) return Status::kErrTypeMismatch;
    if (in.scale != out.scale || in.zero_point != out.zero_point) {
      return Status::kErrBadQuantization;
    }
    if (in.rank != out.rank) return Status::kErrShapeMismatch;
    for (int32_t d = 0; d < static_cast<int32_t>(kTmfMaxRank); ++d) {
      if (d != axis && in.dims[d] != out.dims[d]) return Status::kErrShapeMismatch;
    }
    axis_total += in.dims[axis];
  }
  return axis_total == out.dims[axis] ? Status::kOk : Status::kErrShapeMismatch;
}

// memmove, not memcpy: a (corrupt but valid) file may overlap an input and the output.
Status concatenation_eval(const EvalContext& ctx) {
  const int32_t axis = ctx.params<ConcatenationParams>().axis;
  const TensorRecord& out = ctx.output(0);
  uint32_t outer = 1, inner = 1;
  for (int32_t d = 0; d < axis; ++d) outer *= static_cast<uint32_t>(out.dims[d]);
  for (int32_t d = axis + 1; d < static_cast<int32_t>(kTmfMaxRank); ++d) {
    inner *= static_cast<uint32_t>(out.dims[d]);
  }
  int8_t* output = ctx.output_data<int8_t>(0);
  for (uint32_t o = 0; o < outer; ++o) {
    for (uint32_t i = 0; i < ctx.op->input_count; ++i) {
      const uint32_t chunk = static_cast<uint32_t>(ctx.input(i).dims[axis]) * inner;
      memmove(output, ctx.input_data<int8_t>(i) + o * chunk, chunk);
      output += chunk;
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelConcatenation = {kOpConcatenation, concatenation_prepare,
                                                        concatenation_eval};

}  // namespace tmf
