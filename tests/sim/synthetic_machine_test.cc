// SyntheticMachine against independent oracles: a Hann-windowed naive DFT finds the shaft line
// and its harmonics where the model puts them; the square-law envelope spectrum shows BPFO, BPFI
// (with shaft sidebands) and the ball-pass line computed here from the SKF 6205 geometry, and not
// when healthy; load raises RMS by (1 + g l1) / (1 + g l0); windows join bit-exactly.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "host/sim/synthetic_machine.h"
#include "tests/sim/spectrum.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using sim::FaultType;
using sim::MachineTimeline;
using sim::PiecewiseLinear;
using sim::SyntheticMachine;
using test::envelope;
using test::median_power;
using test::peak_frequency;
using test::power_at;

constexpr double kFs = 12000;
// SKF 6205-2RS: 9 balls, d = 0.3126 in, D = 1.537 in, contact angle 0.
constexpr double kBallRatio = 0.3126 / 1.537;
constexpr double kBpfoOrder = 4.5 * (1 - kBallRatio);
constexpr double kBpfiOrder = 4.5 * (1 + kBallRatio);

std::vector<float> run(const SyntheticMachine& m, double t, uint32_t n) {
  std::vector<float> x(n);
  m.generate(t, n, x.data());
  return x;
}

MachineTimeline constant(double load, FaultType fault = FaultType::none, double severity = 0) {
  MachineTimeline tl;
  tl.load = PiecewiseLinear(load);
  if (fault != FaultType::none) tl.severity[sim::fault_index(fault)] = PiecewiseLinear(severity);
  return tl;
}

// The shaft rate the model documents: nominal x speed factor x (1 - slip x load).
double shaft_rate(const sim::MachineParams& p, double load) { return p.shaft_hz * (1 - p.slip_per_load * load); }

TMF_TEST(SimMachine, DefectOrdersMatchPublishedCwruValues) {
  // CWRU bearing data center, drive-end bearing, multiples of running speed: inner 5.4152,
  // outer 3.5848, cage 0.39828, rolling element 4.7135 (= 2 x BSF: both race contacts).
  const sim::DefectOrders o = sim::defect_orders(sim::skf_6205());
  TMF_EXPECT(std::fabs(o.bpfi - 5.4152) < 1e-3);
  TMF_EXPECT(std::fabs(o.bpfo - 3.5848) < 1e-3);
  TMF_EXPECT(std::fabs(o.ftf - 0.39828) < 1e-4);
  TMF_EXPECT(std::fabs(2 * o.bsf - 4.7135) < 1e-3);
}

TMF_TEST(SimMachine, ShaftLineAndHarmonicsWhereExpected) {
  for (uint64_t seed : {3u, 99u}) {
    const auto params = sim::machine_params_from_seed(seed);
    const SyntheticMachine m(params, constant(0.5));
    const uint32_t n = 48000;  // 4 s: bins of 0.25 Hz
    const double bin = kFs / n;
    const auto x = test::to_double(run(m, 10.0, n));
    const double f1 = shaft_rate(params, 0.5);
    const double peak = peak_frequency(x, kFs, 5, 200, bin);
    TMF_EXPECT(std::fabs(peak - f1) <= bin);
    const double floor = median_power(x, kFs, 5, 200, bin);
    for (int h = 2; h <= 3; ++h) {
      const double ph = peak_frequency(x, kFs, h * f1 - 3, h * f1 + 3, bin);
      TMF_EXPECT(std::fabs(ph - h * f1) <= bin);
      TMF_EXPECT(power_at(x, kFs, ph) > 100 * floor);
    }
  }
}

TMF_TEST(SimMachine, ParametersDifferPerSeedWithinTwoPercent) {
  const auto a = sim::machine_params_from_seed(1), b = sim::machine_params_from_seed(2);
  TMF_EXPECT(a.shaft_hz != b.shaft_hz);
  for (uint64_t s = 0; s < 200; ++s) {
    const auto p = sim::machine_params_from_seed(s);
    TMF_EXPECT(std::fabs(p.shaft_hz / 29.95 - 1) <= 0.02);
    TMF_EXPECT(p.resonance_hz >= 2500 && p.resonance_hz <= 4000);
  }
}

// The square-law envelope of 2 s (bins of 0.5 Hz) and its median power over [10, 500] Hz.
struct Envelope {
  std::vector<double> e;
  double floor;

  explicit Envelope(const SyntheticMachine& m) : e(envelope(run(m, 5.0, 24000))) {
    floor = median_power(e, kFs, 10, 500, 0.5);
  }
  // Power at f over the floor.
  double snr(double f) const { return power_at(e, kFs, f) / floor; }
  // The strongest line within +-search of f.
  double peak(double f, double search) const { return peak_frequency(e, kFs, f - search, f + search, 0.25); }
};

