// `serve --http ADDR:PORT [--http-cert PEM --http-key PEM]`: the HTTP API and /metrics beside the
// serve loop (host/api, docs/api.md). cmd_serve.cc adds the options and calls serve_http_start.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "host/api/api_server.h"
#include "host/monitor/serve_loop.h"

namespace tmf::cli {

struct HttpCliArgs {
  std::string listen;  // ADDR:PORT; empty: no HTTP server
  std::string cert, key;
  size_t threads = 16;
};

void add_http_options(CLI::App* cmd, HttpCliArgs& args);

// Starts the server (nullptr without --http) and hooks the loop's figures into its /metrics:
// wraps options.ingest.on_commit and hooks.on_tick. Throws CliError (exit 2) naming the flag when
// it cannot listen. Prints one line (or a JSON "http" event) with the URL.
std::unique_ptr<api::ApiServer> serve_http_start(const HttpCliArgs& args, const std::string& registry_dir,
                                                 monitor::ServeOptions& options, monitor::ServeHooks& hooks);

}  // namespace tmf::cli
