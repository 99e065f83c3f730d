// Pareto front and constrained choice: a hand-made set with a known front, random sets checked
// against the definition of dominance pair by pair, and the choice under limits.
#include <random>

#include "host/select/pareto.h"
#include "host/select/select_error.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using select::Candidate;

std::vector<Candidate> hand_set() {
  //        name     quality ram    flash  latency energy
  return {{"tiny", 0.80, 2000, 10000, 1.0, 10},
          {"small", 0.90, 8000, 30000, 4.0, 40},
          {"big", 0.97, 60000, 200000, 30.0, 300},
          {"worse_small", 0.85, 9000, 30000, 4.0, 40},   // dominated by small
          {"bloated", 0.90, 8000, 30000, 5.0, 40},       // dominated by small (slower)
          {"fast_big", 0.96, 60000, 200000, 10.0, 100},  // not dominated: faster than big
          {"twin", 0.90, 8000, 30000, 4.0, 40}};         // equal to small: both stay
}

TMF_TEST(Pareto, HandMadeFront) {
  const auto front = select::pareto_front(hand_set());
  TMF_EXPECT(front == (std::vector<size_t>{0, 1, 2, 5, 6}));
}

TMF_TEST(Pareto, RandomSetsMatchTheDefinition) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> small(0, 5);  // few distinct values: many ties
  for (int round = 0; round < 200; ++round) {
    std::vector<Candidate> c(1 + rng() % 30);
    for (auto& x : c) x = {"c", small(rng) / 5.0, 1000.0 * small(rng), 1000.0 * small(rng), 1.0 * small(rng), 10.0 * small(rng)};
    const auto front = select::pareto_front(c);
    std::vector<bool> in_front(c.size(), false);
    for (size_t i : front) in_front[i] = true;
    for (size_t i = 0; i < c.size(); ++i) {
      bool dominated = false;
      for (size_t j = 0; j < c.size(); ++j) {
        // Dominance spelled out objective by objective.
        const bool no_worse = c[j].quality >= c[i].quality && c[j].ram_bytes <= c[i].ram_bytes &&
                              c[j].flash_bytes <= c[i].flash_bytes && c[j].latency_ms <= c[i].latency_ms &&
                              c[j].energy_uj <= c[i].energy_uj;
        const bool equal = c[j].quality == c[i].quality && c[j].ram_bytes == c[i].ram_bytes &&
                           c[j].flash_bytes == c[i].flash_bytes && c[j].latency_ms == c[i].latency_ms &&
                           c[j].energy_uj == c[i].energy_uj;
        dominated = dominated || (no_worse && !equal);
      }
      TMF_EXPECT(in_front[i] == !dominated);
    }
    // The constrained choice is on the front and meets the limits.
    select::Constraints limits;
    limits.max_ram_bytes = 3000;
    limits.max_latency_ms = 3;
    const auto best = select::best_fitting(c, limits);
    if (best) {
      TMF_EXPECT(in_front[*best]);  // a fitting candidate that dominated it would have been chosen
      TMF_EXPECT(select::constraint_violations(c[*best], limits).empty());
      for (const auto& x : c) {
        if (select::constraint_violations(x, limits).empty()) TMF_EXPECT(x.quality <= c[*best].quality);
      }
    } else {
      for (const auto& x : c) TMF_EXPECT(!select::constraint_violations(x, limits).empty());
    }
  }
}

TMF_TEST(Pareto, BestFittingUnderLimits) {
  const auto c = hand_set();
  select::Constraints none;
  TMF_EXPECT(select::best_fitting(c, none) == std::optional<size_t>(2));  // highest quality
  select::Constraints m0;  // a 16 KB part
  m0.max_ram_bytes = 16384;
  TMF_EXPECT(select::best_fitting(c, m0) == std::optional<size_t>(1));  // small, before its twin
  select::Constraints slow;
  slow.max_latency_ms = 20;
  TMF_EXPECT(select::best_fitting(c, slow) == std::optional<size_t>(5));  // fast_big
  select::Constraints impossible;
  impossible.max_ram_bytes = 1000;
  TMF_EXPECT(!select::best_fitting(c, impossible).has_value());
  const auto why = select::constraint_violations(c[0], impossible);
  TMF_EXPECT(why.size() == 1 && why[0] == "RAM 2000 bytes > 1000");
  select::Constraints energy;
  energy.max_energy_uj = 5;
  energy.max_flash_bytes = 5000;
  TMF_EXPECT(select::constraint_violations(c[0], energy).size() == 2);
}

TMF_TEST(Pareto, NaNIsRefused) {
  auto c = hand_set();
  c[3].quality = std::nan("");
  TMF_EXPECT_THROWS(select::pareto_front(c), select::SelectError, "candidate 'worse_small': a figure is NaN");
}

}  // namespace
}  // namespace tmf

namespace {

// Issue 16: the tie-break (e.g. score margin) counts only between equal qualities, and the
// winner stays on the front: (quality, tie_break) is one lexicographic objective.
TMF_TEST(Pareto, TieBreakBetweenEqualQualities) {
  std::vector<tmf::select::Candidate> c(3);
  c[0] = {"wide margin, costly", 1.0, 4000, 8000, 2.0, 20.0, 3.0};
  c[1] = {"narrow margin, cheap", 1.0, 1000, 2000, 0.5, 5.0, 1.0};
  c[2] = {"lower quality, widest margin", 0.99, 1000, 2000, 0.5, 5.0, 9.0};
  const auto front = tmf::select::pareto_front(c);
  TMF_EXPECT(front == (std::vector<size_t>{0, 1}));  // 2 is dominated by 1: quality decides first
  TMF_EXPECT(tmf::select::best_fitting(c, {}) == std::optional<size_t>(0));
  tmf::select::Constraints small;
  small.max_ram_bytes = 2000;
  TMF_EXPECT(tmf::select::best_fitting(c, small) == std::optional<size_t>(1));
  c[0].tie_break = c[1].tie_break;  // equal margins: the cheaper one wins, as before
  TMF_EXPECT(tmf::select::best_fitting(c, {}) == std::optional<size_t>(1));
}

}  // namespace
