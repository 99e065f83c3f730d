// The serial link (docs/link.md): frame stuffing and checks, and the device end
// (device/link/link_device) against the gateway's session logic (host/gateway/gateway_session)
// over a simulated line that loses and damages frames. The oracle is what each side handed in:
// every message must come out once, in order, with its leaf and bytes.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "device/agent/protocol.h"
#include "device/link/link_device.h"
#include "device/link/link_frame.h"
#include "host/gateway/gateway_session.h"
#include "tests/support/tmf_test.h"

namespace tmf_test {
namespace {

using tmf::gateway::Clock;

void append(void* ctx, const uint8_t* b, uint32_t n) {
  auto* v = static_cast<std::vector<uint8_t>*>(ctx);
  v->insert(v->end(), b, b + n);
}

TMF_TEST(LinkFrame, StuffedRoundTripOfEveryByteValue) {
  std::vector<uint8_t> payload(600);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i * 37 + (i / 256) * 0x7E);
  payload[0] = tmf::kLinkFlag;
  payload[1] = tmf::kLinkEscape;
  const tmf::LinkFrame f{tmf::LinkFrameKind::kLinkFrameData, 201, 6, 0x7E7D7E7Du, payload.data(),
                         static_cast<uint32_t>(payload.size())};
  std::vector<uint8_t> wire;
  const uint32_t n = tmf::link_frame_write(f, append, &wire);
  TMF_EXPECT_EQ(n, static_cast<uint32_t>(wire.size()));
  TMF_EXPECT(wire.size() <= tmf::link_frame_stuffed_max(600));
  // Only the first and last bytes are flags.
  for (size_t i = 1; i + 1 < wire.size(); ++i) TMF_EXPECT(wire[i] != tmf::kLinkFlag);
  std::vector<uint8_t> buffer(1024);
  tmf::LinkReceiver r;
  tmf::link_receiver_init(&r, buffer.data(), static_cast<uint32_t>(buffer.size()));
  // Noise before the first flag is ignored.
  tmf::LinkFrame out{};
  for (uint8_t b : {uint8_t{1}, uint8_t{2}, uint8_t{0x7D}}) TMF_EXPECT(!tmf::link_receiver_feed(&r, b, &out));
  int frames = 0;
  for (uint8_t b : wire) frames += tmf::link_receiver_feed(&r, b, &out) ? 1 : 0;
  TMF_ASSERT(frames == 1);
  TMF_EXPECT(out.kind == tmf::LinkFrameKind::kLinkFrameData);
  TMF_EXPECT_EQ(out.seq, 201);
  TMF_EXPECT_EQ(out.leaf, 6);
  TMF_EXPECT_EQ(out.session, 0x7E7D7E7Du);
  TMF_ASSERT(out.payload_bytes == payload.size());
  TMF_EXPECT(std::memcmp(out.payload, payload.data(), payload.size()) == 0);
}

TMF_TEST(LinkFrame, DamagedTruncatedAndOversizedFramesAreDropped) {
  const uint8_t payload[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  const tmf::LinkFrame f{tmf::LinkFrameKind::kLinkFrameData, 1, 2, 9, payload, 8};
  std::vector<uint8_t> wire;
  tmf::link_frame_write(f, append, &wire);
  std::vector<uint8_t> buffer(64);
  tmf::LinkReceiver r;
  tmf::LinkFrame out{};
  // Every single-bit flip of a non-flag byte: never a frame (CRC-32 catches all 1-bit errors).
  for (size_t i = 1; i + 1 < wire.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> bad = wire;
      bad[i] ^= static_cast<uint8_t>(1u << bit);
      tmf::link_receiver_init(&r, buffer.data(), static_cast<uint32_t>(buffer.size()));
      int frames = 0;
      for (uint8_t b : bad) frames += tmf::link_receiver_feed(&r, b, &out) ? 1 : 0;
      // A flip that produces a flag splits the frame into two short ones: also dropped.
      TMF_EXPECT_EQ(frames, 0);
    }
  }
  // Too long for the buffer.
  tmf::link_receiver_init(&r, buffer.data(), 12);
  int frames = 0;
  for (uint8_t b : wire) frames += tmf::link_receiver_feed(&r, b, &out) ? 1 : 0;
  TMF_EXPECT_EQ(frames, 0);
  TMF_EXPECT_EQ(r.counters.too_long, 1u);
}

// A line between the two ends that drops and damages whole frames (each frame independently,
// seeded), whatever the block sizes the writer uses.
struct Line {
  std::mt19937 rng;
  double loss, damage;
  std::vector<uint8_t> in_flight;
  std::vector<uint8_t> pending;  // written, not yet on the line
  void write(const uint8_t* b, size_t n) { pending.insert(pending.end(), b, b + n); }
  // Moves complete frames (0x7E ... 0x7E) from pending to the line, losing or damaging some.
  void transmit() {
    std::uniform_real_distribution<double> u(0, 1);
    size_t start = 0;
    while (start < pending.size()) {
      size_t end = start + 1;
      while (end < pending.size() && pending[end] != tmf::kLinkFlag) ++end;
      if (end >= pending.size()) break;
      const size_t n = end + 1 - start;
      if (u(rng) >= loss) {
        const size_t at = in_flight.size();
        in_flight.insert(in_flight.end(), pending.begin() + static_cast<long>(start),
                         pending.begin() + static_cast<long>(end + 1));
        if (u(rng) < damage && n > 2) in_flight[at + 1 + rng() % (n - 2)] ^= 0x10;
      }
      start = end + 1;
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<long>(start));
  }
};

struct DeviceEnd {
  tmf::LinkDevice link{};
  std::vector<uint8_t> rx, tx;
  Line* line;
  std::vector<std::pair<uint8_t, std::vector<uint8_t>>> received;
  int ups = 0, downs = 0;
};

void device_write(void* ctx, const uint8_t* b, uint32_t n) { static_cast<DeviceEnd*>(ctx)->line->write(b, n); }

// The device end on `line`: MTU 512, a 4 KiB send pool, the firmware's timers except `dead_ms`.
bool device_init(DeviceEnd* dev, Line* line, uint32_t session, uint32_t dead_ms = 3000) {
  dev->line = line;
  dev->rx.resize(512 + tmf::kLinkOverheadBytes);
  dev->tx.resize(4096);
  tmf::LinkDeviceConfig c{};
  c.session = session;
  c.mtu = 512;
  c.rx_buffer = dev->rx.data();
  c.rx_buffer_bytes = static_cast<uint32_t>(dev->rx.size());
  c.tx_pool = dev->tx.data();
  c.tx_pool_bytes = static_cast<uint32_t>(dev->tx.size());
  c.retransmit_ms = 200;
  c.hello_ms = 250;
  c.keepalive_ms = 1000;
  c.dead_ms = dead_ms;
  c.write = device_write;
  c.write_context = dev;
  return tmf::link_device_init(&dev->link, c) == tmf::LinkStatus::kLinkOk;
}

// A send limit below the MTU (the 16 KB build: it receives a 1,672-byte MANIFEST, sends at most a
// 592-byte TELEMETRY): the send pool is checked against the limit, not the MTU, and a message above
// the limit is refused before it takes pool space.
TMF_TEST(LinkSession, ASendLimitBelowTheMtuSizesTheSendQueue) {
  std::vector<uint8_t> rx(512 + tmf::kLinkOverheadBytes), tx(8 + 128);
  tmf::LinkDeviceConfig c{};
  c.session = 7;
  c.mtu = 512;
  c.rx_buffer = rx.data();
  c.rx_buffer_bytes = static_cast<uint32_t>(rx.size());
  c.tx_pool = tx.data();
  c.tx_pool_bytes = static_cast<uint32_t>(tx.size());
  c.retransmit_ms = 200;
  c.hello_ms = 250;
  c.write = [](void*, const uint8_t*, uint32_t) {};
  tmf::LinkDevice link;
  TMF_EXPECT(tmf::link_device_init(&link, c) == tmf::LinkStatus::kLinkErrArgument);  // the pool holds no MTU message
  c.max_send_bytes = 600;
  TMF_EXPECT(tmf::link_device_init(&link, c) == tmf::LinkStatus::kLinkErrArgument);  // above the MTU
  c.max_send_bytes = 132;
  TMF_EXPECT(tmf::link_device_init(&link, c) == tmf::LinkStatus::kLinkErrArgument);  // 8 + 132 > 136
  c.max_send_bytes = 128;
  TMF_ASSERT(tmf::link_device_init(&link, c) == tmf::LinkStatus::kLinkOk);
  link.up = true;  // the session handshake is not under test here
  std::vector<uint8_t> payload(129, 0x5A);
  TMF_EXPECT(tmf::link_device_send(&link, 3, payload.data(), 129, 0) == tmf::LinkStatus::kLinkErrTooLong);
  TMF_EXPECT(tmf::link_device_send(&link, 3, payload.data(), 128, 0) == tmf::LinkStatus::kLinkOk);
  TMF_EXPECT_EQ(link.queue_count, 1u);
}

TMF_TEST(LinkSession, LossyLineDeliversEveryMessageOnceInOrderBothWays) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    Line up{std::mt19937(seed), 0.2, 0.1, {}, {}}, down{std::mt19937(seed + 100), 0.2, 0.1, {}, {}};
    DeviceEnd dev;
    // Silence detection is not under test here (a 20 % lossy line loses three keepalives in a
    // row now and then): 10 s, so every message stays within one session.
    TMF_ASSERT(device_init(&dev, &up, 0x1234 + seed, 10000));

