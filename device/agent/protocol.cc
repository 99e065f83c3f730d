// Device protocol messages and topics (protocol.h, docs/protocol.md). Every field is read and
// written byte by byte in little-endian order, so the code is independent of host endianness and
// alignment.
#include "protocol.h"

#include "device/agent/protocol_header.h"
#include "device/runtime/le_bytes.h"

#include <string.h>

namespace tmf {
namespace {

using le::get_f32;
using le::get_u16;
using le::get_u32;
using le::put_f32;
using le::put_u16;
using le::put_u32;
using protocol_detail::check_header;
using protocol_detail::put_header;


bool name_char_ok(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

size_t bounded_length(const char* text, size_t limit) {
  size_t n = 0;
  while (n <= limit && text[n] != '\0') ++n;
  return n;
}

// Appends `text` at out[*at], keeping room for a final NUL.
bool append(char* out, size_t out_bytes, size_t* at, const char* text) {
  const size_t n = strlen(text);
  if (*at + n + 1 > out_bytes) return false;
  memcpy(out + *at, text, n);
  *at += n;
  out[*at] = '\0';
  return true;
}

}  // namespace

OtaDecodeStatus ota_message_type(const uint8_t* data, size_t size, OtaMessageType* type) {
  if (data == nullptr || size < kOtaHeaderBytes) return OtaDecodeStatus::kOtaDecodeTruncated;
  if (data[0] != kOtaProtocolVersion) return OtaDecodeStatus::kOtaDecodeBadVersion;
  *type = static_cast<OtaMessageType>(data[1]);
  return OtaDecodeStatus::kOtaDecodeOk;
}

// ---- MANIFEST ----

size_t ota_manifest_encode(const OtaManifest& m, uint8_t* out, size_t out_bytes) {
  const size_t fixed = kOtaManifestFixedBytes + m.golden_input_bytes;
  const size_t total = fixed + (m.has_record ? kOtaDeployRecordBytes : 0);
  if (m.golden_input_bytes > kOtaMaxGoldenInputBytes || out_bytes < total) return 0;
  if (m.golden_input_bytes > 0 && m.golden_input == nullptr) return 0;
  put_header(out, OtaMessageType::kOtaMessageManifest);
  put_u32(out + 4, m.update_id);
  put_u32(out + 8, m.model_id);
  put_u32(out + 12, m.model_version);
  put_u32(out + 16, m.file_bytes);
  put_u32(out + 20, m.content_bytes);
  put_u32(out + 24, m.flash_bytes);
  put_u32(out + 28, m.arena_bytes);
  put_u32(out + 32, m.chunk_bytes);
  out[36] = m.package_type;
  out[37] = 0;
  put_u16(out + 38, m.golden_input_bytes);
  memcpy(out + 40, m.ops, 32);
  memcpy(out + 72, m.content_sha256, 32);
  memcpy(out + 104, m.file_sha256, 32);
  memcpy(out + 136, m.signature, 64);
  memcpy(out + 200, m.key_id, 32);
  memcpy(out + 232, m.golden_output_sha256, 32);
  if (m.golden_input_bytes > 0) memcpy(out + 264, m.golden_input, m.golden_input_bytes);
  if (m.has_record && ota_deploy_record_encode(m.record, out + fixed, kOtaDeployRecordBytes) == 0) return 0;
  return total;
}

OtaDecodeStatus ota_manifest_decode(const uint8_t* data, size_t size, OtaManifest* m) {
  const OtaDecodeStatus s =
      check_header(data, size, OtaMessageType::kOtaMessageManifest, kOtaManifestFixedBytes);
  if (s != OtaDecodeStatus::kOtaDecodeOk) return s;
  m->update_id = get_u32(data + 4);
  m->model_id = get_u32(data + 8);
  m->model_version = get_u32(data + 12);
  m->file_bytes = get_u32(data + 16);
  m->content_bytes = get_u32(data + 20);
  m->flash_bytes = get_u32(data + 24);
  m->arena_bytes = get_u32(data + 28);
  m->chunk_bytes = get_u32(data + 32);
  m->package_type = data[36];
  m->golden_input_bytes = get_u16(data + 38);
  memcpy(m->ops, data + 40, 32);
  memcpy(m->content_sha256, data + 72, 32);
  memcpy(m->file_sha256, data + 104, 32);
  memcpy(m->signature, data + 136, 64);
  memcpy(m->key_id, data + 200, 32);
  memcpy(m->golden_output_sha256, data + 232, 32);
  if (m->golden_input_bytes > kOtaMaxGoldenInputBytes) return OtaDecodeStatus::kOtaDecodeBadField;
  // Package 2 derives its golden input: bytes here would be a second, unsigned meaning.
  if (m->package_type == kOtaPackageTmf1DerivedGolden && m->golden_input_bytes != 0) {
    return OtaDecodeStatus::kOtaDecodeBadField;
  }
  if (size < kOtaManifestFixedBytes + static_cast<size_t>(m->golden_input_bytes)) {
    return OtaDecodeStatus::kOtaDecodeTruncated;
  }
  m->golden_input = data + kOtaManifestFixedBytes;
  // The deployment record, if the bytes after the golden input start with its magic.
  const size_t record_at = kOtaManifestFixedBytes + static_cast<size_t>(m->golden_input_bytes);
  m->has_record = false;
  m->record_bytes = nullptr;
  if (size - record_at >= sizeof(kOtaDeployRecordMagic) &&
      memcmp(data + record_at, kOtaDeployRecordMagic, sizeof(kOtaDeployRecordMagic)) == 0) {
    const OtaDecodeStatus r = ota_deploy_record_decode(data + record_at, size - record_at, &m->record);
    if (r != OtaDecodeStatus::kOtaDecodeOk) return r;
    m->has_record = true;
    m->record_bytes = data + record_at;
  }
  // Ranges every later check relies on; the package type is the agent's decision (result 6).
  if (m->update_id == 0 || m->file_bytes == 0 || m->content_bytes == 0 ||
      m->content_bytes >= m->file_bytes || m->flash_bytes < m->file_bytes ||
      m->chunk_bytes < kOtaMinChunkBytes || m->chunk_bytes > kOtaMaxChunkBytes ||
      m->chunk_bytes % 16 != 0) {
    return OtaDecodeStatus::kOtaDecodeBadField;
  }
  return OtaDecodeStatus::kOtaDecodeOk;
}

// ---- CHUNK_REQUEST ----

size_t ota_chunk_request_encode(const OtaChunkRequest& r, uint8_t* out, size_t out_bytes) {
  if (r.range_count == 0 || r.range_count > kOtaMaxRanges) return 0;
  const size_t total = 16 + 8u * r.range_count;
  if (out_bytes < total) return 0;
  put_header(out, OtaMessageType::kOtaMessageChunkRequest);
  put_u32(out + 4, r.update_id);
  put_u32(out + 8, r.confirmed_bytes);
  put_u16(out + 12, r.range_count);
  put_u16(out + 14, 0);
  for (uint32_t i = 0; i < r.range_count; ++i) {
    put_u32(out + 16 + 8 * i, r.ranges[i].offset);
    put_u32(out + 20 + 8 * i, r.ranges[i].length);
  }
  return total;
}

OtaDecodeStatus ota_chunk_request_decode(const uint8_t* data, size_t size, OtaChunkRequest* r) {
  const OtaDecodeStatus s = check_header(data, size, OtaMessageType::kOtaMessageChunkRequest, 16);
  if (s != OtaDecodeStatus::kOtaDecodeOk) return s;
  r->update_id = get_u32(data + 4);
  r->confirmed_bytes = get_u32(data + 8);
  r->range_count = get_u16(data + 12);
  if (r->range_count == 0 || r->range_count > kOtaMaxRanges) return OtaDecodeStatus::kOtaDecodeBadField;
  if (size < 16 + 8u * r->range_count) return OtaDecodeStatus::kOtaDecodeTruncated;
  for (uint32_t i = 0; i < r->range_count; ++i) {
    r->ranges[i].offset = get_u32(data + 16 + 8 * i);
    r->ranges[i].length = get_u32(data + 20 + 8 * i);
    if (r->ranges[i].length == 0 || r->ranges[i].length > kOtaMaxChunkBytes) {
      return OtaDecodeStatus::kOtaDecodeBadField;
    }
  }
  return OtaDecodeStatus::kOtaDecodeOk;
}

// ---- CHUNK ----

size_t ota_chunk_encode(const OtaChunk& c, uint8_t* out, size_t out_bytes) {
  if (c.length == 0 || c.length > kOtaMaxChunkBytes || c.data == nullptr) return 0;
  const size_t total = kOtaChunkHeaderBytes + c.length;
  if (out_bytes < total) return 0;
  put_header(out, OtaMessageType::kOtaMessageChunk);
  put_u32(out + 4, c.update_id);
  put_u32(out + 8, c.offset);
  put_u32(out + 12, c.length);
  put_u32(out + 16, ota_crc32(0, c.data, c.length));
  memmove(out + kOtaChunkHeaderBytes, c.data, c.length);
  return total;
}

OtaDecodeStatus ota_chunk_decode(const uint8_t* data, size_t size, OtaChunk* c) {
  const OtaDecodeStatus s =
      check_header(data, size, OtaMessageType::kOtaMessageChunk, kOtaChunkHeaderBytes);
  if (s != OtaDecodeStatus::kOtaDecodeOk) return s;
  c->update_id = get_u32(data + 4);
  c->offset = get_u32(data + 8);
  c->length = get_u32(data + 12);
  c->crc32 = get_u32(data + 16);
  if (c->length == 0 || c->length > kOtaMaxChunkBytes) return OtaDecodeStatus::kOtaDecodeBadField;
  if (size < kOtaChunkHeaderBytes + static_cast<size_t>(c->length)) {
    return OtaDecodeStatus::kOtaDecodeTruncated;
  }
  c->data = data + kOtaChunkHeaderBytes;
  return OtaDecodeStatus::kOtaDecodeOk;
}

bool ota_chunk_crc_ok(const OtaChunk& c) { return ota_crc32(0, c.data, c.length) == c.crc32; }

// ---- EVENT ----

size_t ota_event_encode(const OtaEventMessage& e, uint8_t* out, size_t out_bytes) {
  if (out_bytes < kOtaEventBytes) return 0;
  put_header(out, OtaMessageType::kOtaMessageEvent);
  put_u32(out + 4, e.update_id);
  out[8] = static_cast<uint8_t>(e.event);
  out[9] = static_cast<uint8_t>(e.result);
  out[10] = static_cast<uint8_t>(e.state);
  out[11] = e.active_slot;
  put_u32(out + 12, e.model_id);
  put_u32(out + 16, e.model_version);
  put_u32(out + 20, e.detail);
  return kOtaEventBytes;
}

OtaDecodeStatus ota_event_decode(const uint8_t* data, size_t size, OtaEventMessage* e) {
  const OtaDecodeStatus s = check_header(data, size, OtaMessageType::kOtaMessageEvent, kOtaEventBytes);
  if (s != OtaDecodeStatus::kOtaDecodeOk) return s;
  e->update_id = get_u32(data + 4);
  e->event = static_cast<OtaEvent>(data[8]);
  e->result = static_cast<OtaResult>(data[9]);
  e->state = static_cast<OtaState>(data[10]);
  e->active_slot = data[11];
  e->model_id = get_u32(data + 12);
  e->model_version = get_u32(data + 16);
  e->detail = get_u32(data + 20);
  return OtaDecodeStatus::kOtaDecodeOk;
}

// ---- STATUS ----

size_t ota_status_encode(const OtaStatusMessage& st, uint8_t* out, size_t out_bytes) {
  if (out_bytes < kOtaStatusBytes) return 0;
  put_header(out, OtaMessageType::kOtaMessageStatus);
  out[4] = static_cast<uint8_t>(st.state);
  out[5] = st.active_slot;
  out[6] = static_cast<uint8_t>(st.last_result);
  out[7] = 0;
  put_u32(out + 8, st.last_update_id);
  put_u32(out + 12, st.active_model_id);
  put_u32(out + 16, st.active_model_version);
  put_u32(out + 20, st.previous_model_id);
  put_u32(out + 24, st.previous_model_version);
  put_u32(out + 28, st.confirmed_bytes);
  put_u32(out + 32, st.download_file_bytes);
  put_u32(out + 36, st.boot_count);
  put_u32(out + 40, st.inference_count);
  put_u32(out + 44, st.security_counter);
  return kOtaStatusBytes;
}

OtaDecodeStatus ota_status_decode(const uint8_t* data, size_t size, OtaStatusMessage* st) {
  const OtaDecodeStatus s = check_header(data, size, OtaMessageType::kOtaMessageStatus, kOtaStatusBytes);
  if (s != OtaDecodeStatus::kOtaDecodeOk) return s;
  st->state = static_cast<OtaState>(data[4]);
  st->active_slot = data[5];
  st->last_result = static_cast<OtaResult>(data[6]);
  st->last_update_id = get_u32(data + 8);
  st->active_model_id = get_u32(data + 12);
  st->active_model_version = get_u32(data + 16);
  st->previous_model_id = get_u32(data + 20);
  st->previous_model_version = get_u32(data + 24);
  st->confirmed_bytes = get_u32(data + 28);
  st->download_file_bytes = get_u32(data + 32);
  st->boot_count = get_u32(data + 36);
  st->inference_count = get_u32(data + 40);
  st->security_counter = get_u32(data + 44);
  return OtaDecodeStatus::kOtaDecodeOk;
}

// ---- PRESENCE ----

size_t ota_presence_encode(bool online, uint8_t* out, size_t out_bytes) {
  if (out_bytes < kOtaPresenceBytes) return 0;
  put_header(out, OtaMessageType::kOtaMessagePresence);
  out[4] = online ? 1 : 0;
  out[5] = out[6] = out[7] = 0;
  return kOtaPresenceBytes;
}

OtaDecodeStatus ota_presence_decode(const uint8_t* data, size_t size, bool* online) {
  const OtaDecodeStatus s =
      check_header(data, size, OtaMessageType::kOtaMessagePresence, kOtaPresenceBytes);
  if (s != OtaDecodeStatus::kOtaDecodeOk) return s;
  if (data[4] > 1) return OtaDecodeStatus::kOtaDecodeBadField;
  *online = data[4] == 1;
  return OtaDecodeStatus::kOtaDecodeOk;
}

// ---- INFO ----

size_t ota_info_encode(const OtaInfo& info, uint8_t* out, size_t out_bytes) {
  const size_t core = bounded_length(info.core, kOtaMaxNameBytes);
  const size_t group = bounded_length(info.group, kOtaMaxNameBytes);
  if (core > kOtaMaxNameBytes || group > kOtaMaxNameBytes || info.key_count > kOtaMaxKeys) return 0;
  const size_t total = 60 + core + group + 32u * info.key_count;
  if (out_bytes < total) return 0;
  put_header(out, OtaMessageType::kOtaMessageInfo);
  put_u32(out + 4, info.agent_version);
  put_u32(out + 8, info.ram_bytes);
  put_u32(out + 12, info.slot_bytes);
  put_u32(out + 16, info.flash_bytes);
  put_u32(out + 20, info.max_chunk_bytes);
  memcpy(out + 24, info.ops, 32);
  out[56] = static_cast<uint8_t>(core);
  out[57] = static_cast<uint8_t>(group);
  out[58] = info.key_count;
  out[59] = 0;
  memcpy(out + 60, info.core, core);
  memcpy(out + 60 + core, info.group, group);
  for (uint32_t k = 0; k < info.key_count; ++k) memcpy(out + 60 + core + group + 32 * k, info.key_ids[k], 32);
  return total;
}

OtaDecodeStatus ota_info_decode(const uint8_t* data, size_t size, OtaInfo* info) {
  const OtaDecodeStatus s = check_header(data, size, OtaMessageType::kOtaMessageInfo, 60);
  if (s != OtaDecodeStatus::kOtaDecodeOk) return s;
  info->agent_version = get_u32(data + 4);
  info->ram_bytes = get_u32(data + 8);
  info->slot_bytes = get_u32(data + 12);
  info->flash_bytes = get_u32(data + 16);
  info->max_chunk_bytes = get_u32(data + 20);
  memcpy(info->ops, data + 24, 32);
  const uint32_t core = data[56], group = data[57];
  info->key_count = data[58];
  if (core > kOtaMaxNameBytes || group > kOtaMaxNameBytes || info->key_count > kOtaMaxKeys) {
    return OtaDecodeStatus::kOtaDecodeBadField;
  }
  if (size < 60 + core + group + 32u * info->key_count) return OtaDecodeStatus::kOtaDecodeTruncated;
  memcpy(info->core, data + 60, core);
  info->core[core] = '\0';
  memcpy(info->group, data + 60 + core, group);
  info->group[group] = '\0';
  for (uint32_t k = 0; k < info->key_count; ++k) memcpy(info->key_ids[k], data + 60 + core + group + 32 * k, 32);
  return OtaDecodeStatus::kOtaDecodeOk;
}

// ---- COMMAND ----

size_t ota_command_encode(const OtaCommand& c, uint8_t* out, size_t out_bytes) {
  const bool collect = c.command == OtaCommandCode::kOtaCommandCollect;
  const size_t total = collect ? kOtaCommandCollectBytes : kOtaCommandBytes;
  if (collect && (c.update_id == 0 || c.collect_samples == 0)) return 0;
  if (out_bytes < total) return 0;
  put_header(out, OtaMessageType::kOtaMessageCommand);
  out[4] = static_cast<uint8_t>(c.command);
  out[5] = out[6] = out[7] = 0;
  put_u32(out + 8, c.update_id);
  if (collect) put_u32(out + 12, c.collect_samples);
  return total;
}

OtaDecodeStatus ota_command_decode(const uint8_t* data, size_t size, OtaCommand* c) {
  const OtaDecodeStatus s = check_header(data, size, OtaMessageType::kOtaMessageCommand, kOtaCommandBytes);
  if (s != OtaDecodeStatus::kOtaDecodeOk) return s;
  c->command = static_cast<OtaCommandCode>(data[4]);
  c->update_id = get_u32(data + 8);
  c->collect_samples = 0;
  if (c->command == OtaCommandCode::kOtaCommandCollect) {
    // A collect command needs its sample count: a 12-byte collect is malformed, not "collect 0".
    if (size < kOtaCommandCollectBytes) return OtaDecodeStatus::kOtaDecodeTruncated;
    c->collect_samples = get_u32(data + 12);
    if (c->update_id == 0 || c->collect_samples == 0) return OtaDecodeStatus::kOtaDecodeBadField;
  }
  return OtaDecodeStatus::kOtaDecodeOk;
}

// ---- CRC, names, topics ----

uint32_t ota_crc32(uint32_t crc, const void* data, size_t bytes) {
  // Bitwise: no 1 KB table in device flash; chunks are CRC'd once each.
  const uint8_t* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (size_t i = 0; i < bytes; ++i) {
    crc ^= p[i];
    for (int b = 0; b < 8; ++b) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

bool ota_name_valid(const char* name) {
  if (name == nullptr) return false;
  size_t n = 0;
  for (; name[n] != '\0'; ++n) {
    if (n >= kOtaMaxNameBytes || !name_char_ok(name[n])) return false;
  }
  return n > 0;
}

const char* ota_topic_leaf(OtaTopic topic) {
  switch (topic) {
    case OtaTopic::kOtaTopicPresence: return "presence";
    case OtaTopic::kOtaTopicInfo: return "info";
    case OtaTopic::kOtaTopicStatus: return "status";
    case OtaTopic::kOtaTopicEvent: return "event";
    case OtaTopic::kOtaTopicRequest: return "request";
    case OtaTopic::kOtaTopicManifest: return "manifest";
    case OtaTopic::kOtaTopicChunk: return "chunk";
    case OtaTopic::kOtaTopicCommand: return "cmd";
    case OtaTopic::kOtaTopicTelemetry: return "telemetry";
    case OtaTopic::kOtaTopicAck: return "ack";
    case OtaTopic::kOtaTopicData: return "data";
    case OtaTopic::kOtaTopicCount: return "";
  }
  return "";
}

size_t ota_topic_format(const char* fleet, const char* device, OtaTopic topic, char* out,
                        size_t out_bytes) {
  if (!ota_name_valid(fleet) || !ota_name_valid(device) || topic == OtaTopic::kOtaTopicCount ||
      out == nullptr || out_bytes == 0) {
    return 0;
  }
  size_t at = 0;
  out[0] = '\0';
  if (!append(out, out_bytes, &at, "tmf/") || !append(out, out_bytes, &at, fleet) ||
      !append(out, out_bytes, &at, "/") || !append(out, out_bytes, &at, device) ||
      !append(out, out_bytes, &at, "/") || !append(out, out_bytes, &at, ota_topic_leaf(topic))) {
    out[0] = '\0';
    return 0;
  }
  return at;
}

bool ota_topic_parse(const char* topic, const char* fleet, const char* device, OtaTopic* leaf) {
  char expected[kOtaMaxTopicBytes];
  for (uint8_t t = 0; t < static_cast<uint8_t>(OtaTopic::kOtaTopicCount); ++t) {
    const OtaTopic candidate = static_cast<OtaTopic>(t);
    if (ota_topic_format(fleet, device, candidate, expected, sizeof(expected)) == 0) return false;
    if (strcmp(topic, expected) == 0) {
      *leaf = candidate;
      return true;
    }
  }
  return false;
}

const char* ota_result_to_string(OtaResult result) {
  switch (result) {
    case OtaResult::kOtaResultInitial: return "initial";
    case OtaResult::kOtaResultSuccess: return "success";
    case OtaResult::kOtaResultNotEnoughFlash: return "not enough flash";
    case OtaResult::kOtaResultOutOfRam: return "out of RAM";
    case OtaResult::kOtaResultConnectionLost: return "connection lost";
    case OtaResult::kOtaResultIntegrityFailure: return "integrity check failure";
    case OtaResult::kOtaResultUnsupportedPackage: return "unsupported package type";
    case OtaResult::kOtaResultInvalidUri: return "invalid URI";
    case OtaResult::kOtaResultUpdateFailed: return "update failed";
    case OtaResult::kOtaResultUnsupportedProtocol: return "unsupported protocol";
    case OtaResult::kOtaResultSignatureInvalid: return "signature invalid";
    case OtaResult::kOtaResultVersionRollback: return "version rollback";
    case OtaResult::kOtaResultOpUnsupported: return "op unsupported";
    case OtaResult::kOtaResultSelfTestFailed: return "self-test failed";
    case OtaResult::kOtaResultUnknownKey: return "unknown key";
    case OtaResult::kOtaResultModelInvalid: return "model invalid";
    case OtaResult::kOtaResultCancelled: return "cancelled";
    case OtaResult::kOtaResultRecordReplayed: return "deployment record replayed";
    case OtaResult::kOtaResultRecordStale: return "deployment record older than the last accepted";
    case OtaResult::kOtaResultWrongFleet: return "deployment record for another fleet";
    case OtaResult::kOtaResultWrongGroup: return "deployment record for another device group";
    case OtaResult::kOtaResultRecordMissing: return "no deployment record";
    case OtaResult::kOtaResultTrialFault: return "the model faulted the device on trial";
    case OtaResult::kOtaResultConfirmedFaults: return "the confirmed model faulted the device repeatedly";
    case OtaResult::kOtaResultConfirmedWatchdog: return "the confirmed model stalled the device repeatedly (watchdog)";
    case OtaResult::kOtaResultTrialWatchdog: return "the model stalled the device on trial (watchdog)";
  }
  return "unknown result";
}

const char* ota_state_to_string(OtaState state) {
  switch (state) {
    case OtaState::kOtaStateIdle: return "idle";
    case OtaState::kOtaStateErasing: return "erasing";
    case OtaState::kOtaStateDownloading: return "downloading";
    case OtaState::kOtaStateVerifying: return "verifying";
    case OtaState::kOtaStateTrial: return "trial";
  }
  return "unknown state";
}

const char* ota_event_to_string(OtaEvent event) {
  switch (event) {
    case OtaEvent::kOtaEventAccepted: return "accepted";
    case OtaEvent::kOtaEventRejected: return "rejected";
    case OtaEvent::kOtaEventVerified: return "verified";
    case OtaEvent::kOtaEventTrial: return "trial";
    case OtaEvent::kOtaEventConfirmed: return "confirmed";
    case OtaEvent::kOtaEventReverted: return "reverted";
    case OtaEvent::kOtaEventResumed: return "resumed";
    case OtaEvent::kOtaEventCancelled: return "cancelled";
  }
  return "unknown event";
}

const char* ota_decode_status_to_string(OtaDecodeStatus status) {
  switch (status) {
    case OtaDecodeStatus::kOtaDecodeOk: return "ok";
    case OtaDecodeStatus::kOtaDecodeTruncated: return "truncated message";
    case OtaDecodeStatus::kOtaDecodeBadVersion: return "unsupported protocol version";
    case OtaDecodeStatus::kOtaDecodeWrongType: return "unexpected message type";
    case OtaDecodeStatus::kOtaDecodeBadField: return "field out of range";
  }
  return "unknown decode status";
}

}  // namespace tmf
