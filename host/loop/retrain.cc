// Retraining and the champion/challenger decision (see retrain.h).
#include "host/loop/retrain.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "host/data/dataset.h"
#include "host/deploy/signing.h"
#include "host/loop/loop_error.h"
#include "host/pipeline/pipeline_model.h"
#include "host/pipeline/window_set.h"

namespace tmf::loop {

std::optional<registry::VersionInfo> production_version(registry::Registry& registry, const std::string& model_name) {
  std::optional<registry::VersionInfo> best;
  for (const registry::VersionInfo& v : registry.list_versions(model_name)) {
    if (v.stage == "production" && (!best || v.version > best->version)) best = v;
  }
  return best;
}

namespace {

struct Rates {
  double false_alarm = 0, detection = 0;
  size_t healthy = 0, healthy_alarms = 0;
};

Rates rates(pipeline::PipelineModel& model, pipeline::SampleCache& cache, const pipeline::LabeledWindows& windows,
            const std::string& normal_label) {
  size_t healthy = 0, healthy_alarms = 0, faults = 0, detected = 0;
  for (size_t i = 0; i < windows.size(); ++i) {
    const bool alarm = model.score(cache.window(windows.refs[i], model.window())).decision != 0;
    if (windows.labels[i] == normal_label) {
      ++healthy;
      healthy_alarms += alarm;
    } else {
      ++faults;
      detected += alarm;
    }
  }
  Rates r;
  r.healthy = healthy;
  r.healthy_alarms = healthy_alarms;
  r.false_alarm = healthy ? static_cast<double>(healthy_alarms) / healthy : 0;
  r.detection = faults ? static_cast<double>(detected) / faults : 0;
  return r;
}

}  // namespace

double false_alarm_lower_bound(size_t alarms, size_t windows) {
  if (windows == 0) return 0;
  constexpr double z = 1.6448536269514722;  // one-sided 95 %
  const double n = static_cast<double>(windows);
  const double p = static_cast<double>(alarms) / n;
  const double centre = p + z * z / (2 * n);
  const double spread = z * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n));
  return std::max(0.0, (centre - spread) / (1 + z * z / n));
}

namespace {

uint32_t next_version(registry::Registry& registry, const std::string& name) {
  uint32_t v = 0;
  for (const registry::VersionInfo& info : registry.list_versions(name)) v = std::max(v, info.version);
  return v + 1;
}

}  // namespace

ChallengeResult challenge(const std::vector<uint8_t>& challenger_file, const std::vector<uint8_t>* champion_file,
                          const std::string& champion_name, const std::string& dataset_dir,
                          double max_false_alarm_rate) {
  pipeline::PipelineModel challenger(challenger_file, "challenger");
  const data::Dataset dataset = data::dataset_read(dataset_dir);
  size_t skipped = 0;
  const pipeline::LabeledWindows windows =
      pipeline::evaluation_windows(dataset, challenger.settings(), challenger.settings().hop, &skipped);
  if (windows.size() == 0) throw LoopError(dataset_dir + ": no held-out windows to compare the models on");
  const std::string& normal = challenger.settings().normal_label;
  pipeline::SampleCache cache(dataset);

  ChallengeResult r;
  r.windows = windows.size();
  for (const std::string& label : windows.labels) r.fault_windows += label != normal;
  const Rates mine = rates(challenger, cache, windows, normal);
  r.challenger_false_alarm_rate = mine.false_alarm;
  r.challenger_detection_rate = mine.detection;
  // Over the limit only on evidence: the held-out set is a few uploads (about 100 windows), where
  // one window moves the rate by 0.01; the rate is over the limit when its one-sided 95 % Wilson
  // lower bound is.
  const double lower = false_alarm_lower_bound(mine.healthy_alarms, mine.healthy);
  bool better = lower <= max_false_alarm_rate;
  char text[256];
  std::snprintf(text, sizeof text, "challenger false alarms %.4f (95%% lower bound %.4f, limit %.4f)", mine.false_alarm,
                lower, max_false_alarm_rate);
  r.why = text;
  if (champion_file != nullptr) {
    pipeline::PipelineModel champion(*champion_file, champion_name);
    if (champion.window() != challenger.window()) {
      r.why += "; champion " + champion_name + " reads another window length, not compared";
    } else {
      const Rates theirs = rates(champion, cache, windows, normal);
      r.champion = champion_name;
      r.champion_false_alarm_rate = theirs.false_alarm;
      r.champion_detection_rate = theirs.detection;
      better = better && mine.false_alarm <= theirs.false_alarm &&
               (r.fault_windows == 0 || mine.detection >= theirs.detection);
      std::snprintf(text, sizeof text, ", champion %s %.4f; detection %.3f vs %.3f over %zu fault windows",
                    champion_name.c_str(), theirs.false_alarm, mine.detection, theirs.detection, r.fault_windows);
      r.why += text;
    }
  }
  r.promote = better;
  r.why = (better ? "promote: " : "keep the champion: ") + r.why + " on " + std::to_string(r.windows) +
          " recent held-out windows";
  return r;
}

