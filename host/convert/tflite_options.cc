// The TFLite importer's reading of builtin options tables into OpOptions (tflite_options.h).
#include "host/convert/tflite_options.h"

#include <string>

namespace tmf::host::tflite_import {
namespace {

// One op's options; every error names the op.
class OptionsReader {
 public:
  explicit OptionsReader(const Graph& graph) : graph_(graph) {}

  // Ops without options (PAD, QUANTIZE, RELU...) keep the OpOptions defaults; ops whose
  // options carry only an activation or a flag fall back to TFLite's defaults when absent.
  void read_options(size_t i, fb::BuiltinOperator builtin, const fb::Operator* src,
                    OpOptions& o) {
    switch (builtin) {
      case fb::BuiltinOperator_CONV_2D: {
        const auto* p = required(i, src->builtin_options_as_Conv2DOptions(), "Conv2DOptions");
        o.padding = padding(i, p->padding());
        o.stride_w = positive(i, "stride_w", p->stride_w());
        o.stride_h = positive(i, "stride_h", p->stride_h());
        o.dilation_w = positive(i, "dilation_w_factor", p->dilation_w_factor());
        o.dilation_h = positive(i, "dilation_h_factor", p->dilation_h_factor());
        o.activation = activation(i, p->fused_activation_function());
        break;
      }
      case fb::BuiltinOperator_DEPTHWISE_CONV_2D: {
        const auto* p = required(i, src->builtin_options_as_DepthwiseConv2DOptions(),
                                 "DepthwiseConv2DOptions");
        o.padding = padding(i, p->padding());
        o.stride_w = positive(i, "stride_w", p->stride_w());
        o.stride_h = positive(i, "stride_h", p->stride_h());
        o.dilation_w = positive(i, "dilation_w_factor", p->dilation_w_factor());
        o.dilation_h = positive(i, "dilation_h_factor", p->dilation_h_factor());
        o.depth_multiplier = p->depth_multiplier();  // as written; TFLite treats it as redundant
        o.activation = activation(i, p->fused_activation_function());
        break;
      }
      case fb::BuiltinOperator_AVERAGE_POOL_2D:
      case fb::BuiltinOperator_MAX_POOL_2D: {
        const auto* p = required(i, src->builtin_options_as_Pool2DOptions(), "Pool2DOptions");
        o.padding = padding(i, p->padding());
        o.stride_w = positive(i, "stride_w", p->stride_w());
        o.stride_h = positive(i, "stride_h", p->stride_h());
        o.filter_w = positive(i, "filter_width", p->filter_width());
        o.filter_h = positive(i, "filter_height", p->filter_height());
        o.activation = activation(i, p->fused_activation_function());
        break;
      }
      case fb::BuiltinOperator_FULLY_CONNECTED:
        if (const auto* p = src->builtin_options_as_FullyConnectedOptions()) {
          if (p->weights_format() != fb::FullyConnectedOptionsWeightsFormat_DEFAULT) {
            std::string name = fb::EnumNameFullyConnectedOptionsWeightsFormat(p->weights_format());
            if (name.empty()) name = std::to_string(static_cast<int>(p->weights_format()));
            fail_op(i, "weights format " + name + " is not supported (only DEFAULT)");
          }
          o.activation = activation(i, p->fused_activation_function());
          o.keep_dims = p->keep_num_dims();
        }
        break;
      case fb::BuiltinOperator_SOFTMAX:
        o.beta = required(i, src->builtin_options_as_SoftmaxOptions(), "SoftmaxOptions")->beta();
        break;
      case fb::BuiltinOperator_CONCATENATION:
        if (const auto* p = src->builtin_options_as_ConcatenationOptions()) {
          o.axis = p->axis();
          o.activation = activation(i, p->fused_activation_function());
        }
        break;
      case fb::BuiltinOperator_ADD:
        if (const auto* p = src->builtin_options_as_AddOptions()) {
          o.activation = activation(i, p->fused_activation_function());
        }
        break;
      case fb::BuiltinOperator_MUL:
        if (const auto* p = src->builtin_options_as_MulOptions()) {
          o.activation = activation(i, p->fused_activation_function());
        }
        break;
      case fb::BuiltinOperator_SUB:
        if (const auto* p = src->builtin_options_as_SubOptions()) {
          o.activation = activation(i, p->fused_activation_function());
        }
        break;
      case fb::BuiltinOperator_STRIDED_SLICE:
        if (const auto* p = src->builtin_options_as_StridedSliceOptions()) {
          o.begin_mask = p->begin_mask();
          o.end_mask = p->end_mask();
          o.ellipsis_mask = p->ellipsis_mask();
          o.new_axis_mask = p->new_axis_mask();
          o.shrink_axis_mask = p->shrink_axis_mask();
          o.slice_offset = p->offset();
        }
        break;
      case fb::BuiltinOperator_TRANSPOSE_CONV: {
        const auto* p = required(i, src->builtin_options_as_TransposeConvOptions(),
                                 "TransposeConvOptions");
        o.padding = padding(i, p->padding());
        o.stride_w = positive(i, "stride_w", p->stride_w());
        o.stride_h = positive(i, "stride_h", p->stride_h());
        o.activation = activation(i, p->fused_activation_function());
        break;
      }
      case fb::BuiltinOperator_SVDF: {
        const auto* p = required(i, src->builtin_options_as_SVDFOptions(), "SVDFOptions");
        o.svdf_rank = positive(i, "rank", p->rank());
        o.activation = activation(i, p->fused_activation_function());
        break;
      }
      case fb::BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_LSTM: {
        const auto* p = required(i, src->builtin_options_as_UnidirectionalSequenceLSTMOptions(),
                                 "UnidirectionalSequenceLSTMOptions");
        o.activation = activation(i, p->fused_activation_function());
        o.cell_clip = p->cell_clip();
        o.proj_clip = p->proj_clip();
        o.time_major = p->time_major();
        o.diagonal_recurrent = p->diagonal_recurrent_tensors();
        break;
      }
      case fb::BuiltinOperator_LEAKY_RELU:
        if (const auto* p = src->builtin_options_as_LeakyReluOptions()) o.alpha = p->alpha();
        break;
      case fb::BuiltinOperator_RESHAPE:
        if (const auto* p = src->builtin_options_as_ReshapeOptions()) {
          o.new_shape = int_vector(p->new_shape());
        }
        break;
      case fb::BuiltinOperator_MEAN:
        if (const auto* p = src->builtin_options_as_ReducerOptions()) o.keep_dims = p->keep_dims();
        break;
      default:
        break;  // no options
    }
  }

