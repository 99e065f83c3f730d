// What the shared-ingest test files share: serve workers of one share group on PostgreSQL behind
// the fleet broker, their JSON event logs, and waiting on them.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "publisher.h"
#include "serve_fixture.h"
#include "tests/support/fleet_broker.h"

namespace tmf::test::shared {

using Clock = std::chrono::steady_clock;

inline std::vector<nlohmann::json> events(const std::string& log, const std::string& name) {
  std::ifstream in(log);
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '{') continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("event", "") == name) out.push_back(j);
  }
  return out;
}

inline pid_t start_worker(const std::string& registry, const std::string& db, const FleetBroker& broker,
                   const std::string& worker, const std::string& log) {
  std::vector<std::string> argv = {TMF_CLI, "serve", "--registry", registry, "--db", db, "--fleet", "plant",
                                   "--worker-id", worker, "--share-group", "ingest", "--drift-every-seconds", "1",
                                   "--progress-seconds", "1", "--json", "--max-device-batches-per-second", "0",
                                   // Mosquitto 2.0 keeps handing a dead worker's session its share of the
                                   // group until the session expires (docs/scaling.md): 2 s keeps the test short.
                                   "--session-expiry-seconds", "2"};
  for (const std::string& flag : broker.service_flags(fleet::FleetService::kFleetServiceServe)) argv.push_back(flag);
  return spawn(argv, log);
}

// Exit code and output (stdout and stderr) of `tinymlops ARGS`.
inline std::pair<int, std::string> run_tinymlops(const std::string& args) {
  FILE* pipe = popen((std::string(TMF_CLI) + " " + args + " 2>&1").c_str(), "r");
  std::string out;
  char buffer[4096];
  for (size_t n; pipe != nullptr && (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = pipe != nullptr ? pclose(pipe) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline size_t connects(const std::string& log) {
  size_t n = 0;
  for (const auto& e : events(log, "broker")) n += e.value("state", "") == "connected";
  return n;
}

// Publishes `per_device` more batches of each device and waits until every batch is acked.
inline bool publish_all_acked(DevicePublishers& publisher, const std::vector<std::string>& devices, uint32_t first_seq,
                       uint32_t per_device) {
  for (uint32_t seq = first_seq; seq < first_seq + per_device; ++seq) {
    for (const auto& d : devices) publisher.publish({d, 1, seq});
  }
  const size_t want = devices.size() * (first_seq + per_device - 1);
  const auto deadline = Clock::now() + std::chrono::seconds(40);
  while (publisher.acked_count() < want && Clock::now() < deadline) {
    publisher.resend_unacked(std::chrono::milliseconds(1000));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return publisher.acked_count() == want;
}

// The batches a worker's newest "progress" event says it stored (0 before the first).
inline uint64_t progress_stored(const std::string& log) {
  const auto p = events(log, "progress");
  return p.empty() ? 0 : p.back().value("batches_stored", uint64_t{0});
}

// Waits (up to `seconds`) until `done`; returns done().
inline bool wait_until(const std::function<bool()>& done, int seconds) {
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  while (!done() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return done();
}

}  // namespace tmf::test::shared
