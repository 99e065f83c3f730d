// Checks shared by LOGISTIC and TANH (fixed_point_activation.h).
#include "fixed_point_activation.h"

namespace tmf {

Status fixed_point_activation_prepare(const OpContext& ctx, int32_t output_zero_point,
                                      float output_scale) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(FixedPointActivationParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<FixedPointActivationParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in) || !tensor_is_int8_per_tensor(out)) {
    return Status::kErrTypeMismatch;
  }
  if (out.zero_point != output_zero_point || out.scale != output_scale) {
    return Status::kErrBadQuantization;
  }
  if (!tensor_same_shape(in, out)) return Status::kErrShapeMismatch;
  // The radius must be the one of the shift: then |d| < radius keeps d * 2^shift below 2^31.
  constexpr int kBits = kFixedPointActivationInputBits;
  if (p.input_zero_point != in.zero_point || p.input_multiplier < 0 || p.input_left_shift < 0 ||
      p.input_left_shift > 30 ||
      p.input_range_radius != ((((1 << kBits) - 1) << (31 - kBits)) >> p.input_left_shift)) {
    return Status::kErrBadParams;
  }
  return Status::kOk;
}

}  // namespace tmf
