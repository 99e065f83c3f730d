// The lineage of the automation loop in the registry database (migration 4): every step the loop
// takes (collect, train, rollout) with why it was taken, what it produced and how it ended, so
// `tinymlops loop history` can answer "why is this model on that machine?". docs/loop.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/registry/sqlite_db.h"

namespace tmf::loop {

struct LoopStep {
  int64_t id = 0;
  std::string group;
  std::string kind;    // collect | train | rollout
  std::string state;   // running | done | failed
  std::string reason;  // why the step was taken (the trigger, or the step it follows)
  std::optional<int64_t> parent;  // the step this one follows
  int64_t started_at_ms = 0;
  std::optional<int64_t> ended_at_ms;
  std::string detail_json = "{}";  // inputs and results (capture ids, version, figures)
};

class LoopSteps {
 public:
  explicit LoopSteps(registry::Database& db) : db_(db) {}

  int64_t start(const std::string& group, const std::string& kind, const std::string& reason,
                std::optional<int64_t> parent, const std::string& detail_json, int64_t now_ms);
  void update_detail(int64_t id, const std::string& detail_json);
  void finish(int64_t id, const std::string& state, const std::string& detail_json, int64_t now_ms);
  std::optional<LoopStep> find(int64_t id);
  // The group's unfinished step, if any (the loop runs one step at a time per group).
  std::optional<LoopStep> running(const std::string& group);
  // Every step, oldest first (group empty: all groups).
  std::vector<LoopStep> list(const std::string& group = "");

 private:
  registry::Database& db_;
};

}  // namespace tmf::loop
