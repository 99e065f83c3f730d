// The deployment record (docs/protocol.md "Deployment record", issue 13): every record the
// device must refuse — replayed, older, another fleet, another group, below the security counter,
// missing, forged, signed by the canary key on a production device — and a revert below the counter, each rejected with its own result code while
// every flash byte (journal, update area, both slots) stays as it was; so is a golden digest
// changed in transit (the record signs it); a download resumes when its
// record is offered again; the boot check refuses a slot whose bytes and hash were rewritten.
#include <string.h>

#include <memory>

#include "device/runtime/sha256.h"
#include "models.h"
#include "tests/support/tmf_test.h"

namespace tmf_test {
namespace {

// A device with kws v1 (record sequence 1) and kws v2 (sequence 2) confirmed: both slots valid.
struct TrustRig {
  Keypair key = keypair_from_seed(9);
  std::unique_ptr<TestDevice> device = std::make_unique<TestDevice>(key, 64 * 1024, 1024);
  std::unique_ptr<SimPort> port = std::make_unique<SimPort>(1024 * 1024, 4096, 8);
  std::unique_ptr<tmf::Agent> agent = std::make_unique<tmf::Agent>();
  SimHost host;
  SharedModel m1 = shared_model("kws", 1), m2 = shared_model("kws", 2), m3 = shared_model("kws", 3);
  Artifact v1, v2;

  explicit TrustRig(uint32_t v2_counter = 0) {
    v1 = make_artifact(m1.file, key, 1, m1.input, m1.expected, 1024);
    v2 = make_artifact(m2.file, key, 2, m2.input, m2.expected, 1024);
    v2.manifest.record.security_counter = v2_counter;
    v2.sign_record();
    tmf::agent_boot(agent.get(), port.get(), device->config);
    tmf::agent_on_connect(agent.get());
    offer(v1);
    offer(v2);
  }
  void offer(const Artifact& a) {
    host.artifact = &a;
    tmf::agent_on_message(agent.get(), tmf::OtaTopic::kOtaTopicManifest, a.manifest_bytes.data(),
                          a.manifest_bytes.size());
    pump(port.get(), agent.get(), &host);
  }
  // kws v3 with a record of `sequence` (update_id = sequence), re-signed after `edit`.
  template <typename Edit>
  Artifact v3(uint32_t sequence, Edit edit) {
    Artifact a = make_artifact(m3.file, key, sequence, m3.input, m3.expected, 1024);
    edit(a.manifest.record);
    a.sign_record();
    return a;
  }
  std::vector<uint8_t> image() const {
    const uint32_t total = port->flash_geometry().total_bytes;
    return std::vector<uint8_t>(port->raw(), port->raw() + total);
  }
};

// Offers `a` and checks: EVENT rejected with `result`, no flash operation, every byte unchanged,
// v2 still active; and after a reboot v2 still runs.
void expect_refused(TmfTestState* tmf_test_state_, TrustRig& rig, const Artifact& a, tmf::OtaResult result) {
  TMF_ASSERT(active_model_is(*rig.agent, rig.v2.file));
  const std::vector<uint8_t> before = rig.image();
  const uint64_t ops = rig.port->flash_ops;
  rig.host.events.clear();
  rig.offer(a);
  const tmf::OtaEventMessage* e = rig.host.last_event();
  TMF_ASSERT(e != nullptr);
  TMF_EXPECT_EQ(static_cast<int>(e->event), static_cast<int>(tmf::OtaEvent::kOtaEventRejected));
  TMF_EXPECT_EQ(static_cast<int>(e->result), static_cast<int>(result));
  TMF_EXPECT_EQ(e->update_id, a.manifest.update_id);
  TMF_EXPECT_EQ(rig.port->flash_ops, ops);
  TMF_EXPECT(rig.image() == before);
  TMF_EXPECT(active_model_is(*rig.agent, rig.v2.file));
}

TMF_TEST(AgentTrust, ReplayedRecordUnderFreshUpdateIdWritesNothing) {
  TrustRig rig;
  Artifact replay = rig.v2;  // the captured manifest, replayed with a new (unsigned) update id
  replay.manifest.update_id = 777;
  replay.encode();
  for (int i = 0; i < 3; ++i) expect_refused(tmf_test_state_, rig, replay, tmf::OtaResult::kOtaResultRecordReplayed);
  // The same manifest with its own update id is the host asking again: confirmed, no write.
  const uint64_t ops = rig.port->flash_ops;
  rig.host.events.clear();
  rig.offer(rig.v2);
  TMF_ASSERT(rig.host.last_event() != nullptr);
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->event), static_cast<int>(tmf::OtaEvent::kOtaEventConfirmed));
  TMF_EXPECT_EQ(rig.port->flash_ops, ops);
}

