// A simulated serial line for `tinymlops gateway --link-kbps`: bytes queued for one direction of
// the device link leave at the line's rate (8 bits per byte: a UART with 8N1 framing needs 1.25x
// the rate in baud), so a QEMU device, whose UART has no speed, sees a real line's timing.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>

namespace tmf::gateway {

class LinePacer {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LinePacer(double kbps) : kbps_(kbps) {}
  bool paced() const { return kbps_ > 0; }
  void push(const uint8_t* data, size_t bytes) { queue_.insert(queue_.end(), data, data + bytes); }
  // Hands `sink` the bytes whose time on the line has come (in pieces of at most 64 bytes).
  void drain(Clock::time_point now, const std::function<void(const uint8_t*, size_t)>& sink);
  void clear() { queue_.clear(); }
  size_t queued() const { return queue_.size(); }
  // When the line finishes the bytes handed out so far.
  Clock::time_point free_at() const { return free_at_; }

 private:
  double kbps_;
  std::deque<uint8_t> queue_;
  Clock::time_point free_at_{};  // when the line finishes the bytes already sent
};

}  // namespace tmf::gateway
