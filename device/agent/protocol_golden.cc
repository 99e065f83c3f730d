// The derived golden input of package type 2 (protocol.h, docs/protocol.md): the device computes
// its self-test input from the signed content hash, so a model's inputs need not fit a MANIFEST.
#include "protocol.h"

#include "device/runtime/le_bytes.h"

namespace tmf {
namespace {

// SplitMix64 (Steele, Lea, Flood 2014): one 64-bit output per step.
uint64_t golden_next(OtaGoldenStream* s) {
  s->state += 0x9E3779B97F4A7C15ull;
  uint64_t z = s->state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

void ota_golden_stream_init(OtaGoldenStream* stream, const uint8_t content_sha256[32]) {
  uint64_t seed = 0;
  for (int i = 7; i >= 0; --i) seed = (seed << 8) | content_sha256[i];
  stream->state = seed;
}

void ota_golden_input_fill(OtaGoldenStream* stream, bool float32, uint8_t* out, uint32_t bytes) {
  uint32_t at = 0;
  if (float32) {
    for (; at + 4 <= bytes; at += 4) {
      // 24 random bits centred on 0 and scaled by 2^-23: exact in float32, the same on every core.
      const int32_t v = static_cast<int32_t>(golden_next(stream) >> 40) - (1 << 23);
      le::put_f32(out + at, static_cast<float>(v) * (1.0f / 8388608.0f));
    }
  }
  for (; at < bytes; ++at) out[at] = static_cast<uint8_t>(golden_next(stream) >> 56);
}

}  // namespace tmf
