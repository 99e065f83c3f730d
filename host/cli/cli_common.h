// Helpers shared by the `tinymlops` subcommands: file I/O that never leaves half-written
// files, 16-byte aligned model buffers, and validation messages that name the failing item.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "device/runtime/model.h"
#include "host/convert/aligned_buffer.h"

namespace tmf::cli {

// A user-facing failure: main() prints "tinymlops: <message>" and exits with `exit_code`.
class CliError : public std::runtime_error {
 public:
  explicit CliError(const std::string& message, int exit_code = 1)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

std::vector<uint8_t> read_file(const std::string& path);
// Writes to PATH.tmp, then renames over PATH: readers never see a partial file.
void write_file_atomic(const std::string& path, const uint8_t* data, size_t bytes);

// A model file loaded into 16-byte aligned memory and validated by the device runtime.
class LoadedModel {
 public:
  // Throws CliError (exit code 2) "PATH: op 3 (CONV_2D): tensor shapes do not fit the op".
  explicit LoadedModel(const std::string& path);
  const Model& model() const { return model_; }
  size_t file_bytes() const { return file_bytes_; }

 private:
  host::AlignedBuffer file_;
  Model model_{};
  size_t file_bytes_ = 0;
};

// "PATH: op 3 (CONV_2D): <status text>" for a validation failure.
std::string describe_validation_error(const std::string& path, const uint8_t* data,
                                      const ValidationError& error);

const char* tensor_type_name(uint8_t type);

// The effective user's name (recorded as who decided: loop approve, rollout pause).
std::string os_user();

}  // namespace tmf::cli
