// The streaming JSON writer (see json_writer.h).
#include "host/api/json_writer.h"

#include <charconv>
#include <cmath>

namespace tmf::api {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// Bytes a well-formed sequence starting with `lead` has, and the range its second byte must be
// in (Unicode 15, table 3-7); 0 for a byte that starts no sequence (80..C1, F5..FF).
struct Lead {
  int length;
  unsigned char lo, hi;
};
Lead lead_of(unsigned char b) {
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};  // no surrogates
  if (b >= 0xE1 && b <= 0xEF) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};  // nothing above U+10FFFF
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
  return {0, 0, 0};
}

void escape_control(std::string& out, unsigned char c) {
  switch (c) {
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out.append(u, 6);
    }
  }
}

void append_escaped(std::string& out, std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t run = 0;  // start of the bytes not yet copied that need no change
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c < 0x80) {
      out.append(s.data() + run, i - run);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else {
        escape_control(out, c);
      }
      run = ++i;
      continue;
    }
    const Lead lead = lead_of(c);
    size_t j = i + 1;  // the first byte not part of the sequence (well-formed so far)
    if (lead.length > 0) {
      for (int k = 1; k < lead.length && j < n; ++k, ++j) {
        const unsigned char lo = k == 1 ? lead.lo : 0x80, hi = k == 1 ? lead.hi : 0xBF;
        if (p[j] < lo || p[j] > hi) break;
      }
      if (j - i == static_cast<size_t>(lead.length)) {
        i = j;  // well-formed: copied as it is with the run
        continue;
      }
    }
    // Ill-formed: the maximal subpart [i, j) becomes one U+FFFD; p[j] is looked at afresh.
    out.append(s.data() + run, i - run);
    out += kReplacement;
    run = i = j;
  }
  out.append(s.data() + run, n - run);
}

}  // namespace

JsonWriter& JsonWriter::open(char c) {
  separate();
  out_ += c;
  comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::close(char c) {
  out_ += c;
  comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  separate();
  string(name);
  out_ += ':';
  comma_ = false;
  return *this;
}

void JsonWriter::string(std::string_view text) {
  out_ += '"';
  append_escaped(out_, text);
  out_ += '"';
}

JsonWriter& JsonWriter::value(std::string_view text) {
  separate();
  string(text);
  comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  separate();
  out_ += b ? "true" : "false";
  comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::integer(int64_t n) {
  separate();
  char buf[24];
  out_.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
  comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::unsigned_integer(uint64_t n) {
  separate();
  char buf[24];
  out_.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
  comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(double d) {
  if (!std::isfinite(d)) return null();
  separate();
  char buf[40];
  // Shortest text that reads back as the same double; ".0" keeps it a floating-point number.
  char* end = std::to_chars(buf, buf + sizeof buf, d).ptr;
  out_.append(buf, end);
  if (std::string_view(buf, static_cast<size_t>(end - buf)).find_first_of(".e") == std::string_view::npos) out_ += ".0";
  comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(const nlohmann::json& j) {
  separate();
  out_ += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  comma_ = true;
  return *this;
}

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  append_escaped(out, text);
  out += '"';
  return out;
}

}  // namespace tmf::api
