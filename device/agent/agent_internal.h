// Helpers shared by agent.cc (lifecycle, messages, status) and agent_update.cc (the update state
// machine). Not part of the agent's interface.
#pragma once

#include "agent.h"

namespace tmf {

// Appends `next` to the journal and makes it the state in force.
AgentStatus agent_persist(Agent* agent, const JournalRecord& next);

void agent_publish_event(Agent* agent, OtaEvent event, OtaResult result, uint32_t update_id,
                         uint32_t model_id, uint32_t model_version, uint32_t detail);
void agent_publish_status(Agent* agent);

// Validates the model in `slot` in place, checks its trailer hash, that its header matches
// `info` and that its TLV 2 signature verifies with a trusted key. On success fills `model`.
bool agent_slot_check(Agent* agent, uint8_t slot, const AgentSlotInfo& info, Model* model);
// Picks the model to run from the state in force (falling back to the other valid slot if the
// active one fails its check). kAgentErrNoModel when there is none.
AgentStatus agent_select_model(Agent* agent);

// True if `signature` (64 bytes) || key id (32 bytes) verifies `message` with a trusted key.
bool agent_signature_ok(Agent* agent, const uint8_t* signature_and_key_id, const uint8_t* message,
                        uint32_t message_bytes);

// Constant-time comparison of two SHA-256 digests (no early exit).
inline bool agent_digest_equal(const uint8_t* a, const uint8_t* b) {
  uint8_t difference = 0;
  for (uint32_t i = 0; i < 32; ++i) difference |= static_cast<uint8_t>(a[i] ^ b[i]);
  return difference == 0;
}

// Update state machine: the download (agent_update.cc) and verification, trial, confirm/revert and
// boot resume (agent_trial.cc).
AgentStatus agent_update_on_manifest(Agent* agent, const uint8_t* data, size_t bytes);
AgentStatus agent_update_on_chunk(Agent* agent, const uint8_t* data, size_t bytes);
AgentStatus agent_update_cancel(Agent* agent, uint32_t update_id);
AgentStatus agent_update_revert(Agent* agent);
// At boot: continue erasing/downloading, or settle a trial (self-test, confirm or revert).
AgentStatus agent_update_resume_at_boot(Agent* agent);
// Ends the trial in force: confirm (slot valid, floor raised) or revert (result 13).
AgentStatus agent_trial_finish(Agent* agent, bool passed);
// Re-sends requests that timed out and fills the request window.
AgentStatus agent_update_poll(Agent* agent);
// Forgets outstanding requests and requests afresh (after a reconnect or a repeated manifest).
void agent_update_restart_requests(Agent* agent);

// Shared by the two halves (agent_update.cc):
// Ends the update in force without installing it (target slot empty, EVENT and STATUS published).
AgentStatus agent_update_abandon(Agent* agent, OtaEvent event, OtaResult result, uint32_t detail);
// Reads the update area's manifest copy of the update in force into agent->manifest; false if it is
// not the one the journal names.
bool agent_update_load_manifest(Agent* agent);
// Rebuilds the bitmap of persisted chunks from their markers.
AgentStatus agent_update_load_progress(Agent* agent);
// Erases the target slot's sectors, records DOWNLOADING and loads the progress.
AgentStatus agent_update_erase_and_download(Agent* agent);
// (agent_trial.cc) Every chunk is persisted: checks the slot against the manifest and starts the trial.
AgentStatus agent_update_verify(Agent* agent);

}  // namespace tmf
