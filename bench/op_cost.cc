// Per-op cost tables for the model selector and their validation (make bench, bench/cost_model.sh):
//   op_cost models OUTDIR        single-op models of many shapes through the real converter
//                                (OUTDIR/<name>.tmf, <name>.in, manifest.tsv)
//   op_cost benchmodels OUTDIR   whole models of the validation set (dense autoencoders, 1-D CNNs,
//                                an MLP with SOFTMAX), written the same way; never used by the fit
//   op_cost fit DIR CORE=COUNTS[,FLASH]... > op_costs.json
//                                per core and cost entry, a least-squares fit (host/select/fit.h)
//                                of the QEMU counts on the loop-count features of host/select/
//                                op_features.h; COUNTS has "name instructions stack_bytes" lines,
//                                FLASH "base N", "static_ram N", "kernel NAME N" lines
//   op_cost validate TABLE DIR CORE=COUNTS... > validation.json
//                                predicted vs measured instructions of DIR's models
//   op_cost explain TABLE MODEL.tmf CORE
//                                the prediction op by op
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/op_cost_models.h"
#include "device/runtime/model.h"
#include "host/convert/aligned_buffer.h"
#include "host/convert/convert.h"
#include "host/convert/pipeline_graph.h"
#include "host/select/cost_model.h"
#include "host/select/fit.h"
#include "host/select/select_error.h"

