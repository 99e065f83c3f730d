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

// Where the device's self-test input comes from (docs/protocol.md, MANIFEST and "Derived golden
// input"). kAuto: in the MANIFEST (package 1) when the model's inputs fit its 4,096 bytes, else
// derived by the device from the content hash (package 2, agents from version 3).
enum class GoldenMode { kAuto, kManifest, kDerived };

struct UpdatePackage {
  std::vector<uint8_t> file;          // the signed TMF file
  std::vector<uint8_t> golden_input;  // graph inputs for the device's self-test (package 2: not sent)
  OtaManifest manifest{};             // golden_input points into this package's golden_input
  // The MANIFEST with `record` (a signed 256-byte deployment record, deploy_record.h) appended.
  std::vector<uint8_t> manifest_bytes(uint32_t update_id, const std::vector<uint8_t>& record) const;
};

// Builds the manifest of `file` (which must be a valid, signed model; `path` names it in
// errors). The golden input is deterministic (seeded by the content hash) and the golden output
// digest is computed by running the model with the device runtime on the host. kManifest with
// inputs above 4,096 bytes throws PackageError.
UpdatePackage update_package_build(std::vector<uint8_t> file, uint32_t chunk_bytes, const std::string& path,
                                   GoldenMode mode = GoldenMode::kAuto);

// The CHUNK message answering one requested range; empty if the range is outside the file.
std::vector<uint8_t> update_package_chunk(const UpdatePackage& package, uint32_t update_id, uint32_t offset,
                                          uint32_t length);

}  // namespace tmf::deploy
