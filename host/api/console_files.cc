// The console's static files (see console_files.h).
#include "host/api/console_files.h"

#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "host/share_dir.h"

namespace tmf::api {
namespace {

namespace fs = std::filesystem;

// Only the kinds of file the console ships; anything else is not served, whatever is in the folder.
const char* content_type_of(const std::string& name) {
  const auto ends = [&](const char* ext) { return name.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return nullptr;
}

bool plain_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name.front() == '.') return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

void reply_file(const httplib::Request& req, httplib::Response& res, const std::string& dir, const std::string& name) {
  const std::optional<ConsoleFile> file = console_file(dir, name);
  // The console's own pages: scripts, styles and requests from this origin only, nothing inline,
  // never inside another site's frame.
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                 "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-cache");
  if (!file) {
    res.status = 404;
    res.set_content("no console file " + req.path + " in " + dir +
                        " (installed under <prefix>/share/tinymlops/console; TMF_CONSOLE_DIR overrides)\n",
                    "text/plain; charset=utf-8");
    return;
  }
  res.set_content(file->body, file->content_type);
}

}  // namespace

std::string console_dir() { return host::share_dir("TMF_CONSOLE_DIR", "console"); }

std::optional<ConsoleFile> console_file(const std::string& dir, const std::string& name) {
  if (!plain_name(name)) return std::nullopt;
  const char* type = content_type_of(name);
  if (!type) return std::nullopt;
  std::error_code ec;
  const fs::path path = fs::path(dir) / name;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return ConsoleFile{std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()), type};
}

void console_routes(httplib::Server& server, const std::string& dir) {
  server.Get("/", [dir](const httplib::Request& req, httplib::Response& res) { reply_file(req, res, dir, "index.html"); });
  server.Get(R"(/console/([^/]+))", [dir](const httplib::Request& req, httplib::Response& res) {
    reply_file(req, res, dir, req.matches[1].str());
  });
}

}  // namespace tmf::api
