// One text form per enum value, from one table per enum: the registry column, `--json` output,
// the HTTP API and `--help` all use the same words, and parsing refuses anything else by name.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tmf::registry {

template <typename E>
struct EnumName {
  E value;
  const char* text;
};

template <typename E, size_t N>
constexpr const char* enum_text(const EnumName<E> (&names)[N], E value) {
  for (const EnumName<E>& n : names) {
    if (n.value == value) return n.text;
  }
  return "unknown";
}

template <typename E, size_t N>
std::optional<E> enum_find(const EnumName<E> (&names)[N], std::string_view text) {
  for (const EnumName<E>& n : names) {
    if (text == n.text) return n.value;
  }
  return std::nullopt;
}

// "a, b or c": the choices, for error messages and --help.
template <typename E, size_t N>
std::string enum_choices(const EnumName<E> (&names)[N]) {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) out += i + 1 == N ? " or " : ", ";
    out += names[i].text;
  }
  return out;
}

// The value named `text`; std::invalid_argument naming `what`, the text and the choices otherwise.
template <typename E, size_t N>
E enum_parse(const EnumName<E> (&names)[N], std::string_view text, const std::string& what) {
  if (const std::optional<E> e = enum_find(names, text)) return *e;
  throw std::invalid_argument(what + " '" + std::string(text) + "': not one of " + enum_choices(names));
}

}  // namespace tmf::registry
