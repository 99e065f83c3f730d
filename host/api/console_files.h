// The web console's static files (web/console in the source tree, <prefix>/share/tinymlops/console
// installed), served by `serve --http` at / beside the API (docs/console.md). The files carry no
// data: the page asks the API for everything with the operator's token, so they need none.
#pragma once

#include <optional>
#include <string>

namespace httplib {
class Server;
}

namespace tmf::api {

// $TMF_CONSOLE_DIR if set, else <bin>/../share/tinymlops/console beside the running executable
// (the build tree has the same layout as an install prefix); never a path compiled in.
std::string console_dir();

struct ConsoleFile {
  std::string body;
  std::string content_type;
};

// The file `name` of `dir` ("index.html", "console.js", ...): nullopt for a name that is not one
// plain file name with a known extension (no '/', no leading '.'), or that is not there.
std::optional<ConsoleFile> console_file(const std::string& dir, const std::string& name);

// GET / (index.html) and GET /console/NAME, with a Content-Security-Policy that allows only this
// origin (no inline script, no other host).
void console_routes(httplib::Server& server, const std::string& dir);

}  // namespace tmf::api
