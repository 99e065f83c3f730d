// Release approval of loop-trained models (docs/loop.md "Approval", host/loop/release.h), run
// against a real Mosquitto with virtual devices (tinymlops-device: synthetic pumps that capture
// and upload on COMMAND collect). One device is a canary (it trusts the serve host's key and the
// production key), two are production devices (the production key only). The loop itself
// collects, trains and stages the bootstrap candidate; what each device runs is read from the
// devices' own retained STATUS, and the decision from the `tinymlops` CLI.
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "device/agent/protocol.h"
#include "host/deploy/signing.h"
#include "host/fleet/mqtt_client.h"
#include "host/loop/loop_steps.h"
#include "host/loop/policy.h"
#include "host/loop/release.h"
#include "host/loop/retrain.h"
#include "host/deploy/rollout.h"
#include "tests/loop/synthetic_captures.h"
#include "host/monitor/ingest.h"
#include "tests/deploy/fleet_harness.h"
#include "tests/host/test_files.h"
#include "tests/support/postgres_server.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kGroup = "pumps";
constexpr const char* kModel = "pump-detector";

// The model id and version each device reports as active in its retained STATUS (0: none).
std::map<std::string, std::pair<uint32_t, uint32_t>> active_models(const test::FleetBroker& broker,
                                                                   const std::vector<std::string>& ids) {
  std::map<std::string, std::pair<uint32_t, uint32_t>> out;
  for (const auto& [id, s] : test::reported_status(broker, ids)) out[id] = {s.active_model_id, s.active_model_version};
  return out;
}

// A canary device and two production devices of group "pumps", the serve side of the loop (ingest
// + policy, as `serve --loop-group pumps` runs them) and the keys: the serve host's (canary) key
// and the production key that only `loop approve` reads.
struct ReleaseFleet {
  std::string dir;
  deploy::KeyPaths canary, production;
  std::unique_ptr<test::FleetBroker> broker;
  std::vector<std::unique_ptr<test::VirtualDevice>> devices;
  std::unique_ptr<registry::Registry> registry;
  std::unique_ptr<monitor::Ingest> ingest;
  std::unique_ptr<loop::LoopPolicy> policy;
  loop::LoopOptions options;
  std::vector<std::string> ids = {"pump-a", "pump-b", "pump-c"};

  // `device_extra`: more tinymlops-device options for every device (e.g. the machines' load).
  explicit ReleaseFleet(const std::string& name, const std::vector<std::string>& device_extra = {}) {
    dir = test::temp_path(name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    canary = deploy::keys_generate(dir + "/canary", false);
    production = deploy::keys_generate(dir + "/production", false);
    broker = std::make_unique<test::FleetBroker>(dir + "/broker", "fleet");
    const std::string registry_dir = dir + "/registry";
    const auto with = [&](std::vector<std::string> v) {
      v.insert(v.end(), device_extra.begin(), device_extra.end());
      return v;
    };
    devices.push_back(std::make_unique<test::VirtualDevice>(dir, "pump-a", kGroup, *broker, registry_dir, canary.public_key,
                                                            with({"--trusted-key", production.public_key, "--seed", "1"})));
    devices.push_back(std::make_unique<test::VirtualDevice>(dir, "pump-b", kGroup, *broker, registry_dir, production.public_key,
                                                            with({"--seed", "2"})));
    devices.push_back(std::make_unique<test::VirtualDevice>(dir, "pump-c", kGroup, *broker, registry_dir, production.public_key,
                                                            with({"--seed", "3"})));
    registry = std::make_unique<registry::Registry>(registry_dir);
    // As `serve --loop-group` runs them: the serve identity, enrolled devices only.
    monitor::IngestOptions io;
    io.broker = broker->service(fleet::FleetService::kFleetServiceServe);
    io.enrolment = fleet::fleet_enrolment_from_registry(registry_dir);
    io.synchronous_full = false;
    ingest = std::make_unique<monitor::Ingest>(*registry, io);
    options.group = kGroup;
    options.model_name = kModel;
    options.signing_key = canary.secret;
    options.fleet = "fleet";
    options.broker = broker->service(fleet::FleetService::kFleetServiceServe);
    options.enrolment = io.enrolment;
    options.min_devices = 3;
    options.capture_timeout_s = 20;
    options.stages = {"1", "100%"};
    options.gate_seconds = 0.5;
    options.discover_seconds = 1.5;
    options.stage_timeout_seconds = 60;
    start_policy();
  }
  // A new policy on the same registry: what a restarted serve does.
  void start_policy() {
    policy.reset();
    policy = std::make_unique<loop::LoopPolicy>(dir + "/registry", options);
  }
  // Runs serve's loop (poll + tick) until `done` or `seconds`; true if done.
  // `seconds` bounds a hang, it measures nothing: collect, train and a canary rollout of real
  // devices take 30-60 s alone and several times that beside make test's other tests.
  bool run_until(const std::function<bool()>& done, double seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
      ingest->poll(std::chrono::milliseconds(100));
      policy->tick(*ingest);
      if (!policy->busy() && done()) return true;
    }
    return false;
  }
  std::optional<loop::LoopStep> running() { return loop::LoopSteps(registry->db()).running(kGroup); }
  bool waiting_for_approval() {
    const auto r = running();
    return r && r->kind == loop::LoopStepKind::kApproval;
  }
  std::optional<loop::LoopStep> last_step() {
    const auto steps = loop::LoopSteps(registry->db()).list(kGroup);
    return steps.empty() ? std::nullopt : std::optional(steps.back());
  }
  std::string key_id(const std::string& public_key_path) {
    const deploy::KeyId id = deploy::key_id_of(deploy::key_load_public(public_key_path));
    return deploy::hex_encode(id.data(), id.size());
  }
};

