// Least-squares fit of one cost entry: instructions ~ sum of coefficient x feature count over
// the measured single-op models, minimising relative error (each point weighted by 1/count),
// with rank-deficient columns dropped and no negative coefficients (a negative per-iteration
// cost would extrapolate to nonsense on shapes outside the measured range).
#pragma once

#include <string>
#include <vector>

#include "host/select/cost_table.h"

namespace tmf::select {

struct FitPoint {
  std::string name;
  OpFeatures features;  // all points of one fit share the key and the feature names
  double instructions = 0;
  double stack_bytes = 0;
};

// Coefficients for every feature of the points (0 for dropped ones), the number of points and
// the worst relative error on them.
CostEntry fit_entry(const std::vector<FitPoint>& points);

}  // namespace tmf::select
