// `tinymlops loop history`: the steps the automation loop of `serve` took (collect, train,
// rollout), each with its reason, parent step, times and results: the lineage of every model the
// loop put on the machines (docs/loop.md).
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/loop/loop_steps.h"
#include "host/registry/registry.h"

namespace tmf::cli {
namespace {

struct LoopArgs {
  std::string registry_dir, group;
  bool json = false;
};

std::string utc(int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", std::gmtime(&t));
  return text;
}

void run_history(const LoopArgs& a) {
  registry::Registry reg(a.registry_dir.empty() ? registry::Registry::default_dir() : a.registry_dir);
  const std::vector<loop::LoopStep> steps = loop::LoopSteps(reg.db()).list(a.group);
  if (a.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const loop::LoopStep& s : steps) {
      const nlohmann::json detail = nlohmann::json::parse(s.detail_json, nullptr, false);
      j.push_back({{"id", s.id}, {"group", s.group}, {"kind", s.kind}, {"state", s.state}, {"reason", s.reason},
                   {"parent", s.parent ? nlohmann::json(*s.parent) : nlohmann::json(nullptr)},
                   {"started_at_ms", s.started_at_ms},
                   {"ended_at_ms", s.ended_at_ms ? nlohmann::json(*s.ended_at_ms) : nlohmann::json(nullptr)},
                   {"detail", detail}});
    }
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  if (steps.empty()) std::printf("no loop steps yet (serve records them when its loop acts)\n");
  for (const loop::LoopStep& s : steps) {
    std::printf("#%lld %-8s %-7s %s  group %s%s\n    reason: %s\n", static_cast<long long>(s.id), s.kind.c_str(),
                s.state.c_str(), utc(s.started_at_ms).c_str(), s.group.c_str(),
                s.parent ? (" after #" + std::to_string(*s.parent)).c_str() : "", s.reason.c_str());
    std::printf("    detail: %s\n", s.detail_json.substr(0, 400).c_str());
  }
}

}  // namespace

void register_loop(CLI::App& app) {
  CLI::App* loop = app.add_subcommand("loop", "The automation loop's record (collect, train, rollout steps and why)");
  loop->require_subcommand(1);
  auto args = std::make_shared<LoopArgs>();
  CLI::App* history = loop->add_subcommand("history", "Every step the loop took, oldest first, with its reason");
  history->add_option("--registry", args->registry_dir, "Registry folder (default $TINYMLOPS_REGISTRY or ./.tinymlops)");
  history->add_option("--group", args->group, "Only this device group");
  history->add_flag("--json", args->json, "Print JSON");
  history->callback([args] { run_history(*args); });
}

}  // namespace tmf::cli
