// Real FFT of N = 2^k samples (16 <= N <= 4096) for feature extraction: an N/2-point iterative
// radix-2 complex FFT of the even/odd samples, then the standard real split. Float32, no heap.
//
// Transform: unnormalised forward DFT, X[k] = sum_{n<N} x[n] * exp(-2*pi*i*k*n/N), k = 0..N/2
// (the other half is the complex conjugate mirror and is not produced).
// Output layout: interleaved complex, out[2k] = Re X[k], out[2k+1] = Im X[k], N/2+1 bins = N+2
// floats; Im X[0] = Im X[N/2] = 0 exactly. Bin k is frequency k * sample_rate / N.
// Agreement: the trainer (host) and the device must run this same code (plan and transform); the
// twiddles come from the platform's sinf/cosf, so results agree across platforms to float
// rounding (tested against a double-precision DFT), not bit for bit.
#pragma once

#include <stdint.h>

#include "device/dsp/dsp_status.h"

namespace tmf::dsp {

constexpr uint32_t kFftMinLength = 16;
constexpr uint32_t kFftMaxLength = 4096;

// A plan for one length. The twiddles live in caller memory, which must outlive the plan and stay
// unchanged. A zero-initialised plan (n == 0) is "not initialised".
struct FftPlan {
  uint32_t n;             // real transform length N
  const float* twiddle;   // N/2 pairs (cos, sin) of 2*pi*k/N, k = 0..N/2-1
};

// True if n is a power of two in [kFftMinLength, kFftMaxLength].
bool fft_length_is_valid(uint32_t n);

// Bytes of caller memory fft_plan_init needs for length n (4 * n: N/2 cos/sin pairs); 0 if n is
// not a valid length.
uint32_t fft_plan_bytes(uint32_t n);

// Builds the twiddle table for length n into `memory` (4-byte aligned, >= fft_plan_bytes(n)).
// Errors: kErrNullArgument, kErrBadLength, kErrWorkMisaligned, kErrWorkTooSmall (plan->n is then 0).
DspStatus fft_plan_init(FftPlan* plan, uint32_t n, void* memory, uint32_t memory_bytes);

// X = DFT(in): in has plan->n floats, out has plan->n + 2 floats (layout above). Needs no work area:
// out is the work area. in may alias or overlap out (in is copied into out first).
// Errors: kErrNullArgument, kErrNotInitialized.
DspStatus fft_real_forward(const FftPlan* plan, const float* in, float* out);

}  // namespace tmf::dsp
