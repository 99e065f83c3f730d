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
  // kNested's candidates (docs/backtest.md, "Nested selection"): the half-way line, then
  // a margin of a tenth and of two tenths of every training run; each with the three rules.
  for (const double guard : {0.5, 0.6, 0.7}) {
    for (const CvObjective o : {CvObjective::kLead, CvObjective::kMargin, CvObjective::kConservative}) {
      g.procedures.push_back({o, guard});
    }
  }
  return g;
}

void cv_add_budget_lead(CvGrid* grid) {
  std::vector<CvProcedure> out;
  for (size_t i = 0; i < grid->procedures.size(); ++i) {
    out.push_back(grid->procedures[i]);
    const bool last_of_guard = i + 1 == grid->procedures.size() || grid->procedures[i + 1].guard != grid->procedures[i].guard;
    if (last_of_guard) out.push_back({CvObjective::kBudgetLead, grid->procedures[i].guard});
  }
  grid->procedures = std::move(out);
}

double cv_nominal_false_alarms_per_day(uint32_t n, double p, uint32_t k, uint32_t m, uint32_t w, double period_s) {
  auto choose_nk = [](uint32_t a, uint32_t b) {
    double c = 1;
    for (uint32_t i = 1; i <= b; ++i) c = c * (a - b + i) / i;
    return c;
  };
  double q = 0;
  for (uint32_t j = k; j <= n; ++j) q += choose_nk(n, j) * std::pow(p, j) * std::pow(1 - p, n - j);
  const double per_window = std::min(1.0, choose_nk(w, m) * std::pow(q, m));
  return per_window * 86400.0 / period_s;
}

