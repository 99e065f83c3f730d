// The device end of the serial link (link_device.h, docs/link.md).
#include "link_device.h"

#include <string.h>

namespace tmf {
namespace {

constexpr uint32_t kRecordHeader = 8;  // u32 bytes | u8 leaf | 3 pad

uint32_t record_bytes(const LinkDevice* l, uint32_t at) {
  const uint8_t* p = l->config.tx_pool + at;
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

uint32_t padded(uint32_t n) { return (n + 3u) & ~3u; }

void send_control(LinkDevice* l, LinkFrameKind kind, uint8_t seq, const uint8_t* payload, uint32_t bytes,
                  uint32_t now_ms) {
  const LinkFrame f{kind, seq, 0, l->config.session, payload, bytes};
  link_frame_write(f, l->config.write, l->config.write_context);
  l->last_tx_ms = now_ms;
}

void send_head(LinkDevice* l, uint32_t now_ms) {
  const uint32_t at = l->queue_head;
  const LinkFrame f{LinkFrameKind::kLinkFrameData, l->tx_seq, l->config.tx_pool[at + 4], l->config.session,
                    l->config.tx_pool + at + kRecordHeader, record_bytes(l, at)};
  link_frame_write(f, l->config.write, l->config.write_context);
  if (l->head_attempts < 255) ++l->head_attempts;
  l->head_sent = true;
  l->head_sent_ms = now_ms;
  l->head_wait_ms = now_ms;
  l->head_data_seen = false;
  l->last_tx_ms = now_ms;
}

// A frame can take long on a slow or busy line: each retry waits twice as long (up to 16x), so
// retransmissions never crowd out the frame they repeat.
uint32_t retransmit_after(const LinkDevice* l) {
  const uint32_t shift = l->head_attempts < 5 ? l->head_attempts - 1u : 4u;
  return l->config.retransmit_ms << shift;
}

void queue_clear(LinkDevice* l) {
  l->queue_head = l->queue_tail = l->queue_count = 0;
  l->head_sent = false;
  l->head_attempts = 0;
}

void queue_pop(LinkDevice* l) {
  l->queue_head += kRecordHeader + padded(record_bytes(l, l->queue_head));
  if (--l->queue_count == 0) l->queue_head = l->queue_tail = 0;
  l->head_sent = false;
  l->head_attempts = 0;
  l->tx_seq = static_cast<uint8_t>(l->tx_seq + 1);
}

LinkEvent go_down(LinkDevice* l, uint32_t now_ms) {
  const bool was_up = l->up;
  l->up = false;
  // A new session id for the next HELLO: the gateway must not mistake it for a repeat of the
  // old session's HELLO (it starts sequence numbers afresh only for a new id).
  if (was_up) {
    uint32_t next = l->config.session * 1664525u + 1013904223u;
    l->config.session = next == 0 ? 1 : next;
  }
  queue_clear(l);
  l->hello_sent_once = false;
  l->last_hello_ms = now_ms;
  return was_up ? LinkEvent::kLinkEventDown : LinkEvent::kLinkEventNone;
}

}  // namespace

const char* link_status_to_string(LinkStatus status) {
  switch (status) {
    case LinkStatus::kLinkOk: return "ok";
    case LinkStatus::kLinkErrArgument: return "bad argument";
    case LinkStatus::kLinkErrDown: return "link down";
    case LinkStatus::kLinkErrFull: return "send queue full";
    case LinkStatus::kLinkErrTooLong: return "message longer than the MTU";
  }
  return "unknown";
}

LinkStatus link_device_init(LinkDevice* l, const LinkDeviceConfig& c) {
  if (l == nullptr || c.session == 0 || c.rx_buffer == nullptr || c.tx_pool == nullptr || c.write == nullptr ||
      c.mtu < kLinkHelloPayloadBytes || c.rx_buffer_bytes < c.mtu + kLinkOverheadBytes ||
      c.max_send_bytes > c.mtu || c.tx_pool_bytes < kRecordHeader + padded(c.max_send_bytes != 0 ? c.max_send_bytes : c.mtu) ||
      c.retransmit_ms == 0 || c.hello_ms == 0) {
    return LinkStatus::kLinkErrArgument;
  }
  memset(l, 0, sizeof(*l));
  l->config = c;
  if (l->config.max_send_bytes == 0) l->config.max_send_bytes = c.mtu;
  link_receiver_init(&l->receiver, c.rx_buffer, c.rx_buffer_bytes);
  return LinkStatus::kLinkOk;
}

LinkStatus link_device_send(LinkDevice* l, uint8_t leaf, const uint8_t* data, uint32_t bytes, uint32_t now_ms) {
  if (!l->up) return LinkStatus::kLinkErrDown;
  if (bytes > l->config.max_send_bytes) return LinkStatus::kLinkErrTooLong;
  const uint32_t need = kRecordHeader + padded(bytes);
  if (l->queue_tail + need > l->config.tx_pool_bytes && l->queue_head > 0) {
    // Compact: the head record may be in flight, but it is re-read from the pool on every send.
    memmove(l->config.tx_pool, l->config.tx_pool + l->queue_head, l->queue_tail - l->queue_head);
    l->queue_tail -= l->queue_head;
    l->queue_head = 0;
  }
  if (l->queue_tail + need > l->config.tx_pool_bytes) {
    ++l->counters.queue_full;
    return LinkStatus::kLinkErrFull;
  }
  uint8_t* p = l->config.tx_pool + l->queue_tail;
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(bytes >> (8 * i));
  p[4] = leaf;
  p[5] = p[6] = p[7] = 0;
  if (bytes > 0) memcpy(p + kRecordHeader, data, bytes);
  l->queue_tail += need;
  if (++l->queue_count == 1) send_head(l, now_ms);
  return LinkStatus::kLinkOk;
}

LinkEvent link_device_poll(LinkDevice* l, uint32_t now_ms) {
  if (!l->up) {
    if (!l->hello_sent_once || now_ms - l->last_hello_ms >= l->config.hello_ms) {
      uint8_t mtu[kLinkHelloPayloadBytes];
      for (int i = 0; i < 4; ++i) mtu[i] = static_cast<uint8_t>(l->config.mtu >> (8 * i));
      send_control(l, LinkFrameKind::kLinkFrameHello, 0, mtu, sizeof(mtu), now_ms);
      l->hello_sent_once = true;
      l->last_hello_ms = now_ms;
    }
    return LinkEvent::kLinkEventNone;
  }
  if (l->config.dead_ms > 0 && now_ms - l->last_rx_ms >= l->config.dead_ms) return go_down(l, now_ms);
  // A DATA frame still arriving may hold the ACK behind it (a stalled one only for a retransmit_ms).
  const bool held = !l->head_data_seen && (l->receiver.length > 0 || l->receiver.escaped) &&
                    now_ms - l->last_frame_byte_ms < l->config.retransmit_ms;
  if (l->queue_count > 0 && (!l->head_sent || (!held && now_ms - l->head_wait_ms >= retransmit_after(l)))) {
    if (l->head_sent) ++l->counters.retransmits;
    send_head(l, now_ms);
  } else if (l->config.keepalive_ms > 0 && now_ms - l->last_tx_ms >= l->config.keepalive_ms) {
    send_control(l, LinkFrameKind::kLinkFrameAck, static_cast<uint8_t>(l->rx_expected - 1), nullptr, 0, now_ms);
  }
  return LinkEvent::kLinkEventNone;
}

LinkEvent link_device_on_byte(LinkDevice* l, uint8_t byte, uint32_t now_ms, LinkMessage* message) {
  LinkFrame f;
  // Any byte shows the gateway is there: a long frame on a slow line is not silence.
  if (l->up && l->receiver.synced) l->last_rx_ms = now_ms;
  const bool framed = link_receiver_feed(&l->receiver, byte, &f);
  if (framed || l->receiver.length > 0) l->last_frame_byte_ms = now_ms;
  if (!framed) return LinkEvent::kLinkEventNone;
  if (f.session != l->config.session) return LinkEvent::kLinkEventNone;  // an old session's frame
  if (f.kind == LinkFrameKind::kLinkFrameData && l->head_sent && !l->head_data_seen) {
    l->head_data_seen = true;
    l->head_wait_ms = now_ms;
  }
  switch (f.kind) {
    case LinkFrameKind::kLinkFrameHelloAck:
      l->last_rx_ms = now_ms;
      if (l->up) return LinkEvent::kLinkEventNone;
      l->up = true;
      l->tx_seq = 0;
      l->rx_expected = 0;
      queue_clear(l);
      ++l->counters.sessions;
      return LinkEvent::kLinkEventUp;
    case LinkFrameKind::kLinkFrameResync:
      return go_down(l, now_ms);
    case LinkFrameKind::kLinkFrameAck:
      if (!l->up) return LinkEvent::kLinkEventNone;
      l->last_rx_ms = now_ms;
      if (l->queue_count > 0 && l->head_sent && f.seq == l->tx_seq) {
        ++l->counters.sent;
        queue_pop(l);
        if (l->queue_count > 0) send_head(l, now_ms);
      }
      return LinkEvent::kLinkEventNone;
    case LinkFrameKind::kLinkFrameData:
      if (!l->up) return LinkEvent::kLinkEventNone;
      l->last_rx_ms = now_ms;
      if (f.seq == l->rx_expected) {
        send_control(l, LinkFrameKind::kLinkFrameAck, f.seq, nullptr, 0, now_ms);
        l->rx_expected = static_cast<uint8_t>(l->rx_expected + 1);
        ++l->counters.received;
        message->leaf = f.leaf;
        message->data = f.payload;
        message->bytes = f.payload_bytes;
        return LinkEvent::kLinkEventMessage;
      }
      if (f.seq == static_cast<uint8_t>(l->rx_expected - 1)) {
        ++l->counters.duplicates;
        send_control(l, LinkFrameKind::kLinkFrameAck, f.seq, nullptr, 0, now_ms);
      } else {
        ++l->counters.out_of_order;
      }
      return LinkEvent::kLinkEventNone;
    case LinkFrameKind::kLinkFrameHello:
      return LinkEvent::kLinkEventNone;  // only the device says hello
  }
  return LinkEvent::kLinkEventNone;
}

}  // namespace tmf
