// serve's --http options and the glue between the serve loop and the API server (see serve_http_cli.h).
#include "host/cli/serve_http_cli.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "host/cli/cli_common.h"

namespace tmf::cli {

void add_http_options(CLI::App* cmd, HttpCliArgs& args) {
  cmd->add_option("--http", args.listen,
                  "Serve the JSON API (/api/v1) and Prometheus /metrics on ADDR:PORT (e.g. 127.0.0.1:8080); bearer "
                  "tokens from `tinymlops tokens create` (docs/api.md)");
  cmd->add_option("--http-cert", args.cert, "PEM certificate for HTTPS on --http (e.g. one the fleet CA issued)");
  cmd->add_option("--http-key", args.key, "PEM private key of --http-cert");
  cmd->add_option("--http-threads", args.threads, "Requests served at once, each on its own registry connection (default 16)")
      ->check(CLI::Range(1, 256));
}

std::unique_ptr<api::ApiServer> serve_http_start(const HttpCliArgs& args, const std::string& registry_dir,
                                                 monitor::ServeOptions& options, monitor::ServeHooks& hooks) {
  if (args.listen.empty()) {
    if (!args.cert.empty() || !args.key.empty()) throw CliError("--http-cert/--http-key need --http ADDR:PORT", 2);
    return nullptr;
  }
  auto metrics = std::make_shared<api::ServeMetrics>();
  api::ApiServerOptions o;
  o.cert_path = args.cert;
  o.key_path = args.key;
  o.threads = args.threads;
  o.version = api::api_build_version();
  std::unique_ptr<api::ApiServer> server;
  try {
    api::api_parse_listen(args.listen, "--http", o);
    server = std::make_unique<api::ApiServer>(registry_dir, o, metrics);
    server->start();
  } catch (const api::ApiStartError& e) {
    throw CliError(e.what(), 2);
  }
  auto previous_commit = options.ingest.on_commit;
  options.ingest.on_commit = [metrics, previous_commit](std::chrono::nanoseconds d, size_t messages) {
    metrics->observe_commit(d);
    if (previous_commit) previous_commit(d, messages);
  };
  auto previous_tick = hooks.on_tick;
  hooks.on_tick = [metrics, previous_tick](monitor::ServeContext& ctx) {
    metrics->update(ctx.ingest.counters(), ctx.ingest.connected(), ctx.ingest.broker_connects());
    if (previous_tick) previous_tick(ctx);
  };
  const std::string line = options.json ? nlohmann::json({{"event", "http"}, {"url", server->url()}, {"console", server->url() + "/"}}).dump()
                                        : "serve: web console, HTTP API and /metrics on " + server->url() + "/";
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
  return server;
}

}  // namespace tmf::cli
