// The device application's test rig (app_rig.h).
#include "app_rig.h"

#include <math.h>
#include <string.h>

#include <string>

#include "device/detect/model_config.h"
#include "device/runtime/interpreter.h"
#include "host/convert/convert.h"
#include "host/convert/pipeline_graph.h"

namespace tmf_test {
namespace {

// The TLV 0x101 of the test model: output 0 raw features, 1 score (all bands), 2 and 3 the two
// decisions; 1-of-2 voting, alarm when 2 of the last 3 windows are candidates.
tmf::detect::ModelConfig test_config(int normalization_input, uint32_t features) {
  tmf::detect::ModelConfig c{};
  c.samples_input = 0;
  c.normalization_input = normalization_input;
  c.raw_features_output = 0;
  c.score_output = 1;
  c.detector_count = 2;
  c.decision_outputs[0] = 2;
  c.decision_outputs[1] = 3;
  c.vote_k = 1;
  c.persist_m = 2;
  c.persist_w = 3;
  c.persist_clear_below = 1;
  c.baseline_windows = kAppBaselineWindows;
  c.sketch_bins = 8;
  c.feature_count = features;
  for (uint32_t f = 0; f < features; ++f) c.sketch_lo[f] = -25.0f, c.sketch_hi[f] = 5.0f;
  return c;
}


void append_floats(std::vector<uint8_t>* bytes, const std::vector<float>& values) {
  const auto* p = reinterpret_cast<const uint8_t*>(values.data());
  bytes->insert(bytes->end(), p, p + 4 * values.size());
}

}  // namespace

// Runs `file` once on `input` (graph inputs concatenated) and returns the outputs concatenated.
std::vector<uint8_t> run_once(const std::vector<uint8_t>& file, const std::vector<uint8_t>& input) {
  tmf::host::AlignedBuffer copy(file);
  tmf::Model model{};
  if (tmf::model_validate(copy.data(), copy.size(), &model, nullptr) != tmf::Status::kOk) return {};
  tmf::host::AlignedBuffer arena(model.header->arena_bytes);
  tmf::Interpreter interpreter{};
  if (tmf::interpreter_init(&interpreter, &model, arena.data(), arena.size()) != tmf::Status::kOk) return {};
  size_t at = 0;
  for (uint32_t i = 0; i < model.header->input_count; ++i) {
    const tmf::TensorRecord* t = nullptr;
    uint8_t* data = nullptr;
    tmf::interpreter_input(interpreter, i, &t, &data);
    memcpy(data, input.data() + at, t->bytes);
    at += t->bytes;
  }
  if (tmf::interpreter_invoke(&interpreter) != tmf::Status::kOk) return {};
  std::vector<uint8_t> out;
  for (uint32_t i = 0; i < model.header->output_count; ++i) {
    const tmf::TensorRecord* t = nullptr;
    const uint8_t* data = nullptr;
    tmf::interpreter_output(interpreter, i, &t, &data);
    out.insert(out.end(), data, data + t->bytes);
  }
  return out;
}

PipelineTestModel build_pipeline_model(uint32_t version, float threshold, bool with_config, uint32_t channels) {
  tmf::host::Graph g;
  g.source = "app test pool";
  const int samples = tmf::host::add_samples_input(g, kAppWindow, "samples", channels);
  const uint32_t nf = channels * kAppBands;
  const tmf::dsp::FeaturesConfig fc = tmf::host::hann_features_config(kAppWindow, 25600.0f, 0.0f, 12800.0f, kAppBands, 0);
  tmf::host::DspFeaturesOptions fo;
  fo.output_scale = 0.125f;  // normalized features in [-16, 16)
  fo.output_zero_point = 0;
  fo.normalization_as_input = true;
  fo.raw_output = true;
  const tmf::host::DspFeaturesTensors t = tmf::host::add_dsp_features(g, samples, fc, fo);
  std::vector<float> all(nf * nf, 0.0f), high(nf * nf, 0.0f);
  for (uint32_t b = 0; b < nf; ++b) all[b * nf + b] = 1.0f / sqrtf(static_cast<float>(nf));
  for (uint32_t b = 0; b < nf; ++b) high[b * nf + b] = b % kAppBands >= kAppBands / 2 ? 0.5f : 0.0f;
  const std::vector<float> zero(nf, 0.0f);
  const int score_all = tmf::host::add_score_mahalanobis(g, t.features, zero, all, "score_all");
  const int score_high = tmf::host::add_score_mahalanobis(g, t.features, zero, high, "score_high");
  const int decision_all = tmf::host::add_decision_threshold(g, score_all, threshold, "decision_all");
  const int decision_high = tmf::host::add_decision_threshold(g, score_high, threshold, "decision_high");
  g.outputs = {t.raw, score_all, decision_all, decision_high, score_high};

  PipelineTestModel m;
  m.config = test_config(t.normalization_input, nf);
  tmf::host::ConvertOptions co;
  co.model_id = kAppModelId;
  co.model_version = version;
  co.model_name = "app-test-pool";
  if (with_config) {
    std::string tlv(tmf::detect::model_config_bytes(m.config.feature_count), '\0');
    if (tmf::detect::model_config_encode(m.config, reinterpret_cast<uint8_t*>(tlv.data()), tlv.size()) != tlv.size()) {
      return m;
    }
    co.extra_metadata.push_back({tmf::detect::kModelConfigTag, tlv});
  }
  m.file = tmf::host::convert_graph(std::move(g), co).file;
  // Golden pair for the agent's self-test: a healthy window with the identity normalization.
  for (uint32_t c = 0; c < channels; ++c) append_floats(&m.golden_input, machine_window(100 * c, false));
  std::vector<float> identity(2 * nf, 0.0f);
  for (uint32_t f = 0; f < nf; ++f) identity[nf + f] = 1.0f;
  append_floats(&m.golden_input, identity);
  m.golden_output = run_once(m.file, m.golden_input);
  return m;
}

std::vector<float> machine_window(uint32_t index, bool fault) {
  std::vector<float> x(kAppWindow);
  uint32_t state = 0x12345u + 7919u * index;
  for (uint32_t i = 0; i < kAppWindow; ++i) {
    state = state * 1664525u + 1013904223u;
    const float noise = (static_cast<float>(state >> 8) / 16777216.0f - 0.5f) * 0.2f;
    const float t = static_cast<float>(index * kAppWindow + i) / 25600.0f;
    x[i] = noise + sinf(6.2831853f * 1000.0f * t);
    if (fault) x[i] += 10.0f * sinf(6.2831853f * 10000.0f * t);
  }
  return x;
}

OracleLoop::OracleLoop(const std::vector<uint8_t>& signed_file) : file(signed_file) {
  if (tmf::model_validate(file.data(), file.size(), &model, nullptr) != tmf::Status::kOk) return;
  arena = tmf::host::AlignedBuffer(model.header->arena_bytes);
  tmf::interpreter_init(&interpreter, &model, arena.data(), arena.size());
  if (tmf::detect::model_config_find(model, &config) != tmf::detect::DetectStatus::kOk) return;
  ranges.resize(2 * config.feature_count);
  const tmf::detect::DetectLoopConfig lc = tmf::detect::model_config_loop_config(config, ranges.data());
  memory.resize(tmf::detect::detect_loop_bytes(lc) / 8 + 1);
  tmf::detect::detect_loop_init(&loop, lc, &interpreter, memory.data(), static_cast<uint32_t>(8 * memory.size()));
}

OracleLoop::Step OracleLoop::step(const std::vector<float>& samples) {
  Step s{};
  tmf::detect::detect_loop_step(&loop, samples.data(), &s.result);
  const uint8_t* out = nullptr;
  tmf::interpreter_output(interpreter, config.score_output, nullptr, &out);
  memcpy(&s.score, out, 4);
  tmf::interpreter_output(interpreter, config.raw_features_output, nullptr, &out);
  s.raw.resize(config.feature_count);
  memcpy(s.raw.data(), out, 4 * config.feature_count);
  return s;
}

tmf::AppConfig default_app_config() {
  tmf::AppConfig c{};
  c.batch_windows = 4;
  c.ring_batches = 8;
  c.ack_timeout_ms = 5000;
  c.data_interval_ms = 100;
  c.data_segment_samples = 1024;
  c.sample_rate_hz = 25600;
  c.max_features = kAppBands;
  c.max_bins = 8;
  return c;
}

AppRig::AppRig() : device(std::make_unique<TestDevice>(key, 64 * 1024, 1024)) {}

bool AppRig::install(const Artifact& artifact) {
  host.artifact = &artifact;
  if (tmf::agent_on_message(agent.get(), tmf::OtaTopic::kOtaTopicManifest, artifact.manifest_bytes.data(),
                            artifact.manifest_bytes.size()) != tmf::AgentStatus::kAgentOk) {
    return false;
  }
  const tmf::AgentStatus s = pump(port.get(), agent.get(), &host);
  return s == tmf::AgentStatus::kAgentOk && active_model_is(*agent, artifact.file);
}

bool AppRig::start(const Artifact& artifact, const tmf::AppConfig& app_config) {
  port->connected = true;
  const tmf::AgentStatus boot = tmf::agent_boot(agent.get(), port.get(), device->config);
  if (boot != tmf::AgentStatus::kAgentOk && boot != tmf::AgentStatus::kAgentErrNoModel) return false;
  tmf::agent_on_connect(agent.get());
  if (!install(artifact)) return false;
  port->outbox.clear();
  config = app_config;
  capture.assign(config.capture_capacity, 0.0f);
  config.capture_buffer = capture.empty() ? nullptr : capture.data();
  if (config.memory == nullptr) {
    memory.assign(tmf::app_memory_bytes(config) / 8 + 1, 0);
    config.memory = memory.data();
    config.memory_bytes = static_cast<uint32_t>(8 * memory.size());
  }
  if (tmf::app_init(app.get(), agent.get(), port.get(), config) != tmf::AppStatus::kAppOk) return false;
  tmf::app_on_connect(app.get());
  port->outbox.clear();  // info/status/presence of the connect
  return true;
}

std::vector<std::vector<uint8_t>> AppRig::take(tmf::OtaTopic topic) {
  std::vector<std::vector<uint8_t>> taken;
  std::vector<SentMessage> kept;
  for (SentMessage& m : port->outbox) {
    if (m.topic == topic) taken.push_back(std::move(m.bytes));
    else kept.push_back(std::move(m));
  }
  port->outbox.swap(kept);
  return taken;
}

}  // namespace tmf_test
