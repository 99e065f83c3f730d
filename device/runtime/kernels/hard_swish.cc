// HARD_SWISH int8 reference kernel (contract in hard_swish.h).
#include "hard_swish.h"

#include "../kernel.h"
#include "../quant_math.h"

namespace tmf {
namespace {

int16_t saturate_int16(int64_t v) {
  return static_cast<int16_t>(v < -32768 ? -32768 : (v > 32767 ? 32767 : v));
}

int16_t saturating_rounding_doubling_high_mul16(int16_t a, int16_t b) {
  if (a == b && a == -32768) return 32767;
  const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return static_cast<int16_t>((ab + nudge) / (1 << 15));
}

int16_t saturating_doubling_high_mul16(int16_t a, int16_t b) {
  if (a == b && a == -32768) return 32767;
  return static_cast<int16_t>((static_cast<int32_t>(a) * static_cast<int32_t>(b)) / (1 << 15));
}

int16_t saturating_left_shift16(int16_t v, int32_t amount) {
  return saturate_int16(static_cast<int64_t>(v) * (int64_t{1} << amount));
}

int16_t rounding_divide_by_pot16(int16_t x, int32_t exponent) {
  const int32_t mask = (1 << exponent) - 1;
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return static_cast<int16_t>((x >> exponent) + (remainder > threshold ? 1 : 0));
}

Status hard_swish_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(HardSwishParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<HardSwishParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in) || !tensor_is_int8_per_tensor(out)) {
    return Status::kErrTypeMismatch;
  }
  if (!tensor_same_shape(in, out)) return Status::kErrShapeMismatch;
  if (p.input_zero_point != in.zero_point || p.output_zero_point != out.zero_point ||
      p.output_multiplier < 0 || p.output_multiplier > 32767 || p.output_exponent < -15 ||
      p.output_exponent > 0 || p.reluish_multiplier < 0 || p.reluish_multiplier > 32767 ||
      p.reluish_exponent < -15 || p.reluish_exponent > 30) {
    return Status::kErrBadParams;
  }
  return Status::kOk;
}

int8_t hard_swish_element(int8_t x, const HardSwishParams& p) {
  // |x - zp| <= 255, so the hi-res value (times 2^7) fits int16.
  const int16_t hires = static_cast<int16_t>((x - p.input_zero_point) * (1 << 7));
  const int16_t preshift =
      saturating_rounding_doubling_high_mul16(hires, static_cast<int16_t>(p.output_multiplier));
  int16_t reluish = hires;
  if (p.reluish_exponent > 0) reluish = saturating_left_shift16(reluish, p.reluish_exponent - 1);
  reluish = saturating_rounding_doubling_high_mul16(reluish, static_cast<int16_t>(p.reluish_multiplier));
  if (p.reluish_exponent > 0) reluish = saturating_left_shift16(reluish, 1);
  if (p.reluish_exponent < 0) reluish = rounding_divide_by_pot16(reluish, -p.reluish_exponent);
  reluish = static_cast<int16_t>((reluish + (1 << 15)) >> 1);
  const int16_t product = saturating_doubling_high_mul16(reluish, preshift);
  const int32_t out = rounding_divide_by_pot16(product, -p.output_exponent) + p.output_zero_point;
  return static_cast<int8_t>(clamp_i32(out, -128, 127));
}

Status hard_swish_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<HardSwishParams>();
  const uint32_t n = tensor_element_count(ctx.input(0));
  const int8_t* x = ctx.input_data<int8_t>(0);
  int8_t* y = ctx.output_data<int8_t>(0);
  for (uint32_t i = 0; i < n; ++i) y[i] = hard_swish_element(x[i], p);
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelHardSwish = {kOpHardSwish, hard_swish_prepare, hard_swish_eval};

}  // namespace tmf
