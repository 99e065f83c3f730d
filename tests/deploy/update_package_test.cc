// The MANIFEST the host derives from a signed model (host/deploy/update_package.cc): inputs that fit
// 4,096 bytes travel in it (package 1, what every agent takes); the derived form (package 2) sends
// none, and its golden digest is the model's outputs on the input the spec derives from the content
// hash (tests/support/derived_golden.h: the test's own generator).
#include <array>
#include <cstring>
#include <filesystem>

#include "device/agent/protocol.h"
#include "device/runtime/sha256.h"
#include "host/deploy/deploy_record.h"
#include "host/deploy/signing.h"
#include "host/deploy/update_package.h"
#include "tests/host/test_files.h"
#include "tests/support/derived_golden.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

std::vector<uint8_t> signed_ad01(const deploy::KeyPair& key) {
  const test::RealModel m = test::real_models()[0];
  const std::string path = test::temp_path("update_package_ad01.tmf");
  if (!std::filesystem::exists(path) && test::run_cli("convert " + m.tflite + " -o " + path).exit_code != 0) return {};
  return deploy::model_sign(test::read_bytes(path), key, "ad01.tmf");
}

TMF_TEST(UpdatePackage, SmallInputsTravelInTheManifestAndTheDerivedFormSendsNone) {
  std::array<uint8_t, 32> seed;
  seed.fill(4);
  const deploy::KeyPair key = deploy::ed25519_keypair_from_seed(seed);
  const std::vector<uint8_t> file = signed_ad01(key);
  TMF_ASSERT(!file.empty());

  const deploy::UpdatePackage p1 = deploy::update_package_build(file, 1024, "ad01.tmf");
  TMF_EXPECT_EQ(p1.manifest.package_type, kOtaPackageTmf1);
  TMF_ASSERT(!p1.golden_input.empty() && p1.golden_input.size() <= kOtaMaxGoldenInputBytes);
  TMF_EXPECT_EQ(p1.manifest.golden_input_bytes, p1.golden_input.size());
  const std::vector<uint8_t> record1 = deploy::deploy_record_sign(p1.manifest, {"plant", "pumps", 7, 0}, key);
  const std::vector<uint8_t> bytes1 = p1.manifest_bytes(7, record1);
  TMF_EXPECT_EQ(bytes1.size(), kOtaManifestFixedBytes + p1.golden_input.size() + kOtaDeployRecordBytes);

  const deploy::UpdatePackage p2 = deploy::update_package_build(file, 1024, "ad01.tmf", deploy::GoldenMode::kDerived);
  TMF_EXPECT_EQ(p2.manifest.package_type, kOtaPackageTmf1DerivedGolden);
  std::vector<uint8_t> input, output;
  TMF_ASSERT(tmf_test::derived_golden_reference(file, &input, &output));
  TMF_EXPECT(p2.golden_input == input);
  uint8_t digest[32];
  sha256(output.data(), output.size(), digest);
  TMF_EXPECT_BYTES_EQ(p2.manifest.golden_output_sha256, digest, 32);
  const std::vector<uint8_t> record2 = deploy::deploy_record_sign(p2.manifest, {"plant", "pumps", 8, 0}, key);
  const std::vector<uint8_t> bytes2 = p2.manifest_bytes(8, record2);
  TMF_EXPECT_EQ(bytes2.size(), kOtaManifestFixedBytes + kOtaDeployRecordBytes);
  OtaManifest d{};
  TMF_ASSERT(ota_manifest_decode(bytes2.data(), bytes2.size(), &d) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT_EQ(d.package_type, kOtaPackageTmf1DerivedGolden);
  TMF_EXPECT_EQ(d.golden_input_bytes, 0);
  TMF_EXPECT(d.has_record && (d.record.flags & kOtaDeployFlagGoldenDigest) != 0);
  TMF_EXPECT_BYTES_EQ(d.record.golden_output_sha256, digest, 32);
}

}  // namespace
}  // namespace tmf
