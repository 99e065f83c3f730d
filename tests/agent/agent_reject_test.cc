// Every rejection the update path promises (docs/protocol.md result codes): each test installs
// v1, offers a bad update, and checks the result code, that v1 still runs (byte-identical,
// TFLite's outputs) and that a reboot still runs v1.
#include <string.h>

#include <memory>

#include "models.h"
#include "tests/support/tmf_test.h"

namespace tmf_test {
namespace {

struct Installed {
  Keypair key = keypair_from_seed(5);
  std::unique_ptr<TestDevice> device;
  std::unique_ptr<SimPort> port;
  std::unique_ptr<tmf::Agent> agent = std::make_unique<tmf::Agent>();
  SimHost host;
  SharedModel v1_model;
  Artifact v1;

  explicit Installed(uint32_t flash_bytes = 1024 * 1024, uint32_t arena_bytes = 64 * 1024,
                     const char* v1_stem = "kws")
      : device(std::make_unique<TestDevice>(key, arena_bytes, 1024)),
        port(std::make_unique<SimPort>(flash_bytes, 4096, 8)),
        v1_model(shared_model(v1_stem, 1)) {
    v1 = make_artifact(v1_model.file, key, 1, v1_model.input, v1_model.expected, 1024);
    tmf::agent_boot(agent.get(), port.get(), device->config);
    tmf::agent_on_connect(agent.get());
    offer(v1);
  }
  void offer(const Artifact& a) {
    host.artifact = &a;
    tmf::agent_on_message(agent.get(), tmf::OtaTopic::kOtaTopicManifest, a.manifest_bytes.data(),
                          a.manifest_bytes.size());
    pump(port.get(), agent.get(), &host);
  }
  void offer_raw(const std::vector<uint8_t>& bytes) {
    tmf::agent_on_message(agent.get(), tmf::OtaTopic::kOtaTopicManifest, bytes.data(), bytes.size());
    pump(port.get(), agent.get(), &host);
  }
  bool v1_runs() {
    if (!active_model_is(*agent, v1.file)) return false;
    std::vector<uint8_t> out(64);
    uint32_t written = 0;
    return tmf::agent_infer(agent.get(), v1_model.input.data(), static_cast<uint32_t>(v1_model.input.size()),
                            out.data(), static_cast<uint32_t>(out.size()), &written) &&
           written == v1_model.expected.size() && memcmp(out.data(), v1_model.expected.data(), written) == 0;
  }
  bool v1_after_reboot() {
    agent = std::make_unique<tmf::Agent>();
    port->restore_power();
    tmf::agent_boot(agent.get(), port.get(), device->config);
    port->connected = true;
    tmf::agent_on_connect(agent.get());
    return v1_runs();
  }
};

// The update offered second: kws again as version 2 (or `version`), signed by `key`.
Artifact next_version(const Installed& rig, uint32_t version = 2, uint32_t update_id = 2) {
  const SharedModel m = shared_model("kws", version);
  return make_artifact(m.file, rig.key, update_id, m.input, m.expected, 1024);
}

void expect_rejected(TmfTestState* tmf_test_state_, Installed& rig, tmf::OtaResult result, uint32_t update_id) {
  const tmf::OtaEventMessage* e = rig.host.last_event();
  TMF_ASSERT(e != nullptr);
  TMF_EXPECT_EQ(e->update_id, update_id);
  TMF_EXPECT_EQ(static_cast<int>(e->result), static_cast<int>(result));
  TMF_EXPECT(e->event == tmf::OtaEvent::kOtaEventRejected || e->event == tmf::OtaEvent::kOtaEventReverted ||
             e->event == tmf::OtaEvent::kOtaEventCancelled);
  for (const tmf::OtaEventMessage& any : rig.host.events) {
    TMF_EXPECT(!(any.event == tmf::OtaEvent::kOtaEventConfirmed && any.update_id == update_id));
  }
  TMF_EXPECT_EQ(static_cast<int>(rig.agent->state.state), static_cast<int>(tmf::OtaState::kOtaStateIdle));
  TMF_EXPECT(rig.v1_runs());
  TMF_EXPECT(rig.v1_after_reboot());
}

TMF_TEST(AgentReject, CorruptedChunk) {
  Installed rig;
  TMF_ASSERT(rig.v1_runs());
  Artifact v2 = next_version(rig);
  rig.host.corrupt_offset = 5000;  // a weight byte, damaged at the source (CRC matches the damage)
  rig.offer(v2);
  expect_rejected(tmf_test_state_, rig, tmf::OtaResult::kOtaResultIntegrityFailure, 2);
}

TMF_TEST(AgentReject, WrongFileHash) {
  Installed rig;
  Artifact v2 = next_version(rig);
  v2.manifest.file_sha256[0] ^= 1;  // not covered by the signature: caught after download
  v2.encode();
  rig.offer(v2);
  expect_rejected(tmf_test_state_, rig, tmf::OtaResult::kOtaResultIntegrityFailure, 2);
}

TMF_TEST(AgentReject, ManifestLiesAboutVersion) {
  Installed rig;
  Artifact v2 = next_version(rig);
  v2.manifest.model_version = 9;  // the signed file says 2
  v2.encode();
  rig.offer(v2);
  expect_rejected(tmf_test_state_, rig, tmf::OtaResult::kOtaResultIntegrityFailure, 2);
}

TMF_TEST(AgentReject, BadSignature) {
  Installed rig;
  Artifact v2 = next_version(rig);
  v2.manifest.signature[10] ^= 0x20;
  v2.encode();
  rig.offer(v2);
  expect_rejected(tmf_test_state_, rig, tmf::OtaResult::kOtaResultSignatureInvalid, 2);
  TMF_EXPECT(rig.host.requested.size() == 0 || rig.host.sends.size() == (rig.v1.file.size() + 1023) / 1024);
}

TMF_TEST(AgentReject, SignedByUntrustedKey) {
  Installed rig;
  const SharedModel m = shared_model("kws", 2);
  const Artifact v2 = make_artifact(m.file, keypair_from_seed(99), 2, m.input, m.expected, 1024);
  rig.offer(v2);
  expect_rejected(tmf_test_state_, rig, tmf::OtaResult::kOtaResultUnknownKey, 2);
}

TMF_TEST(AgentReject, ContentSwappedUnderSignature) {
  // The signature is valid for the manifest's content hash, but the file sent is another one.
  Installed rig;
  Artifact v2 = next_version(rig);
  const SharedModel other = shared_model("kws", 3);
  const Artifact v3 = make_artifact(other.file, rig.key, 2, other.input, other.expected, 1024);
  v2.file = v3.file;  // same size, different header version
  rig.offer(v2);
  expect_rejected(tmf_test_state_, rig, tmf::OtaResult::kOtaResultIntegrityFailure, 2);
}

TMF_TEST(AgentReject, OlderAndSameRecord) {
  Installed rig;
  const Artifact v2 = next_version(rig, 2, 2);
  rig.offer(v2);
  TMF_ASSERT(active_model_is(*rig.agent, v2.file));
  // Now v2 (record sequence 2) is installed; v1's record (sequence 1) and v2's again, each under
  // a new update id, are refused: older (18) and replayed (17). Version order alone no longer
  // decides (a fresh record may deploy an older version; the security counter bounds that).
  Artifact old = rig.v1;
  old.manifest.update_id = 3;
  old.encode();
  rig.offer(old);
  TMF_ASSERT(rig.host.last_event() != nullptr);
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->result), static_cast<int>(tmf::OtaResult::kOtaResultRecordStale));
  TMF_EXPECT_EQ(rig.host.last_event()->detail, 2);
  Artifact same = v2;
  same.manifest.update_id = 4;
  same.encode();
  rig.offer(same);
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->result), static_cast<int>(tmf::OtaResult::kOtaResultRecordReplayed));
  TMF_EXPECT(active_model_is(*rig.agent, v2.file));
}

