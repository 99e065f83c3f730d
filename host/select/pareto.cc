// Pareto front by pairwise dominance (candidate sets are tens to hundreds: O(n^2) is plenty) and
// constrained choice with a total tie-break order.
#include "host/select/pareto.h"

#include <cmath>
#include <tuple>

#include "host/select/select_error.h"

namespace tmf::select {
namespace {

void check_figures(const Candidate& c) {
  for (double v : {c.quality, c.tie_break, c.ram_bytes, c.flash_bytes, c.latency_ms, c.energy_uj}) {
    if (std::isnan(v)) throw SelectError("candidate '" + c.name + "': a figure is NaN");
  }
}

std::string number_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

}  // namespace

bool dominates(const Candidate& a, const Candidate& b) {
  const bool quality_no_worse = a.quality > b.quality || (a.quality == b.quality && a.tie_break >= b.tie_break);
  const bool quality_better = a.quality > b.quality || (a.quality == b.quality && a.tie_break > b.tie_break);
  const bool no_worse = quality_no_worse && a.ram_bytes <= b.ram_bytes && a.flash_bytes <= b.flash_bytes &&
                        a.latency_ms <= b.latency_ms && a.energy_uj <= b.energy_uj;
  const bool better = quality_better || a.ram_bytes < b.ram_bytes || a.flash_bytes < b.flash_bytes ||
                      a.latency_ms < b.latency_ms || a.energy_uj < b.energy_uj;
  return no_worse && better;
}

std::vector<size_t> pareto_front(const std::vector<Candidate>& candidates) {
  for (const Candidate& c : candidates) check_figures(c);
  std::vector<size_t> front;
  for (size_t i = 0; i < candidates.size(); ++i) {
    bool dominated = false;
    for (size_t j = 0; j < candidates.size() && !dominated; ++j) dominated = j != i && dominates(candidates[j], candidates[i]);
    if (!dominated) front.push_back(i);
  }
  return front;
}

std::vector<std::string> constraint_violations(const Candidate& c, const Constraints& limits) {
  std::vector<std::string> out;
  if (limits.max_ram_bytes && c.ram_bytes > *limits.max_ram_bytes) {
    out.push_back("RAM " + number_text(c.ram_bytes) + " bytes > " + number_text(*limits.max_ram_bytes));
  }
  if (limits.max_flash_bytes && c.flash_bytes > *limits.max_flash_bytes) {
    out.push_back("flash " + number_text(c.flash_bytes) + " bytes > " + number_text(*limits.max_flash_bytes));
  }
  if (limits.max_latency_ms && c.latency_ms > *limits.max_latency_ms) {
    out.push_back("latency " + number_text(c.latency_ms) + " ms > " + number_text(*limits.max_latency_ms));
  }
  if (limits.max_energy_uj && c.energy_uj > *limits.max_energy_uj) {
    out.push_back("energy " + number_text(c.energy_uj) + " uJ > " + number_text(*limits.max_energy_uj));
  }
  return out;
}

std::optional<size_t> best_fitting(const std::vector<Candidate>& candidates, const Constraints& limits) {
  for (const Candidate& c : candidates) check_figures(c);
  std::optional<size_t> best;
  const auto key = [&](size_t i) {
    const Candidate& c = candidates[i];
    return std::make_tuple(-c.quality, -c.tie_break, c.energy_uj, c.latency_ms, c.ram_bytes, c.flash_bytes, i);
  };
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (!constraint_violations(candidates[i], limits).empty()) continue;
    if (!best || key(i) < key(*best)) best = i;
  }
  return best;
}

}  // namespace tmf::select
