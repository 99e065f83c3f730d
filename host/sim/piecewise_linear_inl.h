// combine_knots (template, declared in piecewise_linear.h).
#pragma once

#include <algorithm>

namespace tmf::sim {

template <typename Combine>
PiecewiseLinear combine_knots(const PiecewiseLinear& a, const PiecewiseLinear& b, Combine f) {
  // Merge by time; at a step (equal t) evaluate just before and at the step so it survives.
  std::vector<double> times;
  for (const auto& k : a.knots()) times.push_back(k.t);
  for (const auto& k : b.knots()) times.push_back(k.t);
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  if (times.empty()) return PiecewiseLinear(f(a.at(0), b.at(0)));
  std::vector<PiecewiseLinear::Knot> knots;
  auto left_value = [](const PiecewiseLinear& p, double t) {  // the limit from the left at t
    const auto& ks = p.knots();
    for (size_t i = 0; i + 1 < ks.size(); ++i) {
      if (ks[i].t == t && ks[i + 1].t == t) return ks[i].value;
    }
    return p.at(t);
  };
  for (double t : times) {
    const double left = f(left_value(a, t), left_value(b, t));
    const double right = f(a.at(t), b.at(t));
    knots.push_back({t, left});
    if (right != left) knots.push_back({t, right});
  }
  return PiecewiseLinear(std::move(knots));
}

}  // namespace tmf::sim
