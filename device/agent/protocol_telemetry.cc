// TELEMETRY, TELEMETRY_ACK and DATA messages of the device protocol (protocol.h, docs/protocol.md);
// the OTA messages are in protocol.cc. Every field is read and written byte by byte in
// little-endian order, so the code is independent of host endianness and alignment.
#include "device/agent/protocol.h"

#include <string.h>

#include "device/agent/protocol_header.h"
#include "device/runtime/le_bytes.h"

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

}  // namespace

// ---- TELEMETRY ----
// Fixed part: 4 boot_count, 8 seq, 12 model_id, 16 model_version, 20 u8 active_slot, 21 u8 phase,
// 22 u8 alarm, 23 u8 window_count n, 24 first_window, 28 uptime_s, 32 free_ram_bytes,
// 36 inference_cycles, 40 u16 alarms_raised, 42 u16 candidates, 44 u16 dropped_batches,
// 46 u8 feature_count F, 47 u8 bins B. Then the variable part and the trailer (protocol.h).

namespace {

uint32_t pad4(uint32_t bytes) { return (bytes + 3u) & ~3u; }

bool telemetry_shape_ok(uint32_t n, uint32_t f, uint32_t b) {
  return n <= kOtaMaxTelemetryWindows && f <= kOtaMaxTelemetryFeatures && b <= kOtaMaxTelemetryBins &&
         (f > 0) == (b > 0);
}

bool telemetry_fields_ok(const OtaTelemetry& t) {
  return static_cast<uint8_t>(t.phase) <= static_cast<uint8_t>(OtaTelemetryPhase::kOtaPhaseMonitoring) &&
         t.alarm <= 1 && (t.active_slot <= 1 || t.active_slot == kOtaNoSlot) &&
         // A window raises at most one alarm and is at most one candidate: a larger count is
         // forged or corrupt (it would fan out into that many alert rows on the host).
         t.alarms_raised <= t.window_count && t.candidates <= t.window_count;
}

// Offsets inside the variable part (`body`, which starts at byte 48).
uint32_t telemetry_votes_at(uint32_t n) { return 4u * n; }
uint32_t telemetry_sketch_at(uint32_t n) { return 4u * n + pad4(n); }

// Bytes of the fixed and variable parts, without the trailer.
size_t telemetry_body_end(uint32_t n, uint32_t f, uint32_t b) {
  size_t total = kOtaTelemetryFixedBytes + telemetry_sketch_at(n);
  if (f > 0) total += 4u + 16u * f + pad4(2u * f * b);
  return total;
}

}  // namespace

size_t ota_telemetry_bytes(uint32_t n, uint32_t f, uint32_t b, bool rms) {
  if (!telemetry_shape_ok(n, f, b)) return 0;
  return telemetry_body_end(n, f, b) + kOtaTelemetryTrailerBytes + (rms ? 4u * n : 0u);
}

size_t ota_telemetry_encode(const OtaTelemetry& t, uint8_t* out, size_t out_bytes) {
  const uint32_t n = t.window_count, f = t.feature_count, b = t.bins;
  const size_t total = ota_telemetry_bytes(n, f, b, t.rms != nullptr);
  if (total == 0 || out_bytes < total || !telemetry_fields_ok(t)) return 0;
  if (n > 0 && (t.scores == nullptr || t.votes == nullptr)) return 0;
  if (f > 0 && (t.lo == nullptr || t.hi == nullptr || t.mean == nullptr || t.m2 == nullptr ||
                t.histogram == nullptr)) {
    return 0;
  }
  put_header(out, OtaMessageType::kOtaMessageTelemetry);
  put_u32(out + 4, t.boot_count);
  put_u32(out + 8, t.seq);
  put_u32(out + 12, t.model_id);
  put_u32(out + 16, t.model_version);
  out[20] = t.active_slot;
  out[21] = static_cast<uint8_t>(t.phase);
  out[22] = t.alarm;
  out[23] = t.window_count;
  put_u32(out + 24, t.first_window);
  put_u32(out + 28, t.uptime_s);
  put_u32(out + 32, t.free_ram_bytes);
  put_u32(out + 36, t.inference_cycles);
  put_u16(out + 40, t.alarms_raised);
  put_u16(out + 42, t.candidates);
  put_u16(out + 44, t.dropped_batches);
  out[46] = t.feature_count;
  out[47] = t.bins;
  uint8_t* body = out + kOtaTelemetryFixedBytes;
  for (uint32_t i = 0; i < n; ++i) put_f32(body + 4 * i, t.scores[i]);
  uint8_t* votes = body + telemetry_votes_at(n);
  for (uint32_t i = 0; i < pad4(n); ++i) votes[i] = i < n ? t.votes[i] : 0;
  if (f > 0) {
    uint8_t* sk = body + telemetry_sketch_at(n);
    put_u32(sk, t.sketch_count);
    for (uint32_t i = 0; i < f; ++i) {
      put_f32(sk + 4 + 4 * i, t.lo[i]);
      put_f32(sk + 4 + 4 * (f + i), t.hi[i]);
      put_f32(sk + 4 + 4 * (2 * f + i), t.mean[i]);
      put_f32(sk + 4 + 4 * (3 * f + i), t.m2[i]);
    }
    uint8_t* hist = sk + 4 + 16 * f;
    for (uint32_t i = 0; i < f * b; ++i) put_u16(hist + 2 * i, t.histogram[i]);
    if ((f * b) % 2 != 0) put_u16(hist + 2 * f * b, 0);
  }
  const size_t trailer = telemetry_body_end(n, f, b);
  put_u32(out + trailer, t.incarnation);
  if (t.rms != nullptr) {
    for (uint32_t i = 0; i < n; ++i) put_f32(out + trailer + kOtaTelemetryTrailerBytes + 4 * i, t.rms[i]);
  }
  return total;
}