    std::vector<std::pair<uint8_t, std::vector<uint8_t>>> published;
    tmf::gateway::GatewayIo io;
    io.write_device = [&](const uint8_t* b, size_t n) { down.write(b, n); };
    io.publish = [&](uint8_t leaf, const uint8_t* b, size_t n) {
      published.emplace_back(leaf, std::vector<uint8_t>(b, b + n));
      return true;
    };
    io.mqtt_up = [] { return true; };
    io.note = [](const std::string&, uint32_t) {};
    tmf::gateway::GatewayTiming timing;
    timing.silence = std::chrono::milliseconds(10000);
    tmf::gateway::GatewaySession gw(io, timing);

    std::vector<std::pair<uint8_t, std::vector<uint8_t>>> sent_up, sent_down;
    std::mt19937 payloads(seed * 7);
    const Clock::time_point t0{};
    uint32_t now_ms = 0;
    for (int step = 0; step < 20000 && (sent_up.size() < 60 || sent_down.size() < 60 ||
                                         published.size() < sent_up.size() || dev.received.size() < sent_down.size());
         ++step, now_ms += 10) {
      const Clock::time_point now = t0 + std::chrono::milliseconds(now_ms);
      // Offer new messages while both ends are up.
      if (tmf::link_device_up(&dev.link) && sent_up.size() < 60 && payloads() % 3 == 0) {
        std::vector<uint8_t> m(1 + payloads() % 400);
        for (uint8_t& b : m) b = static_cast<uint8_t>(payloads());
        const uint8_t leaf = static_cast<uint8_t>(payloads() % static_cast<uint32_t>(tmf::OtaTopic::kOtaTopicCount));
        if (tmf::link_device_send(&dev.link, leaf, m.data(), static_cast<uint32_t>(m.size()), now_ms) ==
            tmf::LinkStatus::kLinkOk) {
          sent_up.emplace_back(leaf, m);
        }
      }
      if (gw.up() && sent_down.size() < 60 && payloads() % 3 == 0) {
        std::vector<uint8_t> m(1 + payloads() % 500);
        for (uint8_t& b : m) b = static_cast<uint8_t>(payloads());
        const uint8_t leaf = static_cast<uint8_t>(tmf::OtaTopic::kOtaTopicChunk);
        sent_down.emplace_back(leaf, m);
        gw.on_mqtt_message(leaf, m, now);
      }
      // Deliver what is on the lines.
      up.transmit();
      down.transmit();
      std::vector<uint8_t> to_gw;
      to_gw.swap(up.in_flight);
      gw.on_device_bytes(to_gw.data(), to_gw.size(), now);
      std::vector<uint8_t> to_dev;
      to_dev.swap(down.in_flight);
      for (uint8_t b : to_dev) {
        tmf::LinkMessage msg;
        const tmf::LinkEvent e = tmf::link_device_on_byte(&dev.link, b, now_ms, &msg);
        if (e == tmf::LinkEvent::kLinkEventMessage) {
          dev.received.emplace_back(msg.leaf, std::vector<uint8_t>(msg.data, msg.data + msg.bytes));
        }
        dev.ups += e == tmf::LinkEvent::kLinkEventUp;
        dev.downs += e == tmf::LinkEvent::kLinkEventDown;
      }
      dev.downs += tmf::link_device_poll(&dev.link, now_ms) == tmf::LinkEvent::kLinkEventDown;
      gw.tick(now);
    }
    // No session was lost on this line.
    TMF_EXPECT_EQ(dev.ups, 1);
    TMF_EXPECT_EQ(dev.downs, 0);
    TMF_EXPECT_EQ(sent_up.size(), static_cast<size_t>(60));
    TMF_EXPECT_EQ(sent_down.size(), static_cast<size_t>(60));
    TMF_EXPECT(published == sent_up);
    if (published != sent_up) {
      size_t k = 0;
      while (k < published.size() && k < sent_up.size() && published[k] == sent_up[k]) ++k;
      std::printf("seed %u: %zu published, %zu sent, first difference at %zu; gw ooo %llu dup %llu retx %llu; dev retx %u ooo %u dup %u queued %u\n", seed, published.size(), sent_up.size(), k,
                  (unsigned long long)gw.counters().uplink_out_of_order, (unsigned long long)gw.counters().uplink_duplicates,
                  (unsigned long long)gw.counters().retransmits, dev.link.counters.retransmits, dev.link.counters.out_of_order,
                  dev.link.counters.duplicates, tmf::link_device_queued(&dev.link));
    }
    TMF_EXPECT(dev.received == sent_down);
    TMF_EXPECT(gw.counters().retransmits > 0);  // the line did lose frames
    TMF_EXPECT(gw.receiver_counters().bad_crc + dev.link.receiver.counters.bad_crc > 0);
  }
}

