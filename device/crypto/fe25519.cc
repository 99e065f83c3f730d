// Field arithmetic mod 2^255 - 19 in radix 2^25.5 (see fe25519.h for the limb bounds).
#include "device/crypto/fe25519.h"

namespace tmf::crypto::detail {
namespace {

// Bit offset and width of limb i: offsets ceil(25.5 i).
constexpr int kOffset[10] = {0, 26, 51, 77, 102, 128, 153, 179, 204, 230};
constexpr int kWidth[10] = {26, 25, 26, 25, 26, 25, 26, 25, 26, 25};

// Carries every limb into the next (floor division: limbs end in [0, 2^w) except limb 1, which
// keeps the second carry out of limb 0) and folds the carry out of limb 9 back into limb 0 times
// 19 (2^255 = 19 mod p). Input limbs up to 2^62 in magnitude: the carry out of limb 9 is below 2^37,
// 19 times that below 2^42, so limb 0's second carry is below 2^16 and limb 1 ends in
// (-2^16, 2^25 + 2^16): within the invariant.
template <typename T>
inline void carry(Fe* h, T t[10]) {
#pragma GCC unroll 10
  for (int i = 0; i < 9; ++i) {
    const T c = t[i] >> kWidth[i];
    t[i + 1] += c;
    t[i] -= c * (static_cast<T>(1) << kWidth[i]);
  }
  const T c9 = t[9] >> 25;
  t[9] -= c9 * (static_cast<T>(1) << 25);
  t[0] += 19 * c9;
  const T c0 = t[0] >> 26;
  t[0] -= c0 * (static_cast<T>(1) << 26);
  t[1] += c0;
#pragma GCC unroll 10
  for (int i = 0; i < 10; ++i) h->v[i] = static_cast<int32_t>(t[i]);
}

inline uint32_t load_bits(const uint8_t s[32], int offset, int width) {
  uint64_t word = 0;
  const int first = offset >> 3;
  for (int i = 0; i < 5 && first + i < 32; ++i) word |= static_cast<uint64_t>(s[first + i]) << (8 * i);
  return static_cast<uint32_t>(word >> (offset & 7)) & ((1u << width) - 1);
}

void square_times(Fe* h, const Fe* f, int n) {
  fe_sq(h, f);
  for (int i = 1; i < n; ++i) fe_sq(h, h);
}

// z^(2^250 - 1) and z^11: the common head of the inversion and square-root exponents.
void pow_2_250_minus_1(Fe* out, Fe* z11, const Fe* z) {
  Fe z2, z9, t, z_5_0, z_10_0, z_20_0, z_50_0, z_100_0;
  fe_sq(&z2, z);                      // 2
  square_times(&t, &z2, 2);           // 8
  fe_mul(&z9, &t, z);                 // 9
  fe_mul(z11, &z9, &z2);              // 11
  fe_sq(&t, z11);                     // 22
  fe_mul(&z_5_0, &t, &z9);            // 2^5 - 1
  square_times(&t, &z_5_0, 5);
  fe_mul(&z_10_0, &t, &z_5_0);        // 2^10 - 1
  square_times(&t, &z_10_0, 10);
  fe_mul(&z_20_0, &t, &z_10_0);       // 2^20 - 1
  square_times(&t, &z_20_0, 20);
  fe_mul(&t, &t, &z_20_0);            // 2^40 - 1
  square_times(&t, &t, 10);
  fe_mul(&z_50_0, &t, &z_10_0);       // 2^50 - 1
  square_times(&t, &z_50_0, 50);
  fe_mul(&z_100_0, &t, &z_50_0);      // 2^100 - 1
  square_times(&t, &z_100_0, 100);
  fe_mul(&t, &t, &z_100_0);           // 2^200 - 1
  square_times(&t, &t, 50);
  fe_mul(out, &t, &z_50_0);           // 2^250 - 1
}

}  // namespace

void fe_zero(Fe* h) {
  for (int i = 0; i < 10; ++i) h->v[i] = 0;
}

void fe_one(Fe* h) {
  fe_zero(h);
  h->v[0] = 1;
}

void fe_frombytes(Fe* h, const uint8_t s[32]) {
  for (int i = 0; i < 10; ++i) h->v[i] = static_cast<int32_t>(load_bits(s, kOffset[i], kWidth[i]));
}

void fe_tobytes(uint8_t s[32], const Fe* h) {
  // Carry until every limb is in [0, 2^w): the value is then in [0, 2^255).
  int32_t t[10];
  for (int i = 0; i < 10; ++i) t[i] = h->v[i];
  for (;;) {
    for (int i = 0; i < 9; ++i) {
      const int32_t c = t[i] >> kWidth[i];
      t[i + 1] += c;
      t[i] -= c * (1 << kWidth[i]);
    }
    const int32_t c9 = t[9] >> 25;
    t[9] -= c9 * (1 << 25);
    t[0] += 19 * c9;
    if (c9 == 0 && t[0] >= 0 && t[0] < (1 << 26)) break;
  }
  // value >= p exactly when value + 19 >= 2^255: then the result is value + 19 - 2^255.
  int32_t u[10];
  int32_t c = 19;
  for (int i = 0; i < 10; ++i) {
    u[i] = t[i] + c;
    c = u[i] >> kWidth[i];
    u[i] -= c * (1 << kWidth[i]);
  }
  const int32_t* r = c != 0 ? u : t;
  uint64_t acc = 0;
  int acc_bits = 0;
  int out = 0;
  for (int i = 0; i < 10; ++i) {
    acc |= static_cast<uint64_t>(static_cast<uint32_t>(r[i])) << acc_bits;
    acc_bits += kWidth[i];
    while (acc_bits >= 8) {
      s[out++] = static_cast<uint8_t>(acc);
      acc >>= 8;
      acc_bits -= 8;
    }
  }
  s[out] = static_cast<uint8_t>(acc);  // 255 bits: 31 full bytes, then the last 7 bits
}

void fe_add(Fe* h, const Fe* f, const Fe* g) {
  int32_t t[10];
  for (int i = 0; i < 10; ++i) t[i] = f->v[i] + g->v[i];
  carry(h, t);
}

void fe_sub(Fe* h, const Fe* f, const Fe* g) {
  int32_t t[10];
  for (int i = 0; i < 10; ++i) t[i] = f->v[i] - g->v[i];
  carry(h, t);
}

void fe_neg(Fe* h, const Fe* f) {
  for (int i = 0; i < 10; ++i) h->v[i] = -f->v[i];
}

// Schoolbook product: f_i g_j lands on limb i + j; when both i and j are odd the offsets add up
// to one bit more than limb i + j's (hence 2 f_i), and a term past limb 9 wraps with 19
// (2^255 = 19 mod p, hence 19 g_j).
void fe_mul(Fe* h, const Fe* f, const Fe* g) {
  int32_t f2[10], g19[10];
#pragma GCC unroll 10
  for (int i = 0; i < 10; ++i) {
    f2[i] = (i & 1) ? 2 * f->v[i] : f->v[i];
    g19[i] = 19 * g->v[i];
  }
  int64_t t[10];
#pragma GCC unroll 10
  for (int k = 0; k < 10; ++k) {
    int64_t acc = 0;
#pragma GCC unroll 10
    for (int i = 0; i < 10; ++i) {
      const int j = k >= i ? k - i : k - i + 10;
      const int32_t fi = ((i & j) & 1) ? f2[i] : f->v[i];
      const int32_t gj = k >= i ? g->v[j] : g19[j];
      acc += static_cast<int64_t>(fi) * gj;
    }
    t[k] = acc;
  }
  carry(h, t);
}

void fe_sq(Fe* h, const Fe* f) { fe_mul(h, f, f); }

void fe_invert(Fe* h, const Fe* z) {
  Fe t, z11;
  pow_2_250_minus_1(&t, &z11, z);
  square_times(&t, &t, 5);  // 2^255 - 2^5
  fe_mul(h, &t, &z11);      // 2^255 - 21 = p - 2
}

void fe_pow_p58(Fe* h, const Fe* z) {
  Fe t, z11;
  pow_2_250_minus_1(&t, &z11, z);
  square_times(&t, &t, 2);  // 2^252 - 4
  fe_mul(h, &t, z);         // 2^252 - 3 = (p - 5) / 8
}

bool fe_is_zero(const Fe* f) {
  uint8_t s[32];
  fe_tobytes(s, f);
  uint8_t any = 0;
  for (int i = 0; i < 32; ++i) any |= s[i];
  return any == 0;
}

bool fe_is_negative(const Fe* f) {
  uint8_t s[32];
  fe_tobytes(s, f);
  return (s[0] & 1) != 0;
}

bool fe_equal(const Fe* f, const Fe* g) {
  Fe d;
  fe_sub(&d, f, g);
  return fe_is_zero(&d);
}

}  // namespace tmf::crypto::detail
