// The other half of the over-the-air update (docs/agent.md): verification of a complete download,
// the trial (self-test, probation), confirm or revert, the fault limit of confirmed models, and
// what a boot resumes. Invariant: a record marks a slot valid or trial only after its bytes were
// verified, and every switch of the active slot is one journal record, so a power cut at any
// flash operation leaves a verified model wherever the journal says one is.
#include <string.h>

#include "agent_internal.h"
#include "device/runtime/integrity.h"
#include "device/runtime/sha256.h"

namespace tmf {
namespace {

constexpr uint32_t kHashBlockBytes = 256;

// The trial: self-test the target slot's model on the golden input, then confirm or revert (or,
// with config.app_confirms, leave the confirmation to the application).
AgentStatus run_trial(Agent* a) {
  const uint8_t target = a->state.target_slot;
  Model model;
  uint8_t digest[32];
  // Package 2: the input is derived from the signed content hash (no bytes in the MANIFEST).
  const bool derived = a->manifest.package_type == kOtaPackageTmf1DerivedGolden;
  bool passed = agent_slot_check(a, target, a->state.slots[target], &model) &&
                (derived ? agent_model_digest_derived(model, a->config.arena, a->config.arena_bytes,
                                                      a->manifest.content_sha256, digest)
                         : agent_model_digest(model, a->config.arena, a->config.arena_bytes,
                                              a->manifest.golden_input, a->manifest.golden_input_bytes, digest)) &&
                agent_digest_equal(digest, a->manifest.golden_output_sha256);
  if (passed && a->config.app_confirms) {
    // The model runs on probation; the application ends the trial (agent_trial_end). A reset
    // before that boots into TRIAL again: a fault or the watchdog reverts at once, a reset of no
    // recorded cause (power) retries the trial, then reverts.
    return agent_select_model(a);
  }
  return agent_trial_finish(a, passed);
}

}  // namespace

AgentStatus agent_trial_finish(Agent* a, bool passed) {
  const uint8_t target = a->state.target_slot;
  const uint32_t update_id = a->state.update_id;
  JournalRecord next = a->state;
  next.state = OtaState::kOtaStateIdle;
  next.trial_boots = 0;
  next.last_update_id = update_id;
  if (passed) {
    next.slots[target].state = SlotState::kSlotStateValid;
    next.active_slot = target;
    next.last_result = OtaResult::kOtaResultSuccess;
    // Confirmation raises the anti-rollback counter: from now on no model below it runs.
    if (next.slots[target].security_counter > next.security_counter) {
      next.security_counter = next.slots[target].security_counter;
    }
  } else {
    const uint8_t previous = static_cast<uint8_t>(1 - target);
    next.slots[target].state = SlotState::kSlotStateEmpty;
    next.active_slot = next.slots[previous].state == SlotState::kSlotStateValid ? previous : kOtaNoSlot;
    next.last_result = OtaResult::kOtaResultSelfTestFailed;
  }
  const AgentStatus s = agent_persist(a, next);
  if (s != AgentStatus::kAgentOk) return s;
  agent_select_model(a);
  agent_publish_event(a, passed ? OtaEvent::kOtaEventConfirmed : OtaEvent::kOtaEventReverted,
                      next.last_result, update_id, a->manifest.model_id, a->manifest.model_version, 0);
  agent_publish_status(a);
  return AgentStatus::kAgentOk;
}

namespace {

// One pass over the downloaded slot: the content hash over [0, content_bytes), the file hash
// continues to file_bytes; both must equal the manifest's. Out of line, so that its hash states and
// read block (about 500 B) leave the stack before the trial's signature check and self-test run.
__attribute__((noinline)) AgentStatus hash_download(Agent* a, bool* match) {
  const OtaManifest& m = a->manifest;
  const uint32_t base = a->layout.slot_offset[a->state.target_slot];
  Sha256 file_ctx;
  sha256_init(&file_ctx);
  uint8_t content_digest[32], file_digest[32];
  uint8_t block[kHashBlockBytes];
  for (uint32_t at = 0; at < m.file_bytes;) {
    uint32_t n = m.file_bytes - at < kHashBlockBytes ? m.file_bytes - at : kHashBlockBytes;
    if (at < m.content_bytes && at + n > m.content_bytes) n = m.content_bytes - at;
    if (a->port->flash_read(base + at, block, n) != PortStatus::kPortOk) return AgentStatus::kAgentErrFlash;
    sha256_update(&file_ctx, block, n);
    at += n;
    if (at == m.content_bytes) {
      Sha256 content_ctx = file_ctx;
      sha256_final(&content_ctx, content_digest);
    }
  }
  sha256_final(&file_ctx, file_digest);
  *match = agent_digest_equal(content_digest, m.content_sha256) && agent_digest_equal(file_digest, m.file_sha256);
  return AgentStatus::kAgentOk;
}

}  // namespace

// Every chunk is persisted: check the slot against the manifest, then switch to it on trial.
AgentStatus agent_update_verify(Agent* a) {
  const OtaManifest& m = a->manifest;
  const uint8_t target = a->state.target_slot;
  const uint32_t base = a->layout.slot_offset[target];
  bool match = false;
  const AgentStatus hashed = hash_download(a, &match);
  if (hashed != AgentStatus::kAgentOk) return hashed;
  if (!match) return agent_update_abandon(a, OtaEvent::kOtaEventRejected, OtaResult::kOtaResultIntegrityFailure, 0);
  const uint8_t* mapped = a->port->flash_map(base, m.file_bytes);
  if (mapped == nullptr) return agent_update_abandon(a, OtaEvent::kOtaEventRejected, OtaResult::kOtaResultUpdateFailed, 0);
  Model model;
  const Status valid = model_validate(mapped, m.file_bytes, &model, nullptr);
  if (valid != Status::kOk) {
    return agent_update_abandon(a, OtaEvent::kOtaEventRejected, OtaResult::kOtaResultModelInvalid,
                          static_cast<uint32_t>(valid));
  }
  const FileHeader& h = *model.header;
  if (h.model_id != m.model_id || h.model_version != m.model_version || h.file_bytes != m.file_bytes ||
      h.arena_bytes != m.arena_bytes || h.trailer.offset != m.content_bytes ||
      model_verify_hash(model) != Status::kOk) {
    return agent_update_abandon(a, OtaEvent::kOtaEventRejected, OtaResult::kOtaResultIntegrityFailure, 0);
  }
  // The file must carry the signature the manifest announced (TLV 2): the boot check re-verifies
  // it every time the slot is selected.
  uint32_t length = 0;
  const uint8_t* signature = model_find_trailer(model, kTrailerEd25519, &length);
  if (signature == nullptr ||
      (length != 96 || memcmp(signature, m.signature, 64) != 0 || memcmp(signature + 64, m.key_id, 32) != 0)) {
    return agent_update_abandon(a, OtaEvent::kOtaEventRejected, OtaResult::kOtaResultSignatureInvalid, 0);
  }
  agent_publish_event(a, OtaEvent::kOtaEventVerified, OtaResult::kOtaResultInitial, a->state.update_id,
                      m.model_id, m.model_version, 0);
  // Switch: the new slot becomes active on probation; the old one stays valid for revert.
  JournalRecord next = a->state;
  next.state = OtaState::kOtaStateTrial;
  next.slots[target].state = SlotState::kSlotStateTrial;
  next.active_slot = target;
  next.trial_boots = 1;
  AgentStatus s = agent_persist(a, next);
  if (s != AgentStatus::kAgentOk) return s;
  agent_publish_event(a, OtaEvent::kOtaEventTrial, OtaResult::kOtaResultInitial, a->state.update_id,
                      m.model_id, m.model_version, 0);
  return run_trial(a);
}

AgentStatus agent_update_revert(Agent* a) {
  const uint8_t active = a->state.active_slot;
  Model model;
  if (a->state.state != OtaState::kOtaStateIdle || active == kOtaNoSlot ||
      a->state.slots[1 - active].state != SlotState::kSlotStateValid ||
      !agent_slot_check(a, static_cast<uint8_t>(1 - active), a->state.slots[1 - active], &model)) {
    agent_publish_event(a, OtaEvent::kOtaEventRejected, OtaResult::kOtaResultUpdateFailed, 0, 0, 0, 0);
    return AgentStatus::kAgentOk;
  }
  const AgentSlotInfo& previous = a->state.slots[1 - active];
  if (previous.security_counter < a->state.security_counter) {
    // Never below the anti-rollback counter, not even on an operator's command.
    agent_publish_event(a, OtaEvent::kOtaEventRejected, OtaResult::kOtaResultVersionRollback, 0,
                        previous.model_id, previous.model_version, a->state.security_counter);
    return AgentStatus::kAgentOk;
  }
  JournalRecord next = a->state;
  next.active_slot = static_cast<uint8_t>(1 - active);
  // The slot reverted from is given up: a second revert has nothing to go to, so an unsigned
  // command cannot flip slots (one journal record each) for ever; the model comes back only
  // with a new deployment record.
  next.slots[active].state = SlotState::kSlotStateEmpty;
  const AgentStatus s = agent_persist(a, next);
  if (s != AgentStatus::kAgentOk) return s;
  agent_select_model(a);
  const AgentSlotInfo& now_active = a->state.slots[a->state.active_slot];
  agent_publish_event(a, OtaEvent::kOtaEventReverted, OtaResult::kOtaResultSuccess, a->state.last_update_id,
                      now_active.model_id, now_active.model_version, 0);
  agent_publish_status(a);
  return AgentStatus::kAgentOk;
}

AgentStatus agent_trial_end(Agent* a, bool healthy) {
  if (!a->booted || a->state.state != OtaState::kOtaStateTrial || !a->config.app_confirms) {
    return AgentStatus::kAgentErrArgument;
  }
  return agent_trial_finish(a, healthy);
}

namespace {

// At boot outside a trial: counts a reset by a fault or the watchdog against the confirmed model
// that was running (in `next`, the boot's own record: no extra flash operation). True when the
// count reached the limit inside the window.
bool count_confirmed_reset(const Agent* a, JournalRecord* next) {
  const bool watchdog = a->config.reset_by_watchdog && !a->config.reset_by_fault;
  if (!a->config.reset_by_fault && !watchdog) return false;
  if (next->active_slot > 1 || next->slots[next->active_slot].state != SlotState::kSlotStateValid) return false;
  const uint32_t window = a->config.fault_window_boots != 0 ? a->config.fault_window_boots : kAgentFaultWindowBoots;
  const uint8_t limit = a->config.fault_limit != 0 ? a->config.fault_limit : kAgentFaultLimit;
  if ((next->fault_resets == 0 && next->watchdog_resets == 0) || next->boot_count - next->fault_window_boot >= window) {
    next->fault_resets = 0;
    next->watchdog_resets = 0;
    next->fault_window_boot = next->boot_count;
  }
  uint8_t& count = watchdog ? next->watchdog_resets : next->fault_resets;
  if (count < 0xFF) ++count;
  next->last_fault_pc = a->config.fault_pc;
  return static_cast<uint32_t>(next->fault_resets) + next->watchdog_resets >= limit;
}

// The confirmed model reached the fault limit: back to the previous model in the boot's record, if
// that slot is valid, passes its check and is not below the security counter (as a revert command).
// The slot reverted from is given up, so a model that faults for reasons of its own is left at
// most once. False (nothing written) when there is nothing to go back to.
bool revert_faulting_model(Agent* a, JournalRecord* next) {
  const uint8_t active = next->active_slot, previous = static_cast<uint8_t>(1 - active);
  const AgentSlotInfo& p = next->slots[previous];
  Model model;
  if (next->state != OtaState::kOtaStateIdle || p.state != SlotState::kSlotStateValid ||
      p.security_counter < next->security_counter || !agent_slot_check(a, previous, p, &model)) {
    return false;
  }
  const bool watchdog = a->config.reset_by_watchdog && !a->config.reset_by_fault;
  next->active_slot = previous;
  next->slots[active].state = SlotState::kSlotStateEmpty;
  next->last_result = watchdog ? OtaResult::kOtaResultConfirmedWatchdog : OtaResult::kOtaResultConfirmedFaults;
  return true;
}

}  // namespace

AgentStatus agent_update_resume_at_boot(Agent* a) {
  JournalRecord next = a->state;
  ++next.boot_count;
  const OtaState state = a->state.state;
  if (state != OtaState::kOtaStateTrial && count_confirmed_reset(a, &next)) {
    const uint8_t from = next.active_slot;
    const AgentSlotInfo faulting = next.slots[from];
    if (revert_faulting_model(a, &next)) {
      const AgentStatus s = agent_persist(a, next);
      if (s != AgentStatus::kAgentOk) return s;
      agent_publish_event(a, OtaEvent::kOtaEventReverted, next.last_result, next.last_update_id,
                          faulting.model_id, faulting.model_version, a->config.fault_pc);
      return AgentStatus::kAgentOk;
    }
    a->port->log("agent: the confirmed model reached the fault limit; no previous model to revert to");
  }
  if (state == OtaState::kOtaStateIdle) return agent_persist(a, next);
  const bool manifest_ok = agent_update_load_manifest(a);
  if (state == OtaState::kOtaStateTrial) {
    // A boot in trial means the last trial did not finish (power cut, crash, watchdog). A reset
    // by a fault handler or the watchdog is the model's doing (the firmware and its turn budget
    // are the confirmed model's; no power cut raises either; docs/agent.md "Resets on trial"):
    // reverted without a retry. Only a reset of no recorded cause is retried.
    const bool faulted = a->config.reset_by_fault;
    const bool stalled = a->config.reset_by_watchdog && !faulted;
    if (manifest_ok && !faulted && !stalled && next.trial_boots < kAgentMaxTrialBoots) {
      ++next.trial_boots;
      const AgentStatus s = agent_persist(a, next);
      if (s != AgentStatus::kAgentOk) return s;
      return run_trial(a);
    }
    const uint8_t target = next.target_slot, previous = static_cast<uint8_t>(1 - target);
    next.slots[target].state = SlotState::kSlotStateEmpty;
    next.active_slot = next.slots[previous].state == SlotState::kSlotStateValid ? previous : kOtaNoSlot;
    next.state = OtaState::kOtaStateIdle;
    next.last_result = faulted   ? OtaResult::kOtaResultTrialFault
                       : stalled ? OtaResult::kOtaResultTrialWatchdog
                                 : OtaResult::kOtaResultSelfTestFailed;
    next.last_update_id = next.update_id;
    next.trial_boots = 0;
    const AgentStatus s = agent_persist(a, next);
    if (s != AgentStatus::kAgentOk) return s;
    agent_publish_event(a, OtaEvent::kOtaEventReverted, next.last_result, next.update_id,
                        next.slots[target].model_id, next.slots[target].model_version,
                        faulted || stalled ? a->config.fault_pc : 0);
    return AgentStatus::kAgentOk;
  }
  AgentStatus s = agent_persist(a, next);  // counts the boot
  if (s != AgentStatus::kAgentOk) return s;
  if (!manifest_ok) return agent_update_abandon(a, OtaEvent::kOtaEventCancelled, OtaResult::kOtaResultUpdateFailed, 0);
  if (state == OtaState::kOtaStateErasing) return agent_update_erase_and_download(a);
  s = agent_update_load_progress(a);
  if (s != AgentStatus::kAgentOk) return s;
  // Power was cut after the last chunk's marker but before verification.
  if (a->confirmed_chunks == a->chunk_count) return agent_update_verify(a);
  return AgentStatus::kAgentOk;
}

}  // namespace tmf
