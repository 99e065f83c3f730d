// Shared ingest (docs/scaling.md): three `tinymlops serve` workers of one MQTT 5 share group on
// one PostgreSQL database, behind the fleet's mutual-TLS broker, take a stream from resending
// device publishers. The leader (the worker holding the fleet's advisory lock) is SIGKILLed
// mid-stream: every batch a device saw acknowledged is stored exactly once, nothing twice, the
// two survivors keep ingesting, and one of them takes the leadership.
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

// The batches a worker's newest "progress" event says it stored (0 before the first).
uint64_t progress_stored(const std::string& log) {
  const auto p = events(log, "progress");
  return p.empty() ? 0 : p.back().value("batches_stored", uint64_t{0});
}

// Waits (up to `seconds`) until `done`; returns done().
bool wait_until(const std::function<bool()>& done, int seconds) {
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  while (!done() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return done();
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

// One device's uplinks as its agent sends them, over its own certificate: INFO, STATUS and
// PRESENCE retained, EVENT not (docs/protocol.md).
class DeviceUplink {
 public:
  DeviceUplink(FleetBroker& broker, const std::string& id) : id_(id) {
    mosquitto_lib_init();
    mosq_ = mosquitto_new(id.c_str(), true, this);
    tls_set(mosq_, broker.device(id));
    mosquitto_connect_callback_set(mosq_, [](struct mosquitto*, void* self, int rc) {
      if (rc == 0) static_cast<DeviceUplink*>(self)->connected_ = true;
    });
    mosquitto_connect(mosq_, "127.0.0.1", broker.port(), 10);
    mosquitto_loop_start(mosq_);
  }
  ~DeviceUplink() {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, false);
    mosquitto_destroy(mosq_);
  }
  bool connected() const { return connected_; }
  void info() {
    OtaInfo info{};
    info.ram_bytes = 131072;
    std::snprintf(info.core, sizeof info.core, "cortex-m4");
    std::snprintf(info.group, sizeof info.group, "pumps");
    std::vector<uint8_t> bytes(512);
    bytes.resize(ota_info_encode(info, bytes.data(), bytes.size()));
    send("info", bytes, true);
  }
  void status(uint32_t model_id, uint32_t version) {
    OtaStatusMessage status{};
    status.active_slot = 1;
    status.active_model_id = model_id;
    status.active_model_version = version;
    std::vector<uint8_t> bytes(kOtaStatusBytes);
    bytes.resize(ota_status_encode(status, bytes.data(), bytes.size()));
    send("status", bytes, true);
  }
  void presence(bool online) {
    std::vector<uint8_t> bytes(kOtaPresenceBytes);
    bytes.resize(ota_presence_encode(online, bytes.data(), bytes.size()));
    send("presence", bytes, true);
  }
  void fault(OtaResult result, uint32_t detail) {  // a model reverted after a fault (device_fault.h)
    OtaEventMessage event{};
    event.event = OtaEvent::kOtaEventReverted;
    event.result = result;
    event.detail = detail;
    std::vector<uint8_t> bytes(256);
    bytes.resize(ota_event_encode(event, bytes.data(), bytes.size()));
    send("event", bytes, false);
  }

 private:
  void send(const char* leaf, const std::vector<uint8_t>& bytes, bool retain) {
    mosquitto_publish(mosq_, nullptr, ("tmf/plant/" + id_ + "/" + leaf).c_str(), static_cast<int>(bytes.size()),
                      bytes.data(), 1, retain);
  }
  std::string id_;
  struct mosquitto* mosq_ = nullptr;
  std::atomic<bool> connected_{false};
};

// Device rows with shared workers (docs/scaling.md "Device rows"): every worker receives INFO,
// STATUS, PRESENCE and EVENT, and only the leader writes them. The oracle is PostgreSQL itself:
// triggers on `devices` log every row write by kind, whoever makes it. With the leader w1 stopped
// (SIGSTOP: it keeps the lease) the follower w2 receives a new STATUS, PRESENCE and fault and
// writes nothing; once w1 is SIGKILLed and w2 leads, w2 writes what it received.
TMF_TEST(ServeShared, DeviceRowsAreWrittenByTheLeaderAlone) {
  const std::string dir = scratch_dir("serve_device_rows");
  FleetBroker broker(dir + "/broker", "plant");
  const std::string registry = dir + "/registry";
  const std::string db = test_support::postgres_server().fresh_database("serve_device_rows");
  const std::vector<std::string> ids = {"dev1", "dev2", "dev3"};
  registry::Registry::set_default_database(db);
  for (const auto& d : ids) broker.enrol(registry, d, "pumps");
  registry::Registry::set_default_database("");
  registry::Registry reg(registry, db);
  reg.db().exec("CREATE TABLE device_row_writes (device TEXT NOT NULL, what TEXT NOT NULL)");
  reg.db().exec(
      "CREATE FUNCTION device_row_write() RETURNS trigger LANGUAGE plpgsql AS "
      "$$ BEGIN INSERT INTO device_row_writes VALUES (NEW.id, TG_ARGV[0]); RETURN NULL; END $$");
  for (const auto& [what, when] : std::vector<std::pair<std::string, std::string>>{
           {"info", "INSERT OR UPDATE OF core"}, {"model", "UPDATE OF current_model_id"},
           {"presence", "UPDATE OF online"}, {"fault", "UPDATE OF last_fault_code"}}) {
    reg.db().exec(("CREATE TRIGGER device_row_" + what + " AFTER " + when +
                   " ON devices FOR EACH ROW EXECUTE FUNCTION device_row_write('" + what + "')")
                      .c_str());
  }
  const auto writes = [&](const std::string& what, const std::string& device) {
    registry::Statement s(reg.db(), "SELECT COUNT(*) FROM device_row_writes WHERE what = ? AND (? = '' OR device = ?)");
    s.bind(1, what).bind(2, device).bind(3, device);
    s.step();
    return s.column_int(0);
  };
  const auto device_updates = [&](const std::string& log) {
    const auto p = events(log, "progress");
    return p.empty() ? int64_t{-1} : p.back().value("device_updates", int64_t{-1});
  };

  // w1 first, so it leads; then w2.
  const std::string w1_log = dir + "/w1.log", w2_log = dir + "/w2.log";
  const pid_t w1 = start_worker(registry, db, broker, "w1", w1_log);
  TMF_ASSERT(wait_until([&] { return !events(w1_log, "leader").empty() && connects(w1_log) >= 1; }, 20));
  const pid_t w2 = start_worker(registry, db, broker, "w2", w2_log);
  TMF_ASSERT(wait_until([&] { return connects(w2_log) >= 1; }, 20));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // SUBACKs

  std::vector<std::unique_ptr<DeviceUplink>> devices;
  for (const auto& id : ids) devices.push_back(std::make_unique<DeviceUplink>(broker, id));
  TMF_ASSERT(wait_until([&] { return std::all_of(devices.begin(), devices.end(), [](const auto& d) { return d->connected(); }); }, 10));
  for (auto& d : devices) {
    d->info();
    d->status(0x42, 1);
    d->presence(true);
  }
  devices[1]->fault(OtaResult::kOtaResultConfirmedWatchdog, 0x1000);
  const auto row = [&](const std::string& id) { return reg.find_device(id); };
  TMF_ASSERT(wait_until([&] {
    for (const auto& id : ids) {
      const auto d = row(id);
      if (!d || d->current_version != std::optional<uint32_t>(1) || !d->online) return false;
    }
    const auto d2 = row("dev2");
    return d2->last_fault && d2->last_fault->code == 24;
  }, 10));
  // A progress line of each worker from after the rows were seen (one a second): a commit of these
  // messages by either (100 ms after they arrive) is in by then.
  const size_t w1_lines = events(w1_log, "progress").size(), w2_lines = events(w2_log, "progress").size();
  TMF_EXPECT(wait_until([&] {
    return events(w1_log, "progress").size() > w1_lines + 1 && events(w2_log, "progress").size() > w2_lines + 1;
  }, 5));
  TMF_EXPECT_EQ(writes("fault", "dev2"), 1);
  TMF_EXPECT_EQ(device_updates(w2_log), 0);
  TMF_EXPECT(device_updates(w1_log) >= 3);
  const int64_t info_a = writes("info", ""), presence_a = writes("presence", ""), model_a = writes("model", ""),
                fault_a = writes("fault", "");
  TMF_EXPECT(info_a >= 3 && presence_a >= 3 && model_a >= 3);

  // The leader stopped, still holding the lease: w2 receives and keeps, and writes nothing.
  kill(w1, SIGSTOP);
  devices[0]->status(0x42, 2);
  devices[0]->presence(false);
  devices[1]->fault(OtaResult::kOtaResultTrialFault, 0x2000);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // ten of w2's commit intervals
  TMF_EXPECT(row("dev1")->current_version == std::optional<uint32_t>(1) && row("dev1")->online);
  TMF_EXPECT(row("dev2")->last_fault->code == 24);
  TMF_EXPECT_EQ(writes("fault", "dev2"), 1);

  // w1 gone: w2 takes the lease and writes what it received meanwhile.
  kill(w1, SIGKILL);
  waitpid(w1, nullptr, 0);
  TMF_EXPECT(wait_until([&] { return !events(w2_log, "leader").empty(); }, 10));
  TMF_EXPECT(wait_until([&] {
    const auto d1 = row("dev1"), d2 = row("dev2");
    return d1->current_version == std::optional<uint32_t>(2) && !d1->online && d2->last_fault->code == 22;
  }, 10));
  const auto d1 = row("dev1"), d2 = row("dev2");
  TMF_EXPECT(d1->previous_model_id == std::optional<uint32_t>(0x42) && d1->previous_version == std::optional<uint32_t>(1));
  TMF_EXPECT_EQ(d2->last_fault->detail, 0x2000);
  TMF_EXPECT_EQ(writes("fault", "dev2"), 2);
  kill(w2, SIGTERM);
  int status = 0;
  waitpid(w2, &status, 0);
  TMF_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::printf("  devices table row writes (PostgreSQL triggers), 3 devices, 2 workers: %lld info, %lld model, %lld "
              "presence, %lld fault before the handover; %lld, %lld, %lld, %lld in all\n",
              static_cast<long long>(info_a), static_cast<long long>(model_a), static_cast<long long>(presence_a),
              static_cast<long long>(fault_a), static_cast<long long>(writes("info", "")),
              static_cast<long long>(writes("model", "")), static_cast<long long>(writes("presence", "")),
              static_cast<long long>(writes("fault", "")));
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
