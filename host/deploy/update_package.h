// What the host sends for one model update (docs/protocol.md): the MANIFEST derived from a
// signed TMF file, and the file itself, served chunk by chunk.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "device/agent/protocol.h"

namespace tmf::deploy {

class PackageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct UpdatePackage {
  std::vector<uint8_t> file;          // the signed TMF file
  std::vector<uint8_t> golden_input;  // graph inputs for the device's self-test
  OtaManifest manifest{};             // golden_input points into this package's golden_input
  // The MANIFEST with `record` (a signed 256-byte deployment record, deploy_record.h) appended.
  std::vector<uint8_t> manifest_bytes(uint32_t update_id, const std::vector<uint8_t>& record) const;
};

// Builds the manifest of `file` (which must be a valid, signed model; `path` names it in
// errors). The golden input is deterministic (seeded by the content hash) and the golden output
// digest is computed by running the model with the device runtime on the host.
UpdatePackage update_package_build(std::vector<uint8_t> file, uint32_t chunk_bytes, const std::string& path);

// The CHUNK message answering one requested range; empty if the range is outside the file.
std::vector<uint8_t> update_package_chunk(const UpdatePackage& package, uint32_t update_id, uint32_t offset,
                                          uint32_t length);

}  // namespace tmf::deploy
