// Scenario files: parsing, messages that name the field and event index, conditions at ramp
// midpoints (linear interpolation worked out by hand), ground truth, device ids, and the demo
// scenario end to end (a synthetic device's envelope shows BPFO only after its fault onset).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "host/sim/scenario.h"
#include "host/sim/scenario_world.h"
#include "host/sim/sim_error.h"
#include "host/sim/synthetic_machine.h"
#include "tests/sim/spectrum.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using sim::EventKind;
using sim::FaultType;
using sim::Scenario;
using sim::SimError;

const std::string kDemo = std::string(TMF_SOURCE_DIR) + "/scenarios/demo.json";

// A valid scenario; the error tests replace one piece of it.
const char* kGood = R"({
  "name": "t", "seed": 5, "duration_s": 1000, "speed": 10, "window_period_s": 2,
  "groups": [
    {"name": "a", "devices": 4, "link": {"loss_percent": 2, "latency_ms": 20, "kbps": 100}},
    {"name": "b", "devices": 2, "source": "replay", "replay": {"data": "rel/data", "condition": "normal"}, "load": 0.2}
  ],
  "events": [
    {"at_s": 200, "kind": "load_change", "group": "a", "devices": "all", "load": 0.9, "ramp_s": 100},
    {"at_s": 100, "kind": "fault", "group": "a", "devices": [1, 3], "fault": "outer_race", "growth_s": 600, "max_severity": 0.8},
    {"at_s": 400, "kind": "speed_change", "group": "b", "speed": 1.2, "ramp_s": 40},
    {"at_s": 250, "kind": "load_change", "group": "a", "devices": [2], "load": 0.1, "ramp_s": 0}
  ]
})";

std::string replaced(const std::string& from, const std::string& to) {
  std::string s = kGood;
  const size_t at = s.find(from);
  if (at == std::string::npos) return "(test bug: '" + from + "' not in the scenario)";
  return s.replace(at, from.size(), to);
}

TMF_TEST(SimScenario, ParsesFieldsAndDefaults) {
  const Scenario s = sim::scenario_parse(kGood, "t.json", "/base");
  TMF_EXPECT(s.name == "t" && s.fleet == "t");
  TMF_EXPECT_EQ(s.seed, 5);
  TMF_EXPECT(s.duration_s == 1000 && s.speed == 10 && s.window_period_s == 2 && s.sample_rate_hz == 12000);
  TMF_ASSERT(s.groups.size() == 2);
  TMF_EXPECT(s.groups[0].source == sim::SourceKind::synthetic && s.groups[0].load == 0.5);
  TMF_EXPECT(s.groups[0].link.loss_percent == 2 && s.groups[0].link.latency_ms == 20 && s.groups[0].link.kbps == 100);
  TMF_EXPECT(s.groups[1].source == sim::SourceKind::replay);
  TMF_EXPECT(s.groups[1].replay.data == "/base/rel/data");
  TMF_EXPECT(s.groups[1].link.kbps == 0);  // unlimited
  TMF_EXPECT_EQ(s.device_count(), 6);
  TMF_ASSERT(s.events.size() == 4);
  TMF_EXPECT(s.events[1].kind == EventKind::fault && s.events[1].fault == FaultType::outer_race);
  TMF_EXPECT(!s.events[1].all_devices && s.events[1].devices.size() == 2);
  TMF_EXPECT(s.events[2].all_devices);  // "devices" omitted = all
}

