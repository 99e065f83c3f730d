// Power loss at every flash operation of a whole update (MCUboot-simulator style; the manifests
// carry signed deployment records, docs/protocol.md), and of a revert and a cancel: for each cut
// point N and each cut kind (before the operation; half-way: a torn write or half-erased sector)
// the device reboots into a valid, hash-verified model that is byte-for-byte the old or the new
// file and reproduces TFLite's outputs, never re-requests a chunk it had persisted, and then
// finishes the update (resuming it, or restarting it when the host offers it again).
#include <stdio.h>
#include <string.h>

#include <memory>

#include "models.h"
#include "tests/support/tmf_test.h"

namespace tmf_test {
namespace {

struct CutOutcome {
  bool booted_valid = false;      // a model was running after the reboot
  bool old_or_new = false;        // ... and it was exactly the old or the new file
  bool outputs_ok = false;        // ... and reproduced the golden output
  bool no_confirmed_resent = true;
  bool finished = false;          // the new model was confirmed in the end
};

bool infer_matches(tmf::Agent* agent, const SharedModel& m) {
  std::vector<uint8_t> out(m.expected.size() + 16);
  uint32_t written = 0;
  return tmf::agent_infer(agent, m.input.data(), static_cast<uint32_t>(m.input.size()), out.data(),
                          static_cast<uint32_t>(out.size()), &written) &&
         written == m.expected.size() && memcmp(out.data(), m.expected.data(), written) == 0;
}

struct Scenario {
  Keypair key = keypair_from_seed(3);
  SharedModel old_model, new_model;
  Artifact old_artifact, new_artifact;
  uint32_t chunk_bytes;
};

// Boots a fresh device, installs the old model, then runs the new update with power cut at
// flash operation `cut` (counted from the start of the new update). Returns the ops the update
// took when `cut` is beyond the end.
CutOutcome run_cut(const Scenario& sc, uint64_t cut, CutMode mode, uint64_t* update_ops) {
  CutOutcome outcome;
  auto device = std::make_unique<TestDevice>(sc.key, 64 * 1024, sc.chunk_bytes);
  auto port = std::make_unique<SimPort>(1024 * 1024, 4096, 8);
  auto agent = std::make_unique<tmf::Agent>();
  SimHost host;
  tmf::agent_boot(agent.get(), port.get(), device->config);
  tmf::agent_on_connect(agent.get());
  host.artifact = &sc.old_artifact;
  tmf::agent_on_message(agent.get(), tmf::OtaTopic::kOtaTopicManifest, sc.old_artifact.manifest_bytes.data(),
                        sc.old_artifact.manifest_bytes.size());
  pump(port.get(), agent.get(), &host);
  if (!active_model_is(*agent, sc.old_artifact.file)) return outcome;

  const uint64_t start = port->flash_ops;
  port->cut_power_at(start + cut, mode);
  host.artifact = &sc.new_artifact;
  tmf::agent_on_message(agent.get(), tmf::OtaTopic::kOtaTopicManifest, sc.new_artifact.manifest_bytes.data(),
                        sc.new_artifact.manifest_bytes.size());
  pump(port.get(), agent.get(), &host);
  if (update_ops != nullptr) *update_ops = port->flash_ops - start;

  // Power back: reboot, check what runs.
  port->restore_power();
  agent = std::make_unique<tmf::Agent>();
  tmf::agent_boot(agent.get(), port.get(), device->config);
  if (tmf::agent_model(agent.get()) != nullptr) {
    outcome.booted_valid = true;
    const bool is_old = active_model_is(*agent, sc.old_artifact.file);
    const bool is_new = active_model_is(*agent, sc.new_artifact.file);
    outcome.old_or_new = is_old || is_new;
    outcome.outputs_ok = infer_matches(agent.get(), is_new ? sc.new_model : sc.old_model);
  }
  std::vector<uint8_t> persisted(agent->confirmed, agent->confirmed + sizeof(agent->confirmed));
  const bool resuming = agent->state.state == tmf::OtaState::kOtaStateDownloading;
  host.requested.clear();
  port->connected = true;
  tmf::agent_on_connect(agent.get());
  pump(port.get(), agent.get(), &host);
  if (resuming) {
    for (const tmf::OtaRange& r : host.requested) {
      const uint32_t index = r.offset / agent->state.chunk_bytes;
      if ((persisted[index / 8] >> (index % 8)) & 1) outcome.no_confirmed_resent = false;
    }
  }
  // The host offers the update again if the device is not running it (restart).
  if (!active_model_is(*agent, sc.new_artifact.file) && agent->state.state == tmf::OtaState::kOtaStateIdle) {
    tmf::agent_on_message(agent.get(), tmf::OtaTopic::kOtaTopicManifest, sc.new_artifact.manifest_bytes.data(),
                          sc.new_artifact.manifest_bytes.size());
    pump(port.get(), agent.get(), &host);
  }
  outcome.finished = active_model_is(*agent, sc.new_artifact.file) &&
                     agent->state.last_result == tmf::OtaResult::kOtaResultSuccess;
  return outcome;
}

void exhaustive(TmfTestState* tmf_test_state_, const Scenario& sc, const char* name) {
  uint64_t total_ops = 0;
  const CutOutcome clean = run_cut(sc, UINT64_MAX / 2, CutMode::kBefore, &total_ops);
  TMF_ASSERT(clean.finished);
  TMF_ASSERT(total_ops > 10);
  uint32_t runs = 0, failures = 0, ended_old = 0, ended_new = 0;
  for (CutMode mode : {CutMode::kBefore, CutMode::kTorn}) {
    for (uint64_t cut = 0; cut < total_ops; ++cut) {
      const CutOutcome o = run_cut(sc, cut, mode, nullptr);
      ++runs;
      const bool ok = o.booted_valid && o.old_or_new && o.outputs_ok && o.no_confirmed_resent && o.finished;
      if (!ok) {
        ++failures;
        if (failures <= 5) {
          char line[200];
          snprintf(line, sizeof(line), "  %s cut %llu (%s): valid=%d old_or_new=%d outputs=%d no_resend=%d finished=%d\n",
                   name, static_cast<unsigned long long>(cut), mode == CutMode::kBefore ? "before" : "torn",
                   o.booted_valid, o.old_or_new, o.outputs_ok, o.no_confirmed_resent, o.finished);
          tmf_test_print(line);
        }
      }
      (void)ended_old;
      (void)ended_new;
    }
  }
  char summary[160];
  snprintf(summary, sizeof(summary), "  %s: %llu flash operations per update, %u power-cut runs, %u failures\n",
           name, static_cast<unsigned long long>(total_ops), runs, failures);
  tmf_test_print(summary);
  TMF_EXPECT_EQ(failures, 0);
}

Scenario make_scenario(const char* old_stem, const char* new_stem, uint32_t chunk_bytes) {
  Scenario sc;
  sc.chunk_bytes = chunk_bytes;
  sc.old_model = shared_model(old_stem, 1);
  sc.new_model = shared_model(new_stem, 2);
  sc.old_artifact = make_artifact(sc.old_model.file, sc.key, 101, sc.old_model.input, sc.old_model.expected, chunk_bytes);
  sc.new_artifact = make_artifact(sc.new_model.file, sc.key, 102, sc.new_model.input, sc.new_model.expected, chunk_bytes);
  return sc;
}

// A command that changes the slots (revert, or cancel of a running download) with power cut at
// its flash operation `cut`; then reboot. True if the rebooted device runs a model that is
// byte-for-byte one of the two signed files and reproduces its golden output. kFaultRevert: no
// message but the boot that reverts a confirmed model after its kAgentFaultLimit-th fault reset
// (the boots before it reported faults too), cut at that boot's flash operation `cut`.
enum class Command { kRevert, kCancel, kFaultRevert };

// `boots` reboots before the command fill the journal (one record each), so that over 0..32 boots
// the command's record also lands on a sector switch (erase of the other journal sector).
bool command_cut_ok(const Scenario& sc, Command command, uint32_t boots, uint64_t cut, CutMode mode, uint64_t* ops) {
  auto device = std::make_unique<TestDevice>(sc.key, 64 * 1024, sc.chunk_bytes);
  auto port = std::make_unique<SimPort>(1024 * 1024, 4096, 8);
  auto agent = std::make_unique<tmf::Agent>();
  SimHost host;
  tmf::agent_boot(agent.get(), port.get(), device->config);
  tmf::agent_on_connect(agent.get());
  for (const Artifact* a : {&sc.old_artifact, &sc.new_artifact}) {
    host.artifact = a;
    tmf::agent_on_message(agent.get(), tmf::OtaTopic::kOtaTopicManifest, a->manifest_bytes.data(), a->manifest_bytes.size());
    pump(port.get(), agent.get(), &host);
    if (command == Command::kCancel) break;  // cancel: old installed, the new one downloading
  }
  uint8_t bytes[tmf::kOtaCommandBytes];
  if (command == Command::kCancel) {
    host.artifact = nullptr;  // no chunks: the download of the new model stays open
    tmf::agent_on_message(agent.get(), tmf::OtaTopic::kOtaTopicManifest, sc.new_artifact.manifest_bytes.data(),
                          sc.new_artifact.manifest_bytes.size());
  }
  for (uint32_t b = 0; b < boots; ++b) {
    agent = std::make_unique<tmf::Agent>();
    tmf::agent_boot(agent.get(), port.get(), device->config);
  }
  if (command == Command::kFaultRevert) {
    if (!active_model_is(*agent, sc.new_artifact.file)) return false;
    device->config.reset_by_fault = true;
    device->config.fault_pc = 0x2A4Eu;
    for (uint32_t f = 1; f < tmf::kAgentFaultLimit; ++f) {
      agent = std::make_unique<tmf::Agent>();
      tmf::agent_boot(agent.get(), port.get(), device->config);
    }
    if (!active_model_is(*agent, sc.new_artifact.file)) return false;  // not reverted before the limit
    const uint64_t start = port->flash_ops;
    port->cut_power_at(start + cut, mode);
    agent = std::make_unique<tmf::Agent>();
    tmf::agent_boot(agent.get(), port.get(), device->config);
    if (ops != nullptr) {
      *ops = port->flash_ops - start;
      // Uncut, that boot reverts to the old model.
      if (!active_model_is(*agent, sc.old_artifact.file) ||
          agent->state.last_result != tmf::OtaResult::kOtaResultConfirmedFaults) {
        return false;
      }
    }
    device->config.reset_by_fault = false;
    port->restore_power();
    agent = std::make_unique<tmf::Agent>();
    tmf::agent_boot(agent.get(), port.get(), device->config);
    if (tmf::agent_model(agent.get()) == nullptr) return false;
    const bool is_old = active_model_is(*agent, sc.old_artifact.file);
    const bool is_new = active_model_is(*agent, sc.new_artifact.file);
    return (is_old || is_new) && infer_matches(agent.get(), is_new ? sc.new_model : sc.old_model);
  }
  if (command == Command::kCancel) {
    if (agent->state.state != tmf::OtaState::kOtaStateDownloading) return false;
    tmf::ota_command_encode({tmf::OtaCommandCode::kOtaCommandCancel, sc.new_artifact.manifest.update_id, 0}, bytes,
                            sizeof(bytes));
  } else {
    if (!active_model_is(*agent, sc.new_artifact.file)) return false;
    tmf::ota_command_encode({tmf::OtaCommandCode::kOtaCommandRevert, 0, 0}, bytes, sizeof(bytes));
  }
  const uint64_t start = port->flash_ops;
  port->cut_power_at(start + cut, mode);
  tmf::agent_on_message(agent.get(), tmf::OtaTopic::kOtaTopicCommand, bytes, sizeof(bytes));
  if (ops != nullptr) *ops = port->flash_ops - start;
  port->restore_power();
  agent = std::make_unique<tmf::Agent>();
  tmf::agent_boot(agent.get(), port.get(), device->config);
  if (tmf::agent_model(agent.get()) == nullptr) return false;
  const bool is_old = active_model_is(*agent, sc.old_artifact.file);
  const bool is_new = active_model_is(*agent, sc.new_artifact.file);
  if (command == Command::kCancel && !is_old) return false;  // a cancel never changes the model
  return (is_old || is_new) && infer_matches(agent.get(), is_new ? sc.new_model : sc.old_model);
}

void exhaustive_command(TmfTestState* tmf_test_state_, const Scenario& sc, Command command, const char* name) {
  uint32_t runs = 0, failures = 0;
  uint64_t most_ops = 0;
  for (uint32_t boots = 0; boots <= 32; ++boots) {
    uint64_t total_ops = 0;
    TMF_ASSERT(command_cut_ok(sc, command, boots, UINT64_MAX / 2, CutMode::kBefore, &total_ops));
    TMF_ASSERT(total_ops >= 1);
    if (total_ops > most_ops) most_ops = total_ops;
    for (CutMode mode : {CutMode::kBefore, CutMode::kTorn}) {
      for (uint64_t cut = 0; cut < total_ops; ++cut) {
        ++runs;
        if (!command_cut_ok(sc, command, boots, cut, mode, nullptr)) ++failures;
      }
    }
  }
  char summary[200];
  snprintf(summary, sizeof(summary),
           "  %s: 1..%llu flash operations (0..32 boots before it), %u power-cut runs, %u devices without a valid model\n",
           name, static_cast<unsigned long long>(most_ops), runs, failures);
  tmf_test_print(summary);
  TMF_EXPECT_EQ(failures, 0);
}

TMF_TEST(AgentPowerCut, EveryOperationOfRevertAndCancel) {
  const Scenario sc = make_scenario("hello_world", "kws", 1024);
  exhaustive_command(tmf_test_state_, sc, Command::kRevert, "revert kws->hello_world");
  exhaustive_command(tmf_test_state_, sc, Command::kCancel, "cancel of hello_world->kws");
  exhaustive_command(tmf_test_state_, sc, Command::kFaultRevert, "fault revert kws->hello_world");
}

TMF_TEST(AgentPowerCut, EveryOperationHelloWorldToKws) {
  exhaustive(tmf_test_state_, make_scenario("hello_world", "kws", 1024), "hello_world->kws");
}

TMF_TEST(AgentPowerCut, EveryOperationKwsToAd01) {
  exhaustive(tmf_test_state_, make_scenario("kws", "ad01", 4096), "kws->ad01");
}

}  // namespace
}  // namespace tmf_test
