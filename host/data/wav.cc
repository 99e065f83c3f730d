// WAV reading (PCM 8/16/24/32, float32; any channel count) and float32 mono writing (see wav.h).
#include "host/data/wav.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "host/data/dataset.h"

namespace tmf::data {
namespace {

uint16_t get_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t get_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
void put_u16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_tag(std::vector<uint8_t>& out, const char* tag) { out.insert(out.end(), tag, tag + 4); }

std::string tag_text(const uint8_t* p) {
  std::string s;
  for (int i = 0; i < 4; ++i) {
    s += (p[i] >= 0x20 && p[i] < 0x7f) ? static_cast<char>(p[i]) : '?';
  }
  return s;
}

float decode_sample(const uint8_t* p, WavFormat format, uint16_t bits) {
  if (format == WavFormat::kWavFormatFloat) {
    float f;
    const uint32_t u = get_u32(p);
    std::memcpy(&f, &u, 4);
    return f;
  }
  switch (bits) {
    case 8: return (static_cast<int>(p[0]) - 128) / 128.0f;
    case 16: return static_cast<int16_t>(get_u16(p)) / 32768.0f;
    case 24: {
      // Sign-extend the 24-bit value through the top byte of a 32-bit word.
      const int32_t v = static_cast<int32_t>(static_cast<uint32_t>(p[0]) << 8 |
                                             static_cast<uint32_t>(p[1]) << 16 |
                                             static_cast<uint32_t>(p[2]) << 24) >> 8;
      return static_cast<float>(v / 8388608.0);
    }
    default: return static_cast<float>(static_cast<int32_t>(get_u32(p)) / 2147483648.0);
  }
}

}  // namespace

WavSignal wav_decode(const uint8_t* bytes, size_t size, const std::string& name, uint32_t channel) {
  const auto fail = [&](const std::string& what) { throw DataError(name + ": " + what); };
  if (size < 12) fail("too short for a RIFF header (" + std::to_string(size) + " bytes)");
  if (std::memcmp(bytes, "RIFF", 4) != 0) fail("RIFF header: tag '" + tag_text(bytes) + "', expected 'RIFF'");
  if (std::memcmp(bytes + 8, "WAVE", 4) != 0) fail("RIFF header: form '" + tag_text(bytes + 8) + "', expected 'WAVE'");
  const uint64_t riff_size = get_u32(bytes + 4);
  if (riff_size < 4 || riff_size + 8 > size) {
    fail("RIFF header: size " + std::to_string(riff_size) + " does not fit the file (" +
         std::to_string(size) + " bytes)");
  }
  const uint64_t end = riff_size + 8;

  WavSignal out;
  WavInfo& info = out.info;
  bool have_fmt = false;
  uint16_t block_align = 0;
  uint64_t pos = 12;
  while (true) {
    if (pos + 8 > end) fail("no 'data' chunk");
    const uint8_t* chunk = bytes + pos;
    const uint64_t chunk_size = get_u32(chunk + 4);
    const std::string id = tag_text(chunk);
    if (pos + 8 + chunk_size > end) {
      fail("chunk '" + id + "' at byte " + std::to_string(pos) + ": size " +
           std::to_string(chunk_size) + " runs past the end of the RIFF data (" +
           std::to_string(end) + " bytes)");
    }
    const uint8_t* body = chunk + 8;
    if (id == "fmt ") {
      if (have_fmt) fail("fmt chunk appears twice");
      if (chunk_size < 16) fail("fmt chunk: size " + std::to_string(chunk_size) + ", expected at least 16");
      uint16_t format = get_u16(body);
      info.channels = get_u16(body + 2);
      info.sample_rate_hz = get_u32(body + 4);
      const uint32_t byte_rate = get_u32(body + 8);
      block_align = get_u16(body + 12);
      info.bits_per_sample = get_u16(body + 14);
      if (format == static_cast<uint16_t>(WavFormat::kWavFormatExtensible)) {
        if (chunk_size < 40) fail("fmt chunk: extensible format needs 40 bytes, has " + std::to_string(chunk_size));
        format = get_u16(body + 24);  // first two bytes of the sub-format GUID
      }
      if (format == static_cast<uint16_t>(WavFormat::kWavFormatPcm)) {
        info.format = WavFormat::kWavFormatPcm;
        if (info.bits_per_sample != 8 && info.bits_per_sample != 16 && info.bits_per_sample != 24 &&
            info.bits_per_sample != 32) {
          fail("fmt chunk: bits_per_sample " + std::to_string(info.bits_per_sample) +
               " is not supported for PCM (8, 16, 24 or 32)");
        }
      } else if (format == static_cast<uint16_t>(WavFormat::kWavFormatFloat)) {
        info.format = WavFormat::kWavFormatFloat;
        if (info.bits_per_sample != 32) {
          fail("fmt chunk: bits_per_sample " + std::to_string(info.bits_per_sample) +
               " is not supported for float (32 only)");
        }
      } else {
        fail("fmt chunk: audio_format " + std::to_string(format) +
             " is not supported (1 = PCM, 3 = IEEE float)");
      }
      if (info.channels == 0) fail("fmt chunk: channels is 0");
      if (info.sample_rate_hz == 0) fail("fmt chunk: sample_rate is 0");
      const uint32_t expected_align = info.channels * (info.bits_per_sample / 8u);
      if (block_align != expected_align) {
        fail("fmt chunk: block_align " + std::to_string(block_align) + ", expected " +
             std::to_string(expected_align) + " for " + std::to_string(info.channels) +
             " channel(s) of " + std::to_string(info.bits_per_sample) + " bits");
      }
      const uint64_t expected_rate = static_cast<uint64_t>(info.sample_rate_hz) * block_align;
      if (byte_rate != expected_rate) {
        fail("fmt chunk: byte_rate " + std::to_string(byte_rate) + ", expected " +
             std::to_string(expected_rate) + " (sample_rate x block_align)");
      }
      have_fmt = true;
    } else if (id == "data") {
      if (!have_fmt) fail("'data' chunk before the 'fmt ' chunk");
      if (chunk_size % block_align != 0) {
        fail("data chunk: size " + std::to_string(chunk_size) +
             " is not a whole number of frames of " + std::to_string(block_align) + " bytes");
      }
      if (channel >= info.channels) {
        fail("channel " + std::to_string(channel) + " requested, the file has " +
             std::to_string(info.channels) + " (0-based)");
      }
      info.frames = chunk_size / block_align;
      out.samples.resize(info.frames);
      const uint32_t width = info.bits_per_sample / 8u;
      for (uint64_t f = 0; f < info.frames; ++f) {
        out.samples[f] = decode_sample(body + f * block_align + channel * width, info.format,
                                       info.bits_per_sample);
      }
      return out;
    }
    pos += 8 + chunk_size + (chunk_size & 1);
  }
}

WavSignal wav_read(const std::string& path, uint32_t channel) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open: " + std::strerror(errno));
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError(path + ": read error");
  return wav_decode(bytes.data(), bytes.size(), path, channel);
}

