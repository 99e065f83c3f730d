// JSON form of PipelineSettings (nlohmann::json).
#include "host/pipeline/pipeline_settings.h"

#include <nlohmann/json.hpp>

namespace tmf::pipeline {

std::string PipelineSettings::to_json() const {
  nlohmann::json j;
  j["window"] = window;
  j["hop"] = hop;
  if (channels != 1) j["channels"] = channels;
  j["sample_rate_hz"] = sample_rate_hz;
  j["features"] = features;
  j["detector"] = detector;
  j["normal_label"] = normal_label;
  j["classes"] = classes;
  j["threshold"] = threshold;
  j["target_false_alarm_rate"] = target_false_alarm_rate;
  j["seed"] = seed;
  j["trained_on"] = nlohmann::json::array();
  for (const TrainedRange& r : trained_on) {
    j["trained_on"].push_back({{"sha256", r.sha256}, {"file", r.file}, {"begin", r.begin}, {"end", r.end}});
  }
  return j.dump();
}

PipelineSettings PipelineSettings::from_json(const std::string& text) {
  PipelineSettings s;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    s.window = j.at("window").get<uint32_t>();
    s.hop = j.at("hop").get<uint32_t>();
    s.channels = j.value("channels", uint32_t{1});
    s.sample_rate_hz = j.at("sample_rate_hz").get<double>();
    s.features = j.value("features", std::string());
    s.detector = j.at("detector").get<std::string>();
    s.normal_label = j.at("normal_label").get<std::string>();
    s.classes = j.at("classes").get<std::vector<std::string>>();
    s.threshold = j.at("threshold").get<float>();
    s.target_false_alarm_rate = j.at("target_false_alarm_rate").get<double>();
    s.seed = j.value("seed", uint64_t{0});
    for (const auto& r : j.at("trained_on")) {
      s.trained_on.push_back({r.at("sha256").get<std::string>(), r.at("file").get<std::string>(),
                              r.at("begin").get<uint64_t>(), r.at("end").get<uint64_t>()});
    }
  } catch (const nlohmann::json::exception& e) {
    throw PipelineError(std::string("pipeline settings (metadata 0x100): ") + e.what());
  }
  if (s.window == 0 || s.hop == 0) throw PipelineError("pipeline settings: window and hop must be > 0");
  if (s.channels < 1 || s.channels > 8) throw PipelineError("pipeline settings: channels must be 1..8");
  if (!(s.sample_rate_hz > 0)) throw PipelineError("pipeline settings: sample_rate_hz must be > 0");
  return s;
}

}  // namespace tmf::pipeline
