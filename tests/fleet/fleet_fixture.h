// Test fixture for the fleet's broker tests (broker_test.cc, hostile_test.cc): a fleet made with
// the `tinymlops` commands an operator runs, the real Mosquitto on its generated configuration, and
// libmosquitto TLS clients whose callbacks record what the broker did.
#pragma once

#include <arpa/inet.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "device/agent/protocol.h"
#include "host/fleet/topic.h"
#include "tests/host/test_files.h"
#include "tests/support/child_process.h"

namespace tmf::fleet_test {

using namespace std::chrono_literals;
constexpr auto kWait = 10s;  // bound on any awaited broker reaction (an upper bound, never a measurement)

enum class ConnectOutcome { kAccepted, kRefused, kDropped, kTimeout };

inline const char* outcome_text(ConnectOutcome o) {
  switch (o) {
    case ConnectOutcome::kAccepted: return "accepted";
    case ConnectOutcome::kRefused: return "refused by CONNACK";
    case ConnectOutcome::kDropped: return "dropped before CONNACK (TLS)";
    case ConnectOutcome::kTimeout: return "no answer";
  }
  return "";
}

struct Identity {
  std::string ca, cert, key;  // cert/key empty: TLS without a client certificate
};

// One MQTT client on its own network thread; callbacks record what the broker did.
class Client {
 public:
  // clean_session false: a persistent session, which the broker keeps (and queues for) across connections.
  Client(const std::string& client_id, const Identity& id, bool clean_session = true) {
    static const int initialised = mosquitto_lib_init();
    (void)initialised;
    m_ = mosquitto_new(client_id.c_str(), clean_session, this);
    if (m_ == nullptr) throw std::runtime_error("mosquitto_new failed");
    mosquitto_int_option(m_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    // A refused client must not retry within the test: one attempt, one outcome.
    mosquitto_reconnect_delay_set(m_, 3600, 3600, false);
    const int rc = mosquitto_tls_set(m_, id.ca.c_str(), nullptr, id.cert.empty() ? nullptr : id.cert.c_str(),
                                     id.key.empty() ? nullptr : id.key.c_str(), nullptr);
    if (rc != MOSQ_ERR_SUCCESS) throw std::runtime_error(std::string("mosquitto_tls_set: ") + mosquitto_strerror(rc));
    mosquitto_connect_callback_set(m_, [](mosquitto*, void* self, int rc) { static_cast<Client*>(self)->on_connect(rc); });
    mosquitto_disconnect_callback_set(m_, [](mosquitto*, void* self, int) { static_cast<Client*>(self)->on_disconnect(); });
    mosquitto_message_callback_set(m_, [](mosquitto*, void* self, const mosquitto_message* msg) {
      static_cast<Client*>(self)->on_message(msg);
    });
    mosquitto_publish_callback_set(m_, [](mosquitto*, void* self, int mid) { static_cast<Client*>(self)->on_ack(mid); });
    mosquitto_subscribe_callback_set(m_, [](mosquitto*, void* self, int mid, int, const int*) {
      static_cast<Client*>(self)->on_ack(mid);
    });
  }
  ~Client() {
    mosquitto_disconnect(m_);
    mosquitto_loop_stop(m_, true);
    mosquitto_destroy(m_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Claims an MQTT username in CONNECT (the broker must ignore it: the certificate CN rules).
  void claim_username(const std::string& user) { mosquitto_username_pw_set(m_, user.c_str(), nullptr); }

  ConnectOutcome connect(int port) {
    if (mosquitto_connect_async(m_, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS) return ConnectOutcome::kDropped;
    mosquitto_loop_start(m_);
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, kWait, [&] { return connack_ >= 0 || dropped_; })) return ConnectOutcome::kTimeout;
    if (connack_ == 0) return ConnectOutcome::kAccepted;
    return connack_ > 0 ? ConnectOutcome::kRefused : ConnectOutcome::kDropped;
  }

  bool subscribe(const std::string& filter) {
    int mid = 0;
    if (mosquitto_subscribe(m_, &mid, filter.c_str(), 1) != MOSQ_ERR_SUCCESS) return false;
    return await_ack(mid);
  }

  // QoS 1; true once the broker acknowledged it (it acknowledges denied publishes too).
  bool publish(const std::string& topic, const std::string& payload) {
    int mid = 0;
    if (mosquitto_publish(m_, &mid, topic.c_str(), static_cast<int>(payload.size()), payload.data(), 1, false) !=
        MOSQ_ERR_SUCCESS) {
      return false;
    }
    return await_ack(mid);
  }

  // Waits for a message on `topic` with `payload`; true if it came.
  bool await_message(const std::string& topic, const std::string& payload) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return received_.count({topic, payload}) > 0; });
  }

