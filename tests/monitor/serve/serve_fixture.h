// Shared pieces of the serve tests: a scratch directory, a Mosquitto broker on a free loopback
// port, child processes, and TELEMETRY payloads built with the real protocol encoder.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "device/agent/protocol.h"
#include "device/detect/sketch.h"
#include "host/fleet/broker_config.h"
#include "host/monitor/alerts.h"
#include "tests/support/child_process.h"

namespace tmf::test {

inline std::string scratch_dir(const std::string& name) {
  const std::string dir = std::string(TMF_SERVE_WORK) + "/" + name;
  std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str());
  return dir;
}

inline int free_port() { return test_support::free_loopback_port(); }

// Runs argv with stdout/stderr to `log` (appended).
inline pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  return test_support::spawn_logged(argv, log, true);
}

inline monitor::AlertFilter alert_filter(std::optional<std::string> state, std::optional<std::string> kind = {},
                                        std::optional<std::string> device = {}) {
  monitor::AlertFilter f;
  f.state = std::move(state);
  f.kind = std::move(kind);
  f.device = std::move(device);
  return f;
}

// A plain-text, anonymous Mosquitto on 127.0.0.1:port with the queue limit per session that
// `tinymlops broker config` writes (host/fleet/broker_config.h; Mosquitto's own default of 1,000
// drops a figure's burst and turns it into a measure of resend timeouts), no persistence file
// (sessions live as long as the broker). Only for what is about
// MQTT itself or is the plain-text baseline of a figure; everything about the fleet runs on
// tests/support/fleet_broker.h.
struct PlainBroker {
  int port = 0;
  pid_t pid = -1;
  explicit PlainBroker(const std::string& dir) : port(free_port()) {
    {
      std::ofstream conf(dir + "/mosquitto.conf");
      conf << "listener " << port << " 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages "
           << fleet::BrokerConfigRequest{}.max_queued_messages << "\n";
    }
    pid = spawn({"mosquitto", "-c", dir + "/mosquitto.conf"}, dir + "/mosquitto.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ~PlainBroker() {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  }
};

// One TELEMETRY batch: n windows with scores base + i, votes i % 3, and (if features > 0) a sketch
// of `features` x `bins` over [-4, 4) with `per_bin` counts in every bin.
struct TelemetrySpec {
  uint32_t incarnation = 0;  // 0: a device without journal incarnation ids
  uint32_t boot_count = 1, seq = 1;
  uint32_t model_id = 0x1234, model_version = 1;
  uint32_t windows = 8;
  uint32_t features = 2, bins = 8;
  uint16_t per_bin = 1;
  uint16_t alarms_raised = 0;
  float score_base = 0.5f;
  float rms_base = -1.0f;  // >= 0: window i carries signal RMS rms_base + 0.25 i; < 0: no RMS part
};

inline std::vector<uint8_t> telemetry_payload(const TelemetrySpec& s) {
  std::vector<float> scores(s.windows), lo(s.features, -4.0f), hi(s.features, 4.0f), mean(s.features, 0.0f),
      m2(s.features, 1.0f);
  std::vector<uint8_t> votes(s.windows);
  std::vector<uint16_t> histogram(size_t{s.features} * s.bins, s.per_bin);
  for (uint32_t i = 0; i < s.windows; ++i) {
    scores[i] = s.score_base + static_cast<float>(i);
    votes[i] = static_cast<uint8_t>(i % 3);
  }
  for (uint32_t f = 0; f < s.features; ++f) mean[f] = 0.25f * static_cast<float>(f);
  OtaTelemetry t{};
  t.incarnation = s.incarnation;
  t.boot_count = s.boot_count;
  t.seq = s.seq;
  t.model_id = s.model_id;
  t.model_version = s.model_version;
  t.active_slot = 0;
  t.phase = OtaTelemetryPhase::kOtaPhaseMonitoring;
  t.alarm = s.alarms_raised > 0 ? 1 : 0;
  t.window_count = static_cast<uint8_t>(s.windows);
  t.first_window = (s.seq - 1) * s.windows;
  t.uptime_s = s.seq;
  t.free_ram_bytes = 4096;
  t.inference_cycles = 79153;
  t.alarms_raised = s.alarms_raised;
  t.candidates = s.alarms_raised;
  t.dropped_batches = 0;
  t.feature_count = static_cast<uint8_t>(s.features);
  t.bins = static_cast<uint8_t>(s.features ? s.bins : 0);
  t.sketch_count = s.features ? s.per_bin * s.bins : 0;
  t.scores = scores.data();
  t.votes = votes.data();
  t.lo = lo.data();
  t.hi = hi.data();
  t.mean = mean.data();
  t.m2 = m2.data();
  t.histogram = histogram.data();
  std::vector<float> rms;
  if (s.rms_base >= 0) {
    for (uint32_t i = 0; i < s.windows; ++i) rms.push_back(s.rms_base + 0.25f * static_cast<float>(i));
    t.rms = rms.data();
  }
  std::vector<uint8_t> out(ota_telemetry_bytes(s.windows, s.features, s.features ? s.bins : 0, t.rms != nullptr));
  out.resize(ota_telemetry_encode(t, out.data(), out.size()));
  return out;
}

}  // namespace tmf::test
