// One virtual device of `tinymlops sim`: the real device code (agent + device/app: detection
// loop, telemetry, captures) on the POSIX port (flash image file, MQTT through the broker with
// the group's link shaping), sensing a scenario's vibration source. Single-threaded: the fleet
// calls step() in turn for every device. docs/sim.md.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <tuple>
#include <string>
#include <utility>
#include <vector>

#include "device/agent/agent.h"
#include "device/app/app.h"
#include "device/port/posix/mqtt_link.h"
#include "device/port/posix/posix_flash.h"
#include "device/port/posix/posix_port.h"
#include "host/sim/scenario.h"
#include "host/sim/vibration_source.h"

namespace tmf::simulator {

struct VirtualDeviceOptions {
  std::string fleet, id, group;
  int broker_port = 1883;
  tmf_posix::MqttLinkTls tls;  // the device's own identity (empty ca_file: plain text)
  std::string flash_path;
  std::vector<std::array<uint8_t, 32>> trusted_keys;
  sim::LinkShape link;
  uint64_t seed = 1;
  uint32_t ram_bytes = 64 * 1024;
  uint32_t batch_windows = 8;
  uint32_t capture_capacity = 32768;
  uint32_t sample_rate_hz = 12000;
};

// What the device did in one window (kept for the judge and the report).
struct WindowRecord {
  double t_s;              // scenario time of the window
  uint32_t model_version;  // 0: no model
  float score;
  bool alarm;              // the alarm state after the window
  bool raised;             // this window raised the alarm
  bool monitoring;         // false while commissioning
};

class VirtualDevice {
 public:
  VirtualDevice(const VirtualDeviceOptions& options, std::unique_ptr<sim::VibrationSource> source);
  ~VirtualDevice();
  VirtualDevice(const VirtualDevice&) = delete;
  VirtualDevice& operator=(const VirtualDevice&) = delete;

  void start();
  // Network, agent and app work due now; then, if scenario time `t_s` reached the next
  // measurement, one window at that scheduled time (`window_t_s`), and any requested capture.
  // Returns true if a window was processed.
  bool step(double t_s, double window_period_s);
  // Lets the last messages out (before exit).
  void drain();

  const std::string& id() const { return options_.id; }
  const std::string& group() const { return options_.group; }
  // The active model (0, 0 without one).
  std::pair<uint32_t, uint32_t> model() const;
  bool runs_detection() const;  // a model with detection settings is active
  uint32_t window_samples() const { return tmf::app_window_samples(app_.get()); }  // all axes
  uint32_t axes() const { return source_->axes(); }
  const std::vector<WindowRecord>& windows() const { return windows_; }
  // (incarnation, boot_count, seq) of every batch the host acknowledged to this device.
  using AckedKey = std::tuple<uint32_t, uint32_t, uint32_t>;
  const std::set<AckedKey>& acked() const { return acked_; }
  const tmf::AppCounters& counters() const { return app_->counters; }
  uint32_t unacked_batches() const { return app_->ring_count; }
  uint32_t boot_count() const { return agent_->state.boot_count; }
  void set_next_window(double t_s) { next_window_s_ = t_s; }

 private:
  void boot();

  VirtualDeviceOptions options_;
  std::unique_ptr<sim::VibrationSource> source_;
  std::unique_ptr<tmf_posix::PosixFlash> flash_;
  std::unique_ptr<tmf_posix::MqttLink> link_;
  std::unique_ptr<tmf_posix::PosixPort> port_;
  std::unique_ptr<tmf::Agent> agent_;
  std::unique_ptr<tmf::App> app_;
  std::vector<uint8_t> arena_storage_, app_memory_;
  std::vector<float> capture_, window_, frames_;  // frames_: a multi-axis window as sensed
  std::vector<std::array<uint8_t, 32>> keys_;
  tmf::AgentConfig agent_config_{};
  tmf::AppConfig app_config_{};
  std::vector<tmf_posix::LinkMessage> due_;
  std::vector<WindowRecord> windows_;
  std::set<AckedKey> acked_;
  double next_window_s_ = 0;
};

}  // namespace tmf::simulator
