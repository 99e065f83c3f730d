// Typed access to a request's fields (see api_call.h).
#include "host/api/api_call.h"

#include <charconv>

namespace tmf::api {

int64_t api_parse_int(const std::string& text, const std::string& field, int64_t min, int64_t max) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    throw ApiError(400, field, field + " '" + text + "': not an integer");
  }
  if (value < min || value > max) {
    throw ApiError(400, field, field + " " + text + ": outside [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return value;
}

std::string ApiCall::path(int index, const std::string& field) const {
  if (index >= static_cast<int>(request_.matches.size())) throw ApiError(400, field, field + ": missing from the path");
  return request_.matches[index].str();
}

int64_t ApiCall::path_int(int index, const std::string& field) const {
  return api_parse_int(path(index, field), field, 1, INT64_MAX);
}

std::optional<std::string> ApiCall::query(const std::string& name) const {
  if (!request_.has_param(name.c_str())) return std::nullopt;
  return request_.get_param_value(name.c_str());
}

std::optional<int64_t> ApiCall::query_optional_int(const std::string& name, int64_t min, int64_t max) const {
  const auto text = query(name);
  if (!text) return std::nullopt;
  return api_parse_int(*text, name, min, max);
}

int64_t ApiCall::query_int(const std::string& name, int64_t fallback, int64_t min, int64_t max) const {
  return query_optional_int(name, min, max).value_or(fallback);
}

std::string ApiCall::query_choice(const std::string& name, const std::string& fallback,
                                  std::initializer_list<const char*> allowed) const {
  const auto text = query(name);
  if (!text) return fallback;
  std::string list;
  for (const char* a : allowed) {
    if (*text == a) return *text;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  throw ApiError(400, name, name + " '" + *text + "': one of " + list);
}

nlohmann::json ApiCall::body() const {
  if (request_.body.empty()) return nlohmann::json::object();
  nlohmann::json j = nlohmann::json::parse(request_.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw ApiError(400, "body", "body: not a JSON object");
  return j;
}

}  // namespace tmf::api
