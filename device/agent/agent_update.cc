// The download half of the over-the-air update (docs/agent.md): manifest checks before anything
// is written, the manifest's copy in the update area, erase, chunk requests and writes with their
// markers, cancel. Verification, trial, confirm/revert and what a boot resumes are agent_trial.cc.
// Invariant: a slot is erased or written only while the record in force marks it empty, so a power
// cut at any flash operation leaves a verified model wherever the journal says one is.
#include <string.h>

#include "agent_internal.h"
#include "device/runtime/kernel.h"
#include "device/runtime/sha256.h"

namespace tmf {
namespace {


uint32_t align_up(uint32_t v, uint32_t a) { return (v + a - 1) / a * a; }
bool bit_get(const uint8_t* bits, uint32_t i) { return ((bits[i / 8] >> (i % 8)) & 1u) != 0; }
void bit_set(uint8_t* bits, uint32_t i) { bits[i / 8] = static_cast<uint8_t>(bits[i / 8] | (1u << (i % 8))); }

bool all_erased(const uint8_t* p, uint32_t bytes) {
  for (uint32_t i = 0; i < bytes; ++i) {
    if (p[i] != 0xFF) return false;
  }
  return true;
}

uint32_t chunk_length(const Agent* a, uint32_t index) {
  const uint32_t c = a->state.chunk_bytes;
  const uint32_t start = index * c;
  return a->manifest.file_bytes - start < c ? a->manifest.file_bytes - start : c;
}

uint32_t marker_offset(const Agent* a, uint32_t index) {
  return a->layout.markers_offset + index * a->layout.write_bytes;
}

// The device's chunk size for `m`: at most what both sides allow, a multiple of 16 and of the
// write granule, and large enough that one marker per chunk fits the update area. 0 if none.
uint32_t choose_chunk_bytes(const Agent* a, const OtaManifest& m) {
  const uint32_t unit = a->layout.write_bytes > 16 ? a->layout.write_bytes : 16;
  uint32_t c = a->config.max_chunk_bytes < m.chunk_bytes ? a->config.max_chunk_bytes : m.chunk_bytes;
  c = c / unit * unit;
  if (c == 0) return 0;
  const uint32_t count = (m.file_bytes + c - 1) / c;
  return count <= a->layout.marker_capacity ? c : 0;
}

// Writes `bytes` at `offset`, the last partial granule padded with 0xFF.
AgentStatus write_padded(Agent* a, uint32_t offset, const uint8_t* data, uint32_t bytes) {
  const uint32_t granule = a->layout.write_bytes;
  const uint32_t whole = bytes / granule * granule;
  if (whole > 0 && a->port->flash_write(offset, data, whole) != PortStatus::kPortOk) {
    return AgentStatus::kAgentErrFlash;
  }
  if (whole < bytes) {
    uint8_t tail[32];
    memset(tail, 0xFF, sizeof(tail));
    memcpy(tail, data + whole, bytes - whole);
    if (a->port->flash_write(offset + whole, tail, granule) != PortStatus::kPortOk) {
      return AgentStatus::kAgentErrFlash;
    }
  }
  return AgentStatus::kAgentOk;
}

AgentStatus erase_range(Agent* a, uint32_t offset, uint32_t bytes) {
  for (uint32_t at = 0; at < bytes; at += a->layout.sector_bytes) {
    if (a->port->flash_erase_sector(offset + at) != PortStatus::kPortOk) return AgentStatus::kAgentErrFlash;
  }
  return AgentStatus::kAgentOk;
}

// The manifest copy in the update area, `length` bytes: read into the agent's RAM copy, or
// (TMF_AGENT_MANIFEST_IN_FLASH) where it lies, mapped. Null on a read failure.
const uint8_t* manifest_copy(Agent* a, uint32_t length) {
#if TMF_AGENT_MANIFEST_IN_FLASH
  return a->port->flash_map(a->layout.update_offset + 32, length);
#else
  if (a->port->flash_read(a->layout.update_offset + 32, a->manifest_bytes, length) != PortStatus::kPortOk) {
    return nullptr;
  }
  return a->manifest_bytes;
#endif
}

}  // namespace

// Reads the manifest copy of the update in force back from the update area and checks it is
// the one the journal names.
bool agent_update_load_manifest(Agent* a) {
  uint8_t length_bytes[4];
  if (a->port->flash_read(a->layout.update_offset, length_bytes, 4) != PortStatus::kPortOk) return false;
  const uint32_t length = length_bytes[0] | (length_bytes[1] << 8) | (length_bytes[2] << 16) |
                          (static_cast<uint32_t>(length_bytes[3]) << 24);
  if (length < kOtaManifestFixedBytes || length > kAgentMaxManifestBytes) return false;
  const uint8_t* copy = manifest_copy(a, length);
  if (copy == nullptr) return false;
  uint8_t digest[32];
  sha256(copy, length, digest);
  if (!agent_digest_equal(digest, a->state.manifest_sha256)) return false;
  a->manifest_size = length;
  return ota_manifest_decode(copy, length, &a->manifest) == OtaDecodeStatus::kOtaDecodeOk &&
         a->state.chunk_bytes > 0;
}

// Rebuilds the RAM bitmap of persisted chunks from the markers.
AgentStatus agent_update_load_progress(Agent* a) {
  const uint32_t c = a->state.chunk_bytes;
  a->chunk_count = (a->manifest.file_bytes + c - 1) / c;
  if (a->chunk_count > a->layout.marker_capacity) return AgentStatus::kAgentErrArgument;
  memset(a->confirmed, 0, sizeof(a->confirmed));
  a->confirmed_chunks = 0;
  uint8_t marker[32];
  for (uint32_t i = 0; i < a->chunk_count; ++i) {
    if (a->port->flash_read(marker_offset(a, i), marker, a->layout.write_bytes) != PortStatus::kPortOk) {
      return AgentStatus::kAgentErrFlash;
    }
    // A marker is written only after its chunk's data: any programmed bit (even a torn marker
    // write) means the data is complete.
    if (!all_erased(marker, a->layout.write_bytes)) {
      bit_set(a->confirmed, i);
      ++a->confirmed_chunks;
    }
  }
  a->outstanding_count = 0;
  a->next_chunk = 0;
  a->last_chunk_ms = a->port->clock_ms();
  a->gave_up = false;
  return AgentStatus::kAgentOk;
}

// Ends the update in force without installing it: the target slot is empty, the active model
// (if any) is untouched.
AgentStatus agent_update_abandon(Agent* a, OtaEvent event, OtaResult result, uint32_t detail) {
  JournalRecord next = a->state;
  const uint32_t update_id = next.update_id;
  // The ids the update's ERASING record gave the target slot (= its manifest's): with
  // TMF_AGENT_MANIFEST_IN_FLASH a->manifest may already hold the manifest that replaces it.
  const bool target_ok = next.target_slot <= 1;
  const uint32_t model_id = target_ok ? next.slots[next.target_slot].model_id : a->manifest.model_id;
  const uint32_t version = target_ok ? next.slots[next.target_slot].model_version : a->manifest.model_version;
  if (next.target_slot <= 1) next.slots[next.target_slot].state = SlotState::kSlotStateEmpty;
  next.state = OtaState::kOtaStateIdle;
  next.last_result = result;
  next.last_update_id = update_id;
  next.trial_boots = 0;
  const AgentStatus s = agent_persist(a, next);
  if (s != AgentStatus::kAgentOk) return s;
  a->outstanding_count = 0;
  agent_publish_event(a, event, result, update_id, model_id, version, detail);
  agent_publish_status(a);
  return AgentStatus::kAgentOk;
}

namespace {

AgentStatus send_requests(Agent* a, const uint32_t* chunks, uint32_t count, uint32_t now) {
  if (count == 0 || !a->connected) return AgentStatus::kAgentOk;
  OtaChunkRequest request{};
  request.update_id = a->state.update_id;
  const uint64_t confirmed = static_cast<uint64_t>(a->confirmed_chunks) * a->state.chunk_bytes;
  request.confirmed_bytes = confirmed > a->manifest.file_bytes ? a->manifest.file_bytes : static_cast<uint32_t>(confirmed);
  request.range_count = static_cast<uint16_t>(count);
  for (uint32_t i = 0; i < count; ++i) {
    request.ranges[i] = {chunks[i] * a->state.chunk_bytes, chunk_length(a, chunks[i])};
    if (bit_get(a->confirmed, chunks[i])) ++a->confirmed_chunks_requested;
  }
  uint8_t bytes[16 + 8 * kOtaMaxRanges];
  const size_t n = ota_chunk_request_encode(request, bytes, sizeof(bytes));
  (void)now;
  return a->port->transport_publish(OtaTopic::kOtaTopicRequest, bytes, static_cast<uint32_t>(n)) ==
                 PortStatus::kPortOk
             ? AgentStatus::kAgentOk
             : AgentStatus::kAgentErrTransport;
}

bool is_outstanding(const Agent* a, uint32_t chunk) {
  for (uint32_t i = 0; i < a->outstanding_count; ++i) {
    if (a->outstanding[i].chunk == chunk) return true;
  }
  return false;
}

// Requests new chunks until the window is full.
AgentStatus fill_window(Agent* a) {
  if (a->state.state != OtaState::kOtaStateDownloading || !a->connected || a->gave_up) {
    return AgentStatus::kAgentOk;
  }
  const uint32_t now = a->port->clock_ms();
  uint32_t fresh[kAgentMaxWindow];
  uint32_t count = 0;
  while (a->outstanding_count < a->config.window && a->next_chunk < a->chunk_count) {
    const uint32_t i = a->next_chunk++;
    if (bit_get(a->confirmed, i) || is_outstanding(a, i)) continue;
    a->outstanding[a->outstanding_count++] = {i, now};
    fresh[count++] = i;
  }
  return send_requests(a, fresh, count, now);
}

uint32_t trusted_key_index(const Agent* a, const uint8_t key_id[32]) {
  for (uint32_t k = 0; k < a->config.trusted_key_count; ++k) {
    if (memcmp(a->key_ids[k], key_id, 32) == 0) return k;
  }
  return kOtaMaxKeys;
}

bool name_equal(const char* record_name, const char* own_name) {
  return own_name != nullptr && strncmp(record_name, own_name, kOtaMaxNameBytes + 1) == 0;
}

// The deployment record: present, about this manifest's model, signed by a trusted key, for this
// fleet and group, not below the security counter, newer than every record accepted before.
// Nothing here writes flash; a replayed or stale record costs one signature check.
OtaResult check_record(Agent* a, const OtaManifest& m, uint32_t* detail) {
  if (!m.has_record) return OtaResult::kOtaResultRecordMissing;
  const OtaDeployRecord& r = m.record;
  if (r.model_id != m.model_id || r.model_version != m.model_version ||
      !agent_digest_equal(r.content_sha256, m.content_sha256) ||
      ((r.flags & kOtaDeployFlagGoldenDigest) != 0 && !agent_digest_equal(r.golden_output_sha256, m.golden_output_sha256)) ||
      // A derived self-test is covered by signatures only if the record signs its digest (the
      // input is a function of the signed content hash).
      (m.package_type == kOtaPackageTmf1DerivedGolden && (r.flags & kOtaDeployFlagGoldenDigest) == 0)) {
    return OtaResult::kOtaResultIntegrityFailure;
  }
  if (trusted_key_index(a, r.key_id) == kOtaMaxKeys) return OtaResult::kOtaResultUnknownKey;
  if (!agent_signature_ok(a, m.record_bytes + kOtaDeployRecordSignedBytes, m.record_bytes,
                          kOtaDeployRecordSignedBytes)) {
    return OtaResult::kOtaResultSignatureInvalid;
  }
  if (!name_equal(r.fleet, a->config.fleet)) return OtaResult::kOtaResultWrongFleet;
  if (!name_equal(r.group, a->config.group)) return OtaResult::kOtaResultWrongGroup;
  if (r.security_counter < a->state.security_counter) {
    *detail = a->state.security_counter;
    return OtaResult::kOtaResultVersionRollback;
  }
  if (r.sequence <= a->state.accepted_sequence) {
    *detail = a->state.accepted_sequence;
    return r.sequence == a->state.accepted_sequence ? OtaResult::kOtaResultRecordReplayed
                                                    : OtaResult::kOtaResultRecordStale;
  }
  return OtaResult::kOtaResultSuccess;
}

// Checks a manifest before anything is downloaded. Returns kOtaResultSuccess if acceptable.
OtaResult check_manifest(Agent* a, const OtaManifest& m, uint32_t* detail, uint32_t* chunk_bytes) {
  *detail = 0;
  if (m.package_type != kOtaPackageTmf1 && m.package_type != kOtaPackageTmf1DerivedGolden) {
    return OtaResult::kOtaResultUnsupportedPackage;
  }
  if (m.flash_bytes > a->layout.slot_bytes) {
    *detail = m.flash_bytes;
    return OtaResult::kOtaResultNotEnoughFlash;
  }
  if (m.arena_bytes > a->config.arena_bytes) {
    *detail = m.arena_bytes;
    return OtaResult::kOtaResultOutOfRam;
  }
  // The copy the agent keeps (a build for a small part keeps less than the protocol allows).
  const uint32_t kept = kOtaManifestFixedBytes + m.golden_input_bytes + kOtaDeployRecordBytes;
  if (kept > kAgentMaxManifestBytes) {
    *detail = kept;
    return OtaResult::kOtaResultOutOfRam;
  }
  for (uint32_t op = 0; op < 256; ++op) {
    if (!ota_ops_has(m.ops, op)) continue;
    if (op == 0 || op >= kOpCodeLimit || kernel_find(static_cast<uint16_t>(op)) == nullptr) {
      *detail = op;
      return OtaResult::kOtaResultOpUnsupported;
    }
  }
  // The file's own signature (TLV 2, which the boot check re-verifies).
  const uint32_t key = trusted_key_index(a, m.key_id);
  if (key == kOtaMaxKeys) return OtaResult::kOtaResultUnknownKey;
  uint8_t message[sizeof(kOtaSignatureMagic) + 32];
  memcpy(message, kOtaSignatureMagic, sizeof(kOtaSignatureMagic));
  memcpy(message + sizeof(kOtaSignatureMagic), m.content_sha256, 32);
  if (!a->port->crypto_ed25519_verify(m.signature, message, sizeof(message), a->config.trusted_keys[key])) {
    return OtaResult::kOtaResultSignatureInvalid;
  }
  const OtaResult record = check_record(a, m, detail);
  if (record != OtaResult::kOtaResultSuccess) return record;
  *chunk_bytes = choose_chunk_bytes(a, m);
  if (*chunk_bytes == 0) {
    *detail = m.file_bytes;
    return OtaResult::kOtaResultNotEnoughFlash;
  }
  return OtaResult::kOtaResultSuccess;
}

}  // namespace

AgentStatus agent_update_erase_and_download(Agent* a) {
  const uint8_t target = a->state.target_slot;
  AgentStatus s = erase_range(a, a->layout.slot_offset[target], align_up(a->manifest.flash_bytes, a->layout.sector_bytes));
  if (s != AgentStatus::kAgentOk) return s;
  JournalRecord next = a->state;
  next.state = OtaState::kOtaStateDownloading;
  s = agent_persist(a, next);
  if (s != AgentStatus::kAgentOk) return s;
  return agent_update_load_progress(a);
}

namespace {

// Starts the update described by the raw manifest `data` (already checked).
AgentStatus begin_update(Agent* a, const uint8_t* data, size_t bytes, uint32_t chunk_bytes) {
  // 1. The update area is referenced by no record while idle: erase it and store the manifest.
  AgentStatus s = erase_range(a, a->layout.update_offset, a->layout.update_bytes);
  if (s != AgentStatus::kAgentOk) return s;
  a->manifest_size = static_cast<uint32_t>(bytes);
  s = write_padded(a, a->layout.update_offset + 32, data, a->manifest_size);
  if (s != AgentStatus::kAgentOk) return s;
#if TMF_AGENT_MANIFEST_IN_FLASH
  // From now on the manifest is read where it was written: it must be the bytes that were checked.
  const uint8_t* copy = manifest_copy(a, a->manifest_size);
  if (copy == nullptr || memcmp(copy, data, bytes) != 0) return AgentStatus::kAgentErrFlash;
#else
  memcpy(a->manifest_bytes, data, bytes);
  const uint8_t* copy = a->manifest_bytes;
#endif
  ota_manifest_decode(copy, bytes, &a->manifest);  // re-point golden_input and the record
  uint8_t length[32];
  memset(length, 0xFF, sizeof(length));
  for (int i = 0; i < 4; ++i) length[i] = static_cast<uint8_t>(a->manifest_size >> (8 * i));
  s = write_padded(a, a->layout.update_offset, length, 4);
  if (s != AgentStatus::kAgentOk) return s;
  // 2. Journal: the inactive slot is given up (empty) before a byte of it is erased.
  const uint8_t target = a->state.active_slot == kOtaNoSlot ? 0 : static_cast<uint8_t>(1 - a->state.active_slot);
  JournalRecord next = a->state;
  next.state = OtaState::kOtaStateErasing;
  next.target_slot = target;
  next.slots[target] = {SlotState::kSlotStateEmpty, a->manifest.model_id, a->manifest.model_version,
                        a->manifest.file_bytes, a->manifest.record.security_counter};
  // The record is used up with this journal record, before the first erase: offering it again
  // (a replay with any update_id) is rejected without a write.
  next.accepted_sequence = a->manifest.record.sequence;
  next.update_id = a->manifest.update_id;
  sha256(copy, a->manifest_size, next.manifest_sha256);
  next.chunk_bytes = chunk_bytes;
  next.trial_boots = 0;
  s = agent_persist(a, next);
  if (s != AgentStatus::kAgentOk) return s;
  agent_publish_event(a, OtaEvent::kOtaEventAccepted, OtaResult::kOtaResultInitial, a->manifest.update_id,
                      a->manifest.model_id, a->manifest.model_version, chunk_bytes);
  // 3. Erase the needed part of the slot, then download.
  s = agent_update_erase_and_download(a);
  if (s != AgentStatus::kAgentOk) return s;
  agent_publish_status(a);
  return fill_window(a);
}

// A MANIFEST offered, decoded into `m`; `running_record`: the deployment record of the update in
// progress (null if none). *replaced: the offered manifest became the update in progress.
AgentStatus on_manifest(Agent* a, const uint8_t* data, size_t bytes, OtaManifest& m, const uint8_t* running_record,
                        bool* replaced) {
  const OtaDecodeStatus decoded = ota_manifest_decode(data, bytes, &m);
  if (decoded != OtaDecodeStatus::kOtaDecodeOk) {
    uint32_t update_id = 0;
    if (data != nullptr && bytes >= 8) {
      update_id = data[4] | (data[5] << 8) | (data[6] << 16) | (static_cast<uint32_t>(data[7]) << 24);
    }
    agent_publish_event(a, OtaEvent::kOtaEventRejected, OtaResult::kOtaResultUnsupportedProtocol,
                        update_id, 0, 0, static_cast<uint32_t>(decoded));
    return AgentStatus::kAgentOk;
  }
  const OtaState state = a->state.state;
  const bool running = state == OtaState::kOtaStateErasing || state == OtaState::kOtaStateDownloading;
  if (state == OtaState::kOtaStateTrial) {
    agent_publish_event(a, OtaEvent::kOtaEventRejected, OtaResult::kOtaResultUpdateFailed, m.update_id,
                        m.model_id, m.model_version, 0);
    return AgentStatus::kAgentOk;
  }
  // The record of the download in progress, byte for byte (it was verified when accepted):
  // resume, whatever the unsigned fields say.
  if (running && m.has_record && running_record != nullptr &&
      memcmp(m.record_bytes, running_record, kOtaDeployRecordBytes) == 0) {
    const AgentSlotInfo& target = a->state.slots[a->state.target_slot];
    agent_publish_event(a, OtaEvent::kOtaEventResumed, OtaResult::kOtaResultInitial, a->state.update_id,
                        target.model_id, target.model_version, a->confirmed_chunks);
    agent_update_restart_requests(a);
    return AgentStatus::kAgentOk;
  }
  uint32_t detail = 0, chunk_bytes = 0;
  const OtaResult verdict = check_manifest(a, m, &detail, &chunk_bytes);
  // The manifest of the update that was confirmed, repeated with its update_id: answer again
  // (the host may have missed the event). The same record under another update_id is a replay.
  if (verdict == OtaResult::kOtaResultRecordReplayed && !running && m.update_id == a->state.last_update_id &&
      a->has_model && a->state.last_result == OtaResult::kOtaResultSuccess &&
      a->state.slots[a->state.active_slot].model_id == m.model_id &&
      a->state.slots[a->state.active_slot].model_version == m.model_version) {
    agent_publish_event(a, OtaEvent::kOtaEventConfirmed, OtaResult::kOtaResultSuccess, m.update_id,
                        m.model_id, m.model_version, 0);
    agent_publish_status(a);
    return AgentStatus::kAgentOk;
  }
  if (verdict != OtaResult::kOtaResultSuccess) {
    // A running download continues; the rejected update is reported with its own id.
    agent_publish_event(a, OtaEvent::kOtaEventRejected, verdict, m.update_id, m.model_id,
                        m.model_version, detail);
    const bool replay = verdict == OtaResult::kOtaResultRecordReplayed || verdict == OtaResult::kOtaResultRecordStale;
    if (!running && !replay) {
      // Kept in RAM (reported in STATUS, persisted with the next record): a stream of bad
      // manifests must not wear the journal. A replayed or stale record is answered by its
      // EVENT only: STATUS keeps the last real update, so the host can still ask about it.
      a->state.last_result = verdict;
      a->state.last_update_id = m.update_id;
      agent_publish_status(a);
    }
    return AgentStatus::kAgentOk;
  }
  if (running) {
    const AgentStatus s = agent_update_abandon(a, OtaEvent::kOtaEventCancelled, OtaResult::kOtaResultCancelled, 0);
    if (s != AgentStatus::kAgentOk) return s;
  }
  // Store the manifest's own bytes only: the protocol lets a newer host append fields this agent
  // does not know, which would not fit the kOtaMaxManifestBytes copy (a fuzzer found the overflow;
  // corpus_agent/regression_manifest_trailing_bytes).
  *replaced = true;
  return begin_update(a, data,
                      kOtaManifestFixedBytes + static_cast<size_t>(m.golden_input_bytes) + kOtaDeployRecordBytes,
                      chunk_bytes);
}

}  // namespace

AgentStatus agent_update_on_manifest(Agent* a, const uint8_t* data, size_t bytes) {
  bool replaced = false;
#if TMF_AGENT_MANIFEST_IN_FLASH
  // A small part's stack has no room for a second decoded manifest (516 B) under the signature
  // checks: the offered one is decoded into the agent's own, and the manifest of the update in
  // progress (download or trial) is read back from its flash copy afterwards unless the offered
  // one replaced it. Its record is compared where it lies, in flash.
  const uint8_t* running_record =
      a->state.state != OtaState::kOtaStateIdle && a->manifest.has_record ? a->manifest.record_bytes : nullptr;
  const AgentStatus s = on_manifest(a, data, bytes, a->manifest, running_record, &replaced);
  if (!replaced && a->state.state != OtaState::kOtaStateIdle && !agent_update_load_manifest(a)) return AgentStatus::kAgentErrFlash;
  return s;
#else
  OtaManifest m{};
  return on_manifest(a, data, bytes, m, a->manifest.has_record ? a->manifest.record_bytes : nullptr, &replaced);
#endif
}

AgentStatus agent_update_on_chunk(Agent* a, const uint8_t* data, size_t bytes) {
  if (a->state.state != OtaState::kOtaStateDownloading) return AgentStatus::kAgentOk;
  OtaChunk chunk{};
  if (ota_chunk_decode(data, bytes, &chunk) != OtaDecodeStatus::kOtaDecodeOk) return AgentStatus::kAgentOk;
  if (chunk.update_id != a->state.update_id || !ota_chunk_crc_ok(chunk)) return AgentStatus::kAgentOk;
  const uint32_t c = a->state.chunk_bytes;
  if (chunk.offset % c != 0) return AgentStatus::kAgentOk;
  const uint32_t index = chunk.offset / c;
  if (index >= a->chunk_count || chunk.length != chunk_length(a, index)) return AgentStatus::kAgentOk;
  if (bit_get(a->confirmed, index)) {  // a duplicate: already persisted
    ++a->chunks_received_again;
    return fill_window(a);
  }
  // Data first, then its marker: a marker (even torn) always means complete data.
  AgentStatus s = write_padded(a, a->layout.slot_offset[a->state.target_slot] + chunk.offset, chunk.data,
                               chunk.length);
  if (s != AgentStatus::kAgentOk) return s;
  uint8_t marker[32];
  memset(marker, 0x00, sizeof(marker));
  if (a->port->flash_write(marker_offset(a, index), marker, a->layout.write_bytes) != PortStatus::kPortOk) {
    return AgentStatus::kAgentErrFlash;
  }
  bit_set(a->confirmed, index);
  ++a->confirmed_chunks;
  for (uint32_t i = 0; i < a->outstanding_count; ++i) {
    if (a->outstanding[i].chunk == index) {
      a->outstanding[i] = a->outstanding[--a->outstanding_count];
      break;
    }
  }
  a->last_chunk_ms = a->port->clock_ms();
  a->gave_up = false;
  if (a->confirmed_chunks == a->chunk_count) {
    s = agent_update_verify(a);
    return s;
  }
  return fill_window(a);
}

AgentStatus agent_update_cancel(Agent* a, uint32_t update_id) {
  const OtaState state = a->state.state;
  if ((state != OtaState::kOtaStateErasing && state != OtaState::kOtaStateDownloading) ||
      (update_id != 0 && update_id != a->state.update_id)) {
    agent_publish_event(a, OtaEvent::kOtaEventRejected, OtaResult::kOtaResultUpdateFailed, update_id, 0, 0, 0);
    return AgentStatus::kAgentOk;
  }
  return agent_update_abandon(a, OtaEvent::kOtaEventCancelled, OtaResult::kOtaResultCancelled, 0);
}

void agent_update_restart_requests(Agent* a) {
  a->outstanding_count = 0;
  a->next_chunk = 0;
  a->gave_up = false;
  a->last_chunk_ms = a->port->clock_ms();
  fill_window(a);
}

AgentStatus agent_update_poll(Agent* a) {
  if (a->state.state != OtaState::kOtaStateDownloading || !a->connected || a->gave_up) {
    return AgentStatus::kAgentOk;
  }
  const uint32_t now = a->port->clock_ms();
  if (a->config.give_up_ms > 0 && now - a->last_chunk_ms >= a->config.give_up_ms) {
    // Keep the persisted progress; stop asking until a manifest or reconnect resumes.
    a->gave_up = true;
    agent_publish_event(a, OtaEvent::kOtaEventRejected, OtaResult::kOtaResultConnectionLost,
                        a->state.update_id, a->manifest.model_id, a->manifest.model_version,
                        a->confirmed_chunks);
    return AgentStatus::kAgentOk;
  }
  uint32_t again[kAgentMaxWindow];
  uint32_t count = 0;
  for (uint32_t i = 0; i < a->outstanding_count; ++i) {
    if (now - a->outstanding[i].sent_ms >= a->config.request_timeout_ms) {
      a->outstanding[i].sent_ms = now;
      again[count++] = a->outstanding[i].chunk;
    }
  }
  const AgentStatus s = send_requests(a, again, count, now);
  fill_window(a);
  return s;
}

}  // namespace tmf