TMF_TEST(AgentTrust, OlderSequenceIsRefused) {
  TrustRig rig;
  Artifact old = rig.v1;  // v1's own record, sequence 1 < 2
  old.manifest.update_id = 500;
  old.encode();
  expect_refused(tmf_test_state_, rig, old, tmf::OtaResult::kOtaResultRecordStale);
  // A new model under a validly signed record with an old sequence as well.
  expect_refused(tmf_test_state_, rig, rig.v3(1, [](tmf::OtaDeployRecord&) {}), tmf::OtaResult::kOtaResultRecordStale);
}

TMF_TEST(AgentTrust, WrongFleetAndWrongGroupAreRefused) {
  TrustRig rig;
  expect_refused(tmf_test_state_, rig, rig.v3(3, [](tmf::OtaDeployRecord& r) { strcpy(r.fleet, "other-fleet"); }),
                 tmf::OtaResult::kOtaResultWrongFleet);
  expect_refused(tmf_test_state_, rig, rig.v3(4, [](tmf::OtaDeployRecord& r) { strcpy(r.group, "canary"); }),
                 tmf::OtaResult::kOtaResultWrongGroup);
}

TMF_TEST(AgentTrust, ForgedOrMissingRecordIsRefused) {
  TrustRig rig;
  Artifact forged = rig.v3(5, [](tmf::OtaDeployRecord&) {});
  forged.manifest.record.sequence = 6;  // changed after signing
  forged.encode();
  expect_refused(tmf_test_state_, rig, forged, tmf::OtaResult::kOtaResultSignatureInvalid);
  Artifact other_model = rig.v3(7, [](tmf::OtaDeployRecord& r) { r.content_sha256[0] ^= 1; });
  expect_refused(tmf_test_state_, rig, other_model, tmf::OtaResult::kOtaResultIntegrityFailure);
  Artifact digest = rig.v3(9, [](tmf::OtaDeployRecord&) {});
  digest.manifest.golden_output_sha256[0] ^= 1;  // changed in transit: the record signs the digest
  digest.encode();
  expect_refused(tmf_test_state_, rig, digest, tmf::OtaResult::kOtaResultIntegrityFailure);
  Artifact bare = rig.v3(8, [](tmf::OtaDeployRecord&) {});
  bare.manifest.has_record = false;
  bare.encode();
  expect_refused(tmf_test_state_, rig, bare, tmf::OtaResult::kOtaResultRecordMissing);
  // None of these used up a sequence: the genuine record 5 still installs.
  rig.offer(rig.v3(5, [](tmf::OtaDeployRecord&) {}));
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->event), static_cast<int>(tmf::OtaEvent::kOtaEventConfirmed));
}

// Key separation (docs/security.md "Release approval"): the loop's canary key is given only to
// canary devices. A production device (trusting the production key only) refuses a record the
// canary key signed, even for a file the production key signed, and a canary-signed file.
TMF_TEST(AgentTrust, CanarySignedRecordIsRefusedByAProductionDevice) {
  TrustRig rig;
  const Keypair canary = keypair_from_seed(10);
  Artifact record_only = rig.v3(3, [](tmf::OtaDeployRecord&) {});
  record_only.signer = canary;
  record_only.sign_record();
  expect_refused(tmf_test_state_, rig, record_only, tmf::OtaResult::kOtaResultUnknownKey);
  Artifact both = make_artifact(rig.m3.file, canary, 4, rig.m3.input, rig.m3.expected, 1024);
  expect_refused(tmf_test_state_, rig, both, tmf::OtaResult::kOtaResultUnknownKey);
  // The same model with its production-signed record installs.
  rig.offer(rig.v3(5, [](tmf::OtaDeployRecord&) {}));
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->event), static_cast<int>(tmf::OtaEvent::kOtaEventConfirmed));
}

TMF_TEST(AgentTrust, ModelBelowTheSecurityCounterIsRefused) {
  TrustRig rig(/*v2_counter=*/5);
  TMF_EXPECT_EQ(rig.agent->state.security_counter, 5);
  TMF_EXPECT_EQ(tmf::agent_status_message(rig.agent.get()).security_counter, 5);
  expect_refused(tmf_test_state_, rig, rig.v3(3, [](tmf::OtaDeployRecord& r) { r.security_counter = 4; }),
                 tmf::OtaResult::kOtaResultVersionRollback);
  TMF_EXPECT_EQ(rig.host.last_event()->detail, 5);
  rig.offer(rig.v3(4, [](tmf::OtaDeployRecord& r) { r.security_counter = 5; }));  // equal is fine
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->event), static_cast<int>(tmf::OtaEvent::kOtaEventConfirmed));
}

