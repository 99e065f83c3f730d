// The protocol codec (device/agent/protocol.h), the monitoring side: TELEMETRY (sketch, trailer,
// the optional RMS part), its ack, DATA and their topic names, against payloads hand-built here
// byte by byte; truncated and out-of-range input refused. The update side: protocol_test.cc.
#include <string.h>

#include <utility>
#include <vector>

#include "device/agent/protocol.h"
#include "tests/support/le_bytes.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using test_bytes::le16;
using test_bytes::le32;
using test_bytes::lef;

TMF_TEST(OtaProtocol, TelemetryHandBuiltWithSketch) {
  // n = 3 windows, F = 2 features, B = 3 bins: 48 + 12 + 4 (votes 3 + pad 1) + 4 + 32 + 12 (6 u16).
  std::vector<uint8_t> b = {1, 9, 0, 0};
  le32(&b, 7);            // boot_count
  le32(&b, 12);           // seq
  le32(&b, 501);          // model_id
  le32(&b, 3);            // model_version
  b.insert(b.end(), {1, 2, 1, 3});  // slot 1, monitoring, alarm on, n = 3
  le32(&b, 88);           // first_window
  le32(&b, 3600);         // uptime_s
  le32(&b, 12345);        // free_ram_bytes
  le32(&b, 79153);        // inference_cycles
  le16(&b, 1);            // alarms_raised
  le16(&b, 2);            // candidates
  le16(&b, 4);            // dropped_batches
  b.insert(b.end(), {2, 3});  // F, B
  TMF_ASSERT(b.size() == 48);
  lef(&b, 0.25f), lef(&b, -1.5f), lef(&b, 3.0f);  // scores
  b.insert(b.end(), {0, 2, 3, 0});               // votes + pad
  le32(&b, 5);                                    // sketch_count
  lef(&b, -1.0f), lef(&b, 0.0f);                  // lo
  lef(&b, 1.0f), lef(&b, 10.0f);                  // hi
  lef(&b, 0.5f), lef(&b, 4.0f);                   // mean
  lef(&b, 2.0f), lef(&b, 8.0f);                   // m2
  for (uint32_t v : {1u, 3u, 1u, 0u, 5u, 0xFFFFu}) le16(&b, v);  // histogram, F*B even: no pad
  TMF_ASSERT(b.size() == 112);
  TMF_EXPECT_EQ(ota_telemetry_bytes(3, 2, 3), 116u);  // with the incarnation trailer

  // Without the trailer (a device older than incarnation ids): incarnation 0.
  OtaTelemetry t{};
  t.incarnation = 99;
  TMF_ASSERT(ota_telemetry_decode(b.data(), b.size(), &t) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT_EQ(t.incarnation, 0u);
  le32(&b, 0xA1B2C3D4u);  // the trailer
  TMF_ASSERT(ota_telemetry_decode(b.data(), b.size(), &t) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT_EQ(t.incarnation, 0xA1B2C3D4u);
  TMF_EXPECT_EQ(t.boot_count, 7u);
  TMF_EXPECT_EQ(t.seq, 12u);
  TMF_EXPECT_EQ(t.model_id, 501u);
  TMF_EXPECT_EQ(t.active_slot, 1);
  TMF_EXPECT(t.phase == OtaTelemetryPhase::kOtaPhaseMonitoring);
  TMF_EXPECT_EQ(t.alarm, 1);
  TMF_EXPECT_EQ(t.first_window, 88u);
  TMF_EXPECT_EQ(t.inference_cycles, 79153u);
  TMF_EXPECT_EQ(t.dropped_batches, 4);
  TMF_EXPECT_EQ(t.sketch_count, 5u);
  TMF_EXPECT(ota_telemetry_score(t, 1) == -1.5f);
  TMF_EXPECT_EQ(ota_telemetry_votes(t, 2), 3);
  TMF_EXPECT(ota_telemetry_lo(t, 0) == -1.0f && ota_telemetry_hi(t, 1) == 10.0f);
  TMF_EXPECT(ota_telemetry_mean(t, 1) == 4.0f && ota_telemetry_m2(t, 0) == 2.0f);
  TMF_EXPECT_EQ(ota_telemetry_bin(t, 0, 1), 3);
  TMF_EXPECT_EQ(ota_telemetry_bin(t, 1, 2), 0xFFFF);

  // Encoding the same fields gives the same bytes.
  const float scores[3] = {0.25f, -1.5f, 3.0f};
  const uint8_t votes[3] = {0, 2, 3};
  const float lo[2] = {-1.0f, 0.0f}, hi[2] = {1.0f, 10.0f}, mean[2] = {0.5f, 4.0f}, m2[2] = {2.0f, 8.0f};
  const uint16_t hist[6] = {1, 3, 1, 0, 5, 0xFFFF};
  OtaTelemetry e = t;
  e.scores = scores, e.votes = votes, e.lo = lo, e.hi = hi, e.mean = mean, e.m2 = m2, e.histogram = hist;
  uint8_t out[256];
  TMF_ASSERT(ota_telemetry_encode(e, out, sizeof(out)) == 116);
  TMF_EXPECT_BYTES_EQ(out, b.data(), 116);
  TMF_EXPECT_EQ(ota_telemetry_encode(e, out, 115), 0u);

  for (size_t cut = 0; cut < 112; ++cut) {
    TMF_EXPECT(ota_telemetry_decode(b.data(), cut, &t) != OtaDecodeStatus::kOtaDecodeOk);
  }
  std::vector<uint8_t> longer = b;
  longer.resize(b.size() + 9, 0xEE);
  TMF_EXPECT(ota_telemetry_decode(longer.data(), longer.size(), &t) == OtaDecodeStatus::kOtaDecodeOk);

  // Ranges: n > 32, F > 64, B > 32, F > 0 with B = 0, phase 3, alarm 2, slot 2.
  const std::pair<size_t, uint8_t> bad_fields[] = {{23, 33}, {46, 65}, {47, 33}, {47, 0}, {21, 3}, {22, 2}, {20, 2}};
  for (const auto& [at, value] : bad_fields) {
    std::vector<uint8_t> bad = longer;
    bad[at] = value;
    TMF_EXPECT(ota_telemetry_decode(bad.data(), bad.size(), &t) == OtaDecodeStatus::kOtaDecodeBadField);
  }
}

// The optional per-window RMS after the trailer: golden bytes, both directions of compatibility
// (a batch with it is the batch without it plus 4n bytes, which older decoders never read; a
// batch without it decodes with has_rms false), and only a whole RMS part counts.
TMF_TEST(OtaProtocol, TelemetryRmsPartAfterTheTrailer) {
  const float scores[3] = {0.25f, -1.5f, 3.0f}, rms[3] = {0.5f, 12.25f, -0.0f};
  const uint8_t votes[3] = {0, 2, 3};
  OtaTelemetry t{};
  t.incarnation = 0xA1B2C3D4u, t.boot_count = 7, t.seq = 12, t.model_id = 501, t.model_version = 3;
  t.active_slot = 1, t.phase = OtaTelemetryPhase::kOtaPhaseMonitoring, t.window_count = 3;
  t.scores = scores, t.votes = votes;
  uint8_t plain[128], with[128];
  const size_t plain_bytes = ota_telemetry_encode(t, plain, sizeof plain);
  TMF_ASSERT(plain_bytes == 48 + 12 + 4 + 4);
  TMF_EXPECT_EQ(ota_telemetry_bytes(3, 0, 0, true), plain_bytes + 12);
  t.rms = rms;
  TMF_ASSERT(ota_telemetry_encode(t, with, sizeof with) == plain_bytes + 12);
  TMF_EXPECT_EQ(ota_telemetry_encode(t, with, plain_bytes + 11), 0u);
  TMF_EXPECT_BYTES_EQ(with, plain, static_cast<uint32_t>(plain_bytes));
  // Golden: f32 little-endian after the trailer (0.5 = 0x3F000000, 12.25 = 0x41440000, -0 = 0x80000000).
  const uint8_t tail[12] = {0, 0, 0, 0x3F, 0, 0, 0x44, 0x41, 0, 0, 0, 0x80};
  TMF_EXPECT_BYTES_EQ(with + plain_bytes, tail, 12);

  OtaTelemetry d{};
  TMF_ASSERT(ota_telemetry_decode(with, plain_bytes + 12, &d) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT(d.has_rms && d.incarnation == 0xA1B2C3D4u);
  TMF_EXPECT(ota_telemetry_rms(d, 0) == 0.5f && ota_telemetry_rms(d, 1) == 12.25f);
  TMF_EXPECT(ota_telemetry_score(d, 2) == 3.0f && ota_telemetry_votes(d, 1) == 2);
  // A device without RMS (or before it): has_rms false, everything else the same.
  TMF_ASSERT(ota_telemetry_decode(plain, plain_bytes, &d) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT(!d.has_rms && d.incarnation == 0xA1B2C3D4u && d.seq == 12u);
  // Cut inside the RMS part: the batch decodes, without RMS (never a read past the end).
  for (size_t cut = plain_bytes; cut < plain_bytes + 12; ++cut) {
    TMF_ASSERT(ota_telemetry_decode(with, cut, &d) == OtaDecodeStatus::kOtaDecodeOk);
    TMF_EXPECT(!d.has_rms && d.incarnation == 0xA1B2C3D4u);
  }
  // Bytes after the RMS part are ignored, as the RMS part is by older decoders.
  std::vector<uint8_t> longer(with, with + plain_bytes + 12);
  longer.resize(longer.size() + 5, 0xEE);
  TMF_ASSERT(ota_telemetry_decode(longer.data(), longer.size(), &d) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT(d.has_rms && ota_telemetry_rms(d, 1) == 12.25f);
  // An empty batch has no RMS part whatever follows the trailer.
  OtaTelemetry empty{};
  empty.boot_count = 1, empty.seq = 1, empty.phase = OtaTelemetryPhase::kOtaPhaseNoModel, empty.active_slot = kOtaNoSlot;
  empty.rms = rms;
  uint8_t e[64];
  const size_t empty_bytes = ota_telemetry_encode(empty, e, sizeof e);
  TMF_ASSERT(empty_bytes == 52);
  TMF_ASSERT(ota_telemetry_decode(e, empty_bytes, &d) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT(!d.has_rms);
}

// Regression (issue 12): one 48-byte batch claiming 65,535 alarms fanned out into 65,535 alert
// rows on the host. A window raises at most one alarm and is at most one candidate.
TMF_TEST(OtaProtocol, TelemetryAlarmsRaisedBeyondWindowsIsMalformed) {
  const float scores[2] = {0.1f, 0.2f};
  const uint8_t votes[2] = {1, 1};
  OtaTelemetry t{};
  t.boot_count = 1, t.seq = 1, t.window_count = 2, t.active_slot = 0;
  t.phase = OtaTelemetryPhase::kOtaPhaseMonitoring;
  t.scores = scores, t.votes = votes;
  uint8_t out[128];
  t.alarms_raised = 2, t.candidates = 2;
  const size_t n = ota_telemetry_encode(t, out, sizeof out);
  TMF_ASSERT(n > 0);
  OtaTelemetry d{};
  TMF_EXPECT(ota_telemetry_decode(out, n, &d) == OtaDecodeStatus::kOtaDecodeOk);
  out[40] = 0xFF, out[41] = 0xFF;  // alarms_raised 65,535 with 2 windows
  TMF_EXPECT(ota_telemetry_decode(out, n, &d) == OtaDecodeStatus::kOtaDecodeBadField);
  out[40] = 3, out[41] = 0;  // one more than the windows
  TMF_EXPECT(ota_telemetry_decode(out, n, &d) == OtaDecodeStatus::kOtaDecodeBadField);
  out[40] = 2, out[42] = 3;  // candidates beyond the windows
  TMF_EXPECT(ota_telemetry_decode(out, n, &d) == OtaDecodeStatus::kOtaDecodeBadField);
  t.alarms_raised = 3;  // the encoder refuses it too
  TMF_EXPECT_EQ(ota_telemetry_encode(t, out, sizeof out), 0u);
}

TMF_TEST(OtaProtocol, TelemetryRoundTripShapes) {
  // Shapes with odd padding: votes n % 4 != 0, histogram F*B odd; no sketch; empty batch.
  const uint32_t shapes[][3] = {{0, 0, 0}, {1, 0, 0}, {5, 1, 1}, {32, 64, 32}, {7, 3, 5}, {32, 0, 0}};
  for (const auto& shape : shapes) {
    const uint32_t n = shape[0], f = shape[1], bins = shape[2];
    std::vector<float> scores(n), lo(f), hi(f), mean(f), m2(f);
    std::vector<uint8_t> votes(n);
    std::vector<uint16_t> hist(f * bins);
    for (uint32_t i = 0; i < n; ++i) scores[i] = 0.1f * static_cast<float>(i) - 1.0f, votes[i] = static_cast<uint8_t>(i % 5);
    for (uint32_t i = 0; i < f; ++i) lo[i] = -static_cast<float>(i), hi[i] = static_cast<float>(i) + 1, mean[i] = 0.5f * i, m2[i] = 3.0f * i;
    for (uint32_t i = 0; i < f * bins; ++i) hist[i] = static_cast<uint16_t>(i * 37);
    OtaTelemetry t{};
    t.incarnation = 0xFEEDF00Du + n, t.boot_count = 2, t.seq = 1, t.model_id = 9, t.model_version = 4;
    t.active_slot = kOtaNoSlot;
    t.phase = OtaTelemetryPhase::kOtaPhaseCommissioning;
    t.window_count = static_cast<uint8_t>(n), t.feature_count = static_cast<uint8_t>(f), t.bins = static_cast<uint8_t>(bins);
    t.sketch_count = n;
    t.scores = scores.data(), t.votes = votes.data(), t.lo = lo.data(), t.hi = hi.data();
    t.mean = mean.data(), t.m2 = m2.data(), t.histogram = hist.data();
    std::vector<uint8_t> bytes(ota_telemetry_bytes(n, f, bins));
    TMF_ASSERT(!bytes.empty() && bytes.size() % 4 == 0);
    TMF_ASSERT(ota_telemetry_encode(t, bytes.data(), bytes.size()) == bytes.size());
    OtaTelemetry d{};
    TMF_ASSERT(ota_telemetry_decode(bytes.data(), bytes.size(), &d) == OtaDecodeStatus::kOtaDecodeOk);
    TMF_EXPECT_EQ(d.window_count, n);
    TMF_EXPECT_EQ(d.incarnation, 0xFEEDF00Du + n);
    TMF_EXPECT(d.active_slot == kOtaNoSlot && d.phase == OtaTelemetryPhase::kOtaPhaseCommissioning);
    for (uint32_t i = 0; i < n; ++i) {
      TMF_EXPECT(ota_telemetry_score(d, i) == scores[i]);
      TMF_EXPECT_EQ(ota_telemetry_votes(d, i), votes[i]);
    }
    for (uint32_t i = 0; i < f; ++i) {
      TMF_EXPECT(ota_telemetry_lo(d, i) == lo[i] && ota_telemetry_hi(d, i) == hi[i]);
      TMF_EXPECT(ota_telemetry_mean(d, i) == mean[i] && ota_telemetry_m2(d, i) == m2[i]);
      for (uint32_t k = 0; k < bins; ++k) TMF_EXPECT_EQ(ota_telemetry_bin(d, i, k), hist[i * bins + k]);
    }
    if (f > 0) TMF_EXPECT_EQ(d.sketch_count, n);
    // Shorter than the fixed and variable parts: refused; only the whole trailer counts.
    const size_t body_end = bytes.size() - kOtaTelemetryTrailerBytes;
    for (size_t cut = 0; cut < body_end; ++cut) {
      TMF_EXPECT(ota_telemetry_decode(bytes.data(), cut, &d) != OtaDecodeStatus::kOtaDecodeOk);
    }
    for (size_t cut = body_end; cut < bytes.size(); ++cut) {
      TMF_ASSERT(ota_telemetry_decode(bytes.data(), cut, &d) == OtaDecodeStatus::kOtaDecodeOk);
      TMF_EXPECT_EQ(d.incarnation, 0u);
    }
  }
  // The encoder refuses shapes the decoder would refuse.
  OtaTelemetry t{};
  uint8_t out[64];
  t.feature_count = 1;  // F > 0 with B = 0
  TMF_EXPECT_EQ(ota_telemetry_encode(t, out, sizeof(out)), 0u);
  TMF_EXPECT_EQ(ota_telemetry_bytes(33, 0, 0), 0u);
  TMF_EXPECT_EQ(ota_telemetry_bytes(1, 65, 1), 0u);
  TMF_EXPECT_EQ(ota_telemetry_bytes(1, 1, 33), 0u);
}

TMF_TEST(OtaProtocol, TelemetryAck) {
  const uint8_t ack[12] = {1, 10, 0, 0, 0x02, 0x01, 0, 0, 0x2A, 0, 0, 0};
  OtaTelemetryAck a{};
  TMF_ASSERT(ota_telemetry_ack_decode(ack, 12, &a) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT_EQ(a.boot_count, 0x0102u);
  TMF_EXPECT_EQ(a.seq, 42u);
  TMF_EXPECT(!a.has_incarnation);  // an older host's 12-byte ack
  uint8_t out[16];
  a.incarnation = 0x0A0B0C0Du;
  TMF_ASSERT(ota_telemetry_ack_encode(a, out, sizeof(out)) == kOtaTelemetryAckBytes);
  TMF_EXPECT_BYTES_EQ(out, ack, 12);
  const uint8_t incarnation_bytes[4] = {0x0D, 0x0C, 0x0B, 0x0A};
  TMF_EXPECT_BYTES_EQ(out + 12, incarnation_bytes, 4);
  OtaTelemetryAck full{};
  TMF_ASSERT(ota_telemetry_ack_decode(out, sizeof(out), &full) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT(full.has_incarnation && full.incarnation == 0x0A0B0C0Du && full.seq == 42u);
  for (size_t cut = 0; cut < 12; ++cut) {
    TMF_EXPECT(ota_telemetry_ack_decode(ack, cut, &a) != OtaDecodeStatus::kOtaDecodeOk);
  }
  uint8_t zero_seq[12];
  memcpy(zero_seq, ack, 12);
  zero_seq[8] = 0;
  TMF_EXPECT(ota_telemetry_ack_decode(zero_seq, 12, &a) == OtaDecodeStatus::kOtaDecodeBadField);
  TMF_EXPECT_EQ(ota_telemetry_ack_encode(OtaTelemetryAck{1, 0}, out, sizeof(out)), 0u);
  OtaTelemetry not_telemetry{};
  TMF_EXPECT(ota_telemetry_decode(ack, 12, &not_telemetry) == OtaDecodeStatus::kOtaDecodeWrongType);
}

TMF_TEST(OtaProtocol, DataHandBuiltAndChecks) {
  std::vector<uint8_t> b = {1, 11, 0, 0};
  le32(&b, 77);      // capture_id
  le32(&b, 1024);    // offset
  le32(&b, 1027);    // total_samples
  le32(&b, 25600);   // sample_rate_hz
  le32(&b, 501);     // model_id
  le32(&b, 3);       // model_version
  le16(&b, 3), le16(&b, 0);
  lef(&b, 1.0f), lef(&b, -0.0f), lef(&b, 6.5e-8f);
  TMF_ASSERT(b.size() == 44);
  OtaData d{};
  TMF_ASSERT(ota_data_decode(b.data(), b.size(), &d) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT_EQ(d.capture_id, 77u);
  TMF_EXPECT_EQ(d.offset, 1024u);
  TMF_EXPECT_EQ(d.total_samples, 1027u);
  TMF_EXPECT_EQ(d.sample_rate_hz, 25600u);
  TMF_EXPECT_EQ(d.sample_count, 3);
  TMF_EXPECT(ota_data_sample(d, 0) == 1.0f && ota_data_sample(d, 2) == 6.5e-8f);
  const float samples[3] = {1.0f, -0.0f, 6.5e-8f};
  OtaData e = d;
  e.samples = samples;
  uint8_t out[64];
  TMF_ASSERT(ota_data_encode(e, out, sizeof(out)) == 44);
  TMF_EXPECT_BYTES_EQ(out, b.data(), 44);
  TMF_EXPECT_EQ(ota_data_encode(e, out, 43), 0u);
  for (size_t cut = 0; cut < b.size(); ++cut) {
    TMF_EXPECT(ota_data_decode(b.data(), cut, &d) != OtaDecodeStatus::kOtaDecodeOk);
  }
  std::vector<uint8_t> longer = b;
  longer.push_back(0);
  TMF_EXPECT(ota_data_decode(longer.data(), longer.size(), &d) == OtaDecodeStatus::kOtaDecodeOk);
  // offset + n > total; n = 0; n = 1025; capture id 0; offset + n overflowing 32 bits.
  auto with = [&](size_t at, uint32_t v, int width) {
    std::vector<uint8_t> x = longer;
    for (int i = 0; i < width; ++i) x[at + i] = static_cast<uint8_t>(v >> (8 * i));
    return ota_data_decode(x.data(), x.size(), &d);
  };
  TMF_EXPECT(with(12, 1026, 4) == OtaDecodeStatus::kOtaDecodeBadField);
  TMF_EXPECT(with(28, 0, 2) == OtaDecodeStatus::kOtaDecodeBadField);
  TMF_EXPECT(with(28, 1025, 2) == OtaDecodeStatus::kOtaDecodeBadField);
  TMF_EXPECT(with(4, 0, 4) == OtaDecodeStatus::kOtaDecodeBadField);
  TMF_EXPECT(with(8, 0xFFFFFFFEu, 4) == OtaDecodeStatus::kOtaDecodeBadField);
  e.sample_count = 0;
  TMF_EXPECT_EQ(ota_data_encode(e, out, sizeof(out)), 0u);
  // A full 1024-sample segment round-trips bit-exactly (NaN payloads included).
  std::vector<float> big(kOtaMaxDataSamples);
  for (uint32_t i = 0; i < big.size(); ++i) {
    const uint32_t bits = 0x9E3779B9u * (i + 1);
    memcpy(&big[i], &bits, 4);
  }
  OtaData full{5, 0, kOtaMaxDataSamples, 8000, 0, 0, static_cast<uint16_t>(kOtaMaxDataSamples), big.data(), nullptr};
  std::vector<uint8_t> fb(kOtaDataFixedBytes + 4 * kOtaMaxDataSamples);
  TMF_ASSERT(ota_data_encode(full, fb.data(), fb.size()) == fb.size());
  TMF_ASSERT(ota_data_decode(fb.data(), fb.size(), &d) == OtaDecodeStatus::kOtaDecodeOk);
  bool exact = true;
  for (uint32_t i = 0; i < big.size(); ++i) {
    const float v = ota_data_sample(d, i);
    exact = exact && memcmp(&v, &big[i], 4) == 0;
  }
  TMF_EXPECT(exact);
}

TMF_TEST(OtaProtocol, NewTopics) {
  char topic[kOtaMaxTopicBytes];
  TMF_EXPECT(ota_topic_format("f", "d", OtaTopic::kOtaTopicTelemetry, topic, sizeof(topic)) > 0 &&
             strcmp(topic, "tmf/f/d/telemetry") == 0);
  TMF_EXPECT(ota_topic_format("f", "d", OtaTopic::kOtaTopicData, topic, sizeof(topic)) > 0 &&
             strcmp(topic, "tmf/f/d/data") == 0);
  OtaTopic leaf{};
  TMF_EXPECT(ota_topic_parse("tmf/f/d/ack", "f", "d", &leaf) && leaf == OtaTopic::kOtaTopicAck);
  TMF_EXPECT(ota_topic_parse("tmf/f/d/telemetry", "f", "d", &leaf) && leaf == OtaTopic::kOtaTopicTelemetry);
}

}  // namespace
}  // namespace tmf