TMF_TEST(LinkSession, DeviceResetStartsANewSessionAndGatewayRestartResyncs) {
  Line up{std::mt19937(1), 0, 0, {}, {}}, down{std::mt19937(2), 0, 0, {}, {}};
  auto make_device = [&](DeviceEnd* dev, uint32_t session) { return device_init(dev, &up, session); };
  std::vector<std::string> notes;
  tmf::gateway::GatewayIo io;
  io.write_device = [&](const uint8_t* b, size_t n) { down.write(b, n); };
  io.publish = [](uint8_t, const uint8_t*, size_t) { return true; };
  io.mqtt_up = [] { return true; };
  io.note = [&](const std::string& what, uint32_t) { notes.push_back(what); };
  auto gw = std::make_unique<tmf::gateway::GatewaySession>(io);
  DeviceEnd dev;
  TMF_ASSERT(make_device(&dev, 77));
  uint32_t now_ms = 0;
  auto run = [&](int steps) {
    for (int i = 0; i < steps; ++i, now_ms += 10) {
      const Clock::time_point now = Clock::time_point{} + std::chrono::milliseconds(now_ms);
      up.transmit();
      down.transmit();
      std::vector<uint8_t> a;
      a.swap(up.in_flight);
      gw->on_device_bytes(a.data(), a.size(), now);
      std::vector<uint8_t> b;
      b.swap(down.in_flight);
      for (uint8_t x : b) {
        tmf::LinkMessage m;
        const tmf::LinkEvent e = tmf::link_device_on_byte(&dev.link, x, now_ms, &m);
        dev.ups += e == tmf::LinkEvent::kLinkEventUp;
        dev.downs += e == tmf::LinkEvent::kLinkEventDown;
      }
      dev.downs += tmf::link_device_poll(&dev.link, now_ms) == tmf::LinkEvent::kLinkEventDown;
      gw->tick(now);
    }
  };
  run(50);
  TMF_EXPECT(gw->up());
  TMF_EXPECT_EQ(gw->session(), 77u);
  // The device resets: a new session id; the gateway replaces the old session.
  DeviceEnd dev2;
  TMF_ASSERT(make_device(&dev2, 78));
  dev = std::move(dev2);
  dev.link.config.write_context = &dev;
  run(50);
  TMF_EXPECT_EQ(gw->session(), 78u);
  TMF_EXPECT_EQ(dev.ups, 1);
  // The gateway restarts (a fresh session object): the device's next frame gets RESYNC, the
  // device goes down and says HELLO again.
  gw = std::make_unique<tmf::gateway::GatewaySession>(io);
  run(300);
  TMF_EXPECT_EQ(dev.downs, 1);
  TMF_EXPECT_EQ(dev.ups, 2);
  TMF_EXPECT(gw->up());
  // After a lost link the device says HELLO with a new session id (docs/link.md).
  TMF_EXPECT(gw->session() != 78u);
  TMF_EXPECT_EQ(gw->session(), dev.link.config.session);
}

