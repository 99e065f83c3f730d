// Analysis windows for framed spectra: the periodic Hann window and its application.
#pragma once

#include <stdint.h>

#include "device/dsp/dsp_status.h"

namespace tmf::dsp {

// Periodic Hann window of length n >= 2 into w[0..n-1]: w[i] = 0.5 - 0.5 * cos(2*pi*i/n), values in
// [0, 1], w[0] = 0, w[n/2] = 1 for even n; exactly symmetric (w[i] == w[n-i]). Its sum is n/2 and
// its sum of squares 3n/8 (n >= 3), up to float rounding. Errors: kErrNullArgument, kErrBadLength (n < 2).
DspStatus window_hann_periodic(float* w, uint32_t n);

// out[i] = in[i] * w[i], i < n; out may alias in. Errors: kErrNullArgument, kErrBadLength (n == 0).
DspStatus window_apply(const float* w, const float* in, float* out, uint32_t n);

// Sum of w[0..n-1] (coherent gain * n) and sum of squares (the window's energy), for scaling spectra
// (see spectrum.h). Return 0 for a null w or n == 0.
float window_sum(const float* w, uint32_t n);
float window_energy(const float* w, uint32_t n);

}  // namespace tmf::dsp
