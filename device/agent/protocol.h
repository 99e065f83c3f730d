// Encoder/decoder of the device protocol (docs/protocol.md, the one spec): MQTT topic names and
// the compact little-endian messages. Freestanding (no heap): linked by the device agent and by
// the host's OTA sender, so both sides use the same bytes.
//
//   every payload: u8 version (1) | u8 type | u16 flags (0) | type-specific body
//   MANIFEST 264+n+256 (the signed deployment record follows the golden input; n = 0 for package 2), CHUNK_REQUEST 16+8k, CHUNK 20+len, EVENT 24, STATUS 48, PRESENCE 8,
//   INFO 60+c+g+32k, COMMAND 12 (collect: 16), TELEMETRY 48+...+4, TELEMETRY_ACK 16, DATA 32+4n bytes.
//
// Decoders treat input as untrusted: every length and range is checked before use; bytes after
// the known fields are ignored (later minors append). Encoders return the bytes written, or 0
// when `out_bytes` is too small or a field is out of range.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tmf {

constexpr uint8_t kOtaProtocolVersion = 1;
constexpr uint32_t kOtaHeaderBytes = 4;
constexpr uint32_t kOtaManifestFixedBytes = 264;
constexpr uint32_t kOtaMaxGoldenInputBytes = 4096;
// The deployment record (docs/protocol.md, "Deployment record"): 160 signed bytes, then the
// Ed25519 signature over them (64) and the signer's key id (32).
constexpr uint32_t kOtaDeployRecordSignedBytes = 160;
constexpr uint32_t kOtaDeployRecordBytes = kOtaDeployRecordSignedBytes + 64 + 32;
constexpr uint8_t kOtaDeployRecordMagic[8] = {'T', 'M', 'F', '-', 'D', 'E', 'P', '1'};
constexpr uint8_t kOtaDeployFlagGoldenDigest = 1;  // the record signs the golden output digest
constexpr uint32_t kOtaMaxManifestBytes = kOtaManifestFixedBytes + kOtaMaxGoldenInputBytes + kOtaDeployRecordBytes;
constexpr uint32_t kOtaMinChunkBytes = 64;
constexpr uint32_t kOtaMaxChunkBytes = 16384;
constexpr uint32_t kOtaChunkHeaderBytes = 20;
constexpr uint32_t kOtaMaxRanges = 16;
constexpr uint32_t kOtaEventBytes = 24;
constexpr uint32_t kOtaStatusBytes = 48;
constexpr uint32_t kOtaPresenceBytes = 8;
constexpr uint32_t kOtaCommandBytes = 12;
constexpr uint32_t kOtaCommandCollectBytes = 16;   // COMMAND collect appends the sample count
constexpr uint32_t kOtaTelemetryFixedBytes = 48;
constexpr uint32_t kOtaMaxTelemetryWindows = 32;   // windows summarized by one TELEMETRY batch
constexpr uint32_t kOtaMaxTelemetryFeatures = 64;  // features sketched in one batch
constexpr uint32_t kOtaMaxTelemetryBins = 32;      // histogram bins per feature
constexpr uint32_t kOtaTelemetryTrailerBytes = 4;  // u32 incarnation after the variable part
constexpr uint32_t kOtaTelemetryAckBytes = 16;
constexpr uint32_t kOtaTelemetryAckMinBytes = 12;  // an ack without the incarnation (older hosts)
constexpr uint32_t kOtaDataFixedBytes = 32;
constexpr uint32_t kOtaMaxDataSamples = 1024;      // float32 samples in one DATA segment
constexpr uint32_t kOtaMaxNameBytes = 32;   // fleet, device, group, core
constexpr uint32_t kOtaMaxKeys = 8;
constexpr uint32_t kOtaMaxTopicBytes = 4 + 3 * (kOtaMaxNameBytes + 1) + 16;
constexpr uint8_t kOtaPackageTmf1 = 1;
// A TMF 1 file whose self-test input the device derives from the signed content hash
// (ota_golden_input_fill) instead of receiving it in the MANIFEST (golden_input_bytes must be 0):
// a model whose inputs exceed kOtaMaxGoldenInputBytes. Agents before version 3 answer result 6.
constexpr uint8_t kOtaPackageTmf1DerivedGolden = 2;
constexpr uint8_t kOtaNoSlot = 0xFF;
// Signed message = magic || SHA-256(file[0, trailer.offset)).
constexpr uint8_t kOtaSignatureMagic[8] = {'T', 'M', 'F', '-', 'S', 'I', 'G', '1'};

