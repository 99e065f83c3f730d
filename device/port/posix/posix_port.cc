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

bool PosixPort::entropy(void* out, uint32_t bytes) {
  randombytes_buf(out, bytes);
  return true;
}

bool PosixPort::crypto_ed25519_verify(const uint8_t signature[64], const uint8_t* message, uint32_t message_bytes,
                                      const uint8_t public_key[32]) {
  return crypto_sign_verify_detached(signature, message, message_bytes, public_key) == 0;
}

uint32_t PosixPort::sensor_read(float* out, uint32_t samples) {
  if (!sensor_) return 0;
  // A window is taken at once when asked for (a virtual device does not wait for the samples).
  const uint32_t frames = samples / sensor_channels_;
  if (frames == 0) return 0;
  sensor_(now_ms() / 1000.0, frames, out);
  return frames * sensor_channels_;
}

void PosixPort::log(const char* text) {
  if (!quiet_) std::fprintf(stderr, "tinymlops-device: %s\n", text);
}

}  // namespace tmf_posix