TMF_TEST(AgentReject, TooBigForRam) {
  Installed rig(1024 * 1024, 8 * 1024, "hello_world");  // 8 KB arena: hello_world fits
  TMF_ASSERT(rig.v1_runs());
  const Artifact v2 = next_version(rig);  // kws needs a 16,256-byte arena
  rig.offer(v2);
  expect_rejected(tmf_test_state_, rig, tmf::OtaResult::kOtaResultOutOfRam, 2);
  TMF_EXPECT_EQ(rig.host.last_event()->detail, v2.manifest.arena_bytes);
}

TMF_TEST(AgentReject, TooBigForFlash) {
  Installed rig(256 * 1024);  // slots of 108 KB: kws (54 KB) fits, ad01 (270 KB) does not
  TMF_ASSERT(rig.v1_runs());
  const SharedModel m = shared_model("ad01", 2);
  const Artifact v2 = make_artifact(m.file, rig.key, 2, m.input, m.expected, 1024);
  rig.offer(v2);
  expect_rejected(tmf_test_state_, rig, tmf::OtaResult::kOtaResultNotEnoughFlash, 2);
  TMF_EXPECT_EQ(rig.host.last_event()->detail, v2.manifest.flash_bytes);
}

TMF_TEST(AgentReject, UnknownOp) {
  Installed rig;
  Artifact v2 = next_version(rig);
  tmf::ota_ops_set(v2.manifest.ops, 200);  // an opcode this firmware has no kernel for
  v2.encode();
  rig.offer(v2);
  expect_rejected(tmf_test_state_, rig, tmf::OtaResult::kOtaResultOpUnsupported, 2);
  TMF_EXPECT_EQ(rig.host.last_event()->detail, 200);
}