enum class OtaMessageType : uint8_t {
  kOtaMessageManifest = 1,
  kOtaMessageChunkRequest = 2,
  kOtaMessageChunk = 3,
  kOtaMessageEvent = 4,
  kOtaMessageStatus = 5,
  kOtaMessagePresence = 6,
  kOtaMessageInfo = 7,
  kOtaMessageCommand = 8,
  kOtaMessageTelemetry = 9,
  kOtaMessageTelemetryAck = 10,
  kOtaMessageData = 11,
};

// Result codes: LwM2M firmware-update results 0..9, then ours (docs/protocol.md).
enum class OtaResult : uint8_t {
  kOtaResultInitial = 0,
  kOtaResultSuccess = 1,
  kOtaResultNotEnoughFlash = 2,
  kOtaResultOutOfRam = 3,
  kOtaResultConnectionLost = 4,
  kOtaResultIntegrityFailure = 5,
  kOtaResultUnsupportedPackage = 6,
  kOtaResultInvalidUri = 7,
  kOtaResultUpdateFailed = 8,
  kOtaResultUnsupportedProtocol = 9,
  kOtaResultSignatureInvalid = 10,
  kOtaResultVersionRollback = 11,
  kOtaResultOpUnsupported = 12,
  kOtaResultSelfTestFailed = 13,
  kOtaResultUnknownKey = 14,
  kOtaResultModelInvalid = 15,
  kOtaResultCancelled = 16,
  kOtaResultRecordReplayed = 17,   // the deployment record's sequence = the last one accepted
  kOtaResultRecordStale = 18,      // the record's sequence < the last one accepted
  kOtaResultWrongFleet = 19,       // the record names another fleet
  kOtaResultWrongGroup = 20,       // the record names another device group (class)
  kOtaResultRecordMissing = 21,    // the manifest carries no deployment record
  kOtaResultTrialFault = 22,       // the model on trial faulted the device (REVERTED detail: the faulting PC)
  // The confirmed model reset the device kAgentFaultLimit times within kAgentFaultWindowBoots boots
  // (agent.h); reverted to the previous model. By the kind of the reset that reached the limit
  // (REVERTED detail: its PC): a fault handler's record, or the watchdog's.
  kOtaResultConfirmedFaults = 23,
  kOtaResultConfirmedWatchdog = 24,
  kOtaResultTrialWatchdog = 25,    // the model on trial stalled the device: a watchdog reset (detail: the interrupted PC)
};

enum class OtaState : uint8_t {
  kOtaStateIdle = 0,
  kOtaStateErasing = 1,
  kOtaStateDownloading = 2,
  kOtaStateVerifying = 3,
  kOtaStateTrial = 4,
};

enum class OtaEvent : uint8_t {
  kOtaEventAccepted = 1,
  kOtaEventRejected = 2,
  kOtaEventVerified = 3,
  kOtaEventTrial = 4,
  kOtaEventConfirmed = 5,
  kOtaEventReverted = 6,
  kOtaEventResumed = 7,
  kOtaEventCancelled = 8,
};

enum class OtaCommandCode : uint8_t {
  kOtaCommandCancel = 1,
  kOtaCommandRevert = 2,
  kOtaCommandPublishStatus = 3,
  kOtaCommandReboot = 4,
  kOtaCommandCollect = 5,  // capture `collect_samples` contiguous raw samples, upload them as DATA
};

