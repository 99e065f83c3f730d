// The real models the agent tests install: converted from ../shared/models at test time, with
// TFLite's own input/expected-output pairs as the self-test golden data (an independent oracle).
#pragma once

#include <string>
#include <vector>

#include "ota_harness.h"

namespace tmf_test {

constexpr uint32_t kTestModelId = 4242;

struct SharedModel {
  std::vector<uint8_t> file;  // unsigned, as converted
  std::vector<uint8_t> input;
  std::vector<uint8_t> expected;
};

// stem: "hello_world", "kws_ref_model" (golden files "kws_*"), "ad01".
inline SharedModel shared_model(const std::string& stem, uint32_t version, uint32_t model_id = kTestModelId) {
  const std::string tflite = stem == "ad01" ? "ad01_int8" : stem == "kws" ? "kws_ref_model_int8" : stem + "_int8";
  SharedModel m;
  m.file = convert_shared_model(tflite, model_id, version);
  m.input = read_file(std::string(TMF_SHARED_DIR) + "/models/" + stem + "_input.i8");
  m.expected = read_file(std::string(TMF_SHARED_DIR) + "/models/" + stem + "_expected_output.i8");
  return m;
}

inline Artifact shared_artifact(const std::string& stem, uint32_t version, const Keypair& key,
                                uint32_t update_id, uint32_t chunk_bytes) {
  const SharedModel m = shared_model(stem, version);
  return make_artifact(m.file, key, update_id, m.input, m.expected, chunk_bytes);
}

}  // namespace tmf_test