TMF_TEST(SimScenario, RejectsBadInputNamingFieldAndEvent) {
  struct Case {
    std::string text;
    const char* message;
  };
  const Case cases[] = {
      {"{", "bad.json: not valid JSON"},
      {replaced(R"("duration_s": 1000, )", ""), "bad.json: duration_s: missing"},
      {replaced(R"("speed": 10)", R"("speed": 0)"), "bad.json: speed: 0 is out of range (0, 1e+06]"},
      {replaced(R"("speed": 10)", R"("speed": "fast")"), "bad.json: speed: expected a number"},
      {replaced(R"("seed": 5)", R"("seed": -5)"), "bad.json: seed: -5 is out of range"},
      {replaced(R"("seed": 5)", R"("sead": 5)"), "bad.json: sead: unknown field"},
      {replaced(R"("devices": 4)", R"("devices": 0)"), "bad.json: groups[0].devices: 0 is out of range [1, 1000]"},
      {replaced(R"("name": "a")", R"("name": "B a")"), "bad.json: groups[0].name: 'B a' must be"},
      {replaced(R"("name": "b")", R"("name": "a")"), "bad.json: groups[1].name: duplicate group 'a'"},
      {replaced(R"("source": "replay")", R"("source": "tape")"), "bad.json: groups[1].source: unknown source 'tape'"},
      {replaced(R"("kbps": 100)", R"("kbs": 100)"), "bad.json: groups[0].link.kbs: unknown field"},
      {replaced(R"("loss_percent": 2)", R"("loss_percent": 120)"),
       "bad.json: groups[0].link.loss_percent: 120 is out of range [0, 100]"},
      {replaced(R"("condition": "normal")", R"("condition": "normal", "hp": 1)"),
       "bad.json: groups[1].replay.hp: unknown field"},
      {replaced(R"("kind": "load_change", "group": "a", "devices": "all")",
                R"("kind": "explode", "group": "a", "devices": "all")"),
       "bad.json: events[0].kind: unknown kind 'explode' (expected load_change, speed_change or fault)"},
      {replaced(R"("load": 0.9)", R"("load": 1.8)"), "bad.json: events[0].load: 1.8 is out of range [0, 1.5]"},
      {replaced(R"("load": 0.9)", R"("lod": 0.9)"), "bad.json: events[0].load: missing"},
      {replaced(R"("ramp_s": 100)", R"("ramp_s": 100, "rmp_s": 1)"), "bad.json: events[0].rmp_s: unknown field"},
      {replaced(R"("at_s": 200)", R"("at_s": 2000)"), "bad.json: events[0].at_s: 2000 is out of range [0, 1000]"},
      {replaced(R"([1, 3])", R"([1, 4])"), "bad.json: events[1].devices[1]: 4 is out of range: group 'a' has 4 device(s)"},
      {replaced(R"([1, 3])", R"("some")"), "bad.json: events[1].devices: expected \"all\" or a list"},
      {replaced(R"("fault": "outer_race")", R"("fault": "cage")"), "bad.json: events[1].fault: unknown fault 'cage'"},
      {replaced(R"("max_severity": 0.8)", R"("max_severity": 1.5)"),
       "bad.json: events[1].max_severity: 1.5 is out of range (0, 1]"},
      {replaced(R"("group": "b")", R"("group": "c")"), "bad.json: events[2].group: unknown group 'c'"},
      {replaced(R"("speed": 1.2)", R"("speed": 5)"), "bad.json: events[2].speed: 5 is out of range [0.25, 2]"},
  };
  for (const Case& c : cases) TMF_EXPECT_THROWS(sim::scenario_parse(c.text, "bad.json"), SimError, c.message);
}

TMF_TEST(SimScenario, ConditionsAtRampMidpoints) {
  const Scenario s = sim::scenario_parse(kGood, "t.json");
  // Load of group a: 0.5 until 200, ramps to 0.9 by 300. Midpoint 250: 0.7.
  TMF_EXPECT(std::fabs(sim::scenario_condition(s, "a", 0, 199).load - 0.5) < 1e-12);
  TMF_EXPECT(std::fabs(sim::scenario_condition(s, "a", 0, 250).load - 0.7) < 1e-12);
  TMF_EXPECT(std::fabs(sim::scenario_condition(s, "a", 0, 300).load - 0.9) < 1e-12);
  TMF_EXPECT(std::fabs(sim::scenario_condition(s, "a", 0, 900).load - 0.9) < 1e-12);
  // Device 2 is interrupted at 250 (load 0.7) by a step to 0.1.
  TMF_EXPECT(std::fabs(sim::scenario_condition(s, "a", 2, 249.999).load - 0.699996) < 1e-9);
  TMF_EXPECT(std::fabs(sim::scenario_condition(s, "a", 2, 250).load - 0.1) < 1e-12);
  TMF_EXPECT(std::fabs(sim::scenario_condition(s, "a", 2, 600).load - 0.1) < 1e-12);
  // Fault on a1, a3 from 100, severity 0 -> 0.8 over 600 s: 0.4 at 400, 0.8 from 700.
  const auto c = sim::scenario_condition(s, "a", 1, 400);
  TMF_EXPECT(c.fault == FaultType::outer_race && std::fabs(c.severity - 0.4) < 1e-12);
  TMF_EXPECT(std::fabs(sim::scenario_condition(s, "a", 3, 1000).severity - 0.8) < 1e-12);
  TMF_EXPECT(sim::scenario_condition(s, "a", 1, 99).fault == FaultType::none);
  TMF_EXPECT(sim::scenario_condition(s, "a", 0, 400).fault == FaultType::none);  // not listed
  // Speed of group b: 1 until 400, 1.2 at 440; midpoint 420: 1.1. Load stays at the group's 0.2.
  TMF_EXPECT(std::fabs(sim::scenario_condition(s, "b", 1, 420).speed_factor - 1.1) < 1e-12);
  TMF_EXPECT(std::fabs(sim::scenario_condition(s, "b", 1, 420).load - 0.2) < 1e-12);
  TMF_EXPECT_THROWS(sim::scenario_condition(s, "b", 2, 0), SimError, "group 'b' has 2 device(s), no index 2");
  TMF_EXPECT_THROWS(sim::scenario_condition(s, "z", 0, 0), SimError, "t.json: no group 'z'");
  // A machine the sample rate cannot carry is refused when its source is made, naming the device.
  const Scenario slow = sim::scenario_parse(
      R"({"name": "s", "duration_s": 10, "sample_rate_hz": 1000, "groups": [{"name": "g", "devices": 1, "shaft_hz": 150}]})",
      "slow.json");
  TMF_EXPECT_THROWS(sim::make_device_source(slow, "g", 0), SimError,
                    "slow.json: device g-00: synthetic machine: shaft_hz must be in (0, 0.1 fs)");
}

