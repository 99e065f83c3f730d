// Signed deployment records on the host (host/deploy/deploy_record.cc): the signature verifies and
// covers every signed byte, a foreign key or a bad name is refused, the registry hands out growing
// sequence numbers and gives a deployment back the same record (docs/protocol.md).
#include <chrono>
#include <cstring>

#include "device/agent/protocol.h"
#include "host/deploy/deploy_record.h"
#include "tests/host/test_files.h"
#include "tests/support/postgres_server.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

OtaManifest manifest_for_test() {
  OtaManifest m{};
  m.model_id = 42;
  m.model_version = 3;
  for (int i = 0; i < 32; ++i) m.content_sha256[i] = static_cast<uint8_t>(i * 7);
  for (int i = 0; i < 32; ++i) m.golden_output_sha256[i] = static_cast<uint8_t>(200 - i);
  return m;
}

TMF_TEST(DeployRecord, SignedRecordVerifiesAndCoversEverySignedByte) {
  const deploy::KeyPair key = deploy::ed25519_keypair_generate();
  const OtaManifest m = manifest_for_test();
  const std::vector<uint8_t> record = deploy::deploy_record_sign(m, {"plant", "pumps", 1234, 2}, key);
  TMF_ASSERT(record.size() == kOtaDeployRecordBytes);
  OtaDeployRecord r{};
  TMF_ASSERT(deploy::deploy_record_verify(record, key.public_key, &r));
  TMF_EXPECT_EQ(r.sequence, 1234);
  TMF_EXPECT_EQ(r.security_counter, 2);
  TMF_EXPECT_EQ(r.model_id, 42);
  TMF_EXPECT_EQ(r.model_version, 3);
  TMF_EXPECT(std::strcmp(r.fleet, "plant") == 0 && std::strcmp(r.group, "pumps") == 0);
  TMF_EXPECT(std::memcmp(r.content_sha256, m.content_sha256, 32) == 0);
  TMF_EXPECT(std::memcmp(r.golden_output_sha256, m.golden_output_sha256, 32) == 0);
  TMF_EXPECT(r.flags == kOtaDeployFlagGoldenDigest);
  uint32_t caught = 0;
  for (uint32_t i = 8; i < kOtaDeployRecordSignedBytes; ++i) {  // a flipped bit anywhere signed
    std::vector<uint8_t> bad = record;
    bad[i] ^= 0x01;
    if (!deploy::deploy_record_verify(bad, key.public_key, &r)) ++caught;
  }
  TMF_EXPECT_EQ(caught, kOtaDeployRecordSignedBytes - 8);
  TMF_EXPECT(!deploy::deploy_record_verify(record, deploy::ed25519_keypair_generate().public_key, &r));
}

TMF_TEST(DeployRecord, BadNamesAndSequenceZeroAreRefused) {
  const deploy::KeyPair key = deploy::ed25519_keypair_generate();
  const OtaManifest m = manifest_for_test();
  TMF_EXPECT_THROWS(deploy::deploy_record_sign(m, {"pl ant", "pumps", 1, 0}, key), deploy::SigningError, "fleet 'pl ant'");
  TMF_EXPECT_THROWS(deploy::deploy_record_sign(m, {"plant", "", 1, 0}, key), deploy::SigningError, "group ''");
  TMF_EXPECT_THROWS(deploy::deploy_record_sign(m, {"plant", "pumps", 0, 0}, key), deploy::SigningError, "sequence 0");
}

// On SQLite (DeployRecord) and PostgreSQL (DeployRecordPostgres).
TMF_TEST_BOTH_ENGINES(DeployRecord, RegistrySequencesGrowAndRecordsAreKept) {
  const test_support::ScopedTestDatabase database(engine, "deploy_record_registry");
  registry::Registry reg(test::temp_path("deploy_record_registry"));
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  const uint32_t first = reg.next_deployment_sequence();
  TMF_EXPECT(first >= now);
  TMF_EXPECT(!reg.find_deployment_record(1, "abc").has_value());
  // Stored records need a deployment and an artifact row (foreign keys): insert minimal ones.
  reg.db().exec("INSERT INTO models(name, model_id) VALUES ('m', 42)");
  reg.db().exec("INSERT INTO artifacts(sha256, bytes) VALUES ('abc', 1)");
  reg.db().exec("INSERT INTO versions(model, version, artifact, file_bytes, arena_bytes, macs) VALUES (1, 3, 'abc', 1, 1, 1)");
  const int64_t deployment = reg.create_deployment(1, "pumps", "[\"100%\"]", "{}");
  const std::vector<uint8_t> record(kOtaDeployRecordBytes, 0x5C);
  const uint32_t far = first + 1000;  // a sequence above the clock: the next one must exceed it
  reg.add_deployment_record(deployment, "abc", far, record, "00");
  TMF_EXPECT(reg.find_deployment_record(deployment, "abc") == record);
  TMF_EXPECT_EQ(reg.next_deployment_sequence(), far + 1);
}

}  // namespace
}  // namespace tmf
