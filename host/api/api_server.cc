// The HTTP server: TLS, authentication, JSON errors, route wiring (see api_server.h).
#include "host/api/api_server.h"

#include <httplib.h>

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "host/api/api_routes.h"
#include "host/api/console_files.h"
#include "host/api/prometheus_text.h"

namespace tmf::api {
namespace {

void reply_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void reply_error(httplib::Response& res, int status, const std::string& field, const std::string& message) {
  if (status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"tinymlops\"");
  reply_json(res, status, {{"error", {{"status", status}, {"field", field}, {"message", message}}}});
}

// The caller's token, checked against `needs`; ApiError 401/403 naming the Authorization header.
ApiToken authenticate(const httplib::Request& req, registry::Registry& registry, ApiRole needs) {
  const std::string header = req.get_header_value("Authorization");
  const std::string scheme = "Bearer ";
  if (header.empty()) {
    throw ApiError(401, "Authorization", "Authorization: missing; send 'Authorization: Bearer TOKEN' (tinymlops tokens create)");
  }
  if (header.compare(0, scheme.size(), scheme) != 0 || header.size() == scheme.size()) {
    throw ApiError(401, "Authorization", "Authorization: not a bearer token ('Bearer TOKEN')");
  }
  const std::optional<ApiToken> token = ApiTokens(registry.db()).verify(header.substr(scheme.size()));
  if (!token) throw ApiError(401, "Authorization", "Authorization: unknown or revoked token");
  if (needs == ApiRole::kApiRoleAdmin && token->role != ApiRole::kApiRoleAdmin) {
    throw ApiError(403, "Authorization", "token '" + token->name + "' has the role " + api_role_to_string(token->role) + "; " +
                                             req.method + " " + req.path + " needs admin");
  }
  return *token;
}

// Runs `body` with a pooled connection and the caller's token; turns every failure into JSON.
template <typename Body>
void guarded(RegistryPool& pool, const httplib::Request& req, httplib::Response& res, ApiRole needs, Body&& body) {
  try {
    RegistryPool::Lease lease = pool.acquire();
    const ApiToken token = authenticate(req, lease.registry(), needs);
    body(lease.registry(), token);
  } catch (const ApiError& e) {
    reply_error(res, e.status(), e.field(), e.what());
  } catch (const registry::RegistryError& e) {
    // The registry itself failed (locked past its timeout, disk): a server-side condition, retry later.
    res.set_header("Retry-After", "1");
    reply_error(res, 503, "registry", e.what());
  } catch (const std::exception& e) {
    reply_error(res, 500, "server", e.what());
  }
}

}  // namespace

std::string api_build_version() {
  const std::string v = TMF_API_PROJECT_VERSION;
  return v.empty() ? "unversioned" : v;
}

void api_parse_listen(const std::string& text, const std::string& flag, ApiServerOptions& out) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    throw ApiStartError(flag + " '" + text + "': expected ADDR:PORT, e.g. 127.0.0.1:8080");
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  try {
    out.port = static_cast<int>(api_parse_int(text.substr(colon + 1), flag, 0, 65535));
  } catch (const ApiError& e) {
    throw ApiStartError(flag + " '" + text + "': the port must be 0-65535");
  }
  out.host = host;
}

ApiServer::ApiServer(const std::string& registry_dir, ApiServerOptions options, std::shared_ptr<ServeMetrics> metrics)
    : pool_(registry_dir), options_(std::move(options)), metrics_(std::move(metrics)) {}

ApiServer::~ApiServer() { stop(); }

std::string ApiServer::url() const {
  const bool v6 = options_.host.find(':') != std::string::npos;
  return std::string(options_.cert_path.empty() ? "http" : "https") + "://" + (v6 ? "[" : "") + options_.host +
         (v6 ? "]" : "") + ":" + std::to_string(port_);
}

