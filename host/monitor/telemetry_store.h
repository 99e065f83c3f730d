// The store of `tinymlops serve` in the registry's database (migrations 3 and 8): telemetry
// batches keyed by (device, incarnation, boot_count, seq) and read in arrival order, raw-data
// captures, and the reference feature sketch of each model version. Callers group writes in
// registry::Transaction; nothing here commits by itself. docs/serve.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "device/detect/sketch.h"
#include "host/monitor/sketch_blob.h"
#include "host/registry/database.h"

namespace tmf {
struct OtaTelemetry;
}

namespace tmf::monitor {

struct TelemetryBatch {
  std::string device;
  uint32_t incarnation = 0;  // the device journal's id (device/agent/journal.h); 0 from older devices
  uint32_t boot_count = 0;
  uint32_t seq = 0;
  int64_t received_at_ms = 0;  // host clock, unix ms
  uint32_t model_id = 0;
  uint32_t model_version = 0;
  uint8_t active_slot = 0xFF;
  uint8_t phase = 0;  // OtaTelemetryPhase: 0 no model, 1 commissioning, 2 monitoring
  uint8_t alarm = 0;
  uint32_t window_count = 0;
  uint32_t first_window = 0;
  uint32_t uptime_s = 0;
  uint32_t free_ram_bytes = 0;
  uint32_t inference_cycles = 0;
  uint32_t alarms_raised = 0;
  uint32_t candidates = 0;
  uint32_t dropped_batches = 0;
  std::vector<float> scores;    // [window_count]
  std::vector<uint8_t> votes;   // [window_count]
  std::vector<uint8_t> sketch;  // encode_sketch() bytes; empty when the batch has no sketch
  std::vector<float> rms;       // [window_count] signal RMS per window; empty when the device sent none
  int64_t row = 0;              // read back: the row's insertion order (rowid)
};

// A decoded TELEMETRY message as a batch row (the sketch re-encoded as a blob).
TelemetryBatch batch_from_telemetry(const std::string& device, const OtaTelemetry& telemetry, int64_t received_at_ms);

struct BatchKey {
  std::string device;
  uint32_t boot_count = 0;
  uint32_t seq = 0;
  uint32_t incarnation = 0;  // last, so {device, boot, seq} names a batch of a device without one
  auto operator<=>(const BatchKey&) const = default;
};

struct Capture {
  uint32_t id = 0;  // the capture_id of COMMAND collect / DATA
  std::string device;
  int64_t requested_at_ms = 0;
  uint32_t samples = 0;  // requested
  std::optional<uint32_t> sample_rate_hz, model_id, model_version, total_samples;
  uint32_t received_samples = 0;
  std::vector<std::pair<uint32_t, uint32_t>> received_ranges;  // merged [offset, count)
  std::string state;  // requested | complete
  // Captures requested before migration 16: the file their samples were received into, relative
  // to the registry directory (captures/<device>-<id>.f32); empty for later ones. Only the
  // legacy copy (host/registry/legacy_files.h) and retention touch that file.
  std::string path;
  std::optional<int64_t> completed_at_ms;
  // Received before migration 16 and never copied into the store (its file was not found by any
  // registry opened since): the row stays, its samples cannot be read and it takes no more DATA.
  bool samples_missing = false;
};

// The largest capture the store takes, in samples: 1 Mi float32 (4 MiB). A device holds a whole
// capture in its RAM before uploading it, and the largest profile (profiles/stm32h743.json) has
// 1 MB of RAM in all, 262,144 samples: the bound is four times that. It keeps each commit's
// read-modify-write of a capture's samples (ingest.cc) to at most 4 MiB.
constexpr uint32_t kCaptureMaxSamples = 1u << 20;
// Throws std::invalid_argument naming --samples for a request over kCaptureMaxSamples.
void capture_samples_check(uint32_t samples);

// Asked for the samples of a capture whose samples are missing (Capture::samples_missing).
class CaptureSamplesMissing : public registry::RegistryError {
 public:
  using registry::RegistryError::RegistryError;
};

// Whether a DATA segment [offset, offset + count) of a capture of `total` samples may be written
// into capture `c` for `device`: its own open capture, inside what was asked for (a device may send
// fewer samples, never more), the same total as its earlier segments. Anything else is dropped, so
// a device can neither grow a capture beyond the request nor change it once complete. A
// capture holding kCaptureMaxRanges separate pieces takes no more (merging stays cheap; a lossy
// link leaves a few holes, not a thousand). A capture whose samples are missing takes none.
constexpr size_t kCaptureMaxRanges = 1024;
bool capture_segment_accepted(const Capture& c, const std::string& device, uint32_t offset, uint32_t count,
                              uint32_t total);
// Adds [offset, offset + count) to merged, sorted ranges; returns the samples covered.
uint32_t capture_add_range(std::vector<std::pair<uint32_t, uint32_t>>& ranges, uint32_t offset, uint32_t count);

// The training reference of a model version: the feature sketch built with the device's code
// over the training windows (the same ranges the devices sketch with), and optionally the mean
// and std of the detector score on healthy data (for CUSUM / Page-Hinkley).
struct ReferenceScore {
  double mean = 0;
  double std = 1;
};
struct Reference {
  OwnedSketch sketch;
  std::optional<ReferenceScore> score;
};

int64_t unix_ms_now();
// "2026-12-06T13:00:00Z": the UTC form every JSON output of alerts and batches uses.
std::string utc_text(int64_t unix_ms);

class TelemetryStore {
 public:
  // `db` must be a migrated registry database (registry::Registry opens one).
  explicit TelemetryStore(registry::Database& db) : db_(db) {}

