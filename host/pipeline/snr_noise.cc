// Background noise at a stated SNR (see snr_noise.h).
#include "host/pipeline/snr_noise.h"

#include <cmath>
#include <numbers>

#include "host/pipeline/pipeline_settings.h"

namespace tmf::pipeline {
namespace {

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double unit_open(uint64_t& state) {  // (0, 1)
  return (static_cast<double>(splitmix64(state) >> 11) + 0.5) / 9007199254740992.0;
}

}  // namespace

std::string snr_noise_identity(const data::Recording& r) {
  return r.has_field("sha256") && !r.field("sha256").empty() ? r.field("sha256") : r.file;
}

double healthy_mean_power(const data::Dataset& dataset, const std::string& normal_label) {
  long double sum = 0;
  uint64_t n = 0;
  for (const data::Recording& r : dataset.recordings) {
    if (r.condition != normal_label) continue;
    for (float x : r.load()) sum += static_cast<long double>(x) * x;
    n += r.num_samples;
  }
  if (n == 0) throw PipelineError(dataset.manifest_path + ": no recording has condition '" + normal_label + "' to set the noise power");
  return static_cast<double>(sum / n);
}

double snr_noise_sigma(double power, double snr_db) { return std::sqrt(power / std::pow(10.0, snr_db / 10.0)); }

NoiseSpec snr_noise_for(const data::Dataset& dataset, const std::string& normal_label, double snr_db, uint64_t seed) {
  NoiseSpec s;
  s.seed = seed;
  if (std::isnan(snr_db)) return s;
  if (!std::isfinite(snr_db)) throw PipelineError("--snr-db must be a finite number of dB");
  s.sigma = snr_noise_sigma(healthy_mean_power(dataset, normal_label), snr_db);
  return s;
}

void snr_noise_add(std::vector<float>& samples, const NoiseSpec& noise, const std::string& identity) {
  if (noise.sigma == 0) return;
  uint64_t state = noise.seed ^ fnv1a(identity);
  for (size_t i = 0; i < samples.size(); i += 2) {
    const double r = std::sqrt(-2.0 * std::log(unit_open(state)));
    const double a = 2.0 * std::numbers::pi * unit_open(state);
    samples[i] = static_cast<float>(samples[i] + noise.sigma * r * std::cos(a));
    if (i + 1 < samples.size()) samples[i + 1] = static_cast<float>(samples[i + 1] + noise.sigma * r * std::sin(a));
  }
}

}  // namespace tmf::pipeline
