// SOFTMAX lowering: TFLM's Prepare for int8 input (softmax_common.cc): PreprocessSoftmaxScaling
// with 5 integer bits for the scaled differences and diff_min from CalculateInputRadius. The
// multiplier keeps TFLM's own shift (up to 31), which TFLite's generic QuantizeMultiplier
// would clamp to 30.
#include "device/runtime/kernels/softmax.h"

#include <algorithm>
#include <cmath>

#include "host/convert/lower.h"

namespace tmf::host {
namespace {

constexpr int kScaledDiffIntegerBits = 5;

bool same_shape(const Tensor& a, const Tensor& b) { return a.shape == b.shape; }

void require_output_quantization(const LoweringContext& ctx) {
  const Tensor& out = ctx.output(0);
  if (out.type == kTensorTypeInt8) {
    if (!out.quant.per_tensor() || out.quant.zero_points[0] != -128 ||
        out.quant.scales[0] != 1.0f / 256) {
      ctx.fail_output(0, "int8 softmax output must have scale 1/256 and zero point -128");
    }
  } else if (out.type == kTensorTypeInt16) {
    if (!out.quant.per_tensor() || out.quant.zero_points[0] != -32768 ||
        std::fabs(out.quant.scales[0] - 1.0f / 65536) > 0.001f / 65536) {
      ctx.fail_output(0, "int16 softmax output must have scale 1/65536 and zero point -32768");
    }
  } else {
    ctx.fail_output(0, "must be int8 or int16 (int8 input)");
  }
}

}  // namespace

LoweredOp lower_softmax(LoweringContext& ctx) {
  if (ctx.input_count() != 1) ctx.fail("expects 1 input, has " + std::to_string(ctx.input_count()));
  ctx.require_int8_per_tensor_input(0);
  require_output_quantization(ctx);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  if (in.shape.empty()) ctx.fail_input(0, "must have rank >= 1");
  if (!same_shape(in, out)) ctx.fail_output(0, "shape differs from the input's");
  const int32_t depth = in.shape.back();
  const int32_t max_depth =
      out.type == kTensorTypeInt8 ? kSoftmaxMaxDepthInt8 : kSoftmaxMaxDepthInt16;
  if (depth > max_depth) {
    ctx.fail_input(0,
                   "softmax over " + std::to_string(depth) + " values exceeds " +
                       std::to_string(max_depth) +
                       " for this output type (TFLM's fixed-point sum would overflow its range)");
  }
  const float beta = ctx.op().options.beta;
  if (!(beta > 0.0f) || !std::isfinite(beta)) {
    ctx.fail("beta " + std::to_string(beta) + " is not finite and positive");
  }

  // PreprocessSoftmaxScaling(beta, s_in, 5): the real multiplier, capped at 2^31 - 1, must be > 1.
  const double real = std::min(static_cast<double>(beta) * static_cast<double>(in.quant.scales[0]) *
                                   (1 << (31 - kScaledDiffIntegerBits)),
                               static_cast<double>((1LL << 31) - 1));
  if (!(real > 1.0)) {
    ctx.fail_input(0, "beta * scale * 2^26 = " + std::to_string(real) +
                          " must exceed 1 (TFLM's softmax rejects such a small input scale)");
  }
  // QuantizeMultiplier without a shift clamp: real in (1, 2^31) gives shift in [1, 31].
  int shift = 0;
  const double fraction = std::frexp(real, &shift);
  int64_t multiplier = static_cast<int64_t>(std::round(fraction * static_cast<double>(1LL << 31)));
  if (multiplier == (1LL << 31)) {
    multiplier /= 2;
    ++shift;
  }
  SoftmaxParams p{};
  p.input_multiplier = static_cast<int32_t>(multiplier);
  p.input_left_shift = shift;
  // -CalculateInputRadius(5, shift, 31), computed as TFLM does.
  const double radius = std::floor(1.0 * ((1 << kScaledDiffIntegerBits) - 1) *
                                   static_cast<double>(1LL << (31 - kScaledDiffIntegerBits)) /
                                   static_cast<double>(1LL << shift));
  p.diff_min = -static_cast<int32_t>(radius);
  return ctx.lowered(kOpSoftmax, p);
}

}  // namespace tmf::host
