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

// In-place bit-reversal permutation of m complex values (m a power of two).
void bit_reverse_permute(float* z, uint32_t m) {
  uint32_t j = 0;
  for (uint32_t i = 0; i + 1 < m; ++i) {
    if (i < j) {
      const float re = z[2 * i];
      const float im = z[2 * i + 1];
      z[2 * i] = z[2 * j];
      z[2 * i + 1] = z[2 * j + 1];
      z[2 * j] = re;
      z[2 * j + 1] = im;
    }
    uint32_t bit = m >> 1;
    while (j & bit) {
      j ^= bit;
      bit >>= 1;
    }
    j |= bit;
  }
}

// In-place m-point complex forward FFT of bit-reversed input; twiddle holds W_n^k for n = 2m.
void complex_fft_butterflies(float* z, uint32_t m, const float* twiddle) {
  const uint32_t n = 2 * m;
  for (uint32_t half = 1; half < m; half <<= 1) {
    const uint32_t step = n / (2 * half);  // W_{2*half}^j = W_n^{j*step}
    for (uint32_t j = 0; j < half; ++j) {
      const float wr = twiddle[2 * j * step];
      const float wi = -twiddle[2 * j * step + 1];
      for (uint32_t start = 0; start < m; start += 2 * half) {
        float* a = z + 2 * (start + j);
        float* b = z + 2 * (start + j + half);
        const float tr = wr * b[0] - wi * b[1];
        const float ti = wr * b[1] + wi * b[0];
        b[0] = a[0] - tr;
        b[1] = a[1] - ti;
        a[0] += tr;
        a[1] += ti;
      }
    }
  }
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

DspStatus fft_real_forward(const FftPlan* plan, const float* in, float* out) {
  if (plan == nullptr || in == nullptr || out == nullptr) return DspStatus::kErrNullArgument;
  if (!fft_length_is_valid(plan->n) || plan->twiddle == nullptr) {
    return DspStatus::kErrNotInitialized;
  }
  const uint32_t n = plan->n;
  const uint32_t m = n / 2;
  const float* tw = plan->twiddle;
  // The interleaved complex view of x is x itself: z[j] = x[2j] + i x[2j+1].
  if (in != out) memmove(out, in, n * sizeof(float));
  bit_reverse_permute(out, m);
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
  return DspStatus::kOk;
}

}  // namespace tmf::dsp
