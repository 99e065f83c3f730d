// HTML report of `backtest --cv leave-one-run-out`: what was chosen on which runs, the held-out
// verdicts of the pool and of each detector alone, and per run the voting detectors' scores in
// units of their calibrated thresholds.
#include <algorithm>
#include <cstdio>

#include "host/pipeline/backtest_cv.h"
#include "host/report/html_report.h"

namespace tmf::pipeline {
namespace {

std::string fmt(const char* f, double v) {
  char text[64];
  std::snprintf(text, sizeof text, f, v);
  return text;
}

std::string summary_row_cell(const CvSummary& s) {
  return std::to_string(s.caught) + "/" + std::to_string(s.runs) + " caught, " + std::to_string(s.early) +
         " early, median lead " + fmt("%.1f", s.median_lead_s / 60) + " min, " + fmt("%.2f", s.false_alarms_per_day) +
         " false alarms/day";
}

}  // namespace

std::string backtest_cv_report_html(const BacktestCvResult& r) {
  std::vector<std::string> body;
  body.push_back(
      "<p>Leave-one-run-out: for each run, every setting (commissioning lengths, the false-alarm budget p each "
      "device calibrates its own thresholds to, the voting detectors, k, persistence) was chosen on the other "
      "runs only, then the held-out run was replayed through the device loop. Thresholds are the device's own "
      "(calibrated on its healthy commissioning scores), never chosen on a run. Window " +
      std::to_string(r.window) + " samples, pool model " + std::to_string(r.model_bytes) + " B, arena " +
      std::to_string(r.arena_bytes) + " B.</p>");
  body.push_back("<p>Fixed a priori, chosen on no run (docs/backtest.md says why): the grid searched; the "
                 "calibration's tail fraction " + fmt("%g", r.grid.tail_fraction) + " and threshold floor " +
                 fmt("%g", r.grid.min_threshold) + "; the baseline's variance floor " + fmt("%g", r.grid.variance_floor) +
                 " (a guard against a feature that never moved); the following baseline's step cap " +
                 fmt("%g", r.grid.tracking_clamp) + " baseline standard deviations.</p>");
  std::vector<std::vector<std::string>> rows{{"detection", "held-out result"}};
  rows.push_back({std::string("pool (objective: ") + cv_objective_to_string(r.grid.objective) + ")",
                  summary_row_cell(r.pool_summary)});
  rows.push_back({"vote of the members (each with its own setting; k chosen per fold)", summary_row_cell(r.vote_summary)});
  for (size_t d = 0; d < r.detectors.size(); ++d) rows.push_back({r.detectors[d] + " alone", summary_row_cell(r.member_summaries[d])});
  body.push_back(report::html_table(rows));
  rows = {{"held-out run", "chosen on", "pool setting", "thresholds (device-calibrated)", "first alarm (h)", "end (h)",
           "lead (min)", "first-half alarms"}};
  for (const CvFold& f : r.pool) {
    std::string on, th;
    for (const std::string& t : f.trained_on) on += (on.empty() ? "" : ", ") + t;
    for (size_t d = 0; d < f.outcome.thresholds.size(); ++d) {
      if (f.outcome.thresholds[d] > 0) th += (th.empty() ? "" : ", ") + r.detectors[d] + " " + fmt("%.3g", f.outcome.thresholds[d]);
    }
    const double end = std::find_if(r.report_traces.begin(), r.report_traces.end(), [&](const CvRunTrace& t) {
                         return t.name == f.held_out;
                       })->run_end_s;
    std::string setting = cv_setting_describe(f.setting, r.grid, r.detectors);
    if (f.procedure >= 0) {  // nested: the rule the inner leave-one-out picked
      const CvProcedure& p = r.grid.procedures[static_cast<size_t>(f.procedure)];
      setting += std::string(" (by ") + cv_objective_to_string(p.objective) + fmt(", guard %g)", p.guard);
    }
    rows.push_back({f.held_out, on, setting, th,
                    f.outcome.first_alarm_s < 0 ? "none" : fmt("%.2f", f.outcome.first_alarm_s / 3600), fmt("%.2f", end / 3600),
                    f.outcome.lead_s < 0 ? "missed" : fmt("%.1f", f.outcome.lead_s / 60),
                    std::to_string(f.outcome.alarms_in_first_half)});
  }
  body.push_back(report::html_table(rows));
  for (size_t i = 0; i < r.pool.size(); ++i) {
    const CvFold& f = r.pool[i];
    const CvRunTrace& t = r.report_traces[i];
    std::vector<report::Series> series;
    for (size_t d = 0; d < r.detectors.size(); ++d) {
      if (!(f.setting.detectors & (1u << d))) continue;
      report::Series s{r.detectors[d] + " / threshold", {}, {}};
      for (size_t w = 0; w < t.t_s.size(); ++w) {
        s.x.push_back(t.t_s[w] / 3600);
        s.y.push_back(std::min(10.0, t.scores[d][w] / static_cast<double>(f.outcome.thresholds[d])));
      }
      series.push_back(std::move(s));
    }
    body.push_back(report::svg_line_chart(f.held_out + " (held out): voting scores / calibrated threshold (capped at 10)",
                                          series, report::Axis{"hours from the run's start"},
                                          report::Axis{"score / threshold"}, false, 1.0));
  }
  return report::html_page("Backtest, leave one run out", body);
}

}  // namespace tmf::pipeline
