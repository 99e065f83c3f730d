// The serve store: a TELEMETRY batch through the real decoder into the database and back, field
// by field; duplicates ignored; reference sketches and captures round trip; alerts ack and label.
// Each runs on SQLite (ServeStore) and on a real PostgreSQL server (ServeStorePostgres).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "host/monitor/alerts.h"
#include "host/monitor/telemetry_store.h"
#include "host/registry/registry.h"
#include "serve_fixture.h"
#include "tests/support/postgres_server.h"
#include "tests/support/tmf_test.h"

namespace tmf::test {
namespace {

using monitor::TelemetryBatch;

TMF_TEST_BOTH_ENGINES(ServeStore, TelemetryBatchRoundTripsFieldByField) {
  registry::Registry reg(scratch_dir("store_round_trip"), test_support::test_database(engine, "store_round_trip"));
  monitor::TelemetryStore store(reg.db());
  TelemetrySpec spec;
  spec.boot_count = 3;
  spec.seq = 17;
  spec.windows = 5;
  spec.features = 3;
  spec.bins = 4;
  spec.per_bin = 7;
  spec.alarms_raised = 1;
  const std::vector<uint8_t> payload = telemetry_payload(spec);
  TMF_ASSERT(!payload.empty());
  OtaTelemetry t{};
  TMF_ASSERT(ota_telemetry_decode(payload.data(), payload.size(), &t) == OtaDecodeStatus::kOtaDecodeOk);
  const TelemetryBatch in = monitor::batch_from_telemetry("dev-1", t, 1234567);
  TMF_EXPECT(store.insert_batch(in));
  const auto out = store.find_batch({"dev-1", 3, 17});
  TMF_ASSERT(out.has_value());
  TMF_EXPECT(out->device == "dev-1");
  TMF_EXPECT_EQ(out->received_at_ms, 1234567);
  TMF_EXPECT_EQ(out->model_id, 0x1234);
  TMF_EXPECT_EQ(out->model_version, 1);
  TMF_EXPECT_EQ(out->active_slot, 0);
  TMF_EXPECT_EQ(out->phase, 2);
  TMF_EXPECT_EQ(out->alarm, 1);
  TMF_EXPECT_EQ(out->window_count, 5);
  TMF_EXPECT_EQ(out->first_window, 16 * 5);
  TMF_EXPECT_EQ(out->uptime_s, 17);
  TMF_EXPECT_EQ(out->free_ram_bytes, 4096);
  TMF_EXPECT_EQ(out->inference_cycles, 79153);
  TMF_EXPECT_EQ(out->alarms_raised, 1);
  TMF_EXPECT_EQ(out->candidates, 1);
  TMF_EXPECT_EQ(out->dropped_batches, 0);
  TMF_ASSERT(out->scores.size() == 5 && out->votes.size() == 5);
  for (uint32_t i = 0; i < 5; ++i) {
    TMF_EXPECT(out->scores[i] == 0.5f + static_cast<float>(i));  // exact: f32 stored as bytes
    TMF_EXPECT_EQ(out->votes[i], i % 3);
  }
  // The sketch, rebuilt from the blob, is what the payload said.
  const monitor::OwnedSketch s = monitor::decode_sketch(out->sketch);
  TMF_EXPECT_EQ(s.feature_count(), 3);
  TMF_EXPECT_EQ(s.bins(), 4);
  TMF_EXPECT_EQ(s.windows(), 28);
  for (uint32_t f = 0; f < 3; ++f) {
    TMF_EXPECT(s.get().lo[f] == -4.0f && s.get().hi[f] == 4.0f);
    TMF_EXPECT(s.get().stats.mean[f] == 0.25 * f);
    TMF_EXPECT(s.get().stats.m2[f] == 1.0);
    for (uint32_t b = 0; b < 4; ++b) TMF_EXPECT_EQ(s.get().histogram[f * 4 + b], 7);
  }
  TMF_EXPECT(monitor::encode_sketch(s.get()) == out->sketch);
}

TMF_TEST_BOTH_ENGINES(ServeStore, DuplicateBatchIsIgnored) {
  registry::Registry reg(scratch_dir("store_duplicates"), test_support::test_database(engine, "store_duplicates"));
  monitor::TelemetryStore store(reg.db());
  TelemetrySpec spec;
  OtaTelemetry t{};
  std::vector<uint8_t> payload = telemetry_payload(spec);
  TMF_ASSERT(ota_telemetry_decode(payload.data(), payload.size(), &t) == OtaDecodeStatus::kOtaDecodeOk);
  TelemetryBatch first = monitor::batch_from_telemetry("dev-1", t, 1);
  TMF_EXPECT(store.insert_batch(first));
  TelemetryBatch again = first;
  again.received_at_ms = 2;
  again.scores[0] = 99;  // a resend never replaces the stored row
  TMF_EXPECT(!store.insert_batch(again));
  TMF_EXPECT_EQ(store.batch_count(), 1);
  TMF_EXPECT_EQ(store.find_batch({"dev-1", 1, 1})->received_at_ms, 1);
  // Another seq, another boot, another device: three new rows.
  TelemetryBatch other = first;
  other.seq = 2;
  TMF_EXPECT(store.insert_batch(other));
  other.boot_count = 2;
  other.seq = 1;
  TMF_EXPECT(store.insert_batch(other));
  other.device = "dev-2";
  TMF_EXPECT(store.insert_batch(other));
  TMF_EXPECT_EQ(store.batch_count(), 4);
  TMF_EXPECT_EQ(store.batch_count(std::string("dev-1")), 3);
  // Newest K by (boot, seq), oldest first.
  const auto recent = store.recent_batches("dev-1", 0x1234, 1, 2);
  TMF_ASSERT(recent.size() == 2);
  TMF_EXPECT(recent[0].boot_count == 1 && recent[0].seq == 2);
  TMF_EXPECT(recent[1].boot_count == 2 && recent[1].seq == 1);
  const auto latest = store.latest_batch_per_device();
  TMF_ASSERT(latest.size() == 2);
  TMF_EXPECT(latest[0].device == "dev-1" && latest[0].boot_count == 2);
}

TMF_TEST_BOTH_ENGINES(ServeStore, ReferenceSketchAndCaptureRoundTrip) {
  registry::Registry reg(scratch_dir("store_reference"), test_support::test_database(engine, "store_reference"));
  monitor::TelemetryStore store(reg.db());
  monitor::OwnedSketch ref(2, 4);
  const float lo[2] = {-1, 0}, hi[2] = {1, 10};
  TMF_ASSERT(detect::sketch_set_ranges(&ref.get(), lo, hi) == detect::DetectStatus::kOk);
  const float windows[3][2] = {{-0.9f, 1}, {0.2f, 9.5f}, {0.7f, 3}};
  for (const auto& w : windows) TMF_EXPECT(detect::sketch_add(&ref.get(), w));
  TMF_EXPECT_THROWS(store.put_reference(7, 1, monitor::OwnedSketch(2, 4).get()), std::invalid_argument, "no window");
  store.put_reference(7, 1, ref.get(), monitor::ReferenceScore{10, 2});
  const auto got = store.get_reference(7, 1);
  TMF_ASSERT(got.has_value());
  TMF_EXPECT(monitor::encode_sketch(got->sketch.get()) == monitor::encode_sketch(ref.get()));
  TMF_EXPECT(got->score && got->score->mean == 10 && got->score->std == 2);
  TMF_EXPECT(!store.get_reference(7, 2).has_value());
  store.put_reference(7, 1, ref.get());  // replaced, now without score statistics
  TMF_EXPECT(!store.get_reference(7, 1)->score.has_value());

  const uint32_t id = store.create_capture("dev-9", 4000, 55);
  auto c = store.find_capture(id);
  TMF_ASSERT(c.has_value());
  TMF_EXPECT(c->state == "requested" && c->samples == 4000 && c->device == "dev-9");
  TMF_EXPECT(c->path.empty() && !c->samples_missing);  // no file: the samples live in the row
  TMF_EXPECT(store.capture_data(id).empty());
  TMF_EXPECT_THROWS(store.create_capture("dev-9", monitor::kCaptureMaxSamples + 1, 56), std::invalid_argument,
                    "at most 1048576 samples");
  c->received_ranges = {{0, 1024}, {2048, 100}};
  c->received_samples = 1124;
  c->total_samples = 4000;
  c->sample_rate_hz = 25600;
  store.update_capture(*c);
  const auto back = store.find_capture(id);
  TMF_EXPECT(back->received_ranges == c->received_ranges);
  TMF_EXPECT_EQ(*back->sample_rate_hz, 25600);
  TMF_EXPECT_EQ(store.list_captures(std::string("dev-9")).size(), 1);
  // Bytes of every value 0-255 round-trip through the blob unchanged (a NUL, a quote, high bits).
  std::string bytes(4 * 1124, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 37 + i / 256) & 0xFF);
  store.put_capture_data(id, bytes);
  TMF_EXPECT(store.capture_data(id) == bytes);
  TMF_EXPECT_THROWS(store.capture_data(id + 1), registry::RegistryError, "no such capture");

