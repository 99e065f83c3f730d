// libFuzzer target over Ed25519 verification (device/crypto): the device verifier and libsodium's
// crypto_sign_verify_detached must give the same verdict on every input; a disagreement aborts.
// Input, first byte = mode:
//   0: public key (32) | signature (64) | message (rest), verified as given
//   1: key seed (32) | mask (96) | message (rest): libsodium signs the message with the seed's key,
//      then the mask is XORed into key || signature, so the fuzzer explores near-valid inputs
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "device/crypto/ed25519.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool ready = sodium_init() >= 0;
  if (!ready) std::abort();
  if (size < 1) return 0;
  uint8_t public_key[32], signature[64];
  const uint8_t* message;
  size_t message_bytes;
  if (data[0] == 1) {
    if (size < 1 + 32 + 96) return 0;
    uint8_t secret[64];
    crypto_sign_seed_keypair(public_key, secret, data + 1);
    message = data + 1 + 32 + 96;
    message_bytes = size - (1 + 32 + 96);
    crypto_sign_detached(signature, nullptr, message, message_bytes, secret);
    for (int i = 0; i < 32; ++i) public_key[i] ^= data[1 + 32 + i];
    for (int i = 0; i < 64; ++i) signature[i] ^= data[1 + 64 + i];
  } else {
    if (size < 1 + 96) return 0;
    std::memcpy(public_key, data + 1, 32);
    std::memcpy(signature, data + 33, 64);
    message = data + 97;
    message_bytes = size - 97;
  }
  if (message_bytes > UINT32_MAX) return 0;
  const bool ours = tmf::crypto::ed25519_verify(signature, message, static_cast<uint32_t>(message_bytes), public_key);
  const bool sodium = crypto_sign_verify_detached(signature, message, message_bytes, public_key) == 0;
  if (ours != sodium) {
    std::fprintf(stderr, "ed25519_fuzz: device verdict %d, libsodium %d\n", ours, sodium);
    std::abort();
  }
  return 0;
}
