// An in-memory Port for agent tests: NOR-like flash (erased = 0xFF, writes only clear bits,
// granule and sector rules enforced) that can lose power at flash operation N, either before the
// operation or half-way through it (a torn write or erase), a manual clock, a recorded outbox,
// and Ed25519 verification through libsodium.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

#include "device/port/port.h"

namespace tmf_test {

struct SentMessage {
  tmf::OtaTopic topic;
  std::vector<uint8_t> bytes;
};

enum class CutMode { kBefore, kTorn };

class SimPort : public tmf::Port {
 public:
  SimPort(uint32_t total_bytes, uint32_t sector_bytes, uint32_t write_bytes);

  tmf::PortFlashGeometry flash_geometry() override { return geometry_; }
  tmf::PortStatus flash_read(uint32_t offset, void* out, uint32_t bytes) override;
  tmf::PortStatus flash_erase_sector(uint32_t offset) override;
  tmf::PortStatus flash_write(uint32_t offset, const void* data, uint32_t bytes) override;
  const uint8_t* flash_map(uint32_t offset, uint32_t bytes) override;
  uint32_t clock_ms() override { return now_ms; }
  // Deterministic "entropy" for reproducible tests: successive values of `entropy_state`
  // (a splitmix-style step); none when `has_entropy` is false (the agent's clock fallback).
  bool entropy(void* out, uint32_t bytes) override;
  tmf::PortStatus transport_publish(tmf::OtaTopic topic, const uint8_t* data, uint32_t bytes) override;
  bool crypto_ed25519_verify(const uint8_t signature[64], const uint8_t* message, uint32_t message_bytes,
                             const uint8_t public_key[32]) override;
  uint32_t sensor_read(float* out, uint32_t samples) override;
  void log(const char* text) override;

  // Power is cut at flash operation number `op` (0-based, counting erases and writes from now on
  // since construction); after that every flash operation fails until restore_power().
  void cut_power_at(uint64_t op, CutMode mode) { cut_at_ = op; cut_mode_ = mode; }
  void restore_power() { powered_ = true; cut_at_ = UINT64_MAX; connected = false; }
  bool powered() const { return powered_; }

  uint64_t flash_ops = 0;   // erases + writes attempted
  uint64_t erases = 0, writes = 0;
  uint32_t now_ms = 0;
  bool has_entropy = true;
  uint64_t entropy_state = 0x5EED;
  bool connected = true;    // publishes fail while false
  std::vector<SentMessage> outbox;
  const uint8_t* raw() const { return flash_; }  // the flash contents, for test oracles
  // Changes flash behind the agent's back (an attacker with a debugger, a decayed cell).
  uint8_t* raw_for_tampering() { return flash_; }

 private:
  bool begin_op();  // false if power is (now) off; handles the cut
  tmf::PortFlashGeometry geometry_;
  std::vector<uint64_t> storage_;  // aligned backing for memory-mapped reads
  uint8_t* flash_ = nullptr;
  uint64_t cut_at_ = UINT64_MAX;
  CutMode cut_mode_ = CutMode::kBefore;
  bool powered_ = true;
  bool cutting_now_ = false;
};

}  // namespace tmf_test
