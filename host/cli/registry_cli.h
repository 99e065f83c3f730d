// Shared pieces of the registry, keys, devices and deploy commands: the --registry and --db options and
// the translation of registry/signing errors into CLI errors naming the bad input.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "host/cli/cli_common.h"
#include "host/deploy/signing.h"
#include "host/registry/registry.h"

namespace tmf::cli {

// --db URL: the registry's database for everything this process opens (Registry::set_default_database).
inline void add_database_option(CLI::App* cmd) {
  cmd->add_option_function<std::string>(
         "--db", [](const std::string& url) { registry::Registry::set_default_database(url); },
         "Registry database: sqlite:PATH or postgresql://[USER@]HOST[:PORT]/DB (default: $TINYMLOPS_DB, else the "
         "SQLite file REGISTRY/registry.db; docs/scaling.md). Model artifacts and captures live in the database; keys and "
         "dataset folders stay in the --registry folder")
      ->envname("TINYMLOPS_DB");
}

inline void add_registry_option(CLI::App* cmd, std::string& dir) {
  dir = registry::Registry::default_dir();
  cmd->add_option("--registry", dir, "Registry directory (default: $TINYMLOPS_REGISTRY or ./.tinymlops)");
  add_database_option(cmd);
}

// Runs `body`, turning RegistryError and SigningError into CliError (exit 1; 2 for bad input).
inline void run_registry_command(const std::function<void()>& body) {
  try {
    body();
  } catch (const registry::RegistryError& e) {
    throw CliError(e.what(), 2);
  } catch (const deploy::SigningError& e) {
    throw CliError(e.what(), 2);
  }
}

}  // namespace tmf::cli
