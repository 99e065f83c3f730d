// AVERAGE_POOL_2D int8 reference kernel (semantics: average_pool_2d.h).
#include "average_pool_2d.h"

#include "../kernel.h"
#include "../quant_math.h"
#include "spatial.h"

namespace tmf {
namespace {

// Rounds sum / count to the nearest integer, halves away from zero, as TFLM does.
int32_t average_rounded(int32_t sum, int32_t count) {
  return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

Status average_pool_2d_eval(const EvalContext& ctx) {
  const PoolParams& p = ctx.params<PoolParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  const int32_t batches = in.dims[0], in_h = in.dims[1], in_w = in.dims[2], depth = in.dims[3];
  const int32_t out_h = out.dims[1], out_w = out.dims[2];
  const int8_t* input = ctx.input_data<int8_t>(0);
  int8_t* output = ctx.output_data<int8_t>(0);

  for (int32_t b = 0; b < batches; ++b) {
    const int8_t* image = input + b * in_h * in_w * depth;
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t y0 = oy * p.stride_h - p.pad_h;
      const SpatialTaps ty = spatial_taps(y0, p.filter_h, 1, in_h);
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t x0 = ox * p.stride_w - p.pad_w;
        const SpatialTaps tx = spatial_taps(x0, p.filter_w, 1, in_w);
        const int32_t count = (ty.end - ty.begin) * (tx.end - tx.begin);
        // prepare() admits only TFLite's geometry, where every window overlaps the image.
        if (count == 0) return Status::kErrBadParams;
        for (int32_t c = 0; c < depth; ++c) {
          int32_t sum = 0;
          for (int32_t fy = ty.begin; fy < ty.end; ++fy) {
            const int8_t* row = image + (y0 + fy) * in_w * depth + c;
            for (int32_t fx = tx.begin; fx < tx.end; ++fx) sum += row[(x0 + fx) * depth];
          }
          const int32_t average = average_rounded(sum, count);
          *output++ = static_cast<int8_t>(clamp_i32(average, p.act_min, p.act_max));
        }
      }
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelAveragePool2D = {kOpAveragePool2D, pool_prepare,
                                                        average_pool_2d_eval};

}  // namespace tmf
