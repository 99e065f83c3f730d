// An MQTT client for the host (libmosquitto, threaded loop), plain or mutual TLS (BrokerSettings):
// connects asynchronously, reconnects by itself with exponential backoff (1 s doubling to 16 s)
// after a broker restart and then re-subscribes, and hands received messages to the caller through
// a bounded thread-safe queue, so all protocol logic runs on the caller's thread. A full queue
// stalls the network thread (backpressure: the broker holds the rest) instead of growing.
// Why a connection failed (refused login, bad certificate, unreachable) is kept and said.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "host/fleet/broker_settings.h"

struct mosquitto;
struct mosquitto_message;

namespace tmf::fleet {

class MqttError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MqttMessage {
  std::string topic;
  std::vector<uint8_t> payload;
  bool retained = false;
};

struct MqttClientOptions {
  // false asks the broker for a persistent session under this (stable) client id: its
  // subscriptions and the QoS 1 messages published while the client is away are kept and
  // delivered on the next connect (tinymlops serve, docs/serve.md).
  bool clean_session = true;
  // MQTT 5 instead of 3.1.1 (serve --share-group: shared subscriptions `$share/GROUP/...`). With
  // clean_session false the session outlives a connection by `session_expiry_s` seconds (MQTT 5
  // sessions without the property end with the connection); 3.1.1 sessions never expire.
  bool mqtt5 = false;
  uint32_t session_expiry_s = 0;
  size_t queue_limit = 65536;  // received messages held for the caller before backpressure
  // The last will: published (QoS 1) by the broker when the connection is lost without a clean
  // DISCONNECT (empty topic: none).
  std::string will_topic;
  std::vector<uint8_t> will_payload;
  bool will_retain = false;
};

class MqttClient {
 public:
  // Checks the settings (broker_settings_check) and starts connecting in the background;
  // subscriptions given later are (re)made on every connect. Throws BrokerSettingsError for bad
  // settings, MqttError if the client cannot be created.
  MqttClient(const std::string& client_id, const BrokerSettings& broker, MqttClientOptions options = {});
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  void subscribe(const std::string& pattern, int qos);
  // False if the message could not be queued (not connected); QoS 0 messages are then lost,
  // which the protocol tolerates (requests are repeated).
  bool publish(const std::string& topic, const uint8_t* data, size_t bytes, int qos, bool retain);
  bool connected() const;
  // Blocks until connected or the timeout passes.
  bool wait_connected(std::chrono::milliseconds timeout);
  // wait_connected, else throws MqttError saying why ("mqtts://h:p: connection refused: not
  // authorised", "... TLS: certificate verify failed", "... no answer from the broker").
  void require_connected(std::chrono::milliseconds timeout);
  // Next received message, waiting up to `timeout`; nullopt on timeout.
  std::optional<MqttMessage> next(std::chrono::milliseconds timeout);
  // How many times the connection was (re-)established.
  uint64_t connect_count() const;
  // The last reason a connection failed or dropped ("" if none yet).
  std::string last_error() const;
  // Times the network thread waited for the caller because the queue was full.
  uint64_t backpressure_waits() const;
  const BrokerSettings& broker() const { return broker_; }

 private:
  static void on_connect(struct mosquitto*, void* self, int rc);
  static void on_disconnect(struct mosquitto*, void* self, int rc);
  static void on_message(struct mosquitto*, void* self, const struct mosquitto_message* message);
  static void on_log(struct mosquitto*, void* self, int level, const char* text);
  void fail(std::string why);
  void network_loop();

  struct mosquitto* mosq_ = nullptr;
  std::thread network_;
  BrokerSettings broker_;
  MqttClientOptions options_;
  std::string password_;  // libmosquitto keeps its own copy; held for the client's lifetime
  mutable std::mutex mutex_;
  std::condition_variable cv_;        // connected / message queued
  std::condition_variable space_cv_;  // the caller took a message
  std::condition_variable closing_cv_;  // the destructor wakes a network thread between attempts
  std::deque<MqttMessage> queue_;
  std::vector<std::pair<std::string, int>> subscriptions_;
  bool connected_ = false;
  bool closing_ = false;
  uint64_t connects_ = 0;
  uint64_t backpressure_waits_ = 0;
  std::string last_error_;
};

}  // namespace tmf::fleet
