// The vote of the members (docs/backtest.md, stated before it was tried): each detector keeps the
// setting it would have alone in this fold (members[d][fold], chosen on the fold's training runs),
// and the pool alarm is on while at least k of the members' alarms are on; k alone is chosen on
// the training runs. The held-out run has no say in any member's setting nor in k.
#include <algorithm>
#include <bit>

#include "device/detect/calibrate.h"
#include "device/detect/persistence.h"
#include "host/pipeline/backtest_cv.h"
#include "host/pipeline/pipeline_settings.h"

namespace tmf::pipeline {
namespace {

struct AlarmEvent {
  double t_s;
  int delta;  // +1 raised, -1 cleared
};

// One member's alarm events on one run: its calibrated threshold, k = 1, its own persistence.
std::vector<AlarmEvent> member_events(const CvRunTrace& run, const CvSetting& s, const CvGrid& grid, uint32_t* healthy_s) {
  const uint32_t d = static_cast<uint32_t>(std::countr_zero(s.detectors));
  std::vector<float> work = run.calibration.at(d);
  const detect::CalibrationConfig cc{static_cast<uint32_t>(work.size()), grid.probabilities.at(s.probability),
                                     grid.tail_fraction, grid.min_threshold};
  float threshold = 3.0e38f;
  if (detect::calibrate_threshold(work.data(), cc.windows, cc, &threshold) != detect::DetectStatus::kOk) threshold = 3.0e38f;
  const auto [m, w] = grid.persistence.at(s.persistence);
  detect::Persistence p{};
  detect::persistence_init(&p, {w, m, 1});
  std::vector<AlarmEvent> events;
  for (size_t i = 0; i < run.t_s.size(); ++i) {
    const detect::PersistenceEvent e = detect::persistence_push(&p, run.scores[d][i] > threshold);
    if (e == detect::PersistenceEvent::kRaised) events.push_back({run.t_s[i], +1});
    if (e == detect::PersistenceEvent::kCleared) events.push_back({run.t_s[i], -1});
  }
  // First-half monitoring time of this member (from its first monitoring window).
  const double half = run.run_end_s / 2;
  *healthy_s = 0;
  if (!run.t_s.empty() && run.t_s.front() < half) *healthy_s = static_cast<uint32_t>(half - run.t_s.front());
  return events;
}

// The pool on one run: members[d] = (traces for the member's commissioning, its setting).
CvOutcome vote_outcome(const std::vector<std::vector<CvRunTrace>>& traces, const std::vector<CvSetting>& settings,
                       const CvGrid& grid, size_t run, uint32_t k) {
  std::vector<AlarmEvent> all;
  CvOutcome o;
  uint32_t healthy = UINT32_MAX;
  double end = 0;
  for (const CvSetting& s : settings) {
    const CvRunTrace& t = traces.at(s.commissioning).at(run);
    end = t.run_end_s;
    uint32_t h = 0;
    const std::vector<AlarmEvent> e = member_events(t, s, grid, &h);
    healthy = std::min(healthy, h);  // monitored by every member: the shortest
    all.insert(all.end(), e.begin(), e.end());
  }
  o.healthy_monitored_s = healthy == UINT32_MAX ? 0 : healthy;
  // Events at one time apply together (the members see the same snapshot), then the count is read.
  std::stable_sort(all.begin(), all.end(), [](const AlarmEvent& a, const AlarmEvent& b) { return a.t_s < b.t_s; });
  int on = 0;
  bool alarm = false;
  for (size_t i = 0; i < all.size();) {
    const double t = all[i].t_s;
    for (; i < all.size() && all[i].t_s == t; ++i) on += all[i].delta;
    const bool now = on >= static_cast<int>(k);
    if (now && !alarm) {
      if (o.first_alarm_s < 0) o.first_alarm_s = t;
      if (t < end / 2) {
        ++o.alarms_in_first_half;
      } else if (o.lead_s < 0 && t < end) {
        o.lead_s = end - t;
      }
    }
    alarm = now;
  }
  return o;
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

std::vector<CvFold> cv_vote_of_members(const std::vector<std::vector<CvRunTrace>>& traces, const CvGrid& grid,
                                       const std::vector<std::vector<CvFold>>& members) {
  if (members.empty()) throw PipelineError("backtest: the vote of members needs members");
  const size_t runs = members.front().size();
  const uint32_t n = static_cast<uint32_t>(members.size());
  std::vector<CvFold> folds;
  for (size_t held = 0; held < runs; ++held) {
    std::vector<CvSetting> settings;
    for (const auto& member : members) settings.push_back(member.at(held).setting);
    CvFold fold;
    fold.held_out = members.front()[held].held_out;
    fold.trained_on = members.front()[held].trained_on;
    uint32_t best_k = 0;
    CvTrainScore best;
    for (uint32_t k = 1; k <= n; ++k) {
      CvTrainScore s;
      std::vector<double> leads;
      for (size_t r = 0; r < runs; ++r) {
        if (r == held) continue;
        const CvOutcome o = vote_outcome(traces, settings, grid, r, k);
        s.errors += (o.early() ? 1u : 0u) + (o.lead_s < 0 ? 1u : 0u);
        s.first_half_alarms += o.alarms_in_first_half;
        if (o.lead_s >= 0) leads.push_back(o.lead_s);
      }
      s.median_lead_s = median_of(leads);
      s.vote_k = k;
      // k is the only choice: errors, first-half alarms, then (conservative) the larger k or
      // (otherwise) the larger median lead; a remaining tie takes the larger k.
      bool better = best_k == 0 || s.errors < best.errors ||
                    (s.errors == best.errors && s.first_half_alarms < best.first_half_alarms);
      if (!better && best_k != 0 && s.errors == best.errors && s.first_half_alarms == best.first_half_alarms) {
        better = grid.objective == CvObjective::kConservative ? true  // a larger k
                                                               : s.median_lead_s >= best.median_lead_s;
      }
      if (better) best_k = k, best = s;
    }
    fold.setting = CvSetting{0, 0, (1u << n) - 1, best_k, 0};
    fold.train = best;
    fold.outcome = vote_outcome(traces, settings, grid, held, best_k);
    folds.push_back(std::move(fold));
  }
  return folds;
}

}  // namespace tmf::pipeline