OtaDecodeStatus ota_telemetry_decode(const uint8_t* data, size_t size, OtaTelemetry* t) {
  const OtaDecodeStatus s =
      check_header(data, size, OtaMessageType::kOtaMessageTelemetry, kOtaTelemetryFixedBytes);
  if (s != OtaDecodeStatus::kOtaDecodeOk) return s;
  t->boot_count = get_u32(data + 4);
  t->seq = get_u32(data + 8);
  t->model_id = get_u32(data + 12);
  t->model_version = get_u32(data + 16);
  t->active_slot = data[20];
  t->phase = static_cast<OtaTelemetryPhase>(data[21]);
  t->alarm = data[22];
  t->window_count = data[23];
  t->first_window = get_u32(data + 24);
  t->uptime_s = get_u32(data + 28);
  t->free_ram_bytes = get_u32(data + 32);
  t->inference_cycles = get_u32(data + 36);
  t->alarms_raised = get_u16(data + 40);
  t->candidates = get_u16(data + 42);
  t->dropped_batches = get_u16(data + 44);
  t->feature_count = data[46];
  t->bins = data[47];
  t->sketch_count = 0;
  t->scores = nullptr;
  t->votes = nullptr;
  t->lo = t->hi = t->mean = t->m2 = nullptr;
  t->histogram = nullptr;
  t->rms = nullptr;
  t->body = nullptr;
  t->has_rms = false;
  if (!telemetry_shape_ok(t->window_count, t->feature_count, t->bins) || !telemetry_fields_ok(*t)) {
    return OtaDecodeStatus::kOtaDecodeBadField;
  }
  const size_t body_end = telemetry_body_end(t->window_count, t->feature_count, t->bins);
  if (size < body_end) return OtaDecodeStatus::kOtaDecodeTruncated;
  t->incarnation = size >= body_end + kOtaTelemetryTrailerBytes ? get_u32(data + body_end) : 0;
  // The RMS part is there when the bytes after the trailer hold all n values; fewer are ignored
  // (as any bytes after the trailer were before it existed), and so is anything after them.
  const size_t after = size > body_end + kOtaTelemetryTrailerBytes ? size - body_end - kOtaTelemetryTrailerBytes : 0;
  t->has_rms = t->window_count > 0 && after >= 4u * static_cast<size_t>(t->window_count);
  t->body = data + kOtaTelemetryFixedBytes;
  if (t->feature_count > 0) t->sketch_count = get_u32(t->body + telemetry_sketch_at(t->window_count));
  return OtaDecodeStatus::kOtaDecodeOk;
}

float ota_telemetry_score(const OtaTelemetry& t, uint32_t window) { return get_f32(t.body + 4 * window); }
uint8_t ota_telemetry_votes(const OtaTelemetry& t, uint32_t window) {
  return t.body[telemetry_votes_at(t.window_count) + window];
}
namespace {
float telemetry_sketch_f32(const OtaTelemetry& t, uint32_t array, uint32_t feature) {
  return get_f32(t.body + telemetry_sketch_at(t.window_count) + 4 + 4 * (array * t.feature_count + feature));
}
}  // namespace
float ota_telemetry_lo(const OtaTelemetry& t, uint32_t feature) { return telemetry_sketch_f32(t, 0, feature); }
float ota_telemetry_hi(const OtaTelemetry& t, uint32_t feature) { return telemetry_sketch_f32(t, 1, feature); }
float ota_telemetry_mean(const OtaTelemetry& t, uint32_t feature) { return telemetry_sketch_f32(t, 2, feature); }
float ota_telemetry_m2(const OtaTelemetry& t, uint32_t feature) { return telemetry_sketch_f32(t, 3, feature); }
uint16_t ota_telemetry_bin(const OtaTelemetry& t, uint32_t feature, uint32_t bin) {
  const uint8_t* hist = t.body + telemetry_sketch_at(t.window_count) + 4 + 16u * t.feature_count;
  return get_u16(hist + 2 * (feature * t.bins + bin));
}

