// The operating state of one machine over scenario time: load, speed factor and the severity of
// each bearing fault type, as piecewise-linear profiles (ramps interpolate linearly).
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "host/sim/piecewise_linear.h"

namespace tmf::sim {

enum class FaultType { none, outer_race, inner_race, ball };
constexpr std::array<FaultType, 3> kFaultTypes = {FaultType::outer_race, FaultType::inner_race,
                                                  FaultType::ball};
const char* to_string(FaultType f);
// "outer_race", "inner_race", "ball" (and "none"); false for anything else.
bool parse_fault_type(std::string_view text, FaultType* out);
inline size_t fault_index(FaultType f) { return static_cast<size_t>(f) - 1; }  // f != none

// The state at one instant.
struct MachineCondition {
  double load = 0;           // 0 = idle, 1 = rated, up to 1.5 (overload)
  double speed_factor = 1;   // commanded speed relative to the machine's nominal speed
  FaultType fault = FaultType::none;  // the fault type with the largest severity (none if all 0)
  double severity = 0;       // its severity in [0, 1]
  std::array<double, 3> severity_by_fault{};  // indexed by fault_index
};

struct MachineTimeline {
  PiecewiseLinear load{0.5};
  PiecewiseLinear speed_factor{1.0};
  std::array<PiecewiseLinear, 3> severity{PiecewiseLinear(0.0), PiecewiseLinear(0.0),
                                          PiecewiseLinear(0.0)};  // by fault_index

  MachineCondition at(double t) const;
};

}  // namespace tmf::sim
