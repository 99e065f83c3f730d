// CONV_2D int8 for Cortex-M cores with the DSP extension: bit-exact with kernels/conv_2d.cc,
// whose prepare() it uses. Per output pixel the receptive field is gathered into the scratch
// area as int16 (x - input_zero_point), padded taps as 0 (they add nothing, exactly as the
// reference skips them), each 4 values stored as (p0, p2, p1, p3) so that one LDRD yields the two
// halfword pairs SMLAD multiplies with a weight word's SXTB16 and SXTB16 ROR 8 halves. Two
// output channels share each patch load. Grouped convolutions, or a model whose scratch area is
// smaller than conv_2d_dsp_scratch_bytes(), run the reference kernel.
#if defined(__ARM_FEATURE_DSP)

#include "../../kernel.h"
#include "dsp.h"
#include "../conv_2d.h"
#include "../requant.h"
#include "../scratch.h"
#include "../spatial.h"

namespace tmf {

extern const KernelRegistration kKernelConv2D;  // the reference kernel

namespace {

// Gathers the patch of output pixel (oy, ox): `depth` = kh * kw * in_c values, the full groups of
// 4 reordered (p0, p2, p1, p3), the last depth % 4 values in order.
void gather_patch(const int8_t* image, int32_t in_h, int32_t in_w, int32_t in_c, int32_t kh,
                  int32_t kw, int32_t y0, int32_t x0, int32_t dilation_h, int32_t dilation_w,
                  int32_t input_offset, int16_t* patch) {
  int32_t k = 0;
  for (int32_t fy = 0; fy < kh; ++fy) {
    const int32_t y = y0 + fy * dilation_h;
    for (int32_t fx = 0; fx < kw; ++fx) {
      const int32_t x = x0 + fx * dilation_w;
      const bool inside = y >= 0 && y < in_h && x >= 0 && x < in_w;
      const int8_t* px = image + (y * in_w + x) * in_c;
      for (int32_t c = 0; c < in_c; ++c, ++k) {
        patch[k] = static_cast<int16_t>(inside ? px[c] + input_offset : 0);
      }
    }
  }
  for (int32_t g = 0; g + 4 <= k; g += 4) {
    const int16_t p1 = patch[g + 1];
    patch[g + 1] = patch[g + 2];
    patch[g + 2] = p1;
  }
}

// acc0/acc1 += patch . rows w0/w1 over `depth` values (patch layout of gather_patch()). The
// loop over full groups of 4 is assembly: 8 MACs in 13 instructions (GCC used two loads for
// the patch pair and an extra pointer update).
__attribute__((always_inline)) inline void dot2(const int16_t* patch, const int8_t* w0,
                                                const int8_t* w1, int32_t depth, int32_t* acc0,
                                                int32_t* acc1) {
  int32_t a0 = *acc0, a1 = *acc1;
  const int32_t full = depth - depth % 4;
  if (full > 0) {
    const int16_t* p = patch;
    const int16_t* p_end = patch + full;
    const int8_t* r0 = w0;
    const int8_t* r1 = w1;
    int32_t p02, p13, v, t;
    __asm__ volatile(
        "1:\n"
        "  ldrd   %[p02], %[p13], [%[p]], #8\n"
        "  ldr    %[v], [%[r0]], #4\n"
        "  sxtb16 %[t], %[v]\n"
        "  sxtb16 %[v], %[v], ror #8\n"
        "  smlad  %[a0], %[t], %[p02], %[a0]\n"
        "  smlad  %[a0], %[v], %[p13], %[a0]\n"
        "  ldr    %[v], [%[r1]], #4\n"
        "  sxtb16 %[t], %[v]\n"
        "  sxtb16 %[v], %[v], ror #8\n"
        "  smlad  %[a1], %[t], %[p02], %[a1]\n"
        "  smlad  %[a1], %[v], %[p13], %[a1]\n"
        "  cmp    %[p], %[end]\n"
        "  bne    1b\n"
        : [a0] "+r"(a0), [a1] "+r"(a1), [p] "+r"(p), [r0] "+r"(r0), [r1] "+r"(r1),
          [p02] "=&r"(p02), [p13] "=&r"(p13), [v] "=&r"(v), [t] "=&r"(t)
        : [end] "r"(p_end)
        : "cc", "memory");
  }
  for (int32_t k = full; k < depth; ++k) {
    a0 += patch[k] * w0[k];
    a1 += patch[k] * w1[k];
  }
  *acc0 = a0;
  *acc1 = a1;
}

inline int8_t requantize(int32_t acc, const SplitMultiplier& m, const Conv2DParams& p) {
  acc = wrapping_add(multiply_by_split_multiplier(acc, m), p.output_zero_point);
  return static_cast<int8_t>(clamp_i32(acc, p.act_min, p.act_max));
}

Status conv_2d_eval_dsp(const EvalContext& ctx) {
  const auto& p = ctx.params<Conv2DParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& filter = ctx.input(1);
  const TensorRecord& out = ctx.output(0);
  const int32_t in_c = in.dims[3], out_c = out.dims[3];
  const int32_t kh = filter.dims[1], kw = filter.dims[2];
  if (filter.dims[3] != in_c ||
      ctx.model->header->scratch_bytes < conv_2d_dsp_scratch_bytes(kh, kw, in_c)) {
    return kKernelConv2D.eval(ctx);  // grouped convolution, or no room for a patch
  }
  const int32_t depth = kh * kw * in_c;
  const int8_t* input = ctx.input_data<int8_t>(0);
  const int8_t* weights = ctx.input_data<int8_t>(1);
  const int32_t* bias = ctx.has_input(2) ? ctx.input_data<int32_t>(2) : nullptr;
  int8_t* output = ctx.output_data<int8_t>(0);
  int16_t* patch = reinterpret_cast<int16_t*>(ctx.scratch());
  const RequantArrays rq = requant_arrays(ctx, p.per_channel, static_cast<uint32_t>(out_c));
  const int32_t input_offset = -p.input_zero_point;

  for (int32_t b = 0; b < in.dims[0]; ++b) {
    const int8_t* image = input + b * in.dims[1] * in.dims[2] * in_c;
    for (int32_t oy = 0; oy < out.dims[1]; ++oy) {
      for (int32_t ox = 0; ox < out.dims[2]; ++ox) {
        gather_patch(image, in.dims[1], in.dims[2], in_c, kh, kw, oy * p.stride_h - p.pad_h,
                     ox * p.stride_w - p.pad_w, p.dilation_h, p.dilation_w, input_offset, patch);
        int8_t* y = output + ((b * out.dims[1] + oy) * out.dims[2] + ox) * out_c;
        int32_t oc = 0;
        for (; oc + 2 <= out_c; oc += 2) {
          int32_t a0 = bias ? bias[oc] : 0, a1 = bias ? bias[oc + 1] : 0;
          dot2(patch, weights + oc * depth, weights + (oc + 1) * depth, depth, &a0, &a1);
          y[oc] = requantize(a0, split_multiplier(rq.multiplier[oc], rq.shift[oc]), p);
          y[oc + 1] = requantize(a1, split_multiplier(rq.multiplier[oc + 1], rq.shift[oc + 1]), p);
        }
        if (oc < out_c) {  // odd channel count: the last row pairs with itself
          int32_t a0 = bias ? bias[oc] : 0, unused = 0;
          dot2(patch, weights + oc * depth, weights + oc * depth, depth, &a0, &unused);
          y[oc] = requantize(a0, split_multiplier(rq.multiplier[oc], rq.shift[oc]), p);
        }
      }
    }
  }
  return Status::kOk;
}

Status conv_2d_prepare_dsp(const OpContext& ctx) { return kKernelConv2D.prepare(ctx); }

}  // namespace

extern const KernelRegistration kKernelConv2DDsp = {kOpConv2D, conv_2d_prepare_dsp, conv_2d_eval_dsp};

}  // namespace tmf

#endif  // __ARM_FEATURE_DSP
