// MAX_POOL_2D int8 reference kernel (semantics: max_pool_2d.h).
#include "max_pool_2d.h"

#include "../kernel.h"
#include "../quant_math.h"
#include "spatial.h"

namespace tmf {
namespace {

Status max_pool_2d_eval(const EvalContext& ctx) {
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
        for (int32_t c = 0; c < depth; ++c) {
          int32_t max = -128;  // TFLM starts from the int8 minimum
          for (int32_t fy = ty.begin; fy < ty.end; ++fy) {
            const int8_t* row = image + (y0 + fy) * in_w * depth + c;
            for (int32_t fx = tx.begin; fx < tx.end; ++fx) {
              const int32_t value = row[(x0 + fx) * depth];
              if (value > max) max = value;
            }
          }
          *output++ = static_cast<int8_t>(clamp_i32(max, p.act_min, p.act_max));
        }
      }
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelMaxPool2D = {kOpMaxPool2D, pool_prepare, max_pool_2d_eval};

}  // namespace tmf
