// libmosquitto behind a bounded queue, with TLS and failure reasons (see mqtt_client.h).
#include "host/fleet/mqtt_client.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <mosquitto.h>
#include <mqtt_protocol.h>

namespace tmf::fleet {
namespace {

struct MosquittoLibrary {
  MosquittoLibrary() { mosquitto_lib_init(); }
};

void ensure_library() {
  static MosquittoLibrary library;  // mosquitto_lib_init is not thread-safe: once, first use
  (void)library;
}

std::string connack_reason(int rc) {
  switch (rc) {
    case 1: return "connection refused: unacceptable protocol version";
    case 2: return "connection refused: client id rejected";
    case 3: return "connection refused: broker unavailable";
    case 4: return "connection refused: bad user name or password";
    case 5: return "connection refused: not authorised (certificate or identity not accepted)";
    // MQTT 5 reason codes (CONNACK).
    case 0x84: return "connection refused: unsupported protocol version (MQTT 5)";
    case 0x85: return "connection refused: client id rejected";
    case 0x86: return "connection refused: bad user name or password";
    case 0x87: return "connection refused: not authorised (certificate or identity not accepted)";
    case 0x88: return "connection refused: broker unavailable";
    default: return "connection refused (CONNACK " + std::to_string(rc) + ")";
  }
}

}  // namespace

MqttClient::MqttClient(const std::string& client_id, const BrokerSettings& broker, MqttClientOptions options)
    : broker_(broker), options_(options) {
  broker_settings_check(broker_);
  ensure_library();
  const std::string where = broker_.url();
  if (!options_.clean_session && client_id.empty()) throw MqttError(where + ": a persistent session needs a client id");
  if (options_.queue_limit == 0) options_.queue_limit = 1;
  mosq_ = mosquitto_new(client_id.c_str(), options_.clean_session, this);
  if (!mosq_) throw MqttError(where + ": cannot create MQTT client");
  auto give_up = [&](const std::string& why) {
    mosquitto_destroy(mosq_);
    mosq_ = nullptr;
    throw MqttError(where + ": " + why);
  };
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, options_.mqtt5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
  mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_max_inflight_messages_set(mosq_, 0);  // no cap on QoS 1 in flight: manifests to 200 devices
  mosquitto_reconnect_delay_set(mosq_, 1, 16, true);
  if (broker_.tls) {
    const char* cert = broker_.cert_file.empty() ? nullptr : broker_.cert_file.c_str();
    const char* key = broker_.key_file.empty() ? nullptr : broker_.key_file.c_str();
    int rc = mosquitto_tls_set(mosq_, broker_.ca_file.c_str(), nullptr, cert, key, nullptr);
    if (rc != MOSQ_ERR_SUCCESS) give_up(std::string("TLS files (--ca/--cert/--key): ") + mosquitto_strerror(rc));
    // Verify the broker's certificate and host name; TLS 1.2 at least.
    rc = mosquitto_tls_opts_set(mosq_, 1, "tlsv1.2", nullptr);
    if (rc != MOSQ_ERR_SUCCESS) give_up(std::string("TLS options: ") + mosquitto_strerror(rc));
  }
  if (!broker_.username.empty()) {
    password_ = broker_settings_password(broker_);
    const int rc = mosquitto_username_pw_set(mosq_, broker_.username.c_str(),
                                             broker_.password_file.empty() ? nullptr : password_.c_str());
    if (rc != MOSQ_ERR_SUCCESS) give_up(std::string("--username: ") + mosquitto_strerror(rc));
  }
  if (!options_.will_topic.empty()) {
    const int rc = mosquitto_will_set(mosq_, options_.will_topic.c_str(), static_cast<int>(options_.will_payload.size()),
                                      options_.will_payload.data(), 1, options_.will_retain);
    if (rc != MOSQ_ERR_SUCCESS) give_up(std::string("last will: ") + mosquitto_strerror(rc));
  }
  mosquitto_connect_callback_set(mosq_, &MqttClient::on_connect);
  mosquitto_disconnect_callback_set(mosq_, &MqttClient::on_disconnect);
  mosquitto_message_callback_set(mosq_, &MqttClient::on_message);
  mosquitto_log_callback_set(mosq_, &MqttClient::on_log);
  int rc = MOSQ_ERR_SUCCESS;
  if (options_.mqtt5 && !options_.clean_session) {
    // The CONNECT properties are kept by libmosquitto and sent again on every reconnect; there is
    // no asynchronous v5 connect, so the first attempt blocks (TCP and TLS handshake) here.
    mosquitto_property* properties = nullptr;
    rc = mosquitto_property_add_int32(&properties, MQTT_PROP_SESSION_EXPIRY_INTERVAL, options_.session_expiry_s);
    if (rc != MOSQ_ERR_SUCCESS) give_up(std::string("session expiry: ") + mosquitto_strerror(rc));
    rc = mosquitto_connect_bind_v5(mosq_, broker_.host.c_str(), broker_.port, 10, nullptr, properties);
    mosquitto_property_free_all(&properties);
  } else {
    rc = mosquitto_connect_async(mosq_, broker_.host.c_str(), broker_.port, 10);
  }
  if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_ERRNO) give_up(mosquitto_strerror(rc));
  if (rc == MOSQ_ERR_ERRNO) fail("cannot connect (broker not reachable yet); retrying");
  // A refused first connection (broker not up yet) is retried by the network thread.
  mosquitto_threaded_set(mosq_, true);
  network_ = std::thread([this] { network_loop(); });
}

