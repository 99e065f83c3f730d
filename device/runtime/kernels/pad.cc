// PAD int8 reference kernel (semantics: pad.h).
#include "pad.h"

#include <string.h>

#include "../kernel.h"

namespace tmf {
namespace {

Status pad_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(PadParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<PadParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in) || !tensor_is_int8_per_tensor(out)) {
    return Status::kErrTypeMismatch;
  }
  if (in.rank != out.rank) return Status::kErrShapeMismatch;
  if (p.pad_value < -128 || p.pad_value > 127) return Status::kErrBadParams;
  for (uint32_t i = 0; i < kTmfMaxRank; ++i) {
    if (p.before[i] < 0 || p.after[i] < 0) return Status::kErrBadParams;
    if (i >= in.rank && (p.before[i] != 0 || p.after[i] != 0)) return Status::kErrBadParams;
    const int64_t expected = static_cast<int64_t>(in.dims[i]) + p.before[i] + p.after[i];
    if (expected != out.dims[i]) return Status::kErrShapeMismatch;
  }
  return Status::kOk;
}

// Output rows along the last dimension are either all padding or padding, an input row, padding.
// memmove, not memcpy: a (corrupt but valid) file may overlap input and output in the arena.
Status pad_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<PadParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  const int8_t* input = ctx.input_data<int8_t>(0);
  int8_t* output = ctx.output_data<int8_t>(0);
  const int32_t row = out.dims[3];
  const int32_t in_row = in.dims[3];
  const int pad = p.pad_value;

  for (int32_t i0 = 0; i0 < out.dims[0]; ++i0) {
    const bool pad0 = i0 < p.before[0] || i0 >= p.before[0] + in.dims[0];
    for (int32_t i1 = 0; i1 < out.dims[1]; ++i1) {
      const bool pad1 = pad0 || i1 < p.before[1] || i1 >= p.before[1] + in.dims[1];
      for (int32_t i2 = 0; i2 < out.dims[2]; ++i2, output += row) {
        if (pad1 || i2 < p.before[2] || i2 >= p.before[2] + in.dims[2]) {
          memset(output, pad, static_cast<size_t>(row));
          continue;
        }
        const int32_t src = ((i0 - p.before[0]) * in.dims[1] + (i1 - p.before[1])) * in.dims[2] +
                            (i2 - p.before[2]);
        memset(output, pad, static_cast<size_t>(p.before[3]));
        memmove(output + p.before[3], input + src * in_row, static_cast<size_t>(in_row));
        memset(output + p.before[3] + in_row, pad, static_cast<size_t>(p.after[3]));
      }
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelPad = {kOpPad, pad_prepare, pad_eval};

}  // namespace tmf
