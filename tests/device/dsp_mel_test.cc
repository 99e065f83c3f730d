// Mel filterbank (device/dsp/mel.h) against an oracle evaluated in double in this file: the HTK
// scale 2595 log10(1 + f/700) at known points (mel(700) = 2595 log10 2 = 781.17, mel(1000) =
// 999.99), and the triangle max(0, min((f - l)/(c - l), (r - f)/(r - c))) on mel-spaced corners
// (the librosa htk=True, norm=None construction); HTK's partition of unity: the weights of a bin
// sum to 1 between the first and last centres.
#include "device/dsp/mel.h"

#include <math.h>

#include "tests/support/tmf_test.h"

namespace tmf::dsp {
namespace {

alignas(4) uint8_t g_memory[3084 + 4];  // mel_filterbank_bytes(1024) = 3080
float g_power[513];
float g_energies[64];

double mel_oracle(double hz) { return 2595.0 * log10(1.0 + hz / 700.0); }
double hz_oracle(double mel) { return 700.0 * (pow(10.0, mel / 2595.0) - 1.0); }

double corner_oracle(double f_lo, double f_hi, uint32_t num_mel, uint32_t j) {
  const double lo = mel_oracle(f_lo);
  return hz_oracle(lo + j * (mel_oracle(f_hi) - lo) / (num_mel + 1));
}

double weight_oracle(double f_lo, double f_hi, uint32_t num_mel, uint32_t m, double f) {
  const double l = corner_oracle(f_lo, f_hi, num_mel, m);
  const double c = corner_oracle(f_lo, f_hi, num_mel, m + 1);
  const double r = corner_oracle(f_lo, f_hi, num_mel, m + 2);
  const double up = (f - l) / (c - l);
  const double down = (r - f) / (r - c);
  const double w = up < down ? up : down;
  return w > 0.0 ? w : 0.0;
}

uint32_t xorshift32(uint32_t* state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

TMF_TEST(DspMel, ScaleAtKnownPoints) {
  TMF_EXPECT(mel_from_hz(0.0f) == 0.0f);
  TMF_EXPECT(fabs(mel_from_hz(700.0f) - 2595.0 * log10(2.0)) < 1e-3);
  TMF_EXPECT(fabs(mel_from_hz(1000.0f) - 999.9855) < 1e-3);
  TMF_EXPECT(fabs(mel_from_hz(6000.0f) - mel_oracle(6000.0)) < 1e-3);
  const float freqs[] = {0.0f, 50.0f, 440.0f, 1000.0f, 3000.0f, 6000.0f, 24000.0f};
  for (float f : freqs) {
    TMF_EXPECT(fabs(mel_to_hz(mel_from_hz(f)) - f) < 1e-5 * (f + 1.0f));
    TMF_EXPECT(fabs(mel_to_hz(static_cast<float>(mel_oracle(f))) - f) < 1e-5 * (f + 1.0f));
  }
}

struct MelCase {
  uint32_t n_fft;
  float sample_rate;
  float f_lo;
  float f_hi;
  uint32_t num_mel;
};

const MelCase kCases[] = {
    {1024, 12000.0f, 0.0f, 6000.0f, 40},   // bearing data: whole band
    {1024, 12000.0f, 300.0f, 5000.0f, 23},
    {256, 16000.0f, 20.0f, 8000.0f, 26},
    {64, 12000.0f, 100.0f, 6000.0f, 8},
};

TMF_TEST(DspMel, WeightsMatchOracleTriangles) {
  for (const MelCase& c : kCases) {
    MelFilterbank fb{};
    TMF_ASSERT(mel_filterbank_init(&fb, c.n_fft, c.sample_rate, c.f_lo, c.f_hi, c.num_mel, g_memory,
                                   sizeof(g_memory)) == DspStatus::kOk);
    double max_err = 0.0;
    for (uint32_t m = 0; m < c.num_mel; ++m) {
      for (uint32_t k = 0; k <= c.n_fft / 2; ++k) {
        const double f = static_cast<double>(k) * c.sample_rate / c.n_fft;
        const double err = fabs(mel_filterbank_weight(&fb, m, k) -
                                weight_oracle(c.f_lo, c.f_hi, c.num_mel, m, f));
        if (err > max_err) max_err = err;
      }
    }
    TMF_EXPECT(max_err < 1e-4);
  }
}

TMF_TEST(DspMel, EachFilterPeaksAtItsCentre) {
  for (const MelCase& c : kCases) {
    MelFilterbank fb{};
    TMF_ASSERT(mel_filterbank_init(&fb, c.n_fft, c.sample_rate, c.f_lo, c.f_hi, c.num_mel, g_memory,
                                   sizeof(g_memory)) == DspStatus::kOk);
    const double hz_per_bin = static_cast<double>(c.sample_rate) / c.n_fft;
    for (uint32_t m = 0; m < c.num_mel; ++m) {
      // Rises up to the centre, falls after it; the heaviest bin is one next to the centre.
      const double centre = corner_oracle(c.f_lo, c.f_hi, c.num_mel, m + 1);
      uint32_t best = 0;
      for (uint32_t k = 1; k <= c.n_fft / 2; ++k) {
        const float w = mel_filterbank_weight(&fb, m, k);
        const float prev = mel_filterbank_weight(&fb, m, k - 1);
        if (k * hz_per_bin <= centre) TMF_EXPECT(w >= prev);
        if ((k - 1) * hz_per_bin >= centre) TMF_EXPECT(w <= prev);
        if (w > mel_filterbank_weight(&fb, m, best)) best = k;
      }
      TMF_EXPECT(fabs(best * hz_per_bin - centre) <= hz_per_bin);
    }
  }
  // One filter on [0, hz(2 mel(1024))] has its centre at 1024 Hz, bin 16 of 64 Hz bins: weight 1
  // there (to float rounding of the corners) and 1/2 at 512 Hz, half-way up the (linear in Hz) slope.
  const float f_hi = mel_to_hz(2.0f * mel_from_hz(1024.0f));  // ~3546 Hz
  MelFilterbank fb{};
  TMF_ASSERT(mel_filterbank_init(&fb, 256, 16384.0f, 0.0f, f_hi, 1, g_memory, sizeof(g_memory)) ==
             DspStatus::kOk);
  TMF_EXPECT(mel_filterbank_weight(&fb, 0, 16) > 0.9999f);
  TMF_EXPECT(fabs(mel_filterbank_weight(&fb, 0, 8) - 0.5) < 1e-4);  // 512 / 1024
  TMF_EXPECT(mel_filterbank_weight(&fb, 0, 0) == 0.0f);
  for (uint32_t k = 0; k <= 128; ++k) {
    TMF_EXPECT(mel_filterbank_weight(&fb, 0, k) <= mel_filterbank_weight(&fb, 0, 16));
  }
}

TMF_TEST(DspMel, WeightsSumToOneBetweenFirstAndLastCentres) {
  for (const MelCase& c : kCases) {
    MelFilterbank fb{};
    TMF_ASSERT(mel_filterbank_init(&fb, c.n_fft, c.sample_rate, c.f_lo, c.f_hi, c.num_mel, g_memory,
                                   sizeof(g_memory)) == DspStatus::kOk);
    const double first = corner_oracle(c.f_lo, c.f_hi, c.num_mel, 1);
    const double last = corner_oracle(c.f_lo, c.f_hi, c.num_mel, c.num_mel);
    for (uint32_t k = 0; k <= c.n_fft / 2; ++k) {
      const double f = static_cast<double>(k) * c.sample_rate / c.n_fft;
      double sum = 0.0;
      for (uint32_t m = 0; m < c.num_mel; ++m) sum += mel_filterbank_weight(&fb, m, k);
      if (f >= first + 1e-3 && f <= last - 1e-3) TMF_EXPECT(fabs(sum - 1.0) < 1e-6);
      if (f <= c.f_lo || f >= c.f_hi) TMF_EXPECT(sum == 0.0);
      TMF_EXPECT(sum <= 1.0 + 1e-6);
    }
  }
}

TMF_TEST(DspMel, ApplyMatchesOracleWeightedSums) {
  uint32_t seed = 42;
  for (const MelCase& c : kCases) {
    MelFilterbank fb{};
    TMF_ASSERT(mel_filterbank_init(&fb, c.n_fft, c.sample_rate, c.f_lo, c.f_hi, c.num_mel, g_memory,
                                   sizeof(g_memory)) == DspStatus::kOk);
    for (uint32_t k = 0; k <= c.n_fft / 2; ++k) {
      g_power[k] = static_cast<float>(xorshift32(&seed) >> 8) / 16777216.0f;
    }
    TMF_ASSERT(mel_filterbank_apply(&fb, g_power, g_energies) == DspStatus::kOk);
    for (uint32_t m = 0; m < c.num_mel; ++m) {
      double expected = 0.0;
      for (uint32_t k = 0; k <= c.n_fft / 2; ++k) {
        const double f = static_cast<double>(k) * c.sample_rate / c.n_fft;
        expected += weight_oracle(c.f_lo, c.f_hi, c.num_mel, m, f) * g_power[k];
      }
      TMF_EXPECT(fabs(g_energies[m] - expected) < 1e-4 * (expected + 1e-3));
    }
  }
}

TMF_TEST(DspMel, Errors) {
  MelFilterbank fb{};
  void* mem = g_memory;
  const uint32_t bytes = sizeof(g_memory);
  TMF_EXPECT_EQ(mel_filterbank_bytes(1024), 3080);
  TMF_EXPECT_EQ(mel_filterbank_bytes(16), 56);
  TMF_EXPECT_EQ(mel_filterbank_bytes(1000), 0);
  TMF_EXPECT(mel_filterbank_init(nullptr, 64, 100.0f, 0.0f, 50.0f, 8, mem, bytes) ==
             DspStatus::kErrNullArgument);
  TMF_EXPECT(mel_filterbank_init(&fb, 64, 100.0f, 0.0f, 50.0f, 8, nullptr, bytes) ==
             DspStatus::kErrNullArgument);
  TMF_EXPECT(mel_filterbank_init(&fb, 60, 100.0f, 0.0f, 50.0f, 8, mem, bytes) ==
             DspStatus::kErrBadLength);
  const DspStatus bad = DspStatus::kErrBadParams;
  TMF_EXPECT(mel_filterbank_init(&fb, 64, 0.0f, 0.0f, 50.0f, 8, mem, bytes) == bad);
  TMF_EXPECT(mel_filterbank_init(&fb, 64, NAN, 0.0f, 50.0f, 8, mem, bytes) == bad);
  TMF_EXPECT(mel_filterbank_init(&fb, 64, 100.0f, -1.0f, 50.0f, 8, mem, bytes) == bad);
  TMF_EXPECT(mel_filterbank_init(&fb, 64, 100.0f, 50.0f, 50.0f, 8, mem, bytes) == bad);
  TMF_EXPECT(mel_filterbank_init(&fb, 64, 100.0f, 0.0f, 51.0f, 8, mem, bytes) == bad);
  TMF_EXPECT(mel_filterbank_init(&fb, 64, 100.0f, 0.0f, INFINITY, 8, mem, bytes) == bad);
  TMF_EXPECT(mel_filterbank_init(&fb, 64, 100.0f, 0.0f, 50.0f, 0, mem, bytes) == bad);
  TMF_EXPECT(mel_filterbank_init(&fb, 64, 100.0f, 0.0f, 50.0f, 33, mem, bytes) == bad);
  TMF_EXPECT(mel_filterbank_init(&fb, 64, 100.0f, 0.0f, 50.0f, 8, g_memory + 2, bytes - 2) ==
             DspStatus::kErrWorkMisaligned);
  TMF_EXPECT(mel_filterbank_init(&fb, 64, 100.0f, 0.0f, 50.0f, 8, mem, 199) ==
             DspStatus::kErrWorkTooSmall);
  TMF_EXPECT(mel_filterbank_apply(&fb, g_power, g_energies) == DspStatus::kErrNotInitialized);
  TMF_EXPECT(mel_filterbank_weight(&fb, 0, 0) == 0.0f);
  TMF_EXPECT(mel_filterbank_init(&fb, 64, 100.0f, 0.0f, 50.0f, 32, mem, 200) == DspStatus::kOk);
  TMF_EXPECT(mel_filterbank_apply(nullptr, g_power, g_energies) == DspStatus::kErrNullArgument);
  TMF_EXPECT(mel_filterbank_apply(&fb, nullptr, g_energies) == DspStatus::kErrNullArgument);
  TMF_EXPECT(mel_filterbank_apply(&fb, g_power, nullptr) == DspStatus::kErrNullArgument);
  TMF_EXPECT(mel_filterbank_weight(&fb, 32, 0) == 0.0f);
  TMF_EXPECT(mel_filterbank_weight(&fb, 0, 33) == 0.0f);
  TMF_EXPECT(mel_filterbank_weight(nullptr, 0, 0) == 0.0f);
}

}  // namespace
}  // namespace tmf::dsp