TMF_TEST(LoopRelease, CandidateStaysAtTheCanaryUntilApprovedWithAnOfflineKey) {
  ReleaseFleet f("loop_release_approve");
  // Bootstrap: collect, train, challenge, canary stage; then the loop waits.
  TMF_ASSERT(f.run_until([&] { return f.waiting_for_approval(); }, 300));
  const int64_t n = f.running()->id;
  const registry::VersionInfo candidate = f.registry->get_version({kModel, 1});
  TMF_EXPECT(candidate.stage == std::string("staging"));
  auto active = active_models(*f.broker, f.ids);
  TMF_EXPECT_EQ(active["pump-a"].second, 1u);       // the canary runs the candidate
  TMF_EXPECT_EQ(active["pump-b"].first, 0u);        // production devices run nothing yet
  TMF_EXPECT_EQ(active["pump-c"].first, 0u);

  // The challenge scored whole uploads the candidate was not trained on.
  const json parameters = json::parse(candidate.lineage.parameters.value_or("{}"));
  TMF_EXPECT(!parameters.value("holdout", std::string()).empty());

  // A restart (the policy rebuilt on the same registry) keeps waiting; nothing moves.
  f.start_policy();
  TMF_EXPECT(!f.run_until([&] { return !f.waiting_for_approval(); }, 3));
  active = active_models(*f.broker, f.ids);
  TMF_EXPECT_EQ(active["pump-b"].first, 0u);

  // Approval with the production key, given to the CLI only (serve holds the canary key); the
  // policy is down meanwhile, and honours the approval when it comes back.
  f.policy.reset();
  const test::CommandResult approve = test::run_cli("loop approve " + std::to_string(n) + " --registry " + f.dir +
                                                    "/registry --signing-key " + f.production.secret + " --by alice --json");
  TMF_ASSERT(approve.exit_code == 0);
  const json decided = json::parse(approve.out);
  TMF_EXPECT(decided["state"] == "approved");
  TMF_EXPECT(decided["signer_key_id"] == f.key_id(f.production.public_key));
  f.start_policy();
  TMF_ASSERT(f.run_until([&] { return !f.running() && f.last_step() && f.last_step()->kind == loop::LoopStepKind::kRollout; }, 240));
  const json result = json::parse(f.last_step()->detail_json);
  TMF_EXPECT(result.value("phase", "") == std::string("production"));
  TMF_EXPECT(result.value("state", "") == std::string("completed"));
  active = active_models(*f.broker, f.ids);
  for (const auto& id : f.ids) TMF_EXPECT_EQ(active[id].second, 1u);
  TMF_EXPECT(f.registry->get_version({kModel, 1}).stage == std::string("production"));

  // The production deployment sent the offline-signed record.
  const int64_t deployment = result["deployment"].get<int64_t>();
  const auto record = f.registry->find_deployment_record(deployment, candidate.artifact);
  TMF_ASSERT(record.has_value());
  TMF_EXPECT_BYTES_EQ(record->data() + 224, deploy::hex_decode(f.key_id(f.production.public_key), "id").data(), 32);

  // The history names who approved, when, and the key.
  const test::CommandResult history = test::run_cli("loop history --json --registry " + f.dir + "/registry");
  TMF_ASSERT(history.exit_code == 0);
  bool found = false;
  for (const json& step : json::parse(history.out)) {
    if (step["id"] != n) continue;
    found = true;
    TMF_EXPECT(step["kind"] == "approval");
    TMF_EXPECT(step["approval"]["state"] == "approved");
    TMF_EXPECT(step["approval"]["decided_by"] == "alice");
    TMF_EXPECT(step["approval"]["decided_at_ms"].is_number());
    TMF_EXPECT(step["approval"]["signer_key_id"] == f.key_id(f.production.public_key));
  }
  TMF_EXPECT(found);
  fs::remove_all(f.dir);
}

