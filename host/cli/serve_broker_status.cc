// Broker reachability reports of serve (see serve_broker_status.h).
#include "host/cli/serve_broker_status.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

#include "host/cli/serve_events.h"

namespace tmf::cli {
namespace {

using Clock = std::chrono::steady_clock;

// The MQTT client's first attempt gets this long before its silence is reported.
constexpr std::chrono::milliseconds kFirstAttempt{1000};
constexpr const char* kRetry = "retrying with backoff, 1 s doubling to 16 s";
// What the MQTT client says between attempts when it has nothing more precise.
constexpr const char* kGenericError = "connection lost; reconnecting";

struct BrokerStatus {
  enum class State { kUnknown, kUp, kDown } state = State::kUnknown;
  uint64_t connects_seen = 0;
  std::string error_said;
  Clock::time_point started = Clock::now();
};

// Why the broker's address does not take a TCP connection ("" if it does), within `timeout`.
std::string tcp_probe(const std::string& host, int port, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    return "cannot resolve " + host + ": " + gai_strerror(rc);
  }
  std::string why = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int err = 0;
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        if (poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
          socklen_t len = sizeof err;
          getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        } else {
          err = ETIMEDOUT;
        }
      }
    }
    close(fd);
    if (err == 0) {
      why.clear();
      break;
    }
    why = std::string("TCP connect: ") + std::strerror(err);
  }
  freeaddrinfo(found);
  return why;
}

void say_unreachable(BrokerStatus& s, const fleet::MqttClient& client, const std::string& state, bool json) {
  const fleet::BrokerSettings& broker = client.broker();
  const std::string url = broker.url();
  std::string error = client.last_error();
  if (error.empty() || error == kGenericError) {
    error = tcp_probe(broker.host, broker.port, std::chrono::milliseconds(500));
    if (error.empty()) error = "TCP connects, but no MQTT session yet (TLS identity, ACL or broker load)";
  }
  if (state != "lost" && error == s.error_said) return;
  serve_event_print(json, {{"event", "broker"}, {"state", state}, {"broker", url}, {"error", error}, {"retry", kRetry}},
                    "broker " + url + " " + state + ": " + error + "; " + kRetry);
  s.state = BrokerStatus::State::kDown;
  s.error_said = error;
}

void broker_status_check(BrokerStatus& s, const monitor::ServeContext& ctx, bool json) {
  const fleet::MqttClient& client = ctx.ingest.link().client();
  const uint64_t connects = client.connect_count();
  if (client.connected()) {
    if (s.state != BrokerStatus::State::kUp || connects != s.connects_seen) {
      const std::string url = client.broker().url();
      serve_event_print(json, {{"event", "broker"}, {"state", "connected"}, {"broker", url}, {"connects", connects}},
                        "broker " + url + " connected");
    }
    s.state = BrokerStatus::State::kUp;
    s.connects_seen = connects;
    s.error_said.clear();
    return;
  }
  if (s.state == BrokerStatus::State::kUp) {
    say_unreachable(s, client, "lost", json);
    return;
  }
  // Said once the first attempt had its chance (or failed sooner), again only for a new reason.
  const std::string error = client.last_error();
  const bool failed = !error.empty() && error != kGenericError;
  if (s.state == BrokerStatus::State::kUnknown && (failed || Clock::now() - s.started >= kFirstAttempt)) {
    say_unreachable(s, client, "unreachable", json);
  } else if (s.state == BrokerStatus::State::kDown && failed && error != s.error_said) {
    say_unreachable(s, client, "unreachable", json);
  }
}

}  // namespace

monitor::ServeHooks broker_status_hooks(monitor::ServeHooks inner, bool json) {
  auto status = std::make_shared<BrokerStatus>();
  monitor::ServeHooks out = inner;
  out.on_start = [status, next = inner.on_start](monitor::ServeContext& ctx) {
    status->started = Clock::now();
    if (next) next(ctx);
  };
  out.on_tick = [status, json, next = inner.on_tick](monitor::ServeContext& ctx) {
    broker_status_check(*status, ctx, json);
    if (next) next(ctx);
  };
  return out;
}

}  // namespace tmf::cli
