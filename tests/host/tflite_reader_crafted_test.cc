// Tests of the TFLite importer on small models built here with the flatbuffers builder: every
// rejection message (unsupported op, type, layout) and the corner cases of the format (old op
// codes, INT64 constants, buffers outside the flatbuffer). Real models: tflite_reader_test.cc.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "host/convert/tflite_reader.h"
#include "host/convert/tflite_schema_generated.h"
#include "tests/host/tiny_tflite.h"
#include "tests/support/tmf_test.h"

namespace tmf::host {
namespace {

namespace fb = ::tmf::tflite;
using namespace tiny_tflite;  // NOLINT: the test model writer's vocabulary

TMF_TEST(TfliteReader, TinyModelRoundTrip) {
  TinyModel m = binary_model(fb::BuiltinOperator_MUL);
  m.ops[0].options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_MulOptions,
                          fb::CreateMulOptions(fbb, fb::ActivationFunctionType_RELU6).Union());
  };
  const Graph g = tflite_read(build(m), "tiny.tflite");
  TMF_EXPECT(g.source == "tiny.tflite");
  TMF_EXPECT(g.description == "tiny");
  TMF_ASSERT(g.ops.size() == 1);
  TMF_EXPECT_EQ(g.ops[0].opcode, kOpMul);
  TMF_EXPECT(g.ops[0].options.activation == Activation::kRelu6);
  TMF_EXPECT(g.inputs == (std::vector<int>{0, 1}));
  TMF_EXPECT(g.outputs == (std::vector<int>{2}));
  TMF_EXPECT(g.tensors[1].name == "y");
  TMF_EXPECT(g.tensors[1].quant.per_tensor());
  TMF_EXPECT_EQ(g.tensors[1].quant.zero_points[0], -3);
}

TMF_TEST(TfliteReader, RejectsUnsupportedOpNamingIndexAndName) {
  // (SUB was the example here until format 1.2 added it; DIV has no kernel.)
  TinyModel m = binary_model(fb::BuiltinOperator_DIV);
  TMF_EXPECT_THROWS(tflite_read(build(m), "div.tflite"), ConvertError,
                    "div.tflite: op 0 (DIV): operator DIV is not supported (supported: ADD, ");
  // The second op is the unsupported one.
  m = binary_model(fb::BuiltinOperator_ADD);
  m.tensors.push_back(int8_tensor("w", {1, 4}));
  TinyOp sub = m.ops[0];
  sub.builtin = fb::BuiltinOperator_SQUARED_DIFFERENCE;
  sub.inputs = {2, 0};
  sub.outputs = {3};
  m.ops.push_back(sub);
  m.outputs = {3};
  TMF_EXPECT_THROWS(tflite_read(build(m), "two.tflite"), ConvertError,
                    "two.tflite: op 1 (SQUARED_DIFFERENCE): operator SQUARED_DIFFERENCE is not "
                    "supported");
}

TMF_TEST(TfliteReader, OpCodeIsMaxOfDeprecatedByteAndInt) {
  // Codes >= 127 live only in builtin_code (the byte holds the 127 placeholder).
  TMF_EXPECT_THROWS(tflite_read(build(binary_model(fb::BuiltinOperator_BROADCAST_TO)), "b.tflite"),
                    ConvertError, "op 0 (BROADCAST_TO): operator BROADCAST_TO is not supported");
  // Old files carry only the byte; the int is 0 (ADD) there.
  TinyModel old = binary_model(fb::BuiltinOperator_MUL);
  old.ops[0].only_deprecated_code = true;
  const Graph g = tflite_read(build(old), "old.tflite");
  TMF_ASSERT(g.ops.size() == 1);
  TMF_EXPECT_EQ(g.ops[0].opcode, kOpMul);
  TMF_EXPECT(g.ops[0].source_name == "MUL");
  // A code past the schema this importer knows still gets a name.
  TMF_EXPECT_THROWS(tflite_read(build(binary_model(999)), "new.tflite"), ConvertError,
                    "op 0 (BUILTIN_999): operator BUILTIN_999 is not supported");
}

TMF_TEST(TfliteReader, RejectsCustomOp) {
  TinyModel m = binary_model(fb::BuiltinOperator_CUSTOM);
  m.ops[0].custom_code = "MyFancyOp";
  TMF_EXPECT_THROWS(tflite_read(build(m), "c.tflite"), ConvertError,
                    "c.tflite: op 0 (MyFancyOp): custom operator MyFancyOp is not supported");
}

