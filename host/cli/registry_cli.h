// Shared pieces of the registry, keys, devices and deploy commands: the --registry option and
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

inline void add_registry_option(CLI::App* cmd, std::string& dir) {
  dir = registry::Registry::default_dir();
  cmd->add_option("--registry", dir, "Registry directory (default: $TINYMLOPS_REGISTRY or ./.tinymlops)");
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
