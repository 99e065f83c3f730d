// Retention passes over telemetry batches and captures (see retention.h). Candidates are read in
// age order by a keyset cursor (telemetry_by_age, captures_by_age: migration 11) outside any
// transaction; each write transaction deletes at most rows_per_transaction rows and decides again,
// under the write lock, what must be kept.
#include "host/monitor/retention.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

namespace tmf::monitor {
namespace {

using registry::Statement;
using Clock = std::chrono::steady_clock;

constexpr double kMsPerDay = 86400.0 * 1000.0;

// An open alert: its device's (or group's devices') batches on its model version are evidence.
struct OpenAlert {
  std::optional<std::string> device, group;
  std::optional<int64_t> model_id, model_version;
};

std::vector<OpenAlert> open_alerts(registry::Database& db) {
  Statement s(db, "SELECT device, device_group, model_id, model_version FROM alerts WHERE state = 'open'");
  std::vector<OpenAlert> out;
  while (s.step()) {
    out.push_back({s.column_optional_text(0), s.column_optional_text(1), s.column_optional_int(2),
                   s.column_optional_int(3)});
  }
  return out;
}

struct BatchCandidate {
  int64_t row = 0;
  std::string device;
  int64_t model_id = 0, model_version = 0;
  int64_t received_at = 0;
  bool newest_of_device = false;
};

class EvidenceCheck {
 public:
  explicit EvidenceCheck(registry::Database& db) : db_(db), alerts_(open_alerts(db)) {
    for (const OpenAlert& a : alerts_) any_group_ |= !a.device && a.group;
  }
  bool is_evidence(const BatchCandidate& b) {
    for (const OpenAlert& a : alerts_) {
      const bool same_version = !a.model_id || (*a.model_id == b.model_id && a.model_version == b.model_version);
      if (!same_version) continue;
      if (a.device) {
        if (*a.device == b.device) return true;
      } else if (a.group && group_of(b.device) == a.group) {
        return true;
      }
    }
    return false;
  }

 private:
  std::optional<std::string> group_of(const std::string& device) {
    if (!any_group_) return std::nullopt;
    const auto it = groups_.find(device);
    if (it != groups_.end()) return it->second;
    Statement s(db_, "SELECT device_group FROM devices WHERE id = ?");
    s.bind(1, device);
    std::optional<std::string> group;
    if (s.step()) group = s.column_text(0);
    groups_[device] = group;
    return group;
  }

