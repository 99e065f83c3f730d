// The case generator of differential_cases.h.
#include "tests/crypto/differential_cases.h"

#include <sodium.h>

#include <cstring>
#include <stdexcept>

namespace {

// SplitMix64: a fixed, documented sequence for a given seed on every machine.
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  void fill(uint8_t* out, size_t n) {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(next() >> 56);
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
};

// L, little-endian.
constexpr uint8_t kL[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                            0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                            0, 0, 0, 0x10};
// Points of order 2, 4 and 8 (RFC 8032 encodings; see ed25519_edge_cases.h).
constexpr uint8_t kTorsion[3][32] = {
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0},
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
     0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
};

void add_l(uint8_t s[32]) {
  uint32_t carry = 0;
  for (int i = 0; i < 32; ++i) {
    carry += static_cast<uint32_t>(s[i]) + kL[i];
    s[i] = static_cast<uint8_t>(carry);
    carry >>= 8;
  }
}

bool sodium_verify(const DifferentialCase& c) {
  return crypto_sign_verify_detached(c.signature, c.message.data(), c.message.size(), c.public_key) == 0;
}

// A key A' = aB + T (T of order 2, 4 or 8) and a signature by the secret scalar a made as RFC 8032
// signs (R = rB, S = r + k a with k = H(R || A' || M) mod L): cofactorless verification accepts
// it exactly when kT = 0.
void mixed_order_signature(SplitMix64& rng, DifferentialCase* c) {
  uint8_t wide[64], a[32], r[32], a_point[32], k[32], ka[32];
  rng.fill(wide, 64);
  crypto_core_ed25519_scalar_reduce(a, wide);
  rng.fill(wide, 64);
  crypto_core_ed25519_scalar_reduce(r, wide);
  if (crypto_scalarmult_ed25519_base_noclamp(a_point, a) != 0 ||
      crypto_scalarmult_ed25519_base_noclamp(c->signature, r) != 0) {
    throw std::runtime_error("libsodium: base point multiplication refused a scalar");
  }
  const uint8_t* torsion = kTorsion[rng.below(3)];
  if (crypto_core_ed25519_add(c->public_key, a_point, torsion) != 0) {
    throw std::runtime_error("libsodium: crypto_core_ed25519_add refused a small-order point");
  }
  crypto_hash_sha512_state h;
  crypto_hash_sha512_init(&h);
  crypto_hash_sha512_update(&h, c->signature, 32);
  crypto_hash_sha512_update(&h, c->public_key, 32);
  crypto_hash_sha512_update(&h, c->message.data(), c->message.size());
  crypto_hash_sha512_final(&h, wide);
  crypto_core_ed25519_scalar_reduce(k, wide);
  crypto_core_ed25519_scalar_mul(ka, k, a);
  crypto_core_ed25519_scalar_add(c->signature + 32, r, ka);
}

}  // namespace

const std::vector<std::string>& differential_kinds() {
  static const std::vector<std::string> kinds = {
      "valid",           "flip signature bit", "flip message bit", "flip key bit", "S + L",
      "flip R sign bit", "random R point",     "mixed-order key",  "random bytes"};
  return kinds;
}

void differential_cases(uint64_t seed, uint32_t triples, const std::function<void(const DifferentialCase&)>& visit) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium: sodium_init failed");
  SplitMix64 rng{seed};
  for (uint32_t t = 0; t < triples; ++t) {
    uint8_t key_seed[32], secret[64];
    DifferentialCase base;
    rng.fill(key_seed, 32);
    crypto_sign_seed_keypair(base.public_key, secret, key_seed);
    base.message.resize(rng.below(301));
    rng.fill(base.message.data(), base.message.size());
    crypto_sign_detached(base.signature, nullptr, base.message.data(), base.message.size(), secret);

    for (const std::string& kind : differential_kinds()) {
      DifferentialCase c = base;
      c.kind = kind;
      if (kind == "flip signature bit") {
        const uint32_t bit = rng.below(512);
        c.signature[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      } else if (kind == "flip message bit") {
        if (c.message.empty()) {
          c.message.push_back(static_cast<uint8_t>(rng.next()));  // the empty message grows a byte
        } else {
          const uint32_t bit = rng.below(static_cast<uint32_t>(8 * c.message.size()));
          c.message[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        }
      } else if (kind == "flip key bit") {
        const uint32_t bit = rng.below(256);
        c.public_key[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      } else if (kind == "S + L") {
        add_l(c.signature + 32);
      } else if (kind == "flip R sign bit") {
        c.signature[31] ^= 0x80;
      } else if (kind == "random R point") {
        uint8_t wide[64], scalar[32];
        rng.fill(wide, 64);
        crypto_core_ed25519_scalar_reduce(scalar, wide);
        if (crypto_scalarmult_ed25519_base_noclamp(c.signature, scalar) != 0) {
          throw std::runtime_error("libsodium: base point multiplication refused a scalar");
        }
      } else if (kind == "mixed-order key") {
        mixed_order_signature(rng, &c);
      } else if (kind == "random bytes") {
        rng.fill(c.signature, 64);
        rng.fill(c.public_key, 32);
        c.signature[63] &= 0x0f;  // S < 2^252 < L, so the cases reach the point checks
      }
      c.sodium_valid = sodium_verify(c);
      visit(c);
    }
  }
}
