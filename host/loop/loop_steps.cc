// Loop steps in the registry database (see loop_steps.h).
#include "host/loop/loop_steps.h"

#include <nlohmann/json.hpp>

#include "host/registry/enum_names.h"

namespace tmf::loop {
namespace {

constexpr registry::EnumName<LoopStepKind> kKinds[] = {
    {LoopStepKind::kCollect, "collect"},
    {LoopStepKind::kTrain, "train"},
    {LoopStepKind::kApproval, "approval"},
    {LoopStepKind::kRollout, "rollout"},
};
constexpr registry::EnumName<LoopStepState> kStates[] = {
    {LoopStepState::kRunning, "running"},
    {LoopStepState::kDone, "done"},
    {LoopStepState::kFailed, "failed"},
};

constexpr const char* kColumns =
    "id, device_group, kind, state, reason, parent, started_at, ended_at, detail";

LoopStep read_step(registry::Statement& s) {
  LoopStep step;
  step.id = s.column_int(0);
  step.group = s.column_text(1);
  step.kind = loop_step_kind_parse(s.column_text(2));
  step.state = loop_step_state_parse(s.column_text(3));
  step.reason = s.column_text(4);
  step.parent = s.column_optional_int(5);
  step.started_at_ms = s.column_int(6);
  step.ended_at_ms = s.column_optional_int(7);
  step.detail_json = s.column_text(8);
  return step;
}

}  // namespace

const char* to_string(LoopStepKind kind) { return registry::enum_text(kKinds, kind); }
const char* to_string(LoopStepState state) { return registry::enum_text(kStates, state); }
LoopStepKind loop_step_kind_parse(std::string_view text) { return registry::enum_parse(kKinds, text, "loop step kind"); }
LoopStepState loop_step_state_parse(std::string_view text) {
  return registry::enum_parse(kStates, text, "loop step state");
}
void to_json(nlohmann::json& j, LoopStepKind kind) { j = to_string(kind); }
void from_json(const nlohmann::json& j, LoopStepKind& kind) { kind = loop_step_kind_parse(j.get<std::string>()); }
void to_json(nlohmann::json& j, LoopStepState state) { j = to_string(state); }
void from_json(const nlohmann::json& j, LoopStepState& state) { state = loop_step_state_parse(j.get<std::string>()); }

int64_t LoopSteps::start(const std::string& group, LoopStepKind kind, const std::string& reason,
                         std::optional<int64_t> parent, const std::string& detail_json, int64_t now_ms) {
  registry::Statement s(db_,
                        "INSERT INTO loop_steps (device_group, kind, state, reason, parent, started_at, detail) "
                        "VALUES (?, ?, 'running', ?, ?, ?, ?)");
  std::string detail = detail_json;
  if (!worker_.empty()) {
    nlohmann::json d = nlohmann::json::parse(detail_json, nullptr, false);
    if (d.is_object()) {
      d["worker"] = worker_;
      detail = d.dump();
    }
  }
  s.bind(1, group).bind(2, std::string(to_string(kind))).bind(3, reason).bind(4, parent).bind(5, now_ms).bind(6, detail).run();
  return db_.last_insert_id();
}

bool LoopSteps::record_handover(int64_t id, const std::string& worker, int64_t now_ms) {
  const std::optional<LoopStep> step = find(id);
  if (!step || worker.empty()) return false;
  nlohmann::json d = nlohmann::json::parse(step->detail_json, nullptr, false);
  if (!d.is_object()) return false;
  std::string last = d.value("worker", std::string());
  if (d.contains("handovers") && d["handovers"].is_array() && !d["handovers"].empty()) {
    last = d["handovers"].back().value("worker", last);
  }
  if (last == worker) return false;
  if (last.empty()) {
    d["worker"] = worker;  // a step from before workers had names: this one carries it on, no handover
    update_detail(id, d.dump());
    return false;
  }
  d["handovers"].push_back({{"worker", worker}, {"from", last}, {"at_ms", now_ms}});
  update_detail(id, d.dump());
  return true;
}

void LoopSteps::update_detail(int64_t id, const std::string& detail_json) {
  registry::Statement(db_, "UPDATE loop_steps SET detail = ? WHERE id = ?").bind(1, detail_json).bind(2, id).run();
}

void LoopSteps::finish(int64_t id, LoopStepState state, const std::string& detail_json, int64_t now_ms) {
  std::string detail = detail_json;
  nlohmann::json d = nlohmann::json::parse(detail_json, nullptr, false);
  if (const std::optional<LoopStep> before = find(id); before && d.is_object()) {
    const nlohmann::json old = nlohmann::json::parse(before->detail_json, nullptr, false);
    for (const char* key : {"worker", "handovers"}) {
      if (old.is_object() && old.contains(key) && !d.contains(key)) d[key] = old[key];
    }
    detail = d.dump();
  }
  registry::Statement(db_, "UPDATE loop_steps SET state = ?, detail = ?, ended_at = ? WHERE id = ?")
      .bind(1, std::string(to_string(state)))
      .bind(2, detail)
      .bind(3, now_ms)
      .bind(4, id)
      .run();
}

std::optional<LoopStep> LoopSteps::find(int64_t id) {
  registry::Statement s(db_, (std::string("SELECT ") + kColumns + " FROM loop_steps WHERE id = ?").c_str());
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_step(s);
}

std::optional<LoopStep> LoopSteps::running(const std::string& group) {
  registry::Statement s(
      db_, (std::string("SELECT ") + kColumns + " FROM loop_steps WHERE device_group = ? AND state = 'running' "
                                                "ORDER BY id DESC LIMIT 1")
               .c_str());
  s.bind(1, group);
  if (!s.step()) return std::nullopt;
  return read_step(s);
}

std::vector<LoopStep> LoopSteps::list(const std::string& group) {
  registry::Statement s(db_, (std::string("SELECT ") + kColumns +
                              " FROM loop_steps WHERE ? = '' OR device_group = ? ORDER BY id")
                                 .c_str());
  s.bind(1, group).bind(2, group);
  std::vector<LoopStep> steps;
  while (s.step()) steps.push_back(read_step(s));
  return steps;
}

}  // namespace tmf::loop