// A production model (trained at load 0.5, signed with the production key) runs everywhere; the
// machines run at load 0.95, drift triggers a retraining, the challenger wins and reaches the
// canary. Rejected: production stays as it was and the canary goes back to the production model.
TMF_TEST(LoopRelease, RejectionLeavesProductionUntouched) {
  ReleaseFleet f("loop_release_reject", {"--load", "0.95"});
  loop::write_capture_dataset(test::synthetic_captures(f.registry->db(), 0.5, 6, 16384), f.dir + "/champion-data",
                              loop::capture_samples_from_store(f.registry->db()));
  loop::RetrainOptions champion;
  champion.dataset_dir = f.dir + "/champion-data";
  champion.model_name = kModel;
  champion.signing_key = f.production.secret;
  champion.train.device_detection.enabled = true;
  champion.max_false_alarm_rate = 1;  // the fixture's champion: its quality at load 0.5 is not under test
  const registry::VersionInfo v1 = loop::retrain(*f.registry, champion).version;
  TMF_ASSERT(v1.stage == std::string("production"));
  deploy::RolloutOptions ro;
  ro.broker = f.broker->service(fleet::FleetService::kFleetServiceDeploy);
  ro.enrolment = fleet::fleet_enrolment_from_registry(f.registry->dir());
  ro.fleet = "fleet";
  ro.group = kGroup;
  ro.stages = {"100%"};
  ro.record_key = f.production.secret;
  ro.discover_seconds = 1.5;
  ro.gate_seconds = 0.5;
  TMF_ASSERT(deploy::rollout_run(*f.registry, v1, ro).state == registry::DeploymentState::kCompleted);

  monitor::Alert drift;
  drift.kind = "drift";
  drift.source = "shift";
  drift.subject = monitor::group_subject(kGroup);
  drift.group = kGroup;
  drift.model_id = v1.model_id;
  drift.model_version = v1.version;
  drift.raised_at_ms = monitor::unix_ms_now();
  drift.detail_json = R"({"value":0.5,"feature":3})";
  const int64_t alert = f.ingest->alerts().raise(drift);

  TMF_ASSERT(f.run_until([&] { return f.waiting_for_approval(); }, 300));
  const int64_t n = f.running()->id;
  TMF_EXPECT(f.registry->get_version({kModel, 2}).stage == std::string("staging"));
  auto active = active_models(*f.broker, f.ids);
  TMF_EXPECT_EQ(active["pump-a"].second, 2u);
  TMF_EXPECT_EQ(active["pump-b"].second, 1u);
  TMF_EXPECT_EQ(active["pump-c"].second, 1u);

  const test::CommandResult reject = test::run_cli("loop reject " + std::to_string(n) + " --registry " + f.dir +
                                                   "/registry --reason 'poisoned upload suspected'");
  TMF_ASSERT(reject.exit_code == 0);
  TMF_ASSERT(f.run_until([&] { return !f.running() && f.last_step()->kind == loop::LoopStepKind::kRollout; }, 240));
  const json restore = json::parse(f.last_step()->detail_json);
  TMF_EXPECT(restore.value("phase", "") == std::string("restore"));
  TMF_EXPECT(restore.value("state", "") == std::string("completed"));
  active = active_models(*f.broker, f.ids);
  for (const auto& id : f.ids) TMF_EXPECT_EQ(active[id].second, 1u);
  TMF_EXPECT(f.registry->get_version({kModel, 1}).stage == std::string("production"));
  TMF_EXPECT(f.registry->get_version({kModel, 2}).stage == std::string("archived"));
  TMF_EXPECT(f.ingest->alerts().find(alert)->state == std::string("acked"));
  const test::CommandResult history = test::run_cli("loop history --registry " + f.dir + "/registry");
  TMF_EXPECT(history.out.find("approval: rejected " + std::string(kModel) + ":2 by ") != std::string::npos);
  TMF_EXPECT(history.out.find("poisoned upload suspected") != std::string::npos);
  fs::remove_all(f.dir);
}

