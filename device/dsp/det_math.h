// Deterministic natural log and exp in float32: the same bits on every platform (x86-64 SSE,
// Cortex-M4F/M7/M33 FPU, soft-float M0/M3), unlike libm's logf/expf, which differ between glibc
// and newlib. Range reduction through the float's exponent bits, then a fixed polynomial using
// only + and * in a fixed order; this library is compiled with -ffp-contract=off, so no FMA.
// Accuracy against double-precision libm: docs/dsp.md (tests/device/dsp_det_math_test.cc).
#pragma once

namespace tmf::dsp {

// ln(x). Special values: ln(+0) = ln(-0) = -inf, ln(+inf) = +inf, NaN and x < 0 give a quiet NaN
// (always the bits 0x7FC00000). Subnormal inputs are exact-scaled first, so they are accurate too.
float det_logf(float x);

// e^x. x > 88.7228 gives +inf, x < -103.98 gives +0, NaN gives the quiet NaN 0x7FC00000; results
// in the subnormal range are rounded twice (still deterministic).
float det_expf(float x);

}  // namespace tmf::dsp
