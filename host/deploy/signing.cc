// Ed25519 model signing through libsodium (scheme in signing.h and docs/security.md).
#include "host/deploy/signing.h"
#include "host/convert/aligned_buffer.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "device/runtime/integrity.h"
#include "device/runtime/model.h"
#include "device/runtime/tmf_format.h"

namespace tmf::deploy {
namespace {

constexpr char kSignatureDomain[8] = {'T', 'M', 'F', '-', 'S', 'I', 'G', '1'};
constexpr uint32_t kSignatureTlvBytes = 96;

void sodium_ready() {
  if (sodium_init() < 0) throw SigningError("libsodium: initialisation failed");
}

uint32_t align4(uint32_t v) { return (v + 3u) & ~3u; }

struct TlvView {
  uint16_t tag;
  std::vector<uint8_t> value;
};

// The header and the trailer's records, or nullopt if the layout does not hold together.
struct ParsedTrailer {
  FileHeader header;
  std::vector<TlvView> records;
};

std::optional<ParsedTrailer> parse_trailer(const std::vector<uint8_t>& file) {
  if (file.size() < sizeof(FileHeader)) return std::nullopt;
  ParsedTrailer p;
  std::memcpy(&p.header, file.data(), sizeof(FileHeader));
  const FileHeader& h = p.header;
  if (std::memcmp(h.magic, "TMF1", 4) != 0) return std::nullopt;
  if (h.file_bytes != file.size() || h.trailer.offset < sizeof(FileHeader) ||
      h.trailer.offset > h.file_bytes || h.file_bytes - h.trailer.offset != h.trailer.bytes) {
    return std::nullopt;
  }
  uint32_t at = h.trailer.offset;
  while (at < h.file_bytes) {
    if (h.file_bytes - at < sizeof(TlvHeader)) return std::nullopt;
    TlvHeader tlv;
    std::memcpy(&tlv, file.data() + at, sizeof tlv);
    const uint32_t room = h.file_bytes - at - sizeof(TlvHeader);
    if (tlv.length > room || align4(tlv.length) > room) return std::nullopt;
    const uint8_t* value = file.data() + at + sizeof(TlvHeader);
    p.records.push_back({tlv.tag, std::vector<uint8_t>(value, value + tlv.length)});
    at += sizeof(TlvHeader) + align4(tlv.length);
  }
  return p;
}

std::array<uint8_t, 40> signed_message(const uint8_t digest[32]) {
  std::array<uint8_t, 40> message{};
  std::memcpy(message.data(), kSignatureDomain, 8);
  std::memcpy(message.data() + 8, digest, 32);
  return message;
}

void append_tlv(std::vector<uint8_t>& out, uint16_t tag, const uint8_t* value, uint32_t length) {
  const TlvHeader tlv{tag, 0, length};
  const uint8_t* raw = reinterpret_cast<const uint8_t*>(&tlv);
  out.insert(out.end(), raw, raw + sizeof tlv);
  out.insert(out.end(), value, value + length);
  out.resize(out.size() + (align4(length) - length), 0);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw SigningError(path + ": cannot open: " + std::strerror(errno));
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

void write_text_file(const std::string& path, const std::string& text, mode_t mode) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  // The mode is set at creation, so a secret is never readable by others, not even briefly.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
  if (fd < 0) throw SigningError(tmp + ": cannot create: " + std::strerror(errno));
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fchmod(fd, mode) == 0 &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw SigningError(path + ": cannot write: " + std::strerror(errno));
  }
}

}  // namespace

KeyPair ed25519_keypair_from_seed(const std::array<uint8_t, 32>& seed) {
  sodium_ready();
  KeyPair k;
  crypto_sign_seed_keypair(k.public_key.data(), k.secret_key.data(), seed.data());
  return k;
}

KeyPair ed25519_keypair_generate() {
  sodium_ready();
  KeyPair k;
  crypto_sign_keypair(k.public_key.data(), k.secret_key.data());
  return k;
}

Signature ed25519_sign(const SecretKey& secret_key, const uint8_t* message, size_t bytes) {
  sodium_ready();
  Signature s;
  crypto_sign_detached(s.data(), nullptr, message, bytes, secret_key.data());
  return s;
}

