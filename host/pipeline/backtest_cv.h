// Leave-one-run-out backtest (issue 16): every setting of the on-device detection (commissioning
// lengths, the false-alarm budget the device calibrates its thresholds to, which detectors vote,
// k, persistence) is chosen on the training runs only and then replayed on the held-out run, for
// the pool and for each of its detectors alone. Thresholds are never chosen on any run: each
// device calibrates its own from its healthy commissioning scores (device/detect/calibrate.h).
// docs/backtest.md.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tmf::pipeline {

struct CvCommissioning {
  double settle_min = 0;       // run-in: ignored windows after the start
  double baseline_min = 10;    // feature baseline
  double calibration_min = 10; // healthy scores for the thresholds
  double tracking_min = 0;     // time constant of the baseline that keeps learning (0: fixed baseline)
};

// How a fold ranks settings on its training runs after errors and first-half alarms:
// kLead (the a-priori rule): the largest median lead; kMargin: the fewest first-half candidate
// windows (votes >= k, before persistence: how close the healthy halves came to alarming), then
// the largest median lead; kConservative: the least sensitive setting that still catches every
// training run: the smallest budget p, then the strictest persistence (larger m, then smaller w),
// then the larger k, then the largest median lead. kNested: each fold picks one of
// CvGrid::procedures (a rule and a guard) by an inner leave-one-out over its training runs, then
// lets it choose the setting on all of them (docs/backtest.md, "Nested selection").
// kBudgetLead (attempt 2, docs/backtest.md "Budget-lead"): after errors and first-half alarms,
// settings whose nominal false-alarm rate (cv_nominal_false_alarms_per_day) is within
// CvGrid::false_alarms_per_day_budget first, then the largest median lead, then the
// conservative order (smaller p, larger m, smaller w, larger k), then fewer detectors.
enum class CvObjective : uint8_t { kLead = 0, kMargin, kConservative, kNested, kBudgetLead };
const char* cv_objective_to_string(CvObjective objective);

// A way of choosing a setting on training runs: one of the plain rules (kLead, kMargin,
// kConservative), judging each training run with the line at `guard` x its length instead of its
// half (an alarm before it: early; caught only by an alarm from it to the last record).
struct CvProcedure {
  CvObjective objective = CvObjective::kLead;
  double guard = 0.5;
};

struct CvGrid {
  CvObjective objective = CvObjective::kLead;
  std::vector<CvCommissioning> commissioning;
  std::vector<float> probabilities;                       // false-alarm budget per window and detector
  std::vector<std::pair<uint32_t, uint32_t>> persistence;  // (m, w)
  float tail_fraction = 0.25f;
  float min_threshold = 1.0f;
  float variance_floor = 1e-6f;  // of the baseline, every feature: a guard only (docs/backtest.md)
  float tracking_clamp = 3.0f;     // the following baseline's step cap, in baseline std
  // kNested only: the candidates, in tie-break order; guards from 0.5 up (docs/backtest.md).
  std::vector<CvProcedure> procedures;
  // kBudgetLead only: the stated budget, one false alarm per device-year of healthy operation.
  double false_alarms_per_day_budget = 1.0 / 365.0;
};

// kNested's candidates with kBudgetLead added last within each guard (so a full inner tie keeps
// the older rules): `--select-rule budget-lead`.
void cv_add_budget_lead(CvGrid* grid);

// The alarm rate per day a setting would have if every detector exceeded its calibrated threshold
// independently with probability p in every window, independently across windows: a window is a
// candidate with q = P(Binomial(n, p) >= k), and an alarm needs m candidates among w windows, at
// most C(w, m) q^m per window; times the windows per day (86400 / period_s).
double cv_nominal_false_alarms_per_day(uint32_t n, double p, uint32_t k, uint32_t m, uint32_t w, double period_s);

// The grid fixed before any run was replayed (docs/backtest.md says why each value).
CvGrid cv_grid_default();

struct CvSetting {
  uint32_t commissioning = 0;  // index into CvGrid::commissioning
  uint32_t probability = 0;    // index into CvGrid::probabilities
  uint32_t detectors = 0;      // bit mask over the pool
  uint32_t vote_k = 1;
  uint32_t persistence = 0;    // index into CvGrid::persistence
};

// One run as the device saw it under one commissioning setting: healthy calibration scores and
// the monitoring windows' scores, per detector (the device's own outputs).
struct CvRunTrace {
  std::string name;
  double run_end_s = 0;
  std::vector<std::vector<float>> calibration;  // [detector][calibration window]
  std::vector<double> t_s;                      // monitoring windows' times from the run's start
  std::vector<std::vector<float>> scores;       // [detector][monitoring window]
};

struct CvOutcome {
  double first_alarm_s = -1;          // < 0: none
  uint32_t alarms_in_first_half = 0;  // alarms raised before run_end_s / 2
  uint32_t candidates_in_first_half = 0;  // windows with votes >= k before run_end_s / 2
  double healthy_monitored_s = 0;     // monitoring time in the first half
  std::vector<float> thresholds;      // per detector of the pool (0 for those not voting)
  bool early() const { return alarms_in_first_half > 0; }
  // Caught: an alarm was raised in the run's second half before its last record.
  double lead_s = -1;                 // run end - first such alarm (> 0); < 0: missed
};

