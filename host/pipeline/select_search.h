// `tinymlops select`: trains a grid of pipelines (feature settings x detectors) on a dataset,
// predicts each one's cost on target profiles with the measured per-op cost tables, keeps the
// Pareto front (detection quality vs RAM, flash, latency, energy) and picks, per profile, the
// most accurate candidate that fits (docs/select.md).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "host/pipeline/train_pipeline.h"
#include "host/select/estimate.h"
#include "host/select/pareto.h"
#include "host/select/profile.h"

namespace tmf::pipeline {

struct SearchSpace {
  std::vector<uint32_t> windows{256, 512, 1024, 2048};
  std::vector<uint32_t> bands{8, 16, 32};
  std::vector<std::string> detectors{"kmeans", "mahalanobis", "autoencoder"};
};

struct SelectOptions {
  std::string data_dir;
  std::vector<std::string> targets;  // profile names or files
  select::Constraints limits;        // on top of each profile's RAM and flash
  SearchSpace space;
  uint64_t seed = 1;
  // Issue 16: background noise at this SNR (NaN: none), and the share of each fault recording
  // kept for choosing (quality and margin come from it and the healthy validation windows; the
  // model records it as trained-on, so `eval` reports on other windows).
  double snr_db = std::numeric_limits<double>::quiet_NaN();
  uint64_t noise_seed = 1;
  double selection_fraction = 0.3;
  std::string model_name = "bearing-detector";
  uint32_t model_version = 1;
  std::function<void(size_t done, size_t total, const std::string& candidate)> progress;
};

struct SearchCandidate {
  std::string name;           // "kmeans window=512,bands=16"
  std::string detector;
  FeatureSpec features;
  ScoreSummary held_out;      // int8 scores on held-out test windows (reported, not used to choose)
  ScoreSummary selection;     // int8 scores on the selection windows (what chooses)
  double quality = 0;         // the worst per-condition ROC-AUC on the selection windows
  double margin = 0;          // TrainResult::selection_margin: the tie-break when AUCs saturate
  std::vector<uint8_t> file;
  std::vector<select::CostEstimate> costs;  // one per target, same order
};

struct TargetChoice {
  select::Profile profile;
  std::vector<size_t> pareto;          // candidate indices on this profile's Pareto front
  std::optional<size_t> selected;      // the best that fits; nullopt: none fits
  std::vector<std::string> refusals;   // why the best candidates were refused, when none fits
};

struct SelectResult {
  std::vector<SearchCandidate> candidates;
  std::vector<TargetChoice> targets;
  double seconds = 0;
};

SelectResult select_search(const SelectOptions& options);

// The HTML report: Pareto plots (quality vs RAM, vs latency, vs energy) per target.
std::string select_report_html(const SelectResult& result);

}  // namespace tmf::pipeline
