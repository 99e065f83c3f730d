// PSI and Jensen-Shannon over histograms, and the adapter over device sketches.
#include "host/monitor/distribution_shift.h"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tmf::monitor {
namespace {

std::vector<double> normalized(std::span<const double> weights, const char* which) {
  double sum = 0;
  for (double w : weights) {
    if (!(w >= 0) || !std::isfinite(w)) {
      throw std::invalid_argument(std::string(which) + " histogram: a weight is negative or not finite");
    }
    sum += w;
  }
  if (!(sum > 0)) throw std::invalid_argument(std::string(which) + " histogram: weights sum to 0");
  std::vector<double> p(weights.begin(), weights.end());
  for (double& v : p) v /= sum;
  return p;
}

void check_sizes(std::span<const double> a, std::span<const double> b) {
  if (a.empty() || a.size() != b.size()) {
    throw std::invalid_argument("histograms: reference has " + std::to_string(a.size()) +
                                " bins, current " + std::to_string(b.size()));
  }
}

double kl_half_term(double p, double m) { return p > 0 ? p * std::log2(p / m) : 0.0; }

}  // namespace

double population_stability_index(std::span<const double> reference,
                                  std::span<const double> current, double epsilon) {
  check_sizes(reference, current);
  if (!(epsilon > 0)) throw std::invalid_argument("PSI epsilon must be > 0");
  const std::vector<double> p = normalized(reference, "reference");
  const std::vector<double> q = normalized(current, "current");
  double psi = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double pi = std::max(p[i], epsilon), qi = std::max(q[i], epsilon);
    psi += (qi - pi) * std::log(qi / pi);
  }
  return psi;
}

double jensen_shannon(std::span<const double> reference, std::span<const double> current) {
  check_sizes(reference, current);
  const std::vector<double> p = normalized(reference, "reference");
  const std::vector<double> q = normalized(current, "current");
  double js = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double m = 0.5 * (p[i] + q[i]);
    js += 0.5 * (kl_half_term(p[i], m) + kl_half_term(q[i], m));
  }
  // Rounding can leave -1e-17 or 1 + 1e-16; the definition bounds it to [0, 1].
  return std::min(1.0, std::max(0.0, js));
}

ShiftReport compare_sketches(const detect::FeatureSketch& reference,
                             const detect::FeatureSketch& current, double psi_epsilon) {
  const uint32_t F = reference.config.feature_count, B = reference.config.bins;
  if (current.config.feature_count != F || current.config.bins != B) {
    throw std::invalid_argument("sketches: reference is " + std::to_string(F) + " features x " +
                                std::to_string(B) + " bins, current " +
                                std::to_string(current.config.feature_count) + " x " +
                                std::to_string(current.config.bins));
  }
  if (F == 0 || B == 0) throw std::invalid_argument("sketches: empty configuration");
  if (std::memcmp(reference.lo, current.lo, F * sizeof(float)) != 0 ||
      std::memcmp(reference.hi, current.hi, F * sizeof(float)) != 0) {
    throw std::invalid_argument("sketches: bin ranges (lo/hi) differ; histograms are not comparable");
  }
  if (reference.stats.count == 0) throw std::invalid_argument("reference sketch holds no window");
  if (current.stats.count == 0) throw std::invalid_argument("current sketch holds no window");

  ShiftReport r;
  r.features.resize(F);
  std::vector<double> p(B), q(B);
  for (uint32_t f = 0; f < F; ++f) {
    for (uint32_t b = 0; b < B; ++b) {
      p[b] = reference.histogram[f * B + b];
      q[b] = current.histogram[f * B + b];
    }
    FeatureShift& s = r.features[f];
    s.psi = population_stability_index(p, q, psi_epsilon);
    s.js = jensen_shannon(p, q);
    r.psi_mean += s.psi / F;
    r.js_mean += s.js / F;
    if (f == 0 || s.psi > r.psi_max) r.psi_max = s.psi, r.psi_max_feature = f;
    if (f == 0 || s.js > r.js_max) r.js_max = s.js, r.js_max_feature = f;
  }
  return r;
}

}  // namespace tmf::monitor
