// A device-like TELEMETRY publisher for the serve tests: it publishes numbered batches (QoS 1)
// for several devices, keeps every batch until its TELEMETRY_ACK arrives, and resends unacked
// batches after a timeout, as the device agent does. libmosquitto with its own network thread.
#pragma once

#include <mosquitto.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "host/monitor/telemetry_store.h"
#include "serve_fixture.h"
#include "tests/support/fleet_broker.h"

namespace tmf::test {

// A device identity for a mutual-TLS broker (the fleet's ACL then lets it read only its own acks).
struct PublisherTls {
  std::string ca, cert, key;
};

class TelemetryPublisher {
 public:
  // `ack_filter`: the acks to subscribe to (default every device's, tmf/<fleet>/+/ack).
  TelemetryPublisher(const std::string& fleet, int port, const std::string& client_id,
                     const PublisherTls* tls = nullptr, const std::string& ack_filter = "")
      : fleet_(fleet), ack_filter_(ack_filter.empty() ? "tmf/" + fleet + "/+/ack" : ack_filter) {
    mosquitto_lib_init();
    mosq_ = mosquitto_new(client_id.c_str(), true, this);
    if (tls != nullptr) {
      mosquitto_tls_set(mosq_, tls->ca.c_str(), nullptr, tls->cert.c_str(), tls->key.c_str(), nullptr);
    }
    mosquitto_message_callback_set(mosq_, &TelemetryPublisher::on_message);
    mosquitto_connect_callback_set(mosq_, &TelemetryPublisher::on_connect);
    mosquitto_max_inflight_messages_set(mosq_, 0);
    mosquitto_connect(mosq_, "127.0.0.1", port, 10);
    mosquitto_loop_start(mosq_);
  }
  ~TelemetryPublisher() {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, false);
    mosquitto_destroy(mosq_);
  }

  // Publishes batch `key` (first time or resend).
  void publish(const monitor::BatchKey& key, uint32_t windows = 8, uint16_t alarms_raised = 0) {
    TelemetrySpec spec;
    spec.alarms_raised = alarms_raised;
    spec.boot_count = key.boot_count;
    spec.seq = key.seq;
    spec.windows = windows;
    const std::vector<uint8_t> payload = telemetry_payload(spec);
    const std::string topic = "tmf/" + fleet_ + "/" + key.device + "/telemetry";
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto [it, fresh] = sent_at_.emplace(key, std::chrono::steady_clock::now());
      if (!fresh) {
        it->second = std::chrono::steady_clock::now();
        ++resends_;
      }
      ++publishes_;
    }
    mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), 1, false);
  }

  // Publishes other payloads (QoS 1): DATA segments, say.
  void publish_raw(const std::string& topic, const std::vector<uint8_t>& payload) {
    mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), 1, false);
  }

  // Resends every unacked batch last sent more than `timeout` ago; returns how many.
  size_t resend_unacked(std::chrono::milliseconds timeout) {
    std::vector<monitor::BatchKey> due;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const auto now = std::chrono::steady_clock::now();
      for (const auto& [key, at] : sent_at_) {
        if (!acked_.count(key) && now - at > timeout) due.push_back(key);
      }
    }
    for (const auto& key : due) publish(key);
    return due.size();
  }

  size_t acked_count() {
    std::lock_guard<std::mutex> lock(mutex_);
    return acked_.size();
  }
  size_t unacked_count() {
    std::lock_guard<std::mutex> lock(mutex_);
    return sent_at_.size() - acked_.size();
  }
  std::set<monitor::BatchKey> acked() {
    std::lock_guard<std::mutex> lock(mutex_);
    return acked_;
  }
  uint64_t acks_received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return acks_received_;
  }
  uint64_t resends() {
    std::lock_guard<std::mutex> lock(mutex_);
    return resends_;
  }
  uint64_t publishes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return publishes_;
  }
  bool connected() {
    std::lock_guard<std::mutex> lock(mutex_);
    return connected_;
  }

 private:
  static void on_connect(struct mosquitto* mosq, void* self_ptr, int rc) {
    auto* self = static_cast<TelemetryPublisher*>(self_ptr);
    if (rc != 0) return;
    mosquitto_subscribe(mosq, nullptr, self->ack_filter_.c_str(), 1);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->connected_ = true;
  }
  static void on_message(struct mosquitto*, void* self_ptr, const struct mosquitto_message* m) {
    auto* self = static_cast<TelemetryPublisher*>(self_ptr);
    const std::string topic = m->topic;
    const std::string prefix = "tmf/" + self->fleet_ + "/";
    const size_t slash = topic.find('/', prefix.size());
    if (topic.compare(0, prefix.size(), prefix) != 0 || slash == std::string::npos) return;
    OtaTelemetryAck ack{};
    if (ota_telemetry_ack_decode(static_cast<const uint8_t*>(m->payload), static_cast<size_t>(m->payloadlen), &ack) !=
        OtaDecodeStatus::kOtaDecodeOk) {
      return;
    }
    std::lock_guard<std::mutex> lock(self->mutex_);
    ++self->acks_received_;
    self->acked_.insert({topic.substr(prefix.size(), slash - prefix.size()), ack.boot_count, ack.seq, ack.incarnation});
  }

  std::string fleet_;
  std::string ack_filter_;
  struct mosquitto* mosq_ = nullptr;
  std::mutex mutex_;
  std::map<monitor::BatchKey, std::chrono::steady_clock::time_point> sent_at_;
  std::set<monitor::BatchKey> acked_;
  uint64_t acks_received_ = 0, resends_ = 0, publishes_ = 0;
  bool connected_ = false;
};

