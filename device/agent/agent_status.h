// Status codes of the device agent's own operations (update outcomes are OtaResult, protocol.h).
#pragma once

#include <stdint.h>

namespace tmf {

enum class AgentStatus : uint8_t {
  kAgentOk = 0,
  kAgentErrArgument,   // null pointer or configuration out of range
  kAgentErrLayout,     // flash geometry cannot hold journal, update area and two slots
  kAgentErrFlash,      // a port flash operation failed (e.g. power lost)
  kAgentErrNoModel,    // no slot holds a valid, verified model
  kAgentErrTransport,  // a publish failed (the agent retries; not fatal)
};

const char* agent_status_to_string(AgentStatus status);

}  // namespace tmf
