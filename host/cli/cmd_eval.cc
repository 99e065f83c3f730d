// `tinymlops eval --model M.tmf --data DIR`: scores every window of a dataset folder with the
// model file on the device runtime and reports ROC-AUC (overall and per condition), rates at the
// calibrated threshold, footprint and cost; `--report FILE.html` draws ROC curves and histograms.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <nlohmann/json.hpp>

#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/data/dataset.h"
#include "host/pipeline/evaluate.h"

namespace tmf::cli {
namespace {

struct EvalArgs {
  std::string model;
  std::string data;
  std::string report;
  uint32_t hop = 0;
  std::optional<double> snr_db;
  uint64_t noise_seed = 1;
  bool json = false;
};

double min_condition_auc(const pipeline::ScoreSummary& s) {
  double m = 1.0;
  for (const auto& [c, v] : s.per_condition) m = std::min(m, v.auc);
  return m;
}

void run_eval(const EvalArgs& args) {
  pipeline::EvalOptions o;
  o.model_path = args.model;
  o.data_dir = args.data;
  o.hop = args.hop;
  if (args.snr_db) o.snr_db = *args.snr_db;
  o.noise_seed = args.noise_seed;
  const pipeline::EvalResult r = pipeline::evaluate_model(o);
  if (!args.report.empty()) {
    const std::string html = pipeline::evaluation_report_html(r, "Evaluation of " + args.model + " on " + args.data);
    write_file_atomic(args.report, reinterpret_cast<const uint8_t*>(html.data()), html.size());
  }
  const pipeline::ScoreSummary& s = r.summary;
  if (args.json) {
    nlohmann::json j{{"model", args.model},
                     {"data", args.data},
                     {"detector", r.settings.detector},
                     {"features", r.settings.features},
                     {"auc", s.auc},
                     {"min_condition_auc", min_condition_auc(s)},
                     {"snr_db", args.snr_db ? nlohmann::json(*args.snr_db) : nlohmann::json(nullptr)},
                     {"threshold", r.settings.threshold},
                     {"target_false_alarm_rate", r.settings.target_false_alarm_rate},
                     {"true_positive_rate", s.true_positive_rate},
                     {"false_alarm_rate", s.false_alarm_rate},
                     {"healthy_windows", s.healthy_windows},
                     {"fault_windows", s.fault_windows},
                     {"skipped_trained_windows", r.skipped_trained_windows},
                     {"model_bytes", r.model_bytes},
                     {"arena_bytes", r.arena_bytes},
                     {"macs", r.macs}};
    j["per_condition"] = nlohmann::json::object();
    for (const auto& [c, v] : s.per_condition) {
      j["per_condition"][c] = {{"auc", v.auc}, {"detection_rate", v.detection_rate}, {"windows", v.windows}};
    }
    if (!r.confusion.empty()) j["confusion_matrix"] = {{"classes", r.classes}, {"counts", r.confusion}};
    if (!args.report.empty()) j["report"] = args.report;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s on %s: %zu healthy and %zu fault windows (%zu skipped: trained on)\n", args.model.c_str(),
              args.data.c_str(), s.healthy_windows, s.fault_windows, r.skipped_trained_windows);
  std::printf("ROC-AUC %.5f; at threshold %.6g: true-positive rate %.5f, false-alarm rate %.5f (target %.4g)\n",
              s.auc, r.settings.threshold, s.true_positive_rate, s.false_alarm_rate,
              r.settings.target_false_alarm_rate);
  std::printf("%-14s %8s %9s %10s\n", "condition", "windows", "ROC-AUC", "detected");
  for (const auto& [c, v] : s.per_condition) {
    std::printf("%-14s %8zu %9.5f %10.5f\n", c.c_str(), v.windows, v.auc, v.detection_rate);
  }
  if (!r.confusion.empty()) {
    std::printf("confusion matrix (rows: true, columns: predicted):\n%14s", "");
    for (const std::string& c : r.classes) std::printf(" %12s", c.c_str());
    std::printf("\n");
    for (size_t t = 0; t < r.classes.size(); ++t) {
      std::printf("%14s", r.classes[t].c_str());
      for (size_t n : r.confusion[t]) std::printf(" %12zu", n);
      std::printf("\n");
    }
  }
  std::printf("model %zu B, arena %zu B, %llu MACs per window\n", r.model_bytes, r.arena_bytes,
              static_cast<unsigned long long>(r.macs));
  if (!args.report.empty()) std::printf("report: %s\n", args.report.c_str());
}

}  // namespace

void register_eval(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "Evaluate a pipeline model file on a dataset folder (windows it was trained on are skipped)");
  cmd->add_option("--model", args->model, "Pipeline model file (from tinymlops train)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--data", args->data, "Dataset folder (manifest.csv + float32 files)")->required();
  cmd->add_option("--hop", args->hop, "Samples between windows (default: the model's)")->check(CLI::PositiveNumber);
  cmd->add_option("--report", args->report, "Write an HTML report (ROC curves, score histograms)");
  cmd->add_option("--snr-db", args->snr_db,
                  "Add white Gaussian background noise: healthy recordings' mean power / 10^(X/10), one power for all");
  cmd->add_option("--noise-seed", args->noise_seed, "Seed of that noise (per recording: seed and its sha256)")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print JSON");
  cmd->callback([args] {
    try {
      run_eval(*args);
    } catch (const data::DataError& e) {
      throw CliError(e.what(), 2);
    } catch (const pipeline::PipelineError& e) {
      throw CliError(e.what(), 2);
    }
  });
}

}  // namespace tmf::cli
