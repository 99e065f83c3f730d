// A function of scenario time that is linear between knots and constant outside them, with its
// exact integral and the inverse of that integral. Speeds, loads and fault severities on the
// timeline are such functions; integrating the shaft speed gives the rotation angle, so the
// phase of every component stays continuous through speed ramps.
#pragma once

#include <vector>

namespace tmf::sim {

class PiecewiseLinear {
 public:
  struct Knot {
    double t;
    double value;
  };

  // A constant function.
  explicit PiecewiseLinear(double constant = 0);
  // Knots in non-decreasing t (two knots at the same t make a step: the later one holds from
  // that t on). Before the first knot the function is the first value, after the last the last.
  // Throws SimError if t decreases or a value is not finite.
  explicit PiecewiseLinear(std::vector<Knot> knots);

  double at(double t) const;
  // Integral from 0 to t (negative for t < 0).
  double integral(double t) const;
  // The t with integral(t) == y. Requires the function to be > 0 everywhere (checked by
  // positive(); the result is unspecified otherwise).
  double inverse_integral(double y) const;

  bool positive() const;
  double max_value() const;
  const std::vector<Knot>& knots() const { return knots_; }

 private:
  double integral_from_first(double t) const;  // from knots_[0].t
  std::vector<Knot> knots_;
  std::vector<double> cumulative_;  // integral from knots_[0].t to knots_[i].t
  double integral_at_zero_ = 0;     // integral_from_first(0)
};

// The knots of both functions' union, with values f(a.at(t), b.at(t)) at each: exact at the
// knots, linear between them (used for products such as speed x slip).
template <typename Combine>
PiecewiseLinear combine_knots(const PiecewiseLinear& a, const PiecewiseLinear& b, Combine f);

}  // namespace tmf::sim

#include "host/sim/piecewise_linear_inl.h"
