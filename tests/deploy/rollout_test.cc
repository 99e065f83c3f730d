// Rollouts against a real Mosquitto broker and virtual devices (tinymlops-device): a canary whose
// own telemetry fails its health gate halts the rollout and returns to its previous model; a broker restart in
// the middle of a rollout does not stop it; a device that cannot take the model fails its stage
// with the protocol's result code. Device state is checked through the devices' own retained
// STATUS messages, not through the engine's bookkeeping.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "device/agent/protocol.h"
#include "host/fleet/link.h"
#include "host/fleet/mqtt_client.h"
#include "host/deploy/rollout.h"
#include "host/deploy/signing.h"
#include "host/registry/registry.h"
#include "tests/deploy/fleet_harness.h"
#include "tests/host/test_files.h"
#include "tests/support/postgres_server.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

struct Fixture {
  std::string dir;
  deploy::KeyPaths keys;
  std::unique_ptr<registry::Registry> reg;
};

// A registry with hello_world signed as versions 1 and 2 of model "hello".
Fixture make_fixture(const std::string& name) {
  Fixture f;
  f.dir = test::temp_path(name);
  std::filesystem::remove_all(f.dir);
  std::filesystem::create_directories(f.dir);
  f.keys = deploy::keys_generate(f.dir + "/keys", false);
  f.reg = std::make_unique<registry::Registry>(f.dir + "/registry");
  const deploy::KeyPair key = deploy::key_load_secret(f.keys.secret);
  for (int version = 1; version <= 2; ++version) {
    const std::string path = f.dir + "/hello_v" + std::to_string(version) + ".tmf";
    test::run_cli("convert " + test::real_models()[2].tflite + " -o " + path + " --name hello --model-version " +
                  std::to_string(version));
    registry::AddRequest r;
    r.path = path;
    r.bytes = deploy::model_sign(test::read_bytes(path), key, path);
    f.reg->add_version(r);
  }
  return f;
}

// A rollout as `tinymlops deploy` runs it: the deploy service's identity, enrolled devices only.
deploy::RolloutOptions options_for(const test::FleetBroker& broker, const std::string& registry_dir,
                                   const std::string& group, std::vector<std::string> stages,
                                   const std::string& record_key) {
  deploy::RolloutOptions o;
  o.record_key = record_key;
  o.broker = broker.service(fleet::FleetService::kFleetServiceDeploy);
  o.enrolment = fleet::fleet_enrolment_from_registry(registry_dir);
  o.group = group;
  o.stages = std::move(stages);
  o.discover_seconds = 1.5;
  o.gate_seconds = 0.5;
  o.resend_seconds = 3;
  o.stage_timeout_seconds = 120;
  return o;
}

// The active model version each device reports in its retained STATUS (0: none, -1: no status).
std::map<std::string, int64_t> reported_versions(const test::FleetBroker& broker, const std::vector<std::string>& ids) {
  const auto status = test::reported_status(broker, ids);
  std::map<std::string, int64_t> out;
  for (const auto& id : ids) {
    const auto it = status.find(id);
    out[id] = it == status.end() ? -1 : it->second.active_model_id == 0 ? 0 : it->second.active_model_version;
  }
  return out;
}

// Fleet models (detection settings, so the device app runs them and sends TELEMETRY), signed as
// versions 1 and 2 of "pump-model".
void add_fleet_models(Fixture& f) {
  const deploy::KeyPair key = deploy::key_load_secret(f.keys.secret);
  for (int version = 1; version <= 2; ++version) {
    const std::string path = f.dir + "/pump_v" + std::to_string(version) + ".tmf";
    test::run_cli("train --data " + std::string(TMF_SHARED_DIR) + "/data/bearing --detector kmeans --device-detection --quiet"
                  " --name pump-model --model-version " + std::to_string(version) + " -o " + path);
    registry::AddRequest r;
    r.path = path;
    r.bytes = deploy::model_sign(test::read_bytes(path), key, path);
    f.reg->add_version(r);
  }
}

