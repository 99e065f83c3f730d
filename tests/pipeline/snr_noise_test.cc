// Background noise at a stated SNR (host/pipeline/snr_noise.h), checked against its definition:
// the noise power is the healthy recordings' mean power (computed here in long double straight
// from the written samples) over 10^(X/10); the added noise has that variance and zero mean
// (2^20 samples: within 1 % and 0.005 sigma), is white (lag-1 correlation ~ 0), is the same for
// the same seed and recording and different for another; and the SampleCache adds it.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "host/data/dataset.h"
#include "host/pipeline/snr_noise.h"
#include "host/pipeline/window_set.h"
#include "tests/support/tmf_test.h"

namespace {

namespace fs = std::filesystem;

void write_f32(const fs::path& path, const std::vector<float>& x) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(x.data()), static_cast<std::streamsize>(4 * x.size()));
}

// Two healthy recordings (sines of amplitude 2 and 0.5, different lengths) and one fault.
fs::path make_dataset(std::vector<std::vector<float>>* healthy) {
  const fs::path dir = fs::path(TMF_PIPELINE_WORK) / "snr_noise_dataset";
  fs::create_directories(dir);
  healthy->clear();
  std::vector<float> a(3000), b(1000), f(2000);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(2.0 * std::sin(0.05 * i) + 0.1);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(0.5 * std::sin(0.3 * i));
  for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<float>(9.0 * std::sin(0.7 * i));
  write_f32(dir / "a.f32", a);
  write_f32(dir / "b.f32", b);
  write_f32(dir / "f.f32", f);
  std::ofstream m(dir / "manifest.csv", std::ios::trunc);
  m << "file,condition,sample_rate_hz\na.f32,normal,1000\nb.f32,normal,1000\nf.f32,fault,1000\n";
  *healthy = {a, b};
  return dir;
}

TMF_TEST(SnrNoise, PowerAndSigmaFromTheDefinition) {
  std::vector<std::vector<float>> healthy;
  const tmf::data::Dataset ds = tmf::data::dataset_read(make_dataset(&healthy).string());
  long double sum = 0;
  size_t n = 0;
  for (const auto& r : healthy) {
    for (float x : r) sum += static_cast<long double>(x) * x;
    n += r.size();
  }
  const double power = static_cast<double>(sum / n);
  TMF_EXPECT(std::fabs(tmf::pipeline::healthy_mean_power(ds, "normal") - power) <= 1e-12 * power);
  for (double snr : {-14.0, -12.0, -10.0, 0.0, 6.0}) {
    const tmf::pipeline::NoiseSpec s = tmf::pipeline::snr_noise_for(ds, "normal", snr, 5);
    TMF_EXPECT(std::fabs(s.sigma * s.sigma - power / std::pow(10.0, snr / 10.0)) <= 1e-9 * s.sigma * s.sigma);
    // 10 log10(signal power / noise power) gives X back.
    TMF_EXPECT(std::fabs(10.0 * std::log10(power / (s.sigma * s.sigma)) - snr) < 1e-9);
  }
  TMF_EXPECT(tmf::pipeline::snr_noise_for(ds, "normal", std::nan(""), 5).sigma == 0.0);
  bool threw = false;
  try {
    tmf::pipeline::healthy_mean_power(ds, "healthy");
  } catch (const tmf::pipeline::PipelineError&) {
    threw = true;
  }
  TMF_EXPECT(threw);
}

TMF_TEST(SnrNoise, NoiseHasTheStatedPowerAndIsSeeded) {
  const tmf::pipeline::NoiseSpec spec{0.75, 42};
  std::vector<float> x(1u << 20, 0.0f);
  tmf::pipeline::snr_noise_add(x, spec, "rec-a");
  double mean = 0, var = 0, lag = 0;
  for (float v : x) mean += v;
  mean /= x.size();
  for (size_t i = 0; i < x.size(); ++i) {
    var += (x[i] - mean) * (x[i] - mean);
    if (i > 0) lag += (x[i] - mean) * (x[i - 1] - mean);
  }
  var /= x.size();
  TMF_EXPECT(std::fabs(var / (0.75 * 0.75) - 1.0) < 0.01);
  TMF_EXPECT(std::fabs(mean) < 0.005 * 0.75);
  TMF_EXPECT(std::fabs(lag / x.size() / var) < 0.01);
  std::vector<float> y(1000, 1.0f), z(1000, 1.0f), w(1000, 1.0f);
  tmf::pipeline::snr_noise_add(y, spec, "rec-a");
  tmf::pipeline::snr_noise_add(z, spec, "rec-a");
  tmf::pipeline::snr_noise_add(w, spec, "rec-b");
  TMF_EXPECT(y == z);
  TMF_EXPECT(y != w);
  for (size_t i = 0; i < y.size(); ++i) TMF_EXPECT(std::fabs((y[i] - 1.0f) - x[i]) < 1e-6f);  // added, not replaced
}

TMF_TEST(SnrNoise, SampleCacheAddsIt) {
  std::vector<std::vector<float>> healthy;
  const tmf::data::Dataset ds = tmf::data::dataset_read(make_dataset(&healthy).string());
  const tmf::pipeline::NoiseSpec spec = tmf::pipeline::snr_noise_for(ds, "normal", -12.0, 3);
  tmf::pipeline::SampleCache clean(ds), noisy(ds, spec);
  std::vector<float> expected = clean.samples(0);
  tmf::pipeline::snr_noise_add(expected, spec, tmf::pipeline::snr_noise_identity(ds.recordings[0]));
  TMF_EXPECT(noisy.samples(0) == expected);
  TMF_EXPECT(clean.samples(0) == healthy[0]);
}

}  // namespace
