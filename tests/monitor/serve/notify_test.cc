// serve --notify-webhook (host/notify, docs/serve.md "Notifications") against a local HTTP
// receiver (cpp-httplib) that first fails requests, then accepts: every alert the registry holds
// arrives at least once, none is lost across a serve restart, none delivered is sent again.
// Also the webhook URL checks, and serve's broker reports (unreachable at once, lost, connected).
// The deliveries run on SQLite (NotifyWebhook) and on PostgreSQL (NotifyWebhookPostgres).
#include <httplib.h>

#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "host/notify/alert_notifier.h"
#include "host/notify/webhook_url.h"
#include "host/registry/registry.h"
#include "publisher.h"
#include "serve_fixture.h"
#include "tests/support/postgres_server.h"
#include "tests/support/tmf_test.h"

namespace tmf::test {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The JSON lines of a serve log with "event" == event.
std::vector<nlohmann::json> log_events(const std::string& path, const std::string& event) {
  std::vector<nlohmann::json> out;
  std::istringstream lines(read_text(path));
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("event", "") == event) out.push_back(j);
  }
  return out;
}

template <typename F>
bool wait_until(F done, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// The webhook receiver: answers 503 to the next `fail_next` requests and to every request while
// `refusing`, 200 otherwise; counts accepted deliveries per alert id.
class Receiver {
 public:
  Receiver() {
    server_.Post("/hooks/s3cret", [this](const httplib::Request& req, httplib::Response& res) {
      const auto body = nlohmann::json::parse(req.body, nullptr, false);
      std::lock_guard<std::mutex> lock(mutex_);
      ++requests_;
      const bool well_formed = body.is_object() && body.contains("alert") && body["alert"].contains("id") &&
                               req.get_header_value("Content-Type") == "application/json" &&
                               req.get_header_value("X-Tinymlops-Alert-Id") ==
                                   std::to_string(body["alert"]["id"].get<int64_t>());
      if (!well_formed) {
        ++malformed_;
        res.status = 400;
        return;
      }
      if (refusing_ || fail_next_ > 0) {
        if (fail_next_ > 0) --fail_next_;
        ++refused_;
        res.status = 503;
        return;
      }
      const int64_t id = body["alert"]["id"].get<int64_t>();
      ++accepted_[id];
      bodies_[id] = body;
      res.status = 200;
      res.set_content("{\"ok\":true}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");  // bound before serve may connect
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  void fail_next(int n) {
    std::lock_guard<std::mutex> lock(mutex_);
    fail_next_ = n;
  }
  void refuse(bool on) {
    std::lock_guard<std::mutex> lock(mutex_);
    refusing_ = on;
  }
  std::map<int64_t, int> accepted() {
    std::lock_guard<std::mutex> lock(mutex_);
    return accepted_;
  }
  nlohmann::json body(int64_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    return bodies_.at(id);
  }
  int refused() {
    std::lock_guard<std::mutex> lock(mutex_);
    return refused_;
  }
  int malformed() {
    std::lock_guard<std::mutex> lock(mutex_);
    return malformed_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  int fail_next_ = 0, refused_ = 0, requests_ = 0, malformed_ = 0;
  bool refusing_ = false;
  std::map<int64_t, int> accepted_;
  std::map<int64_t, nlohmann::json> bodies_;
};

// Stops the child when a test returns early (an assertion failed).
struct ChildGuard {
  pid_t& pid;
  ~ChildGuard() { test_support::stop_child(pid); }
};

bool broker_connected(const std::string& log) {
  for (const auto& e : log_events(log, "broker")) {
    if (e["state"] == "connected") return true;
  }
  return false;
}

// The ids of the alerts the registry holds: the oracle of what must arrive.
std::set<int64_t> registry_alert_ids(const std::string& dir) {
  registry::Registry registry(dir);
  monitor::AlertStore alerts(registry.db());
  std::set<int64_t> ids;
  for (const monitor::Alert& a : alerts.list()) ids.insert(a.id);
  return ids;
}

TMF_TEST_BOTH_ENGINES(NotifyWebhook, EveryAlertArrivesAtLeastOnceAcrossFailuresAndARestart) {
  const std::string dir = scratch_dir("notify");
  const test_support::ScopedTestDatabase database(engine, "notify");
  FleetBroker broker(dir + "/broker", "plant");
  const std::string registry = dir + "/registry";
  broker.enrol(registry, "dev1", "pumps");
  Receiver receiver;
  std::vector<std::string> serve_argv = {TMF_CLI, "serve", "--registry", registry, "--fleet", "plant", "--json",
                                         "--notify-webhook",
                                         "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hooks/s3cret",
                                         "--notify-retry-initial-seconds", "0.2", "--notify-retry-max-seconds", "1"};
  for (const auto& flag : broker.service_flags(fleet::FleetService::kFleetServiceServe)) serve_argv.push_back(flag);
  for (const auto& flag : database.cli_flags()) serve_argv.push_back(flag);
  const std::string log = dir + "/serve.log";
  pid_t serve = spawn(serve_argv, log);
  ChildGuard guard{serve};
  TMF_ASSERT(wait_until([&] { return broker_connected(log); }, std::chrono::seconds(20)));
  DevicePublishers publisher(broker, {"dev1"}, "notify-publisher");
  // Alarm batches (one alert each), resent with their alarm until serve acknowledges them.
  auto publish_alarms = [&](uint32_t first_seq, uint32_t count) {
    return wait_until([&] {
      const std::set<monitor::BatchKey> acked = publisher.acked();
      size_t done = 0;
      for (uint32_t seq = first_seq; seq < first_seq + count; ++seq) {
        if (acked.count({"dev1", 1, seq})) {
          ++done;
        } else {
          publisher.publish({"dev1", 1, seq}, 8, 1);
        }
      }
      if (done == count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      return false;
    }, std::chrono::seconds(20));
  };

  // 1. The receiver fails the first three requests, then accepts.
  receiver.fail_next(3);
  TMF_ASSERT(publish_alarms(1, 3));
  const std::set<int64_t> first = registry_alert_ids(registry);
  TMF_ASSERT(first.size() == 3);
  TMF_ASSERT(wait_until([&] { return receiver.accepted().size() == first.size(); }, std::chrono::seconds(15)));
  TMF_EXPECT_EQ(receiver.refused(), 3);
  TMF_EXPECT(log_events(log, "notify").size() >= 3);
  size_t retries = 0;
  for (const auto& e : log_events(log, "notify")) retries += e.value("state", "") == "retrying";
  TMF_EXPECT_EQ(retries, 3);
  const nlohmann::json sample = receiver.body(*first.begin());
  TMF_EXPECT(sample["fleet"] == "plant" && sample["alert"]["kind"] == "alarm" && sample["alert"]["device"] == "dev1");

  // 2. The receiver is down while two more alerts are raised and serve stops: they stay pending.
  receiver.refuse(true);
  TMF_ASSERT(publish_alarms(4, 2));
  const int refused_before = receiver.refused();
  TMF_ASSERT(wait_until([&] { return receiver.refused() > refused_before; }, std::chrono::seconds(10)));
  kill(serve, SIGTERM);
  int status = 0;
  waitpid(serve, &status, 0);
  serve = -1;
  TMF_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const std::set<int64_t> all = registry_alert_ids(registry);
  TMF_ASSERT(all.size() == 5);

  // 3. A new serve delivers what the old one could not, and nothing delivered before again.
  receiver.refuse(false);
  serve = spawn(serve_argv, log);
  TMF_ASSERT(wait_until([&] { return receiver.accepted().size() == all.size(); }, std::chrono::seconds(15)));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // room for a wrong resend to show
  const std::map<int64_t, int> accepted = receiver.accepted();
  std::set<int64_t> got;
  for (const auto& [id, times] : accepted) got.insert(id);
  TMF_EXPECT(got == all);
  for (const int64_t id : first) TMF_EXPECT_EQ(accepted.at(id), 1);
  TMF_EXPECT_EQ(receiver.malformed(), 0);
  kill(serve, SIGTERM);
  waitpid(serve, &status, 0);
  serve = -1;
  TMF_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::printf("  notify: %zu alerts delivered once each; %d requests refused (503) and retried; 2 pending across a "
              "restart\n", got.size(), receiver.refused());
}

TMF_TEST(NotifyWebhook, UrlChecks) {
  const notify::WebhookUrl u = notify::webhook_url_parse("https://Alerts.example.net/hooks/T0?x=1");
  TMF_EXPECT(u.scheme == "https" && u.host == "Alerts.example.net" && u.port == 443 && u.path == "/hooks/T0?x=1");
  TMF_EXPECT(u.redacted() == "https://Alerts.example.net:443/…");
  const notify::WebhookUrl v = notify::webhook_url_parse("http://[::1]:8080");
  TMF_EXPECT(v.host == "::1" && v.port == 8080 && v.path == "/" && v.origin() == "http://[::1]:8080");
  for (const char* bad : {"ftp://h/x", "file:///etc/passwd", "http://user:pw@h/x", "http://h:0/", "http://h:99999/",
                          "http://h:/", "http:///x", "http://h/x#frag", "http://h/a b", "h/x", "http://h_x/"}) {
    bool threw = false;
    try {
      notify::webhook_url_parse(bad);
    } catch (const notify::WebhookUrlError& e) {
      threw = std::string(e.what()).find(bad) != std::string::npos;  // the error names the URL
    }
    TMF_EXPECT(threw);
  }
  // serve refuses a bad URL at once, naming it, with the usage exit code.
  FILE* pipe = popen((std::string(TMF_CLI) + " serve --registry '" + scratch_dir("notify_bad") +
                      "/r' --allow-unenrolled --broker mqtt://127.0.0.1:1 --notify-webhook ftp://h/x 2>&1").c_str(),
                     "r");
  std::string out;
  char buffer[1024];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  TMF_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 2);
  TMF_EXPECT(out.find("--notify-webhook 'ftp://h/x': scheme 'ftp'") != std::string::npos);
}

// The notifier in-process over https: the receiver's certificate (the fleet broker's, for
// 127.0.0.1) verifies with --notify-ca and not against the system's CAs; alerts raised before the
// target was first configured are not sent.
TMF_TEST_BOTH_ENGINES(NotifyWebhook, HttpsVerifiesTheReceiverAndSendsOnlyNewAlerts) {
  const std::string dir = scratch_dir("notify_https");
  const test_support::ScopedTestDatabase database(engine, "notify_https");
  FleetBroker broker(dir + "/broker", "plant");  // for its CA and server certificate
  broker.stop();
  const std::string cert = dir + "/broker/broker/broker.pem", key = dir + "/broker/broker/broker.key";
  const std::string ca = broker.fleet_dir() + "/ca.pem";
  TMF_ASSERT(std::ifstream(cert).good() && std::ifstream(key).good() && std::ifstream(ca).good());
  httplib::SSLServer server(cert.c_str(), key.c_str());
  std::mutex mutex;
  std::map<std::string, std::set<int64_t>> received;  // path -> alert ids
  server.Post(R"(/h/(\w+))", [&](const httplib::Request& req, httplib::Response& res) {
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    std::lock_guard<std::mutex> lock(mutex);
    if (body.is_object()) received[req.path].insert(body["alert"]["id"].get<int64_t>());
    res.status = 204;
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread listener([&] { server.listen_after_bind(); });

  registry::Registry registry(dir + "/registry");
  monitor::AlertStore alerts(registry.db());
  monitor::Alert a;
  a.kind = "alarm";
  a.source = "device";
  a.subject = monitor::device_subject("dev1");
  a.device = "dev1";
  a.raised_at_ms = 1;
  const int64_t before = alerts.raise(a);  // older than the target: not sent

  std::mutex log_mutex;
  std::vector<nlohmann::json> events;
  auto log = [&](const nlohmann::json& e, const std::string&) {
    std::lock_guard<std::mutex> lock(log_mutex);
    events.push_back(e);
  };
  notify::WebhookOptions verified;
  verified.url = "https://127.0.0.1:" + std::to_string(port) + "/h/verified";
  verified.ca_file = ca;
  verified.retry_initial = std::chrono::milliseconds(50);
  verified.retry_max = std::chrono::milliseconds(200);
  verified.poll = std::chrono::milliseconds(100);
  notify::WebhookOptions system_cas = verified;
  system_cas.url = "https://127.0.0.1:" + std::to_string(port) + "/h/system";
  system_cas.ca_file.clear();
  std::set<int64_t> raised;
  {
    notify::AlertNotifier with_ca(dir + "/registry", verified, log);
    notify::AlertNotifier without_ca(dir + "/registry", system_cas, log);
    raised.insert(alerts.raise(a));
    raised.insert(alerts.raise(a));
    with_ca.wake();
    without_ca.wake();
    TMF_EXPECT(wait_until([&] {
      std::lock_guard<std::mutex> lock(mutex);
      return received["/h/verified"] == raised;
    }, std::chrono::seconds(10)));
    TMF_EXPECT(wait_until([&] { return without_ca.failed_attempts() >= 2; }, std::chrono::seconds(10)));
    TMF_EXPECT_EQ(without_ca.delivered(), 0);
  }
  server.stop();
  listener.join();
  TMF_EXPECT(received["/h/verified"].count(before) == 0);
  TMF_EXPECT(received["/h/system"].empty());
  std::string system_error;
  for (const auto& e : events) {
    if (e.value("state", "") == "retrying" && e.value("target", "").find("127.0.0.1") != std::string::npos) {
      system_error = e.value("error", "");
    }
  }
  TMF_EXPECT(!system_error.empty());
  std::printf("  https: %zu alerts delivered with --notify-ca; against the system CAs: '%s', retried\n", raised.size(),
              system_error.c_str());
}

// A serve pointed at a broker that is not there says so at once, with the reason; a serve that
// loses its broker says so and says when it is back.
TMF_TEST(ServeBroker, UnreachableAndLostAreSaidAtOnce) {
  const std::string dir = scratch_dir("serve_broker");
  FleetBroker broker(dir + "/broker", "plant");
  std::vector<std::string> argv = {TMF_CLI, "serve", "--registry", dir + "/registry", "--fleet", "plant", "--json"};
  for (const auto& flag : broker.service_flags(fleet::FleetService::kFleetServiceServe)) argv.push_back(flag);

  // 1. No broker at start. (The client's own backoff would take it up to 16 s to notice a broker
  // that comes later; the restart below shows the reports around a connection.)
  broker.stop();
  const std::string log = dir + "/serve_unreachable.log";
  pid_t serve = spawn(argv, log);
  ChildGuard guard{serve};
  TMF_ASSERT(wait_until([&] { return !log_events(log, "started").empty(); }, std::chrono::seconds(20)));
  const auto started = std::chrono::steady_clock::now();
  TMF_ASSERT(wait_until([&] { return !log_events(log, "broker").empty(); }, std::chrono::seconds(10)));
  const double said_after = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const nlohmann::json first = log_events(log, "broker").front();
  TMF_EXPECT(first["state"] == "unreachable");
  TMF_EXPECT(first["broker"] == "mqtts://127.0.0.1:" + std::to_string(broker.port()));
  // The broker's port is closed: the reason says so.
  TMF_EXPECT(first["error"].get<std::string>().find("Connection refused") != std::string::npos);
  test_support::stop_child(serve);

  // 2. Connected, lost when the broker stops, connected again when it is back.
  broker.start();
  const std::string log2 = dir + "/serve_restart.log";
  serve = spawn(argv, log2);
  auto states = [&] {
    std::vector<std::string> out;
    for (const auto& e : log_events(log2, "broker")) out.push_back(e["state"]);
    return out;
  };
  TMF_ASSERT(wait_until([&] { return states() == std::vector<std::string>{"connected"}; }, std::chrono::seconds(20)));
  broker.stop();
  TMF_ASSERT(wait_until([&] { return states().size() == 2; }, std::chrono::seconds(10)));
  TMF_EXPECT(states()[1] == "lost");
  broker.start();
  TMF_ASSERT(wait_until([&] { return states().size() >= 3 && states().back() == "connected"; }, std::chrono::seconds(20)));
  test_support::stop_child(serve);
  std::printf("  broker: unreachable said %.2f s after serve started (%s); lost and connected again on a restart\n",
              said_after, first["error"].get<std::string>().c_str());
}

}  // namespace
}  // namespace tmf::test
