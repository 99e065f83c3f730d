// `tinymlops convert IN.tflite -o OUT.tmf`: import, lower, plan, write.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"

namespace tmf::cli {
namespace {

struct ConvertArgs {
  std::string input;
  std::string output;
  std::string name;
  uint32_t model_id = 0;
  uint32_t model_version = 1;
  bool json = false;
};

void run_convert(const ConvertArgs& args) {
  const std::vector<uint8_t> bytes = read_file(args.input);
  host::Graph graph = host::tflite_read(bytes, args.input);
  const std::vector<std::string> notes = graph.notes;
  host::ConvertOptions options;
  options.model_id = args.model_id;
  options.model_version = args.model_version;
  options.model_name = args.name.empty() ? std::filesystem::path(args.input).stem().string() : args.name;
  const host::ConvertResult result = host::convert_graph(std::move(graph), options);
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
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    for (const std::string& note : notes) std::fprintf(stderr, "note: %s\n", note.c_str());
    std::printf("%s -> %s: %u ops, %zu bytes (%.3fx the input), arena %u bytes: activations %u "
                "(lower bound %u) + scratch %u\n",
                args.input.c_str(), args.output.c_str(), result.source_op_count, result.file.size(),
                ratio, result.arena_bytes, result.plan.arena_bytes, result.plan.lower_bound,
                result.scratch_bytes);
  }
}

}  // namespace

void register_convert(CLI::App& app) {
  auto args = std::make_shared<ConvertArgs>();
  CLI::App* cmd = app.add_subcommand(
      "convert", "Convert an int8 TFLite flatbuffer into a TMF model file (docs/format.md)");
  cmd->add_option("input", args->input, "The .tflite model")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", args->output, "The .tmf file to write")->required();
  cmd->add_option("--name", args->name, "Model name stored in the file (default: input stem)");
  cmd->add_option("--model-id", args->model_id, "Model lineage id (default: hash of the name)");
  cmd->add_option("--model-version", args->model_version, "Model version, increasing per lineage")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "Print the result as JSON");
  cmd->callback([args] { run_convert(*args); });
}

}  // namespace tmf::cli
