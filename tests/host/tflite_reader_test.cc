// Tests of the TFLite importer on the real models of ../shared/models (facts from their README
// and from flatc's JSON dump of the files) and on damaged bytes. Small models built with the
// flatbuffers builder, for every rejection message and format corner case, are in
// tflite_reader_crafted_test.cc.
#include "host/convert/tflite_reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "host/convert/tflite_schema_generated.h"
#include "tests/host/test_files.h"
#include "tests/support/tmf_test.h"

namespace tmf::host {
namespace {

namespace fb = ::tmf::tflite;

bool near(float actual, double expected) {
  return std::fabs(actual - expected) <= 1e-6 * std::fabs(expected);
}

std::string model_path(const char* file) {
  return test::shared_path(std::string("models/") + file);
}

std::vector<OpCode> opcodes(const Graph& g) {
  std::vector<OpCode> out;
  for (const Op& op : g.ops) out.push_back(op.opcode);
  return out;
}

// ---- real models ----------------------------------------------------------------------------

TMF_TEST(TfliteReader, HelloWorldIsThreeFullyConnected) {
  const Graph g = tflite_read_file(model_path("hello_world_int8.tflite"));
  TMF_EXPECT(g.description == "MLIR Converted.");
  TMF_ASSERT(g.ops.size() == 3);
  TMF_EXPECT_EQ(g.tensors.size(), 10);
  const Activation acts[] = {Activation::kRelu, Activation::kRelu, Activation::kNone};
  for (size_t i = 0; i < 3; ++i) {
    TMF_EXPECT_EQ(g.ops[i].opcode, kOpFullyConnected);
    TMF_EXPECT(g.ops[i].source_name == "FULLY_CONNECTED");
    TMF_EXPECT(g.ops[i].options.activation == acts[i]);
    TMF_EXPECT_EQ(g.ops[i].inputs.size(), 3);
    TMF_EXPECT(!g.ops[i].options.keep_dims);
  }
  TMF_ASSERT(g.inputs.size() == 1 && g.outputs.size() == 1);
  const Tensor& in = g.tensors[g.inputs[0]];
  TMF_EXPECT_EQ(in.type, kTensorTypeInt8);
  TMF_EXPECT(in.shape == (std::vector<int32_t>{1, 1}));
  TMF_EXPECT(!in.is_constant());
  TMF_ASSERT(in.quant.per_tensor());
  TMF_EXPECT(near(in.quant.scales[0], 0.0244801156));
  TMF_EXPECT_EQ(in.quant.zero_points[0], -128);
  const Tensor& out = g.tensors[g.outputs[0]];
  TMF_ASSERT(out.quant.per_tensor());
  TMF_EXPECT(near(out.quant.scales[0], 0.00829095673));
  TMF_EXPECT_EQ(out.quant.zero_points[0], 5);
  // op 0: input, weights [16,1] int8, bias [16] int32.
  const Tensor& w = g.tensors[g.ops[0].inputs[1]];
  TMF_EXPECT_EQ(w.type, kTensorTypeInt8);
  TMF_EXPECT(w.shape == (std::vector<int32_t>{16, 1}));
  TMF_EXPECT_EQ(w.data.size(), 16);
  const Tensor& b = g.tensors[g.ops[0].inputs[2]];
  TMF_EXPECT_EQ(b.type, kTensorTypeInt32);
  TMF_EXPECT_EQ(b.data.size(), 64);
}

TMF_TEST(TfliteReader, Ad01IsTenFullyConnected) {
  const Graph g = tflite_read_file(model_path("ad01_int8.tflite"));
  TMF_ASSERT(g.ops.size() == 10);
  const int widths[] = {640, 128, 128, 128, 128, 8, 128, 128, 128, 128, 640};
  for (size_t i = 0; i < 10; ++i) {
    const Op& op = g.ops[i];
    TMF_EXPECT_EQ(op.opcode, kOpFullyConnected);
    TMF_EXPECT(op.options.activation == (i < 9 ? Activation::kRelu : Activation::kNone));
    TMF_ASSERT(op.inputs.size() == 3 && op.outputs.size() == 1);
    const Tensor& w = g.tensors[op.inputs[1]];
    TMF_EXPECT(w.shape == (std::vector<int32_t>{widths[i + 1], widths[i]}));
    TMF_EXPECT(w.quant.per_tensor());  // per-tensor weights in ad01
    TMF_EXPECT_EQ(w.data.size(), widths[i + 1] * widths[i]);
  }
  TMF_ASSERT(g.inputs.size() == 1 && g.outputs.size() == 1);
  const Tensor& in = g.tensors[g.inputs[0]];
  TMF_EXPECT(in.shape == (std::vector<int32_t>{1, 640}));
  TMF_EXPECT(near(in.quant.scales[0], 0.391015232));
  TMF_EXPECT_EQ(in.quant.zero_points[0], 89);
  const Tensor& out = g.tensors[g.outputs[0]];
  TMF_EXPECT(out.shape == (std::vector<int32_t>{1, 640}));
  TMF_EXPECT(near(out.quant.scales[0], 0.364498466));
  TMF_EXPECT_EQ(out.quant.zero_points[0], 96);
}

TMF_TEST(TfliteReader, KwsOpsOptionsAndPerChannelAxes) {
  const Graph g = tflite_read_file(model_path("kws_ref_model_int8.tflite"));
  const std::vector<OpCode> expected = {
      kOpConv2D, kOpDepthwiseConv2D, kOpConv2D, kOpDepthwiseConv2D, kOpConv2D,
      kOpDepthwiseConv2D, kOpConv2D, kOpDepthwiseConv2D, kOpConv2D, kOpAveragePool2D,
      kOpReshape, kOpFullyConnected, kOpSoftmax};
  TMF_ASSERT(opcodes(g) == expected);
  TMF_EXPECT_EQ(g.tensors.size(), 35);

  // Input and output, as in the models README.
  TMF_ASSERT(g.inputs.size() == 1 && g.outputs.size() == 1);
  const Tensor& in = g.tensors[g.inputs[0]];
  TMF_EXPECT(in.name == "input_1");
  TMF_EXPECT(in.shape == (std::vector<int32_t>{1, 49, 10, 1}));
  TMF_EXPECT(near(in.quant.scales[0], 0.584702909));
  TMF_EXPECT_EQ(in.quant.zero_points[0], 83);
  const Tensor& out = g.tensors[g.outputs[0]];
  TMF_EXPECT(out.shape == (std::vector<int32_t>{1, 12}));
  TMF_EXPECT(near(out.quant.scales[0], 1.0 / 256));
  TMF_EXPECT_EQ(out.quant.zero_points[0], -128);

  // CONV_2D 10x4 stride 2 SAME, RELU; per-channel weights on axis 0 (output channels).
  const Op& conv = g.ops[0];
  TMF_EXPECT(conv.options.padding == Padding::kSame);
  TMF_EXPECT_EQ(conv.options.stride_w, 2);
  TMF_EXPECT_EQ(conv.options.stride_h, 2);
  TMF_EXPECT_EQ(conv.options.dilation_w, 1);
  TMF_EXPECT_EQ(conv.options.dilation_h, 1);
  TMF_EXPECT(conv.options.activation == Activation::kRelu);
  const Tensor& conv_w = g.tensors[conv.inputs[1]];
  TMF_EXPECT(conv_w.shape == (std::vector<int32_t>{64, 10, 4, 1}));
  TMF_EXPECT(conv_w.quant.per_channel());
  TMF_EXPECT_EQ(conv_w.quant.scales.size(), 64);
  TMF_EXPECT_EQ(conv_w.quant.zero_points.size(), 64);
  TMF_EXPECT_EQ(conv_w.quant.axis, 0);
  TMF_EXPECT_EQ(conv_w.data.size(), 64 * 10 * 4);
  const Tensor& conv_b = g.tensors[conv.inputs[2]];
  TMF_EXPECT_EQ(conv_b.type, kTensorTypeInt32);
  TMF_EXPECT_EQ(conv_b.quant.scales.size(), 64);
  TMF_EXPECT_EQ(g.tensors[conv.outputs[0]].shape[1], 25);

  // DEPTHWISE_CONV_2D 3x3 stride 1 SAME, RELU; per-channel weights on axis 3.
  const Op& dw = g.ops[1];
  TMF_EXPECT(dw.options.padding == Padding::kSame);
  TMF_EXPECT_EQ(dw.options.stride_w, 1);
  TMF_EXPECT_EQ(dw.options.stride_h, 1);
  TMF_EXPECT_EQ(dw.options.depth_multiplier, 1);
  TMF_EXPECT(dw.options.activation == Activation::kRelu);
  const Tensor& dw_w = g.tensors[dw.inputs[1]];
  TMF_EXPECT(dw_w.shape == (std::vector<int32_t>{1, 3, 3, 64}));
  TMF_EXPECT_EQ(dw_w.quant.scales.size(), 64);
  TMF_EXPECT_EQ(dw_w.quant.axis, 3);

  // AVERAGE_POOL_2D 25x5 VALID.
  const Op& pool = g.ops[9];
  TMF_EXPECT(pool.options.padding == Padding::kValid);
  TMF_EXPECT_EQ(pool.options.filter_h, 25);
  TMF_EXPECT_EQ(pool.options.filter_w, 5);
  TMF_EXPECT_EQ(pool.options.stride_h, 25);
  TMF_EXPECT_EQ(pool.options.stride_w, 5);
  TMF_EXPECT(pool.options.activation == Activation::kNone);

  // RESHAPE (no options table in this file) with a constant INT32 shape tensor {-1, 64}.
  const Op& reshape = g.ops[10];
  TMF_EXPECT(reshape.source_name == "RESHAPE");
  TMF_EXPECT(reshape.options.new_shape.empty());
  TMF_ASSERT(reshape.inputs.size() == 2);
  const Tensor& shape = g.tensors[reshape.inputs[1]];
  TMF_EXPECT_EQ(shape.type, kTensorTypeInt32);
  TMF_EXPECT(shape.quant.scales.empty());
  TMF_ASSERT(shape.data.size() == 8);
  int32_t dims[2];
  std::memcpy(dims, shape.data.data(), sizeof dims);
  TMF_EXPECT_EQ(dims[0], -1);
  TMF_EXPECT_EQ(dims[1], 64);

  TMF_EXPECT(g.ops[11].options.activation == Activation::kNone);
  TMF_EXPECT(g.ops[12].options.beta == 1.0f);
}

// ---- rejection of bytes that are not a TFLite model ----------------------------------------

TMF_TEST(TfliteReader, RejectsEmptyTruncatedAndRandomBytes) {
  TMF_EXPECT_THROWS(tflite_read({}, "empty.tflite"), ConvertError,
                    "empty.tflite: not a valid TFLite flatbuffer");
  const std::vector<uint8_t> real = test::read_bytes(model_path("hello_world_int8.tflite"));
  for (size_t keep : {size_t{4}, size_t{8}, size_t{64}, real.size() / 2, real.size() - 200}) {
    const std::vector<uint8_t> cut(real.begin(), real.begin() + static_cast<ptrdiff_t>(keep));
    TMF_EXPECT_THROWS(tflite_read(cut, "cut.tflite"), ConvertError,
                      "cut.tflite: not a valid TFLite flatbuffer");
  }
  std::vector<uint8_t> noise(4096);
  uint32_t state = 12345;
  for (uint8_t& b : noise) {
    state = state * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(state >> 24);
  }
  TMF_EXPECT_THROWS(tflite_read(noise, "noise.tflite"), ConvertError,
                    "noise.tflite: not a valid TFLite flatbuffer");
  std::memcpy(noise.data() + 4, "TFL3", 4);  // the right identifier does not make it valid
  TMF_EXPECT_THROWS(tflite_read(noise, "noise.tflite"), ConvertError,
                    "noise.tflite: not a valid TFLite flatbuffer");
  TMF_EXPECT_THROWS(tflite_read_file(model_path("README.md")), ConvertError,
                    "README.md: not a valid TFLite flatbuffer");
  TMF_EXPECT_THROWS(tflite_read_file(model_path("no_such_model.tflite")), ConvertError,
                    "no_such_model.tflite: cannot open");
}

// Every single-byte corruption of a real model either imports or fails with ConvertError.
TMF_TEST(TfliteReader, SurvivesEveryByteCorruptionOfHelloWorld) {
  const std::vector<uint8_t> real = test::read_bytes(model_path("hello_world_int8.tflite"));
  int other_failures = 0;
  for (size_t i = 0; i < real.size(); ++i) {
    for (uint8_t x : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xFF}}) {
      std::vector<uint8_t> bad = real;
      bad[i] ^= x;
      try {
        (void)tflite_read(bad, "bad.tflite");
      } catch (const ConvertError&) {
      } catch (...) {
        ++other_failures;
      }
    }
  }
  TMF_EXPECT_EQ(other_failures, 0);
}

}  // namespace
}  // namespace tmf::host
