// libmosquitto connection with shaping (mqtt_link.h).
#include "mqtt_link.h"

#include <sys/socket.h>
#include <time.h>

#include <stdexcept>

namespace tmf_posix {
namespace {

constexpr char kBrokerHost[] = "127.0.0.1";  // the virtual device talks to nothing else
constexpr int kKeepaliveSeconds = 5;
constexpr double kReconnectBackoffMs = 250;

// QoS and retain flag of each device-to-host topic (docs/protocol.md).
void publish_options(tmf::OtaTopic topic, int* qos, bool* retain) {
  *retain = topic == tmf::OtaTopic::kOtaTopicPresence || topic == tmf::OtaTopic::kOtaTopicInfo ||
            topic == tmf::OtaTopic::kOtaTopicStatus;
  *qos = topic == tmf::OtaTopic::kOtaTopicRequest ? 0 : 1;
}

}  // namespace

MqttLink::MqttLink(const std::string& fleet, const std::string& device, int broker_port, const LinkProfile& down,
                   const LinkProfile& up, uint64_t seed, const MqttLinkTls& tls)
    : fleet_(fleet), device_(device), port_(broker_port), down_(down, seed), up_(up, seed ^ 0x9E3779B97F4A7C15ull) {
  mosquitto_lib_init();
  const std::string client_id = "tmf-" + fleet + "-" + device;
  mosq_ = mosquitto_new(client_id.c_str(), true, this);
  if (mosq_ == nullptr) throw std::runtime_error("mosquitto: cannot create client " + client_id);
  if (!tls.ca_file.empty()) {
    const int rc = mosquitto_tls_set(mosq_, tls.ca_file.c_str(), nullptr,
                                     tls.cert_file.empty() ? nullptr : tls.cert_file.c_str(),
                                     tls.key_file.empty() ? nullptr : tls.key_file.c_str(), nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      throw std::runtime_error("--ca/--cert/--key (" + tls.ca_file + ", " + tls.cert_file + ", " + tls.key_file +
                               "): " + mosquitto_strerror(rc));
    }
    mosquitto_tls_opts_set(mosq_, 1, "tlsv1.2", nullptr);  // verify the broker's certificate
  }
  mosquitto_connect_callback_set(mosq_, &MqttLink::on_connect);
  mosquitto_disconnect_callback_set(mosq_, &MqttLink::on_disconnect);
  mosquitto_message_callback_set(mosq_, &MqttLink::on_message);
  uint8_t offline[tmf::kOtaPresenceBytes];
  tmf::ota_presence_encode(false, offline, sizeof(offline));
  const std::string will = topic(tmf::OtaTopic::kOtaTopicPresence);
  mosquitto_will_set(mosq_, will.c_str(), sizeof(offline), offline, 1, true);
}

MqttLink::~MqttLink() {
  if (mosq_ != nullptr) {
    if (connected_) {
      // A clean stop says offline itself (the will only fires on a lost connection).
      uint8_t offline[tmf::kOtaPresenceBytes];
      tmf::ota_presence_encode(false, offline, sizeof(offline));
      const std::string presence = topic(tmf::OtaTopic::kOtaTopicPresence);
      mosquitto_publish(mosq_, nullptr, presence.c_str(), sizeof(offline), offline, 1, true);
      for (int i = 0; i < 10; ++i) mosquitto_loop(mosq_, 10, 1);
      mosquitto_disconnect(mosq_);
    }
    mosquitto_destroy(mosq_);
  }
  mosquitto_lib_cleanup();
}

std::string MqttLink::topic(tmf::OtaTopic leaf) const {
  char text[tmf::kOtaMaxTopicBytes];
  tmf::ota_topic_format(fleet_.c_str(), device_.c_str(), leaf, text, sizeof(text));
  return text;
}

void MqttLink::start(double now_ms) {
  started_ = true;
  next_attempt_ms_ = now_ms;
}

void MqttLink::on_connect(struct mosquitto* mosq, void* self_ptr, int rc) {
  auto* self = static_cast<MqttLink*>(self_ptr);
  self->connecting_ = false;
  if (rc != 0) return;
  // ack: TELEMETRY_ACK for the device application's batches (docs/app.md).
  for (tmf::OtaTopic leaf : {tmf::OtaTopic::kOtaTopicManifest, tmf::OtaTopic::kOtaTopicChunk,
                             tmf::OtaTopic::kOtaTopicCommand, tmf::OtaTopic::kOtaTopicAck}) {
    const std::string t = self->topic(leaf);
    mosquitto_subscribe(mosq, nullptr, t.c_str(), leaf == tmf::OtaTopic::kOtaTopicChunk ? 0 : 1);
  }
  self->connected_ = true;
  self->just_connected = true;
  self->down_.reset(self->now_ms_);
  self->up_.reset(self->now_ms_);
}

void MqttLink::on_disconnect(struct mosquitto*, void* self_ptr, int) {
  auto* self = static_cast<MqttLink*>(self_ptr);
  if (self->connected_) self->just_disconnected = true;
  self->connected_ = false;
  self->connecting_ = false;
  self->next_attempt_ms_ = self->now_ms_ + kReconnectBackoffMs;
}

void MqttLink::on_message(struct mosquitto*, void* self_ptr, const struct mosquitto_message* message) {
  auto* self = static_cast<MqttLink*>(self_ptr);
  tmf::OtaTopic leaf;
  if (!tmf::ota_topic_parse(message->topic, self->fleet_.c_str(), self->device_.c_str(), &leaf)) return;
  const size_t bytes = static_cast<size_t>(message->payloadlen);
  self->bytes_received += bytes;
  ++self->messages_received;
  const double at = self->down_.admit(self->now_ms_, bytes);
  if (at < 0) {
    ++self->messages_lost;
    return;
  }
  const uint8_t* p = static_cast<const uint8_t*>(message->payload);
  self->downlink_.emplace(std::make_pair(at, self->sequence_++), LinkMessage{leaf, std::vector<uint8_t>(p, p + bytes)});
}

void MqttLink::poll(double now_ms, int wait_ms, std::vector<LinkMessage>* due) {
  now_ms_ = now_ms;
  if (started_ && !connected_ && !connecting_ && now_ms >= offline_until_ms_ && now_ms >= next_attempt_ms_) {
    connecting_ = true;
    const int rc = mosquitto_connect_async(mosq_, kBrokerHost, port_, kKeepaliveSeconds);
    if (rc != MOSQ_ERR_SUCCESS) {
      connecting_ = false;
      next_attempt_ms_ = now_ms + kReconnectBackoffMs;
    }
  }
  if (connected_ || connecting_) {
    const int rc = mosquitto_loop(mosq_, wait_ms, 1);
    if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
      if (connected_) just_disconnected = true;
      connected_ = false;
      connecting_ = false;
      next_attempt_ms_ = now_ms + kReconnectBackoffMs;
    }
  } else if (wait_ms > 0) {
    struct timespec ts {0, wait_ms * 1000000L};
    nanosleep(&ts, nullptr);
  }
  while (!downlink_.empty() && downlink_.begin()->first.first <= now_ms) {
    due->push_back(std::move(downlink_.begin()->second));
    downlink_.erase(downlink_.begin());
  }
  while (connected_ && !uplink_.empty() && uplink_.begin()->first.first <= now_ms) {
    const LinkMessage& m = uplink_.begin()->second;
    int qos = 0;
    bool retain = false;
    publish_options(m.topic, &qos, &retain);
    const std::string t = topic(m.topic);
    mosquitto_publish(mosq_, nullptr, t.c_str(), static_cast<int>(m.payload.size()), m.payload.data(), qos, retain);
    uplink_.erase(uplink_.begin());
  }
}

tmf::PortStatus MqttLink::publish(double now_ms, tmf::OtaTopic leaf, const uint8_t* data, uint32_t bytes) {
  if (!connected_) return tmf::PortStatus::kPortErrTransport;
  const double at = up_.admit(now_ms, bytes);
  if (at < 0) return tmf::PortStatus::kPortOk;  // lost on the way: the sender cannot tell
  uplink_.emplace(std::make_pair(at, sequence_++), LinkMessage{leaf, std::vector<uint8_t>(data, data + bytes)});
  return tmf::PortStatus::kPortOk;
}

void MqttLink::force_disconnect(double now_ms, double offline_ms) {
  // Shut the socket down instead of an MQTT DISCONNECT: the broker sees a dropped link.
  const int fd = mosquitto_socket(mosq_);
  if (fd >= 0) shutdown(fd, SHUT_RDWR);
  mosquitto_loop(mosq_, 0, 1);
  if (connected_) just_disconnected = true;
  connected_ = false;
  connecting_ = false;
  downlink_.clear();  // in flight on a dead link
  uplink_.clear();
  offline_until_ms_ = now_ms + offline_ms;
}

}  // namespace tmf_posix
