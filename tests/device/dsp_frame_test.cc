// Framing (device/dsp/frame.h) against the definition frame i = samples [i*hop, i*hop + length):
// counts worked out by hand for the edge cases (signal shorter than a frame, exactly one frame,
// hop larger than the frame), contents of a ramp signal (sample value = its index), and the
// streaming framer against frame_copy for random chunkings (xorshift32, seeded).
#include "device/dsp/frame.h"

#include "tests/support/tmf_test.h"

namespace tmf::dsp {
namespace {

float g_signal[300];
float g_frame[16];
float g_expected[16];
alignas(4) float g_ring[17];

uint32_t xorshift32(uint32_t* state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

uint32_t count_of(uint32_t length, uint32_t frame_length, uint32_t hop) {
  uint32_t count = 12345;
  if (frame_count(length, frame_length, hop, &count) != DspStatus::kOk) return 12345;
  return count;
}

TMF_TEST(DspFrame, DeinterleaveGivesChannelMajorWindows) {
  // Value 1000 * channel + time: each planar row must read 1000c, 1000c + 1, ...
  static float interleaved[3 * 40], planar[3 * 40];
  for (uint32_t t = 0; t < 40; ++t) {
    for (uint32_t c = 0; c < 3; ++c) interleaved[t * 3 + c] = static_cast<float>(1000 * c + t);
  }
  TMF_EXPECT(frame_deinterleave(interleaved, 40, 3, planar) == DspStatus::kOk);
  bool ok = true;
  for (uint32_t c = 0; c < 3; ++c) {
    for (uint32_t t = 0; t < 40; ++t) ok = ok && planar[c * 40 + t] == static_cast<float>(1000 * c + t);
  }
  TMF_EXPECT(ok);
  TMF_EXPECT(frame_deinterleave(nullptr, 40, 3, planar) == DspStatus::kErrNullArgument);
  TMF_EXPECT(frame_deinterleave(interleaved, 0, 3, planar) == DspStatus::kErrBadLength);
  TMF_EXPECT(frame_deinterleave(interleaved, 40, 0, planar) == DspStatus::kErrBadLength);
  TMF_EXPECT(frame_deinterleave(interleaved, 0x80000000u, 2, planar) == DspStatus::kErrBadLength);
}

// A window filled in pieces of every size 1..7 (the sensor's reads), against the definition
// planar[c * frames + t] = stream[t * channels + c] written out by hand here.
TMF_TEST(DspFrame, ScatterInPiecesGivesTheDeinterleavedWindow) {
  static float stream[3 * 40], planar[3 * 40];
  for (uint32_t k = 0; k < 3 * 40; ++k) stream[k] = static_cast<float>(k);
  for (uint32_t piece = 1; piece <= 7; ++piece) {
    for (uint32_t k = 0; k < 3 * 40; ++k) planar[k] = -1.0f;
    for (uint32_t at = 0; at < 3 * 40; at += piece) {
      const uint32_t n = 3 * 40 - at < piece ? 3 * 40 - at : piece;
      TMF_ASSERT(frame_scatter(stream + at, at, n, 40, 3, planar) == DspStatus::kOk);
    }
    bool ok = true;
    for (uint32_t c = 0; c < 3; ++c) {
      for (uint32_t t = 0; t < 40; ++t) ok = ok && planar[c * 40 + t] == static_cast<float>(t * 3 + c);
    }
    TMF_EXPECT(ok);
  }
  TMF_EXPECT(frame_scatter(nullptr, 0, 1, 40, 3, planar) == DspStatus::kErrNullArgument);
  TMF_EXPECT(frame_scatter(stream, 0, 1, 40, 3, nullptr) == DspStatus::kErrNullArgument);
  TMF_EXPECT(frame_scatter(stream, 0, 1, 0, 3, planar) == DspStatus::kErrBadLength);
  TMF_EXPECT(frame_scatter(stream, 0, 1, 40, 0, planar) == DspStatus::kErrBadLength);
  TMF_EXPECT(frame_scatter(stream, 119, 2, 40, 3, planar) == DspStatus::kErrBadLength);  // past the window
  TMF_EXPECT(frame_scatter(stream, 121, 0, 40, 3, planar) == DspStatus::kErrBadLength);
  TMF_EXPECT(frame_scatter(stream, 0, 1, 0x80000000u, 2, planar) == DspStatus::kErrBadLength);
  TMF_EXPECT(frame_scatter(stream, 120, 0, 40, 3, planar) == DspStatus::kOk);  // nothing left: a no-op
}

TMF_TEST(DspFrame, CountsForEdgeCases) {
  TMF_EXPECT_EQ(count_of(0, 4, 1), 0);
  TMF_EXPECT_EQ(count_of(3, 4, 1), 0);    // shorter than one frame
  TMF_EXPECT_EQ(count_of(4, 4, 1), 1);    // exactly one frame
  TMF_EXPECT_EQ(count_of(4, 4, 100), 1);
  TMF_EXPECT_EQ(count_of(10, 4, 2), 4);   // starts 0, 2, 4, 6
  TMF_EXPECT_EQ(count_of(11, 4, 2), 4);   // the trailing partial frame is dropped
  TMF_EXPECT_EQ(count_of(10, 4, 7), 1);   // hop > frame: the next would start at 7, end at 11
  TMF_EXPECT_EQ(count_of(11, 4, 7), 2);
  TMF_EXPECT_EQ(count_of(20, 3, 5), 4);   // starts 0, 5, 10, 15
  TMF_EXPECT_EQ(count_of(12000, 1024, 512), 22);
  TMF_EXPECT_EQ(count_of(0xFFFFFFFFu, 1, 1), 0xFFFFFFFFu);
}

TMF_TEST(DspFrame, CopyHoldsTheRightSamples) {
  for (uint32_t i = 0; i < 300; ++i) g_signal[i] = static_cast<float>(i);
  const uint32_t hops[] = {1, 3, 8, 13};
  for (uint32_t hop : hops) {
    uint32_t count = 0;
    TMF_ASSERT(frame_count(100, 8, hop, &count) == DspStatus::kOk);
    for (uint32_t f = 0; f < count; ++f) {
      TMF_ASSERT(frame_copy(g_signal, 100, 8, hop, f, g_frame) == DspStatus::kOk);
      for (uint32_t j = 0; j < 8; ++j) TMF_EXPECT(g_frame[j] == static_cast<float>(f * hop + j));
    }
    TMF_EXPECT(frame_copy(g_signal, 100, 8, hop, count, g_frame) == DspStatus::kErrBadIndex);
  }
  TMF_EXPECT(frame_copy(g_signal, 7, 8, 1, 0, g_frame) == DspStatus::kErrBadIndex);
}

TMF_TEST(DspFrame, CountAndCopyErrors) {
  uint32_t count = 0;
  TMF_EXPECT(frame_count(10, 4, 2, nullptr) == DspStatus::kErrNullArgument);
  TMF_EXPECT(frame_count(10, 0, 2, &count) == DspStatus::kErrBadLength);
  TMF_EXPECT(frame_count(10, 4, 0, &count) == DspStatus::kErrBadParams);
  TMF_EXPECT(frame_copy(nullptr, 10, 4, 2, 0, g_frame) == DspStatus::kErrNullArgument);
  TMF_EXPECT(frame_copy(g_signal, 10, 4, 2, 0, nullptr) == DspStatus::kErrNullArgument);
  TMF_EXPECT(frame_copy(g_signal, 10, 0, 2, 0, g_frame) == DspStatus::kErrBadLength);
  TMF_EXPECT(frame_copy(g_signal, 10, 4, 0, 0, g_frame) == DspStatus::kErrBadParams);
}

TMF_TEST(DspFrame, StreamMatchesCopyForAnyChunking) {
  for (uint32_t i = 0; i < 300; ++i) g_signal[i] = static_cast<float>(i);
  const uint32_t length = 300;
  const uint32_t frame_lengths[] = {1, 5, 16};
  const uint32_t hops[] = {1, 3, 5, 16, 37};
  uint32_t seed = 12345;
  for (uint32_t frame_length : frame_lengths) {
    for (uint32_t hop : hops) {
      for (int trial = 0; trial < 3; ++trial) {
        FrameStream stream{};
        TMF_ASSERT(frame_stream_init(&stream, frame_length, hop, g_ring, sizeof(g_ring)) ==
                   DspStatus::kOk);
        uint32_t expected_count = 0;
        TMF_ASSERT(frame_count(length, frame_length, hop, &expected_count) == DspStatus::kOk);
        uint32_t produced = 0;
        uint32_t pos = 0;
        while (pos < length) {
          uint32_t chunk = trial == 0 ? 1 : xorshift32(&seed) % (trial == 1 ? 7 : 60);
          if (chunk > length - pos) chunk = length - pos;
          const float* p = g_signal + pos;
          uint32_t left = chunk;
          do {  // chunk 0 is a legal no-op push
            uint32_t used = 0;
            bool ready = false;
            TMF_ASSERT(frame_stream_push(&stream, p, left, &used, g_frame, &ready) ==
                       DspStatus::kOk);
            TMF_ASSERT(used <= left);
            p += used;
            left -= used;
            if (ready) {
              TMF_ASSERT(produced < expected_count);
              TMF_ASSERT(frame_copy(g_signal, length, frame_length, hop, produced, g_expected) ==
                         DspStatus::kOk);
              TMF_EXPECT_BYTES_EQ(g_frame, g_expected, frame_length * sizeof(float));
              ++produced;
            }
          } while (left > 0);
          pos += chunk;
        }
        TMF_EXPECT_EQ(produced, expected_count);
      }
    }
  }
}

TMF_TEST(DspFrame, StreamErrors) {
  FrameStream stream{};
  uint32_t used = 0;
  bool ready = false;
  TMF_EXPECT_EQ(frame_stream_bytes(16), 64);
  TMF_EXPECT_EQ(frame_stream_bytes(0x40000000u), 0);  // 4 * n would overflow
  TMF_EXPECT(frame_stream_push(&stream, g_signal, 4, &used, g_frame, &ready) ==
             DspStatus::kErrNotInitialized);
  TMF_EXPECT(frame_stream_init(nullptr, 4, 2, g_ring, 16) == DspStatus::kErrNullArgument);
  TMF_EXPECT(frame_stream_init(&stream, 4, 2, nullptr, 16) == DspStatus::kErrNullArgument);
  TMF_EXPECT(frame_stream_init(&stream, 0, 2, g_ring, 16) == DspStatus::kErrBadLength);
  TMF_EXPECT(frame_stream_init(&stream, 0x40000000u, 2, g_ring, 16) == DspStatus::kErrBadLength);
  TMF_EXPECT(frame_stream_init(&stream, 4, 0, g_ring, 16) == DspStatus::kErrBadParams);
  char* misaligned = reinterpret_cast<char*>(g_ring) + 2;
  TMF_EXPECT(frame_stream_init(&stream, 4, 2, misaligned, 16) == DspStatus::kErrWorkMisaligned);
  TMF_EXPECT(frame_stream_init(&stream, 4, 2, g_ring, 15) == DspStatus::kErrWorkTooSmall);
  TMF_EXPECT(frame_stream_push(&stream, g_signal, 4, &used, g_frame, &ready) ==
             DspStatus::kErrNotInitialized);
  TMF_ASSERT(frame_stream_init(&stream, 4, 2, g_ring, 16) == DspStatus::kOk);
  TMF_EXPECT(frame_stream_push(nullptr, g_signal, 4, &used, g_frame, &ready) ==
             DspStatus::kErrNullArgument);
  TMF_EXPECT(frame_stream_push(&stream, nullptr, 4, &used, g_frame, &ready) ==
             DspStatus::kErrNullArgument);
  TMF_EXPECT(frame_stream_push(&stream, g_signal, 4, nullptr, g_frame, &ready) ==
             DspStatus::kErrNullArgument);
  TMF_EXPECT(frame_stream_push(&stream, g_signal, 4, &used, nullptr, &ready) ==
             DspStatus::kErrNullArgument);
  TMF_EXPECT(frame_stream_push(&stream, g_signal, 4, &used, g_frame, nullptr) ==
             DspStatus::kErrNullArgument);
  TMF_EXPECT(frame_stream_push(&stream, nullptr, 0, &used, g_frame, &ready) == DspStatus::kOk);
  TMF_EXPECT(used == 0 && !ready);
  stream.write = 4;  // corrupted state is refused, not trusted
  TMF_EXPECT(frame_stream_push(&stream, g_signal, 4, &used, g_frame, &ready) ==
             DspStatus::kErrNotInitialized);
}

}  // namespace
}  // namespace tmf::dsp
