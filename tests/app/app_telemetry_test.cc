// device/app telemetry: batches every batch_windows windows whose scores, votes, alarms and
// sketches equal an independent DetectLoop run of the same signed file; acks, resend after the
// ack timeout and after a reconnect, ring overflow counted; model change restarts the loop.
#include <math.h>
#include <string.h>

#include <vector>

#include "app_rig.h"
#include "device/dsp/frame.h"
#include "host/convert/pipeline_graph.h"
#include "tests/support/tmf_test.h"

namespace tmf_test {
namespace {

using tmf::OtaTopic;

struct Decoded {
  tmf::OtaTelemetry t;
  std::vector<uint8_t> bytes;  // keeps t.body valid
};

std::vector<Decoded> decode_all(std::vector<std::vector<uint8_t>> messages) {
  std::vector<Decoded> out(messages.size());
  for (size_t i = 0; i < messages.size(); ++i) {
    out[i].bytes = std::move(messages[i]);
    if (tmf::ota_telemetry_decode(out[i].bytes.data(), out[i].bytes.size(), &out[i].t) != tmf::OtaDecodeStatus::kOtaDecodeOk) {
      out[i].t = tmf::OtaTelemetry{};
    }
  }
  return out;
}

bool same_bits(float a, float b) { return memcmp(&a, &b, 4) == 0; }

// The window plan of the tests: commissioning, healthy, a fault, healthy again.
bool fault_at(uint32_t w) { return w >= 16 && w < 24; }

std::vector<uint8_t> ack_bytes(uint32_t incarnation, uint32_t boot, uint32_t seq) {
  std::vector<uint8_t> b(tmf::kOtaTelemetryAckBytes);
  tmf::ota_telemetry_ack_encode(tmf::OtaTelemetryAck{boot, seq, incarnation, true}, b.data(), b.size());
  return b;
}

// Runs windows [from, to) through the app; false on any failure.
bool run_windows(AppRig* rig, uint32_t from, uint32_t to, uint32_t ms_per_window = 10) {
  for (uint32_t w = from; w < to; ++w) {
    const std::vector<float> x = machine_window(w, fault_at(w));
    tmf::AppWindowResult r{};
    if (tmf::app_on_window(rig->app.get(), x.data(), static_cast<uint32_t>(x.size()), &r) != tmf::AppStatus::kAppOk) {
      return false;
    }
    rig->port->now_ms += ms_per_window;
  }
  return true;
}

TMF_TEST(App, BatchesEqualTheOracleLoop) {
  const PipelineTestModel m = build_pipeline_model(1, 4.0f);
  TMF_ASSERT(!m.file.empty() && !m.golden_output.empty());
  AppRig rig;
  const Artifact a = make_artifact(m.file, rig.key, 21, m.golden_input, m.golden_output, 1024);
  TMF_ASSERT(rig.start(a, default_app_config()));
  TMF_EXPECT_EQ(tmf::app_window_samples(rig.app.get()), kAppWindow);
  TMF_EXPECT_EQ(tmf::app_window_channels(rig.app.get()), 1u);  // a [1, N] samples input
  OracleLoop oracle(a.file);
  TMF_ASSERT(oracle.loop.sample_count == kAppWindow);

  constexpr uint32_t kWindows = 32, kBatch = 4;
  const uint32_t start_ms = rig.port->now_ms;
  std::vector<OracleLoop::Step> expected;
  std::vector<uint32_t> close_ms;  // clock when each batch closed
  uint32_t oracle_alarms = 0;
  const uint32_t inferences_before = rig.agent->inference_count;
  for (uint32_t w = 0; w < kWindows; ++w) {
    const std::vector<float> x = machine_window(w, fault_at(w));
    tmf::AppWindowResult r{};
    TMF_ASSERT(tmf::app_on_window(rig.app.get(), x.data(), kAppWindow, &r) == tmf::AppStatus::kAppOk);
    expected.push_back(oracle.step(x));
    const OracleLoop::Step& e = expected.back();
    TMF_EXPECT(same_bits(r.score, e.score));
    TMF_EXPECT_EQ(r.detect.votes, e.result.votes);
    TMF_EXPECT(r.detect.event == e.result.event && r.detect.alarm == e.result.alarm);
    TMF_EXPECT_EQ(r.cycles, kAppCyclesPerStep);
    TMF_EXPECT_EQ(r.batch_published, (w + 1) % kBatch == 0);
    oracle_alarms += e.result.event == tmf::detect::DetectEvent::kAlarmRaised ? 1 : 0;
    if ((w + 1) % kBatch == 0) close_ms.push_back(rig.port->now_ms);
    rig.port->now_ms += 700;
  }
  TMF_EXPECT(oracle_alarms >= 1);  // the fault is seen (the stream is meant to alarm)
  TMF_EXPECT_EQ(rig.agent->inference_count - inferences_before, kWindows);
  TMF_EXPECT_EQ(tmf::app_counters(rig.app.get()).alarms_raised, oracle_alarms);

  const std::vector<Decoded> batches = decode_all(rig.take(OtaTopic::kOtaTopicTelemetry));
  TMF_ASSERT(batches.size() == kWindows / kBatch);
  const tmf::Model* model = tmf::agent_model(rig.agent.get());
  uint32_t alarms_reported = 0;
  for (uint32_t b = 0; b < batches.size(); ++b) {
    const tmf::OtaTelemetry& t = batches[b].t;
    TMF_EXPECT_EQ(t.seq, b + 1);
    TMF_EXPECT_EQ(t.boot_count, rig.agent->state.boot_count);
    TMF_EXPECT_EQ(t.model_id, kAppModelId);
    TMF_EXPECT_EQ(t.model_version, 1u);
    TMF_EXPECT_EQ(t.active_slot, rig.agent->state.active_slot);
    TMF_EXPECT_EQ(t.window_count, kBatch);
    TMF_EXPECT_EQ(t.first_window, b * kBatch);
    TMF_EXPECT_EQ(t.uptime_s, (close_ms[b] - start_ms) / 1000);
    TMF_EXPECT_EQ(t.free_ram_bytes, rig.device->config.arena_bytes - model->header->arena_bytes);
    TMF_EXPECT_EQ(t.inference_cycles, kAppCyclesPerStep);
    TMF_EXPECT_EQ(t.dropped_batches, 0);
    const OracleLoop::Step& last = expected[b * kBatch + kBatch - 1];
    const uint8_t phase = last.result.phase == tmf::detect::DetectPhase::kCommissioning ? 1 : 2;
    TMF_EXPECT_EQ(static_cast<uint8_t>(t.phase), phase);
    TMF_EXPECT_EQ(t.alarm, last.result.alarm ? 1 : 0);
    uint32_t candidates = 0, alarms = 0, monitoring = 0;
    TMF_EXPECT(t.has_rms);
    for (uint32_t i = 0; i < kBatch; ++i) {
      const OracleLoop::Step& e = expected[b * kBatch + i];
      TMF_EXPECT(same_bits(tmf::ota_telemetry_score(t, i), e.score));
      // Each window's signal RMS, against sqrt(mean x^2) of the same samples in double.
      const std::vector<float> x = machine_window(b * kBatch + i, fault_at(b * kBatch + i));
      double squares = 0;
      for (const float v : x) squares += static_cast<double>(v) * v;
      const double rms = sqrt(squares / static_cast<double>(x.size()));
      if (t.has_rms) TMF_EXPECT(rms > 0 && fabs(tmf::ota_telemetry_rms(t, i) - rms) <= 1e-5 * rms);
      TMF_EXPECT_EQ(tmf::ota_telemetry_votes(t, i), e.result.votes);
      candidates += e.result.candidate ? 1 : 0;
      alarms += e.result.event == tmf::detect::DetectEvent::kAlarmRaised ? 1 : 0;
      monitoring += e.result.phase == tmf::detect::DetectPhase::kMonitoring ? 1 : 0;
    }
    TMF_EXPECT_EQ(t.candidates, candidates);
    TMF_EXPECT_EQ(t.alarms_raised, alarms);
    alarms_reported += t.alarms_raised;
    // The sketch covers this batch's monitoring windows: histogram by sketch_bin's definition
    // over the oracle's raw features, mean and m2 recomputed in double.
    TMF_EXPECT_EQ(t.feature_count, kAppBands);
    TMF_EXPECT_EQ(t.bins, 8);
    TMF_EXPECT_EQ(t.sketch_count, monitoring);
    for (uint32_t f = 0; f < kAppBands; ++f) {
      TMF_EXPECT(tmf::ota_telemetry_lo(t, f) == -25.0f && tmf::ota_telemetry_hi(t, f) == 5.0f);
      std::vector<uint32_t> hist(8, 0);
      double sum = 0;
      for (uint32_t i = 0; i < kBatch; ++i) {
        const OracleLoop::Step& e = expected[b * kBatch + i];
        if (e.result.phase != tmf::detect::DetectPhase::kMonitoring) continue;
        ++hist[tmf::detect::sketch_bin(e.raw[f], -25.0f, 5.0f, 8)];
        sum += e.raw[f];
      }
      for (uint32_t k = 0; k < 8; ++k) TMF_EXPECT_EQ(tmf::ota_telemetry_bin(t, f, k), hist[k]);
      const double mean = monitoring > 0 ? sum / monitoring : 0.0;
      double m2 = 0;
      for (uint32_t i = 0; i < kBatch; ++i) {
        const OracleLoop::Step& e = expected[b * kBatch + i];
        if (e.result.phase == tmf::detect::DetectPhase::kMonitoring) m2 += (e.raw[f] - mean) * (e.raw[f] - mean);
      }
      TMF_EXPECT(fabs(tmf::ota_telemetry_mean(t, f) - mean) <= 1e-5 * (1 + fabs(mean)));
      TMF_EXPECT(fabs(tmf::ota_telemetry_m2(t, f) - m2) <= 1e-4 * (1 + m2));
    }
  }
  TMF_EXPECT_EQ(alarms_reported, oracle_alarms);
  // Commissioning ends at window kAppBaselineWindows - 1: the first two batches are phase 1.
  TMF_EXPECT_EQ(static_cast<uint8_t>(batches[0].t.phase), 1);
  TMF_EXPECT_EQ(batches[0].t.sketch_count, 0u);
  TMF_EXPECT_EQ(static_cast<uint8_t>(batches[2].t.phase), 2);
  TMF_EXPECT_EQ(batches[2].t.sketch_count, 2u);  // windows 10 and 11
  TMF_EXPECT_EQ(tmf::app_counters(rig.app.get()).batches_sent, kWindows / kBatch);
  TMF_EXPECT_EQ(tmf::app_unacked_batches(rig.app.get()), kWindows / kBatch);
}

TMF_TEST(App, AckResendAndReconnect) {
  const PipelineTestModel m = build_pipeline_model(1, 4.0f);
  AppRig rig;
  const Artifact a = make_artifact(m.file, rig.key, 22, m.golden_input, m.golden_output, 1024);
  TMF_ASSERT(rig.start(a, default_app_config()));
  tmf::App* app = rig.app.get();
  const uint32_t boot = rig.agent->state.boot_count;
  TMF_ASSERT(run_windows(&rig, 0, 4));
  std::vector<std::vector<uint8_t>> first = rig.take(OtaTopic::kOtaTopicTelemetry);
  TMF_ASSERT(first.size() == 1);
  // Before the timeout nothing is resent; at the timeout the same bytes go again.
  const uint32_t closed_ms = rig.port->now_ms - 10;  // the 4th window closed the batch
  rig.port->now_ms = closed_ms + 4999;
  tmf::app_poll(app);
  TMF_EXPECT(rig.take(OtaTopic::kOtaTopicTelemetry).empty());
  rig.port->now_ms = closed_ms + 5000;
  tmf::app_poll(app);
  std::vector<std::vector<uint8_t>> again = rig.take(OtaTopic::kOtaTopicTelemetry);
  TMF_ASSERT(again.size() == 1);
  TMF_EXPECT(again[0] == first[0]);
  TMF_EXPECT_EQ(tmf::app_counters(app).batches_resent, 1u);
  tmf::app_poll(app);  // the timer restarted with the resend
  TMF_EXPECT(rig.take(OtaTopic::kOtaTopicTelemetry).empty());

  // The ack removes that batch; acks of another boot, another journal incarnation (the same
  // boot number in the device's life before its journal was erased) or unknown seqs change nothing.
  const uint32_t incarnation = rig.agent->state.incarnation;
  TMF_EXPECT(incarnation != 0);
  std::vector<uint8_t> ack = ack_bytes(incarnation, boot + 1, 1);
  tmf::app_on_message(app, OtaTopic::kOtaTopicAck, ack.data(), ack.size());
  TMF_EXPECT_EQ(tmf::app_unacked_batches(app), 1u);
  ack = ack_bytes(incarnation + 1, boot, 1);
  tmf::app_on_message(app, OtaTopic::kOtaTopicAck, ack.data(), ack.size());
  TMF_EXPECT_EQ(tmf::app_unacked_batches(app), 1u);
  ack = ack_bytes(incarnation, boot, 9);
  tmf::app_on_message(app, OtaTopic::kOtaTopicAck, ack.data(), ack.size());
  TMF_EXPECT_EQ(tmf::app_unacked_batches(app), 1u);
  TMF_EXPECT_EQ(decode_all(first)[0].t.incarnation, incarnation);
  ack = ack_bytes(incarnation, boot, 1);
  tmf::app_on_message(app, OtaTopic::kOtaTopicAck, ack.data(), ack.size());
  TMF_EXPECT_EQ(tmf::app_unacked_batches(app), 0u);
  TMF_EXPECT_EQ(tmf::app_counters(app).batches_acked, 1u);
  rig.port->now_ms += 60000;
  tmf::app_poll(app);
  TMF_EXPECT(rig.take(OtaTopic::kOtaTopicTelemetry).empty());  // nothing left to resend

  // Batches 2, 3, 4; ack 3 only: 2 and 4 stay, in order.
  TMF_ASSERT(run_windows(&rig, 4, 16));
  std::vector<Decoded> sent = decode_all(rig.take(OtaTopic::kOtaTopicTelemetry));
  TMF_ASSERT(sent.size() == 3 && sent[0].t.seq == 2 && sent[2].t.seq == 4);
  ack = ack_bytes(incarnation, boot, 3);
  tmf::app_on_message(app, OtaTopic::kOtaTopicAck, ack.data(), ack.size());
  TMF_EXPECT_EQ(tmf::app_unacked_batches(app), 2u);
  TMF_EXPECT(app->ring[0].seq == 2 && app->ring[1].seq == 4);

  // Link down: batch 5 is kept, not published; the reconnect sends 2, 4, 5 in order, same bytes.
  rig.port->connected = false;
  tmf::app_on_disconnect(app);
  TMF_ASSERT(run_windows(&rig, 16, 20));
  rig.port->now_ms += 60000;
  tmf::app_poll(app);  // no resend attempts while disconnected
  TMF_EXPECT(rig.take(OtaTopic::kOtaTopicTelemetry).empty());
  rig.port->connected = true;
  tmf::app_on_connect(app);
  std::vector<std::vector<uint8_t>> resent = rig.take(OtaTopic::kOtaTopicTelemetry);
  TMF_ASSERT(resent.size() == 3);
  TMF_EXPECT(resent[0] == sent[0].bytes && resent[1] == sent[2].bytes);
  std::vector<Decoded> last = decode_all({resent[2]});
  TMF_EXPECT_EQ(last[0].t.seq, 5u);
  TMF_EXPECT_EQ(last[0].t.first_window, 16u);
  // The connect also republished the agent's info/status/presence.
  TMF_EXPECT(!rig.take(OtaTopic::kOtaTopicStatus).empty());
  for (uint32_t seq : {2u, 4u}) {
    ack = ack_bytes(incarnation, boot, seq);
    tmf::app_on_message(app, OtaTopic::kOtaTopicAck, ack.data(), ack.size());
  }
  // An older host's 12-byte ack (no incarnation) still matches by (boot, seq).
  ack = ack_bytes(incarnation, boot, 5);
  tmf::app_on_message(app, OtaTopic::kOtaTopicAck, ack.data(), tmf::kOtaTelemetryAckMinBytes);
  TMF_EXPECT_EQ(tmf::app_unacked_batches(app), 0u);
  TMF_EXPECT_EQ(tmf::app_counters(app).batches_acked, 5u);
  TMF_EXPECT_EQ(tmf::app_counters(app).batches_dropped, 0u);
}

TMF_TEST(App, RingOverflowDropsOldestAndCountsIt) {
  const PipelineTestModel m = build_pipeline_model(1, 4.0f);
  AppRig rig;
  const Artifact a = make_artifact(m.file, rig.key, 23, m.golden_input, m.golden_output, 1024);
  tmf::AppConfig c = default_app_config();
  c.ring_batches = 3;
  TMF_ASSERT(rig.start(a, c));
  tmf::App* app = rig.app.get();
  rig.port->connected = false;
  tmf::app_on_disconnect(app);
  TMF_ASSERT(run_windows(&rig, 0, 20));  // 5 batches, nothing acked
  TMF_EXPECT_EQ(tmf::app_counters(app).batches_sent, 5u);
  TMF_EXPECT_EQ(tmf::app_counters(app).batches_dropped, 2u);
  TMF_EXPECT_EQ(tmf::app_unacked_batches(app), 3u);
  rig.port->connected = true;
  tmf::app_on_connect(app);
  std::vector<Decoded> kept = decode_all(rig.take(OtaTopic::kOtaTopicTelemetry));
  TMF_ASSERT(kept.size() == 3);
  TMF_EXPECT(kept[0].t.seq == 3 && kept[1].t.seq == 4 && kept[2].t.seq == 5);
  TMF_EXPECT_EQ(kept[0].t.dropped_batches, 0);  // batch 3 was encoded before any drop
  TMF_EXPECT_EQ(kept[1].t.dropped_batches, 1);
  TMF_EXPECT_EQ(kept[2].t.dropped_batches, 2);

  // Memory for two full batches only, ring_batches 16: the pool bounds the ring.
  AppRig small;
  const Artifact b = make_artifact(m.file, small.key, 24, m.golden_input, m.golden_output, 1024);
  tmf::AppConfig sc = default_app_config();
  sc.ring_batches = 16;
  tmf::AppConfig two = sc;
  two.ring_batches = 2;
  const uint32_t bytes = tmf::app_memory_bytes(two);
  TMF_ASSERT(bytes > 0 && bytes < tmf::app_memory_bytes(sc));
  std::vector<uint64_t> memory(bytes / 8 + 1);
  sc.memory = memory.data();
  sc.memory_bytes = bytes;
  TMF_ASSERT(small.start(b, sc));
  TMF_ASSERT(run_windows(&small, 0, 20));
  TMF_EXPECT_EQ(tmf::app_unacked_batches(small.app.get()), 2u);
  TMF_EXPECT_EQ(tmf::app_counters(small.app.get()).batches_dropped, 3u);
  // Acking the oldest makes room; the ring keeps working in its wrapped state.
  std::vector<uint8_t> ack = ack_bytes(small.agent->state.incarnation, small.agent->state.boot_count, 4);
  tmf::app_on_message(small.app.get(), OtaTopic::kOtaTopicAck, ack.data(), ack.size());
  TMF_ASSERT(run_windows(&small, 20, 24));
  TMF_EXPECT_EQ(tmf::app_counters(small.app.get()).batches_dropped, 3u);
  TMF_EXPECT_EQ(tmf::app_unacked_batches(small.app.get()), 2u);
  std::vector<Decoded> all = decode_all(small.take(OtaTopic::kOtaTopicTelemetry));
  TMF_ASSERT(all.size() == 6);
  TMF_EXPECT_EQ(all[5].t.seq, 6u);
  TMF_EXPECT_EQ(all[5].t.first_window, 20u);
  // Too little memory for even one batch is refused.
  tmf::App refused{};
  sc.memory_bytes = bytes - 2 * 8 - static_cast<uint32_t>(tmf::ota_telemetry_bytes(4, 8, 8, TMF_APP_SIGNAL_RMS != 0));
  TMF_EXPECT(tmf::app_init(&refused, small.agent.get(), small.port.get(), sc) == tmf::AppStatus::kAppErrMemory);
}

TMF_TEST(App, ModelChangeRestartsTheLoop) {
  const PipelineTestModel v1 = build_pipeline_model(1, 4.0f);
  const PipelineTestModel v2 = build_pipeline_model(2, 6.0f);
  AppRig rig;
  const Artifact a1 = make_artifact(v1.file, rig.key, 31, v1.golden_input, v1.golden_output, 1024);
  const Artifact a2 = make_artifact(v2.file, rig.key, 32, v2.golden_input, v2.golden_output, 1024);
  TMF_ASSERT(rig.start(a1, default_app_config()));
  tmf::App* app = rig.app.get();
  TMF_ASSERT(run_windows(&rig, 0, 14));  // 3 batches, 2 windows open, monitoring since window 10
  TMF_EXPECT_EQ(tmf::app_counters(app).loop_restarts, 1u);
  const uint8_t slot1 = rig.agent->state.active_slot;
  TMF_ASSERT(rig.install(a2));
  TMF_EXPECT(rig.agent->state.active_slot != slot1);
  rig.take(OtaTopic::kOtaTopicTelemetry);

  OracleLoop oracle(a2.file);  // a fresh loop on v2: what the app must now reproduce
  for (uint32_t w = 14; w < 18; ++w) {
    const std::vector<float> x = machine_window(w, false);
    tmf::AppWindowResult r{};
    TMF_ASSERT(tmf::app_on_window(app, x.data(), kAppWindow, &r) == tmf::AppStatus::kAppOk);
    const OracleLoop::Step e = oracle.step(x);
    TMF_EXPECT(same_bits(r.score, e.score));
    TMF_EXPECT(r.detect.phase == tmf::detect::DetectPhase::kCommissioning);
    TMF_EXPECT_EQ(r.detect.window, w - 14);
  }
  TMF_EXPECT_EQ(tmf::app_counters(app).loop_restarts, 2u);
  std::vector<Decoded> batches = decode_all(rig.take(OtaTopic::kOtaTopicTelemetry));
  TMF_ASSERT(batches.size() == 2);
  // The open batch closed with v1's identity and its 2 windows, then v2's first batch.
  TMF_EXPECT_EQ(batches[0].t.seq, 4u);
  TMF_EXPECT_EQ(batches[0].t.window_count, 2);
  TMF_EXPECT_EQ(batches[0].t.model_version, 1u);
  TMF_EXPECT_EQ(batches[0].t.active_slot, slot1);
  TMF_EXPECT_EQ(batches[0].t.first_window, 12u);
  TMF_EXPECT_EQ(static_cast<uint8_t>(batches[0].t.phase), 2);
  TMF_EXPECT_EQ(batches[1].t.seq, 5u);
  TMF_EXPECT_EQ(batches[1].t.model_version, 2u);
  TMF_EXPECT_EQ(batches[1].t.active_slot, rig.agent->state.active_slot);
  TMF_EXPECT_EQ(batches[1].t.first_window, 14u);
  TMF_EXPECT_EQ(static_cast<uint8_t>(batches[1].t.phase), 1);
}

TMF_TEST(App, ModelWithoutDetectionSettings) {
  const PipelineTestModel m = build_pipeline_model(1, 4.0f, false);
  TMF_ASSERT(!m.file.empty());
  AppRig rig;
  const Artifact a = make_artifact(m.file, rig.key, 41, m.golden_input, m.golden_output, 1024);
  TMF_ASSERT(rig.start(a, default_app_config()));
  TMF_EXPECT_EQ(tmf::app_window_samples(rig.app.get()), 0u);
  TMF_EXPECT_EQ(tmf::app_window_channels(rig.app.get()), 0u);
  const std::vector<float> x = machine_window(0, false);
  tmf::AppWindowResult r{};
  TMF_EXPECT(tmf::app_on_window(rig.app.get(), x.data(), kAppWindow, &r) == tmf::AppStatus::kAppErrNoModel);
  TMF_EXPECT(rig.take(OtaTopic::kOtaTopicTelemetry).empty());
  TMF_EXPECT_EQ(tmf::app_counters(rig.app.get()).windows, 0u);
}

TMF_TEST(App, StatusStrings) {
  for (uint8_t s = 0; s <= static_cast<uint8_t>(tmf::AppStatus::kAppErrNoCapture); ++s) {
    TMF_EXPECT(strcmp(tmf::app_status_to_string(static_cast<tmf::AppStatus>(s)), "unknown app status") != 0);
  }
}

// Issue 16 item 5: a 3-axis model. The app reports C and C * N, runs channel-major windows (a
// fault on axis 1 only), and sketches all 3 x 8 features in TELEMETRY; each axis's raw features
// equal the single-channel FeatureExtractor's on that axis alone (an oracle without the
// multi-channel kernel), and the scores equal the independent loop's bit for bit.
TMF_TEST(App, ThreeAxisWindowsRunAndSketchEveryAxis) {
  constexpr uint32_t kAxes = 3;
  const PipelineTestModel m = build_pipeline_model(1, 4.0f, true, kAxes);
  TMF_ASSERT(!m.file.empty() && !m.golden_output.empty());
  AppRig rig;
  const Artifact a = make_artifact(m.file, rig.key, 51, m.golden_input, m.golden_output, 1024);
  tmf::AppConfig config = default_app_config();
  config.max_features = kAxes * kAppBands;
  TMF_ASSERT(rig.start(a, config));
  TMF_EXPECT_EQ(tmf::app_window_samples(rig.app.get()), kAxes * kAppWindow);
  TMF_EXPECT_EQ(tmf::app_window_channels(rig.app.get()), kAxes);
  OracleLoop oracle(a.file);
  tmf::host::FeatureExtractor one_axis(
      tmf::host::hann_features_config(kAppWindow, 25600.0f, 0.0f, 12800.0f, kAppBands, 0));
  uint32_t alarms = 0;
  for (uint32_t w = 0; w < 24; ++w) {
    // Frames as a sensor FIFO gives them (x, y, z interleaved), made channel-major on the device.
    std::vector<std::vector<float>> axis;
    for (uint32_t c = 0; c < kAxes; ++c) axis.push_back(machine_window(w + 100 * c, c == 1 && fault_at(w)));
    std::vector<float> frames(kAxes * kAppWindow), x(kAxes * kAppWindow);
    for (uint32_t t = 0; t < kAppWindow; ++t) {
      for (uint32_t c = 0; c < kAxes; ++c) frames[t * kAxes + c] = axis[c][t];
    }
    TMF_ASSERT(tmf::dsp::frame_deinterleave(frames.data(), kAppWindow, kAxes, x.data()) == tmf::dsp::DspStatus::kOk);
    tmf::AppWindowResult r{};
    TMF_ASSERT(tmf::app_on_window(rig.app.get(), x.data(), kAxes * kAppWindow, &r) == tmf::AppStatus::kAppOk);
    const OracleLoop::Step e = oracle.step(x);
    TMF_EXPECT(same_bits(r.score, e.score));
    TMF_EXPECT(r.detect.alarm == e.result.alarm);
    for (uint32_t c = 0; c < kAxes; ++c) {
      const std::vector<float> f = one_axis.compute(axis[c].data());
      TMF_EXPECT(memcmp(f.data(), e.raw.data() + c * kAppBands, 4 * kAppBands) == 0);
    }
    alarms += e.result.event == tmf::detect::DetectEvent::kAlarmRaised ? 1 : 0;
    rig.port->now_ms += 700;
  }
  TMF_EXPECT(alarms >= 1);  // the fault on one axis alone is seen
  const std::vector<Decoded> batches = decode_all(rig.take(OtaTopic::kOtaTopicTelemetry));
  TMF_ASSERT(batches.size() == 6);
  for (const Decoded& b : batches) TMF_EXPECT_EQ(b.t.feature_count, kAxes * kAppBands);
}

}  // namespace
}  // namespace tmf_test
