// SHA-512 against the FIPS 180-4 examples (crypto_vectors.h), one-shot and streamed in uneven
// pieces; runs on the host and bare-metal under QEMU.
#include <string.h>

#include "device/crypto/sha512.h"
#include "tests/crypto/crypto_vectors.h"
#include "tests/support/tmf_test.h"

using tmf::crypto::Sha512;

namespace {

// Feeds `repeat` copies of `text` in pieces of varying size (1, 2, ... 200 bytes, cycling), so
// every buffer boundary case of update() is crossed.
void hash_repeated(const char* text, uint32_t repeat, uint8_t digest[64]) {
  const uint32_t text_bytes = static_cast<uint32_t>(strlen(text));
  uint8_t chunk[256];
  Sha512 ctx;
  tmf::crypto::sha512_init(&ctx);
  const uint64_t total = static_cast<uint64_t>(text_bytes) * repeat;
  uint64_t done = 0;
  uint32_t piece = 1;
  while (done < total) {
    uint32_t n = piece;
    if (n > total - done) n = static_cast<uint32_t>(total - done);
    for (uint32_t i = 0; i < n; ++i) chunk[i] = static_cast<uint8_t>(text[(done + i) % text_bytes]);
    tmf::crypto::sha512_update(&ctx, chunk, n);
    done += n;
    piece = piece % 200 + 1;
  }
  tmf::crypto::sha512_final(&ctx, digest);
}

}  // namespace

TMF_TEST(Sha512, FipsExamplesStreamed) {
  for (const auto& v : kSha512Vectors) {
    uint8_t expected[64];
    TMF_ASSERT(crypto_test_hex(v.digest_hex, expected, 64) == 64);
    uint8_t digest[64];
    hash_repeated(v.message, v.repeat, digest);
    TMF_EXPECT_BYTES_EQ(digest, expected, 64);
  }
}

TMF_TEST(Sha512, FipsExamplesOneShot) {
  for (const auto& v : kSha512Vectors) {
    if (v.repeat != 1) continue;
    uint8_t expected[64];
    TMF_ASSERT(crypto_test_hex(v.digest_hex, expected, 64) == 64);
    uint8_t digest[64];
    tmf::crypto::sha512(v.message, strlen(v.message), digest);
    TMF_EXPECT_BYTES_EQ(digest, expected, 64);
  }
}

// The length encoding and padding at every position of a block: messages of 0..300 bytes hashed
// at once and byte by byte must agree (the host test compares the same lengths with libsodium).
TMF_TEST(Sha512, OneShotEqualsBytewiseForLengths0To300) {
  uint8_t message[300];
  for (uint32_t i = 0; i < sizeof message; ++i) message[i] = static_cast<uint8_t>(i * 131 + 7);
  for (uint32_t len = 0; len <= sizeof message; ++len) {
    uint8_t whole[64], bytewise[64];
    tmf::crypto::sha512(message, len, whole);
    Sha512 ctx;
    tmf::crypto::sha512_init(&ctx);
    for (uint32_t i = 0; i < len; ++i) tmf::crypto::sha512_update(&ctx, message + i, 1);
    tmf::crypto::sha512_final(&ctx, bytewise);
    TMF_EXPECT_BYTES_EQ(bytewise, whole, 64);
  }
}
