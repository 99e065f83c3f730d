// What LOGISTIC and TANH share (TFLM's int8 paths differ only in the gemmlowp function applied
// and in how its Q0.31 result becomes an int8): the params, the checks, the element loop.
//   With d = x - input_zero_point: d <= -input_range_radius saturates low, d >= radius high,
//   else the function is applied to M(d, input_multiplier, input_left_shift), a Q4.27 value.
//   Converter (TFLM Prepare): frexp(s_in * 2^27) = q * 2^input_left_shift, input_multiplier =
//   round(q * 2^31); input_range_radius = floor(15 * 2^27 / 2^input_left_shift)
//   (CalculateInputRadius(4, left_shift, 31)), the largest |d| whose Q4.27 value stays below 15.
#pragma once

#include <stdint.h>

#include "../kernel.h"
#include "../quant_math.h"

namespace tmf {

constexpr int kFixedPointActivationInputBits = 4;  // the fixed-point argument is Q4.27

struct FixedPointActivationParams {
  int32_t input_zero_point;
  int32_t input_range_radius;  // (15 << 27) >> input_left_shift
  int32_t input_multiplier;    // Q31 in [2^30, 2^31)
  int32_t input_left_shift;    // [0, 30]
};

// Checks for an op whose int8 output must have `output_zero_point` and `output_scale`.
Status fixed_point_activation_prepare(const OpContext& ctx, int32_t output_zero_point,
                                      float output_scale);

// y[i] = low / high when the input saturates, else encode(function(Q4.27 input)).
template <typename Function>
Status fixed_point_activation_eval(const EvalContext& ctx, int8_t low, int8_t high, Function f) {
  const auto& p = ctx.params<FixedPointActivationParams>();
  const uint32_t n = tensor_element_count(ctx.input(0));
  const int8_t* x = ctx.input_data<int8_t>(0);
  int8_t* y = ctx.output_data<int8_t>(0);
  for (uint32_t i = 0; i < n; ++i) {
    const int32_t d = x[i] - p.input_zero_point;
    if (d <= -p.input_range_radius) {
      y[i] = low;
    } else if (d >= p.input_range_radius) {
      y[i] = high;
    } else {
      y[i] = f(multiply_by_quantized_multiplier(d, p.input_multiplier, p.input_left_shift));
    }
  }
  return Status::kOk;
}

}  // namespace tmf
