// Arithmetic modulo p = 2^255 - 19 for Ed25519 verification (internal to device/crypto).
//
// Representation: ten signed 32-bit limbs in radix 2^25.5, limb i weighing 2^ceil(25.5 i) (26 bits
// for even i, 25 for odd i). A product of two limbs is a 32x32->64 multiply, so the compiler emits
// SMULL/SMLAL on Cortex-M3/M4/M7/M33 and a library multiply on Cortex-M0 (MULS is 32x32->32 only);
// the same C is correct on every core and on the host.
// Invariant for every Fe the functions below take or return: |limb| <= 2^26 + 2^15. Then the
// largest product term (2 f_i)(19 g_j) stays below 2^57.5, and the ten-term sums below 2^61.
// Every function is variable-time: the verifier only handles public data.
#pragma once

#include <stdint.h>

namespace tmf::crypto::detail {

struct Fe {
  int32_t v[10];
};

void fe_zero(Fe* h);
void fe_one(Fe* h);
// Reads 255 bits (bit 255, the sign bit of a point encoding, is ignored); not reduced: values
// p..2^255-1 are accepted as they are (they are congruent to 0..18).
void fe_frombytes(Fe* h, const uint8_t s[32]);
// Writes the canonical encoding: the unique value in [0, p), little-endian, bit 255 clear.
void fe_tobytes(uint8_t s[32], const Fe* h);
void fe_add(Fe* h, const Fe* f, const Fe* g);
void fe_sub(Fe* h, const Fe* f, const Fe* g);
void fe_neg(Fe* h, const Fe* f);
void fe_mul(Fe* h, const Fe* f, const Fe* g);
void fe_sq(Fe* h, const Fe* f);
void fe_invert(Fe* h, const Fe* z);           // z^(p-2); 0 maps to 0
void fe_pow_p58(Fe* h, const Fe* z);          // z^((p-5)/8), for square roots
bool fe_is_zero(const Fe* f);                 // f == 0 mod p
bool fe_is_negative(const Fe* f);             // the canonical value is odd (RFC 8032 "x_0")
bool fe_equal(const Fe* f, const Fe* g);      // f == g mod p

}  // namespace tmf::crypto::detail
