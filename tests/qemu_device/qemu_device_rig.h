// What the bare-metal device tests share (qemu_device_test.cc, qemu_device_3axis_test.cc): the
// test playing the host over MQTT (events, STATUS, TELEMETRY with acks, DATA), waiting on it, and
// starting and stopping the gateway.
#pragma once

#include <mosquitto.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include "device/detect/sketch.h"
#include "tests/agent/mqtt_host.h"
#include "tests/agent/ota_harness.h"
#include "tests/app/app_rig.h"
#include "tests/support/child_process.h"
#include "tests/support/fleet_broker.h"
#include "tests/support/tmf_test.h"

namespace tmf_test {
extern const char* g_qemu_device_core;  // qemu_device_main.cc: --core
namespace {

using Clock = std::chrono::steady_clock;

struct Host : MqttHost {
  std::string info_core;  // the core the device's INFO names
  // TELEMETRY: (boot_count, seq) -> when it was acknowledged; receptions after the ack.
  std::map<std::pair<uint32_t, uint32_t>, Clock::time_point> acked;
  uint32_t telemetry_received = 0, resent_after_ack = 0;
  std::set<uint32_t> telemetry_models;  // model versions seen in telemetry
  // Every batch received (decoded, its variable parts copied), for checks window by window.
  struct Batch {
    uint32_t boot_count, first_window, feature_count, bins, sketch_count;
    std::vector<float> scores;
    std::vector<uint8_t> votes;
    std::vector<uint16_t> histogram;  // [F * B], feature-major
    std::vector<float> rms;           // [n] when the batch carries signal RMS, else empty
  };
  std::vector<Batch> batches;
  uint32_t data_samples = 0, data_total = 0, data_capture = 0;
};

inline void publish(Host* h, const std::string& leaf, const std::vector<uint8_t>& bytes, int qos) {
  const std::string t = h->prefix + leaf;
  mosquitto_publish(h->mosq, nullptr, t.c_str(), static_cast<int>(bytes.size()), bytes.data(), qos, false);
}

inline void on_message(struct mosquitto*, void* user, const struct mosquitto_message* m) {
  Host* h = static_cast<Host*>(user);
  const std::string topic = m->topic;
  const uint8_t* p = static_cast<const uint8_t*>(m->payload);
  const size_t n = static_cast<size_t>(m->payloadlen);
  if (mqtt_host_record(h, topic, p, n)) return;
  if (topic == h->prefix + "info") {
    tmf::OtaInfo info{};
    if (tmf::ota_info_decode(p, n, &info) == tmf::OtaDecodeStatus::kOtaDecodeOk) h->info_core = info.core;
  } else if (topic == h->prefix + "request" && h->artifact != nullptr) {
    tmf::OtaChunkRequest r{};
    if (tmf::ota_chunk_request_decode(p, n, &r) != tmf::OtaDecodeStatus::kOtaDecodeOk) return;
    if (r.update_id != h->artifact->manifest.update_id) return;
    for (uint32_t i = 0; i < r.range_count; ++i) {
      const std::optional<std::vector<uint8_t>> bytes = mqtt_host_chunk(*h, r.update_id, r.ranges[i]);
      if (bytes) publish(h, "chunk", *bytes, 0);
    }
  } else if (topic == h->prefix + "telemetry") {
    tmf::OtaTelemetry t{};
    if (tmf::ota_telemetry_decode(p, n, &t) != tmf::OtaDecodeStatus::kOtaDecodeOk) return;
    ++h->telemetry_received;
    h->telemetry_models.insert(t.model_version);
    Host::Batch b{t.boot_count, t.first_window, t.feature_count, t.bins, t.sketch_count, {}, {}, {}, {}};
    for (uint32_t w = 0; w < t.window_count; ++w) {
      b.scores.push_back(tmf::ota_telemetry_score(t, w));
      b.votes.push_back(tmf::ota_telemetry_votes(t, w));
      if (t.has_rms) b.rms.push_back(tmf::ota_telemetry_rms(t, w));
    }
    for (uint32_t f = 0; f < t.feature_count; ++f) {
      for (uint32_t k = 0; k < t.bins; ++k) b.histogram.push_back(tmf::ota_telemetry_bin(t, f, k));
    }
    h->batches.push_back(std::move(b));
    const auto key = std::make_pair(t.boot_count, t.seq);
    const auto now = Clock::now();
    auto it = h->acked.find(key);
    // A resend racing the ack is allowed; one a second after the ack means the ack was ignored.
    if (it != h->acked.end() && now - it->second > std::chrono::seconds(1)) ++h->resent_after_ack;
    if (it == h->acked.end()) h->acked[key] = now;
    tmf::OtaTelemetryAck ack{t.boot_count, t.seq, t.incarnation, true};
    std::vector<uint8_t> bytes(tmf::kOtaTelemetryAckBytes);
    bytes.resize(tmf::ota_telemetry_ack_encode(ack, bytes.data(), bytes.size()));
    publish(h, "ack", bytes, 1);
  } else if (topic == h->prefix + "data") {
    tmf::OtaData d{};
    if (tmf::ota_data_decode(p, n, &d) != tmf::OtaDecodeStatus::kOtaDecodeOk) return;
    h->data_capture = d.capture_id;
    h->data_total = d.total_samples;
    h->data_samples += d.sample_count;
  }
}

inline bool wait_for(Host* h, const std::function<bool()>& done, double seconds) {
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    mosquitto_loop(h->mosq, 20, 1);
    if (done()) return true;
  }
  return false;
}

inline const tmf::OtaEventMessage* find_event(const Host& h, uint32_t update_id, tmf::OtaEvent event) {
  for (const tmf::OtaEventMessage& e : h.events) {
    if (e.update_id == update_id && e.event == event) return &e;
  }
  return nullptr;
}

inline size_t count_in_file(const std::string& path, const std::string& needle) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

// `tinymlops gateway` for one device, connecting with that device's certificate.
inline std::vector<std::string> gateway_argv(tmf::test::FleetBroker& broker, const std::string& link, const std::string& id) {
  const tmf::test::TlsIdentity me = broker.device(id);
  return {TMF_CLI, "gateway", "--link", link, "--device", id, "--fleet", "plant",
          "--broker", "mqtts://127.0.0.1:" + std::to_string(broker.port()), "--ca", me.ca, "--cert", me.cert,
          "--key", me.key, "--json"};
}

// SIGTERM, then SIGKILL after 3 s: the callers' pids are copies, so the reset to -1 stays here.
inline void stop(pid_t pid) { tmf::test_support::stop_child(pid); }

}  // namespace
}  // namespace tmf_test
