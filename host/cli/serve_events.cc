// serve's output lines (see serve_events.h).
#include "host/cli/serve_events.h"

#include <cstdio>

namespace tmf::cli {

void serve_event_print(bool json, const nlohmann::json& event, const std::string& text) {
  const std::string line = (json ? event.dump() : "serve: " + text) + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);  // one call: whole lines between threads
  std::fflush(stdout);
}

}  // namespace tmf::cli