  // One ingest commit's read-modify-write of a capture's samples, timed for the loop's default
  // capture (32,768 samples) and the largest (1 Mi samples, 4 MiB): a figure for docs/scaling.md,
  // no time assertion.
  for (const uint32_t samples : {32768u, monitor::kCaptureMaxSamples}) {
    const uint32_t big = store.create_capture("dev-9", samples, 57);
    std::string full(4 * size_t{samples}, '\0');
    for (size_t i = 0; i < full.size(); ++i) full[i] = static_cast<char>((i * 131) >> 3);
    {
      registry::Transaction tx(reg.db());
      store.put_capture_data(big, full);
      tx.commit();
    }
    const auto start = std::chrono::steady_clock::now();
    {
      registry::Transaction tx(reg.db());
      std::string bytes = store.capture_data(big);
      std::memcpy(bytes.data() + 4 * 1000, full.data(), 4 * 1024);  // one DATA segment
      store.put_capture_data(big, bytes);
      tx.commit();
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::string expected = full;
    std::memcpy(expected.data() + 4 * 1000, full.data(), 4 * 1024);
    TMF_EXPECT(store.capture_data(big) == expected);
    std::printf("  %s: read-modify-write of a capture of %u samples in one commit: %.1f ms\n",
                reg.db().engine() == registry::DatabaseEngine::kPostgres ? "PostgreSQL" : "SQLite", samples, ms);
  }
}

TMF_TEST_BOTH_ENGINES(ServeStore, AlertsAckAndLabel) {
  registry::Registry reg(scratch_dir("store_alerts"), test_support::test_database(engine, "store_alerts"));
  monitor::AlertStore alerts(reg.db());
  monitor::Alert a;
  a.kind = "alarm";
  a.source = "device";
  a.subject = monitor::device_subject("dev-1");
  a.device = "dev-1";
  a.model_id = 5;
  a.model_version = 2;
  a.raised_at_ms = 100;
  a.detail_json = R"({"seq":3})";
  const int64_t id = alerts.raise(a);
  a.kind = "drift";
  a.source = "shift";
  a.subject = monitor::group_subject("press");
  a.device.reset();
  a.group = "press";
  const int64_t drift = alerts.raise(a);
  TMF_EXPECT(alerts.has_open("drift", "shift", "group:press", 5, 2));
  TMF_EXPECT(!alerts.has_open("drift", "shift", "group:press", 5, 3));
  TMF_EXPECT_EQ(alerts.list(alert_filter("open")).size(), 2);
  TMF_EXPECT_EQ(alerts.list(alert_filter({}, "alarm")).size(), 1);
  TMF_EXPECT_EQ(alerts.list(alert_filter({}, {}, "dev-1")).size(), 1);
  alerts.ack(drift);
  TMF_EXPECT(!alerts.has_open("drift", "shift", "group:press", 5, 2));
  TMF_EXPECT_EQ(alerts.list(alert_filter("acked")).size(), 1);
  alerts.label(id, false, std::string("bearing was fine"), 200);
  const auto labelled = alerts.find(id);
  TMF_EXPECT(labelled->label.has_value() && !*labelled->label);
  TMF_EXPECT(labelled->label_note == std::optional<std::string>("bearing was fine"));
  TMF_EXPECT_EQ(*labelled->labelled_at_ms, 200);
  TMF_EXPECT(labelled->state == "open");
  TMF_EXPECT_THROWS(alerts.ack(999), registry::RegistryError, "alert 999: no such alert");
  TMF_EXPECT_THROWS(alerts.label(999, true, std::nullopt, 1), registry::RegistryError, "alert 999");
}

}  // namespace
}  // namespace tmf::test
