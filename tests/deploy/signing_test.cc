// Ed25519 model signing: the libsodium wrapper against RFC 8032 section 7.1 test vectors, a
// sign/verify round trip on a real converted model (still valid for the device runtime), and a
// flipped byte anywhere in the signed range failing verification.
#include <array>
#include <cstring>
#include <filesystem>
#include <sys/stat.h>

#include "device/runtime/integrity.h"
#include "device/runtime/model.h"
#include "device/runtime/sha256.h"
#include "host/deploy/signing.h"
#include "tests/host/test_files.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using deploy::SignatureCheck;

// RFC 8032, section 7.1 (Ed25519): TEST 1, TEST 2, TEST 3 and TEST SHA(abc).
struct Rfc8032Vector {
  const char* secret;
  const char* public_key;
  const char* message;
  const char* signature;
};
constexpr Rfc8032Vector kRfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    {"833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
};

template <size_t N>
std::array<uint8_t, N> hex_array(const char* hex) {
  const std::vector<uint8_t> v = deploy::hex_decode(hex, "vector");
  std::array<uint8_t, N> out{};
  std::memcpy(out.data(), v.data(), N);
  return out;
}

TMF_TEST(Signing, Rfc8032Vectors) {
  for (const Rfc8032Vector& v : kRfc8032) {
    const deploy::KeyPair k = deploy::ed25519_keypair_from_seed(hex_array<32>(v.secret));
    TMF_EXPECT(k.public_key == hex_array<32>(v.public_key));
    const std::vector<uint8_t> message = deploy::hex_decode(v.message, "message");
    const deploy::Signature s = deploy::ed25519_sign(k.secret_key, message.data(), message.size());
    TMF_EXPECT(s == hex_array<64>(v.signature));
    TMF_EXPECT(deploy::ed25519_verify(k.public_key, message.data(), message.size(), s));
    deploy::Signature bad = s;
    bad[0] ^= 1;
    TMF_EXPECT(!deploy::ed25519_verify(k.public_key, message.data(), message.size(), bad));
  }
}

// A converted real model, unsigned.
std::vector<uint8_t> converted_model(const char* name, int index) {
  const test::RealModel m = test::real_models()[index];
  const std::string path = test::temp_path(std::string(name) + ".tmf");
  if (!std::filesystem::exists(path)) {
    const test::CommandResult r = test::run_cli("convert " + m.tflite + " -o " + path);
    if (r.exit_code != 0) return {};
  }
  return test::read_bytes(path);
}

bool device_accepts(const std::vector<uint8_t>& file) {
  std::vector<uint8_t> storage(file.size() + 16);
  uint8_t* aligned = storage.data() + (16 - reinterpret_cast<uintptr_t>(storage.data()) % 16) % 16;
  std::memcpy(aligned, file.data(), file.size());
  Model m{};
  return model_validate(aligned, file.size(), &m, nullptr) == Status::kOk && model_verify_hash(m) == Status::kOk;
}

deploy::KeyPair test_key(uint8_t fill) {
  std::array<uint8_t, 32> seed;
  seed.fill(fill);
  return deploy::ed25519_keypair_from_seed(seed);
}

TMF_TEST(Signing, SignedModelStaysValidAndVerifies) {
  const std::vector<uint8_t> file = converted_model("ad01", 0);
  TMF_ASSERT(!file.empty());
  const deploy::KeyPair key = test_key(7);
  const std::vector<uint8_t> signed_file = deploy::model_sign(file, key, "ad01.tmf");
  TMF_EXPECT(device_accepts(signed_file));
  TMF_EXPECT(deploy::model_verify_signature(signed_file, key.public_key) == SignatureCheck::kSignatureOk);
  TMF_EXPECT(deploy::model_verify_signature(file, key.public_key) == SignatureCheck::kSignatureMissing);
  TMF_EXPECT(deploy::model_verify_signature(signed_file, test_key(8).public_key) == SignatureCheck::kSignatureWrongKey);

  // The trailer of a signed file is TLV 1 (8 + 32) and TLV 2 (8 + 96); file_bytes says so.
  FileHeader h;
  std::memcpy(&h, signed_file.data(), sizeof h);
  TMF_EXPECT_EQ(h.trailer.bytes, 144);
  TMF_EXPECT_EQ(h.file_bytes, signed_file.size());
  const deploy::KeyId id = deploy::key_id_of(key.public_key);
  TMF_EXPECT(deploy::model_signature_key_id(signed_file) == deploy::hex_encode(id.data(), id.size()));

  // Independent check of the scheme: Ed25519 over "TMF-SIG1" || SHA-256(file[0, trailer.offset)).
  uint8_t digest[32];
  sha256(signed_file.data(), h.trailer.offset, digest);
  uint8_t message[40];
  std::memcpy(message, "TMF-SIG1", 8);
  std::memcpy(message + 8, digest, 32);
  deploy::Signature s;
  std::memcpy(s.data(), signed_file.data() + h.trailer.offset + 40 + 8, 64);
  TMF_EXPECT(deploy::ed25519_verify(key.public_key, message, sizeof message, s));

  // Re-signing (another key) replaces the signature instead of adding a second one.
  const deploy::KeyPair other = test_key(9);
  const std::vector<uint8_t> resigned = deploy::model_sign(signed_file, other, "ad01.tmf");
  TMF_EXPECT_EQ(resigned.size(), signed_file.size());
  TMF_EXPECT(device_accepts(resigned));
  TMF_EXPECT(deploy::model_verify_signature(resigned, other.public_key) == SignatureCheck::kSignatureOk);
  TMF_EXPECT(deploy::model_verify_signature(resigned, key.public_key) == SignatureCheck::kSignatureWrongKey);
}

