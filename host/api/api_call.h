// One API request as a route handler sees it: the registry connection it may use (a pooled one,
// never ingest's), the caller's token, and typed access to path segments, query parameters and
// the JSON body. Every accessor throws ApiError naming the field it could not accept.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "host/api/api_error.h"
#include "host/api/api_tokens.h"
#include "host/registry/registry.h"

namespace tmf::api {

class ApiCall {
 public:
  ApiCall(const httplib::Request& request, httplib::Response& response, registry::Registry& registry,
          const ApiToken& token)
      : request_(request), response_(response), registry_(registry), token_(token) {}

  registry::Registry& registry() { return registry_; }
  const ApiToken& token() const { return token_; }
  const httplib::Request& request() const { return request_; }
  httplib::Response& response() { return response_; }

  // Path capture `index` (1-based, as in the route's regular expression), named `field` in errors.
  std::string path(int index, const std::string& field) const;
  int64_t path_int(int index, const std::string& field) const;

  std::optional<std::string> query(const std::string& name) const;
  // An integer query parameter in [min, max]; `fallback` when absent.
  int64_t query_int(const std::string& name, int64_t fallback, int64_t min, int64_t max) const;
  std::optional<int64_t> query_optional_int(const std::string& name, int64_t min, int64_t max) const;
  // One of `allowed` (the message lists them); `fallback` when absent.
  std::string query_choice(const std::string& name, const std::string& fallback,
                           std::initializer_list<const char*> allowed) const;

  // The request body as a JSON object ({} when empty); 400 naming "body" otherwise.
  nlohmann::json body() const;

 private:
  const httplib::Request& request_;
  httplib::Response& response_;
  registry::Registry& registry_;
  const ApiToken& token_;
};

// Parses a whole decimal integer in [min, max]; ApiError 400 naming `field` otherwise.
int64_t api_parse_int(const std::string& text, const std::string& field, int64_t min, int64_t max);

}  // namespace tmf::api
