// k-of-n voting (contract in vote.h).
#include "device/detect/vote.h"

namespace tmf::detect {

uint32_t vote_count(const int8_t* decisions, uint32_t n) {
  uint32_t set = 0;
  for (uint32_t i = 0; i < n; ++i) set += decisions[i] != 0 ? 1u : 0u;
  return set;
}

bool vote_candidate(const int8_t* decisions, uint32_t n, uint32_t k) {
  return vote_count(decisions, n) >= k;
}

}  // namespace tmf::detect
