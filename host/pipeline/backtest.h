// `tinymlops backtest`: replays recorded runs (e.g. run-to-failure bearings) in time order through
// the exact device pipeline: one pool model file (DSP_FEATURES with the device's own baseline as an
// input, several detectors each with its decision), the device runtime, and the device's detection
// loop (device/detect: baseline learning during commissioning, k-of-n voting, m-of-w persistence).
// Reports per run when it first alarmed and how many alarms it raised in its first half, for the
// pool and for each detector alone without voting and persistence (docs/backtest.md).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tmf::pipeline {

struct BacktestOptions {
  std::string data_dir;
  double baseline_minutes = 20;  // commissioning: the windows of each run's first minutes
  std::string channel = "horiz"; // manifest `channel` to replay ("" or a dataset without the column: all)
  uint32_t bands = 16;
  float threshold = 36.0f;       // each detector: mean squared excess over the baseline, in baseline
                                 // std^2 (36: a 6-sigma RMS excess)
  uint32_t vote_k = 2;           // of the 3 detectors
  uint32_t persist_m = 3, persist_w = 5;
  std::function<void(const std::string& run, size_t done, size_t total)> progress;
};

struct BacktestPoint {
  double t_s = 0;
  float score = 0;  // the all-band detector's score
  bool alarm = false;
};

struct BacktestRun {
  std::string name;
  double run_end_s = 0;
  double first_alarm_s = -1;        // < 0: none
  uint32_t alarms_in_first_half = 0;
  uint32_t windows = 0, baseline_windows = 0;
  std::map<std::string, uint32_t> single_alarms_in_first_half;  // each detector alone
  std::map<std::string, double> single_first_alarm_s;
  std::vector<BacktestPoint> points;
};

struct BacktestResult {
  std::vector<BacktestRun> runs;
  std::vector<std::string> detectors;
  size_t model_bytes = 0, arena_bytes = 0;
  uint32_t window = 0;
  double seconds = 0;
};

BacktestResult backtest_run(const BacktestOptions& options);
std::string backtest_report_html(const BacktestResult& result, const BacktestOptions& options);

}  // namespace tmf::pipeline
