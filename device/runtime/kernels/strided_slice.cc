// STRIDED_SLICE int8 reference kernel (contract in strided_slice.h).
#include "strided_slice.h"

#include "../kernel.h"

namespace tmf {
namespace {

// How many indices axis k visits; -1 if a visited index would leave [0, dim).
int64_t strided_slice_count(int32_t start, int32_t stop, int32_t stride, int32_t dim) {
  if (stride == 0 || stop < -1 || stop > dim) return -1;
  const int64_t span = stride > 0 ? int64_t{stop} - start : int64_t{start} - stop;
  if (span <= 0) return 0;
  const int64_t step = stride > 0 ? stride : -int64_t{stride};
  const int64_t n = (span + step - 1) / step;
  const int64_t last = start + (n - 1) * int64_t{stride};
  if (start < 0 || start >= dim || last < 0 || last >= dim) return -1;
  return n;
}

Status strided_slice_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(StridedSliceParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<StridedSliceParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if (in.type != kTensorTypeInt8 || out.type != kTensorTypeInt8) return Status::kErrTypeMismatch;
  if (in.rank < 1) return Status::kErrShapeMismatch;
  int64_t elements = 1;
  for (int k = 0; k < 4; ++k) {
    const int64_t n = strided_slice_count(p.start[k], p.stop[k], p.stride[k], in.dims[k]);
    // |stride| <= dim keeps the loop's last step inside int32.
    if (n < 0 || p.stride[k] > in.dims[k] || p.stride[k] < -in.dims[k]) return Status::kErrBadParams;
    if (k >= in.rank && (p.start[k] != 0 || p.stop[k] != 1 || p.stride[k] != 1)) {
      return Status::kErrBadParams;
    }
    elements *= n;
  }
  if (elements != tensor_element_count(out)) return Status::kErrShapeMismatch;
  return Status::kOk;
}

Status strided_slice_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<StridedSliceParams>();
  const TensorRecord& in = ctx.input(0);
  const int8_t* x = ctx.input_data<int8_t>(0);
  int8_t* y = ctx.output_data<int8_t>(0);
  const int32_t d1 = in.dims[1], d2 = in.dims[2], d3 = in.dims[3];
  const auto more = [&](int k, int32_t i) { return p.stride[k] > 0 ? i < p.stop[k] : i > p.stop[k]; };
  uint32_t o = 0;
  for (int32_t i0 = p.start[0]; more(0, i0); i0 += p.stride[0]) {
    for (int32_t i1 = p.start[1]; more(1, i1); i1 += p.stride[1]) {
      for (int32_t i2 = p.start[2]; more(2, i2); i2 += p.stride[2]) {
        const int32_t row = ((i0 * d1 + i1) * d2 + i2) * d3;
        for (int32_t i3 = p.start[3]; more(3, i3); i3 += p.stride[3]) y[o++] = x[row + i3];
      }
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelStridedSlice = {kOpStridedSlice, strided_slice_prepare,
                                                       strided_slice_eval};

}  // namespace tmf
