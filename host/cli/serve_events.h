// One output line of `tinymlops serve`, in its format: a JSON object (--json) or "serve: TEXT".
// Safe from any thread (the notifier prints from its own).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace tmf::cli {

void serve_event_print(bool json, const nlohmann::json& event, const std::string& text);

}  // namespace tmf::cli
