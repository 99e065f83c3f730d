// Content-addressed artifact files: <dir>/<sha256 hex>. A file appears under its final name
// only once it is complete and synced (written to a temporary name, fsync, rename), so a crash
// leaves either no artifact or a whole one, never a partial file under a hash name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tmf::registry {

std::string sha256_hex(const uint8_t* data, size_t bytes);

class ArtifactStore {
 public:
  explicit ArtifactStore(std::string dir);
  // Stores `bytes` (a no-op when the same content is already there); returns its hex SHA-256.
  std::string put(const std::vector<uint8_t>& bytes);
  std::string path_of(const std::string& sha256) const;
  // Reads an artifact back and checks its hash: a damaged file is an error naming its path.
  std::vector<uint8_t> get(const std::string& sha256) const;

 private:
  std::string dir_;
};

}  // namespace tmf::registry
