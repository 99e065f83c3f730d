// TANH int8 reference kernel (contract in tanh.h).
#include "tanh.h"

#include "../fixed_point.h"
#include "../kernel.h"
#include "../quant_math.h"

namespace tmf {
namespace {

constexpr int kInputIntegerBits = 4;  // the fixed-point argument is Q4.27

Status tanh_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(TanhParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<TanhParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in) || !tensor_is_int8_per_tensor(out)) {
    return Status::kErrTypeMismatch;
  }
  if (out.zero_point != 0 || out.scale != 1.0f / 128) return Status::kErrBadQuantization;
  if (!tensor_same_shape(in, out)) return Status::kErrShapeMismatch;
  // The radius must be the one of the shift: then |d| < radius keeps d * 2^shift below 2^31.
  if (p.input_zero_point != in.zero_point || p.input_multiplier < 0 || p.input_left_shift < 0 ||
      p.input_left_shift > 30 ||
      p.input_range_radius !=
          ((((1 << kInputIntegerBits) - 1) << (31 - kInputIntegerBits)) >> p.input_left_shift)) {
    return Status::kErrBadParams;
  }
  return Status::kOk;
}

int8_t tanh_element(int8_t x, const TanhParams& p) {
  const int32_t d = x - p.input_zero_point;
  if (d <= -p.input_range_radius) return -128;
  if (d >= p.input_range_radius) return 127;
  const int32_t input_q4 =
      multiply_by_quantized_multiplier(d, p.input_multiplier, p.input_left_shift);
  const int32_t output_q0 = fixed_point::tanh<kInputIntegerBits>(input_q4);
  // Q0.31 -> units of 1/128 (zero point 0).
  return static_cast<int8_t>(clamp_i32(rounding_divide_by_pot(output_q0, 24), -128, 127));
}

Status tanh_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<TanhParams>();
  const uint32_t n = tensor_element_count(ctx.input(0));
  const int8_t* x = ctx.input_data<int8_t>(0);
  int8_t* y = ctx.output_data<int8_t>(0);
  for (uint32_t i = 0; i < n; ++i) y[i] = tanh_element(x[i], p);
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelTanh = {kOpTanh, tanh_prepare, tanh_eval};

}  // namespace tmf
