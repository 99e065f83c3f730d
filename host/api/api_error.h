// The one error type of the HTTP API: an HTTP status, the request field that is wrong (a query
// parameter, path segment, body key or header) and a message naming it. The server turns it into
// the JSON body {"error": {"status", "field", "message"}} (docs/api.md).
#pragma once

#include <stdexcept>
#include <string>

namespace tmf::api {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string field, const std::string& message)
      : std::runtime_error(message), status_(status), field_(std::move(field)) {}
  int status() const { return status_; }
  const std::string& field() const { return field_; }

 private:
  int status_;
  std::string field_;
};

}  // namespace tmf::api
