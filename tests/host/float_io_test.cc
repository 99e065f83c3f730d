// A model with float32 input and output, as TFLite converters emit them (QUANTIZE, int8 ops,
// DEQUANTIZE), through the converter and `tinymlops run`: float bytes in, float bytes out.
// Oracle: the same arithmetic written out by hand in the test with exactly representable
// values (scales are powers of two, so every step is exact).
#include <cstring>

#include "host/convert/convert.h"
#include "tests/host/test_files.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

host::Tensor activation(const std::string& name, TensorType type, std::vector<int32_t> shape,
                        float scale, int64_t zero_point) {
  host::Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  if (scale > 0.0f) t.quant = {{scale}, {zero_point}, 0};
  return t;
}

host::Op op(OpCode code, const char* name, std::vector<int> inputs, std::vector<int> outputs) {
  host::Op o;
  o.opcode = code;
  o.source_name = name;
  o.inputs = std::move(inputs);
  o.outputs = std::move(outputs);
  return o;
}

// float x[4] -> QUANTIZE (scale 1/2, zp 0) -> FULLY_CONNECTED (weights scale 1/4, output
// scale 1/8, zp 0: the requantization multiplier is exactly 1) -> DEQUANTIZE -> float y[2].
host::Graph float_graph(float output_scale = 0.125f) {
  host::Graph g;
  g.source = "float_io";
  host::Tensor w = activation("w", kTensorTypeInt8, {2, 4}, 0.25f, 0);
  const int8_t weights[8] = {1, 2, 3, 4, -1, -2, -3, -4};
  w.data.assign(reinterpret_cast<const uint8_t*>(weights), reinterpret_cast<const uint8_t*>(weights) + 8);
  g.tensors = {activation("x", kTensorTypeFloat32, {1, 4}, 0.0f, 0),
               activation("xq", kTensorTypeInt8, {1, 4}, 0.5f, 0), w,
               activation("yq", kTensorTypeInt8, {1, 2}, output_scale, 0),
               activation("y", kTensorTypeFloat32, {1, 2}, 0.0f, 0)};
  g.ops = {op(kOpQuantize, "QUANTIZE", {0}, {1}), op(kOpFullyConnected, "FULLY_CONNECTED", {1, 2, -1}, {3}),
           op(kOpDequantize, "DEQUANTIZE", {3}, {4})};
  g.inputs = {0};
  g.outputs = {4};
  return g;
}

TMF_TEST(FloatIo, QuantizeFullyConnectedDequantizeThroughTheCli) {
  const host::ConvertResult r = host::convert_graph(float_graph(), {});
  const std::string model = test::temp_path("float_io.tmf");
  test::write_bytes(model, r.file);

  // Inputs on the 1/2 grid: quantize exactly to 2x. Two input sets back to back.
  const float x[8] = {1.0f, 0.5f, -1.5f, 2.0f, 0.0f, 3.0f, 1.0f, -0.5f};
  std::vector<uint8_t> in(sizeof(x));
  std::memcpy(in.data(), x, sizeof(x));
  const std::string in_path = test::temp_path("float_in.bin");
  const std::string out_path = test::temp_path("float_out.bin");
  test::write_bytes(in_path, in);
  const test::CommandResult run =
      test::run_cli("run " + model + " --input " + in_path + " --output " + out_path);
  TMF_ASSERT(run.exit_code == 0);
  const std::vector<uint8_t> out = test::read_bytes(out_path);
  TMF_ASSERT(out.size() == 4 * sizeof(float));
  float y[4];
  std::memcpy(y, out.data(), sizeof(y));

  // Hand-worked: real y_u = sum_k x_k * (w_uk / 4); inputs on the 1/2 grid and weights on the
  // 1/4 grid put every sum on the 1/8 output grid, so nothing is rounded.
  const int8_t w[2][4] = {{1, 2, 3, 4}, {-1, -2, -3, -4}};
  for (int set = 0; set < 2; ++set) {
    for (int u = 0; u < 2; ++u) {
      float expected = 0.0f;
      for (int k = 0; k < 4; ++k) expected += x[4 * set + k] * static_cast<float>(w[u][k]) / 4.0f;
      expected = expected < -16.0f ? -16.0f : (expected > 15.875f ? 15.875f : expected);  // int8 at 1/8
      TMF_EXPECT(y[2 * set + u] == expected);
    }
  }
}

// With output scale 1/4 the sums +-5.5 quarter-units are ties: TFLM's requantization rounds
// them up (gemmlowp's high multiply), so 5.5 -> 6 and -5.5 -> -5.
TMF_TEST(FloatIo, TiesRoundUpAsInTflm) {
  const host::ConvertResult r = host::convert_graph(float_graph(0.25f), {});
  const std::string model = test::temp_path("float_ties.tmf");
  test::write_bytes(model, r.file);
  const float x[4] = {1.0f, 0.5f, -1.5f, 2.0f};  // real outputs +-1.375 = +-5.5 quarters
  std::vector<uint8_t> in(sizeof(x));
  std::memcpy(in.data(), x, sizeof(x));
  const std::string in_path = test::temp_path("ties_in.bin");
  const std::string out_path = test::temp_path("ties_out.bin");
  test::write_bytes(in_path, in);
  TMF_ASSERT(test::run_cli("run " + model + " --input " + in_path + " --output " + out_path).exit_code == 0);
  float y[2];
  const std::vector<uint8_t> out = test::read_bytes(out_path);
  TMF_ASSERT(out.size() == sizeof(y));
  std::memcpy(y, out.data(), sizeof(y));
  TMF_EXPECT(y[0] == 1.5f);
  TMF_EXPECT(y[1] == -1.25f);
}

TMF_TEST(FloatIo, InputSizeCountsFloatBytes) {
  const host::ConvertResult r = host::convert_graph(float_graph(), {});
  const std::string model = test::temp_path("float_io2.tmf");
  test::write_bytes(model, r.file);
  const std::string in_path = test::temp_path("float_short.bin");
  test::write_bytes(in_path, std::vector<uint8_t>(4, 0));  // one float, not four
  const test::CommandResult run =
      test::run_cli("run " + model + " --input " + in_path + " --output " + test::temp_path("o.bin"));
  TMF_EXPECT(run.exit_code != 0);
  TMF_EXPECT(run.err.find("input size 16 bytes") != std::string::npos);
}

}  // namespace
}  // namespace tmf
