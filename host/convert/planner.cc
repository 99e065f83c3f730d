// Greedy-by-size arena planner (see planner.h).
#include "host/convert/planner.h"

#include <algorithm>
#include <numeric>

namespace tmf::host {
namespace {

constexpr uint32_t kAlign = 16;

uint32_t align_up(uint32_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

bool lifetimes_overlap(const PlannerTensor& a, const PlannerTensor& b) {
  return a.first_op <= b.last_op && b.first_op <= a.last_op;
}

}  // namespace

ArenaPlan plan_arena(const std::vector<PlannerTensor>& tensors) {
  ArenaPlan plan;
  plan.offsets.assign(tensors.size(), 0);
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (tensors[a].bytes != tensors[b].bytes) return tensors[a].bytes > tensors[b].bytes;
    return tensors[a].first_op < tensors[b].first_op;
  });

  std::vector<size_t> placed;
  for (size_t index : order) {
    const PlannerTensor& t = tensors[index];
    // Conflicting placed tensors sorted by offset; take the first gap that fits.
    std::vector<std::pair<uint32_t, uint32_t>> busy;
    for (size_t other : placed) {
      if (lifetimes_overlap(t, tensors[other])) {
        busy.emplace_back(plan.offsets[other], plan.offsets[other] + tensors[other].bytes);
      }
    }
    std::sort(busy.begin(), busy.end());
    uint32_t candidate = 0;
    for (const auto& [begin, end] : busy) {
      if (candidate + t.bytes <= begin) break;
      candidate = std::max(candidate, align_up(end));
    }
    plan.offsets[index] = candidate;
    plan.arena_bytes = std::max(plan.arena_bytes, align_up(candidate + t.bytes));
    placed.push_back(index);
  }

  int last = 0;
  for (const PlannerTensor& t : tensors) last = std::max(last, t.last_op);
  for (int op = 0; op <= last; ++op) {
    uint32_t live = 0;
    for (const PlannerTensor& t : tensors) {
      if (t.first_op <= op && op <= t.last_op) live += t.bytes;
    }
    plan.lower_bound = std::max(plan.lower_bound, live);
  }
  return plan;
}

}  // namespace tmf::host
