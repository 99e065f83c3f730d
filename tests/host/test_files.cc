// Host-test helpers (see test_files.h).
#include "tests/host/test_files.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace tmf::test {

std::string shared_path(const std::string& relative) {
  return std::string(TMF_SHARED_DIR) + "/" + relative;
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

namespace {

// The per-run temporary directory, removed when the test binary exits (kept, and its path
// printed, when TMF_KEEP_TEMP is set: for reading the brokers' and devices' logs of a failure).
class TempDir {
 public:
  TempDir() {
    path_ = (std::filesystem::temp_directory_path() / "tmf-test-XXXXXX").string();
    if (mkdtemp(path_.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  }
  ~TempDir() {
    if (std::getenv("TMF_KEEP_TEMP") != nullptr) {
      std::fprintf(stderr, "test files kept in %s\n", path_.c_str());
      return;
    }
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

std::string temp_path(const std::string& name) {
  static const TempDir dir;
  return dir.path() + "/" + name;
}

CommandResult run_cli(const std::string& args) {
  static int counter = 0;
  const std::string out = temp_path("cli" + std::to_string(counter) + ".out");
  const std::string err = temp_path("cli" + std::to_string(counter++) + ".err");
  const std::string command = std::string(TMF_CLI) + " " + args + " >" + out + " 2>" + err;
  const int status = std::system(command.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  const auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

std::vector<RealModel> real_models() {
  const std::string dir = shared_path("models/");
  return {
      {"ad01", dir + "ad01_int8.tflite", dir + "ad01_input.i8", dir + "ad01_expected_output.i8"},
      {"kws", dir + "kws_ref_model_int8.tflite", dir + "kws_input.i8", dir + "kws_expected_output.i8"},
      {"hello_world", dir + "hello_world_int8.tflite", dir + "hello_world_input.i8",
       dir + "hello_world_expected_output.i8"},
  };
}

}  // namespace tmf::test