  registry::Database& db_;
  std::vector<OpenAlert> alerts_;
  bool any_group_ = false;
  std::map<std::string, std::optional<std::string>> groups_;
};

// Integer ids as an SQL list "(1,2,3)": ids come from the database, never from input.
std::string id_list(const std::vector<int64_t>& ids) {
  std::string out = "(";
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out + ")";
}

void add_ids(const nlohmann::json& detail, const char* key, std::set<int64_t>& out) {
  const auto it = detail.find(key);
  if (it == detail.end() || !it->is_array()) return;
  for (const auto& id : *it) {
    if (id.is_number_integer()) out.insert(id.get<int64_t>());
  }
}

nlohmann::json parse_detail(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

// Captures the loop still needs or a version was trained on (retention.h, RetentionCounts).
std::set<int64_t> protected_captures(registry::Database& db) {
  struct Step {
    std::optional<int64_t> parent;
    std::string kind, state;
    nlohmann::json detail;
  };
  std::map<int64_t, Step> steps;
  Statement s(db, "SELECT id, parent, kind, state, detail FROM loop_steps WHERE kind IN ('collect', 'train')");
  while (s.step()) steps[s.column_int(0)] = {s.column_optional_int(1), s.column_text(2), s.column_text(3), parse_detail(s.column_text(4))};
  std::set<int64_t> out;
  for (const auto& [id, step] : steps) {
    if (step.state == "running") {
      add_ids(step.detail, "captures", out);
    } else if (step.kind == "train" && step.state == "done" && step.detail.contains("version")) {
      add_ids(step.detail, "holdout_captures", out);
      if (step.parent) {
        const auto parent = steps.find(*step.parent);
        if (parent != steps.end()) add_ids(parent->second.detail, "captures", out);
      }
    }
  }
  return out;
}

std::set<std::string> lineage_data(registry::Database& db) {
  Statement s(db, "SELECT data FROM lineage WHERE data IS NOT NULL");
  std::set<std::string> out;
  while (s.step()) out.insert(std::filesystem::path(s.column_text(0)).lexically_normal().string());
  return out;
}

// A capture's file, if its stored path is a plain file name under captures/ (a device id is
// untrusted: nothing outside the registry's captures folder is ever deleted).
std::optional<std::filesystem::path> capture_file(const std::string& dir, const std::string& path) {
  const std::filesystem::path p = std::filesystem::path(path).lexically_normal();
  auto it = p.begin();
  if (p.empty() || p.is_absolute() || it == p.end() || *it != "captures" || ++it == p.end() ||
      *it == ".." || std::next(it) != p.end()) {
    return std::nullopt;
  }
  return std::filesystem::path(dir) / p;
}

int64_t cutoff(int64_t now_ms, double days) {
  return days > 0 ? now_ms - static_cast<int64_t>(std::llround(days * kMsPerDay)) : INT64_MIN;
}

}  // namespace

void retention_check_days(double days, const std::string& what) {
  if (!std::isfinite(days) || days < 0 || days > 36525) {
    throw std::invalid_argument(what + " " + std::to_string(days) + ": days must be between 0 (keep forever) and 36525");
  }
}

RetentionPass::RetentionPass(registry::Registry& registry, const RetentionPolicy& policy, int64_t now_ms, bool dry_run)
    : registry_(registry),
      policy_(policy),
      dry_run_(dry_run),
      telemetry_cutoff_ms_(cutoff(now_ms, policy.telemetry_days)),
      capture_cutoff_ms_(cutoff(now_ms, policy.capture_days)),
      phase_(policy.telemetry_days > 0 ? Phase::kTelemetry : policy.capture_days > 0 ? Phase::kCaptures : Phase::kDone) {
  retention_check_days(policy.telemetry_days, "telemetry retention");
  retention_check_days(policy.capture_days, "capture retention");
  if (policy.rows_per_transaction == 0) throw std::invalid_argument("retention: rows per transaction must be >= 1");
}

bool RetentionPass::step() {
  if (phase_ == Phase::kTelemetry && !step_telemetry()) {
    phase_ = policy_.capture_days > 0 ? Phase::kCaptures : Phase::kDone;
    cursor_age_ = cursor_id_ = INT64_MIN;
  } else if (phase_ == Phase::kCaptures && !step_captures()) {
    phase_ = Phase::kDone;
  }
  return phase_ != Phase::kDone;
}

bool RetentionPass::step_telemetry() {
  registry::Database& db = registry_.db();
  std::vector<BatchCandidate> candidates;
  {
    Statement s(db,
                "SELECT t.rowid, t.device, t.model_id, t.model_version, t.received_at, CASE WHEN EXISTS (SELECT 1 FROM "
                "telemetry_batches n WHERE n.device = t.device AND n.rowid > t.rowid) THEN 0 ELSE 1 END "
                "FROM telemetry_batches t WHERE t.received_at < ?1 AND t.received_at >= ?2 AND "
                "(t.received_at > ?2 OR t.rowid > ?3) ORDER BY t.received_at, t.rowid LIMIT ?4");
    s.bind(1, telemetry_cutoff_ms_).bind(2, cursor_age_).bind(3, cursor_id_).bind(4, int64_t{policy_.rows_per_transaction});
    while (s.step()) {
      candidates.push_back({s.column_int(0), s.column_text(1), s.column_int(2), s.column_int(3), s.column_int(4),
                            s.column_int(5) == 1});
    }
  }
  if (candidates.empty()) return false;
  cursor_age_ = candidates.back().received_at;
  cursor_id_ = candidates.back().row;
  auto prunable = [](EvidenceCheck& evidence, const std::vector<BatchCandidate>& all) {
    std::vector<int64_t> rows;
    for (const BatchCandidate& b : all) {
      if (!b.newest_of_device && !evidence.is_evidence(b)) rows.push_back(b.row);
    }
    return rows;
  };
  {
    EvidenceCheck evidence(db);
    const size_t n = prunable(evidence, candidates).size();
    if (dry_run_ || n == 0) {  // nothing to delete: no write transaction
      counts_.telemetry_deleted += dry_run_ ? n : 0;
      counts_.telemetry_kept += candidates.size() - (dry_run_ ? n : 0);
      return true;
    }
  }
  registry::Transaction tx(db);
  const auto start = Clock::now();
  EvidenceCheck evidence(db);  // under the write lock: no alert is raised between this and the commit
  const std::vector<int64_t> rows = prunable(evidence, candidates);
  if (!rows.empty()) Statement(db, ("DELETE FROM telemetry_batches WHERE rowid IN " + id_list(rows)).c_str()).run();
  tx.commit();
  counts_.max_transaction_ms =
      std::max(counts_.max_transaction_ms, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  counts_.telemetry_deleted += rows.size();
  counts_.telemetry_kept += candidates.size() - rows.size();
  counts_.transactions += 1;
  counts_.max_rows_per_transaction = std::max(counts_.max_rows_per_transaction, static_cast<uint32_t>(rows.size()));
  return true;
}

bool RetentionPass::step_captures() {
  registry::Database& db = registry_.db();
  struct Candidate {
    int64_t id = 0, requested_at = 0;
    std::string path;
  };
  std::vector<Candidate> candidates;
  {
    Statement s(db,
                "SELECT id, path, requested_at FROM captures WHERE requested_at < ?1 AND requested_at >= ?2 AND "
                "(requested_at > ?2 OR id > ?3) ORDER BY requested_at, id LIMIT ?4");
    s.bind(1, capture_cutoff_ms_).bind(2, cursor_age_).bind(3, cursor_id_).bind(4, int64_t{policy_.rows_per_transaction});
    while (s.step()) candidates.push_back({s.column_int(0), s.column_int(2), s.column_text(1)});
  }
  if (candidates.empty()) return false;
  cursor_age_ = candidates.back().requested_at;
  cursor_id_ = candidates.back().id;
  const std::string& dir = registry_.dir();
  auto prunable = [&](registry::Database& d) {
    const std::set<int64_t> loop = protected_captures(d);
    const std::set<std::string> lineage = lineage_data(d);
    std::vector<const Candidate*> out;
    for (const Candidate& c : candidates) {
      const std::string relative = std::filesystem::path(c.path).lexically_normal().string();
      const std::string absolute = (std::filesystem::path(dir) / c.path).lexically_normal().string();
      if (loop.count(c.id) || lineage.count(relative) || lineage.count(absolute)) continue;
      out.push_back(&c);
    }
    return out;
  };
  if (dry_run_) {
    const auto doomed = prunable(db);
    for (const Candidate* c : doomed) {
      const auto file = capture_file(dir, c->path);
      std::error_code ec;
      counts_.capture_files_deleted += file && std::filesystem::is_regular_file(*file, ec);
    }
    counts_.captures_deleted += doomed.size();
    counts_.captures_kept += candidates.size() - doomed.size();
    return true;
  }
  registry::Transaction tx(db);
  const auto start = Clock::now();
  const auto doomed = prunable(db);
  std::vector<int64_t> ids;
  for (const Candidate* c : doomed) {
    // The file goes first: a crash before the commit leaves a row without its file, which the
    // next pass deletes; never a file no row names.
    if (const auto file = capture_file(dir, c->path)) {
      std::error_code ec;
      counts_.capture_files_deleted += std::filesystem::remove(*file, ec);
    }
    ids.push_back(c->id);
  }
  if (!ids.empty()) Statement(db, ("DELETE FROM captures WHERE id IN " + id_list(ids)).c_str()).run();
  tx.commit();
  counts_.max_transaction_ms =
      std::max(counts_.max_transaction_ms, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  counts_.captures_deleted += ids.size();
  counts_.captures_kept += candidates.size() - ids.size();
  counts_.transactions += 1;
  counts_.max_rows_per_transaction = std::max(counts_.max_rows_per_transaction, static_cast<uint32_t>(ids.size()));
  return true;
}

RetentionCounts RetentionPass::run(std::chrono::milliseconds pause) {
  while (step()) {
    if (!dry_run_ && pause.count() > 0) std::this_thread::sleep_for(pause);
  }
  return counts_;
}

std::chrono::milliseconds retention_pause(registry::DatabaseEngine engine) {
  return engine == registry::DatabaseEngine::kSqlite ? std::chrono::milliseconds(200) : std::chrono::milliseconds(0);
}

RetentionSchedule::RetentionSchedule(RetentionPolicy policy, std::chrono::milliseconds every)
    : policy_(policy), every_(every) {
  retention_check_days(policy.telemetry_days, "--retain-telemetry");
  retention_check_days(policy.capture_days, "--retain-captures");
}

std::optional<RetentionCounts> RetentionSchedule::tick(registry::Registry& registry, int64_t now_ms) {
  if (!enabled()) return std::nullopt;
  if (!pass_) {
    if (now_ms < next_pass_ms_) return std::nullopt;
    pass_ = std::make_unique<RetentionPass>(registry, policy_, now_ms);
  }
  if (pass_->step()) return std::nullopt;
  const RetentionCounts counts = pass_->counts();
  pass_.reset();
  next_pass_ms_ = now_ms + every_.count();
  return counts;
}

}  // namespace tmf::monitor
