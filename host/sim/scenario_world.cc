// Per-device timelines, signal sources and ground truth of a scenario.
#include "host/sim/scenario_world.h"

#include <algorithm>
#include <numeric>

#include "host/sim/counter_rng.h"
#include "host/sim/multi_axis.h"
#include "host/sim/recording_replay.h"
#include "host/sim/sim_error.h"
#include "host/sim/synthetic_machine.h"

namespace tmf::sim {
namespace {

using Knots = std::vector<PiecewiseLinear::Knot>;

// From `at` on, ramp linearly from the current value to `target` over `ramp` seconds (a step if
// ramp is 0). Whatever an earlier ramp still planned after `at` is replaced.
void ramp_to(Knots* knots, double at, double ramp, double target) {
  const double current = PiecewiseLinear(*knots).at(at);
  knots->erase(std::remove_if(knots->begin(), knots->end(),
                              [at](const PiecewiseLinear::Knot& k) { return k.t > at; }),
               knots->end());
  knots->push_back({at, current});
  knots->push_back({at + ramp, target});
}

// Event indices by at_s, file order for ties.
std::vector<size_t> events_in_time_order(const Scenario& s) {
  std::vector<size_t> order(s.events.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return s.events[a].at_s < s.events[b].at_s; });
  return order;
}

const GroupSpec& checked_group(const Scenario& s, const std::string& group, uint32_t device_index) {
  const GroupSpec& g = s.group(group);
  if (device_index >= g.devices) {
    throw SimError(s.file + ": group '" + group + "' has " + std::to_string(g.devices) +
                   " device(s), no index " + std::to_string(device_index));
  }
  return g;
}

}  // namespace

MachineTimeline scenario_timeline(const Scenario& s, const std::string& group, uint32_t device_index) {
  const GroupSpec& g = checked_group(s, group, device_index);
  Knots load{{0, g.load}}, speed{{0, 1.0}};
  std::array<Knots, 3> severity{Knots{{0, 0.0}}, Knots{{0, 0.0}}, Knots{{0, 0.0}}};
  for (size_t i : events_in_time_order(s)) {
    const EventSpec& e = s.events[i];
    if (e.group != group || !e.applies_to(device_index)) continue;
    switch (e.kind) {
      case EventKind::load_change: ramp_to(&load, e.at_s, e.ramp_s, e.load); break;
      case EventKind::speed_change: ramp_to(&speed, e.at_s, e.ramp_s, e.speed); break;
      case EventKind::fault:
        ramp_to(&severity[fault_index(e.fault)], e.at_s, e.growth_s, e.max_severity);
        break;
    }
  }
  MachineTimeline t;
  t.load = PiecewiseLinear(std::move(load));
  t.speed_factor = PiecewiseLinear(std::move(speed));
  for (size_t f = 0; f < 3; ++f) t.severity[f] = PiecewiseLinear(std::move(severity[f]));
  return t;
}

MachineCondition scenario_condition(const Scenario& s, const std::string& group, uint32_t device_index,
                                    double t) {
  return scenario_timeline(s, group, device_index).at(t);
}

uint64_t device_seed(const Scenario& s, const std::string& group, uint32_t device_index) {
  return draw_key(s.seed, hash_name(group.c_str()), device_index);
}

namespace {

std::unique_ptr<VibrationSource> build_device_source(const Scenario& s, const GroupSpec& g, uint32_t device_index) {
  const std::string& group = g.name;
  MachineTimeline timeline = scenario_timeline(s, group, device_index);
  const uint64_t seed = device_seed(s, group, device_index);
  if (g.source == SourceKind::synthetic) {
    const MachineParams params = machine_params_from_seed(seed, s.sample_rate_hz, g.shaft_hz);
    // Several axes: axis 0 is the single-axis machine, the others see the same shaft and impacts.
    if (g.axes > 1) return std::make_unique<MultiAxisMachine>(params, timeline, g.axes);
    return std::make_unique<SyntheticMachine>(params, std::move(timeline));
  }
  // Replay: the recording was made at the group's initial load; changes act relative to it,
  // with the same slip and amplitude laws as the synthetic machine.
  const MachineParams laws;
  const double load0 = g.load;
  const ReplaySpec& r = g.replay;
  auto replay = std::make_unique<RecordingReplay>(
      replay_pick(r.data, ClipFilter{r.condition, r.load_hp, std::nullopt}, seed), seed, s.sample_rate_hz);
  replay->set_speed(combine_knots(timeline.speed_factor, timeline.load, [&](double v, double l) {
    return v * (1 - laws.slip_per_load * l) / (1 - laws.slip_per_load * load0);
  }));
  replay->set_gain(combine_knots(timeline.load, timeline.load, [&](double l, double) {
    return (1 + laws.load_gain * l) / (1 + laws.load_gain * load0);
  }));
  for (FaultType f : kFaultTypes) {
    const PiecewiseLinear& severity = timeline.severity[fault_index(f)];
    if (severity.max_value() <= 0) continue;
    replay->add_fault(replay_pick(r.data, ClipFilter{to_string(f), r.load_hp, r.fault_size_in},
                                  mix64(seed + fault_index(f) + 1)),
                      severity);
  }
  return replay;
}

}  // namespace

std::unique_ptr<VibrationSource> make_device_source(const Scenario& s, const std::string& group,
                                                    uint32_t device_index) {
  const GroupSpec& g = checked_group(s, group, device_index);
  try {
    return build_device_source(s, g, device_index);
  } catch (const SimError& e) {  // e.g. a shaft rate the sample rate cannot carry
    throw SimError(s.file + ": device " + device_id(group, device_index) + ": " + e.what());
  }
}

std::vector<FaultTruth> scenario_faults(const Scenario& s) {
  std::vector<FaultTruth> out;
  for (size_t i : events_in_time_order(s)) {
    const EventSpec& e = s.events[i];
    if (e.kind != EventKind::fault) continue;
    const GroupSpec& g = s.group(e.group);
    for (uint32_t d = 0; d < g.devices; ++d) {
      if (!e.applies_to(d)) continue;
      out.push_back(FaultTruth{g.name, d, device_id(g.name, d), e.fault, e.at_s, e.at_s + e.growth_s,
                               e.max_severity});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const FaultTruth& a, const FaultTruth& b) {
    if (a.onset_s != b.onset_s) return a.onset_s < b.onset_s;
    if (a.group != b.group) return a.group < b.group;
    return a.device_index < b.device_index;
  });
  return out;
}

std::vector<DriftTruth> scenario_drifts(const Scenario& s) {
  std::vector<DriftTruth> out;
  for (size_t i : events_in_time_order(s)) {
    const EventSpec& e = s.events[i];
    if (e.kind == EventKind::fault) continue;
    out.push_back(DriftTruth{e.group, e.kind, e.at_s, e.ramp_s,
                             e.kind == EventKind::load_change ? e.load : e.speed, e.all_devices, e.devices});
  }
  return out;
}

}  // namespace tmf::sim
