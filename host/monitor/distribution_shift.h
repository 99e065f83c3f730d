// Distribution shift between two histograms over the same bins: Population Stability Index and
// Jensen-Shannon divergence (base 2), per feature and aggregated, read directly from device
// feature sketches (device/detect/sketch.h). Definitions and defaults: docs/drift.md.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "device/detect/sketch.h"

namespace tmf::monitor {

// Proportions below this are raised to it in PSI (an empty bin would make ln(q/p) infinite).
constexpr double kPsiEpsilon = 1e-4;
// PSI above 0.2 is the usual "significant shift" (0.1..0.2 "moderate").
constexpr double kPsiThreshold = 0.2;
// JS (base 2, in [0, 1]) above 0.1.
constexpr double kJsThreshold = 0.1;

// Both take non-negative bin weights (counts or proportions), each normalized to sum 1 here; the
// spans must have the same non-zero size and each a positive sum (else std::invalid_argument).
// PSI = sum_i (q_i - p_i) ln(q_i / p_i) with p_i, q_i raised to at least `epsilon`;
// p = reference, q = current.
double population_stability_index(std::span<const double> reference,
                                  std::span<const double> current,
                                  double epsilon = kPsiEpsilon);
// JS = (KL(p || m) + KL(q || m)) / 2 in bits, m = (p + q) / 2, 0 log 0 = 0 (no epsilon needed).
double jensen_shannon(std::span<const double> reference, std::span<const double> current);

struct FeatureShift {
  double psi = 0;
  double js = 0;
};

struct ShiftReport {
  std::vector<FeatureShift> features;  // [F]
  double psi_max = 0, psi_mean = 0;
  double js_max = 0, js_mean = 0;
  uint32_t psi_max_feature = 0, js_max_feature = 0;
};

// Per-feature PSI and JS of `current` against `reference` (e.g. the training reference sketch vs a
// merged batch from a device or a group). Both need the same F, B and bit-identical ranges (the
// condition sketch_merge has) and at least one window; otherwise std::invalid_argument naming
// what differs.
ShiftReport compare_sketches(const detect::FeatureSketch& reference,
                             const detect::FeatureSketch& current,
                             double psi_epsilon = kPsiEpsilon);

}  // namespace tmf::monitor
