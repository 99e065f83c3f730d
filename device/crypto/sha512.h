// SHA-512 (FIPS 180-4), freestanding and incremental: the hash inside Ed25519 (RFC 8032).
// No heap, no global state; a Sha512 is 208 bytes and lives wherever the caller puts it.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tmf::crypto {

struct Sha512 {
  uint64_t state[8];
  uint64_t total_bytes;  // messages up to 2^64 - 1 bytes (the standard allows 2^128 - 1 bits)
  uint8_t block[128];
  uint32_t block_bytes;  // bytes buffered in `block`, 0..127
};

void sha512_init(Sha512* ctx);
// `data` may be null when `bytes` is 0.
void sha512_update(Sha512* ctx, const void* data, size_t bytes);
// Writes the digest; the context must be initialized again before reuse.
void sha512_final(Sha512* ctx, uint8_t digest[64]);
void sha512(const void* data, size_t bytes, uint8_t digest[64]);

}  // namespace tmf::crypto
