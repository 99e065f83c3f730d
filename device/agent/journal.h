// The agent's persistent state: fixed 128-byte records appended to two flash sectors used in
// turn (docs/agent.md, "Power-loss argument"). The record with the highest sequence number whose
// magic and CRC-32 check is the state; a torn write fails its CRC and the previous record stays
// in force. A sector is erased only when every record in force lies in the other one.
//
// Record layout (little-endian):
//   0 u32 magic "TMJ2" | 4 u32 sequence | 8 u8 state | 9 u8 active_slot | 10 u8 target_slot
//   11 u8 last_result | 12 u8 trial_boots | 13 u8 slot_state[2] | 15 u8 0 | 16 u32 last_update_id
//   20 {u32 model_id, u32 model_version, u32 file_bytes}[2] | 44 u32 update_id
//   48 u8 manifest_sha256[32] | 80 u32 chunk_bytes | 84 u32 boot_count
//   88 u32 security_counter | 92 u32 accepted_sequence | 96 u32 slot_counter[2] | 104 u32 incarnation
//   108 u8 fault_resets | 109 u8 watchdog_resets | 110 u8[2] 0 | 112 u32 fault_window_boot
//   116 u32 last_fault_pc | 120 u8[4] 0
//   124 u32 crc32 of bytes [0, 124)
// A "TMJ1" record (before deployment records) is read with counter, sequence and slot counters 0
// (its 4-entry floor table at 88 is dropped: the first deployment record re-establishes both).
// A TMJ2 record written before incarnation ids has 0 at 104: the journal keeps incarnation 0.
// One written before the fault counters has 0 at 108..119: no fault counted yet.
#pragma once

#include <stdint.h>

#include "agent_status.h"
#include "device/agent/protocol.h"
#include "device/port/port.h"
#include "flash_layout.h"

namespace tmf {

constexpr uint32_t kAgentJournalMagic = 0x324A4D54;    // "TMJ2"
constexpr uint32_t kAgentJournalMagicV1 = 0x314A4D54;  // "TMJ1", read only

enum class SlotState : uint8_t {
  kSlotStateEmpty = 0,  // may be erased and written
  kSlotStateValid = 1,  // holds a verified model; never written while in this state
  kSlotStateTrial = 2,  // verified, active on probation until its self-test confirms it
};

struct AgentSlotInfo {
  SlotState state;
  uint32_t model_id;
  uint32_t model_version;
  uint32_t file_bytes;
  uint32_t security_counter;  // from the deployment record that installed the slot
};

struct JournalRecord {
  uint32_t sequence;
  OtaState state;          // idle, erasing, downloading or trial (never verifying)
  uint8_t active_slot;     // kOtaNoSlot when no model
  uint8_t target_slot;     // slot being erased/written/tried
  OtaResult last_result;
  uint8_t trial_boots;
  uint32_t last_update_id;
  AgentSlotInfo slots[2];
  uint32_t update_id;      // the update in progress (state != idle)
  uint8_t manifest_sha256[32];  // of the manifest copy in the update area
  uint32_t chunk_bytes;    // chunk size the download uses (markers count chunks)
  uint32_t boot_count;
  // Anti-rollback: the highest security counter of a confirmed model. No model below it is
  // activated (install, revert, boot fallback).
  uint32_t security_counter;
  // Replay protection: the highest deployment record sequence accepted (persisted with the
  // record of ERASING, before the first erase).
  uint32_t accepted_sequence;
  // Drawn once when the agent starts on a blank journal, never changed afterwards: telemetry batch
  // keys are (incarnation, boot_count, seq), so a device whose journal was erased (boot_count
  // back to 1) does not repeat the keys of its earlier life. 0: a journal older than this field.
  uint32_t incarnation;
  // Resets of the device while the active model was confirmed, counted by the boot after each
  // (agent.h, kAgentFaultLimit): by a fault handler's record and by the watchdog, since the boot
  // fault_window_boot; last_fault_pc is the PC of the latest. Zeroed whenever the active slot
  // changes: they always describe the model that runs.
  uint8_t fault_resets;
  uint8_t watchdog_resets;
  uint32_t fault_window_boot;
  uint32_t last_fault_pc;
};

struct Journal {
  Port* port;
  AgentFlashLayout layout;
  uint32_t sequence;      // of the record in force
  uint32_t write_sector;  // 0 or 1: where the next record goes
  uint32_t write_index;   // record index in that sector; == records per sector: sector full
};

// A factory-fresh state: no model, idle, counter and sequence 0.
void journal_record_default(JournalRecord* record);
void journal_record_encode(const JournalRecord& record, uint8_t out[kAgentJournalRecordBytes]);
// False if magic or CRC do not match (torn, erased or foreign bytes).
bool journal_record_decode(const uint8_t in[kAgentJournalRecordBytes], JournalRecord* record);

// Scans both journal sectors. *found is false on a blank journal (record is then the default).
AgentStatus journal_load(Journal* journal, Port* port, const AgentFlashLayout& layout,
                         JournalRecord* record, bool* found);
// Writes `record` as the new state (sequence assigned here). On kAgentErrFlash the previous
// record may still be in force: the caller must treat the state as unknown until the next boot.
AgentStatus journal_append(Journal* journal, JournalRecord* record);

}  // namespace tmf
