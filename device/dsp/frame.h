// Framing of a sample stream into windows of frame_length samples every hop samples: frame i holds
// samples [i * hop, i * hop + frame_length). Only complete frames are produced; hop may exceed the
// frame length (samples between frames are skipped).
#pragma once

#include <stdint.h>

#include "device/dsp/dsp_status.h"

namespace tmf::dsp {

// *count = number of complete frames in a signal of signal_length samples:
// 0 if signal_length < frame_length, else (signal_length - frame_length) / hop + 1.
// Errors: kErrNullArgument, kErrBadLength (frame_length == 0), kErrBadParams (hop == 0).
DspStatus frame_count(uint32_t signal_length, uint32_t frame_length, uint32_t hop, uint32_t* count);

// Copies frame `index` of signal[0..signal_length-1] into out[0..frame_length-1].
// Errors: as frame_count, and kErrBadIndex if index >= the frame count.
DspStatus frame_copy(const float* signal, uint32_t signal_length, uint32_t frame_length,
                     uint32_t hop, uint32_t index, float* out);

// A multi-axis sensor's frames (C values per sample time, interleaved as its FIFO gives them) to
// the channel-major window a multi-channel DSP_FEATURES takes: planar[c * frames + t] =
// interleaved[t * channels + c]. The buffers must not overlap.
// Errors: kErrNullArgument, kErrBadLength (frames or channels 0, or frames * channels overflows).
DspStatus frame_deinterleave(const float* interleaved, uint32_t frames, uint32_t channels, float* planar);

// The same mapping for a window filled piece by piece, as a sensor delivers it (no second window
// buffer): samples [first, first + count) of the interleaved stream of one window go to their
// places in the channel-major window, stream sample k to planar[(k % channels) * frames +
// k / channels]. frame_scatter(x, 0, frames * channels, frames, channels, p) equals
// frame_deinterleave(x, frames, channels, p).
// Errors: kErrNullArgument, kErrBadLength (frames or channels 0, frames * channels overflows, or
// first + count beyond the window).
DspStatus frame_scatter(const float* interleaved, uint32_t first, uint32_t count, uint32_t frames, uint32_t channels,
                        float* planar);

// Streaming framer for samples arriving in chunks of any size: a ring of the last frame_length
// samples in caller memory. Pushing the stream in any chunking yields exactly the frames
// frame_copy gives for the concatenated stream. A zero-initialised stream is "not initialised".
struct FrameStream {
  float* ring;            // frame_length floats (caller memory, lives as long as the stream)
  uint32_t frame_length;
  uint32_t hop;
  uint32_t write;         // ring index of the next sample
  uint32_t until_frame;   // samples still needed to complete the next frame
};

// Bytes of caller memory a stream of frame_length needs (4 * frame_length).
uint32_t frame_stream_bytes(uint32_t frame_length);

// Errors: kErrNullArgument, kErrBadLength (frame_length == 0 or too large), kErrBadParams (hop ==
// 0), kErrWorkMisaligned, kErrWorkTooSmall.
DspStatus frame_stream_init(FrameStream* stream, uint32_t frame_length, uint32_t hop, void* memory,
                            uint32_t memory_bytes);

// Consumes samples[0..*consumed-1] (*consumed <= n), stopping right after a frame completes: then
// *frame_ready is true and the frame (frame_length floats, oldest first) is in frame_out. Call again
// with the rest of the chunk until it is consumed. frame_out must not overlap the ring.
// Errors: kErrNullArgument (n may be 0 with samples null), kErrNotInitialized.
DspStatus frame_stream_push(FrameStream* stream, const float* samples, uint32_t n,
                            uint32_t* consumed, float* frame_out, bool* frame_ready);

}  // namespace tmf::dsp
