// Signed deployment records (docs/protocol.md, "Deployment record"): what a MANIFEST carries
// so a device installs a model only for its fleet and group, in order (sequence), never below its
// anti-rollback security counter. The host signs them; update_package puts them in manifests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "device/agent/protocol.h"
#include "host/deploy/signing.h"
#include "host/registry/registry.h"

namespace tmf::deploy {

struct DeployRecordRequest {
  std::string fleet;
  std::string group;              // the device group (class) the record is for
  uint32_t sequence = 0;          // > 0; Registry::next_deployment_sequence()
  uint32_t security_counter = 0;  // raise only for a security fix: devices never go below it
};

// The 256-byte record for the model `manifest` describes (content hash, model id and version,
// golden output digest), signed with `key`. Throws SigningError naming a bad field.
std::vector<uint8_t> deploy_record_sign(const OtaManifest& manifest, const DeployRecordRequest& request,
                                        const KeyPair& key);

// The record `deployment` sends for `artifact`: the stored one (a resumed deployment sends the
// same bytes, so devices resume), else `presigned` (signed elsewhere: it must name the manifest's
// model, fleet and group) or a new one with the next sequence, signed with the secret key file
// `key_path`; stored either way. Throws std::runtime_error when none is stored and no key given.
std::vector<uint8_t> deploy_record_for(registry::Registry& registry, int64_t deployment, const std::string& artifact,
                                       const OtaManifest& manifest, DeployRecordRequest request,
                                       const std::string& key_path, const std::vector<uint8_t>& presigned = {});

// Decodes `record` and checks its signature with `public_key` (hosts checking what they send).
bool deploy_record_verify(const std::vector<uint8_t>& record, const PublicKey& public_key, OtaDeployRecord* decoded);

}  // namespace tmf::deploy