float ota_telemetry_rms(const OtaTelemetry& t, uint32_t window) {
  const size_t at = telemetry_body_end(t.window_count, t.feature_count, t.bins) + kOtaTelemetryTrailerBytes -
                    kOtaTelemetryFixedBytes + 4u * window;
  return get_f32(t.body + at);
}

// ---- TELEMETRY_ACK ----

size_t ota_telemetry_ack_encode(const OtaTelemetryAck& a, uint8_t* out, size_t out_bytes) {
  if (a.seq == 0 || out_bytes < kOtaTelemetryAckBytes) return 0;
  put_header(out, OtaMessageType::kOtaMessageTelemetryAck);
  put_u32(out + 4, a.boot_count);
  put_u32(out + 8, a.seq);
  put_u32(out + 12, a.incarnation);
  return kOtaTelemetryAckBytes;
}

OtaDecodeStatus ota_telemetry_ack_decode(const uint8_t* data, size_t size, OtaTelemetryAck* a) {
  const OtaDecodeStatus s =
      check_header(data, size, OtaMessageType::kOtaMessageTelemetryAck, kOtaTelemetryAckMinBytes);
  if (s != OtaDecodeStatus::kOtaDecodeOk) return s;
  a->boot_count = get_u32(data + 4);
  a->seq = get_u32(data + 8);
  a->has_incarnation = size >= kOtaTelemetryAckBytes;
  a->incarnation = a->has_incarnation ? get_u32(data + 12) : 0;
  if (a->seq == 0) return OtaDecodeStatus::kOtaDecodeBadField;  // batches count from 1
  return OtaDecodeStatus::kOtaDecodeOk;
}

// ---- DATA ----
// 4 capture_id, 8 offset, 12 total_samples, 16 sample_rate_hz, 20 model_id, 24 model_version,
// 28 u16 sample_count n, 30 u16 reserved, 32 f32[n] samples.

namespace {
bool data_fields_ok(uint32_t capture_id, uint32_t offset, uint32_t total, uint32_t n) {
  return capture_id != 0 && n >= 1 && n <= kOtaMaxDataSamples &&
         static_cast<uint64_t>(offset) + n <= total;
}
}  // namespace

size_t ota_data_encode(const OtaData& d, uint8_t* out, size_t out_bytes) {
  if (!data_fields_ok(d.capture_id, d.offset, d.total_samples, d.sample_count) || d.samples == nullptr) {
    return 0;
  }
  const size_t total = kOtaDataFixedBytes + 4u * d.sample_count;
  if (out_bytes < total) return 0;
  put_header(out, OtaMessageType::kOtaMessageData);
  put_u32(out + 4, d.capture_id);
  put_u32(out + 8, d.offset);
  put_u32(out + 12, d.total_samples);
  put_u32(out + 16, d.sample_rate_hz);
  put_u32(out + 20, d.model_id);
  put_u32(out + 24, d.model_version);
  put_u16(out + 28, d.sample_count);
  put_u16(out + 30, 0);
  for (uint32_t i = 0; i < d.sample_count; ++i) put_f32(out + kOtaDataFixedBytes + 4 * i, d.samples[i]);
  return total;
}

OtaDecodeStatus ota_data_decode(const uint8_t* payload, size_t size, OtaData* d) {
  const OtaDecodeStatus s =
      check_header(payload, size, OtaMessageType::kOtaMessageData, kOtaDataFixedBytes);
  if (s != OtaDecodeStatus::kOtaDecodeOk) return s;
  d->capture_id = get_u32(payload + 4);
  d->offset = get_u32(payload + 8);
  d->total_samples = get_u32(payload + 12);
  d->sample_rate_hz = get_u32(payload + 16);
  d->model_id = get_u32(payload + 20);
  d->model_version = get_u32(payload + 24);
  d->sample_count = get_u16(payload + 28);
  d->samples = nullptr;
  d->body = nullptr;
  if (!data_fields_ok(d->capture_id, d->offset, d->total_samples, d->sample_count)) {
    return OtaDecodeStatus::kOtaDecodeBadField;
  }
  if (size < kOtaDataFixedBytes + 4u * static_cast<size_t>(d->sample_count)) {
    return OtaDecodeStatus::kOtaDecodeTruncated;
  }
  d->body = payload + kOtaDataFixedBytes;
  return OtaDecodeStatus::kOtaDecodeOk;
}

float ota_data_sample(const OtaData& d, uint32_t index) { return get_f32(d.body + 4 * index); }

}  // namespace tmf