// Frames a test writes by hand (the other end's bytes).
std::vector<uint8_t> frame_bytes(tmf::LinkFrameKind kind, uint8_t seq, uint8_t leaf, uint32_t session,
                                 const uint8_t* payload = nullptr, uint32_t bytes = 0) {
  std::vector<uint8_t> wire;
  tmf::link_frame_write(tmf::LinkFrame{kind, seq, leaf, session, payload, bytes}, append, &wire);
  return wire;
}

// A device that takes 300 ms after a frame has left the line to acknowledge it (QEMU's UART takes
// bytes in slower than a 250 kbit/s line: docs/qemu.md) and a 200 ms fixed wait repeated every
// frame once (measured: 8 of 8 frames of an update sent twice). The gateway waits 1 s before its
// first round trip sample, then SRTT + 4 RTTVAR (RFC 6298): with every sample R = 300 ms,
// SRTT = R and RTTVAR = R/2 * (3/4)^(n-1) after n samples. A lost ACK is still repeated.
TMF_TEST(LinkSession, GatewayRetransmitWaitFollowsTheMeasuredRoundTrip) {
  std::vector<uint8_t> to_device;
  tmf::gateway::GatewayIo io;
  io.write_device = [&](const uint8_t* b, size_t n) { to_device.insert(to_device.end(), b, b + n); };
  io.publish = [](uint8_t, const uint8_t*, size_t) { return true; };
  io.mqtt_up = [] { return true; };
  io.note = [](const std::string&, uint32_t) {};
  tmf::gateway::GatewayTiming timing;
  timing.silence = std::chrono::milliseconds(100000);
  tmf::gateway::GatewaySession gw(io, timing);
  const uint32_t session = 0x5151;
  const uint8_t mtu[4] = {0x00, 0x10, 0, 0};  // 4096
  Clock::time_point now{};
  auto hello = frame_bytes(tmf::LinkFrameKind::kLinkFrameHello, 0, 0, session, mtu, 4);
  gw.on_device_bytes(hello.data(), hello.size(), now);
  TMF_ASSERT(gw.up());
  using ms = std::chrono::milliseconds;
  TMF_EXPECT(gw.retransmit_wait() == Clock::duration(ms(1000)));  // no sample yet
  const int frames = 12;
  for (int i = 0; i < frames; ++i) {
    gw.on_mqtt_message(static_cast<uint8_t>(tmf::OtaTopic::kOtaTopicChunk), std::vector<uint8_t>(2000, 0x55), now);
    for (int step = 0; step < 30; ++step) {  // 300 ms in 10 ms steps, then the ACK
      now += ms(10);
      gw.tick(now);
    }
    auto ack = frame_bytes(tmf::LinkFrameKind::kLinkFrameAck, static_cast<uint8_t>(i), 0, session);
    gw.on_device_bytes(ack.data(), ack.size(), now);
  }
  TMF_EXPECT_EQ(gw.counters().retransmits, 0ull);
  TMF_EXPECT_EQ(gw.counters().downlink_messages, static_cast<uint64_t>(frames));
  const double rttvar = 0.150 * std::pow(0.75, frames - 1);
  const auto expected = std::chrono::duration<double>(0.300 + 4 * rttvar);
  const auto got = std::chrono::duration<double>(gw.retransmit_wait());
  TMF_EXPECT(std::abs((got - expected).count()) < 1e-6);
  // The next frame's ACK is lost: repeated after that wait, then after twice it.
  gw.on_mqtt_message(static_cast<uint8_t>(tmf::OtaTopic::kOtaTopicChunk), std::vector<uint8_t>(10, 1), now);
  const Clock::time_point sent = now;
  while (gw.counters().retransmits == 0 && now - sent < ms(5000)) gw.tick(now += ms(1));
  TMF_EXPECT_EQ(gw.counters().retransmits, 1ull);
  TMF_EXPECT(std::abs(std::chrono::duration<double>(now - sent - expected).count()) <= 0.001);
  // A paced line: the wait starts when the frame has left the line, not when it was queued.
  const Clock::time_point repeat = now;
  gw.on_line_sent(repeat + ms(500));
  while (gw.counters().retransmits == 1 && now - repeat < ms(5000)) gw.tick(now += ms(1));
  TMF_EXPECT(std::abs(std::chrono::duration<double>(now - repeat - ms(500) - 2 * expected).count()) <= 0.001);
}

