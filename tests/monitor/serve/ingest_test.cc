// Ingest through a real Mosquitto: the in-process Ingest (device info/status/presence into the
// registry, alarm alerts, a raw capture requested and stored byte for byte), and the acceptance
// test: a resending publisher against `tinymlops serve`, which is SIGKILLed mid-stream and
// restarted; every batch the publisher saw acknowledged must be in the database exactly once.
// Each runs on SQLite (Ingest, Serve) and on PostgreSQL (IngestPostgres, ServePostgres); the
// ingest rate figure is SQLite's.
#include <mosquitto.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "host/fleet/link.h"
#include "host/monitor/ingest.h"
#include "publisher.h"
#include "serve_fixture.h"
#include "tests/support/postgres_server.h"
#include "tests/support/tmf_test.h"

namespace tmf::test {
namespace {

using Clock = std::chrono::steady_clock;

bool poll_until(monitor::Ingest& ingest, const std::function<bool()>& done, double seconds) {
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    ingest.poll(std::chrono::milliseconds(50));
    if (done()) return true;
  }
  return false;
}

// A minimal device: answers COMMAND collect by remembering it; the test thread sends the DATA.
struct FakeDevice {
  struct mosquitto* mosq = nullptr;
  std::mutex mutex;
  std::vector<OtaCommand> commands;
  std::vector<OtaTelemetryAck> acks;
  // Connects with the device's own certificate: the broker's ACL lets it speak only as `id`.
  FakeDevice(FleetBroker& broker, const std::string& id) {
    mosquitto_lib_init();
    mosq = mosquitto_new(id.c_str(), true, this);
    const TlsIdentity me = broker.device(id);
    tls_set(mosq, me);
    mosquitto_message_callback_set(mosq, [](struct mosquitto*, void* self_ptr, const struct mosquitto_message* m) {
      auto* self = static_cast<FakeDevice*>(self_ptr);
      const auto* p = static_cast<const uint8_t*>(m->payload);
      const size_t n = static_cast<size_t>(m->payloadlen);
      std::lock_guard<std::mutex> lock(self->mutex);
      OtaCommand c{};
      OtaTelemetryAck a{};
      if (std::string(m->topic).ends_with("/cmd") && ota_command_decode(p, n, &c) == OtaDecodeStatus::kOtaDecodeOk) {
        self->commands.push_back(c);
      } else if (ota_telemetry_ack_decode(p, n, &a) == OtaDecodeStatus::kOtaDecodeOk) {
        self->acks.push_back(a);
      }
    });
    mosquitto_connect(mosq, "127.0.0.1", broker.port(), 10);
    mosquitto_subscribe(mosq, nullptr, ("tmf/plant/" + id + "/cmd").c_str(), 1);
    mosquitto_subscribe(mosq, nullptr, ("tmf/plant/" + id + "/ack").c_str(), 1);
    mosquitto_loop_start(mosq);
  }
  ~FakeDevice() {
    mosquitto_disconnect(mosq);
    mosquitto_loop_stop(mosq, false);
    mosquitto_destroy(mosq);
  }
  void publish(const std::string& topic, const std::vector<uint8_t>& bytes, bool retain = false) {
    mosquitto_publish(mosq, nullptr, topic.c_str(), static_cast<int>(bytes.size()), bytes.data(), 1, retain);
  }
};

// The ingest of `tinymlops serve`: the serve identity, enrolled devices only.
monitor::IngestOptions serve_options(const FleetBroker& broker, const std::string& registry_dir) {
  monitor::IngestOptions o;
  o.fleet = "plant";
  o.broker = broker.service(fleet::FleetService::kFleetServiceServe);
  o.enrolment = fleet::fleet_enrolment_from_registry(registry_dir);
  return o;
}

// A fleet broker, a registry, an in-process Ingest of fleet "plant", and one fake device enrolled
// in group "press" and connected with its own certificate.
struct IngestRig {
  std::string dir;
  test_support::ScopedTestDatabase database;
  FleetBroker broker;
  registry::Registry reg;
  monitor::Ingest ingest;
  FakeDevice device;
  IngestRig(const std::string& name, const std::string& device_id, test_support::TestEngine engine)
      : dir(scratch_dir(name)),
        database(engine, name),
        broker(dir + "/broker", "plant"),
        reg(dir + "/registry"),
        ingest(reg, serve_options(broker, reg.dir())),
        device((broker.enrol(reg.dir(), device_id, "press"), broker), device_id) {
    if (!ingest.wait_connected(std::chrono::seconds(5))) throw std::runtime_error("ingest did not connect");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
};

TMF_TEST_BOTH_ENGINES(Ingest, DevicesAlarmsAndACaptureStoredByteForByte) {
  IngestRig rig("ingest_capture", "dev1", engine);
  registry::Registry& reg = rig.reg;
  monitor::Ingest& ingest = rig.ingest;
  FakeDevice& device = rig.device;

  // INFO, STATUS, PRESENCE -> the devices table.
  OtaInfo info{};
  info.agent_version = 1;
  info.ram_bytes = 65536;
  info.slot_bytes = 131072;
  info.flash_bytes = 1 << 20;
  info.max_chunk_bytes = 1024;
  std::snprintf(info.core, sizeof info.core, "cortex-m4");
  std::snprintf(info.group, sizeof info.group, "press");
  std::vector<uint8_t> bytes(256);
  bytes.resize(ota_info_encode(info, bytes.data(), bytes.size()));
  device.publish("tmf/plant/dev1/info", bytes);
  OtaStatusMessage status{};
  status.active_slot = 0;
  status.active_model_id = 0x1234;
  status.active_model_version = 1;
  bytes.assign(kOtaStatusBytes, 0);
  bytes.resize(ota_status_encode(status, bytes.data(), bytes.size()));
  device.publish("tmf/plant/dev1/status", bytes);
  bytes.assign(kOtaPresenceBytes, 0);
  bytes.resize(ota_presence_encode(true, bytes.data(), bytes.size()));
  device.publish("tmf/plant/dev1/presence", bytes);
  TMF_EXPECT(poll_until(ingest, [&] {
    const auto d = reg.find_device("dev1");
    return d && d->online && d->current_version == 1u;
  }, 10));
  const auto d = reg.find_device("dev1");
  TMF_ASSERT(d.has_value());
  TMF_EXPECT(d->group == "press" && d->profile.core == "cortex-m4" && d->profile.ram_bytes == 65536);
  TMF_EXPECT_EQ(*d->current_model_id, 0x1234);

  // A batch that raised two alarms: stored, acked, two alarm alerts.
  TelemetrySpec spec;
  spec.seq = 4;
  spec.alarms_raised = 2;
  device.publish("tmf/plant/dev1/telemetry", telemetry_payload(spec));
  TMF_EXPECT(poll_until(ingest, [&] {
    std::lock_guard<std::mutex> lock(device.mutex);
    return !device.acks.empty();
  }, 10));
  {
    std::lock_guard<std::mutex> lock(device.mutex);
    TMF_ASSERT(!device.acks.empty());
    TMF_EXPECT(device.acks[0].boot_count == 1 && device.acks[0].seq == 4);
  }
  const auto alarms = ingest.alerts().list(alert_filter({}, "alarm"));
  TMF_ASSERT(alarms.size() == 2);
  TMF_EXPECT(alarms[0].device == std::optional<std::string>("dev1"));
  TMF_EXPECT(alarms[0].group == std::optional<std::string>("press"));
  const auto detail = nlohmann::json::parse(alarms[1].detail_json);
  TMF_EXPECT_EQ(detail["seq"].get<int>(), 4);
  TMF_EXPECT_EQ(detail["raise"].get<int>(), 2);
  TMF_EXPECT_EQ(detail["first_window"].get<int>(), 24);

  // A capture: COMMAND collect reaches the device; DATA segments (one sent twice, out of order).
  const uint32_t samples = 2500;
  const uint32_t id = ingest.request_capture("dev1", samples);
  TMF_EXPECT(poll_until(ingest, [&] {
    std::lock_guard<std::mutex> lock(device.mutex);
    return !device.commands.empty();
  }, 10));
  {
    std::lock_guard<std::mutex> lock(device.mutex);
    TMF_ASSERT(!device.commands.empty());
    TMF_EXPECT(device.commands[0].command == OtaCommandCode::kOtaCommandCollect);
    TMF_EXPECT_EQ(device.commands[0].update_id, id);
    TMF_EXPECT_EQ(device.commands[0].collect_samples, samples);
  }
  std::vector<float> signal(samples);
  for (uint32_t i = 0; i < samples; ++i) signal[i] = std::sin(0.01f * static_cast<float>(i)) + 0.001f * static_cast<float>(i);
  auto segment = [&](uint32_t offset, uint32_t count) {
    OtaData data{id, offset, samples, 25600, 0x1234, 1, static_cast<uint16_t>(count), signal.data() + offset, nullptr};
    std::vector<uint8_t> out(kOtaDataFixedBytes + 4 * count);
    out.resize(ota_data_encode(data, out.data(), out.size()));
    device.publish("tmf/plant/dev1/data", out);
  };
  segment(1024, 1024);
  TMF_EXPECT(poll_until(ingest, [&] { return ingest.counters().data_segments == 1; }, 10));
  ingest.flush();
  // Only the second segment so far: the samples reach its end, the first 1024 read 0.
  std::string stored = ingest.store().capture_data(id);
  TMF_ASSERT(stored.size() == 2048 * sizeof(float));
  TMF_EXPECT(stored.substr(0, 4096) == std::string(4096, '\0'));
  TMF_EXPECT_BYTES_EQ(stored.data() + 4096, signal.data() + 1024, 4096);
  segment(0, 1024);
  TMF_EXPECT(poll_until(ingest, [&] { return ingest.counters().data_segments == 2; }, 10));
  ingest.flush();
  TMF_EXPECT(ingest.store().find_capture(id)->state == "requested");
  segment(0, 1024);         // a duplicate
  segment(1900, 300);       // overlaps [1024, 2048) and goes on
  segment(2100, samples - 2100);  // overlaps that and completes the capture
  TMF_EXPECT(poll_until(ingest, [&] { return ingest.store().find_capture(id)->state == "complete"; }, 10));
  const auto capture = ingest.store().find_capture(id);
  TMF_EXPECT_EQ(capture->received_samples, samples);
  TMF_EXPECT((capture->received_ranges == std::vector<std::pair<uint32_t, uint32_t>>{{0, samples}}));
  TMF_EXPECT_EQ(*capture->sample_rate_hz, 25600);
  // The floats published, byte for byte, from the database; serve wrote no capture file.
  stored = ingest.store().capture_data(id);
  TMF_ASSERT(stored.size() == samples * sizeof(float));
  TMF_EXPECT_BYTES_EQ(stored.data(), signal.data(), static_cast<uint32_t>(stored.size()));
  TMF_EXPECT(!std::filesystem::exists(reg.dir() + "/captures"));
  const auto completed = ingest.take_completed_captures();
  TMF_EXPECT(completed.size() == 1 && completed[0] == id);
}

// Regression (issue 12): a device whose journal was erased restarts at boot 1; its new batches
// were acked as duplicates of (boot 1, seq n) from its earlier life and dropped. With the journal's
// incarnation id in the key they are new rows, acked with that id; a resend of either is a duplicate.
TMF_TEST_BOTH_ENGINES(Ingest, ErasedJournalBatchesAreNewNotDuplicates) {
  IngestRig rig("ingest_incarnation", "dev1", engine);
  monitor::Ingest& ingest = rig.ingest;
  FakeDevice& device = rig.device;
  auto acks = [&] {
    std::lock_guard<std::mutex> lock(device.mutex);
    return device.acks;
  };
  TelemetrySpec before;
  before.incarnation = 0x11111111u;
  before.seq = 1;
  before.score_base = 1.0f;
  device.publish("tmf/plant/dev1/telemetry", telemetry_payload(before));
  TMF_ASSERT(poll_until(ingest, [&] { return acks().size() == 1; }, 10));
  TelemetrySpec after = before;  // the same (boot 1, seq 1) after the erase
  after.incarnation = 0x22222222u;
  after.score_base = 7.0f;
  device.publish("tmf/plant/dev1/telemetry", telemetry_payload(after));
  TMF_ASSERT(poll_until(ingest, [&] { return acks().size() == 2; }, 10));
  device.publish("tmf/plant/dev1/telemetry", telemetry_payload(after));  // a resend
  TMF_ASSERT(poll_until(ingest, [&] { return acks().size() == 3; }, 10));
  const std::vector<OtaTelemetryAck> got = acks();
  TMF_EXPECT(got[0].has_incarnation && got[0].incarnation == 0x11111111u);
  TMF_EXPECT(got[1].has_incarnation && got[1].incarnation == 0x22222222u && got[1].boot_count == 1 && got[1].seq == 1);
  TMF_EXPECT_EQ(ingest.counters().batches_stored, 2u);
  TMF_EXPECT_EQ(ingest.counters().duplicates, 1u);
  monitor::TelemetryStore& store = ingest.store();
  TMF_EXPECT_EQ(store.batch_count(std::string("dev1")), 2u);
  const auto old_row = store.find_batch({"dev1", 1, 1, 0x11111111u});
  const auto new_row = store.find_batch({"dev1", 1, 1, 0x22222222u});
  TMF_ASSERT(old_row && new_row);
  TMF_EXPECT(old_row->scores[0] == 1.0f && new_row->scores[0] == 7.0f);
  // The device's current batch is the one that arrived last, not the larger (boot, seq).
  const auto latest = store.latest_batch_per_device();
  TMF_ASSERT(latest.size() == 1);
  TMF_EXPECT_EQ(latest[0].incarnation, 0x22222222u);
}

// Regression (issue 12): DATA offsets and totals were not capped to the request, so a device could
// make a sparse capture file of up to 16 GiB and keep writing after completion.
TMF_TEST_BOTH_ENGINES(Ingest, CaptureSegmentsOutsideTheRequestAreDropped) {
  IngestRig rig("ingest_capture_bounds", "dev9", engine);
  monitor::Ingest& ingest = rig.ingest;
  FakeDevice& device = rig.device;
  const uint32_t samples = 2048;
  const uint32_t id = ingest.request_capture("dev9", samples);
  std::vector<float> signal(samples, 0.5f);
  auto segment = [&](uint32_t offset, uint32_t count, uint32_t total, float value = 0.25f) {
    std::vector<float> values(count, value);
    OtaData data{id, offset, total, 12000, 0, 0, static_cast<uint16_t>(count), values.data(), nullptr};
    std::vector<uint8_t> out(kOtaDataFixedBytes + 4 * count);
    out.resize(ota_data_encode(data, out.data(), out.size()));
    TMF_ASSERT(!out.empty());
    device.publish("tmf/plant/dev9/data", out);
  };
  segment(1u << 30, 16, 1u << 31);  // a total far beyond the request (a 4 GiB sparse file before)
  segment(2000, 100, 2100);         // past the requested samples
  TMF_EXPECT(poll_until(ingest, [&] { return ingest.counters().data_dropped == 2; }, 10));
  segment(0, 1024, samples);
  segment(1024, 1024, samples);
  TMF_EXPECT(poll_until(ingest, [&] { return ingest.store().find_capture(id)->state == "complete"; }, 10));
  segment(0, 16, samples, 9.0f);  // after completion
  TMF_EXPECT(poll_until(ingest, [&] { return ingest.counters().data_dropped == 3; }, 10));
  const auto capture = ingest.store().find_capture(id);
  TMF_EXPECT_EQ(capture->received_samples, samples);
  const std::string stored = ingest.store().capture_data(id);
  TMF_EXPECT_EQ(stored.size(), size_t{samples} * sizeof(float));
  const std::vector<float> quarter(16, 0.25f);  // the 9.0 segment after completion wrote nothing
  TMF_EXPECT(stored.substr(0, 64) == std::string(reinterpret_cast<const char*>(quarter.data()), 64));
}

TMF_TEST_BOTH_ENGINES(Ingest, StatusAndPresenceBeforeInfoAreHeldUntilTheInfo) {
  const std::string dir = scratch_dir("ingest_held");
  const test_support::ScopedTestDatabase database(engine, "ingest_held");
  FleetBroker broker(dir + "/broker", "plant");
  registry::Registry reg(dir + "/registry");
  broker.enrol(reg.dir(), "dev2", "fans");
  monitor::Ingest ingest(reg, serve_options(broker, reg.dir()));
  TMF_ASSERT(ingest.wait_connected(std::chrono::seconds(5)));
  FakeDevice device(broker, "dev2");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  OtaStatusMessage status{};
  status.active_slot = 1;
  status.active_model_id = 0x42;
  status.active_model_version = 7;
  std::vector<uint8_t> bytes(kOtaStatusBytes);
  bytes.resize(ota_status_encode(status, bytes.data(), bytes.size()));
  device.publish("tmf/plant/dev2/status", bytes);
  bytes.assign(kOtaPresenceBytes, 0);
  bytes.resize(ota_presence_encode(true, bytes.data(), bytes.size()));
  device.publish("tmf/plant/dev2/presence", bytes);
  TMF_EXPECT(poll_until(ingest, [&] { return ingest.counters().commits >= 1; }, 10));
  TMF_EXPECT(!reg.find_device("dev2").has_value());  // no INFO yet: no row to update
  OtaInfo info{};
  info.ram_bytes = 8192;
  std::snprintf(info.core, sizeof info.core, "cortex-m0");
  std::snprintf(info.group, sizeof info.group, "fans");
  bytes.assign(256, 0);
  bytes.resize(ota_info_encode(info, bytes.data(), bytes.size()));
  device.publish("tmf/plant/dev2/info", bytes);
  TMF_EXPECT(poll_until(ingest, [&] { return reg.find_device("dev2").has_value(); }, 10));
  const auto d = reg.find_device("dev2");
  TMF_ASSERT(d.has_value());
  TMF_EXPECT(d->group == "fans" && d->online);
  TMF_EXPECT(d->current_model_id == std::optional<uint32_t>(0x42) && d->current_version == std::optional<uint32_t>(7));
}

// A commit that fails rolls back the device writes it held, those of devices written before the
// failing statement too: here dev4 is written whole, then a trigger refuses dev5's presence. The
// next commit writes both again, dev4's fault included, instead of losing dev4's until its next
// message (what happened before: its record was marked written before the commit).
TMF_TEST(Ingest, RolledBackCommitWritesItsDevicesAgain) {
  const std::string dir = scratch_dir("ingest_rollback");
  FleetBroker broker(dir + "/broker", "plant");
  registry::Registry reg(dir + "/registry");
  broker.enrol(reg.dir(), "dev4", "press");
  broker.enrol(reg.dir(), "dev5", "press");
  // Commits 1 s after the first buffered message: the three messages below land in one commit.
  monitor::IngestOptions options = serve_options(broker, reg.dir());
  options.commit_interval = std::chrono::milliseconds(1000);
  monitor::Ingest ingest(reg, options);
  TMF_ASSERT(ingest.wait_connected(std::chrono::seconds(5)));
  FakeDevice dev4(broker, "dev4"), dev5(broker, "dev5");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::vector<uint8_t> bytes;
  for (const std::string id : {"dev4", "dev5"}) {
    OtaInfo info{};
    std::snprintf(info.core, sizeof info.core, "cortex-m4");
    std::snprintf(info.group, sizeof info.group, "press");
    bytes.assign(256, 0);
    bytes.resize(ota_info_encode(info, bytes.data(), bytes.size()));
    (id == "dev4" ? dev4 : dev5).publish("tmf/plant/" + id + "/info", bytes);
  }
  TMF_ASSERT(poll_until(ingest, [&] { return reg.find_device("dev4") && reg.find_device("dev5"); }, 10));
  reg.db().exec(
      "CREATE TRIGGER refuse_presence BEFORE UPDATE OF online ON devices WHEN NEW.id = 'dev5' "
      "BEGIN SELECT RAISE(ABORT, 'presence refused by the test'); END");
  OtaEventMessage fault{};
  fault.event = OtaEvent::kOtaEventReverted;
  fault.result = OtaResult::kOtaResultConfirmedWatchdog;
  fault.detail = 0x4242;
  bytes.assign(256, 0);
  bytes.resize(ota_event_encode(fault, bytes.data(), bytes.size()));
  dev4.publish("tmf/plant/dev4/event", bytes);
  bytes.assign(kOtaPresenceBytes, 0);
  bytes.resize(ota_presence_encode(true, bytes.data(), bytes.size()));
  dev4.publish("tmf/plant/dev4/presence", bytes);
  dev5.publish("tmf/plant/dev5/presence", bytes);
  bool refused = false;
  for (const auto until = Clock::now() + std::chrono::seconds(10); !refused && Clock::now() < until;) {
    try {
      ingest.poll(std::chrono::milliseconds(50));
    } catch (const std::exception& e) {
      refused = std::string(e.what()).find("presence refused by the test") != std::string::npos;
    }
  }
  TMF_ASSERT(refused);
  TMF_EXPECT(!reg.find_device("dev4")->online && !reg.find_device("dev4")->last_fault.has_value());
  reg.db().exec("DROP TRIGGER refuse_presence");
  TMF_EXPECT(poll_until(ingest, [&] {
    const auto d4 = reg.find_device("dev4"), d5 = reg.find_device("dev5");
    return d4->online && d4->last_fault && d4->last_fault->code == 24 && d4->last_fault->detail == 0x4242 && d5->online;
  }, 10));
}

// Reads the whole file.
std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The last JSON line of serve's log with "event": `event`.
nlohmann::json last_event(const std::string& log, const std::string& event) {
  nlohmann::json found;
  std::istringstream lines(slurp(log));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '{') continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("event", "") == event) found = j;
  }
  return found;
}

