// The rollout's health gate: what a device's own TELEMETRY with the new model says during the
// gate window, and whether it breaks one of the rollout's bounds (docs/deploy.md, step 5).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "device/agent/protocol.h"
#include "host/deploy/rollout.h"

namespace tmf::deploy {

struct HealthGateTally {
  uint32_t batches = 0, windows = 0, alarms = 0;
  uint64_t cycles_sum = 0;  // inference cycles x windows
  std::optional<uint32_t> first_boot, first_dropped, first_incarnation;
  bool journal_replaced = false;  // a batch of another incarnation: the journal was erased
  uint32_t last_boot = 0, last_dropped = 0;
  // Counts one batch of the new model (the caller checks the model).
  void add(const OtaTelemetry& t);
};

// Why the gate fails so far ("" if nothing breaks a bound of `options`).
std::string health_gate_verdict(const HealthGateTally& tally, const RolloutOptions& options);

}  // namespace tmf::deploy
