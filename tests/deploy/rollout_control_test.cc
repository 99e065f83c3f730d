// An operator's pause, resume and cancel of a rollout, given from another process
// (`tinymlops rollout pause|resume|cancel`) while `tinymlops deploy` or the engine runs it, on a
// real mutual-TLS Mosquitto with four virtual devices (one per stage). What each device runs is
// read from its own retained STATUS, what the rollout did from the registry rows: the two must
// name the same device sets.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "host/deploy/rollout.h"
#include "host/deploy/rollout_control.h"
#include "host/deploy/signing.h"
#include "host/registry/registry.h"
#include "tests/deploy/fleet_harness.h"
#include "tests/host/test_files.h"
#include "tests/support/tmf_test.h"

extern char** environ;

namespace tmf {
namespace {

using registry::DeploymentState;
using registry::DeviceRolloutState;

// `tinymlops deploy ...` as a child process that the test can kill (a crash, not a clean exit).
class DeployProcess {
 public:
  explicit DeployProcess(const std::vector<std::string>& args, const std::string& log) {
    std::vector<std::string> argv = {TMF_CLI, "deploy"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    for (auto& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&files, 1, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid_, TMF_CLI, &files, nullptr, raw.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&files);
  }
  ~DeployProcess() { kill(); }
  bool started() const { return pid_ > 0; }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

// Polls `done` every 50 ms for at most `seconds`.
bool wait_for(const std::function<bool()>& done, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

std::map<std::string, DeviceRolloutState> rows_of(registry::Registry& reg, int64_t deployment) {
  std::map<std::string, DeviceRolloutState> out;
  for (const auto& row : reg.deployment_devices(deployment)) out[row.device] = row.state;
  return out;
}

// Devices whose row is in `state`.
std::set<std::string> in_state(const std::map<std::string, DeviceRolloutState>& rows, DeviceRolloutState state) {
  std::set<std::string> out;
  for (const auto& [id, s] : rows) {
    if (s == state) out.insert(id);
  }
  return out;
}

// Devices whose own STATUS reports version `version` of the model as active (0: no model).
std::set<std::string> reporting(const test::FleetBroker& broker, const std::vector<std::string>& ids, uint32_t version) {
  std::set<std::string> out;
  for (const auto& [id, s] : test::reported_status(broker, ids)) {
    if ((s.active_model_id == 0 ? 0 : s.active_model_version) == version) out.insert(id);
  }
  return out;
}

// A rollout engine on its own thread. Leaving the scope early (a failed assertion) must not hang
// on a paused rollout or abandon a joinable thread: every open deployment is cancelled first.
class EngineThread {
 public:
  EngineThread(std::string registry_dir, std::function<void()> body) : dir_(std::move(registry_dir)), thread_(std::move(body)) {}
  ~EngineThread() {
    if (!thread_.joinable()) return;
    registry::Registry reg(dir_);
    for (const auto& d : reg.list_deployments()) {
      if (!registry::deployment_open(d.state)) continue;
      try {
        deploy::rollout_control(reg, d.id, deploy::RolloutAction::kRolloutActionCancel, "test cleanup");
      } catch (const deploy::RolloutControlError&) {
        // ended meanwhile
      }
    }
    thread_.join();
  }
  void join() { thread_.join(); }

 private:
  std::string dir_;
  std::thread thread_;
};

std::optional<int64_t> latest_deployment(registry::Registry& reg) {
  const auto all = reg.list_deployments();
  return all.empty() ? std::nullopt : std::optional(all.back().id);
}

TMF_TEST(RolloutControl, PauseResumeAndCancelFromAnotherProcess) {
  const std::string dir = test::temp_path("rollout_control");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const deploy::KeyPaths keys = deploy::keys_generate(dir + "/keys", false);
  registry::Registry reg(dir + "/registry");
  const deploy::KeyPair key = deploy::key_load_secret(keys.secret);
  for (int version = 1; version <= 2; ++version) {
    const std::string path = dir + "/hello_v" + std::to_string(version) + ".tmf";
    test::run_cli("convert " + test::real_models()[2].tflite + " -o " + path + " --name hello --model-version " + std::to_string(version));
    registry::AddRequest r;
    r.path = path;
    r.bytes = deploy::model_sign(test::read_bytes(path), key, path);
    reg.add_version(r);
  }
  test::FleetBroker broker(dir + "/broker", "fleet");
  const std::vector<std::string> ids = {"line-1", "line-2", "line-3", "line-4"};
  std::vector<std::unique_ptr<test::VirtualDevice>> devices;
  for (const auto& id : ids) {
    devices.push_back(std::make_unique<test::VirtualDevice>(dir + "/devices", id, "line", broker, reg.dir(), keys.public_key,
                                                            std::vector<std::string>{"--quiet"}));
  }
  const std::string cli_registry = " --registry " + reg.dir();
  const std::string rest = "line-3", last = "line-4";

  // 1. `tinymlops deploy` runs hello:1 one device per stage; a second process pauses it once the
  // second stage has started. The health gate (1.5 s after each confirm) keeps the second device
  // in flight until the pause has landed: hello_world installs in well under a second.
  std::vector<std::string> deploy_args = {"hello:1", "--group", "line", "--stages", "1,2,3,4", "--discover-seconds", "1.5",
                                         "--gate-seconds", "1.5", "--resend-seconds", "3", "--signing-key", keys.secret,
                                         "--registry", reg.dir()};
  for (const auto& flag : broker.service_flags(fleet::FleetService::kFleetServiceDeploy)) deploy_args.push_back(flag);
  DeployProcess deploy(deploy_args, dir + "/deploy.log");
  TMF_ASSERT(deploy.started());
  std::optional<int64_t> id;
  TMF_ASSERT(wait_for([&] {
    id = latest_deployment(reg);
    if (!id) return false;
    const auto rows = rows_of(reg, *id);
    const auto it = rows.find("line-2");
    return it != rows.end() && it->second != DeviceRolloutState::kPending;
  }, 60));
  const test::CommandResult pause = test::run_cli("rollout pause " + std::to_string(*id) + " --by tester --reason 'line check' --json" + cli_registry);
  TMF_ASSERT(pause.exit_code == 0);
  TMF_EXPECT(nlohmann::json::parse(pause.out)["state"] == "paused");
  TMF_EXPECT(nlohmann::json::parse(pause.out)["reason"] == "paused by tester: line check");
  // The device in flight finishes; nothing is offered to the rest while paused.
  TMF_ASSERT(wait_for([&] { return rows_of(reg, *id)["line-2"] == DeviceRolloutState::kHealthy; }, 30));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto rows = rows_of(reg, *id);
  TMF_EXPECT(in_state(rows, DeviceRolloutState::kHealthy) == (std::set<std::string>{"line-1", "line-2"}));
  TMF_EXPECT(!rows.count(rest) && !rows.count(last));
  TMF_EXPECT(reg.find_deployment(*id)->state == DeploymentState::kPaused);
  TMF_EXPECT(reporting(broker, ids, 1) == (std::set<std::string>{"line-1", "line-2"}));
  TMF_EXPECT(reporting(broker, ids, 0) == (std::set<std::string>{rest, last}));
  // A second pause is refused naming the state.
  const test::CommandResult again = test::run_cli("rollout pause " + std::to_string(*id) + cli_registry);
  TMF_EXPECT_EQ(again.exit_code, 1);
  TMF_EXPECT(again.err.find("is paused: only a running rollout can be paused") != std::string::npos);

  // 2. The deploy process dies while paused; a new engine picks the deployment up from the
  // registry, still paused, and offers nothing until a third process resumes it.
  deploy.kill();
  DeploymentState first_state = DeploymentState::kRunning;
  EngineThread engine(reg.dir(), [&] {
    registry::Registry own(reg.dir());
    deploy::RolloutOptions o;
    o.record_key = keys.secret;
    o.broker = broker.service(fleet::FleetService::kFleetServiceDeploy);
    o.enrolment = fleet::fleet_enrolment_from_registry(reg.dir());
    o.group = "line";
    o.stages = {"100%"};  // ignored: a resumed deployment keeps its own stages
    o.discover_seconds = 1.5;
    o.gate_seconds = 0.3;
    o.resend_seconds = 3;
    o.stage_timeout_seconds = 60;  // a bug fails the test instead of hanging it
    try {
      first_state = deploy::rollout_run(own, own.get_version(registry::parse_version_ref("hello:1")), o).state;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "engine: %s\n", e.what());
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  rows = rows_of(reg, *id);
  TMF_EXPECT(!rows.count(rest) && !rows.count(last));
  TMF_ASSERT(test::run_cli("rollout resume " + std::to_string(*id) + cli_registry).exit_code == 0);  // else cancelled on return
  engine.join();
  TMF_EXPECT(first_state == DeploymentState::kCompleted);
  rows = rows_of(reg, *id);
  TMF_EXPECT(in_state(rows, DeviceRolloutState::kHealthy) == (std::set<std::string>(ids.begin(), ids.end())));
  TMF_EXPECT(reporting(broker, ids, 1) == (std::set<std::string>(ids.begin(), ids.end())));
  TMF_EXPECT_EQ(reg.list_deployments().size(), 1u);  // the same deployment, resumed
  const test::CommandResult late = test::run_cli("rollout resume " + std::to_string(*id) + cli_registry);
  TMF_EXPECT_EQ(late.exit_code, 1);
  TMF_EXPECT(late.err.find("is completed: only a paused rollout can be resumed") != std::string::npos);

  // 3. hello:2, paused after its second stage started, then cancelled: the two devices updated
  // keep hello:2, the other two are never offered it and keep hello:1.
  deploy::RolloutResult second;
  EngineThread engine2(reg.dir(), [&] {
    registry::Registry own(reg.dir());
    deploy::RolloutOptions o;
    o.record_key = keys.secret;
    o.broker = broker.service(fleet::FleetService::kFleetServiceDeploy);
    o.enrolment = fleet::fleet_enrolment_from_registry(reg.dir());
    o.group = "line";
    o.stages = {"1", "2", "3", "4"};
    o.discover_seconds = 1.5;
    o.gate_seconds = 1.5;
    o.resend_seconds = 3;
    o.stage_timeout_seconds = 60;
    try {
      second = deploy::rollout_run(own, own.get_version(registry::parse_version_ref("hello:2")), o);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "engine: %s\n", e.what());
    }
  });
  std::optional<int64_t> id2;
  TMF_ASSERT(wait_for([&] {
    id2 = latest_deployment(reg);
    if (!id2 || *id2 == *id) return false;
    const auto r = rows_of(reg, *id2);
    const auto it = r.find("line-2");
    return it != r.end() && it->second != DeviceRolloutState::kPending;
  }, 60));
  TMF_EXPECT_EQ(test::run_cli("rollout pause " + std::to_string(*id2) + cli_registry).exit_code, 0);
  TMF_ASSERT(wait_for([&] { return rows_of(reg, *id2)["line-2"] == DeviceRolloutState::kHealthy; }, 30));
  const test::CommandResult cancel = test::run_cli("rollout cancel " + std::to_string(*id2) + " --by tester --json" + cli_registry);
  TMF_ASSERT(cancel.exit_code == 0);
  engine2.join();
  TMF_EXPECT(second.state == DeploymentState::kCancelled);
  TMF_EXPECT(second.reason == "cancelled by tester");
  TMF_EXPECT(reg.find_deployment(*id2)->state == DeploymentState::kCancelled);
  rows = rows_of(reg, *id2);
  TMF_EXPECT(in_state(rows, DeviceRolloutState::kHealthy) == (std::set<std::string>{"line-1", "line-2"}));
  TMF_EXPECT(!rows.count(rest) && !rows.count(last));
  TMF_EXPECT(reporting(broker, ids, 2) == (std::set<std::string>{"line-1", "line-2"}));
  TMF_EXPECT(reporting(broker, ids, 1) == (std::set<std::string>{rest, last}));
  const test::CommandResult revive = test::run_cli("rollout resume " + std::to_string(*id2) + cli_registry);
  TMF_EXPECT_EQ(revive.exit_code, 1);
  TMF_EXPECT(revive.err.find("rollout " + std::to_string(*id2) + " is cancelled: only a paused rollout can be resumed") != std::string::npos);
  TMF_EXPECT_EQ(test::run_cli("rollout cancel 99" + cli_registry).exit_code, 2);
}

}  // namespace
}  // namespace tmf