void ApiServer::start() {
  if (options_.cert_path.empty() != options_.key_path.empty()) {
    throw ApiStartError(options_.cert_path.empty() ? "--http-key needs --http-cert" : "--http-cert needs --http-key");
  }
  if (options_.cert_path.empty()) {
    server_ = std::make_unique<httplib::Server>();
  } else {
    auto tls = std::make_unique<httplib::SSLServer>(options_.cert_path.c_str(), options_.key_path.c_str());
    if (!tls->is_valid()) {
      throw ApiStartError("--http-cert " + options_.cert_path + " / --http-key " + options_.key_path +
                          ": not a readable PEM certificate and matching private key");
    }
    server_ = std::move(tls);
  }
  const size_t threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_payload_max_length(64 * 1024);  // the largest body is a label note
  // httplib's default is SO_REUSEPORT, with which a second serve binds the same port and the
  // kernel splits requests between the two; SO_REUSEADDR alone only allows a restart over
  // connections still in TIME_WAIT, and a busy port fails at bind.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  install_routes();
  errno = 0;
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
  } else {
    port_ = server_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) {
    const int err = errno;
    throw ApiStartError("--http " + options_.host + ":" + std::to_string(options_.port) + ": cannot listen" +
                        (err ? std::string(" (") + std::strerror(err) + ")" : std::string()) +
                        "; is another server on that port?");
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

void ApiServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void ApiServer::install_routes() {
  std::vector<ApiRoute> routes;
  api_routes_fleet(routes);
  api_routes_models(routes);
  api_routes_releases(routes);
  api_routes_alerts(routes);
  for (const ApiRoute& route : routes) {
    auto handler = [this, route](const httplib::Request& req, httplib::Response& res) {
      guarded(pool_, req, res, route.needs, [&](registry::Registry& registry, const ApiToken& token) {
        ApiCall call(req, res, registry, token);
        if (const std::optional<nlohmann::json> body = route.handler(call)) reply_json(res, 200, *body);
      });
    };
    if (std::strcmp(route.method, "POST") == 0) {
      server_->Post(route.pattern, handler);
    } else {
      server_->Get(route.pattern, handler);
    }
  }
  server_->Get("/api/v1/status", [this](const httplib::Request& req, httplib::Response& res) {
    guarded(pool_, req, res, ApiRole::kApiRoleRead, [&](registry::Registry&, const ApiToken& token) {
      const ServeMetricsSnapshot s = metrics_ ? metrics_->snapshot() : ServeMetricsSnapshot{};
      const monitor::IngestCounters& c = s.counters;
      reply_json(res, 200,
                 {{"version", options_.version},
                  {"token", {{"name", token.name}, {"role", api_role_to_string(token.role)}}},
                  {"broker_connected", s.broker_connected},
                  {"started_at_s", s.started_at_s},
                  {"ingest",
                   {{"messages", c.messages}, {"batches_stored", c.batches_stored}, {"duplicates", c.duplicates},
                    {"acks_sent", c.acks_sent}, {"commits", c.commits}, {"decode_errors", c.decode_errors},
                    {"not_enrolled", c.not_enrolled}, {"rate_limited", c.rate_limited}}}});
    });
  });
  server_->Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
    guarded(pool_, req, res, ApiRole::kApiRoleRead, [&](registry::Registry& registry, const ApiToken&) {
      const ServeMetricsSnapshot s = metrics_ ? metrics_->snapshot() : ServeMetricsSnapshot{};
      res.set_content(prometheus_render(registry.db(), s, options_.version), "text/plain; version=0.0.4; charset=utf-8");
    });
  });
  console_routes(*server_, console_dir());  // the web console's static files at / (docs/console.md)
  // Anything unrouted (or a method a path does not take) still answers in JSON.
  server_->set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    reply_error(res, res.status, "path",
                res.status == 404 ? "no such endpoint: " + req.method + " " + req.path : "request refused: " + req.path);
    return httplib::Server::HandlerResponse::Handled;
  }));
}

}  // namespace tmf::api