TMF_TEST(AgentReject, SelfTestFails) {
  Installed rig;
  Artifact v2 = next_version(rig);
  // A signer's wrong golden digest (the record signs it; a digest changed in transit alone is
  // refused before download: AgentTrust.ForgedGoldenDigestIsRefused).
  v2.manifest.golden_output_sha256[0] ^= 1;
  memcpy(v2.manifest.record.golden_output_sha256, v2.manifest.golden_output_sha256, 32);
  v2.sign_record();
  rig.offer(v2);
  TMF_EXPECT(rig.host.has_event(tmf::OtaEvent::kOtaEventTrial));
  expect_rejected(tmf_test_state_, rig, tmf::OtaResult::kOtaResultSelfTestFailed, 2);
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->event), static_cast<int>(tmf::OtaEvent::kOtaEventReverted));
}

TMF_TEST(AgentReject, UnsupportedPackageAndProtocol) {
  Installed rig;
  Artifact v2 = next_version(rig);
  v2.manifest.package_type = 7;
  v2.encode();
  rig.offer(v2);
  expect_rejected(tmf_test_state_, rig, tmf::OtaResult::kOtaResultUnsupportedPackage, 2);
  Artifact v3 = next_version(rig, 2, 3);
  v3.manifest_bytes[0] = 2;  // protocol version 2
  rig.offer(v3);
  expect_rejected(tmf_test_state_, rig, tmf::OtaResult::kOtaResultUnsupportedProtocol, 3);
  std::vector<uint8_t> truncated(v3.manifest_bytes.begin(), v3.manifest_bytes.begin() + 100);
  truncated[0] = 1;
  rig.offer_raw(truncated);
  expect_rejected(tmf_test_state_, rig, tmf::OtaResult::kOtaResultUnsupportedProtocol, 3);
}

TMF_TEST(AgentReject, CancelledMidDownload) {
  Installed rig;
  const Artifact v2 = next_version(rig);
  rig.host.artifact = &v2;
  tmf::agent_on_message(rig.agent.get(), tmf::OtaTopic::kOtaTopicManifest, v2.manifest_bytes.data(),
                        v2.manifest_bytes.size());
  rig.port->outbox.clear();  // the requests are lost; the host cancels instead
  uint8_t command[tmf::kOtaCommandBytes];
  tmf::ota_command_encode({tmf::OtaCommandCode::kOtaCommandCancel, 2}, command, sizeof(command));
  tmf::agent_on_message(rig.agent.get(), tmf::OtaTopic::kOtaTopicCommand, command, sizeof(command));
  pump(rig.port.get(), rig.agent.get(), &rig.host);
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->event), static_cast<int>(tmf::OtaEvent::kOtaEventCancelled));
  expect_rejected(tmf_test_state_, rig, tmf::OtaResult::kOtaResultCancelled, 2);
}

}  // namespace
}  // namespace tmf_test
