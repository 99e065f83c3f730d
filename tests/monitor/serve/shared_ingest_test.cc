// Shared ingest (docs/scaling.md): three `tinymlops serve` workers of one MQTT 5 share group on
// one PostgreSQL database, behind the fleet's mutual-TLS broker, take a stream from resending
// device publishers. The leader (the worker holding the fleet's advisory lock) is SIGKILLed
// mid-stream: every batch a device saw acknowledged is stored exactly once, nothing twice, the
// two survivors keep ingesting, and one of them takes the leadership. Also: per-worker
// certificates added and revoked by a broker reload, the flags, and the scaling figure. What the
// leader alone does: shared_leader_test.cc.
#include <pwd.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "device/agent/protocol.h"
#include "host/registry/registry.h"
#include "publisher.h"
#include "serve_fixture.h"
#include "shared_workers.h"
#include "tests/support/fleet_broker.h"
#include "tests/support/postgres_server.h"
#include "tests/support/tmf_test.h"

namespace tmf::test {
namespace {

using namespace shared;

TMF_TEST(ServeShared, ThreeWorkersOnPostgresLeaderSigkilledMidStream) {
  const std::string dir = scratch_dir("serve_shared");
  FleetBroker broker(dir + "/broker", "plant");
  const std::string registry = dir + "/registry";
  const std::string db = test_support::postgres_server().fresh_database("serve_shared");
  const std::vector<std::string> devices = {"dev1", "dev2", "dev3", "dev4", "dev5", "dev6"};
  registry::Registry::set_default_database(db);  // enrolment goes to the workers' database
  for (const auto& d : devices) broker.enrol(registry, d, "pumps");
  registry::Registry::set_default_database("");
  const std::vector<std::string> names = {"w1", "w2", "w3"};
  std::vector<pid_t> pids;
  for (const auto& w : names) pids.push_back(start_worker(registry, db, broker, w, dir + "/" + w + ".log"));
  // Every worker connected (its "broker" event) before the stream starts, so all three share it.
  const auto up_until = Clock::now() + std::chrono::seconds(20);
  auto connected = [&] {
    for (const auto& w : names) {
      bool up = false;
      for (const auto& e : events(dir + "/" + w + ".log", "broker")) up = up || e.value("state", "") == "connected";
      if (!up) return false;
    }
    return true;
  };
  while (!connected() && Clock::now() < up_until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  TMF_ASSERT(connected());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // SUBACKs
  size_t leader = names.size();
  for (size_t i = 0; i < names.size(); ++i) {
    if (!events(dir + "/" + names[i] + ".log", "leader").empty()) {
      TMF_EXPECT(leader == names.size());  // one leader
      leader = i;
    }
  }
  TMF_ASSERT(leader < names.size());

  DevicePublishers publisher(broker, devices, "shared");
  constexpr uint32_t kBatchesPerDevice = 150;
  const size_t total = devices.size() * kBatchesPerDevice;
  uint32_t next_seq = 1;
  bool killed = false;
  size_t acked_at_kill = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline && publisher.acked_count() < total) {
    // Like a device: at most 32 unacked batches each, resent after 1 s without an ack.
    if (next_seq <= kBatchesPerDevice && publisher.unacked_count() < 32 * devices.size()) {
      for (const auto& d : devices) publisher.publish({d, 1, next_seq});
      ++next_seq;
    }
    publisher.resend_unacked(std::chrono::milliseconds(1000));
    if (!killed && publisher.acked_count() >= total / 3) {
      acked_at_kill = publisher.acked_count();
      kill(pids[leader], SIGKILL);  // no flush, no DISCONNECT: its buffered batches were never acked
      waitpid(pids[leader], nullptr, 0);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  TMF_EXPECT(killed);
  TMF_EXPECT_EQ(publisher.acked_count(), total);
  // A follower takes the leadership within its retry period (2 s) of the lock's release.
  const auto lead_until = Clock::now() + std::chrono::seconds(10);
  size_t new_leader = names.size();
  while (new_leader == names.size() && Clock::now() < lead_until) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (i != leader && !events(dir + "/" + names[i] + ".log", "leader").empty()) new_leader = i;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  TMF_EXPECT(new_leader < names.size());
  std::vector<uint64_t> stored_by(names.size(), 0);
  for (size_t i = 0; i < names.size(); ++i) {
    if (i == leader) continue;
    kill(pids[i], SIGTERM);
    int status = 0;
    waitpid(pids[i], &status, 0);
    TMF_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    const auto stopped = events(dir + "/" + names[i] + ".log", "stopped");
    TMF_ASSERT(stopped.size() == 1);
    stored_by[i] = stopped[0]["batches_stored"].get<uint64_t>();
    TMF_EXPECT(stored_by[i] > 0);  // the broker spread the stream over both survivors
  }

  // Every acknowledged batch is stored exactly once; nothing else is stored.
  registry::Registry reg(registry, db);
  registry::Statement rows(reg.db(), "SELECT device, boot_count, seq, COUNT(*) FROM telemetry_batches GROUP BY 1, 2, 3");
  std::set<monitor::BatchKey> stored;
  size_t more_than_once = 0;
  while (rows.step()) {
    stored.insert({rows.column_text(0), static_cast<uint32_t>(rows.column_int(1)), static_cast<uint32_t>(rows.column_int(2))});
    more_than_once += rows.column_int(3) != 1;
  }
  size_t acked_missing = 0;
  for (const auto& key : publisher.acked()) acked_missing += !stored.count(key);
  TMF_EXPECT_EQ(acked_missing, 0);
  TMF_EXPECT_EQ(more_than_once, 0);
  TMF_EXPECT_EQ(stored.size(), total);
  std::printf("  %zu batches from %zu devices over 3 workers (PostgreSQL); leader %s SIGKILLed after %zu acked, %s "
              "took over;\n  publisher: %llu publishes (%llu resends); survivors stored %llu and %llu (the rest before "
              "the kill); database: %zu rows, %zu acked missing, %zu more than once\n",
              total, devices.size(), names[leader].c_str(), acked_at_kill,
              new_leader < names.size() ? names[new_leader].c_str() : "nobody",
              static_cast<unsigned long long>(publisher.publishes()), static_cast<unsigned long long>(publisher.resends()),
              static_cast<unsigned long long>(stored_by[(leader + 1) % 3]),
              static_cast<unsigned long long>(stored_by[(leader + 2) % 3]), stored.size(), acked_missing, more_than_once);
}

// Per-worker identities (docs/fleet.md) added and revoked with a broker reload, never a restart
// (docs/fleet.md "Reloading the broker"). w1 ingests alone; `fleet service serve --worker w2`,
// `broker config` and a SIGHUP let w2 in while w1 keeps its connection, and both ingest.
// `fleet revoke serve --worker w1` and a SIGHUP: w1's live session is not ended (Mosquitto checks
// the CRL in the TLS handshake only) and it goes on ingesting; w1 started again is refused
// ("certificate revoked") and the rest reaches the store through w2 alone. Every batch once.
TMF_TEST(ServeShared, EachWorkerHasItsOwnCertificateRevokedAlone) {
  const std::string dir = scratch_dir("serve_worker_ids");
  FleetBroker broker(dir + "/broker", "plant");
  const std::string registry = dir + "/registry", ids = dir + "/ids";
  const std::string db = test_support::postgres_server().fresh_database("serve_worker_ids");
  const std::vector<std::string> devices = {"dev1", "dev2", "dev3", "dev4"};
  registry::Registry::set_default_database(db);
  for (const auto& d : devices) broker.enrol(registry, d, "pumps");
  registry::Registry::set_default_database("");
  const std::string where = " --dir " + broker.fleet_dir() + " --registry " + registry + " --db " + db;
  const passwd* me = getpwuid(geteuid());
  // `fleet service serve --worker W`, then `broker config` granting every worker so far.
  const auto add_worker = [&](const std::string& w, const nlohmann::json& identities) {
    const auto [code, out] = run_tinymlops("fleet service serve --worker " + w + " --out " + ids + where + " --json");
    if (code != 0 || nlohmann::json::parse(out)["identity"] != "svc-serve-" + w) return false;
    const auto [config_code, config_out] =
        run_tinymlops("broker config --dir " + broker.fleet_dir() + " --out " + broker.config_dir() + " --port " +
                      std::to_string(broker.port()) + " --user " + (me != nullptr ? me->pw_name : "root") + " --json");
    return config_code == 0 && nlohmann::json::parse(config_out)["worker_identities"] == identities;
  };
  const auto start = [&](const std::string& w, const std::string& log) {
    return spawn({TMF_CLI, "serve", "--registry", registry, "--db", db, "--fleet", "plant", "--worker-id", w,
                  "--share-group", "ingest", "--json", "--progress-seconds", "1", "--max-device-batches-per-second", "0",
                  "--session-expiry-seconds", "2", "--broker", "mqtts://127.0.0.1:" + std::to_string(broker.port()),
                  "--ca", broker.fleet_dir() + "/ca.pem", "--cert", ids + "/svc-serve-" + w + ".pem", "--key",
                  ids + "/svc-serve-" + w + ".key"},
                 log);
  };
  const std::string w1_log = dir + "/w1.log", w2_log = dir + "/w2.log", w1_again_log = dir + "/w1-again.log";
  const auto lost = [&](const std::string& log) {
    size_t n = 0;
    for (const auto& e : events(log, "broker")) n += e.value("state", "") == "lost";
    return n;
  };

  TMF_ASSERT(add_worker("w1", {"svc-serve-w1"}));
  TMF_ASSERT(broker.reload());
  pid_t w1 = start("w1", w1_log);
  TMF_ASSERT(wait_until([&] { return connects(w1_log) >= 1; }, 20));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // SUBACKs
  DevicePublishers publisher(broker, devices, "ids");
  constexpr uint32_t kQuarter = 20;
  TMF_ASSERT(publish_all_acked(publisher, devices, 1, kQuarter));

  // A new worker: identity, ACL, SIGHUP. w1 keeps its one connection throughout.
  TMF_ASSERT(add_worker("w2", {"svc-serve-w1", "svc-serve-w2"}));
  TMF_ASSERT(broker.reload());
  const pid_t w2 = start("w2", w2_log);
  TMF_ASSERT(wait_until([&] { return connects(w2_log) >= 1; }, 20));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  TMF_ASSERT(publish_all_acked(publisher, devices, kQuarter + 1, kQuarter));
  TMF_EXPECT(wait_until([&] { return progress_stored(w2_log) > 0; }, 5));  // w2 took part of them
  TMF_EXPECT_EQ(connects(w1_log), 1);
  TMF_EXPECT_EQ(lost(w1_log), 0);

  // w1 revoked, the broker reloaded: the CRL is read for new handshakes only.
  const size_t w1_lines = events(w1_log, "progress").size();
  const auto [revoke_code, revoke_out] = run_tinymlops("fleet revoke serve --worker w1" + where + " --json");
  TMF_ASSERT(revoke_code == 0);
  TMF_EXPECT(nlohmann::json::parse(revoke_out)["id"] == "svc-serve-w1");
  TMF_ASSERT(broker.reload());
  // A progress line written a second or more after the last batch so far: it counts them all.
  TMF_EXPECT(wait_until([&] { return events(w1_log, "progress").size() > w1_lines + 1; }, 5));
  const uint64_t w1_before = progress_stored(w1_log);
  TMF_ASSERT(publish_all_acked(publisher, devices, 2 * kQuarter + 1, kQuarter));
  TMF_EXPECT(wait_until([&] { return progress_stored(w1_log) > w1_before; }, 5));  // still ingesting
  TMF_EXPECT_EQ(connects(w1_log), 1);
  TMF_EXPECT_EQ(lost(w1_log), 0);

  // ... until it reconnects: w1 stopped and started again is refused in the TLS handshake.
  kill(w1, SIGTERM);
  waitpid(w1, nullptr, 0);
  w1 = start("w1", w1_again_log);
  const auto said_revoked = [&] {
    for (const auto& e : events(w1_again_log, "broker")) {
      if (e.value("error", "").find("certificate revoked") != std::string::npos) return true;
    }
    return false;
  };
  TMF_EXPECT(wait_until(said_revoked, 10));
  TMF_ASSERT(publish_all_acked(publisher, devices, 3 * kQuarter + 1, kQuarter));
  TMF_EXPECT_EQ(connects(w1_again_log), 0);
  TMF_EXPECT(kill(w1, 0) == 0);  // running, retrying, never let in

  uint64_t stored_total = 0;
  std::vector<uint64_t> stored;
  for (const pid_t pid : {w1, w2}) {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  }
  for (const std::string& log : {w1_log, w1_again_log, w2_log}) {
    const auto stopped = events(log, "stopped");
    TMF_ASSERT(stopped.size() == 1);
    stored.push_back(stopped[0]["batches_stored"].get<uint64_t>());
    stored_total += stored.back();
  }
  const uint64_t total = devices.size() * 4 * kQuarter;
  TMF_EXPECT_EQ(stored[1], 0);
  TMF_EXPECT(stored[0] > devices.size() * kQuarter && stored[0] < devices.size() * 3 * kQuarter);
  TMF_EXPECT_EQ(stored_total, total);
  registry::Registry reg(registry, db);
  registry::Statement rows(reg.db(), "SELECT COUNT(*), COUNT(DISTINCT device || '/' || seq) FROM telemetry_batches");
  TMF_ASSERT(rows.step());
  TMF_EXPECT_EQ(rows.column_int(0), static_cast<int64_t>(total));
  TMF_EXPECT_EQ(rows.column_int(1), static_cast<int64_t>(total));
  std::printf("  %llu batches: w1 stored %llu (alone, then shared, also after its revocation until it restarted), "
              "w2 %llu; no restart of the broker, three reloads\n",
              static_cast<unsigned long long>(total), static_cast<unsigned long long>(stored[0]),
              static_cast<unsigned long long>(stored[2]));
}

TMF_TEST(ServeShared, ShareGroupNeedsAWorkerIdAndAValidName) {
  const std::string dir = scratch_dir("serve_shared_flags");
  const auto [code, out] = run_tinymlops("serve --registry " + dir + "/registry --allow-unenrolled --share-group ingest");
  TMF_EXPECT_EQ(code, 2);
  TMF_EXPECT(out.find("--worker-id") != std::string::npos);
  const auto [bad_code, bad] =
      run_tinymlops("serve --registry " + dir + "/registry --allow-unenrolled --worker-id w1 --share-group 'a/b'");
  TMF_EXPECT_EQ(bad_code, 2);
  TMF_EXPECT(bad.find("--share-group 'a/b'") != std::string::npos);
}

// A figure for scripts/bench_scaling.sh, not a test of behaviour (it asserts only that every
// batch was acked and stored once): one simulated fleet of 10,000 devices (ids dev00000-dev09999,
// 2 batches each, published by one lab publisher on a plain-text broker, at most 4,096 unacked at
// a time, resent after 30 s, so resends are losses, not a slow commit) into serve on SQLite, then into 1, 2 and 4 workers of one share group
// on one PostgreSQL database, each on a fresh database, with no drift evaluation in the run (ingest
// alone: the leader's drift pass over 10,000 devices would stall one worker). Batches per second from the first publish
// to the last ack. Runs only with TMF_BENCH_SCALING=1 (about a minute); make test skips it.
double scaling_run(const std::string& dir, const std::string& db, int workers, const std::string& label) {
  const std::string work = dir + "/" + label;
  std::system(("mkdir -p '" + work + "'").c_str());
  PlainBroker broker(work);
  std::vector<pid_t> pids;
  std::vector<std::string> logs;
  for (int w = 0; w < workers; ++w) {
    std::vector<std::string> argv = {TMF_CLI, "serve", "--allow-unenrolled", "--registry", work + "/registry",
                                     "--broker-port", std::to_string(broker.port), "--fleet", "plant", "--json",
                                     "--progress-seconds", "0", "--max-device-batches-per-second", "0",
                                     "--drift-every-seconds", "3600"};  // ingest alone: no drift pass in the run
    if (!db.empty()) {
      for (const std::string a : {"--db", db.c_str(), "--share-group", "bench", "--worker-id"}) argv.push_back(a);
      argv.push_back("w" + std::to_string(w + 1));
    }
    logs.push_back(work + "/serve-" + std::to_string(w + 1) + ".log");
    pids.push_back(spawn(argv, logs.back()));
  }
  const auto up_until = Clock::now() + std::chrono::seconds(30);
  auto up = [&] {
    for (const auto& log : logs) {
      bool connected = false;
      for (const auto& e : events(log, "broker")) connected = connected || e.value("state", "") == "connected";
      if (!connected) return false;
    }
    return true;
  };
  while (!up() && Clock::now() < up_until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // SUBACKs
  TelemetryPublisher publisher("plant", broker.port, "scaling-publisher-" + label);
  while (!publisher.connected() && Clock::now() < up_until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  constexpr int kDevices = 10000, kBatches = 2;
  const size_t total = size_t{kDevices} * kBatches;
  const auto start = Clock::now();
  size_t next = 0;
  char id[16];
  while (publisher.acked_count() < total && Clock::now() < start + std::chrono::seconds(180)) {
    while (next < total && publisher.unacked_count() < 4096) {
      std::snprintf(id, sizeof id, "dev%05d", static_cast<int>(next % kDevices));
      publisher.publish({id, 1, static_cast<uint32_t>(next / kDevices + 1)});
      ++next;
    }
    publisher.resend_unacked(std::chrono::milliseconds(30000));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const size_t acked = publisher.acked_count();
  uint64_t stored = 0, commits = 0;
  for (size_t w = 0; w < pids.size(); ++w) {
    kill(pids[w], SIGTERM);
    waitpid(pids[w], nullptr, 0);
    const auto stopped = events(logs[w], "stopped");
    if (!stopped.empty()) {
      stored += stopped[0]["batches_stored"].get<uint64_t>();
      commits += stopped[0].value("commits", uint64_t{0});
    }
  }
  if (acked != total || stored != total) return -1;  // every batch acked, and stored once over all workers
  const double rate = double(total) / seconds;
  std::printf("  scaling %s: %zu batches from %d devices in %.2f s = %.0f batches/s (%llu resends, %llu commits)\n",
              label.c_str(), total, kDevices, seconds, rate, static_cast<unsigned long long>(publisher.resends()),
              static_cast<unsigned long long>(commits));
  return rate;
}

TMF_TEST(ServeShared, ScalingFigure) {
  if (std::getenv("TMF_BENCH_SCALING") == nullptr) {
    std::printf("  a benchmark: runs with TMF_BENCH_SCALING=1 (scripts/bench_scaling.sh)\n");
    return;
  }
  const std::string dir = scratch_dir("serve_scaling");
  TMF_EXPECT(scaling_run(dir, "", 1, "sqlite") > 0);
  for (const int workers : {1, 2, 4}) {
    const std::string name = "scaling_w" + std::to_string(workers);
    TMF_EXPECT(scaling_run(dir, test_support::postgres_server().fresh_database(name), workers,
                           "postgresql_workers_" + std::to_string(workers)) > 0);
  }
}

}  // namespace
}  // namespace tmf::test