const char* cv_objective_to_string(CvObjective objective) {
  switch (objective) {
    case CvObjective::kLead: return "lead";
    case CvObjective::kMargin: return "margin";
    case CvObjective::kConservative: return "conservative";
    case CvObjective::kNested: return "nested";
    case CvObjective::kBudgetLead: return "budget_lead";
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
  if (objective == CvObjective::kBudgetLead) {
    if (over_budget != o.over_budget) return !over_budget;
    if (median_lead_s != o.median_lead_s) return median_lead_s > o.median_lead_s;
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

bool CvInnerScore::better_than(const CvInnerScore& o) const {
  if (early != o.early) return early < o.early;
  if (caught != o.caught) return caught > o.caught;
  if (first_half_alarms != o.first_half_alarms) return first_half_alarms < o.first_half_alarms;
  return median_lead_s > o.median_lead_s;
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
  std::vector<uint16_t> bits;  // bit d (up to 16 detectors, kDetectMaxDetectors): detector d over its threshold
  std::vector<float> thresholds;
};

Decisions decisions_of(const CvRunTrace& run, const CvGrid& grid, uint32_t probability) {
  Decisions d;
  const size_t n = run.scores.size();
  if (n > 16) throw PipelineError("backtest: at most 16 detectors in a pool");
  d.bits.assign(run.t_s.size(), 0);
  for (size_t i = 0; i < n; ++i) {
    const float t = threshold_of(run.calibration[i],
                                 calibration_config(grid, probability, static_cast<uint32_t>(run.calibration[i].size())));
    d.thresholds.push_back(t);
    for (size_t w = 0; w < run.t_s.size(); ++w) {
      if (run.scores[i][w] > t) d.bits[w] |= static_cast<uint16_t>(1u << i);
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

// What the fold search needs of one setting on one run, at one guard (a pool of 8 detectors has
// ~650,000 settings: full outcomes would take most of a gigabyte).
struct Brief {
  double lead_s;                      // from the first alarm raised in [guard x end, end); < 0: none
  uint32_t alarms_in_first_half;      // alarms raised before guard x end
  uint32_t candidates_in_first_half;  // windows with votes >= k before guard x end
};

// outcome_of's counts at every guard (ascending) in one pass; at a guard of 0.5 exactly its.
void briefs_of(const CvRunTrace& run, const Decisions& d, uint32_t mask, uint32_t k, uint32_t m, uint32_t w,
               const std::vector<double>& guards, Brief* out) {
  detect::Persistence p{};
  detect::persistence_init(&p, {w, m, 1});
  const size_t n = guards.size();
  double lines[8];
  for (size_t g = 0; g < n; ++g) out[g] = {-1, 0, 0}, lines[g] = guards[g] * run.run_end_s;
  for (size_t i = 0; i < run.t_s.size(); ++i) {
    const double t = run.t_s[i];
    const bool candidate = static_cast<uint32_t>(std::popcount(static_cast<uint32_t>(d.bits[i] & mask))) >= k;
    if (candidate) {
      for (size_t g = 0; g < n; ++g) out[g].candidates_in_first_half += t < lines[g] ? 1u : 0u;
    }
    if (detect::persistence_push(&p, candidate) != detect::PersistenceEvent::kRaised) continue;
    for (size_t g = 0; g < n; ++g) {
      if (t < lines[g]) {
        ++out[g].alarms_in_first_half;
      } else if (out[g].lead_s < 0 && t < run.run_end_s) {
        out[g].lead_s = run.run_end_s - t;
      }
    }
    if (out[n - 1].lead_s >= 0) break;  // the latest line's lead found: every field is final
  }
}

// Every setting's briefs on every run at every guard, computed once; folds only sum them.
struct SearchTable {
  std::vector<CvSetting> settings;
  std::vector<Brief> briefs;  // [setting][run][guard]
  size_t runs = 0, guards = 0;
  std::vector<double> period_s;  // per run: the median spacing of its monitoring windows
  const Brief& at(size_t setting, size_t run, size_t guard) const { return briefs[(setting * runs + run) * guards + guard]; }
};

SearchTable search_table(const std::vector<std::vector<CvRunTrace>>& traces, const CvGrid& grid, uint32_t allowed,
                         bool single, const std::vector<double>& guards) {
  SearchTable t;
  t.runs = traces.front().size();
  t.guards = guards.size();
  for (const CvRunTrace& run : traces.front()) {
    std::vector<double> gaps;
    for (size_t i = 1; i < run.t_s.size(); ++i) gaps.push_back(run.t_s[i] - run.t_s[i - 1]);
    t.period_s.push_back(gaps.empty() ? 1.0 : median(gaps));
  }
  size_t per_commissioning = 0;
  for (uint32_t mask = 1; mask <= allowed; ++mask) {
    if ((mask & ~allowed) == 0 && (!single || std::popcount(mask) == 1)) per_commissioning += std::popcount(mask);
  }
  per_commissioning *= grid.probabilities.size() * grid.persistence.size();
  t.settings.reserve(per_commissioning * grid.commissioning.size());
  t.briefs.resize(t.settings.capacity() * t.runs * t.guards);
  size_t next = 0;
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
            t.settings.push_back({c, p, mask, k, q});
            const auto [m, w] = grid.persistence[q];
            for (size_t r = 0; r < t.runs; ++r, next += t.guards) {
              briefs_of(traces[c][r], decisions[r], mask, k, m, w, guards, &t.briefs[next]);
            }
          }
        }
      }
    }
  }
  return t;
}

// The best setting on the runs `train` by `objective`, judged at guard index `guard`.
size_t choose(const SearchTable& t, const std::vector<size_t>& train, CvObjective objective, size_t guard,
              const CvGrid& grid, CvTrainScore* best_score) {
  size_t best = t.settings.size();
  std::vector<double> leads;
  // The recording's window period, from the training runs only (for the nominal rate).
  for (const size_t r : train) leads.push_back(t.period_s[r]);
  const double period_s = median(leads);
  for (size_t i = 0; i < t.settings.size(); ++i) {
    const CvSetting& setting = t.settings[i];
    CvTrainScore s;
    for (const size_t r : train) {
      const Brief& o = t.at(i, r, guard);
      s.errors += (o.alarms_in_first_half > 0 ? 1u : 0u) + (o.lead_s < 0 ? 1u : 0u);
      s.first_half_alarms += o.alarms_in_first_half;
      s.first_half_candidates += o.candidates_in_first_half;
    }
    // Errors and first-half alarms come first under every rule: a setting worse on them loses.
    if (best != t.settings.size() &&
        (s.errors > best_score->errors ||
         (s.errors == best_score->errors && s.first_half_alarms > best_score->first_half_alarms))) {
      continue;
    }
    leads.clear();
    for (const size_t r : train) {
      const Brief& o = t.at(i, r, guard);
      if (o.lead_s >= 0) leads.push_back(o.lead_s);
    }
    s.median_lead_s = median(leads);
    s.detectors = static_cast<uint32_t>(std::popcount(setting.detectors));
    s.probability = setting.probability;
    s.persist_m = grid.persistence[setting.persistence].first;
    s.persist_w = grid.persistence[setting.persistence].second;
    s.vote_k = setting.vote_k;
    if (objective == CvObjective::kBudgetLead) {
      s.over_budget = cv_nominal_false_alarms_per_day(s.detectors, grid.probabilities[setting.probability], s.vote_k,
                                                      s.persist_m, s.persist_w, period_s) >
                      grid.false_alarms_per_day_budget;
    }
    if (best == t.settings.size() || s.better_than(*best_score, objective)) best = i, *best_score = s;
  }
  return best;
}

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
  const bool nested = grid.objective == CvObjective::kNested;
  // Guard index 0 is always the half-way line (the inner folds judge by it).
  std::vector<double> guards = {0.5};
  std::vector<size_t> guard_of;  // per procedure
  if (nested) {
    if (runs < 3) throw PipelineError("backtest: nested leave-one-run-out needs at least three runs");
    if (grid.procedures.empty()) throw PipelineError("backtest: nested selection needs candidate procedures");
    for (const CvProcedure& p : grid.procedures) {
      if (p.objective == CvObjective::kNested || p.guard < 0.5 || p.guard >= 1.0) {
        throw PipelineError("backtest: a nested candidate is a plain rule with a guard in [0.5, 1)");
      }
      if (p.guard != guards.back()) {
        if (p.guard < guards.back()) throw PipelineError("backtest: nested candidates' guards must ascend");
        guards.push_back(p.guard);
      }
      guard_of.push_back(guards.size() - 1);
    }
    if (guards.size() > 8) throw PipelineError("backtest: at most 8 guards");
  }
  const SearchTable table = search_table(traces, grid, allowed, single, guards);
  std::vector<CvFold> folds;
  for (size_t held = 0; held < runs; ++held) {
    CvFold fold;
    fold.held_out = traces.front()[held].name;
    std::vector<size_t> train;
    for (size_t r = 0; r < runs; ++r) {
      if (r != held) fold.trained_on.push_back(traces.front()[r].name), train.push_back(r);
    }
    CvObjective objective = grid.objective;
    size_t guard = 0;
    if (nested) {
      // Inner leave-one-out: each candidate chooses on four of the five training runs and is
      // judged on the fifth, at the half-way line. The held-out run is not among them.
      for (size_t p = 0; p < grid.procedures.size(); ++p) {
        CvInnerScore score;
        std::vector<double> leads;
        for (const size_t j : train) {
          std::vector<size_t> inner;
          for (const size_t r : train) {
            if (r != j) inner.push_back(r);
          }
          CvTrainScore unused;
          const size_t chosen = choose(table, inner, grid.procedures[p].objective, guard_of[p], grid, &unused);
          const Brief& o = table.at(chosen, j, 0);
          score.early += o.alarms_in_first_half > 0 ? 1u : 0u;
          score.first_half_alarms += o.alarms_in_first_half;
          if (o.lead_s >= 0) ++score.caught, leads.push_back(o.lead_s);
        }
        score.median_lead_s = median(leads);
        fold.candidates.push_back(score);
        if (fold.procedure < 0 || score.better_than(fold.inner)) fold.procedure = static_cast<int>(p), fold.inner = score;
      }
      objective = grid.procedures[fold.procedure].objective;
      guard = guard_of[fold.procedure];
    }
    const size_t best = choose(table, train, objective, guard, grid, &fold.train);
    fold.setting = table.settings[best];
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
