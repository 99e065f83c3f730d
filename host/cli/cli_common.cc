// File and model-loading helpers of the CLI, and who runs it.
#include "host/cli/cli_common.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace tmf::cli {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CliError(path + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw CliError(path + ": read error");
  return bytes;
}

void write_file_atomic(const std::string& path, const uint8_t* data, size_t bytes) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw CliError(tmp + ": cannot create: " + std::strerror(errno));
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(bytes));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw CliError(tmp + ": write failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw CliError(path + ": cannot replace: " + std::strerror(errno));
  }
}

std::string describe_validation_error(const std::string& path, const uint8_t* data,
                                      const ValidationError& error) {
  std::string where = path;
  if (error.item == ValidationItem::kValidationItemOp) {
    // The record is inside the buffer: validation got far enough to bound the op table.
    const auto* header = reinterpret_cast<const FileHeader*>(data);
    const auto* ops = reinterpret_cast<const OpRecord*>(data + header->ops.offset);
    where += ": op " + std::to_string(error.index) + " (" + opcode_name(ops[error.index].opcode) + ")";
  } else if (error.item == ValidationItem::kValidationItemTensor) {
    where += ": tensor " + std::to_string(error.index);
  }
  return where + ": " + status_to_string(error.status);
}

LoadedModel::LoadedModel(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file(path);
  file_ = host::AlignedBuffer(bytes);
  const uint8_t* aligned = file_.data();
  file_bytes_ = bytes.size();
  ValidationError error{};
  if (model_validate(aligned, bytes.size(), &model_, &error) != Status::kOk) {
    throw CliError(describe_validation_error(path, aligned, error), 2);
  }
}

const char* tensor_type_name(uint8_t type) {
  switch (type) {
    case kTensorTypeInt8: return "int8";
    case kTensorTypeUint8: return "uint8";
    case kTensorTypeInt16: return "int16";
    case kTensorTypeInt32: return "int32";
    case kTensorTypeFloat32: return "float32";
  }
  return "unknown";
}

std::string os_user() {
  if (const passwd* pw = ::getpwuid(::geteuid())) return pw->pw_name;
  return "uid " + std::to_string(::geteuid());
}

}  // namespace tmf::cli
