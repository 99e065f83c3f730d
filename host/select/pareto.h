// Choosing among candidate models: the Pareto front over detection quality (higher is better)
// and RAM, flash, latency and energy (lower is better), and the best candidate that meets a
// device's limits. Used by `tinymlops select` (issue 7); docs/select.md.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace tmf::select {

struct Candidate {
  std::string name;
  double quality = 0;  // e.g. AUC
  double ram_bytes = 0;
  double flash_bytes = 0;
  double latency_ms = 0;
  double energy_uj = 0;
  // Last, so positional initializers of the fields above stay valid. Higher is better and counts
  // only between equal qualities (e.g. the score margin when AUCs saturate): (quality, tie_break)
  // is one lexicographic objective.
  double tie_break = 0;
};

struct Constraints {
  std::optional<double> max_ram_bytes;
  std::optional<double> max_flash_bytes;
  std::optional<double> max_latency_ms;
  std::optional<double> max_energy_uj;
};

// True if a is at least as good as b in every objective and better in one.
bool dominates(const Candidate& a, const Candidate& b);

// Indices of the candidates no other candidate dominates, in input order (equal candidates all
// stay). SelectError if a figure is NaN.
std::vector<size_t> pareto_front(const std::vector<Candidate>& candidates);

// The limits candidate c breaks, e.g. "RAM 20480 bytes > 16384"; empty if it meets them all.
std::vector<std::string> constraint_violations(const Candidate& c, const Constraints& limits);

// The highest-quality candidate that meets the limits (ties: higher tie_break, less energy, then latency, RAM,
// flash, then the earlier one); nullopt if none does. The winner is always on the Pareto front.
std::optional<size_t> best_fitting(const std::vector<Candidate>& candidates, const Constraints& limits);

}  // namespace tmf::select
