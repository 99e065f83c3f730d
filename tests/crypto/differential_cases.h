// Seeded, reproducible Ed25519 inputs for the differential tests against libsodium (host only):
// random key pairs and messages (0..300 bytes) signed by libsodium, each followed by mutations of
// its signature, message and key, plus signatures under mixed-order keys that libsodium's own
// scalar arithmetic makes. The verdict of every case comes from libsodium's
// crypto_sign_verify_detached, never from the code under test.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

struct DifferentialCase {
  std::string kind;  // "valid", "flip signature bit", ...
  uint8_t signature[64];
  uint8_t public_key[32];
  std::vector<uint8_t> message;
  bool sodium_valid;
};

// The kinds each triple yields, in order (the first is the untouched signature).
const std::vector<std::string>& differential_kinds();

// Calls `visit` for every case of `triples` triples made from `seed`: triples * kinds cases.
// Throws std::runtime_error if libsodium cannot be initialized or refuses an operation.
void differential_cases(uint64_t seed, uint32_t triples, const std::function<void(const DifferentialCase&)>& visit);