TMF_TEST(SimMachine, OuterRaceFaultShowsBpfoInEnvelope) {
  const auto params = sim::machine_params_from_seed(7);
  const double bpfo = kBpfoOrder * shaft_rate(params, 0.5);
  const SyntheticMachine faulty(params, constant(0.5, FaultType::outer_race, 0.5));
  const SyntheticMachine healthy(params, constant(0.5));
  const Envelope f(faulty), h(healthy);
  const double peak = f.peak(bpfo, 4);
  std::printf("  outer race: BPFO %.2f Hz, envelope peak %.2f Hz, SNR %.0f, healthy SNR %.1f\n", bpfo,
              peak, f.snr(peak), h.snr(bpfo));
  TMF_EXPECT(std::fabs(peak - bpfo) <= 0.5);
  TMF_EXPECT(f.snr(peak) > 50);
  TMF_EXPECT(h.snr(bpfo) < 10);
}

TMF_TEST(SimMachine, InnerRaceFaultShowsBpfiWithShaftSidebands) {
  const auto params = sim::machine_params_from_seed(8);
  const double fr = shaft_rate(params, 0.5);
  const double bpfi = kBpfiOrder * fr;
  const SyntheticMachine faulty(params, constant(0.5, FaultType::inner_race, 0.5));
  const SyntheticMachine healthy(params, constant(0.5));
  const Envelope f(faulty), h(healthy);
  const double peak = f.peak(bpfi, 4);
  const double lower = f.snr(bpfi - fr), upper = f.snr(bpfi + fr);
  std::printf("  inner race: BPFI %.2f Hz, envelope peak %.2f Hz, SNR %.0f, sidebands %.0f / %.0f\n", bpfi,
              peak, f.snr(peak), lower, upper);
  TMF_EXPECT(std::fabs(peak - bpfi) <= 0.5);
  TMF_EXPECT(f.snr(peak) > 50);
  TMF_EXPECT(lower > 20);
  TMF_EXPECT(upper > 20);
  TMF_EXPECT(h.snr(bpfi) < 10);
  TMF_EXPECT(h.snr(bpfi - fr) < 10);
}

TMF_TEST(SimMachine, BallFaultShowsBallPassLineInEnvelope) {
  const auto params = sim::machine_params_from_seed(9);
  const double fr = shaft_rate(params, 0.5);
  // Ball spin BSF = D/(2d) (1 - (d/D)^2); a ball defect strikes both races: 2 x BSF.
  const double ball_pass = 2 * (1 / (2 * kBallRatio)) * (1 - kBallRatio * kBallRatio) * fr;
  const SyntheticMachine faulty(params, constant(0.5, FaultType::ball, 0.8));
  const SyntheticMachine healthy(params, constant(0.5));
  const Envelope f(faulty), h(healthy);
  const double peak = f.peak(ball_pass, 4);
  std::printf("  ball: 2xBSF %.2f Hz, envelope peak %.2f Hz, SNR %.0f\n", ball_pass, peak, f.snr(peak));
  TMF_EXPECT(std::fabs(peak - ball_pass) <= 0.5);
  TMF_EXPECT(f.snr(peak) > 20);
  TMF_EXPECT(h.snr(ball_pass) < 10);
}

TMF_TEST(SimMachine, LoadRaisesRmsByTheModelFactor) {
  const auto params = sim::machine_params_from_seed(11);
  const SyntheticMachine light(params, constant(0.1)), heavy(params, constant(0.9));
  const double ratio = test::rms(run(heavy, 3.0, 48000)) / test::rms(run(light, 3.0, 48000));
  const double expected = (1 + params.load_gain * 0.9) / (1 + params.load_gain * 0.1);
  std::printf("  RMS ratio load 0.9 / 0.1: %.4f (model %.4f)\n", ratio, expected);
  TMF_EXPECT(std::fabs(ratio / expected - 1) < 0.015);
}

TMF_TEST(SimMachine, LoadRampInTimelineChangesRms) {
  const auto params = sim::machine_params_from_seed(12);
  MachineTimeline tl;
  tl.load = PiecewiseLinear({{10, 0.2}, {20, 1.2}});
  const SyntheticMachine m(params, tl);
  const double before = test::rms(run(m, 5.0, 36000)), after = test::rms(run(m, 22.0, 36000));
  const double expected = (1 + params.load_gain * 1.2) / (1 + params.load_gain * 0.2);
  TMF_EXPECT(std::fabs(after / before / expected - 1) < 0.02);
}

