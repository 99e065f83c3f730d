// The bare-metal crypto image (Cortex-M under QEMU, semihosting):
//   crypto_tests.elf tests [FILTER]  the shared tests (SHA-512 FIPS vectors, RFC 8032, edge cases)
//   crypto_tests.elf diff FILE       verifies every case of a differential set written by the host
//                                    (differential_set_format.h) and compares with libsodium's verdict
//   crypto_tests.elf bench           one verification of RFC 8032 TEST 3 between the bench markers,
//                                    and the stack it used
// Exit code: 0 when everything passed, else the failure count (tests) or 1.
#include <string.h>

#include "bench_markers.h"
#include "device/crypto/ed25519.h"
#include "qemu_print.h"
#include "qemu_startup.h"
#include "semihosting.h"
#include "tests/crypto/crypto_vectors.h"
#include "tests/crypto/differential_set_format.h"
#include "tests/support/tmf_test.h"

extern "C" void tmf_test_print(const char* text) { qemu_print("%s", text); }

namespace {

uint32_t le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

// Verdicts of the device verifier against the host's libsodium verdicts, one case at a time
// (a case is at most 612 bytes: the whole set never needs to fit in RAM).
int run_differential(const char* path) {
  const int32_t handle = sh_open(path, "rb");
  if (handle < 0) {
    qemu_print("crypto_tests: %s: cannot open (errno %d)\n", path, static_cast<int>(sh_errno()));
    return 1;
  }
  uint8_t header[kDifferentialSetHeaderBytes];
  if (sh_read(handle, header, sizeof header) != sizeof header || memcmp(header, kDifferentialSetMagic, 8) != 0) {
    qemu_print("crypto_tests: %s: not a differential set (bad header)\n", path);
    return 1;
  }
  const uint32_t count = le32(header + 8);
  static uint8_t record[kDifferentialCaseFixedBytes + kDifferentialMaxMessageBytes];
  uint32_t valid = 0, disagreements = 0;
  for (uint32_t i = 0; i < count; ++i) {
    if (sh_read(handle, record, kDifferentialCaseFixedBytes) != kDifferentialCaseFixedBytes) {
      qemu_print("crypto_tests: %s: case %u: truncated\n", path, static_cast<unsigned>(i));
      return 1;
    }
    const uint32_t message_bytes = static_cast<uint32_t>(record[2]) | static_cast<uint32_t>(record[3]) << 8;
    if (record[0] > 1 || message_bytes > kDifferentialMaxMessageBytes) {
      qemu_print("crypto_tests: %s: case %u: bad verdict %u or message length %u\n", path, static_cast<unsigned>(i),
                 static_cast<unsigned>(record[0]), static_cast<unsigned>(message_bytes));
      return 1;
    }
    uint8_t* message = record + kDifferentialCaseFixedBytes;
    if (sh_read(handle, message, message_bytes) != message_bytes) {
      qemu_print("crypto_tests: %s: case %u: truncated message\n", path, static_cast<unsigned>(i));
      return 1;
    }
    const bool sodium = record[0] == 1;
    const bool ours = tmf::crypto::ed25519_verify(record + 4 + 32, message, message_bytes, record + 4);
    valid += sodium ? 1 : 0;
    if (ours != sodium) {
      ++disagreements;
      qemu_print("crypto_tests: case %u (kind %u): device %d, libsodium %d\n", static_cast<unsigned>(i),
                 static_cast<unsigned>(record[1]), ours, sodium);
    }
  }
  sh_close(handle);
  qemu_print("crypto_tests: differential: %u cases, %u valid by libsodium, %u disagreements\n",
             static_cast<unsigned>(count), static_cast<unsigned>(valid), static_cast<unsigned>(disagreements));
  return disagreements == 0 && count > 0 ? 0 : 1;
}

int run_bench() {
  const Ed25519Vector& v = kRfc8032Vectors[2];  // TEST 3: a 2-byte message, so the cost is the curve's
  uint8_t public_key[32], signature[64], message[2];
  if (crypto_test_hex(v.public_key_hex, public_key, 32) != 32 || crypto_test_hex(v.signature_hex, signature, 64) != 64 ||
      crypto_test_hex(v.message_hex, message, 2) != 2) {
    return 1;
  }
  const size_t base = qemu_stack_rearm();
  tmf_bench_marker_begin();
  const bool ok = tmf::crypto::ed25519_verify(signature, message, 2, public_key);
  tmf_bench_marker_end();
  const size_t used = qemu_stack_high_water() - base;
  qemu_print("crypto_tests: bench: verify %s, stack %u bytes (of %u)\n", ok ? "ok" : "FAILED",
             static_cast<unsigned>(used), static_cast<unsigned>(qemu_stack_size()));
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && strcmp(argv[1], "tests") == 0) return tmf_test_run_all(argc > 2 ? argv[2] : "");
  if (argc == 3 && strcmp(argv[1], "diff") == 0) return run_differential(argv[2]);
  if (argc == 2 && strcmp(argv[1], "bench") == 0) return run_bench();
  qemu_print("usage: crypto_tests.elf tests [FILTER] | diff FILE | bench\n");
  return 2;
}