namespace {

using tmf::host::Activation;
using tmf::host::Graph;
using tmf::host::Op;
using tmf::host::Padding;
using tmf::host::Tensor;

using op_cost::benchmark_models;
using op_cost::cost_models;
using op_cost::g_rng;

int write_models(const std::string& dir, const std::vector<std::pair<std::string, Graph>>& models) {
  std::ofstream manifest(dir + "/manifest.tsv");
  manifest << "name\tops\n";
  for (const auto& [name, graph] : models) {
    tmf::host::ConvertResult r;
    try {
      r = tmf::host::convert_graph(graph, {});
    } catch (const tmf::host::ConvertError& e) {
      std::fprintf(stderr, "op_cost: skipping %s: %s\n", name.c_str(), e.what());
      continue;
    }
    std::ofstream(dir + "/" + name + ".tmf", std::ios::binary)
        .write(reinterpret_cast<const char*>(r.file.data()), static_cast<std::streamsize>(r.file.size()));
    const tmf::host::AlignedBuffer aligned(r.file);
    tmf::Model m;
    tmf::model_validate(aligned.data(), r.file.size(), &m, nullptr);
    uint64_t in_bytes = 0;
    for (uint32_t i = 0; i < m.header->input_count; ++i) in_bytes += m.tensors[m.operands[i]].bytes;
    std::vector<uint8_t> input(in_bytes);
    for (uint8_t& b : input) b = static_cast<uint8_t>(g_rng());
    // Float inputs (raw samples of a pipeline) get finite values: a sine plus noise.
    if (m.tensors[m.operands[0]].type == tmf::kTensorTypeFloat32) {
      for (size_t i = 0; i + 4 <= input.size(); i += 4) {
        const float v = 0.5f * std::sin(0.3f * static_cast<float>(i / 4)) +
                        std::uniform_real_distribution<float>(-0.2f, 0.2f)(g_rng);
        std::memcpy(input.data() + i, &v, 4);
      }
    }
    std::ofstream(dir + "/" + name + ".in", std::ios::binary)
        .write(reinterpret_cast<const char*>(input.data()), static_cast<std::streamsize>(input.size()));
    std::string ops;
    for (uint32_t i = 0; i < m.header->op_count; ++i) ops += std::string(i ? "," : "") + tmf::opcode_name(m.ops[i].opcode);
    manifest << name << '\t' << ops << '\n';
  }
  return 0;
}

// A model file loaded 16-byte aligned and validated as the device would.
struct LoadedModel {
  tmf::host::AlignedBuffer file;
  tmf::Model model{};
  explicit LoadedModel(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    file = tmf::host::AlignedBuffer(
        std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
    if (file.size() == 0 || tmf::model_validate(file.data(), file.size(), &model, nullptr) != tmf::Status::kOk) {
      throw tmf::select::SelectError(path + ": not a valid model");
    }
  }
};

struct Count {
  double instructions = 0, stack = 0;
};

// CORE=COUNTS[,FLASH]
struct CoreArg {
  std::string core, counts, flash;
};

CoreArg parse_core_arg(const std::string& arg) {
  CoreArg a;
  const size_t eq = arg.find('=');
  a.core = arg.substr(0, eq);
  const std::string rest = eq == std::string::npos ? "" : arg.substr(eq + 1);
  const size_t comma = rest.find(',');
  a.counts = rest.substr(0, comma);
  if (comma != std::string::npos) a.flash = rest.substr(comma + 1);
  return a;
}

std::map<std::string, Count> read_counts(const std::string& path) {
  std::map<std::string, Count> counts;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string name;
    Count c;
    if (l >> name >> c.instructions) {
      l >> c.stack;
      counts[name] = c;
    }
  }
  return counts;
}

tmf::select::KernelFamily family_of(const std::string& core) {
  tmf::select::KernelFamily f;
  if (!tmf::select::core_kernel_family(core, &f)) throw tmf::select::SelectError("unknown core " + core);
  return f;
}

int fit(const std::string& dir, const std::vector<std::string>& args) {
  tmf::select::CostTable table;
  for (const std::string& arg : args) {
    const CoreArg a = parse_core_arg(arg);
    tmf::select::CoreCosts costs;
    costs.family = family_of(a.core);
    std::map<std::string, std::vector<tmf::select::FitPoint>> by_key;
    for (const auto& [name, count] : read_counts(a.counts)) {
      const LoadedModel m(dir + "/" + name + ".tmf");
      if (m.model.header->op_count != 1) continue;
      tmf::select::FitPoint p;
      p.name = name;
      p.features = tmf::select::op_features(m.model, 0, costs.family);
      p.instructions = count.instructions;
      p.stack_bytes = count.stack;
      by_key[p.features.key].push_back(p);
    }
    for (const auto& [key, points] : by_key) costs.entries[key] = tmf::select::fit_entry(points);
    if (!a.flash.empty()) {
      std::ifstream in(a.flash);
      std::string what, name;
      double bytes;
      while (in >> what) {
        if (what == "kernel" && in >> name >> bytes) costs.kernel_flash_bytes[name] = bytes;
        else if (what == "base" && in >> bytes) costs.runtime_base_flash_bytes = bytes;
        else if (what == "static_ram" && in >> bytes) costs.runtime_static_ram_bytes = bytes;
      }
    }
    table.cores[a.core] = costs;
  }
  std::printf("%s\n", tmf::select::cost_table_to_json(table).dump(2).c_str());
  return 0;
}

int validate(const std::string& table_path, const std::string& dir, const std::vector<std::string>& args) {
  const tmf::select::CostTable table = tmf::select::load_cost_table(table_path);
  nlohmann::json out = nlohmann::json::object();
  double worst_all = 0;
  for (const std::string& arg : args) {
    const CoreArg a = parse_core_arg(arg);
    const tmf::select::CoreCosts& costs = tmf::select::core_costs(table, a.core);
    double worst = 0;
    for (const auto& [name, count] : read_counts(a.counts)) {
      const LoadedModel m(dir + "/" + name + ".tmf");
      const auto p = tmf::select::predict_instructions(m.model, costs, a.core, table.source);
      const double error = (p.instructions - count.instructions) / count.instructions;
      out["models"][a.core][name] = {{"measured", count.instructions},
                                     {"predicted", std::round(p.instructions)},
                                     {"relative_error", std::round(error * 10000) / 10000}};
      worst = std::max(worst, std::fabs(error));
    }
    out["max_relative_error"][a.core] = std::round(worst * 10000) / 10000;
    worst_all = std::max(worst_all, worst);
  }
  out["max_relative_error_all"] = std::round(worst_all * 10000) / 10000;
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

int explain(const std::string& table_path, const std::string& model_path, const std::string& core) {
  const tmf::select::CostTable table = tmf::select::load_cost_table(table_path);
  const LoadedModel m(model_path);
  const tmf::select::CoreCosts& costs = tmf::select::core_costs(table, core);
  const auto p = tmf::select::predict_instructions(m.model, costs, core, table.source);
  for (const auto& op : p.ops) std::printf("%3u %-28s %12.0f\n", op.index, op.key.c_str(), op.instructions);
  std::printf("total %.0f\n", p.instructions);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "models" && argc == 3) return write_models(argv[2], cost_models());
    if (mode == "benchmodels" && argc == 3) return write_models(argv[2], benchmark_models());
    if (mode == "fit" && argc >= 4) return fit(argv[2], std::vector<std::string>(argv + 3, argv + argc));
    if (mode == "validate" && argc >= 5) return validate(argv[2], argv[3], std::vector<std::string>(argv + 4, argv + argc));
    if (mode == "explain" && argc == 5) return explain(argv[2], argv[3], argv[4]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "op_cost: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: op_cost models OUTDIR | op_cost benchmodels OUTDIR | op_cost fit DIR CORE=COUNTS[,FLASH]... |\n"
               "       op_cost validate TABLE DIR CORE=COUNTS... | op_cost explain TABLE MODEL.tmf CORE\n");
  return 2;
}