// The last path element of tmf/<fleet>/<device>/<leaf>.
enum class OtaTopic : uint8_t {
  kOtaTopicPresence = 0,
  kOtaTopicInfo,
  kOtaTopicStatus,
  kOtaTopicEvent,
  kOtaTopicRequest,
  kOtaTopicManifest,
  kOtaTopicChunk,
  kOtaTopicCommand,
  kOtaTopicTelemetry,  // TELEMETRY, device -> host, QoS 1
  kOtaTopicAck,        // TELEMETRY_ACK, host -> device, QoS 1
  kOtaTopicData,       // DATA, device -> host, QoS 1
  kOtaTopicCount,
};

enum class OtaDecodeStatus : uint8_t {
  kOtaDecodeOk = 0,
  kOtaDecodeTruncated,       // shorter than the type's layout or than its length fields say
  kOtaDecodeBadVersion,      // protocol version != 1
  kOtaDecodeWrongType,       // not the type the caller asked to decode
  kOtaDecodeBadField,        // a field out of its range (counts, lengths, zero update_id...)
};

// The signed deployment record a MANIFEST carries after its golden input: which model (content
// hash), for which fleet and device group, in which order (sequence), at which anti-rollback
// security counter. The device checks all of it before writing anything to flash.
struct OtaDeployRecord {
  uint32_t sequence;          // > the last sequence the device accepted (replay protection)
  uint32_t security_counter;  // >= the device's counter (anti-rollback, MCUboot style)
  uint32_t model_id;
  uint32_t model_version;
  uint8_t flags;              // kOtaDeployFlagGoldenDigest
  char fleet[kOtaMaxNameBytes + 1];  // NUL-terminated valid names (ota_name_valid)
  char group[kOtaMaxNameBytes + 1];
  uint8_t content_sha256[32];
  uint8_t golden_output_sha256[32];  // zeros unless the flag is set
  uint8_t signature[64];      // Ed25519 over the record's first 160 bytes
  uint8_t key_id[32];
};

struct OtaManifest {
  uint32_t update_id;
  uint32_t model_id;
  uint32_t model_version;
  uint32_t file_bytes;
  uint32_t content_bytes;
  uint32_t flash_bytes;
  uint32_t arena_bytes;
  uint32_t chunk_bytes;
  uint8_t package_type;
  uint16_t golden_input_bytes;
  uint8_t ops[32];
  uint8_t content_sha256[32];
  uint8_t file_sha256[32];
  uint8_t signature[64];
  uint8_t key_id[32];
  uint8_t golden_output_sha256[32];
  const uint8_t* golden_input;  // decode: points into the decoded buffer; encode: source bytes
  bool has_record;              // a deployment record follows the golden input
  OtaDeployRecord record;
  const uint8_t* record_bytes;  // decode: the record's 256 raw bytes in the decoded buffer
};

struct OtaRange {
  uint32_t offset;
  uint32_t length;
};

struct OtaChunkRequest {
  uint32_t update_id;
  uint32_t confirmed_bytes;
  uint16_t range_count;  // 1..kOtaMaxRanges
  OtaRange ranges[kOtaMaxRanges];
};

struct OtaChunk {
  uint32_t update_id;
  uint32_t offset;
  uint32_t length;
  uint32_t crc32;
  const uint8_t* data;  // decode: points into the decoded buffer (length bytes)
};

struct OtaEventMessage {
  uint32_t update_id;
  OtaEvent event;
  OtaResult result;
  OtaState state;
  uint8_t active_slot;
  uint32_t model_id;
  uint32_t model_version;
  uint32_t detail;
};

struct OtaStatusMessage {
  OtaState state;
  uint8_t active_slot;
  OtaResult last_result;
  uint32_t last_update_id;
  uint32_t active_model_id;
  uint32_t active_model_version;
  uint32_t previous_model_id;
  uint32_t previous_model_version;
  uint32_t confirmed_bytes;
  uint32_t download_file_bytes;
  uint32_t boot_count;
  uint32_t inference_count;
  uint32_t security_counter;  // the device's anti-rollback counter (highest confirmed)
};

