// Serial line timing (see line_pacer.h).
#include "line_pacer.h"

#include <algorithm>

namespace tmf::gateway {

void LinePacer::drain(Clock::time_point now, const std::function<void(const uint8_t*, size_t)>& sink) {
  // An idle line saves no credit beyond 10 ms: the caller's loop turns take a few ms, and a
  // burst longer than that would be faster than the line.
  const auto slack = std::chrono::milliseconds(10);
  if (free_at_ < now - slack) free_at_ = now - slack;
  uint8_t piece[64];
  while (!queue_.empty() && free_at_ <= now) {
    const size_t k = std::min(queue_.size(), sizeof(piece));
    std::copy_n(queue_.begin(), k, piece);
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(k));
    sink(piece, k);
    free_at_ += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(k * 8.0 / (kbps_ * 1000)));
  }
}

}  // namespace tmf::gateway
