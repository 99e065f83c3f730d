// The update path end to end on the in-memory port: a fresh device installs a signed model,
// updates to another, survives reboots, resumes downloads after drops without re-requesting
// persisted chunks, reverts on command; the installed model reproduces TFLite's outputs.
#include <string.h>

#include <memory>

#include "models.h"
#include "tests/support/tmf_test.h"

namespace tmf_test {
namespace {

struct Rig {
  Keypair key = keypair_from_seed(1);
  std::unique_ptr<TestDevice> device;
  std::unique_ptr<SimPort> port;
  std::unique_ptr<tmf::Agent> agent = std::make_unique<tmf::Agent>();
  SimHost host;

  explicit Rig(uint32_t flash_bytes = 1024 * 1024, uint32_t arena_bytes = 64 * 1024, uint32_t max_chunk = 1024)
      : device(std::make_unique<TestDevice>(key, arena_bytes, max_chunk)),
        port(std::make_unique<SimPort>(flash_bytes, 4096, 8)) {}

  tmf::AgentStatus boot() {
    port->restore_power();
    const tmf::AgentStatus s = tmf::agent_boot(agent.get(), port.get(), device->config);
    port->connected = true;
    tmf::agent_on_connect(agent.get());
    return s;
  }
  tmf::AgentStatus offer(const Artifact& artifact) {
    host.artifact = &artifact;
    const tmf::AgentStatus s = tmf::agent_on_message(agent.get(), tmf::OtaTopic::kOtaTopicManifest,
                                                     artifact.manifest_bytes.data(), artifact.manifest_bytes.size());
    if (s != tmf::AgentStatus::kAgentOk) return s;
    return pump(port.get(), agent.get(), &host);
  }
};

bool infer_matches(tmf::Agent* agent, const SharedModel& m) {
  std::vector<uint8_t> out(m.expected.size() + 16);
  uint32_t written = 0;
  if (!tmf::agent_infer(agent, m.input.data(), static_cast<uint32_t>(m.input.size()), out.data(),
                        static_cast<uint32_t>(out.size()), &written)) {
    return false;
  }
  return written == m.expected.size() && memcmp(out.data(), m.expected.data(), written) == 0;
}

TMF_TEST(AgentUpdate, FreshDeviceInstallsAndConfirms) {
  Rig rig;
  TMF_EXPECT_EQ(static_cast<int>(rig.boot()), static_cast<int>(tmf::AgentStatus::kAgentErrNoModel));
  const Artifact v1 = shared_artifact("hello_world", 1, rig.key, 11, 256);
  TMF_ASSERT(!v1.file.empty());
  TMF_EXPECT_EQ(static_cast<int>(rig.offer(v1)), 0);
  TMF_ASSERT(rig.host.last_event() != nullptr);
  TMF_EXPECT(rig.host.has_event(tmf::OtaEvent::kOtaEventAccepted));
  TMF_EXPECT(rig.host.has_event(tmf::OtaEvent::kOtaEventVerified));
  TMF_EXPECT(rig.host.has_event(tmf::OtaEvent::kOtaEventTrial));
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->event), static_cast<int>(tmf::OtaEvent::kOtaEventConfirmed));
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->result), static_cast<int>(tmf::OtaResult::kOtaResultSuccess));
  TMF_EXPECT(active_model_is(*rig.agent, v1.file));
  TMF_EXPECT(infer_matches(rig.agent.get(), shared_model("hello_world", 1)));
  const tmf::OtaStatusMessage st = tmf::agent_status_message(rig.agent.get());
  TMF_EXPECT_EQ(st.active_model_id, kTestModelId);
  TMF_EXPECT_EQ(st.active_model_version, 1);
  TMF_EXPECT_EQ(st.security_counter, 0);
  TMF_EXPECT_EQ(st.last_update_id, 11);
  // A reboot runs the same verified model.
  TMF_EXPECT_EQ(static_cast<int>(rig.boot()), 0);
  TMF_EXPECT(active_model_is(*rig.agent, v1.file));
}