TMF_TEST(Rollout, CanaryFailingItsHealthGateIsRolledBack) {
  Fixture f = make_fixture("rollout_canary");
  add_fleet_models(f);
  test::FleetBroker broker(f.dir + "/broker", "fleet");
  std::vector<std::unique_ptr<test::VirtualDevice>> devices;
  const std::vector<std::string> ids = {"pump-a", "pump-b", "pump-c"};
  for (const auto& id : ids) {
    devices.push_back(std::make_unique<test::VirtualDevice>(f.dir + "/devices", id, "pumps", broker, f.reg->dir(), f.keys.public_key,
                                                            std::vector<std::string>{"--quiet", "--infer-ms", "20"}));
  }
  const registry::VersionInfo v1 = f.reg->get_version(registry::parse_version_ref("pump-model:1"));
  const registry::VersionInfo v2 = f.reg->get_version(registry::parse_version_ref("pump-model:2"));

  // v1 passes a gate that needs the devices' own telemetry with it.
  deploy::RolloutOptions o1 = options_for(broker, f.reg->dir(), "pumps", {"100%"}, f.keys.secret);
  o1.gate_seconds = 3;
  o1.min_telemetry_batches = 1;
  const deploy::RolloutResult first = deploy::rollout_run(*f.reg, v1, o1);
  TMF_EXPECT(first.state == registry::DeploymentState::kCompleted);
  TMF_EXPECT_EQ(first.healthy, 3);
  for (const auto& [id, version] : reported_versions(broker, ids)) TMF_EXPECT_EQ(version, 1);

  // v2's gate bounds the inference cycles per window at 1: every real telemetry batch breaks it,
  // so the canary (the first device by id) fails on what it reports itself.
  deploy::RolloutOptions o = options_for(broker, f.reg->dir(), "pumps", {"1", "100%"}, f.keys.secret);
  o.max_inference_cycles = 1;
  o.gate_seconds = 3;
  std::vector<std::string> lines;
  o.log = [&](const std::string& line) { lines.push_back(line); };
  const deploy::RolloutResult second = deploy::rollout_run(*f.reg, v2, o);

  TMF_EXPECT(second.state == registry::DeploymentState::kRolledBack);
  TMF_EXPECT(second.reason.find("stage 1") != std::string::npos);
  TMF_EXPECT_EQ(second.devices, 1);  // the rollout stopped at the canary
  TMF_EXPECT_EQ(second.rolled_back, 1);
  // Oracle: what the devices themselves report. The canary is back on version 1; the others never moved.
  for (const auto& [id, version] : reported_versions(broker, ids)) TMF_EXPECT_EQ(version, 1);
  const auto rows = f.reg->deployment_devices(second.deployment);
  TMF_ASSERT(rows.size() == 1);
  TMF_EXPECT(rows[0].device == "pump-a");
  TMF_EXPECT(rows[0].state == registry::DeviceRolloutState::kRolledBack);
  bool said = false;  // the canary failed on the cycles its own telemetry reported
  for (const auto& line : lines) said = said || (line.find("pump-a: confirmed -> failed (health gate: ") != std::string::npos &&
                                                 line.find("inference cycles per window (max 1)") != std::string::npos);
  TMF_EXPECT(said);
  const auto canary = f.reg->find_device("pump-a");
  TMF_ASSERT(canary.has_value());
  TMF_EXPECT_EQ(canary->current_version.value_or(0), 1);
  TMF_EXPECT_EQ(canary->previous_version.value_or(0), 2);
  TMF_EXPECT(f.reg->find_deployment(second.deployment)->state == registry::DeploymentState::kRolledBack);
}

