// Random draws that are the same on every standard library: std::mt19937 is fully specified,
// but std::uniform_*_distribution and std::shuffle are not, so the learners draw through these.
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace tmf::train {

inline std::mt19937 seeded_generator(uint64_t seed) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  return std::mt19937(seq);
}

// Uniform in (0, 1).
inline double uniform01(std::mt19937& rng) { return (static_cast<double>(rng()) + 0.5) / 4294967296.0; }

// Uniform in [0, n), n >= 1.
inline int uniform_index(std::mt19937& rng, int n) {
  const int i = static_cast<int>(uniform01(rng) * n);
  return i < n ? i : n - 1;
}

// Fisher-Yates shuffle.
template <typename T>
void shuffle_in_place(std::vector<T>& v, std::mt19937& rng) {
  for (int i = static_cast<int>(v.size()) - 1; i > 0; --i) std::swap(v[i], v[uniform_index(rng, i + 1)]);
}

}  // namespace tmf::train
