// Link frame stuffing and checking (link_frame.h, docs/link.md).
#include "link_frame.h"

#include "device/agent/protocol.h"

namespace tmf {
namespace {

struct Stuffer {
  LinkWriteFn write;
  void* context;
  uint8_t block[64];
  uint32_t used;
  uint32_t total;
};

void stuffer_flush(Stuffer* s) {
  if (s->used > 0) s->write(s->context, s->block, s->used);
  s->total += s->used;
  s->used = 0;
}

void stuffer_raw(Stuffer* s, uint8_t byte) {
  if (s->used == sizeof(s->block)) stuffer_flush(s);
  s->block[s->used++] = byte;
}

void stuffer_put(Stuffer* s, const uint8_t* bytes, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t b = bytes[i];
    if (b == kLinkFlag || b == kLinkEscape) {
      stuffer_raw(s, kLinkEscape);
      stuffer_raw(s, static_cast<uint8_t>(b ^ kLinkEscapeXor));
    } else {
      stuffer_raw(s, b);
    }
  }
}

bool kind_known(uint8_t kind) {
  return kind >= static_cast<uint8_t>(LinkFrameKind::kLinkFrameData) &&
         kind <= static_cast<uint8_t>(LinkFrameKind::kLinkFrameResync);
}

uint32_t read_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

const char* link_frame_kind_to_string(LinkFrameKind kind) {
  switch (kind) {
    case LinkFrameKind::kLinkFrameData: return "data";
    case LinkFrameKind::kLinkFrameAck: return "ack";
    case LinkFrameKind::kLinkFrameHello: return "hello";
    case LinkFrameKind::kLinkFrameHelloAck: return "hello_ack";
    case LinkFrameKind::kLinkFrameResync: return "resync";
  }
  return "unknown";
}

uint32_t link_frame_write(const LinkFrame& frame, LinkWriteFn write, void* context) {
  uint8_t header[kLinkHeaderBytes];
  header[0] = static_cast<uint8_t>(frame.kind);
  header[1] = frame.seq;
  header[2] = frame.leaf;
  header[3] = 0;
  put_u32(header + 4, frame.session);
  uint32_t crc = ota_crc32(0, header, sizeof(header));
  if (frame.payload_bytes > 0) crc = ota_crc32(crc, frame.payload, frame.payload_bytes);
  uint8_t trailer[kLinkCrcBytes];
  put_u32(trailer, crc);
  Stuffer s{write, context, {}, 0, 0};
  stuffer_raw(&s, kLinkFlag);
  stuffer_put(&s, header, sizeof(header));
  if (frame.payload_bytes > 0) stuffer_put(&s, frame.payload, frame.payload_bytes);
  stuffer_put(&s, trailer, sizeof(trailer));
  stuffer_raw(&s, kLinkFlag);
  stuffer_flush(&s);
  return s.total;
}

void link_receiver_init(LinkReceiver* r, uint8_t* buffer, uint32_t capacity) {
  r->buffer = buffer;
  r->capacity = capacity;
  r->length = 0;
  r->escaped = false;
  r->overflow = false;
  r->synced = false;
  r->counters = {};
}

bool link_receiver_feed(LinkReceiver* r, uint8_t byte, LinkFrame* frame) {
  if (byte == kLinkFlag) {
    const uint32_t length = r->length;
    const bool overflow = r->overflow, was_synced = r->synced, escaped = r->escaped;
    r->length = 0;
    r->overflow = false;
    r->escaped = false;
    r->synced = true;
    if (!was_synced || (length == 0 && !overflow)) return false;  // idle flags between frames
    if (overflow) {
      ++r->counters.too_long;
      return false;
    }
    if (escaped || length < kLinkOverheadBytes || !kind_known(r->buffer[0])) {
      ++r->counters.malformed;
      return false;
    }
    const uint32_t body = length - kLinkCrcBytes;
    if (ota_crc32(0, r->buffer, body) != read_u32(r->buffer + body)) {
      ++r->counters.bad_crc;
      return false;
    }
    frame->kind = static_cast<LinkFrameKind>(r->buffer[0]);
    frame->seq = r->buffer[1];
    frame->leaf = r->buffer[2];
    frame->session = read_u32(r->buffer + 4);
    frame->payload = r->buffer + kLinkHeaderBytes;
    frame->payload_bytes = body - kLinkHeaderBytes;
    ++r->counters.frames;
    return true;
  }
  if (!r->synced || r->overflow) return false;
  if (byte == kLinkEscape) {
    r->escaped = true;
    return false;
  }
  if (r->escaped) {
    byte = static_cast<uint8_t>(byte ^ kLinkEscapeXor);
    r->escaped = false;
  }
  if (r->length == r->capacity) {
    r->overflow = true;
    return false;
  }
  r->buffer[r->length++] = byte;
  return false;
}

}  // namespace tmf
