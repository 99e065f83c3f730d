// Several axes in the simulator (host/sim/multi_axis.h, issue 16 item 5): a scenario group's
// `axes` gives its devices a MultiAxisMachine whose axis 0 is the single-axis machine bit for bit;
// a defect's impacts reach every axis at the same instants, weaker on the radial-90° and axial axes
// by the mounting gains; bad `axes` values are refused naming the field.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "host/sim/multi_axis.h"
#include "host/sim/scenario.h"
#include "host/sim/scenario_world.h"
#include "host/sim/sim_error.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

std::string scenario_text(const std::string& group_extra) {
  return R"({"name": "m", "seed": 9, "duration_s": 100, "groups": [{"name": "g", "devices": 2)" + group_extra +
         R"(}], "events": [{"at_s": 10, "kind": "fault", "group": "g", "devices": [1], "fault": "inner_race",
         "growth_s": 20, "max_severity": 0.7}]})";
}

TMF_TEST(SimMultiAxis, ScenarioAxesGiveAMultiAxisSourceWhoseAxis0IsTheSingleAxisMachine) {
  const sim::Scenario one = sim::scenario_parse(scenario_text(""), "one.json");
  const sim::Scenario three = sim::scenario_parse(scenario_text(R"(, "axes": 3)"), "three.json");
  TMF_EXPECT_EQ(one.groups[0].axes, 1u);
  TMF_EXPECT_EQ(three.groups[0].axes, 3u);
  for (uint32_t device = 0; device < 2; ++device) {
    const auto single = sim::make_device_source(one, "g", device);
    const auto multi = sim::make_device_source(three, "g", device);
    TMF_EXPECT_EQ(single->axes(), 1u);
    TMF_ASSERT(multi->axes() == 3u);
    const uint32_t n = 3000;  // across the fault's growth for device 1 (t = 25 s)
    std::vector<float> x(n), frames(3 * n);
    single->generate(25.0, n, x.data());
    multi->generate(25.0, n, frames.data());
    uint32_t same = 0, other_axes_differ = 0;
    for (uint32_t k = 0; k < n; ++k) {
      same += std::memcmp(&x[k], &frames[3 * k], 4) == 0;
      other_axes_differ += frames[3 * k + 1] != x[k] && frames[3 * k + 2] != x[k];
    }
    TMF_EXPECT_EQ(same, n);
    TMF_EXPECT(other_axes_differ > n - 10);
  }
}

TMF_TEST(SimMultiAxis, ImpactsReachEveryAxisAtOnceWeakerOffTheLoadDirection) {
  // The impacts alone: a faulty machine minus the same machine healthy (noise and harmonics are
  // the same draws on each axis, so they cancel).
  const sim::MachineParams base = sim::machine_params_from_seed(3);
  sim::MachineTimeline healthy, faulty;
  healthy.load = faulty.load = sim::PiecewiseLinear(0.5);
  faulty.severity[sim::fault_index(sim::FaultType::outer_race)] = sim::PiecewiseLinear(1.0);
  const sim::MultiAxisMachine h(base, healthy, 3), f(base, faulty, 3);
  const uint32_t n = 24000;  // 2 s: about 210 impacts at BPFO
  std::vector<float> hx(3 * n), fx(3 * n);
  h.generate_interleaved(1.0, n, hx.data());
  f.generate_interleaved(1.0, n, fx.data());
  std::vector<std::vector<double>> d(3, std::vector<double>(n));
  std::vector<double> peak(3, 0), energy(3, 0);
  for (uint32_t a = 0; a < 3; ++a) {
    for (uint32_t k = 0; k < n; ++k) {
      d[a][k] = static_cast<double>(fx[3 * k + a]) - static_cast<double>(hx[3 * k + a]);
      peak[a] = std::max(peak[a], std::fabs(d[a][k]));
      energy[a] += d[a][k] * d[a][k];
    }
  }
  // Onsets: the first sample above 2 % of the axis's peak after 10 quiet samples.
  auto onsets = [&](uint32_t a) {
    std::vector<uint32_t> out;
    uint32_t quiet = 0;
    for (uint32_t k = 0; k < n; ++k) {
      if (std::fabs(d[a][k]) > 0.02 * peak[a]) {
        if (quiet >= 10) out.push_back(k);
        quiet = 0;
      } else {
        ++quiet;
      }
    }
    return out;
  };
  const std::vector<uint32_t> o0 = onsets(0);
  TMF_ASSERT(o0.size() > 150);
  for (uint32_t a = 1; a < 3; ++a) {
    const std::vector<uint32_t> oa = onsets(a);
    uint32_t together = 0;
    for (uint32_t k : o0) {
      for (uint32_t j : oa) together += (j + 1 >= k && j <= k + 1) ? 1 : 0;
    }
    std::printf("axis %u: %zu onsets, %u of axis 0's %zu within one sample\n", a, oa.size(), together, o0.size());
    TMF_EXPECT(together >= o0.size() * 95 / 100);
  }
  // A ringing impact of peak A carries about A^2 / (4 zeta omega): with the same damping ratio on
  // every axis, RMS ratio = impact gain x sqrt(resonance ratio): radial-90° 0.7 x sqrt(1/1.2),
  // axial 0.4 x sqrt(1/0.8) (multi_axis.h's mounting gains).
  const double want[3] = {1.0, 0.7 * std::sqrt(1 / 1.2), 0.4 * std::sqrt(1 / 0.8)};
  for (uint32_t a = 1; a < 3; ++a) {
    const double ratio = std::sqrt(energy[a] / energy[0]);
    std::printf("axis %u: impact RMS ratio %.3f (expected %.3f)\n", a, ratio, want[a]);
    TMF_EXPECT(std::fabs(ratio / want[a] - 1) < 0.1);
  }
}

TMF_TEST(SimMultiAxis, BadAxesAreRefusedNamingTheField) {
  TMF_EXPECT_THROWS(sim::scenario_parse(scenario_text(R"(, "axes": 0)"), "bad.json"), sim::SimError,
                    "bad.json: groups[0].axes: 0 is out of range [1, 8]");
  TMF_EXPECT_THROWS(sim::scenario_parse(scenario_text(R"(, "axes": 9)"), "bad.json"), sim::SimError,
                    "bad.json: groups[0].axes: 9 is out of range [1, 8]");
  TMF_EXPECT_THROWS(sim::scenario_parse(scenario_text(R"(, "axes": 2, "source": "replay", "replay": {"data": "d"})"),
                                        "bad.json"),
                    sim::SimError, "bad.json: groups[0].axes: only synthetic groups have several axes");
}

}  // namespace
}  // namespace tmf