bool ed25519_verify(const PublicKey& public_key, const uint8_t* message, size_t bytes, const Signature& signature) {
  sodium_ready();
  return crypto_sign_verify_detached(signature.data(), message, bytes, public_key.data()) == 0;
}

KeyId key_id_of(const PublicKey& public_key) {
  sodium_ready();
  KeyId id;
  crypto_hash_sha256(id.data(), public_key.data(), public_key.size());
  return id;
}

std::string hex_encode(const uint8_t* data, size_t bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes * 2);
  for (size_t i = 0; i < bytes; ++i) {
    hex += kHex[data[i] >> 4];
    hex += kHex[data[i] & 15];
  }
  return hex;
}

std::vector<uint8_t> hex_decode(const std::string& text, const std::string& what) {
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw SigningError(what + ": not hexadecimal: '" + std::string(1, c) + "'");
  };
  if (text.size() % 2 != 0) throw SigningError(what + ": odd number of hex digits");
  std::vector<uint8_t> out(text.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(nibble(text[2 * i]) << 4 | nibble(text[2 * i + 1]));
  return out;
}

KeyPaths key_paths(const std::string& dir) { return {dir + "/tinymlops.key", dir + "/tinymlops.pub"}; }

KeyPaths keys_generate(const std::string& dir, bool overwrite) {
  const KeyPaths paths = key_paths(dir);
  if (!overwrite && std::filesystem::exists(paths.secret)) {
    throw SigningError(paths.secret + ": a key already exists (use --force to replace it)");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw SigningError(dir + ": cannot create: " + ec.message());
  ::chmod(dir.c_str(), 0700);
  KeyPair k = ed25519_keypair_generate();
  std::string secret_hex = hex_encode(k.secret_key.data(), k.secret_key.size()) + "\n";
  write_text_file(paths.secret, secret_hex, 0600);
  sodium_memzero(secret_hex.data(), secret_hex.size());
  sodium_memzero(k.secret_key.data(), k.secret_key.size());
  write_text_file(paths.public_key, hex_encode(k.public_key.data(), k.public_key.size()) + "\n", 0644);
  return paths;
}

KeyPair key_load_secret(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    throw SigningError(path + ": secret key is readable by other users (chmod 600 it)");
  }
  std::string text = read_text(path);
  const std::vector<uint8_t> raw = hex_decode(text, path);
  sodium_memzero(text.data(), text.size());
  if (raw.size() != 64) throw SigningError(path + ": expected 64 bytes (128 hex digits) of Ed25519 secret key, got " + std::to_string(raw.size()));
  std::array<uint8_t, 32> seed;
  std::memcpy(seed.data(), raw.data(), 32);
  KeyPair k = ed25519_keypair_from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  if (std::memcmp(k.public_key.data(), raw.data() + 32, 32) != 0) {
    throw SigningError(path + ": damaged secret key (its public half does not match its seed)");
  }
  return k;
}

PublicKey key_load_public(const std::string& path) {
  const std::vector<uint8_t> raw = hex_decode(read_text(path), path);
  if (raw.size() != 32) throw SigningError(path + ": expected 32 bytes (64 hex digits) of Ed25519 public key, got " + std::to_string(raw.size()));
  PublicKey k;
  std::memcpy(k.data(), raw.data(), 32);
  return k;
}