std::vector<uint8_t> wav_encode_f32_mono(const std::vector<float>& samples, uint32_t sample_rate_hz) {
  const uint64_t data_bytes = samples.size() * 4ull;
  if (data_bytes + 36 > UINT32_MAX) throw DataError("WAV: " + std::to_string(samples.size()) + " samples do not fit a RIFF file");
  std::vector<uint8_t> out;
  out.reserve(44 + data_bytes);
  put_tag(out, "RIFF");
  put_u32(out, static_cast<uint32_t>(36 + data_bytes));
  put_tag(out, "WAVE");
  put_tag(out, "fmt ");
  put_u32(out, 16);
  put_u16(out, static_cast<uint16_t>(WavFormat::kWavFormatFloat));
  put_u16(out, 1);
  put_u32(out, sample_rate_hz);
  put_u32(out, sample_rate_hz * 4);
  put_u16(out, 4);
  put_u16(out, 32);
  put_tag(out, "data");
  put_u32(out, static_cast<uint32_t>(data_bytes));
  for (float f : samples) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    put_u32(out, u);
  }
  return out;
}

void wav_write_f32_mono(const std::string& path, const std::vector<float>& samples,
                        uint32_t sample_rate_hz) {
  const std::vector<uint8_t> bytes = wav_encode_f32_mono(samples, sample_rate_hz);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw DataError(tmp + ": cannot create: " + std::strerror(errno));
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw DataError(tmp + ": write failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw DataError(path + ": cannot replace: " + std::strerror(errno));
  }
}

}  // namespace tmf::data
