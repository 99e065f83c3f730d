// SyntheticMachine: every sample is a pure function of its index k (time k / fs), so windows
// can be generated in any order and still join without a seam.
#include "host/sim/synthetic_machine.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "host/sim/counter_rng.h"
#include "host/sim/sim_error.h"

namespace tmf::sim {
namespace {

constexpr double kTwoPi = 6.283185307179586;
// Streams of the counter-based generator (one per kind of draw).
enum Stream : uint64_t { kNoise = 1, kParams = 2, kJitter = 10, kImpactAmp = 20 };

double frac(double x) { return x - std::floor(x); }

// Impacts per shaft revolution. A ball defect strikes both races once per spin turn: 2 x BSF.
double impact_order(FaultType f, const DefectOrders& o) {
  switch (f) {
    case FaultType::outer_race: return o.bpfo;
    case FaultType::inner_race: return o.bpfi;
    case FaultType::ball: return 2 * o.bsf;
    case FaultType::none: break;
  }
  return 0;
}

void require(bool ok, const std::string& what) {
  if (!ok) throw SimError("synthetic machine: " + what);
}

}  // namespace

MachineParams machine_params_from_seed(uint64_t seed, double sample_rate_hz, double nominal_shaft_hz) {
  MachineParams p;
  p.seed = seed;
  p.sample_rate_hz = sample_rate_hz;
  uint64_t draw = 0;
  auto u = [&](double lo, double hi) { return lo + (hi - lo) * uniform01(seed, kParams, draw++); };
  p.shaft_hz = nominal_shaft_hz * u(0.98, 1.02);
  for (size_t h = 0; h < 3; ++h) {
    p.harmonic_g[h] *= u(0.7, 1.3);
    p.harmonic_phase_rad[h] = u(0, kTwoPi);
  }
  p.resonance_hz = std::min(u(2500, 4000), 0.4 * sample_rate_hz);
  p.damping_ratio = u(0.04, 0.08);
  p.noise_g *= u(0.85, 1.15);
  p.impact_g *= u(0.85, 1.15);
  return p;
}

SyntheticMachine::SyntheticMachine(const MachineParams& params, MachineTimeline timeline)
    : params_(params), timeline_(std::move(timeline)), shaft_hz_(1.0) {
  const MachineParams& p = params_;
  require(p.sample_rate_hz > 0 && std::isfinite(p.sample_rate_hz), "sample_rate_hz must be > 0");
  require(p.shaft_hz > 0 && p.shaft_hz < 0.1 * p.sample_rate_hz, "shaft_hz must be in (0, 0.1 fs)");
  require(p.resonance_hz > 0 && p.resonance_hz < 0.5 * p.sample_rate_hz,
          "resonance_hz must be in (0, fs/2)");
  require(p.damping_ratio > 0 && p.damping_ratio < 1, "damping_ratio must be in (0, 1)");
  require(p.jitter >= 0 && p.jitter < 0.1, "jitter must be in [0, 0.1)");
  require(p.slip_per_load >= 0 && p.slip_per_load < 0.5, "slip_per_load must be in [0, 0.5)");
  for (const auto& k : timeline_.load.knots()) require(k.value >= 0, "load must be >= 0");
  shaft_hz_ = combine_knots(timeline_.speed_factor, timeline_.load, [&](double s, double l) {
    return p.shaft_hz * s * (1 - p.slip_per_load * l);
  });
  require(shaft_hz_.positive(), "the shaft rate must stay > 0 (speed factor > 0, load < 1/slip)");
  orders_ = defect_orders(p.bearing);
  const double omega_n = kTwoPi * p.resonance_hz;
  decay_per_s_ = p.damping_ratio * omega_n;
  ringing_rad_per_s_ = omega_n * std::sqrt(1 - p.damping_ratio * p.damping_ratio);
  impact_span_s_ = 12 / decay_per_s_;  // the response has fallen to e^-12 = 6e-6 of its peak
}

void SyntheticMachine::generate(double t_seconds, uint32_t n, float* out) const {
  const MachineParams& p = params_;
  const int64_t k0 = std::llround(t_seconds * p.sample_rate_hz);
  std::vector<double> acc(n);
  for (uint32_t i = 0; i < n; ++i) {
    const int64_t k = k0 + i;
    const double tk = static_cast<double>(k) / p.sample_rate_hz;
    const double rev = shaft_hz_.integral(tk);
    double x = 0;
    for (size_t h = 0; h < 3; ++h) {
      x += p.harmonic_g[h] * std::sin(kTwoPi * frac((h + 1) * rev) + p.harmonic_phase_rad[h]);
    }
    x += p.noise_g * gaussian(p.seed, kNoise, static_cast<uint64_t>(k));
    acc[i] = x * (1 + p.load_gain * timeline_.load.at(tk));
  }
  for (FaultType f : kFaultTypes) {
    if (timeline_.severity[fault_index(f)].max_value() > 0) add_impacts(f, k0, n, acc.data());
  }
  for (uint32_t i = 0; i < n; ++i) out[i] = static_cast<float>(acc[i]);
}

// Impact m happens when the defect phase (order x shaft revolutions) reaches m + jitter_m. Each
// sample sums the impacts of [t - span, t] in increasing m, whichever window computes it.
void SyntheticMachine::add_impacts(FaultType fault, int64_t k0, uint32_t n, double* acc) const {
  const MachineParams& p = params_;
  const double fs = p.sample_rate_hz;
  const double order = impact_order(fault, orders_);
  const PiecewiseLinear& severity = timeline_.severity[fault_index(fault)];
  const uint64_t stream = static_cast<uint64_t>(fault);
  const uint64_t impact_seed = p.impact_seed != 0 ? p.impact_seed : p.seed;
  const double max_jitter = 5 * p.jitter;
  // One sample of margin each side: rounding in the phase inversion must not drop an impact.
  const double t_first = static_cast<double>(k0 - 1) / fs - impact_span_s_;
  const double t_last = static_cast<double>(k0 + n) / fs;
  const auto m_lo = static_cast<int64_t>(std::floor(order * revolutions(t_first) - max_jitter));
  const auto m_hi = static_cast<int64_t>(std::ceil(order * revolutions(t_last) + max_jitter));
  for (int64_t m = m_lo; m <= m_hi; ++m) {
    const auto key = static_cast<uint64_t>(m);
    const double jitter =
        std::clamp(p.jitter * gaussian(impact_seed, kJitter + stream, key), -max_jitter, max_jitter);
    const double tm = shaft_hz_.inverse_integral((static_cast<double>(m) + jitter) / order);
    const double sev = severity.at(tm);
    if (sev <= 0) continue;
    double modulation = 1;  // an outer-race defect sits still in the load zone
    if (fault == FaultType::inner_race) {  // the defect turns with the shaft through the load zone
      modulation = 0.2 + 0.8 * (0.5 + 0.5 * std::cos(kTwoPi * frac(revolutions(tm))));
    } else if (fault == FaultType::ball) {  // the ball travels with the cage; outer contact harder
      modulation = 0.2 + 0.8 * (0.5 + 0.5 * std::cos(kTwoPi * frac(orders_.ftf * revolutions(tm))));
      if (m % 2 != 0) modulation *= 0.6;
    }
    const double amp = p.impact_g * sev * (1 + p.impact_load_gain * timeline_.load.at(tm)) *
                       modulation * (1 + 0.1 * gaussian(impact_seed, kImpactAmp + stream, key));
    const int64_t i_lo = std::max<int64_t>(0, static_cast<int64_t>(std::floor(tm * fs)) - k0);
    const int64_t i_hi =
        std::min<int64_t>(n, static_cast<int64_t>(std::ceil((tm + impact_span_s_) * fs)) - k0 + 1);
    for (int64_t i = i_lo; i < i_hi; ++i) {
      const double tau = static_cast<double>(k0 + i) / fs - tm;
      if (tau < 0 || tau >= impact_span_s_) continue;
      acc[i] += amp * std::exp(-decay_per_s_ * tau) * std::sin(ringing_rad_per_s_ * tau);
    }
  }
}

}  // namespace tmf::sim
