// `tinymlops loop history`: the steps the automation loop of `serve` took (collect, train,
// rollout, approval), each with its reason, parent step, times and results: the lineage of every
// model the loop put on the machines (docs/loop.md). `loop approve|reject N`: the release decision
// on a candidate waiting at its canary stage (host/loop/release.h).
#include <cstdio>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>

#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/loop/loop_error.h"
#include "host/loop/loop_steps.h"
#include "host/loop/release.h"
#include "host/monitor/telemetry_store.h"
#include "host/cli/registry_cli.h"
#include "host/registry/registry.h"

namespace tmf::cli {
namespace {

struct LoopArgs {
  std::string registry_dir, group;
  bool json = false;
};

struct DecideArgs {
  std::string registry_dir, signing_key, by, reason;
  int64_t step = 0;
  bool json = false;
};

nlohmann::json approval_json(const loop::Approval& a) {
  return {{"step", a.step},
          {"version", a.version},
          {"group", a.group},
          {"fleet", a.fleet},
          {"state", loop::approval_state_to_string(a.state)},
          {"decided_by", a.decided_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.decided_by)},
          {"decided_at_ms", a.decided_at_ms ? nlohmann::json(*a.decided_at_ms) : nlohmann::json(nullptr)},
          {"signer_key_id", a.signer_key_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.signer_key_id)},
          {"sequence", a.sequence ? nlohmann::json(*a.sequence) : nlohmann::json(nullptr)},
          {"reason", a.reason}};
}

std::string utc(int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", std::gmtime(&t));
  return text;
}

void run_history(const LoopArgs& a) {
  registry::Registry reg(a.registry_dir.empty() ? registry::Registry::default_dir() : a.registry_dir);
  const std::vector<loop::LoopStep> steps = loop::LoopSteps(reg.db()).list(a.group);
  std::map<int64_t, loop::Approval> approvals;
  for (const loop::Approval& ap : loop::Approvals(reg.db()).list(a.group)) approvals[ap.step] = ap;
  if (a.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const loop::LoopStep& s : steps) {
      const nlohmann::json detail = nlohmann::json::parse(s.detail_json, nullptr, false);
      j.push_back({{"id", s.id}, {"group", s.group}, {"kind", s.kind}, {"state", s.state}, {"reason", s.reason},
                   {"parent", s.parent ? nlohmann::json(*s.parent) : nlohmann::json(nullptr)},
                   {"started_at_ms", s.started_at_ms},
                   {"ended_at_ms", s.ended_at_ms ? nlohmann::json(*s.ended_at_ms) : nlohmann::json(nullptr)},
                   {"detail", detail}});
      if (approvals.count(s.id)) j.back()["approval"] = approval_json(approvals[s.id]);
    }
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  if (steps.empty()) std::printf("no loop steps yet (serve records them when its loop acts)\n");
  for (const loop::LoopStep& s : steps) {
    std::printf("#%lld %-8s %-7s %s  group %s%s\n    reason: %s\n", static_cast<long long>(s.id), loop::to_string(s.kind),
                loop::to_string(s.state), utc(s.started_at_ms).c_str(), s.group.c_str(),
                s.parent ? (" after #" + std::to_string(*s.parent)).c_str() : "", s.reason.c_str());
    if (approvals.count(s.id)) {
      const loop::Approval& ap = approvals[s.id];
      if (ap.state == loop::ApprovalState::kApprovalPending) {
        std::printf("    approval: pending for %s (tinymlops loop approve %lld | reject %lld)\n", ap.version.c_str(),
                    static_cast<long long>(s.id), static_cast<long long>(s.id));
      } else {
        const std::string signer =
            ap.state != loop::ApprovalState::kApprovalApproved ? ""
            : ap.signer_key_id.empty()                         ? ", production record signed by serve's key"
                                                               : ", production record signed by key " + ap.signer_key_id;
        std::printf("    approval: %s %s by %s at %s UTC%s%s%s\n", loop::approval_state_to_string(ap.state),
                    ap.version.c_str(), ap.decided_by.c_str(), utc(ap.decided_at_ms.value_or(0)).c_str(), signer.c_str(),
                    ap.reason.empty() ? "" : ", reason: ", ap.reason.c_str());
      }
    }
    std::printf("    detail: %s\n", s.detail_json.substr(0, 400).c_str());
  }
}