 private:
  [[noreturn]] void fail_op(size_t op, const std::string& what) const {
    throw ConvertError(graph_.op_context(op) + ": " + what);
  }

  Activation activation(size_t op, fb::ActivationFunctionType a) const {
    switch (a) {
      case fb::ActivationFunctionType_NONE: return Activation::kNone;
      case fb::ActivationFunctionType_RELU: return Activation::kRelu;
      case fb::ActivationFunctionType_RELU_N1_TO_1: return Activation::kReluN1To1;
      case fb::ActivationFunctionType_RELU6: return Activation::kRelu6;
      case fb::ActivationFunctionType_TANH: return Activation::kTanh;
      case fb::ActivationFunctionType_SIGN_BIT: return Activation::kSignBit;
    }
    fail_op(op, "fused activation " + std::to_string(static_cast<int>(a)) + " is not valid");
  }

  Padding padding(size_t op, fb::Padding p) const {
    switch (p) {
      case fb::Padding_SAME: return Padding::kSame;
      case fb::Padding_VALID: return Padding::kValid;
    }
    fail_op(op, "padding " + std::to_string(static_cast<int>(p)) + " is not valid");
  }

  int32_t positive(size_t op, const char* field, int32_t value) const {
    if (value < 1) {
      fail_op(op, std::string(field) + " " + std::to_string(value) +
                      " is not valid (must be >= 1)");
    }
    return value;
  }

  template <typename T>
  const T* required(size_t op, const T* options, const char* table) const {
    if (options == nullptr) fail_op(op, std::string("missing ") + table);
    return options;
  }

  const Graph& graph_;
};

}  // namespace

std::vector<int32_t> int_vector(const flatbuffers::Vector<int32_t>* v) {
  if (v == nullptr) return {};
  return std::vector<int32_t>(v->begin(), v->end());
}

void read_options(const Graph& graph, size_t op, fb::BuiltinOperator builtin, const fb::Operator* src,
                  OpOptions& o) {
  OptionsReader(graph).read_options(op, builtin, src, o);
}

}  // namespace tmf::host::tflite_import
