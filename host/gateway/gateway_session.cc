// The gateway end of the serial link (gateway_session.h, docs/link.md).
#include "gateway_session.h"

#include <algorithm>
#include <cmath>

#include "device/agent/protocol.h"

namespace tmf::gateway {
namespace {

// The largest frame the gateway accepts from a device (payload): above every protocol message a
// device sends (TELEMETRY with 64 features x 32 bins is ~9 KB).
constexpr uint32_t kGatewayMaxPayload = 16384 + 64;
constexpr size_t kGatewayMaxQueued = 4096;  // downlink messages waiting for the device

}  // namespace

GatewaySession::GatewaySession(GatewayIo io, GatewayTiming timing)
    : io_(std::move(io)), timing_(timing), rx_buffer_(kGatewayMaxPayload + kLinkOverheadBytes) {
  link_receiver_init(&receiver_, rx_buffer_.data(), static_cast<uint32_t>(rx_buffer_.size()));
}

void GatewaySession::send(LinkFrameKind kind, uint8_t seq, uint8_t leaf, uint32_t session, const uint8_t* payload,
                          uint32_t bytes, Clock::time_point now) {
  std::vector<uint8_t> out;
  out.reserve(link_frame_stuffed_max(bytes));
  const LinkFrame f{kind, seq, leaf, session, payload, bytes};
  link_frame_write(
      f,
      [](void* ctx, const uint8_t* b, uint32_t n) {
        auto* v = static_cast<std::vector<uint8_t>*>(ctx);
        v->insert(v->end(), b, b + n);
      },
      &out);
  io_.write_device(out.data(), out.size());
  last_tx_ = now;
}

void GatewaySession::send_head(Clock::time_point now) {
  const auto& [leaf, payload] = downlink_.front();
  send(LinkFrameKind::kLinkFrameData, tx_seq_, leaf, session_, payload.data(), static_cast<uint32_t>(payload.size()),
       now);
  ++head_attempts_;
  head_sent_ = true;
  head_on_line_ = true;
  head_sent_at_ = now;
}

void GatewaySession::on_line_sent(Clock::time_point when) {
  if (!head_sent_ || !head_on_line_) return;
  head_on_line_ = false;
  if (when > head_sent_at_) head_sent_at_ = when;
}

Clock::duration GatewaySession::retransmit_wait() const {
  using D = std::chrono::duration<double>;
  D rto = timing_.initial_rto;
  if (have_rtt_) rto = std::max<D>(timing_.retransmit, srtt_ + 4 * rttvar_);
  rto = std::min<D>(rto * (1 << std::clamp(head_attempts_ - 1, 0, 4)), timing_.max_rto);
  return std::chrono::duration_cast<Clock::duration>(rto);
}

void GatewaySession::end_session(const std::string& why, Clock::time_point) {
  if (!up_) return;
  const uint32_t old = session_;
  up_ = false;
  session_ = 0;
  counters_.downlink_dropped += downlink_.size();
  downlink_.clear();
  head_sent_ = false;
  head_attempts_ = 0;
  io_.note(why, old);
}

void GatewaySession::on_device_bytes(const uint8_t* bytes, size_t count, Clock::time_point now) {
  LinkFrame f;
  if (up_ && count > 0) last_rx_ = now;  // any byte: a long frame on a slow line is not silence
  for (size_t i = 0; i < count; ++i) {
    if (link_receiver_feed(&receiver_, bytes[i], &f)) on_frame(f, now);
  }
}

void GatewaySession::on_frame(const LinkFrame& f, Clock::time_point now) {
  if (f.kind == LinkFrameKind::kLinkFrameHello) {
    if (f.session == 0 || f.payload_bytes < kLinkHelloPayloadBytes || !io_.mqtt_up()) return;
    if (!up_ || f.session != session_) {
      if (up_) end_session("down", now);  // the device reset: a new session replaces the old
      up_ = true;
      session_ = f.session;
      mtu_ = static_cast<uint32_t>(f.payload[0]) | (static_cast<uint32_t>(f.payload[1]) << 8) |
             (static_cast<uint32_t>(f.payload[2]) << 16) | (static_cast<uint32_t>(f.payload[3]) << 24);
      tx_seq_ = 0;
      rx_expected_ = 0;
      head_sent_ = false;
      head_attempts_ = 0;
      downlink_.clear();
      ++counters_.sessions;
      io_.note("up", session_);
    } else {
      // The same session id again: the device (re)started it, because our HELLO_ACK was lost or
      // because it reset into the same id (a power cut before its boot count was written). Either
      // way its sequence numbers start at 0; on a serial line no stale HELLO can follow its data.
      tx_seq_ = 0;
      rx_expected_ = 0;
      head_sent_ = false;
      head_attempts_ = 0;
    }
    last_rx_ = now;
    send(LinkFrameKind::kLinkFrameHelloAck, 0, 0, session_, nullptr, 0, now);  // again if the ACK was lost
    return;
  }
  if (!up_ || f.session != session_) {
    // A session the gateway does not know (it restarted, or MQTT was reset): start over.
    ++counters_.resyncs;
    send(LinkFrameKind::kLinkFrameResync, 0, 0, f.session, nullptr, 0, now);
    return;
  }
  last_rx_ = now;
  switch (f.kind) {
    case LinkFrameKind::kLinkFrameData:
      if (f.seq == rx_expected_) {
        if (f.leaf >= static_cast<uint8_t>(OtaTopic::kOtaTopicCount) || !io_.mqtt_up()) {
          // Not acknowledged: the device sends it again in the next session (or never, if bad).
          if (!io_.mqtt_up()) on_mqtt_reset(now);
          return;
        }
        io_.publish(f.leaf, f.payload, f.payload_bytes);
        ++counters_.uplink_messages;
        send(LinkFrameKind::kLinkFrameAck, f.seq, 0, session_, nullptr, 0, now);
        rx_expected_ = static_cast<uint8_t>(rx_expected_ + 1);
      } else if (f.seq == static_cast<uint8_t>(rx_expected_ - 1)) {
        ++counters_.uplink_duplicates;
        send(LinkFrameKind::kLinkFrameAck, f.seq, 0, session_, nullptr, 0, now);
      } else {
        ++counters_.uplink_out_of_order;
      }
      return;
    case LinkFrameKind::kLinkFrameAck:
      if (head_sent_ && f.seq == tx_seq_ && !downlink_.empty()) {
        if (head_attempts_ == 1 && now >= head_sent_at_) {  // Karn: a repeat's ACK is ambiguous
          const std::chrono::duration<double> r = now - head_sent_at_;
          if (!have_rtt_) {
            srtt_ = r;
            rttvar_ = r / 2;
            have_rtt_ = true;
          } else {
            rttvar_ = 0.75 * rttvar_ + 0.25 * std::chrono::duration<double>(std::abs((srtt_ - r).count()));
            srtt_ = 0.875 * srtt_ + 0.125 * r;
          }
        }
        downlink_.pop_front();
        ++counters_.downlink_messages;
        tx_seq_ = static_cast<uint8_t>(tx_seq_ + 1);
        head_sent_ = false;
        head_attempts_ = 0;
        if (!downlink_.empty()) send_head(now);
      }
      return;
    case LinkFrameKind::kLinkFrameResync:
    case LinkFrameKind::kLinkFrameHelloAck:
    case LinkFrameKind::kLinkFrameHello:
      return;  // only the gateway sends these (HELLO handled above)
  }
}

void GatewaySession::on_mqtt_message(uint8_t leaf, std::vector<uint8_t> payload, Clock::time_point now) {
  if (!up_ || payload.size() > mtu_ || downlink_.size() >= kGatewayMaxQueued) {
    ++counters_.downlink_dropped;
    return;
  }
  downlink_.emplace_back(leaf, std::move(payload));
  if (downlink_.size() == 1) send_head(now);
}

void GatewaySession::on_mqtt_reset(Clock::time_point now) {
  if (!up_) return;
  const uint32_t old = session_;
  end_session("resync", now);
  ++counters_.resyncs;
  send(LinkFrameKind::kLinkFrameResync, 0, 0, old, nullptr, 0, now);
}

void GatewaySession::tick(Clock::time_point now) {
  if (!up_) return;
  if (now - last_rx_ >= timing_.silence) {
    ++counters_.silences;
    end_session("silent", now);
    return;
  }
  if (!downlink_.empty() && (!head_sent_ || now - head_sent_at_ >= retransmit_wait())) {
    if (head_sent_) ++counters_.retransmits;
    send_head(now);
  } else if (now - last_tx_ >= timing_.keepalive) {
    send(LinkFrameKind::kLinkFrameAck, static_cast<uint8_t>(rx_expected_ - 1), 0, session_, nullptr, 0, now);
  }
}

}  // namespace tmf::gateway
