// Leave-one-run-out mechanics (host/pipeline/backtest_cv.h) on small synthetic traces whose
// answers are known by construction: the outcome of one setting counted by hand, the setting each
// fold must choose, a held-out run whose failure the protocol must report instead of fitting, and
// the held-out run having no say in its own setting.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "host/pipeline/backtest_cv.h"
#include "tests/support/tmf_test.h"

namespace {

using tmf::pipeline::CvFold;
using tmf::pipeline::CvGrid;
using tmf::pipeline::CvRunTrace;
using tmf::pipeline::CvSetting;

// Calibration scores 1..16: with p = 0.5 the device's threshold is the empirical quantile
// s[16 - 1 - 8] = 8 (calibrate.h), so "over threshold" means score > 8.
CvGrid grid_simple() {
  CvGrid g;
  g.commissioning = {{0, 1, 1}};
  g.probabilities = {0.5f};
  g.persistence = {{1, 1}, {2, 3}};
  g.tail_fraction = 0.25f;
  g.min_threshold = 0.0f;
  return g;
}

// A run of `windows` monitoring windows 60 s apart (t = 60 .. 60 windows), end at the last one.
// Detector d's score is 10 (over) on the windows its list names, else 1.
CvRunTrace make_run(const std::string& name, uint32_t windows, const std::vector<std::vector<uint32_t>>& over) {
  CvRunTrace r;
  r.name = name;
  r.run_end_s = 60.0 * windows;
  for (uint32_t w = 1; w <= windows; ++w) r.t_s.push_back(60.0 * w);
  for (const auto& list : over) {
    std::vector<float> cal;
    for (int i = 1; i <= 16; ++i) cal.push_back(static_cast<float>(i));
    r.calibration.push_back(cal);
    std::vector<float> s(windows, 1.0f);
    for (uint32_t w : list) s[w] = 10.0f;
    r.scores.push_back(s);
  }
  return r;
}

TMF_TEST(BacktestCv, OutcomeCountedByHand) {
  // 20 windows at 60 .. 1200 s, end 1200 s, half 600 s (windows 0..8 are before it).
  // Detector 0 over at windows 2, 4, 5 and 15, 16, 17, 18, 19.
  const CvRunTrace run = make_run("a", 20, {{2, 4, 5, 15, 16, 17, 18, 19}});
  const CvGrid g = grid_simple();
  // 1 of 1: raised at 2 (t 180), cleared at 3, raised at 4 (t 300), cleared at 6, raised at 15 (t 960).
  auto o = tmf::pipeline::cv_evaluate(run, CvSetting{0, 0, 1, 1, 0}, g);
  TMF_EXPECT(o.first_alarm_s == 180.0);
  TMF_EXPECT(o.alarms_in_first_half == 2);
  TMF_EXPECT(o.lead_s == 1200.0 - 960.0);
  TMF_EXPECT(o.thresholds.size() == 1 && o.thresholds[0] == 8.0f);
  // First-half monitoring: windows at 60 .. 540 s, gaps summed: 480 s.
  TMF_EXPECT(o.healthy_monitored_s == 480.0);
  // 2 of 3: windows 2 and 4 make it at 4 (t 300); it clears when none of the last 3 is set
  // (window 8); raised again at 16 (t 1020).
  o = tmf::pipeline::cv_evaluate(run, CvSetting{0, 0, 1, 1, 1}, g);
  TMF_EXPECT(o.first_alarm_s == 300.0);
  TMF_EXPECT(o.alarms_in_first_half == 1);
  TMF_EXPECT(o.lead_s == 1200.0 - 1020.0);
}

TMF_TEST(BacktestCv, FoldsChooseOnTrainingRunsOnly) {
  // Detector 0 is clean (over in the last 4 windows: raised at t 1020, 180 s before the end),
  // detector 1 spikes twice in a row in the first half of every run and is over in the last 6.
  // Runs b..d behave; in run "a" detector 0 never rises. Every fold trained without "a" must pick detector 0 alone at 1 of 1 (no errors, lead
  // 180 s; detector 1 alone spikes early; both at 2 of 2 tie on lead and lose on size), and
  // report "a" as missed when it is held out: the protocol reports the failure, it cannot fit it.
  const CvGrid g = grid_simple();
  std::vector<CvRunTrace> runs;
  runs.push_back(make_run("a", 20, {{}, {3, 4, 14, 15, 16, 17, 18, 19}}));
  for (const char* name : {"b", "c", "d"}) runs.push_back(make_run(name, 20, {{16, 17, 18, 19}, {3, 4, 14, 15, 16, 17, 18, 19}}));
  const std::vector<CvFold> folds = tmf::pipeline::cv_leave_one_run_out({runs}, g, 3, false);
  TMF_EXPECT(folds.size() == 4);
  for (size_t i = 0; i < folds.size(); ++i) {
    TMF_EXPECT(folds[i].held_out == runs[i].name);
    TMF_EXPECT(folds[i].trained_on.size() == 3);
    for (const std::string& t : folds[i].trained_on) TMF_EXPECT(t != runs[i].name);
  }
  TMF_EXPECT(folds[0].setting.detectors == 1 && folds[0].setting.vote_k == 1 && folds[0].setting.persistence == 0);
  TMF_EXPECT(folds[0].train.errors == 0);
  TMF_EXPECT(folds[0].outcome.lead_s < 0 && folds[0].outcome.first_alarm_s < 0);  // "a" missed
  for (size_t i = 1; i < 4; ++i) {
    // Trained with "a": detector 0 misses "a" (1 error), detector 1 alone is early everywhere;
    // {0, 1} at 1 of 2 catches "a" but is early too. Detector 0 alone (1 error) wins.
    TMF_EXPECT(folds[i].setting.detectors == 1);
    TMF_EXPECT(folds[i].train.errors == 1);
    TMF_EXPECT(folds[i].outcome.lead_s == 3 * 60.0);
    TMF_EXPECT(folds[i].outcome.alarms_in_first_half == 0);
  }
  const auto s = tmf::pipeline::cv_summarize(folds);
  TMF_EXPECT(s.runs == 4 && s.caught == 3 && s.early == 0 && s.median_lead_s == 180.0);
  TMF_EXPECT(s.false_alarms_per_day == 0.0);
  // One detector at a time: only masks 1 and 2 with k = 1.
  const std::vector<CvFold> single = tmf::pipeline::cv_leave_one_run_out({runs}, g, 2, true);
  for (const CvFold& f : single) TMF_EXPECT(f.setting.detectors == 2 && f.setting.vote_k == 1);
  const auto ss = tmf::pipeline::cv_summarize(single);
  TMF_EXPECT(ss.early == 4);
  // 4 first-half alarms over 4 x 480 s of healthy monitoring.
  TMF_EXPECT(std::fabs(ss.false_alarms_per_day - 4.0 / (4 * 480.0 / 86400.0)) < 1e-9);
}

TMF_TEST(BacktestCv, MarginObjectivePrefersQuietFirstHalves) {
  // Detector 0: one isolated spike in the first half (window 3) and over from window 16; 2 of 3
  // filters the spike and raises at 17 (lead 120 s). Detector 1: over from window 18 only, never
  // before (lead 60 s at 1 of 1). The lead rule takes detector 0 at 2 of 3; the margin rule
  // takes detector 1 (no first-half candidate at all), on every fold.
  CvGrid g = grid_simple();
  std::vector<CvRunTrace> runs;
  for (const char* name : {"a", "b", "c"}) runs.push_back(make_run(name, 20, {{3, 16, 17, 18, 19}, {18, 19}}));
  const std::vector<CvFold> lead = tmf::pipeline::cv_leave_one_run_out({runs}, g, 3, false);
  g.objective = tmf::pipeline::CvObjective::kMargin;
  const std::vector<CvFold> margin = tmf::pipeline::cv_leave_one_run_out({runs}, g, 3, false);
  for (size_t i = 0; i < runs.size(); ++i) {
    TMF_EXPECT(lead[i].setting.detectors == 1 && lead[i].setting.persistence == 1);
    TMF_EXPECT(lead[i].outcome.lead_s == 120.0 && lead[i].outcome.candidates_in_first_half == 1);
    TMF_EXPECT(margin[i].setting.detectors == 2 && margin[i].setting.persistence == 0);
    TMF_EXPECT(margin[i].outcome.lead_s == 60.0 && margin[i].outcome.candidates_in_first_half == 0);
  }
}

TMF_TEST(BacktestCv, ConservativeObjectiveTakesTheLeastSensitiveSettingThatCatches) {
  // Both detectors over in windows 15..19 of every run. p = 0.25 puts the device threshold at
  // s[16 - 1 - 4] = 12 > 10: nothing is ever over, every run missed, so p = 0.5 must stay.
  // The lead rule takes detector 0 alone at 1 of 1 (raised at window 15: lead 240 s; the pair
  // ties on lead and loses on size); the conservative rule takes the strictest persistence that
  // still catches (2 of 3: lead 180 s) and the larger vote (both, 2 of 2).
  CvGrid g = grid_simple();
  g.probabilities = {0.5f, 0.25f};
  std::vector<CvRunTrace> runs;
  for (const char* name : {"a", "b", "c"}) {
    runs.push_back(make_run(name, 20, {{15, 16, 17, 18, 19}, {15, 16, 17, 18, 19}}));
  }
  const std::vector<CvFold> lead = tmf::pipeline::cv_leave_one_run_out({runs}, g, 3, false);
  g.objective = tmf::pipeline::CvObjective::kConservative;
  const std::vector<CvFold> conservative = tmf::pipeline::cv_leave_one_run_out({runs}, g, 3, false);
  for (size_t i = 0; i < runs.size(); ++i) {
    TMF_EXPECT(lead[i].setting.detectors == 1 && lead[i].setting.vote_k == 1 && lead[i].setting.persistence == 0);
    TMF_EXPECT(lead[i].setting.probability == 0 && lead[i].outcome.lead_s == 240.0);
    TMF_EXPECT(conservative[i].setting.detectors == 3 && conservative[i].setting.vote_k == 2);
    TMF_EXPECT(conservative[i].setting.persistence == 1 && conservative[i].setting.probability == 0);
    TMF_EXPECT(conservative[i].train.errors == 0 && conservative[i].outcome.lead_s == 180.0);
  }
  TMF_EXPECT(std::string(tmf::pipeline::cv_objective_to_string(g.objective)) == "conservative");
}

TMF_TEST(BacktestCv, BudgetLeadNominalRateByHand) {
  using tmf::pipeline::cv_nominal_false_alarms_per_day;
  // 2 of 2 at p = 0.01, no persistence, 40 s windows: 1e-4 per window x 2160 windows a day.
  TMF_EXPECT(std::fabs(cv_nominal_false_alarms_per_day(2, 0.01, 2, 1, 1, 40) - 0.216) < 1e-12);
  // One detector at p = 0.01, 4 of 6: C(6,4) = 15 ways, 15 x 1e-8 x 2160.
  TMF_EXPECT(std::fabs(cv_nominal_false_alarms_per_day(1, 0.01, 1, 4, 6, 40) - 3.24e-4) < 1e-15);
  // 2 of 3 at p = 0.1: q = 3 x 0.01 x 0.9 + 0.001 = 0.028, 1440 windows a day at 60 s.
  TMF_EXPECT(std::fabs(cv_nominal_false_alarms_per_day(3, 0.1, 2, 1, 1, 60) - 40.32) < 1e-9);
}

TMF_TEST(BacktestCv, BudgetLeadOrdersSyntheticFoldResults) {
  // Oracle: the rule's order written as one lexicographic key, smaller first, compared with
  // better_than on every pair of a grid of synthetic training scores.
  using tmf::pipeline::CvTrainScore;
  std::vector<CvTrainScore> all;
  for (uint32_t errors : {0u, 1u}) {
    for (uint32_t alarms : {0u, 2u}) {
      for (bool over : {false, true}) {
        for (double lead : {60.0, 300.0}) {
          for (uint32_t prob : {0u, 4u}) {
            for (auto [m, w] : {std::pair<uint32_t, uint32_t>{1, 1}, {3, 3}, {3, 5}}) {
              for (uint32_t k : {1u, 3u}) {
                for (uint32_t detectors : {3u, 5u}) {
                  CvTrainScore s;
                  s.errors = errors, s.first_half_alarms = alarms, s.over_budget = over, s.median_lead_s = lead;
                  s.probability = prob, s.persist_m = m, s.persist_w = w, s.vote_k = k, s.detectors = detectors;
                  s.first_half_candidates = (errors + prob + k) % 3;  // must play no part
                  all.push_back(s);
                }
              }
            }
          }
        }
      }
    }
  }
  auto key = [](const CvTrainScore& s) {
    return std::make_tuple(s.errors, s.first_half_alarms, s.over_budget ? 1 : 0, -s.median_lead_s,
                           -static_cast<int>(s.probability), -static_cast<int>(s.persist_m),
                           static_cast<int>(s.persist_w), -static_cast<int>(s.vote_k), s.detectors);
  };
  size_t mismatches = 0;
  for (const CvTrainScore& a : all) {
    for (const CvTrainScore& b : all) {
      if (a.better_than(b, tmf::pipeline::CvObjective::kBudgetLead) != (key(a) < key(b))) ++mismatches;
    }
  }
  TMF_EXPECT_EQ(mismatches, size_t{0});
}

TMF_TEST(BacktestCv, BudgetLeadTakesTheEarliestSettingWithinTheBudget) {
  // The conservative test's runs (60 s windows: 1440 a day), both detectors over in windows
  // 15..19, p = 0.5 only. Nominal rates a day: detector 0 alone 1 of 1: 0.5 x 1440 = 720; the
  // pair 1 of 2: q = 0.75, 1080; the pair 2 of 2, 1 of 1: 0.25 x 1440 = 360 (lead 240 s); the
  // pair 2 of 2, 2 of 3: 3 x 0.0625 x 1440 = 270 (lead 180 s). With a budget of 400 a day the
  // rule takes the pair, 2 of 2, no persistence: the earliest within the budget, where the lead
  // rule takes detector 0 alone and the conservative rule the 2-of-3 persistence.
  CvGrid g = grid_simple();
  g.objective = tmf::pipeline::CvObjective::kBudgetLead;
  g.false_alarms_per_day_budget = 400;
  std::vector<CvRunTrace> runs;
  for (const char* name : {"a", "b", "c"}) {
    runs.push_back(make_run(name, 20, {{15, 16, 17, 18, 19}, {15, 16, 17, 18, 19}}));
  }
  const std::vector<CvFold> folds = tmf::pipeline::cv_leave_one_run_out({runs}, g, 3, false);
  for (const CvFold& f : folds) {
    TMF_EXPECT(f.setting.detectors == 3 && f.setting.vote_k == 2 && f.setting.persistence == 0);
    TMF_EXPECT(!f.train.over_budget && f.train.errors == 0 && f.outcome.lead_s == 240.0);
  }
  // Under nested selection the rule joins each guard's candidates last.
  CvGrid nested = tmf::pipeline::cv_grid_default();
  tmf::pipeline::cv_add_budget_lead(&nested);
  TMF_EXPECT_EQ(nested.procedures.size(), size_t{12});
  for (size_t i = 0; i < nested.procedures.size(); ++i) {
    TMF_EXPECT((nested.procedures[i].objective == tmf::pipeline::CvObjective::kBudgetLead) == (i % 4 == 3));
    TMF_EXPECT(nested.procedures[i].guard == (i < 4 ? 0.5 : i < 8 ? 0.6 : 0.7));
  }
  TMF_EXPECT(std::string(tmf::pipeline::cv_objective_to_string(g.objective)) == "budget_lead");
}

TMF_TEST(BacktestCv, VoteOfMembersKeepsEachMembersSettingAndChoosesK) {
  // Detector 0 over at window 3 (a spike) and 15..19, detector 1 at 5 and 16..19. Alone, 1 of 1
  // alarms in the first half, so each member takes 2 of 3: detector 0 raised at window 16 (t 1020,
  // lead 180 s), detector 1 at 17 (t 1080, lead 120 s). The vote: k = 1 is on from t 1020, k = 2
  // from t 1080. The lead rule takes k = 1, the conservative rule k = 2; no early alarm either way.
  CvGrid g = grid_simple();
  std::vector<CvRunTrace> runs;
  for (const char* name : {"a", "b", "c"}) {
    runs.push_back(make_run(name, 20, {{3, 15, 16, 17, 18, 19}, {5, 16, 17, 18, 19}}));
  }
  for (const auto objective : {tmf::pipeline::CvObjective::kLead, tmf::pipeline::CvObjective::kConservative}) {
    g.objective = objective;
    std::vector<std::vector<CvFold>> members;
    for (uint32_t d = 0; d < 2; ++d) members.push_back(tmf::pipeline::cv_leave_one_run_out({runs}, g, 1u << d, true));
    for (const auto& m : members) {
      for (const CvFold& f : m) TMF_EXPECT(f.setting.persistence == 1 && f.outcome.alarms_in_first_half == 0);
    }
    const std::vector<CvFold> vote = tmf::pipeline::cv_vote_of_members({runs}, g, members);
    TMF_EXPECT(vote.size() == 3);
    const bool lead = objective == tmf::pipeline::CvObjective::kLead;
    for (size_t i = 0; i < vote.size(); ++i) {
      TMF_EXPECT(vote[i].held_out == runs[i].name && vote[i].trained_on.size() == 2);
      TMF_EXPECT(vote[i].setting.vote_k == (lead ? 1u : 2u));
      TMF_EXPECT(vote[i].outcome.lead_s == (lead ? 180.0 : 120.0));
      TMF_EXPECT(vote[i].outcome.first_alarm_s == (lead ? 1020.0 : 1080.0));
      TMF_EXPECT(vote[i].outcome.alarms_in_first_half == 0 && vote[i].train.errors == 0);
    }
  }
}

TMF_TEST(BacktestCv, NestedSelectionPicksTheRuleByInnerLeaveOneOut) {
  // Detector 0 rises early and stays over, from window 12 in runs a, b, c, from 8 in d and 7 in e;
  // detector 1 rises late (window 17) in every run. Window w is at t = 60 (w + 1), the runs end at
  // 1200 s: an alarm raised at window R is before guard g x 1200 s when R < 20 g - 1 (before the
  // half: R < 9; 0.6: R < 11; 0.7: R < 13). Persistence 2 of 3 raises one window later than 1 of 1.
  // Held out e, trained on a..d, the plain lead rule takes detector 0 at 2 of 3 (d raises at 9,
  // clean; median lead 360 s against detector 1's 120 s), which raises at 8 on e: early.
  // Nested, the inner fold holding d out shows every rule at guards 0.5 and 0.6 choosing detector 0
  // on a, b, c and alarming d early, and the conservative rule catching everything only 60 s ahead
  // (both detectors, 2 of 3); lead at guard 0.7 takes detector 0 at 2 of 3 on a, b, c (1 of 1
  // raises at 12 < 13) and catches d 600 s ahead, and detector 1 on the other inner folds (d errs
  // at 0.7): no early run, 4 caught, median 120 s. Margin at 0.7 ties it and comes later in the
  // list. So the fold takes lead at 0.7, which on a..d chooses detector 1: e caught 120 s ahead.
  CvGrid g = grid_simple();
  const auto from = [](uint32_t first) {
    std::vector<uint32_t> w;
    for (uint32_t i = first; i < 20; ++i) w.push_back(i);
    return w;
  };
  std::vector<CvRunTrace> runs;
  for (const char* name : {"a", "b", "c"}) runs.push_back(make_run(name, 20, {from(12), from(17)}));
  runs.push_back(make_run("d", 20, {from(8), from(17)}));
  runs.push_back(make_run("e", 20, {from(7), from(17)}));
  using tmf::pipeline::CvObjective;
  const std::vector<CvFold> lead = tmf::pipeline::cv_leave_one_run_out({runs}, g, 3, false);
  TMF_EXPECT(lead[4].setting.detectors == 1 && lead[4].setting.persistence == 1);
  TMF_EXPECT(lead[4].outcome.alarms_in_first_half == 1 && lead[4].outcome.first_alarm_s == 540.0 && lead[4].outcome.lead_s < 0);
  g.objective = CvObjective::kNested;
  for (const double guard : {0.5, 0.6, 0.7}) {
    for (const CvObjective o : {CvObjective::kLead, CvObjective::kMargin, CvObjective::kConservative}) {
      g.procedures.push_back({o, guard});
    }
  }
  const std::vector<CvFold> nested = tmf::pipeline::cv_leave_one_run_out({runs}, g, 3, false);
  TMF_EXPECT(nested.size() == 5 && nested[4].held_out == "e");
  TMF_EXPECT(nested[4].procedure == 6);  // lead, guard 0.7
  TMF_EXPECT(nested[4].candidates.size() == 9 && nested[4].candidates[6].caught == nested[4].inner.caught &&
             nested[4].candidates[6].median_lead_s == nested[4].inner.median_lead_s);
  TMF_EXPECT(nested[4].inner.early == 0 && nested[4].inner.caught == 4 && nested[4].inner.median_lead_s == 120.0);
  TMF_EXPECT(nested[4].setting.detectors == 2 && nested[4].setting.persistence == 0);
  TMF_EXPECT(nested[4].outcome.alarms_in_first_half == 0 && nested[4].outcome.lead_s == 120.0);
  TMF_EXPECT(nested[4].train.errors == 0);  // judged at its guard, 0.7
  for (const CvFold& f : nested) TMF_EXPECT(f.procedure >= 0 && f.procedure < 9 && f.trained_on.size() == 4);
  for (const CvFold& f : lead) TMF_EXPECT(f.procedure == -1);
  TMF_EXPECT(std::string(tmf::pipeline::cv_objective_to_string(g.objective)) == "nested");
}

TMF_TEST(BacktestCv, HeldOutRunHasNoSayInItsSetting) {
  // Random traces; then the held-out run's scores are replaced by other random ones: its fold's
  // setting and training score stay exactly the same.
  uint32_t rng = 99;
  auto next = [&rng] {
    rng = rng * 1664525u + 1013904223u;
    return static_cast<float>(rng >> 8) / 16777216.0f;
  };
  CvGrid g = grid_simple();
  g.probabilities = {0.5f, 0.25f};
  auto random_run = [&](const std::string& name) {
    CvRunTrace r = make_run(name, 30, {{}, {}, {}});
    for (auto& d : r.scores) {
      for (size_t w = 0; w < d.size(); ++w) d[w] = 16.0f * next() * (1.0f + static_cast<float>(w) / 15.0f);
    }
    return r;
  };
  std::vector<CvRunTrace> runs;
  for (const char* name : {"a", "b", "c", "d", "e"}) runs.push_back(random_run(name));
  // The plain rule, then nested selection (the held-out run is in no inner fold either).
  for (const auto objective : {tmf::pipeline::CvObjective::kLead, tmf::pipeline::CvObjective::kNested}) {
    g.objective = objective;
    g.procedures = {{tmf::pipeline::CvObjective::kLead, 0.5},
                    {tmf::pipeline::CvObjective::kConservative, 0.5},
                    {tmf::pipeline::CvObjective::kLead, 0.7}};
    const std::vector<CvFold> before = tmf::pipeline::cv_leave_one_run_out({runs}, g, 7, false);
    for (size_t held = 0; held < runs.size(); ++held) {
      std::vector<CvRunTrace> changed = runs;
      changed[held] = random_run(runs[held].name);
      const std::vector<CvFold> after = tmf::pipeline::cv_leave_one_run_out({changed}, g, 7, false);
      const CvSetting& x = before[held].setting;
      const CvSetting& y = after[held].setting;
      TMF_EXPECT(x.commissioning == y.commissioning && x.probability == y.probability && x.detectors == y.detectors &&
                 x.vote_k == y.vote_k && x.persistence == y.persistence);
      TMF_EXPECT(before[held].train.errors == after[held].train.errors &&
                 before[held].train.median_lead_s == after[held].train.median_lead_s);
      TMF_EXPECT(before[held].procedure == after[held].procedure && before[held].inner.early == after[held].inner.early &&
                 before[held].inner.median_lead_s == after[held].inner.median_lead_s);
    }
  }
}

}  // namespace

