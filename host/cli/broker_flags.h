// The broker options every command that talks to devices takes (serve, deploy, collect, sim,
// gateway): --broker mqtt://HOST:PORT | mqtts://HOST:PORT, --ca, --cert, --key, --username,
// --password-file, each also from a TINYMLOPS_* environment variable and from the --config file
// (docs/fleet.md). --broker-host / --broker-port remain as the plain-text lab form.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "host/fleet/broker_settings.h"

namespace tmf::cli {

struct BrokerFlags {
  std::string url, host, ca, cert, key, username, password_file;
  int port = 0;
};

void broker_flags_add(CLI::App* cmd, BrokerFlags& flags);

// The settings the flags give; throws CliError (exit 2) naming the bad option.
fleet::BrokerSettings broker_flags_settings(const BrokerFlags& flags);

}  // namespace tmf::cli