struct OtaInfo {
  uint32_t agent_version;
  uint32_t ram_bytes;
  uint32_t slot_bytes;
  uint32_t flash_bytes;
  uint32_t max_chunk_bytes;
  uint8_t ops[32];
  char core[kOtaMaxNameBytes + 1];   // NUL-terminated (decode writes the NUL)
  char group[kOtaMaxNameBytes + 1];
  uint8_t key_count;
  uint8_t key_ids[kOtaMaxKeys][32];
};

struct OtaCommand {
  OtaCommandCode command;
  uint32_t update_id;        // cancel: the update; collect: the capture id (!= 0); else 0
  uint32_t collect_samples;  // collect only (16-byte COMMAND): samples to capture, >= 1
};

// What a device's detection loop is doing, reported with each TELEMETRY batch.
enum class OtaTelemetryPhase : uint8_t {
  kOtaPhaseNoModel = 0,
  kOtaPhaseCommissioning = 1,  // learning its baseline: no alarms yet
  kOtaPhaseMonitoring = 2,
};

// TELEMETRY (9): one batch of windows (docs/protocol.md). The batch is identified by
// (incarnation, boot_count, seq); the host acknowledges it with TELEMETRY_ACK after storing it,
// and the device sends it again until then.
//   fixed part (48 bytes), then scores f32[n], votes u8[n] padded to a multiple of 4, then if
//   F > 0: sketch_count u32, lo f32[F], hi f32[F], mean f32[F], m2 f32[F], histogram u16[F*B]
//   padded to a multiple of 4; then the trailer: incarnation u32 (a batch of a device older than
//   the trailer ends before it and decodes with incarnation 0); then, optionally, rms f32[n]: each
//   window's signal RMS (found by length: a batch without it ends at the trailer; hosts older than
//   it ignore the bytes).
struct OtaTelemetry {
  uint32_t incarnation;      // the device journal's id (journal.h); 0 from devices without one
  uint32_t boot_count;
  uint32_t seq;              // batch number since boot, from 1
  uint32_t model_id;         // active model (0: none)
  uint32_t model_version;
  uint8_t active_slot;       // 0, 1, kOtaNoSlot
  OtaTelemetryPhase phase;
  uint8_t alarm;             // alarm state after the batch's last window (0/1)
  uint8_t window_count;      // n: 0..kOtaMaxTelemetryWindows
  uint32_t first_window;     // index (since boot) of the batch's first window
  uint32_t uptime_s;
  uint32_t free_ram_bytes;   // arena bytes the running model leaves free
  uint32_t inference_cycles; // mean per window over the batch, in the port's cycle unit
  uint16_t alarms_raised;    // alarms raised by windows of this batch
  uint16_t candidates;       // windows with votes >= k
  uint16_t dropped_batches;  // batches dropped unacknowledged (full buffer) since boot
  uint8_t feature_count;     // F: 0 (no sketch) or 1..kOtaMaxTelemetryFeatures
  uint8_t bins;              // B: 0 or 1..kOtaMaxTelemetryBins
  uint32_t sketch_count;     // windows in the sketch (F > 0)
  // Encode reads the variable parts from these arrays (scores/votes [n]; lo, hi, mean, m2 [F];
  // histogram [F*B], feature-major). Decode leaves them null and sets `body` to the payload's
  // variable part: read it with the ota_telemetry_* accessors (it may be unaligned).
  const float* scores;       // the first detector's score per window
  const uint8_t* votes;      // decisions set per window
  const float* lo;
  const float* hi;
  const float* mean;
  const float* m2;           // sum of squared deviations from the mean over sketch_count windows
  const uint16_t* histogram;
  const float* rms;          // encode: per-window signal RMS [n], or null to send none
  const uint8_t* body;
  bool has_rms;              // decode: the batch carries the RMS part (ota_telemetry_rms)
};

// TELEMETRY_ACK (10): the host stored batch (incarnation, boot_count, seq).
//   4 boot_count | 8 seq | 12 incarnation (absent in the 12-byte acks of older hosts: decoded as
//   `has_incarnation` false, and then matching a batch of any incarnation).
struct OtaTelemetryAck {
  uint32_t boot_count;
  uint32_t seq;
  uint32_t incarnation;
  bool has_incarnation;
};

