// The Port of the bare-metal QEMU device (mps2-an385/an386/an500): NOR flash backed by a host file
// (nor_flash.h), the CMSDK timer as clock, the serial link on UART0 as transport (device/link,
// docs/link.md), Ed25519 from device/crypto, float32 sensor samples streamed on UART1, log lines on
// the semihosting console. Freestanding: the firmware owns the object (static storage, no heap).
#pragma once

#include <stdint.h>

#include "device/link/link_device.h"
#include "device/port/port.h"
#include "nor_flash.h"

namespace tmf_qemu {

class QemuPort final : public tmf::Port {
 public:
  // Binds storage; nothing is touched until the firmware calls the init steps below.
  void bind(NorFlash* flash, tmf::LinkDevice* link) {
    flash_ = flash;
    link_ = link;
  }

  tmf::PortFlashGeometry flash_geometry() override { return flash_->geometry; }
  tmf::PortStatus flash_read(uint32_t offset, void* out, uint32_t bytes) override;
  tmf::PortStatus flash_erase_sector(uint32_t offset) override;
  tmf::PortStatus flash_write(uint32_t offset, const void* data, uint32_t bytes) override;
  const uint8_t* flash_map(uint32_t offset, uint32_t bytes) override { return nor_map(flash_, offset, bytes); }
  uint32_t clock_ms() override;
  // QEMU models no cycle counter (no DWT): 0, as port.h allows.
  uint32_t cycle_counter() override { return 0; }
  // The mps2 boards model no TRNG: the host's /dev/urandom through semihosting stands in for one.
  bool entropy(void* out, uint32_t bytes) override;
  tmf::PortStatus transport_publish(tmf::OtaTopic topic, const uint8_t* data, uint32_t bytes) override;
  bool crypto_ed25519_verify(const uint8_t signature[64], const uint8_t* message, uint32_t message_bytes,
                             const uint8_t public_key[32]) override;
  uint32_t sensor_read(float* out, uint32_t samples) override;
  uint32_t sensor_channels() override { return sensor_channels_; }
  void log(const char* text) override;

  // The sensor stream's frames have `channels` interleaved axes (firmware argument sensor_channels).
  void set_sensor_channels(uint32_t channels) { sensor_channels_ = channels; }
  // Values read since the stream's start, modulo sensor_channels(): 0 when the next value read is
  // the first axis of a frame.
  uint32_t sensor_phase() const { return sensor_phase_; }

  // Fault injection for tests (firmware argument cut=N): the N-th flash operation (0-based) never
  // happens; QEMU exits with status 137 as if power failed just before it.
  void cut_power_at(uint32_t op) { cut_at_ = op; }

 private:
  bool power_cut_now();

  NorFlash* flash_ = nullptr;
  tmf::LinkDevice* link_ = nullptr;
  uint32_t cut_at_ = 0xFFFFFFFFu;
  uint8_t partial_[4] = {};  // bytes of a sample not complete yet
  uint32_t partial_count_ = 0;
  uint32_t sensor_channels_ = 1;
  uint32_t sensor_phase_ = 0;
};

}  // namespace tmf_qemu
