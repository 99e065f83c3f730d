// The selection search (see select_search.h).
#include "host/pipeline/select_search.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "host/pipeline/pipeline_model.h"
#include "host/report/html_report.h"
#include "host/select/cost_table.h"

namespace tmf::pipeline {
namespace {

select::Candidate as_candidate(const SearchCandidate& c, const select::CostEstimate& e) {
  select::Candidate s;
  s.name = c.name;
  s.quality = c.quality;
  s.tie_break = c.margin;
  s.ram_bytes = e.ram_bytes;
  s.flash_bytes = e.flash_bytes;
  s.latency_ms = e.latency_ms;
  s.energy_uj = e.energy_uj;
  return s;
}

}  // namespace

SelectResult select_search(const SelectOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  SelectResult result;
  std::vector<select::Profile> profiles;
  for (const std::string& t : options.targets) profiles.push_back(select::find_profile(t));
  const select::CostTable table = select::load_cost_table(select::cost_table_path());

  const size_t total = options.space.windows.size() * options.space.bands.size() * options.space.detectors.size();
  size_t done = 0;
  for (uint32_t window : options.space.windows) {
    for (uint32_t bands : options.space.bands) {
      for (const std::string& detector : options.space.detectors) {
        SearchCandidate c;
        c.detector = detector;
        c.features.window = window;
        c.features.bands = bands;
        c.name = detector + " window=" + std::to_string(window) + ",bands=" + std::to_string(bands);
        if (options.progress) options.progress(done, total, c.name);
        TrainOptions t;
        t.data_dir = options.data_dir;
        t.detector = detector;
        t.features = c.features;
        t.seed = options.seed;
        t.snr_db = options.snr_db;
        t.noise_seed = options.noise_seed;
        t.selection_fraction = options.selection_fraction;
        t.model_name = options.model_name;
        t.model_version = options.model_version;
        TrainResult trained = train_pipeline(t);
        c.held_out = trained.int8_scores;
        c.selection = options.selection_fraction > 0 ? trained.selection_scores : trained.int8_scores;
        c.margin = trained.selection_margin;
        c.quality = 1.0;
        for (const auto& [condition, s] : c.selection.per_condition) c.quality = std::min(c.quality, s.auc);
        c.features = feature_spec_parse(trained.settings.features);
        c.file = std::move(trained.file);
        PipelineModel model(c.file, c.name);
        for (const select::Profile& p : profiles) c.costs.push_back(select::estimate_cost(model.model(), p, table));
        result.candidates.push_back(std::move(c));
        ++done;
      }
    }
  }
  if (options.progress) options.progress(done, total, "");

  for (size_t t = 0; t < profiles.size(); ++t) {
    TargetChoice choice;
    choice.profile = profiles[t];
    std::vector<select::Candidate> candidates;
    select::Constraints limits = options.limits;
    // The profile's own memory is a hard limit too.
    for (const SearchCandidate& c : result.candidates) candidates.push_back(as_candidate(c, c.costs[t]));
    limits.max_ram_bytes = std::min(limits.max_ram_bytes.value_or(1e300), result.candidates.empty() ? 0.0 :
                                    result.candidates[0].costs[t].ram_available_bytes);
    limits.max_flash_bytes = std::min(limits.max_flash_bytes.value_or(1e300), result.candidates.empty() ? 0.0 :
                                      result.candidates[0].costs[t].flash_available_bytes);
    choice.pareto = select::pareto_front(candidates);
    // Among the candidates the profile takes: its memory above, and its firmware's fixed buffers
    // (arena, window) that only the cost estimate knows.
    std::vector<select::Candidate> fitting;
    std::vector<size_t> fitting_index;
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (result.candidates[i].costs[t].fits()) {
        fitting.push_back(candidates[i]);
        fitting_index.push_back(i);
      }
    }
    if (const auto best = select::best_fitting(fitting, limits)) choice.selected = fitting_index[*best];
    if (!choice.selected) {
      for (size_t i : choice.pareto) {
        std::string why;
        for (const std::string& v : select::constraint_violations(candidates[i], limits)) why += (why.empty() ? "" : "; ") + v;
        for (const std::string& v : result.candidates[i].costs[t].exceeded) why += (why.empty() ? "" : "; ") + v;
        choice.refusals.push_back(result.candidates[i].name + ": " + why);
      }
    }
    result.targets.push_back(std::move(choice));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::string select_report_html(const SelectResult& r) {
  std::vector<std::string> body;
  for (size_t t = 0; t < r.targets.size(); ++t) {
    const TargetChoice& choice = r.targets[t];
    body.push_back("<h2>" + report::html_escape(choice.profile.name) + "</h2><p>" +
                   report::html_escape(choice.profile.description) + "</p>");
    const auto chart = [&](const std::string& what, const std::function<double(const select::CostEstimate&)>& x) {
      report::Series all{"candidates", {}, {}}, front{"Pareto front", {}, {}}, chosen{"selected", {}, {}};
      for (size_t i = 0; i < r.candidates.size(); ++i) {
        all.x.push_back(x(r.candidates[i].costs[t]));
        all.y.push_back(r.candidates[i].quality);
      }
      std::vector<size_t> order = choice.pareto;
      std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x(r.candidates[a].costs[t]) < x(r.candidates[b].costs[t]); });
      for (size_t i : order) front.x.push_back(x(r.candidates[i].costs[t])), front.y.push_back(r.candidates[i].quality);
      if (choice.selected) {
        chosen.x = {x(r.candidates[*choice.selected].costs[t]), x(r.candidates[*choice.selected].costs[t])};
        chosen.y = {r.candidates[*choice.selected].quality, r.candidates[*choice.selected].quality};
      }
      // Candidates as a cloud: a polyline through points sorted by x shows the spread; the
      // front and the choice are drawn over it.
      std::vector<size_t> idx(all.x.size());
      for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
      std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return all.x[a] < all.x[b]; });
      report::Series sorted{"candidates (sorted by " + what + ")", {}, {}};
      for (size_t i : idx) sorted.x.push_back(all.x[i]), sorted.y.push_back(all.y[i]);
      return report::svg_line_chart(choice.profile.name + ": quality vs " + what, {sorted, front, chosen},
                                    report::Axis{what}, report::Axis{"worst per-condition ROC-AUC"});
    };
    body.push_back(chart("RAM bytes", [](const select::CostEstimate& e) { return e.ram_bytes; }));
    body.push_back(chart("latency ms", [](const select::CostEstimate& e) { return e.latency_ms; }));
    body.push_back(chart("energy uJ", [](const select::CostEstimate& e) { return e.energy_uj; }));
    std::vector<std::vector<std::string>> rows{{"candidate", "quality", "RAM B", "flash B", "latency ms", "energy uJ", "fits", "Pareto", "selected"}};
    for (size_t i = 0; i < r.candidates.size(); ++i) {
      const select::CostEstimate& e = r.candidates[i].costs[t];
      char q[32], lat[32], en[32];
      std::snprintf(q, sizeof q, "%.5f", r.candidates[i].quality);
      std::snprintf(lat, sizeof lat, "%.3f", e.latency_ms);
      std::snprintf(en, sizeof en, "%.2f", e.energy_uj);
      const bool on_front = std::find(choice.pareto.begin(), choice.pareto.end(), i) != choice.pareto.end();
      rows.push_back({r.candidates[i].name, q, std::to_string(static_cast<long>(e.ram_bytes)),
                      std::to_string(static_cast<long>(e.flash_bytes)), lat, en, e.fits() ? "yes" : "no",
                      on_front ? "yes" : "", choice.selected == i ? "SELECTED" : ""});
    }
    body.push_back(report::html_table(rows));
  }
  return report::html_page("Model selection", body);
}

}  // namespace tmf::pipeline
