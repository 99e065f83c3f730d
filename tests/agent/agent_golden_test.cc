// Package type 2 (docs/protocol.md "Derived golden input"): the device derives its self-test input
// from the signed content hash, so a model whose inputs exceed a MANIFEST's 4,096 bytes can be
// deployed. The generator against SplitMix64's published outputs; a derived self-test installs and
// the model then reproduces TFLite's outputs; a wrong signed digest reverts; a record that does not
// sign the digest, or golden bytes in a package-2 MANIFEST, are refused without a flash operation.
#include <string.h>

#include <memory>

#include "models.h"
#include "tests/support/derived_golden.h"
#include "tests/support/tmf_test.h"

namespace tmf_test {
namespace {

TMF_TEST(AgentGolden, GeneratorFollowsSplitMix64) {
  // SplitMix64 from state 0 (Vigna's reference splitmix64.c): its first three outputs.
  const uint64_t reference[3] = {0xE220A8397B1DCDAFull, 0x6E789E6AA1B965F4ull, 0x06C45D188009454Full};
  const uint8_t zero_hash[32] = {};
  tmf::OtaGoldenStream s;
  tmf::ota_golden_stream_init(&s, zero_hash);
  uint8_t bytes[3];
  tmf::ota_golden_input_fill(&s, false, bytes, 3);
  for (int i = 0; i < 3; ++i) TMF_EXPECT_EQ(bytes[i], static_cast<uint8_t>(reference[i] >> 56));
  tmf::ota_golden_stream_init(&s, zero_hash);
  uint8_t floats[12];
  tmf::ota_golden_input_fill(&s, true, floats, 12);
  for (int i = 0; i < 3; ++i) {
    float v = 0;
    memcpy(&v, floats + 4 * i, 4);
    const double want = (static_cast<double>(reference[i] >> 40) - 8388608.0) / 8388608.0;
    TMF_EXPECT(static_cast<double>(v) == want && v >= -1.0f && v < 1.0f);
  }
  // The seed is the hash's first 8 bytes, little-endian: a hash starting 01 00.. is state 1.
  uint8_t one_hash[32] = {1};
  tmf::ota_golden_stream_init(&s, one_hash);
  TMF_EXPECT_EQ(s.state, 1u);
}

struct GoldenRig {
  Keypair key = keypair_from_seed(21);
  std::unique_ptr<TestDevice> device = std::make_unique<TestDevice>(key, 64 * 1024, 1024);
  std::unique_ptr<SimPort> port = std::make_unique<SimPort>(1024 * 1024, 4096, 8);
  std::unique_ptr<tmf::Agent> agent = std::make_unique<tmf::Agent>();
  SimHost host;
  SharedModel kws = shared_model("kws", 1);
  std::vector<uint8_t> derived_input, derived_output;

  GoldenRig() {
    tmf::agent_boot(agent.get(), port.get(), device->config);
    tmf::agent_on_connect(agent.get());
  }
  Artifact derived(uint32_t update_id) {
    Artifact probe = make_artifact(kws.file, key, update_id, kws.input, kws.expected, 1024);
    derived_golden_reference(probe.file, &derived_input, &derived_output);
    return make_artifact_derived(kws.file, key, update_id, derived_output, 1024);
  }
  void offer(const Artifact& a) {
    host.artifact = &a;
    tmf::agent_on_message(agent.get(), tmf::OtaTopic::kOtaTopicManifest, a.manifest_bytes.data(),
                          a.manifest_bytes.size());
    pump(port.get(), agent.get(), &host);
  }
  bool runs_tflite_pair() {
    std::vector<uint8_t> out(64);
    uint32_t written = 0;
    return tmf::agent_infer(agent.get(), kws.input.data(), static_cast<uint32_t>(kws.input.size()), out.data(),
                            static_cast<uint32_t>(out.size()), &written) &&
           written == kws.expected.size() && memcmp(out.data(), kws.expected.data(), written) == 0;
  }
};

TMF_TEST(AgentGolden, DerivedSelfTestInstallsAndConfirms) {
  GoldenRig rig;
  const Artifact a = rig.derived(1);
  TMF_ASSERT(rig.derived_input.size() == rig.kws.input.size());
  TMF_EXPECT_EQ(a.manifest_bytes.size(), tmf::kOtaManifestFixedBytes + tmf::kOtaDeployRecordBytes);
  rig.offer(a);
  TMF_ASSERT(rig.host.last_event() != nullptr);
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->event), static_cast<int>(tmf::OtaEvent::kOtaEventConfirmed));
  TMF_EXPECT(active_model_is(*rig.agent, a.file));
  TMF_EXPECT(rig.runs_tflite_pair());
}

TMF_TEST(AgentGolden, WrongSignedDigestReverts) {
  GoldenRig rig;
  Artifact a = rig.derived(1);
  a.manifest.golden_output_sha256[0] ^= 1;  // the signer's digest is wrong: the self-test catches it
  memcpy(a.manifest.record.golden_output_sha256, a.manifest.golden_output_sha256, 32);
  a.sign_record();
  rig.offer(a);
  TMF_ASSERT(rig.host.last_event() != nullptr);
  TMF_EXPECT(rig.host.has_event(tmf::OtaEvent::kOtaEventTrial));
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->event), static_cast<int>(tmf::OtaEvent::kOtaEventReverted));
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->result), static_cast<int>(tmf::OtaResult::kOtaResultSelfTestFailed));
  TMF_EXPECT(tmf::agent_model(rig.agent.get()) == nullptr);
}

TMF_TEST(AgentGolden, UnsignedDigestAndGoldenBytesAreRefusedBeforeAnyWrite) {
  GoldenRig rig;
  Artifact a = rig.derived(1);
  a.manifest.record.flags = 0;  // the record does not sign the golden digest
  memset(a.manifest.record.golden_output_sha256, 0, 32);
  a.sign_record();
  const uint64_t ops = rig.port->flash_ops;
  rig.offer(a);
  TMF_ASSERT(rig.host.last_event() != nullptr);
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->result), static_cast<int>(tmf::OtaResult::kOtaResultIntegrityFailure));
  TMF_EXPECT_EQ(rig.port->flash_ops, ops);
  // Golden bytes in a package-2 MANIFEST: malformed (result 9), nothing written.
  Artifact b = rig.derived(2);
  b.golden_input = rig.derived_input;
  b.encode();
  TMF_ASSERT(b.manifest_bytes.size() > tmf::kOtaManifestFixedBytes + tmf::kOtaDeployRecordBytes);
  rig.offer(b);
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->result), static_cast<int>(tmf::OtaResult::kOtaResultUnsupportedProtocol));
  TMF_EXPECT_EQ(rig.port->flash_ops, ops);
  TMF_EXPECT(tmf::agent_model(rig.agent.get()) == nullptr);
  // The package-1 form of the same model still installs (older hosts keep working).
  rig.offer(make_artifact(rig.kws.file, rig.key, 3, rig.kws.input, rig.kws.expected, 1024));
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->event), static_cast<int>(tmf::OtaEvent::kOtaEventConfirmed));
  TMF_EXPECT(rig.runs_tflite_pair());
}

}  // namespace
}  // namespace tmf_test
