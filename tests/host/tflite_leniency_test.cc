// The importer accepts what TFLM runs (docs/import.md): crafted files with one pattern each that
// real converters write and TFLM's kernels and allocator accept. The oracle for "accepted as TFLM
// does" is TFLM's own rule: a quantization TFLM never reads cannot change the converted model, so
// the file must equal the one converted from the same model without that quantization.
#include <string>
#include <utility>
#include <vector>

#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"
#include "tests/host/tiny_tflite.h"
#include "tests/support/tmf_test.h"

namespace tmf::host {
namespace {

namespace fb = ::tmf::tflite;
using namespace tiny_tflite;  // NOLINT: the test model writer's vocabulary

std::vector<uint8_t> filled(size_t n, int seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>((i * 37 + seed) & 0x7f);
  return v;
}

// The pattern of TFLM's MobileNet v1 example: DEPTHWISE_CONV_2D x[1,3,3,4] with a per-channel
// filter [1,3,3,4] (axis 3) and a rank-1 int32 bias [4] carrying one scale per channel and the
// filter's quantized_dimension 3.
TinyModel depthwise_model(int32_t builtin = fb::BuiltinOperator_DEPTHWISE_CONV_2D) {
  TinyModel m;
  TinyTensor x = int8_tensor("x", {1, 3, 3, 4});
  TinyTensor w = int8_tensor("Conv2d_0/weights", {1, 3, 3, 4});
  w.scales = {0.02f, 0.03f, 0.04f, 0.05f};
  w.zero_points = {0, 0, 0, 0};
  w.axis = 3;
  w.data = filled(36, 5);
  TinyTensor b;
  b.name = "Conv2d_0/Conv2D_bias";
  b.type = fb::TensorType_INT32;
  b.shape = {4};
  b.data = int32_bytes({100, -200, 300, -400});
  b.scales = {0.01f, 0.015f, 0.02f, 0.025f};
  b.zero_points = {0, 0, 0, 0};
  b.axis = 3;
  TinyTensor y = int8_tensor("y", {1, 1, 1, 4});
  y.scales = {0.25f};
  y.zero_points = {1};
  m.tensors = {x, w, b, y};
  TinyOp op;
  op.builtin = builtin;
  op.inputs = {0, 1, 2};
  op.outputs = {3};
  if (builtin == fb::BuiltinOperator_DEPTHWISE_CONV_2D) {
    op.options = [](flatbuffers::FlatBufferBuilder& fbb) {
      return std::make_pair(fb::BuiltinOptions_DepthwiseConv2DOptions,
                            fb::CreateDepthwiseConv2DOptions(fbb, fb::Padding_VALID, 1, 1, 1)
                                .Union());
    };
  } else {
    // CONV_2D [4 out, 3, 3, 4 in] with the filter's channel axis 0.
    m.tensors[1].shape = {4, 3, 3, 4};
    m.tensors[1].axis = 0;
    m.tensors[1].data = filled(144, 9);
    m.tensors[2].axis = 0;  // set per test
    op.options = [](flatbuffers::FlatBufferBuilder& fbb) {
      return std::make_pair(fb::BuiltinOptions_Conv2DOptions,
                            fb::CreateConv2DOptions(fbb, fb::Padding_VALID, 1, 1).Union());
    };
  }
  m.ops = {op};
  m.inputs = {0};
  m.outputs = {3};
  return m;
}

std::vector<uint8_t> convert_tflite(const TinyModel& m) {
  ConvertOptions options;
  options.model_name = "tiny";
  return convert_graph(tflite_read(build(m), "tiny.tflite"), options).file;
}

TMF_TEST(TfliteLeniency, BiasQuantizedDimensionOutsideItsRankIsIgnoredAsTflmDoes) {
  const TinyModel mobilenet = depthwise_model();
  const Graph g = tflite_read(build(mobilenet), "mobilenet.tflite");
  TMF_EXPECT(g.tensors[2].quant.scales.empty());  // dropped: no kernel reads it
  TMF_ASSERT(g.notes.size() == 1);
  TMF_EXPECT(g.notes[0].find("tensor 2 'Conv2d_0/Conv2D_bias': per-channel quantization on "
                             "axis 3 is outside the tensor's rank 1") != std::string::npos);
  TinyModel no_bias_quant = mobilenet;
  no_bias_quant.tensors[2].scales.clear();
  no_bias_quant.tensors[2].zero_points.clear();
  const std::vector<uint8_t> file = convert_tflite(mobilenet);
  TMF_EXPECT(!file.empty());
  TMF_EXPECT(file == convert_tflite(no_bias_quant));

  // CONV_2D and FULLY_CONNECTED take their bias the same way.
  TinyModel conv = depthwise_model(fb::BuiltinOperator_CONV_2D);
  conv.tensors[2].axis = 3;
  TinyModel conv_plain = conv;
  conv_plain.tensors[2].scales.clear();
  conv_plain.tensors[2].zero_points.clear();
  TMF_EXPECT(convert_tflite(conv) == convert_tflite(conv_plain));

  TinyModel fc;
  fc.tensors = {int8_tensor("x", {1, 2}), int8_tensor("w", {3, 2}), TinyTensor{},
                int8_tensor("y", {1, 3})};
  fc.tensors[1].data = int8_bytes({1, 2, 3, 4, 5, 6});
  fc.tensors[1].zero_points = {0};
  fc.tensors[2].name = "bias";
  fc.tensors[2].type = fb::TensorType_INT32;
  fc.tensors[2].shape = {3};
  fc.tensors[2].data = int32_bytes({7, -8, 9});
  TinyOp op;
  op.builtin = fb::BuiltinOperator_FULLY_CONNECTED;
  op.inputs = {0, 1, 2};
  op.outputs = {3};
  fc.ops = {op};
  fc.inputs = {0};
  fc.outputs = {3};
  TinyModel fc_odd = fc;
  fc_odd.tensors[2].scales = {0.25f, 0.25f, 0.25f};
  fc_odd.tensors[2].zero_points = {0, 0, 0};
  fc_odd.tensors[2].axis = 1;
  TMF_EXPECT(convert_tflite(fc_odd) == convert_tflite(fc));
}

TMF_TEST(TfliteLeniency, BiasWhoseCountsCouldMisleadAReaderIsStillRefused) {
  // 3 scales for a bias of 4 channels: a reader indexing by channel would run past them.
  TinyModel m = depthwise_model();
  m.tensors[2].scales = {0.01f, 0.015f, 0.02f};
  m.tensors[2].zero_points = {0, 0, 0};
  TMF_EXPECT_THROWS(tflite_read(build(m), "m.tflite"), ConvertError,
                    "m.tflite: op 0 (DEPTHWISE_CONV_2D): tensor 2 'Conv2d_0/Conv2D_bias': "
                    "per-channel quantization on axis 3 is outside the tensor's rank 1, and its 3 "
                    "scales do not match its 4 channels");
  // As many zero points as scales, or none: 4 scales with 2 zero points is refused anywhere.
  m = depthwise_model();
  m.tensors[2].zero_points = {0, 0};
  TMF_EXPECT_THROWS(tflite_read(build(m), "m.tflite"), ConvertError,
                    "tensor 2 'Conv2d_0/Conv2D_bias': quantization has 4 scales but 2 zero points");
  // A bias with scales and no zero points: TFLM takes it as not quantized.
  m = depthwise_model();
  m.tensors[2].zero_points = {};
  TinyModel plain = m;
  plain.tensors[2].scales.clear();
  TMF_EXPECT(convert_tflite(m) == convert_tflite(plain));
}

TMF_TEST(TfliteLeniency, QuantizationThatAKernelReadsIsStillChecked) {
  // The filter's per-channel axis is read by every convolution: outside the rank it is refused.
  TinyModel m = depthwise_model();
  m.tensors[1].axis = 4;
  TMF_EXPECT_THROWS(tflite_read(build(m), "m.tflite"), ConvertError,
                    "m.tflite: op 0 (DEPTHWISE_CONV_2D): tensor 1 'Conv2d_0/weights': per-channel "
                    "quantization on axis 4 is outside the tensor's rank 4");
  // The same bias tensor also used as an activation (where its quantization is read).
  m = depthwise_model();
  m.tensors.push_back(int8_tensor("z", {4}));
  TinyOp relu;
  relu.builtin = fb::BuiltinOperator_RELU;
  relu.inputs = {2};
  relu.outputs = {4};
  m.ops.push_back(relu);
  TMF_EXPECT_THROWS(tflite_read(build(m), "m.tflite"), ConvertError,
                    "m.tflite: op 1 (RELU): tensor 2 'Conv2d_0/Conv2D_bias': per-channel "
                    "quantization on axis 3 is outside");
  // A graph input's quantization is read by whoever feeds the model.
  m = depthwise_model();
  m.tensors[0].scales = {0.5f, 0.5f};
  m.tensors[0].zero_points = {0, 0};
  m.tensors[0].axis = 7;
  TMF_EXPECT_THROWS(tflite_read(build(m), "m.tflite"), ConvertError,
                    "m.tflite: op 0 (DEPTHWISE_CONV_2D): tensor 0 'x': per-channel quantization on "
                    "axis 7");
}

TMF_TEST(TfliteLeniency, PerTensorQuantizationIgnoresQuantizedDimension) {
  // One scale: quantized_dimension means nothing (TFLM reads params.scale), whatever it says.
  TinyModel m = binary_model(fb::BuiltinOperator_ADD);
  m.tensors[0].axis = 5;
  m.tensors[2].axis = -1;
  const Graph g = tflite_read(build(m), "a.tflite");
  TMF_EXPECT(g.tensors[0].quant.per_tensor());
  TMF_EXPECT(g.notes.empty());
  TinyModel plain = binary_model(fb::BuiltinOperator_ADD);
  TMF_EXPECT(convert_tflite(m) == convert_tflite(plain));
}

TMF_TEST(TfliteLeniency, OptionalBiasGivenAsMinusOne) {
  TinyModel m = depthwise_model();
  m.ops[0].inputs = {0, 1, -1};
  const Graph g = tflite_read(build(m), "m.tflite");
  TMF_EXPECT(g.ops[0].inputs == (std::vector<int>{0, 1, -1}));
  // A bias of zeros is the same model.
  TinyModel zeros = depthwise_model();
  zeros.tensors[2].data = int32_bytes({0, 0, 0, 0});
  TMF_EXPECT(!convert_tflite(m).empty());
  // An absent bias is written as absent, not as zeros; both run (kernel tests cover values).
  TMF_EXPECT(!convert_tflite(zeros).empty());
}

TMF_TEST(TfliteLeniency, EmptyAndSharedBuffers) {
  // Two FULLY_CONNECTED ops share one weight buffer (converters deduplicate equal constants);
  // an activation points at a buffer whose data vector is empty (not a constant).
  TinyModel m;
  m.tensors = {int8_tensor("x", {1, 2}), int8_tensor("w1", {2, 2}), int8_tensor("h", {1, 2}),
               int8_tensor("w2", {2, 2}), int8_tensor("y", {1, 2})};
  m.tensors[1].data = int8_bytes({1, -2, 3, -4});
  m.tensors[1].zero_points = {0};
  m.tensors[3].buffer_of = 1;
  m.tensors[3].zero_points = {0};
  m.tensors[2].empty_buffer = true;
  TinyOp fc1;
  fc1.builtin = fb::BuiltinOperator_FULLY_CONNECTED;
  fc1.inputs = {0, 1, -1};
  fc1.outputs = {2};
  TinyOp fc2 = fc1;
  fc2.inputs = {2, 3, -1};
  fc2.outputs = {4};
  m.ops = {fc1, fc2};
  m.inputs = {0};
  m.outputs = {4};
  const Graph g = tflite_read(build(m), "s.tflite");
  TMF_EXPECT(g.tensors[3].data == int8_bytes({1, -2, 3, -4}));
  TMF_EXPECT(!g.tensors[2].is_constant());
  TinyModel own = m;
  own.tensors[3].buffer_of = -1;
  own.tensors[3].data = int8_bytes({1, -2, 3, -4});
  own.tensors[2].empty_buffer = false;
  TMF_EXPECT(convert_tflite(m) == convert_tflite(own));
}

TMF_TEST(TfliteLeniency, OperatorVersionsMetadataAndSignaturesAreNotRead) {
  // TFLM's op resolver ignores OperatorCode.version; metadata and signatures are not needed to
  // run subgraph 0.
  TinyModel m = binary_model(fb::BuiltinOperator_ADD);
  m.ops[0].version = 7;
  m.with_metadata = true;
  const std::vector<uint8_t> file = build(m);
  const Graph g = tflite_read(file, "v.tflite");
  TMF_ASSERT(g.ops.size() == 1);
  TMF_EXPECT_EQ(g.ops[0].opcode, kOpAdd);
  TMF_EXPECT(convert_tflite(m) == convert_tflite(binary_model(fb::BuiltinOperator_ADD)));
}

TMF_TEST(TfliteLeniency, UnusedTensorsAreNotChecked) {
  // Tensors no op and no graph interface uses (left over by converters): a STRING tensor, one
  // with a dynamic shape and one with unusable quantization.
  TinyModel m = binary_model(fb::BuiltinOperator_ADD);
  TinyTensor s;
  s.name = "vocab";
  s.type = fb::TensorType_STRING;
  s.shape = {3};
  TinyTensor d = int8_tensor("dynamic", {-1, 4});
  TinyTensor q = int8_tensor("odd_quant", {4});
  q.scales = {0.1f, 0.2f};
  q.zero_points = {0, 0};
  q.axis = 3;
  m.tensors.push_back(s);
  m.tensors.push_back(d);
  m.tensors.push_back(q);
  const Graph g = tflite_read(build(m), "u.tflite");
  TMF_EXPECT_EQ(g.tensors.size(), 6);
  TMF_EXPECT(convert_tflite(m) == convert_tflite(binary_model(fb::BuiltinOperator_ADD)));
}

}  // namespace
}  // namespace tmf::host
