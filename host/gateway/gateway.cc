// The gateway's run loop (gateway.h): a TCP client to the device's UART stream, the MQTT client,
// and the GatewaySession between them. Single-threaded apart from the MQTT client's own thread.
#include "gateway.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <thread>

#include "device/agent/protocol.h"
#include "host/fleet/mqtt_client.h"
#include "line_pacer.h"

namespace tmf::gateway {
namespace {

constexpr auto kLinkRetry = std::chrono::milliseconds(200);

// The one place the gateway touches the MQTT client (the integrator moves the class).
class GatewayMqtt {
 public:
  GatewayMqtt(const GatewayOptions& o) : o_(o), client_("tmf-gw-" + o.fleet + "-" + o.device, o.broker, options(o)) {
    for (OtaTopic leaf : {OtaTopic::kOtaTopicManifest, OtaTopic::kOtaTopicChunk, OtaTopic::kOtaTopicCommand,
                          OtaTopic::kOtaTopicAck}) {
      client_.subscribe(topic(leaf), leaf == OtaTopic::kOtaTopicChunk ? 0 : 1);
    }
  }
  static std::string topic(const GatewayOptions& o, OtaTopic leaf) {
    char text[kOtaMaxTopicBytes];
    ota_topic_format(o.fleet.c_str(), o.device.c_str(), leaf, text, sizeof(text));
    return text;
  }
  std::string topic(OtaTopic leaf) const { return topic(o_, leaf); }
  // The device's retained presence says offline when the gateway's connection is lost (a gateway
  // crash or a cut network), as a device speaking MQTT itself says with its own will.
  static fleet::MqttClientOptions options(const GatewayOptions& o) {
    fleet::MqttClientOptions m;
    m.will_topic = topic(o, OtaTopic::kOtaTopicPresence);
    m.will_payload.resize(kOtaPresenceBytes);
    ota_presence_encode(false, m.will_payload.data(), m.will_payload.size());
    m.will_retain = true;
    return m;
  }
  bool publish(uint8_t leaf, const uint8_t* data, size_t bytes) {
    const OtaTopic t = static_cast<OtaTopic>(leaf);
    // QoS and retain of docs/protocol.md, as a device speaking MQTT itself would use.
    const bool retain = t == OtaTopic::kOtaTopicPresence || t == OtaTopic::kOtaTopicInfo || t == OtaTopic::kOtaTopicStatus;
    return client_.publish(topic(t), data, bytes, t == OtaTopic::kOtaTopicRequest ? 0 : 1, retain);
  }
  void publish_offline() {
    uint8_t offline[kOtaPresenceBytes];
    ota_presence_encode(false, offline, sizeof(offline));
    publish(static_cast<uint8_t>(OtaTopic::kOtaTopicPresence), offline, sizeof(offline));
  }
  bool connected() const { return client_.connected(); }
  uint64_t connects() const { return client_.connect_count(); }
  // Next message for the device: its leaf and payload; false if none is waiting.
  bool next(uint8_t* leaf, std::vector<uint8_t>* payload) {
    std::optional<fleet::MqttMessage> m = client_.next(std::chrono::milliseconds(0));
    if (!m) return false;
    OtaTopic t;
    if (!ota_topic_parse(m->topic.c_str(), o_.fleet.c_str(), o_.device.c_str(), &t)) return next(leaf, payload);
    *leaf = static_cast<uint8_t>(t);
    *payload = std::move(m->payload);
    return true;
  }

