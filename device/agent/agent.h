// The device agent: A/B model slots and the over-the-air update state machine (docs/agent.md),
// speaking docs/protocol.md through a Port. Freestanding: the caller owns the Agent object (no
// heap, no global constructors) and the model arena.
//
//   agent_boot()       once after power-up: loads the journal, finishes or reverts what a power
//                      loss interrupted, picks and verifies the model to run.
//   agent_on_connect() after every (re)connect: publishes info/status/presence, resumes requests.
//   agent_on_message() for every message on manifest/chunk/cmd.
//   agent_poll()       periodically: re-requests chunks that did not arrive, gives up on silence.
//   agent_model()      the validated, hash-checked model to run (null if none).
//
// After any kAgentErrFlash (power lost mid-operation) the in-RAM state may disagree with flash:
// the platform must reboot (agent_boot) before using the agent again.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "agent_status.h"
#include "device/agent/protocol.h"
#include "device/port/port.h"
#include "device/runtime/model.h"
#include "flash_layout.h"
#include "journal.h"

namespace tmf {

// A build for a small part may set TMF_AGENT_MAX_WINDOW (chunk requests outstanding) and
// TMF_AGENT_MAX_KEYS (trusted keys) below the protocol's limits: each costs RAM in Agent.
#ifndef TMF_AGENT_MAX_WINDOW
#define TMF_AGENT_MAX_WINDOW 16
#endif
#ifndef TMF_AGENT_MAX_KEYS
#define TMF_AGENT_MAX_KEYS kOtaMaxKeys
#endif
constexpr uint32_t kAgentMaxWindow = TMF_AGENT_MAX_WINDOW;
constexpr uint32_t kAgentMaxKeys = TMF_AGENT_MAX_KEYS;
static_assert(kAgentMaxKeys >= 1 && kAgentMaxKeys <= kOtaMaxKeys, "TMF_AGENT_MAX_KEYS: 1..kOtaMaxKeys");
constexpr uint8_t kAgentMaxTrialBoots = 2;  // boots into an unconfirmed model before reverting
// 2: requires signed deployment records; 3: accepts package type 2 (the self-test input derived
// from the content hash, for models whose inputs exceed a MANIFEST's golden input).
constexpr uint32_t kAgentVersion = 3;
// A confirmed model that resets the device (a fault handler's record or the watchdog, reported
// by the port at boot) kAgentFaultLimit times within kAgentFaultWindowBoots boots is reverted to
// the previous model, if that slot still holds one (result 23 or 24, docs/porting.md). 3: one
// reset may be the environment's (ESD, a brown-out that corrupted a register) and a second may
// coincide with it, while a revert is final (the slot is given up); a third inside the window
// makes the model the likely cause. 10 boots: consecutive fault boots reach the limit on the
// third, while faults scattered among many ordinary boots (power cycles, reboots) do not add up.
// Chosen by that argument, not tuned on field data (there is none here).
constexpr uint8_t kAgentFaultLimit = 3;
constexpr uint32_t kAgentFaultWindowBoots = 10;

struct AgentConfig {
  const char* core;             // e.g. "cortex-m4" (INFO)
  const char* group;            // rollout group / device class (INFO); deployment records must name it
  const char* fleet;            // the fleet the device belongs to; deployment records must name it
  uint8_t* arena;               // 16-byte aligned RAM for the model's activations
  uint32_t arena_bytes;
  const uint8_t (*trusted_keys)[32];  // Ed25519 public keys; key id = SHA-256(key)
  uint32_t trusted_key_count;   // ≤ kAgentMaxKeys (kOtaMaxKeys unless a small build lowers it)
  uint32_t max_chunk_bytes;     // largest chunk requested (≤ kOtaMaxChunkBytes)
  uint32_t window;              // chunk requests outstanding at once (1..kAgentMaxWindow)
  uint32_t request_timeout_ms;  // re-request a chunk after this silence
  uint32_t give_up_ms;          // report "connection lost" after this long without a chunk
  // false: a trial is confirmed as soon as the self-test passes. true: the model then runs on
  // probation until the application calls agent_trial_end() (e.g. after N healthy windows under a
  // watchdog); a fault or watchdog reset during probation reverts at once, a reset of no recorded
  // cause (power) retries the trial once, then reverts (docs/agent.md "Resets on trial").
  bool app_confirms;
  // The port's account of why the device last reset: true when a fault handler (HardFault: bad
  // memory access, undefined instruction...) reset it and left a record that survived the reset;
  // fault_pc is the faulting instruction's address. A boot in TRIAL after a fault reverts at once
  // (kOtaResultTrialFault, the EVENT's detail = fault_pc) instead of retrying the trial.
  bool reset_by_fault;
  uint32_t fault_pc;
  // true when the watchdog reset the device (its handler left a record; fault_pc is then the
  // interrupted PC). On trial a watchdog reset reverts at once like a fault (kOtaResultTrialWatchdog,
  // detail = fault_pc: the turn budget the watchdog enforces is the confirmed firmware's, only the
  // model is new); on a confirmed model both kinds count towards kAgentFaultLimit.
  bool reset_by_watchdog;
  uint8_t fault_limit;          // 0: kAgentFaultLimit
  uint32_t fault_window_boots;  // 0: kAgentFaultWindowBoots
};

struct AgentOutstanding {
  uint32_t chunk;    // chunk index
  uint32_t sent_ms;  // when it was (re-)requested
};

// The largest MANIFEST the agent keeps in RAM: the protocol's largest unless a build for a small
// part sets TMF_AGENT_MAX_MANIFEST_BYTES (264 fixed + the golden input, the model's inputs for one
// window + 256 record bytes). A larger manifest is refused with kOtaResultOutOfRam.
#ifndef TMF_AGENT_MAX_MANIFEST_BYTES
#define TMF_AGENT_MAX_MANIFEST_BYTES kOtaMaxManifestBytes
#endif
constexpr uint32_t kAgentMaxManifestBytes = TMF_AGENT_MAX_MANIFEST_BYTES;
static_assert(kAgentMaxManifestBytes >= kOtaManifestFixedBytes + kOtaDeployRecordBytes &&
                  kAgentMaxManifestBytes <= kOtaMaxManifestBytes,
              "TMF_AGENT_MAX_MANIFEST_BYTES: between a manifest without golden input and the protocol's largest");

// A build for a small part sets TMF_AGENT_MANIFEST_IN_FLASH=1: the agent keeps no RAM copy of the
// MANIFEST and reads it where it stores it anyway, in the update area, through Port::flash_map
// (kAgentMaxManifestBytes still bounds what it accepts). The port must map the update area:
// agent_boot fails with kAgentErrLayout otherwise.
#ifndef TMF_AGENT_MANIFEST_IN_FLASH
#define TMF_AGENT_MANIFEST_IN_FLASH 0
#endif

struct Agent {
  Port* port;
  AgentConfig config;
  AgentFlashLayout layout;
  Journal journal;
  JournalRecord state;  // the record in force
  bool booted;
  bool connected;
  bool has_model;
  Model model;          // valid when has_model
  uint32_t inference_count;
  // The update in progress (state erasing/downloading/trial): its manifest, read back from the
  // update area, and download bookkeeping.
#if !TMF_AGENT_MANIFEST_IN_FLASH
  uint8_t manifest_bytes[kAgentMaxManifestBytes];
#endif
  uint32_t manifest_size;
  OtaManifest manifest;
  uint32_t chunk_count;
  uint32_t confirmed_chunks;
  // Chunks that arrived after they were persisted (the device drops the copy): a request timed
  // out while its chunk was still in flight, so it came twice. Since boot; for link benchmarks.
  uint32_t chunks_received_again;
  // Requests the device sent for chunks it had already persisted (the protocol says never: the
  // sender answers requests only, so this counts confirmed chunks that could be re-sent). Since boot.
  uint32_t confirmed_chunks_requested;
  uint8_t confirmed[kAgentMaxChunks / 8];
  AgentOutstanding outstanding[kAgentMaxWindow];
  uint32_t outstanding_count;
  uint32_t next_chunk;       // scan cursor for chunks not yet requested
  uint32_t last_chunk_ms;    // last useful chunk (for give_up_ms)
  bool gave_up;
  uint8_t key_ids[kAgentMaxKeys][32];  // SHA-256 of each trusted key
  bool reboot_requested;     // COMMAND reboot: the platform reboots when it sees this
  // An event decided at boot (confirm/revert of a trial), published on the next connect.
  bool pending_event;
  OtaEventMessage pending;
};

// Loads state and selects the model. `agent` may be uninitialized memory. kAgentErrNoModel is
// not a failure of the agent (a fresh device has no model): it still takes updates.
AgentStatus agent_boot(Agent* agent, Port* port, const AgentConfig& config);

AgentStatus agent_on_connect(Agent* agent);
void agent_on_disconnect(Agent* agent);
AgentStatus agent_on_message(Agent* agent, OtaTopic topic, const uint8_t* data, size_t bytes);
AgentStatus agent_poll(Agent* agent);

// With config.app_confirms: ends the trial that passed its self-test. healthy: confirm (EVENT
// confirmed); otherwise revert to the previous model (EVENT reverted, result 13). kAgentErrArgument
// when no trial is in force.
AgentStatus agent_trial_end(Agent* agent, bool healthy);
// True while a model runs on probation (state TRIAL).
inline bool agent_in_trial(const Agent* agent) { return agent->state.state == OtaState::kOtaStateTrial; }

// The model to run, or null.
const Model* agent_model(const Agent* agent);

// Runs the active model once on `input` (the graph inputs' bytes concatenated) and writes the
// outputs' bytes to `output`; counts the inference. Returns false without a model or on error.
bool agent_infer(Agent* agent, const uint8_t* input, uint32_t input_bytes, uint8_t* output,
                 uint32_t output_bytes, uint32_t* written);

// The STATUS message fields for this state.
OtaStatusMessage agent_status_message(const Agent* agent);

// Runs `model` on `input` in `arena` and SHA-256s the outputs (the self-test digest; the host
// computes the golden digest the same way). False if the input size or the run is wrong.
bool agent_model_digest(const Model& model, uint8_t* arena, uint32_t arena_bytes,
                        const uint8_t* input, uint32_t input_bytes, uint8_t digest[32]);
// The same on the derived golden input of package type 2 (ota_golden_input_fill from
// `content_sha256`), written straight into the model's input tensors: no RAM beyond the arena.
bool agent_model_digest_derived(const Model& model, uint8_t* arena, uint32_t arena_bytes,
                                const uint8_t content_sha256[32], uint8_t digest[32]);

}  // namespace tmf
