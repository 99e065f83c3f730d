// The converter's in-memory graph: what a model importer (TFLite today, our trainer later)
// produces and the TMF writer consumes. Host-only (C++20, standard library).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "device/runtime/tmf_format.h"

namespace tmf::host {

// A conversion failure; the message names the file, op index, op and tensor, e.g.
// "model.tflite: op 3 (CONV_2D): tensor 12 'conv1/weights': per-axis quantization on axis 2 is
// not supported".
class ConvertError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Quantization {
  std::vector<float> scales;         // empty: not quantized; 1: per-tensor; n: per-channel
  std::vector<int64_t> zero_points;  // same length as scales
  int32_t axis = 0;                  // quantized dimension for per-channel
  bool per_tensor() const { return scales.size() == 1; }
  bool per_channel() const { return scales.size() > 1; }
};

struct Tensor {
  std::string name;
  TensorType type = kTensorTypeInt8;
  std::vector<int32_t> shape;     // empty for a scalar
  Quantization quant;
  std::vector<uint8_t> data;      // non-empty: a constant tensor (little-endian element bytes)
  bool is_state = false;          // a TFLite variable tensor (SVDF's memory): arena bytes of its
                                  // own, kept across invokes (TMF storage 2)
  bool is_constant() const { return !data.empty(); }
  int64_t element_count() const {
    int64_t n = 1;
    for (int32_t d : shape) n *= d;
    return n;
  }
};

enum class Activation { kNone, kRelu, kRelu6, kReluN1To1, kTanh, kSignBit };
enum class Padding { kSame, kValid };

// Options of the pipeline ops (format 1.1; host/convert/pipeline_graph.h fills them).
struct PipelineOptions {
  // DSP_FEATURES (n_fft is the samples' length; device/dsp/features.h FeaturesConfig).
  float sample_rate = 0.0f, f_lo = 0.0f, f_hi = 0.0f;
  uint32_t num_bands = 0;
  float power_scale = 1.0f;
  float log_floor = 1e-10f;
  uint32_t stats_mask = 0;
  int32_t normal_index = 0;  // SCORE_CLASS
  float threshold = 0.0f;    // DECISION_THRESHOLD
};

// Builtin options of the supported ops, filled by the importer for the op at hand; fields an
// op does not use keep their defaults.
struct OpOptions {
  Activation activation = Activation::kNone;
  Padding padding = Padding::kValid;
  int32_t stride_w = 1, stride_h = 1;
  int32_t dilation_w = 1, dilation_h = 1;
  int32_t filter_w = 1, filter_h = 1;    // pooling window
  int32_t depth_multiplier = 1;
  int32_t axis = 0;                      // CONCATENATION
  bool keep_dims = false;                // MEAN, FULLY_CONNECTED
  float beta = 1.0f;                     // SOFTMAX
  int32_t begin_mask = 0, end_mask = 0;  // STRIDED_SLICE
  int32_t ellipsis_mask = 0, new_axis_mask = 0, shrink_axis_mask = 0;
  bool slice_offset = false;
  float alpha = 0.0f;                    // LEAKY_RELU (TFLite's parser zero-fills absent options)
  int32_t svdf_rank = 1;                 // SVDF
  float cell_clip = 0.0f;                // UNIDIRECTIONAL_SEQUENCE_LSTM (0: no clipping)
  float proj_clip = 0.0f;
  bool time_major = false;
  bool diagonal_recurrent = false;       // recurrent weights as diagonals (a newer option)
  std::vector<int32_t> new_shape;        // RESHAPE option (the shape tensor wins if present)
  PipelineOptions pipeline;              // DSP_FEATURES, SCORE_CLASS, DECISION_THRESHOLD
};

struct Op {
  OpCode opcode = kOpFullyConnected;
  std::string source_name;    // the importer's name for the op, e.g. "CONV_2D"
  std::vector<int> inputs;    // tensor indices, -1 for an absent optional input
  std::vector<int> outputs;
  OpOptions options;
};

struct Graph {
  std::string source;         // file name, for messages
  std::string description;    // e.g. the TFLite description string
  std::vector<Tensor> tensors;
  std::vector<Op> ops;
  std::vector<int> inputs;
  std::vector<int> outputs;
  // What the importer accepted leniently and how (e.g. a bias quantization TFLM never reads,
  // dropped); shown by `convert`.
  std::vector<std::string> notes;

  // A message prefix naming op `index`: "file: op 3 (CONV_2D)".
  std::string op_context(size_t index) const;
  // "tensor 12 'name'".
  std::string tensor_context(int index) const;
};

// "[1, 49, 10, 1]", for messages.
std::string shape_string(const std::vector<int32_t>& shape);

}  // namespace tmf::host
