// device/app raw data collection and message hygiene: COMMAND collect -> DATA segments that
// reassemble the capture bit for bit, at most one per data interval on the fake clock, clamped
// to the capture buffer; malformed or unknown messages neither start anything nor disturb the
// agent or the detection loop.
#include <string.h>

#include <vector>

#include "app_rig.h"
#include "tests/support/tmf_test.h"

namespace tmf_test {
namespace {

using tmf::OtaTopic;

std::vector<uint8_t> collect_bytes(uint32_t capture_id, uint32_t samples) {
  std::vector<uint8_t> b(tmf::kOtaCommandCollectBytes);
  const tmf::OtaCommand c{tmf::OtaCommandCode::kOtaCommandCollect, capture_id, samples};
  b.resize(tmf::ota_command_encode(c, b.data(), b.size()));
  return b;
}

// Samples with every kind of bit pattern (NaNs, negative zero, denormals) in them.
std::vector<float> odd_samples(uint32_t n) {
  std::vector<float> x(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t bits = i % 5 == 0 ? 0x7FC00001u + i : i % 5 == 1 ? 0x80000000u : i % 5 == 2 ? i : 0x9E3779B9u * i;
    memcpy(&x[i], &bits, 4);
  }
  return x;
}

struct Segment {
  tmf::OtaData d;
  std::vector<uint8_t> bytes;
  uint32_t at_ms;
};

TMF_TEST(App, CollectUploadsRateLimitedSegmentsBitExact) {
  const PipelineTestModel m = build_pipeline_model(1, 4.0f);
  AppRig rig;
  const Artifact a = make_artifact(m.file, rig.key, 51, m.golden_input, m.golden_output, 1024);
  tmf::AppConfig c = default_app_config();
  c.capture_capacity = 2500;
  c.data_interval_ms = 100;
  c.data_segment_samples = 1000;
  TMF_ASSERT(rig.start(a, c));
  tmf::App* app = rig.app.get();
  TMF_EXPECT_EQ(tmf::app_capture_pending(app), 0u);
  const float none[1] = {0};
  TMF_EXPECT(tmf::app_on_capture(app, none, 1) == tmf::AppStatus::kAppErrNoCapture);

  // 3000 requested, 2500 fit: clamped.
  const std::vector<uint8_t> cmd = collect_bytes(77, 3000);
  TMF_ASSERT(tmf::app_on_message(app, OtaTopic::kOtaTopicCommand, cmd.data(), cmd.size()) == tmf::AgentStatus::kAgentOk);
  TMF_EXPECT_EQ(tmf::app_capture_pending(app), 2500u);
  TMF_EXPECT(rig.take(OtaTopic::kOtaTopicEvent).empty());  // the agent never saw it (no "rejected")
  const std::vector<float> x = odd_samples(2600);         // the platform offers more: 2500 taken
  TMF_ASSERT(tmf::app_on_capture(app, x.data(), static_cast<uint32_t>(x.size())) == tmf::AppStatus::kAppOk);
  TMF_EXPECT_EQ(tmf::app_capture_pending(app), 0u);
  TMF_EXPECT(tmf::app_capture_uploading(app));

  // Poll every 10 ms for 1 s; record when each segment went out.
  const uint32_t captured_ms = rig.port->now_ms;
  std::vector<Segment> segments;
  for (uint32_t step = 0; step < 100; ++step) {
    tmf::app_poll(app);
    for (std::vector<uint8_t>& bytes : rig.take(OtaTopic::kOtaTopicData)) {
      Segment s{};
      s.bytes = std::move(bytes);
      TMF_ASSERT(tmf::ota_data_decode(s.bytes.data(), s.bytes.size(), &s.d) == tmf::OtaDecodeStatus::kOtaDecodeOk);
      s.at_ms = rig.port->now_ms;
      segments.push_back(std::move(s));
    }
    rig.port->now_ms += 10;
  }
  TMF_ASSERT(segments.size() == 3);
  TMF_EXPECT(!tmf::app_capture_uploading(app));
  TMF_EXPECT_EQ(tmf::app_counters(app).data_segments_sent, 3u);
  uint32_t expected_offset = 0;
  std::vector<float> reassembled;
  for (size_t i = 0; i < segments.size(); ++i) {
    const tmf::OtaData& d = segments[i].d;
    TMF_EXPECT_EQ(d.capture_id, 77u);
    TMF_EXPECT_EQ(d.total_samples, 2500u);
    TMF_EXPECT_EQ(d.sample_rate_hz, 25600u);
    TMF_EXPECT_EQ(d.model_id, kAppModelId);
    TMF_EXPECT_EQ(d.model_version, 1u);
    TMF_EXPECT_EQ(d.offset, expected_offset);
    TMF_EXPECT_EQ(d.sample_count, i < 2 ? 1000u : 500u);
    expected_offset += d.sample_count;
    for (uint32_t k = 0; k < d.sample_count; ++k) reassembled.push_back(tmf::ota_data_sample(d, k));
    if (i > 0) TMF_EXPECT(segments[i].at_ms - segments[i - 1].at_ms >= 100);
  }
  TMF_EXPECT_EQ(segments[0].at_ms, captured_ms);  // the first segment goes at the first poll
  TMF_EXPECT_EQ(segments[1].at_ms - segments[0].at_ms, 100u);  // as soon as the interval allows
  TMF_ASSERT(reassembled.size() == 2500);
  TMF_EXPECT(memcmp(reassembled.data(), x.data(), 4 * 2500) == 0);
}

TMF_TEST(App, CollectSurvivesALinkDropAndIsReplacedByANewOne) {
  const PipelineTestModel m = build_pipeline_model(1, 4.0f);
  AppRig rig;
  const Artifact a = make_artifact(m.file, rig.key, 52, m.golden_input, m.golden_output, 1024);
  tmf::AppConfig c = default_app_config();
  c.capture_capacity = 4096;
  c.data_interval_ms = 50;
  c.data_segment_samples = 256;
  TMF_ASSERT(rig.start(a, c));
  tmf::App* app = rig.app.get();
  std::vector<uint8_t> cmd = collect_bytes(5, 1024);
  tmf::app_on_message(app, OtaTopic::kOtaTopicCommand, cmd.data(), cmd.size());
  // The platform captures into the buffer itself and hands it over in place.
  const std::vector<float> x = odd_samples(1024);
  memcpy(rig.capture.data(), x.data(), 4 * x.size());
  TMF_ASSERT(tmf::app_on_capture(app, rig.capture.data(), 1024) == tmf::AppStatus::kAppOk);
  tmf::app_poll(app);
  TMF_EXPECT_EQ(rig.take(OtaTopic::kOtaTopicData).size(), 1u);
  // Link down: a failed publish does not advance, and nothing is tried while disconnected.
  rig.port->connected = false;
  rig.port->now_ms += 50;
  tmf::app_poll(app);  // the app does not know yet: the publish fails
  TMF_EXPECT_EQ(tmf::app_counters(app).data_segments_sent, 1u);
  tmf::app_on_disconnect(app);
  rig.port->now_ms += 500;
  tmf::app_poll(app);
  rig.port->connected = true;
  tmf::app_on_connect(app);
  std::vector<float> got;
  for (int i = 0; i < 40; ++i) {
    rig.port->now_ms += 50;
    tmf::app_poll(app);
  }
  std::vector<std::vector<uint8_t>> data = rig.take(OtaTopic::kOtaTopicData);
  TMF_ASSERT(data.size() == 3);
  uint32_t next = 256;
  for (const std::vector<uint8_t>& bytes : data) {
    tmf::OtaData d{};
    TMF_ASSERT(tmf::ota_data_decode(bytes.data(), bytes.size(), &d) == tmf::OtaDecodeStatus::kOtaDecodeOk);
    TMF_EXPECT_EQ(d.offset, next);  // no gap, no repeat
    next += d.sample_count;
    for (uint32_t k = 0; k < d.sample_count; ++k) got.push_back(tmf::ota_data_sample(d, k));
  }
  TMF_EXPECT(memcmp(got.data(), x.data() + 256, 4 * got.size()) == 0);

  // A new collect during an upload replaces it.
  cmd = collect_bytes(6, 600);
  tmf::app_on_message(app, OtaTopic::kOtaTopicCommand, cmd.data(), cmd.size());
  TMF_ASSERT(tmf::app_on_capture(app, x.data(), 600) == tmf::AppStatus::kAppOk);
  cmd = collect_bytes(7, 10);
  tmf::app_on_message(app, OtaTopic::kOtaTopicCommand, cmd.data(), cmd.size());
  TMF_EXPECT(!tmf::app_capture_uploading(app));
  TMF_EXPECT_EQ(tmf::app_capture_pending(app), 10u);
  TMF_ASSERT(tmf::app_on_capture(app, x.data() + 3, 10) == tmf::AppStatus::kAppOk);
  for (int i = 0; i < 5; ++i) {
    rig.port->now_ms += 50;
    tmf::app_poll(app);
  }
  data = rig.take(OtaTopic::kOtaTopicData);
  TMF_ASSERT(data.size() == 1);
  tmf::OtaData d{};
  TMF_ASSERT(tmf::ota_data_decode(data[0].data(), data[0].size(), &d) == tmf::OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT(d.capture_id == 7 && d.total_samples == 10 && d.offset == 0);
  const float first = tmf::ota_data_sample(d, 9);
  TMF_EXPECT(memcmp(&first, &x[12], 4) == 0);
}

TMF_TEST(App, MalformedAndUnknownMessagesDoNotDisturb) {
  const PipelineTestModel m = build_pipeline_model(1, 4.0f);
  AppRig rig;
  const Artifact a = make_artifact(m.file, rig.key, 53, m.golden_input, m.golden_output, 1024);
  tmf::AppConfig c = default_app_config();
  c.capture_capacity = 100;
  TMF_ASSERT(rig.start(a, c));
  tmf::App* app = rig.app.get();
  OracleLoop oracle(a.file);
  auto window = [&](uint32_t w) {
    const std::vector<float> x = machine_window(w, false);
    tmf::AppWindowResult r{};
    const bool ok = tmf::app_on_window(app, x.data(), kAppWindow, &r) == tmf::AppStatus::kAppOk;
    const OracleLoop::Step e = oracle.step(x);
    return ok && memcmp(&r.score, &e.score, 4) == 0 && r.detect.phase == e.result.phase;
  };
  for (uint32_t w = 0; w < 6; ++w) TMF_ASSERT(window(w));
  const tmf::JournalRecord state_before = rig.agent->state;
  const uint32_t unacked = tmf::app_unacked_batches(app);
  TMF_ASSERT(unacked == 1);

  // Collect commands: 12 bytes (truncated), zero samples, zero capture id, other version.
  std::vector<uint8_t> good = collect_bytes(9, 50);
  std::vector<std::vector<uint8_t>> bad_collects = {std::vector<uint8_t>(good.begin(), good.begin() + 12)};
  std::vector<uint8_t> b = good;
  memset(b.data() + 12, 0, 4);
  bad_collects.push_back(b);
  b = good;
  memset(b.data() + 8, 0, 4);
  bad_collects.push_back(b);
  for (const std::vector<uint8_t>& x : bad_collects) {
    TMF_EXPECT(tmf::app_on_message(app, OtaTopic::kOtaTopicCommand, x.data(), x.size()) == tmf::AgentStatus::kAgentOk);
  }
  TMF_EXPECT_EQ(tmf::app_counters(app).messages_rejected, 3u);
  b = good;
  b[0] = 2;  // another protocol version: the agent's to drop
  tmf::app_on_message(app, OtaTopic::kOtaTopicCommand, b.data(), b.size());
  TMF_EXPECT_EQ(tmf::app_capture_pending(app), 0u);
  // Acks: short, wrong type, seq 0, another version; none removes the batch.
  std::vector<uint8_t> ack(tmf::kOtaTelemetryAckBytes);
  tmf::ota_telemetry_ack_encode(tmf::OtaTelemetryAck{rig.agent->state.boot_count, 1, rig.agent->state.incarnation, true}, ack.data(), ack.size());
  std::vector<std::vector<uint8_t>> bad_acks = {std::vector<uint8_t>(ack.begin(), ack.begin() + 11)};
  b = ack, b[1] = 9, bad_acks.push_back(b);
  b = ack, memset(b.data() + 8, 0, 4), bad_acks.push_back(b);
  b = ack, b[0] = 0, bad_acks.push_back(b);
  bad_acks.push_back({});
  for (const std::vector<uint8_t>& x : bad_acks) {
    tmf::app_on_message(app, OtaTopic::kOtaTopicAck, x.empty() ? nullptr : x.data(), x.size());
  }
  TMF_EXPECT_EQ(tmf::app_unacked_batches(app), unacked);
  TMF_EXPECT_EQ(tmf::app_counters(app).messages_rejected, 8u);
  // Garbage on every topic, and device-to-host messages echoed back: forwarded or dropped, harmless.
  uint32_t seed = 99;
  for (uint8_t topic = 0; topic < static_cast<uint8_t>(OtaTopic::kOtaTopicCount); ++topic) {
    if (topic == static_cast<uint8_t>(OtaTopic::kOtaTopicManifest)) continue;  // a manifest is an update request
    for (uint32_t len : {0u, 3u, 4u, 12u, 16u, 47u, 48u, 200u}) {
      std::vector<uint8_t> g(len);
      for (uint8_t& v : g) v = static_cast<uint8_t>((seed = seed * 1103515245u + 12345u) >> 16);
      if (len > 1) g[0] = 1;
      tmf::app_on_message(app, static_cast<OtaTopic>(topic), g.empty() ? nullptr : g.data(), g.size());
    }
  }
  // An unknown command code goes to the agent, which answers "rejected" and changes nothing.
  const uint8_t unknown[12] = {1, 8, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0};
  tmf::app_on_message(app, OtaTopic::kOtaTopicCommand, unknown, sizeof(unknown));
  TMF_EXPECT_EQ(rig.agent->state.sequence, state_before.sequence);
  TMF_EXPECT(rig.agent->state.state == tmf::OtaState::kOtaStateIdle);
  TMF_EXPECT_EQ(rig.agent->state.active_slot, state_before.active_slot);
  TMF_EXPECT(active_model_is(*rig.agent, a.file));
  TMF_EXPECT_EQ(tmf::app_unacked_batches(app), unacked);
  TMF_EXPECT_EQ(tmf::app_capture_pending(app), 0u);
  // The loop carries on exactly as the oracle.
  for (uint32_t w = 6; w < 14; ++w) TMF_EXPECT(window(w));
  TMF_EXPECT_EQ(tmf::app_counters(app).loop_restarts, 1u);
  // A well-formed collect still works after all that.
  tmf::app_on_message(app, OtaTopic::kOtaTopicCommand, good.data(), good.size());
  TMF_EXPECT_EQ(tmf::app_capture_pending(app), 50u);
}

TMF_TEST(App, CollectWithoutCaptureBufferIsRefused) {
  const PipelineTestModel m = build_pipeline_model(1, 4.0f);
  AppRig rig;
  const Artifact a = make_artifact(m.file, rig.key, 54, m.golden_input, m.golden_output, 1024);
  TMF_ASSERT(rig.start(a, default_app_config()));  // capture_capacity 0
  const std::vector<uint8_t> cmd = collect_bytes(3, 100);
  tmf::app_on_message(rig.app.get(), OtaTopic::kOtaTopicCommand, cmd.data(), cmd.size());
  TMF_EXPECT_EQ(tmf::app_capture_pending(rig.app.get()), 0u);
}

}  // namespace
}  // namespace tmf_test
