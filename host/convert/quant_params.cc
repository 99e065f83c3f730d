// TFLite-compatible multiplier and activation-range computation.
#include "host/convert/quant_params.h"

#include <algorithm>
#include <climits>
#include <cmath>

namespace tmf::host {

QuantizedMultiplier quantize_multiplier(double real) {
  QuantizedMultiplier q;
  if (real == 0.0) return q;
  int shift = 0;
  const double fraction = std::frexp(real, &shift);
  int64_t fixed = static_cast<int64_t>(std::round(fraction * static_cast<double>(1LL << 31)));
  if (fixed == (1LL << 31)) {
    fixed /= 2;
    ++shift;
  }
  if (shift < -31) {
    shift = 0;
    fixed = 0;
  }
  if (shift > 30) {
    shift = 30;
    fixed = (1LL << 31) - 1;
  }
  q.multiplier = static_cast<int32_t>(fixed);
  q.shift = shift;
  return q;
}

ActivationRange activation_range(Activation activation, TensorType type, float scale,
                                 int32_t zero_point) {
  int32_t qmin = -128, qmax = 127;
  if (type == kTensorTypeUint8) { qmin = 0; qmax = 255; }
  if (type == kTensorTypeInt16) { qmin = -32768; qmax = 32767; }
  // TFLite computes zero_point + (int32)round(f / scale); a tiny scale makes the quotient exceed
  // int32, where the cast is undefined. Any such value lies beyond [qmin, qmax], and the callers
  // clamp to that range, so saturating first gives the same ranges without the undefined cast.
  const auto quantize = [&](float f) {
    const float q = std::round(f / scale);
    if (!(q > -4.0e9f)) return qmin - 1;
    if (!(q < 4.0e9f)) return qmax + 1;
    return static_cast<int32_t>(std::max<int64_t>(INT32_MIN, std::min<int64_t>(INT32_MAX, zero_point + static_cast<int64_t>(q))));
  };
  ActivationRange r{qmin, qmax};
  switch (activation) {
    case Activation::kNone:
      break;
    case Activation::kRelu:
      r.min = std::max(qmin, quantize(0.0f));
      break;
    case Activation::kRelu6:
      r.min = std::max(qmin, quantize(0.0f));
      r.max = std::min(qmax, quantize(6.0f));
      break;
    case Activation::kReluN1To1:
      r.min = std::max(qmin, quantize(-1.0f));
      r.max = std::min(qmax, quantize(1.0f));
      break;
    default:
      throw ConvertError("fused activation TANH/SIGN_BIT is not supported");
  }
  return r;
}

}  // namespace tmf::host
