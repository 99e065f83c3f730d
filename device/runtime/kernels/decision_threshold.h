// DECISION_THRESHOLD (format 1.1): the anomaly decision from a score.
//   input:   0  score float32, one element, not quantized
//   output:  0  int8, one element: not quantized, or per-tensor with scale 1 and zero point 0
//               (so it reads 0 / 1 either way)
//   out = 1 if score > threshold else 0 (a NaN score gives 0)
#pragma once

#include <stdint.h>

namespace tmf {

struct DecisionThresholdParams {
  float threshold;  // finite
};

}  // namespace tmf
