// Small helpers of the Cortex-M DSP-extension kernels (ACLE intrinsics plus what ACLE lacks).
#pragma once

#if defined(__ARM_FEATURE_DSP)

#include <arm_acle.h>
#include <stdint.h>
#include <string.h>

namespace tmf {

// A 32-bit load at any alignment (LDR handles unaligned addresses on v7E-M and v8-M Mainline).
inline int32_t dsp_load_word(const void* p) {
  int32_t v;
  memcpy(&v, p, sizeof(v));
  return v;
}

// Bytes 1 and 3 of x sign-extended into the two halfwords (SXTB16 with ROR 8; __sxtb16 gives
// bytes 0 and 2).
inline int32_t dsp_sxtb16_ror8(int32_t x) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}

}  // namespace tmf

#endif  // __ARM_FEATURE_DSP
