// Scalar arithmetic mod L: only what verification needs (range check, reduction, wNAF), done
// with 32-bit words and no multiplication, so it costs the same on every core.
#include "device/crypto/sc25519.h"

namespace tmf::crypto::detail {
namespace {

// L, little-endian 32-bit words.
constexpr uint32_t kL[8] = {0x5cf5d3ed, 0x5812631a, 0xa2f79cd6, 0x14def9de,
                            0x00000000, 0x00000000, 0x00000000, 0x10000000};

inline uint32_t load_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

// a >= L, comparing from the top word.
bool geq_l(const uint32_t a[8]) {
  for (int i = 7; i >= 0; --i) {
    if (a[i] != kL[i]) return a[i] > kL[i];
  }
  return true;
}

void sub_l(uint32_t a[8]) {
  uint32_t borrow = 0;
  for (int i = 0; i < 8; ++i) {
    const uint32_t x = a[i];
    const uint32_t r = x - kL[i] - borrow;
    borrow = (x < kL[i] || (x == kL[i] && borrow)) ? 1 : 0;
    a[i] = r;
  }
}

}  // namespace

bool sc_is_canonical(const uint8_t s[32]) {
  uint32_t a[8];
  for (int i = 0; i < 8; ++i) a[i] = load_le32(s + 4 * i);
  return !geq_l(a);
}

// Bit-serial reduction, most significant bit first: r = 2r + bit, then r < 2L, so one conditional
// subtraction keeps r < L. 512 steps of word shifts: a few ten thousand instructions, under 3% of
// a verification, and no multiplier needed.
void sc_reduce512(uint8_t out[32], const uint8_t h[64]) {
  uint32_t r[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int bit = 511; bit >= 0; --bit) {
    const uint32_t in = (h[bit >> 3] >> (bit & 7)) & 1;
    for (int i = 7; i > 0; --i) r[i] = (r[i] << 1) | (r[i - 1] >> 31);
    r[0] = (r[0] << 1) | in;
    if (geq_l(r)) sub_l(r);
  }
  for (int i = 0; i < 8; ++i) {
    out[4 * i + 0] = static_cast<uint8_t>(r[i]);
    out[4 * i + 1] = static_cast<uint8_t>(r[i] >> 8);
    out[4 * i + 2] = static_cast<uint8_t>(r[i] >> 16);
    out[4 * i + 3] = static_cast<uint8_t>(r[i] >> 24);
  }
}

// The textbook recoding: while k > 0, if k is odd take the digit d = k mods 2^w (the signed
// residue), k -= d; then halve k. k < 2^253 has at most 254 digits; k never exceeds 2^253 + 2^(w-1).
void sc_wnaf(int8_t naf[256], const uint8_t s[32], int w) {
  uint32_t k[9];
  for (int i = 0; i < 8; ++i) k[i] = load_le32(s + 4 * i);
  k[8] = 0;
  const int32_t window = 1 << w;
  for (int i = 0; i < 256; ++i) {
    int32_t digit = 0;
    if (k[0] & 1) {
      digit = static_cast<int32_t>(k[0] & static_cast<uint32_t>(window - 1));
      if (digit >= window / 2) digit -= window;
      // k -= digit, as multiword arithmetic (digit is odd, |digit| < 2^(w-1)).
      if (digit > 0) {
        uint32_t borrow = static_cast<uint32_t>(digit);
        for (int j = 0; j < 9 && borrow; ++j) {
          const uint32_t x = k[j];
          k[j] = x - borrow;
          borrow = x < borrow ? 1 : 0;
        }
      } else {
        uint32_t add = static_cast<uint32_t>(-digit);
        for (int j = 0; j < 9 && add; ++j) {
          k[j] += add;
          add = k[j] < add ? 1 : 0;
        }
      }
    }
    naf[i] = static_cast<int8_t>(digit);
    for (int j = 0; j < 8; ++j) k[j] = (k[j] >> 1) | (k[j + 1] << 31);
    k[8] >>= 1;
  }
}

}  // namespace tmf::crypto::detail
