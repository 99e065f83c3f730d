// A pipeline model file scored on the host by the device runtime itself (the same kernels the
// microcontroller runs): raw samples in, anomaly score and decision out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "host/convert/aligned_buffer.h"
#include "host/pipeline/pipeline_settings.h"

namespace tmf::pipeline {

struct WindowScore {
  float score = 0;
  int decision = 0;  // 1: anomaly
};

class PipelineModel {
 public:
  // Validates the bytes with the device validator and reads the pipeline settings. The graph
  // must take one float32 input of `channels` x `window` samples and give a float32 score first and an int8
  // decision second. Throws PipelineError "NAME: ..." otherwise.
  PipelineModel(std::vector<uint8_t> bytes, const std::string& name);
  static PipelineModel load(const std::string& path);

  PipelineModel(const PipelineModel&) = delete;
  PipelineModel& operator=(const PipelineModel&) = delete;
  // Not movable either: the interpreter points at model_ and into the buffers.
  PipelineModel(PipelineModel&&) = delete;

  const PipelineSettings& settings() const { return settings_; }
  const Model& model() const { return model_; }
  size_t file_bytes() const { return file_.size(); }
  const uint8_t* file_data() const { return file_.data(); }
  uint32_t window() const { return window_; }      // samples per channel
  uint32_t channels() const { return channels_; }

  // Scores one window: channels() rows of window() samples, channel-major.
  WindowScore score(const float* samples);
  // Classifiers: the class probabilities of the last score() (output 2), dequantized; empty for
  // models without that output.
  std::vector<float> probabilities() const;

 private:
  std::string name_;
  host::AlignedBuffer file_;
  host::AlignedBuffer arena_;
  Model model_{};
  Interpreter interpreter_{};
  PipelineSettings settings_;
  uint32_t window_ = 0;
  uint32_t channels_ = 1;
};

// Reads the pipeline settings TLV of a validated model; throws PipelineError if absent.
PipelineSettings pipeline_settings_read(const Model& model, const std::string& name);

}  // namespace tmf::pipeline
