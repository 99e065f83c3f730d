// Bearer tokens of the HTTP API (registry migration 10, table api_tokens): a token is shown once,
// when it is created; the registry keeps only its SHA-256, its name and its role. `read` tokens
// may call every GET; `admin` tokens may also change state (ack, label, approve, reject).
// docs/api.md "Tokens".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/registry/database.h"

namespace tmf::api {

enum class ApiRole { kApiRoleRead, kApiRoleAdmin };
const char* api_role_to_string(ApiRole role);
// "read" | "admin"; nullopt for anything else.
std::optional<ApiRole> api_role_from_string(const std::string& text);

struct ApiToken {
  int64_t id = 0;
  std::string name;
  ApiRole role = ApiRole::kApiRoleRead;
  std::string sha256;  // hex of SHA-256(token)
  int64_t created_at = 0;  // unix s
  std::optional<int64_t> revoked_at;
};

struct ApiTokenCreated {
  ApiToken token;
  std::string secret;  // "tmf_" + 64 hex digits (256 random bits); not stored anywhere
};

// Lowercase hex SHA-256 of `text` (OpenSSL libcrypto).
std::string api_token_hash(const std::string& text);

class ApiTokens {
 public:
  explicit ApiTokens(registry::Database& db) : db_(db) {}
  // Throws std::invalid_argument naming `name` when it is empty or longer than 100 bytes.
  ApiTokenCreated create(const std::string& name, ApiRole role, int64_t now_s);
  std::vector<ApiToken> list();  // oldest first, revoked ones included
  // Throws std::invalid_argument "token N: no such token" / "... already revoked".
  ApiToken revoke(int64_t id, int64_t now_s);
  // The valid (not revoked) token whose hash matches `secret`, if any.
  std::optional<ApiToken> verify(const std::string& secret);

 private:
  registry::Database& db_;
};

}  // namespace tmf::api