// A device whose telemetry never comes (hello_world has no detection settings: the device app
// does not run it) fails a gate that needs telemetry: no silent pass.
TMF_TEST(Rollout, GateWithoutTelemetryFails) {
  Fixture f = make_fixture("rollout_no_telemetry");
  test::FleetBroker broker(f.dir + "/broker", "fleet");
  test::VirtualDevice device(f.dir + "/devices", "mute-1", "mute", broker, f.reg->dir(), f.keys.public_key, {"--quiet"});
  const registry::VersionInfo v1 = f.reg->get_version(registry::parse_version_ref("hello:1"));
  const registry::VersionInfo v2 = f.reg->get_version(registry::parse_version_ref("hello:2"));
  TMF_EXPECT(deploy::rollout_run(*f.reg, v1, options_for(broker, f.reg->dir(), "mute", {"100%"}, f.keys.secret)).state == registry::DeploymentState::kCompleted);
  deploy::RolloutOptions o = options_for(broker, f.reg->dir(), "mute", {"100%"}, f.keys.secret);
  o.min_telemetry_batches = 1;
  std::vector<std::string> lines;
  o.log = [&](const std::string& line) { lines.push_back(line); };
  const deploy::RolloutResult r = deploy::rollout_run(*f.reg, v2, o);
  TMF_EXPECT(r.state == registry::DeploymentState::kRolledBack);
  TMF_EXPECT_EQ(r.rolled_back, 1);
  bool said = false;
  for (const auto& line : lines) said = said || line.find("health gate: 0 telemetry batch(es) with the new model") != std::string::npos;
  TMF_EXPECT(said);
  for (const auto& [id, version] : reported_versions(broker, {"mute-1"})) TMF_EXPECT_EQ(version, 1);
}

TMF_TEST(Rollout, BrokerRestartMidRolloutCompletes) {
  Fixture f = make_fixture("rollout_restart");
  test::FleetBroker broker(f.dir + "/broker", "fleet");
  const std::vector<std::string> ids = {"fan-1", "fan-2"};
  std::vector<std::unique_ptr<test::VirtualDevice>> devices;
  for (const auto& id : ids) {
    // A slow link (16 kbit/s, 256-byte chunks) so the transfer is still running when the broker goes.
    devices.push_back(std::make_unique<test::VirtualDevice>(
        f.dir + "/devices", id, "fans", broker, f.reg->dir(), f.keys.public_key,
        std::vector<std::string>{"--quiet", "--max-chunk", "256", "--link-kbps", "16"}));
  }
  const registry::VersionInfo v1 = f.reg->get_version(registry::parse_version_ref("hello:1"));
  deploy::RolloutResult result;
  std::thread rollout([&] { result = deploy::rollout_run(*f.reg, v1, options_for(broker, f.reg->dir(), "fans", {"100%"}, f.keys.secret)); });

  // Wait until a device downloads, then restart the broker (no persistence: retained state is lost too).
  registry::Registry observer(f.dir + "/registry");
  bool downloading = false;
  for (int i = 0; i < 300 && !downloading; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (const auto& d : observer.list_deployments()) {
      for (const auto& row : observer.deployment_devices(d.id)) downloading = downloading || row.state == registry::DeviceRolloutState::kDownloading;
    }
  }
  TMF_EXPECT(downloading);
  broker.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  broker.start();
  rollout.join();

  TMF_EXPECT(result.state == registry::DeploymentState::kCompleted);
  TMF_EXPECT_EQ(result.healthy, 2);
  TMF_EXPECT(result.broker_reconnects >= 1);
  for (const auto& [id, version] : reported_versions(broker, ids)) TMF_EXPECT_EQ(version, 1);
}

TMF_TEST_BOTH_ENGINES(Rollout, DeviceRejectionFailsTheStageWithItsResultCode) {
  test_support::ScopedTestDatabase db(engine, "rollout_reject");
  Fixture f = make_fixture("rollout_reject");
  test::FleetBroker broker(f.dir + "/broker", "fleet");
  // 16 bytes of arena: hello_world does not fit, the device rejects the manifest (out of RAM).
  test::VirtualDevice small(f.dir + "/devices", "tiny-1", "tiny", broker, f.reg->dir(), f.keys.public_key,
                            {"--quiet", "--ram", "16"});
  const registry::VersionInfo v1 = f.reg->get_version(registry::parse_version_ref("hello:1"));
  const deploy::RolloutResult r = deploy::rollout_run(*f.reg, v1, options_for(broker, f.reg->dir(), "tiny", {"100%"}, f.keys.secret));
  TMF_EXPECT(r.state == registry::DeploymentState::kRolledBack);
  TMF_EXPECT_EQ(r.failed, 1);
  const auto rows = f.reg->deployment_devices(r.deployment);
  TMF_ASSERT(rows.size() == 1);
  TMF_EXPECT(rows[0].state == registry::DeviceRolloutState::kFailed);
  TMF_EXPECT_EQ(rows[0].result_code.value_or(-1), static_cast<int>(OtaResult::kOtaResultOutOfRam));
  // `rollout status --json` shows the same.
  const test::CommandResult status = test::run_cli("rollout status --json --registry " + f.dir + "/registry" + db.cli_line());
  TMF_ASSERT(status.exit_code == 0);
  const auto j = nlohmann::json::parse(status.out);
  TMF_EXPECT(j["devices"][0]["state"] == "failed");
  TMF_EXPECT(j["devices"][0]["result_code"] == 3);
}

