// Real FFT: N/2-point radix-2 decimation-in-time complex FFT on z[m] = x[2m] + i*x[2m+1], then the
// split X[k] = E[k] + W^k O[k] with E, O the transforms of the even and odd samples.
#include "device/dsp/fft.h"

#include <math.h>
#include <string.h>

namespace tmf::dsp {
namespace {

constexpr float kTwoPi = 6.28318530717958647692f;

// cos and sin of 2*pi*k/n for k in [0, n/2), n a power of two >= 8. Only angles in the first
// octant reach cosf/sinf; the rest follow by symmetry, so the table is exactly symmetric and
// cos(pi/2) is exactly 0.
void unit_circle_point(uint32_t k, uint32_t n, float* c, float* s) {
  bool negate_cos = false;
  if (4 * k > n) {  // theta -> pi - theta
    k = n / 2 - k;
    negate_cos = true;
  }
  bool swap = false;
  if (8 * k > n) {  // theta -> pi/2 - theta
    k = n / 4 - k;
    swap = true;
  }
  const float angle = kTwoPi * (static_cast<float>(k) / static_cast<float>(n));
  float cv = cosf(angle);
  float sv = sinf(angle);
  if (swap) {
    const float t = cv;
    cv = sv;
    sv = t;
  }
  *c = negate_cos ? -cv : cv;
  *s = sv;
}

// Index bits of i reversed within log2(m) bits (RBIT where the core has it).
uint32_t reverse_bits(uint32_t i, uint32_t shift) {
#if defined(__ARM_ARCH_ISA_THUMB) && __ARM_ARCH_ISA_THUMB >= 2
  uint32_t r;
  __asm__("rbit %0, %1" : "=r"(r) : "r"(i));
  return r >> shift;
#else
  i = ((i >> 1) & 0x55555555u) | ((i & 0x55555555u) << 1);
  i = ((i >> 2) & 0x33333333u) | ((i & 0x33333333u) << 2);
  i = ((i >> 4) & 0x0F0F0F0Fu) | ((i & 0x0F0F0F0Fu) << 4);
  i = ((i >> 8) & 0x00FF00FFu) | ((i & 0x00FF00FFu) << 8);
  return ((i >> 16) | (i << 16)) >> shift;
#endif
}

// 32 - log2(m) for m a power of two.
uint32_t reverse_shift(uint32_t m) {
  uint32_t bits = 0;
  while ((1u << bits) < m) ++bits;
  return 32u - bits;
}

// In-place bit-reversal permutation of m complex values (m a power of two).
void bit_reverse_permute(float* z, uint32_t m) {
  const uint32_t shift = reverse_shift(m);
  for (uint32_t i = 1; i + 1 < m; ++i) {
    const uint32_t j = reverse_bits(i, shift);
    if (i < j) {
      const float re = z[2 * i];
      const float im = z[2 * i + 1];
      z[2 * i] = z[2 * j];
      z[2 * i + 1] = z[2 * j + 1];
      z[2 * j] = re;
      z[2 * j + 1] = im;
    }
  }
}

// One radix-2 butterfly on a = z[p], b = z[p + half] with twiddle W = c - i s (c, s from the
// table): t = W b, b = a - t, a = a + t. With w = (c, -s) this is tr = c*b0 - (-s)*b1 and
// ti = c*b1 + (-s)*b0; negating a factor negates the product exactly and x - (-y) is x + y in
// IEEE arithmetic, so the forms below round identically.
inline void butterfly(float* a, float* b, float c, float s) {
  const float a0 = a[0], a1 = a[1], b0 = b[0], b1 = b[1];
  const float tr = c * b0 + s * b1;
  const float ti = c * b1 - s * b0;
  b[0] = a0 - tr;
  b[1] = a1 - ti;
  a[0] = a0 + tr;
  a[1] = a1 + ti;
}

// Stage `half` alone: butterflies (start + j, start + j + half), W = W_n^(j * n / (2 half)).
void radix2_stage(float* z, uint32_t m, const float* twiddle, uint32_t half) {
  const uint32_t n = 2 * m;
  const uint32_t step = n / (2 * half);
  if (half >= m / (2 * half)) {  // few groups: twiddles per butterfly, long j loops
    for (uint32_t start = 0; start < m; start += 2 * half) {
      float* a = z + 2 * start;
      const float* w = twiddle;
      for (uint32_t j = 0; j < half; ++j, a += 2, w += 2 * step) butterfly(a, a + 2 * half, w[0], w[1]);
    }
    return;
  }
  for (uint32_t j = 0; j < half; ++j) {
    const float c = twiddle[2 * j * step];
    const float s = twiddle[2 * j * step + 1];
    for (uint32_t start = j; start < m; start += 2 * half) {
      butterfly(z + 2 * start, z + 2 * (start + half), c, s);
    }
  }
}

// Stages `half` and `2 half` in one pass over groups of 4 half values: the same butterflies as
// two radix2_stage calls (each value sees the same operations on the same operands), with half
// the loads and stores. p = start + j: (p, p+h) and (p+2h, p+3h) with W_n^(j n / 2h), then
// (p, p+2h) with W_n^(j n / 4h) and (p+h, p+3h) with W_n^((j + h) n / 4h).
void radix2_two_stages(float* z, uint32_t m, const float* twiddle, uint32_t half) {
  const uint32_t n = 2 * m;
  const uint32_t step1 = n / (2 * half);
  const uint32_t step2 = n / (4 * half);
  const uint32_t h2 = 2 * half;  // floats between p and p + half
  for (uint32_t j = 0; j < half; ++j) {
    const float c1 = twiddle[2 * j * step1], s1 = twiddle[2 * j * step1 + 1];
    const float c2 = twiddle[2 * j * step2], s2 = twiddle[2 * j * step2 + 1];
    const float c3 = twiddle[2 * (j + half) * step2], s3 = twiddle[2 * (j + half) * step2 + 1];
    for (uint32_t start = j; start < m; start += 4 * half) {
      float* p0 = z + 2 * start;
      float* p1 = p0 + h2;
      float* p2 = p1 + h2;
      float* p3 = p2 + h2;
      const float x0r = p0[0], x0i = p0[1], x1r = p1[0], x1i = p1[1];
      const float x2r = p2[0], x2i = p2[1], x3r = p3[0], x3i = p3[1];
      // Stage half.
      const float t1r = c1 * x1r + s1 * x1i, t1i = c1 * x1i - s1 * x1r;
      const float t3r = c1 * x3r + s1 * x3i, t3i = c1 * x3i - s1 * x3r;
      const float y0r = x0r + t1r, y0i = x0i + t1i, y1r = x0r - t1r, y1i = x0i - t1i;
      const float y2r = x2r + t3r, y2i = x2i + t3i, y3r = x2r - t3r, y3i = x2i - t3i;
      // Stage 2 half.
      const float u2r = c2 * y2r + s2 * y2i, u2i = c2 * y2i - s2 * y2r;
      const float u3r = c3 * y3r + s3 * y3i, u3i = c3 * y3i - s3 * y3r;
      p0[0] = y0r + u2r;
      p0[1] = y0i + u2i;
      p2[0] = y0r - u2r;
      p2[1] = y0i - u2i;
      p1[0] = y1r + u3r;
      p1[1] = y1i + u3i;
      p3[0] = y1r - u3r;
      p3[1] = y1i - u3i;
    }
  }
}

// In-place m-point complex forward FFT of bit-reversed input; twiddle holds W_n^k for n = 2m.
void complex_fft_butterflies(float* z, uint32_t m, const float* twiddle) {
  uint32_t half = 1;
  for (; 4 * half <= m; half *= 4) radix2_two_stages(z, m, twiddle, half);
  if (half < m) radix2_stage(z, m, twiddle, half);
}

}  // namespace

bool fft_length_is_valid(uint32_t n) {
  return n >= kFftMinLength && n <= kFftMaxLength && (n & (n - 1)) == 0;
}

uint32_t fft_plan_bytes(uint32_t n) {
  return fft_length_is_valid(n) ? n * static_cast<uint32_t>(sizeof(float)) : 0;
}

DspStatus fft_plan_init(FftPlan* plan, uint32_t n, void* memory, uint32_t memory_bytes) {
  if (plan == nullptr) return DspStatus::kErrNullArgument;
  plan->n = 0;
  plan->twiddle = nullptr;
  if (memory == nullptr) return DspStatus::kErrNullArgument;
  if (!fft_length_is_valid(n)) return DspStatus::kErrBadLength;
  if (reinterpret_cast<uintptr_t>(memory) % alignof(float) != 0) {
    return DspStatus::kErrWorkMisaligned;
  }
  if (memory_bytes < fft_plan_bytes(n)) return DspStatus::kErrWorkTooSmall;
  float* twiddle = static_cast<float*>(memory);
  for (uint32_t k = 0; k < n / 2; ++k) {
    unit_circle_point(k, n, &twiddle[2 * k], &twiddle[2 * k + 1]);
  }
  plan->n = n;
  plan->twiddle = twiddle;
  return DspStatus::kOk;
}

namespace {

bool plan_is_ready(const FftPlan* plan) {
  return fft_length_is_valid(plan->n) && plan->twiddle != nullptr;
}

// The complex FFT of the bit-reversed z = out, then the split into the real transform.
void transform_bit_reversed(const FftPlan* plan, float* out) {
  const uint32_t m = plan->n / 2;
  const float* tw = plan->twiddle;
  complex_fft_butterflies(out, m, tw);

  // Split. Z[k] and Z[m-k] give X[k] and X[m-k]; X[0] and X[m] both come from Z[0].
  const float z0r = out[0];
  const float z0i = out[1];
  out[0] = z0r + z0i;
  out[1] = 0.0f;
  out[2 * m] = z0r - z0i;
  out[2 * m + 1] = 0.0f;
  for (uint32_t k = 1; k <= m / 2; ++k) {
    const float ar = out[2 * k];
    const float ai = out[2 * k + 1];
    const float br = out[2 * (m - k)];
    const float bi = out[2 * (m - k) + 1];
    const float er = 0.5f * (ar + br);   // E[k] = (Z[k] + conj Z[m-k]) / 2
    const float ei = 0.5f * (ai - bi);
    const float or_ = 0.5f * (ai + bi);  // O[k] = (Z[k] - conj Z[m-k]) / 2i
    const float oi = -0.5f * (ar - br);
    const float c = tw[2 * k];           // W_N^k = c - i s
    const float s = tw[2 * k + 1];
    const float tr = c * or_ + s * oi;   // W_N^k O[k]
    const float ti = c * oi - s * or_;
    out[2 * k] = er + tr;                // X[k] = E + W O
    out[2 * k + 1] = ei + ti;
    out[2 * (m - k)] = er - tr;          // X[m-k] = conj(E - W O)
    out[2 * (m - k) + 1] = -(ei - ti);
  }
}

}  // namespace

DspStatus fft_real_forward(const FftPlan* plan, const float* in, float* out) {
  if (plan == nullptr || in == nullptr || out == nullptr) return DspStatus::kErrNullArgument;
  if (!plan_is_ready(plan)) return DspStatus::kErrNotInitialized;
  const uint32_t n = plan->n;
  // The interleaved complex view of x is x itself: z[j] = x[2j] + i x[2j+1].
  if (in != out) memmove(out, in, n * sizeof(float));
  bit_reverse_permute(out, n / 2);
  transform_bit_reversed(plan, out);
  return DspStatus::kOk;
}

DspStatus fft_real_forward_windowed(const FftPlan* plan, const float* window, const float* in,
                                    float* out) {
  if (plan == nullptr || window == nullptr || in == nullptr || out == nullptr) {
    return DspStatus::kErrNullArgument;
  }
  if (!plan_is_ready(plan)) return DspStatus::kErrNotInitialized;
  const uint32_t m = plan->n / 2;
  const uint32_t shift = reverse_shift(m);
  // z[j] = x[2j] w[2j] + i x[2j+1] w[2j+1], written straight to its bit-reversed place.
  for (uint32_t i = 0; i < m; ++i) {
    const uint32_t j = reverse_bits(i, shift);
    const float re = in[2 * i] * window[2 * i];
    const float im = in[2 * i + 1] * window[2 * i + 1];
    out[2 * j] = re;
    out[2 * j + 1] = im;
  }
  transform_bit_reversed(plan, out);
  return DspStatus::kOk;
}

}  // namespace tmf::dsp
