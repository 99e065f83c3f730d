// One direction of a shaped link (link_shaper.h).
#include "link_shaper.h"

#include <algorithm>

namespace tmf_posix {

double LinkShaper::admit(double now_ms, size_t bytes) {
  // A lost message still occupied the link while it was being sent.
  double start = std::max(now_ms, free_at_ms_);
  if (profile_.kbps > 0) {
    const double bits = 8.0 * static_cast<double>(bytes + profile_.overhead_bytes);
    free_at_ms_ = start + bits / profile_.kbps;  // kbit/s == bit/ms
  } else {
    free_at_ms_ = start;
  }
  if (profile_.loss_percent > 0) {
    std::uniform_real_distribution<double> uniform(0.0, 100.0);
    if (uniform(rng_) < profile_.loss_percent) return -1.0;
  }
  return free_at_ms_ + profile_.latency_ms;
}

}  // namespace tmf_posix