// The device's ACK wait while a long frame arrives: the gateway sends its ACK after the frame it
// had queued, so the device waits for that frame to end (up to one DATA frame), then 200 ms;
// before, its repeats went out behind every 2 KB chunk (4 duplicate frames in one update).
TMF_TEST(LinkSession, DeviceRetransmitWaitsForTheFrameArrivingBeforeTheAck) {
  Line up{std::mt19937(5), 0, 0, {}, {}};
  DeviceEnd dev;
  TMF_ASSERT(device_init(&dev, &up, 0x77, 100000));
  uint32_t now_ms = 0;
  tmf::LinkMessage m;
  for (uint8_t b : frame_bytes(tmf::LinkFrameKind::kLinkFrameHelloAck, 0, 0, 0x77)) {
    tmf::link_device_on_byte(&dev.link, b, now_ms, &m);
  }
  TMF_ASSERT(tmf::link_device_up(&dev.link));
  const uint8_t request[3] = {1, 2, 3};
  TMF_ASSERT(tmf::link_device_send(&dev.link, 4, request, 3, now_ms) == tmf::LinkStatus::kLinkOk);
  // A 500-byte DATA frame (seq 0) arrives over 500 ms, one byte per ms.
  const std::vector<uint8_t> payload(500, 0x42);
  const auto data = frame_bytes(tmf::LinkFrameKind::kLinkFrameData, 0, 6, 0x77, payload.data(), 500);
  int delivered = 0;
  for (uint8_t b : data) {
    now_ms += 1;
    delivered += tmf::link_device_on_byte(&dev.link, b, now_ms, &m) == tmf::LinkEvent::kLinkEventMessage;
    tmf::link_device_poll(&dev.link, now_ms);
  }
  TMF_EXPECT_EQ(delivered, 1);
  TMF_EXPECT(now_ms > 300);
  TMF_EXPECT_EQ(dev.link.counters.retransmits, 0u);
  // The ACK is lost, and a second long frame follows: the repeat comes 200 ms after the first
  // frame's end, in the middle of the second (only one frame may precede the ACK).
  const uint32_t frame_end = now_ms;
  const auto data2 = frame_bytes(tmf::LinkFrameKind::kLinkFrameData, 1, 6, 0x77, payload.data(), 500);
  for (uint8_t b : data2) {
    if (dev.link.counters.retransmits > 0) break;
    tmf::link_device_on_byte(&dev.link, b, ++now_ms, &m);
    tmf::link_device_poll(&dev.link, now_ms);
  }
  TMF_EXPECT_EQ(dev.link.counters.retransmits, 1u);
  TMF_EXPECT_EQ(now_ms, frame_end + 200);
}

