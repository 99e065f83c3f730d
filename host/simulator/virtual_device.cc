// A virtual device of the fleet simulator (see virtual_device.h).
#include "host/simulator/virtual_device.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "device/dsp/frame.h"

namespace tmf::simulator {
namespace {

// The POSIX port with a cycle counter: nanoseconds of the host's steady clock (telemetry's
// inference_cycles are host nanoseconds for virtual devices).
class SimPort : public tmf_posix::PosixPort {
 public:
  using PosixPort::PosixPort;
  uint32_t cycle_counter() override {
    return static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
};

uint8_t* aligned(std::vector<uint8_t>& storage, size_t bytes, size_t alignment) {
  storage.assign(bytes + alignment, 0);
  const uintptr_t p = reinterpret_cast<uintptr_t>(storage.data());
  return storage.data() + (alignment - p % alignment) % alignment;
}

}  // namespace

VirtualDevice::VirtualDevice(const VirtualDeviceOptions& options, std::unique_ptr<sim::VibrationSource> source)
    : options_(options), source_(std::move(source)), keys_(options.trusted_keys) {
  if (!tmf::ota_name_valid(options_.id.c_str()) || !tmf::ota_name_valid(options_.group.c_str()) ||
      !tmf::ota_name_valid(options_.fleet.c_str())) {
    throw std::invalid_argument("device '" + options_.id + "' of group '" + options_.group + "' in fleet '" +
                                options_.fleet + "': names must be 1-32 characters of [A-Za-z0-9_-]");
  }
  if (keys_.empty() || keys_.size() > tmf::kOtaMaxKeys) throw std::invalid_argument("1 to 8 trusted keys are needed");
  flash_ = std::make_unique<tmf_posix::PosixFlash>(options_.flash_path, tmf::PortFlashGeometry{1024 * 1024, 4096, 8});
  const tmf_posix::LinkProfile shape{options_.link.kbps, options_.link.latency_ms, options_.link.loss_percent, 40};
  link_ = std::make_unique<tmf_posix::MqttLink>(options_.fleet, options_.id, options_.broker_port, shape, shape,
                                                options_.seed, options_.tls);
  port_ = std::make_unique<SimPort>(
      flash_.get(),
      [this](tmf::OtaTopic topic, const uint8_t* data, uint32_t bytes) {
        return link_->publish(port_->now_ms(), topic, data, bytes);
      },
      true);

  agent_config_.core = "cortex-m4";
  agent_config_.group = options_.group.c_str();
  agent_config_.fleet = options_.fleet.c_str();
  agent_config_.arena = aligned(arena_storage_, options_.ram_bytes, 16);
  agent_config_.arena_bytes = options_.ram_bytes;
  agent_config_.trusted_keys = reinterpret_cast<const uint8_t(*)[32]>(keys_.data());
  agent_config_.trusted_key_count = static_cast<uint32_t>(keys_.size());
  agent_config_.max_chunk_bytes = 4096;
  agent_config_.window = 8;
  agent_config_.request_timeout_ms = 2000;
  agent_config_.give_up_ms = 60000;

  capture_.resize(options_.capture_capacity);
  app_config_.batch_windows = options_.batch_windows;
  app_config_.ring_batches = 16;
  app_config_.ack_timeout_ms = 3000;
  app_config_.data_interval_ms = 20;
  app_config_.data_segment_samples = 1024;
  app_config_.sample_rate_hz = options_.sample_rate_hz;
  app_config_.capture_buffer = capture_.data();
  app_config_.capture_capacity = options_.capture_capacity;
  app_config_.max_features = 64;
  app_config_.max_bins = 32;
  const uint32_t memory_bytes = tmf::app_memory_bytes(app_config_);
  if (memory_bytes == 0) throw std::logic_error("device app: bad configuration");
  app_config_.memory = aligned(app_memory_, memory_bytes, 8);
  app_config_.memory_bytes = memory_bytes;

  agent_ = std::make_unique<tmf::Agent>();
  app_ = std::make_unique<tmf::App>();
  boot();
}

VirtualDevice::~VirtualDevice() = default;

void VirtualDevice::boot() {
  const tmf::AgentStatus s = tmf::agent_boot(agent_.get(), port_.get(), agent_config_);
  if (s != tmf::AgentStatus::kAgentOk && s != tmf::AgentStatus::kAgentErrNoModel) {
    throw std::runtime_error(options_.flash_path + ": agent boot failed: " + tmf::agent_status_to_string(s));
  }
  const tmf::AppStatus a = tmf::app_init(app_.get(), agent_.get(), port_.get(), app_config_);
  if (a != tmf::AppStatus::kAppOk) {
    throw std::runtime_error(options_.id + ": device app init failed: " + tmf::app_status_to_string(a));
  }
}

void VirtualDevice::start() { link_->start(port_->now_ms()); }

std::pair<uint32_t, uint32_t> VirtualDevice::model() const {
  const tmf::Model* m = tmf::agent_model(agent_.get());
  if (m == nullptr) return {0, 0};
  return {m->header->model_id, m->header->model_version};
}

bool VirtualDevice::runs_detection() const { return tmf::app_window_samples(app_.get()) > 0; }

bool VirtualDevice::step(double t_s, double window_period_s) {
  due_.clear();
  link_->poll(port_->now_ms(), 0, &due_);
  if (link_->just_disconnected) {
    link_->just_disconnected = false;
    tmf::app_on_disconnect(app_.get());
  }
  if (link_->just_connected) {
    link_->just_connected = false;
    tmf::app_on_connect(app_.get());
  }
  for (const tmf_posix::LinkMessage& m : due_) {
    if (m.topic == tmf::OtaTopic::kOtaTopicAck) {
      tmf::OtaTelemetryAck ack{};
      if (tmf::ota_telemetry_ack_decode(m.payload.data(), m.payload.size(), &ack) == tmf::OtaDecodeStatus::kOtaDecodeOk) {
        acked_.insert({ack.incarnation, ack.boot_count, ack.seq});
      }
    }
    if (tmf::app_on_message(app_.get(), m.topic, m.payload.data(), m.payload.size()) == tmf::AgentStatus::kAgentErrFlash) {
      throw std::runtime_error(options_.flash_path + ": flash operation failed");
    }
  }
  tmf::app_poll(app_.get());
  if (agent_->reboot_requested) {
    tmf::app_on_disconnect(app_.get());
    boot();
    if (link_->connected()) tmf::app_on_connect(app_.get());
  }
  if (const uint32_t wanted = tmf::app_capture_pending(app_.get()); wanted > 0) {
    // Whole interleaved frames (as the POSIX port reads them): a request shorter than one frame
    // still gets one, a longer one ends at a frame's last axis.
    const uint32_t c = source_->axes();
    const uint32_t frames = std::max<uint32_t>(1, std::min<uint32_t>(wanted, options_.capture_capacity) / c);
    if (capture_.size() < static_cast<size_t>(frames) * c) capture_.resize(static_cast<size_t>(frames) * c);
    source_->generate(t_s, frames, capture_.data());
    tmf::app_on_capture(app_.get(), capture_.data(), frames * c);
  }
  if (t_s < next_window_s_) return false;
  const double window_t = next_window_s_;
  next_window_s_ += window_period_s;
  const uint32_t n = tmf::app_window_samples(app_.get());
  // A model for another number of axes than the sensor's is not run (as on a device, port.h).
  const uint32_t c = source_->axes();
  if (n == 0 || tmf::app_window_channels(app_.get()) != c || n % c != 0) return false;
  window_.resize(n);
  if (c == 1) {
    source_->generate(window_t, n, window_.data());
  } else {
    // The sensor's interleaved frames become the model's channel-major window (dsp/frame.h).
    frames_.resize(n);
    source_->generate(window_t, n / c, frames_.data());
    if (tmf::dsp::frame_deinterleave(frames_.data(), n / c, c, window_.data()) != tmf::dsp::DspStatus::kOk) return false;
  }
  tmf::AppWindowResult r{};
  if (tmf::app_on_window(app_.get(), window_.data(), n, &r) != tmf::AppStatus::kAppOk) return false;
  windows_.push_back({window_t, model().second, r.score, r.detect.alarm,
                      r.detect.event == tmf::detect::DetectEvent::kAlarmRaised,
                      r.detect.phase == tmf::detect::DetectPhase::kMonitoring});
  return true;
}

void VirtualDevice::drain() {
  for (int i = 0; i < 20 && link_->connected(); ++i) {
    due_.clear();
    link_->poll(port_->now_ms(), 1, &due_);
  }
}

}  // namespace tmf::simulator
