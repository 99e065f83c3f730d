// Loop steps in the registry database (see loop_steps.h).
#include "host/loop/loop_steps.h"

namespace tmf::loop {
namespace {

constexpr const char* kColumns =
    "id, device_group, kind, state, reason, parent, started_at, ended_at, detail";

LoopStep read_step(registry::Statement& s) {
  LoopStep step;
  step.id = s.column_int(0);
  step.group = s.column_text(1);
  step.kind = s.column_text(2);
  step.state = s.column_text(3);
  step.reason = s.column_text(4);
  step.parent = s.column_optional_int(5);
  step.started_at_ms = s.column_int(6);
  step.ended_at_ms = s.column_optional_int(7);
  step.detail_json = s.column_text(8);
  return step;
}

}  // namespace

int64_t LoopSteps::start(const std::string& group, const std::string& kind, const std::string& reason,
                         std::optional<int64_t> parent, const std::string& detail_json, int64_t now_ms) {
  registry::Statement s(db_,
                        "INSERT INTO loop_steps (device_group, kind, state, reason, parent, started_at, detail) "
                        "VALUES (?, ?, 'running', ?, ?, ?, ?)");
  s.bind(1, group).bind(2, kind).bind(3, reason).bind(4, parent).bind(5, now_ms).bind(6, detail_json).run();
  return db_.last_insert_id();
}

void LoopSteps::update_detail(int64_t id, const std::string& detail_json) {
  registry::Statement(db_, "UPDATE loop_steps SET detail = ? WHERE id = ?").bind(1, detail_json).bind(2, id).run();
}

void LoopSteps::finish(int64_t id, const std::string& state, const std::string& detail_json, int64_t now_ms) {
  registry::Statement(db_, "UPDATE loop_steps SET state = ?, detail = ?, ended_at = ? WHERE id = ?")
      .bind(1, state)
      .bind(2, detail_json)
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