void run_decide(const DecideArgs& a, bool approve) {
  registry::Registry reg(a.registry_dir.empty() ? registry::Registry::default_dir() : a.registry_dir);
  const std::string by = a.by.empty() ? os_user() : a.by;
  loop::Approval out;
  try {
    out = approve ? loop::release_approve(reg, a.step, by, a.signing_key, monitor::unix_ms_now())
                  : loop::release_reject(reg, a.step, by, a.reason, monitor::unix_ms_now());
  } catch (const loop::LoopError& e) {
    throw CliError(e.what(), 2);
  }
  if (a.json) {
    std::printf("%s\n", approval_json(out).dump(2).c_str());
    return;
  }
  std::printf("%s %s (loop step %lld) by %s%s\n", loop::approval_state_to_string(out.state), out.version.c_str(),
              static_cast<long long>(out.step), out.decided_by.c_str(),
              out.signer_key_id.empty() ? "" : (", production record (sequence " + std::to_string(out.sequence.value_or(0)) +
                                                ") signed by key " + out.signer_key_id.substr(0, 16)).c_str());
  std::printf("%s\n", approve ? "serve rolls it out beyond the canary stage (now, or when it next runs)"
                               : "production is not touched; the candidate is archived");
}

void add_decide(CLI::App* loop, bool approve) {
  auto args = std::make_shared<DecideArgs>();
  CLI::App* cmd = loop->add_subcommand(
      approve ? "approve" : "reject",
      approve ? "Let candidate N (an approval step of `loop history`) go beyond its canary stage"
              : "Keep candidate N (an approval step of `loop history`) off production");
  cmd->add_option("N", args->step, "The approval step's number (loop history)")->required();
  cmd->add_option("--registry", args->registry_dir, "Registry folder (default $TINYMLOPS_REGISTRY or ./.tinymlops)");
  add_database_option(cmd);
  if (approve) {
    cmd->add_option("--signing-key", args->signing_key,
                    "Secret key file that signs the production record and file here, in this process (offline "
                    "signing: serve never sees it). Without it serve signs with its own --signing-key");
  } else {
    cmd->add_option("--reason", args->reason, "Why (kept in the loop history)");
  }
  cmd->add_option("--by", args->by, "Who decides (default: the OS user)");
  cmd->add_flag("--json", args->json, "Print JSON (keys: step, version, group, fleet, state, decided_by, decided_at_ms, signer_key_id, sequence, reason)");
  cmd->callback([args, approve] { run_decide(*args, approve); });
}

}  // namespace

void register_loop(CLI::App& app) {
  CLI::App* loop = app.add_subcommand("loop", "The automation loop's record (collect, train, rollout, approval steps and why) and its release decisions");
  loop->require_subcommand(1);
  auto args = std::make_shared<LoopArgs>();
  CLI::App* history = loop->add_subcommand("history", "Every step the loop took, oldest first, with its reason");
  history->add_option("--registry", args->registry_dir, "Registry folder (default $TINYMLOPS_REGISTRY or ./.tinymlops)");
  add_database_option(history);
  history->add_option("--group", args->group, "Only this device group");
  history->add_flag("--json", args->json,
                    "Print a JSON array of steps (id, group, kind, state, reason, parent, started_at_ms, ended_at_ms, "
                    "detail; approval steps also approval: state, decided_by, decided_at_ms, signer_key_id, ...)");
  history->callback([args] { run_history(*args); });
  add_decide(loop, true);
  add_decide(loop, false);
}

}  // namespace tmf::cli
