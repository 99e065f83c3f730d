// Edge cases of Ed25519 verification, each with the verdict libsodium's policy gives it
// (device/crypto/ed25519.h). Built from RFC 8032 TEST 1-3 and from facts of the curve (p, L, the
// small-order points, the base point), so the bare-metal image can run them without libsodium;
// the host test also holds libsodium to every verdict.
#pragma once

#include <stdint.h>
#include <string.h>

#include "device/crypto/ed25519.h"
#include "tests/crypto/crypto_vectors.h"

struct Ed25519EdgeCase {
  const char* group;
  uint32_t variant;
  uint8_t signature[64];
  uint8_t public_key[32];
  uint8_t message[2];
  uint32_t message_bytes;
  tmf::crypto::Ed25519Result expected;
};

namespace ed25519_edge {

using tmf::crypto::Ed25519Result;

// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
inline constexpr uint8_t kL[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                   0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                   0, 0, 0, 0x10};
// The y of the order-8 points, y8 and p - y8 (their x have either sign).
inline constexpr uint8_t kY8[32] = {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
                                    0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
                                    0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};
inline constexpr uint8_t kMinusY8[32] = {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
                                         0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
                                         0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a};

// out = a + b (256-bit little-endian, carry out dropped: callers keep sums below 2^256).
inline void add256(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]) {
  uint32_t carry = 0;
  for (int i = 0; i < 32; ++i) {
    carry += static_cast<uint32_t>(a[i]) + b[i];
    out[i] = static_cast<uint8_t>(carry);
    carry >>= 8;
  }
}

// y + p for y in 0..18 (the non-canonical encodings: 2^255 - 19 + y < 2^255), sign bit as given.
inline void non_canonical_y(uint8_t out[32], uint32_t y, bool sign) {
  memset(out, 0xff, 32);
  out[0] = static_cast<uint8_t>(0xed + y);
  out[31] = sign ? 0xff : 0x7f;
}

// Encodings of the 8 points of order dividing 8 (i = 0..7), and i = 8: the identity's y with the
// sign bit set (x = 0 cannot be negative: not a valid encoding, still small-order by its y).
inline void small_order_point(uint8_t out[32], uint32_t i) {
  memset(out, 0, 32);
  switch (i) {
    case 0: out[0] = 1; break;                            // identity (order 1)
    case 1: memset(out, 0xff, 32); out[0] = 0xec; out[31] = 0x7f; break;  // (0, -1), order 2
    case 2: break;                                        // (sqrt(-1), 0) or its negative, order 4
    case 3: out[31] = 0x80; break;                        // the other order-4 point
    case 4: memcpy(out, kY8, 32); break;                  // order 8
    case 5: memcpy(out, kY8, 32); out[31] |= 0x80; break;
    case 6: memcpy(out, kMinusY8, 32); break;
    case 7: memcpy(out, kMinusY8, 32); out[31] |= 0x80; break;
    default: out[0] = 1; out[31] = 0x80; break;
  }
}

struct Group {
  const char* name;
  uint32_t count;
};

inline constexpr Group kGroups[] = {
    {"rfc8032 valid", 3},                // TEST 1-3 as published
    {"S >= L", 3 * 5},                   // S+L, S+2L, L, 2^256-1, and L-1 (canonical, wrong)
    {"R non-canonical y+p", 19 * 2},     // y = 0..18, both signs
    {"R small order", 9},
    {"R not on curve", 4},               // y = 2, 7, 8, 11
    {"A non-canonical y+p", 19 * 2},
    {"A small order", 9},
    {"A small order, [S]B = R", 2},      // A = identity or (0,-1), R = B, S = 1: only the policy refuses
    {"A not on curve", 8},               // y = 2, 7, 8, 11, both signs
};

}  // namespace ed25519_edge

inline uint32_t ed25519_edge_case_count() {
  uint32_t n = 0;
  for (const auto& g : ed25519_edge::kGroups) n += g.count;
  return n;
}

// Fills case `index` (0 .. ed25519_edge_case_count() - 1); false if out of range.
inline bool ed25519_edge_case(uint32_t index, Ed25519EdgeCase* c) {
  using namespace ed25519_edge;
  uint32_t group = 0;
  while (group < sizeof kGroups / sizeof kGroups[0] && index >= kGroups[group].count) {
    index -= kGroups[group].count;
    ++group;
  }
  if (group == sizeof kGroups / sizeof kGroups[0]) return false;
  c->group = kGroups[group].name;
  c->variant = index;
  // Start from a valid vector: TEST 1 unless the group varies the vector.
  const uint32_t vector = group <= 1 ? index % 3 : 0;
  const Ed25519Vector& v = kRfc8032Vectors[vector];
  crypto_test_hex(v.signature_hex, c->signature, 64);
  crypto_test_hex(v.public_key_hex, c->public_key, 32);
  c->message_bytes = static_cast<uint32_t>(crypto_test_hex(v.message_hex, c->message, 2));
  uint8_t* r = c->signature;
  uint8_t* s = c->signature + 32;
  const uint32_t nonsquare_y[4] = {2, 7, 8, 11};
  switch (group) {
    case 0:
      c->expected = Ed25519Result::kEd25519Ok;
      break;
    case 1: {
      const uint32_t kind = index / 3;
      uint8_t tmp[32];
      c->expected = Ed25519Result::kEd25519SNotCanonical;
      if (kind == 0) {
        add256(tmp, s, kL);
        memcpy(s, tmp, 32);
      } else if (kind == 1) {
        add256(tmp, s, kL);
        add256(s, tmp, kL);
      } else if (kind == 2) {
        memcpy(s, kL, 32);
      } else if (kind == 3) {
        memset(s, 0xff, 32);
      } else {
        memcpy(s, kL, 32);
        s[0] = static_cast<uint8_t>(s[0] - 1);  // L - 1: in range, but not this signature's S
        c->expected = Ed25519Result::kEd25519Mismatch;
      }
      break;
    }
    case 2:
      non_canonical_y(r, index / 2, index & 1);
      c->expected = index / 2 <= 1 ? Ed25519Result::kEd25519RSmallOrder : Ed25519Result::kEd25519Mismatch;
      break;
    case 3:
      small_order_point(r, index);
      c->expected = Ed25519Result::kEd25519RSmallOrder;
      break;
    case 4:
      memset(r, 0, 32);
      r[0] = static_cast<uint8_t>(nonsquare_y[index]);
      c->expected = Ed25519Result::kEd25519Mismatch;
      break;
    case 5:
      non_canonical_y(c->public_key, index / 2, index & 1);
      c->expected = Ed25519Result::kEd25519KeyNotCanonical;
      break;
    case 6:
      small_order_point(c->public_key, index);
      c->expected = Ed25519Result::kEd25519KeySmallOrder;
      break;
    case 7:
      small_order_point(c->public_key, index);  // 0: identity, 1: (0, -1)
      memset(r, 0x66, 32);
      r[0] = 0x58;  // B (RFC 8032 section 5.1: y = 4/5, x positive)
      memset(s, 0, 32);
      s[0] = 1;
      c->expected = Ed25519Result::kEd25519KeySmallOrder;
      break;
    default:
      memset(c->public_key, 0, 32);
      c->public_key[0] = static_cast<uint8_t>(nonsquare_y[index / 2]);
      if (index & 1) c->public_key[31] = 0x80;
      c->expected = Ed25519Result::kEd25519KeyNotOnCurve;
      break;
  }
  return true;
}
