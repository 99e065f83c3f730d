// --features parsing and printing (see feature_spec.h).
#include "host/pipeline/feature_spec.h"

#include <bit>
#include <sstream>

#include "device/dsp/features.h"
#include "host/convert/pipeline_graph.h"
#include "host/pipeline/pipeline_settings.h"

namespace tmf::pipeline {
namespace {

struct StatName {
  const char* name;
  uint32_t bit;
};
// The time statistics of device/dsp/features.h, in the order the device appends them.
constexpr StatName kStats[] = {
    {"rms", dsp::kFeatureStatLogRms},     {"peak", dsp::kFeatureStatLogPeak},
    {"crest", dsp::kFeatureStatCrest},    {"kurtosis", dsp::kFeatureStatKurtosis},
    {"skewness", dsp::kFeatureStatSkewness}, {"diff_crest", dsp::kFeatureStatDiffCrest},
    {"diff_kurtosis", dsp::kFeatureStatDiffKurtosis},
};

double parse_number(const std::string& key, const std::string& value) {
  try {
    size_t used = 0;
    const double v = std::stod(value, &used);
    if (used == value.size()) return v;
  } catch (const std::exception&) {
  }
  throw PipelineError("--features: " + key + "='" + value + "' is not a number");
}

}  // namespace

dsp::FeaturesConfig feature_config(const FeatureSpec& spec) {
  const double f_hi = spec.f_hi != 0 ? spec.f_hi : spec.sample_rate_hz / 2;
  const dsp::FeaturesConfig c = host::hann_features_config(
      spec.window, static_cast<float>(spec.sample_rate_hz), static_cast<float>(spec.f_lo),
      static_cast<float>(f_hi), spec.bands, spec.stats_mask);
  if (dsp::features_check(c) != dsp::DspStatus::kOk) {
    throw PipelineError("features " + spec.to_string() + " at " + std::to_string(spec.sample_rate_hz) +
                        " Hz: not a valid front end (window a power of two in [64, 4096], 0 <= lo < hi <= "
                        "rate / 2, 1 <= bands <= window / 2 + 1)");
  }
  return c;
}

uint32_t FeatureSpec::count() const {
  return channels * (bands + static_cast<uint32_t>(std::popcount(stats_mask)));
}

std::string FeatureSpec::to_string() const {
  std::ostringstream s;
  s << "window=" << window << ",bands=" << bands << ",lo=" << f_lo << ",hi=" << f_hi << ",stats=";
  std::string stats;
  for (const StatName& st : kStats) {
    if (stats_mask & st.bit) stats += (stats.empty() ? "" : "+") + std::string(st.name);
  }
  s << (stats.empty() ? "none" : stats);
  return s.str();
}

FeatureSpec feature_spec_parse(const std::string& text, FeatureSpec spec) {
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string::npos) throw PipelineError("--features: '" + item + "' is not key=value");
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "window") {
      const double v = parse_number(key, value);
      if (v < 64 || v > 4096 || !std::has_single_bit(static_cast<uint32_t>(v)) || v != static_cast<uint32_t>(v)) {
        throw PipelineError("--features: window=" + value + " must be a power of two in [64, 4096]");
      }
      spec.window = static_cast<uint32_t>(v);
    } else if (key == "bands") {
      const double v = parse_number(key, value);
      if (v < 1 || v > 256 || v != static_cast<uint32_t>(v)) {
        throw PipelineError("--features: bands=" + value + " must be an integer in [1, 256]");
      }
      spec.bands = static_cast<uint32_t>(v);
    } else if (key == "lo") {
      spec.f_lo = parse_number(key, value);
    } else if (key == "hi") {
      spec.f_hi = parse_number(key, value);
    } else if (key == "stats") {
      spec.stats_mask = 0;
      if (value == "none") continue;
      std::stringstream names(value);
      std::string name;
      while (std::getline(names, name, '+')) {
        bool found = false;
        for (const StatName& st : kStats) {
          if (name == st.name) spec.stats_mask |= st.bit, found = true;
        }
        if (!found) throw PipelineError("--features: unknown statistic '" + name + "' (rms, peak, crest, kurtosis, skewness)");
      }
    } else {
      throw PipelineError("--features: unknown key '" + key + "' (window, bands, lo, hi, stats)");
    }
  }
  if (spec.f_lo < 0 || (spec.f_hi != 0 && spec.f_hi <= spec.f_lo)) {
    throw PipelineError("--features: need 0 <= lo < hi");
  }
  return spec;
}

}  // namespace tmf::pipeline
