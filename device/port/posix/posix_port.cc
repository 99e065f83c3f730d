// The virtual device's Port (posix_port.h).
#include "posix_port.h"

#include <sodium.h>
#include <time.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace tmf_posix {

PosixPort::PosixPort(PosixFlash* flash, PublishSink sink, bool quiet)
    : flash_(flash), sink_(std::move(sink)), quiet_(quiet) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium: initialization failed");
}

double PosixPort::now_ms() const {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
}

uint32_t PosixPort::clock_ms() { return static_cast<uint32_t>(static_cast<uint64_t>(now_ms())); }

uint32_t PosixPort::cycle_counter() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint32_t>(static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec));
}

bool PosixPort::crypto_ed25519_verify(const uint8_t signature[64], const uint8_t* message, uint32_t message_bytes,
                                      const uint8_t public_key[32]) {
  return crypto_sign_verify_detached(signature, message, message_bytes, public_key) == 0;
}

uint32_t PosixPort::sensor_read(int8_t* out, uint32_t bytes) {
  // A 50 Hz-like tone plus a harmonic, as int8 samples: enough to exercise inference.
  for (uint32_t i = 0; i < bytes; ++i, ++sensor_phase_) {
    const double t = sensor_phase_ / 1000.0;
    out[i] = static_cast<int8_t>(std::lround(60.0 * std::sin(2 * M_PI * 50 * t) + 20.0 * std::sin(2 * M_PI * 150 * t)));
  }
  return bytes;
}

void PosixPort::log(const char* text) {
  if (!quiet_) std::fprintf(stderr, "tinymlops-device: %s\n", text);
}

}  // namespace tmf_posix