// `tinymlops serve` with its service identity (enrolment enforced).
pid_t start_serve(const std::string& registry, const FleetBroker& broker, const std::string& log,
                  const std::vector<std::string>& database_flags = {}) {
  std::vector<std::string> argv = {TMF_CLI, "serve", "--registry", registry, "--fleet", "plant",
                                   "--drift-every-seconds", "1", "--progress-seconds", "1", "--json"};
  argv.insert(argv.end(), database_flags.begin(), database_flags.end());
  for (const std::string& flag : broker.service_flags(fleet::FleetService::kFleetServiceServe)) argv.push_back(flag);
  return spawn(argv, log);
}

// The plain-text baseline of the ingest figure (make bench: serve.ingest.batches_per_second beside
// the mutual-TLS serve.ingest_tls.batches_per_second of fleet_hostile_tests
// FleetIngest.TlsRateFigure): the one serve run in the tests on an open lab link.
pid_t start_serve_plain(const std::string& registry, int port, const std::string& log) {
  return spawn({TMF_CLI, "serve", "--allow-unenrolled", "--registry", registry, "--broker-port", std::to_string(port),
                "--fleet", "plant", "--drift-every-seconds", "1", "--progress-seconds", "1", "--json",
                "--max-device-batches-per-second", "0"},
               log);
}

