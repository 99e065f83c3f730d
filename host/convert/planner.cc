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

// Places tensors in `order`, each at the lowest aligned offset clear of placed tensors whose
// lifetimes intersect its own. Returns the offsets and the arena size.
ArenaPlan place_in_order(const std::vector<PlannerTensor>& tensors, const std::vector<size_t>& order) {
  ArenaPlan plan;
  plan.offsets.assign(tensors.size(), 0);
  std::vector<size_t> placed;
  for (size_t index : order) {
    const PlannerTensor& t = tensors[index];
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
  return plan;
}

}  // namespace

ArenaPlan plan_arena(const std::vector<PlannerTensor>& tensors) {
  // No single greedy order is best for every graph (largest-first can strand a small tensor
  // between two large ones), so try a few and keep the smallest arena.
  using Less = bool (*)(const PlannerTensor&, const PlannerTensor&);
  const Less orders[] = {
      [](const PlannerTensor& a, const PlannerTensor& b) { return a.bytes > b.bytes; },
      [](const PlannerTensor& a, const PlannerTensor& b) { return a.first_op < b.first_op; },
      [](const PlannerTensor& a, const PlannerTensor& b) { return a.last_op > b.last_op; },
      [](const PlannerTensor& a, const PlannerTensor& b) {
        return static_cast<uint64_t>(a.bytes) * (a.last_op - a.first_op + 1) >
               static_cast<uint64_t>(b.bytes) * (b.last_op - b.first_op + 1);
      },
  };
  ArenaPlan best;
  bool have_best = false;
  for (Less less : orders) {
    std::vector<size_t> order(tensors.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return less(tensors[a], tensors[b]); });
    ArenaPlan plan = place_in_order(tensors, order);
    if (!have_best || plan.arena_bytes < best.arena_bytes) {
      best = std::move(plan);
      have_best = true;
    }
  }

  int last = 0;
  for (const PlannerTensor& t : tensors) last = std::max(last, t.last_op);
  for (int op = 0; op <= last; ++op) {
    uint32_t live = 0;
    for (const PlannerTensor& t : tensors) {
      if (t.first_op <= op && op <= t.last_op) live += t.bytes;
    }
    best.lower_bound = std::max(best.lower_bound, live);
  }
  return best;
}

}  // namespace tmf::host
