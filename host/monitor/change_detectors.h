// Streaming change detection on a score stream: Page-Hinkley and two-sided CUSUM. Both work on
// z = (x - reference_mean) / reference_std, so their parameters are in units of the reference
// score's std (docs/drift.md). After signalling, a detector restarts its statistics (not its
// sample index) so one stream can raise several alarms; reset() starts over entirely.
#pragma once

#include <cstdint>
#include <optional>

namespace tmf::monitor {

enum class ChangeDirection { kIncrease, kDecrease, kBoth };

struct PageHinkleyOptions {
  double reference_mean = 0;
  double reference_std = 1;  // > 0
  double delta = 0.5;        // tolerated drift per sample, in reference stds
  double lambda = 15;        // alarm threshold on the cumulative deviation, in reference stds
  // Mean estimate: 0 = the running mean since the last (re)start; in (0, 1] = an exponentially
  // weighted mean, mean += max(alpha, 1/n) * (z - mean) (running mean while n < 1/alpha), which
  // forgets the past.
  double alpha = 0;
  ChangeDirection direction = ChangeDirection::kBoth;
};

class PageHinkley {
 public:
  explicit PageHinkley(const PageHinkleyOptions& options = {});  // std::invalid_argument if bad
  // Adds one sample; returns its index (0-based since construction or reset()) when a change is
  // signalled at it.
  std::optional<uint64_t> update(double x);
  void reset();
  uint64_t samples() const { return index_; }
  // The current statistics, in reference stds: rise (m_t - min m) and fall (max n - n_t).
  double rise() const { return up_sum_ - up_min_; }
  double fall() const { return down_max_ - down_sum_; }
  // The statistic (rise or fall) that crossed lambda at the last signal; 0 before any.
  double last_signal_value() const { return last_signal_value_; }

 private:
  void restart();
  PageHinkleyOptions o_;
  uint64_t index_ = 0;
  uint64_t n_ = 0;  // samples since the last (re)start
  double mean_ = 0;
  double up_sum_ = 0, up_min_ = 0, down_sum_ = 0, down_max_ = 0;
  double last_signal_value_ = 0;
};

struct CusumOptions {
  double reference_mean = 0;
  double reference_std = 1;  // > 0
  double k = 0.5;            // allowance (slack) per sample, in reference stds
  double h = 12;             // decision threshold, in reference stds
  ChangeDirection direction = ChangeDirection::kBoth;
};

class Cusum {
 public:
  explicit Cusum(const CusumOptions& options = {});  // std::invalid_argument if bad
  // S+ = max(0, S+ + z - k), S- = max(0, S- - z - k); a change when either exceeds h.
  std::optional<uint64_t> update(double x);
  void reset();
  uint64_t samples() const { return index_; }
  double upper() const { return upper_; }
  double lower() const { return lower_; }
  // The statistic (S+ or S-) that crossed h at the last signal; 0 before any.
  double last_signal_value() const { return last_signal_value_; }

 private:
  CusumOptions o_;
  uint64_t index_ = 0;
  double upper_ = 0, lower_ = 0;
  double last_signal_value_ = 0;
};

}  // namespace tmf::monitor
