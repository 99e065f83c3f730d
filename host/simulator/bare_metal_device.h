// A bare-metal device of `tinymlops sim`: the Cortex-M firmware (agent + app + runtime) under QEMU
// (scripts/qemu-device.sh), its serial link bridged to the broker by `tinymlops gateway` with the
// device's own certificate, and its sensor UART fed by the simulator with the scenario machine's
// signal. The simulator is only its world: what the device runs, it reports over the link like any
// fleet member (STATUS, TELEMETRY via the gateway; serve records them). docs/sim.md.
//
// The sensor stream: a UART cannot carry a 12 kHz machine at the scenario's acceleration, so the
// simulator writes one window of samples per window period, generated at that window's scenario
// time, as the virtual devices sense them; and when the device is told to capture (its COMMAND
// collect, which the simulator reads on the device's own downlink topic like the device does), the
// capture's contiguous samples at the scenario time the command arrived.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/fleet/broker_settings.h"
#include "host/fleet/mqtt_client.h"
#include "host/sim/vibration_source.h"

namespace tmf::simulator {

struct BareMetalDeviceOptions {
  std::string fleet, id, group;
  std::string core = "cortex-m4";
  std::string qemu_device_script;  // scripts/qemu-device.sh
  std::string firmware;            // device_firmware.elf ("": the script's default for the core)
  std::string gateway_cli;         // the tinymlops binary that runs `gateway`
  std::string work_dir;            // flash image, sensor FIFOs, logs
  fleet::BrokerSettings broker;    // with TLS, cert/key are the device's own identity
  std::vector<std::string> trusted_key_files;
  uint32_t window_ms = 100;        // the firmware's window pacing (below the wall window period)
};

class BareMetalDevice {
 public:
  // Capture buffer of the QEMU firmware (kCaptureSamples, device/port/qemu/firmware_main.cc): a
  // collect asks for more is served with this many (the app clamps, docs/app.md).
  static constexpr uint32_t kCaptureCapacity = 8192;

  BareMetalDevice(const BareMetalDeviceOptions& options, std::unique_ptr<sim::VibrationSource> source);
  ~BareMetalDevice();  // stops the gateway and QEMU
  BareMetalDevice(const BareMetalDevice&) = delete;
  BareMetalDevice& operator=(const BareMetalDevice&) = delete;

  // Starts QEMU and the gateway; throws std::runtime_error naming what failed.
  void start();
  // Feeds the sensor: a requested capture, else one window of `window_samples` when scenario time
  // `t_s` reached the next measurement. Returns true if it queued samples.
  bool step(double t_s, double window_period_s, uint32_t window_samples);
  void set_next_window(double t_s) { next_window_s_ = t_s; }
  // Stops both processes (SIGTERM, then waits).
  void stop();

  const std::string& id() const { return options_.id; }
  const std::string& group() const { return options_.group; }
  const std::string& core() const { return options_.core; }
  uint64_t windows_streamed() const { return windows_streamed_; }
  uint64_t captures_streamed() const { return captures_streamed_; }
  bool running() const;  // QEMU and the gateway are still alive

 private:
  void queue(double t_s, uint32_t samples);
  void flush();
  void watch_commands(double t_s);

  BareMetalDeviceOptions options_;
  std::unique_ptr<sim::VibrationSource> source_;
  std::unique_ptr<fleet::MqttClient> commands_;  // the device's own `cmd` topic
  std::string sensor_pipe_;
  int sensor_fd_ = -1;
  pid_t qemu_pid_ = -1, gateway_pid_ = -1;
  std::vector<uint8_t> pending_;  // samples not yet taken by the FIFO (float32 little-endian)
  size_t pending_at_ = 0;
  std::vector<float> scratch_;
  double next_window_s_ = 0;
  uint64_t windows_streamed_ = 0, captures_streamed_ = 0;
};

}  // namespace tmf::simulator
