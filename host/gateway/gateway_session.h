// The gateway end of the serial link (docs/link.md) as pure logic: frames in, frames and MQTT
// publishes out, no sockets, so tests drive it directly. One device, one session at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "device/link/link_frame.h"

namespace tmf::gateway {

using Clock = std::chrono::steady_clock;

struct GatewayCounters {
  uint64_t sessions = 0;            // device sessions started (HELLO answered)
  uint64_t uplink_messages = 0;     // DATA frames published to MQTT
  uint64_t uplink_duplicates = 0;   // DATA frames received again (ACK lost), not published again
  uint64_t uplink_out_of_order = 0; // dropped: unexpected seq
  uint64_t downlink_messages = 0;   // DATA frames acknowledged by the device
  uint64_t downlink_dropped = 0;    // MQTT messages not sent: link down, over the MTU, bad leaf
  uint64_t retransmits = 0;
  uint64_t resyncs = 0;             // RESYNC frames sent
  uint64_t silences = 0;            // sessions ended by device silence
};

// What the session needs from its surroundings.
struct GatewayIo {
  std::function<void(const uint8_t*, size_t)> write_device;           // stuffed bytes to the UART
  std::function<bool(uint8_t leaf, const uint8_t*, size_t)> publish;  // to tmf/<fleet>/<device>/<leaf>
  std::function<bool()> mqtt_up;
  std::function<void(const std::string& event, uint32_t session)> note;  // "up", "down", "silent", "resync"
};

// Retransmission waits adapt to the round trips measured (RFC 6298: SRTT + 4 RTTVAR, Karn's rule:
// no sample from a repeated frame), measured from when a frame has left the line: a device that
// takes longer than the line to take a frame in (QEMU's UART: docs/qemu.md) gets no repeats it
// would only have to read again. `retransmit` is the least wait, `initial_rto` the wait before
// the first sample, `max_rto` the cap of the doubling per repeat.
struct GatewayTiming {
  std::chrono::milliseconds retransmit{200}, keepalive{1000}, silence{3000};
  std::chrono::milliseconds initial_rto{1000}, max_rto{3200};
};

class GatewaySession {
 public:
  GatewaySession(GatewayIo io, GatewayTiming timing = {});
  // Every byte from the device.
  void on_device_bytes(const uint8_t* bytes, size_t count, Clock::time_point now);
  // A message from MQTT for the device (leaf = OtaTopic value).
  void on_mqtt_message(uint8_t leaf, std::vector<uint8_t> payload, Clock::time_point now);
  // The MQTT connection dropped or was re-established: the device must start a new session.
  void on_mqtt_reset(Clock::time_point now);
  // Retransmits, keepalives, silence detection.
  void tick(Clock::time_point now);
  // Everything written to the device so far has left the line at `when` (a paced line): the
  // retransmission wait of the frame in flight starts then.
  void on_line_sent(Clock::time_point when);
  // The wait before the frame in flight is sent again (its repeats so far included).
  Clock::duration retransmit_wait() const;

  bool up() const { return up_; }
  uint32_t session() const { return session_; }
  const GatewayCounters& counters() const { return counters_; }
  const LinkReceiverCounters& receiver_counters() const { return receiver_.counters; }

 private:
  void on_frame(const LinkFrame& f, Clock::time_point now);
  void send(LinkFrameKind kind, uint8_t seq, uint8_t leaf, uint32_t session, const uint8_t* payload, uint32_t bytes,
            Clock::time_point now);
  void send_head(Clock::time_point now);
  void end_session(const std::string& why, Clock::time_point now);

  GatewayIo io_;
  GatewayTiming timing_;
  std::vector<uint8_t> rx_buffer_;
  LinkReceiver receiver_{};
  bool up_ = false;
  uint32_t session_ = 0;
  uint32_t mtu_ = 0;
  uint8_t tx_seq_ = 0, rx_expected_ = 0;
  bool head_sent_ = false;
  int head_attempts_ = 0;  // sends of the head (retransmit backoff, as the device's)
  bool head_on_line_ = false;  // head written, its leaving the line not yet reported
  bool have_rtt_ = false;
  std::chrono::duration<double> srtt_{}, rttvar_{};
  Clock::time_point head_sent_at_{}, last_tx_{}, last_rx_{};
  std::deque<std::pair<uint8_t, std::vector<uint8_t>>> downlink_;
  GatewayCounters counters_;
};

}  // namespace tmf::gateway