RetrainResult retrain(registry::Registry& registry, const RetrainOptions& options) {
  if (options.signing_key.empty()) throw LoopError("retrain: a signing key is required (devices install signed files only)");
  const deploy::KeyPair key = deploy::key_load_secret(options.signing_key);
  const std::optional<registry::VersionInfo> champion = production_version(registry, options.model_name);

  pipeline::TrainOptions train = options.train;
  train.data_dir = options.dataset_dir;
  train.model_name = options.model_name;
  train.model_version = next_version(registry, options.model_name);
  RetrainResult result;
  result.train = pipeline::train_pipeline(train);
  const std::vector<uint8_t> signed_file = deploy::model_sign(result.train.file, key, options.model_name);

  std::vector<uint8_t> champion_bytes;
  std::string champion_name;
  if (champion) {
    champion_bytes = registry.artifact_bytes(*champion);
    champion_name = champion->name + ":" + std::to_string(champion->version);
  }
  result.challenge = challenge(signed_file, champion ? &champion_bytes : nullptr, champion_name,
                               options.holdout_dir.empty() ? options.dataset_dir : options.holdout_dir,
                               options.max_false_alarm_rate);

  registry::AddRequest add;
  add.path = options.dataset_dir;
  add.bytes = signed_file;
  add.name = options.model_name;
  add.lineage.data = options.dataset_dir;  // the held-out uploads are named in parameters
  if (champion) add.lineage.parent = champion_name;
  const nlohmann::json parameters = {{"reason", options.reason},
                                     {"detector", train.detector},
                                     {"features", result.train.settings.features},
                                     {"target_false_alarm_rate", train.target_false_alarm_rate},
                                     {"threshold", result.train.settings.threshold},
                                     {"seed", train.seed},
                                     {"decision", result.challenge.why},
                                     {"holdout", options.holdout_dir}};
  add.lineage.parameters = parameters.dump();
  add.metrics["train.windows"] = static_cast<double>(result.train.train_windows);
  add.metrics["test.false_alarm_rate"] = result.train.int8_scores.false_alarm_rate;
  if (std::isfinite(result.train.int8_scores.auc)) add.metrics["test.auc_int8"] = result.train.int8_scores.auc;
  add.metrics["challenge.windows"] = static_cast<double>(result.challenge.windows);
  add.metrics["challenge.false_alarm_rate"] = result.challenge.challenger_false_alarm_rate;
  if (result.challenge.champion_false_alarm_rate) {
    add.metrics["challenge.champion_false_alarm_rate"] = *result.challenge.champion_false_alarm_rate;
  }
  if (result.challenge.fault_windows) add.metrics["challenge.detection_rate"] = result.challenge.challenger_detection_rate;
  result.version = registry.add_version(add).version;
  if (result.challenge.promote) {
    result.version = registry.promote({result.version.name, result.version.version}, options.promote_stage);
  }
  return result;
}

}  // namespace tmf::loop
