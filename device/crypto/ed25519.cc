// Ed25519 verification with libsodium's policy (see ed25519.h).
#include "device/crypto/ed25519.h"

#include "device/crypto/fe25519.h"
#include "device/crypto/ge25519.h"
#include "device/crypto/sc25519.h"
#include "device/crypto/sha512.h"

namespace tmf::crypto {
namespace {

using detail::Fe;
using detail::GeP3;

// Canonical y of the points of order 1, 2, 4 and 8 (facts of the curve, checked by
// tests/crypto/ed25519_internal_test.cc): 0 (order 4), 1 (order 1), p - 1 (order 2), and y8 and
// p - y8 (order 8).
constexpr uint8_t kSmallOrderY[5][32] = {
    {0},
    {1},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
     0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
     0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
};

bool bytes_equal(const uint8_t* a, const uint8_t* b, int n) {
  uint8_t diff = 0;
  for (int i = 0; i < n; ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

// y (bit 255 ignored) reduced mod p is the y of a small-order point.
bool has_small_order_y(const uint8_t s[32]) {
  Fe y;
  detail::fe_frombytes(&y, s);
  uint8_t canonical[32];
  detail::fe_tobytes(canonical, &y);
  for (const auto& small : kSmallOrderY) {
    if (bytes_equal(canonical, small, 32)) return true;
  }
  return false;
}

// y < p, i.e. y is not one of p .. 2^255 - 1 (bit 255 ignored).
bool is_canonical_y(const uint8_t s[32]) {
  if ((s[31] & 0x7f) != 0x7f) return true;
  for (int i = 30; i > 0; --i) {
    if (s[i] != 0xff) return true;
  }
  return s[0] < 0xed;
}

}  // namespace

const char* to_string(Ed25519Result result) {
  switch (result) {
    case Ed25519Result::kEd25519Ok: return "ok";
    case Ed25519Result::kEd25519SNotCanonical: return "signature S is not below the group order";
    case Ed25519Result::kEd25519RSmallOrder: return "signature R is a small-order point";
    case Ed25519Result::kEd25519KeyNotCanonical: return "public key is not a canonical encoding";
    case Ed25519Result::kEd25519KeySmallOrder: return "public key is a small-order point";
    case Ed25519Result::kEd25519KeyNotOnCurve: return "public key is not a curve point";
    case Ed25519Result::kEd25519Mismatch: return "signature does not match key and message";
  }
  return "unknown Ed25519 result";
}

Ed25519Result ed25519_check(const uint8_t signature[64], const uint8_t* message, uint32_t message_bytes,
                            const uint8_t public_key[32]) {
  const uint8_t* r_bytes = signature;
  const uint8_t* s_bytes = signature + 32;
  if (!detail::sc_is_canonical(s_bytes)) return Ed25519Result::kEd25519SNotCanonical;
  if (has_small_order_y(r_bytes)) return Ed25519Result::kEd25519RSmallOrder;
  if (!is_canonical_y(public_key)) return Ed25519Result::kEd25519KeyNotCanonical;
  if (has_small_order_y(public_key)) return Ed25519Result::kEd25519KeySmallOrder;
  GeP3 a;
  if (!detail::ge_frombytes(&a, public_key)) return Ed25519Result::kEd25519KeyNotOnCurve;
  detail::ge_neg(&a, &a);

  uint8_t k[64];
  {
    Sha512 hash;
    sha512_init(&hash);
    sha512_update(&hash, r_bytes, 32);
    sha512_update(&hash, public_key, 32);
    sha512_update(&hash, message, message_bytes);
    sha512_final(&hash, k);
  }
  uint8_t k_reduced[32];
  detail::sc_reduce512(k_reduced, k);

  GeP3 r_check;
  detail::ge_double_scalarmult_base_vartime(&r_check, k_reduced, &a, s_bytes);
  uint8_t r_encoded[32];
  detail::ge_tobytes(r_encoded, &r_check);
  return bytes_equal(r_encoded, r_bytes, 32) ? Ed25519Result::kEd25519Ok : Ed25519Result::kEd25519Mismatch;
}

bool ed25519_verify(const uint8_t signature[64], const uint8_t* message, uint32_t message_bytes,
                    const uint8_t public_key[32]) {
  return ed25519_check(signature, message, message_bytes, public_key) == Ed25519Result::kEd25519Ok;
}

}  // namespace tmf::crypto
