// Signing deployment records (deploy_record.h).
#include "host/deploy/deploy_record.h"

#include <cstring>

namespace tmf::deploy {

std::vector<uint8_t> deploy_record_sign(const OtaManifest& m, const DeployRecordRequest& request, const KeyPair& key) {
  if (!ota_name_valid(request.fleet.c_str())) throw SigningError("fleet '" + request.fleet + "': not a valid name");
  if (!ota_name_valid(request.group.c_str())) throw SigningError("group '" + request.group + "': not a valid name");
  if (request.sequence == 0) throw SigningError("deployment record: sequence 0 is reserved");
  OtaDeployRecord r{};
  r.sequence = request.sequence;
  r.security_counter = request.security_counter;
  r.model_id = m.model_id;
  r.model_version = m.model_version;
  r.flags = kOtaDeployFlagGoldenDigest;
  std::strncpy(r.fleet, request.fleet.c_str(), kOtaMaxNameBytes);
  std::strncpy(r.group, request.group.c_str(), kOtaMaxNameBytes);
  std::memcpy(r.content_sha256, m.content_sha256, 32);
  std::memcpy(r.golden_output_sha256, m.golden_output_sha256, 32);
  uint8_t message[kOtaDeployRecordSignedBytes];
  if (ota_deploy_record_signed_bytes(r, message) == 0) throw SigningError("deployment record: a field is out of range");
  const Signature signature = ed25519_sign(key.secret_key, message, sizeof(message));
  std::memcpy(r.signature, signature.data(), 64);
  const KeyId id = key_id_of(key.public_key);
  std::memcpy(r.key_id, id.data(), 32);
  std::vector<uint8_t> out(kOtaDeployRecordBytes);
  if (ota_deploy_record_encode(r, out.data(), out.size()) == 0) throw SigningError("deployment record: encode failed");
  return out;
}

std::vector<uint8_t> deploy_record_for(registry::Registry& registry, int64_t deployment, const std::string& artifact,
                                       const OtaManifest& manifest, DeployRecordRequest request,
                                       const std::string& key_path, const std::vector<uint8_t>& presigned) {
  if (auto stored = registry.find_deployment_record(deployment, artifact)) return *stored;
  if (!presigned.empty()) {
    OtaDeployRecord r{};
    if (ota_deploy_record_decode(presigned.data(), presigned.size(), &r) != OtaDecodeStatus::kOtaDecodeOk ||
        r.model_id != manifest.model_id || r.model_version != manifest.model_version ||
        std::memcmp(r.content_sha256, manifest.content_sha256, 32) != 0 || request.fleet != r.fleet ||
        request.group != r.group) {
      throw std::runtime_error("deployment " + std::to_string(deployment) +
                               ": the presigned record is not for this model, fleet " + request.fleet + " and group " +
                               request.group);
    }
    registry::Transaction tx(registry.db());
    registry.add_deployment_record(deployment, artifact, r.sequence, presigned, hex_encode(r.key_id, 32));
    tx.commit();
    return presigned;
  }
  if (key_path.empty()) {
    throw std::runtime_error("deployment " + std::to_string(deployment) + ": no signed deployment record for artifact " +
                             artifact.substr(0, 12) + " and no key to sign one (--signing-key)");
  }
  const KeyPair key = key_load_secret(key_path);
  registry::Transaction tx(registry.db());
  request.sequence = registry.next_deployment_sequence();
  std::vector<uint8_t> record = deploy_record_sign(manifest, request, key);
  const KeyId id = key_id_of(key.public_key);
  registry.add_deployment_record(deployment, artifact, request.sequence, record, hex_encode(id.data(), id.size()));
  tx.commit();
  return record;
}

bool deploy_record_verify(const std::vector<uint8_t>& record, const PublicKey& public_key, OtaDeployRecord* decoded) {
  if (ota_deploy_record_decode(record.data(), record.size(), decoded) != OtaDecodeStatus::kOtaDecodeOk) return false;
  if (std::memcmp(decoded->key_id, key_id_of(public_key).data(), 32) != 0) return false;
  Signature signature{};
  std::memcpy(signature.data(), decoded->signature, 64);
  return ed25519_verify(public_key, record.data(), kOtaDeployRecordSignedBytes, signature);
}

}  // namespace tmf::deploy
