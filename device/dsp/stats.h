// Time-domain statistics of one window of samples (vibration condition indicators).
#pragma once

#include <stdint.h>

#include "device/dsp/dsp_status.h"

namespace tmf::dsp {

// All moments are population moments (divide by n) about the mean, m_p = (1/n) sum (x - mean)^p.
struct SignalStats {
  float mean;      // (1/n) sum x
  float rms;       // sqrt((1/n) sum x^2), of x itself (mean not removed); units of x
  float stddev;    // sqrt(m2)
  float peak;      // max |x|
  float crest;     // peak / rms; 0 if rms == 0 (all-zero input)
  float skewness;  // m3 / m2^1.5; 0 for constant input
  float kurtosis;  // Pearson (NOT excess) m4 / m2^2: 3 for a Gaussian, 1.5 for a sine, 1 for a
                   // square wave; 0 for constant input (a marker: it is >= 1 for any other input)
};

// Two passes over x[0..n-1] (mean and peak, then moments of x scaled by a power of two to
// |x| <= 1, so no overflow for any finite input), Kahan-compensated sums; the second pass also
// corrects the float mean (corrected two-pass algorithm), so a large DC offset costs little.
// "Constant" means every sample compares equal to x[0] (exact test, not a tolerance).
// Non-finite samples give non-finite results. Errors: kErrNullArgument, kErrBadLength (n == 0).
DspStatus stats_compute(const float* x, uint32_t n, SignalStats* out);

}  // namespace tmf::dsp