// A device whose 'confirmed' EVENT is lost stays in 'trial' for the engine; the engine offers
// the manifest again and the device answers 'confirmed' again (protocol.md), so the rollout
// completes instead of waiting for the stage timeout.
TMF_TEST(Rollout, LostConfirmedEventIsRecovered) {
  Fixture f = make_fixture("rollout_lost_confirm");
  test::FleetBroker broker(f.dir + "/broker", "fleet");
  test::VirtualDevice device(f.dir + "/devices", "quiet-1", "q", broker, f.reg->dir(), f.keys.public_key,
                             {"--quiet", "--drop-confirmed", "1"});
  const registry::VersionInfo v1 = f.reg->get_version(registry::parse_version_ref("hello:1"));
  const deploy::RolloutResult r = deploy::rollout_run(*f.reg, v1, options_for(broker, f.reg->dir(), "q", {"100%"}, f.keys.secret));
  TMF_EXPECT(r.state == registry::DeploymentState::kCompleted);
  TMF_EXPECT_EQ(r.healthy, 1);
  TMF_EXPECT_EQ(reported_versions(broker, {"quiet-1"})["quiet-1"], 1);
}

// Shared artifacts (docs/scaling.md): a version registered on one machine is rolled out by a
// worker on another, whose --registry folder is empty; the registering folder is gone, so the
// bytes can only come from the PostgreSQL store. The device installs only bytes whose signature
// and content hash verify (docs/protocol.md), so its STATUS naming the version is the oracle.
TMF_TEST(RolloutPostgres, WorkerWithAnEmptyRegistryFolderRollsOutFromTheStore) {
  test_support::ScopedTestDatabase db(test_support::TestEngine::kPostgres, "rollout_shared_artifact");
  Fixture f = make_fixture("rollout_shared_artifact");
  const registry::VersionInfo v1 = f.reg->get_version(registry::parse_version_ref("hello:1"));
  f.reg.reset();
  std::filesystem::remove_all(f.dir + "/registry");
  const std::string worker_dir = f.dir + "/worker-registry";
  registry::Registry worker(worker_dir);
  TMF_EXPECT(worker.db().engine() == registry::DatabaseEngine::kPostgres);
  test::FleetBroker broker(f.dir + "/broker", "fleet");
  test::VirtualDevice device(f.dir + "/devices", "far-1", "far", broker, worker_dir, f.keys.public_key, {"--quiet"});
  const deploy::RolloutResult r =
      deploy::rollout_run(worker, worker.get_version(registry::parse_version_ref("hello:1")),
                          options_for(broker, worker_dir, "far", {"100%"}, f.keys.secret));
  TMF_EXPECT(r.state == registry::DeploymentState::kCompleted);
  TMF_EXPECT_EQ(r.healthy, 1);
  TMF_EXPECT_EQ(reported_versions(broker, {"far-1"})["far-1"], 1);
  const auto status = test::reported_status(broker, {"far-1"});
  TMF_ASSERT(status.count("far-1") == 1);
  TMF_EXPECT_EQ(status.at("far-1").active_model_id, v1.model_id);
  TMF_EXPECT(!std::filesystem::exists(worker_dir + "/artifacts/" + v1.artifact));
}

}  // namespace
}  // namespace tmf