// One TelemetryPublisher per device, each with the device's own certificate (a fleet broker's ACL
// lets a client publish only as itself), behind the single-publisher interface.
class DevicePublishers {
 public:
  DevicePublishers(FleetBroker& broker, const std::vector<std::string>& devices, const std::string& client_prefix)
      : fleet_(broker.fleet()) {
    for (const auto& id : devices) {
      const TlsIdentity me = broker.device(id);
      const PublisherTls tls{me.ca, me.cert, me.key};
      by_device_[id] = std::make_unique<TelemetryPublisher>(broker.fleet(), broker.port(), client_prefix + "-" + id, &tls,
                                                            "tmf/" + broker.fleet() + "/" + id + "/ack");
    }
  }
  void publish(const monitor::BatchKey& key, uint32_t windows = 8, uint16_t alarms_raised = 0) {
    by_device_.at(key.device)->publish(key, windows, alarms_raised);
  }
  // `payload` on tmf/<fleet>/<device>/<kind>, as that device.
  void publish_as(const std::string& device, const std::string& kind, const std::vector<uint8_t>& payload) {
    by_device_.at(device)->publish_raw("tmf/" + fleet_ + "/" + device + "/" + kind, payload);
  }
  bool connected() { return sum([](auto& p) { return p.connected() ? 1 : 0; }) == by_device_.size(); }
  size_t resend_unacked(std::chrono::milliseconds timeout) { return sum([&](auto& p) { return p.resend_unacked(timeout); }); }
  size_t acked_count() { return sum([](auto& p) { return p.acked_count(); }); }
  size_t unacked_count() { return sum([](auto& p) { return p.unacked_count(); }); }
  uint64_t acks_received() { return sum([](auto& p) { return p.acks_received(); }); }
  uint64_t resends() { return sum([](auto& p) { return p.resends(); }); }
  uint64_t publishes() { return sum([](auto& p) { return p.publishes(); }); }
  std::set<monitor::BatchKey> acked() {
    std::set<monitor::BatchKey> out;
    for (auto& [id, p] : by_device_) out.merge(p->acked());
    return out;
  }

 private:
  template <typename F>
  uint64_t sum(F f) {
    uint64_t n = 0;
    for (auto& [id, p] : by_device_) n += f(*p);
    return n;
  }
  std::string fleet_;
  std::map<std::string, std::unique_ptr<TelemetryPublisher>> by_device_;
};

}  // namespace tmf::test