// `loop approve|reject N` errors name the bad input, and leave the candidate as it was. On SQLite
// (LoopApproveCli) and PostgreSQL (LoopApproveCliPostgres).
TMF_TEST_BOTH_ENGINES(LoopApproveCli, ErrorsNameTheBadInput) {
  const test_support::ScopedTestDatabase database(engine, "loop_approve_cli");
  const std::string dir = test::temp_path("loop_approve_cli");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const deploy::KeyPaths keys = deploy::keys_generate(dir + "/keys", false);
  const std::string reg_dir = dir + "/registry";
  int64_t n = 0;
  {
    registry::Registry reg(reg_dir);
    const std::string path = dir + "/hello.tmf";
    test::run_cli("convert " + test::real_models()[2].tflite + " -o " + path + " --name hello --model-version 1");
    registry::AddRequest add;
    add.path = path;
    add.bytes = deploy::model_sign(test::read_bytes(path), deploy::key_load_secret(keys.secret), path);
    reg.add_version(add);
    n = loop::LoopSteps(reg.db()).start(kGroup, loop::LoopStepKind::kApproval, "test", std::nullopt, "{}", 1);
    loop::Approval a;
    a.step = n;
    a.group = kGroup;
    a.fleet = "fleet";
    a.version = "hello:1";
    a.requested_at_ms = 1;
    loop::Approvals(reg.db()).request(a);
  }
  const std::string r = " --registry " + reg_dir + database.cli_line();
  const std::string unknown = std::to_string(n + 41);
  test::CommandResult c = test::run_cli("loop approve " + unknown + r);
  TMF_EXPECT_EQ(c.exit_code, 2);
  TMF_EXPECT(c.err.find("candidate " + unknown + ":") != std::string::npos);
  c = test::run_cli("loop reject " + unknown + r);
  TMF_EXPECT_EQ(c.exit_code, 2);
  TMF_EXPECT(c.err.find("candidate " + unknown + ":") != std::string::npos);

  const std::string missing = dir + "/no-such.key";
  c = test::run_cli("loop approve " + std::to_string(n) + r + " --signing-key " + missing);
  TMF_EXPECT_EQ(c.exit_code, 2);
  TMF_EXPECT(c.err.find(missing) != std::string::npos);
  // A public key given where the secret one belongs.
  c = test::run_cli("loop approve " + std::to_string(n) + r + " --signing-key " + keys.public_key);
  TMF_EXPECT_EQ(c.exit_code, 2);
  TMF_EXPECT(c.err.find(keys.public_key + ": ") != std::string::npos);
  {
    registry::Registry reg(reg_dir);
    TMF_EXPECT(loop::Approvals(reg.db()).find(n)->state == loop::ApprovalState::kApprovalPending);
    TMF_EXPECT(reg.get_version({"hello", 1}).stage == std::string("none"));
  }

  c = test::run_cli("loop reject " + std::to_string(n) + r + " --by bob");
  TMF_EXPECT_EQ(c.exit_code, 0);
  c = test::run_cli("loop approve " + std::to_string(n) + r + " --signing-key " + keys.secret);
  TMF_EXPECT_EQ(c.exit_code, 2);
  TMF_EXPECT(c.err.find("candidate " + std::to_string(n) + " (hello:1): already rejected by bob") != std::string::npos);
  c = test::run_cli("loop reject " + std::to_string(n) + r);
  TMF_EXPECT_EQ(c.exit_code, 2);
  TMF_EXPECT(c.err.find("already rejected by bob") != std::string::npos);
  {
    registry::Registry reg(reg_dir);
    const loop::Approval a = *loop::Approvals(reg.db()).find(n);
    TMF_EXPECT(a.state == loop::ApprovalState::kApprovalRejected);
    TMF_EXPECT(a.record.empty() && !a.sequence.has_value());
    TMF_EXPECT(reg.get_version({"hello", 1}).stage == std::string("archived"));
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tmf
