// A streaming JSON writer for the API's list bodies (docs/api.md "Where the time goes"): one
// growing string, no document of map nodes. A list of 10,000 devices built as nlohmann objects
// spent half its time in malloc/free; written here it is appends into one reserved buffer.
//
// Strings are untrusted (device ids, hardware names, notes): they come out as nlohmann's dump()
// writes them with error_handler_t::replace, byte for byte: '"', '\\' and the control characters
// escaped (\b \f \n \r \t, else \u00xx), other bytes as they are, and every ill-formed UTF-8
// sequence replaced by U+FFFD per maximal subpart (Unicode 15, 3.9), so the body is always valid
// JSON. Non-finite doubles are null (as nlohmann writes them); a double always reads back as a
// floating-point number (1.0, never 1).
#pragma once

#include <concepts>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace tmf::api {

class JsonWriter {
 public:
  explicit JsonWriter(size_t reserve_bytes = 0) { out_.reserve(reserve_bytes); }

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  // A member's name; the next value (or begin_*) is its value.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(bool b);
  JsonWriter& value(double d);
  JsonWriter& value(float f) { return value(static_cast<double>(f)); }
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  JsonWriter& value(T n) {
    if constexpr (std::is_signed_v<T>) return integer(static_cast<int64_t>(n));
    else return unsigned_integer(static_cast<uint64_t>(n));
  }
  template <typename T>
  JsonWriter& value(const std::optional<T>& v) {
    return v ? value(*v) : null();
  }
  // A value already held as a document (a stored detail object): dumped in place, strings as above.
  JsonWriter& value(const nlohmann::json& j);
  JsonWriter& null();

  // key(name).value(v) in one call.
  template <typename T>
  JsonWriter& member(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  JsonWriter& open(char c);
  JsonWriter& close(char c);
  JsonWriter& integer(int64_t n);
  JsonWriter& unsigned_integer(uint64_t n);
  void separate() {
    if (comma_) out_ += ',';
  }
  void string(std::string_view text);

  std::string out_;
  bool comma_ = false;  // a value or member was written at this level: the next needs a comma
};

// `text` as a JSON string literal (quotes included), escaped and repaired as JsonWriter writes it.
std::string json_quote(std::string_view text);

}  // namespace tmf::api
