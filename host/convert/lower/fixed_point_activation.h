// Host side of LOGISTIC and TANH (device/runtime/kernels/fixed_point_activation.h): TFLM's
// Prepare for int8, with the input scale as a Q4.27 multiplier taken straight from frexp (not
// TFLite's QuantizeMultiplier) and the input range radius beyond which the output saturates.
#pragma once

#include "device/runtime/kernels/fixed_point_activation.h"
#include "host/convert/lower.h"

namespace tmf::host {

// Checks the op (int8 in, int8 out with `output_zero_point`/`output_scale`, equal shapes) and
// computes its params; `name` words the messages ("logistic").
FixedPointActivationParams lower_fixed_point_activation(const LoweringContext& ctx,
                                                        int32_t output_zero_point,
                                                        float output_scale, const char* name);

}  // namespace tmf::host