// Regression (power-cut test under load): a device reset into the session id it had (a power cut
// before its boot count was written) while the gateway still held that session. The gateway kept
// its old sequence numbers and dropped the device's frames from seq 0 as out of order, so the
// device never came online.
TMF_TEST(LinkSession, DeviceResetIntoTheSameSessionIdStartsAtSequenceZero) {
  Line up{std::mt19937(3), 0, 0, {}, {}}, down{std::mt19937(4), 0, 0, {}, {}};
  auto make_device = [&](DeviceEnd* dev) { return device_init(dev, &up, 91); };
  std::vector<std::vector<uint8_t>> published;
  tmf::gateway::GatewayIo io;
  io.write_device = [&](const uint8_t* b, size_t n) { down.write(b, n); };
  io.publish = [&](uint8_t, const uint8_t* b, size_t n) {
    published.emplace_back(b, b + n);
    return true;
  };
  io.mqtt_up = [] { return true; };
  io.note = [](const std::string&, uint32_t) {};
  tmf::gateway::GatewaySession gw(io);
  DeviceEnd dev;
  TMF_ASSERT(make_device(&dev));
  uint32_t now_ms = 0;
  auto run = [&](int steps) {
    for (int i = 0; i < steps; ++i, now_ms += 10) {
      const Clock::time_point now = Clock::time_point{} + std::chrono::milliseconds(now_ms);
      up.transmit();
      down.transmit();
      std::vector<uint8_t> a;
      a.swap(up.in_flight);
      gw.on_device_bytes(a.data(), a.size(), now);
      std::vector<uint8_t> b;
      b.swap(down.in_flight);
      for (uint8_t x : b) {
        tmf::LinkMessage m;
        tmf::link_device_on_byte(&dev.link, x, now_ms, &m);
      }
      tmf::link_device_poll(&dev.link, now_ms);
      gw.tick(now);
    }
  };
  run(50);
  const uint8_t first[3][2] = {{1, 1}, {2, 2}, {3, 3}};
  for (const auto& m : first) {
    TMF_ASSERT(tmf::link_device_send(&dev.link, 1, m, 2, now_ms) == tmf::LinkStatus::kLinkOk);
    run(30);
  }
  TMF_ASSERT(published.size() == 3);
  // Power cut and reboot into the same session id, 0.4 s later: within the gateway's silence window.
  DeviceEnd again;
  TMF_ASSERT(make_device(&again));
  dev = std::move(again);
  dev.link.config.write_context = &dev;
  run(40);
  const uint8_t after[2] = {9, 9};
  TMF_ASSERT(tmf::link_device_send(&dev.link, 1, after, 2, now_ms) == tmf::LinkStatus::kLinkOk);
  run(60);
  TMF_ASSERT(published.size() == 4);
  TMF_EXPECT(published[3] == std::vector<uint8_t>({9, 9}));
}

}  // namespace
}  // namespace tmf_test
