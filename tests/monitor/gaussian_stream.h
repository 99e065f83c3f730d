// A seeded Gaussian source that gives the same numbers with every standard library: mt19937_64
// (fully specified) and Box-Muller written out, not std::normal_distribution.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace tmf::test {

class GaussianStream {
 public:
  explicit GaussianStream(uint64_t seed) : engine_(seed) {}
  double next(double mean, double std_dev) {
    if (has_spare_) {
      has_spare_ = false;
      return mean + std_dev * spare_;
    }
    // u1 in (0, 1], u2 in [0, 1) from the top 53 bits.
    const double u1 = (static_cast<double>(engine_() >> 11) + 1.0) * 0x1p-53;
    const double u2 = static_cast<double>(engine_() >> 11) * 0x1p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * M_PI * u2);
    has_spare_ = true;
    return mean + std_dev * r * std::cos(2.0 * M_PI * u2);
  }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace tmf::test
