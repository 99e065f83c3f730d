// libFuzzer target over the WAV reader (host/data/wav.h): any bytes must decode or raise a
// DataError naming the problem; never a crash, sanitizer report or hang.
#include <cstddef>
#include <cstdint>

#include "host/data/dataset.h"
#include "host/data/wav.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (uint32_t channel = 0; channel < 2; ++channel) {
    try {
      tmf::data::wav_decode(data, size, "fuzz.wav", channel);
    } catch (const tmf::data::DataError&) {
    }
  }
  return 0;
}
