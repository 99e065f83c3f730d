// Telemetry batches, captures and reference sketches in the registry database (see
// telemetry_store.h). Blobs are bound as byte strings and stored with CAST(? AS BLOB).
#include "host/monitor/telemetry_store.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "device/agent/protocol.h"

namespace tmf::monitor {
namespace {

using registry::Statement;

std::string bytes_of(const void* data, size_t size) {
  return std::string(static_cast<const char*>(data), size);
}

template <typename T>
std::vector<T> vector_of(const std::string& bytes) {
  std::vector<T> out(bytes.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
  return out;
}

constexpr const char* kBatchColumns =
    "SELECT device, incarnation, boot_count, seq, received_at, model_id, model_version, active_slot, phase, alarm, "
    "window_count, first_window, uptime_s, free_ram_bytes, inference_cycles, alarms_raised, candidates, dropped_batches, scores, "
    "votes, sketch, rowid, rms FROM telemetry_batches ";

TelemetryBatch read_batch(Statement& s) {
  TelemetryBatch b;
  b.device = s.column_text(0);
  b.incarnation = static_cast<uint32_t>(s.column_int(1));
  b.boot_count = static_cast<uint32_t>(s.column_int(2));
  b.seq = static_cast<uint32_t>(s.column_int(3));
  b.received_at_ms = s.column_int(4);
  b.model_id = static_cast<uint32_t>(s.column_int(5));
  b.model_version = static_cast<uint32_t>(s.column_int(6));
  b.active_slot = static_cast<uint8_t>(s.column_int(7));
  b.phase = static_cast<uint8_t>(s.column_int(8));
  b.alarm = static_cast<uint8_t>(s.column_int(9));
  b.window_count = static_cast<uint32_t>(s.column_int(10));
  b.first_window = static_cast<uint32_t>(s.column_int(11));
  b.uptime_s = static_cast<uint32_t>(s.column_int(12));
  b.free_ram_bytes = static_cast<uint32_t>(s.column_int(13));
  b.inference_cycles = static_cast<uint32_t>(s.column_int(14));
  b.alarms_raised = static_cast<uint32_t>(s.column_int(15));
  b.candidates = static_cast<uint32_t>(s.column_int(16));
  b.dropped_batches = static_cast<uint32_t>(s.column_int(17));
  b.scores = vector_of<float>(s.column_text(18));
  b.votes = vector_of<uint8_t>(s.column_text(19));
  if (!s.column_is_null(20)) b.sketch = vector_of<uint8_t>(s.column_text(20));
  b.row = s.column_int(21);
  if (!s.column_is_null(22)) b.rms = vector_of<float>(s.column_text(22));
  return b;
}

std::vector<TelemetryBatch> read_batches(Statement& s) {
  std::vector<TelemetryBatch> out;
  while (s.step()) out.push_back(read_batch(s));
  return out;
}

constexpr const char* kCaptureColumns =
    "SELECT id, device, requested_at, samples, sample_rate_hz, model_id, model_version, total_samples, "
    "received_samples, received_ranges, state, path, completed_at, CASE WHEN content IS NULL THEN 1 ELSE 0 END "
    "FROM captures ";

std::optional<uint32_t> optional_u32(const std::optional<int64_t>& v) {
  if (!v) return std::nullopt;
  return static_cast<uint32_t>(*v);
}
std::optional<int64_t> optional_i64(const std::optional<uint32_t>& v) {
  if (!v) return std::nullopt;
  return int64_t{*v};
}

Capture read_capture(Statement& s) {
  Capture c;
  c.id = static_cast<uint32_t>(s.column_int(0));
  c.device = s.column_text(1);
  c.requested_at_ms = s.column_int(2);
  c.samples = static_cast<uint32_t>(s.column_int(3));
  c.sample_rate_hz = optional_u32(s.column_optional_int(4));
  c.model_id = optional_u32(s.column_optional_int(5));
  c.model_version = optional_u32(s.column_optional_int(6));
  c.total_samples = optional_u32(s.column_optional_int(7));
  c.received_samples = static_cast<uint32_t>(s.column_int(8));
  for (const auto& range : nlohmann::json::parse(s.column_text(9))) {
    c.received_ranges.emplace_back(range.at(0).get<uint32_t>(), range.at(1).get<uint32_t>());
  }
  c.state = s.column_text(10);
  c.path = s.column_text(11);
  c.completed_at_ms = s.column_optional_int(12);
  c.samples_missing = s.column_int(13) == 1;
  return c;
}

}  // namespace

int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string utc_text(int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

bool capture_segment_accepted(const Capture& c, const std::string& device, uint32_t offset, uint32_t count,
                              uint32_t total) {
  return c.device == device && count > 0 && c.state != "complete" && !c.samples_missing && total > 0 &&
         total <= c.samples && total <= kCaptureMaxSamples &&
         (!c.total_samples || *c.total_samples == total) && uint64_t{offset} + count <= total &&
         c.received_ranges.size() < kCaptureMaxRanges;
}

// Adds [offset, offset + count) to merged, sorted ranges; returns the samples covered.
uint32_t capture_add_range(std::vector<std::pair<uint32_t, uint32_t>>& ranges, uint32_t offset, uint32_t count) {
  std::vector<std::pair<uint64_t, uint64_t>> spans;  // [begin, end)
  for (const auto& [o, n] : ranges) spans.emplace_back(o, uint64_t{o} + n);
  spans.emplace_back(offset, uint64_t{offset} + count);
  std::sort(spans.begin(), spans.end());
  std::vector<std::pair<uint64_t, uint64_t>> merged;
  for (const auto& s : spans) {
    if (!merged.empty() && s.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, s.second);
    } else {
      merged.push_back(s);
    }
  }
  ranges.clear();
  uint64_t covered = 0;
  for (const auto& [b, e] : merged) {
    ranges.emplace_back(static_cast<uint32_t>(b), static_cast<uint32_t>(e - b));
    covered += e - b;
  }
  return static_cast<uint32_t>(covered);
}


TelemetryBatch batch_from_telemetry(const std::string& device, const OtaTelemetry& t, int64_t received_at_ms) {
  TelemetryBatch b;
  b.device = device;
  b.incarnation = t.incarnation;
  b.boot_count = t.boot_count;
  b.seq = t.seq;
  b.received_at_ms = received_at_ms;
  b.model_id = t.model_id;
  b.model_version = t.model_version;
  b.active_slot = t.active_slot;
  b.phase = static_cast<uint8_t>(t.phase);
  b.alarm = t.alarm;
  b.window_count = t.window_count;
  b.first_window = t.first_window;
  b.uptime_s = t.uptime_s;
  b.free_ram_bytes = t.free_ram_bytes;
  b.inference_cycles = t.inference_cycles;
  b.alarms_raised = t.alarms_raised;
  b.candidates = t.candidates;
  b.dropped_batches = t.dropped_batches;
  for (uint32_t w = 0; w < t.window_count; ++w) {
    b.scores.push_back(ota_telemetry_score(t, w));
    b.votes.push_back(ota_telemetry_votes(t, w));
    if (t.has_rms) b.rms.push_back(ota_telemetry_rms(t, w));
  }
  if (t.feature_count > 0) b.sketch = encode_sketch(sketch_from_telemetry(t).get());
  return b;
}

bool TelemetryStore::insert_batch(const TelemetryBatch& b) {
  Statement s(db_,
              "INSERT OR IGNORE INTO telemetry_batches(device, incarnation, boot_count, seq, received_at, model_id, model_version, "
              "active_slot, phase, alarm, window_count, first_window, uptime_s, free_ram_bytes, inference_cycles, "
              "alarms_raised, candidates, dropped_batches, scores, votes, sketch, rms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
              "?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS BLOB), CAST(? AS BLOB), CAST(? AS BLOB), CAST(? AS BLOB))");
  s.bind(1, b.device)
      .bind(2, int64_t{b.incarnation})
      .bind(3, int64_t{b.boot_count})
      .bind(4, int64_t{b.seq})
      .bind(5, b.received_at_ms)
      .bind(6, int64_t{b.model_id})
      .bind(7, int64_t{b.model_version})
      .bind(8, int64_t{b.active_slot})
      .bind(9, int64_t{b.phase})
      .bind(10, int64_t{b.alarm})
      .bind(11, int64_t{b.window_count})
      .bind(12, int64_t{b.first_window})
      .bind(13, int64_t{b.uptime_s})
      .bind(14, int64_t{b.free_ram_bytes})
      .bind(15, int64_t{b.inference_cycles})
      .bind(16, int64_t{b.alarms_raised})
      .bind(17, int64_t{b.candidates})
      .bind(18, int64_t{b.dropped_batches})
      .bind(19, bytes_of(b.scores.data(), b.scores.size() * sizeof(float)))
      .bind(20, bytes_of(b.votes.data(), b.votes.size()));
  if (b.sketch.empty()) {
    s.bind_null(21);
  } else {
    s.bind(21, bytes_of(b.sketch.data(), b.sketch.size()));
  }
  if (b.rms.empty()) {
    s.bind_null(22);
  } else {
    s.bind(22, bytes_of(b.rms.data(), b.rms.size() * sizeof(float)));
  }
  s.run();
  return db_.changes() == 1;
}

bool TelemetryStore::has_batch(const BatchKey& k) {
  Statement s(db_, "SELECT 1 FROM telemetry_batches WHERE device = ? AND incarnation = ? AND boot_count = ? AND seq = ?");
  s.bind(1, k.device).bind(2, int64_t{k.incarnation}).bind(3, int64_t{k.boot_count}).bind(4, int64_t{k.seq});
  return s.step();
}

uint64_t TelemetryStore::batch_count(const std::optional<std::string>& device) {
  Statement s(db_, "SELECT COUNT(*) FROM telemetry_batches WHERE ?1 IS NULL OR device = ?1");
  s.bind(1, device);
  s.step();
  return static_cast<uint64_t>(s.column_int(0));
}

std::vector<BatchKey> TelemetryStore::batch_keys() {
  Statement s(db_,
              "SELECT device, incarnation, boot_count, seq FROM telemetry_batches "
              "ORDER BY device, incarnation, boot_count, seq");
  std::vector<BatchKey> out;
  while (s.step()) {
    out.push_back({s.column_text(0), static_cast<uint32_t>(s.column_int(2)), static_cast<uint32_t>(s.column_int(3)),
                   static_cast<uint32_t>(s.column_int(1))});
  }
  return out;
}

std::optional<TelemetryBatch> TelemetryStore::find_batch(const BatchKey& k) {
  Statement s(db_,
              (std::string(kBatchColumns) + "WHERE device = ? AND incarnation = ? AND boot_count = ? AND seq = ?").c_str());
  s.bind(1, k.device).bind(2, int64_t{k.incarnation}).bind(3, int64_t{k.boot_count}).bind(4, int64_t{k.seq});
  if (!s.step()) return std::nullopt;
  return read_batch(s);
}

std::vector<TelemetryBatch> TelemetryStore::recent_batches(const std::string& device, uint32_t model_id,
                                                           uint32_t model_version, uint32_t limit) {
  Statement s(db_, (std::string(kBatchColumns) +
                    "WHERE device = ? AND model_id = ? AND model_version = ? ORDER BY rowid DESC LIMIT ?")
                       .c_str());
  s.bind(1, device).bind(2, int64_t{model_id}).bind(3, int64_t{model_version}).bind(4, int64_t{limit});
  std::vector<TelemetryBatch> out = read_batches(s);
  return {out.rbegin(), out.rend()};
}

std::vector<TelemetryBatch> TelemetryStore::first_batches(const std::string& device, uint32_t model_id,
                                                          uint32_t model_version, uint32_t limit) {
  Statement s(db_, (std::string(kBatchColumns) +
                    "WHERE device = ? AND model_id = ? AND model_version = ? ORDER BY rowid LIMIT ?")
                       .c_str());
  s.bind(1, device).bind(2, int64_t{model_id}).bind(3, int64_t{model_version}).bind(4, int64_t{limit});
  return read_batches(s);
}

std::vector<TelemetryBatch> TelemetryStore::batches_after(const std::string& device, int64_t after_row,
                                                          uint32_t limit) {
  Statement s(db_, (std::string(kBatchColumns) + "WHERE device = ? AND rowid > ? ORDER BY rowid LIMIT ?").c_str());
  s.bind(1, device).bind(2, after_row).bind(3, int64_t{limit});
  return read_batches(s);
}

std::vector<TelemetryBatch> TelemetryStore::latest_batch_per_device() {
  // The last row to arrive of each device: (boot_count, seq) cannot order batches across a
  // journal's incarnations (an erased journal starts again at boot 1).
  Statement s(db_, (std::string(kBatchColumns) +
                    "WHERE rowid IN (SELECT MAX(rowid) FROM telemetry_batches GROUP BY device) ORDER BY device")
                       .c_str());
  return read_batches(s);
}

void TelemetryStore::put_reference(uint32_t model_id, uint32_t model_version, const detect::FeatureSketch& sketch,
                                   std::optional<ReferenceScore> score) {
  if (sketch.stats.count == 0) {
    throw std::invalid_argument("reference sketch of model " + std::to_string(model_id) + ":" +
                                std::to_string(model_version) + " holds no window");
  }
  if (score && !(score->std > 0)) throw std::invalid_argument("reference score std must be > 0");
  const std::vector<uint8_t> blob = encode_sketch(sketch);
  Statement s(db_,
              "INSERT INTO reference_sketches(model_id, model_version, feature_count, bins, windows, sketch, "
              "score_mean, score_std) VALUES (?, ?, ?, ?, ?, CAST(? AS BLOB), ?, ?) ON CONFLICT(model_id, model_version) "
              "DO UPDATE SET feature_count = excluded.feature_count, bins = excluded.bins, windows = excluded.windows, "
              "sketch = excluded.sketch, score_mean = excluded.score_mean, score_std = excluded.score_std");
  s.bind(1, int64_t{model_id})
      .bind(2, int64_t{model_version})
      .bind(3, int64_t{sketch.config.feature_count})
      .bind(4, int64_t{sketch.config.bins})
      .bind(5, int64_t{sketch.stats.count})
      .bind(6, bytes_of(blob.data(), blob.size()));
  if (score) {
    s.bind(7, score->mean).bind(8, score->std);
  } else {
    s.bind_null(7).bind_null(8);
  }
  s.run();
}

std::optional<Reference> TelemetryStore::get_reference(uint32_t model_id, uint32_t model_version) {
  Statement s(db_, "SELECT sketch, score_mean, score_std FROM reference_sketches WHERE model_id = ? AND model_version = ?");
  s.bind(1, int64_t{model_id}).bind(2, int64_t{model_version});
  if (!s.step()) return std::nullopt;
  const std::string blob = s.column_text(0);
  Reference r{decode_sketch(reinterpret_cast<const uint8_t*>(blob.data()), blob.size()), std::nullopt};
  if (!s.column_is_null(1) && !s.column_is_null(2)) r.score = ReferenceScore{s.column_double(1), s.column_double(2)};
  return r;
}

void capture_samples_check(uint32_t samples) {
  if (samples > kCaptureMaxSamples) {
    throw std::invalid_argument("--samples " + std::to_string(samples) + ": a capture holds at most " +
                                std::to_string(kCaptureMaxSamples) + " samples");
  }
}

uint32_t TelemetryStore::create_capture(const std::string& device, uint32_t samples, int64_t requested_at_ms) {
  capture_samples_check(samples);
  Statement(db_, "INSERT INTO captures(device, requested_at, samples, path, content) VALUES (?, ?, ?, '', x'')")
      .bind(1, device)
      .bind(2, requested_at_ms)
      .bind(3, int64_t{samples})
      .run();
  const int64_t id = db_.last_insert_id();
  if (id <= 0 || id > 0xFFFFFFFFll) throw registry::RegistryError(db_.path() + ": capture ids exhausted");
  return static_cast<uint32_t>(id);
}

std::optional<Capture> TelemetryStore::find_capture(uint32_t id) { return find_capture_row(id, false); }

std::optional<Capture> TelemetryStore::find_capture_for_update(uint32_t id) { return find_capture_row(id, true); }

std::optional<Capture> TelemetryStore::find_capture_row(uint32_t id, bool lock) {
  const bool row_lock = lock && db_.engine() == registry::DatabaseEngine::kPostgres;
  Statement s(db_, (std::string(kCaptureColumns) + "WHERE id = ?" + (row_lock ? " FOR UPDATE" : "")).c_str());
  s.bind(1, int64_t{id});
  if (!s.step()) return std::nullopt;
  return read_capture(s);
}

std::vector<Capture> TelemetryStore::list_captures(const std::optional<std::string>& device) {
  Statement s(db_, (std::string(kCaptureColumns) + "WHERE ?1 IS NULL OR device = ?1 ORDER BY id").c_str());
  s.bind(1, device);
  std::vector<Capture> out;
  while (s.step()) out.push_back(read_capture(s));
  return out;
}

void TelemetryStore::update_capture(const Capture& c) {
  nlohmann::json ranges = nlohmann::json::array();
  for (const auto& [offset, count] : c.received_ranges) ranges.push_back({offset, count});
  Statement(db_,
            "UPDATE captures SET sample_rate_hz = ?, model_id = ?, model_version = ?, total_samples = ?, "
            "received_samples = ?, received_ranges = ?, state = ?, completed_at = ? WHERE id = ?")
      .bind(1, optional_i64(c.sample_rate_hz))
      .bind(2, optional_i64(c.model_id))
      .bind(3, optional_i64(c.model_version))
      .bind(4, optional_i64(c.total_samples))
      .bind(5, int64_t{c.received_samples})
      .bind(6, ranges.dump())
      .bind(7, c.state)
      .bind(8, c.completed_at_ms)
      .bind(9, int64_t{c.id})
      .run();
}

std::string TelemetryStore::capture_data(uint32_t id) {
  Statement s(db_, "SELECT content, device, path FROM captures WHERE id = ?");
  s.bind(1, int64_t{id});
  if (!s.step()) throw registry::RegistryError("capture " + std::to_string(id) + ": no such capture in " + db_.path());
  if (s.column_is_null(0)) {
    throw CaptureSamplesMissing("capture " + std::to_string(id) + " of " + s.column_text(1) +
                                ": samples missing (received before schema 16 into " + s.column_text(2) +
                                " under the registry folder of the serve that stored them; no registry opened since "
                                "found that file to copy into the database)");
  }
  return s.column_text(0);
}

void TelemetryStore::put_capture_data(uint32_t id, const std::string& bytes) {
  Statement(db_, "UPDATE captures SET content = CAST(? AS BLOB) WHERE id = ?").bind(1, bytes).bind(2, int64_t{id}).run();
}

}  // namespace tmf::monitor
