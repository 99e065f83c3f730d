// Host-test helpers: reading shared data files, temporary paths, running the CLI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tmf::test {

std::string shared_path(const std::string& relative);  // TMF_SHARED_DIR/relative
std::vector<uint8_t> read_bytes(const std::string& path);
void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes);
std::string temp_path(const std::string& name);         // a fresh path in a per-run temp dir

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs the built `tinymlops` with `args` (shell-quoted by the caller).
CommandResult run_cli(const std::string& args);

// The models of ../shared/models with their golden files.
struct RealModel {
  std::string name;
  std::string tflite;
  std::string input;
  std::string expected;
};
std::vector<RealModel> real_models();

}  // namespace tmf::test
