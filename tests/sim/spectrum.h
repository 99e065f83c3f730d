// Test oracles for tests/sim: a naive single-frequency DFT (Hann-windowed), the square-law
// envelope spectrum and RMS, written independently of host/sim.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace tmf::test {

// |sum x[i] w[i] e^{-j 2 pi f i / fs}|^2 with a Hann window w, mean removed.
inline double power_at(const std::vector<double>& x, double fs, double f) {
  const size_t n = x.size();
  double mean = 0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(n);
  double re = 0, im = 0;
  const double step = 2 * M_PI * f / fs;
  for (size_t i = 0; i < n; ++i) {
    const double w = 0.5 - 0.5 * std::cos(2 * M_PI * static_cast<double>(i) / static_cast<double>(n));
    const double v = (x[i] - mean) * w;
    re += v * std::cos(step * static_cast<double>(i));
    im -= v * std::sin(step * static_cast<double>(i));
  }
  return re * re + im * im;
}

inline std::vector<double> to_double(const std::vector<float>& x) { return {x.begin(), x.end()}; }

// Square-law envelope of the first difference (a crude high-pass that keeps the resonance and
// drops the shaft harmonics): e[i] = (x[i+1] - x[i])^2.
inline std::vector<double> envelope(const std::vector<float>& x) {
  std::vector<double> e(x.size() - 1);
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    const double d = static_cast<double>(x[i + 1]) - x[i];
    e[i] = d * d;
  }
  return e;
}

inline double rms(const std::vector<float>& x) {
  double mean = 0, sq = 0;
  for (float v : x) mean += v;
  mean /= static_cast<double>(x.size());
  for (float v : x) sq += (v - mean) * (v - mean);
  return std::sqrt(sq / static_cast<double>(x.size()));
}

// Frequency of the largest power_at over [lo, hi] in steps of `step`.
inline double peak_frequency(const std::vector<double>& x, double fs, double lo, double hi, double step) {
  double best_f = lo, best_p = -1;
  for (double f = lo; f <= hi; f += step) {
    const double p = power_at(x, fs, f);
    if (p > best_p) best_p = p, best_f = f;
  }
  return best_f;
}

// Median power over [lo, hi] in steps of `step`: the floor a spectral line must rise above.
inline double median_power(const std::vector<double>& x, double fs, double lo, double hi, double step) {
  std::vector<double> p;
  for (double f = lo; f <= hi; f += step) p.push_back(power_at(x, fs, f));
  std::nth_element(p.begin(), p.begin() + p.size() / 2, p.end());
  return p[p.size() / 2];
}

}  // namespace tmf::test