TMF_TEST_BOTH_ENGINES(Serve, SigkillMidStreamLosesNoAcknowledgedBatch) {
  const std::string dir = scratch_dir("serve_sigkill");
  const test_support::ScopedTestDatabase database(engine, "serve_sigkill");
  FleetBroker broker(dir + "/broker", "plant");
  const std::string registry = dir + "/registry";
  const std::string log = dir + "/serve.log";
  const std::vector<std::string> devices = {"dev1", "dev2", "dev3", "dev4"};
  for (const auto& d : devices) broker.enrol(registry, d, "pumps");
  pid_t serve = start_serve(registry, broker, log, database.cli_flags());
  // Each device publishes through its own TLS session, as the broker's ACL requires.
  DevicePublishers publisher(broker, devices, "sigkill");
  constexpr uint32_t kBatchesPerDevice = 300;
  constexpr size_t kTotal = 4 * kBatchesPerDevice;
  const auto resend_after = std::chrono::milliseconds(1000);
  uint32_t next_seq = 1;
  bool killed = false, restarted = false;
  size_t acked_at_kill = 0;
  uint64_t published_while_down = 0;
  Clock::time_point killed_at;
  const auto deadline = Clock::now() + std::chrono::seconds(90);
  while (Clock::now() < deadline && publisher.acked_count() < kTotal) {
    // Like a device: a bounded buffer of unacked batches (32 per device), new ones every 5 ms.
    if (next_seq <= kBatchesPerDevice && publisher.unacked_count() < 32 * devices.size()) {
      for (const auto& d : devices) publisher.publish({d, 1, next_seq});
      if (killed && !restarted) published_while_down += devices.size();
      ++next_seq;
    }
    publisher.resend_unacked(resend_after);
    if (!killed && publisher.acked_count() >= kTotal / 3) {
      acked_at_kill = publisher.acked_count();
      kill(serve, SIGKILL);  // no flush, no goodbye: batches in its buffer were never acked
      waitpid(serve, nullptr, 0);
      killed = true;
      killed_at = Clock::now();
    }
    if (killed && !restarted && Clock::now() - killed_at > std::chrono::milliseconds(1500)) {
      serve = start_serve(registry, broker, log, database.cli_flags());
      restarted = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  TMF_EXPECT(killed && restarted);
  TMF_EXPECT_EQ(publisher.acked_count(), kTotal);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(serve, SIGTERM);
  int status = 0;
  waitpid(serve, &status, 0);
  TMF_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  // Every acknowledged batch is stored exactly once; nothing else is stored.
  registry::Registry reg(registry);
  registry::Statement rows(reg.db(), "SELECT device, boot_count, seq, COUNT(*) FROM telemetry_batches GROUP BY 1, 2, 3");
  std::set<monitor::BatchKey> stored;
  size_t more_than_once = 0;
  while (rows.step()) {
    stored.insert({rows.column_text(0), static_cast<uint32_t>(rows.column_int(1)), static_cast<uint32_t>(rows.column_int(2))});
    more_than_once += rows.column_int(3) != 1;
  }
  const std::set<monitor::BatchKey> acked = publisher.acked();
  size_t acked_missing = 0;
  for (const auto& key : acked) acked_missing += !stored.count(key);
  TMF_EXPECT_EQ(acked_missing, 0);
  TMF_EXPECT_EQ(more_than_once, 0);
  TMF_EXPECT_EQ(stored.size(), kTotal);
  const nlohmann::json stopped = last_event(log, "stopped");
  std::printf("  %zu batches from %zu devices; serve SIGKILLed after %zu acked, restarted 1.5 s later (%llu published "
              "while it was down)\n  publisher: %llu publishes (%llu resends), %llu acks received, %zu distinct acked;"
              "\n  database: %zu rows, %zu acked batches missing, %zu stored more than once\n",
              kTotal, devices.size(), acked_at_kill, static_cast<unsigned long long>(published_while_down),
              static_cast<unsigned long long>(publisher.publishes()), static_cast<unsigned long long>(publisher.resends()),
              static_cast<unsigned long long>(publisher.acks_received()), acked.size(), stored.size(), acked_missing,
              more_than_once);
  if (!stopped.is_null()) {
    std::printf("  restarted serve: %llu batches stored, %llu duplicates, %llu commits, %.1f messages per commit\n",
                stopped["batches_stored"].get<unsigned long long>(), stopped["duplicates"].get<unsigned long long>(),
                stopped["commits"].get<unsigned long long>(), stopped["mean_commit_messages"].get<double>());
  }
}

TMF_TEST(Serve, IngestRateFigure) {
  // A figure, not an assertion on time: 4 devices x 1,000 batches of 8 windows published as fast
  // as the window of 256 unacked batches per device allows; seconds until every batch is acked.
  const std::string dir = scratch_dir("serve_rate");
  PlainBroker broker(dir);
  const std::string registry = dir + "/registry";
  const std::string log = dir + "/serve.log";
  // Throughput of ingest itself: no per-device budget (four publishers stand for many devices).
  const pid_t serve = start_serve_plain(registry, broker.port, log);
  TelemetryPublisher publisher("plant", broker.port, "rate-publisher");
  const std::vector<std::string> devices = {"dev1", "dev2", "dev3", "dev4"};
  constexpr uint32_t kBatchesPerDevice = 1000;
  constexpr size_t kTotal = 4 * kBatchesPerDevice;
  const auto start_wait = Clock::now() + std::chrono::seconds(10);
  while (!publisher.connected() && Clock::now() < start_wait) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // Serve is up and subscribed once a probe batch is acknowledged; the clock starts after it.
  const auto probe_end = Clock::now() + std::chrono::seconds(20);
  while (publisher.acked_count() == 0 && Clock::now() < probe_end) {
    publisher.publish({"probe", 1, 1});
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  TMF_ASSERT(publisher.acked_count() == 1);
  const uint64_t probe_resends = publisher.resends();
  const auto start = Clock::now();
  uint32_t next_seq = 1;
  while (Clock::now() < start + std::chrono::seconds(120) && publisher.acked_count() < kTotal + 1) {
    while (next_seq <= kBatchesPerDevice && publisher.unacked_count() < 256 * devices.size()) {
      for (const auto& d : devices) publisher.publish({d, 1, next_seq});
      ++next_seq;
    }
    publisher.resend_unacked(std::chrono::milliseconds(3000));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  TMF_EXPECT_EQ(publisher.acked_count(), kTotal + 1);
  kill(serve, SIGTERM);
  waitpid(serve, nullptr, 0);
  const nlohmann::json stopped = last_event(log, "stopped");
  TMF_ASSERT(!stopped.is_null());
  TMF_EXPECT_EQ(stopped["batches_stored"].get<uint64_t>(), kTotal + 1);
  std::printf("  ingest: %zu batches (8 windows, 2x8 sketch) acked in %.2f s = %.0f batches/s; %llu commits, %.1f "
              "messages per commit, %llu resends\n",
              kTotal, seconds, double(kTotal) / seconds, stopped["commits"].get<unsigned long long>(),
              stopped["mean_commit_messages"].get<double>(),
              static_cast<unsigned long long>(publisher.resends() - probe_resends));
}

}  // namespace
}  // namespace tmf::test