// The network thread is ours, not libmosquitto's (mosquitto_loop_start): its loop ends for good
// when a TLS handshake meets a refused or reset connection (2.0.x returns MOSQ_ERR_ERRNO/EPROTO
// from mosquitto_loop_forever, eclipse/mosquitto#2825), so a broker restart left a TLS client
// offline forever. This one reconnects with backoff (1 s doubling to 16 s, back to 1 s after a
// connection) until the client closes, and notices the close within 100 ms.
void MqttClient::network_loop() {
  int delay_s = 1;
  uint64_t connects_seen = 0;
  while (true) {
    const int rc = mosquitto_loop(mosq_, 100, 1);
    std::unique_lock<std::mutex> lock(mutex_);
    if (closing_) break;
    if (rc == MOSQ_ERR_SUCCESS) continue;
    connected_ = false;
    if (connects_ > connects_seen) {
      connects_seen = connects_;
      delay_s = 1;
    }
    if (last_error_.empty()) last_error_ = "connection lost; reconnecting";
    if (closing_cv_.wait_for(lock, std::chrono::seconds(delay_s), [&] { return closing_; })) break;
    delay_s = std::min(delay_s * 2, 16);
    lock.unlock();
    if (mosquitto_reconnect_async(mosq_) == MOSQ_ERR_ERRNO) fail(std::string("cannot reach the broker: ") + std::strerror(errno));
  }
  // Let the DISCONNECT the destructor queued go out (a clean close fires no will).
  for (int i = 0; i < 10 && mosquitto_loop(mosq_, 50, 1) == MOSQ_ERR_SUCCESS; ++i) {
  }
}

MqttClient::~MqttClient() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
  }
  space_cv_.notify_all();  // a network thread waiting for queue space lets go
  closing_cv_.notify_all();
  mosquitto_disconnect(mosq_);  // queued; the network thread sends it on its way out
  if (network_.joinable()) network_.join();
  mosquitto_destroy(mosq_);
}

void MqttClient::fail(std::string why) {
  std::lock_guard<std::mutex> lock(mutex_);
  last_error_ = std::move(why);
}

void MqttClient::on_connect(struct mosquitto* mosq, void* self_ptr, int rc) {
  auto* self = static_cast<MqttClient*>(self_ptr);
  if (rc != 0) {
    self->fail(connack_reason(rc));
    return;
  }
  std::vector<std::pair<std::string, int>> subscriptions;
  {
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->connected_ = true;
    ++self->connects_;
    self->last_error_.clear();
    subscriptions = self->subscriptions_;
  }
  for (const auto& [pattern, qos] : subscriptions) mosquitto_subscribe(mosq, nullptr, pattern.c_str(), qos);
  self->cv_.notify_all();
}

void MqttClient::on_disconnect(struct mosquitto*, void* self_ptr, int rc) {
  auto* self = static_cast<MqttClient*>(self_ptr);
  std::lock_guard<std::mutex> lock(self->mutex_);
  self->connected_ = false;
  if (rc != 0 && !self->closing_ && self->last_error_.empty()) self->last_error_ = "connection lost; reconnecting";
}

void MqttClient::on_log(struct mosquitto*, void* self_ptr, int level, const char* text) {
  // libmosquitto reports TLS handshake failures (unknown CA, bad certificate) only here.
  if (level != MOSQ_LOG_ERR || text == nullptr) return;
  static_cast<MqttClient*>(self_ptr)->fail(std::string("TLS/connection error: ") + text);
}

void MqttClient::on_message(struct mosquitto*, void* self_ptr, const struct mosquitto_message* message) {
  auto* self = static_cast<MqttClient*>(self_ptr);
  MqttMessage m;
  m.topic = message->topic;
  const auto* bytes = static_cast<const uint8_t*>(message->payload);
  m.payload.assign(bytes, bytes + message->payloadlen);
  m.retained = message->retain;
  {
    std::unique_lock<std::mutex> lock(self->mutex_);
    if (self->queue_.size() >= self->options_.queue_limit) {
      ++self->backpressure_waits_;
      self->space_cv_.wait(lock, [&] { return self->closing_ || self->queue_.size() < self->options_.queue_limit; });
      if (self->closing_) return;
    }
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

void MqttClient::require_connected(std::chrono::milliseconds timeout) {
  if (wait_connected(timeout)) return;
  std::string why = last_error();
  if (why.empty()) why = "no answer from the broker within " + std::to_string(timeout.count() / 1000) + " s";
  throw MqttError(broker_.url() + ": " + why);
}

std::optional<MqttMessage> MqttClient::next(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!cv_.wait_for(lock, timeout, [&] { return !queue_.empty(); })) return std::nullopt;
  MqttMessage m = std::move(queue_.front());
  queue_.pop_front();
  lock.unlock();
  space_cv_.notify_one();
  return m;
}

uint64_t MqttClient::connect_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return connects_;
}

std::string MqttClient::last_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_error_;
}

uint64_t MqttClient::backpressure_waits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return backpressure_waits_;
}

}  // namespace tmf::fleet
