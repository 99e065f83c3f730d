// Names and JSON of a device's last fault (see device_fault.h).
#include "host/fleet/device_fault.h"

#include <cstdio>

namespace tmf::fleet {
namespace {

std::string pc_text(uint32_t pc) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", pc);
  return text;
}

}  // namespace

std::optional<std::string> device_fault_name(OtaResult result) {
  switch (result) {
    case OtaResult::kOtaResultTrialFault: return "TRIAL_FAULT";
    case OtaResult::kOtaResultConfirmedFaults: return "CONFIRMED_FAULTS";
    case OtaResult::kOtaResultConfirmedWatchdog: return "CONFIRMED_WATCHDOG";
    case OtaResult::kOtaResultTrialWatchdog: return "TRIAL_WATCHDOG";
    default: return std::nullopt;
  }
}

nlohmann::json device_fault_json(const std::optional<registry::DeviceFault>& fault) {
  if (!fault) return nullptr;
  // The code comes from the registry (any integer): only a byte is a result code.
  const char* description = fault->code >= 0 && fault->code <= 255
                                ? ota_result_to_string(static_cast<OtaResult>(fault->code))
                                : "unknown result";
  return {{"code", fault->code},       {"name", fault->name},          {"description", description},
          {"detail", fault->detail},   {"pc", pc_text(fault->detail)}, {"at", fault->at}};
}

std::string device_fault_cell(const std::optional<registry::DeviceFault>& fault) {
  if (!fault) return "-";
  return fault->name + " pc=" + pc_text(fault->detail);
}

}  // namespace tmf::fleet
