// The models op_cost measures for the fit (op_cost.cc): single-op models of many shapes, built
// through the real converter's graph; seeded, so every run writes the same models. The validation
// set's whole models: op_cost_benchmark_models.cc.
#include "bench/op_cost_models.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench/op_cost_builder.h"
#include "host/convert/pipeline_graph.h"

namespace op_cost {

std::mt19937 g_rng(1234);

namespace {

// Shapes drawn at random (fixed seed), half of them small enough for the micro:bit runner
// (8 KB model, 2 KB arena, 512 B of input and output).
// The ops of format 1.2 (SUB, LEAKY_RELU, HARD_SWISH, TRANSPOSE, STRIDED_SLICE) on fixed sizes,
// after every other model so the random shapes of the older ones stay as they were.
void add_format_1_2_models(std::vector<std::pair<std::string, Graph>>& models) {
  const auto int32_tensor = [](std::vector<int32_t> values) {
    Tensor t;
    t.type = tmf::kTensorTypeInt32;
    t.shape = {static_cast<int32_t>(values.size())};
    t.data.resize(4 * values.size());
    std::memcpy(t.data.data(), values.data(), t.data.size());
    return t;
  };
  const auto one_op = [&](const std::string& name, tmf::OpCode code, std::vector<Tensor> tensors,
                          tmf::host::OpOptions options = {}) {
    Graph g;
    g.source = name;
    for (size_t i = 0; i < tensors.size(); ++i) tensors[i].name = name + "/t" + std::to_string(i);
    g.tensors = std::move(tensors);
    Op o;
    o.opcode = code;
    o.source_name = tmf::opcode_name(code);
    for (size_t i = 0; i + 1 < g.tensors.size(); ++i) o.inputs.push_back(static_cast<int>(i));
    o.outputs = {static_cast<int>(g.tensors.size()) - 1};
    o.options = std::move(options);
    g.ops = {o};
    for (int i : g.ops[0].inputs) if (!g.tensors[i].is_constant()) g.inputs.push_back(i);
    g.outputs = o.outputs;
    models.emplace_back(name, std::move(g));
  };
  for (int n : {8, 40, 100, 240, 700, 1500, 4096}) {
    const std::string size = std::to_string(n);
    one_op("sub_" + size, tmf::kOpSub,
           {activation({1, n}, 0.05f, -5), activation({1, n}, 0.05f, -5), activation({1, n}, 0.1f, 0)});
    tmf::host::OpOptions leaky;
    leaky.alpha = 0.2f;
    one_op("leaky_relu_" + size, tmf::kOpLeakyRelu,
           {activation({1, n}, 0.05f, -5), activation({1, n}, 0.04f, -20)}, leaky);
    one_op("hard_swish_" + size, tmf::kOpHardSwish,
           {activation({1, n}, 0.05f, -5), activation({1, n}, 0.04f, -20)});
    const int w = n % 3 == 0 ? 3 : 2, c = std::max(1, n / (4 * w));
    one_op("transpose_" + size, tmf::kOpTranspose,
           {activation({1, 4, w, c}, 0.05f, -5), int32_tensor({0, 3, 1, 2}),
            activation({1, c, 4, w}, 0.05f, -5)});
    // Every other column of every other row.
    one_op("strided_slice_" + size, tmf::kOpStridedSlice,
           {activation({1, 4, w, c}, 0.05f, -5), int32_tensor({0, 0, 0, 0}),
            int32_tensor({1, 4, w, c}), int32_tensor({1, 2, 1, 2}),
            activation({1, 2, w, (c + 1) / 2}, 0.05f, -5)});
  }
}

// The ops of format 1.3 (TRANSPOSE_CONV, SVDF), after the 1.2 ones so every older model keeps
// its random draws. Shapes vary stride, window, channels, memory and rank independently so the
// fit can tell the loop counts apart.
void add_format_1_3_models(std::vector<std::pair<std::string, Graph>>& models) {
  const auto one_op = [&](const std::string& name, tmf::OpCode code, std::vector<Tensor> tensors,
                          std::vector<int> inputs, tmf::host::OpOptions options = {}) {
    Graph g;
    g.source = name;
    for (size_t i = 0; i < tensors.size(); ++i) tensors[i].name = name + "/t" + std::to_string(i);
    g.tensors = std::move(tensors);
    Op o;
    o.opcode = code;
    o.source_name = tmf::opcode_name(code);
    o.inputs = std::move(inputs);
    o.outputs = {static_cast<int>(g.tensors.size()) - 1};
    o.options = std::move(options);
    g.ops = {o};
    g.inputs = {0};
    g.outputs = o.outputs;
    models.emplace_back(name, std::move(g));
  };
  struct TransposeConvShape { int h, w, in_c, out_c, k, stride; bool same; };
  const TransposeConvShape shapes[] = {
      {2, 2, 1, 1, 2, 2, false}, {3, 3, 4, 2, 3, 1, true},  {4, 4, 8, 4, 3, 2, true},
      {5, 3, 2, 8, 4, 2, false}, {4, 6, 16, 8, 2, 2, false}, {6, 6, 3, 3, 5, 1, true},
      {8, 8, 8, 16, 3, 2, true}, {3, 8, 32, 4, 3, 3, false}, {7, 5, 6, 6, 4, 2, true},
      {10, 10, 4, 8, 3, 1, true}, {4, 4, 24, 24, 3, 2, true}, {12, 2, 2, 2, 6, 3, false}};
  const auto transpose_conv = [&](const TransposeConvShape& t) {
    const auto out = [&](int in) { return t.same ? in * t.stride : (in - 1) * t.stride + t.k; };
    tmf::host::OpOptions o;
    o.padding = t.same ? Padding::kSame : Padding::kValid;
    o.stride_h = o.stride_w = t.stride;
    const std::string name = "transpose_conv_" + std::to_string(t.h) + "x" + std::to_string(t.w) +
                             "x" + std::to_string(t.in_c) + "_" + std::to_string(t.out_c) + "_k" +
                             std::to_string(t.k) + "s" + std::to_string(t.stride) +
                             (t.same ? "same" : "valid");
    one_op(name, tmf::kOpTransposeConv,
           {activation({1, t.h, t.w, t.in_c}, 0.05f, -5),
            constant_int8({t.out_c, t.k, t.k, t.in_c}, static_cast<size_t>(t.out_c), 0),
            constant_int32(t.out_c), activation({1, out(t.h), out(t.w), t.out_c}, 0.1f, 3)},
           {0, 1, 2}, o);
  };
  for (const TransposeConvShape& t : shapes) transpose_conv(t);
  struct SvdfShape { int batches, input, filters, memory, rank; };
  const SvdfShape svdf_shapes[] = {{1, 4, 2, 2, 1},   {1, 16, 8, 10, 1},  {2, 8, 16, 4, 2},
                                   {1, 40, 32, 8, 1}, {1, 10, 64, 16, 2}, {3, 20, 12, 30, 3},
                                   {1, 64, 16, 2, 4}, {2, 6, 48, 12, 1},  {1, 100, 8, 40, 1},
                                   {1, 32, 96, 4, 1}};
  for (const SvdfShape& v : svdf_shapes) {
    Tensor time;
    time.type = tmf::kTensorTypeInt16;
    time.shape = {v.filters, v.memory};
    time.data.resize(2u * static_cast<size_t>(time.element_count()));
    for (uint8_t& b : time.data) b = static_cast<uint8_t>(g_rng());
    time.quant.scales = {0.0004f};
    time.quant.zero_points = {0};
    Tensor state;
    state.type = tmf::kTensorTypeInt16;
    state.shape = {v.batches, v.filters * v.memory};
    state.quant.scales = {0.008f};
    state.quant.zero_points = {0};
    state.is_state = true;
    Tensor feature = constant_int8({v.filters, v.input}, 1, 0);
    tmf::host::OpOptions o;
    o.svdf_rank = v.rank;
    const std::string name = "svdf_" + std::to_string(v.batches) + "x" + std::to_string(v.input) +
                             "_f" + std::to_string(v.filters) + "m" + std::to_string(v.memory) +
                             "r" + std::to_string(v.rank);
    one_op(name, tmf::kOpSvdf,
           {activation({v.batches, v.input}, 0.02f, 4), feature, time,
            constant_int32(v.filters / v.rank), state,
            activation({v.batches, v.filters / v.rank}, 0.03f, -2)},
           {0, 1, 2, 3, 4}, o);
  }
  // More shapes small enough for the micro:bit (its fit had 4 points for 6 counts without them).
  const TransposeConvShape small[] = {{2, 3, 2, 3, 3, 2, false}, {3, 2, 5, 2, 2, 1, true},
                                      {2, 2, 6, 4, 3, 2, true},  {4, 3, 1, 5, 2, 3, false},
                                      {3, 3, 2, 2, 4, 1, false}, {2, 4, 3, 1, 3, 3, true}};
  for (const TransposeConvShape& t : small) transpose_conv(t);
}

}  // namespace

// Format 1.4's UNIDIRECTIONAL_SEQUENCE_LSTM, after every older model so their random draws are
// unchanged. Time steps, batches, inputs and cells vary independently (both layouts).
void add_format_1_4_models(std::vector<std::pair<std::string, Graph>>& models) {
  struct LstmShape { int time, batch, input, cells; bool time_major; };
  const LstmShape shapes[] = {{1, 1, 2, 2, true},   {4, 1, 3, 4, false},  {2, 3, 8, 2, true},
                              {8, 1, 1, 8, true},   {3, 2, 16, 5, false}, {6, 1, 4, 12, false},
                              {2, 2, 24, 3, true},  {5, 1, 10, 16, true}, {1, 4, 6, 6, false},
                              {10, 1, 2, 3, true},  {3, 1, 32, 8, false}, {2, 1, 5, 24, true}};
  for (const LstmShape& v : shapes) {
    const auto seq = [&](int last) {
      return v.time_major ? std::vector<int32_t>{v.time, v.batch, last}
                          : std::vector<int32_t>{v.batch, v.time, last};
    };
    Graph g;
    g.source = "lstm_t" + std::to_string(v.time) + "b" + std::to_string(v.batch) + "_i" +
               std::to_string(v.input) + "c" + std::to_string(v.cells) +
               (v.time_major ? "_tm" : "_bm");
    g.tensors.push_back(activation(seq(v.input), 0.02f, 3));
    for (int k = 0; k < 8; ++k) {
      g.tensors.push_back(constant_int8({v.cells, k < 4 ? v.input : v.cells}, 1, 0));
    }
    for (int k = 0; k < 4; ++k) g.tensors.push_back(constant_int32(v.cells));
    Tensor hidden = activation({v.batch, v.cells}, 1.0f / 128, -2);
    hidden.is_state = true;
    Tensor cell;
    cell.type = tmf::kTensorTypeInt16;
    cell.shape = {v.batch, v.cells};
    cell.quant.scales = {1.0f / 2048};
    cell.quant.zero_points = {0};
    cell.is_state = true;
    g.tensors.push_back(hidden);
    g.tensors.push_back(cell);
    g.tensors.push_back(activation(seq(v.cells), 1.0f / 128, -2));
    for (size_t i = 0; i < g.tensors.size(); ++i) g.tensors[i].name = g.source + "/t" + std::to_string(i);
    Op o;
    o.opcode = tmf::kOpUnidirectionalSequenceLstm;
    o.source_name = tmf::opcode_name(o.opcode);
    o.inputs = {0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1, 9, 10, 11, 12, -1, -1, 13, 14,
                -1, -1, -1, -1};
    o.outputs = {15};
    o.options.activation = tmf::host::Activation::kTanh;
    o.options.time_major = v.time_major;
    g.ops = {o};
    g.inputs = {0};
    g.outputs = o.outputs;
    const std::string name = g.source;
    models.emplace_back(name, std::move(g));
  }
}

std::vector<std::pair<std::string, Graph>> cost_models() {
  std::vector<std::pair<std::string, Graph>> models;
  for (int i = 0; i < 48; ++i) {
    const bool small = i % 2 == 0;
    int depth = small ? uniform(1, 160) : uniform(16, 700);
    if (i % 3 != 0) depth = (depth + 3) / 4 * 4;
    if (i % 6 == 1) depth = (depth + 15) / 16 * 16;
    int units = small ? uniform(1, 40) : uniform(4, 160);
    const int batches = small ? pick({1, 1, 1, 2, 3, 4}) : pick({1, 1, 2, 5, 8, 16});
    if (small && (units * depth > 6000 || batches * depth > 480 || batches * units > 480)) {
      units = std::max(1, std::min(6000 / depth, 480 / batches));
      if (batches * depth > 480) continue;
    }
    const bool per_channel = i % 3 == 0;
    const std::string name = "fc_" + std::to_string(batches) + "x" + std::to_string(depth) + "_" +
                             std::to_string(units) + (per_channel ? "_pc" : "");
    models.emplace_back(name, single(name, {{batches, depth}}, [&](Builder& b, std::vector<int> in) {
                          return b.fc(in[0], units, Activation::kRelu, per_channel);
                        }));
  }
  for (int i = 0; i < 40; ++i) {
    const bool small = i % 2 == 0;
    const bool one_d = i % 3 == 0;
    const int h = one_d ? 1 : uniform(3, small ? 10 : 24);
    const int w = uniform(4, small ? 40 : 64);
    const int cin = small ? uniform(1, 8) : uniform(1, 32);
    const int cout = small ? uniform(1, 12) : uniform(2, 40);
    const int kh = one_d ? 1 : uniform(1, 5), kw = uniform(1, 5);
    const int stride = pick({1, 1, 2});
    const Padding padding = i % 4 == 1 ? Padding::kValid : Padding::kSame;
    if (padding == Padding::kValid && (kh > h || kw > w)) continue;
    if (small && (h * w * cin > 480 || out_size(padding, h, kh, stride) * out_size(padding, w, kw, stride) * cout > 480 ||
                  cout * kh * kw * cin > 6000)) {
      continue;
    }
    const std::string name = "conv_" + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(cin) + "_" +
                             std::to_string(cout) + "_k" + std::to_string(kh) + "x" + std::to_string(kw) + "_s" +
                             std::to_string(stride) + "_" + padding_name(padding);
    models.emplace_back(name, single(name, {{1, h, w, cin}}, [&](Builder& b, std::vector<int> in) {
                          return b.conv(in[0], cout, kh, kw, stride, padding);
                        }));
  }
  for (int i = 0; i < 36; ++i) {
    const bool small = i % 2 == 0;
    const bool one_d = i % 4 == 0;
    const int h = one_d ? 1 : uniform(3, small ? 10 : 24);
    const int w = uniform(4, small ? 32 : 48);
    int c = small ? uniform(1, 16) : uniform(2, 64);
    if (i % 3 != 0) c = (c + 3) / 4 * 4;  // the DSP kernel's case; the others fall back
    const int multiplier = i % 9 == 4 ? 2 : 1;
    const int kh = one_d ? 1 : uniform(1, 5), kw = uniform(1, 5);
    const int stride = pick({1, 1, 2});
    const Padding padding = i % 5 == 2 ? Padding::kValid : Padding::kSame;
    if (padding == Padding::kValid && (kh > h || kw > w)) continue;
    if (small && (h * w * c * multiplier > 480)) continue;
    const std::string name = "dw_" + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c) + "_m" +
                             std::to_string(multiplier) + "_k" + std::to_string(kh) + "x" + std::to_string(kw) + "_s" +
                             std::to_string(stride) + "_" + padding_name(padding);
    models.emplace_back(name, single(name, {{1, h, w, c}}, [&](Builder& b, std::vector<int> in) {
                          return b.depthwise(in[0], multiplier, kh, kw, stride, padding);
                        }));
  }
  for (int i = 0; i < 40; ++i) {
    const bool small = i % 2 == 0;
    const tmf::OpCode code = i % 4 < 2 ? tmf::kOpAveragePool2D : tmf::kOpMaxPool2D;
    const bool one_d = i % 3 == 0;
    const int h = one_d ? 1 : uniform(2, small ? 8 : 24);
    const int w = uniform(2, small ? 24 : 48);
    int c = small ? uniform(1, 16) : uniform(1, 64);
    if (i % 2 == 0) c = (c + 3) / 4 * 4;  // the DSP kernels' case; the others fall back
    const int fh = one_d ? 1 : uniform(1, 4), fw = uniform(1, 4);
    const int stride = uniform(1, 3);
    const Padding padding = i % 5 == 2 ? Padding::kSame : Padding::kValid;
    if (padding == Padding::kValid && (fh > h || fw > w)) continue;
    if (small && h * w * c > 480) continue;
    const std::string name = std::string(code == tmf::kOpAveragePool2D ? "avgpool_" : "maxpool_") +
                             std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c) + "_f" +
                             std::to_string(fh) + "x" + std::to_string(fw) + "_s" + std::to_string(stride) + "_" +
                             padding_name(padding);
    models.emplace_back(name, single(name, {{1, h, w, c}}, [&](Builder& b, std::vector<int> in) {
                          return b.pool(code, in[0], fh, fw, stride, padding);
                        }));
  }
  for (int n : {8, 40, 100, 160, 240, 512, 700, 1500, 2600, 4096}) {
    for (tmf::OpCode code : {tmf::kOpAdd, tmf::kOpMul}) {
      const std::string name = std::string(code == tmf::kOpAdd ? "add_" : "mul_") + std::to_string(n);
      models.emplace_back(name, single(name, {{1, n}, {1, n}}, [&](Builder& b, std::vector<int> in) {
                            return b.binary(code, in[0], in[1]);
                          }));
    }
  }
  for (auto [rows, depth] : std::vector<std::pair<int, int>>{{1, 2}, {1, 5}, {1, 10}, {1, 40}, {1, 200}, {2, 16},
                                                            {4, 8}, {8, 30}, {3, 100}, {16, 12}}) {
    const std::string name = "softmax_" + std::to_string(rows) + "x" + std::to_string(depth);
    models.emplace_back(name, single(name, {{rows, depth}}, [&](Builder& b, std::vector<int> in) {
                          return b.softmax(in[0]);
                        }));
  }
  for (int n : {4, 32, 100, 256, 480, 1024, 4000}) {
    const std::string name = "reshape_" + std::to_string(n);
    models.emplace_back(name, single(name, {{1, n / 4, 4}}, [&](Builder& b, std::vector<int> in) {
                          return b.reshape(in[0], {1, n});
                        }));
    for (tmf::OpCode code : {tmf::kOpRelu, tmf::kOpRelu6, tmf::kOpLogistic, tmf::kOpTanh}) {
      std::string op = tmf::opcode_name(code);
      for (char& ch : op) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      const std::string uname = op + "_" + std::to_string(n);
      models.emplace_back(uname, single(uname, {{1, n}}, [&](Builder& b, std::vector<int> in) {
                            return b.unary(code, in[0]);
                          }));
    }
  }
  // Data movement and conversions: QUANTIZE (float in, and int8 requantization), DEQUANTIZE,
  // MEAN over the spatial axes, PAD, CONCATENATION on the last axis.
  for (int n : {8, 24, 60, 100, 120, 400, 1000, 3000}) {
    const auto tensor = [](std::vector<int32_t> shape, tmf::TensorType type, float scale, int64_t zp) {
      Tensor t = activation(std::move(shape), scale, zp);
      t.type = type;
      if (type == tmf::kTensorTypeFloat32) t.quant = {};
      return t;
    };
    const auto graph = [&](const std::string& name, tmf::OpCode code, std::vector<Tensor> tensors, std::vector<int> inputs,
                           int output, tmf::host::OpOptions options = {}) {
      Graph g;
      g.source = name;
      for (size_t i = 0; i < tensors.size(); ++i) tensors[i].name = name + "/t" + std::to_string(i);
      g.tensors = std::move(tensors);
      Op o;
      o.opcode = code;
      o.source_name = tmf::opcode_name(code);
      o.inputs = std::move(inputs);
      o.outputs = {output};
      o.options = std::move(options);
      g.ops = {o};
      for (int i : g.ops[0].inputs) if (!g.tensors[i].is_constant()) g.inputs.push_back(i);
      g.outputs = {output};
      models.emplace_back(name, std::move(g));
    };
    const std::string size = std::to_string(n);
    if (n <= 1000) {
      graph("quantize_f_" + size, tmf::kOpQuantize,
            {tensor({1, n}, tmf::kTensorTypeFloat32, 0, 0), tensor({1, n}, tmf::kTensorTypeInt8, 0.02f, 3)}, {0}, 1);
      graph("dequantize_" + size, tmf::kOpDequantize,
            {tensor({1, n}, tmf::kTensorTypeInt8, 0.02f, 3), tensor({1, n}, tmf::kTensorTypeFloat32, 0, 0)}, {0}, 1);
    }
    graph("quantize_i_" + size, tmf::kOpQuantize,
          {tensor({1, n}, tmf::kTensorTypeInt8, 0.02f, 3), tensor({1, n}, tmf::kTensorTypeInt8, 0.05f, -7)}, {0}, 1);
    const int w = n % 3 == 0 ? 3 : 2, c = std::max(1, n / (4 * w));
    Tensor axes = tensor({2}, tmf::kTensorTypeInt32, 0, 0);
    axes.quant = {};
    axes.data.resize(8);
    const int32_t axis_values[2] = {1, 2};
    std::memcpy(axes.data.data(), axis_values, 8);
    tmf::host::OpOptions keep;
    keep.keep_dims = true;
    graph("mean_" + size, tmf::kOpMean,
          {tensor({1, 4, w, c}, tmf::kTensorTypeInt8, 0.05f, -5), axes, tensor({1, 1, 1, c}, tmf::kTensorTypeInt8, 0.05f, -5)},
          {0, 1}, 2, keep);
    Tensor paddings = tensor({2, 2}, tmf::kTensorTypeInt32, 0, 0);
    paddings.quant = {};
    paddings.data.resize(16);
    const int32_t pad_values[4] = {0, 0, 1 + n % 3, 2};
    std::memcpy(paddings.data.data(), pad_values, 16);
    graph("pad_" + size, tmf::kOpPad,
          {tensor({1, n}, tmf::kTensorTypeInt8, 0.05f, -5), paddings,
           tensor({1, n + 3 + n % 3}, tmf::kTensorTypeInt8, 0.05f, -5)},
          {0, 1}, 2);
    tmf::host::OpOptions last;
    last.axis = 1;
    graph("concat_" + size, tmf::kOpConcatenation,
          {tensor({n / 8 + 1, 4}, tmf::kTensorTypeInt8, 0.05f, -5), tensor({n / 8 + 1, 3}, tmf::kTensorTypeInt8, 0.05f, -5),
           tensor({n / 8 + 1, 7}, tmf::kTensorTypeInt8, 0.05f, -5)},
          {0, 1}, 2, last);
  }
  // Pipeline ops (format 1.1): DSP_FEATURES on float samples, the scores on an int8 row.
  for (int i = 0; i < 24; ++i) {
    const uint32_t n = i < 8 ? pick({64u, 128u}) : pick({64u, 128u, 256u, 512u, 1024u, 2048u});
    const float rate = 12000.0f;
    const float f_lo = pick({0.0f, 100.0f, 500.0f, 2000.0f});
    const float f_hi = pick({6000.0f, 5000.0f, 3000.0f});
    const uint32_t bands = std::min<uint32_t>(static_cast<uint32_t>(uniform(1, 48)), n / 2);
    const uint32_t stats = static_cast<uint32_t>(uniform(0, 31)) & (i % 3 == 0 ? 0u : 0x1fu);  // 5 stats
    const std::string name = "dspfeat_" + std::to_string(n) + "_b" + std::to_string(bands) + "_s" + std::to_string(stats) +
                             "_" + std::to_string(static_cast<int>(f_lo)) + "-" + std::to_string(static_cast<int>(f_hi));
    try {
      Graph g;
      g.source = name;
      const int samples = tmf::host::add_samples_input(g, n);
      const auto config = tmf::host::hann_features_config(n, rate, f_lo, f_hi, bands, stats);
      const uint32_t count = tmf::dsp::features_count(config);
      const int y = tmf::host::add_dsp_features(g, samples, config, std::vector<float>(count, 0.0f),
                                                std::vector<float>(count, 0.1f), 0.05f, 0);
      g.outputs.push_back(y);
      models.emplace_back(name, std::move(g));
    } catch (const tmf::host::ConvertError& e) {
      std::fprintf(stderr, "op_cost: skipping %s: %s\n", name.c_str(), e.what());
    }
  }
  for (int i = 0; i < 42; ++i) {
    const int f = i % 2 == 0 ? uniform(2, 40) : uniform(8, 128);
    const int k = uniform(1, 12);
    const tmf::OpCode code = pick({tmf::kOpScoreReconstruction, tmf::kOpScoreKMeans, tmf::kOpScoreGmm,
                                   tmf::kOpScoreMahalanobis, tmf::kOpScoreClass, tmf::kOpDecisionThreshold});
    std::string op = tmf::opcode_name(code);
    for (char& ch : op) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const std::string name = op + "_f" + std::to_string(f) + "_k" + std::to_string(k);
    std::vector<float> values(static_cast<size_t>(std::max(k * f, f * f)));
    for (float& x : values) x = std::uniform_real_distribution<float>(0.1f, 1.0f)(g_rng);
    Builder b(name);
    const int x = b.input({1, f});
    Graph g = b.take();
    int out;
    switch (code) {
      case tmf::kOpScoreReconstruction: out = tmf::host::add_score_reconstruction(g, x, x); break;
      case tmf::kOpScoreKMeans: out = tmf::host::add_score_kmeans(g, x, k, std::vector<float>(values.begin(), values.begin() + k * f)); break;
      case tmf::kOpScoreGmm:
        out = tmf::host::add_score_gmm(g, x, k, std::vector<float>(values.begin(), values.begin() + k * f),
                                       std::vector<float>(values.begin(), values.begin() + k * f), std::vector<float>(k, -1.0f));
        break;
      case tmf::kOpScoreMahalanobis:
        out = tmf::host::add_score_mahalanobis(g, x, std::vector<float>(values.begin(), values.begin() + f),
                                               std::vector<float>(values.begin(), values.begin() + f * f));
        break;
      case tmf::kOpScoreClass: out = tmf::host::add_score_class(g, x, k % f); break;
      default: {
        // DECISION_THRESHOLD needs a float score: make the one input a float32 scalar.
        Graph d;
        d.source = name;
        Tensor s;
        s.name = "score";
        s.type = tmf::kTensorTypeFloat32;
        s.shape = {1};
        d.tensors.push_back(s);
        d.inputs.push_back(0);
        g = std::move(d);
        out = tmf::host::add_decision_threshold(g, 0, 0.5f);
      }
    }
    g.outputs.push_back(out);
    models.emplace_back(name, std::move(g));
  }
  add_format_1_2_models(models);
  add_format_1_3_models(models);
  add_format_1_4_models(models);
  return models;
}

}  // namespace op_cost
