// The rollout engine behind `tinymlops deploy`: staged waves over a device group, the OTA sender
// (manifest, chunk answers) over the fleet link (host/fleet: enrolled devices only), health gates
// on the devices' own TELEMETRY after confirm, and automatic halt plus
// rollback of a failing stage. Every per-device transition is written to the registry, so a
// restarted `deploy` resumes the same deployment (same update_id: devices resume their download).
// The deployment's state row is also the operator's control: paused or cancelled from any process
// (rollout_control.h), read before every offer and every 0.2 s.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "device/agent/protocol.h"
#include "host/fleet/link.h"
#include "host/registry/registry.h"

namespace tmf::deploy {

struct RolloutOptions {
  fleet::BrokerSettings broker;
  fleet::FleetEnrolment enrolment;      // who may take part (empty: an open lab link)
  std::string fleet = "fleet";
  std::string group;
  std::vector<std::string> stages = {"1", "10%", "100%"};  // cumulative: a count or a percentage
  uint32_t chunk_bytes = 4096;          // largest chunk served (manifest chunk_bytes)
  double discover_seconds = 2.0;        // collect retained info/status/presence before starting
  double gate_seconds = 3.0;            // observation window after a device confirms
  double resend_seconds = 5.0;          // re-send the manifest to a device silent this long
  double stage_timeout_seconds = 900.0; // a device not done by then counts as failed
  uint32_t max_failures = 0;            // failed devices a stage tolerates before halt + rollback
  // Health gate, judged on the device's own TELEMETRY batches that report the new model during
  // the gate window (docs/deploy.md). Bounds left at their defaults do not judge.
  double max_alarm_rate = std::numeric_limits<double>::infinity();  // alarms raised per window
  uint32_t max_dropped_batches = std::numeric_limits<uint32_t>::max();  // growth of dropped_batches
  uint32_t max_reboots = std::numeric_limits<uint32_t>::max();          // growth of the boot count
  uint32_t max_inference_cycles = std::numeric_limits<uint32_t>::max(); // mean cycles per window
  uint32_t min_telemetry_batches = 0;   // batches with the new model the gate must see
  std::string record_key;               // secret key file signing the deployment records (deploy_record.h)
  uint32_t security_counter = 0;        // anti-rollback counter the records carry (raise for security fixes)
  // The loop's release stages (docs/loop.md "Approval"). Non-empty member_key_id (hex key id):
  // only devices of the group whose INFO lists that trusted key take part (the canary key's
  // devices). Non-empty file: sent instead of the registry artifact (the same content signed by
  // another key). Non-empty record: a record signed elsewhere (`loop approve --signing-key`).
  std::string member_key_id;
  std::vector<uint8_t> file;
  std::vector<uint8_t> record;
  std::function<void(const std::string&)> log;  // progress lines (may be empty)
};

struct RolloutResult {
  int64_t deployment = 0;
  uint32_t update_id = 0;
  registry::DeploymentState state = registry::DeploymentState::kRunning;  // completed, rolled_back or cancelled when run returns
  std::string reason;
  double seconds = 0;         // the whole command: discovery, stages, gates
  double update_seconds = 0;  // first manifest sent to the last device confirming (the transfer, end to end)
  uint32_t devices = 0, healthy = 0, failed = 0, rolled_back = 0;
  uint32_t cancelled = 0;  // devices of a cancelled rollout's last stage that had not finished
  uint64_t chunks_sent = 0, bytes_sent = 0;
  uint64_t chunks_resent = 0;  // ranges served more than once (lost chunks or requests)
  uint64_t broker_reconnects = 0;
  fleet::FleetLinkCounters link;  // messages refused by the link (not enrolled, malformed)
  uint32_t refused = 0;  // fleet-aware deploy: devices no variant fits (nothing sent)
  std::map<std::string, std::string> assigned;  // device -> "name:version" it was given, or "" if refused
  std::map<std::string, std::string> refusals;  // device -> why no variant fits
};

// Parses "1,10%,100%" into cumulative device counts for a group of `devices`; throws
// std::invalid_argument naming the bad stage.
std::vector<uint32_t> rollout_stage_sizes(const std::vector<std::string>& stages, uint32_t devices);

// Deploys `version` to `options.group`; resumes a running or paused deployment of the same
// version and group if there is one. Blocks until the rollout completes, rolls back or is
// cancelled; while an operator has it paused (rollout_control.h) it offers no device and waits.
RolloutResult rollout_run(registry::Registry& registry, const registry::VersionInfo& version,
                          const RolloutOptions& options);

// Fleet-aware deploy: `variants` ordered by preference (most accurate first). Every device of
// the group gets the first variant that fits the hardware its INFO reports (arena <= ram_bytes,
// flash <= slot_bytes, opcodes built into its firmware); a device no variant fits is `refused`
// with the reason and gets nothing. The deployment row names the first variant.
RolloutResult rollout_run_variants(registry::Registry& registry, const std::vector<registry::VersionInfo>& variants,
                                   const RolloutOptions& options);

// Why `manifest` does not fit a device reporting `info` ("" if it fits).
std::string variant_misfit(const OtaManifest& manifest, const OtaInfo& info);

// The update_id devices see for a deployment (stable across restarts, never 0).
uint32_t rollout_update_id(const registry::DeploymentInfo& deployment, const std::string& artifact);

}  // namespace tmf::deploy