TMF_TEST(TfliteReader, RejectsUnsupportedTensorTypeNamingOpAndTensor) {
  // RESHAPE whose shape operand is a computed (non-constant) INT64 tensor.
  TinyModel m;
  m.tensors = {int8_tensor("x", {1, 4}), TinyTensor{}, int8_tensor("y", {4})};
  m.tensors[1].name = "dynamic_shape";
  m.tensors[1].type = fb::TensorType_INT64;
  m.tensors[1].shape = {1};
  TinyOp op;
  op.builtin = fb::BuiltinOperator_RESHAPE;
  op.inputs = {0, 1};
  op.outputs = {2};
  m.ops = {op};
  m.inputs = {0};
  m.outputs = {2};
  TMF_EXPECT_THROWS(tflite_read(build(m), "t.tflite"), ConvertError,
                    "t.tflite: op 0 (RESHAPE): tensor 1 'dynamic_shape': type INT64 is not "
                    "supported");
  // A BOOL graph input.
  m.tensors[1].type = fb::TensorType_BOOL;
  m.inputs = {1};
  TMF_EXPECT_THROWS(tflite_read(build(m), "t.tflite"), ConvertError,
                    "t.tflite: op 0 (RESHAPE): tensor 1 'dynamic_shape': type BOOL");
  m.ops.clear();
  TMF_EXPECT_THROWS(tflite_read(build(m), "t.tflite"), ConvertError,
                    "t.tflite: graph input 0: tensor 1 'dynamic_shape': type BOOL is not "
                    "supported");
}

TMF_TEST(TfliteReader, NarrowsInt64ConstantsToInt32) {
  TinyModel m;
  m.tensors = {int8_tensor("x", {1, 4}), TinyTensor{}, int8_tensor("y", {4})};
  m.tensors[1].name = "shape";
  m.tensors[1].type = fb::TensorType_INT64;
  m.tensors[1].shape = {1};
  m.tensors[1].data = int64_bytes({4});
  TinyOp op;
  op.builtin = fb::BuiltinOperator_RESHAPE;
  op.inputs = {0, 1};
  op.outputs = {2};
  op.options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_ReshapeOptions,
                          fb::CreateReshapeOptions(fbb, fbb.CreateVector(std::vector<int32_t>{4}))
                              .Union());
  };
  m.ops = {op};
  m.inputs = {0};
  m.outputs = {2};
  const Graph g = tflite_read(build(m), "r.tflite");
  TMF_ASSERT(g.ops.size() == 1);
  TMF_EXPECT(g.ops[0].options.new_shape == (std::vector<int32_t>{4}));
  TMF_EXPECT_EQ(g.tensors[1].type, kTensorTypeInt32);
  TMF_ASSERT(g.tensors[1].data.size() == 4);
  int32_t v;
  std::memcpy(&v, g.tensors[1].data.data(), 4);
  TMF_EXPECT_EQ(v, 4);

  m.tensors[1].data = int64_bytes({int64_t{1} << 40});
  TMF_EXPECT_THROWS(tflite_read(build(m), "r.tflite"), ConvertError,
                    "op 0 (RESHAPE): tensor 1 'shape': INT64 constant value 1099511627776 at "
                    "element 0 does not fit in INT32");
}

TMF_TEST(TfliteReader, PadV2KeepsItsConstantValueInput) {
  TinyModel m;
  m.tensors = {int8_tensor("x", {1, 2}), TinyTensor{}, int8_tensor("value", {}),
               int8_tensor("y", {1, 4})};
  m.tensors[1].name = "paddings";
  m.tensors[1].type = fb::TensorType_INT64;
  m.tensors[1].shape = {2, 2};
  m.tensors[1].data = int64_bytes({0, 0, 1, 1});
  m.tensors[2].data = int8_bytes({-3});
  TinyOp op;
  op.builtin = fb::BuiltinOperator_PADV2;
  op.inputs = {0, 1, 2};
  op.outputs = {3};
  op.options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_PadV2Options, fb::CreatePadV2Options(fbb).Union());
  };
  m.ops = {op};
  m.inputs = {0};
  m.outputs = {3};
  const Graph g = tflite_read(build(m), "p.tflite");
  TMF_ASSERT(g.ops.size() == 1);
  TMF_EXPECT_EQ(g.ops[0].opcode, kOpPad);
  TMF_EXPECT(g.ops[0].source_name == "PADV2");
  TMF_EXPECT(g.ops[0].inputs == (std::vector<int>{0, 1, 2}));
  TMF_EXPECT_EQ(g.tensors[1].type, kTensorTypeInt32);
  TMF_EXPECT_EQ(g.tensors[1].data.size(), 16);
  TMF_EXPECT(g.tensors[2].shape.empty());  // a scalar
  TMF_EXPECT(g.tensors[2].is_constant());
}

TinyModel fully_connected_model() {
  TinyModel m;
  m.tensors = {int8_tensor("x", {1, 2}), int8_tensor("w", {3, 2}), int8_tensor("y", {1, 3})};
  m.tensors[1].data = int8_bytes({1, 2, 3, 4, 5, 6});
  TinyOp op;
  op.builtin = fb::BuiltinOperator_FULLY_CONNECTED;
  op.inputs = {0, 1, -1};  // no bias
  op.outputs = {2};
  m.ops = {op};
  m.inputs = {0};
  m.outputs = {2};
  return m;
}

