// The Ed25519 group (twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2 over GF(2^255 - 19)),
// internal to device/crypto: decoding, encoding and the double-base scalar multiplication that
// verification needs. Formulas: Hisil, Wong, Carter, Dawson, "Twisted Edwards curves revisited"
// (2008), extended coordinates with a = -1, as RFC 8032 section 5.1.4 also uses.
#pragma once

#include <stdint.h>

#include "device/crypto/fe25519.h"

namespace tmf::crypto::detail {

// Extended coordinates: x = X/Z, y = Y/Z, x y = T/Z.
struct GeP3 {
  Fe X, Y, Z, T;
};

void ge_identity(GeP3* r);
// RFC 8032 section 5.1.3 decoding of a 32-byte string; false if x^2 has no square root, or if x = 0
// with the sign bit set. y is read modulo p as it stands (callers check y < p when they must).
bool ge_frombytes(GeP3* r, const uint8_t s[32]);
// RFC 8032 section 5.1.2 encoding (canonical y, sign of x in bit 255).
void ge_tobytes(uint8_t s[32], const GeP3* p);
void ge_add(GeP3* r, const GeP3* p, const GeP3* q);
void ge_double(GeP3* r, const GeP3* p);
void ge_neg(GeP3* r, const GeP3* p);
// r = a A + b B, B the base point, a and b below 2^253 (32-byte little-endian), variable time.
void ge_double_scalarmult_base_vartime(GeP3* r, const uint8_t a[32], const GeP3* A, const uint8_t b[32]);

}  // namespace tmf::crypto::detail
