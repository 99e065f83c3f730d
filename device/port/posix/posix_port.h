// The Port of the virtual device: file-backed flash, a monotonic clock, libsodium Ed25519, a
// vibration sensor (a host/sim machine), logging to stderr, and publishes handed to a sink (the MQTT link).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "device/port/port.h"
#include "posix_flash.h"

namespace tmf_posix {

class PosixPort : public tmf::Port {
 public:
  using PublishSink = std::function<tmf::PortStatus(tmf::OtaTopic, const uint8_t*, uint32_t)>;
  PosixPort(PosixFlash* flash, PublishSink sink, bool quiet);

  tmf::PortFlashGeometry flash_geometry() override { return flash_->geometry(); }
  tmf::PortStatus flash_read(uint32_t offset, void* out, uint32_t bytes) override {
    return flash_->read(offset, out, bytes);
  }
  tmf::PortStatus flash_erase_sector(uint32_t offset) override { return flash_->erase_sector(offset); }
  tmf::PortStatus flash_write(uint32_t offset, const void* data, uint32_t bytes) override {
    return flash_->write(offset, data, bytes);
  }
  const uint8_t* flash_map(uint32_t offset, uint32_t bytes) override { return flash_->map(offset, bytes); }
  uint32_t clock_ms() override;
  // Nanoseconds of CLOCK_MONOTONIC (wrapping): the virtual device's "cycles" in TELEMETRY's
  // inference_cycles, so health gates and operators see real inference time (docs/app.md).
  uint32_t cycle_counter() override;
  bool entropy(void* out, uint32_t bytes) override;  // the kernel's (libsodium randombytes)
  tmf::PortStatus transport_publish(tmf::OtaTopic topic, const uint8_t* data, uint32_t bytes) override {
    return sink_(topic, data, bytes);
  }
  bool crypto_ed25519_verify(const uint8_t signature[64], const uint8_t* message, uint32_t message_bytes,
                             const uint8_t public_key[32]) override;
  // The sensor seam: whole frames from `set_sensor`'s source at the port's clock (none without
  // one): samples / sensor_channels() frames, their values interleaved.
  uint32_t sensor_read(float* out, uint32_t samples) override;
  uint32_t sensor_channels() override { return sensor_channels_; }
  // What the sensor sees: source(t_seconds, frames, out) writes `frames` frames of `channels`
  // interleaved values starting at time t.
  using SensorSource = std::function<void(double, uint32_t, float*)>;
  void set_sensor(SensorSource source, uint32_t channels = 1) {
    sensor_ = std::move(source);
    sensor_channels_ = channels == 0 ? 1 : channels;
  }
  void log(const char* text) override;

  double now_ms() const;

 private:
  PosixFlash* flash_;
  PublishSink sink_;
  bool quiet_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  SensorSource sensor_;
  uint32_t sensor_channels_ = 1;
};

}  // namespace tmf_posix
