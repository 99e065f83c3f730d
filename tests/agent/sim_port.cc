// The fault-injecting in-memory port (sim_port.h).
#include "sim_port.h"

#include <sodium.h>
#include <string.h>

namespace tmf_test {

SimPort::SimPort(uint32_t total_bytes, uint32_t sector_bytes, uint32_t write_bytes)
    : geometry_{total_bytes, sector_bytes, write_bytes}, storage_((total_bytes + 7) / 8, ~0ull) {
  flash_ = reinterpret_cast<uint8_t*>(storage_.data());
  if (sodium_init() < 0) abort();
}

bool SimPort::begin_op() {
  if (!powered_) return false;
  const uint64_t op = flash_ops++;
  cutting_now_ = op == cut_at_;
  return true;
}

tmf::PortStatus SimPort::flash_read(uint32_t offset, void* out, uint32_t bytes) {
  if (!powered_) return tmf::PortStatus::kPortErrFlash;
  if (static_cast<uint64_t>(offset) + bytes > geometry_.total_bytes) return tmf::PortStatus::kPortErrRange;
  memcpy(out, flash_ + offset, bytes);
  return tmf::PortStatus::kPortOk;
}

tmf::PortStatus SimPort::flash_erase_sector(uint32_t offset) {
  if (offset % geometry_.sector_bytes != 0 || offset >= geometry_.total_bytes) {
    return tmf::PortStatus::kPortErrRange;
  }
  if (!begin_op()) return tmf::PortStatus::kPortErrFlash;
  ++erases;
  if (cutting_now_) {
    // Torn: the first half is erased, the rest keeps its bytes.
    if (cut_mode_ == CutMode::kTorn) memset(flash_ + offset, 0xFF, geometry_.sector_bytes / 2);
    powered_ = false;
    return tmf::PortStatus::kPortErrFlash;
  }
  memset(flash_ + offset, 0xFF, geometry_.sector_bytes);
  return tmf::PortStatus::kPortOk;
}

tmf::PortStatus SimPort::flash_write(uint32_t offset, const void* data, uint32_t bytes) {
  if (offset % geometry_.write_bytes != 0 || bytes % geometry_.write_bytes != 0 ||
      static_cast<uint64_t>(offset) + bytes > geometry_.total_bytes) {
    return tmf::PortStatus::kPortErrRange;
  }
  if (!begin_op()) return tmf::PortStatus::kPortErrFlash;
  ++writes;
  const uint8_t* in = static_cast<const uint8_t*>(data);
  uint32_t n = bytes;
  if (cutting_now_) n = cut_mode_ == CutMode::kTorn ? bytes / 2 : 0;
  // NOR: programming can only clear bits.
  for (uint32_t i = 0; i < n; ++i) flash_[offset + i] &= in[i];
  if (cutting_now_) {
    powered_ = false;
    return tmf::PortStatus::kPortErrFlash;
  }
  return tmf::PortStatus::kPortOk;
}

const uint8_t* SimPort::flash_map(uint32_t offset, uint32_t bytes) {
  if (!powered_ || static_cast<uint64_t>(offset) + bytes > geometry_.total_bytes) return nullptr;
  return flash_ + offset;
}

tmf::PortStatus SimPort::transport_publish(tmf::OtaTopic topic, const uint8_t* data, uint32_t bytes) {
  if (!powered_ || !connected) return tmf::PortStatus::kPortErrTransport;
  outbox.push_back({topic, std::vector<uint8_t>(data, data + bytes)});
  return tmf::PortStatus::kPortOk;
}

bool SimPort::crypto_ed25519_verify(const uint8_t signature[64], const uint8_t* message,
                                    uint32_t message_bytes, const uint8_t public_key[32]) {
  return crypto_sign_verify_detached(signature, message, message_bytes, public_key) == 0;
}

bool SimPort::entropy(void* out, uint32_t bytes) {
  if (!has_entropy) return false;
  auto* p = static_cast<uint8_t*>(out);
  for (uint32_t i = 0; i < bytes; ++i) {
    entropy_state += 0x9E3779B97F4A7C15ull;
    uint64_t z = entropy_state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    p[i] = static_cast<uint8_t>(z ^ (z >> 31));
  }
  return true;
}

uint32_t SimPort::sensor_read(float* out, uint32_t samples) {
  for (uint32_t i = 0; i < samples; ++i) out[i] = static_cast<float>(i % 7) * 0.125f;
  return samples;
}

void SimPort::log(const char*) {}

}  // namespace tmf_test
