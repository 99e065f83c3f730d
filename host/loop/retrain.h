// One retraining step of the loop: train a challenger on a dataset of recent captures, sign it,
// compare it with the champion (the model's production version) on the same recent held-out
// windows, register it with its lineage (data, parent, reason, parameters) and metrics, and
// promote it to production when it is at least as good. docs/loop.md.
#pragma once

#include <optional>
#include <string>

#include "host/pipeline/train_pipeline.h"
#include "host/registry/registry.h"

namespace tmf::loop {

struct RetrainOptions {
  std::string dataset_dir;
  std::string model_name = "fleet-detector";
  std::string reason;       // why: "bootstrap", "drift: ...", "labels: ..." (recorded as lineage)
  std::string signing_key;  // secret key file (deploy/signing.h); required: devices take signed files only
  pipeline::TrainOptions train;  // detector, features, device detection; data_dir/name/version are set here
  double max_false_alarm_rate = 0.05;  // the challenger must stay under this on recent healthy windows
  // Uploads the challenger was not trained on (the loop holds whole captures out, docs/loop.md);
  // the challenge scores every window of it. Empty: the held-out windows of dataset_dir.
  std::string holdout_dir;
  // Where a winning challenger goes: "production", or "staging" when a release approval decides
  // (release.h promotes it then).
  std::string promote_stage = "production";
};

struct ChallengeResult {
  size_t windows = 0;  // recent held-out windows both models scored (healthy unless labelled)
  size_t fault_windows = 0;
  double challenger_false_alarm_rate = 0;
  double challenger_detection_rate = 0;  // over fault windows, 0 if none
  std::optional<double> champion_false_alarm_rate;  // none without a champion
  std::optional<double> champion_detection_rate;
  std::optional<std::string> champion;  // "name:version"
  bool promote = false;
  std::string why;  // the decision in words
};

struct RetrainResult {
  registry::VersionInfo version;  // the challenger as registered (production if promoted)
  pipeline::TrainResult train;
  ChallengeResult challenge;
};

// Throws LoopError / PipelineError / RegistryError naming what failed; nothing is registered
// unless training, signing and evaluation all succeeded.
RetrainResult retrain(registry::Registry& registry, const RetrainOptions& options);

// The champion: the newest production version of `model_name`, if any.
std::optional<registry::VersionInfo> production_version(registry::Registry& registry, const std::string& model_name);

// The one-sided 95 % Wilson lower bound of a false-alarm rate of `alarms` in `windows`.
double false_alarm_lower_bound(size_t alarms, size_t windows);

// Scores the held-out windows of `dataset_dir` (every window the challenger was not trained or
// calibrated on) with both models, each at its own threshold, and decides (docs/loop.md):
// promote when the challenger's false-alarm rate is not over max_false_alarm_rate on evidence (its
// lower bound, false_alarm_lower_bound, is at most the limit) and is at most the
// champion's, and (with fault windows) its detection rate is at least the champion's.
ChallengeResult challenge(const std::vector<uint8_t>& challenger_file, const std::vector<uint8_t>* champion_file,
                          const std::string& champion_name, const std::string& dataset_dir,
                          double max_false_alarm_rate);

}  // namespace tmf::loop
