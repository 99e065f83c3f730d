// `tinymlops train --data DIR -o model.tmf`: trains a detector on a dataset folder and writes one
// int8 model file carrying the whole pipeline (DSP front end, detector, score, decision).
// Defaults work on ../shared/data/bearing as they are (docs/pipeline.md).
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/convert/graph.h"
#include "host/data/dataset.h"
#include "host/pipeline/detector.h"
#include "host/pipeline/train_pipeline.h"

namespace tmf::cli {
namespace {

struct TrainArgs {
  std::string data;
  std::string out;
  std::string detector = "autoencoder";
  std::string features;
  double far = 0.01;
  uint64_t seed = 1;
  int epochs = 0;
  int clusters = 0;
  std::string name = "bearing-detector";
  uint32_t version = 1;
  bool device_detection = false;
  bool json = false;
  bool quiet = false;
};

nlohmann::json summary_json(const pipeline::ScoreSummary& s) {
  nlohmann::json j{{"auc", s.auc}, {"true_positive_rate", s.true_positive_rate},
                   {"false_alarm_rate", s.false_alarm_rate}, {"healthy_windows", s.healthy_windows},
                   {"fault_windows", s.fault_windows}};
  j["per_condition"] = nlohmann::json::object();
  for (const auto& [c, v] : s.per_condition) {
    j["per_condition"][c] = {{"auc", v.auc}, {"detection_rate", v.detection_rate}, {"windows", v.windows}};
  }
  return j;
}

void run_train(const TrainArgs& args) {
  pipeline::TrainOptions o;
  o.data_dir = args.data;
  o.detector = args.detector;
  o.features = pipeline::feature_spec_parse(args.features);
  o.target_false_alarm_rate = args.far;
  o.seed = args.seed;
  o.epochs = args.epochs;
  o.clusters = args.clusters;
  o.model_name = args.name;
  o.model_version = args.version;
  o.device_detection.enabled = args.device_detection;
  if (!args.quiet) {
    // Progress goes to stderr so --json output on stdout stays clean.
    o.progress = [last = std::string(), last_percent = -1](const std::string& stage, double f) mutable {
      const int percent = static_cast<int>(f * 100);
      if (stage == last && percent / 10 == last_percent / 10 && percent != 100) return;
      last = stage, last_percent = percent;
      std::fprintf(stderr, "train: %-16s %3d%%\n", stage.c_str(), percent);
    };
  }
  const auto start = std::chrono::steady_clock::now();
  const pipeline::TrainResult r = pipeline::train_pipeline(o);
  write_file_atomic(args.out, r.file.data(), r.file.size());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (args.json) {
    nlohmann::json j{{"model", args.out},
                     {"file_bytes", r.file.size()},
                     {"detector", r.settings.detector},
                     {"features", r.settings.features},
                     {"threshold", r.settings.threshold},
                     {"target_false_alarm_rate", r.settings.target_false_alarm_rate},
                     {"seed", r.settings.seed},
                     {"windows", {{"train", r.train_windows}, {"validation", r.validation_windows}, {"test", r.test_windows}}},
                     {"float", summary_json(r.float_scores)},
                     {"int8", summary_json(r.int8_scores)},
                     {"auc_loss_int8", r.float_scores.auc - r.int8_scores.auc},
                     {"max_score_relative_difference", r.max_score_relative_difference},
                     {"seconds", seconds},
                     {"stage_seconds", r.seconds}};
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s: %zu B, %s, features %s\n", args.out.c_str(), r.file.size(), r.settings.detector.c_str(),
              r.settings.features.c_str());
  std::printf("windows: %zu train, %zu validation (threshold), %zu test\n", r.train_windows,
              r.validation_windows, r.test_windows);
  std::printf("threshold %.6g for a false-alarm rate of %.4g on healthy validation windows\n",
              r.settings.threshold, r.settings.target_false_alarm_rate);
  std::printf("held-out test windows     float     int8 (device runtime)\n");
  std::printf("  ROC-AUC, all faults    %.5f   %.5f\n", r.float_scores.auc, r.int8_scores.auc);
  for (const auto& [c, v] : r.int8_scores.per_condition) {
    std::printf("  ROC-AUC, %-12s  %.5f   %.5f\n", c.c_str(), r.float_scores.per_condition.at(c).auc, v.auc);
  }
  std::printf("  true-positive rate     %.5f   %.5f\n", r.float_scores.true_positive_rate, r.int8_scores.true_positive_rate);
  std::printf("  false-alarm rate       %.5f   %.5f\n", r.float_scores.false_alarm_rate, r.int8_scores.false_alarm_rate);
  std::printf("done in %.1f s\n", seconds);
}

}  // namespace

void register_train(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a detector on a dataset folder and write one int8 model file with the whole pipeline");
  cmd->add_option("--data", args->data, "Dataset folder (manifest.csv + float32 files)")->required();
  cmd->add_option("-o,--out", args->out, "Model file to write")->required();
  std::string kinds;
  for (const std::string& k : pipeline::detector_kinds()) kinds += (kinds.empty() ? "" : "|") + k;
  cmd->add_option("--detector", args->detector, "Detector: " + kinds)
      ->capture_default_str()->check(CLI::IsMember(pipeline::detector_kinds()));
  cmd->add_option("--features", args->features,
                  "Feature front end, key=value list: window=1024,bands=32,lo=0,hi=<nyquist>,"
                  "stats=none|rms+peak+crest+kurtosis+skewness (default: window=1024,bands=32,stats=none)");
  cmd->add_option("--far", args->far, "Target false-alarm rate for the threshold, per window")
      ->capture_default_str()->check(CLI::Range(0.0, 0.5));
  cmd->add_option("--seed", args->seed, "Random seed (same seed, same model)")->capture_default_str();
  cmd->add_option("--epochs", args->epochs, "Training epochs of neural detectors (0: default)")->capture_default_str();
  cmd->add_option("--clusters", args->clusters, "k-means/GMM components (0: default)")->capture_default_str();
  cmd->add_option("--name", args->name, "Model name (its id is derived from it)")->capture_default_str();
  cmd->add_option("--model-version", args->version, "Model version (anti-rollback counter)")->capture_default_str();
  cmd->add_flag("--device-detection", args->device_detection,
                "Fleet model: add the device's detection settings (TLV 0x101) and raw-features output, so the "
                "device app runs it and sends TELEMETRY (docs/app.md)");
  cmd->add_flag("--json", args->json, "Print a JSON summary");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress on stderr");
  cmd->callback([args] {
    try {
      run_train(*args);
    } catch (const data::DataError& e) {
      throw CliError(e.what(), 2);
    } catch (const pipeline::PipelineError& e) {
      throw CliError(e.what(), 2);
    }
  });
}

}  // namespace tmf::cli
