// Link shaping for the virtual device (benchmarks of constrained links): one direction of a link
// with a bit rate (serialization: messages queue behind each other), a one-way latency, and a
// random loss rate. Pure arithmetic on a caller's clock, so it is testable without a network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

namespace tmf_posix {

struct LinkProfile {
  double kbps = 0;            // 0: unlimited
  double latency_ms = 0;      // one way
  double loss_percent = 0;    // 0..100, per message
  size_t overhead_bytes = 0;  // per message on the wire (MQTT fixed header, topic, ...)
};

class LinkShaper {
 public:
  LinkShaper(const LinkProfile& profile, uint64_t seed) : profile_(profile), rng_(seed) {}
  // A message of `bytes` handed to the link at `now_ms`: the time it arrives at the other end,
  // or a negative value if the link loses it.
  double admit(double now_ms, size_t bytes);
  // Forget queued serialization (the link was reset by a disconnect).
  void reset(double now_ms) { free_at_ms_ = now_ms; }

 private:
  LinkProfile profile_;
  std::mt19937_64 rng_;
  double free_at_ms_ = 0;
};

}  // namespace tmf_posix
