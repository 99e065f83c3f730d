// Shared ingest (docs/scaling.md): three `tinymlops serve` workers of one MQTT 5 share group on
// one PostgreSQL database, behind the fleet's mutual-TLS broker, take a stream from resending
// device publishers. The leader (the worker holding the fleet's advisory lock) is SIGKILLed
// mid-stream: every batch a device saw acknowledged is stored exactly once, nothing twice, the
// two survivors keep ingesting, and one of them takes the leadership.
#include <pwd.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <iterator>
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
#include "tests/support/fleet_broker.h"
#include "tests/support/postgres_server.h"
#include "tests/support/tmf_test.h"

namespace tmf::test {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<nlohmann::json> events(const std::string& log, const std::string& name) {
  std::ifstream in(log);
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '{') continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("event", "") == name) out.push_back(j);
  }
  return out;
}

pid_t start_worker(const std::string& registry, const std::string& db, const FleetBroker& broker,
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

// Exit code and output (stdout and stderr) of `tinymlops ARGS`.
std::pair<int, std::string> run_tinymlops(const std::string& args) {
  FILE* pipe = popen((std::string(TMF_CLI) + " " + args + " 2>&1").c_str(), "r");
  std::string out;
  char buffer[4096];
  for (size_t n; pipe != nullptr && (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = pipe != nullptr ? pclose(pipe) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

size_t connects(const std::string& log) {
  size_t n = 0;
  for (const auto& e : events(log, "broker")) n += e.value("state", "") == "connected";
  return n;
}

// Publishes `per_device` more batches of each device and waits until every batch is acked.
bool publish_all_acked(DevicePublishers& publisher, const std::vector<std::string>& devices, uint32_t first_seq,
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

// Per-worker identities (docs/fleet.md): `fleet service serve --worker W` issues svc-serve-W,
// `broker config` grants it svc-serve's rights, two workers ingest with their own certificates,
// and `fleet revoke serve --worker w1` plus a broker restart (the CRL reloaded, live sessions
// ended) keeps w1 out while w2 goes on alone: every batch of the second half reaches the store
// through w2, and w1 never connects again.
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
  for (const char* w : {"w1", "w2"}) {
    const auto [code, out] = run_tinymlops(std::string("fleet service serve --worker ") + w + " --out " + ids + where + " --json");
    TMF_ASSERT(code == 0);
    TMF_EXPECT(nlohmann::json::parse(out)["identity"] == std::string("svc-serve-") + w);
  }
  const passwd* me = getpwuid(geteuid());
  const auto [config_code, config_out] =
      run_tinymlops("broker config --dir " + broker.fleet_dir() + " --out " + broker.config_dir() + " --port " +
                    std::to_string(broker.port()) + " --user " + (me != nullptr ? me->pw_name : "root") + " --json");
  TMF_ASSERT(config_code == 0);
  TMF_EXPECT(nlohmann::json::parse(config_out)["worker_identities"] ==
             nlohmann::json::array({"svc-serve-w1", "svc-serve-w2"}));
  broker.stop();
  broker.start();  // the regenerated ACL

  const std::vector<std::string> names = {"w1", "w2"};
  std::vector<pid_t> pids;
  for (const auto& w : names) {
    std::vector<std::string> argv = {TMF_CLI, "serve", "--registry", registry, "--db", db, "--fleet", "plant",
                                     "--worker-id", w, "--share-group", "ingest", "--json", "--progress-seconds", "0",
                                     "--max-device-batches-per-second", "0", "--session-expiry-seconds", "2",
                                     "--broker", "mqtts://127.0.0.1:" + std::to_string(broker.port()),
                                     "--ca", broker.fleet_dir() + "/ca.pem", "--cert", ids + "/svc-serve-" + w + ".pem",
                                     "--key", ids + "/svc-serve-" + w + ".key"};
    pids.push_back(spawn(argv, dir + "/" + w + ".log"));
  }
  const auto up_until = Clock::now() + std::chrono::seconds(20);
  while ((connects(dir + "/w1.log") == 0 || connects(dir + "/w2.log") == 0) && Clock::now() < up_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  TMF_ASSERT(connects(dir + "/w1.log") >= 1 && connects(dir + "/w2.log") >= 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // SUBACKs

  DevicePublishers publisher(broker, devices, "ids");
  constexpr uint32_t kHalf = 40;
  TMF_ASSERT(publish_all_acked(publisher, devices, 1, kHalf));

  const auto [revoke_code, revoke_out] = run_tinymlops("fleet revoke serve --worker w1" + where + " --json");
  TMF_ASSERT(revoke_code == 0);
  TMF_EXPECT(nlohmann::json::parse(revoke_out)["id"] == "svc-serve-w1");
  const size_t w1_connects = connects(dir + "/w1.log"), w2_connects = connects(dir + "/w2.log");
  broker.stop();
  broker.start();
  TMF_ASSERT(publish_all_acked(publisher, devices, kHalf + 1, kHalf));
  // w2 came back after the restart; w1 is still running, retrying, and was never let in.
  const auto back_until = Clock::now() + std::chrono::seconds(10);
  while (connects(dir + "/w2.log") <= w2_connects && Clock::now() < back_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  TMF_EXPECT(connects(dir + "/w2.log") > w2_connects);
  TMF_EXPECT_EQ(connects(dir + "/w1.log"), w1_connects);
  TMF_EXPECT(kill(pids[0], 0) == 0);
  // ... refused in the TLS handshake for its revoked certificate, as its own log says.
  const auto said_until = Clock::now() + std::chrono::seconds(10);
  const auto said_revoked = [&] {
    for (const auto& e : events(dir + "/w1.log", "broker")) {
      if (e.value("error", "").find("certificate revoked") != std::string::npos) return true;
    }
    return false;
  };
  while (!said_revoked() && Clock::now() < said_until) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  TMF_EXPECT(said_revoked());

  std::vector<uint64_t> stored(names.size(), 0);
  for (size_t i = 0; i < names.size(); ++i) {
    kill(pids[i], SIGTERM);
    int status = 0;
    waitpid(pids[i], &status, 0);
    const auto stopped = events(dir + "/" + names[i] + ".log", "stopped");
    TMF_ASSERT(stopped.size() == 1);
    stored[i] = stopped[0]["batches_stored"].get<uint64_t>();
  }
  const uint64_t total = devices.size() * 2 * kHalf, half = devices.size() * kHalf;
  // Both ingested the first half (the broker shared it); the second half went to w2 only.
  TMF_EXPECT(stored[0] > 0 && stored[0] < half);
  TMF_EXPECT_EQ(stored[0] + stored[1], total);
  registry::Registry reg(registry, db);
  registry::Statement rows(reg.db(), "SELECT COUNT(*), COUNT(DISTINCT device || '/' || seq) FROM telemetry_batches");
  TMF_ASSERT(rows.step());
  TMF_EXPECT_EQ(rows.column_int(0), static_cast<int64_t>(total));
  TMF_EXPECT_EQ(rows.column_int(1), static_cast<int64_t>(total));
  std::printf("  %llu batches: w1 stored %llu (first half only), w2 %llu; w1 revoked, refused after the restart\n",
              static_cast<unsigned long long>(total), static_cast<unsigned long long>(stored[0]),
              static_cast<unsigned long long>(stored[1]));
}

// Captures in the store (docs/scaling.md "Shared captures"): worker w2, on a --registry folder of
// its own that starts empty, receives three devices' DATA uploads (segments out of order, one
// resent) into the PostgreSQL store and stops. w1, on another folder, leads, finds the loop's
// collect step complete and trains from those captures: every dataset file it writes holds, byte
// for byte, the floats the devices published, and neither folder ever has a captures/ directory.
TMF_TEST(ServeShared, LeaderTrainsFromCapturesAnotherWorkerStored) {
  const std::string dir = scratch_dir("serve_shared_captures");
  FleetBroker broker(dir + "/broker", "plant");
  const std::string leader_dir = dir + "/leader", ingest_dir = dir + "/ingest";
  const std::string db = test_support::postgres_server().fresh_database("serve_shared_captures");
  const std::vector<std::string> devices = {"pump1", "pump2", "pump3"};
  registry::Registry::set_default_database(db);
  for (const auto& d : devices) broker.enrol(leader_dir, d, "pumps");
  registry::Registry::set_default_database("");
  const auto [key_code, key_out] = run_tinymlops("keys generate --out " + dir + "/keys --json --registry " + leader_dir +
                                                 " --db " + db);
  TMF_ASSERT(key_code == 0);

  // Three capture requests and the loop's running collect step, as a leader records them.
  constexpr uint32_t kSamples = 16384, kSegment = 1024;
  std::map<uint32_t, std::string> capture_device;
  std::map<uint32_t, std::vector<float>> sent;
  registry::Database store_db(db);
  monitor::TelemetryStore store(store_db);
  nlohmann::json ids = nlohmann::json::array();
  uint64_t noise = 12345;
  for (size_t k = 0; k < devices.size(); ++k) {
    const uint32_t id = store.create_capture(devices[k], kSamples, monitor::unix_ms_now());
    capture_device[id] = devices[k];
    ids.push_back(id);
    std::vector<float>& x = sent[id];
    for (uint32_t i = 0; i < kSamples; ++i) {
      noise = noise * 6364136223846793005ull + 1442695040888963407ull;
      const double t = i / 12000.0;
      x.push_back(static_cast<float>(std::sin(2 * M_PI * (50 + 7 * k) * t) + 0.3 * std::sin(2 * M_PI * 1234 * t) +
                                     0.05 * (static_cast<double>(noise >> 11) / 9007199254740992.0 - 0.5)));
    }
  }
  registry::Statement(store_db, "INSERT INTO loop_steps(device_group, kind, state, reason, started_at, detail) "
                                "VALUES ('pumps', 'collect', 'running', 'test: captures stored by another worker', ?, ?)")
      .bind(1, monitor::unix_ms_now())
      .bind(2, nlohmann::json({{"captures", ids}, {"devices", devices}, {"samples", kSamples}}).dump())
      .run();

  auto serve = [&](const std::string& registry, const std::string& worker, std::vector<std::string> extra) {
    std::vector<std::string> argv = {TMF_CLI, "serve", "--registry", registry, "--db", db, "--fleet", "plant",
                                     "--worker-id", worker, "--share-group", "ingest", "--json", "--progress-seconds",
                                     "0", "--session-expiry-seconds", "2"};
    for (const std::string& flag : broker.service_flags(fleet::FleetService::kFleetServiceServe)) argv.push_back(flag);
    argv.insert(argv.end(), extra.begin(), extra.end());
    return spawn(argv, dir + "/" + worker + ".log");
  };
  pid_t w2 = serve(ingest_dir, "w2", {});
  const auto up_until = Clock::now() + std::chrono::seconds(20);
  while (connects(dir + "/w2.log") == 0 && Clock::now() < up_until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  TMF_ASSERT(connects(dir + "/w2.log") >= 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // SUBACKs
  DevicePublishers publisher(broker, devices, "captures");
  while (!publisher.connected() && Clock::now() < up_until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto segment = [&](uint32_t id, uint32_t offset) {
    OtaData data{id, offset, kSamples, 12000, 0, 0, static_cast<uint16_t>(kSegment), sent[id].data() + offset, nullptr};
    std::vector<uint8_t> out(kOtaDataFixedBytes + 4 * kSegment);
    out.resize(ota_data_encode(data, out.data(), out.size()));
    publisher.publish_as(capture_device[id], "data", out);
  };
  for (uint32_t n = 0; n < kSamples / kSegment; ++n) {
    for (const auto& [id, device] : capture_device) segment(id, (n * 5 % (kSamples / kSegment)) * kSegment);
  }
  segment(ids[0].get<uint32_t>(), 0);  // a resend
  auto all_complete = [&] {
    for (const auto& [id, device] : capture_device) {
      if (store.find_capture(id)->state != "complete") return false;
    }
    return true;
  };
  const auto stored_until = Clock::now() + std::chrono::seconds(20);
  while (!all_complete() && Clock::now() < stored_until) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  TMF_ASSERT(all_complete());
  kill(w2, SIGTERM);
  waitpid(w2, nullptr, 0);
  const auto w2_stopped = events(dir + "/w2.log", "stopped");
  TMF_ASSERT(w2_stopped.size() == 1);
  TMF_EXPECT_EQ(w2_stopped[0]["data_segments"].get<uint64_t>(), uint64_t{3 * kSamples / kSegment + 1});

  // The leader, on its own folder, trains from what w2 stored.
  const auto train_started = Clock::now();
  pid_t w1 = serve(leader_dir, "w1", {"--loop-group", "pumps", "--model-name", "pump-detector", "--signing-key",
                                      dir + "/keys/tinymlops.key", "--max-false-alarm-rate", "1"});
  std::optional<std::pair<std::string, nlohmann::json>> train;
  const auto train_until = Clock::now() + std::chrono::seconds(60);
  while (!train && Clock::now() < train_until) {
    registry::Statement s(store_db, "SELECT state, detail FROM loop_steps WHERE kind = 'train' AND state <> 'running'");
    if (s.step()) train.emplace(s.column_text(0), nlohmann::json::parse(s.column_text(1)));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const double train_seconds = std::chrono::duration<double>(Clock::now() - train_started).count();
  kill(w1, SIGTERM);
  waitpid(w1, nullptr, 0);
  TMF_ASSERT(train.has_value());
  TMF_EXPECT(train->first == "done");
  const nlohmann::json& detail = train->second;
  TMF_EXPECT(detail.contains("version") && detail.value("recordings", 0) == 3);
  size_t files = 0, exact = 0;
  for (const char* side : {"dataset", "holdout"}) {
    const std::string folder = detail.value(side, "");
    std::ifstream manifest(folder + "/manifest.csv");
    std::string line;
    std::getline(manifest, line);  // header
    while (std::getline(manifest, line)) {
      const std::string file = line.substr(0, line.find(','));
      const uint32_t id = static_cast<uint32_t>(std::stoul(line.substr(line.rfind(',') + 1)));
      std::ifstream in(folder + "/" + file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      ++files;
      exact += sent.count(id) && bytes == std::string(reinterpret_cast<const char*>(sent[id].data()), 4 * kSamples);
    }
  }
  TMF_EXPECT_EQ(files, 3);
  TMF_EXPECT_EQ(exact, 3);
  TMF_EXPECT(detail.value("dataset", "").rfind(leader_dir, 0) == 0);
  TMF_EXPECT(!std::filesystem::exists(ingest_dir + "/captures") && !std::filesystem::exists(leader_dir + "/captures"));
  std::printf("  w2 (own empty folder) stored 3 captures of %u samples (%llu DATA segments) on PostgreSQL; w1 led and "
              "trained %s from them in %.1f s; %zu of %zu dataset files byte-exact\n",
              kSamples, static_cast<unsigned long long>(w2_stopped[0]["data_segments"].get<uint64_t>()),
              detail.value("version", "?").c_str(), train_seconds, exact, files);
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
