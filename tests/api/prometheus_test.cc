// GET /metrics read by the real Prometheus (Debian's `prometheus`): it scrapes a live serve over
// HTTPS with the fleet CA and a read token, and the samples come back through Prometheus's own
// HTTP query API equal to what the registry holds (batches stored, alerts, the last score).
#include <fstream>

#include "host/api/prometheus_text.h"
#include "host/monitor/alerts.h"
#include "host/notify/notify_store.h"
#include "host/registry/registry.h"
#include "tests/api/api_fixture.h"
#include "tests/support/tmf_test.h"

namespace tmf::test {
namespace {

// Prometheus on 127.0.0.1:port scraping `target` every second; stopped with the object.
struct PrometheusServer {
  int port = free_port();
  pid_t pid = -1;
  PrometheusServer(const std::string& dir, int target, const std::string& ca, const std::string& token) {
    std::filesystem::create_directories(dir);
    { std::ofstream(dir + "/token") << token; }
    std::ofstream conf(dir + "/prometheus.yml");
    conf << "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
         << "scrape_configs:\n  - job_name: tinymlops\n    scheme: https\n"
         << "    tls_config:\n      ca_file: " << ca << "\n"
         << "    authorization:\n      type: Bearer\n      credentials_file: " << dir << "/token\n"
         << "    static_configs:\n      - targets: ['127.0.0.1:" << target << "']\n";
    conf.close();
    pid = spawn({"prometheus", "--config.file=" + dir + "/prometheus.yml", "--storage.tsdb.path=" + dir + "/tsdb",
                 "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                dir + "/prometheus.log");
  }
  ~PrometheusServer() { test_support::stop_child(pid); }

  // The value of an instant query with exactly one series, or NaN.
  double query(const std::string& promql) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(std::chrono::seconds(5));
    const auto r = client.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
    if (!r || r->status != 200) return NAN;
    const nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
    if (!j.is_object() || j.value("status", "") != "success" || j["data"]["result"].size() != 1) return NAN;
    return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
  }
  // How many series an instant query returns; -1 when Prometheus refuses the expression.
  int series(const std::string& promql) {
    httplib::Client client("127.0.0.1", port);
    const auto r = client.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
    if (!r || r->status != 200) return -1;
    const nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
    if (!j.is_object() || j.value("status", "") != "success") return -1;
    return static_cast<int>(j["data"]["result"].size());
  }
  // Polls until `promql` equals `expected` (20 s at most); returns the last value seen.
  double wait_for(const std::string& promql, double expected) {
    double v = NAN;
    for (int i = 0; i < 200; ++i) {
      v = query(promql);
      if (v == expected) return v;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return v;
  }
};

TMF_TEST(Metrics, PrometheusScrapesServeAndReadsTheRegistrysFigures) {
  ApiFleet f("metrics");
  for (const char* id : {"dev1", "dev2"}) f.broker().enrol(f.registry(), id, "pumps");
  {
    registry::Registry reg(f.registry());
    reg.upsert_device("dev1", "pumps", {"cortex-m4", 131072, 524288, 0});
    reg.upsert_device("dev2", "pumps", {"cortex-m4", 131072, 524288, 0});
    reg.record_device_presence("dev1", true);
  }
  const std::string token = f.token("prometheus", "read");
  TMF_ASSERT(f.start_serve());
  PrometheusServer prometheus(f.dir() + "/prometheus", f.http_port(), f.ca(), token);

  DevicePublishers publishers(f.broker(), {"dev1", "dev2"}, "metrics-pub");
  std::vector<std::pair<monitor::BatchKey, uint16_t>> keys;
  for (uint32_t seq = 1; seq <= 5; ++seq) keys.push_back({{"dev1", 1, seq}, 0});
  for (uint32_t seq = 1; seq <= 3; ++seq) keys.push_back({{"dev2", 1, seq}, seq == 3 ? uint16_t{2} : uint16_t{0}});
  TMF_ASSERT(publish_until_acked(publishers, keys));

  // The oracle: the registry itself, read here with its own classes.
  uint64_t stored = 0;
  size_t open_alarms = 0;
  {
    registry::Registry reg(f.registry());
    stored = monitor::TelemetryStore(reg.db()).batch_count();
    open_alarms = monitor::AlertStore(reg.db()).list(alert_filter("open", "alarm")).size();
  }
  TMF_EXPECT_EQ(stored, uint64_t{8});
  TMF_EXPECT_EQ(open_alarms, size_t{2});

  TMF_EXPECT_EQ(prometheus.wait_for("up{job=\"tinymlops\"}", 1), 1.0);
  TMF_EXPECT_EQ(prometheus.wait_for("tinymlops_ingest_batches_stored_total", double(stored)), double(stored));
  TMF_EXPECT_EQ(prometheus.wait_for("tinymlops_alerts{kind=\"alarm\",state=\"open\"}", double(open_alarms)),
                double(open_alarms));
  // The last window of every batch scores 0.5 + 7 (publisher): the newest batch's last score.
  TMF_EXPECT_EQ(prometheus.wait_for("tinymlops_device_last_score{device=\"dev1\"}", 7.5), 7.5);
  TMF_EXPECT_EQ(prometheus.wait_for("tinymlops_device_alarm{device=\"dev2\"}", 1), 1.0);
  TMF_EXPECT_EQ(prometheus.wait_for("tinymlops_device_inference_cycles{device=\"dev1\"}", 79153), 79153.0);
  TMF_EXPECT_EQ(prometheus.wait_for("tinymlops_devices_online{group=\"pumps\"}", 1), 1.0);
  TMF_EXPECT_EQ(prometheus.wait_for("tinymlops_broker_connected", 1), 1.0);
  // Every commit is in the histogram: its count equals the commit counter of the same scrape.
  TMF_EXPECT_EQ(prometheus.wait_for("tinymlops_ingest_commit_seconds_count - tinymlops_ingest_commits_total", 0), 0.0);
  TMF_EXPECT(prometheus.query("tinymlops_ingest_commit_seconds_count") >= 1);
  TMF_EXPECT_EQ(prometheus.query("count(tinymlops_build_info)"), 1.0);

  // Every query of the shipped Grafana dashboard is valid PromQL and finds series in this serve
  // ($group as "All"); rates need two scrapes, so wait for the second.
  std::ifstream in(std::string(TMF_SOURCE_DIR) + "/docs/grafana-dashboard.json");
  const nlohmann::json dashboard = nlohmann::json::parse(in, nullptr, false);
  TMF_ASSERT(dashboard.is_object());
  prometheus.wait_for("count_over_time(tinymlops_broker_connected[1m]) >= bool 3", 1);
  int queries = 0;
  for (const auto& panel : dashboard["panels"]) {
    for (const auto& target : panel["targets"]) {
      std::string expr = target["expr"].get<std::string>();
      for (size_t at; (at = expr.find("$group")) != std::string::npos;) expr.replace(at, 6, ".*");
      const int n = prometheus.series(expr);
      if (n <= 0) std::printf("  dashboard query without series (%d): %s\n", n, expr.c_str());
      TMF_EXPECT(n > 0);
      ++queries;
    }
  }
  TMF_EXPECT(queries >= 14);
}

// Webhook delivery state in /metrics, per target and by its display form (never the URL's path):
// counted by hand from what the test records, not from the notifier's own queries. On SQLite
// (Metrics) and PostgreSQL (MetricsPostgres): the whole /metrics text is rendered from SQL.
TMF_TEST_BOTH_ENGINES(Metrics, WebhookTargetsPendingAndDelivered) {
  const test_support::ScopedTestDatabase database(engine, "metrics_notify");
  registry::Registry reg(scratch_dir("metrics_notify") + "/registry");
  monitor::AlertStore alerts(reg.db());
  int64_t now = 1'000;
  auto raise = [&] {
    monitor::Alert a;
    a.kind = "alarm";
    a.source = "device";
    a.device = "dev1";
    a.subject = monitor::device_subject("dev1");
    a.raised_at_ms = ++now;
    return alerts.raise(a);
  };
  raise();  // raised before either target existed: never pending for them
  notify::NotifyStore store(reg.db());
  store.target_register("target-a", "http://127.0.0.1:9/...", now);
  store.target_register("target-b", "https://hooks.plant.invalid:443/...", now);
  const int64_t first = raise(), second = raise();
  raise();
  store.record_delivered("target-a", first, now);
  store.record_failed("target-a", second, "connection refused", now);
  const std::string text = api::prometheus_render(reg.db(), api::ServeMetricsSnapshot{}, "test");
  auto has = [&](const std::string& line) { return text.find("\n" + line + "\n") != std::string::npos; };
  TMF_EXPECT(has("tinymlops_notify_pending{target=\"http://127.0.0.1:9/...\"} 2"));
  TMF_EXPECT(has("tinymlops_notify_delivered_total{target=\"http://127.0.0.1:9/...\"} 1"));
  TMF_EXPECT(has("tinymlops_notify_pending{target=\"https://hooks.plant.invalid:443/...\"} 3"));
  TMF_EXPECT(has("tinymlops_notify_delivered_total{target=\"https://hooks.plant.invalid:443/...\"} 0"));
  TMF_EXPECT(text.find("target-a") == std::string::npos);  // the hashed key stays out of the labels
}

}  // namespace
}  // namespace tmf::test