MachineTimeline busy_timeline() {
  MachineTimeline tl;
  tl.load = PiecewiseLinear({{1, 0.2}, {3, 1.0}});
  tl.speed_factor = PiecewiseLinear({{2, 1.0}, {2.5, 1.2}, {4, 1.2}, {4, 0.9}});
  tl.severity[sim::fault_index(FaultType::outer_race)] = PiecewiseLinear({{0.5, 0}, {2.0, 0.7}});
  tl.severity[sim::fault_index(FaultType::inner_race)] = PiecewiseLinear({{1.5, 0}, {1.5, 0.3}});
  tl.severity[sim::fault_index(FaultType::ball)] = PiecewiseLinear({{3.0, 0}, {3.5, 0.4}});
  return tl;
}

TMF_TEST(SimMachine, WindowsJoinWithoutSeamBitExactly) {
  const SyntheticMachine m(sim::machine_params_from_seed(21), busy_timeline());
  for (double t : {-0.05, 0.0, 0.93, 1.71, 2.33, 3.99, 7.0, 3600.0}) {
    for (uint32_t n : {1000u, 333u, 4096u}) {
      const auto whole = run(m, t, 2 * n);
      std::vector<float> parts(2 * n);
      m.generate(t, n, parts.data());
      m.generate(t + n / kFs, n, parts.data() + n);
      TMF_EXPECT_BYTES_EQ(parts.data(), whole.data(), 2 * n * sizeof(float));
      // Uneven pieces, asked for in reverse order.
      std::vector<float> pieces(2 * n);
      const uint32_t a = n / 3, b = n + 7;
      m.generate(t + (a + b) / kFs, 2 * n - a - b, pieces.data() + a + b);
      m.generate(t + a / kFs, b, pieces.data() + a);
      m.generate(t, a, pieces.data());
      TMF_EXPECT_BYTES_EQ(pieces.data(), whole.data(), 2 * n * sizeof(float));
    }
  }
  // Same call, same samples; another seed, another machine.
  const auto a = run(m, 2.2, 500), b = run(m, 2.2, 500);
  TMF_EXPECT_BYTES_EQ(a.data(), b.data(), 500 * sizeof(float));
  const SyntheticMachine other(sim::machine_params_from_seed(22), busy_timeline());
  const auto c = run(other, 2.2, 500);
  TMF_EXPECT(std::memcmp(a.data(), c.data(), 500 * sizeof(float)) != 0);
}

TMF_TEST(SimMachine, SpeedStepKeepsPhaseContinuous) {
  auto params = sim::machine_params_from_seed(5);
  params.noise_g = 0;  // harmonics only: any phase jump would show as a step
  MachineTimeline tl;
  tl.speed_factor = PiecewiseLinear({{1.0, 1.0}, {1.0, 1.5}});
  const SyntheticMachine m(params, tl);
  const auto x = run(m, 0.5, 12000);  // 0.5 s .. 1.5 s, step at sample 6000
  double max_step_elsewhere = 0, max_step_at = 0;
  for (size_t i = 1; i < x.size(); ++i) {
    const double d = std::fabs(static_cast<double>(x[i]) - x[i - 1]);
    if (i >= 5998 && i <= 6002) max_step_at = std::max(max_step_at, d);
    else max_step_elsewhere = std::max(max_step_elsewhere, d);
  }
  TMF_EXPECT(max_step_at <= max_step_elsewhere);
  // And the new rate is 1.5 x after the step.
  const auto late = test::to_double(run(m, 2.0, 48000));
  const double f1 = 1.5 * shaft_rate(params, 0.5);
  TMF_EXPECT(std::fabs(peak_frequency(late, kFs, 5, 200, 0.25) - f1) <= 0.25);
}

TMF_TEST(SimMachine, ThroughputFigure) {
  // A figure for the report, not a check: samples generated per second for one device.
  (void)tmf_test_state_;
  const auto params = sim::machine_params_from_seed(1);
  const SyntheticMachine healthy(params, constant(0.5)), faulty(params, busy_timeline());
  for (const SyntheticMachine* m : {&healthy, &faulty}) {
    std::vector<float> x(120000);
    const auto start = std::chrono::steady_clock::now();
    m->generate(10.0, static_cast<uint32_t>(x.size()), x.data());
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("  synthetic %s: %.2f M samples/s (%.0f x real time at 12 kHz)\n",
                m == &healthy ? "healthy" : "3 faults", x.size() / s / 1e6, x.size() / s / kFs);
  }
}

}  // namespace
}  // namespace tmf
