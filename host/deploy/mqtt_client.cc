// libmosquitto behind a queue (see mqtt_client.h).
#include "host/deploy/mqtt_client.h"

#include <mosquitto.h>

namespace tmf::deploy {
namespace {

struct MosquittoLibrary {
  MosquittoLibrary() { mosquitto_lib_init(); }
};

void ensure_library() {
  static MosquittoLibrary library;  // mosquitto_lib_init is not thread-safe: once, first use
  (void)library;
}

}  // namespace

MqttClient::MqttClient(const std::string& client_id, const std::string& host, int port)
    : MqttClient(client_id, host, port, true) {}

MqttClient::MqttClient(const std::string& client_id, const std::string& host, int port, bool clean_session)
    : where_("mqtt://" + host + ":" + std::to_string(port)) {
  ensure_library();
  if (!clean_session && client_id.empty()) throw MqttError(where_ + ": a persistent session needs a client id");
  mosq_ = mosquitto_new(client_id.c_str(), clean_session, this);
  if (!mosq_) throw MqttError(where_ + ": cannot create MQTT client");
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_max_inflight_messages_set(mosq_, 0);  // no cap on QoS 1 in flight: manifests to 200 devices
  mosquitto_reconnect_delay_set(mosq_, 1, 2, false);
  mosquitto_connect_callback_set(mosq_, &MqttClient::on_connect);
  mosquitto_disconnect_callback_set(mosq_, &MqttClient::on_disconnect);
  mosquitto_message_callback_set(mosq_, &MqttClient::on_message);
  const int rc = mosquitto_connect_async(mosq_, host.c_str(), port, 10);
  if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_ERRNO) {
    mosquitto_destroy(mosq_);
    throw MqttError(where_ + ": " + mosquitto_strerror(rc));
  }
  // A refused first connection (broker not up yet) is retried by the loop thread.
  if (mosquitto_loop_start(mosq_) != MOSQ_ERR_SUCCESS) {
    mosquitto_destroy(mosq_);
    throw MqttError(where_ + ": cannot start the MQTT network thread");
  }
}

MqttClient::~MqttClient() {
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, false);
  mosquitto_destroy(mosq_);
}

void MqttClient::on_connect(struct mosquitto* mosq, void* self_ptr, int rc) {
  auto* self = static_cast<MqttClient*>(self_ptr);
  if (rc != 0) return;
  std::vector<std::pair<std::string, int>> subscriptions;
  {
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->connected_ = true;
    ++self->connects_;
    subscriptions = self->subscriptions_;
  }
  for (const auto& [pattern, qos] : subscriptions) mosquitto_subscribe(mosq, nullptr, pattern.c_str(), qos);
  self->cv_.notify_all();
}

void MqttClient::on_disconnect(struct mosquitto*, void* self_ptr, int) {
  auto* self = static_cast<MqttClient*>(self_ptr);
  std::lock_guard<std::mutex> lock(self->mutex_);
  self->connected_ = false;
}

void MqttClient::on_message(struct mosquitto*, void* self_ptr, const struct mosquitto_message* message) {
  auto* self = static_cast<MqttClient*>(self_ptr);
  MqttMessage m;
  m.topic = message->topic;
  const auto* bytes = static_cast<const uint8_t*>(message->payload);
  m.payload.assign(bytes, bytes + message->payloadlen);
  m.retained = message->retain;
  {
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->queue_.push_back(std::move(m));
  }
  self->cv_.notify_all();
}

void MqttClient::subscribe(const std::string& pattern, int qos) {
  bool now = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    subscriptions_.emplace_back(pattern, qos);
    now = connected_;
  }
  if (now) mosquitto_subscribe(mosq_, nullptr, pattern.c_str(), qos);
}

bool MqttClient::publish(const std::string& topic, const uint8_t* data, size_t bytes, int qos, bool retain) {
  return mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(bytes), data, qos, retain) ==
         MOSQ_ERR_SUCCESS;
}

bool MqttClient::connected() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return connected_;
}

bool MqttClient::wait_connected(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] { return connected_; });
}

std::optional<MqttMessage> MqttClient::next(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!cv_.wait_for(lock, timeout, [&] { return !queue_.empty(); })) return std::nullopt;
  MqttMessage m = std::move(queue_.front());
  queue_.pop_front();
  return m;
}

uint64_t MqttClient::connect_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return connects_;
}

}  // namespace tmf::deploy