std::vector<uint8_t> model_sign(const std::vector<uint8_t>& file, const KeyPair& key, const std::string& path) {
  // The device validator is the judge of the input: we never sign a file a device would reject.
  {
    const host::AlignedBuffer aligned(file);
    Model m{};
    if (model_validate(aligned.data(), file.size(), &m, nullptr) != Status::kOk) {
      throw SigningError(path + ": not a valid model (tinymlops inspect shows why)");
    }
    if (model_verify_hash(m) != Status::kOk) throw SigningError(path + ": content hash does not match; refusing to sign");
  }
  const std::optional<ParsedTrailer> parsed = parse_trailer(file);
  if (!parsed) throw SigningError(path + ": trailer does not parse");

  // 1. New trailer layout with final sizes: TLV 1 (hash), the other records, TLV 2 (signature).
  std::vector<uint8_t> kept;
  for (const TlvView& r : parsed->records) {
    if (r.tag == kTrailerSha256 || r.tag == kTrailerEd25519) continue;
    append_tlv(kept, r.tag, r.value.data(), static_cast<uint32_t>(r.value.size()));
  }
  const uint32_t trailer_offset = parsed->header.trailer.offset;
  const uint32_t trailer_bytes = static_cast<uint32_t>(2 * sizeof(TlvHeader) + 32 + kept.size() + kSignatureTlvBytes);
  std::vector<uint8_t> out(file.begin(), file.begin() + trailer_offset);
  FileHeader header = parsed->header;
  header.trailer.bytes = trailer_bytes;
  header.file_bytes = trailer_offset + trailer_bytes;
  std::memcpy(out.data(), &header, sizeof header);

  // 2. Hash and sign the bytes before the trailer, which now include the final sizes.
  uint8_t digest[32];
  crypto_hash_sha256(digest, out.data(), out.size());
  const std::array<uint8_t, 40> message = signed_message(digest);
  const Signature signature = ed25519_sign(key.secret_key, message.data(), message.size());
  const KeyId id = key_id_of(key.public_key);
  uint8_t signature_value[kSignatureTlvBytes];
  std::memcpy(signature_value, signature.data(), 64);
  std::memcpy(signature_value + 64, id.data(), 32);

  append_tlv(out, kTrailerSha256, digest, 32);
  out.insert(out.end(), kept.begin(), kept.end());
  append_tlv(out, kTrailerEd25519, signature_value, kSignatureTlvBytes);
  if (out.size() != header.file_bytes) throw SigningError(path + ": internal error: trailer size");
  return out;
}

const char* signature_check_to_string(SignatureCheck check) {
  switch (check) {
    case SignatureCheck::kSignatureOk: return "signature ok";
    case SignatureCheck::kSignatureMalformedFile: return "header or trailer malformed";
    case SignatureCheck::kSignatureMissing: return "no Ed25519 signature in the trailer";
    case SignatureCheck::kSignatureWrongKey: return "signed by another key (key id differs)";
    case SignatureCheck::kSignatureHashMismatch: return "content hash does not match the file";
    case SignatureCheck::kSignatureInvalid: return "signature does not verify";
  }
  return "unknown signature check";
}

SignatureCheck model_verify_signature(const std::vector<uint8_t>& file, const PublicKey& public_key) {
  const std::optional<ParsedTrailer> parsed = parse_trailer(file);
  if (!parsed) return SignatureCheck::kSignatureMalformedFile;
  const TlvView* hash = nullptr;
  const TlvView* sig = nullptr;
  for (const TlvView& r : parsed->records) {
    if (r.tag == kTrailerSha256 && r.value.size() == 32) hash = &r;
    if (r.tag == kTrailerEd25519 && r.value.size() == kSignatureTlvBytes) sig = &r;
  }
  if (!sig) return SignatureCheck::kSignatureMissing;
  const KeyId id = key_id_of(public_key);
  if (std::memcmp(sig->value.data() + 64, id.data(), 32) != 0) return SignatureCheck::kSignatureWrongKey;
  uint8_t digest[32];
  sodium_ready();
  crypto_hash_sha256(digest, file.data(), parsed->header.trailer.offset);
  if (hash && std::memcmp(hash->value.data(), digest, 32) != 0) return SignatureCheck::kSignatureHashMismatch;
  const std::array<uint8_t, 40> message = signed_message(digest);
  Signature signature;
  std::memcpy(signature.data(), sig->value.data(), 64);
  return ed25519_verify(public_key, message.data(), message.size(), signature) ? SignatureCheck::kSignatureOk
                                                                               : SignatureCheck::kSignatureInvalid;
}

std::string model_signature_key_id(const std::vector<uint8_t>& file) {
  const std::optional<ParsedTrailer> parsed = parse_trailer(file);
  if (!parsed) return "";
  for (const TlvView& r : parsed->records) {
    if (r.tag == kTrailerEd25519 && r.value.size() == kSignatureTlvBytes) return hex_encode(r.value.data() + 64, 32);
  }
  return "";
}

}  // namespace tmf::deploy
