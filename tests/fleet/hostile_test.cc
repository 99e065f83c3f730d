// Hostile clients against a real fleet over mutual TLS: Mosquitto on the configuration `tinymlops
// broker config` generates, `tinymlops serve` and `tinymlops deploy` with their service
// identities, three enrolled virtual devices (tinymlops-device with their own certificates). While a
// signed model rolls out to the group and the devices' telemetry is stored and acknowledged, an
// attacker tries sixteen attacks. Each is refused by the broker (connection or ACL) or dropped by
// the fleet link / ingest, and the oracle is what the system ends up with: the rollout's result,
// the devices' own STATUS, the telemetry store, the alert table, the capture's samples, serve's counters.
#include <nlohmann/json.hpp>

#include "host/monitor/alerts.h"
#include "host/monitor/telemetry_store.h"
#include "host/registry/registry.h"
#include "tests/fleet/fleet_fixture.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using namespace fleet_test;
using namespace std::chrono_literals;

std::string bytes_text(const uint8_t* data, size_t n) { return std::string(reinterpret_cast<const char*>(data), n); }

std::string telemetry_text(uint32_t boot, uint32_t seq, uint16_t alarms, uint8_t windows) {
  std::vector<float> scores(windows, 0.5f);
  std::vector<uint8_t> votes(windows, 0);
  OtaTelemetry t{};
  t.boot_count = boot, t.seq = seq, t.window_count = windows, t.active_slot = 0;
  t.phase = OtaTelemetryPhase::kOtaPhaseMonitoring;
  t.scores = scores.data(), t.votes = votes.data();
  uint8_t out[512];
  const size_t n = ota_telemetry_encode(t, out, sizeof out);
  if (n == 0) throw std::runtime_error("telemetry encode");
  // alarms_raised written after encoding: the encoder itself refuses a count above the windows.
  out[40] = static_cast<uint8_t>(alarms & 0xFF), out[41] = static_cast<uint8_t>(alarms >> 8);
  return bytes_text(out, n);
}

std::string info_text(const char* group) {
  OtaInfo info{};
  info.agent_version = 1, info.ram_bytes = 65536, info.slot_bytes = 131072, info.flash_bytes = 1 << 20;
  info.max_chunk_bytes = 1024;
  std::snprintf(info.core, sizeof info.core, "cortex-m4");
  std::snprintf(info.group, sizeof info.group, "%s", group);
  uint8_t out[512];
  return bytes_text(out, ota_info_encode(info, out, sizeof out));
}

std::string event_text(OtaEvent event, uint32_t update_id) {
  OtaEventMessage e{};
  e.update_id = update_id == 0 ? 1 : update_id;
  e.event = event;
  e.result = OtaResult::kOtaResultSuccess;
  e.state = OtaState::kOtaStateIdle;
  uint8_t out[64];
  return bytes_text(out, ota_event_encode(e, out, sizeof out));
}

std::string command_text(OtaCommandCode code) {
  uint8_t out[kOtaCommandCollectBytes];
  return bytes_text(out, ota_command_encode(OtaCommand{code, 0, 0}, out, sizeof out));
}

std::string data_text(uint32_t capture, uint32_t offset, uint32_t total, uint16_t count) {
  std::vector<float> samples(count, 9.0f);
  OtaData d{capture, offset, total, 12000, 0, 0, count, samples.data(), nullptr};
  std::vector<uint8_t> out(kOtaDataFixedBytes + 4u * count);
  out.resize(ota_data_encode(d, out.data(), out.size()));
  return std::string(out.begin(), out.end());
}

// The last JSON line of `path` whose "event" is `event` (serve's progress lines).
nlohmann::json last_event(const std::string& path, const std::string& event) {
  std::ifstream in(path);
  nlohmann::json found;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.value("event", "") == event) found = j;
  }
  return found;
}

struct Process {
  pid_t pid = -1;
  explicit Process(pid_t p) : pid(p) {}
  ~Process() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
};

