// Leave-one-run-out settings search and evaluation (see backtest_cv.h). The traces are the
// device's own scores; the decisions on them use the device's calibrate_threshold, vote and
// persistence functions, so cv_evaluate is the device loop minus the invoke (the held-out replay
// in backtest_cv_run checks that it agrees with a full device loop).
#include "host/pipeline/backtest_cv.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "device/detect/calibrate.h"
#include "device/detect/persistence.h"
#include "host/pipeline/pipeline_settings.h"

namespace tmf::pipeline {

CvGrid cv_grid_default() {
  CvGrid g;
  // Commissioning on 40 s snapshots: at most 30 minutes in all, so even a 1.4 h run is monitored
  // for most of its first half.
  const CvCommissioning lengths[] = {{0, 10, 10}, {0, 10, 15}, {0, 15, 10}, {0, 15, 15}, {5, 10, 10}, {5, 10, 15}, {5, 15, 10}};
  // A baseline fixed at commissioning, or one that keeps following the machine with a time
  // constant of 30 min or 2 h: much longer than the longest persistence (4 min), so a fault's step
  // is confirmed before it is absorbed, and shorter than the runs, so run-in and drift are followed.
  for (const double tracking : {0.0, 30.0, 120.0}) {
    for (CvCommissioning c : lengths) {
      c.tracking_min = tracking;
      g.commissioning.push_back(c);
    }
  }
  g.probabilities = {1e-2f, 1e-3f, 1e-4f, 1e-5f, 1e-6f};
  g.persistence = {{1, 1}, {2, 2}, {2, 3}, {3, 3}, {3, 5}, {4, 6}};
  // The tracking EWMA's step cap: the usual 3-sigma outlier cut, so healthy windows move it as a
  // plain EWMA and one wild window moves it little.
  g.tracking_clamp = 3.0f;
  return g;
}

const char* cv_objective_to_string(CvObjective objective) {
  switch (objective) {
    case CvObjective::kLead: return "lead";
    case CvObjective::kMargin: return "margin";
    case CvObjective::kConservative: return "conservative";
  }
  return "unknown objective";
}

bool CvTrainScore::better_than(const CvTrainScore& o, CvObjective objective) const {
  if (errors != o.errors) return errors < o.errors;
  if (first_half_alarms != o.first_half_alarms) return first_half_alarms < o.first_half_alarms;
  if (objective == CvObjective::kConservative) {
    if (probability != o.probability) return probability > o.probability;
    if (persist_m != o.persist_m) return persist_m > o.persist_m;
    if (persist_w != o.persist_w) return persist_w < o.persist_w;
    if (vote_k != o.vote_k) return vote_k > o.vote_k;
  }
  if (objective == CvObjective::kMargin && first_half_candidates != o.first_half_candidates) {
    return first_half_candidates < o.first_half_candidates;
  }
  if (median_lead_s != o.median_lead_s) return median_lead_s > o.median_lead_s;
  if (detectors != o.detectors) return detectors < o.detectors;
  return probability > o.probability;
}

namespace {

detect::CalibrationConfig calibration_config(const CvGrid& grid, uint32_t probability, uint32_t windows) {
  return {windows, grid.probabilities.at(probability), grid.tail_fraction, grid.min_threshold};
}

float threshold_of(const std::vector<float>& calibration, const detect::CalibrationConfig& c) {
  std::vector<float> work = calibration;
  float t = 0;
  if (detect::calibrate_threshold(work.data(), static_cast<uint32_t>(work.size()), c, &t) != detect::DetectStatus::kOk) {
    return 3.0e38f;  // as the device loop
  }
  return t;
}

double median(std::vector<double>& v) {  // sorts v
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Decision bits per monitoring window for one run at one (commissioning, probability).
struct Decisions {
  std::vector<uint8_t> bits;  // bit d: detector d over its threshold
  std::vector<float> thresholds;
};

Decisions decisions_of(const CvRunTrace& run, const CvGrid& grid, uint32_t probability) {
  Decisions d;
  const size_t n = run.scores.size();
  if (n > 8) throw PipelineError("backtest: at most 8 detectors in a pool");
  d.bits.assign(run.t_s.size(), 0);
  for (size_t i = 0; i < n; ++i) {
    const float t = threshold_of(run.calibration[i],
                                 calibration_config(grid, probability, static_cast<uint32_t>(run.calibration[i].size())));
    d.thresholds.push_back(t);
    for (size_t w = 0; w < run.t_s.size(); ++w) {
      if (run.scores[i][w] > t) d.bits[w] |= static_cast<uint8_t>(1u << i);
    }
  }
  return d;
}

CvOutcome outcome_of(const CvRunTrace& run, const Decisions& d, uint32_t mask, uint32_t k, uint32_t m, uint32_t w) {
  detect::Persistence p{};
  detect::persistence_init(&p, {w, m, 1});
  CvOutcome o;
  const double half = run.run_end_s / 2;
  double prev = -1;
  for (size_t i = 0; i < run.t_s.size(); ++i) {
    const double t = run.t_s[i];
    if (t < half) o.healthy_monitored_s += prev < 0 ? 0 : t - prev;
    prev = t;
    const bool candidate = static_cast<uint32_t>(std::popcount(static_cast<uint32_t>(d.bits[i] & mask))) >= k;
    if (candidate && t < half) ++o.candidates_in_first_half;
    if (detect::persistence_push(&p, candidate) != detect::PersistenceEvent::kRaised) continue;
    if (o.first_alarm_s < 0) o.first_alarm_s = t;
    if (t < half) {
      ++o.alarms_in_first_half;
    } else if (o.lead_s < 0 && t < run.run_end_s) {  // an alarm at the last record is no warning
      o.lead_s = run.run_end_s - t;
      break;  // every field is final: the rest is second half, after the first alarm
    }
  }
  return o;
}

// outcome_of with the voting detectors' thresholds (0 for the others).
CvOutcome outcome_full(const CvRunTrace& run, const Decisions& d, uint32_t mask, uint32_t k, uint32_t m, uint32_t w) {
  CvOutcome o = outcome_of(run, d, mask, k, m, w);
  o.thresholds.assign(d.thresholds.size(), 0.0f);
  for (size_t i = 0; i < d.thresholds.size(); ++i) {
    if (mask & (1u << i)) o.thresholds[i] = d.thresholds[i];
  }
  return o;
}

// What the fold search needs of one setting on one run (a pool of 8 detectors has ~650,000
// settings: full outcomes would take most of a gigabyte).
struct Brief {
  double lead_s;
  uint32_t alarms_in_first_half;
  uint32_t candidates_in_first_half;
};

}  // namespace

CvOutcome cv_evaluate(const CvRunTrace& run, const CvSetting& s, const CvGrid& grid) {
  const auto [m, w] = grid.persistence.at(s.persistence);
  return outcome_full(run, decisions_of(run, grid, s.probability), s.detectors, s.vote_k, m, w);
}

std::vector<CvFold> cv_leave_one_run_out(const std::vector<std::vector<CvRunTrace>>& traces, const CvGrid& grid,
                                         uint32_t allowed, bool single) {
  if (traces.size() != grid.commissioning.size()) throw PipelineError("backtest: one trace set per commissioning");
  const size_t runs = traces.front().size();
  if (runs < 2) throw PipelineError("backtest: leave-one-run-out needs at least two runs");
  // Every setting's outcome on every run, computed once; each fold then only sums.
  std::vector<CvSetting> settings;
  std::vector<Brief> briefs;  // [setting][run]
  size_t per_commissioning = 0;
  for (uint32_t mask = 1; mask <= allowed; ++mask) {
    if ((mask & ~allowed) == 0 && (!single || std::popcount(mask) == 1)) per_commissioning += std::popcount(mask);
  }
  per_commissioning *= grid.probabilities.size() * grid.persistence.size();
  settings.reserve(per_commissioning * grid.commissioning.size());
  briefs.reserve(settings.capacity() * runs);
  for (uint32_t c = 0; c < grid.commissioning.size(); ++c) {
    for (uint32_t p = 0; p < grid.probabilities.size(); ++p) {
      std::vector<Decisions> decisions;
      for (const CvRunTrace& run : traces[c]) decisions.push_back(decisions_of(run, grid, p));
      for (uint32_t mask = 1; mask <= allowed; ++mask) {
        if ((mask & ~allowed) != 0) continue;
        const uint32_t size = static_cast<uint32_t>(std::popcount(mask));
        if (single && size != 1) continue;
        for (uint32_t k = 1; k <= size; ++k) {
          for (uint32_t q = 0; q < grid.persistence.size(); ++q) {
            settings.push_back({c, p, mask, k, q});
            const auto [m, w] = grid.persistence[q];
            for (size_t r = 0; r < runs; ++r) {
              const CvOutcome o = outcome_of(traces[c][r], decisions[r], mask, k, m, w);
              briefs.push_back({o.lead_s, o.alarms_in_first_half, o.candidates_in_first_half});
            }
          }
        }
      }
    }
  }
  std::vector<CvFold> folds;
  std::vector<double> leads;
  for (size_t held = 0; held < runs; ++held) {
    CvFold fold;
    fold.held_out = traces.front()[held].name;
    for (size_t r = 0; r < runs; ++r) {
      if (r != held) fold.trained_on.push_back(traces.front()[r].name);
    }
    size_t best = settings.size();
    CvTrainScore best_score;
    for (size_t i = 0; i < settings.size(); ++i) {
      const CvSetting& setting = settings[i];
      CvTrainScore s;
      leads.clear();
      for (size_t r = 0; r < runs; ++r) {
        if (r == held) continue;
        const Brief& o = briefs[i * runs + r];
        s.errors += (o.alarms_in_first_half > 0 ? 1u : 0u) + (o.lead_s < 0 ? 1u : 0u);
        s.first_half_alarms += o.alarms_in_first_half;
        s.first_half_candidates += o.candidates_in_first_half;
        if (o.lead_s >= 0) leads.push_back(o.lead_s);
      }
      s.median_lead_s = median(leads);
      s.detectors = static_cast<uint32_t>(std::popcount(setting.detectors));
      s.probability = setting.probability;
      s.persist_m = grid.persistence[setting.persistence].first;
      s.persist_w = grid.persistence[setting.persistence].second;
      s.vote_k = setting.vote_k;
      if (best == settings.size() || s.better_than(best_score, grid.objective)) best = i, best_score = s;
    }
    fold.setting = settings[best];
    fold.train = best_score;
    fold.outcome = cv_evaluate(traces[fold.setting.commissioning][held], fold.setting, grid);
    folds.push_back(std::move(fold));
  }
  return folds;
}

CvSummary cv_summarize(const std::vector<CvFold>& folds) {
  CvSummary s;
  std::vector<double> leads;
  double healthy_s = 0;
  for (const CvFold& f : folds) {
    ++s.runs;
    s.caught += f.outcome.lead_s >= 0 ? 1u : 0u;
    s.early += f.outcome.early() ? 1u : 0u;
    s.first_half_alarms += f.outcome.alarms_in_first_half;
    healthy_s += f.outcome.healthy_monitored_s;
    if (f.outcome.lead_s >= 0) leads.push_back(f.outcome.lead_s);
  }
  s.median_lead_s = median(leads);
  s.false_alarms_per_day = healthy_s > 0 ? s.first_half_alarms / (healthy_s / 86400.0) : 0;
  return s;
}

std::string cv_setting_describe(const CvSetting& s, const CvGrid& grid, const std::vector<std::string>& detectors) {
  const CvCommissioning& c = grid.commissioning.at(s.commissioning);
  std::string names;
  for (size_t i = 0; i < detectors.size(); ++i) {
    if (s.detectors & (1u << i)) names += (names.empty() ? "" : "+") + detectors[i];
  }
  const auto [m, w] = grid.persistence.at(s.persistence);
  char text[256];
  char tracking[48] = "fixed baseline";
  if (c.tracking_min > 0) std::snprintf(tracking, sizeof tracking, "baseline follows (%g min)", c.tracking_min);
  std::snprintf(text, sizeof text, "settle %g + baseline %g + calibration %g min, %s; p %g; %s, %u of %d; %u of %u",
                c.settle_min, c.baseline_min, c.calibration_min, tracking, grid.probabilities.at(s.probability),
                names.c_str(), s.vote_k, std::popcount(s.detectors), m, w);
  return text;
}

}  // namespace tmf::pipeline