// The application confirms (watchdog policy, docs/porting.md): a reset during probation retries the
// trial once, but a reset the port reports as a fault (the firmware's HardFault record) is the
// model's doing: reverted at once, TRIAL_FAULT with the faulting PC in the EVENT, and in STATUS.
TMF_TEST(AgentUpdate, AFaultOnProbationRevertsAtOnceAndSaysWhere) {
  Rig rig;
  rig.device->config.app_confirms = true;
  rig.boot();
  const Artifact v1 = shared_artifact("hello_world", 1, rig.key, 11, 256);
  const Artifact v2 = shared_artifact("hello_world", 2, rig.key, 12, 256);
  TMF_ASSERT(!v1.file.empty() && !v2.file.empty());
  rig.offer(v1);
  TMF_ASSERT(tmf::agent_in_trial(rig.agent.get()));
  TMF_EXPECT_EQ(static_cast<int>(tmf::agent_trial_end(rig.agent.get(), true)), 0);
  rig.offer(v2);
  TMF_ASSERT(tmf::agent_in_trial(rig.agent.get()));
  // A plain reset (power): the trial runs again.
  rig.boot();
  TMF_EXPECT(tmf::agent_in_trial(rig.agent.get()));
  TMF_EXPECT(active_model_is(*rig.agent, v2.file));
  // A fault: reverted on this boot, without the retry the journal still allows.
  rig.device->config.reset_by_fault = true;
  rig.device->config.fault_pc = 0x10002A4Eu;
  rig.host.events.clear();
  rig.boot();
  pump(rig.port.get(), rig.agent.get(), &rig.host);  // the EVENT kept for the connection
  TMF_EXPECT(!tmf::agent_in_trial(rig.agent.get()));
  TMF_EXPECT(active_model_is(*rig.agent, v1.file));
  const tmf::OtaEventMessage* e = rig.host.last_event();
  TMF_ASSERT(e != nullptr);
  TMF_EXPECT_EQ(static_cast<int>(e->event), static_cast<int>(tmf::OtaEvent::kOtaEventReverted));
  TMF_EXPECT_EQ(static_cast<int>(e->result), static_cast<int>(tmf::OtaResult::kOtaResultTrialFault));
  TMF_EXPECT_EQ(e->update_id, 12);
  TMF_EXPECT_EQ(e->model_version, 2);
  TMF_EXPECT_EQ(e->detail, 0x10002A4Eu);
  const tmf::OtaStatusMessage st = tmf::agent_status_message(rig.agent.get());
  TMF_EXPECT_EQ(static_cast<int>(st.last_result), static_cast<int>(tmf::OtaResult::kOtaResultTrialFault));
  TMF_EXPECT_EQ(st.active_model_version, 1);
  // A fault of the confirmed model is counted against it (nothing to revert to here: v2's slot
  // was given up), the model keeps running.
  rig.boot();
  TMF_EXPECT(active_model_is(*rig.agent, v1.file));
  TMF_EXPECT_EQ(static_cast<int>(tmf::agent_status_message(rig.agent.get()).state), static_cast<int>(tmf::OtaState::kOtaStateIdle));
  TMF_EXPECT_EQ(static_cast<int>(rig.agent->state.fault_resets), 1);
}

tmf::AgentStatus boot_after(Rig* rig, bool fault, bool watchdog, uint32_t pc) {
  rig->device->config.reset_by_fault = fault;
  rig->device->config.reset_by_watchdog = watchdog;
  rig->device->config.fault_pc = pc;
  rig->host.events.clear();
  const tmf::AgentStatus s = rig->boot();
  pump(rig->port.get(), rig->agent.get(), &rig->host);  // the EVENT kept for the connection
  return s;
}

