// The agent's state journal (journal.h).
#include "journal.h"

#include <string.h>

namespace tmf {
namespace {

constexpr uint32_t kCrcBytes = kAgentJournalRecordBytes - 4;

void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t get_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

uint32_t records_per_sector(const AgentFlashLayout& layout) {
  return layout.sector_bytes / kAgentJournalRecordBytes;
}

uint32_t record_offset(const AgentFlashLayout& layout, uint32_t sector, uint32_t index) {
  return layout.journal_offset + sector * layout.sector_bytes + index * kAgentJournalRecordBytes;
}

bool all_erased(const uint8_t* p, uint32_t bytes) {
  for (uint32_t i = 0; i < bytes; ++i) {
    if (p[i] != 0xFF) return false;
  }
  return true;
}

}  // namespace

void journal_record_default(JournalRecord* r) {
  memset(r, 0, sizeof(*r));
  r->state = OtaState::kOtaStateIdle;
  r->active_slot = kOtaNoSlot;
  r->target_slot = kOtaNoSlot;
  r->last_result = OtaResult::kOtaResultInitial;
  for (AgentSlotInfo& s : r->slots) s.state = SlotState::kSlotStateEmpty;
}

void journal_record_encode(const JournalRecord& r, uint8_t out[kAgentJournalRecordBytes]) {
  memset(out, 0, kAgentJournalRecordBytes);
  put_u32(out + 0, kAgentJournalMagic);
  put_u32(out + 4, r.sequence);
  out[8] = static_cast<uint8_t>(r.state);
  out[9] = r.active_slot;
  out[10] = r.target_slot;
  out[11] = static_cast<uint8_t>(r.last_result);
  out[12] = r.trial_boots;
  out[13] = static_cast<uint8_t>(r.slots[0].state);
  out[14] = static_cast<uint8_t>(r.slots[1].state);
  put_u32(out + 16, r.last_update_id);
  for (uint32_t s = 0; s < 2; ++s) {
    put_u32(out + 20 + 12 * s, r.slots[s].model_id);
    put_u32(out + 24 + 12 * s, r.slots[s].model_version);
    put_u32(out + 28 + 12 * s, r.slots[s].file_bytes);
  }
  put_u32(out + 44, r.update_id);
  memcpy(out + 48, r.manifest_sha256, 32);
  put_u32(out + 80, r.chunk_bytes);
  put_u32(out + 84, r.boot_count);
  put_u32(out + 88, r.security_counter);
  put_u32(out + 92, r.accepted_sequence);
  put_u32(out + 96, r.slots[0].security_counter);
  put_u32(out + 100, r.slots[1].security_counter);
  put_u32(out + 104, r.incarnation);
  out[108] = r.fault_resets;
  out[109] = r.watchdog_resets;
  put_u32(out + 112, r.fault_window_boot);
  put_u32(out + 116, r.last_fault_pc);
  put_u32(out + kCrcBytes, ota_crc32(0, out, kCrcBytes));
}

bool journal_record_decode(const uint8_t in[kAgentJournalRecordBytes], JournalRecord* r) {
  const uint32_t magic = get_u32(in);
  if (magic != kAgentJournalMagic && magic != kAgentJournalMagicV1) return false;
  if (get_u32(in + kCrcBytes) != ota_crc32(0, in, kCrcBytes)) return false;
  // A record with a good CRC was written by this code, but check ranges anyway: the state
  // machine indexes slots with these bytes.
  if (in[8] > static_cast<uint8_t>(OtaState::kOtaStateTrial) ||
      in[8] == static_cast<uint8_t>(OtaState::kOtaStateVerifying)) {
    return false;
  }
  if ((in[9] > 1 && in[9] != kOtaNoSlot) || (in[10] > 1 && in[10] != kOtaNoSlot) || in[13] > 2 ||
      in[14] > 2) {
    return false;
  }
  journal_record_default(r);
  r->sequence = get_u32(in + 4);
  r->state = static_cast<OtaState>(in[8]);
  r->active_slot = in[9];
  r->target_slot = in[10];
  r->last_result = static_cast<OtaResult>(in[11]);
  r->trial_boots = in[12];
  r->slots[0].state = static_cast<SlotState>(in[13]);
  r->slots[1].state = static_cast<SlotState>(in[14]);
  r->last_update_id = get_u32(in + 16);
  for (uint32_t s = 0; s < 2; ++s) {
    r->slots[s].model_id = get_u32(in + 20 + 12 * s);
    r->slots[s].model_version = get_u32(in + 24 + 12 * s);
    r->slots[s].file_bytes = get_u32(in + 28 + 12 * s);
  }
  r->update_id = get_u32(in + 44);
  memcpy(r->manifest_sha256, in + 48, 32);
  r->chunk_bytes = get_u32(in + 80);
  r->boot_count = get_u32(in + 84);
  if (magic == kAgentJournalMagic) {
    r->security_counter = get_u32(in + 88);
    r->accepted_sequence = get_u32(in + 92);
    r->slots[0].security_counter = get_u32(in + 96);
    r->slots[1].security_counter = get_u32(in + 100);
    r->incarnation = get_u32(in + 104);
    r->fault_resets = in[108];
    r->watchdog_resets = in[109];
    r->fault_window_boot = get_u32(in + 112);
    r->last_fault_pc = get_u32(in + 116);
  }
  return true;
}

AgentStatus journal_load(Journal* j, Port* port, const AgentFlashLayout& layout,
                         JournalRecord* record, bool* found) {
  if (j == nullptr || port == nullptr || record == nullptr || found == nullptr) {
    return AgentStatus::kAgentErrArgument;
  }
  j->port = port;
  j->layout = layout;
  const uint32_t per_sector = records_per_sector(layout);
  // Blank journal: the first append erases sector 0 (flash is not assumed erased at the factory).
  j->sequence = 0;
  j->write_sector = 1;
  j->write_index = per_sector;
  *found = false;
  journal_record_default(record);
  uint8_t bytes[kAgentJournalRecordBytes];
  for (uint32_t sector = 0; sector < 2; ++sector) {
    for (uint32_t index = 0; index < per_sector; ++index) {
      if (port->flash_read(record_offset(layout, sector, index), bytes, sizeof(bytes)) !=
          PortStatus::kPortOk) {
        return AgentStatus::kAgentErrFlash;
      }
      JournalRecord candidate;
      if (!journal_record_decode(bytes, &candidate)) continue;
      if (*found && candidate.sequence <= j->sequence) continue;
      *found = true;
      *record = candidate;
      j->sequence = candidate.sequence;
      j->write_sector = sector;
      j->write_index = index + 1;
    }
  }
  return AgentStatus::kAgentOk;
}

AgentStatus journal_append(Journal* j, JournalRecord* record) {
  const uint32_t per_sector = records_per_sector(j->layout);
  record->sequence = j->sequence + 1;
  uint8_t bytes[kAgentJournalRecordBytes];
  journal_record_encode(*record, bytes);
  uint8_t existing[kAgentJournalRecordBytes];
  for (;;) {
    if (j->write_index >= per_sector) {
      // The record in force is in write_sector (or there is none): the other sector holds only
      // older records, so erasing it (even if cut half-way) loses nothing in force.
      const uint32_t other = 1 - j->write_sector;
      if (j->port->flash_erase_sector(record_offset(j->layout, other, 0)) != PortStatus::kPortOk) {
        return AgentStatus::kAgentErrFlash;
      }
      j->write_sector = other;
      j->write_index = 0;
    }
    const uint32_t offset = record_offset(j->layout, j->write_sector, j->write_index);
    if (j->port->flash_read(offset, existing, sizeof(existing)) != PortStatus::kPortOk) {
      return AgentStatus::kAgentErrFlash;
    }
    // Skip a place a torn write left dirty: it can only be programmed after an erase.
    if (!all_erased(existing, sizeof(existing))) {
      ++j->write_index;
      continue;
    }
    const PortStatus written = j->port->flash_write(offset, bytes, sizeof(bytes));
    ++j->write_index;
    if (written != PortStatus::kPortOk) return AgentStatus::kAgentErrFlash;
    j->sequence = record->sequence;
    return AgentStatus::kAgentOk;
  }
}

}  // namespace tmf
