// The device end of the serial link (docs/link.md): session handshake (HELLO until HELLO_ACK),
// stop-and-wait DATA with retransmission in each direction, keepalives, and a fixed send queue.
// Freestanding: the caller owns the LinkDevice object and all buffers; bytes go out through a
// write function, bytes come in through link_device_on_byte().
//
//   link_device_init()     once, with a fresh nonzero session id (a new one after every reset).
//   link_device_poll()     often: sends HELLO / retransmits / keepalives; notices a dead gateway.
//   link_device_on_byte()  for every received byte; may deliver a message or report up/down.
//   link_device_send()     queues one protocol message for a leaf (kLinkErrFull / kLinkErrDown).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "link_frame.h"

namespace tmf {

enum class LinkStatus : uint8_t {
  kLinkOk = 0,
  kLinkErrArgument,  // null buffer, zero session, MTU too small for the buffers
  kLinkErrDown,      // no session with the gateway: nothing is queued
  kLinkErrFull,      // the send queue has no room for this message now
  kLinkErrTooLong,   // the message is larger than the MTU
};

const char* link_status_to_string(LinkStatus status);

struct LinkDeviceConfig {
  uint32_t session;          // nonzero, different after every reset
  uint32_t mtu;              // largest payload accepted (and sent, unless max_send_bytes is lower)
  uint8_t* rx_buffer;        // mtu + kLinkOverheadBytes
  uint32_t rx_buffer_bytes;
  uint8_t* tx_pool;          // queued messages: 8 bytes of bookkeeping + payload each
  uint32_t tx_pool_bytes;    // >= max_send_bytes + 8
  // Largest payload the device sends (0: mtu). The device's own messages can be much smaller than
  // the largest it receives (a MANIFEST): a small part sizes its send queue by this, not the MTU.
  uint32_t max_send_bytes;
  uint32_t retransmit_ms;    // DATA without ACK is sent again after this, doubling per retry up to 16x (200)
  uint32_t hello_ms;         // HELLO repeat while down (250)
  uint32_t keepalive_ms;     // an idle side sends an ACK after this (1000)
  uint32_t dead_ms;          // nothing heard from the gateway this long: the link is down (3000)
  LinkWriteFn write;
  void* write_context;
};

enum class LinkEvent : uint8_t {
  kLinkEventNone = 0,
  kLinkEventUp,       // the session started: the device is "connected"
  kLinkEventDown,     // the gateway asked for a resync or went silent: "disconnected"
  kLinkEventMessage,  // one message delivered in order (see LinkMessage)
};

struct LinkMessage {
  uint8_t leaf;
  const uint8_t* data;  // valid until the next link_device_on_byte
  uint32_t bytes;
};

struct LinkDeviceCounters {
  uint32_t sent;            // DATA frames acknowledged
  uint32_t retransmits;
  uint32_t received;        // DATA frames delivered
  uint32_t duplicates;      // DATA frames received again (their ACK was lost)
  uint32_t out_of_order;    // DATA frames dropped: not the expected seq
  uint32_t sessions;        // times the link came up
  uint32_t queue_full;      // sends refused: queue full
};

struct LinkDevice {
  LinkDeviceConfig config;
  LinkReceiver receiver;
  bool up;
  uint8_t tx_seq;          // seq of the queue head (in flight when up and the queue is not empty)
  uint8_t rx_expected;     // next DATA seq to deliver
  bool head_sent;
  uint8_t head_attempts;   // sends of the head so far (retransmit backoff)
  uint32_t head_sent_ms;
  uint32_t last_tx_ms;
  uint32_t last_rx_ms;
  // The ACK of the head may wait behind one DATA frame the gateway sent before it: the wait
  // before a retransmission starts at the end of the first DATA frame received after the send.
  uint32_t last_frame_byte_ms;  // a byte of a frame (whole or in progress) arrived then
  uint32_t head_wait_ms;        // the retransmission wait of the head runs from here
  bool head_data_seen;          // a DATA frame arrived whole since the head was sent
  uint32_t last_hello_ms;
  bool hello_sent_once;
  uint32_t queue_head;     // offsets into tx_pool
  uint32_t queue_tail;
  uint32_t queue_count;
  LinkDeviceCounters counters;
};

LinkStatus link_device_init(LinkDevice* link, const LinkDeviceConfig& config);
LinkEvent link_device_poll(LinkDevice* link, uint32_t now_ms);
LinkEvent link_device_on_byte(LinkDevice* link, uint8_t byte, uint32_t now_ms, LinkMessage* message);
LinkStatus link_device_send(LinkDevice* link, uint8_t leaf, const uint8_t* data, uint32_t bytes, uint32_t now_ms);
inline bool link_device_up(const LinkDevice* link) { return link->up; }
inline uint32_t link_device_queued(const LinkDevice* link) { return link->queue_count; }

}  // namespace tmf
