// Differential test against libsodium (host): 10,000 seeded random triples signed by libsodium,
// and for each the mutations of differential_cases.h; device/crypto's verdict must equal
// crypto_sign_verify_detached's on every case. TMF_CRYPTO_DIFF_SEED and TMF_CRYPTO_DIFF_TRIPLES
// override the seed (default 14) and the count (default 10000).
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "device/crypto/ed25519.h"
#include "tests/crypto/differential_cases.h"
#include "tests/support/tmf_test.h"

namespace {

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != 0 ? std::strtoull(text, nullptr, 0) : fallback;
}

struct Tally {
  uint32_t cases = 0;
  uint32_t sodium_valid = 0;
  uint32_t disagreements = 0;
};

}  // namespace

TMF_TEST(Ed25519Differential, SameVerdictAsLibsodium) {
  const uint64_t seed = env_or("TMF_CRYPTO_DIFF_SEED", 14);
  const uint32_t triples = static_cast<uint32_t>(env_or("TMF_CRYPTO_DIFF_TRIPLES", 10000));
  std::map<std::string, Tally> tally;
  uint32_t reported = 0;
  differential_cases(seed, triples, [&](const DifferentialCase& c) {
    const bool ours = tmf::crypto::ed25519_verify(c.signature, c.message.data(),
                                                  static_cast<uint32_t>(c.message.size()), c.public_key);
    Tally& t = tally[c.kind];
    ++t.cases;
    t.sodium_valid += c.sodium_valid ? 1 : 0;
    if (ours != c.sodium_valid) {
      ++t.disagreements;
      if (reported++ < 10) {
        std::printf("disagreement (%s): ours %d, libsodium %d, reason '%s'\n", c.kind.c_str(), ours,
                    c.sodium_valid,
                    tmf::crypto::to_string(tmf::crypto::ed25519_check(
                        c.signature, c.message.data(), static_cast<uint32_t>(c.message.size()), c.public_key)));
      }
    }
  });
  std::printf("seed %llu, %u triples\n", static_cast<unsigned long long>(seed), triples);
  for (const auto& [kind, t] : tally) {
    std::printf("  %-20s %6u cases, %6u valid by libsodium, %u disagreements\n", kind.c_str(), t.cases,
                t.sodium_valid, t.disagreements);
    TMF_EXPECT_EQ(t.disagreements, 0);
    TMF_EXPECT_EQ(t.cases, triples);
  }
  TMF_EXPECT_EQ(tally.size(), differential_kinds().size());
  // The generator makes what it claims: untouched signatures are valid, S + L never is, and the
  // mixed-order keys give both verdicts (accepted exactly when k T = 0).
  TMF_EXPECT_EQ(tally["valid"].sodium_valid, triples);
  TMF_EXPECT_EQ(tally["S + L"].sodium_valid, 0);
  if (triples >= 1000) {
    TMF_EXPECT(tally["mixed-order key"].sodium_valid > 0);
    TMF_EXPECT(tally["mixed-order key"].sodium_valid < triples);
  }
}
