// A device's last fault as the registry keeps it (migration 13, docs/registry.md): which EVENT
// results count as one, their names, and the one JSON form the CLI and the API print.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "device/agent/protocol.h"
#include "host/registry/registry.h"

namespace tmf::fleet {

// "TRIAL_FAULT", "CONFIRMED_FAULTS", "CONFIRMED_WATCHDOG", "TRIAL_WATCHDOG" for the results a device
// reverts with on its own after a fault or watchdog reset (docs/protocol.md); nullopt otherwise.
std::optional<std::string> device_fault_name(OtaResult result);

// {code, name, description, detail, pc, at}, or null when the device reported none.
nlohmann::json device_fault_json(const std::optional<registry::DeviceFault>& fault);

// "CONFIRMED_WATCHDOG pc=0x10000f2a" (a table cell), "-" when none.
std::string device_fault_cell(const std::optional<registry::DeviceFault>& fault);

}  // namespace tmf::fleet
