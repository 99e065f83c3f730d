// `tinymlops serve --http ADDR:PORT`: the operator's HTTP surface beside ingest: the JSON API
// under /api/v1 (api_routes.h) and GET /metrics (prometheus_text.h), every request authenticated
// by a bearer token (api_tokens.h), over TLS when a certificate is given. It runs on its own
// threads with its own registry connections (registry_pool.h), so it never holds up ingest.
// docs/api.md.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "host/api/registry_pool.h"
#include "host/api/serve_metrics.h"

namespace httplib {
class Server;
}

namespace tmf::api {

// The server could not start: the address is busy or malformed, or the TLS files do not load.
// The message names the flag and value at fault.
class ApiStartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ApiServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;          // 0: any free port (port() tells which)
  std::string cert_path; // PEM certificate (chain) and key: HTTPS; both empty: plain HTTP
  std::string key_path;
  // Worker threads, so as many requests run at once (each on its own registry connection). 16:
  // the 2-core hosts this runs on saturate well before that; a bench with 50 clients queues the rest.
  size_t threads = 16;
  std::string version;   // reported by /api/v1/status and tinymlops_build_info
};

// The version the build was configured with (CMake's PROJECT_VERSION), "unversioned" without one.
std::string api_build_version();

// "ADDR:PORT" (e.g. 127.0.0.1:8080, [::1]:8080, 0.0.0.0:0) into host and port; ApiStartError
// naming `flag` otherwise.
void api_parse_listen(const std::string& text, const std::string& flag, ApiServerOptions& out);

class ApiServer {
 public:
  ApiServer(const std::string& registry_dir, ApiServerOptions options, std::shared_ptr<ServeMetrics> metrics);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds and starts serving on a thread of its own; throws ApiStartError.
  void start();
  void stop();
  int port() const { return port_; }
  std::string url() const;  // http(s)://host:port

 private:
  void install_routes();

  RegistryPool pool_;
  ApiServerOptions options_;
  std::shared_ptr<ServeMetrics> metrics_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace tmf::api
