// `tinymlops tokens create|list|revoke`: bearer tokens of serve's HTTP API (docs/api.md "Tokens").
// A token is printed once, at creation; the registry keeps only its SHA-256.
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "host/api/api_tokens.h"
#include "host/cli/commands.h"
#include "host/cli/registry_cli.h"

namespace tmf::cli {
namespace {

struct TokensArgs {
  std::string dir, name, role = "read";
  int64_t id = 0;
  bool json = false;
};

int64_t now_s() { return static_cast<int64_t>(std::time(nullptr)); }

nlohmann::json token_json(const api::ApiToken& t) {
  return {{"id", t.id},
          {"name", t.name},
          {"role", api::api_role_to_string(t.role)},
          {"sha256", t.sha256},
          {"created_at", t.created_at},
          {"revoked_at", t.revoked_at ? nlohmann::json(*t.revoked_at) : nlohmann::json(nullptr)}};
}

void run_create(const TokensArgs& a) {
  const auto role = api::api_role_from_string(a.role);
  if (!role) throw CliError("--role " + a.role + ": read or admin", 2);
  registry::Registry reg(a.dir);
  api::ApiTokenCreated created;
  try {
    created = api::ApiTokens(reg.db()).create(a.name, *role, now_s());
  } catch (const std::invalid_argument& e) {
    throw CliError(e.what(), 2);
  }
  if (a.json) {
    nlohmann::json j = token_json(created.token);
    j["token"] = created.secret;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("token %lld '%s' (%s): %s\n", static_cast<long long>(created.token.id), created.token.name.c_str(),
              api::api_role_to_string(created.token.role), created.secret.c_str());
  std::printf("shown once: only its SHA-256 is stored. Use it as 'Authorization: Bearer TOKEN'.\n");
}

void run_list(const TokensArgs& a) {
  registry::Registry reg(a.dir);
  const std::vector<api::ApiToken> tokens = api::ApiTokens(reg.db()).list();
  if (a.json) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& t : tokens) all.push_back(token_json(t));
    std::printf("%s\n", all.dump(2).c_str());
    return;
  }
  for (const auto& t : tokens) {
    std::printf("%4lld  %-6s %-24s sha256 %.16s...  %s\n", static_cast<long long>(t.id), api::api_role_to_string(t.role),
                t.name.c_str(), t.sha256.c_str(), t.revoked_at ? "revoked" : "valid");
  }
  if (tokens.empty()) std::printf("no tokens (tinymlops tokens create NAME --role read|admin)\n");
}

void run_revoke(const TokensArgs& a) {
  registry::Registry reg(a.dir);
  api::ApiToken t;
  try {
    t = api::ApiTokens(reg.db()).revoke(a.id, now_s());
  } catch (const std::invalid_argument& e) {
    throw CliError(e.what(), 2);
  }
  if (a.json) {
    std::printf("%s\n", token_json(t).dump(2).c_str());
    return;
  }
  std::printf("token %lld '%s' revoked\n", static_cast<long long>(t.id), t.name.c_str());
}

}  // namespace

void register_tokens(CLI::App& app) {
  CLI::App* tokens = app.add_subcommand("tokens", "Bearer tokens of serve's HTTP API (create, list, revoke)");
  tokens->require_subcommand(1);

  auto create_args = std::make_shared<TokensArgs>();
  CLI::App* create = tokens->add_subcommand("create", "Create a token and print it (once; only its hash is stored)");
  add_registry_option(create, create_args->dir);
  create->add_option("NAME", create_args->name, "Who or what holds it (shown in lists and in decisions it makes)")->required();
  create->add_option("--role", create_args->role, "read (every GET) or admin (also ack, label, approve, reject); default read");
  create->add_flag("--json", create_args->json, "Print JSON (keys: id, name, role, sha256, created_at, token)");
  create->callback([create_args] { run_registry_command([&] { run_create(*create_args); }); });

  auto list_args = std::make_shared<TokensArgs>();
  CLI::App* list = tokens->add_subcommand("list", "List tokens (names, roles, hashes; never the tokens)");
  add_registry_option(list, list_args->dir);
  list->add_flag("--json", list_args->json, "Print a JSON array (keys: id, name, role, sha256, created_at, revoked_at)");
  list->callback([list_args] { run_registry_command([&] { run_list(*list_args); }); });

  auto revoke_args = std::make_shared<TokensArgs>();
  CLI::App* revoke = tokens->add_subcommand("revoke", "Revoke token ID: the next request with it is refused");
  add_registry_option(revoke, revoke_args->dir);
  revoke->add_option("ID", revoke_args->id, "The token's id (tokens list)")->required();
  revoke->add_flag("--json", revoke_args->json, "Print JSON of the revoked token");
  revoke->callback([revoke_args] { run_registry_command([&] { run_revoke(*revoke_args); }); });
}

}  // namespace tmf::cli
