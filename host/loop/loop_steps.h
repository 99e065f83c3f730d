// The lineage of the automation loop in the registry database (migration 4): every step the loop
// takes (collect, train, rollout) with why it was taken, what it produced and how it ended, so
// `tinymlops loop history` can answer "why is this model on that machine?". docs/loop.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "host/registry/database.h"

namespace tmf::loop {

// What a step does; one text form each (loop_steps.kind, `loop history --json`, the API, events).
enum class LoopStepKind {
  kCollect,   // raw captures from the group's devices
  kTrain,     // a challenger trained on them and judged against the champion
  kApproval,  // waiting for an operator's `loop approve|reject`
  kRollout,   // a canary or production rollout
};
enum class LoopStepState { kRunning, kDone, kFailed };

const char* to_string(LoopStepKind kind);
const char* to_string(LoopStepState state);
// std::invalid_argument naming the text and the valid words.
LoopStepKind loop_step_kind_parse(std::string_view text);
LoopStepState loop_step_state_parse(std::string_view text);
void to_json(nlohmann::json& j, LoopStepKind kind);
void from_json(const nlohmann::json& j, LoopStepKind& kind);
void to_json(nlohmann::json& j, LoopStepState state);
void from_json(const nlohmann::json& j, LoopStepState& state);

struct LoopStep {
  int64_t id = 0;
  std::string group;
  LoopStepKind kind = LoopStepKind::kCollect;
  LoopStepState state = LoopStepState::kRunning;
  std::string reason;  // why the step was taken (the trigger, or the step it follows)
  std::optional<int64_t> parent;  // the step this one follows
  int64_t started_at_ms = 0;
  std::optional<int64_t> ended_at_ms;
  std::string detail_json = "{}";  // inputs and results (capture ids, version, figures)
};

class LoopSteps {
 public:
  explicit LoopSteps(registry::Database& db) : db_(db) {}
  // The serve worker writing (serve --worker-id): start() records it as the step's "worker", and
  // finish() keeps "worker" and "handovers" in the detail it replaces.
  void set_worker(const std::string& worker) { worker_ = worker; }
  // Another worker took over step `id` (its leader died): appends {"worker", "from", "at_ms"} to
  // the detail's "handovers", `from` being the step's last worker. Nothing when `worker` is
  // already the step's last worker (a restart of the same worker). True if recorded.
  bool record_handover(int64_t id, const std::string& worker, int64_t now_ms);

  int64_t start(const std::string& group, LoopStepKind kind, const std::string& reason, std::optional<int64_t> parent,
                const std::string& detail_json, int64_t now_ms);
  void update_detail(int64_t id, const std::string& detail_json);
  void finish(int64_t id, LoopStepState state, const std::string& detail_json, int64_t now_ms);
  std::optional<LoopStep> find(int64_t id);
  // The group's unfinished step, if any (the loop runs one step at a time per group).
  std::optional<LoopStep> running(const std::string& group);
  // Every step, oldest first (group empty: all groups).
  std::vector<LoopStep> list(const std::string& group = "");

 private:
  registry::Database& db_;
  std::string worker_;
};

}  // namespace tmf::loop