TMF_TEST(AgentTrust, RevertBelowTheSecurityCounterIsRefused) {
  TrustRig rig(/*v2_counter=*/1);  // v1 was installed at counter 0
  const std::vector<uint8_t> before = rig.image();
  const uint64_t ops = rig.port->flash_ops;
  rig.host.events.clear();
  uint8_t command[tmf::kOtaCommandBytes];
  tmf::ota_command_encode({tmf::OtaCommandCode::kOtaCommandRevert, 0, 0}, command, sizeof(command));
  tmf::agent_on_message(rig.agent.get(), tmf::OtaTopic::kOtaTopicCommand, command, sizeof(command));
  pump(rig.port.get(), rig.agent.get(), &rig.host);
  TMF_ASSERT(rig.host.last_event() != nullptr);
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->event), static_cast<int>(tmf::OtaEvent::kOtaEventRejected));
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->result), static_cast<int>(tmf::OtaResult::kOtaResultVersionRollback));
  TMF_EXPECT_EQ(rig.port->flash_ops, ops);
  TMF_EXPECT(rig.image() == before);
  TMF_EXPECT(active_model_is(*rig.agent, rig.v2.file));
}

TMF_TEST(AgentTrust, RevertGoesBackOnceOnly) {
  TrustRig rig;  // both at counter 0: the health-gate rollback works
  uint8_t command[tmf::kOtaCommandBytes];
  tmf::ota_command_encode({tmf::OtaCommandCode::kOtaCommandRevert, 0, 0}, command, sizeof(command));
  tmf::agent_on_message(rig.agent.get(), tmf::OtaTopic::kOtaTopicCommand, command, sizeof(command));
  pump(rig.port.get(), rig.agent.get(), &rig.host);
  TMF_EXPECT(active_model_is(*rig.agent, rig.v1.file));
  const std::vector<uint8_t> before = rig.image();
  tmf::agent_on_message(rig.agent.get(), tmf::OtaTopic::kOtaTopicCommand, command, sizeof(command));
  pump(rig.port.get(), rig.agent.get(), &rig.host);
  TMF_ASSERT(rig.host.last_event() != nullptr);
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->result), static_cast<int>(tmf::OtaResult::kOtaResultUpdateFailed));
  TMF_EXPECT(rig.image() == before);  // no slot to flip back to: nothing written
  TMF_EXPECT(active_model_is(*rig.agent, rig.v1.file));
}

TMF_TEST(AgentTrust, DownloadResumesWhenItsRecordIsOfferedAgain) {
  TrustRig rig;
  Artifact v3 = rig.v3(3, [](tmf::OtaDeployRecord&) {});
  rig.host.artifact = nullptr;  // the host does not answer yet: the download stalls after the erase
  tmf::agent_on_message(rig.agent.get(), tmf::OtaTopic::kOtaTopicManifest, v3.manifest_bytes.data(),
                        v3.manifest_bytes.size());
  TMF_ASSERT(rig.agent->state.state == tmf::OtaState::kOtaStateDownloading);
  const uint64_t erases = rig.port->erases;
  Artifact again = v3;  // same record, another update id: a resume, not a restart
  again.manifest.update_id = 99;
  again.encode();
  rig.host.events.clear();
  tmf::agent_on_message(rig.agent.get(), tmf::OtaTopic::kOtaTopicManifest, again.manifest_bytes.data(),
                        again.manifest_bytes.size());
  // The EVENT (the host does not answer requests yet: artifact null, nothing sent back).
  for (const SentMessage& m : rig.port->outbox) rig.host.receive(m, nullptr);
  rig.port->outbox.clear();
  TMF_ASSERT(rig.host.last_event() != nullptr);
  TMF_EXPECT_EQ(static_cast<int>(rig.host.last_event()->event), static_cast<int>(tmf::OtaEvent::kOtaEventResumed));
  TMF_EXPECT_EQ(rig.host.last_event()->update_id, 3);
  TMF_EXPECT_EQ(rig.port->erases, erases);
  rig.host.artifact = &v3;
  rig.port->now_ms += 5000;
  tmf::agent_poll(rig.agent.get());
  pump(rig.port.get(), rig.agent.get(), &rig.host);
  TMF_EXPECT(active_model_is(*rig.agent, v3.file));
}

TMF_TEST(AgentTrust, BootRefusesASlotRewrittenWithItsHash) {
  TrustRig rig;
  // Rewrite a weight byte of the active slot (v2) and its TLV 1 content hash to match, as an
  // attacker with flash access would: validation and the trailer hash pass, the signature not.
  const uint32_t slot = rig.agent->layout.slot_offset[rig.agent->state.active_slot];
  uint8_t* flash = rig.port->raw_for_tampering() + slot;
  const uint32_t content = rig.v2.manifest.content_bytes;
  flash[5000] ^= 0x01;  // a weight byte (agent_reject_test's CorruptedChunk)
  tmf::sha256(flash, content, flash + content + 8);
  rig.agent = std::make_unique<tmf::Agent>();
  tmf::agent_boot(rig.agent.get(), rig.port.get(), rig.device->config);
  TMF_EXPECT(active_model_is(*rig.agent, rig.v1.file));  // fell back to the other signed slot
}

}  // namespace
}  // namespace tmf_test