TMF_TEST(TfliteReader, FullyConnectedOptions) {
  TinyModel m = fully_connected_model();
  m.ops[0].options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(
        fb::BuiltinOptions_FullyConnectedOptions,
        fb::CreateFullyConnectedOptions(fbb, fb::ActivationFunctionType_RELU,
                                        fb::FullyConnectedOptionsWeightsFormat_DEFAULT, true)
            .Union());
  };
  const Graph g = tflite_read(build(m), "fc.tflite");
  TMF_ASSERT(g.ops.size() == 1);
  TMF_EXPECT(g.ops[0].inputs == (std::vector<int>{0, 1, -1}));
  TMF_EXPECT(g.ops[0].options.keep_dims);
  TMF_EXPECT(g.ops[0].options.activation == Activation::kRelu);

  m.ops[0].options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(
        fb::BuiltinOptions_FullyConnectedOptions,
        fb::CreateFullyConnectedOptions(fbb, fb::ActivationFunctionType_NONE,
                                        fb::FullyConnectedOptionsWeightsFormat_SHUFFLED4x16INT8)
            .Union());
  };
  TMF_EXPECT_THROWS(tflite_read(build(m), "fc.tflite"), ConvertError,
                    "fc.tflite: op 0 (FULLY_CONNECTED): weights format SHUFFLED4x16INT8 is not "
                    "supported");
}

TMF_TEST(TfliteReader, ReadsBufferStoredOutsideTheFlatbuffer) {
  TinyModel m = fully_connected_model();
  m.tensors[1].data_outside = true;
  const std::vector<uint8_t> file = build(m);
  const Graph g = tflite_read(file, "big.tflite");
  TMF_EXPECT(g.tensors[1].data == int8_bytes({1, 2, 3, 4, 5, 6}));
  // The same buffer pointing past the end of the file.
  const std::vector<uint8_t> cut(file.begin(), file.end() - 3);
  TMF_EXPECT_THROWS(tflite_read(cut, "big.tflite"), ConvertError,
                    "big.tflite: tensor 1 'w': buffer 1 points at bytes [");
}

TMF_TEST(TfliteReader, RejectsBadTensorsWhereTheyAreUsed) {
  TinyModel m = fully_connected_model();
  m.tensors[1].data = int8_bytes({1, 2, 3});  // shape [3,2] needs 6 bytes
  TMF_EXPECT_THROWS(tflite_read(build(m), "d.tflite"), ConvertError,
                    "d.tflite: op 0 (FULLY_CONNECTED): tensor 1 'w': constant data has 3 "
                    "bytes, but INT8 [3, 2] needs 6");

  m = fully_connected_model();
  m.tensors[1].scales = {0.1f, 0.2f};  // 2 scales for 3 output channels
  m.tensors[1].zero_points = {0, 0};
  TMF_EXPECT_THROWS(tflite_read(build(m), "q.tflite"), ConvertError,
                    "q.tflite: op 0 (FULLY_CONNECTED): tensor 1 'w': per-channel quantization has "
                    "2 scales for dimension 0 of size 3");
  m.tensors[1].axis = 2;
  TMF_EXPECT_THROWS(tflite_read(build(m), "q.tflite"), ConvertError,
                    "tensor 1 'w': per-channel quantization on axis 2 is outside");
  m.tensors[1].scales = {0.1f};
  m.tensors[1].zero_points = {};
  TMF_EXPECT_THROWS(tflite_read(build(m), "q.tflite"), ConvertError,
                    "tensor 1 'w': quantization has 1 scales but 0 zero points");

  m = fully_connected_model();
  m.tensors[0].shape = {-1, 2};
  TMF_EXPECT_THROWS(tflite_read(build(m), "s.tflite"), ConvertError,
                    "s.tflite: op 0 (FULLY_CONNECTED): tensor 0 'x': dimension 0 is -1");

  m = fully_connected_model();
  m.ops[0].inputs = {0, 7, -1};
  TMF_EXPECT_THROWS(tflite_read(build(m), "i.tflite"), ConvertError,
                    "i.tflite: op 0 (FULLY_CONNECTED): input 1 refers to tensor 7, but the "
                    "subgraph has 3 tensors");
}

TMF_TEST(TfliteReader, ScaleArrayOfLengthZeroIsNotQuantized) {
  TinyModel m = fully_connected_model();
  m.tensors[0].scales = {};
  m.tensors[0].zero_points = {};
  const Graph g = tflite_read(build(m), "f.tflite");
  TMF_EXPECT(g.tensors[0].quant.scales.empty());
  TMF_EXPECT(!g.tensors[0].quant.per_tensor());
}

