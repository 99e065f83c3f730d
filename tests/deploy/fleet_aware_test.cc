// Fleet-aware deploy (issue 7 item 4): `tinymlops deploy --variant A --variant B` against a real
// Mosquitto and virtual devices of different sizes. Each device must end up running the first
// variant its hardware takes, checked through the devices' own retained STATUS; a device no
// variant fits is refused with the reason and keeps the model it had.
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "device/agent/protocol.h"
#include "host/fleet/link.h"
#include "host/fleet/mqtt_client.h"
#include "host/deploy/rollout.h"
#include "host/deploy/signing.h"
#include "host/registry/registry.h"
#include "tests/deploy/fleet_harness.h"
#include "tests/host/test_files.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

// Converts a shared model under `name`, signs it and registers it; returns its registry row.
registry::VersionInfo add_signed(registry::Registry& reg, const deploy::KeyPair& key, const std::string& dir,
                                 const std::string& tflite, const std::string& name) {
  const std::string path = dir + "/" + name + ".tmf";
  test::run_cli("convert " + tflite + " -o " + path + " --name " + name + " --model-version 1");
  registry::AddRequest r;
  r.path = path;
  r.bytes = deploy::model_sign(test::read_bytes(path), key, path);
  return reg.add_version(r).version;
}

// (active model id, version) each device reports in its retained STATUS; (0, 0) if none seen.
std::map<std::string, std::pair<uint32_t, uint32_t>> reported_models(const test::FleetBroker& broker,
                                                                     const std::vector<std::string>& ids) {
  std::map<std::string, std::pair<uint32_t, uint32_t>> out;
  for (const auto& [id, s] : test::reported_status(broker, ids)) out[id] = {s.active_model_id, s.active_model_version};
  return out;
}

