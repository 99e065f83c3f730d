// STRIDED_SLICE lowering: TFLM's StartForAxis/StopForAxis (strided_slice_logic.h) run here once,
// so the device walks plain (start, stop, stride) triples. begin/end/strides must be constants
// with one entry per input dimension, as TFLite's converter writes them; ellipsis and new-axis
// masks are refused as TFLM refuses them; the `offset` option (end relative to begin) is refused.
#include "device/runtime/kernels/strided_slice.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "host/convert/lower.h"
#include "host/convert/lower/spatial_params.h"

namespace tmf::host {
namespace {

std::vector<int32_t> int32_constant(const LoweringContext& ctx, size_t i, size_t count, const char* what) {
  ctx.require_constant_input(i);
  const Tensor& t = ctx.input(i);
  if (t.type != kTensorTypeInt32 || t.element_count() != static_cast<int64_t>(count)) {
    ctx.fail_input(i, std::string(what) + " must be int32 with one entry per input dimension (" +
                          std::to_string(count) + ")");
  }
  std::vector<int32_t> v(count);
  std::memcpy(v.data(), t.data.data(), count * sizeof(int32_t));
  return v;
}

int32_t clamp_index(int64_t v, int64_t lo, int64_t hi) { return static_cast<int32_t>(std::clamp(v, lo, hi)); }

}  // namespace

LoweredOp lower_strided_slice(LoweringContext& ctx) {
  require_operands(ctx, 4, 4);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  if (in.type != kTensorTypeInt8 || out.type != kTensorTypeInt8) {
    ctx.fail_input(0, "STRIDED_SLICE is supported for int8 tensors only");
  }
  const size_t rank = in.shape.size();
  if (rank < 1 || rank > 4) ctx.fail_input(0, "rank " + std::to_string(rank) + " is outside 1..4");
  const OpOptions& o = ctx.op().options;
  if (o.ellipsis_mask != 0 || o.new_axis_mask != 0) {
    ctx.fail("ellipsis_mask and new_axis_mask must be 0 (TFLM refuses them too)");
  }
  if (o.slice_offset) ctx.fail("the offset option (end relative to begin) is not supported");
  const std::vector<int32_t> begin = int32_constant(ctx, 1, rank, "begin");
  const std::vector<int32_t> end = int32_constant(ctx, 2, rank, "end");
  const std::vector<int32_t> strides = int32_constant(ctx, 3, rank, "strides");

  constexpr int64_t kLowest = std::numeric_limits<int32_t>::lowest();
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  StridedSliceParams p{{0, 0, 0, 0}, {1, 1, 1, 1}, {1, 1, 1, 1}};
  std::vector<int32_t> expected;
  for (size_t k = 0; k < rank; ++k) {
    const int64_t dim = in.shape[k];
    const int32_t stride = strides[k];
    if (stride == 0) ctx.fail_input(3, "stride " + std::to_string(k) + " is 0");
    const bool forward = stride > 0;
    // StartForAxis.
    int64_t start = begin[k];
    if ((o.begin_mask >> k) & 1) start = forward ? kLowest : kMax;
    if (start < 0) start += dim;
    start = forward ? clamp_index(start, 0, dim) : clamp_index(start, -1, dim - 1);
    // StopForAxis.
    const bool shrink = (o.shrink_axis_mask >> k) & 1;
    int64_t stop = end[k];
    if (shrink) {
      stop = start + 1;
    } else {
      if ((o.end_mask >> k) & 1) stop = forward ? kMax : kLowest;
      if (stop < 0) stop += dim;
      stop = forward ? clamp_index(stop, 0, dim) : clamp_index(stop, -1, dim - 1);
    }
    const int64_t span = forward ? stop - start : start - stop;
    const int64_t step = forward ? stride : -static_cast<int64_t>(stride);
    const int64_t count = span <= 0 ? 0 : (span + step - 1) / step;
    if (count == 0) ctx.fail("axis " + std::to_string(k) + " selects no element");
    if (shrink && count != 1) ctx.fail("shrunk axis " + std::to_string(k) + " is out of range");
    // One visit: the same walk with stride 1 (keeps the device's loop step inside int32).
    p.start[k] = static_cast<int32_t>(start);
    p.stop[k] = count == 1 ? static_cast<int32_t>(start + 1) : static_cast<int32_t>(stop);
    p.stride[k] = count == 1 ? 1 : stride;
    if (!shrink) expected.push_back(static_cast<int32_t>(count));
  }
  if (out.shape != expected) {
    ctx.fail_output(0, "shape " + shape_string(out.shape) + " is not the slice's " +
                           shape_string(expected));
  }
  LoweredOp l = ctx.lowered(kOpStridedSlice, p);
  l.inputs.resize(1);  // begin, end and strides live in the params
  return l;
}

}  // namespace tmf::host
