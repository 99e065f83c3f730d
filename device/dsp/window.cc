// Periodic Hann window generation and application.
#include "device/dsp/window.h"

#include <math.h>

namespace tmf::dsp {
namespace {
constexpr float kTwoPi = 6.28318530717958647692f;
}  // namespace

DspStatus window_hann_periodic(float* w, uint32_t n) {
  if (w == nullptr) return DspStatus::kErrNullArgument;
  if (n < 2) return DspStatus::kErrBadLength;
  w[0] = 0.0f;
  // The first half from cosf, the second mirrored (w[n-i] = w[i]), so the window is symmetric on
  // every platform whatever its cosf.
  for (uint32_t i = 1; i <= n / 2; ++i) {
    const float angle = kTwoPi * (static_cast<float>(i) / static_cast<float>(n));
    const float v = 0.5f - 0.5f * cosf(angle);
    w[i] = v;
    w[n - i] = v;
  }
  return DspStatus::kOk;
}

DspStatus window_apply(const float* w, const float* in, float* out, uint32_t n) {
  if (w == nullptr || in == nullptr || out == nullptr) return DspStatus::kErrNullArgument;
  if (n == 0) return DspStatus::kErrBadLength;
  for (uint32_t i = 0; i < n; ++i) out[i] = in[i] * w[i];
  return DspStatus::kOk;
}

float window_sum(const float* w, uint32_t n) {
  if (w == nullptr) return 0.0f;
  float sum = 0.0f;
  for (uint32_t i = 0; i < n; ++i) sum += w[i];
  return sum;
}

float window_energy(const float* w, uint32_t n) {
  if (w == nullptr) return 0.0f;
  float sum = 0.0f;
  for (uint32_t i = 0; i < n; ++i) sum += w[i] * w[i];
  return sum;
}

}  // namespace tmf::dsp
