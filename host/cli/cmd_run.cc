// `tinymlops run M.tmf --input IN.bin --output OUT.bin [--repeat N]`: raw tensor bytes in and
// out through the device runtime. IN.bin may hold several sets of inputs back to back.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "device/runtime/interpreter.h"
#include "host/convert/aligned_buffer.h"
#include "host/cli/cli_common.h"
#include "host/cli/commands.h"

namespace tmf::cli {
namespace {

struct RunArgs {
  std::string model;
  std::string input;
  std::string output;
  uint32_t repeat = 1;
  bool json = false;
};

void run_run(const RunArgs& args) {
  const LoadedModel loaded(args.model);
  const Model& m = loaded.model();
  const FileHeader& h = *m.header;

  constexpr uint32_t kMaxArena = 256u << 20;  // no microcontroller model needs more
  if (h.arena_bytes > kMaxArena) {
    throw CliError(args.model + ": asks for an arena of " + std::to_string(h.arena_bytes) +
                   " bytes, more than the 256 MiB this command allows", 2);
  }
  host::AlignedBuffer arena_buffer(h.arena_bytes);
  uint8_t* arena = arena_buffer.data();
  Interpreter interpreter{};
  Status s = interpreter_init(&interpreter, &m, arena, h.arena_bytes);
  if (s != Status::kOk) throw CliError(args.model + ": " + status_to_string(s), 2);

  size_t set_in = 0, set_out = 0;
  for (uint32_t i = 0; i < h.input_count; ++i) set_in += m.tensors[m.operands[i]].bytes;
  for (uint32_t i = 0; i < h.output_count; ++i) set_out += m.tensors[m.operands[h.input_count + i]].bytes;
  const std::vector<uint8_t> in = read_file(args.input);
  if (in.empty() || in.size() % set_in != 0) {
    throw CliError(args.input + ": " + std::to_string(in.size()) +
                   " bytes is not a positive multiple of the model's input size " +
                   std::to_string(set_in) + " bytes");
  }
  const size_t sets = in.size() / set_in;
  std::vector<uint8_t> out(sets * set_out);

  const auto start = std::chrono::steady_clock::now();
  for (size_t set = 0; set < sets; ++set) {
    for (uint32_t r = 0; r < args.repeat; ++r) {
      // Inputs may share arena bytes with outputs, so they are written before every invoke.
      const uint8_t* src = in.data() + set * set_in;
      for (uint32_t i = 0; i < h.input_count; ++i) {
        const TensorRecord* t = nullptr;
        uint8_t* dst = nullptr;
        interpreter_input(interpreter, i, &t, &dst);
        std::memcpy(dst, src, t->bytes);
        src += t->bytes;
      }
      s = interpreter_invoke(&interpreter);
      if (s != Status::kOk) {
        throw CliError(args.model + ": invoke failed on input set " + std::to_string(set) + ": " +
                       status_to_string(s), 2);
      }
    }
    uint8_t* dst = out.data() + set * set_out;
    for (uint32_t i = 0; i < h.output_count; ++i) {
      const TensorRecord* t = nullptr;
      const uint8_t* data = nullptr;
      interpreter_output(interpreter, i, &t, &data);
      std::memcpy(dst, data, t->bytes);
      dst += t->bytes;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_file_atomic(args.output, out.data(), out.size());

  const double invokes = static_cast<double>(sets) * args.repeat;
  if (args.json) {
    nlohmann::json j;
    j["model"] = args.model;
    j["input_sets"] = sets;
    j["repeat"] = args.repeat;
    j["invocations"] = sets * args.repeat;
    j["output_bytes"] = out.size();
    j["seconds"] = seconds;
    j["microseconds_per_inference"] = seconds * 1e6 / invokes;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%s: %zu input set(s) x %u, %zu output bytes -> %s, %.1f us per inference\n",
                args.model.c_str(), sets, args.repeat, out.size(), args.output.c_str(),
                seconds * 1e6 / invokes);
  }
}

}  // namespace

void register_run(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run a TMF model on raw input tensor bytes");
  cmd->add_option("model", args->model, "The .tmf model")->required()->check(CLI::ExistingFile);
  cmd->add_option("--input", args->input, "Raw input bytes: one or more sets of all inputs back to back")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("--output", args->output, "Where to write the outputs of every set, back to back")->required();
  cmd->add_option("--repeat", args->repeat, "Invoke each input set N times (for timing)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "Print a JSON summary");
  cmd->callback([args] { run_run(*args); });
}

}  // namespace tmf::cli