// A confirmed model that keeps faulting (docs/porting.md): each boot after a fault handler's reset
// counts it in the journal (no extra flash operation: the boot's own record); at kAgentFaultLimit
// inside the window the device goes back to the previous model, gives the faulting slot up and
// says why (result 23, the PC of the last fault), and the counters start afresh for the model
// that now runs.
TMF_TEST(AgentUpdate, AConfirmedModelThatKeepsFaultingIsReverted) {
  Rig rig;
  rig.boot();
  const Artifact v1 = shared_artifact("hello_world", 1, rig.key, 11, 256);
  const Artifact v2 = shared_artifact("hello_world", 2, rig.key, 12, 256);
  TMF_ASSERT(!v1.file.empty() && !v2.file.empty());
  rig.offer(v1);
  rig.offer(v2);
  TMF_ASSERT(active_model_is(*rig.agent, v2.file));
  for (uint32_t f = 1; f < tmf::kAgentFaultLimit; ++f) {
    const uint64_t ops = rig.port->flash_ops;
    boot_after(&rig, true, false, 0x1000u + f);
    TMF_EXPECT_EQ(rig.port->flash_ops - ops, 1u);  // the boot record only (no sector switch this early)
    TMF_EXPECT(active_model_is(*rig.agent, v2.file));
    TMF_EXPECT_EQ(static_cast<uint32_t>(rig.agent->state.fault_resets), f);
    TMF_EXPECT_EQ(rig.agent->state.last_fault_pc, 0x1000u + f);
    TMF_EXPECT(rig.host.last_event() == nullptr);
    TMF_EXPECT_EQ(static_cast<int>(tmf::agent_status_message(rig.agent.get()).last_result),
                  static_cast<int>(tmf::OtaResult::kOtaResultSuccess));
  }
  boot_after(&rig, true, false, 0x10002A4Eu);
  TMF_EXPECT(active_model_is(*rig.agent, v1.file));
  TMF_EXPECT(infer_matches(rig.agent.get(), shared_model("hello_world", 1)));
  const tmf::OtaEventMessage* e = rig.host.last_event();
  TMF_ASSERT(e != nullptr);
  TMF_EXPECT_EQ(static_cast<int>(e->event), static_cast<int>(tmf::OtaEvent::kOtaEventReverted));
  TMF_EXPECT_EQ(static_cast<int>(e->result), static_cast<int>(tmf::OtaResult::kOtaResultConfirmedFaults));
  TMF_EXPECT_EQ(e->update_id, 12);
  TMF_EXPECT_EQ(e->model_version, 2);
  TMF_EXPECT_EQ(e->detail, 0x10002A4Eu);
  tmf::OtaStatusMessage st = tmf::agent_status_message(rig.agent.get());
  TMF_EXPECT_EQ(static_cast<int>(st.last_result), static_cast<int>(tmf::OtaResult::kOtaResultConfirmedFaults));
  TMF_EXPECT_EQ(st.active_model_version, 1);
  TMF_EXPECT_EQ(st.previous_model_version, 0);  // the faulting slot was given up
  TMF_EXPECT_EQ(static_cast<int>(rig.agent->state.fault_resets), 0);
  // A plain reboot keeps v1; faults of v1 are counted from zero and have nothing to go back to.
  boot_after(&rig, false, false, 0);
  TMF_EXPECT(active_model_is(*rig.agent, v1.file));
  for (uint32_t f = 0; f < tmf::kAgentFaultLimit + 1; ++f) boot_after(&rig, true, false, 0x2000u);
  TMF_EXPECT(active_model_is(*rig.agent, v1.file));
  TMF_EXPECT_EQ(static_cast<uint32_t>(rig.agent->state.fault_resets), tmf::kAgentFaultLimit + 1u);
  TMF_EXPECT(rig.host.last_event() == nullptr);
  // A new model starts with no faults counted.
  const Artifact v3 = shared_artifact("hello_world", 3, rig.key, 13, 256);
  rig.offer(v3);
  TMF_EXPECT(active_model_is(*rig.agent, v3.file));
  TMF_EXPECT_EQ(static_cast<int>(rig.agent->state.fault_resets), 0);
}

// Watchdog resets are a fault kind of their own, counted with the faults in one window of boots:
// the window forgets a reset kAgentFaultWindowBoots boots old; the revert names the kind of the
// reset that reached the limit (24: the watchdog). The counters survive reboots in the journal.
TMF_TEST(AgentUpdate, WatchdogResetsCountWithFaultsInAWindowOfBoots) {
  Rig rig;
  rig.boot();
  const Artifact v1 = shared_artifact("hello_world", 1, rig.key, 11, 256);
  const Artifact v2 = shared_artifact("hello_world", 2, rig.key, 12, 256);
  TMF_ASSERT(!v1.file.empty() && !v2.file.empty());
  rig.offer(v1);
  rig.offer(v2);
  boot_after(&rig, false, true, 0x3000u);
  boot_after(&rig, true, false, 0x3004u);
  TMF_EXPECT_EQ(static_cast<int>(rig.agent->state.watchdog_resets), 1);
  TMF_EXPECT_EQ(static_cast<int>(rig.agent->state.fault_resets), 1);
  const uint32_t window_start = rig.agent->state.fault_window_boot;
  // Ordinary boots until the window has passed: the next reset starts a new window.
  while (rig.agent->state.boot_count + 1 - window_start < tmf::kAgentFaultWindowBoots) boot_after(&rig, false, false, 0);
  boot_after(&rig, false, true, 0x3008u);
  TMF_EXPECT(active_model_is(*rig.agent, v2.file));
  TMF_EXPECT_EQ(rig.agent->state.fault_window_boot, window_start + tmf::kAgentFaultWindowBoots);
  TMF_EXPECT_EQ(static_cast<int>(rig.agent->state.watchdog_resets), 1);
  TMF_EXPECT_EQ(static_cast<int>(rig.agent->state.fault_resets), 0);
  boot_after(&rig, true, false, 0x300Cu);
  TMF_EXPECT(active_model_is(*rig.agent, v2.file));
  boot_after(&rig, false, true, 0x3010u);
  TMF_EXPECT(active_model_is(*rig.agent, v1.file));
  const tmf::OtaEventMessage* e = rig.host.last_event();
  TMF_ASSERT(e != nullptr);
  TMF_EXPECT_EQ(static_cast<int>(e->event), static_cast<int>(tmf::OtaEvent::kOtaEventReverted));
  TMF_EXPECT_EQ(static_cast<int>(e->result), static_cast<int>(tmf::OtaResult::kOtaResultConfirmedWatchdog));
  TMF_EXPECT_EQ(e->detail, 0x3010u);
  TMF_EXPECT_EQ(static_cast<int>(tmf::agent_status_message(rig.agent.get()).last_result),
                static_cast<int>(tmf::OtaResult::kOtaResultConfirmedWatchdog));
  // The verdict is in the journal: a plain boot still runs v1 and reports it.
  boot_after(&rig, false, false, 0);
  TMF_EXPECT(active_model_is(*rig.agent, v1.file));
  TMF_EXPECT_EQ(static_cast<int>(tmf::agent_status_message(rig.agent.get()).last_result),
                static_cast<int>(tmf::OtaResult::kOtaResultConfirmedWatchdog));
}

