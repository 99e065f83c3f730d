// Per-op cost tables for the model selector (make bench):
//   op_cost models OUTDIR         writes single-op models of several sizes through the real
//                                 converter (OUTDIR/<name>.tmf, <name>.in, manifest.tsv)
//   op_cost fit MANIFEST CORE=COUNTS... > op_costs.json
//                                 fits instructions = fixed + per_mac * MACs + per_output * outputs
//                                 (output elements: each is one requantization) per core and op
//                                 (least squares) from the QEMU region counts, and reports each
//                                 fit's worst relative error on its own points.
#include <cmath>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "device/runtime/model.h"
#include "host/convert/convert.h"
#include "host/convert/model_info.h"

namespace {

using tmf::host::Graph;
using tmf::host::Op;
using tmf::host::Tensor;

std::mt19937 g_rng(1234);

Tensor activation(const std::string& name, std::vector<int32_t> shape, float scale, int64_t zp) {
  Tensor t;
  t.name = name;
  t.type = tmf::kTensorTypeInt8;
  t.shape = std::move(shape);
  t.quant.scales = {scale};
  t.quant.zero_points = {zp};
  return t;
}

Tensor constant_int8(const std::string& name, std::vector<int32_t> shape, size_t channels, int axis) {
  Tensor t;
  t.name = name;
  t.type = tmf::kTensorTypeInt8;
  t.shape = std::move(shape);
  t.data.resize(static_cast<size_t>(t.element_count()));
  for (uint8_t& b : t.data) b = static_cast<uint8_t>(g_rng());
  for (size_t c = 0; c < channels; ++c) {
    t.quant.scales.push_back(0.004f + 0.001f * static_cast<float>(c % 5));
    t.quant.zero_points.push_back(0);
  }
  t.quant.axis = axis;
  return t;
}

Tensor constant_int32(const std::string& name, int32_t n) {
  Tensor t;
  t.name = name;
  t.type = tmf::kTensorTypeInt32;
  t.shape = {n};
  t.data.resize(4u * static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) {
    const int32_t v = static_cast<int32_t>(g_rng() % 2001) - 1000;
    std::memcpy(t.data.data() + 4 * i, &v, 4);
  }
  return t;
}

// A graph of one op whose tensors are `tensors`; inputs/outputs index into them.
Graph one_op(tmf::OpCode opcode, const std::string& name, std::vector<Tensor> tensors,
             std::vector<int> inputs, std::vector<int> outputs, tmf::host::OpOptions options = {}) {
  Graph g;
  g.source = name;
  g.tensors = std::move(tensors);
  Op op;
  op.opcode = opcode;
  op.source_name = tmf::opcode_name(opcode);
  op.inputs = inputs;
  op.outputs = outputs;
  op.options = options;
  g.ops = {op};
  for (int i : inputs) {
    if (i >= 0 && !g.tensors[i].is_constant()) g.inputs.push_back(i);
  }
  g.outputs = outputs;
  return g;
}

std::vector<std::pair<std::string, Graph>> cost_models() {
  std::vector<std::pair<std::string, Graph>> models;
  const std::pair<int, int> fc_sizes[] = {{8, 8}, {16, 64}, {32, 128}, {12, 64}, {64, 256}, {128, 640}, {10, 100}, {128, 128}};
  for (auto [units, depth] : fc_sizes) {
    const std::string name = "fc_" + std::to_string(units) + "x" + std::to_string(depth);
    tmf::host::OpOptions o;
    o.activation = tmf::host::Activation::kRelu;
    models.emplace_back(name, one_op(tmf::kOpFullyConnected, name,
                                     {activation("in", {1, depth}, 0.05f, 3),
                                      constant_int8("w", {units, depth}, 1, 0), constant_int32("b", units),
                                      activation("out", {1, units}, 0.1f, -20)},
                                     {0, 1, 2}, {3}, o));
  }
  struct ConvSize { int h, w, cin, cout, kh, kw, stride; };
  const ConvSize conv_sizes[] = {{25, 5, 64, 64, 1, 1, 1}, {12, 12, 16, 32, 1, 1, 1}, {49, 10, 1, 64, 10, 4, 2},
                                 {16, 16, 8, 16, 3, 3, 1}, {8, 8, 32, 32, 3, 3, 2}, {32, 32, 3, 8, 3, 3, 2}};
  for (const ConvSize& c : conv_sizes) {
    const std::string name = "conv_" + std::to_string(c.h) + "x" + std::to_string(c.w) + "x" +
                             std::to_string(c.cin) + "_" + std::to_string(c.cout) + "_k" +
                             std::to_string(c.kh) + "x" + std::to_string(c.kw) + "_s" + std::to_string(c.stride);
    tmf::host::OpOptions o;
    o.padding = tmf::host::Padding::kSame;
    o.stride_h = o.stride_w = c.stride;
    o.activation = tmf::host::Activation::kRelu;
    const int oh = (c.h + c.stride - 1) / c.stride, ow = (c.w + c.stride - 1) / c.stride;
    models.emplace_back(name, one_op(tmf::kOpConv2D, name,
                                     {activation("in", {1, c.h, c.w, c.cin}, 0.05f, -5),
                                      constant_int8("w", {c.cout, c.kh, c.kw, c.cin}, c.cout, 0),
                                      constant_int32("b", c.cout),
                                      activation("out", {1, oh, ow, c.cout}, 0.1f, -128)},
                                     {0, 1, 2}, {3}, o));
  }
  struct DwSize { int h, w, c, k, stride; };
  const DwSize dw_sizes[] = {{25, 5, 64, 3, 1}, {16, 16, 32, 3, 1}, {24, 24, 16, 3, 2}, {8, 8, 128, 3, 1}};
  for (const DwSize& d : dw_sizes) {
    const std::string name = "dw_" + std::to_string(d.h) + "x" + std::to_string(d.w) + "x" +
                             std::to_string(d.c) + "_k" + std::to_string(d.k) + "_s" + std::to_string(d.stride);
    tmf::host::OpOptions o;
    o.padding = tmf::host::Padding::kSame;
    o.stride_h = o.stride_w = d.stride;
    o.activation = tmf::host::Activation::kRelu;
    const int oh = (d.h + d.stride - 1) / d.stride, ow = (d.w + d.stride - 1) / d.stride;
    models.emplace_back(name, one_op(tmf::kOpDepthwiseConv2D, name,
                                     {activation("in", {1, d.h, d.w, d.c}, 0.05f, -5),
                                      constant_int8("w", {1, d.k, d.k, d.c}, d.c, 3),
                                      constant_int32("b", d.c),
                                      activation("out", {1, oh, ow, d.c}, 0.1f, -128)},
                                     {0, 1, 2}, {3}, o));
  }
  const int pool_sizes[][3] = {{25, 5, 64}, {16, 16, 16}, {8, 8, 64}};
  for (const auto& p : pool_sizes) {
    for (tmf::OpCode code : {tmf::kOpAveragePool2D, tmf::kOpMaxPool2D}) {
      const std::string name = std::string(code == tmf::kOpAveragePool2D ? "avgpool_" : "maxpool_") +
                               std::to_string(p[0]) + "x" + std::to_string(p[1]) + "x" + std::to_string(p[2]);
      tmf::host::OpOptions o;
      o.filter_h = o.filter_w = 2;
      o.stride_h = o.stride_w = 2;
      models.emplace_back(name, one_op(code, name,
                                       {activation("in", {1, p[0], p[1], p[2]}, 0.05f, -5),
                                        activation("out", {1, p[0] / 2, p[1] / 2, p[2]}, 0.05f, -5)},
                                       {0}, {1}, o));
    }
  }
  for (int n : {64, 512, 4096}) {
    const std::string name = "add_" + std::to_string(n);
    models.emplace_back(name, one_op(tmf::kOpAdd, name,
                                     {activation("a", {1, n}, 0.05f, 1), activation("b", {1, n}, 0.08f, -3),
                                      activation("out", {1, n}, 0.1f, 0)},
                                     {0, 1}, {2}));
  }
  return models;
}

int write_models(const std::string& dir) {
  std::ofstream manifest(dir + "/manifest.tsv");
  manifest << "name\top\tmacs\toutputs\n";
  for (auto& [name, graph] : cost_models()) {
    tmf::host::ConvertResult r;
    try {
      r = tmf::host::convert_graph(graph, {});
    } catch (const tmf::host::ConvertError& e) {
      std::fprintf(stderr, "op_cost: skipping %s: %s\n", name.c_str(), e.what());
      continue;
    }
    std::ofstream(dir + "/" + name + ".tmf", std::ios::binary)
        .write(reinterpret_cast<const char*>(r.file.data()), static_cast<std::streamsize>(r.file.size()));
    // Measure the written file as the device sees it: MACs and the bytes the op moves.
    std::vector<uint8_t> aligned(r.file.size() + 16);
    uint8_t* base = aligned.data() + (16 - reinterpret_cast<uintptr_t>(aligned.data()) % 16) % 16;
    std::memcpy(base, r.file.data(), r.file.size());
    tmf::Model m;
    tmf::model_validate(base, r.file.size(), &m, nullptr);
    uint64_t in_bytes = 0;
    const tmf::OpRecord& op = m.ops[0];
    const uint32_t outputs = tmf::tensor_element_count(m.tensors[m.operands[op.operands + op.input_count]]);
    for (uint32_t i = 0; i < m.header->input_count; ++i) in_bytes += m.tensors[m.operands[i]].bytes;
    std::vector<uint8_t> input(in_bytes);
    for (uint8_t& b : input) b = static_cast<uint8_t>(g_rng());
    std::ofstream(dir + "/" + name + ".in", std::ios::binary)
        .write(reinterpret_cast<const char*>(input.data()), static_cast<std::streamsize>(input.size()));
    manifest << name << '\t' << tmf::opcode_name(op.opcode) << '\t' << tmf::host::model_macs(m) << '\t' << outputs << '\n';
  }
  return 0;
}

// Solves the 3x3 normal equations of fixed + a*macs + b*outputs; columns without variation
// (ops without MACs) drop out.
std::vector<double> least_squares(const std::vector<std::vector<double>>& x, const std::vector<double>& y) {
  const size_t n = x[0].size();
  std::vector<size_t> cols;
  for (size_t c = 0; c < n; ++c) {
    bool used = c == 0;  // the constant column; others only where some point has a nonzero value
    for (const auto& row : x) used = used || row[c] != 0.0;
    if (used) cols.push_back(c);
  }
  const size_t k = cols.size();
  std::vector<std::vector<double>> a(k, std::vector<double>(k + 1, 0.0));
  for (size_t r = 0; r < x.size(); ++r) {
    for (size_t i = 0; i < k; ++i) {
      for (size_t j = 0; j < k; ++j) a[i][j] += x[r][cols[i]] * x[r][cols[j]];
      a[i][k] += x[r][cols[i]] * y[r];
    }
  }
  for (size_t i = 0; i < k; ++i) {  // Gauss-Jordan with partial pivoting
    size_t pivot = i;
    for (size_t r = i + 1; r < k; ++r) if (std::fabs(a[r][i]) > std::fabs(a[pivot][i])) pivot = r;
    std::swap(a[i], a[pivot]);
    if (std::fabs(a[i][i]) < 1e-12) continue;
    for (size_t r = 0; r < k; ++r) {
      if (r == i) continue;
      const double f = a[r][i] / a[i][i];
      for (size_t c = i; c <= k; ++c) a[r][c] -= f * a[i][c];
    }
  }
  std::vector<double> coef(n, 0.0);
  for (size_t i = 0; i < k; ++i) coef[cols[i]] = std::fabs(a[i][i]) < 1e-12 ? 0.0 : a[i][k] / a[i][i];
  return coef;
}

int fit(const std::string& manifest_path, const std::vector<std::string>& core_counts) {
  struct Row { std::string name, op; double macs, outputs; };
  std::vector<Row> rows;
  std::ifstream manifest(manifest_path);
  std::string line;
  std::getline(manifest, line);
  while (std::getline(manifest, line)) {
    std::istringstream in(line);
    Row r;
    in >> r.name >> r.op >> r.macs >> r.outputs;
    rows.push_back(r);
  }
  nlohmann::json out;
  for (const std::string& arg : core_counts) {  // CORE=FILE with "name count" lines
    const std::string core = arg.substr(0, arg.find('='));
    std::map<std::string, double> counts;
    std::ifstream in(arg.substr(arg.find('=') + 1));
    std::string name;
    double count;
    while (in >> name >> count) counts[name] = count;
    std::map<std::string, std::vector<const Row*>> by_op;
    for (const Row& r : rows) if (counts.count(r.name)) by_op[r.op].push_back(&r);
    for (const auto& [op, members] : by_op) {
      std::vector<std::vector<double>> x;
      std::vector<double> y;
      // Each point weighted by 1/count: the fit minimises relative, not absolute, error, so
      // small ops are predicted as well as large ones.
      std::vector<std::vector<double>> wx;
      std::vector<double> wy;
      for (const Row* r : members) {
        const double count = counts[r->name];
        x.push_back({1.0, r->macs, r->outputs});
        y.push_back(count);
        wx.push_back({1.0 / count, r->macs / count, r->outputs / count});
        wy.push_back(1.0);
      }
      const std::vector<double> c = least_squares(wx, wy);
      double worst = 0.0;
      for (size_t i = 0; i < x.size(); ++i) {
        const double predicted = c[0] + c[1] * x[i][1] + c[2] * x[i][2];
        worst = std::max(worst, std::fabs(predicted - y[i]) / y[i]);
      }
      out[core][op] = {{"fixed", c[0]}, {"per_mac", c[1]}, {"per_output", c[2]},
                       {"points", members.size()}, {"max_relative_error", worst}};
    }
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "models" && argc == 3) return write_models(argv[2]);
  if (mode == "fit" && argc >= 4) return fit(argv[2], std::vector<std::string>(argv + 3, argv + argc));
  std::fprintf(stderr, "usage: op_cost models OUTDIR | op_cost fit MANIFEST CORE=COUNTS...\n");
  return 2;
}
