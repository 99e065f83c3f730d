// Counter-based random numbers: every draw is a pure function of (seed, stream, counter), so a
// sample's noise or an impact's jitter does not depend on which window asked for it first.
#pragma once

#include <cmath>
#include <cstdint>

namespace tmf::sim {

// SplitMix64 finaliser (Steele, Lea, Flood 2014): a bijective 64-bit mix.
constexpr uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

constexpr uint64_t draw_key(uint64_t seed, uint64_t stream, uint64_t counter) {
  return mix64(mix64(seed ^ mix64(stream)) + counter);
}

// Uniform in (0, 1): 53 random bits, never exactly 0 or 1.
inline double uniform01(uint64_t seed, uint64_t stream, uint64_t counter) {
  const uint64_t bits = draw_key(seed, stream, counter) >> 11;
  return (static_cast<double>(bits) + 0.5) * (1.0 / 9007199254740992.0);
}

// Standard normal by Box-Muller from two independent uniforms of the same counter.
inline double gaussian(uint64_t seed, uint64_t stream, uint64_t counter) {
  const double u1 = uniform01(seed, stream, counter);
  const double u2 = uniform01(seed, stream ^ 0x5DEECE66Dull, counter);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// A string's 64-bit FNV-1a hash, to derive per-group seeds from names.
inline uint64_t hash_name(const char* s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (; *s; ++s) h = (h ^ static_cast<unsigned char>(*s)) * 0x100000001b3ull;
  return h;
}

}  // namespace tmf::sim
