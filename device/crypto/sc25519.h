// Scalars modulo the group order L = 2^252 + 27742317777372353535851937790883648493 (internal to
// device/crypto). Scalars are 32-byte little-endian strings, as in RFC 8032.
#pragma once

#include <stdint.h>

namespace tmf::crypto::detail {

// s < L (RFC 8032 section 5.1.7 step 1: "If ... S is not in the range 0 <= s < L, fail").
bool sc_is_canonical(const uint8_t s[32]);
// out = h mod L, h a 64-byte little-endian integer (a SHA-512 digest).
void sc_reduce512(uint8_t out[32], const uint8_t h[64]);
// Width-w non-adjacent form of s < 2^253: naf[i] is 0 or odd with |naf[i]| < 2^(w-1), at most one
// of any w consecutive digits is nonzero, and s = sum naf[i] 2^i. 2 <= w <= 7.
void sc_wnaf(int8_t naf[256], const uint8_t s[32], int w);

}  // namespace tmf::crypto::detail
