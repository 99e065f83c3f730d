// Frames of the serial link (docs/link.md, the spec): byte stuffing with 0x7E/0x7D, an 8-byte
// header (kind, seq, leaf, flags, session) and a CRC-32 trailer. Freestanding (no heap): the
// firmware and the host gateway use the same code.
//
//   unstuffed frame: u8 kind | u8 seq | u8 leaf | u8 flags | u32 session | payload | u32 crc32
//
// The receiver treats every byte as untrusted: a frame is handed out only when it fits the buffer,
// has at least the header and CRC, passes the CRC and names a known kind.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tmf {

constexpr uint8_t kLinkFlag = 0x7E;
constexpr uint8_t kLinkEscape = 0x7D;
constexpr uint8_t kLinkEscapeXor = 0x20;
constexpr uint32_t kLinkHeaderBytes = 8;
constexpr uint32_t kLinkCrcBytes = 4;
constexpr uint32_t kLinkOverheadBytes = kLinkHeaderBytes + kLinkCrcBytes;
constexpr uint32_t kLinkHelloPayloadBytes = 4;  // u32 MTU

enum class LinkFrameKind : uint8_t {
  kLinkFrameData = 1,
  kLinkFrameAck = 2,
  kLinkFrameHello = 3,
  kLinkFrameHelloAck = 4,
  kLinkFrameResync = 5,
};

const char* link_frame_kind_to_string(LinkFrameKind kind);

struct LinkFrame {
  LinkFrameKind kind;
  uint8_t seq;
  uint8_t leaf;       // OtaTopic value for DATA
  uint32_t session;
  const uint8_t* payload;  // decode: points into the receiver's buffer (valid until the next feed)
  uint32_t payload_bytes;
};

// Sink of stuffed bytes; called with small blocks (at most 64 bytes) in order.
using LinkWriteFn = void (*)(void* context, const uint8_t* bytes, uint32_t count);

// Writes `frame` stuffed, between two flag bytes. Returns the stuffed byte count.
uint32_t link_frame_write(const LinkFrame& frame, LinkWriteFn write, void* context);

// Largest stuffed size of a frame with `payload_bytes` (every byte escaped, plus two flags).
constexpr uint32_t link_frame_stuffed_max(uint32_t payload_bytes) {
  return 2 + 2 * (payload_bytes + kLinkOverheadBytes);
}

struct LinkReceiverCounters {
  uint32_t frames;       // good frames handed out
  uint32_t bad_crc;      // dropped: CRC mismatch
  uint32_t too_long;     // dropped: longer than the buffer
  uint32_t malformed;    // dropped: shorter than header + CRC, or unknown kind
};

// Streaming unstuffer. `buffer` holds one unstuffed frame: MTU + kLinkOverheadBytes.
struct LinkReceiver {
  uint8_t* buffer;
  uint32_t capacity;
  uint32_t length;
  bool escaped;
  bool overflow;
  bool synced;  // a flag byte was seen (bytes before the first flag are noise)
  LinkReceiverCounters counters;
};

void link_receiver_init(LinkReceiver* receiver, uint8_t* buffer, uint32_t capacity);
// Feeds one received byte. True when it completed a frame that passed every check; *frame then
// points into the buffer and stays valid until the next call.
bool link_receiver_feed(LinkReceiver* receiver, uint8_t byte, LinkFrame* frame);

}  // namespace tmf