// The device's decisions on a trace: thresholds from calibrate_threshold, decision = score >
// threshold, k of the voting detectors, m of the last w (clear when none), as detect_loop does.
CvOutcome cv_evaluate(const CvRunTrace& run, const CvSetting& s, const CvGrid& grid);

// What a setting scored on a set of training runs; smaller is better, compared in this order.
struct CvTrainScore {
  uint32_t errors = 0;             // runs with a first-half alarm + runs never alarmed in the second half
  uint32_t first_half_alarms = 0;
  uint32_t first_half_candidates = 0;  // compared only under CvObjective::kMargin
  double median_lead_s = 0;        // over the caught runs (larger is better)
  uint32_t detectors = 0;          // fewer detectors
  uint32_t probability = 0;        // smaller budget (a later index) preferred: ties go conservative
  uint32_t persist_m = 0, persist_w = 0, vote_k = 0;  // compared only under kConservative, kBudgetLead
  bool over_budget = false;        // compared only under kBudgetLead (set by the search)
  bool better_than(const CvTrainScore& o, CvObjective objective) const;
};

// kNested: how a procedure did in the inner leave-one-out of a fold (each of the fold's training
// runs judged, at the half-way line, with the setting the procedure chose on the others).
struct CvInnerScore {
  uint32_t early = 0, caught = 0, first_half_alarms = 0;
  double median_lead_s = 0;  // over the caught runs
  bool better_than(const CvInnerScore& o) const;
};

struct CvFold {
  std::string held_out;
  std::vector<std::string> trained_on;
  CvSetting setting;
  CvTrainScore train;  // under the procedure that chose the setting (its guard)
  CvOutcome outcome;   // on the held-out run
  int procedure = -1;  // kNested: index into CvGrid::procedures; -1 otherwise
  CvInnerScore inner;  // kNested: that procedure's inner leave-one-out score
  std::vector<CvInnerScore> candidates;  // kNested: every procedure's, in CvGrid::procedures order
};

// traces[c][r]: run r under commissioning c (the same runs in the same order for every c).
// Settings: every commissioning and probability of the grid, every non-empty subset of
// `allowed` detectors with every k (or only k = 1 when `single` is set, one detector at a time),
// every persistence. For each run r: the best setting on the other runs (first in enumeration
// order on a full tie), then its outcome on r.
std::vector<CvFold> cv_leave_one_run_out(const std::vector<std::vector<CvRunTrace>>& traces, const CvGrid& grid,
                                         uint32_t allowed, bool single);

// The vote of the members: in each fold every detector keeps the setting it was given alone
// (members[d][fold]) and the pool alarm is on while at least k members' alarms are on; k is chosen
// on the fold's training runs. fold.setting carries only the mask of all members and k.
std::vector<CvFold> cv_vote_of_members(const std::vector<std::vector<CvRunTrace>>& traces, const CvGrid& grid,
                                       const std::vector<std::vector<CvFold>>& members);

// The whole backtest on a run-to-failure folder.
struct BacktestCvOptions {
  std::string data_dir;
  std::string channel = "horiz";
  uint32_t bands = 16;
  CvObjective objective = CvObjective::kNested;
  float variance_floor = 1e-6f;
  // A ninth member, `trend`: the device loop's trend of ln RMS (docs/backtest.md, "A trend
  // indicator"); off by default (it was not selected into the default, see there).
  bool trend = false;
  // A further member, `spectral_kurtosis`: the device loop's spectral kurtosis of the samples
  // (docs/backtest.md, "Spectral kurtosis"); off by default.
  bool spectral_kurtosis = false;
  // kNested: add kBudgetLead to the candidates (`--select-rule budget-lead`, attempt 2; off by
  // default, docs/backtest.md "Budget-lead").
  bool budget_lead = false;
  std::function<void(const std::string& step)> progress;
};

struct CvSummary {
  uint32_t runs = 0, caught = 0, early = 0, first_half_alarms = 0;
  double median_lead_s = 0;         // over caught runs
  double false_alarms_per_day = 0;  // first-half alarms / first-half monitored days, all runs
};

struct BacktestCvResult {
  std::vector<std::string> detectors;
  CvGrid grid;
  std::vector<CvFold> pool;                         // per held-out run
  std::vector<std::vector<CvFold>> members;         // [detector][held-out run], each alone
  std::vector<CvFold> vote;                         // the vote of the members (cv_vote_of_members)
  CvSummary vote_summary;
  CvSummary pool_summary;
  std::vector<CvSummary> member_summaries;
  std::vector<CvRunTrace> report_traces;            // the pool's chosen commissioning per run, for plots
  uint32_t window = 0;
  uint32_t spectral_kurtosis_frame = 0;  // samples per frame when spectral_kurtosis is a member
  size_t model_bytes = 0, arena_bytes = 0;
  double seconds = 0;
};

BacktestCvResult backtest_cv_run(const BacktestCvOptions& options);
CvSummary cv_summarize(const std::vector<CvFold>& folds);
std::string cv_setting_describe(const CvSetting& s, const CvGrid& grid, const std::vector<std::string>& detectors);
std::string backtest_cv_report_html(const BacktestCvResult& result);

}  // namespace tmf::pipeline
