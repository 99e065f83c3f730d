// API tokens: random secrets, stored as SHA-256 only (see api_tokens.h).
#include "host/api/api_tokens.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace tmf::api {
namespace {

std::string hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

ApiToken read_row(registry::Statement& s) {
  ApiToken t;
  t.id = s.column_int(0);
  t.name = s.column_text(1);
  t.role = api_role_from_string(s.column_text(2)).value_or(ApiRole::kApiRoleRead);
  t.sha256 = s.column_text(3);
  t.created_at = s.column_int(4);
  t.revoked_at = s.column_optional_int(5);
  return t;
}

constexpr const char* kColumns = "SELECT id, name, role, sha256, created_at, revoked_at FROM api_tokens ";

}  // namespace

const char* api_role_to_string(ApiRole role) {
  switch (role) {
    case ApiRole::kApiRoleRead: return "read";
    case ApiRole::kApiRoleAdmin: return "admin";
  }
  return "unknown";
}

std::optional<ApiRole> api_role_from_string(const std::string& text) {
  if (text == "read") return ApiRole::kApiRoleRead;
  if (text == "admin") return ApiRole::kApiRoleAdmin;
  return std::nullopt;
}

std::string api_token_hash(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed (OpenSSL)");
  }
  return hex(digest, size);
}

ApiTokenCreated ApiTokens::create(const std::string& name, ApiRole role, int64_t now_s) {
  if (name.empty() || name.size() > 100) throw std::invalid_argument("token name '" + name + "': 1 to 100 bytes");
  unsigned char random[32];
  if (RAND_bytes(random, sizeof random) != 1) throw std::runtime_error("no random bytes (OpenSSL RAND_bytes)");
  ApiTokenCreated out;
  out.secret = "tmf_" + hex(random, sizeof random);
  registry::Statement(db_, "INSERT INTO api_tokens(name, role, sha256, created_at) VALUES (?, ?, ?, ?)")
      .bind(1, name)
      .bind(2, api_role_to_string(role))
      .bind(3, api_token_hash(out.secret))
      .bind(4, now_s)
      .run();
  out.token = {db_.last_insert_id(), name, role, api_token_hash(out.secret), now_s, std::nullopt};
  return out;
}

std::vector<ApiToken> ApiTokens::list() {
  registry::Statement s(db_, (std::string(kColumns) + "ORDER BY id").c_str());
  std::vector<ApiToken> out;
  while (s.step()) out.push_back(read_row(s));
  return out;
}

ApiToken ApiTokens::revoke(int64_t id, int64_t now_s) {
  registry::Statement find(db_, (std::string(kColumns) + "WHERE id = ?").c_str());
  find.bind(1, id);
  if (!find.step()) throw std::invalid_argument("token " + std::to_string(id) + ": no such token");
  ApiToken t = read_row(find);
  if (t.revoked_at) throw std::invalid_argument("token " + std::to_string(id) + ": already revoked");
  registry::Statement(db_, "UPDATE api_tokens SET revoked_at = ? WHERE id = ?").bind(1, now_s).bind(2, id).run();
  t.revoked_at = now_s;
  return t;
}

std::optional<ApiToken> ApiTokens::verify(const std::string& secret) {
  // Looked up by hash: the comparison never touches the secret, so its timing says nothing about it.
  registry::Statement s(db_, (std::string(kColumns) + "WHERE sha256 = ? AND revoked_at IS NULL").c_str());
  s.bind(1, api_token_hash(secret));
  if (!s.step()) return std::nullopt;
  return read_row(s);
}

}  // namespace tmf::api
