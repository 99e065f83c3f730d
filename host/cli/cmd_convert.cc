// `tinymlops convert IN.tflite -o OUT.tmf`: import, lower, plan, write.
#include <cstdio>
#include <cstring>
#include <optional>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"
#include "host/quantize/float_graph.h"

namespace tmf::cli {
namespace {

struct ConvertArgs {
  std::string input;
  std::string output;
  std::string name;
  std::string calibrate;  // raw float32 input tensors back to back (float models)
  uint32_t model_id = 0;
  uint32_t model_version = 1;
  bool json = false;
};

nlohmann::json quantization_json(const quantize::FloatImportError& e) {
  return {{"calibration_sets", e.sets},
          {"max_abs_error", e.max_abs_error},
          {"rms_error", e.rms_error},
          {"float_output_min", e.float_min},
          {"float_output_max", e.float_max}};
}

void run_convert(const ConvertArgs& args) {
  const std::vector<uint8_t> bytes = read_file(args.input);
  host::Graph graph = host::tflite_read(bytes, args.input);
  const std::vector<std::string> notes = graph.notes;
  // A float model is quantized post-training on the calibration inputs (docs/import.md).
  std::optional<host::Graph> float_graph;
  std::vector<std::vector<float>> calibration;
  if (quantize::float_graph_needs_calibration(graph)) {
    if (args.calibrate.empty()) {
      throw host::ConvertError(args.input + ": a float32 model: give --calibrate FILE (raw float32 "
                               "input tensors back to back) to quantize it to int8");
    }
    const std::vector<uint8_t> raw = read_file(args.calibrate);
    const size_t set_bytes =
        static_cast<size_t>(graph.tensors[graph.inputs[0]].element_count()) * sizeof(float);
    if (raw.empty() || set_bytes == 0 || raw.size() % set_bytes != 0) {
      throw host::ConvertError(args.calibrate + ": " + std::to_string(raw.size()) +
                               " bytes is not a whole number of float32 input tensors of " +
                               std::to_string(set_bytes) + " bytes");
    }
    for (size_t at = 0; at < raw.size(); at += set_bytes) {
      std::vector<float> set(set_bytes / sizeof(float));
      std::memcpy(set.data(), raw.data() + at, set_bytes);
      calibration.push_back(std::move(set));
    }
    float_graph = graph;
    graph = quantize::float_graph_quantize(graph, calibration);
  } else if (!args.calibrate.empty()) {
    throw host::ConvertError(args.input + ": --calibrate is for float32 models; this one is already quantized");
  }
  host::ConvertOptions options;
  options.model_id = args.model_id;
  options.model_version = args.model_version;
  options.model_name = args.name.empty() ? std::filesystem::path(args.input).stem().string() : args.name;
  host::ConvertResult result = host::convert_graph(graph, options);
  std::optional<quantize::FloatImportError> error;
  if (float_graph) {
    // The error is measured on the converted file, then recorded in it (metadata TLV 5, shown by
    // `inspect`); metadata follows the constants, so the second file computes the same bits.
    error = quantize::float_graph_quantization_error(*float_graph, result.file, calibration);
    const nlohmann::json report = quantization_json(*error);
    options.extra_metadata.emplace_back(kMetadataQuantization, report.dump());
    result = host::convert_graph(std::move(graph), options);
  }
  write_file_atomic(args.output, result.file.data(), result.file.size());

  const double ratio = static_cast<double>(result.file.size()) / static_cast<double>(bytes.size());
  if (args.json) {
    nlohmann::json j;
    j["input"] = args.input;
    j["output"] = args.output;
    j["input_bytes"] = bytes.size();
    j["file_bytes"] = result.file.size();
    j["file_ratio"] = ratio;
    j["ops"] = result.source_op_count;
    j["arena_bytes"] = result.arena_bytes;
    j["activation_bytes"] = result.plan.arena_bytes;
    j["scratch_bytes"] = result.scratch_bytes;
    j["arena_lower_bound_bytes"] = result.plan.lower_bound;
    j["notes"] = notes;
    if (error) j["quantization"] = quantization_json(*error);
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    for (const std::string& note : notes) std::fprintf(stderr, "note: %s\n", note.c_str());
    std::printf("%s -> %s: %u ops, %zu bytes (%.3fx the input), arena %u bytes: activations %u "
                "(lower bound %u) + scratch %u\n",
                args.input.c_str(), args.output.c_str(), result.source_op_count, result.file.size(),
                ratio, result.arena_bytes, result.plan.arena_bytes, result.plan.lower_bound,
                result.scratch_bytes);
    if (error) {
      std::printf("quantized from float32 on %d calibration inputs: int8 vs float output error max "
                  "%.6g, rms %.6g (float outputs in [%.6g, %.6g])\n",
                  error->sets, error->max_abs_error, error->rms_error, error->float_min, error->float_max);
    }
  }
}

}  // namespace

void register_convert(CLI::App& app) {
  auto args = std::make_shared<ConvertArgs>();
  CLI::App* cmd = app.add_subcommand(
      "convert", "Convert an int8 TFLite flatbuffer (or a float32 one with --calibrate) into a TMF model file (docs/format.md)");
  cmd->add_option("input", args->input, "The .tflite model")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", args->output, "The .tmf file to write")->required();
  cmd->add_option("--name", args->name, "Model name stored in the file (default: input stem)");
  cmd->add_option("--calibrate", args->calibrate,
                  "Float32 models: raw float32 input tensors back to back, as `run --input` takes "
                  "them; the model is quantized to int8 on their ranges (docs/import.md)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--model-id", args->model_id, "Model lineage id (default: hash of the name)");
  cmd->add_option("--model-version", args->model_version, "Model version, increasing per lineage")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "Print the result as JSON");
  cmd->callback([args] { run_convert(*args); });
}

}  // namespace tmf::cli
