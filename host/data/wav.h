// WAV files: reading PCM integer (8/16/24/32-bit) and IEEE float (32-bit) audio, and writing
// float32 mono. Layout (all little-endian):
//   "RIFF" u32 size "WAVE", then chunks { char id[4]; u32 size; bytes[size]; pad to even }.
//   "fmt " (>= 16 bytes): u16 format (1 PCM, 3 float, 0xFFFE extensible: the sub-format GUID's
//   first u16 at byte 24), u16 channels, u32 sample_rate, u32 byte_rate, u16 block_align,
//   u16 bits_per_sample. "data": interleaved frames of block_align bytes. Other chunks are skipped.
// Untrusted input: every size is checked against the file before it is used.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tmf::data {

enum class WavFormat : uint16_t {
  kWavFormatPcm = 1,         // signed integer, 8-bit unsigned
  kWavFormatFloat = 3,       // IEEE-754 float32
  kWavFormatExtensible = 0xFFFE,
};

struct WavInfo {
  WavFormat format = WavFormat::kWavFormatPcm;  // after resolving extensible
  uint16_t channels = 0;
  uint32_t sample_rate_hz = 0;
  uint16_t bits_per_sample = 0;
  uint64_t frames = 0;  // samples per channel
};

struct WavSignal {
  WavInfo info;
  std::vector<float> samples;  // one channel; integers scaled to [-1, 1): v / 2^(bits-1)
};

// Decodes a WAV held in memory; `name` prefixes every error ("NAME: fmt chunk: block_align 3,
// expected 4 for 2 channels of 16 bits"). `channel` is 0-based. Throws DataError.
WavSignal wav_decode(const uint8_t* bytes, size_t size, const std::string& name, uint32_t channel);
WavSignal wav_read(const std::string& path, uint32_t channel = 0);

// A 44-byte header (format 3, 1 channel, 32 bits) followed by the samples.
std::vector<uint8_t> wav_encode_f32_mono(const std::vector<float>& samples, uint32_t sample_rate_hz);
// Writes PATH via PATH.tmp and a rename. Throws DataError.
void wav_write_f32_mono(const std::string& path, const std::vector<float>& samples,
                        uint32_t sample_rate_hz);

}  // namespace tmf::data
