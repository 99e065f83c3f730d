// Test side of an over-the-air update: models made into signed artifacts (trailer TLV 2 and a
// manifest, per docs/protocol.md), a simulated host that answers chunk requests (optionally
// damaging chunks), and a pump that moves messages between it and an agent on a SimPort.
#pragma once

#include <stdint.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "device/agent/agent.h"
#include "sim_port.h"

namespace tmf_test {

struct Keypair {
  uint8_t public_key[32];
  uint8_t secret_key[64];
};
Keypair keypair_from_seed(uint8_t seed_byte);

// The bytes of a file; empty if unreadable.
std::vector<uint8_t> read_file(const std::string& path);
// Converts a .tflite from ../shared/models with `tinymlops convert` (cached in the build tree).
std::vector<uint8_t> convert_shared_model(const std::string& stem, uint32_t model_id, uint32_t version);

// Rewrites the trailer of a TMF file as TLV 1 (SHA-256) + TLV 2 (signature || key id).
std::vector<uint8_t> sign_model(const std::vector<uint8_t>& file, const Keypair& key);

struct Artifact {
  std::vector<uint8_t> file;           // signed model file
  std::vector<uint8_t> golden_input;
  tmf::OtaManifest manifest;           // golden_input points into this struct's vector
  std::vector<uint8_t> manifest_bytes; // encoded MANIFEST
  Keypair signer;                      // signs the file and the deployment record
  void encode();                       // re-encodes manifest_bytes after edits to `manifest`
  // Signs manifest.record with `signer` (libsodium, independent of the device's verifier), then
  // encode(). Call after editing record fields.
  void sign_record();
};

// Signs `file`, fills a manifest from its header and op records; the golden output digest is
// SHA-256 of `golden_output` (an independent oracle: TFLite's expected output). The deployment
// record names fleet "test-fleet", group "test" (TestDevice's), sequence = update_id, security
// counter 0, and signs the golden digest.
Artifact make_artifact(const std::vector<uint8_t>& file, const Keypair& key, uint32_t update_id,
                       const std::vector<uint8_t>& golden_input,
                       const std::vector<uint8_t>& golden_output, uint32_t chunk_bytes);

// Package type 2 (the device derives its golden input from the content hash): as make_artifact
// with no golden input in the MANIFEST; `golden_output` must be the outputs on the derived input
// (tests/support/derived_golden.h).
Artifact make_artifact_derived(const std::vector<uint8_t>& file, const Keypair& key, uint32_t update_id,
                               const std::vector<uint8_t>& golden_output, uint32_t chunk_bytes);

struct SimHost {
  const Artifact* artifact = nullptr;
  std::vector<tmf::OtaEventMessage> events;
  std::vector<tmf::OtaStatusMessage> statuses;
  std::vector<tmf::OtaRange> requested;   // every range the device asked for, in order
  std::map<uint32_t, uint32_t> sends;     // chunk offset -> times sent
  int64_t corrupt_offset = -1;            // flip this file byte in every chunk carrying it
  bool bad_crc_once = false;              // damage the CRC of the next chunk (transport error)
  uint32_t drop_every = 0;                // drop every Nth chunk (lossy link)
  uint32_t chunk_counter = 0;

  // Handles one device message; appends answers (CHUNKs) to `to_device`.
  void receive(const SentMessage& message, std::vector<SentMessage>* to_device);
  bool has_event(tmf::OtaEvent event) const;
  const tmf::OtaEventMessage* last_event() const { return events.empty() ? nullptr : &events.back(); }
};

// Moves messages until nothing moves; advances the clock and polls when the device waits.
// Returns the agent's last status (kAgentErrFlash when power was cut).
tmf::AgentStatus pump(SimPort* port, tmf::Agent* agent, SimHost* host, uint32_t max_rounds = 100000);

// A configuration for tests: 64 KB arena, keys, window 4.
struct TestDevice {
  alignas(16) uint8_t arena[256 * 1024];
  uint8_t keys[2][32];
  tmf::AgentConfig config;
  TestDevice(const Keypair& trusted, uint32_t arena_bytes, uint32_t max_chunk_bytes);
};

// The slot bytes of the active model equal `file` exactly.
bool active_model_is(const tmf::Agent& agent, const std::vector<uint8_t>& file);

}  // namespace tmf_test
