// DEPTHWISE_CONV_2D int8 for Cortex-M cores with the DSP extension: bit-exact with
// kernels/depthwise_conv_2d.cc, whose prepare() it uses. Four channels at a time: one word of
// inputs and one of weights per tap, sign-extended in pairs (SXTB16), the input offset added to
// both halfwords at once (SADD16; x - zp stays within int16), and one SMLABB/SMLATT per channel.
// Only the taps inside the image are visited, as in the reference. Depth multipliers other than
// 1 and channel counts that are not a multiple of 4 run the reference kernel.
#if defined(__ARM_FEATURE_DSP)

#include "../../kernel.h"
#include "dsp.h"
#include "../depthwise_conv_2d.h"
#include "../requant.h"
#include "../spatial.h"
#include "requantize_block.h"

namespace tmf {

extern const KernelRegistration kKernelDepthwiseConv2D;  // the reference kernel

namespace {

Status depthwise_conv_2d_eval_dsp(const EvalContext& ctx) {
  const auto& p = ctx.params<DepthwiseConv2DParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& filter = ctx.input(1);
  const TensorRecord& out = ctx.output(0);
  const int32_t in_h = in.dims[1], in_w = in.dims[2], channels = in.dims[3];
  const int32_t kh = filter.dims[1], kw = filter.dims[2];
  if (p.depth_multiplier != 1 || channels % 4 != 0) return kKernelDepthwiseConv2D.eval(ctx);

  const int8_t* input = ctx.input_data<int8_t>(0);
  const int8_t* filters = ctx.input_data<int8_t>(1);
  const int32_t* bias = ctx.has_input(2) ? ctx.input_data<int32_t>(2) : nullptr;
  int8_t* output = ctx.output_data<int8_t>(0);
  const RequantArrays rq = requant_arrays(ctx, p.per_channel, static_cast<uint32_t>(channels));
  const int32_t offset = -p.input_zero_point;
  const uint32_t offset2 = (static_cast<uint32_t>(offset) << 16) | (static_cast<uint32_t>(offset) & 0xFFFFu);
  const int32_t row_stride = in_w * channels;
  const int32_t x_step = p.dilation_w * channels;
  const int32_t y_step = p.dilation_h * row_stride;
  const RequantizeOutput o{p.output_zero_point, p.act_min, p.act_max};
  int32_t acc[kRequantizeBlock];

  for (int32_t b = 0; b < in.dims[0]; ++b) {
    const int8_t* image = input + b * in_h * row_stride;
    for (int32_t oy = 0; oy < out.dims[1]; ++oy) {
      const int32_t y0 = oy * p.stride_h - p.pad_h;
      const SpatialTaps ty = spatial_taps(y0, kh, p.dilation_h, in_h);
      for (int32_t ox = 0; ox < out.dims[2]; ++ox) {
        const int32_t x0 = ox * p.stride_w - p.pad_w;
        const SpatialTaps tx = spatial_taps(x0, kw, p.dilation_w, in_w);
        // The first visited tap of channel 0, and the steps between taps and rows of taps.
        const int8_t* first_x = image + (y0 + ty.begin * p.dilation_h) * row_stride +
                                (x0 + tx.begin * p.dilation_w) * channels;
        const int8_t* first_w = filters + (ty.begin * kw + tx.begin) * channels;
        const int32_t taps_x = tx.end - tx.begin;
        for (int32_t c = 0; c < channels; c += 4) {
          int32_t a0 = bias ? bias[c] : 0, a1 = bias ? bias[c + 1] : 0;
          int32_t a2 = bias ? bias[c + 2] : 0, a3 = bias ? bias[c + 3] : 0;
          const int8_t* row_x = first_x + c;
          const int8_t* row_w = first_w + c;
          for (int32_t fy = ty.begin; fy < ty.end; ++fy, row_x += y_step, row_w += kw * channels) {
            // Walk the row's taps with two pointers: inputs dilation_w pixels apart, weights
            // one tap apart.
            const int8_t* px = row_x;
            const int8_t* pw = row_w;
            const int8_t* pw_end = pw + taps_x * channels;
            for (; pw != pw_end; px += x_step, pw += channels) {
              const int32_t xw = dsp_load_word(px);
              const int32_t ww = dsp_load_word(pw);
              const int32_t x02 = static_cast<int32_t>(__sadd16(__sxtb16(xw), offset2));
              const int32_t x13 = static_cast<int32_t>(__sadd16(dsp_sxtb16_ror8(xw), offset2));
              const int32_t w02 = __sxtb16(ww), w13 = dsp_sxtb16_ror8(ww);
              a0 = __smlabb(x02, w02, a0);
              a2 = __smlatt(x02, w02, a2);
              a1 = __smlabb(x13, w13, a1);
              a3 = __smlatt(x13, w13, a3);
            }
          }
          int32_t* block = acc + c % kRequantizeBlock;
          block[0] = a0;
          block[1] = a1;
          block[2] = a2;
          block[3] = a3;
          const int32_t done = c + 4;
          if (done % kRequantizeBlock == 0 || done == channels) {
            const int32_t first = (done - 1) / kRequantizeBlock * kRequantizeBlock;
            requantize_block_per_channel(acc, done - first, rq.multiplier + first, rq.shift + first, o,
                                         output + first);
          }
        }
        output += channels;
      }
    }
  }
  return Status::kOk;
}

Status depthwise_conv_2d_prepare_dsp(const OpContext& ctx) { return kKernelDepthwiseConv2D.prepare(ctx); }

}  // namespace

extern const KernelRegistration kKernelDepthwiseConv2DDsp = {
    kOpDepthwiseConv2D, depthwise_conv_2d_prepare_dsp, depthwise_conv_2d_eval_dsp};

}  // namespace tmf

#endif  // __ARM_FEATURE_DSP
