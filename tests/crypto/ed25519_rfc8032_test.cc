// Ed25519 verification against RFC 8032 section 7.1 (crypto_vectors.h): each vector verifies, and
// flipping any single bit of the signature, of the message or of the key makes it fail. Runs on
// the host and bare-metal under QEMU.
#include "device/crypto/ed25519.h"
#include "tests/crypto/crypto_vectors.h"
#include "tests/support/tmf_test.h"

namespace {

struct Decoded {
  uint8_t public_key[32];
  uint8_t signature[64];
  uint8_t message[1024];
  uint32_t message_bytes;
};

bool decode(const Ed25519Vector& v, Decoded* d) {
  const int32_t n = crypto_test_hex(v.message_hex, d->message, sizeof d->message);
  if (n < 0) return false;
  d->message_bytes = static_cast<uint32_t>(n);
  return crypto_test_hex(v.public_key_hex, d->public_key, 32) == 32 &&
         crypto_test_hex(v.signature_hex, d->signature, 64) == 64;
}

}  // namespace

TMF_TEST(Ed25519Rfc8032, VectorsVerify) {
  for (const auto& v : kRfc8032Vectors) {
    static Decoded d;  // 1.1 KB: off the micro:bit's small stack
    TMF_ASSERT(decode(v, &d));
    const auto result = tmf::crypto::ed25519_check(d.signature, d.message, d.message_bytes, d.public_key);
    if (result != tmf::crypto::Ed25519Result::kEd25519Ok) {
      tmf_test_print(v.name);
      tmf_test_print(": ");
      tmf_test_print(tmf::crypto::to_string(result));
      tmf_test_print("\n");
    }
    TMF_EXPECT(result == tmf::crypto::Ed25519Result::kEd25519Ok);
    TMF_EXPECT(tmf::crypto::ed25519_verify(d.signature, d.message, d.message_bytes, d.public_key));
  }
}

// Every one of the 512 signature bits of TEST 2 and TEST 3, and every bit of their keys and
// messages: each flip must be refused. Bare-metal images flip every 5th bit (5 is odd, so every bit
// position within a byte is still hit): a full verification costs 17 million instructions on the M0.
#if defined(TMF_TEST_HOST)
constexpr int kFlipStride = 1;
#else
constexpr int kFlipStride = 5;
#endif

TMF_TEST(Ed25519Rfc8032, EverySingleBitFlipFails) {
  for (int which = 1; which <= 2; ++which) {
    static Decoded d;
    TMF_ASSERT(decode(kRfc8032Vectors[which], &d));
    for (int bit = 0; bit < 512; bit += kFlipStride) {
      d.signature[bit >> 3] ^= static_cast<uint8_t>(1u << (bit & 7));
      TMF_EXPECT(!tmf::crypto::ed25519_verify(d.signature, d.message, d.message_bytes, d.public_key));
      d.signature[bit >> 3] ^= static_cast<uint8_t>(1u << (bit & 7));
    }
    for (int bit = 0; bit < 256; bit += kFlipStride) {
      d.public_key[bit >> 3] ^= static_cast<uint8_t>(1u << (bit & 7));
      TMF_EXPECT(!tmf::crypto::ed25519_verify(d.signature, d.message, d.message_bytes, d.public_key));
      d.public_key[bit >> 3] ^= static_cast<uint8_t>(1u << (bit & 7));
    }
    for (uint32_t bit = 0; bit < 8 * d.message_bytes; bit += kFlipStride) {
      d.message[bit >> 3] ^= static_cast<uint8_t>(1u << (bit & 7));
      TMF_EXPECT(!tmf::crypto::ed25519_verify(d.signature, d.message, d.message_bytes, d.public_key));
      d.message[bit >> 3] ^= static_cast<uint8_t>(1u << (bit & 7));
    }
    TMF_EXPECT(tmf::crypto::ed25519_verify(d.signature, d.message, d.message_bytes, d.public_key));
  }
}
