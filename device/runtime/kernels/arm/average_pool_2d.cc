// AVERAGE_POOL_2D int8 for Cortex-M cores with the DSP extension: bit-exact with
// kernels/average_pool_2d.cc, whose prepare() it shares. Four channels per word: SXTAB16 adds
// bytes 0,2 (and, rotated, 1,3) of each tap into two halfword sums (2 instructions per tap for
// 4 channels); with at most 255 taps a halfword cannot overflow (255 * 128 < 2^15). Then the
// reference's rounding division per channel. Larger windows, or channel counts that are not a
// multiple of 4, run the reference kernel.
#if defined(__ARM_FEATURE_DSP)

#include "../../kernel.h"
#include "../../quant_math.h"
#include "../spatial.h"
#include "dsp.h"

namespace tmf {

extern const KernelRegistration kKernelAveragePool2D;  // the reference kernel

namespace {

constexpr int32_t kMaxHalfwordTaps = 255;

inline int32_t sxtab16_ror8(int32_t acc, int32_t x) {
  int32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(x));
  return r;
}

// The reference's rounding: halves away from zero, C division.
inline int8_t average(int32_t sum, int32_t count, const PoolParams& p) {
  const int32_t a = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
  return static_cast<int8_t>(clamp_i32(a, p.act_min, p.act_max));
}

Status average_pool_2d_eval_dsp(const EvalContext& ctx) {
  const PoolParams& p = ctx.params<PoolParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  const int32_t in_h = in.dims[1], in_w = in.dims[2], depth = in.dims[3];
  if (depth % 4 != 0 || p.filter_h * p.filter_w > kMaxHalfwordTaps) {
    return kKernelAveragePool2D.eval(ctx);
  }
  const int8_t* input = ctx.input_data<int8_t>(0);
  int8_t* output = ctx.output_data<int8_t>(0);
  const int32_t row_stride = in_w * depth;

  for (int32_t b = 0; b < in.dims[0]; ++b) {
    const int8_t* image = input + b * in_h * row_stride;
    for (int32_t oy = 0; oy < out.dims[1]; ++oy) {
      const int32_t y0 = oy * p.stride_h - p.pad_h;
      const SpatialTaps ty = spatial_taps(y0, p.filter_h, 1, in_h);
      for (int32_t ox = 0; ox < out.dims[2]; ++ox) {
        const int32_t x0 = ox * p.stride_w - p.pad_w;
        const SpatialTaps tx = spatial_taps(x0, p.filter_w, 1, in_w);
        const int32_t count = (ty.end - ty.begin) * (tx.end - tx.begin);
        if (count == 0) return Status::kErrBadParams;  // as the reference: prepare() prevents it
        const int8_t* first = image + (y0 + ty.begin) * row_stride + (x0 + tx.begin) * depth;
        for (int32_t c = 0; c < depth; c += 4) {
          int32_t s02 = 0, s13 = 0;
          const int8_t* row = first + c;
          for (int32_t fy = ty.begin; fy < ty.end; ++fy, row += row_stride) {
            const int8_t* px = row;
            for (int32_t fx = tx.begin; fx < tx.end; ++fx, px += depth) {
              const int32_t w = dsp_load_word(px);
              s02 = __sxtab16(s02, w);
              s13 = sxtab16_ror8(s13, w);
            }
          }
          // Halfwords are signed sums: the low one by a 16-bit sign extension, the high one by
          // an arithmetic shift.
          output[c] = average(static_cast<int16_t>(s02), count, p);
          output[c + 1] = average(static_cast<int16_t>(s13), count, p);
          output[c + 2] = average(s02 >> 16, count, p);
          output[c + 3] = average(s13 >> 16, count, p);
        }
        output += depth;
      }
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelAveragePool2DDsp = {kOpAveragePool2D, pool_prepare,
                                                           average_pool_2d_eval_dsp};

}  // namespace tmf

#endif  // __ARM_FEATURE_DSP