  // Waits until `n` distinct messages have come; true if they did.
  bool await_count(size_t n, std::chrono::seconds wait) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, wait, [&] { return received_.size() >= n; });
  }
  size_t received_count() {
    std::lock_guard lock(mu_);
    return received_.size();
  }

  std::set<std::pair<std::string, std::string>> received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  bool await_ack(int mid) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return acked_.count(mid) > 0; });
  }
  void on_connect(int rc) {
    std::lock_guard lock(mu_);
    connack_ = rc;
    cv_.notify_all();
  }
  void on_disconnect() {
    std::lock_guard lock(mu_);
    dropped_ = true;
    cv_.notify_all();
  }
  void on_message(const mosquitto_message* msg) {
    std::lock_guard lock(mu_);
    received_.insert({msg->topic, std::string(static_cast<const char*>(msg->payload), msg->payloadlen)});
    cv_.notify_all();
  }
  void on_ack(int mid) {
    std::lock_guard lock(mu_);
    acked_.insert(mid);
    cv_.notify_all();
  }

  mosquitto* m_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  int connack_ = -1;
  bool dropped_ = false;
  std::set<int> acked_;
  std::set<std::pair<std::string, std::string>> received_;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// `mosquitto -c <config>` for the lifetime of the object (or until stop()).
class Mosquitto {
 public:
  Mosquitto(const std::string& config, int port, const std::string& log) : config_(config), port_(port), log_(log) {
    start();
  }
  ~Mosquitto() { stop(); }
  void start() {
    pid_ = test_support::spawn_logged({"/usr/sbin/mosquitto", "-c", config_}, log_, true);
    for (int i = 0; i < 500 && !test_support::loopback_port_accepts(port_); ++i) std::this_thread::sleep_for(10ms);
    if (!test_support::loopback_port_accepts(port_)) throw std::runtime_error("mosquitto did not start: " + slurp(log_));
  }
  // SIGHUP, then waits until the broker logs that it reloaded.
  bool reload() {
    const size_t before = count_reloads();
    kill(pid_, SIGHUP);
    for (int i = 0; i < 1000; ++i) {
      if (count_reloads() > before) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  size_t count_reloads() const {
    const std::string text = slurp(log_);
    size_t n = 0;
    for (size_t at = text.find("Reloading config"); at != std::string::npos; at = text.find("Reloading config", at + 1)) ++n;
    return n;
  }

  std::string config_;
  int port_;
  std::string log_;
  pid_t pid_ = -1;
};

// A fleet made with the `tinymlops` commands an operator runs.
struct Fleet {
  std::string root, fleet_dir, config, log;
  int port = 0;
  Identity identity(const std::string& name) const {
    return {fleet_dir + "/ca.pem", root + "/ids/" + name + ".pem", root + "/ids/" + name + ".key"};
  }
};

inline std::string current_user() {
  const passwd* me = getpwuid(geteuid());
  return me != nullptr ? me->pw_name : "root";
}

inline bool cli_ok(const std::string& args) {
  const test::CommandResult r = test::run_cli(args);
  if (r.exit_code != 0) std::fprintf(stderr, "tinymlops %s: exit %d: %s\n", args.c_str(), r.exit_code, r.err.c_str());
  return r.exit_code == 0;
}

inline bool make_fleet(Fleet* f, const std::string& name) {
  f->root = test::temp_path(name);
  std::filesystem::remove_all(f->root);
  f->fleet_dir = f->root + "/fleet";
  f->port = test_support::free_loopback_port();
  f->log = f->root + "/mosquitto.log";
  const std::string r = " --registry " + f->root + "/registry";
  const std::string ids = " --out " + f->root + "/ids";
  bool ok = cli_ok("fleet init --dir " + f->fleet_dir + " --fleet plant7" + r);
  for (const char* device : {"pump-a", "pump-b", "pump-c"}) {
    ok = ok && cli_ok(std::string("devices enroll ") + device + " --group pumps --ca-dir " + f->fleet_dir + ids + r);
  }
  ok = ok && cli_ok("fleet service serve --dir " + f->fleet_dir + ids + r);
  // The broker runs as this test's account (as root, Mosquitto would otherwise drop to `mosquitto`,
  // which cannot enter the test's private temporary directory).
  ok = ok && cli_ok("broker config --dir " + f->fleet_dir + " --out " + f->root + "/broker --port " +
                    std::to_string(f->port) + " --fleet plant7 --user " + current_user());
  f->config = f->root + "/broker/mosquitto.conf";
  return ok;
}

inline std::string topic(const std::string& device, OtaTopic leaf) {
  return "tmf/plant7/" + device + "/" + ota_topic_leaf(leaf);
}

inline std::vector<OtaTopic> leaves(fleet::TopicDirection direction) {
  std::vector<OtaTopic> out;
  for (uint8_t t = 0; t < static_cast<uint8_t>(OtaTopic::kOtaTopicCount); ++t) {
    if (fleet::fleet_topic_direction(static_cast<OtaTopic>(t)) == direction) out.push_back(static_cast<OtaTopic>(t));
  }
  return out;
}

}  // namespace tmf::fleet_test
