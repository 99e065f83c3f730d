// SHA-256 (FIPS 180-4), freestanding and incremental: the content hash of a model's trailer.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tmf {

struct Sha256 {
  uint32_t state[8];
  uint64_t total_bytes;
  uint8_t block[64];
  uint32_t block_bytes;
};

void sha256_init(Sha256* ctx);
void sha256_update(Sha256* ctx, const void* data, size_t bytes);
void sha256_final(Sha256* ctx, uint8_t digest[32]);
void sha256(const void* data, size_t bytes, uint8_t digest[32]);

}  // namespace tmf
