// Persistence filter (issue 6 item 4): an alarm is raised only when at least m of the last w
// windows were alarm candidates, and cleared when fewer than clear_below of the last w are
// (clear_below = m: no hysteresis; smaller values hold the alarm longer). The last w candidates
// live in one 64-bit ring, so w <= 64. Before w windows were pushed, "the last w" are the windows
// pushed so far. docs/detect.md.
#pragma once

#include <stdint.h>

#include "device/detect/detect_status.h"

namespace tmf::detect {

struct PersistenceConfig {
  uint32_t window;       // w: 1..64
  uint32_t min_set;      // m: 1..w candidates among the last w raise the alarm
  uint32_t clear_below;  // 1..m: the alarm clears when fewer than this many are set
};

enum class PersistenceEvent : uint8_t {
  kNone = 0,
  kRaised,   // the alarm went on at this window
  kCleared,  // the alarm went off at this window
};

struct Persistence {
  PersistenceConfig config;
  uint64_t ring;  // bit i = candidate of the window pushed i windows ago (bit 0: the latest)
  bool alarm;     // the alarm state after the latest window
};

// Errors: kErrNullArgument, kErrBadConfig.
DetectStatus persistence_init(Persistence* filter, const PersistenceConfig& config);

// Empties the ring, alarm off.
void persistence_reset(Persistence* filter);

// Pushes one window's candidate: ring = ((ring << 1) | candidate) masked to w bits; set = number
// of bits in the ring; alarm off and set >= m: raise; alarm on and set < clear_below: clear.
PersistenceEvent persistence_push(Persistence* filter, bool candidate);

// Candidates among the last w windows.
uint32_t persistence_set_count(const Persistence& filter);

}  // namespace tmf::detect