TMF_TEST(FleetDeploy, MixedGroupGetsTheVariantEachDeviceFitsAndTooSmallIsRefused) {
  const std::string dir = test::temp_path("fleet_aware_deploy");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const deploy::KeyPaths keys = deploy::keys_generate(dir + "/keys", false);
  const deploy::KeyPair key = deploy::key_load_secret(keys.secret);
  registry::Registry reg(dir + "/registry");
  const auto models = test::real_models();  // ad01, kws, hello_world
  const registry::VersionInfo old_model = add_signed(reg, key, dir, models[2].tflite, "hello");
  // Preference order: "det-large" (kws: arena about 16 KB, file about 44 KB) first, then
  // "det-small" (ad01: arena under 1 KB, file about 270 KB).
  const registry::VersionInfo large = add_signed(reg, key, dir, models[1].tflite, "det-large");
  const registry::VersionInfo small = add_signed(reg, key, dir, models[0].tflite, "det-small");

  test::FleetBroker broker(dir + "/broker", "fleet");
  const std::vector<std::string> ids = {"big-1", "small-1", "tiny-1"};
  // big-1: 64 KB arena, 1 MB flash (defaults); small-1: 4 KB arena; tiny-1: 4 KB arena and
  // 256 KB flash, so its slot is too small for det-small and its arena too small for det-large.
  test::VirtualDevice big(dir + "/devices", "big-1", "mixed", broker, reg.dir(), keys.public_key, {"--quiet"});
  test::VirtualDevice little(dir + "/devices", "small-1", "mixed", broker, reg.dir(), keys.public_key,
                             {"--quiet", "--ram", "4096"});
  test::VirtualDevice tiny(dir + "/devices", "tiny-1", "mixed", broker, reg.dir(), keys.public_key,
                           {"--quiet", "--ram", "4096", "--flash-bytes", "262144"});

  // Every device first runs the old model through an ordinary single-model deploy.
  deploy::RolloutOptions o;
  o.broker = broker.service(fleet::FleetService::kFleetServiceDeploy);
  o.enrolment = fleet::fleet_enrolment_from_registry(reg.dir());
  o.group = "mixed";
  o.stages = {"100%"};
  o.discover_seconds = 1.5;
  o.gate_seconds = 0.5;
  o.resend_seconds = 3;
  o.stage_timeout_seconds = 120;
  o.record_key = keys.secret;
  const deploy::RolloutResult first = deploy::rollout_run(reg, old_model, o);
  TMF_ASSERT(first.state == registry::DeploymentState::kCompleted);
  TMF_EXPECT_EQ(first.healthy, 3);

  const std::string common = " --group mixed --stages 100% " + broker.service_flags_line(fleet::FleetService::kFleetServiceDeploy) +
                             " --discover-seconds 1.5 --gate-seconds 0.5 --resend-seconds 3 --stage-timeout 120"
                             " --quiet --json --registry " + dir + "/registry --signing-key " + keys.secret;
  const test::CommandResult run = test::run_cli("deploy --variant det-large:1 --variant det-small:1" + common);
  TMF_ASSERT(run.exit_code == 0);
  const auto j = nlohmann::json::parse(run.out);
  TMF_EXPECT(j["state"] == "completed");
  TMF_EXPECT_EQ(j["healthy"].get<int>(), 2);
  TMF_EXPECT_EQ(j["refused"].get<int>(), 1);
  TMF_EXPECT(j["assigned"]["big-1"] == "det-large:1");
  TMF_EXPECT(j["assigned"]["small-1"] == "det-small:1");
  TMF_EXPECT(j["assigned"]["tiny-1"] == "");
  const std::string why = j["refusals"]["tiny-1"].get<std::string>();
  TMF_EXPECT(why.find("det-large:1 needs arena " + std::to_string(large.arena_bytes) + " B, device offers 4096 B") !=
             std::string::npos);
  TMF_EXPECT(why.find("det-small:1 needs " + std::to_string(small.file_bytes)) != std::string::npos);

  // Oracle: what the devices themselves report as active.
  const auto active = reported_models(broker, ids);
  TMF_ASSERT(active.size() == 3);
  TMF_EXPECT_EQ(active.at("big-1").first, large.model_id);
  TMF_EXPECT_EQ(active.at("big-1").second, 1u);
  TMF_EXPECT_EQ(active.at("small-1").first, small.model_id);
  TMF_EXPECT_EQ(active.at("small-1").second, 1u);
  TMF_EXPECT_EQ(active.at("tiny-1").first, old_model.model_id);  // refused: keeps its old model
  TMF_EXPECT_EQ(active.at("tiny-1").second, 1u);

  // `rollout status --json` shows the refusal and that nothing was sent to the refused device.
  const test::CommandResult status = test::run_cli("rollout status --json --registry " + dir + "/registry");
  TMF_ASSERT(status.exit_code == 0);
  const auto s = nlohmann::json::parse(status.out);
  bool seen = false;
  for (const auto& row : s["devices"]) {
    if (row["device"] != "tiny-1") continue;
    seen = true;
    TMF_EXPECT(row["state"] == "refused");
    TMF_EXPECT(row["detail"].get<std::string>().find("no variant fits") != std::string::npos);
    TMF_EXPECT_EQ(row["bytes_sent"].get<int>(), 0);
  }
  TMF_EXPECT(seen);
}

TMF_TEST(FleetDeploy, MisfitNamesArenaThenFlashThenMissingOpcode) {
  OtaManifest m{};
  m.arena_bytes = 2048;
  m.file_bytes = 5000;
  m.flash_bytes = 5000;
  m.ops[9 / 8] |= 1u << (9 % 8);  // the model uses opcode 9
  OtaInfo info{};
  info.ram_bytes = 2048;
  info.slot_bytes = 5000;
  info.ops[9 / 8] |= 1u << (9 % 8);
  TMF_EXPECT(deploy::variant_misfit(m, info).empty());  // exactly at every limit: fits
  info.ram_bytes = 2047;
  TMF_EXPECT(deploy::variant_misfit(m, info) == "needs arena 2048 B, device offers 2047 B");
  info.ram_bytes = 4096;
  info.slot_bytes = 4999;
  TMF_EXPECT(deploy::variant_misfit(m, info) == "needs 5000 B of flash, device slot offers 4999 B");
  info.slot_bytes = 8192;
  info.ops[9 / 8] = 0;
  info.ops[0] = 0xff;  // other opcodes only
  TMF_EXPECT(deploy::variant_misfit(m, info) == "needs opcode 9, not built into the device firmware");
}

}  // namespace
}  // namespace tmf