// Policy (docs/agent.md "Resets on trial"): the watchdog's reset on probation is the model's, as a
// fault is: reverted on that boot without the retry a power cut gets, result 25 with the PC the
// watchdog interrupted, and the confirmed model's fault counters stay untouched.
TMF_TEST(AgentUpdate, AWatchdogResetOnProbationRevertsAtOnce) {
  Rig rig;
  rig.device->config.app_confirms = true;
  rig.boot();
  const Artifact v1 = shared_artifact("hello_world", 1, rig.key, 11, 256);
  const Artifact v2 = shared_artifact("hello_world", 2, rig.key, 12, 256);
  rig.offer(v1);
  TMF_ASSERT(tmf::agent_trial_end(rig.agent.get(), true) == tmf::AgentStatus::kAgentOk);
  rig.offer(v2);
  TMF_ASSERT(tmf::agent_in_trial(rig.agent.get()));
  boot_after(&rig, false, true, 0x4000u);
  TMF_EXPECT(!tmf::agent_in_trial(rig.agent.get()));
  TMF_EXPECT(active_model_is(*rig.agent, v1.file));
  TMF_EXPECT_EQ(static_cast<int>(rig.agent->state.watchdog_resets), 0);
  const tmf::OtaEventMessage* e = rig.host.last_event();
  TMF_ASSERT(e != nullptr);
  TMF_EXPECT_EQ(static_cast<int>(e->event), static_cast<int>(tmf::OtaEvent::kOtaEventReverted));
  TMF_EXPECT_EQ(static_cast<int>(e->result), static_cast<int>(tmf::OtaResult::kOtaResultTrialWatchdog));
  TMF_EXPECT_EQ(e->detail, 0x4000u);
  TMF_EXPECT_EQ(e->model_version, 2u);
  TMF_EXPECT_EQ(static_cast<int>(tmf::agent_status_message(rig.agent.get()).last_result),
                static_cast<int>(tmf::OtaResult::kOtaResultTrialWatchdog));
  // The slot is given up: a later plain boot stays on v1.
  boot_after(&rig, false, false, 0);
  TMF_EXPECT(active_model_is(*rig.agent, v1.file));
}

