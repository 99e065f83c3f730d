// Signed artifacts, the simulated host and the message pump for agent tests (ota_harness.h).
#include "ota_harness.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fstream>
#include <iterator>

#include "device/runtime/sha256.h"

namespace tmf_test {
namespace {

uint32_t get_u32(const uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24); }
void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

Keypair keypair_from_seed(uint8_t seed_byte) {
  if (sodium_init() < 0) abort();
  uint8_t seed[crypto_sign_SEEDBYTES];
  memset(seed, seed_byte, sizeof(seed));
  Keypair k;
  crypto_sign_seed_keypair(k.public_key, k.secret_key, seed);
  return k;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<uint8_t> convert_shared_model(const std::string& stem, uint32_t model_id, uint32_t version) {
  const std::string out = std::string(TMF_AGENT_WORK) + "/" + stem + "_" + std::to_string(model_id) + "_v" +
                          std::to_string(version) + ".tmf";
  std::vector<uint8_t> cached = read_file(out);
  if (!cached.empty()) return cached;
  const std::string command = std::string("mkdir -p '") + TMF_AGENT_WORK + "' && '" + TMF_CLI + "' convert '" +
                              TMF_SHARED_DIR + "/models/" + stem + ".tflite' -o '" + out + "' --model-id " +
                              std::to_string(model_id) + " --model-version " + std::to_string(version) +
                              " > /dev/null";
  if (system(command.c_str()) != 0) return {};
  return read_file(out);
}

std::vector<uint8_t> sign_model(const std::vector<uint8_t>& file, const Keypair& key) {
  const uint32_t trailer_offset = get_u32(file.data() + 96);
  std::vector<uint8_t> out(file.begin(), file.begin() + trailer_offset);
  constexpr uint32_t kTrailerBytes = 8 + 32 + 8 + 96;
  put_u32(out.data() + 100, kTrailerBytes);                   // header.trailer.bytes
  put_u32(out.data() + 12, trailer_offset + kTrailerBytes);   // header.file_bytes
  uint8_t content_hash[32];
  tmf::sha256(out.data(), out.size(), content_hash);
  uint8_t message[40];
  memcpy(message, tmf::kOtaSignatureMagic, 8);
  memcpy(message + 8, content_hash, 32);
  uint8_t signature[64];
  crypto_sign_detached(signature, nullptr, message, sizeof(message), key.secret_key);
  uint8_t key_id[32];
  tmf::sha256(key.public_key, 32, key_id);
  const uint8_t tlv1[8] = {1, 0, 0, 0, 32, 0, 0, 0};
  const uint8_t tlv2[8] = {2, 0, 0, 0, 96, 0, 0, 0};
  out.insert(out.end(), tlv1, tlv1 + 8);
  out.insert(out.end(), content_hash, content_hash + 32);
  out.insert(out.end(), tlv2, tlv2 + 8);
  out.insert(out.end(), signature, signature + 64);
  out.insert(out.end(), key_id, key_id + 32);
  return out;
}

void Artifact::encode() {
  manifest.golden_input = golden_input.data();
  manifest.golden_input_bytes = static_cast<uint16_t>(golden_input.size());
  manifest_bytes.assign(tmf::kOtaMaxManifestBytes, 0);
  manifest_bytes.resize(tmf::ota_manifest_encode(manifest, manifest_bytes.data(), manifest_bytes.size()));
}

void Artifact::sign_record() {
  tmf::OtaDeployRecord& r = manifest.record;
  uint8_t signed_bytes[tmf::kOtaDeployRecordSignedBytes];
  if (tmf::ota_deploy_record_signed_bytes(r, signed_bytes) == 0) abort();
  crypto_sign_detached(r.signature, nullptr, signed_bytes, sizeof(signed_bytes), signer.secret_key);
  tmf::sha256(signer.public_key, 32, r.key_id);
  manifest.has_record = true;
  encode();
}

Artifact make_artifact(const std::vector<uint8_t>& unsigned_file, const Keypair& key, uint32_t update_id,
                       const std::vector<uint8_t>& golden_input, const std::vector<uint8_t>& golden_output,
                       uint32_t chunk_bytes) {
  Artifact a;
  a.file = sign_model(unsigned_file, key);
  a.golden_input = golden_input;
  tmf::OtaManifest& m = a.manifest;
  memset(&m, 0, sizeof(m));
  const uint8_t* f = a.file.data();
  m.update_id = update_id;
  m.model_id = get_u32(f + 16);
  m.model_version = get_u32(f + 20);
  m.file_bytes = static_cast<uint32_t>(a.file.size());
  m.content_bytes = get_u32(f + 96);
  m.flash_bytes = m.file_bytes;
  m.arena_bytes = get_u32(f + 24);
  m.chunk_bytes = chunk_bytes;
  m.package_type = tmf::kOtaPackageTmf1;
  const uint32_t op_count = f[42] | (f[43] << 8);
  const uint32_t ops_offset = get_u32(f + 56);
  for (uint32_t i = 0; i < op_count; ++i) {
    const uint8_t* op = f + ops_offset + 16 * i;
    tmf::ota_ops_set(m.ops, op[0] | (op[1] << 8));
  }
  tmf::sha256(f, m.content_bytes, m.content_sha256);
  tmf::sha256(f, m.file_bytes, m.file_sha256);
  memcpy(m.signature, f + m.content_bytes + 48, 64);
  memcpy(m.key_id, f + m.content_bytes + 48 + 64, 32);
  tmf::sha256(golden_output.data(), golden_output.size(), m.golden_output_sha256);
  a.signer = key;
  tmf::OtaDeployRecord& r = m.record;
  r.sequence = update_id;
  r.security_counter = 0;
  r.model_id = m.model_id;
  r.model_version = m.model_version;
  r.flags = tmf::kOtaDeployFlagGoldenDigest;
  strcpy(r.fleet, "test-fleet");
  strcpy(r.group, "test");
  memcpy(r.content_sha256, m.content_sha256, 32);
  memcpy(r.golden_output_sha256, m.golden_output_sha256, 32);
  a.sign_record();
  return a;
}

Artifact make_artifact_derived(const std::vector<uint8_t>& file, const Keypair& key, uint32_t update_id,
                               const std::vector<uint8_t>& golden_output, uint32_t chunk_bytes) {
  Artifact a = make_artifact(file, key, update_id, {}, golden_output, chunk_bytes);
  a.manifest.package_type = tmf::kOtaPackageTmf1DerivedGolden;
  a.encode();
  return a;
}

void SimHost::receive(const SentMessage& message, std::vector<SentMessage>* to_device) {
  const uint8_t* data = message.bytes.data();
  const size_t size = message.bytes.size();
  switch (message.topic) {
    case tmf::OtaTopic::kOtaTopicEvent: {
      tmf::OtaEventMessage e;
      if (tmf::ota_event_decode(data, size, &e) == tmf::OtaDecodeStatus::kOtaDecodeOk) events.push_back(e);
      return;
    }
    case tmf::OtaTopic::kOtaTopicStatus: {
      tmf::OtaStatusMessage s;
      if (tmf::ota_status_decode(data, size, &s) == tmf::OtaDecodeStatus::kOtaDecodeOk) statuses.push_back(s);
      return;
    }
    case tmf::OtaTopic::kOtaTopicRequest: {
      tmf::OtaChunkRequest r;
      if (tmf::ota_chunk_request_decode(data, size, &r) != tmf::OtaDecodeStatus::kOtaDecodeOk) return;
      if (artifact == nullptr || r.update_id != artifact->manifest.update_id) return;
      for (uint32_t i = 0; i < r.range_count; ++i) {
        const tmf::OtaRange range = r.ranges[i];
        requested.push_back(range);
        if (range.offset >= artifact->file.size() || range.length > artifact->file.size() - range.offset) continue;
        ++chunk_counter;
        if (drop_every != 0 && chunk_counter % drop_every == 0) continue;
        std::vector<uint8_t> payload(artifact->file.begin() + range.offset,
                                     artifact->file.begin() + range.offset + range.length);
        if (corrupt_offset >= range.offset && corrupt_offset < int64_t(range.offset) + range.length) {
          payload[corrupt_offset - range.offset] ^= 0x40;
        }
        tmf::OtaChunk chunk{r.update_id, range.offset, range.length, 0, payload.data()};
        std::vector<uint8_t> bytes(tmf::kOtaChunkHeaderBytes + range.length);
        bytes.resize(tmf::ota_chunk_encode(chunk, bytes.data(), bytes.size()));
        if (bad_crc_once) {
          bad_crc_once = false;
          bytes[16] ^= 1;
        }
        ++sends[range.offset];
        to_device->push_back({tmf::OtaTopic::kOtaTopicChunk, std::move(bytes)});
      }
      return;
    }
    default: return;
  }
}

bool SimHost::has_event(tmf::OtaEvent event) const {
  for (const tmf::OtaEventMessage& e : events) {
    if (e.event == event) return true;
  }
  return false;
}

tmf::AgentStatus pump(SimPort* port, tmf::Agent* agent, SimHost* host, uint32_t max_rounds) {
  for (uint32_t round = 0; round < max_rounds; ++round) {
    if (!port->powered()) return tmf::AgentStatus::kAgentErrFlash;
    std::vector<SentMessage> from_device;
    from_device.swap(port->outbox);
    std::vector<SentMessage> to_device;
    for (const SentMessage& m : from_device) host->receive(m, &to_device);
    for (const SentMessage& m : to_device) {
      const tmf::AgentStatus s = tmf::agent_on_message(agent, m.topic, m.bytes.data(), m.bytes.size());
      if (s == tmf::AgentStatus::kAgentErrFlash) return s;
    }
    if (!from_device.empty() || !to_device.empty()) continue;
    // Quiet: if the device still waits for chunks, let its request timeout pass.
    if (agent->state.state == tmf::OtaState::kOtaStateDownloading && agent->outstanding_count > 0 &&
        !agent->gave_up) {
      port->now_ms += agent->config.request_timeout_ms;
      const tmf::AgentStatus s = tmf::agent_poll(agent);
      if (s == tmf::AgentStatus::kAgentErrFlash) return s;
      continue;
    }
    return tmf::AgentStatus::kAgentOk;
  }
  return tmf::AgentStatus::kAgentOk;
}

TestDevice::TestDevice(const Keypair& trusted, uint32_t arena_bytes, uint32_t max_chunk_bytes) {
  memcpy(keys[0], trusted.public_key, 32);
  const Keypair other = keypair_from_seed(0x77);
  memcpy(keys[1], other.public_key, 32);
  memset(&config, 0, sizeof(config));
  config.core = "host";
  config.group = "test";
  config.fleet = "test-fleet";
  config.arena = arena;
  config.arena_bytes = arena_bytes;
  config.trusted_keys = keys;
  config.trusted_key_count = 2;
  config.max_chunk_bytes = max_chunk_bytes;
  config.window = 4;
  config.request_timeout_ms = 1000;
  config.give_up_ms = 0;
}

bool active_model_is(const tmf::Agent& agent, const std::vector<uint8_t>& file) {
  const tmf::Model* model = tmf::agent_model(&agent);
  if (model == nullptr || model->header->file_bytes != file.size()) return false;
  return memcmp(model->base, file.data(), file.size()) == 0;
}

}  // namespace tmf_test
