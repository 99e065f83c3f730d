// Real FFT of N = 2^k samples (16 <= N <= 4096) for feature extraction: an N/2-point iterative
// radix-2 complex FFT of the even/odd samples, then the standard real split. Float32, no heap.
//
// Transform: unnormalised forward DFT, X[k] = sum_{n<N} x[n] * exp(-2*pi*i*k*n/N), k = 0..N/2
// (the other half is the complex conjugate mirror and is not produced).
// Output layout: interleaved complex, out[2k] = Re X[k], out[2k+1] = Im X[k], N/2+1 bins = N+2
// floats; Im X[0] = Im X[N/2] = 0 exactly. Bin k is frequency k * sample_rate / N.
// Agreement: the transform is a fixed sequence of IEEE float operations (tmf_dsp is compiled with
// -ffp-contract=off), so with the same twiddle table it gives the same bits on every platform. The
// table comes from the platform's sinf/cosf, which differ by ulps between libms; DSP_FEATURES
// therefore carries the host's table in the model file (tested against a double-precision DFT).
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

// X = DFT(window * in), elementwise product: bit for bit what window_apply followed by
// fft_real_forward gives, in one pass (the products go straight to their bit-reversed places).
// window and in have plan->n floats, out plan->n + 2; out must not overlap window or in.
// Errors: kErrNullArgument, kErrNotInitialized.
DspStatus fft_real_forward_windowed(const FftPlan* plan, const float* window, const float* in,
                                    float* out);

}  // namespace tmf::dsp
