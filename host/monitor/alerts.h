// Operator-facing alerts of `tinymlops serve` in the registry database: device alarms (one per
// alarm a device raised) and drift (feature shift or a score-stream change, per device or per
// group), with their state (open, acked) and the operator's label (true / false alarm), which
// feeds the next training set. docs/serve.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/registry/database.h"

namespace tmf::monitor {

struct Alert {
  int64_t id = 0;
  std::string kind;     // alarm | drift
  std::string source;   // alarm: device; drift: shift (PSI) | score (CUSUM / Page-Hinkley)
  std::string subject;  // device:<id> | group:<name>
  std::optional<std::string> device, group;
  std::optional<uint32_t> model_id, model_version;
  int64_t raised_at_ms = 0;
  std::string detail_json = "{}";  // JSON object
  std::string state = "open";      // open | acked
  std::optional<bool> label;       // true alarm / false alarm
  std::optional<std::string> label_note;
  std::optional<int64_t> labelled_at_ms;
};

struct AlertFilter {
  std::optional<std::string> state;  // open | acked; empty: all
  std::optional<std::string> kind;   // alarm | drift
  std::optional<std::string> device; // alerts about this device (not its group's)
};

// "device:<id>", "group:<name>".
std::string device_subject(const std::string& device);
std::string group_subject(const std::string& group);

class AlertStore {
 public:
  explicit AlertStore(registry::Database& db) : db_(db) {}

  // Inserts `alert` (id, state and label fields are ignored) and returns its id.
  int64_t raise(const Alert& alert);
  // True when an alert of this kind/source/subject/model version is open: drift is raised once
  // per (subject, model version, source) until acknowledged.
  bool has_open(const std::string& kind, const std::string& source, const std::string& subject, uint32_t model_id,
                uint32_t model_version);
  std::vector<Alert> list(const AlertFilter& filter = {});
  std::optional<Alert> find(int64_t id);
  // Both throw registry::RegistryError "alert N: no such alert in <db>" for an unknown id.
  void ack(int64_t id);
  void label(int64_t id, bool true_alarm, const std::optional<std::string>& note, int64_t now_ms);

 private:
  registry::Database& db_;
};

}  // namespace tmf::monitor
