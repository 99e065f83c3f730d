// Retention of serve's data (docs/serve.md "Retention"): telemetry batches and raw-data captures
// (their rows, which hold their samples, and the file under the registry of a capture received
// before schema 16) older than a configured age are deleted, a
// bounded number of rows per write transaction, so the ingest's commits interleave with a prune of
// any size on both engines. What is never pruned, and why, is RetentionKeep below.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "host/registry/registry.h"

namespace tmf::monitor {

struct RetentionPolicy {
  double telemetry_days = 0;  // telemetry batches received more than this long ago; 0: kept forever
  double capture_days = 0;    // captures requested more than this long ago; 0: kept forever
  // Rows deleted per write transaction: how long an ingest commit may wait for the pruner.
  uint32_t rows_per_transaction = 1000;
};

// Throws std::invalid_argument naming `what` (e.g. "--retain-telemetry") for a negative,
// non-finite or absurd (> 100 years) age.
void retention_check_days(double days, const std::string& what);

// Never pruned, whatever their age:
//  - telemetry: the newest batch of each device (its last known model and phase, which the API,
//    /metrics and drift read); every batch of an open alert's device (a group alert: of the
//    group's devices) on the alert's model version (the alarm's batch, the windows drift merged):
//    the evidence stays until the operator acks the alert;
//  - captures: those a running loop step (collect, train) works on; those a train step that
//    produced a model version used (training and held-out uploads: the version's lineage); one
//    whose file a version's lineage `data` names.
struct RetentionCounts {
  uint64_t telemetry_deleted = 0;
  uint64_t telemetry_kept = 0;  // older than the cutoff but kept (see above)
  uint64_t captures_deleted = 0;
  uint64_t captures_kept = 0;
  uint64_t capture_files_deleted = 0;  // legacy files (captures received before schema 16)
  uint64_t transactions = 0;  // write transactions (0 in a dry run)
  uint32_t max_rows_per_transaction = 0;
  double max_transaction_ms = 0;  // the longest write transaction, lock wait excluded
};

// One pass over the database as it is at `now_ms`. step() does one bounded piece: reads up to
// rows_per_transaction candidates outside any transaction, then deletes the prunable ones in one
// write transaction (which checks again what must be kept). A dry run reads and counts only.
class RetentionPass {
 public:
  RetentionPass(registry::Registry& registry, const RetentionPolicy& policy, int64_t now_ms, bool dry_run = false);

  // False once the pass has nothing left to examine.
  bool step();
  bool done() const { return phase_ == Phase::kDone; }
  const RetentionCounts& counts() const { return counts_; }

  // Steps until done, pausing `pause` after each write transaction so that a writer waiting in
  // another process gets the lock in between (retention_pause()).
  RetentionCounts run(std::chrono::milliseconds pause);

 private:
  enum class Phase { kTelemetry, kCaptures, kDone };
  bool step_telemetry();
  bool step_captures();

  registry::Registry& registry_;
  RetentionPolicy policy_;
  bool dry_run_;
  int64_t telemetry_cutoff_ms_, capture_cutoff_ms_;
  Phase phase_;
  // Keyset cursor: (age column, id) of the last row examined.
  int64_t cursor_age_ = INT64_MIN, cursor_id_ = INT64_MIN;
  RetentionCounts counts_;
};

// The pause between a pruner's write transactions when it runs beside other writers (the CLI):
// SQLite's busy handler sleeps up to 100 ms between tries, so a waiting writer is let in by a gap
// of 200 ms (twice that, for a loaded machine's scheduling delays); PostgreSQL queues lock waiters
// in order, so a waiting writer goes first anyway (no pause).
std::chrono::milliseconds retention_pause(registry::DatabaseEngine engine);

// Periodic retention inside `serve`: a pass at start and then every `every`; each call of tick()
// runs at most one step, so the serve loop ingests between steps (an ingest commit waits for at
// most one step). Returns the counts of a pass that ended in this call.
class RetentionSchedule {
 public:
  RetentionSchedule(RetentionPolicy policy, std::chrono::milliseconds every);
  bool enabled() const { return policy_.telemetry_days > 0 || policy_.capture_days > 0; }
  std::optional<RetentionCounts> tick(registry::Registry& registry, int64_t now_ms);

 private:
  RetentionPolicy policy_;
  std::chrono::milliseconds every_;
  int64_t next_pass_ms_ = 0;
  std::unique_ptr<RetentionPass> pass_;
};

}  // namespace tmf::monitor
