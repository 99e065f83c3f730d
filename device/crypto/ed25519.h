// Ed25519 signature verification (RFC 8032 section 5.1.7), freestanding C++17 for bare-metal
// firmware: no heap, no global state or constructors, no libc beyond memcpy/memset.
//
// Policy: exactly libsodium 1.0.18's crypto_sign_verify_detached (the host signs and checks with
// it; tests/crypto/ed25519_differential_test.cc holds the two to the same verdict on every input):
//   1. S must be canonical: S < L. (S + L is refused: no malleability.)
//   2. R is refused when its y, read as a 255-bit integer modulo p, is the y of a point of small
//      order (1, 2, 4 or 8): y mod p in {0, 1, p-1, +-y8}, whatever the sign bit, including the
//      non-canonical spellings p and p+1 of 0 and 1.
//   3. A is refused when its y is non-canonical (y >= p), when it is small-order as in 2, or when
//      it does not decode to a curve point. A of mixed order (prime-order point + a small-order one)
//      is accepted like any other key.
//   4. The equation is cofactorless: with k = SHA-512(R || A || M) mod L, the signature is valid
//      exactly when the canonical encoding of [S]B - [k]A equals the 32 bytes of R. So an R that is
//      not a canonical encoding (y >= p, or x = 0 with the sign bit set) never verifies.
// Cost (measured, docs/crypto.md): about 1.3 million instructions per verification on Cortex-M4,
// variable time (every input is public). Stack: see kEd25519VerifyStackBytes.
#pragma once

#include <stdint.h>

namespace tmf::crypto {

// Deepest stack use of one ed25519_verify measured under QEMU (tests/crypto/qemu_crypto_tests.cc
// prints it), rounded up to 64 bytes: Cortex-M0 build, the largest of the cores measured.
constexpr uint32_t kEd25519VerifyStackBytes = 2560;

enum class Ed25519Result : uint8_t {
  kEd25519Ok = 0,
  kEd25519SNotCanonical,    // S >= L
  kEd25519RSmallOrder,      // R is the encoding of a small-order point's y
  kEd25519KeyNotCanonical,  // A's y >= p
  kEd25519KeySmallOrder,    // A is a small-order point's y
  kEd25519KeyNotOnCurve,    // A does not decode
  kEd25519Mismatch,         // [S]B - [k]A does not encode to R: wrong key, message or signature
};

const char* to_string(Ed25519Result result);

// The verdict and its reason. `message` may be null when `message_bytes` is 0.
Ed25519Result ed25519_check(const uint8_t signature[64], const uint8_t* message, uint32_t message_bytes,
                            const uint8_t public_key[32]);

// RFC 8032 Ed25519 verification with the policy above: true when the signature is valid.
bool ed25519_verify(const uint8_t signature[64], const uint8_t* message, uint32_t message_bytes,
                    const uint8_t public_key[32]);

}  // namespace tmf::crypto