TMF_TEST(Signing, AnyFlippedByteInTheSignedRangeFails) {
  const std::vector<uint8_t> file = converted_model("hello", 2);
  TMF_ASSERT(!file.empty());
  const deploy::KeyPair key = test_key(3);
  const std::vector<uint8_t> signed_file = deploy::model_sign(file, key, "hello.tmf");
  FileHeader h;
  std::memcpy(&h, signed_file.data(), sizeof h);
  int accepted = 0;
  for (uint32_t i = 0; i < h.trailer.offset; ++i) {
    std::vector<uint8_t> bad = signed_file;
    bad[i] ^= static_cast<uint8_t>(1u << (i % 8));
    accepted += deploy::model_verify_signature(bad, key.public_key) == SignatureCheck::kSignatureOk;
  }
  TMF_EXPECT_EQ(accepted, 0);
  // The signature bytes themselves, too.
  for (uint32_t i = h.trailer.offset + 48; i < h.trailer.offset + 48 + 64; ++i) {
    std::vector<uint8_t> bad = signed_file;
    bad[i] ^= 0x80;
    accepted += deploy::model_verify_signature(bad, key.public_key) == SignatureCheck::kSignatureOk;
  }
  TMF_EXPECT_EQ(accepted, 0);
}

TMF_TEST(Signing, KeyFilesAndCli) {
  const std::string dir = test::temp_path("keys");
  const deploy::KeyPaths paths = deploy::keys_generate(dir, false);
  struct stat st {};
  TMF_ASSERT(stat(paths.secret.c_str(), &st) == 0);
  TMF_EXPECT_EQ(st.st_mode & 0777, 0600);
  TMF_EXPECT_THROWS(deploy::keys_generate(dir, false), deploy::SigningError, "already exists");
  const deploy::KeyPair key = deploy::key_load_secret(paths.secret);
  TMF_EXPECT(deploy::key_load_public(paths.public_key) == key.public_key);

  converted_model("hello", 2);
  const std::string model = test::temp_path("hello.tmf");
  const std::string signed_path = test::temp_path("hello_signed.tmf");
  TMF_EXPECT_EQ(test::run_cli("sign " + model + " --key " + paths.secret + " -o " + signed_path).exit_code, 0);
  TMF_EXPECT(deploy::model_verify_signature(test::read_bytes(signed_path), key.public_key) == SignatureCheck::kSignatureOk);
  TMF_EXPECT_EQ(test::run_cli("keys verify " + signed_path + " --key " + paths.public_key).exit_code, 0);
  const test::CommandResult unsigned_check = test::run_cli("keys verify " + model + " --key " + paths.public_key);
  TMF_EXPECT_EQ(unsigned_check.exit_code, 2);
  TMF_EXPECT(unsigned_check.err.find(model) != std::string::npos);
  // `inspect` (the device validator and hash check) accepts the signed file.
  const test::CommandResult inspect = test::run_cli("inspect " + signed_path + " --json");
  TMF_EXPECT_EQ(inspect.exit_code, 0);
  TMF_EXPECT(inspect.out.find("\"content_hash\": \"ok\"") != std::string::npos);

  // A world-readable secret key is refused, naming the file.
  chmod(paths.secret.c_str(), 0644);
  TMF_EXPECT_THROWS(deploy::key_load_secret(paths.secret), deploy::SigningError, paths.secret);
}

}  // namespace
}  // namespace tmf