 private:
  GatewayOptions o_;
  fleet::MqttClient client_;
};

int connect_tcp(const std::string& host, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

bool write_all(int fd, const uint8_t* data, size_t bytes) {
  while (bytes > 0) {
    const ssize_t n = send(fd, data, bytes, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    bytes -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

void gateway_parse_link(const std::string& link, std::string* host, int* port) {
  const std::string prefix = "tcp:";
  const size_t colon = link.rfind(':');
  if (link.rfind(prefix, 0) != 0 || colon <= prefix.size()) {
    throw std::invalid_argument("--link '" + link + "': expected tcp:HOST:PORT");
  }
  *host = link.substr(prefix.size(), colon - prefix.size());
  in_addr a{};
  if (inet_pton(AF_INET, host->c_str(), &a) != 1) {
    throw std::invalid_argument("--link '" + link + "': HOST must be an IPv4 address");
  }
  try {
    size_t used = 0;
    *port = std::stoi(link.substr(colon + 1), &used);
    if (used != link.size() - colon - 1 || *port < 1 || *port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    throw std::invalid_argument("--link '" + link + "': PORT must be 1-65535");
  }
}

GatewayCounters gateway_run(const GatewayOptions& o, const std::atomic<bool>& stop,
                            const std::function<void(const std::string&, uint32_t)>& event) {
  GatewayMqtt mqtt(o);
  int fd = -1;
  LinePacer down(o.link_kbps), up(o.link_kbps);
  auto to_device = [&fd](const uint8_t* data, size_t bytes) {
    if (fd >= 0) write_all(fd, data, bytes);  // a failed write shows as EOF on the next read
  };
  GatewayIo io;
  io.write_device = [&](const uint8_t* data, size_t bytes) {
    if (down.paced()) {
      if (fd >= 0) down.push(data, bytes);
    } else {
      to_device(data, bytes);
    }
  };
  io.publish = [&mqtt](uint8_t leaf, const uint8_t* data, size_t bytes) { return mqtt.publish(leaf, data, bytes); };
  io.mqtt_up = [&mqtt] { return mqtt.connected(); };
  io.note = [&](const std::string& what, uint32_t session) {
    if (what == "silent") mqtt.publish_offline();  // the device is gone while the gateway is not: say so
    event("session " + what, session);
  };
  GatewaySession session(io);
  const auto start = Clock::now();
  auto next_connect = start;
  uint64_t mqtt_connects = mqtt.connects();
  bool mqtt_was_up = mqtt.connected();
  std::vector<uint8_t> buffer(4096);
  while (!stop.load()) {
    const auto now = Clock::now();
    if (o.run_seconds > 0 && now - start >= std::chrono::duration<double>(o.run_seconds)) break;
    if (fd < 0 && now >= next_connect) {
      fd = connect_tcp(o.link_host, o.link_port);
      next_connect = now + kLinkRetry;
      if (fd >= 0) event("link connected", 0);
    }
    // The broker went away or came back: the device's view of "connected" must follow.
    const bool mqtt_up = mqtt.connected();
    if (mqtt.connects() != mqtt_connects || (mqtt_was_up && !mqtt_up)) {
      mqtt_connects = mqtt.connects();
      event(mqtt_up ? "mqtt connected" : "mqtt disconnected", 0);
      session.on_mqtt_reset(now);
    }
    mqtt_was_up = mqtt_up;
    uint8_t leaf = 0;
    std::vector<uint8_t> payload;
    while (mqtt.next(&leaf, &payload)) session.on_mqtt_message(leaf, std::move(payload), Clock::now());
    if (fd >= 0) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 5) > 0) {
        const ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
        if (n > 0 && up.paced()) {
          up.push(buffer.data(), static_cast<size_t>(n));
        } else if (n > 0) {
          session.on_device_bytes(buffer.data(), static_cast<size_t>(n), Clock::now());
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
          close(fd);
          fd = -1;
          down.clear();
          up.clear();
          event("link closed", 0);  // QEMU stopped or restarted; the session ends by silence or HELLO
        }
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (up.paced()) {
      up.drain(Clock::now(), [&](const uint8_t* data, size_t bytes) { session.on_device_bytes(data, bytes, Clock::now()); });
      down.drain(Clock::now(), to_device);
      // Retransmit and keepalive timers run from when the line is free: a frame still waiting
      // behind others on a slow line has not been sent yet, and repeating it would only queue
      // another copy (a congestion collapse: measured 9 repeats and 9.8 s for a 14 KB update).
      if (down.queued() > 0) continue;
      session.on_line_sent(down.free_at());
    }
    session.tick(Clock::now());
  }
  if (session.up()) mqtt.publish_offline();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the last publish out
  if (fd >= 0) close(fd);
  return session.counters();
}

}  // namespace tmf::gateway
