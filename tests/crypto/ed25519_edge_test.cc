// The edge cases of ed25519_edge_cases.h: each gets the verdict and the reason the policy gives
// it. Runs on the host and bare-metal under QEMU.
#include "tests/crypto/ed25519_edge_cases.h"

#include "tests/crypto/crypto_test_print.h"
#include "tests/support/tmf_test.h"

TMF_TEST(Ed25519Edge, PolicyVerdicts) {
  const uint32_t count = ed25519_edge_case_count();
  TMF_EXPECT(count > 100);
  for (uint32_t i = 0; i < count; ++i) {
    Ed25519EdgeCase c;
    TMF_ASSERT(ed25519_edge_case(i, &c));
    const auto got = tmf::crypto::ed25519_check(c.signature, c.message, c.message_bytes, c.public_key);
    if (got != c.expected) {
      crypto_test_printf("edge case %s #%u: got '%s', expected '%s'\n", c.group, static_cast<unsigned>(c.variant),
                         tmf::crypto::to_string(got), tmf::crypto::to_string(c.expected));
    }
    TMF_EXPECT(got == c.expected);
    TMF_EXPECT_EQ(tmf::crypto::ed25519_verify(c.signature, c.message, c.message_bytes, c.public_key),
                  c.expected == tmf::crypto::Ed25519Result::kEd25519Ok);
  }
  Ed25519EdgeCase past;
  TMF_EXPECT(!ed25519_edge_case(count, &past));
}
