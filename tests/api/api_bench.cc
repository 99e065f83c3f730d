// Figures for `make bench` (scripts/bench_api.sh): the API under 50 concurrent clients on a store of
// 10,000 devices and one week of 1-minute batches for 100 of them. Prints "key value" lines:
//   api.devices_list.p99_ms     GET /api/v1/devices?limit=10000 (every device, one page)
//   api.telemetry_week.p99_ms   GET /api/v1/devices/{id}/telemetry over that week (1,000 buckets)
// and the SQL each runs, for the sqlite3 shell baseline the script times in the same run.
// Usage: api_bench WORK_DIR [REQUESTS_PER_CLIENT]
#include <httplib.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "host/api/api_server.h"
#include "host/api/api_tokens.h"
#include "host/monitor/telemetry_store.h"
#include "host/registry/registry.h"

namespace {

constexpr int kDevices = 10000, kTelemetryDevices = 100, kClients = 50;
constexpr int64_t kMinute = 60 * 1000, kWeek = 7 * 24 * 60 * kMinute;

void fill(const std::string& dir, int64_t week_start) {
  tmf::registry::Registry reg(dir);
  tmf::registry::Transaction tx(reg.db());
  for (int i = 0; i < kDevices; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "dev%05d", i);
    reg.upsert_device(id, "group" + std::to_string(i % 20), {"cortex-m4", 131072, 524288, 0});
    reg.record_device_model(id, 0x1234, 1);
    if (i % 3 != 0) reg.record_device_presence(id, true);
  }
  tmf::monitor::TelemetryStore store(reg.db());
  tmf::monitor::TelemetryBatch b;
  b.model_id = 0x1234;
  b.model_version = 1;
  b.phase = 2;
  b.window_count = 8;
  b.boot_count = 1;
  b.scores.resize(8);
  b.votes.resize(8);
  for (int d = 0; d < kTelemetryDevices; ++d) {
    char id[16];
    std::snprintf(id, sizeof id, "dev%05d", d);
    b.device = id;
    for (int64_t m = 0; m < kWeek / kMinute; ++m) {
      b.seq = static_cast<uint32_t>(m + 1);
      b.received_at_ms = week_start + m * kMinute;
      for (int w = 0; w < 8; ++w) b.scores[w] = 0.1f * static_cast<float>((m + w) % 17);
      b.alarm = m % 997 == 0;
      store.insert_batch(b);
    }
  }
  tx.commit();
}

// CPU time (user + system) of this process so far, ms: server and clients together, which a
// busy shared machine inflates far less than it inflates wall-clock latencies.
double cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto ms = [](const timeval& t) { return double(t.tv_sec) * 1e3 + double(t.tv_usec) / 1e3; };
  return ms(u.ru_utime) + ms(u.ru_stime);
}

double p99(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return ms[std::min(ms.size() - 1, static_cast<size_t>(0.99 * static_cast<double>(ms.size())))];
}

// Every client sends `requests` GETs of path(client, i) one after the other; the latencies in ms.
template <typename Path>
std::vector<double> load(int port, const std::string& token, int requests, Path path, std::atomic<int>& failures) {
  std::vector<std::vector<double>> per(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_read_timeout(std::chrono::seconds(120));
      const httplib::Headers headers{{"Authorization", "Bearer " + token}};
      for (int i = 0; i < requests; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = client.Get(path(c, i).c_str(), headers);
        per[c].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        if (!r || r->status != 200) ++failures;
      }
    });
  }
  for (auto& t : clients) t.join();
  std::vector<double> all;
  for (auto& v : per) all.insert(all.end(), v.begin(), v.end());
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: api_bench WORK_DIR [REQUESTS_PER_CLIENT]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int requests = argc > 2 ? std::atoi(argv[2]) : 4;
  const int64_t week_start = 1'700'000'000'000;  // a fixed week: the store is the same in every run
  std::filesystem::remove_all(dir);
  const auto fill_start = std::chrono::steady_clock::now();
  fill(dir, week_start);
  std::string token;
  {
    tmf::registry::Registry reg(dir);
    token = tmf::api::ApiTokens(reg.db()).create("bench", tmf::api::ApiRole::kApiRoleRead, 0).secret;
  }
  std::fprintf(stderr, "api_bench: store filled in %.1f s\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - fill_start).count());
  tmf::api::ApiServerOptions options;
  options.version = tmf::api::api_build_version();
  tmf::api::ApiServer server(dir, options, nullptr);
  server.start();
  std::atomic<int> failures{0};
  const double cpu0 = cpu_ms();
  const auto list = load(server.port(), token, requests, [](int, int) { return std::string("/api/v1/devices?limit=10000"); },
                         failures);
  const std::string range = "?from=" + std::to_string(week_start) + "&to=" + std::to_string(week_start + kWeek);
  const double cpu1 = cpu_ms();
  const auto week = load(server.port(), token, requests, [&](int c, int i) {
    char id[16];
    std::snprintf(id, sizeof id, "dev%05d", (c * requests + i) % kTelemetryDevices);
    return std::string("/api/v1/devices/") + id + "/telemetry" + range;
  }, failures);
  const double cpu2 = cpu_ms();
  server.stop();
  const double n = double(kClients) * requests;
  std::printf("api.devices_list.cpu_ms_per_request %.1f\n", (cpu1 - cpu0) / n);
  std::printf("api.telemetry_week.cpu_ms_per_request %.1f\n", (cpu2 - cpu1) / n);
  std::printf("api.devices_list.p99_ms %.1f\n", p99(list));
  std::printf("api.telemetry_week.p99_ms %.1f\n", p99(week));
  std::printf("api.requests_failed %d\n", failures.load());
  // The statements the two endpoints run, for the script's sqlite3 baseline.
  std::printf("sql.devices_list SELECT id, device_group, core, ram_bytes, flash_bytes, clock_hz, current_model_id, "
              "current_version, previous_model_id, previous_version, online, last_seen FROM devices ORDER BY id LIMIT "
              "10000;\n");
  std::printf("sql.telemetry_week SELECT received_at, model_id, model_version, alarm, window_count, alarms_raised, "
              "dropped_batches, inference_cycles, scores FROM telemetry_batches WHERE device = 'dev00000' AND "
              "received_at >= %lld AND received_at < %lld ORDER BY received_at;\n",
              static_cast<long long>(week_start), static_cast<long long>(week_start + kWeek));
  return failures.load() == 0 ? 0 : 1;
}
