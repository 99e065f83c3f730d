// MachineTimeline::at and the fault-type names.
#include "host/sim/machine_condition.h"

namespace tmf::sim {

const char* to_string(FaultType f) {
  switch (f) {
    case FaultType::none: return "none";
    case FaultType::outer_race: return "outer_race";
    case FaultType::inner_race: return "inner_race";
    case FaultType::ball: return "ball";
  }
  return "?";
}

bool parse_fault_type(std::string_view text, FaultType* out) {
  for (FaultType f : {FaultType::none, FaultType::outer_race, FaultType::inner_race, FaultType::ball}) {
    if (text == to_string(f)) {
      *out = f;
      return true;
    }
  }
  return false;
}

MachineCondition MachineTimeline::at(double t) const {
  MachineCondition c;
  c.load = load.at(t);
  c.speed_factor = speed_factor.at(t);
  for (FaultType f : kFaultTypes) {
    const double s = severity[fault_index(f)].at(t);
    c.severity_by_fault[fault_index(f)] = s;
    if (s > c.severity) {
      c.severity = s;
      c.fault = f;
    }
  }
  return c;
}

}  // namespace tmf::sim