// DATA (11): one segment of a raw capture requested by COMMAND collect.
struct OtaData {
  uint32_t capture_id;      // from the command
  uint32_t offset;          // first sample of this segment within the capture
  uint32_t total_samples;   // samples in the whole capture
  uint32_t sample_rate_hz;
  uint32_t model_id;        // active model when captured (0: none)
  uint32_t model_version;
  uint16_t sample_count;    // n: 1..kOtaMaxDataSamples, offset + n <= total_samples
  const float* samples;     // encode: [n]; decode: null, read with ota_data_sample
  const uint8_t* body;      // decode: the samples' bytes (little-endian f32, may be unaligned)
};

// The type byte of a payload with a valid header, after checking version and length >= 4.
OtaDecodeStatus ota_message_type(const uint8_t* data, size_t size, OtaMessageType* type);

// Encodes the fixed part, the golden input and, if `has_record`, the record (its signature and
// key id as given: sign ota_deploy_record_signed_bytes() first).
size_t ota_manifest_encode(const OtaManifest& manifest, uint8_t* out, size_t out_bytes);
// A manifest without record bytes after the golden input decodes with has_record = false (the
// agent rejects it: result 21); bytes there that start with the record magic but break its
// layout are kOtaDecodeBadField.
OtaDecodeStatus ota_manifest_decode(const uint8_t* data, size_t size, OtaManifest* manifest);
// The derived golden input of package type 2 (docs/protocol.md, "Derived golden input"):
// SplitMix64 seeded by the first 8 bytes (little-endian) of the signed content hash, one draw per
// element of the graph inputs concatenated in input order. A float32 tensor takes one draw per
// 4 bytes, the value ((int32_t)(draw >> 40) - 2^23) / 2^23 in [-1, 1) (exact in float32); any
// other tensor one draw per byte, its top 8 bits. Fill the inputs in order through one stream.
struct OtaGoldenStream {
  uint64_t state;
};
void ota_golden_stream_init(OtaGoldenStream* stream, const uint8_t content_sha256[32]);
// Writes `bytes` of one input tensor (float32: `float32` true, bytes a multiple of 4; otherwise
// any bytes) and advances the stream.
void ota_golden_input_fill(OtaGoldenStream* stream, bool float32, uint8_t* out, uint32_t bytes);
// The 160 signed bytes of `record` (what the signer signs and the device verifies); 0 if a name
// is invalid or flags has unknown bits.
size_t ota_deploy_record_signed_bytes(const OtaDeployRecord& record, uint8_t out[kOtaDeployRecordSignedBytes]);
// The whole 256-byte record; 0 as above.
size_t ota_deploy_record_encode(const OtaDeployRecord& record, uint8_t* out, size_t out_bytes);
OtaDecodeStatus ota_deploy_record_decode(const uint8_t* data, size_t size, OtaDeployRecord* record);

size_t ota_chunk_request_encode(const OtaChunkRequest& request, uint8_t* out, size_t out_bytes);
OtaDecodeStatus ota_chunk_request_decode(const uint8_t* data, size_t size, OtaChunkRequest* request);

// Encodes header and data; crc32 is computed here from `chunk.data` (chunk.crc32 is ignored).
size_t ota_chunk_encode(const OtaChunk& chunk, uint8_t* out, size_t out_bytes);
// Checks lengths only; the caller checks the CRC with ota_chunk_crc_ok() (a bad CRC is transport
// damage, not a malformed message).
OtaDecodeStatus ota_chunk_decode(const uint8_t* data, size_t size, OtaChunk* chunk);
bool ota_chunk_crc_ok(const OtaChunk& chunk);

size_t ota_event_encode(const OtaEventMessage& event, uint8_t* out, size_t out_bytes);
OtaDecodeStatus ota_event_decode(const uint8_t* data, size_t size, OtaEventMessage* event);

size_t ota_status_encode(const OtaStatusMessage& status, uint8_t* out, size_t out_bytes);
OtaDecodeStatus ota_status_decode(const uint8_t* data, size_t size, OtaStatusMessage* status);

