// What the leader of a share group alone does (docs/scaling.md): it writes the device rows
// (INFO, STATUS, PRESENCE, the last fault) that every worker receives, and it trains from the
// captures whichever worker stored. Ingest itself: shared_ingest_test.cc.
#include <mosquitto.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "device/agent/protocol.h"
#include "host/registry/registry.h"
#include "shared_workers.h"
#include "tests/support/postgres_server.h"
#include "tests/support/tmf_test.h"

namespace tmf::test {
namespace {

using namespace shared;

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

}  // namespace
}  // namespace tmf::test