TMF_TEST(SimScenario, GroundTruthAndDeviceIds) {
  const Scenario s = sim::scenario_parse(kGood, "t.json");
  const auto faults = sim::scenario_faults(s);
  TMF_ASSERT(faults.size() == 2);
  TMF_EXPECT(faults[0].device_id == "a-01" && faults[1].device_id == "a-03");
  TMF_EXPECT(faults[0].onset_s == 100 && faults[0].full_s == 700 && faults[0].max_severity == 0.8);
  const auto drifts = sim::scenario_drifts(s);
  TMF_ASSERT(drifts.size() == 3);  // in time order: 200 (a, all), 250 (a, [2]), 400 (b)
  TMF_EXPECT(drifts[0].at_s == 200 && drifts[0].kind == EventKind::load_change && drifts[0].all_devices);
  TMF_EXPECT(drifts[1].at_s == 250 && !drifts[1].all_devices && drifts[1].devices.size() == 1);
  TMF_EXPECT(drifts[2].group == "b" && drifts[2].kind == EventKind::speed_change && drifts[2].target == 1.2);
  TMF_EXPECT(sim::device_id("line-a", 7) == "line-a-07");
  TMF_EXPECT(sim::device_id("b", 0) == "b-00");
  TMF_EXPECT(sim::device_id("b", 123) == "b-123");
}

TMF_TEST(SimScenario, LoadChecksReplayRecordingsAndNamesTheGroup) {
  const auto dir = std::filesystem::temp_directory_path() / ("tmf_sim_scenario_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string bearing = std::string(TMF_SHARED_DIR) + "/data/bearing";
  auto write = [&](const std::string& replay) {
    std::ofstream(dir / "s.json") << R"({"name": "x", "duration_s": 100, "groups": [{"name": "g", "devices": 2},
      {"name": "r", "devices": 1, "source": "replay", "replay": )" << replay << R"(}],
      "events": [{"at_s": 10, "kind": "fault", "group": "r", "fault": "inner_race"}]})";
    return (dir / "s.json").string();
  };
  // inner_race 0.007 exists at 1-3 hp only; the normal baseline only at 0 hp.
  const std::string bad = write(R"({"data": ")" + bearing + R"(", "load_hp": 0, "fault_size_in": 0.007})");
  TMF_EXPECT_THROWS(sim::scenario_load(bad), SimError,
                    "s.json: groups[1].replay: " + bearing +
                        "/manifest.csv: no recording with condition 'inner_race', motor_load_hp 0, fault_size_in 0.007");
  const std::string good = write(R"({"data": ")" + bearing + R"(", "load_hp": 0, "fault_size_in": 0.021})");
  TMF_EXPECT(sim::scenario_load(good).groups[1].replay.fault_size_in == 0.021);
  TMF_EXPECT_THROWS(sim::scenario_load((dir / "none.json").string()), SimError, "none.json: cannot open scenario file");
  std::filesystem::remove_all(dir);
}

TMF_TEST(SimScenario, DemoScenarioDevicesFollowTheTimeline) {
  const Scenario s = sim::scenario_load(kDemo);
  TMF_EXPECT(s.device_count() >= 20);
  for (const auto& g : s.groups) {
    for (uint32_t i = 0; i < g.devices; ++i) {
      const auto source = sim::make_device_source(s, g.name, i);
      TMF_EXPECT(source->sample_rate_hz() == s.sample_rate_hz);
    }
  }
  // line-a-03 gets an outer-race fault at 1800 s that grows over 600 s; load 0.9 from 1260 s.
  const auto source = sim::make_device_source(s, "line-a", 3);
  const auto* machine = dynamic_cast<const sim::SyntheticMachine*>(source.get());
  TMF_ASSERT(machine != nullptr);
  const auto& p = machine->params();
  const double bpfo = 4.5 * (1 - 0.3126 / 1.537) * p.shaft_hz * (1 - p.slip_per_load * 0.9);
  auto snr_at = [&](double t) {
    std::vector<float> x(24000);
    source->generate(t, 24000, x.data());
    const auto e = test::envelope(x);
    return test::power_at(e, 12000, bpfo) / test::median_power(e, 12000, 10, 500, 0.5);
  };
  const double before = snr_at(1700), after = snr_at(2500);
  std::printf("  demo line-a-03: envelope SNR at BPFO %.1f before onset, %.0f after\n", before, after);
  TMF_EXPECT(before < 10);
  TMF_EXPECT(after > 50);
  // The replay group plays real data; the same window twice is the same.
  const auto replay = sim::make_device_source(s, "line-b", 1);
  std::vector<float> a(1000), b(1000);
  replay->generate(2100, 1000, a.data());
  replay->generate(2100, 1000, b.data());
  TMF_EXPECT_BYTES_EQ(a.data(), b.data(), sizeof(float) * 1000);
}

}  // namespace
}  // namespace tmf
