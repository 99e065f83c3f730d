// k-of-n voting over a pool of detectors (issue 6 item 4): a window is an alarm candidate when at
// least k of the n detectors' decisions are set. A decision is set when its int8 value is not 0
// (DECISION_THRESHOLD writes 0 or 1). docs/detect.md.
#pragma once

#include <stdint.h>

namespace tmf::detect {

constexpr uint32_t kDetectMaxDetectors = 16;

// Valid when 1 <= k <= n <= kDetectMaxDetectors.
inline bool vote_config_valid(uint32_t n, uint32_t k) {
  return n >= 1 && n <= kDetectMaxDetectors && k >= 1 && k <= n;
}

// The number of set decisions among decisions[0, n).
uint32_t vote_count(const int8_t* decisions, uint32_t n);

// vote_count(decisions, n) >= k.
bool vote_candidate(const int8_t* decisions, uint32_t n, uint32_t k);

}  // namespace tmf::detect
