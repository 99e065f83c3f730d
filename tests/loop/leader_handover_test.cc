// One leader for what must run once (docs/scaling.md): three `tinymlops serve --loop-group`
// workers of one share group on PostgreSQL, three virtual devices. The loop's recorded state is a
// running rollout step (what the loop writes when it decides to roll a version out); the worker
// holding the fleet's advisory lock resumes it and is SIGKILLed once the deployment is under way (a device was offered the update).
// Another worker takes the lock, resumes the same deployment from its recorded state and completes
// it; the step's history names the handover. What each device runs is read from its own STATUS.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "host/deploy/signing.h"
#include "host/loop/loop_steps.h"
#include "host/loop/retrain.h"
#include "host/monitor/telemetry_store.h"
#include "tests/deploy/fleet_harness.h"
#include "tests/host/test_files.h"
#include "tests/loop/synthetic_captures.h"
#include "tests/support/child_process.h"
#include "tests/support/postgres_server.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

bool logged(const std::string& log, const std::string& event) {
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    const json j = json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.value("event", "") == event) return true;
  }
  return false;
}

TMF_TEST(LoopLeader, KilledLeaderMidRolloutAnotherWorkerCompletesIt) {
  const std::string dir = test::temp_path("loop_leader");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string db = test_support::postgres_server().fresh_database("loop_leader");
  const deploy::KeyPaths key = deploy::keys_generate(dir + "/key", false);
  test::FleetBroker broker(dir + "/broker", "fleet");
  registry::Registry::set_default_database(db);  // this process's registry and enrolments: the workers' database
  const std::string registry_dir = dir + "/registry";
  registry::Registry reg(registry_dir);
  const std::vector<std::string> ids = {"pump-a", "pump-b", "pump-c"};
  std::vector<std::unique_ptr<test::VirtualDevice>> devices;
  for (size_t i = 0; i < ids.size(); ++i) {
    devices.push_back(std::make_unique<test::VirtualDevice>(dir, ids[i], "pumps", broker, registry_dir, key.public_key,
                                                            std::vector<std::string>{"--seed", std::to_string(i + 1)}));
  }
  // A production model, and the loop's decision to roll it out, as a previous leader recorded it.
  loop::write_capture_dataset(test::synthetic_captures(reg.db(), 0.5, 4, 16384), dir + "/data",
                              loop::capture_samples_from_store(reg.db()));
  loop::RetrainOptions train;
  train.dataset_dir = dir + "/data";
  train.model_name = "pump-detector";
  train.signing_key = key.secret;
  train.train.device_detection.enabled = true;
  train.max_false_alarm_rate = 1;  // the model's quality is not under test
  const registry::VersionInfo v1 = loop::retrain(reg, train).version;
  loop::LoopSteps steps(reg.db());
  steps.set_worker("w0");
  const int64_t step = steps.start("pumps", loop::LoopStepKind::kRollout, "test: roll out pump-detector:1", std::nullopt,
                                   json({{"version", "pump-detector:1"}, {"phase", "all"}, {"approval", 0}}).dump(),
                                   monitor::unix_ms_now());
  registry::Registry::set_default_database("");

  const std::vector<std::string> names = {"w1", "w2", "w3"};
  std::vector<pid_t> pids;
  struct StopWorkers {  // on every exit, a failed assertion included
    std::vector<pid_t>& pids;
    ~StopWorkers() {
      for (pid_t& p : pids) test_support::stop_child(p);
    }
  } stop_workers{pids};
  for (const auto& w : names) {
    std::vector<std::string> argv = {TMF_CLI, "serve", "--registry", registry_dir, "--db", db, "--fleet", "fleet",
                                     "--worker-id", w, "--share-group", "ingest", "--json", "--progress-seconds", "0",
                                     "--loop-group", "pumps", "--model-name", "pump-detector", "--signing-key",
                                     key.secret, "--stages", "1,100%", "--gate-seconds", "1"};
    for (const std::string& flag : broker.service_flags(fleet::FleetService::kFleetServiceServe)) argv.push_back(flag);
    pids.push_back(test_support::spawn_logged(argv, dir + "/" + w + ".log", true));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // w1 starts first and leads
  }
  // The leader resumed the step; kill it once its deployment has offered a device the model.
  size_t leader = names.size();
  int64_t deployment = 0;
  const auto until = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < until && deployment == 0) {
    for (size_t i = 0; i < names.size() && leader == names.size(); ++i) {
      if (logged(dir + "/" + names[i] + ".log", "leader")) leader = i;
    }
    registry::Registry view(registry_dir, db);
    for (const auto& d : view.list_deployments(registry::DeploymentState::kRunning)) {
      for (const auto& dev : view.deployment_devices(d.id)) {
        if (dev.state != registry::DeviceRolloutState::kPending) deployment = d.id;  // offered at least
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  TMF_ASSERT(leader < names.size());
  TMF_ASSERT(deployment != 0);
  const int64_t killed_at_ms = monitor::unix_ms_now();
  kill(pids[leader], SIGKILL);
  waitpid(pids[leader], nullptr, 0);
  pids[leader] = -1;

  // Another worker completes the rollout (the step ends) and names the handover.
  registry::Registry view(registry_dir, db);
  loop::LoopSteps history(view.db());
  std::optional<loop::LoopStep> done;
  const auto finish_until = Clock::now() + std::chrono::seconds(90);
  while (Clock::now() < finish_until) {
    done = history.find(step);
    if (done && done->state != loop::LoopStepState::kRunning) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  TMF_ASSERT(done.has_value());
  TMF_EXPECT(done->state == loop::LoopStepState::kDone);
  const json detail = json::parse(done->detail_json);
  TMF_EXPECT(detail.value("state", "") == std::string("completed"));
  TMF_EXPECT_EQ(detail.value("deployment", int64_t{0}), deployment);  // the same deployment, resumed
  TMF_EXPECT(view.list_deployments().size() == 1);
  TMF_EXPECT(detail.value("worker", "") == std::string("w0"));
  TMF_ASSERT(detail.contains("handovers") && detail["handovers"].size() == 2);
  TMF_EXPECT(detail["handovers"][0]["from"] == "w0");
  TMF_EXPECT(detail["handovers"][0]["worker"] == names[leader]);
  TMF_EXPECT(detail["handovers"][1]["from"] == names[leader]);
  const std::string successor = detail["handovers"][1]["worker"].get<std::string>();
  TMF_EXPECT(successor != names[leader] && (successor == "w1" || successor == "w2" || successor == "w3"));
  TMF_EXPECT(detail["handovers"][1]["at_ms"].get<int64_t>() >= killed_at_ms);
  for (const auto& [id, status] : test::reported_status(broker, ids)) {
    TMF_EXPECT_EQ(status.active_model_version, v1.version);
    TMF_EXPECT_EQ(status.active_model_id, v1.model_id);
  }
  // `loop history --json` shows it to an operator.
  const test::CommandResult h = test::run_cli("loop history --json --registry " + registry_dir + " --db " + db);
  TMF_ASSERT(h.exit_code == 0);
  bool shown = false;
  for (const json& s : json::parse(h.out)) {
    if (s["id"] == step) shown = s.dump().find("\"handovers\"") != std::string::npos;
  }
  TMF_EXPECT(shown);
  std::printf("  leader %s SIGKILLed mid-rollout (deployment %lld); %s took over and completed it\n",
              names[leader].c_str(), static_cast<long long>(deployment), successor.c_str());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tmf
