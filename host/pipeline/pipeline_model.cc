// Host scoring of pipeline model files through the device runtime (see pipeline_model.h).
#include "host/pipeline/pipeline_model.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace tmf::pipeline {
PipelineSettings pipeline_settings_read(const Model& model, const std::string& name) {
  uint32_t length = 0;
  const uint8_t* text = model_find_metadata(model, kMetadataPipelineSettings, &length);
  if (text == nullptr) {
    throw PipelineError(name + ": not a pipeline model (no pipeline settings, metadata 0x100)");
  }
  try {
    return PipelineSettings::from_json(std::string(reinterpret_cast<const char*>(text), length));
  } catch (const PipelineError& e) {
    throw PipelineError(name + ": " + e.what());
  }
}

PipelineModel::PipelineModel(std::vector<uint8_t> bytes, const std::string& name) : name_(name) {
  file_ = host::AlignedBuffer(bytes);
  ValidationError error{};
  if (model_validate(file_.data(), file_.size(), &model_, &error) != Status::kOk) {
    throw PipelineError(name + ": invalid model: " + status_to_string(error.status) + " (item " +
                        std::to_string(error.index) + ")");
  }
  settings_ = pipeline_settings_read(model_, name);
  const FileHeader& h = *model_.header;
  if (h.input_count != 1 || h.output_count < 2) {
    throw PipelineError(name + ": a pipeline takes 1 input and gives a score and a decision");
  }
  const TensorRecord& in = model_.tensors[model_.operands[0]];
  const TensorRecord& score = model_.tensors[model_.operands[1]];
  const TensorRecord& decision = model_.tensors[model_.operands[2]];
  if (in.type != kTensorTypeFloat32 || score.type != kTensorTypeFloat32 ||
      tensor_element_count(score) != 1 || decision.type != kTensorTypeInt8 ||
      tensor_element_count(decision) != 1) {
    throw PipelineError(name + ": input must be float32 samples, outputs a float32 score and an int8 decision");
  }
  window_ = settings_.window;
  channels_ = settings_.channels;
  if (tensor_element_count(in) != static_cast<uint64_t>(window_) * channels_) {
    throw PipelineError(name + ": input has " + std::to_string(tensor_element_count(in)) + " samples, settings say " +
                        std::to_string(channels_) + " channel(s) of " + std::to_string(settings_.window));
  }
  arena_ = host::AlignedBuffer(h.arena_bytes);
  if (interpreter_init(&interpreter_, &model_, arena_.data(), h.arena_bytes) != Status::kOk) {
    throw PipelineError(name + ": interpreter_init failed");
  }
}

PipelineModel PipelineModel::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw PipelineError(path + ": cannot open");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return PipelineModel(std::move(bytes), path);
}

WindowScore PipelineModel::score(const float* samples) {
  const TensorRecord* tensor = nullptr;
  uint8_t* in = nullptr;
  interpreter_input(interpreter_, 0, &tensor, &in);
  std::memcpy(in, samples, static_cast<size_t>(window_) * channels_ * sizeof(float));
  const Status status = interpreter_invoke(&interpreter_);
  if (status != Status::kOk) throw PipelineError(name_ + ": invoke failed: " + status_to_string(status));
  const uint8_t* out = nullptr;
  WindowScore result;
  interpreter_output(interpreter_, 0, &tensor, &out);
  std::memcpy(&result.score, out, sizeof(float));
  interpreter_output(interpreter_, 1, &tensor, &out);
  result.decision = static_cast<int8_t>(out[0]);
  return result;
}

std::vector<float> PipelineModel::probabilities() const {
  if (model_.header->output_count < 3) return {};
  const TensorRecord* tensor = nullptr;
  const uint8_t* out = nullptr;
  interpreter_output(interpreter_, 2, &tensor, &out);
  std::vector<float> p(tensor_element_count(*tensor));
  for (size_t i = 0; i < p.size(); ++i) {
    p[i] = tensor->scale * static_cast<float>(static_cast<int8_t>(out[i]) - tensor->zero_point);
  }
  return p;
}

}  // namespace tmf::pipeline
