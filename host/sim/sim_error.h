// The one error type of host/sim: every message names the file (scenario, manifest) and, where
// known, the field and event index: "demo.json: events[2].load: 1.8 is out of range [0, 1.5]".
#pragma once

#include <stdexcept>

namespace tmf::sim {

class SimError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tmf::sim