namespace {

// The protocol on ../shared/data/run_to_failure: one fold per run, each trained on all the other
// runs and never on its own (backtest_cv_run itself fails if a held-out replay through the full
// device loop disagrees with the search), each held-out verdict consistent with its run, under
// the default nested selection and the a-priori lead rule. The goals (every run caught,
// none early) are figures reported in docs/backtest.md, not asserted here.
TMF_TEST(BacktestCv, RunToFailureLeaveOneRunOut) {
  tmf::pipeline::BacktestCvOptions o;
  o.data_dir = std::string(TMF_SHARED_DIR) + "/data/run_to_failure";
  const tmf::pipeline::BacktestCvResult r = tmf::pipeline::backtest_cv_run(o);
  TMF_EXPECT(r.pool.size() == 6);
  std::printf("objective %s\n", tmf::pipeline::cv_objective_to_string(r.grid.objective));
  auto print = [](const std::string& what, const tmf::pipeline::CvSummary& s) {
    std::printf("%-18s caught %u/%u early %u first-half alarms %u median lead %.1f min, %.2f false alarms/day\n",
                what.c_str(), s.caught, s.runs, s.early, s.first_half_alarms, s.median_lead_s / 60,
                s.false_alarms_per_day);
  };
  for (const CvFold& f : r.pool) {
    std::printf("%s: first alarm %.0f s, lead %.0f s, first-half %u; %s; by %s, guard %.1f\n", f.held_out.c_str(),
                f.outcome.first_alarm_s, f.outcome.lead_s, f.outcome.alarms_in_first_half,
                tmf::pipeline::cv_setting_describe(f.setting, r.grid, r.detectors).c_str(),
                tmf::pipeline::cv_objective_to_string(r.grid.procedures.at(static_cast<size_t>(f.procedure)).objective),
                r.grid.procedures.at(static_cast<size_t>(f.procedure)).guard);
  }
  print("pool", r.pool_summary);
  print("vote of members", r.vote_summary);
  for (size_t d = 0; d < r.detectors.size(); ++d) print(r.detectors[d], r.member_summaries[d]);
  std::printf("%.1f s\n", r.seconds);
  for (const auto& folds : {r.pool, r.members[0], r.members[5]}) {
    for (size_t i = 0; i < folds.size(); ++i) {
      const CvFold& f = folds[i];
      TMF_EXPECT(f.held_out == r.report_traces[i].name);
      TMF_EXPECT(f.trained_on.size() == 5);
      for (const std::string& t : f.trained_on) TMF_EXPECT(t != f.held_out);
      // A lead only from an alarm raised in the second half, at or before the run's end.
      TMF_EXPECT(f.outcome.lead_s < 0 ||
                 (f.outcome.lead_s <= r.report_traces[i].run_end_s / 2 && f.outcome.first_alarm_s >= 0));
      TMF_EXPECT(f.outcome.healthy_monitored_s > 0 && f.outcome.healthy_monitored_s < r.report_traces[i].run_end_s / 2);
    }
  }
  TMF_EXPECT(r.pool_summary.runs == 6);
  // The a-priori lead rule of the second session, printed likewise (the margin and conservative
  // rules' figures come from the CLI: `--cv-objective margin|conservative`).
  o.objective = tmf::pipeline::CvObjective::kLead;
  const tmf::pipeline::BacktestCvResult c = tmf::pipeline::backtest_cv_run(o);
  std::printf("objective %s\n", tmf::pipeline::cv_objective_to_string(c.grid.objective));
  for (const CvFold& f : c.pool) {
    std::printf("%s: first alarm %.0f s, lead %.0f s, first-half %u; %s\n", f.held_out.c_str(), f.outcome.first_alarm_s,
                f.outcome.lead_s, f.outcome.alarms_in_first_half,
                tmf::pipeline::cv_setting_describe(f.setting, c.grid, c.detectors).c_str());
  }
  print("pool", c.pool_summary);
  print("vote of members", c.vote_summary);
  for (size_t d = 0; d < c.detectors.size(); ++d) print(c.detectors[d], c.member_summaries[d]);
  TMF_EXPECT(c.pool_summary.runs == 6);
}

}  // namespace
