// An MQTT client for the host (libmosquitto, threaded loop): connects asynchronously, reconnects
// by itself after a broker restart and then re-subscribes, and hands received messages to the
// caller through a thread-safe queue, so all protocol logic runs on the caller's thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct mosquitto;
struct mosquitto_message;

namespace tmf::deploy {

class MqttError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MqttMessage {
  std::string topic;
  std::vector<uint8_t> payload;
  bool retained = false;
};

class MqttClient {
 public:
  // Starts connecting to host:port in the background; subscriptions given later are (re)made on
  // every connect. Throws MqttError if the client cannot be created.
  MqttClient(const std::string& client_id, const std::string& host, int port);
  // clean_session = false asks the broker for a persistent session under this (stable) client
  // id: its subscriptions and the QoS 1 messages published while the client is away are kept
  // and delivered on the next connect (tinymlops serve, docs/serve.md). The default above is a
  // clean session.
  MqttClient(const std::string& client_id, const std::string& host, int port, bool clean_session);
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
  // Next received message, waiting up to `timeout`; nullopt on timeout.
  std::optional<MqttMessage> next(std::chrono::milliseconds timeout);
  // How many times the connection was (re-)established.
  uint64_t connect_count() const;

 private:
  static void on_connect(struct mosquitto*, void* self, int rc);
  static void on_disconnect(struct mosquitto*, void* self, int rc);
  static void on_message(struct mosquitto*, void* self, const struct mosquitto_message* message);

  struct mosquitto* mosq_ = nullptr;
  std::string where_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<MqttMessage> queue_;
  std::vector<std::pair<std::string, int>> subscriptions_;
  bool connected_ = false;
  uint64_t connects_ = 0;
};

}  // namespace tmf::deploy
