// The virtual device's MQTT connection (libmosquitto, broker on 127.0.0.1 only) with link shaping
// in both directions and forced disconnects. Single-threaded: poll() runs the network and returns
// the downlink messages whose shaped arrival time has come.
#pragma once

#include <mosquitto.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "device/agent/protocol.h"
#include "device/port/port.h"
#include "link_shaper.h"

namespace tmf_posix {

// The device's own identity for a mutual-TLS broker (empty ca_file: plain text, a lab opt-in).
struct MqttLinkTls {
  std::string ca_file;    // the fleet CA that signed the broker's certificate
  std::string cert_file;  // this device's certificate (CN = device id), from `devices enroll`
  std::string key_file;
};

struct LinkMessage {
  tmf::OtaTopic topic;
  std::vector<uint8_t> payload;
};

class MqttLink {
 public:
  // Throws std::runtime_error with the reason if the client cannot be created.
  MqttLink(const std::string& fleet, const std::string& device, int broker_port, const LinkProfile& down,
           const LinkProfile& up, uint64_t seed, const MqttLinkTls& tls = {});
  ~MqttLink();
  MqttLink(const MqttLink&) = delete;
  MqttLink& operator=(const MqttLink&) = delete;

  // Starts connecting (asynchronously; reconnects by itself until stopped).
  void start(double now_ms);
  // Runs the network for up to `wait_ms`; appends due downlink messages to `due`; sends due uplink.
  void poll(double now_ms, int wait_ms, std::vector<LinkMessage>* due);
  // Queues a publish through the uplink shaper (fails when not connected).
  tmf::PortStatus publish(double now_ms, tmf::OtaTopic topic, const uint8_t* data, uint32_t bytes);
  // Drops the connection now (as a link failure: no clean MQTT disconnect, the will fires) and
  // stays offline for `offline_ms`.
  void force_disconnect(double now_ms, double offline_ms);

  bool connected() const { return connected_; }
  // Set by the network callbacks; the owner reads and clears them.
  bool just_connected = false;
  bool just_disconnected = false;
  uint64_t bytes_received = 0, messages_received = 0, messages_lost = 0;

 private:
  static void on_connect(struct mosquitto*, void* self, int rc);
  static void on_disconnect(struct mosquitto*, void* self, int rc);
  static void on_message(struct mosquitto*, void* self, const struct mosquitto_message* message);
  std::string topic(tmf::OtaTopic leaf) const;

  std::string fleet_, device_;
  int port_;
  struct mosquitto* mosq_ = nullptr;
  LinkShaper down_, up_;
  bool connected_ = false, connecting_ = false, started_ = false;
  double offline_until_ms_ = 0, next_attempt_ms_ = 0, now_ms_ = 0;
  uint64_t sequence_ = 0;
  std::multimap<std::pair<double, uint64_t>, LinkMessage> downlink_, uplink_;
};

}  // namespace tmf_posix
