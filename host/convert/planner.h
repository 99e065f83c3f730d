// Offline arena planning from tensor lifetimes: every activation gets a fixed arena offset,
// chosen so that tensors alive at the same op never overlap.
#pragma once

#include <cstdint>
#include <vector>

namespace tmf::host {

struct PlannerTensor {
  uint32_t bytes = 0;
  int first_op = 0;  // op that writes it (0 for graph inputs)
  int last_op = 0;   // last op that reads it (op count for graph outputs)
};

struct ArenaPlan {
  std::vector<uint32_t> offsets;  // one per PlannerTensor
  uint32_t arena_bytes = 0;       // planned size
  uint32_t lower_bound = 0;       // largest total of tensors alive at one op (no plan can do better)
};

// Greedy placement: tensors are placed one by one, each at the lowest 16-byte aligned offset
// that does not overlap a placed tensor with an intersecting lifetime; several orders are tried
// (largest first, first written first, ...) and the smallest arena wins.
ArenaPlan plan_arena(const std::vector<PlannerTensor>& tensors);

}  // namespace tmf::host
