// SOFTMAX int8 -> int8 / int16 reference kernel (contract in softmax.h).
#include "softmax.h"

#include <math.h>

#include "../fixed_point.h"
#include "../kernel.h"
#include "../quant_math.h"

namespace tmf {
namespace {

constexpr int kScaledDiffIntegerBits = 5;     // exp() argument: Q5.26
constexpr int kAccumulationIntegerBits = 12;  // sum of exponentials: Q12.19

// -CalculateInputRadius(5, left_shift): the most negative difference whose shifted value
// d * 2^left_shift still fits in Q5.26. Exact in integers: both factors are powers of two.
int32_t softmax_diff_min(int32_t left_shift) {
  return -(
      (static_cast<int32_t>((1 << kScaledDiffIntegerBits) - 1) << (31 - kScaledDiffIntegerBits)) >>
      left_shift);
}

bool softmax_output_is_valid(const TensorRecord& out) {
  if (out.quant != kTensorQuantPerTensor) return false;
  if (out.type == kTensorTypeInt8) return out.zero_point == -128 && out.scale == 1.0f / 256;
  if (out.type == kTensorTypeInt16) {
    // TFLM accepts 1/65536 within 0.1%.
    return out.zero_point == -32768 && fabsf(out.scale - 1.0f / 65536) <= 0.001f / 65536;
  }
  return false;
}

Status softmax_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(SoftmaxParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<SoftmaxParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in)) return Status::kErrTypeMismatch;
  if (!softmax_output_is_valid(out)) {
    return out.type == kTensorTypeInt8 || out.type == kTensorTypeInt16 ? Status::kErrBadQuantization
                                                                       : Status::kErrTypeMismatch;
  }
  if (in.rank < 1 || !tensor_same_shape(in, out)) return Status::kErrShapeMismatch;
  const int32_t depth = in.dims[in.rank - 1];
  const int32_t max_depth =
      out.type == kTensorTypeInt8 ? kSoftmaxMaxDepthInt8 : kSoftmaxMaxDepthInt16;
  if (depth > max_depth) return Status::kErrShapeMismatch;
  if (p.input_multiplier < 0 || p.input_left_shift < 0 || p.input_left_shift > 31 ||
      p.diff_min != softmax_diff_min(p.input_left_shift)) {
    return Status::kErrBadParams;
  }
  return Status::kOk;
}

// exp(d * s_in * beta) in Q0.31 for a difference d in [diff_min, 0]; |d| * 2^left_shift <
// 2^31 by the choice of diff_min, so the shift cannot overflow.
int32_t softmax_exp(int32_t diff, const SoftmaxParams& p) {
  const int32_t scaled = saturating_rounding_doubling_high_mul(
      wrapping_shift_left(diff, p.input_left_shift), p.input_multiplier);
  return fixed_point::exp_on_negative_values<kScaledDiffIntegerBits>(scaled);
}

template <typename OutT>
void softmax_row(const int8_t* x, OutT* y, int32_t depth, const SoftmaxParams& p, int32_t out_min,
                 int32_t out_max, int out_bits) {
  int32_t max_in_row = -128;
  for (int32_t c = 0; c < depth; ++c) max_in_row = x[c] > max_in_row ? x[c] : max_in_row;

  // Each term is at most 2^19 (exp(0) in Q12.19), so the depth limit bounds the sum.
  int32_t sum_of_exps = 0;
  for (int32_t c = 0; c < depth; ++c) {
    const int32_t diff = x[c] - max_in_row;
    if (diff >= p.diff_min) {
      sum_of_exps += fixed_point::rescale<kAccumulationIntegerBits, 0>(softmax_exp(diff, p));
    }
  }
  int num_bits_over_unit = 0;
  const int32_t shifted_scale =
      fixed_point::reciprocal(sum_of_exps, kAccumulationIntegerBits, &num_bits_over_unit);
  const int exponent = num_bits_over_unit + 31 - out_bits;

  for (int32_t c = 0; c < depth; ++c) {
    const int32_t diff = x[c] - max_in_row;
    int32_t q = out_min;
    if (diff >= p.diff_min) {
      const int32_t unsaturated =
          rounding_divide_by_pot(fixed_point::mul(shifted_scale, softmax_exp(diff, p)), exponent);
      q = clamp_i32(unsaturated + out_min, out_min, out_max);
    }
    y[c] = static_cast<OutT>(q);
  }
}

Status softmax_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<SoftmaxParams>();
  const TensorRecord& in = ctx.input(0);
  const int32_t depth = in.dims[in.rank - 1];
  const uint32_t rows = tensor_element_count(in) / static_cast<uint32_t>(depth);
  const int8_t* x = ctx.input_data<int8_t>(0);
  if (ctx.output(0).type == kTensorTypeInt8) {
    int8_t* y = ctx.output_data<int8_t>(0);
    for (uint32_t r = 0; r < rows; ++r)
      softmax_row(x + r * depth, y + r * depth, depth, p, -128, 127, 8);
  } else {
    int16_t* y = ctx.output_data<int16_t>(0);
    for (uint32_t r = 0; r < rows; ++r) {
      softmax_row(x + r * depth, y + r * depth, depth, p, -32768, 32767, 16);
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelSoftmax = {kOpSoftmax, softmax_prepare, softmax_eval};

}  // namespace tmf