  // Inserts the batch unless (device, incarnation, boot_count, seq) is stored already; true if inserted.
  bool insert_batch(const TelemetryBatch& batch);
  bool has_batch(const BatchKey& key);
  uint64_t batch_count(const std::optional<std::string>& device = std::nullopt);
  // Every stored key, ordered by device, incarnation, boot, seq (tests, audits).
  std::vector<BatchKey> batch_keys();
  std::optional<TelemetryBatch> find_batch(const BatchKey& key);
  // The newest `limit` batches (by arrival) of `device` on this model version, oldest first.
  std::vector<TelemetryBatch> recent_batches(const std::string& device, uint32_t model_id, uint32_t model_version,
                                             uint32_t limit);
  // The oldest `limit` batches of `device` on this model version (its own early reference).
  std::vector<TelemetryBatch> first_batches(const std::string& device, uint32_t model_id, uint32_t model_version,
                                            uint32_t limit);
  // Batches of `device` inserted after row `after_row` (insertion order), at most `limit`.
  std::vector<TelemetryBatch> batches_after(const std::string& device, int64_t after_row, uint32_t limit);
  // The most recent batch of each device (by arrival): its current model and phase.
  std::vector<TelemetryBatch> latest_batch_per_device();

  // Reference sketches. put_reference replaces an earlier one of the same version; it refuses
  // (std::invalid_argument) a sketch without windows.
  void put_reference(uint32_t model_id, uint32_t model_version, const detect::FeatureSketch& sketch,
                     std::optional<ReferenceScore> score = std::nullopt);
  std::optional<Reference> get_reference(uint32_t model_id, uint32_t model_version);

  // Captures. create_capture records a request and returns its id (> 0).
  uint32_t create_capture(const std::string& device, uint32_t samples, int64_t requested_at_ms);
  std::optional<Capture> find_capture(uint32_t id);
  // The same, locking the row until the transaction ends (PostgreSQL's FOR UPDATE; SQLite's one
  // writer needs none): ingest's commits on shared workers rewrite a capture's ranges and samples.
  std::optional<Capture> find_capture_for_update(uint32_t id);
  std::vector<Capture> list_captures(const std::optional<std::string>& device = std::nullopt);
  // Writes the progress fields (rate, model, total, received ranges/samples, state, completed_at).
  void update_capture(const Capture& capture);
  // The samples received so far: float32 little-endian from sample 0 up to the furthest received
  // (samples not received read 0; empty before any). Throws registry::RegistryError for an unknown
  // id and CaptureSamplesMissing, naming the capture and its old file, for missing samples.
  std::string capture_data(uint32_t id);
  // Replaces the stored samples (ingest writes its segments into capture_data()'s bytes in the
  // commit that records their ranges).
  void put_capture_data(uint32_t id, const std::string& bytes);

 private:
  std::optional<Capture> find_capture_row(uint32_t id, bool lock);
  registry::Database& db_;
};

}  // namespace tmf::monitor
