// Host cross-checks of the stored vectors and the edge-case verdicts with libsodium, the
// independent oracle: libsodium re-derives every RFC 8032 key and signature from its secret key,
// agrees with every edge-case verdict, and hashes like sha512() at every length 0..300.
#include <sodium.h>

#include <cstring>

#include "device/crypto/ed25519.h"
#include "device/crypto/sha512.h"
#include "tests/crypto/crypto_test_print.h"
#include "tests/crypto/crypto_vectors.h"
#include "tests/crypto/ed25519_edge_cases.h"
#include "tests/support/tmf_test.h"

TMF_TEST(Ed25519Sodium, Rfc8032VectorsAreLibsodiumsSignatures) {
  TMF_ASSERT(sodium_init() >= 0);
  for (const auto& v : kRfc8032Vectors) {
    uint8_t seed[32], public_key[32], signature[64], message[1024], secret[64], pk[32], sig[64];
    TMF_ASSERT(crypto_test_hex(v.secret_key_hex, seed, 32) == 32);
    TMF_ASSERT(crypto_test_hex(v.public_key_hex, public_key, 32) == 32);
    TMF_ASSERT(crypto_test_hex(v.signature_hex, signature, 64) == 64);
    const int32_t n = crypto_test_hex(v.message_hex, message, sizeof message);
    TMF_ASSERT(n >= 0);
    crypto_sign_seed_keypair(pk, secret, seed);
    crypto_sign_detached(sig, nullptr, message, static_cast<unsigned long long>(n), secret);
    TMF_EXPECT_BYTES_EQ(pk, public_key, 32);
    TMF_EXPECT_BYTES_EQ(sig, signature, 64);
    TMF_EXPECT_EQ(crypto_sign_verify_detached(signature, message, static_cast<unsigned long long>(n), public_key), 0);
  }
}

TMF_TEST(Ed25519Sodium, EdgeCaseVerdictsAreLibsodiums) {
  TMF_ASSERT(sodium_init() >= 0);
  const uint32_t count = ed25519_edge_case_count();
  for (uint32_t i = 0; i < count; ++i) {
    Ed25519EdgeCase c;
    TMF_ASSERT(ed25519_edge_case(i, &c));
    const bool sodium = crypto_sign_verify_detached(c.signature, c.message, c.message_bytes, c.public_key) == 0;
    const bool expected = c.expected == tmf::crypto::Ed25519Result::kEd25519Ok;
    if (sodium != expected) {
      crypto_test_printf("edge case %s #%u: libsodium says %d\n", c.group, static_cast<unsigned>(c.variant), sodium);
    }
    TMF_EXPECT_EQ(sodium, expected);
  }
}

TMF_TEST(Sha512Sodium, EveryLength0To300) {
  TMF_ASSERT(sodium_init() >= 0);
  uint8_t message[300];
  for (uint32_t i = 0; i < sizeof message; ++i) message[i] = static_cast<uint8_t>(i * 37 + 11);
  for (uint32_t len = 0; len <= sizeof message; ++len) {
    uint8_t ours[64], theirs[64];
    tmf::crypto::sha512(message, len, ours);
    crypto_hash_sha512(theirs, message, len);
    TMF_EXPECT_BYTES_EQ(ours, theirs, 64);
  }
}
