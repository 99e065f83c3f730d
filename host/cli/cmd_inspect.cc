// `tinymlops inspect M.tmf [--json]`: what is inside a model file and what it costs.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "device/runtime/integrity.h"
#include "device/runtime/kernel.h"
#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/convert/model_info.h"
#include "host/pipeline/pipeline_model.h"
#include "host/select/estimate.h"
#include "host/select/select_error.h"

namespace tmf::cli {
namespace {

struct InspectArgs {
  std::string path;
  bool json = false;
};

nlohmann::json tensor_json(const Model& m, uint32_t index) {
  const TensorRecord& t = m.tensors[index];
  nlohmann::json j;
  j["index"] = index;
  j["name"] = model_tensor_name(m, index);
  j["type"] = tensor_type_name(t.type);
  j["shape"] = std::vector<int32_t>(t.dims, t.dims + t.rank);
  j["bytes"] = t.bytes;
  j["storage"] = t.storage == kTensorStorageArena   ? "arena"
                 : t.storage == kTensorStorageState ? "state"
                                                    : "constant";
  j["offset"] = t.offset;
  if (t.quant == kTensorQuantPerTensor) {
    j["scale"] = t.scale;
    j["zero_point"] = t.zero_point;
  } else if (t.quant == kTensorQuantPerChannel) {
    const auto* pc = reinterpret_cast<const PerChannelQuant*>(m.params + t.per_channel);
    j["per_channel_axis"] = pc->axis;
    j["per_channel_count"] = pc->count;
  }
  return j;
}

std::string metadata_string(const Model& m, uint16_t tag) {
  uint32_t length = 0;
  const uint8_t* value = model_find_metadata(m, tag, &length);
  return value ? std::string(reinterpret_cast<const char*>(value), length) : std::string();
}

// A pipeline model's settings and the figures make bench reports for it (pipeline.*): RAM is the
// arena; flash and Cortex-M4 instructions per window are the cost model's predictions from the
// measured per-op tables (docs/select.md), which make bench checks against QEMU.
nlohmann::json pipeline_json(const Model& m, const std::string& path) {
  const pipeline::PipelineSettings s = pipeline::pipeline_settings_read(m, path);
  nlohmann::json p = nlohmann::json::parse(s.to_json());
  p.erase("trained_on");
  p["ram_bytes"] = m.header->arena_bytes;
  try {
    const select::CostTable table = select::load_cost_table(select::cost_table_path());
    const select::CostEstimate e = select::estimate_cost(m, select::find_profile("cortex-m4f-128k"), table);
    p["flash_bytes"] = e.flash_bytes;
    p["cortex-m4"] = {{"instructions_per_window", e.instructions}};
  } catch (const select::SelectError& e) {
    p["cost_error"] = e.what();  // e.g. no cost table next to this binary: the rest still shows
  }
  return p;
}

void run_inspect(const InspectArgs& args) {
  const LoadedModel loaded(args.path);
  const Model& m = loaded.model();
  const FileHeader& h = *m.header;

  nlohmann::json j;
  j["path"] = args.path;
  j["format_version"] = std::to_string(h.version_major) + "." + std::to_string(h.version_minor);
  j["name"] = metadata_string(m, kMetadataModelName);
  j["source"] = metadata_string(m, kMetadataSource);
  j["model_id"] = h.model_id;
  j["model_version"] = h.model_version;
  j["file_bytes"] = h.file_bytes;
  j["constant_bytes"] = h.constants.bytes;
  j["arena_bytes"] = h.arena_bytes;
  j["arena_lower_bound_bytes"] = host::arena_lower_bound(m);
  j["scratch_bytes"] = h.scratch_bytes;
  j["macs"] = host::model_macs(m);
  const Status hash = model_verify_hash(m);
  j["content_hash"] = hash == Status::kOk ? "ok" : (hash == Status::kErrHashMismatch ? "mismatch" : "missing");
  nlohmann::json ops = nlohmann::json::array();
  for (uint32_t i = 0; i < h.op_count; ++i) {
    const OpRecord& op = m.ops[i];
    nlohmann::json o;
    o["index"] = i;
    o["op"] = opcode_name(op.opcode);
    std::vector<int> inputs, outputs;
    for (uint32_t k = 0; k < op.input_count; ++k) {
      const uint16_t t = m.operands[op.operands + k];
      inputs.push_back(t == kTmfNoTensor ? -1 : t);
    }
    for (uint32_t k = 0; k < op.output_count; ++k) outputs.push_back(m.operands[op.operands + op.input_count + k]);
    o["inputs"] = inputs;
    o["outputs"] = outputs;
    o["macs"] = host::op_macs(m, i);
    o["params_bytes"] = op.params_bytes;
    ops.push_back(o);
  }
  j["ops"] = ops;
  nlohmann::json tensors = nlohmann::json::array();
  for (uint32_t i = 0; i < h.tensor_count; ++i) tensors.push_back(tensor_json(m, i));
  j["tensors"] = tensors;
  std::vector<int> inputs, outputs;
  for (uint32_t i = 0; i < h.input_count; ++i) inputs.push_back(m.operands[i]);
  for (uint32_t i = 0; i < h.output_count; ++i) outputs.push_back(m.operands[h.input_count + i]);
  j["inputs"] = inputs;
  j["outputs"] = outputs;
  if (uint32_t length = 0; model_find_metadata(m, pipeline::kMetadataPipelineSettings, &length) != nullptr) {
    j["pipeline"] = pipeline_json(m, args.path);
  }
  // A float model quantized on import records its int8-vs-float error on the calibration set.
  if (const std::string q = metadata_string(m, kMetadataQuantization); !q.empty()) {
    const nlohmann::json report = nlohmann::json::parse(q, nullptr, false);
    if (report.is_object()) j["quantization"] = report;
  }

  if (args.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s: TMF %s, model '%s' id 0x%08x version %u\n", args.path.c_str(),
              j["format_version"].get<std::string>().c_str(), j["name"].get<std::string>().c_str(),
              h.model_id, h.model_version);
  std::printf("  source: %s\n", j["source"].get<std::string>().c_str());
  std::printf("  content hash (SHA-256 trailer): %s\n", j["content_hash"].get<std::string>().c_str());
  std::printf("  file %u bytes (constants %u), arena %u bytes (lower bound %u), %llu MACs\n",
              h.file_bytes, h.constants.bytes, h.arena_bytes, j["arena_lower_bound_bytes"].get<uint32_t>(),
              static_cast<unsigned long long>(j["macs"].get<uint64_t>()));
  if (j.contains("quantization")) {
    const nlohmann::json& q = j["quantization"];
    std::printf("  quantized from float32 on %d calibration inputs: int8 vs float output error max %.6g, "
                "rms %.6g (float outputs in [%.6g, %.6g])\n",
                q.value("calibration_sets", 0), q.value("max_abs_error", 0.0), q.value("rms_error", 0.0),
                q.value("float_output_min", 0.0), q.value("float_output_max", 0.0));
  }
  if (j.contains("pipeline")) {
    const nlohmann::json& p = j["pipeline"];
    std::printf("  pipeline: %s, features %s, threshold %.6g, window %u samples at %g Hz\n",
                p["detector"].get<std::string>().c_str(), p["features"].get<std::string>().c_str(),
                p["threshold"].get<double>(), p["window"].get<uint32_t>(), p["sample_rate_hz"].get<double>());
    std::printf("  pipeline cost: RAM %u bytes (arena)", p["ram_bytes"].get<uint32_t>());
    if (p.contains("flash_bytes")) {
      std::printf(", flash %.0f bytes (model + runtime, predicted), Cortex-M4 %.0f instructions per window (predicted)",
                  p["flash_bytes"].get<double>(), p["cortex-m4"]["instructions_per_window"].get<double>());
    }
    std::printf("\n");
  }
  std::printf("  ops:\n");
  for (const auto& o : ops) {
    std::printf("    %3d %-18s in %-16s out %-8s %10llu MACs\n", o["index"].get<int>(),
                o["op"].get<std::string>().c_str(), o["inputs"].dump().c_str(),
                o["outputs"].dump().c_str(), static_cast<unsigned long long>(o["macs"].get<uint64_t>()));
  }
  std::printf("  tensors:\n");
  for (const auto& t : tensors) {
    std::string quant;
    if (t.contains("scale")) {
      quant = "scale " + std::to_string(t["scale"].get<double>()) + " zp " + std::to_string(t["zero_point"].get<int>());
    } else if (t.contains("per_channel_axis")) {
      quant = "per-channel axis " + std::to_string(t["per_channel_axis"].get<int>());
    }
    std::printf("    %3d %-7s %-16s %-8s @%-7u %7u B  %s  %s\n", t["index"].get<int>(),
                t["type"].get<std::string>().c_str(), t["shape"].dump().c_str(),
                t["storage"].get<std::string>().c_str(), t["offset"].get<uint32_t>(),
                t["bytes"].get<uint32_t>(), quant.c_str(), t["name"].get<std::string>().c_str());
  }
}

}  // namespace

void register_inspect(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show the ops, tensors, MACs and memory of a TMF model");
  cmd->add_option("model", args->path, "The .tmf model")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--json", args->json, "Print JSON (keys: ops, macs, file_bytes, arena_bytes, tensors, ...)");
  cmd->callback([args] { run_inspect(*args); });
}

}  // namespace tmf::cli
