// Content-addressed artifact files with atomic, durable writes (see artifact_store.h).
#include "host/registry/artifact_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "device/runtime/sha256.h"
#include "host/registry/database.h"

namespace tmf::registry {
namespace {

void sync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::string sha256_hex(const uint8_t* data, size_t bytes) {
  uint8_t digest[32];
  tmf::sha256(data, bytes, digest);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (uint8_t b : digest) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
}

ArtifactStore::ArtifactStore(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) throw RegistryError(dir_ + ": cannot create artifact directory: " + ec.message());
}

std::string ArtifactStore::path_of(const std::string& sha256) const { return dir_ + "/" + sha256; }

std::string ArtifactStore::put(const std::vector<uint8_t>& bytes) {
  const std::string hash = sha256_hex(bytes.data(), bytes.size());
  const std::string final_path = path_of(hash);
  if (std::filesystem::exists(final_path) && std::filesystem::file_size(final_path) == bytes.size()) return hash;
  std::string tmp = dir_ + "/.tmp-" + hash + "-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw RegistryError(dir_ + ": cannot create temporary artifact: " + std::strerror(errno));
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      throw RegistryError(tmp + ": write failed: " + why);
    }
    written += static_cast<size_t>(n);
  }
  ::fchmod(fd, 0644);
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw RegistryError(final_path + ": cannot store artifact: " + why);
  }
  sync_path(dir_, O_RDONLY | O_DIRECTORY);  // make the rename itself durable
  return hash;
}

std::vector<uint8_t> ArtifactStore::get(const std::string& sha256) const {
  const std::string path = path_of(sha256);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RegistryError(path + ": artifact missing");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (sha256_hex(bytes.data(), bytes.size()) != sha256) {
    throw RegistryError(path + ": artifact damaged (content does not match its SHA-256 name)");
  }
  return bytes;
}

}  // namespace tmf::registry
