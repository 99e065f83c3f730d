// Frame counting and copying for whole signals, and a ring-buffer framer for streams.
#include "device/dsp/frame.h"

#include <string.h>

namespace tmf::dsp {

DspStatus frame_count(uint32_t signal_length, uint32_t frame_length, uint32_t hop,
                      uint32_t* count) {
  if (count == nullptr) return DspStatus::kErrNullArgument;
  *count = 0;
  if (frame_length == 0) return DspStatus::kErrBadLength;
  if (hop == 0) return DspStatus::kErrBadParams;
  if (signal_length >= frame_length) *count = (signal_length - frame_length) / hop + 1;
  return DspStatus::kOk;
}

DspStatus frame_copy(const float* signal, uint32_t signal_length, uint32_t frame_length,
                     uint32_t hop, uint32_t index, float* out) {
  if (signal == nullptr || out == nullptr) return DspStatus::kErrNullArgument;
  uint32_t count = 0;
  const DspStatus status = frame_count(signal_length, frame_length, hop, &count);
  if (status != DspStatus::kOk) return status;
  if (index >= count) return DspStatus::kErrBadIndex;
  // index < count implies index * hop + frame_length <= signal_length: no overflow.
  memmove(out, signal + static_cast<uint32_t>(index * hop), frame_length * sizeof(float));
  return DspStatus::kOk;
}

DspStatus frame_deinterleave(const float* interleaved, uint32_t frames, uint32_t channels, float* planar) {
  if (interleaved == nullptr || planar == nullptr) return DspStatus::kErrNullArgument;
  if (frames == 0 || channels == 0 || frames > UINT32_MAX / channels) return DspStatus::kErrBadLength;
  for (uint32_t c = 0; c < channels; ++c) {
    const float* in = interleaved + c;
    float* out = planar + c * frames;
    for (uint32_t t = 0; t < frames; ++t) out[t] = in[t * channels];
  }
  return DspStatus::kOk;
}

DspStatus frame_scatter(const float* interleaved, uint32_t first, uint32_t count, uint32_t frames, uint32_t channels,
                        float* planar) {
  if (interleaved == nullptr || planar == nullptr) return DspStatus::kErrNullArgument;
  if (frames == 0 || channels == 0 || frames > UINT32_MAX / channels) return DspStatus::kErrBadLength;
  const uint32_t total = frames * channels;
  if (first > total || count > total - first) return DspStatus::kErrBadLength;
  uint32_t c = first % channels, t = first / channels;
  for (uint32_t i = 0; i < count; ++i) {
    planar[c * frames + t] = interleaved[i];
    if (++c == channels) c = 0, ++t;
  }
  return DspStatus::kOk;
}

uint32_t frame_stream_bytes(uint32_t frame_length) {
  return frame_length > UINT32_MAX / sizeof(float) ? 0 : frame_length * sizeof(float);
}

DspStatus frame_stream_init(FrameStream* stream, uint32_t frame_length, uint32_t hop, void* memory,
                            uint32_t memory_bytes) {
  if (stream == nullptr) return DspStatus::kErrNullArgument;
  memset(stream, 0, sizeof(*stream));
  if (memory == nullptr) return DspStatus::kErrNullArgument;
  if (frame_length == 0 || frame_stream_bytes(frame_length) == 0) return DspStatus::kErrBadLength;
  if (hop == 0) return DspStatus::kErrBadParams;
  if (reinterpret_cast<uintptr_t>(memory) % alignof(float) != 0) {
    return DspStatus::kErrWorkMisaligned;
  }
  if (memory_bytes < frame_stream_bytes(frame_length)) return DspStatus::kErrWorkTooSmall;
  stream->ring = static_cast<float*>(memory);
  stream->frame_length = frame_length;
  stream->hop = hop;
  stream->write = 0;
  stream->until_frame = frame_length;
  return DspStatus::kOk;
}

DspStatus frame_stream_push(FrameStream* stream, const float* samples, uint32_t n,
                            uint32_t* consumed, float* frame_out, bool* frame_ready) {
  if (stream == nullptr || consumed == nullptr || frame_out == nullptr || frame_ready == nullptr) {
    return DspStatus::kErrNullArgument;
  }
  *consumed = 0;
  *frame_ready = false;
  if (samples == nullptr && n != 0) return DspStatus::kErrNullArgument;
  const uint32_t length = stream->frame_length;
  if (stream->ring == nullptr || length == 0 || stream->hop == 0 || stream->write >= length ||
      stream->until_frame == 0) {
    return DspStatus::kErrNotInitialized;
  }
  // The ring always holds the last `length` samples; the frame completes when until_frame reaches
  // 0 (after `length` samples at first, then every `hop` samples).
  const uint32_t take = n < stream->until_frame ? n : stream->until_frame;
  // Of more than `length` samples only the last `length` can stay in the ring.
  const uint32_t skip = take > length ? take - length : 0;
  stream->write = static_cast<uint32_t>((stream->write + skip % length) % length);
  const float* src = samples + skip;
  uint32_t left = take - skip;
  while (left > 0) {
    const uint32_t room = length - stream->write;
    const uint32_t chunk = left < room ? left : room;
    memcpy(stream->ring + stream->write, src, chunk * sizeof(float));
    stream->write = (stream->write + chunk) % length;
    src += chunk;
    left -= chunk;
  }
  stream->until_frame -= take;
  *consumed = take;
  if (stream->until_frame == 0) {
    // Oldest sample at `write`.
    const uint32_t tail = length - stream->write;
    memcpy(frame_out, stream->ring + stream->write, tail * sizeof(float));
    memcpy(frame_out + tail, stream->ring, stream->write * sizeof(float));
    stream->until_frame = stream->hop;
    *frame_ready = true;
  }
  return DspStatus::kOk;
}

}  // namespace tmf::dsp