TMF_TEST(AgentUpdate, UpdateKeepsPreviousForRevert) {
  Rig rig;
  rig.boot();
  const Artifact v1 = shared_artifact("hello_world", 1, rig.key, 11, 256);
  const Artifact v2 = shared_artifact("kws", 2, rig.key, 12, 1024);
  rig.offer(v1);
  rig.offer(v2);
  TMF_EXPECT(active_model_is(*rig.agent, v2.file));
  TMF_EXPECT(infer_matches(rig.agent.get(), shared_model("kws", 2)));
  tmf::OtaStatusMessage st = tmf::agent_status_message(rig.agent.get());
  TMF_EXPECT_EQ(st.active_model_version, 2);
  TMF_EXPECT_EQ(st.previous_model_version, 1);
  // Revert on command (the rollout's health-gate rollback): back to v1; v2's slot is given up.
  uint8_t command[tmf::kOtaCommandBytes];
  tmf::ota_command_encode({tmf::OtaCommandCode::kOtaCommandRevert, 0}, command, sizeof(command));
  TMF_EXPECT_EQ(static_cast<int>(tmf::agent_on_message(rig.agent.get(), tmf::OtaTopic::kOtaTopicCommand, command,
                                                      sizeof(command))), 0);
  pump(rig.port.get(), rig.agent.get(), &rig.host);
  TMF_EXPECT(active_model_is(*rig.agent, v1.file));
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->event), static_cast<int>(tmf::OtaEvent::kOtaEventReverted));
  rig.boot();
  TMF_EXPECT(active_model_is(*rig.agent, v1.file));
  st = tmf::agent_status_message(rig.agent.get());
  TMF_EXPECT_EQ(st.previous_model_version, 0);  // a second revert has nothing to flip to
  TMF_EXPECT_EQ(st.security_counter, 0);        // both records at counter 0: revert allowed
}

TMF_TEST(AgentUpdate, LossyLinkNeverResendsConfirmedChunks) {
  Rig rig;
  rig.boot();
  const Artifact v1 = shared_artifact("kws", 1, rig.key, 21, 512);
  rig.host.drop_every = 5;       // 20 % of chunks lost
  rig.host.bad_crc_once = true;  // and one damaged in transit
  rig.offer(v1);
  TMF_EXPECT(active_model_is(*rig.agent, v1.file));
  // Every chunk was sent (delivered) exactly once: only lost or damaged ones were asked again.
  uint32_t resent = 0;
  for (const auto& [offset, times] : rig.host.sends) resent += times > 1 ? 1 : 0;
  TMF_EXPECT_EQ(resent, 1);  // the chunk with the damaged CRC (delivered, dropped by the device)
  TMF_EXPECT_EQ(rig.host.sends.size(), (v1.file.size() + 511) / 512);
}

TMF_TEST(AgentUpdate, ResumesAfterRebootAndDisconnect) {
  Rig rig;
  rig.boot();
  const Artifact v1 = shared_artifact("hello_world", 1, rig.key, 31, 256);
  rig.offer(v1);
  const Artifact v2 = shared_artifact("kws", 2, rig.key, 32, 1024);
  // Deliver the manifest and a few chunks, then the link drops and the device reboots.
  rig.host.artifact = &v2;
  tmf::agent_on_message(rig.agent.get(), tmf::OtaTopic::kOtaTopicManifest, v2.manifest_bytes.data(),
                        v2.manifest_bytes.size());
  for (int round = 0; round < 6; ++round) {
    std::vector<SentMessage> out, in;
    out.swap(rig.port->outbox);
    for (const SentMessage& m : out) rig.host.receive(m, &in);
    for (const SentMessage& m : in) tmf::agent_on_message(rig.agent.get(), m.topic, m.bytes.data(), m.bytes.size());
  }
  const uint32_t persisted_before = rig.agent->confirmed_chunks;
  TMF_EXPECT(persisted_before > 0);
  TMF_EXPECT(persisted_before < rig.agent->chunk_count);
  std::vector<uint8_t> persisted(rig.agent->confirmed, rig.agent->confirmed + sizeof(rig.agent->confirmed));
  rig.port->outbox.clear();
  rig.host.requested.clear();
  TMF_EXPECT_EQ(static_cast<int>(rig.boot()), 0);  // reboot: still v1, download resumes by itself
  TMF_EXPECT(active_model_is(*rig.agent, v1.file));
  TMF_EXPECT_EQ(rig.agent->confirmed_chunks, persisted_before);
  pump(rig.port.get(), rig.agent.get(), &rig.host);
  TMF_EXPECT(active_model_is(*rig.agent, v2.file));
  for (const tmf::OtaRange& r : rig.host.requested) {
    const uint32_t index = r.offset / 1024;
    TMF_EXPECT(((persisted[index / 8] >> (index % 8)) & 1) == 0);
  }
}

TMF_TEST(AgentUpdate, RepeatedManifestAfterConfirmIsAnsweredNotRejected) {
  Rig rig;
  rig.boot();
  const Artifact v1 = shared_artifact("hello_world", 1, rig.key, 41, 256);
  rig.offer(v1);
  rig.host.events.clear();
  rig.offer(v1);
  TMF_ASSERT(rig.host.last_event() != nullptr);
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->event), static_cast<int>(tmf::OtaEvent::kOtaEventConfirmed));
}

}  // namespace
}  // namespace tmf_test
