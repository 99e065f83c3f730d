// PiecewiseLinear: evaluation, exact integral (trapezoids) and its inverse (per-segment quadratic).
#include "host/sim/piecewise_linear.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "host/sim/sim_error.h"

namespace tmf::sim {

PiecewiseLinear::PiecewiseLinear(double constant) : PiecewiseLinear(std::vector<Knot>{{0, constant}}) {}

PiecewiseLinear::PiecewiseLinear(std::vector<Knot> knots) : knots_(std::move(knots)) {
  if (knots_.empty()) throw SimError("piecewise-linear profile: no knots");
  cumulative_.assign(knots_.size(), 0);
  for (size_t i = 0; i < knots_.size(); ++i) {
    if (!std::isfinite(knots_[i].t) || !std::isfinite(knots_[i].value)) {
      throw SimError("piecewise-linear profile: knot " + std::to_string(i) + " is not finite");
    }
    if (i > 0) {
      if (knots_[i].t < knots_[i - 1].t) {
        throw SimError("piecewise-linear profile: knot " + std::to_string(i) + " goes back in time");
      }
      cumulative_[i] = cumulative_[i - 1] + (knots_[i].t - knots_[i - 1].t) *
                                                (knots_[i].value + knots_[i - 1].value) * 0.5;
    }
  }
  integral_at_zero_ = integral_from_first(0);
}

double PiecewiseLinear::at(double t) const {
  // First knot strictly after t: the segment is [i-1, i], of positive length.
  const auto it = std::upper_bound(knots_.begin(), knots_.end(), t,
                                   [](double x, const Knot& k) { return x < k.t; });
  if (it == knots_.begin()) return knots_.front().value;
  if (it == knots_.end()) return knots_.back().value;
  const Knot& a = *(it - 1);
  const Knot& b = *it;
  return a.value + (b.value - a.value) * ((t - a.t) / (b.t - a.t));
}

double PiecewiseLinear::integral_from_first(double t) const {
  const Knot& first = knots_.front();
  if (t <= first.t) return first.value * (t - first.t);
  const auto it = std::upper_bound(knots_.begin(), knots_.end(), t,
                                   [](double x, const Knot& k) { return x < k.t; });
  const size_t j = static_cast<size_t>(it - knots_.begin()) - 1;
  return cumulative_[j] + (t - knots_[j].t) * (knots_[j].value + at(t)) * 0.5;
}

double PiecewiseLinear::integral(double t) const { return integral_from_first(t) - integral_at_zero_; }

double PiecewiseLinear::inverse_integral(double y) const {
  const double target = y + integral_at_zero_;  // measured from the first knot
  const Knot& first = knots_.front();
  if (target <= 0) return first.t + target / first.value;
  // Last knot whose cumulative integral is <= target (the later of equal ones: after a step).
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), target);
  const size_t j = static_cast<size_t>(it - cumulative_.begin()) - 1;
  const double rest = target - cumulative_[j];
  const double v = knots_[j].value;
  if (j + 1 == knots_.size()) return knots_[j].t + rest / v;
  const double length = knots_[j + 1].t - knots_[j].t;
  const double slope = (knots_[j + 1].value - v) / length;
  // v*tau + slope*tau^2/2 = rest, in the form without cancellation.
  const double tau = 2 * rest / (v + std::sqrt(std::max(0.0, v * v + 2 * slope * rest)));
  return knots_[j].t + std::min(tau, length);
}

bool PiecewiseLinear::positive() const {
  return std::all_of(knots_.begin(), knots_.end(), [](const Knot& k) { return k.value > 0; });
}

double PiecewiseLinear::max_value() const {
  double m = knots_.front().value;
  for (const Knot& k : knots_) m = std::max(m, k.value);
  return m;
}

}  // namespace tmf::sim
