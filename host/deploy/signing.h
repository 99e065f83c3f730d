// Ed25519 signing of TMF model files (libsodium). The scheme, shared with the device agent:
//   digest    = SHA-256 of file bytes [0, trailer.offset)   (header included, so sizes are signed)
//   message   = "TMF-SIG1" || digest                         (40 bytes)
//   signature = Ed25519(secret key, message)
//   key id    = SHA-256(public key)
// and the trailer holds TLV 1 (digest, 32 bytes) and TLV 2 (signature 64 + key id 32 bytes).
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tmf::deploy {

class SigningError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using PublicKey = std::array<uint8_t, 32>;
using SecretKey = std::array<uint8_t, 64>;  // libsodium layout: seed (32) || public key (32)
using Signature = std::array<uint8_t, 64>;
using KeyId = std::array<uint8_t, 32>;

struct KeyPair {
  PublicKey public_key{};
  SecretKey secret_key{};
};

// Plain Ed25519 (RFC 8032), exposed for the test vectors.
KeyPair ed25519_keypair_from_seed(const std::array<uint8_t, 32>& seed);
KeyPair ed25519_keypair_generate();
Signature ed25519_sign(const SecretKey& secret_key, const uint8_t* message, size_t bytes);
bool ed25519_verify(const PublicKey& public_key, const uint8_t* message, size_t bytes, const Signature& signature);

KeyId key_id_of(const PublicKey& public_key);
std::string hex_encode(const uint8_t* data, size_t bytes);
std::vector<uint8_t> hex_decode(const std::string& text, const std::string& what);

// Key files: <dir>/tinymlops.key (secret, mode 0600) and <dir>/tinymlops.pub (public), each one
// line of hex. Generation refuses to overwrite an existing key unless `overwrite`.
struct KeyPaths {
  std::string secret;
  std::string public_key;
};
KeyPaths key_paths(const std::string& dir);
KeyPaths keys_generate(const std::string& dir, bool overwrite);
KeyPair key_load_secret(const std::string& path);  // checks that the stored halves belong together
PublicKey key_load_public(const std::string& path);

// Returns a signed copy of a TMF file: earlier TLV 1/2 records are replaced, other trailer TLVs
// kept; header.file_bytes and header.trailer.bytes are set before hashing. The result passes
// model_validate() and model_verify_hash(). Throws SigningError naming `path` on a bad file.
std::vector<uint8_t> model_sign(const std::vector<uint8_t>& file, const KeyPair& key, const std::string& path);

enum class SignatureCheck {
  kSignatureOk,
  kSignatureMalformedFile,  // header/trailer do not parse
  kSignatureMissing,        // no TLV 2 of 96 bytes
  kSignatureWrongKey,       // key id differs from SHA-256(public key)
  kSignatureHashMismatch,   // TLV 1 differs from the recomputed digest
  kSignatureInvalid,        // Ed25519 verification failed
};
const char* signature_check_to_string(SignatureCheck check);
SignatureCheck model_verify_signature(const std::vector<uint8_t>& file, const PublicKey& public_key);

// The key id in a file's TLV 2, if any (hex), without verifying.
std::string model_signature_key_id(const std::vector<uint8_t>& file);

}  // namespace tmf::deploy