TMF_TEST(FleetHostile, AttacksAreRefusedWhileTheRolloutAndTelemetryComplete) {
  Fleet f;
  TMF_ASSERT(make_fleet(&f, "hostile"));
  const std::string reg_dir = f.root + "/registry";
  const std::string r = " --registry " + reg_dir;
  const std::string ids = " --out " + f.root + "/ids";
  TMF_ASSERT(cli_ok("fleet service deploy --dir " + f.fleet_dir + ids + r));
  TMF_ASSERT(cli_ok("fleet service collect --dir " + f.fleet_dir + ids + r));
  TMF_ASSERT(cli_ok("devices enroll pump-x --group pumps --ca-dir " + f.fleet_dir + ids + r));
  // A fleet model the device app runs (so the devices send TELEMETRY), signed.
  const std::string keys = f.root + "/keys";
  TMF_ASSERT(cli_ok("keys generate --out " + keys + r));
  const std::string model = f.root + "/pump.tmf";
  TMF_ASSERT(cli_ok("train --data " + std::string(TMF_SHARED_DIR) + "/data/bearing --detector kmeans --device-detection "
                    "--quiet --name pump-model --model-version 1 -o " + model));
  TMF_ASSERT(cli_ok("sign " + model + " --key " + keys + "/tinymlops.key"));

  Mosquitto broker(f.config, f.port, f.log);
  // pump-x is revoked in the registry after the broker started: its certificate still passes the
  // broker's stale CRL until a reload, so only the fleet link can stop it (attacks 3-4).
  TMF_ASSERT(cli_ok("devices revoke pump-x --ca-dir " + f.fleet_dir + r));
  const std::string url = " --broker mqtts://127.0.0.1:" + std::to_string(f.port) + " --ca " + f.fleet_dir + "/ca.pem";
  auto service = [&](const std::string& name) {
    return url + " --cert " + f.root + "/ids/svc-" + name + ".pem --key " + f.root + "/ids/svc-" + name + ".key";
  };

  const std::string serve_log = f.root + "/serve.log";
  Process serve(test_support::spawn_logged(
      // exec: SIGTERM at the end must reach serve itself, not a shell that would leave it orphaned.
      {"/bin/sh", "-c", "exec " + std::string(TMF_CLI) + " serve --fleet plant7 --json --progress-seconds 1" + r + service("serve")},
      serve_log, false));
  std::vector<std::unique_ptr<Process>> devices;
  for (const char* id : {"pump-a", "pump-b", "pump-c"}) {
    const Identity me = f.identity(id);
    devices.push_back(std::make_unique<Process>(test_support::spawn_logged(
        {TMF_DEVICE, "--id", id, "--fleet", "plant7", "--group", "pumps", "--broker-port", std::to_string(f.port), "--ca",
         me.ca, "--cert", me.cert, "--key", me.key, "--flash", f.root + "/" + id + ".flash", "--trusted-key",
         keys + "/tinymlops.pub", "--infer-ms", "50", "--quiet"},
        f.root + "/" + id + ".log", false)));
  }

  // 1-2: no certificate; a certificate for pump-a from another CA.
  {
    Client none("nobody", Identity{f.fleet_dir + "/ca.pem", "", ""});
    TMF_EXPECT(none.connect(f.port) != ConnectOutcome::kAccepted);
  }
  // 3-4: the revoked (not enrolled) pump-x announces itself in the group and sends telemetry.
  Client outsider("outsider", f.identity("pump-x"));
  TMF_ASSERT(outsider.connect(f.port) == ConnectOutcome::kAccepted);
  TMF_EXPECT(outsider.publish(topic("pump-x", OtaTopic::kOtaTopicInfo), info_text("pumps")));
  TMF_EXPECT(outsider.publish(topic("pump-x", OtaTopic::kOtaTopicTelemetry), telemetry_text(1, 1, 0, 4)));

  // The attacker holds pump-c's credentials (a stolen device) under another client id.
  Client thief("thief", f.identity("pump-c"));
  TMF_ASSERT(thief.connect(f.port) == ConnectOutcome::kAccepted);
  // 5: subscribe to another device's downlinks (manifest, chunks, commands, acks).
  TMF_EXPECT(thief.subscribe("tmf/plant7/pump-a/#"));
  // 6-8: pump-a's uplinks forged: telemetry (a batch key pump-a never sent), INFO moving it to
  // another group, a 'confirmed' EVENT.
  TMF_EXPECT(thief.publish(topic("pump-a", OtaTopic::kOtaTopicTelemetry), telemetry_text(999, 7, 0, 4)));
  TMF_EXPECT(thief.publish(topic("pump-a", OtaTopic::kOtaTopicInfo), info_text("elsewhere")));

  // The rollout, in a thread: stage 1 is the canary, then everyone; the gate needs telemetry.
  test::CommandResult deploy;
  std::thread rollout([&] {
    deploy = test::run_cli("deploy " + model + " --group pumps --stages 1,100% --fleet plant7 --gate-seconds 3 "
                           "--min-telemetry-batches 1 --discover-seconds 3 --stage-timeout 120 --json --quiet "
                           "--signing-key " + keys + "/tinymlops.key" + r + service("deploy"));
  });
  // During the rollout: 8-11: forged confirmations, a revert command, a manifest and a telemetry ack
  // for other devices, repeated while the rollout runs.
  for (int round = 0; round < 20; ++round) {
    for (const char* victim : {"pump-a", "pump-b"}) {
      TMF_EXPECT(thief.publish(topic(victim, OtaTopic::kOtaTopicEvent), event_text(OtaEvent::kOtaEventRejected, 0)));
      TMF_EXPECT(thief.publish(topic(victim, OtaTopic::kOtaTopicCommand), command_text(OtaCommandCode::kOtaCommandRevert)));
      TMF_EXPECT(thief.publish(topic(victim, OtaTopic::kOtaTopicManifest), std::string(64, '\x01')));
      uint8_t ack[kOtaTelemetryAckBytes];
      TMF_EXPECT(thief.publish(topic(victim, OtaTopic::kOtaTopicAck),
                               bytes_text(ack, ota_telemetry_ack_encode(OtaTelemetryAck{1, 1}, ack, sizeof ack))));
    }
    // 3-4 again while serve surely listens: the outsider's INFO and telemetry.
    TMF_EXPECT(outsider.publish(topic("pump-x", OtaTopic::kOtaTopicInfo), info_text("pumps")));
    TMF_EXPECT(outsider.publish(topic("pump-x", OtaTopic::kOtaTopicTelemetry), telemetry_text(1, 2 + round, 0, 4)));
    // 12-13: on its own topics: malformed TELEMETRY (phase 7) and a batch claiming 65,535 alarms.
    std::string bad = telemetry_text(5, 100 + round, 0, 4);
    bad[21] = 7;
    TMF_EXPECT(thief.publish(topic("pump-c", OtaTopic::kOtaTopicTelemetry), bad));
    TMF_EXPECT(thief.publish(topic("pump-c", OtaTopic::kOtaTopicTelemetry), telemetry_text(5, 200 + round, 65535, 4)));
    std::this_thread::sleep_for(500ms);
  }
  rollout.join();

  // 14: a capture asked of pump-c; the thief sends a segment far beyond the request (a 16 GiB
  // sparse file before) while the real device answers.
  const test::CommandResult collect = test::run_cli("collect --device pump-c --samples 2048 --fleet plant7 --json" + r +
                                                    service("collect"));
  TMF_ASSERT(collect.exit_code == 0);
  const uint32_t capture_id = nlohmann::json::parse(collect.out)["capture_id"].get<uint32_t>();
  TMF_EXPECT(thief.publish(topic("pump-c", OtaTopic::kOtaTopicData), data_text(capture_id, 1u << 30, 1u << 31, 64)));

  // 16: a flood of distinct, well-formed batch keys from the stolen device: beyond its budget
  // (50/s, bursts of 500) batches are neither stored nor acknowledged.
  for (uint32_t seq = 1; seq <= 1500; ++seq) thief.publish(topic("pump-c", OtaTopic::kOtaTopicTelemetry), telemetry_text(77, seq, 0, 4));

  // 15: after the broker reloads its CRL, the revoked device cannot connect at all.
  TMF_ASSERT(broker.reload());
  {
    Client again("outsider-again", f.identity("pump-x"));
    TMF_EXPECT(again.connect(f.port) != ConnectOutcome::kAccepted);
  }

  // The legitimate work completed.
  TMF_ASSERT(deploy.exit_code == 0);
  const auto result = nlohmann::json::parse(deploy.out);
  TMF_EXPECT(result["state"] == "completed");
  TMF_EXPECT_EQ(result["devices"].get<int>(), 3);  // pump-x never became a member
  TMF_EXPECT_EQ(result["healthy"].get<int>(), 3);
  std::this_thread::sleep_for(3s);  // the capture and the last telemetry reach serve's commit
  registry::Registry reg(reg_dir);
  monitor::TelemetryStore store(reg.db());
  for (const char* id : {"pump-a", "pump-b", "pump-c"}) TMF_EXPECT(store.batch_count(std::string(id)) > 0);
  TMF_EXPECT_EQ(store.batch_count(std::string("pump-x")), 0u);
  TMF_EXPECT(!store.has_batch(monitor::BatchKey{"pump-a", 999, 7}));
  TMF_EXPECT(!reg.find_device("pump-x").has_value());
  const auto a = reg.find_device("pump-a");
  TMF_ASSERT(a.has_value());
  TMF_EXPECT(a->group == "pumps");  // the forged INFO did not move it
  TMF_EXPECT_EQ(a->current_version.value_or(0), 1);  // the forged revert did not take it back
  monitor::AlertStore alerts(reg.db());
  monitor::AlertFilter filter;
  filter.kind = "alarm";
  filter.device = "pump-c";
  TMF_EXPECT(alerts.list(filter).size() < 1000);  // no fan-out from the forged 65,535
  const auto capture = store.find_capture(capture_id);
  TMF_ASSERT(capture.has_value());
  TMF_EXPECT(capture->received_samples <= 2048);
  TMF_EXPECT(store.capture_data(capture_id).size() <= 2048u * sizeof(float));  // the samples, in the store
  // The thief saw none of pump-a's downlinks.
  for (const auto& [t, payload] : thief.received()) TMF_EXPECT(t.rfind("tmf/plant7/pump-a/", 0) != 0);
  // serve counted what it dropped.
  const nlohmann::json progress = last_event(serve_log, "progress");
  TMF_ASSERT(progress.is_object());
  TMF_EXPECT(progress.value("not_enrolled", 0) >= 20);
  TMF_EXPECT(progress.value("decode_errors", 0) >= 20);
  TMF_EXPECT(progress.value("data_dropped", 0) >= 1);
  TMF_EXPECT(progress.value("rate_limited", 0) >= 500);
  uint32_t flood_stored = 0;
  for (uint32_t seq = 1; seq <= 1500; ++seq) flood_stored += store.has_batch(monitor::BatchKey{"pump-c", 77, seq});
  TMF_EXPECT(flood_stored <= 1000);
  std::printf("  flood: %u of 1500 batches stored, %d rate-limited\n", flood_stored, progress.value("rate_limited", 0));
}

}  // namespace
}  // namespace tmf
