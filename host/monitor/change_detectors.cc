// Page-Hinkley and CUSUM, in reference-std units (docs/drift.md).
#include "host/monitor/change_detectors.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace tmf::monitor {
namespace {

void check_reference(double mean, double std_dev, const char* who) {
  if (!std::isfinite(mean) || !(std_dev > 0) || !std::isfinite(std_dev)) {
    throw std::invalid_argument(std::string(who) + ": reference_mean must be finite and reference_std > 0");
  }
}

bool watches_increase(ChangeDirection d) { return d != ChangeDirection::kDecrease; }
bool watches_decrease(ChangeDirection d) { return d != ChangeDirection::kIncrease; }

}  // namespace

PageHinkley::PageHinkley(const PageHinkleyOptions& options) : o_(options) {
  check_reference(o_.reference_mean, o_.reference_std, "Page-Hinkley");
  if (!(o_.delta >= 0) || !(o_.lambda > 0) || !(o_.alpha >= 0 && o_.alpha <= 1)) {
    throw std::invalid_argument("Page-Hinkley: need delta >= 0, lambda > 0, 0 <= alpha <= 1");
  }
}

void PageHinkley::restart() {
  n_ = 0;
  mean_ = up_sum_ = up_min_ = down_sum_ = down_max_ = 0;
}

void PageHinkley::reset() {
  restart();
  index_ = 0;
  last_signal_value_ = 0;
}

std::optional<uint64_t> PageHinkley::update(double x) {
  const uint64_t at = index_++;
  const double z = (x - o_.reference_mean) / o_.reference_std;
  ++n_;
  // Rate max(alpha, 1/n): the running mean until n reaches 1/alpha, then exponential forgetting.
  // Without the warm-up the first sample alone would fix the mean for ~1/alpha samples, and a
  // first sample 2 stds off would look like a change.
  const double rate = std::max(o_.alpha, 1.0 / static_cast<double>(n_));
  mean_ += rate * (z - mean_);
  up_sum_ += z - mean_ - o_.delta;     // m_t: grows when z stays above its mean
  down_sum_ += z - mean_ + o_.delta;   // n_t: falls when z stays below it
  up_min_ = std::min(up_min_, up_sum_);
  down_max_ = std::max(down_max_, down_sum_);
  const bool up = watches_increase(o_.direction) && rise() > o_.lambda;
  const bool down = watches_decrease(o_.direction) && fall() > o_.lambda;
  if (!up && !down) return std::nullopt;
  last_signal_value_ = up && down ? std::max(rise(), fall()) : (up ? rise() : fall());
  restart();
  return at;
}

Cusum::Cusum(const CusumOptions& options) : o_(options) {
  check_reference(o_.reference_mean, o_.reference_std, "CUSUM");
  if (!(o_.k >= 0) || !(o_.h > 0)) throw std::invalid_argument("CUSUM: need k >= 0 and h > 0");
}

void Cusum::reset() {
  index_ = 0;
  upper_ = lower_ = 0;
  last_signal_value_ = 0;
}

std::optional<uint64_t> Cusum::update(double x) {
  const uint64_t at = index_++;
  const double z = (x - o_.reference_mean) / o_.reference_std;
  upper_ = std::max(0.0, upper_ + z - o_.k);
  lower_ = std::max(0.0, lower_ - z - o_.k);
  const bool up = watches_increase(o_.direction) && upper_ > o_.h;
  const bool down = watches_decrease(o_.direction) && lower_ > o_.h;
  if (!up && !down) return std::nullopt;
  last_signal_value_ = up && down ? std::max(upper_, lower_) : (up ? upper_ : lower_);
  upper_ = lower_ = 0;
  return at;
}

}  // namespace tmf::monitor