size_t ota_presence_encode(bool online, uint8_t* out, size_t out_bytes);
OtaDecodeStatus ota_presence_decode(const uint8_t* data, size_t size, bool* online);

size_t ota_info_encode(const OtaInfo& info, uint8_t* out, size_t out_bytes);
OtaDecodeStatus ota_info_decode(const uint8_t* data, size_t size, OtaInfo* info);

size_t ota_command_encode(const OtaCommand& command, uint8_t* out, size_t out_bytes);
OtaDecodeStatus ota_command_decode(const uint8_t* data, size_t size, OtaCommand* command);

// TELEMETRY: payload bytes for n windows, F features, B bins (the trailer included), with the
// optional per-window RMS part when `rms`.
size_t ota_telemetry_bytes(uint32_t window_count, uint32_t feature_count, uint32_t bins, bool rms = false);
size_t ota_telemetry_encode(const OtaTelemetry& telemetry, uint8_t* out, size_t out_bytes);
OtaDecodeStatus ota_telemetry_decode(const uint8_t* data, size_t size, OtaTelemetry* telemetry);
// Accessors of a decoded batch (indices unchecked: the caller stays below n, F, B).
float ota_telemetry_score(const OtaTelemetry& t, uint32_t window);
uint8_t ota_telemetry_votes(const OtaTelemetry& t, uint32_t window);
float ota_telemetry_lo(const OtaTelemetry& t, uint32_t feature);
float ota_telemetry_hi(const OtaTelemetry& t, uint32_t feature);
float ota_telemetry_mean(const OtaTelemetry& t, uint32_t feature);
float ota_telemetry_m2(const OtaTelemetry& t, uint32_t feature);
uint16_t ota_telemetry_bin(const OtaTelemetry& t, uint32_t feature, uint32_t bin);
// Only when has_rms.
float ota_telemetry_rms(const OtaTelemetry& t, uint32_t window);

size_t ota_telemetry_ack_encode(const OtaTelemetryAck& ack, uint8_t* out, size_t out_bytes);
OtaDecodeStatus ota_telemetry_ack_decode(const uint8_t* data, size_t size, OtaTelemetryAck* ack);

size_t ota_data_encode(const OtaData& data, uint8_t* out, size_t out_bytes);
OtaDecodeStatus ota_data_decode(const uint8_t* payload, size_t size, OtaData* data);
float ota_data_sample(const OtaData& data, uint32_t index);

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, init/xor-out 0xFFFFFFFF); `crc` chains
// calls: pass 0 first.
uint32_t ota_crc32(uint32_t crc, const void* data, size_t bytes);

// Opcode bitmaps (MANIFEST.ops, INFO.ops): bit op % 8 of byte op / 8.
inline bool ota_ops_has(const uint8_t ops[32], uint32_t opcode) {
  return opcode < 256 && ((ops[opcode / 8] >> (opcode % 8)) & 1u) != 0;
}
inline void ota_ops_set(uint8_t ops[32], uint32_t opcode) {
  if (opcode < 256) ops[opcode / 8] = static_cast<uint8_t>(ops[opcode / 8] | (1u << (opcode % 8)));
}

// True if `name` is 1..32 characters of [A-Za-z0-9_-].
bool ota_name_valid(const char* name);
// Writes "tmf/<fleet>/<device>/<leaf>" with a NUL; returns its length, 0 if a name is invalid or
// the buffer is too small.
size_t ota_topic_format(const char* fleet, const char* device, OtaTopic topic, char* out,
                        size_t out_bytes);
// The leaf name ("manifest", ...), "" for kOtaTopicCount.
const char* ota_topic_leaf(OtaTopic topic);
// If `topic` is tmf/<fleet>/<device>/<leaf> for these names, sets *leaf and returns true.
bool ota_topic_parse(const char* topic, const char* fleet, const char* device, OtaTopic* leaf);

const char* ota_result_to_string(OtaResult result);
const char* ota_state_to_string(OtaState state);
const char* ota_event_to_string(OtaEvent event);
const char* ota_decode_status_to_string(OtaDecodeStatus status);

}  // namespace tmf
