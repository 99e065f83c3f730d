// `tinymlops backtest --data DIR`: replays recorded runs in time order through the device
// pipeline (pool model, device runtime, the device's baseline learning, voting and persistence)
// and reports when each run first alarmed and its alarms in the first half (docs/backtest.md).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/data/dataset.h"
#include "host/pipeline/backtest.h"
#include "host/pipeline/backtest_cv.h"
#include "host/pipeline/pipeline_settings.h"

namespace tmf::cli {
namespace {

struct BacktestArgs {
  pipeline::BacktestOptions options;
  std::string cv;
  std::string objective = "nested";
  std::string select_rule = "standard";
  float variance_floor = 1e-6f;
  bool trend = false;
  bool spectral_kurtosis = false;
  std::string report;
  bool json = false;
  bool quiet = false;
};

nlohmann::json seconds_or_null(double s) { return s < 0 ? nlohmann::json(nullptr) : nlohmann::json(s); }

nlohmann::json cv_summary_json(const pipeline::CvSummary& s) {
  return {{"runs", s.runs},
          {"caught", s.caught},
          {"early", s.early},
          {"alarms_in_first_halves", s.first_half_alarms},
          {"median_lead_s", s.median_lead_s},
          {"false_alarms_per_day", s.false_alarms_per_day}};
}

nlohmann::json cv_folds_json(const std::vector<pipeline::CvFold>& folds, const pipeline::BacktestCvResult& r) {
  nlohmann::json runs = nlohmann::json::object();
  for (const pipeline::CvFold& f : folds) {
    const pipeline::CvCommissioning& c = r.grid.commissioning[f.setting.commissioning];
    nlohmann::json voting = nlohmann::json::array(), thresholds = nlohmann::json::object();
    for (size_t d = 0; d < r.detectors.size(); ++d) {
      if (!(f.setting.detectors & (1u << d))) continue;
      voting.push_back(r.detectors[d]);
      thresholds[r.detectors[d]] = f.outcome.thresholds[d];
    }
    const auto [m, w] = r.grid.persistence[f.setting.persistence];
    runs[f.held_out] = {
        {"first_alarm_s", seconds_or_null(f.outcome.first_alarm_s)},
        {"lead_s", seconds_or_null(f.outcome.lead_s)},
        {"alarms_in_first_half", f.outcome.alarms_in_first_half},
        {"healthy_monitored_s", f.outcome.healthy_monitored_s},
        {"false_alarms_per_day", f.outcome.healthy_monitored_s > 0
                                     ? f.outcome.alarms_in_first_half / (f.outcome.healthy_monitored_s / 86400.0)
                                     : 0.0},
        {"device_thresholds", thresholds},
        {"setting",
         {{"chosen_on", f.trained_on},
          {"settle_min", c.settle_min},
          {"baseline_min", c.baseline_min},
          {"calibration_min", c.calibration_min},
          {"baseline_tracking_min", c.tracking_min},
          {"false_alarm_probability", r.grid.probabilities[f.setting.probability]},
          {"detectors", voting},
          {"vote_k", f.setting.vote_k},
          {"persist_m", m},
          {"persist_w", w},
          {"text", pipeline::cv_setting_describe(f.setting, r.grid, r.detectors)}}},
        {"training",
         {{"errors", f.train.errors}, {"first_half_alarms", f.train.first_half_alarms}, {"median_lead_s", f.train.median_lead_s}}}};
    if (f.procedure >= 0) {  // nested: the rule and guard the inner leave-one-out picked, and its score
      const pipeline::CvProcedure& p = r.grid.procedures[static_cast<size_t>(f.procedure)];
      runs[f.held_out]["setting"]["procedure"] = {
          {"rule", pipeline::cv_objective_to_string(p.objective)},
          {"guard", p.guard},
          {"inner", {{"early", f.inner.early}, {"caught", f.inner.caught},
                     {"first_half_alarms", f.inner.first_half_alarms}, {"median_lead_s", f.inner.median_lead_s}}}};
      // Every candidate's inner score, so a reader sees why the others lost.
      nlohmann::json candidates = nlohmann::json::array();
      for (size_t i = 0; i < f.candidates.size() && i < r.grid.procedures.size(); ++i) {
        const pipeline::CvInnerScore& c = f.candidates[i];
        candidates.push_back({{"rule", pipeline::cv_objective_to_string(r.grid.procedures[i].objective)},
                              {"guard", r.grid.procedures[i].guard}, {"early", c.early}, {"caught", c.caught},
                              {"first_half_alarms", c.first_half_alarms}, {"median_lead_s", c.median_lead_s}});
      }
      runs[f.held_out]["setting"]["procedure"]["candidates"] = candidates;
    }
  }
  return runs;
}

void run_backtest_cv(BacktestArgs& args) {
  pipeline::BacktestCvOptions o;
  o.data_dir = args.options.data_dir;
  o.channel = args.options.channel;
  o.objective = args.objective == "margin"         ? pipeline::CvObjective::kMargin
                : args.objective == "conservative" ? pipeline::CvObjective::kConservative
                : args.objective == "lead"         ? pipeline::CvObjective::kLead
                : args.objective == "budget-lead"  ? pipeline::CvObjective::kBudgetLead
                                                   : pipeline::CvObjective::kNested;
  o.variance_floor = args.variance_floor;
  o.budget_lead = args.select_rule == "budget-lead";
  o.trend = args.trend;
  o.spectral_kurtosis = args.spectral_kurtosis;
  if (!args.quiet) o.progress = [](const std::string& step) { std::fprintf(stderr, "backtest: %s\n", step.c_str()); };
  const pipeline::BacktestCvResult r = pipeline::backtest_cv_run(o);
  if (!args.report.empty()) {
    const std::string html = pipeline::backtest_cv_report_html(r);
    write_file_atomic(args.report, reinterpret_cast<const uint8_t*>(html.data()), html.size());
  }
  if (args.json) {
    nlohmann::json j;
    j["cv"] = "leave-one-run-out";
    j["objective"] = pipeline::cv_objective_to_string(r.grid.objective);
    j["pool"] = {{"runs", cv_folds_json(r.pool, r)}, {"summary", cv_summary_json(r.pool_summary)}};
    // Each member keeps the setting it has alone in the fold (members.<d>.runs.<run>.setting); k
    // is chosen on the fold's training runs.
    nlohmann::json vote_runs = nlohmann::json::object();
    for (const pipeline::CvFold& f : r.vote) {
      vote_runs[f.held_out] = {{"first_alarm_s", seconds_or_null(f.outcome.first_alarm_s)},
                               {"lead_s", seconds_or_null(f.outcome.lead_s)},
                               {"alarms_in_first_half", f.outcome.alarms_in_first_half},
                               {"healthy_monitored_s", f.outcome.healthy_monitored_s},
                               {"setting", {{"chosen_on", f.trained_on}, {"vote_k", f.setting.vote_k},
                                            {"members", "each with its own setting of members.<detector>.runs.<run>"}}},
                               {"training", {{"errors", f.train.errors}, {"first_half_alarms", f.train.first_half_alarms},
                                             {"median_lead_s", f.train.median_lead_s}}}};
    }
    j["vote_of_members"] = {{"runs", vote_runs}, {"summary", cv_summary_json(r.vote_summary)}};
    j["members"] = nlohmann::json::object();
    for (size_t d = 0; d < r.detectors.size(); ++d) {
      j["members"][r.detectors[d]] = {{"runs", cv_folds_json(r.members[d], r)},
                                      {"summary", cv_summary_json(r.member_summaries[d])}};
    }
    // What no run chose: fixed before any replay (docs/backtest.md says why each value).
    nlohmann::json grid = {{"commissioning_min", nlohmann::json::array()},
                           {"false_alarm_probabilities", r.grid.probabilities},
                           {"persistence_m_of_w", nlohmann::json::array()}};
    for (const pipeline::CvCommissioning& c : r.grid.commissioning) {
      grid["commissioning_min"].push_back({{"settle", c.settle_min}, {"baseline", c.baseline_min},
                                           {"calibration", c.calibration_min}, {"baseline_tracking", c.tracking_min}});
    }
    for (const auto& [m, w] : r.grid.persistence) grid["persistence_m_of_w"].push_back({m, w});
    if (r.grid.objective == pipeline::CvObjective::kNested) {
      grid["nested_candidates"] = nlohmann::json::array();
      for (const pipeline::CvProcedure& p : r.grid.procedures) {
        grid["nested_candidates"].push_back({{"rule", pipeline::cv_objective_to_string(p.objective)}, {"guard", p.guard}});
      }
    }
    j["fixed_a_priori"] = {{"grid", grid},
                           {"tail_fraction", r.grid.tail_fraction},
                           {"min_threshold", r.grid.min_threshold},
                           {"variance_floor", r.grid.variance_floor},
                           {"tracking_clamp_sigmas", r.grid.tracking_clamp},
                           {"false_alarms_per_day_budget", r.grid.false_alarms_per_day_budget},
                           {"chosen_on_no_run", {"thresholds: each device calibrates its own from its commissioning scores"}}};
    j["select_rule"] = args.select_rule;
    j["trend"] = o.trend;
    j["spectral_kurtosis"] = o.spectral_kurtosis;
    if (o.spectral_kurtosis) {
      j["fixed_a_priori"]["spectral_kurtosis"] = {{"frame_samples", r.spectral_kurtosis_frame}, {"first_bin", 1},
                                                  {"samples", r.window}};
    }
    j["window"] = r.window;
    j["channel"] = o.channel;
    j["model_bytes"] = r.model_bytes;
    j["arena_bytes"] = r.arena_bytes;
    j["seconds"] = r.seconds;
    if (!args.report.empty()) j["report"] = args.report;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("leave-one-run-out (settings chosen on the other runs; thresholds calibrated by each device)\n");
  std::printf("%-12s %9s %16s %10s %12s  %s\n", "held out", "end (h)", "first alarm (h)", "lead (min)", "first-half", "setting");
  for (size_t i = 0; i < r.pool.size(); ++i) {
    const pipeline::CvFold& f = r.pool[i];
    char first[32] = "none", lead[32] = "missed";
    if (f.outcome.first_alarm_s >= 0) std::snprintf(first, sizeof first, "%.2f", f.outcome.first_alarm_s / 3600);
    if (f.outcome.lead_s >= 0) std::snprintf(lead, sizeof lead, "%.1f", f.outcome.lead_s / 60);
    std::printf("%-12s %9.2f %16s %10s %12u  %s\n", f.held_out.c_str(), r.report_traces[i].run_end_s / 3600, first, lead,
                f.outcome.alarms_in_first_half, pipeline::cv_setting_describe(f.setting, r.grid, r.detectors).c_str());
  }
  auto line = [](const std::string& what, const pipeline::CvSummary& s) {
    std::printf("%-20s caught %u/%u, early %u, median lead %.1f min, %.2f false alarms/day\n", what.c_str(), s.caught, s.runs,
                s.early, s.median_lead_s / 60, s.false_alarms_per_day);
  };
  line("pool", r.pool_summary);
  line("vote of members", r.vote_summary);
  for (size_t d = 0; d < r.detectors.size(); ++d) line(r.detectors[d] + " alone", r.member_summaries[d]);
  if (!args.report.empty()) std::printf("report: %s\n", args.report.c_str());
}

void run_backtest(BacktestArgs& args) {
  if (!args.cv.empty()) {
    run_backtest_cv(args);
    return;
  }
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
  cmd->add_option("--channel", args->options.channel, "Manifest channel to replay (empty: all); with --cv, 'both': horiz + vert as one two-axis window")->capture_default_str();
  cmd->add_option("--threshold", args->options.threshold, "Each detector's threshold, in baseline std^2")->capture_default_str();
  cmd->add_option("--vote", args->options.vote_k, "Detectors that must agree (of 3)")->capture_default_str()->check(CLI::Range(1, 3));
  cmd->add_option("--persist-m", args->options.persist_m, "Alarm when m ...")->capture_default_str();
  cmd->add_option("--persist-w", args->options.persist_w, "... of the last w windows agree")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--cv", args->cv,
                  "leave-one-run-out: choose every setting on the other runs, report each held-out run "
                  "(thresholds calibrated per device; --threshold, --vote, --persist-* and --baseline-minutes unused)")
      ->check(CLI::IsMember({"leave-one-run-out"}));
  cmd->add_option("--cv-objective", args->objective,
                  "How a fold chooses: nested (the default: an inner leave-one-out over the fold's training runs "
                  "picks one of the rules below with a guard of 0.5, 0.6 or 0.7 of each run; docs/backtest.md) or, "
                  "ranking settings after errors, lead (largest median lead; the a-priori rule of the second session) or "
                  "margin (fewest first-half candidate windows, then lead; added after seeing the lead figures) or "
                  "conservative (the smallest budget, then the strictest persistence and vote that still catch every "
                  "training run; added in the second session after seeing the lead figures) or budget-lead (the "
                  "nominal false-alarm rate within one per device-year first, then lead, then the conservative order)")
      ->capture_default_str()->check(CLI::IsMember({"nested", "lead", "margin", "conservative", "budget-lead"}));
  cmd->add_option("--select-rule", args->select_rule,
                  "--cv-objective nested: the candidate rules; standard (lead, margin, conservative at each guard) or "
                  "budget-lead (the same plus budget-lead at each guard; attempt 2, opt-in; docs/backtest.md)")
      ->capture_default_str()->check(CLI::IsMember({"standard", "budget-lead"}));
  cmd->add_option("--variance-floor", args->variance_floor,
                  "--cv: the baseline's variance floor, every feature (a guard against a feature that never moved; docs/backtest.md)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--trend", args->trend,
                "--cv: add `trend` (the device loop's trend of ln RMS, 10 min time constant, 3-sigma cap) to the pool "
                "as a ninth member; doubles the search (docs/backtest.md)");
  cmd->add_flag("--spectral-kurtosis", args->spectral_kurtosis,
                "--cv: add `spectral_kurtosis` (the device loop's largest spectral kurtosis over the bands of 4/3 ms "
                "frames, z^2 over its commissioned baseline) to the pool as a further member; doubles the search "
                "(docs/backtest.md)");
  cmd->add_option("--report", args->report, "Write an HTML report (score over time per run)");
  cmd->add_flag("--json", args->json, "Print JSON: {\"runs\": {\"<run>\": {first_alarm_s, run_end_s, alarms_in_first_half, ...}}, \"summary\": {...}}");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress on stderr");
  cmd->callback([args] {
    if (args->options.persist_m < 1 || args->options.persist_m > args->options.persist_w) {
      throw CliError("--persist-m must be in [1, --persist-w]", 2);
    }
    if (args->select_rule != "standard" && args->objective != "nested") {
      throw CliError("--select-rule " + args->select_rule + " needs --cv-objective nested", 2);
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
