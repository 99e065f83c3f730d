// MAX_POOL_2D int8 for Cortex-M cores with the DSP extension: bit-exact with
// kernels/max_pool_2d.cc, whose prepare() it shares. Four channels per word: SSUB8 sets a flag
// per byte where the new value is at least the running maximum, SEL keeps the larger bytes
// (2 instructions per tap for 4 channels); the activation range is applied the same way.
// Channel counts that are not a multiple of 4 run the reference kernel.
#if defined(__ARM_FEATURE_DSP)

#include "../../kernel.h"
#include "../spatial.h"
#include "dsp.h"

namespace tmf {

extern const KernelRegistration kKernelMaxPool2D;  // the reference kernel

namespace {

inline uint32_t replicate_byte(int32_t value) {
  return (static_cast<uint32_t>(value) & 0xFFu) * 0x01010101u;
}

// Per signed byte: max(a, b). SSUB8 sets GE[i] where a[i] >= b[i], SEL picks a[i] there; one
// asm statement, so nothing can come between the flags and their use.
inline uint32_t max_s8x4(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(a), "r"(b) : "cc");
  return r;
}

// Per signed byte: min(a, b).
inline uint32_t min_s8x4(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("ssub8 %0, %1, %2\n\tsel %0, %2, %1" : "=&r"(r) : "r"(a), "r"(b) : "cc");
  return r;
}

Status max_pool_2d_eval_dsp(const EvalContext& ctx) {
  const PoolParams& p = ctx.params<PoolParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  const int32_t in_h = in.dims[1], in_w = in.dims[2], depth = in.dims[3];
  if (depth % 4 != 0) return kKernelMaxPool2D.eval(ctx);
  const int8_t* input = ctx.input_data<int8_t>(0);
  int8_t* output = ctx.output_data<int8_t>(0);
  const uint32_t lowest = replicate_byte(-128);  // TFLM starts from the int8 minimum
  const uint32_t act_min = replicate_byte(p.act_min);
  const uint32_t act_max = replicate_byte(p.act_max);
  const int32_t row_stride = in_w * depth;

  for (int32_t b = 0; b < in.dims[0]; ++b) {
    const int8_t* image = input + b * in_h * row_stride;
    for (int32_t oy = 0; oy < out.dims[1]; ++oy) {
      const int32_t y0 = oy * p.stride_h - p.pad_h;
      const SpatialTaps ty = spatial_taps(y0, p.filter_h, 1, in_h);
      for (int32_t ox = 0; ox < out.dims[2]; ++ox) {
        const int32_t x0 = ox * p.stride_w - p.pad_w;
        const SpatialTaps tx = spatial_taps(x0, p.filter_w, 1, in_w);
        const int8_t* first = image + (y0 + ty.begin) * row_stride + (x0 + tx.begin) * depth;
        for (int32_t c = 0; c < depth; c += 4) {
          uint32_t m = lowest;
          const int8_t* row = first + c;
          for (int32_t fy = ty.begin; fy < ty.end; ++fy, row += row_stride) {
            const int8_t* px = row;
            for (int32_t fx = tx.begin; fx < tx.end; ++fx, px += depth) {
              m = max_s8x4(static_cast<uint32_t>(dsp_load_word(px)), m);
            }
          }
          m = min_s8x4(max_s8x4(m, act_min), act_max);
          __builtin_memcpy(output + c, &m, 4);
        }
        output += depth;
      }
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelMaxPool2DDsp = {kOpMaxPool2D, pool_prepare, max_pool_2d_eval_dsp};

}  // namespace tmf

#endif  // __ARM_FEATURE_DSP
