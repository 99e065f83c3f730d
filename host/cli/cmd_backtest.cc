// `tinymlops backtest --data DIR`: replays recorded runs in time order through the device
// pipeline (pool model, device runtime, the device's baseline learning, voting and persistence)
// and reports when each run first alarmed and its alarms in the first half (docs/backtest.md).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/data/dataset.h"
#include "host/pipeline/backtest.h"
#include "host/pipeline/pipeline_settings.h"

namespace tmf::cli {
namespace {

struct BacktestArgs {
  pipeline::BacktestOptions options;
  std::string report;
  bool json = false;
  bool quiet = false;
};

nlohmann::json seconds_or_null(double s) { return s < 0 ? nlohmann::json(nullptr) : nlohmann::json(s); }

void run_backtest(BacktestArgs& args) {
  if (!args.quiet) {
    args.options.progress = [](const std::string& run, size_t done, size_t total) {
      if (!run.empty()) std::fprintf(stderr, "backtest: [%zu/%zu] %s\n", done + 1, total, run.c_str());
    };
  }
  const pipeline::BacktestResult r = pipeline::backtest_run(args.options);
  if (!args.report.empty()) {
    const std::string html = pipeline::backtest_report_html(r, args.options);
    write_file_atomic(args.report, reinterpret_cast<const uint8_t*>(html.data()), html.size());
  }
  uint32_t pool_first_half = 0;
  std::map<std::string, uint32_t> single_first_half;
  for (const pipeline::BacktestRun& run : r.runs) {
    pool_first_half += run.alarms_in_first_half;
    for (const auto& [d, n] : run.single_alarms_in_first_half) single_first_half[d] += n;
  }
  uint32_t best_single = UINT32_MAX;
  for (const auto& [d, n] : single_first_half) best_single = std::min(best_single, n);
  if (args.json) {
    nlohmann::json j;
    j["runs"] = nlohmann::json::object();
    for (const pipeline::BacktestRun& run : r.runs) {
      nlohmann::json single = nlohmann::json::object();
      for (const auto& [d, n] : run.single_alarms_in_first_half) {
        single[d] = {{"alarms_in_first_half", n}, {"first_alarm_s", seconds_or_null(run.single_first_alarm_s.at(d))}};
      }
      j["runs"][run.name] = {{"first_alarm_s", seconds_or_null(run.first_alarm_s)},
                             {"run_end_s", run.run_end_s},
                             {"alarms_in_first_half", run.alarms_in_first_half},
                             {"windows", run.windows},
                             {"baseline_windows", run.baseline_windows},
                             {"single_detectors", single}};
    }
    j["summary"] = {{"pool_alarms_in_first_halves", pool_first_half},
                    {"single_alarms_in_first_halves", single_first_half},
                    {"best_single_alarms_in_first_halves", best_single},
                    {"runs_alarming_before_end", std::count_if(r.runs.begin(), r.runs.end(),
                                                               [](const auto& x) { return x.first_alarm_s >= 0; })},
                    {"runs", r.runs.size()},
                    {"window", r.window},
                    {"model_bytes", r.model_bytes},
                    {"arena_bytes", r.arena_bytes},
                    {"seconds", r.seconds}};
    if (!args.report.empty()) j["report"] = args.report;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%-14s %9s %16s %22s\n", "run", "end (h)", "first alarm (h)", "alarms in first half");
  for (const pipeline::BacktestRun& run : r.runs) {
    char first[32] = "none";
    if (run.first_alarm_s >= 0) std::snprintf(first, sizeof first, "%.2f", run.first_alarm_s / 3600);
    std::printf("%-14s %9.2f %16s %22u\n", run.name.c_str(), run.run_end_s / 3600, first, run.alarms_in_first_half);
  }
  std::printf("first-half alarms: pool %u; each detector alone (no voting, no persistence):", pool_first_half);
  for (const auto& [d, n] : single_first_half) std::printf(" %s %u", d.c_str(), n);
  std::printf("\n");
  if (!args.report.empty()) std::printf("report: %s\n", args.report.c_str());
}

}  // namespace

void register_backtest(CLI::App& app) {
  auto args = std::make_shared<BacktestArgs>();
  CLI::App* cmd = app.add_subcommand(
      "backtest", "Replay recorded runs through the device pipeline (baseline learning, voting, persistence)");
  cmd->add_option("--data", args->options.data_dir, "Dataset folder (run-to-failure layout: bearing, channel, elapsed_s)")->required();
  cmd->add_option("--baseline-minutes", args->options.baseline_minutes, "Commissioning: each run's first minutes")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--channel", args->options.channel, "Manifest channel to replay (empty: all)")->capture_default_str();
  cmd->add_option("--threshold", args->options.threshold, "Each detector's threshold, in baseline std^2")->capture_default_str();
  cmd->add_option("--vote", args->options.vote_k, "Detectors that must agree (of 3)")->capture_default_str()->check(CLI::Range(1, 3));
  cmd->add_option("--persist-m", args->options.persist_m, "Alarm when m ...")->capture_default_str();
  cmd->add_option("--persist-w", args->options.persist_w, "... of the last w windows agree")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--report", args->report, "Write an HTML report (score over time per run)");
  cmd->add_flag("--json", args->json, "Print JSON: {\"runs\": {\"<run>\": {first_alarm_s, run_end_s, alarms_in_first_half, ...}}, \"summary\": {...}}");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress on stderr");
  cmd->callback([args] {
    if (args->options.persist_m < 1 || args->options.persist_m > args->options.persist_w) {
      throw CliError("--persist-m must be in [1, --persist-w]", 2);
    }
    try {
      run_backtest(*args);
    } catch (const data::DataError& e) {
      throw CliError(e.what(), 2);
    } catch (const pipeline::PipelineError& e) {
      throw CliError(e.what(), 2);
    }
  });
}

}  // namespace tmf::cli
