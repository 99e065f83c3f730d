// The rollout's health gate on device telemetry (see health_gate.h).
#include "host/deploy/health_gate.h"

#include <algorithm>
#include <cstdio>

namespace tmf::deploy {

void HealthGateTally::add(const OtaTelemetry& t) {
  if (!first_incarnation) first_incarnation = t.incarnation;
  if (t.incarnation != *first_incarnation) {
    // Boot counts of two journal lives do not compare; the erase itself is the failure.
    journal_replaced = true;
    return;
  }
  if (!first_boot) first_boot = t.boot_count;
  if (!first_dropped) first_dropped = t.dropped_batches;
  last_boot = std::max(last_boot, t.boot_count);
  // dropped_batches counts since boot: a reboot restarts it, so growth is judged per boot.
  if (t.boot_count == *first_boot) last_dropped = std::max<uint32_t>(last_dropped, t.dropped_batches);
  batches += 1;
  windows += t.window_count;
  alarms += t.alarms_raised;
  cycles_sum += uint64_t{t.inference_cycles} * t.window_count;
}

// Why the gate fails so far ("" if nothing breaks a bound).
std::string health_gate_verdict(const HealthGateTally& d, const RolloutOptions& opt_) {
  char text[200];
  if (d.journal_replaced) return "health gate: the device's journal was erased while on the new model (new incarnation)";
  if (d.first_boot && d.last_boot - *d.first_boot > opt_.max_reboots) {
    std::snprintf(text, sizeof text, "health gate: %u reboot(s) while on the new model (max %u)",
                  d.last_boot - *d.first_boot, opt_.max_reboots);
    return text;
  }
  if (d.first_dropped && d.last_dropped - *d.first_dropped > opt_.max_dropped_batches) {
    std::snprintf(text, sizeof text, "health gate: %u telemetry batch(es) dropped on the device (max %u)",
                  d.last_dropped - *d.first_dropped, opt_.max_dropped_batches);
    return text;
  }
  if (d.windows > 0) {
    const double alarm_rate = double(d.alarms) / d.windows;
    if (alarm_rate > opt_.max_alarm_rate) {
      std::snprintf(text, sizeof text, "health gate: alarm rate %.4f per window over %u windows (max %.4f)", alarm_rate,
                    d.windows, opt_.max_alarm_rate);
      return text;
    }
    const uint64_t cycles = d.cycles_sum / d.windows;
    if (cycles > opt_.max_inference_cycles) {
      std::snprintf(text, sizeof text, "health gate: %llu inference cycles per window (max %u)",
                    static_cast<unsigned long long>(cycles), opt_.max_inference_cycles);
      return text;
    }
  }
  return "";
}

}  // namespace tmf::deploy