TMF_TEST(TfliteReader, ConvAndPoolOptionsAreChecked) {
  TinyModel m;
  m.tensors = {int8_tensor("x", {1, 4, 4, 1}), int8_tensor("y", {1, 2, 2, 1})};
  TinyOp op;
  op.builtin = fb::BuiltinOperator_MAX_POOL_2D;
  op.inputs = {0};
  op.outputs = {1};
  op.options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_Pool2DOptions,
                          fb::CreatePool2DOptions(fbb, fb::Padding_VALID, 2, 2, 2, 2,
                                                  fb::ActivationFunctionType_RELU_N1_TO_1)
                              .Union());
  };
  m.ops = {op};
  m.inputs = {0};
  m.outputs = {1};
  const Graph g = tflite_read(build(m), "pool.tflite");
  TMF_ASSERT(g.ops.size() == 1);
  TMF_EXPECT_EQ(g.ops[0].opcode, kOpMaxPool2D);
  TMF_EXPECT(g.ops[0].options.padding == Padding::kValid);
  TMF_EXPECT_EQ(g.ops[0].options.filter_w, 2);
  TMF_EXPECT(g.ops[0].options.activation == Activation::kReluN1To1);

  m.ops[0].options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_Pool2DOptions,
                          fb::CreatePool2DOptions(fbb, fb::Padding_VALID, 0, 2, 2, 2).Union());
  };
  TMF_EXPECT_THROWS(tflite_read(build(m), "pool.tflite"), ConvertError,
                    "pool.tflite: op 0 (MAX_POOL_2D): stride_w 0 is not valid");
  m.ops[0].options = nullptr;
  TMF_EXPECT_THROWS(tflite_read(build(m), "pool.tflite"), ConvertError,
                    "pool.tflite: op 0 (MAX_POOL_2D): missing Pool2DOptions");
  // Options of the wrong kind count as missing.
  m.ops[0].options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_Conv2DOptions, fb::CreateConv2DOptions(fbb).Union());
  };
  TMF_EXPECT_THROWS(tflite_read(build(m), "pool.tflite"), ConvertError, "missing Pool2DOptions");
}

TMF_TEST(TfliteReader, MeanAndConcatenationOptions) {
  TinyModel m;
  m.tensors = {int8_tensor("x", {1, 2, 2, 3}), TinyTensor{}, int8_tensor("y", {1, 1, 1, 3}),
               int8_tensor("z", {1, 1, 1, 6})};
  m.tensors[1].name = "axes";
  m.tensors[1].type = fb::TensorType_INT32;
  m.tensors[1].shape = {2};
  m.tensors[1].data = {1, 0, 0, 0, 2, 0, 0, 0};
  TinyOp mean;
  mean.builtin = fb::BuiltinOperator_MEAN;
  mean.inputs = {0, 1};
  mean.outputs = {2};
  mean.options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_ReducerOptions,
                          fb::CreateReducerOptions(fbb, true).Union());
  };
  TinyOp concat;
  concat.builtin = fb::BuiltinOperator_CONCATENATION;
  concat.inputs = {2, 2};
  concat.outputs = {3};
  concat.options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_ConcatenationOptions,
                          fb::CreateConcatenationOptions(fbb, 3).Union());
  };
  m.ops = {mean, concat};
  m.inputs = {0};
  m.outputs = {3};
  const Graph g = tflite_read(build(m), "mc.tflite");
  TMF_ASSERT(g.ops.size() == 2);
  TMF_EXPECT_EQ(g.ops[0].opcode, kOpMean);
  TMF_EXPECT(g.ops[0].options.keep_dims);
  TMF_EXPECT_EQ(g.ops[1].opcode, kOpConcatenation);
  TMF_EXPECT_EQ(g.ops[1].options.axis, 3);
}

TMF_TEST(TfliteReader, RejectsMultipleSubgraphsAndOtherSchemaVersions) {
  TinyModel m = binary_model(fb::BuiltinOperator_ADD);
  m.subgraph_count = 2;
  TMF_EXPECT_THROWS(tflite_read(build(m), "two.tflite"), ConvertError,
                    "two.tflite: the model has 2 subgraphs; only single-subgraph models are "
                    "supported");
  m.subgraph_count = 0;
  TMF_EXPECT_THROWS(tflite_read(build(m), "none.tflite"), ConvertError,
                    "none.tflite: the model has no subgraph");
  m.subgraph_count = 1;
  m.version = 2;
  TMF_EXPECT_THROWS(tflite_read(build(m), "v2.tflite"), ConvertError,
                    "v2.tflite: TFLite schema version 2 is not supported (expected 3)");
}

}  // namespace
}  // namespace tmf::host
